"""Build cache: a re-used binary gives exactly the results of a fresh build, seeds still differ,
changed code never picks up an old binary, damaged entries are ignored, runtime targets ignore it,
and a seed sweep compiles once and re-uses the program in every unit.

One tiny random network (noise ``xi``, random initial state, random connectivity drawn by the
compiled program, a bias array set from NumPy) is compiled once for the whole module: the sweep's
test model builds the very same network (same source text), so its units find that program in
the cache. That changed code changes the key is checked on generated projects, without compiling.
"""

import json
import os
import socket
import sys
import textwrap

import numpy as np
import pytest
from brian2 import ms

import cortexlearn.models
from compile_flags import brian2_flags
from cortexlearn import Simulation
from cortexlearn.buildcache import CACHE_ENV, BuildCache, project_key, read_log
from cortexlearn.errors import SpecError

NETWORK = textwrap.dedent('''
    import numpy as np
    from brian2 import Network, NeuronGroup, SpikeMonitor, Synapses, ms


    def network(seed, tau=10 * ms, shift=0.0):
        """Random in every way a model is: noise, initial state, connectivity, NumPy-drawn data."""
        eqs = """dv/dt = (gain * bias - v) / tau + 0.4 * xi * tau ** -0.5 : 1
                 bias : 1
                 gain : 1 (shared, constant)"""
        group = NeuronGroup(30, eqs, threshold="v > 1", reset="v = 0", method="euler", name="bc_group")
        group.v = "rand()"
        group.gain = 1.0  # compiled in; run_args may replace it when the program starts
        group.bias = np.random.default_rng(seed).uniform(0.9, 1.3, 30) + shift  # data, not code
        synapses = Synapses(group, group, "w : 1", on_pre="v += w", name="bc_synapses")
        synapses.connect(p=0.2)
        synapses.w = "0.05 * rand()"
        monitor = SpikeMonitor(group, name="bc_spikes")
        return Network(group, synapses, monitor), monitor, {"tau": tau}


    def checksum(indices, times_ms):
        return float(np.sum((np.asarray(indices) + 1) * np.round(np.asarray(times_ms), 6)))
''')
_scope: dict = {}
exec(NETWORK, _scope)
_network, _checksum = _scope["network"], _scope["checksum"]

MODEL = "buildcachetest_tiny"
MODEL_SOURCE = textwrap.dedent('''
    """Test-only model: the network of tests/test_build_cache.py, with a run-time bias shift."""
    import numpy as np
    from brian2 import ms
    from cortexlearn.model import Check, Model, Parameter

    from .network import checksum, network


    def simulate(ctx):
        with ctx.simulation() as sim:
            net, monitor, namespace = network(ctx.seed, shift=float(ctx.params["shift"]))
            sim.run(net, 100 * ms, namespace=namespace)
            i, t = np.asarray(monitor.i[:]), np.asarray(monitor.t[:] / ms)
        return {"spikes": float(i.size), "checksum": checksum(i, t)}


    MODEL = Model(
        name="buildcachetest_tiny", title="Build cache test model", reference="none (test only)",
        parameters=(Parameter("shift", 0.0, "added to every bias", runtime=True),
                    Parameter("label", "a", "compiled into the program (test of grouping)",
                              choices=("a", "b"))),
        simulate=simulate, checks=(Check("fires", "spikes", ">", 0.0),),
        default_target="cpp_standalone",
    )
''')


def _spikes(monitor):
    return np.asarray(monitor.i[:]).copy(), np.asarray(monitor.t[:] / ms).copy()


def _run(seed: int, cache, gain=None, rerun_gain=None):
    """Spikes and RunInfo of one run (``gain`` given as run_args), and with ``rerun_gain`` the
    spikes of Brian2's own re-run of the same program with that gain. Compiled with Brian2's own
    flags, as the sweep units' processes compile (the cache's key includes the flags)."""
    with brian2_flags(), Simulation("cpp_standalone", seed=seed, build_cache=cache) as sim:
        net, monitor, namespace = _network(seed)
        run_args = None if gain is None else {net["bc_group"].gain: gain}
        info = sim.run(net, 100 * ms, namespace=namespace, run_args=run_args)
        spikes = _spikes(monitor)
        if rerun_gain is None:
            return spikes, info
        sim.rerun(run_args={net["bc_group"].gain: rerun_gain}, seed=seed)
        return spikes, info, _spikes(monitor)


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    """A cache (a sweep's root, and this host's folder in it) holding the network's program,
    and the spikes of that fresh build (seed 3); compiled with Brian2's own flags, as the sweep
    units' processes compile."""
    root = str(tmp_path_factory.mktemp("cache"))
    cache = os.path.join(root, socket.gethostname())
    spikes, info, gain_spikes = _run(3, cache, rerun_gain=1.25)  # empty cache: compiles, stores
    assert info.build_reused is False and info.complete
    return root, cache, spikes, gain_spikes


