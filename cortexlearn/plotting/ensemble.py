"""Seed ensembles drawn as a mean with a confidence band.

Functions take arrays and ``ax=None`` and return the axes; the statistics are computed by
:func:`ensemble_summary` (a pure function) so figures and tests agree on the numbers.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ensemble_summary", "plot_ensemble", "plot_ensemble_points", "plot_sweep"]


def ensemble_summary(values, axis: int = 0, confidence: float = 0.95, method: str = "t"):
    """Mean and confidence band of ``values`` across seeds (along ``axis``), ignoring NaN.

    Parameters
    ----------
    values : array_like
        One row per seed (``axis=0``), e.g. learning curves of shape ``(n_seeds, n_steps)``.
    confidence : float
        Coverage of the band, in (0, 1).
    method : str
        ``"t"``: mean ± t-quantile × standard error (Student's t with ``n - 1`` degrees of
        freedom); ``"sd"``: mean ± one standard deviation; ``"percentile"``: the central
        ``confidence`` range of the seeds themselves.

    Returns
    -------
    mean, low, high : ndarray
        Each of the shape of ``values`` without ``axis``. With one seed, the band collapses
        onto the mean.

    Raises
    ------
    ValueError
        For ``confidence`` outside (0, 1) or an unknown ``method``.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence!r}")
    arr = np.asarray(values, dtype=float)
    arr = np.moveaxis(arr, axis, 0)
    n = np.sum(np.isfinite(arr), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nanmean(arr, axis=0) if arr.size else np.full(arr.shape[1:], np.nan)
        if method == "percentile":
            tail = 50 * (1 - confidence)
            low = np.nanpercentile(arr, tail, axis=0)
            high = np.nanpercentile(arr, 100 - tail, axis=0)
        elif method in ("t", "sd"):
            sd = np.where(n > 1, np.nanstd(arr, axis=0, ddof=1), 0.0) if arr.shape[0] > 1 else np.zeros_like(mean)
            if method == "sd":
                half = sd
            else:
                from scipy import stats

                dof = np.maximum(n - 1, 1)
                half = np.where(n > 1, stats.t.ppf(0.5 + confidence / 2, dof) * sd / np.sqrt(np.maximum(n, 1)), 0.0)
            low, high = mean - half, mean + half
        else:
            raise ValueError(f"unknown method {method!r}; use 't', 'sd' or 'percentile'")
    return mean, low, high


def plot_ensemble(x, values, ax=None, label=None, color=None, confidence=0.95, method="t",
                  show_seeds=False, alpha=0.25, **line_kwargs):
    """Draw the mean across seeds as a line and the confidence band as a shaded area.

    Parameters
    ----------
    x : array_like, shape (n_points,)
        Abscissa (e.g. epochs or a swept parameter).
    values : array_like, shape (n_seeds, n_points)
        One row per seed.
    ax : matplotlib Axes, optional
        Where to draw (default: the current axes).
    label, color : optional
        Legend label and colour of the line and band.
    confidence, method
        See :func:`ensemble_summary`.
    show_seeds : bool
        Also draw every seed as a thin line.

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib.pyplot as plt

    ax = ax if ax is not None else plt.gca()
    x = np.asarray(x, dtype=float)
    vals = np.atleast_2d(np.asarray(values, dtype=float))
    if vals.shape[-1] != x.size:
        raise ValueError(f"values have {vals.shape[-1]} points per seed, x has {x.size}")
    mean, low, high = ensemble_summary(vals, axis=0, confidence=confidence, method=method)
    (line,) = ax.plot(x, mean, label=label, color=color, **line_kwargs)
    colour = line.get_color()
    ax.fill_between(x, low, high, color=colour, alpha=alpha, linewidth=0)
    if show_seeds:
        for row in vals:
            ax.plot(x, row, color=colour, alpha=0.35, linewidth=0.4)
    return ax


def plot_ensemble_points(categories, values, ax=None, color=None, confidence=0.95, method="t",
                         jitter=0.08, seed=0):
    """A mean ± confidence interval per category, with the seeds as jittered dots.

    Parameters
    ----------
    categories : sequence of str
        Labels of the columns of ``values``.
    values : array_like, shape (n_seeds, n_categories)
        One value per seed and category.
    ax : matplotlib.axes.Axes, optional
        Default: the current axes.
    color : color, optional
        Colour of the dots and bars.
    confidence : float, optional
        Level of the interval.
    method : str, optional
        As in :func:`ensemble_summary` (``"t"``: Student-t interval of the mean).
    jitter : float, optional
        Horizontal spread of the dots.
    seed : int, optional
        Seeds the jitter.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    ax = ax if ax is not None else plt.gca()
    vals = np.atleast_2d(np.asarray(values, dtype=float))
    pos = np.arange(vals.shape[1])
    mean, low, high = ensemble_summary(vals, axis=0, confidence=confidence, method=method)
    rng = np.random.default_rng(seed)
    for j in pos:
        col = vals[:, j]
        ax.plot(j + rng.uniform(-jitter, jitter, col.size), col, "o", ms=2, color=color or "0.5", alpha=0.6)
    ax.errorbar(pos, mean, yerr=[mean - low, high - mean], fmt="_", ms=8, color=color or "k",
                capsize=2, linewidth=1)
    ax.set_xticks(pos)
    ax.set_xticklabels([str(c) for c in categories])
    return ax


def plot_sweep(dataset, metric: str, x: str, hue: str | None = None, ax=None, confidence=0.95,
               method="t"):
    """A metric of a sweep against one swept parameter, one line with its seed band per ``hue``.

    Parameters
    ----------
    dataset : xarray.Dataset
        A sweep's dataset (:func:`cortexlearn.sweep.sweep`), with a ``seed`` dimension.
    metric : str
        The variable drawn.
    x : str
        The swept parameter on the horizontal axis.
    hue : str, optional
        A second swept parameter: one line per value.
    ax : matplotlib.axes.Axes, optional
        Default: the current axes.
    confidence, method : optional
        As in :func:`ensemble_summary`.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    ax = ax if ax is not None else plt.gca()
    da = dataset[metric]
    hues = [None] if hue is None else list(dataset[hue].values)
    for value in hues:
        sub = da if value is None else da.sel({hue: value})
        rest = [d for d in sub.dims if d not in (x, "seed")]
        if rest:
            raise ValueError(f"{metric} has dimensions {rest} besides {x!r} and seed: choose hue= or select them")
        plot_ensemble(sub[x].values, sub.transpose("seed", x).values, ax=ax, confidence=confidence,
                      method=method, marker="o", ms=2,
                      label=None if value is None else f"{hue} = {value:g}" if isinstance(value, (int, float, np.number)) else f"{hue} = {value}")
    unit = dataset[x].attrs.get("units")
    ax.set_xlabel(f"{x} ({unit})" if unit else x)
    ax.set_ylabel(metric)
    if hue is not None:
        ax.legend()
    return ax

