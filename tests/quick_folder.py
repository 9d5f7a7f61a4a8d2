"""Shared assertion for tests of a model's quick run: the results folder is complete and unjudged."""

import json
import os

import cortexlearn


def assert_quick_results_folder(out: str, model: str) -> None:
    """manifest.json, metrics.json and figure.png exist; every check of ``model`` is reported and
    none is judged (quick runs are not judged); the run is complete."""
    for name in ("manifest.json", "metrics.json", "figure.png"):
        assert os.path.exists(os.path.join(out, name))
    with open(os.path.join(out, "metrics.json")) as fh:
        written = json.load(fh)
    assert {c["name"] for c in written["checks"]} == {c.name for c in cortexlearn.get_model(model).checks}
    assert all(c["passed"] is None for c in written["checks"])
    with open(os.path.join(out, "manifest.json")) as fh:
        assert json.load(fh)["status"] == "complete"
