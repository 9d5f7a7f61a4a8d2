"""The units of the comparison: one (dataset, Dale, rule, seed) training session each.

Units that share a dataset and a Dale setting share one compiled program: the program is built
for the first unit and every other unit is a re-run with its own rule constants, weights, feedback
and trial order passed through ``run_args``. ``run_groups`` runs groups of units either in this
process or in a pool of worker processes (each with its own build directory), so the full
comparison scales to many cores.
"""

from __future__ import annotations

import os
import time

import numpy as np

__all__ = ["prepare_data", "run_group", "run_groups", "plan_groups"]

#: every unit's Dale wiring (which pairs are inhibitory, with dale_pathways="one") is that of
#: seed 0: the wiring is compiled into the build that a worker's units re-run, so they must share
#: it (with both pathways or without Dale's law it does not depend on the seed)
WIRING_SEED = 1000


def prepare_data(name: str, n_train: int, n_test: int):
    """(x_train, y_train, x_test, y_test) of ``name`` (``mnist1d`` generated locally, ``digits``)."""
    try:
        from cortexlearn.datasets import load
        ds = load(name)
        xtr, ytr, xte, yte = ds.x_train, ds.y_train, ds.x_test, ds.y_test
    except ImportError:  # pragma: no cover - before cortexlearn.datasets existed
        if name == "mnist1d":
            import mnist1d.data
            raw = mnist1d.data.make_dataset(mnist1d.data.get_dataset_args())
            xtr, ytr, xte, yte = raw["x"], raw["y"], raw["x_test"], raw["y_test"]
        else:
            from sklearn.datasets import load_digits
            from sklearn.model_selection import train_test_split
            d = load_digits()
            xtr, xte, ytr, yte = train_test_split(d.data / 16.0, d.target, test_size=0.2,
                                                  random_state=0)
    if n_train:
        xtr, ytr = xtr[:n_train], ytr[:n_train]
    if n_test:
        xte, yte = xte[:n_test], yte[:n_test]
    return (np.asarray(xtr, float), np.asarray(ytr, int), np.asarray(xte, float),
            np.asarray(yte, int))


def plan_groups(units, workers: int):
    """Split units into groups that each need one build; more groups when there are more workers."""
    by_key = {}
    for u in units:
        by_key.setdefault((u["dataset"], u["dale"]), []).append(u)
    groups = []
    total = len(units)
    for key, members in by_key.items():
        parts = 1 if workers <= 1 else max(1, min(len(members), round(workers * len(members) / total)))
        for p in range(parts):
            chunk = members[p::parts]
            if chunk:
                groups.append(chunk)
    return groups


def _schedule_for(unit, data, presentation, epochs, max_rate, x_max, target_count):
    from cortexlearn.stimuli import (Standardizer, on_off_rates, one_hot_counts, render_schedule,
                                     session_schedule)

    xtr, ytr, xte, yte = data
    st = Standardizer.fit(xtr)
    sched = session_schedule(len(xtr), len(xte), epochs, seed=unit["seed"], flush=False)
    rs = render_schedule(sched, on_off_rates(st(xtr), max_rate, x_max),
                         on_off_rates(st(xte), max_rate, x_max),
                         one_hot_counts(ytr, 10, target_count), one_hot_counts(yte, 10, target_count),
                         presentation, prefix=f"{unit['dataset']}")
    labels = np.where(sched.source == 0, ytr[np.minimum(sched.sample, len(ytr) - 1)],
                      yte[np.minimum(sched.sample, len(yte) - 1)])
    return sched, rs, labels


