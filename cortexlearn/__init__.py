"""cortexlearn: biologically plausible approximations of gradient descent in spiking cortical
circuits, built on Brian2.

Importing cortexlearn changes no Brian2 preference, device, ``dt`` or seed: all of that belongs to
a :class:`Simulation`.
"""

__version__ = "0.1.0"

from .errors import (CortexlearnError, DaleViolation, DiskSpaceError, LockedError, NonFiniteError,
                     OutputExistsError, SpecError, TargetError, UnitError)
from .results import Results, load
from .runner import run
from .simulation import RunInfo, Simulation, available_targets
from .registry import get_model, list_models
from .errors import install_excepthook as _install_excepthook

_install_excepthook()  # a user's mistake is not shown under Brian2's "unexpected error" banner

__all__ = [
    "CortexlearnError", "DaleViolation", "DiskSpaceError", "LockedError", "NonFiniteError",
    "OutputExistsError", "SpecError", "TargetError", "UnitError", "Results", "load", "run",
    "RunInfo", "Simulation", "available_targets", "get_model", "list_models", "__version__",
]
