"""A spiking feed-forward classifier trained by a credit-assignment rule, as one Brian2 network.

Architecture (one presentation of length ``T`` per sample; everything below is equations):

* **input**: regular ON/OFF generators (``dφ/dt = rate(t)``, a spike when ``φ`` crosses 1),
  rates read from the session's ``TimedArray`` at ``t + t_offset``;
* **hidden layers**: excitatory LIF neurons with delta synapses (``dv/dt = (bias - v)/τ``,
  threshold 1, reset 0) and a reset-free shadow membrane ``u`` whose surrogate derivative
  ``1/(1 + β|u - 1|)^2`` is averaged over the presentation; biases follow a slow rate homeostasis;
* **output**: LIF neurons; the error ``err = target count - spike count`` is a neuron variable.

**Dale's law** (``dale=True``): every population has one sign. With ``dale_pathways="one"``
each presynaptic pair ``(j, k)`` is connected either directly (excitatory, magnitude ``w >= 0``)
or through the inhibitory relay interneuron of ``j`` (feed-forward inhibition, ``v_k -= w``),
chosen at random with probability ``p_inhibitory``; magnitudes are clipped at 0, so no
connection changes sign. With ``dale_pathways="both"`` every pair has both pathways, an
excitatory magnitude ``w_e`` and an inhibitory one ``w_i``, each in ``[0, w_max]`` and each
learning by its own sign-mirrored three-factor update at half the rule's rate (so ``w_e - w_i``
moves by ``eta x delta`` like a mixed-sign weight while neither magnitude is clipped): the
effective weight ``w_e - w_i`` can change sign while every neuron keeps its own (paired
feed-forward inhibition, in the spirit of Parisien et al. 2008, Neural Comput 20:1473). With
``dale=False`` one mixed-sign projection replaces the pair.

Per presentation (``run_regularly`` on one clock of period ``T``): at ``start`` each group
latches its counts, the output its error, and resets its accumulators; in ``end`` the summed
variables carrying credit run layer by layer from the top (their updaters are moved onto the
credit clock and ordered explicitly, so a chain of layers has no lag), then hidden deltas, then
the weights. See :mod:`cortexlearn.rules.credit` for the equations.

The configuration and the seeded initial parameters live in :mod:`cortexlearn.circuits.feedforward`;
sessions longer than one chunk are run by :mod:`cortexlearn.circuits.feedforward_session`.
"""
from __future__ import annotations

import dataclasses

import numpy as np
from brian2 import Clock, EventMonitor, Network, NeuronGroup, StateMonitor, Synapses, second
from brian2.input.timedarray import TimedArray

from ..circuits.delay_line import register_model, register_names, select_expression, shift_code
from ..circuits.feedforward import (CreditCircuit, FeedforwardConfig, pair_list, pathway_masks, pathway_weights,
                                    signed_weights)
from ..errors import SpecError
from ..rules.credit import (CreditRule, feedback_synapse_model, forward_synapse_model,
                            hidden_signal_expression, weight_update_code)
from ..stimuli import RenderedSchedule
from .registry import register
from .error_populations import error_populations, population_feedback, population_magnitudes

__all__ = ["FeedforwardNet", "build_feedforward", "build_credit_circuit"]


