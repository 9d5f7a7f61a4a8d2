"""Datasets that need no internet, with a fixed train/test split per seed.

- :func:`load_digits`: scikit-learn's 1,797 8x8 handwritten digits (bundled with scikit-learn).
- :func:`load_mnist1d`: MNIST-1D (Greydanus 2020) *generated* locally with
  ``mnist1d.data.make_dataset(mnist1d.data.get_dataset_args())``; its download path is never used.
- :func:`linear_teacher`: the 30-20-10 linear teacher task of Lillicrap et al. (2016, Fig. 2):
  targets ``y = T x`` from a random linear map ``T``.
- :class:`CopyTask`: the copy task for recurrent networks (Graves et al. 2014; as used by
  Jaderberg et al. 2016, §3.2): ``N`` symbols, a delimiter, then the ``N`` symbols recalled.

Every loader returns a :class:`Dataset` (read-only float64 inputs; integer labels for
classification, float targets for regression). Nothing is written to disk: MNIST-1D is
regenerated (about 1-3 s) and kept in memory for the life of the process.
"""

from __future__ import annotations

import dataclasses
import functools
import random

import numpy as np

from .errors import SpecError

__all__ = ["Dataset", "load_digits", "load_mnist1d", "linear_teacher", "CopyTask", "load",
           "DATASETS"]


def _readonly(a, dtype):
    a = np.array(a, dtype=dtype, copy=True)
    a.setflags(write=False)
    return a


@dataclasses.dataclass(frozen=True)
class Dataset:
    """A supervised dataset with its train/test split.

    Attributes
    ----------
    name : str
        Which dataset (``"digits"``, ``"mnist1d"``, ``"linear_teacher"``).
    x_train, x_test : ndarray, shape (n, n_features), float64
    y_train, y_test : ndarray
        Integer class labels, shape (n,), for classification (``n_classes > 0``);
        float64 targets, shape (n, n_outputs), for regression (``n_classes == 0``).
    n_classes : int
        Number of classes; 0 for a regression task.
    seed : int or None
        The seed that fixed the split (and, for generated data, the data).
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    n_classes: int
    seed: int | None = None

    def __post_init__(self):
        regression = self.n_classes == 0
        ydtype = np.float64 if regression else np.int64
        for attr, dtype in (("x_train", np.float64), ("x_test", np.float64),
                            ("y_train", ydtype), ("y_test", ydtype)):
            object.__setattr__(self, attr, _readonly(getattr(self, attr), dtype))
        if self.x_train.ndim != 2 or self.x_test.ndim != 2 or \
                self.x_train.shape[1] != self.x_test.shape[1]:
            raise SpecError(f"dataset {self.name}: inputs must be 2-D with equal widths, got "
                            f"{self.x_train.shape} and {self.x_test.shape}")
        if len(self.x_train) != len(self.y_train) or len(self.x_test) != len(self.y_test):
            raise SpecError(f"dataset {self.name}: inputs and targets differ in length")
        for attr in ("x_train", "x_test", "y_train", "y_test"):
            if not np.all(np.isfinite(getattr(self, attr))):
                raise SpecError(f"dataset {self.name}: {attr} holds non-finite values")
        if not regression:
            labels = np.concatenate([self.y_train, self.y_test])
            if labels.min() < 0 or labels.max() >= self.n_classes:
                raise SpecError(f"dataset {self.name}: labels outside 0..{self.n_classes - 1}")

    @property
    def n_features(self) -> int:
        return self.x_train.shape[1]

    @property
    def n_outputs(self) -> int:
        """Width of the network's output layer: classes, or target dimensions."""
        return self.n_classes if self.n_classes else self.y_train.shape[1]

    @property
    def is_classification(self) -> bool:
        return self.n_classes > 0

    def one_hot(self, y: np.ndarray) -> np.ndarray:
        """Labels as one-hot rows (classification) or the targets unchanged (regression)."""
        if not self.is_classification:
            return np.asarray(y, dtype=np.float64)
        return np.eye(self.n_classes)[np.asarray(y)]


def _split(n: int, test_fraction: float, seed: int):
    if not 0 < test_fraction < 1:
        raise SpecError(f"test_fraction must lie in (0, 1), got {test_fraction!r}")
    order = np.random.default_rng(seed).permutation(n)
    n_test = int(round(n * test_fraction))
    return order[n_test:], order[:n_test]


def load_digits(seed: int = 0, test_fraction: float = 0.2) -> Dataset:
    """scikit-learn's 8x8 digits, pixels scaled to [0, 1], a random split fixed by ``seed``.

    A linear classifier already reaches ~96 % here, so it separates learning rules poorly;
    prefer :func:`load_mnist1d` for that.
    """
    from sklearn.datasets import load_digits as _sk_digits

    bunch = _sk_digits()
    x = bunch.data / 16.0
    train, test = _split(len(x), test_fraction, seed)
    return Dataset("digits", x[train], bunch.target[train], x[test], bunch.target[test], 10, seed)


