"""Parameter sweeps and seed ensembles on Dask distributed.

A sweep is the Cartesian product of a grid of parameter values and a list of seeds. Each point
is one *unit*: a serialisable run specification (:class:`UnitSpec`) that becomes one results
folder written by :func:`cortexlearn.run`, with its own build directory. Units are independent
processes, so a sweep runs the same on a laptop (a ``LocalCluster``), on a lab server, or on a
cluster behind a Dask scheduler (``dask scheduler`` + ``dask worker``, or dask-jobqueue)::

    from brian2 import ms
    from cortexlearn.sweep import sweep
    result = sweep("bi_poo_1998", grid={"tau_plus": [15*ms, 20*ms, 25*ms]}, seeds=range(10),
                   out="sweeps/tau_plus")
    result.dataset          # xarray.Dataset, dims (tau_plus, seed), one variable per metric
    result.summary          # pandas.DataFrame, one row per unit

Layout of the sweep folder ``DIR``::

    sweep.json           model, its version fingerprint, target, grid, seeds, units
    units/UNIT/          one results folder per unit (manifest.json, metrics.json, data.zarr, ...)
    units/UNIT/sweep-unit.json   the unit's spec and the fingerprint the worker computed
    units/UNIT/log.txt   the unit process's output
    sweep.zarr           the combined dataset (rebuilt from the unit folders by load_sweep)
    summary.csv          one row per unit: parameters, seed, status, metrics, checks

Why units run as subprocesses: Brian2 installs a signal handler when it is imported, which fails
outside a process's main thread, and Dask runs tasks in worker threads. A subprocess also isolates
Brian2's global state (device, preferences) between units and dies with its worker.

In a script (not a notebook), start a local cluster under ``if __name__ == "__main__":``: Dask
starts its worker processes by importing the main module again.

Re-invoking an interrupted sweep skips the units whose folder holds a complete run of the same
model version; a sweep folder is locked while a sweep writes into it.

Build once per model and host: a unit is a whole :func:`cortexlearn.run` that generates its
program again, but on ``cpp_standalone`` the units share a build cache per host
(:mod:`cortexlearn.buildcache`, ``DIR/build-cache/HOST`` by default): a program whose generated
sources are identical to one already compiled on that host is copied, not compiled. Units that
differ only in their seed (read by the program at start-up) or in data the program reads (initial
values and weights set from arrays, ``(shared, constant)`` values given as ``run_args`` to
:meth:`~cortexlearn.simulation.Simulation.run`; a model declares such parameters
``Parameter(..., runtime=True)``) therefore compile once per grid point and host; any change
of the generated code compiles anew, so a re-used program is always the program the unit would
have built. On Dask, the first unit of
each such group is scheduled before the others (:func:`build_groups`), so the workers build
distinct programs in parallel and the rest re-use them; each unit's report says how many builds it
compiled and re-used. The Cython cache is shared by the units of one host.
"""

from __future__ import annotations

import dataclasses
import fcntl
import itertools
import json
import os
import re
import sys
import time
from typing import Any, Iterable, Mapping

from .errors import CortexlearnError, LockedError, SpecError
from .results import write_json
from .sweep_combine import _save_combined, combine
from .sweep_process import _execute, run_unit
from .sweep_unit import (MODEL_PATH_ENV, SweepError, UnitSpec, _as_json_value, _unit_dirname,  # noqa: F401
                         add_model_path, model_fingerprint, unit_status)

__all__ = ["sweep", "load_sweep", "SweepResult", "SweepError", "UnitSpec", "run_unit",
           "model_fingerprint", "parse_grid", "parse_seeds", "build_groups", "main"]

