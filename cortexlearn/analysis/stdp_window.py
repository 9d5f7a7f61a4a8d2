"""Shape of a plasticity window: weight change as a function of spike timing (pure NumPy).

Measures of the curves ``Δw(Δt)`` that pair-STDP protocols record (Bi & Poo 1998; Bengio et al.
2015, "STDP as presynaptic activity times rate of change of postsynaptic activity"): an
exponential fit of each side, where the sign changes, and whether it has the STDP sign.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["fit_exponential_window", "zero_crossing", "sign_agreement"]


def fit_exponential_window(delta_t, dw) -> dict[str, float]:
    """Fit ``A+ e^{-Δt/τ+}`` to ``Δt > 0`` and ``-A- e^{Δt/τ-}`` to ``Δt < 0`` (least squares).

    The exponential window of pair STDP (Bi & Poo 1998; Song, Miller & Abbott 2000). Each side
    starts from a log-linear fit, then ``scipy.optimize.curve_fit``.

    Parameters
    ----------
    delta_t : array_like
        Spike-timing differences ``t_post - t_pre``, any time unit (as floats).
    dw : array_like
        Weight change at each ``delta_t``.

    Returns
    -------
    dict
        ``{"a_plus", "tau_plus", "a_minus", "tau_minus"}`` (times in the units of ``delta_t``;
        ``a_minus`` as a magnitude). Each side needs at least two points of the expected sign;
        otherwise, or when the fit does not converge, that side gives NaN.
    """
    from scipy.optimize import curve_fit

    d = np.asarray(delta_t, dtype=float)
    y = np.asarray(dw, dtype=float)
    out = {}
    for side, mask, sign in (("plus", d > 0, 1.0), ("minus", d < 0, -1.0)):
        xs, ys = np.abs(d[mask]), sign * y[mask]
        good = ys > 0
        if good.sum() < 2:
            out[f"a_{side}"], out[f"tau_{side}"] = math.nan, math.nan
            continue
        slope, intercept = np.polyfit(xs[good], np.log(ys[good]), 1)
        p0 = (math.exp(intercept), -1.0 / slope if slope < 0 else float(np.ptp(xs)) or 1.0)
        try:
            (a, tau), _ = curve_fit(lambda s, a, tau: a * np.exp(-s / tau), xs, ys, p0=p0, maxfev=20000)
        except RuntimeError:
            a, tau = math.nan, math.nan
        out[f"a_{side}"], out[f"tau_{side}"] = float(a), float(tau)
    return out


def zero_crossing(delays, dw, window: float = 10.0) -> float:
    """Lag where the window changes sign closest to zero, by linear interpolation.

    Parameters
    ----------
    delays : array_like
        Lags ``Δt``, sorted in increasing order (any time unit, as floats).
    dw : array_like
        Weight change at each lag.
    window : float, optional
        Only sign changes within ``±window`` (units of ``delays``) count.

    Returns
    -------
    float
        The lag of the sign change nearest to 0; NaN when there is none within the window.

    Examples
    --------
    >>> zero_crossing([-2.0, 2.0], [-1.0, 1.0])
    0.0
    """
    d, y = np.asarray(delays, float), np.asarray(dw, float)
    best = np.nan
    for k in range(len(d) - 1):
        if y[k] == 0 and abs(d[k]) <= window:
            cand = d[k]
        elif y[k] * y[k + 1] < 0 and abs(d[k]) <= window:
            cand = d[k] - y[k] * (d[k + 1] - d[k]) / (y[k + 1] - y[k])
        else:
            continue
        if not np.isfinite(best) or abs(cand) < abs(best):
            best = cand
    return float(best)


def sign_agreement(delays, dw, exclude: float = 2.0) -> float:
    """Fraction of lags where the weight change has the sign of Hebbian STDP.

    Potentiation for ``Δt > 0`` (pre before post), depression for ``Δt < 0`` (Bi & Poo 1998).

    Parameters
    ----------
    delays : array_like
        Lags ``Δt`` (any time unit, as floats).
    dw : array_like
        Weight change at each lag.
    exclude : float, optional
        Lags with ``|Δt| <= exclude`` are left out (where the sign change may lie).

    Returns
    -------
    float
        1 for a perfectly antisymmetric window of the STDP sign.
    """
    d, y = np.asarray(delays, float), np.asarray(dw, float)
    mask = np.abs(d) > exclude
    return float(np.mean(np.sign(y[mask]) == np.sign(d[mask])))
