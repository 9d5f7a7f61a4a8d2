"""NumPy oracle of the spiking feed-forward circuit of :mod:`cortexlearn.circuits.feedforward`.

A step-by-step re-implementation (no Brian2) of the same network and of the same per-step
schedule: at the first step of each presentation every group latches its counts and the output
its error (``start``); then membranes and generator phases are integrated (forward Euler,
``groups``), spikes are detected (``thresholds``), delivered (``synapses``) and neurons reset
(``resets``); at the end of the latch step the credit signals run from the top layer down and the
weights change (``end``). Meant for tiny networks and short sessions (tests).

The credit signals, for the projection from layer ``l`` to ``l+1`` with signed weights ``W``
(pre x post), fixed random ``B`` and DFA matrices ``D`` (outputs x hidden)::

    fa = B d_rule,  bp = W dbp,  ss = (sign(W) * |B|) d_rule,  dfa = D^T err
    d_bp = psi * bp,  d_rule = psi * (c_fa fa + c_ss ss + c_bp bp + c_dfa dfa)
    delta = learn * train_hidden * d_rule            (output: delta = learn * err)
    W += eta * x_pre delta_post^T, clipped so that no weight changes sign under Dale's law

Under Dale's law ``W = W_e - W_i``: non-negative magnitudes of the direct (excitatory) pathway
and of the pathway through the presynaptic neuron's inhibitory relay, each clipped to
``[0, w_max]`` and each updated with its own presynaptic count (``W_i`` with the relay's, sign
mirrored). With ``pathways="one"`` a pair has one of them (``inhibitory`` picks which), with
``"both"`` every pair has both, each learning at half the rate; sign-symmetry reads ``sign(W)`` as
``int(W_e > 0) - int(W_i > 0)`` (what each pathway's synapse knows).
"""

from __future__ import annotations

import numpy as np

__all__ = ["simulate_feedforward"]


