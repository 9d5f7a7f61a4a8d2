"""Discovery of the reproductions in ``models/`` (installed as ``cortexlearn.models``)."""

from __future__ import annotations

import importlib
import pkgutil

from .errors import SpecError
from .model import Model

__all__ = ["list_models", "get_model"]


def _models_package():
    return importlib.import_module("cortexlearn.models")


def list_models() -> list[str]:
    """Names of all reproductions, sorted."""
    pkg = _models_package()
    return sorted(m.name for m in pkgutil.iter_modules(pkg.__path__) if m.ispkg)


def get_model(name: str) -> Model:
    """The :class:`~cortexlearn.model.Model` of ``models/NAME``."""
    names = list_models()
    if name not in names:
        raise SpecError(f"unknown model {name!r}; available: {', '.join(names)}")
    module = importlib.import_module(f"cortexlearn.models.{name}")
    model = getattr(module, "MODEL", None)
    if not isinstance(model, Model):
        raise SpecError(f"models/{name} does not define MODEL = Model(...)")
    return model