@dataclasses.dataclass
class FeedforwardNet:
    """The named Brian2 objects of a built circuit and what is needed to run it in chunks.

    Attributes
    ----------
    network : Network
        Holds every object of the circuit (and of :meth:`attach`).
    namespace : dict
        The rule's constants and the session's ``TimedArray`` s, to pass to the run.
    config : FeedforwardConfig
    rule : CreditRule
        The rule the circuit was built with.
    schedule : RenderedSchedule
        The session the circuit was built for.
    groups : dict
        ``NeuronGroup`` by name (input, relays, hidden layers, output, align).
    projections : dict
        ``(Synapses, sign)`` of each forward pathway by name ``p{l}_{e|i|m}``.
    monitors : dict
        Per-presentation output and alignment monitors, and rasters.
    state_variables : dict
        Group name -> variables carried between chunks.
    offset_groups : list
        Groups with a ``t_offset`` constant.
    timed_arrays : dict
        The session's ``TimedArray`` s by key (``rates``, ``targets``, ``learning``, ``record``
        and the lag and sequence arrays).
    n_trials : int
        Trials of the session, padded to whole chunks.
    extras, extra_state, trial_monitors : dict
        What :meth:`attach` added.
    """

    network: Network
    namespace: dict
    config: FeedforwardConfig
    rule: CreditRule
    schedule: RenderedSchedule
    groups: dict           # name -> NeuronGroup (input, input_relay, hidden1, hidden1_relay, ..., output, align)
    projections: dict      # name -> (Synapses, sign)
    monitors: dict
    state_variables: dict  # group name -> variables carried between chunks
    offset_groups: list    # groups with a t_offset constant
    timed_arrays: dict
    n_trials: int

    #: objects added on top of the circuit by :meth:`attach`: name -> Brian2 object
    extras: dict = dataclasses.field(default_factory=dict)
    #: variables of the extras carried between chunks: "name.var" -> initial value
    extra_state: dict = dataclasses.field(default_factory=dict)
    #: per-presentation monitors of the extras: name -> (StateMonitor, variable names)
    trial_monitors: dict = dataclasses.field(default_factory=dict)

    def _resolve(self, key):
        owner, var = key.rsplit(".", 1)
        obj = self.groups.get(owner)
        if obj is None:
            obj = self.extras.get(owner)
        if obj is None:
            obj = self.projections[owner][0] if owner in self.projections else self.feedback[owner]
        return obj, var

    def attach(self, objects: dict, namespace: dict | None = None, carried: dict | None = None,
               offset_groups=(), timed_arrays: dict | None = None, trial_monitors: dict | None = None):
        """Add objects built on top of the circuit (e.g. an error critic) to its network.

        Parameters
        ----------
        objects : dict
            name -> Brian2 object (names address carried variables as ``"name.var"``).
        namespace : dict, optional
            Names their code uses (merged into the session's namespace).
        carried : dict, optional
            ``"name.var"`` -> initial value: variables handed from one chunk to the next (and
            reset to the initial value at the start of every session).
        offset_groups : sequence
            Groups with a ``t_offset`` constant (time read at ``t + t_offset``).
        timed_arrays : dict, optional
            key -> ``TimedArray`` whose values a session may replace (``run_session(timed_values=)``).
        trial_monitors : dict, optional
            name -> (StateMonitor on the credit clock in slot ``end``, variable names): one sample per
            presentation, returned by ``run_session`` per trial in ``SessionRecord.extra``.

        Raises
        ------
        SpecError
            When a name is taken or a carried key names an object not given.
        """
        for key in objects:
            if key in self.groups or key in self.projections or key in self.feedback or key in self.extras:
                raise SpecError(f"the circuit already has an object named {key!r}")
        for key in carried or {}:
            if key.rsplit(".", 1)[0] not in objects:
                raise SpecError(f"carried variable {key!r} names no attached object "
                                f"({', '.join(objects)})")
        self.extras.update(objects)
        self.extra_state.update({k: np.asarray(v, dtype=float) for k, v in (carried or {}).items()})
        self.offset_groups.extend(offset_groups)
        self.timed_arrays.update(timed_arrays or {})
        self.trial_monitors.update(trial_monitors or {})
        self.namespace.update(namespace or {})
        self.network.add(*objects.values())

    def state(self) -> dict:
        """Every value a later chunk needs (weights, biases, membranes, counters)."""
        st = {}
        for gname, names in self.state_variables.items():
            for var in names:
                st[f"{gname}.{var}"] = np.array(self.groups[gname].variables[var].get_value(), copy=True)
        for pname, (syn, _) in self.projections.items():
            st[f"{pname}.w"] = np.array(syn.variables["w"].get_value(), copy=True)
        for key in self.extra_state:
            obj, var = self._resolve(key)
            st[key] = np.array(obj.variables[var].get_value(), copy=True)
        return st

    def initial_state(self, params: dict) -> dict:
        """The state at the start of a session: signed weights of ``params`` split into the
        projections' magnitudes, generator phases, everything else zero.

        Parameters
        ----------
        params : dict
            Output of :func:`~cortexlearn.circuits.feedforward.initial_parameters`.

        Returns
        -------
        dict
            ``"object.var"`` -> values, as :meth:`state` returns them.
        """
        st = {}
        for gname, names in self.state_variables.items():
            for var in names:
                st[f"{gname}.{var}"] = np.zeros(len(self.groups[gname]))
        st["input.phase"] = np.asarray(params["phase0"], dtype=float)
        for pname, (i, j, sign) in self._pair_index.items():
            w = np.asarray(params[f"W{pname[1:].split('_')[0]}"])[i, j]
            st[f"{pname}.w"] = np.maximum(sign * w, 0.0) if sign != 0 else w
        st.update({k: np.array(v, copy=True) for k, v in self.extra_state.items()})
        return st

    def fixed_values(self, rule: CreditRule, params: dict) -> dict:
        """Run-time constants of a session: the rule's switches and rates, the feedback weights.

        Parameters
        ----------
        rule : CreditRule
            Gives the hidden layers' coefficients (which feedback matrix ``M`` they read, see
            :mod:`cortexlearn.rules.credit`) and the learning rates.
        params : dict
            Gives the feedback matrices ``B{l}`` and ``D{h}``.

        Returns
        -------
        dict
            ``"object.var"`` -> value.
        """
        vals = {}
        for h in range(1, len(self.config.hidden_sizes) + 1):
            for var, value in rule.coefficients().items():
                vals[f"hidden{h}.{var}"] = value
        vals["output.eta_bias"] = float(rule.bias_learning_rate)
        n_last = len(self.config.hidden_sizes)
        # with both pathways each learns at half the rate: w_e - w_i then moves by eta x delta
        share = 0.5 if self.config.both_pathways else 1.0
        for pname, (i, j, sign) in self._pair_index.items():
            l = int(pname[1:].split("_")[0])
            vals[f"{pname}.eta"] = share * float(rule.readout_learning_rate if l == n_last
                                                 else rule.learning_rate)
            if l < n_last:
                vals[f"{pname}.c_center"] = 1.0 if rule.centered else 0.0
            if l > 0:
                vals[f"{pname}.b"] = np.asarray(params[f"B{l}"])[i, j]
        for fname, (ii, jj) in self._feedback_index.items():
            vals[f"{fname}.b"] = np.asarray(params[f"D{fname[3:]}"])[ii, jj]
        for fname, (key, index) in self._population_index.items():
            signed = np.asarray(params[key])  # B{L}: hidden x output; D{h}: output x hidden
            vals[f"{fname}.m"] = population_magnitudes(signed.T if key.startswith("B") else signed, index)
        return vals

    def assign(self, values: dict, t_offset=None):
        """Assign values from Python (runtime targets, or before a standalone build).

        Parameters
        ----------
        values : dict
            ``"object.var"`` -> value.
        t_offset : float, optional
            Seconds added to the time at which the offset groups read the schedule.
        """
        for key, value in values.items():
            obj, var = self._resolve(key)
            setattr(obj, var, value)
        if t_offset is not None:
            for g in self.offset_groups:
                g.t_offset = float(t_offset) * second

    def run_args(self, values: dict, t_offset=None, schedule: RenderedSchedule | None = None) -> dict:
        """``run_args`` for a standalone re-run: ``values`` fed back, time read at ``t + t_offset``,
        and optionally another schedule of the same shape.

        Parameters
        ----------
        values : dict
            ``"object.var"`` -> value.
        t_offset : float, optional
            Seconds added to the time at which the offset groups read the schedule.
        schedule : RenderedSchedule, optional
            Another schedule of the build's shape.

        Returns
        -------
        dict
            Brian2 variable -> value.
        """
        args = {}
        for key, value in values.items():
            obj, var = self._resolve(key)
            args[getattr(obj, var)] = value
        if t_offset is not None:
            for g in self.offset_groups:
                args[g.t_offset] = float(t_offset) * second
        if schedule is not None:
            for key, arr in self.schedule_arrays(schedule).items():
                args[self.timed_arrays[key]] = arr
        return args

    def schedule_arrays(self, schedule: RenderedSchedule) -> dict:
        """The padded values of the session's ``TimedArray`` s for ``schedule``.

        Parameters
        ----------
        schedule : RenderedSchedule
            A schedule of the build's shape.

        Returns
        -------
        dict
            ``rates`` (1/s), ``targets`` and ``learning``, padded to whole chunks.

        Raises
        ------
        SpecError
            When ``schedule`` has another number of trials or other widths than the build's.
        """
        if schedule.rate_values.shape != self.schedule.rate_values.shape or \
                schedule.target_values.shape != self.schedule.target_values.shape:
            raise SpecError(f"this circuit was built for a schedule of shape "
                            f"{self.schedule.rate_values.shape} / {self.schedule.target_values.shape}; "
                            f"got {schedule.rate_values.shape} / {schedule.target_values.shape}")
        pad = self.n_trials - schedule.rate_values.shape[0]

        def padded(v):
            v = np.asarray(v, dtype=float)
            return np.concatenate([v, np.zeros((pad,) + v.shape[1:])]) if pad else v

        return {"rates": padded(schedule.rate_values) / second,
                "targets": padded(schedule.target_values),
                "learning": padded(schedule.learning_values)}

    def weights(self, state: dict | None = None) -> dict:
        """Signed weight matrices ``W{l}`` (pre x post) of ``state`` (default: the current one).

        Parameters
        ----------
        state : dict, optional
            A state as :meth:`state` returns it.

        Returns
        -------
        dict
        """
        return signed_weights(self.state() if state is None else state, self.config, self._pair_index)

    def magnitudes(self, state: dict | None = None) -> dict:
        """Magnitudes ``W{l}_e`` and ``W{l}_i`` of each pathway (see :func:`pathway_weights`).

        Parameters
        ----------
        state : dict, optional
            A state as :meth:`state` returns it (default: the current one).

        Returns
        -------
        dict
        """
        return pathway_weights(self.state() if state is None else state, self.config, self._pair_index)


