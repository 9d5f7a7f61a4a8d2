"""The builder of a :class:`~cortexlearn.circuits.microcircuit.MicrocircuitSpec`: a dendritic
cortical microcircuit with one hidden layer (Sacramento, Costa, Bengio & Senn 2018, NeurIPS 31),
every synapse learning by dendritic prediction (:class:`~cortexlearn.rules.DendriticMicrocircuit`).

Architecture
------------
Four ``NeuronGroup`` objects: the input (rates ``r`` from a ``TimedArray`` of the presentations),
the hidden pyramidal neurons (soma ``u``, basal ``v_B``, apical ``v_A = v_top + v_inter``), the
output pyramidal neurons (soma and basal ``v_B``; nudged toward ``u_tgt`` by the teacher
conductance ``g_som`` in teaching presentations) and the hidden layer's interneurons (soma ``u``,
dendrite ``v_I``; nudged by their output neuron's soma through ``u_up``). Every rate is
``r = log(1 + exp(u))``. Six ``Synapses`` objects carry the rule's parts: input to basal hidden,
hidden to basal output, output to apical (top-down; fixed unless the rule's ``eta_top_down`` is
positive), hidden to interneuron, interneuron to
apical, and the one-to-one nudging of each interneuron by its output neuron.

Schedule within a time step (``k = t_in_timesteps mod n_sample``)
------------------------------------------------------------------
0. ``start``: the input rates of the presentation.
1. ``groups``: every dendritic potential from the current rates (the summed variables run before
   the groups' state updaters: a simultaneous, Jacobi update); a forward-Euler step of every soma.
   Rates are stored variables, computed once per neuron and step (order -3 of ``end``), not
   subexpressions that every synapse would evaluate again.
2. ``end``, order -3: each neuron's rate ``r = phi(u)``, its dendritic prediction
   ``r_hat = phi(v_hat)`` and ``err = r - r_hat``.
3. ``end``, order -1: the hidden layer's ``transport = W_out^T err_out`` (the error weight
   transport would send down, with the weights of this step), a summed variable moved here.
4. ``end``, order 0: every plastic weight changes by ``dt`` times its rule (gated off for
   ``k < n_settle`` and by the presentation's learning flags).
5. ``end``, order 1: at a presentation's last step its state is latched (``*_last``); a monitor
   reads the latches at the first step of the next presentation.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from brian2 import Network, NeuronGroup, StateMonitor, Synapses, TimedArray, defaultclock

from ..circuits.microcircuit import MicrocircuitSpec
from ..errors import SpecError
from ..units import check_whole_steps
from .registry import register

__all__ = ["MicrocircuitNetwork", "build_microcircuit"]

_RATE = "log(1 + exp({}))"
_LATCHED = {"hidden": ("v_A", "err", "transport", "v_B"), "output": ("u", "err", "v_B")}


@dataclasses.dataclass
class MicrocircuitNetwork:
    """The built network of a :class:`~cortexlearn.circuits.microcircuit.MicrocircuitSpec`.

    Attributes
    ----------
    network : brian2.Network
    namespace : dict
    groups : dict of NeuronGroup
        ``input``, ``hidden``, ``output``, ``inter``.
    synapses : dict of Synapses
        Keyed by the weight names (``W_in``, ``W_out``, ``B``, ``W_PI``, ``W_IA``) and ``nudge``.
    monitors : dict of StateMonitor
        ``hidden`` and ``output``: the latched end-of-presentation state.
    spec : MicrocircuitSpec
    """

    network: Network
    namespace: dict
    groups: dict
    synapses: dict
    monitors: dict
    spec: MicrocircuitSpec

    def duration(self):
        """Every presentation and one step more, in which the last one's latches are read."""
        return self.spec.n_samples * self.spec.sample_duration + defaultclock.dt

    def weights(self) -> dict:
        """Current weight matrices ``(n_post, n_pre)``, keyed as the specification's."""
        out = {}
        for key, syn in self.synapses.items():
            if key == "nudge":
                continue
            m = np.zeros(np.shape(self.spec.weights[key]))
            m[np.asarray(syn.j[:]), np.asarray(syn.i[:])] = np.asarray(syn.w[:])
            out[key] = m
        return out

    def recorded(self) -> dict:
        """End-of-presentation state, ``(n_samples, n)`` arrays: ``u_out``, ``error_out``,
        ``v_B_out``, ``v_A``, ``error_hidden``, ``transport``, ``v_B``."""
        h, o = self.monitors["hidden"], self.monitors["output"]
        get = lambda mon, name: np.asarray(getattr(mon, f"{name}_last")[:]).T[1:].copy()
        return {"u_out": get(o, "u"), "error_out": get(o, "err"), "v_B_out": get(o, "v_B"),
                "v_A": get(h, "v_A"), "error_hidden": get(h, "err"), "transport": get(h, "transport"),
                "v_B": get(h, "v_B")}


