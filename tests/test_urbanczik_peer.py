"""The dendritic prediction rule and neuron against an independent simulator: NEST 3.10's
``pp_cond_exp_mc_urbanczik`` with ``urbanczik_synapse`` (the set-up of NEST's
``urbanczik_synapse_example.py``), fed the same input spike trains.

The soma fires at random, so two simulators (or two seeds) produce different somatic spike
trains and hence different weights. The comparison is therefore split where it is exact:
the dendritic potential, which does not depend on the soma's spikes, and the somatic potential,
which NEST does not reset, are compared directly (Brian2 circuit vs NEST); the weights are compared given NEST's somatic spikes, through the NumPy oracle, which
equals the Brian2 synapse code on numpy, cython and cpp_standalone (``test_urbanczik_rule.py``).
Target: relative L2 difference of the final weights <= 5 %.

Needs the ``peers`` extra (``nest-simulator``); skipped without it.
"""

import importlib

import numpy as np
import pytest
from brian2 import ms

nest = pytest.importorskip("nest")

from cortexlearn import Simulation  # noqa: E402
from cortexlearn.build import build  # noqa: E402
from cortexlearn.reference import urbanczik as ref  # noqa: E402
from cortexlearn.registry import get_model  # noqa: E402

model = importlib.import_module("cortexlearn.models.urbanczik_senn_2014")
peer = importlib.import_module("cortexlearn.models.urbanczik_senn_2014.peer")
DT_MS = 0.1
#: spike generator -> parrot -> neuron, 0.1 ms each: an input spike at step k of the pattern
#: reaches the dendrite in NEST's step k + 2, which is Brian2's step k + 1 (Brian2 adds a
#: spike's current after the step's integration)
SHIFT = 1


def _params(**overrides):
    return get_model("urbanczik_senn_2014").resolve(overrides)


def test_potentials_equal_nest():
    """Without learning, Brian2's dendrite (RK4) equals NEST's (adaptive RKF45) on the same input,
    and so does the soma, which NEST does not reset after a spike: in the first repetition
    (no teacher) and in the second, where the teacher's conductances drive it (cortexlearn: a
    sine low-pass filtered in continuous time; NEST: one conductance kick per step)."""
    params = _params(n_learning=1, n_free=1, eta=0.0)
    index, steps = model.input_pattern(params, 0)
    nest_out = peer.nest_run(params, index, steps, seed=0, eta=0.0)
    spec = model.circuit(params, index, steps, shift_steps=SHIFT)
    n_total = model.schedule(params)[0]
    with Simulation("numpy", seed=0) as sim:
        built = build(spec, record_state={"neuron": ("v_d", "v")}, record_spikes=False)
        sim.run(built.network, n_total * params["pattern_duration"] + DT_MS * ms, namespace=built.namespace)
        t = np.array(built.state_monitors["neuron"].t[:])
        v_d = np.array(built.state_monitors["neuron"].v_d[0])
        v_s = np.array(built.state_monitors["neuron"].v[0])
    steps_b = np.round(t / 1e-4).astype(int)
    steps_n = np.round(nest_out.times_ms / DT_MS).astype(int)
    common, ib, i_n = np.intersect1d(steps_b, steps_n, return_indices=True)
    assert common.size > 0.99 * steps_n.size
    # measured: 1.2e-7 mV; NEST's solver tolerance (1e-3 absolute on its adaptive steps) bounds it
    np.testing.assert_allclose(v_d[ib] * 1e3, nest_out.v_d_mV[i_n], rtol=0, atol=1e-4)
    assert np.ptp(nest_out.v_d_mV) > 5  # the input moves the dendrite by several mV
    period = int(round(float(params["pattern_duration"] / ms) / DT_MS))
    free, taught = common < period, (common >= period) & (common < 2 * period)
    diff = v_s[ib] * 1e3 - nest_out.v_s_mV[i_n]
    # measured: 8e-6 mV without the teacher; with it 0.12 mV at most, -0.03 mV on average
    # (kicks vs continuous conductance, whose steady states _KICKS equates)
    assert np.abs(diff[free]).max() < 1e-3
    assert np.abs(diff[taught]).max() < 0.3 and abs(diff[taught].mean()) < 0.1
    assert nest_out.v_s_mV[i_n][taught].mean() - nest_out.v_s_mV[i_n][free].mean() < -1  # the teacher acts


@pytest.mark.slow
def test_weights_agree_with_nest_given_the_same_somatic_spikes():
    """Final weights after 10 repetitions with the teacher (NEST's eta = 0.17, tau_Delta = 100 ms):
    NEST vs the rule given NEST's own somatic spike train."""
    params = _params(n_learning=10)
    index, steps = model.input_pattern(params, 0)
    nest_out = peer.nest_run(params, index, steps, seed=0, eta=0.17)
    w_nest, spikes_ms = nest_out.weights_pA, nest_out.spike_times_ms
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


