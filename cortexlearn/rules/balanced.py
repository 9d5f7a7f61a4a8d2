"""Learning rules of balanced spiking networks with fast and slow recurrent connections.

Bourdoukan & Denève (2015), "Enforcing balance allows local supervised learning in spiking
recurrent networks", NIPS 28. A network of integrate-and-fire neurons with encoding weights
``F`` (N x J) represents a J-dimensional signal ``x̂ = Fᵀ r`` (``r``: spike trains filtered with
rate ``λ``). Two kinds of recurrent connections:

- **fast** connections ``Ωf`` (delivered instantly, as voltage jumps) keep the network balanced:
  their optimum is ``Ωf = -F Fᵀ`` off the diagonal, the diagonal being the reset
  ``-(|F_i|² + μ)``;
- **slow** connections ``Ωs`` (through the filtered rates ``r``) implement the dynamics
  ``dx/dt = A x + c``: their optimum is ``Ωs = F (A + λI) Fᵀ``.

Both rules here are written as Brian2 code strings; the builder
:func:`cortexlearn.build.balanced.build_balanced_network` puts them into ``Synapses``.
"""

from __future__ import annotations

import dataclasses

from brian2 import Hz, second

from ..errors import SpecError
from ..units import as_quantity, check_positive
from .base import LearningRule, Regular, RuleParts

__all__ = ["SlowErrorRule", "FastBalanceRule", "DaleSlowErrorRule", "DaleFastInhibitoryRule"]


@dataclasses.dataclass(frozen=True)
class SlowErrorRule(LearningRule):
    """Local supervised rule of the slow connections (Bourdoukan & Denève 2015, eq. for Ωs).

    While an error ``e = x - x̂`` is fed back into every neuron as the current ``K F_i·e``, the
    slow weight from neuron k to neuron i follows::

        dΩs_ik/dt = η · g(t) · (F_i·e)(t) · r_k(t)

    the fed-back error *seen by the postsynaptic neuron* times the presynaptic filtered spike
    train; ``g(t)`` in {0, 1} gates learning. The update is applied every ``update_interval``
    (a ``run_regularly`` operation) with the values of that moment, an unbiased sample of the
    continuous rule.

    Parameters
    ----------
    learning_rate : Quantity
        ``η`` in units of ``Hz**2`` (``Ωs`` is a rate, ``F_i·e`` and ``r`` are numbers).
        The total rate ``Σ_k r_k`` needed to represent ``x`` does not depend on N, so one update
        changes each neuron's input by ``∝ η/N`` and the decoded dynamics (N neurons) by
        ``∝ η``: the same ``η`` suits every N (measured: N = 100 diverged with ``η`` scaled by N).
    update_interval : Quantity
        Interval of the ``run_regularly`` update (default 1 ms).
    """

    learning_rate: object = dataclasses.field(default_factory=lambda: 5.0 * Hz ** 2)
    update_interval: object = dataclasses.field(default_factory=lambda: 1e-3 * second)

    paper = "Bourdoukan & Deneve 2015, NIPS 28 (slow connections)"
    oracle = "cortexlearn.reference.balanced:slow_error_update"
    roles = ("slow",)

    def __post_init__(self):
        as_quantity(self.learning_rate, Hz ** 2, "learning_rate")
        check_positive(float(self.learning_rate), "learning_rate", allow_zero=True)
        as_quantity(self.update_interval, second, "update_interval")
        check_positive(float(self.update_interval), "update_interval")

    def contribution(self, role: str = "slow", error: str = "err_post", **context) -> RuleParts:
        """Slow recurrent synapses: the magnitude ``ws`` with its summed currents, updated every
        ``update_interval`` at the end of the step.

        Parameters
        ----------
        role : {"slow"}
        error : str
            Expression of the postsynaptic neuron's fed-back error ``F_i·e``.

        Returns
        -------
        RuleParts
        """
        self._check_role(role)
        return RuleParts(model=self.model(), namespace=self.namespace(),
                         regular=(Regular(self.update(error), dt=self.update_interval, when="end"),))

    def model(self) -> str:
        """Synapse model: the signed weight ``ws`` (Hz) and its summed slow current ``ws · r_pre``,
        split into the excitatory and inhibitory inputs of the postsynaptic neuron.

        Returns
        -------
        str
        """
        return ("ws : Hz\n"
                "Islow_exc_post = clip(ws, 0*Hz, inf*Hz)*r_pre : Hz (summed)\n"
                "Islow_inh_post = clip(-ws, 0*Hz, inf*Hz)*r_pre : Hz (summed)\n")

    def update(self, error: str = "err_post") -> str:
        """Code of the ``run_regularly`` operation on the slow ``Synapses``: the rule
        ``dΩs_ik/dt = η g(t) (F_i·e) r_k`` of Bourdoukan & Denève (2015), Euler step of one
        ``update_interval``.

        Parameters
        ----------
        error : str
            Expression of the postsynaptic neuron's fed-back error ``F_i·e``.

        Returns
        -------
        str
        """
        return f"ws += eta_slow*learn_slow(t)*({error})*r_pre*update_interval_slow"

    def namespace(self) -> dict:
        """Constants of the code: ``eta_slow`` (``η``) and ``update_interval_slow``.

        Returns
        -------
        dict
        """
        return {"eta_slow": self.learning_rate, "update_interval_slow": self.update_interval}


