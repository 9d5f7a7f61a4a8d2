"""The figure: final test accuracy per delay and variant (bars: mean over seeds, dots: seeds,
line: the immediate error), the learning curves at the longest delay setting, and the critic's
prediction-truth correlation over training per delay."""

from __future__ import annotations

import numpy as np

COLORS = {"immediate": "#000000", "stored": "#0072B2", "stale": "#E69F00", "critic": "#009E73"}
#: the style of every curve over seeds (percentile band)
CURVE = dict(method="percentile", confidence=0.999, alpha=0.2, marker="o", ms=2)
LABELS = {"immediate": "immediate error", "stored": "stored activity", "stale": "no storage",
          "critic": "critic"}


def _select(da, variant, delay=None):
    mask = np.asarray(da.variant) == variant
    if delay is not None:
        mask &= np.asarray(da.delay) == delay
    return da.values[mask]


def _delays(da):
    return [d for d in dict.fromkeys(np.asarray(da.delay).tolist()) if d != "0"]


def figure(data, metrics):
    import matplotlib.pyplot as plt

    from cortexlearn.plotting.ensemble import plot_ensemble
    from cortexlearn.plotting.style import SINGLE_COLUMN, style_context, wrap_titles

    late, seq = "test_accuracy" in data, "sequence_test_accuracy" in data
    chain = "chain_test_accuracy" in data
    tasks = [name for name, present in (("sequence", seq), ("chain", chain)) if present]
    rows = int(late) + int(bool(tasks))
    letters = iter(("abc", "def"))
    with style_context():
        # single column: per block a 2 x 2 grid, final accuracy | correlation over learning curves;
        # the two end-of-sequence tasks share a block (at most 170 mm tall)
        fig = plt.figure(figsize=(SINGLE_COLUMN, 3.3 * max(rows, 1)), layout="constrained")
        spec = fig.add_gridspec(2 * max(rows, 1), 2)
        grid = [[fig.add_subplot(spec[2 * r, 0]), fig.add_subplot(spec[2 * r + 1, :]),
                 fig.add_subplot(spec[2 * r, 1])] for r in range(max(rows, 1))]
        row = 0
        if late:
            _late_panels(data, grid[0], plot_ensemble)
            next(letters)
            row += 1
        if tasks:
            _sequence_panels(data, grid[row], plot_ensemble, next(letters), names=tasks)
        for ax in fig.get_axes():
            if ax.get_title():  # panel titles flush left, like the letters
                ax.set_title(ax.get_title(), loc="left")
                ax.set_title("")
            for text in ax.get_xticklabels():
                text.set_fontsize(5)
                if text.get_rotation():  # slanted category names: steeper, so neighbours clear
                    text.set(rotation=45, ha="right", rotation_mode="anchor")
            legend = ax.get_legend()
            if legend is not None:
                for text in legend.get_texts():
                    text.set_fontsize(5)
        wrap_titles(fig, fontsize=6)
    from cortexlearn.plotting.style import set_caption

    parts = ["Spiking error critic with late errors, on the network of spiking_feedback_alignment, "
             "MNIST-1D; curves are means over seeds with their range, bars means with one dot per seed."]
    if late:
        parts.append("Late errors (top block): final test accuracy per delay and variant (dashed: the "
                     "error at once), online training accuracy per epoch at the last delay, and the "
                     "critic's correlation with the true error.")
    if tasks:
        parts.append("End-of-sequence tasks (next block): the error of a sequence arrives after its last "
                     "sample; final accuracy per variant, learning curves, and the critics' "
                     "correlation with the costate.")
    if len(tasks) == 2:
        parts.append("Pale bars and dashed curves: independent classes; dark bars and solid curves: "
                     "classes along a Markov chain (the next class is the present one or its "
                     "successor), so a sample's class tells the later samples' classes and errors.")
    elif chain:
        parts.append("Classes along a Markov chain (the next class is the present one or its successor), "
                     "so a sample's class tells the later samples' classes and errors.")
    return set_caption(fig, " ".join(parts))


SEQ_COLORS = {"immediate": "#000000", "end_only": "#E69F00", "stored": "#0072B2", "critic_no_bootstrap": "#CC79A7",
              "critic_bootstrap": "#009E73"}
SEQ_LABELS = {"immediate": "immediate (reference)", "end_only": "end error only", "stored": "stored activity",
              "critic_no_bootstrap": "critic, no bootstrap", "critic_bootstrap": "critic, bootstrap"}


