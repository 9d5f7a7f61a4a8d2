"""A run's folder: manifest, metrics and checks, labelled arrays (zarr) and the figure.

Layout of ``DIR``::

    manifest.json   model, parameters (with units), seed, target, versions, wall time, status
    metrics.json    {"metrics": {name: number}, "checks": [{"name", "value", "target", "tolerance", "passed"}, ...]}
    data.zarr/      one zarr group per recorded array, each written when it is recorded
    figure.pdf/png  drawn from data.zarr and metrics.json alone

JSON files are written atomically (temporary file + rename), so a killed writer leaves the last
complete version; arrays live in separate groups, so everything recorded before an interruption
stays readable. Each array's shape, dtype and SHA-256 digest are recorded beside it
(``data.zarr/checksums.json``) when it is written, and :func:`load` verifies them: a truncated or
deleted chunk is reported with the file it came from instead of loading as NaN or vanishing.
A manifest still saying ``"running"`` whose process is gone (same host) or whose heartbeat is
older than :data:`STALE_AFTER_S` is reported as ``"interrupted"`` or ``"stale"``.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
import os
import socket
import tempfile
import warnings
from typing import Any, Mapping

import numpy as np

from .errors import ResultsCorruptError
from .units import format_quantity

__all__ = ["Results", "load", "write_json", "read_json", "to_dataarray", "run_state", "STALE_AFTER_S"]

#: A "running" manifest whose heartbeat is older than this is reported as stale (seconds).
STALE_AFTER_S = 600.0
CHECKSUMS = "checksums.json"


def umask() -> int:
    """The process's file-creation mask (read without changing it where ``/proc`` allows)."""
    mask = None
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    mask = int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    if mask is None:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def file_mode() -> int:
    """Permissions of a new file under the process's umask (``0o644`` under the usual ``022``):
    results are meant to be read by collaborators, like the figures written beside them."""
    return 0o666 & ~umask()


def write_json(path: str, obj) -> None:
    """Write ``obj`` as JSON to ``path`` atomically, readable as the umask allows (not 0600).

    Parameters
    ----------
    path : str
        The file.
    obj : object
        Anything ``json`` can write.
    """
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=directory)
    try:
        os.fchmod(fd, file_mode())
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

    Parameters
    ----------
    name : str
        Name of the array.
    value : Quantity, array_like or DataArray
        The data.

    Returns
    -------
    xarray.DataArray
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


def read_json(path: str):
    """Parse the JSON file ``path``; a damaged file raises :class:`ResultsCorruptError` naming it.

    Parameters
    ----------
    path : str
        Path of the file.

    Returns
    -------
    object
        The parsed JSON value.

    Raises
    ------
    ResultsCorruptError
        If the file is not valid JSON.
    """
    try:
        with open(path) as fh:
            return json.load(fh)
    except ValueError as exc:
        raise ResultsCorruptError(
            f"{path} is not valid JSON ({exc}); it was damaged after it was written (files are "
            "written atomically). Re-run into this folder with --overwrite (overwrite=True), or "
            "restore the file from a copy") from None


def array_digest(values) -> dict:
    """Shape, dtype and SHA-256 digest of an array's values (what :func:`load` verifies).

    Parameters
    ----------
    values : array_like
        The values; strings and objects are hashed through their text.

    Returns
    -------
    dict
        ``shape`` (list), ``dtype`` (str) and ``sha256`` (hex str).
    """
    arr = np.ascontiguousarray(np.asarray(values))
    h = hashlib.sha256()
    if arr.dtype.kind in "OUS":
        h.update("\x00".join(map(str, arr.ravel().tolist())).encode())
    else:
        h.update(arr.tobytes())
    return {"shape": list(arr.shape), "dtype": str(arr.dtype), "sha256": h.hexdigest()}


