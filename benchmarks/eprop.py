"""The cost of eligibility traces: e-prop (Bellec et al. 2020) updates every synapse every time
step. The pattern-generation network of ``bellec_2020_pattern_generation`` (100 inputs, 100 ALIF
neurons, one readout, 1-s trials) is built through cortexlearn in cpp_standalone with 1 and with 2
OpenMP threads; the two programs are re-executed alternately. Reported: nanoseconds per synapse
per time step (everything in the network included) and the 2-thread / 1-thread time ratio (no
gain is expected on 2 shared cores), and the time of the model's full run projected from it
(goal: within 15 minutes on 2 cores).
"""

from __future__ import annotations

import os

from .harness import Result, alternate, judge, median, run_binary, run_worker


def run(quick: bool, workdir: str) -> list[Result]:
    iterations = 20 if quick else 100
    dirs, info = {}, {}
    for threads in (1, 2):
        d = os.path.join(workdir, f"eprop-{threads}")
        info[threads], _ = run_worker(["eprop", "--n-post", 100, "--trials", iterations, "--dir", d,
                                       "--threads", threads])
        dirs[threads] = d
    times = alternate({t: (lambda d=d: run_binary(d)["run_time"]) for t, d in dirs.items()},
                      repeats=3 if quick else 5, warmup=1)
    one, two = median(times[1]), median(times[2])
    work = info[1]["synapses"] * info[1]["steps"]
    ns = one / work * 1e9
    # the model's default full run: 3 seeds x 1,000 iterations of ALIF e-prop, the ALIF
    # frozen-readout control and LIF e-prop (100 neurons), and the 30-neuron control's two
    # variants; three builds; two workers on two cores (the NumPy BPTT reference is not included)
    steps = 1000 * info[1]["steps"] // iterations
    small = 30 * (100 + 29) + 30
    full_work = 3 * steps * (3 * info[1]["synapses"] + 2 * small)
    projected = (full_work * ns * 1e-9 + 3 * info[1]["build_time"]) / 2
    details = {"iterations": iterations, "synapses": info[1]["synapses"], "steps": info[1]["steps"],
               "samples_1": times[1], "samples_2": times[2],
               "build_s": {t: info[t]["build_time"] for t in info}, "full_run_synapse_steps": full_work}
    return [
        judge("eprop_ns_per_synapse_step", ns, 0.0, "report", unit="ns", ratio=float("nan"), details=details),
        judge("eprop_full_run_projected", projected, 900.0, "value <= 900", details={
            **details, "note": "projected from the measured cost per synapse-step, 1 thread per worker, "
                               "2 workers; the BPTT reference is not included"}),
        judge("eprop_openmp_2_vs_1_threads", two, one, "report",
              details={**details, "cpus": os.cpu_count(),
                       "note": "ratio < 1 means 2 threads are faster; no gain is expected on 2 shared cores"}),
    ]
