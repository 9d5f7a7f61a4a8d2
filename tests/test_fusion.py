"""build(circuit, fuse=True): fewer Brian2 objects, the same circuit.

The fused build must give exactly the spikes of the unfused one on deterministic input (fixed
spike times, all-to-all connectivity, fixed weights), on every target, while creating one group
and one Synapses per presynaptic population instead of one per population pair."""

from __future__ import annotations

import numpy as np
import pytest
from brian2 import ms, nS

from cortexlearn import Simulation
from cortexlearn.build import build, synapse_code
from cortexlearn.fusion import SubgroupSpikes, plan
from cortexlearn.neurons import lif_conductance
from cortexlearn.rules.stdp import PairSTDP
from cortexlearn.specs import Circuit, Connectivity, Population, Projection, SpikeSource


def _circuit(rule=None, i_params=None):
    rng = np.random.default_rng(11)
    n_in = 12
    slots = rng.choice(n_in * 1500, size=300, replace=False)
    src = SpikeSource("inp", n_in, slots % n_in, (slots // n_in) * 0.1 * ms, kind="E")
    neuron = lif_conductance()
    E = Population("E", 8, neuron, kind="E")
    I = Population("I", 3, neuron, kind="I", parameters=i_params or ())
    every = Connectivity.all_to_all()
    return Circuit("fusable", (E, I), (
        Projection("inp", "E", every, 4 * nS),
        Projection("inp", "I", every, 4 * nS),
        Projection("E", "E", every, 1 * nS, delay=1 * ms, rule=rule),
        Projection("E", "I", every, 1 * nS, delay=1 * ms),
        Projection("I", "E", every, 8 * nS, delay=0.5 * ms),
        Projection("I", "I", every, 8 * nS, delay=0.5 * ms),
    ), sources=(src,))


def _run(circuit, target, fuse):
    with Simulation(target, seed=0) as sim:
        built = build(circuit, fuse=fuse)
        sim.run(built.network, 150 * ms)
        spikes = {k: (np.array(m.i[:], copy=True), np.round(np.array(m.t[:] / ms), 6))
                  for k, m in built.spike_monitors.items()}
        sizes = {k: len(s) for k, s in built.synapses.items()}
        names = sorted(o.name for o in built.network.objects)
    return spikes, sizes, names


def _plan(c):
    return plan(c, lambda proj: synapse_code(proj, c.nodes[proj.pre].kind, c.nodes[proj.post]))


def test_plan_fuses_one_model_and_static_projections_from_one_node():
    p = _plan(_circuit())
    assert [g.members for g in p.groups] == [("E", "I")]
    assert p.groups[0].offsets == (0, 8) and p.groups[0].span(["I"]) == (8, 11)
    assert sorted(f.members for f in p.projections) == [("E_to_E", "E_to_I"), ("I_to_E", "I_to_I"),
                                                       ("inp_to_E", "inp_to_I")]
    # another parameter value is another model: nothing is fused
    p2 = _plan(_circuit(i_params={"tau_ref": 2 * ms}))
    assert p2.groups == () and p2.projections == ()
    # a plastic projection keeps its own Synapses (its weights are per synapse)
    p3 = _plan(_circuit(rule=PairSTDP()))
    assert all("E_to_E" not in f.members for f in p3.projections)
    assert any(f.members == ("I_to_E", "I_to_I") for f in p3.projections)


def test_fused_build_gives_the_same_spikes_with_half_the_objects():
    circuit = _circuit()
    plain, plain_sizes, plain_names = _run(circuit, "numpy", fuse=False)
    fused, fused_sizes, fused_names = _run(circuit, "numpy", fuse=True)
    assert plain["E"][0].size > 20 and plain["I"][0].size > 5  # the circuit is active
    for pop in ("E", "I"):
        np.testing.assert_array_equal(fused[pop][0], plain[pop][0])
        np.testing.assert_array_equal(fused[pop][1], plain[pop][1])
    # no autapse lost or added: 8*7 + 8*3 from E, 3*8 + 3*2 from I
    assert fused_sizes["E_to_E_I"] == plain_sizes["E_to_E"] + plain_sizes["E_to_I"] == 80
    assert fused_sizes["I_to_E_I"] == plain_sizes["I_to_E"] + plain_sizes["I_to_I"] == 30
    assert len(plain_names) == 11 and len(fused_names) == 6


@pytest.mark.standalone
def test_fused_build_is_the_same_on_standalone(tmp_path):
    circuit = _circuit()
    reference, _, _ = _run(circuit, "numpy", fuse=True)
    compiled, _, _ = _run(circuit, "cpp_standalone", fuse=True)
    for pop in ("E", "I"):
        np.testing.assert_array_equal(compiled[pop][0], reference[pop][0])
        np.testing.assert_allclose(compiled[pop][1], reference[pop][1], atol=1e-6)


def test_fused_projection_names_and_population_views():
    with Simulation("numpy", seed=0):
        built = build(_circuit(), fuse=True, record_spikes=("E",))
        assert built.groups["E"].name == "E" and len(built.groups["I"]) == 3
        with pytest.raises(KeyError, match="shares the Synapses 'E_to_E_I'"):
            built.synapses["E_to_E"]
        # only E recorded: a monitor of its own, not a view of a whole-group monitor
        assert not isinstance(built.spike_monitors["E"], SubgroupSpikes)
        # Dale's law: the fused inhibitory projection still subtracts through g_i
        assert "g_i_post += w" in str(built.synapses["I_to_E_I"].pre.code)
