"""NumPy oracle of the dendritic cortical microcircuit (Sacramento, Costa, Bengio & Senn 2018,
NeurIPS 31, "Dendritic cortical microcircuits approximate the backpropagation algorithm").

One hidden layer of pyramidal neurons (soma ``u``, basal ``v_B``, apical ``v_A``), its
interneurons (soma ``u_I``, dendrite ``v_I``) and an output layer of pyramidal neurons (soma and
basal compartment), with rates ``r = phi(u)`` (the paper's Eqs. 1-4, without the noise term):

.. math::

    \\tau \\dot u &= -g_{lk} u + g_B (v_B - u) + g_A (v_A - u), \\quad
        v_B = W_{in} r_{in}, \\quad v_A = B\\, r_{out} + W_{IA}\\, r_I \\\\
    \\tau \\dot u_{out} &= -g_{lk} u_{out} + g_B (v_{B,out} - u_{out})
        + g_{som}\\, \\text{teach}\\, (u_{tgt} - u_{out}), \\quad v_{B,out} = W_{out} r \\\\
    \\tau \\dot u_I &= -g_{lk} u_I + g_D (v_I - u_I) + g_{som} (u_{out} - u_I), \\quad v_I = W_{PI}\\, r

and the dendritic-prediction plasticity (the paper's Eqs. 5-8; Urbanczik & Senn 2014):

.. math::

    \\dot W_{in} &= \\eta_{in} (\\phi(u) - \\phi(\\hat v_B))\\, r_{in}^T, \\quad
        \\hat v_B = \\frac{g_B}{g_{lk} + g_B + g_A} v_B \\\\
    \\dot W_{out} &= \\eta_{out} (\\phi(u_{out}) - \\phi(\\hat v_{B,out}))\\, r^T, \\quad
        \\hat v_{B,out} = \\frac{g_B}{g_{lk} + g_B} v_{B,out} \\\\
    \\dot W_{PI} &= \\eta_{PI} (\\phi(u_I) - \\phi(\\hat v_I))\\, r^T, \\quad
        \\hat v_I = \\frac{g_D}{g_{lk} + g_D} v_I \\\\
    \\dot W_{IA} &= \\eta_{IA} (v_{rest} - v_A)\\, r_I^T

with ``B`` (top-down) fixed, or, with ``eta_B > 0``, mirroring the forward weights with a decay
``lambda`` on both (Kolen & Pollack 1994; Akrout et al. 2019):
``dW_out/dt = eta_out (e_out r^T - lambda W_out)``, ``dB/dt = eta_B (r e_out^T - lambda B)`` with
``e_out = phi(u_out) - phi(v̂_B,out)``. The step is the one the Brian2 builder
(:mod:`cortexlearn.build.microcircuit`) takes, in its order: every dendritic potential from the
current rates (a simultaneous, Jacobi update), a forward-Euler step of every soma, then every
weight from the new rates and the dendritic potentials of the step. Nothing here imports Brian2;
times are floats in seconds.
"""

from __future__ import annotations

import numpy as np

__all__ = ["softplus", "softplus_derivative", "simulate", "WEIGHT_NAMES"]

#: the plastic and fixed weight matrices, each (n_post, n_pre)
WEIGHT_NAMES = ("W_in", "W_out", "B", "W_PI", "W_IA")


def softplus(u):
    """The rate function ``phi(u) = log(1 + exp(u))`` (a soft rectifier), overflow-safe.

    Parameters
    ----------
    u : float or ndarray

    Returns
    -------
    float or ndarray
    """
    u = np.asarray(u, float)
    return np.logaddexp(0.0, u)


def softplus_derivative(u):
    """``phi'(u) = 1 / (1 + exp(-u))``.

    Parameters
    ----------
    u : float or ndarray

    Returns
    -------
    float or ndarray
    """
    return 1.0 / (1.0 + np.exp(-np.asarray(u, float)))


