"""Credit assignment for spiking feed-forward layers, written as Brian2 equations.

Rate-network algorithms (Rumelhart et al. 1986; Lillicrap et al. 2016, Nat. Commun. 7:13276;
Nøkland 2016, NeurIPS; Liao, Leibo & Poggio 2016, AAAI) differ only in the matrix that carries the
output error back to a hidden layer ``l``:

.. math::

    \\delta_l = f'(a_l) \\odot (M_{l+1}^T \\delta_{l+1}), \\qquad
    \\Delta W_l = \\eta\\, \\delta_l\\, x_{l-1}^T

with ``M = W`` (backprop / weight transport), ``M = B`` fixed random (feedback alignment),
``M = sign(W) * |B|`` (sign-symmetry), or ``δ_l = f'(a_l) ⊙ (B_l e)`` with the output error ``e``
sent straight to every hidden layer (direct feedback alignment). "Readout only" trains the last
layer alone.

In the spiking circuit (:mod:`cortexlearn.circuits.feedforward`) one sample is shown for a
presentation of length ``T``; ``x`` is the presynaptic spike count, ``f'(a)`` the mean over the
presentation of a surrogate derivative ``1 / (1 + β|u - 1|)^2`` of a reset-free shadow membrane
``u``, ``e = target count - output count``. The error travels backwards through **summed
variables on the presynaptic side** of the forward synapses (``fa_pre = b * d_post``,
``bp_pre = s * w * dbp_post``, ``ss_pre = s * (w > 0) * |b| * d_post`` where ``s`` is +1 for an
excitatory and -1 for an inhibitory presynaptic population), or of a separate feedback pathway for
DFA (``dfa_post = b * d_rule_pre``, the error the output learns from). The update is
three-factor — presynaptic count × surrogate derivative × error — applied once per presentation
by ``run_regularly`` and gated by the ``learning`` variable of the trial schedule. The
weight-transport signal ``bp`` is computed under every rule so that the angle between the rule's
hidden error and backprop's is measured in the circuit.

This module renders the code strings; the builder assembles them.
"""

from __future__ import annotations

import dataclasses

from ..errors import SpecError
from ..units import as_quantity, check_positive
from .base import LearningRule, Regular, RuleParts

__all__ = ["CreditRule", "FeedbackAlignment", "DirectFeedbackAlignment", "SignSymmetry",
           "WeightTransport", "ReadoutOnly", "RULES", "forward_synapse_model", "feedback_synapse_model",
           "weight_update_code", "hidden_signal_expression"]

#: The rules, by name.
RULES = ("feedback_alignment", "direct_feedback_alignment", "sign_symmetry", "weight_transport",
         "readout_only")
_SHORT = {"fa": "feedback_alignment", "dfa": "direct_feedback_alignment", "ss": "sign_symmetry",
          "bp": "weight_transport", "wt": "weight_transport", "readout": "readout_only"}


