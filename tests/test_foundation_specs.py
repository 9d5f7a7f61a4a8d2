"""Specs: validation of populations, projections, drives and circuits (Dale's law is structural)."""

import numpy as np
import pytest
from brian2 import Hz, mV, ms, nS, second

from cortexlearn.errors import DaleViolation, SpecError, UnitError
from cortexlearn.neurons import lif_conductance, lif_delta
from cortexlearn.specs import Circuit, Connectivity, PoissonDrive, Population, Projection, SpikeSource


def _pops():
    return Population("E", 8, lif_delta(), kind="E"), Population("I", 2, lif_delta(), kind="I")


def test_negative_weight_is_a_dale_violation_naming_the_projection():
    with pytest.raises(DaleViolation, match="I_to_E.*non-negative magnitudes"):
        Projection("I", "E", Connectivity.probability(0.5), -1 * mV)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_weight_is_refused(bad):
    with pytest.raises(SpecError, match="E_to_I.*finite"):
        Projection("E", "I", Connectivity.probability(0.5), bad * mV)


def test_negative_weight_in_an_array_is_refused():
    conn = Connectivity.explicit([0, 1], [0, 0])
    with pytest.raises(DaleViolation, match="1 negative"):
        Projection("E", "I", conn, np.array([0.1, -0.1]) * mV)


@pytest.mark.parametrize("p", [-0.1, 1.5, np.nan])
def test_probability_outside_unit_interval(p):
    with pytest.raises(SpecError, match=r"\[0, 1\]"):
        Connectivity.probability(p)


@pytest.mark.parametrize("n", [0, -3, 2.5])
def test_empty_or_invalid_population(n):
    with pytest.raises(SpecError, match="positive integer"):
        Population("E", n, lif_delta())


def test_population_kind_must_be_e_or_i():
    with pytest.raises(SpecError, match="'E' or 'I'"):
        Population("X", 3, lif_delta(), kind="mixed")


def test_projection_between_unknown_populations():
    E, I = _pops()
    with pytest.raises(SpecError, match="'X' is not in circuit"):
        Circuit("c", (E, I), (Projection("E", "X", Connectivity.all_to_all(), 1 * mV),))


def test_negative_delay_and_wrong_delay_units():
    with pytest.raises(SpecError, match="delay must be finite and >= 0"):
        Projection("E", "I", Connectivity.all_to_all(), 1 * mV, delay=-1 * ms)
    with pytest.raises(UnitError, match="delay"):
        Projection("E", "I", Connectivity.all_to_all(), 1 * mV, delay=1 * mV)


def test_negative_rate_drive_and_unit_mismatch():
    with pytest.raises(SpecError, match="rate must be finite and >= 0"):
        PoissonDrive("d", "E", 10, -5 * Hz, 0.1 * mV)
    with pytest.raises(UnitError, match="rate"):
        PoissonDrive("d", "E", 10, 5 * ms, 0.1 * mV)


def test_fixed_indegree_larger_than_source_and_one_to_one_sizes():
    E, I = _pops()
    with pytest.raises(SpecError, match="in-degree 5 exceeds the 2"):
        Circuit("c", (E, I), (Projection("I", "E", Connectivity.fixed_indegree(5), 1 * mV),))
    with pytest.raises(SpecError, match="equal sizes"):
        Circuit("c", (E, I), (Projection("E", "I", Connectivity.one_to_one(), 1 * mV),))


def test_explicit_indices_out_of_range():
    E, I = _pops()
    with pytest.raises(SpecError, match="out of range"):
        Circuit("c", (E, I), (Projection("E", "I", Connectivity.explicit([0], [5]), 1 * mV),))


def test_neuron_parameter_units_and_values_are_checked():
    with pytest.raises(UnitError, match="tau_m"):
        lif_delta(tau_m=20 * mV)
    with pytest.raises(SpecError, match="tau_m must be > 0"):
        lif_delta(tau_m=-20 * ms)
    with pytest.raises(SpecError, match="no parameter"):
        lif_delta(tau_membrane=20 * ms)
    with pytest.raises(SpecError, match="v_threshold must exceed v_reset"):
        lif_delta(v_threshold=5 * mV)


