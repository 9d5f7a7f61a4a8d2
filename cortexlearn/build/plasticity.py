"""Builders for the STDP reproductions: plastic synapses, pairing protocols, Song 2000, Vogels 2011.

Every function creates named Brian2 objects and returns them with an explicit ``Network`` and the
namespace to run it with; nothing here runs a simulation, sets a device or seeds a generator (that
is :class:`~cortexlearn.simulation.Simulation`'s job). Call them inside ``with Simulation(...)``.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Sequence

import numpy as np
from brian2 import (Hz, Network, NeuronGroup, SpikeGeneratorGroup, SpikeMonitor, StateMonitor,
                    Synapses, TimedArray, ms, mV, nS, pA, pF, second)

from ..errors import SpecError
from ..rules.stdp import PlasticityRule
from ..units import as_quantity, check_positive

__all__ = ["Built", "plastic_synapses", "spike_train_network", "driven_neuron_network",
           "song_network", "shared_input_network", "neuron_traces", "balanced_network", "SONG_2000", "VOGELS_2011", "spike_trains_to_arrays",
           "poisson_input_group"]


@dataclasses.dataclass
class Built:
    """Named Brian2 objects of a built circuit, its network and the namespace to run it with.

    Attributes
    ----------
    network : Network
        Holds every Brian2 object of ``objects``.
    objects : dict
        Objects by role name (``"neurons"``, ``"synapses"``, ...); ``built[name]`` reads one.
    namespace : dict
        Constants to pass to the run.
    """

    network: Network
    objects: dict[str, Any]
    namespace: dict[str, Any]

    def __getitem__(self, name: str):
        return self.objects[name]


def plastic_synapses(source, target, rule: PlasticityRule | None, *, name: str, pre_kind: str,
                     post_kind: str, transmission: str = "", weight_unit: str | None = None,
                     namespace: dict | None = None) -> Synapses:
    """A ``Synapses`` object carrying ``rule`` (or static weights when ``rule`` is None).

    The projection kind is checked first (:meth:`PlasticityRule.check_projection`); a rule with a
    ``run_regularly`` part gets it attached here. ``namespace`` adds the constants that
    ``transmission`` uses.

    Parameters
    ----------
    source, target : NeuronGroup or SpikeGeneratorGroup
        Presynaptic and postsynaptic groups.
    rule : PlasticityRule or None
        The rule whose synapse part (:meth:`~cortexlearn.rules.base.LearningRule.contribution`)
        the synapses carry; None for static weights ``w``.
    name : str
        Name of the Synapses (and ``{name}_regular`` for a periodic update).
    pre_kind, post_kind : str
        Kinds of the two groups (``"E"`` or ``"I"``), checked against the rule.
    transmission : str
        The ``on_pre`` statement that transmits a spike (e.g. ``"g_e_post += w"``).
    weight_unit : str, optional
        Unit of ``w`` for static weights (dimensionless by default).
    namespace : dict, optional
        Constants used by ``transmission``.

    Returns
    -------
    Synapses
        Not yet connected.

    Raises
    ------
    SpecError
        The rule cannot attach to a ``pre_kind``→``post_kind`` projection.
    """
    ns = dict(namespace or {})
    if rule is None:
        syn = Synapses(source, target, f"w : {weight_unit or '1'}", on_pre=transmission or None,
                       name=name, namespace=ns)
        return syn
    rule.check_projection(pre_kind, post_kind)
    parts = rule.contribution("synapse", transmission=transmission)
    ns.update(parts.namespace)
    syn = Synapses(source, target, parts.model, on_pre=parts.on_pre or None,
                   on_post=parts.on_post or None, name=name, namespace=ns, method=parts.method)
    for update in parts.regular:
        kwargs = {"dt": update.dt} if update.dt is not None else {}
        syn.run_regularly(update.code, when=update.when, order=update.order, name=f"{name}_regular",
                          **kwargs)
    return syn


def spike_trains_to_arrays(trains: Sequence[Sequence[float]]):
    """Indices and times (s) for a ``SpikeGeneratorGroup`` from one list of spike times per neuron.

    Parameters
    ----------
    trains : sequence of sequence of float
        Spike times in seconds, one sequence per neuron.

    Returns
    -------
    indices : ndarray of int
        Neuron index of each spike.
    times : ndarray of float
        Spike times in seconds, in the same order.
    """
    idx = [np.full(len(tr), k, dtype=int) for k, tr in enumerate(trains)]
    times = [np.asarray(tr, dtype=float) for tr in trains]
    if not idx:
        return np.zeros(0, dtype=int), np.zeros(0)
    return np.concatenate(idx), np.concatenate(times)


def _generator(trains, name: str):
    indices, times = spike_trains_to_arrays(trains)
    return SpikeGeneratorGroup(len(trains), indices, times * second, name=name)


def neuron_traces(rules, side: str):
    """Equations, spike code and namespace of the traces that ``rules`` keep on ``side``'s neurons.

    Rules with ``traces="neuron"`` (:meth:`~cortexlearn.rules.stdp.PairSTDP.neuron_code`) share a
    trace when their code is identical; two different traces with one name are refused.

    Parameters
    ----------
    rules : iterable of PlasticityRule or None
        The rules of the projections onto (or from) the neurons; None and rules with synaptic
        traces are skipped.
    side : str
        ``"pre"`` or ``"post"``: which side's traces to collect.

    Returns
    -------
    codes : list of NeuronTraceCode
        One code per distinct trace.
    equations : str
        The traces' equations, to add to the neuron model.
    namespace : dict
        The traces' constants.

    Raises
    ------
    SpecError
        Two rules keep different traces under one name.
    """
    codes = {}
    for rule in rules:
        if rule is None or getattr(rule, "traces", "synapse") != "neuron":
            continue
        code = rule.neuron_code(side)
        first = code.equations.strip().split(":")[0].strip()  # "dx_trace/dt = ..." or "lazy_c"
        name = first.split("/")[0][1:] if "/" in first else first
        if name in codes and not _same_trace(codes[name], code):
            raise SpecError(f"two rules keep different {side}synaptic traces {name!r} on the same "
                            "neurons; give them equal time constants and pairing, or use traces='synapse'")
        codes[name] = code
    eqs = "\n".join(c.equations for c in codes.values())
    ns = {k: v for c in codes.values() for k, v in c.namespace.items()}
    return list(codes.values()), eqs, ns


def _same_trace(a, b) -> bool:
    return (a.equations == b.equations and a.on_spike == b.on_spike and a.namespace.keys() == b.namespace.keys()
            and all(float(a.namespace[k]) == float(b.namespace[k]) for k in a.namespace))


def attach_trace_regulars(group, codes):
    """Attach the traces' periodic code (e.g. the restart of a lazy-potentiation sum) to ``group``
    in the ``start`` slot, after the synapses' flush (order -1) of the same step.

    Parameters
    ----------
    group : NeuronGroup
        The group that holds the traces.
    codes : sequence of NeuronTraceCode
        Trace codes (from :func:`neuron_traces`); each ``regular`` entry is ``(code, dt)``.
    """
    regular = [pair for c in codes for pair in c.regular]
    for k, (code, dt) in enumerate(regular):
        group.run_regularly(code, dt=dt, when="start", order=k, name=f"{group.name}_trace_regular_{k}")


def _add_trace_events(group, codes):
    """Run the traces' spike code in their slot, on a group that has no reset of its own."""
    attach_trace_regulars(group, codes)
    if not codes:
        return
    whens = {c.when for c in codes}
    if len(whens) != 1:
        raise SpecError("traces of one side must share their schedule slot")
    group.run_on_event("spike", "\n".join(c.on_spike for c in codes), when=whens.pop())


