"""Pfister & Gerstner (2006): the frequency dependence of STDP, triplet rule against pair rule.

Sjöström, Turrigiano & Nelson (2001) paired pre- and postsynaptic spikes (lag ±10 ms) 60 times at
0.1-50 Hz: at low frequency pre-before-post (+10 ms) barely potentiates and post-before-pre (-10 ms)
depresses; at 40-50 Hz both orders potentiate. The minimal triplet model (visual-cortex fit,
all-to-all) reproduces this; a pair rule cannot, since its change is a sum of pair terms and the
extra pairs formed at high frequency are post-before-pre pairs, which depress.

Every (rule, frequency, lag) is its own synapse between two spike generators in one network; the
weight starts at 1 with the rule's scale 1 (so the change is the relative change) and a bound of 10
that is never reached.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from brian2 import ms, second

from cortexlearn.model import Check, Model, Parameter

FREQUENCIES_HZ = (0.1, 1.0, 5.0, 10.0, 20.0, 30.0, 40.0, 50.0)
LAGS_MS = (10.0, -10.0)

PARAMETERS = (
    Parameter("parameter_set", "visual_all_to_all", "triplet parameter set (Pfister & Gerstner 2006)",
              "Table 3 (visual cortex) / Table 4 (hippocampus)",
              choices=("visual_all_to_all", "visual_nearest", "hippocampal_all_to_all",
                       "hippocampal_nearest")),
    Parameter("pair_a_plus", 6.5e-3, "potentiation amplitude of the pair rule",
              "chosen: the triplet set's A3+ (the pair rule is not fitted in the paper's Table 3)",
              domain="nonnegative"),
    Parameter("pair_a_minus", 7.1e-3, "depression amplitude of the pair rule",
              "Pfister & Gerstner 2006, Table 3, A2- of the minimal visual-cortex model",
              domain="nonnegative"),
    Parameter("n_pairings", 60, "pairings per frequency", "Sjöström et al. 2001 / Pfister & Gerstner 2006",
              quick=10, domain="integer>=1"),
    Parameter("max_period", 1e4 * second, "longest interval between pairings (caps 0.1 Hz)",
              "no cap (quick smoke runs cap it at 0.25 s, so their low frequencies are really 4 Hz)",
              quick=0.25 * second, domain="positive"),
)


def pairing_trains(freq_hz: float, lag_ms: float, n: int, dt: float, start: float = 0.1,
                   max_period: float = np.inf):
    """Pre and post spike times (s) of ``n`` pairings at ``freq_hz`` with post − pre = ``lag_ms``."""
    period = min(1.0 / freq_hz, max_period)
    pre = start + 0.02 + np.arange(n) * period
    post = pre + lag_ms * 1e-3
    return list(np.round(pre / dt) * dt), list(np.round(post / dt) * dt)


def simulate(ctx):
    from cortexlearn.build.plasticity import spike_train_network
    from cortexlearn.rules.stdp import PairSTDP
    from cortexlearn.rules.triplet import TripletSTDP

    p = ctx.params
    n = int(p["n_pairings"])
    triplet = TripletSTDP.from_paper(p["parameter_set"], w_max=10.0, scale=1.0)
    pair = PairSTDP(tau_plus=16.8 * ms, tau_minus=33.7 * ms, a_plus=float(p["pair_a_plus"]),
                    a_minus=float(p["pair_a_minus"]), w_max=10.0, scale=1.0)
    results = {}
    with ctx.simulation() as sim:
        dt = float(sim.dt)
        pre, post, keys = [], [], []
        for f in FREQUENCIES_HZ:
            for lag in LAGS_MS:
                a, b = pairing_trains(f, lag, n, dt, max_period=float(p["max_period"] / second))
                pre.append(a)
                post.append(b)
                keys.append((f, lag))
        end = max(max(tr) for tr in pre + post) + 0.5
        built = spike_train_network({"triplet": triplet, "pair": pair}, pre, post, w0=1.0, name="pg")
        info = sim.run(built.network, end * second, namespace=built.namespace)
        if not info.complete:
            ctx.mark_interrupted("the simulation stopped early")
        for label in ("triplet", "pair"):
            syn = built[f"synapses_{label}"]
            results[label] = np.asarray(syn.w[:])[np.argsort(np.asarray(syn.i[:]))] - 1.0
    arr = np.zeros((2, len(FREQUENCIES_HZ), len(LAGS_MS)))
    for r, label in enumerate(("triplet", "pair")):
        for k, (f, lag) in enumerate(keys):
            arr[r, FREQUENCIES_HZ.index(f), LAGS_MS.index(lag)] = results[label][k]
    ctx.record("weight_change", xr.DataArray(arr, dims=["rule", "frequency", "lag"],
                                             coords={"rule": ["triplet", "pair"],
                                                     "frequency": list(FREQUENCIES_HZ),
                                                     "lag": list(LAGS_MS)},
                                             attrs={"units": f"relative change after {n} pairings",
                                                    "frequency_units": "Hz", "lag_units": "ms"}))

    def val(r, f, lag):
        return float(arr[("triplet", "pair").index(r), FREQUENCIES_HZ.index(f), LAGS_MS.index(lag)])

    return {
        "triplet_plus10_0p1hz": val("triplet", 0.1, 10.0), "triplet_minus10_0p1hz": val("triplet", 0.1, -10.0),
        "triplet_plus10_50hz": val("triplet", 50.0, 10.0), "triplet_minus10_50hz": val("triplet", 50.0, -10.0),
        "pair_plus10_0p1hz": val("pair", 0.1, 10.0), "pair_minus10_0p1hz": val("pair", 0.1, -10.0),
        "pair_plus10_50hz": val("pair", 50.0, 10.0), "pair_minus10_50hz": val("pair", 50.0, -10.0),
        "triplet_gain_plus10": val("triplet", 50.0, 10.0) - val("triplet", 0.1, 10.0),
        "pair_gain_plus10": val("pair", 50.0, 10.0) - val("pair", 0.1, 10.0),
        "simulated_s": float(end),
    }


def figure(data, metrics):
    from cortexlearn.plotting.style import PALETTE, figure as new_figure, style_context

    dw = data["weight_change"]
    f = np.asarray(dw["frequency"])
    with style_context():
        fig = new_figure("single", 2.3, layout="constrained")
        axes = fig.subplots(1, 2, sharey=True)
        for ax, rule, title in zip(axes, ("triplet", "pair"), ("a  triplet rule (minimal)", "b  pair rule")):
            ax.axhline(0, color="0.7", lw=0.5)
            for lag, colour in zip(LAGS_MS, (PALETTE[5], PALETTE[6])):
                y = 100 * np.asarray(dw.sel(rule=rule, lag=lag))
                ax.plot(f, y, "o-", color=colour, label=f"Δt = {lag:+.0f} ms")
            ax.set_xlabel("pairing frequency (Hz)")
            ax.set_title(title, loc="left")
        axes[0].set_ylabel("Δw / w after pairings (%)")
        fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=2, fontsize=5.5)
    from cortexlearn.plotting.style import set_caption

    return set_caption(fig, (
        "Pfister & Gerstner 2006, Fig. 3 protocol (Sjöström et al. 2001): relative weight change of one "
        "synapse after n_pairings pre/post pairs at each pairing frequency, post after pre (Δt > 0) and "
        "before (Δt < 0); a, minimal triplet rule of the visual-cortex fit; b, the pair rule. Both panels "
        "share the y-axis."))


SOURCE = "Sjöström et al. 2001 (Neuron 32:1149), Fig. 1; Pfister & Gerstner 2006, Fig. 4"
CHECKS = (
    Check("triplet: -10 ms depresses at 0.1 Hz", "triplet_minus10_0p1hz", "<", 0.0, 0.0, SOURCE),
    Check("triplet: -10 ms potentiates at 50 Hz", "triplet_minus10_50hz", ">", 0.0, 0.0, SOURCE),
    Check("triplet: +10 ms potentiation grows with frequency", "triplet_gain_plus10", ">", 0.0, 0.0, SOURCE),
    Check("pair: -10 ms still depresses at 50 Hz", "pair_minus10_50hz", "<", 0.0, 0.0,
          "Pfister & Gerstner 2006: a pair rule cannot show the frequency dependence"),
    Check("pair: +10 ms does not grow with frequency", "pair_gain_plus10", "<=", 0.0, 0.0,
          "Pfister & Gerstner 2006: a pair rule cannot show the frequency dependence"),
)

MODEL = Model(
    name="pfister_gerstner_2006",
    title="Frequency dependence of STDP: triplet vs pair rule",
    reference="Pfister J-P & Gerstner W (2006) J Neurosci 26:9673-9682; data: Sjöström PJ, "
              "Turrigiano GG & Nelson SB (2001) Neuron 32:1149-1164",
    parameters=PARAMETERS,
    simulate=simulate,
    checks=CHECKS,
    figure=figure,
    description=__doc__,
    default_target="cpp_standalone",
)