@dataclasses.dataclass(frozen=True)
class FastBalanceRule(LearningRule):
    """Voltage-based rule of the fast connections (after Bourdoukan et al. 2012, Brendel et al. 2020).

    At each spike of presynaptic neuron k, the fast weight onto neuron i (i ≠ k) moves towards
    a multiple of the postsynaptic voltage read just before the spike arrives::

        ΔΩf_ik = β · g(t) · ( -γ (V_i + μ r_i) - Ωf_ik ),   then V_i += Ωf_ik

    In a balanced network ``V_i + μ r_i = F_i·e``; when neuron k fires, the error sits on k's
    threshold face, ``e ≈ F_k/2 + e_⊥`` with ``E[e_⊥] ≈ 0``, so ``E[V_i + μ r_i] ≈ F_i·F_k / 2``
    and with ``γ = 2`` the fixed point is the optimum ``Ωf_ik = -F_i·F_k``. Weights are clipped
    to ``[-w_max, w_max]``. The diagonal (the reset ``-(|F_i|² + μ)``) is not learnt.

    Parameters
    ----------
    learning_rate : float
        ``β`` (dimensionless, fraction of the way moved per presynaptic spike).
    gain : float
        ``γ`` (2 for the fixed point derived above).
    w_max : float
        Bound on ``|Ωf|``.
    """

    learning_rate: float = 1e-3
    gain: float = 2.0
    w_max: float = 0.05

    paper = "Bourdoukan & Deneve 2015, NIPS 28; Brendel et al. 2020, PLoS Comput Biol 16:e1007692"
    oracle = "cortexlearn.reference.balanced:fast_balance_update"
    roles = ("fast",)

    def contribution(self, role: str = "fast", **context) -> RuleParts:
        """Fast recurrent synapses: ``Omega`` moves at each presynaptic spike before it is
        delivered as a voltage jump.

        Parameters
        ----------
        role : {"fast"}

        Returns
        -------
        RuleParts
        """
        self._check_role(role)
        return RuleParts(model=self.model(), on_pre=self.on_pre(), namespace=self.namespace())

    def __post_init__(self):
        for name in ("learning_rate", "gain", "w_max"):
            value = getattr(self, name)
            as_quantity(value, 1, name)
            check_positive(value, name, allow_zero=(name == "learning_rate"))

    def model(self) -> str:
        """Synapse model: the dimensionless fast weight ``Omega``.

        Returns
        -------
        str
        """
        return "Omega : 1\n"

    def on_pre(self) -> str:
        """Code at a presynaptic spike: ``Omega`` moves towards ``-γ (V_i + μ r_i)``, clipped to
        ``[-w_max, w_max]`` (class equation), then jumps the postsynaptic voltage by ``Omega`` and
        adds it to the excitatory or inhibitory balance current.

        Returns
        -------
        str
        """
        return ("Omega = clip(Omega + beta_fast*learn_fast(t)*(-gamma_fast*(v_post + mu_post*r_post)"
                " - Omega), -wmax_fast, wmax_fast)\n"
                "v_post += Omega\n"
                "fexc_post += clip(Omega, 0, inf)/tau_balance\n"
                "finh_post += clip(-Omega, 0, inf)/tau_balance\n")

    def namespace(self) -> dict:
        """Constants of the code: ``beta_fast`` (``β``), ``gamma_fast`` (``γ``), ``wmax_fast``.

        Returns
        -------
        dict
        """
        return {"beta_fast": self.learning_rate, "gamma_fast": self.gain, "wmax_fast": self.w_max}