def _pattern_group(trains, name: str, equations: str, namespace: dict, n_steps: int | None = None):
    """A NeuronGroup that spikes on the steps of ``trains`` (a TimedArray of 0/1 per step)."""
    dt = _default_dt()
    last = max((max(tr) for tr in trains if len(tr)), default=0.0)
    n_steps = n_steps or int(round(last / float(dt))) + 2
    pattern = np.zeros((n_steps, len(trains)))
    for k, train in enumerate(trains):
        steps = np.round(np.asarray(train, dtype=float) / float(dt)).astype(int)
        pattern[steps[steps < n_steps], k] = 1.0
    ns = dict(namespace)
    ns[f"{name}_pattern"] = TimedArray(pattern, dt=dt, name=f"{name}_pattern")
    return NeuronGroup(len(trains), equations or "", threshold=f"{name}_pattern(t, i) > 0.5", name=name,
                       namespace=ns, method="exact")


def spike_train_network(rules, pre_trains, post_trains, *, sources=None, targets=None, w0=0.5,
                        kinds=None, post_voltage=None, name: str = "stdp") -> Built:
    """Synapses between groups playing hand-made spike trains (tests, pairing protocols).

    Parameters
    ----------
    rules : PlasticityRule or dict of label -> PlasticityRule
        One ``Synapses`` object per rule (objects ``synapses_<label>``; a single rule gives
        ``synapses``), all between the same presynaptic and postsynaptic groups.
    pre_trains, post_trains : list of lists of spike times in seconds (one list per neuron)
    sources, targets : index arrays of the synapses (default one-to-one)
    w0 : float, array or Quantity
        Initial weights (in each rule's weight units).
    kinds : dict of label -> (pre_kind, post_kind), optional
        Projection kind of each rule (default ``("E", "E")``).
    post_voltage : Quantity array (n_steps, n_post), optional
        A membrane potential per time step for the postsynaptic group (variable ``v``, played by
        a ``TimedArray``), for the voltage form of the derivative rule. The postsynaptic group is
        then a ``NeuronGroup`` that spikes when a second ``TimedArray`` says so, on the same steps
        as a spike generator would.
    """
    single = isinstance(rules, PlasticityRule)
    rule_map = {"": rules} if single else dict(rules)
    kinds = dict(kinds or {})
    pre_codes, pre_eqs, pre_ns = neuron_traces(rule_map.values(), "pre")
    post_codes, post_eqs, post_ns = neuron_traces(rule_map.values(), "post")
    pre = (_pattern_group(pre_trains, f"{name}_pre", pre_eqs, pre_ns) if pre_codes
           else _generator(pre_trains, f"{name}_pre"))
    _add_trace_events(pre, pre_codes)
    objects: dict[str, Any] = {"pre": pre}
    ns: dict[str, Any] = {}
    if post_voltage is None:
        post = (_pattern_group(post_trains, f"{name}_post", post_eqs, post_ns) if post_codes
                else _generator(post_trains, f"{name}_post"))
    else:
        dt = _default_dt()
        values = np.asarray(post_voltage / mV) if hasattr(post_voltage, "dim") else np.asarray(post_voltage)
        ns["v_trace"] = TimedArray(values * mV, dt=dt, name=f"{name}_vtrace")
        post = _pattern_group(post_trains, f"{name}_post", "v = v_trace(t, i) : volt\n" + post_eqs,
                              {**ns, **post_ns}, n_steps=values.shape[0])
    _add_trace_events(post, post_codes)
    objects["post"] = post
    n = len(pre_trains)
    sources = np.arange(n) if sources is None else np.asarray(sources, dtype=int)
    targets = np.arange(n) if targets is None else np.asarray(targets, dtype=int)
    for label, rule in rule_map.items():
        key = "synapses" if single else f"synapses_{label}"
        pre_kind, post_kind = kinds.get(label, ("E", "E"))
        syn = plastic_synapses(pre, post, rule, name=f"{name}_{key}", pre_kind=pre_kind,
                               post_kind=post_kind, namespace=ns)
        syn.connect(i=sources, j=targets)
        syn.w = _weights(w0, rule)
        if getattr(rule, "signal", None) == "voltage":
            syn.v_last = f"{rule.variable}_post"
        objects[key] = syn
    return Built(Network(*objects.values(), name=f"{name}_network"), objects, ns)


