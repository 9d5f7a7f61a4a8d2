"""Standalone builds compile the project's shared headers once (a GCC precompiled header)."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest
from brian2 import Network, NeuronGroup, SpikeMonitor, ms

from compile_flags import brian2_flags
from cortexlearn import Simulation
from cortexlearn.buildcache import (PCH_NAME, deps_from_compilation, run_once_code_at_O1, unity_code_objects,
                                   use_precompiled_header)

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
        # Brian2's own flags (-O3): the tests' -O1 leaves no run-once code to lower
        with brian2_flags(), Simulation(target=target, dt=0.1 * ms, directory=directory) as sim:
            group = NeuronGroup(20, "dv/dt = (1.5 - v)/(10*ms) : 1", threshold="v > 1", reset="v = 0",
                                method="exact", name="pch_group")
            group.v = "i / 20.0"
            mon = SpikeMonitor(group, name="pch_spikes")
            sim.run(Network(group, mon), 50 * ms)
            counts[target] = np.asarray(mon.count[:])
    build = tmp_path / "build"
    assert os.path.exists(build / f"{PCH_NAME}.gch")
    assert "RUN_ONCE_OBJS" in (build / "makefile").read_text()
    assert os.path.exists(build / "cortexlearn_unity_step.o")
    assert os.path.exists(build / "objects.d") and "objects.o:" in (build / "make.deps").read_text()
    assert counts["numpy"].sum() > 20
    np.testing.assert_array_equal(counts["cpp_standalone"], counts["numpy"])


#: The parts of Brian2's ``cpp_standalone`` makefile that the first-build changes edit.
BRIAN2_MAKEFILE = """PROGRAM = main

SRCS = brianlib/spikequeue.cpp code_objects/E_stateupdater_codeobject.cpp \
code_objects/E_to_E_synapses_create_array_codeobject.cpp code_objects/before_run_E_to_E_pre_push_spikes.cpp \
code_objects/E_to_E_pre_push_spikes.cpp code_objects/E_group_variable_set_conditional_codeobject.cpp \
main.cpp network.cpp objects.cpp run.cpp synapses_classes.cpp
H_SRCS = objects.h network.h
OBJS = ${SRCS:.cpp=.o}
OBJS := ${OBJS:.c=.o}
OPTIMISATIONS = -w -O3 -ffast-math -march=native -std=c++11
CXXFLAGS = -c -Wno-write-strings $(OPTIMISATIONS) -I.
LFLAGS =
DEPS = make.deps

all: $(PROGRAM)

.PHONY: all clean

$(PROGRAM): $(OBJS) $(DEPS) makefile
\t$(CXX) $(OBJS) -o $(PROGRAM) $(LFLAGS)

make.deps: $(SRCS) $(H_SRCS)
\t$(CXX) $(CXXFLAGS) -MM $(SRCS) > make.deps

ifneq ($(wildcard $(DEPS)), )
include $(DEPS)
endif