@functools.lru_cache(maxsize=4)
def _mnist1d_arrays(data_seed: int):
    import mnist1d.data

    args = mnist1d.data.get_dataset_args()
    args.seed = int(data_seed)
    # make_dataset seeds the global `random` and `np.random` generators: put them back.
    py_state, np_state = random.getstate(), np.random.get_state()
    try:
        raw = mnist1d.data.make_dataset(args)
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)
    return tuple(_readonly(raw[k], np.float64 if k.startswith("x") else np.int64)
                 for k in ("x", "y", "x_test", "y_test"))


def load_mnist1d(seed: int | None = None) -> Dataset:
    """MNIST-1D (Greydanus 2020): 4,000 training and 1,000 test sequences of length 40.

    Parameters
    ----------
    seed : int, optional
        ``None`` (default) gives the published dataset (mnist1d's own seed, 42, and its split);
        another integer generates a fresh dataset of the same kind with that seed.

    Notes
    -----
    Published test accuracies: logistic regression 32 %, MLP 68 %, CNN 94 %.
    """
    data_seed = 42 if seed is None else int(seed)
    x, y, xt, yt = _mnist1d_arrays(data_seed)
    return Dataset("mnist1d", x, y, xt, yt, 10, seed)


def linear_teacher(seed: int = 0, n_inputs: int = 30, n_outputs: int = 10, n_train: int = 2000,
                   n_test: int = 500) -> Dataset:
    """The linear teacher task of Lillicrap et al. (2016, Fig. 2a).

    Inputs ``x ~ N(0, I)`` of ``n_inputs`` dimensions; targets ``y = T x`` with a random teacher
    ``T`` whose entries are uniform in [-1, 1]. A 30-20-10 network learns to mimic it.
    """
    for name, value in (("n_inputs", n_inputs), ("n_outputs", n_outputs), ("n_train", n_train),
                        ("n_test", n_test)):
        if int(value) != value or value < 1:
            raise SpecError(f"{name} must be a positive integer, got {value!r}")
    rng = np.random.default_rng(seed)
    teacher = rng.uniform(-1.0, 1.0, size=(n_outputs, n_inputs))
    x = rng.standard_normal((n_train + n_test, n_inputs))
    y = x @ teacher.T
    return Dataset("linear_teacher", x[:n_train], y[:n_train], x[n_train:], y[n_train:], 0, seed)


@dataclasses.dataclass(frozen=True)
class CopyTask:
    """The copy task (Graves et al. 2014; Jaderberg et al. 2016, §3.2).

    A sequence shows ``length`` random symbols from an alphabet of ``n_symbols``, then a delimiter,
    then asks for the symbols back in order. Input at each step is one-hot over
    ``n_symbols + 1`` channels (symbols, delimiter); the targets of the recall steps are the
    symbols and the network is scored only there (``mask``).

    Parameters
    ----------
    n_symbols : int
        Alphabet size (8 in a pilot study).
    """

    n_symbols: int = 8

    def __post_init__(self):
        if int(self.n_symbols) != self.n_symbols or self.n_symbols < 2:
            raise SpecError(f"n_symbols must be an integer >= 2, got {self.n_symbols!r}")

    @property
    def n_inputs(self) -> int:
        return self.n_symbols + 1

    @property
    def n_outputs(self) -> int:
        return self.n_symbols

    def sample(self, rng: np.random.Generator, batch_size: int, length: int):
        """A batch of sequences, time first.

        Returns
        -------
        x : ndarray, shape (2 * length + 1, batch_size, n_symbols + 1)
            One-hot inputs: the symbols, the delimiter, then zeros during recall.
        y : ndarray of int, shape (2 * length + 1, batch_size)
            Target symbol at each step (0 where ``mask`` is False).
        mask : ndarray of bool, shape (2 * length + 1, batch_size)
            True at the ``length`` recall steps.
        """
        if int(length) != length or length < 1:
            raise SpecError(f"copy task length must be a positive integer, got {length!r}")
        if int(batch_size) != batch_size or batch_size < 1:
            raise SpecError(f"batch_size must be a positive integer, got {batch_size!r}")
        steps = 2 * length + 1
        symbols = rng.integers(0, self.n_symbols, size=(length, batch_size))
        x = np.zeros((steps, batch_size, self.n_inputs))
        x[np.arange(length)[:, None], np.arange(batch_size)[None, :], symbols] = 1.0
        x[length, :, self.n_symbols] = 1.0
        y = np.zeros((steps, batch_size), dtype=np.int64)
        y[length + 1:] = symbols
        mask = np.zeros((steps, batch_size), dtype=bool)
        mask[length + 1:] = True
        return x, y, mask


DATASETS = {"digits": load_digits, "mnist1d": load_mnist1d, "linear_teacher": linear_teacher}


def load(name: str, seed: int | None = None) -> Dataset:
    """Load a dataset by name (``digits``, ``mnist1d``, ``linear_teacher``)."""
    if name not in DATASETS:
        raise SpecError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    if seed is None and name != "mnist1d":
        seed = 0
    return DATASETS[name](seed=seed)
