"""Export of a run to NWB (pynwb) and Neo: what goes in comes back out, number for number."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import xarray as xr

from cortexlearn.results import Results, ZarrRecorder, load, write_json

pynwb = pytest.importorskip("pynwb")
neo = pytest.importorskip("neo")

from cortexlearn.export import find_spikes, read_nwb_spikes, spike_trains, to_neo, write_nwb  # noqa: E402

RNG = np.random.default_rng(7)
N_E, N_I, T_STOP = 5, 3, 2.0


def _raster_field(n, rate):
    times = np.sort(RNG.uniform(0, T_STOP, size=int(n * rate * T_STOP)))
    neurons = RNG.integers(0, n, size=times.size)
    return neurons, times


def _data():
    e_neuron, e_time = _raster_field(N_E, 4.0)
    i_neuron, i_time = _raster_field(N_I, 9.0)
    t = np.arange(0, T_STOP, 0.01)
    return {
        # the layout of models/brunel_2000: a `field` dimension labelled neuron/time
        "raster_E": xr.DataArray(np.stack([e_neuron.astype(float), e_time]), dims=("field", "spike"),
                                 coords={"field": ["neuron", "time"]},
                                 attrs={"units": "s", "n_neurons": N_E, "t_stop": T_STOP}),
        # coordinates along `spike`, one silent neuron at the end (n_neurons = 4)
        "raster_I": xr.DataArray(np.ones(i_time.size), dims=("spike",),
                                 coords={"neuron": ("spike", i_neuron), "time": ("spike", i_time)},
                                 attrs={"n_neurons": N_I + 1, "t_stop": T_STOP}),
        "population_rate": xr.DataArray(RNG.random(t.size) * 10, dims=("time",), coords={"time": t},
                                        attrs={"units": "Hz"}),
        "weights": xr.DataArray(RNG.random((4, t.size)), dims=("synapse", "time"),
                                coords={"time": t}, attrs={"units": "nS"}),
        "final_weights": xr.DataArray(RNG.random(6), dims=("synapse",)),
    }


MANIFEST = {"model": "example", "title": "An example", "reference": "Nobody (2000)", "seed": 3,
            "target": "numpy", "status": "complete", "started": "2026-01-02T03:04:05+00:00",
            "versions": {"cortexlearn": "0.1.0"}, "parameters": {"tau": "20.0*ms"}}
METRICS = {"rate_Hz": 4.2}
CHECKS = [{"name": "rate", "metric": "rate_Hz", "op": ">", "value": 4.2, "target": 1.0,
           "tolerance": 0, "passed": True}]


@pytest.fixture
def folder(tmp_path):
    """A results folder written with the library's own writers, read back with load()."""
    out = tmp_path / "run"
    out.mkdir()
    recorder = ZarrRecorder(str(out / "data.zarr"))
    for name, da in _data().items():
        recorder(name, da)
    write_json(str(out / "manifest.json"), MANIFEST)
    write_json(str(out / "metrics.json"), {"metrics": METRICS, "checks": CHECKS})
    return str(out)


def test_find_spikes_reads_both_layouts():
    data = _data()
    found = find_spikes(data)
    assert sorted(found) == ["raster_E", "raster_I"]
    assert found["raster_I"]["n_neurons"] == N_I + 1
    np.testing.assert_array_equal(found["raster_E"]["time"], data["raster_E"].sel(field="time"))


def test_nwb_round_trip(folder):
    results = load(folder)
    path = write_nwb(folder)
    assert path == os.path.join(results.path, "results.nwb")
    with pytest.raises(FileExistsError):
        write_nwb(folder)
    spikes = read_nwb_spikes(path)
    assert len(spikes["E"]) == N_E and len(spikes["I"]) == N_I + 1 and spikes["I"][-1].size == 0
    for pop in ("E", "I"):
        raster = find_spikes(results.data)[f"raster_{pop}"]
        for index, times in enumerate(spikes[pop]):
            np.testing.assert_array_equal(times, np.sort(raster["time"][raster["neuron"] == index]))
    with pynwb.NWBHDF5IO(path, "r") as io:
        nwb = io.read()
        notes = json.loads(nwb.notes)
        assert notes["manifest"]["seed"] == 3 and notes["metrics"] == METRICS and notes["checks"][0]["passed"]
        rate = nwb.processing["cortexlearn"]["population_rate"]
        np.testing.assert_array_equal(rate.data[:], results.data["population_rate"].values)
        assert rate.unit == "Hz"
        weights = nwb.processing["cortexlearn"]["weights"]
        np.testing.assert_array_equal(weights.data[:], results.data["weights"].values.T)  # time first
        np.testing.assert_array_equal(weights.timestamps[:], results.data["weights"]["time"].values)
        np.testing.assert_array_equal(nwb.scratch["final_weights"].data[:], results.data["final_weights"].values)
        assert nwb.session_start_time.year == 2026


def test_neo_block_and_spike_trains(folder):
    results = load(folder)
    trains = spike_trains(results, "E")
    assert len(trains) == N_E and all(float(tr.t_stop) == T_STOP for tr in trains)
    raster = find_spikes(results.data)["raster_E"]
    # mean rate from the trains equals the raster's spike count over the window
    rates = [tr.size / float(tr.t_stop - tr.t_start) for tr in trains]
    assert np.mean(rates) == pytest.approx(raster["time"].size / (N_E * T_STOP))
    with pytest.raises(ValueError, match="several rasters"):
        spike_trains(results)
    block = to_neo(folder)
    seg = block.segments[0]
    assert len(seg.spiketrains) == N_E + N_I + 1
    names = [sig.name for sig in seg.analogsignals]
    assert names == ["population_rate", "weights"]
    np.testing.assert_allclose(np.asarray(seg.analogsignals[0].magnitude).ravel(),
                               results.data["population_rate"].values)
    assert json.loads(block.annotations["cortexlearn"])["manifest"]["model"] == "example"


def test_in_memory_results_need_a_path():
    res = Results(MANIFEST, METRICS, CHECKS, _data(), path=None)
    with pytest.raises(ValueError, match="no folder"):
        write_nwb(res)
    with pytest.raises(TypeError):
        write_nwb(42)


def test_command_line(folder, tmp_path, capsys):
    from cortexlearn.export import main

    target = str(tmp_path / "x.nwb")
    assert main([folder, "--nwb", target]) == 0
    assert capsys.readouterr().out.strip() == target
    assert main([folder, "--nwb", target]) == 2  # refuses to overwrite
    assert len(read_nwb_spikes(target)["E"]) == N_E
