"""Neuron models as Brian2 equation templates with units and cited defaults.

A :class:`NeuronModel` holds the equations, threshold, reset and refractoriness of a neuron, the
default parameters (each with units and the paper it comes from), and, per presynaptic kind
(``"E"`` or ``"I"``), the ``on_pre`` statement a synapse uses. Dale's law lives here: an
excitatory synapse adds its (non-negative) weight to an excitatory channel, an inhibitory synapse
to an inhibitory one. Both channels come from one template with renamed variables (Brian2's
``Equations(template, g="g_e", tau="tau_e")``), so they cannot drift apart.

Available models: :func:`lif_delta` (Brunel 2000), :func:`lif_current`, :func:`lif_conductance`
(Vogels & Abbott 2005), :func:`adex` (Brette & Gerstner 2005), :func:`two_compartment`
(soma + apical dendrite; Urbanczik & Senn 2014, Sacramento et al. 2018), :func:`urbanczik_senn`
(the two-compartment point-process neuron of Urbanczik & Senn 2014, as NEST's
``pp_cond_exp_mc_urbanczik``) and :func:`rate_unit`.
"""

from __future__ import annotations

import dataclasses
from types import MappingProxyType
from typing import Mapping

from brian2 import Equations, Hz, amp, farad, mV, ms, nA, nS, ohm, pF, second, siemens, volt

from .errors import SpecError
from .units import as_quantity, check_positive

__all__ = ["NeuronModel", "lif_delta", "lif_current", "lif_conductance", "adex", "two_compartment",
           "urbanczik_senn", "rate_unit", "exponential_channel"]

_CHANNEL = "dg/dt = -g / tau : unit"


def exponential_channel(variable: str, tau: str, unit: str) -> Equations:
    """One exponentially decaying synaptic channel from the shared template.

    ``exponential_channel("g_e", "tau_e", "siemens")`` renders ``dg_e/dt = -g_e/tau_e : siemens``.

    Parameters
    ----------
    variable : str
        Name of the channel's variable (``g_e``).
    tau : str
        Name of its time constant (``tau_e``).
    unit : str
        Brian2 unit of the variable.

    Returns
    -------
    brian2.Equations
    """
    return Equations(_CHANNEL.replace("unit", unit), g=variable, tau=tau)


@dataclasses.dataclass(frozen=True)
class NeuronModel:
    """A neuron model: equations, spiking rules, parameter defaults and synaptic channels.

    Attributes
    ----------
    name : str
        Short name (``"lif_conductance"``).
    equations : brian2.Equations or str
        Brian2 equations; parameters appear as external constants (given through a namespace).
    threshold, reset : str
        Brian2 threshold condition and reset statements (empty for a rate unit).
    refractory : str
        Brian2 refractoriness (e.g. ``"tau_ref"``) or ``""``.
    parameters : Mapping[str, Quantity]
        Default values with units; their keys are the names used in ``equations``.
    on_pre : Mapping[str, str]
        Statement executed by an ``E`` or ``I`` synapse on a presynaptic spike; ``w`` is the
        non-negative weight magnitude.
    weight_unit : Unit
        Dimensions of ``w``.
    initial : Mapping[str, str]
        Initial values of state variables, as Brian2 expressions.
    reference : str
        Papers the model and defaults come from.
    """

    name: str
    equations: object
    threshold: str
    reset: str
    refractory: str
    parameters: Mapping
    on_pre: Mapping
    weight_unit: object
    initial: Mapping
    reference: str
    method: str = "exact"

    def __post_init__(self):
        object.__setattr__(self, "parameters", MappingProxyType(dict(self.parameters)))
        object.__setattr__(self, "on_pre", MappingProxyType(dict(self.on_pre)))
        object.__setattr__(self, "initial", MappingProxyType(dict(self.initial)))

    def __hash__(self):
        return hash((self.name, str(self.equations), tuple(sorted((k, repr(v)) for k, v in self.parameters.items()))))

    def with_parameters(self, **overrides) -> "NeuronModel":
        """A copy with some parameters changed; names and units are checked.

        Parameters
        ----------
        **overrides : Quantity
            New parameter values.

        Returns
        -------
        NeuronModel

        Raises
        ------
        SpecError, UnitError
            For an unknown parameter or wrong units.
        """
        params = dict(self.parameters)
        for key, value in overrides.items():
            if key not in params:
                raise SpecError(f"{self.name} has no parameter {key!r}; it has {', '.join(sorted(params))}")
            as_quantity(value, params[key], f"{self.name}.{key}")
            params[key] = value
        return dataclasses.replace(self, parameters=params)

    def namespace(self) -> dict:
        """The parameters as an explicit Brian2 namespace."""
        return dict(self.parameters)

    @property
    def is_spiking(self) -> bool:
        """True for a spiking model (it has a threshold)."""
        return bool(self.threshold)

    def synapse_on_pre(self, kind: str) -> str:
        """The ``on_pre`` statement of the synaptic channel of presynaptic ``kind``.

        Parameters
        ----------
        kind : {"E", "I"}
            Sign of the presynaptic population.

        Returns
        -------
        str

        Raises
        ------
        SpecError
            When the model has no channel for ``kind``.
        """
        if kind not in self.on_pre:
            raise SpecError(f"{self.name} has no synaptic channel for presynaptic kind {kind!r}")
        return self.on_pre[kind]

    def describe(self) -> str:
        """Markdown rendering of the equations and parameters (for methods tables)."""
        params = ", ".join(f"{k} = {v}" for k, v in self.parameters.items())
        eqs = "\n".join(f"    {line.strip()}" for line in str(self.equations).strip().splitlines())
        return (f"**{self.name}** ({self.reference})\n\n{eqs}\n\nthreshold `{self.threshold}`, "
                f"reset `{self.reset}`, refractory `{self.refractory or 'none'}`; {params}\n")


