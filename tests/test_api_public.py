"""The public interface of ``import cortexlearn``: the names a user starts from, and an import that
changes nothing in Brian2."""

from __future__ import annotations

import subprocess
import sys

import cortexlearn

PUBLIC = ("Population", "Projection", "Circuit", "Connectivity", "PoissonDrive", "SpikeSource", "build",
          "Simulation", "run", "load", "Model", "Parameter", "Check")


def test_the_package_exports_specs_builder_simulation_and_models():
    from cortexlearn import specs
    from cortexlearn.model import Check, Model, Parameter
    from cortexlearn.results import load
    from cortexlearn.runner import run
    from cortexlearn.simulation import Simulation

    assert set(PUBLIC) <= set(cortexlearn.__all__)
    for name in ("Population", "Projection", "Circuit", "Connectivity", "PoissonDrive", "SpikeSource"):
        assert getattr(cortexlearn, name) is getattr(specs, name)
    assert (cortexlearn.Simulation, cortexlearn.run, cortexlearn.load) == (Simulation, run, load)
    assert (cortexlearn.Model, cortexlearn.Parameter, cortexlearn.Check) == (Model, Parameter, Check)


def test_build_is_the_builder_function_even_after_its_module_is_imported():
    import importlib

    module = importlib.import_module("cortexlearn.build")
    from cortexlearn import build

    assert callable(build) and build is module.build
    assert cortexlearn.build is module.build


_PROBE = """
import sys
import numpy as np
import brian2
from brian2.devices.device import get_device

before = (brian2.prefs.as_file, float(brian2.defaultclock.dt_), type(get_device()).__name__,
          np.random.get_state()[1].tobytes())
import cortexlearn
from cortexlearn import {names}
after = (brian2.prefs.as_file, float(brian2.defaultclock.dt_), type(get_device()).__name__,
         np.random.get_state()[1].tobytes())
changed = [what for what, a, b in zip(("preferences", "dt", "device", "seed"), before, after) if a != b]
print(changed)
"""


def test_importing_cortexlearn_sets_nothing():
    names = ", ".join(PUBLIC)
    out = subprocess.run([sys.executable, "-c", _PROBE.format(names=names)], capture_output=True,
                         text=True, check=True, timeout=120).stdout.split("\n")[-2]
    assert out == "[]", out
