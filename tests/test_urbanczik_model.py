"""urbanczik_senn_2014: a short run writes its results; the prediction error falls while the
teacher is on; the input pattern repeats exactly; the contract's files are there."""

import importlib
import os

import numpy as np
import pytest

import cortexlearn

model = importlib.import_module("cortexlearn.models.urbanczik_senn_2014")


def test_pattern_is_frozen_and_poisson():
    params = cortexlearn.get_model("urbanczik_senn_2014").resolve({})
    index, steps = model.input_pattern(params, 0)
    again = model.input_pattern(params, 0)
    assert np.array_equal(index, again[0]) and np.array_equal(steps, again[1])
    other = model.input_pattern(params, 1)
    assert not (index.size == other[0].size and np.array_equal(steps, other[1]))
    # 200 inputs x 10 Hz x 0.2 s = 400 expected spikes; Poisson sd 20
    assert abs(index.size - 400) < 100
    assert steps.min() >= 1 and steps.max() < 2000


def test_matching_potential_spans_teacher_range():
    params = cortexlearn.get_model("urbanczik_senn_2014").resolve({})
    u = model.matching_potential(params, np.linspace(0, 0.2, 2001)) * 1e3
    # U_M = (g_E E_E + g_I E_I)/(g_E + g_I), E_E = 0, E_I = -75 mV, g_I = 549 nS and g_E between
    # 165 -/+ 0.98 x 146 nS (the sine after the 3-ms filter): -72.6 to -48.1 mV
    assert u.min() == pytest.approx(-75 * 549.1 / (549.1 + 164.7 - 0.9827 * 146.4), abs=0.1)
    assert u.max() == pytest.approx(-75 * 549.1 / (549.1 + 164.7 + 0.9827 * 146.4), abs=0.1)


def test_short_run_learns(tmp_path):
    out = str(tmp_path / "run")
    res = cortexlearn.run("urbanczik_senn_2014", quick=True, target="numpy", out=out, progress=False,
                          n_learning=3, n_free=1)
    for name in ("manifest.json", "metrics.json", "figure.png"):
        assert os.path.exists(os.path.join(out, name))
    m = res.metrics
    assert m["simulated_s"] == pytest.approx(1.0)
    # three repetitions with the teacher already cut the error (the quick 10-repetition run: 2.4x)
    assert m["rmse_heldout_mV"] < 0.9 * m["rmse_first_mV"]
    assert m["corr_heldout"] > m["corr_first"]
    assert 1 < m["soma_rate_hz"] < 150
