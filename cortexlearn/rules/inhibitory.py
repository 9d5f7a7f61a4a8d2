"""Inhibitory spike-timing-dependent plasticity (Vogels et al. 2011, Science 334:1569).

On I→E synapses, symmetric in spike timing with a constant depression per presynaptic spike:

.. math::

    \\tau \\frac{dx}{dt} = -x \\text{ (pre)}, \\quad \\tau \\frac{dy}{dt} = -y \\text{ (post)},
    \\qquad \\text{pre spike: } \\Delta w = \\eta\\,(y - \\alpha)\\, s, \\quad
    \\text{post spike: } \\Delta w = \\eta\\, x\\, s,

with ``α = 2 ρ0 τ`` so that the postsynaptic rate settles at the target ``ρ0`` (the paper's
τ_STDP = 20 ms, ρ0 = 3-5 Hz, η = 1e-4 of the weight scale in the original network; the scaled
reproduction uses a larger η). Traces jump by 1 at each spike; ``w`` is clipped to ``[0, w_max]``
and enters the postsynaptic neuron as inhibition (e.g. ``g_i_post += w``).

Simultaneous spikes: ``on_pre`` before ``on_post`` (Brian2's order), as in the other rules.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from brian2 import Hz, ms

from ..errors import SpecError
from ..units import as_quantity, check_positive
from .base import join_code
from .stdp import PlasticityRule, SynapseCode, quantity_field

__all__ = ["InhibitorySTDP"]


@dataclasses.dataclass(frozen=True)
class InhibitorySTDP(PlasticityRule):
    """The symmetric inhibitory rule of Vogels et al. (2011), only on I→E projections.

    Parameters
    ----------
    tau : Quantity
        Decay time of both traces (τ_STDP, 20 ms in the paper).
    target_rate : Quantity
        ρ0 in Hz (> 0); the depression per presynaptic spike is ``α = 2 ρ0 τ``.
    learning_rate : float
        η (> 0), as a fraction of ``scale``.
    w_max : Quantity or float
        Upper weight bound (> 0).
    scale : Quantity or float, optional
        Weight of a change of 1 (default ``w_max``).

    Raises
    ------
    SpecError
        Non-positive τ, ρ0, η or ``w_max``; attached to anything but I→E (see
        :meth:`check_projection`).
    """

    tau: Any = quantity_field(20 * ms)
    target_rate: Any = quantity_field(3 * Hz)
    learning_rate: float = 1e-2
    w_max: Any = 1.0
    scale: Any = None

    allowed_pre: ClassVar[tuple[str, ...]] = ("I",)
    allowed_post: ClassVar[tuple[str, ...]] = ("E",)
    oracle: ClassVar[str] = "cortexlearn.reference.stdp:inhibitory_stdp"
    paper: ClassVar[str] = "Vogels, Sprekeler, Zenke, Clopath & Gerstner 2011, Science 334:1569"

    def __post_init__(self):
        self._time_constant(self.tau, "tau")
        as_quantity(self.target_rate, Hz, "target_rate")
        check_positive(self.target_rate, "target_rate")
        self._amplitude(self.learning_rate, "learning_rate",
                        "the rule's sign structure is fixed (potentiation by coincidences, "
                        "depression alpha per presynaptic spike)")
        if not float(self.learning_rate) > 0:
            raise SpecError(f"learning_rate must be > 0, got {self.learning_rate!r}")
        self._weights()

    @property
    def alpha(self) -> float:
        """The depression per presynaptic spike, ``2 ρ0 τ`` (dimensionless)."""
        return float(2 * self.target_rate * self.tau)

    def _projection_reason(self) -> str:
        return ("The rule balances excitation with inhibition: it strengthens inhibitory synapses "
                "onto excitatory neurons that fire above the target rate, so it only makes sense "
                "on I→E synapses. Use PairSTDP or TripletSTDP for excitatory projections.")

    def _code(self) -> SynapseCode:
        model = f"""
            w : {self.weight_unit}
            dx_pre_trace/dt = -x_pre_trace/tau_istdp : 1 (event-driven)
            dy_post_trace/dt = -y_post_trace/tau_istdp : 1 (event-driven)
        """
        on_pre = """
            x_pre_trace += 1
            w = clip(w + eta_istdp*(y_post_trace - alpha_istdp)*w_scale, 0*w_max, w_max)
        """
        on_post = """
            y_post_trace += 1
            w = clip(w + eta_istdp*x_pre_trace*w_scale, 0*w_max, w_max)
        """
        ns = {"tau_istdp": self.tau, "eta_istdp": float(self.learning_rate),
              "alpha_istdp": self.alpha, "w_max": self.w_max, "w_scale": self.weight_scale}
        return SynapseCode(join_code(model), join_code(on_pre), join_code(on_post), ns)

    def reference_parameters(self) -> dict[str, Any]:
        return {"tau": float(self.tau), "alpha": self.alpha, "learning_rate": float(self.learning_rate),
                "w_max": float(self.w_max), "scale": float(self.weight_scale)}

