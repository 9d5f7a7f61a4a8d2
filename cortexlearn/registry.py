"""Discovery of the reproductions in ``models/`` (installed as ``cortexlearn.models``)."""

from __future__ import annotations

import importlib
import pkgutil

from .errors import SpecError
from .model import Model
from .suggest import did_you_mean  # noqa: F401  (part of this module's interface)

__all__ = ["list_models", "get_model", "register_model", "unregister_model", "did_you_mean"]

#: Models defined in this process (a notebook, a test) rather than in models/.
_REGISTERED: dict[str, Model] = {}


def register_model(model: Model, replace: bool = False) -> Model:
    """Make a :class:`Model` defined in this process runnable by name (``cortexlearn.run``).

    Parameters
    ----------
    model : Model
        The model.
    replace : bool, optional
        Replace a model of the same name.

    Returns
    -------
    Model
        The model registered.

    Raises
    ------
    SpecError
        If ``model`` is not a Model, or the name exists and ``replace`` is False.
    """
    if not isinstance(model, Model):
        raise SpecError(f"register_model() needs a Model, got {type(model).__name__}")
    if not replace and (model.name in _REGISTERED or model.name in _folder_models()):
        raise SpecError(f"a model named {model.name!r} already exists; pass replace=True")
    _REGISTERED[model.name] = model
    return model


def unregister_model(name: str) -> None:
    """Forget a model added with :func:`register_model`.

    Parameters
    ----------
    name : str
        The model's name.
    """
    _REGISTERED.pop(name, None)


def _models_package():
    return importlib.import_module("cortexlearn.models")


def _folder_models() -> list[str]:
    pkg = _models_package()
    return [m.name for m in pkgutil.iter_modules(pkg.__path__) if m.ispkg]


def list_models() -> list[str]:
    """Names of all reproductions (``models/`` and registered ones), sorted."""
    return sorted(set(_folder_models()) | set(_REGISTERED))


def get_model(name: str) -> Model:
    """The :class:`~cortexlearn.model.Model` of ``models/NAME`` (or one registered in this process).

    Parameters
    ----------
    name : str
        The model's name.

    Returns
    -------
    Model

    Raises
    ------
    SpecError
        For an unknown name, or a folder that defines no ``MODEL``.
    """
    if name in _REGISTERED:
        return _REGISTERED[name]
    names = list_models()
    if name not in names:
        raise SpecError(f"unknown model {name!r}.{did_you_mean(name, names)} "
                        f"Available: {', '.join(names)}")
    module = importlib.import_module(f"cortexlearn.models.{name}")
    model = getattr(module, "MODEL", None)
    if not isinstance(model, Model):
        raise SpecError(f"models/{name} does not define MODEL = Model(...)")
    return model