def _validated(defaults: dict, overrides: dict, positive: tuple[str, ...], model: str) -> dict:
    params = dict(defaults)
    for key, value in overrides.items():
        if key not in params:
            raise SpecError(f"{model} has no parameter {key!r}; it has {', '.join(sorted(params))}")
        as_quantity(value, params[key], f"{model}.{key}")
        params[key] = value
    for key in positive:
        check_positive(params[key], f"{model}.{key}", allow_zero=key == "tau_ref")
    if "v_threshold" in params and "v_reset" in params and not params["v_threshold"] > params["v_reset"]:
        raise SpecError(f"{model}: v_threshold must exceed v_reset")
    return params


def lif_delta(**overrides) -> NeuronModel:
    """Leaky integrate-and-fire with delta-current synapses (Brunel 2000, J Comput Neurosci 8:183).

    ``tau_m dv/dt = -v`` (v relative to rest); a synapse adds ``+w`` (E) or ``-w`` (I) to ``v``.
    Defaults: tau_m = 20 ms, threshold 20 mV, reset 10 mV, refractory 2 ms (Brunel 2000, Sec. 2).

    Parameters
    ----------
    **overrides : Quantity
        Parameter values replacing the defaults (e.g. ``tau_m=10*ms``), checked for units.

    Returns
    -------
    NeuronModel

    Raises
    ------
    SpecError, UnitError
        For an unknown parameter, wrong units, a non-positive time constant or a threshold
        below the reset.
    """
    defaults = {"tau_m": 20 * ms, "v_threshold": 20 * mV, "v_reset": 10 * mV, "tau_ref": 2 * ms}
    p = _validated(defaults, overrides, ("tau_m", "tau_ref"), "lif_delta")
    return NeuronModel(
        name="lif_delta",
        equations="dv/dt = -v / tau_m : volt (unless refractory)",
        threshold="v > v_threshold", reset="v = v_reset", refractory="tau_ref",
        parameters=p, on_pre={"E": "v_post += w", "I": "v_post -= w"}, weight_unit=volt,
        initial={"v": "0*mV"}, reference="Brunel 2000")