def run_group(spec: dict) -> list:
    """Run the units of one group (same dataset and Dale setting) on one compiled program.

    Returns one dict per unit: learning curves per epoch (test and online train accuracy in %,
    hidden angle in degrees, hidden spikes per neuron and presentation), final accuracy,
    wall times, and rasters for units that asked for them.
    """
    from brian2 import Hz

    from cortexlearn.circuits.feedforward import FeedforwardConfig, initial_parameters
    from cortexlearn.build.feedforward import build_feedforward
    from cortexlearn.circuits.feedforward_session import run_session
    from cortexlearn.rules.credit import CreditRule
    from cortexlearn.simulation import Simulation

    units, o = spec["units"], spec["options"]
    first = units[0]
    data = prepare_data(first["dataset"], o["n_train"], o["n_test"])
    n_in = 2 * data[0].shape[1]
    cfg = FeedforwardConfig(n_in, tuple(o["hidden_sizes"]), 10, dale=first["dale"],
                            input_weight_scale=o["input_weight_scale"],
                            feedback_scale=o["feedback_scale"],
                            output_weight_scale=o["output_weight_scale"],
                            error_populations=bool(o.get("error_populations", False)),
                            dale_pathways=o.get("dale_pathways", "one") if first["dale"] else "one")

    def rule_of(unit):
        return CreditRule(unit["rule"], learning_rate=o["learning_rate"],
                          readout_learning_rate=o["readout_learning_rate"],
                          bias_learning_rate=o["bias_learning_rate"],
                          homeostasis_rate=o["homeostasis_rate"], target_count=o["hidden_target_count"],
                          surrogate_slope=o["surrogate_slope"],
                          centered=unit["rule"] in o.get("centered_rules", ()),
                          center_rate=o.get("center_rate", 0.01))

    results = []
    chunk = len(data[0]) + len(data[2])  # one epoch (train + test pass) per chunk = checkpoint
    max_rate = o["max_rate"] * Hz
    build_dir = os.path.join(o["build_root"], f"build-{os.getpid()}-{time.time_ns() % 10**9}") \
        if o.get("build_root") else None
    if o.get("build_cache") and o["target"] == "cpp_standalone":
        # a persistent folder per circuit: a later build rewrites identical sources, and make
        # recompiles only what changed (minutes saved per build on a loaded machine)
        import hashlib
        key = repr((cfg, o["n_train"], o["n_test"], o["epochs"], str(o["presentation"]), first["dataset"]))
        cached = os.path.join(o["build_cache"], "sfa-" + hashlib.sha1(key.encode()).hexdigest()[:12])
        lock = os.path.join(cached, ".lock")
        if not os.path.exists(lock) or _lock_free(lock):
            build_dir = cached
    with Simulation(target=o["target"], seed=first["seed"], directory=build_dir,
                    dt=o["dt"]) as sim:
        net = None
        for unit in units:
            sched, rs, labels = _schedule_for(unit, data, o["presentation"], o["epochs"], max_rate,
                                              o["x_max"], o["output_target_count"])
            params = initial_parameters(cfg, seed=1000 + unit["seed"], wiring_seed=WIRING_SEED)
            if net is None:
                raster = np.zeros(sched.n_trials, bool)
                first_train = np.nonzero(sched.source == 0)[0][:3]
                last_test = np.nonzero((sched.source == 1) & (sched.epoch == o["epochs"] - 1))[0][:3]
                raster[first_train] = raster[last_test] = True
                net = build_feedforward(cfg, rule_of(unit), rs, params, name="sfa",
                                        chunk_trials=chunk, raster_trials=raster)
                rs_arg = None
            else:
                rs_arg = rs if sim.standalone else None
                if not sim.standalone:  # runtime targets replay the build's trial order
                    rs, sched, labels = net.schedule, net._sched, net._labels
            net._sched, net._labels = sched, labels
            checkpoint = os.path.join(o["checkpoint_dir"], f"{unit['id']}.npz") \
                if o.get("checkpoint_dir") else None
            t0 = time.time()
            rec = run_session(net, sim, rule=rule_of(unit), params=params, schedule=rs_arg,
                              checkpoint=checkpoint)
            results.append(_summarise(unit, rec, sched, labels, o, time.time() - t0,
                                      keep_raster=unit.get("raster", False)))
            results[-1].update(synaptic_events(cfg, rec, rs, chunk))
    return results


