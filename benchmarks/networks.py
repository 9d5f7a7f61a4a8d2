"""Networks the benchmarks compare: hand-written Brian2 baselines and the benchmark's own models.

The hand-written versions are what a Brian2 user writes without cortexlearn (Brian2's own
examples and documentation style: one ``NeuronGroup`` split into subgroups, textbook STDP with
per-synapse event-driven traces, ``PoissonGroup`` inputs). Call these functions with a Brian2
device already active (the worker does that); each returns ``(network, objects)``.
"""

from __future__ import annotations

import numpy as np
from brian2 import (Hz, Network, NeuronGroup, PoissonGroup, SpikeMonitor, StateMonitor, Synapses,
                    TimedArray, mV, ms, nS, pF, second)

from cortexlearn.circuits.coba import COBA_2005, COBA_INITIAL, coba_connection_probability

SONG = {"tau_m": 20 * ms, "E_L": -70 * mV, "E_e": 0 * mV, "E_i": -70 * mV, "v_th": -54 * mV,
        "v_reset": -60 * mV, "tau_e": 5 * ms, "tau_i": 5 * ms}
SONG_RULE = {"tau_plus": 20 * ms, "tau_minus": 20 * ms, "A_plus": 0.005, "A_minus": 0.005 * 1.05,
             "w_max": 0.015, "w_scale": 0.015}

SONG_EQS = """
dv/dt = (E_L - v + g_e*(E_e - v) + g_i*(E_i - v))/tau_m : volt
dg_e/dt = -g_e/tau_e : 1
dg_i/dt = -g_i/tau_i : 1
"""

STDP_MODEL = """
w : 1
dx_pre_trace/dt = -x_pre_trace/tau_plus : 1 (event-driven)
dy_post_trace/dt = -y_post_trace/tau_minus : 1 (event-driven)
"""
STDP_ON_PRE = """
g_e_post += w
x_pre_trace += 1
w = clip(w - A_minus*w_scale*y_post_trace, 0*w_max, w_max)
"""
STDP_ON_POST = """
y_post_trace += 1
w = clip(w + A_plus*w_scale*x_pre_trace, 0*w_max, w_max)
"""


def coba_handwritten(n_neurons: int, record_spikes: bool = True):
    """Brette et al. (2007) COBA as a Brian2 user writes it: one group, two subgroups.

    Its random numbers are drawn in the order of cortexlearn's build (initial state of E, then
    of I; then E's and I's connections, no self-connections), so that with the same seed both
    programs start from the same state on the same connectivity and simulate the same spikes:
    the two timings then differ only by their code.
    """
    p = COBA_2005
    ns = {k: p[k] for k in ("C_m", "g_L", "E_L", "v_threshold", "v_reset", "E_e", "E_i", "tau_e", "tau_i")}
    eqs = """
    dv/dt = (g_L*(E_L - v) + g_e*(E_e - v) + g_i*(E_i - v))/C_m : volt (unless refractory)
    dg_e/dt = -g_e/tau_e : siemens
    dg_i/dt = -g_i/tau_i : siemens
    """
    group = NeuronGroup(n_neurons, eqs, threshold="v > v_threshold", reset="v = v_reset",
                        refractory=p["tau_ref"], method="exponential_euler", namespace=ns, name="P")
    n_e = int(round(n_neurons * p["excitatory_fraction"]))
    exc, inh = group[:n_e], group[n_e:]
    for sub in (exc, inh):
        for var, expr in COBA_INITIAL.items():
            setattr(sub, var, expr)
    prob = coba_connection_probability(n_neurons)
    ce = Synapses(exc, group, on_pre="g_e_post += w_e", namespace={"w_e": p["w_e"]}, name="Ce")
    ci = Synapses(inh, group, on_pre="g_i_post += w_i", namespace={"w_i": p["w_i"]}, name="Ci")
    ce.connect(condition="i != j", p=prob)
    ci.connect(condition=f"i + {n_e} != j", p=prob)
    objects = {"group": group, "ce": ce, "ci": ci}
    if record_spikes:
        objects["spikes"] = SpikeMonitor(group, name="P_spikes")
    return Network(*objects.values()), objects


