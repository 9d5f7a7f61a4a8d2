"""Equilibrium propagation in a layered network with symmetric feedback (NumPy reference).

Scellier & Bengio (2017, Front Comput Neurosci 11:24). The state ``s = (s_1, ..., s_L)`` of the
hidden and output layers (``s_0 = x`` is clamped) settles to a minimum of the energy

.. math::

    E(s) = \\sum_{l \\ge 1} \\sum_i G(s_{l,i})
           - \\sum_{l \\ge 1} \\left( s_l^\\top W_l s_{l-1} + b_l^\\top s_l \\right),
    \\qquad G(s) = \\int_{1/2}^{s} \\sigma^{-1}(z)\\, dz,

whose stationary points are ``s_l = sigma(W_l s_{l-1} + W_{l+1}^T s_{l+1} + b_l)``: each layer
receives its bottom-up input and, through the transposed (symmetric) weights, the layer above's
feedback. (A continuous Hopfield energy with the logistic ``sigma``; the paper uses a hard
sigmoid, whose kinks make the fixed point non-differentiable at places; the theorem holds for
any energy.) In the **nudged phase** the output is pulled toward the target ``y`` by
``F = E + beta C``, ``C = ||s_L - y||^2 / 2``, i.e. the output's input gains ``beta (y - s_L)``.

The update is the difference of the two phases' correlations (contrastive Hebbian learning,
Movellan 1991; Xie & Seung 2003), Scellier & Bengio's Eq. 9:

.. math::

    \\Delta W_l \\propto \\frac{1}{\\beta} \\left( s^\\beta_l\\, s^{\\beta\\top}_{l-1}
        - s^0_l\\, s^{0\\top}_{l-1} \\right)
    \\xrightarrow{\\beta \\to 0} -\\frac{\\partial C(s^0)}{\\partial W_l},

the negative gradient of the free fixed point's loss (their Theorem 1). Its bias is first order
in ``beta``; nudging with ``+beta`` and ``-beta`` and taking the difference (symmetric nudging,
Laborieux et al. 2021, Front Neurosci 15:633674) cancels the first-order term.
"""

from __future__ import annotations

import numpy as np

__all__ = ["EqPropNetwork", "init_network", "relax", "eqprop_update", "loss", "finite_difference_gradient",
           "train", "accuracy"]


def _sigmoid(u):
    return 0.5 * (1.0 + np.tanh(0.5 * u))


class EqPropNetwork:
    """Weights ``W[l]`` (shape ``(n_{l+1}, n_l)``) and biases ``b[l]`` of a layered network of
    sizes ``sizes`` (input first).

    Parameters
    ----------
    weights : sequence of array_like
        ``W[l]``, shape ``(n_{l+1}, n_l)``; copied.
    biases : sequence of array_like
        ``b[l]``, shape ``(n_{l+1},)``; copied.
    """

    def __init__(self, weights, biases):
        self.W = [np.array(w, dtype=float) for w in weights]
        self.b = [np.array(b, dtype=float) for b in biases]

    @property
    def sizes(self):
        """Layer sizes, input first."""
        return [self.W[0].shape[1]] + [w.shape[0] for w in self.W]

    def copy(self) -> "EqPropNetwork":
        """A network with copies of the weights and biases."""
        return EqPropNetwork(self.W, self.b)


def init_network(sizes, rng, gain: float = 1.0) -> EqPropNetwork:
    """Glorot-uniform weights scaled by ``gain``, zero biases.

    Parameters
    ----------
    sizes : sequence of int
        Layer sizes, input first.
    rng : numpy.random.Generator
        Draws the weights, first layer first.
    gain : float
        Factor on the Glorot limit ``sqrt(6 / (n_in + n_out))``.

    Returns
    -------
    EqPropNetwork
    """
    weights = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        limit = gain * np.sqrt(6.0 / (n_in + n_out))
        weights.append(rng.uniform(-limit, limit, size=(n_out, n_in)))
    return EqPropNetwork(weights, [np.zeros(n) for n in sizes[1:]])


