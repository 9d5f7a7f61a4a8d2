"""The dendritic prediction rule and neuron against an independent simulator: NEST 3.10's
``pp_cond_exp_mc_urbanczik`` with ``urbanczik_synapse`` (the set-up of NEST's
``urbanczik_synapse_example.py``), fed the same input spike trains.

The soma fires at random, so two simulators (or two seeds) produce different somatic spike
trains and hence different weights. The comparison is therefore split where it is exact:
the dendritic potential, which does not depend on the soma, is compared directly (Brian2 circuit
vs NEST); the weights are compared given NEST's somatic spikes, through the NumPy oracle, which
equals the Brian2 synapse code on numpy, cython and cpp_standalone (``test_urbanczik_rule.py``).
Target: relative L2 difference of the final weights <= 5 %.

Needs the ``peers`` extra (``nest-simulator``); skipped without it.
"""

import importlib

import numpy as np
import pytest
from brian2 import ms, second

nest = pytest.importorskip("nest")

from cortexlearn import Simulation  # noqa: E402
from cortexlearn.build import build  # noqa: E402
from cortexlearn.reference import urbanczik as ref  # noqa: E402
from cortexlearn.registry import get_model  # noqa: E402

model = importlib.import_module("cortexlearn.models.urbanczik_senn_2014")
DT_MS = 0.1
#: spike generator -> parrot -> neuron, 0.1 ms each: an input spike at step k of the pattern
#: reaches the dendrite in NEST's step k + 2, which is Brian2's step k + 1 (Brian2 adds a
#: spike's current after the step's integration)
SHIFT = 1


def _params(**overrides):
    return get_model("urbanczik_senn_2014").resolve(overrides)


def _nest_run(params, index, steps, seed: int, eta: float):
    """NEST's example set-up on the given pattern: final weights (pA), somatic spike times (ms),
    and the dendritic potential (times in ms, values in mV)."""
    n_total, on, off = model.schedule(params)
    period = float(params["pattern_duration"] / ms)
    n = int(params["n_inputs"])
    nest.ResetKernel()
    nest.resolution = DT_MS
    nest.rng_seed = seed + 1
    nest.local_num_threads = 1
    neuron = nest.Create("pp_cond_exp_mc_urbanczik", params={
        "t_ref": 3.0, "g_sp": 600.0, "phi_max": 0.15, "rate_slope": 0.5, "beta": 1.0 / 3.0, "theta": -55.0,
        "soma": {"V_m": -70.0, "C_m": 300.0, "E_L": -70.0, "g_L": 30.0, "E_ex": 0.0, "E_in": -75.0,
                 "tau_syn_ex": 3.0, "tau_syn_in": 3.0},
        "dendritic": {"V_m": -70.0, "C_m": 300.0, "E_L": -70.0, "g_L": 30.0, "tau_syn_ex": 3.0,
                      "tau_syn_in": 3.0}})
    receptors = nest.GetDefaults("pp_cond_exp_mc_urbanczik")["receptor_types"]
    total = n_total * period
    t_soma = np.round(np.arange(1, int(round(total / DT_MS))) * DT_MS, 1)
    gate = (t_soma >= on * period) & (t_soma < off * period)
    # the example's somatic teacher: one spike per step, weights 0.016 C sin + 0.018 C and 0.06 C
    kicks_e = np.where(gate, 4.8 * np.sin(2 * np.pi * (2.0 / period) * t_soma) + 5.4, 0.0)
    kicks_i = np.where(gate, 18.0, 0.0)
    for receptor, kicks in (("soma_exc", kicks_e), ("soma_inh", kicks_i)):
        gen = nest.Create("spike_generator", params={"spike_times": t_soma, "spike_weights": kicks})
        nest.Connect(gen, neuron, syn_spec={"receptor_type": receptors[receptor], "weight": 1.0,
                                            "delay": DT_MS})
    generators = nest.Create("spike_generator", n)
    parrots = nest.Create("parrot_neuron", n)
    all_steps = (steps[None, :] + int(round(period / DT_MS)) * np.arange(n_total)[:, None]).ravel()
    all_index = np.tile(index, n_total)
    for i in range(n):
        generators[i].spike_times = np.round(np.sort(all_steps[all_index == i]) * DT_MS, 1)
    nest.Connect(generators, parrots, "one_to_one", syn_spec={"delay": DT_MS})
    nest.Connect(parrots, neuron, syn_spec={
        "synapse_model": "urbanczik_synapse", "receptor_type": receptors["dendritic_exc"],
        "tau_Delta": 100.0, "eta": eta, "weight": 90.0, "Wmax": 1350.0, "delay": DT_MS})
    meter = nest.Create("multimeter", params={"record_from": ["V_m.p"], "interval": DT_MS})
    nest.Connect(meter, neuron)
    recorder = nest.Create("spike_recorder")
    nest.Connect(neuron, recorder)
    nest.Simulate(total + DT_MS)
    conns = nest.GetConnections(parrots, neuron)
    w = np.zeros(n)
    w[np.asarray(conns.source) - parrots[0].global_id] = np.asarray(conns.weight)
    events = meter.events
    order = np.argsort(events["times"])
    return (w, np.asarray(recorder.events["times"]), np.asarray(events["times"])[order],
            np.asarray(events["V_m.p"])[order])


