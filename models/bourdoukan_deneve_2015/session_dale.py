"""Sessions of the E/I (Dale) version of the fast/slow network: build once, re-run per seed."""

from __future__ import annotations

import numpy as np
from brian2 import Hz, ms, second

from cortexlearn.analysis.balance import matrix_correlation
from cortexlearn.analysis.decoding import nmse_power
from cortexlearn.circuits.balanced import LinearSystem, make_schedule, optimal_slow_weights
from cortexlearn.circuits.balanced_dale import DaleBalancedConfig, dale_encoders, dale_fast_weights, dale_slow_weights
from cortexlearn.build.balanced_dale import build_dale_balanced_network
from cortexlearn.rules.balanced import DaleFastInhibitoryRule, DaleSlowErrorRule

from .session import SessionResult, read_balance, read_decoding, read_spiking


def _matrix(syn, n_post, n_pre, variable="ws", unit=Hz):
    w = np.zeros((n_post, n_pre))
    w[np.asarray(syn.j[:]), np.asarray(syn.i[:])] = np.asarray(getattr(syn, variable)[:] / unit)
    return w


def _read(net, schedule, system, seed, info, n_blocks, learn_block, test_block):
    cfg = net.config
    j = system.dimension
    test_s = float(test_block / second)
    xhat, x, win, nm = read_decoding(net.readout_monitor, schedule, j, n_blocks)
    xhat_i, _, _, _ = read_decoding(net.readout_monitor_inhibitory, schedule, j, n_blocks)
    rate, cvs, rate_before, window_rates = read_spiking(net.spikes, cfg.n_excitatory, schedule, test_s,
                                                        n_blocks)
    rate_i, cvs_i, _, _ = read_spiking(net.spikes_inhibitory, cfg.n_inhibitory, schedule, test_s, n_blocks)
    corr, seg_t, seg_learning = read_balance(net.balance_monitor, net.excitatory, schedule)
    corr_i, _, _ = read_balance(net.balance_monitor_inhibitory, net.inhibitory, schedule)
    with np.errstate(all="ignore"):
        corr_mean = np.nanmean(corr, axis=0)
    n_e, n_i = cfg.n_excitatory, cfg.n_inhibitory
    w_ee = _matrix(net.slow["EE"], n_e, n_e)
    w_ie = _matrix(net.slow["IE"], n_e, n_i)
    ref_ee, _ = dale_slow_weights(net.encoders, net.encoders_inhibitory, system, cfg.leak)
    fast_ie = _matrix(net.fast["IE"], n_e, n_i, "w", 1)
    fast_ref = dale_fast_weights(net.encoders, net.encoders_inhibitory)["IE"]
    # the signed slow input that the E→E and I→E magnitudes implement, read in the signal space:
    # compare W_EE (E→E) with F(A+λI)Fᵀ (its offset is taken away by the inhibitory part)
    mixed = optimal_slow_weights(net.encoders[:, :j], system, cfg.leak)
    before, after = win == 0, win == n_blocks
    metrics = {
        "nmse_before": float(nm[0]), "nmse_after": float(nm[-1]),
        "rate_after_hz": float(rate), "rate_before_hz": float(rate_before),
        "rate_inh_after_hz": float(rate_i),
        "cv_isi_after": float(np.nanmean(cvs)), "cv_isi_inh_after": float(np.nanmean(cvs_i)),
        "ei_corr_after": float(np.nanmean(corr[:, -1])),
        "ei_corr_inh_after": float(np.nanmean(corr_i[:, -1])),
        "ei_corr_before": float(corr_mean[0]) if corr_mean.size else float("nan"),
        # how well the inhibitory population tracks the excitatory estimate (last test window)
        "inh_tracking_nmse": float(nmse_power(xhat_i[after], xhat[after])),
        "slow_weight_corr": matrix_correlation(w_ee, mixed),
        "slow_weight_corr_closed_form": matrix_correlation(w_ee, ref_ee),
        "slow_ie_mean_hz": float(np.mean(w_ie)),
        "min_magnitude": float(min(w_ee.min(), w_ie.min(), fast_ie.min())),
        "fast_weight_corr": matrix_correlation(fast_ie, fast_ref),
        "fast_weight_ratio": float(np.sum(fast_ie * fast_ref) / np.sum(fast_ref * fast_ref)),
        "wall_time_s": float(info.wall_time), "build_time_s": float(info.build_time),
        "completed_fraction": float(info.completed_fraction),
    }
    end_time = np.arange(n_blocks + 1) * float(learn_block / second)
    return SessionResult(seed, metrics, nm, end_time, window_rates, corr_mean, seg_t, seg_learning,
                         xhat[before], xhat[after], x[before], x[after], w_ee, mixed, fast_ie, fast_ref,
                         info.wall_time, info.build_time)