# ---------------------------------------------------------------------------------------- plan
def parse_grid(items: Iterable[str]) -> dict[str, list[str]]:
    """``["g=4,5", "tau=20*ms,25*ms"]`` → ``{"g": ["4", "5"], "tau": ["20*ms", "25*ms"]}``.

    Commas inside brackets (array values such as ``[1, 2]*mV``) do not split.

    Parameters
    ----------
    items : iterable of str
        ``NAME=V1,V2,...`` entries.

    Returns
    -------
    dict of str to list of str
    """
    grid: dict[str, list[str]] = {}
    for item in items:
        if "=" not in item:
            raise SpecError(f"grid entry {item!r} must look like NAME=V1,V2,...")
        name, _, text = item.partition("=")
        name = name.strip()
        if name in grid:
            raise SpecError(f"grid parameter {name!r} is given twice; list all its values in one "
                            f"entry: {name}=V1,V2,...")
        values, depth, current = [], 0, ""
        for char in text:
            depth += char in "[("
            depth -= char in "])"
            if depth < 0:
                break
            if char == "," and depth == 0:
                values.append(current.strip())
                current = ""
            else:
                current += char
        if depth != 0:
            raise SpecError(f"grid entry {item!r}: unbalanced brackets; write array values whole, "
                            "e.g. NAME=[1, 2]*mV,[3, 4]*mV")
        values.append(current.strip())
        grid[name] = [v for v in values if v]
    return grid


def parse_seeds(text: str) -> list[int]:
    """``"0-9"`` → 0..9 (inclusive), ``"1,4,7"`` → [1, 4, 7], ``"3"`` → [3].

    Parameters
    ----------
    text : str
        A range, a list or one seed.

    Returns
    -------
    list of int
    """
    seeds: list[int] = []
    for part in str(text).split(","):
        part = part.strip()
        if not part:
            continue
        try:
            if re.fullmatch(r"\d+-\d+", part):
                lo, hi = (int(x) for x in part.split("-"))
                if hi < lo:
                    raise ValueError
                seeds.extend(range(lo, hi + 1))
            else:
                seeds.append(int(part))
        except ValueError:
            raise SpecError(f"cannot read seeds {text!r}: use e.g. 0-9 or 1,4,7") from None
    return seeds


def plan(model: str, grid: Mapping[str, Iterable] | None, seeds: Iterable[int], out: str, *,
         params: Mapping[str, Any] | None = None, target: str | None = None, quick: bool = False,
         figure: bool = False, model_path: Iterable[str] | None = None,
         build_cache: bool | str = True) -> list[UnitSpec]:
    """Validate a sweep and list its units (nothing runs).

    Parameters
    ----------
    model : str
        The model's name.
    grid : mapping of str to iterable, or None
        Values of each swept parameter.
    seeds : iterable of int
        Seeds of each grid point.
    out : str
        The sweep folder.
    params : mapping, optional
        Parameters fixed for every unit.
    target : str, optional
        Code-generation target (default: the model's).
    quick : bool, optional
        Run the models' quick settings.
    figure : bool, optional
        Draw each unit's figure.
    model_path : iterable of str, optional
        Extra folders holding model packages.
    build_cache : bool or str, optional
        ``cpp_standalone`` only: True for ``out/build-cache``, a folder, or False; each host uses a
        sub-folder named after it.

    Returns
    -------
    list of UnitSpec

    Raises
    ------
    SpecError
        Unknown model, a grid name or fixed parameter the model does not have (the message lists
        the valid ones), a value with wrong units, a grid entry without values, no seeds,
        negative or repeated seeds.
    """
    from .registry import get_model
    from .simulation import TARGETS

    extra = add_model_path(model_path)
    mod = get_model(model)
    target = target or mod.default_target
    if target not in TARGETS:
        raise SpecError(f"unknown target {target!r}; choose one of {', '.join(TARGETS)}")
    grid = {name: list(values) for name, values in (grid or {}).items()}
    params = dict(params or {})
    valid = ", ".join(p.name for p in mod.parameters)
    for name in list(grid) + list(params):
        if name not in mod.parameter_map:
            raise SpecError(f"model {model} has no parameter {name!r}; valid parameters: {valid}")
    for name, values in grid.items():
        if not values:
            raise SpecError(f"grid parameter {name!r} has no values; give at least one")
        if name in params:
            raise SpecError(f"{name!r} is both a grid parameter and a fixed parameter")
    seeds = list(seeds)
    if not seeds:
        raise SpecError("a sweep needs at least one seed")
    if any(not isinstance(s, int) or isinstance(s, bool) or s < 0 for s in seeds) or len(set(seeds)) != len(seeds):
        raise SpecError(f"seeds must be distinct non-negative integers, got {seeds!r}")
    fixed = tuple(sorted((k, _as_json_value(mod.parameter_map[k].coerce(v))) for k, v in params.items()))
    coerced = {name: [_as_json_value(mod.parameter_map[name].coerce(v)) for v in values]
               for name, values in grid.items()}
    for name, values in coerced.items():
        if len({json.dumps(v) for v in values}) != len(values):
            raise SpecError(f"grid parameter {name!r} repeats a value: {values!r}")
    fingerprint = model_fingerprint(model)
    if target != "cpp_standalone" or not build_cache:
        cache = None
    elif build_cache is True:
        cache = os.path.join(os.path.abspath(out), "build-cache")
    else:
        cache = os.path.abspath(os.path.expanduser(os.fspath(build_cache)))
    units = []
    names = list(coerced)
    for combo in itertools.product(*(coerced[n] for n in names)):
        gitems = tuple(zip(names, combo))
        mod.resolve(dict(fixed) | dict(gitems), quick=quick)  # every combination must resolve
        for seed in seeds:
            key = json.dumps([model, sorted((dict(fixed) | dict(gitems)).items()), seed, target, quick])
            folder = os.path.join(os.path.abspath(out), "units", _unit_dirname(gitems, seed, key))
            units.append(UnitSpec(model, seed, gitems, fixed, target, bool(quick), folder,
                                  fingerprint, tuple(extra), bool(figure), cache))
    return units


