"""The builder of an :class:`~cortexlearn.circuits.eqprop.EqPropCircuit`: a rate-coded layered
network with symmetric feedback, trained by equilibrium propagation through the
temporal-derivative rule (Scellier & Bengio 2017; Xie & Seung 2000; Bengio et al. 2015).

Architecture
------------
One ``NeuronGroup`` per layer. The input layer's activity is a ``TimedArray`` of the trials'
inputs. Each pair of consecutive layers is joined by **one** ``Synapses`` object whose weight
``w`` carries both directions: ``I_up_post = w s_pre`` (summed, the bottom-up drive ``W s``) and
``I_down_pre = w s_post`` (summed, the top-down drive ``W^T s``), so the feedback is the transpose of
the forward weights by construction. Layer ``l`` integrates (forward Euler)

.. math:: \\tau \\frac{ds}{dt} = \\sigma(I_{up} + I_{down} + b + g\\,\\beta\\,(y - s)) - s,

with the nudge term on the output only and ``g`` the nudged-phase gate.

Schedule within a time step (counter ``k = t_in_timesteps mod n_trial``)
-------------------------------------------------------------------------
1. ``start``: at ``k = 0`` every layer's ``s`` and ``s_last`` are set to 1/2 (each trial's free
   phase starts where the reference's :func:`~cortexlearn.reference.eqprop.relax` starts).
2. ``groups``: the summed drives from the current states, then every layer's Euler step (a
   simultaneous, Jacobi update); in a learning trial the output is nudged with ``+beta`` when
   ``k >= n_learn`` and, with symmetric nudging, with ``-beta`` when ``n_free <= k < n_learn``
   (``n_learn = n_free`` for one-sided nudging, ``n_free + n_nudged`` for symmetric nudging).
3. ``after_groups``: when ``k >= n_learn`` in a learning trial, every synapse accumulates
   ``(eta/beta) (s̄_pre Δs_post + s̄_post Δs_pre)`` (``eta/(2 beta)`` with symmetric nudging;
   ``eta`` times the trial's ``learning_rate_scale``)
   with ``Δs = s - s_last`` and ``s̄ = (s + s_last)/2``
   (the midpoint rule, whose sum over the phase is exactly the change of ``s_pre s_post``) in
   ``dw``; every neuron ``(eta/beta) Δs`` in ``db``.
4. ``end``: ``s_last = s``; at ``k = n_free - 1`` the output's free state is kept in ``s_free``
   (recorded once per trial); at the trial's last step the accumulated change is expressed,
   ``w <- clip(w + dw, -w_max, w_max)``, ``b <- b + db``, and ``dw``, ``db`` are reset.

The change is expressed at the end of the trial, not during the nudged phase, because
Scellier & Bengio's update is the difference of two fixed points *of the same weights*: applied
at once, ``Δw_ij ∝ s_j Δs_i`` raises ``s_i`` by about ``(eta/beta) Δs_i Σ_j s_j^2`` within the
phase, a positive feedback that, with 64 inputs and ``eta = 0.1``, stalled learning on the
digits (29 % test after three epochs, against 92 % for the reference with the same settings).
"""

from __future__ import annotations

import dataclasses

import numpy as np
from brian2 import Network, NeuronGroup, StateMonitor, Synapses, TimedArray, defaultclock, linked_var

from ..circuits.eqprop import EqPropCircuit
from ..errors import SpecError
from ..units import check_whole_steps
from .registry import register

__all__ = ["EqPropNetwork", "build_eqprop_network"]