def _latch(group, names, last_step, label):
    code = "\n".join(f"{n}_last = {n}*int(t_in_timesteps % n_sample == {last_step}) "
                     f"+ {n}_last*int(t_in_timesteps % n_sample != {last_step})" for n in names)
    group.run_regularly(code, when="end", order=1, name=f"{label}_latch")


def _rates(hidden, output, inter):
    """Each neuron's rate, dendritic prediction and their difference, once per step (``end``, -3)."""
    for group, v_hat in ((hidden, "att_h*v_B"), (output, "att_o*v_B"), (inter, "att_i*v_I")):
        group.r = np.log(2.0)  # phi(0): the rates the first step's dendrites read
        code = f"r = {_RATE.format('u')}\nr_hat = {_RATE.format(v_hat)}"
        if group is not inter:
            code += "\nerr = r - r_hat"
        group.run_regularly(code, when="end", order=-3, name=f"{group.name}_rates")


def _plastic(pre, post, rule, role, gate, label, ns, weights, extra=""):
    parts = rule.contribution(role, gate=gate)
    syn = Synapses(pre, post, parts.model + extra, name=label, namespace={**ns, **parts.namespace})
    n_post, n_pre = np.shape(weights)
    post_index, pre_index = np.divmod(np.arange(n_pre * n_post), n_pre)
    syn.connect(i=pre_index, j=post_index)  # explicit order: standalone cannot read i, j before the run
    syn.w = np.asarray(weights, float)[post_index, pre_index]
    for name, value in parts.constants.items():
        setattr(syn, name, value)
    for k, regular in enumerate(parts.regular):
        syn.run_regularly(regular.code, dt=regular.dt, when=regular.when, order=regular.order,
                          name=f"{label}_learn{k}")
    return syn


