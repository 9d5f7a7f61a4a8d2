"""``simulate``: plan the units, run them (in parallel when asked), record curves and metrics."""

from __future__ import annotations

import os
import time

import numpy as np
import xarray as xr

from cortexlearn.circuits.feedforward import PATHWAYS
from cortexlearn.errors import SpecError
from cortexlearn.model import RunContext
from cortexlearn.rules.credit import RULES, CreditRule
from cortexlearn.units import check_whole_steps

from .experiment import plan_groups, prepare_data, run_groups

SHORT = {"feedback_alignment": "fa", "direct_feedback_alignment": "dfa", "sign_symmetry": "ss",
         "weight_transport": "wt", "readout_only": "readout"}
REFERENCE_RULE = {"feedback_alignment": "feedback_alignment", "direct_feedback_alignment":
                  "direct_feedback", "sign_symmetry": "sign_symmetry",
                  "weight_transport": "backprop", "readout_only": "shallow"}


def _rules(text: str):
    names = [CreditRule(r.strip()).kind for r in text.split(",") if r.strip()]
    return list(dict.fromkeys(names))


def plan_units(p, first_seed: int = 0) -> list:
    """Every (dataset, Dale, rule, seed) session of the comparison; the seeds are ``first_seed``
    (the run's ``--seed``) and the ``n_seeds - 1`` after it."""
    datasets = [d.strip() for d in p["datasets"].split(",") if d.strip()]
    for d in datasets:
        if d not in ("mnist1d", "digits"):
            raise SpecError(f"unknown dataset {d!r}; choose mnist1d and/or digits")
    units = []
    for ds in datasets:
        rules = _rules(p["rules"]) if ds == "mnist1d" else _rules(p["digits_rules"])
        combos = [(True, r) for r in rules]
        if ds == "mnist1d":
            combos += [(False, r) for r in _rules(p["dale_off_rules"])]
        for dale, rule in combos:
            for seed in range(first_seed, first_seed + int(p["n_seeds"])):
                units.append({"dataset": ds, "dale": dale, "rule": rule, "seed": seed,
                              "id": f"{ds}-{'dale' if dale else 'nodale'}-{SHORT[rule]}-s{seed}",
                              "raster": ds == datasets[0] and dale and seed == first_seed
                              and rule == rules[0]})
    if not units:
        raise SpecError("nothing to run: give at least one dataset and one rule")
    return units


def simulate(ctx: RunContext) -> dict:
    p = ctx.params
    if int(p["n_seeds"]) < 1 or int(p["epochs"]) < 1 or int(p["hidden"]) < 1:
        raise SpecError("n_seeds, epochs and hidden must be >= 1")
    if p["dale_pathways"] not in PATHWAYS:
        raise SpecError(f"dale_pathways must be one of {', '.join(map(repr, PATHWAYS))}, got "
                        f"{p['dale_pathways']!r}")
    check_whole_steps(p["presentation"], p["dt"])
    units = plan_units(p, ctx.seed)
    ctx.seeds_used = sorted({u["seed"] for u in units})
    CreditRule(RULES[0], center_rate=float(p["center_rate"]))  # refuse a bad rate before any build
    text = str(p["centered_rules"]).strip()
    centered = tuple(RULES) if text == "all" else tuple(_rules(text))
    options = {
        "target": ctx.target, "epochs": int(p["epochs"]), "n_train": int(p["n_train"]),
        "n_test": int(p["n_test"]), "hidden_sizes": (int(p["hidden"]),),
        "presentation": p["presentation"], "dt": p["dt"], "max_rate": float(p["max_rate"]), "x_max": float(p["x_max"]),
        "output_target_count": float(p["output_target_count"]),
        "hidden_target_count": float(p["hidden_target_count"]),
        "learning_rate": float(p["learning_rate"]), "readout_learning_rate": float(p["readout_learning_rate"]),
        "bias_learning_rate": float(p["bias_learning_rate"]), "homeostasis_rate": float(p["homeostasis_rate"]),
        "surrogate_slope": float(p["surrogate_slope"]), "input_weight_scale": float(p["input_weight_scale"]),
        "feedback_scale": float(p["feedback_scale"]), "output_weight_scale": float(p["output_weight_scale"]),
        "error_populations": bool(p["error_populations"]),
        "dale_pathways": str(p["dale_pathways"]),
        "centered_rules": centered, "center_rate": float(p["center_rate"]),
        "build_root": ctx.build_root, "build_cache": p["build_cache"] or None,
        "checkpoint_dir": os.path.join(ctx.out, "checkpoints") if ctx.out else None,
    }
    if options["checkpoint_dir"]:
        os.makedirs(options["checkpoint_dir"], exist_ok=True)
    workers = max(1, int(p["workers"]))
    groups = plan_groups(units, workers)
    start = time.time()
    results = run_groups(groups, options, workers=workers,
                         progress=lambda it: ctx.progress(it, desc="groups", total=len(groups)))
    wall = time.time() - start
    order = {u["id"]: k for k, u in enumerate(units)}
    results.sort(key=lambda r: order[r["id"]])
    if any(r["status"] != "complete" for r in results):
        ctx.mark_interrupted("a training session was interrupted; re-run with the same --out to "
                             "resume from the per-epoch checkpoints")
    _record(ctx, results)
    metrics = _metrics(results, p)
    metrics["wall_time_s"] = wall
    metrics["build_time_s"] = float(sum(r["build_time"] for r in results))
    metrics["session_time_s"] = float(sum(r["wall_time"] for r in results))
    if p["reference"]:
        metrics.update(_reference(ctx, p, units))
    return metrics


