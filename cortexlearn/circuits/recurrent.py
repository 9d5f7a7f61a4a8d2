"""The specification of a recurrent network of (adaptive) LIF neurons with a leaky readout,
trained by e-prop (Bellec et al. 2020, Nat Commun 11:3625).

:class:`RecurrentCircuit` holds the rule (:class:`~cortexlearn.rules.eprop.EProp`: LIF or ALIF,
random or symmetric feedback, its learning rates and regulariser), the frozen input pattern, the
target signal and the initial weights; :func:`cortexlearn.build.build` turns it into one network
(:func:`cortexlearn.build.recurrent.build_recurrent_network`, where the architecture and the order
of operations within a time step are described).
"""

from __future__ import annotations

import dataclasses

import numpy as np
from brian2 import second

from ..errors import SpecError
from ..rules.eprop import EProp

__all__ = ["RecurrentCircuit"]


@dataclasses.dataclass(frozen=True, eq=False)
class RecurrentCircuit:
    """A recurrent network, its e-prop rule and its task: what :func:`cortexlearn.build.build`
    turns into a :class:`~cortexlearn.build.recurrent.RecurrentNetwork`.

    Parameters
    ----------
    rule : EProp
        The learning rule (and the neurons it is derived for): ``EProp(neuron="lif")`` or
        ``EProp(neuron="alif")`` is the one argument that changes the network.
    input_spikes : bool array (n_steps, n_in)
        The frozen input pattern of one trial (repeated every trial).
    target : array (n_steps, n_out) or (n_steps,)
        Target of the readout over one trial.
    w_in, w_rec, w_out : arrays (n_rec, n_in), (n_rec, n_rec), (n_out, n_rec)
        Initial weights (signed; no autapses).
    feedback : array (n_rec, n_out), optional
        Fixed random feedback weights ``B`` (needed when ``rule.feedback == "random"``).
    trial_duration : Quantity
        Length of a trial; input and target cover exactly its time steps.
    options : dict
        ``record_output``, ``record_spikes``, ``name`` of the builder.
    """

    rule: EProp
    input_spikes: object
    target: object
    w_in: object
    w_rec: object
    w_out: object
    feedback: object = None
    trial_duration: object = dataclasses.field(default_factory=lambda: 1 * second)
    options: dict = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        if not isinstance(self.rule, EProp):
            raise SpecError(f"rule must be an EProp, got {type(self.rule).__name__}")
        if self.rule.feedback == "random" and self.feedback is None:
            raise SpecError("rule.feedback is 'random': give the fixed feedback weights (feedback=)")
        if np.asarray(self.w_in).ndim != 2:
            raise SpecError(f"w_in must be a (n_rec, n_in) matrix, got shape {np.shape(self.w_in)}")
        unknown = sorted(set(self.options) - {"record_output", "record_spikes", "name"})
        if unknown:
            raise SpecError(f"unknown RecurrentCircuit option(s) {unknown}; known: name, "
                            "record_output, record_spikes")
