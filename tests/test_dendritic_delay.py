"""A dendritic delay on a plastic projection, on numpy, cython and cpp_standalone, against a
NumPy oracle of NEST's ``stdp_synapse``.

``Projection(delay=d, delay_site="dendritic")`` puts the whole delay on the dendrite, the
convention of NEST's ``stdp_synapse`` (Morrison, Diesmann & Gerstner 2008, Biol Cybern 98:459):
the rule sees a presynaptic spike at ``t_pre`` and a postsynaptic one at ``t_post + d``, so a
pair counts at ``Δt = t_post + d - t_pre``; the potential still changes ``d`` after the
presynaptic spike. With an axonal delay the rule sees ``t_post - (t_pre + d)`` (per-synapse
traces), ``2 d`` apart.

One small circuit per target: ``N`` presynaptic and ``N`` postsynaptic ``lif_delta`` neurons,
each made to fire at given steps by a spike source with a supra-threshold static synapse, and
plastic projections neuron ``k`` → neuron ``k``. The dendritic weights are compared with
:func:`nest_stdp`, a step-by-step re-implementation of the algorithm of NEST's
``stdp_synapse.h`` (``send``: facilitation for the postsynaptic spikes with ``t_last < t_post + d
<= t_pre``, then depression with the postsynaptic trace strictly before ``t_pre - d``), fed with
the recorded spike steps; the axonal ones with :func:`cortexlearn.reference.stdp.pair_stdp` on
presynaptic spikes shifted by ``d``; single pairs also with the window itself
(:func:`~cortexlearn.reference.stdp.pair_window`).
"""

import math

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
# +0.5 ms (depression with no delay or an axonal one), 0 (counts neither way, as in NEST),
# -0.5 ms. Pair 4 has a postsynaptic spike arriving in the step of a presynaptic one (585 + 15
# = 600) after earlier pairs, so that potentiation and depression meet in one step.
PRE_STEPS = [[100], [200], [300], [400], [100, 250, 420, 600, 640, 820], [50, 500]]
POST_STEPS = [[100], [190], [285], [380], [120, 240, 400, 560, 585, 700], [30, 520, 900]]
N = len(PRE_STEPS)
W0 = np.array([0.5, 0.5, 0.5, 0.5, 0.3, 0.7])  # mV; pairs 0-3 equal for the window check

ADDITIVE = dict(a_plus=0.3, a_minus=0.25, w_max=1 * mV)
RULES = {
    "dendritic_neuron": (PairSTDP(**ADDITIVE, traces="neuron"), "dendritic"),
    "dendritic_multiplicative": (PairSTDP(a_plus=0.2, a_minus=0.15, w_max=1 * mV, traces="neuron",
                                          weight_dependence="multiplicative"), "dendritic"),
    "axonal_synapse": (PairSTDP(**ADDITIVE, traces="synapse"), "axonal"),
}
#: The projections each target's circuit holds: on Cython every ``Synapses`` is a cold compile
#: of several code objects (four projections: 281 s on a loaded 2-core machine), so it builds
#: the additive dendritic form only; numpy and cpp_standalone build all.
TARGET_RULES = {"numpy": tuple(RULES), "cython": ("dendritic_neuron",), "cpp_standalone": tuple(RULES)}


def nest_stdp(pre, post, d, dt, w0, *, tau_plus, tau_minus, a_plus, a_minus, w_max, scale,
              weight_dependence="additive", pairing="all_to_all"):
    """Final weight of one synapse under NEST's ``stdp_synapse`` algorithm with dendritic delay
    ``d`` steps (all-to-all pairing), potentiations still pending at the end applied (the
    cortexlearn form applies them at arrival).

    At each presynaptic spike ``t``: for each postsynaptic spike with ``t_last < t_post + d <=
    t``, in order, ``w += A+ f+(w) K+ exp((t_last - (t_post + d))/τ+)`` (``K+``: the
    presynaptic trace just after ``t_last``); then ``w -= A- f-(w) y(t - d)`` with ``y`` summed
    over postsynaptic spikes strictly before ``t - d``; then ``K+ = K+ exp(-(t - t_last)/τ+) + 1``.
    """
    assert pairing == "all_to_all"
    f_plus = (lambda w: scale) if weight_dependence == "additive" else (lambda w: w_max - w)
    f_minus = (lambda w: scale) if weight_dependence == "additive" else (lambda w: w)
    clip = lambda w: min(max(w, 0.0), w_max)  # noqa: E731
    w, k_plus, last = float(w0), 0.0, 0.0
    arrivals = [(s + d) * dt for s in post]

    def facilitate(w, until):
        for a in arrivals:
            if last < a <= until:
                w = clip(w + a_plus * f_plus(w) * k_plus * math.exp((last - a) / tau_plus))
        return w

    for step in pre:
        t = step * dt
        w = facilitate(w, t)
        y = sum(math.exp(-(t - a) / tau_minus) for a in arrivals if a < t - 1e-12)
        w = clip(w - a_minus * f_minus(w) * y)
        k_plus = k_plus * math.exp(-(t - last) / tau_plus) + 1.0
        last = t
    return facilitate(w, math.inf)