def lif_current(**overrides) -> NeuronModel:
    """LIF with exponentially decaying synaptic currents, one template for both channels.

    ``tau_m dv/dt = (E_L - v) + R_m (I_ext + I_e - I_i)``, ``dI_x/dt = -I_x / tau_x``.
    Defaults (tau_m 20 ms, R_m 100 MOhm, E_L -70 mV, threshold -50 mV, reset -60 mV, tau_e 5 ms,
    tau_i 10 ms, refractory 2 ms) follow Gerstner et al. 2014, Neuronal Dynamics, ch. 1.

    Parameters
    ----------
    **overrides : Quantity
        Parameter values replacing the defaults, checked for units.

    Returns
    -------
    NeuronModel
    """
    defaults = {"tau_m": 20 * ms, "R_m": 100e6 * ohm, "E_L": -70 * mV, "v_threshold": -50 * mV,
                "v_reset": -60 * mV, "tau_ref": 2 * ms, "tau_e": 5 * ms, "tau_i": 10 * ms}
    p = _validated(defaults, overrides, ("tau_m", "R_m", "tau_ref", "tau_e", "tau_i"), "lif_current")
    eqs = Equations("dv/dt = (E_L - v + R_m * (I_ext + I_e - I_i)) / tau_m : volt (unless refractory)\n"
                    "I_ext : amp")
    eqs += exponential_channel("I_e", "tau_e", "amp") + exponential_channel("I_i", "tau_i", "amp")
    return NeuronModel(
        name="lif_current", equations=eqs, threshold="v > v_threshold", reset="v = v_reset",
        refractory="tau_ref", parameters=p, on_pre={"E": "I_e_post += w", "I": "I_i_post += w"},
        weight_unit=amp, initial={"v": "E_L"}, reference="Gerstner et al. 2014")


def lif_conductance(external_current: bool = True, **overrides) -> NeuronModel:
    """Conductance-based LIF (COBA; Vogels & Abbott 2005, J Neurosci 25:10786).

    ``C_m dv/dt = g_L (E_L - v) + g_e (E_e - v) + g_i (E_i - v) + I_ext``,
    ``dg_x/dt = -g_x / tau_x``. Defaults: C_m 200 pF, g_L 10 nS (tau_m 20 ms), E_L -60 mV,
    threshold -50 mV, reset -60 mV, refractory 5 ms, E_e 0 mV, E_i -80 mV, tau_e 5 ms,
    tau_i 10 ms (Vogels & Abbott 2005, Methods).

    Parameters
    ----------
    external_current : bool, optional
        False leaves out ``I_ext`` (a per-neuron variable read every step), for networks without
        external input such as the self-sustained COBA benchmark: the equations are then exactly
        Brette et al.'s (2007).
    **overrides : Quantity
        Parameter values replacing the defaults, checked for units.

    Returns
    -------
    NeuronModel
    """
    defaults = {"C_m": 200 * pF, "g_L": 10 * nS, "E_L": -60 * mV, "v_threshold": -50 * mV,
                "v_reset": -60 * mV, "tau_ref": 5 * ms, "E_e": 0 * mV, "E_i": -80 * mV,
                "tau_e": 5 * ms, "tau_i": 10 * ms}
    p = _validated(defaults, overrides, ("C_m", "g_L", "tau_ref", "tau_e", "tau_i"), "lif_conductance")
    drive = " + I_ext" if external_current else ""
    eqs = Equations(f"dv/dt = (g_L * (E_L - v) + g_e * (E_e - v) + g_i * (E_i - v){drive}) / C_m "
                    ": volt (unless refractory)" + ("\nI_ext : amp" if external_current else ""))
    eqs += exponential_channel("g_e", "tau_e", "siemens") + exponential_channel("g_i", "tau_i", "siemens")
    return NeuronModel(
        name="lif_conductance", equations=eqs, threshold="v > v_threshold", reset="v = v_reset",
        refractory="tau_ref", parameters=p, on_pre={"E": "g_e_post += w", "I": "g_i_post += w"},
        weight_unit=siemens, initial={"v": "E_L"}, reference="Vogels & Abbott 2005",
        method="exponential_euler")


