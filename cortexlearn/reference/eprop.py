"""e-prop (Bellec et al. 2020) in NumPy: eligibility traces, learning signals, per-trial Adam.

The network is :func:`cortexlearn.reference.snn_bptt.simulate`. For a synapse from presynaptic
unit ``i`` (an input or a recurrent neuron) to recurrent neuron ``j``, with the presynaptic trace
:math:`\\bar x_{i,t} = \\alpha(\\bar x_{i,t-1} + x_{i,t-1})`:

.. math::

    e_{ji,t} &= \\psi_{j,t}\\,(\\bar x_{i,t} - \\beta\\,\\epsilon^a_{ji,t}),\\qquad
    \\epsilon^a_{ji,t+1} = \\rho\\,(\\epsilon^a_{ji,t} + e_{ji,t}) \\\\
    \\bar e_{ji,t} &= \\kappa\\,\\bar e_{ji,t-1} + e_{ji,t},\\qquad
    L_{j,t} = \\sum_k B_{jk}\\,(y_{k,t} - y^*_{k,t}) + L^{reg}_j \\\\
    \\Delta W_{ji} &\\propto -\\sum_t L_{j,t}\\,\\bar e_{ji,t},\\qquad
    \\Delta W^{out}_{kj} \\propto -\\sum_t (y_{k,t} - y^*_{k,t})\\,\\bar z^{\\kappa}_{j,t}

(Bellec et al. 2020, Eqs. 1-3, 22-25, 28). ``B`` is fixed and random (random e-prop) or equal to
``W_out`` (symmetric e-prop). With no recurrent weights and symmetric feedback the update equals
the BPTT gradient exactly (the tests check this).

The firing-rate regulariser adds :math:`R_j \\sum_t e_{ji,t}` to the gradient, with
:math:`R_j = c_{reg}(f_j - f_0)/(f_0^2 T)` and :math:`f_j` the neuron's rate in the same trial of
length :math:`T`: the e-prop gradient of :math:`\\frac{c_{reg}}{2}\\sum_j ((f_j - f_0)/f_0)^2`
(Bellec et al. 2020, Methods), as NEST 3.10's ``eprop_iaf_bsshslm_2020`` computes it.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .snn_bptt import SNNParams, Trajectory, bptt_gradient, simulate

__all__ = ["eprop_gradient", "Adam", "train"]


def eprop_gradient(params: SNNParams, w_out, feedback, trajectory: Trajectory,
                   reg_signal=None) -> dict[str, np.ndarray]:
    """e-prop estimate of the gradient of the trial's loss.

    Parameters
    ----------
    w_out : array (n_out, n_rec)
        Readout weights (used for the readout's own gradient only).
    feedback : array (n_rec, n_out)
        Broadcast weights ``B`` (``w_out.T`` for symmetric e-prop).
    trajectory : Trajectory
        The trial, from :func:`~cortexlearn.reference.snn_bptt.simulate`.
    reg_signal : array (n_rec,), optional
        The regulariser's factor :math:`R_j`; :math:`R_j \\sum_t e_{ji,t}` is added to the
        gradient of the synapses onto neuron ``j``.

    Returns
    -------
    dict with ``"in"``, ``"rec"``, ``"out"``: the accumulated :math:`\\sum_t L \\bar e` (same sign as
    a gradient: subtract it to learn).
    """
    tr = trajectory
    steps, n_rec = tr.z.shape
    n_in = tr.x.shape[1]
    alpha, rho, kappa, beta = params.alpha, params.rho, params.kappa, params.beta
    pre_spikes = np.concatenate([tr.x, tr.z], axis=1)           # (steps, n_in + n_rec)
    pre_trace = np.zeros(n_in + n_rec)
    eps_a = np.zeros((n_rec, n_in + n_rec))
    e_bar = np.zeros((n_rec, n_in + n_rec))
    grad = np.zeros((n_rec, n_in + n_rec))
    e_sum = np.zeros((n_rec, n_in + n_rec))
    z_kappa = np.zeros(n_rec)
    g_out = np.zeros_like(w_out, dtype=float)
    reg = np.zeros(n_rec) if reg_signal is None else np.asarray(reg_signal, dtype=float)
    for t in range(steps):
        if t > 0:
            pre_trace = alpha * (pre_trace + pre_spikes[t - 1])
        e = tr.psi[t][:, None] * (pre_trace[None, :] - beta * eps_a)
        e_bar = kappa * e_bar + e
        learning_signal = feedback @ tr.err[t]
        grad += learning_signal[:, None] * e_bar
        e_sum += e
        eps_a = rho * (eps_a + e)
        z_kappa = kappa * z_kappa + tr.z[t]
        g_out += np.outer(tr.err[t], z_kappa)
    grad += reg[:, None] * e_sum
    return {"in": grad[:, :n_in], "rec": grad[:, n_in:], "out": g_out}


@dataclasses.dataclass
class Adam:
    """Adam (Kingma & Ba 2015, Algorithm 1) for one weight array, one step per trial.

    Attributes
    ----------
    learning_rate : float
        Step size ``α``.
    beta1, beta2 : float
        Decay rates of the moment estimates.
    epsilon : float
        Added to the denominator.
    m, s : ndarray or None
        First and second moment estimates (None before the first step).
    k : int
        Steps taken.
    """

    learning_rate: float
    beta1: float = 0.9
    beta2: float = 0.999
    epsilon: float = 1e-8
    m: np.ndarray | None = None
    s: np.ndarray | None = None
    k: int = 0

    def step(self, weights: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """One Adam step (Kingma & Ba 2015, Algorithm 1).

        Parameters
        ----------
        weights : ndarray
            Current weights.
        grad : ndarray
            Their gradient.

        Returns
        -------
        ndarray
            The new weights.
        """
        if self.m is None:
            self.m = np.zeros_like(grad)
            self.s = np.zeros_like(grad)
        self.k += 1
        self.m = self.beta1 * self.m + (1 - self.beta1) * grad
        self.s = self.beta2 * self.s + (1 - self.beta2) * grad ** 2
        m_hat = self.m / (1 - self.beta1 ** self.k)
        s_hat = self.s / (1 - self.beta2 ** self.k)
        return weights - self.learning_rate * m_hat / (np.sqrt(s_hat) + self.epsilon)


def train(params: SNNParams, weights: dict, x, target, iterations: int, method: str = "eprop",
          feedback=None, learning_rates=None, reg_strength: float = 0.0, target_rate: float = 10.0,
          dt: float = 1e-3, symmetric: bool = False, autapses: bool = False,
          callback=None) -> dict:
    """Train on one repeated trial with per-trial Adam updates; return the NMSE per iteration.

    Parameters
    ----------
    weights : dict
        ``{"in", "rec", "out"}`` initial weights (copied).
    method : str
        ``"eprop"`` or ``"bptt"``.
    feedback : array (n_rec, n_out), optional
        Fixed random feedback for e-prop (ignored when ``symmetric``).
    learning_rates : dict
        Adam learning rate per projection (0 freezes it).
    autapses : bool
        Whether recurrent neurons connect to themselves (the Brian2 circuit has none: the
        diagonal of ``w_rec`` is then zeroed and never learns).
    reg_strength, target_rate : float
        :math:`c_{reg}` and :math:`f_0` (Hz) of the firing-rate regulariser.
    callback : callable, optional
        ``callback(iteration, weights, trajectory)`` before each update.

    Returns
    -------
    dict with ``nmse`` (iterations,), ``rate`` (mean rate per iteration, Hz) and final ``weights``.
    """
    from ..analysis.decoding import nmse

    w = {k: np.array(v, dtype=float) for k, v in weights.items()}
    if not autapses:
        np.fill_diagonal(w["rec"], 0.0)
    rates = learning_rates or {"in": 1e-3, "rec": 1e-3, "out": 1e-3}
    opt = {k: Adam(rates[k]) for k in ("in", "rec", "out")}
    target = np.asarray(target, dtype=float).reshape(len(x), -1)
    steps = len(x)
    curve, mean_rate = [], []
    for it in range(iterations):
        tr = simulate(params, w["in"], w["rec"], w["out"], x, target)
        curve.append(nmse(tr.y, target))
        rate = tr.z.sum(axis=0) / (steps * dt)
        mean_rate.append(float(rate.mean()))
        if callback is not None:
            callback(it, w, tr)
        if method == "bptt":
            grad = bptt_gradient(params, w["in"], w["rec"], w["out"], tr)
        else:
            b = w["out"].T if symmetric else feedback
            reg = reg_strength * (rate - target_rate) / (target_rate ** 2 * steps * dt)
            grad = eprop_gradient(params, w["out"], b, tr, reg_signal=reg)
        if not autapses:
            np.fill_diagonal(grad["rec"], 0.0)
        for k in ("in", "rec", "out"):
            if rates[k] > 0:
                w[k] = opt[k].step(w[k], grad[k])
    return {"nmse": np.array(curve), "rate": np.array(mean_rate), "weights": w}
