"""Figure in the layout of Brunel 2000, Fig. 8: per state a raster and the population rate.

Four states in a 2 × 2 grid at journal single-column width (89 mm), each a raster of the first
50 excitatory neurons over the last 200 ms of the run and the population rate of all excitatory
neurons in 1-ms bins, drawn as a line so that fast oscillations stay visible. States A–C share
one rate axis (they are compared directly); D, at rates about forty times lower, has its own.
A caption line at the bottom states what is shown.
"""

from __future__ import annotations

import textwrap

import numpy as np

from cortexlearn.plotting.style import EXCITATORY, figure as new_figure, set_caption, style_context

from .circuit import STATES

_TITLES = {"SR": "A  SR", "SI_fast": "B  SI fast", "AI": "C  AI", "SI_slow": "D  SI slow"}
#: States whose population rates share one y-axis (all but the slow, low-rate state D).
_SHARED = ("SR", "SI_fast", "AI")


def _caption(data) -> str:
    raster = next((data[k] for k in (f"raster_{s}" for s in STATES) if data.get(k) is not None), None)
    rate = next((data[k] for k in (f"population_rate_{s}" for s in STATES) if data.get(k) is not None), None)
    shown = int(raster.attrs.get("n_neurons", 50)) if raster is not None else 50
    n_e = rate.attrs.get("n_neurons") if rate is not None else None
    bin_ms = 1e3 * float(rate.attrs.get("bin_s", np.diff(np.asarray(rate["time"][:2]))[0])) if rate is not None else 1.0
    if raster is not None and "t_start" in raster.attrs:
        t0, t1 = 1e3 * float(raster.attrs["t_start"]), 1e3 * float(raster.attrs["t_stop"])
        window = f"{t0:.0f}–{t1:.0f} ms, the last 200 ms of each {t1 / 1e3:g}-s run (after the transient)"
    else:
        window = "the last 200 ms of each run"
    of = f" of {int(n_e):,}" if n_e else ""
    pop = f"all {int(n_e):,}" if n_e else "all"
    return (f"Rasters: {shown}{of} excitatory neurons; rates: {pop} excitatory neurons, {bin_ms:g}-ms "
            f"bins; window: {window}. A–C share the rate axis, D has its own.")


def draw(data, metrics):
    with style_context():
        fig = new_figure("single", height=4.0)
        outer = fig.add_gridspec(2, 2, left=0.13, right=0.98, top=0.95, bottom=0.16, hspace=0.42,
                                 wspace=0.3)
        rate_axes = {}
        for k, state in enumerate(STATES):
            inner = outer[k // 2, k % 2].subgridspec(2, 1, height_ratios=[2, 1], hspace=0.45)
            ax_r = fig.add_subplot(inner[0])
            ax_p = fig.add_subplot(inner[1], sharex=ax_r)
            rate_axes[state] = ax_p
            raster = data.get(f"raster_{state}")
            rate = data.get(f"population_rate_{state}")
            if raster is not None and raster.size:
                neuron, time = np.asarray(raster.sel(field="neuron")), np.asarray(raster.sel(field="time"))
                ax_r.plot(time * 1e3, neuron, "|", ms=1.2, mew=0.4, color=EXCITATORY)
            t_end = float(rate["time"][-1]) if rate is not None else 1.0
            ax_r.set_xlim((t_end - 0.2) * 1e3, t_end * 1e3)
            shown = int(raster.attrs.get("n_neurons", 50)) if raster is not None else 50
            ax_r.set_ylim(-1, shown)
            g = raster.attrs.get("g", np.nan) if raster is not None else np.nan
            nu = raster.attrs.get("nu_ratio", np.nan) if raster is not None else np.nan
            ax_r.set_title(f"{_TITLES[state]}  g={g:g}, ν/ν$_\\mathrm{{thr}}$={nu:g}", loc="left", fontsize=6)
            ax_r.tick_params(labelbottom=False)
            if rate is not None:
                ax_p.plot(np.asarray(rate["time"]) * 1e3, np.asarray(rate), color="0.25", lw=0.5,
                          drawstyle="steps-mid")
            cv = metrics.get(f"cv_{state}", np.nan)
            chi = metrics.get(f"synchrony_{state}", np.nan)
            fr = metrics.get(f"rate_{state}_Hz", np.nan)
            ax_p.set_title(f"{fr:.1f} Hz, CV {cv:.2f}, χ {chi:.2f}", loc="left", fontsize=5.5, pad=2)
            if k // 2 == 1:
                ax_p.set_xlabel("time (ms)")
            if k % 2 == 0:
                ax_r.set_ylabel("neuron")
                ax_p.set_ylabel("rate (Hz)")
        top = max((ax.get_ylim()[1] for s, ax in rate_axes.items() if s in _SHARED), default=1.0)
        for state, ax in rate_axes.items():
            ax.set_ylim(0, top if state in _SHARED else max(ax.get_ylim()[1], 1.0))
        fig.text(0.01, 0.01, textwrap.fill(_caption(data), 92), fontsize=5, va="bottom", ha="left")
    return set_caption(fig, "Brunel 2000, Fig. 8 layout: four states of the sparse E/I network. "
                       + _caption(data))
