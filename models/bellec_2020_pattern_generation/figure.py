"""Figure of the pattern-generation reproduction, drawn from recorded data alone."""

from __future__ import annotations

import numpy as np

_LABELS = {
    "alif_eprop": "e-prop ALIF", "lif_eprop": "e-prop LIF", "small_eprop": "e-prop, 30 neurons",
    "small_readout_only": "readout only, 30 neurons",
    "alif_frozen_readout_symmetric": "frozen readout, symmetric B",
}


def figure(data, metrics):
    """Learning curves, controls and the readout, at single-column width (89 mm).

    Top: NMSE per iteration, e-prop on ALIF and LIF (one line per seed) and the controls (mean
    over seeds), on one shared logarithmic NMSE axis. Bottom: the ALIF readout against the target.
    """
    from cortexlearn.plotting.style import PALETTE, figure as new_figure, plain_log_ticks, style_context

    with style_context():
        fig = new_figure("single", height=3.3, layout="constrained")
        grid = fig.add_gridspec(2, 2, height_ratios=[1.25, 1])
        axes = [fig.add_subplot(grid[0, 0])]
        axes.append(fig.add_subplot(grid[0, 1], sharey=axes[0]))
        axes.append(fig.add_subplot(grid[1, :]))
        ax = axes[0]
        for k, name in enumerate(("alif_eprop", "lif_eprop")):
            curve = data.get(f"curve_{name}")
            if curve is None:
                continue
            arr = np.asarray(curve)
            for s in range(arr.shape[0]):
                ax.plot(np.arange(1, arr.shape[1] + 1), arr[s], color=PALETTE[k + 1], lw=0.6,
                        label=_LABELS[name] if s == 0 else None)
        if data.get("curve_bptt_alif") is not None:
            b = np.asarray(data["curve_bptt_alif"])
            ax.plot(np.arange(1, len(b) + 1), b, color=PALETTE[0], lw=0.8, ls="--", label="BPTT ALIF (NumPy)")
        ax.set(xscale="log", yscale="log", xlabel="iteration", ylabel="NMSE")
        ax.set_title("a  learning curves", loc="left")
        ax.legend(loc="lower left", fontsize=5, handlelength=1.5, borderaxespad=0.2)
        ax = axes[1]
        for k, name in enumerate(("small_eprop", "small_readout_only", "alif_frozen_readout_symmetric")):
            curve = data.get(f"curve_{name}")
            if curve is None:
                continue
            arr = np.asarray(curve)
            ax.plot(np.arange(1, arr.shape[1] + 1), arr.mean(axis=0), color=PALETTE[k + 3],
                    label=_LABELS[name])
        ax.set(xscale="log", yscale="log", xlabel="iteration")
        ax.set_title("b  controls (mean over seeds)", loc="left")
        ax.tick_params(labelleft=False)
        ax.legend(loc="lower left", fontsize=5, handlelength=1.5, borderaxespad=0.2)
        for a in axes[:2]:  # 1-2-5 labels: minor-decade labels collide at this width
            plain_log_ticks(a)
        ax = axes[2]
        target = data.get("target")
        out = data.get("output_alif")
        if target is not None:
            t = np.arange(len(np.asarray(target)))
            ax.plot(t, np.asarray(target), color=PALETTE[0], lw=1.2, label="target")
            if out is not None:
                arr = np.asarray(out)
                ax.plot(t, arr[0], color=PALETTE[2], lw=0.6, label="first trial")
                ax.plot(t, arr[1], color=PALETTE[6], lw=0.8, label="last trial")
        angle = metrics.get("angle_eprop_bptt_final_deg")
        title = "c  ALIF readout, seed 0"
        if angle is not None and np.isfinite(angle):
            title += f" (e-prop vs BPTT: {angle:.0f}°)"
        ax.set(xlabel="time (ms)", ylabel="output (a.u.)")
        ax.legend(ncol=3, loc="lower left", bbox_to_anchor=(0.0, 1.0), fontsize=5, borderaxespad=0.1,
                  handlelength=1.5)
        ax.set_title(title, loc="left", pad=10)
    from cortexlearn.plotting.style import set_caption

    return set_caption(fig, (
        "Bellec et al. 2020, Fig. 2 task: a recurrent network of LIF or adaptive LIF (ALIF) neurons learns "
        "to produce a 1-s target from frozen Poisson inputs. a, NMSE of the readout per training "
        "iteration (one 1-s trial each), one line per seed, e-prop on ALIF and on LIF (dashed: BPTT on "
        "the NumPy ALIF reference). b, controls, mean over seeds: e-prop and readout-only learning "
        "in the small network (30 neurons), and ALIF with a frozen readout and symmetric feedback. "
        "a and b share the NMSE axis. c, target and readout of the ALIF network (seed 0) in the first "
        "and the last trial, 1-ms steps."))
