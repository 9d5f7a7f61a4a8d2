"""Weights of the four networks: channel and integrator, each mixed-sign and Dale-compliant."""

from __future__ import annotations

import numpy as np

from cortexlearn.build.nef import NEFConnection, NEFPopulation
from cortexlearn.dale import transform_weights
from cortexlearn.reference import nef


def input_signals(duration_s: float, dt_s: float) -> np.ndarray:
    """(T, 2): channel input (two sines) and integrator input (a positive then a negative pulse)."""
    t = np.arange(int(round(duration_s / dt_s))) * dt_s
    channel = 0.6 * np.sin(2 * np.pi * 1.0 * t) + 0.3 * np.sin(2 * np.pi * 3.3 * t + 1.0)
    frac = t / duration_s
    integ = 1.6 / (0.2 * duration_s) * (((frac > 0.1) & (frac < 0.3)).astype(float)
                                         - ((frac > 0.55) & (frac < 0.75)).astype(float))
    integ *= 0.5  # integral peaks at 0.8 · 2 · 0.5 = 0.8
    return np.stack([channel, integ], axis=1)


def _ensemble_population(name, ens, input_index=None):
    gain_in = None if input_index is None else ens.gain * ens.encoders[:, 0]
    return NEFPopulation(name, ens.gain, ens.bias, gain_in, input_index or 0, ens.tau_rc, ens.tau_ref)


def _interneurons(pre_ens, n_inh, rng, samples):
    """Interneurons that represent the mean presynaptic rate, and their decoders of the total."""
    rates_pre = pre_ens.rates(samples)
    mean_rate = rates_pre.mean(axis=1)
    lo, hi = mean_rate.min(), mean_rate.max()
    span = max(hi - lo, 1e-9)
    # many interneurons active over the whole range, so that non-negative decoders can carry
    # the whole sum without a constant offset (a large offset made the Dale integrator fall silent)
    inh = nef.make_ensemble(n_inh, 1, rng, intercepts=(-2.0, 0.5), positive=True)
    s_norm = (mean_rate - lo) / span * 2 - 1
    a_inh = inh.rates(s_norm[:, None])
    d, beta = nef.interneuron_decoders(a_inh, rates_pre.sum(axis=1), offset=False)
    in_scale = inh.gain * 2 / span                      # current per Hz of mean presynaptic rate
    bias = inh.bias - inh.gain * (2 * lo / span + 1)
    return inh, in_scale, bias, d, beta


def _dale_connection(prefix, pre, post, w, pre_ens, n_inh, rng, samples, channel, tag):
    inh, in_scale, inh_bias, d, beta = _interneurons(pre_ens, n_inh, rng, samples)
    t = transform_weights(w, n_inh, decoders=d, decoder_offset=beta)
    iname = f"{prefix}_{tag}"
    pop = NEFPopulation(iname, inh.gain, inh_bias, None, 0, inh.tau_rc, inh.tau_ref)
    conns = [NEFConnection(pre, post, t.excitatory, "E", channel),
             NEFConnection(pre, iname, t.to_inhibitory * in_scale[:, None], "E", "fast"),
             NEFConnection(iname, post, t.inhibitory, "I", channel)]
    return pop, conns, t


def build_specs(n_neurons: int, n_inhibitory: int, tau_slow_s: float, seed: int):
    """Populations, connections and decoders of the four networks (``ch``, ``chd``, ``in``, ``ind``).

    Returns (populations, connections, info) where ``info`` holds the output decoders, the
    transforms and the B populations' extra biases.
    """
    rng = np.random.default_rng(seed)
    samples = np.linspace(-1, 1, 201)[:, None]
    pops, conns, info = [], [], {"decoders": {}, "transforms": {}}
    for kind in ("ch", "in"):
        a = nef.make_ensemble(n_neurons, 1, rng)
        b = nef.make_ensemble(n_neurons, 1, rng)
        d_a = nef.decoders(a.rates(samples), samples)
        d_b = nef.decoders(b.rates(samples), samples)
        w_ab = nef.connection_weights(d_a, b)
        w_bb = nef.connection_weights(d_b, b)
        channel = "fast" if kind == "ch" else "slow"
        if kind == "in":
            w_ab = tau_slow_s * w_ab
        for dale in (False, True):
            prefix = kind + ("d" if dale else "")
            pa, pb = f"{prefix}_A", f"{prefix}_B"
            pops.append(_ensemble_population(pa, a, input_index=0 if kind == "ch" else 1))
            bias_b = b.bias.copy()
            if not dale:
                conns.append(NEFConnection(pa, pb, w_ab, "mixed", channel))
                if kind == "in":
                    conns.append(NEFConnection(pb, pb, w_bb, "mixed", "slow"))
            else:
                p_i, c_i, t_ab = _dale_connection(prefix, pa, pb, w_ab, a, n_inhibitory, rng, samples,
                                                  channel, "IA")
                pops.append(p_i)
                conns += c_i
                bias_b += t_ab.bias
                info["transforms"][f"{prefix}_AB"] = t_ab
                if kind == "in":
                    p_r, c_r, t_bb = _dale_connection(prefix, pb, pb, w_bb, b, n_inhibitory, rng,
                                                      samples, "slow", "IB")
                    pops.append(p_r)
                    conns += c_r
                    bias_b += t_bb.bias
                    info["transforms"][f"{prefix}_BB"] = t_bb
            pops.append(NEFPopulation(pb, b.gain, bias_b, None, 0, b.tau_rc, b.tau_ref))
            info["decoders"][pb] = d_b[:, 0]
    return pops, conns, info


def ideal_outputs(u: np.ndarray, dt_s: float, tau_fast_s: float, tau_slow_s: float) -> dict:
    """What each network should decode: the channel's input through two fast synaptic filters;
    the integral of the integrator's input (through its slow filter), then the decoding filter."""
    def lowpass(x, tau):
        a = np.exp(-dt_s / tau)
        out = np.empty_like(x)
        s = 0.0
        for k, v in enumerate(x):
            s = a * s + (1 - a) * v
            out[k] = s
        return out

    channel = lowpass(lowpass(u[:, 0], tau_fast_s), tau_fast_s)
    integral = np.cumsum(lowpass(u[:, 1], tau_slow_s)) * dt_s
    return {"ch": channel, "in": lowpass(integral, tau_fast_s)}
