"""Bad input to the STDP-family rules is refused with clear errors; weights stay in [0, w_max]."""

import numpy as np
import pytest
from brian2 import Hz, mV, ms, nS

from cortexlearn.errors import SpecError, UnitError
from cortexlearn.reference import stdp as ref
from cortexlearn.rules.derivative import TemporalDerivativeRule
from cortexlearn.rules.inhibitory import InhibitorySTDP
from cortexlearn.rules.stdp import PairSTDP
from cortexlearn.rules.triplet import PARAMETER_SETS, TripletSTDP


@pytest.mark.parametrize("pre, post", [("E", "E"), ("E", "I"), ("I", "I")])
def test_inhibitory_rule_refuses_other_projections(pre, post):
    with pytest.raises(SpecError, match=r"I→E only.*balances excitation"):
        InhibitorySTDP().check_projection(pre, post)
    InhibitorySTDP().check_projection("I", "E")


@pytest.mark.parametrize("rule", [PairSTDP(), TripletSTDP(), TemporalDerivativeRule()])
def test_excitatory_rules_refuse_inhibitory_presynaptic(rule):
    rule.check_projection("E", "E")
    rule.check_projection("E", "I")
    with pytest.raises(SpecError, match=r"cannot attach to a I→E projection.*InhibitorySTDP"):
        rule.check_projection("I", "E")
    with pytest.raises(SpecError, match="kind must be one of E, I"):
        rule.check_projection("X", "E")


def test_builder_refuses_wrong_projection():
    from cortexlearn.build.plasticity import balanced_network

    with pytest.raises(SpecError, match="PairSTDP cannot attach to a I→E"):
        balanced_network(PairSTDP(w_max=1 * nS), n_excitatory=4, n_inhibitory=2)


@pytest.mark.parametrize("kwargs, error, text", [
    (dict(w_max=0.0), SpecError, "w_max must be > 0"),
    (dict(w_max=-1 * nS), SpecError, "w_max must be > 0"),
    (dict(tau_plus=-20 * ms), SpecError, "tau_plus must be > 0"),
    (dict(tau_minus=0 * ms), SpecError, "tau_minus must be > 0"),
    (dict(tau_plus=20), UnitError, "tau_plus must have units of"),
    (dict(a_plus=-0.01), SpecError, "a_plus must be >= 0.*depression sign"),
    (dict(a_minus=-0.01), SpecError, "a_minus must be >= 0"),
    (dict(a_plus=0.01 * mV), UnitError, "a_plus must be a plain number"),
    (dict(weight_dependence="soft"), SpecError, "weight_dependence"),
    (dict(pairing="first"), SpecError, "pairing"),
    (dict(w_max=1 * nS, scale=1 * mV), UnitError, "scale"),
])
def test_pair_stdp_bad_parameters(kwargs, error, text):
    with pytest.raises(error, match=text):
        PairSTDP(**kwargs)


@pytest.mark.parametrize("cls, kwargs, text", [
    (TripletSTDP, dict(a3_plus=-1e-3), "a3_plus must be >= 0"),
    (TripletSTDP, dict(tau_y=-1 * ms), "tau_y must be > 0"),
    (TripletSTDP, dict(w_max=0), "w_max must be > 0"),
    (TripletSTDP, dict(interaction="pairs"), "interaction"),
    (InhibitorySTDP, dict(target_rate=-3 * Hz), "target_rate must be > 0"),
    (InhibitorySTDP, dict(learning_rate=-1e-3), "learning_rate must be >= 0"),
    (InhibitorySTDP, dict(learning_rate=0.0), "learning_rate must be > 0"),
    (InhibitorySTDP, dict(tau=-20 * ms), "tau must be > 0"),
    (TemporalDerivativeRule, dict(signal="spikes"), "signal"),
    (TemporalDerivativeRule, dict(learning_rate=-0.1), "learning_rate must be >= 0"),
    (TemporalDerivativeRule, dict(tau_rate=-1 * ms), "tau_rate must be > 0"),
    (TemporalDerivativeRule, dict(variable="v post"), "variable"),
])
def test_other_rules_bad_parameters(cls, kwargs, text):
    with pytest.raises(SpecError, match=text):
        cls(**kwargs)
    with pytest.raises(SpecError, match="unknown parameter set"):
        TripletSTDP.from_paper("cerebellum")


def test_inhibitory_rule_alpha_and_parameter_sets():
    # alpha = 2 rho0 tau (Vogels et al. 2011): 2 * 3 Hz * 20 ms = 0.12
    assert InhibitorySTDP(tau=20 * ms, target_rate=3 * Hz).alpha == pytest.approx(0.12)
    # Pfister & Gerstner 2006, Table 3 minimal all-to-all visual cortex model
    visual = PARAMETER_SETS["visual_all_to_all"]
    assert (visual["a2_plus"], visual["a3_plus"], visual["a2_minus"]) == (0.0, 6.5e-3, 7.1e-3)
    assert float(visual["tau_y"] / ms) == pytest.approx(114)


