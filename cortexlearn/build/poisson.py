"""Poisson drives whose compiled binomial draw reads a table instead of dividing.

Brian2's :class:`~brian2.input.poissoninput.PoissonInput` draws, per neuron and time step, the
number of its ``N`` inputs that spike, Binomial(N, r dt), by inversion (Kachitvichyanukul &
Schmeiser 1988, algorithm BINV; numpy's ``rk_binomial_inversion``): starting from
``P(X = 0) = q^N`` it walks up the distribution, computing each next probability with the
recursion ``P(X = k) = P(X = k - 1) (N - k + 1) p / (k q)`` — one division per step of the walk,
about ``N p + 1`` of them per draw. In a Brunel network (N p = 2) that draw is half of a
compiled program's time. The probabilities do not change during a run, so here they are
computed once and the walk reads them from a table: the same uniform number gives the same
count (up to the last bit of the probabilities, which the compiler may round differently),
with the same restart beyond the algorithm's bound. Only the C++ implementation (the
``cpp_standalone`` target) is replaced; numpy and Cython keep Brian2's.
"""

from __future__ import annotations

import itertools
import math

from brian2 import PoissonInput
from brian2.core.functions import DEFAULT_FUNCTIONS
from brian2.input.binomial import BinomialFunction, _pre_calc_constants

__all__ = ["binomial_table", "tabulate_binomial"]

#: Largest table written into the generated code (entries); a larger bound keeps Brian2's code.
MAX_TABLE = 256


def binomial_table(n: int, p: float) -> tuple[list[float], bool]:
    """Probabilities ``P(X = k)``, ``k = 0 .. floor(bound)``, of BINV's walk for Binomial(n, p).

    Computed as Brian2's generated code computes them (constants rounded to 15 decimals, the
    same recursion), so that a table walk returns the counts of the original walk.

    Parameters
    ----------
    n : int
        Number of trials (inputs).
    p : float
        Success probability (rate × dt).

    Returns
    -------
    table : list of float
    reverse : bool
        True when ``p > 0.5``: the walk counts failures and the draw is ``n - X``.
    """
    reverse, q, P, qn, bound = _pre_calc_constants(n, p)
    P, q, qn = (float(f"{x:.15f}") for x in (P, q, qn))
    table = [qn]
    for k in range(1, int(math.floor(bound)) + 1):
        table.append(((n - k + 1) * P * table[-1]) / (k * q))
    return table, bool(reverse)


def tabulate_binomial(drive: PoissonInput) -> bool:
    """Give ``drive``'s binomial draw a tabulated C++ implementation (see the module).

    Parameters
    ----------
    drive : PoissonInput

    Returns
    -------
    bool
        False when the draw is Brian2's normal approximation or the table would be too large
        (the drive is left as it is).
    """
    (fn,) = [v for v in drive.variables.values() if isinstance(v, BinomialFunction)]
    n = int(drive.N)
    p = float(drive.rate * drive._group.clock.dt)
    if "_randn" in (fn.implementations["cpp"].dependencies or {}):
        return False  # the normal approximation (n p > 5 and n (1 - p) > 5): no walk
    table, reverse = binomial_table(n, p)
    if len(table) > MAX_TABLE:
        return False
    cumulative = list(itertools.accumulate(table))
    last = len(table) - 1
    values = ", ".join(repr(x) for x in cumulative[:-1])
    # X = number of cumulative probabilities below U: the walk's stopping point, computed
    # without a data-dependent branch (the walk's exit is mispredicted about once per draw)
    code = f"""
        long {fn.name}(const int vectorisation_idx)
        {{
            static const double _cumulative[{max(last, 1)}] = {{{values if last else "0.0"}}};
            double U = _rand(vectorisation_idx);
            while (U > {cumulative[-1]!r})  // beyond the walk's bound: BINV draws again
                U = _rand(vectorisation_idx);
            long X = 0;
            for (int _k = 0; _k < {last}; _k++)
                X += (U > _cumulative[_k]);
            return {f"{n}-X" if reverse else "X"};
        }}
        """
    fn.implementations.add_implementation("cpp", {"support_code": code},
                                          dependencies={"_rand": DEFAULT_FUNCTIONS["rand"]}, name=fn.name)
    return True
