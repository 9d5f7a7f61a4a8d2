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

__all__ = ["Critic", "attach_critic"]


@dataclasses.dataclass
class Critic:
    """The critic's Brian2 objects; add ``objects`` to the network and ``namespace`` to the run."""

    group: NeuronGroup
    read_synapses: Synapses
    context_synapses: Synapses | None
    monitor: StateMonitor | None
    namespace: dict

    @property
    def objects(self) -> list:
        return [o for o in (self.group, self.read_synapses, self.context_synapses, self.monitor)
                if o is not None]

    def weights(self) -> np.ndarray:
        """Read weights as a (n_predicted, layer size) matrix."""
        return _matrix(self.read_synapses)

    def context_weights(self) -> np.ndarray | None:
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
                  name: str = "critic") -> Critic:
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
    if context is not None:
        _check_readable(context, rule.activity, "context group")
    if initial_weights is None:
        initial_weights = np.zeros((n_predicted, layer.N))
    initial_weights = np.asarray(initial_weights, dtype=float)
    if initial_weights.shape != (n_predicted, layer.N):
        raise SpecError(f"initial_weights must have shape ({n_predicted}, {layer.N}), got "
                        f"{initial_weights.shape}")

    group = NeuronGroup(n_predicted, rule.critic_model(), name=f"{name}_units")
    group.run_regularly(error_code + "\n" + rule.predict_code(), dt=period, when="end", order=0,
                        name=f"{name}_predict")

    def read(source, summed, weights, suffix):
        syn = Synapses(source, group, rule.synapse_model(summed), name=f"{name}_{suffix}")
        pre, post = np.meshgrid(np.arange(source.N), np.arange(n_predicted), indexing="ij")
        syn.connect(i=pre.ravel(), j=post.ravel())
        syn.c = weights[post.ravel(), pre.ravel()]
        syn.run_regularly(rule.synapse_update_code(), dt=period, when="end", order=1,
                          name=f"{name}_{suffix}_learn")
        return syn

    read_syn = read(layer, "pred_h", initial_weights, "read")
    ctx_syn = read(context, "pred_c", np.zeros((n_predicted, context.N)), "context") if context is not None else None
    monitor = None
    if record:
        monitor = StateMonitor(group, ("pred", "err_true", "avail"), record=True, dt=period, when="end",
                               order=2, name=f"{name}_monitor")
    return Critic(group=group, read_synapses=read_syn, context_synapses=ctx_syn, monitor=monitor,
                  namespace=rule.namespace())


def critic_network(critic: Critic, *others, name: str = "critic_network") -> Network:
    """An explicit network of the critic's objects and ``others``."""
    return Network(*critic.objects, *others, name=name)
