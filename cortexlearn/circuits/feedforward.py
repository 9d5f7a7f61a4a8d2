"""The specification of a spiking feed-forward classifier trained by a credit-assignment rule.

:class:`FeedforwardConfig` declares the layered circuit (sizes, Dale's law and its pathways,
neurons, presentation); :func:`initial_parameters` draws its weights, feedback matrices and Dale
wiring from seeds. The builder :func:`cortexlearn.build.feedforward.build_feedforward` turns a
configuration, a :class:`~cortexlearn.rules.credit.CreditRule` and a trial schedule into one
Brian2 network (the architecture is described there); sessions longer than one chunk are run by
:mod:`cortexlearn.circuits.feedforward_session`.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from brian2 import ms, second

from ..errors import SpecError
from ..rules.credit import CreditRule
from ..units import as_quantity, check_positive

__all__ = ["FeedforwardConfig", "CreditCircuit", "initial_parameters", "signed_weights", "pathway_masks",
           "pathway_weights", "check_wiring", "pair_list", "PATHWAYS"]

#: values of ``FeedforwardConfig.dale_pathways``
PATHWAYS = ("one", "both")


@dataclasses.dataclass(frozen=True)
class FeedforwardConfig:
    """Sizes and constants of the circuit.

    Parameters
    ----------
    n_inputs, n_outputs : int
        Input channels (ON + OFF) and output neurons.
    hidden_sizes : tuple of int
        Sizes of the hidden layers (at least one).
    tau_m : Quantity
        Membrane time constant of hidden and output neurons.
    dale : bool
        Sign-constrained connections through interneurons (see module docstring).
    p_inhibitory : float
        Fraction of connections routed through inhibitory relays under Dale's law with
        ``dale_pathways="one"``.
    dale_pathways : {"one", "both"}
        Under Dale's law, one pathway per pair (excitatory or inhibitory, fixed at random: the
        weight cannot change sign) or both (effective weight ``w_e - w_i``, either sign; each
        pathway learns at half the rule's rates, so ``w_e - w_i`` steps as far as one mixed-sign
        weight would while neither magnitude sits at a bound). Feedback
        alignment's signal then comes from the excitatory pathway's ``b`` alone (one fixed
        feedback weight per pair), weight transport reads ``w_e - w_i`` and sign-symmetry
        ``(int(w_e > 0) - int(w_i > 0)) |b|``. Only ``"one"`` is accepted without Dale's law.
    input_weight_scale, hidden_weight_scale : float
        Standard deviation of initial signed weights into the first / later hidden layers.
    output_weight_scale : float
        Initial output weights are uniform in ``[0, output_weight_scale)`` (near zero).
    feedback_scale : float
        Standard deviation of the fixed random feedback weights ``b``.
    w_max, bias_max : float
        Bounds of weight magnitudes and of biases.
    error_populations : bool
        Carry the output error back through two rectified error populations (positive and
        negative error, each with an excitatory and an inhibitory copy: Dale-compliant, see
        :mod:`cortexlearn.build.error_populations`) instead of signed variables: the fixed random
        feedback of feedback alignment into the last hidden layer and of direct feedback alignment
        into every hidden layer. The signal is the same; weight transport and sign-symmetry keep
        reading the forward synapses.
    """

    n_inputs: int
    hidden_sizes: tuple
    n_outputs: int
    tau_m: object = dataclasses.field(default_factory=lambda: 20 * ms)
    dale: bool = True
    p_inhibitory: float = 0.5
    dale_pathways: str = "one"
    input_weight_scale: float = 0.15
    hidden_weight_scale: float = 0.1
    output_weight_scale: float = 0.01
    feedback_scale: float = 0.05
    w_max: float = 1.0
    bias_max: float = 2.0
    error_populations: bool = False

    def __post_init__(self):
        object.__setattr__(self, "hidden_sizes", tuple(int(n) for n in self.hidden_sizes))
        if not self.hidden_sizes:
            raise SpecError("give at least one hidden layer (hidden_sizes)")
        for name, n in [("n_inputs", self.n_inputs), ("n_outputs", self.n_outputs)] + \
                [("hidden_sizes", n) for n in self.hidden_sizes]:
            if int(n) < 1:
                raise SpecError(f"{name} must be >= 1, got {n}")
        as_quantity(self.tau_m, second, "tau_m")
        check_positive(float(self.tau_m), "tau_m")
        if not 0 <= self.p_inhibitory <= 1:
            raise SpecError(f"p_inhibitory must lie in [0, 1], got {self.p_inhibitory}")
        if self.dale_pathways not in PATHWAYS:
            raise SpecError(f"dale_pathways must be one of {', '.join(map(repr, PATHWAYS))}, got "
                            f"{self.dale_pathways!r}")
        if self.dale_pathways == "both" and not self.dale:
            raise SpecError("dale_pathways='both' needs dale=True: without Dale's law one "
                            "mixed-sign weight per pair already takes either sign")
        for name in ("input_weight_scale", "hidden_weight_scale", "output_weight_scale",
                     "feedback_scale", "w_max", "bias_max"):
            check_positive(getattr(self, name), name, allow_zero=name == "output_weight_scale")

    @property
    def both_pathways(self) -> bool:
        """Every pair has an excitatory and an inhibitory pathway (needs Dale's law, validated)."""
        return self.dale_pathways == "both"

    @property
    def layer_sizes(self) -> tuple:
        """Sizes of all layers: inputs, the hidden layers, outputs."""
        return (int(self.n_inputs),) + self.hidden_sizes + (int(self.n_outputs),)


def initial_parameters(config: FeedforwardConfig, seed: int, feedback: dict | None = None,
                       wiring_seed: int | None = None) -> dict:
    """Signed initial weights ``W[l]`` (pre x post), fixed feedback ``B[l]`` (pre x post, for
    the projection into layer ``l + 1``), DFA matrices ``D[l]`` (n_outputs x hidden l) and the
    sign masks of Dale's law, drawn from ``seed``.

    ``inh{l}`` marks the pairs with an inhibitory pathway: a random fraction ``p_inhibitory``
    with ``dale_pathways="one"`` (the weight's sign follows it), every pair with ``"both"`` (the
    weight keeps the sign of its draw; the same draws as ``"one"``, so B and D do not change).

    ``wiring_seed`` draws the masks from another seed (those that ``wiring_seed`` alone would
    give; every other value still comes from ``seed``): the masks are the circuit's synapse
    structure, compiled into a build, so the seeds of one build must share them. With
    ``dale_pathways="one"`` the weights then take their signs from the wiring's masks and keep
    their magnitudes. Without Dale's law or with both pathways the masks do not depend on the
    seed and ``wiring_seed`` changes nothing.

    ``feedback`` may give DFA matrices explicitly: ``{"D1": array (n_outputs, hidden_sizes[0])}``.

    Parameters
    ----------
    config : FeedforwardConfig
        Layer sizes, weight scales and Dale's law.
    seed : int
        Seed of every draw (weights, B, phases, D, and the masks unless ``wiring_seed``).
    feedback : dict, optional
        Explicit DFA matrices ``D{h}``.
    wiring_seed : int, optional
        Seed of the Dale masks ``inh{l}``.

    Returns
    -------
    dict
        ``W{l}``, ``inh{l}``, ``B{l}`` per projection, ``phase0`` (n_inputs,) and ``D{h}`` per
        hidden layer: feedback alignment (Lillicrap et al. 2016) reads ``B``, direct feedback
        alignment (Nøkland 2016) reads ``D``.

    Raises
    ------
    SpecError
        When an explicit feedback matrix does not fit the layer it feeds.
    """
    rng = np.random.default_rng(seed)
    sizes = config.layer_sizes
    out = {}
    for l in range(len(sizes) - 1):
        n_pre, n_post = sizes[l], sizes[l + 1]
        if l == len(sizes) - 2:
            w = rng.uniform(0, config.output_weight_scale, (n_pre, n_post)) if \
                config.output_weight_scale > 0 else np.zeros((n_pre, n_post))
            w *= rng.choice([-1.0, 1.0], size=(n_pre, n_post))
        else:
            scale = config.input_weight_scale if l == 0 else config.hidden_weight_scale
            w = rng.normal(0, scale, (n_pre, n_post))
        w = np.clip(w, -config.w_max, config.w_max)
        inhibitory = rng.random((n_pre, n_post)) < config.p_inhibitory
        if config.both_pathways:  # both pathways: w_e - w_i = w
            inhibitory = np.ones_like(inhibitory)
        elif config.dale:  # the sign is the pathway's; the magnitude keeps the draw
            w = np.where(inhibitory, -np.abs(w), np.abs(w))
        out[f"W{l}"] = w
        out[f"inh{l}"] = inhibitory if config.dale else np.zeros_like(inhibitory)
        out[f"B{l}"] = rng.normal(0, config.feedback_scale, (n_pre, n_post))
    out["phase0"] = rng.random(config.n_inputs)  # random initial phases of the generators
    for h, n_h in enumerate(config.hidden_sizes, start=1):
        key = f"D{h}"
        given = (feedback or {}).get(key)
        if given is None:
            out[key] = rng.normal(0, config.feedback_scale, (config.n_outputs, n_h))
        else:
            given = np.asarray(given, dtype=float)
            if given.shape != (config.n_outputs, n_h):
                raise SpecError(f"DFA feedback {key} has shape {given.shape}, but hidden layer {h} "
                                f"has {n_h} neurons and the output {config.n_outputs}: expected "
                                f"({config.n_outputs}, {n_h})")
            out[key] = given
    for key in (feedback or {}):
        if key not in out or not key.startswith("D"):
            raise SpecError(f"unknown feedback matrix {key!r}; DFA matrices are "
                            f"{', '.join(f'D{h}' for h in range(1, len(config.hidden_sizes) + 1))}")
    if wiring_seed is not None and wiring_seed != seed:
        wiring = initial_parameters(config, wiring_seed)
        for l in range(len(sizes) - 1):
            out[f"inh{l}"] = wiring[f"inh{l}"]
            if config.dale and not config.both_pathways:
                out[f"W{l}"] = np.where(out[f"inh{l}"], -np.abs(out[f"W{l}"]), np.abs(out[f"W{l}"]))
    return out


def check_wiring(build_params: dict, params: dict) -> None:
    """Refuse ``params`` whose Dale masks (``inh{l}``) differ from those a circuit was built with:
    the synapses exist only where the build's masks put them, so other masks would silently lose
    every weight whose pathway the build does not have.

    Parameters
    ----------
    build_params : dict
        The parameters the circuit was built with (:func:`initial_parameters`).
    params : dict
        The parameters to run it with.

    Raises
    ------
    SpecError
        If a mask is missing from ``params`` or differs from the build's.
    """
    for key in sorted(k for k in build_params if k.startswith("inh")):
        if key not in params:
            raise SpecError(f"params lack the Dale mask {key!r} (use initial_parameters)")
        if not np.array_equal(np.asarray(build_params[key], bool), np.asarray(params[key], bool)):
            raise SpecError(
                f"these params have another Dale wiring than the compiled circuit (mask {key} of "
                "projection " + key[3:] + "); the synapse structure is part of the build. Draw the "
                "seeds of one build with a shared wiring, initial_parameters(config, seed, "
                "wiring_seed=...), or build a circuit per wiring")


def pair_list(mask):
    """Indices of the true entries of a (pre x post) mask, as synapse indices.

    Parameters
    ----------
    mask : array_like of bool
        Pairs that have a synapse.

    Returns
    -------
    i, j : ndarray of int32
        Presynaptic and postsynaptic indices, in row-major order of the mask.
    """
    i, j = np.nonzero(mask)
    return i.astype(np.int32), j.astype(np.int32)


def pathway_masks(config: FeedforwardConfig, inhibitory) -> tuple:
    """Pairs ``(pre, post)`` with an excitatory (or, without Dale's law, mixed-sign) and with an
    inhibitory pathway, from the ``inh{l}`` mask of :func:`initial_parameters`.

    Parameters
    ----------
    config : FeedforwardConfig
        With ``dale_pathways="both"`` every pair has both pathways.
    inhibitory : array_like of bool
        The ``inh{l}`` mask (pre x post).

    Returns
    -------
    excitatory, inhibitory : ndarray of bool
        Masks of the two pathways (pre x post).
    """
    inhibitory = np.asarray(inhibitory, dtype=bool)
    if config.both_pathways:
        return np.ones_like(inhibitory), np.ones_like(inhibitory)
    return ~inhibitory, inhibitory


def signed_weights(state: dict, config: FeedforwardConfig, pair_index: dict) -> dict:
    """Assemble signed weight matrices from a state dict (see :meth:`FeedforwardNet.weights`):
    the pathways of a pair add up (``w_e - w_i``).

    Parameters
    ----------
    state : dict
        Synapse weights under ``"{pathway}.w"`` (non-negative magnitudes under Dale's law).
    config : FeedforwardConfig
        Gives the layer sizes.
    pair_index : dict
        ``{pathway name: (i, j, sign)}``; pathways of projection ``l`` are named ``p{l}_...``.

    Returns
    -------
    dict
        Signed weights ``W{l}``, pre x post.
    """
    sizes = config.layer_sizes
    out = {}
    for l in range(len(sizes) - 1):
        W = np.zeros((sizes[l], sizes[l + 1]))
        for pname, (i, j, sign) in pair_index.items():
            if pname.startswith(f"p{l}_"):
                w = state[f"{pname}.w"]
                W[i, j] += (-1.0 if sign < 0 else 1.0) * w
        out[f"W{l}"] = W
    return out


def pathway_weights(state: dict, config: FeedforwardConfig, pair_index: dict) -> dict:
    """Magnitudes of the excitatory (``W{l}_e``) and inhibitory (``W{l}_i``) pathways (pre x
    post, zero where a pair has no such pathway) from a state dict; without Dale's law ``W{l}_e``
    holds the signed weights and ``W{l}_i`` is zero.

    Parameters
    ----------
    state : dict
        Synapse weights under ``"{pathway}.w"``.
    config : FeedforwardConfig
        Gives the layer sizes.
    pair_index : dict
        ``{pathway name: (i, j, sign)}``; pathways of projection ``l`` are named ``p{l}_...``.

    Returns
    -------
    dict
        ``W{l}_e`` and ``W{l}_i``, pre x post.
    """
    sizes = config.layer_sizes
    out = {}
    for l in range(len(sizes) - 1):
        for tag in ("e", "i"):
            out[f"W{l}_{tag}"] = np.zeros((sizes[l], sizes[l + 1]))
        for pname, (i, j, sign) in pair_index.items():
            if pname.startswith(f"p{l}_"):
                out[f"W{l}_{'i' if sign < 0 else 'e'}"][i, j] = state[f"{pname}.w"]
    return out


@dataclasses.dataclass(frozen=True, eq=False)
class CreditCircuit:
    """A layered circuit, its credit-assignment rule and its session: what
    :func:`cortexlearn.build.build` turns into one compiled network
    (:class:`~cortexlearn.build.feedforward.FeedforwardNet`).

    The rule is one argument: ``CreditCircuit(config, FeedbackAlignment(), ...)`` and
    ``CreditCircuit(config, WeightTransport(), ...)`` build the same circuit with another matrix
    carrying the error back (:mod:`cortexlearn.rules.credit`).

    Parameters
    ----------
    config : FeedforwardConfig
        Layers, Dale's law and its pathways, neurons.
    rule : CreditRule
        FA, DFA, sign-symmetry, weight transport or readout-only.
    schedule : RenderedSchedule
        The session's trials (:func:`cortexlearn.stimuli.render_schedule`).
    params : dict, optional
        Initial weights, feedback matrices and Dale wiring (:func:`initial_parameters`); default:
        drawn with ``seed``.
    seed : int
        Seed of the initial parameters when ``params`` is not given.
    options : dict
        Further keywords of :func:`cortexlearn.build.feedforward.build_feedforward` (``name``,
        ``chunk_trials``, ``raster_trials``, ``substitute_error``, ``error_lags``,
        ``sequence_error``).
    """

    config: FeedforwardConfig
    rule: CreditRule
    schedule: object
    params: dict | None = None
    seed: int = 0
    options: dict = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        if not isinstance(self.config, FeedforwardConfig):
            raise SpecError(f"config must be a FeedforwardConfig, got {type(self.config).__name__}")
        if not isinstance(self.rule, CreditRule):
            raise SpecError(f"rule must be a credit-assignment rule (cortexlearn.rules.FeedbackAlignment, "
                            f"DirectFeedbackAlignment, SignSymmetry, WeightTransport, ReadoutOnly), got "
                            f"{type(self.rule).__name__}")
        if self.params is None:
            object.__setattr__(self, "params", initial_parameters(self.config, int(self.seed)))
        known = {"name", "chunk_trials", "raster_trials", "substitute_error", "error_lags", "sequence_error"}
        unknown = sorted(set(self.options) - known)
        if unknown:
            raise SpecError(f"unknown CreditCircuit option(s) {unknown}; known: {sorted(known)}")
