"""The NumPy MLP reference: backprop against finite differences, each credit rule against its
closed form, the optimisers, and clear errors for bad input."""

import numpy as np
import pytest

from cortexlearn.errors import NonFiniteError, SpecError
from cortexlearn.reference.credit import (Backprop, DirectFeedbackAlignment, FeedbackAlignment,
                                          SignSymmetry, compute_gradients, make_rule)
from cortexlearn.reference.mlp import MLP
from cortexlearn.reference.optim import SGD, Adam


def _batch(net, n=7, seed=0, classification=True):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, net.sizes[0]))
    if classification:
        t = np.eye(net.sizes[-1])[rng.integers(0, net.sizes[-1], n)]
    else:
        t = rng.standard_normal((n, net.sizes[-1]))
    return x, t


def _numerical_gradient(net, x, t, eps=1e-6):
    grads = []
    for p in net.parameters():
        g = np.zeros_like(p)
        for i in np.ndindex(p.shape):
            old = p[i]
            p[i] = old + eps
            up = net.loss(net.forward(x, update_stats=False).output, t)
            p[i] = old - eps
            down = net.loss(net.forward(x, update_stats=False).output, t)
            p[i] = old
            g[i] = (up - down) / (2 * eps)
        grads.append(g)
    return grads


@pytest.mark.parametrize("activation,output,batch_norm", [
    ("tanh", "softmax", False), ("relu", "softmax", False), ("tanh", "linear", False),
    ("tanh", "softmax", True)])
def test_backprop_matches_finite_differences(activation, output, batch_norm):
    # chosen: relative error < 1e-6 in float64.
    net = MLP((5, 6, 4, 3), activation=activation, output=output, batch_norm=batch_norm, seed=1)
    if batch_norm:  # move scale and shift off their trivial values
        rng = np.random.default_rng(2)
        for g, b in zip(net.gammas, net.betas):
            g[:] = rng.uniform(0.5, 1.5, g.shape)
            b[:] = rng.uniform(-0.5, 0.5, b.shape)
    x, t = _batch(net, classification=output == "softmax")
    grads, _, _ = compute_gradients(net, Backprop(), x, t, update_stats=False)
    numeric = _numerical_gradient(net, x, t)
    for g, n in zip(grads, numeric):
        if g is None:  # biases before batch norm: no effect on the loss
            assert np.allclose(n, 0, atol=1e-9)
            continue
        scale = max(np.abs(n).max(), 1e-12)
        assert np.abs(g - n).max() / scale < 1e-6


def test_feedback_alignment_uses_the_fixed_matrix_in_place_of_the_weights():
    net = MLP((4, 5, 3), seed=0)
    rule = FeedbackAlignment()
    rule.setup(net, np.random.default_rng(0))
    x, t = _batch(net)
    grads, _, _ = compute_gradients(net, rule, x, t)
    cache = net.forward(x)
    e = (cache.output - t) / len(t)
    h1 = np.tanh(x @ net.weights[0] + net.biases[0])
    delta = (e @ rule.feedback[1].T) * (1 - h1 ** 2)     # Lillicrap 2016, eq. for delta h = B e
    np.testing.assert_allclose(grads[0], x.T @ delta, rtol=1e-12)
    np.testing.assert_allclose(grads[1], h1.T @ e, rtol=1e-12)
    assert not np.allclose(rule.feedback[1], net.weights[1])


def test_direct_feedback_sends_the_output_error_to_every_layer():
    net = MLP((4, 5, 6, 3), seed=0)
    rule = DirectFeedbackAlignment()
    rule.setup(net, np.random.default_rng(0))
    x, t = _batch(net)
    grads, _, _ = compute_gradients(net, rule, x, t)
    cache = net.forward(x)
    e = (cache.output - t) / len(t)
    for l in (0, 1):   # Nøkland 2016, eq. 4: delta_l = (D_l e) * f'(a_l)
        delta = (e @ rule.feedback[l]) * (1 - cache.h[l + 1] ** 2)
        np.testing.assert_allclose(grads[l], cache.h[l].T @ delta, rtol=1e-12)


