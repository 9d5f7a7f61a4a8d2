"""Optimisers for the reference networks: SGD (with momentum), Adam, and the "Batch Manhattan"
transform of Liao, Leibo & Poggio (2016), which keeps only the sign of each batch gradient.

An optimiser updates a list of arrays in place from a list of gradients of the same shapes;
``None`` gradients (parameters a rule does not train) are skipped.
"""

from __future__ import annotations

import numpy as np

from ..errors import SpecError

__all__ = ["SGD", "Adam", "make_optimizer", "clip_by_global_norm"]


def _check_rate(learning_rate):
    if not np.isfinite(learning_rate) or learning_rate <= 0:
        raise SpecError(f"learning_rate must be a positive finite number, got {learning_rate!r}")
    return float(learning_rate)


class SGD:
    """Stochastic gradient descent with momentum: ``v <- momentum v + g``; ``p <- p - learning_rate v``.

    With ``manhattan=True`` each gradient is replaced by its elementwise sign first
    (Batch Manhattan, Liao et al. 2016, §3).

    Parameters
    ----------
    learning_rate : float
        Step size.
    momentum : float, optional
        Momentum coefficient.
    manhattan : bool, optional
        Use the sign of each gradient.
    """

    def __init__(self, learning_rate, momentum=0.0, manhattan=False):
        self.learning_rate = _check_rate(learning_rate)
        if not 0 <= momentum < 1:
            raise SpecError(f"momentum must lie in [0, 1), got {momentum!r}")
        self.momentum, self.manhattan = float(momentum), bool(manhattan)
        self._velocity = {}

    def step(self, params, grads):
        """Update ``params`` in place from ``grads`` (None entries are skipped).

        Parameters
        ----------
        params, grads : list of ndarray
            Parameters and their gradients.
        """
        for i, (p, g) in enumerate(zip(params, grads)):
            if g is None:
                continue
            if self.manhattan:
                g = np.sign(g)
            if self.momentum:
                v = self._velocity.get(i)
                v = g.copy() if v is None else self.momentum * v + g
                self._velocity[i] = v
                g = v
            p -= self.learning_rate * g

    def reset(self):
        """Forget the momentum."""
        self._velocity.clear()


class Adam:
    """Adam (Kingma & Ba 2015, Algorithm 1) with bias correction; optional Batch Manhattan sign transform.

    Parameters
    ----------
    learning_rate : float
        Step size ``α``.
    beta1, beta2 : float, optional
        Decay rates of the moment estimates.
    eps : float, optional
        Added to the denominator.
    manhattan : bool, optional
        Use the sign of each gradient (Liao et al. 2016, §3).
    """

    def __init__(self, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8, manhattan=False):
        self.learning_rate = _check_rate(learning_rate)
        self.beta1, self.beta2, self.eps, self.manhattan = beta1, beta2, eps, bool(manhattan)
        self._m, self._v, self._t = {}, {}, {}

    def step(self, params, grads):
        """Update ``params`` in place from ``grads`` (None entries are skipped).

        Kingma & Ba 2015, Algorithm 1.

        Parameters
        ----------
        params, grads : list of ndarray
            Parameters and their gradients.
        """
        b1, b2 = self.beta1, self.beta2
        for i, (p, g) in enumerate(zip(params, grads)):
            if g is None:
                continue
            if self.manhattan:
                g = np.sign(g)
            if i not in self._m:
                self._m[i], self._v[i], self._t[i] = np.zeros_like(g), np.zeros_like(g), 0
            m, v = self._m[i], self._v[i]
            self._t[i] += 1
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            t = self._t[i]
            step = self.learning_rate * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
            p -= step * m / (np.sqrt(v) + self.eps)

    def reset(self):
        """Forget the moment estimates."""
        self._m.clear()
        self._v.clear()
        self._t.clear()


def make_optimizer(name: str, learning_rate: float, **options):
    """An optimiser by name.

    Parameters
    ----------
    name : {"adam", "sgd"}
        The optimiser.
    learning_rate : float
        Step size.
    **options
        Passed to its constructor (momentum, manhattan, betas).

    Returns
    -------
    Adam or SGD

    Raises
    ------
    SpecError
        For an unknown name.
    """
    if name == "adam":
        return Adam(learning_rate, **options)
    if name == "sgd":
        return SGD(learning_rate, **options)
    raise SpecError(f"unknown optimizer {name!r}; choose 'adam' or 'sgd'")


def clip_by_global_norm(grads, max_norm):
    """Scale all gradients together so that their joint L2 norm is at most ``max_norm``.

    Parameters
    ----------
    grads : list of ndarray or None
        The gradients (None entries are kept).
    max_norm : float
        The largest joint norm.

    Returns
    -------
    grads : list
        Scaled gradients.
    norm : float
        The joint norm before scaling.
    """
    total = np.sqrt(sum(float(np.sum(g * g)) for g in grads if g is not None))
    if total > max_norm:
        scale = max_norm / total
        grads = [None if g is None else g * scale for g in grads]
    return grads, total
