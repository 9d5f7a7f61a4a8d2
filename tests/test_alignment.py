"""Angle functions against closed forms."""

import numpy as np
import pytest

from cortexlearn.analysis.alignment import angle, angles_per_row, mean_and_interval, weight_feedback_angle
from cortexlearn.errors import SpecError


def test_angle_closed_forms():
    assert angle([1.0, 0.0], [0.0, 2.0]) == pytest.approx(90.0)
    assert angle([1.0, 1.0], [-3.0, -3.0]) == pytest.approx(180.0)
    assert angle(np.eye(2), 2 * np.eye(2)) == pytest.approx(0.0)      # matrices as flat vectors
    assert angle([1.0, 0.0], [1.0, np.sqrt(3.0)]) == pytest.approx(60.0)
    assert np.isnan(angle([0.0, 0.0], [1.0, 0.0]))
    assert weight_feedback_angle([[1.0, 0.0]], [[0.0, -1.0]]) == pytest.approx(90.0)


def test_angles_per_row_and_random_vectors_are_near_orthogonal():
    rows = angles_per_row(np.array([[1.0, 0.0], [0.0, 0.0]]), np.array([[1.0, 1.0], [1.0, 0.0]]))
    assert rows[0] == pytest.approx(45.0) and np.isnan(rows[1])
    rng = np.random.default_rng(0)
    # Independent Gaussian vectors in 10,000 dimensions: cos ~ N(0, 1/n), angle 90 deg +- ~0.6 deg.
    assert abs(angle(rng.standard_normal(10_000), rng.standard_normal(10_000)) - 90) < 2.5


def test_bad_input():
    with pytest.raises(SpecError, match="shapes differ"):
        angle([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(SpecError, match="non-finite"):
        angle([np.nan, 1.0], [1.0, 1.0])


def test_mean_and_interval_is_the_student_t_interval():
    x = np.array([[1.0, 10.0], [2.0, 10.0], [3.0, 10.0]])
    mean, half = mean_and_interval(x, axis=0)
    np.testing.assert_allclose(mean, [2.0, 10.0])
    # t(0.975, 2) = 4.302652..., sem = 1 / sqrt(3)
    np.testing.assert_allclose(half, [4.302652729749464 / np.sqrt(3), 0.0], rtol=1e-9)
    assert np.isnan(mean_and_interval(np.array([5.0]))[1])