def _record(ctx, results):
    ids = [r["id"] for r in results]
    coords = {"unit": ids, "dataset": ("unit", [r["dataset"] for r in results]),
              "rule": ("unit", [r["rule"] for r in results]),
              "dale": ("unit", [bool(r["dale"]) for r in results]),
              "seed": ("unit", [int(r["seed"]) for r in results])}
    n_epochs = len(results[0]["test_accuracy"])
    coords["epoch"] = np.arange(1, n_epochs + 1)
    for key, unit in (("test_accuracy", "%"), ("train_accuracy", "%"), ("angle", "degree"),
                      ("hidden_count", "spikes per presentation")):
        arr = np.stack([r[key] for r in results])
        ctx.record(key, xr.DataArray(arr, dims=("unit", "epoch"), coords=coords, name=key,
                                     attrs={"units": unit}))
    for r in results:
        if "rasters" in r:
            for name, (i, t) in r["rasters"].items():
                ctx.record(f"{name}_i", xr.DataArray(np.asarray(i, dtype=np.int64), dims=("spike",)))
                ctx.record(f"{name}_t", xr.DataArray(np.asarray(t, dtype=float), dims=("spike",),
                                                     attrs={"units": "s"}))
            before, after = r["raster_windows"]
            ctx.record("raster_windows", xr.DataArray(np.stack([before, after]),
                                                      dims=("phase", "trial"),
                                                      coords={"phase": ["before", "after"]},
                                                      attrs={"units": "s", "unit": r["id"]}))


