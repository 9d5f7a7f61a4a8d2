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
    # the chain task (Markov classes): its own sessions, the two critics compared by seed
    chain = data["chain_test_accuracy"]
    chain_final = dict(zip(map(str, chain.sequence_variant.values), chain.values[:, -1]))
    assert set(chain_final) == {"immediate", "end_only", "critic_no_bootstrap", "critic_bootstrap"}
    assert m["chain_critic_bootstrap_minus_critic_no_bootstrap_per_seed"] == pytest.approx(
        [chain_final["critic_bootstrap"] - chain_final["critic_no_bootstrap"]])
    corr = data["chain_correlation"]
    sel = {str(v): float(c) for v, c in zip(corr.sequence_variant.values, corr.values[:, -1])}
    assert m["chain_correlation_bootstrap_minus_no_bootstrap_per_seed"] == pytest.approx(
        [sel["critic_bootstrap"] - sel["critic_no_bootstrap"]], abs=1e-6)  # a small difference
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


@pytest.mark.parametrize("stay", [0.0, 0.75, 1.0])
def test_chain_classes_follow_the_markov_chain(stay):
    """The chain task's sequences: the next class is the present one with probability ``stay``,
    else its successor (c + 1) mod 10, never any other; first classes uniform; every sample of
    its class; the same sequences for the same seed."""
    from cortexlearn.models.error_critic_delayed_error.sequence import group_markov

    labels = np.random.default_rng(1).integers(0, 10, 3000)
    seqs = group_markov(labels, 4, stay, np.random.default_rng(7))
    assert seqs.shape == (750, 4)
    np.testing.assert_array_equal(seqs, group_markov(labels, 4, stay, np.random.default_rng(7)))
    cls = labels[seqs]
    step = (cls[:, 1:] - cls[:, :-1]) % 10
    assert set(np.unique(step)) <= {0, 1}
    n = step.size  # 2,250 transitions: the frequency of "stay" within 4 binomial sd
    assert abs(np.mean(step == 0) - stay) <= 4 * np.sqrt(stay * (1 - stay) / n) + 1e-12
    counts = np.bincount(cls[:, 0], minlength=10)  # first classes: uniform (chi-square, 9 dof)
    expected = len(seqs) / 10
    assert np.sum((counts - expected) ** 2 / expected) < 27.9  # p = 0.001
    # samples are used once before any is repeated (each class cycles through its samples)
    for c in range(10):
        used = seqs[cls == c]
        k = min(len(used), np.sum(labels == c))
        assert len(np.unique(used[:k])) == k


def test_chain_is_tested_on_independent_samples():
    """Training sequences of the chain task follow the chain; the test presentations are the
    test set in random order (no class dependence to exploit), learning off."""
    from cortexlearn.models.error_critic_delayed_error.sequence import sequence_schedule

    rng = np.random.default_rng(3)
    xtr, ytr = rng.normal(size=(400, 40)), rng.integers(0, 10, 400)
    xte, yte = rng.normal(size=(200, 40)), rng.integers(0, 10, 200)
    from brian2 import ms

    p = dict(epochs=2, sequence_classes="markov", chain_stay=0.9, test_every_epoch=False, max_rate=100.0,
             x_max=2.0, output_target_count=5.0, presentation=20 * ms)
    sched, _, labels, position = sequence_schedule((xtr, ytr, xte, yte), 0, p, 4)
    tr, te = sched.source == 0, sched.source == 1
    assert not sched.learning[te].any() and sched.learning[tr].all()
    cls = labels[tr].reshape(-1, 4)
    stay_train = np.mean(cls[:, 1:] == cls[:, :-1])
    assert stay_train > 0.8
    assert sorted(sched.sample[te]) == list(range(200))
    test_cls = labels[te].reshape(-1, 4)
    assert np.mean(test_cls[:, 1:] == test_cls[:, :-1]) < 0.25  # ~0.1 for independent classes
    from cortexlearn.models.error_critic_delayed_error.sequence import group_markov

    with pytest.raises(SpecError, match="stay probability"):
        group_markov(ytr, 4, 1.5, rng)
    with pytest.raises(SpecError, match="every class"):
        group_markov(np.zeros(8, int), 4, 0.5, rng)
