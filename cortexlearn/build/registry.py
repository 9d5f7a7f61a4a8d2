"""Which builder makes which specification: one registry, one builder per specification type
(as nengo registers one builder per object type)."""

from __future__ import annotations

__all__ = ["BUILDERS", "register"]

#: specification type -> builder function
BUILDERS: dict = {}


def register(spec_type):
    """Register the builder of a kind of specification (a decorator).

    Parameters
    ----------
    spec_type : type
        The specification class the decorated function builds.

    Returns
    -------
    callable
        The decorator.
    """
    def decorate(function):
        BUILDERS[spec_type] = function
        return function

    return decorate