def _default_dt():
    from brian2 import defaultclock

    return defaultclock.dt


def _weights(w0, rule):
    unit = rule.w_max / float(rule.w_max) if hasattr(rule.w_max, "dim") else 1.0
    if hasattr(w0, "dim"):
        return w0
    return np.asarray(w0, dtype=float) * unit


#: Post neuron of the driven pairing protocol: a leaky integrator forced to spike by brief current
#: pulses, with a reset-free copy ``u`` of its potential (same input, no reset).
_DRIVEN_EQS = """
dv/dt = (E_L - v + R_I*drive(t))/tau_m : volt (unless refractory)
du/dt = (E_L - u + R_I*drive(t))/tau_m : volt
"""


def driven_neuron_network(rules, pre_trains, post_spike_times, *, w0=0.5, tau_m=20 * ms,
                          pulse=1 * ms, name: str = "pairing") -> Built:
    """Presynaptic generators onto ONE leaky neuron made to spike at ``post_spike_times``.

    Each forced spike comes from a current pulse of width ``pulse`` that ends at the spike time
    and carries the potential from rest (-70 mV) past threshold (-54 mV), followed by a reset to
    -60 mV (Song et al. 2000 values) and 2 ms refractoriness. ``v`` is the potential with reset,
    ``u`` a reset-free copy (same input). No transmission: the synapses only learn, so every lag
    sees the same postsynaptic trajectory.

    Parameters
    ----------
    rules : PlasticityRule or dict of label -> PlasticityRule
        One ``Synapses`` object per rule (objects ``synapses_<label>``; a single rule is
        ``synapses``), each connecting presynaptic neuron k to the postsynaptic neuron.

    Returns objects ``pre``, ``post``, the synapses, ``voltage`` (StateMonitor of ``v`` and ``u``)
    and ``post_spikes``.
    """
    as_quantity(tau_m, second, "tau_m")
    as_quantity(pulse, second, "pulse")
    check_positive(tau_m, "tau_m")
    check_positive(pulse, "pulse")
    single = isinstance(rules, PlasticityRule)
    rule_map = {"": rules} if single else dict(rules)
    dt = _default_dt()
    times = np.asarray(post_spike_times, dtype=float)
    end = float(max(np.max(times) if times.size else 0.0,
                    max((max(tr) for tr in pre_trains if len(tr)), default=0.0))) + 0.2
    n_steps = int(np.ceil(end / float(dt))) + 2
    drive = np.zeros(n_steps)
    width = max(int(round(float(pulse / dt))), 1)
    # R*I that lifts v from rest 1 mV past threshold (17 mV) in `width` steps (exact solution)
    amplitude = 17.0 / (1 - np.exp(-width * float(dt / tau_m)))
    for ts in times:  # the pulse's last step is the spike's step: threshold crossed at ts
        stop = int(round(ts / float(dt)))
        drive[max(stop - width + 1, 0):stop + 1] = amplitude
    ns = {"drive": TimedArray(drive * mV, dt=dt, name=f"{name}_drive"), "E_L": -70 * mV,
          "tau_m": tau_m, "R_I": 1.0, "v_th": -54 * mV, "v_reset": -60 * mV}
    post = NeuronGroup(1, _DRIVEN_EQS, threshold="v > v_th", reset="v = v_reset", refractory=2 * ms,
                       method="exact", name=f"{name}_post", namespace=ns)
    post.v = -70 * mV
    post.u = -70 * mV
    pre = _generator(pre_trains, f"{name}_pre")
    objects: dict[str, Any] = {"pre": pre, "post": post}
    for label, rule in rule_map.items():
        key = "synapses" if single else f"synapses_{label}"
        syn = plastic_synapses(pre, post, rule, name=f"{name}_{key}", pre_kind="E", post_kind="E",
                               namespace=ns)
        syn.connect(i=np.arange(len(pre_trains)), j=0)
        syn.w = _weights(w0, rule)
        if getattr(rule, "signal", None) == "voltage":
            syn.v_last = f"{rule.variable}_post"
        objects[key] = syn
    objects["voltage"] = StateMonitor(post, ["v", "u"], record=0, name=f"{name}_voltage")
    objects["post_spikes"] = SpikeMonitor(post, name=f"{name}_post_spikes")
    return Built(Network(*objects.values(), name=f"{name}_network"), objects, ns)


