"""Late errors in the spiking feed-forward circuit (numpy target, tiny network, deterministic
input spikes): with the circuit's delay lines, a late error paired with its own trial's activity
("stored") or with the present one ("stale") moves every weight exactly as the NumPy reference
with the same lags; a critic learning from late errors follows its delta rule on the prediction
it made for that trial; bad lags are refused."""

import dataclasses

import numpy as np
import pytest

from cortexlearn.build.critic import attach_output_critic
from cortexlearn.circuits.delay_line import select_expression, shift_code
from cortexlearn.build.feedforward import build_feedforward
from cortexlearn.circuits.feedforward import initial_parameters
from cortexlearn.circuits.feedforward_session import run_session
from cortexlearn.errors import SpecError
from cortexlearn.rules.critic import ErrorCritic
from cortexlearn.simulation import Simulation
from test_spiking_credit_rules import oracle, rule_for, tiny_session

LAGS = 3
ETA, ETA_LABEL = 1e-3, 0.2
CRITIC = ErrorCritic(learning_rate=ETA, context_learning_rate=ETA_LABEL, activity="x_now",
                     learning_activity="x_e", lags=LAGS, switches=True)
# the output bias moves one step later under the error hook; off, hook and reference agree exactly
RULE = dataclasses.replace(rule_for("fa"), bias_learning_rate=0.0)


@pytest.fixture(scope="module")
def setup():
    return tiny_session(n_train=10)


def _run(setup, lag_act, lag_err, present, use=(1, 1, 0, 1), rule=RULE, target="numpy"):
    """One session on a fresh build (a Simulation per test: the suite resets Brian2's
    preferences between tests)."""
    cfg, rs, params = setup
    n = rs.rate_values.shape[0]
    names = ("use_read", "use_context", "use_prediction", "use_true")
    with Simulation(target=target, seed=0) as sim:
        net = build_feedforward(cfg, rule, rs, params, chunk_trials=4, substitute_error=True,
                                error_lags=LAGS)
        attach_output_critic(net, CRITIC, np.ones(n))

        def padded(v):
            return np.concatenate([np.asarray(v, float), np.zeros(net.n_trials - n)])

        rec = run_session(net, sim, timed_values={"lag_act": padded(lag_act),
                                                  "lag_err": padded(lag_err),
                                                  "present": padded(present)},
                          constants={f"critic_units.{k}": float(v) for k, v in zip(names, use)})
        return net.weights(rec.state), rec


@pytest.mark.parametrize("variant", ["stored", "stale", "variable"])
def test_late_errors_follow_the_reference(setup, variant):
    check_late_errors(setup, variant)


def check_late_errors(setup, variant, target="numpy"):
    """Late errors with delay lines on ``target`` against the NumPy reference."""
    cfg, rs, params = setup
    n = rs.rate_values.shape[0]
    rng = np.random.default_rng(7)
    lag_err = rng.integers(0, LAGS + 1, n) if variant == "variable" else np.full(n, 2)
    lag_act = np.zeros(n) if variant == "stale" else lag_err
    present = (rng.random(n) < 0.8).astype(float)
    got, rec = _run(setup, lag_act, lag_err, present, target=target)
    ref = oracle(cfg, rs, params, RULE, {"lag_act": lag_act, "lag_err": lag_err, "present": present})
    np.testing.assert_allclose(rec.counts, ref["counts"])
    for l, w_ref in enumerate(ref["W"]):
        assert np.abs(w_ref - np.clip(params[f"W{l}"], -1, 1)).max() > 1e-3  # it learned
        np.testing.assert_allclose(got[f"W{l}"], w_ref, rtol=1e-9, atol=1e-12, err_msg=f"W{l}")
    # the critic saw the late error: that of trial p - lag_err
    err = rs.target_values - rec.counts
    for p in range(LAGS, n - 1):
        np.testing.assert_array_equal(rec.extra["critic.err_true"][p], err[p - int(lag_err[p])])


