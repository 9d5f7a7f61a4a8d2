"""Balanced spiking networks that learn a linear dynamical system (Bourdoukan & Denève 2015).

The target is ``dx/dt = A x + c(t)`` (:class:`LinearSystem`). N integrate-and-fire neurons with
encoding weights ``F`` (rows ``F_i``, |F_i| fixed) represent ``x̂ = Fᵀ r``; each neuron's voltage
is, in the balanced regime, its share of the coding error minus a cost,
``V_i = F_i·(x - x̂) - μ r_i``. The voltage obeys::

    dV_i/dt = -λ_V V_i + F_i·c(t) + Σ_k Ωs_ik r_k + K g(t) F_i·(x - x̂) + σ √(2λ_V) ξ_i
              + Σ_k Ωf_ik o_k(t)                      (fast connections, k ≠ i)
    V_i > T_i = (|F_i|² + μ)/2   →   V_i -= |F_i|² + μ,  r_i += 1        (dr/dt = -λ r)

The error ``x - x̂`` is computed by a one-unit readout group and fed back while ``g(t) = 1``
(learning); autonomous test windows switch it off. Everything that changes over a session
(command ``c``, target ``x``, learning and feedback gates) is a ``TimedArray``, so a whole session
(test before, learning with interleaved tests, test after) is **one** ``run()``.

This module builds the network from a :class:`~cortexlearn.circuits.balanced.BalancedConfig`.
"""
from __future__ import annotations

import dataclasses

import numpy as np
from brian2 import (Hz, Network, NeuronGroup, SpikeMonitor, StateMonitor, Synapses, TimedArray,
                    linked_var, ms)

from ..circuits.balanced import BalancedConfig
from ..circuits.balanced_system import (LinearSystem, Schedule, optimal_fast_weights, random_encoders,
                                        window_length)
from ..errors import SpecError

__all__ = ["BalancedNetwork", "build_balanced_network"]


@dataclasses.dataclass
class BalancedNetwork:
    """Named Brian2 objects of a built fast/slow network and the explicit ``Network``.

    Attributes
    ----------
    network : Network
        Holds every object below.
    neurons : NeuronGroup
        The N integrate-and-fire neurons (Bourdoukan & Denève 2015).
    readout : NeuronGroup
        One unit holding the decoded ``x̂ = Fᵀ r`` (``xhat0``, ``xhat1``, ...).
    fast, slow : Synapses
        Fast (``Omega``) and slow (``ws``) recurrent connections.
    decode : Synapses
        Neurons to readout (summed ``F_i r_i``).
    spikes : SpikeMonitor
    readout_monitor : StateMonitor
        ``x̂`` every ``record_every``.
    balance_monitor : StateMonitor
        The E/I input accumulators, once per window of the schedule.
    namespace : dict
        Constants and ``TimedArray`` s to pass to the run.
    encoders : ndarray
        ``F`` (N, J).
    config : BalancedConfig
    """

    network: Network
    neurons: NeuronGroup
    readout: NeuronGroup
    fast: Synapses
    slow: Synapses
    decode: Synapses
    spikes: SpikeMonitor
    readout_monitor: StateMonitor
    balance_monitor: StateMonitor
    namespace: dict
    encoders: np.ndarray
    config: BalancedConfig


#: Running sums of each neuron's excitatory and inhibitory input (``exc``, ``inh``) from which the
#: E/I input correlation is computed, and the operation that adds one sample.
_ACCUMULATOR_EQS = """
acc_e : 1
acc_i : 1
acc_ee : 1
acc_ii : 1
acc_ei : 1
acc_n : 1
"""
_ACCUMULATE = "acc_e += exc\nacc_i += inh\nacc_ee += exc*exc\nacc_ii += inh*inh\nacc_ei += exc*inh\nacc_n += 1"

_NEURON_EQS = """
dv/dt = -lambda_v*v + Iff + Islow + Ierr + sigma_v*sqrt(2*lambda_v)*xi : 1
Iff = {iff} : Hz
err : 1
Ierr = K_fb*feedback(t)*err : Hz
Islow = Islow_exc - Islow_inh : Hz
Islow_exc : Hz
Islow_inh : Hz
dr/dt = -lambda_d*r : 1
dfexc/dt = -fexc/tau_balance : Hz
dfinh/dt = -finh/tau_balance : Hz
exc = (fexc + clip(Iff, 0*Hz, inf*Hz) + Islow_exc + clip(Ierr, 0*Hz, inf*Hz))/Hz : 1
inh = (finh + clip(-Iff, 0*Hz, inf*Hz) + Islow_inh + clip(-Ierr, 0*Hz, inf*Hz))/Hz : 1
theta : 1 (constant)
mu : 1 (constant)
""" + _ACCUMULATOR_EQS


