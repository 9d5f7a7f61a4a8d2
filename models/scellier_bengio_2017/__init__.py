"""Equilibrium propagation with the temporal-derivative rule (Scellier & Bengio 2017).

A layered rate network (64 - 100 - 10, logistic units, ``tau ds/dt = sigma(u) - s``) with symmetric
feedback through the same synapses learns scikit-learn's digits in one compiled session. Every
trial has a free phase (input clamped; the network settles) and a nudged phase (the output is
pulled toward the one-hot target with strength ``beta``). Every weight and bias learns only during
the nudged phase and only with the temporal-derivative rule (Xie & Seung 2000; Bengio et al. 2015):
presynaptic activity times the rate of change of the postsynaptic activity, in both directions of
each symmetric weight, so that its integral over the phase is the contrastive Hebbian update of
Scellier & Bengio's Eq. 9, an estimate of the loss gradient (their Theorem 1). The change is
expressed at the end of the trial. The held-out digits are presented at the end of the same
session as trials with no nudged phase; the class is the most active output unit at the end of
the free phase.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from brian2 import ms

from cortexlearn.model import Check, Model, Parameter

PARAMETERS = (
    Parameter("n_train", 1438, "training digits used (of the split's 1,438)", "load_digits split (80 %)",
              quick=150, domain="integer>=1"),
    Parameter("n_test", 359, "held-out digits used (of the split's 359)", "load_digits split (20 %)",
              quick=100, domain="integer>=1"),
    Parameter("n_hidden", 100, "hidden units", "chosen (as the NumPy reference's digits run)",
              quick=30, domain="integer>=1"),
    Parameter("epochs", 5, "passes over the training digits",
              "chosen (the online training accuracy levels off at ~93 % by epoch 4-5)", quick=1,
              domain="integer>=1"),
    Parameter("beta", 0.5, "nudging strength", "chosen (as the NumPy reference's digits run)",
              domain="positive"),
    Parameter("learning_rate", 0.1, "eta of the temporal-derivative rule (per trial)",
              "chosen (the NumPy reference's 2.0 per batch of 20)", domain="positive"),
    Parameter("free_duration", 40 * ms, "free phase", "chosen (the state settles to 1e-5 in ~30 time constants)",
              domain="positive"),
    Parameter("nudged_duration", 20 * ms, "nudged phase", "chosen (10 time constants)", domain="positive"),
    Parameter("tau", 2 * ms, "time constant of the rate dynamics", "chosen (dt/tau = 1/2 at dt = 1 ms)",
              domain="positive"),
)


def circuit(params, seed: int):
    """The specification and the dataset: shuffled training trials, then the held-out digits."""
    from cortexlearn.circuits.eqprop import EqPropCircuit
    from cortexlearn.datasets import load_digits
    from cortexlearn.reference.eqprop import init_network
    from cortexlearn.rules.derivative import TemporalDerivativeRule

    data = load_digits(seed=seed)
    x_train, y_train = data.x_train[:int(params["n_train"])], data.y_train[:int(params["n_train"])]
    x_test, y_test = data.x_test[:int(params["n_test"])], data.y_test[:int(params["n_test"])]
    rng = np.random.default_rng(seed)
    net = init_network([data.x_train.shape[1], int(params["n_hidden"]), data.n_classes], rng)
    order = np.concatenate([rng.permutation(len(x_train)) for _ in range(int(params["epochs"]))])
    x = np.vstack([x_train[order], x_test])
    labels = np.concatenate([y_train[order], y_test])
    learn = np.r_[np.ones(order.size), np.zeros(len(x_test))]
    rule = TemporalDerivativeRule(signal="voltage", variable="s", v_scale=1.0,
                                  learning_rate=float(params["learning_rate"]), w_max=10.0)
    spec = EqPropCircuit(rule, tuple(net.W), tuple(net.b), x, np.eye(data.n_classes)[labels], learn=learn,
                         beta=float(params["beta"]), free_duration=params["free_duration"],
                         nudged_duration=params["nudged_duration"], tau=params["tau"], name="scellier")
    return spec, len(x_train), len(x_test), labels


def simulate(ctx):
    from cortexlearn.build import build

    p = ctx.params
    ctx.seeds_used.append(ctx.seed)
    spec, n_train, n_test, labels = circuit(p, ctx.seed)
    with ctx.simulation(dt=1 * ms) as sim:
        built = build(spec)
        info = sim.run(built.network, built.duration(), namespace=built.namespace)
        if not info.complete:
            ctx.mark_interrupted("the simulation stopped early")
        free = built.free_outputs()
    correct = (np.argmax(free, axis=1) == labels).astype(float)
    epochs = int(p["epochs"])
    per_epoch = correct[:epochs * n_train].reshape(epochs, n_train).mean(axis=1)
    test = float(correct[-n_test:].mean())
    ctx.record("train_accuracy", xr.DataArray(per_epoch, dims=["epoch"], coords={"epoch": np.arange(1, epochs + 1)},
                                              attrs={"units": "fraction (free phase, before each trial's update)"}))
    return {"test_accuracy": test, "last_epoch_train_accuracy": float(per_epoch[-1])}


def figure(data, metrics):
    from cortexlearn.plotting.style import figure as new_figure, style_context

    acc = data["train_accuracy"]
    with style_context():
        fig = new_figure("single", 2.0)
        ax = fig.add_subplot(111)
        ax.plot(np.asarray(acc["epoch"]), 100 * np.asarray(acc), marker="o", ms=3, label="training (online)")
        ax.axhline(100 * metrics["test_accuracy"], color="k", ls="--", lw=0.8, label="held-out, after training")
        ax.set(xlabel="epoch", ylabel="digits accuracy (%)", ylim=(0, 100))
        ax.legend(frameon=False, fontsize=7)
        fig.tight_layout()
    from cortexlearn.plotting.style import set_caption

    n_epochs = int(np.asarray(acc["epoch"]).size)
    return set_caption(fig, (
        "Scellier & Bengio 2017: a 64-100-10 rate network with symmetric feedback, every weight "
        "learning only by the temporal-derivative rule during the nudged phase of each trial. "
        f"Online accuracy on the training digits in each of {n_epochs} epochs (markers) and accuracy on "
        "the held-out digits after training (dashed), scikit-learn's 8x8 digits."))


CHECKS = (
    Check("the temporal-derivative rule trains the network on digits", "test_accuracy", ">=", 0.90, 0.0,
          "chosen (a learning circuit well above chance; a linear classifier reaches ~96 % on these digits)"),
)

MODEL = Model(
    name="scellier_bengio_2017",
    title="Equilibrium propagation with the temporal-derivative rule (Scellier & Bengio 2017)",
    reference="Scellier B, Bengio Y (2017) Front Comput Neurosci 11:24",
    parameters=PARAMETERS,
    simulate=simulate,
    checks=CHECKS,
    figure=figure,
    description=__doc__,
    default_target="cpp_standalone",
)
