"""Synthetic gradients (Jaderberg et al. 2016, "Decoupled Neural Interfaces using Synthetic
Gradients", ICML 2017, arXiv:1608.05343) — the modern form of Werbos' error critic.

A module ``M`` reads a layer's activity ``h`` (and, if conditioned, the label ``t``) and predicts
the gradient the layer will eventually receive::

    g_hat = M(h, t) = h A + t C + c          (linear, zero-initialised: Jaderberg §3.3)

The layer updates at once from ``g_hat``. The module learns, by a delta rule on the squared error
``1/2 |g_hat - g|^2``, toward the gradient ``g`` backpropagated one step from above — which, above
the top hidden layer, is the true error and, lower down, is itself built from the next module's
prediction (a bootstrapped target, like a temporal-difference value).
"""

from __future__ import annotations

import numpy as np

from ..errors import SpecError
from .credit import CreditRule
from .optim import Adam

__all__ = ["LinearSynthesizer", "SyntheticGradients"]


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
        return features @ self.weight + self.bias

    def learn(self, features, target):
        """One Adam step on ``1/2 mean_batch |M(features) - target|^2``; returns that loss
        (before the step)."""
        diff = self.predict(features) - target
        n = len(features)
        grads = [features.T @ diff / n, diff.sum(axis=0) / n]
        self.optimizer.step([self.weight, self.bias], grads)
        self.last_error = float(0.5 * np.mean(np.sum(diff * diff, axis=1)))
        return self.last_error

    def reset(self):
        """Back to zero weights and a fresh optimiser (used by divergence guards)."""
        self.weight[:] = 0.0
        self.bias[:] = 0.0
        self.optimizer.reset()


class SyntheticGradients(CreditRule):
    """Decoupled layers: each hidden layer learns from its own synthetic-gradient module.

    Parameters
    ----------
    conditioned : bool
        Let each module also read the one-hot label (Jaderberg et al. 2016, §3.1 "cDNI"),
        which a pilot study found necessary on MNIST-1D.
    learning_rate : float
        Adam step size of the modules.

    Notes
    -----
    Modules predict per-sample gradients (the batch-averaged gradient times the batch size), so
    their targets are O(1) whatever the batch size.
    """

    name = "synthetic"

    def __init__(self, conditioned=True, learning_rate=1e-3):
        if not np.isfinite(learning_rate) or learning_rate <= 0:
            raise SpecError(f"learning_rate must be a positive finite number, got {learning_rate!r}")
        self.conditioned, self.learning_rate = bool(conditioned), float(learning_rate)
        self.modules = []

    def setup(self, net, rng):
        extra = net.sizes[-1] if self.conditioned else 0
        self.modules = [LinearSynthesizer(n + extra, n, self.learning_rate) for n in net.sizes[1:-1]]

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
        return f"SyntheticGradients(conditioned={self.conditioned}, learning_rate={self.learning_rate})"
