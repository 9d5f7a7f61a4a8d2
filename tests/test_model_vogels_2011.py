"""vogels_2011: a quick run builds the balanced network and inhibitory weights grow."""

import os

import numpy as np
import pytest

import cortexlearn

# a numpy quick run of the model takes 10-60 s on 2 shared cores
pytestmark = pytest.mark.slow


def test_quick_run_outputs(tmp_path):
    out = str(tmp_path / "run")
    res = cortexlearn.run("vogels_2011", quick=True, target="numpy", out=out, progress=False)
    for name in ("manifest.json", "metrics.json", "figure.png"):
        assert os.path.exists(os.path.join(out, name))
    m = res.metrics
    w = np.asarray(res.data["mean_ie_weight"])
    # I→E weights start at 0 and grow while E neurons fire above the target (alpha < coincidences)
    assert w[0] >= 0 and w[-1] > w[0]
    assert m["rate_e_initial_hz"] > 3.0
    assert {c["name"] for c in res.checks} == {"E rate within [3.0, 4.5] Hz", "irregular E firing"}
