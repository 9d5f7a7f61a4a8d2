"""Cross-target agreement of the spiking credit circuit: numpy, cython and cpp_standalone give the
oracle's weights on one tiny network with deterministic input; on cpp_standalone one compiled
program re-runs another rule and a resumed session through ``run_args`` (build once)."""

import numpy as np
import pytest

from cortexlearn.build.feedforward import build_feedforward
from cortexlearn.circuits.feedforward_session import run_session
from cortexlearn.simulation import Simulation
from test_spiking_credit_rules import oracle, rule_for, tiny_session


def _check(net, rec, cfg, rs, params, kind, **rule_extra):
    ref = oracle(cfg, rs, params, rule_for(kind, **rule_extra))
    got = net.weights(rec.state)
    np.testing.assert_allclose(rec.counts, ref["counts"])
    for l, w_ref in enumerate(ref["W"]):
        np.testing.assert_allclose(got[f"W{l}"], w_ref, rtol=1e-9, atol=1e-12, err_msg=f"{kind} W{l}")
    return got


@pytest.mark.cython
@pytest.mark.slow
def test_cython_matches_oracle():
    cfg, rs, params = tiny_session(n_train=2)
    with Simulation(target="cython", seed=0) as sim:
        net = build_feedforward(cfg, rule_for("dfa"), rs, params)
        _check(net, run_session(net, sim, rule=rule_for("dfa")), cfg, rs, params, "dfa")


@pytest.mark.standalone
@pytest.mark.slow
def test_standalone_matches_oracle_reruns_and_resumes(tmp_path):
    cfg, rs, params = tiny_session(n_train=3)
    with Simulation(target="cpp_standalone", seed=0) as sim:
        net = build_feedforward(cfg, rule_for("fa"), rs, params, chunk_trials=1)
        full = _check(net, run_session(net, sim), cfg, rs, params, "fa")  # builds once
        # another rule on the same binary (run_args only)
        _check(net, run_session(net, sim, rule=rule_for("weight_transport")), cfg, rs, params,
               "weight_transport")
        # the covariance form: a run-time switch on the same binary, running means carried
        _check(net, run_session(net, sim, rule=rule_for("fa", centered=True)), cfg, rs, params,
               "fa", centered=True)
        # interrupted after 2 chunks, then resumed from the checkpoint: same weights as full
        ck = str(tmp_path / "ck.npz")
        part = run_session(net, sim, checkpoint=ck, stop_after=2)
        assert part.status == "interrupted" and part.chunks_done == 2
        rec = run_session(net, sim, checkpoint=ck)
        assert rec.status == "complete"
        resumed = net.weights(rec.state)
        for key in full:
            np.testing.assert_array_equal(resumed[key], full[key])
