"""What the credit rules achieve at small scale (the mechanisms the models rely on), with seeds
fixed so that the numbers are reproducible."""

import numpy as np
import pytest

from cortexlearn.datasets import linear_teacher, load_digits
from cortexlearn.reference.mlp import MLP
from cortexlearn.reference.training import train


@pytest.fixture(scope="module")
def teacher():
    return linear_teacher(seed=0, n_train=1000, n_test=200)


def _teacher_run(data, rule, epochs=15):
    net = MLP((30, 20, 10), activation="linear", output="linear", seed=0)
    return train(net, rule, data, epochs=epochs, batch_size=50, learning_rate=1e-2, seed=0)


def test_feedback_alignment_learns_the_linear_teacher_and_aligns(teacher):
    # Lillicrap et al. 2016, Fig. 2: FA approaches BP's error, readout-only learning cannot (a fixed
    # random 20-d hidden layer cannot represent the 10 x 30 teacher), and W comes to align with B.
    fa, shallow = _teacher_run(teacher, "fa"), _teacher_run(teacher, "shallow")
    assert fa.test_loss[-1] < 0.2 * shallow.test_loss[-1]
    assert fa.angles[-1, 0] < 60.0                 # hidden update within 60 deg of the gradient
    assert fa.alignment[-1, 0] < fa.alignment[0, 0] - 10.0   # W_1 rotates toward B


def test_sign_symmetry_with_batch_norm_learns_digits():
    data = load_digits(seed=0)
    accuracy = {}
    for rule in ("ss", "shallow"):
        net = MLP((64, 50, 10), activation="relu", batch_norm=True, seed=0)
        accuracy[rule] = train(net, rule, data, epochs=5, learning_rate=1e-2, seed=0,
                               diagnostics=False).test_accuracy[-1]
    assert accuracy["ss"] > 0.9 and accuracy["ss"] > accuracy["shallow"]


def test_label_conditioned_synthetic_gradients_beat_unconditioned_ones():
    data = load_digits(seed=0)
    accuracy = {}
    for conditioned in (True, False):
        from cortexlearn.reference.synthetic import SyntheticGradients

        net = MLP((64, 50, 50, 10), activation="tanh", seed=0)
        rule = SyntheticGradients(conditioned=conditioned, learning_rate=1e-2)
        hist = train(net, rule, data, epochs=5, learning_rate=3e-3, seed=0)
        accuracy[conditioned] = hist.test_accuracy[-1]
        assert rule.modules[0].last_error >= 0
    # Measured: conditioned 0.82 after 5 epochs (seed 0).
    assert accuracy[True] > 0.75 and accuracy[True] > accuracy[False]