class ZarrRecorder:
    """Writes each recorded array to its own group of ``DIR/data.zarr`` immediately, and records
    its shape, dtype and digest in ``data.zarr/checksums.json`` once the group is complete.

    Parameters
    ----------
    path : str
        The ``data.zarr`` folder.
    """

    def __init__(self, path: str):
        self.path = path
        self.digests: dict[str, dict] = {}

    def __call__(self, name: str, value) -> None:
        da = to_dataarray(name, value)
        self.digests.pop(name, None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            da.to_dataset(name=name).to_zarr(self.path, group=name, mode="w", consolidated=False)
        self.digests[name] = array_digest(da.values)
        write_json(os.path.join(self.path, CHECKSUMS), self.digests)


def read_zarr(path: str, strict: bool = True) -> dict:
    """Every group of ``data.zarr`` as a dict of loaded ``xarray.DataArray`` s, verified.

    Each array recorded in ``checksums.json`` must be present with its recorded shape and digest.
    A damaged one raises :class:`ResultsCorruptError` naming its folder (``strict=False``: a
    warning, and the array is left out). A group that is not in ``checksums.json`` was being
    written when its writer stopped; it is left out with a warning.

    Parameters
    ----------
    path : str
        The ``data.zarr`` folder.
    strict : bool
        Raise on a damaged array (default) or warn and leave it out.

    Returns
    -------
    dict of str to xarray.DataArray
    """
    import xarray as xr

    out = {}
    if not os.path.isdir(path):
        return out
    recorded = {}
    cpath = os.path.join(path, CHECKSUMS)
    if os.path.exists(cpath):
        recorded = read_json(cpath)
    problems = []
    names = sorted(n for n in os.listdir(path) if os.path.isdir(os.path.join(path, n)))
    for name in sorted(set(recorded) - set(names)):
        problems.append(f"{os.path.join(path, name)}: the array {name!r} was written but its folder is gone")
    for name in names:
        group = os.path.join(path, name)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ds = xr.open_zarr(path, group=name, consolidated=False)
                da = ds[name].load()
        except Exception as exc:
            if name in recorded:
                problems.append(f"{group}: cannot be read ({exc.__class__.__name__}: {exc})")
            else:
                warnings.warn(f"{group}: left out, its writer stopped before it was complete "
                              f"({exc.__class__.__name__})", stacklevel=3)
            continue
        if name in recorded:
            got = array_digest(da.values)
            want = recorded[name]
            if list(got["shape"]) != list(want["shape"]):
                problems.append(f"{group}: shape {tuple(got['shape'])}, written as {tuple(want['shape'])}")
                continue
            if got["sha256"] != want["sha256"]:
                problems.append(f"{group}: its values differ from those written (a chunk file is "
                                "damaged or missing)")
                continue
        elif recorded or os.path.exists(cpath):
            warnings.warn(f"{group}: not in {CHECKSUMS} (its writer stopped while writing it); "
                          "loaded unverified", stacklevel=3)
        out[name] = da
    if problems:
        text = "damaged results:\n  " + "\n  ".join(problems)
        if strict:
            raise ResultsCorruptError(text + "\nRe-run into this folder with --overwrite "
                                      "(overwrite=True), or load(path, strict=False) to read the "
                                      "intact arrays only")
        warnings.warn(text, stacklevel=3)
    return out


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except (OSError, ValueError, TypeError):
        return True
    return True


def run_state(manifest: Mapping) -> tuple[str, str]:
    """The true status of a run and why: a ``"running"`` manifest whose process is gone (on this
    host) becomes ``"interrupted"``; one whose heartbeat is older than :data:`STALE_AFTER_S`
    (another host) becomes ``"stale"``. Other statuses are returned as written.

    Parameters
    ----------
    manifest : mapping
        A run's manifest (``status``, ``pid``, ``host``, ``heartbeat``, ``started``).

    Returns
    -------
    status : str
        The status.
    reason : str
        Why a running status was changed, empty otherwise.
    """
    status = manifest.get("status", "unknown")
    if status != "running":
        return status, ""
    pid, host = manifest.get("pid"), manifest.get("host")
    if isinstance(pid, int) and host == socket.gethostname() and not _pid_alive(pid):
        return "interrupted", (f"its process {pid} on {host} is gone (killed, or the machine "
                               f"stopped); last heartbeat {manifest.get('heartbeat', 'never')}")
    beat = manifest.get("heartbeat") or manifest.get("started")
    try:
        age = (_dt.datetime.now(_dt.timezone.utc) - _dt.datetime.fromisoformat(beat)).total_seconds()
    except (TypeError, ValueError):
        return status, ""
    if age > STALE_AFTER_S:
        return "stale", (f"no heartbeat for {age:.0f} s from process {pid} on {host}; it is "
                         "probably dead")
    return status, ""


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
        """``"complete"``, ``"interrupted"`` or ``"failed"`` (``"unknown"`` without a manifest entry).
        """
        return self.manifest.get("status", "unknown")

    @property
    def passed(self) -> bool:
        """True when every judged check passed (and at least one was judged)."""
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
        """A text summary: model, status, metrics and checks."""
        lines = [f"{self.manifest.get('model')} — status {self.status}, target "
                 f"{self.manifest.get('target')}, seed {self.manifest.get('seed')}"]
        for k, v in self.metrics.items():
            lines.append(f"  {k:32s} {v:.6g}" if isinstance(v, (int, float)) and v is not None
                         else f"  {k:32s} {v}")
        for c in self.checks:
            mark = {True: "PASS", False: "FAIL", None: "----"}[c.get("passed")]
            lines.append(f"  [{mark}] {c['name']}: {c['value']:.4g} {c['op']} {c['target']:.4g}"
                         + (f" (tol {c['tolerance']})" if c.get("tolerance") else "")
                         + _seed_judgement(c)
                         if c['value'] is not None else f"  [{mark}] {c['name']}: no value")
        return "\n".join(lines)

    def __repr__(self):
        return f"<Results {self.manifest.get('model')} {self.status} at {self.path}>"


def _seed_judgement(row: dict) -> str:
    """How a check row was judged across seeds, as the tail of its summary line: the number of
    seeds, the judged value (the one-sided 95 % bound, or the worst seed) and every seed's value;
    empty for a check judged on one value."""
    per_seed = row.get("per_seed")
    if not per_seed or row.get("judge") in (None, "one value"):
        return ""

    def fmt(x):
        return "nan" if x is None or not math.isfinite(x) else f"{x:.4g}"

    bound = row.get("bound")
    judged = " to ".join(fmt(b) for b in bound) if isinstance(bound, (list, tuple)) else fmt(bound)
    return (f"; {row.get('n_seeds', len(per_seed))} seeds, {row['judge']}: {judged}"
            f" (per seed {', '.join(fmt(v) for v in per_seed)})")


def load(path: str, strict: bool = True) -> Results:
    """Read a run folder written by :func:`cortexlearn.run` or ``cortexlearn run``.

    Parameters
    ----------
    path : str
        The run's folder.
    strict : bool
        Raise :class:`~cortexlearn.errors.ResultsCorruptError` when an array does not match the
        shape and digest recorded when it was written (default); ``False`` warns and leaves it out.

    Returns
    -------
    Results

    Raises
    ------
    ResultsCorruptError
        A damaged ``manifest.json``/``metrics.json`` or array, naming the file and the fix.
    FileNotFoundError
        The folder holds no run.
    """
    mfile = os.path.join(path, "manifest.json")
    if not os.path.exists(mfile):
        raise FileNotFoundError(f"{path} holds no run (no manifest.json)")
    manifest = read_json(mfile)
    if not isinstance(manifest, dict):
        raise ResultsCorruptError(f"{mfile} does not hold a run's manifest (a JSON object)")
    status, why = run_state(manifest)
    if status != manifest.get("status"):
        manifest = dict(manifest, status=status, status_written=manifest.get("status"), status_note=why)
    metrics, checks = {}, []
    mpath = os.path.join(path, "metrics.json")
    if os.path.exists(mpath):
        payload = read_json(mpath)
        metrics, checks = payload.get("metrics", {}), payload.get("checks", [])
    data = read_zarr(os.path.join(path, "data.zarr"), strict=strict)
    return Results(manifest, metrics, checks, data, path=os.path.abspath(path))
