"""models/lillicrap_2016: a quick run writes the results folder, and its numbers are those the reference gives."""

import json
import os

import pytest

import cortexlearn


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("lillicrap_2016"))
    return cortexlearn.run("lillicrap_2016", quick=True, out=out, target="numpy", progress=False), out


def test_quick_run_writes_manifest_metrics_and_figure(quick_run):
    results, out = quick_run
    for name in ("manifest.json", "metrics.json", "figure.png"):
        assert os.path.exists(os.path.join(out, name))
    with open(os.path.join(out, "metrics.json")) as fh:
        written = json.load(fh)
    assert {c["name"] for c in written["checks"]} == {c.name for c in cortexlearn.get_model("lillicrap_2016").checks}
    assert all(c["passed"] is None for c in written["checks"])   # quick runs are not judged
    with open(os.path.join(out, "manifest.json")) as fh:
        assert json.load(fh)["status"] == "complete"


def test_quick_run_already_orders_the_rules(quick_run):
    # 2 seeds x 2 epochs: BP and FA are already above readout-only learning on MNIST-1D.
    metrics = quick_run[0].metrics
    assert metrics["mnist1d_bp_test_accuracy_mean"] > metrics["mnist1d_shallow_test_accuracy_mean"] + 5
    assert metrics["mnist1d_fa_minus_shallow_mean"] > 0
