"""The output error carried by two rectified, Dale-compliant error populations (numpy target, tiny
networks, deterministic input spikes): every weight moves exactly as the NumPy reference of the
signed-error circuit under feedback alignment and direct feedback alignment (one and two hidden
layers); the error units' activities are non-negative, every unit has one sign, and the
magnitudes of its synapses are non-negative."""

import dataclasses

import numpy as np
import pytest

from cortexlearn.build.error_populations import KINDS, population_magnitudes
from cortexlearn.build.feedforward import build_feedforward
from cortexlearn.circuits.feedforward_session import run_session
from cortexlearn.simulation import Simulation
from test_spiking_credit_rules import compare, rule_for, tiny_session


@pytest.mark.parametrize("hidden, dale", [((5,), True), ((5, 4), False)])
def test_error_populations_learn_as_the_signed_error(hidden, dale):
    # (two hidden layers with Dale's law: the tiny session's second layer stays silent)
    cfg, rs, params = tiny_session(hidden=hidden, dale=dale)
    compare(dataclasses.replace(cfg, error_populations=True), rs, params,
            ("feedback_alignment", "direct_feedback_alignment"))


def test_error_units_are_rectified_and_dale():
    cfg, rs, params = tiny_session(n_train=4)
    cfg = dataclasses.replace(cfg, error_populations=True)
    with Simulation(target="numpy", seed=0) as sim:
        net = build_feedforward(cfg, rule_for("feedback_alignment"), rs, params, chunk_trials=2)
        units = net.groups["error_units"]
        run_session(net, sim, stop_after=1)  # the first chunk: training trials, errors present
        seen = np.array(units.act[:])
        assert np.all(seen >= 0) and np.any(seen > 0)
        n = cfg.n_outputs
        np.testing.assert_array_equal(units.s[:], np.repeat([s for _, s in KINDS], n))
        # the positive and negative populations carry the two halves of one signed error
        d = np.array(net.groups["output"].d_rule[:])
        e = np.array(units.act[:]).reshape(4, n)
        np.testing.assert_allclose(e[0] - e[2], d)
        np.testing.assert_array_equal(e[0], e[1])
        for name in ("efa", "edfa1"):
            m = np.array(net.feedback[name].m[:])
            assert np.all(m >= 0) and np.any(m > 0)


def test_magnitudes_rebuild_the_signed_matrix():
    F = np.array([[0.5, -0.2], [0.0, 1.5]])  # outputs x targets
    n_out, n_t = F.shape
    uu, jj = np.meshgrid(np.arange(4 * n_out), np.arange(n_t), indexing="ij")
    index = (uu.ravel(), jj.ravel())
    m = population_magnitudes(F, index)
    assert np.all(m >= 0)
    sigma = np.array([k[0] for k in KINDS])[index[0] // n_out]
    sign = np.array([k[1] for k in KINDS])[index[0] // n_out]
    # the error e reaches target j as sum over kinds of s * m * max(sigma e, 0)
    for e in (np.array([1.3, -0.7]), np.array([-2.0, 0.4])):
        got = np.zeros(n_t)
        np.add.at(got, index[1], sign * m * np.maximum(sigma * e[index[0] % n_out], 0))
        np.testing.assert_allclose(got, F.T @ e)
