"""Synthetic gradients (Jaderberg et al. 2016, "Decoupled Neural Interfaces using Synthetic
Gradients", ICML 2017, arXiv:1608.05343) — the modern form of Werbos' error critic.

A module ``M`` reads a layer's activity ``h`` (and, if conditioned, the label ``t``) and predicts
the gradient the layer will eventually receive::

    g_hat = M(h, t) = h A + t C + c          (linear, zero-initialised: Jaderberg §3.3)
    g_hat = relu([h, t] U + u) A + c         (one hidden layer, its output layer zero-initialised)

The layer updates at once from ``g_hat``. The module learns, by a delta rule on the squared error
``1/2 |g_hat - g|^2``, toward the gradient ``g`` backpropagated one step from above — which, above
the top hidden layer, is the true error and, lower down, is itself built from the next module's
prediction (a bootstrapped target, like a temporal-difference value).
"""

from __future__ import annotations

import numpy as np

from ..errors import SpecError
from .credit_base import CreditRule
from .optim import Adam

__all__ = ["LinearSynthesizer", "HiddenLayerSynthesizer", "SyntheticGradients"]


class LinearSynthesizer:
    """A zero-initialised linear predictor of gradients, trained by regression with Adam.

    Parameters
    ----------
    n_features : int
        Width of the features it reads (activity, plus label channels if conditioned).
    n_outputs : int
        Width of the gradient it predicts.
    learning_rate : float
        Adam step size of the module's own weights.
    """

    def __init__(self, n_features, n_outputs, learning_rate):
        self.weight = np.zeros((n_features, n_outputs))
        self.bias = np.zeros(n_outputs)
        self.optimizer = Adam(learning_rate)
        self.last_error = np.nan

    def predict(self, features):
        """The predicted gradient ``features A + c``.

        Parameters
        ----------
        features : ndarray
            Activity (and label channels).

        Returns
        -------
        ndarray
        """
        return features @ self.weight + self.bias

    def learn(self, features, target):
        """One Adam step on ``1/2 mean_batch |M(features) - target|^2``.

        Parameters
        ----------
        features : ndarray
            What the module reads.
        target : ndarray
            The gradient it should have predicted.

        Returns
        -------
        float
            The loss before the step.
        """
        diff = self.predict(features) - target
        params, grads = self._gradients(features, diff / len(features))
        self.optimizer.step(params, grads)
        self.last_error = float(0.5 * np.mean(np.sum(diff * diff, axis=1)))
        return self.last_error

    def _gradients(self, features, diff):
        """The module's weights and the loss's gradients on them, ``diff`` already divided by the batch size."""
        return [self.weight, self.bias], [features.T @ diff, diff.sum(axis=0)]

    def reset(self):
        """Back to zero weights and a fresh optimiser (used by divergence guards)."""
        self.weight[:] = 0.0
        self.bias[:] = 0.0
        self.optimizer.reset()


