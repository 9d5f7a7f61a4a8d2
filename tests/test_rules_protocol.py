"""Every learning rule implements the one protocol of :mod:`cortexlearn.rules.base`."""

import inspect

import pytest
from brian2 import Equations

import cortexlearn.rules as rules
from cortexlearn.errors import SpecError
from cortexlearn.rules.base import LearningRule, RuleParts, rule_classes


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
