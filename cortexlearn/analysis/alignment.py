"""Angles between updates, gradients and feedback matrices (pure NumPy).

The angle between two arrays ``a`` and ``b`` treats each as one flat vector::

    angle(a, b) = arccos( <a, b> / (|a| |b|) )    in degrees, 0..180.

Lillicrap et al. (2016, Fig. 2b) track the angle between the hidden-layer update of feedback
alignment and the one backpropagation would prescribe: below 90° means the random feedback
still pushes the weights downhill. The alignment of the forward weights with the feedback
matrix (the angle between ``W`` and ``B``, as vectors) shows the mechanism: ``W`` comes to
resemble ``B`` so that ``B`` carries useful error information.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..errors import SpecError

__all__ = ["angle", "angles_per_row", "weight_feedback_angle", "mean_and_interval"]


def _pair(a, b, what):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise SpecError(f"{what}: shapes differ, {a.shape} vs {b.shape}")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise SpecError(f"{what}: inputs hold non-finite values")
    return a, b


def _flatten_shared(a: Mapping, b: Mapping):
    """The arrays under the keys both mappings hold, each flattened and concatenated in key order."""
    keys = sorted(set(a) & set(b))
    return (np.concatenate([np.ravel(a[k]) for k in keys]),
            np.concatenate([np.ravel(b[k]) for k in keys]))


def angle(a, b) -> float:
    """Angle in degrees between ``a`` and ``b`` taken as flat vectors.

    Parameters
    ----------
    a, b : array_like or mapping of str to array_like
        Two arrays of one shape, or two mappings (e.g. updates per weight matrix): the arrays
        under the keys both hold are flattened and joined in sorted key order into one vector.

    Returns
    -------
    float
        In ``[0, 180]``; NaN when either is the zero vector (the angle is undefined).

    Raises
    ------
    SpecError
        If the shapes differ or an input is not finite.

    Examples
    --------
    >>> round(angle([1.0, 0.0], [1.0, 1.0]), 6)
    45.0
    """
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        a, b = _flatten_shared(a, b)
    a, b = _pair(a, b, "angle")
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0.0 or nb == 0.0:
        return float("nan")
    ua, ub = a.ravel() / na, b.ravel() / nb
    # 2 atan2(|u - v|, |u + v|) is accurate near 0 and 180 degrees, where arccos is not.
    return float(np.degrees(2.0 * np.arctan2(np.linalg.norm(ua - ub), np.linalg.norm(ua + ub))))


def angles_per_row(a, b) -> np.ndarray:
    """Angle in degrees between corresponding rows of two 2-D arrays (e.g. per sample).

    Parameters
    ----------
    a, b : array_like, shape (n_rows, n)
        Two arrays of one shape, e.g. one update per sample from a rule and from backpropagation.

    Returns
    -------
    ndarray, shape (n_rows,)
        Angles in ``[0, 180]``; NaN for rows where either vector is zero.

    Raises
    ------
    SpecError
        If the shapes differ, the arrays are not 2-D or an input is not finite.
    """
    a, b = _pair(a, b, "angles_per_row")
    if a.ndim != 2:
        raise SpecError(f"angles_per_row needs 2-D arrays, got {a.ndim}-D")
    na, nb = np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.einsum("ij,ij->i", a, b) / (na * nb)
    out = np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
    out[(na == 0) | (nb == 0)] = np.nan
    return out


def weight_feedback_angle(weights, feedback) -> float:
    """Angle in degrees between forward weights and the feedback matrix that replaces them.

    The alignment of ``W`` with ``B`` that feedback alignment relies on (Lillicrap et al. 2016,
    Fig. 2b).

    Parameters
    ----------
    weights : array_like
        Forward weights ``W``.
    feedback : array_like
        The matrix used in the backward pass in place of ``weights``, of the same shape; for
        direct feedback, compare the products of the layers instead.

    Returns
    -------
    float
        In ``[0, 180]``; NaN if either matrix is zero.
    """
    return angle(weights, feedback)


def mean_and_interval(samples, axis: int = 0, level: float = 0.95):
    """Mean and half-width of a Student-t confidence interval over ``axis`` (NaNs ignored).

    Parameters
    ----------
    samples : array_like
        Values, one per seed along ``axis``.
    axis : int, optional
        Axis of the seeds.
    level : float, optional
        Confidence level of the interval (two-sided).

    Returns
    -------
    mean, half_width : ndarray or float
        ``mean ± half_width`` is the interval ``t_{(1+level)/2, n-1} s / sqrt(n)``; with one
        sample the half-width is NaN.
    """
    from scipy import stats

    x = np.asarray(samples, dtype=np.float64)
    n = np.sum(np.isfinite(x), axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            mean = np.nanmean(x, axis=axis)
            sem = np.nanstd(x, axis=axis, ddof=1) / np.sqrt(n)
        half = stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1)) * sem
    half = np.where(n > 1, half, np.nan)
    return mean, half
