"""Simulation: targets agree on deterministic input, analytic neuron checks, locks, re-runs,
interruption, finiteness checks and refusal of network_operation on standalone targets."""

import os
import signal
import subprocess
import sys

import numpy as np
import pytest
from brian2 import Hz, Network, NeuronGroup, PoissonGroup, SpikeMonitor, StateMonitor, mV, ms, nA, nS, network_operation, second

from cortexlearn import Simulation
from cortexlearn.analysis.spikes import lif_rate
from cortexlearn.build import build
from cortexlearn.errors import DiskSpaceError, LockedError, NonFiniteError, SpecError, TargetError
from cortexlearn.neurons import lif_conductance, lif_current, lif_delta
from cortexlearn.simulation import _DirectoryLock
from cortexlearn.specs import Circuit, Connectivity, Population, Projection, SpikeSource


def _deterministic_circuit():
    """Spike sources with fixed times drive E and I populations with fixed weights."""
    rng = np.random.default_rng(7)
    n_in, n_spikes = 20, 400
    slots = rng.choice(n_in * 2000, size=n_spikes, replace=False)  # distinct (neuron, 0.1 ms step)
    idx = slots % n_in
    times = (slots // n_in) * 0.1 * ms
    src = SpikeSource("inp", n_in, idx, times, kind="E")
    neuron = lif_conductance()
    E = Population("E", 10, neuron, kind="E")
    I = Population("I", 4, neuron, kind="I")
    ci, cj = np.meshgrid(np.arange(n_in), np.arange(10), indexing="ij")
    w_in = (3 + (ci.ravel() * 7 + cj.ravel() * 3) % 5) * nS
    return Circuit("det", (E, I), (
        Projection("inp", "E", Connectivity.explicit(ci.ravel(), cj.ravel()), w_in),
        Projection("E", "I", Connectivity.all_to_all(), 6 * nS, delay=1 * ms),
        Projection("I", "E", Connectivity.all_to_all(), 10 * nS, delay=0.5 * ms),
    ), sources=(src,))


REFERENCE = {}


def test_targets_give_identical_spike_times(target):
    circuit = _deterministic_circuit()
    with Simulation(target, seed=0) as sim:
        built = build(circuit)
        info = sim.run(built.network, 250 * ms)
        assert info.complete
        spikes = {name: (np.array(m.i[:]), np.array(m.t[:] / ms)) for name, m in built.spike_monitors.items()}
    assert spikes["E"][0].size > 20 and spikes["I"][0].size > 5  # the circuit is active
    # cython and cpp_standalone are compared with a fresh numpy run of the same circuit; numpy
    # itself with a run under another seed: the circuit draws no random number, so the seed
    # (and anything else left over from the first run) must not change a spike
    with Simulation("numpy", seed=0 if target != "numpy" else 12345) as sim:
        ref = build(circuit)
        sim.run(ref.network, 250 * ms)
        for name, m in ref.spike_monitors.items():
            np.testing.assert_array_equal(spikes[name][0], np.asarray(m.i[:]))
            np.testing.assert_allclose(spikes[name][1], np.asarray(m.t[:] / ms), rtol=0, atol=1e-9)


def test_lif_f_i_curve_matches_closed_form():
    """Rates of a current-based LIF under constant drive vs. the analytic rate (within 1 %)."""
    neuron = lif_current()
    drives = np.linspace(0.205, 0.5, 8) * nA  # R_m I from 20.5 to 50 mV; threshold 20 mV above rest
    with Simulation("numpy", dt=0.02 * ms) as sim:
        built = build(Circuit("fi", (Population("E", drives.size, neuron),)))
        built.groups["E"].I_ext = drives
        sim.run(built.network, 0.6 * second)
        mon = built.spike_monitors["E"]
        i, t = np.asarray(mon.i[:]), np.asarray(mon.t[:])
    p = neuron.parameters
    expected = lif_rate(np.asarray(drives * p["R_m"]), float(p["tau_m"]), float(p["v_threshold"] - p["E_L"]),
                        float(p["v_reset"] - p["E_L"]), float(p["tau_ref"]))
    # rate from the mean inter-spike interval (first spike excluded: it starts from rest)
    measured = np.array([1.0 / np.diff(t[i == k])[1:].mean() for k in range(drives.size)])
    assert np.all(expected > 5)
    np.testing.assert_allclose(measured, expected, rtol=0.01)


def test_conductance_decays_exactly_exponentially():
    neuron = lif_conductance()
    circuit = Circuit("decay", (Population("E", 1, neuron),),
                      sources=(SpikeSource("s", 1, [0], [1 * ms]),),
                      projections=(Projection("s", "E", Connectivity.all_to_all(), 5 * nS),))
    with Simulation("numpy") as sim:
        built = build(circuit, record_state={"E": ("g_e", "g_i")})
        sim.run(built.network, 30 * ms)
        mon = built.state_monitors["E"]
        t = np.asarray(mon.t / ms)
        g = np.asarray(mon.g_e[0] / nS)
    after = t > 1.05  # the spike arrives in the step starting at 1 ms
    expected = g[after][0] * np.exp(-(t[after] - t[after][0]) / 5.0)  # tau_e = 5 ms
    np.testing.assert_allclose(g[after], expected, rtol=1e-9)
    assert g[after][0] == pytest.approx(5.0, rel=1e-12)  # recorded before the next update
    assert np.all(g[t <= 1.0] == 0)


@pytest.mark.standalone
def test_network_operation_refused_on_standalone():
    with Simulation("cpp_standalone") as sim:
        group = NeuronGroup(1, "v:1", name="g")

        @network_operation(dt=1 * ms)
        def poke():
            pass

        with pytest.raises(TargetError, match="network_operation .*run_regularly"):
            sim.run(Network(group, poke), 1 * ms)


@pytest.mark.standalone
def test_rerun_changes_seed_without_recompiling_and_reproduces(tmp_path):
    import os

    # result files in memory (where /dev/shm exists): read back like files on disk, removed on exit
    with Simulation("cpp_standalone", seed=11, directory=str(tmp_path / "b"), results_in_memory=True) as sim:
        group = PoissonGroup(50, 40 * Hz, name="p")
        mon = SpikeMonitor(group, name="m")
        first = sim.run(Network(group, mon), 200 * ms)
        n11 = mon.num_spikes
        t11 = np.asarray(mon.t[:])
        second_run = sim.rerun(seed=12)
        n12 = mon.num_spikes
        sim.rerun(seed=11)
        t11_again = np.asarray(mon.t[:])
        memory = sim._memory_results
        # the seed is set for each run only: this process's environment keeps no stale seed
        assert "CORTEXLEARN_SEED" not in os.environ
    assert first.build_time > 0 and second_run.build_time == 0
    assert n11 != n12 and n11 > 0
    np.testing.assert_array_equal(t11, t11_again)
    if os.path.isdir("/dev/shm"):
        assert memory is not None and memory.startswith("/dev/shm/")
        assert not os.path.exists(memory) and not os.path.lexists(tmp_path / "b" / "results")


@pytest.mark.standalone
def test_build_directory_is_locked_against_a_second_run(tmp_path):
    directory = str(tmp_path / "shared")
    holder = _DirectoryLock(directory)  # another live run holding the build directory
    holder.acquire()
    try:
        with pytest.raises(LockedError, match="locked by a live run"):
            Simulation("cpp_standalone", directory=directory).__enter__()
    finally:
        holder.release()
    with Simulation("cpp_standalone", directory=directory) as sim:  # free again
        assert sim.directory == directory


def test_automatic_build_directories_are_unique():
    dirs = []
    for _ in range(2):
        with Simulation("cpp_standalone") as sim:
            dirs.append(sim.directory)
            assert os.path.isdir(sim.directory)
        assert not os.path.exists(dirs[-1])  # removed on exit
    assert dirs[0] != dirs[1]


def test_disk_full_is_reported_before_building(monkeypatch):
    import shutil

    from collections import namedtuple

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**9, 10**9 - 1000, 1000))
    with pytest.raises(DiskSpaceError, match="MiB free"):
        Simulation("cpp_standalone").__enter__()


