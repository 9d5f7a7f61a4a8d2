"""NumPy oracle of the dendritic prediction rule (Urbanczik & Senn 2014, Neuron 81:521).

Simulates the passive dendrite of one two-compartment neuron (:func:`cortexlearn.neurons.urbanczik_senn`)
driven by plastic synapses, one per input, and the rule of
:class:`cortexlearn.rules.urbanczik.DendriticPrediction` step by step, in Brian2's order within a
step: the state update (fourth-order Runge-Kutta, as the neuron model declares; the dendrite and
its synaptic current do not depend on the soma, so they are integrated alone), the presynaptic spikes (weight update,
transmission, PSP traces), the postsynaptic spike count, then the rule's end-of-step update.

The soma's spikes are an input here (the steps at which it fired): they are random in the
simulator, and the dendrite does not depend on the soma (no soma-to-dendrite coupling, as in
the paper), so the weights follow from the input spikes and the somatic spike train alone.
Nothing here imports Brian2; all quantities are floats in SI units.
"""

from __future__ import annotations

import numpy as np

__all__ = ["rate", "log_derivative", "dendritic_prediction", "simulate", "matching_potential"]


def rate(u, phi_max: float, rate_slope: float, beta: float, theta: float):
    """``phi(u) = phi_max / (1 + k exp(beta (theta - u)))`` (Urbanczik & Senn 2014, Eq. 1).

    Parameters
    ----------
    u : float or ndarray
        Somatic potential (V).
    phi_max : float
        Maximal rate (Hz).
    rate_slope : float
        ``k``.
    beta : float
        Steepness (1/V).
    theta : float
        Midpoint potential (V).

    Returns
    -------
    float or ndarray
        The rate in Hz.
    """
    return phi_max / (1.0 + rate_slope * np.exp(beta * (theta - u)))


def log_derivative(u, rate_slope: float, beta: float, theta: float):
    """``h(u) = d log phi / du = beta / (1 + exp(beta (u - theta)) / k)`` (Eq. 4).

    Parameters
    ----------
    u : float or ndarray
        Potential (V).
    rate_slope, beta, theta : float
        ``k``, steepness (1/V) and midpoint (V) of :func:`rate`.

    Returns
    -------
    float or ndarray
        ``h`` in 1/V.
    """
    return beta / (1.0 + np.exp(beta * (u - theta)) / rate_slope)


def dendritic_prediction(v_d, g_L: float, E_L: float, g_D: float):
    """``V_w* = (g_L E_L + g_D V_w) / (g_L + g_D)``, the somatic potential the dendrite predicts
    (Eq. 2).

    Parameters
    ----------
    v_d : float or ndarray
        Dendritic potential ``V_w`` (V).
    g_L, E_L : float
        Somatic leak conductance (S) and reversal potential (V).
    g_D : float
        Dendro-somatic coupling conductance (S).

    Returns
    -------
    float or ndarray
        ``V_w*`` (V).
    """
    return (g_L * E_L + g_D * np.asarray(v_d)) / (g_L + g_D)


def matching_potential(g_E, g_I, E_e: float, E_i: float):
    """``U_M = (g_E E_e + g_I E_i) / (g_E + g_I)``: the potential the teacher's conductances
    alone would hold the soma at (Urbanczik & Senn 2014, Fig. 1).

    Parameters
    ----------
    g_E, g_I : float or array_like
        The teacher's excitatory and inhibitory conductances.
    E_e, E_i : float
        Their reversal potentials (V).

    Returns
    -------
    ndarray
        ``U_M`` (V).
    """
    g_E, g_I = np.asarray(g_E, float), np.asarray(g_I, float)
    return (g_E * E_e + g_I * E_i) / (g_E + g_I)


