"""Song, Miller & Abbott (2000): competitive Hebbian learning through STDP.

A conductance-based integrate-and-fire neuron receives 1,000 excitatory Poisson inputs (plastic,
additive STDP, A-/A+ = 1.05, τ± = 20 ms, weights starting at g_max) and 200 inhibitory Poisson inputs
at 10 Hz (fixed). Additive STDP splits the weights towards 0 and g_max (bimodal) and regulates the
output rate: it hardly changes when the input rate goes from 10 to 40 Hz, while the same neuron
with fixed weights fires several times faster. Multiplicative (soft-bound) STDP gives a unimodal
distribution instead (van Rossum, Bi & Turrigiano 2000).

All seven conditions run as independent channels of one compiled network (one output neuron and
its own inputs each): additive at 10/20/40 Hz, static at 10/20/40 Hz, multiplicative at 20 Hz.
Inputs draw one random number per spike (exponential intervals), not one per step.
"""

from __future__ import annotations

import time

import numpy as np
import xarray as xr
from brian2 import Hz, ms, second

from cortexlearn.analysis.weights import bimodality_coefficient, fraction_near_bounds
from cortexlearn.model import Check, Model, Parameter

RATES_HZ = (10.0, 20.0, 40.0)
CHANNELS = tuple([("additive", r) for r in RATES_HZ] + [("static", r) for r in RATES_HZ]
                 + [("multiplicative", 20.0)])

PARAMETERS = (
    Parameter("duration", 400 * second, "simulated time", "chosen (400 s: the weight distribution has settled, Song et al. 2000 Fig. 2)", quick=1 * second,
              domain="positive"),
    Parameter("n_inputs", 1000, "excitatory inputs per neuron", "Song et al. 2000", quick=200,
              domain="integer>=1"),
    Parameter("n_inhibitory", 200, "inhibitory inputs per neuron (10 Hz, fixed)", "Song et al. 2000",
              domain="integer>=1"),
    Parameter("g_max", 0.015, "maximal excitatory conductance (units of the leak)", "Song et al. 2000",
              domain="positive"),
    Parameter("a_plus", 0.005, "potentiation per pair, fraction of g_max", "Song et al. 2000",
              domain="nonnegative"),
    Parameter("ratio", 1.05, "A-/A+", "Song et al. 2000", domain="positive"),
    Parameter("tau_stdp", 20 * ms, "τ+ = τ-", "Song et al. 2000", domain="positive"),
    Parameter("multiplicative_a_plus", 0.005, "soft-bound rule: potentiation per pair × (g_max - w)",
              "chosen equal to a_plus", domain="nonnegative"),
    Parameter("traces", "neuron", "where the STDP traces live (same rule, same numbers up to rounding)",
              "measured: traces on the neurons are 1.6-4x faster", choices=("neuron", "synapse")),
    Parameter("rate_window", 100 * second, "final window over which output rates are measured",
              "chosen (last quarter of the run)", quick=0.5 * second, domain="positive"),
    Parameter("record_every", 10 * second, "interval of the weight snapshots", "chosen",
              quick=0.25 * second, domain="positive"),
)


