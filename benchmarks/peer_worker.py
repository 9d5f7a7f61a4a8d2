"""One peer-comparison job per process: ``python -m benchmarks.peer_worker KIND [options]``.

Prints one JSON line. Kinds:

``eprop-nest``          train the e-prop pattern-generation network in NEST 3.10 (one thread)
``eprop-cortexlearn``   build the same network through cortexlearn (cpp_standalone) and run it once
``brunel-nest``         Brunel (2000) AI state in NEST (``iaf_psc_delta``, one thread)
``brunel-cortexlearn``  the ``brunel_2000`` model's circuit, AI state, built through cortexlearn
``brunel-plastic-nest``         the plastic Brunel network of SNNSimulatorComparison in NEST
``brunel-plastic-cortexlearn``  the same network (same connectivity) built through cortexlearn

The plastic kinds save the final E→E weights (mV, ordered by target then source) to ``--weights``
(a ``.npy`` file) instead of printing them; NEST's with the facilitation it still owes applied
(:func:`benchmarks.nest_peers.pending_facilitation`).

CPU seconds are the process's own (``time.process_time``) for NEST; cortexlearn's compiled
program is timed by the caller, which re-executes it (``harness.run_binary``).
"""

from __future__ import annotations

import argparse
import json
import time


def eprop_nest(args) -> dict:
    from .nest_peers import eprop_nest as run, eprop_task

    task = eprop_task(args.seed, n_recurrent=args.n_rec)
    r = run(task["spikes"], task["target"], task["in"], task["rec"], task["out"], task["feedback"],
            args.trials, neuron=args.neuron, c_reg=args.c_reg)
    return {"setup_cpu_s": r["setup_cpu_s"], "sim_cpu_s": r["sim_cpu_s"],
            "nmse_last": float(r["nmse"][-args.last:].mean()), "rate_last_hz": float(r["rate_hz"][-args.last:].mean()),
            "nmse_first": float(r["nmse"][0])}


def eprop_cortexlearn(args) -> dict:
    from .nest_peers import eprop_cortexlearn as run, eprop_task

    task = eprop_task(args.seed, n_recurrent=args.n_rec)
    t0 = time.process_time()
    r = run([task], args.trials, args.dir, neuron=args.neuron, c_reg=args.c_reg)[0]
    return {"build_s": r["setup_cpu_s"], "sim_wall_s": r["sim_wall_s"], "python_cpu_s": time.process_time() - t0,
            "nmse_last": float(r["nmse"][-args.last:].mean()), "rate_last_hz": float(r["rate_hz"][-args.last:].mean()),
            "nmse_first": float(r["nmse"][0]), "synapses": r["n_synapses"]}


def brunel_nest(args) -> dict:
    from .nest_peers import brunel_nest as run

    n_i = args.n_e // 4
    return run(args.n_e, n_i, args.c_e, args.c_e // 4, duration_ms=args.duration * 1000.0, g=5.0, eta=2.0,
               seed=args.seed)


def brunel_cortexlearn(args) -> dict:
    from brian2 import second

    from cortexlearn.build import build
    from cortexlearn.models.brunel_2000 import MODEL
    from cortexlearn.models.brunel_2000.circuit import brunel_circuit
    from cortexlearn.simulation import Simulation

    p = MODEL.resolve({"n_excitatory": args.n_e, "C_E": args.c_e})
    circuit = brunel_circuit(p, g=5.0, nu_ratio=2.0)
    t0 = time.process_time()
    with Simulation(target="cpp_standalone", seed=args.seed, directory=args.dir) as sim:
        built = build(circuit, record_spikes=("E",), connectivity_seed=args.seed)
        info = sim.run(built.network, args.duration * second)
        n = len(built.spike_monitors["E"].i[:])
    return {"build_s": info.build_time, "sim_wall_s": info.wall_time, "python_cpu_s": time.process_time() - t0,
            "spikes_e": n, "rate_e_hz": n / args.n_e / args.duration}


def _plastic_network(args):
    from .nest_peers import plastic_brunel_connectivity, plastic_brunel_sizes

    n_e, n_i = plastic_brunel_sizes(args.scale)
    return n_e, n_i, plastic_brunel_connectivity(n_e, n_i, seed=args.seed)