@dataclasses.dataclass
class EqPropNetwork:
    """The built network of an :class:`~cortexlearn.circuits.eqprop.EqPropCircuit`.

    Attributes
    ----------
    network : brian2.Network
        Every object; run it for :meth:`duration`.
    namespace : dict
        Constants and tables (inputs, targets, learning flags) of the equations.
    layers : list of NeuronGroup
        Input layer first (its activity ``s`` is the trial's input).
    synapses : list of Synapses
        ``W_l`` between layers ``l`` and ``l + 1`` (both directions).
    free_monitor : StateMonitor
        The output's free state, sampled at the first step of each trial.
    spec : EqPropCircuit
        The specification it was built from.
    """

    network: Network
    namespace: dict
    layers: list
    synapses: list
    free_monitor: StateMonitor
    spec: EqPropCircuit
    relays: list = dataclasses.field(default_factory=list)
    inhibitory: list = dataclasses.field(default_factory=list)

    def duration(self, trials: int | None = None):
        """Biological time of ``trials`` trials and one time step more, in which the free state of
        the last trial is recorded.

        Parameters
        ----------
        trials : int, optional
            Number of trials (default: all of the specification's).

        Returns
        -------
        Quantity
        """
        return (self.spec.n_trials if trials is None else trials) * self.spec.trial_duration + defaultclock.dt

    def _matrix(self, syn, l, transpose=False):
        m = np.zeros((self.spec.sizes[l + 1], self.spec.sizes[l]))
        rows, cols = np.asarray(syn.j[:]), np.asarray(syn.i[:])
        if transpose:
            rows, cols = cols, rows
        m[rows, cols] = np.asarray(syn.w[:])
        return m

    def weights(self) -> list:
        """Current signed ``W_l`` as ``(n_{l+1}, n_l)`` arrays (with Dale's law: the excitatory
        magnitude minus the bottom-up inhibitory one)."""
        out = [self._matrix(syn, l) for l, syn in enumerate(self.synapses)]
        if self.spec.dale:
            up = [syn for syn in self.inhibitory if syn.name.endswith("_up")]
            out = [w - self._matrix(v, l) for l, (w, v) in enumerate(zip(out, up))]
        return out

    def magnitudes(self) -> dict:
        """With Dale's law, every pathway's non-negative magnitudes as ``(n_{l+1}, n_l)`` arrays:
        ``{"E": [...], "I_up": [...], "I_down": [...]}`` (``I_down`` from layer 1 up); empty
        otherwise."""
        if not self.spec.dale:
            return {}
        up = [syn for syn in self.inhibitory if syn.name.endswith("_up")]
        down = [syn for syn in self.inhibitory if syn.name.endswith("_down")]
        return {"E": [self._matrix(s, l) for l, s in enumerate(self.synapses)],
                "I_up": [self._matrix(s, l) for l, s in enumerate(up)],
                "I_down": [self._matrix(s, l + 1, transpose=True) for l, s in enumerate(down)]}

    def biases(self) -> list:
        """Current ``b_l``."""
        return [np.asarray(g.b[:]).copy() for g in self.layers[1:]]

    def free_outputs(self) -> np.ndarray:
        """The output's state at the end of each trial's free phase, ``(n_trials, n_L)``."""
        return np.asarray(self.free_monitor.s_free[:]).T[1:].copy()


