"""The fast/slow balanced network with separate excitatory and inhibitory populations.

Bourdoukan & Denève (2015) under Dale's law, built the way Boerlin, Machens & Denève (2013) build
E/I spiking networks: the **excitatory** population (encoders ``F_E``) represents the signal and
learns the dynamics; an **inhibitory** population (encoders ``F_I``) tracks the excitatory
population's estimate and returns it as fast inhibition. Every weight is a non-negative magnitude
whose sign comes from the presynaptic population.

Signs. Fast weights are dot products of encoders, ``F_post·F_pre``; they all have one sign when
every encoder carries a constant component: the signal is augmented with a constant dimension
``x_0 = b`` (``dx_0/dt = -λ x_0 + λ b``, a command like the others) and encoders become
``F̃ = (F, a)`` with ``a ≥ |F|``, so that ``F̃_i·F̃_k ≥ a² - |F|² ≥ 0``. Voltages follow::

    V^E_i = F̃^E_i·(x̃ - x̂^I) - μ_E r^E_i        (x̂^I ≈ x̂^E: the I population's estimate)
    V^I_m = F̃^I_m·(x̂^E - x̂^I) - μ_I r^I_m

    fast  E→I:  +F̃^I_m·F̃^E_k      I→E:  -F̃^E_i·F̃^I_m      I→I:  -F̃^I_m·F̃^I_n  (m ≠ n)
    slow  E→E:  +W^EE_ik r^E_k     I→E:  -W^IE_im r^I_m      (learnt, W >= 0)

The slow part ``F̃^E_i (A+λI) x̂ = m_i·x̂`` is mixed-sign; it is reachable with non-negative
magnitudes because the constant dimension lets ``m_i·x̂ = Σ_k (m_i·F_k + α a) r^E_k - α b`` and
``b ≈ a Σ_m r^I_m`` (:func:`dale_slow_weights`). The slow magnitudes learn with
:class:`~cortexlearn.rules.balanced.DaleSlowErrorRule` from the error ``x̃ - x̂^E`` fed back into
the excitatory neurons (by default only its signal part; see ``learn_constant``).

This module builds the network from a :class:`~cortexlearn.circuits.balanced_dale.DaleBalancedConfig`.
"""
from __future__ import annotations

import dataclasses

import numpy as np
from brian2 import (Hz, Network, NeuronGroup, SpikeMonitor, StateMonitor, Synapses, TimedArray,
                    linked_var, ms)

from ..circuits.balanced_dale import DaleBalancedConfig, augment_schedule, dale_encoders, dale_fast_weights
from ..circuits.balanced_system import LinearSystem, Schedule, window_length
from ..errors import SpecError
from .balanced import _ACCUMULATE, _ACCUMULATOR_EQS, _NEURON_EQS
from .recurrent import all_to_all_pairs

__all__ = ["DaleBalancedNetwork", "build_dale_balanced_network"]


@dataclasses.dataclass
class DaleBalancedNetwork:
    """Named Brian2 objects of a built E/I fast/slow network and the explicit ``Network``.

    Attributes
    ----------
    network : Network
        Holds every object below.
    excitatory, inhibitory : NeuronGroup
        The E and I populations (Boerlin, Machens & Denève 2013).
    readout, readout_inhibitory : NeuronGroup
        One unit each with the population's decoded estimate ``x̂^E`` / ``x̂^I``.
    fast : dict
        Fast ``Synapses`` by key ``"EI"``, ``"IE"``, ``"II"`` (magnitudes ``w``).
    slow : dict
        Plastic slow ``Synapses`` onto E by key ``"EE"``, ``"IE"`` (magnitudes ``ws``).
    spikes, spikes_inhibitory : SpikeMonitor
    readout_monitor, readout_monitor_inhibitory : StateMonitor
        The estimates every ``record_every``.
    balance_monitor, balance_monitor_inhibitory : StateMonitor
        The E/I input accumulators, once per window of the schedule.
    namespace : dict
        Constants and ``TimedArray`` s to pass to the run.
    encoders, encoders_inhibitory : ndarray
        Augmented encoders of E and I.
    config : DaleBalancedConfig
    """

    network: Network
    excitatory: NeuronGroup
    inhibitory: NeuronGroup
    readout: NeuronGroup
    readout_inhibitory: NeuronGroup
    fast: dict
    slow: dict
    spikes: SpikeMonitor
    spikes_inhibitory: SpikeMonitor
    readout_monitor: StateMonitor
    readout_monitor_inhibitory: StateMonitor
    balance_monitor: StateMonitor
    balance_monitor_inhibitory: StateMonitor
    namespace: dict
    encoders: np.ndarray
    encoders_inhibitory: np.ndarray
    config: DaleBalancedConfig


