"""Share a run: export its results to NWB (pynwb) and its spike trains to Neo (for Elephant).

What is exported, from a :class:`~cortexlearn.results.Results` (or a results folder):

- **spike rasters** → the NWB units table (one unit per recorded neuron, with columns
  ``population`` and ``neuron``) and Neo ``SpikeTrain`` s. A recorded array is a raster when it
  has a ``spike`` dimension and carries neuron indices and spike times (in seconds), either as a
  ``field`` dimension labelled ``neuron`` and ``time`` (``models/brunel_2000`` records
  ``raster_STATE`` this way) or as ``neuron`` and ``time`` coordinates along ``spike``;
  ``attrs["n_neurons"]`` (optional) adds the silent neurons;
- **time series** (arrays with a ``time`` dimension: rates, weights over time) → NWB
  ``TimeSeries`` in the processing module ``cortexlearn`` and, when regularly sampled, Neo
  ``AnalogSignal`` s;
- **everything else** → NWB scratch data with its dimensions, coordinates and attributes;
- the **manifest, metrics and checks** → NWB ``notes`` (JSON) and Neo block annotations.

Requires the ``cluster`` extra (``pynwb``, ``neo``).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import uuid
from typing import Any, Mapping

import numpy as np

__all__ = ["find_spikes", "to_nwb", "write_nwb", "read_nwb_spikes", "to_neo", "spike_trains"]


def _results(obj):
    from .results import Results, load

    if isinstance(obj, Results):
        return obj
    if isinstance(obj, (str, os.PathLike)):
        return load(os.fspath(obj))
    raise TypeError(f"expected a Results object or a results folder, got {type(obj).__name__}")


def _raster(da) -> tuple[np.ndarray, np.ndarray] | None:
    if "spike" not in da.dims:
        return None
    if "field" in da.dims and "field" in da.coords:
        labels = [str(v) for v in da["field"].values]
        if "neuron" in labels and "time" in labels:
            return (np.asarray(da.sel(field="neuron"), dtype=float).astype(np.int64),
                    np.asarray(da.sel(field="time"), dtype=float))
    if "neuron" in da.coords and "time" in da.coords:
        return (np.asarray(da["neuron"], dtype=float).astype(np.int64), np.asarray(da["time"], dtype=float))
    return None


def find_spikes(data: Mapping[str, Any]) -> dict[str, dict]:
    """The spike rasters among recorded arrays.

    Parameters
    ----------
    data : mapping of str to DataArray
        A run's recorded arrays (``Results.data``).

    Returns
    -------
    dict
        ``{name: {"neuron": int array, "time": float array (s), "n_neurons": int}}``.
    """
    out = {}
    for name, da in data.items():
        found = _raster(da) if hasattr(da, "dims") else None
        if found is None:
            continue
        neuron, time = found
        n = int(da.attrs.get("n_neurons", (neuron.max() + 1) if neuron.size else 0))
        out[name] = {"neuron": neuron, "time": time, "n_neurons": n}
    return out


def _population(name: str) -> str:
    return name[len("raster_"):] if name.startswith("raster_") else name


def _metadata(results) -> str:
    return json.dumps({"manifest": results.manifest, "metrics": results.metrics,
                       "checks": results.checks}, default=str)


def _start_time(manifest) -> _dt.datetime:
    try:
        return _dt.datetime.fromisoformat(manifest["started"])
    except (KeyError, TypeError, ValueError):
        return _dt.datetime.now(_dt.timezone.utc)


def to_nwb(results, session_description: str | None = None):
    """Build an ``pynwb.NWBFile`` from a run.

    Parameters
    ----------
    results : Results or str
        A :class:`~cortexlearn.results.Results` or a results folder.
    session_description : str, optional
        Default: the model's title, name, seed and target.

    Returns
    -------
    pynwb.NWBFile
        Spike rasters as units, sampled arrays as time series, the manifest and metrics as
        metadata.
    """
    from pynwb import NWBFile, TimeSeries

    res = _results(results)
    manifest = res.manifest
    nwb = NWBFile(
        session_description=session_description or f"{manifest.get('title', manifest.get('model'))} "
        f"(cortexlearn model {manifest.get('model')}, seed {manifest.get('seed')}, "
        f"target {manifest.get('target')})",
        identifier=str(uuid.uuid4()),
        session_start_time=_start_time(manifest),
        experiment_description=str(manifest.get("reference", "")),
        notes=_metadata(res),
        source_script="cortexlearn " + str(manifest.get("versions", {}).get("cortexlearn", "")),
        source_script_file_name=f"cortexlearn run {manifest.get('model')}",
        keywords=["cortexlearn", "brian2", "spiking network", str(manifest.get("model"))],
    )
    spikes = find_spikes(res.data)
    if spikes:
        nwb.add_unit_column("population", "recorded array the unit comes from")
        nwb.add_unit_column("neuron", "index of the neuron in its population")
        for name, raster in spikes.items():
            order = np.argsort(raster["time"], kind="stable")
            neuron, time = raster["neuron"][order], raster["time"][order]
            for index in range(raster["n_neurons"]):
                nwb.add_unit(spike_times=time[neuron == index], population=_population(name), neuron=index)
    module = None
    for name, da in res.data.items():
        if name in spikes or not hasattr(da, "dims"):
            continue
        if "time" in da.dims and "time" in da.coords:
            if module is None:
                module = nwb.create_processing_module("cortexlearn", "arrays recorded by the model")
            da = da.transpose("time", ...)
            module.add(TimeSeries(name=name, data=np.asarray(da, dtype=float),
                                  timestamps=np.asarray(da["time"], dtype=float),
                                  unit=str(da.attrs.get("units", "n/a")),
                                  description=json.dumps({"dims": list(da.dims),
                                                          "attrs": _plain(da.attrs)})))
        else:
            coords = {k: np.asarray(v).tolist() for k, v in da.coords.items() if np.size(v) <= 1000}
            nwb.add_scratch(np.asarray(da), name=name, description=json.dumps(
                {"dims": list(da.dims), "coords": coords, "attrs": _plain(da.attrs)}, default=str))
    return nwb


def _plain(attrs) -> dict:
    return {str(k): (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in attrs.items()}


def write_nwb(results, path: str | None = None, overwrite: bool = False) -> str:
    """Write a run to an NWB file.

    Parameters
    ----------
    results : Results or str
        A run, or its folder.
    path : str, optional
        Default ``RESULTS_FOLDER/results.nwb``.
    overwrite : bool, optional
        Replace an existing file.

    Returns
    -------
    str
        The path written.
    """
    from pynwb import NWBHDF5IO

    res = _results(results)
    if path is None:
        if res.path is None:
            raise ValueError("these results have no folder; pass path=")
        path = os.path.join(res.path, "results.nwb")
    if os.path.exists(path) and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True")
    nwb = to_nwb(res)
    root, ext = os.path.splitext(path)
    tmp = f"{root}.tmp-{uuid.uuid4().hex[:6]}{ext or '.nwb'}"
    with NWBHDF5IO(tmp, "w") as io:
        io.write(nwb)
    os.replace(tmp, path)
    return path


def read_nwb_spikes(path: str) -> dict[str, list[np.ndarray]]:
    """Spike times per population and neuron from an NWB file written by :func:`write_nwb`.

    Parameters
    ----------
    path : str
        The NWB file.

    Returns
    -------
    dict of str to list of ndarray
        Spike times (seconds) of each neuron, by population.
    """
    from pynwb import NWBHDF5IO

    out: dict[str, list[np.ndarray]] = {}
    with NWBHDF5IO(path, "r") as io:
        nwb = io.read()
        if nwb.units is None:
            return out
        table = nwb.units.to_dataframe()
        for _, row in table.iterrows():
            out.setdefault(row["population"], []).append(np.asarray(row["spike_times"], dtype=float))
    return out


def spike_trains(results, population: str | None = None, t_stop: float | None = None):
    """Neo ``SpikeTrain`` s (seconds) of one recorded population, ready for Elephant.

    Parameters
    ----------
    results : Results or str
        A run or its folder.
    population : str, optional
        The raster's name (``raster_AI`` or ``AI``); required when the run holds several.
    t_stop : float, optional
        End of the recording in seconds (default: the raster's ``t_stop`` attribute, else the
        last spike).
    """
    import neo
    import quantities as pq

    res = _results(results)
    spikes = find_spikes(res.data)
    if not spikes:
        raise ValueError("these results hold no spike raster")
    if population is None:
        if len(spikes) > 1:
            raise ValueError(f"several rasters: choose population= one of {', '.join(spikes)}")
        population = next(iter(spikes))
    name = population if population in spikes else f"raster_{population}"
    if name not in spikes:
        raise ValueError(f"no raster {population!r}; recorded: {', '.join(spikes)}")
    raster = spikes[name]
    stop = t_stop if t_stop is not None else float(res.data[name].attrs.get(
        "t_stop", raster["time"].max() if raster["time"].size else 0.0))
    start = float(res.data[name].attrs.get("t_start", 0.0))
    trains = []
    for index in range(raster["n_neurons"]):
        times = np.sort(raster["time"][raster["neuron"] == index])
        trains.append(neo.SpikeTrain(times * pq.s, t_start=start * pq.s, t_stop=max(stop, start) * pq.s,
                                     name=f"{_population(name)}[{index}]", neuron=index,
                                     population=_population(name)))
    return trains


def to_neo(results):
    """A Neo ``Block`` with one ``Segment`` holding a run.

    Every raster's spike trains and every regularly sampled time series as an ``AnalogSignal``;
    the manifest, metrics and checks as annotations.

    Parameters
    ----------
    results : Results or str
        A run, or its folder.

    Returns
    -------
    neo.Block
    """
    import neo
    import quantities as pq

    res = _results(results)
    block = neo.Block(name=str(res.manifest.get("model")), description=str(res.manifest.get("title", "")),
                      cortexlearn=_metadata(res))
    segment = neo.Segment(name=f"seed {res.manifest.get('seed')}")
    block.segments.append(segment)
    spikes = find_spikes(res.data)
    for name in spikes:
        segment.spiketrains.extend(spike_trains(res, name))
    for name, da in res.data.items():
        if name in spikes or not hasattr(da, "dims") or "time" not in da.dims or "time" not in da.coords:
            continue
        t = np.asarray(da["time"], dtype=float)
        steps = np.diff(t)
        if t.size < 2 or not np.allclose(steps, steps[0], rtol=1e-6, atol=1e-12):
            continue
        values = np.asarray(da.transpose("time", ...), dtype=float).reshape(t.size, -1)
        units = da.attrs.get("units", "dimensionless")
        try:
            unit = pq.Quantity(1.0, units) if units not in ("1", "", "n/a") else pq.dimensionless
        except (LookupError, ValueError):
            unit = pq.dimensionless
        segment.analogsignals.append(neo.AnalogSignal(values * unit, t_start=t[0] * pq.s,
                                                      sampling_period=steps[0] * pq.s, name=name))
    return block


def main(argv: list[str] | None = None) -> int:
    """``python -m cortexlearn.export RESULTS_FOLDER [--nwb FILE] [--overwrite]``.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status.
    """
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m cortexlearn.export", description=main.__doc__)
    parser.add_argument("folder", help="a results folder written by cortexlearn run")
    parser.add_argument("--nwb", default=None, help="output file (default FOLDER/results.nwb)")
    parser.add_argument("--overwrite", action="store_true")
    args = parser.parse_args(argv)
    try:
        path = write_nwb(args.folder, args.nwb, overwrite=args.overwrite)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
