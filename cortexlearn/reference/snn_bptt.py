"""A recurrent network of (adaptive) leaky integrate-and-fire neurons in discrete time, and its
exact backpropagation-through-time gradient (surrogate derivative), in NumPy.

This is the oracle for the e-prop rule (:mod:`cortexlearn.reference.eprop`,
:mod:`cortexlearn.rules.eprop`) and the ground truth for the angle between e-prop's update and
the gradient. The dynamics are those of Bellec et al. (2020), *A solution to the learning dilemma
for recurrent networks of spiking neurons*, Nat. Commun. 11:3625 (Methods, LIF and ALIF), written
with the step order that the Brian2 circuit (:mod:`cortexlearn.build.recurrent`) follows, so
that both produce the same spikes on the same input:

.. math::

    v_t &= \\alpha\\,(v_{t-1} + W^{in} x_{t-1} + W^{rec} z_{t-1} - v_{th} z_{t-1}),\\quad v_0 = 0 \\\\
    a_t &= \\rho\\,(a_{t-1} + z_{t-1}),\\quad A_t = v_{th} + \\beta a_t \\\\
    z_t &= H(v_t - A_t),\\qquad
    \\psi_t = \\frac{\\gamma}{v_{th}} \\max\\!\\left(0, 1 - \\frac{|v_t - A_t|}{v_{th}}\\right) \\\\
    y_t &= \\kappa\\, y_{t-1} + W^{out} z_t,\\qquad
    E = \\tfrac12 \\sum_t \\lVert y_t - y^*_t \\rVert^2

with :math:`\\alpha = e^{-\\Delta t/\\tau_m}`, :math:`\\rho = e^{-\\Delta t/\\tau_a}` and
:math:`\\kappa = e^{-\\Delta t/\\tau_{out}}`. ``beta = 0`` gives LIF neurons.

The backward pass uses :math:`\\partial z_t/\\partial v_t = \\psi_t` (the pseudo-derivative).
Like Bellec et al., the gradient does not flow through the reset term :math:`-v_{th} z` unless
``reset_gradient=True``; with a smooth spike function (``spike="sigmoid"``) and
``reset_gradient=True`` the gradient is the exact derivative of ``E``, which the tests check by
finite differences.
"""

from __future__ import annotations

import dataclasses

import numpy as np

__all__ = ["SNNParams", "Trajectory", "simulate", "loss", "bptt_gradient"]


@dataclasses.dataclass(frozen=True)
class SNNParams:
    """Per-step constants of the discrete-time network (plain floats, no units).

    Parameters
    ----------
    alpha, rho, kappa : float
        Decay factors per step of membrane, adaptation and readout, in (0, 1).
    beta : float
        Threshold increase per unit of adaptation (0: LIF).
    v_th : float
        Threshold (and reset step) in units of the membrane potential.
    gamma : float
        Amplitude of the pseudo-derivative (Bellec et al. use 0.3).
    spike : str
        ``"heaviside"`` (spiking network) or ``"sigmoid"`` (a smooth stand-in whose derivative is
        exact, for finite-difference checks).
    sigmoid_width : float
        Width of the sigmoid, in units of ``v_th``.
    """

    alpha: float
    rho: float = 0.0
    kappa: float = 0.0
    beta: float = 0.0
    v_th: float = 1.0
    gamma: float = 0.3
    spike: str = "heaviside"
    sigmoid_width: float = 0.2

    def __post_init__(self):
        for name in ("alpha", "rho", "kappa"):
            value = getattr(self, name)
            if not 0.0 <= value < 1.0:
                raise ValueError(f"{name} must be in [0, 1), got {value}")
        if self.v_th <= 0:
            raise ValueError(f"v_th must be > 0, got {self.v_th}")
        if self.spike not in ("heaviside", "sigmoid"):
            raise ValueError(f"spike must be 'heaviside' or 'sigmoid', got {self.spike!r}")


@dataclasses.dataclass
class Trajectory:
    """Everything the forward pass saw; arrays are (steps, neurons).

    Attributes
    ----------
    x : ndarray
        Input spikes.
    v, a : ndarray
        Membrane potential and adaptation.
    z : ndarray
        Recurrent spikes.
    psi : ndarray
        Pseudo-derivative of the spikes (Bellec et al. 2020).
    y : ndarray
        Readout.
    err : ndarray
        ``y - target``.
    """

    x: np.ndarray
    v: np.ndarray
    a: np.ndarray
    z: np.ndarray
    psi: np.ndarray
    y: np.ndarray
    err: np.ndarray


