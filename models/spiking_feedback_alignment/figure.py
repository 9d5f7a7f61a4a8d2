"""The figure, in the layout of Lillicrap et al. (2016) Fig. 2: learning curves, the angle between
the rule's hidden error and weight transport's over training, rasters before and after learning,
and the final accuracies next to the NumPy rate network's."""

from __future__ import annotations

import numpy as np

COLORS = {"feedback_alignment": "#009E73", "direct_feedback_alignment": "#0072B2",
          "sign_symmetry": "#CC79A7", "weight_transport": "#000000", "readout_only": "#E69F00"}
LABELS = {"feedback_alignment": "FA", "direct_feedback_alignment": "DFA", "sign_symmetry": "sign-sym.",
          "weight_transport": "weight transport", "readout_only": "readout only"}


def _curves(ax, da, dataset, dale=True, ylabel="test error (%)", error=True):
    sel = (da.dataset == dataset) & (da.dale == dale)
    sub = da.isel(unit=np.nonzero(np.asarray(sel))[0])
    for rule in dict.fromkeys(sub.rule.values.tolist()):
        rows = sub.isel(unit=np.nonzero(np.asarray(sub.rule == rule))[0]).values
        y = 100 - rows if error else rows
        mean = np.nanmean(y, axis=0)
        ep = sub.epoch.values
        ax.plot(ep, mean, color=COLORS.get(rule), label=LABELS.get(rule, rule))
        if len(rows) > 1:
            ax.fill_between(ep, np.nanmin(y, axis=0), np.nanmax(y, axis=0), color=COLORS.get(rule),
                            alpha=0.2, lw=0)
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    return ax


def _raster(ax, data, window, title):
    offset = 0
    colors = {"input": "#999999", "hidden": "#D55E00", "output": "#0072B2"}
    for name in ("raster_input", "raster_hidden1", "raster_output"):
        if f"{name}_i" not in data:
            continue
        i, t = np.asarray(data[f"{name}_i"]), np.asarray(data[f"{name}_t"])
        t0 = float(np.min(window))
        keep = (t >= t0) & (t < float(np.max(window)) + 0.2)
        # keep the trials of this window only
        ax.scatter(t[keep] - t0, i[keep] + offset, s=0.3, color=colors[name.split("_")[1].rstrip("1")],
                   lw=0)
        offset += int(i.max()) + 5 if i.size else 0
    ax.set_xlabel("time in window (s)")
    ax.set_ylabel("input | hidden | output")
    ax.set_title(title)
    return ax


