"""Fast/slow balanced network: target-system validation, rule parameters, analysis functions
(no simulation)."""

import numpy as np
import pytest
from brian2 import Hz, ms, second

from cortexlearn.analysis.balance import ei_correlation, ei_correlation_from_sums, mean_rate
from cortexlearn.analysis.decoding import nmse_power, window_nmse_power
from cortexlearn.analysis.spikes import cv_isi
from cortexlearn.circuits.balanced import BalancedConfig, LinearSystem, make_schedule, optimal_fast_weights, optimal_slow_weights, random_encoders
from cortexlearn.build.balanced import build_balanced_network
from cortexlearn.errors import SpecError, UnitError
from cortexlearn.rules.balanced import FastBalanceRule, SlowErrorRule


@pytest.mark.parametrize("a, match", [
    (np.array([[0.5, 0.0], [0.0, -1.0]]), "unstable"),
    (np.array([[0.0, -1.0], [1.0, 0.0]]), "unstable"),      # undamped: real part 0
    (np.array([[-1.0, 0.0, 0.0]]), "square"),
    (np.array([[np.nan, 0.0], [0.0, -1.0]]), "NaN"),
])
def test_bad_target_systems(a, match):
    with pytest.raises(SpecError, match=match):
        LinearSystem(a * Hz)


def test_target_system_needs_units():
    with pytest.raises(UnitError):
        LinearSystem(np.array([[-1.0]]))


def test_damped_oscillator_eigenvalues():
    s = LinearSystem.damped_oscillator(frequency=2 * Hz, damping=3 * Hz)
    eig = np.sort_complex(np.linalg.eigvals(s.matrix))
    np.testing.assert_allclose(eig, [-3 - 4j * np.pi, -3 + 4j * np.pi])


def test_integration_matches_the_analytic_step_response():
    s = LinearSystem(np.array([[-2.0, 0.0], [0.0, -5.0]]) * Hz)
    dt = 1 * ms
    c = np.tile([4.0, 10.0], (500, 1))
    x = s.integrate(c, dt)
    t = np.arange(500) * 1e-3
    np.testing.assert_allclose(x[:, 0], 2.0 * (1 - np.exp(-2 * t)), atol=1e-10)
    np.testing.assert_allclose(x[:, 1], 2.0 * (1 - np.exp(-5 * t)), atol=1e-10)


def test_wrong_dimension_is_refused():
    s2 = LinearSystem.damped_oscillator()
    s3 = LinearSystem(-np.eye(3) * Hz)
    sched = make_schedule(s3, 1, 10 * ms, 10 * ms)
    with pytest.raises(SpecError, match="dimensional"):
        build_balanced_network(BalancedConfig(n_neurons=4), s2, sched)
    with pytest.raises(SpecError, match=r"shape \(T, 2\)"):
        s2.integrate(np.zeros((10, 3)), 1 * ms)


def test_nan_initial_weights_refused():
    s = LinearSystem.damped_oscillator()
    sched = make_schedule(s, 1, 10 * ms, 10 * ms)
    bad = np.full((4, 4), np.nan)
    with pytest.raises(SpecError, match="initial_slow"):
        build_balanced_network(BalancedConfig(n_neurons=4), s, sched, initial_slow=bad)


def test_rule_and_config_validation():
    with pytest.raises(UnitError):
        SlowErrorRule(learning_rate=5 * Hz)
    with pytest.raises(SpecError):
        FastBalanceRule(learning_rate=-1e-3)
    with pytest.raises(SpecError):
        BalancedConfig(n_neurons=1)
    with pytest.raises(SpecError):
        BalancedConfig(fast="sometimes")
    cfg = BalancedConfig(encoder_norm=0.1)
    assert cfg.mu == pytest.approx(0.01) and cfg.threshold == pytest.approx(0.01)


def test_optimal_weights():
    rng = np.random.default_rng(0)
    f = random_encoders(8, 2, 0.1, rng)
    np.testing.assert_allclose(np.linalg.norm(f, axis=1), 0.1)
    wf = optimal_fast_weights(f)
    assert np.all(np.diag(wf) == 0)
    np.testing.assert_allclose(wf[1, 2], -f[1] @ f[2])
    s = LinearSystem.damped_oscillator()
    ws = optimal_slow_weights(f, s, 10 * Hz)
    np.testing.assert_allclose(ws, f @ (s.matrix + 10 * np.eye(2)) @ f.T)


def test_schedule_layout():
    s = LinearSystem.damped_oscillator()
    sched = make_schedule(s, 3, 20 * ms, 10 * ms, dt=1 * ms, learn_fast=True, fast_blocks=1,
                          fast_anneal=10 * ms)
    assert sched.command.shape == (100, 2)
    assert list(np.unique(sched.window)) == [-1, 0, 1, 2, 3]
    # same command before and after learning
    np.testing.assert_array_equal(sched.command[:10], sched.command[-10:])
    assert sched.feedback[sched.window >= 0].sum() == 0
    # fast learning only in the first block, annealed as 1/(1 + t/10 ms)
    np.testing.assert_allclose(sched.learn_fast[10:30], 1 / (1 + np.arange(20) / 10))
    assert sched.learn_fast[40:].sum() == 0


