"""Each credit rule of the spiking circuit against the NumPy oracle (cortexlearn.reference.snn_feedforward)
on tiny networks with deterministic (regular) input spikes: the final value of every weight after
the learning presentations must agree, and weights must keep their sign under Dale's law."""

import numpy as np
import pytest
from brian2 import Hz, ms

from cortexlearn.circuits.feedforward import FeedforwardConfig, initial_parameters
from cortexlearn.build.feedforward import build_feedforward
from cortexlearn.circuits.feedforward_session import run_session
from cortexlearn.errors import SpecError
from cortexlearn.reference.snn_feedforward import simulate_feedforward
from cortexlearn.rules.credit import RULES, CreditRule
from cortexlearn.simulation import Simulation
from cortexlearn.stimuli import on_off_rates, one_hot_counts, render_schedule, session_schedule

T = 20 * ms


def tiny_session(hidden=(5,), dale=True, n_train=2, seed=3):
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1.5, (n_train, 3))
    y = rng.integers(0, 3, n_train)
    sched = session_schedule(n_train, 0, 1, seed=seed)
    rs = render_schedule(sched, on_off_rates(x, 400 * Hz), on_off_rates(x[:1], 400 * Hz),
                         one_hot_counts(y, 3, 4.0), one_hot_counts(y[:1], 3, 4.0), T)
    cfg = FeedforwardConfig(6, hidden, 3, dale=dale, input_weight_scale=1.2,
                            hidden_weight_scale=1.2, output_weight_scale=0.8, feedback_scale=0.5)
    params = initial_parameters(cfg, seed)
    return cfg, rs, params


def rule_for(kind, **extra):
    # rates large enough that one presentation moves every weight visibly
    return CreditRule(kind, learning_rate=2e-3, readout_learning_rate=3e-3, bias_learning_rate=1e-2,
                      homeostasis_rate=1e-2, target_count=2.0, surrogate_slope=2.0, **extra)


def oracle(cfg, rs, params, rule, late_error=None):
    n = len(cfg.layer_sizes) - 1
    return simulate_feedforward(
        sizes=cfg.layer_sizes, W=[params[f"W{l}"] for l in range(n)],
        inhibitory=[params[f"inh{l}"] for l in range(n)], B=[params[f"B{l}"] for l in range(n)],
        D=[params[f"D{h}"] for h in range(1, n)], phase0=params["phase0"],
        rates=rs.rate_values, targets=rs.target_values, learning=rs.learning_values,
        dt=0.1e-3, T=float(T), tau_m=float(cfg.tau_m), coefficients=rule.coefficients(),
        eta_hidden=rule.learning_rate, eta_out=rule.readout_learning_rate,
        eta_bias=rule.bias_learning_rate, beta=rule.surrogate_slope, w_max=cfg.w_max,
        bias_max=cfg.bias_max, dale=cfg.dale, late_error=late_error, pathways=cfg.dale_pathways,
        centered=rule.centered, center_rate=rule.center_rate)


def compare(cfg, rs, params, kinds, target="numpy", **rule_extra):
    with Simulation(target=target, seed=0) as sim:
        net = build_feedforward(cfg, rule_for(kinds[0], **rule_extra), rs, params)
        for kind in kinds:
            rule = rule_for(kind, **rule_extra)
            rec = run_session(net, sim, rule=rule, params=params)
            got = net.weights(rec.state)
            ref = oracle(cfg, rs, params, rule)
            np.testing.assert_allclose(rec.counts, ref["counts"], err_msg=kind)
            for l, w_ref in enumerate(ref["W"]):
                np.testing.assert_allclose(got[f"W{l}"], w_ref, rtol=1e-9, atol=1e-12,
                                           err_msg=f"{kind}: W{l}")
                changed = np.abs(w_ref - params[f"W{l}"]) > 1e-9
                trained = kind != "readout_only" or l == len(ref["W"]) - 1
                # the test is not vacuous: trained projections moved (most weights), others did not
                assert changed.mean() > (0.05 if trained else -1), (kind, l, changed.mean())
                if not trained:
                    assert not changed.any()
                if cfg.dale and cfg.both_pathways:  # each pathway's magnitude stays >= 0
                    assert all(np.all(m >= 0) for m in net.magnitudes(rec.state).values())
                elif cfg.dale:  # weights keep their sign
                    inh = params[f"inh{l}"]
                    assert np.all(got[f"W{l}"][inh] <= 0) and np.all(got[f"W{l}"][~inh] >= 0)
            np.testing.assert_allclose(rec.state["output.bias"], ref["bias_out"], rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(rec.state["hidden1.bias"], ref["bias_hidden"][0], rtol=1e-9,
                                       atol=1e-12)


def test_every_rule_matches_oracle_dale():
    cfg, rs, params = tiny_session()
    compare(cfg, rs, params, RULES)


def test_two_hidden_layers_no_dale_matches_oracle():
    cfg, rs, params = tiny_session(hidden=(5, 4), dale=False)
    compare(cfg, rs, params, ("direct_feedback_alignment", "feedback_alignment", "weight_transport",
                              "sign_symmetry"))


@pytest.mark.parametrize("hidden, dale, pathways", [((5,), True, "both"), ((5,), True, "one"),
                                                     ((5, 4), False, "one")])
def test_centered_rules_match_oracle(hidden, dale, pathways):
    """The covariance form (x - running mean) of every rule, with a fast running mean so that
    three presentations move it visibly; one program serves centred and plain sessions."""
    import dataclasses

    cfg, rs, params = tiny_session(hidden=hidden, dale=dale, n_train=3)
    cfg = dataclasses.replace(cfg, dale_pathways=pathways)
    params = initial_parameters(cfg, 3)
    compare(cfg, rs, params, ("feedback_alignment", "weight_transport", "direct_feedback_alignment"),
            centered=True, center_rate=0.5)
    plain = oracle(cfg, rs, params, rule_for("feedback_alignment", center_rate=0.5))["W"][0]
    centred = oracle(cfg, rs, params, rule_for("feedback_alignment", centered=True,
                                                center_rate=0.5))["W"][0]
    assert not np.allclose(plain, centred)  # the test is not vacuous
    readout = [oracle(cfg, rs, params, rule_for("readout_only", centered=c, center_rate=0.5))["W"]
               for c in (False, True)]
    for a, b in zip(*readout):  # output weights always learn from the plain count
        np.testing.assert_array_equal(a, b)


def test_a_rule_with_other_circuit_constants_is_refused():
    cfg, rs, params = tiny_session()
    with Simulation(target="numpy", seed=0) as sim:
        net = build_feedforward(cfg, rule_for("fa"), rs, params)
        with pytest.raises(SpecError, match="constants of the compiled circuit"):
            run_session(net, sim, rule=rule_for("fa", center_rate=0.5), params=params)


def test_rules_differ():
    """FA, DFA, sign-symmetry and weight transport give different hidden updates (oracle)."""
    cfg, rs, params = tiny_session(hidden=(5, 4), dale=False)
    finals = {k: oracle(cfg, rs, params, rule_for(k))["W"][0] for k in RULES}
    kinds = list(finals)
    for a in range(len(kinds)):
        for b in range(a + 1, len(kinds)):
            assert not np.allclose(finals[kinds[a]], finals[kinds[b]]), (kinds[a], kinds[b])