@pytest.mark.parametrize("variant", ["stored", "stale"])
def test_late_errors_with_both_pathways_and_centred_updates(variant):
    # the circuit of spiking_feedback_alignment: both pathways per pair, covariance-form hidden
    # updates (the relays keep their own delay lines and running means)
    cfg, rs, params = tiny_session(n_train=10)
    cfg = dataclasses.replace(cfg, dale_pathways="both")
    params = initial_parameters(cfg, 3)
    rule = dataclasses.replace(RULE, centered=True, center_rate=0.2)
    n = rs.rate_values.shape[0]
    rng = np.random.default_rng(11)
    lag_err = rng.integers(0, LAGS + 1, n)
    lag_act = np.zeros(n) if variant == "stale" else lag_err
    present = (rng.random(n) < 0.8).astype(float)
    got, rec = _run((cfg, rs, params), lag_act, lag_err, present, rule=rule)
    ref = oracle(cfg, rs, params, rule, {"lag_act": lag_act, "lag_err": lag_err, "present": present})
    np.testing.assert_allclose(rec.counts, ref["counts"])
    for l, w_ref in enumerate(ref["W"]):
        assert np.abs(w_ref - params[f"W{l}"]).max() > 1e-3  # it learned
        np.testing.assert_allclose(got[f"W{l}"], w_ref, rtol=1e-9, atol=1e-12, err_msg=f"W{l}")


def test_late_errors_differ_from_immediate_ones(setup):
    # the delay lines are not a no-op: the same errors at lag 2 end in other weights than at lag 0
    cfg, rs, params = setup
    n = rs.rate_values.shape[0]
    now, _ = _run(setup, np.zeros(n), np.zeros(n), np.ones(n))
    late, _ = _run(setup, np.full(n, 2), np.full(n, 2), np.ones(n))
    assert max(np.abs(now[k] - late[k]).max() for k in now) > 1e-3


def test_label_only_critic_learns_from_late_errors(setup):
    cfg, rs, params = setup
    n = rs.rate_values.shape[0]
    lag_err = np.random.default_rng(3).integers(1, LAGS + 1, n)
    got, rec = _run(setup, np.zeros(n), lag_err, np.ones(n), use=(0, 1, 1, 0))
    labels = np.argmax(rs.target_values, axis=1)
    learn = rs.learning_values
    err = rs.target_values - rec.counts
    D, b, preds = np.zeros((cfg.n_outputs, cfg.n_outputs)), np.zeros(cfg.n_outputs), []
    for p in range(n - 1):  # the last trial is never latched
        preds.append(D[:, labels[p]] + b)
        q = p - int(lag_err[p])
        if q >= 0:  # the error of trial q arrives: learn from the prediction made then
            delta = learn[p] * learn[q] * (err[q] - preds[q])
            D[:, labels[q]] += ETA_LABEL * delta
            b += ETA * delta
    assert np.abs(preds).max() > 0.5
    np.testing.assert_allclose(rec.extra["critic.pred"][:n - 1], preds, atol=1e-12)


def test_bad_lags_are_refused(setup):
    cfg, rs, params = setup
    with Simulation(target="numpy", seed=0) as sim:
        net = build_feedforward(cfg, RULE, rs, params, substitute_error=True, error_lags=LAGS)
        attach_output_critic(net, CRITIC, np.ones(rs.rate_values.shape[0]))
        n = net.n_trials
        with pytest.raises(SpecError, match="0 .. 3"):
            run_session(net, sim, timed_values={"lag_err": np.full(n, 4.0)})
        with pytest.raises(SpecError, match="integer"):
            run_session(net, sim, timed_values={"lag_act": np.full(n, 0.5)})
    with pytest.raises(SpecError, match="substitute_error"):
        build_feedforward(cfg, RULE, rs, params, error_lags=2)
    with pytest.raises(SpecError, match=">= 0"):
        build_feedforward(cfg, RULE, rs, params, substitute_error=True, error_lags=-1)
    with pytest.raises(SpecError, match="discount"):
        ErrorCritic(lags=2, discount=0.5)


def test_critic_must_match_the_delay_lines():
    cfg, rs, params = tiny_session(n_train=2)
    n = rs.rate_values.shape[0]
    with Simulation(target="numpy", seed=0):
        net = build_feedforward(cfg, RULE, rs, params, substitute_error=True, error_lags=2)
        with pytest.raises(SpecError, match="lags=2"):
            attach_output_critic(net, CRITIC, np.ones(n))
    with Simulation(target="numpy", seed=0):
        net = build_feedforward(cfg, RULE, rs, params, substitute_error=True)
        with pytest.raises(SpecError, match="no delay"):
            attach_output_critic(net, CRITIC, np.ones(n))


def test_delay_line_code():
    assert shift_code("x", "count", 2) == "x_2 = x_1\nx_1 = x_now\nx_now = count"
    assert select_expression("x", "lag", 1) == "(x_now*int(lag == 0) + x_1*int(lag == 1))"
    with pytest.raises(SpecError, match="depth"):
        shift_code("x", "count", 0)