def simulate(pre_index, pre_step, post_steps, n_steps: int, w0, rule: dict, neuron: dict,
             dt: float = 1e-4, record_every: int = 0):
    """Weights of the synapses (one per input) after ``n_steps`` steps.

    Parameters
    ----------
    pre_index, pre_step : array of int
        Input spikes: source index and time step.
    post_steps : array of int
        Steps at which the soma fired.
    n_steps : int
    w0 : array of float
        Initial weights (A), one per input.
    rule : dict
        :meth:`DendriticPrediction.reference_parameters` (``eta``, ``tau_delta``, ``tau_L``,
        ``tau_s``, ``w_max``, ``w_min``).
    neuron : dict
        The neuron's parameters in SI floats: ``C_d``, ``g_L_d``, ``E_L_d``, ``tau_d_e``,
        ``g_L``, ``E_L``, ``g_D``, ``phi_max``, ``rate_slope``, ``beta``, ``theta``.
    record_every : int
        If > 0, also return the dendritic potential every ``record_every`` steps.

    Returns
    -------
    w : ndarray
        Final weights (A).
    v_d : ndarray, only with ``record_every``
    """
    w = np.array(w0, dtype=float)
    n = w.size
    pre_index = np.asarray(pre_index, dtype=np.int64)
    pre_step = np.asarray(pre_step, dtype=np.int64)
    order = np.argsort(pre_step, kind="stable")
    pre_index, pre_step = pre_index[order], pre_step[order]
    bounds = np.searchsorted(pre_step, np.arange(n_steps + 1))
    post = np.zeros(n_steps, dtype=float)
    np.add.at(post, np.asarray(post_steps, dtype=np.int64), 1.0)
    r, p = rule, neuron
    a_L, a_s, a_D = np.exp(-dt / r["tau_L"]), np.exp(-dt / r["tau_s"]), np.exp(-dt / r["tau_delta"])
    g_C, E_d, tau_I = p["g_L_d"] / p["C_d"], p["E_L_d"], p["tau_d_e"]

    def slope(v, i):
        return g_C * (E_d - v) + i / p["C_d"], -i / tau_I
    v_d, current = p["E_L_d"], 0.0
    pending, excess = np.zeros(n), np.zeros(n)
    psp_L, psp_s, trace = np.zeros(n), np.zeros(n), np.zeros(n)
    recorded = []
    for step in range(n_steps):
        kv1, ki1 = slope(v_d, current)
        kv2, ki2 = slope(v_d + 0.5 * dt * kv1, current + 0.5 * dt * ki1)
        kv3, ki3 = slope(v_d + 0.5 * dt * kv2, current + 0.5 * dt * ki2)
        kv4, ki4 = slope(v_d + dt * kv3, current + dt * ki3)
        v_d = v_d + dt * (kv1 + 2 * kv2 + 2 * kv3 + kv4) / 6
        current = current + dt * (ki1 + 2 * ki2 + 2 * ki3 + ki4) / 6
        spikes = pre_index[bounds[step]:bounds[step + 1]]
        if spikes.size:
            free = w[spikes] + excess[spikes] + pending[spikes]
            w[spikes] = np.clip(free, r["w_min"], r["w_max"])
            excess[spikes] = free - w[spikes]
            pending[spikes] = 0.0
            current += w[spikes].sum()
            np.add.at(psp_L, spikes, 1.0)
            np.add.at(psp_s, spikes, 1.0)
        v_star = dendritic_prediction(v_d, p["g_L"], p["E_L"], p["g_D"])
        error = (post[step] - rate(v_star, p["phi_max"], p["rate_slope"], p["beta"], p["theta"]) * dt) \
            * log_derivative(v_star, p["rate_slope"], p["beta"], p["theta"])
        pending += r["eta"] * trace * (1.0 - a_D)
        trace = trace * a_D + error * (psp_L * a_L - psp_s * a_s)
        psp_L *= a_L
        psp_s *= a_s
        if record_every and step % record_every == 0:
            recorded.append(v_d)
    if record_every:
        return w, np.asarray(recorded)
    return w