@dataclasses.dataclass(frozen=True)
class CreditRule(LearningRule):
    """Which matrix carries the error back, and how fast weights move.

    Parameters
    ----------
    kind : str
        One of :data:`RULES` (or a short name: ``fa``, ``dfa``, ``ss``, ``bp``/``wt``, ``readout``).
    learning_rate : float
        ``η`` of hidden weights (update per spike count × error count), > 0.
    readout_learning_rate : float
        ``η`` of the output weights, > 0.
    bias_learning_rate : float
        Error-driven update of output biases per presentation (>= 0).
    homeostasis_rate : float
        Rate of the slow homeostasis of hidden biases toward ``target_count`` spikes per
        presentation (>= 0). Needed under feedback alignment: ON/OFF inputs are non-negative, so
        each update also shifts the mean drive and hidden activity runs away without it.
    target_count : float
        Target hidden spike count per presentation.
    surrogate_slope : float
        ``β`` of the surrogate derivative ``1 / (1 + β|u - 1|)^2`` (threshold 1).
    centered : bool
        Covariance form of the hidden layers' updates (Sejnowski 1977):
        ``Δw = η (x - x̄) δ`` with ``x̄`` a running mean of the presynaptic count (one per
        presynaptic neuron, ``x̄ += center_rate (x - x̄)`` once per presentation). Spike counts
        are non-negative, so the plain update also shifts each hidden neuron's mean drive along
        the error signal; centring removes that part. Feedback alignment's random signal turns it
        into runaway activity (held back only by homeostasis); weight transport uses it to
        silence units. Output weights always learn from ``x``.
    center_rate : float
        Rate of the running mean, in (0, 1] per presentation (a constant of the compiled
        circuit, like ``surrogate_slope``).
    """

    kind: str = "feedback_alignment"
    learning_rate: float = 2e-5
    readout_learning_rate: float = 1e-4
    bias_learning_rate: float = 1e-3
    homeostasis_rate: float = 2e-3
    target_count: float = 3.0
    surrogate_slope: float = 2.0
    centered: bool = False
    center_rate: float = 0.01

    paper = ("Lillicrap et al. 2016, Nat Commun 7:13276 (FA); Nokland 2016, NeurIPS (DFA); "
             "Liao, Leibo & Poggio 2016, AAAI (sign-symmetry); Rumelhart et al. 1986 (backprop)")
    oracle = "cortexlearn.reference.snn_feedforward:simulate_feedforward"
    roles = ("forward", "feedback", "hidden")

    def __post_init__(self):
        kind = _SHORT.get(self.kind, self.kind)
        if kind not in RULES:
            raise SpecError(f"unknown credit rule {self.kind!r}; choose one of {', '.join(RULES)}")
        object.__setattr__(self, "kind", kind)
        for name in ("learning_rate", "readout_learning_rate"):
            value = as_quantity(getattr(self, name), 1, name)
            try:
                check_positive(value, name)
            except SpecError:
                raise SpecError(f"{name} must be > 0 (a rule that cannot learn is `readout_only` or "
                                f"learning switched off by the schedule), got {value!r}") from None
        for name in ("bias_learning_rate", "homeostasis_rate", "target_count"):
            check_positive(as_quantity(getattr(self, name), 1, name), name, allow_zero=True)
        check_positive(as_quantity(self.surrogate_slope, 1, "surrogate_slope"), "surrogate_slope")
        rate = as_quantity(self.center_rate, 1, "center_rate")
        if not 0 < float(rate) <= 1:
            raise SpecError(f"center_rate must lie in (0, 1] (per presentation), got {rate!r}")
        if not isinstance(self.centered, (bool, int)) or self.centered not in (0, 1):
            raise SpecError(f"centered must be True or False, got {self.centered!r}")
        object.__setattr__(self, "centered", bool(self.centered))

    @property
    def trains_hidden(self) -> bool:
        """Whether the hidden layers learn (every kind but readout-only)."""
        return self.kind != "readout_only"

    @property
    def direct(self) -> bool:
        """Whether the error goes straight to every hidden layer (direct feedback alignment,
        Nøkland 2016)."""
        return self.kind == "direct_feedback_alignment"

    def coefficients(self) -> dict:
        """Run-time constants of a hidden layer that select this rule (readout-only measures FA's
        signal for the alignment angle but does not learn from it)."""
        pick = {"feedback_alignment": "c_fa", "readout_only": "c_fa", "sign_symmetry": "c_ss",
                "weight_transport": "c_bp", "direct_feedback_alignment": "c_dfa"}[self.kind]
        out = {name: 0.0 for name in ("c_fa", "c_ss", "c_bp", "c_dfa")}
        out[pick] = 1.0
        out["train_hidden"] = 1.0 if self.trains_hidden else 0.0
        out["eta_homeo"] = float(self.homeostasis_rate)
        out["n_target"] = float(self.target_count)
        return out

    def namespace(self) -> dict:
        """Constants fixed at build time."""
        return {"beta_sg": float(self.surrogate_slope), "center_rate": float(self.center_rate)}

    def contribution(self, role: str = "forward", sign: int = 1, relay: bool = False,
                     period="presentation", learning_rate: str = "eta", **context) -> RuleParts:
        """The rule's parts in a layered network.

        Parameters
        ----------
        role : {"forward", "feedback", "hidden"}
            ``"forward"``: a forward projection whose presynaptic side receives credit through
            summed variables (``fa``, ``bp``, ``ss``) and whose weights take the three-factor
            update once per presentation; ``"feedback"``: DFA's direct pathway from the output
            error; ``"hidden"``: the run-time constants that select this rule in a hidden layer.
        sign : {1, -1, 0}
            Presynaptic kind of a forward projection: +1 excitatory, -1 inhibitory (relay), 0
            without Dale's law.
        relay : bool
            The presynaptic group is an inhibitory relay (see :func:`forward_synapse_model`).
        period : Quantity or str
            Clock of the per-presentation update.
        learning_rate : str
            Name of the learning-rate constant of the projection.

        Returns
        -------
        RuleParts
        """
        self._check_role(role)
        if role == "forward":
            update = weight_update_code(sign, learning_rate, centered=self.centered)
            return RuleParts(model=forward_synapse_model(sign, relay, False), namespace=self.namespace(),
                             regular=(Regular(update, dt=period, when="end"),))
        if role == "feedback":
            return RuleParts(model=feedback_synapse_model(), namespace=self.namespace())
        return RuleParts(constants=self.coefficients(), namespace=self.namespace())


