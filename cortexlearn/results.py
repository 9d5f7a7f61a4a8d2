"""A run's folder: manifest, metrics and checks, labelled arrays (zarr) and the figure.

Layout of ``DIR``::

    manifest.json   model, parameters (with units), seed, target, versions, wall time, status
    metrics.json    {"metrics": {name: number}, "checks": [{"name", "value", "target", "tolerance", "passed"}, ...]}
    data.zarr/      one zarr group per recorded array, each written when it is recorded
    figure.pdf/png  drawn from data.zarr and metrics.json alone

JSON files are written atomically (temporary file + rename), so a killed writer leaves the last
complete version; arrays live in separate groups, so everything recorded before an interruption
stays readable.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import warnings
from typing import Any, Mapping

import numpy as np

from .units import format_quantity

__all__ = ["Results", "load", "write_json", "to_dataarray"]


def write_json(path: str, obj) -> None:
    """Write ``obj`` as JSON to ``path`` atomically."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=directory)
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(_jsonable(obj), fh, indent=2, sort_keys=False)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _jsonable(obj):
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        value = float(obj)
        return value if math.isfinite(value) else None
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if obj is None or isinstance(obj, (str, int)):
        return obj
    return format_quantity(obj)


def to_dataarray(name: str, value):
    """Turn a Brian2 quantity, NumPy array or DataArray into an ``xarray.DataArray``.

    Quantities are stored as SI magnitudes with ``attrs["units"]`` naming the SI unit.
    """
    import xarray as xr
    from brian2.units import fundamentalunits as fu

    if isinstance(value, xr.DataArray):
        da = value
    else:
        units = None
        if isinstance(value, fu.Quantity) and value.dim is not fu.DIMENSIONLESS:
            units = str(fu.get_unit(value.dim))
            value = np.asarray(value)
        arr = np.asarray(value)
        da = xr.DataArray(arr, dims=[f"{name}_dim_{i}" for i in range(arr.ndim)], name=name)
        if units:
            da.attrs["units"] = units
    data = da.data
    if isinstance(data, fu.Quantity):
        if data.dim is not fu.DIMENSIONLESS:
            da = da.copy(data=np.asarray(data))
            da.attrs["units"] = str(fu.get_unit(data.dim))
    return da.rename(name)


class ZarrRecorder:
    """Writes each recorded array to its own group of ``DIR/data.zarr`` immediately."""

    def __init__(self, path: str):
        self.path = path

    def __call__(self, name: str, value) -> None:
        da = to_dataarray(name, value)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            da.to_dataset(name=name).to_zarr(self.path, group=name, mode="w", consolidated=False)


def read_zarr(path: str) -> dict:
    """Every group of ``data.zarr`` as a dict of loaded ``xarray.DataArray`` s."""
    import xarray as xr

    out = {}
    if not os.path.isdir(path):
        return out
    for name in sorted(os.listdir(path)):
        group = os.path.join(path, name)
        if not os.path.isdir(group):
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ds = xr.open_zarr(path, group=name, consolidated=False)
                out[name] = ds[name].load()
        except Exception:  # a group whose writer was killed: skip it, keep the rest
            continue
    return out


class Results:
    """The outcome of a run, in memory or loaded from its folder.

    Attributes
    ----------
    manifest : dict
        Model, parameters (as text with units), seed, target, versions, wall time, status.
    metrics : dict
        The model's numbers.
    checks : list of dict
        Each paper target with the value reached and whether it passed.
    data : dict
        Labelled arrays (``xarray.DataArray``) by name.
    path : str or None
        The folder the results live in.
    """

    def __init__(self, manifest: dict, metrics: dict, checks: list, data: dict, path: str | None = None):
        self.manifest = manifest
        self.metrics = metrics
        self.checks = checks
        self.data = data
        self.path = path

    @property
    def status(self) -> str:
        return self.manifest.get("status", "unknown")

    @property
    def passed(self) -> bool:
        judged = [c["passed"] for c in self.checks if c.get("passed") is not None]
        return bool(judged) and all(judged)

    def figure(self):
        """Draw the model's figure from these results (no simulation)."""
        from .registry import get_model

        from .plotting.style import mark_quick, style_context

        model = get_model(self.manifest["model"])
        if model.figure is None:
            raise ValueError(f"model {model.name} has no figure")
        with style_context():
            fig = model.figure(self.data, self.metrics)
            return mark_quick(fig) if self.manifest.get("quick") else fig

    def summary(self) -> str:
        lines = [f"{self.manifest.get('model')} — status {self.status}, target "
                 f"{self.manifest.get('target')}, seed {self.manifest.get('seed')}"]
        for k, v in self.metrics.items():
            lines.append(f"  {k:32s} {v:.6g}" if isinstance(v, (int, float)) and v is not None
                         else f"  {k:32s} {v}")
        for c in self.checks:
            mark = {True: "PASS", False: "FAIL", None: "----"}[c.get("passed")]
            lines.append(f"  [{mark}] {c['name']}: {c['value']:.4g} {c['op']} {c['target']:.4g}"
                         + (f" (tol {c['tolerance']})" if c.get("tolerance") else "")
                         if c['value'] is not None else f"  [{mark}] {c['name']}: no value")
        return "\n".join(lines)

    def __repr__(self):
        return f"<Results {self.manifest.get('model')} {self.status} at {self.path}>"


def load(path: str) -> Results:
    """Read a run folder written by :func:`cortexlearn.run` or ``cortexlearn run``."""
    with open(os.path.join(path, "manifest.json")) as fh:
        manifest = json.load(fh)
    metrics, checks = {}, []
    mpath = os.path.join(path, "metrics.json")
    if os.path.exists(mpath):
        with open(mpath) as fh:
            payload = json.load(fh)
        metrics, checks = payload.get("metrics", {}), payload.get("checks", [])
    data = read_zarr(os.path.join(path, "data.zarr"))
    return Results(manifest, metrics, checks, data, path=os.path.abspath(path))
