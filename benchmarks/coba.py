"""Benchmark 1a: abstraction cost on COBA, and OpenMP 1 vs 2 threads.

COBA (Vogels & Abbott 2005; Brette et al. 2007 Benchmark 1) built through cortexlearn's specs
(:mod:`cortexlearn.circuits.coba`, fused build and, as a third variant, ``fuse=False``) against the
same network hand-written in Brian2
(:func:`benchmarks.networks.coba_handwritten`), both ``cpp_standalone``. Each is built once in its
own process (build and whole-process time recorded); the compiled programs are then run
alternately (A B A B ...) and judged on the program's own simulation timer. Goal: ≤ 1.05×.

Both programs draw their random numbers in the same order from the same seed, so they start from
the same state on the same connectivity and simulate the same spikes (``same_spikes``): the
timings differ only by their code, not by the chaotic activity of two different networks.
"""

from __future__ import annotations

import os

from .harness import (Result, alternate, check_memory, judge, median, paired_ratio, run_binary,
                      run_worker)

NAME = "coba"
#: sizes to run instead of the defaults (set by ``--coba-sizes``)
SIZES: tuple = ()


def estimate_bytes(n_neurons: int) -> float:
    """Synapses (80 per neuron at the benchmark's in-degree, ~40 B each with Brian2's index
    arrays and spike queue) plus the build's own needs (~300 MB)."""
    return n_neurons * 80 * 40.0 + n_neurons * 200.0 + 300e6


def build_pair(n: int, duration: float, workdir: str, threads: int = 1) -> dict:
    check_memory(estimate_bytes(n), f"COBA with {n} neurons")  # before anything is built
    out = {}
    for impl in ("cortexlearn", "brian2", "cortexlearn-unfused"):
        d = os.path.join(workdir, f"coba-{impl}-{n}-t{threads}")
        info, wall = run_worker(["coba", "--impl", impl, "--n", n, "--duration", duration,
                                 "--dir", d, "--threads", threads])
        info["process_wall"] = wall
        info["dir"] = d
        out[impl] = info
    return out


def run(quick: bool, workdir: str) -> list[Result]:
    sizes = list(SIZES) or ([4000] if quick else [4000, 16000])
    duration = 0.2 if quick else 1.0
    repeats = 3 if quick else 5
    results = []
    for n in sizes:
        built = build_pair(n, duration, workdir)
        times = alternate({impl: (lambda d=b["dir"]: run_binary(d)["run_time"]) for impl, b in built.items()},
                          repeats=repeats, warmup=1)
        ours, theirs = median(times["cortexlearn"]), median(times["brian2"])
        whole_ours = built["cortexlearn"]["process_wall"]
        whole_theirs = built["brian2"]["process_wall"]
        unfused = median(times["cortexlearn-unfused"])
        results.append(judge(f"coba_{n}_abstraction", ours, theirs, "ratio <= 1.05",
                             ratio=paired_ratio(times["cortexlearn"], times["brian2"]), details={
            "ratio_is": "median over rounds of cortexlearn / hand-written (each round runs both)",
            "ratio_of_medians": ours / theirs,
            "neurons": n, "duration_s": duration, "repeats": repeats,
            "samples_cortexlearn": times["cortexlearn"], "samples_brian2": times["brian2"],
            "samples_cortexlearn_unfused": times["cortexlearn-unfused"],
            "spikes_cortexlearn": built["cortexlearn"]["spikes"], "spikes_brian2": built["brian2"]["spikes"],
            "same_spikes": built["cortexlearn"]["spikes"] == built["brian2"]["spikes"],
            "build_time_cortexlearn": built["cortexlearn"]["build_time"],
            "build_time_brian2": built["brian2"]["build_time"],
            "whole_process_cortexlearn": whole_ours, "whole_process_brian2": whole_theirs,
            "whole_process_ratio": whole_ours / whole_theirs,
            "note": "simulation time = the compiled program's own timer; whole process = python "
                    "start + code generation + compilation + first run, one sample each"}))
        results.append(judge(f"coba_{n}_unfused_vs_fused", unfused, ours, "report", details={
            "note": "build(fuse=False): one NeuronGroup per population and one Synapses per "
                    "population pair, against the default fused build; ratio > 1 is what fusion saves"}))
    return results


def run_openmp(quick: bool, workdir: str) -> list[Result]:
    """The cortexlearn COBA (4,000 neurons) with 1 and 2 OpenMP threads, alternately."""
    n, duration = 4000, (0.2 if quick else 1.0)
    check_memory(estimate_bytes(n), f"COBA with {n} neurons")
    dirs = {}
    for threads in (1, 2):
        d = os.path.join(workdir, f"coba-openmp-{threads}")
        run_worker(["coba", "--impl", "cortexlearn", "--n", n, "--duration", duration, "--dir", d,
                    "--threads", threads])
        dirs[threads] = d
    times = alternate({t: (lambda d=d: run_binary(d)["run_time"]) for t, d in dirs.items()},
                      repeats=3 if quick else 5, warmup=1)
    one, two = median(times[1]), median(times[2])
    return [judge("coba_openmp_2_vs_1_threads", two, one, "report", details={
        "cpus": os.cpu_count(), "samples_1": times[1], "samples_2": times[2],
        "note": "ratio < 1 means 2 threads are faster; no gain is expected on 2 shared cores"})]