def relax(net: EqPropNetwork, x, target=None, beta: float = 0.0, states=None, n_iterations: int = 100,
          tol: float = 0.0):
    """The fixed point of the (nudged) dynamics, by layer-wise fixed-point iteration.

    Parameters
    ----------
    x : array (batch, n_0)
        Clamped input.
    target : array (batch, n_L), optional
        Needed when ``beta != 0``.
    beta : float
        Nudging strength (0: free phase).
    states : list of arrays, optional
        Initial states (e.g. the free fixed point, for the nudged phase); default 1/2.
    n_iterations : int
        Sweeps over the layers (each sweep updates layers 1..L in order, then L-1..1).
    tol : float
        Stop when no state changes by more than ``tol`` in a sweep (0: run all sweeps).

    Returns
    -------
    list of arrays
        States ``s_1 .. s_L``.
    """
    x = np.atleast_2d(x)
    L = len(net.W)
    s = [np.full((x.shape[0], n), 0.5) for n in net.sizes[1:]] if states is None else [a.copy() for a in states]
    order = list(range(L)) + list(range(L - 2, -1, -1))
    for _ in range(n_iterations):
        change = 0.0
        for l in order:
            below = x if l == 0 else s[l - 1]
            drive = below @ net.W[l].T + net.b[l]
            if l + 1 < L:
                drive = drive + s[l + 1] @ net.W[l + 1]
            elif beta:
                drive = drive + beta * (target - s[l])
            new = _sigmoid(drive)
            if tol:
                change = max(change, float(np.max(np.abs(new - s[l]))))
            s[l] = new
        if tol and change < tol:
            break
    return s


def loss(net: EqPropNetwork, x, target, n_iterations: int = 200, tol: float = 1e-13) -> float:
    """``C = ||s_L - y||^2 / 2`` at the free fixed point, summed over the batch.

    Parameters
    ----------
    net : EqPropNetwork
    x : ndarray (batch, n_0)
        Clamped input.
    target : ndarray (batch, n_L)
        Target ``y``.
    n_iterations : int
        Most sweeps of the free relaxation.
    tol : float
        Stop the relaxation when a sweep changes the state by less.

    Returns
    -------
    float
    """
    s = relax(net, x, n_iterations=n_iterations, tol=tol)
    return 0.5 * float(np.sum((s[-1] - target) ** 2))


def _correlations(x, s):
    layers = [np.atleast_2d(x)] + s
    return ([layers[l + 1].T @ layers[l] for l in range(len(s))], [a.sum(axis=0) for a in s])


def eqprop_update(net: EqPropNetwork, x, target, beta: float, symmetric: bool = False,
                  free=None, n_iterations: int = 100, tol: float = 0.0):
    """The EqProp estimate of ``-dC/dW`` and ``-dC/db`` (summed over the batch).

    One-sided: ``(corr(s^beta) - corr(s^0)) / beta``; symmetric: ``(corr(s^beta) -
    corr(s^-beta)) / (2 beta)``. ``free`` may hold the free fixed point (it is computed otherwise).
    This is Scellier & Bengio (2017), Eq. 9 (module equation).

    Parameters
    ----------
    net : EqPropNetwork
    x : ndarray (batch, n_0)
        Clamped input.
    target : ndarray (batch, n_L)
        Target ``y``.
    beta : float
        Nudging strength, non-zero.
    symmetric : bool
        Use the symmetric (two nudged phases) estimate.
    free : list of ndarray, optional
        The free fixed point.
    n_iterations : int
        Most sweeps of each relaxation.
    tol : float
        Stop a relaxation when a sweep changes the state by less.

    Returns
    -------
    dW, db : list of ndarray
        The estimates, per layer.
    free : list of ndarray
        The free fixed point.

    Raises
    ------
    ValueError
        If ``beta`` is 0.
    """
    if beta == 0:
        raise ValueError("beta must be non-zero")
    if free is None:
        free = relax(net, x, n_iterations=n_iterations, tol=tol)
    plus = relax(net, x, target, beta, states=free, n_iterations=n_iterations, tol=tol)
    cw_plus, cb_plus = _correlations(x, plus)
    if symmetric:
        minus = relax(net, x, target, -beta, states=free, n_iterations=n_iterations, tol=tol)
        cw_ref, cb_ref = _correlations(x, minus)
        scale = 1.0 / (2.0 * beta)
    else:
        cw_ref, cb_ref = _correlations(x, free)
        scale = 1.0 / beta
    dW = [scale * (a - b) for a, b in zip(cw_plus, cw_ref)]
    db = [scale * (a - b) for a, b in zip(cb_plus, cb_ref)]
    return dW, db, free