def simulate(weights: dict, inputs, targets, schedule: dict, params: dict, steps_per_sample: int,
             dt: float, settle_steps: int = 0):
    """Run the microcircuit over ``len(inputs)`` presentations of ``steps_per_sample`` steps.

    Parameters
    ----------
    weights : dict
        Initial ``W_in`` (n_h, n_in), ``W_out`` (n_out, n_h), ``B`` (n_h, n_out), ``W_PI``
        (n_out, n_h), ``W_IA`` (n_h, n_out).
    inputs : array (n_samples, n_in)
        Input rates of each presentation.
    targets : array (n_samples, n_out)
        Target somatic potentials of the output.
    schedule : dict
        Per presentation (arrays of length n_samples, 0 or 1): ``teach`` (the teacher nudges the
        output), ``learn_forward`` (``W_in`` and ``W_out`` learn), ``learn_inter`` (``W_PI`` and
        ``W_IA`` learn).
    params : dict
        ``tau`` (s), ``g_lk``, ``g_B``, ``g_A``, ``g_D``, ``g_som``, ``v_rest`` and learning
        rates (1/s) ``eta_in``, ``eta_out``, ``eta_PI``, ``eta_IA``.
    steps_per_sample : int
    dt : float
        Time step (s).
    settle_steps : int
        Weights stay fixed during the first ``settle_steps`` steps of each presentation.

    Returns
    -------
    dict
        Final weights (the names of ``weights``), and per presentation (its last step):
        ``u_out`` (n_samples, n_out), ``v_A`` (n_samples, n_h), ``error_hidden`` (``phi(u) -
        phi(v̂_B)``), ``error_out`` (``phi(u_out) - phi(v̂_B,out)``), ``transport`` (``W_out^T
        error_out``, the error weight transport would send down), ``v_B`` and ``v_B_out``.
    """
    W = {k: np.array(weights[k], float) for k in WEIGHT_NAMES}
    p = params
    x, y = np.asarray(inputs, float), np.asarray(targets, float)
    n_samples = x.shape[0]
    n_h, n_out = W["W_in"].shape[0], W["W_out"].shape[0]
    u, u_o, u_i = np.zeros(n_h), np.zeros(n_out), np.zeros(n_out)
    att_h = p["g_B"] / (p["g_lk"] + p["g_B"] + p["g_A"])
    att_o = p["g_B"] / (p["g_lk"] + p["g_B"])
    att_i = p["g_D"] / (p["g_lk"] + p["g_D"])
    a = dt / p["tau"]
    eta_b, decay = p.get("eta_B", 0.0), p.get("decay", 0.0)
    rec = {k: np.zeros((n_samples, n)) for k, n in (("u_out", n_out), ("v_A", n_h), ("error_hidden", n_h),
                                                     ("error_out", n_out), ("transport", n_h),
                                                     ("v_B", n_h), ("v_B_out", n_out))}
    for n in range(n_samples):
        teach = float(schedule["teach"][n])
        lf, li = float(schedule["learn_forward"][n]), float(schedule["learn_inter"][n])
        for k in range(steps_per_sample):
            r, r_o, r_i = softplus(u), softplus(u_o), softplus(u_i)
            v_B, v_Bo, v_I = W["W_in"] @ x[n], W["W_out"] @ r, W["W_PI"] @ r
            v_A = W["B"] @ r_o + W["W_IA"] @ r_i
            u_upper = u_o.copy()
            u = u + a * (-p["g_lk"] * u + p["g_B"] * (v_B - u) + p["g_A"] * (v_A - u))
            u_o = u_o + a * (-p["g_lk"] * u_o + p["g_B"] * (v_Bo - u_o) + p["g_som"] * teach * (y[n] - u_o))
            u_i = u_i + a * (-p["g_lk"] * u_i + p["g_D"] * (v_I - u_i) + p["g_som"] * (u_upper - u_i))
            r, r_o, r_i = softplus(u), softplus(u_o), softplus(u_i)
            e_h = r - softplus(att_h * v_B)
            e_o = r_o - softplus(att_o * v_Bo)
            e_i = r_i - softplus(att_i * v_I)
            transport = W["W_out"].T @ e_o
            if k >= settle_steps:
                W["W_in"] += dt * p["eta_in"] * lf * np.outer(e_h, x[n])
                W["W_out"] += dt * p["eta_out"] * lf * (np.outer(e_o, r) - decay * W["W_out"])
                W["B"] += dt * eta_b * lf * (np.outer(r, e_o) - decay * W["B"])
                W["W_PI"] += dt * p["eta_PI"] * li * np.outer(e_i, r)
                W["W_IA"] += dt * p["eta_IA"] * li * np.outer(p["v_rest"] - v_A, r_i)
        for key, value in (("u_out", u_o), ("v_A", v_A), ("error_hidden", e_h), ("error_out", e_o),
                           ("transport", transport), ("v_B", v_B), ("v_B_out", v_Bo)):
            rec[key][n] = value
    return {**W, **rec}
