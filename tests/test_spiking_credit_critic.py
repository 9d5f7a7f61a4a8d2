"""The error-critic hooks of the spiking feed-forward circuit (numpy target, tiny network with
deterministic input spikes): where the true error is always present the hooked circuit learns
exactly as the plain one; with no error and no prediction nothing learns; a label-only critic's
predictions follow the NumPy recursion of its delta rule across chunk boundaries (so the label,
the mask and the carried critic weights are read at the right presentation)."""

import dataclasses

import numpy as np
import pytest

from cortexlearn.build.critic import attach_output_critic
from cortexlearn.build.feedforward import build_feedforward
from cortexlearn.circuits.feedforward_session import run_session
from cortexlearn.errors import SpecError
from cortexlearn.rules.critic import ErrorCritic
from cortexlearn.simulation import Simulation
from test_spiking_credit_rules import rule_for, tiny_session

ETA, ETA_LABEL = 1e-3, 0.2
CRITIC = ErrorCritic(learning_rate=ETA, context_learning_rate=ETA_LABEL, activity="x_l", switches=True)
# output bias updates move from the start to the end of the latch step under the hook; with
# them off the plain and the hooked circuit are the same computation
RULE = dataclasses.replace(rule_for("fa"), bias_learning_rate=0.0)


def _session(cfg, rs, params, present=None, switches=(1, 1, 1), chunk=3, target="numpy"):
    with Simulation(target=target, seed=0) as sim:
        net = build_feedforward(cfg, RULE, rs, params, chunk_trials=chunk,
                                substitute_error=present is not None)
        if present is not None:
            critic = attach_output_critic(net, CRITIC, present)
            critic.group.use_read, critic.group.use_context, critic.group.use_prediction = switches
        rec = run_session(net, sim)
        return net.weights(rec.state), rec


@pytest.fixture(scope="module")
def setup():
    cfg, rs, params = tiny_session(n_train=8)
    plain, _ = _session(cfg, rs, params)
    return cfg, rs, params, plain


def test_dense_error_learns_as_the_plain_circuit(setup):
    cfg, rs, params, plain = setup
    n = rs.rate_values.shape[0]
    hooked, rec = _session(cfg, rs, params, present=np.ones(n))
    for key in plain:
        assert np.abs(plain[key] - np.clip(params[key], -1, 1)).max() > 1e-3  # it learned
        np.testing.assert_allclose(hooked[key], plain[key], atol=1e-12)
    # the critic saw the true error of every trial: target count - output count
    np.testing.assert_array_equal(rec.extra["critic.err_true"][:n - 1],
                                  (rs.target_values - rec.counts)[:n - 1])


def test_no_error_and_no_prediction_learns_nothing(setup):
    cfg, rs, params, _ = setup
    n = rs.rate_values.shape[0]
    w, rec = _session(cfg, rs, params, present=np.zeros(n), switches=(1, 1, 0))
    for key in w:
        np.testing.assert_array_equal(w[key], np.clip(params[key], -1, 1))
    assert not np.any(rec.state["critic_read.c"]) and not np.any(rec.state["critic_context.c"])


def test_label_only_critic_follows_its_recursion(setup):
    check_label_only_critic(setup)


def check_label_only_critic(setup, target="numpy"):
    """The in-circuit label-only critic on ``target`` against the NumPy recursion of its delta
    rule (cython and cpp_standalone: tests/test_spiking_credit_paths_targets.py)."""
    cfg, rs, params, _ = setup
    n = rs.rate_values.shape[0]
    present = (np.arange(n) % 2).astype(float)
    w, rec = _session(cfg, rs, params, present=present, switches=(0, 1, 1), target=target)
    labels = np.argmax(rs.target_values, axis=1)
    err = rs.target_values - rec.counts
    D, b = np.zeros((cfg.n_outputs, cfg.n_outputs)), np.zeros(cfg.n_outputs)
    avail = present * rs.learning_values
    preds = []
    for p in range(n - 1):  # the last trial is never latched
        pred = D[:, labels[p]] + b
        preds.append(pred)
        delta = avail[p] * (err[p] - pred)
        D[:, labels[p]] += ETA_LABEL * delta
        b += ETA * delta
    assert np.abs(preds).max() > 0.5
    np.testing.assert_allclose(rec.extra["critic.pred"][:n - 1], preds, atol=1e-12)
    np.testing.assert_array_equal(rec.extra["critic.avail"][:n - 1, 0], avail[:n - 1])
    assert not np.any(rec.state["critic_read.c"])  # gated off: the hidden read weights never moved
    # where no error came, the output learned from the prediction: its weights moved
    assert any(np.abs(w[k] - np.clip(params[k], -1, 1)).max() > 1e-3 for k in w)


@pytest.mark.parametrize("to_output", [1.0, 0.0])
def test_prediction_reaches_the_output_only_when_asked(setup, to_output):
    # no true error anywhere and a critic whose prediction is a constant bias (it never learns):
    # the hidden layer learns from the prediction through the feedback weights; the output's
    # weights and bias move only with use_prediction_output = 1
    cfg, rs, params, _ = setup
    n = rs.rate_values.shape[0]
    with Simulation(target="numpy", seed=0) as sim:
        net = build_feedforward(cfg, RULE, rs, params, chunk_trials=3, substitute_error=True)
        attach_output_critic(net, CRITIC, np.zeros(n))
        net.extra_state["critic_units.bias"] = np.array([0.8, -0.5, 0.3])
        rec = run_session(net, sim, constants={"critic_units.use_prediction_output": to_output})
        w = net.weights(rec.state)
    np.testing.assert_allclose(rec.extra["critic.pred"][:n - 1], [[0.8, -0.5, 0.3]] * (n - 1))
    assert np.abs(w["W0"] - np.clip(params["W0"], -1, 1)).max() > 1e-3
    moved = np.abs(w["W1"] - np.clip(params["W1"], -1, 1)).max()
    assert (moved > 1e-3) if to_output else (moved == 0)


def test_bad_attachments_are_refused(setup):
    cfg, rs, params, _ = setup
    n = rs.rate_values.shape[0]
    with Simulation(target="numpy", seed=0):
        net = build_feedforward(cfg, RULE, rs, params)
        with pytest.raises(SpecError, match="substitute_error=True"):
            attach_output_critic(net, CRITIC, np.ones(n))
    with Simulation(target="numpy", seed=0):
        net = build_feedforward(cfg, RULE, rs, params, substitute_error=True)
        with pytest.raises(SpecError, match="one value per trial"):
            attach_output_critic(net, CRITIC, np.ones(n + 2))