def build_groups(units: list[UnitSpec]) -> list[list[UnitSpec]]:
    """Units expected to share one compiled program, in plan order.

    Units fall into one group when they differ only in their seed and in parameters their model
    declares ``runtime=True``. This only orders the work (each group's first unit builds while
    the others wait for it, see :func:`sweep`); whether a program is re-used is decided by the
    build cache from the generated code itself, so a wrong guess costs a compilation, never a
    wrong result.

    Parameters
    ----------
    units : list of UnitSpec
        The sweep's units.

    Returns
    -------
    list of list of UnitSpec
    """
    from .registry import get_model

    groups: dict[str, list[UnitSpec]] = {}
    for u in units:
        pmap = get_model(u.model).parameter_map
        compiled = [(n, v) for n, v in u.grid if not (n in pmap and pmap[n].runtime)]
        key = json.dumps([u.model, u.target, u.quick, u.fixed, compiled])
        groups.setdefault(key, []).append(u)
    return list(groups.values())


# ---------------------------------------------------------------------------------------- lock
class SweepLock:
    """An exclusive lock on a sweep folder (``DIR/.sweep.lock``), held while a sweep writes.

    Parameters
    ----------
    folder : str
        The sweep folder.
    """

    def __init__(self, folder: str):
        self.path = os.path.join(folder, ".sweep.lock")
        self._fh = None

    def acquire(self):
        """Take the lock.

        Raises
        ------
        LockedError
            When another sweep holds it.
        """
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        fh = open(self.path, "a+")
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "unknown"
            fh.close()
            raise LockedError(f"another sweep (process {holder}) is writing into "
                              f"{os.path.dirname(self.path)}; wait for it or choose another folder") from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._fh = fh
        return self

    def release(self):
        """Release the lock."""
        if self._fh is not None:
            fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()
        return False


