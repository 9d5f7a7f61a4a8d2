"""The sessions of the dendritic-microcircuit reproduction: per seed, initial weights, a
self-predicting phase on random input, training epochs on MNIST-1D with the teacher, and a test
pass; the same compiled program re-run for every seed and for the readout-only control."""

from __future__ import annotations

import numpy as np
from brian2 import Hz

from cortexlearn.circuits.microcircuit import MicrocircuitSpec
from cortexlearn.reference.microcircuit import softplus_derivative
from cortexlearn.rules import DendriticMicrocircuit
from cortexlearn.stimuli import linear_cooldown

__all__ = ["session", "initial_weights", "run_units", "angles"]


def initial_weights(n_in: int, n_h: int, n_out: int, rng, top_down: str = "random") -> dict:
    """Random signed weights, each row summing unit-variance inputs to unit variance (chosen).

    With ``top_down="mirror"`` the top-down weights start as the transpose of the forward ones,
    ``B = W_out^T`` (the state the Kolen-Pollack mirror converges to; Akrout et al. 2019): with
    equal learning rates and decays both receive transposed updates and stay equal, so the apical
    error is the one of the paper's analysis with symmetric weights (Sacramento et al. 2018,
    Eq. 10 with ``W_{k,k+1} = W_{k+1,k}^T``). The random draw of ``B`` is made either way, so the
    other weights are the same for both choices.
    """
    w = {"W_in": rng.normal(0, 1 / np.sqrt(n_in), (n_h, n_in)), "W_out": rng.normal(0, 1 / np.sqrt(n_h), (n_out, n_h)),
         "B": rng.normal(0, 1 / np.sqrt(n_out), (n_h, n_out)), "W_PI": rng.normal(0, 1 / np.sqrt(n_h), (n_out, n_h)),
         "W_IA": rng.normal(0, 1 / np.sqrt(n_out), (n_h, n_out))}
    if top_down == "mirror":
        w["B"] = w["W_out"].T.copy()
    elif top_down != "random":
        raise ValueError(f"top_down must be 'random' or 'mirror', got {top_down!r}")
    return w


def session(p, data, seed: int, n_train: int, n_test: int) -> tuple:
    """The specification of one seed's session and its layout.

    Returns
    -------
    spec : MicrocircuitSpec
    layout : dict
        ``n_sp`` (self-predicting presentations, the first without learning), ``n_train``,
        ``n_test``, ``epochs``, the labels of every presentation (-1 in the self-predicting
        phase), ``taught`` (the rows of the taught presentations, ``epochs * n_train`` of them)
        and ``n_presentations_train`` (every training presentation, taught or not).
    """
    rng = np.random.default_rng(seed)
    n_in, n_out = data.x_train.shape[1], data.n_classes
    n_h, epochs, n_sp = int(p["n_hidden"]), int(p["epochs"]), int(p["n_self_predicting"])
    weights = initial_weights(n_in, n_h, n_out, rng, str(p["top_down_init"]))
    x_sp = rng.normal(0, 1, (n_sp, n_in))
    order = np.concatenate([rng.permutation(n_train) for _ in range(epochs)])
    # each training sample: `free` presentations without the teacher (only the interneuron and
    # apical synapses learn, keeping the self-predicting state), then one with the teacher
    free = int(p["teacher_free_presentations"])
    period = free + 1
    n_learn = order.size
    train_order = np.repeat(order, period)
    taught = np.tile(np.r_[np.zeros(free), 1.0], n_learn)
    x = np.vstack([x_sp, data.x_train[train_order], data.x_test[:n_test]])
    labels = np.concatenate([np.full(n_sp, -1), data.y_train[train_order], data.y_test[:n_test]])
    high, low = float(p["target_high"]), float(p["target_low"])
    targets = np.where(np.eye(n_out)[np.maximum(labels, 0)] > 0, high, low)
    teach = np.r_[np.zeros(n_sp), taught, np.zeros(n_test)]
    # every learning rate of a training sample's presentations times the sample's cooldown factor
    cool = np.repeat(linear_cooldown(n_learn, float(p["anneal_fraction"])), period)
    learn_forward = np.r_[np.zeros(n_sp), taught * cool, np.zeros(n_test)]
    scale = float(p["inter_learning_in_training"])
    learn_inter = np.r_[0.0, np.ones(n_sp - 1), np.where(taught > 0, scale, 1.0) * cool, np.zeros(n_test)]
    rule = DendriticMicrocircuit(eta_hidden=p["eta_hidden"], eta_output=p["eta_output"],
                                 eta_interneuron=p["eta_interneuron"], eta_apical=p["eta_apical"],
                                 eta_top_down=p["eta_top_down"], decay=float(p["decay"]))
    spec = MicrocircuitSpec(rule, weights, x, targets, teach, learn_forward, learn_inter,
                            sample_duration=p["sample_duration"], settle_duration=p["settle_duration"],
                            tau=p["tau"], name="sacramento")
    rows = n_sp + period * np.arange(n_learn) + free
    return spec, {"n_sp": n_sp, "n_train": n_train, "n_test": n_test, "epochs": epochs, "labels": labels,
                  "taught": rows, "n_presentations_train": period * n_learn}


