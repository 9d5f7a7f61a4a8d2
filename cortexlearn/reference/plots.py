"""Plots for the reference models: arrays in, axes out (no computation beyond a mean and a
confidence band)."""

from __future__ import annotations

import numpy as np

from ..analysis.alignment import mean_and_interval

__all__ = ["plot_band", "plot_final_points", "plot_variant_curves", "color"]


def color(i: int) -> str:
    """The ``i``-th colour of the publication palette (resolved now, not at drawing time).

    Parameters
    ----------
    i : int
        Index; the palette repeats.

    Returns
    -------
    str
    """
    from ..plotting.style import PALETTE

    cycle = list(PALETTE[1:]) + [PALETTE[0]]
    return cycle[i % len(cycle)]


def _spread(values, axis, interval):
    """Mean and (low, high) over ``axis``: a 95 % t-interval, or the range of the samples."""
    mean, half = mean_and_interval(values, axis=axis)
    if interval == "range":
        return mean, np.nanmin(values, axis=axis), np.nanmax(values, axis=axis)
    return mean, mean - half, mean + half


def plot_band(x, samples, ax=None, label=None, color=None, scale=1.0, log=False, interval="ci95",
              **kwargs):
    """Mean over the first axis of ``samples`` with a band.

    The band is the 95 % confidence interval (``interval="ci95"``) or, for few seeds, the range of
    the seeds (``"range"``).

    Parameters
    ----------
    x : array_like
        Horizontal positions.
    samples : array_like, shape (n_seeds, n_points)
        Values per seed.
    ax : matplotlib.axes.Axes, optional
        Default: the current axes.
    label, color : optional
        Of the line.
    scale : float, optional
        Multiplies the values (e.g. 100 for percent).
    log : bool, optional
        Take the mean and band over ``log10(samples)`` (a geometric mean), for positive values
        drawn on a logarithmic axis.
    interval : {"ci95", "range"}, optional
        The band.
    **kwargs
        Passed to ``ax.plot``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    ax = ax or plt.gca()
    values = np.asarray(samples, dtype=np.float64) * scale
    if log:
        values = np.log10(np.maximum(values, np.finfo(float).tiny))
    mean, low, high = _spread(values, 0, interval)
    if log:
        mean, low, high = 10.0 ** mean, 10.0 ** low, 10.0 ** high
    line, = ax.plot(x, mean, label=label, color=color, **kwargs)
    if np.any(np.isfinite(low) & (high > low)):
        ax.fill_between(x, low, high, color=line.get_color(), alpha=0.25, lw=0)
    return ax


def plot_final_points(labels, samples, ax=None, scale=1.0, ylabel=None, interval="ci95"):
    """One column per label: every seed as a dot, the mean as a bar with its interval.

    Parameters
    ----------
    labels : sequence of str
        Column labels.
    samples : array_like, shape (n_labels, n_seeds)
        Values per label and seed.
    ax : matplotlib.axes.Axes, optional
        Default: the current axes.
    scale : float, optional
        Multiplies the values.
    ylabel : str, optional
        Label of the vertical axis.
    interval : {"ci95", "range"}, optional
        The 95 % interval or the range of the seeds.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    ax = ax or plt.gca()
    for i, values in enumerate(samples):
        values = np.asarray(values, dtype=np.float64) * scale
        mean, low, high = _spread(values, 0, interval)
        ax.bar(i, mean, color=color(i), alpha=0.5, width=0.7)
        if np.isfinite(low) and high > low:
            ax.errorbar(i, mean, yerr=[[mean - low], [high - mean]], color="k", lw=0.8, capsize=2)
        ax.plot(np.full(len(values), i) + np.linspace(-0.15, 0.15, len(values)), values, "k.", ms=2)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=45, ha="right", rotation_mode="anchor", fontsize=5.5)
    if ylabel:
        ax.set_ylabel(ylabel)
    return ax


def plot_variant_curves(curves, ax=None, scale=1.0, ylabel=None, variants=None, logy=False):
    """Learning curves: one mean line and 95 % band per variant.

    Parameters
    ----------
    curves : xarray.DataArray
        Dims ``(variant, seed, epoch)``.
    ax : matplotlib.axes.Axes, optional
        Default: the current axes.
    scale : float, optional
        Multiplies the values.
    ylabel : str, optional
        Label of the vertical axis.
    variants : sequence of str, optional
        The variants drawn, in order (default: all).
    logy : bool, optional
        Logarithmic vertical axis.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    ax = ax or plt.gca()
    everything = [str(v) for v in curves.coords["variant"].values]
    names = everything if variants is None else [str(v) for v in variants]
    epochs = np.asarray(curves.coords["epoch"].values)
    for name in names:   # a variant keeps its colour whichever subset is drawn
        plot_band(epochs, curves.sel(variant=name).values, ax=ax, label=name,
                  color=color(everything.index(name)),
                  scale=scale, log=logy)
    ax.set_xlabel("epoch")
    if ylabel:
        ax.set_ylabel(ylabel)
    if logy:
        ax.set_yscale("log")
    return ax
