"""Statistics of learned weight distributions (pure NumPy).

Additive STDP drives weights to the bounds of their range and leaves a bimodal distribution;
multiplicative STDP leaves a unimodal one (Song, Miller & Abbott 2000, Fig. 2; van Rossum, Bi &
Turrigiano 2000).
"""

from __future__ import annotations

import numpy as np

__all__ = ["fraction_near_bounds", "bimodality_coefficient"]


def fraction_near_bounds(weights, w_max: float, margin: float = 0.1) -> np.ndarray:
    """Fraction of weights within ``margin`` of either bound of ``[0, w_max]``.

    Parameters
    ----------
    weights : array_like
        Weights; the fraction is taken along the last axis.
    w_max : float
        Upper bound of the weights (same units as ``weights``).
    margin : float, optional
        Width of each band as a fraction of ``w_max``; 0.1 (10 %) by default (chosen: narrow
        enough that only the peaks at the bounds of a bimodal distribution fall in it).

    Returns
    -------
    ndarray or float
        One fraction per index of the leading axes.

    Examples
    --------
    >>> float(fraction_near_bounds([0.0, 0.5, 1.0, 0.95], 1.0))
    0.75
    """
    w = np.asarray(weights, float) / w_max
    return np.mean((w < margin) | (w > 1.0 - margin), axis=-1)


def bimodality_coefficient(x) -> float:
    """Sarle's bimodality coefficient of a sample.

    ``BC = (g² + 1) / (k + 3 (n-1)² / ((n-2)(n-3)))`` with ``g`` the sample skewness and ``k`` the
    sample excess kurtosis (both bias-corrected); a value above 5/9 ≈ 0.555 hints at bimodality
    (SAS/STAT User's Guide, PROC CLUSTER; Pfister et al. 2013, Front. Psychol. 4:700).

    Parameters
    ----------
    x : array_like, 1-D
        The sample (e.g. the final weights divided by their upper bound).

    Returns
    -------
    float
        NaN for fewer than four values or a constant sample.
    """
    from scipy.stats import kurtosis, skew

    x = np.asarray(x, float)
    n = len(x)
    if n < 4 or np.std(x) == 0:
        return float("nan")
    g = skew(x, bias=False)
    k = kurtosis(x, bias=False)
    return float((g ** 2 + 1) / (k + 3 * (n - 1) ** 2 / ((n - 2) * (n - 3))))
