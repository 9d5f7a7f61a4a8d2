"""One learning session of the fast/slow network: build once, run (and re-run) per seed, measure."""

from __future__ import annotations

import dataclasses

import numpy as np
from brian2 import Hz, ms, second

from cortexlearn.analysis.balance import ei_correlation_from_sums, matrix_correlation, mean_rate
from cortexlearn.analysis.decoding import window_nmse_power
from cortexlearn.analysis.spikes import cv_isi
from cortexlearn.circuits.balanced import BalancedConfig, LinearSystem, make_schedule, optimal_fast_weights, optimal_slow_weights, random_encoders
from cortexlearn.build.balanced import build_balanced_network


@dataclasses.dataclass
class SessionResult:
    seed: int
    metrics: dict
    window_nmse: np.ndarray          # (n_windows,)
    window_end_time: np.ndarray      # (n_windows,) seconds of learning before each test window
    window_rates: np.ndarray         # (n_windows,) mean rate (Hz) in each test window
    ei_corr_segments: np.ndarray     # (n_segments,) mean E/I correlation per monitor segment
    segment_time: np.ndarray         # (n_segments,) seconds (end of each segment)
    segment_learning: np.ndarray     # (n_segments,) 1 if the segment was a learning block
    xhat_before: np.ndarray          # (T, J)
    xhat_after: np.ndarray
    x_before: np.ndarray
    x_after: np.ndarray
    slow_learned: np.ndarray         # (N, N) post x pre, Hz
    slow_optimal: np.ndarray
    fast_learned: np.ndarray
    fast_optimal: np.ndarray
    wall_time: float
    build_time: float


def read_decoding(readout_monitor, schedule, dimension, n_blocks):
    """Readout ``x̂`` (first ``dimension`` dims) every record step, the target at the same steps,
    their window ids, and the NMSE of each test window 0..n_blocks."""
    dt_s = float(schedule.dt / second)
    xhat = np.stack([np.asarray(getattr(readout_monitor, f"xhat{d}")[0]) for d in range(dimension)], axis=1)
    t_rec = np.asarray(readout_monitor.t / second)
    idx = np.clip(np.round(t_rec / dt_s).astype(int), 0, schedule.window.size - 1)
    x = schedule.target[idx][:, :dimension]
    win = schedule.window[idx]
    per_window = window_nmse_power(xhat, x, win)
    nm = np.array([per_window.get(w, np.nan) for w in range(n_blocks + 1)])
    return xhat, x, win, nm


def read_spiking(spike_monitor, n, schedule, test_s, n_blocks):
    """Mean rate and CV of ISIs (per neuron) in the last test window, the rate in the first one and
    in every test window."""
    dt_s = float(schedule.dt / second)
    total = schedule.window.size * dt_s
    st = np.asarray(spike_monitor.t / second)
    si = np.asarray(spike_monitor.i)
    step_of_spike = np.clip(np.round(st / dt_s).astype(int), 0, schedule.window.size - 1)
    spike_window = schedule.window[step_of_spike]
    window_rates = np.array([np.count_nonzero(spike_window == w) / (n * test_s) for w in range(n_blocks + 1)])
    return (mean_rate(st, n, total - test_s, total), cv_isi(si, st, n, total - test_s, total),
            mean_rate(st, n, 0.0, test_s), window_rates)


