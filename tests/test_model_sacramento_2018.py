"""sacramento_2018: the microcircuit reaches the self-predicting state on random input, the
teacher's error then appears in the apical dendrites, and a short run writes its results."""

from __future__ import annotations

import os

import numpy as np

import cortexlearn
from cortexlearn.circuits.microcircuit import CONDUCTANCES
from cortexlearn.reference import microcircuit as ref


def _self_predicting(n_samples=300, seed=0):
    rng = np.random.default_rng(seed)
    n_in, n_h, n_out = 6, 8, 3
    from cortexlearn.models.sacramento_2018.experiment import initial_weights

    w = initial_weights(n_in, n_h, n_out, rng)
    params = {"tau": 3e-3, **CONDUCTANCES, "v_rest": 0.0, "eta_in": 0.0, "eta_out": 0.0, "eta_PI": 40.0,
              "eta_IA": 40.0}
    x = rng.normal(0, 1, (n_samples, n_in))
    off, on = np.zeros(n_samples), np.ones(n_samples)
    res = ref.simulate(w, x, np.zeros((n_samples, n_out)), {"teach": off, "learn_forward": off,
                                                            "learn_inter": np.r_[0.0, on[1:]]},
                       params, 25, 1e-3, 10)
    return res, params, rng


def test_apical_potentials_fall_silent_without_a_teacher():
    res, _, _ = _self_predicting()
    rms = np.sqrt(np.mean(res["v_A"] ** 2, axis=1))
    assert np.mean(rms[-15:]) <= 0.10 * rms[0]


def test_the_teacher_s_error_appears_in_the_apical_dendrites():
    # in the self-predicting state, a nudged output leaves v_A = B (r_out - r_I): the top-down
    # projection of the output's deviation from its own prediction (Sacramento et al. 2018, Eq. 10)
    res, params, rng = _self_predicting()
    weights = {k: res[k] for k in ref.WEIGHT_NAMES}
    n = 20
    x, y = rng.normal(0, 1, (n, 6)), rng.normal(0, 1, (n, 3))
    off, on = np.zeros(n), np.ones(n)
    taught = ref.simulate(weights, x, y, {"teach": on, "learn_forward": off, "learn_inter": off}, params, 25,
                          1e-3, 10)
    free = ref.simulate(weights, x, y, {"teach": off, "learn_forward": off, "learn_inter": off}, params, 25,
                        1e-3, 10)
    top_down_error = (ref.softplus(taught["u_out"]) - ref.softplus(free["u_out"])) @ weights["B"].T
    corr = np.corrcoef(taught["v_A"].ravel(), top_down_error.ravel())[0, 1]
    assert corr > 0.9
    assert np.sqrt(np.mean(taught["v_A"] ** 2)) > 3 * np.sqrt(np.mean(free["v_A"] ** 2))


def test_short_run_writes_its_results(tmp_path):
    out = str(tmp_path / "run")
    res = cortexlearn.run("sacramento_2018", quick=True, target="numpy", out=out, progress=False)
    for name in ("manifest.json", "metrics.json", "figure.png"):
        assert os.path.exists(os.path.join(out, name))
    m = res.metrics
    assert m["apical_rms_ratio_mean"] < 0.5
    assert 0 <= m["hidden_angle_mean"] <= 180 and np.isfinite(m["accuracy_mean"])


def test_mirrored_top_down_weights_stay_the_forward_transpose():
    # Kolen-Pollack: with B = W_out^T at the start and equal rates and decays, the top-down and
    # forward weights receive transposed updates, so the apical error stays the one of weight
    # transport (Akrout et al. 2019); an independent random start is ~90 deg from it
    from cortexlearn.models.sacramento_2018.experiment import initial_weights

    rng = np.random.default_rng(3)
    n_in, n_h, n_out, n = 6, 8, 3, 40
    w = initial_weights(n_in, n_h, n_out, rng, "mirror")
    assert np.array_equal(w["B"], w["W_out"].T)
    params = {"tau": 2e-3, **CONDUCTANCES, "v_rest": 0.0, "eta_in": 8.0, "eta_out": 1.5, "eta_B": 1.5,
              "decay": 0.02, "eta_PI": 2.0, "eta_IA": 2.0}
    on = np.ones(n)
    res = ref.simulate(w, rng.normal(0, 1, (n, n_in)), rng.choice([-1.0, 1.0], (n, n_out)),
                       {"teach": on, "learn_forward": on, "learn_inter": on}, params, 12, 1e-3, 5)
    assert np.abs(res["W_out"] - w["W_out"]).max() > 1e-3  # the weights did learn
    np.testing.assert_allclose(res["B"], res["W_out"].T, rtol=0, atol=1e-12)


def test_every_learning_rate_cools_down_linearly_over_the_last_fraction():
    # constant, then linear to 0 over the last 20 % of the training samples (Hagele et al. 2024),
    # for the forward weights in the taught presentations and the interneurons in the free ones
    from types import SimpleNamespace

    from cortexlearn.models.sacramento_2018 import MODEL
    from cortexlearn.models.sacramento_2018.experiment import session
    from cortexlearn.stimuli import linear_cooldown as cooldown

    rng = np.random.default_rng(0)
    data = SimpleNamespace(x_train=rng.normal(0, 1, (10, 4)), y_train=rng.integers(0, 3, 10),
                           x_test=rng.normal(0, 1, (5, 4)), y_test=rng.integers(0, 3, 5), n_classes=3)
    p = MODEL.resolve({"n_hidden": 6, "epochs": 2, "n_self_predicting": 8, "anneal_fraction": 0.2})
    spec, lay = session(p, data, 0, 10, 5)
    n_learn = 20
    expected = np.r_[np.ones(16), 1 - np.arange(4) / 4]
    np.testing.assert_allclose(cooldown(n_learn, 0.2), expected)
    train = slice(lay["n_sp"], lay["n_sp"] + lay["n_presentations_train"])
    np.testing.assert_allclose(spec.learn_forward[lay["taught"]], expected)
    np.testing.assert_allclose(spec.learn_inter[train][0::2], expected)  # the teacher-free presentations
    assert np.all(spec.learn_forward[train][0::2] == 0) and np.all(spec.learn_inter[lay["taught"]] == 0)
    assert np.all(spec.learn_inter[1:lay["n_sp"]] == 1) and np.all(spec.learn_forward[-5:] == 0)
    np.testing.assert_array_equal(cooldown(n_learn, 0.0), 1.0)
