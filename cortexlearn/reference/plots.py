"""Plots for the reference models: arrays in, axes out (no computation beyond a mean and a
confidence band)."""

from __future__ import annotations

import numpy as np

from ..analysis.alignment import mean_and_interval

__all__ = ["plot_band", "plot_final_points", "plot_variant_curves", "color"]


def color(i: int) -> str:
    """The ``i``-th colour of the publication palette (resolved now, not at drawing time)."""
    from ..plotting.style import PALETTE

    cycle = list(PALETTE[1:]) + [PALETTE[0]]
    return cycle[i % len(cycle)]


def plot_band(x, samples, ax=None, label=None, color=None, scale=1.0, log=False, **kwargs):
    """Mean over the first axis of ``samples`` (seeds x points) with its 95 % confidence band.

    With ``log=True`` the mean and band are taken over ``log10(samples)`` (a geometric mean), for
    positive values drawn on a logarithmic axis.
    """
    import matplotlib.pyplot as plt

    ax = ax or plt.gca()
    values = np.asarray(samples, dtype=np.float64) * scale
    if log:
        values = np.log10(np.maximum(values, np.finfo(float).tiny))
    mean, half = mean_and_interval(values, axis=0)
    low, high = mean - half, mean + half
    if log:
        mean, low, high = 10.0 ** mean, 10.0 ** low, 10.0 ** high
    line, = ax.plot(x, mean, label=label, color=color, **kwargs)
    if np.any(np.isfinite(half)):
        ax.fill_between(x, low, high, color=line.get_color(), alpha=0.25, lw=0)
    return ax


def plot_final_points(labels, samples, ax=None, scale=1.0, ylabel=None):
    """One column per label: every seed as a dot, the mean as a bar with its 95 % interval."""
    import matplotlib.pyplot as plt

    ax = ax or plt.gca()
    for i, values in enumerate(samples):
        values = np.asarray(values, dtype=np.float64) * scale
        mean, half = mean_and_interval(values)
        ax.bar(i, mean, color=color(i), alpha=0.5, width=0.7)
        if np.isfinite(half):
            ax.errorbar(i, mean, yerr=half, color="k", lw=0.8, capsize=2)
        ax.plot(np.full(len(values), i) + np.linspace(-0.15, 0.15, len(values)), values, "k.", ms=2)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=30, ha="right")
    if ylabel:
        ax.set_ylabel(ylabel)
    return ax


def plot_variant_curves(curves, ax=None, scale=1.0, ylabel=None, variants=None, logy=False):
    """Learning curves of an ``xarray.DataArray`` with dims ``(variant, seed, epoch)``: one mean
    line and 95 % band per variant."""
    import matplotlib.pyplot as plt

    ax = ax or plt.gca()
    names = list(curves.coords["variant"].values) if variants is None else variants
    epochs = np.asarray(curves.coords["epoch"].values)
    for i, name in enumerate(names):
        plot_band(epochs, curves.sel(variant=name).values, ax=ax, label=str(name), color=color(i),
                  scale=scale, log=logy)
    ax.set_xlabel("epoch")
    if ylabel:
        ax.set_ylabel(ylabel)
    if logy:
        ax.set_yscale("log")
    return ax
