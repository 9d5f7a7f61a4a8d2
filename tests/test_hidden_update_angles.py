"""Angles of a rule's hidden-unit updates and weight gradients to backprop's (Lillicrap et al.
2016, Fig. 2b), against the same angles written out by hand for a linear network."""

import numpy as np
import pytest

from cortexlearn.analysis.alignment import angle
from cortexlearn.reference.credit import Backprop, make_rule
from cortexlearn.reference.diagnostics import hidden_update_angles, update_angles
from cortexlearn.reference.mlp import MLP


def _setup(rule_name, seed=3):
    net = MLP((6, 5, 4), seed=seed, activation="linear", output="linear")
    rule = make_rule(rule_name)
    rule.setup(net, np.random.default_rng(seed))
    rng = np.random.default_rng(seed + 1)
    return net, rule, rng.normal(size=(8, 6)), rng.normal(size=(8, 4))


def test_feedback_alignment_angles_match_the_hand_written_ones():
    net, rule, x, t = _setup("feedback_alignment")
    weights, hidden = hidden_update_angles(net, rule, x, t)
    e = net.output_error(net.forward(x, train=True, update_stats=False), t)
    dh_fa, dh_bp = e @ rule.feedback_matrix(1, net).T, e @ net.weights[1].T   # linear units: f' = 1
    assert hidden[0] == pytest.approx(angle(dh_fa, dh_bp), abs=1e-9)
    assert weights[0] == pytest.approx(angle(x.T @ dh_fa, x.T @ dh_bp), abs=1e-9)
    assert 1.0 < hidden[0] < 179.0                 # random feedback: not the gradient's direction
    assert weights[0] != pytest.approx(hidden[0])  # two different measures
    np.testing.assert_array_equal(update_angles(net, rule, x, t), weights)


def test_backprop_angles_are_zero():
    net, _, x, t = _setup("feedback_alignment")
    weights, hidden = hidden_update_angles(net, Backprop(), x, t)
    np.testing.assert_allclose(np.r_[weights, hidden], 0.0, atol=1e-5)
