"""``python -m benchmarks.gpu --json PATH [--skip-cuda] [--tiny] [--budget S] [--items K:N,...] [--cpp-threads T]``.

COBA (benchmark 1; cortexlearn's circuit, in-degree 80 kept at every size) and the compiled
delta-rule session (benchmark 3; 100 inputs -> n outputs, all-to-all, 200 trials) at growing
sizes, each built and run on ``cuda_standalone`` and on ``cpp_standalone`` in this same call.
Every item runs in its own worker process; the JSON report is rewritten after each item, and
items that no longer fit in the time budget are skipped (and listed as such), so a run cut short
still leaves its numbers. Speed-up = cpp_standalone simulation time / cuda_standalone simulation
time (each program's own timer); the whole-process ratio (build included) is in the details.

``--items coba:512000,session:10000`` replaces the default list; ``--cpp-threads T`` adds, for each
COBA size, a cpp_standalone baseline with T OpenMP threads (the GPU machine's cores), reported as a
second speed-up beside the one-thread one.

If the cortexlearn COBA fails on CUDA, the hand-written Brian2 COBA is tried at the same size
(and used from then on), so a GPU number comes back either way, with the error recorded.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

from ..harness import machine_info, run_worker, to_json

#: (kind, size) in priority order: small and largest first, middle sizes last
FULL = [("coba", 4000), ("coba", 128000), ("session", 100000), ("coba", 32000), ("session", 1000)]
TINY = [("coba", 500), ("session", 50)]


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and set(ln.strip()) != {"^"}]
    return lines[-1][:300] if lines else text[-300:]


def _summary(item: dict) -> str:
    if not item["ok"]:
        return f"   FAILED {_last_line(item['error'])}"
    return (f"   build {item['build_time']:.1f} s, run {item['run_time']:.3f} s, "
            f"process {item['process_wall']:.1f} s")


def _item(kind: str, n: int, target: str, impl: str, workdir: str, tiny: bool, timeout: float,
          threads: int = 1) -> dict:
    d = os.path.join(workdir, f"{kind}-{n}-{target}-{impl}-{threads}")
    if kind == "coba":
        args = ["coba", "--impl", impl, "--n", n, "--duration", 0.1 if tiny else 1.0, "--target", target, "--dir", d,
                "--threads", threads]
    else:
        args = ["session", "--mode", "compiled", "--n-in", 100, "--n-out", n, "--trials", 20 if tiny else 200,
                "--target", target, "--dir", d]
    try:
        info, wall = run_worker(args, timeout=timeout)
        info.pop("curve", None)
        out = {"ok": True, "process_wall": wall, **info}
    except Exception as exc:
        out = {"ok": False, "error": f"{exc.__class__.__name__}: {str(exc)[-1500:]}"}
    shutil.rmtree(d, ignore_errors=True)
    return {"kind": kind, "size": n, "target": target, "impl": impl, "threads": threads, **out}


def _parse_items(text: str) -> list:
    items = []
    for part in text.split(","):
        kind, _, n = part.strip().partition(":")
        if kind not in ("coba", "session") or not n.isdigit() or int(n) < 1:
            raise SystemExit(f"--items: expected KIND:N with KIND coba or session, got {part!r}")
        items.append((kind, int(n)))
    return items


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gpu")
    parser.add_argument("--json", required=True)
    parser.add_argument("--skip-cuda", action="store_true", help="cpp_standalone only (to test this script)")
    parser.add_argument("--tiny", action="store_true", help="tiny sizes (to test this script)")
    parser.add_argument("--budget", type=float, default=400.0, help="seconds for all items together")
    parser.add_argument("--items", default=None, help="KIND:N,... instead of the default sizes")
    parser.add_argument("--cpp-threads", type=int, default=1, help="also a COBA baseline with T OpenMP threads")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    targets = ["cpp_standalone"] + ([] if args.skip_cuda else ["cuda_standalone"])
    report = {"machine": machine_info(), "command": "python -m benchmarks.gpu " + " ".join(argv or sys.argv[1:]),
              "targets": targets, "items": [], "benchmarks": [], "skipped": []}
    if not args.skip_cuda:
        from cortexlearn.simulation import available_targets
        report["machine"]["cuda_unavailable_reason"] = available_targets()["cuda_standalone"]
    workdir = tempfile.mkdtemp(prefix="cortexlearn-gpu-")
    cuda_coba_impl = "cortexlearn"

    def save():
        report["total_wall_s"] = round(time.perf_counter() - start, 1)
        with open(args.json + ".tmp", "w") as fh:
            json.dump(to_json(report), fh, indent=1)
        os.replace(args.json + ".tmp", args.json)

    plan = _parse_items(args.items) if args.items else (TINY if args.tiny else FULL)
    for kind, n in plan:
        done = {}
        for target in targets:
            impl = cuda_coba_impl if kind == "coba" else "delta_rule"
            left = args.budget - (time.perf_counter() - start)
            if left < 45:
                report["skipped"].append({"kind": kind, "size": n, "target": target, "why": "time budget spent"})
                save()
                continue
            print(f"== {kind} {n} on {target} ({impl}); {left:.0f} s left", flush=True)
            item = _item(kind, n, target, impl, workdir, args.tiny, timeout=left)
            report["items"].append(item)
            done[target] = item
            if kind == "coba" and target == "cuda_standalone" and not item["ok"] and impl == "cortexlearn" \
                    and not item["error"].startswith("TimeoutExpired"):  # out of time is no failure of ours
                # keep the error, and get a GPU number from the hand-written network (both targets)
                print("   cortexlearn COBA failed on CUDA:", _last_line(item["error"]), flush=True)
                cuda_coba_impl = "brian2"
                for t in ("cuda_standalone", "cpp_standalone"):
                    left = args.budget - (time.perf_counter() - start)
                    if left >= 45:
                        done[t] = _item(kind, n, t, "brian2", workdir, args.tiny, timeout=left)
                        report["items"].append(done[t])
                item = done[target]
            print(_summary(item), flush=True)
            save()
        if kind == "coba" and args.cpp_threads > 1 and args.budget - (time.perf_counter() - start) >= 45:
            impl = done.get("cuda_standalone", {}).get("impl", cuda_coba_impl)
            print(f"== {kind} {n} on cpp_standalone with {args.cpp_threads} threads ({impl})", flush=True)
            item = _item(kind, n, "cpp_standalone", impl, workdir, args.tiny,
                         timeout=args.budget - (time.perf_counter() - start), threads=args.cpp_threads)
            report["items"].append(item)
            done["cpp_threads"] = item
            print(_summary(item), flush=True)
        cpu, gpu = done.get("cpp_standalone"), done.get("cuda_standalone")
        mt = done.get("cpp_threads")
        if mt and gpu and mt["ok"] and gpu["ok"] and mt["impl"] == gpu["impl"]:
            report["benchmarks"].append({
                "name": f"gpu_{kind}_{n}_vs_{args.cpp_threads}_threads", "value": gpu["run_time"],
                "baseline": mt["run_time"], "ratio": mt["run_time"] / gpu["run_time"], "goal": "report",
                "met": None, "unit": "s", "status": "ok",
                "details": {"ratio_is": f"cpp_standalone with {args.cpp_threads} OpenMP threads / "
                                        "cuda_standalone simulation time (speed-up)", "impl": gpu["impl"]}})
        if cpu and gpu and cpu["ok"] and gpu["ok"] and cpu["impl"] == gpu["impl"]:
            report["benchmarks"].append({
                "name": f"gpu_{kind}_{n}", "value": gpu["run_time"], "baseline": cpu["run_time"],
                "ratio": cpu["run_time"] / gpu["run_time"], "goal": "report", "met": None, "unit": "s",
                "status": "ok", "details": {"ratio_is": "cpp_standalone / cuda_standalone simulation time (speed-up)",
                                            "impl": gpu["impl"], "build_time_cuda": gpu["build_time"],
                                            "build_time_cpp": cpu["build_time"],
                                            "whole_process_ratio": cpu["process_wall"] / gpu["process_wall"]}})
        elif cpu and cpu["ok"] and args.skip_cuda:
            report["benchmarks"].append({"name": f"cpu_{kind}_{n}", "value": cpu["run_time"], "baseline": None,
                                         "ratio": None, "goal": "report", "met": None, "unit": "s",
                                         "status": "ok (cuda skipped)", "details": {"build_time": cpu["build_time"]}})
        save()
    shutil.rmtree(workdir, ignore_errors=True)
    save()
    print(f"report: {args.json} ({report['total_wall_s']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