def test_dendritic_potential_equals_nest():
    """Without learning, Brian2's dendrite (RK4) equals NEST's (adaptive RKF45) on the same input."""
    params = _params(n_learning=1, n_free=1, eta=0.0)
    index, steps = model.input_pattern(params, 0)
    _, _, t_nest, v_nest = _nest_run(params, index, steps, seed=0, eta=0.0)
    spec = model.circuit(params, index, steps, shift_steps=SHIFT)
    n_total = model.schedule(params)[0]
    with Simulation("numpy", seed=0) as sim:
        built = build(spec, record_state={"neuron": ("v_d",)}, record_spikes=False)
        sim.run(built.network, n_total * params["pattern_duration"] + DT_MS * ms, namespace=built.namespace)
        t = np.array(built.state_monitors["neuron"].t[:])
        v = np.array(built.state_monitors["neuron"].v_d[0])
    steps_b = np.round(t / 1e-4).astype(int)
    steps_n = np.round(t_nest / DT_MS).astype(int)
    common, ib, i_n = np.intersect1d(steps_b, steps_n, return_indices=True)
    assert common.size > 0.99 * steps_n.size
    # measured: 1.2e-7 mV; NEST's solver tolerance (1e-3 absolute on its adaptive steps) bounds it
    np.testing.assert_allclose(v[ib] * 1e3, v_nest[i_n], rtol=0, atol=1e-4)
    assert np.ptp(v_nest) > 5  # the input moves the dendrite by several mV


@pytest.mark.slow
def test_weights_agree_with_nest_given_the_same_somatic_spikes():
    """Final weights after 10 repetitions with the teacher (NEST's eta = 0.17, tau_Delta = 100 ms):
    NEST vs the rule given NEST's own somatic spike train."""
    params = _params(n_learning=10)
    index, steps = model.input_pattern(params, 0)
    w_nest, spikes_ms, _, _ = _nest_run(params, index, steps, seed=0, eta=0.17)
    n_total = model.schedule(params)[0]
    period_steps = int(round(float(params["pattern_duration"] / ms) / DT_MS))
    neuron = model.neuron_model(params)
    rule = model.rule(params, neuron)
    # NEST stamps a spike at the end of its step: Brian2's step of that spike is one earlier
    post = np.round(spikes_ms / DT_MS).astype(int) - 1
    all_steps = (steps[None, :] + SHIFT + period_steps * np.arange(n_total)[:, None]).ravel()
    w_rule = ref.simulate(np.tile(index, n_total), all_steps, post, n_total * period_steps + 1,
                          np.full(int(params["n_inputs"]), float(params["w_initial"])),
                          rule.reference_parameters(),
                          {k: float(v) for k, v in neuron.parameters.items()}) / 1e-12
    assert spikes_ms.size > 50
    assert np.linalg.norm(w_nest - 90.0) > 0.3 * np.linalg.norm(np.full(w_nest.size, 90.0))  # learning moved them
    relative = np.linalg.norm(w_nest - w_rule) / np.linalg.norm(w_nest)
    # measured: 0.0092 here (NEST seeds 1-2: 0.0064, 0.0078; 0.0099 and 0.0095 at 20 repetitions);
    # NEST pairs the dendritic potential with the PSP 0.2 ms later than the dendrite sees it
    assert relative <= 0.05
