"""The specification of a rate-coded layered network with symmetric feedback trained by
equilibrium propagation (Scellier & Bengio 2017, Front Comput Neurosci 11:24).

Every trial has two phases: a **free phase** (the input is clamped, the layers settle toward a
fixed point of ``s_l = sigma(W_l s_{l-1} + W_{l+1}^T s_{l+1} + b_l)``) and a **nudged phase** (the
output also receives ``beta (y - s_L)``, Scellier & Bengio's Eq. 2 with the squared-error cost).
With ``symmetric=True`` (symmetric nudging, Laborieux et al. 2021, Front Neurosci 15:633674) an
**anti-nudged phase** with ``-beta`` comes between the two, and learning happens during the
``+beta`` phase that follows it, so that the rule integrates the change from the ``-beta`` to the
``+beta`` fixed point (scaled by ``1/(2 beta)``): the estimate's first-order bias in ``beta``
cancels. During the (``+beta``) nudged phase, and only then, every weight and bias learns with the temporal-derivative
rule (Xie & Seung 2000; Bengio et al. 2015): presynaptic activity times the rate of change of the
postsynaptic activity, in both directions of a symmetric weight,

.. math::

    \\frac{dW_{ij}}{dt} = \\frac{\\eta}{\\beta}\\left(s_j \\frac{ds_i}{dt} + s_i \\frac{ds_j}{dt}\\right)
    = \\frac{\\eta}{\\beta}\\frac{d(s_i s_j)}{dt},

whose integral over the nudged phase is ``(eta/beta)(s_i^beta s_j^beta - s_i^0 s_j^0)``: the
contrastive Hebbian update of Scellier & Bengio's Eq. 9 (Xie & Seung 2003), an estimate of
``-eta dC/dW`` (their Theorem 1). :func:`cortexlearn.build.build` turns the specification into one
Brian2 network (:func:`cortexlearn.build.eqprop.build_eqprop_network`, where the schedule within a
time step is described); the NumPy reference is :mod:`cortexlearn.reference.eqprop`.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from brian2 import ms

from ..errors import SpecError
from ..rules.derivative import TemporalDerivativeRule
from ..units import as_quantity, check_positive

__all__ = ["EqPropCircuit"]


@dataclasses.dataclass(frozen=True, eq=False)
class EqPropCircuit:
    """A layered rate network with symmetric feedback, its schedule of trials and its rule.

    Parameters
    ----------
    rule : TemporalDerivativeRule
        The plasticity of every weight and bias. Its ``learning_rate`` is ``eta``; ``w_max`` bounds
        ``|W|`` (weights are signed). The presynaptic factor is the presynaptic activity itself
        (rate code), so ``tau_pre`` and ``tau_rate`` play no part.
    weights : sequence of arrays
        Initial ``W_l`` of shape ``(n_{l+1}, n_l)``, input layer first (as
        :class:`cortexlearn.reference.eqprop.EqPropNetwork`).
    biases : sequence of arrays
        Initial ``b_l`` of shape ``(n_{l+1},)``.
    inputs : array (n_trials, n_0)
        The clamped input of each trial.
    targets : array (n_trials, n_L)
        The output's target of each trial.
    learn : array (n_trials,) of {0, 1}, optional
        Whether the trial has a nudged, learning phase (default: every trial). A trial with 0 is a
        test trial: the output is never nudged and nothing learns.
    learning_rate_scale : array (n_trials,) of non-negative floats, optional
        A factor on ``eta`` in each trial (default: 1 in every trial): a learning-rate schedule
        (a step size decaying over the session, Robbins & Monro 1951, Ann Math Stat 22:400)
        applied inside the compiled session, a table read by the rule's equations. It scales the
        update only, not the nudge.
    beta : float
        Nudging strength (> 0).
    free_duration, nudged_duration : Quantity
        Length of the two phases (whole numbers of time steps).
    tau : Quantity
        Time constant of the rate dynamics ``tau ds/dt = sigma(u) - s``.
    symmetric : bool
        Symmetric nudging: between the free and the nudged phase, an anti-nudged phase (output
        pulled by ``-beta``, no learning) of length ``nudged_duration``; the rule's integral over
        the nudged phase, scaled by ``eta/(2 beta)``, is then ``eta ((s_i s_j)^{+beta} -
        (s_i s_j)^{-beta})/(2 beta)``, the symmetric estimate of Laborieux et al. (2021). Default
        False (one-sided, Scellier & Bengio 2017).
    name : str
        Prefix of the Brian2 objects' names.
    """

    rule: TemporalDerivativeRule
    weights: tuple
    biases: tuple
    inputs: object
    targets: object
    learn: object = None
    learning_rate_scale: object = None
    beta: float = 0.5
    free_duration: object = dataclasses.field(default_factory=lambda: 40 * ms)
    nudged_duration: object = dataclasses.field(default_factory=lambda: 20 * ms)
    tau: object = dataclasses.field(default_factory=lambda: 2 * ms)
    symmetric: bool = False
    dale: bool = False
    name: str = "eqprop"

    def __post_init__(self):
        if not isinstance(self.rule, TemporalDerivativeRule):
            raise SpecError(f"rule must be a TemporalDerivativeRule, got {type(self.rule).__name__}")
        if len(self.weights) < 1 or len(self.weights) != len(self.biases):
            raise SpecError("give one bias vector per weight matrix (at least one layer)")
        sizes = self.sizes
        for l, (w, b) in enumerate(zip(self.weights, self.biases)):
            if np.shape(w) != (sizes[l + 1], sizes[l]):
                raise SpecError(f"weights[{l}] has shape {np.shape(w)}, expected {(sizes[l + 1], sizes[l])}")
            if np.shape(b) != (sizes[l + 1],):
                raise SpecError(f"biases[{l}] has shape {np.shape(b)}, expected {(sizes[l + 1],)}")
        x, y = np.asarray(self.inputs), np.asarray(self.targets)
        if x.ndim != 2 or x.shape[1] != sizes[0]:
            raise SpecError(f"inputs must have shape (n_trials, {sizes[0]}), got {x.shape}")
        if y.shape != (x.shape[0], sizes[-1]):
            raise SpecError(f"targets must have shape ({x.shape[0]}, {sizes[-1]}), got {y.shape}")
        if self.learn is not None and np.shape(self.learn) != (x.shape[0],):
            raise SpecError(f"learn must have one entry per trial ({x.shape[0]}), got {np.shape(self.learn)}")
        if self.learning_rate_scale is not None:
            scale = np.asarray(self.learning_rate_scale, dtype=float)
            if scale.shape != (x.shape[0],):
                raise SpecError(f"learning_rate_scale must have one entry per trial ({x.shape[0]}), "
                                f"got {scale.shape}")
            if not np.all(np.isfinite(scale) & (scale >= 0)):
                raise SpecError("learning_rate_scale must be finite and >= 0 in every trial")
        if not isinstance(self.symmetric, (bool, np.bool_)):
            raise SpecError(f"symmetric must be True or False, got {self.symmetric!r}")
        if not isinstance(self.dale, (bool, np.bool_)):
            raise SpecError(f"dale must be True or False, got {self.dale!r}")
        if not float(self.beta) > 0:
            raise SpecError(f"beta must be > 0, got {self.beta!r}")
        for field in ("free_duration", "nudged_duration", "tau"):
            as_quantity(getattr(self, field), ms, field)
            check_positive(getattr(self, field), field)

    @property
    def sizes(self) -> list:
        """Layer sizes, input first."""
        return [np.shape(self.weights[0])[1]] + [np.shape(w)[0] for w in self.weights]

    @property
    def n_trials(self) -> int:
        """Number of trials (rows of ``inputs``)."""
        return int(np.shape(self.inputs)[0])

    @property
    def trial_duration(self):
        """Length of a trial: free phase, anti-nudged phase (``symmetric`` only), nudged phase."""
        return self.free_duration + (2 if self.symmetric else 1) * self.nudged_duration
