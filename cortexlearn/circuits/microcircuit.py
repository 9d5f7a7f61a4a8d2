"""The specification of a dendritic cortical microcircuit with one hidden layer (Sacramento, Costa,
Bengio & Senn 2018, NeurIPS 31) and its schedule of presentations.

Input rates drive the basal dendrites of hidden pyramidal neurons; their rates drive the basal
dendrites of the output pyramidal neurons and the dendrites of the hidden layer's interneurons
(one per output neuron, each nudged by its output neuron's soma); the apical dendrites of the
hidden neurons receive the output rates through fixed top-down weights and the interneurons'
rates. Each presentation holds one input (and target) for ``sample_duration``; the schedule says,
per presentation, whether the teacher nudges the output, whether the forward (basal) weights learn
and whether the interneuron and apical weights learn. :func:`cortexlearn.build.build` turns the
specification into one Brian2 network (:mod:`cortexlearn.build.microcircuit`); the NumPy oracle of
the same dynamics is :func:`cortexlearn.reference.microcircuit.simulate`.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from brian2 import ms

from ..errors import SpecError
from ..reference.microcircuit import WEIGHT_NAMES
from ..rules.microcircuit import DendriticMicrocircuit
from ..units import as_quantity, check_positive

__all__ = ["MicrocircuitSpec", "CONDUCTANCES"]

#: default conductances relative to the leak's unit (Sacramento et al. 2018, Supplementary:
#: g_lk = 0.1, g_B = 1, g_A = 0.8, g_som = 0.8; the interneuron's dendrite g_D as the basal g_B)
CONDUCTANCES = {"g_lk": 0.1, "g_B": 1.0, "g_A": 0.8, "g_D": 1.0, "g_som": 0.8}


@dataclasses.dataclass(frozen=True, eq=False)
class MicrocircuitSpec:
    """A one-hidden-layer dendritic microcircuit, its initial weights and its presentations.

    Parameters
    ----------
    rule : DendriticMicrocircuit
        The plasticity (learning rates of the four plastic projections).
    weights : dict
        Initial ``W_in`` (n_h, n_in), ``W_out`` (n_out, n_h), ``B`` (n_h, n_out, top-down, fixed),
        ``W_PI`` (n_out, n_h, pyramidal to interneuron), ``W_IA`` (n_h, n_out, interneuron to
        apical); signed.
    inputs : array (n_samples, n_in)
        Input rates of each presentation.
    targets : array (n_samples, n_out)
        Target somatic potentials of the output neurons.
    teach, learn_forward, learn_inter : array (n_samples,) of values in [0, 1]
        Per presentation: the teacher nudges the output; the basal weights learn; the interneuron
        and apical weights learn (each a factor of the teacher's conductance or of the learning
        rates: 1 fully on, 0 off).
    sample_duration : Quantity
        Length of a presentation (a whole number of time steps).
    settle_duration : Quantity
        No weight changes during the first ``settle_duration`` of each presentation (the
        potentials settle to the new input first).
    tau : Quantity
        Membrane time constant (capacitance over the unit conductance).
    conductances : dict
        ``g_lk``, ``g_B``, ``g_A``, ``g_D``, ``g_som`` (dimensionless, relative); defaults
        :data:`CONDUCTANCES`.
    name : str
        Prefix of the Brian2 objects' names.
    """

    rule: DendriticMicrocircuit
    weights: dict
    inputs: object
    targets: object
    teach: object
    learn_forward: object
    learn_inter: object
    sample_duration: object = dataclasses.field(default_factory=lambda: 25 * ms)
    settle_duration: object = dataclasses.field(default_factory=lambda: 10 * ms)
    tau: object = dataclasses.field(default_factory=lambda: 3 * ms)
    conductances: dict = dataclasses.field(default_factory=lambda: dict(CONDUCTANCES))
    name: str = "microcircuit"

    def __post_init__(self):
        if not isinstance(self.rule, DendriticMicrocircuit):
            raise SpecError(f"rule must be a DendriticMicrocircuit, got {type(self.rule).__name__}")
        missing = [k for k in WEIGHT_NAMES if k not in self.weights]
        if missing:
            raise SpecError(f"weights lacks {', '.join(missing)}")
        n_in, n_h, n_out = self.sizes
        shapes = {"W_in": (n_h, n_in), "W_out": (n_out, n_h), "B": (n_h, n_out), "W_PI": (n_out, n_h),
                  "W_IA": (n_h, n_out)}
        for key, shape in shapes.items():
            if np.shape(self.weights[key]) != shape:
                raise SpecError(f"weights[{key!r}] has shape {np.shape(self.weights[key])}, expected {shape}")
            if not np.all(np.isfinite(self.weights[key])):
                raise SpecError(f"weights[{key!r}] is not finite")
        x, y = np.asarray(self.inputs, float), np.asarray(self.targets, float)
        if x.ndim != 2 or x.shape[1] != n_in:
            raise SpecError(f"inputs must have shape (n_samples, {n_in}), got {x.shape}")
        if y.shape != (x.shape[0], n_out):
            raise SpecError(f"targets must have shape ({x.shape[0]}, {n_out}), got {y.shape}")
        for field in ("teach", "learn_forward", "learn_inter"):
            flags = np.asarray(getattr(self, field), float)
            if flags.shape != (x.shape[0],) or not np.all((flags >= 0) & (flags <= 1)):
                raise SpecError(f"{field} must hold one value in [0, 1] per presentation ({x.shape[0]})")
        for field in ("sample_duration", "tau"):
            as_quantity(getattr(self, field), ms, field)
            check_positive(getattr(self, field), field)
        as_quantity(self.settle_duration, ms, "settle_duration")
        if not 0 <= float(self.settle_duration) < float(self.sample_duration):
            raise SpecError("settle_duration must lie in [0, sample_duration)")
        for key in CONDUCTANCES:
            if not float(self.conductances.get(key, -1)) >= 0:
                raise SpecError(f"conductances[{key!r}] must be given and >= 0")

    @property
    def sizes(self) -> tuple:
        """``(n_in, n_hidden, n_out)``."""
        n_h, n_in = np.shape(self.weights["W_in"])
        return n_in, n_h, np.shape(self.weights["W_out"])[0]

    @property
    def n_samples(self) -> int:
        """Number of presentations."""
        return int(np.shape(self.inputs)[0])

    def reference_parameters(self) -> dict:
        """Floats (SI) for :func:`cortexlearn.reference.microcircuit.simulate`."""
        return {"tau": float(self.tau), **{k: float(self.conductances[k]) for k in CONDUCTANCES},
                **self.rule.rates()}