def _generate(directory, seed: int, tau=10 * ms) -> str:
    """Write the project (no compilation) and return its key."""
    from brian2.devices.device import get_device

    with Simulation("cpp_standalone", seed=seed, directory=str(directory), build_cache=False) as sim:
        net, _, namespace = _network(seed, tau)
        sim.run(net, 100 * ms, namespace=namespace, build=False)
        get_device().build(directory=sim.directory, compile=False, run=False, with_output=False)
    return project_key(str(directory))


def test_key_ignores_seed_and_data_but_not_code(tmp_path):
    base = _generate(tmp_path / "a", seed=1)
    assert _generate(tmp_path / "b", seed=2) == base  # seed read at run time, bias is a data file
    assert _generate(tmp_path / "c", seed=1, tau=12 * ms) != base  # a constant compiled into code
    (tmp_path / "b" / "main.cpp").write_text((tmp_path / "b" / "main.cpp").read_text() + "\n")
    assert project_key(str(tmp_path / "b")) != base  # one byte of source is enough


@pytest.mark.standalone
@pytest.mark.slow
def test_reused_binary_gives_exactly_the_fresh_results(compiled):
    _, cache, fresh3, _ = compiled
    other5, info5 = _run(5, cache)
    reused3, info3 = _run(3, cache)
    assert info5.build_reused is True and info3.build_reused is True
    assert fresh3[0].size > 50  # the network is active
    np.testing.assert_array_equal(reused3[0], fresh3[0])  # same seed: the very same spikes
    np.testing.assert_array_equal(reused3[1], fresh3[1])
    assert other5[0].size != fresh3[0].size or not np.array_equal(other5[1], fresh3[1])
    entries = [d for d in os.listdir(cache) if not d.startswith(".") and os.path.isdir(os.path.join(cache, d))]
    assert len(entries) == 1
    assert [r["hit"] for r in read_log(cache)[0]][:3] == [False, True, True]


@pytest.mark.standalone
@pytest.mark.slow
def test_shared_constant_given_as_run_args_reuses_the_program(compiled):
    _, cache, fresh3, gain3 = compiled
    spikes, info = _run(3, cache, gain=1.25)  # a placeholder in the code, the value at start-up
    assert info.build_reused is True
    # the same as Brian2's own re-run of the freshly compiled program with that value
    np.testing.assert_array_equal(spikes[0], gain3[0])
    np.testing.assert_array_equal(spikes[1], gain3[1])
    assert spikes[0].size > fresh3[0].size  # a larger drive: more spikes than with gain 1


@pytest.fixture
def model_dir(tmp_path):
    root = tmp_path / "models"
    (root / MODEL).mkdir(parents=True)
    (root / MODEL / "__init__.py").write_text(MODEL_SOURCE)
    (root / MODEL / "network.py").write_text(NETWORK)
    yield str(root)
    if str(root) in cortexlearn.models.__path__:
        cortexlearn.models.__path__.remove(str(root))
    for name in (MODEL, f"{MODEL}.network"):
        sys.modules.pop(f"cortexlearn.models.{name}", None)


@pytest.mark.standalone
@pytest.mark.slow
def test_seed_sweep_reuses_the_program_with_the_fresh_build_results(compiled, model_dir, tmp_path):
    from cortexlearn.sweep import build_groups, plan, sweep

    root, _, fresh3, _ = compiled
    units = plan(MODEL, {"shift": [0.0, 0.1]}, [3, 4], str(tmp_path / "s"), model_path=[model_dir])
    assert [len(g) for g in build_groups(units)] == [4]  # shift is declared run-time

    # the units run in processes of their own, each generating the network's code again: the
    # program compiled by this process is found in this host's folder of the sweep's cache
    result = sweep(MODEL, {"shift": [0.0, 0.1]}, seeds=[3, 4], out=str(tmp_path / "s"),
                   scheduler="serial", progress=False, model_path=[model_dir], build_cache=root)
    assert result.complete, result.failed
    assert (result.builds_compiled, result.builds_reused) == (0, 4)
    table = result.summary.set_index(["shift", "seed"])
    assert table.loc[(0.0, 3), "checksum"] == _checksum(*fresh3)  # exactly the fresh build's spikes
    assert len(set(table["checksum"])) == 4  # seeds and the shift still change the run


