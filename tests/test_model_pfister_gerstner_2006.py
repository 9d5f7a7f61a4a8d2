"""pfister_gerstner_2006: frequency dependence of the triplet rule, none of the pair rule."""

import os

import numpy as np
import pytest

import cortexlearn
from cortexlearn.reference import stdp as ref
from cortexlearn.rules.triplet import TripletSTDP

# a numpy quick run of the model takes 10-60 s on 2 shared cores
pytestmark = pytest.mark.slow


def test_quick_run_matches_the_oracle_and_shows_frequency_dependence(tmp_path):
    out = str(tmp_path / "run")
    res = cortexlearn.run("pfister_gerstner_2006", quick=True, target="numpy", out=out, progress=False)
    for name in ("manifest.json", "metrics.json", "figure.png"):
        assert os.path.exists(os.path.join(out, name))
    m = res.metrics
    # independent check of one number with the NumPy oracle: 10 pairings at 50 Hz, post 10 ms before pre
    rule = TripletSTDP.from_paper("visual_all_to_all", w_max=10.0, scale=1.0)
    dt = 1e-4
    pre = [int(round((0.12 + k * 0.02) / dt)) for k in range(10)]
    post = [s - 100 for s in pre]
    want = ref.triplet_stdp(pre, post, dt, 1.0, **rule.reference_parameters()) - 1.0
    assert m["triplet_minus10_50hz"] == pytest.approx(want, abs=1e-9)
    # qualitative result of Pfister & Gerstner 2006 (Fig. 4): triplet potentiation grows with
    # frequency, the pair rule's does not (quick runs: "0.1 Hz" is capped at 4 Hz)
    assert m["triplet_gain_plus10"] > 0
    assert m["pair_gain_plus10"] <= 0
    assert m["triplet_minus10_0p1hz"] < 0