def poisson_next_spike_group(n: int, rate, name: str, equations: str = "", reset_extra: str = ""):
    """Hand-written copy of the one-random-number-per-spike generator (same code as cortexlearn's)."""
    group = NeuronGroup(n, "rate : Hz (constant)\nnext_spike : second\n" + equations,
                        threshold="t >= next_spike",
                        reset="next_spike = next_spike - log(rand())/rate\n" + reset_extra,
                        method="exact", name=name)
    group.rate = rate
    group.next_spike = "-log(rand())/rate"
    return group


def song_handwritten(n_inputs: int, input_rate, textbook: bool):
    """Song, Miller & Abbott (2000), one neuron, hand-written.

    ``textbook=True``: ``PoissonGroup`` inputs (one random number per input per step) and
    per-synapse traces, as in Brian2's STDP example. ``textbook=False``: the same model as
    cortexlearn's ``song_network`` with per-synapse traces, written by hand.
    """
    neurons = NeuronGroup(1, SONG_EQS, threshold="v > v_th", reset="v = v_reset",
                          method="exponential_euler", namespace=dict(SONG), name="neurons")
    neurons.v = SONG["E_L"]
    if textbook:
        inputs = PoissonGroup(n_inputs, rates=input_rate, name="inputs")
        inhibitory = PoissonGroup(200, rates=10 * Hz, name="inhibitory")
    else:
        inputs = poisson_next_spike_group(n_inputs, input_rate, "inputs")
        inhibitory = poisson_next_spike_group(200, 10 * Hz, "inhibitory")
    syn = Synapses(inputs, neurons, STDP_MODEL, on_pre=STDP_ON_PRE, on_post=STDP_ON_POST,
                   namespace=dict(SONG_RULE), method="exact", name="synapses")
    syn.connect(i=np.arange(n_inputs), j=0)
    syn.w = SONG_RULE["w_max"]
    isyn = Synapses(inhibitory, neurons, on_pre="g_i_post += g_in", namespace={"g_in": 0.05},
                    name="inhibitory_synapses")
    isyn.connect(i=np.arange(200), j=0)
    spikes = SpikeMonitor(neurons, name="spikes")
    objects = {"neurons": neurons, "inputs": inputs, "inhibitory": inhibitory, "synapses": syn,
               "inhibitory_synapses": isyn, "spikes": spikes}
    return Network(*objects.values()), objects


def stdp_fan_in(n_inputs: int, n_post: int, variant: str, input_rate=10 * Hz):
    """``n_inputs`` Poisson inputs all-to-all onto ``n_post`` Song neurons.

    ``variant``: ``"static"`` (fixed weights), ``"synapse"`` (cortexlearn's PairSTDP with
    per-synapse traces, the textbook form), ``"neuron"`` (PairSTDP with traces kept in the
    neurons) or ``"lazy"`` (neuron traces, potentiation applied at the next presynaptic spike or
    flush: ``PairSTDP(potentiation="lazy")``). Built with cortexlearn's rule and its input generator, so only the synapses differ.
    """
    from cortexlearn.build.plasticity import attach_trace_regulars, neuron_traces, plastic_synapses, poisson_input_group
    from cortexlearn.rules.stdp import PairSTDP

    g_max = 0.015 * 1000.0 / n_inputs  # the same total drive as Song's 1,000 inputs
    rule = None if variant == "static" else PairSTDP(
        tau_plus=20 * ms, tau_minus=20 * ms, a_plus=0.005, a_minus=0.00525, w_max=g_max,
        traces="synapse" if variant == "synapse" else "neuron",
        potentiation="lazy" if variant == "lazy" else "immediate")
    pre_codes, pre_eqs, pre_ns = neuron_traces([rule], "pre")
    post_codes, post_eqs, post_ns = neuron_traces([rule], "post")
    reset = "\n".join(["v = v_reset"] + [c.on_spike for c in post_codes])
    neurons = NeuronGroup(n_post, SONG_EQS + post_eqs, threshold="v > v_th", reset=reset,
                          method="exponential_euler", namespace={**SONG, **post_ns}, name="neurons")
    attach_trace_regulars(neurons, post_codes)
    neurons.v = SONG["E_L"]
    inputs = poisson_input_group(n_inputs, input_rate, name="inputs", equations="\n" + pre_eqs,
                                 namespace=pre_ns, extra_reset=[c.on_spike for c in pre_codes])
    attach_trace_regulars(inputs, pre_codes)
    syn = plastic_synapses(inputs, neurons, rule, name="synapses", pre_kind="E", post_kind="E",
                           transmission="g_e_post += w")
    syn.connect()
    syn.w = g_max
    counter = SpikeMonitor(inputs, record=False, name="input_counter")
    post_counter = SpikeMonitor(neurons, record=False, name="post_counter")
    objects = {"neurons": neurons, "inputs": inputs, "synapses": syn, "input_counter": counter,
               "post_counter": post_counter}
    return Network(*objects.values()), objects


