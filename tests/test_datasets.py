"""Datasets: shapes, determinism per seed, no download, read-only arrays, clear errors."""

import random

import numpy as np
import pytest

from cortexlearn import datasets
from cortexlearn.errors import SpecError


def test_mnist1d_is_the_published_dataset_and_leaves_global_rngs_alone():
    np.random.seed(123)
    random.seed(123)
    before_np, before_py = np.random.random(), random.random()
    np.random.seed(123)
    random.seed(123)
    data = datasets.load_mnist1d()
    # mnist1d 0.0.2 get_dataset_args(): 5,000 samples, 80 % train, length 40, 10 classes.
    assert data.x_train.shape == (4000, 40) and data.x_test.shape == (1000, 40)
    assert data.n_classes == 10 and set(np.unique(data.y_train)) == set(range(10))
    # make_dataset standardises the whole set: mean 0, standard deviation 1.
    all_x = np.concatenate([data.x_train, data.x_test])
    assert abs(all_x.mean()) < 1e-10 and abs(all_x.std() - 1) < 1e-10
    assert np.random.random() == before_np and random.random() == before_py
    again = datasets.load_mnist1d()
    np.testing.assert_array_equal(again.x_train, data.x_train)
    with pytest.raises(ValueError):
        data.x_train[0, 0] = 1.0


def test_digits_split_is_fixed_per_seed_and_a_partition():
    a, b, c = datasets.load_digits(seed=1), datasets.load_digits(seed=1), datasets.load_digits(seed=2)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    assert not np.array_equal(a.y_train, c.y_train)
    assert len(a.x_train) + len(a.x_test) == 1797 and len(a.x_test) == 359
    assert a.x_train.max() <= 1.0 and a.x_train.min() >= 0.0
    # The split is a partition: train and test together are the whole set, each sample once.
    from sklearn.datasets import load_digits as sk_digits

    full = sk_digits().data / 16.0
    both = np.concatenate([a.x_train, a.x_test])
    np.testing.assert_array_equal(both[np.lexsort(both.T)], full[np.lexsort(full.T)])


def test_linear_teacher_is_exactly_linear():
    data = datasets.linear_teacher(seed=3)
    assert data.x_train.shape == (2000, 30) and data.y_train.shape == (2000, 10)
    assert data.n_classes == 0 and data.n_outputs == 10
    teacher, *_ = np.linalg.lstsq(data.x_train, data.y_train, rcond=None)
    np.testing.assert_allclose(data.x_test @ teacher, data.y_test, atol=1e-10)


def test_copy_task_layout():
    task = datasets.CopyTask(n_symbols=8)
    x, y, mask = task.sample(np.random.default_rng(0), batch_size=4, length=3)
    assert x.shape == (7, 4, 9) and y.shape == (7, 4) and mask.shape == (7, 4)
    np.testing.assert_array_equal(x[:3].argmax(-1), y[4:])  # recall = the shown symbols
    assert np.all(x[3, :, 8] == 1) and np.all(x[4:] == 0)
    assert mask.sum() == 12 and not mask[:4].any()


def test_bad_input_is_refused():
    with pytest.raises(SpecError, match="unknown dataset"):
        datasets.load("cifar")
    with pytest.raises(SpecError, match="test_fraction"):
        datasets.load_digits(test_fraction=1.5)
    with pytest.raises(SpecError, match="non-finite"):
        datasets.Dataset("bad", np.array([[np.nan]]), [0], np.array([[0.0]]), [0], 2)
    with pytest.raises(SpecError, match="length"):
        datasets.CopyTask().sample(np.random.default_rng(0), 2, 0)
