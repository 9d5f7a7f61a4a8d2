"""``python -m benchmarks [--quick] [--json PATH] [--only NAME ...]``: run the suite.

Every benchmark measures its baseline in the same run, with a warm-up and alternating repeats,
prints medians and ratios, and the report is written as JSON:
``{"machine": {...}, "benchmarks": [{"name", "value", "baseline", "ratio", "goal", "met", ...}]}``.
The JSON is rewritten after each benchmark, so an interrupted suite keeps what it measured.
Timings on a shared machine are noisy: trust the ratios (measured side by side) more than times.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
import traceback

from . import coba, eprop, floor, rerun, seed_sweep, session, stdp, sweep_parallel, vs_nest
from .harness import MemoryRefused, Result, machine_info, summary_line, to_json, work_dir

#: name -> (function, the result names it produces), in the order the suite runs them
BENCHMARKS = {
    "floor_kernel": (floor.run_kernel, ["floor_kernel"]),
    "coba": (coba.run, ["coba_4000_abstraction", "coba_16000_abstraction"]),
    "stdp_fanin": (stdp.run_fanin, ["traces_in_neurons", "plastic_over_static"]),
    "floor_brian2": (floor.run_vs_brian, ["floor_static_brian2", "floor_plastic_brian2"]),
    "song": (stdp.run_song, ["song_abstraction", "song_vs_textbook", "song_plastic_over_static"]),
    "session": (session.run, ["session_*_whole_process", "session_*_simulation",
                              "session_*_identical_curves", "closed_loop_*"]),
    "rerun": (rerun.run, ["rerun_seed_sweep"]),
    "seed_sweep": (seed_sweep.run, ["seed_sweep_build_cache"]),
    "sweep_parallel": (sweep_parallel.run, ["sweep_parallel_efficiency"]),
    "openmp": (coba.run_openmp, ["coba_openmp_2_vs_1_threads"]),
    "eprop": (eprop.run, ["eprop_ns_per_synapse_step", "eprop_full_run_projected",
                          "eprop_openmp_2_vs_1_threads"]),
    "eprop_vs_nest": (vs_nest.run_eprop, ["eprop_vs_nest"]),
    "brunel_static_vs_nest": (vs_nest.run_brunel_static, ["brunel_static_vs_nest"]),
    "brunel_plastic_vs_nest": (vs_nest.run_brunel_plastic, ["brunel_plastic_vs_nest"]),
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke test; ratios still side by side)")
    parser.add_argument("--json", default=None, help="write the report here (default benchmarks/results/latest.json)")
    parser.add_argument("--only", nargs="+", default=None, choices=sorted(BENCHMARKS), metavar="NAME",
                        help=f"run only these: {', '.join(BENCHMARKS)}")
    parser.add_argument("--keep", action="store_true", help="keep the build folders")
    parser.add_argument("--coba-sizes", nargs="+", type=int, default=None, metavar="N",
                        help="COBA sizes (default 4000 16000; --quick: 4000)")
    parser.add_argument("--session-trials", nargs="+", type=int, default=None, metavar="N",
                        help="session lengths in trials (default 200 1000; --quick: 50)")
    parser.add_argument("--plastic-scale", type=float, default=None, metavar="S",
                        help="brunel_plastic_vs_nest: fraction of 8,000 + 2,000 neurons (default 1; --quick: 0.1)")
    parser.add_argument("--plastic-duration", type=float, default=None, metavar="SECONDS",
                        help="brunel_plastic_vs_nest: simulated time (default 1 s; --quick: 2 s)")
    args = parser.parse_args(argv)
    path = args.json or os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "latest.json")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    names = args.only or list(BENCHMARKS)
    report = {"machine": machine_info(), "command": "python -m benchmarks " + " ".join(argv or sys.argv[1:]),
              "quick": args.quick, "benchmarks": []}
    if args.coba_sizes:
        coba.SIZES = tuple(args.coba_sizes)
    vs_nest.PLASTIC_OVERRIDES.update(scale=args.plastic_scale, duration=args.plastic_duration)
    if args.session_trials:
        session.TRIALS = tuple(args.session_trials)
    workdir = work_dir()
    start = time.perf_counter()
    failures = 0
    try:
        for name in names:
            fn, _ = BENCHMARKS[name]
            t0 = time.perf_counter()
            print(f"== {name} ...", flush=True)
            try:
                results = fn(args.quick, workdir)
            except MemoryRefused as exc:
                results = [Result(name, None, None, None, "", None, status=f"refused: {exc}")]
            except Exception as exc:  # keep going: one broken benchmark must not hide the others
                failures += 1
                traceback.print_exc()
                results = [Result(name, None, None, None, "", None, status=f"failed: {exc.__class__.__name__}: "
                                                                           f"{str(exc)[:500]}")]
            for r in results:
                r.details["benchmark"] = name
                r.details["benchmark_wall_s"] = round(time.perf_counter() - t0, 2)
                report["benchmarks"].append(to_json(r.as_dict()))
                try:
                    print("   " + summary_line(r), flush=True)
                except Exception as exc:  # a printing problem must never lose a measurement
                    print(f"   {r.name}: (cannot print: {exc})", flush=True)
            report["total_wall_s"] = round(time.perf_counter() - start, 2)
            with open(path + ".tmp", "w") as fh:
                json.dump(report, fh, indent=1)
            os.replace(path + ".tmp", path)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"report: {path} ({report.get('total_wall_s', 0):.0f} s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
