"""Spike-train statistics as pure functions of arrays (no Brian2 objects).

Spike data are given as two 1-D arrays, ``indices`` (neuron) and ``times`` (seconds, floats),
as recorded by a SpikeMonitor and stored in results.
"""

from __future__ import annotations

import numpy as np

__all__ = ["firing_rates", "isi_cv", "population_rate", "synchrony_chi", "binned_counts",
           "lif_rate"]


def _as_seconds(times) -> np.ndarray:
    return np.asarray(times, dtype=float)


def firing_rates(indices, times, n: int, t_start: float, t_stop: float) -> np.ndarray:
    """Rate of each of ``n`` neurons (Hz) over ``[t_start, t_stop)`` (seconds)."""
    if not t_stop > t_start:
        raise ValueError(f"t_stop ({t_stop}) must exceed t_start ({t_start})")
    idx = np.asarray(indices)
    t = _as_seconds(times)
    keep = (t >= t_start) & (t < t_stop)
    return np.bincount(idx[keep], minlength=n)[:n] / (t_stop - t_start)


def isi_cv(indices, times, n: int, t_start: float = 0.0, min_spikes: int = 3) -> np.ndarray:
    """Coefficient of variation of the inter-spike intervals of each neuron.

    ``CV = std(ISI) / mean(ISI)``: 0 for a clock, 1 for a Poisson process. Neurons with fewer
    than ``min_spikes`` spikes after ``t_start`` get NaN (use ``np.nanmean`` to average).
    """
    idx = np.asarray(indices)
    t = _as_seconds(times)
    keep = t >= t_start
    idx, t = idx[keep], t[keep]
    order = np.lexsort((t, idx))
    idx, t = idx[order], t[order]
    cv = np.full(n, np.nan)
    if idx.size == 0:
        return cv
    bounds = np.flatnonzero(np.diff(idx)) + 1
    starts = np.concatenate(([0], bounds))
    stops = np.concatenate((bounds, [idx.size]))
    for a, b in zip(starts, stops):
        if b - a >= min_spikes:
            isi = np.diff(t[a:b])
            m = isi.mean()
            if m > 0:
                cv[idx[a]] = isi.std() / m
    return cv


def binned_counts(indices, times, n: int, t_start: float, t_stop: float, bin_size: float) -> np.ndarray:
    """Spike counts, shape ``(n, n_bins)``, in bins of ``bin_size`` seconds."""
    n_bins = int(round((t_stop - t_start) / bin_size))
    if n_bins < 1:
        raise ValueError("the interval is shorter than one bin")
    idx = np.asarray(indices)
    t = _as_seconds(times)
    b = np.floor((t - t_start) / bin_size).astype(np.int64)
    keep = (b >= 0) & (b < n_bins)
    counts = np.zeros((n, n_bins))
    np.add.at(counts, (idx[keep], b[keep]), 1)
    return counts


def population_rate(indices, times, n: int, t_start: float, t_stop: float, bin_size: float = 1e-3):
    """Population rate (Hz per neuron) in bins; returns ``(bin_centres, rate)``."""
    counts = binned_counts(indices, times, n, t_start, t_stop, bin_size).sum(axis=0)
    centres = t_start + (np.arange(counts.size) + 0.5) * bin_size
    return centres, counts / (n * bin_size)


def synchrony_chi(indices, times, n: int, t_start: float, t_stop: float, bin_size: float = 2e-3) -> float:
    """Golomb's synchrony measure χ computed from binned spike counts (Golomb 2007, Scholarpedia).

    ``χ² = Var_t(mean_i c_i(t)) / mean_i Var_t(c_i(t))``. For ``n`` independent neurons χ is
    about ``1/sqrt(n)``; for identical spike trains χ = 1. Silent neurons are excluded.
    """
    counts = binned_counts(indices, times, n, t_start, t_stop, bin_size)
    active = counts.sum(axis=1) > 0
    if active.sum() < 2:
        return float("nan")
    counts = counts[active]
    var_mean = counts.mean(axis=0).var()
    mean_var = counts.var(axis=1).mean()
    return float(np.sqrt(var_mean / mean_var)) if mean_var > 0 else float("nan")


def lif_rate(drive_voltage, tau_m: float, v_threshold: float, v_reset: float, tau_ref: float,
             v_rest: float = 0.0):
    """Closed-form firing rate (Hz) of a LIF neuron with constant drive.

    ``tau_m dv/dt = v_rest - v + R I`` with ``R I = drive_voltage`` (volts, floats), reset to
    ``v_reset`` after a spike at ``v_threshold`` and refractory ``tau_ref``:
    ``rate = 1 / (tau_ref + tau_m ln((v_rest + RI - v_reset) / (v_rest + RI - v_threshold)))``
    when ``v_rest + RI > v_threshold``, else 0 (Gerstner et al. 2014, Neuronal Dynamics, §1.3).
    """
    u = np.asarray(drive_voltage, dtype=float) + v_rest
    rate = np.zeros_like(u)
    supra = u > v_threshold
    period = tau_ref + tau_m * np.log((u[supra] - v_reset) / (u[supra] - v_threshold))
    rate[supra] = 1.0 / period
    return rate
