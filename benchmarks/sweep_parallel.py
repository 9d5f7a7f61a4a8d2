"""Benchmark: parallel efficiency of a 2-worker sweep once the program is built.

Issue goal: a sweep on a ``LocalCluster`` with 2 workers reaches ≥ 90 % of the ideal speed-up over
the same units run one after another, once builds are cached. One shared build cache is warmed by
a first unit, then the same seeds run twice in this benchmark run: serially (``scheduler="serial"``,
each unit in its own process, as on a worker) and on a ``LocalCluster`` of 2 single-threaded
worker processes. Value: efficiency = serial wall / (2 × parallel wall); baseline 1 (ideal).
On a 2-core machine any other load on it comes straight off the parallel run.
"""

from __future__ import annotations

import os
import time

from .harness import Result, judge

MODEL = "song_2000"  # quick scale; the cache turns every unit into a copy of one program
WORKERS = 2


def _timed_sweep(out: str, seeds, cache: str, scheduler, n_workers=None):
    from cortexlearn.sweep import sweep

    start = time.perf_counter()
    result = sweep(MODEL, seeds=seeds, out=out, scheduler=scheduler, n_workers=n_workers, quick=True,
                   progress=False, build_cache=cache)
    wall = time.perf_counter() - start
    if not result.complete:
        raise RuntimeError(f"sweep into {out} did not complete: {result.failed}")
    return result, wall


def run(quick: bool, workdir: str) -> list[Result]:
    folder = os.path.join(workdir, "sweep_parallel")
    cache = os.path.join(folder, "build-cache")
    seeds = list(range(1, 5 if quick else 9))
    _timed_sweep(os.path.join(folder, "warm"), [0], cache, "serial")  # compiles once
    serial, serial_wall = _timed_sweep(os.path.join(folder, "serial"), seeds, cache, "serial")
    parallel, parallel_wall = _timed_sweep(os.path.join(folder, "parallel"), seeds, cache, None,
                                           n_workers=WORKERS)
    if parallel.builds_compiled or serial.builds_compiled:
        raise RuntimeError("a unit compiled although the cache was warm; the efficiency would "
                           "measure compilation")
    efficiency = serial_wall / (WORKERS * parallel_wall)
    return [judge("sweep_parallel_efficiency", efficiency, 1.0, "value >= 0.9", unit="", details={
        "model": f"{MODEL} (quick)", "seeds": seeds, "workers": WORKERS,
        "serial_wall_s": round(serial_wall, 2), "parallel_wall_s": round(parallel_wall, 2),
        "serial_unit_seconds": [r["elapsed_s"] for r in serial.ran],
        "parallel_unit_seconds": [r["elapsed_s"] for r in parallel.ran],
        "note": "efficiency = serial wall / (workers x parallel wall); the parallel wall includes "
                "starting the LocalCluster"})]
