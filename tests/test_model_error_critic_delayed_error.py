"""The error_critic_delayed_error reproduction: its delay schedules (every error arrives once, at
the stated lags) and an end-to-end quick run (numpy target): results folder, one session per
(delay, variant) and the critic's records."""

import json
import os

import numpy as np
import pytest

import cortexlearn
from cortexlearn.errors import SpecError
from cortexlearn.models.error_critic_delayed_error.run import (arrival_lags, max_lag, parse_delays,
                                                               parse_variants)
from quick_folder import assert_quick_results_folder


@pytest.mark.parametrize("block", [1, 3, 4])
def test_variable_delay_delivers_every_error_once(block):
    n = 10 * block + 2  # a partial last block too
    lag, present = arrival_lags(n, "variable", block, np.random.default_rng(0))
    arrived = [p - int(lag[p]) for p in range(n) if present[p]]
    assert np.all(present[:block] == 0) and np.all(present[block:] == 1)
    assert len(arrived) == len(set(arrived))  # no error twice
    last = (n - 1) // block * block  # start of the last (partial) block
    assert set(arrived) <= set(range(last))
    assert set(range(last - block)) <= set(arrived)  # all but the partial block's predecessor
    assert lag[present > 0].min() >= 1 and lag[present > 0].max() <= 2 * block - 1
    full = present[block:n - 2] > 0  # full blocks only: mean lag = block
    assert lag[block:n - 2][full].mean() == pytest.approx(block)
    assert max_lag(["variable", 1], block) == max(2 * block - 1, 1)


def test_fixed_delay_and_bad_settings():
    lag, present = arrival_lags(6, 4, 2, np.random.default_rng(0))
    np.testing.assert_array_equal(lag, 4)
    np.testing.assert_array_equal(present, 1)
    assert parse_delays("1, 4,variable,4", 2) == [1, 4, "variable"]
    with pytest.raises(SpecError, match=">= 1 sample"):
        parse_delays("0", 2)
    with pytest.raises(SpecError, match="integer number"):
        parse_delays("soon", 2)
    with pytest.raises(SpecError, match="variable_block"):
        parse_delays("variable", 0)
    with pytest.raises(SpecError, match="unknown variant"):
        parse_variants("stored,psychic")


@pytest.mark.slow
def test_quick_run_writes_results(tmp_path):
    out = str(tmp_path / "ecd")
    res = cortexlearn.run("error_critic_delayed_error", quick=True, out=out, target="numpy",
                          progress=False)
    assert_quick_results_folder(out, "error_critic_delayed_error")
    m = json.load(open(os.path.join(out, "metrics.json")))["metrics"]
    # quick: one seed, the immediate error and 3 late-error variants at delays 1 and "variable"
    # (block 2: lags 1..3)
    assert m["n_units"] == 7 and m["max_lag"] == 3
    for key in ("immediate", "stored_d1", "stale_d1", "critic_d1", "critic_dvariable"):
        assert 0 <= m[f"{key}_accuracy_mean"] <= 100
    # the metrics follow from the per-unit arrays saved to disk (final test accuracy per session)
    data = cortexlearn.load(out).data
    acc = data["test_accuracy"]
    final = {(str(v), str(d)): float(a) for v, d, a in
             zip(acc.variant.values, acc.delay.values, acc.values[:, -1])}
    stale = [final["critic", d] - final["stale", d] for d in ("1", "variable")]
    assert m["critic_minus_stale_min"] == pytest.approx(min(stale))
    assert m["critic_minus_stale_min_per_seed"] == pytest.approx([min(stale)])
    assert m["stored_minus_critic_d1"] == pytest.approx(final["stored", "1"] - final["critic", "1"])
    corr = res.data["correlation"]
    assert corr.shape == (7, 1)
    # the critic is a delta rule fitted to the late errors it receives: its predictions correlate
    # positively with them (a sign or pairing error between prediction and error breaks this)
    for d in ("1", "variable"):
        sel = (np.asarray(corr.variant) == "critic") & (np.asarray(corr.delay) == d)
        assert float(corr.values[sel][0, 0]) > 0, d
    # the sequence task (length 2): five variants, the critics' predictions compared with the costate
    seq = data["sequence_test_accuracy"]
    assert seq.shape == (5, 1)
    seq_final = dict(zip(map(str, seq.sequence_variant.values), seq.values[:, -1]))
    for v in ("immediate", "end_only", "stored", "critic_no_bootstrap", "critic_bootstrap"):
        assert m[f"seq_{v}_accuracy_mean"] == pytest.approx(seq_final[v])
    assert m["seq_critic_bootstrap_minus_end_only_per_seed"] == pytest.approx(
        [seq_final["critic_bootstrap"] - seq_final["end_only"]])
    for v in ("critic_no_bootstrap", "critic_bootstrap"):
        assert np.isfinite(m[f"seq_{v}_correlation_final"])
    # quick runs are smoke tests: reported, never judged; the seed count is on each row
    rows = json.load(open(os.path.join(out, "metrics.json")))["checks"]
    assert all(r["passed"] is None and r["n_seeds"] == 1 for r in rows)


def test_sequence_settings_are_checked():
    from cortexlearn.models.error_critic_delayed_error.run import parse_tasks
    from cortexlearn.models.error_critic_delayed_error.sequence import parse_sequence_variants

    assert parse_tasks("sequence, late") == ["sequence", "late"]
    with pytest.raises(SpecError, match="unknown task"):
        parse_tasks("late,recurrent")
    with pytest.raises(SpecError, match="unknown sequence variant"):
        parse_sequence_variants("stored,oracle")
    with pytest.raises(SpecError, match="sequence_leak"):
        cortexlearn.run("error_critic_delayed_error", quick=True, target="numpy", progress=False,
                        figure=False, tasks="sequence", sequence_leak=1.0)