@pytest.fixture
def ctrl_c_reaches_brian():
    """Ctrl-C handled as in an interactive session, whatever SIGINT disposition the process
    inherited; the disposition is restored after the test.

    A job that a non-interactive shell starts in the background (``cmd &``) inherits SIGINT
    ignored (POSIX Shell Command Language, 2.11 Signals and Error Handling), and cortexlearn keeps
    ignoring it in such a process, as that process asked: a Ctrl-C sent to it is dropped and the
    run completes. Brian2's handler is therefore installed for the test itself.
    """
    import brian2

    saved = signal.signal(signal.SIGINT, brian2._int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, saved)


def test_ctrl_c_marks_the_run_interrupted_and_keeps_data(ctrl_c_reaches_brian):
    with Simulation("numpy") as sim:
        group = NeuronGroup(3, "dv/dt = 1/second : 1", name="g")
        mon = StateMonitor(group, "v", record=0, name="vm")

        @network_operation(dt=10 * ms)
        def press_ctrl_c(t):
            if t >= 40 * ms:
                os.kill(os.getpid(), signal.SIGINT)

        info = sim.run(Network(group, mon, press_ctrl_c), 100 * ms)
        assert info.status == "interrupted"
        assert 0.3 < info.completed_fraction < 0.6
        assert 300 < len(mon.t) < 600  # what was recorded is kept


