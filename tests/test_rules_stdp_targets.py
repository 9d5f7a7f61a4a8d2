"""Every STDP-family rule on numpy, cython and cpp_standalone against the NumPy oracle.

Hand-made spike trains with simultaneous pre and post spikes, all pre-post pairs connected,
amplitudes large enough that the bounds are hit. To keep compilation cheap, ONE tiny network per
target holds every rule variant (one ``Synapses`` object each, sharing the spike sources), built
once by a module-scoped fixture; each test then compares one rule family with the oracle
(:mod:`cortexlearn.reference.stdp`) to 1e-9.

On Cython every distinct ``Synapses`` is a cold compile of several code objects, so the default
run compiles one variant of each rule class (``CYTHON_CORE``); a second Cython network, marked
``cython_extra`` (``pytest -m cython_extra``), holds the other variants. numpy and cpp_standalone
build every variant.
"""

import numpy as np
import pytest
from brian2 import mV, ms

from cortexlearn import Simulation
from cortexlearn.build.plasticity import spike_train_network
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

RULES = {
    "pair_additive": PairSTDP(a_plus=0.6, a_minus=0.35, w_max=1.0),
    "pair_multiplicative_nearest": PairSTDP(a_plus=0.4, a_minus=0.5, w_max=1.0,
                                            weight_dependence="multiplicative", pairing="nearest"),
    # the same rule with its traces kept on the neurons (one per neuron instead of per synapse)
    "pair_neuron_traces": PairSTDP(a_plus=0.6, a_minus=0.35, w_max=1.0, traces="neuron"),
    "triplet_all_to_all": TripletSTDP(a2_plus=0.05, a3_plus=0.3, a2_minus=0.3, a3_minus=0.1,
                                      tau_x=101 * ms, tau_y=114 * ms, w_max=1.0),
    "triplet_nearest": TripletSTDP.from_paper("hippocampal_nearest", a2_plus=0.2, a3_plus=0.3,
                                              a2_minus=0.25, a3_minus=0.05, w_max=1.0),
    "inhibitory": InhibitorySTDP(learning_rate=0.2, w_max=1.0),
    "derivative_rate": TemporalDerivativeRule(signal="rate", learning_rate=0.4, w_max=1.0),
    "derivative_voltage": TemporalDerivativeRule(signal="voltage", learning_rate=0.05, w_max=1.0,
                                                 v_scale=1 * mV),
}
KINDS = {"inhibitory": ("I", "E")}
#: One variant of each rule class: what the default run compiles with Cython.
CYTHON_CORE = ("pair_additive", "triplet_all_to_all", "inhibitory", "derivative_voltage")
#: Which variants each target's network holds.
NETWORK_RULES = {"numpy": tuple(RULES), "cython": CYTHON_CORE,
                 "cython_extra": tuple(k for k in RULES if k not in CYTHON_CORE),
                 "cpp_standalone": tuple(RULES)}


def _voltage():
    """A hand-made potential per postsynaptic neuron (mV): a random walk with a one-step jump."""
    n_steps = int(round(DURATION / DT))
    v = -70 + np.cumsum(np.random.default_rng(3).normal(0, 0.5, size=(n_steps, 2)), axis=0)
    v[1200] = -55.0
    return v


@pytest.fixture(scope="module", params=[
    "numpy",
    pytest.param("cython", marks=[pytest.mark.cython, pytest.mark.slow]),
    pytest.param("cython_extra", marks=[pytest.mark.cython, pytest.mark.cython_extra, pytest.mark.slow]),
    pytest.param("cpp_standalone", marks=[pytest.mark.standalone, pytest.mark.slow]),
])
def final_weights(request, tmp_path_factory):
    """Final weights of the rule variants held by one target's network, in (source, target) order."""
    labels = NETWORK_RULES[request.param]
    target = "cython" if request.param == "cython_extra" else request.param
    directory = str(tmp_path_factory.mktemp("stdp_build")) if target == "cpp_standalone" else None
    trains = lambda steps: [[s * DT for s in tr] for tr in steps]  # noqa: E731
    with Simulation(target=target, seed=1, dt=DT * 1e3 * ms, directory=directory) as sim:
        built = spike_train_network({k: RULES[k] for k in labels}, trains(PRE_STEPS), trains(POST_STEPS),
                                    sources=SOURCES, targets=TARGETS, w0=W0, kinds=KINDS,
                                    post_voltage=_voltage() * mV)
        sim.run(built.network, DURATION * 1e3 * ms, namespace=built.namespace)
        out = {}
        for label in labels:
            syn = built[f"synapses_{label}"]
            order = np.lexsort((np.asarray(syn.j[:]), np.asarray(syn.i[:])))
            out[label] = np.asarray(syn.w[:])[order]
    return out