def run_dale_sessions(make_simulation, seeds, *, n_excitatory=50, n_inhibitory=25, n_blocks=10,
                      learn_block=5 * second, test_block=1 * second, frequency=1 * Hz, damping=3 * Hz,
                      command_std=8 * Hz, slow_rate=5.0 * Hz ** 2, slow_wmax=1.0 * Hz, noise=0.3,
                      cost_factor=1.0, inhibitory_cost_factor=3.0, feedback_gain=100 * Hz, encoder_norm=0.1, dt=0.1 * ms,
                      constant_signal=1.0, slow_offset=0.2 * Hz, slow_anneal=None, fast="optimal",
                      fast_rate=3e-3, fast_gain=1.2, fast_init=0.0, fast_blocks=None, fast_anneal=None, fast_wmax=0.05):
    """Run one session of the E/I network per seed (built once on standalone targets, re-run with
    new encoders and commands). ``make_simulation(seed)`` returns a fresh Simulation.
    Returns a list of :class:`~.session.SessionResult` (``slow_*``: the E→E magnitudes and
    ``F(A+λI)Fᵀ``; ``fast_*``: the I→E magnitudes and their values ``F̃_E F̃_Iᵀ``).

    The slow magnitudes start uniform, ``W_EE = W_IE = slow_offset``: excitation and inhibition
    that cancel on average (``a Σ r^E ≈ a Σ r^I ≈ b``), i.e. zero slow dynamics in the signal space
    with room below for the negative parts of ``F(A+λI)Fᵀ`` (the rule cannot cross zero)."""
    system = LinearSystem.damped_oscillator(frequency, damping)
    norm2 = 2 * encoder_norm ** 2
    config = DaleBalancedConfig(n_excitatory=n_excitatory, n_inhibitory=n_inhibitory,
                                encoder_norm=encoder_norm, constant_signal=constant_signal,
                                cost_excitatory=cost_factor * norm2, cost_inhibitory=inhibitory_cost_factor * norm2,
                                noise=noise, feedback_gain=feedback_gain,
                                slow_rule=DaleSlowErrorRule(slow_rate, w_max=slow_wmax), fast=fast,
                                fast_init=fast_init,
                                fast_rule=DaleFastInhibitoryRule(fast_rate, gain=fast_gain, w_max=fast_wmax))
    seeds = list(seeds)

    def schedule_for(seed):
        return make_schedule(system, n_blocks, learn_block, test_block, dt=dt, command_std=command_std,
                             slow_anneal=slow_anneal, learn_fast=(fast == "learned"),
                             fast_blocks=fast_blocks, fast_anneal=fast_anneal, seed=1000 + seed)

    initial = (np.full((n_excitatory, n_excitatory), float(slow_offset / Hz)),
               np.full((n_excitatory, n_inhibitory), float(slow_offset / Hz)))
    results = []
    with make_simulation(seeds[0]) as sim:
        sched = schedule_for(seeds[0])
        net = build_dale_balanced_network(config, system, sched, seed=seeds[0], initial_slow=initial)
        info = sim.run(net.network, sched.duration, namespace=net.namespace)
        results.append(_read(net, sched, system, seeds[0], info, n_blocks, learn_block, test_block))
        if sim.standalone:
            from cortexlearn.circuits.balanced_dale import augment_schedule

            for seed in seeds[1:]:
                sched = schedule_for(seed)
                aug = augment_schedule(sched, config)
                enc_e, enc_i = dale_encoders(config, system.dimension, np.random.default_rng(seed))
                fast = dale_fast_weights(enc_e, enc_i)
                run_args = {net.namespace["c_in"]: aug.command * Hz, net.namespace["x_in"]: aug.target}
                for d in range(system.dimension + 1):
                    run_args[getattr(net.excitatory, f"F{d}")] = np.ascontiguousarray(enc_e[:, d])
                    run_args[getattr(net.inhibitory, f"F{d}")] = np.ascontiguousarray(enc_i[:, d])
                for key, syn in net.fast.items():
                    scale = fast_init if fast == "learned" and key != "EI" else 1.0
                    run_args[syn.w] = scale * fast[key][np.asarray(syn.j[:]), np.asarray(syn.i[:])]
                info = sim.rerun(run_args=run_args, seed=seed)
                net.encoders, net.encoders_inhibitory = enc_e, enc_i
                results.append(_read(net, sched, system, seed, info, n_blocks, learn_block, test_block))
    for seed in seeds[len(results):]:  # runtime targets: a new network per seed
        with make_simulation(seed) as sim:
            sched = schedule_for(seed)
            net = build_dale_balanced_network(config, system, sched, seed=seed, initial_slow=initial,
                                              name=f"dale_s{seed}")
            info = sim.run(net.network, sched.duration, namespace=net.namespace)
            results.append(_read(net, sched, system, seed, info, n_blocks, learn_block, test_block))
    return results
