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
                    SpikeMonitor, StateMonitor, Synapses)
from brian2.units import fundamentalunits as fu

from .errors import SpecError
from .specs import Circuit, Population, Projection
from .units import as_quantity

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
          state_dt=None, connectivity_seed: int = 0) -> BuiltCircuit:
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
    """
    if not isinstance(circuit, Circuit):
        raise SpecError(f"build() needs a Circuit, got {type(circuit).__name__}")
    groups, synapses, spikes, states, rates, drives = {}, {}, {}, {}, {}, {}
    for pop in circuit.populations:
        neuron = pop.neuron
        kwargs = dict(threshold=neuron.threshold or None, reset=neuron.reset or None,
                      method=neuron.method, namespace=neuron.namespace(), name=pop.name)
        if neuron.refractory:
            kwargs["refractory"] = neuron.refractory
        group = NeuronGroup(pop.n, neuron.equations, **kwargs)
        initial = dict(neuron.initial)
        initial.update(dict(pop.initial))
        for var, expr in initial.items():
            if var not in group.variables:
                raise SpecError(f"population {pop.name}: {neuron.name} has no variable {var!r}")
            setattr(group, var, expr)
        groups[pop.name] = group
    for src in circuit.sources:
        groups[src.name] = SpikeGeneratorGroup(src.n, src.indices, src.times, name=src.name)
    nodes = circuit.nodes
    for proj in circuit.projections:
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
        if conn.mode == "probability":
            cond = None if conn.allow_autapses or proj.pre != proj.post else "i != j"
            syn.connect(condition=cond, p=conn.p) if conn.p < 1 else syn.connect(condition=cond or True)
        elif conn.mode == "all_to_all":
            cond = None if conn.allow_autapses or proj.pre != proj.post else "i != j"
            syn.connect(condition=cond or True)
        elif conn.mode == "one_to_one":
            syn.connect(j="i")
        elif conn.mode == "explicit":
            if conn.i.size:
                syn.connect(i=conn.i, j=conn.j)
        elif conn.mode == "fixed_indegree":
            syn.connect(i=_fixed_indegree_sources(pre.n, post.n, conn.k,
                                                  same=proj.pre == proj.post and not conn.allow_autapses,
                                                  key=proj.name, seed=connectivity_seed),
                        j=np.repeat(np.arange(post.n), conn.k))
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
    for name in wanted:
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
    objects = (list(groups.values()) + list(synapses.values()) + list(drives.values())
               + list(spikes.values()) + list(rates.values()) + list(states.values()))
    network = Network(*objects, name=f"{circuit.name}_network")
    return BuiltCircuit(circuit, network, groups, synapses, spikes, states, rates, drives)


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
