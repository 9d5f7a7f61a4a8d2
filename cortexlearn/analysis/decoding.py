"""Errors of a decoded or generated signal against its target (pure NumPy).

Two normalisations are in use in the papers reproduced here, and each has its own name:

- :func:`nmse` divides the mean squared error by the **variance** of the target, so predicting
  the target's mean scores 1 (Bellec et al. 2020, e-prop pattern generation).
- :func:`nmse_power` divides the summed squared error by the summed squared target (its
  **power**), so predicting zero scores 1; for a target of zero mean the two agree
  (Boerlin, Machens & Denève 2013; Bourdoukan & Denève 2015, readout of a tracked dynamical system).
"""

from __future__ import annotations

import numpy as np

from ..errors import SpecError

__all__ = ["nmse", "nmse_power", "window_nmse_power"]


def nmse(estimate, target) -> float:
    """Mean squared error divided by the variance of the target.

    ``NMSE = mean((ŷ - y)²) / Var(y)`` (Bellec et al. 2020, Nat. Commun. 11:3625, pattern
    generation task).

    Parameters
    ----------
    estimate : array_like
        The network's output ``ŷ``.
    target : array_like
        The target ``y``; reshaped to the shape of ``estimate``.

    Returns
    -------
    float
        0 for a perfect output, 1 for a constant output at the target's mean.

    Examples
    --------
    >>> nmse([0.0, 0.0], [1.0, -1.0])
    1.0
    """
    y = np.asarray(estimate, dtype=float)
    target = np.asarray(target, dtype=float).reshape(y.shape)
    return float(np.mean((y - target) ** 2) / np.var(target))


def nmse_power(estimate, target, axis=None):
    """Summed squared error divided by the target's power.

    ``Σ |x̂ - x|² / Σ |x|²`` (Boerlin, Machens & Denève 2013, PLoS Comput. Biol. 9:e1003258;
    Bourdoukan & Denève 2015): normalised by the target's power, not its variance.

    Parameters
    ----------
    estimate : array_like
        Decoded signal ``x̂``.
    target : array_like
        Target ``x``, of the same shape.
    axis : int or tuple of int, optional
        Axes summed over; all by default.

    Returns
    -------
    float or ndarray
        A scalar without ``axis``, else one value per remaining index.

    Raises
    ------
    SpecError
        On shape mismatch or a target of zero power.
    """
    est = np.asarray(estimate, dtype=float)
    tgt = np.asarray(target, dtype=float)
    if est.shape != tgt.shape:
        raise SpecError(f"estimate {est.shape} and target {tgt.shape} differ in shape")
    power = np.sum(tgt ** 2, axis=axis)
    if np.any(power == 0):
        raise SpecError("the target has zero power; NMSE is undefined")
    return np.sum((est - tgt) ** 2, axis=axis) / power


def window_nmse_power(estimate, target, window) -> dict[int, float]:
    """:func:`nmse_power` in each labelled window of samples.

    Parameters
    ----------
    estimate, target : array_like, shape (n_samples, ...)
        Decoded signal and target.
    window : array_like of int, shape (n_samples,)
        Window label of every sample; ``-1`` marks samples in no window.

    Returns
    -------
    dict
        Window label -> NMSE of its samples.

    Raises
    ------
    SpecError
        When the three arrays do not have the same number of samples.
    """
    est = np.asarray(estimate, dtype=float)
    tgt = np.asarray(target, dtype=float)
    win = np.asarray(window)
    if est.shape[0] != win.shape[0] or tgt.shape != est.shape:
        raise SpecError("estimate, target and window must have the same number of samples")
    return {int(w): float(nmse_power(est[win == w], tgt[win == w])) for w in np.unique(win) if w >= 0}
