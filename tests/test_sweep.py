"""Sweeps on Dask: a LocalCluster, an external scheduler, a killed worker, locks, bad input.

The units run a tiny model defined here (registered through ``$CORTEXLEARN_MODEL_PATH``-style
model folders, see ``cortexlearn.sweep.add_model_path``): Poisson counts drawn with NumPy, so a
unit costs a fraction of a second and its numbers have an analytic reference (the mean of
``n`` Poisson counts of rate ``r`` over ``T`` has mean ``r`` and standard deviation
``sqrt(r / (n T))``).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from brian2 import Hz, ms

import cortexlearn
import cortexlearn.models
from model_package import model_package
from cortexlearn.errors import LockedError, SpecError, UnitError
from cortexlearn.units import parse_quantity
from cortexlearn.sweep import (SweepError, SweepLock, load_sweep, parse_grid, parse_seeds, plan,
                               sweep, unit_status)

pytest.importorskip("distributed")

MODEL = "sweeptest_tiny"
SOURCE = textwrap.dedent('''
    """Test-only model: Poisson counts drawn with NumPy, and an optional hold of wall time."""
    import time

    import numpy as np
    from brian2 import Hz, ms, second
    from cortexlearn.model import Check, Model, Parameter


    def simulate(ctx):
        p = ctx.params
        rng = np.random.default_rng(ctx.seed)
        duration = float(p["duration"])
        counts = rng.poisson(float(p["rate"]) * duration, size=int(p["n"]))
        ctx.record("counts", counts.astype(float))
        time.sleep(float(p["hold"]))
        return {"output_rate": float(counts.mean() / duration)}


    MODEL = Model(
        name="sweeptest_tiny", title="Sweep test model", reference="none (test only)",
        parameters=(Parameter("rate", 20 * Hz, "rate of each counter"),
                    Parameter("duration", 10 * second, "counting window"),
                    Parameter("n", 400, "number of counters"),
                    Parameter("hold", 0 * ms, "extra wall time of a unit")),
        simulate=simulate,
        checks=(Check("fires", "output_rate", ">", 0.0),),
        default_target="numpy",
    )
''')
N, T = 400, 10.0  # the model's defaults: counters and window (s)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    yield from model_package(tmp_path_factory, MODEL, SOURCE)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(args, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, **kwargs)


def _kill(proc: subprocess.Popen):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)


def _wait_for(condition, timeout: float, what: str):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def scheduler_address(tmp_path_factory):
    """A `dask scheduler` process on 127.0.0.1."""
    folder = tmp_path_factory.mktemp("scheduler")
    file = folder / "scheduler.json"
    proc = _start(["-m", "dask", "scheduler", "--host", "127.0.0.1", "--port", str(_free_port()),
                   "--no-dashboard", "--scheduler-file", str(file)], cwd=str(folder))
    try:
        _wait_for(lambda: file.exists() and file.stat().st_size > 0, 60, "the scheduler file")
        yield json.loads(file.read_text())["address"]
    finally:
        _kill(proc)


def _start_worker(address, folder) -> subprocess.Popen:
    return _start(["-m", "dask", "worker", address, "--nthreads", "1", "--nworkers", "1",
                   "--host", "127.0.0.1", "--no-dashboard", "--no-nanny"], cwd=str(folder))


def _check_rates(result, rates):
    ds = result.dataset
    assert list(ds["rate"].values) == rates and ds["rate"].attrs["units"] == "Hz"
    for rate in rates:
        values = ds["output_rate"].sel(rate=rate).values
        # the mean of N Poisson counts over T: standard deviation sqrt(rate / (N T))
        assert np.all(np.abs(values - rate) < 5 * np.sqrt(rate / (N * T))), (rate, values)
    assert bool(ds["complete"].all())


# ------------------------------------------------------------------------------------- bad input
def test_parse_grid_and_seeds():
    assert parse_grid(["g=4,5.5", "tau=20*ms, 25*ms", "v=[1, 2]*mV,[3,4]*mV"]) == {
        "g": ["4", "5.5"], "tau": ["20*ms", "25*ms"], "v": ["[1, 2]*mV", "[3,4]*mV"]}
    assert parse_seeds("0-3") == [0, 1, 2, 3]
    assert parse_seeds("1,4,7") == [1, 4, 7]
    with pytest.raises(SpecError):
        parse_seeds("3-1")


def test_bad_grids_are_refused(model_dir, tmp_path):
    out = str(tmp_path / "s")
    with pytest.raises(SpecError, match="no parameter 'tau'.*valid parameters: rate, duration, n, hold"):
        plan(MODEL, {"tau": [1 * ms]}, [0], out, model_path=[model_dir])
    with pytest.raises(SpecError, match="'rate' has no values"):
        plan(MODEL, {"rate": []}, [0], out, model_path=[model_dir])
    with pytest.raises(SpecError, match="at least one seed"):
        plan(MODEL, {"rate": [1 * Hz]}, [], out, model_path=[model_dir])
    with pytest.raises(SpecError, match="distinct"):
        plan(MODEL, {"rate": [1 * Hz]}, [1, 1], out, model_path=[model_dir])
    with pytest.raises(UnitError):
        plan(MODEL, {"rate": [5 * ms]}, [0], out, model_path=[model_dir])
    units = plan(MODEL, {"rate": ["10*Hz", 20 * Hz], "n": [3]}, range(3), out, model_path=[model_dir])
    assert len(units) == 6 and len({u.out for u in units}) == 6
    assert sorted(float(parse_quantity(u.params["rate"]) / Hz) for u in units) == [10.0] * 3 + [20.0] * 3
    ensemble = plan(MODEL, None, [4, 5, 6], out, model_path=[model_dir])  # a seed ensemble
    assert [u.seed for u in ensemble] == [4, 5, 6] and all(u.grid == () for u in ensemble)
    assert not os.path.exists(out)  # planning writes nothing


@pytest.mark.timeout(60)
def test_scheduler_that_does_not_answer(model_dir, tmp_path):
    address = f"tcp://127.0.0.1:{_free_port()}"
    with pytest.raises(SweepError, match="no Dask scheduler answers at tcp://127.0.0.1"):
        sweep(MODEL, {"rate": [1 * Hz]}, [0], out=str(tmp_path / "s"), scheduler=address,
              connect_timeout=3, model_path=[model_dir], progress=False)


def test_second_sweep_into_a_locked_folder_is_refused(model_dir, tmp_path):
    out = str(tmp_path / "s")
    with SweepLock(out):
        with pytest.raises(LockedError, match="another sweep"):
            sweep(MODEL, {"rate": [1 * Hz]}, [0], out=out, scheduler="serial", model_path=[model_dir])
    assert not os.path.exists(os.path.join(out, "units"))


def test_folder_of_another_model_version_is_refused(model_dir, tmp_path):
    out = tmp_path / "s"
    out.mkdir()
    units = plan(MODEL, {"rate": [1 * Hz]}, [0], str(out), model_path=[model_dir])
    (out / "sweep.json").write_text(json.dumps({"model": MODEL, "fingerprint": "0" * 16,
                                                "target": units[0].target, "quick": False}))
    with pytest.raises(SweepError, match="refusing to merge"):
        sweep(MODEL, {"rate": [1 * Hz]}, [0], out=str(out), scheduler="serial", model_path=[model_dir])


# ------------------------------------------------------------------------------------- clusters
@pytest.mark.slow
def test_local_cluster_runs_four_units_and_resumes(model_dir, tmp_path):
    out = str(tmp_path / "sweep")
    result = sweep(MODEL, {"rate": [10 * Hz, 40 * Hz]}, seeds=[0, 1], out=out, n_workers=2,
                   params={"hold": 300 * ms}, model_path=[model_dir], progress=False)
    assert len(result.ran) == 4 and not result.failed and result.n_workers == 2
    _check_rates(result, [10.0, 40.0])
    assert dict(result.dataset.sizes) == {"rate": 2, "seed": 2}
    # seeds give different draws; each cell is the unit's own results folder
    assert result.dataset["output_rate"].sel(rate=10.0, seed=0) != result.dataset["output_rate"].sel(rate=10.0, seed=1)
    for _, row in result.summary.iterrows():
        loaded = cortexlearn.load(os.path.join(out, "units", row["unit"]))
        assert loaded.status == "complete" and loaded.manifest["seed"] == row["seed"]
        assert loaded.metrics["output_rate"] == row["output_rate"]
    assert os.path.exists(os.path.join(out, "summary.csv")) and os.path.isdir(os.path.join(out, "sweep.zarr"))
    assert result.unit_seconds > 0 and 0 < result.parallel_efficiency() < 2.5

    again = sweep(MODEL, {"rate": [10 * Hz, 40 * Hz]}, seeds=[0, 1], out=out, params={"hold": 300 * ms},
                  model_path=[model_dir], progress=False)  # nothing left to do: no cluster starts
    assert not again.ran and len(again.skipped) == 4
    assert again.dataset.equals(load_sweep(out).dataset)

    # a unit whose folder was written by another version of the model is not merged
    spec_file = os.path.join(out, "units", result.summary["unit"][0], "sweep-unit.json")
    with open(spec_file) as fh:
        record = json.load(fh)
    record["worker_fingerprint"] = "f" * 16
    with open(spec_file, "w") as fh:
        json.dump(record, fh)
    with pytest.raises(SweepError, match="another version"):
        load_sweep(out)


@pytest.mark.slow
def test_killed_worker_loses_no_completed_unit(model_dir, scheduler_address, tmp_path):
    """`dask scheduler` and `dask worker` processes on 127.0.0.1; a sweep (the command line) points
    at the address; its worker is killed mid-sweep; a second sweep into the folder is refused while
    the first lives; the re-run (the Python API, a new worker) finishes the rest."""
    out = str(tmp_path / "s")
    seeds = list(range(6))
    env = dict(os.environ, CORTEXLEARN_MODEL_PATH=model_dir)
    worker = _start_worker(scheduler_address, tmp_path)
    client = _start(["-c", "import sys; from cortexlearn.sweep import main; sys.exit(main())", MODEL,
                     "--grid", "rate=10*Hz", "--seeds", "0-5", "--set", "hold=700*ms",
                     "--scheduler", scheduler_address, "--out", out], env=env, cwd=str(tmp_path))
    try:
        def complete():
            units = os.path.join(out, "units")
            names = os.listdir(units) if os.path.isdir(units) else []
            return [n for n in names if unit_status(os.path.join(units, n)) == "complete"]

        lock = os.path.join(out, ".sweep.lock")  # the holder writes its pid once it holds the lock
        _wait_for(lambda: os.path.exists(lock) and os.path.getsize(lock) > 0, 60, "the first sweep")
        with pytest.raises(LockedError):  # a second sweep into the same folder is refused
            sweep(MODEL, {"rate": [10 * Hz]}, seeds, out=out, params={"hold": 700 * ms},
                  scheduler=scheduler_address, model_path=[model_dir])
        _wait_for(lambda: len(complete()) >= 2, 120, "two completed units")
    finally:
        _kill(worker)
        _kill(client)
    done = complete()
    assert 2 <= len(done) < len(seeds)
    before = {n: open(os.path.join(out, "units", n, "manifest.json")).read() for n in done}

    worker = _start_worker(scheduler_address, tmp_path)
    try:
        result = sweep(MODEL, {"rate": [10 * Hz]}, seeds, out=out, params={"hold": 700 * ms},
                       scheduler=scheduler_address, connect_timeout=60, model_path=[model_dir],
                       progress=False)
    finally:
        _kill(worker)
    assert sorted(r["unit"] for r in result.skipped) == sorted(done)
    assert len(result.ran) == len(seeds) - len(done) and not result.failed
    for name, text in before.items():  # completed units were not touched
        assert open(os.path.join(out, "units", name, "manifest.json")).read() == text
    _check_rates(result, [10.0])
    assert list(result.dataset["seed"].values) == seeds
    assert os.getpid() not in {r["worker_pid"] for r in result.ran}  # the units ran on the worker
