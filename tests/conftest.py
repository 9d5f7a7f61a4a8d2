"""Shared fixtures: Brian2 state reset between tests, a code-generation ``target`` fixture,
and build folders kept inside pytest's temporary directory."""

from __future__ import annotations

import os

import matplotlib
import pytest

matplotlib.use("Agg")

#: Targets for cross-target tests; Cython and standalone builds are marked so that
#: ``-m "not cython and not standalone"`` gives a quick run.
TARGET_PARAMS = [
    pytest.param("numpy", id="numpy"),
    pytest.param("cython", id="cython", marks=pytest.mark.cython),
    pytest.param("cpp_standalone", id="cpp_standalone", marks=pytest.mark.standalone),
]


@pytest.fixture(params=TARGET_PARAMS)
def target(request):
    """Each code-generation target in turn (use deterministic input: SpikeGeneratorGroup)."""
    return request.param


@pytest.fixture(scope="session", autouse=True)
def _build_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("brian-builds")
    old = os.environ.get("CORTEXLEARN_BUILD_ROOT")
    os.environ["CORTEXLEARN_BUILD_ROOT"] = str(root)
    yield root
    if old is None:
        os.environ.pop("CORTEXLEARN_BUILD_ROOT", None)
    else:
        os.environ["CORTEXLEARN_BUILD_ROOT"] = old


@pytest.fixture(autouse=True)
def _reset_brian_state():
    """Leave Brian2 as imported: runtime device, default preferences and dt, no stop flag."""
    yield
    import brian2
    from brian2.core.network import Network
    from brian2.devices.device import get_device, reset_device

    device = get_device()
    if device.__class__.__name__ != "RuntimeDevice":
        device.reinit()
        reset_device("runtime")
    Network._globally_stopped = False
    Network._globally_running = False
    brian2.restore_initial_state()
    import matplotlib.pyplot as plt

    plt.close("all")