def read_balance(balance_monitor, group, schedule):
    """E/I input correlation per neuron and segment, (N, n_segments); segment end times; 1 where
    the segment was a learning block.

    The monitor records the running sums every segment length from t = 0, so its last record is
    at ``T - period``: the final segment (the last test window) is read from ``group``'s
    accumulators as they stand at the end of the run.
    """
    dt_s = float(schedule.dt / second)
    names = ("acc_e", "acc_i", "acc_ee", "acc_ii", "acc_ei", "acc_n")
    sums = [np.concatenate([np.asarray(getattr(balance_monitor, name)),
                            np.asarray(getattr(group, name)[:])[:, None]], axis=1) for name in names]
    diffs = [np.diff(np.concatenate([np.zeros((a.shape[0], 1)), a], axis=1), axis=1) for a in sums]
    corr = ei_correlation_from_sums(*diffs)[:, 1:]  # the first record (t = 0) holds no samples
    seg_t = np.append(np.asarray(balance_monitor.t / second), schedule.window.size * dt_s)[1:]
    period = seg_t[0] if seg_t.size else 0.0
    seg_idx = np.clip(np.round((seg_t - period / 2) / dt_s).astype(int), 0, schedule.window.size - 1)
    return corr, seg_t, (schedule.window[seg_idx] < 0).astype(int)


def _read(net, schedule, system, config, encoders, seed, info, n_blocks, learn_block, test_block):
    j = system.dimension
    xhat, x, win, nm = read_decoding(net.readout_monitor, schedule, j, n_blocks)
    test_s = float(test_block / second)
    end_time = np.arange(n_blocks + 1) * float(learn_block / second)
    n = config.n_neurons
    rate, cvs, rate_before, window_rates = read_spiking(net.spikes, n, schedule, test_s, n_blocks)
    corr, seg_t, seg_learning = read_balance(net.balance_monitor, net.neurons, schedule)
    with np.errstate(all="ignore"):
        corr_mean = np.nanmean(corr, axis=0)
    final_corr = corr[:, -1]

    slow_w = np.zeros((n, n))
    pre_i = np.asarray(net.slow.i[:])
    post_j = np.asarray(net.slow.j[:])
    slow_w[post_j, pre_i] = np.asarray(net.slow.ws[:] / Hz)
    fast_w = np.zeros((n, n))
    fast_w[np.asarray(net.fast.j[:]), np.asarray(net.fast.i[:])] = np.asarray(net.fast.Omega[:])
    slow_opt = optimal_slow_weights(encoders, system, config.leak)
    fast_opt = optimal_fast_weights(encoders)

    before = win == 0
    after = win == n_blocks
    metrics = {
        "nmse_before": float(nm[0]), "nmse_after": float(nm[-1]),
        "rate_after_hz": float(rate), "rate_before_hz": float(rate_before),
        "cv_isi_after": float(np.nanmean(cvs)),
        "ei_corr_after": float(np.nanmean(final_corr)),
        "ei_corr_before": float(corr_mean[0]) if corr_mean.size else float("nan"),
        "slow_weight_corr": matrix_correlation(slow_w, slow_opt),
        "slow_weight_ratio": float(np.sum(slow_w * slow_opt) / np.sum(slow_opt * slow_opt)),
        "fast_weight_corr": matrix_correlation(fast_w, fast_opt, exclude_diagonal=True),
        "fast_weight_ratio": float(np.sum(fast_w * fast_opt) / np.sum(fast_opt * fast_opt)),
        "wall_time_s": float(info.wall_time), "build_time_s": float(info.build_time),
        "completed_fraction": float(info.completed_fraction),
    }
    return SessionResult(seed, metrics, nm, end_time, window_rates, corr_mean, seg_t, seg_learning,
                         xhat[before], xhat[after], x[before], x[after], slow_w, slow_opt, fast_w,
                         fast_opt, info.wall_time, info.build_time)


