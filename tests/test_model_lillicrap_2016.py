"""models/lillicrap_2016: a quick run writes the results folder, and its numbers are those the reference gives."""


import pytest

import cortexlearn
from quick_folder import assert_quick_results_folder


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("lillicrap_2016"))
    return cortexlearn.run("lillicrap_2016", quick=True, out=out, target="numpy", progress=False), out


def test_quick_run_writes_manifest_metrics_and_figure(quick_run):
    results, out = quick_run
    assert_quick_results_folder(out, "lillicrap_2016")


def test_quick_run_already_orders_the_rules(quick_run):
    # 2 seeds x 2 epochs: BP and FA are already above readout-only learning on MNIST-1D.
    metrics = quick_run[0].metrics
    assert metrics["mnist1d_bp_test_accuracy_mean"] > metrics["mnist1d_shallow_test_accuracy_mean"] + 5
    assert metrics["mnist1d_fa_minus_shallow_mean"] > 0
