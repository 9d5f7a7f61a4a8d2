"""NumPy oracle for the STDP-family rules of :mod:`cortexlearn.rules` (no Brian2).

Each function follows one synapse through hand-made spike trains, given as integer time-step
indices, with the same arithmetic as the Brian2 code the rules render:

- traces decay exactly between events, ``x(t) = x(t0) exp(-(t - t0)/τ)``, with ``t = step * dt``;
- within one time step the presynaptic event is processed **before** the postsynaptic one. This is
  Brian2's order: a ``Synapses`` object's ``pre`` pathway has ``order=-1`` and its ``post`` pathway
  ``order=+1`` in the ``synapses`` slot. So for a simultaneous pair, the presynaptic update sees the
  postsynaptic trace without the new spike, and the postsynaptic update sees the presynaptic trace
  with it (pair STDP: Δt = 0 potentiates);
- spikes of one neuron in one step count once (a neuron spikes at most once per step), synaptic
  delays are zero;
- every weight update is clipped to ``[0, w_max]`` right away.

Parameters are plain floats in SI units, as returned by each rule's ``reference_parameters()``.
"""

from __future__ import annotations

import math
from typing import Callable, Iterable, Sequence

import numpy as np

__all__ = ["events", "pair_stdp", "triplet_stdp", "inhibitory_stdp", "derivative_rate",
           "derivative_voltage", "final_weights", "pair_window", "derivative_rate_window"]


def events(pre_steps: Iterable[int], post_steps: Iterable[int]) -> list[tuple[int, str]]:
    """Merged, ordered events ``(step, "pre" | "post")``; in one step ``"pre"`` comes first.

    Parameters
    ----------
    pre_steps, post_steps : iterable of int
        Time steps of the presynaptic and postsynaptic spikes (repeats count once).

    Returns
    -------
    list of (int, str)
    """
    pre = sorted(set(int(s) for s in pre_steps))
    post = sorted(set(int(s) for s in post_steps))
    out = [(s, "pre") for s in pre] + [(s, "post") for s in post]
    out.sort(key=lambda e: (e[0], 0 if e[1] == "pre" else 1))
    return out


def _clip(w: float, w_max: float) -> float:
    return min(max(w, 0.0), w_max)


def pair_stdp(pre_steps, post_steps, dt: float, w0: float, *, tau_plus: float, tau_minus: float,
              a_plus: float, a_minus: float, w_max: float, scale: float,
              weight_dependence: str = "additive", pairing: str = "all_to_all") -> float:
    """Final weight of one synapse under :class:`~cortexlearn.rules.stdp.PairSTDP`.

    Traces ``x`` (pre) and ``y`` (post) decay with ``τ+`` and ``τ-``; a presynaptic spike depresses by
    ``A- y`` and a postsynaptic one potentiates by ``A+ x`` (Song, Miller & Abbott 2000;
    multiplicative form: van Rossum, Bi & Turrigiano 2000).

    Parameters
    ----------
    pre_steps, post_steps : iterable of int
        Spike time steps.
    dt : float
        Time step (seconds).
    w0 : float
        Initial weight.
    tau_plus, tau_minus : float
        Trace time constants (seconds).
    a_plus, a_minus : float
        Amplitudes.
    w_max : float
        Upper bound of the weight.
    scale : float
        Weight unit of the additive amplitudes.
    weight_dependence : {"additive", "multiplicative"}, optional
        Additive steps, or potentiation ``∝ (w_max - w)`` and depression ``∝ w``.
    pairing : {"all_to_all", "nearest"}, optional
        Traces add up, or are reset to 1 at each spike (nearest-spike interaction).

    Returns
    -------
    float
    """
    w, x, y, last = float(w0), 0.0, 0.0, 0.0
    nearest = pairing == "nearest"
    for step, kind in events(pre_steps, post_steps):
        t = step * dt
        x *= math.exp(-(t - last) / tau_plus)
        y *= math.exp(-(t - last) / tau_minus)
        last = t
        if kind == "pre":
            x = 1.0 if nearest else x + 1.0
            ltd = a_minus * scale * y if weight_dependence == "additive" else a_minus * w * y
            w = _clip(w - ltd, w_max)
        else:
            y = 1.0 if nearest else y + 1.0
            ltp = a_plus * scale * x if weight_dependence == "additive" else a_plus * (w_max - w) * x
            w = _clip(w + ltp, w_max)
    return w


