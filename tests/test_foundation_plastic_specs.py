"""Learning rules declared on projections: built from specs, they match the NumPy oracle; a rule
on the wrong kind of projection is refused when the circuit is declared."""

import numpy as np
import pytest
from brian2 import mV, ms, nS

from cortexlearn import Simulation
from cortexlearn.build import build
from cortexlearn.errors import SpecError
from cortexlearn.neurons import lif_conductance, lif_delta
from cortexlearn.reference.stdp import pair_stdp
from cortexlearn.rules.inhibitory import InhibitorySTDP
from cortexlearn.rules.stdp import PairSTDP
from cortexlearn.specs import Circuit, Connectivity, Population, Projection, SpikeSource

DT = 1e-4


def _circuit(rule, w0):
    pre_steps = np.array([100, 300, 520, 700, 1000, 1230])
    drive_steps = np.array([150, 280, 600, 690, 1100, 1500])  # post spikes one step later
    return (Circuit(
        "plastic",
        (Population("post", 1, lif_delta(), kind="E"),),
        (Projection("pre", "post", Connectivity.all_to_all(), w0, rule=rule, name="plastic"),
         Projection("drive", "post", Connectivity.all_to_all(), 25 * mV, name="kick")),
        sources=(SpikeSource("pre", 1, np.zeros(pre_steps.size, int), pre_steps * DT * 1e3 * ms),
                 SpikeSource("drive", 1, np.zeros(drive_steps.size, int), drive_steps * DT * 1e3 * ms)),
    ), pre_steps)


@pytest.mark.parametrize("pairing", ["all_to_all", "nearest"])
def test_pair_stdp_declared_in_specs_matches_the_oracle(pairing):
    rule = PairSTDP(tau_plus=16.8 * ms, tau_minus=33.7 * ms, a_plus=0.05, a_minus=0.04,
                    w_max=2 * mV, pairing=pairing)
    circuit, pre_steps = _circuit(rule, 1 * mV)
    with Simulation("numpy") as sim:
        built = build(circuit)
        sim.run(built.network, 200 * ms)
        w = float(built.synapses["plastic"].w[0] / mV)
        post_steps = np.round(np.asarray(built.spike_monitors["post"].t[:]) / DT).astype(int)
    assert list(post_steps) == [151, 281, 601, 691, 1101, 1501]
    expected = pair_stdp(pre_steps, post_steps, DT, 1.0, tau_plus=16.8e-3, tau_minus=33.7e-3,
                         a_plus=0.05, a_minus=0.04, w_max=2.0, scale=2.0, pairing=pairing)
    assert w != pytest.approx(1.0)  # the rule acted
    assert w == pytest.approx(expected, abs=1e-9)


def test_rule_on_the_wrong_projection_kind_is_refused():
    E = Population("E", 2, lif_conductance(), kind="E")
    I = Population("I", 2, lif_conductance(), kind="I")
    rule = InhibitorySTDP(w_max=10 * nS)
    with pytest.raises(SpecError, match="InhibitorySTDP cannot attach to a E→E projection"):
        Circuit("c", (E, I), (Projection("E", "E", Connectivity.all_to_all(), 1 * nS, rule=rule),))
    Circuit("c", (E, I), (Projection("I", "E", Connectivity.all_to_all(), 1 * nS, rule=rule),))


def test_rule_weight_units_must_match_the_neuron():
    rule = PairSTDP(w_max=2 * nS)
    circuit, _ = _circuit(rule, 1 * mV)
    with Simulation("numpy"):
        with pytest.raises(Exception, match="nS|siemens|volt|V"):
            build(circuit)
