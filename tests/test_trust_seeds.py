"""``--seed`` shifts every seed a model uses: each multi-seed model, run at two seeds on a tiny
quick scale, lists the seeds it used and gives different results."""

import numpy as np
import pytest

import cortexlearn

#: Each multi-seed model at its smallest useful scale (on top of --quick).
TINY = {
    "spiking_feedback_alignment": dict(datasets="mnist1d", rules="feedback_alignment", dale_off_rules="",
                                       n_train=10, n_test=5, hidden=5, presentation="10*ms"),
    "error_critic_sparse_error": dict(variants="dense", n_train=10, n_test=5, hidden=5, presentation="10*ms"),
    "error_critic_delayed_error": dict(tasks="late", variants="stored", delays="1", n_train=10, n_test=5,
                                       hidden=5, presentation="10*ms"),
    "bellec_2020_pattern_generation": dict(iterations=1, bptt_iterations=0, trial_duration="30*ms"),
    "bourdoukan_deneve_2015": dict(fast_modes="optimal", learn_block="50*ms", test_window="30*ms"),
    "jaderberg_2016": dict(epochs=1, copy_steps=2),
    "liao_2016": dict(epochs=1),
    "lillicrap_2016": dict(epochs=1),
    "nokland_2016": dict(epochs=1),
    "werbos_error_critic": dict(steps=2),
}


def _numbers(results):
    out = {f"metric {k}": float(v) for k, v in results.metrics.items()
           if isinstance(v, (int, float)) and not k.startswith("wall") and "time" not in k}
    for name, da in results.data.items():
        values = np.asarray(da.values)
        if values.dtype.kind in "fiu":
            out[f"array {name}"] = values
    return out


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(TINY))
def test_seed_shifts_every_seed(name):
    runs = {}
    for seed in (0, 3):
        res = cortexlearn.run(name, seed=seed, quick=True, target="numpy", progress=False, figure=False,
                              **TINY[name])
        n = int(res.manifest["parameters"].get("n_seeds", "1"))
        assert res.manifest["seeds"] == list(range(seed, seed + n)), res.manifest["seeds"]
        runs[seed] = _numbers(res)
    a, b = runs[0], runs[3]
    differ = [k for k in a if k in b and (np.shape(a[k]) != np.shape(b[k])
                                          or not np.allclose(a[k], b[k], equal_nan=True))]
    assert differ, f"{name}: --seed 0 and --seed 3 gave the same numbers"
