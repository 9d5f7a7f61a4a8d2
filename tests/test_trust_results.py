"""No lost data and a truthful status: an overwrite keeps the old run until the new one is
complete, any run in a folder is refused without overwrite, a dead "running" run is reported as
interrupted or stale, damaged arrays and JSON files are named, signals end a run as interrupted."""

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
import xarray as xr
from brian2 import Hz, ms

import cortexlearn
from cortexlearn.cli import main
from cortexlearn.errors import OutputError, OutputExistsError, ResultsCorruptError, TargetError
from cortexlearn.model import Model, Parameter
from cortexlearn.registry import register_model, unregister_model


def _simulate(ctx):
    p = ctx.params
    ctx.record("rates", xr.DataArray(np.linspace(1, 2, int(p["n"])) * float(p["rate"]), dims=("neuron",)))
    ctx.record("big", np.arange(20000, dtype=float))
    if p["fail"]:
        raise RuntimeError("the model failed")
    if p["interrupt"]:
        raise KeyboardInterrupt
    if float(p["sleep"]) > 0:
        print("started", flush=True)
        time.sleep(float(p["sleep"]))
    return {"rate": float(p["rate"])}


TOY = Model(
    name="toy_trust_model", title="toy", reference="none",
    parameters=(Parameter("n", 4, "count"), Parameter("rate", 10 * Hz, "rate"),
                Parameter("fail", False, "raise an error"), Parameter("interrupt", False, "Ctrl-C"),
                Parameter("sleep", 0.0, "seconds to sleep")),
    simulate=_simulate, default_target="numpy")

#: A subprocess that registers the toy model and runs it into argv[1] for argv[2] seconds.
CHILD = textwrap.dedent(f"""
    import sys
    sys.path.insert(0, {os.path.dirname(__file__)!r})
    import cortexlearn
    from cortexlearn.registry import register_model
    from test_trust_results import TOY
    register_model(TOY, replace=True)
    res = cortexlearn.run(TOY.name, out=sys.argv[1], progress=False, sleep=float(sys.argv[2]))
    print("status", res.status, flush=True)
""")


@pytest.fixture
def toy():
    register_model(TOY, replace=True)
    yield TOY
    unregister_model(TOY.name)


def _run(toy, out, **kw):
    return cortexlearn.run(toy.name, out=str(out), progress=False, **kw)


def test_failed_overwrite_keeps_the_complete_run(toy, tmp_path):
    out = tmp_path / "run"
    _run(toy, out)
    with pytest.raises(RuntimeError, match="the model failed"):
        _run(toy, out, overwrite=True, rate=20 * Hz, fail=True)
    loaded = cortexlearn.load(str(out))
    assert loaded.status == "complete" and loaded.metrics["rate"] == 10.0
    kept = [p for p in os.listdir(tmp_path) if p.startswith("run.failed-")]
    assert len(kept) == 1 and json.load(open(tmp_path / kept[0] / "manifest.json"))["status"] == "failed"
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".run.")]  # no staging left


def test_interrupted_overwrite_keeps_the_complete_run(toy, tmp_path):
    out = tmp_path / "run"
    _run(toy, out)
    with pytest.warns(UserWarning, match="is kept"):
        res = _run(toy, out, overwrite=True, rate=20 * Hz, interrupt=True)
    assert res.status == "interrupted" and "run.interrupted-" in res.path
    assert cortexlearn.load(str(out)).metrics["rate"] == 10.0


def test_complete_overwrite_replaces_and_keeps_other_files(toy, tmp_path):
    out = tmp_path / "run"
    _run(toy, out)
    (out / "notes.txt").write_text("mine")
    _run(toy, out, overwrite=True, rate=20 * Hz)
    assert cortexlearn.load(str(out)).metrics["rate"] == 20.0
    assert (out / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("content", ["{not json", None])
def test_folder_with_an_unreadable_or_partial_run_is_refused(toy, tmp_path, content):
    out = tmp_path / "run"
    out.mkdir()
    (out / "data.zarr").mkdir()
    if content is not None:
        (out / "manifest.json").write_text(content)
    with pytest.raises(OutputExistsError, match="already holds a run"):
        _run(toy, out)
    assert (out / "data.zarr").is_dir()


def test_completed_folder_has_no_lock_and_readable_json(toy, tmp_path):
    old = os.umask(0o022)
    try:
        out = tmp_path / "run"
        _run(toy, out)
    finally:
        os.umask(old)
    assert not (out / ".lock").exists()
    for name in ("manifest.json", "metrics.json", "data.zarr/checksums.json"):
        assert stat.S_IMODE(os.stat(out / name).st_mode) == 0o644, name


def test_refused_run_leaves_nothing(toy, tmp_path, monkeypatch):
    from cortexlearn import runner

    monkeypatch.setattr(runner, "available_targets", lambda: {"numpy": "no such thing here"})
    out = tmp_path / "never"
    with pytest.raises(TargetError, match="numpy is not available here"):
        _run(toy, out)
    assert not out.exists()
    monkeypatch.setattr(runner, "available_targets", lambda: {"numpy": None})
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "manifest.json").write_text("{}")
    with pytest.raises(OutputExistsError):
        _run(toy, tmp_path / "full")
    assert os.listdir(tmp_path / "full") == ["manifest.json"]
    monkeypatch.undo()
    monkeypatch.setattr(runner, "MIN_FREE_BYTES", 2**62)
    with pytest.raises(cortexlearn.DiskSpaceError):
        _run(toy, out / "a" / "b")
    assert not out.exists()


