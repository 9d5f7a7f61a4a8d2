"""scellier_bengio_2017: a short run writes its results and the held-out accuracy is above chance."""

from __future__ import annotations

import os

import cortexlearn
from brian2 import ms


def test_short_run_learns(tmp_path):
    out = str(tmp_path / "run")
    res = cortexlearn.run("scellier_bengio_2017", quick=True, target="numpy", out=out, progress=False,
                          n_train=200, n_test=100, n_hidden=20, epochs=2, learning_rate=0.2,
                          free_duration=20 * ms, nudged_duration=10 * ms)
    for name in ("manifest.json", "metrics.json", "figure.png"):
        assert os.path.exists(os.path.join(out, name))
    # 400 learning trials lift the held-out accuracy well above chance (10 %)
    assert res.metrics["test_accuracy"] > 0.3