def adex(**overrides) -> NeuronModel:
    """Adaptive exponential integrate-and-fire (Brette & Gerstner 2005, J Neurophysiol 94:3637).

    ``C dv/dt = -g_L (v - E_L) + g_L Δ_T exp((v - V_T)/Δ_T) - w_ad + I``,
    ``tau_w dw_ad/dt = a (v - E_L) - w_ad``; at a spike ``v = v_reset``, ``w_ad += b``.
    Conductance synapses as in :func:`lif_conductance`. Defaults: the paper's Table 1 (regular
    spiking): C 281 pF, g_L 30 nS, E_L -70.6 mV, V_T -50.4 mV, Δ_T 2 mV, tau_w 144 ms, a 4 nS,
    b 0.0805 nA, reset -70.6 mV; spike detected at V_T + 5 Δ_T.

    Parameters
    ----------
    **overrides : Quantity
        Parameter values replacing the defaults, checked for units.

    Returns
    -------
    NeuronModel
    """
    defaults = {"C_m": 281 * pF, "g_L": 30 * nS, "E_L": -70.6 * mV, "V_T": -50.4 * mV,
                "Delta_T": 2 * mV, "tau_w": 144 * ms, "a": 4 * nS, "b": 0.0805 * nA,
                "v_reset": -70.6 * mV, "v_threshold": -40.4 * mV, "tau_ref": 0 * ms,
                "E_e": 0 * mV, "E_i": -80 * mV, "tau_e": 5 * ms, "tau_i": 10 * ms}
    p = _validated(defaults, overrides, ("C_m", "g_L", "Delta_T", "tau_w", "tau_ref", "tau_e", "tau_i"), "adex")
    eqs = Equations(
        "dv/dt = (-g_L * (v - E_L) + g_L * Delta_T * exp((v - V_T) / Delta_T) - w_ad"
        " + g_e * (E_e - v) + g_i * (E_i - v) + I_ext) / C_m : volt (unless refractory)\n"
        "dw_ad/dt = (a * (v - E_L) - w_ad) / tau_w : amp\nI_ext : amp")
    eqs += exponential_channel("g_e", "tau_e", "siemens") + exponential_channel("g_i", "tau_i", "siemens")
    return NeuronModel(
        name="adex", equations=eqs, threshold="v > v_threshold", reset="v = v_reset; w_ad += b",
        refractory="tau_ref", parameters=p, on_pre={"E": "g_e_post += w", "I": "g_i_post += w"},
        weight_unit=siemens, initial={"v": "E_L"}, reference="Brette & Gerstner 2005",
        method="euler")


def two_compartment(**overrides) -> NeuronModel:
    """Soma + apical dendrite (Urbanczik & Senn 2014, Neuron 81:521; Sacramento et al. 2018).

    ``C dv/dt = g_L (E_L - v) + g_D (v_d - v) + g_e (E_e - v) + g_i (E_i - v) + I_ext`` (soma),
    ``tau_d dv_d/dt = E_L - v_d + R_d I_d`` (apical dendrite, passive, receiving top-down or
    error input ``I_d``, which synapses onto the dendrite can add to). Defaults: soma as
    :func:`lif_conductance`; g_D 20 nS (Urbanczik & Senn: g_D = 2 g_L), tau_d 10 ms, R_d 100 MOhm.

    Parameters
    ----------
    **overrides : Quantity
        Parameter values replacing the defaults, checked for units.

    Returns
    -------
    NeuronModel
    """
    defaults = {"C_m": 200 * pF, "g_L": 10 * nS, "g_D": 20 * nS, "E_L": -60 * mV,
                "v_threshold": -50 * mV, "v_reset": -60 * mV, "tau_ref": 2 * ms, "E_e": 0 * mV,
                "E_i": -80 * mV, "tau_e": 5 * ms, "tau_i": 10 * ms, "tau_d": 10 * ms, "R_d": 100e6 * ohm}
    p = _validated(defaults, overrides, ("C_m", "g_L", "g_D", "tau_ref", "tau_e", "tau_i", "tau_d", "R_d"),
                   "two_compartment")
    eqs = Equations(
        "dv/dt = (g_L * (E_L - v) + g_D * (v_d - v) + g_e * (E_e - v) + g_i * (E_i - v) + I_ext) / C_m"
        " : volt (unless refractory)\n"
        "dv_d/dt = (E_L - v_d + R_d * I_d) / tau_d : volt\nI_ext : amp\nI_d : amp")
    eqs += exponential_channel("g_e", "tau_e", "siemens") + exponential_channel("g_i", "tau_i", "siemens")
    return NeuronModel(
        name="two_compartment", equations=eqs, threshold="v > v_threshold", reset="v = v_reset",
        refractory="tau_ref", parameters=p, on_pre={"E": "g_e_post += w", "I": "g_i_post += w"},
        weight_unit=siemens, initial={"v": "E_L", "v_d": "E_L"},
        reference="Urbanczik & Senn 2014; Sacramento et al. 2018",
        method="exponential_euler")


