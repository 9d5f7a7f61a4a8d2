"""Measurement helpers: alternating repeats, medians, subprocess workers, compiled binaries.

Every benchmark measures its baseline in the same run as the thing it judges, alternating
(A B A B ...) after a warm-up, and reports medians. Builds and whole-process timings run in
subprocesses (``python -m benchmarks.worker ...``) so that Brian2's global state never leaks from
one variant into the next; repeated simulations re-execute the compiled standalone program and
read its own timer (``results/last_run_info.txt``) and, when built with ``profile=True``, its
per-code-object times (``results/profiling_info.txt``).
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any, Callable

__all__ = ["Result", "MemoryRefused", "machine_info", "alternate", "median", "run_worker",
           "run_binary", "check_memory", "available_memory", "work_dir", "judge", "skipped"]

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class MemoryRefused(RuntimeError):
    """A size whose estimated memory does not fit in what this machine has free."""


@dataclasses.dataclass
class Result:
    """One line of the report: ``value`` judged against ``baseline`` measured in the same run."""

    name: str
    value: float | None
    baseline: float | None
    ratio: float | None
    goal: str
    met: bool | None
    unit: str = "s"
    status: str = "ok"
    details: dict = dataclasses.field(default_factory=dict)

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def judge(name: str, value: float, baseline: float, goal: str, unit: str = "s",
          ratio: float | None = None, details: dict | None = None) -> Result:
    """A result whose ``ratio`` (default ``value / baseline``) is compared with ``goal``.

    ``goal`` reads ``"ratio <= 1.05"``, ``"ratio >= 8"``, ``"value <= 0.015"`` or ``"report"``
    (no target: the number is reported only).
    """
    if ratio is None:
        ratio = value / baseline if baseline else float("inf")
    met = None
    if goal != "report":
        subject, op, target = goal.split()
        x = ratio if subject == "ratio" else value
        met = bool({"<=": x <= float(target), ">=": x >= float(target),
                    "<": x < float(target), ">": x > float(target)}[op])
    return Result(name, float(value), float(baseline), float(ratio), goal, met, unit,
                  details=dict(details or {}))


def skipped(name: str, goal: str, why: str) -> Result:
    return Result(name, None, None, None, goal, None, status=f"skipped: {why}")


def median(values) -> float:
    return float(statistics.median(values))


def paired_ratio(values, baselines) -> float:
    """Median over rounds of ``value / baseline``, where round ``k`` of :func:`alternate` ran both
    programs back to back: a slow spell of a shared machine then scales both sides of a ratio
    instead of one side of a median (the medians' ratio is kept in the details too)."""
    if len(values) != len(baselines) or not values:
        raise ValueError("paired_ratio needs two equally long, non-empty series of rounds")
    return median([v / b for v, b in zip(values, baselines)])


def alternate(variants: dict[str, Callable[[], float]], repeats: int, warmup: int = 1) -> dict[str, list[float]]:
    """Call each variant in turn ``warmup`` rounds unrecorded, then ``repeats`` rounds; every
    other round in the reverse order (A B, B A, A B ...), so that no variant always runs first
    (after another program's exit) or last.

    Each callable returns the number to record (a time in seconds); returns the lists by name.
    """
    out: dict[str, list[float]] = {name: [] for name in variants}
    names = list(variants)
    for k in range(warmup + repeats):
        for name in (names if k % 2 == 0 else names[::-1]):
            value = variants[name]()
            if k >= warmup:
                out[name].append(value)
    return out


def machine_info() -> dict:
    info = {"python": platform.python_version(), "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(), "cpus": os.cpu_count()}
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    info["cpu_model"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        info["load_average"] = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        pass
    info["memory_available_gib"] = round(available_memory() / 2**30, 2)
    for mod in ("brian2", "numpy", "brian2cuda"):
        try:
            from importlib.metadata import version
            info[mod] = version(mod)
        except Exception:
            info[mod] = None
    try:
        info["gxx"] = subprocess.run(["g++", "--version"], capture_output=True, text=True,
                                     timeout=20).stdout.splitlines()[0]
    except Exception:
        info["gxx"] = None
    info["date_utc"] = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
    return info


def available_memory() -> int:
    """Bytes of memory available (``MemAvailable``), or a large number when unknown."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 1 << 50


def check_memory(estimate_bytes: float, what: str, fraction: float = 0.7):
    """Refuse (``MemoryRefused``) a size whose estimate exceeds ``fraction`` of available memory."""
    free = available_memory()
    if estimate_bytes > fraction * free:
        raise MemoryRefused(f"{what} needs about {estimate_bytes / 2**30:.2f} GiB but only "
                            f"{free / 2**30:.2f} GiB is available (limit {fraction:.0%} of it); "
                            "choose a smaller size")


def work_dir() -> str:
    root = os.environ.get("CORTEXLEARN_BENCH_ROOT", os.path.join(tempfile.gettempdir(), "cortexlearn-bench"))
    os.makedirs(root, exist_ok=True)
    return tempfile.mkdtemp(prefix=f"run-{os.getpid()}-", dir=root)


def run_worker(args: list[str], timeout: float = 1800, env: dict | None = None,
               module: str = "benchmarks.worker") -> tuple[dict, float]:
    """Run ``python -m benchmarks.worker *args`` (or another ``module``) from the repository root.

    Returns the JSON object the worker prints last and the whole process's wall time (s).
    """
    cmd = [sys.executable, "-m", module, *[str(a) for a in args]]
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = REPO + os.pathsep + full_env.get("PYTHONPATH", "")
    full_env.update(env or {})
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout, env=full_env)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"worker {' '.join(map(str, args))} failed ({proc.returncode}):\n"
                           f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        raise RuntimeError(f"worker {' '.join(map(str, args))} printed no result:\n{proc.stdout[-2000:]}"
                           f"\n{proc.stderr[-2000:]}")
    return json.loads(lines[-1]), wall


def read_profile(directory: str) -> dict[str, float]:
    """Seconds per code object from a standalone program built with ``profile=True``."""
    out = {}
    path = os.path.join(directory, "results", "profiling_info.txt")
    if os.path.exists(path):
        with open(path) as fh:
            for line in fh:
                parts = line.split()
                if len(parts) == 2:
                    out[parts[0]] = float(parts[1])
    return out


def run_binary(directory: str, env: dict | None = None, timeout: float = 1800) -> dict:
    """Execute a built standalone program again.

    Returns ``run_time`` (the program's own timer, s), ``wall`` (the process, s), ``profile``
    (per code object, if built with ``profile=True``).
    """
    full_env = dict(os.environ)
    full_env.update(env or {})
    start = time.perf_counter()
    proc = subprocess.run(["./main"], cwd=directory, capture_output=True, text=True,
                          timeout=timeout, env=full_env)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{directory}/main failed ({proc.returncode}): {proc.stdout[-1000:]} "
                           f"{proc.stderr[-1000:]}")
    with open(os.path.join(directory, "results", "last_run_info.txt")) as fh:
        run_time, fraction = fh.read().split()
    return {"run_time": float(run_time), "completed": float(fraction), "wall": wall,
            "profile": read_profile(directory)}


def summary_line(result: Result) -> str:
    if result.status != "ok":
        return f"{result.name:<34} {result.status}"
    flag = {True: "met", False: "NOT met", None: "reported"}[result.met]
    ratio = "-" if result.ratio is None else f"{result.ratio:.3g}"
    return (f"{result.name:<34} value {result.value:.4g} {result.unit}  baseline {result.baseline:.4g} "
            f"{result.unit}  ratio {ratio}  goal {result.goal}  -> {flag}")


def to_json(obj: Any) -> Any:
    return json.loads(json.dumps(obj, default=float))
