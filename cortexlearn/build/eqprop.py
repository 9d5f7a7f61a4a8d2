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
   simultaneous, Jacobi update); the output is nudged when ``k >= n_free`` in a learning trial.
3. ``after_groups``: when ``k >= n_free`` in a learning trial, every synapse accumulates
   ``(eta/beta) (s̄_pre Δs_post + s̄_post Δs_pre)`` with ``Δs = s - s_last`` and ``s̄ = (s + s_last)/2``
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
from brian2 import Network, NeuronGroup, StateMonitor, Synapses, TimedArray, defaultclock

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

    def weights(self) -> list:
        """Current ``W_l`` as ``(n_{l+1}, n_l)`` arrays."""
        out = []
        for l, syn in enumerate(self.synapses):
            m = np.zeros((self.spec.sizes[l + 1], self.spec.sizes[l]))
            m[np.asarray(syn.j[:]), np.asarray(syn.i[:])] = np.asarray(syn.w[:])
            out.append(m)
        return out

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
    dt = defaultclock.dt
    n_free = check_whole_steps(spec.free_duration, dt, "free_duration")
    n_nudged = check_whole_steps(spec.nudged_duration, dt, "nudged_duration")
    n_trial = n_free + n_nudged
    T = spec.trial_duration
    sizes = spec.sizes
    name = spec.name
    learn = np.ones(spec.n_trials) if spec.learn is None else np.asarray(spec.learn, dtype=float)
    # one extra (non-learning) row so that the last step of the session never reads past the table
    ns = {
        "x_in": TimedArray(np.vstack([np.asarray(spec.inputs, float), np.zeros((1, sizes[0]))]), dt=T),
        "y_target": TimedArray(np.vstack([np.asarray(spec.targets, float), np.zeros((1, sizes[-1]))]), dt=T),
        "learn_trial": TimedArray(np.append(learn, 0.0), dt=T),
        "n_trial": n_trial, "n_free": n_free, "beta": float(spec.beta), "tau_s": spec.tau,
        "eta_over_beta": float(spec.rule.learning_rate) / float(spec.beta),
        "w_bound": float(spec.rule.w_max),
    }
    gate = "(int((t_in_timesteps % n_trial) >= n_free) * learn_trial(t))"
    layers = [NeuronGroup(sizes[0], "s = x_in(t, i) : 1\ns_last = s : 1", name=f"{name}_layer0",
                          namespace=ns)]
    for l in range(1, len(sizes)):
        top = l == len(sizes) - 1
        nudge = f"{gate} * beta * (y_target(t, i) - s)" if top else "0"
        eqs = f"""
            ds/dt = (1/(1 + exp(-u)) - s)/tau_s : 1
            u = I_up + I_down + b + {nudge} : 1
            I_up : 1
            I_down : 1
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
    synapses = []
    for l in range(len(sizes) - 1):
        feedback = l > 0  # the input layer is clamped: nothing flows down into it
        model = "w : 1\ndw : 1\nI_up_post = w*s_pre : 1 (summed)"
        if feedback:
            model += "\nI_down_pre = w*s_post : 1 (summed)"
        syn = Synapses(layers[l], layers[l + 1], model, name=f"{name}_W{l}", namespace=ns)
        post, pre = np.divmod(np.arange(sizes[l] * sizes[l + 1]), sizes[l])  # explicit order:
        syn.connect(i=pre, j=post)  # standalone targets cannot read i, j before the run
        syn.w = np.asarray(spec.weights[l], float)[post, pre]
        syn.run_regularly(
            f"dw = dw + eta_over_beta * {gate} * (0.5*(s_pre + s_last_pre)*(s_post - s_last_post)"
            " + 0.5*(s_post + s_last_post)*(s_pre - s_last_pre))",
            when="after_groups", name=f"{name}_learn{l}")
        syn.run_regularly("w = clip(w + dw*int(t_in_timesteps % n_trial == n_trial - 1), -w_bound, w_bound)\n"
                          "dw = dw*int(t_in_timesteps % n_trial != n_trial - 1)",
                          when="end", name=f"{name}_express{l}")
        synapses.append(syn)
    mon = StateMonitor(layers[-1], "s_free", record=True, dt=T, when="end", order=1,
                       name=f"{name}_free_monitor")
    # sampled at t = 0, T, 2T, ... (first step of each trial): sample n holds trial n-1's free state
    objects = layers + synapses + [mon]
    return EqPropNetwork(Network(*objects), ns, layers, synapses, mon, spec)


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
