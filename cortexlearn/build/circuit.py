"""Turn a :class:`~cortexlearn.specs.Circuit` into named Brian2 objects in an explicit Network.

Call :func:`build` inside a ``with Simulation(...)`` block: the objects are created for that
simulation's target. Every object is named after its spec (population ``E`` → ``NeuronGroup``
``E``, projection ``E_to_I`` → ``Synapses`` ``E_to_I``, its spike monitor ``E_spikes``), every
group gets an explicit namespace with its own parameters, and nothing is looked up in the
caller's frame.

Learning rules plug in through the protocol of :mod:`cortexlearn.rules.base`: asked for its parts
in the role ``"synapse"``, a rule gives the synapse's model, ``on_pre``, ``on_post``, periodic
updates with their clocks, traces to keep on the pre- or postsynaptic neurons and its namespace,
around the postsynaptic channel statement that the builder writes (``g_e_post += w`` for an
excitatory synapse onto a conductance-based neuron), so Dale's law stays structural.

A plastic projection with ``delay_site="dendritic"`` (the convention of NEST's ``stdp_synapse``;
Morrison, Diesmann & Gerstner 2008) gets three pathways: ``pre``, the transmission, delayed by
the projection's delay; ``plasticity``, the rule's presynaptic update, at no delay; and ``post``,
delayed. A postsynaptic trace kept on the neurons for it is delayed by a one-to-one pathway
from the population onto itself (``Synapses`` ``{population}_dendritic_delay``).
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, Mapping

import numpy as np
from brian2 import (Network, NeuronGroup, PoissonInput, PopulationRateMonitor, SpikeGeneratorGroup,
                    SpikeMonitor, StateMonitor, Subgroup, Synapses)
from brian2.units import fundamentalunits as fu

from ..errors import SpecError
from ..fusion import FusedSynapses, FusionPlan, SubgroupSpikes
from ..fusion import plan as plan_fusion
from .poisson import tabulate_binomial
from ..specs import Circuit, Population, Projection
from ..rules.base import LearningRule
from ..units import as_quantity

__all__ = ["BuiltCircuit", "build", "unit_name", "synapse_code"]


def unit_name(unit) -> str:
    """The Brian2 equation name of a unit's dimensions (``volt``, ``siemens``, ``1``).

    Parameters
    ----------
    unit : Unit or Quantity
        Anything with physical dimensions (e.g. ``nS``, ``mV``, a dimensionless 1).

    Returns
    -------
    str
        The name of the base unit of those dimensions, ``"1"`` when dimensionless.
    """
    dim = fu.get_dimensions(unit)
    if dim is fu.DIMENSIONLESS:
        return "1"
    return fu.get_unit(dim).name


@dataclasses.dataclass
class BuiltCircuit:
    """Brian2 objects of a built circuit, by spec name.

    Attributes
    ----------
    network : brian2.Network
        Holds every object below.
    groups : dict
        ``NeuronGroup`` / ``SpikeGeneratorGroup`` per population or source.
    synapses : dict
        ``Synapses`` per projection.
    spike_monitors, state_monitors, rate_monitors : dict
        Monitors per population.
    namespace : dict
        The namespace to pass to ``Simulation.run`` (objects carry their own; this is for
        anything shared).
    """

    circuit: Circuit
    network: Network
    groups: dict
    synapses: dict
    spike_monitors: dict
    state_monitors: dict
    rate_monitors: dict
    drives: dict
    namespace: dict = dataclasses.field(default_factory=dict)
    fusion: FusionPlan = dataclasses.field(default_factory=lambda: FusionPlan((), ()))


def synapse_code(projection: Projection, pre_kind: str, post: Population) -> dict:
    """Model, ``on_pre``, ``on_post``, namespace, method, periodic updates and group code of a
    projection's synapses.

    A rule contributes its parts through the protocol of :mod:`cortexlearn.rules.base`
    (:meth:`~cortexlearn.rules.base.LearningRule.contribution` in the role ``"synapse"``); the
    transmission statement comes from the postsynaptic neuron's channel for the presynaptic kind
    (``g_e_post += w`` for an excitatory synapse onto a conductance-based neuron), so the sign
    stays with the presynaptic population.

    Parameters
    ----------
    projection : Projection
        The projection spec; its ``rule`` (None for static weights) must be a
        :class:`~cortexlearn.rules.base.LearningRule` with the role ``"synapse"``.
    pre_kind : str
        Kind of the presynaptic node (``"excitatory"`` or ``"inhibitory"``), which picks the
        postsynaptic channel.
    post : Population
        The postsynaptic population; its neuron model gives the channel and the weight unit.

    Returns
    -------
    dict
        ``model``, ``on_pre``, ``on_post`` (or None), ``namespace``, ``method``, ``regular`` (a
        tuple of :class:`~cortexlearn.rules.base.Regular`), ``pre`` and ``post`` (neuron code or
        None), and ``transmission``: None when ``on_pre`` holds the transmission statement, or
        that statement for a pathway of its own (a plastic projection with a dendritic delay,
        whose ``on_pre`` is then the rule's presynaptic update alone).

    Raises
    ------
    SpecError
        If the rule is not a rule of one projection, its weight unit does not fit, or it has no
        form for the projection's ``delay_site``.
    """
    channel = post.neuron.synapse_on_pre(pre_kind)
    wunit = unit_name(post.neuron.weight_unit)
    if projection.rule is None:  # a static synapse is the same at either delay site
        return {"model": f"w : {wunit} (constant)", "on_pre": channel, "on_post": None,
                "namespace": {}, "method": None, "regular": (), "pre": None, "post": None,
                "transmission": None}
    rule = projection.rule
    if not isinstance(rule, LearningRule):
        raise SpecError(f"projection {projection.name}: {type(rule).__name__} is not a learning rule "
                        "(a cortexlearn.rules.LearningRule)")
    if "synapse" not in rule.roles:
        raise SpecError(
            f"projection {projection.name}: {type(rule).__name__} is not a rule of one projection (its "
            f"roles are {', '.join(rule.roles)}): it belongs to a learning circuit whose builder places "
            "it in each role, e.g. cortexlearn.build.feedforward for credit-assignment rules")
    rule_unit = getattr(rule, "weight_unit", None)
    if rule_unit is not None and str(rule_unit) not in (wunit, str(post.neuron.weight_unit)):
        try:
            from brian2.units.fundamentalunits import get_dimensions

            from ..units import parse_quantity

            same = get_dimensions(parse_quantity(f"1*{rule_unit}")) is get_dimensions(post.neuron.weight_unit)
        except Exception:
            same = False
        if not same:
            raise SpecError(f"projection {projection.name}: rule {type(rule).__name__} has weights in "
                            f"{rule_unit}, but {post.neuron.name} takes weights in {wunit}")
    dendritic = projection.delay_site == "dendritic"
    if dendritic:
        if "dendritic" not in getattr(rule, "delay_sites", ("axonal",)):
            raise SpecError(f"projection {projection.name}: {type(rule).__name__} has no form for a "
                            "dendritic delay; use delay_site='axonal' (or PairSTDP)")
        parts = rule.contribution("synapse", delay_site="dendritic")
    else:
        parts = rule.contribution("synapse", transmission=channel)
    return {"model": parts.model, "on_pre": parts.on_pre, "on_post": parts.on_post or None,
            "namespace": dict(parts.namespace), "method": parts.method, "regular": tuple(parts.regular),
            "pre": parts.pre, "post": parts.post, "transmission": channel if dendritic else None}


def _group_traces(circuit: Circuit, codes: Mapping[str, dict]) -> dict:
    """The neuron code that the projections' rules need on each population: ``{name: [code]}``.

    Rules that keep their traces on the neurons (e.g. ``PairSTDP(traces="neuron")``) share a
    trace when its code is identical; two different traces with one name are refused.
    """
    out = {}
    for proj in circuit.projections:
        code = codes.get(proj.name)
        if code is None:
            continue
        for side, node in (("pre", proj.pre), ("post", proj.post)):
            trace = code[side]
            if trace is None:
                continue
            if node not in {p.name for p in circuit.populations}:
                raise SpecError(f"projection {proj.name}: {type(proj.rule).__name__} keeps a "
                                f"{side}synaptic trace on the neurons, but {node!r} is a spike source "
                                "without equations; use traces='synapse'")
            known = out.setdefault(node, [])
            name = _trace_name(trace)
            same_name = [t for t in known if _trace_name(t) == name]
            if same_name and same_name[0] != trace:
                raise SpecError(f"two rules keep different traces {name!r} on population {node}; give "
                                "them equal time constants and pairing, or use traces='synapse'")
            if not same_name:
                known.append(trace)
    return out


def _trace_delays(circuit: Circuit, codes: Mapping[str, dict]) -> dict:
    """The delay of each population's delayed traces (``when="delayed"``): ``{name: delay}``.

    A delayed trace is one variable per neuron, so every dendritic projection that needs it on
    one population must have the same delay.
    """
    out = {}
    for proj in circuit.projections:
        trace = (codes.get(proj.name) or {}).get("post")
        if trace is None or trace.when != "delayed":
            continue
        if proj.post in out and float(out[proj.post]) != float(proj.delay):
            raise SpecError(f"projections onto {proj.post} have dendritic delays of {out[proj.post]} and "
                            f"{proj.delay}: the postsynaptic trace kept on the neurons can be delayed "
                            "by one of them only; use one delay or traces='synapse'")
        out[proj.post] = proj.delay
    return out


def _attach_delayed_traces(group, traces, delay, name: str):
    """A one-to-one pathway from ``group`` to itself, ``delay`` long, that runs the delayed
    traces' spike code (``when="delayed"``).

    Its pathway runs after the plastic projections' presynaptic updates of the same step
    (order 3; they run at order 2, see :func:`build`), so a presynaptic spike at ``t`` sees the
    delayed trace without the postsynaptic spike of ``t - delay``, as NEST's ``stdp_synapse``
    does.
    """
    from brian2.utils.stringtools import word_substitute

    names = {var: f"{var}_post" for t in traces for var in (_trace_name(t),)}
    code = "\n".join(word_substitute(t.on_spike, names) for t in traces)
    copy = Synapses(group, group, on_pre=code, delay=delay, name=f"{name}_dendritic_delay",
                    namespace={k: v for t in traces for k, v in t.namespace.items()})
    copy.connect(j="i")
    copy.pre.order = 3
    return copy


def _trace_name(trace) -> str:
    first = trace.equations.strip().split(":")[0].strip()
    return first.split("/")[0][1:] if "/" in first else first


def _trace_options(neuron, options: dict, traces) -> dict:
    """Group options with the traces' spike code placed where its slot runs it.

    A postsynaptic trace jumps *after* the synapses: its code joins the reset (the ``resets`` slot
    follows ``synapses``). A presynaptic trace jumps *before* them: a group without a reset runs it
    on the spike event in the ``before_synapses`` slot; a group whose reset already holds the spike
    event gets a second event with the same condition (``trace_spike``) for it.
    """
    options = dict(options)
    options["namespace"] = {**options["namespace"], **{k: v for t in traces for k, v in t.namespace.items()}}
    # a delayed trace ("delayed") adds its equations only: its jumps come by a pathway
    after = [t.on_spike for t in traces if t.when == "after_synapses"]
    if after:
        options["reset"] = "\n".join(([options["reset"]] if options.get("reset") else []) + after)
    if any(t.when == "before_synapses" for t in traces) and options.get("reset"):
        condition = neuron.threshold
        if neuron.refractory:  # the spike's own thresholder may mark the neuron refractory first
            condition = f"({condition}) and (not_refractory or lastspike == t)"
        options["events"] = {"trace_spike": condition}
    return options


def _attach_traces(group, traces, name: str):
    """Attach the traces' presynaptic spike code and periodic code to ``group`` (see
    :class:`~cortexlearn.rules.base.NeuronTraceCode` and :func:`_trace_options`)."""
    regular = [pair for t in traces for pair in t.regular]
    for k, (code, dt) in enumerate(regular):
        kwargs = {"dt": dt} if dt is not None else {}
        group.run_regularly(code, when="start", order=k, name=f"{name}_trace_regular_{k}", **kwargs)
    before = [t.on_spike for t in traces if t.when == "before_synapses"]
    if before:
        event = "trace_spike" if "trace_spike" in group.events else "spike"
        group.run_on_event(event, "\n".join(before), when="before_synapses")


def _attach_regular(syn, groups: tuple, regular, name: str):
    """Attach a rule's periodic updates to the synapses or to their pre/post group."""
    for k, update in enumerate(regular):
        owner = {"synapses": syn, "pre": groups[0], "post": groups[1]}[update.on]
        kwargs = {"dt": update.dt} if update.dt is not None else {}
        if isinstance(update.dt, str):
            raise SpecError(f"{name}: a projection rule's update runs on a clock of its own (a "
                            f"quantity), not on {update.dt!r}")
        suffix = "" if k == 0 else f"_{k}"
        owner.run_regularly(update.code, when=update.when, order=update.order,
                            name=f"{name}_regularly{suffix}", **kwargs)