def build_eqprop_network(spec: EqPropCircuit) -> EqPropNetwork:
    """Build the network of ``spec`` for the current ``defaultclock.dt`` (set by a Simulation).

    Parameters
    ----------
    spec : EqPropCircuit

    Returns
    -------
    EqPropNetwork

    Raises
    ------
    SpecError
        When a phase is not a whole number of time steps.
    """
    if not isinstance(spec, EqPropCircuit):
        raise SpecError(f"spec must be an EqPropCircuit, got {type(spec).__name__}")
    # About 100 lines: the layers, their phase gates and the synapses of both signs are declared
    # in the order the compiled program runs them, sharing one namespace of phase constants;
    # split up, every part would take that namespace and the gates as arguments.
    dt = defaultclock.dt
    n_free = check_whole_steps(spec.free_duration, dt, "free_duration")
    n_nudged = check_whole_steps(spec.nudged_duration, dt, "nudged_duration")
    n_anti = n_nudged if spec.symmetric else 0  # the -beta phase of symmetric nudging
    n_trial = n_free + n_anti + n_nudged
    n_learn = n_free + n_anti  # first step of the learning (+beta) phase
    T = spec.trial_duration
    sizes = spec.sizes
    name = spec.name
    learn = np.ones(spec.n_trials) if spec.learn is None else np.asarray(spec.learn, dtype=float)
    scale = (np.ones(spec.n_trials) if spec.learning_rate_scale is None
             else np.asarray(spec.learning_rate_scale, dtype=float))
    # one extra (non-learning) row so that the last step of the session never reads past the table
    ns = {
        "x_in": TimedArray(np.vstack([np.asarray(spec.inputs, float), np.zeros((1, sizes[0]))]), dt=T),
        "y_target": TimedArray(np.vstack([np.asarray(spec.targets, float), np.zeros((1, sizes[-1]))]), dt=T),
        "learn_trial": TimedArray(np.append(learn, 0.0), dt=T),
        "eta_scale": TimedArray(np.append(scale, 0.0), dt=T),  # the learning-rate schedule, per trial
        "n_trial": n_trial, "n_free": n_free, "n_learn": n_learn, "beta": float(spec.beta), "tau_s": spec.tau,
        "eta_over_beta": float(spec.rule.learning_rate) / ((2.0 if spec.symmetric else 1.0) * float(spec.beta)),
        # with Dale's law a weight is the difference of two magnitudes that learn alike: each at half rate
        "eta_syn": float(spec.rule.learning_rate) / ((2.0 if spec.symmetric else 1.0) * float(spec.beta))
        / (2.0 if spec.dale else 1.0),
        "w_bound": float(spec.rule.w_max),
    }
    gate = "(int((t_in_timesteps % n_trial) >= n_learn) * learn_trial(t) * eta_scale(t))"
    # +1 in the nudged phase, -1 in the anti-nudged phase, 0 in the free phase and in test trials
    nudge_gate = ("(int((t_in_timesteps % n_trial) >= n_free) * (1 - 2*int((t_in_timesteps % n_trial) < n_learn))"
                  " * learn_trial(t))")
    layers = [NeuronGroup(sizes[0], "s = x_in(t, i) : 1\ns_last = s : 1", name=f"{name}_layer0",
                          namespace=ns)]
    for l in range(1, len(sizes)):
        top = l == len(sizes) - 1
        nudge = f"{nudge_gate} * beta * (y_target(t, i) - s)" if top else "0"
        inhibition = " - J_up - J_down" if spec.dale else ""
        eqs = f"""
            ds/dt = (1/(1 + exp(-u)) - s)/tau_s : 1
            u = I_up + I_down{inhibition} + b + {nudge} : 1
            I_up : 1
            I_down : 1
            J_up : 1
            J_down : 1
            b : 1
            db : 1
            s_last : 1
            s_free : 1
        """
        g = NeuronGroup(sizes[l], eqs, method="euler", name=f"{name}_layer{l}", namespace=ns)
        g.s = 0.5
        g.s_last = 0.5
        g.b = np.asarray(spec.biases[l - 1], float)
        g.run_regularly("s = 0.5*int(t_in_timesteps % n_trial == 0) + s*int(t_in_timesteps % n_trial != 0)\n"
                        "s_last = 0.5*int(t_in_timesteps % n_trial == 0) "
                        "+ s_last*int(t_in_timesteps % n_trial != 0)", when="start", name=f"{name}_reset{l}")
        g.run_regularly(f"db = db + eta_over_beta * {gate} * (s - s_last)", when="after_groups", order=1,
                        name=f"{name}_bias{l}")
        keep = ("s_last = s\nb = b + db*int(t_in_timesteps % n_trial == n_trial - 1)\n"
                "db = db*int(t_in_timesteps % n_trial != n_trial - 1)")
        if top:
            keep += ("\ns_free = s*int(t_in_timesteps % n_trial == n_free - 1) "
                     "+ s_free*int(t_in_timesteps % n_trial != n_free - 1)")
        g.run_regularly(keep, when="end", name=f"{name}_keep{l}")
        layers.append(g)
    synapses, relays, inhibitory = [], [], []
    if spec.dale:
        relays = _relays(spec, layers, ns)
    low = 0.0 if spec.dale else -float(spec.rule.w_max)
    for l in range(len(sizes) - 1):
        feedback = l > 0  # the input layer is clamped: nothing flows down into it
        model = "w : 1\ndw : 1\nI_up_post = w*s_pre : 1 (summed)"
        if feedback:
            model += "\nI_down_pre = w*s_post : 1 (summed)"
        syn = Synapses(layers[l], layers[l + 1], model, name=f"{name}_W{l}", namespace=ns)
        post, pre = np.divmod(np.arange(sizes[l] * sizes[l + 1]), sizes[l])  # explicit order:
        syn.connect(i=pre, j=post)  # standalone targets cannot read i, j before the run
        w = np.asarray(spec.weights[l], float)[post, pre]
        syn.w = np.maximum(w, 0.0) if spec.dale else w
        _learn(syn, "s", "s", +1, gate, low, f"{name}_W{l}")
        synapses.append(syn)
        if spec.dale:
            # I_l -> E_{l+1} (bottom-up) and I_{l+1} -> E_l (top-down): the negative part of W_l,
            # one magnitude per pathway, equal at the start and under the same symmetric rule
            up = Synapses(relays[l], layers[l + 1], "w : 1\ndw : 1\nJ_up_post = w*r_pre : 1 (summed)",
                          name=f"{name}_V{l}_up", namespace=ns)
            up.connect(i=pre, j=post)
            up.w = np.maximum(-w, 0.0)
            _learn(up, "r", "s", -1, gate, low, f"{name}_V{l}_up")
            inhibitory.append(up)
            if feedback:
                down = Synapses(relays[l + 1], layers[l], "w : 1\ndw : 1\nJ_down_post = w*r_pre : 1 (summed)",
                                name=f"{name}_V{l}_down", namespace=ns)
                down.connect(i=post, j=pre)
                down.w = np.maximum(-w, 0.0)
                _learn(down, "r", "s", -1, gate, low, f"{name}_V{l}_down")
                inhibitory.append(down)
    mon = StateMonitor(layers[-1], "s_free", record=True, dt=T, when="end", order=1,
                       name=f"{name}_free_monitor")
    # sampled at t = 0, T, 2T, ... (first step of each trial): sample n holds trial n-1's free state
    objects = layers + relays + synapses + inhibitory + [mon]
    return EqPropNetwork(Network(*objects), ns, layers, synapses, mon, spec, relays, inhibitory)


