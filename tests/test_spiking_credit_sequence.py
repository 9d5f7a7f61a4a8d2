"""The error of a sequence in the spiking feed-forward circuit (numpy target, tiny network,
deterministic input spikes): the output integrates its errors over a sequence with a leak; the
stored activity of every presentation paired with its share of the end error moves every weight
exactly as the NumPy reference; an episodic, bootstrapping critic follows its temporal-difference
rule; the task's bookkeeping (grouping, arrivals, integrated read-out) is right."""

import dataclasses

import numpy as np
import pytest

from cortexlearn.build.critic import attach_output_critic
from cortexlearn.build.feedforward import build_feedforward
from cortexlearn.circuits.feedforward_session import run_session
from cortexlearn.errors import SpecError
from cortexlearn.rules.critic import ErrorCritic
from cortexlearn.simulation import Simulation
from cortexlearn.models.error_critic_delayed_error.sequence import (arrivals, costate_truth, group_by_class,
                                                        integrated_accuracy)
from test_spiking_credit_rules import oracle, rule_for, tiny_session

L, LEAK, GAIN = 3, 0.7, 0.6
ETA, ETA_LABEL = 1e-3, 0.2
CRITIC = ErrorCritic(learning_rate=ETA, context_learning_rate=ETA_LABEL, activity="x_now", switches=True,
                     discount=LEAK, episodic=True, learn_without_error=True)
RULE = dataclasses.replace(rule_for("fa"), bias_learning_rate=0.0)


@pytest.fixture(scope="module")
def setup():
    return tiny_session(n_train=12)


def _run(setup, lag_act, lag_err, present, first, use=(1, 1, 0, 1), gamma=LEAK, learn_all=1.0,
         target="numpy"):
    cfg, rs, params = setup
    n = rs.rate_values.shape[0]
    names = ("use_read", "use_context", "use_prediction", "use_true")
    with Simulation(target=target, seed=0) as sim:
        net = build_feedforward(cfg, RULE, rs, params, chunk_trials=4, substitute_error=True,
                                error_lags=L, sequence_error=True)
        attach_output_critic(net, CRITIC, np.ones(n))

        def padded(v):
            return np.concatenate([np.asarray(v, float), np.zeros(net.n_trials - n)])

        constants = {f"critic_units.{k}": float(v) for k, v in zip(names, use)}
        constants.update({"output.lam_err": LEAK, "output.gain_err": GAIN, "critic_units.gamma_s": gamma,
                          "critic_units.learn_all": learn_all})
        rec = run_session(net, sim, timed_values={"lag_act": padded(lag_act), "lag_err": padded(lag_err),
                                                  "present": padded(present), "seq_first": padded(first)},
                          constants=constants)
        return net.weights(rec.state), rec


def _positions(n):
    return np.arange(n) % L


@pytest.mark.parametrize("variant", ["stored", "end_only"])
def test_sequence_error_follows_the_reference(setup, variant):
    cfg, rs, params = setup
    n = rs.rate_values.shape[0]
    position = _positions(n)
    lag_act, lag_err, present = arrivals(variant, rs.learning_values, position, L, LEAK)
    first = (position == 0).astype(float)
    got, rec = _run(setup, lag_act, lag_err, present, first)
    ref = oracle(cfg, rs, params, RULE, {"lag_act": lag_act, "lag_err": lag_err, "present": present,
                                         "seq_first": first, "leak": LEAK, "gain": GAIN})
    np.testing.assert_allclose(rec.counts, ref["counts"])
    for l, w_ref in enumerate(ref["W"]):
        assert np.abs(w_ref - np.clip(params[f"W{l}"], -1, 1)).max() > 1e-3  # it learned
        np.testing.assert_allclose(got[f"W{l}"], w_ref, rtol=1e-9, atol=1e-12, err_msg=f"W{l}")
    # the output's error is the leaky sum of the errors since its sequence began
    err = rs.target_values - rec.counts
    eps = np.zeros_like(err)
    for p in range(n):
        eps[p] = (LEAK * eps[p - 1] if p and position[p] else 0) + GAIN * err[p]
    seen = rec.extra["critic.err_true"]
    for p in range(n - 1):
        q = p - int(lag_err[p])
        if q >= 0:
            np.testing.assert_allclose(seen[p], eps[q], atol=1e-12)


