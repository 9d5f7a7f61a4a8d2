"""NumPy reference of the Neural Engineering Framework pieces used by the Dale transform.

Eliasmith & Anderson (2003); Parisien, Anderson & Eliasmith (2008). LIF rate neurons in
normalised units (threshold current 1): ``a(J) = 1 / (τ_ref - τ_RC ln(1 - 1/J))`` for ``J > 1``,
with ``J = gain · (e·x) + bias``. Decoders are regularised least squares; the interneuron
decoders of the Dale transform are non-negative least squares with a free offset.
"""

from __future__ import annotations

import dataclasses

import numpy as np

__all__ = ["Ensemble", "lif_rate", "make_ensemble", "decoders", "interneuron_decoders",
           "connection_weights", "filter_spikes"]


def lif_rate(current, tau_rc: float = 0.02, tau_ref: float = 0.002) -> np.ndarray:
    """Steady-state LIF rate (Hz) for input ``current`` (threshold 1, reset 0).

    ``r = 1 / (τ_ref - τ_RC ln(1 - 1/J))`` for ``J > 1``, else 0 (Eliasmith & Anderson 2003,
    ch. 4).

    Parameters
    ----------
    current : array_like
        Input ``J`` (dimensionless, threshold 1).
    tau_rc : float, optional
        Membrane time constant (seconds).
    tau_ref : float, optional
        Refractory period (seconds).

    Returns
    -------
    ndarray
    """
    j = np.asarray(current, dtype=float)
    out = np.zeros_like(j)
    on = j > 1
    out[on] = 1.0 / (tau_ref - tau_rc * np.log1p(-1.0 / j[on]))
    return out


@dataclasses.dataclass(frozen=True, eq=False)
class Ensemble:
    """A LIF ensemble of the Neural Engineering Framework (Eliasmith & Anderson 2003).

    Attributes
    ----------
    encoders : ndarray, shape (N, D)
        Unit-length preferred directions.
    gain, bias : ndarray, shape (N,)
        ``J = gain e·x + bias``.
    tau_rc, tau_ref : float
        Membrane time constant and refractory period (seconds).
    """

    encoders: np.ndarray
    gain: np.ndarray
    bias: np.ndarray
    tau_rc: float = 0.02
    tau_ref: float = 0.002

    @property
    def n(self) -> int:
        """Number of neurons."""
        return self.encoders.shape[0]

    def currents(self, x) -> np.ndarray:
        """Input currents ``J = gain e·x + bias`` for represented values ``x``.

        Parameters
        ----------
        x : array_like, shape (samples, D)
            Represented values.

        Returns
        -------
        ndarray, shape (samples, N)
        """
        x = np.atleast_2d(np.asarray(x, dtype=float))
        return (x @ self.encoders.T) * self.gain + self.bias

    def rates(self, x) -> np.ndarray:
        """Steady-state rates (Hz) for represented values ``x`` (see :func:`lif_rate`).

        Parameters
        ----------
        x : array_like, shape (samples, D)
            Represented values.

        Returns
        -------
        ndarray, shape (samples, N)
        """
        return lif_rate(self.currents(x), self.tau_rc, self.tau_ref)


def make_ensemble(n: int, dimension: int, rng, max_rates=(100.0, 200.0), intercepts=(-1.0, 0.9),
                  tau_rc: float = 0.02, tau_ref: float = 0.002, positive: bool = False) -> Ensemble:
    """A random ensemble: rate ``max_rate`` at ``e·x = 1``, threshold at ``e·x = intercept``.

    Parameters
    ----------
    n : int
        Number of neurons.
    dimension : int
        Dimension ``D`` of the represented value.
    rng : numpy.random.Generator
        Source of randomness.
    max_rates : (float, float), optional
        Range of the rates at ``e·x = 1`` (Hz), drawn uniformly.
    intercepts : (float, float), optional
        Range of the thresholds, drawn uniformly.
    tau_rc, tau_ref : float, optional
        Membrane time constant and refractory period (seconds).
    positive : bool, optional
        Encoders all +1 (1-D), as for interneurons that represent a positive sum.

    Returns
    -------
    Ensemble
    """
    if dimension == 1:
        enc = np.ones((n, 1)) if positive else rng.choice([-1.0, 1.0], size=(n, 1))
    else:
        enc = rng.standard_normal((n, dimension))
        enc /= np.linalg.norm(enc, axis=1, keepdims=True)
    max_rate = rng.uniform(*max_rates, size=n)
    intercept = rng.uniform(*intercepts, size=n)
    j_max = 1.0 / (1.0 - np.exp((tau_ref - 1.0 / max_rate) / tau_rc))
    gain = (j_max - 1.0) / (1.0 - intercept)
    bias = 1.0 - gain * intercept
    return Ensemble(enc, gain, bias, tau_rc, tau_ref)