def _save_weights(path, weights) -> dict:
    import numpy as np

    weights = np.asarray(weights, dtype=float)
    if path:
        np.save(path, weights)
    return {"n_synapses_ee": int(weights.size), "weight_ee_mean_mv": float(weights.mean()),
            "weight_ee_std_mv": float(weights.std())}


def brunel_plastic_nest(args) -> dict:
    from .nest_peers import brunel_plastic_nest as run

    n_e, n_i, connectivity = _plastic_network(args)
    r = run(connectivity, n_e, n_i, duration_ms=args.duration * 1000.0, seed=args.seed)
    stored = r["weights_ee_stored_mv"]
    return {**{k: v for k, v in r.items() if not k.startswith("weights_")},
            **_save_weights(args.weights, r["weights_ee_mv"]),
            "weight_ee_stored_mean_mv": float(stored.mean()), "weight_ee_stored_std_mv": float(stored.std()),
            "n_synapses": int(sum(len(i) for i, _ in connectivity.values()))}


def brunel_plastic_cortexlearn(args) -> dict:
    import numpy as np
    from brian2 import mV, second

    from cortexlearn.build import build
    from cortexlearn.simulation import Simulation

    from .networks import plastic_brunel_circuit

    n_e, n_i, connectivity = _plastic_network(args)
    circuit = plastic_brunel_circuit(connectivity, n_e, n_i, delay_site=args.delay_site)
    t0 = time.process_time()
    with Simulation(target=args.target, seed=args.seed, directory=args.dir) as sim:
        built = build(circuit, record_spikes=("E", "I"), connectivity_seed=args.seed)
        info = sim.run(built.network, args.duration * second)
        spikes_e = len(built.spike_monitors["E"].i[:])
        spikes_i = len(built.spike_monitors["I"].i[:])
        synapses = built.synapses["E_to_E"]
        order = np.lexsort((np.asarray(synapses.i[:]), np.asarray(synapses.j[:])))
        weights = np.asarray(synapses.w[:])[order] / float(mV)
    return {"build_s": info.build_time, "sim_wall_s": info.wall_time, "python_cpu_s": time.process_time() - t0,
            "spikes_e": spikes_e, "spikes_i": spikes_i, "rate_e_hz": spikes_e / n_e / args.duration,
            "rate_i_hz": spikes_i / n_i / args.duration, **_save_weights(args.weights, weights),
            "n_synapses": int(sum(len(i) for i, _ in connectivity.values()))}


KINDS = {"eprop-nest": eprop_nest, "eprop-cortexlearn": eprop_cortexlearn,
         "brunel-nest": brunel_nest, "brunel-cortexlearn": brunel_cortexlearn,
         "brunel-plastic-nest": brunel_plastic_nest, "brunel-plastic-cortexlearn": brunel_plastic_cortexlearn}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.peer_worker")
    parser.add_argument("kind", choices=sorted(KINDS))
    parser.add_argument("--dir", default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-rec", type=int, default=100)
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--last", type=int, default=20)
    parser.add_argument("--neuron", default="lif")
    parser.add_argument("--c-reg", type=float, default=10.0)
    parser.add_argument("--n-e", type=int, default=10000)
    parser.add_argument("--c-e", type=int, default=1000)
    parser.add_argument("--duration", type=float, default=1.0)
    parser.add_argument("--scale", type=float, default=1.0, help="plastic Brunel: fraction of 8,000 + 2,000 neurons")
    parser.add_argument("--weights", default=None, help="plastic Brunel: .npy file for the final E->E weights")
    parser.add_argument("--target", default="cpp_standalone", help="plastic Brunel (cortexlearn): code target")
    parser.add_argument("--delay-site", default="dendritic", choices=("dendritic", "axonal"),
                        help="plastic Brunel (cortexlearn): where the E->E delay sits for STDP")
    args = parser.parse_args(argv)
    print(json.dumps(KINDS[args.kind](args), default=float), flush=True)


if __name__ == "__main__":
    main()