def synaptic_events(cfg, rec, rs, chunk: int) -> dict:
    """Synaptic events of the chunks this call ran, and their rate per second of simulation wall
    time (build excluded), for a circuit with one hidden layer.

    Input spikes come from the schedule (a regular generator emits ``rate x T`` spikes per
    presentation, to within one), hidden spikes from the circuit's record. A spike is one event
    per outgoing synapse of its neuron and, under Dale's law, one at its relay interneuron, whose
    spike is one event per inhibitory synapse: ``(pathways per pair) x (postsynaptic neurons) + 1``
    events per spike (``+ 0`` without Dale's law).
    """
    n_trials = len(rs.rate_values)
    first = (rec.chunks_done - rec.chunks_run) * chunk
    trials = slice(min(first, n_trials), min(rec.chunks_done * chunk, n_trials))
    sizes = cfg.layer_sizes
    if len(sizes) != 3:
        return {}
    per_pair = 2 if cfg.both_pathways else 1
    relay = 1 if cfg.dale else 0
    in_spikes = float(np.sum(rs.rate_values[trials])) * float(rs.presentation)
    hid_spikes = float(np.sum(rec.align[trials, 3]))
    events = in_spikes * (per_pair * sizes[1] + relay) + hid_spikes * (per_pair * sizes[-1] + relay)
    sim_time = rec.wall_time - rec.build_time
    return {"synaptic_events": events, "simulation_time": sim_time,
            "events_per_s": events / sim_time if sim_time > 0 else float("nan")}


def _lock_free(path) -> bool:
    import fcntl

    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        return True


def _summarise(unit, rec, sched, labels, o, wall, keep_raster):
    pred = np.argmax(rec.counts + 1e-3 * rec.vm, axis=1)
    correct = pred == labels
    epochs = o["epochs"]
    test_acc, train_acc, angle, hidden_rate = (np.full(epochs, np.nan) for _ in range(4))
    n_hidden = o["hidden_sizes"][-1]
    for e in range(epochs):
        tr = (sched.epoch == e) & (sched.source == 0)
        te = (sched.epoch == e) & (sched.source == 1)
        if te.any():
            test_acc[e] = 100 * correct[te].mean()
        train_acc[e] = 100 * correct[tr].mean()
        a = rec.align[tr]
        ok = (a[:, 1] > 0) & (a[:, 2] > 0)
        if ok.any():
            cos = np.clip(a[ok, 0] / np.sqrt(a[ok, 1] * a[ok, 2]), -1, 1)
            angle[e] = float(np.degrees(np.arccos(cos)).mean())
        hidden_rate[e] = a[:, 3].mean() / n_hidden
    out = dict(unit, test_accuracy=test_acc, train_accuracy=train_acc, angle=angle,
               hidden_count=hidden_rate, final_accuracy=float(test_acc[-1]), wall_time=wall,
               build_time=rec.build_time, status=rec.status)
    if keep_raster:
        out["rasters"] = {k: (np.asarray(i), np.asarray(t)) for k, (i, t) in rec.rasters.items()}
        first_train = np.nonzero(sched.source == 0)[0][:3]
        last_test = np.nonzero((sched.source == 1) & (sched.epoch == epochs - 1))[0][:3]
        out["raster_windows"] = (first_train * float(o["presentation"]),
                                 last_test * float(o["presentation"]))
    return out


def run_groups(groups, options, workers: int = 1, progress=None) -> list:
    """Run every group, in this process (``workers=1``) or in ``workers`` processes."""
    specs = [{"units": g, "options": options} for g in groups]
    results = []
    if workers <= 1 or len(specs) == 1:
        for spec in (progress(specs) if progress else specs):
            results.extend(run_group(spec))
        return results
    import concurrent.futures as cf
    import multiprocessing as mp

    with cf.ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn")) as pool:
        futures = [pool.submit(run_group, spec) for spec in specs]
        for fut in (progress(cf.as_completed(futures)) if progress else cf.as_completed(futures)):
            results.extend(fut.result())
    return results
