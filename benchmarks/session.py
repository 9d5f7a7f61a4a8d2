"""Benchmarks 3 and 5: the compiled session, the Python trial loop, and closed-loop mode.

The session is a supervised delta rule on spike counts (:func:`benchmarks.networks.session_network`:
100 regular input generators → 10 leaky neurons, 50-ms trials, the update written as
``run_regularly`` equations at each trial boundary). It is written here rather than taken from
cortexlearn's feedback-alignment builder so that the three modes run the very same network and
can be compared trial by trial; its structure (trial-wise ``TimedArray`` input, learning at trial
boundaries, one monitor sample per trial) is that of a feedback-alignment session.

- compiled: ``cpp_standalone`` through :class:`cortexlearn.Simulation`, one ``run()`` for the
  whole session; its program comes from the build cache, filled by a first (cold) process whose
  whole-process time is reported beside — as the loop's Cython code comes from the Cython cache
  filled by its warm-up;
- loop: Cython runtime, one ``Network.run()`` per trial (Brian2 calls ``gc.collect()`` in each),
  Python reading the spike counts between trials — how training loops are usually written;
- closed: closed-loop mode (:meth:`cortexlearn.Simulation.closed_loop`): the session as one
  resident ``cpp_standalone`` program that stops after every trial, sends the output counts to
  Python and waits for its go (and any values to set) before the next trial; its time is that of
  all the steps, exchanges with Python included.

Goals: compiled ≥ 8× faster than the loop as whole processes and ≥ 50× in simulation time, with
identical learning curves; closed-loop mode ≤ 1.5× the compiled session's simulation time.
"""

from __future__ import annotations

import os

from .harness import Result, judge, run_worker


#: session lengths to run instead of the defaults (set by ``--session-trials``)
TRIALS: tuple = ()


def _curve_difference(a, b) -> float:
    if len(a) != len(b):
        return float("inf")
    return max((abs(x - y) for x, y in zip(a, b)), default=0.0)


def run(quick: bool, workdir: str) -> list[Result]:
    sizes = tuple(TRIALS) or ((50,) if quick else (200, 1000))
    results = []
    for n in sizes:
        # warm-up: the same network for one trial fills the Cython cache (the TimedArrays' sizes
        # are compiled in), so the loops below pay no compilation
        run_worker(["session", "--mode", "loop", "--trials", n, "--run-trials", 1, "--target", "cython"])
        # likewise the compiled session's first process builds the program into the build cache
        # (its whole-process time is the cold one, reported); the measured process re-uses it
        cache = os.path.join(workdir, "session-build-cache")
        cold, cold_wall = run_worker(["session", "--mode", "compiled", "--trials", n, "--dir",
                                      os.path.join(workdir, f"session-{n}-cold"), "--build-cache", cache],
                                     timeout=3600)
        # and the closed-loop program likewise (another program: the generated run is a loop)
        cold_closed, cold_closed_wall = run_worker(["session", "--mode", "closed", "--trials", n, "--dir",
                                                    os.path.join(workdir, f"session-{n}-closed-cold"),
                                                    "--build-cache", cache], timeout=3600)
        d = os.path.join(workdir, f"session-{n}")
        runs = {}
        for mode in ("compiled", "loop", "closed"):  # A B C
            args = ["session", "--mode", mode, "--trials", n, "--dir", d]
            if mode == "loop":
                args += ["--target", "cython"]
            else:
                args += ["--build-cache", cache]
            info, wall = run_worker(args, timeout=3600)
            info["process_wall"] = wall
            runs[mode] = info
        c, lp, cl = runs["compiled"], runs["loop"], runs["closed"]
        diff = _curve_difference(c["curve"], lp["curve"])
        diff_closed = _curve_difference(c["curve"], cl["curve"])
        common = {"trials": n, "trial_ms": 50, "n_in": 100, "n_out": 10,
                  "compiled_build_time": c["build_time"],
                  "compiled_build_reused": c.get("build_reused"),
                  "cold_compiled": {"process_wall": cold_wall, "build_time": cold["build_time"],
                                    "ratio_loop_over_cold": lp["process_wall"] / cold_wall},
                  "cold_closed": {"process_wall": cold_closed_wall, "build_time": cold_closed["build_time"]},
                  "whole_process": {m: r["process_wall"] for m, r in runs.items()},
                  "simulation": {m: r["sim_time"] for m, r in runs.items()},
                  "session": "delta rule written in benchmarks/ (see benchmarks/session.py)",
                  "repeats": 1, "note": "one sample per mode (a build costs minutes on the shared machine)"}
        results.append(judge(f"session_{n}_whole_process", c["process_wall"], lp["process_wall"], "ratio >= 8",
                             ratio=lp["process_wall"] / c["process_wall"],
                             details={**common, "ratio_is": "loop / compiled (speed-up)"}))
        results.append(judge(f"session_{n}_simulation", c["sim_time"], lp["sim_time"], "ratio >= 50",
                             ratio=lp["sim_time"] / c["sim_time"],
                             details={**common, "ratio_is": "loop / compiled (speed-up)"}))
        results.append(Result(f"session_{n}_identical_curves", diff, 0.0, None, "value <= 0",
                              bool(diff == 0.0), unit="max |difference| of summed squared error",
                              details={"closed_loop_difference": diff_closed,
                                       "first_trials_compiled": c["curve"][:5],
                                       "last_trials_compiled": c["curve"][-5:],
                                       "last_trials_loop": lp["curve"][-5:]}))
        results.append(judge(f"closed_loop_{n}", cl["sim_time"], c["sim_time"], "ratio <= 1.5",
                             details={**common, "ratio_is": "closed-loop / compiled simulation time",
                                      "closed_whole_process_ratio": cl["process_wall"] / c["process_wall"]}))
    return results
