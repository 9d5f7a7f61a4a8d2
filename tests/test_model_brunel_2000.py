"""brunel_2000: the quick run writes a complete results folder; the circuit follows the paper."""

import json
import os

import numpy as np
import pytest
from brian2 import Hz, mV, ms

import cortexlearn
from cortexlearn.models.brunel_2000 import MODEL
from cortexlearn.models.brunel_2000.circuit import brunel_circuit, threshold_rate


def test_circuit_follows_brunel_2000():
    p = MODEL.resolve()
    assert float(threshold_rate(p) / Hz) == pytest.approx(10.0)  # θ/(J C_E τ) = 20 mV/(0.1 mV·1000·20 ms)
    c = brunel_circuit(p, g=5.0, nu_ratio=2.0)
    pops = {q.name: q for q in c.populations}
    assert (pops["E"].n, pops["I"].n) == (10000, 2500)
    proj = {q.name: q for q in c.projections}
    assert proj["E_to_I"].connectivity.k == 1000 and proj["I_to_E"].connectivity.k == 250
    assert float(proj["I_to_E"].weight / mV) == pytest.approx(0.5)  # g J
    assert float(proj["E_to_E"].delay / ms) == pytest.approx(1.5)
    drive = c.drives[0]
    assert drive.n_inputs == 1000 and float(drive.rate / Hz) == pytest.approx(20.0)  # 2 ν_thr


def test_quick_run_writes_results(tmp_path):
    out = tmp_path / "brunel"
    res = cortexlearn.run("brunel_2000", quick=True, target="numpy", out=str(out), progress=False)
    assert res.status == "complete"
    for state in ("SR", "AI", "SI_fast", "SI_slow"):
        assert np.isfinite(res.metrics[f"rate_{state}_Hz"])
        assert f"raster_{state}" in res.data
    payload = json.load(open(out / "metrics.json"))
    names = {c["name"] for c in payload["checks"]}
    assert names == {"AI state: CV of ISIs within [0.30, 0.55]", "AI state: rate within 5 % of Brunel's theory",
                     "AI state is asynchronous", "SR state is synchronous"}
    assert os.path.getsize(out / "figure.png") > 10_000
    # excitation-dominated SR fires far faster than the inhibition-dominated slow SI state
    assert res.metrics["rate_SR_Hz"] > 5 * res.metrics["rate_SI_slow_Hz"]


def test_states_side_by_side_give_the_same_results(tmp_path, monkeypatch):
    import multiprocessing.pool

    # the four states must go to a pool of two worker processes, not run here in sequence
    jobs = []
    submit = multiprocessing.pool.Pool.apply_async

    def counted(pool, func, args=(), *rest, **kw):
        jobs.append((pool._processes, func.__name__, args[1]))
        return submit(pool, func, args, *rest, **kw)

    monkeypatch.setattr(multiprocessing.pool.Pool, "apply_async", counted)
    small = dict(quick=True, target="numpy", progress=False, figure=False, n_excitatory=400, C_E=40,
                 duration="0.15*second", transient="0.05*second", n_recorded=100)
    alone = cortexlearn.run("brunel_2000", workers=1, out=str(tmp_path / "alone"), **small)
    assert jobs == []
    side = cortexlearn.run("brunel_2000", workers=2, out=str(tmp_path / "side"), **small)
    assert sorted(state for _, _, state in jobs) == sorted(("SR", "SI_fast", "AI", "SI_slow"))
    assert {(n, f) for n, f, _ in jobs} == {(2, "_simulate_state_in_worker")}
    assert side.status == alone.status == "complete"
    np.testing.assert_equal(side.metrics, alone.metrics)  # NaN (no ISI) counts as equal
    for state in ("SR", "SI_fast", "AI", "SI_slow"):
        assert np.array_equal(side.data[f"raster_{state}"], alone.data[f"raster_{state}"])
        assert np.array_equal(side.data[f"population_rate_{state}"], alone.data[f"population_rate_{state}"])
    assert MODEL.resolve()["workers"] == 2 and MODEL.resolve(quick=True)["workers"] == 1
