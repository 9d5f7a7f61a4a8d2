"""The specification of a balanced spiking network with fast and slow connections that learns a
linear dynamical system (Bourdoukan & Denève 2015, NIPS 28): :class:`BalancedConfig` (sizes,
leaks, costs, noise, the two rules) and, from :mod:`~cortexlearn.circuits.balanced_system`, the
system, its encoders, optimal weights and the session schedule. The network's equations are
described in :mod:`cortexlearn.build.balanced`, which builds it.
"""
from __future__ import annotations

import dataclasses

import numpy as np
from brian2 import Hz, ms, second

from ..errors import SpecError
from ..rules.balanced import FastBalanceRule, SlowErrorRule
from ..units import as_quantity, check_positive
from .balanced_system import (LinearSystem, Schedule, make_schedule, optimal_fast_weights,
                              optimal_slow_weights, random_encoders, window_length)

__all__ = ["LinearSystem", "BalancedConfig", "Schedule", "make_schedule", "optimal_fast_weights",
           "optimal_slow_weights", "random_encoders", "window_length"]



@dataclasses.dataclass(frozen=True)
class BalancedConfig:
    """Parameters of the fast/slow network (defaults from a pilot study).

    Parameters
    ----------
    n_neurons : int
    encoder_norm : float
        ``|F_i|`` (0.1).
    leak : Quantity
        ``λ = λ_V`` of rates and voltages (10 Hz).
    cost : float or None
        Quadratic firing cost ``μ``; None means ``|F|²`` (raises threshold and reset).
    noise : float
        Stationary standard deviation of the voltage noise, as a fraction of the threshold.
    feedback_gain : Quantity
        ``K`` of the fed-back error current (Hz).
    fast : str
        ``"optimal"`` (fixed at ``-FFᵀ``), ``"learned"`` (start from ``fast_init`` and learn with
        ``fast_rule``) or ``"none"``.
    fast_init : float
        Scale of the initial fast weights for ``"learned"`` as a fraction of the optimum
        (0 = no fast connections at the start).
    tau_balance : Quantity
        Filter of the fast inputs when excitation and inhibition are measured.
    """

    n_neurons: int = 50
    encoder_norm: float = 0.1
    leak: object = dataclasses.field(default_factory=lambda: 10 * Hz)
    cost: float | None = None
    noise: float = 0.3
    feedback_gain: object = dataclasses.field(default_factory=lambda: 100 * Hz)
    fast: str = "optimal"
    fast_init: float = 0.0
    slow_rule: SlowErrorRule = dataclasses.field(default_factory=SlowErrorRule)
    fast_rule: FastBalanceRule = dataclasses.field(default_factory=FastBalanceRule)
    tau_balance: object = dataclasses.field(default_factory=lambda: 5 * ms)
    accumulate_every: object = dataclasses.field(default_factory=lambda: 1 * ms)

    def __post_init__(self):
        if not isinstance(self.n_neurons, (int, np.integer)) or self.n_neurons < 2:
            raise SpecError(f"n_neurons must be an integer >= 2, got {self.n_neurons!r}")
        check_positive(self.encoder_norm, "encoder_norm")
        as_quantity(self.leak, Hz, "leak")
        check_positive(float(self.leak), "leak")
        if self.cost is not None:
            check_positive(self.cost, "cost", allow_zero=True)
        check_positive(self.noise, "noise", allow_zero=True)
        as_quantity(self.feedback_gain, Hz, "feedback_gain")
        check_positive(float(self.feedback_gain), "feedback_gain", allow_zero=True)
        if self.fast not in ("optimal", "learned", "none"):
            raise SpecError(f"fast must be 'optimal', 'learned' or 'none', got {self.fast!r}")
        as_quantity(self.tau_balance, second, "tau_balance")
        check_positive(float(self.tau_balance), "tau_balance")

    @property
    def mu(self) -> float:
        """The cost ``μ`` of a spike: ``cost``, or ``|F_i|²`` when None (Bourdoukan & Denève 2015)."""
        return self.encoder_norm ** 2 if self.cost is None else float(self.cost)

    @property
    def threshold(self) -> float:
        """The threshold ``T = (|F_i|² + μ)/2`` of every neuron (module equation)."""
        return (self.encoder_norm ** 2 + self.mu) / 2
