"""The figure of the dendritic-microcircuit reproduction, drawn from the saved results alone."""

from __future__ import annotations

import numpy as np

__all__ = ["draw"]


def draw(data, metrics):
    """Three panels at single-column width: a, the self-predicting phase (apical RMS relative to its
    start); b, the angle of the hidden error to weight transport's per epoch; c, MNIST-1D test
    accuracy of the microcircuit and of readout-only, per seed.

    Parameters
    ----------
    data : dict of xarray.DataArray
        ``apical_rms``, ``angle``, ``accuracy`` as recorded by the model.
    metrics : dict

    Returns
    -------
    matplotlib.figure.Figure
    """
    from cortexlearn.plotting.style import figure as new_figure, set_caption, style_context

    rms, ang, acc = data["apical_rms"], data["angle"], data["accuracy"]
    seeds = np.asarray(acc["seed"])
    with style_context():
        fig = new_figure("single", 1.9)
        axes = fig.subplots(1, 3)
        x = np.asarray(rms["presentation"])
        for curve in np.asarray(rms):
            axes[0].plot(x, 100 * curve, lw=0.7)
        axes[0].axhline(10, color="k", ls="--", lw=0.6)
        axes[0].set(xlabel="presentation", ylabel="apical RMS (% of start)", yscale="log")
        axes[0].set_title("a  self-predicting", loc="left")
        ep = np.asarray(ang["epoch"])
        for curve in np.asarray(ang):
            axes[1].plot(ep, curve, marker="o", ms=2, lw=0.7)
        axes[1].axhline(60, color="k", ls="--", lw=0.6)
        axes[1].set(xlabel="epoch", ylabel="angle to backprop (deg)", ylim=(0, 180), yticks=(0, 60, 90, 180))
        axes[1].set_title("b  hidden error", loc="left")
        values = np.asarray(acc)
        width = 0.38
        pos = np.arange(seeds.size)
        axes[2].bar(pos - width / 2, values[:, 0], width, label="microcircuit")
        axes[2].bar(pos + width / 2, values[:, 1], width, label="readout-only", color="0.6")
        axes[2].set(xticks=pos, xticklabels=[str(s) for s in seeds], xlabel="seed", ylabel="MNIST-1D test (%)",
                    ylim=(0, max(60.0, float(np.nanmax(values)) + 10)))
        axes[2].legend(frameon=False, fontsize=5, loc="upper left")
        axes[2].set_title("c  accuracy", loc="left")
        fig.tight_layout(w_pad=0.4)
    return set_caption(fig, (
        "Sacramento et al. 2018 dendritic microcircuit (rate neurons, Brian2). a, RMS of the hidden "
        "neurons' apical potentials during the self-predicting phase (random input, no teacher), "
        "relative to the first presentation; dashed: 10 %. b, angle between the hidden error "
        "phi(u) - phi(v_B hat) and weight transport's through the same forward weights, mean per "
        "epoch; dashed: 60 deg. c, MNIST-1D test accuracy after training, and with the hidden layer "
        "frozen (readout-only), per seed."))
