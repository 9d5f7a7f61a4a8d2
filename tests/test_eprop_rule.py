"""e-prop as Brian2 equations against the NumPy reference, on a tiny deterministic network.

The frozen input pattern and the absence of noise make every target produce the same spikes as
:mod:`cortexlearn.reference.snn_bptt`; the accumulated e-prop gradient of one trial and the weights
after three trials of per-synapse Adam (with the rate regulariser) must agree to 1e-9.
"""

import dataclasses

import numpy as np
import pytest
from brian2 import Hz, ms, second

from cortexlearn import Simulation
from cortexlearn.build.recurrent import build_recurrent_network
from cortexlearn.errors import SpecError, UnitError
from cortexlearn.reference.eprop import eprop_gradient, train
from cortexlearn.reference.snn_bptt import SNNParams, simulate
from cortexlearn.rules.eprop import EProp

STEPS = 60
LR = 0.01
# Strong enough that the regulariser moves the weights by more than the tolerance (see the test
# below that switches it off).
REG = 20.0


def _task(seed=0, n_in=6, n_rec=5, n_out=2):
    rng = np.random.default_rng(seed)
    x = rng.random((STEPS, n_in)) < 0.15
    target = rng.normal(0, 1, (STEPS, n_out))
    w_rec = rng.normal(0, 0.6, (n_rec, n_rec))
    np.fill_diagonal(w_rec, 0.0)
    return {"x": x, "target": target, "in": rng.normal(0, 1.2, (n_rec, n_in)), "rec": w_rec,
            "out": rng.normal(0, 1, (n_out, n_rec)), "B": rng.normal(0, 1, (n_rec, n_out))}


def _rule(neuron, feedback="random"):
    return EProp(neuron=neuron, beta=0.3, reg_strength=REG, learning_rate_input=LR,
                 learning_rate_recurrent=LR, learning_rate_readout=LR, feedback=feedback)


def _params(rule):
    d = rule.decays(1 * ms)
    return SNNParams(alpha=d["alpha"], rho=d["rho"], kappa=d["kappa"], beta=rule.beta if rule.adaptive else 0.0)


def _run(rule, task, target, duration, tmp_path):
    directory = str(tmp_path / "build") if target == "cpp_standalone" else None
    with Simulation(target=target, dt=1 * ms, directory=directory) as sim:
        net = build_recurrent_network(rule, task["x"], task["target"], task["in"], task["rec"],
                                      task["out"], task["B"], trial_duration=STEPS * ms)
        sim.run(net.network, duration(net), namespace=net.namespace)
        return net.gradients(), net.weights(), net.trial_nmse(float(np.var(task["target"])))


@pytest.mark.parametrize("neuron,feedback", [("lif", "random"), ("alif", "random"), ("alif", "symmetric")])
def test_one_trial_gradient_matches_reference(neuron, feedback, tmp_path):
    rule, task = _rule(neuron, feedback), _task()
    grads, _, _ = _run(rule, task, "numpy", lambda net: STEPS * ms, tmp_path)
    tr = simulate(_params(rule), task["in"], task["rec"], task["out"], task["x"], task["target"])
    assert tr.z.sum() > 10
    feedback_w = task["out"].T if feedback == "symmetric" else task["B"]
    ref = eprop_gradient(_params(rule), task["out"], feedback_w, tr)
    np.fill_diagonal(ref["rec"], 0.0)
    for key in ("in", "rec", "out"):
        assert np.abs(ref[key]).max() > 1.0
        np.testing.assert_allclose(grads[key], ref[key], atol=1e-9 * np.abs(ref[key]).max())


TARGETS = ["numpy", pytest.param("cython", marks=[pytest.mark.cython, pytest.mark.slow]),
           pytest.param("cpp_standalone", marks=[pytest.mark.standalone, pytest.mark.slow])]


@pytest.mark.parametrize("target", TARGETS)
def test_training_matches_reference_on_every_target(target, tmp_path):
    # ALIF, random feedback, Adam and the rate regulariser: three trials, three updates.
    rule, task = _rule("alif"), _task(seed=4)
    _, weights, curve = _run(rule, task, target, lambda net: net.duration(3), tmp_path)
    ref = train(_params(rule), task, task["x"], task["target"], 3, feedback=task["B"],
                learning_rates={"in": LR, "rec": LR, "out": LR}, reg_strength=REG, target_rate=10.0)
    np.testing.assert_allclose(curve, ref["nmse"], rtol=1e-9)
    for key in ("in", "rec", "out"):
        np.testing.assert_allclose(weights[key], ref["weights"][key], atol=1e-9)
        assert np.abs(weights[key] - task[key]).max() > 0.5 * LR  # the weights did move