def triplet_stdp(pre_steps, post_steps, dt: float, w0: float, *, a2_plus: float, a3_plus: float,
                 a2_minus: float, a3_minus: float, tau_plus: float, tau_minus: float, tau_x: float,
                 tau_y: float, w_max: float, scale: float, interaction: str = "all_to_all") -> float:
    """Final weight under :class:`~cortexlearn.rules.triplet.TripletSTDP` (Pfister & Gerstner
    2006).

    Parameters
    ----------
    pre_steps, post_steps : iterable of int
        Spike time steps.
    dt : float
        Time step (seconds).
    w0 : float
        Initial weight.
    a2_plus, a3_plus, a2_minus, a3_minus : float
        Pair and triplet amplitudes.
    tau_plus, tau_minus, tau_x, tau_y : float
        Time constants of the detectors ``r1``, ``o1``, ``r2``, ``o2`` (seconds).
    w_max : float
        Upper bound of the weight.
    scale : float
        Weight unit of the amplitudes.
    interaction : {"all_to_all", "nearest"}, optional
        Detectors add up, or are reset to 1 at each spike.

    Returns
    -------
    float
    """
    w, r1, r2, o1, o2, last = float(w0), 0.0, 0.0, 0.0, 0.0, 0.0
    nearest = interaction == "nearest"
    for step, kind in events(pre_steps, post_steps):
        t = step * dt
        gap = t - last
        r1 *= math.exp(-gap / tau_plus)
        r2 *= math.exp(-gap / tau_x)
        o1 *= math.exp(-gap / tau_minus)
        o2 *= math.exp(-gap / tau_y)
        last = t
        if kind == "pre":
            w = _clip(w - o1 * (a2_minus + a3_minus * r2) * scale, w_max)
            r1, r2 = (1.0, 1.0) if nearest else (r1 + 1.0, r2 + 1.0)
        else:
            w = _clip(w + r1 * (a2_plus + a3_plus * o2) * scale, w_max)
            o1, o2 = (1.0, 1.0) if nearest else (o1 + 1.0, o2 + 1.0)
    return w


def inhibitory_stdp(pre_steps, post_steps, dt: float, w0: float, *, tau: float, alpha: float,
                    learning_rate: float, w_max: float, scale: float) -> float:
    """Final weight under :class:`~cortexlearn.rules.inhibitory.InhibitorySTDP` (Vogels et al.
    2011).

    A presynaptic spike changes the weight by ``η (y - α)``, a postsynaptic one by ``η x``; both
    traces decay with ``τ``.

    Parameters
    ----------
    pre_steps, post_steps : iterable of int
        Spike time steps.
    dt : float
        Time step (seconds).
    w0 : float
        Initial weight.
    tau : float
        Trace time constant (seconds).
    alpha : float
        Depression offset ``α = 2 ρ0 τ``.
    learning_rate : float
        ``η``.
    w_max : float
        Upper bound of the weight.
    scale : float
        Weight unit of the steps.

    Returns
    -------
    float
    """
    w, x, y, last = float(w0), 0.0, 0.0, 0.0
    for step, kind in events(pre_steps, post_steps):
        t = step * dt
        decay = math.exp(-(t - last) / tau)
        x, y, last = x * decay, y * decay, t
        if kind == "pre":
            x += 1.0
            w = _clip(w + learning_rate * (y - alpha) * scale, w_max)
        else:
            y += 1.0
            w = _clip(w + learning_rate * x * scale, w_max)
    return w


def derivative_rate(pre_steps, post_steps, dt: float, w0: float, *, learning_rate: float,
                    tau_pre: float, tau_rate: float, w_max: float, scale: float,
                    flush_step: int | None = None, **_unused) -> float:
    """Final weight under the rate form of :class:`~cortexlearn.rules.derivative.TemporalDerivativeRule`.

    Presynaptic activity times the rate of change of postsynaptic activity (Bengio et al. 2015).
    The continuous part ``-η s x r / τ_r`` is added at the next event, as in the Brian2 code.

    Parameters
    ----------
    pre_steps, post_steps : iterable of int
        Spike time steps.
    dt : float
        Time step (seconds).
    w0 : float
        Initial weight.
    learning_rate : float
        ``η``.
    tau_pre, tau_rate : float
        Time constants of the presynaptic trace and of the rate estimate (seconds).
    w_max : float
        Upper bound of the weight.
    scale : float
        Weight unit of the steps.
    flush_step : int, optional
        Add what is pending at that step (without an event of its own).
    **_unused
        Other rule parameters, ignored.

    Returns
    -------
    float
    """
    tau_q = tau_pre * tau_rate / (tau_pre + tau_rate)
    w, x, r, q, q_event, last = float(w0), 0.0, 0.0, 0.0, 0.0, 0.0
    evs = events(pre_steps, post_steps)
    if flush_step is not None:
        evs.append((int(flush_step), "flush"))
    for step, kind in evs:
        t = step * dt
        gap = t - last
        x *= math.exp(-gap / tau_pre)
        r *= math.exp(-gap / tau_rate)
        q *= math.exp(-gap / tau_q)
        acc = -(tau_q / tau_rate) * (q_event - q)  # exact integral of -x r / tau_rate since the last event
        last = t
        if kind == "post":
            w = _clip(w + learning_rate * scale * (acc + x), w_max)
            r += 1.0
        else:
            w = _clip(w + learning_rate * scale * acc, w_max)
            if kind == "pre":
                x += 1.0
        q = q_event = x * r
    return w


