"""The tabulated binomial draw of Poisson drives: the same counts as Brian2's inversion walk."""

import numpy as np
import pytest
from brian2 import Hz, Network, NeuronGroup, PoissonInput, StateMonitor, ms

from cortexlearn.build.poisson import binomial_table, tabulate_binomial


def _binv(u_values, n, p):
    """Brian2's C++ walk (numpy's rk_binomial_inversion) for a given sequence of uniforms."""
    from brian2.input.binomial import _pre_calc_constants

    reverse, q, P, qn, bound = _pre_calc_constants(n, p)
    P, q, qn = (float(f"{x:.15f}") for x in (P, q, qn))
    it = iter(u_values)
    out = []
    for U in it:
        X, px = 0, qn
        while U > px:
            X += 1
            if X > bound:
                X, px, U = 0, qn, next(it)
            else:
                U -= px
                px = ((n - X + 1) * P * px) / (X * q)
        out.append(n - X if reverse else X)
    return np.array(out)


def _table_walk(u_values, n, p):
    """The tabulated draw: number of cumulative probabilities below U, U beyond the bound redrawn."""
    table, reverse = binomial_table(n, p)
    cumulative = np.cumsum(table)
    it = iter(u_values)
    out = []
    for U in it:
        while U > cumulative[-1]:
            U = next(it)
        X = int(np.sum(U > cumulative[:-1]))
        out.append(n - X if reverse else X)
    return np.array(out)


@pytest.mark.parametrize("n,p", [(1000, 2e-3), (800, 2.5e-3), (1000, 9e-4), (20, 0.3), (10, 0.8), (3, 0.999)])
def test_table_gives_the_walks_counts(n, p):
    u = np.random.default_rng(1).random(60_000)
    u[:50] = 1 - 1e-15  # beyond every bound: both draw again
    a, b = _binv(u, n, p), _table_walk(u, n, p)
    assert len(a) == len(b) and np.array_equal(a, b)
    rest = a[50:]  # after the forced values
    assert abs(rest.mean() - n * p) < 5 * np.sqrt(n * p * (1 - p) / len(rest))


def test_normal_approximation_is_left_alone():
    group = NeuronGroup(2, "v : 1", name="g")
    drive = PoissonInput(group, "v", 1000, 100 * Hz, weight=1.0)  # n p = 10: Brian2 draws a normal
    assert tabulate_binomial(drive) is False


@pytest.mark.standalone
def test_compiled_drive_draws_what_brian2s_walk_draws(tmp_path):
    from cortexlearn.simulation import Simulation

    counts = []
    for tabulated in (False, True):
        with Simulation("cpp_standalone", seed=5, directory=str(tmp_path / f"t{tabulated}")) as sim:
            group = NeuronGroup(50, "x : 1", name="g")
            drive = PoissonInput(group, "x", 1000, 20 * Hz, weight=1.0)  # n p = 2 per 0.1-ms step
            if tabulated:
                assert tabulate_binomial(drive) is True
            monitor = StateMonitor(group, "x", record=True, when="end", name="xm")
            sim.run(Network(group, drive, monitor), 20 * ms)
            counts.append(np.diff(np.asarray(monitor.x), axis=1, prepend=0.0))
    assert np.array_equal(counts[0], counts[1])  # the same uniforms give the same counts
    assert counts[1].mean() == pytest.approx(2.0, abs=0.1)