def _check_merge(out: str, units: list[UnitSpec]) -> None:
    """Refuse a folder that holds a sweep of another model, version, target or scale."""
    path = os.path.join(out, "sweep.json")
    if not os.path.exists(path):
        return
    with open(path) as fh:
        old = json.load(fh)
    new = units[0]
    for key, mine in (("model", new.model), ("fingerprint", new.fingerprint),
                      ("target", new.target), ("quick", new.quick)):
        if old.get(key) != mine:
            raise SweepError(f"{out} holds a sweep with {key}={old.get(key)!r}, this one has "
                             f"{key}={mine!r}: refusing to merge results of another model version or "
                             "setting; choose a new folder")
    # units of one folder must differ only in grid values and seeds, or the combined dataset
    # would hold two results at one (grid point, seed)
    old_units = old.get("units", [])
    old_fixed = {json.dumps(sorted(map(list, u.get("fixed", ())))) for u in old_units}
    mine = json.dumps(sorted(map(list, new.fixed)))
    if old_fixed and old_fixed != {mine}:
        shown = ", ".join(sorted(old_fixed))
        raise SweepError(f"{out} holds a sweep with fixed parameters {shown}; this one has {mine}: "
                         "choose a new folder (or sweep that parameter with --grid)")
    old_names = {tuple(n for n, _ in u.get("grid", ())) for u in old_units}
    names = tuple(n for n, _ in new.grid)
    if old_names and old_names != {names}:
        raise SweepError(f"{out} holds a sweep over {sorted(old_names)}; this one sweeps {list(names)}: "
                         "choose a new folder")


# ---------------------------------------------------------------------------------------- run
@dataclasses.dataclass
class SweepResult:
    """What a sweep produced.

    Attributes
    ----------
    path : str
        The sweep folder.
    dataset : xarray.Dataset
        Dims: the grid parameters (in the units of each parameter's default, see the coordinate's
        ``units`` attribute) and ``seed``; one variable per metric, ``wall_time_s``, ``complete``
        and ``passed_CHECK`` (1 passed, 0 failed, NaN not judged) for each check.
    summary : pandas.DataFrame
        One row per unit: parameters, seed, status, metrics, checks.
    ran, skipped, failed : list of dict
        Per-unit reports of this invocation (``run_unit``'s return values).
    wall_time_s : float
        Wall time of this invocation's execution phase (without planning and combining).
    n_workers : int
        Workers that ran units (1 for ``scheduler="serial"``).
    """

    path: str
    dataset: Any
    summary: Any
    ran: list = dataclasses.field(default_factory=list)
    skipped: list = dataclasses.field(default_factory=list)
    failed: list = dataclasses.field(default_factory=list)
    wall_time_s: float = 0.0
    n_workers: int = 0

    @property
    def complete(self) -> bool:
        """True when every unit completed."""
        return bool((self.summary["status"] == "complete").all())

    @property
    def builds_compiled(self) -> int:
        """Programs the units of this invocation compiled (with a build cache)."""
        return int(sum(r.get("builds_compiled", 0) for r in self.ran))

    @property
    def builds_reused(self) -> int:
        """Programs the units of this invocation copied from the build cache instead."""
        return int(sum(r.get("builds_reused", 0) for r in self.ran))

    @property
    def unit_seconds(self) -> float:
        """Summed elapsed time of the units this invocation ran (what one worker would need)."""
        return float(sum(r.get("elapsed_s", 0.0) for r in self.ran))

    def parallel_efficiency(self, serial_seconds: float | None = None) -> float:
        """``serial / (n_workers * wall)``.

        Parameters
        ----------
        serial_seconds : float, optional
            Default: :attr:`unit_seconds`. Pass the wall time of the same units run with
            ``scheduler="serial"`` for the honest figure.

        Returns
        -------
        float
        """
        serial = self.unit_seconds if serial_seconds is None else serial_seconds
        if not self.wall_time_s or not self.n_workers:
            return float("nan")
        return serial / (self.n_workers * self.wall_time_s)

    def __repr__(self):
        return (f"<SweepResult {self.path}: {len(self.summary)} units, {len(self.ran)} ran, "
                f"{len(self.skipped)} skipped, {len(self.failed)} failed>")


