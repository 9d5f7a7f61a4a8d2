"""A dendritic delay on a plastic projection, on numpy, cython and cpp_standalone, against the
NumPy oracle.

``Projection(delay=d, delay_site="dendritic")`` puts the whole delay on the dendrite, the
convention of NEST's ``stdp_synapse`` (Morrison, Diesmann & Gerstner 2008, Biol Cybern 98:459):
the rule sees a presynaptic spike at ``t_pre`` and a postsynaptic one at ``t_post + d``, so a
pair counts at ``Δt = t_post + d - t_pre``; the potential still changes ``d`` after the
presynaptic spike. With an axonal delay the rule sees ``t_post - (t_pre + d)`` (per-synapse
traces), ``2 d`` apart.

One small circuit per target: ``N`` presynaptic and ``N`` postsynaptic ``lif_delta`` neurons,
each made to fire at given steps by a spike source with a supra-threshold static synapse, and
four plastic projections neuron ``k`` → neuron ``k``. The final weights are compared with
:func:`cortexlearn.reference.stdp.pair_stdp` fed with the recorded spike steps, the
postsynaptic ones shifted by ``d`` (dendritic) or the presynaptic ones (axonal); single pairs
also with the window itself (:func:`~cortexlearn.reference.stdp.pair_window`).
"""

import numpy as np
import pytest
from brian2 import mV, ms

from cortexlearn import Simulation
from cortexlearn.build import build
from cortexlearn.errors import SpecError
from cortexlearn.neurons import lif_delta
from cortexlearn.reference import stdp as ref
from cortexlearn.rules.stdp import PairSTDP
from cortexlearn.specs import Circuit, Connectivity, Population, Projection, SpikeSource

DT = 0.1e-3
DELAY_STEPS = 15  # d = 1.5 ms, the delay of the plastic Brunel network
DURATION = 100 * ms
# Steps at which the spike sources fire; each neuron fires one step later (the static synapse
# adds to v after the threshold of its step). Pairs 0-3 are single pairs: Δt_dendritic = +1.5 ms,
# +0.5 ms (depression with no delay or an axonal one), 0 (counts as pre-before-post), -0.5 ms.
PRE_STEPS = [[100], [200], [300], [400], [100, 250, 420, 600, 640], [50, 500]]
POST_STEPS = [[100], [190], [285], [380], [120, 240, 400, 615, 700], [30, 520, 900]]
N = len(PRE_STEPS)
W0 = np.array([0.5, 0.5, 0.5, 0.5, 0.3, 0.7])  # mV; pairs 0-3 equal for the window check

ADDITIVE = dict(a_plus=0.3, a_minus=0.25, w_max=1 * mV)
RULES = {
    "dendritic_neuron": (PairSTDP(**ADDITIVE, traces="neuron"), "dendritic"),
    "dendritic_synapse": (PairSTDP(**ADDITIVE, traces="synapse"), "dendritic"),
    "dendritic_multiplicative": (PairSTDP(a_plus=0.4, a_minus=0.5, w_max=1 * mV, traces="neuron",
                                          weight_dependence="multiplicative"), "dendritic"),
    "axonal_synapse": (PairSTDP(**ADDITIVE, traces="synapse"), "axonal"),
}


def _source(name, steps):
    indices = np.concatenate([[k] * len(s) for k, s in enumerate(steps)]).astype(int)
    times = np.concatenate([np.asarray(s, dtype=float) for s in steps]) * DT * 1e3 * ms
    return SpikeSource(name, N, indices, times)


def circuit():
    neuron = lif_delta()
    diag = Connectivity.explicit(np.arange(N), np.arange(N))
    forcing = [Projection(f"drive_{p}", p, Connectivity.one_to_one(), 30 * mV, name=f"force_{p}")
               for p in ("pre", "post")]
    plastic = [Projection("pre", "post", diag, W0 * mV, delay=DELAY_STEPS * DT * 1e3 * ms, rule=rule,
                          delay_site=site, name=label) for label, (rule, site) in RULES.items()]
    return Circuit("dendritic_delay", (Population("pre", N, neuron), Population("post", N, neuron)),
                   tuple(forcing + plastic), sources=(_source("drive_pre", PRE_STEPS),
                                                      _source("drive_post", POST_STEPS)))


