"""Turn a :class:`~cortexlearn.specs.Circuit` into named Brian2 objects in an explicit Network.

Call :func:`build` inside a ``with Simulation(...)`` block: the objects are created for that
simulation's target. Every object is named after its spec (population ``E`` → ``NeuronGroup``
``E``, projection ``E_to_I`` → ``Synapses`` ``E_to_I``, its spike monitor ``E_spikes``), every
group gets an explicit namespace with its own parameters, and nothing is looked up in the
caller's frame.

Learning rules plug in through :meth:`synapse_code`: a rule object renders the synapse's model,
``on_pre``, ``on_post`` and namespace around the postsynaptic channel statement (``g_e_post += w``
for an excitatory synapse onto a conductance-based neuron), so Dale's law stays structural.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping

import numpy as np
from brian2 import (Network, NeuronGroup, PoissonInput, PopulationRateMonitor, SpikeGeneratorGroup,
                    SpikeMonitor, StateMonitor, Subgroup, Synapses)
from brian2.units import fundamentalunits as fu

from ..errors import SpecError
from ..fusion import FusedSynapses, FusionPlan, SubgroupSpikes
from ..fusion import plan as plan_fusion
from ..specs import Circuit, Population, Projection
from ..units import as_quantity

__all__ = ["BuiltCircuit", "build", "unit_name", "synapse_code"]


def unit_name(unit) -> str:
    """The Brian2 equation name of a unit's dimensions (``volt``, ``siemens``, ``1``)."""
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
    """Model, ``on_pre``, ``on_post``, namespace, method and ``run_regularly`` code of a
    projection's synapses. A rule renders its code around the postsynaptic channel statement
    (``rule.synapse_code("g_e_post += w")``), so the sign stays with the presynaptic population."""
    channel = post.neuron.synapse_on_pre(pre_kind)
    wunit = unit_name(post.neuron.weight_unit)
    if projection.rule is None:
        return {"model": f"w : {wunit} (constant)", "on_pre": channel, "on_post": None,
                "namespace": {}, "method": None, "run_regularly": "", "run_regularly_when": "end"}
    rule = projection.rule
    render = getattr(rule, "synapse_code", None)
    if render is None:
        raise SpecError(f"projection {projection.name}: rule {type(rule).__name__} cannot render "
                        "Brian2 code (it has no synapse_code(transmission) method)")
    rule_unit = getattr(rule, "weight_unit", None)
    rule_unit = rule_unit() if callable(rule_unit) else rule_unit
    if rule_unit is not None and str(rule_unit) not in (wunit, str(post.neuron.weight_unit)):
        try:
            from brian2.units.fundamentalunits import get_dimensions
            from .units import parse_quantity

            same = get_dimensions(parse_quantity(f"1*{rule_unit}")) is get_dimensions(post.neuron.weight_unit)
        except Exception:
            same = False
        if not same:
            raise SpecError(f"projection {projection.name}: rule {type(rule).__name__} has weights in "
                            f"{rule_unit}, but {post.neuron.name} takes weights in {wunit}")
    code = render(channel)
    if not isinstance(code, dict):
        code = {k: getattr(code, k) for k in ("model", "on_pre", "on_post", "namespace", "method",
                                              "run_regularly", "run_regularly_when") if hasattr(code, k)}
    code = dict(code)
    code["on_post"] = code.get("on_post") or None
    code.setdefault("namespace", {})
    code.setdefault("method", None)
    code.setdefault("run_regularly", "")
    code.setdefault("run_regularly_when", "end")
    return code


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
    """
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
    for pop in circuit.populations:
        neuron = pop.neuron
        fused = fusion.group_of(pop.name)
        if fused is None:
            group = NeuronGroup(pop.n, neuron.equations, name=pop.name, **_group_options(neuron))
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
        code = synapse_code(proj, pre.kind, post)
        method = {"method": code["method"]} if code["method"] else {}
        syn = Synapses(groups[proj.pre], groups[proj.post], model=code["model"], on_pre=code["on_pre"],
                       on_post=code["on_post"], namespace=dict(code["namespace"]), **method,
                       delay=proj.delay if float(proj.delay) > 0 else None, name=proj.name)
        if code["run_regularly"]:
            syn.run_regularly(code["run_regularly"], when=code["run_regularly_when"],
                              name=f"{proj.name}_regularly")
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
               + list(synapses.values()) + list(drives.values()) + list(whole_group_monitors.values())
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
        syn.connect(i=_fixed_indegree_sources(n_pre, n_post, conn.k, same=autapse is not None,
                                              key=key, seed=seed),
                    j=np.repeat(np.arange(n_post), conn.k))


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