#: Song, Miller & Abbott (2000), Methods: conductance-based integrate-and-fire neuron, conductances
#: in units of the leak conductance.
SONG_2000 = {"tau_m": 20 * ms, "E_L": -70 * mV, "E_e": 0 * mV, "E_i": -70 * mV, "v_th": -54 * mV,
             "v_reset": -60 * mV, "tau_e": 5 * ms, "tau_i": 5 * ms, "g_max": 0.015, "g_in": 0.05,
             "n_inputs": 1000, "n_inhibitory": 200, "inhibitory_rate": 10 * Hz,
             "tau_stdp": 20 * ms, "a_plus": 0.005, "ratio": 1.05}

_SONG_EQS = """
dv/dt = (E_L - v + g_e*(E_e - v) + g_i*(E_i - v))/tau_m : volt
dg_e/dt = -g_e/tau_e : 1
dg_i/dt = -g_i/tau_i : 1
"""

_POISSON_EQS = """
rate : Hz (constant)
next_spike : second
"""


def poisson_input_group(n: int, rates, *, name: str, equations: str = "",
                        namespace: dict | None = None, extra_reset: Sequence[str] = ()) -> NeuronGroup:
    """``n`` independent Poisson spike trains drawing one random number per spike.

    Each neuron keeps the time of its next spike and, when it is reached, adds an exponential
    interval ``-log(rand())/rate``. Same statistics as ``PoissonGroup`` up to the time grid, ~4x
    cheaper (measured earlier). Rates may differ per neuron; spikes land on the first step at or after
    the drawn time. ``equations`` and ``extra_reset`` add presynaptic traces kept on the inputs;
    the reset then runs in the ``before_synapses`` slot.

    Parameters
    ----------
    n : int
        Number of spike trains.
    rates : Quantity or str
        Rate (Hz) for all, one per neuron, or an expression.
    name : str
        Name of the group.
    equations : str
        Extra equations (presynaptic traces).
    namespace : dict, optional
        Constants of ``equations`` and ``extra_reset``.
    extra_reset : sequence of str
        Statements run on each spike, before the synapses.

    Returns
    -------
    NeuronGroup
        Variables ``rate`` and ``next_spike`` (first spike drawn at t = 0).
    """
    reset = "\n".join(["next_spike = next_spike - log(rand())/rate", *extra_reset])
    group = NeuronGroup(n, _POISSON_EQS + equations, threshold="t >= next_spike", reset=reset, name=name,
                        namespace=dict(namespace or {}), method="exact")
    if extra_reset:
        # presynaptic traces (``extra_reset``) must jump before the synapses read them
        group.resetter["spike"].when = "before_synapses"
    group.rate = rates
    group.next_spike = "-log(rand())/rate"
    return group


