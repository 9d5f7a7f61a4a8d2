"""Standalone builds compile the project's shared headers once (a GCC precompiled header)."""

from __future__ import annotations

import os

import numpy as np
import pytest
from brian2 import Network, NeuronGroup, SpikeMonitor, ms

from cortexlearn import Simulation
from cortexlearn.buildcache import PCH_NAME, use_precompiled_header

RULE = "%.o : %.cpp makefile\n\t$(CXX) $(CXXFLAGS) $< -o $@\n"


def _project(tmp_path, makefile=RULE, objects=True):
    (tmp_path / "makefile").write_text("all: main\n\n" + makefile)
    if objects:
        (tmp_path / "objects.h").write_text("#ifndef X\n#define X\n#endif\n")
    return str(tmp_path)


def test_makefile_gains_the_header_rule(tmp_path):
    d = _project(tmp_path)
    assert use_precompiled_header(d)
    text = (tmp_path / "makefile").read_text()
    assert text.startswith("all: main")  # the default target is unchanged
    assert f"{PCH_NAME}.gch : {PCH_NAME}" in text
    assert f"%.o : %.cpp makefile {PCH_NAME}.gch" in text and f"-include {PCH_NAME} $<" in text
    assert '#include "objects.h"' in (tmp_path / PCH_NAME).read_text()
    assert not use_precompiled_header(d)  # applied once only


@pytest.mark.parametrize("makefile,objects", [("%.o : %.cu\n\tnvcc $< -o $@\n", True), (RULE, False)])
def test_other_projects_are_left_alone(tmp_path, makefile, objects):
    d = _project(tmp_path, makefile, objects)
    assert not use_precompiled_header(d)
    assert (tmp_path / "makefile").read_text() == "all: main\n\n" + makefile
    assert not os.path.exists(tmp_path / PCH_NAME)


@pytest.mark.standalone
@pytest.mark.extended
def test_standalone_build_uses_it_and_computes_the_same(tmp_path):
    counts = {}
    for target in ("numpy", "cpp_standalone"):
        directory = str(tmp_path / "build") if target == "cpp_standalone" else None
        with Simulation(target=target, dt=0.1 * ms, directory=directory) as sim:
            group = NeuronGroup(20, "dv/dt = (1.5 - v)/(10*ms) : 1", threshold="v > 1", reset="v = 0",
                                method="exact", name="pch_group")
            group.v = "i / 20.0"
            mon = SpikeMonitor(group, name="pch_spikes")
            sim.run(Network(group, mon), 50 * ms)
            counts[target] = np.asarray(mon.count[:])
    assert os.path.exists(tmp_path / "build" / f"{PCH_NAME}.gch")
    assert counts["numpy"].sum() > 20
    np.testing.assert_array_equal(counts["cpp_standalone"], counts["numpy"])
