"""The COBA circuit of the abstraction benchmark: Brette et al. (2007) Benchmark 1 numbers."""

from __future__ import annotations

import numpy as np
import pytest
from brian2 import mV, ms, nS, pF

from cortexlearn.circuits.coba import COBA_2005, coba_circuit, coba_connection_probability
from cortexlearn.build.coba import build_coba
from cortexlearn.errors import DaleViolation, SpecError


def test_the_benchmark_numbers():
    c = coba_circuit()
    e, i = c.population("E"), c.population("I")
    assert (e.n, i.n) == (3200, 800)  # 80 % / 20 % of 4,000 (Brette et al. 2007)
    assert (e.kind, i.kind) == ("E", "I")
    params = e.neuron.parameters
    assert params["C_m"] == 200 * pF and params["g_L"] == 10 * nS  # tau_m = 20 ms
    assert params["E_e"] == 0 * mV and params["E_i"] == -80 * mV
    assert params["tau_e"] == 5 * ms and params["tau_i"] == 10 * ms and params["tau_ref"] == 5 * ms
    projections = {p.name: p for p in c.projections}
    assert set(projections) == {"E_to_E", "E_to_I", "I_to_E", "I_to_I"}
    for name, proj in projections.items():
        assert proj.connectivity.p == pytest.approx(0.02)
        assert proj.weight == (6 * nS if name.startswith("E") else 67 * nS)


def test_in_degree_is_kept_when_scaling():
    # 2 % of 4,000 = 80 inputs per neuron at every size
    for n in (1000, 4000, 16000, 128000):
        assert coba_connection_probability(n) * n == pytest.approx(80)
    assert coba_connection_probability(40) == 1.0
    assert coba_circuit(1000, connection_probability=0.5).projections[0].connectivity.p == 0.5


def test_bad_input_is_refused():
    with pytest.raises(SpecError):
        coba_circuit(1)
    with pytest.raises(SpecError):
        coba_circuit(100, excitatory_fraction=1.0)
    with pytest.raises(SpecError):
        coba_circuit(100, connection_probability=1.5)
    with pytest.raises(DaleViolation):
        coba_circuit(100, w_i=-67 * nS)


@pytest.mark.parametrize("fuse", [True, False])
def test_build_on_numpy_gives_the_expected_connectivity_and_state(fuse):
    from cortexlearn import Simulation

    with Simulation(target="numpy", seed=3):
        built = build_coba(400, fuse=fuse)
        n_syn = sum(len(s.i[:]) for s in built.synapses.values())
        if fuse:  # one Synapses per presynaptic population onto the whole group, no autapse
            assert sorted(built.synapses) == ["E_to_E_I", "I_to_E_I"]
            n_e = len(built.groups["E"])
            assert not np.any(built.synapses["E_to_E_I"].i[:] == built.synapses["E_to_E_I"].j[:])
            assert not np.any(built.synapses["I_to_E_I"].i[:] + n_e == built.synapses["I_to_E_I"].j[:])
        v = np.concatenate([built.groups[k].v[:] / mV for k in ("E", "I")])
        g_e = np.concatenate([built.groups[k].g_e[:] / nS for k in ("E", "I")])
    # all 400 x 400 ordered pairs but the 400 autapses (refused within a population), p = 80/400
    expected = (400 * 400 - 400) * 80 / 400
    assert abs(n_syn - expected) < 5 * np.sqrt(expected)
    assert v.min() >= COBA_2005["v_reset"] / mV and v.max() <= COBA_2005["v_threshold"] / mV
    assert abs(g_e.mean() - 40) < 4  # N(40, 15) nS initial conductances


def test_the_hand_written_baseline_simulates_the_same_spikes():
    """The abstraction benchmark compares code, not networks: with the same seed, cortexlearn's
    fused COBA and the hand-written one draw the same initial state and connectivity and give
    the same spike trains."""
    from benchmarks.networks import coba_handwritten
    from cortexlearn import Simulation

    with Simulation(target="numpy", seed=5) as sim:
        built = build_coba(300)
        sim.run(built.network, 100 * ms)
        n_e = len(built.groups["E"])
        ours = sorted((float(t / ms), int(i) + (0 if k == "E" else n_e))
                      for k, m in built.spike_monitors.items() for t, i in zip(m.t[:], m.i[:]))
        assert len(built.synapses["E_to_E_I"]) > 0
        n_syn = (len(built.synapses["E_to_E_I"]), len(built.synapses["I_to_E_I"]))
    with Simulation(target="numpy", seed=5):  # seeds Brian2 as the first block did
        net, objects = coba_handwritten(300)
        net.run(100 * ms)
        theirs = sorted((float(t / ms), int(i)) for t, i in zip(objects["spikes"].t[:],
                                                                 objects["spikes"].i[:]))
        assert (len(objects["ce"]), len(objects["ci"])) == n_syn
    assert len(ours) > 50
    assert ours == theirs
