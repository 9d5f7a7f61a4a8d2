"""The NumPy BPTT reference for the spiking recurrent network: finite-difference gradient check and
the exact identity with e-prop when there is nothing for e-prop to truncate."""

import numpy as np
import pytest

from cortexlearn.analysis import alignment
from cortexlearn.reference.eprop import eprop_gradient
from cortexlearn.reference.snn_bptt import SNNParams, bptt_gradient, loss, simulate


def _network(seed, n_in=5, n_rec=4, n_out=2, steps=30, rec_scale=0.5):
    rng = np.random.default_rng(seed)
    w = {"in": rng.normal(0, 1.2, (n_rec, n_in)), "rec": rng.normal(0, rec_scale, (n_rec, n_rec)),
         "out": rng.normal(0, 1, (n_out, n_rec))}
    x = (rng.random((steps, n_in)) < 0.3).astype(float)
    target = rng.normal(0, 1, (steps, n_out))
    return w, x, target


@pytest.mark.parametrize("beta", [0.0, 0.4], ids=["lif", "alif"])
def test_bptt_matches_finite_differences(beta):
    # A smooth spike function makes the loss differentiable; with the reset's gradient included,
    # BPTT must equal the derivative of the loss (central differences, h = 1e-6).
    params = SNNParams(alpha=0.9, rho=0.95, kappa=0.8, beta=beta, spike="sigmoid")
    w, x, target = _network(0)
    grad = bptt_gradient(params, w["in"], w["rec"], w["out"], simulate(params, w["in"], w["rec"], w["out"], x, target),
                         reset_gradient=True)
    h = 1e-6
    for key in ("in", "rec", "out"):
        numeric = np.zeros_like(w[key])
        for idx in np.ndindex(w[key].shape):
            plus = {k: v.copy() for k, v in w.items()}
            minus = {k: v.copy() for k, v in w.items()}
            plus[key][idx] += h
            minus[key][idx] -= h
            numeric[idx] = (loss(simulate(params, plus["in"], plus["rec"], plus["out"], x, target))
                            - loss(simulate(params, minus["in"], minus["rec"], minus["out"], x, target))) / (2 * h)
        assert np.max(np.abs(grad[key] - numeric)) < 1e-6 * np.max(np.abs(numeric))


def test_reset_gradient_changes_the_gradient():
    # The stop-gradient through the reset is a real choice: with it the gradient differs.
    params = SNNParams(alpha=0.9, rho=0.95, kappa=0.8, beta=0.4, spike="sigmoid")
    w, x, target = _network(1)
    tr = simulate(params, w["in"], w["rec"], w["out"], x, target)
    a = bptt_gradient(params, w["in"], w["rec"], w["out"], tr, reset_gradient=True)
    b = bptt_gradient(params, w["in"], w["rec"], w["out"], tr, reset_gradient=False)
    assert np.max(np.abs(a["in"] - b["in"])) > 1e-3 * np.max(np.abs(a["in"]))
    np.testing.assert_allclose(a["out"], b["out"])  # the readout's gradient has no reset path


@pytest.mark.parametrize("beta", [0.0, 0.4], ids=["lif", "alif"])
def test_eprop_equals_bptt_without_recurrence(beta):
    # Bellec et al. 2020 (Eq. 1 and Methods): e-prop drops only the dependence of the learning
    # signal on future recurrent activity; with W_rec = 0 and B = W_out^T it is exact.
    params = SNNParams(alpha=0.9, rho=0.95, kappa=0.8, beta=beta)
    w, x, target = _network(2, rec_scale=0.0)
    tr = simulate(params, w["in"], w["rec"], w["out"], x, target)
    assert tr.z.sum() > 5  # the test needs spikes
    exact = bptt_gradient(params, w["in"], w["rec"], w["out"], tr)
    eprop = eprop_gradient(params, w["out"], w["out"].T, tr)
    for key in ("in", "rec", "out"):
        np.testing.assert_allclose(eprop[key], exact[key], atol=1e-12 * max(1.0, np.abs(exact[key]).max()))


def test_eprop_differs_from_bptt_with_recurrence_but_points_downhill():
    params = SNNParams(alpha=0.9, rho=0.95, kappa=0.8, beta=0.4)
    w, x, target = _network(3, rec_scale=1.0)
    tr = simulate(params, w["in"], w["rec"], w["out"], x, target)
    exact = bptt_gradient(params, w["in"], w["rec"], w["out"], tr)
    eprop = eprop_gradient(params, w["out"], w["out"].T, tr)
    angle = alignment.angle({"in": eprop["in"], "rec": eprop["rec"]}, {"in": exact["in"], "rec": exact["rec"]})
    assert 0.1 < angle < 90.0


def test_angle_of_arrays_and_of_mappings():
    assert alignment.angle(np.array([1.0, 0.0]), np.array([0.0, 2.0])) == pytest.approx(90.0)
    assert alignment.angle({"a": np.array([1.0, 1.0])}, {"a": np.array([2.0, 2.0])}) == pytest.approx(0.0, abs=1e-4)
    assert np.isnan(alignment.angle(np.zeros(2), np.ones(2)))
