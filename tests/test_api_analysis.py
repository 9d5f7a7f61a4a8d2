"""One name and one argument order per quantity in ``cortexlearn.analysis``, checked against
direct computations (no simulation)."""

from __future__ import annotations

import numpy as np
import pytest

from cortexlearn.analysis.alignment import angle
from cortexlearn.analysis.decoding import nmse, nmse_power
from cortexlearn.analysis.learning import accuracy, correlation
from cortexlearn.analysis.spikes import cv_isi
from cortexlearn.analysis.stdp_window import fit_exponential_window, sign_agreement, zero_crossing
from cortexlearn.analysis.weights import bimodality_coefficient, fraction_near_bounds


def test_cv_isi_takes_indices_then_times_and_matches_a_direct_computation():
    rng = np.random.default_rng(0)
    times = np.concatenate([np.cumsum(rng.exponential(0.02, 60)), np.arange(40) * 0.03, [0.5, 0.9]])
    indices = np.concatenate([np.zeros(60, int), np.ones(40, int), [2, 2]])
    shuffle = rng.permutation(times.size)
    cv = cv_isi(indices[shuffle], times[shuffle], 4)
    isi = np.diff(np.sort(times[:60]))
    assert cv[0] == pytest.approx(isi.std() / isi.mean(), rel=1e-12)
    assert cv[1] == pytest.approx(0.0, abs=1e-9)
    assert np.isnan(cv[2]) and np.isnan(cv[3])  # 2 spikes (< 3) and none
    late = cv_isi(indices, times, 2, t_start=0.6, t_stop=np.inf, min_spikes=2)
    kept = np.diff(np.sort(times[:60][times[:60] >= 0.6]))
    assert late[0] == pytest.approx(kept.std() / kept.mean(), rel=1e-12)


def test_the_two_normalised_errors_differ_by_their_denominator():
    target = np.array([2.0, 4.0, 2.0, 4.0])  # mean 3, variance 1, power 40
    estimate = target + np.array([1.0, -1.0, 1.0, -1.0])
    assert nmse(estimate, target) == pytest.approx(1.0)  # squared error 1 per sample / variance 1
    assert nmse_power(estimate, target) == pytest.approx(4.0 / 40.0)
    assert nmse(np.full(4, 3.0), target) == pytest.approx(1.0)  # the mean scores 1


def test_window_and_weight_statistics():
    assert float(fraction_near_bounds([0.0, 0.05, 0.5, 0.95], 1.0)) == pytest.approx(0.75)
    np.testing.assert_allclose(fraction_near_bounds([[0.0, 1.0], [2.0, 2.0]], 2.0), [0.5, 1.0])
    bimodal = np.r_[np.zeros(50), np.ones(50)]
    assert bimodality_coefficient(bimodal) > 5 / 9 > bimodality_coefficient(np.linspace(0, 1, 100))
    lags = np.linspace(-40, 40, 81)
    window = np.sign(lags - 1.5) * np.exp(-np.abs(lags - 1.5) / 20)
    assert zero_crossing(lags, window) == pytest.approx(1.5, abs=0.5)
    assert sign_agreement(lags, window) == 1.0
    fit = fit_exponential_window(lags[lags != 0], np.sign(lags[lags != 0]) * 0.01 * np.exp(-np.abs(lags[lags != 0]) / 17))
    assert fit["tau_plus"] == pytest.approx(17.0, rel=1e-6) and fit["a_minus"] == pytest.approx(0.01, rel=1e-6)


def test_learning_measures():
    assert accuracy(np.eye(3)[[0, 1, 2, 0]], np.array([0, 1, 2, 1])) == 0.75
    assert correlation([1.0, 2.0, 3.0], [3.0, 2.0, 1.0]) == pytest.approx(-1.0)
    assert np.isnan(correlation([1.0, 1.0], [1.0, 2.0]))
    updates = {"w1": np.array([1.0, 0.0]), "w2": np.array([0.0])}
    truth = {"w1": np.array([1.0, 0.0]), "w2": np.array([1.0])}
    assert angle(updates, truth) == pytest.approx(45.0)
