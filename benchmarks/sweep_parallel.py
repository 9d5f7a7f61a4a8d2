"""Benchmark: parallel efficiency of a 2-worker sweep once the program is built.

Goal: a sweep on a ``LocalCluster`` with 2 workers reaches ≥ 90 % of the ideal speed-up over the
same units run one after another, once builds are cached. One shared build cache is warmed by a
first unit, then the same seeds run twice in this benchmark run: serially (``scheduler="serial"``,
each unit in its own process, as on a worker) and on a started ``LocalCluster`` of 2
single-threaded worker processes whose unit processes were warmed by one unit each. Value:
efficiency = units × median serial unit time / (2 × parallel wall); baseline 1 (ideal). On a
2-core machine any other load on it comes straight off the parallel run.
"""

from __future__ import annotations

import os
import time

from .harness import Result, judge, median

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
    from dask.distributed import Client, LocalCluster

    folder = os.path.join(workdir, "sweep_parallel")
    cache = os.path.join(folder, "build-cache")
    seeds = list(range(1, 9 if quick else 17))
    _timed_sweep(os.path.join(folder, "warm-serial"), [0], cache, "serial")  # compiles once
    serial, serial_wall = _timed_sweep(os.path.join(folder, "serial"), seeds, cache, "serial")
    with LocalCluster(n_workers=WORKERS, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        # both workers start their unit process (Brian2 imported once per worker) before timing
        _timed_sweep(os.path.join(folder, "warm-workers"), [100, 101], cache, client)
        parallel, parallel_wall = _timed_sweep(os.path.join(folder, "parallel"), seeds, cache, client)
    if parallel.builds_compiled or serial.builds_compiled:
        raise RuntimeError("a unit compiled although the cache was warm; the efficiency would "
                           "measure compilation")
    serial_units = [r["elapsed_s"] for r in serial.ran]
    steady = len(seeds) * median(serial_units)
    efficiency = steady / (WORKERS * parallel_wall)
    return [judge("sweep_parallel_efficiency", efficiency, 1.0, "value >= 0.9", unit="", details={
        "model": f"{MODEL} (quick)", "seeds": seeds, "workers": WORKERS,
        "serial_wall_s": round(serial_wall, 2), "serial_units_x_median_s": round(steady, 2),
        "parallel_wall_s": round(parallel_wall, 2),
        "efficiency_from_serial_wall": round(serial_wall / (WORKERS * parallel_wall), 3),
        "serial_unit_seconds": serial_units,
        "parallel_unit_seconds": [r["elapsed_s"] for r in parallel.ran],
        "note": "efficiency = units x median serial unit time / (workers x parallel wall), on a "
                "started and warmed cluster (the first unit of a process imports Brian2); "
                "efficiency_from_serial_wall counts the serial run's own start-up too"})]
