"""Pair-based spike-timing-dependent plasticity (STDP) as Brian2 synapse code.

The rule of Song, Miller & Abbott (2000) and its relatives, fitted to the window of Bi & Poo (1998):
a presynaptic trace ``x`` and a postsynaptic trace ``y`` decay exponentially,

.. math::

    \\tau_+ \\frac{dx}{dt} = -x, \\qquad \\tau_- \\frac{dy}{dt} = -y,

each jumps at its neuron's spikes (``x += 1`` for all-to-all pairing, ``x = 1`` for nearest-spike
pairing), and the weight moves at each spike by

.. math::

    \\text{post spike: } \\Delta w = +A_+\\, f_+(w)\\, x, \\qquad
    \\text{pre spike: } \\Delta w = -A_-\\, f_-(w)\\, y,

clipped to ``[0, w_max]`` (Dale's law: weights are magnitudes, the sign belongs to the presynaptic
population). Additive: ``f_+ = f_- = s`` (a constant weight scale, by default ``w_max``; Song et al.
2000). Multiplicative (soft bounds): ``f_+ = w_max - w``, ``f_- = w`` (Kistler & van Hemmen 2000;
van Rossum et al. 2000; Gütig et al. 2003 with mu = 1), which gives a unimodal weight distribution.

Simultaneous pre- and postsynaptic spikes (same time step): Brian2 runs the ``on_pre`` pathway
(order -1) before the ``on_post`` pathway (order +1) in the ``synapses`` slot, so the depression of
the presynaptic spike sees the postsynaptic trace *without* the simultaneous spike, and the
potentiation of the postsynaptic spike sees the presynaptic trace *with* it: a pair at Δt = 0 counts
as pre-before-post (potentiation). The NumPy oracle :mod:`cortexlearn.reference.stdp` does the same.

This module also holds what all rules share: :class:`SynapseCode` (the rendered Brian2 strings) and
:class:`PlasticityRule` (validation helpers and the projection-kind check).
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from brian2 import second
from brian2.units import fundamentalunits as fu

from ..errors import SpecError, UnitError
from ..units import as_quantity, check_positive
from .base import LearningRule, NeuronTraceCode, Regular, RuleParts, join_code

__all__ = ["quantity_field", "SynapseCode", "NeuronTraceCode", "PlasticityRule", "PairSTDP", "PROJECTION_KINDS",
           "unit_string", "lazy_weights"]

#: The kinds of population a projection connects: excitatory or inhibitory (Dale's law).
PROJECTION_KINDS = ("E", "I")


def quantity_field(value):
    """A dataclass field whose default is a Brian2 quantity (quantities are mutable arrays).

    Parameters
    ----------
    value : Quantity
        The default value.

    Returns
    -------
    dataclasses.Field
        A field with a ``default_factory`` returning ``value``.
    """
    return dataclasses.field(default_factory=lambda: value)


def unit_string(quantity) -> str:
    """The Brian2 unit text of ``quantity``'s dimensions (``"siemens"``, ``"volt"``, ``"1"``).

    Parameters
    ----------
    quantity : Quantity or Unit
        Anything with physical dimensions.

    Returns
    -------
    str
        The representation of the base unit of those dimensions, ``"1"`` when dimensionless.
    """
    dim = fu.get_dimensions(quantity)
    if dim is fu.DIMENSIONLESS:
        return "1"
    return repr(fu.get_unit(dim))


@dataclasses.dataclass(frozen=True)
class SynapseCode:
    """Brian2 code of a plastic synapse, ready for the ``model``, ``on_pre`` and ``on_post`` arguments of Brian2's ``Synapses``.

    Attributes
    ----------
    model, on_pre, on_post : str
        Equation and statement strings. ``on_pre`` starts with the transmission statement given to
        :meth:`PlasticityRule.synapse_code`, so the synaptic current uses the weight *before* the
        spike's own update.
    namespace : dict
        Every constant the strings use; the builder passes it as the synapses' namespace.
    run_regularly : str
        Code to run every time step on the synapses (``Synapses.run_regularly(code,
        when=run_regularly_when)``); empty when the rule is purely event-driven.
    run_regularly_when : str
        The schedule slot of ``run_regularly``.
    run_regularly_dt : Quantity or None
        Interval of ``run_regularly`` (``None``: every time step).
    method : str or None
        Integration method for clock-driven synaptic equations (``None``: none are present).
    """

    model: str
    on_pre: str
    on_post: str
    namespace: dict
    run_regularly: str = ""
    run_regularly_when: str = "after_groups"
    method: str | None = None
    run_regularly_dt: Any = None


class PlasticityRule(LearningRule):
    """Shared behaviour of the plasticity rules of one projection: projection kinds, parameter
    validation and the :class:`~cortexlearn.rules.base.LearningRule` protocol (role
    ``"synapse"``).

    Subclasses are frozen dataclasses that define ``allowed_pre`` / ``allowed_post`` (the kinds of
    presynaptic and postsynaptic population the rule may connect) and ``_code()``.
    """

    __abstract__ = True

    allowed_pre: ClassVar[tuple[str, ...]] = ("E",)
    allowed_post: ClassVar[tuple[str, ...]] = ("E", "I")
    paper: ClassVar[str] = ""
    #: Delay sites of :class:`~cortexlearn.specs.Projection` the rule renders (see ``delay_site``).
    delay_sites: ClassVar[tuple[str, ...]] = ("axonal",)

    # ---------------------------------------------------------------- validation helpers
    @staticmethod
    def _time_constant(value, name: str):
        as_quantity(value, second, name)
        check_positive(value, name)

    @staticmethod
    def _amplitude(value, name: str, sign_note: str):
        if isinstance(value, fu.Quantity) and value.dim is not fu.DIMENSIONLESS:
            raise UnitError(f"{name} must be a plain number (a fraction of the weight scale), got {value!r}")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise SpecError(f"{name} must be a number, got {value!r}") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise SpecError(f"{name} must be finite, got {value!r}")
        if number < 0:
            raise SpecError(f"{name} must be >= 0, got {value!r}: {sign_note}")

    def _weights(self):
        w_max = self.w_max
        if not isinstance(w_max, (fu.Quantity, int, float)):
            raise SpecError(f"w_max must be a number or a quantity, got {w_max!r}")
        check_positive(w_max, "w_max")
        if self.scale is not None:
            as_quantity(self.scale, w_max, "scale (must have the units of w_max)")
            check_positive(self.scale, "scale")

    @property
    def weight_scale(self):
        """The weight that an amplitude of 1 stands for (``scale``, or ``w_max`` when unset)."""
        return self.w_max if self.scale is None else self.scale

    @property
    def weight_unit(self) -> str:
        """Brian2 unit text of the weight ``w``."""
        return unit_string(self.w_max)

    # ---------------------------------------------------------------- projections
    def check_projection(self, pre_kind: str, post_kind: str) -> None:
        """Refuse a projection this rule may not attach to.

        Parameters
        ----------
        pre_kind, post_kind : {"E", "I"}
            Kind of the presynaptic and postsynaptic population.

        Raises
        ------
        SpecError
            When a kind is unknown or the rule does not apply to this projection, e.g. the
            inhibitory rule of Vogels et al. (2011) on an E→E projection.
        """
        for label, kind in (("presynaptic", pre_kind), ("postsynaptic", post_kind)):
            if kind not in PROJECTION_KINDS:
                raise SpecError(f"{label} kind must be one of {', '.join(PROJECTION_KINDS)}, got {kind!r}")
        if pre_kind not in self.allowed_pre or post_kind not in self.allowed_post:
            allowed = ", ".join(f"{a}→{b}" for a in self.allowed_pre for b in self.allowed_post)
            raise SpecError(
                f"{type(self).__name__} cannot attach to a {pre_kind}→{post_kind} projection: it is "
                f"defined for {allowed} only. {self._projection_reason()}")

    def _projection_reason(self) -> str:
        return ("It models plasticity of excitatory synapses; an inhibitory projection needs an "
                "inhibitory rule (e.g. cortexlearn.rules.inhibitory.InhibitorySTDP on I→E).")

    # ---------------------------------------------------------------- rendering
    def synapse_code(self, transmission: str = "") -> SynapseCode:
        """Brian2 code of the plastic synapse.

        Parameters
        ----------
        transmission : str
            Statement(s) run first in ``on_pre``, e.g. ``"g_e_post += w"`` (excitatory) or
            ``"g_i_post += w"`` (inhibitory): the sign lives here, never in the weight.
        """
        code = self._code()
        return dataclasses.replace(code, on_pre=join_code(self._before_transmission(), transmission, code.on_pre))

    def _before_transmission(self) -> str:
        """Statements run in ``on_pre`` before the transmission (none by default)."""
        return ""

    def contribution(self, role: str = "synapse", transmission: str = "", **context) -> RuleParts:
        """The rule's parts on a projection (role ``"synapse"``).

        Parameters
        ----------
        role : {"synapse"}
        transmission : str
            The transmission statement the builder writes from the presynaptic kind (e.g.
            ``"g_e_post += w"``); it runs in ``on_pre`` after :meth:`_before_transmission` and
            before the rule's own presynaptic update.

        Returns
        -------
        RuleParts
            With ``pre``/``post`` neuron code when the rule keeps its traces on the neurons.
        """
        self._check_role(role)
        code = self.synapse_code(transmission)
        regular = ()
        if code.run_regularly:
            # a periodic flush (order -1) runs before the neurons' regular code of the same step
            order = -1 if code.run_regularly_dt is not None else 0
            regular = (Regular(code.run_regularly, dt=code.run_regularly_dt, when=code.run_regularly_when,
                               order=order),)
        on_neurons = getattr(self, "traces", "synapse") == "neuron"
        return RuleParts(model=code.model, on_pre=code.on_pre, on_post=code.on_post or "",
                         pre=self.neuron_code("pre") if on_neurons else None,
                         post=self.neuron_code("post") if on_neurons else None,
                         regular=regular, namespace=dict(code.namespace), method=code.method)

    def namespace(self) -> dict[str, Any]:
        """Constants of the rule's synapse code (time constants, amplitudes, bounds).

        Returns
        -------
        dict
        """
        return self._code().namespace

    def _code(self) -> SynapseCode:  # pragma: no cover - abstract
        raise NotImplementedError

    def reference_parameters(self) -> dict[str, Any]:
        """Plain-float (SI) parameters for the NumPy oracle in :mod:`cortexlearn.reference.stdp`."""
        raise NotImplementedError  # pragma: no cover


#: the lazy form's weight: the stored offset plus the potentiation pending since the last
#: presynaptic spike (presynaptic factor ``c`` before this step's spike: ``lazy_cp``)
_LAZY_WEIGHT = "w = clip(w + A_plus*w_scale*{c}_pre*lazy_g_post, 0*w_max, w_max)"
#: time since the last flush of the lazy form (flushes at multiples of lazy_interval, in the start slot)
_LAZY_SINCE = "t - floor((t + 0.5*dt)/lazy_interval)*lazy_interval"


def lazy_weights(synapses, rule: "PairSTDP"):
    """Weights of a lazy-potentiation ``synapses`` object (what the immediate form would hold
    now): its stored ``w`` is an offset, the weight is ``clip(w + A+ s c_pre g_post)``
    (:meth:`PairSTDP._lazy_code`).

    Parameters
    ----------
    synapses : Synapses
        Synapses that carry ``rule`` with ``potentiation="lazy"``; their groups hold ``lazy_c``
        (presynaptic) and ``lazy_g`` (postsynaptic).
    rule : PairSTDP
        The rule, for ``A+``, the weight scale and ``w_max``.

    Returns
    -------
    ndarray
        The weights in SI units, one per synapse, clipped to ``[0, w_max]``.
    """
    import numpy as np

    g = np.asarray(synapses.target.lazy_g[:])[np.asarray(synapses.j[:])]
    c = np.asarray(synapses.source.lazy_c[:])[np.asarray(synapses.i[:])]
    pending = float(rule.a_plus) * _float(rule.weight_scale) * c * g
    return np.clip(np.asarray(synapses.w_[:]) + pending, 0.0, _float(rule.w_max))


def _float(value) -> float:
    return float(value)


@dataclasses.dataclass(frozen=True)
class PairSTDP(PlasticityRule):
    """Pair-based STDP (Bi & Poo 1998 window; Song, Miller & Abbott 2000 rule).

    ``Δw = +A+ f+(w) x_pre`` at each postsynaptic spike and ``Δw = -A- f-(w) y_post`` at each
    presynaptic spike, ``w`` clipped to ``[0, w_max]``; see the module docstring.

    Parameters
    ----------
    tau_plus : Quantity
        Decay time of the presynaptic trace (width of the potentiation window; Bi & Poo 16.8 ms).
    tau_minus : Quantity
        Decay time of the postsynaptic trace (width of the depression window; Bi & Poo 33.7 ms).
    a_plus, a_minus : float
        Magnitudes (>= 0) of potentiation and depression per pair, as fractions of ``scale``
        (additive) or of the distance to the bound (multiplicative). Depression's sign is in the
        equation, so both are non-negative.
    w_max : Quantity or float
        Upper bound of the weight (> 0); its units are the weight's units.
    weight_dependence : {"additive", "multiplicative"}
    traces : {"synapse", "neuron"}
        Where the traces live; ``"neuron"`` needs a builder that adds :meth:`neuron_code` to
        the groups (``song_network``, ``spike_train_network``).
    pairing : {"all_to_all", "nearest"}
        All-to-all: traces add (``x += 1``); nearest-spike: traces reset (``x = 1``), so only the
        nearest earlier spike of the other neuron counts.
    scale : Quantity or float, optional
        Weight of an amplitude of 1 in the additive rule (default ``w_max``).
    potentiation : {"immediate", "lazy"}
        ``"lazy"`` (additive rule with ``traces="neuron"`` only) applies the potentiations of the
        postsynaptic spikes between two presynaptic spikes at the second one, or at the next flush
        every ``lazy_interval``, instead of touching every synapse of a neuron at each of its
        spikes. It gives the same weights (see :meth:`_lazy_code`); between flushes the stored
        ``w`` is an offset (the weight minus the pending potentiation's running sum), so read
        weights after a flush (a run of a whole number of intervals plus one step) or through
        :func:`lazy_weights`.
    lazy_interval : Quantity
        Flush interval of the lazy form (> 0; default 100 ms).

    Raises
    ------
    SpecError
        Non-positive time constants or ``w_max``, negative amplitudes, unknown options.
    UnitError
        Time constants without time units, amplitudes with units, ``scale`` in other units.
    """

    tau_plus: Any = quantity_field(16.8e-3 * second)
    tau_minus: Any = quantity_field(33.7e-3 * second)
    a_plus: float = 0.01
    a_minus: float = 0.0105
    w_max: Any = 1.0
    weight_dependence: str = "additive"
    pairing: str = "all_to_all"
    scale: Any = None
    traces: str = "synapse"
    potentiation: str = "immediate"
    lazy_interval: Any = quantity_field(100e-3 * second)

    oracle: ClassVar[str] = "cortexlearn.reference.stdp:pair_stdp"
    delay_sites: ClassVar[tuple[str, ...]] = ("axonal", "dendritic")
    paper: ClassVar[str] = ("Bi & Poo 1998, J Neurosci 18:10464; Song, Miller & Abbott 2000, "
                            "Nat Neurosci 3:919; van Rossum, Bi & Turrigiano 2000, J Neurosci 20:8812")

    def __post_init__(self):
        self._time_constant(self.tau_plus, "tau_plus")
        self._time_constant(self.tau_minus, "tau_minus")
        note = "pass magnitudes; the depression sign is part of the rule"
        self._amplitude(self.a_plus, "a_plus", note)
        self._amplitude(self.a_minus, "a_minus", note)
        self._weights()
        if self.weight_dependence not in ("additive", "multiplicative"):
            raise SpecError(f"weight_dependence must be 'additive' or 'multiplicative', got {self.weight_dependence!r}")
        if self.pairing not in ("all_to_all", "nearest"):
            raise SpecError(f"pairing must be 'all_to_all' or 'nearest', got {self.pairing!r}")
        if self.traces not in ("synapse", "neuron"):
            raise SpecError(f"traces must be 'synapse' or 'neuron', got {self.traces!r}")
        if self.potentiation not in ("immediate", "lazy"):
            raise SpecError(f"potentiation must be 'immediate' or 'lazy', got {self.potentiation!r}")
        if self.potentiation == "lazy":
            if self.traces != "neuron" or self.weight_dependence != "additive":
                raise SpecError("potentiation='lazy' needs traces='neuron' and the additive rule (a "
                                "multiplicative potentiation depends on w at each postsynaptic spike)")
            self._time_constant(self.lazy_interval, "lazy_interval")

    def contribution(self, role: str = "synapse", transmission: str = "", delay_site: str = "axonal",
                     **context) -> RuleParts:
        """The rule's parts on a projection (role ``"synapse"``), for an axonal or a dendritic delay.

        With ``delay_site="axonal"`` see :meth:`PlasticityRule.contribution`. With
        ``"dendritic"`` the delay ``d`` lies on the dendrite, the convention of NEST's
        ``stdp_synapse`` (Morrison, Diesmann & Gerstner 2008, Biol Cybern 98:459): a presynaptic
        spike reaches the synapse at once and a postsynaptic spike ``d`` late, so a pair counts
        at ``Δt = t_post + d - t_pre``. The presynaptic update (depression,
        ``-A- f-(w) y(t_pre - d)``) runs at the spike and the postsynaptic update (potentiation,
        ``+A+ f+(w) x(t_post + d)``) ``d`` after each postsynaptic spike; the builder runs
        ``on_pre`` (returned *without* the transmission statement, which it places on its own
        pathway delayed by ``d``) with no delay and ``on_post`` with delay ``d``. Both traces are
        kept on the neurons: the presynaptic ``x_dendritic`` jumps *after* the synapses, and the
        postsynaptic ``y_dendritic`` jumps ``d`` after each spike (``post.when == "delayed"``: a
        one-to-one pathway from the group to itself, run after the presynaptic updates of its
        step). So, as in NEST, a pair at ``Δt = 0`` counts neither way, and at one step the
        potentiations of arriving postsynaptic spikes come before the depression of a
        presynaptic one (the builder orders the pathways so).

        Parameters
        ----------
        role : {"synapse"}
        transmission : str
            The builder's transmission statement (axonal form only: it opens ``on_pre``).
        delay_site : {"axonal", "dendritic"}
            Where the projection's delay sits.

        Returns
        -------
        RuleParts

        Raises
        ------
        SpecError
            For an unknown ``delay_site``, or the dendritic form with ``traces="synapse"`` or
            ``potentiation="lazy"``.
        """
        if delay_site == "axonal":
            return super().contribution(role, transmission=transmission, **context)
        if delay_site != "dendritic":
            raise SpecError(f"delay_site must be 'axonal' or 'dendritic', got {delay_site!r}")
        self._check_role(role)
        if self.traces != "neuron" or self.potentiation == "lazy":
            raise SpecError("a dendritic delay needs traces='neuron' and potentiation='immediate' (per-"
                            "synapse traces would count a pair at t_post + delay = t_pre as a "
                            "potentiation; the lazy form assumes postsynaptic spikes reach the synapse "
                            "at once); or use delay_site='axonal'")
        code = self._code(dendritic=True)
        return RuleParts(model=code.model, on_pre=code.on_pre, on_post=code.on_post,
                         pre=self.neuron_code("pre", dendritic=True),
                         post=self.neuron_code("post", dendritic=True),
                         namespace=dict(code.namespace), method=code.method)

    def neuron_code(self, side: str, dendritic: bool = False) -> NeuronTraceCode:
        """Trace kept on the presynaptic (``side="pre"``) or postsynaptic (``"post"``) neurons.

        The rule factorises (the trace of a synapse depends on one neuron only), so with
        ``traces="neuron"`` each neuron holds one trace for all its synapses instead of one per
        synapse (1.6-4x faster, measured earlier). The builder adds ``equations`` to the group and runs
        ``on_spike`` with ``group.run_on_event("spike", on_spike, when=when)``: the presynaptic
        trace jumps *before* the synapses are processed and the postsynaptic one *after*, which
        gives exactly the per-synapse semantics (``on_pre`` before ``on_post``; a pair at Δt = 0
        potentiates).

        Parameters
        ----------
        side : {"pre", "post"}
            Which neurons keep the trace.
        dendritic : bool
            The traces of a dendritic delay (see :meth:`contribution`): ``x_dendritic``, which
            jumps after the synapses, and ``y_dendritic``, whose jump runs a delay after each
            spike (``when="delayed"``).

        Returns
        -------
        NeuronTraceCode

        Raises
        ------
        SpecError
            If ``side`` is neither.
        """
        if side not in ("pre", "post"):
            raise SpecError(f"side must be 'pre' or 'post', got {side!r}")
        jump = "= 1" if self.pairing == "nearest" else "+= 1"
        if dendritic and side == "pre":
            return NeuronTraceCode("dx_dendritic/dt = -x_dendritic/tau_plus : 1", f"x_dendritic {jump}",
                                   "after_synapses", {"tau_plus": self.tau_plus})
        if dendritic:
            return NeuronTraceCode("dy_dendritic/dt = -y_dendritic/tau_minus : 1", f"y_dendritic {jump}",
                                   "delayed", {"tau_minus": self.tau_minus})
        if side == "pre" and self.potentiation == "lazy":
            # c = x(t_p) exp((t_p - t_b)/tau_plus) at the last spike t_p (flush time t_b), rebased
            # at each flush; between spikes x(t) f(t) = c, so a spike adds f(t) = exp((t - t_b)/tau_plus)
            # (all-to-all) or sets c = f(t) (nearest) and the trace itself needs no integration.
            # lazy_cp keeps c from before this step's spike. (On the numpy target "cp = c" followed
            # by "c = c + ..." would update cp too: the generated code adds in place to the array
            # both names share; hence the all-to-all form subtracts the increment again.)
            f = f"exp(({_LAZY_SINCE})/tau_plus)"
            spike = (f"lazy_c = lazy_c + {f}\nlazy_cp = lazy_c - {f}" if self.pairing == "all_to_all"
                     else f"lazy_cp = lazy_c\nlazy_c = {f}")
            return NeuronTraceCode("lazy_c : 1\nlazy_cp : 1", spike,
                                   "before_synapses",
                                   {"tau_plus": self.tau_plus, "lazy_interval": self.lazy_interval},
                                   regular=(("lazy_c = lazy_c*exp(-lazy_interval/tau_plus)",
                                             self.lazy_interval),))
        if side == "pre":
            return NeuronTraceCode("dx_trace/dt = -x_trace/tau_plus : 1",
                                   f"x_trace {jump}", "before_synapses", {"tau_plus": self.tau_plus})
        if self.potentiation == "lazy":
            # g sums exp(-(t_k - t_b)/tau_plus) over this neuron's spikes t_k since the last flush
            # t_b; f = exp((t - t_b)/tau_plus), once per step for all synapses
            return NeuronTraceCode("dy_trace/dt = -y_trace/tau_minus : 1\nlazy_g : 1\nlazy_f : 1 (shared)",
                                   f"y_trace {jump}\nlazy_g += 1/lazy_f", "after_synapses",
                                   {"tau_minus": self.tau_minus, "tau_plus": self.tau_plus,
                                    "lazy_interval": self.lazy_interval},
                                   regular=(("lazy_g = 0", self.lazy_interval),
                                            (f"lazy_f = exp(({_LAZY_SINCE})/tau_plus)", None)))
        return NeuronTraceCode("dy_trace/dt = -y_trace/tau_minus : 1",
                               f"y_trace {jump}", "after_synapses", {"tau_minus": self.tau_minus})

    def _code(self, dendritic: bool = False) -> SynapseCode:
        jump = "= 1" if self.pairing == "nearest" else "+= 1"
        x, y = ("x_trace_pre", "y_trace_post") if self.traces == "neuron" else ("x_pre_trace", "y_post_trace")
        if dendritic:  # x without this step's presynaptic spike; y a dendritic delay d late, y(t - d)
            x, y = "x_dendritic_pre", "y_dendritic_post"
        if self.weight_dependence == "additive":
            ltp, ltd = f"A_plus*w_scale*{x}", f"A_minus*w_scale*{y}"
        else:
            ltp, ltd = f"A_plus*(w_max - w)*{x}", f"A_minus*w*{y}"
        u = self.weight_unit
        ns = {"tau_plus": self.tau_plus, "tau_minus": self.tau_minus, "A_plus": float(self.a_plus),
              "A_minus": float(self.a_minus), "w_max": self.w_max, "w_scale": self.weight_scale}
        if self.potentiation == "lazy":
            return self._lazy_code(u, ltd, ns)
        if self.traces == "neuron":
            return SynapseCode(f"w : {u}", f"w = clip(w - {ltd}, 0*w_max, w_max)",
                               f"w = clip(w + {ltp}, 0*w_max, w_max)", ns)
        model = f"""
            w : {u}
            dx_pre_trace/dt = -x_pre_trace/tau_plus : 1 (event-driven)
            dy_post_trace/dt = -y_post_trace/tau_minus : 1 (event-driven)
        """
        on_pre = f"""
            x_pre_trace {jump}
            w = clip(w - {ltd}, 0*w_max, w_max)
        """
        on_post = f"""
            y_post_trace {jump}
            w = clip(w + {ltp}, 0*w_max, w_max)
        """
        return SynapseCode(join_code(model), join_code(on_pre), join_code(on_post), ns)

    def _before_transmission(self) -> str:
        # the pending potentiation belongs to earlier postsynaptic spikes: the transmission sees it
        return _LAZY_WEIGHT.format(c="lazy_cp") if self.potentiation == "lazy" else ""

    def _lazy_code(self, u: str, ltd: str, ns: dict) -> SynapseCode:
        """Potentiation applied at the next presynaptic spike or flush, one synaptic variable.

        Between two presynaptic spikes (at ``t_p`` and ``t_p'``) only postsynaptic spikes change
        the weight, each by ``+A+ s x(t_k)`` with ``x(t_k) = x(t_p) exp(-(t_k - t_p)/tau_plus)``;
        all are positive, so clipping each to ``w_max`` in turn equals clipping their sum once.
        With the flush time ``t_b`` (a multiple of ``lazy_interval``), the sum is
        ``c (g(t) - g(t_p))``: ``c = x(t_p) exp((t_p - t_b)/tau_plus)`` belongs to the presynaptic
        neuron (its trace and its spike time) and ``g``, the sum of ``exp(-(t_k - t_b)/tau_plus)``
        over its spikes, to the postsynaptic one. The synapse stores the offset
        ``w = W(t_p) - A+ s c g(t_p)``, so that the weight at any time is
        ``W = clip(w + A+ s c g, 0, w_max)``: at a presynaptic spike the synapse forms ``W``
        (with ``c`` from before the spike, ``lazy_cp``), transmits it, depresses it and stores
        the new offset with the new ``c``. Every ``lazy_interval`` the synapses store ``W``
        (offset with ``g = 0``), then ``c`` is rebased and ``g`` restarts, which keeps the
        exponentials within ``exp(±lazy_interval/tau_plus)``. A postsynaptic spike in the step of
        a presynaptic one still counts as pre-before-post: ``g`` jumps after the synapses. The
        weight is formed before the transmission statement of :meth:`synapse_code`, so the
        synaptic current sees the same weight as the immediate form (``_code()`` alone omits
        that line). Cost per presynaptic event: one synaptic variable read and written, as for
        a static synapse's read, plus two postsynaptic and two presynaptic neuron variables;
        one update per synapse and interval for the flush.
        """
        ns = {**ns, "lazy_interval": self.lazy_interval}
        on_pre = join_code(f"""
            w = clip(w - {ltd}, 0*w_max, w_max)
            w = w - A_plus*w_scale*lazy_c_pre*lazy_g_post
        """)
        return SynapseCode(f"w : {u}", on_pre, "", ns, run_regularly=_LAZY_WEIGHT.format(c="lazy_c"),
                           run_regularly_when="start", run_regularly_dt=self.lazy_interval)

    def reference_parameters(self) -> dict[str, Any]:
        return {"tau_plus": _float(self.tau_plus), "tau_minus": _float(self.tau_minus),
                "a_plus": float(self.a_plus), "a_minus": float(self.a_minus),
                "w_max": _float(self.w_max), "scale": _float(self.weight_scale),
                "weight_dependence": self.weight_dependence, "pairing": self.pairing}