def urbanczik_senn(**overrides) -> NeuronModel:
    """Two-compartment point-process neuron of Urbanczik & Senn (2014, Neuron 81:521), in the
    units of NEST's ``pp_cond_exp_mc_urbanczik``.

    Dendrite (passive; it receives the plastic synapses as exponentially decaying currents):
    ``C_d dv_d/dt = g_L_d (E_L_d - v_d) + I_d_e - I_d_i``, ``dI_d_x/dt = -I_d_x / tau_d_x``.
    Soma (driven by the dendrite through the coupling ``g_D`` and by the teacher's
    conductances): ``C_m dv/dt = g_L (E_L - v) + g_D (v_d - v) + g_te (E_e - v) + g_ti (E_i - v)``.
    Spikes are a Poisson process of rate ``phi(v) = phi_max / (1 + k exp(beta (theta - v)))``
    (the paper's Eq. 1 rate function), drawn per step with probability ``1 - exp(-phi dt)``,
    with a dead time ``t_ref``; the potential is not reset.

    The somatic teacher (the paper's Fig. 1: excitatory and inhibitory conductances that nudge
    the soma toward the matching potential ``U_M = (g_E E_e + g_I E_i) / (g_E + g_I)``) follows
    ``g_E(t) = g_E0 + g_E1 sin(2 pi f_teach t)`` and ``g_I(t) = g_I0`` while
    ``t_teach_on <= t < t_teach_off``, low-pass filtered with ``tau_e`` and ``tau_i`` as a
    synaptic conductance (NEST's example drives the same receptors with a spike every step).
    The dendritic prediction of the somatic potential, the paper's Eq. 2
    ``V_w* = (g_L E_L + g_D v_d) / (g_L + g_D)``, its rate ``phi(V_w*)`` and
    ``h(V_w*) = d log phi / dV`` are subexpressions (``v_star``, ``rate_star``, ``h_star``) that a
    dendritic learning rule (:class:`cortexlearn.rules.urbanczik.DendriticPrediction`) reads.

    Synapses act on the dendrite: ``E`` adds its weight (a current, non-negative) to ``I_d_e``,
    ``I`` to ``I_d_i``, which is subtracted. Defaults are NEST 3.10's for
    ``pp_cond_exp_mc_urbanczik`` and its example ``urbanczik_synapse_example.py`` (C 300 pF and
    g_L 30 nS in both compartments, E_L -70 mV, g_D 600 nS, E_e 0 mV, E_i -75 mV, synaptic time
    constants 3 ms, t_ref 3 ms, phi_max 150 Hz, k 0.5, beta 1/3 per mV, theta -55 mV); the
    teacher amplitudes default to zero (no teacher).

    Integration: fourth-order Runge-Kutta. Exponential Euler holds a synaptic current at its
    value at the start of a step while it decays, which at 0.1 ms and 3 ms raised the mean
    dendritic input by 1.7 % against NEST's adaptive solver (measured: 0.31 mV of 19 mV of
    depolarisation); RK4 is stable here (total somatic conductance below 1.5 uS, 0.2 ms).

    Parameters
    ----------
    **overrides
        Values that replace the defaults above, by name (``C_m``, ``g_D``, ``phi_max``, the
        teacher's ``g_E0``, ``g_E1``, ``g_I0``, ``f_teach``, ``t_teach_on``, ``t_teach_off``, ...).

    Returns
    -------
    NeuronModel
    """
    defaults = {"C_m": 300 * pF, "g_L": 30 * nS, "E_L": -70 * mV, "g_D": 600 * nS,
                "C_d": 300 * pF, "g_L_d": 30 * nS, "E_L_d": -70 * mV, "E_e": 0 * mV, "E_i": -75 * mV,
                "tau_e": 3 * ms, "tau_i": 3 * ms, "tau_d_e": 3 * ms, "tau_d_i": 3 * ms,
                "tau_ref": 3 * ms, "phi_max": 150 * Hz, "rate_slope": 0.5, "beta": 1 / (3 * mV),
                "theta": -55 * mV, "g_E0": 0 * nS, "g_E1": 0 * nS, "g_I0": 0 * nS, "f_teach": 5 * Hz,
                "t_teach_on": 0 * second, "t_teach_off": 0 * second}
    p = _validated(defaults, overrides, ("C_m", "g_L", "g_D", "C_d", "g_L_d", "tau_e", "tau_i",
                                         "tau_d_e", "tau_d_i", "tau_ref", "phi_max", "beta"),
                   "urbanczik_senn")
    for key in ("g_E0", "g_I0", "rate_slope"):
        check_positive(p[key], f"urbanczik_senn.{key}", allow_zero=True)
    eqs = Equations("""
        dv/dt = (g_L*(E_L - v) + g_D*(v_d - v) + g_te*(E_e - v) + g_ti*(E_i - v)) / C_m : volt
        dv_d/dt = (g_L_d*(E_L_d - v_d) + I_d_e - I_d_i) / C_d : volt
        dI_d_e/dt = -I_d_e / tau_d_e : amp
        dI_d_i/dt = -I_d_i / tau_d_i : amp
        dg_te/dt = (teach_gate*(g_E0 + g_E1*sin(2*pi*f_teach*t)) - g_te) / tau_e : siemens
        dg_ti/dt = (teach_gate*g_I0 - g_ti) / tau_i : siemens
        teach_gate = int(t >= t_teach_on and t < t_teach_off) : 1
        rate = phi_max / (1 + rate_slope*exp(beta*(theta - v))) : Hz
        v_star = (g_L*E_L + g_D*v_d) / (g_L + g_D) : volt
        rate_star = phi_max / (1 + rate_slope*exp(beta*(theta - v_star))) : Hz
        h_star = beta / (1 + exp(beta*(v_star - theta)) / rate_slope) : 1/volt
        """)
    return NeuronModel(
        name="urbanczik_senn", equations=eqs, threshold="rand() < 1 - exp(-rate*dt)", reset="",
        refractory="tau_ref", parameters=p, on_pre={"E": "I_d_e_post += w", "I": "I_d_i_post += w"},
        weight_unit=amp, initial={"v": "E_L", "v_d": "E_L_d"},
        reference="Urbanczik & Senn 2014; NEST pp_cond_exp_mc_urbanczik",
        method="rk4")


def rate_unit(**overrides) -> NeuronModel:
    """A rate neuron: ``tau dx/dt = -x + I_e - I_i + I_ext``, rate ``r = r_max * tanh(max(x, 0))``.

    The rectified tanh is non-negative, so that Dale's law is meaningful. Synapses carry rates as
    summed variables rather than spikes; ``on_pre`` is unused. Defaults: tau = 10 ms,
    r_max = 100 Hz (chosen: a cortical range of rates).

    Parameters
    ----------
    **overrides : Quantity
        Parameter values replacing the defaults, checked for units.

    Returns
    -------
    NeuronModel
    """
    defaults = {"tau": 10 * ms, "r_max": 100 * Hz}
    p = _validated(defaults, overrides, ("tau", "r_max"), "rate_unit")
    eqs = ("dx/dt = (-x + I_e - I_i + I_ext) / tau : 1\n"
           "r = r_max * tanh(clip(x, 0, inf)) : Hz\nI_ext : 1\nI_e : 1\nI_i : 1")
    return NeuronModel(
        name="rate_unit", equations=eqs, threshold="", reset="", refractory="", parameters=p,
        on_pre={}, weight_unit=second, initial={"x": "0"}, reference="Dayan & Abbott 2001, ch. 7")
