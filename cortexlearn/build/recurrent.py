"""The builder of a recurrent network of (adaptive) LIF neurons with a leaky readout, trained by e-prop.

Frozen input spike trains (one pattern, repeated every trial) drive ``n_rec`` recurrent neurons
that project to ``n_out`` leaky readout units; the readout's error against a target signal is
broadcast back as the e-prop learning signal (:class:`cortexlearn.rules.eprop.EProp`). Every trial
starts from a cleared state; the weights move once per trial. ``N`` trials are one
``run(N * trial_duration + dt)`` (the extra step applies the last update and records the last trial).

Order inside one time step (all in the default clock)::

    start    per-trial monitors (order -10), regulariser from the trial's spike count (-7),
             weight updates (-5), state resets (0)
    groups   decay of v, a, traces (state updaters); then psi and trace copies (order 1)
    thresholds / synapses (v += w, y += w) / resets (v -= v_th, traces += 1)
    end      learning signal (summed, order 0), L = L_task (1), traces and gradients (2)

This order reproduces :func:`cortexlearn.reference.snn_bptt.simulate` step for step.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from brian2 import (Network, NeuronGroup, SpikeMonitor, StateMonitor, Synapses, TimedArray,
                    defaultclock, second)

from ..circuits.recurrent import RecurrentCircuit
from ..errors import SpecError
from ..rules.eprop import EProp
from ..units import as_quantity, check_whole_steps
from .registry import register

__all__ = ["RecurrentNetwork", "build_recurrent_network", "build_recurrent_circuit", "all_to_all_pairs"]


@dataclasses.dataclass
class RecurrentNetwork:
    """Named Brian2 objects of the e-prop network and the namespace to run it with.

    Attributes
    ----------
    inputs, recurrent, readout : NeuronGroup
        Input generators (the frozen pattern), recurrent (adaptive) LIF neurons, leaky readout.
    input_synapses, recurrent_synapses, readout_synapses : Synapses
        The three learning projections (eligibility traces, gradients, Adam state).
    loss_monitor, count_monitor : StateMonitor
        Squared error and spike counts, recorded once per trial.
    output_monitor, spike_monitor : StateMonitor or SpikeMonitor or None
        The readout every step and the recurrent spikes, when asked for.
    network : Network
        Every object above.
    namespace : dict
        Constants and ``TimedArray`` s to pass to ``Simulation.run``.
    n_steps : int
        Time steps per trial.
    trial_duration : Quantity
        Length of a trial.
    """

    inputs: NeuronGroup
    recurrent: NeuronGroup
    readout: NeuronGroup
    input_synapses: Synapses
    recurrent_synapses: Synapses
    readout_synapses: Synapses
    loss_monitor: StateMonitor
    count_monitor: StateMonitor
    output_monitor: StateMonitor | None
    spike_monitor: SpikeMonitor | None
    network: Network
    namespace: dict
    n_steps: int
    trial_duration: object

    def duration(self, trials: int):
        """Simulated time for ``trials`` trials (one extra step applies the last update).

        Parameters
        ----------
        trials : int

        Returns
        -------
        Quantity
        """
        return trials * self.trial_duration + defaultclock.dt

    def weights(self) -> dict[str, np.ndarray]:
        """Weight matrices ``{"in": (n_rec, n_in), "rec": (n_rec, n_rec), "out": (n_out, n_rec)}``."""
        return {k: self._matrix(s, "w") for k, s in self._projections().items()}

    def gradients(self) -> dict[str, np.ndarray]:
        """Accumulated gradient estimates of the trial in progress (same layout as weights)."""
        return {k: self._matrix(s, "grad") for k, s in self._projections().items()}

    def trial_nmse(self, target_variance: float) -> np.ndarray:
        """NMSE of every completed trial: mean squared error / variance of the target.

        Parameters
        ----------
        target_variance : float
            Variance of the target signal over a trial.

        Returns
        -------
        ndarray, shape (n_trials,)
        """
        se = np.asarray(self.loss_monitor.se)  # (n_out, records): record k holds trial k - 1
        return se[:, 1:].sum(axis=0) / (self.n_steps * se.shape[0]) / target_variance

    def _projections(self):
        return {"in": self.input_synapses, "rec": self.recurrent_synapses, "out": self.readout_synapses}

    @staticmethod
    def _matrix(syn, var):
        out = np.zeros((syn.target.N, syn.source.N))
        out[np.asarray(syn.j[:]), np.asarray(syn.i[:])] = np.asarray(getattr(syn, var)[:])
        return out


def _as_matrix(value, shape, name):
    arr = np.asarray(value, dtype=float)
    if arr.shape != shape:
        raise SpecError(f"{name} must have shape {shape}, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise SpecError(f"{name} must be finite")
    return arr


def all_to_all_pairs(n_pre, n_post, autapses=True):
    """Index arrays of an all-to-all projection (explicit, so weights can be set before a
    standalone build).

    Parameters
    ----------
    n_pre, n_post : int
        Sizes of the two groups.
    autapses : bool
        Keep the pairs ``i == j`` (for a recurrent projection: set False).

    Returns
    -------
    pre, post : ndarray of int
    """
    pre, post = np.meshgrid(np.arange(n_pre), np.arange(n_post), indexing="ij")
    pre, post = pre.ravel(), post.ravel()
    if not autapses:
        keep = pre != post
        pre, post = pre[keep], post[keep]
    return pre, post


def build_recurrent_network(rule: EProp, input_spikes, target, w_in, w_rec, w_out, feedback=None,
                            trial_duration=1 * second, record_output: bool = True,
                            record_spikes: bool = False, name: str = "eprop") -> RecurrentNetwork:
    """Build the e-prop network for the current ``defaultclock.dt`` (set by a Simulation).

    Parameters
    ----------
    rule : EProp
    input_spikes : bool array (n_steps, n_in)
        The frozen input pattern (one trial; repeated every trial).
    target : array (n_steps, n_out) or (n_steps,)
        Target of the readout over one trial.
    w_in, w_rec, w_out : arrays (n_rec, n_in), (n_rec, n_rec), (n_out, n_rec)
        Initial weights (signed; the diagonal of ``w_rec`` is ignored: no autapses).
    feedback : array (n_rec, n_out), optional
        Random feedback weights ``B`` (required when ``rule.feedback == "random"``).
    trial_duration : Quantity
        Length of a trial; input and target must cover exactly this many time steps.

    Raises
    ------
    SpecError
        When the input or the target does not cover the trial, or a matrix has the wrong shape.
    """
    # 110 lines in one function on purpose: it checks the task, then creates the groups,
    # projections and monitors in the order of the step schedule of the module docstring, which the
    # NumPy reference (cortexlearn.reference.snn_bptt) follows step for step
    if not isinstance(rule, EProp):
        raise SpecError(f"rule must be an EProp, got {type(rule).__name__}")
    as_quantity(trial_duration, second, "trial_duration")
    dt = defaultclock.dt
    n_steps = check_whole_steps(trial_duration, dt, "trial_duration")
    spikes = np.asarray(input_spikes)
    if spikes.ndim != 2 or spikes.shape[0] != n_steps:
        raise SpecError(f"input_spikes must have shape (n_steps={n_steps}, n_in) for a trial of "
                        f"{trial_duration} at dt = {dt}; got {spikes.shape}")
    tgt = np.asarray(target, dtype=float)
    tgt = tgt[:, None] if tgt.ndim == 1 else tgt
    if tgt.ndim != 2 or tgt.shape[0] != n_steps:
        raise SpecError(f"the target signal has {tgt.shape[0] if tgt.ndim else 0} time steps but the "
                        f"trial has {n_steps} ({trial_duration} at dt = {dt}); give a target for "
                        "every step of the trial")
    if not np.all(np.isfinite(tgt)):
        raise SpecError("the target signal must be finite")
    n_in, n_out = spikes.shape[1], tgt.shape[1]
    w_in = np.asarray(w_in, dtype=float)
    n_rec = w_in.shape[0] if w_in.ndim == 2 else 0
    if n_rec < 1:
        raise SpecError(f"w_in must be a (n_rec, n_in) matrix, got shape {w_in.shape}")
    w_in = _as_matrix(w_in, (n_rec, n_in), "w_in")
    w_rec = _as_matrix(w_rec, (n_rec, n_rec), "w_rec")
    w_out = _as_matrix(w_out, (n_out, n_rec), "w_out")
    if rule.feedback == "random":
        if feedback is None:
            raise SpecError("random e-prop needs feedback weights B of shape (n_rec, n_out)")
        feedback = _as_matrix(feedback, (n_rec, n_out), "feedback")
    else:
        feedback = np.zeros((n_rec, n_out)) if feedback is None else _as_matrix(
            feedback, (n_rec, n_out), "feedback")

    ns = rule.namespace(dt, n_steps)
    ns[f"{name}_pattern"] = TimedArray(spikes.astype(float), dt=dt, name=f"{name}_pattern")
    ns[f"{name}_target"] = TimedArray(tgt, dt=dt, name=f"{name}_target")
    step_in_trial = "(t_in_timesteps % n_steps)*dt"

    inputs = NeuronGroup(n_in, rule.input_model(), method="exact", name=f"{name}_inputs",
                         threshold=f"{name}_pattern({step_in_trial}, i) > 0.5", reset="xbar += 1")
    inputs.run_regularly("xtr = xbar", when="groups", order=1, name=f"{name}_inputs_copy")
    inputs.run_regularly("xbar = 0", dt=trial_duration, when="start", order=0,
                         name=f"{name}_inputs_trial")

    rec = NeuronGroup(n_rec, rule.recurrent_model(), method="exact", name=f"{name}_recurrent",
                      threshold=rule.recurrent_threshold(), reset=rule.recurrent_reset())
    rec.run_regularly(rule.pseudo_derivative_code(), when="groups", order=1, name=f"{name}_psi")
    rec.run_regularly(rule.learning_signal_code(), when="end", order=1, name=f"{name}_signal")
    if rule.regularised:
        rec.run_regularly(rule.regulariser_code(), dt=trial_duration, when="start", order=-7,
                          name=f"{name}_regulariser")
    rec.run_regularly(rule.recurrent_trial_start(), dt=trial_duration, when="start", order=0,
                      name=f"{name}_recurrent_trial")

    readout = NeuronGroup(n_out, f"dy/dt = -y/tau_out : 1\nerr = y - {name}_target({step_in_trial}, i) : 1\n"
                          "se : 1", method="exact", name=f"{name}_readout")
    readout.run_regularly("se += err**2", when="end", order=1, name=f"{name}_readout_loss")
    readout.run_regularly("y = 0\nse = 0", dt=trial_duration, when="start", order=0,
                          name=f"{name}_readout_trial")

    objects = [inputs, rec, readout]
    projections = {}
    for key, source, weights in (("in", inputs, w_in), ("rec", rec, w_rec)):
        syn = Synapses(source, rec, rule.hidden_synapse_model(), on_pre="v_post += w",
                       name=f"{name}_{key}_synapses")
        pre, post = all_to_all_pairs(source.N, n_rec, autapses=key != "rec")
        syn.connect(i=pre, j=post)
        syn.w = weights[post, pre]
        syn.eta = rule.learning_rate(key)
        syn.run_regularly(rule.hidden_step_code(), when="end", order=2, name=f"{name}_{key}_traces")
        syn.run_regularly(rule.update_code(key), dt=trial_duration, when="start", order=-5,
                          name=f"{name}_{key}_update")
        projections[key] = syn
        objects.append(syn)
    out_syn = Synapses(rec, readout, rule.readout_synapse_model(), on_pre="y_post += w",
                       name=f"{name}_out_synapses")
    pre, post = all_to_all_pairs(n_rec, n_out)
    out_syn.connect(i=pre, j=post)
    out_syn.w = w_out[post, pre]
    out_syn.B = feedback[pre, post]
    out_syn.eta = rule.learning_rate("out")
    for updater in out_syn.summed_updaters.values():  # the error of this step, not the last one
        updater.when, updater.order = "end", 0
    out_syn.run_regularly(rule.readout_step_code(), when="end", order=2, name=f"{name}_out_traces")
    out_syn.run_regularly(rule.update_code("out"), dt=trial_duration, when="start", order=-5,
                          name=f"{name}_out_update")
    objects.append(out_syn)

    loss_mon = StateMonitor(readout, "se", record=True, dt=trial_duration, when="start", order=-10,
                            name=f"{name}_loss_monitor")
    count_mon = StateMonitor(rec, "count", record=True, dt=trial_duration, when="start", order=-10,
                             name=f"{name}_count_monitor")
    objects += [loss_mon, count_mon]
    out_mon = spike_mon = None
    if record_output:
        out_mon = StateMonitor(readout, "y", record=True, when="end", order=10,
                               name=f"{name}_output_monitor")
        objects.append(out_mon)
    if record_spikes:
        spike_mon = SpikeMonitor(rec, name=f"{name}_spike_monitor")
        objects.append(spike_mon)
    network = Network(*objects, name=f"{name}_network")
    return RecurrentNetwork(inputs=inputs, recurrent=rec, readout=readout,
                            input_synapses=projections["in"], recurrent_synapses=projections["rec"],
                            readout_synapses=out_syn, loss_monitor=loss_mon, count_monitor=count_mon,
                            output_monitor=out_mon, spike_monitor=spike_mon, network=network,
                            namespace=ns, n_steps=n_steps, trial_duration=trial_duration)


@register(RecurrentCircuit)
def build_recurrent_circuit(spec: RecurrentCircuit) -> RecurrentNetwork:
    """The builder of a :class:`~cortexlearn.circuits.recurrent.RecurrentCircuit` (registered with
    :func:`cortexlearn.build.register`).

    Parameters
    ----------
    spec : RecurrentCircuit

    Returns
    -------
    RecurrentNetwork
    """
    return build_recurrent_network(spec.rule, spec.input_spikes, spec.target, spec.w_in, spec.w_rec,
                                   spec.w_out, spec.feedback, trial_duration=spec.trial_duration,
                                   **spec.options)