def _learn(syn, pre, post, sign, gate, low, name):
    """The temporal-derivative rule on ``syn``: ``dw += sign (eta/beta) d(pre*post)`` by the
    midpoint rule while ``gate`` is open, expressed and clipped to ``[low, w_bound]`` at the
    trial's end. ``sign`` is -1 for an inhibitory synapse, whose magnitude enters with a minus."""
    syn.run_regularly(
        f"dw = dw {'+' if sign > 0 else '-'} eta_syn * {gate} * "
        f"(0.5*({pre}_pre + {pre}_last_pre)*({post}_post - {post}_last_post)"
        f" + 0.5*({post}_post + {post}_last_post)*({pre}_pre - {pre}_last_pre))",
        when="after_groups", name=f"{name}_learn")
    syn.run_regularly(f"w = clip(w + dw*int(t_in_timesteps % n_trial == n_trial - 1), {low!r}, w_bound)\n"
                      "dw = dw*int(t_in_timesteps % n_trial != n_trial - 1)",
                      when="end", name=f"{name}_express")


def _relays(spec, layers, ns):
    """One inhibitory relay population per layer (Parisien et al. 2008), in the fast limit: each
    relay unit's activity ``r`` is its excitatory partner's ``s`` (a linked variable; the input
    layer's relay reads the input table)."""
    relays = []
    for l, layer in enumerate(layers):
        if l == 0:
            g = NeuronGroup(len(layer), "r = x_in(t, i) : 1\nr_last = r : 1", name=f"{spec.name}_relay0",
                            namespace=ns)
        else:
            g = NeuronGroup(len(layer), "r : 1 (linked)\nr_last : 1 (linked)", name=f"{spec.name}_relay{l}",
                            namespace=ns)
            g.r = linked_var(layer, "s")
            g.r_last = linked_var(layer, "s_last")
        relays.append(g)
    return relays


@register(EqPropCircuit)
def build_eqprop_circuit(spec: EqPropCircuit) -> EqPropNetwork:
    """The builder of an :class:`~cortexlearn.circuits.eqprop.EqPropCircuit` (registered with
    :func:`cortexlearn.build.register`).

    Parameters
    ----------
    spec : EqPropCircuit

    Returns
    -------
    EqPropNetwork
    """
    return build_eqprop_network(spec)
