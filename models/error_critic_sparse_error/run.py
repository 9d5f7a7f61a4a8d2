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

from cortexlearn.errors import SpecError
from cortexlearn.model import RunContext

#: variant -> (error everywhere?, use_read, use_context, use_prediction)
VARIANTS = {
    "dense": (True, 1.0, 1.0, 0.0),
    "sparse_only": (False, 1.0, 1.0, 0.0),
    "critic": (False, 1.0, 1.0, 1.0),
    "label_only": (False, 0.0, 1.0, 1.0),
    "hidden_only": (False, 1.0, 0.0, 1.0),
}


def parse_names(text: str, choices, what: str = "variant") -> list:
    """Comma-separated names, each one of ``choices``, in order without repeats; a SpecError names
    the unknown one (``what`` says what kind of name it is)."""
    names = [v.strip() for v in str(text).split(",") if v.strip()]
    for v in names:
        if v not in choices:
            raise SpecError(f"unknown {what} {v!r}; choose from {', '.join(choices)}")
    if not names:
        raise SpecError(f"give at least one {what}")
    return list(dict.fromkeys(names))


def _variants(text: str) -> list:
    return parse_names(text, VARIANTS)


def _data(p):
    from cortexlearn.datasets import load

    ds = load("mnist1d")
    n_train, n_test = int(p["n_train"]) or len(ds.x_train), int(p["n_test"]) or len(ds.x_test)
    evaluate_on = p.get("evaluate_on", "test")  # models sharing this loader may lack the option
    if evaluate_on == "validation":  # held-out training samples, for choosing rates
        if n_train + n_test > len(ds.x_train):
            raise SpecError(f"evaluate_on='validation' needs n_train + n_test <= {len(ds.x_train)} "
                            f"training samples, got {n_train} + {n_test}")
        held = slice(n_train, n_train + n_test)
        return ds.x_train[:n_train], ds.y_train[:n_train], ds.x_train[held], ds.y_train[held]
    if evaluate_on != "test":
        raise SpecError(f"evaluate_on must be 'test' or 'validation', got {evaluate_on!r}")
    return ds.x_train[:n_train], ds.y_train[:n_train], ds.x_test[:n_test], ds.y_test[:n_test]


def _schedule(data, seed, p):
    from brian2 import Hz

    from cortexlearn.stimuli import (Standardizer, on_off_rates, one_hot_counts, render_schedule,
                                     session_schedule)

    xtr, ytr, xte, yte = data
    st = Standardizer.fit(xtr)
    sched = session_schedule(len(xtr), len(xte), int(p["epochs"]), seed=seed, flush=False,
                             test_every_epoch=bool(p["test_every_epoch"]))
    rate = float(p["max_rate"]) * Hz
    rs = render_schedule(sched, on_off_rates(st(xtr), rate, float(p["x_max"])),
                         on_off_rates(st(xte), rate, float(p["x_max"])),
                         one_hot_counts(ytr, 10, float(p["output_target_count"])),
                         one_hot_counts(yte, 10, float(p["output_target_count"])),
                         p["presentation"], prefix="sparse")
    labels = np.where(sched.source == 0, ytr[np.minimum(sched.sample, len(ytr) - 1)],
                      yte[np.minimum(sched.sample, len(yte) - 1)])
    return sched, rs, labels


def _build_folder(p, cfg, target):
    """A persistent build folder per circuit when ``build_cache`` is set (standalone only): a later
    build rewrites identical sources and ``make`` recompiles almost nothing."""
    if not p["build_cache"] or not target.endswith("standalone"):
        return None
    import hashlib
    import os

    key = repr((cfg, p["n_train"], p["n_test"], p["epochs"], str(p["presentation"]),
                bool(p["test_every_epoch"]), target, bool(p.get("critic_normalized", False))))
    return os.path.join(p["build_cache"], "ecs-" + hashlib.sha1(key.encode()).hexdigest()[:12])


def _correlation(a, b) -> float:
    a, b = np.ravel(a), np.ravel(b)
    if a.size < 2 or np.std(a) == 0 or np.std(b) == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def _summarise(rec, sched, labels, present, epochs, truth=None):
    """Accuracies per epoch and the critic's prediction-truth correlations (``truth``: the error
    each prediction is compared with, default the error the critic received; with ``present``,
    also over the samples without the true error)."""
    pred = np.argmax(rec.counts + 1e-3 * rec.vm, axis=1)
    correct = pred == labels
    test, train, corr, corr_absent = (np.full(epochs, np.nan) for _ in range(4))
    critic_pred = rec.extra["critic.pred"]
    err_true = rec.extra["critic.err_true"] if truth is None else truth
    for e in range(epochs):
        tr = (sched.epoch == e) & (sched.source == 0)
        te = (sched.epoch == e) & (sched.source == 1)
        if te.any():
            test[e] = 100 * correct[te].mean()
        train[e] = 100 * correct[tr].mean()
        tr[-1] = False  # the last trial is never latched
        corr[e] = _correlation(critic_pred[tr], err_true[tr])
        if present is not None:
            absent = tr & (present == 0)
            corr_absent[e] = _correlation(critic_pred[absent], err_true[absent])
    out = {"test_accuracy": test, "train_accuracy": train, "correlation": corr}
    if present is not None:
        out["correlation_absent"] = corr_absent
    return out


