"""Fast/slow balanced network in Brian2: cross-target agreement, balance invariants, learning."""

import numpy as np
import pytest
from brian2 import Hz, StateMonitor, ms, second

from cortexlearn.circuits.balanced import BalancedConfig, LinearSystem, make_schedule, optimal_slow_weights, random_encoders
from cortexlearn.build.balanced import build_balanced_network
from cortexlearn.rules.balanced import FastBalanceRule, SlowErrorRule
from cortexlearn.simulation import Simulation

SYSTEM = LinearSystem.damped_oscillator()


def _tiny_run(target):
    """4 neurons, no noise, both rules learning: deterministic on every target."""
    cfg = BalancedConfig(n_neurons=4, noise=0.0, fast="learned", fast_init=0.5,
                         slow_rule=SlowErrorRule(learning_rate=500.0 * Hz ** 2),
                         fast_rule=FastBalanceRule(learning_rate=0.05))
    sched = make_schedule(SYSTEM, 1, 40 * ms, 10 * ms, command_std=60 * Hz, learn_fast=True, seed=3)
    with Simulation(target=target, seed=1) as sim:
        net = build_balanced_network(cfg, SYSTEM, sched, seed=2, name="tiny")
        sim.run(net.network, sched.duration, namespace=net.namespace)
        # copies: the monitors' memory is released when the simulation closes
        return {"i": np.array(net.spikes.i[:], copy=True), "t": np.array(net.spikes.t[:] / ms, copy=True),
                "omega": np.array(net.fast.Omega[:], copy=True),
                "ws": np.array(net.slow.ws[:] / Hz, copy=True),
                "xhat": np.array(net.readout_monitor.xhat0[0], copy=True)}


@pytest.fixture(scope="module")
def numpy_reference():
    return _tiny_run("numpy")


def test_tiny_network_learns_and_spikes(numpy_reference):
    ref = numpy_reference
    assert ref["i"].size >= 5, "the deterministic test network must spike to test anything"
    assert np.any(ref["ws"] != 0), "slow weights must have changed"
    assert np.any(np.abs(ref["omega"]) > 0), "fast weights must be non-zero"


@pytest.mark.parametrize("target", [pytest.param("cython", marks=[pytest.mark.cython, pytest.mark.slow]),
                                    pytest.param("cpp_standalone", marks=[pytest.mark.standalone,
                                                                          pytest.mark.slow])])
def test_cross_target_agreement(numpy_reference, target):
    got = _tiny_run(target)
    ref = numpy_reference
    np.testing.assert_array_equal(got["i"], ref["i"])
    np.testing.assert_allclose(got["t"], ref["t"], atol=1e-9)
    np.testing.assert_allclose(got["omega"], ref["omega"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(got["ws"], ref["ws"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(got["xhat"], ref["xhat"], rtol=1e-9, atol=1e-12)


def test_membrane_potentials_bounded_by_threshold_structure():
    """With optimal weights V_i = F_i·(x - x̂) - μ r_i: after each step's resets no neuron stays
    above threshold θ (one spike per step suffices), and the voltage never falls far below -θ
    (the error stays inside the polytope of thresholds). Without fast connections the same network
    loses that bound: opposite neurons are not inhibited and voltages swing far (control)."""
    n = 10
    sched = make_schedule(SYSTEM, 1, 200 * ms, 100 * ms, seed=5)
    enc = random_encoders(n, 2, 0.1, np.random.default_rng(5))
    lows = {}
    for fast in ("optimal", "none"):
        cfg = BalancedConfig(n_neurons=n, fast=fast, slow_rule=SlowErrorRule(learning_rate=0 * Hz ** 2))
        with Simulation(target="numpy", seed=4) as sim:
            net = build_balanced_network(cfg, SYSTEM, sched, encoders=enc, name=f"bound_{fast}",
                                         initial_slow=optimal_slow_weights(enc, SYSTEM))
            mon = StateMonitor(net.neurons, "v", record=True, when="start", name=f"bound_{fast}_v")
            net.network.add(mon)
            sim.run(net.network, sched.duration, namespace=net.namespace)
            v = np.asarray(mon.v) / cfg.threshold
            spikes = net.spikes.num_spikes
        assert spikes > 20
        lows[fast] = v.min()
        if fast == "optimal":
            assert np.mean(v > 1.0) < 0.002
            assert v.max() < 2.0
            assert v.min() > -10.0
    # measured (seed 4): -8.3 θ with fast connections, -16.3 θ without
    assert lows["none"] < 1.5 * lows["optimal"], lows


@pytest.mark.slow
@pytest.mark.standalone
def test_ei_correlation_rises_while_fast_weights_learn():
    """Fast weights learnt from zero (voltage rule): E/I input correlation in the test window after
    learning exceeds the one before (no fast connections: E and I unrelated) by > 0.3."""
    from cortexlearn.models.bourdoukan_deneve_2015.session import run_sessions

    res = run_sessions(lambda s: Simulation(target="cpp_standalone", seed=s), [0], n_neurons=40,
                       fast="learned", n_blocks=3, learn_block=4 * second, test_block=1 * second,
                       fast_rate=3e-3)[0]
    before = res.metrics["ei_corr_before"]
    after = res.metrics["ei_corr_after"]
    assert after > before + 0.3, (before, after)
    assert res.metrics["fast_weight_corr"] > 0.8
    assert res.metrics["rate_after_hz"] < 50
