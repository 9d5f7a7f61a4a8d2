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


def test_digits_trials_follow_the_annealed_learning_rate():
    """The digits session's per-trial factor on eta is 1 until the last ``anneal_fraction`` of the
    learning trials, then falls linearly toward 0 (``(n_total - n) / (f n_total)``), and is 0 on
    the held-out trials; ``anneal_fraction = 0`` (MNIST-1D's default) keeps eta constant."""
    import importlib

    import numpy as np

    model = cortexlearn.get_model("scellier_bengio_2017")
    circuit = importlib.import_module(model.simulate.__module__).circuit
    small = {"n_train": 40, "n_test": 10, "n_hidden": 5, "epochs": 5}
    spec, n_train, n_test, _, epochs = circuit(model.resolve({**small, "anneal_fraction": 0.2}), 0, "digits")
    scale = np.asarray(spec.learning_rate_scale)
    n_learn = epochs * n_train  # 200 trials, the last 40 annealed
    assert scale.shape == (n_learn + n_test,)
    np.testing.assert_array_equal(scale[:n_learn - 40], 1.0)
    np.testing.assert_allclose(scale[n_learn - 40:n_learn], (40 - np.arange(40)) / 40)
    np.testing.assert_array_equal(scale[n_learn:], 0.0)
    spec, *_ = circuit(model.resolve({**small, "anneal_fraction": 0.0}), 0, "digits")
    np.testing.assert_array_equal(np.asarray(spec.learning_rate_scale)[:n_learn], 1.0)
    spec, *_ = circuit(model.resolve({**small, "anneal_fraction": 1.0}), 0, "digits")
    np.testing.assert_allclose(np.asarray(spec.learning_rate_scale)[:n_learn], 1 - np.arange(n_learn) / n_learn)
