"""Pair STDP with lazy potentiation (``PairSTDP(potentiation="lazy")``) against the NumPy oracle.

The lazy form applies the potentiations of postsynaptic spikes at the next presynaptic spike or
flush; its weights must equal the immediate rule's (the oracle) after a flush, and
:func:`lazy_weights` must give them at any time. Pre and post spikes share steps, postsynaptic
neurons fire in bursts between presynaptic spikes, and the amplitudes hit both bounds.
"""

import numpy as np
import pytest
from brian2 import ms

from cortexlearn import Simulation
from cortexlearn.build.plasticity import spike_train_network
from cortexlearn.errors import SpecError
from cortexlearn.reference import stdp as ref
from cortexlearn.rules.stdp import PairSTDP, lazy_weights

DT = 0.1e-3
INTERVAL = 5  # ms: 40 flushes in the 200-ms run
PRE_STEPS = [[100, 300, 520, 900, 1200, 1210, 1700],
             [50, 400, 405, 1000, 1500],
             [250, 260, 270, 800, 1300, 1305, 1310, 1900]]
POST_STEPS = [[150, 300, 310, 320, 700, 1200, 1210, 1650],
              [280, 285, 290, 600, 1100, 1306, 1307, 1950]]
SOURCES = np.repeat(np.arange(3), 2)
TARGETS = np.tile(np.arange(2), 3)
W0 = np.array([0.5, 0.1, 0.9, 0.02, 0.6, 0.98])


def _rule(pairing="all_to_all"):
    return PairSTDP(a_plus=0.6, a_minus=0.35, w_max=1.0, traces="neuron", pairing=pairing,
                    potentiation="lazy", lazy_interval=INTERVAL * ms)


def _oracle(rule, until_step=None):
    cut = (lambda steps: [[s for s in tr if s <= until_step] for tr in steps]) if until_step else (lambda s: s)
    return ref.final_weights(ref.pair_stdp, cut(PRE_STEPS), cut(POST_STEPS), SOURCES, TARGETS, W0, dt=DT,
                             **rule.reference_parameters())


def _run(target, rule, duration_ms, tmp_path=None):
    trains = lambda steps: [[s * DT for s in tr] for tr in steps]  # noqa: E731
    directory = str(tmp_path / "lazy") if tmp_path is not None else None
    with Simulation(target=target, seed=1, dt=DT * 1e3 * ms, directory=directory) as sim:
        built = spike_train_network(rule, trains(PRE_STEPS), trains(POST_STEPS), sources=SOURCES,
                                    targets=TARGETS, w0=W0)
        sim.run(built.network, duration_ms * ms, namespace=built.namespace)
        syn = built["synapses"]
        order = np.lexsort((np.asarray(syn.j[:]), np.asarray(syn.i[:])))
        return np.asarray(syn.w[:])[order], lazy_weights(syn, rule)[order]


@pytest.mark.parametrize("target", [
    "numpy",
    pytest.param("cython", marks=[pytest.mark.cython, pytest.mark.slow]),
    pytest.param("cpp_standalone", marks=[pytest.mark.standalone, pytest.mark.slow]),
])
def test_lazy_potentiation_equals_the_immediate_rule_after_a_flush(target, tmp_path):
    rule = _rule()
    # 200 ms + one step: the flush at 200 ms has run, nothing is pending
    w, w_now = _run(target, rule, 200.1, tmp_path if target != "numpy" else None)
    want = _oracle(rule)
    np.testing.assert_allclose(w, want, rtol=0, atol=1e-9)
    np.testing.assert_allclose(w_now, want, rtol=0, atol=1e-9)
    assert np.max(np.abs(want - W0)) > 0.2 and want.min() == 0.0  # moved, lower bound hit
    # the upper bound was hit on the way: without it (w_max = 10, same scale) the weights differ
    unbounded = ref.final_weights(ref.pair_stdp, PRE_STEPS, POST_STEPS, SOURCES, TARGETS, W0, dt=DT,
                                  **{**rule.reference_parameters(), "w_max": 10.0})
    assert np.max(unbounded - want) > 0.1


def test_lazy_weights_between_flushes_and_nearest_pairing():
    # the run ends 3.3 ms into an interval, after post spikes that have no later pre spike
    rule = _rule()
    w, w_now = _run("numpy", rule, 196.3)
    want = _oracle(rule, until_step=1962)
    np.testing.assert_allclose(w_now, want, rtol=0, atol=1e-9)
    assert np.max(np.abs(w - want)) > 1e-3  # potentiation of post 1's spike at 195.0 ms is pending
    nearest = _rule("nearest")
    _, w_near = _run("numpy", nearest, 200.1)
    np.testing.assert_allclose(w_near, _oracle(nearest), rtol=0, atol=1e-9)


def test_lazy_and_immediate_rules_drive_the_same_spikes():
    # neurons driven through their plastic synapses: the transmitted weight includes the pending
    # potentiation, so both forms fire at the same times and end with the same weights
    from cortexlearn.build.plasticity import shared_input_network

    out = {}
    for mode in ("immediate", "lazy"):
        rule = PairSTDP(tau_plus=20 * ms, tau_minus=20 * ms, a_plus=0.05, a_minus=0.0525, w_max=0.06,
                        traces="neuron", potentiation=mode, lazy_interval=10 * ms)
        with Simulation(target="numpy", seed=3) as sim:
            built = shared_input_network(rule, n_inputs=200, n_neurons=3, g_max=0.06, name=f"s_{mode}")
            sim.run(built.network, 300.1 * ms)
            spikes = built["spikes"]
            out[mode] = (np.array(spikes.t[:] / ms), np.array(spikes.i[:]), np.array(built["synapses"].w[:]))
    t_imm, i_imm, w_imm = out["immediate"]
    t_lazy, i_lazy, w_lazy = out["lazy"]
    assert len(t_imm) > 20
    np.testing.assert_array_equal(i_lazy, i_imm)
    np.testing.assert_allclose(t_lazy, t_imm, rtol=0, atol=1e-9)
    np.testing.assert_allclose(w_lazy, w_imm, rtol=0, atol=1e-12)
    assert np.std(w_imm) > 1e-3  # the weights spread: STDP acted


def test_lazy_form_refuses_what_it_cannot_do():
    with pytest.raises(SpecError, match="traces='neuron' and the additive rule"):
        PairSTDP(potentiation="lazy")
    with pytest.raises(SpecError, match="traces='neuron' and the additive rule"):
        PairSTDP(traces="neuron", weight_dependence="multiplicative", potentiation="lazy")
    with pytest.raises(SpecError, match="potentiation must be"):
        PairSTDP(traces="neuron", potentiation="later")
    with pytest.raises(SpecError, match="lazy_interval"):
        PairSTDP(traces="neuron", potentiation="lazy", lazy_interval=0 * ms)