# ---------------------------------------------------------------------------------------------
# The supervised session of benchmarks 3 and 5: a delta rule on spike counts, all as equations.

SESSION = {"trial": 50 * ms, "n_patterns": 10, "max_rate": 60 * Hz, "tau": 10 * ms,
           "eta": 0.002, "w_max": 0.5, "w0": 0.05}


def session_data(n_trials: int, n_in: int, n_out: int, seed: int = 0):
    """Input rates (trials x inputs, Hz) and target counts (trials x outputs) of a session."""
    rng = np.random.default_rng(seed)
    patterns = rng.uniform(0, float(SESSION["max_rate"]), size=(SESSION["n_patterns"], n_in))
    targets = np.where(rng.random((SESSION["n_patterns"], n_out)) < 0.3, 4.0, 1.0)
    order = rng.integers(0, SESSION["n_patterns"], size=n_trials)
    return patterns[order], targets[order]


def session_network(n_trials: int, n_in: int, n_out: int, seed: int = 0, n_recorded: int = 20):
    """Deterministic inputs (regular generators with trial-wise rates) onto leaky neurons whose
    weights learn by a delta rule on spike counts at the start of every trial:
    ``Δw = η (target − count_post) count_pre`` for the trial just ended, ``w`` clipped to
    ``[0, w_max]``. One ``TimedArray`` row per trial; nothing random, so every target gives the
    same spikes. Records the squared count error of ``n_recorded`` outputs after every trial."""
    rates, targets = session_data(n_trials, n_in, n_out, seed)
    T = SESSION["trial"]
    rate_table = TimedArray(rates * Hz, dt=T, name="rate_table")
    target_table = TimedArray(targets, dt=T, name="target_table")
    ns = {"rate_table": rate_table, "target_table": target_table, "T": T, "tau": SESSION["tau"],
          "eta": SESSION["eta"], "w_max": SESSION["w_max"]}
    inputs = NeuronGroup(n_in, "dphase/dt = rate_table(t, i) : 1\ncount : 1", threshold="phase >= 1",
                         reset="phase -= 1\ncount += 1", method="euler", namespace=ns, name="inputs")
    inputs.phase = "(i * 0.6180339887) % 1.0"
    outputs = NeuronGroup(n_out, "dv/dt = -v/tau : 1\ncount : 1\ndelta : 1\nerr : 1",
                          threshold="v > 1", reset="v = 0\ncount += 1", method="exact",
                          namespace=ns, name="outputs")
    syn = Synapses(inputs, outputs, "w : 1", on_pre="v_post += w", namespace=ns, name="weights")
    syn.connect()
    syn.w = SESSION["w0"]
    # trial k ends at t = k*T: its error, then the weight update, then the counters restart
    outputs.run_regularly("delta = target_table(t - 0.5*T, i) - count\nerr = delta**2", dt=T,
                          when="start", order=0, name="outputs_error")
    syn.run_regularly("w = clip(w + eta*delta_post*count_pre, 0, w_max)", dt=T, when="start",
                      order=1, name="weights_update")
    outputs.run_regularly("count = 0", dt=T, when="start", order=2, name="outputs_restart")
    inputs.run_regularly("count = 0", dt=T, when="start", order=2, name="inputs_restart")
    monitor = StateMonitor(outputs, "err", record=np.arange(min(n_out, n_recorded)), dt=T,
                           when="end", name="errors")
    objects = {"inputs": inputs, "outputs": outputs, "weights": syn, "errors": monitor}
    return Network(*objects.values()), objects, ns


