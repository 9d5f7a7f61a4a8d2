"""The dendritic microcircuit (Sacramento et al. 2018) in Brian2 equations equals the NumPy oracle
of the same discretised dynamics on every target, and its parts behave as the paper says."""

from __future__ import annotations

import numpy as np
import pytest
from brian2 import Hz, ms

from cortexlearn import Simulation
from cortexlearn.build import build
from cortexlearn.build.microcircuit import MicrocircuitNetwork
from cortexlearn.circuits.microcircuit import MicrocircuitSpec
from cortexlearn.errors import SpecError
from cortexlearn.reference import microcircuit as ref
from cortexlearn.rules import DendriticMicrocircuit

DT = 1 * ms
STEPS, SETTLE = 6, 2


def _spec(seed=0, n_samples=5, sizes=(4, 5, 3), decay=0.0, **rates):
    rng = np.random.default_rng(seed)
    n_in, n_h, n_out = sizes
    weights = {"W_in": rng.normal(0, 0.7, (n_h, n_in)), "W_out": rng.normal(0, 0.5, (n_out, n_h)),
               "B": rng.normal(0, 0.5, (n_h, n_out)), "W_PI": rng.normal(0, 0.5, (n_out, n_h)),
               "W_IA": rng.normal(0, 0.5, (n_h, n_out))}
    rates = dict(eta_hidden=20.0, eta_output=30.0, eta_interneuron=25.0, eta_apical=15.0) | rates
    rule = DendriticMicrocircuit(decay=decay, **{k: v * Hz for k, v in rates.items()})
    flags = lambda p: (rng.random(n_samples) < p).astype(float)
    # learning factors graded in [0, 1] per presentation (a learning-rate schedule), teaching on or off
    graded = lambda p: flags(p) * rng.uniform(0.2, 1.0, n_samples)
    return MicrocircuitSpec(rule, weights, rng.normal(0, 1, (n_samples, n_in)), rng.normal(0, 1, (n_samples, n_out)),
                            teach=np.r_[1.0, flags(0.6)[1:]], learn_forward=np.r_[1.0, graded(0.7)[1:]],
                            learn_inter=np.r_[1.0, graded(0.7)[1:]], sample_duration=STEPS * DT,
                            settle_duration=SETTLE * DT, tau=3 * ms)


def _run(spec, target="numpy", tmp_path=None):
    directory = str(tmp_path / "build") if target == "cpp_standalone" else None
    with Simulation(target=target, dt=DT, directory=directory) as sim:
        net = build(spec)
        assert isinstance(net, MicrocircuitNetwork)
        sim.run(net.network, net.duration(), namespace=net.namespace)
        return net.weights(), net.recorded()


def _oracle(spec):
    return ref.simulate(spec.weights, spec.inputs, spec.targets,
                        {"teach": spec.teach, "learn_forward": spec.learn_forward, "learn_inter": spec.learn_inter},
                        spec.reference_parameters(), STEPS, float(DT), SETTLE)


def _compare(spec, target, tmp_path):
    weights, recorded = _run(spec, target, tmp_path)
    expected = _oracle(spec)
    for key in ref.WEIGHT_NAMES:
        np.testing.assert_allclose(weights[key], expected[key], rtol=0, atol=1e-9, err_msg=key)
    for key, value in recorded.items():
        np.testing.assert_allclose(value, expected[key], rtol=0, atol=1e-9, err_msg=key)
    # every plastic projection learned; the top-down one only with its own rate
    for key in ("W_in", "W_out", "W_PI", "W_IA"):
        assert np.abs(weights[key] - spec.weights[key]).max() > 1e-4, key
    if float(spec.rule.eta_top_down) == 0:
        np.testing.assert_array_equal(weights["B"], spec.weights["B"])
    else:
        assert np.abs(weights["B"] - spec.weights["B"]).max() > 1e-4


def test_the_circuit_equals_its_oracle_on_numpy(tmp_path):
    _compare(_spec(), "numpy", tmp_path)


def test_the_circuit_equals_its_oracle_on_every_target(target, tmp_path):
    # top-down weights that learn (mirroring the forward ones, with a decay) as well
    _compare(_spec(seed=1, decay=0.3, eta_top_down=30.0), target, tmp_path)


def test_mirrored_top_down_weights_converge_to_the_forward_transpose():
    # Kolen & Pollack (1994): equal rates and decays make B - W_out^T decay as exp(-eta lambda t)
    spec = _spec(seed=2, n_samples=60, decay=2.0, eta_output=30.0, eta_top_down=30.0)
    spec = MicrocircuitSpec(spec.rule, spec.weights, spec.inputs, spec.targets, np.ones(60), np.ones(60),
                            np.ones(60), sample_duration=STEPS * DT, settle_duration=SETTLE * DT, tau=3 * ms)
    res = _oracle(spec)
    before = np.linalg.norm(spec.weights["B"] - spec.weights["W_out"].T)
    after = np.linalg.norm(res["B"] - res["W_out"].T)
    n_learning_steps = 60 * (STEPS - SETTLE)
    assert after == pytest.approx(before * (1 - float(DT) * 30.0 * 2.0) ** n_learning_steps, rel=1e-9)


def test_negative_rates_and_decay_are_refused():
    with pytest.raises(SpecError, match="eta_top_down"):
        DendriticMicrocircuit(eta_top_down=-1 * Hz)
    with pytest.raises(SpecError, match="decay"):
        DendriticMicrocircuit(decay=-0.1)
