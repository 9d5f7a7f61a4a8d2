"""Figure: trajectories before/after learning, error over learning, learned vs optimal weights."""

from __future__ import annotations

import numpy as np

MODE_COLOURS = {"optimal": "#0072B2", "learned": "#D55E00", "dale": "#009E73", "large": "#CC79A7"}
MODE_TITLES = {"optimal": "optimal fast", "learned": "learned fast", "dale": "Dale E/I",
               "large": "N = 100"}


def _arr(data, key):
    value = data.get(key)
    return None if value is None else np.asarray(value)


def draw(data, metrics):
    import matplotlib.pyplot as plt

    from cortexlearn.plotting.style import SINGLE_COLUMN, plain_log_ticks, style_context

    modes = [m for m in MODE_COLOURS if f"{m}_window_nmse" in data]
    n_rows = max(len(modes), 1)
    with style_context():
        # single column: each variant is a 2 x 2 block (before | after, error | weights)
        fig, grid = plt.subplots(2 * n_rows, 2, figsize=(SINGLE_COLUMN, 2.15 * n_rows),
                                 constrained_layout=True, squeeze=False)
        axes = np.array([[grid[2 * r, 0], grid[2 * r, 1], grid[2 * r + 1, 0], grid[2 * r + 1, 1]]
                         for r in range(n_rows)])
        for row, mode in enumerate(modes):
            axes[row, 1].sharey(axes[row, 0])  # before and after: one scale
            for col, when in enumerate(("before", "after")):
                ax = axes[row, col]
                x = data[f"{mode}_x_{when}"]
                xh = _arr(data, f"{mode}_xhat_{when}")
                t = np.asarray(x["time"])
                ax.plot(t, np.asarray(x)[:, 0], color="k", lw=0.8, label="target $x_1$")
                ax.plot(t, xh[:, 0], color=MODE_COLOURS[mode], lw=0.8, label="network $\\hat x_1$")
                ax.plot(t, np.asarray(x)[:, 1], color="0.5", lw=0.6, label="target $x_2$")
                ax.plot(t, xh[:, 1], color=MODE_COLOURS[mode], lw=0.6, ls="--", label="network $\\hat x_2$")
                key = f"{mode}_nmse_{when}_mean" if when == "before" else f"{mode}_nmse_after_mean"
                ax.set_title(f"{MODE_TITLES[mode]}, {when}: NMSE {metrics.get(key, np.nan):.2f}",
                             loc="left", fontsize=6)
                ax.set_xlabel("time (s)")
                if col == 0:
                    ax.set_ylabel("x")
                if row == 0 and col == 0:
                    fig.legend(*ax.get_legend_handles_labels(), ncol=4, fontsize=5, handlelength=1.2,
                               columnspacing=0.8, loc="outside upper center")
            ax = axes[row, 2]
            wn = data[f"{mode}_window_nmse"]
            lt = np.asarray(wn["learning_time"])
            for k in range(wn.shape[0]):
                ax.semilogy(lt, np.asarray(wn)[k], "o-", ms=2, color=MODE_COLOURS[mode], alpha=0.7)
            ax.axhline(0.1, color="k", ls=":", lw=0.6)
            ax.set_xlabel("learning time (s)")
            ax.set_ylabel("autonomous NMSE")
            plain_log_ticks(ax, "y")
            ax.set_title(f"error over learning ({wn.shape[0]} seeds)", loc="left", fontsize=6)
            ax = axes[row, 3]
            if mode in ("learned", "large"):
                opt, got, label = _arr(data, f"{mode}_fast_optimal"), _arr(data, f"{mode}_fast_learned"), "fast"
                mask = ~np.eye(opt.shape[0], dtype=bool)
            else:
                opt, got = _arr(data, f"{mode}_slow_optimal"), _arr(data, f"{mode}_slow_learned")
                label = "slow E→E" if mode == "dale" else "slow"
                mask = np.ones(opt.shape, dtype=bool)
            ax.scatter(opt[mask], got[mask], s=1, color=MODE_COLOURS[mode], alpha=0.4, rasterized=True)
            lim = np.max(np.abs(opt[mask])) * 1.3
            if mode != "dale":  # Dale magnitudes carry an offset: only the correlation is comparable
                ax.plot([-lim, lim], [-lim, lim], "k:", lw=0.6)
            ax.set_xlabel("optimal $F(A+\\lambda I)F^T$ (Hz)" if label.startswith("slow") else "optimal $-FF^T$")
            ax.set_ylabel(f"learned {label}")
            r = np.corrcoef(opt[mask], got[mask])[0, 1]
            ax.set_title(f"{label} weights, r = {r:.3f}", loc="left", fontsize=6)
    from cortexlearn.plotting.style import set_caption

    return set_caption(fig, (
        "Bourdoukan & Denève 2015: a spiking network learns a 2-D linear dynamical system. One row per "
        "variant present (optimal fast weights -FF^T, learned fast weights, Dale's law E/I, learned fast "
        "weights at N = 100, titled 'N = 100'), two rows each. Top: target x (black, grey) and the network's autonomous "
        "estimate before and after learning (first seed; each pair on one scale). Below them: autonomous "
        "NMSE over learning time, one line per seed (dotted: 0.1), and learned against optimal weights, "
        "one point per synapse, with their "
        "correlation r (dotted: equality; not drawn for Dale's law, whose magnitudes carry an offset)."))