def test_spike_source_validation():
    with pytest.raises(SpecError, match="indices must lie"):
        SpikeSource("s", 2, [0, 3], [1, 2] * ms)
    with pytest.raises(SpecError, match="finite and >= 0"):
        SpikeSource("s", 2, [0, 1], [1, -2] * ms)


def test_specs_are_frozen_hashable_and_compare_by_content():
    E, I = _pops()
    proj = Projection("E", "I", Connectivity.probability(0.2), 0.5 * mV)
    a = Circuit("c", (E, I), (proj,))
    b = Circuit("c", _pops(), (Projection("E", "I", Connectivity.probability(0.2), 0.5 * mV),))
    c = Circuit("c", _pops(), (Projection("E", "I", Connectivity.probability(0.2), 0.6 * mV),))
    assert a == b and hash(a) == hash(b)
    assert a != c
    assert len({a, b, c}) == 2
    with pytest.raises(Exception):
        a.name = "other"


def test_describe_renders_a_methods_table_with_signs():
    E, I = _pops()
    c = Circuit("c", (E, I), (Projection("E", "I", Connectivity.probability(0.2), 0.5 * mV),
                              Projection("I", "E", Connectivity.fixed_indegree(2), 2 * mV, delay=1 * ms)),
                drives=(PoissonDrive("ext", "E", 100, 10 * Hz, 0.1 * mV),))
    text = c.describe()
    assert "| E_to_I | E → I | + | random, p = 0.2 | 0.5*mV |" in text
    assert "| I_to_E | I → E | − | fixed in-degree 2 | 2*mV | 1*ms |" in text
    assert "dv/dt = -v / tau_m" in text
    assert "| ext | E | 100 | 10*Hz |" in text


def test_weight_units_checked_against_the_postsynaptic_model(tmp_path):
    from cortexlearn import Simulation
    from cortexlearn.build import build

    E = Population("E", 2, lif_conductance(), kind="E")
    c = Circuit("c", (E,), (Projection("E", "E", Connectivity.all_to_all(), 1 * mV),))
    with Simulation("numpy"):
        with pytest.raises(UnitError, match="E_to_E: weight .*lif_conductance"):
            build(c)
    ok = Circuit("c", (E,), (Projection("E", "E", Connectivity.all_to_all(), 1 * nS),))
    with Simulation("numpy") as sim:
        built = build(ok)
        assert len(built.synapses["E_to_E"]) == 2  # no autapses by default
        sim.run(built.network, 1 * ms)


def test_fixed_indegree_is_exact_and_target_independent():
    from cortexlearn import Simulation
    from cortexlearn.build import build

    E = Population("E", 30, lif_delta(), kind="E")
    c = Circuit("c", (E,), (Projection("E", "E", Connectivity.fixed_indegree(7), 0.1 * mV),))
    with Simulation("numpy"):
        b1 = build(c, connectivity_seed=3)
        i1, j1 = np.asarray(b1.synapses["E_to_E"].i[:]), np.asarray(b1.synapses["E_to_E"].j[:])
    with Simulation("numpy"):
        b2 = build(c, connectivity_seed=3)
        i2 = np.asarray(b2.synapses["E_to_E"].i[:])
    assert np.array_equal(i1, i2)
    assert np.all(np.bincount(j1, minlength=30) == 7)
    assert not np.any(i1 == j1)  # no autapses
    for j in range(30):
        assert len(set(i1[j1 == j])) == 7  # distinct sources
    # numbered by source, then target: a spike's synapses lie next to each other in memory
    assert np.all(np.diff(i1) >= 0)
    assert np.all(np.diff(j1)[np.diff(i1) == 0] > 0)


def test_names_are_unique_across_populations_and_projections():
    E, I = _pops()
    with pytest.raises(SpecError, match=r"repeated: \['E'\]"):
        Circuit("c", (E, I), (Projection("E", "I", Connectivity.all_to_all(), 1 * mV, name="E"),))