def circuit(p, data, **critic_options):
    """The circuit's configuration, its credit rule, the critic's rule (``critic_options`` go to
    :class:`~cortexlearn.rules.critic.ErrorCritic`) and the trials per chunk: one epoch (and its
    test pass), the last chunk holding the final test."""
    from cortexlearn.circuits.feedforward import FeedforwardConfig
    from cortexlearn.rules.credit import CreditRule
    from cortexlearn.rules.critic import ErrorCritic

    epochs = int(p["epochs"])
    cfg = FeedforwardConfig(2 * data[0].shape[1], (int(p["hidden"]),), 10,
                            input_weight_scale=float(p["input_weight_scale"]),
                            feedback_scale=float(p["feedback_scale"]),
                            output_weight_scale=float(p["output_weight_scale"]),
                            dale_pathways=str(p.get("dale_pathways", "one")))
    rule = CreditRule("feedback_alignment", learning_rate=float(p["learning_rate"]),
                      readout_learning_rate=float(p["readout_learning_rate"]),
                      bias_learning_rate=float(p["bias_learning_rate"]),
                      homeostasis_rate=float(p["homeostasis_rate"]),
                      target_count=float(p["hidden_target_count"]),
                      surrogate_slope=float(p["surrogate_slope"]))
    critic_rule = ErrorCritic(learning_rate=float(p["critic_learning_rate"]),
                              context_learning_rate=float(p["critic_label_learning_rate"]),
                              activity_offset=float(p["hidden_target_count"]), switches=True,
                              normalized=bool(p.get("critic_normalized", False)),
                              **critic_options)
    chunk = len(data[0]) + (len(data[2]) if p["test_every_epoch"] else 0)
    n_trials = epochs * len(data[0]) + (epochs if p["test_every_epoch"] else 1) * len(data[2])
    return cfg, rule, critic_rule, chunk if n_trials % chunk == 0 else n_trials


def simulate(ctx: RunContext) -> dict:
    from cortexlearn.circuits.critic import attach_output_critic
    from cortexlearn.circuits.feedforward import build_feedforward, initial_parameters, run_session

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
    data = _data(p)
    cfg, rule, critic_rule, chunk = circuit(p, data, activity="x_l")
    results, start, build_time = [], time.time(), 0.0
    units = [(s, v) for s in range(n_seeds) for v in variants]
    with ctx.simulation(directory=_build_folder(p, cfg, ctx.target)) as sim:
        net = built_sched = None
        for seed in ctx.progress(range(n_seeds), desc="seeds"):
            sched, rs, labels = _schedule(data, seed, p)
            if not sim.standalone and built_sched is not None:  # runtime targets replay the build's order
                sched, rs, labels = built_sched
            params = initial_parameters(cfg, seed=1000 + seed)
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
                dense, use_read, use_context, use_pred = VARIANTS[variant]
                present = train.astype(float) if dense else sparse
                t0 = time.time()
                rec = run_session(net, sim, rule=rule, params=params, schedule=rs_arg,
                                  timed_values={"present": np.concatenate(
                                      [present, np.zeros(net.n_trials - len(present))])},
                                  constants={"critic_units.use_read": use_read,
                                             "critic_units.use_context": use_context,
                                             "critic_units.use_prediction":
                                                 use_pred * float(p["prediction_gain"]),
                                             "critic_units.eta_read": critic_rule.learning_rate,
                                             "critic_units.eta_context":
                                                 critic_rule.context_learning_rate})
                rs_arg = None if not sim.standalone else rs_arg
                build_time += rec.build_time
                if rec.status != "complete":
                    ctx.mark_interrupted("a training session was interrupted")
                out = _summarise(rec, sched, labels, present, epochs)
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
        rs = [r for r in results if r["variant"] == v]
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
    if "critic" in final and "sparse_only" in final:
        m["critic_minus_sparse"] = float(np.mean(final["critic"] - final["sparse_only"]))
        if "dense" in final:
            gap = float(np.mean(final["dense"] - final["sparse_only"]))
            m["dense_minus_sparse"] = gap
            m["gap_recovered"] = m["critic_minus_sparse"] / gap if gap > 0 else float("nan")
    if "critic" in final and "label_only" in final:
        m["critic_minus_label_only"] = float(np.mean(final["critic"] - final["label_only"]))
    return m