@dataclasses.dataclass(frozen=True)
class DaleSlowErrorRule(LearningRule):
    """The slow error rule of :class:`SlowErrorRule` on sign-constrained connections (Dale's law).

    Bourdoukan & Denève (2015) with separate excitatory and inhibitory populations (after Boerlin,
    Machens & Denève 2013). A slow connection is a non-negative magnitude ``W_ik``; its sign
    ``s = +1`` (presynaptic neuron excitatory) or ``-1`` (inhibitory) is structural. The signed
    weight ``s W_ik`` follows the same local rule as the mixed-sign one, and the magnitude is
    clipped to ``[0, w_max]`` so that no connection changes sign::

        dW_ik/dt = s · η · g(t) · (F_i·e)(t) · r_k(t),        0 <= W_ik <= w_max

    Parameters
    ----------
    learning_rate : Quantity
        ``η`` in ``Hz**2`` (as in :class:`SlowErrorRule`).
    update_interval : Quantity
        Interval of the ``run_regularly`` update (default 1 ms).
    w_max : Quantity
        Upper bound of the magnitudes (Hz).
    """

    learning_rate: object = dataclasses.field(default_factory=lambda: 5.0 * Hz ** 2)
    update_interval: object = dataclasses.field(default_factory=lambda: 1e-3 * second)
    w_max: object = dataclasses.field(default_factory=lambda: 1.0 * Hz)

    paper = "Bourdoukan & Deneve 2015, NIPS 28; Boerlin, Machens & Deneve 2013, PLoS Comput Biol 9:e1003258"
    oracle = "cortexlearn.reference.balanced:dale_slow_error_update"
    roles = ("slow",)

    def contribution(self, role: str = "slow", presynaptic: str = "E", error: str = "err_post",
                     **context) -> RuleParts:
        """Sign-constrained slow synapses from an ``presynaptic`` ("E" or "I") population.

        Parameters
        ----------
        role : {"slow"}
        presynaptic : {"E", "I"}
            Kind of the presynaptic population: the sign of every weight of the projection.
        error : str
            Expression of the postsynaptic neuron's fed-back error ``F_i·e``.

        Returns
        -------
        RuleParts
        """
        self._check_role(role)
        return RuleParts(model=self.model(presynaptic), namespace=self.namespace(),
                         regular=(Regular(self.update(presynaptic, error), dt=self.update_interval,
                                          when="end"),))

    def __post_init__(self):
        as_quantity(self.learning_rate, Hz ** 2, "learning_rate")
        check_positive(float(self.learning_rate), "learning_rate", allow_zero=True)
        as_quantity(self.update_interval, second, "update_interval")
        check_positive(float(self.update_interval), "update_interval")
        as_quantity(self.w_max, Hz, "w_max")
        check_positive(float(self.w_max), "w_max")

    @staticmethod
    def _sign(presynaptic: str) -> str:
        if presynaptic not in ("E", "I"):
            raise SpecError(f"presynaptic population must be 'E' or 'I', got {presynaptic!r}")
        return "+" if presynaptic == "E" else "-"

    def model(self, presynaptic: str) -> str:
        """Synapse model: the magnitude ``ws`` and its summed current into the excitatory
        (``Islow_exc``) or inhibitory (``Islow_inh``) input of the postsynaptic neuron.

        Parameters
        ----------
        presynaptic : {"E", "I"}
            Kind of the presynaptic population.

        Returns
        -------
        str
        """
        channel = "exc" if self._sign(presynaptic) == "+" else "inh"
        return f"ws : Hz\nIslow_{channel}_post = ws*r_pre : Hz (summed)\n"

    def update(self, presynaptic: str, error: str = "err_post") -> str:
        """Code of the ``run_regularly`` operation: one Euler step of the class equation, the
        magnitude clipped to ``[0, w_max]``.

        Parameters
        ----------
        presynaptic : {"E", "I"}
            Kind of the presynaptic population (the sign ``s``).
        error : str
            Expression of the postsynaptic ``F_i·e``.

        Returns
        -------
        str
        """
        sign = self._sign(presynaptic)
        return (f"ws = clip(ws {sign} eta_slow*learn_slow(t)*({error})*r_pre*update_interval_slow, "
                "0*Hz, wmax_slow)")

    def namespace(self) -> dict:
        """Constants of the code: ``eta_slow``, ``update_interval_slow`` and ``wmax_slow``.

        Returns
        -------
        dict
        """
        return {"eta_slow": self.learning_rate, "update_interval_slow": self.update_interval,
                "wmax_slow": self.w_max}


