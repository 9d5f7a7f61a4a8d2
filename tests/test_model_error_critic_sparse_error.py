"""The error_critic_sparse_error reproduction runs end to end (quick scale, numpy target): results
folder, the four variants, and the critic's records. The variants are one compiled program with
different run-time values, so the quick run also guards that the mask and the switches reach it."""

import json
import re
import os

import numpy as np
import pytest

import cortexlearn
from brian2 import ms
from quick_folder import assert_quick_results_folder


@pytest.mark.slow
def test_quick_run_writes_results(tmp_path):
    out = str(tmp_path / "ecs")
    res = cortexlearn.run("error_critic_sparse_error", quick=True, out=out, target="numpy",
                          progress=False)
    assert_quick_results_folder(out, "error_critic_sparse_error")
    m = json.load(open(os.path.join(out, "metrics.json")))["metrics"]
    assert m["n_units"] == 4
    for v in ("dense", "sparse_only", "critic", "label_only"):
        assert 0 <= m[f"{v}_accuracy_mean"] <= 100
    # the saved per-unit arrays, read back from disk, give the metrics: final accuracies are
    # multiples of 1/n_test (10 quick test samples), and the differences are paired by seed
    saved = cortexlearn.load(out).data["test_accuracy"]
    final = {str(v): float(saved.values[list(saved.variant.values).index(v), -1])
             for v in ("dense", "sparse_only", "critic", "label_only")}
    for v, acc in final.items():
        assert acc == pytest.approx(m[f"{v}_accuracy_mean"])
        assert acc / 10 == pytest.approx(round(acc / 10)), v  # 10 % steps with 10 test samples
    assert m["dense_minus_sparse"] == pytest.approx(final["dense"] - final["sparse_only"])
    assert m["critic_minus_sparse_per_seed"] == pytest.approx([final["critic"] - final["sparse_only"]])
    assert m["critic_minus_label_only_per_seed"] == pytest.approx([final["critic"] - final["label_only"]])
    corr = res.data["correlation"]
    assert corr.shape == (4, 1)
    # every critic is a delta rule fitted to the errors it receives, so its predictions correlate
    # positively with them (a sign error between prediction and error would make them negative)
    for v in np.asarray(corr.variant):
        assert float(corr.sel(unit=corr.variant == v).values[0, 0]) > 0, v


@pytest.mark.parametrize("override, words", [
    ({"evaluate_on": "train"}, "evaluate_on"),
    ({"evaluate_on": "validation", "n_train": 3800, "n_test": 500}, "n_train + n_test"),
    ({"prediction_gain": 0.0}, "prediction_gain"),
    ({"prediction_gain": 1.5}, "prediction_gain"),
    ({"dt": 0.3 * ms}, "whole number (>= 1) of time steps"),
])
def test_bad_options_are_refused_before_anything_is_built(tmp_path, override, words):
    from cortexlearn.errors import SpecError

    with pytest.raises(SpecError, match=re.escape(words)):
        cortexlearn.run("error_critic_sparse_error", quick=True, out=str(tmp_path / "ecs"),
                        target="numpy", progress=False, **override)


def test_validation_samples_are_held_out_training_samples():
    from cortexlearn.critic_session import load_data

    p = {"n_train": 100, "n_test": 40, "evaluate_on": "validation"}
    xtr, ytr, xva, yva = load_data(p)
    full = cortexlearn.datasets.load("mnist1d")
    assert np.array_equal(xtr, full.x_train[:100]) and np.array_equal(xva, full.x_train[100:140])
    assert np.array_equal(yva, full.y_train[100:140])
    xte = load_data({**p, "evaluate_on": "test"})[2]
    assert np.array_equal(xte, full.x_test[:40])


def test_the_covariance_form_reaches_the_network_rule():
    from cortexlearn.models import error_critic_sparse_error as ecs
    from cortexlearn.critic_session import circuit, load_data

    p = {q.name: q.default for q in ecs.PARAMETERS}
    p.update(n_train=20, n_test=10)
    data = load_data(p)
    for flag in (False, True):
        _, rule, _, _ = circuit({**p, "centered": flag}, data, activity="x_l")
        assert rule.centered is flag
