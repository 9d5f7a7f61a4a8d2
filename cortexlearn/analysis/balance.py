"""Balance measures of spiking networks (pure NumPy).

- E/I input correlation per neuron: Pearson correlation over time between the excitatory and the
  inhibitory input a neuron receives (Bourdoukan & Denève 2015; Boerlin et al. 2013 call the tight
  tracking of excitation by inhibition "balance").
- Population mean rate and the correlation of two matrices (learned vs. predicted weights).

Errors of a decoded signal are in :mod:`cortexlearn.analysis.decoding`; the CV of inter-spike
intervals is :func:`cortexlearn.analysis.spikes.cv_isi`.
"""

from __future__ import annotations

import numpy as np

from ..errors import SpecError

__all__ = ["ei_correlation", "ei_correlation_from_sums", "mean_rate", "matrix_correlation"]


def ei_correlation(excitation, inhibition) -> np.ndarray:
    """Pearson correlation over time of excitation and inhibition, per neuron.

    Parameters
    ----------
    excitation, inhibition : array (T, N)
        Input magnitudes (both non-negative) sampled over time.

    Returns
    -------
    array (N,)
        NaN where either input is constant.
    """
    e = np.asarray(excitation, dtype=float)
    i = np.asarray(inhibition, dtype=float)
    if e.shape != i.shape or e.ndim != 2:
        raise SpecError(f"excitation and inhibition must be (T, N) arrays of one shape, got {e.shape}, {i.shape}")
    de = e - e.mean(axis=0)
    di = i - i.mean(axis=0)
    denom = np.sqrt(np.sum(de ** 2, axis=0) * np.sum(di ** 2, axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, np.sum(de * di, axis=0) / denom, np.nan)


def ei_correlation_from_sums(s_e, s_i, s_ee, s_ii, s_ei, count) -> np.ndarray:
    """Pearson correlation from accumulated sums (any shape).

    ``r = (Σei/n - Σe/n Σi/n) / sqrt((Σe²/n - (Σe/n)²) (Σi²/n - (Σi/n)²))``, for sums a
    simulation accumulates over time instead of storing the inputs.

    Parameters
    ----------
    s_e, s_i : array_like
        ``Σe`` and ``Σi``.
    s_ee, s_ii, s_ei : array_like
        ``Σe²``, ``Σi²`` and ``Σei``.
    count : array_like
        Number of samples ``n`` in the sums.

    Returns
    -------
    ndarray
        The correlation, NaN where a variance is zero or ``n < 2``.
    """
    s_e, s_i, s_ee, s_ii, s_ei, count = (np.asarray(a, dtype=float) for a in
                                         (s_e, s_i, s_ee, s_ii, s_ei, count))
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = s_ei / count - (s_e / count) * (s_i / count)
        var_e = s_ee / count - (s_e / count) ** 2
        var_i = s_ii / count - (s_i / count) ** 2
        denom = np.sqrt(np.clip(var_e, 0, None) * np.clip(var_i, 0, None))
        return np.where((denom > 0) & (count > 1), cov / denom, np.nan)


def mean_rate(spike_times, n_neurons: int, t_start: float, t_stop: float) -> float:
    """Population mean firing rate (Hz) between ``t_start`` and ``t_stop``.

    Parameters
    ----------
    spike_times : array_like of float
        Times of all spikes of the population (seconds).
    n_neurons : int
        Size of the population.
    t_start, t_stop : float
        The window ``[t_start, t_stop)`` (seconds).

    Returns
    -------
    float
        Spikes in the window divided by ``n_neurons * (t_stop - t_start)``.

    Raises
    ------
    SpecError
        If ``t_stop <= t_start``.
    """
    if not t_stop > t_start:
        raise SpecError("t_stop must be after t_start")
    t = np.asarray(spike_times, dtype=float)
    count = np.count_nonzero((t >= t_start) & (t < t_stop))
    return count / (n_neurons * (t_stop - t_start))


def matrix_correlation(a, b, exclude_diagonal: bool = False) -> float:
    """Pearson correlation between the entries of two matrices of one shape.

    Parameters
    ----------
    a, b : array_like
        Matrices of one shape (e.g. learned slow weights and their closed form, Bourdoukan &
        Denève 2015).
    exclude_diagonal : bool, optional
        Leave out the diagonal of 2-D matrices (self-connections).

    Returns
    -------
    float

    Raises
    ------
    SpecError
        If the shapes differ.
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise SpecError(f"matrices differ in shape: {a.shape} vs {b.shape}")
    mask = np.ones(a.shape, dtype=bool)
    if exclude_diagonal and a.ndim == 2:
        np.fill_diagonal(mask, False)
    return float(np.corrcoef(a[mask], b[mask])[0, 1])
