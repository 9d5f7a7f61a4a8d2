"""scellier_bengio_2017: a short run writes its results and the held-out accuracy is above chance;
both tasks run and give per-seed metrics."""

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
    assert res.metrics["digits_test_accuracy_mean"] > 0.3


def test_both_tasks_give_per_seed_metrics(tmp_path):
    res = cortexlearn.run("scellier_bengio_2017", quick=True, target="numpy", out=None, progress=False,
                          task="digits,mnist1d", n_seeds=2, n_train=20, n_test=20, n_hidden=5, epochs=1,
                          mnist1d_n_train=20, mnist1d_n_test=20, mnist1d_epochs=1, dale=True, symmetric=True,
                          free_duration=6 * ms, nudged_duration=4 * ms)
    m = res.metrics
    for task in ("digits", "mnist1d"):
        assert len(m[f"{task}_test_accuracy_per_seed"]) == 2
    gaps = m["mnist1d_minus_weight_transport_per_seed"]
    assert all(abs(g - (a - 0.439)) < 1e-12 for g, a in zip(gaps, m["mnist1d_test_accuracy_per_seed"]))
    names = {c["name"] for c in res.checks} if hasattr(res, "checks") else set()
    assert not names or len(names) == 3