def _check_weight_units(projection: Projection, post: Population):
    if isinstance(projection.weight, str):
        return
    as_quantity(projection.weight, post.neuron.weight_unit,
                f"projection {projection.name}: weight (for {post.neuron.name})")


def build(circuit: Circuit, record_spikes: bool | tuple = True,
          record_state: Mapping[str, Any] | None = None, record_rates: bool | tuple = False,
          state_dt=None, connectivity_seed: int = 0, fuse: bool = False) -> BuiltCircuit:
    """Create the Brian2 objects of ``circuit`` (inside an active :class:`Simulation`).

    Parameters
    ----------
    circuit : Circuit
        The validated circuit spec: populations, sources, projections and drives.
    record_spikes : bool or tuple of str
        Spike monitors for all populations (True) or the named ones.
    record_state : dict, optional
        ``{population: (variables, indices)}`` or ``{population: variables}`` for StateMonitors.
    record_rates : bool or tuple of str
        PopulationRateMonitors for all populations (True) or the named ones.
    state_dt : Quantity, optional
        Sampling interval of state monitors (default: every step).
    connectivity_seed : int
        Seed of the NumPy generator behind fixed in-degree connectivity, which is drawn outside
        Brian2 so that every target gets the same connections.
    fuse : bool
        Share one ``NeuronGroup`` among populations of one neuron model (each population a
        named ``Subgroup``) and one ``Synapses`` among static projections from one node with the
        same weight and random connectivity onto neighbouring populations: fewer loops per
        time step, the same model (see :mod:`cortexlearn.fusion`). A fused projection is found
        in ``synapses`` under the fused name; ``built.fusion`` lists what was fused.

    Returns
    -------
    BuiltCircuit
        The network and its objects by spec name.

    Raises
    ------
    SpecError
        If a rule, a weight unit, a trace or an initial value does not fit the circuit.
    """
    # 141 lines kept whole for now: the order of creation (groups with their random initial
    # values, sources, fused then single projections with their random connections, drives,
    # monitors) fixes the order of random draws, which a split must keep exactly; it is left
    # whole until the builder's cross-target tests are re-run after such a change.
    if not isinstance(circuit, Circuit):
        raise SpecError(f"build() needs a Circuit, got {type(circuit).__name__}")
    groups, spikes, states, rates, drives = {}, {}, {}, {}, {}
    synapses = FusedSynapses()
    nodes = circuit.nodes
    fusion = (plan_fusion(circuit, lambda p: synapse_code(p, nodes[p.pre].kind, nodes[p.post]))
              if fuse else FusionPlan((), ()))
    parents = {}
    for fused in fusion.groups:
        neuron = nodes[fused.members[0]].neuron
        parents[fused.name] = NeuronGroup(sum(fused.sizes), neuron.equations, name=fused.name,
                                          **_group_options(neuron))
    codes = {p.name: synapse_code(p, nodes[p.pre].kind, nodes[p.post]) for p in circuit.projections
             if p.rule is not None}
    traces = _group_traces(circuit, codes)
    trace_delays = _trace_delays(circuit, codes)
    for pop in circuit.populations:
        neuron = pop.neuron
        fused = fusion.group_of(pop.name)
        own = traces.get(pop.name, [])
        if own and fused is not None:  # pragma: no cover - fusion takes rule-free projections only
            raise SpecError(f"population {pop.name}: traces on fused groups are not supported")
        if fused is None:
            options = _group_options(neuron)
            if own:
                options = _trace_options(neuron, options, own)
            equations = ("\n".join([str(neuron.equations)] + [t.equations for t in own]) if own
                         else neuron.equations)
            group = NeuronGroup(pop.n, equations, name=pop.name, **options)
            if own:
                _attach_traces(group, own, pop.name)
        else:
            start, stop = fused.span([pop.name])
            group = Subgroup(parents[fused.name], start, stop, name=pop.name)
        initial = dict(neuron.initial)
        initial.update(dict(pop.initial))
        for var, expr in initial.items():
            if var not in group.variables:
                raise SpecError(f"population {pop.name}: {neuron.name} has no variable {var!r}")
            setattr(group, var, expr)
        groups[pop.name] = group
    delayed = {name: _attach_delayed_traces(groups[name], [t for t in traces[name] if t.when == "delayed"],
                                            delay, name)
               for name, delay in trace_delays.items()}
    for src in circuit.sources:
        groups[src.name] = SpikeGeneratorGroup(src.n, src.indices, src.times, name=src.name)
    for fused in fusion.projections:
        members = [p for p in circuit.projections if p.name in fused.members]
        for proj in members:
            _check_weight_units(proj, nodes[proj.post])
        first = members[0]
        group = fused.group
        start, stop = group.span(fused.posts)
        whole = (start, stop) == (0, sum(group.sizes))
        target = parents[group.name] if whole else Subgroup(parents[group.name], start, stop,
                                                              name=f"{fused.name}_targets")
        code = synapse_code(first, nodes[first.pre].kind, nodes[first.post])
        wunit = unit_name(nodes[first.post].neuron.weight_unit)
        syn = Synapses(groups[first.pre], target, model=f"w : {wunit} (constant, shared)",
                       on_pre=code["on_pre"], namespace=dict(code["namespace"]),
                       delay=first.delay if float(first.delay) > 0 else None, name=fused.name)
        autapse = None
        if not first.connectivity.allow_autapses and first.pre in fused.posts:
            autapse = f"i + {group.span([first.pre])[0]} != j + {start}"
        _connect(syn, first.connectivity, autapse, nodes[first.pre].n, stop - start, fused.name,
                 connectivity_seed)
        syn.w = first.weight
        synapses[fused.name] = syn
        synapses.fused.update({m: fused.name for m in fused.members})
    for proj in circuit.projections:
        if proj.name in synapses.fused:
            continue
        pre, post = nodes[proj.pre], nodes[proj.post]
        _check_weight_units(proj, post)
        code = codes.get(proj.name) or synapse_code(proj, pre.kind, post)
        method = {"method": code["method"]} if code["method"] else {}
        on_pre, delay = code["on_pre"], proj.delay if float(proj.delay) > 0 else None
        if code["transmission"] is not None:  # dendritic: transmission and postsynaptic side delayed
            on_pre = {"pre": code["transmission"], "plasticity": on_pre}
            delay = {"pre": proj.delay, "plasticity": 0 * proj.delay}
            if code["on_post"]:
                delay["post"] = proj.delay
        syn = Synapses(groups[proj.pre], groups[proj.post], model=code["model"], on_pre=on_pre,
                       on_post=code["on_post"], namespace=dict(code["namespace"]), **method,
                       delay=delay, name=proj.name)
        if code["transmission"] is not None:
            # after every transmission (order -1) and every potentiation of the step (the delayed
            # on_post, order 1), before the delayed traces' jumps (order 3): NEST's order
            syn.plasticity.order = 2
        _attach_regular(syn, (groups[proj.pre], groups[proj.post]), code["regular"], proj.name)
        conn = proj.connectivity
        autapse = None if conn.allow_autapses or proj.pre != proj.post else "i != j"
        _connect(syn, conn, autapse, pre.n, post.n, proj.name, connectivity_seed)
        if isinstance(proj.weight, str):
            syn.w = proj.weight
        elif conn.mode == "explicit" and np.size(proj.weight) > 1:
            syn.w[:] = proj.weight
        elif conn.mode != "explicit" or conn.i.size:
            syn.w = proj.weight
        synapses[proj.name] = syn
    for drive in circuit.drives:
        post = nodes[drive.post]
        channel = post.neuron.synapse_on_pre(drive.kind)
        target_var, _, _ = channel.partition("_post")
        sign = "-" if channel.strip().endswith("-= w") else ""
        as_quantity(drive.weight, post.neuron.weight_unit, f"drive {drive.name}: weight")
        weight = -drive.weight if sign else drive.weight
        drives[drive.name] = PoissonInput(groups[drive.post], target_var.strip(), drive.n_inputs,
                                          drive.rate, weight=weight)
        tabulate_binomial(drives[drive.name])
    names = [p.name for p in circuit.populations]
    wanted = names if record_spikes is True else list(record_spikes or ())
    whole_group_monitors = {}
    for fused in fusion.groups:
        if set(fused.members) <= set(wanted):
            monitor = SpikeMonitor(parents[fused.name], name=f"{fused.name}_spikes")
            whole_group_monitors[fused.name] = monitor
            for member in fused.members:
                start, stop = fused.span([member])
                spikes[member] = SubgroupSpikes(monitor, start, stop, f"{member}_spikes")
    for name in wanted:
        if name not in spikes:
            spikes[name] = SpikeMonitor(groups[name], name=f"{name}_spikes")
    wanted = names if record_rates is True else list(record_rates or ())
    for name in wanted:
        rates[name] = PopulationRateMonitor(groups[name], name=f"{name}_rate")
    for name, spec in (record_state or {}).items():
        variables, indices = (spec if isinstance(spec, tuple) and len(spec) == 2
                              and not isinstance(spec[1], str) else (spec, True))
        if isinstance(variables, str):
            variables = (variables,)
        kwargs = {"dt": state_dt} if state_dt is not None else {}
        states[name] = StateMonitor(groups[name], list(variables), record=indices,
                                    name=f"{name}_state", **kwargs)
    objects = (list(parents.values()) + [g for g in groups.values() if not isinstance(g, Subgroup)]
               + list(synapses.values()) + list(delayed.values()) + list(drives.values())
               + list(whole_group_monitors.values())
               + [m for m in spikes.values() if not isinstance(m, SubgroupSpikes)]
               + list(rates.values()) + list(states.values()))
    network = Network(*objects, name=f"{circuit.name}_network")
    return BuiltCircuit(circuit, network, groups, synapses, spikes, states, rates, drives,
                        fusion=fusion)


