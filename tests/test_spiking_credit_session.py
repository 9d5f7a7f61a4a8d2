"""Sessions of the spiking credit circuit: learning off changes no weight, interrupted-and-resumed
equals uninterrupted, divergence stops at a chunk and names the projection, and bad input."""

import os

import numpy as np
import pytest
from brian2 import Hz, ms

from cortexlearn.circuits.feedforward import FeedforwardConfig, initial_parameters
from cortexlearn.build.feedforward import build_feedforward
from cortexlearn.circuits.feedforward_session import run_session
from cortexlearn.errors import NonFiniteError, SpecError
from cortexlearn.rules.credit import CreditRule
from cortexlearn.simulation import Simulation
from cortexlearn.stimuli import (TrialSchedule, on_off_rates, one_hot_counts, render_schedule,
                                 session_schedule)
from test_spiking_credit_rules import T, rule_for, tiny_session


def _weights_after(cfg, rs, params, rule, **kw):
    with Simulation(target="numpy", seed=0) as sim:
        net = build_feedforward(cfg, rule, rs, params, **{k: v for k, v in kw.items()
                                                           if k == "chunk_trials"})
        rec = run_session(net, sim, **{k: v for k, v in kw.items() if k != "chunk_trials"})
        return net.weights(rec.state), rec


def test_learning_off_changes_no_weight():
    cfg, rs, params = tiny_session(n_train=3)
    off = TrialSchedule(np.zeros(3, int), np.arange(3), np.zeros(3, bool), np.zeros(3, int))
    rng = np.random.default_rng(3)
    x = rng.normal(0, 1.5, (3, 3))
    rs_off = render_schedule(off, on_off_rates(x, 400 * Hz), on_off_rates(x[:1], 400 * Hz),
                             one_hot_counts([0, 1, 2], 3, 4.0), one_hot_counts([0], 3, 4.0), T)
    w, rec = _weights_after(cfg, rs_off, params, rule_for("weight_transport"))
    for l in range(2):
        np.testing.assert_array_equal(w[f"W{l}"], np.clip(params[f"W{l}"], -1, 1))
    assert rec.counts.sum() > 0  # the network ran: its outputs fired during the frozen trials
    # and a test phase after training leaves the trained weights as they were
    sched_a = session_schedule(2, 3, 1, seed=3)            # train 2, test 3 (learning off), blank
    sched_b = session_schedule(2, 0, 1, seed=3)            # train 2, blank
    rng = np.random.default_rng(3)
    x = rng.normal(0, 1.5, (2, 3))
    y = rng.integers(0, 3, 2)
    kw = dict(train_rates=on_off_rates(x, 400 * Hz), test_rates=on_off_rates(x[[0, 1, 0]], 400 * Hz),
              train_targets=one_hot_counts(y, 3, 4.0), test_targets=one_hot_counts([0, 1, 2], 3, 4.0),
              presentation=T)
    wa, _ = _weights_after(cfg, render_schedule(sched_a, **kw), params, rule_for("fa"))
    wb, _ = _weights_after(cfg, render_schedule(sched_b, **kw), params, rule_for("fa"))
    for l in range(2):
        np.testing.assert_array_equal(wa[f"W{l}"], wb[f"W{l}"])


def test_resumed_equals_uninterrupted_numpy(tmp_path):
    cfg, rs, params = tiny_session(n_train=3)
    rule = rule_for("sign_symmetry")
    w_full, rec_full = _weights_after(cfg, rs, params, rule, chunk_trials=1)
    ck = str(tmp_path / "ck.npz")
    _, rec1 = _weights_after(cfg, rs, params, rule, chunk_trials=1, checkpoint=ck, stop_after=2)
    assert rec1.status == "interrupted" and rec1.chunks_done == 2
    w_res, rec2 = _weights_after(cfg, rs, params, rule, chunk_trials=1, checkpoint=ck)
    assert rec2.status == "complete" and rec2.chunks_done == rec2.n_chunks == 4
    for l in range(2):
        np.testing.assert_array_equal(w_res[f"W{l}"], w_full[f"W{l}"])
    np.testing.assert_array_equal(rec2.counts, rec_full.counts)


def test_divergence_names_projection_and_keeps_checkpoint(tmp_path):
    cfg, rs, params = tiny_session(n_train=2)
    cfg = FeedforwardConfig(6, (5,), 3, input_weight_scale=1.2, output_weight_scale=0.8,
                            feedback_scale=1e308)
    params = initial_parameters(cfg, 3)
    ck = str(tmp_path / "ck.npz")
    with pytest.raises(NonFiniteError, match=r"p0_[ei]") as info:
        _weights_after(cfg, rs, params, rule_for("fa"), chunk_trials=1, checkpoint=ck)
    assert "chunk 2" in str(info.value)
    with np.load(ck) as saved:
        assert int(saved["chunks_done"]) == 1
        assert all(np.all(np.isfinite(saved[k])) for k in saved.files if k.startswith("state:"))


