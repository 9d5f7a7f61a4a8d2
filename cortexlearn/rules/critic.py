"""An error critic: a population that predicts the error a layer will receive, learned by a local
delta rule, with an optional bootstrapped (TD-like) target.

Werbos (1992), *Approximate dynamic programming for real-time control and neural modeling*
(the "error critic": a network that estimates the costate, i.e. the derivative of future cost);
Jaderberg et al. (2017), *Decoupled neural interfaces using synthetic gradients*, ICML (the
modern form; conditioning on the label, Sec. 3.2).

Each presentation ``n`` the critic reads the activity :math:`h_n` of a layer (e.g. spike counts)
and, optionally, a context vector :math:`c_n` (the label), and predicts

.. math::

    \\hat\\epsilon_{k,n} = \\sum_i C_{ki}\\, h_{i,n} + \\sum_m D_{km}\\, c_{m,n} + b_k .

The layer learns from :math:`\\epsilon^{used}_n = a_n\\,\\epsilon_n + (1 - a_n)\\,\\hat\\epsilon_n`,
where :math:`a_n \\in \\{0, 1\\}` says whether the true error :math:`\\epsilon_n` arrived. The critic
learns by the delta rule toward the target

.. math::

    \\tau_n = a_n\\,\\epsilon_n + \\gamma\\,\\hat\\epsilon_{n+1}, \\qquad
    \\Delta C_{ki} = \\eta\\,(\\tau_{k,n} - \\hat\\epsilon_{k,n})\\, h_{i,n}

(likewise for :math:`D` and :math:`b`). With ``discount`` :math:`\\gamma = 0` and errors present
(:math:`a_n = 1`) this is the LMS rule whose fixed point is the least-squares fit of the error on
the activity; with :math:`\\gamma > 0` the critic predicts the discounted sum of future errors
(Werbos' bootstrapped costate), and its update for presentation ``n`` happens when presentation
``n + 1`` has been read. With :math:`\\gamma = 0` and no true error (:math:`a_n = 0`) the target is
0 and the critic does not learn; pass ``learn_without_error=False`` (default) to skip those updates.

**Normalised** (``normalized=True``, the NLMS rule of Widrow & Lehr 1990): the read synapses'
rate is divided by :math:`1 + \\lVert h_n \\rVert^2`, summed over the read layer,
:math:`\\Delta C_{ki} = \\eta\\,\\delta_{k,n}\\, h_{i,n} / (1 + \\lVert h_n \\rVert^2)` (and the bias
likewise), which is stable for :math:`0 < \\eta < 2` whatever the layer's size and activity, so
the critic can track a layer that keeps learning. For the present error only (no discount, lags or
``learning_activity``).

**Episodes** (``episodic=True``): an arrived true error ends an episode (e.g. the error of a
sequence, given at its end), so the target does not bootstrap past it:
:math:`\\tau_n = a_n\\,\\epsilon_n + (1 - a_n)\\,\\gamma\\,\\hat\\epsilon_{n+1}`. With the discount
:math:`\\gamma` equal to the leak :math:`\\lambda` of a leaky integrator read out at the end of the
episode, the critic's fixed point is the costate :math:`\\lambda^{N-n}\\epsilon_N` of presentation
``n`` (Werbos' backward recursion :math:`g_n = \\lambda\\, g_{n+1}`).

**Late errors** (``lags = K > 0``): the true error :math:`\\epsilon_{n-k}` of presentation
:math:`n - k` arrives after presentation :math:`n`, with a lag :math:`k \\le K` set per presentation
(``lag_e``). The critic keeps its last :math:`K` predictions and learns toward the late error from
its prediction and the read activity *of that presentation* (the activity comes from the layer's
delay line, ``learning_activity``):
:math:`\\Delta C_{ki} = \\eta\\, a_n (\\epsilon_{k,n-k} - \\hat\\epsilon_{k,n-k})\\, h_{i,n-k}`.
The layer meanwhile learns from the present prediction at once.
"""

from __future__ import annotations

import dataclasses

from ..errors import SpecError
from ..units import check_positive
from .base import LearningRule, Regular, RuleParts

__all__ = ["ErrorCritic"]