def simulate(ctx):
    from cortexlearn.build.plasticity import song_network
    from cortexlearn.rules.stdp import PairSTDP

    p = ctx.params
    g_max = float(p["g_max"])
    additive = PairSTDP(tau_plus=p["tau_stdp"], tau_minus=p["tau_stdp"], a_plus=float(p["a_plus"]),
                        a_minus=float(p["a_plus"]) * float(p["ratio"]), w_max=g_max, traces=p["traces"])
    multiplicative = PairSTDP(tau_plus=p["tau_stdp"], tau_minus=p["tau_stdp"],
                              a_plus=float(p["multiplicative_a_plus"]),
                              a_minus=float(p["multiplicative_a_plus"]) * float(p["ratio"]),
                              w_max=g_max, weight_dependence="multiplicative", traces=p["traces"])
    rules = {"additive": additive, "static": None, "multiplicative": multiplicative}
    channels = [(rate * Hz, rules[kind]) for kind, rate in CHANNELS]
    n_in = int(p["n_inputs"])
    duration = float(p["duration"] / second)
    start = time.time()
    with ctx.simulation() as sim:
        built = song_network(channels, n_inputs=n_in, n_inhibitory=int(p["n_inhibitory"]), g_max=g_max,
                             record_weights_every=p["record_every"], name="song")
        info = sim.run(built.network, p["duration"], namespace=built.namespace)
        if not info.complete:
            ctx.mark_interrupted("the simulation stopped early")
        spikes_i = np.asarray(built["spikes"].i[:])
        spikes_t = np.asarray(built["spikes"].t[:] / second)
        snapshots = {}
        for k in (0, 2):  # additive synapses_0, multiplicative synapses_2 (static is 1)
            mon = built[f"weights_{k}"]
            channel = built[f"channel_of_synapses_{k}"]
            snapshots[k] = (np.asarray(mon.t[:] / second), np.asarray(mon.w[:]), channel,
                            np.asarray(built[f"synapses_{k}"].w[:]), np.asarray(built[f"synapses_{k}"].j[:]))
    wall = time.time() - start
    window = min(float(p["rate_window"] / second), duration)
    rates = np.array([np.sum((spikes_i == c) & (spikes_t >= duration - window)) / window
                      for c in range(len(CHANNELS))])
    # weights: final per channel; fraction near the bounds over time per plastic channel
    times_add, w_add, ch_add, final_add, post_add = snapshots[0]
    times_mul, w_mul, ch_mul, final_mul, post_mul = snapshots[2]
    frac_t = np.array([fraction_near_bounds(w_add[post_add == c].T, g_max) for c in range(3)])  # (3, n_times)
    final = np.vstack([final_add[post_add == c] for c in range(3)] + [final_mul[post_mul == 6]])
    ctx.record("near_bounds", xr.DataArray(frac_t, dims=["input_rate", "time"],
                                           coords={"input_rate": list(RATES_HZ), "time": times_add},
                                           attrs={"units": "fraction", "time_units": "s"}))
    ctx.record("final_weights", xr.DataArray(final / g_max, dims=["condition", "synapse"],
                                             coords={"condition": ["additive 10 Hz", "additive 20 Hz",
                                                                   "additive 40 Hz",
                                                                   "multiplicative 20 Hz"]},
                                             attrs={"units": "w / g_max"}))
    ctx.record("output_rate", xr.DataArray(rates.reshape(-1)[:6].reshape(2, 3),
                                           dims=["plasticity", "input_rate"],
                                           coords={"plasticity": ["additive", "static"],
                                                   "input_rate": list(RATES_HZ)},
                                           attrs={"units": "Hz"}))
    plastic, static = rates[:3], rates[3:6]
    final_frac = fraction_near_bounds(final[:3], g_max)
    return {
        "fraction_near_bounds_10hz": float(final_frac[0]),
        "fraction_near_bounds_20hz": float(final_frac[1]),
        "fraction_near_bounds_40hz": float(final_frac[2]),
        "multiplicative_fraction_near_bounds": float(fraction_near_bounds(final[3], g_max)),
        "multiplicative_bimodality": bimodality_coefficient(final[3] / g_max),
        "additive_bimodality_20hz": bimodality_coefficient(final[1] / g_max),
        "rate_plastic_10hz": float(plastic[0]), "rate_plastic_20hz": float(plastic[1]),
        "rate_plastic_40hz": float(plastic[2]),
        "rate_static_10hz": float(static[0]), "rate_static_20hz": float(static[1]),
        "rate_static_40hz": float(static[2]),
        "rate_multiplicative_20hz": float(rates[6]),
        "regulation_ratio": float(plastic.max() / plastic.min()) if plastic.min() > 0 else float("inf"),
        "static_rate_ratio": float(static[2] / static[0]) if static[0] > 0 else float("inf"),
        "wall_time_s": float(wall), "build_time_s": float(info.build_time),
        "simulation_time_s": float(info.wall_time),
    }


