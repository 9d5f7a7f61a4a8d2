"""Dale's law with both pathways per pair (``FeedforwardConfig(dale_pathways="both")``): every pair
has an excitatory direct synapse and an inhibitory synapse from the presynaptic neuron's relay
interneuron, two non-negative magnitudes whose difference is the effective weight. On tiny networks
with deterministic input spikes (numpy target) both magnitudes of every pair move exactly as the
NumPy reference (cortexlearn.reference.snn_feedforward, ``pathways="both"``) under each credit
rule; magnitudes stay in [0, w_max]; an effective weight changes sign where its error asks for it
(which the one-pathway circuit cannot do); bad settings are refused."""

import dataclasses

import numpy as np
import pytest

from cortexlearn.circuits.feedforward import FeedforwardConfig, initial_parameters
from cortexlearn.build.feedforward import build_feedforward
from cortexlearn.circuits.feedforward_session import run_session
from cortexlearn.errors import SpecError
from cortexlearn.rules.credit import RULES
from cortexlearn.simulation import Simulation
from test_spiking_credit_rules import oracle as oracle_of_config
from test_spiking_credit_rules import rule_for, tiny_session


def both_session(n_train=2, seed=3):
    cfg, rs, _ = tiny_session(n_train=n_train, seed=seed)
    cfg = dataclasses.replace(cfg, dale_pathways="both")
    return cfg, rs, initial_parameters(cfg, seed)


def oracle(cfg, rs, params, rule, pathways):
    return oracle_of_config(dataclasses.replace(cfg, dale_pathways=pathways), rs, params, rule)


def run_and_compare(cfg, rs, params, kinds, target="numpy"):
    """Run each rule on one build; return {kind: (magnitudes, signed weights)} after checking
    every magnitude and count against the reference."""
    finals = {}
    with Simulation(target=target, seed=0) as sim:
        net = build_feedforward(cfg, rule_for(kinds[0]), rs, params)
        for kind in kinds:
            rule = rule_for(kind)
            rec = run_session(net, sim, rule=rule, params=params)
            mags, signed = net.magnitudes(rec.state), net.weights(rec.state)
            ref = oracle(cfg, rs, params, rule, "both")
            np.testing.assert_allclose(rec.counts, ref["counts"], err_msg=kind)
            for l in range(len(ref["W"])):
                for tag in ("e", "i"):
                    got = mags[f"W{l}_{tag}"]
                    np.testing.assert_allclose(got, ref[f"W_{tag}"][l], rtol=1e-9, atol=1e-12,
                                               err_msg=f"{kind}: W{l}_{tag}")
                    assert np.all(got >= 0) and np.all(got <= cfg.w_max), (kind, l, tag)
                np.testing.assert_allclose(signed[f"W{l}"], mags[f"W{l}_e"] - mags[f"W{l}_i"],
                                           rtol=0, atol=1e-15)
                # not vacuous: trained projections moved, both pathways of most moved pairs
                trained = kind != "readout_only" or l == len(ref["W"]) - 1
                moved = np.abs(ref["W"][l] - params[f"W{l}"]) > 1e-9
                assert moved.mean() > (0.05 if trained else -1), (kind, l, moved.mean())
                if not trained:
                    assert not moved.any()
            np.testing.assert_allclose(rec.state["hidden1.bias"], ref["bias_hidden"][0], rtol=1e-9,
                                       atol=1e-12)
            finals[kind] = (mags, signed)
    return finals


def test_both_pathways_match_oracle_for_every_rule():
    cfg, rs, params = both_session()
    # the initial magnitudes split the signed draw: w_e = max(W, 0), w_i = max(-W, 0)
    assert params["inh0"].all() and (params["W0"] < 0).any() and (params["W0"] > 0).any()
    finals = run_and_compare(cfg, rs, params, RULES)
    # the pathways of a pair move in opposite directions, so some pairs have both pathways active
    mags = finals["feedback_alignment"][0]
    assert ((mags["W0_e"] > 0) & (mags["W0_i"] > 0)).any()


def test_effective_weight_changes_sign():
    """Readout weights all start at -0.01 (inhibitory pathway only): the correct output does not
    fire and its error (+4 spikes) pushes the weights from active hidden neurons positive."""
    cfg, rs, params = both_session()
    params = dict(params, W1=np.full_like(params["W1"], -0.01))
    finals = run_and_compare(cfg, rs, params, ("readout_only", "feedback_alignment"))
    for kind, (mags, signed) in finals.items():
        flipped = signed["W1"] > 0
        assert flipped.sum() >= 3, kind  # several readout weights turned excitatory
        assert np.all(mags["W1_e"][flipped] > 0), kind
        # the one-pathway circuit, with every readout pair inhibitory, stays at <= 0
        one = dict(params, inh1=np.ones_like(params["inh1"]), inh0=params["W0"] < 0)
        ref_one = oracle(cfg, rs, one, rule_for(kind), "one")
        assert np.all(ref_one["W"][1] <= 0), kind
        assert (ref_one["W"][1] == 0).sum() >= flipped.sum(), kind  # stuck at 0 instead


def test_bad_pathways_refused():
    with pytest.raises(SpecError, match="dale_pathways must be one of"):
        FeedforwardConfig(6, (5,), 3, dale_pathways="two")
    with pytest.raises(SpecError, match="needs dale=True"):
        FeedforwardConfig(6, (5,), 3, dale=False, dale_pathways="both")


def test_one_pathway_parameters_unchanged():
    """The two settings draw the same random numbers: "one" only folds each draw's sign onto its
    randomly chosen pathway, so feedback matrices and magnitudes agree."""
    cfg, _, _ = tiny_session()
    one = initial_parameters(cfg, 7)
    both = initial_parameters(dataclasses.replace(cfg, dale_pathways="both"), 7)
    for key in one:
        if key.startswith(("B", "D", "phase")):
            np.testing.assert_array_equal(one[key], both[key])
        elif key.startswith("W"):
            np.testing.assert_array_equal(np.abs(one[key]), np.abs(both[key]))


def test_model_refuses_bad_pathways(tmp_path):
    import cortexlearn

    with pytest.raises(SpecError, match="dale_pathways must be one of"):
        cortexlearn.run("spiking_feedback_alignment", quick=True, out=str(tmp_path / "x"),
                        target="numpy", dale_pathways="two")


@pytest.mark.parametrize("dt_ms", [0.3, 0.0, 200.0])
def test_model_refuses_a_presentation_that_is_not_whole_steps(tmp_path, dt_ms):
    import cortexlearn
    from brian2 import ms

    # 0.3 ms does not divide the presentation; 0 and 200 ms lie outside dt's domain, refused
    # (naming dt and its range) before anything is built
    expected = "whole number" if dt_ms == 0.3 else r"dt must be in \(0\*ms, 1\*ms\]"
    with pytest.raises(SpecError, match=expected):
        cortexlearn.run("spiking_feedback_alignment", quick=True, out=str(tmp_path / "x"),
                        target="numpy", dt=dt_ms * ms, presentation=100 * ms)
