"""The Sphinx site builds with warnings as errors, offline, and holds every model (with its figure)
and notebook (executed at build time: ``-m extended``; the default build renders them as stored,
since ``test_notebooks`` runs them)."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

pytest.importorskip("sphinx")
pytest.importorskip("numpydoc")
pytest.importorskip("myst_nb")

ROOT = pathlib.Path(__file__).resolve().parent.parent
#: The documented command, as README.md and docs/start.rst write it.
COMMAND = ["-m", "sphinx", "-W", "--keep-going", "-b", "html"]


def _build(tmp_path, execute, timeout):
    html, doctrees = tmp_path / "html", tmp_path / "doctrees"
    env = dict(os.environ, MPLBACKEND="Agg", CORTEXLEARN_DOCS_EXECUTE=execute)
    proc = subprocess.run([sys.executable, *COMMAND, "-q", str(ROOT / "docs"), str(html), "-d", str(doctrees)],
                          capture_output=True, text=True, env=env, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-5000:]
    return html


def test_the_build_command_is_documented():
    command = " ".join(COMMAND[1:]) + " docs docs/_build/html"
    assert command in (ROOT / "README.md").read_text()
    assert command in (ROOT / "docs" / "start.rst").read_text()


def test_every_model_has_a_gallery_figure_that_says_which_run_drew_it():
    from PIL import Image

    from cortexlearn.registry import get_model, list_models

    for name in list_models():
        if get_model(name).figure is None:
            continue
        png, txt = ROOT / "docs" / "figures" / f"{name}.png", ROOT / "docs" / "figures" / f"{name}.txt"
        assert png.exists() and txt.exists(), f"{name}: no gallery figure (docs/_gallery.py draws it)"
        with Image.open(png) as image:
            width_mm = image.size[0] / image.info["dpi"][0] * 25.4
        assert width_mm <= 89.5, (name, width_mm)
        caption = txt.read_text()
        assert "Drawn from a" in caption and f"cortexlearn run {name}" in caption, (name, caption)


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_docs_build_clean(tmp_path):
    from cortexlearn.registry import get_model, list_models

    expected = {name: ([p.name for p in get_model(name).parameters], [c.metric for c in get_model(name).checks])
                for name in list_models()}
    html = _build(tmp_path, "off", 380)

    for name, (params, metrics) in expected.items():  # a gallery page per model: parameters, checks
        page = (html / "_generated" / "models" / f"{name}.html").read_text()
        for item in params + metrics:
            assert item in page, (name, item)
        if (ROOT / "docs" / "figures" / f"{name}.png").exists():  # the figure, with its caption
            assert f'{name}.png"' in page and "Drawn from a" in page, name
    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        assert (html / "_generated" / "notebooks" / f"{notebook.stem}.html").exists()
    api = (html / "_generated" / "api" / "cortexlearn.sweep.html").read_text()
    assert "sweep" in api and "UnitSpec" in api
    rules = html / "_generated" / "api" / "cortexlearn.rules.stdp.html"
    if rules.exists():  # each rule's page carries its equation (MathJax) and its paper
        text = rules.read_text()
        assert "math" in text and "Song" in text


@pytest.mark.extended
@pytest.mark.timeout(2400)
def test_docs_build_executes_the_notebooks(tmp_path):
    html = _build(tmp_path, "force", 2350)  # the documented command's default: 20 min on 2 busy cores
    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        page = (html / "_generated" / "notebooks" / f"{notebook.stem}.html").read_text()
        assert "cell_output" in page, f"{notebook.name} rendered without outputs"
