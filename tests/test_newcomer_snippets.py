"""Every command and code snippet of README.md and docs/*.rst runs as written, in order.

The first ``bash`` block of README.md (install + test suite) is what CI itself runs and is left
out, as are the install, test-suite and documentation-build blocks of the docs (the suite and
``tests/test_docs.py`` run those). Each page runs in a fresh temporary folder, as a new user would follow it: its ``bash``
blocks line by line in ``bash`` (``source .venv/bin/activate`` finds this interpreter's
environment), its Python blocks one after another in one interpreter.
"""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def markdown_blocks(text: str) -> list[tuple[str, str]]:
    """``(language, code)`` of each fenced block of a Markdown text."""
    return [(m.group(1), m.group(2)) for m in re.finditer(r"^```(\w+)\n(.*?)^```", text, re.M | re.S)]


def rst_blocks(text: str) -> list[tuple[str, str]]:
    """``(language, code)`` of each ``.. code-block::`` and ``::`` literal block of an rst text
    (a bare ``::`` block counts as ``bash`` when its lines start with a command, else it is
    skipped as a text block)."""
    lines = text.splitlines()
    out = []
    k = 0
    while k < len(lines):
        line = lines[k]
        m = re.match(r"\s*\.\. code-block::\s*(\w+)", line)
        bare = not m and line.rstrip().endswith("::") and not line.strip().startswith("..")
        if m or bare:
            lang = m.group(1) if m else "bash"
            k += 1
            while k < len(lines) and (not lines[k].strip() or lines[k].lstrip().startswith(":")):
                k += 1
            body = []
            while k < len(lines) and (not lines[k].strip() or lines[k].startswith((" ", "\t"))):
                body.append(lines[k])
                k += 1
            code = "\n".join(body).rstrip()
            indent = min((len(b) - len(b.lstrip()) for b in body if b.strip()), default=0)
            code = "\n".join(b[indent:] for b in code.splitlines()) + "\n"
            if lang in ("bash", "python", "console", "shell") and code.strip():
                out.append(("bash" if lang in ("console", "shell") else lang, code))
            continue
        k += 1
    return out


#: Blocks that install, run the test suite or build the docs: run by CI and tests/test_docs.py.
NOT_HERE = re.compile(r"pip install|^pytest|-m pytest|-m sphinx", re.M)


def snippets(page: str) -> list[tuple[str, str]]:
    text = (ROOT / page).read_text()
    blocks = markdown_blocks(text) if page.endswith(".md") else rst_blocks(text)
    if page == "README.md":
        assert blocks[0][0] == "bash" and len(blocks[0][1].strip().splitlines()) == 2
        blocks = blocks[1:]  # the install + test-suite block: what CI runs
    return [(lang, code) for lang, code in blocks if not (lang == "bash" and NOT_HERE.search(code))]


def _fake_venv(folder: pathlib.Path) -> None:
    """``folder/.venv/bin/activate`` that puts this interpreter's scripts first on ``PATH``."""
    bin_dir = folder / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    scripts = os.path.dirname(sys.executable)
    (bin_dir / "activate").write_text(f'export PATH="{scripts}:$PATH"\nhash -r\n')


def run_page(page: str, folder: pathlib.Path, timeout: float) -> list[str]:
    """Run every snippet of ``page`` in ``folder``; returns their outputs; fails on the first error."""
    _fake_venv(folder)
    env = dict(os.environ, MPLBACKEND="Agg", PATH="/usr/bin:/bin")
    env.pop("VIRTUAL_ENV", None)
    outputs = []
    blocks = snippets(page)
    for k, (lang, code) in enumerate(blocks):
        if lang == "python":  # consecutive Python blocks share one interpreter, as in a session
            if k + 1 < len(blocks) and blocks[k + 1][0] == "python":
                blocks[k + 1] = ("python", code + "\n" + blocks[k + 1][1])
                continue
            # run with -c, like a notebook cell: no main-module file, so worker processes that
            # Dask spawns do not re-run the snippet
            cmd, stdin = [sys.executable, "-c", code], None
        else:
            stdin = None
            # the reader's shell has the environment active (README "Using it", docs/start.rst)
            cmd = ["bash", "-e", "-o", "pipefail", "-c", "source .venv/bin/activate\n" + code]
        proc = subprocess.run(cmd, cwd=folder, env=env, input=stdin, capture_output=True, text=True,
                              timeout=timeout)
        assert proc.returncode == 0, (f"{page}: this snippet failed:\n{code}\n{proc.stdout[-3000:]}\n"
                                      f"{proc.stderr[-3000:]}")
        outputs.append(proc.stdout + proc.stderr)
    return outputs


def test_snippets_are_found():
    readme = snippets("README.md")
    assert [lang for lang, _ in readme].count("python") >= 2 and readme[0][0] == "bash"
    assert readme[0][1].startswith("source .venv/bin/activate")
    for page in ("docs/start.rst", "docs/sweeps.rst"):
        assert snippets(page), page
    start = "".join(code for _, code in snippets("docs/start.rst"))
    assert "tau_plus" not in start  # song_2000's STDP time constant is tau_stdp
    text = (ROOT / "docs" / "start.rst").read_text()
    assert "python -m sphinx -W --keep-going -b html docs docs/_build/html" in text
    assert "source .venv/bin/activate" in text


def test_cli_and_python_examples_write_different_folders():
    text = (ROOT / "README.md").read_text()
    cli = set(re.findall(r"--out (\S+)", text))
    python = set(re.findall(r'out="([^"]+)"', text))
    assert cli and python and not cli & python


@pytest.mark.slow
@pytest.mark.standalone
@pytest.mark.extended
@pytest.mark.timeout(1800)
def test_readme_runs_as_written(tmp_path):
    outputs = run_page("README.md", tmp_path, timeout=1200)
    own_circuit = outputs[-1]
    rates = {(seed, pop): float(hz) for seed, pop, hz in re.findall(r"seed (\d), ([EI]): ([\d.]+) Hz", own_circuit)}
    assert len(rates) == 4, own_circuit[-2000:]
    for key, hz in rates.items():  # asynchronous irregular at a few to tens of Hz
        assert 2.0 <= hz <= 60.0, (key, hz)
    for cv in re.findall(r"CV of ISIs ([\d.]+)", own_circuit):
        assert float(cv) > 0.3
    for chi in re.findall(r"synchrony chi ([\d.]+)", own_circuit):
        assert float(chi) < 0.3
    assert (tmp_path / "runs" / "bp" / "manifest.json").exists()
    assert (tmp_path / "runs" / "bp_python" / "manifest.json").exists()


@pytest.mark.slow
@pytest.mark.extended
@pytest.mark.timeout(1800)
@pytest.mark.parametrize("page", ["docs/start.rst", "docs/sweeps.rst"])
def test_docs_pages_run_as_written(page, tmp_path):
    outputs = run_page(page, tmp_path, timeout=1200)
    if page.endswith("sweeps.rst"):  # the page's comment: one program compiled, re-used twice
        assert re.search(r"^1 2$", outputs[-1], re.M), outputs[-1][-2000:]
