"""The runs of the pattern-generation reproduction, as independent units.

A unit is one network configuration (neuron model, size, which projections learn, feedback) run
for every seed. On standalone targets the program is built once per unit and re-run per seed with
new weights, inputs and targets through ``run_args`` (no recompilation). Units share nothing, so
``workers > 1`` runs them in separate processes, each with its own build directory.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
import time

import numpy as np
from brian2 import Hz, ms, second

#: Periods of the four sines of the target (Bellec et al. 2020, pattern generation).
PERIODS_MS = (1000.0, 500.0, 333.0, 200.0)


@dataclasses.dataclass(frozen=True)
class Variant:
    """What learns in one run of a unit: step sizes of input+recurrent and readout weights, and
    whether the feedback weights are set to the initial readout weights (with a frozen readout,
    that is symmetric e-prop)."""

    name: str
    learning_rate_hidden: float
    learning_rate_readout: float
    feedback_from_readout: bool = False


@dataclasses.dataclass(frozen=True)
class Unit:
    """One compiled network (neuron model, number of recurrent neurons, iterations), run for each
    variant and seed without recompiling."""

    name: str
    neuron: str
    n_recurrent: int
    iterations: int
    variants: tuple


def make_task(seed: int, n_inputs: int, n_recurrent: int, n_steps: int, dt_s: float,
              input_rate_hz: float, input_scale: float, recurrent_scale: float,
              output_scale: float):
    """Frozen Poisson input, the four-sine target and initial weights for one seed."""
    rng = np.random.default_rng(seed)
    spikes = rng.random((n_steps, n_inputs)) < input_rate_hz * dt_s
    t = np.arange(n_steps) * dt_s
    target = np.zeros(n_steps)
    for period in PERIODS_MS:
        target += rng.uniform(0.5, 2.0) * np.sin(2 * np.pi * t / (period / 1000) + rng.uniform(0, 2 * np.pi))
    w_in = rng.normal(0, input_scale / np.sqrt(n_inputs), (n_recurrent, n_inputs))
    w_rec = rng.normal(0, recurrent_scale / np.sqrt(n_recurrent), (n_recurrent, n_recurrent))
    np.fill_diagonal(w_rec, 0.0)
    w_out = rng.normal(0, output_scale / np.sqrt(n_recurrent), (1, n_recurrent))
    feedback = rng.normal(0, 1 / np.sqrt(n_recurrent), (n_recurrent, 1))
    return {"spikes": spikes, "target": target[:, None], "in": w_in, "rec": w_rec, "out": w_out,
            "feedback": feedback}


def make_rule(neuron: str, cfg: dict, learning_rate_hidden=None, learning_rate_readout=None):
    from cortexlearn.rules.eprop import EProp

    lr_h = cfg["learning_rate"] if learning_rate_hidden is None else learning_rate_hidden
    lr_o = cfg["learning_rate"] if learning_rate_readout is None else learning_rate_readout
    return EProp(neuron=neuron, tau_membrane=cfg["tau_membrane"], tau_adaptation=cfg["tau_adaptation"],
                 tau_readout=cfg["tau_readout"], beta=cfg["beta"], learning_rate_input=lr_h,
                 learning_rate_recurrent=lr_h, learning_rate_readout=lr_o, feedback="random",
                 reg_strength=cfg["reg_strength"], target_rate=cfg["target_rate"])


def _task_for(unit, seed, cfg, n_steps):
    return make_task(seed, cfg["n_inputs"], unit.n_recurrent, n_steps, float(cfg["dt"]),
                     float(cfg["input_rate"] / Hz), cfg["input_scale"], cfg["recurrent_scale"],
                     cfg["output_scale"])


def run_unit(unit: Unit, seeds: list[int], cfg: dict, target: str = "cpp_standalone",
             threads: int = 1, build_root: str | None = None) -> dict:
    """Train every variant of ``unit`` for every seed; return curves, weights, timings (NumPy).

    Returns
    -------
    dict: ``{"unit", "build", "n_steps", "n_synapses", "runs": {variant: {"curves", "rates",
    "weights", "output_first", "output_last", "wall", "initial"}}}``
    """
    from cortexlearn.build.recurrent import build_recurrent_network
    from cortexlearn.simulation import Simulation

    dt = cfg["dt"]
    n_steps = int(round(float(cfg["trial_duration"] / dt)))
    out = {"unit": unit.name, "build": 0.0, "n_steps": n_steps, "iterations": unit.iterations,
           "n_synapses": unit.n_recurrent * (cfg["n_inputs"] + unit.n_recurrent), "runs": {}}
    build_root = build_root or os.path.join(tempfile.gettempdir(), "cortexlearn-builds")

    def collect(net, task, variant):
        run = out["runs"].setdefault(variant.name, {"curves": [], "rates": [], "weights": [], "initial": [],
                                                     "output_first": [], "output_last": [], "wall": []})
        run["curves"].append(net.trial_nmse(float(np.var(task["target"]))))
        counts = np.asarray(net.count_monitor.count)[:, 1:]
        run["rates"].append(counts.mean(axis=0) / float(cfg["trial_duration"]))
        run["weights"].append(net.weights())
        run["initial"].append(task)
        y = np.asarray(net.output_monitor.y)[0]
        run["output_first"].append(y[:n_steps])
        run["output_last"].append(y[(unit.iterations - 1) * n_steps: unit.iterations * n_steps])
        return run

    def task_of(seed, variant):
        task = _task_for(unit, seed, cfg, n_steps)
        if variant.feedback_from_readout:
            task["feedback"] = task["out"].T.copy()
        return task

    def build(task, variant):
        rule = make_rule(unit.neuron, cfg, variant.learning_rate_hidden, variant.learning_rate_readout)
        return build_recurrent_network(rule, task["spikes"], task["target"], task["in"], task["rec"],
                                       task["out"], task["feedback"], trial_duration=cfg["trial_duration"],
                                       name="eprop")

    pairs = [(v, s) for v in unit.variants for s in seeds]
    if target.endswith("standalone"):
        directory = os.path.join(build_root, f"{unit.name}-{os.getpid()}-{time.time_ns()}")
        with Simulation(target=target, seed=seeds[0], dt=dt, threads=threads, directory=directory) as sim:
            variant, seed = pairs[0]
            task = task_of(seed, variant)
            net = build(task, variant)
            info = sim.run(net.network, net.duration(unit.iterations), namespace=net.namespace)
            out["build"] = info.build_time
            collect(net, task, variant)["wall"].append(info.wall_time)
            for variant, seed in pairs[1:]:
                task = task_of(seed, variant)
                args = {net.input_synapses.w: _flat("in", task), net.recurrent_synapses.w: _flat("rec", task),
                        net.readout_synapses.w: _flat("out", task),
                        net.readout_synapses.B: _flat("feedback", task),
                        net.input_synapses.eta: variant.learning_rate_hidden,
                        net.recurrent_synapses.eta: variant.learning_rate_hidden,
                        net.readout_synapses.eta: variant.learning_rate_readout,
                        net.namespace["eprop_pattern"]: task["spikes"].astype(float),
                        net.namespace["eprop_target"]: task["target"]}
                info = sim.rerun(run_args=args, seed=seed)
                collect(net, task, variant)["wall"].append(info.wall_time)
        shutil.rmtree(directory, ignore_errors=True)
    else:
        for variant, seed in pairs:
            task = task_of(seed, variant)
            with Simulation(target=target, seed=seed, dt=dt) as sim:
                net = build(task, variant)
                info = sim.run(net.network, net.duration(unit.iterations), namespace=net.namespace)
                collect(net, task, variant)["wall"].append(info.wall_time)
    return out


def _flat(key, task):
    """Values of a projection in the builder's synapse order (pre-major, post-minor)."""
    n_rec = task["in"].shape[0]
    if key == "in":
        pre, post = np.meshgrid(np.arange(task["in"].shape[1]), np.arange(n_rec), indexing="ij")
        return task["in"][post.ravel(), pre.ravel()]
    if key == "rec":
        pre, post = np.meshgrid(np.arange(n_rec), np.arange(n_rec), indexing="ij")
        keep = pre.ravel() != post.ravel()
        return task["rec"][post.ravel()[keep], pre.ravel()[keep]]
    pre, post = np.meshgrid(np.arange(n_rec), np.arange(1), indexing="ij")
    if key == "out":
        return task["out"][post.ravel(), pre.ravel()]
    return task["feedback"][pre.ravel(), post.ravel()]


