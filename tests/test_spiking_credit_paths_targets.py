"""Every credit, critic and delay-line path of the spiking circuit on cython and cpp_standalone
against its NumPy oracle (the numpy target of each path is tested in its own file): sign-symmetry
and readout-only, both-pathway Dale wiring, error populations, delay lines, the sequence critic
and the in-circuit critic. Tiny networks, deterministic input spikes; one build per path and
target, several rules re-run on it where the path allows."""

import dataclasses

import pytest

from cortexlearn.rules.credit import RULES
from test_spiking_credit_critic import check_label_only_critic
from test_spiking_credit_delay import check_late_errors
from test_spiking_credit_pathways import both_session, run_and_compare
from test_spiking_credit_rules import compare, tiny_session
from test_spiking_credit_sequence import check_bootstrapping_critic

COMPILED = [pytest.param("cython", id="cython", marks=pytest.mark.cython),
            pytest.param("cpp_standalone", id="cpp_standalone",
                         marks=[pytest.mark.standalone, pytest.mark.extended])]

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("target", COMPILED)
def test_sign_symmetry_and_readout_only(target):
    cfg, rs, params = tiny_session()
    compare(cfg, rs, params, ("sign_symmetry", "readout_only"), target=target)


@pytest.mark.parametrize("target", COMPILED)
def test_both_pathway_dale_wiring(target):
    cfg, rs, params = both_session()
    run_and_compare(cfg, rs, params, RULES, target=target)


@pytest.mark.parametrize("target", COMPILED)
def test_error_populations(target):
    cfg, rs, params = tiny_session()
    compare(dataclasses.replace(cfg, error_populations=True), rs, params,
            ("feedback_alignment", "direct_feedback_alignment"), target=target)


@pytest.mark.parametrize("target", COMPILED)
def test_delay_lines_with_variable_lags(target):
    check_late_errors(tiny_session(n_train=10), "variable", target=target)


@pytest.mark.parametrize("target", COMPILED)
def test_sequence_critic(target):
    check_bootstrapping_critic(tiny_session(n_train=12), target=target)


@pytest.mark.parametrize("target", COMPILED)
def test_in_circuit_critic(target):
    cfg, rs, params = tiny_session(n_train=8)
    check_label_only_critic((cfg, rs, params, None), target=target)