def test_rendered_code_carries_the_weight_units_and_bounds():
    code = PairSTDP(w_max=2 * nS).synapse_code("g_e_post += w")
    assert code.model.splitlines()[0] == "w : siemens"
    assert code.on_pre.splitlines()[0] == "g_e_post += w"
    assert "clip(" in code.on_pre and "clip(" in code.on_post
    assert code.namespace["w_max"] == 2 * nS and code.namespace["w_scale"] == 2 * nS
    nearest = PairSTDP(pairing="nearest").synapse_code()
    assert "x_pre_trace = 1" in nearest.on_pre and "y_post_trace = 1" in nearest.on_post


def _poisson_steps(rng, rate, n_steps, dt):
    return np.flatnonzero(rng.random(n_steps) < rate * dt)


@pytest.mark.parametrize("seed", [0, 1])
def test_weights_never_leave_bounds_in_long_random_runs(seed):
    """100 s of Poisson spike trains with large amplitudes: every oracle weight stays in
    [0, w_max] and the bounds are reached (so the test can fail). The Brian2 code is checked
    against the same oracle in test_rules_stdp_targets.py."""
    rng = np.random.default_rng(seed)
    dt, n_steps = 1e-4, 1_000_000
    for rule, fn in ((PairSTDP(a_plus=0.2, a_minus=0.25, w_max=1.0), ref.pair_stdp),
                     (TripletSTDP(a2_plus=0.1, a3_plus=0.2, a2_minus=0.2, a3_minus=0.05, w_max=1.0),
                      ref.triplet_stdp),
                     (InhibitorySTDP(learning_rate=0.2, w_max=1.0), ref.inhibitory_stdp),
                     (TemporalDerivativeRule(learning_rate=0.3, w_max=1.0), ref.derivative_rate)):
        finals = []
        for rates in ((20, 5), (5, 20), (15, 15)):
            pre = _poisson_steps(rng, rates[0], n_steps, dt)
            post = _poisson_steps(rng, rates[1], n_steps, dt)
            params = rule.reference_parameters()
            # the trajectory: final weights of every prefix of the events
            cut = np.linspace(0, n_steps, 21).astype(int)[1:]
            traj = [fn(pre[pre < c], post[post < c], dt, 0.5, **params) for c in cut]
            assert all(0.0 <= w <= 1.0 for w in traj)
            finals.extend(traj)
        assert min(finals) == 0.0 or max(finals) == 1.0


@pytest.mark.slow
def test_brian2_weights_stay_in_bounds_during_long_random_runs():
    """10 s of random spike trains (numpy target, dt = 1 ms) through every rule family with
    large amplitudes: the Brian2 weights, sampled every 50 ms, never leave [0, w_max], both bounds
    are reached, and the final weights equal the oracle's."""
    from brian2 import StateMonitor, second

    from cortexlearn import Simulation
    from cortexlearn.build.plasticity import spike_train_network

    dt, duration = 1e-3, 10.0
    rng = np.random.default_rng(7)
    n_steps = int(duration / dt)
    rates_pre, rates_post = (5, 20, 40), (40, 10)
    pre = [np.flatnonzero(rng.random(n_steps) < r * dt) for r in rates_pre]
    post = [np.flatnonzero(rng.random(n_steps) < r * dt) for r in rates_post]
    sources, targets = np.repeat(np.arange(3), 2), np.tile(np.arange(2), 3)
    rules = {"pair": (PairSTDP(a_plus=0.2, a_minus=0.25, w_max=2.0), ref.pair_stdp),
             "triplet": (TripletSTDP(a2_plus=0.1, a3_plus=0.2, a2_minus=0.2, a3_minus=0.05, w_max=2.0),
                         ref.triplet_stdp),
             "inhibitory": (InhibitorySTDP(learning_rate=0.3, w_max=2.0), ref.inhibitory_stdp),
             "derivative": (TemporalDerivativeRule(learning_rate=0.5, w_max=2.0), ref.derivative_rate)}
    with Simulation(target="numpy", seed=0, dt=dt * 1e3 * ms) as sim:
        built = spike_train_network({k: r for k, (r, _) in rules.items()}, [list(p * dt) for p in pre],
                                    [list(p * dt) for p in post], sources=sources, targets=targets,
                                    w0=1.0, kinds={"inhibitory": ("I", "E")})
        monitors = {k: StateMonitor(built[f"synapses_{k}"], "w", record=True, dt=50 * ms) for k in rules}
        built.network.add(*monitors.values())
        sim.run(built.network, duration * second, namespace=built.namespace)
        for label, (rule, fn) in rules.items():
            w = np.asarray(monitors[label].w[:])
            assert w.min() >= 0.0 and w.max() <= 2.0, label
            assert w.min() == 0.0 or w.max() == 2.0, label  # a bound is reached
            syn = built[f"synapses_{label}"]
            order = np.lexsort((np.asarray(syn.j[:]), np.asarray(syn.i[:])))
            want = ref.final_weights(fn, pre, post, sources, targets, 1.0, dt=dt, **rule.reference_parameters())
            np.testing.assert_allclose(np.asarray(syn.w[:])[order], want, rtol=0, atol=1e-9)
