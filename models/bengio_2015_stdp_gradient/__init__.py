"""STDP as a gradient rule: the window that a temporal-derivative rule produces (Bengio et al. 2015).

The rule ``dw/dt = η x_pre dV_post/dt`` (presynaptic trace times the rate of change of the
postsynaptic potential; Xie & Seung 2000, Bengio et al. 2015) is run under the Bi & Poo pairing
protocol: one postsynaptic neuron is made to spike by brief current pulses (rest -70 mV, threshold
-54 mV, reset -60 mV, τm = ``tau_m``), and presynaptic neuron k fires at lag Δt_k before each
postsynaptic spike. Measured side by side, in the same network: the rule on the membrane potential
``v`` (with its reset), on a reset-free copy ``u``, on a filtered postsynaptic rate (whose window
is known in closed form), and pair STDP with Bi & Poo's window. The derivative rule has no window
built in: potentiation for pre-before-post comes from the rise of V that the presynaptic trace
still sees, depression for post-before-pre from the decay of V after the spike, so the sign changes
at Δt ≈ 0 and the two sides decay with τ_pre and τm.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from brian2 import Hz, mV, ms, second

from cortexlearn.analysis.stdp_window import fit_exponential_window, sign_agreement, zero_crossing
from cortexlearn.model import Check, Model, Parameter

PARAMETERS = (
    Parameter("tau_pre", 16.8 * ms, "decay time of the presynaptic trace",
              "chosen equal to Bi & Poo's tau_plus (Bi & Poo 2001 fit)", domain="positive"),
    Parameter("tau_m", 20 * ms, "membrane time constant of the postsynaptic neuron",
              "Song, Miller & Abbott 2000", domain="positive"),
    Parameter("tau_rate", 33.7 * ms, "decay time of the filtered postsynaptic rate (rate form)",
              "chosen equal to Bi & Poo's tau_minus", domain="positive"),
    Parameter("learning_rate_voltage", 1e-3, "η of the voltage form, per mV", "chosen (scale only)",
              domain="nonnegative"),
    Parameter("learning_rate_rate", 1e-2, "η of the rate form", "chosen (scale only)",
              domain="nonnegative"),
    Parameter("n_pairings", 60, "pairings per lag", "Bi & Poo 1998", quick=1, domain="integer>=1"),
    Parameter("pairing_rate", 1.0 * Hz, "repetition rate of the pairings", "Bi & Poo 1998",
              domain="positive"),
    Parameter("max_delay", 100 * ms, "largest |Δt|", "Bi & Poo 1998, Fig. 7", domain="positive"),
)

RULE_LABELS = ("voltage", "reset_free", "rate", "pair")


def lags_ms(max_delay_ms: float) -> np.ndarray:
    """2-ms lags over ±max_delay plus 0.5-ms lags within ±10 ms (to locate the sign change)."""
    coarse = np.arange(-max_delay_ms, max_delay_ms + 1e-9, 2.0)
    fine = np.arange(-10.0, 10.0 + 1e-9, 0.5)
    return np.unique(np.round(np.concatenate([coarse, fine]), 6))


def _rules(p):
    from cortexlearn.rules.derivative import TemporalDerivativeRule
    from cortexlearn.rules.stdp import PairSTDP

    common = dict(tau_pre=p["tau_pre"], w_max=10.0, scale=1.0)
    return {
        "voltage": TemporalDerivativeRule(signal="voltage", variable="v", v_scale=1 * mV,
                                          learning_rate=p["learning_rate_voltage"], **common),
        "reset_free": TemporalDerivativeRule(signal="voltage", variable="u", v_scale=1 * mV,
                                             learning_rate=p["learning_rate_voltage"], **common),
        "rate": TemporalDerivativeRule(signal="rate", tau_rate=p["tau_rate"],
                                       learning_rate=p["learning_rate_rate"], **common),
        "pair": PairSTDP(tau_plus=16.8 * ms, tau_minus=33.7 * ms, a_plus=0.777 / 60,
                         a_minus=0.273 / 60, w_max=10.0, scale=1.0),
    }


def simulate(ctx):
    from cortexlearn.build.plasticity import driven_neuron_network
    from cortexlearn.reference.stdp import derivative_rate_window
    from cortexlearn.analysis.stdp_window import fit_exponential_window

    p = ctx.params
    delays = lags_ms(float(p["max_delay"] / ms))
    n = int(p["n_pairings"])
    period = 1.0 / float(p["pairing_rate"] / Hz)
    rules = _rules(p)
    with ctx.simulation() as sim:
        dt = float(sim.dt)
        post = np.round((0.2 + np.arange(n) * period) / dt) * dt
        end = post[-1] + float(p["max_delay"] / second) + 0.5
        # a last presynaptic spike at `end` adds the rate form's pending part; it changes no other
        # rule (the traces it could pair with have decayed by e^-12 or more)
        pre = [list(np.round((post - d * 1e-3) / dt) * dt) + [round(end / dt) * dt] for d in delays]
        built = driven_neuron_network(rules, pre, post, w0=1.0, tau_m=p["tau_m"], name="bengio")
        info = sim.run(built.network, (end + 0.01) * second, namespace=built.namespace)
        if not info.complete:
            ctx.mark_interrupted("the simulation stopped early")
        windows = {}
        for label in RULE_LABELS:
            syn = built[f"synapses_{label}"]
            windows[label] = (np.asarray(syn.w[:])[np.argsort(np.asarray(syn.i[:]))] - 1.0) / n
        spikes = np.asarray(built["post_spikes"].t[:] / second)
        mon = built["voltage"]
        t_mon = np.asarray(mon.t[:] / ms)
        sel = (t_mon >= 150) & (t_mon < 300)
        v_trace, u_trace = np.asarray(mon.v[0] / mV)[sel], np.asarray(mon.u[0] / mV)[sel]
        t_trace = t_mon[sel] - 200.0
    stacked = np.vstack([windows[k] for k in RULE_LABELS])
    ctx.record("weight_change", xr.DataArray(stacked, dims=["rule", "delay"],
                                             coords={"rule": list(RULE_LABELS), "delay": delays},
                                             attrs={"units": "change per pairing (weight 1)",
                                                    "delay_units": "ms (t_post - t_pre)"}))
    ctx.record("membrane", xr.DataArray(np.vstack([v_trace, u_trace]), dims=["variable", "time"],
                                        coords={"variable": ["v", "u"], "time": t_trace},
                                        attrs={"units": "mV", "time_units": "ms from the post spike"}))
    analytic = derivative_rate_window(delays * 1e-3, float(p["learning_rate_rate"]),
                                      float(p["tau_pre"]), float(p["tau_rate"]))
    outside = np.abs(delays) >= 2.0  # outside the 1-ms current pulse and the 2-ms refractory period
    fit_v = fit_exponential_window(delays[outside], windows["voltage"][outside])
    metrics = {
        "zero_crossing_ms": zero_crossing(delays, windows["voltage"]),
        "zero_crossing_reset_free_ms": zero_crossing(delays, windows["reset_free"]),
        "zero_crossing_rate_ms": zero_crossing(delays, windows["rate"]),
        "sign_agreement_voltage": sign_agreement(delays, windows["voltage"]),
        "sign_agreement_reset_free": sign_agreement(delays, windows["reset_free"]),
        "voltage_tau_plus_ms": fit_v["tau_plus"], "voltage_tau_minus_ms": fit_v["tau_minus"],
        "voltage_ltp_ltd_ratio": float(fit_v["a_plus"] / fit_v["a_minus"]),
        "rate_window_max_error": float(np.max(np.abs(windows["rate"] - analytic)) / np.max(np.abs(analytic))),
        "post_spike_offset_ms": float(1e3 * np.max(np.abs(spikes[:n] - post))) if len(spikes) >= n else np.nan,
    }
    return metrics


def figure(data, metrics):
    from cortexlearn.plotting.style import PALETTE, figure as new_figure, style_context

    dw = data["weight_change"]
    d = np.asarray(dw["delay"])
    labels = {"voltage": "x_pre · dv/dt (v with reset)", "reset_free": "x_pre · du/dt (reset-free u)",
              "rate": "x_pre · dr/dt (filtered rate)", "pair": "pair STDP, Bi & Poo fit"}
    colours = {"voltage": PALETTE[6], "reset_free": PALETTE[1], "rate": PALETTE[5], "pair": PALETTE[0]}
    with style_context():
        fig = new_figure("single", 3.4, layout="constrained")
        grid = fig.add_gridspec(2, 2, height_ratios=[1, 1.15])
        ax0 = fig.add_subplot(grid[0, :])
        ax1 = fig.add_subplot(grid[1, 0])
        ax2 = fig.add_subplot(grid[1, 1], sharey=ax1)
        mem = data["membrane"]
        tm = np.asarray(mem["time"])
        ax0.plot(tm, np.asarray(mem.sel(variable="v")), color=PALETTE[6], label="v")
        ax0.plot(tm, np.asarray(mem.sel(variable="u")), color=PALETTE[1], ls="--", label="u (no reset)")
        ax0.set_xlabel("time from post spike (ms)")
        ax0.set_ylabel("membrane\npotential (mV)")
        ax0.legend(loc="upper left")
        ax0.set_title("a  postsynaptic potential", loc="left")
        for ax, keys, title in ((ax1, ("pair",), "b  pair STDP"), (ax2, ("voltage", "reset_free", "rate"),
                                                                   "c  derivative rule")):
            ax.axhline(0, color="0.7", lw=0.5)
            ax.axvline(0, color="0.7", lw=0.5)
            for key in keys:
                y = np.asarray(dw.sel(rule=key))
                ax.plot(d, y / np.max(np.abs(y)), color=colours[key], label=labels[key])
            ax.set_xlabel("Δt = t$_\\mathrm{post}$ − t$_\\mathrm{pre}$ (ms)")
            ax.legend(loc="upper left", fontsize=5, handlelength=1.2, borderaxespad=0.2)
            ax.set_title(title, loc="left")
        ax1.set_ylabel("Δw (normalised)")
        ax2.tick_params(labelleft=False)
        zc = metrics.get("zero_crossing_ms", np.nan)
        ax2.text(0.98, 0.03, f"sign change\nat {zc:+.2f} ms", transform=ax2.transAxes, ha="right",
                 va="bottom", fontsize=5)
        ax1.set_ylim(-1.1, 1.9)  # both normalised to their largest |Δw|: one scale, room for the legend
    from cortexlearn.plotting.style import set_caption

    return set_caption(fig, (
        "Bengio et al. 2015, Fig. 2: a, membrane potential of the postsynaptic neuron around its spike, "
        "with reset (v) and without (u); b, c, weight change of one synapse per pre/post lag Δt (2-ms "
        "steps, 0.5 ms within ±10 ms), each curve divided by its largest |Δw|; b, pair STDP with the "
        "Bi & Poo fit; c, the derivative rule on v, on u and on a filtered rate."))


CHECKS = (
    Check("sign change near 0 (dv/dt rule)", "zero_crossing_ms", "abs", 0.0, 2.0,
          "Bengio et al. 2015, Fig. 2: sign change at Δt = 0; ±2 ms chosen (four steps of the 0.5 ms lag grid near 0)"),
    Check("antisymmetric window (dv/dt rule)", "sign_agreement_voltage", ">=", 1.0, 0.0,
          "Bengio et al. 2015, Fig. 2: potentiation for every Δt > 2 ms, depression for every Δt < -2 ms"),
    Check("rate form equals its closed form", "rate_window_max_error", "<=", 1e-6, 0.0,
          "analytic window in cortexlearn.rules.derivative"),
)

MODEL = Model(
    name="bengio_2015_stdp_gradient",
    title="The STDP window of a temporal-derivative (gradient) rule",
    reference="Bengio Y, Mesnard T, Fischer A, Zhang S & Wu Y (2015) STDP as presynaptic activity "
              "times rate of change of postsynaptic activity, arXiv:1509.05936; Xie X & Seung HS "
              "(2000) NIPS 12",
    parameters=PARAMETERS,
    simulate=simulate,
    checks=CHECKS,
    figure=figure,
    description=__doc__,
    default_target="cpp_standalone",
)