def _credit_kind(kind: str, name: str, doc: str):
    """A :class:`CreditRule` with its kind fixed: the rule is chosen by the class alone."""

    def __init__(self, **parameters):
        given = parameters.pop("kind", kind)
        if _SHORT.get(given, given) != kind:
            raise SpecError(f"{name} fixes kind={kind!r}, got kind={given!r}; use CreditRule(kind=...) "
                            "for another")
        CreditRule.__init__(self, kind=kind, **parameters)

    return dataclasses.dataclass(frozen=True, init=False)(
        type(name, (CreditRule,), {"__init__": __init__, "__doc__": doc, "__module__": __name__}))


FeedbackAlignment = _credit_kind(
    "feedback_alignment", "FeedbackAlignment",
    "Feedback alignment (Lillicrap et al. 2016): the error returns through fixed random weights B.\n\n"
    "Parameters as :class:`CreditRule`, without ``kind``.")
DirectFeedbackAlignment = _credit_kind(
    "direct_feedback_alignment", "DirectFeedbackAlignment",
    "Direct feedback alignment (Nokland 2016): the output error goes straight to every hidden "
    "layer through fixed random weights.\n\nParameters as :class:`CreditRule`, without ``kind``.")
SignSymmetry = _credit_kind(
    "sign_symmetry", "SignSymmetry",
    "Sign-symmetry (Liao, Leibo & Poggio 2016): feedback weights ``sign(W) * abs(B)``.\n\n"
    "Parameters as :class:`CreditRule`, without ``kind``.")
WeightTransport = _credit_kind(
    "weight_transport", "WeightTransport",
    "Weight transport (backprop, Rumelhart et al. 1986): the error returns through the forward "
    "weights themselves; the baseline every rule is measured against.\n\n"
    "Parameters as :class:`CreditRule`, without ``kind``.")
ReadoutOnly = _credit_kind(
    "readout_only", "ReadoutOnly",
    "Readout only: the last layer learns, hidden layers stay fixed (the control every credit "
    "rule must beat).\n\nParameters as :class:`CreditRule`, without ``kind``.")


def hidden_signal_expression(dale: bool, fa: str | None = None) -> str:
    """The error that reaches a hidden layer (before the surrogate derivative).

    All four signals are computed by the circuit; the rule's coefficients ``c_fa, c_ss, c_bp,
    c_dfa`` (constants of the hidden group, see :meth:`CreditRule.coefficients`) pick one, so one
    compiled program serves every rule. Summed variables from the excitatory (``_e``) and, under
    Dale's law, from the inhibitory relay pathway (``_i``, a linked variable) add up. ``fa``
    names another variable for feedback alignment's signal (e.g. one summed from error
    populations).

    Parameters
    ----------
    dale : bool
        Whether Dale's law is on (then the inhibitory pathway's ``_i`` variables add).
    fa : str, optional
        Expression of feedback alignment's signal (default: the summed ``fa`` variables).

    Returns
    -------
    str
        ``M_{l+1}^T δ_{l+1}`` of the module equation for the chosen ``M`` (or ``B_l e`` for DFA).
    """
    def both(name):
        return f"({name}_e + {name}_i)" if dale else f"{name}_e"

    fa = fa or both("fa")
    return f"(c_fa * {fa} + c_ss * {both('ss')} + c_bp * {both('bp')} + c_dfa * dfa)"