def decoders(activities, targets, regularization: float = 0.1) -> np.ndarray:
    """Regularised least-squares decoders ``d`` with ``activities @ d ≈ targets``.

    Parameters
    ----------
    activities : ndarray, shape (n_samples, N)
        Rates at sample points.
    targets : ndarray, shape (n_samples, D)
        The values to decode.
    regularization : float, optional
        Noise standard deviation as a fraction of the largest rate (the NEF convention,
        Eliasmith & Anderson 2003).

    Returns
    -------
    ndarray, shape (N, D)
    """
    a = np.asarray(activities, dtype=float)
    y = np.asarray(targets, dtype=float)
    sigma = regularization * a.max()
    gram = a.T @ a + a.shape[0] * sigma ** 2 * np.eye(a.shape[1])
    return np.linalg.solve(gram, a.T @ y)


def interneuron_decoders(activities, targets, regularization: float = 0.05, offset: bool = True):
    """Non-negative decoders ``d >= 0`` and an offset ``β`` with ``activities @ d ≈ targets + β``.

    With ``offset=False``, ``β = 0``: the interneurons carry the whole target. Prefer it in
    recurrent circuits: a large ``β`` becomes a large constant bias that cancels a large excitatory
    offset only while the presynaptic activity stays in the fitted range (a silent state can
    become stable). Parisien, Anderson & Eliasmith 2008.

    Parameters
    ----------
    activities : ndarray, shape (n_samples, N)
        Rates at sample points.
    targets : ndarray
        The values to decode.
    regularization : float, optional
        As in :func:`decoders`.
    offset : bool, optional
        Fit the offset ``β``.

    Returns
    -------
    (d, beta)
    """
    from scipy.optimize import nnls

    a = np.asarray(activities, dtype=float)
    y = np.asarray(targets, dtype=float)
    scale = np.abs(y).max() or 1.0
    extra = 2 if offset else 0
    ones = np.ones((a.shape[0], 1)) * scale
    design = np.hstack([a, -ones, ones]) if offset else a  # β = scale * (c_plus - c_minus)
    sigma = regularization * a.max()
    reg = np.hstack([np.sqrt(a.shape[0]) * sigma * np.eye(a.shape[1]), np.zeros((a.shape[1], extra))])
    coef, _ = nnls(np.vstack([design, reg]), np.concatenate([y, np.zeros(a.shape[1])]))
    d = coef[:a.shape[1]]
    beta = scale * (coef[-2] - coef[-1]) if offset else 0.0
    return d, beta


def connection_weights(pre_decoders, post: Ensemble, transform=None) -> np.ndarray:
    """NEF weights (post x pre): ``W = gain_post · e_post · T · dᵀ`` (current per Hz).

    Parameters
    ----------
    pre_decoders : ndarray, shape (N_pre, D_pre)
        Decoders of the presynaptic ensemble.
    post : Ensemble
        The postsynaptic ensemble.
    transform : ndarray, shape (D_post, D_pre), optional
        Default: the identity.

    Returns
    -------
    ndarray, shape (N_post, N_pre)
    """
    d = np.asarray(pre_decoders, dtype=float)
    if d.ndim == 1:
        d = d[:, None]
    t = np.eye(post.encoders.shape[1], d.shape[1]) if transform is None else np.atleast_2d(transform)
    return (post.gain[:, None] * post.encoders) @ t @ d.T


def filter_spikes(spike_indices, spike_times, n: int, duration: float, dt: float, tau: float) -> np.ndarray:
    """Spike trains filtered with ``exp(-t/τ)/τ`` (Hz), sampled every ``dt``.

    Parameters
    ----------
    spike_indices, spike_times : array
        Neuron and time (seconds) of each spike.
    n : int
        Number of neurons.
    duration, dt, tau : float
        Length, sampling step and filter time constant (seconds).

    Returns
    -------
    ndarray, shape (T, n)
    """
    steps = int(round(duration / dt))
    counts = np.zeros((steps, n))
    k = np.clip(np.round(np.asarray(spike_times) / dt).astype(int), 0, steps - 1)
    np.add.at(counts, (k, np.asarray(spike_indices, dtype=int)), 1.0 / dt)
    a = np.exp(-dt / tau)
    out = np.empty_like(counts)
    state = np.zeros(n)
    for s in range(steps):
        state = a * state + (1 - a) * counts[s]
        out[s] = state
    return out
