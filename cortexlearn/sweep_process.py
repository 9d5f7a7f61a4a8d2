"""How a sweep's units are executed: one process per unit, serially or on Dask workers.

Private machinery of :mod:`cortexlearn.sweep`: the zygote process that imports Brian2 once and
forks one child per unit, the wait for a unit folder still locked by an orphaned process, and the
submission of units to a Dask cluster, where the units that start a build of their own go first
(see :func:`cortexlearn.sweep.build_groups`).
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time

from .buildcache import read_log
from .errors import LockedError
from .sweep_unit import SPEC_NAME, SweepError, UnitSpec, _unit_main, unit_status


class _Zygote:
    """A helper process that imports cortexlearn and Brian2 once and forks one child per unit.

    Importing Brian2 costs seconds of CPU; forking a process that has it imported costs
    milliseconds, and each unit still runs in its own process, in that process's main thread.
    One zygote per worker process; it exits when its parent goes (its stdin closes).
    """

    _instance: "_Zygote | None" = None

    def __init__(self):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from cortexlearn.sweep_process import _zygote_main; _zygote_main()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    @classmethod
    def get(cls) -> "_Zygote":
        if cls._instance is None or cls._instance.proc.poll() is not None:
            cls._instance = cls()
        return cls._instance

    @classmethod
    def stop(cls):
        """End the zygote; a unit still running in it is killed with it (Ctrl-C in serial mode)."""
        proc = cls._instance.proc if cls._instance is not None else None
        cls._instance = None
        if proc is None or proc.poll() is not None:
            return
        proc.stdin.close()
        try:
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            proc.terminate()
            proc.wait(timeout=10)

    def run(self, spec_path: str, log_path: str, timeout: float | None) -> int:
        self.proc.stdin.write(json.dumps([spec_path, log_path, timeout]) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:  # the zygote died (killed, out of memory): the unit failed
            return -1
        return int(line.strip())


def _zygote_main() -> None:  # pragma: no cover - runs in the helper process
    import matplotlib

    matplotlib.use("Agg")
    import brian2  # noqa: F401
    import cortexlearn.runner  # noqa: F401
    import matplotlib.pyplot  # noqa: F401
    import xarray
    import zarr  # noqa: F401

    xarray.DataArray([0.0]).to_dataset(name="x")  # xarray imports its duck-array modules lazily

    parent = os.getppid()
    for line in sys.stdin:  # ends when the parent closes the pipe or dies
        spec_path, log_path, timeout = json.loads(line)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                _die_with_parent()
                fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                os.dup2(fd, 1)
                os.dup2(fd, 2)
                sys.stdin.close()
                os.chdir(os.path.dirname(log_path))
                _unit_main([spec_path])
                code = 0
            except BaseException:
                import traceback

                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        deadline = None if timeout is None else time.time() + timeout
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if os.getppid() != parent:  # the worker died: so do we, and the unit with us
                os._exit(1)
            if deadline is not None and time.time() > deadline:
                os.kill(pid, signal.SIGKILL)
            time.sleep(0.05)
        sys.stdout.write(f"{os.waitstatus_to_exitcode(status)}\n")
        sys.stdout.flush()


def _die_with_parent():  # pragma: no cover - runs in the child between fork and exec
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def _wait_for_unlock(folder: str, wait: float):
    path = os.path.join(folder, ".lock")
    deadline = time.time() + wait
    while os.path.exists(path):
        with open(path, "a+") as fh:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
                return
            except BlockingIOError:
                pass
        if time.time() > deadline:
            raise LockedError(f"unit folder {folder} is still locked after {wait:.0f} s")
        time.sleep(0.5)


def _connect(scheduler, n_workers, connect_timeout):
    import logging

    from distributed import Client, LocalCluster

    if scheduler is None:
        cluster = LocalCluster(n_workers=n_workers or os.cpu_count() or 1, threads_per_worker=1,
                               processes=True, dashboard_address=None, silence_logs=logging.CRITICAL)
        return Client(cluster), cluster, True
    if isinstance(scheduler, Client):
        return scheduler, None, False
    if hasattr(scheduler, "scheduler_address"):
        return Client(scheduler), None, True
    try:
        client = Client(str(scheduler), timeout=connect_timeout)
    except (OSError, TimeoutError) as exc:
        raise SweepError(f"no Dask scheduler answers at {scheduler} within {connect_timeout:.0f} s "
                         f"({exc.__class__.__name__}); start one with `dask scheduler` or omit the "
                         "address for a local cluster") from None
    return client, None, True


def _execute(units, scheduler, n_workers, progress, connect_timeout, worker_wait, label="",
             priorities=None):
    """Run ``units``; ``priorities`` (unit id -> int) orders them on Dask, higher first."""
    from .progress import progress_bar

    bar = progress_bar(total=len(units), desc=f"sweep {label}", unit="run", enabled=progress)
    reports = []
    if scheduler == "serial":
        try:
            for u in units:
                reports.append(run_unit(u.to_json()))
                bar.update(1)
        finally:
            bar.close()
            _Zygote.stop()
        return reports, 1
    import uuid

    try:
        from distributed import wait
    except ImportError:
        if scheduler is not None:
            raise SweepError("a Dask scheduler was named but dask.distributed is not installed: "
                             "pip install 'cortexlearn[cluster]' (or run with --scheduler serial)") from None
        import warnings

        warnings.warn("dask.distributed is not installed (pip install 'cortexlearn[cluster]'); "
                      "running the units one after another in this process", stacklevel=3)
        bar.close()
        return _execute(units, "serial", n_workers, progress, connect_timeout, worker_wait, label,
                        priorities)

    client, cluster, owned = _connect(scheduler, n_workers, connect_timeout)
    futures = {}
    try:
        try:
            client.wait_for_workers(1, timeout=connect_timeout)
        except (TimeoutError, OSError):
            raise SweepError(f"the scheduler at {client.scheduler.address} has no worker after "
                             f"{connect_timeout:.0f} s; start `dask worker ADDRESS`") from None
        n_used = len(client.scheduler_info().get("workers", {}))
        token = uuid.uuid4().hex[:8]
        priorities = priorities or {}
        futures = {client.submit(run_unit, u.to_json(), key=f"cortexlearn-{u.unit_id}-{token}",
                                 pure=False, priority=priorities.get(u.unit_id, 0)): u for u in units}
        pending, no_worker_since = set(futures), None
        while pending:
            try:
                done, pending = wait(list(pending), timeout=2, return_when="FIRST_COMPLETED")
                pending = set(pending)
            except TimeoutError:
                done = set()
            for fut in done:
                reports.append(_report(fut, futures[fut]))
                bar.update(1)
            n_now = len(client.scheduler_info().get("workers", {}))
            n_used = max(n_used, n_now)
            if n_now:
                no_worker_since = None
            elif pending:
                no_worker_since = no_worker_since or time.time()
                if time.time() - no_worker_since > worker_wait:
                    raise SweepError(f"no Dask worker for {worker_wait:.0f} s; {len(pending)} units are "
                                     "not done (completed units are kept: re-run the sweep to finish)")
        return reports, n_used
    except BaseException:
        for fut in futures:
            fut.cancel()
        raise
    finally:
        bar.close()
        if owned:
            client.close()
        if cluster is not None:
            cluster.close()


def _report(fut, unit) -> dict:
    try:
        return fut.result()
    except Exception as exc:  # KilledWorker, a lost scheduler, ...
        return {"unit": unit.unit_id, "status": "failed", "skipped": False,
                "error": f"{exc.__class__.__name__}: {exc}"}


def run_unit(spec_json: str, lock_wait: float = 120.0, timeout: float | None = None) -> dict:
    """Run one unit in a subprocess (the function a Dask worker executes).

    Skips a unit whose folder already holds a complete run; waits for a unit folder still locked by
    an orphaned process of a killed worker. Never raises for a failed run: the sweep reports
    failures with the tail of the unit's log.

    Parameters
    ----------
    spec_json : str
        The unit's :class:`UnitSpec` as JSON.
    lock_wait : float, optional
        Seconds to wait for a locked unit folder.
    timeout : float, optional
        Seconds the unit may run.

    Returns
    -------
    dict
        Unit id, status, elapsed seconds, host, process, and with a build cache the number of
        programs the unit compiled and re-used.
    """
    spec = UnitSpec.from_json(spec_json)
    start = time.time()
    info = {"unit": spec.unit_id, "host": socket.gethostname(), "worker_pid": os.getpid()}
    if unit_status(spec.out, spec.fingerprint) == "complete":
        return info | {"status": "complete", "skipped": True, "elapsed_s": 0.0}
    os.makedirs(spec.out, exist_ok=True)
    _wait_for_unlock(spec.out, lock_wait)
    if unit_status(spec.out, spec.fingerprint) == "complete":  # finished by an orphan meanwhile
        return info | {"status": "complete", "skipped": True, "elapsed_s": 0.0}
    spec_path = os.path.join(spec.out, SPEC_NAME + ".in")
    with open(spec_path, "w") as fh:
        fh.write(spec_json)
    log_path = os.path.join(spec.out, "log.txt")
    cache = spec.host_build_cache()
    offset = _file_size(os.path.join(cache, "log.jsonl")) if cache else 0
    code = _Zygote.get().run(spec_path, log_path, timeout)
    status = unit_status(spec.out, spec.fingerprint) if code == 0 else "failed"
    out = info | {"status": status, "skipped": False, "elapsed_s": round(time.time() - start, 3),
                  "returncode": code}
    if cache:
        mine = [r for r in read_log(cache, offset)[0] if r.get("unit") == spec.out]
        out["builds_reused"] = sum(1 for r in mine if r.get("hit"))
        out["builds_compiled"] = len(mine) - out["builds_reused"]
    if status != "complete":
        with open(log_path, errors="replace") as fh:
            out["log_tail"] = fh.read()[-2000:]
    return out


def _file_size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0