def sweep(model: str, grid: Mapping[str, Iterable] | None = None, seeds: Iterable[int] = (0,), *,
          out: str | None = None, scheduler=None, n_workers: int | None = None,
          params: Mapping[str, Any] | None = None, target: str | None = None, quick: bool = False,
          figure: bool = False, progress: bool = True, connect_timeout: float = 10.0,
          worker_wait: float = 60.0, model_path: Iterable[str] | None = None,
          build_cache: bool | str = True) -> SweepResult:
    """Run ``model`` over ``grid`` × ``seeds`` on Dask and combine the results.

    Parameters
    ----------
    model : str
        A model name (``cortexlearn list``).
    grid : dict of str to list
        Values per swept parameter, with units (``{"tau_plus": [15*ms, 25*ms]}`` or text
        ``"25*ms"``). An empty or missing grid runs a seed ensemble.
    seeds : iterable of int
        Seeds of each grid point (``range(10)``).
    out : str
        Sweep folder (default ``sweep-MODEL`` in the working directory).
    scheduler : None, str, Client, cluster or "serial"
        ``None`` starts a ``LocalCluster`` (processes, one thread each, ``n_workers`` workers,
        default: the number of CPUs); an address (``"tcp://host:8786"``) connects to a running
        scheduler; a ``distributed.Client`` or a cluster object (dask-jobqueue) is used as is;
        ``"serial"`` runs the units one after another in this process, without Dask.
    params : dict
        Fixed parameter overrides for every unit.
    target, quick, figure
        As for :func:`cortexlearn.run` (``figure=False`` skips each unit's figure).
    connect_timeout : float
        Seconds to wait for a scheduler to answer and for a first worker.
    worker_wait : float
        Seconds a sweep waits while its scheduler has no worker before it gives up (the completed
        units stay; re-run to finish).
    build_cache : bool or str
        ``cpp_standalone`` only: share compiled programs between the units of a host
        (:mod:`cortexlearn.buildcache`) in ``out/build-cache/HOST`` (True, the default), in
        ``FOLDER/HOST`` (a folder, e.g. on local disk), or not at all (False). A program is
        re-used only when the unit generates exactly the same code.

    Returns
    -------
    SweepResult

    Raises
    ------
    SpecError
        Bad grid, parameters or seeds (see :func:`plan`).
    LockedError
        Another sweep is writing into ``out``.
    SweepError
        ``out`` holds results of another model version; no scheduler answers; all workers left.
    """
    out = os.path.abspath(out or f"sweep-{model}")
    units = plan(model, grid, seeds, out, params=params, target=target, quick=quick, figure=figure,
                 model_path=model_path, build_cache=build_cache)
    with SweepLock(out):
        _check_merge(out, units)
        status = {u.unit_id: unit_status(u.out, u.fingerprint) for u in units}
        for u in units:
            if status[u.unit_id] == "other-version":
                raise SweepError(f"{u.out} holds a run of another version of {model}; refusing to merge")
        all_units = _write_sweep_json(out, units)
        pending = [u for u in units if status[u.unit_id] != "complete"]
        skipped = [{"unit": u.unit_id, "status": "complete", "skipped": True}
                   for u in units if u not in pending]
        start = time.time()
        leaders = {group[0].unit_id for group in build_groups(pending)}
        priorities = {u.unit_id: int(u.unit_id in leaders) for u in pending}
        reports, n_workers = _execute(pending, scheduler, n_workers, progress, connect_timeout,
                                      worker_wait, label=model, priorities=priorities) if pending else ([], 0)
        wall = time.time() - start
        ran = [r for r in reports if not r.get("skipped")]
        skipped += [r for r in reports if r.get("skipped")]
        failed = [r for r in reports if r.get("status") != "complete"]
        dataset, summary = combine(all_units)
        _save_combined(out, dataset, summary)
    return SweepResult(out, dataset, summary, ran, skipped, failed, wall, n_workers)


def _write_sweep_json(out: str, units: list[UnitSpec]) -> list[UnitSpec]:
    """Record the sweep; the unit list is the union of every invocation's units."""
    import cortexlearn

    path = os.path.join(out, "sweep.json")
    known: dict[str, UnitSpec] = {}
    if os.path.exists(path):
        with open(path) as fh:
            for raw in json.load(fh).get("units", []):
                spec = UnitSpec.from_json(json.dumps(raw))
                known[spec.unit_id] = spec
    for u in units:
        known[u.unit_id] = u
    first = units[0]
    write_json(path, {"model": first.model, "fingerprint": first.fingerprint, "target": first.target,
                      "quick": first.quick, "cortexlearn": cortexlearn.__version__,
                      "grid": {n: sorted({json.dumps(dict(u.grid)[n]) for u in units})
                               for n, _ in first.grid},
                      "seeds": sorted({u.seed for u in units}),
                      "units": [dataclasses.asdict(u) for u in known.values()]})
    return list(known.values())