def test_slow_learning_rate_decays_over_learning_time():
    """``slow_anneal``: the slow gate is 1/(1 + t_learn/τ) with t_learn counting learning time
    only (test windows are skipped), so it continues across blocks; without it the gate is 1."""
    s = LinearSystem.damped_oscillator()
    sched = make_schedule(s, 2, 20 * ms, 10 * ms, dt=1 * ms, slow_anneal=10 * ms)
    gate = sched.learn_slow[sched.window < 0]
    np.testing.assert_allclose(gate, 1 / (1 + np.arange(40) / 10))
    assert sched.learn_slow[sched.window >= 0].sum() == 0
    plain = make_schedule(s, 2, 20 * ms, 10 * ms, dt=1 * ms)
    np.testing.assert_array_equal(plain.learn_slow[plain.window < 0], 1.0)


def test_nmse_and_windows():
    x = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, 0.0]])
    est = x + 0.5
    assert nmse_power(est, x) == pytest.approx(8 * 0.25 / 8)  # power 1 + 1 + 2 + 4
    got = window_nmse_power(est, x, np.array([0, 0, 1, -1]))
    assert set(got) == {0, 1}
    assert got[1] == pytest.approx(0.5 / 2)  # one sample: error 2 x 0.25, power 2
    assert got[0] == pytest.approx(1.0 / 2)
    with pytest.raises(SpecError):
        nmse_power(np.zeros(3), np.zeros(3))


def test_ei_correlation_from_sums_matches_direct():
    rng = np.random.default_rng(1)
    e = rng.uniform(0, 1, (500, 3))
    i = 0.7 * e + 0.1 * rng.normal(size=(500, 3))
    direct = ei_correlation(e, i)
    sums = (e.sum(0), i.sum(0), (e * e).sum(0), (i * i).sum(0), (e * i).sum(0), np.full(3, 500.0))
    np.testing.assert_allclose(ei_correlation_from_sums(*sums), direct, rtol=1e-9)
    np.testing.assert_allclose(direct, [np.corrcoef(e[:, k], i[:, k])[0, 1] for k in range(3)])


def test_cv_isi_regular_and_poisson():
    regular = np.arange(0, 10, 0.1)
    cv = cv_isi(np.zeros(regular.size, int), regular, 1)
    assert cv[0] == pytest.approx(0.0, abs=1e-9)
    rng = np.random.default_rng(2)
    poisson = np.cumsum(rng.exponential(0.05, 4000))
    assert cv_isi(np.zeros(poisson.size, int), poisson, 1)[0] == pytest.approx(1.0, abs=0.05)
    assert np.isnan(cv_isi(np.array([0]), np.array([1.0]), 2)).all()
    assert mean_rate(regular, 2, 0.0, 10.0) == pytest.approx(5.0)


def test_balance_segments_end_with_the_last_test_window():
    """The E/I correlation 'after learning' comes from the final test window: the monitor records
    every window length from t = 0 (never at t = T), so the last segment is read from the
    accumulators' final state. Synthetic sums: inhibition = 2 x excitation in the last window only."""
    from types import SimpleNamespace

    from brian2 import second

    from cortexlearn.models.bourdoukan_deneve_2015.session import read_balance

    s = LinearSystem.damped_oscillator()
    sched = make_schedule(s, 1, 20 * ms, 10 * ms, dt=1 * ms)  # windows: test 10, learn 20, test 10
    rng = np.random.default_rng(0)
    e = rng.uniform(0, 1, (sched.window.size, 2))
    i = rng.uniform(0, 1, (sched.window.size, 2))
    i[-10:] = 2 * e[-10:]
    cum = {name: np.cumsum(v, axis=0) for name, v in
           (("acc_e", e), ("acc_i", i), ("acc_ee", e * e), ("acc_ii", i * i), ("acc_ei", e * i),
            ("acc_n", np.ones_like(e)))}
    rec = np.arange(0, sched.window.size, 10)   # records at t = 0, 10, 20, 30 ms (after that step)
    monitor = SimpleNamespace(t=rec * 1e-3 * second, **{k: v[rec].T for k, v in cum.items()})
    group = SimpleNamespace(**{k: v[-1] for k, v in cum.items()})
    corr, seg_t, learning = read_balance(monitor, group, sched)
    np.testing.assert_allclose(seg_t, [0.01, 0.02, 0.03, 0.04])
    np.testing.assert_array_equal(learning, [0, 1, 1, 0])
    # the last segment holds steps 31-39 (step 30 went to the record at 30 ms)
    np.testing.assert_allclose(corr[:, -1], 1.0)
    assert np.all(np.abs(corr[:, 1]) < 0.9)
