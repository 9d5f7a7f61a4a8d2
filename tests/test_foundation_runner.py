"""Runner, results folder and CLI: manifest and metrics, reload, refusal of a completed or
locked folder, interruption, unit errors in --set, the parameter list on unknown names."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import xarray as xr
from brian2 import Hz, ms, mV, second

import cortexlearn
from cortexlearn.cli import main
from cortexlearn.errors import LockedError, OutputExistsError, SpecError, UnitError
from cortexlearn.model import Check, Model, Parameter
from cortexlearn.registry import register_model, unregister_model
from cortexlearn.simulation import _DirectoryLock


def _simulate(ctx):
    p = ctx.params
    n = int(p["n"])
    rates = np.linspace(1, 2, n) * float(p["rate"])
    ctx.record("rates", xr.DataArray(rates, dims=("neuron",), attrs={"units": "Hz"}))
    ctx.record("trace", np.arange(5) * mV)
    if p["interrupt"]:
        raise KeyboardInterrupt
    return {"mean_rate_Hz": float(rates.mean()), "tau_ms": float(p["tau"] / ms)}


def _figure(data, metrics):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot(np.asarray(data["rates"]))
    return fig


TOY = Model(
    name="toy_runner_model", title="toy", reference="none",
    parameters=(Parameter("n", 4, "count", quick=2), Parameter("rate", 10 * Hz, "rate"),
                Parameter("tau", 20 * ms, "time constant"), Parameter("interrupt", False, "raise Ctrl-C")),
    simulate=_simulate, figure=_figure, default_target="numpy",
    checks=(Check("rate", "mean_rate_Hz", ">=", 14.0, source="toy"),
            Check("tau tracks the parameter", "tau_ms", "rel", lambda m, p: p["tau"] / ms, 0.05)),
)


@pytest.fixture
def toy():
    register_model(TOY, replace=True)
    yield TOY
    unregister_model(TOY.name)


def test_run_writes_manifest_metrics_data_and_figure(toy, tmp_path):
    out = tmp_path / "run"
    res = cortexlearn.run(toy.name, seed=3, out=str(out), tau=25 * ms, progress=False)
    assert {"manifest.json", "metrics.json", "figure.pdf", "figure.png", "data.zarr"} <= set(os.listdir(out))
    manifest = json.load(open(out / "manifest.json"))
    assert manifest["status"] == "complete" and manifest["seed"] == 3 and manifest["target"] == "numpy"
    assert manifest["parameters"]["tau"] == "25*ms" and manifest["versions"]["brian2"]
    payload = json.load(open(out / "metrics.json"))
    assert payload["metrics"]["mean_rate_Hz"] == pytest.approx(15.0)
    checks = {c["name"]: c for c in payload["checks"]}
    assert checks["rate"]["passed"] is True and checks["rate"]["target"] == 14.0
    assert checks["tau tracks the parameter"]["target"] == pytest.approx(25.0)
    assert checks["tau tracks the parameter"]["passed"] is True
    loaded = cortexlearn.load(str(out))
    assert loaded.status == "complete" and loaded.metrics == res.metrics
    np.testing.assert_allclose(loaded.data["rates"].values, np.linspace(10, 20, 4))
    assert loaded.data["trace"].attrs["units"] == "V"
    loaded.figure()  # redrawn from saved data alone


def test_completed_folder_is_refused_unless_overwrite(toy, tmp_path):
    out = str(tmp_path / "run")
    cortexlearn.run(toy.name, out=out, progress=False)
    with pytest.raises(OutputExistsError, match="already holds a completed run"):
        cortexlearn.run(toy.name, out=out, progress=False)
    res = cortexlearn.run(toy.name, out=out, overwrite=True, progress=False, rate=20 * Hz)
    assert res.metrics["mean_rate_Hz"] == pytest.approx(30.0)


def test_folder_locked_by_a_live_run_is_refused(toy, tmp_path):
    out = str(tmp_path / "run")
    lock = _DirectoryLock(out)
    lock.acquire()
    try:
        with pytest.raises(LockedError, match="locked by a live run"):
            cortexlearn.run(toy.name, out=out, progress=False)
    finally:
        lock.release()


def test_ctrl_c_keeps_recorded_data_and_marks_interrupted(toy, tmp_path):
    out = str(tmp_path / "run")
    res = cortexlearn.run(toy.name, out=out, progress=False, interrupt=True)
    assert res.status == "interrupted"
    assert all(c["passed"] is None for c in res.checks)  # an incomplete run is not judged
    loaded = cortexlearn.load(out)
    assert loaded.status == "interrupted"
    assert set(loaded.data) == {"rates", "trace"}
    # an interrupted run is a run too: replaced only with --overwrite
    with pytest.raises(OutputExistsError, match="an interrupted run"):
        cortexlearn.run(toy.name, out=out, progress=False)
    assert cortexlearn.run(toy.name, out=out, progress=False, overwrite=True).status == "complete"


def test_quick_runs_report_but_do_not_judge(toy):
    res = cortexlearn.run(toy.name, quick=True, progress=False)
    assert res.metrics["mean_rate_Hz"] == pytest.approx(15.0)
    assert [c["passed"] for c in res.checks] == [None, None]


def test_parameter_errors(toy):
    with pytest.raises(UnitError, match="tau must have units of s"):
        cortexlearn.run(toy.name, tau=20, progress=False)
    with pytest.raises(SpecError, match=r"no parameter 'tau_plus'.*Valid parameters: n \(default 4\), rate"):
        cortexlearn.run(toy.name, tau_plus=20 * ms, progress=False)
    with pytest.raises(SpecError, match="must be an integer"):
        cortexlearn.run(toy.name, n=2.5, progress=False)
    with pytest.raises(SpecError, match="unknown model"):
        cortexlearn.run("no_such_model", progress=False)
    with pytest.raises(SpecError, match="unknown target"):
        cortexlearn.run(toy.name, target="fpga", progress=False)


def test_cli_set_with_units_and_clear_errors(toy, tmp_path, capsys):
    out = str(tmp_path / "cli")
    assert main(["run", toy.name, "--set", "tau=30*ms", "--set", "rate=5*Hz", "--out", out, "--no-progress"]) == 0
    assert json.load(open(os.path.join(out, "manifest.json")))["parameters"]["tau"] == "30*ms"
    assert main(["run", toy.name, "--set", "tau=30*mV", "--out", str(tmp_path / "b")]) == 2
    assert "tau must have units of s" in capsys.readouterr().err
    assert main(["run", toy.name, "--set", "taux=3*ms", "--out", str(tmp_path / "c")]) == 2
    assert "Valid parameters" in capsys.readouterr().err
    assert main(["run", toy.name, "--set", "tau=__import__('os')", "--out", str(tmp_path / "d")]) == 2
    assert main(["run", toy.name, "--out", out, "--no-progress"]) == 2
    assert "already holds a completed run" in capsys.readouterr().err


def test_cli_list_and_describe_in_a_subprocess():
    out = subprocess.run([sys.executable, "-m", "cortexlearn.cli", "list"], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0 and "brunel_2000" in out.stdout
    out = subprocess.run([sys.executable, "-m", "cortexlearn.cli", "describe", "brunel_2000"],
                         capture_output=True, text=True, timeout=120)
    assert "| `g_AI` | 5.0 |" in out.stdout and "Brunel 2000, Fig. 8C" in out.stdout