def finite_difference_gradient(net: EqPropNetwork, x, target, eps: float = 1e-6):
    """``dC/dW`` and ``dC/db`` of the free fixed point's loss by central differences (the ground
    truth; equivalent to recurrent backpropagation at the fixed point).

    Parameters
    ----------
    net : EqPropNetwork
        Perturbed in place and restored.
    x : ndarray (batch, n_0)
        Clamped input.
    target : ndarray (batch, n_L)
        Target ``y``.
    eps : float
        Step of the central differences.

    Returns
    -------
    grads_W, grads_b : list of ndarray
        ``dC/dW`` and ``dC/db`` per layer.
    """
    grads_W, grads_b = [], []
    for params, grads in ((net.W, grads_W), (net.b, grads_b)):
        for p in params:
            g = np.zeros_like(p)
            for idx in np.ndindex(p.shape):
                old = p[idx]
                p[idx] = old + eps
                up = loss(net, x, target)
                p[idx] = old - eps
                down = loss(net, x, target)
                p[idx] = old
                g[idx] = (up - down) / (2 * eps)
            grads.append(g)
    return grads_W, grads_b


def train(net: EqPropNetwork, x, labels, n_classes: int, rng, epochs: int = 20, batch: int = 20,
          learning_rate: float = 0.05, beta: float = 0.5, symmetric: bool = True,
          n_free: int = 30, n_nudged: int = 15):
    """Mini-batch EqProp on one-hot targets; returns the network (updated in place).

    ``learning_rate`` multiplies the batch mean of the estimate. The free phase starts from 1/2
    each time (no state carried between samples), the nudged phase from the free fixed point.

    Parameters
    ----------
    net : EqPropNetwork
        Trained in place.
    x : ndarray (n, n_0)
        Inputs.
    labels : ndarray of int (n,)
        Classes.
    n_classes : int
        Number of classes (output size).
    rng : numpy.random.Generator
        Shuffles the samples each epoch.
    epochs, batch : int
        Passes over the data and samples per update.
    learning_rate : float
        Factor on the batch mean of the estimate.
    beta : float
        Nudging strength.
    symmetric : bool
        Use the symmetric estimate (:func:`eqprop_update`).
    n_free, n_nudged : int
        Sweeps of the free and of the nudged relaxation.

    Returns
    -------
    EqPropNetwork
        ``net``.
    """
    targets = np.eye(n_classes)[labels]
    n = x.shape[0]
    for _ in range(epochs):
        perm = rng.permutation(n)
        for start in range(0, n, batch):
            idx = perm[start:start + batch]
            free = relax(net, x[idx], n_iterations=n_free)
            dW, db, _ = eqprop_update(net, x[idx], targets[idx], beta, symmetric=symmetric, free=free,
                                      n_iterations=n_nudged)
            for l in range(len(net.W)):
                net.W[l] += learning_rate * dW[l] / idx.size
                net.b[l] += learning_rate * db[l] / idx.size
    return net


def accuracy(net: EqPropNetwork, x, labels, n_iterations: int = 30) -> float:
    """Fraction of samples whose free-phase output is largest at the label.

    Parameters
    ----------
    net : EqPropNetwork
    x : ndarray (n, n_0)
        Inputs.
    labels : ndarray of int (n,)
        Classes.
    n_iterations : int
        Sweeps of the free relaxation.

    Returns
    -------
    float
    """
    s = relax(net, x, n_iterations=n_iterations)
    return float(np.mean(np.argmax(s[-1], axis=1) == labels))
