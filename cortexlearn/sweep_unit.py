"""One unit of a sweep: its serialisable specification, its folder's status and the entry point
of the process that runs it.

Part of :mod:`cortexlearn.sweep`; the lowest layer of the sweep machinery, imported by
:mod:`cortexlearn.sweep_process` (which runs units) and :mod:`cortexlearn.sweep_combine` (which reads
their folders), so that neither needs to import :mod:`cortexlearn.sweep` back.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
import os
import re
import socket
import sys
from typing import Any, Iterable

from .buildcache import CACHE_ENV, UNIT_ENV
from .errors import CortexlearnError
from .results import write_json

__all__ = ["SweepError", "UnitSpec", "add_model_path", "model_fingerprint", "unit_status"]

#: Environment variable naming extra folders that hold model packages (``:``-separated), e.g. a
#: lab's own models outside this repository; they are added to ``cortexlearn.models``.
MODEL_PATH_ENV = "CORTEXLEARN_MODEL_PATH"
SPEC_NAME = "sweep-unit.json"


class SweepError(CortexlearnError, RuntimeError):
    """A sweep cannot start or cannot merge with what its folder already holds."""


# ---------------------------------------------------------------------------------------- models
def add_model_path(paths: Iterable[str] | None = None) -> tuple[str, ...]:
    """Make model packages in ``paths`` (and in ``$CORTEXLEARN_MODEL_PATH``) importable.

    They become ``cortexlearn.models.NAME``.

    Parameters
    ----------
    paths : iterable of str, optional
        Folders holding model packages.

    Returns
    -------
    tuple of str
        Every extra folder now in use.
    """
    import cortexlearn.models as pkg

    extra = [p for p in os.environ.get(MODEL_PATH_ENV, "").split(os.pathsep) if p]
    extra += list(paths or ())
    for path in extra:
        path = os.path.abspath(path)
        if path not in pkg.__path__:
            pkg.__path__.append(path)
    base = os.path.dirname(os.path.abspath(pkg.__file__))
    return tuple(p for p in pkg.__path__ if os.path.abspath(p) != base)


def model_fingerprint(name: str) -> str:
    """A short hash of a model's version: cortexlearn's version and the model package's sources.

    Two results folders merge into one sweep only when their fingerprints agree.

    Parameters
    ----------
    name : str
        The model's name.

    Returns
    -------
    str
        16 hexadecimal digits.
    """
    import cortexlearn
    from .registry import get_model

    get_model(name)
    module = importlib.import_module(f"cortexlearn.models.{name}")
    folder = os.path.dirname(os.path.abspath(module.__file__))
    digest = hashlib.sha256(f"{cortexlearn.__version__}\n{name}\n".encode())
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__pycache__")))
        for fname in sorted(files):
            if fname.endswith(".py"):
                path = os.path.join(root, fname)
                digest.update(os.path.relpath(path, folder).encode())
                with open(path, "rb") as fh:
                    digest.update(fh.read())
    return digest.hexdigest()[:16]


# ---------------------------------------------------------------------------------------- units
@dataclasses.dataclass(frozen=True)
class UnitSpec:
    """One unit of a sweep: everything a worker needs to produce one results folder.

    Parameter values are stored as JSON numbers, booleans or text with units (``"25.0*ms"``), so
    a spec travels to any worker as JSON.

    Attributes
    ----------
    model : str
        The model's name.
    seed : int
        The unit's seed.
    grid, fixed : tuple of (str, value) pairs
        Swept and fixed parameter values.
    target : str
        Code-generation target.
    quick : bool
        Quick settings.
    out : str
        The unit's results folder.
    fingerprint : str
        The model version the sweep expects (:func:`model_fingerprint`).
    model_path : tuple of str
        Extra folders holding model packages.
    figure : bool
        Draw the unit's figure.
    build_cache : str or None
        The sweep's build-cache folder.
    """

    model: str
    seed: int
    grid: tuple[tuple[str, Any], ...]
    fixed: tuple[tuple[str, Any], ...]
    target: str
    quick: bool
    out: str
    fingerprint: str
    model_path: tuple[str, ...] = ()
    figure: bool = False
    build_cache: str | None = None

    @property
    def params(self) -> dict:
        """Fixed and swept parameter values together."""
        return dict(self.fixed) | dict(self.grid)

    @property
    def unit_id(self) -> str:
        """The name of the unit's folder."""
        return os.path.basename(self.out)

    def host_build_cache(self) -> str | None:
        """This host's build-cache folder (``build_cache/HOSTNAME``), or None without a cache."""
        return os.path.join(self.build_cache, socket.gethostname()) if self.build_cache else None

    def to_json(self) -> str:
        """The spec as JSON text."""
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "UnitSpec":
        """Read a spec written by :meth:`to_json`.

        Parameters
        ----------
        text : str
            JSON text.

        Returns
        -------
        UnitSpec
        """
        raw = json.loads(text)
        for key in ("grid", "fixed"):
            raw[key] = tuple(tuple(item) for item in raw[key])
        raw["model_path"] = tuple(raw.get("model_path", ()))
        return cls(**raw)


