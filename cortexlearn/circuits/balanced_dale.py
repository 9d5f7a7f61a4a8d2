"""The specification of the fast/slow balanced network with separate excitatory and inhibitory
populations (Bourdoukan & Denève 2015 under Dale's law, after Boerlin, Machens & Denève 2013):
:class:`DaleBalancedConfig`, the sign-constrained encoders (:func:`dale_encoders`), the optimal
fast and slow magnitudes (:func:`dale_fast_weights`, :func:`dale_slow_weights`) and the schedule
with its constant dimension (:func:`augment_schedule`). The construction — why every weight can be
a non-negative magnitude — is described in :mod:`cortexlearn.build.balanced_dale`, which builds it.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from brian2 import Hz, ms, second

from ..errors import SpecError
from ..rules.balanced import DaleFastInhibitoryRule, DaleSlowErrorRule
from ..units import as_quantity, check_positive
from .balanced_system import LinearSystem, Schedule, random_encoders

__all__ = ["DaleBalancedConfig", "augment_schedule", "dale_encoders", "dale_fast_weights",
           "dale_slow_weights"]



@dataclasses.dataclass(frozen=True)
class DaleBalancedConfig:
    """Parameters of the E/I fast/slow network.

    Parameters
    ----------
    n_excitatory, n_inhibitory : int
    encoder_norm : float
        ``|F_i|`` of the signal part of every encoder (0.1, as in the mixed-sign network).
    constant_component : float or None
        ``a``, the constant part of every encoder; None means ``encoder_norm`` (the smallest value
        that keeps every fast weight of one sign).
    constant_signal : float
        ``b``, the value of the constant dimension.
    cost_excitatory, cost_inhibitory : float or None
        Quadratic costs ``μ_E``, ``μ_I``; None means ``|F̃|²``.
    leak : Quantity
        ``λ = λ_V`` (10 Hz).
    noise : float
        Voltage noise std as a fraction of each population's threshold.
    feedback_gain : Quantity
        ``K`` of the fed-back error current into the excitatory neurons.
    slow_rule : DaleSlowErrorRule
    excitatory_reset : str
        ``"cost"``: an excitatory spike lowers its own voltage by ``μ_E`` only, since the
        inhibitory population returns the spike's effect on the estimate, ``|F̃|²``, a step later
        (``V^E = F̃·(x̃ - x̂^I) - μ_E r^E``); ``"full"``: by ``|F̃|² + μ_E`` as in the mixed-sign
        network (that effect is then counted twice).
    feedback_constant : bool
        Whether the error of the constant dimension is fed back as a current. Off by default:
        with it on (and learning from the signal dimensions only) the network ran away to kHz
        rates within 15 s of learning (measured, N_E = 50, N_I = 25, seed 0).
    fast : str
        ``"optimal"``: the fast magnitudes are fixed at :func:`dale_fast_weights`; ``"learned"``:
        the inhibitory ones (I→E, I→I) start at ``fast_init`` times those values and learn with
        ``fast_rule`` while the schedule's fast gate is on (E→I stays fixed).
    fast_init : float
        Initial inhibitory fast magnitudes of ``"learned"`` as a fraction of their optimum.
    fast_rule : DaleFastInhibitoryRule
    learn_constant : bool
        Whether the slow rule learns from the constant dimension's error. Off by default: that
        error has one sign for every neuron, and (measured, with b = 1 overshooting to 1.1 under
        feedback) it drove all I→E magnitudes up and the E→E ones down until the autonomous
        network fell silent; the rule then sees ``F_i·(x - x̂)`` of the signal dimensions only.
    """

    n_excitatory: int = 50
    n_inhibitory: int = 25
    encoder_norm: float = 0.1
    constant_component: float | None = None
    constant_signal: float = 1.0
    cost_excitatory: float | None = None
    cost_inhibitory: float | None = None
    leak: object = dataclasses.field(default_factory=lambda: 10 * Hz)
    noise: float = 0.3
    feedback_gain: object = dataclasses.field(default_factory=lambda: 100 * Hz)
    slow_rule: DaleSlowErrorRule = dataclasses.field(default_factory=DaleSlowErrorRule)
    tau_balance: object = dataclasses.field(default_factory=lambda: 5 * ms)
    accumulate_every: object = dataclasses.field(default_factory=lambda: 1 * ms)
    excitatory_reset: str = "cost"
    fast: str = "optimal"
    fast_init: float = 0.0
    fast_rule: DaleFastInhibitoryRule = dataclasses.field(default_factory=DaleFastInhibitoryRule)
    feedback_constant: bool = False
    learn_constant: bool = False

    def __post_init__(self):
        if self.fast not in ("optimal", "learned"):
            raise SpecError(f"fast must be 'optimal' or 'learned', got {self.fast!r}")
        check_positive(self.fast_init, "fast_init", allow_zero=True)
        if self.excitatory_reset not in ("cost", "full"):
            raise SpecError(f"excitatory_reset must be 'cost' or 'full', got {self.excitatory_reset!r}")
        for name in ("n_excitatory", "n_inhibitory"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or value < 2:
                raise SpecError(f"{name} must be an integer >= 2, got {value!r}")
        check_positive(self.encoder_norm, "encoder_norm")
        if self.constant_component is not None:
            check_positive(self.constant_component, "constant_component")
            if self.constant_component < self.encoder_norm:
                raise SpecError(f"constant_component {self.constant_component} < encoder_norm "
                                f"{self.encoder_norm}: some fast weights would change sign")
        check_positive(self.constant_signal, "constant_signal")
        for name in ("cost_excitatory", "cost_inhibitory"):
            if getattr(self, name) is not None:
                check_positive(getattr(self, name), name, allow_zero=True)
        as_quantity(self.leak, Hz, "leak")
        check_positive(float(self.leak), "leak")
        check_positive(self.noise, "noise", allow_zero=True)
        as_quantity(self.feedback_gain, Hz, "feedback_gain")
        check_positive(float(self.feedback_gain), "feedback_gain", allow_zero=True)
        as_quantity(self.tau_balance, second, "tau_balance")
        check_positive(float(self.tau_balance), "tau_balance")

    @property
    def a(self) -> float:
        """The encoders' constant component ``a``: ``constant_component``, or ``|F|`` when None."""
        return self.encoder_norm if self.constant_component is None else float(self.constant_component)

    @property
    def norm_squared(self) -> float:
        """``|F̃|² = |F|² + a²``."""
        return self.encoder_norm ** 2 + self.a ** 2

    def mu(self, population: str) -> float:
        """The cost ``μ`` of a spike of one population.

        Parameters
        ----------
        population : str
            ``"E"`` for the excitatory population, anything else for the inhibitory one.

        Returns
        -------
        float
            The population's cost, or ``|F̃|²`` when it is None.
        """
        cost = self.cost_excitatory if population == "E" else self.cost_inhibitory
        return self.norm_squared if cost is None else float(cost)

    def threshold(self, population: str) -> float:
        """The threshold ``(|F̃|² + μ)/2`` of one population (Boerlin, Machens & Denève 2013).

        Parameters
        ----------
        population : str
            ``"E"`` or ``"I"``, as for :meth:`mu`.

        Returns
        -------
        float
        """
        return (self.norm_squared + self.mu(population)) / 2


