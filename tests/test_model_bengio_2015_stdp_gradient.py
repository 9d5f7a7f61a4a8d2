"""bengio_2015_stdp_gradient: the temporal-derivative rule yields an antisymmetric STDP window."""

import os

import numpy as np
import pytest

import cortexlearn

# a numpy quick run of the model takes 10-60 s on 2 shared cores
pytestmark = pytest.mark.slow


def test_quick_run_window_changes_sign_at_zero(tmp_path):
    out = str(tmp_path / "run")
    res = cortexlearn.run("bengio_2015_stdp_gradient", quick=True, target="numpy", out=out, progress=False)
    for name in ("manifest.json", "metrics.json", "figure.png"):
        assert os.path.exists(os.path.join(out, name))
    m = res.metrics
    # Bengio et al. 2015, Fig. 2: the sign change of the dV/dt window lies within ±2 ms of Δt = 0
    assert abs(m["zero_crossing_ms"]) <= 2.0
    assert abs(m["zero_crossing_reset_free_ms"]) <= 2.0
    assert m["sign_agreement_voltage"] == 1.0
    # the rate form has the closed-form window of cortexlearn.rules.derivative
    assert m["rate_window_max_error"] < 1e-6
    # the forced post spikes land exactly on the intended times
    assert m["post_spike_offset_ms"] < 1e-6
    # outside the pulse and refractory period (|Δt| >= 2 ms) the dv/dt window is two exact
    # exponentials: potentiation decays with tau_pre (16.8 ms), depression with tau_m (20 ms)
    assert m["voltage_tau_plus_ms"] == pytest.approx(16.8, rel=1e-4)
    assert m["voltage_tau_minus_ms"] == pytest.approx(20.0, rel=1e-4)
    w = res.data["weight_change"]
    assert np.all(np.asarray(w.sel(rule="pair"))[np.asarray(w["delay"]) > 0] > 0)
