"""Every reproduction in models/ fulfils the model contract and is installed by setup.cfg."""

import configparser
import os

import pytest

from cortexlearn.model import Model
from cortexlearn.registry import get_model, list_models

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FOLDERS = sorted(d for d in os.listdir(os.path.join(ROOT, "models"))
                 if os.path.isfile(os.path.join(ROOT, "models", d, "__init__.py")))


def _packages():
    cfg = configparser.ConfigParser()
    cfg.read(os.path.join(ROOT, "setup.cfg"))
    return {line.strip() for line in cfg["options"]["packages"].splitlines() if line.strip()}


def test_every_model_folder_is_installed_by_setup_cfg():
    missing = [f"cortexlearn.models.{d}" for d in FOLDERS if f"cortexlearn.models.{d}" not in _packages()]
    assert not missing, f"add to setup.cfg [options] packages: {missing}"


def test_every_library_package_is_installed_by_setup_cfg():
    pkgs = []
    for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, "cortexlearn")):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        if "__init__.py" in filenames:
            pkgs.append(os.path.relpath(dirpath, ROOT).replace(os.sep, "."))
    missing = [p for p in pkgs if p not in _packages()]
    assert not missing, f"add to setup.cfg [options] packages: {missing}"


@pytest.mark.parametrize("name", FOLDERS)
def test_model_contract(name):
    model = get_model(name)
    assert isinstance(model, Model) and model.name == name
    assert model.reference and model.title
    assert model.figure is not None, "every reproduction draws a figure"
    assert model.checks, "every reproduction is judged by the paper's numbers"
    for check in model.checks:
        assert check.source, f"check {check.name!r} does not say where its target comes from"
    for param in model.parameters:
        assert param.doc, f"parameter {param.name} has no description"
    table = model.methods_table()
    assert all(f"`{p.name}`" in table for p in model.parameters)
    assert name in list_models()