def dale_encoders(config: DaleBalancedConfig, dimension: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """Augmented encoders ``(F, a)`` of the E and the I population, (N_E, J+1) and (N_I, J+1).

    Parameters
    ----------
    config : DaleBalancedConfig
        Population sizes, encoder norm and constant component ``a``.
    dimension : int
        Dimension ``J`` of the signal.
    rng : numpy.random.Generator
        Draws the signal part (:func:`random_encoders`), E population first.

    Returns
    -------
    enc_e, enc_i : ndarray
        The augmented encoders of the two populations.
    """
    out = []
    for n in (config.n_excitatory, config.n_inhibitory):
        f = random_encoders(n, dimension, config.encoder_norm, rng)
        out.append(np.concatenate([f, np.full((n, 1), config.a)], axis=1))
    return out[0], out[1]


def dale_fast_weights(enc_e: np.ndarray, enc_i: np.ndarray) -> dict[str, np.ndarray]:
    """Fast magnitudes (post x pre): ``EI = F̃_I F̃_Eᵀ``, ``IE = F̃_E F̃_Iᵀ``, ``II = F̃_I F̃_Iᵀ``
    with a zero diagonal (the diagonal is the reset). All are >= 0 by construction.

    Parameters
    ----------
    enc_e, enc_i : ndarray
        Augmented encoders of the E and the I population (:func:`dale_encoders`).

    Returns
    -------
    dict of ndarray
        Magnitudes under the keys ``"EI"`` (E→I), ``"IE"`` (I→E) and ``"II"``.

    Raises
    ------
    SpecError
        If an encoder pair has a negative dot product (the constant component is too small).
    """
    w = {"EI": enc_i @ enc_e.T, "IE": enc_e @ enc_i.T, "II": enc_i @ enc_i.T}
    np.fill_diagonal(w["II"], 0.0)
    low = min(float(v.min()) for v in w.values())
    if low < -1e-12:
        raise SpecError(f"a fast weight would be negative ({low:.3g}): the encoders' constant "
                        "component must be at least the norm of their signal part")
    return {k: np.clip(v, 0.0, None) for k, v in w.items()}


def dale_slow_weights(enc_e: np.ndarray, enc_i: np.ndarray, system: LinearSystem, leak=10 * Hz,
                      margin: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Non-negative slow magnitudes (Hz) that implement ``m_i·x̂``, ``m_i = F_i (A + λI)``:
    ``W^EE_ik = m_i·F_k + α_i a`` and ``W^IE_im = α_i a_I`` with ``α_i a = margin · max_k |m_i·F_k|``
    (the offset is taken away again by the inhibitory population's estimate of the constant
    dimension, ``a_I Σ_m r^I_m ≈ b``).

    Parameters
    ----------
    enc_e, enc_i : ndarray
        Augmented encoders of the E and the I population; the last column is ``a``.
    system : LinearSystem
        The target dynamics ``A``.
    leak : Quantity
        The rate leak ``λ``.
    margin : float
        Factor on the smallest offset that makes every E→E weight non-negative.

    Returns
    -------
    w_ee, w_ie : ndarray
        Slow magnitudes in Hz, post x pre.
    """
    j = system.dimension
    f_e, a_e = enc_e[:, :j], enc_e[:, j]
    m = f_e @ (system.matrix + float(leak / Hz) * np.eye(j))
    signal = m @ f_e.T
    offset = margin * np.max(np.abs(signal), axis=1)      # α_i a
    w_ee = signal + offset[:, None]
    alpha = offset / a_e
    w_ie = np.outer(alpha, enc_i[:, j])
    return np.clip(w_ee, 0.0, None), w_ie


def augment_schedule(schedule: Schedule, config: DaleBalancedConfig) -> Schedule:
    """The schedule with the constant dimension appended: target ``b``, command ``λ b``.

    Parameters
    ----------
    schedule : Schedule
        The schedule of the signal dimensions.
    config : DaleBalancedConfig
        Gives the constant ``b`` (``constant_signal``) and the leak ``λ``.

    Returns
    -------
    Schedule
        A copy with one more column in ``command`` and ``target``.
    """
    n = schedule.command.shape[0]
    b = config.constant_signal
    command = np.concatenate([schedule.command, np.full((n, 1), float(config.leak / Hz) * b)], axis=1)
    target = np.concatenate([schedule.target, np.full((n, 1), b)], axis=1)
    return dataclasses.replace(schedule, command=command, target=target)
