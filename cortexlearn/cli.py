"""Command line: ``cortexlearn list | describe MODEL | run MODEL | sweep MODEL | targets | status [DIR ...]``.

``cortexlearn run song_2000 --set tau_stdp=25*ms --seed 1 --target cpp_standalone --out runs/song``
writes ``manifest.json``, ``metrics.json``, ``data.zarr`` and ``figure.pdf``/``.png`` to the
output folder and prints the metrics and the paper checks. ``--quick`` runs a small smoke test on
the ``numpy`` target unless ``--target`` names another (no compilation: every model's quick run
then takes well under a minute on two cores).
"""

from __future__ import annotations

import argparse
import errno
import os
import sys

from .errors import CortexlearnError

__all__ = ["main"]



def _parse_sets(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise CortexlearnError(f"--set expects NAME=VALUE (e.g. tau_stdp=25*ms), got {item!r}")
        out[name.strip()] = value.strip()
    return out


def _cmd_list(args) -> int:
    from .registry import get_model, list_models

    for name in list_models():
        try:
            model = get_model(name)
            print(f"{name:34s} {model.title}")
        except Exception as exc:  # a broken model must not hide the others
            print(f"{name:34s} (cannot be loaded: {exc})")
    return 0


def _cmd_describe(args) -> int:
    from .registry import get_model

    print(get_model(args.model).methods_table())
    return 0


def _cmd_targets(args) -> int:
    from .simulation import available_targets

    for target, reason in available_targets().items():
        print(f"{target:16s} {'available' if reason is None else 'unavailable: ' + reason}")
    return 0


def _cmd_run(args) -> int:
    from .runner import run

    out = args.out or os.path.join("runs", args.model + ("-quick" if args.quick else ""))
    results = run(args.model, seed=args.seed, target=args.target, quick=args.quick, out=out,
                  overwrite=args.overwrite, progress=not args.no_progress, **_parse_sets(args.set))
    print(results.summary())
    print(f"results in {os.path.abspath(out)}")
    if results.status != "complete":
        print(f"run {results.status}: results are incomplete", file=sys.stderr)
        return 3
    return 0


def _run_folders(paths: list[str], depth: int = 3):
    for path in paths:
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in ("data.zarr", "build"))
            if "manifest.json" in files:
                yield root
            if root[len(path):].count(os.sep) >= depth:
                dirs[:] = []


def _cmd_status(args) -> int:
    import json

    from .results import run_state

    found = 0
    for folder in _run_folders(args.paths or ["runs"]):
        found += 1
        try:
            with open(os.path.join(folder, "manifest.json")) as fh:
                manifest = json.load(fh)
            status, why = run_state(manifest)
            line = f"{status:12s} {manifest.get('model', '?'):34s} seed {manifest.get('seed', '?')!s:4s} {folder}"
            print(line + (f"  ({why})" if why else ""))
        except (OSError, ValueError, AttributeError) as exc:
            print(f"{'unreadable':12s} {'?':34s} {'':9s} {folder}  ({exc.__class__.__name__}: {exc})")
    if not found:
        print("no runs found under " + ", ".join(args.paths or ["runs"]))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The ``cortexlearn`` command's argument parser (list, describe, targets, run, sweep).

    Returns
    -------
    argparse.ArgumentParser
    """
    parser = argparse.ArgumentParser(prog="cortexlearn", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the reproductions").set_defaults(func=_cmd_list)
    d = sub.add_parser("describe", help="methods table of a model: parameters, sources, checks")
    d.add_argument("model")
    d.set_defaults(func=_cmd_describe)
    sub.add_parser("targets", help="code-generation targets usable here").set_defaults(func=_cmd_targets)
    r = sub.add_parser("run", help="run a reproduction into a results folder")
    r.add_argument("model")
    r.add_argument("--set", action="append", metavar="NAME=VALUE",
                   help="override a parameter, with units (e.g. --set tau_stdp=25*ms); repeatable")
    r.add_argument("--target", default=None,
                   help="numpy, cython, cpp_standalone or cuda_standalone (default: the model's; "
                        "numpy with --quick)")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--quick", action="store_true", help="small smoke-test run on numpy unless --target is given "
                        "(checks shown, not judged; the figure is marked)")
    r.add_argument("--out", default=None, help="results folder (default runs/MODEL)")
    r.add_argument("--overwrite", action="store_true",
                   help="replace the run held in --out (kept until the new run is complete)")
    r.add_argument("--no-progress", action="store_true", help="no progress bars")
    r.set_defaults(func=_cmd_run)
    st = sub.add_parser("status", aliases=["list-runs"],
                        help="the true status of run folders (a dead 'running' run shows as interrupted/stale)")
    st.add_argument("paths", nargs="*", help="run folders or folders holding runs (default runs/)")
    st.set_defaults(func=_cmd_status)
    from . import sweep as _sweep

    sw = sub.add_parser("sweep", help="parameter sweeps and seed ensembles on Dask")
    _sweep.add_arguments(sw)
    sw.set_defaults(func=_sweep.run_from_args)
    return parser


def _plain_excepthook() -> None:
    """Put Python's own exception hook back.

    Importing Brian2 replaces ``sys.excepthook`` with a hook that prints "Brian 2 encountered an
    unexpected error ... please report this issue" above any uncaught exception. A mistake in a
    command line is not Brian2's; the command line reports its own errors (:func:`main`) and leaves
    anything else to Python's plain traceback.
    """
    sys.excepthook = sys.__excepthook__


def _quiet_broken_pipe() -> int:
    """Exit quietly when the reader of stdout went away (``cortexlearn list | head``)."""
    try:  # point stdout at devnull so the interpreter's final flush cannot fail again
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return 141  # 128 + SIGPIPE, what a shell reports for a program killed by a closed pipe


def main(argv: list[str] | None = None) -> int:
    """``cortexlearn COMMAND ...``: run one command of the command line.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status (2 for an error of the toolkit, printed as ``cortexlearn: error: ...`` without a traceback).
    """
    try:
        args = build_parser().parse_args(argv)  # --help piped into head: a closed pipe too
        code = args.func(args)
        sys.stdout.flush()  # a closed pipe shows here, inside the handlers below
        return code
    except CortexlearnError as exc:
        print(f"cortexlearn: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return _quiet_broken_pipe()
    except OSError as exc:
        if exc.errno == errno.EPIPE:
            return _quiet_broken_pipe()
        raise
    finally:
        _plain_excepthook()


if __name__ == "__main__":
    sys.exit(main())