def _cortexlearn_packed(params, seeds, scale_eta: float = 1.0):
    """The model's neuron, rule and protocol for several seeds at once: one neuron per seed, each
    with its own input pattern (one Brian2 network on numpy). Returns, per seed, the RMS error per
    repetition (volt) and the somatic rate (Hz)."""
    import dataclasses

    from cortexlearn.specs import Circuit, Connectivity, Population, Projection, SpikeSource

    n, n_total = int(params["n_inputs"]), model.schedule(params)[0]
    period = int(round(float(params["pattern_duration"] / ms) / DT_MS))
    index, steps = [], []
    for k, seed in enumerate(seeds):
        i, s = model.input_pattern(params, seed)
        index.append(np.tile(i + k * n, n_total))
        steps.append((s[None, :] + period * np.arange(n_total)[:, None]).ravel())
    neuron = model.neuron_model(params)
    rule = model.rule(params, neuron)
    rule = dataclasses.replace(rule, eta=rule.eta * scale_eta)
    n_in = n * len(seeds)
    spec = Circuit("urbanczik_seeds", populations=[Population("neuron", len(seeds), neuron)],
                   sources=[SpikeSource("inputs", n_in, np.concatenate(index), np.concatenate(steps) * DT_MS * ms)],
                   projections=[Projection("inputs", "neuron", Connectivity.explicit(np.arange(n_in), np.arange(n_in) // n),
                                           params["w_initial"], rule=rule, name="dendritic")])
    duration = n_total * params["pattern_duration"]
    with Simulation("numpy", seed=0) as sim:
        built = build(spec, record_state={"neuron": ("v_d",)}, state_dt=1 * ms)
        sim.run(built.network, duration, namespace=built.namespace)
        t = np.array(built.state_monitors["neuron"].t[:])
        v_d = np.array(built.state_monitors["neuron"].v_d[:])
        spikes = np.bincount(np.asarray(built.spike_monitors["neuron"].i[:]), minlength=len(seeds))
    rmse = [model.repetition_errors(params, t, v_d[k])[0] for k in range(len(seeds))]
    return rmse, spikes / float(duration / ms) * 1e3


def _agree(a, b, k: float = 3.0) -> bool:
    """Means of two samples (one value per seed) within ``k`` standard errors of their difference."""
    a, b = np.asarray(a), np.asarray(b)
    return abs(a.mean() - b.mean()) <= k * np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)


SEEDS = tuple(range(8))


def _learning_statistics(rmse, rate):
    """Per seed: error reduction to the held-out repetition, to the mean of the teacher's
    repetitions, and the somatic rate."""
    rmse = np.asarray(rmse)
    return rmse[:, 0] / rmse[:, -1], rmse[:, 0] / rmse[:, 1:-1].mean(axis=1), np.asarray(rate)


@pytest.mark.slow
def test_learning_agrees_with_nest_over_seeds():
    """Each simulator with its own somatic spikes, on a short protocol (4 repetitions with the
    teacher): the error reductions and the soma's rate agree within their spread over seeds 0-7
    (3 standard errors of the difference of the means)."""
    params = _params(n_learning=4, n_free=1)
    nest_runs = [peer.nest_metrics(params, seed) for seed in SEEDS]
    nest_stats = _learning_statistics([np.asarray(m["rmse_mV"]) * 1e-3 for m in nest_runs],
                                      [m["soma_rate_hz"] for m in nest_runs])
    ours = _learning_statistics(*_cortexlearn_packed(params, SEEDS))
    assert np.all(nest_stats[0] > 1.2)  # both learn
    # measured (mean +- sd over seeds, cortexlearn vs NEST): held-out 1.58 +- 0.13 vs 1.63 +- 0.05,
    # teacher's repetitions 1.27 +- 0.05 vs 1.29 +- 0.02, rate 58.6 +- 7.5 vs 57.6 +- 8.3 Hz (1.2, 1.2
    # and 0.3 standard errors apart); cortexlearn with 0.6 eta fails by 6.5 and 5.9, without its dead
    # time the rate fails by 4.7
    for name, a, b in zip(("held-out reduction", "reduction over the teacher's repetitions", "soma rate"),
                          ours, nest_stats):
        assert _agree(a, b), f"{name}: cortexlearn {a.mean():.3f} +- {a.std(ddof=1):.3f}, NEST {b.mean():.3f} +- {b.std(ddof=1):.3f}"
