"""Validation at the edge: every model parameter has a domain, checked when a run is resolved
(before anything is built), and bad text is a message naming the parameter, not a traceback."""

import pytest
from brian2 import Hz, ms

import cortexlearn
from cortexlearn.cli import main
from cortexlearn.errors import SpecError, UnitError
from cortexlearn.model import Parameter
from cortexlearn.registry import get_model, list_models


def test_every_number_parameter_has_a_domain_that_its_defaults_meet():
    for name in list_models():
        model = get_model(name)
        model.resolve()
        model.resolve(quick=True)
        for p in model.parameters:
            if not isinstance(p.default, (bool, str)):
                assert p.domain, f"{name}.{p.name} has no domain"


@pytest.mark.parametrize("model, setting, message", [
    ("bengio_2015_stdp_gradient", {"pairing_rate": "0*Hz"}, r"pairing_rate must be in \(0, inf\)"),
    ("bi_poo_1998", {"n_pairings": "0"}, r"n_pairings must be an integer >= 1"),
    ("bi_poo_1998", {"max_delay": "-5*ms"}, r"max_delay must be in \(0, inf\)"),
    ("bellec_2020_pattern_generation", {"input_rate": "-50*Hz"}, r"input_rate must be in \[0, inf\)"),
    ("bellec_2020_pattern_generation", {"dt": "50*ms"}, r"dt must be in \(0\*ms, 2\*ms\]"),
    ("bellec_2020_pattern_generation", {"dt": "0*ms"}, r"dt must be in \(0\*ms, 2\*ms\]"),
    ("bellec_2020_pattern_generation", {"dt": "0.7*ms"}, r"trial_duration must be a whole number"),
    ("brunel_2000", {"n_recorded": "-1"}, r"n_recorded must be an integer >= 1"),
    ("brunel_2000", {"duration": "inf*second"}, r"duration must be finite"),
    ("spiking_feedback_alignment", {"presentation": "20.25*ms"}, r"presentation must be a whole number"),
    ("vogels_2011", {"connectivity": "1.5"}, r"connectivity must be in \(0, 1\]"),
])
def test_out_of_domain_values_are_refused_before_anything_is_built(model, setting, message, tmp_path):
    with pytest.raises(SpecError, match=message):
        cortexlearn.run(model, out=str(tmp_path / "run"), progress=False, **setting)
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("text, message", [
    ("25*ms)", "cannot parse tau_plus='25\\*ms\\)'"),
    ("1/0", "ZeroDivisionError"),
    ("[1, 2*ms", "cannot parse"),
])
def test_unparsable_set_is_a_message(text, message, capsys):
    assert main(["run", "bi_poo_1998", "--set", f"tau_plus={text}", "--out", "/nonexistent/x"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert pytest.importorskip("re").search(message, err), err


def test_mixed_units_in_set_are_a_unit_error():
    with pytest.raises(UnitError, match="cannot parse tau_plus"):
        get_model("bi_poo_1998").resolve({"tau_plus": "1*ms + 1*mV"})


def test_domain_forms():
    p = Parameter("x", 20 * ms, "d", domain=("positive", "steps:dt"))
    p.check_domain(20 * ms, {"dt": 0.1 * ms})
    with pytest.raises(SpecError, match="whole number"):
        p.check_domain(20.05 * ms, {"dt": 0.1 * ms})
    with pytest.raises(UnitError):
        Parameter("r", 5 * Hz, "d", domain="[0*ms, 1*ms]").check_domain(5 * Hz)
    with pytest.raises(SpecError, match="unknown domain"):
        Parameter("y", 1.0, "d", domain="strictly sensible")
    with pytest.raises(SpecError, match=r"y must be in \[0, 1\]"):
        Parameter("y", 0.5, "d", domain="probability").check_domain(1.5)


def test_negative_seed_is_refused(capsys):
    with pytest.raises(SpecError, match="seed must be a non-negative integer"):
        cortexlearn.run("bi_poo_1998", seed=-1, progress=False)
