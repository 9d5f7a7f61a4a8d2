"""Spike-train statistics as pure functions of arrays (no Brian2 objects).

Spike data are given as two 1-D arrays, ``indices`` (neuron) and ``times`` (seconds, floats),
as recorded by a SpikeMonitor and stored in results.
"""

from __future__ import annotations

import numpy as np

__all__ = ["firing_rates", "cv_isi", "population_rate", "synchrony_chi", "binned_counts",
           "lif_rate"]


def _as_seconds(times) -> np.ndarray:
    return np.asarray(times, dtype=float)


def firing_rates(indices, times, n: int, t_start: float, t_stop: float) -> np.ndarray:
    """Rate of each of ``n`` neurons over ``[t_start, t_stop)``.

    Parameters
    ----------
    indices : array of int
        Neuron of each spike.
    times : array of float
        Time of each spike (seconds).
    n : int
        Number of neurons.
    t_start, t_stop : float
        The window (seconds).

    Returns
    -------
    ndarray, shape (n,)
        Rates in Hz.

    Raises
    ------
    ValueError
        If ``t_stop <= t_start``.
    """
    if not t_stop > t_start:
        raise ValueError(f"t_stop ({t_stop}) must exceed t_start ({t_start})")
    idx = np.asarray(indices)
    t = _as_seconds(times)
    keep = (t >= t_start) & (t < t_stop)
    return np.bincount(idx[keep], minlength=n)[:n] / (t_stop - t_start)


def cv_isi(indices, times, n: int, t_start: float = -np.inf, t_stop: float = np.inf,
           min_spikes: int = 3) -> np.ndarray:
    """Coefficient of variation of the inter-spike intervals of each neuron.

    ``CV = std(ISI) / mean(ISI)`` over the spikes in ``[t_start, t_stop)``: 0 for a clock, 1 for
    a Poisson process (Softky & Koch 1993; Brunel 2000, Appendix A.1). The standard deviation is
    the population one (``ddof=0``).

    Parameters
    ----------
    indices : array of int
        Neuron of each spike; spikes of neurons outside ``0 .. n-1`` are ignored.
    times : array of float
        Time of each spike (seconds).
    n : int
        Number of neurons.
    t_start, t_stop : float, optional
        Window of spikes taken into account (seconds); all spikes by default.
    min_spikes : int, optional
        Neurons with fewer spikes in the window get NaN.

    Returns
    -------
    ndarray, shape (n,)
        CV per neuron; NaN for too few spikes (average with ``np.nanmean``).

    Examples
    --------
    >>> cv_isi([0, 0, 0, 0], [0.0, 0.25, 0.5, 0.75], 1)
    array([0.])
    """
    t = _as_seconds(times)
    idx = np.asarray(indices)
    keep = (t >= t_start) & (t < t_stop)
    t, idx = t[keep], idx[keep]
    cv = np.full(n, np.nan)
    order = np.lexsort((t, idx))
    t, idx = t[order], idx[order]
    bounds = np.searchsorted(idx, np.arange(n + 1))
    for k in range(n):
        spikes = t[bounds[k]:bounds[k + 1]]
        if spikes.size >= min_spikes:
            isi = np.diff(spikes)
            mean = isi.mean()
            if mean > 0:
                cv[k] = isi.std() / mean
    return cv


def binned_counts(indices, times, n: int, t_start: float, t_stop: float, bin_size: float) -> np.ndarray:
    """Spike counts of each neuron in bins of ``bin_size`` seconds.

    Parameters
    ----------
    indices, times : array
        Neuron and time (seconds) of each spike.
    n : int
        Number of neurons.
    t_start, t_stop : float
        The interval binned (seconds).
    bin_size : float
        Bin width (seconds).

    Returns
    -------
    ndarray, shape (n, n_bins)
        ``n_bins = round((t_stop - t_start) / bin_size)``.

    Raises
    ------
    ValueError
        If the interval is shorter than one bin.
    """
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
    """Population rate (Hz per neuron) in bins.

    Parameters
    ----------
    indices, times : array
        Neuron and time (seconds) of each spike.
    n : int
        Number of neurons.
    t_start, t_stop : float
        The interval (seconds).
    bin_size : float, optional
        Bin width (seconds).

    Returns
    -------
    bin_centres, rate : ndarray
        Centre of each bin (seconds) and the rate in it.
    """
    counts = binned_counts(indices, times, n, t_start, t_stop, bin_size).sum(axis=0)
    centres = t_start + (np.arange(counts.size) + 0.5) * bin_size
    return centres, counts / (n * bin_size)


def synchrony_chi(indices, times, n: int, t_start: float, t_stop: float, bin_size: float = 2e-3) -> float:
    """Golomb's synchrony measure χ computed from binned spike counts (Golomb 2007, Scholarpedia).

    ``χ² = Var_t(mean_i c_i(t)) / mean_i Var_t(c_i(t))``. For ``n`` independent neurons χ is
    about ``1/sqrt(n)``; for identical spike trains χ = 1. Silent neurons are excluded.

    Parameters
    ----------
    indices, times : array
        Neuron and time (seconds) of each spike.
    n : int
        Number of neurons.
    t_start, t_stop : float
        The interval (seconds).
    bin_size : float, optional
        Bin width of the counts ``c_i(t)`` (seconds).

    Returns
    -------
    float
        χ; NaN with fewer than two active neurons or no variance.
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

    ``tau_m dv/dt = v_rest - v + R I`` with ``R I = drive_voltage``, reset to ``v_reset`` after a
    spike at ``v_threshold`` and refractory ``tau_ref``:
    ``rate = 1 / (tau_ref + tau_m ln((v_rest + RI - v_reset) / (v_rest + RI - v_threshold)))``
    when ``v_rest + RI > v_threshold``, else 0 (Gerstner et al. 2014, Neuronal Dynamics, §1.3).

    Parameters
    ----------
    drive_voltage : array_like
        ``R I`` (volts, as floats).
    tau_m : float
        Membrane time constant (seconds).
    v_threshold, v_reset : float
        Threshold and reset (volts).
    tau_ref : float
        Refractory period (seconds).
    v_rest : float, optional
        Resting potential (volts).

    Returns
    -------
    ndarray
        Rates in Hz, of the shape of ``drive_voltage``.
    """
    u = np.asarray(drive_voltage, dtype=float) + v_rest
    rate = np.zeros_like(u)
    supra = u > v_threshold
    period = tau_ref + tau_m * np.log((u[supra] - v_reset) / (u[supra] - v_threshold))
    rate[supra] = 1.0 / period
    return rate
