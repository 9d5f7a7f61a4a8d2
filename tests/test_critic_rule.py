"""The error critic's delta rule against its closed form on a linear toy (numpy target).

A layer presents fixed activity patterns (one per millisecond); the critic predicts a linear
function of them. The Brian2 weights must follow the NumPy recursion of the rule step for step,
and with consistent targets converge to the least-squares solution (the LMS fixed point).
"""

import numpy as np
import pytest
from brian2 import Network, NeuronGroup, TimedArray, ms

from cortexlearn import Simulation
from cortexlearn.build.critic import attach_critic
from cortexlearn.errors import SpecError
from cortexlearn.rules.critic import ErrorCritic

N_LAYER, N_PRED = 3, 2


def _toy(n_presentations, seed=0, p_avail=1.0):
    rng = np.random.default_rng(seed)
    patterns = np.array([[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0], [1.0, 1.0, 1.0]])  # well conditioned
    w_true = rng.normal(0, 1, (N_PRED, N_LAYER))
    b_true = rng.normal(0, 1, N_PRED)
    order = rng.integers(0, 4, n_presentations)
    h = patterns[order]
    err = h @ w_true.T + b_true
    avail = (rng.random(n_presentations) < p_avail).astype(float)
    return h, err, avail, w_true, b_true


def _run_critic(rule, h, err, avail, target="numpy", directory=None):
    n = len(h)
    with Simulation(target=target, dt=1 * ms, directory=directory) as sim:
        ns = {"act_ta": TimedArray(h, dt=1 * ms), "err_ta": TimedArray(err, dt=1 * ms),
              "avail_ta": TimedArray(avail, dt=1 * ms)}
        layer = NeuronGroup(N_LAYER, "count : 1", name="toy_layer")
        layer.run_regularly("count = act_ta(t, i)", when="start", name="toy_latch")
        critic = attach_critic(rule, layer, N_PRED, 1 * ms, "err_true = err_ta(t, i)\navail = avail_ta(t)")
        ns.update(critic.namespace)
        net = Network(layer, *critic.objects)
        sim.run(net, n * ms, namespace=ns)
        return critic.weights(), np.asarray(critic.group.bias[:]), np.asarray(critic.monitor.pred).T


def _numpy_critic(h, err, avail, eta, gamma, normalized=False):
    c = np.zeros((N_PRED, N_LAYER))
    b = np.zeros(N_PRED)
    preds = []
    prev = {"pred": np.zeros(N_PRED), "h": np.zeros(N_LAYER), "a": 0.0, "e": np.zeros(N_PRED)}
    for n in range(len(h)):
        pred = c @ h[n] + b
        preds.append(pred)
        if gamma > 0:
            delta = prev["a"] * (prev["a"] * prev["e"] + gamma * pred - prev["pred"])
            b = b + eta * delta
            c = c + eta * np.outer(delta, prev["h"])
            prev = {"pred": pred, "h": h[n], "a": avail[n], "e": err[n]}
        else:
            delta = avail[n] * (err[n] - pred)
            rate = eta / (1 + h[n] @ h[n]) if normalized else eta
            b = b + rate * delta
            c = c + rate * np.outer(delta, h[n])
    return c, b, np.array(preds)


@pytest.mark.parametrize("gamma,p_avail", [(0.0, 1.0), (0.0, 0.2), (0.5, 0.5)])
def test_delta_rule_matches_its_recursion(gamma, p_avail):
    h, err, avail, _, _ = _toy(60, seed=1, p_avail=p_avail)
    rule = ErrorCritic(learning_rate=0.05, discount=gamma)
    c, b, preds = _run_critic(rule, h, err, avail)
    c_ref, b_ref, preds_ref = _numpy_critic(h, err, avail, 0.05, gamma)
    assert np.abs(c_ref).max() > 0.02
    np.testing.assert_allclose(c, c_ref, atol=1e-12)
    np.testing.assert_allclose(b, b_ref, atol=1e-12)
    np.testing.assert_allclose(preds, preds_ref, atol=1e-12)


def test_normalized_rule_matches_its_recursion_and_stays_stable_where_lms_diverges():
    # NLMS: rate / (1 + |h|^2). Activity scaled by 10 makes |h|^2 up to 300: the plain rule at
    # rate 0.05 diverges (0.05 * 300 > 2), the normalised one at 0.5 learns.
    h, err, avail, w_true, b_true = _toy(400, seed=4)
    h = 10 * h
    err = h @ w_true.T / 10 + b_true
    c, b, preds = _run_critic(ErrorCritic(learning_rate=0.5, normalized=True), h, err, avail)
    c_ref, b_ref, preds_ref = _numpy_critic(h, err, avail, 0.5, 0.0, normalized=True)
    np.testing.assert_allclose(c, c_ref, atol=1e-12)
    np.testing.assert_allclose(b, b_ref, atol=1e-12)
    np.testing.assert_allclose(preds, preds_ref, atol=1e-12)
    miss = np.abs(err - preds).mean(axis=1)
    # it learns: 0.62 -> 0.16 mean miss from the first 10 to the last 50 presentations (the
    # bias, whose input 1 is small against the activity's 10, learns slowest)
    assert miss[-50:].mean() < 0.35 * miss[:10].mean()
    c_lms, _, _ = _numpy_critic(h[:60], err[:60], avail[:60], 0.05, 0.0)
    assert not np.all(np.abs(c_lms) < 1e3)


