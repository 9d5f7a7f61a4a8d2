"""parisien_2008 reproduction: a quick run writes a complete results folder."""

import json
import os

import pytest


@pytest.mark.slow
def test_quick_run_writes_results(tmp_path):
    import cortexlearn

    out = str(tmp_path / "run")
    res = cortexlearn.run("parisien_2008", quick=True, out=out, target="numpy", progress=False)
    for name in ("manifest.json", "metrics.json", "figure.png"):
        assert os.path.exists(os.path.join(out, name)), name
    with open(os.path.join(out, "metrics.json")) as fh:
        saved = json.load(fh)
    assert {c["metric"] for c in saved["checks"]} == {"ratio_channel", "ratio_integrator"}
    m = res.metrics
    # every Dale weight is a non-negative magnitude; the decoded channel stays close to the ideal
    # output even at this tiny scale (30 neurons, 0.3 s): measured ratio ~1.0, RMSE ~0.1
    assert 0 < m["rmse_ch"] < 0.3
    assert m["ratio_channel"] < 1.5
    # interneurons of the transformed channel are active
    assert m["rate_chd_IA_hz"] > 1.0
