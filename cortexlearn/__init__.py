"""cortexlearn: biologically plausible approximations of gradient descent in spiking cortical
circuits, built on Brian2.

The public interface: declare a circuit with the specs (:class:`Population`, :class:`Projection`,
:class:`Connectivity`, :class:`PoissonDrive`, :class:`SpikeSource`, :class:`Circuit`), turn it
into Brian2 objects with :func:`build`, run it in a :class:`Simulation`; run a paper's model with
:func:`run` and read its results back with :func:`load`; declare a model of one's own with
:class:`Model`, :class:`Parameter` and :class:`Check`.

Importing cortexlearn changes no Brian2 preference, device, ``dt`` or seed: all of that belongs to
a :class:`Simulation`.
"""

__version__ = "0.1.0"

from . import _signals  # noqa: F401  (first: imports Brian2 from any thread)
from .errors import (CortexlearnError, DaleViolation, DiskSpaceError, LockedError, NonFiniteError,
                     OutputError, OutputExistsError, ResultsCorruptError, SpecError, TargetError, UnitError)
from .model import Check, Model, Parameter
from .results import Results, load
from .runner import run
from .simulation import RunInfo, Simulation, available_targets
from .registry import get_model, list_models
from .specs import Circuit, Connectivity, PoissonDrive, Population, Projection, SpikeSource
from .build import build  # noqa: E402  (after the submodule import binds the name: the function)
from .errors import install_excepthook as _install_excepthook

_install_excepthook()  # a user's mistake is not shown under Brian2's "unexpected error" banner

__all__ = [
    "CortexlearnError", "DaleViolation", "DiskSpaceError", "LockedError", "NonFiniteError",
    "OutputError", "OutputExistsError", "ResultsCorruptError", "SpecError", "TargetError", "UnitError",
    "Results", "load", "run",
    "RunInfo", "Simulation", "available_targets", "get_model", "list_models", "__version__",
    "Population", "Projection", "Circuit", "Connectivity", "PoissonDrive", "SpikeSource", "build",
    "Model", "Parameter", "Check",
]

