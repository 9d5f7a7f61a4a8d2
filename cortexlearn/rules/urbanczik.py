"""Learning by the dendritic prediction of somatic spiking (Urbanczik & Senn 2014) as Brian2 code.

A dendritic synapse of a two-compartment neuron (:func:`cortexlearn.neurons.urbanczik_senn`)
changes with the mismatch between the soma's spikes ``S(t)`` and the rate that the dendrite
predicts, ``phi(V_w*)``, where ``V_w* = (g_L E_L + g_D V_w) / (g_L + g_D)`` is the somatic
potential the dendrite alone would produce (the paper's Eq. 2). The paper's Eq. 3, with its
low-pass filter of time constant ``tau_Delta``:

.. math::

    \\frac{dw}{dt} = \\eta\\, \\Delta(t), \\qquad
    \\tau_\\Delta \\frac{d\\Delta}{dt} = -\\Delta
        + \\bigl(S(t) - \\phi(V_w^*)\\bigr)\\, h(V_w^*)\\, \\mathrm{PSP}(t),

``h = d log(phi) / dV`` (the paper's Eq. 4), ``PSP(t) = sum_k kappa(t - t_k)`` the dendritic
postsynaptic potential of the synapse's spikes ``t_k`` with the shape
``kappa(s) = exp(-s / tau_L) - exp(-s / tau_s)`` (an exponential current of time constant
``tau_s`` into the passive dendrite of time constant ``tau_L``).

Time is discrete (step ``dt``) as in NEST's ``urbanczik_synapse``: each step the synapse adds
``PI = (n - phi(V_w*) dt) h(V_w*) PSP`` (``n``: the soma's spikes this step) to an exponentially
filtered sum ``E``, and the weight drifts by ``eta E (1 - exp(-dt / tau_Delta))``, which is the
integral of the rule above between two steps (``E / tau_Delta`` is ``Delta``). The drift is
applied to ``w`` at the synapse's next presynaptic spike, before the spike is transmitted (NEST's
synapse, too, learns at presynaptic spikes), and the weight is clipped to ``[w_min, w_max]``
without losing the drift beyond the bound (``w_excess``): ``w`` is the clipped value of the
unclipped trajectory, as in NEST. Dale's law: ``w_min >= 0``.

Alignment in time: at the end of a step the dendrite holds ``V_w(t + dt)``, so the PSP it is
paired with is evaluated at ``t + dt`` (the traces times one step of decay).
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from brian2 import amp, mV, ms, second
from brian2.units import fundamentalunits as fu

from ..errors import SpecError
from ..units import as_quantity, check_positive
from .base import join_code
from .stdp import PlasticityRule, SynapseCode, quantity_field, unit_string

__all__ = ["DendriticPrediction", "nest_learning_rate"]

#: constants of the neuron's dendritic prediction (Eq. 2) and rate function (Eq. 1)
_NEURON_CONSTANTS = ("g_L", "E_L", "g_D", "phi_max", "rate_slope", "beta", "theta")


def nest_learning_rate(eta: float, tau_L, tau_s, weight_unit=1e-12 * amp):
    """The rule's ``eta`` (weight x volt) that reproduces NEST's ``urbanczik_synapse`` with
    learning rate ``eta`` (NEST units: weights in pA, potentials in mV, times in ms).

    NEST scales the filtered sum by ``15 C_m tau_s eta / (g_L (tau_L - tau_s))`` with
    ``C_m / g_L = tau_L`` of the dendrite, and its ``h`` carries another factor 15
    (``pp_cond_exp_mc_urbanczik``), so ``eta_rule = 225 eta tau_L tau_s / (tau_L - tau_s)``
    in pA mV per ms of ``tau``.

    Parameters
    ----------
    eta : float
        NEST's learning rate.
    tau_L, tau_s : Quantity
        The dendrite's membrane and synaptic time constants (``tau_L > tau_s``).
    weight_unit : Quantity
        Unit of a weight (pA in NEST).

    Returns
    -------
    Quantity
        The rule's ``eta`` in weight x volt.

    Raises
    ------
    SpecError
        Unless ``tau_L > tau_s > 0``.
    """
    tl, ts = float(tau_L / ms), float(tau_s / ms)
    if not tl > ts > 0:
        raise SpecError(f"tau_L must exceed tau_s > 0, got {tau_L!r} and {tau_s!r}")
    return 225.0 * float(eta) * tl * ts / (tl - ts) * weight_unit * mV


@dataclasses.dataclass(frozen=True)
class DendriticPrediction(PlasticityRule):
    """Urbanczik & Senn (2014, Neuron 81:521) dendritic prediction rule, Eqs. 2-4.

    ``dw/dt = eta Delta``, ``tau_Delta dDelta/dt = -Delta + (S - phi(V_w*)) h(V_w*) PSP``; see the
    module docstring for the discrete form and its alignment with NEST's ``urbanczik_synapse``.
    The postsynaptic neuron must provide ``v_star``, ``rate_star`` and ``h_star``
    (:func:`cortexlearn.neurons.urbanczik_senn` does).

    Parameters
    ----------
    eta : Quantity
        Learning rate in weight x volt (e.g. pA mV); :func:`nest_learning_rate` converts NEST's.
    tau_delta : Quantity
        Time constant of the low-pass filter of the weight change (paper and NEST: 100 ms).
    tau_L, tau_s : Quantity
        Membrane time constant of the dendrite (``C_d / g_L_d``, 10 ms) and decay time of its
        synaptic current (3 ms): the PSP shape. They must match the neuron's.
    w_max : Quantity
        Upper bound of the weight (its units are the weight's; NEST's example 1350 pA).
    w_min : Quantity or float
        Lower bound (>= 0, Dale's law; default 0).
    neuron_parameters : tuple of (str, Quantity)
        The postsynaptic neuron's constants that its ``v_star``, ``rate_star`` and ``h_star``
        use (Brian2 resolves them in the synapse's namespace). Use :meth:`for_neuron`; empty
        means the defaults of :func:`cortexlearn.neurons.urbanczik_senn`.

    Raises
    ------
    SpecError
        Non-positive time constants, ``tau_L <= tau_s``, ``w_min`` negative or above ``w_max``.
    UnitError
        Parameters in the wrong units.
    """

    eta: Any = quantity_field(160.0 * 1e-12 * amp * mV)
    tau_delta: Any = quantity_field(100e-3 * second)
    tau_L: Any = quantity_field(10e-3 * second)
    tau_s: Any = quantity_field(3e-3 * second)
    w_max: Any = quantity_field(1350e-12 * amp)
    w_min: Any = 0.0
    neuron_parameters: tuple = ()

    allowed_pre: ClassVar[tuple[str, ...]] = ("E",)
    allowed_post: ClassVar[tuple[str, ...]] = ("E", "I")
    paper: ClassVar[str] = "Urbanczik & Senn 2014, Neuron 81:521 (Eqs. 2-4)"
    oracle: ClassVar[str] = "cortexlearn.reference.urbanczik:simulate"

    def __post_init__(self):
        for name in ("tau_delta", "tau_L", "tau_s"):
            self._time_constant(getattr(self, name), name)
        if not float(self.tau_L) > float(self.tau_s):
            raise SpecError(f"tau_L ({self.tau_L}) must exceed tau_s ({self.tau_s})")
        if not isinstance(self.w_max, fu.Quantity) and not isinstance(self.w_max, (int, float)):
            raise SpecError(f"w_max must be a quantity, got {self.w_max!r}")
        check_positive(self.w_max, "w_max")
        w_min = self.w_min if isinstance(self.w_min, fu.Quantity) else self.w_min * fu.get_unit(
            fu.get_dimensions(self.w_max))
        as_quantity(w_min, self.w_max, "w_min (units of w_max)")
        if float(w_min) < 0 or float(w_min) > float(self.w_max):
            raise SpecError(f"w_min must lie in [0, w_max] (Dale's law: weights are magnitudes), "
                            f"got {self.w_min!r}")
        object.__setattr__(self, "w_min", w_min)
        as_quantity(self.eta, self.w_max * mV, "eta (weight x volt)")
        if not float(self.eta) >= 0:
            raise SpecError(f"eta must be >= 0, got {self.eta!r}")

    @classmethod
    def for_neuron(cls, neuron, **parameters) -> "DendriticPrediction":
        """The rule for synapses onto ``neuron`` (a :class:`~cortexlearn.neurons.NeuronModel`
        with ``v_star``, ``rate_star``, ``h_star``); ``tau_L`` and ``tau_s`` default to its
        dendrite's ``C_d / g_L_d`` and ``tau_d_e``.

        Parameters
        ----------
        neuron : NeuronModel
            A neuron with the constants of the dendritic prediction (Urbanczik & Senn 2014,
            Eqs. 1-2), e.g. :func:`cortexlearn.neurons.urbanczik_senn`.
        **parameters
            Fields of the rule (``eta``, ``w_max``, ...).

        Returns
        -------
        DendriticPrediction

        Raises
        ------
        SpecError
            If the neuron lacks a constant the rule reads.
        """
        p = neuron.parameters
        missing = [k for k in _NEURON_CONSTANTS if k not in p]
        if missing:
            raise SpecError(f"{neuron.name} lacks {', '.join(missing)}: the rule needs a neuron with "
                            "a dendritic prediction (cortexlearn.neurons.urbanczik_senn)")
        if "C_d" in p and "g_L_d" in p:
            parameters.setdefault("tau_L", p["C_d"] / p["g_L_d"])
        if "tau_d_e" in p:
            parameters.setdefault("tau_s", p["tau_d_e"])
        return cls(neuron_parameters=tuple((k, p[k]) for k in _NEURON_CONSTANTS), **parameters)

    @property
    def weight_unit(self) -> str:
        return unit_string(self.w_max)

    def _code(self) -> SynapseCode:
        u = self.weight_unit
        model = f"""
            w : {u}
            w_pending : {u}
            w_excess : {u}
            psp_L : 1
            psp_s : 1
            trace_E : 1/volt
            post_count : 1
        """
        # learning first (the weight this spike carries), then the PSP traces of the new spike
        on_pre = """
            w_free = w + w_excess + w_pending
            w = clip(w_free, w_min, w_max)
            w_excess = w_free - w
            w_pending = 0*w_max
        """
        regular = """
            w_pending += eta*trace_E*(1 - exp(-dt/tau_delta))
            trace_E = trace_E*exp(-dt/tau_delta) + (post_count - rate_star_post*dt)*h_star_post*(psp_L*exp(-dt/tau_L) - psp_s*exp(-dt/tau_s))
            post_count = 0
            psp_L = psp_L*exp(-dt/tau_L)
            psp_s = psp_s*exp(-dt/tau_s)
        """
        constants = dict(self.neuron_parameters)
        if not constants:
            from ..neurons import urbanczik_senn

            constants = {k: urbanczik_senn().parameters[k] for k in _NEURON_CONSTANTS}
        ns = {**constants, "eta": self.eta, "tau_delta": self.tau_delta, "tau_L": self.tau_L, "tau_s": self.tau_s,
              "w_max": self.w_max, "w_min": self.w_min}
        return SynapseCode(join_code(model), join_code(on_pre), "post_count += 1", ns, run_regularly=join_code(regular),
                           run_regularly_when="end")

    def synapse_code(self, transmission: str = "") -> SynapseCode:
        """Brian2 code: the weight update, then ``transmission`` (e.g. ``"I_d_e_post += w"``),
        then the presynaptic PSP traces jump.

        Parameters
        ----------
        transmission : str
            Statement that transmits the spike to the postsynaptic neuron.

        Returns
        -------
        SynapseCode
            Model, ``on_pre``, ``on_post``, namespace and the periodic update of Eqs. 3-4.
        """
        code = self._code()
        return dataclasses.replace(code, on_pre=join_code(code.on_pre, transmission, "psp_L += 1\npsp_s += 1"))

    def reference_parameters(self) -> dict[str, Any]:
        """Plain floats (SI) for :func:`cortexlearn.reference.urbanczik.simulate`."""
        return {"eta": float(self.eta), "tau_delta": float(self.tau_delta), "tau_L": float(self.tau_L),
                "tau_s": float(self.tau_s), "w_max": float(self.w_max), "w_min": float(self.w_min)}
