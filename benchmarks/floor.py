"""The limit: a C++ kernel with Brian2's data layout gives the floor per synaptic event.

``floor_kernel.cpp`` (next to this file) is compiled at run time with ``g++`` and Brian2's own
compiler flags into a temporary folder. It propagates presynaptic spikes through per-source
synapse lists onto flat per-synapse arrays, statically or with pair STDP whose two per-synapse
traces decay lazily (two ``exp()`` per event). The same fan-in (inputs → 100 neurons, all-to-all)
runs in Brian2 ``cpp_standalone`` with ``profile=True``; Brian2's cost per event is the time of
the synapses' ``on_pre`` code object plus its spike-queue push, divided by the events.

Goals: static propagation within 5× of the floor, plastic within 1.5×.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

from .harness import Result, alternate, judge, median, run_binary, skipped

SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "floor_kernel.cpp")
FLAGS = ["-w", "-O3", "-ffast-math", "-fno-finite-math-only", "-march=native", "-std=c++11"]


def compile_kernel(directory: str | None = None) -> str:
    """Compile the kernel into ``directory`` (a new temporary folder by default); return the binary."""
    gxx = shutil.which("g++")
    if gxx is None:
        raise RuntimeError("g++ not found: the floor kernel needs a C++ compiler")
    try:
        from brian2 import prefs
        flags = list(prefs["codegen.cpp.extra_compile_args_gcc"])
    except Exception:  # Brian2's defaults, as of 2.10
        flags = FLAGS
    directory = directory or tempfile.mkdtemp(prefix="cortexlearn-floor-")
    binary = os.path.join(directory, "floor_kernel")
    subprocess.run([gxx, *flags, SOURCE, "-o", binary], check=True, capture_output=True, timeout=600)
    return binary


def kernel_ns_per_event(binary: str, mode: str, n_pre: int, n_post: int, steps: int, p_spike: float,
                        seed: int = 1) -> float:
    out = subprocess.run([binary, mode, str(n_pre), str(n_post), str(steps), repr(p_spike), str(seed)],
                         check=True, capture_output=True, text=True, timeout=600).stdout.split()
    return float(out[0])


def brian_ns_per_event(profile: dict, events: int) -> float:
    """Nanoseconds per event of the synapses' on_pre code object and spike-queue push."""
    seconds = sum(v for k, v in profile.items()
                  if k.startswith("synapses_pre") and ("codeobject" in k or "push_spikes" in k))
    return 1e9 * seconds / max(events, 1)


def _kernel_sizes(quick: bool) -> tuple[int, int, int, float]:
    # inputs at 10 Hz, dt = 0.1 ms: 0.001 spikes per input per step
    return (2000, 100, 2000, 0.001) if quick else (10000, 100, 20000, 0.001)


def run_kernel(quick: bool, workdir: str) -> list[Result]:
    """The floor alone (no Brian2 build): plastic vs static ns per event, alternately."""
    os.makedirs(os.path.join(workdir, "floor"), exist_ok=True)
    binary = compile_kernel(os.path.join(workdir, "floor"))
    n_pre, n_post, steps, p = _kernel_sizes(quick)
    times = alternate({m: (lambda m=m: kernel_ns_per_event(binary, m, n_pre, n_post, steps, p))
                       for m in ("static", "plastic")}, repeats=3 if quick else 7, warmup=1)
    return [judge("floor_kernel", median(times["plastic"]), median(times["static"]), "report", unit="ns/event",
                  details={"n_pre": n_pre, "n_post": n_post, "steps": steps, "p_spike_per_step": p,
                           "samples": times, "value_is": "plastic ns/event", "baseline_is": "static ns/event"})]


def run_vs_brian(quick: bool, workdir: str) -> list[Result]:
    """Brian2 (profiled fan-in builds of :mod:`benchmarks.stdp`) vs the floor, alternately."""
    from .stdp import _rule_available, fanin_builds

    why = _rule_available()
    if why:
        return [skipped("floor_static_brian2", "ratio <= 5", why),
                skipped("floor_plastic_brian2", "ratio <= 1.5", why)]
    builds = fanin_builds(quick, workdir)
    os.makedirs(os.path.join(workdir, "floor"), exist_ok=True)
    binary = compile_kernel(os.path.join(workdir, "floor"))
    b = builds["static"]
    n_pre, n_post, duration = b["n_inputs"], b["n_post"], b["duration"]
    steps = int(round(duration / 1e-4))

    def brian(variant):
        def measure():
            info = run_binary(builds[variant]["dir"])
            return brian_ns_per_event(info["profile"], builds[variant]["input_spikes"] * n_post)
        return measure

    p = builds["static"]["input_spikes"] / (n_pre * steps)
    variants = {"brian_static": brian("static"), "brian_plastic": brian("synapse"),
                "brian_plastic_neuron_traces": brian("neuron"),
                "floor_static": lambda: kernel_ns_per_event(binary, "static", n_pre, n_post, steps, p),
                "floor_plastic": lambda: kernel_ns_per_event(binary, "plastic", n_pre, n_post, steps, p)}
    times = alternate(variants, repeats=3 if quick else 5, warmup=1)
    med = {k: median(v) for k, v in times.items()}
    common = {"n_inputs": n_pre, "n_post": n_post, "duration_s": duration, "samples": times,
              "brian_plastic_neuron_traces_ns": med["brian_plastic_neuron_traces"],
              "note": "Brian2 per event = synapses on_pre code object + spike-queue push (profile=True)"}
    return [judge("floor_static_brian2", med["brian_static"], med["floor_static"], "ratio <= 5",
                  unit="ns/event", details=common),
            judge("floor_plastic_brian2", med["brian_plastic"], med["floor_plastic"], "ratio <= 1.5",
                  unit="ns/event", details=common)]
