"""song_2000: a quick run of the seven-channel network produces its outputs and sane numbers."""

import os

import numpy as np
import pytest

import cortexlearn

# a numpy quick run of the model takes 10-60 s on 2 shared cores
pytestmark = pytest.mark.slow


def test_quick_run_outputs(tmp_path):
    out = str(tmp_path / "run")
    res = cortexlearn.run("song_2000", quick=True, target="numpy", out=out, progress=False)
    for name in ("manifest.json", "metrics.json", "figure.png"):
        assert os.path.exists(os.path.join(out, name))
    m = res.metrics
    fw = np.asarray(res.data["final_weights"])
    # weights start at g_max and stay within [0, g_max] (Dale's law, hard bounds)
    assert fw.min() >= 0.0 and fw.max() <= 1.0 + 1e-12
    # fixed weights: a higher input rate drives the neuron harder (Song et al. 2000, Fig. 3)
    assert m["rate_static_40hz"] > m["rate_static_10hz"] >= 0
    # depression dominates (A-/A+ = 1.05): weights leave g_max within the first second
    assert fw[:3].mean() < 1.0
    assert set(res.data["near_bounds"].dims) == {"input_rate", "time"}
