"""Urbanczik & Senn (2014): learning by the dendritic prediction of somatic spiking (Fig. 1).

One two-compartment neuron (:func:`cortexlearn.neurons.urbanczik_senn`) receives ``n_inputs``
frozen Poisson spike trains on its dendrite, a pattern of ``pattern_duration`` repeated
``n_patterns`` times; its dendritic synapses learn with the dendritic prediction rule
(:class:`cortexlearn.rules.urbanczik.DendriticPrediction`). During the middle repetitions a
somatic teacher (excitatory conductance ``g_E0 + g_E1 sin(2 pi f t)``, inhibitory ``g_I0``)
nudges the soma toward the matching potential ``U_M``; the first and last ``n_free`` repetitions
run without it. The set-up and every parameter are those of NEST's
``urbanczik_synapse_example.py`` (which reproduces the paper's Fig. 1B in physical units).

Checks: on the last repetition (held out: no teacher, after learning) the dendritic prediction
``V_w*`` tracks the matching potential with correlation >= 0.9, and its RMS error is at least 5x
smaller than on the first repetition (before learning).

:mod:`.peer` runs the same protocol and input patterns in NEST 3.10 (its example's set-up) and
measures it with the same analysis (:func:`repetition_errors`).
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from brian2 import Hz, ms, nS, pA, second

from cortexlearn.model import Check, Model, Parameter

_NEST = "NEST 3.10 pynest/examples/urbanczik_synapse_example.py"
#: steady state of a 3-ms conductance kicked every 0.1-ms step: kick / (1 - exp(-0.1/3))
_KICKS = 1.0 / (1.0 - np.exp(-0.1 / 3.0))

PARAMETERS = (
    Parameter("n_inputs", 200, "dendritic inputs (frozen Poisson trains)", _NEST, domain="integer>=1"),
    Parameter("input_rate", 10.0 * Hz, "rate of each input train", _NEST, domain="positive"),
    Parameter("pattern_duration", 200 * ms, "length of the repeated input pattern", _NEST,
              domain="positive"),
    Parameter("n_learning", 100, "repetitions with the teacher on", _NEST, quick=10,
              domain="integer>=1"),
    Parameter("n_free", 2, "repetitions without teacher before and after learning", _NEST,
              domain="integer>=1"),
    Parameter("eta", 0.17, "learning rate in NEST's units (converted by nest_learning_rate)", _NEST,
              domain="nonnegative"),
    Parameter("tau_delta", 100 * ms, "low-pass filter of the weight change",
              "Urbanczik & Senn 2014, Experimental Procedures; " + _NEST, domain="positive"),
    Parameter("w_initial", 90 * pA, "initial dendritic weight (0.3 C_m per ms)", _NEST,
              domain="nonnegative"),
    Parameter("w_max", 1350 * pA, "largest dendritic weight (4.5 C_m per ms)", _NEST,
              domain="positive"),
    Parameter("g_E0", round(5.4 * _KICKS, 3) * nS, "mean teacher excitation",
              "NEST example: 0.018 C_m nS per 0.1-ms step into a 3-ms conductance",
              domain="nonnegative"),
    Parameter("g_E1", round(4.8 * _KICKS, 3) * nS, "amplitude of the teacher excitation's sine",
              "NEST example: 0.016 C_m per step", domain="nonnegative"),
    Parameter("g_I0", round(18.0 * _KICKS, 3) * nS, "teacher inhibition", "NEST example: 0.06 C_m per step",
              domain="nonnegative"),
    Parameter("t_ref", 3 * ms, "somatic dead time after a spike (0: a Poisson process of rate phi(U))",
              _NEST, domain="nonnegative"),
    Parameter("f_teach", 10.0 * Hz, "frequency of the teacher's sine (two periods per pattern)", _NEST,
              domain="positive"),
)


def input_pattern(params, seed: int, dt: float = 1e-4):
    """One pattern of frozen Poisson trains: (input index, time step) arrays, at most one spike
    per input and step, steps >= 1."""
    rng = np.random.default_rng([int(seed), 2014])
    n, rate = int(params["n_inputs"]), float(params["input_rate"] / Hz)
    n_steps = int(round(float(params["pattern_duration"] / second) / dt))
    spikes = rng.random((n, n_steps)) < rate * dt
    spikes[:, 0] = False
    index, steps = np.nonzero(spikes)
    order = np.argsort(steps, kind="stable")
    return index[order], steps[order]


def schedule(params):
    """(number of repetitions, teacher start, teacher stop) in repetitions."""
    n_free, n_learn = int(params["n_free"]), int(params["n_learning"])
    return 2 * n_free + n_learn, n_free, n_free + n_learn


def neuron_model(params):
    from cortexlearn.neurons import urbanczik_senn

    n_total, on, off = schedule(params)
    period = params["pattern_duration"]
    return urbanczik_senn(tau_ref=params["t_ref"], g_E0=params["g_E0"], g_E1=params["g_E1"], g_I0=params["g_I0"],
                          f_teach=params["f_teach"], t_teach_on=on * period, t_teach_off=off * period)


def rule(params, neuron):
    from cortexlearn.rules.urbanczik import DendriticPrediction, nest_learning_rate

    tau_L, tau_s = neuron.parameters["C_d"] / neuron.parameters["g_L_d"], neuron.parameters["tau_d_e"]
    return DendriticPrediction.for_neuron(neuron, eta=nest_learning_rate(params["eta"], tau_L, tau_s),
                                          tau_delta=params["tau_delta"], w_max=params["w_max"])


def circuit(params, index, steps, dt: float = 1e-4, shift_steps: int = 0):
    """The circuit of one training run: the pattern (``index``, ``steps``) repeated, one neuron, plastic
    dendritic synapses. ``shift_steps`` delays every input spike (a transmission delay)."""
    from cortexlearn.specs import Circuit, Connectivity, Population, Projection, SpikeSource

    n_total = schedule(params)[0]
    n = int(params["n_inputs"])
    period = int(round(float(params["pattern_duration"] / second) / dt))
    all_steps = (steps[None, :] + shift_steps + period * np.arange(n_total)[:, None]).ravel()
    all_index = np.tile(index, n_total)
    neuron = neuron_model(params)
    return Circuit(
        "urbanczik_senn", populations=[Population("neuron", 1, neuron)],
        sources=[SpikeSource("inputs", n, all_index, all_steps * dt * second)],
        projections=[Projection("inputs", "neuron",
                                Connectivity.explicit(np.arange(n), np.zeros(n, dtype=np.int64)),
                                params["w_initial"], rule=rule(params, neuron), name="dendritic")])


def matching_potential(params, times_s):
    """``U_M(t)`` of the teacher (as if on), its conductances in steady state after the synaptic
    low-pass filter (the paper's Fig. 1: U_M = (g_E E_E + g_I E_I) / (g_E + g_I))."""
    from cortexlearn.reference.urbanczik import matching_potential as u_m

    neuron = neuron_model(params)
    p = {k: float(v) for k, v in neuron.parameters.items()}
    w = 2 * np.pi * float(params["f_teach"] / Hz)
    gain = 1.0 / np.sqrt(1.0 + (w * p["tau_e"]) ** 2)
    lag = np.arctan(w * p["tau_e"])
    g_E = p["g_E0"] + p["g_E1"] * gain * np.sin(w * np.asarray(times_s) - lag)
    return u_m(g_E, np.full_like(g_E, p["g_I0"]), p["E_e"], p["E_i"])


def prediction(params, v_d):
    """``V_w*`` from the dendritic potential (Eq. 2)."""
    from cortexlearn.reference.urbanczik import dendritic_prediction

    p = {k: float(v) for k, v in neuron_model(params).parameters.items()}
    return dendritic_prediction(v_d, p["g_L"], p["E_L"], p["g_D"])


def repetition_errors(params, times_s, v_d):
    """RMS difference and correlation between ``V_w*`` and ``U_M``, one value per repetition.

    Parameters
    ----------
    params : dict
        The model's resolved parameters (schedule, pattern duration, neuron constants).
    times_s : ndarray
        Sample times in seconds, every 1 ms from ``t = 0`` (the first ``pattern_duration / 1 ms``
        samples form the first repetition).
    v_d : ndarray
        The dendritic potential (volt, as float) at those times.

    Returns
    -------
    rmse : ndarray
        RMS(V_w* - U_M) per repetition (volt).
    corr : ndarray
        Pearson correlation of ``V_w*`` with ``U_M`` per repetition.
    """
    n_total = schedule(params)[0]
    per = int(round(float(params["pattern_duration"] / second) / 1e-3))
    v_star = prediction(params, np.asarray(v_d))[: n_total * per].reshape(n_total, per)
    u_m = matching_potential(params, np.asarray(times_s))[: n_total * per].reshape(n_total, per)
    rmse = np.sqrt(np.mean((v_star - u_m) ** 2, axis=1))
    corr = np.array([np.corrcoef(a, b)[0, 1] for a, b in zip(v_star, u_m)])
    return rmse, corr


def simulate(ctx):
    from cortexlearn.build import build

    p = ctx.params
    dt = 1e-4
    index, steps = input_pattern(p, ctx.seed, dt)
    n_total, on, off = schedule(p)
    period = float(p["pattern_duration"] / second)
    spec = circuit(p, index, steps, dt)
    with ctx.simulation() as sim:
        built = build(spec, record_state={"neuron": ("v_d", "v")}, state_dt=1 * ms)
        duration = n_total * period * second
        info = sim.run(built.network, duration, namespace=built.namespace)
        if not info.complete:
            ctx.mark_interrupted("the simulation stopped early")
        mon = built.state_monitors["neuron"]
        t = np.array(mon.t[:])
        v_d = np.array(mon.v_d[0])
        v = np.array(mon.v[0])
        n_spikes = len(built.spike_monitors["neuron"].t[:])
        syn = built.synapses["dendritic"]
        w = np.asarray(syn.w[:])[np.argsort(np.asarray(syn.i[:]))]
    rmse, corr = repetition_errors(p, t, v_d)
    v_star = prediction(p, v_d)
    u_m = matching_potential(p, t)
    per = int(round(period / 1e-3))
    reps = np.arange(n_total)
    ctx.record("rmse", xr.DataArray(rmse * 1e3, dims=["repetition"], coords={"repetition": reps},
                                    attrs={"units": "mV", "teacher_on": on, "teacher_off": off}))
    ctx.record("correlation", xr.DataArray(corr, dims=["repetition"], coords={"repetition": reps}))
    keep = np.r_[0:per, (n_total - 1) * per:n_total * per]
    ctx.record("traces", xr.DataArray(np.stack([v_star[keep], u_m[keep], v[keep]]) * 1e3,
                                      dims=["signal", "time"],
                                      coords={"signal": ["V_w*", "U_M", "U"], "time": t[keep]},
                                      attrs={"units": "mV", "time_units": "s"}))
    ctx.record("weights", xr.DataArray(w / 1e-12, dims=["input"], attrs={"units": "pA"}))
    return {"rmse_first_mV": float(rmse[0] * 1e3), "rmse_heldout_mV": float(rmse[-1] * 1e3),
            "error_reduction": float(rmse[0] / rmse[-1]), "corr_first": float(corr[0]),
            "corr_heldout": float(corr[-1]), "soma_rate_hz": n_spikes / (n_total * period),
            "simulated_s": n_total * period, "mean_weight_pA": float(w.mean() / 1e-12)}


def figure(data, metrics):
    from cortexlearn.plotting.style import figure as new_figure, plain_log_ticks, style_context

    tr = data["traces"]
    t = np.asarray(tr["time"])
    half = t.size // 2
    with style_context():
        fig = new_figure("single", 3.3, layout="constrained")
        grid = fig.add_gridspec(2, 2, height_ratios=[1.2, 1])
        axes = [fig.add_subplot(grid[0, 0])]
        axes += [fig.add_subplot(grid[0, 1], sharey=axes[0]), fig.add_subplot(grid[1, :])]
        for ax, sl, title in ((axes[0], slice(0, half), "a  first repetition"),
                              (axes[1], slice(half, None), "b  held-out repetition")):
            tt = (t[sl] - t[sl][0]) * 1e3
            ax.plot(tt, np.asarray(tr.sel(signal="U")[sl]), color="0.75", lw=0.6, label="U (soma)")
            ax.plot(tt, np.asarray(tr.sel(signal="U_M")[sl]), color="#D55E00", lw=1.2, label="U_M (teacher)")
            ax.plot(tt, np.asarray(tr.sel(signal="V_w*")[sl]), color="#0072B2", lw=1.2, ls="--",
                    label="V_w* (dendritic prediction)")
            ax.set_xlabel("time in pattern (ms)")
            ax.set_title(title, loc="left", fontsize=6.5)
        axes[0].set_ylabel("potential (mV)")
        axes[1].tick_params(labelleft=False)
        fig.legend(*axes[0].get_legend_handles_labels(), loc="outside upper center", ncol=3, fontsize=5,
                   handlelength=1.5)
        rmse = data["rmse"]
        on, off = int(rmse.attrs.get("teacher_on", 0)), int(rmse.attrs.get("teacher_off", 0))
        axes[2].axvspan(on - 0.5, off - 0.5, color="0.92", lw=0)
        axes[2].text(0.5 * (on + off), float(np.nanmax(rmse)), "teacher on", ha="center", va="top", fontsize=6)
        axes[2].semilogy(np.asarray(rmse["repetition"]), np.asarray(rmse), "o-", ms=2, color="#0072B2")
        axes[2].set_xlabel("repetition")
        axes[2].set_ylabel("RMS(V_w* − U_M)\n(mV)")
        plain_log_ticks(axes[2], "y")
        axes[2].set_title(f"c  error / {metrics.get('error_reduction', np.nan):.1f}, "
                          f"r = {metrics.get('corr_heldout', np.nan):.3f} (held out)", loc="left", fontsize=6.5)
    from cortexlearn.plotting.style import set_caption

    n_inputs = int(np.asarray(data["weights"]).size)
    return set_caption(fig, (
        f"Urbanczik & Senn 2014, Fig. 1: one two-compartment neuron whose {n_inputs} dendritic synapses "
        "learn, driven by a repeated pattern of frozen Poisson trains. a, b, the first and the last "
        "(held-out, teacher off) repetition: somatic potential U (grey), the teacher's matching "
        "potential U_M (orange) and the dendritic prediction V_w* (dashed), on one potential axis. c, RMS difference between "
        "V_w* and U_M per repetition (grey band: teacher on), sampled every 1 ms."))


CHECKS = (
    Check("prediction tracks the matching potential", "corr_heldout", ">=", 0.9, 0.0,
          "Urbanczik & Senn 2014, Fig. 1B: V_w* follows U_M after learning (target r >= 0.9)"),
    Check("prediction error reduced", "error_reduction", ">=", 5.0, 0.0,
          "Urbanczik & Senn 2014, Fig. 1B: error at least 5x smaller than before learning"),
)

MODEL = Model(
    name="urbanczik_senn_2014",
    title="Learning by the dendritic prediction of somatic spiking (Urbanczik & Senn 2014, Fig. 1)",
    reference="Urbanczik R & Senn W (2014) Neuron 81:521-528; set-up of NEST's "
              "urbanczik_synapse_example.py",
    parameters=PARAMETERS,
    simulate=simulate,
    checks=CHECKS,
    figure=figure,
    description=__doc__,
    default_target="cpp_standalone",
)
