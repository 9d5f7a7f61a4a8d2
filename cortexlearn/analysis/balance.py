"""Balance and decoding measures of spiking networks (pure NumPy).

- E/I input correlation per neuron: Pearson correlation over time between the excitatory and the
  inhibitory input a neuron receives (Bourdoukan & Denève 2015; Boerlin et al. 2013 call the tight
  tracking of excitation by inhibition "balance").
- Normalised mean squared error of a decoded signal.
- CV of inter-spike intervals (local implementation; ``cortexlearn.analysis.spikes`` may hold the
  project-wide one).
"""

from __future__ import annotations

import numpy as np

from ..errors import SpecError

__all__ = ["nmse", "window_nmse", "ei_correlation", "ei_correlation_from_sums", "cv_isi",
           "mean_rate", "matrix_correlation"]


def nmse(estimate, target, axis=None) -> float:
    """``Σ |x̂ - x|² / Σ |x|²`` (normalised by the target's power, not its variance).

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


def window_nmse(estimate, target, window) -> dict[int, float]:
    """NMSE in each window: ``window`` labels every sample (``-1`` = not in a window)."""
    est = np.asarray(estimate, dtype=float)
    tgt = np.asarray(target, dtype=float)
    win = np.asarray(window)
    if est.shape[0] != win.shape[0] or tgt.shape != est.shape:
        raise SpecError("estimate, target and window must have the same number of samples")
    return {int(w): float(nmse(est[win == w], tgt[win == w])) for w in np.unique(win) if w >= 0}


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
    """Pearson correlation from accumulated sums ``Σe, Σi, Σe², Σi², Σei, n`` (any shape)."""
    s_e, s_i, s_ee, s_ii, s_ei, count = (np.asarray(a, dtype=float) for a in
                                         (s_e, s_i, s_ee, s_ii, s_ei, count))
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = s_ei / count - (s_e / count) * (s_i / count)
        var_e = s_ee / count - (s_e / count) ** 2
        var_i = s_ii / count - (s_i / count) ** 2
        denom = np.sqrt(np.clip(var_e, 0, None) * np.clip(var_i, 0, None))
        return np.where((denom > 0) & (count > 1), cov / denom, np.nan)


def cv_isi(spike_times, spike_indices, n_neurons: int, t_start: float = -np.inf,
           t_stop: float = np.inf, min_spikes: int = 3) -> np.ndarray:
    """Coefficient of variation of inter-spike intervals per neuron (NaN with < ``min_spikes``)."""
    t = np.asarray(spike_times, dtype=float)
    idx = np.asarray(spike_indices)
    keep = (t >= t_start) & (t < t_stop)
    t, idx = t[keep], idx[keep]
    out = np.full(n_neurons, np.nan)
    order = np.lexsort((t, idx))
    t, idx = t[order], idx[order]
    bounds = np.searchsorted(idx, np.arange(n_neurons + 1))
    for k in range(n_neurons):
        times = t[bounds[k]:bounds[k + 1]]
        if times.size >= min_spikes:
            isi = np.diff(times)
            if isi.mean() > 0:
                out[k] = isi.std() / isi.mean()
    return out


def mean_rate(spike_times, n_neurons: int, t_start: float, t_stop: float) -> float:
    """Population mean firing rate (Hz) between ``t_start`` and ``t_stop`` (seconds)."""
    if not t_stop > t_start:
        raise SpecError("t_stop must be after t_start")
    t = np.asarray(spike_times, dtype=float)
    count = np.count_nonzero((t >= t_start) & (t < t_stop))
    return count / (n_neurons * (t_stop - t_start))


def matrix_correlation(a, b, exclude_diagonal: bool = False) -> float:
    """Pearson correlation between the entries of two matrices of one shape."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise SpecError(f"matrices differ in shape: {a.shape} vs {b.shape}")
    mask = np.ones(a.shape, dtype=bool)
    if exclude_diagonal and a.ndim == 2:
        np.fill_diagonal(mask, False)
    return float(np.corrcoef(a[mask], b[mask])[0, 1])