def test_sign_symmetry_feedback_tracks_the_signs_of_the_weights():
    net = MLP((4, 5, 3), seed=0)
    rule = SignSymmetry()
    rule.setup(net, np.random.default_rng(0))
    b = rule.feedback_matrix(1, net)
    np.testing.assert_array_equal(np.sign(b), np.sign(net.weights[1]))
    assert np.allclose(np.abs(b), np.std(net.weights[1]))
    net.weights[1] *= -1
    np.testing.assert_array_equal(np.sign(rule.feedback_matrix(1, net)), np.sign(net.weights[1]))


def test_shallow_trains_only_the_readout():
    net = MLP((4, 5, 3), seed=0)
    x, t = _batch(net)
    grads, _, _ = compute_gradients(net, make_rule("shallow"), x, t)
    assert grads[0] is None and grads[2] is None and grads[1] is not None


def test_zero_initial_weights_stop_backprop_but_not_direct_feedback():
    # Nøkland 2016, §3: with all weights zero, backprop sends no error to hidden layers,
    # while DFA's fixed feedback still does.
    net = MLP((4, 5, 5, 3), init="zero", seed=0)
    x, t = _batch(net)
    bp, _, _ = compute_gradients(net, Backprop(), x, t)
    dfa_rule = DirectFeedbackAlignment()
    dfa_rule.setup(net, np.random.default_rng(0))
    dfa, _, _ = compute_gradients(net, dfa_rule, x, t)
    assert not np.any(bp[0]) and not np.any(bp[1])
    assert np.any(dfa[0])


def test_adam_first_step_and_batch_manhattan():
    p = [np.array([1.0, -2.0, 3.0])]
    g = [np.array([0.5, -0.2, 0.0])]
    Adam(0.1).step(p, g)
    # Adam's first step is learning_rate * sign(g) (bias-corrected m / sqrt(v)), up to eps.
    np.testing.assert_allclose(p[0], [0.9, -1.9, 3.0], atol=1e-6)
    q = [np.array([1.0, 1.0])]
    SGD(0.25, manhattan=True).step(q, [np.array([3.0, -1e-4])])
    np.testing.assert_allclose(q[0], [0.75, 1.25])


def test_bad_input_gives_clear_errors():
    from cortexlearn.datasets import linear_teacher
    from cortexlearn.reference.training import train

    net = MLP((30, 20, 10), output="linear", seed=0)
    data = linear_teacher(n_train=50, n_test=10)
    with pytest.raises(SpecError, match="unknown learning rule 'fb'"):
        train(net, "fb", data, epochs=1)
    with pytest.raises(SpecError, match="learning_rate must be a positive"):
        train(net, "fa", data, epochs=1, learning_rate=0.0)
    with pytest.raises(SpecError, match=r"shape \(batch, 30\)"):
        net.check_input(np.zeros((3, 29)))
    with pytest.raises(SpecError, match="non-finite"):
        net.check_input(np.full((3, 30), np.nan))
    with pytest.raises(SpecError, match="unknown activation"):
        MLP((3, 3), activation="sigmoidal")


def test_divergence_stops_with_epoch_and_rule_and_keeps_the_curve():
    from cortexlearn.datasets import linear_teacher
    from cortexlearn.reference.training import train

    data = linear_teacher(n_train=200, n_test=50)
    kwargs = dict(epochs=30, optimizer="sgd", learning_rate=5.0, batch_size=50, diagnostics=False)
    history = train(MLP((30, 20, 10), activation="linear", output="linear", seed=0), "fa", data,
                    on_divergence="stop", **kwargs)
    assert history.diverged and "feedback_alignment" in history.message
    assert "epoch" in history.message
    assert len(history.epochs) >= 1 and np.all(np.isfinite(history.test_loss[:1]))
    with pytest.raises(NonFiniteError, match="feedback_alignment diverged in epoch") as info:
        train(MLP((30, 20, 10), activation="linear", output="linear", seed=0), "fa", data, **kwargs)
    assert info.value.history is not None and info.value.history.diverged
