"""The spiking_feedback_alignment reproduction runs end to end (quick scale, numpy target) and
writes its manifest, metrics with the checks, data and figure."""

import json
import os

import numpy as np
import pytest

import cortexlearn


@pytest.mark.slow
def test_quick_run_writes_results(tmp_path):
    out = str(tmp_path / "sfa")
    res = cortexlearn.run("spiking_feedback_alignment", quick=True, out=out, target="numpy",
                          progress=False, reference=False)
    for name in ("manifest.json", "metrics.json", "figure.png"):
        assert os.path.exists(os.path.join(out, name)), name
    metrics = json.load(open(os.path.join(out, "metrics.json")))
    names = {c["name"] for c in metrics["checks"]}
    assert "MNIST-1D: FA >= readout-only + 5 points" in names
    m = metrics["metrics"]
    # three units ran (FA, readout-only with Dale; FA without), accuracies are percentages
    assert m["n_units"] == 3
    for key in ("mnist1d_fa_accuracy_mean", "mnist1d_readout_accuracy_mean",
                "mnist1d_nodale_fa_accuracy_mean"):
        assert 0 <= m[key] <= 100
    # readout-only measures FA's signal for the angle but never trains hidden weights; the angle is
    # a real angle in degrees
    assert 0 <= m["mnist1d_fa_final_angle"] <= 180
    assert "mnist1d_fa_dale_cost" in m
    acc = res.data["test_accuracy"]
    assert acc.shape == (3, 1) and np.all(np.isfinite(acc.values))
