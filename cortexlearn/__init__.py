"""cortexlearn: biologically plausible approximations of gradient descent in spiking cortical
circuits, built on Brian2.

The public interface: declare a circuit with the specs (:class:`Population`, :class:`Projection`,
:class:`Connectivity`, :class:`PoissonDrive`, :class:`SpikeSource`, :class:`Circuit`), turn it
into Brian2 objects with :func:`build`, run it in a :class:`Simulation`; run a paper's model with
:func:`run` and read its results back with :func:`load`; declare a model of one's own with
:class:`Model`, :class:`Parameter` and :class:`Check`.

Importing cortexlearn changes no Brian2 preference, device, ``dt`` or seed: all of that belongs to
a :class:`Simulation`. :func:`build` is imported on first use.
"""

__version__ = "0.1.0"

import sys as _sys
import types as _types

from .errors import (CortexlearnError, DaleViolation, DiskSpaceError, LockedError, NonFiniteError,
                     OutputExistsError, SpecError, TargetError, UnitError)
from .model import Check, Model, Parameter
from .results import Results, load
from .runner import run
from .simulation import RunInfo, Simulation, available_targets
from .registry import get_model, list_models
from .specs import Circuit, Connectivity, PoissonDrive, Population, Projection, SpikeSource

__all__ = [
    "CortexlearnError", "DaleViolation", "DiskSpaceError", "LockedError", "NonFiniteError",
    "OutputExistsError", "SpecError", "TargetError", "UnitError", "Results", "load", "run",
    "RunInfo", "Simulation", "available_targets", "get_model", "list_models", "__version__",
    "Population", "Projection", "Circuit", "Connectivity", "PoissonDrive", "SpikeSource", "build",
    "Model", "Parameter", "Check",
]


class _Package(_types.ModuleType):
    """The package's module type: ``cortexlearn.build`` names the builder function.

    The function lives in the submodule of the same name, which the import system would store
    on the package when it is first imported; the attribute keeps meaning the function, and the
    submodule stays importable as ``cortexlearn.build`` (``from cortexlearn.build import ...``).
    The submodule is imported on first use, so importing cortexlearn stays cheap.
    """

    @property
    def build(self):
        """:func:`cortexlearn.build.build`: a :class:`Circuit` spec to Brian2 objects."""
        return getattr(_sys.modules.get(f"{__name__}.build") or _import_builder(), "build")

    @build.setter
    def build(self, value):
        # the import system stores the submodule here when it is first imported; ignored
        if not isinstance(value, _types.ModuleType):
            raise AttributeError("cortexlearn.build names the builder function and cannot be replaced")


def _import_builder():
    import importlib

    return importlib.import_module(f"{__name__}.build")


_sys.modules[__name__].__class__ = _Package
