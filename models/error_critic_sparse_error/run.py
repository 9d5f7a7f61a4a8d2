"""``simulate``: every (seed, variant) session of the sparse-error comparison on one compiled program.

The circuit is built once, with the critic attached (``substitute_error``); each variant is a
re-run that changes only run-time values: the "error present" mask (all training trials for the
dense network, a random fraction otherwise) and the critic's switches (read the hidden layer,
read the label, use the prediction). Seeds change the initial weights, the feedback matrices, the
trial order and the mask; the variants of one seed share all of them (paired comparison).
"""

from __future__ import annotations

import time

import numpy as np
import xarray as xr

from cortexlearn.critic_session import (build_folder, circuit, load_data, parse_names, seed_parameters,
                                        session_rates, summarise)
from cortexlearn.errors import SpecError
from cortexlearn.model import RunContext

#: variant -> (error everywhere?, use_read, use_context, use_prediction, prediction to the output)
VARIANTS = {
    "dense": (True, 1.0, 1.0, 0.0, 1.0),
    "sparse_only": (False, 1.0, 1.0, 0.0, 1.0),
    "critic": (False, 1.0, 1.0, 1.0, 1.0),
    "label_only": (False, 0.0, 1.0, 1.0, 1.0),
    "hidden_only": (False, 1.0, 0.0, 1.0, 1.0),
    "critic_hidden": (False, 1.0, 1.0, 1.0, 0.0),
}


def _variants(text: str) -> list:
    return parse_names(text, VARIANTS)


def simulate(ctx: RunContext) -> dict:
    from cortexlearn.build.critic import attach_output_critic
    from cortexlearn.build.feedforward import build_feedforward
    from cortexlearn.circuits.feedforward_session import run_session

    p = ctx.params
    variants = _variants(p["variants"])
    n_seeds, epochs = int(p["n_seeds"]), int(p["epochs"])
    fraction = float(p["error_fraction"])
    if n_seeds < 1 or epochs < 1 or int(p["hidden"]) < 1:
        raise SpecError("n_seeds, epochs and hidden must be >= 1")
    if not 0 < fraction <= 1:
        raise SpecError(f"error_fraction must lie in (0, 1], got {fraction}")
    if not 0 < float(p["prediction_gain"]) <= 1:
        raise SpecError(f"prediction_gain must lie in (0, 1], got {p['prediction_gain']}")
    data = load_data(p)
    cfg, rule, critic_rule, chunk = circuit(p, data, activity="x_l")
    results, start, build_time = [], time.time(), 0.0
    first = int(p["first_seed"])
    if first < 0:
        raise SpecError(f"first_seed must be >= 0, got {first}")
    seeds = range(ctx.seed + first, ctx.seed + first + n_seeds)  # --seed shifts every seed
    ctx.seeds_used = list(seeds)
    units = [(s, v) for s in seeds for v in variants]
    with ctx.simulation(directory=build_folder(p, cfg, ctx.target), dt=p["dt"]) as sim:
        net = built_sched = None
        for seed in ctx.progress(seeds, desc="seeds"):
            sched, rs, labels = session_rates(data, seed, p)
            if not sim.standalone and built_sched is not None:  # runtime targets replay the build's order
                sched, rs, labels = built_sched
            params = seed_parameters(cfg, seed)
            train = sched.source == 0
            sparse = (train & (np.random.default_rng(2000 + seed).random(len(train)) < fraction)).astype(float)
            if net is None:
                net = build_feedforward(cfg, rule, rs, params, name="ecs", chunk_trials=chunk,
                                        substitute_error=True)
                attach_output_critic(net, critic_rule, sparse)
                built_sched, rs_arg = (sched, rs, labels), None
            else:
                rs_arg = rs if sim.standalone else None
            for variant in variants:
                dense, use_read, use_context, use_pred, pred_out = VARIANTS[variant]
                present = train.astype(float) if dense else sparse
                t0 = time.time()
                rec = run_session(net, sim, rule=rule, params=params, schedule=rs_arg,
                                  timed_values={"present": np.concatenate(
                                      [present, np.zeros(net.n_trials - len(present))])},
                                  constants={"critic_units.use_read": use_read,
                                             "critic_units.use_context": use_context,
                                             "critic_units.use_prediction":
                                                 use_pred * float(p["prediction_gain"]),
                                             "critic_units.use_prediction_output": pred_out,
                                             "critic_units.eta_read": critic_rule.learning_rate,
                                             "critic_units.eta_context":
                                                 critic_rule.context_learning_rate})
                rs_arg = None if not sim.standalone else rs_arg
                build_time += rec.build_time
                if rec.status != "complete":
                    ctx.mark_interrupted("a training session was interrupted")
                out = summarise(rec, sched, labels, present, epochs)
                out.update(seed=seed, variant=variant, wall_time=time.time() - t0,
                           n_present=int(present.sum()))
                results.append(out)
    wall = time.time() - start
    _record(ctx, results, epochs)
    metrics = _metrics(results, variants, n_seeds)
    metrics.update(wall_time_s=wall, build_time_s=build_time, n_units=float(len(units)))
    return metrics


