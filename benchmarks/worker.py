"""One build or one session per process: ``python -m benchmarks.worker KIND [options]``.

Prints one JSON line with what it measured. Running each variant in a fresh process keeps Brian2's
global state (device, preferences, caches) from leaking between variants and makes the
whole-process time honest. Kinds:

``coba``     COBA through cortexlearn (``--impl cortexlearn``, fused; ``cortexlearn-unfused``) or hand-written (``--impl brian2``)
``song``     Song 2000: ``cortexlearn_synapse``, ``cortexlearn_neuron``, ``brian2_same``, ``brian2_textbook``
``fanin``    10,000 inputs -> 100 neurons: ``static``, ``synapse``, ``neuron``, ``lazy`` (profiled)
``session``  the delta-rule session: ``--mode compiled|loop|closed`` (compiled: with ``--build-cache``
             through cortexlearn's Simulation and its build cache, else a raw Brian2 device;
             closed: ``Simulation.closed_loop``, a resident compiled program)
``rerun``    build COBA once, re-run it for several seeds through ``Simulation.rerun``
``eprop``    the e-prop pattern-generation network (ALIF), ``--trials`` iterations, ``--threads``
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time


def _raw_device(directory: str, target: str = "cpp_standalone", threads: int = 1):
    """Activate a standalone device the way a Brian2 script does (no cortexlearn)."""
    from brian2 import prefs, set_device

    if target == "cuda_standalone":  # pragma: no cover - needs a GPU
        from cortexlearn.simulation import cuda_build_preferences

        for key, value in cuda_build_preferences(directory).items():
            prefs[key] = value
    prefs.devices.cpp_standalone.openmp_threads = threads if threads > 1 else 0
    set_device(target, build_on_run=False, directory=directory)


def _build_and_run(net, duration, directory: str, profile: bool = False, namespace=None) -> dict:
    from brian2 import device

    net.run(duration, profile=profile, namespace=namespace or {})
    t0 = time.perf_counter()
    device.build(directory=directory, compile=True, run=False)
    build_time = time.perf_counter() - t0
    t0 = time.perf_counter()
    device.run(directory=directory)
    wall = time.perf_counter() - t0
    return {"build_time": build_time, "run_time": float(device._last_run_time), "run_wall": wall}


def coba(args) -> dict:
    from brian2 import second

    duration = args.duration * second
    if args.impl.startswith("cortexlearn"):
        from brian2.devices.device import get_device

        from cortexlearn import Simulation
        from cortexlearn.build.coba import build_coba

        with Simulation(target=args.target, seed=args.seed, directory=args.dir, threads=args.threads) as sim:
            built = build_coba(args.n, fuse=args.impl != "cortexlearn-unfused")
            info = sim.run(built.network, duration)
            spikes = int(sum(m.num_spikes for m in built.spike_monitors.values()))
            return {"build_time": info.build_time, "run_time": float(get_device()._last_run_time),
                    "run_wall": info.wall_time, "spikes": spikes}
    from benchmarks.networks import coba_handwritten

    _raw_device(args.dir, args.target, args.threads)
    from brian2 import seed

    seed(args.seed)
    net, objects = coba_handwritten(args.n)
    out = _build_and_run(net, duration, args.dir)
    out["spikes"] = int(objects["spikes"].num_spikes)
    return out


def song(args) -> dict:
    from brian2 import Hz, ms, second

    duration = args.duration * second
    if args.impl.startswith("cortexlearn"):
        from brian2.devices.device import get_device

        from cortexlearn import Simulation
        from cortexlearn.build.plasticity import song_network
        from cortexlearn.rules.stdp import PairSTDP, lazy_weights

        form = args.impl.split("_")[1]  # synapse / neuron traces, lazy potentiation, or static
        rule = None if form == "static" else PairSTDP(
            tau_plus=20 * ms, tau_minus=20 * ms, a_plus=0.005, a_minus=0.00525, w_max=0.015,
            traces="synapse" if form == "synapse" else "neuron",
            potentiation="lazy" if form == "lazy" else "immediate")
        with Simulation(target=args.target, seed=args.seed, directory=args.dir) as sim:
            built = song_network([(args.rate * Hz, rule)], n_inputs=args.n_inputs)
            info = sim.run(built.network, duration, namespace=built.namespace)
            syn = built["static" if rule is None else "synapses_0"]
            w = lazy_weights(syn, rule) if form == "lazy" else syn.w[:]
            return {"build_time": info.build_time, "run_time": float(get_device()._last_run_time),
                    "run_wall": info.wall_time, "post_spikes": int(built["spikes"].num_spikes),
                    "mean_w": float(w.mean()), "fraction_near_max": float((w > 0.9 * 0.015).mean())}
    from benchmarks.networks import song_handwritten

    _raw_device(args.dir, args.target)
    from brian2 import seed

    seed(args.seed)
    net, objects = song_handwritten(args.n_inputs, args.rate * Hz, textbook=args.impl == "brian2_textbook")
    out = _build_and_run(net, duration, args.dir)
    w = objects["synapses"].w[:]
    out.update(post_spikes=int(objects["spikes"].num_spikes), mean_w=float(w.mean()),
               fraction_near_max=float((w > 0.9 * 0.015).mean()))
    return out


def fanin(args) -> dict:
    from brian2 import second, seed

    from benchmarks.networks import stdp_fan_in

    _raw_device(args.dir, args.target)
    seed(args.seed)
    net, objects = stdp_fan_in(args.n_inputs, args.n_post, args.impl)
    out = _build_and_run(net, args.duration * second, args.dir, profile=True)
    out["input_spikes"] = int(objects["input_counter"].num_spikes)
    out["post_spikes"] = int(objects["post_counter"].num_spikes)
    out["synapses"] = int(args.n_inputs * args.n_post)
    return out


def session(args) -> dict:
    from brian2 import defaultclock, prefs, second

    from benchmarks.networks import SESSION, session_curve, session_network

    T = SESSION["trial"]
    if args.mode == "compiled" and args.build_cache:
        # the toolkit's path: a Simulation whose build cache holds the program after its first
        # build on this host (build once, run many)
        from brian2.devices.device import get_device

        from cortexlearn import Simulation

        with Simulation(target="cpp_standalone", seed=0, directory=args.dir,
                        build_cache=args.build_cache) as sim:
            net, objects, ns = session_network(args.trials, args.n_in, args.n_out)
            info = sim.run(net, args.trials * T + defaultclock.dt, namespace=ns)
            return {"build_time": info.build_time, "build_reused": info.build_reused,
                    "run_time": float(get_device()._last_run_time), "run_wall": info.wall_time,
                    "sim_time": float(get_device()._last_run_time),
                    "curve": session_curve(objects["errors"])}
    if args.mode == "closed":
        # closed-loop mode: one resident compiled program, Python reading the output counts
        # after every trial (Simulation.closed_loop); its build goes through the build cache
        from cortexlearn import Simulation

        with Simulation(target="cpp_standalone", seed=0, directory=args.dir,
                        build_cache=args.build_cache or None) as sim:
            net, objects, ns = session_network(args.trials, args.n_in, args.n_out)
            counts = []
            with sim.closed_loop(net, T, args.trials + 1, read=[objects["outputs"].count],
                                 namespace=ns) as loop:
                for _ in range(args.trials):
                    counts.append(float(loop.step()["outputs.count"].sum()))
                loop.step(defaultclock.dt)  # the step that applies the last trial's update
            return {"build_time": sim.build_time, "build_reused": sim.build_reused,
                    "sim_time": loop.step_time, "curve": session_curve(objects["errors"]),
                    "mean_count": sum(counts) / max(len(counts), 1)}
    if args.mode == "compiled":
        _raw_device(args.dir, args.target)
        net, objects, ns = session_network(args.trials, args.n_in, args.n_out)
        out = _build_and_run(net, args.trials * T + defaultclock.dt, args.dir, namespace=ns)
        out["sim_time"] = out["run_time"]
        out["curve"] = session_curve(objects["errors"])
        return out
    prefs.codegen.target = args.target if args.target in ("numpy", "cython") else "cython"
    net, objects, ns = session_network(args.trials, args.n_in, args.n_out)
    outputs = objects["outputs"]
    sim_time = 0.0
    counts = []
    for trial in range(min(args.trials, args.run_trials or args.trials)):
        t0 = time.perf_counter()
        net.run(T, namespace=ns)
        sim_time += time.perf_counter() - t0
        counts.append(float(outputs.count[:].sum()))  # Python reads the network between trials
    t0 = time.perf_counter()
    net.run(defaultclock.dt, namespace=ns)  # the step that applies the last trial's update
    sim_time += time.perf_counter() - t0
    return {"build_time": 0.0, "sim_time": sim_time, "curve": session_curve(objects["errors"]),
            "mean_count": sum(counts) / max(len(counts), 1)}


def rerun(args) -> dict:
    from brian2 import second
    from brian2.devices.device import get_device

    from cortexlearn import Simulation
    from cortexlearn.build.coba import build_coba

    def fingerprint(directory):
        out = {}
        for root, _, files in os.walk(directory):
            for f in files:
                if f == "main" or f.endswith(".o"):
                    st = os.stat(os.path.join(root, f))
                    out[os.path.relpath(os.path.join(root, f), directory)] = (st.st_mtime_ns, st.st_size)
        return out

    t0 = time.perf_counter()
    with Simulation(target="cpp_standalone", seed=0, directory=args.dir, results_in_memory=True) as sim:
        built = build_coba(args.n)
        info = sim.run(built.network, args.duration * second)
        first = time.perf_counter() - t0
        before = fingerprint(args.dir)
        # the same program, its result files alternately in memory and on disk: the link
        # `results` is pointed at one folder or the other between re-runs (A B A B ...)
        link = os.path.join(args.dir, "results")
        memory = os.path.realpath(link)
        disk = os.path.join(args.dir, "results_disk")
        os.makedirs(disk, exist_ok=True)
        walls, run_times, spikes, disk_walls = [], [], [], []
        for s in range(1, args.seeds + 1):
            for where in ("memory", "disk"):
                os.unlink(link)
                os.symlink(memory if where == "memory" else disk, link)
                t1 = time.perf_counter()
                sim.rerun(seed=s)
                wall = time.perf_counter() - t1
                if where == "disk":
                    disk_walls.append(wall)
                    continue
                walls.append(wall)
                run_times.append(float(get_device()._last_run_time))
                spikes.append(int(sum(m.num_spikes for m in built.spike_monitors.values())))
        os.unlink(link)
        os.symlink(memory, link)
        after = fingerprint(args.dir)
    # the same sweep on a resident program (Simulation(resident=True)): no process per re-run
    rdir = args.dir.rstrip("/") + "-resident"
    with Simulation(target="cpp_standalone", seed=0, directory=rdir, results_in_memory=True,
                    resident=True) as sim:
        built = build_coba(args.n)
        sim.run(built.network, args.duration * second)
        r_before = fingerprint(rdir)
        r_walls, r_run_times, r_spikes = [], [], []
        for s in range(1, args.seeds + 1):
            t1 = time.perf_counter()
            sim.rerun(seed=s)
            r_walls.append(time.perf_counter() - t1)
            r_run_times.append(float(get_device()._last_run_time))
            r_spikes.append(int(sum(m.num_spikes for m in built.spike_monitors.values())))
        r_after = fingerprint(rdir)
    return {"build_time": info.build_time, "first_run_wall": info.wall_time, "build_and_run": first,
            "rerun_walls": walls, "rerun_run_times": run_times, "spikes_per_seed": spikes,
            "rerun_walls_results_on_disk": disk_walls,
            "recompiled": before != after or r_before != r_after, "n_compiled_files": len(before),
            "resident_walls": r_walls, "resident_run_times": r_run_times, "resident_spikes_per_seed": r_spikes}


def eprop(args) -> dict:
    """The pattern-generation e-prop network (bellec_2020_pattern_generation's defaults, ALIF) for
    ``--trials`` iterations of 1 s, built through cortexlearn with ``--threads`` OpenMP threads."""
    from cortexlearn import Simulation
    from cortexlearn.build.recurrent import build_recurrent_network
    from cortexlearn.models.bellec_2020_pattern_generation import MODEL
    from cortexlearn.models.bellec_2020_pattern_generation.units import make_rule, make_task

    from brian2 import Hz

    cfg = MODEL.resolve({"n_recurrent": args.n_post})
    n_steps = int(round(float(cfg["trial_duration"] / cfg["dt"])))
    task = make_task(args.seed, cfg["n_inputs"], args.n_post, n_steps, float(cfg["dt"]),
                     float(cfg["input_rate"] / Hz), cfg["input_scale"], cfg["recurrent_scale"],
                     cfg["output_scale"])
    with Simulation(target=args.target, seed=args.seed, dt=cfg["dt"], threads=args.threads,
                    directory=args.dir) as sim:
        net = build_recurrent_network(make_rule("alif", cfg), task["spikes"], task["target"], task["in"],
                                      task["rec"], task["out"], task["feedback"],
                                      trial_duration=cfg["trial_duration"], name="eprop")
        info = sim.run(net.network, net.duration(args.trials), namespace=net.namespace)
        synapses = args.n_post * (cfg["n_inputs"] + args.n_post - 1) + args.n_post
        return {"build_time": info.build_time, "run_time": info.wall_time, "synapses": int(synapses),
                "steps": int(n_steps * args.trials)}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.worker")
    parser.add_argument("kind", choices=["coba", "song", "fanin", "session", "rerun", "eprop"])
    parser.add_argument("--impl", default="cortexlearn")
    parser.add_argument("--mode", default="compiled")
    parser.add_argument("--target", default="cpp_standalone")
    parser.add_argument("--dir", default=None)
    parser.add_argument("--n", type=int, default=4000)
    parser.add_argument("--n-inputs", type=int, default=1000)
    parser.add_argument("--n-post", type=int, default=100)
    parser.add_argument("--n-in", type=int, default=100)
    parser.add_argument("--n-out", type=int, default=10)
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--duration", type=float, default=1.0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--build-cache", default=None,
                        help="session --mode compiled: run through cortexlearn's Simulation with this build cache")
    parser.add_argument("--run-trials", type=int, default=0,
                        help="loop modes: stop after this many trials (a warm-up that compiles the same code)")
    args = parser.parse_args(argv)
    if args.dir is not None:
        args.dir = os.path.abspath(args.dir)
    start = time.perf_counter()
    result = {"coba": coba, "song": song, "fanin": fanin, "session": session, "rerun": rerun,
              "eprop": eprop}[args.kind](args)
    result["worker_wall"] = time.perf_counter() - start
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