@pytest.mark.parametrize("target", [
    pytest.param("cython", marks=[pytest.mark.cython, pytest.mark.slow]),
    pytest.param("cpp_standalone", marks=[pytest.mark.standalone, pytest.mark.slow])])
def test_bootstrapped_critic_on_compiled_targets(target, tmp_path):
    h, err, avail, _, _ = _toy(60, seed=3, p_avail=0.5)
    rule = ErrorCritic(learning_rate=0.05, discount=0.5)
    c, b, preds = _run_critic(rule, h, err, avail, target=target,
                              directory=str(tmp_path / "build") if target == "cpp_standalone" else None)
    c_ref, b_ref, preds_ref = _numpy_critic(h, err, avail, 0.05, 0.5)
    np.testing.assert_allclose(c, c_ref, atol=1e-12)
    np.testing.assert_allclose(b, b_ref, atol=1e-12)
    np.testing.assert_allclose(preds, preds_ref, atol=1e-12)


@pytest.mark.parametrize("target", [
    pytest.param("cython", marks=[pytest.mark.cython, pytest.mark.slow]),
    pytest.param("cpp_standalone", marks=[pytest.mark.standalone, pytest.mark.slow])])
def test_normalized_critic_on_compiled_targets(target, tmp_path):
    h, err, avail, _, _ = _toy(60, seed=5, p_avail=0.5)
    c, b, preds = _run_critic(ErrorCritic(learning_rate=0.5, normalized=True), 3 * h, err, avail,
                              target=target,
                              directory=str(tmp_path / "build") if target == "cpp_standalone" else None)
    c_ref, b_ref, preds_ref = _numpy_critic(3 * h, err, avail, 0.5, 0.0, normalized=True)
    np.testing.assert_allclose(c, c_ref, atol=1e-12)
    np.testing.assert_allclose(b, b_ref, atol=1e-12)
    np.testing.assert_allclose(preds, preds_ref, atol=1e-12)


def test_converges_to_least_squares_solution():
    # Four patterns + bias are 4 equations in 4 unknowns per output: the LMS fixed point is the
    # exact solution, which np.linalg.lstsq gives in closed form.
    h, err, avail, w_true, b_true = _toy(1500, seed=2)
    c, b, _ = _run_critic(ErrorCritic(learning_rate=0.1), h, err, avail)
    design = np.hstack([h, np.ones((len(h), 1))])
    solution = np.linalg.lstsq(design, err, rcond=None)[0]
    np.testing.assert_allclose(c, solution[:N_LAYER].T, atol=1e-5)
    np.testing.assert_allclose(b, solution[N_LAYER], atol=1e-5)
    np.testing.assert_allclose(c, w_true, atol=1e-5)


def test_critic_refuses_a_layer_it_cannot_read():
    with Simulation(target="numpy", dt=1 * ms):
        layer = NeuronGroup(3, "v : 1", name="no_count_layer")
        with pytest.raises(SpecError, match="cannot read layer.*no variable 'count'"):
            attach_critic(ErrorCritic(), layer, 2, 1 * ms, "avail = 0")
        layer2 = NeuronGroup(3, "count : 1", name="count_layer")
        context = NeuronGroup(10, "label : 1", name="label_group")
        with pytest.raises(SpecError, match="cannot read context group"):
            attach_critic(ErrorCritic(), layer2, 2, 1 * ms, "avail = 0", context=context)
        with pytest.raises(SpecError, match="initial_weights"):
            attach_critic(ErrorCritic(), layer2, 2, 1 * ms, "avail = 0", initial_weights=np.zeros((3, 3)))
        with pytest.raises(SpecError, match="period"):
            attach_critic(ErrorCritic(), layer2, 2, 0 * ms, "avail = 0")


def test_bad_critic_parameters():
    with pytest.raises(SpecError, match="discount"):
        ErrorCritic(discount=1.0)
    with pytest.raises(SpecError, match="learning_rate"):
        ErrorCritic(learning_rate=0.0)
    with pytest.raises(SpecError, match="activity"):
        ErrorCritic(activity="not a name")
    with pytest.raises(SpecError, match="normalized"):
        ErrorCritic(normalized=True, discount=0.5)
    with pytest.raises(SpecError, match="learning_rate < 2"):
        ErrorCritic(normalized=True, learning_rate=2.0)