def test_bad_input():
    cfg, rs, params = tiny_session()
    with pytest.raises(SpecError, match=r"DFA feedback D1 has shape \(3, 7\).*expected \(3, 5\)"):
        initial_parameters(cfg, 0, feedback={"D1": np.zeros((3, 7))})
    with pytest.raises(SpecError, match="unknown feedback"):
        initial_parameters(cfg, 0, feedback={"D3": np.zeros((3, 5))})
    for bad in (0.0, -1e-3):
        with pytest.raises(SpecError, match="learning_rate must be > 0"):
            CreditRule("fa", learning_rate=bad)
        with pytest.raises(SpecError, match="readout_learning_rate must be > 0"):
            CreditRule("dfa", readout_learning_rate=bad)
    with pytest.raises(SpecError, match="unknown credit rule"):
        CreditRule("backprop_through_magic")
    wrong_out = FeedforwardConfig(6, (5,), 4)
    with pytest.raises(SpecError, match=r"target array has shape \(3, 3\), expected \(3, 4\)"):
        with Simulation(target="numpy"):
            build_feedforward(wrong_out, rule_for("fa"), rs, initial_parameters(wrong_out, 0))
    with pytest.raises(SpecError, match="input channels"):
        with Simulation(target="numpy"):
            other = FeedforwardConfig(8, (5,), 3)
            build_feedforward(other, rule_for("fa"), rs, initial_parameters(other, 0))
    with pytest.raises(SpecError, match="hidden layer"):
        FeedforwardConfig(6, (), 3)


def test_rasters_of_chosen_trials_come_back():
    # the session runner lives in its own module: rasters (absolute times) must still come back,
    # from the trials asked for only
    cfg, rs, params = tiny_session(n_train=3)
    with Simulation(target="numpy", seed=0) as sim:
        net = build_feedforward(cfg, rule_for("fa"), rs, params, chunk_trials=1,
                                raster_trials=np.array([False, True, False, False]))
        rec = run_session(net, sim)
    i, t = rec.rasters["raster_input"]
    assert len(t) > 0 and np.all((t >= float(T)) & (t < 2 * float(T)))


def test_checkpoint_of_another_time_step_is_refused(tmp_path):
    """A session stopped at one dt does not resume at another (the weights would mix two
    discretisations without a word)."""
    cfg, rs, params = tiny_session(n_train=3)
    rule = rule_for("fa")
    ck = str(tmp_path / "ck.npz")
    with Simulation(target="numpy", seed=0, dt=0.1 * ms) as sim:
        net = build_feedforward(cfg, rule, rs, params, chunk_trials=1)
        assert run_session(net, sim, checkpoint=ck, stop_after=1).status == "interrupted"
    with Simulation(target="numpy", seed=0, dt=0.05 * ms) as sim:
        net = build_feedforward(cfg, rule, rs, params, chunk_trials=1)
        with pytest.raises(SpecError, match="belongs to another session"):
            run_session(net, sim, checkpoint=ck)


def test_seeds_of_one_build_share_its_dale_wiring():
    # the Dale masks are the synapse structure of a build: another seed's masks used to lose, on
    # re-run, every weight whose pathway the build lacked (its initial magnitude became 0)
    cfg, rs, params = tiny_session(n_train=2)
    assert cfg.dale and not cfg.both_pathways
    own = initial_parameters(cfg, 4)
    shared = initial_parameters(cfg, 4, wiring_seed=3)
    for l in range(2):
        np.testing.assert_array_equal(shared[f"inh{l}"], params[f"inh{l}"])
        np.testing.assert_array_equal(np.abs(shared[f"W{l}"]), np.abs(own[f"W{l}"]))
        np.testing.assert_array_equal(shared[f"W{l}"] < 0, params[f"inh{l}"] & (shared[f"W{l}"] != 0))
        np.testing.assert_array_equal(shared[f"B{l}"], own[f"B{l}"])
    assert not np.array_equal(own["inh0"], params["inh0"])
    for key, value in initial_parameters(cfg, 3, wiring_seed=3).items():
        np.testing.assert_array_equal(value, params[key])
    rule = rule_for("fa")
    with Simulation(target="numpy", seed=0) as sim:
        net = build_feedforward(cfg, rule, rs, params)
        with pytest.raises(SpecError, match="another Dale wiring.*mask inh0 of projection 0.*wiring_seed"):
            run_session(net, sim, params=own)
        rerun = net.weights(run_session(net, sim, params=shared).state)
    fresh, _ = _weights_after(cfg, rs, shared, rule)  # a circuit built for these params
    for l in range(2):
        np.testing.assert_allclose(rerun[f"W{l}"], fresh[f"W{l}"], rtol=0, atol=1e-12)