def _sequence_panels(data, axes, plot_ensemble, letters, names=("sequence",)):
    """Final accuracy, learning curves and the critics' correlation of the end-of-sequence tasks
    ``names`` (``"sequence"``: independent classes, ``"chain"``: classes along a Markov chain); with
    both, the independent task is drawn pale (bars) and dashed (curves)."""
    present = [set(np.asarray(data[f"{n}_test_accuracy"].sequence_variant).tolist()) for n in names]
    variants = [v for v in SEQ_COLORS if any(v in p for p in present)]

    def rows(da, v):
        return da.values[np.asarray(da.sequence_variant) == v]

    def style(name):  # independent classes pale and dashed when the chain is drawn beside them
        return (0.4, "--") if len(names) > 1 and name == "sequence" else (0.8, "-")

    ax = axes[0]
    width = 0.8 / len(names)
    for k, name in enumerate(names):
        acc = data[f"{name}_test_accuracy"]
        for x, v in enumerate(variants):
            vals = rows(acc, v)[:, -1]
            if vals.size == 0:
                continue
            pos = x + (k - (len(names) - 1) / 2) * width
            ax.bar(pos, np.nanmean(vals), width * 0.9, color=SEQ_COLORS[v], alpha=style(name)[0])
            ax.scatter(np.full(vals.size, pos), vals, color="k", s=4, zorder=3)
    ax.set_xticks(range(len(variants)), [SEQ_LABELS[v] for v in variants], rotation=20, ha="right")
    ax.set_ylabel("final test accuracy (%)")
    which = {("sequence",): "", ("chain",): " (class chain)"}.get(tuple(names), " (pale: independent)")
    ax.set_title(f"{letters[0]}  error at the end of a sequence{which}")
    ax = axes[1]
    for name in names:
        train = data[f"{name}_train_accuracy"]
        for v in variants:
            if rows(train, v).size:
                plot_ensemble(train.epoch.values, rows(train, v), ax=ax, color=SEQ_COLORS[v],
                              label=SEQ_LABELS[v] if name == names[-1] else None, ls=style(name)[1],
                              **CURVE)
    ax.set_xlabel("epoch")
    ax.set_ylabel("online training accuracy (%)")
    ax.set_title(f"{letters[1]}  learning curves (sequences)")
    ax.legend(loc="lower right")
    ax = axes[2]
    for name in names:
        corr = data[f"{name}_correlation"]
        for v in [v for v in variants if v.startswith("critic")]:
            if rows(corr, v).size:
                plot_ensemble(corr.epoch.values, rows(corr, v), ax=ax, color=SEQ_COLORS[v],
                              label=SEQ_LABELS[v] if name == names[-1] else None, ls=style(name)[1],
                              **CURVE)
    ax.set_ylim(-0.2, 1.0)
    ax.set_xlabel("epoch")
    ax.set_ylabel("prediction-costate correlation")
    ax.set_title(f"{letters[2]}  the critic's prediction of the costate")
    ax.legend(loc="lower right")


def _late_panels(data, axes, plot_ensemble):
    import matplotlib.pyplot as plt

    acc = data["test_accuracy"]
    delays = _delays(acc)
    late = [v for v in ("stored", "stale", "critic") if v in set(np.asarray(acc.variant).tolist())]
    ax = axes[0]
    width = 0.8 / max(len(late), 1)
    for k, v in enumerate(late):
        for x, d in enumerate(delays):
            vals = _select(acc, v, d)[:, -1]
            if vals.size == 0:
                continue
            pos = x + (k - (len(late) - 1) / 2) * width
            ax.bar(pos, np.mean(vals), width * 0.9, color=COLORS[v], alpha=0.75,
                   label=LABELS[v] if x == 0 else None)
            ax.scatter(np.full(vals.size, pos), vals, color="k", s=5, zorder=3)
    now = _select(acc, "immediate")
    if now.size:
        ax.axhline(np.mean(now[:, -1]), color=COLORS["immediate"], lw=0.8, ls="--",
                   label=LABELS["immediate"])
    ax.set_xticks(range(len(delays)), [f"{d} sample{'s' if d != '1' else ''}" if d != "variable"
                                       else "variable" for d in delays])
    ax.set_xlabel("delay of the error")
    ax.set_ylabel("final test accuracy (%)")
    lo = np.nanmin(acc.values[:, -1]) if np.isfinite(acc.values[:, -1]).any() else 0.0
    ax.set_ylim(max(0.0, lo - 5), None)
    ax.set_title("a  late errors (dashed: immediate; legend in b)")

    ax = axes[1]
    curves = data.get("train_accuracy", acc)
    d_last = delays[-1] if delays else None
    for v in ["immediate"] + late:
        rows = _select(curves, v, None if v == "immediate" else d_last)
        if rows.size:
            plot_ensemble(curves.epoch.values, rows, ax=ax, color=COLORS[v], label=LABELS[v],
                          **CURVE)
    ax.set_xlabel("epoch")
    ax.set_ylabel("online training accuracy (%)")
    ax.set_title(f"b  learning curves (delay: {d_last})")
    ax.legend(loc="center right")

    ax = axes[2]
    corr = data.get("correlation")
    if corr is not None:
        shades = plt.get_cmap("viridis")(np.linspace(0.1, 0.8, max(len(delays), 1)))
        for d, color in zip(delays, shades):
            rows = _select(corr, "critic", d)
            if rows.size:
                plot_ensemble(corr.epoch.values, rows, ax=ax, color=color, label=f"delay {d}",
                              **CURVE)
        ax.set_ylim(-0.2, 1.0)
        ax.set_xlabel("epoch")
        ax.set_ylabel("prediction-truth correlation")
        ax.set_title("c  the critic's prediction")
        ax.legend(loc="lower right")