def build_microcircuit(spec: MicrocircuitSpec) -> MicrocircuitNetwork:
    """Build the network of ``spec`` for the current ``defaultclock.dt`` (set by a Simulation).

    Parameters
    ----------
    spec : MicrocircuitSpec

    Returns
    -------
    MicrocircuitNetwork

    Raises
    ------
    SpecError
        When a duration is not a whole number of time steps.
    """
    if not isinstance(spec, MicrocircuitSpec):
        raise SpecError(f"spec must be a MicrocircuitSpec, got {type(spec).__name__}")
    dt = defaultclock.dt
    n_sample = check_whole_steps(spec.sample_duration, dt, "sample_duration")
    n_settle = int(round(float(spec.settle_duration / dt)))
    n_in, n_h, n_out = spec.sizes
    T, name, c = spec.sample_duration, spec.name, spec.conductances
    flags = lambda v: np.append(np.asarray(v, float), 0.0)  # one extra row for the last step
    ns = {
        "x_in": TimedArray(np.vstack([np.asarray(spec.inputs, float), np.zeros((1, n_in))]), dt=T),
        "u_tgt": TimedArray(np.vstack([np.asarray(spec.targets, float), np.zeros((1, n_out))]), dt=T),
        "teach": TimedArray(flags(spec.teach), dt=T), "learn_forward": TimedArray(flags(spec.learn_forward), dt=T),
        "learn_inter": TimedArray(flags(spec.learn_inter), dt=T),
        "n_sample": n_sample, "n_settle": n_settle, "tau_m": spec.tau,
        **{k: float(c[k]) for k in ("g_lk", "g_B", "g_A", "g_D", "g_som")},
        "att_h": c["g_B"] / (c["g_lk"] + c["g_B"] + c["g_A"]), "att_o": c["g_B"] / (c["g_lk"] + c["g_B"]),
        "att_i": c["g_D"] / (c["g_lk"] + c["g_D"]),
    }
    settled = "int(t_in_timesteps % n_sample >= n_settle)"
    inp = NeuronGroup(n_in, "r : 1", name=f"{name}_input", namespace=ns)
    inp.run_regularly("r = x_in(t, i)", when="start", name=f"{name}_input_rates")
    hidden = NeuronGroup(n_h, f"""
        du/dt = (-g_lk*u + g_B*(v_B - u) + g_A*(v_A - u))/tau_m : 1
        v_A = v_top + v_inter : 1
        r : 1
        r_hat : 1
        err : 1
        v_B : 1
        v_top : 1
        v_inter : 1
        transport : 1
        """ + "\n".join(f"{n}_last : 1" for n in _LATCHED["hidden"]), method="euler", name=f"{name}_hidden",
        namespace=ns)
    output = NeuronGroup(n_out, f"""
        du/dt = (-g_lk*u + g_B*(v_B - u) + g_som*teach(t)*(u_tgt(t, i) - u))/tau_m : 1
        r : 1
        r_hat : 1
        err : 1
        v_B : 1
        """ + "\n".join(f"{n}_last : 1" for n in _LATCHED["output"]), method="euler", name=f"{name}_output",
        namespace=ns)
    inter = NeuronGroup(n_out, f"""
        du/dt = (-g_lk*u + g_D*(v_I - u) + g_som*(u_up - u))/tau_m : 1
        r : 1
        r_hat : 1
        v_I : 1
        u_up : 1
        """, method="euler", name=f"{name}_inter", namespace=ns)
    _rates(hidden, output, inter)
    _latch(hidden, _LATCHED["hidden"], n_sample - 1, f"{name}_hidden")
    _latch(output, _LATCHED["output"], n_sample - 1, f"{name}_output")
    W, rule = spec.weights, spec.rule
    gate_f, gate_i = f"{settled}*learn_forward(t)", f"{settled}*learn_inter(t)"
    syn = {
        "W_in": _plastic(inp, hidden, rule, "basal_hidden", gate_f, f"{name}_W_in", ns, W["W_in"]),
        "W_out": _plastic(hidden, output, rule, "basal_output", gate_f, f"{name}_W_out", ns, W["W_out"],
                          extra="\ntransport_pre = w*err_post : 1 (summed)"),
        "B": _plastic(output, hidden, rule, "top_down", gate_f, f"{name}_B", ns, W["B"]),
        "W_PI": _plastic(hidden, inter, rule, "interneuron", gate_i, f"{name}_W_PI", ns, W["W_PI"]),
        "W_IA": _plastic(inter, hidden, rule, "apical", gate_i, f"{name}_W_IA", ns, W["W_IA"]),
    }
    nudge = Synapses(output, inter, "u_up_post = u_pre : 1 (summed)", name=f"{name}_nudge", namespace=ns)
    nudge.connect(j="i")
    syn["nudge"] = nudge
    # the error weight transport would send down (measured, not used): after the state update,
    # with the weights of this step, before they change
    syn["W_out"].summed_updaters["transport_pre"].when = "end"
    syn["W_out"].summed_updaters["transport_pre"].order = -1
    mons = {"hidden": StateMonitor(hidden, [f"{n}_last" for n in _LATCHED["hidden"]], record=True, dt=T,
                                   when="end", order=2, name=f"{name}_hidden_monitor"),
            "output": StateMonitor(output, [f"{n}_last" for n in _LATCHED["output"]], record=True, dt=T,
                                   when="end", order=2, name=f"{name}_output_monitor")}
    objects = [inp, hidden, output, inter, *syn.values(), *mons.values()]
    return MicrocircuitNetwork(Network(*objects), ns, {"input": inp, "hidden": hidden, "output": output,
                                                       "inter": inter}, syn, mons, spec)


@register(MicrocircuitSpec)
def build_microcircuit_spec(spec: MicrocircuitSpec) -> MicrocircuitNetwork:
    """The builder of a :class:`~cortexlearn.circuits.microcircuit.MicrocircuitSpec` (registered
    with :func:`cortexlearn.build.register`).

    Parameters
    ----------
    spec : MicrocircuitSpec

    Returns
    -------
    MicrocircuitNetwork
    """
    return build_microcircuit(spec)