def run_bptt_reference(seed: int, cfg: dict, iterations: int, neuron: str = "alif",
                       n_recurrent: int = 100) -> dict:
    """The same task trained by BPTT in NumPy (per-trial Adam): the reference learning curve."""
    from cortexlearn.reference.eprop import train
    from cortexlearn.reference.snn_bptt import SNNParams

    rule = make_rule(neuron, cfg)
    d = rule.decays(cfg["dt"])
    params = SNNParams(alpha=d["alpha"], rho=d["rho"], kappa=d["kappa"],
                       beta=rule.beta if rule.adaptive else 0.0)
    n_steps = int(round(float(cfg["trial_duration"] / cfg["dt"])))
    task = _task_for(Unit("bptt", neuron, n_recurrent, iterations, ()), seed, cfg, n_steps)
    start = time.time()
    lr = cfg["learning_rate"]
    weights = {k: task[k] for k in ("in", "rec", "out")}
    result = train(params, weights, task["spikes"], task["target"], iterations, method="bptt",
                   learning_rates={"in": lr, "rec": lr, "out": lr}, dt=float(cfg["dt"]))
    return {"unit": "bptt", "curve": result["nmse"], "rate": result["rate"], "wall": time.time() - start}


def run_all(jobs: list, workers: int) -> list:
    """Run ``jobs`` (``(function, args)`` pairs) one after another or in ``workers`` processes."""
    if workers <= 1 or len(jobs) <= 1:
        return [fn(*args) for fn, args in jobs]
    import multiprocessing as mp

    ctx = mp.get_context("spawn")  # a fresh interpreter per worker: Brian2 state is per process
    with ctx.Pool(min(workers, len(jobs))) as pool:
        pending = [pool.apply_async(fn, args) for fn, args in jobs]
        return [p.get() for p in pending]
