"""Benchmark: a seed sweep with and without the per-host build cache.

The same serial sweep (one worker) of a small ``cpp_standalone`` model over several seeds runs
twice in one benchmark run: once compiling every unit's program (``build_cache=False``, what each
unit did before the cache existed) and once with the build cache (``build_cache=True``: the first
unit compiles, the others find the same generated code and copy its program). Each unit is a whole
:func:`cortexlearn.run` in its own process (code generation, build or copy, run, results written),
so the numbers are what a user of ``cortexlearn sweep`` waits for.

Value: seconds per unit with the cache; baseline: seconds per unit without it (each the sweep's
summed unit time divided by the number of units); ratio = value / baseline. The benchmark fails
(instead of reporting a number) unless every seed's metrics are exactly the same in both sweeps
(timing metrics aside), different seeds give different metrics, and the cached sweep compiled
once and re-used the program in every other unit.
"""

from __future__ import annotations

import math
import os
import time

from .harness import Result, judge, median

MODEL = "song_2000"  # quick scale: 200 inputs per neuron, 1 s; its build dominates a unit
#: metrics that measure time, not the simulation: they differ between any two runs
TIMING = ("wall_time_s", "build_time_s", "simulation_time_s")


def _sweep(out: str, seeds: list[int], cache: bool):
    from cortexlearn.sweep import sweep

    start = time.perf_counter()
    result = sweep(MODEL, seeds=seeds, out=out, scheduler="serial", quick=True, progress=False,
                   build_cache=cache)
    wall = time.perf_counter() - start
    if not result.complete:
        raise RuntimeError(f"sweep into {out} did not complete: {result.failed}")
    return result, wall


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):  # a metric written as null (e.g. a ratio with a zero rate)
        return math.nan


def _metrics(result) -> dict[int, dict[str, float]]:
    skip = set(TIMING) | {"seed", "status", "unit"}
    table = result.summary.set_index("seed")
    return {int(seed): {k: _number(v) for k, v in row.items()
                        if k not in skip and not k.startswith("passed_")}
            for seed, row in table.iterrows()}


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def run(quick: bool, workdir: str) -> list[Result]:
    seeds = list(range(4 if quick else 6))
    folder = os.path.join(workdir, "seed_sweep")
    plain, plain_wall = _sweep(os.path.join(folder, "compile_every_unit"), seeds, cache=False)
    cached, cached_wall = _sweep(os.path.join(folder, "build_cache"), seeds, cache=True)

    a, b = _metrics(plain), _metrics(cached)
    differing = sorted({f"seed {s}: {k}" for s in seeds for k in a[s] if not _same(a[s][k], b[s].get(k))})
    if differing:
        raise RuntimeError(f"the cached sweep's results differ from compiling every unit: {differing[:10]}")
    if len({tuple(sorted(a[s].items())) for s in seeds}) < 2:
        raise RuntimeError("every seed gave the same metrics: the seed does not reach the program")
    if (cached.builds_compiled, cached.builds_reused) != (1, len(seeds) - 1):
        raise RuntimeError(f"the cached sweep compiled {cached.builds_compiled} and re-used "
                           f"{cached.builds_reused} programs; expected 1 and {len(seeds) - 1}")

    per_plain = [r["elapsed_s"] for r in plain.ran]
    per_cached = [r["elapsed_s"] for r in cached.ran]
    value, baseline = sum(per_cached) / len(seeds), sum(per_plain) / len(seeds)
    reused = [r["elapsed_s"] for r in cached.ran if r.get("builds_reused")]
    return [judge("seed_sweep_build_cache", value, baseline, "report", details={
        "model": f"{MODEL} (quick)", "seeds": seeds, "workers": 1,
        "unit_seconds_compile_every_unit": per_plain, "unit_seconds_build_cache": per_cached,
        "median_unit_compile_every_unit": median(per_plain),
        "median_unit_reusing_program": median(reused),
        "sweep_wall_compile_every_unit": round(plain_wall, 2),
        "sweep_wall_build_cache": round(cached_wall, 2),
        "builds_compiled": cached.builds_compiled, "builds_reused": cached.builds_reused,
        "metrics_identical_per_seed": True,
        "note": "value/baseline: seconds per unit (summed unit time / units) with/without the cache; "
                "ratio < 1 is time saved"})]