def forward_synapse_model(sign: int, summed_into_relay: bool, post_is_output: bool) -> str:
    """Model of a forward projection ``pre -> post`` whose presynaptic side receives credit.

    Parameters
    ----------
    sign : int
        +1 (excitatory presynaptic population, weight magnitude ``w >= 0``), -1 (inhibitory relay,
        magnitude ``w >= 0``, signed weight ``-w``) or 0 (Dale's law off: ``w`` carries its sign).
    summed_into_relay : bool
        The presynaptic group is a relay: summed targets are ``fa, bp, ss`` (read by the hidden
        layer through linked variables) instead of ``fa_e, bp_e, ss_e``.
    post_is_output : bool
        Unused by the model (the output provides ``d_rule`` and ``dbp`` like a hidden layer).
    """
    if sign not in (-1, 0, 1):
        raise SpecError(f"sign must be -1, 0 or +1, got {sign!r}")
    suffix = "" if summed_into_relay else "_e"
    signed_w = {1: "w", -1: "(-w)", 0: "w"}[sign]
    ss_sign = {1: "int(w > 0)", -1: "(-int(w > 0))", 0: "sign(w)"}[sign]
    return "\n".join([
        "w : 1",
        "b : 1 (constant)",
        f"fa{suffix}_pre = b * d_rule_post : 1 (summed)",
        f"bp{suffix}_pre = {signed_w} * dbp_post : 1 (summed)",
        f"ss{suffix}_pre = {ss_sign} * abs(b) * d_rule_post : 1 (summed)",
    ])


def feedback_synapse_model() -> str:
    """Direct feedback alignment: a separate pathway from the output error to a hidden layer (the
    error the output learns from, ``d_rule``: the true error, or a critic's stand-in)."""
    return "b : 1 (constant)\ndfa_post = b * d_rule_pre : 1 (summed)"


def weight_update_code(sign: int, learning_rate_name: str = "eta", w_max: str = "w_max",
                       centered: bool = False) -> str:
    """Three-factor update run once per presentation: ``Δw_signed = η x_pre δ_post``.

    ``delta_post`` already holds the learning gate and the surrogate derivative. Magnitudes of
    sign-constrained weights are clipped to ``[0, w_max]`` so they never change sign. With
    ``centered`` the presynaptic factor is ``x_pre - c_center x̄_pre`` (``c_center``, a run-time
    constant of the synapses, switches the covariance form on; ``x̄`` is ``xbar_pre``).

    This is ``ΔW_l = η δ_l x_{l-1}^T`` of the module equation, for one synapse.

    Parameters
    ----------
    sign : int
        +1 (excitatory magnitude), -1 (inhibitory magnitude, signed weight ``-w``) or 0
        (mixed-sign weight, clipped to ``[-w_max, w_max]``).
    learning_rate_name : str
        Name of the learning rate in the code.
    w_max : str
        Name (or expression) of the bound on magnitudes.
    centered : bool
        Use the covariance form of the presynaptic factor.

    Returns
    -------
    str

    Raises
    ------
    SpecError
        If ``sign`` is not -1, 0 or +1.
    """
    x = "(x_l_pre - c_center * xbar_pre)" if centered else "x_l_pre"
    if sign == 1:
        return f"w = clip(w + {learning_rate_name} * {x} * delta_post, 0, {w_max})"
    if sign == -1:
        return f"w = clip(w - {learning_rate_name} * {x} * delta_post, 0, {w_max})"
    if sign == 0:
        return f"w = clip(w + {learning_rate_name} * {x} * delta_post, -{w_max}, {w_max})"
    raise SpecError(f"sign must be -1, 0 or +1, got {sign!r}")
