"""Dale's law and finiteness hold for every form a weight or value takes: a Quantity, an array, an
expression string, and ``run_args`` on runtime and standalone targets (including a per-synapse
array of the wrong length, which a compiled program would silently ignore)."""

import numpy as np
import pytest
from brian2 import Hz, ms, mV, second

from cortexlearn import Simulation
from cortexlearn.build import build
from cortexlearn.errors import DaleViolation, SpecError, UnitError
from cortexlearn.neurons import lif_delta
from cortexlearn.specs import Circuit, Connectivity, Population, Projection, expression_bounds


def _circuit(weight=0.2 * mV):
    e = Population("E", 8, lif_delta(), kind="E")
    i = Population("I", 4, lif_delta(), kind="I")
    return Circuit("trust", (e, i), (Projection("E", "I", Connectivity.all_to_all(), weight),
                                     Projection("I", "E", Connectivity.all_to_all(), 0.5 * mV)))


@pytest.mark.parametrize("expr", ["-0.5*mV", "randn()*mV", "(rand() - 0.5)*mV", "0.5*mV - i*0.1*mV",
                                  "w0*rand()", "nan*mV"])
def test_expression_weight_that_can_be_negative_is_refused(expr):
    with pytest.raises(DaleViolation, match=r"projection E_to_I: the weight expression .* can be negative"):
        Projection("E", "I", Connectivity.all_to_all(), expr)


@pytest.mark.parametrize("expr", ["0.5*mV + 0.1*mV*rand()", "0.2*mV*exp(randn())", "clip(randn(), 0, 1)*mV",
                                  "abs(randn())*mV", "0.1*mV*(i + 1)/N_pre"])
def test_bounded_expression_weight_is_accepted(expr):
    assert expression_bounds(expr)[0] >= 0
    Projection("E", "I", Connectivity.all_to_all(), expr)


def test_quantity_and_array_weights_use_the_same_check():
    with pytest.raises(DaleViolation, match="projection E_to_I: found 1 negative"):
        Projection("E", "I", Connectivity.explicit([0, 1], [0, 0]), np.array([0.1, -0.1]) * mV)
    with pytest.raises(SpecError, match="projection E_to_I: weights must be finite"):
        Projection("E", "I", Connectivity.all_to_all(), np.nan * mV)


def test_population_parameters_and_initial_values_are_checked():
    with pytest.raises(SpecError, match=r"population E: tau_m must be > 0"):
        Population("E", 4, lif_delta(), parameters={"tau_m": -20 * ms})
    with pytest.raises(SpecError, match=r"population E: the initial value of v must be finite"):
        Population("E", 4, lif_delta(), initial={"v": np.nan * mV})
    with pytest.raises(SpecError, match=r"population E: the initial value of v .* is not finite"):
        Population("E", 4, lif_delta(), initial={"v": "nan*mV"})


def _rerun_errors(sim, syn):
    n = len(syn)
    with pytest.raises(DaleViolation, match=r"run_args E_to_I.w: found .* negative"):
        sim.rerun(run_args={syn.w: -np.ones(n) * mV})
    with pytest.raises(SpecError, match=r"run_args E_to_I.w: weights must be finite"):
        sim.rerun(run_args={syn.w: np.full(n, np.nan) * mV})
    with pytest.raises(SpecError, match=rf"run_args E_to_I.w: {n + 3} values for {n} elements"):
        sim.rerun(run_args={syn.w: np.ones(n + 3) * mV})
    with pytest.raises(UnitError, match=r"run_args E_to_I.w: must have the dimensions"):
        sim.rerun(run_args={syn.w: np.ones(n) * Hz})
    with pytest.raises(SpecError, match="seed must be a non-negative integer"):
        sim.rerun(seed=-1)


def test_run_args_checked_on_numpy():
    with Simulation(target="numpy", seed=1) as sim:
        built = build(_circuit())
        syn = built.synapses["E_to_I"]
        n = len(syn)
        with pytest.raises(DaleViolation, match=r"run_args E_to_I.w"):
            sim.run(built.network, 1 * ms, run_args={syn.w: -np.ones(n) * mV})
        with pytest.raises(SpecError, match=r"run_args E_to_I.w: 5 values for 32 elements"):
            sim.run(built.network, 1 * ms, run_args={syn.w: np.ones(5) * mV})
        with pytest.raises(SpecError, match=r"duration must be > 0 and finite"):
            sim.run(built.network, np.inf * ms)
        assert sim.run(built.network, 1 * ms, run_args={syn.w: np.ones(n) * mV}).complete


@pytest.mark.standalone
def test_run_args_checked_on_cpp_standalone(tmp_path):
    with Simulation(target="cpp_standalone", seed=1, directory=str(tmp_path / "b"), build_cache=False) as sim:
        built = build(_circuit())
        syn = built.synapses["E_to_I"]
        # the first run: the program alone knows the number of synapses; a wrong length is an error
        with pytest.raises(SpecError, match=r"run_args E_to_I.w: 5 values for 32 synapses"):
            sim.run(built.network, 2 * ms, run_args={syn.w: np.ones(5) * mV})
        _rerun_errors(sim, syn)
        info = sim.rerun(run_args={syn.w: np.full(len(syn), 0.3) * mV})
        assert info.complete
        np.testing.assert_allclose(np.asarray(syn.w[:]), 0.3e-3)