def build_balanced_network(config: BalancedConfig, system: LinearSystem, schedule: Schedule,
                           seed: int = 0, encoders: np.ndarray | None = None,
                           initial_slow: np.ndarray | None = None,
                           initial_fast: np.ndarray | None = None,
                           record_every=1 * ms, name: str = "balanced") -> BalancedNetwork:
    """Build the fast/slow network for ``system`` driven by ``schedule``.

    Parameters
    ----------
    config : BalancedConfig
        Sizes, costs, noise, feedback gain and the two rules.
    system : LinearSystem
        The dynamics to learn.
    schedule : Schedule
        Command, target and gates of the session (:func:`make_schedule`).
    seed : int
        Seed of the encoders (when not given).
    encoders : ndarray, optional
        ``F`` (N, J).
    initial_slow, initial_fast : ndarray, optional
        Initial slow (Hz) and fast weights (N, N), post x pre; default zero slow weights and
        fast weights per ``config.fast``.
    record_every : Quantity
        Sampling interval of the readout monitor.
    name : str
        Prefix of every object's name.

    Returns
    -------
    BalancedNetwork

    Raises
    ------
    SpecError
        If the schedule's dimension differs from the system's, or encoders/initial weights have
        the wrong shape or hold NaN.
    """
    # 86 lines kept whole: one straight sequence of group, synapse and monitor constructions
    # that share the encoders and index arrays; no step branches enough to deserve a name.
    j = system.dimension
    n = config.n_neurons
    if schedule.command.shape[1] != j or schedule.target.shape[1] != j:
        raise SpecError(f"the schedule is {schedule.command.shape[1]}-dimensional but the target "
                        f"system is {j}-dimensional")
    rng = np.random.default_rng(seed)
    f = random_encoders(n, j, config.encoder_norm, rng) if encoders is None else np.asarray(encoders, float)
    if f.shape != (n, j) or not np.all(np.isfinite(f)):
        raise SpecError(f"encoders must be a finite ({n}, {j}) array, got shape {f.shape}")
    for label, w in (("initial_slow", initial_slow), ("initial_fast", initial_fast)):
        if w is not None and (np.shape(w) != (n, n) or not np.all(np.isfinite(w))):
            raise SpecError(f"{label} must be a finite ({n}, {n}) array")

    dt = schedule.dt
    iff = " + ".join(f"F{d}*c_in(t, {d})" for d in range(j))
    err = " + ".join(f"F{d}*(x_in(t, {d}) - xhat{d})" for d in range(j))
    eqs = _NEURON_EQS.format(iff=iff)
    eqs += "".join(f"F{d} : 1 (constant)\nxhat{d} : 1 (linked)\n" for d in range(j))
    neurons = NeuronGroup(n, eqs, threshold="v > theta", reset="v -= 2*theta\nr += 1",
                          method="euler", name=f"{name}_neurons")
    for d in range(j):
        setattr(neurons, f"F{d}", f[:, d])
    neurons.theta = config.threshold
    neurons.mu = config.mu
    neurons.run_regularly(f"err = {err}", dt=dt, when="start", name=f"{name}_error")
    neurons.run_regularly(_ACCUMULATE, dt=config.accumulate_every,
                          when="end", name=f"{name}_accumulate")

    readout = NeuronGroup(1, "".join(f"xhat{d} : 1\n" for d in range(j)), name=f"{name}_readout")
    decode = Synapses(neurons, readout, "".join(f"xhat{d}_post = F{d}_pre*r_pre : 1 (summed)\n"
                                                  for d in range(j)), name=f"{name}_decode")
    decode.connect(i=np.arange(n), j=np.zeros(n, dtype=int))
    for d in range(j):
        setattr(neurons, f"xhat{d}", linked_var(readout, f"xhat{d}", index=np.zeros(n, dtype=int)))

    slow_rule, fast_rule = config.slow_rule, config.fast_rule
    slow = Synapses(neurons, neurons, slow_rule.model(), name=f"{name}_slow")
    pre, post = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    pre, post = pre.ravel(), post.ravel()
    slow.connect(i=pre, j=post)  # explicit order: arrays can be set on every target
    w0 = np.zeros((n, n)) if initial_slow is None else np.asarray(initial_slow, float)
    slow.ws = w0[post, pre] * Hz  # matrices are (post, pre)
    slow.run_regularly(slow_rule.update(), dt=slow_rule.update_interval, when="end",
                       name=f"{name}_slow_learning")

    fast = Synapses(neurons, neurons, fast_rule.model(), on_pre=fast_rule.on_pre(), name=f"{name}_fast")
    off = pre != post
    fast.connect(i=pre[off], j=post[off])
    if initial_fast is not None:
        wf = np.asarray(initial_fast, float)
    elif config.fast == "optimal":
        wf = optimal_fast_weights(f)
    elif config.fast == "learned":
        wf = config.fast_init * optimal_fast_weights(f)
    else:
        wf = np.zeros((n, n))
    fast.Omega = wf[post[off], pre[off]]

    spikes = SpikeMonitor(neurons, name=f"{name}_spikes")
    readout_monitor = StateMonitor(readout, [f"xhat{d}" for d in range(j)], record=0,
                                   dt=record_every, name=f"{name}_readout_monitor")
    balance_monitor = StateMonitor(neurons, ["acc_e", "acc_i", "acc_ee", "acc_ii", "acc_ei", "acc_n"],
                                   record=True, dt=window_length(schedule),
                                   when="end", order=10, name=f"{name}_balance_monitor")
    gate_dt = dt
    namespace = {
        "lambda_v": config.leak, "lambda_d": config.leak, "K_fb": config.feedback_gain,
        "sigma_v": config.noise * config.threshold, "tau_balance": config.tau_balance,
        "c_in": TimedArray(schedule.command * Hz, dt=dt, name=f"{name}_c_in"),
        "x_in": TimedArray(schedule.target, dt=dt, name=f"{name}_x_in"),
        "feedback": TimedArray(schedule.feedback, dt=gate_dt, name=f"{name}_feedback"),
        "learn_slow": TimedArray(schedule.learn_slow, dt=gate_dt, name=f"{name}_learn_slow"),
        "learn_fast": TimedArray(schedule.learn_fast if config.fast == "learned"
                                 else np.zeros(1), dt=gate_dt, name=f"{name}_learn_fast"),
    }
    namespace.update(slow_rule.namespace())
    namespace.update(fast_rule.namespace())
    network = Network(neurons, readout, decode, slow, fast, spikes, readout_monitor, balance_monitor,
                      name=f"{name}_network")
    return BalancedNetwork(network, neurons, readout, fast, slow, decode, spikes, readout_monitor,
                           balance_monitor, namespace, f, config)
