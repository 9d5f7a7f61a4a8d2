"""Run a reproduction into a results folder: ``cortexlearn.run("brunel_2000", seed=1)``."""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import shutil
import signal
import socket
import tempfile
import threading
import time
import warnings
from typing import Any

import numpy as np

from .errors import DiskSpaceError, OutputError, OutputExistsError, SpecError, TargetError
from .model import RunContext, evaluate_checks
from .registry import get_model
from .results import Results, ZarrRecorder, run_state, umask, write_json
from .simulation import TARGETS, _DirectoryLock, available_targets
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


#: What a run writes into its folder; a folder holding any of these holds a run.
RUN_FILES = ("data.zarr", "metrics.json", "figure.pdf", "figure.png", "manifest.json")
#: Seconds between heartbeats written into a running run's manifest.
HEARTBEAT_S = 30.0


def _existing_run(out: str) -> str | None:
    """A description of the run held in ``out`` (its true status), or None when it holds none."""
    if not any(os.path.lexists(os.path.join(out, name)) for name in RUN_FILES):
        return None
    try:
        with open(os.path.join(out, "manifest.json")) as fh:
            manifest = json.load(fh)
        status, why = run_state(manifest)
        word = {"complete": "a completed", "interrupted": "an interrupted", "unknown": "an unknown"}.get(
            status, f"a {status}")
        what = f"{word} run of {manifest.get('model', 'an unknown model')}"
        return what + (f" ({why})" if why else "")
    except FileNotFoundError:
        return "a run without a manifest (interrupted before it started, or damaged)"
    except (OSError, ValueError, AttributeError):
        return "a run whose manifest is unreadable"


class _Output:
    """The results folder of one run: locked while the run lives, written in place when the
    folder is new, or into a hidden sibling folder that replaces the old run's files only once
    the new run is complete (``overwrite``), so no result is destroyed before its replacement
    exists."""

    def __init__(self, out: str, overwrite: bool):
        self.out = os.path.abspath(out)
        self.created: str | None = None  # the outermost folder this run created
        self.lock = None
        self.staging: str | None = None
        parent = os.path.dirname(self.out)
        try:
            if not os.path.isdir(self.out):
                top = self.out
                while not os.path.exists(os.path.dirname(top)) and os.path.dirname(top) != top:
                    top = os.path.dirname(top)
                os.makedirs(self.out)
                self.created = top
            probe = tempfile.NamedTemporaryFile(dir=self.out, prefix=".write-test-")
            probe.close()
        except OSError as exc:
            raise OutputError(f"cannot write the results folder {self.out}: {exc.strerror or exc}. "
                              "Choose an --out folder you can write to") from None
        try:
            free = shutil.disk_usage(self.out).free
            if free < MIN_FREE_BYTES:
                raise DiskSpaceError(f"only {free / 2**20:.0f} MiB free under {self.out}; a run needs "
                                     f"about {MIN_FREE_BYTES / 2**20:.0f} MiB")
            self.lock = _DirectoryLock(self.out)
            self.lock.acquire()  # LockedError when another live run writes here
            held = _existing_run(self.out)
            if held is not None:
                if not overwrite:
                    raise OutputExistsError(
                        f"{self.out} already holds {held}; choose another folder, or pass "
                        "overwrite=True (--overwrite): the old run is kept until the new one is complete")
                self.staging = tempfile.mkdtemp(prefix=f".{os.path.basename(self.out)}.new-", dir=parent)
                os.chmod(self.staging, 0o777 & ~umask())
        except BaseException:
            self.abandon()
            raise

    @property
    def path(self) -> str:
        """Where the run writes now."""
        return self.staging or self.out

    def abandon(self):
        """Undo everything before the run started: nothing is left behind."""
        if self.staging:
            shutil.rmtree(self.staging, ignore_errors=True)
            self.staging = None
        if self.lock is not None:
            self.lock.release(remove=True)
            self.lock = None
        if self.created:
            shutil.rmtree(self.created, ignore_errors=True)

    def finish(self, status: str) -> str | None:
        """Put the run in place; returns where an incomplete replacement was kept instead of
        replacing a complete run (or None). The folder holds no lock file afterwards."""
        kept = None
        try:
            if self.staging:
                old = _existing_run(self.out) or ""
                if status == "complete" or not old.startswith("a completed run"):
                    self._swap()
                else:
                    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
                    kept = f"{self.out}.{status}-{stamp}"
                    os.rename(self.staging, kept)
                    self.staging = None
        finally:
            if self.lock is not None:
                self.lock.release(remove=True)
                self.lock = None
        return kept

    def _swap(self):
        trash = tempfile.mkdtemp(prefix=f".{os.path.basename(self.out)}.old-", dir=os.path.dirname(self.out))
        for name in RUN_FILES:  # the manifest last: it says which run the folder holds
            src, dst = os.path.join(self.staging, name), os.path.join(self.out, name)
            if os.path.lexists(dst):
                os.rename(dst, os.path.join(trash, name))
            if os.path.lexists(src):
                os.rename(src, dst)
        shutil.rmtree(trash, ignore_errors=True)
        shutil.rmtree(self.staging, ignore_errors=True)
        self.staging = None


