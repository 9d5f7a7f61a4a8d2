"""Equilibrium propagation (Scellier & Bengio 2017) in NumPy: its update tends to the true gradient
of the free fixed point's loss as beta -> 0, symmetric nudging cancels the first-order bias, and
it learns the scikit-learn digits."""

import numpy as np
import pytest

from cortexlearn.reference import eqprop as eq


def _angle(a, b):
    return float(np.degrees(np.arccos(np.clip(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)), -1, 1))))


def _flat(ws, bs):
    return np.concatenate([g.ravel() for g in list(ws) + list(bs)])


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(0)
    net = eq.init_network([4, 6, 5, 3], rng, gain=1.5)  # two hidden layers: feedback crosses two
    x = rng.random((5, 4))
    y = np.eye(3)[rng.integers(0, 3, 5)]
    true = -_flat(*eq.finite_difference_gradient(net, x, y))
    return net, x, y, true


def _estimate(problem, beta, symmetric):
    net, x, y, _ = problem
    dW, db, _ = eq.eqprop_update(net, x, y, beta, symmetric=symmetric, n_iterations=1000, tol=1e-14)
    return _flat(dW, db)


def test_fixed_point_is_stationary(problem):
    net, x, _, _ = problem
    s = eq.relax(net, x, n_iterations=1000, tol=1e-14)
    layers = [x] + s
    for l in range(1, len(layers)):
        drive = layers[l - 1] @ net.W[l - 1].T + net.b[l - 1]
        if l < len(layers) - 1:
            drive = drive + layers[l + 1] @ net.W[l]
        np.testing.assert_allclose(layers[l], 0.5 * (1 + np.tanh(0.5 * drive)), atol=1e-12)


@pytest.mark.parametrize("beta", [1e-2, 1e-3])
def test_small_beta_update_aligns_with_true_gradient(problem, beta):
    true = problem[3]
    # Scellier & Bengio 2017, Theorem 1: the limit is -dC/dW; target angle < 5 degrees
    # (measured 0.04 deg at beta = 0.01 on a 4-6-3 network)
    assert _angle(_estimate(problem, beta, False), true) < 5.0
    assert np.linalg.norm(_estimate(problem, beta, False) - true) < 0.05 * np.linalg.norm(true)


def test_symmetric_nudging_cancels_first_order_bias(problem):
    true = problem[3]
    err = {}
    for beta in (0.2, 0.1):
        for sym in (False, True):
            err[beta, sym] = np.linalg.norm(_estimate(problem, beta, sym) - true)
    # one-sided: error ~ beta (halving beta halves it); symmetric: ~ beta^2 (quartered)
    assert err[0.1, False] / err[0.2, False] == pytest.approx(0.5, abs=0.1)
    assert err[0.1, True] / err[0.2, True] == pytest.approx(0.25, abs=0.07)
    assert err[0.1, True] < 0.2 * err[0.1, False]
    # the sign of beta alternates the first-order bias: +beta and -beta err in opposite directions
    net, x, y, _ = problem
    plus = _flat(*eq.eqprop_update(net, x, y, 0.1, n_iterations=1000, tol=1e-14)[:2]) - true
    minus = _flat(*eq.eqprop_update(net, x, y, -0.1, n_iterations=1000, tol=1e-14)[:2]) - true
    assert _angle(plus, minus) > 150


def test_beta_zero_is_refused(problem):
    net, x, y, _ = problem
    with pytest.raises(ValueError):
        eq.eqprop_update(net, x, y, 0.0)


@pytest.mark.slow
def test_digits():
    from sklearn.datasets import load_digits

    digits = load_digits()
    x, labels = digits.data / 16.0, digits.target
    order = np.random.default_rng(0).permutation(len(x))
    train, test = order[:1437], order[1437:]
    rng = np.random.default_rng(0)
    net = eq.init_network([64, 100, 10], rng)
    eq.train(net, x[train], labels[train], 10, rng, epochs=13, batch=20, learning_rate=2.0, beta=0.5,
             symmetric=True, n_free=30, n_nudged=15)
    # target >= 95 % on the 360 held-out digits (measured 97.2 %; 95.6-97.2 % over epochs 10-14
    # except one dip to 87 % at epoch 11: the rate is not annealed)
    assert eq.accuracy(net, x[test], labels[test]) >= 0.95
