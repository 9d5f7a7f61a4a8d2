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
