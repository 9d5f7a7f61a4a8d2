"""Attach an error critic (:class:`cortexlearn.rules.critic.ErrorCritic`) to a layer.

The critic is a population of ``n_predicted`` units that reads a layer's per-presentation
activity variable (and optionally a context group, e.g. the label) through plastic all-to-all
synapses, and once per presentation (``run_regularly`` with the presentation period, slot
``end``):

1. ``error_code`` sets ``err_true`` (the true error, when it arrives) and ``avail`` (1 when it did);
2. the critic predicts ``pred``, forms ``err_used`` (true error if present, else the prediction)
   and its own prediction error ``delta`` (bootstrapped when ``discount > 0``);
3. the read synapses move by the delta rule.

The layer that learns from the critic reads ``err_used`` (a linked variable or a summed variable
from the critic), in a later slot or order of the same step. The activity must be latched before
the critic's slot (e.g. at ``start``), since the summed predictions are computed in ``groups``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from brian2 import Network, NeuronGroup, StateMonitor, Synapses, second

from ..errors import SpecError
from ..rules.critic import ErrorCritic
from ..units import as_quantity, check_positive
from ..circuits.delay_line import register_names

__all__ = ["Critic", "attach_critic", "attach_output_critic"]


@dataclasses.dataclass
class Critic:
    """The critic's Brian2 objects; add ``objects`` to the network and ``namespace`` to the run.

    Attributes
    ----------
    group : NeuronGroup
        The ``n_predicted`` critic units (prediction, error used, prediction error).
    read_synapses : Synapses
        Plastic all-to-all synapses from the layer, weights ``c``.
    context_synapses : Synapses or None
        Plastic synapses from a context group (e.g. the label), if one was given.
    monitor : StateMonitor or None
        Records ``pred``, ``err_true`` and ``avail`` in slot ``end``, if asked for.
    namespace : dict
        The rule's constants (:meth:`ErrorCritic.namespace`) to pass to the run.
    """

    group: NeuronGroup
    read_synapses: Synapses
    context_synapses: Synapses | None
    monitor: StateMonitor | None
    namespace: dict

    @property
    def objects(self) -> list:
        """The Brian2 objects that exist (group, synapses, monitor), to add to a network."""
        return [o for o in (self.group, self.read_synapses, self.context_synapses, self.monitor)
                if o is not None]

    def weights(self) -> np.ndarray:
        """Read weights as a (n_predicted, layer size) matrix."""
        return _matrix(self.read_synapses)

    def context_weights(self) -> np.ndarray | None:
        """Context weights as a (n_predicted, context size) matrix, or None without a context."""
        return None if self.context_synapses is None else _matrix(self.context_synapses)


def _matrix(syn):
    out = np.zeros((syn.target.N, syn.source.N))
    out[np.asarray(syn.j[:]), np.asarray(syn.i[:])] = np.asarray(syn.c[:])
    return out


def _check_readable(group, variable: str, what: str):
    if not hasattr(group, "variables") or variable not in group.variables:
        names = sorted(k for k in getattr(group, "variables", {}) if not k.startswith("_"))
        raise SpecError(f"the critic cannot read {what} {getattr(group, 'name', group)!r}: it has no "
                        f"variable {variable!r} (the activity the critic reads). Its variables: "
                        f"{', '.join(names)}. Latch the activity into a variable and pass its name "
                        "as ErrorCritic(activity=...).")
    var = group.variables[variable]
    if getattr(var, "scalar", False) or getattr(var, "size", 0) != group.N:
        raise SpecError(f"the critic cannot read {what} {group.name!r}: {variable!r} is not a "
                        "per-neuron variable")


def attach_critic(rule: ErrorCritic, layer, n_predicted: int, period, error_code: str,
                  context=None, initial_weights=None, record: bool = True,
                  name: str = "critic", clock=None, order: int = 0, extra_model: str = "",
                  context_activity: str | None = None,
                  context_learning_activity: str | None = None) -> Critic:
    """Build the critic objects.

    Parameters
    ----------
    rule : ErrorCritic
    layer : NeuronGroup
        The layer whose activity (``rule.activity``) the critic reads.
    n_predicted : int
        Number of error components predicted (e.g. output units).
    period : Quantity
        Presentation length: the critic predicts and learns once per period.
    error_code : str
        Code run on the critic at each presentation that sets ``err_true`` and ``avail``
        (e.g. from ``TimedArray`` s or linked variables; its names go into the run's namespace).
    context : NeuronGroup, optional
        A second readable group (same activity variable), e.g. one unit per label.
    initial_weights : array (n_predicted, layer.N), optional
        Initial read weights (default zeros, the usual start for a critic).
    clock : Clock, optional
        A clock of period ``period`` to run on (e.g. a circuit's once-per-presentation credit
        clock). The summed predictions then move onto it too (slot ``end``, order ``order``)
        instead of being summed every time step; prediction, learning and the monitor follow at
        ``order + 1``, ``+ 2`` and ``+ 3``.
    order : int
        First order in slot ``end`` (see ``clock``; without a clock the predict/learn/monitor
        steps run at ``order``, ``+ 1``, ``+ 2``).
    extra_model : str
        Equation lines added to the critic units (e.g. linked variables that ``error_code`` reads).
    context_activity : str, optional
        The context's activity variable (default: ``rule.activity``).
    context_learning_activity : str, optional
        The context's variable the delta rule multiplies (default: ``context_activity``), e.g. the
        label of the presentation whose late error has just arrived.

    Raises
    ------
    SpecError
        If the layer (or context) has no per-neuron activity variable of that name, or a size or
        the period is invalid.
    """
    if not isinstance(rule, ErrorCritic):
        raise SpecError(f"rule must be an ErrorCritic, got {type(rule).__name__}")
    if int(n_predicted) < 1:
        raise SpecError(f"n_predicted must be >= 1, got {n_predicted}")
    as_quantity(period, second, "period")
    check_positive(float(period), "period")
    _check_readable(layer, rule.activity, "layer")
    if rule.learning_activity:
        _check_readable(layer, rule.learning_activity, "layer")
    if context is not None:
        _check_readable(context, context_activity or rule.activity, "context group")
        if context_learning_activity:
            _check_readable(context, context_learning_activity, "context group")
    if initial_weights is None:
        initial_weights = np.zeros((n_predicted, layer.N))
    initial_weights = np.asarray(initial_weights, dtype=float)
    if initial_weights.shape != (n_predicted, layer.N):
        raise SpecError(f"initial_weights must have shape ({n_predicted}, {layer.N}), got "
                        f"{initial_weights.shape}")

    timing = {"clock": clock} if clock is not None else {"dt": period}
    first = int(order) + (1 if clock is not None else 0)
    model = rule.critic_model() + ("\n" + extra_model if extra_model.strip() else "")
    group = NeuronGroup(n_predicted, model, name=f"{name}_units")
    if rule.switches:
        for var, value in rule.switch_values().items():
            setattr(group, var, value)
    group.run_regularly(error_code + "\n" + rule.predict_code(), when="end", order=first,
                        name=f"{name}_predict", **timing)

    def read(source, summed, weights, suffix, activity=None, learning_activity=None):
        syn = Synapses(source, group, rule.synapse_model(summed, activity), name=f"{name}_{suffix}")
        pre, post = np.meshgrid(np.arange(source.N), np.arange(n_predicted), indexing="ij")
        syn.connect(i=pre.ravel(), j=post.ravel())
        syn.c = weights[post.ravel(), pre.ravel()]
        syn.run_regularly(rule.synapse_update_code(summed, learning_activity or activity),
                          when="end", order=first + 1,
                          name=f"{name}_{suffix}_learn", **timing)
        if clock is not None:  # sum once per presentation, just before the prediction
            for upd in syn.summed_updaters.values():
                upd._clock, upd.when, upd.order = clock, "end", int(order)
        return syn

    read_syn = read(layer, "pred_h", initial_weights, "read")
    ctx_syn = read(context, "pred_c", np.zeros((n_predicted, context.N)), "context",
                   context_activity, context_learning_activity) if context is not None else None
    monitor = None
    if record:
        monitor = StateMonitor(group, ("pred", "err_true", "avail"), record=True, when="end",
                               order=first + 2, name=f"{name}_monitor", **timing)
    return Critic(group=group, read_synapses=read_syn, context_synapses=ctx_syn, monitor=monitor,
                  namespace=rule.namespace())


def critic_network(critic: Critic, *others, name: str = "critic_network") -> Network:
    """An explicit network of the critic's objects and ``others``.

    Parameters
    ----------
    critic : Critic
        The attached critic.
    *others : brian2 objects
        Further objects to hold in the network (the layer, its monitors, ...).
    name : str
        Name of the network.

    Returns
    -------
    Network
    """
    return Network(*critic.objects, *others, name=name)


def attach_output_critic(net, rule: ErrorCritic, present, label: bool = True, name: str = "critic",
                         record: bool = True) -> Critic:
    """An error critic for the output of a spiking feed-forward circuit whose true error reaches
    it only on some presentations (Jaderberg et al. 2017's conditional synthetic gradients, in
    spiking form).

    The critic has one linear unit per output neuron. Once per presentation it reads the last
    hidden layer's latched spike counts ``x_l`` and, with ``label``, the one-hot label latched by
    the output (``label_l``), predicts the output error ``target count - spike count``, and
    learns by the delta rule on presentations where the true error is present. The output (and,
    through the circuit's feedback pathways, the hidden layers) learns from
    ``e_used = avail·err + (1 - avail)·pred``; with the rule's switches, the run-time constant
    ``use_prediction_output = 0`` keeps the prediction out of the output's own updates (its
    weights and bias learn from ``e_out = avail·err``), while the hidden layers still receive it.

    Parameters
    ----------
    net : FeedforwardNet
        Built with ``substitute_error=True`` (:func:`~cortexlearn.build.feedforward.build_feedforward`).
    rule : ErrorCritic
        With ``activity="x_l"`` (the hidden layers' latched counts).
    present : array (n_trials,)
        1 where the true error of a presentation reaches the circuit, else 0 (a ``TimedArray``
        stored as ``net.timed_arrays["present"]``; a session may replace it with
        ``run_session(timed_values={"present": ...})``). Learning also needs the schedule's
        learning gate.
    label : bool
        Condition the critic on the label (context synapses from the output's ``label_l``).

    On a circuit built with ``error_lags`` the true error arriving after presentation ``n`` is that
    of presentation ``n - lag_err`` (``net.timed_arrays["lag_err"]``): the critic then needs
    ``ErrorCritic(activity="x_now", learning_activity="x_e", lags=net.error_lags)``, predicts from
    the present counts and label and learns from the late error with the counts and label of its
    own presentation (the circuit's delay lines) and its own prediction of then. A bootstrapping
    critic (``discount > 0``) keeps its own last input instead; on such a circuit it reads
    ``activity="x_now"`` and learns from the output's ``err``, which is the present error when the
    session's ``lag_err`` is 0.

    Returns
    -------
    Critic
        Also attached to ``net``: its objects join the network, its weights and bias are carried
        between chunks (zero at the start of a session), and its monitor (``pred``, ``err_true``,
        ``avail``) is returned per trial by ``run_session`` under ``SessionRecord.extra``.

    Raises
    ------
    SpecError
        If the circuit was not built for a critic, or ``present`` has the wrong length.
    """
    from brian2 import TimedArray, linked_var

    out = net.groups["output"]
    if "e_used" not in out.variables:
        raise SpecError("this circuit has no error hook: build it with "
                        "build_feedforward(..., substitute_error=True) to attach an output critic")
    lags = net.error_lags
    if lags and rule.discount > 0:  # it keeps its own last input: no delay lines needed
        if (rule.activity, rule.lags) != ("x_now", 0):
            raise SpecError(f"a bootstrapping critic on a circuit with delay lines reads the present "
                            f"counts: activity='x_now', lags=0; got activity={rule.activity!r}, "
                            f"lags={rule.lags}")
    elif lags:
        if (rule.activity, rule.learning_activity, rule.lags) != ("x_now", "x_e", lags):
            raise SpecError(f"this circuit keeps {lags} presentations for late errors: the critic must "
                            f"read activity='x_now', learn with learning_activity='x_e' and keep "
                            f"lags={lags} predictions; got activity={rule.activity!r}, "
                            f"learning_activity={rule.learning_activity!r}, lags={rule.lags}")
    elif rule.lags:
        raise SpecError(f"the critic keeps lags={rule.lags} predictions, but the circuit has no delay "
                        "lines: build it with build_feedforward(..., error_lags=...)")
    present = np.asarray(present, dtype=float)
    if present.shape != (net.n_session_trials,):
        raise SpecError(f"present must have one value per trial of the session "
                        f"({net.n_session_trials}), got shape {present.shape}")
    padded = np.zeros(net.n_trials)
    padded[:len(present)] = present
    ta = TimedArray(padded, dt=net.schedule.presentation, name=f"{name}_present")
    hidden = net.groups[f"hidden{len(net.config.hidden_sizes)}"]
    # the latch at the start of presentation n + 1 holds presentation n: its error, its label,
    # its learning gate; the mask is read one presentation back
    error_code = f"err_true = err_out\navail = learn_out * {ta.name}(t + t_offset - T_p)"
    if lags and not rule.discount > 0:  # the late error belongs to the presentation lag_err back
        error_code += f"\nlag_e = {net.timed_arrays['lag_err'].name}(t + t_offset - T_p)"
    critic = attach_critic(
        rule, hidden, net.config.n_outputs, net.schedule.presentation, error_code=error_code,
        context=out if label else None, context_activity="label_l",
        context_learning_activity="label_e" if rule.lags else None, record=record, name=name,
        clock=net.credit_clock, order=1,
        extra_model="err_out : 1 (linked)\nlearn_out : 1 (linked)\nt_offset : second (shared, constant)")
    critic.group.err_out = linked_var(out, "err")
    critic.group.learn_out = linked_var(out, "learn_e" if lags else "learn_l")
    to_out = Synapses(critic.group, out, "e_used_post = err_used_pre : 1 (summed)\n"
                      "e_out_post = err_used_out_pre : 1 (summed)",
                      name=f"{name}_to_output")
    to_out.connect(j="i")
    for upd in to_out.summed_updaters.values():  # after the prediction, before the output uses it
        upd._clock, upd.when, upd.order = net.credit_clock, "end", 4
    objects = {f"{name}_units": critic.group, f"{name}_read": critic.read_synapses,
               f"{name}_to_output": to_out}
    carried = {f"{name}_units.bias": np.zeros(net.config.n_outputs),
               f"{name}_read.c": np.zeros(len(critic.read_synapses))}
    if critic.context_synapses is not None:
        objects[f"{name}_context"] = critic.context_synapses
        carried[f"{name}_context.c"] = np.zeros(len(critic.context_synapses))
    if rule.lags:
        for var in register_names("pred", lags):
            carried[f"{name}_units.{var}"] = np.zeros(net.config.n_outputs)
    if rule.discount > 0:
        for var in ("pred_prev", "err_true_prev", "avail_prev"):
            carried[f"{name}_units.{var}"] = np.zeros(net.config.n_outputs)
        for key in [k for k in objects if k != f"{name}_units" and k != f"{name}_to_output"]:
            carried[f"{key}.h_prev"] = np.zeros(len(objects[key]))
    monitors = {}
    if critic.monitor is not None:
        objects[f"{name}_monitor"] = critic.monitor
        monitors[name] = (critic.monitor, ("pred", "err_true", "avail"))
    net.attach(objects, namespace={**critic.namespace, ta.name: ta}, carried=carried,
               offset_groups=[critic.group], timed_arrays={"present": ta}, trial_monitors=monitors)
    critic.to_output = to_out
    return critic