class _Manifest:
    """The run's ``manifest.json``: written under a lock, with a heartbeat every ``period``
    seconds (a background thread) while the run lives, so a reader can tell a dead run."""

    def __init__(self, folder: str | None, content: dict, period: float = HEARTBEAT_S):
        self.folder = folder
        self.content = content
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None
        self.period = period

    def write(self, **updates):
        self.content.update(updates)
        if self.folder is None:
            return
        with self._lock:
            self.content["heartbeat"] = _now()
            write_json(os.path.join(self.folder, "manifest.json"), self.content)

    def start(self):
        if self.folder is None:
            return
        self.write()

        def beat():
            while not self._stop.wait(self.period):
                try:
                    self.write()
                except OSError:  # a full disk must not kill the run from here
                    pass

        self._thread = threading.Thread(target=beat, name="cortexlearn-heartbeat", daemon=True)
        self._thread.start()

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


class _TerminateAsInterrupt:
    """SIGTERM (and SIGHUP) raise :class:`KeyboardInterrupt` while the run lives, as Ctrl-C
    does, so the run is marked ``interrupted`` and its files are closed (main thread only)."""

    def __enter__(self):
        self.saved = {}
        if threading.current_thread() is not threading.main_thread():
            return self
        for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
            if sig is None:
                continue
            if signal.getsignal(sig) in (signal.SIG_DFL, None):
                self.saved[sig] = signal.signal(sig, self._raise)
        return self

    @staticmethod
    def _raise(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    def __exit__(self, *exc):
        for sig, handler in self.saved.items():
            signal.signal(sig, handler)
        return False


#: Target of quick runs when no target is given: the numpy target compiles nothing, and a build
#: (6-20 s per program for cython or cpp_standalone on two cores) would dominate a smoke run of a
#: few simulated seconds.
QUICK_TARGET = "numpy"


def run(name: str, *, seed: int = 0, target: str | None = None, quick: bool = False,
        out: str | None = None, overwrite: bool = False, progress: bool = True,
        figure: bool = True, **params: Any) -> Results:
    """Run the reproduction ``name`` and return its :class:`~cortexlearn.results.Results`.

    Parameters
    ----------
    name : str
        A model in ``models/`` (see ``cortexlearn list``).
    seed : int
        Seed of every random number generator of the run; a model that runs several seeds uses
        ``seed, seed + 1, ...``.
    target : str, optional
        Code-generation target (default: the model's own default, usually ``cpp_standalone``;
        :data:`QUICK_TARGET` for ``quick`` runs).
    quick : bool
        Shrink the run for smoke tests; checks are then reported but not judged.
    out : str, optional
        Results folder. It is locked while the run lives; a folder holding any run (complete,
        interrupted, failed or unreadable) is refused unless ``overwrite``. With ``overwrite`` the
        new run is written beside it and replaces the old run's files only once it is complete
        (an incomplete replacement of a complete run is kept in ``OUT.STATUS-TIME`` instead).
        A run refused before it starts leaves nothing behind.
    **params
        Parameter overrides with units, e.g. ``tau_plus=25*ms`` (or text, ``"25*ms"``), checked
        against each parameter's domain before anything is built.
    """
    model = get_model(name)
    target = target or (QUICK_TARGET if quick else model.default_target)
    if target not in TARGETS:
        raise SpecError(f"unknown target {target!r}; choose one of {', '.join(TARGETS)}")
    reason = available_targets().get(target)
    if reason is not None:
        raise TargetError(f"{target} is not available here: {reason}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise SpecError(f"seed must be a non-negative integer, got {seed!r}")
    seed = int(seed)
    values = model.resolve(params, quick=quick)
    output = _Output(out, overwrite) if out else None
    folder = output.path if output else None
    recorder = ZarrRecorder(os.path.join(folder, "data.zarr")) if folder else None
    manifest = _Manifest(folder, {
        "model": model.name, "title": model.title, "reference": model.reference,
        "parameters": {k: format_quantity(v) for k, v in values.items()},
        "overrides": sorted(params), "seed": seed, "seeds": [seed], "target": target, "quick": quick,
        "versions": versions(), "host": socket.gethostname(), "pid": os.getpid(),
        "started": _now(), "status": "running", "wall_time_s": None,
    })
    build_root = os.path.join(folder, "build") if folder else None
    ctx = RunContext(model, values, target, seed, quick, folder, progress=progress, recorder=recorder,
                     build_root=build_root)
    start = time.time()
    metrics: dict = {}
    status = "failed"
    try:
        with _TerminateAsInterrupt():
            manifest.start()
            try:
                metrics = dict(model.simulate(ctx) or {})
                status = ctx.status
            except KeyboardInterrupt:
                status = "interrupted"
            except BaseException:
                manifest.stop()
                if build_root:
                    shutil.rmtree(build_root, ignore_errors=True)
                manifest.write(status="failed", wall_time_s=round(time.time() - start, 3),
                               seeds=_seeds_used(ctx, seed), log=ctx.log)
                if output is not None:
                    output.finish("failed")
                raise
            manifest.stop()
            if build_root:
                shutil.rmtree(build_root, ignore_errors=True)
            checks = evaluate_checks(model.checks, metrics, values, quick=quick or status != "complete")
            manifest.content.update(status=status, wall_time_s=round(time.time() - start, 3), log=ctx.log,
                                    seeds=_seeds_used(ctx, seed))
            results = Results(manifest.content, metrics, checks, dict(ctx.data),
                              path=output.out if output else None)
            if folder:
                try:
                    write_json(os.path.join(folder, "metrics.json"), {"metrics": metrics, "checks": checks})
                    if figure and model.figure is not None:
                        _save_figure(model, ctx.data, metrics, folder, quick=quick)
                    manifest.write()
                except BaseException as exc:  # e.g. a full disk or a broken figure: say so
                    manifest.content["log"] = list(ctx.log) + [f"writing the results failed: {exc!r}"]
                    try:
                        manifest.write(status="failed")
                    finally:
                        output.finish("failed")
                    raise
                kept = output.finish(status)
                if kept:
                    results.path = kept
                    warnings.warn(f"the run ended {status}; the complete run in {output.out} is kept "
                                  f"and this one is in {kept}", stacklevel=2)
            return results
    finally:
        manifest.stop()
        if output is not None and output.lock is not None:
            # interrupted while finishing: the partial run stays where it was written
            output.lock.release(remove=True)
            output.lock = None


def _seeds_used(ctx, seed: int) -> list[int]:
    seeds = getattr(ctx, "seeds_used", None)
    return sorted({int(s) for s in seeds}) if seeds else [seed]


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