def simulate_feedforward(*, sizes, W, inhibitory, B, D, phase0, rates, targets, learning, dt, T,
                         tau_m, coefficients, eta_hidden, eta_out, eta_bias, beta, w_max, bias_max,
                         dale, late_error=None, pathways="one", centered=False, center_rate=0.01):
    """Simulate a whole session and return the final signed weights and per-trial records.

    Parameters
    ----------
    sizes : sequence of int
        ``(n_inputs, hidden..., n_outputs)``.
    W, inhibitory, B : lists of arrays (pre x post)
        Signed initial weights, the masks of pairs routed through inhibitory relays (Dale,
        ``pathways="one"``; unused with ``"both"``) and the feedback matrices, one per projection.
    D : list of arrays (n_outputs x hidden l)
        DFA matrices, one per hidden layer.
    phase0 : array (n_inputs,)
        Initial generator phases.
    rates, targets, learning : arrays (n_trials, ...)
        Per-trial input rates (Hz), target counts and learning gate.
    dt, T, tau_m : float (seconds)
    coefficients : dict
        ``c_fa, c_ss, c_bp, c_dfa, train_hidden, eta_homeo, n_target``.
    late_error : dict, optional
        Errors that arrive late (the circuit's delay lines, no critic): arrays ``present``,
        ``lag_act`` and ``lag_err`` (n_trials,), read when trial ``p`` ends. The output then learns
        from ``present[p] * gate * err[p - lag_err[p]]`` (gate: trials ``p`` and ``p - lag_err``
        are both training trials), paired with the counts and surrogate derivatives of trial
        ``p - lag_act[p]``; the output bias moves with the same error. Without it every trial
        learns from its own error at once. With ``seq_first`` (n_trials,) and ``leak``, the
        error of trial ``p`` is that of a sequence (``build_feedforward(sequence_error=True)``):
        ``eps_p = leak * eps_{p-1} * (1 - seq_first[p]) + gain * (target_p - count_p)`` (``gain``
        optional, default 1).

    pathways : {"one", "both"}
        Under Dale's law, one pathway per pair (``inhibitory`` says which) or both, each learning
        at half of ``eta_hidden`` / ``eta_out``; the initial magnitudes are ``W_e = max(W, 0)`` and
        ``W_i = max(-W, 0)``.
    centered, center_rate : bool, float
        Covariance form of the updates into hidden layers: the presynaptic count ``x`` (and the
        relay's) is replaced by ``x - x̄``, where each presynaptic neuron's running mean
        ``x̄ += center_rate (x - x̄)`` moves once per presentation, after the counts are latched.

    Returns
    -------
    dict with ``W`` (list of signed final weights), ``W_e`` and ``W_i`` (lists of final
    magnitudes, Dale's law only), ``counts`` (n_trials, n_outputs) output
    counts per trial (trial ``p``'s, latched at the start of ``p + 1``), ``bias_hidden``,
    ``bias_out``, ``input_counts`` (n_trials, n_inputs).
    """
    # One function of ~200 lines on purpose: the oracle follows the compiled session step by step,
    # its state in local arrays updated in the order the generated code runs them (latch, summed
    # variables, weight updates), so it can be read against the equations line by line; split into
    # pieces, some thirty state arrays would travel between them and that order would be hidden.
    W = [np.array(w, dtype=float) for w in W]
    n_layers = len(sizes) - 1
    L = n_layers - 1  # hidden layers
    K = int(round(T / dt))
    n_trials = len(rates)
    c = coefficients
    # state
    phase = np.array(phase0, dtype=float)
    counts = [np.zeros(n) for n in sizes]
    relay_v = [np.zeros(n) for n in sizes[:-1]]
    relay_count = [np.zeros(n) for n in sizes[:-1]]
    x_l = [np.zeros(n) for n in sizes]
    relay_x = [np.zeros(n) for n in sizes[:-1]]
    v = [None] + [np.zeros(n) for n in sizes[1:]]
    u = [None] + [np.zeros(n) for n in sizes[1:-1]]
    psi_acc = [None] + [np.zeros(n) for n in sizes[1:-1]]
    psi_l = [None] + [np.zeros(n) for n in sizes[1:-1]]
    bias = [None] + [np.zeros(n) for n in sizes[1:]]
    learn_cur = 0.0
    learn_l = 0.0
    tgt = np.zeros(sizes[-1])
    vm_acc = np.zeros(sizes[-1])
    out_counts = np.zeros((n_trials + 1, sizes[-1]))
    input_counts = np.zeros((n_trials + 1, sizes[0]))
    if pathways not in ("one", "both"):
        raise ValueError(f"pathways must be 'one' or 'both', got {pathways!r}")
    if dale:  # which pathways each pair has, and their magnitudes
        has_i = [np.ones(np.shape(w), bool) if pathways == "both" else np.asarray(inh, bool)
                 for w, inh in zip(W, inhibitory)]
        has_e = [np.ones_like(m) if pathways == "both" else ~m for m in has_i]
        W_e = [np.where(m, np.maximum(w, 0.0), 0.0) for w, m in zip(W, has_e)]
        W_i = [np.where(m, np.maximum(-w, 0.0), 0.0) for w, m in zip(W, has_i)]
    xbar = [np.zeros(n) for n in sizes[:-1]]
    relay_xbar = [np.zeros(n) for n in sizes[:-1]]
    history = []  # per ended trial: (x_l, relay_x, psi_l, learn, err), for late errors
    sequence = late_error is not None and "seq_first" in late_error
    err_int = np.zeros(sizes[-1])

    def past(p, lag, field):
        return history[p - lag][field] if p - lag >= 0 else None
    for n in range(n_trials * K):
        trial = n // K
        latch = n % K == 0
        if latch:  # ---- start
            learn_l = learn_cur
            for l in range(n_layers + 1):
                x_l[l] = counts[l].copy()
                if l < n_layers:
                    relay_x[l] = relay_count[l].copy()
                    relay_count[l][:] = 0
            input_counts[trial] = x_l[0]
            for h in range(1, L + 1):
                psi_l[h] = psi_acc[h].copy()
                bias[h] = np.clip(bias[h] + c["eta_homeo"] * learn_l * (c["n_target"] - counts[h]),
                                  -bias_max, bias_max)
                psi_acc[h][:] = 0
                v[h][:] = 0
                u[h][:] = 0
            err = tgt - counts[-1]
            if sequence and trial > 0:  # the leaky sum of the errors since the sequence began
                err_int = late_error["leak"] * err_int * (1 - late_error["seq_first"][trial - 1]) + \
                    late_error.get("gain", 1.0) * err
                err = err_int.copy()
            out_counts[trial] = counts[-1]
            delta_out = learn_l * err
            if late_error is not None and trial > 0:  # trial p = trial - 1 has just ended
                p = trial - 1
                history.append(tuple([None if a is None else a.copy() for a in arrays]
                                     for arrays in (x_l, relay_x, psi_l)) + (learn_l, err))
                la, le = int(late_error["lag_act"][p]), int(late_error["lag_err"][p])
                x_l, relay_x, psi_l = ([None if a is None else (a.copy() if p - la >= 0 else 0 * a)
                                        for a in history[max(p - la, 0)][f]] for f in range(3))
                gate_act = learn_l * (past(p, la, 3) or 0.0)
                gate_err = learn_l * (past(p, le, 3) or 0.0)
                err_late = past(p, le, 4)
                err = late_error["present"][p] * gate_err * (err_late if err_late is not None else 0 * err)
                learn_l = gate_act
                delta_out = learn_l * err
            for l in range(n_layers):  # running means of the (selected) presynaptic counts
                xbar[l] = xbar[l] + center_rate * (x_l[l] - xbar[l])
                relay_xbar[l] = relay_xbar[l] + center_rate * (relay_x[l] - relay_xbar[l])
            bias[-1] = np.clip(bias[-1] + eta_bias * delta_out, -bias_max, bias_max)
            v[-1][:] = 0
            vm_acc[:] = 0
            for l in range(n_layers + 1):
                counts[l][:] = 0
            tgt = np.array(targets[trial], dtype=float)
            learn_cur = float(learning[trial])
        # ---- groups (forward Euler on old values)
        phase = phase + dt * np.asarray(rates[trial], dtype=float)
        for h in range(1, L + 1):
            psi_acc[h] = psi_acc[h] + dt * (1.0 / (1 + beta * np.abs(u[h] - 1)) ** 2) / T
            v[h] = v[h] + dt * (bias[h] - v[h]) / tau_m
            u[h] = u[h] + dt * (bias[h] - u[h]) / tau_m
        vm_acc = vm_acc + dt * v[-1] / T
        v[-1] = v[-1] + dt * (bias[-1] - v[-1]) / tau_m
        # ---- thresholds
        spikes = [phase >= 1] + [v[l] > 1 for l in range(1, n_layers + 1)]
        relay_spikes = [rv > 0.5 for rv in relay_v]
        # ---- synapses
        for l in range(n_layers):
            pre = spikes[l].astype(float)
            if dale:
                drive = pre @ W_e[l] - relay_spikes[l].astype(float) @ W_i[l]
                relay_v[l] = relay_v[l] + pre
            else:
                drive = pre @ W[l]
            v[l + 1] = v[l + 1] + drive
            if l + 1 <= L:
                u[l + 1] = u[l + 1] + drive
        # ---- resets
        phase = np.where(spikes[0], phase - 1, phase)
        for l in range(n_layers + 1):
            counts[l] = counts[l] + spikes[l]
            if l >= 1:
                v[l] = np.where(spikes[l], 0.0, v[l])
        for l in range(n_layers):
            relay_count[l] = relay_count[l] + relay_spikes[l]
            relay_v[l] = np.where(relay_spikes[l], relay_v[l] - 1, relay_v[l])
        # ---- end: credit from the top, then weights
        if latch:
            d_rule = [None] * (n_layers + 1)
            d_bp = [None] * (n_layers + 1)
            delta = [None] * (n_layers + 1)
            d_rule[-1] = err
            d_bp[-1] = err
            delta[-1] = delta_out
            for h in range(L, 0, -1):
                if dale:
                    W[h] = W_e[h] - W_i[h]
                    sign_w = (np.where(has_e[h] & (W_e[h] > 0), 1.0, 0.0)
                              - np.where(has_i[h] & (W_i[h] > 0), 1.0, 0.0))
                else:
                    sign_w = np.sign(W[h])
                fa = B[h] @ d_rule[h + 1]
                bp = W[h] @ d_bp[h + 1]
                ss = (sign_w * np.abs(B[h])) @ d_rule[h + 1]
                dfa = np.asarray(D[h - 1]).T @ err
                d_bp[h] = psi_l[h] * bp
                d_rule[h] = psi_l[h] * (c["c_fa"] * fa + c["c_ss"] * ss + c["c_bp"] * bp
                                        + c["c_dfa"] * dfa)
                delta[h] = learn_l * c["train_hidden"] * d_rule[h]
            for l in range(n_layers):
                eta = eta_out if l == n_layers - 1 else eta_hidden
                cc = 1.0 if centered and l < n_layers - 1 else 0.0
                x_pre = x_l[l] - cc * xbar[l]
                if dale:
                    if pathways == "both":  # each pathway takes half of the step
                        eta = 0.5 * eta
                    new_e = W_e[l] + eta * x_pre[:, None] * delta[l + 1][None, :]
                    new_i = W_i[l] - eta * (relay_x[l] - cc * relay_xbar[l])[:, None] * delta[l + 1][None, :]
                    W_e[l] = np.where(has_e[l], np.clip(new_e, 0, w_max), 0.0)
                    W_i[l] = np.where(has_i[l], np.clip(new_i, 0, w_max), 0.0)
                    W[l] = W_e[l] - W_i[l]
                else:
                    W[l] = np.clip(W[l] + eta * np.outer(x_pre, delta[l + 1]), -w_max, w_max)
    extra = {"W_e": W_e, "W_i": W_i} if dale else {}
    return {"W": W, **extra, "counts": out_counts[1:], "bias_hidden": bias[1:-1], "bias_out": bias[-1],
            "input_counts": input_counts[1:]}
