"""Every STDP-family rule on numpy, cython and cpp_standalone against the NumPy oracle.

One tiny network per rule family (hand-made spike trains with simultaneous pre and post spikes, all
pre-post pairs connected, amplitudes large enough that both bounds are hit), parametrised over the
targets. The oracle is :mod:`cortexlearn.reference.stdp`; agreement is required to 1e-9.
"""

import numpy as np
import pytest
from brian2 import ms, mV

from cortexlearn import Simulation
from cortexlearn.circuits.plasticity import spike_train_network
from cortexlearn.reference import stdp as ref
from cortexlearn.rules.derivative import TemporalDerivativeRule
from cortexlearn.rules.inhibitory import InhibitorySTDP
from cortexlearn.rules.stdp import PairSTDP
from cortexlearn.rules.triplet import TripletSTDP

DT = 0.1e-3
DURATION = 0.2  # s
# Spike steps (dt = 0.1 ms). Pre 0 and post 0 fire together at steps 300 and 1200 (simultaneous
# pairs); pre 2 fires in bursts that make triplets; post 1 fires twice in 0.5 ms.
PRE_STEPS = [[100, 300, 520, 900, 1200, 1210, 1700],
             [50, 400, 405, 1000, 1500],
             [250, 260, 270, 800, 1300, 1305, 1310, 1900]]
POST_STEPS = [[150, 300, 700, 1200, 1650],
              [280, 285, 600, 1100, 1306, 1950]]
SOURCES = np.repeat(np.arange(3), 2)
TARGETS = np.tile(np.arange(2), 3)
W0 = np.array([0.5, 0.1, 0.9, 0.02, 0.6, 0.98])

TARGET_PARAMS = [
    "numpy",
    pytest.param("cython", marks=[pytest.mark.cython, pytest.mark.slow]),
    pytest.param("cpp_standalone", marks=[pytest.mark.standalone, pytest.mark.slow]),
]


def _trains(steps):
    return [[s * DT for s in tr] for tr in steps]


def _run(rule, target, tmp_path, post_voltage=None):
    with Simulation(target=target, seed=1, dt=DT * 1e3 * ms,
                    directory=str(tmp_path / "build") if target == "cpp_standalone" else None) as sim:
        built = spike_train_network(rule, _trains(PRE_STEPS), _trains(POST_STEPS), sources=SOURCES,
                                    targets=TARGETS, w0=W0, post_voltage=post_voltage)
        sim.run(built.network, DURATION * 1e3 * ms, namespace=built.namespace)
        syn = built["synapses"]
        order = np.lexsort((np.asarray(syn.j[:]), np.asarray(syn.i[:])))
        return np.asarray(syn.w[:])[order]


def _oracle(fn, rule, **extra):
    return ref.final_weights(fn, PRE_STEPS, POST_STEPS, SOURCES, TARGETS, W0, dt=DT,
                             **rule.reference_parameters(), **extra)


PAIR_RULES = [
    PairSTDP(a_plus=0.6, a_minus=0.35, w_max=1.0),
    PairSTDP(a_plus=0.4, a_minus=0.5, w_max=1.0, weight_dependence="multiplicative", pairing="nearest"),
]


@pytest.mark.parametrize("target", TARGET_PARAMS)
def test_pair_stdp_matches_oracle(target, tmp_path):
    for k, rule in enumerate(PAIR_RULES):
        got = _run(rule, target, tmp_path / str(k))
        want = _oracle(ref.pair_stdp, rule)
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)
    # clipping is exercised: without the upper bound (w_max = 10, same scale) the weights differ
    want = _oracle(ref.pair_stdp, PAIR_RULES[0])
    unbounded = ref.final_weights(ref.pair_stdp, PRE_STEPS, POST_STEPS, SOURCES, TARGETS, W0, dt=DT,
                                  **{**PAIR_RULES[0].reference_parameters(), "w_max": 10.0})
    assert np.any(np.abs(unbounded - want) > 1e-3) and unbounded.max() > 1.0


@pytest.mark.parametrize("target", TARGET_PARAMS)
def test_triplet_stdp_matches_oracle(target, tmp_path):
    rules = [TripletSTDP(a2_plus=0.05, a3_plus=0.3, a2_minus=0.3, a3_minus=0.1, tau_x=101 * ms,
                         tau_y=114 * ms, w_max=1.0),
             TripletSTDP.from_paper("hippocampal_nearest", a2_plus=0.2, a3_plus=0.3, a2_minus=0.25,
                                    a3_minus=0.05, w_max=1.0)]
    for k, rule in enumerate(rules):
        got = _run(rule, target, tmp_path / str(k))
        np.testing.assert_allclose(got, _oracle(ref.triplet_stdp, rule), rtol=0, atol=1e-9)


@pytest.mark.parametrize("target", TARGET_PARAMS)
def test_inhibitory_stdp_matches_oracle(target, tmp_path):
    rule = InhibitorySTDP(learning_rate=0.2, w_max=1.0)
    got = _run_kind(rule, target, tmp_path)
    np.testing.assert_allclose(got, _oracle(ref.inhibitory_stdp, rule), rtol=0, atol=1e-9)


def _run_kind(rule, target, tmp_path):
    with Simulation(target=target, seed=1, dt=DT * 1e3 * ms,
                    directory=str(tmp_path / "build") if target == "cpp_standalone" else None) as sim:
        built = spike_train_network(rule, _trains(PRE_STEPS), _trains(POST_STEPS), sources=SOURCES,
                                    targets=TARGETS, w0=W0, pre_kind="I", post_kind="E")
        sim.run(built.network, DURATION * 1e3 * ms, namespace=built.namespace)
        syn = built["synapses"]
        order = np.lexsort((np.asarray(syn.j[:]), np.asarray(syn.i[:])))
        return np.asarray(syn.w[:])[order]


@pytest.mark.parametrize("target", TARGET_PARAMS)
def test_derivative_rules_match_oracle(target, tmp_path):
    # rate form: the pending continuous part is added at the last event; the oracle does the same
    rule = TemporalDerivativeRule(signal="rate", learning_rate=0.4, w_max=1.0)
    got = _run(rule, target, tmp_path / "rate")
    np.testing.assert_allclose(got, _oracle(ref.derivative_rate, rule), rtol=0, atol=1e-9)
    # voltage form: a hand-made potential per postsynaptic neuron, played by a TimedArray
    n_steps = int(round(DURATION / DT))
    rng = np.random.default_rng(3)
    v = -70 + np.cumsum(rng.normal(0, 0.5, size=(n_steps, 2)), axis=0)
    v[1200] = -55.0  # a jump up and back (spike-like) in one step
    vrule = TemporalDerivativeRule(signal="voltage", learning_rate=0.05, w_max=1.0, v_scale=1 * mV)
    got = _run(vrule, target, tmp_path / "voltage", post_voltage=v * mV)
    want = np.array([ref.derivative_voltage(PRE_STEPS[i], v[:, j] * 1e-3, v[0, j] * 1e-3, DT, W0[k],
                                            **vrule.reference_parameters())
                     for k, (i, j) in enumerate(zip(SOURCES, TARGETS))])
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)
