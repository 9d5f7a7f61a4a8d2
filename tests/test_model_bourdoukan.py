"""bourdoukan_deneve_2015 reproduction: a quick run writes a complete results folder."""

import json
import os

import pytest


@pytest.mark.slow
def test_quick_run_writes_results(tmp_path):
    import cortexlearn

    out = str(tmp_path / "run")
    res = cortexlearn.run("bourdoukan_deneve_2015", quick=True, out=out, target="numpy", progress=False)
    for name in ("manifest.json", "metrics.json", "figure.png"):
        assert os.path.exists(os.path.join(out, name)), name
    with open(os.path.join(out, "metrics.json")) as fh:
        saved = json.load(fh)
    assert len(saved["checks"]) == 16  # 4 checks x (optimal, learned, dale, large)
    assert all(c["passed"] is None for c in saved["checks"])  # quick runs are not judged
    # each row is judged on the worst seed and shows the per-seed values (quick runs: one seed)
    for row in saved["checks"]:
        assert row["judge"] == "worst seed" and row["per_seed"] == [row["value"]], row["name"]
    m = res.metrics
    for mode in ("optimal", "learned", "dale", "large"):
        for key in ("nmse_before_mean", "nmse_after_max", "cv_isi_min", "rate_max_hz", "ei_corr_min"):
            assert f"{mode}_{key}" in m
        # per-seed values behind each worst-seed check (quick runs: one seed)
        assert m[f"{mode}_nmse_after_per_seed"] == [m[f"{mode}_nmse_after_max"]]
        assert m[f"{mode}_ei_corr_after_per_seed"] == [m[f"{mode}_ei_corr_min"]]
    # 0.2 s of learning (numpy target, seed 0, 12 neurons) already moves the weights towards their
    # optima: measured r = 0.46 (slow weights vs F(A+λI)Fᵀ) and r = 0.55 (fast weights, learnt from
    # zero, vs -FFᵀ); before learning the slow weights (and the learnt fast weights) are all zero
    assert m["optimal_slow_weight_corr_mean"] > 0.3
    assert m["learned_fast_weight_corr_mean"] > 0.3
    assert res.data["optimal_slow_learned"].shape == (12, 12)
    # Dale mode: no magnitude is negative after learning (they are clipped at zero), learned
    # E→E magnitudes are recorded, and the inhibitory population fires
    assert m["dale_min_magnitude"] >= 0.0
    assert res.data["dale_slow_learned"].shape == (12, 12)
    assert m["dale_rate_inh_max_hz"] > 0