def _held(final_weights, *labels):
    """The variants among ``labels`` that this target's network holds (skip when it holds none)."""
    held = [label for label in labels if label in final_weights]
    if not held:
        pytest.skip(f"this network holds none of {labels} (another Cython network compiles them)")
    return held


def _oracle(fn, label, **extra):
    return ref.final_weights(fn, PRE_STEPS, POST_STEPS, SOURCES, TARGETS, W0, dt=DT,
                             **RULES[label].reference_parameters(), **extra)


def test_pair_stdp_matches_oracle(final_weights):
    for label in _held(final_weights, "pair_additive", "pair_multiplicative_nearest", "pair_neuron_traces"):
        np.testing.assert_allclose(final_weights[label], _oracle(ref.pair_stdp, label), rtol=0, atol=1e-9)
    # clipping is exercised: without the upper bound (w_max = 10, same scale) the weights differ
    bounded = _oracle(ref.pair_stdp, "pair_additive")
    unbounded = ref.final_weights(ref.pair_stdp, PRE_STEPS, POST_STEPS, SOURCES, TARGETS, W0, dt=DT,
                                  **{**RULES["pair_additive"].reference_parameters(), "w_max": 10.0})
    assert np.any(np.abs(unbounded - bounded) > 1e-3) and unbounded.max() > 1.0


def test_triplet_stdp_matches_oracle(final_weights):
    for label in _held(final_weights, "triplet_all_to_all", "triplet_nearest"):
        np.testing.assert_allclose(final_weights[label], _oracle(ref.triplet_stdp, label), rtol=0, atol=1e-9)


def test_inhibitory_stdp_matches_oracle(final_weights):
    _held(final_weights, "inhibitory")
    np.testing.assert_allclose(final_weights["inhibitory"], _oracle(ref.inhibitory_stdp, "inhibitory"),
                               rtol=0, atol=1e-9)


def test_derivative_rules_match_oracle(final_weights):
    held = _held(final_weights, "derivative_rate", "derivative_voltage")
    # rate form: the pending continuous part is added at the last event; the oracle does the same
    if "derivative_rate" in held:
        np.testing.assert_allclose(final_weights["derivative_rate"],
                                   _oracle(ref.derivative_rate, "derivative_rate"), rtol=0, atol=1e-9)
    v = _voltage() * 1e-3
    params = RULES["derivative_voltage"].reference_parameters()
    want = np.array([ref.derivative_voltage(PRE_STEPS[i], v[:, j], v[0, j], DT, W0[k], **params)
                     for k, (i, j) in enumerate(zip(SOURCES, TARGETS))])
    if "derivative_voltage" in held:
        np.testing.assert_allclose(final_weights["derivative_voltage"], want, rtol=0, atol=1e-9)
    # the weights moved: the comparison is not between two unchanged arrays
    assert np.max(np.abs(want - W0)) > 0.05


def test_single_precision_agrees_to_1e_6():
    """float32 weights and traces (numpy target) stay within 1e-6 of the float64 oracle."""
    trains = lambda steps: [[s * DT for s in tr] for tr in steps]  # noqa: E731
    with Simulation(target="numpy", seed=1, dt=DT * 1e3 * ms, float_dtype=np.float32) as sim:
        built = spike_train_network(RULES, trains(PRE_STEPS), trains(POST_STEPS), sources=SOURCES,
                                    targets=TARGETS, w0=W0, kinds=KINDS, post_voltage=_voltage() * mV)
        sim.run(built.network, DURATION * 1e3 * ms, namespace=built.namespace)
        got = {}
        for label in RULES:
            syn = built[f"synapses_{label}"]
            order = np.lexsort((np.asarray(syn.j[:]), np.asarray(syn.i[:])))
            got[label] = np.asarray(syn.w[:])[order]
    assert got["pair_additive"].dtype == np.float32
    oracles = {"pair_additive": ref.pair_stdp, "pair_multiplicative_nearest": ref.pair_stdp,
               "pair_neuron_traces": ref.pair_stdp, "triplet_all_to_all": ref.triplet_stdp,
               "triplet_nearest": ref.triplet_stdp, "inhibitory": ref.inhibitory_stdp,
               "derivative_rate": ref.derivative_rate}
    for label, fn in oracles.items():
        np.testing.assert_allclose(got[label], _oracle(fn, label), rtol=0, atol=1e-6, err_msg=label)
    v = _voltage() * 1e-3
    params = RULES["derivative_voltage"].reference_parameters()
    want = np.array([ref.derivative_voltage(PRE_STEPS[i], v[:, j], v[0, j], DT, W0[k], **params)
                     for k, (i, j) in enumerate(zip(SOURCES, TARGETS))])
    np.testing.assert_allclose(got["derivative_voltage"], want, rtol=0, atol=1e-6)