def _group_options(neuron) -> dict:
    options = dict(threshold=neuron.threshold or None, reset=neuron.reset or None,
                   method=neuron.method, namespace=neuron.namespace())
    if neuron.refractory:
        options["refractory"] = neuron.refractory
    return options


def _connect(syn, conn, autapse: str | None, n_pre: int, n_post: int, key: str, seed: int):
    """Create a projection's synapses; ``autapse`` is the condition that excludes self-loops."""
    if conn.mode == "probability" and conn.p < 1:
        syn.connect(condition=autapse, p=conn.p)
    elif conn.mode in ("probability", "all_to_all"):
        syn.connect(condition=autapse or True)
    elif conn.mode == "one_to_one":
        syn.connect(j="i")
    elif conn.mode == "explicit":
        if conn.i.size:
            syn.connect(i=conn.i, j=conn.j)
    elif conn.mode == "fixed_indegree":
        sources, targets = _fixed_indegree_pairs(n_pre, n_post, conn.k, same=autapse is not None,
                                                 key=key, seed=seed)
        syn.connect(i=sources, j=targets)


@functools.lru_cache(maxsize=4)
def _fixed_indegree_pairs(n_pre: int, n_post: int, k: int, same: bool, key: str,
                          seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The synapses of a fixed in-degree as ``(sources, targets)``, numbered by source and then
    target: a presynaptic spike then reads its synapses' targets and weights from consecutive
    memory instead of one cache line per synapse (Brunel's SR state at full scale: 3x faster
    synaptic propagation). The last few projections drawn are kept (read-only), so circuits that
    differ only in weights or drives, such as the states of one model, draw them once."""
    sources, targets = numbered_by_source(_fixed_indegree_sources(n_pre, n_post, k, same, key, seed),
                                          np.repeat(np.arange(n_post), k), n_pre, n_post)
    sources.flags.writeable = False
    targets.flags.writeable = False
    return sources, targets


def numbered_by_source(sources, targets, n_pre: int, n_post: int) -> tuple[np.ndarray, np.ndarray]:
    """The synapses ``(sources, targets)`` reordered by source and then target (int32).

    A presynaptic spike then reads its synapses' targets and weights from consecutive memory.
    A counting sort (a sparse matrix's row-to-column conversion): linear in the number of
    synapses. Pairs must be distinct.

    Parameters
    ----------
    sources, targets : array_like of int
        Presynaptic and postsynaptic index of each synapse, in any order.
    n_pre, n_post : int
        Sizes of the two populations.

    Returns
    -------
    sources, targets : ndarray of int32
    """
    from scipy.sparse import csr_matrix

    sources, targets = np.asarray(sources), np.asarray(targets)
    by_target = csr_matrix((np.ones(sources.size, dtype=np.int8), (targets, sources)), shape=(n_post, n_pre))
    by_source = by_target.tocsc()  # targets in increasing order per source
    return (np.repeat(np.arange(n_pre, dtype=np.int32), np.diff(by_source.indptr)),
            by_source.indices.astype(np.int32, copy=False))


def _fixed_indegree_sources(n_pre: int, n_post: int, k: int, same: bool, key: str,
                            seed: int) -> np.ndarray:
    """Presynaptic indices for a fixed in-degree: ``k`` distinct sources per target, drawn
    with NumPy from the projection name and ``seed``, independent of Brian2, so that every
    target builds the same connectivity."""
    import zlib

    rng = np.random.default_rng([zlib.crc32(key.encode()), int(seed)])
    out = np.empty((n_post, k), dtype=np.int64)
    for j in range(n_post):
        if same:
            choice = rng.choice(n_pre - 1, size=k, replace=False)
            choice[choice >= j] += 1
        else:
            choice = rng.choice(n_pre, size=k, replace=False)
        out[j] = choice
    return out.ravel()