def _source(name, steps):
    indices = np.concatenate([[k] * len(s) for k, s in enumerate(steps)]).astype(int)
    times = np.concatenate([np.asarray(s, dtype=float) for s in steps]) * DT * 1e3 * ms
    return SpikeSource(name, N, indices, times)


def circuit(labels=tuple(RULES)):
    neuron = lif_delta()
    diag = Connectivity.explicit(np.arange(N), np.arange(N))
    forcing = [Projection(f"drive_{p}", p, Connectivity.one_to_one(), 30 * mV, name=f"force_{p}")
               for p in ("pre", "post")]
    plastic = [Projection("pre", "post", diag, W0 * mV, delay=DELAY_STEPS * DT * 1e3 * ms, rule=rule,
                          delay_site=site, name=label) for label, (rule, site) in RULES.items() if label in labels]
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
        built = build(circuit(TARGET_RULES[request.param]), record_spikes=("pre", "post"))
        sim.run(built.network, DURATION)
        weights = {}
        for label in TARGET_RULES[request.param]:
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
    if site == "dendritic":
        return np.array([nest_stdp(pre[k], post[k], DELAY_STEPS, DT, W0[k], **params) for k in range(N)])
    return np.array([ref.pair_stdp([x + DELAY_STEPS for x in pre[k]], post[k], DT, W0[k], **params)
                     for k in range(N)])


def _held(weights, label):
    if label not in weights:
        pytest.skip(f"this target's circuit does not hold {label} (see TARGET_RULES)")
    return weights[label]


def test_neurons_fire_where_forced(run):
    _, steps = run
    assert steps["pre"] == [[s + 1 for s in tr] for tr in PRE_STEPS]
    assert steps["post"] == [[s + 1 for s in tr if (s + 1) * DT < float(DURATION)] for tr in POST_STEPS]


@pytest.mark.parametrize("label", list(RULES))
def test_weights_match_oracle(run, label):
    weights, steps = run
    np.testing.assert_allclose(_held(weights, label), _oracle(label, steps["pre"], steps["post"]), rtol=0, atol=1e-9)


def test_single_pairs_follow_the_window_at_t_post_plus_d(run):
    """Δw of a lone pair is the window at ``t_post + d - t_pre`` (dendritic; zero at 0, as in
    NEST), at ``t_post - t_pre - d`` (axonal): the two differ by ``2 d``."""
    weights, _ = run
    pre = np.array([PRE_STEPS[k][0] for k in range(4)])
    post = np.array([POST_STEPS[k][0] for k in range(4)])
    d = DELAY_STEPS
    for label, shift in (("dendritic_neuron", d), ("axonal_synapse", -d)):
        if label in weights:
            lag = (post - pre + shift) * DT
            window = ref.pair_window(lag, 0.3, 0.25, 16.8e-3, 33.7e-3)
            if label.startswith("dendritic"):
                window[lag == 0] = 0.0
            np.testing.assert_allclose(weights[label][:4] - W0[:4], window, rtol=0, atol=1e-9)
    # pair 1 (post 1 ms before pre) potentiates with the dendritic delay, depresses with the axonal one
    assert weights["dendritic_neuron"][1] > W0[1]
    assert weights["dendritic_neuron"][2] == pytest.approx(W0[2], abs=1e-12)
    if "axonal_synapse" in weights:
        assert weights["axonal_synapse"][1] < W0[1]


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
        per_synapse = Projection("a", "b", Connectivity.all_to_all(), 0.1 * mV, delay=1 * ms,
                                 rule=PairSTDP(w_max=1 * mV), delay_site="dendritic")
        with pytest.raises(SpecError, match="traces='neuron'"):
            build(Circuit("synapse_dendritic", pops, (per_synapse,)))
        rule = PairSTDP(w_max=1 * mV, traces="neuron")
        two = tuple(Projection("a", "b", Connectivity.all_to_all(), 0.1 * mV, delay=d * ms, rule=rule,
                               delay_site="dendritic", name=f"p{d}") for d in (1, 2))
        with pytest.raises(SpecError, match="dendritic delays"):
            build(Circuit("two_delays", pops, two))


def test_default_site_keeps_the_digest():
    base = dict(pre="a", post="b", connectivity=Connectivity.all_to_all(), weight=0.1 * mV, delay=1 * ms)
    assert Projection(**base) == Projection(**base, delay_site="axonal")
    assert Projection(**base) != Projection(**base, delay_site="dendritic")