_INHIBITORY_EQS = """
dv/dt = -lambda_v*v + sigma_i*sqrt(2*lambda_v)*xi : 1
dr/dt = -lambda_d*r : 1
dfexc/dt = -fexc/tau_balance : Hz
dfinh/dt = -finh/tau_balance : Hz
exc = fexc/Hz : 1
inh = finh/Hz : 1
theta : 1 (constant)
mu : 1 (constant)
""" + _ACCUMULATOR_EQS


def build_dale_balanced_network(config: DaleBalancedConfig, system: LinearSystem, schedule: Schedule,
                                seed: int = 0, encoders=None, initial_slow=None,
                                record_every=1 * ms, name: str = "dale") -> DaleBalancedNetwork:
    """Build the E/I network for ``system`` driven by ``schedule`` (not augmented: the constant
    dimension is added here). ``encoders``: ``(enc_e, enc_i)`` augmented arrays or None (drawn
    with ``seed``); ``initial_slow``: ``(W_EE, W_IE)`` magnitudes in Hz or None (zero).

    Parameters
    ----------
    config : DaleBalancedConfig
        Sizes, costs, noise, feedback gain and the slow rule.
    system : LinearSystem
        The dynamics to learn.
    schedule : Schedule
        Command, target and gates, without the constant dimension.
    seed : int
        Seed of the encoders (when not given).
    encoders : tuple of ndarray, optional
        ``(enc_e, enc_i)``.
    initial_slow : tuple of ndarray, optional
        ``(W_EE, W_IE)``.
    record_every : Quantity
        Sampling interval of the readout monitors.
    name : str
        Prefix of every object's name.

    Returns
    -------
    DaleBalancedNetwork

    Raises
    ------
    SpecError
        Dimension mismatch, encoders of the wrong shape or with NaN, negative or NaN initial
        slow magnitudes.
    """
    # 105 lines kept whole: one straight sequence of group, synapse and monitor constructions
    # for two populations that share the encoders and the schedule; no step branches enough to
    # deserve a name.
    j = system.dimension
    n_e, n_i = config.n_excitatory, config.n_inhibitory
    if schedule.command.shape[1] != j or schedule.target.shape[1] != j:
        raise SpecError(f"the schedule is {schedule.command.shape[1]}-dimensional but the target "
                        f"system is {j}-dimensional")
    enc_e, enc_i = dale_encoders(config, j, np.random.default_rng(seed)) if encoders is None else encoders
    enc_e, enc_i = np.asarray(enc_e, float), np.asarray(enc_i, float)
    for label, enc, n in (("excitatory", enc_e, n_e), ("inhibitory", enc_i, n_i)):
        if enc.shape != (n, j + 1) or not np.all(np.isfinite(enc)):
            raise SpecError(f"{label} encoders must be a finite ({n}, {j + 1}) array, got {enc.shape}")
    w_ee, w_ie = (np.zeros((n_e, n_e)), np.zeros((n_e, n_i))) if initial_slow is None else initial_slow
    for label, w, shape in (("W_EE", w_ee, (n_e, n_e)), ("W_IE", w_ie, (n_e, n_i))):
        w = np.asarray(w, float)
        if w.shape != shape or not np.all(np.isfinite(w)) or np.any(w < 0):
            raise SpecError(f"initial slow {label} must be a finite, non-negative {shape} array "
                            "(magnitudes; the sign comes from the presynaptic population)")
    aug = augment_schedule(schedule, config)
    dims = range(j + 1)
    dt = schedule.dt

    eqs = _NEURON_EQS.format(iff=" + ".join(f"F{d}*c_in(t, {d})" for d in dims))
    eqs += "".join(f"F{d} : 1 (constant)\nxhat{d} : 1 (linked)\n" for d in dims) + "err_learn : 1\n"
    reset = "v -= mu" if config.excitatory_reset == "cost" else "v -= 2*theta"
    exc = NeuronGroup(n_e, eqs, threshold="v > theta", reset=f"{reset}\nr += 1", method="euler",
                      name=f"{name}_exc")
    inh_eqs = _INHIBITORY_EQS + "".join(f"F{d} : 1 (constant)\n" for d in dims)
    inh = NeuronGroup(n_i, inh_eqs, threshold="v > theta", reset="v -= 2*theta\nr += 1",
                      method="euler", name=f"{name}_inh")
    for d in dims:
        setattr(exc, f"F{d}", enc_e[:, d])
        setattr(inh, f"F{d}", enc_i[:, d])
    exc.theta = config.threshold("E")
    exc.mu = config.mu("E")
    inh.theta = config.threshold("I")
    inh.mu = config.mu("I")
    def error(constant):
        return " + ".join(f"F{d}*(x_in(t, {d}) - xhat{d})" for d in (dims if constant else range(j)))

    exc.run_regularly(f"err = {error(config.feedback_constant)}\n"
                      f"err_learn = {error(config.learn_constant)}", dt=dt, when="start", name=f"{name}_error")
    for group in (exc, inh):
        group.run_regularly(_ACCUMULATE, dt=config.accumulate_every, when="end",
                            name=f"{group.name}_accumulate")

    readouts, decoders = [], []
    for group, label in ((exc, "readout"), (inh, "readout_inh")):
        ro = NeuronGroup(1, "".join(f"xhat{d} : 1\n" for d in dims), name=f"{name}_{label}")
        dec = Synapses(group, ro, "".join(f"xhat{d}_post = F{d}_pre*r_pre : 1 (summed)\n" for d in dims),
                       name=f"{name}_{label}_decode")
        dec.connect(i=np.arange(group.N), j=np.zeros(group.N, dtype=int))
        readouts.append(ro)
        decoders.append(dec)
    for d in dims:
        setattr(exc, f"xhat{d}", linked_var(readouts[0], f"xhat{d}", index=np.zeros(n_e, dtype=int)))

    fast_w = dale_fast_weights(enc_e, enc_i)
    learned = config.fast == "learned"
    fast = {}
    for key, pre, post, code in (
            ("EI", exc, inh, "v_post += w\nfexc_post += w/tau_balance"),
            ("IE", inh, exc, "v_post -= w\nfinh_post += w/tau_balance"),
            ("II", inh, inh, "v_post -= w\nfinh_post += w/tau_balance")):
        if learned and key != "EI":
            syn = Synapses(pre, post, config.fast_rule.model(), on_pre=config.fast_rule.on_pre(),
                           name=f"{name}_fast_{key}")
        else:
            syn = Synapses(pre, post, "w : 1 (constant)", on_pre=code, name=f"{name}_fast_{key}")
        i, k = all_to_all_pairs(pre.N, post.N, autapses=(key != "II"))
        syn.connect(i=i, j=k)
        syn.w = fast_w[key][k, i] * (config.fast_init if learned and key != "EI" else 1.0)
        fast[key] = syn

    rule = config.slow_rule
    slow = {}
    for key, pre, w0 in (("EE", exc, w_ee), ("IE", inh, w_ie)):
        sign = key[0]
        syn = Synapses(pre, exc, rule.model(sign), name=f"{name}_slow_{key}")
        i, k = all_to_all_pairs(pre.N, n_e)
        syn.connect(i=i, j=k)
        syn.ws = np.asarray(w0, float)[k, i] * Hz
        syn.run_regularly(rule.update(sign, error="err_learn_post"), dt=rule.update_interval, when="end",
                          name=f"{name}_slow_{key}_learning")
        slow[key] = syn

    spikes = SpikeMonitor(exc, name=f"{name}_exc_spikes")
    spikes_i = SpikeMonitor(inh, name=f"{name}_inh_spikes")
    ro_mon = StateMonitor(readouts[0], [f"xhat{d}" for d in dims], record=0, dt=record_every,
                          name=f"{name}_readout_monitor")
    ro_i_mon = StateMonitor(readouts[1], [f"xhat{d}" for d in dims], record=0, dt=record_every,
                            name=f"{name}_readout_inh_monitor")
    period = window_length(schedule)
    acc = ["acc_e", "acc_i", "acc_ee", "acc_ii", "acc_ei", "acc_n"]
    bal = StateMonitor(exc, acc, record=True, dt=period, when="end", order=10, name=f"{name}_exc_balance")
    bal_i = StateMonitor(inh, acc, record=True, dt=period, when="end", order=10, name=f"{name}_inh_balance")
    namespace = {
        "lambda_v": config.leak, "lambda_d": config.leak, "K_fb": config.feedback_gain,
        "sigma_v": config.noise * config.threshold("E"), "sigma_i": config.noise * config.threshold("I"),
        "tau_balance": config.tau_balance,
        "c_in": TimedArray(aug.command * Hz, dt=dt, name=f"{name}_c_in"),
        "x_in": TimedArray(aug.target, dt=dt, name=f"{name}_x_in"),
        "feedback": TimedArray(schedule.feedback, dt=dt, name=f"{name}_feedback"),
        "learn_slow": TimedArray(schedule.learn_slow, dt=dt, name=f"{name}_learn_slow"),
    }
    namespace.update(rule.namespace())
    if learned:
        namespace["learn_fast"] = TimedArray(schedule.learn_fast, dt=dt, name=f"{name}_learn_fast")
        namespace.update(config.fast_rule.namespace())
    network = Network(exc, inh, *readouts, *decoders, *fast.values(), *slow.values(), spikes, spikes_i,
                      ro_mon, ro_i_mon, bal, bal_i, name=f"{name}_network")
    return DaleBalancedNetwork(network, exc, inh, readouts[0], readouts[1], fast, slow, spikes, spikes_i,
                               ro_mon, ro_i_mon, bal, bal_i, namespace, enc_e, enc_i, config)
