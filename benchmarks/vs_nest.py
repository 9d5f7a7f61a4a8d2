"""cortexlearn against NEST 3.10, the same network in both, one thread each.

Each side runs in its own processes: cortexlearn's program is built once (its build time reported
apart) and re-executed; NEST builds and simulates its network in a fresh process each round (its
set-up CPU time reported apart). Rounds alternate (warm-up, then NEST / cortexlearn, cortexlearn /
NEST, ...). Judged: CPU seconds per simulated second, NEST ÷ cortexlearn, median over rounds of
the per-round ratios.

- ``eprop_vs_nest``: e-prop pattern generation, LIF, with the firing-rate regulariser
  (``benchmarks.nest_peers.eprop_nest``; 100 inputs, 100 recurrent neurons, 1-s trials;
  ``--quick``: 30 neurons). Goal: >= 2x faster than NEST **at equal NMSE** (final NMSE within
  1.2x of NEST's; else ``met`` is false whatever the speed).
- ``brunel_static_vs_nest``: Brunel (2000) AI state (g = 5, nu_ext/nu_thr = 2) at full scale,
  12,500 neurons, fixed in-degree without multapses, delta synapses, dt 0.1 ms
  (``--quick``: 2,500 neurons, in-degree 200). Goal: >= 3x faster than NEST.

Both rows are ``skipped`` when NEST is not installed (the optional ``peers`` extra).
"""

from __future__ import annotations

import os
import resource

from .harness import alternate, judge, median, paired_ratio, run_binary, run_worker, skipped
from .nest_peers import nest_available


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _cpu_of_binary(directory: str) -> float:
    before = _children_cpu()
    run_binary(directory)
    return _children_cpu() - before


def _rounds(nest_args, directory, repeats):
    nest_runs = []

    def nest_round():
        info, _ = run_worker(nest_args, module="benchmarks.peer_worker")
        nest_runs.append(info)
        return info["sim_cpu_s"]

    times = alternate({"nest": nest_round, "cortexlearn": lambda: _cpu_of_binary(directory)},
                      repeats=repeats, warmup=1)
    return times, nest_runs


def run_eprop(quick: bool, workdir: str):
    goal = "ratio >= 2"
    if not nest_available():
        return [skipped("eprop_vs_nest", goal, "NEST is not installed (pip install -e '.[peers]')")]
    n_rec, trials = (30, 50) if quick else (100, 200)
    common = ["--n-rec", n_rec, "--trials", trials, "--neuron", "lif", "--c-reg", 10.0, "--seed", 0]
    directory = os.path.join(workdir, "eprop-peer")
    ours, whole = run_worker(["eprop-cortexlearn", "--dir", directory, *common], module="benchmarks.peer_worker")
    times, nest_runs = _rounds(["eprop-nest", *common], directory, repeats=2 if quick else 3)
    simulated = float(trials)  # seconds: one-second trials
    ratio = paired_ratio(times["nest"], times["cortexlearn"])
    nmse_ratio = ours["nmse_last"] / nest_runs[-1]["nmse_last"]
    equal = 1 / 1.2 <= nmse_ratio <= 1.2
    result = judge("eprop_vs_nest", median(times["cortexlearn"]) / simulated,
                   median(times["nest"]) / simulated, goal, unit="CPU-s per simulated s", ratio=ratio,
                   details={"n_recurrent": n_rec, "trials": trials, "samples_nest_cpu_s": times["nest"],
                            "samples_cortexlearn_cpu_s": times["cortexlearn"],
                            "cortexlearn_build_s": ours["build_s"], "cortexlearn_first_process_s": whole,
                            "nest_setup_cpu_s": [r["setup_cpu_s"] for r in nest_runs],
                            "nmse_last20_cortexlearn": ours["nmse_last"],
                            "nmse_last20_nest": nest_runs[-1]["nmse_last"], "nmse_ratio": nmse_ratio,
                            "rate_last20_hz": {"cortexlearn": ours["rate_last_hz"],
                                               "nest": nest_runs[-1]["rate_last_hz"]},
                            "load_average": os.getloadavg(),
                            "note": "ratio = NEST / cortexlearn CPU time; met needs equal NMSE (within 1.2x) too"})
    if not equal:
        result.met = False
    return [result]


def run_brunel_static(quick: bool, workdir: str):
    goal = "ratio >= 3"
    if not nest_available():
        return [skipped("brunel_static_vs_nest", goal, "NEST is not installed (pip install -e '.[peers]')")]
    n_e, c_e, duration = (2000, 200, 0.5) if quick else (10000, 1000, 1.0)
    common = ["--n-e", n_e, "--c-e", c_e, "--duration", duration, "--seed", 1]
    directory = os.path.join(workdir, "brunel-peer")
    ours, whole = run_worker(["brunel-cortexlearn", "--dir", directory, *common], module="benchmarks.peer_worker")
    times, nest_runs = _rounds(["brunel-nest", *common], directory, repeats=2 if quick else 3)
    ratio = paired_ratio(times["nest"], times["cortexlearn"])
    rate_nest = nest_runs[-1]["rate_e_hz"]
    return [judge("brunel_static_vs_nest", median(times["cortexlearn"]) / duration,
                  median(times["nest"]) / duration, goal, unit="CPU-s per simulated s", ratio=ratio,
                  details={"n_neurons": n_e + n_e // 4, "in_degree_e": c_e, "duration_s": duration,
                           "samples_nest_cpu_s": times["nest"], "samples_cortexlearn_cpu_s": times["cortexlearn"],
                           "cortexlearn_build_s": ours["build_s"], "cortexlearn_first_process_s": whole,
                           "nest_setup_cpu_s": [r["setup_cpu_s"] for r in nest_runs],
                           "rate_e_hz": {"cortexlearn": ours["rate_e_hz"], "nest": rate_nest},
                           "load_average": os.getloadavg(),
                           "note": "ratio = NEST / cortexlearn CPU time per simulated second"})]
