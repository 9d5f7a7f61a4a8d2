"""NumPy oracles of the learning rules of balanced networks (Bourdoukan & Denève 2015).

One update step of each rule, written from the paper's equations on plain arrays (SI units as
floats), independent of Brian2: the cross-target tests drive a circuit with deterministic
activity and compare its weights with these functions applied to the same activity.
"""

from __future__ import annotations

import numpy as np

__all__ = ["slow_error_update", "dale_slow_error_update", "fast_balance_update",
           "dale_fast_inhibitory_update"]


def slow_error_update(ws, error_post, rate_pre, learning_rate: float, interval: float, gate: float = 1.0):
    """One update of the slow weights: ``Ωs_ik += η g (F_i·e) r_k Δt``.

    Parameters
    ----------
    ws : ndarray, shape (n_post, n_pre)
        Slow weights ``Ωs`` (Hz).
    error_post : ndarray, shape (n_post,)
        The fed-back error ``F_i·e`` seen by each postsynaptic neuron.
    rate_pre : ndarray, shape (n_pre,)
        Filtered presynaptic spike trains ``r_k`` (Hz).
    learning_rate : float
        ``η`` (Hz²).
    interval : float
        Interval ``Δt`` between updates (s).
    gate : float
        Learning gate ``g`` in {0, 1}.

    Returns
    -------
    ndarray
        The new weights.
    """
    ws = np.asarray(ws, dtype=float)
    return ws + learning_rate * gate * np.outer(error_post, rate_pre) * interval


def dale_slow_error_update(magnitudes, error_post, rate_pre, learning_rate: float, interval: float,
                           w_max: float, sign: int, gate: float = 1.0):
    """One update of sign-constrained slow weights: ``W_ik = clip(W_ik + s η g (F_i·e) r_k Δt, 0, w_max)``.

    Parameters
    ----------
    magnitudes : ndarray, shape (n_post, n_pre)
        Non-negative magnitudes ``W`` (Hz).
    error_post, rate_pre, learning_rate, interval, gate
        As in :func:`slow_error_update`.
    w_max : float
        Upper bound of the magnitudes (Hz).
    sign : {1, -1}
        +1 for an excitatory, -1 for an inhibitory presynaptic population.

    Returns
    -------
    ndarray
        The new magnitudes, in ``[0, w_max]``.
    """
    if sign not in (1, -1):
        raise ValueError(f"sign must be +1 or -1, got {sign!r}")
    step = sign * learning_rate * gate * np.outer(error_post, rate_pre) * interval
    return np.clip(np.asarray(magnitudes, dtype=float) + step, 0.0, w_max)


def fast_balance_update(omega, v_post, mu_rate_post, learning_rate: float, gain: float, w_max: float,
                        gate: float = 1.0):
    """The fast weights onto every neuron at one presynaptic spike:
    ``Ωf_ik = clip(Ωf_ik + β g (−γ (V_i + μ r_i) − Ωf_ik), −w_max, w_max)``.

    Parameters
    ----------
    omega : ndarray, shape (n_post,)
        Fast weights from the spiking neuron ``k`` onto each neuron ``i``.
    v_post : ndarray, shape (n_post,)
        Postsynaptic voltages just before the spike arrives.
    mu_rate_post : ndarray, shape (n_post,)
        ``μ r_i`` of each postsynaptic neuron.
    learning_rate, gain, w_max : float
        ``β``, ``γ`` and the bound on ``|Ωf|``.
    gate : float
        Learning gate ``g``.

    Returns
    -------
    ndarray
        The new weights (the voltage jump each neuron then receives).
    """
    omega = np.asarray(omega, dtype=float)
    target = -gain * (np.asarray(v_post, dtype=float) + np.asarray(mu_rate_post, dtype=float))
    return np.clip(omega + learning_rate * gate * (target - omega), -w_max, w_max)


def dale_fast_inhibitory_update(magnitudes, v_post, mu_rate_post, learning_rate: float, gain: float,
                                w_max: float, gate: float = 1.0):
    """The fast inhibitory magnitudes onto every neuron at one presynaptic (inhibitory) spike:
    ``W_im = clip(W_im + β g (γ (V_i + μ_i r_i) − W_im), 0, w_max)``.

    Parameters
    ----------
    magnitudes : ndarray, shape (n_post,)
        Magnitudes from the spiking neuron ``m`` onto each neuron ``i``.
    v_post, mu_rate_post : ndarray, shape (n_post,)
        Postsynaptic voltages just before the spike arrives, and ``μ_i r_i``.
    learning_rate, gain, w_max : float
        ``β``, ``γ`` and the upper bound.
    gate : float
        Learning gate ``g``.

    Returns
    -------
    ndarray
        The new magnitudes (each neuron's voltage then falls by its magnitude).
    """
    w = np.asarray(magnitudes, dtype=float)
    target = gain * (np.asarray(v_post, dtype=float) + np.asarray(mu_rate_post, dtype=float))
    return np.clip(w + learning_rate * gate * (target - w), 0.0, w_max)