def figure(data, metrics):
    from cortexlearn.plotting.style import PALETTE, figure as new_figure, plain_log_ticks, style_context

    with style_context():
        fig = new_figure("single", 3.4, layout="constrained")
        grid = fig.add_gridspec(2, 2)
        ax0 = fig.add_subplot(grid[0, :])
        ax1, ax2 = fig.add_subplot(grid[1, 0]), fig.add_subplot(grid[1, 1])
        nb = data["near_bounds"]
        colours = (PALETTE[2], PALETTE[5], PALETTE[6])
        for r, colour in zip(np.asarray(nb["input_rate"]), colours):
            ax0.plot(np.asarray(nb["time"]), np.asarray(nb.sel(input_rate=r)), color=colour,
                     label=f"{r:.0f} Hz")
        ax0.axhline(0.4, color="0.6", lw=0.5, ls=":")
        ax0.set_xlabel("time (s)")
        ax0.set_ylabel("fraction of weights\nwithin 10 % of a bound")
        ax0.set_title("a  additive STDP", loc="left")
        ax0.legend(loc="lower right", title="input rate", fontsize=5, title_fontsize=5, ncol=3)
        fw = data["final_weights"]
        bins = np.linspace(0, 1, 26)
        ax1.hist(np.asarray(fw.sel(condition="additive 20 Hz")), bins=bins, color=PALETTE[5], alpha=0.8,
                 label="additive")
        ax1.hist(np.asarray(fw.sel(condition="multiplicative 20 Hz")), bins=bins, color=PALETTE[1],
                 alpha=0.7, label="multiplicative")
        ax1.set_xlabel("w / g$_\\mathrm{max}$ at the end")
        ax1.set_ylabel("synapses")
        ax1.set_title("b  final weights, 20 Hz", loc="left")
        ax1.legend(loc="upper center", fontsize=5, handlelength=1.2)
        rates = data["output_rate"]
        x = np.asarray(rates["input_rate"])
        ax2.plot(x, np.asarray(rates.sel(plasticity="additive")), "o-", color=PALETTE[5], label="additive STDP")
        ax2.plot(x, np.asarray(rates.sel(plasticity="static")), "s--", color=PALETTE[0], label="fixed weights")
        ax2.set_xlabel("input rate (Hz)")
        ax2.set_yscale("log")
        ax2.set_ylabel("output rate (Hz)")
        plain_log_ticks(ax2, "y")
        ax2.set_title("c  rate regulation", loc="left")
        ax2.legend(loc="upper left", fontsize=5, handlelength=1.5)
    from cortexlearn.plotting.style import set_caption

    n_syn = int(np.asarray(fw.sel(condition="additive 20 Hz")).size)
    return set_caption(fig, (
        f"Song, Miller & Abbott 2000, Figs. 2-3: conductance-based LIF neurons, one per input rate and "
        f"condition, each driven by {n_syn:,} "
        "excitatory Poisson inputs and n_inhibitory fixed inhibitory ones at 10 Hz. a, fraction of the excitatory "
        "weights within 10 % of 0 or g_max during additive STDP, per input rate (dotted: 40 %). "
        "b, histogram of the final weights at 20 Hz inputs, 25 bins of 0.04 g_max, additive and "
        "multiplicative STDP. c, output rate over the last rate_window of each run against the input "
        "rate, with additive STDP and with fixed weights (log axis)."))


SOURCE = "Song, Miller & Abbott 2000, Fig. 2 (bimodal weights at the bounds)"
CHECKS = (
    Check("weights near the bounds (20 Hz, 400 s)", "fraction_near_bounds_20hz", ">=", 0.40, 0.0, SOURCE),
    Check("rate regulation max/min over 10-40 Hz", "regulation_ratio", "<=", 2.0, 0.0,
          "Song, Miller & Abbott 2000, Fig. 3 (output rate nearly independent of input rate)"),
    Check("fixed weights: rate rises several-fold (40 vs 10 Hz)", "static_rate_ratio", ">", 2.0, 0.0,
          "Song, Miller & Abbott 2000, Fig. 3 (without plasticity the rate rises several-fold); judged as more than the plastic bound of 2"),
    Check("multiplicative rule is unimodal", "multiplicative_bimodality", "<", 5 / 9, 0.0,
          "van Rossum et al. 2000; Sarle's coefficient below 5/9 (SAS/STAT)"),
)

MODEL = Model(
    name="song_2000",
    title="Competitive Hebbian learning through STDP (Song, Miller & Abbott 2000)",
    reference="Song S, Miller KD & Abbott LF (2000) Nat Neurosci 3:919-926; van Rossum MCW, Bi G-Q "
              "& Turrigiano GG (2000) J Neurosci 20:8812-8821",
    parameters=PARAMETERS,
    simulate=simulate,
    checks=CHECKS,
    figure=figure,
    description=__doc__,
    default_target="cpp_standalone",
)