def song_network(channels: Sequence[tuple[Any, PlasticityRule | None]], *,
                 n_inputs: int = 1000, n_inhibitory: int = 200, g_max: float = 0.015,
                 params: dict | None = None, record_weights_every=None, name: str = "song") -> Built:
    """Song, Miller & Abbott (2000): Poisson inputs onto conductance LIF neurons, one per channel.

    Parameters
    ----------
    channels : list of ``(input_rate, rule)``
        One output neuron per channel with its own ``n_inputs`` excitatory Poisson inputs at
        ``input_rate`` (weights starting at ``g_max``) and ``n_inhibitory`` inhibitory inputs at
        10 Hz (fixed weight ``g_in``). ``rule`` (e.g. additive :class:`PairSTDP` with
        ``w_max=g_max``) makes the channel plastic; ``None`` keeps the weights fixed. Channels
        sharing one rule object share one ``Synapses`` object.
    record_weights_every : Quantity, optional
        Interval of a ``StateMonitor`` of the plastic weights (objects ``weights_<k>``).

    Returns
    -------
    Built
        objects ``inputs``, ``inhibitory``, ``neurons``, ``synapses_<k>`` (one per rule, k in
        order of first use; ``static`` for fixed channels), ``inhibitory_synapses``, ``spikes``,
        and ``channel_of_synapses_<k>`` (the channel of each synapse, a NumPy array).
    """
    p = {**SONG_2000, **(params or {})}
    if not isinstance(n_inputs, (int, np.integer)) or n_inputs < 1:
        raise SpecError(f"n_inputs must be a positive integer, got {n_inputs!r}")
    if not isinstance(n_inhibitory, (int, np.integer)) or n_inhibitory < 0:
        raise SpecError(f"n_inhibitory must be a non-negative integer, got {n_inhibitory!r}")
    check_positive(g_max, "g_max")
    if not channels:
        raise SpecError("song_network needs at least one channel")
    rates = []
    for rate, _ in channels:
        as_quantity(rate, Hz, "input_rate")
        check_positive(rate, "input_rate")
        rates.append(float(rate))
    n_ch = len(channels)
    ns = {k: p[k] for k in ("tau_m", "E_L", "E_e", "E_i", "v_th", "v_reset", "tau_e", "tau_i")}
    rule_list = [rule for _, rule in channels]
    pre_codes, pre_eqs, pre_ns = neuron_traces(rule_list, "pre")
    post_codes, post_eqs, post_ns = neuron_traces(rule_list, "post")
    # postsynaptic traces jump in the reset (after the synapses, as they must)
    reset = "\n".join(["v = v_reset"] + [c.on_spike for c in post_codes])
    neurons = NeuronGroup(n_ch, _SONG_EQS + post_eqs, threshold="v > v_th", reset=reset,
                          method="exponential_euler", name=f"{name}_neurons", namespace={**ns, **post_ns})
    attach_trace_regulars(neurons, post_codes)
    neurons.v = p["E_L"]
    inputs = poisson_input_group(n_ch * n_inputs, np.repeat(rates, n_inputs) * Hz, name=f"{name}_inputs",
                                 equations="\n" + pre_eqs, namespace=pre_ns,
                                 extra_reset=[c.on_spike for c in pre_codes])
    attach_trace_regulars(inputs, pre_codes)
    objects: dict[str, Any] = {"inputs": inputs, "neurons": neurons}
    groups: list[tuple[PlasticityRule | None, list[int]]] = []
    for ch, (_, rule) in enumerate(channels):
        for r, members in groups:
            if r is rule:
                members.append(ch)
                break
        else:
            groups.append((rule, [ch]))
    for k, (rule, members) in enumerate(groups):
        key = "static" if rule is None else f"synapses_{k}"
        syn = plastic_synapses(inputs, neurons, rule, name=f"{name}_{key}", pre_kind="E", post_kind="E",
                               transmission="g_e_post += w")
        src = np.concatenate([ch * n_inputs + np.arange(n_inputs) for ch in members])
        tgt = np.repeat(members, n_inputs)
        syn.connect(i=src, j=tgt)
        syn.w = g_max
        objects[key] = syn
        objects[f"channel_of_{key}"] = tgt
        if rule is not None and record_weights_every is not None:
            objects[f"weights_{k}"] = StateMonitor(syn, "w", record=True, dt=record_weights_every,
                                                   name=f"{name}_weights_{k}")
    if n_inhibitory:
        inh = poisson_input_group(n_ch * n_inhibitory, p["inhibitory_rate"], name=f"{name}_inhibitory")
        isyn = Synapses(inh, neurons, on_pre="g_i_post += g_in", name=f"{name}_inhibitory_synapses",
                        namespace={"g_in": p["g_in"]})
        isyn.connect(i=np.arange(n_ch * n_inhibitory), j=np.repeat(np.arange(n_ch), n_inhibitory))
        objects["inhibitory"] = inh
        objects["inhibitory_synapses"] = isyn
    objects["spikes"] = SpikeMonitor(neurons, name=f"{name}_spikes")
    brian_objects = [o for o in objects.values() if not isinstance(o, np.ndarray)]
    return Built(Network(*brian_objects, name=f"{name}_network"), objects, ns)


