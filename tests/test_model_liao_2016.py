"""models/liao_2016: a quick run writes the results folder, and its numbers are those the reference gives."""


import numpy as np
import pytest

import cortexlearn
from quick_folder import assert_quick_results_folder


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("liao_2016"))
    return cortexlearn.run("liao_2016", quick=True, out=out, target="numpy", progress=False), out


def test_quick_run_writes_manifest_metrics_and_figure(quick_run):
    results, out = quick_run
    assert_quick_results_folder(out, "liao_2016")


def test_sign_concordant_feedback_is_closer_to_the_gradient_than_random_signs(quick_run):
    results, out = quick_run
    angle = cortexlearn.load(out).data["angle"].isel(epoch=-1).sel(layer=1)
    # backprop's update is the gradient itself
    np.testing.assert_allclose(angle.sel(variant="BP + BN").values, 0.0, atol=1e-6)
    # the feedback has the forward weights' signs: its update lies within 90 deg of the gradient
    # and closer than feedback with random fixed signs, on every seed (Liao et al. 2016, Fig. 1)
    ss, rs = angle.sel(variant="sign-symmetry + BN").values, angle.sel(variant="random sign + BN").values
    assert np.all(ss < 90.0) and np.all(ss < rs)


def test_differences_are_paired_by_seed_and_the_band_is_fixed(quick_run):
    results, out = quick_run
    acc = cortexlearn.load(out).data["test_accuracy"].isel(epoch=-1) * 100
    diff = acc.sel(variant="sign-symmetry + BN").values - acc.sel(variant="BP + BN").values
    assert results.metrics["ss_bn_minus_bp_bn_per_seed"] == pytest.approx(list(diff))
    model = cortexlearn.get_model("liao_2016")
    assert "tolerance" not in model.parameter_map
    check = model.checks[0]
    assert (check.op, check.target, check.tolerance) == ("abs", 0.0, 3.0)
    # judged by both one-sided bounds: a mean inside the band with a wide spread does not pass
    assert not check.evaluate({"ss_bn_minus_bp_bn_mean": -1.0,
                               "ss_bn_minus_bp_bn_per_seed": [-4.0, 2.0, -1.0, -3.5, 1.5]}, {})["passed"]