def _spike(params: SNNParams, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Spike output and its (pseudo-)derivative for the distance ``u = v - A`` to threshold."""
    if params.spike == "heaviside":
        z = (u > 0).astype(float)
        psi = params.gamma / params.v_th * np.maximum(0.0, 1.0 - np.abs(u) / params.v_th)
        return z, psi
    width = params.sigmoid_width * params.v_th
    z = 1.0 / (1.0 + np.exp(-u / width))
    return z, z * (1.0 - z) / width


def simulate(params: SNNParams, w_in, w_rec, w_out, x, target=None) -> Trajectory:
    """Run one trial.

    Parameters
    ----------
    w_in : array (n_rec, n_in)
    w_rec : array (n_rec, n_rec)
    w_out : array (n_out, n_rec)
    x : array (steps, n_in)
        Input spikes (0/1).
    target : array (steps, n_out), optional
        Target output; ``err = y - target`` (zeros when not given).
    """
    x = np.asarray(x, dtype=float)
    steps = x.shape[0]
    n_rec, n_out = w_rec.shape[0], w_out.shape[0]
    v = np.zeros((steps, n_rec))
    a = np.zeros((steps, n_rec))
    z = np.zeros((steps, n_rec))
    psi = np.zeros((steps, n_rec))
    y = np.zeros((steps, n_out))
    v_now = np.zeros(n_rec)
    a_now = np.zeros(n_rec)
    y_now = np.zeros(n_out)
    for t in range(steps):
        if t > 0:
            v_now = params.alpha * (v_now + w_in @ x[t - 1] + w_rec @ z[t - 1] - params.v_th * z[t - 1])
            a_now = params.rho * (a_now + z[t - 1])
        z[t], psi[t] = _spike(params, v_now - (params.v_th + params.beta * a_now))
        y_now = params.kappa * y_now + w_out @ z[t]
        v[t], a[t], y[t] = v_now, a_now, y_now
    tgt = np.zeros_like(y) if target is None else np.asarray(target, dtype=float).reshape(y.shape)
    return Trajectory(x=x, v=v, a=a, z=z, psi=psi, y=y, err=y - tgt)


def loss(trajectory: Trajectory) -> float:
    """Squared error ``E = 1/2 sum_t |y_t - y*_t|²`` of a trajectory (Bellec et al. 2020).

    Parameters
    ----------
    trajectory : Trajectory
        A forward pass.

    Returns
    -------
    float
    """
    return 0.5 * float(np.sum(trajectory.err ** 2))


def bptt_gradient(params: SNNParams, w_in, w_rec, w_out, trajectory: Trajectory,
                  reset_gradient: bool = False) -> dict[str, np.ndarray]:
    """Gradient of :func:`loss` with respect to ``w_in``, ``w_rec`` and ``w_out`` by BPTT.

    Parameters
    ----------
    params : SNNParams
        Decays and adaptation strength.
    w_in, w_rec, w_out : ndarray
        The weights of the forward pass.
    trajectory : Trajectory
        The forward pass.
    reset_gradient : bool, optional
        Let the gradient flow through the reset term ``-v_th z`` (by default it does not, as in
        Bellec et al. 2020).

    Returns
    -------
    dict
        Keys ``"in"``, ``"rec"``, ``"out"`` (same shapes as the weights).
    """
    tr = trajectory
    steps, n_rec = tr.z.shape
    alpha, rho, kappa, beta = params.alpha, params.rho, params.kappa, params.beta
    g_in = np.zeros_like(w_in, dtype=float)
    g_rec = np.zeros_like(w_rec, dtype=float)
    g_out = np.zeros_like(w_out, dtype=float)
    y_bar = np.zeros(w_out.shape[0])
    v_bar_next = np.zeros(n_rec)  # dE/dv_{t+1}
    a_bar_next = np.zeros(n_rec)  # dE/da_{t+1}
    recurrent = w_rec.T - (params.v_th * np.eye(n_rec) if reset_gradient else 0.0)
    for t in range(steps - 1, -1, -1):
        y_bar = tr.err[t] + kappa * y_bar
        g_out += np.outer(y_bar, tr.z[t])
        dv_prime = alpha * v_bar_next          # dE/d(v_t + inputs_t - v_th z_t)
        if t < steps - 1:
            g_in += np.outer(dv_prime, tr.x[t])
            g_rec += np.outer(dv_prime, tr.z[t])
        z_bar = w_out.T @ y_bar + recurrent @ dv_prime + rho * a_bar_next
        v_bar = z_bar * tr.psi[t] + dv_prime
        a_bar = -beta * z_bar * tr.psi[t] + rho * a_bar_next
        v_bar_next, a_bar_next = v_bar, a_bar
    return {"in": g_in, "rec": g_rec, "out": g_out}
