"""Per-neuron delay lines: the values of the last ``K`` presentations, kept as equations.

An error that arrives ``k`` presentations after its sample can only be paired with that sample's
activity if the activity was kept. A delay line keeps, in every neuron, the variable's value at the
end of each of the last ``K`` presentations (``x_1`` is the last one, ``x_K`` the oldest), shifted
once per presentation by ``run_regularly`` code; a *selection* reads the value ``lag`` presentations
back, where ``lag`` is a run-time value (e.g. a ``TimedArray`` of the trial schedule)::

    x_K = x_(K-1); ...; x_1 = x_now      # shift: x_now still holds the previous presentation
    x_now = count                        # the presentation that just ended
    x_sel = x_now*int(lag == 0) + x_1*int(lag == 1) + ... + x_K*int(lag == K)

Used by :func:`cortexlearn.build.feedforward.build_feedforward` (``error_lags``) for delayed
errors; the storage cost is ``K`` values per neuron and variable, never per synapse, because the
three-factor updates factorise into a presynaptic and a postsynaptic term.
"""

from __future__ import annotations

import numpy as np

from ..errors import SpecError

__all__ = ["register_model", "register_names", "shift_code", "select_expression", "check_lags"]


def _check_depth(depth: int) -> int:
    depth = int(depth)
    if depth < 1:
        raise SpecError(f"a delay line needs a depth >= 1, got {depth}")
    return depth


def register_model(variable: str, depth: int) -> str:
    """Equation lines of the delay line of ``variable``: ``{variable}_now`` and ``_1 .. _depth``.

    Parameters
    ----------
    variable : str
        Base name of the delayed variable.
    depth : int
        Number ``K`` of past presentations kept, >= 1.

    Returns
    -------
    str
        Dimensionless equation lines, one per slot.
    """
    depth = _check_depth(depth)
    return "\n".join([f"{variable}_now : 1"] + [f"{variable}_{k} : 1" for k in range(1, depth + 1)])


def register_names(variable: str, depth: int) -> list:
    """The variables of the delay line (to carry them from one run to the next).

    Parameters
    ----------
    variable : str
        Base name of the delayed variable.
    depth : int
        Number ``K`` of past presentations kept, >= 1.

    Returns
    -------
    list of str
        ``{variable}_now`` then ``{variable}_1 .. {variable}_K``.
    """
    return [f"{variable}_now"] + [f"{variable}_{k}" for k in range(1, _check_depth(depth) + 1)]


def shift_code(variable: str, value: str, depth: int) -> str:
    """Shift the delay line by one presentation, then store ``value`` as ``{variable}_now``.

    Parameters
    ----------
    variable : str
        Base name of the delayed variable.
    value : str
        Expression of the value of the presentation that just ended.
    depth : int
        Number ``K`` of past presentations kept, >= 1.

    Returns
    -------
    str
        Statements for ``run_regularly``, oldest slot first.
    """
    depth = _check_depth(depth)
    lines = [f"{variable}_{k} = {variable}_{k - 1}" for k in range(depth, 1, -1)]
    lines += [f"{variable}_1 = {variable}_now", f"{variable}_now = {value}"]
    return "\n".join(lines)


def select_expression(variable: str, lag: str, depth: int) -> str:
    """The value ``lag`` presentations back (0: the presentation that just ended; a lag outside
    ``0 .. depth`` selects 0).

    Parameters
    ----------
    variable : str
        Base name of the delayed variable.
    lag : str
        Expression of the lag in presentations (e.g. a ``TimedArray`` call).
    depth : int
        Number ``K`` of past presentations kept, >= 1.

    Returns
    -------
    str
        A parenthesised sum of slots, each gated by ``int(lag == k)``.
    """
    depth = _check_depth(depth)
    terms = [f"{variable}_now*int({lag} == 0)"]
    terms += [f"{variable}_{k}*int({lag} == {k})" for k in range(1, depth + 1)]
    return "(" + " + ".join(terms) + ")"


def check_lags(values, depth: int, what: str = "lags"):
    """Refuse lag values that are not integers in ``0 .. depth``.

    Parameters
    ----------
    values : array_like
        Lag values, in presentations.
    depth : int
        Depth of the delay line.
    what : str
        Name of the values in the error message.

    Raises
    ------
    SpecError
        Naming the first bad value and its index.
    """
    values = np.asarray(values, dtype=float)
    bad = np.flatnonzero(~np.isfinite(values) | (values != np.round(values)) | (values < 0)
                         | (values > depth))
    if bad.size:
        raise SpecError(f"{what}[{bad[0]}] = {values[bad[0]]!r}: a lag must be an integer "
                        f"presentation count in 0 .. {depth} (the circuit keeps {depth} "
                        f"presentations; build it with a larger error_lags)")
