"""Measures of what a trained network has learned (pure NumPy)."""

from __future__ import annotations

import numpy as np

__all__ = ["accuracy", "correlation"]


def accuracy(output, labels) -> float:
    """Fraction of samples whose largest output is the label (top-1 classification accuracy).

    Parameters
    ----------
    output : array_like, shape (n_samples, n_classes)
        Network outputs (scores, rates or spike counts).
    labels : array_like of int, shape (n_samples,)
        True class of each sample.

    Returns
    -------
    float
        Between 0 and 1; ties go to the lowest class index (``np.argmax``).

    Examples
    --------
    >>> accuracy([[0.1, 0.9], [0.8, 0.2]], [1, 1])
    0.5
    """
    return float(np.mean(np.argmax(output, axis=1) == labels))


def correlation(a, b) -> float:
    """Pearson correlation coefficient of two arrays taken as flat samples.

    Parameters
    ----------
    a, b : array_like
        Paired samples with the same number of elements (e.g. a critic's predicted errors and the
        true ones).

    Returns
    -------
    float
        In ``[-1, 1]``; NaN when either sample is constant or has fewer than two values.

    Examples
    --------
    >>> correlation([1.0, 2.0, 3.0], [2.0, 4.0, 6.0])
    1.0
    """
    a, b = np.ravel(a), np.ravel(b)
    if a.size < 2 or np.std(a) == 0 or np.std(b) == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])