def _record(ctx, results, epochs):
    coords = {"unit": [f"{r['variant']}-s{r['seed']}" for r in results],
              "variant": ("unit", [r["variant"] for r in results]),
              "seed": ("unit", [int(r["seed"]) for r in results]),
              "epoch": np.arange(1, epochs + 1)}
    for key, unit in (("test_accuracy", "%"), ("train_accuracy", "%"), ("correlation", "1"),
                      ("correlation_absent", "1")):
        arr = np.stack([r[key] for r in results])
        ctx.record(key, xr.DataArray(arr, dims=("unit", "epoch"), coords=coords, name=key,
                                     attrs={"units": unit}))


def _metrics(results, variants, n_seeds) -> dict:
    m = {"n_seeds": float(n_seeds)}
    final = {}
    for v in variants:
        rs = sorted((r for r in results if r["variant"] == v), key=lambda r: r["seed"])
        acc = np.array([r["test_accuracy"][-1] for r in rs])
        final[v] = acc
        m[f"{v}_accuracy_mean"] = float(np.mean(acc))
        m[f"{v}_accuracy_std"] = float(np.std(acc, ddof=1)) if len(acc) > 1 else 0.0
        for r in rs:
            m[f"{v}_accuracy_seed{r['seed']}"] = float(r["test_accuracy"][-1])
        for key, name, e in (("correlation", "correlation_final", -1),
                             ("correlation_absent", "correlation_absent_final", -1),
                             ("correlation", "correlation_first", 0)):
            vals = [r[key][e] for r in rs if np.isfinite(r[key][e])]
            if vals:  # the dense network has no samples without the error
                m[f"{v}_{name}"] = float(np.mean(vals))
    # per seed (every variant runs the same seeds in the same order: differences are paired by
    # seed), for the checks judged across seeds
    if "critic" in final and "sparse_only" in final:
        wins = final["critic"] - final["sparse_only"]
        m["critic_minus_sparse"] = float(np.mean(wins))
        m["critic_minus_sparse_per_seed"] = [float(v) for v in wins]
        if "dense" in final:
            gaps = final["dense"] - final["sparse_only"]
            gap = float(np.mean(gaps))
            m["dense_minus_sparse"] = gap
            m["gap_recovered"] = m["critic_minus_sparse"] / gap if gap > 0 else float("nan")
            with np.errstate(divide="ignore", invalid="ignore"):
                m["gap_recovered_per_seed"] = [float(w / g) if g > 0 else float("nan")
                                               for w, g in zip(wins, gaps)]
    if "critic" in final and "label_only" in final:
        wins = final["critic"] - final["label_only"]
        m["critic_minus_label_only"] = float(np.mean(wins))
        m["critic_minus_label_only_per_seed"] = [float(v) for v in wins]
    return m
