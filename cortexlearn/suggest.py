"""Suggestions for misspelled names (models, parameters): "did you mean ...?"."""

from __future__ import annotations

import difflib

__all__ = ["did_you_mean"]


def did_you_mean(name: str, names) -> str:
    """`` Did you mean 'x'?`` naming the known ``names`` closest to ``name``, or ``""``.

    Parameters
    ----------
    name : str
        What the user typed.
    names : iterable of str
        The names that exist.

    Returns
    -------
    str

    Close means a difflib similarity of at least 0.6 once case and ``_`` are ignored (so
    ``brunel2000`` finds ``brunel_2000``), or the same first word before ``_`` (so ``tau_plus``
    finds ``tau_stdp``).
    """
    names = list(names)
    squash = {n.lower().replace("_", ""): n for n in names}
    close = [squash[c] for c in difflib.get_close_matches(name.lower().replace("_", ""), list(squash),
                                                           n=3, cutoff=0.6)]
    head = name.lower().split("_")[0]
    if "_" in name:
        close += [n for n in names if n.lower().split("_")[0] == head and n not in close]
    if not close:
        return ""
    return " Did you mean " + " or ".join(repr(n) for n in close[:4]) + "?"
