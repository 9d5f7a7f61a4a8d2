"""What a new user meets first: the command line's messages, quick runs, the methods tables."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from cortexlearn.cli import main
from cortexlearn.runner import QUICK_TARGET
from cortexlearn.plotting.style import QUICK_MARK
from cortexlearn.registry import did_you_mean, get_model, list_models

BANNER = "Brian 2 encountered an unexpected error"


def test_did_you_mean_finds_close_names():
    assert "'brunel_2000'" in did_you_mean("brunel2000", list_models())
    assert "'tau_stdp'" in did_you_mean("tau_plus", [p.name for p in get_model("song_2000").parameters])
    assert did_you_mean("zzzz", ["brunel_2000", "song_2000"]) == ""


def test_unknown_model_and_parameter_are_cortexlearn_errors(capsys, tmp_path):
    assert main(["describe", "brunel2000"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cortexlearn: error: unknown model 'brunel2000'. Did you mean 'brunel_2000'?")
    out = tmp_path / "song"
    assert main(["run", "song_2000", "--set", "tau_plus=25*ms", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "no parameter 'tau_plus'" in err and "Did you mean" in err and "'tau_stdp'" in err
    assert not out.exists()  # refused before anything was written


def _python(code: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          **kwargs)


def test_no_brian2_banner_after_the_command_line():
    # a user mistake is reported by cortexlearn, and an error after the command line has run is a
    # plain Python traceback, not Brian2's "please report this issue" banner
    proc = _python("import sys\nfrom cortexlearn.cli import main\n"
                   "code = main(['run', 'song_2000', '--set', 'tau_plus=25*ms'])\n"
                   "assert code == 2\nraise RuntimeError('after the command line')")
    assert "cortexlearn: error: model song_2000 has no parameter 'tau_plus'" in proc.stderr
    assert "RuntimeError: after the command line" in proc.stderr
    assert BANNER not in proc.stderr


def test_no_brian2_banner_for_a_user_error_in_a_script():
    proc = _python("import cortexlearn\nraise cortexlearn.OutputExistsError('runs/bp holds a completed run')")
    assert "OutputExistsError: runs/bp holds a completed run" in proc.stderr
    assert BANNER not in proc.stderr
    proc = _python("import cortexlearn\nraise RuntimeError('a bug')")  # other errors: Brian2's hook
    assert "RuntimeError: a bug" in proc.stderr


def test_closed_pipe_is_quiet():
    # `cortexlearn list | head -1`: the reader leaves before the list is written
    proc = subprocess.Popen([sys.executable, "-c", "import sys\nfrom cortexlearn.cli import main\n"
                             "sys.exit(main(['list']))"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    _, err = proc.communicate(timeout=120)
    assert b"Traceback" not in err and b"BrokenPipe" not in err, err.decode()[-2000:]


def test_quick_run_uses_quick_target_and_marks_its_figure(tmp_path, capsys):
    import cortexlearn

    out = tmp_path / "quick"
    assert main(["run", "bi_poo_1998", "--quick", "--out", str(out), "--no-progress"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["quick"] is True and manifest["target"] == QUICK_TARGET
    checks = json.loads((out / "metrics.json").read_text())["checks"]
    assert all(c["passed"] is None for c in checks if c.get("note"))
    fig = cortexlearn.load(str(out)).figure()
    assert QUICK_MARK in [t.get_text() for t in fig.texts]
    caption = (out / "figure.txt").read_text()  # what the figure shows, saved beside it
    assert caption.startswith("Bi & Poo 1998") and "not judged" in caption


def test_quick_run_from_python_uses_quick_target(tmp_path):
    import cortexlearn

    results = cortexlearn.run("bi_poo_1998", quick=True, out=str(tmp_path / "q"), progress=False,
                              figure=False)
    assert results.manifest["target"] == QUICK_TARGET == "numpy"


@pytest.mark.parametrize("name", list_models())
def test_methods_table_reads_clean(name):
    text = get_model(name).methods_table()
    internal = re.compile(r"\bissues?\b|" + "FA" + "CTS", re.IGNORECASE)  # notes outside the repository
    found = internal.search(text)
    assert not found, (name, text[max(0, found.start() - 60):found.end() + 20])
    assert "\n\n| check | metric | target | source |" in text or not get_model(name).checks
    assert not re.search(r"\d\.\d{6,}", text), re.search(r"\d\.\d{6,}", text)


@pytest.mark.parametrize("name", list_models())
def test_every_figure_states_what_it_shows(name):
    # each model's figure code attaches a caption (saved as figure.txt by every run)
    import pathlib

    folder = pathlib.Path(__file__).resolve().parent.parent / "models" / name
    source = "".join(p.read_text() for p in folder.glob("*.py"))
    assert "set_caption(" in source, name
