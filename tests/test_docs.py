"""The Sphinx site builds with warnings as errors, offline, and holds every model and notebook."""

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


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_docs_build_clean(tmp_path):
    from cortexlearn.registry import get_model, list_models

    expected = {name: ([p.name for p in get_model(name).parameters], [c.metric for c in get_model(name).checks])
                for name in list_models()}
    html, doctrees = tmp_path / "html", tmp_path / "doctrees"
    env = dict(os.environ, MPLBACKEND="Agg")
    proc = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html", "-q",
                           str(ROOT / "docs"), str(html), "-d", str(doctrees)],
                          capture_output=True, text=True, env=env, timeout=380)
    assert proc.returncode == 0, proc.stderr[-5000:]

    for name, (params, metrics) in expected.items():  # a gallery page per model: parameters, checks
        page = (html / "_generated" / "models" / f"{name}.html").read_text()
        for item in params + metrics:
            assert item in page, (name, item)
    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        assert (html / "_generated" / "notebooks" / f"{notebook.stem}.html").exists()
    api = (html / "_generated" / "api" / "cortexlearn.sweep.html").read_text()
    assert "sweep" in api and "UnitSpec" in api
    rules = html / "_generated" / "api" / "cortexlearn.rules.stdp.html"
    if rules.exists():  # each rule's page carries its equation (MathJax) and its paper
        text = rules.read_text()
        assert "math" in text and "Song" in text