def test_regulariser_acts_on_the_trial_it_measures(tmp_path):
    # The regulariser's term joins the gradient of the trial whose spike count it uses (NEST 3.10's
    # eprop_iaf_bsshslm_2020): the very first update already carries it, so one trial with and
    # without the regulariser ends with different input and recurrent weights, in Brian2 and in
    # the reference alike, and the two agree.
    task = _task(seed=4)
    params = _params(_rule("lif"))
    moved = {}
    for reg in (0.0, REG):
        rule = dataclasses.replace(_rule("lif"), reg_strength=reg)
        _, weights, _ = _run(rule, task, "numpy", lambda net: net.duration(1), tmp_path)
        ref = train(params, task, task["x"], task["target"], 1, feedback=task["B"],
                    learning_rates={"in": LR, "rec": LR, "out": LR}, reg_strength=reg, target_rate=10.0)
        for key in ("in", "rec", "out"):
            np.testing.assert_allclose(weights[key], ref["weights"][key], atol=1e-9)
        moved[reg] = weights
    assert np.abs(moved[REG]["in"] - moved[0.0]["in"]).max() > 0.1 * LR
    assert np.abs(moved[REG]["rec"] - moved[0.0]["rec"]).max() > 0.1 * LR
    np.testing.assert_allclose(moved[REG]["out"], moved[0.0]["out"], atol=1e-12)


def test_reference_regulariser_is_rate_error_times_summed_eligibility():
    # R_j * sum_t e_ji with R_j = c_reg (f_j - f_0) / (f_0^2 T): the gradient of
    # c_reg/2 * ((f_j - f_0)/f_0)^2 with df_j/dW_ji ~ sum_t e_ji / T (Bellec et al. 2020, Methods).
    rule, task = _rule("alif"), _task(seed=2)
    params = _params(rule)
    tr = simulate(params, task["in"], task["rec"], task["out"], task["x"], task["target"])
    reg = np.linspace(-2.0, 3.0, tr.z.shape[1])
    with_reg = eprop_gradient(params, task["out"], task["B"], tr, reg_signal=reg)
    without = eprop_gradient(params, task["out"], task["B"], tr)
    zero_fb = eprop_gradient(params, task["out"], np.zeros_like(task["B"]), tr, reg_signal=np.ones_like(reg))
    for key in ("in", "rec"):
        # with zero feedback only the regulariser is left: the summed eligibility itself
        np.testing.assert_allclose(with_reg[key] - without[key], reg[:, None] * zero_fb[key],
                                   atol=1e-12 * np.abs(with_reg[key]).max())
        assert np.abs(zero_fb[key]).max() > 0.1
    np.testing.assert_allclose(with_reg["out"], without["out"])


def test_frozen_projection_does_not_change(tmp_path):
    rule = EProp(neuron="lif", learning_rate_input=0.0, learning_rate_recurrent=0.0,
                 learning_rate_readout=LR)
    task = _task(seed=5)
    _, weights, _ = _run(rule, task, "numpy", lambda net: net.duration(2), tmp_path)
    np.testing.assert_array_equal(weights["in"], task["in"])
    np.testing.assert_array_equal(weights["rec"], task["rec"])
    assert np.abs(weights["out"] - task["out"]).max() > 0.5 * LR


@pytest.mark.parametrize("name", ["tau_membrane", "tau_adaptation", "tau_readout"])
@pytest.mark.parametrize("value", [0 * ms, -5 * ms])
def test_non_positive_trace_time_constant_is_refused(name, value):
    with pytest.raises(SpecError, match=name):
        EProp(**{name: value})


def test_bad_rule_parameters():
    with pytest.raises(UnitError):
        EProp(tau_membrane=30)
    with pytest.raises(SpecError, match="neuron"):
        EProp(neuron="hh")
    with pytest.raises(SpecError, match="feedback"):
        EProp(feedback="transport")
    with pytest.raises(SpecError, match="learning_rate_input"):
        EProp(learning_rate_input=-1e-3)
    with pytest.raises(SpecError, match="target_rate"):
        EProp(target_rate=0 * Hz)


def test_target_shorter_than_trial_is_refused():
    task = _task()
    with Simulation(target="numpy", dt=1 * ms):
        with pytest.raises(SpecError, match="target signal has 59 time steps but the trial has 60"):
            build_recurrent_network(_rule("lif"), task["x"], task["target"][:-1], task["in"], task["rec"],
                                    task["out"], task["B"], trial_duration=STEPS * ms)
        with pytest.raises(SpecError, match="input_spikes"):
            build_recurrent_network(_rule("lif"), task["x"][:30], task["target"], task["in"], task["rec"],
                                    task["out"], task["B"], trial_duration=STEPS * ms)
        with pytest.raises(SpecError, match="feedback"):
            build_recurrent_network(_rule("lif"), task["x"], task["target"], task["in"], task["rec"],
                                    task["out"], None, trial_duration=STEPS * ms)
        with pytest.raises(SpecError, match="w_rec"):
            build_recurrent_network(_rule("lif"), task["x"], task["target"], task["in"], task["rec"][:3],
                                    task["out"], task["B"], trial_duration=STEPS * ms)
