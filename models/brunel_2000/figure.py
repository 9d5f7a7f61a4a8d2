"""Figure in the layout of Brunel 2000, Fig. 8: per state a raster and the population rate."""

from __future__ import annotations

import numpy as np

from cortexlearn.plotting.style import EXCITATORY, figure as new_figure, style_context

from .circuit import STATES

_TITLES = {"SR": "A  SR", "SI_fast": "B  SI fast", "AI": "C  AI", "SI_slow": "D  SI slow"}


def draw(data, metrics):
    with style_context():
        fig = new_figure("double", height=3.2)
        axes = fig.subplots(2, 4, sharex="col", gridspec_kw={"height_ratios": [2, 1]})
        for col, state in enumerate(STATES):
            raster = data.get(f"raster_{state}")
            rate = data.get(f"population_rate_{state}")
            ax_r, ax_p = axes[0, col], axes[1, col]
            if raster is not None and raster.size:
                neuron, time = np.asarray(raster.sel(field="neuron")), np.asarray(raster.sel(field="time"))
                ax_r.plot(time * 1e3, neuron, "|", ms=1.5, color=EXCITATORY)
            t_end = float(rate["time"][-1]) if rate is not None else 1.0
            ax_r.set_xlim((t_end - 0.2) * 1e3, t_end * 1e3)
            g = raster.attrs.get("g", np.nan) if raster is not None else np.nan
            nu = raster.attrs.get("nu_ratio", np.nan) if raster is not None else np.nan
            ax_r.set_title(f"{_TITLES[state]}  (g={g:g}, ν/ν$_{{thr}}$={nu:g})", loc="left")
            if rate is not None:
                t = np.asarray(rate["time"]) * 1e3
                ax_p.bar(t, np.asarray(rate), width=1.0, color="0.3", linewidth=0)
            cv = metrics.get(f"cv_{state}", np.nan)
            chi = metrics.get(f"synchrony_{state}", np.nan)
            fr = metrics.get(f"rate_{state}_Hz", np.nan)
            ax_p.text(0.02, 0.95, f"{fr:.1f} Hz, CV {cv:.2f}, χ {chi:.2f}", transform=ax_p.transAxes,
                      va="top", fontsize=5)
            ax_p.set_xlabel("time (ms)")
            if col == 0:
                ax_r.set_ylabel("neuron")
                ax_p.set_ylabel("rate (Hz)")
        fig.tight_layout(pad=0.3)
    return fig