def test_episodic_bootstrapping_critic_follows_its_rule(setup):
    """A label-only critic (use_read = 0) whose target is the end error at a sequence's end and
    its own discounted next prediction elsewhere, never across the end of a sequence."""
    check_bootstrapping_critic(setup)


def check_bootstrapping_critic(setup, target="numpy"):
    """The episodic, bootstrapping critic on ``target`` against its NumPy recursion."""
    cfg, rs, params = setup
    n = rs.rate_values.shape[0]
    position = _positions(n)
    present = ((position == L - 1) & (rs.learning_values > 0)).astype(float)
    first = (position == 0).astype(float)
    _, rec = _run(setup, np.zeros(n), np.zeros(n), present, first, use=(0, 1, 1, 1), target=target)
    labels = np.argmax(rs.target_values, axis=1)
    learn = rs.learning_values
    err = rec.extra["critic.err_true"]
    D, b = np.zeros((cfg.n_outputs, cfg.n_outputs)), np.zeros(cfg.n_outputs)
    preds, prev = [], None
    for p in range(n - 1):
        pred = D[:, labels[p]] + b
        if prev is not None:  # the target of the previous presentation, now that pred is known
            q, avail = prev
            delta = avail * err[q] + LEAK * (1 - avail) * pred - preds[q]
            b = b + ETA * delta
            D[:, labels[q]] += ETA_LABEL * delta
        preds.append(pred)
        prev = (p, learn[p] * present[p])
    assert np.abs(preds).max() > 0.5
    # bootstrapping reached presentations without an error: their predictions are not zero
    early = [p for p in range(n - 1) if position[p] == 0 and p > L]
    assert np.abs(np.array(preds)[early]).max() > 0.05
    np.testing.assert_allclose(rec.extra["critic.pred"][:n - 1], preds, atol=1e-12)


def test_sequence_error_needs_the_hook():
    cfg, rs, params = tiny_session(n_train=2)
    with pytest.raises(SpecError, match="substitute_error"):
        build_feedforward(cfg, RULE, rs, params, sequence_error=True)
    with pytest.raises(SpecError, match="discount > 0"):
        ErrorCritic(episodic=True)


def test_bootstrapping_critic_reads_the_present():
    cfg, rs, params = tiny_session(n_train=2)
    with Simulation(target="numpy", seed=0):
        net = build_feedforward(cfg, RULE, rs, params, substitute_error=True, error_lags=2)
        with pytest.raises(SpecError, match="x_now"):
            attach_output_critic(net, ErrorCritic(activity="x_l", discount=0.5), np.ones(rs.rate_values.shape[0]))


def test_grouping_arrivals_and_readout():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 40)
    seqs = group_by_class(labels, 4, rng)
    assert all(len(set(labels[s])) == 1 for s in seqs)
    assert len(np.unique(seqs)) == seqs.size
    assert seqs.shape[0] == sum(np.sum(labels == c) // 4 for c in range(3))
    # stored: the end error of sequence 0 reaches presentation j of sequence 0 during sequence 1
    position, learning = np.arange(9) % 3, np.ones(9)
    lag_act, lag_err, w = arrivals("stored", learning, position, 3, 0.5)
    np.testing.assert_array_equal(lag_err[3:6], [1, 2, 3])
    np.testing.assert_array_equal(lag_act[3:6], [3, 3, 3])
    np.testing.assert_allclose(w[3:6], [0.25, 0.5, 1.0])
    assert w[:3].sum() == 0
    _, _, w = arrivals("critic_bootstrap", learning, position, 3, 0.5)
    np.testing.assert_array_equal(w, [0, 0, 1] * 3)
    # read-out: the leaky sum decides, not the last presentation
    counts = np.array([[8, 0], [0, 1], [0, 1]], float)  # 2 vs 1.5; the last alone says 1
    assert integrated_accuracy(counts, 0 * counts, np.zeros(3, int), np.arange(3), np.ones(3, bool), 3, 0.5) == 100
    truth = costate_truth(np.array([[0.0], [0.0], [2.0]]), np.arange(3), 3, 0.5)
    np.testing.assert_allclose(truth[:, 0], [0.5, 1.0, 2.0])