def load_sweep(path: str) -> SweepResult:
    """Read a sweep folder back (the dataset is rebuilt from the unit folders).

    Parameters
    ----------
    path : str
        The sweep folder.

    Returns
    -------
    SweepResult
    """
    with open(os.path.join(path, "sweep.json")) as fh:
        raw = json.load(fh)
    units = [UnitSpec.from_json(json.dumps(u)) for u in raw["units"]]
    dataset, summary = combine(units)
    return SweepResult(os.path.abspath(path), dataset, summary)


# ---------------------------------------------------------------------------------------- CLI
def add_arguments(parser) -> None:
    """Add the ``cortexlearn sweep`` options to an ``argparse`` parser.

    Parameters
    ----------
    parser : argparse.ArgumentParser
    """
    parser.add_argument("model", help="model name (cortexlearn list)")
    parser.add_argument("--grid", action="append", default=[], metavar="NAME=V1,V2,...",
                        help="values of a swept parameter, with units (repeat for more parameters)")
    parser.add_argument("--seeds", default="0", help="seeds, e.g. 0-9 or 1,4,7 (default 0)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", dest="fixed",
                        help="a fixed parameter for every unit")
    parser.add_argument("--scheduler", default=None, help="Dask scheduler address (default: a local "
                        "cluster); 'serial' runs the units one after another without Dask")
    parser.add_argument("--workers", type=int, default=None, help="local cluster size (default: CPUs)")
    parser.add_argument("--target", default=None)
    parser.add_argument("--quick", action="store_true", help="smoke-test scale")
    parser.add_argument("--figures", action="store_true", help="draw each unit's figure")
    parser.add_argument("--out", default=None, help="sweep folder (default sweep-MODEL)")
    parser.add_argument("--build-cache", default=None, metavar="DIR",
                        help="cpp_standalone: folder of compiled programs shared by the units of a "
                        "host (default DIR/build-cache of the sweep folder)")
    parser.add_argument("--no-build-cache", action="store_true",
                        help="compile every unit's program (no re-use across units)")


def run_from_args(args) -> int:
    """Run a sweep from parsed ``argparse`` arguments.

    Parameters
    ----------
    args : argparse.Namespace
        As :func:`add_arguments` declares them.

    Returns
    -------
    int
        The exit status (1 if a unit failed).
    """
    fixed = {}
    for item in args.fixed:
        name, sep, value = item.partition("=")
        if not sep:
            raise SpecError(f"--set {item!r} must look like NAME=VALUE")
        fixed[name.strip()] = value.strip()
    result = sweep(args.model, parse_grid(args.grid), parse_seeds(args.seeds), out=args.out,
                   scheduler=args.scheduler, n_workers=args.workers, params=fixed, target=args.target,
                   quick=args.quick, figure=args.figures,
                   build_cache=False if args.no_build_cache else (args.build_cache or True))
    print(result.summary.drop(columns=["unit"]).to_string(index=False))
    print(f"{len(result.ran)} ran, {len(result.skipped)} skipped, {len(result.failed)} failed; "
          f"results in {result.path}")
    if result.builds_compiled or result.builds_reused:
        print(f"programs: {result.builds_compiled} compiled, {result.builds_reused} re-used from the "
              "build cache")
    for report in result.failed:
        print(f"FAILED {report['unit']}: {report.get('error') or report.get('log_tail', '')[-500:]}",
              file=sys.stderr)
    return 1 if result.failed else 0


def main(argv: list[str] | None = None) -> int:
    """``python -m cortexlearn.sweep MODEL --grid NAME=V1,V2 --seeds 0-9 [--scheduler ADDRESS]``.

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

    parser = argparse.ArgumentParser(prog="cortexlearn sweep", description=main.__doc__)
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run_from_args(args)
    except (CortexlearnError, FileExistsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