@dataclasses.dataclass(frozen=True)
class DaleFastInhibitoryRule(LearningRule):
    """Voltage-based rule of the fast inhibitory magnitudes of the E/I network (Dale's law).

    The rule of :class:`FastBalanceRule` written for non-negative magnitudes from an inhibitory
    population (Bourdoukan & Denève 2015; Boerlin, Machens & Denève 2013 for the E/I network). At
    each spike of inhibitory neuron m, the magnitude onto neuron i (excitatory or inhibitory)
    moves towards a multiple of the postsynaptic voltage read before the spike arrives, and the
    spike then lowers that voltage by the magnitude::

        ΔW_im = β · g(t) · ( γ (V_i + μ_i r_i) − W_im ),   0 <= W_im <= w_max,   then V_i -= W_im

    In the E/I network ``V_i + μ_i r_i = F̃_i·d_i`` (``d_i`` the error neuron i sees); when m
    fires, the inhibitory error sits on m's threshold face, so ``E[V_i + μ_i r_i]`` grows with
    ``F̃_i·F̃_m``, the optimal magnitude (:func:`~cortexlearn.circuits.balanced_dale.dale_fast_weights`);
    ``γ`` sets the scale. The clip keeps the sign structural: an inhibitory connection never
    excites. Excitatory→inhibitory magnitudes are not learnt by this rule: at an excitatory spike
    the inhibitory voltage carries no threshold condition that relates it to ``F̃_m·F̃_k``.

    Parameters
    ----------
    learning_rate : float
        ``β`` (fraction of the way moved per presynaptic spike).
    gain : float
        ``γ``.
    w_max : float
        Upper bound of the magnitudes.
    """

    learning_rate: float = 3e-3
    gain: float = 1.2
    w_max: float = 0.05

    paper = "Bourdoukan & Deneve 2015, NIPS 28; Boerlin, Machens & Deneve 2013, PLoS Comput Biol 9:e1003258"
    oracle = "cortexlearn.reference.balanced:dale_fast_inhibitory_update"
    roles = ("fast",)

    def __post_init__(self):
        for name in ("learning_rate", "gain", "w_max"):
            value = getattr(self, name)
            as_quantity(value, 1, name)
            check_positive(value, name, allow_zero=(name == "learning_rate"))

    def contribution(self, role: str = "fast", **context) -> RuleParts:
        """Fast inhibitory synapses: ``w`` moves at each presynaptic spike before it is delivered.

        Parameters
        ----------
        role : {"fast"}

        Returns
        -------
        RuleParts
        """
        self._check_role(role)
        return RuleParts(model=self.model(), on_pre=self.on_pre(), namespace=self.namespace())

    def model(self) -> str:
        """Synapse model: the dimensionless magnitude ``w``.

        Returns
        -------
        str
        """
        return "w : 1\n"

    def on_pre(self) -> str:
        """Code at a presynaptic spike: the class equation, then the voltage jump ``-w`` and the
        inhibitory balance current.

        Returns
        -------
        str
        """
        return ("w = clip(w + beta_fast*learn_fast(t)*(gamma_fast*(v_post + mu_post*r_post) - w), "
                "0, wmax_fast)\n"
                "v_post -= w\n"
                "finh_post += w/tau_balance\n")

    def namespace(self) -> dict:
        """Constants of the code: ``beta_fast``, ``gamma_fast`` and ``wmax_fast``.

        Returns
        -------
        dict
        """
        return {"beta_fast": self.learning_rate, "gamma_fast": self.gain, "wmax_fast": self.w_max}
