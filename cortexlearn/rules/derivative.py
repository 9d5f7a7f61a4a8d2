"""The temporal-derivative rule: presynaptic activity times the rate of change of the postsynaptic one.

Xie & Seung (2000, NIPS 12) and Bengio, Mesnard, Fischer, Zhang & Wu (2015, "STDP as presynaptic
activity times rate of change of postsynaptic activity", arXiv:1509.05936; and "An objective function
for STDP", by the same authors, 2015) propose

.. math:: \\frac{dw}{dt} = \\eta\\, s\\, x_{pre}(t)\\, \\frac{d y_{post}}{dt}

with a presynaptic trace ``x`` (``τ_pre dx/dt = -x``, ``x += 1`` per presynaptic spike) and a
postsynaptic signal ``y``. If neural dynamics move activity down an objective, this is a stochastic
gradient step on it (Hinton's reading: error derivatives coded as temporal derivatives). Two signals:

``signal="rate"``
    ``y = r`` a filtered postsynaptic spike train (``τ_r dr/dt = -r``, ``r += 1`` per spike). The
    integral of ``x dr/dt`` is exact and event-driven: at a postsynaptic spike ``Δw = η s x``, and
    between spikes ``dw/dt = -η s x r / τ_r``, whose exact integral (the product ``q = x r`` decays
    with ``1/τ_q = 1/τ_pre + 1/τ_r``, so the integral is ``-(τ_q/τ_r)(q_last - q_now)``) is added at
    the next spike of either neuron. For one pair this
    gives ``Δw = η s τ_r/(τ_pre+τ_r) e^{-Δt/τ_pre}`` for pre-before-post (``Δt > 0``) and
    ``Δw = -η s τ_pre/(τ_pre+τ_r) e^{-|Δt|/τ_r}`` for post-before-pre: an STDP window with its sign
    change at Δt = 0 emerges from the derivative. Weights are clipped at events.
``signal="voltage"``
    ``y = V`` a membrane-potential variable of the postsynaptic group (``variable``, e.g. ``"v"``,
    or a reset-free copy ``"u"``). Every time step, after the neurons' state update
    (``after_groups``), ``w ← clip(w + η s x (V - V_last)/v_scale)``, ``V_last ← V``, then ``x``
    decays by ``exp(-dt/τ_pre)``; a presynaptic spike adds 1 to ``x`` in the ``synapses`` slot. A reset
    in step n appears in the difference of step n+1. Clock-driven (costs one update per synapse and
    step).

Simultaneous spikes (rate signal): ``on_pre`` before ``on_post``, so a pair at Δt = 0 potentiates.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from brian2 import mV, ms
from brian2.units import fundamentalunits as fu

from ..errors import SpecError
from ..units import check_positive
from .base import join_code
from .stdp import PlasticityRule, SynapseCode, quantity_field, unit_string

__all__ = ["TemporalDerivativeRule"]


@dataclasses.dataclass(frozen=True)
class TemporalDerivativeRule(PlasticityRule):
    """``dw/dt = η s x_pre dy_post/dt`` (Xie & Seung 2000; Bengio et al. 2015).

    Parameters
    ----------
    signal : {"rate", "voltage"}
        What ``y`` is: a filtered postsynaptic spike train or a membrane potential.
    learning_rate : float
        η (> 0). Its sign is fixed: the rule is a gradient step, not a free choice of window.
    tau_pre : Quantity
        Decay time of the presynaptic trace (> 0).
    tau_rate : Quantity
        Decay time of the postsynaptic filtered rate (``signal="rate"``; > 0).
    w_max : Quantity or float
        Upper weight bound (> 0).
    variable : str
        Name of the postsynaptic potential (``signal="voltage"``).
    v_scale : Quantity
        Voltage that counts as 1 (``signal="voltage"``; > 0), e.g. 1 mV.
    scale : Quantity or float, optional
        Weight of a change of 1 (default ``w_max``).
    """

    signal: str = "rate"
    learning_rate: float = 0.01
    tau_pre: Any = quantity_field(16.8 * ms)
    tau_rate: Any = quantity_field(33.7 * ms)
    w_max: Any = 1.0
    variable: str = "v"
    v_scale: Any = quantity_field(1 * mV)
    scale: Any = None

    #: the rate form (``variable="rate"``) and the voltage form have one oracle each
    oracle: ClassVar[str] = "cortexlearn.reference.stdp:derivative_rate, cortexlearn.reference.stdp:derivative_voltage"
    paper: ClassVar[str] = ("Xie & Seung 2000, NIPS 12; Bengio, Mesnard, Fischer, Zhang & Wu 2015, "
                            "arXiv:1509.05936")

    def __post_init__(self):
        if self.signal not in ("rate", "voltage"):
            raise SpecError(f"signal must be 'rate' or 'voltage', got {self.signal!r}")
        self._time_constant(self.tau_pre, "tau_pre")
        self._time_constant(self.tau_rate, "tau_rate")
        self._amplitude(self.learning_rate, "learning_rate",
                        "a negative rate would climb the objective instead of descending it")
        if not float(self.learning_rate) > 0:
            raise SpecError(f"learning_rate must be > 0, got {self.learning_rate!r}")
        self._weights()
        if not (isinstance(self.variable, str) and self.variable.isidentifier()):
            raise SpecError(f"variable must be the name of a postsynaptic variable, got {self.variable!r}")
        if fu.get_dimensions(self.v_scale) is fu.DIMENSIONLESS and not isinstance(self.v_scale, (int, float)):
            raise SpecError(f"v_scale must be a number or a quantity, got {self.v_scale!r}")
        check_positive(self.v_scale, "v_scale")

    @property
    def tau_product(self):
        """τ_q = τ_pre τ_r / (τ_pre + τ_r), the decay time of ``x r``."""
        return self.tau_pre * self.tau_rate / (self.tau_pre + self.tau_rate)

    def _code(self) -> SynapseCode:
        ns = {"eta_deriv": float(self.learning_rate), "tau_pre": self.tau_pre,
              "w_max": self.w_max, "w_scale": self.weight_scale}
        unit = self.weight_unit
        if self.signal == "rate":
            ns.update(tau_rate=self.tau_rate, tau_q=self.tau_product)
            ns.update(pending_factor=float(self.tau_product / self.tau_rate))
            model = f"""
                w : {unit}
                dx_pre_trace/dt = -x_pre_trace/tau_pre : 1 (event-driven)
                dr_post_trace/dt = -r_post_trace/tau_rate : 1 (event-driven)
                dq_product/dt = -q_product/tau_q : 1 (event-driven)
                q_at_event : 1
            """
            # integral of -x r / tau_r since the last event = -(tau_q/tau_r) (q_at_event - q_now)
            on_pre = """
                w = clip(w - eta_deriv*w_scale*pending_factor*(q_at_event - q_product), 0*w_max, w_max)
                x_pre_trace += 1
                q_product = x_pre_trace*r_post_trace
                q_at_event = q_product
            """
            on_post = """
                w = clip(w + eta_deriv*w_scale*(x_pre_trace - pending_factor*(q_at_event - q_product)), 0*w_max, w_max)
                r_post_trace += 1
                q_product = x_pre_trace*r_post_trace
                q_at_event = q_product
            """
            return SynapseCode(join_code(model), join_code(on_pre), join_code(on_post), ns)
        ns.update(v_scale=self.v_scale)
        var = self.variable
        model = f"""
            w : {unit}
            x_pre_trace : 1
            v_last : {unit_string(self.v_scale)}
        """
        regular = f"""
            w = clip(w + eta_deriv*w_scale*x_pre_trace*({var}_post - v_last)/v_scale, 0*w_max, w_max)
            v_last = {var}_post
            x_pre_trace = x_pre_trace*exp(-dt/tau_pre)
        """
        return SynapseCode(join_code(model), "x_pre_trace += 1", "", ns, run_regularly=join_code(regular),
                           run_regularly_when="after_groups")

    def reference_parameters(self) -> dict[str, Any]:
        return {"signal": self.signal, "learning_rate": float(self.learning_rate),
                "tau_pre": float(self.tau_pre), "tau_rate": float(self.tau_rate),
                "w_max": float(self.w_max), "scale": float(self.weight_scale),
                "v_scale": float(self.v_scale)}
