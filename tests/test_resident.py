"""Resident programs (``Simulation(resident=True)``): a re-run in the same process equals a fresh
process's run with the same seed and run-time values, spike for spike and weight for weight.

The network has random initial state, random connectivity (``connect(p=...)``), synaptic delays
(spikes in flight at the end of a run must not reach the next) and a spike monitor (a dynamic
array to empty), so every kind of state a re-run has to reset is exercised.
"""

import os

import numpy as np
import pytest
from brian2 import Network, NeuronGroup, SpikeMonitor, Synapses, ms

from cortexlearn import Simulation
from cortexlearn.errors import TargetError


def _network():
    g = NeuronGroup(80, "dv/dt = (1.2 - v)/(10*ms) + 0.3*xi/sqrt(ms) : 1\ngain : 1 (shared, constant)",
                    threshold="v > 1", reset="v = 0", method="euler", name="rp_group")
    g.v = "rand()"
    g.gain = 1.0
    s = Synapses(g, g, "w : 1", on_pre="v_post += gain*w", name="rp_syn", delay=2 * ms)
    s.connect(p=0.1)
    s.w = "0.05 + 0.05*rand()"
    mon = SpikeMonitor(g, name="rp_spikes")
    return Network(g, s, mon), g, s, mon


def _state(g, s, mon):
    return (np.asarray(mon.i[:]).copy(), np.asarray(mon.t[:] / ms).copy(), np.asarray(s.i[:]).copy(),
            np.asarray(s.w[:]).copy(), np.asarray(g.v[:]).copy())


def _sequence(tmp_path, resident, runs):
    """State after the first run (seed 5) and after each re-run in ``runs`` ((seed, gain) pairs)."""
    out = []
    with Simulation("cpp_standalone", seed=5, directory=str(tmp_path / f"r{int(resident)}"),
                    results_in_memory=True, resident=resident) as sim:
        net, g, s, mon = _network()
        sim.run(net, 60 * ms)
        out.append(_state(g, s, mon))
        for seed, gain in runs:
            info = sim.rerun(seed=seed, run_args={g.gain: gain} if gain is not None else None)
            assert info.complete
            out.append(_state(g, s, mon))
        proc = sim._resident.proc if resident else None
    if proc is not None:
        assert proc.poll() is not None  # the program stopped with the Simulation
    return out


@pytest.mark.standalone
@pytest.mark.slow
def test_resident_reruns_equal_fresh_processes(tmp_path):
    runs = [(6, None), (7, None), (6, None), (5, 1.5), (8, None)]
    resident = _sequence(tmp_path, True, runs)
    fresh = _sequence(tmp_path, False, runs)
    for k, (a, b) in enumerate(zip(resident, fresh)):
        for x, y in zip(a, b):
            np.testing.assert_array_equal(x, y, err_msg=f"run {k}")
    # seeds change spikes and connectivity; the same seed repeats them; the gain is applied
    assert len(resident[1][0]) != len(resident[2][0]) and len(resident[1][2]) != len(resident[2][2])
    np.testing.assert_array_equal(resident[1][1], resident[3][1])
    assert len(resident[4][0]) > len(resident[0][0])  # seed 5 again, with a stronger gain
    np.testing.assert_array_equal(resident[4][2], resident[0][2])  # seed 5: same connections


def test_resident_needs_cpp_standalone():
    with pytest.raises(TargetError, match="resident=True"):
        Simulation("numpy", resident=True)


@pytest.mark.standalone
@pytest.mark.slow
def test_resident_writes_result_files_when_read(tmp_path):
    """After a re-run only the files Python reads are written (one each); a state monitor's 2-d
    array makes the program write all files; when the program stops, every file of its last run
    is on disk (results on disk here: in memory they go with the Simulation), equal to what
    Python read."""
    from brian2 import StateMonitor
    from brian2.devices.device import get_device

    def files(device, *variables):
        return [os.path.join(device.results_dir, device.get_array_filename(v)) for v in variables]

    with Simulation("cpp_standalone", seed=5, directory=str(tmp_path / "lazy"), resident=True) as sim:
        net, g, s, mon = _network()
        state = StateMonitor(g, "v", record=[0, 1], name="rp_state")
        net.add(state)
        sim.run(net, 30 * ms)
        device = get_device()
        spikes_i, weights, v = files(device, mon.variables["i"], s.variables["w"], g.variables["v"])
        assert not os.path.exists(spikes_i) and not os.path.exists(weights)
        first_i = np.asarray(mon.i[:]).copy()
        assert os.path.exists(spikes_i) and not os.path.exists(weights)
        sim.rerun(seed=6)
        os.remove(spikes_i)
        second_i = np.asarray(mon.i[:]).copy()  # the file of this run, written again on request
        assert not np.array_equal(first_i, second_i)
        np.testing.assert_array_equal(np.fromfile(spikes_i, dtype=first_i.dtype), second_i)
        assert not os.path.exists(weights)
        trace = np.asarray(state.v[:]).copy()  # a 2-d array: every file is written
        assert trace.shape[0] == 2 and os.path.exists(weights) and os.path.exists(v)
        sim.rerun(seed=7)
        for path in (spikes_i, weights, v):
            os.remove(path)
        last_w = np.asarray(s.w[:]).copy()
        assert not os.path.exists(spikes_i) and not os.path.exists(v)
        proc = sim._resident.proc
    assert proc.poll() is not None
    # stopping wrote every file of the last run
    np.testing.assert_array_equal(np.fromfile(weights, dtype=last_w.dtype), last_w)
    assert os.path.exists(spikes_i) and os.path.exists(v)