def shared_input_network(rule: PlasticityRule | None, *, n_inputs: int = 10_000, n_neurons: int = 100,
                         input_rate=15 * Hz, g_max: float = 0.015, n_inhibitory: int = 0,
                         params: dict | None = None, name: str = "shared") -> Built:
    """``n_inputs`` Poisson inputs onto ``n_neurons`` Song-type neurons, all-to-all (scaling runs).

    The same neuron, inputs and rule as :func:`song_network`, but every neuron receives every
    input (``n_inputs * n_neurons`` plastic synapses, weights starting at ``g_max``): the scaled
    version for synaptic events per second. ``n_inhibitory`` shared inhibitory inputs at 10 Hz.

    Parameters
    ----------
    rule : PlasticityRule or None
        The rule on the input synapses (static weights when None).
    n_inputs, n_neurons : int
        Numbers of Poisson inputs and of neurons.
    input_rate : Quantity
        Rate of every input.
    g_max : float
        Initial (and, for the rule, maximal) weight, in units of the leak conductance.
    n_inhibitory : int
        Number of shared inhibitory Poisson inputs (none by default).
    params : dict, optional
        Overrides of :data:`SONG_2000`.
    name : str
        Prefix of every object's name.

    Returns
    -------
    Built
        Objects ``inputs``, ``neurons``, ``synapses``, ``spikes`` (and ``inhibitory``,
        ``inhibitory_synapses``).
    """
    p = {**SONG_2000, **(params or {})}
    for label, value in (("n_inputs", n_inputs), ("n_neurons", n_neurons)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise SpecError(f"{label} must be a positive integer, got {value!r}")
    as_quantity(input_rate, Hz, "input_rate")
    check_positive(input_rate, "input_rate")
    check_positive(g_max, "g_max")
    ns = {k: p[k] for k in ("tau_m", "E_L", "E_e", "E_i", "v_th", "v_reset", "tau_e", "tau_i")}
    pre_codes, pre_eqs, pre_ns = neuron_traces([rule], "pre")
    post_codes, post_eqs, post_ns = neuron_traces([rule], "post")
    reset = "\n".join(["v = v_reset"] + [c.on_spike for c in post_codes])
    neurons = NeuronGroup(n_neurons, _SONG_EQS + post_eqs, threshold="v > v_th", reset=reset,
                          method="exponential_euler", name=f"{name}_neurons", namespace={**ns, **post_ns})
    attach_trace_regulars(neurons, post_codes)
    neurons.v = p["E_L"]
    inputs = poisson_input_group(n_inputs, input_rate, name=f"{name}_inputs", equations="\n" + pre_eqs,
                                 namespace=pre_ns, extra_reset=[c.on_spike for c in pre_codes])
    attach_trace_regulars(inputs, pre_codes)
    syn = plastic_synapses(inputs, neurons, rule, name=f"{name}_synapses", pre_kind="E", post_kind="E",
                           transmission="g_e_post += w")
    syn.connect()
    syn.w = g_max
    objects: dict[str, Any] = {"inputs": inputs, "neurons": neurons, "synapses": syn}
    if n_inhibitory:
        inh = poisson_input_group(n_inhibitory, p["inhibitory_rate"], name=f"{name}_inhibitory")
        isyn = Synapses(inh, neurons, on_pre="g_i_post += g_in", name=f"{name}_inhibitory_synapses",
                        namespace={"g_in": p["g_in"]})
        isyn.connect()
        objects.update(inhibitory=inh, inhibitory_synapses=isyn)
    objects["spikes"] = SpikeMonitor(neurons, name=f"{name}_spikes")
    return Built(Network(*objects.values(), name=f"{name}_network"), objects, ns)


#: Vogels, Sprekeler, Zenke, Clopath & Gerstner (2011), supplementary methods, as used in Brian2's
#: example of the paper: conductance LIF, 200 pA background current, AMPA 5 ms, GABA 10 ms.
VOGELS_2011 = {"g_L": 10 * nS, "E_L": -60 * mV, "E_I": -80 * mV, "E_E": 0 * mV, "v_th": -50 * mV,
               "C_m": 200 * pF, "I_bg": 200 * pA, "tau_ref": 5 * ms, "tau_ampa": 5 * ms,
               "tau_gaba": 10 * ms, "g_ee": 0.3 * nS, "g_ii": 3 * nS, "connectivity": 0.02}

_VOGELS_EQS = """
dv/dt = (-g_L*(v - E_L) - g_ampa*(v - E_E) - g_gaba*(v - E_I) + I_bg)/C_m : volt (unless refractory)
dg_ampa/dt = -g_ampa/tau_ampa : siemens
dg_gaba/dt = -g_gaba/tau_gaba : siemens
"""


def balanced_network(rule: PlasticityRule | None, *, n_excitatory: int = 1600, n_inhibitory: int = 400,
                     connectivity: float = 0.1, w_ie_initial=0 * nS, params: dict | None = None,
                     record_weights_every=None, n_recorded_weights: int = 1000,
                     name: str = "vogels") -> Built:
    """The balanced E/I network of Vogels et al. (2011), with ``rule`` on the I→E synapses.

    The paper has 8,000 + 2,000 neurons at 2 % connectivity; scaling to fewer neurons at a higher
    connectivity keeps each neuron's in-degree (1,600 x 0.1 = 8,000 x 0.02). E→E, E→I (``g_ee``)
    and I→I (``g_ii``) synapses are fixed; I→E synapses start at ``w_ie_initial``.

    Returns objects ``neurons`` (E first, then I), ``E``, ``I`` (subgroups), ``ee`` (E→all) and
    ``ii`` (fixed synapses), ``ie`` (plastic), ``spikes``, and with ``record_weights_every`` a
    ``weights`` monitor of the first ``n_recorded_weights`` I→E synapses.

    Parameters
    ----------
    rule : PlasticityRule or None
        The rule on the I→E synapses (e.g. the inhibitory rule of Vogels et al. 2011, eq. 2);
        static weights when None.
    n_excitatory, n_inhibitory : int
        Population sizes.
    connectivity : float
        Connection probability of every projection, in (0, 1].
    w_ie_initial : Quantity
        Initial I→E conductance.
    params : dict, optional
        Overrides of :data:`VOGELS_2011`.
    record_weights_every : Quantity, optional
        Sampling interval of the weight monitor; None records no weights.
    n_recorded_weights : int
        Most I→E synapses to record.
    name : str
        Prefix of every object's name.

    Returns
    -------
    Built

    Raises
    ------
    SpecError
        ``rule`` may not attach to I→E, bad sizes or connectivity outside (0, 1].
    """
    p = {**VOGELS_2011, **(params or {})}
    for label, value in (("n_excitatory", n_excitatory), ("n_inhibitory", n_inhibitory)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise SpecError(f"{label} must be a positive integer, got {value!r}")
    if not 0 < float(connectivity) <= 1:
        raise SpecError(f"connectivity must be in (0, 1], got {connectivity!r}")
    if rule is not None:
        rule.check_projection("I", "E")
    ns = {k: p[k] for k in ("g_L", "E_L", "E_I", "E_E", "v_th", "C_m", "I_bg", "tau_ref", "tau_ampa",
                            "tau_gaba")}
    neurons = NeuronGroup(n_excitatory + n_inhibitory, _VOGELS_EQS, threshold="v > v_th",
                          reset="v = E_L", refractory="tau_ref", method="euler",
                          name=f"{name}_neurons", namespace=ns)
    neurons.v = "E_L + rand()*(v_th - E_L)"
    exc, inh = neurons[:n_excitatory], neurons[n_excitatory:]
    fixed = {"g_ee": p["g_ee"], "g_ii": p["g_ii"]}
    ee = Synapses(exc, neurons, on_pre="g_ampa_post += g_ee", name=f"{name}_e_to_all", namespace=fixed)
    ee.connect(p=float(connectivity))
    ii = Synapses(inh, inh, on_pre="g_gaba_post += g_ii", name=f"{name}_i_to_i", namespace=fixed)
    ii.connect(p=float(connectivity))
    ie = plastic_synapses(inh, exc, rule, name=f"{name}_i_to_e", pre_kind="I", post_kind="E",
                          transmission="g_gaba_post += w", weight_unit="siemens")
    ie.connect(p=float(connectivity))
    ie.w = w_ie_initial
    spikes = SpikeMonitor(neurons, name=f"{name}_spikes")
    objects = {"neurons": neurons, "E": exc, "I": inh, "ee": ee, "ii": ii, "ie": ie, "spikes": spikes}
    net = Network(neurons, ee, ii, ie, spikes, name=f"{name}_network")
    if record_weights_every is not None:
        n_rec = int(min(n_recorded_weights, n_excitatory * n_inhibitory * float(connectivity) * 0.5))
        mon = StateMonitor(ie, "w", record=np.arange(max(n_rec, 1)), dt=record_weights_every,
                           name=f"{name}_weights")
        objects["weights"] = mon
        net.add(mon)
    return Built(net, objects, ns)
