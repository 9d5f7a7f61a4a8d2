"""Parisien transform: analytic preservation of the effective input, signs, bad input."""

import numpy as np
import pytest

from cortexlearn.dale import transform_weights, transform_circuit
from cortexlearn.errors import SpecError
from cortexlearn.reference import nef


def _mixed(rng, n_post=30, n_pre=40):
    return rng.normal(0.0, 1.0, (n_post, n_pre))


def test_effective_input_preserved_exactly_with_linear_interneurons():
    rng = np.random.default_rng(1)
    w = _mixed(rng)
    gain, baseline = 2.5, 7.0
    t = transform_weights(w, 12, gain=gain, baseline=baseline)
    for _ in range(5):
        r = rng.uniform(0, 50, w.shape[1])
        inh = t.linear_interneuron_rates(r, gain=gain, baseline=baseline)
        # analytic: W_exc r - c (S + N baseline/gain) + c N baseline/gain = W r
        np.testing.assert_allclose(t.effective_input(r, inh), w @ r, rtol=1e-12, atol=1e-9)


def test_all_parts_are_non_negative_and_effective_signs_preserved():
    rng = np.random.default_rng(2)
    w = _mixed(rng)
    t = transform_weights(w, 5, margin=0.1)
    for part in (t.excitatory, t.to_inhibitory, t.inhibitory):
        assert np.all(part >= 0)
    # margin > 0: every excitatory weight strictly positive
    assert np.all(t.excitatory > 0)
    # the net (effective) weight matrix of the linear circuit is W itself, so every sign is kept
    effective = t.excitatory - t.inhibitory @ (t.to_inhibitory * 1.0) * 1.0
    np.testing.assert_allclose(effective, w, atol=1e-12)
    assert np.array_equal(np.sign(effective), np.sign(w))


def test_offsets_follow_the_most_negative_weight():
    w = np.array([[1.0, -2.0, 0.5], [0.2, 0.3, 0.0]])
    t = transform_weights(w, 3)
    np.testing.assert_allclose(t.offset, [2.0, 0.0])
    np.testing.assert_allclose(t.excitatory, [[3.0, 0.0, 2.5], [0.2, 0.3, 0.0]])
    # a row without negative weights needs no inhibition
    assert np.all(t.inhibitory[1] == 0)


def test_mean_input_preserved_with_spiking_interneuron_decoders():
    """NEF interneurons (nonlinear LIF rates): the mean effective input over the represented range
    matches the original within 2 % of its spread (non-negative least squares decoding)."""
    rng = np.random.default_rng(3)
    pre = nef.make_ensemble(60, 1, rng)
    post = nef.make_ensemble(50, 1, rng)
    x = np.linspace(-1, 1, 101)[:, None]
    rates = pre.rates(x)
    w = nef.connection_weights(nef.decoders(rates, x), post)
    mean = rates.mean(axis=1)
    inh = nef.make_ensemble(40, 1, rng, intercepts=(-1.0, 0.5), positive=True)
    s = (mean - mean.min()) / np.ptp(mean) * 2 - 1
    a_inh = inh.rates(s[:, None])
    d, beta = nef.interneuron_decoders(a_inh, rates.sum(axis=1))
    assert np.all(d >= 0)
    t = transform_weights(w, 40, decoders=d, decoder_offset=beta)
    original = rates @ w.T                           # (samples, post)
    transformed = np.stack([t.effective_input(r, a) for r, a in zip(rates, a_inh)])
    spread = original.std()
    np.testing.assert_allclose(transformed.mean(axis=0), original.mean(axis=0), atol=0.02 * spread)
    # and sample by sample, the error is small compared with the signal
    assert np.sqrt(np.mean((transformed - original) ** 2)) < 0.05 * spread


@pytest.mark.parametrize("bad, match", [
    (np.array([[1.0, np.nan], [0.0, 1.0]]), "NaN"),
    (np.array([1.0, -1.0]), "2-D"),
    (np.zeros((0, 3)), "2-D"),
])
def test_bad_matrices_are_refused(bad, match):
    with pytest.raises(SpecError, match=match):
        transform_weights(bad, 4)


@pytest.mark.parametrize("n_inh", [0, -1, 2.5])
def test_no_room_for_interneurons(n_inh):
    with pytest.raises(SpecError, match="interneurons"):
        transform_weights(np.ones((2, 2)), n_inh)


def test_negative_decoders_refused():
    with pytest.raises(SpecError, match="non-negative"):
        transform_weights(-np.ones((2, 3)), 2, decoders=np.array([1.0, -0.1]))


def _circuit():
    from brian2 import mV

    from cortexlearn.neurons import lif_delta
    from cortexlearn.specs import Circuit, Connectivity, Population, Projection

    a = Population("A", 6, lif_delta(), kind="E")
    b = Population("B", 4, lif_delta(), kind="E")
    i = Population("Inh", 3, lif_delta(), kind="I")
    return Circuit("toy", (a, b, i), (Projection("Inh", "A", Connectivity.all_to_all(), 0.1 * mV),))


def test_transform_circuit_adds_interneurons_and_keeps_dale():
    from brian2 import mV

    c = _circuit()
    rng = np.random.default_rng(4)
    w = rng.normal(0, 1, (4, 6))
    new, t = transform_circuit(c, "A", "B", w, 5, weight_unit=mV)
    assert new.population("A_B_inh").kind == "I" and new.population("A_B_inh").n == 5
    names = {p.name for p in new.projections}
    assert {"A_to_B_exc", "A_to_A_B_inh", "A_B_inh_to_B", "Inh_to_A"} <= names
    proj = {p.name: p for p in new.projections}
    exc = proj["A_to_B_exc"]
    dense = np.zeros((4, 6))
    dense[exc.connectivity.j, exc.connectivity.i] = np.asarray(exc.weight / mV)
    np.testing.assert_allclose(dense, t.excitatory)
    inh = proj["A_B_inh_to_B"]
    assert new.nodes[inh.pre].kind == "I" and np.all(np.asarray(inh.weight) >= 0)


def test_transform_circuit_bad_requests():
    c = _circuit()
    w = np.ones((4, 6))
    with pytest.raises(SpecError, match="excitatory"):
        transform_circuit(c, "Inh", "A", np.ones((6, 3)), 2)
    with pytest.raises(SpecError, match="shape"):
        transform_circuit(c, "A", "B", np.ones((6, 4)), 2)
    with pytest.raises(SpecError, match="no room"):
        transform_circuit(c, "A", "B", w, 2, name="Inh")
    with pytest.raises(SpecError, match="interneurons"):
        transform_circuit(c, "A", "B", w, 0)
    with pytest.raises(SpecError, match="NaN"):
        transform_circuit(c, "A", "B", np.full((4, 6), np.nan), 2)