def _as_json_value(value):
    """Parameter value → JSON value that ``Parameter.coerce`` reads back (text for quantities)."""
    import numpy as np
    from .units import format_quantity

    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)) and type(value) in (float, np.float64, np.float32):
        return float(value)
    if isinstance(value, str):
        return value
    return format_quantity(value)


def _label(value) -> str:
    return re.sub(r"[^A-Za-z0-9.+-]", "", str(value).replace("*", "")) or "x"


def _unit_dirname(grid: tuple, seed: int, key: str) -> str:
    parts = [f"{name}={_label(value)}" for name, value in grid] + [f"seed={seed}"]
    return "_".join(parts) + "_" + hashlib.sha256(key.encode()).hexdigest()[:8]


def unit_status(folder: str, fingerprint: str | None = None) -> str:
    """The state of a unit folder.

    Parameters
    ----------
    folder : str
        The unit's results folder.
    fingerprint : str, optional
        The model version expected.

    Returns
    -------
    str
        ``"complete"``, ``"interrupted"``, ``"failed"``, ``"running"`` or ``"missing"``;
        ``"other-version"`` when it holds a complete run of another model version.
    """
    from .results import run_state

    try:
        with open(os.path.join(folder, "manifest.json")) as fh:
            status = run_state(json.load(fh))[0]  # a dead "running" unit is interrupted
    except (OSError, ValueError, AttributeError):
        return "missing"
    if fingerprint is not None and status == "complete":
        try:
            with open(os.path.join(folder, SPEC_NAME)) as fh:
                if json.load(fh).get("worker_fingerprint") != fingerprint:
                    return "other-version"
        except (OSError, ValueError):
            return "other-version"
    return status


def _unit_main(argv: list[str] | None = None) -> None:
    """Entry point of a unit's process (a child of the zygote): ``_unit_main([SPEC_FILE])``."""
    argv = sys.argv[1:] if argv is None else argv
    with open(argv[0]) as fh:
        spec = UnitSpec.from_json(fh.read())
    add_model_path(spec.model_path)
    # the unit's own process: every cpp_standalone Simulation in it uses this host's cache
    if spec.build_cache:
        os.environ[CACHE_ENV] = spec.host_build_cache()
    else:
        os.environ.pop(CACHE_ENV, None)
    os.environ[UNIT_ENV] = spec.out
    import matplotlib

    matplotlib.use("Agg")
    from .runner import run

    mine = model_fingerprint(spec.model)
    record = dataclasses.asdict(spec) | {"worker_fingerprint": mine}
    write_json(os.path.join(spec.out, SPEC_NAME), record)
    if mine != spec.fingerprint:
        raise SweepError(f"this worker has another version of model {spec.model} (fingerprint {mine}, "
                         f"the sweep expects {spec.fingerprint}); install the same version everywhere")
    # the sweep re-runs only units that are not complete: an interrupted or failed run of this
    # unit is replaced once the new one is complete
    run(spec.model, seed=spec.seed, target=spec.target, quick=spec.quick, out=spec.out,
        progress=False, figure=spec.figure, overwrite=True, **spec.params)
