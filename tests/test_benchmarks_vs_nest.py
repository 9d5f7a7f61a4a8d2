"""The NEST peer rows of the benchmark suite: registered, and reported as skipped (not failed)
when NEST is not installed; the unit conversion of the e-prop regulariser."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

from benchmarks import __main__ as suite  # noqa: E402
from benchmarks import nest_peers, vs_nest  # noqa: E402


@pytest.mark.parametrize("name,fn", [("eprop_vs_nest", vs_nest.run_eprop),
                                     ("brunel_static_vs_nest", vs_nest.run_brunel_static)])
def test_rows_are_skipped_without_nest(name, fn, monkeypatch, tmp_path):
    assert suite.BENCHMARKS[name][1] == [name]
    monkeypatch.setattr(vs_nest, "nest_available", lambda: False)
    (row,) = fn(True, str(tmp_path))
    assert row.name == name and row.status.startswith("skipped") and row.met is None
    assert row.goal in ("ratio >= 2", "ratio >= 3")
    assert not os.listdir(tmp_path)  # nothing was built


def test_regulariser_coefficient_in_nest_units():
    # c_NEST = c (1 - kappa) / (f0 dt)^2: NEST's example value 300 at kappa = 0.97, 10 Hz, 1 ms
    # is c = 1 in cortexlearn's units.
    assert nest_peers.nest_c_reg(1.0, 10.0, 1e-3, 0.97) == pytest.approx(300.0)
    kappa = float(np.exp(-1 / 20))
    assert nest_peers.nest_c_reg(10.0, 10.0, 1e-3, kappa) == pytest.approx(10 * (1 - kappa) * 1e4)