def build_feedforward(config: FeedforwardConfig, rule: CreditRule, schedule: RenderedSchedule,
                      params: dict, name: str = "ff", chunk_trials: int | None = None,
                      raster_trials=None, substitute_error: bool = False,
                      error_lags: int = 0, sequence_error: bool = False) -> FeedforwardNet:
    """Build the circuit for ``rule`` over the session ``schedule``.

    Parameters
    ----------
    config, rule : the circuit and the credit-assignment rule.
    schedule : RenderedSchedule
        The session's ``TimedArray`` s; their widths must match ``n_inputs`` and ``n_outputs``.
    params : dict
        Output of :func:`initial_parameters`.
    chunk_trials : int, optional
        Trials per run (default: the whole session in one run).
    raster_trials : bool array (n_trials,), optional
        Trials whose spikes are recorded (rasters).
    substitute_error : bool
        The hook for an error critic: the output keeps its true error in ``err`` and the label of
        the presentation just ended in ``label_l`` (1 for the target neuron, latched before the
        next target overwrites ``tgt``), but learns from ``e_used`` — a variable that an attached
        object (e.g. :func:`cortexlearn.build.critic.attach_output_critic`) fills in slot
        ``end`` before order 5 of the credit clock (``net.credit_clock``). Output
        deltas, bias updates and the credit sent to the hidden layers then come from ``e_used``.
    error_lags : int
        For errors that arrive late (needs ``substitute_error``): every neuron keeps its latched
        activity (and the output its error, label and learning gate) for the last ``error_lags``
        presentations in a delay line (:mod:`cortexlearn.circuits.delay_line`). Two run-time
        ``TimedArray`` s of lags (``net.timed_arrays["lag_act"]`` and ``["lag_err"]``, one integer
        in ``0 .. error_lags`` per presentation, read when it ends; default 0) select what the
        update pairs: the presynaptic counts ``x_l`` and surrogate derivatives ``psi_l`` come from
        ``lag_act`` presentations back, the output's true error ``err`` (and ``x_e``, ``label_e``,
        ``learn_e``, for a critic that learns from it) from ``lag_err`` back. ``lag_act = lag_err``
        stores activity until its error arrives; ``lag_act = 0`` pairs a late error with the
        current activity. ``x_now`` / ``label_l`` hold the presentation that just ended.
    sequence_error : bool
        The output error of a *sequence* of presentations (needs ``substitute_error``): the
        output integrates its per-presentation errors with a leak,
        ``eps_n = lam_err * eps_{n-1} * (1 - first_n) + gain_err * (tgt_n - count_n)``, reset where the
        run-time ``TimedArray`` ``net.timed_arrays["seq_first"]`` is 1 (a sequence's first
        presentation). ``eps`` is the error of a leaky integrator ``s_n = lam_err s_{n-1} + y_n``
        read out at the end of a sequence against the leaky sum of the targets; ``err`` (and the
        delay line of errors) carries ``eps`` instead of ``tgt - count``. ``lam_err`` is a
        run-time constant of the output (``"output.lam_err"``, default 0: the error of each
        presentation, as without this option); ``gain_err`` (``"output.gain_err"``, default 1)
        scales it, e.g. ``1 / sum_k lam^k`` for the error of the leaky *mean* of a sequence.

    Raises
    ------
    SpecError
        When the schedule does not match the circuit's sizes.

    Returns
    -------
    FeedforwardNet
    """
    # 270 lines: the checks, forward projections, error feedback and monitors are helpers; the
    # groups stay here because their equations, latch code and credit-clock orders are written
    # against each other (a layer's summed credit runs at order 10 (L - l + 1) + 1, its delta at
    # + 2) and the nested helpers share the delay-line and relay state.
    n_trials, K = _check_inputs(config, rule, schedule, params, error_lags, substitute_error,
                                sequence_error)
    T = schedule.presentation
    chunk = int(chunk_trials or n_trials)
    if chunk < 1:
        raise SpecError(f"chunk_trials must be >= 1, got {chunk_trials}")
    n_padded = -(-n_trials // chunk) * chunk
    pad = n_padded - n_trials

    def padded(values):
        values = np.asarray(values, dtype=float)
        return np.concatenate([values, np.zeros((pad,) + values.shape[1:])]) if pad else values

    ta_rates = TimedArray(padded(schedule.rate_values) * (1 / second), dt=T, name=f"{name}_rates")
    ta_targets = TimedArray(padded(schedule.target_values), dt=T, name=f"{name}_targets")
    ta_learn = TimedArray(padded(schedule.learning_values), dt=T, name=f"{name}_learning")
    rec = np.zeros(n_padded)
    if raster_trials is not None:
        rec[:n_trials] = np.asarray(raster_trials, dtype=float)
    ta_rec = TimedArray(rec, dt=T, name=f"{name}_record")
    dale = config.dale
    ns = dict(rule.namespace(), tau_m=config.tau_m, T_p=T, w_max=float(config.w_max),
              bias_max=float(config.bias_max))
    ns.update({ta.name: ta for ta in (ta_rates, ta_targets, ta_learn, ta_rec)})
    lag_arrays = {}
    if K:
        for key in ("lag_act", "lag_err"):
            lag_arrays[key] = TimedArray(np.zeros(n_padded), dt=T, name=f"{name}_{key}")
            ns[lag_arrays[key].name] = lag_arrays[key]
    if sequence_error:
        lag_arrays["seq_first"] = TimedArray(np.zeros(n_padded), dt=T, name=f"{name}_seq_first")
        ns[lag_arrays["seq_first"].name] = lag_arrays["seq_first"]
    lag_act = f"{name}_lag_act(t + t_offset - T_p)"
    lag_err = f"{name}_lag_err(t + t_offset - T_p)"

    def latch_counts(extra_now=()):
        """Model lines and latch code of ``x_l`` (plus other ``(variable, value)`` pairs with a
        delay line): without lags ``x_l = count``; with lags the selected past value."""
        if not K:
            return "x_l : 1", "x_l = count"
        pairs = (("x", "count"),) + tuple(extra_now)
        model = "\n".join(["x_l : 1", "x_e : 1"] + [register_model(v, K) for v, _ in pairs])
        code = [shift_code(v, value, K) for v, value in pairs]
        code += [f"x_l = {select_expression('x', lag_act, K)}",
                 f"x_e = {select_expression('x', lag_err, K)}"]
        return model, "\n".join(code)

    def registers(variables):
        return [n for v in variables for n in register_names(v, K)] if K else []
    clock = Clock(dt=T, name=f"{name}_credit_clock")
    groups, projections, monitors, state_vars, offset_groups = {}, {}, {}, {}, []
    objects = []
    L = len(config.hidden_sizes)

    # ---- input generators and their relays
    x_model, x_latch = latch_counts()

    def mean_of(feeds_hidden):
        """(model line, latch line, carried variables) of the running mean ``xbar`` of a group's
        latched count, which the covariance form of the updates into a hidden layer reads; groups
        that feed only the output keep none."""
        if not feeds_hidden:
            return "", "", []
        return "xbar : 1", "xbar += center_rate * (x_l - xbar)", ["xbar"]
    input_mean = mean_of(True)
    inp = NeuronGroup(config.n_inputs, f"""dphase/dt = {ta_rates.name}(t + t_offset, i) : 1
                      count : 1
                      t_offset : second (shared, constant)
                      {input_mean[0]}
                      {x_model}""",
                      threshold="phase >= 1", reset="phase -= 1\ncount += 1", method="euler",
                      events={"rec": f"phase >= 1 and {ta_rec.name}(t + t_offset) > 0"},
                      name=f"{name}_input")
    inp.phase = params["phase0"]
    groups["input"], state_vars["input"] = inp, ["phase", "count"] + input_mean[2] + registers("x")
    offset_groups.append(inp)

    def relay_of(src, gname, receives_credit, feeds_hidden):
        extra = "fa : 1\nbp : 1\nss : 1" if receives_credit else ""
        lagged = "\nt_offset : second (shared, constant)" if K else ""
        mean = mean_of(feeds_hidden)
        relay = NeuronGroup(len(src), f"v : 1\ncount : 1\n{mean[0]}\n{x_model}\n{extra}{lagged}",
                            threshold="v > 0.5",
                            reset="v -= 1\ncount += 1", name=f"{name}_{gname}_relay")
        link = Synapses(src, relay, on_pre="v_post += 1", name=f"{name}_{gname}_to_relay")
        link.connect(j="i")
        relay.run_regularly(f"{x_latch}\n{mean[1]}\ncount = 0", clock=clock, when="start",
                            name=f"{name}_{gname}_relay_latch")
        groups[f"{gname}_relay"], state_vars[f"{gname}_relay"] = relay, ["v", "count"] + mean[2] + registers("x")
        if K:
            offset_groups.append(relay)
        objects.extend([relay, link])
        return relay

    inp.run_regularly(f"{x_latch}\n{input_mean[1]}\ncount = 0", clock=clock, when="start",
                      name=f"{name}_input_latch")
    objects.append(inp)
    pre_groups = [(inp, "input", relay_of(inp, "input", False, True) if dale else None)]

    # ---- hidden layers
    # with both pathways per pair, feedback alignment's fixed weight b is counted once (the
    # excitatory pathway's); the inhibitory relay's sum of b * d_rule is not read
    both = config.both_pathways
    signal = hidden_signal_expression(dale, fa="fa_e" if both else None)
    pops = config.error_populations
    for h, n_h in enumerate(config.hidden_sizes, start=1):
        links = "\nfa_i : 1 (linked)\nbp_i : 1 (linked)\nss_i : 1 (linked)" if dale else ""
        h_model, h_latch = latch_counts((("psi", "psi_acc"), ("learn", "learn_cur")))
        mean = mean_of(h < L)  # the last hidden layer feeds only the output
        if K:  # the selected past presentation, learning only while the present one is trained
            h_latch += (f"\npsi_l = {select_expression('psi', lag_act, K)}"
                        f"\nlearn_l = learn_now * {select_expression('learn', lag_act, K)}")
            homeo_gate = "learn_now"
        else:
            h_latch += "\npsi_l = psi_acc\nlearn_l = learn_cur"
            homeo_gate = "learn_l"
        eqs = f"""dv/dt = (bias - v) / tau_m : 1
                  du/dt = (bias - u) / tau_m : 1
                  dpsi_acc/dt = 1.0 / (1 + beta_sg * abs(u - 1))**2 / T_p : 1
                  bias : 1
                  count : 1
                  {h_model}
                  psi_l : 1
                  fa_e : 1
                  bp_e : 1
                  ss_e : 1
                  dfa : 1
                  d_rule : 1
                  dbp : 1
                  delta : 1
                  learn_cur : 1
                  learn_l : 1
                  {mean[0]}
                  c_fa : 1 (shared, constant)
                  c_ss : 1 (shared, constant)
                  c_bp : 1 (shared, constant)
                  c_dfa : 1 (shared, constant)
                  train_hidden : 1 (shared, constant)
                  eta_homeo : 1 (shared, constant)
                  n_target : 1 (shared, constant)
                  t_offset : second (shared, constant){links}"""
        if pops and h == L:  # FA's error arrives from the error populations
            eqs += "\nfa_pop : 1"
        g = NeuronGroup(n_h, eqs, threshold="v > 1", reset="v = 0\ncount += 1", method="euler",
                        events={"rec": f"v > 1 and {ta_rec.name}(t + t_offset) > 0"},
                        name=f"{name}_hidden{h}")
        g.run_regularly(f"""{h_latch}
                            {mean[1]}
                            bias = clip(bias + eta_homeo * {homeo_gate} * (n_target - count), -bias_max, bias_max)
                            count = 0
                            psi_acc = 0
                            v = 0
                            u = 0
                            learn_cur = {ta_learn.name}(t + t_offset)""",
                        clock=clock, when="start", name=f"{name}_hidden{h}_latch")
        g.run_regularly(f"""dbp = psi_l * {'(bp_e + bp_i)' if dale else 'bp_e'}
                            d_rule = psi_l * {hidden_signal_expression(dale, fa="fa_pop") if pops and h == L else signal}
                            delta = learn_l * train_hidden * d_rule""",
                        clock=clock, when="end", order=10 * (L - h + 1) + 2,
                        name=f"{name}_hidden{h}_delta")
        groups[f"hidden{h}"] = g
        state_vars[f"hidden{h}"] = ["v", "u", "psi_acc", "bias", "count", "learn_cur"] + mean[2] + \
            registers(("x", "psi", "learn"))
        offset_groups.append(g)
        objects.append(g)
        relay = relay_of(g, f"hidden{h}", True, h < L) if dale else None
        if dale:
            for var in ("fa", "bp", "ss"):
                setattr(g, f"{var}_i", _linked(relay, var))
        pre_groups.append((g, f"hidden{h}", relay))

    # ---- output
    substitution_vars = "\n                      e_used : 1\n                      e_out : 1\n                      label_l : 1" \
        if substitute_error else ""
    if sequence_error:
        substitution_vars += "\nerr_int : 1\nlam_err : 1 (shared, constant)\ngain_err : 1 (shared, constant)"
    if K:
        substitution_vars += "\n" + "\n".join(["label_e : 1", "learn_e : 1"] + [
            register_model(v, K) for v in ("err", "label", "learn")])
    out = NeuronGroup(config.n_outputs, f"""dv/dt = (bias - v) / tau_m : 1
                      dvm_acc/dt = v / T_p : 1
                      bias : 1
                      count : 1
                      count_l : 1
                      vm_l : 1
                      tgt : 1
                      err : 1
                      d_rule : 1
                      dbp : 1
                      delta : 1
                      learn_cur : 1
                      learn_l : 1{substitution_vars}
                      eta_bias : 1 (shared, constant)
                      t_offset : second (shared, constant)""",
                      threshold="v > 1", reset="v = 0\ncount += 1", method="euler",
                      events={"rec": f"v > 1 and {ta_rec.name}(t + t_offset) > 0"},
                      name=f"{name}_output")
    use_err = """d_rule = {e}
                 dbp = {e}
                 delta = learn_l * {o}
                 bias = clip(bias + eta_bias * delta, -bias_max, bias_max)"""
    new_err = "tgt - count"
    if sequence_error:  # the leaky sum of the errors since the sequence began
        new_err = "err_int"
        first = f"{name}_seq_first(t + t_offset - T_p)"
    if K:  # the error arriving now is that of the presentation lag_err back
        out_latch = "\n".join([shift_code("err", new_err, K), shift_code("label", "int(tgt > 0)", K),
                               shift_code("learn", "learn_cur", K),
                               f"err = {select_expression('err', lag_err, K)}",
                               "label_l = label_now",
                               f"label_e = {select_expression('label', lag_err, K)}",
                               f"learn_l = learn_now * {select_expression('learn', lag_act, K)}",
                               f"learn_e = learn_now * {select_expression('learn', lag_err, K)}"])
    else:
        out_latch = f"err = {new_err}\nlearn_l = learn_cur\n" + \
            ("label_l = int(tgt > 0)" if substitute_error else use_err.format(e="err", o="err"))
    if sequence_error:
        out_latch = f"err_int = lam_err * err_int * (1 - {first}) + gain_err * (tgt - count)\n" + out_latch
    out.run_regularly(f"""count_l = count
                          vm_l = vm_acc
                          {out_latch}
                          count = 0
                          vm_acc = 0
                          v = 0
                          tgt = {ta_targets.name}(t + t_offset, i)
                          learn_cur = {ta_learn.name}(t + t_offset)""",
                      clock=clock, when="start", name=f"{name}_output_latch")
    if substitute_error:  # learn from e_used, filled in by an attached critic before order 5
        out.run_regularly(use_err.format(e="e_used", o="e_out"), clock=clock, when="end", order=5,
                          name=f"{name}_output_use_error")
    groups["output"], state_vars["output"] = out, ["v", "vm_acc", "bias", "count", "tgt", "learn_cur"] + \
        registers(("err", "label", "learn")) + (["err_int"] if sequence_error else [])
    if sequence_error:
        out.gain_err = 1.0
    offset_groups.append(out)
    objects.append(out)
    post_groups = [g for g, _, _ in pre_groups[1:]] + [out]

    # ---- forward projections (with credit summed onto their presynaptic side)
    feedback, feedback_index = {}, {}
    pair_index = _forward_projections(config, params, pre_groups, post_groups, out, clock, name,
                                      projections, objects)
    # ---- the output error: error populations, or direct feedback alignment
    population_index = _error_feedback(config, params, out, groups, clock, name, feedback,
                                       feedback_index, objects)
    # ---- alignment of the last hidden layer's error with weight transport's, and the monitors
    _alignment_and_monitors(groups, out, clock, name, L, raster_trials, monitors, objects)
    net = Network(*objects, name=f"{name}_network")
    ffn = FeedforwardNet(net, ns, config, rule, schedule, groups, projections, monitors, state_vars,
                         offset_groups, {"rates": ta_rates, "targets": ta_targets,
                                         "learning": ta_learn, "record": ta_rec, **lag_arrays}, n_padded)
    ffn.params = params
    ffn._pair_index = pair_index
    ffn._feedback_index = feedback_index
    ffn._population_index = population_index
    ffn.feedback = feedback
    ffn.assign(ffn.fixed_values(rule, params))
    ffn.chunk_trials = chunk
    ffn.credit_clock = clock
    ffn.n_session_trials = n_trials
    ffn.error_lags = K
    return ffn



def _check_inputs(config: FeedforwardConfig, rule, schedule: RenderedSchedule, params: dict,
                  error_lags: int, substitute_error: bool, sequence_error: bool) -> tuple:
    """Refuse a rule, schedule, initial weights or options that do not fit the circuit.

    Parameters
    ----------
    config, rule, schedule, params, error_lags, substitute_error, sequence_error
        As for :func:`build_feedforward`.

    Returns
    -------
    n_trials : int
        Trials of the schedule (before padding).
    K : int
        Depth of the delay lines (``error_lags``).

    Raises
    ------
    SpecError
        Naming what does not fit.
    """
    if not isinstance(rule, CreditRule):
        raise SpecError(f"rule must be a CreditRule, got {type(rule).__name__}")
    n_trials, n_in = schedule.rate_values.shape
    if n_in != config.n_inputs:
        raise SpecError(f"the schedule has {n_in} input channels, the circuit {config.n_inputs}")
    if schedule.target_values.shape != (n_trials, config.n_outputs):
        raise SpecError(f"target array has shape {schedule.target_values.shape}, expected "
                        f"({n_trials}, {config.n_outputs}) (trials x output neurons)")
    for key, shape in ((f"W{l}", (a, b)) for l, (a, b) in
                       enumerate(zip(config.layer_sizes[:-1], config.layer_sizes[1:]))):
        if np.shape(params.get(key)) != shape:
            raise SpecError(f"initial weights {key} have shape {np.shape(params.get(key))}, "
                            f"expected {shape}")
    K = int(error_lags)
    if K < 0:
        raise SpecError(f"error_lags must be >= 0, got {error_lags}")
    if K and not substitute_error:
        raise SpecError("error_lags needs substitute_error=True: a late error reaches the output "
                        "through e_used (attach_output_critic delivers it)")
    if sequence_error and not substitute_error:
        raise SpecError("sequence_error needs substitute_error=True: the error of a sequence "
                        "reaches the output through e_used (attach_output_critic delivers it)")
    return n_trials, K


def _forward_projections(config: FeedforwardConfig, params: dict, pre_groups: list, post_groups: list,
                         out, clock, name: str, projections: dict, objects: list) -> dict:
    """The forward pathways of every layer, with credit summed onto their presynaptic side.

    Each pair gets an excitatory pathway from the presynaptic group or, under Dale's law, an
    inhibitory one from its relay (:func:`~cortexlearn.circuits.feedforward.pathway_masks`);
    pathways out of a hidden layer also carry the fixed feedback ``b`` and sum the credit of the
    module docstring onto their presynaptic side, on the credit clock. Every pathway runs its
    three-factor update (:func:`~cortexlearn.rules.credit.weight_update_code`) at order 500.

    Parameters
    ----------
    config : FeedforwardConfig
    params : dict
        Gives ``W{l}``, ``B{l}`` and ``inh{l}``.
    pre_groups : list of tuple
        ``(group, name, relay or None)`` of the input and every hidden layer.
    post_groups : list of NeuronGroup
        The hidden layers and the output.
    out : NeuronGroup
        The output.
    clock : Clock
        The credit clock.
    name : str
        Prefix of the objects' names.
    projections : dict
        Filled with ``(Synapses, sign)`` by pathway name.
    objects : list
        The network's objects; the synapses are appended.

    Returns
    -------
    dict
        ``(i, j, sign)`` of each pathway by name.
    """
    dale, L = config.dale, len(config.hidden_sizes)
    pair_index = {}
    for l, ((pre, pname, relay), post) in enumerate(zip(pre_groups, post_groups)):
        W, B = params[f"W{l}"], params[f"B{l}"]
        exc, inh = pathway_masks(config, params[f"inh{l}"])
        pre_is_hidden = l > 0
        parts = [(+1 if dale else 0, pre, exc)] + ([(-1, relay, inh)] if dale else [])
        for sign, source, mask in parts:
            tag = {1: "e", -1: "i", 0: "m"}[sign]
            sname = f"p{l}_{tag}"
            model = forward_synapse_model(sign, summed_into_relay=sign == -1, post_is_output=post is out) \
                if pre_is_hidden else "w : 1"
            model += "\neta : 1 (shared, constant)"
            into_hidden = post is not out
            if into_hidden:
                model += "\nc_center : 1 (shared, constant)"
            on_pre = "v_post -= w\nu_post -= w" if sign == -1 else "v_post += w\nu_post += w"
            if post is out:
                on_pre = on_pre.split("\n")[0]
            syn = Synapses(source, post, model=model, on_pre=on_pre, name=f"{name}_{sname}")
            i, j = pair_list(mask)
            syn.connect(i=i, j=j)
            syn.w = np.maximum(sign * W[i, j], 0.0) if sign != 0 else W[i, j]
            if pre_is_hidden:
                syn.b = B[i, j]
                for upd in syn.summed_updaters.values():
                    _on_credit_clock(upd, clock, 10 * (L - l + 1) + 1)
            syn.run_regularly(weight_update_code(sign, centered=into_hidden), clock=clock, when="end",
                              order=500,
                              name=f"{name}_{sname}_update")
            projections[sname] = (syn, sign)
            pair_index[sname] = (i, j, sign)
            objects.append(syn)
    return pair_index


def _error_feedback(config: FeedforwardConfig, params: dict, out, groups: dict, clock, name: str,
                    feedback: dict, feedback_index: dict, objects: list) -> dict:
    """The pathways that carry the output error to the hidden layers outside the forward synapses.

    With ``config.error_populations`` the error goes through rectified error populations
    (:mod:`cortexlearn.build.error_populations`): into the last hidden layer for feedback
    alignment (``B{L}``) and into every hidden layer for direct feedback alignment (``D{h}``).
    Without them, direct feedback alignment (Nøkland 2016) has one signed pathway per hidden layer,
    always present so that one compiled program serves every rule (``c_dfa`` switches it on).

    Parameters
    ----------
    config : FeedforwardConfig
    params : dict
        Gives ``D{h}`` (the error populations' magnitudes are set later, per session).
    out : NeuronGroup
        The output.
    groups : dict
        The circuit's groups; the error units are added.
    clock : Clock
        The credit clock.
    name : str
        Prefix of the objects' names.
    feedback, feedback_index : dict
        Filled with the feedback ``Synapses`` and the (output, hidden) indices of the DFA pathways.
    objects : list
        The network's objects; the new ones are appended.

    Returns
    -------
    dict
        ``(matrix key, index)`` of each error-population pathway by name (empty without them).
    """
    pops, L = config.error_populations, len(config.hidden_sizes)
    population_index = {}
    if pops:
        units = error_populations(out, clock, 6, name)
        groups["error_units"] = units
        objects.append(units)
        targets = [("efa", f"hidden{L}", "fa_pop", f"B{L}", L)] + \
            [(f"edfa{h}", f"hidden{h}", "dfa", f"D{h}", h) for h in range(1, L + 1)]
        for fname, gname, var, key, h in targets:
            fb, index = population_feedback(units, groups[gname], var, f"{name}_{fname}")
            for upd in fb.summed_updaters.values():
                _on_credit_clock(upd, clock, 10 * (L - h + 1) + 1)
            feedback[fname], population_index[fname] = fb, (key, index)
            objects.append(fb)

    # ---- direct feedback alignment: output error straight to every hidden layer
    if not pops:  # always present: one compiled program serves every rule (c_dfa switches it on)
        for h in range(1, L + 1):
            D = params[f"D{h}"]
            fb = Synapses(out, groups[f"hidden{h}"], model=feedback_synapse_model(),
                          name=f"{name}_dfa{h}")
            ii, jj = np.meshgrid(np.arange(config.n_outputs), np.arange(config.hidden_sizes[h - 1]),
                                 indexing="ij")
            fb.connect(i=ii.ravel().astype(np.int32), j=jj.ravel().astype(np.int32))
            fb.b = D[ii.ravel(), jj.ravel()]
            feedback[f"dfa{h}"] = fb
            feedback_index[f"dfa{h}"] = (ii.ravel(), jj.ravel())
            for upd in fb.summed_updaters.values():
                _on_credit_clock(upd, clock, 10 * (L - h + 1) + 1)
            objects.append(fb)
    return population_index


def _alignment_and_monitors(groups: dict, out, clock, name: str, L: int, raster_trials,
                            monitors: dict, objects: list) -> None:
    """The alignment sums of the last hidden layer and the per-presentation monitors.

    A one-unit group sums ``d_rule · dbp``, ``|d_rule|²``, ``|dbp|²`` and the spike count of
    hidden layer ``L`` on the credit clock (order 15), from which the angle to weight transport is
    read (Lillicrap et al. 2016, Fig. 2).

    Parameters
    ----------
    groups : dict
        The circuit's groups; ``align`` is added.
    out : NeuronGroup
        The output.
    clock : Clock
        The credit clock.
    name : str
        Prefix of the objects' names.
    L : int
        Number of hidden layers.
    raster_trials : array_like or None
        With it, event monitors of the input, last hidden layer and output.
    monitors : dict
        Filled with the monitors by key.
    objects : list
        The network's objects; the new ones are appended.
    """
    align = NeuronGroup(1, "dot : 1\nn_rule : 1\nn_bp : 1\nspikes : 1", name=f"{name}_align")
    asyn = Synapses(groups[f"hidden{L}"], align, model="""dot_post = d_rule_pre * dbp_pre : 1 (summed)
                    n_rule_post = d_rule_pre**2 : 1 (summed)
                    n_bp_post = dbp_pre**2 : 1 (summed)
                    spikes_post = x_l_pre : 1 (summed)""", name=f"{name}_align_sum")
    asyn.connect()
    for upd in asyn.summed_updaters.values():
        _on_credit_clock(upd, clock, 15)
    groups["align"] = align
    objects.extend([align, asyn])

    monitors["output"] = StateMonitor(out, ["count_l", "vm_l"], record=True, clock=clock,
                                      when="start", order=50, name=f"{name}_output_monitor")
    monitors["align"] = StateMonitor(align, ["dot", "n_rule", "n_bp", "spikes"], record=0,
                                     clock=clock, when="end", order=600, name=f"{name}_align_monitor")
    if raster_trials is not None:
        for gname in ("input", f"hidden{L}", "output"):
            monitors[f"raster_{gname}"] = EventMonitor(groups[gname], "rec",
                                                       name=f"{name}_{gname}_raster")
    objects.extend(monitors.values())


def _linked(group, var):
    from brian2 import linked_var

    return linked_var(group, var)


def _on_credit_clock(updater, clock, order):
    """Run a summed-variable updater once per presentation, at a chosen place in ``end``.

    Brian2 runs summed variables every step on the target's clock, before the target's state
    update; credit is needed once per presentation, after the error is latched, and layer by
    layer from the top — so the updater moves onto the credit clock with an explicit order.
    """
    updater._clock = clock
    updater.when = "end"
    updater.order = order


@register(CreditCircuit)
def build_credit_circuit(spec: CreditCircuit) -> FeedforwardNet:
    """The builder of a :class:`~cortexlearn.circuits.feedforward.CreditCircuit` (registered
    with :func:`cortexlearn.build.register`).

    Parameters
    ----------
    spec : CreditCircuit

    Returns
    -------
    FeedforwardNet
    """
    return build_feedforward(spec.config, spec.rule, spec.schedule, spec.params, **spec.options)