def test_ctrl_c_test_holds_in_a_process_started_with_sigint_ignored():
    # the test above, run by a pytest that inherited SIGINT ignored (a background job of a
    # non-interactive shell); without its fixture the Ctrl-C is dropped and the run completes
    name = f"{__file__}::test_ctrl_c_marks_the_run_interrupted_and_keeps_data"
    args = [sys.executable, "-m", "pytest", "-p", "no:xdist", "-p", "no:cacheprovider", "-q", name]
    ignored = f"import os, signal; signal.signal(signal.SIGINT, signal.SIG_IGN); os.execv({args[0]!r}, {args!r})"
    out = subprocess.run([sys.executable, "-c", ignored], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and "1 passed" in out.stdout, out.stdout[-3000:] + out.stderr[-2000:]


def test_check_finite_names_the_variable():
    with Simulation("numpy"):
        group = NeuronGroup(4, "v : volt\nw : 1", name="layer")
        group.w = [0, 1, np.nan, 2]
        with pytest.raises(NonFiniteError, match=r"layer\.w is not finite at 1 of 4 elements \(first at index 2\)"):
            Simulation.check_finite(group)
        group.w = 0
        Simulation.check_finite(group)


def test_invalid_simulation_arguments():
    with pytest.raises(TargetError, match="unknown target"):
        Simulation("gpu")
    with pytest.raises(SpecError, match="dt must be > 0"):
        Simulation("numpy", dt=-0.1 * ms)
    with pytest.raises(SpecError, match="dt must be > 0"):
        Simulation("numpy", dt=0 * ms)
    with Simulation("numpy") as sim:
        group = NeuronGroup(1, "v:1", name="g")
        with pytest.raises(SpecError, match="duration must be > 0"):
            sim.run(Network(group), -1 * ms)


def test_cuda_target_is_refused_with_a_reason_when_unavailable():
    from cortexlearn.simulation import available_targets

    reason = available_targets()["cuda_standalone"]
    if reason is None:
        pytest.skip("a GPU with brian2cuda is available here")
    with pytest.raises(TargetError, match="cuda_standalone is not available here"):
        Simulation("cuda_standalone")


def test_pip_installed_curand_is_found_and_linked(tmp_path, monkeypatch):
    # CUDA from pip packages: cuRAND's header and libcurand.so.N sit in nvidia/cu13, without the
    # libcurand.so that brian2cuda's -lcurand needs
    import os
    import sys

    from cortexlearn.simulation import _curand_preferences, _pip_curand

    site = tmp_path / "site"
    (site / "nvidia" / "cu13" / "include").mkdir(parents=True)
    (site / "nvidia" / "cu13" / "lib").mkdir()
    (site / "nvidia" / "cu13" / "include" / "curand.h").write_text("")
    lib = site / "nvidia" / "cu13" / "lib" / "libcurand.so.10"
    lib.write_text("")
    monkeypatch.setattr(sys, "path", [str(tmp_path / "elsewhere"), str(site)])
    found = _pip_curand()
    assert found == (str(site / "nvidia" / "cu13" / "include"), str(site / "nvidia" / "cu13" / "lib"), str(lib))
    out = _curand_preferences(str(tmp_path / "build"), found)
    link = tmp_path / "build" / "cuda_libs" / "libcurand.so"
    assert os.path.realpath(link) == str(lib)
    assert out["codegen.cpp.library_dirs"][-1] == str(link.parent)
    assert out["codegen.cpp.runtime_library_dirs"][-1] == str(lib.parent)
    assert out["codegen.cpp.include_dirs"][-1] == found[0]
    assert _curand_preferences(str(tmp_path / "build"), None) == {}
    monkeypatch.setattr(sys, "path", [str(tmp_path / "elsewhere")])
    assert _pip_curand() is None


def test_simulation_restores_brian_state():
    from brian2 import defaultclock, prefs

    before = (prefs["codegen.target"], float(defaultclock.dt))
    with Simulation("cython", dt=0.05 * ms):
        assert prefs["codegen.target"] == "cython"
        assert float(defaultclock.dt) == pytest.approx(5e-5)
    assert (prefs["codegen.target"], float(defaultclock.dt)) == before


def test_importing_cortexlearn_changes_no_brian_global():
    code = (
        "import brian2\n"
        "from brian2 import prefs, defaultclock\n"
        "from brian2.devices.device import get_device\n"
        "before = (dict(prefs), float(defaultclock.dt), type(get_device()).__name__)\n"
        "import cortexlearn, cortexlearn.build, cortexlearn.registry\n"
        "cortexlearn.list_models()\n"
        "after = (dict(prefs), float(defaultclock.dt), type(get_device()).__name__)\n"
        "assert before == after, [k for k in before[0] if before[0][k] != after[0].get(k)]\n"
        "print('same')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "same" in out.stdout
