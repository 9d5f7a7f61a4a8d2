"""Bi & Poo (1998): the STDP window measured with a pairing protocol, and its exponential fit.

Each of ``n_delays`` synapses sees ``n_pairings`` pre/post pairs at ``pairing_rate`` with its own
lag Δt = t_post - t_pre in [-100, 100] ms (positive: pre before post), under additive pair STDP
(:class:`~cortexlearn.rules.stdp.PairSTDP`) with the window parameters of the model. The relative
weight change per pairing is fitted with ``A+ exp(-Δt/τ+)`` (Δt > 0) and ``-A- exp(Δt/τ-)``
(Δt < 0); the fit must recover the rule's τ+ and τ- within 5 %, and its amplitudes.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from brian2 import Hz, ms, second

from cortexlearn.model import Check, Model, Parameter

PARAMETERS = (
    Parameter("tau_plus", 16.8 * ms, "decay time of the potentiation side of the window",
              "Bi & Poo 2001 (Annu Rev Neurosci 24:139) fit of the Bi & Poo 1998 data",
              domain="positive"),
    Parameter("tau_minus", 33.7 * ms, "decay time of the depression side of the window",
              "Bi & Poo 2001 fit of the 1998 data", domain="positive"),
    Parameter("a_plus", 0.777 / 60, "relative potentiation per pairing at Δt -> 0+",
              "Bi & Poo 2001 fit (77.7 % after 60 pairings), divided by the 60 pairings",
              domain="nonnegative"),
    Parameter("a_minus", 0.273 / 60, "relative depression per pairing at Δt -> 0-",
              "Bi & Poo 2001 fit (27.3 % after 60 pairings), divided by the 60 pairings",
              domain="nonnegative"),
    Parameter("n_pairings", 60, "pairings per lag", "Bi & Poo 1998 (60 pairings at 1 Hz)", quick=2,
              domain="integer>=1"),
    Parameter("pairing_rate", 1.0 * Hz, "repetition rate of the pairings", "Bi & Poo 1998",
              domain="positive"),
    Parameter("max_delay", 100 * ms, "largest |Δt|", "Bi & Poo 1998, Fig. 7", domain="positive"),
    Parameter("delay_step", 2 * ms, "spacing of the lags", "chosen: 101 lags over [-100, 100] ms",
              quick=10 * ms, domain="positive"),
)


def _rule(params):
    from cortexlearn.rules.stdp import PairSTDP

    # weight 1 with bound 10: no clipping, and an absolute change equals the relative one
    return PairSTDP(tau_plus=params["tau_plus"], tau_minus=params["tau_minus"],
                    a_plus=params["a_plus"], a_minus=params["a_minus"], w_max=10.0, scale=1.0)


def pairing_trains(delays_s, n_pairings: int, rate_hz: float, start: float = 0.2, dt: float = 1e-4):
    """Pre trains (one per lag) and the shared post train, on the ``dt`` grid, in seconds."""
    period = 1.0 / rate_hz
    post = np.round((start + np.arange(n_pairings) * period) / dt) * dt
    pre = [list(np.round((post - d) / dt) * dt) for d in delays_s]
    return pre, [list(post)]


def simulate(ctx):
    from cortexlearn.build.plasticity import spike_train_network
    from cortexlearn.analysis.stdp_window import fit_exponential_window

    p = ctx.params
    max_delay, step = float(p["max_delay"] / ms), float(p["delay_step"] / ms)
    delays_ms = np.round(np.arange(-max_delay, max_delay + step / 2, step), 6)
    n = int(p["n_pairings"])
    rate = float(p["pairing_rate"] / Hz)
    with ctx.simulation() as sim:
        dt = float(sim.dt)
        pre, post = pairing_trains(delays_ms * 1e-3, n, rate, dt=dt)
        built = spike_train_network(_rule(p), pre, post, sources=np.arange(len(delays_ms)),
                                    targets=np.zeros(len(delays_ms), dtype=int), w0=1.0, name="bipoo")
        duration = (max(post[0]) + max_delay * 1e-3 + 0.1) * second
        info = sim.run(built.network, duration, namespace=built.namespace)
        if not info.complete:
            ctx.mark_interrupted("the simulation stopped early")
        syn = built["synapses"]
        w = np.asarray(syn.w[:])[np.argsort(np.asarray(syn.i[:]))]
    per_pairing = (w - 1.0) / n
    ctx.record("weight_change", xr.DataArray(per_pairing, dims=["delay"],
                                             coords={"delay": delays_ms},
                                             attrs={"units": "relative change per pairing",
                                                    "delay_units": "ms (t_post - t_pre)"}))
    fit = fit_exponential_window(delays_ms, per_pairing)
    return {"tau_plus_ms": fit["tau_plus"], "tau_minus_ms": fit["tau_minus"],
            "a_plus": fit["a_plus"], "a_minus": fit["a_minus"],
            "total_change_at_plus_2ms": float(per_pairing[np.argmin(np.abs(delays_ms - 2))] * n),
            "simulated_s": float(duration / second)}


def figure(data, metrics):
    from cortexlearn.plotting.style import figure as new_figure, style_context

    dw = data["weight_change"]
    d = np.asarray(dw["delay"])
    with style_context():
        fig = new_figure("single", 2.2)
        ax = fig.add_subplot(111)
        ax.axhline(0, color="0.7", lw=0.5)
        ax.axvline(0, color="0.7", lw=0.5)
        ax.plot(d, 100 * np.asarray(dw), "o", ms=2, color="#0072B2", label="simulated (per pairing)")
        for side, sign, mask in (("plus", 1, d > 0), ("minus", -1, d < 0)):
            x = np.linspace(0.5, np.abs(d).max(), 200)
            a, tau = metrics.get(f"a_{side}", np.nan), metrics.get(f"tau_{side}_ms", np.nan)
            if np.isfinite(a) and np.isfinite(tau):
                ax.plot(sign * x, sign * 100 * a * np.exp(-x / tau), color="#D55E00", lw=1,
                        label=f"fit τ{'+' if side == 'plus' else '−'} = {tau:.1f} ms")
        ax.set_xlabel("Δt = t_post − t_pre (ms)")
        ax.set_ylabel("Δw / w per pairing (%)")
        ax.legend(loc="upper right")
        fig.tight_layout()
    from cortexlearn.plotting.style import set_caption

    return set_caption(fig, (
        f"Bi & Poo 1998, Fig. 7: relative weight change per pairing of {d.size} synapses, one per lag "
        "Δt (points), each after n_pairings pre/post pairings at pairing_rate; lines: exponential fits "
        "to the potentiation (Δt > 0) and depression (Δt < 0) sides."))


def _param_ms(name):
    return lambda metrics, params: float(params[name] / ms)


def _param(name):
    return lambda metrics, params: float(params[name])


CHECKS = (
    Check("fit recovers tau_plus", "tau_plus_ms", "rel", _param_ms("tau_plus"), 0.05,
          "chosen: within 5 % of the rule's tau_plus (Bi & Poo 2001 fit 16.8 ms)"),
    Check("fit recovers tau_minus", "tau_minus_ms", "rel", _param_ms("tau_minus"), 0.05,
          "chosen: within 5 % of the rule's tau_minus (Bi & Poo 2001 fit 33.7 ms)"),
    Check("fit recovers a_plus", "a_plus", "rel", _param("a_plus"), 0.05,
          "amplitude of the rule (Bi & Poo 2001 fit)"),
    Check("fit recovers a_minus", "a_minus", "rel", _param("a_minus"), 0.05,
          "amplitude of the rule (Bi & Poo 2001 fit)"),
)

MODEL = Model(
    name="bi_poo_1998",
    title="STDP window from a pairing protocol (Bi & Poo 1998)",
    reference="Bi G-Q & Poo M-M (1998) J Neurosci 18:10464-10472; fit: Bi & Poo (2001) Annu Rev "
              "Neurosci 24:139-166",
    parameters=PARAMETERS,
    simulate=simulate,
    checks=CHECKS,
    figure=figure,
    description=__doc__,
    default_target="cpp_standalone",
)
