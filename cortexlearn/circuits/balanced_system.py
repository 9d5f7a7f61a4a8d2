"""Target systems, encoders, optimal weights and session schedules of balanced networks.

Shared by the fast/slow network (:mod:`cortexlearn.circuits.balanced`) and its Dale version
(:mod:`cortexlearn.circuits.balanced_dale`); NumPy only, no Brian2 objects.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from brian2 import Hz, ms, second

from ..errors import SpecError
from ..units import as_quantity

__all__ = ["LinearSystem", "random_encoders", "optimal_fast_weights", "optimal_slow_weights",
           "Schedule", "make_schedule", "window_length"]


@dataclasses.dataclass(frozen=True, eq=False)
class LinearSystem:
    """A stable linear dynamical system ``dx/dt = A x + c(t)``.

    Parameters
    ----------
    A : Quantity
        Square matrix in units of ``Hz`` whose eigenvalues all have negative real parts.

    Raises
    ------
    SpecError
        If ``A`` is not square, holds NaN/inf, or is unstable (an eigenvalue with real part >= 0).
    """

    A: object

    def __post_init__(self):
        as_quantity(self.A, Hz, "A")
        a = np.asarray(self.A / Hz, dtype=float)
        if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
            raise SpecError(f"A must be a non-empty square matrix, got shape {a.shape}")
        if not np.all(np.isfinite(a)):
            raise SpecError("A holds NaN or infinite entries")
        eig = np.linalg.eigvals(a)
        if np.max(eig.real) >= 0:
            raise SpecError(f"the target system is unstable: A has an eigenvalue with real part "
                            f"{np.max(eig.real):.3g} Hz >= 0 (eigenvalues {np.round(eig, 3)}); "
                            "the network can only learn a stable system")

    @property
    def matrix(self) -> np.ndarray:
        """``A`` in Hz as a plain array."""
        return np.asarray(self.A / Hz, dtype=float)

    @property
    def dimension(self) -> int:
        """Dimension ``J`` of the state ``x``."""
        return self.matrix.shape[0]

    @classmethod
    def damped_oscillator(cls, frequency=1.0 * Hz, damping=3.0 * Hz) -> "LinearSystem":
        """2-D damped oscillator: eigenvalues ``-damping ± 2πi·frequency``.

        Parameters
        ----------
        frequency : Quantity
            Oscillation frequency (Hz).
        damping : Quantity
            Decay rate (Hz), > 0 for a stable system.

        Returns
        -------
        LinearSystem
        """
        w = 2 * np.pi * float(frequency / Hz)
        d = float(damping / Hz)
        return cls(np.array([[-d, -w], [w, -d]]) * Hz)

    def integrate(self, command: np.ndarray, dt, x0=None) -> np.ndarray:
        """Exact zero-order-hold integration of ``dx/dt = A x + c``; ``command`` is (T, J) in Hz.

        ``x[n+1] = e^{A h} x[n] + A⁻¹ (e^{A h} - I) c[n]`` with ``h = dt``.

        Parameters
        ----------
        command : ndarray
            Command ``c``, shape (T, J), in Hz, held constant over each step.
        dt : Quantity
            Step of the command.
        x0 : array_like, optional
            Initial state (zero by default).

        Returns
        -------
        ndarray
            The state at the start of each step, shape (T, J).

        Raises
        ------
        SpecError
            If ``command`` does not have shape (T, J).
        """
        from scipy.linalg import expm

        c = np.asarray(command, dtype=float)
        if c.ndim != 2 or c.shape[1] != self.dimension:
            raise SpecError(f"command must have shape (T, {self.dimension}), got {c.shape}")
        h = float(dt / second)
        a = self.matrix
        ea = expm(a * h)
        b = np.linalg.solve(a, ea - np.eye(self.dimension))
        x = np.zeros_like(c)
        state = np.zeros(self.dimension) if x0 is None else np.asarray(x0, dtype=float)
        for n in range(c.shape[0]):
            x[n] = state
            state = ea @ state + b @ c[n]
        return x


def random_encoders(n_neurons: int, dimension: int, norm: float, rng) -> np.ndarray:
    """Encoders of equal norm; in 2-D evenly spread angles with a random offset, else random.

    Parameters
    ----------
    n_neurons : int
        Number of encoders (rows).
    dimension : int
        Dimension ``J`` of each encoder.
    norm : float
        The norm ``|F_i|`` of every encoder.
    rng : numpy.random.Generator
        Draws the offset and the shuffle (2-D) or the Gaussian directions.

    Returns
    -------
    ndarray
        Encoders ``F``, shape (n_neurons, dimension).
    """
    if dimension == 2:
        angles = rng.uniform(0, 2 * np.pi) + 2 * np.pi * np.arange(n_neurons) / n_neurons
        rng.shuffle(angles)
        f = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    else:
        f = rng.standard_normal((n_neurons, dimension))
        f /= np.linalg.norm(f, axis=1, keepdims=True)
    return norm * f


def optimal_fast_weights(encoders: np.ndarray) -> np.ndarray:
    """``Ωf = -F Fᵀ`` with a zero diagonal (the diagonal is the reset; Boerlin et al. 2013).

    Parameters
    ----------
    encoders : ndarray
        Encoders ``F``, shape (N, J).

    Returns
    -------
    ndarray
        Fast weights, shape (N, N), post x pre.
    """
    w = -encoders @ encoders.T
    np.fill_diagonal(w, 0.0)
    return w


def optimal_slow_weights(encoders: np.ndarray, system: LinearSystem, leak=10 * Hz) -> np.ndarray:
    """``Ωs = F (A + λI) Fᵀ`` in Hz (as a plain array; Boerlin et al. 2013).

    Parameters
    ----------
    encoders : ndarray
        Encoders ``F``, shape (N, J).
    system : LinearSystem
        The target dynamics ``A``.
    leak : Quantity
        The rate leak ``λ``.

    Returns
    -------
    ndarray
        Slow weights in Hz, shape (N, N), post x pre.
    """
    lam = float(leak / Hz)
    return encoders @ (system.matrix + lam * np.eye(system.dimension)) @ encoders.T



@dataclasses.dataclass(frozen=True, eq=False)
class Schedule:
    """Inputs of one session, sampled every ``dt``: command ``c`` (T, J, Hz), target ``x`` (T, J),
    and gates per step (``learn_slow``, ``learn_fast``, ``feedback``, ``test`` window id or -1).

    Attributes
    ----------
    dt : Quantity
        Sampling interval of every array.
    command : ndarray
        Command ``c``, shape (T, J), in Hz.
    target : ndarray
        Target trajectory ``x``, shape (T, J).
    learn_slow, learn_fast : ndarray
        Learning gates of the slow and fast weights per step, shape (T,).
    feedback : ndarray
        Feedback gate ``g(t)`` per step, shape (T,).
    window : ndarray of int
        Test window id per step, -1 during learning.
    """

    dt: object
    command: np.ndarray
    target: np.ndarray
    learn_slow: np.ndarray
    learn_fast: np.ndarray
    feedback: np.ndarray
    window: np.ndarray

    @property
    def duration(self):
        """Length of the session, ``T · dt``."""
        return self.command.shape[0] * self.dt


def _smooth_noise(n_steps, dimension, dt_s, tau_s, rng):
    """Ornstein-Uhlenbeck noise with unit stationary variance."""
    a = np.exp(-dt_s / tau_s)
    z = rng.standard_normal((n_steps, dimension)) * np.sqrt(1 - a * a)
    out = np.empty_like(z)
    state = rng.standard_normal(dimension)
    for n in range(n_steps):
        state = a * state + z[n]
        out[n] = state
    return out


def _anneal(block, n_learn, dt_s, time_scale):
    """Learning gate of one block: 1, or ``1 / (1 + t_learn / time_scale)`` with ``t_learn`` the
    learning time before each step (``block`` blocks of ``n_learn`` steps before this one)."""
    if time_scale is None:
        return np.ones(n_learn)
    t_learn = (block * n_learn + np.arange(n_learn)) * dt_s
    return 1.0 / (1.0 + t_learn / float(time_scale / second))


def make_schedule(system: LinearSystem, n_blocks: int, learn_block, test_block, dt=0.1 * ms,
                  command_std=8 * Hz, command_tau=50 * ms, learn_fast: bool = False,
                  fast_only_blocks: int = 0, fast_blocks: int | None = None,
                  fast_anneal=None, slow_anneal=None, seed: int = 0) -> Schedule:
    """Test window 0 (before learning), then ``n_blocks`` × [learning block, test window].

    The command of the first and of the last test window is the same segment, so that the
    trajectories before and after learning can be compared directly. With ``learn_fast`` the fast
    weights learn in the first ``fast_blocks`` learning blocks (all by default); the first
    ``fast_only_blocks`` blocks learn only them. ``fast_anneal`` (a time) scales the fast learning
    gate by ``1 / (1 + t_learn / fast_anneal)``, ``t_learn`` being the learning time so far;
    ``slow_anneal`` scales the slow learning gate the same way (a Robbins & Monro 1951 schedule:
    the summed rate diverges, its square converges, so the weights settle instead of fluctuating
    with the last seconds' command).

    Parameters
    ----------
    system : LinearSystem
        The target dynamics; the target is its response to the command.
    n_blocks : int
        Number of learning blocks (each followed by a test window), >= 1.
    learn_block, test_block : Quantity
        Durations of a learning block and of a test window.
    dt : Quantity
        Sampling interval.
    command_std, command_tau : Quantity
        Standard deviation (Hz) and correlation time of the Ornstein-Uhlenbeck command.
    learn_fast : bool
        Whether the fast weights learn.
    fast_only_blocks : int
        Number of first blocks in which only the fast weights learn.
    fast_blocks : int, optional
        Number of first blocks in which the fast weights learn (all when None).
    fast_anneal : Quantity, optional
        Time scale of the fast learning gate's decay (no decay when None).
    slow_anneal : Quantity, optional
        Time scale of the slow learning gate's decay (no decay when None).
    seed : int
        Seed of the command.

    Returns
    -------
    Schedule

    Raises
    ------
    SpecError
        If ``n_blocks < 1``.
    """
    if n_blocks < 1:
        raise SpecError(f"n_blocks must be >= 1, got {n_blocks}")
    rng = np.random.default_rng(seed)
    dt_s = float(dt / second)
    n_learn = int(round(float(learn_block / second) / dt_s))
    n_test = int(round(float(test_block / second) / dt_s))
    total = n_test + n_blocks * (n_learn + n_test)
    j = system.dimension
    c = _smooth_noise(total, j, dt_s, float(command_tau / second), rng) * float(command_std / Hz)
    c[total - n_test:] = c[:n_test]  # same command before and after learning
    learn_slow = np.zeros(total)
    learn_f = np.zeros(total)
    feedback = np.zeros(total)
    window = -np.ones(total, dtype=int)
    window[:n_test] = 0
    pos = n_test
    for b in range(n_blocks):
        if b >= fast_only_blocks:
            learn_slow[pos:pos + n_learn] = _anneal(b - fast_only_blocks, n_learn, dt_s, slow_anneal)
        if learn_fast and (fast_blocks is None or b < fast_blocks):
            learn_f[pos:pos + n_learn] = _anneal(b, n_learn, dt_s, fast_anneal)
        feedback[pos:pos + n_learn] = 1.0
        pos += n_learn
        window[pos:pos + n_test] = b + 1
        pos += n_test
    x = system.integrate(c, dt)
    # the last test window restarts the system from the state the network is asked to hold
    return Schedule(dt, c, x, learn_slow, learn_f, feedback, window)




def window_length(schedule: Schedule):
    """Shortest run of equal window ids (test windows and learning blocks), as the monitor period.

    Parameters
    ----------
    schedule : Schedule
        The session's schedule.

    Returns
    -------
    Quantity
        The length of the shortest run, a multiple of ``schedule.dt``.
    """
    w = schedule.window
    changes = np.flatnonzero(np.diff(w) != 0) + 1
    edges = np.concatenate([[0], changes, [w.size]])
    return int(np.min(np.diff(edges))) * schedule.dt