@dataclasses.dataclass(frozen=True)
class ErrorCritic(LearningRule):
    """Parameters of the critic's delta rule and the code it renders.

    Parameters
    ----------
    learning_rate : float
        :math:`\\eta` (> 0).
    discount : float
        :math:`\\gamma` in [0, 1): 0 predicts the present error; > 0 bootstraps from the critic's
        own next prediction (a target with :math:`\\gamma \\ge 1` diverges).
    learn_without_error : bool
        Whether to update when no true error arrived (only meaningful with ``discount > 0``).
    activity : str
        Name of the read layer's per-presentation activity variable (e.g. its latched spike count).
    context_learning_rate : float, optional
        :math:`\\eta` of the context synapses (default: ``learning_rate``). A one-hot label has a far
        smaller norm than a layer's spike counts, so its weights may need a larger rate.
    activity_offset : float
        Subtracted from the read activity (:math:`h_i - h_0`), e.g. the layer's homeostatic target
        count: centred inputs speed up the LMS rule (the mean makes the input correlation matrix
        ill-conditioned). Not applied to the context.
    switches : bool
        Add run-time constants ``use_read``, ``use_context`` and ``use_prediction`` (0 or 1) to the
        critic units, so one compiled program can also run a label-only critic (``use_read = 0``),
        a critic without context (``use_context = 0``) and no critic at all (``use_prediction = 0``:
        the layer learns from the true error where it arrived, from nothing elsewhere). Gated
        synapses do not learn. The learning rates then are run-time constants too (``eta_read``
        for the read synapses and the bias, ``eta_context``), so a re-run may change them. A fourth
        switch, ``use_true`` (default 1), lets the layer use the true error where it arrived; with
        ``use_true = 0`` it learns from the prediction alone (the true error only trains the critic).
        A fifth, ``use_prediction_output`` (default 1), gates the prediction in a second signal,
        ``err_used_out``: an output critic sends it to the output's own updates, ``err_used`` to
        the credit the hidden layers receive, so with 0 only the hidden layers learn from it.
    learning_activity : str, optional
        The read layer's variable the delta rule multiplies (default: ``activity``), e.g. the
        activity of the presentation whose late error has just arrived.
    normalized : bool
        Divide the read synapses' and the bias's rate by ``1 + |h - h0|^2`` (NLMS; see the module
        docstring): ``learning_rate`` then lies in (0, 2).
    lags : int
        Keep the last ``lags`` predictions for late errors (see the module docstring); the critic
        units then have a variable ``lag_e`` that the error code sets each presentation. Not with
        ``discount > 0``.
    """

    learning_rate: float = 1e-3
    discount: float = 0.0
    learn_without_error: bool = False
    activity: str = "count"
    context_learning_rate: float | None = None
    activity_offset: float = 0.0
    switches: bool = False
    learning_activity: str | None = None
    lags: int = 0
    episodic: bool = False
    normalized: bool = False

    def __post_init__(self):
        check_positive(self.learning_rate, "learning_rate")
        if self.context_learning_rate is not None:
            check_positive(self.context_learning_rate, "context_learning_rate")
        if not 0.0 <= float(self.discount) < 1.0:
            raise SpecError(f"discount must lie in [0, 1) (a bootstrapped target with discount >= 1 "
                            f"diverges), got {self.discount!r}")
        for field in ("activity", "learning_activity"):
            value = getattr(self, field)
            if value is not None and not value.isidentifier():
                raise SpecError(f"{field} must be a variable name, got {value!r}")
        if int(self.lags) != self.lags or self.lags < 0:
            raise SpecError(f"lags must be an integer >= 0, got {self.lags!r}")
        if self.lags and self.discount > 0:
            raise SpecError("a critic for late errors (lags > 0) does not bootstrap: set discount=0")
        if self.normalized and (self.discount > 0 or self.lags or self.learning_activity):
            raise SpecError("normalized applies to a critic of the present error: no discount, "
                            "lags or learning_activity")
        if self.normalized and not float(self.learning_rate) < 2:
            raise SpecError(f"a normalized critic needs 0 < learning_rate < 2 (NLMS is unstable "
                            f"beyond), got {self.learning_rate!r}")
        if self.episodic and not self.discount > 0:
            raise SpecError("episodic applies to a bootstrapping critic: set discount > 0")

    # ------------------------------------------------------------------ critic neurons
    def critic_model(self) -> str:
        """One critic unit per predicted error component."""
        lines = [
            "pred_h : 1", "pred_c : 1", "bias : 1",            # summed inputs and the bias
            "pred : 1", "pred_prev : 1",                     # this and the last prediction
            "err_true : 1", "avail : 1", "err_true_prev : 1", "avail_prev : 1",
            "err_used : 1", "err_used_out : 1", "delta : 1",
        ]
        if self.normalized:
            lines.append("norm_h : 1")  # |h - h0|^2, summed by the read synapses
        if self.switches:
            lines += [f"{s} : 1 (shared, constant)" for s in ("use_read", "use_context", "use_prediction",
                                                               "use_prediction_output", "use_true",
                                                               "eta_read", "eta_context")]
        if self.switches and self.discount > 0:
            lines += ["gamma_s : 1 (shared, constant)", "learn_all : 1 (shared, constant)"]
        if self.lags:
            from ..circuits.delay_line import register_model

            lines += ["lag_e : 1", "pred_e : 1", register_model("pred", self.lags)]
        return "\n".join(lines)

    def switch_values(self) -> dict:
        """Initial values of the run-time constants of the critic units (with ``switches``)."""
        rate_c = self.learning_rate if self.context_learning_rate is None else self.context_learning_rate
        values = {"use_read": 1.0, "use_context": 1.0, "use_prediction": 1.0,
                  "use_prediction_output": 1.0, "use_true": 1.0,
                  "eta_read": float(self.learning_rate), "eta_context": float(rate_c)}
        if self.discount > 0:
            values.update(gamma_s=float(self.discount), learn_all=float(self.learn_without_error))
        return values

    def _prediction(self) -> tuple:
        if self.switches:
            return ("pred = use_read*pred_h + use_context*pred_c + bias",
                    "err_used = use_true*avail*err_true + (1 - use_true*avail)*use_prediction*pred",
                    "err_used_out = use_true*avail*err_true + "
                    "(1 - use_true*avail)*use_prediction*use_prediction_output*pred")
        return ("pred = pred_h + pred_c + bias", "err_used = avail*err_true + (1 - avail)*pred",
                "err_used_out = err_used")

    def predict_code(self) -> str:
        """After the summed inputs are in: the prediction, the error the layer uses, and the
        critic's prediction error for the *previous* presentation (bootstrapped) or this one."""
        if self.discount > 0:
            gate = "1" if self.learn_without_error else "avail_prev"
            gamma = "gamma_c"
            if self.switches:
                gate, gamma = "(learn_all + (1 - learn_all)*avail_prev)", "gamma_s"
            if self.episodic:
                gamma += "*(1 - avail_prev)"
            return ("\n".join(self._prediction()) + "\n"
                    f"delta = (avail_prev*err_true_prev + {gamma}*pred - pred_prev)*{gate}\n"
                    f"bias += {self._bias_rate()}*delta\n"
                    "pred_prev = pred\nerr_true_prev = err_true\navail_prev = avail")
        if self.lags:
            from ..circuits.delay_line import select_expression, shift_code

            return ("\n".join(self._prediction()) + "\n"
                    + shift_code("pred", "pred", self.lags) + "\n"  # pred_k: k presentations back
                    f"pred_e = {select_expression('pred', 'lag_e', self.lags)}\n"
                    "delta = avail*(err_true - pred_e)\n"
                    f"bias += {self._bias_rate()}*delta")
        return ("\n".join(self._prediction()) + "\n"
                "delta = avail*(err_true - pred)\n"
                f"bias += {self._bias_rate()}*delta{self._norm('')}")

    def _bias_rate(self) -> str:
        return "eta_read" if self.switches else "eta_c"

    def _norm(self, suffix: str) -> str:
        if not self.normalized:
            return ""
        gate = f"use_read{suffix}*" if self.switches else ""  # a label-only critic reads no layer
        return f"/(1 + {gate}norm_h{suffix})"

    # ------------------------------------------------------------------ synapses
    def _input(self, summed: str, activity: str | None, learning: bool = False) -> str:
        name = activity or self.activity
        if learning and summed == "pred_h" and self.learning_activity:
            name = self.learning_activity
        act = f"{name}_pre"
        if summed == "pred_h" and self.activity_offset:
            act = f"({act} - h0_c)"
        return act

    def synapse_model(self, summed: str, activity: str | None = None) -> str:
        """Read synapses (layer or context -> critic): weights ``c`` whose products with the
        presynaptic activity sum into the critic's prediction (Jaderberg et al. 2017, eq. 2).

        Parameters
        ----------
        summed : {"pred_h", "pred_c"}
            The critic's summed variable: the prediction from the layer or from the context.
        activity : str, optional
            Name of the presynaptic variable, instead of the rule's ``activity`` (e.g. a
            context's latched label).

        Returns
        -------
        str
            The synapse model (with the summed squared activity for a normalised read).

        Raises
        ------
        SpecError
            If ``summed`` is neither name.
        """
        if summed not in ("pred_h", "pred_c"):
            raise SpecError(f"summed must be 'pred_h' or 'pred_c', got {summed!r}")
        act = self._input(summed, activity)
        model = f"c : 1\nh_prev : 1\n{summed}_post = c*{act} : 1 (summed)"
        if self.normalized and summed == "pred_h":
            model += f"\nnorm_h_post = {act}**2 : 1 (summed)"
        return model

    def synapse_update_code(self, summed: str = "pred_h", activity: str | None = None) -> str:
        """Delta rule on the read synapses, after :meth:`predict_code`. With bootstrapping the
        presynaptic activity of the previous presentation is used (kept per synapse); with
        ``learning_activity`` that variable (for the context: pass ``activity``, the context's
        variable of the presentation the error belongs to).

        ``Δc = η δ h`` (Werbos 1992; with ``discount > 0`` the TD(0) error of Sutton 1988 and the
        previous presentation's ``h``), divided by ``1 + |h|²`` for a normalised read.

        Parameters
        ----------
        summed : {"pred_h", "pred_c"}
            Which read synapses (layer or context).
        activity : str, optional
            Name of the presynaptic variable, as in :meth:`synapse_model`.

        Returns
        -------
        str
        """
        rate = "eta_cc" if summed == "pred_c" else "eta_c"
        if self.switches:
            rate = "eta_read_post*use_read_post" if summed == "pred_h" else \
                "eta_context_post*use_context_post"
        act = self._input(summed, activity, learning=True)
        if self.discount > 0:
            return f"c += {rate}*delta_post*h_prev\nh_prev = {act}"
        norm = self._norm("_post") if summed == "pred_h" else ""
        return f"c += {rate}*delta_post*{act}{norm}"

    def namespace(self) -> dict:
        """Constants of the code: learning rates ``eta_c`` (layer) and ``eta_cc`` (context),
        the discount ``gamma_c`` and the activity offset ``h0_c``.

        Returns
        -------
        dict
        """
        rate_c = self.learning_rate if self.context_learning_rate is None else self.context_learning_rate
        return {"eta_c": float(self.learning_rate), "gamma_c": float(self.discount),
                "eta_cc": float(rate_c), "h0_c": float(self.activity_offset)}

    # ------------------------------------------------------------------ the rule protocol
    paper = ("Werbos 1992 (adaptive critic); Jaderberg et al. 2017, ICML, synthetic gradients "
             "(eq. 2); Sutton 1988 (TD(0) bootstrapping)")
    oracle = "cortexlearn.reference.snn_feedforward:simulate_feedforward"
    roles = ("units", "read", "context")

    def contribution(self, role: str = "units", error_code: str = "", period="presentation",
                     **context) -> RuleParts:
        """The critic's parts.

        Parameters
        ----------
        role : {"units", "read", "context"}
            ``"units"``: the critic neurons (one per predicted error component) and their
            per-presentation prediction; ``"read"``: synapses from the read layer (summed into
            ``pred_h``, delta rule on ``c``); ``"context"``: synapses from a context group such as
            a one-hot label (``pred_c``).
        error_code : str
            Statements that set ``err_true`` and ``avail`` before the prediction (role
            ``"units"``).
        period : Quantity or str
            The clock of the per-presentation updates.

        Returns
        -------
        RuleParts
        """
        self._check_role(role)
        if role == "units":
            constants = self.switch_values() if self.switches else {}
            return RuleParts(neuron_model=self.critic_model(), namespace=self.namespace(),
                             constants=constants,
                             regular=(Regular(error_code + "\n" + self.predict_code(), dt=period,
                                              when="end", on="post"),))
        summed = "pred_h" if role == "read" else "pred_c"
        activity = context.get("activity")
        learning_activity = context.get("learning_activity")
        return RuleParts(model=self.synapse_model(summed, activity), namespace=self.namespace(),
                         regular=(Regular(self.synapse_update_code(summed, learning_activity or activity),
                                          dt=period, when="end", order=1),))