@pytest.fixture(scope="module", params=[
    "numpy",
    pytest.param("cython", marks=[pytest.mark.cython, pytest.mark.slow]),
    pytest.param("cpp_standalone", marks=[pytest.mark.standalone, pytest.mark.slow]),
])
def run(request, tmp_path_factory):
    """Final weights (mV, by presynaptic index) per projection and the recorded spike steps."""
    directory = str(tmp_path_factory.mktemp("dendritic")) if request.param == "cpp_standalone" else None
    with Simulation(target=request.param, seed=1, dt=DT * 1e3 * ms, directory=directory) as sim:
        built = build(circuit(), record_spikes=("pre", "post"))
        sim.run(built.network, DURATION)
        weights = {}
        for label in RULES:
            syn = built.synapses[label]
            weights[label] = np.asarray(syn.w[:] / mV)[np.argsort(np.asarray(syn.i[:]))]
        steps = {}
        for name in ("pre", "post"):
            mon = built.spike_monitors[name]
            i, t = np.asarray(mon.i[:]), np.asarray(mon.t[:] / ms) / (DT * 1e3)
            steps[name] = [sorted(int(round(s)) for s in t[i == k]) for k in range(N)]
    return weights, steps


def _oracle(label, pre, post):
    rule, site = RULES[label]
    params = {k: (v * 1e3 if k in ("w_max", "scale") else v) for k, v in rule.reference_parameters().items()}
    shift = (lambda s: [x + DELAY_STEPS for x in s])
    return np.array([ref.pair_stdp(shift(pre[k]) if site == "axonal" else pre[k],
                                   shift(post[k]) if site == "dendritic" else post[k], DT, W0[k], **params)
                     for k in range(N)])


def test_neurons_fire_where_forced(run):
    _, steps = run
    assert steps["pre"] == [[s + 1 for s in tr] for tr in PRE_STEPS]
    assert steps["post"] == [[s + 1 for s in tr if (s + 1) * DT < float(DURATION)] for tr in POST_STEPS]


@pytest.mark.parametrize("label", list(RULES))
def test_weights_match_oracle(run, label):
    weights, steps = run
    np.testing.assert_allclose(weights[label], _oracle(label, steps["pre"], steps["post"]), rtol=0, atol=1e-9)


def test_single_pairs_follow_the_window_at_t_post_plus_d(run):
    """Δw of a lone pair is the window at ``t_post + d - t_pre`` (dendritic), at
    ``t_post - t_pre - d`` (axonal): the two differ by ``2 d``."""
    weights, _ = run
    pre = np.array([PRE_STEPS[k][0] for k in range(4)])
    post = np.array([POST_STEPS[k][0] for k in range(4)])
    d = DELAY_STEPS
    for label, shift in (("dendritic_neuron", d), ("dendritic_synapse", d), ("axonal_synapse", -d)):
        window = ref.pair_window((post - pre + shift) * DT, 0.3, 0.25, 16.8e-3, 33.7e-3)
        np.testing.assert_allclose(weights[label][:4] - W0[:4], window, rtol=0, atol=1e-9)
    # pair 1 (post 1 ms before pre) potentiates with the dendritic delay, depresses with the axonal one
    assert weights["dendritic_neuron"][1] > W0[1] > weights["axonal_synapse"][1]


def test_unsupported_combinations_are_refused():
    lazy = PairSTDP(w_max=1 * mV, traces="neuron", potentiation="lazy")
    neuron = lif_delta()
    pops = (Population("a", 2, neuron), Population("b", 2, neuron))
    with pytest.raises(SpecError, match="delay_site"):
        Projection("a", "b", Connectivity.all_to_all(), 0.1 * mV, delay_site="somatic")
    with Simulation(target="numpy", seed=1):
        proj = Projection("a", "b", Connectivity.all_to_all(), 0.1 * mV, delay=1 * ms, rule=lazy,
                          delay_site="dendritic")
        with pytest.raises(SpecError, match="lazy"):
            build(Circuit("lazy_dendritic", pops, (proj,)))
        rule = PairSTDP(w_max=1 * mV, traces="neuron")
        two = tuple(Projection("a", "b", Connectivity.all_to_all(), 0.1 * mV, delay=d * ms, rule=rule,
                               delay_site="dendritic", name=f"p{d}") for d in (1, 2))
        with pytest.raises(SpecError, match="dendritic delays"):
            build(Circuit("two_delays", pops, two))


def test_default_site_keeps_the_digest():
    base = dict(pre="a", post="b", connectivity=Connectivity.all_to_all(), weight=0.1 * mV, delay=1 * ms)
    assert Projection(**base) == Projection(**base, delay_site="axonal")
    assert Projection(**base) != Projection(**base, delay_site="dendritic")
