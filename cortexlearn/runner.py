"""Run a reproduction into a results folder: ``cortexlearn.run("brunel_2000", seed=1)``."""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import shutil
import socket
import time
from typing import Any

from .errors import DiskSpaceError, OutputExistsError, SpecError
from .model import RunContext, evaluate_checks
from .registry import get_model
from .results import Results, ZarrRecorder, write_json
from .simulation import TARGETS, _DirectoryLock
from .units import format_quantity

__all__ = ["run", "versions"]

#: Free space needed before a run starts writing its folder.
MIN_FREE_BYTES = 100 * 1024 * 1024


def versions() -> dict[str, str]:
    """Versions of Python and the packages that shape a result."""
    import importlib.metadata as md

    out = {"python": platform.python_version(), "platform": platform.platform()}
    for pkg in ("cortexlearn", "brian2", "numpy", "scipy", "matplotlib", "xarray", "zarr"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def _prepare_out(out: str, overwrite: bool) -> _DirectoryLock:
    os.makedirs(out, exist_ok=True)
    free = shutil.disk_usage(out).free
    if free < MIN_FREE_BYTES:
        raise DiskSpaceError(f"only {free / 2**20:.0f} MiB free under {out}; a run needs about "
                             f"{MIN_FREE_BYTES / 2**20:.0f} MiB")
    lock = _DirectoryLock(out)
    lock.acquire()  # LockedError when another live run writes here
    manifest = os.path.join(out, "manifest.json")
    if os.path.exists(manifest):
        try:
            with open(manifest) as fh:
                status = json.load(fh).get("status")
        except (OSError, ValueError):
            status = "unreadable"
        if status == "complete" and not overwrite:
            lock.release()
            raise OutputExistsError(f"{out} already holds a completed run; choose another folder "
                                    "or pass overwrite=True (--overwrite)")
    for name in ("manifest.json", "metrics.json", "figure.pdf", "figure.png"):
        path = os.path.join(out, name)
        if os.path.exists(path):
            os.unlink(path)
    shutil.rmtree(os.path.join(out, "data.zarr"), ignore_errors=True)
    return lock


def run(name: str, *, seed: int = 0, target: str | None = None, quick: bool = False,
        out: str | None = None, overwrite: bool = False, progress: bool = True,
        figure: bool = True, **params: Any) -> Results:
    """Run the reproduction ``name`` and return its :class:`~cortexlearn.results.Results`.

    Parameters
    ----------
    name : str
        A model in ``models/`` (see ``cortexlearn list``).
    seed : int
        Seed of every random number generator of the run.
    target : str, optional
        Code-generation target (default: the model's own default, usually ``cpp_standalone``).
    quick : bool
        Shrink the run for smoke tests; checks are then reported but not judged.
    out : str, optional
        Results folder. It is locked while the run lives; a folder holding a completed run is
        refused unless ``overwrite``.
    **params
        Parameter overrides with units, e.g. ``tau_plus=25*ms`` (or text, ``"25*ms"``).
    """
    model = get_model(name)
    target = target or model.default_target
    if target not in TARGETS:
        raise SpecError(f"unknown target {target!r}; choose one of {', '.join(TARGETS)}")
    if not isinstance(seed, int) or seed < 0:
        raise SpecError(f"seed must be a non-negative integer, got {seed!r}")
    values = model.resolve(params, quick=quick)
    lock = _prepare_out(out, overwrite) if out else None
    recorder = ZarrRecorder(os.path.join(out, "data.zarr")) if out else None
    manifest = {
        "model": model.name, "title": model.title, "reference": model.reference,
        "parameters": {k: format_quantity(v) for k, v in values.items()},
        "overrides": sorted(params), "seed": seed, "target": target, "quick": quick,
        "versions": versions(), "host": socket.gethostname(),
        "started": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "status": "running", "wall_time_s": None,
    }
    build_root = os.path.join(out, "build") if out else None
    ctx = RunContext(model, values, target, seed, quick, out, progress=progress, recorder=recorder,
                     build_root=build_root)
    start = time.time()
    metrics: dict = {}
    try:
        if out:
            write_json(os.path.join(out, "manifest.json"), manifest)
        try:
            metrics = dict(model.simulate(ctx) or {})
            status = ctx.status
        except KeyboardInterrupt:
            status = "interrupted"
        except BaseException:
            manifest.update(status="failed", wall_time_s=time.time() - start)
            if out:
                write_json(os.path.join(out, "manifest.json"), manifest)
            raise
        checks = evaluate_checks(model.checks, metrics, values, quick=quick or status != "complete")
        manifest.update(status=status, wall_time_s=round(time.time() - start, 3), log=ctx.log)
        results = Results(manifest, metrics, checks, dict(ctx.data), path=os.path.abspath(out) if out else None)
        if out:
            write_json(os.path.join(out, "metrics.json"), {"metrics": metrics, "checks": checks})
            if figure and model.figure is not None:
                _save_figure(model, ctx.data, metrics, out, quick=quick)
            write_json(os.path.join(out, "manifest.json"), manifest)
        return results
    finally:
        if build_root:
            shutil.rmtree(build_root, ignore_errors=True)
        if lock is not None:
            lock.release()


def _save_figure(model, data, metrics, out, quick=False):
    import matplotlib

    if matplotlib.get_backend().lower() not in ("agg", "pdf") and not os.environ.get("DISPLAY"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .plotting.style import get_caption, mark_quick, style_context

    with style_context():  # TrueType fonts in the PDF, whatever the model's figure code did
        fig = model.figure(data, metrics)
        if quick:
            mark_quick(fig)
        for ext in ("pdf", "png"):
            fig.savefig(os.path.join(out, f"figure.{ext}"), dpi=300)
    caption = get_caption(fig)
    if caption:  # what the figure shows, beside it
        with open(os.path.join(out, "figure.txt"), "w", encoding="utf-8") as f:
            f.write(caption + ("\n\nQuick run: shrunken sizes, not judged.\n" if quick else "\n"))
    plt.close(fig)
