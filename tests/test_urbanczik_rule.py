"""The dendritic prediction rule (Urbanczik & Senn 2014) on numpy, cython and cpp_standalone
against its NumPy oracle (:mod:`cortexlearn.reference.urbanczik`).

Deterministic input spikes onto one two-compartment neuron with a somatic teacher; the soma's
spikes are random, so the oracle takes the spike train each target produced. A large learning
rate drives some weights to both bounds (the drift beyond a bound is kept, as in NEST).
"""

import numpy as np
import pytest
from brian2 import mV, ms, nS, pA, second

from cortexlearn import Simulation
from cortexlearn.build import build
from cortexlearn.errors import SpecError, UnitError
from cortexlearn.neurons import lif_current, urbanczik_senn
from cortexlearn.reference import urbanczik as ref
from cortexlearn.rules.urbanczik import DendriticPrediction, nest_learning_rate
from cortexlearn.specs import Circuit, Connectivity, Population, Projection, SpikeSource

DT = 1e-4
DURATION = 0.4  # s
N_INPUTS = 12
#: 5 nS of coupling and 400 pA of initial weight make the dendrite move the soma by several mV
W0 = np.linspace(50, 600, N_INPUTS)


def _inputs():
    rng = np.random.default_rng(7)
    steps = np.sort(rng.choice(int(DURATION / DT) - 10, size=150, replace=False))
    return rng.integers(0, N_INPUTS, size=steps.size), steps


def _neuron():
    return urbanczik_senn(g_E0=150 * nS, g_E1=120 * nS, g_I0=500 * nS, f_teach=10 * 1e0 / second,
                          t_teach_off=DURATION * second)


def _rule(neuron):
    # 200x NEST's example rate: weights reach both bounds within 0.4 s
    return DendriticPrediction.for_neuron(neuron, eta=200 * nest_learning_rate(0.17, 10 * ms, 3 * ms),
                                          w_max=700 * pA, w_min=20 * pA)


def _circuit():
    neuron = _neuron()
    index, steps = _inputs()
    return Circuit("dendritic_prediction", populations=[Population("nrn", 1, neuron)],
                   sources=[SpikeSource("inp", N_INPUTS, index, steps * DT * second)],
                   projections=[Projection("inp", "nrn", Connectivity.explicit(np.arange(N_INPUTS),
                                                                               np.zeros(N_INPUTS, int)),
                                           W0 * pA, rule=_rule(neuron))])


def _neuron_floats(neuron):
    return {k: float(v) for k, v in neuron.parameters.items()}


@pytest.fixture(params=[
    "numpy",
    pytest.param("cython", marks=[pytest.mark.cython, pytest.mark.slow]),
    pytest.param("cpp_standalone", marks=[pytest.mark.standalone, pytest.mark.slow]),
])
def run(request):
    circuit = _circuit()
    with Simulation(request.param, seed=3) as sim:
        built = build(circuit, record_state={"nrn": ("v_d",)})
        sim.run(built.network, DURATION * second, namespace=built.namespace)
        syn = built.synapses["inp_to_nrn"]
        w = np.asarray(syn.w[:])[np.argsort(np.asarray(syn.i[:]))]
        post = np.round(np.asarray(built.spike_monitors["nrn"].t[:]) / DT).astype(int)
        v_d = np.array(built.state_monitors["nrn"].v_d[0])
    return w, post, v_d


def test_weights_match_oracle(run):
    w, post, v_d = run
    neuron = _neuron()
    index, steps = _inputs()
    rule = _rule(neuron)
    w_ref, v_ref = ref.simulate(index, steps, post, int(round(DURATION / DT)), W0 * 1e-12,
                                rule.reference_parameters(), _neuron_floats(neuron), dt=DT, record_every=1)
    assert post.size > 10, "the soma must fire for the spike term to be tested"
    # the learning moved the weights, to both bounds
    assert np.max(np.abs(w_ref - W0 * 1e-12)) > 100e-12
    assert np.isclose(w_ref.min(), 20e-12) and np.isclose(w_ref.max(), 700e-12)
    # a StateMonitor samples at the start of a step, the oracle after the step's update
    np.testing.assert_allclose(v_d[1:], v_ref[:-1], rtol=0, atol=1e-9)
    np.testing.assert_allclose(w, w_ref, rtol=0, atol=1e-9 * 700e-12)


def test_teacher_free_weights_follow_only_the_prediction():
    """Without somatic spikes the rule is pure depression of active inputs: -phi(V*) h(V*) PSP < 0."""
    neuron = _neuron()
    index, steps = _inputs()
    rule = DendriticPrediction.for_neuron(neuron, eta=nest_learning_rate(0.17, 10 * ms, 3 * ms))
    w = ref.simulate(index, steps, [], int(round(DURATION / DT)), W0 * 1e-12,
                     rule.reference_parameters(), _neuron_floats(neuron), dt=DT)
    active = np.unique(index)
    assert np.all(w[active] < W0[active] * 1e-12)


def test_validation():
    with pytest.raises(SpecError):
        DendriticPrediction(tau_L=3 * ms, tau_s=3 * ms)
    with pytest.raises(SpecError):
        DendriticPrediction(w_min=-1 * pA)
    with pytest.raises(UnitError):
        DendriticPrediction(eta=1 * pA)
    with pytest.raises(SpecError):
        DendriticPrediction.for_neuron(lif_current())
    assert float(DendriticPrediction.for_neuron(urbanczik_senn()).tau_L) == pytest.approx(10e-3)
    assert float(nest_learning_rate(0.17, 10 * ms, 3 * ms) / (pA * mV)) == pytest.approx(225 * 0.17 * 30 / 7)
