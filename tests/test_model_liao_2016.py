"""models/liao_2016: a quick run writes the results folder, and its numbers are those the reference gives."""

import json
import os

import pytest

import cortexlearn


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("liao_2016"))
    return cortexlearn.run("liao_2016", quick=True, out=out, target="numpy", progress=False), out


def test_quick_run_writes_manifest_metrics_and_figure(quick_run):
    results, out = quick_run
    for name in ("manifest.json", "metrics.json", "figure.png"):
        assert os.path.exists(os.path.join(out, name))
    with open(os.path.join(out, "metrics.json")) as fh:
        written = json.load(fh)
    assert {c["name"] for c in written["checks"]} == {c.name for c in cortexlearn.get_model("liao_2016").checks}
    assert all(c["passed"] is None for c in written["checks"])   # quick runs are not judged
    with open(os.path.join(out, "manifest.json")) as fh:
        assert json.load(fh)["status"] == "complete"
