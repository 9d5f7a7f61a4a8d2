"""models/jaderberg_2016: a quick run writes the results folder, and its numbers are those the reference gives."""


import json
import os

import numpy as np
import pytest

import cortexlearn
from quick_folder import assert_quick_results_folder


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("jaderberg_2016"))
    return cortexlearn.run("jaderberg_2016", quick=True, out=out, target="numpy", progress=False), out


def test_quick_run_writes_manifest_metrics_and_figure(quick_run):
    results, out = quick_run
    assert_quick_results_folder(out, "jaderberg_2016")


def test_metrics_follow_from_the_saved_curves_paired_by_seed(quick_run):
    results, out = quick_run
    acc = cortexlearn.load(out).data["mlp_test_accuracy"].isel(epoch=-1) * 100
    bp, sg = acc.sel(variant="BP").values, acc.sel(variant="SG, label-conditioned").values
    m = results.metrics
    assert m["bp_minus_sg_conditioned_per_seed"] == pytest.approx(list(bp - sg))
    assert m["bp_minus_sg_conditioned_mean"] == pytest.approx(float(np.mean(bp - sg)))
    # 10 balanced MNIST-1D classes: two epochs of backprop are well above chance (10 %)
    assert np.all(bp > 20.0)
    rows = {r["name"]: r for r in json.load(open(os.path.join(out, "metrics.json")))["checks"]}
    row = rows["label-conditioned SG within 5 points of BP"]
    assert row["n_seeds"] == 2 and row["per_seed"] == pytest.approx(list(bp - sg))
    assert row["bound"] >= row["mean"]  # an upper bound for a '<=' target


def test_copy_ratio_per_seed_pairs_the_same_seed(quick_run):
    results, out = quick_run
    solved = cortexlearn.load(out).data["copy_solved_length"]
    for T in (3, 5):
        with np.errstate(divide="ignore", invalid="ignore"):
            expect = solved.sel(variant=f"TBPTT T={T} + SG").values / solved.sel(variant=f"TBPTT T={T}").values
        got = results.metrics[f"copy_T{T}_ratio_per_seed"]
        np.testing.assert_array_equal(np.asarray(got, float), expect)


def test_label_conditioned_modules_point_closer_to_the_true_gradient(quick_run):
    # Jaderberg et al. 2017, §3.1 (cDNI): with the label, a linear module can represent the
    # -t W^T part of the softmax gradient (p - t) W^T exactly, so its synthetic gradient must
    # lie closer to backprop's than an unconditioned module's on every seed (top hidden layer),
    # and closer than a random direction (90 degrees).
    results, out = quick_run
    angle = cortexlearn.load(out).data["mlp_angle"].isel(epoch=-1).sel(layer=2)
    conditioned = angle.sel(variant="SG, label-conditioned").values
    unconditioned = angle.sel(variant="SG, unconditioned").values
    assert np.all(conditioned < 90.0)
    assert np.all(conditioned < unconditioned)


def test_mlp_only_run_skips_the_copy_task_and_leaves_its_checks_unpassed(tmp_path):
    out = str(tmp_path / "mlp_only")
    results = cortexlearn.run("jaderberg_2016", quick=True, out=out, target="numpy", progress=False,
                              copy_seeds=0, n_seeds=2, epochs=1)
    assert "bp_minus_sg_conditioned_mean" in results.metrics
    assert not any(k.startswith("copy_") for k in results.metrics)
    data = cortexlearn.load(out).data
    assert "mlp_test_accuracy" in data and "copy_solved_length" not in data
    rows = {r["name"]: r for r in json.load(open(os.path.join(out, "metrics.json")))["checks"]}
    copy_rows = [r for name, r in rows.items() if name.startswith("copy task")]
    # a metric that was not computed is written as null (NaN) and cannot pass
    assert copy_rows and all(r["value"] is None or not np.isfinite(r["value"]) for r in copy_rows)
    assert os.path.exists(os.path.join(out, "figure.png"))


def test_hidden_layer_modules_change_only_the_synthetic_gradient_runs(tmp_path):
    # sg_hidden reaches the modules (Jaderberg et al. 2017, supplementary material): the synthetic-gradient
    # runs differ from the linear modules' on the same seed, backprop's run is the same.
    final = {}
    for hidden in (0, 8):
        results = cortexlearn.run("jaderberg_2016", quick=True, out=str(tmp_path / f"h{hidden}"),
                                  target="numpy", progress=False, copy_seeds=0, n_seeds=1, epochs=1,
                                  sg_hidden=hidden)
        final[hidden] = results.metrics
    assert final[8]["bp_test_accuracy_mean"] == final[0]["bp_test_accuracy_mean"]
    assert final[8]["sg_conditioned_test_accuracy_mean"] != final[0]["sg_conditioned_test_accuracy_mean"]