def run_units(ctx, specs: list, frozen: list) -> list:
    """Run every ``(spec, frozen)`` unit: one compiled program re-run with each unit's weights,
    inputs, targets and hidden learning rate on standalone targets; a fresh network per unit on
    runtime targets. Returns each unit's recorded end-of-presentation state and wall time."""
    import time

    from cortexlearn.build import build

    out = []
    with ctx.simulation(dt=ctx.params["dt"]) as sim:
        first = None
        for spec, freeze in zip(specs, frozen):
            start = time.time()
            eta = 0 * Hz if freeze else spec.rule.eta_hidden
            if first is None or not sim.standalone:
                net = build(spec)
                run_args = {net.synapses["W_in"].eta_hidden: eta}
                info = sim.run(net.network, net.duration(), namespace=net.namespace, run_args=run_args)
                first = net
            else:
                net = first
                run_args = {net.synapses[k].w: np.asarray(spec.weights[k], float).ravel()
                            for k in ("W_in", "W_out", "B", "W_PI", "W_IA")}
                ns = net.namespace
                run_args[ns["x_in"]] = np.vstack([spec.inputs, np.zeros((1, spec.sizes[0]))])
                run_args[ns["u_tgt"]] = np.vstack([spec.targets, np.zeros((1, spec.sizes[2]))])
                run_args[net.synapses["W_in"].eta_hidden] = eta
                info = sim.rerun(run_args)
            if not info.complete:
                ctx.mark_interrupted("the simulation stopped early")
            rec = net.recorded()
            sim.check_finite(*(net.groups[k] for k in ("hidden", "output", "inter")), variables=("u",))
            out.append((rec, time.time() - start))
    return out


def angles(rec: dict, params: dict, rows) -> np.ndarray:
    """Angle (degrees) between the microcircuit's hidden error ``phi(u) - phi(v̂_B)`` and weight
    transport's, ``phi'(v̂_B) * W_out^T (phi(u_out) - phi(v̂_B,out))`` (backprop through the same
    forward weights, at the same moment), per presentation in ``rows``."""
    g = params
    att = g["g_B"] / (g["g_lk"] + g["g_B"] + g["g_A"])
    e = rec["error_hidden"][rows]
    bp = softplus_derivative(att * rec["v_B"][rows]) * rec["transport"][rows]
    cos = (e * bp).sum(1) / np.maximum(np.linalg.norm(e, axis=1) * np.linalg.norm(bp, axis=1), 1e-300)
    return np.degrees(np.arccos(np.clip(cos, -1, 1)))
