"""models/nokland_2016: a quick run writes the results folder, and its numbers are those the reference gives."""


import numpy as np
import pytest

import cortexlearn
from cortexlearn.datasets import load_mnist1d
from quick_folder import assert_quick_results_folder


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("nokland_2016"))
    return cortexlearn.run("nokland_2016", quick=True, out=out, target="numpy", progress=False), out


def test_quick_run_writes_manifest_metrics_and_figure(quick_run):
    results, out = quick_run
    assert_quick_results_folder(out, "nokland_2016")


def test_from_zero_weights_backprop_is_stuck_and_random_feedback_learns(quick_run):
    results, out = quick_run
    acc = cortexlearn.load(out).data["zero_init_test_accuracy"].isel(epoch=-1) * 100
    labels = list(map(str, acc.variant.values))
    bp = acc.sel(variant=next(v for v in labels if v.lower().startswith("bp"))).values
    dfa = acc.sel(variant=next(v for v in labels if v.lower().startswith("dfa"))).values
    # with every weight zero, backprop sends zero gradients to the hidden layers and the hidden
    # activity stays zero: the output is its bias alone, one class for every sample, so the
    # accuracy is at most the largest class share of the test set (Nøkland 2016, §3)
    y = load_mnist1d().y_test
    largest = 100 * np.bincount(y).max() / y.size
    assert np.all(bp <= largest + 1e-9)
    # DFA's fixed random feedback breaks the symmetry: it learns past that on every seed
    assert np.all(dfa > largest)
    m = results.metrics
    assert m["dfa_zero_init_test_accuracy_per_seed"] == pytest.approx(list(dfa))
