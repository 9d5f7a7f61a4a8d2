"""Every learning rule implements the one protocol of :mod:`cortexlearn.rules.base`."""

import inspect

import numpy as np

import pytest
from brian2 import Equations

import cortexlearn.rules as rules
from cortexlearn.errors import SpecError
from cortexlearn.rules import rule_classes
from cortexlearn.rules.base import LearningRule, RuleParts


def _instances():
    for cls in rule_classes():
        yield pytest.param(cls(), id=cls.__name__)


def test_every_exported_rule_class_is_a_learning_rule():
    exported = [getattr(rules, name) for name in rules.__all__]
    classes = [obj for obj in exported if inspect.isclass(obj) and obj.__module__.startswith("cortexlearn.rules.")
               and obj.__module__ != "cortexlearn.rules.base"]
    assert len(classes) >= 15
    for cls in classes:
        assert issubclass(cls, LearningRule), cls
    # and every concrete rule is exported
    assert set(rule_classes()) <= set(classes)


@pytest.mark.parametrize("rule", _instances())
def test_rule_names_paper_oracle_and_roles(rule):
    assert rule.paper, "a rule cites its paper"
    oracles = rule.oracle_functions()
    assert oracles and all(callable(f) and f.__module__.startswith("cortexlearn.reference.") for f in oracles)
    assert rule.roles


@pytest.mark.parametrize("rule", _instances())
def test_every_role_renders_parseable_equations(rule):
    for role in rule.roles:
        parts = rule.contribution(role)
        assert isinstance(parts, RuleParts)
        assert parts.model or parts.neuron_model or parts.constants or parts.on_pre
        for text in (parts.model, parts.neuron_model):
            if text.strip():
                Equations(text)  # raises on malformed equations
        for regular in parts.regular:
            assert regular.code.strip()
        for name in parts.summed:
            assert name.endswith(("_pre", "_post"))


@pytest.mark.parametrize("rule", _instances())
def test_unknown_role_is_refused(rule):
    with pytest.raises(SpecError, match="has no role"):
        rule.contribution("no_such_role")


def test_named_credit_rules_fix_their_kind():
    fa = rules.FeedbackAlignment(learning_rate=1e-5)
    assert fa.kind == "feedback_alignment" and fa.learning_rate == 1e-5
    assert rules.WeightTransport().kind == "weight_transport"
    with pytest.raises(SpecError, match="fixes kind"):
        rules.SignSymmetry(kind="fa")
    assert fa.contribution("hidden").constants["c_fa"] == 1.0
    assert rules.DirectFeedbackAlignment().contribution("hidden").constants["c_dfa"] == 1.0


def test_stdp_with_neuron_traces_contributes_group_code():
    parts = rules.PairSTDP(traces="neuron").contribution(transmission="v_post += w")
    assert parts.pre is not None and parts.post is not None
    assert parts.on_pre.splitlines()[0] == "v_post += w"
    assert rules.PairSTDP().contribution().pre is None


def test_dale_slow_rule_sign_follows_the_presynaptic_kind():
    exc = rules.DaleSlowErrorRule().contribution(presynaptic="E")
    inh = rules.DaleSlowErrorRule().contribution(presynaptic="I")
    assert exc.summed == ("Islow_exc_post",) and inh.summed == ("Islow_inh_post",)
    assert "+ eta_slow" in exc.regular[0].code and "- eta_slow" in inh.regular[0].code


# ---------------------------------------------------------------- any projection rule in a spec
DT = 1e-4
PRE_STEPS = np.array([100, 300, 520, 700, 1000, 1230])
POST_STEPS = np.array([150, 280, 600, 690, 1100, 1500])


def _kicked_circuit(rule):
    """Two one-neuron populations, each made to spike one step after its kicks; ``rule`` on the
    projection between them."""
    from brian2 import mV, ms

    from cortexlearn.neurons import lif_delta
    from cortexlearn.specs import Circuit, Connectivity, Population, Projection, SpikeSource

    kick = 25 * mV
    return Circuit(
        "traces",
        (Population("pre", 1, lif_delta(), kind="E"), Population("post", 1, lif_delta(), kind="E")),
        (Projection("pre", "post", Connectivity.all_to_all(), 0.5 * mV, rule=rule, name="plastic"),
         Projection("kick_pre", "pre", Connectivity.all_to_all(), kick, name="kick_pre_to_pre"),
         Projection("kick_post", "post", Connectivity.all_to_all(), kick, name="kick_post_to_post")),
        sources=(SpikeSource("kick_pre", 1, np.zeros(PRE_STEPS.size, int), PRE_STEPS * DT * 1e3 * ms),
                 SpikeSource("kick_post", 1, np.zeros(POST_STEPS.size, int), POST_STEPS * DT * 1e3 * ms)))


def _final_weight(rule, duration_ms=200, target="numpy"):
    from brian2 import mV, ms

    from cortexlearn import Simulation
    from cortexlearn.build import build

    with Simulation(target) as sim:
        built = build(_kicked_circuit(rule))
        sim.run(built.network, duration_ms * ms)
        pre = np.round(np.asarray(built.spike_monitors["pre"].t[:]) / DT).astype(int)
        post = np.round(np.asarray(built.spike_monitors["post"].t[:]) / DT).astype(int)
        return float(built.synapses["plastic"].w[0] / mV), pre, post


