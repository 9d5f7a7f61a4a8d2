"""The NEST peer rows of the benchmark suite: registered, and reported as skipped (not failed)
when NEST is not installed; the unit conversion of the e-prop regulariser; the plastic Brunel
row's connectivity and, at a tiny scale, its whole plumbing (NEST and a cortexlearn program on the
same synapses, rates, weights and the judgement)."""

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
                                     ("brunel_static_vs_nest", vs_nest.run_brunel_static),
                                     ("brunel_plastic_vs_nest", vs_nest.run_brunel_plastic)])
def test_rows_are_skipped_without_nest(name, fn, monkeypatch, tmp_path):
    assert suite.BENCHMARKS[name][1] == [name]
    monkeypatch.setattr(vs_nest, "nest_available", lambda: False)
    (row,) = fn(True, str(tmp_path))
    assert row.name == name and row.status.startswith("skipped") and row.met is None
    assert row.goal in ("ratio >= 2", "ratio >= 3", "ratio >= 7.7")
    assert not os.listdir(tmp_path)  # nothing was built


def test_regulariser_coefficient_in_nest_units():
    # c_NEST = c (1 - kappa) / (f0 dt)^2: NEST's example value 300 at kappa = 0.97, 10 Hz, 1 ms
    # is c = 1 in cortexlearn's units.
    assert nest_peers.nest_c_reg(1.0, 10.0, 1e-3, 0.97) == pytest.approx(300.0)
    kappa = float(np.exp(-1 / 20))
    assert nest_peers.nest_c_reg(10.0, 10.0, 1e-3, kappa) == pytest.approx(10 * (1 - kappa) * 1e4)


def test_plastic_brunel_goal_is_auryns_published_lead():
    published = vs_nest.PUBLISHED_PLASTIC
    assert published["NEST"] / published["Auryn"] == pytest.approx(7.68, abs=0.01)
    assert float(vs_nest.PLASTIC_GOAL.split()[-1]) >= published["NEST"] / published["Auryn"]


def test_plastic_brunel_connectivity():
    n_e, n_i = nest_peers.plastic_brunel_sizes(0.05)
    assert (n_e, n_i) == (400, 100)
    conn = nest_peers.plastic_brunel_connectivity(n_e, n_i, seed=3)
    again = nest_peers.plastic_brunel_connectivity(n_e, n_i, seed=3)
    other = nest_peers.plastic_brunel_connectivity(n_e, n_i, seed=4)
    sizes = {"E": n_e, "I": n_i}
    for key, (i, j) in conn.items():
        n_pre, n_post = sizes[key[0]], sizes[key[1]]
        assert np.array_equal(i, again[key][0]) and np.array_equal(j, again[key][1])
        assert not np.array_equal(i, other[key][0])
        assert i.min() >= 0 and i.max() < n_pre and j.min() >= 0 and j.max() < n_post
        pairs = j * n_pre + i
        assert np.all(np.diff(pairs) > 0)  # sorted by target then source, no multapses
        if key[0] == key[1]:
            assert not np.any(i == j)  # no autapses
        possible = n_pre * n_post - (n_post if key[0] == key[1] else 0)
        assert i.size / possible == pytest.approx(0.1, abs=4 * np.sqrt(0.09 / possible))
    with pytest.raises(ValueError):
        nest_peers.plastic_brunel_sizes(1.5)


@pytest.mark.standalone
def test_plastic_brunel_row_at_a_tiny_scale(tmp_path):
    pytest.importorskip("nest")
    (row,) = vs_nest.run_brunel_plastic(True, str(tmp_path), scale=0.02, duration=0.2, repeats=1, axonal=False)
    assert row.status == "ok" and row.goal == "ratio >= 7.7"
    d = row.details
    assert d["n_neurons"] == 200 and row.value > 0 and row.baseline > 0
    assert set(d["rate_hz"]["nest"]) == {"E", "I"} and d["rate_hz"]["nest"]["E"] > 10
    # the same synapses in both: one final weight per E->E synapse in each, inside [0, w_max]
    ours = np.load(tmp_path / "brunel-plastic-weights-cortexlearn.npy")
    peer = np.load(tmp_path / "brunel-plastic-weights-nest.npy")
    assert ours.size == peer.size == d["n_synapses"]["EE"]
    for w in (ours, peer):
        assert 0 <= w.min() and w.max() <= nest_peers.PLASTIC_BRUNEL["w_max_mv"] and w.std() > 0
    assert 0 <= d["ks_statistic"] <= 1 and 0 <= d["ks_pvalue"] <= 1
    # the reference for the KS test: the same program with another drive gives other weights
    other = d["cortexlearn_other_drive"]
    assert other["seed"] != 1 and other["weights_ee_mv"][0] != pytest.approx(float(ours.mean()), rel=1e-12)
    assert 0 < other["ks_vs_cortexlearn"][0] <= 1 and 0 <= other["ks_vs_nest"][1] <= 1
    if not (d["rates_within_5_percent"] and d["weights_equal_ks"]):
        assert row.met is False
