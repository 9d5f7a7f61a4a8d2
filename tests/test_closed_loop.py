"""Closed-loop mode (:class:`cortexlearn.closedloop.ClosedLoop`): Python between trials.

A deterministic network (regular input generators whose rates Python chooses after every trial
from the last trial's output, a delta rule at trial boundaries in the equations) runs the same on
the resident ``cpp_standalone`` program and as one ``run()`` per trial on ``numpy``: the values
read after every trial, the weights and the monitor agree exactly. The compiled session loop
also equals one ``run()`` of the whole session when Python changes nothing.
"""

import numpy as np
import pytest
from brian2 import Hz, Network, NeuronGroup, StateMonitor, Synapses, ms

from cortexlearn import Simulation
from cortexlearn.errors import SpecError, TargetError

T = 20 * ms
N_IN, N_OUT = 12, 3


def _network():
    inputs = NeuronGroup(N_IN, "dphase/dt = rate : 1\nrate : Hz\ncount : 1", threshold="phase >= 1",
                         reset="phase -= 1\ncount += 1", method="euler", name="cl_inputs")
    inputs.phase = "(i * 0.6180339887) % 1.0"
    inputs.rate = 40 * Hz
    outputs = NeuronGroup(N_OUT, "dv/dt = -v/(10*ms) : 1\ncount : 1\ntarget : 1", threshold="v > 1",
                          reset="v = 0\ncount += 1", method="exact", name="cl_outputs")
    outputs.target = 2.0
    syn = Synapses(inputs, outputs, "w : 1", on_pre="v_post += w", name="cl_weights")
    syn.connect()
    syn.w = "0.1 + 0.02*((i + 3*j) % 5)"
    syn.run_regularly("w = clip(w + 0.002*(target_post - count_post)*count_pre, 0, 0.6)", dt=T,
                      when="start", order=1, name="cl_update")
    outputs.run_regularly("count = 0", dt=T, when="start", order=2, name="cl_out_restart")
    inputs.run_regularly("count = 0", dt=T, when="start", order=2, name="cl_in_restart")
    mon = StateMonitor(outputs, "v", record=[0], dt=T, when="end", name="cl_monitor")
    return Network(inputs, outputs, syn, mon), inputs, outputs, syn, mon


def _policy(counts: np.ndarray, k: int) -> np.ndarray:
    """Next trial's input rates from the last output counts (Python between trials)."""
    return (20.0 + 15.0 * ((np.arange(N_IN) + int(counts.sum()) + k) % 4)) * Hz


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """One build cache for the module: the closed-loop programs are the same code."""
    return str(tmp_path_factory.mktemp("closed-loop-cache"))


def _session(target, tmp_path, n_trials=8, stop_after=None, python=True, cache=None):
    directory = str(tmp_path / target) if target != "numpy" else None
    reads = []
    with Simulation(target=target, seed=2, directory=directory,
                    build_cache=cache if target != "numpy" else None) as sim:
        net, inputs, outputs, syn, mon = _network()
        with sim.closed_loop(net, T, n_trials, read=[outputs.count, syn.w]) as loop:
            for k in range(stop_after or n_trials):
                out = loop.step()
                reads.append(out)
                if python:
                    loop.set(inputs.rate, _policy(out["cl_outputs.count"], k))
                    loop.set(outputs.target, 1.0 + (k % 3))
                    if k == 3:  # Python edits the synapses too
                        loop.set(syn.w, 1.5 * out["cl_weights.w"])
        assert loop.steps == (stop_after or n_trials)
        if python:  # values set between trials are read back as the program left them
            np.testing.assert_allclose(np.asarray(inputs.rate[:] / Hz), np.asarray(_policy(
                reads[-1]["cl_outputs.count"], len(reads) - 1) / Hz))
        return reads, np.array(syn.w[:]), np.array(mon.v[0]), float(net.t / ms), loop