def run_sessions(make_simulation, seeds, *, n_neurons=50, fast="optimal", n_blocks=10,
                 learn_block=5 * second, test_block=1 * second, frequency=1 * Hz, damping=3 * Hz,
                 command_std=8 * Hz, slow_rate=5.0 * Hz ** 2, fast_rate=1e-3,
                 fast_init=0.0, fast_gain=2.0, fast_wmax=0.02, fast_only_blocks=0, fast_blocks=None, fast_anneal=None, slow_anneal=None, noise=0.3, cost=None,
                 feedback_gain=100 * Hz, encoder_norm=0.1, dt=0.1 * ms, slow_init=0.0):
    """Run one session per seed; on standalone targets the program is built once and re-run.

    ``make_simulation(seed)`` returns a fresh :class:`~cortexlearn.simulation.Simulation`.
    Returns a list of :class:`SessionResult`.
    """
    from cortexlearn.rules.balanced import FastBalanceRule, SlowErrorRule

    system = LinearSystem.damped_oscillator(frequency, damping)
    slow_rule = SlowErrorRule(slow_rate)
    fast_rule = FastBalanceRule(learning_rate=fast_rate, gain=fast_gain, w_max=fast_wmax)
    config = BalancedConfig(n_neurons=n_neurons, encoder_norm=encoder_norm, noise=noise, cost=cost,
                            feedback_gain=feedback_gain, fast=fast, fast_init=fast_init,
                            slow_rule=slow_rule, fast_rule=fast_rule)
    results = []
    seeds = list(seeds)

    def schedule_for(seed):
        return make_schedule(system, n_blocks, learn_block, test_block, dt=dt, command_std=command_std,
                             learn_fast=(fast == "learned"), fast_only_blocks=fast_only_blocks,
                             fast_blocks=fast_blocks, fast_anneal=fast_anneal,
                             slow_anneal=slow_anneal, seed=1000 + seed)

    def initial_fast(enc):
        if fast == "optimal":
            return optimal_fast_weights(enc)
        if fast == "learned":
            return fast_init * optimal_fast_weights(enc)
        return np.zeros((n_neurons, n_neurons))

    with make_simulation(seeds[0]) as sim:
        sched = schedule_for(seeds[0])
        enc = random_encoders(n_neurons, system.dimension, encoder_norm, np.random.default_rng(seeds[0]))
        net = build_balanced_network(config, system, sched, seed=seeds[0], encoders=enc,
                                     initial_slow=slow_init * optimal_slow_weights(enc, system, config.leak))
        info = sim.run(net.network, sched.duration, namespace=net.namespace)
        results.append(_read(net, sched, system, config, enc, seeds[0], info, n_blocks, learn_block, test_block))
        if sim.standalone:
            for seed in seeds[1:]:
                sched = schedule_for(seed)
                enc = random_encoders(n_neurons, system.dimension, encoder_norm, np.random.default_rng(seed))
                wf = initial_fast(enc)
                fi, fj = np.asarray(net.fast.i[:]), np.asarray(net.fast.j[:])
                run_args = {net.namespace["c_in"]: sched.command * Hz, net.namespace["x_in"]: sched.target,
                            net.fast.Omega: wf[fj, fi],
                            net.slow.ws: (slow_init * optimal_slow_weights(enc, system, config.leak)
                                          )[np.asarray(net.slow.j[:]), np.asarray(net.slow.i[:])] * Hz}
                for d in range(system.dimension):
                    run_args[getattr(net.neurons, f"F{d}")] = np.ascontiguousarray(enc[:, d])
                info = sim.rerun(run_args=run_args, seed=seed)
                results.append(_read(net, sched, system, config, enc, seed, info, n_blocks, learn_block,
                                     test_block))
    if len(results) == len(seeds):
        return results
    for seed in seeds[1:]:  # runtime targets: a new network per seed
        with make_simulation(seed) as sim:
            sched = schedule_for(seed)
            enc = random_encoders(n_neurons, system.dimension, encoder_norm, np.random.default_rng(seed))
            net = build_balanced_network(config, system, sched, seed=seed, encoders=enc,
                                         name=f"balanced_s{seed}",
                                         initial_slow=slow_init * optimal_slow_weights(enc, system, config.leak))
            info = sim.run(net.network, sched.duration, namespace=net.namespace)
            results.append(_read(net, sched, system, config, enc, seed, info, n_blocks, learn_block,
                                 test_block))
    return results
