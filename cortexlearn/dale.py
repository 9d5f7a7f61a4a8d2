"""Dale's-law transform of a mixed-sign connection (Parisien, Anderson & Eliasmith 2008).

A connection from an excitatory population with mixed-sign weights ``W`` (post x pre) is replaced
by purely excitatory weights plus an inhibitory interneuron population::

    W_exc[i, j] = W[i, j] + c_i,              c_i = (1 + margin) · max(0, -min_j W[i, j])
    interneurons receive  W_to_inh[m, j] = 1 / N_pre   (the mean presynaptic activity)
    and inhibit           W_inh_out[i, m] = c_i · d_m  (d: decoders of Σ_j r_j from the interneurons)
    bias_i = c_i · β                                     (β: offset of that decoding)

so that every post neuron receives ``Σ_j W_exc[i,j] r_j - Σ_m W_inh_out[i,m] a_m + bias_i =
Σ_j W[i,j] r_j``: the offset ``c_i`` added to every weight is taken away again by inhibition
proportional to the total presynaptic activity. With linear interneurons
(``a_m = gain · mean_j r_j + baseline``) the decoders are ``d_m = N_pre / (gain · N_I)`` and
``β = N_pre · baseline / gain``, and the effective input is preserved **exactly** for every
activity pattern; with spiking (nonlinear) interneurons ``d`` comes from a non-negative
least-squares fit (:func:`cortexlearn.reference.nef.interneuron_decoders`) and the input is
preserved on average.

:func:`transform_weights` works on matrices (NumPy only); :func:`transform_circuit` applies it to
a :class:`~cortexlearn.specs.Circuit`.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .errors import SpecError

__all__ = ["DaleTransform", "transform_weights", "transform_circuit"]


@dataclasses.dataclass(frozen=True, eq=False)
class DaleTransform:
    """The parts of a transformed connection (all weights are non-negative magnitudes).

    Attributes
    ----------
    excitatory : array (N_post, N_pre)
        ``W_exc``, pre (E) → post.
    to_inhibitory : array (N_I, N_pre)
        pre (E) → interneurons.
    inhibitory : array (N_post, N_I)
        interneurons → post (inhibitory).
    bias : array (N_post,)
        Input added to each post neuron to cancel the decoding offset.
    offset : array (N_post,)
        ``c_i``, the amount added to each post neuron's weights.
    """

    excitatory: np.ndarray
    to_inhibitory: np.ndarray
    inhibitory: np.ndarray
    bias: np.ndarray
    offset: np.ndarray

    def effective_input(self, rates, inhibitory_rates) -> np.ndarray:
        """Total input to the post neurons for presynaptic and interneuron rates.

        Parameters
        ----------
        rates : ndarray
            Presynaptic rates.
        inhibitory_rates : ndarray
            Interneuron rates.

        Returns
        -------
        ndarray
            ``W_E r - W_I r_I + bias``.
        """
        return self.excitatory @ rates - self.inhibitory @ inhibitory_rates + self.bias

    def linear_interneuron_rates(self, rates, gain: float = 1.0, baseline: float = 0.0) -> np.ndarray:
        """Rates of linear interneurons: ``gain · (W_to_inh @ r) + baseline``.

        Parameters
        ----------
        rates : ndarray
            Presynaptic rates.
        gain, baseline : float, optional
            Of the interneurons' linear response.

        Returns
        -------
        ndarray
        """
        return gain * (self.to_inhibitory @ rates) + baseline


def _validate(weights) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    if w.ndim != 2 or 0 in w.shape:
        raise SpecError(f"the weight matrix must be 2-D (post x pre) and non-empty, got shape {w.shape}")
    bad = ~np.isfinite(w)
    if np.any(bad):
        i, j = np.argwhere(bad)[0]
        raise SpecError(f"the weight matrix holds {int(bad.sum())} NaN/inf value(s) (first at post {i}, "
                        f"pre {j}); the Dale transform needs finite weights")
    return w


def transform_weights(weights, n_inhibitory: int, *, decoders=None, decoder_offset: float | None = None,
                      gain: float = 1.0, baseline: float = 0.0, margin: float = 0.0) -> DaleTransform:
    """Parisien transform of a mixed-sign weight matrix from an excitatory population.

    Parameters
    ----------
    weights : array (N_post, N_pre)
        Mixed-sign weights (post x pre).
    n_inhibitory : int
        Size of the interneuron population (>= 1).
    decoders : array (N_I,), optional
        Non-negative decoders of the total presynaptic activity ``Σ_j r_j`` from the interneurons'
        rates (default: the exact ones for linear interneurons of ``gain`` and ``baseline``).
    decoder_offset : float, optional
        ``β`` such that ``Σ_m d_m a_m ≈ Σ_j r_j + β`` (default: the linear interneurons' one).
    gain, baseline : float
        Linear interneurons' ``a = gain · mean_j(r_j) + baseline`` (used when ``decoders`` is None).
    margin : float
        Extra fraction added to the offsets (``c_i``), so that every excitatory weight is > 0.

    Returns
    -------
    DaleTransform

    Raises
    ------
    SpecError
        NaN/inf or non-2-D weights, ``n_inhibitory < 1`` (no room for interneurons), negative
        decoders, or a non-positive gain.
    """
    w = _validate(weights)
    if isinstance(n_inhibitory, bool) or int(n_inhibitory) != n_inhibitory or n_inhibitory < 1:
        raise SpecError(f"n_inhibitory must be an integer >= 1 (the transform needs interneurons), "
                        f"got {n_inhibitory!r}")
    n_i = int(n_inhibitory)
    n_post, n_pre = w.shape
    if margin < 0 or not np.isfinite(margin):
        raise SpecError(f"margin must be finite and >= 0, got {margin!r}")
    offset = (1.0 + margin) * np.maximum(0.0, -w.min(axis=1))
    excitatory = w + offset[:, None]
    to_inh = np.full((n_i, n_pre), 1.0 / n_pre)
    if decoders is None:
        if not gain > 0:
            raise SpecError(f"gain must be > 0, got {gain!r}")
        d = np.full(n_i, n_pre / (gain * n_i))
        beta = n_pre * baseline / gain
    else:
        d = np.asarray(decoders, dtype=float)
        if d.shape != (n_i,) or not np.all(np.isfinite(d)):
            raise SpecError(f"decoders must be a finite array of shape ({n_i},), got {d.shape}")
        if np.any(d < 0):
            raise SpecError("interneuron decoders must be non-negative (they become inhibitory weights)")
        beta = 0.0 if decoder_offset is None else float(decoder_offset)
    inhibitory = offset[:, None] * d[None, :]
    bias = offset * beta
    excitatory[excitatory < 0] = 0.0  # rounding only: w + c_i >= 0 by construction
    return DaleTransform(excitatory, to_inh, inhibitory, bias, offset)


def transform_circuit(circuit, pre: str, post: str, weights, n_inhibitory: int, *,
                      inhibitory_neuron=None, weight_unit=1.0, name: str | None = None, **kwargs):
    """Add the Dale-compliant form of a mixed-sign connection ``pre → post`` to ``circuit``.

    Specs refuse negative weights, so the mixed-sign matrix is passed separately. The returned
    circuit holds: ``pre → post`` (excitatory part, explicit all-to-all), a new inhibitory
    population ``{name}`` of ``n_inhibitory`` neurons, ``pre → {name}`` and ``{name} → post``
    (Parisien, Anderson & Eliasmith 2008).

    Parameters
    ----------
    circuit : Circuit
        The circuit to extend.
    pre, post : str
        Names of the excitatory presynaptic and the postsynaptic population.
    weights : array_like, shape (n_post, n_pre)
        The mixed-sign weights (in units of ``weight_unit``).
    n_inhibitory : int
        Interneurons to add.
    inhibitory_neuron : NeuronModel, optional
        Model of the interneurons (default: the model of ``pre``).
    weight_unit : Quantity or float, optional
        Unit of ``weights``.
    name : str, optional
        Name of the interneuron population (default ``"{pre}_{post}_inh"``).
    **kwargs
        Options of :func:`transform_weights`.

    Returns
    -------
    (Circuit, DaleTransform)
        The transform's ``bias`` must be added to the post neurons' input by the caller (specs
        have no per-neuron bias field).

    Raises
    ------
    SpecError
        ``pre`` is inhibitory or unknown, ``post`` has no inhibitory channel, the interneuron
        name is taken, the shape does not match the populations, or there is no room for
        interneurons (``n_inhibitory < 1``).
    """
    from .specs import Circuit, Connectivity, Population, Projection

    pre_pop = circuit.population(pre)
    post_pop = circuit.population(post)
    if pre_pop.kind != "E":
        raise SpecError(f"the presynaptic population {pre!r} must be excitatory (kind 'E') for the "
                        "Parisien transform; it is inhibitory")
    w = _validate(weights)
    if w.shape != (post_pop.n, pre_pop.n):
        raise SpecError(f"weights have shape {w.shape}; {post!r} x {pre!r} needs "
                        f"({post_pop.n}, {pre_pop.n})")
    name = name or f"{pre}_{post}_inh"
    if name in circuit.nodes:
        raise SpecError(f"circuit {circuit.name} already has a population {name!r}; no room for the "
                        "interneurons under that name")
    if post_pop.neuron.is_spiking and "I" not in post_pop.neuron.on_pre:
        raise SpecError(f"{post!r} ({post_pop.neuron.name}) has no inhibitory channel, so no room for "
                        "interneurons")
    t = transform_weights(w, n_inhibitory, **kwargs)
    inh = Population(name, int(n_inhibitory), inhibitory_neuron or pre_pop.neuron, kind="I")

    def dense(n_from, n_to, matrix, proj_name, p_from, p_to):
        i, j = np.meshgrid(np.arange(n_from), np.arange(n_to), indexing="ij")
        return Projection(p_from, p_to, Connectivity.explicit(i.ravel(), j.ravel()),
                          matrix.T.ravel() * weight_unit, name=proj_name)

    projections = tuple(circuit.projections) + (
        dense(pre_pop.n, post_pop.n, t.excitatory, f"{pre}_to_{post}_exc", pre, post),
        dense(pre_pop.n, inh.n, t.to_inhibitory, f"{pre}_to_{name}", pre, name),
        dense(inh.n, post_pop.n, t.inhibitory, f"{name}_to_{post}", name, post),
    )
    new = Circuit(circuit.name + "_dale", tuple(circuit.populations) + (inh,), projections,
                  circuit.drives, circuit.sources)
    return new, t
