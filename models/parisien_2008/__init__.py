"""Parisien, Anderson & Eliasmith (2008): Dale's principle costs a network little.

A communication channel (A → B, 5 ms synapses) and an integrator (A → B → B, 100 ms synapses),
each built twice from NEF decoders: with mixed-sign weights, and after the Parisien transform
(purely excitatory weights + an inhibitory interneuron population per mixed-sign connection,
:func:`cortexlearn.dale.transform_weights`). All four spiking networks run in one compiled program;
the decoded output of B is compared with what the network should compute.
"""

from __future__ import annotations

import numpy as np
from brian2 import ms, second

from cortexlearn.model import Check, Model, Parameter


def _simulate(ctx):
    import xarray as xr

    from cortexlearn.build.nef import build_nef_network
    from cortexlearn.reference.nef import filter_spikes

    from .networks import build_specs, ideal_outputs, input_signals

    p = ctx.params
    dt_s = 1e-4
    duration = float(p["duration"] / second)
    tau_f, tau_s = float(p["tau_fast"] / second), float(p["tau_slow"] / second)
    u = input_signals(duration, dt_s)
    pops, conns, info = build_specs(p["n_neurons"], p["n_inhibitory"], tau_s, ctx.seed)
    with ctx.simulation() as sim:
        net = build_nef_network(pops, conns, u, 0.1 * ms, tau_fast=p["tau_fast"], tau_slow=p["tau_slow"],
                                name="parisien", seed=ctx.seed)
        run = sim.run(net.network, duration * second, namespace=net.namespace)
        if not run.complete:
            ctx.mark_interrupted("the run stopped early")
        spikes = {name: (np.array(m.i[:], copy=True), np.array(m.t[:] / second, copy=True))
                  for name, m in net.spike_monitors.items()}
        sizes = {name: g.N for name, g in net.groups.items()}
    ideal = ideal_outputs(u, dt_s, tau_f, tau_s)
    t = np.arange(u.shape[0]) * dt_s
    keep = t >= min(0.1, duration / 4)
    metrics = {"sim_wall_s": run.wall_time, "build_s": run.build_time}
    traces = {}
    for net_name in ("ch", "chd", "in", "ind"):
        b = f"{net_name}_B"
        idx, times = spikes[b]
        rates = filter_spikes(idx, times, sizes[b], duration, dt_s, tau_f)
        decoded = rates @ info["decoders"][b]
        target = ideal[net_name[:2]]
        traces[net_name] = decoded
        metrics[f"rmse_{net_name}"] = float(np.sqrt(np.mean((decoded[keep] - target[keep]) ** 2)))
        for pop, (i_, t_) in spikes.items():
            if pop.startswith(net_name + "_"):
                metrics[f"rate_{pop}_hz"] = float(len(t_) / (sizes[pop] * duration))
    metrics["ratio_channel"] = metrics["rmse_chd"] / metrics["rmse_ch"]
    metrics["ratio_integrator"] = metrics["rmse_ind"] / metrics["rmse_in"]
    for key, tr in info["transforms"].items():
        metrics[f"offset_mean_{key}"] = float(np.mean(tr.offset))
    step = max(1, int(round(1e-3 / dt_s)))
    coords = {"time": t[::step]}
    for kind in ("ch", "in"):
        ctx.record(f"{kind}_target", xr.DataArray(ideal[kind][::step], dims=("time",), coords=coords))
        ctx.record(f"{kind}_input", xr.DataArray(u[::step, 0 if kind == "ch" else 1], dims=("time",), coords=coords))
        for suffix in ("", "d"):
            ctx.record(f"{kind}{suffix}_decoded", xr.DataArray(traces[kind + suffix][::step], dims=("time",),
                                                               coords=coords))
    t_ab = info["transforms"]["chd_AB"]
    ctx.record("chd_excitatory_weights", xr.DataArray(t_ab.excitatory, dims=("post", "pre")))
    ctx.record("chd_inhibitory_weights", xr.DataArray(t_ab.inhibitory, dims=("post", "inh")))
    return metrics