def _metrics(results, p) -> dict:
    m = {"n_seeds": float(p["n_seeds"]), "n_units": float(len(results))}
    groups = {}
    for r in results:
        groups.setdefault((r["dataset"], r["dale"], r["rule"]), []).append(r)
    per_seed = {}  # key -> {seed: final accuracy}, to pair differences by seed
    for (ds, dale, rule), rs in groups.items():
        rs = sorted(rs, key=lambda r: r["seed"])
        acc = np.array([r["final_accuracy"] for r in rs])
        key = f"{ds}_{'' if dale else 'nodale_'}{SHORT[rule]}"
        per_seed[key] = {int(r["seed"]): float(r["final_accuracy"]) for r in rs}
        m[f"{key}_accuracy_mean"] = float(np.mean(acc))
        m[f"{key}_accuracy_per_seed"] = [float(a) for a in acc]
        m[f"{key}_final_angle_per_seed"] = [float(r["angle"][-1]) for r in rs]
        m[f"{key}_accuracy_std"] = float(np.std(acc, ddof=1)) if len(acc) > 1 else 0.0
        m[f"{key}_accuracy_min"] = float(np.min(acc))
        m[f"{key}_accuracy_max"] = float(np.max(acc))
        m[f"{key}_final_angle"] = float(np.nanmean([r["angle"][-1] for r in rs]))
        m[f"{key}_hidden_count"] = float(np.nanmean([r["hidden_count"][-1] for r in rs]))
        if all("events_per_s" in r for r in rs):
            m[f"{key}_events_per_s"] = float(np.mean([r["events_per_s"] for r in rs]))
            m[f"{key}_unit_simulation_s"] = float(np.mean([r["simulation_time"] for r in rs]))
    for ds in ("mnist1d", "digits"):
        for tag in ("", "nodale_"):
            base = m.get(f"{ds}_{tag}readout_accuracy_mean")
            wt = m.get(f"{ds}_{tag}wt_accuracy_mean")
            for rule in ("fa", "dfa", "ss"):
                val = m.get(f"{ds}_{tag}{rule}_accuracy_mean")
                if val is not None and base is not None:
                    m[f"{ds}_{tag}{rule}_minus_readout"] = val - base
                    m.update(_paired(per_seed, f"{ds}_{tag}{rule}", f"{ds}_{tag}readout",
                                     f"{ds}_{tag}{rule}_minus_readout"))
                if val is not None and wt is not None:
                    m[f"{ds}_{tag}{rule}_minus_wt"] = val - wt
                    m.update(_paired(per_seed, f"{ds}_{tag}{rule}", f"{ds}_{tag}wt",
                                     f"{ds}_{tag}{rule}_minus_wt"))
        for rule in SHORT.values():
            on, off = m.get(f"{ds}_{rule}_accuracy_mean"), m.get(f"{ds}_nodale_{rule}_accuracy_mean")
            if on is not None and off is not None:
                m[f"{ds}_{rule}_dale_cost"] = off - on
    return m


def _paired(per_seed: dict, key: str, base: str, name: str) -> dict:
    """``{name}_per_seed``: ``key`` minus ``base`` on each seed both ran (differences paired by
    seed share the data order, initial weights and feedback matrices)."""
    seeds = sorted(set(per_seed[key]) & set(per_seed[base]))
    return {f"{name}_per_seed": [per_seed[key][s] - per_seed[base][s] for s in seeds]}


def _reference(ctx, p, units) -> dict:
    """The NumPy rate MLP (cortexlearn.reference) on the same data, sizes, epochs and seeds."""
    from cortexlearn.reference.experiments import Variant, run_variants

    try:
        from cortexlearn.datasets import Dataset
    except ImportError:  # pragma: no cover
        return {}
    m = {}
    for ds in sorted({u["dataset"] for u in units}):
        rules = sorted({u["rule"] for u in units if u["dataset"] == ds})
        xtr, ytr, xte, yte = prepare_data(ds, int(p["n_train"]), int(p["n_test"]))
        mean, std = xtr.mean(0), xtr.std(0) + 1e-12
        data = Dataset(ds, (xtr - mean) / std, ytr, (xte - mean) / std, yte, 10)
        variants = [Variant(SHORT[r], REFERENCE_RULE[r]) for r in rules]
        out = run_variants(data, (xtr.shape[1], int(p["hidden"]), 10), variants,
                           range(ctx.seed, ctx.seed + int(p["n_seeds"])), int(p["epochs"]))
        acc = out["test_accuracy"].isel(epoch=-1) * (100 if float(out["test_accuracy"].max()) <= 1 else 1)
        ctx.record(f"reference_{ds}_test_accuracy", out["test_accuracy"])
        for r in rules:
            vals = acc.sel(variant=SHORT[r]).values
            m[f"reference_{ds}_{SHORT[r]}_accuracy_mean"] = float(np.nanmean(vals))
    return m
