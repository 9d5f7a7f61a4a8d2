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
        # single column, one row per variant: the estimate after learning | error over learning |
        # learned against optimal weights (Nature's figure guide: at most 170 mm tall)
        fig, axes = plt.subplots(n_rows, 3, figsize=(SINGLE_COLUMN, 1.55 * n_rows + 0.25),
                                 constrained_layout=True, squeeze=False,
                                 gridspec_kw={"width_ratios": (1.15, 1, 1.1)})
        for row, mode in enumerate(modes):
            ax = axes[row, 0]
            x = data[f"{mode}_x_after"]
            xh = _arr(data, f"{mode}_xhat_after")
            t = np.asarray(x["time"])
            ax.plot(t, np.asarray(x)[:, 0], color="k", lw=0.8, label="target $x_1$")
            ax.plot(t, xh[:, 0], color=MODE_COLOURS[mode], lw=0.8, label="network $\\hat x_1$")
            ax.plot(t, np.asarray(x)[:, 1], color="0.5", lw=0.6, label="target $x_2$")
            ax.plot(t, xh[:, 1], color=MODE_COLOURS[mode], lw=0.6, ls="--", label="network $\\hat x_2$")
            before = metrics.get(f"{mode}_nmse_before_mean", np.nan)
            after = metrics.get(f"{mode}_nmse_after_mean", np.nan)
            ax.set_title(MODE_TITLES[mode], loc="left", fontsize=6)
            ax.set_xlabel("time (s)")
            ax.set_ylabel("x")
            if row == 0:
                fig.legend(*ax.get_legend_handles_labels(), ncol=4, fontsize=5, handlelength=1.2,
                           columnspacing=0.8, loc="outside upper center")
            ax = axes[row, 1]
            wn = data[f"{mode}_window_nmse"]
            lt = np.asarray(wn["learning_time"])
            for k in range(wn.shape[0]):
                ax.semilogy(lt, np.asarray(wn)[k], "o-", ms=1.5, lw=0.6, color=MODE_COLOURS[mode], alpha=0.7)
            ax.axhline(0.1, color="k", ls=":", lw=0.6)
            ax.set_xlabel("learning time (s)")
            ax.set_ylabel("autonomous NMSE")
            plain_log_ticks(ax, "y")
            ax.set_title(f"NMSE {before:.2f} → {after:.2f}", loc="left", fontsize=6)
            ax = axes[row, 2]
            if mode in ("learned", "large"):
                opt, got, label = _arr(data, f"{mode}_fast_optimal"), _arr(data, f"{mode}_fast_learned"), "fast"
                opt, got = 100 * opt, 100 * got  # ×100, so that tick labels stay short
                mask = ~np.eye(opt.shape[0], dtype=bool)
            else:
                opt, got = _arr(data, f"{mode}_slow_optimal"), _arr(data, f"{mode}_slow_learned")
                label = "slow E→E" if mode == "dale" else "slow"
                mask = np.ones(opt.shape, dtype=bool)
            ax.scatter(opt[mask], got[mask], s=1, color=MODE_COLOURS[mode], alpha=0.4, rasterized=True)
            lim = np.max(np.abs(opt[mask])) * 1.3
            if mode != "dale":  # Dale magnitudes carry an offset: only the correlation is comparable
                ax.plot([-lim, lim], [-lim, lim], "k:", lw=0.6)
            ax.set_xlabel("optimal (Hz)" if label.startswith("slow") else "$-FF^T$ ×100")
            ax.set_ylabel(f"learned {label}" + ("" if label.startswith("slow") else " ×100"))
            ax.locator_params(nbins=3)
            r = np.corrcoef(opt[mask], got[mask])[0, 1]
            ax.set_title(f"r = {r:.3f}", loc="left", fontsize=6)
    from cortexlearn.plotting.style import set_caption

    return set_caption(fig, (
        "Bourdoukan & Denève 2015: a spiking network learns a 2-D linear dynamical system. One row per "
        "variant present (optimal fast weights -FF^T, learned fast weights, Dale's law E/I, learned fast "
        "weights at N = 100). Left: target x (black, grey) and the network's autonomous estimate after "
        "learning (first seed). Middle: autonomous NMSE over learning time, one line per seed (dotted: "
        "0.1), titled with the NMSE before and after learning (mean over seeds). Right: learned against "
        "optimal weights, one point per synapse (fast, ×100: -FF^T; slow and Dale's E→E: F(A+λI)F^T, in Hz), "
        "with their correlation r (dotted: equality; not drawn for Dale's law, whose magnitudes carry an "
        "offset)."))