def _figure(data, metrics):
    import matplotlib.pyplot as plt

    from cortexlearn.plotting.style import EXCITATORY, INHIBITORY, SINGLE_COLUMN, style_context

    with style_context():
        fig, axes = plt.subplots(3, 1, figsize=(SINGLE_COLUMN, 4.4), constrained_layout=True,
                                 gridspec_kw={"height_ratios": [1, 1, 0.8]})
        for ax, kind, title in ((axes[0], "ch", "a  communication channel"), (axes[1], "in", "b  integrator")):
            t = np.asarray(data[f"{kind}_target"]["time"])
            ax.plot(t, np.asarray(data[f"{kind}_input"]), color="0.7", lw=0.6, label="input")
            ax.plot(t, np.asarray(data[f"{kind}_target"]), color="k", lw=1.0, label="ideal")
            ax.plot(t, np.asarray(data[f"{kind}_decoded"]), color=INHIBITORY, lw=0.7,
                    label=f"mixed-sign (RMSE {metrics.get('rmse_' + kind, np.nan):.3f})")
            ax.plot(t, np.asarray(data[f"{kind}d_decoded"]), color=EXCITATORY, lw=0.7,
                    label=f"Dale (RMSE {metrics.get('rmse_' + kind + 'd', np.nan):.3f})")
            ax.set_xlabel("time (s)")
            ax.set_ylabel("decoded value")
            ax.set_title(title, loc="left")
            ax.legend(fontsize=5, loc="upper left", bbox_to_anchor=(1.0, 1.0), borderaxespad=0.2,
                      handlelength=1.2)
        ax = axes[2]
        w = np.asarray(data["chd_excitatory_weights"])
        ax.hist(w.ravel(), bins=40, color=EXCITATORY, alpha=0.8, label="E → B (after transform)")
        ax.hist(np.asarray(data["chd_inhibitory_weights"]).ravel(), bins=40, color=INHIBITORY, alpha=0.8,
                label="interneurons → B")
        ax.set_xlabel("weight magnitude (current·s)")
        ax.set_ylabel("synapses")
        ax.set_title("c  Dale's law: all weights non-negative", loc="left")
        ax.legend(fontsize=5, loc="upper left", bbox_to_anchor=(1.0, 1.0), borderaxespad=0.2,
                  handlelength=1.2)
        # a and b keep their own value axes: b's input (the integrand) is ten times the decoded value
        axes[0].sharex(axes[1])
    from cortexlearn.plotting.style import set_caption

    return set_caption(fig, (
        "Parisien, Anderson & Eliasmith 2008: value decoded from the spikes of population B (filtered "
        "with the fast synaptic time constant) of a communication channel (a) and an integrator (b), "
        "with mixed-sign weights and with Dale's law (excitatory weights plus an inhibitory "
        "interneuron population), against the ideal output; RMSE after the first 0.1 s (a quarter "
        "of the run if that is shorter). The integrator's input (grey) is its derivative, on the same axis. c, histograms (40 bins) of the channel's "
        "excitatory and inhibitory weight magnitudes under Dale's law."))


_SRC = "Parisien, Anderson & Eliasmith 2008 (Neural Comput 20:1473): the Dale version costs little accuracy; factor 1.5 chosen"

MODEL = Model(
    name="parisien_2008",
    title="Dale-compliant communication channel and integrator (Parisien transform)",
    reference=("Parisien C, Anderson CH, Eliasmith C (2008). Solving the problem of negative synaptic "
               "weights in cortical models. Neural Computation 20:1473-1494."),
    parameters=(
        Parameter("n_neurons", 100, "LIF neurons per ensemble (A and B)", "chosen", quick=30,
                  domain="integer>=1"),
        Parameter("n_inhibitory", 50, "interneurons per transformed connection", "chosen", quick=15,
                  domain="integer>=1"),
        Parameter("duration", 2.5 * second, "simulated time", "chosen", quick=0.3 * second,
                  domain="positive"),
        Parameter("tau_fast", 5 * ms, "synaptic time constant of the channel and the interneuron input",
                  "NEF convention", domain="positive"),
        Parameter("tau_slow", 100 * ms, "recurrent synaptic time constant of the integrator",
                  "NEF integrator (Eliasmith & Anderson 2003)", domain="positive"),
    ),
    simulate=_simulate,
    checks=(
        Check("channel: Dale RMSE <= 1.5 x mixed-sign RMSE", "ratio_channel", "<=", 1.5, source=_SRC),
        Check("integrator: Dale RMSE <= 1.5 x mixed-sign RMSE", "ratio_integrator", "<=", 1.5, source=_SRC),
    ),
    figure=_figure,
    description=__doc__,
    default_target="cpp_standalone",
)
