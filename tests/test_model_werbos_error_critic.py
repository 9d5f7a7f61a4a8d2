"""models/werbos_error_critic: a quick run writes the results folder, and its numbers are those the reference gives."""


import numpy as np
import pytest

import cortexlearn
from quick_folder import assert_quick_results_folder


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("werbos_error_critic"))
    return cortexlearn.run("werbos_error_critic", quick=True, out=out, target="numpy", progress=False), out


def test_quick_run_writes_manifest_metrics_and_figure(quick_run):
    results, out = quick_run
    assert_quick_results_folder(out, "werbos_error_critic")


def test_metrics_follow_from_the_saved_runs(quick_run):
    results, out = quick_run
    data = cortexlearn.load(out).data
    solved = data["solved_length"]
    labels = list(map(str, solved.variant.values))
    boot = solved.sel(variant=next(v for v in labels if v.startswith("critic, bootstrap"))).values
    tbptt = solved.sel(variant="TBPTT").values
    assert results.metrics["bootstrap_minus_tbptt_per_seed"] == pytest.approx(list(boot - tbptt))
    # the error is a cross-entropy in bits per symbol over 8 symbols: untrained, near log2(8) = 3,
    # never negative; the curriculum starts at length 1
    bits = data["bits"].values
    assert np.all(bits[np.isfinite(bits)] >= 0)
    assert np.all(np.abs(bits[:, :, 0] - 3.0) < 0.1)
    assert np.all(data["length"].values[:, :, 0] == 1)