@pytest.mark.standalone
@pytest.mark.slow
def test_closed_loop_compiled_equals_runtime_loop(tmp_path, cache):
    cpp, w_cpp, v_cpp, t_cpp, loop = _session("cpp_standalone", tmp_path, cache=cache)
    ref, w_ref, v_ref, t_ref, _ = _session("numpy", tmp_path)
    assert len(cpp) == len(ref) == 8
    for a, b in zip(cpp, ref):
        np.testing.assert_array_equal(a["cl_outputs.count"], b["cl_outputs.count"])
        np.testing.assert_allclose(a["cl_weights.w"], b["cl_weights.w"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(w_cpp, w_ref, rtol=0, atol=1e-12)
    np.testing.assert_allclose(v_cpp, v_ref, rtol=0, atol=1e-12)
    assert t_cpp == pytest.approx(8 * 20.0) and t_ref == pytest.approx(8 * 20.0)
    # Python's choices mattered: the rates it set changed the counts from trial to trial
    counts = np.array([r["cl_outputs.count"].sum() for r in cpp])
    assert len(set(counts.tolist())) > 2 and counts.min() >= 0
    assert loop.step_time > 0


@pytest.mark.standalone
@pytest.mark.slow
def test_closed_loop_without_python_equals_one_run_and_stops_early(tmp_path, cache):
    reads, w_loop, v_loop, _, _ = _session("cpp_standalone", tmp_path, python=False, cache=cache)
    with Simulation(target="cpp_standalone", seed=2, directory=str(tmp_path / "once")) as sim:
        net, _, _, syn, mon = _network()
        sim.run(net, 8 * T)
        np.testing.assert_allclose(np.array(syn.w[:]), w_loop, rtol=0, atol=1e-12)
        np.testing.assert_allclose(np.array(mon.v[0]), v_loop, rtol=0, atol=1e-12)
    # closing after 3 of 8 trials ends the program there; its results are those of 3 trials
    reads3, w3, v3, t3, _ = _session("cpp_standalone", tmp_path / "early", stop_after=3, python=False,
                                     cache=cache)
    assert t3 == pytest.approx(60.0) and len(v3) == 3
    np.testing.assert_allclose(w3, reads[2]["cl_weights.w"], rtol=0, atol=1e-12)


def test_closed_loop_refuses_bad_input(tmp_path):
    with Simulation(target="numpy") as sim:
        net, inputs, outputs, syn, _ = _network()
        with pytest.raises(SpecError, match="trial must be > 0"):
            sim.closed_loop(net, 0 * ms, 3)
        with pytest.raises(SpecError, match="n_trials"):
            sim.closed_loop(net, T, 0)
        with pytest.raises(SpecError, match="not a group variable"):
            sim.closed_loop(net, T, 3, read=[np.zeros(3)])
        with sim.closed_loop(net, T, 2, read=[outputs.count]) as loop:
            with pytest.raises(SpecError, match="holds 12 values"):
                loop.set(inputs.rate, np.ones(5) * Hz)
            from brian2 import DimensionMismatchError

            with pytest.raises(DimensionMismatchError):
                loop.set(inputs.rate, np.ones(N_IN))
            with pytest.raises(SpecError, match="finite"):
                loop.set(outputs.target, np.nan)
            loop.step()
            loop.step()
            with pytest.raises(SpecError, match="2 trials; all have run"):
                loop.step()
    with Simulation(target="cpp_standalone", directory=str(tmp_path / "built")) as sim:
        net, *_ = _network()
        sim.run(net, T, build=False)
        sim._built = True  # as after a build
        with pytest.raises(TargetError, match="already built"):
            sim.closed_loop(net, T, 2)


@pytest.mark.standalone
@pytest.mark.slow
def test_closed_loop_program_that_dies_gives_a_clear_error(tmp_path, cache):
    with Simulation(target="cpp_standalone", seed=2, directory=str(tmp_path / "dies"),
                    build_cache=cache) as sim:
        net, inputs, outputs, syn, _ = _network()
        loop = sim.closed_loop(net, T, 8, read=[outputs.count, syn.w], spin=0.0)
        loop.step()
        loop._proc.kill()
        with pytest.raises(RuntimeError, match="closed-loop program stopped"):
            loop.step()
        loop.close()  # nothing left to close: no second error
    with Simulation(target="numpy") as sim:
        net, *_ = _network()
        with pytest.raises(SpecError, match="spin"):
            sim.closed_loop(net, T, 2, spin=-1)
