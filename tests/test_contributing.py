"""The recipe of CONTRIBUTING.md works: the model template, copied as a new model, runs and is
judged by its checks."""

import importlib.util
import pathlib
import shutil

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_contributing_names_files_that_exist():
    text = (ROOT / "CONTRIBUTING.md").read_text()
    for path in ("cortexlearn/rules/base.py", "cortexlearn/rules/inhibitory.py", "cortexlearn/reference/stdp.py",
                 "tests/test_foundation_plastic_specs.py", "tests/test_rules_protocol.py",
                 "docs/templates/model/", "cortexlearn/build/feedforward.py", "tests/test_models_contract.py"):
        assert path in text and (ROOT / path).exists(), path


def test_the_model_template_runs_as_a_model(tmp_path):
    from cortexlearn.model import Model
    from cortexlearn.registry import register_model, unregister_model
    from cortexlearn.runner import run

    folder = tmp_path / "my_model"
    shutil.copytree(ROOT / "docs" / "templates" / "model", folder)
    spec = importlib.util.spec_from_file_location("my_model", folder / "__init__.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert isinstance(module.MODEL, Model)
    register_model(module.MODEL, replace=True)
    try:
        res = run("template", quick=True, target="numpy", out=str(tmp_path / "out"), progress=False)
    finally:
        unregister_model("template")
    assert res.status == "complete"
    assert res.metrics["first_rate_hz"] > 0
    assert [c["name"] for c in res.checks] == ["inhibitory plasticity lowers the excess rate"]
    assert (tmp_path / "out" / "figure.png").exists()
