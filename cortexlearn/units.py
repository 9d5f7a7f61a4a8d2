"""Unit helpers: validation of quantities and parsing of ``NAME=VALUE`` strings with units."""

from __future__ import annotations

import math

import numpy as np
import brian2.units as _brian_units
from brian2.units import fundamentalunits as fu
from brian2.units.allunits import all_units

from .errors import SpecError, UnitError

__all__ = ["as_quantity", "parse_quantity", "format_quantity", "check_positive", "check_whole_steps",
           "dimension_of"]

_UNIT_NAMESPACE = {str(u): u for u in all_units}
for _name in ("second", "ms", "us", "ns", "Hz", "kHz", "mV", "volt", "nS", "siemens", "pF", "farad",
              "nA", "pA", "amp", "ohm", "Mohm", "uS", "msiemens", "cm", "um", "metre", "meter"):
    if hasattr(_brian_units, _name):
        _UNIT_NAMESPACE[_name] = getattr(_brian_units, _name)
_UNIT_NAMESPACE.update({"pi": math.pi, "inf": math.inf})


def dimension_of(value):
    """The physical dimensions of ``value`` (dimensionless for plain numbers).

    Parameters
    ----------
    value : Quantity, number or array

    Returns
    -------
    brian2.Dimension
    """
    return fu.get_dimensions(value)


def as_quantity(value, unit, name: str):
    """Return ``value`` checked against the dimensions of ``unit``.

    Parameters
    ----------
    value : Quantity or number
        The value to check. Plain numbers are accepted only for dimensionless units.
    unit : Unit or 1
        A unit with the expected dimensions (``1`` for dimensionless).
    name : str
        The parameter's name, used in the error message.

    Raises
    ------
    UnitError
        When the dimensions differ, e.g. ``tau_plus=20`` instead of ``20*ms``.
    """
    expected = fu.get_dimensions(unit)
    got = fu.get_dimensions(value)
    if got is not expected:
        unit_txt = "a plain number" if expected is fu.DIMENSIONLESS else f"units of {fu.get_unit(expected)!s}"
        raise UnitError(f"{name} must have {unit_txt}, got {value!r} "
                        f"(dimensions {got if got is not fu.DIMENSIONLESS else 'dimensionless'})")
    return value


def check_positive(value, name: str, allow_zero: bool = False):
    """Raise :class:`SpecError` unless every element of ``value`` is finite and > 0 (or >= 0).

    Parameters
    ----------
    value : Quantity, number or array
        The value checked.
    name : str
        Its name, for the message.
    allow_zero : bool, optional
        Accept 0.
    """
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise SpecError(f"{name} must be finite, got {value!r}")
    bad = arr < 0 if allow_zero else arr <= 0
    if np.any(bad):
        bound = ">= 0" if allow_zero else "> 0"
        raise SpecError(f"{name} must be {bound}, got {value!r}")
    return value


def check_whole_steps(duration, dt, name: str = "presentation"):
    """Check that ``duration`` is a whole number (>= 1) of time steps ``dt``.

    Parameters
    ----------
    duration, dt : Quantity
        Both in time units.
    name : str, optional
        What ``duration`` is, for the message.

    Returns
    -------
    int
        The number of steps.

    Raises
    ------
    SpecError
        Otherwise.
    """
    steps = float(duration / dt) if float(dt) > 0 else float("nan")
    if not (steps >= 1 - 1e-9 and abs(steps - round(steps)) < 1e-6):
        raise SpecError(f"{name} ({duration}) must be a whole number (>= 1) of time steps dt ({dt})")
    return int(round(steps))


def parse_quantity(text: str, name: str = "value"):
    """Parse a value such as ``"25*ms"``, ``"0.5"``, ``"10 * Hz"`` or ``"[1, 2]*mV"``.

    Only numbers, lists, unit names and arithmetic are allowed; anything else is refused.

    Parameters
    ----------
    text : str
        The text.
    name : str, optional
        What the value is, for the message.

    Returns
    -------
    Quantity, float or array

    Raises
    ------
    SpecError
        For anything but numbers, lists, known unit names and arithmetic.
    """
    import ast

    try:
        tree = ast.parse(str(text).strip(), mode="eval")
    except SyntaxError as exc:
        raise SpecError(f"cannot parse {name}={text!r}: {exc.msg} (e.g. 25*ms, 0.5, [1, 2]*mV)") from None
    allowed = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant, ast.Name, ast.Load, ast.List,
               ast.Tuple, ast.Mult, ast.Div, ast.Add, ast.Sub, ast.Pow, ast.USub, ast.UAdd)
    for node in ast.walk(tree):
        if not isinstance(node, allowed):
            raise SpecError(f"cannot parse {name}={text!r}: only numbers, units and arithmetic are allowed")
        if isinstance(node, ast.Name) and node.id not in _UNIT_NAMESPACE:
            raise SpecError(f"cannot parse {name}={text!r}: unknown unit {node.id!r}")
        if isinstance(node, ast.Constant) and not isinstance(node.value, (int, float)):
            raise SpecError(f"cannot parse {name}={text!r}: only numbers are allowed")
    try:
        value = eval(compile(tree, "<quantity>", "eval"), {"__builtins__": {}}, dict(_UNIT_NAMESPACE))
    except fu.DimensionMismatchError as exc:
        raise UnitError(f"cannot parse {name}={text!r}: {exc}") from None
    except (ArithmeticError, TypeError, ValueError) as exc:
        raise SpecError(f"cannot parse {name}={text!r}: {exc.__class__.__name__}: {exc}") from None
    if isinstance(value, (list, tuple)):
        value = np.asarray(value, dtype=float)
    return value


def format_quantity(value) -> str:
    """A short, parseable text form of a quantity (``20. * msecond`` → ``'20. ms'``).

    Parameters
    ----------
    value : Quantity or number

    Returns
    -------
    str
        Read back by :func:`parse_quantity`.
    """
    if isinstance(value, fu.Quantity) and value.dim is not fu.DIMENSIONLESS:
        unit = value.get_best_unit() if np.size(value) == 1 else fu.get_unit(value.dim)
        if value.dim is _brian_units.second.dim and np.all(np.abs(np.asarray(value)) >= 1):
            unit = _brian_units.second  # 400 s, not 0.4 ks
        number = np.asarray(value / unit, dtype=float)
        if number.ndim == 0:
            return f"{float(number):.12g}*{unit!s}"
        return f"{[float(f'{x:.12g}') for x in number.ravel()]!r}*{unit!s}"
    if isinstance(value, (np.ndarray, list, tuple)):
        return repr(np.asarray(value).tolist())
    return repr(value)