class HiddenLayerSynthesizer(LinearSynthesizer):
    """A synthetic-gradient module with one hidden ReLU layer, its output layer zero-initialised.

    ``g_hat = relu(x U + u) A + c``. Jaderberg et al. (2017, §3 and the supplementary
    material) give the modules of their MNIST and CIFAR networks hidden layers of 1024 units
    and initialise every module's final layer at zero, so that each layer starts from a zero synthetic gradient
    whatever the hidden layer's random weights. Unlike the linear module, this one can model a
    gradient that depends nonlinearly on the activity — the softmax part ``p W^T`` of the
    top hidden layer's true gradient, ``(p - t) W^T``.

    Parameters
    ----------
    n_features : int
        Width of the features it reads.
    n_outputs : int
        Width of the gradient it predicts.
    learning_rate : float
        Adam step size of all the module's weights.
    n_hidden : int
        Width of the hidden layer.
    rng : numpy.random.Generator
        Draws the hidden layer's weights, ``U ~ U(-1/sqrt(n_features), 1/sqrt(n_features))``.
    """

    def __init__(self, n_features, n_outputs, learning_rate, n_hidden, rng):
        super().__init__(n_hidden, n_outputs, learning_rate)
        bound = 1.0 / np.sqrt(n_features)
        self._initial_hidden = rng.uniform(-bound, bound, (n_features, n_hidden))
        self.hidden_weight = self._initial_hidden.copy()
        self.hidden_bias = np.zeros(n_hidden)

    def _hidden(self, features):
        return np.maximum(features @ self.hidden_weight + self.hidden_bias, 0.0)

    def predict(self, features):
        """The predicted gradient ``relu(features U + u) A + c``.

        Parameters
        ----------
        features : ndarray
            Activity (and label channels).

        Returns
        -------
        ndarray
        """
        return self._hidden(features) @ self.weight + self.bias

    def _gradients(self, features, diff):
        """Backpropagation through the hidden layer: both layers' weights learn."""
        hidden = self._hidden(features)
        d_hidden = (diff @ self.weight.T) * (hidden > 0)
        return ([self.weight, self.bias, self.hidden_weight, self.hidden_bias],
                [hidden.T @ diff, diff.sum(axis=0), features.T @ d_hidden, d_hidden.sum(axis=0)])

    def reset(self):
        """Back to the initial weights (output layer zero) and a fresh optimiser."""
        super().reset()
        self.hidden_weight[:] = self._initial_hidden
        self.hidden_bias[:] = 0.0


class SyntheticGradients(CreditRule):
    """Decoupled layers: each hidden layer learns from its own synthetic-gradient module.

    Parameters
    ----------
    conditioned : bool
        Let each module also read the one-hot label (Jaderberg et al. 2016, §3.1 "cDNI"),
        which a feasibility run of this reference found necessary on MNIST-1D (unconditioned
        modules collapsed to chance).
    learning_rate : float
        Adam step size of the modules.
    hidden : int, optional
        0: linear modules (:class:`LinearSynthesizer`); otherwise the width of each module's
        hidden ReLU layer (:class:`HiddenLayerSynthesizer`; Jaderberg et al. 2017, supplementary material).

    Notes
    -----
    Modules predict per-sample gradients (the batch-averaged gradient times the batch size), so
    their targets are O(1) whatever the batch size.
    """

    name = "synthetic"

    def __init__(self, conditioned=True, learning_rate=1e-3, hidden=0):
        if not np.isfinite(learning_rate) or learning_rate <= 0:
            raise SpecError(f"learning_rate must be a positive finite number, got {learning_rate!r}")
        if int(hidden) != hidden or hidden < 0:
            raise SpecError(f"hidden must be an integer >= 0, got {hidden!r}")
        self.conditioned, self.learning_rate, self.hidden = bool(conditioned), float(learning_rate), int(hidden)
        self.modules = []

    def setup(self, net, rng):
        extra = net.sizes[-1] if self.conditioned else 0
        if not self.hidden:
            self.modules = [LinearSynthesizer(n + extra, n, self.learning_rate) for n in net.sizes[1:-1]]
            return
        # a spawned generator: the caller's stream (its batch order) is left as it was
        own = rng.spawn(1)[0]
        self.modules = [HiddenLayerSynthesizer(n + extra, n, self.learning_rate, self.hidden, own)
                        for n in net.sizes[1:-1]]

    def _features(self, h, targets):
        return np.concatenate([h, targets], axis=1) if self.conditioned else h

    def hidden_signal(self, l, net, delta_above, error, cache, targets, learn=True):
        n = len(targets)
        features = self._features(cache.h[l + 1], targets)
        module = self.modules[l]
        prediction = module.predict(features)
        if learn:
            module.learn(features, n * (delta_above @ net.weights[l + 1].T))
        return prediction / n

    def __repr__(self):
        return (f"SyntheticGradients(conditioned={self.conditioned}, learning_rate={self.learning_rate}, "
                f"hidden={self.hidden})")
