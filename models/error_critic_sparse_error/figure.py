"""The figure: accuracy per epoch of each variant (test, or online training accuracy when only the
last epoch is tested), the final accuracies per seed, and the
critic's prediction-truth correlation over training (all training samples, and those without the
true error)."""

from __future__ import annotations

import numpy as np

COLORS = {"dense": "#000000", "sparse_only": "#E69F00", "critic": "#009E73",
          "label_only": "#56B4E9", "hidden_only": "#CC79A7"}
LABELS = {"dense": "dense error", "sparse_only": "sparse only (20 %)", "critic": "critic (hidden + label)",
          "label_only": "label-only critic", "hidden_only": "critic without label"}


def _by_variant(da):
    variants = list(dict.fromkeys(np.asarray(da.variant).tolist()))
    return {v: da.values[np.asarray(da.variant) == v] for v in variants}


def _curves(ax, da, ylabel):
    from cortexlearn.plotting.ensemble import plot_ensemble

    for v, rows in _by_variant(da).items():  # mean over seeds, band = range of the seeds
        plot_ensemble(da.epoch.values, rows, ax=ax, color=COLORS.get(v), label=LABELS.get(v, v),
                      method="percentile", confidence=0.999, alpha=0.2, marker="o", ms=2)
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    return ax


def figure(data, metrics):
    import textwrap

    import matplotlib.pyplot as plt

    from cortexlearn.plotting.style import SINGLE_COLUMN, style_context, wrap_titles

    with style_context():
        fig = plt.figure(figsize=(SINGLE_COLUMN, 3.4), layout="constrained")
        spec = fig.add_gridspec(2, 2)
        axes = [fig.add_subplot(spec[0, :]), fig.add_subplot(spec[1, 0]), fig.add_subplot(spec[1, 1])]
        acc = data.get("test_accuracy")
        train = data.get("train_accuracy")
        if acc is not None:
            tested = np.isfinite(acc.values).any(axis=0).sum()
            if tested > 1 or train is None:
                _curves(axes[0], acc, "MNIST-1D test accuracy (%)")
            else:  # a test pass after the last epoch only: online accuracy on the training samples
                _curves(axes[0], train, "online training accuracy (%)")
            axes[0].set_title("a  learning curves")
            axes[0].legend(loc="lower right")
            ax = axes[1]
            finals = {v: rows[:, -1] for v, rows in _by_variant(acc).items()}
            for k, (v, vals) in enumerate(finals.items()):
                ax.bar(k, np.mean(vals), 0.6, color=COLORS.get(v), alpha=0.7)
                ax.scatter(np.full(len(vals), k), vals, color="k", s=6, zorder=3)
            ax.set_xticks(range(len(finals)), [LABELS.get(v, v).split(" (")[0] for v in finals],
                          rotation=30, ha="right")
            ax.set_ylabel("final test accuracy (%)")
            lo = min(float(np.min(v)) for v in finals.values())
            ax.set_ylim(max(0.0, lo - 5), None)
            ax.set_title("b  final accuracy (dots: seeds)")
        corr = data.get("correlation")
        if corr is not None:
            ax = axes[2]
            keep = [v for v in ("critic", "label_only", "hidden_only") if v in set(np.asarray(corr.variant).tolist())]
            sub = corr.isel(unit=np.nonzero(np.isin(np.asarray(corr.variant), keep))[0])
            _curves(ax, sub, "prediction-truth correlation")
            absent = data.get("correlation_absent")
            if absent is not None:
                for v, rows in _by_variant(absent).items():
                    if v in keep:
                        ax.plot(absent.epoch.values, np.nanmean(rows, axis=0), ls="--", lw=0.7,
                                color=COLORS.get(v))
            ax.set_ylim(-0.2, 1.0)
            ax.set_title("c  critic vs true error (dashed: no error)")
            ax.legend(loc="lower right")
        for ax in axes:
            for text in ax.get_xticklabels():
                if text.get_rotation():  # slanted category names: steeper, so neighbours clear
                    text.set(rotation=45, ha="right", rotation_mode="anchor", fontsize=5.5)
            if len(ax.get_ylabel()) > 22:  # two lines, so that it fits the panel's height
                ax.set_ylabel(textwrap.fill(ax.get_ylabel(), 22))
            if ax.get_title():  # panel titles flush left, like the letters
                ax.set_title(ax.get_title(), loc="left")
                ax.set_title("")
            legend = ax.get_legend()
            if legend is not None:
                for text in legend.get_texts():
                    text.set_fontsize(5)
        wrap_titles(fig, fontsize=6)
    from cortexlearn.plotting.style import set_caption

    return set_caption(fig, (
        "Spiking error critic with the true error on a random fraction of the training samples "
        "(error_fraction), on the network of spiking_feedback_alignment, MNIST-1D. a, accuracy per "
        "epoch for each variant, mean over seeds with their range (test accuracy when tested every epoch, else the "
        "online training accuracy); b, final test accuracy (bar: mean; dots: seeds); c, correlation "
        "between the critic's prediction and the true output error per epoch, on samples with the "
        "error (solid) and without it (dashed)."))