def test_sweep_plans_a_cache_per_host_and_groups_by_compiled_parameters(model_dir, tmp_path):
    from cortexlearn.sweep import build_groups, plan

    out = str(tmp_path / "s")
    units = plan(MODEL, {"shift": [0.0, 0.1], "label": ["a", "b"]}, [1, 2], out, model_path=[model_dir])
    groups = build_groups(units)
    assert [len(g) for g in groups] == [4, 4]  # one program per compiled value, seeds and shifts share it
    assert [{dict(u.grid)["label"] for u in g} for g in groups] == [{"a"}, {"b"}]
    assert {u.build_cache for u in units} == {os.path.join(out, "build-cache")}
    assert units[0].host_build_cache() == os.path.join(out, "build-cache", socket.gethostname())
    assert plan(MODEL, {}, [1], out, model_path=[model_dir], build_cache=False)[0].build_cache is None
    assert plan(MODEL, {}, [1], out, model_path=[model_dir], target="numpy")[0].build_cache is None
    assert plan(MODEL, {}, [1], out, model_path=[model_dir],
                build_cache=str(tmp_path / "local"))[0].build_cache == str(tmp_path / "local")


def test_entry_for_another_key_or_a_damaged_binary_is_not_used(tmp_path):
    bc = BuildCache(str(tmp_path))
    key, other = "a" * 64, "a" * 32 + "b" * 32  # same folder name (first 32 digits), other key
    project = tmp_path / "project"
    project.mkdir()
    (project / "main").write_bytes(b"binary")
    bc.store(key, str(project), build_time=1.0)
    assert bc.lookup(key) == os.path.join(bc.entry(key), "main")
    assert bc.lookup(other) is None
    with open(bc.lookup(key), "r+b") as fh:  # its SHA-256 no longer matches the entry's record
        fh.write(b"B")
    assert bc.lookup(key) is None
    with open(os.path.join(bc.entry(key), "entry.json")) as fh:
        assert json.load(fh)["key"] == key


def test_runtime_targets_and_bad_arguments(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    with Simulation("numpy", seed=1) as sim:  # the environment's cache means nothing here
        assert sim.build_cache is None
        net, monitor, namespace = _network(1)
        info = sim.run(net, 5 * ms, namespace=namespace, run_args={net["bc_group"].gain: 1.5})
        assert float(np.asarray(net["bc_group"].gain[:])) == 1.5  # run_args assigned before the run
    assert info.build_reused is None and not (tmp_path / "cache").exists()
    assert Simulation("cpp_standalone").build_cache.folder == str(tmp_path / "cache")
    assert Simulation("cpp_standalone", build_cache=False).build_cache is None
    with pytest.raises(SpecError, match="build_cache"):
        Simulation("cpp_standalone", build_cache=3)


def test_clock_start_up_order_does_not_change_the_key(tmp_path):
    """Brian2 writes the clocks' start-up in the order of a set of objects (memory addresses):
    two processes can write the same program with those lines permuted."""
    from cortexlearn.buildcache import canonical_main

    head, tail = b"int main() {\n    brian_start();\n", b"    net.run(1.0);\n}\n"
    a = [b"        _array_defaultclock_timestep[0] = 0;", b"        _array_defaultclock_t[0] = 0.0;",
         b"        _array_w_clock_timestep[0] = 0;", b"        _array_w_clock_t[0] = 0.0;"]
    b = a[2:] + a[:2]
    keys = []
    for i, lines in enumerate((a, b, [a[0], a[1], a[2], b"        _array_w_clock_t[0] = 0.5;"])):
        project = tmp_path / f"p{i}"
        project.mkdir()
        (project / "main.cpp").write_bytes(head + b"\n".join(lines) + b"\n" + tail)
        keys.append(project_key(str(project)))
    assert keys[0] == keys[1] != keys[2]
    # a run in which one variable is set twice keeps its order (the last assignment wins)
    twice = [a[0], b"        _array_defaultclock_timestep[0] = 5;"]
    assert canonical_main(b"\n".join(twice)) == b"\n".join(twice)
    assert canonical_main(b"\n".join(twice[::-1])) == b"\n".join(twice[::-1])