def figure(data, metrics):
    import matplotlib.pyplot as plt

    from cortexlearn.plotting.style import SINGLE_COLUMN, style_context, wrap_titles

    with style_context():
        grid = plt.subplots(3, 2, figsize=(SINGLE_COLUMN, 4.8), constrained_layout=True)[1]
        fig = grid[0, 0].figure
        # panels a-f in reading order, three rows of two at single-column width
        axes = np.array([[grid[0, 0], grid[0, 1], grid[1, 0]], [grid[1, 1], grid[2, 0], grid[2, 1]]])
        acc = data.get("test_accuracy")
        if acc is not None:
            _curves(axes[0, 0], acc, "mnist1d").set_title("a  MNIST-1D (Dale; dashed: Dale off)")
            if np.any(np.asarray(acc.dataset) == "digits"):
                _curves(axes[0, 1], acc, "digits").set_title("b  digits (Dale)")
                axes[0, 1].legend(loc="upper right", fontsize=5)
            else:  # no digits run: no empty panel
                axes[0, 1].set_axis_off()
            off = np.nonzero(~np.asarray(acc.dale, dtype=bool)
                             & (np.asarray(acc.dataset) == "mnist1d"))[0]
            for n, k in enumerate(off):  # Dale's law off: dashed, on the MNIST-1D panel
                axes[0, 0].plot(acc.epoch.values, 100 - acc.values[k], ls="--", lw=0.6,
                                color=COLORS.get(str(acc.rule.values[k])),
                                label="FA, Dale off" if n == 0 else None)
            axes[0, 0].legend(loc="upper right", fontsize=5)
        ang = data.get("angle")
        if ang is not None:
            ax = axes[0, 2]
            sel = (np.asarray(ang.dataset) == "mnist1d") & np.asarray(ang.dale, dtype=bool)
            sub = ang.isel(unit=np.nonzero(sel)[0])
            for rule in dict.fromkeys(sub.rule.values.tolist()):
                rows = sub.isel(unit=np.nonzero(np.asarray(sub.rule == rule))[0]).values
                ax.plot(sub.epoch.values, np.nanmean(rows, axis=0), color=COLORS.get(rule),
                        label=LABELS.get(rule, rule))
            ax.axhline(90, color="0.6", lw=0.5, ls=":")
            ax.axhline(60, color="0.6", lw=0.5, ls="--")
            ax.set_ylim(0, 120)
            ax.set_xlabel("epoch")
            ax.set_ylabel("hidden error vs\nweight transport (deg)")
            ax.legend(loc="lower right", fontsize=5)
            ax.set_title("c  alignment in the circuit")
        win = data.get("raster_windows")
        if win is not None:
            _raster(axes[1, 0], data, np.asarray(win.values[0]), "d  before learning (3 trials)")
            _raster(axes[1, 1], data, np.asarray(win.values[1]), "e  after learning (3 test trials)")
            top = max(axes[1, 0].get_ylim()[1], axes[1, 1].get_ylim()[1])  # d and e: the same neurons
            for a in (axes[1, 0], axes[1, 1]):
                a.set_ylim(-1, top)
        ax = axes[1, 2]
        names, spk, ref, cols = [], [], [], []
        for key in ("fa", "dfa", "ss", "wt", "readout"):
            v = metrics.get(f"mnist1d_{key}_accuracy_mean")
            if v is None:
                continue
            names.append(key)
            spk.append(v)
            ref.append(metrics.get(f"reference_mnist1d_{key}_accuracy_mean", np.nan))
        x = np.arange(len(names))
        ax.bar(x - 0.2, spk, 0.4, color="#D55E00", label="spiking (Dale)")
        ax.bar(x + 0.2, ref, 0.4, color="#56B4E9", label="NumPy rate MLP")
        nod = [metrics.get(f"mnist1d_nodale_{k}_accuracy_mean", np.nan) for k in names]
        ax.scatter(x - 0.2, nod, marker="_", color="k", s=40, label="spiking, Dale off", zorder=3)
        ax.set_xticks(x, names)
        ax.set_ylabel("MNIST-1D test\naccuracy (%)")
        ax.set_title("f  final accuracy")
        fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncol=3, fontsize=5.5)
        if acc is not None and np.any(np.asarray(acc.dataset) == "digits"):  # a and b: one scale
            lo = min(axes[0, 0].get_ylim()[0], axes[0, 1].get_ylim()[0])
            hi = max(axes[0, 0].get_ylim()[1], axes[0, 1].get_ylim()[1])
            for a in (axes[0, 0], axes[0, 1]):
                a.set_ylim(lo, hi)
        for ax in axes.flat:
            if ax.get_title():  # panel titles flush left, like the letters
                ax.set_title(ax.get_title(), loc="left")
                ax.set_title("")
        wrap_titles(fig, fontsize=6)
    from cortexlearn.plotting.style import set_caption

    n_seeds = int(metrics.get("n_seeds", 0) or 0)
    return set_caption(fig, (
        "Lillicrap et al. 2016, Fig. 2 layout, spiking network under Dale's law. a, b, test error per "
        f"epoch, mean over {n_seeds or 'the'} seeds (band: min to max), on MNIST-1D and on the "
        "scikit-learn digits, one y-scale; dashed in a: Dale's law off. c, angle between each rule's "
        "hidden error and weight transport's, mean over seeds (dotted 90 deg, dashed 60 deg). "
        "d, e, spikes of all input, hidden and output neurons (stacked) in three trials before "
        "learning and three test trials after. f, final MNIST-1D test accuracy, spiking network "
        "(bars; tick: Dale's law off) and the NumPy rate MLP."))
