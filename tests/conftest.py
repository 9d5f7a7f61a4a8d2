"""Shared fixtures: Brian2 state reset between tests, a code-generation ``target`` fixture,
and build folders kept inside pytest's temporary directory.

The C++ compiled in the test process is compiled at ``-O1`` (see :mod:`compile_flags`)."""

from __future__ import annotations

import os

import matplotlib
import pytest
from compile_flags import use_test_flags

matplotlib.use("Agg")


use_test_flags()

#: Targets for cross-target tests; Cython and standalone builds are marked so that
#: ``-m "not cython and not standalone"`` gives a quick run.
TARGET_PARAMS = [
    pytest.param("numpy", id="numpy"),
    pytest.param("cython", id="cython", marks=pytest.mark.cython),
    pytest.param("cpp_standalone", id="cpp_standalone", marks=pytest.mark.standalone),
]


#: Weights of a file's expected cost, from its tests' markers (a cold Cython build dominates).
_COST = {"cython": 10, "standalone": 3, "slow": 1}


def pytest_configure(config):
    """Under ``--dist loadfile`` xdist hands out files in order of their number of tests, which
    starts the few-test files that build the most (cross-target tests, models) last, so one worker
    ends alone on them; keep the order of :func:`pytest_collection_modifyitems` instead."""
    if getattr(config.option, "loadscopereorder", None):
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(config, items):
    """On xdist workers, the files with the costliest markers first (longest job first), each file's
    tests in their own order; a run without xdist keeps pytest's order."""
    if not hasattr(config, "workerinput"):
        return
    cost: dict[str, int] = {}
    has_cython: set[str] = set()
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        cost[path] = cost.get(path, 0) + sum(w for name, w in _COST.items()
                                             if name != "cython" and item.get_closest_marker(name))
        if item.get_closest_marker("cython"):
            has_cython.add(path)  # a file's Cython cases share their builds: counted once
    for path in has_cython:
        cost[path] += _COST["cython"]
    order = {path: rank for rank, path in enumerate(sorted(cost, key=lambda p: -cost[p]))}
    items.sort(key=lambda item: order[item.nodeid.split("::", 1)[0]])


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