%.o : %.cpp makefile
\t$(CXX) $(CXXFLAGS) $< -o $@
"""

RUN_ONCE = {"brianlib/spikequeue.o", "code_objects/E_to_E_synapses_create_array_codeobject.o",
            "code_objects/before_run_E_to_E_pre_push_spikes.o", "main.o", "objects.o", "run.o",
            "synapses_classes.o"}
EVERY_STEP = {"code_objects/E_stateupdater_codeobject.o", "code_objects/E_to_E_pre_push_spikes.o",
              "code_objects/E_group_variable_set_conditional_codeobject.o", "network.o"}


def _dry_run(directory):
    """The compiler commands ``make`` would run, by output file (nothing is compiled)."""
    import subprocess

    for name in BRIAN2_MAKEFILE.split("SRCS = ")[1].split("\nH_SRCS")[0].replace("\\\n", " ").split():
        os.makedirs(os.path.join(directory, os.path.dirname(name)), exist_ok=True)
        open(os.path.join(directory, name), "w").close()
    open(os.path.join(directory, "network.h"), "w").close()
    out = subprocess.run(["make", "-n", "-j1", "CXX=g++"], cwd=directory, capture_output=True, text=True,
                         check=True).stdout
    commands = {}
    for line in out.splitlines():
        words = line.split()
        if words and words[0] == "g++" and "-o" in words:
            commands[words[words.index("-o") + 1]] = words
        elif words and words[0] == "cat":
            commands["make.deps"] = words
    return commands


def test_run_once_code_at_O1_and_deps_written_while_compiling(tmp_path):
    d = _project(tmp_path, BRIAN2_MAKEFILE.split("all: $(PROGRAM)")[1])
    (tmp_path / "makefile").write_text(BRIAN2_MAKEFILE)
    assert use_precompiled_header(d) and deps_from_compilation(d)
    assert set(run_once_code_at_O1(d)) == RUN_ONCE
    assert not deps_from_compilation(d) and run_once_code_at_O1(d) == []  # applied once only
    commands = _dry_run(d)
    assert set(commands) == RUN_ONCE | EVERY_STEP | {f"{PCH_NAME}.gch", "make.deps", "main"}
    # the header is precompiled with the project's flags even though the first object that needs
    # it is compiled at -O1 (GCC crashes on objects compiled at -O3 with an -O1 header)
    assert "-O3" in commands[f"{PCH_NAME}.gch"] and "-O1" not in commands[f"{PCH_NAME}.gch"]
    for obj in RUN_ONCE | EVERY_STEP:
        level = "-O1" if obj in RUN_ONCE else "-O3"
        assert level in commands[obj] and "-MMD" in commands[obj], obj
        assert "-ffast-math" in commands[obj] and "-march=native" in commands[obj]
        assert sum(w.startswith("-O") for w in commands[obj]) == 1
    assert "-MM" not in commands["make.deps"] and "objects.d" in commands["make.deps"]


def test_first_build_changes_leave_other_makefiles_alone(tmp_path):
    d = _project(tmp_path)
    (tmp_path / "makefile").write_text(BRIAN2_MAKEFILE.replace("-O3", "-O2"))
    assert use_precompiled_header(d)
    assert run_once_code_at_O1(d) == []  # no -O3 to lower
    text = (tmp_path / "makefile").read_text()
    assert "RUN_ONCE_OBJS" not in text
    (tmp_path / "makefile").write_text(BRIAN2_MAKEFILE)  # without the precompiled header's rule
    assert not deps_from_compilation(d)
    assert (tmp_path / "makefile").read_text() == BRIAN2_MAKEFILE


def _code_object(directory, name, body, header=None):
    os.makedirs(directory / "code_objects", exist_ok=True)
    (directory / "code_objects" / f"{name}.h").write_text(
        header if header is not None
        else f"#ifndef _INCLUDED_{name}\n#define _INCLUDED_{name}\n\nvoid _run_{name}();\n\n#endif\n")
    (directory / "code_objects" / f"{name}.cpp").write_text(
        f'#include "code_objects/{name}.h"\n#include "objects.h"\n#include<cmath>\n\n{body}')


#: Two code objects whose anonymous-namespace helpers clash, as Brian2's do; the first one's macro
#: would break the second one's constant of the same name.
CLASHING = {
    "a": "namespace {\n    #define SCALE 2.0\n    double helper(double x) { return SCALE * x; }\n}\n"
         "void _run_a()\n{\n    results[0] = helper(1.5);\n}\n",
    "b": "namespace {\n    const double SCALE = 3.0;\n"
         "    double helper(double x) { return SCALE * x + 1.0; }\n}\n"
         "void _run_b()\n{\n    results[1] = helper(1.5) + SCALE;\n}\n",
}


@pytest.mark.standalone
def test_unity_file_keeps_each_code_objects_helpers_and_macros(tmp_path):
    import subprocess

    (tmp_path / "objects.h").write_text("#ifndef O\n#define O\nextern double results[2];\n#endif\n")
    for name, body in CLASHING.items():
        _code_object(tmp_path, name, body)
    (tmp_path / "main.cpp").write_text(
        '#include <cstdio>\n#include "objects.h"\n#include "code_objects/a.h"\n#include "code_objects/b.h"\n'
        'double results[2];\n'
        'int main() { _run_a(); _run_b(); std::printf("%g %g\\n", results[0], results[1]); }\n')
    (tmp_path / "makefile").write_text(
        "SRCS = code_objects/a.cpp code_objects/b.cpp main.cpp\n"
        f"%.o : %.cpp makefile {PCH_NAME}.gch\n")
    assert unity_code_objects(str(tmp_path)) == ["cortexlearn_unity_step.cpp"]
    assert (tmp_path / "makefile").read_text().startswith("SRCS = main.cpp cortexlearn_unity_step.cpp\n")
    assert unity_code_objects(str(tmp_path)) == []  # applied once only
    for sources in (["code_objects/a.cpp", "code_objects/b.cpp"], ["cortexlearn_unity_step.cpp"]):
        subprocess.run(["g++", "-I.", "-o", "prog", "main.cpp"] + sources, cwd=tmp_path, check=True)
        out = subprocess.run(["./prog"], cwd=tmp_path, capture_output=True, text=True, check=True).stdout
        assert out.split() == ["3", "8.5"], sources


def test_unity_build_leaves_unexpected_code_objects_alone(tmp_path):
    (tmp_path / "objects.h").write_text("")
    _code_object(tmp_path, "a", CLASHING["a"])
    _code_object(tmp_path, "b", CLASHING["b"],
                 header="#ifndef B\n#define B\nvoid _run_b();\nextern int x;\n#endif\n")
    makefile = f"SRCS = code_objects/a.cpp code_objects/b.cpp main.cpp\n%.o : %.cpp makefile {PCH_NAME}.gch\n"
    (tmp_path / "makefile").write_text(makefile)
    assert unity_code_objects(str(tmp_path)) == []
    assert (tmp_path / "makefile").read_text() == makefile
    assert not any(name.startswith("cortexlearn_unity") for name in os.listdir(tmp_path))


def test_spike_queue_appends_in_one_pass(tmp_path):
    import brian2

    from cortexlearn.buildcache import append_spikes_in_one_pass

    original = os.path.join(os.path.dirname(brian2.__file__), "synapses", "spikequeue.h")
    os.makedirs(tmp_path / "brianlib")
    target = tmp_path / "brianlib" / "spikequeue.h"
    shutil.copy(original, target)
    assert append_spikes_in_one_pass(str(tmp_path))
    text = target.read_text()
    assert "homog_queue.insert(homog_queue.end(), cur_indices, cur_indices + num_indices)" in text
    assert "homog_queue.resize(cur_homog_queue_size+num_indices)" not in text
    assert not append_spikes_in_one_pass(str(tmp_path))  # another form: left as it is
    assert target.read_text() == text
    assert not append_spikes_in_one_pass(str(tmp_path / "missing"))


def test_synaptic_pathways_prefetch_their_synapses_and_compute_the_same(tmp_path):
    # pair STDP on deterministic spikes: every per-synapse array the on_post loop reads is asked
    # for 16 synapses ahead (the on_pre loop's synapses are contiguous: left alone); the weights
    # equal those of the numpy target
    from brian2 import SpikeGeneratorGroup, Synapses

    from cortexlearn.buildcache import PREFETCH_DISTANCE, prefetch_spiking_synapses

    rng = np.random.default_rng(3)
    times = {"pre": np.sort(rng.choice(400, 120, replace=False)) * 0.5 * ms,
             "post": np.sort(rng.choice(400, 90, replace=False)) * 0.5 * ms}
    weights = {}
    for target in ("numpy", "cpp_standalone"):
        directory = str(tmp_path / "build") if target == "cpp_standalone" else None
        with Simulation(target=target, dt=0.1 * ms, directory=directory) as sim:
            pre = SpikeGeneratorGroup(30, np.arange(120) % 30, times["pre"], name="pf_pre")
            post = SpikeGeneratorGroup(20, np.arange(90) % 20, times["post"], name="pf_post")
            syn = Synapses(pre, post, """w : 1
                                         dapre/dt = -apre/(20*ms) : 1 (event-driven)
                                         dapost/dt = -apost/(20*ms) : 1 (event-driven)""",
                           on_pre="apre += 0.01\nw = clip(w - apost, 0, 1)",
                           on_post="apost += 0.012\nw = clip(w + apre, 0, 1)", name="pf_syn")
            syn.connect(p=0.6)
            syn.w = "0.5 + 0.01 * (i % 7)"
            sim.run(Network(pre, post, syn), 200 * ms)
            weights[target] = np.asarray(syn.w[:])
    (post_code,) = (tmp_path / "build" / "code_objects").glob("pf_syn_post_codeobject*.cpp")
    code = post_code.read_text()
    assert f"_spiking_synapse_idx + {PREFETCH_DISTANCE}]" in code
    assert "__builtin_prefetch(&_ptr_array_pf_syn_w[_ahead]);" in code
    assert "__builtin_prefetch(&_ptr_array_pf_syn_apre[_ahead]);" in code
    (pre_code,) = (tmp_path / "build" / "code_objects").glob("pf_syn_pre_codeobject*.cpp")
    assert "__builtin_prefetch" not in pre_code.read_text()
    assert prefetch_spiking_synapses(str(tmp_path / "build")) == []  # once only
    assert np.ptp(weights["numpy"]) > 0.05
    np.testing.assert_allclose(weights["cpp_standalone"], weights["numpy"], rtol=0, atol=1e-12)