def session_curve(monitor) -> list[float]:
    """Summed squared count error per trial (the first sample, at t = 0, precedes any trial)."""
    err = np.asarray(monitor.err)
    return [float(x) for x in err.sum(axis=0)[1:]]


def plastic_brunel_circuit(connectivity: dict, n_excitatory: int, n_inhibitory: int,
                           params: dict | None = None, external_inputs: int = 800,
                           delay_site: str = "dendritic"):
    """The plastic Brunel network of SNNSimulatorComparison as a cortexlearn spec.

    Same model as :func:`benchmarks.nest_peers.brunel_plastic_nest` (parameters
    :data:`benchmarks.nest_peers.PLASTIC_BRUNEL`): ``lif_delta`` neurons, explicit connectivity,
    E→E :class:`~cortexlearn.rules.stdp.PairSTDP` in its multiplicative form (``A+ = lambda``,
    ``A- = lambda alpha``, traces kept on the neurons), the 20-kHz external input as a
    ``PoissonDrive`` of ``external_inputs`` sources at 20 kHz / ``external_inputs`` each (Brian2's
    ``PoissonInput``: a binomial count per neuron and step with the same mean as NEST's Poisson count).
    The E→E delay is dendritic, as in NEST's ``stdp_synapse`` (Morrison, Diesmann & Gerstner
    2008): STDP sees the presynaptic spike at once and the postsynaptic one a delay late.

    Parameters
    ----------
    connectivity : dict
        ``{"EE", "EI", "IE", "II"}`` to ``(i, j)`` (:func:`~benchmarks.nest_peers.plastic_brunel_connectivity`).
    n_excitatory, n_inhibitory : int
    params : dict, optional
        Overrides of ``PLASTIC_BRUNEL``.
    external_inputs : int
        Sources of the external drive per neuron (800, the full network's excitatory in-degree).
    delay_site : {"dendritic", "axonal"}
        Where the E→E projection's delay sits for STDP (:class:`~cortexlearn.specs.Projection`);
        ``"axonal"`` gives the form measured before the dendritic delay existed.

    Returns
    -------
    Circuit
    """
    from cortexlearn.build.circuit import numbered_by_source
    from cortexlearn.neurons import lif_delta
    from cortexlearn.rules.stdp import PairSTDP
    from cortexlearn.specs import Circuit, Connectivity, PoissonDrive, Population, Projection

    from .nest_peers import PLASTIC_BRUNEL

    q = {**PLASTIC_BRUNEL, **(params or {})}
    neuron = lif_delta(tau_m=q["tau_m_ms"] * ms, v_threshold=q["theta_mv"] * mV, v_reset=q["v_reset_mv"] * mV,
                       tau_ref=q["t_ref_ms"] * ms)
    rule = PairSTDP(tau_plus=q["tau_plus_ms"] * ms, tau_minus=q["tau_minus_ms"] * ms, a_plus=q["lam"],
                    a_minus=q["lam"] * q["alpha"], w_max=q["w_max_mv"] * mV, weight_dependence="multiplicative",
                    traces="neuron")
    populations = (Population("E", n_excitatory, neuron, kind="E"), Population("I", n_inhibitory, neuron, kind="I"))
    j = q["j_mv"] * mV

    sizes = {"E": n_excitatory, "I": n_inhibitory}

    def by_source(key):  # the same synapses, a spike's synapses consecutive in memory
        return numbered_by_source(*connectivity[key], sizes[key[0]], sizes[key[1]])

    projections = tuple(
        Projection(key[0], key[1], Connectivity.explicit(*by_source(key)), j if key[0] == "E" else q["g"] * j,
                   delay=q["delay_ms"] * ms, rule=rule if key == "EE" else None,
                   delay_site=delay_site if key == "EE" else "axonal")
        for key in ("EE", "EI", "IE", "II"))
    rate = q["nu_ext_hz"] / external_inputs * Hz
    drives = tuple(PoissonDrive(f"external_{name}", name, external_inputs, rate, j) for name in ("E", "I"))
    return Circuit("brunel_plastic", populations, projections, drives)
