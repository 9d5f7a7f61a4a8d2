"""ON/OFF coding, trial schedules and their TimedArrays."""

import numpy as np
import pytest
from brian2 import Hz, ms

from cortexlearn.errors import SpecError, UnitError
from cortexlearn.stimuli import (Standardizer, TrialSchedule, on_off_rates, one_hot_counts,
                                 render_schedule, session_schedule)


def test_on_off_rates_split_sign_and_saturate():
    x = np.array([[-4.0, -1.0, 0.0, 1.0, 4.0]])
    r = np.asarray(on_off_rates(x, 100 * Hz, x_max=2.0) / Hz)
    np.testing.assert_allclose(r[0, :5], [0, 0, 0, 50, 100])   # ON: 100 Hz * clip(x/2, 0, 1)
    np.testing.assert_allclose(r[0, 5:], [100, 50, 0, 0, 0])   # OFF: 100 Hz * clip(-x/2, 0, 1)


def test_standardizer_zero_mean_unit_std_and_constant_features():
    x = np.array([[1.0, 5.0], [3.0, 5.0], [5.0, 5.0]])
    z = Standardizer.fit(x)(x)
    np.testing.assert_allclose(z.mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(z[:, 0].std(), 1)
    np.testing.assert_allclose(z[:, 1], 0)


def test_session_schedule_layout():
    s = session_schedule(4, 2, 3, seed=1)
    assert s.n_trials == 3 * (4 + 2) + 1
    for e in range(3):
        tr = (s.epoch == e) & (s.source == 0)
        assert sorted(s.sample[tr]) == [0, 1, 2, 3] and s.learning[tr].all()
        te = (s.epoch == e) & (s.source == 1)
        assert list(s.sample[te]) == [0, 1] and not s.learning[te].any()
    assert s.source[-1] == -1 and not s.learning[-1]
    assert session_schedule(4, 2, 3, test_every_epoch=False, flush=False).n_trials == 3 * 4 + 2


def test_render_schedule_rows_follow_the_schedule():
    s = session_schedule(3, 2, 1, seed=0)
    xtr = np.arange(6.0).reshape(3, 2) * Hz
    xte = -np.ones((2, 2)) * Hz + 10 * Hz
    ttr, tte = one_hot_counts([0, 1, 2], 3, 5), one_hot_counts([2, 2], 3, 5)
    rs = render_schedule(s, xtr, xte, ttr, tte, 10 * ms)
    for k in range(s.n_trials):
        if s.source[k] == 0:
            np.testing.assert_allclose(rs.rate_values[k], np.asarray(xtr[s.sample[k]] / Hz))
            np.testing.assert_allclose(rs.target_values[k], ttr[s.sample[k]])
        elif s.source[k] == 1:
            np.testing.assert_allclose(rs.target_values[k], tte[s.sample[k]])
        else:
            assert not rs.rate_values[k].any()
    assert rs.learning_values.tolist() == [1, 1, 1, 0, 0, 0]
    # the TimedArray reads row k during [k T, (k+1) T)
    assert float(rs.learning(25 * ms)) == 1.0 and float(rs.learning(35 * ms)) == 0.0


def test_bad_schedules_and_codes():
    with pytest.raises(SpecError, match="empty"):
        session_schedule(0, 5, 2)
    with pytest.raises(SpecError, match="empty"):
        TrialSchedule(np.zeros(0, int), np.zeros(0, int), np.zeros(0, bool), np.zeros(0, int))
    with pytest.raises(SpecError, match="n_epochs"):
        session_schedule(5, 5, 0)
    s = session_schedule(3, 2, 1)
    good = dict(train_rates=np.ones((3, 4)) * Hz, test_rates=np.ones((2, 4)) * Hz,
                train_targets=np.zeros((3, 2)), test_targets=np.zeros((2, 2)), presentation=10 * ms)
    with pytest.raises(SpecError, match="targets"):
        render_schedule(s, **{**good, "train_targets": np.zeros((3, 3))})
    with pytest.raises(SpecError, match="differ in length"):
        render_schedule(s, **{**good, "train_targets": np.zeros((4, 2))})
    with pytest.raises(UnitError):
        render_schedule(s, **{**good, "train_rates": np.ones((3, 4))})
    with pytest.raises(SpecError):
        render_schedule(s, **{**good, "presentation": 0 * ms})
    with pytest.raises(SpecError, match="non-finite"):
        on_off_rates(np.array([[np.nan]]))
    with pytest.raises(SpecError, match="labels"):
        one_hot_counts([0, 3], 3, 1.0)