def test_unwritable_out_parent_is_a_clear_error(toy, tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    with pytest.raises(OutputError, match="cannot write the results folder"):
        _run(toy, blocker / "run")
    assert main(["run", toy.name, "--out", str(blocker / "run"), "--no-progress"]) == 2
    assert "cannot write the results folder" in capsys.readouterr().err


@pytest.mark.skipif(os.geteuid() == 0, reason="permissions do not bind root")
def test_read_only_out_parent_is_a_clear_error(toy, tmp_path):
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        with pytest.raises(OutputError, match="cannot write"):
            _run(toy, parent / "run")
    finally:
        parent.chmod(0o755)


def test_manifest_records_process_host_heartbeat_and_seeds(toy, tmp_path):
    _run(toy, tmp_path / "run", seed=4)
    m = json.load(open(tmp_path / "run" / "manifest.json"))
    assert m["pid"] == os.getpid() and m["host"] and m["heartbeat"] and m["seeds"] == [4]


def test_dead_running_run_is_reported_interrupted(toy, tmp_path):
    out = tmp_path / "run"
    _run(toy, out)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    m = json.load(open(out / "manifest.json"))
    m.update(status="running", pid=gone.pid)
    (out / "manifest.json").write_text(json.dumps(m))
    loaded = cortexlearn.load(str(out))
    assert loaded.status == "interrupted" and str(gone.pid) in loaded.manifest["status_note"]


def test_silent_running_run_on_another_host_is_stale(toy, tmp_path):
    out = tmp_path / "run"
    _run(toy, out)
    m = json.load(open(out / "manifest.json"))
    m.update(status="running", host="elsewhere", heartbeat="2020-01-01T00:00:00+00:00")
    (out / "manifest.json").write_text(json.dumps(m))
    assert cortexlearn.load(str(out)).status == "stale"


def test_cli_status_lists_dead_runs(toy, tmp_path, capsys):
    _run(toy, tmp_path / "a")
    _run(toy, tmp_path / "b")
    m = json.load(open(tmp_path / "b" / "manifest.json"))
    m.update(status="running", host="elsewhere", heartbeat="2020-01-01T00:00:00+00:00")
    (tmp_path / "b" / "manifest.json").write_text(json.dumps(m))
    assert main(["status", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "complete" in text and "stale" in text and str(tmp_path / "b") in text


def test_half_written_metrics_json_names_the_file(toy, tmp_path):
    out = tmp_path / "run"
    _run(toy, out)
    text = (out / "metrics.json").read_text()
    (out / "metrics.json").write_text(text[: len(text) // 2])
    with pytest.raises(ResultsCorruptError, match=r"metrics.json is not valid JSON.*--overwrite"):
        cortexlearn.load(str(out))


def _chunks(group):
    return [os.path.join(d, f) for d, _, files in os.walk(group) for f in files
            if not f.startswith(".") and not f.endswith(".json")]


def test_truncated_chunk_is_named(toy, tmp_path):
    out = tmp_path / "run"
    _run(toy, out)
    for path in _chunks(out / "data.zarr" / "big"):
        with open(path, "r+b") as fh:
            fh.truncate(max(1, os.path.getsize(path) // 3))
    with pytest.raises(ResultsCorruptError, match="big"):
        cortexlearn.load(str(out))
    with pytest.warns(UserWarning, match="big"):
        loaded = cortexlearn.load(str(out), strict=False)
    assert "big" not in loaded.data and "rates" in loaded.data


def test_deleted_chunk_or_array_is_named(toy, tmp_path):
    out = tmp_path / "run"
    _run(toy, out)
    for path in _chunks(out / "data.zarr" / "big"):
        os.unlink(path)
    with pytest.raises(ResultsCorruptError, match="big: its values differ"):
        cortexlearn.load(str(out))
    import shutil

    shutil.rmtree(out / "data.zarr" / "rates")
    with pytest.raises(ResultsCorruptError, match="rates.*folder is gone"):
        cortexlearn.load(str(out))


def _child(out, sleep):
    return subprocess.Popen([sys.executable, "-c", CHILD, str(out), str(sleep)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _wait_started(proc):
    line = proc.stdout.readline()
    assert "started" in line, proc.stderr.read()


def test_sigterm_ends_a_run_as_interrupted(tmp_path):
    proc = _child(tmp_path / "run", 30)
    _wait_started(proc)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert "status interrupted" in out, err
    loaded = cortexlearn.load(str(tmp_path / "run"))
    assert loaded.status == "interrupted" and "rates" in loaded.data


def test_sigkill_leaves_a_run_reported_interrupted(tmp_path):
    proc = _child(tmp_path / "run", 30)
    _wait_started(proc)
    proc.kill()
    proc.wait(timeout=30)
    raw = json.load(open(tmp_path / "run" / "manifest.json"))
    assert raw["status"] == "running"
    assert cortexlearn.load(str(tmp_path / "run")).status == "interrupted"


def test_sigint_to_a_run_started_with_sigint_ignored(tmp_path):
    script = "import signal; signal.signal(signal.SIGINT, signal.SIG_IGN)\n" + CHILD
    proc = subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "run"), "3"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_started(proc)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and "status complete" in out, err
    assert "Traceback" not in err


def test_import_in_a_worker_thread():
    code = ("import threading\nerr = []\n"
            "def f():\n    try:\n        import cortexlearn\n    except Exception as e:\n        err.append(e)\n"
            "t = threading.Thread(target=f); t.start(); t.join(); print('errors', err)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "errors []" in out.stdout, out.stderr


ORPHAN = textwrap.dedent("""
    import sys
    from brian2 import Network, NeuronGroup, ms, second
    from cortexlearn import Simulation
    with Simulation(target="cpp_standalone", directory=sys.argv[1], build_cache=False) as sim:
        group = NeuronGroup(2000, "dv/dt = -v / (10*ms) : 1")
        sim.run(Network(group), 10000 * second)
""")


def _programs(folder):
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if os.readlink(f"/proc/{pid}/exe").startswith(str(folder)):
                    found.append(int(pid))
            except OSError:
                pass
    return found


@pytest.mark.standalone
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
def test_compiled_program_dies_with_its_parent(tmp_path):
    folder = tmp_path / "build"
    proc = subprocess.Popen([sys.executable, "-c", ORPHAN, str(folder)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 300
        while not _programs(folder):
            assert proc.poll() is None, proc.stderr.read()
            assert time.time() < deadline, "the program never started"
            time.sleep(0.2)
        proc.kill()
        proc.wait(timeout=30)
        deadline = time.time() + 10
        while _programs(folder) and time.time() < deadline:
            time.sleep(0.1)
        assert not _programs(folder), "the compiled program outlived its parent"
    finally:
        for pid in _programs(folder):
            os.kill(pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()


def test_failure_while_writing_results_keeps_the_complete_run(toy, tmp_path):
    import dataclasses

    out = tmp_path / "run"
    _run(toy, out)

    def broken(data, metrics):
        raise RuntimeError("the figure failed")

    register_model(dataclasses.replace(TOY, figure=broken), replace=True)
    with pytest.raises(RuntimeError, match="the figure failed"):
        _run(toy, out, overwrite=True, rate=20 * Hz)
    assert cortexlearn.load(str(out)).metrics["rate"] == 10.0
    kept = [p for p in os.listdir(tmp_path) if p.startswith("run.failed-")]
    assert len(kept) == 1 and not (tmp_path / kept[0] / ".lock").exists()


def test_ctrl_c_before_the_first_record_is_interrupted(toy, tmp_path):
    import dataclasses

    def stop_at_once(ctx):
        raise KeyboardInterrupt

    register_model(dataclasses.replace(TOY, simulate=stop_at_once), replace=True)
    res = _run(toy, tmp_path / "run")
    assert res.status == "interrupted"
    assert cortexlearn.load(str(tmp_path / "run")).status == "interrupted"