def derivative_voltage(pre_steps, v_after_groups: Sequence[float], v_initial: float, dt: float,
                       w0: float, *, learning_rate: float, tau_pre: float, w_max: float, scale: float,
                       v_scale: float, **_unused) -> float:
    """Final weight under the voltage form of the derivative rule (Bengio et al. 2015).

    Per step: the weight moves by ``η s x (V_n - V_{n-1})/v_scale`` (clipped), ``x`` decays, then
    a presynaptic spike adds 1.

    Parameters
    ----------
    pre_steps : iterable of int
        Presynaptic spike time steps.
    v_after_groups : sequence of float
        ``v_after_groups[n]`` is the postsynaptic potential after the state update of step ``n``
        (SI volts).
    v_initial : float
        Its value before the first step.
    dt : float
        Time step (seconds).
    w0 : float
        Initial weight.
    learning_rate : float
        ``η``.
    tau_pre : float
        Presynaptic trace time constant (seconds).
    w_max : float
        Upper bound of the weight.
    scale : float
        Weight unit ``s``.
    v_scale : float
        Voltage unit of the derivative (volts).
    **_unused
        Other rule parameters, ignored.

    Returns
    -------
    float
    """
    v = np.asarray(v_after_groups, dtype=float)
    spikes = np.zeros(len(v), dtype=bool)
    pre = np.asarray(list(pre_steps), dtype=int)
    spikes[pre[pre < len(v)]] = True
    decay = math.exp(-dt / tau_pre)
    w, x, v_last = float(w0), 0.0, float(v_initial)
    for n in range(len(v)):
        w = _clip(w + learning_rate * scale * x * (v[n] - v_last) / v_scale, w_max)
        v_last = v[n]
        x *= decay
        if spikes[n]:
            x += 1.0
    return w


def final_weights(rule: Callable, pre_trains: Sequence, post_trains: Sequence, sources, targets,
                  w0, **kwargs) -> np.ndarray:
    """Final weight of each synapse ``k`` from ``pre_trains[sources[k]]`` to ``post_trains[targets[k]]``.

    Parameters
    ----------
    rule : callable
        One of this module's per-synapse functions.
    pre_trains, post_trains : sequence of iterables of int
        Spike time steps of each presynaptic and postsynaptic neuron.
    sources, targets : sequence of int
        The synapses.
    w0 : float or array_like
        Initial weights, a scalar or one value per synapse.
    **kwargs
        Passed to ``rule`` (``dt`` and the rule's parameters).

    Returns
    -------
    ndarray
        One final weight per synapse.
    """
    w0 = np.broadcast_to(np.asarray(w0, dtype=float), (len(sources),))
    return np.array([rule(pre_trains[i], post_trains[j], w0=w0[k], **kwargs)
                     for k, (i, j) in enumerate(zip(sources, targets))])


def pair_window(delta_t, a_plus: float, a_minus: float, tau_plus: float, tau_minus: float):
    """The additive pair-STDP window per pairing (Song, Miller & Abbott 2000).

    ``a_plus e^{-Δt/τ+}`` for ``Δt >= 0`` (pre before post, zero lag included),
    ``-a_minus e^{Δt/τ-}`` for ``Δt < 0``.

    Parameters
    ----------
    delta_t : array_like
        ``t_post - t_pre`` (seconds, or the unit of the time constants).
    a_plus, a_minus : float
        Amplitudes.
    tau_plus, tau_minus : float
        Time constants.

    Returns
    -------
    ndarray
    """
    d = np.asarray(delta_t, dtype=float)
    return np.where(d >= 0, a_plus * np.exp(-np.abs(d) / tau_plus), -a_minus * np.exp(-np.abs(d) / tau_minus))


def derivative_rate_window(delta_t, learning_rate: float, tau_pre: float, tau_rate: float):
    """Analytic window of the rate form of the derivative rule for one pair (see :func:`derivative_rate`).

    Parameters
    ----------
    delta_t : array_like
        ``t_post - t_pre`` (seconds).
    learning_rate : float
        ``η``.
    tau_pre, tau_rate : float
        Time constants of the presynaptic trace and of the rate estimate (seconds).

    Returns
    -------
    ndarray
        Weight change per pair.
    """
    d = np.asarray(delta_t, dtype=float)
    total = tau_pre + tau_rate
    return np.where(d >= 0, learning_rate * tau_rate / total * np.exp(-np.abs(d) / tau_pre),
                    -learning_rate * tau_pre / total * np.exp(-np.abs(d) / tau_rate))
