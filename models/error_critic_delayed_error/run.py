"""``simulate``: every (seed, delay, variant) session of the late-error comparison on one compiled
program.

The circuit is built once with delay lines deep enough for the longest lag and an output critic
attached; each session is a re-run that changes run-time values only: the lags (which presentation
the arriving error belongs to, and whose activity the update pairs it with), the "error arrives"
mask and the critic's switches. Seeds change the initial weights, the feedback matrices, the trial
order and the variable delays' permutations; the sessions of one seed share all of them.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import xarray as xr

from cortexlearn.critic_session import (build_folder, circuit, load_data, parse_names, seed_parameters,
                                        session_rates, summarise)
from cortexlearn.errors import NonFiniteError, SpecError
from cortexlearn.model import RunContext

#: variant -> (activity paired with the late error: "own" trial or "now", use_true, use_prediction)
VARIANTS = {
    "immediate": ("own", 1.0, 0.0),   # the error of each sample at once (no delay)
    "stored": ("own", 1.0, 0.0),      # late error x the stored activity of its own sample
    "stale": ("now", 1.0, 0.0),       # late error x the activity of the sample now (no storage)
    "critic": ("now", 0.0, 1.0),      # the critic's prediction now; late errors train the critic
}


def parse_delays(text: str, block: int) -> list:
    """``"1,4,variable"`` -> ``[1, 4, "variable"]``; a fixed delay is an integer >= 1."""
    out = []
    for item in (s.strip() for s in str(text).split(",")):
        if not item:
            continue
        if item == "variable":
            if int(block) < 1:
                raise SpecError(f"variable_block must be >= 1, got {block}")
            out.append(item)
            continue
        try:
            d = int(item)
        except ValueError:
            raise SpecError(f"a delay is an integer number of samples or 'variable', got {item!r}") from None
        if d < 1:
            raise SpecError(f"a delay must be >= 1 sample (the immediate error is its own variant), "
                            f"got {d}")
        out.append(d)
    if not out:
        raise SpecError("give at least one delay")
    return list(dict.fromkeys(out))


def parse_variants(text: str) -> list:
    return parse_names(text, VARIANTS)


def max_lag(delays, block: int) -> int:
    return max([d for d in delays if d != "variable"] + ([2 * int(block) - 1] if "variable" in delays else [0]))


def arrival_lags(n_trials: int, delay, block: int, rng) -> tuple:
    """Per presentation ``p`` (read when it ends): the lag of the error that arrives and whether
    one arrives.

    A fixed delay ``d``: the error of sample ``p - d`` arrives after sample ``p``. ``"variable"``:
    the errors of each block of ``block`` samples arrive during the next block in a random order
    (one per presentation), so every error arrives once, after 1 to ``2 block - 1`` samples
    (mean ``block``).
    """
    if delay == "variable":
        lag, present = np.zeros(n_trials), np.zeros(n_trials)
        for start in range(block, n_trials, block):
            q = np.arange(min(block, n_trials - start))
            order = rng.permutation(block)[:len(q)]
            lag[start + q] = block + q - order
            present[start + q] = 1.0
        return lag, present
    return np.full(n_trials, float(delay)), np.ones(n_trials)


def _units(variants, delays, n_seeds, first_seed=0):
    units = []
    for seed in range(first_seed, first_seed + n_seeds):
        if "immediate" in variants:
            units.append((seed, "immediate", 0))
        units += [(seed, v, d) for d in delays for v in variants if v != "immediate"]
    return units


def parse_tasks(text: str) -> list:
    return parse_names(text, ("late", "sequence", "chain"), "task")


def simulate(ctx: RunContext) -> dict:
    """The late-error comparison and the sequence task (``tasks``)."""
    from .sequence import check_sequence_settings, record_sequence, simulate_sequence

    p = ctx.params
    tasks = parse_tasks(p["tasks"])
    if "sequence" in tasks or "chain" in tasks:
        check_sequence_settings(p)
    if int(p["n_seeds"]) < 1 or int(p["epochs"]) < 1 or int(p["hidden"]) < 1:
        raise SpecError("n_seeds, epochs and hidden must be >= 1")
    start = time.time()
    metrics = {"n_seeds": float(p["n_seeds"])}
    if "late" in tasks:
        metrics.update(_simulate_late(ctx, p))
    for task, prefix, name in (("sequence", "seq", "sequence"), ("chain", "chain", "chain")):
        if task not in tasks:
            continue
        # chain: the same sequences, their classes a Markov chain (the present class tells the next)
        q = dict(p, sequence_classes="markov", sequence_variants=p["chain_variants"]) if task == "chain" else p
        data = load_data(q)
        seq_metrics, results = simulate_sequence(ctx, q, data, circuit,
                                                 build_folder(q, circuit(q, data)[0], ctx.target), prefix)
        record_sequence(ctx, results, int(q["epochs"]), name)
        metrics.update(seq_metrics)
    metrics["wall_time_s"] = time.time() - start
    return metrics


def _simulate_late(ctx: RunContext, p) -> dict:
    from cortexlearn.build.critic import attach_output_critic
    from cortexlearn.build.feedforward import build_feedforward
    from cortexlearn.circuits.feedforward_session import run_session

    variants = parse_variants(p["variants"])
    block = int(p["variable_block"])
    delays = parse_delays(p["delays"], block)
    n_seeds, epochs = int(p["n_seeds"]), int(p["epochs"])  # checked by simulate
    K = max_lag(delays, block)
    data = load_data(p)
    cfg, rule, critic_rule, chunk = circuit(p, data, activity="x_now", learning_activity="x_e",
                                            lags=K)
    folder = build_folder(p, cfg, ctx.target)
    results, start, build_time = [], time.time(), 0.0
    units = _units(variants, delays, n_seeds, ctx.seed)  # --seed shifts every seed
    ctx.seeds_used = sorted({u[0] for u in units})
    with ctx.simulation(directory=folder and f"{folder}-lag{K}", dt=p["dt"]) as sim:
        net = built_sched = None
        bar = ctx.progress(units, desc="sessions")
        for seed, variant, delay in bar:
            sched, rs, labels = session_rates(data, seed, p)
            if not sim.standalone and built_sched is not None:  # runtime targets replay the build's order
                sched, rs, labels = built_sched
            params = seed_parameters(cfg, seed)
            if net is None:
                net = build_feedforward(cfg, rule, rs, params, name="ecd", chunk_trials=chunk,
                                        substitute_error=True, error_lags=K)
                attach_output_critic(net, critic_rule, np.ones(len(sched.source)))
                built_sched, rs_arg = (sched, rs, labels), None
            else:
                rs_arg = rs if sim.standalone else None
            n = len(sched.source)
            lag_err, present = (np.zeros(n), np.ones(n)) if variant == "immediate" else \
                arrival_lags(n, delay, block, np.random.default_rng(3000 + seed))
            pairing, use_true, use_pred = VARIANTS[variant]
            lag_act = lag_err if pairing == "own" else np.zeros(n)

            def padded(v):
                return np.concatenate([v, np.zeros(net.n_trials - n)])

            t0 = time.time()
            try:
                rec = run_session(net, sim, rule=rule, params=params, schedule=rs_arg,
                              timed_values={"present": padded(present), "lag_err": padded(lag_err),
                                            "lag_act": padded(lag_act)},
                                  constants={"critic_units.use_read": 1.0, "critic_units.use_context": 1.0,
                                             "critic_units.use_prediction": use_pred,
                                             "critic_units.use_true": use_true,
                                             "critic_units.eta_read": critic_rule.learning_rate,
                                             "critic_units.eta_context": critic_rule.context_learning_rate})
            except NonFiniteError as exc:  # a diverged session is a result: recorded as NaN
                warnings.warn(f"seed {seed}, {variant}, delay {delay} diverged: {exc}", RuntimeWarning)
                out = {k: np.full(epochs, np.nan) for k in ("test_accuracy", "train_accuracy", "correlation")}
                out.update(seed=seed, variant=variant, delay=str(delay), wall_time=time.time() - t0,
                           mean_lag=float("nan"), diverged=True)
                results.append(out)
                continue
            build_time += rec.build_time
            if rec.status != "complete":
                ctx.mark_interrupted("a training session was interrupted")
            # the truth of each prediction: its own sample's error, whenever that arrives
            out = summarise(rec, sched, labels, None, epochs, truth=rs.target_values - rec.counts)
            out.update(seed=seed, variant=variant, delay=str(delay), wall_time=time.time() - t0,
                       mean_lag=float(lag_err[present > 0].mean()) if present.any() else 0.0,
                       diverged=False)
            results.append(out)
    wall = time.time() - start
    _record(ctx, results, epochs)
    metrics = _metrics(results, variants, delays, n_seeds)
    metrics.update(late_wall_time_s=wall, build_time_s=build_time, n_units=float(len(units)),
                   max_lag=float(K), n_diverged=float(sum(r["diverged"] for r in results)))
    return metrics


def _record(ctx, results, epochs):
    coords = {"unit": [f"{r['variant']}-d{r['delay']}-s{r['seed']}" for r in results],
              "variant": ("unit", [r["variant"] for r in results]),
              "delay": ("unit", [r["delay"] for r in results]),
              "seed": ("unit", [int(r["seed"]) for r in results]),
              "epoch": np.arange(1, epochs + 1)}
    for key, unit in (("test_accuracy", "%"), ("train_accuracy", "%"), ("correlation", "1")):
        arr = np.stack([r[key] for r in results])
        ctx.record(key, xr.DataArray(arr, dims=("unit", "epoch"), coords=coords, name=key,
                                     attrs={"units": unit}))


def _metrics(results, variants, delays, n_seeds) -> dict:
    m = {"n_seeds": float(n_seeds)}
    final = {}
    for r in results:
        key = "immediate" if r["variant"] == "immediate" else f"{r['variant']}_d{r['delay']}"
        final.setdefault(key, {})[r["seed"]] = float(r["test_accuracy"][-1])
        if r["variant"] == "critic":
            m.setdefault(f"{key}_correlation_final", []).append(float(r["correlation"][-1]))
    for key, by_seed in final.items():
        acc = np.array(list(by_seed.values()))
        m[f"{key}_accuracy_mean"] = float(np.mean(acc))
        m[f"{key}_accuracy_std"] = float(np.std(acc, ddof=1)) if len(acc) > 1 else 0.0
    for key in [k for k in m if k.endswith("_correlation_final")]:
        m[key] = float(np.nanmean(m[key]))

    def by_seed(a, b):  # {seed: a - b} over the seeds both have
        seeds = sorted(set(final.get(a, {})) & set(final.get(b, {})))
        return {s: final[a][s] - final[b][s] for s in seeds}

    def paired(a, b):  # mean over the seeds both have
        diffs = by_seed(a, b)
        return float(np.mean(list(diffs.values()))) if diffs else float("nan")

    wins_stale, wins_stored, stale_by_seed = [], [], []
    for d in delays:
        for other in ("stale", "stored"):
            if f"critic_d{d}" in final and f"{other}_d{d}" in final:
                diffs = by_seed(f"critic_d{d}", f"{other}_d{d}")
                m[f"critic_minus_{other}_d{d}"] = diff = paired(f"critic_d{d}", f"{other}_d{d}")
                m[f"critic_minus_{other}_d{d}_per_seed"] = list(diffs.values())
                (wins_stale if other == "stale" else wins_stored).append(diff)
                if other == "stale":
                    stale_by_seed.append(diffs)
        if "immediate" in final and f"stored_d{d}" in final:
            m[f"immediate_minus_stored_d{d}"] = paired("immediate", f"stored_d{d}")
    if wins_stale:
        m["critic_minus_stale_min"] = float(np.min(wins_stale))
        # per seed, its worst delay: the check across seeds asks every seed to win at every delay
        seeds = sorted(set.intersection(*(set(d) for d in stale_by_seed)))
        m["critic_minus_stale_min_per_seed"] = [float(min(d[s] for d in stale_by_seed)) for s in seeds]
    if wins_stored:
        m["critic_minus_stored_max"] = float(np.max(wins_stored))
    if 1 in delays and "critic_minus_stored_d1" in m:
        m["stored_minus_critic_d1"] = -m["critic_minus_stored_d1"]
        m["stored_minus_critic_d1_per_seed"] = [-v for v in m["critic_minus_stored_d1_per_seed"]]
    return m