def _check_traces_on_neurons(pairing, target):
    from brian2 import mV, ms

    from cortexlearn.reference.stdp import pair_stdp

    kwargs = dict(tau_plus=16.8 * ms, tau_minus=33.7 * ms, a_plus=0.05, a_minus=0.04, w_max=2 * mV,
                  pairing=pairing)
    w_neuron, pre, post = _final_weight(rules.PairSTDP(traces="neuron", **kwargs), target=target)
    w_synapse, _, _ = _final_weight(rules.PairSTDP(traces="synapse", **kwargs))
    assert list(pre) == list(PRE_STEPS + 1) and list(post) == list(POST_STEPS + 1)
    expected = pair_stdp(pre, post, DT, 0.5, tau_plus=16.8e-3, tau_minus=33.7e-3, a_plus=0.05,
                         a_minus=0.04, w_max=2.0, scale=2.0, pairing=pairing)
    assert w_neuron != pytest.approx(0.5)  # the rule acted
    assert w_neuron == pytest.approx(expected, abs=1e-9)
    assert w_synapse == pytest.approx(w_neuron, abs=1e-9)


@pytest.mark.parametrize("pairing", ["all_to_all", "nearest"])
def test_traces_on_the_neurons_give_the_oracle_weight_in_a_spec(pairing):
    # presynaptic traces jump before the synapses (a second event beside the reset), postsynaptic
    # ones in the reset, after them: the per-synapse order, so the oracle's weight
    _check_traces_on_neurons(pairing, "numpy")


def test_traces_on_the_neurons_on_every_target(target):
    _check_traces_on_neurons("all_to_all", target)


def test_a_periodic_update_keeps_its_clock_in_a_spec():
    # the lazy form flushes every lazy_interval: after a flush it holds the immediate rule's weight
    from brian2 import mV, ms

    kwargs = dict(tau_plus=16.8 * ms, tau_minus=33.7 * ms, a_plus=0.05, a_minus=0.04, w_max=2 * mV,
                  traces="neuron")
    lazy, _, _ = _final_weight(rules.PairSTDP(potentiation="lazy", lazy_interval=50 * ms, **kwargs),
                               duration_ms=200.1)
    immediate, _, _ = _final_weight(rules.PairSTDP(**kwargs), duration_ms=200.1)
    assert lazy == pytest.approx(immediate, abs=1e-9)


def test_a_circuit_rule_on_a_single_projection_is_refused_with_its_place():
    from cortexlearn import Simulation
    from cortexlearn.build import build

    with Simulation("numpy"):
        with pytest.raises(SpecError, match="not a rule of one projection.*forward, feedback, hidden"):
            build(_kicked_circuit(rules.FeedbackAlignment()))


# ---------------------------------------------------------------- learning circuits from specs
@pytest.mark.parametrize("rule_class", [rules.FeedbackAlignment, rules.DirectFeedbackAlignment])
def test_a_credit_circuit_spec_picks_its_rule_by_one_argument(rule_class):
    # build(CreditCircuit(config, RuleClass(...), schedule)) runs the rule the NumPy oracle runs
    from test_spiking_credit_rules import oracle, tiny_session

    from cortexlearn import Simulation
    from cortexlearn.build import build
    from cortexlearn.circuits.feedforward import CreditCircuit
    from cortexlearn.circuits.feedforward_session import run_session

    cfg, rs, params = tiny_session(hidden=(5, 4))
    rule = rule_class(learning_rate=2e-3, readout_learning_rate=3e-3, bias_learning_rate=1e-2,
                      homeostasis_rate=1e-2, target_count=2.0, surrogate_slope=2.0)
    with Simulation(target="numpy", seed=0) as sim:
        net = build(CreditCircuit(cfg, rule, rs, params))
        record = run_session(net, sim)
        weights = net.weights(record.state)
    expected = oracle(cfg, rs, params, rule)
    np.testing.assert_allclose(record.counts, expected["counts"])
    for l, w_ref in enumerate(expected["W"]):
        np.testing.assert_allclose(weights[f"W{l}"], w_ref, rtol=1e-9, atol=1e-12)
    # the rule reached the first hidden layer: its input weights moved
    assert np.abs(expected["W"][0] - params["W0"]).max() > 1e-6


def test_a_credit_circuit_draws_its_parameters_from_its_seed():
    from test_spiking_credit_rules import tiny_session

    from cortexlearn.circuits.feedforward import CreditCircuit, initial_parameters

    cfg, rs, _ = tiny_session()
    spec = CreditCircuit(cfg, rules.FeedbackAlignment(), rs, seed=4)
    np.testing.assert_array_equal(spec.params["W0"], initial_parameters(cfg, 4)["W0"])
    with pytest.raises(SpecError, match="credit-assignment rule"):
        CreditCircuit(cfg, rules.PairSTDP(), rs)
    with pytest.raises(SpecError, match="unknown CreditCircuit option"):
        CreditCircuit(cfg, rules.FeedbackAlignment(), rs, options={"chunk": 3})


def test_build_refuses_what_is_not_a_specification():
    from cortexlearn.build import build

    with pytest.raises(SpecError, match="takes a specification"):
        build("E -> I")
