"""Exceptions raised by cortexlearn.

Every error a user can trigger with bad input is a subclass of :class:`CortexlearnError`, so
scripts can catch them all; most also subclass the matching built-in (``ValueError``,
``RuntimeError``) so generic handlers keep working.
"""


class CortexlearnError(Exception):
    """Base class of all cortexlearn errors."""


class SpecError(CortexlearnError, ValueError):
    """A specification (population, projection, circuit, parameter) is invalid."""


class DaleViolation(SpecError):
    """A weight would give a neuron both excitatory and inhibitory effects (Dale's law)."""


class UnitError(CortexlearnError, TypeError):
    """A quantity has the wrong physical dimensions."""


class TargetError(CortexlearnError, RuntimeError):
    """A code-generation target is unknown, unavailable or cannot run the requested objects."""


class NonFiniteError(CortexlearnError, FloatingPointError):
    """A state variable or weight became NaN or infinite during a run."""


class LockedError(CortexlearnError, RuntimeError):
    """A build or output directory is in use by another live run."""


class OutputExistsError(CortexlearnError, FileExistsError):
    """An output folder already holds a completed run."""


class DiskSpaceError(CortexlearnError, OSError):
    """Not enough free disk space to build or to write results."""


class OutputError(CortexlearnError, OSError):
    """A results folder cannot be created or written (permissions, a file in the way)."""


class ResultsCorruptError(CortexlearnError, ValueError):
    """A saved result (JSON file or array) is damaged: it differs from what was written."""


def install_excepthook() -> None:
    """Show an uncaught :class:`CortexlearnError` as a plain Python traceback.

    Importing Brian2 installs an exception hook that prints "Brian 2 encountered an unexpected
    error ... please report this issue" above every uncaught exception. A cortexlearn error is a
    user's mistake reported by cortexlearn (a wrong unit, an existing output folder), not a
    Brian2 bug, so it bypasses that hook; every other exception still reaches it.
    """
    import sys

    previous = sys.excepthook
    if getattr(previous, "_cortexlearn", False):
        return

    def hook(exc_type, exc, tb):
        if isinstance(exc_type, type) and issubclass(exc_type, CortexlearnError):
            return sys.__excepthook__(exc_type, exc, tb)
        return previous(exc_type, exc, tb)

    hook._cortexlearn = True
    sys.excepthook = hook
