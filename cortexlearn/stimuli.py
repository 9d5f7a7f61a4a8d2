"""Spike coding of real-valued features and trial schedules rendered as ``TimedArray`` s.

A training session (shuffled train epochs, each followed by a test pass with learning off, and one
blank trial at the end that flushes the last presentation) is described by a
:class:`TrialSchedule`: which sample each trial shows, what the output should do, and whether
learning is on. :func:`render_schedule` turns it into three ``TimedArray`` s (input rates, output
targets, learning gate) with one row per trial, so that **one** ``run()`` covers the whole session;
a run can also be split into chunks that read the arrays at ``t + t_offset``.

Signed features are coded by ON/OFF channels (Lillicrap et al. 2016 used rates; the ON/OFF split
is the retina's answer to signed signals): feature ``x`` (standardised) drives the ON channel at
``max_rate * clip(x / x_max, 0, 1)`` and the OFF channel at ``max_rate * clip(-x / x_max, 0, 1)``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from brian2 import Hz, second
from brian2.input.timedarray import TimedArray

from .errors import SpecError
from .units import as_quantity, check_positive

__all__ = ["Standardizer", "on_off_rates", "TrialSchedule", "session_schedule", "RenderedSchedule",
           "render_schedule", "one_hot_counts", "linear_cooldown"]


@dataclasses.dataclass(frozen=True)
class Standardizer:
    """Per-feature z-scoring fitted on the training inputs (constant features get std 1).

    Attributes
    ----------
    mean, std : ndarray
        Per feature.
    """

    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, x) -> "Standardizer":
        """Fit the mean and standard deviation of each feature.

        Parameters
        ----------
        x : ndarray, shape (n_samples, n_features)
            Training inputs.

        Returns
        -------
        Standardizer
        """
        x = np.asarray(x, dtype=float)
        if x.ndim != 2 or len(x) == 0:
            raise SpecError(f"inputs must be a non-empty 2-D array, got shape {x.shape}")
        std = x.std(axis=0)
        return cls(x.mean(axis=0), np.where(std > 1e-12, std, 1.0))

    def __call__(self, x):
        return (np.asarray(x, dtype=float) - self.mean) / self.std


def on_off_rates(x, max_rate=100 * Hz, x_max: float = 2.0):
    """ON/OFF rates of (standardised) features.

    Parameters
    ----------
    x : array, shape (n_samples, n_features)
    max_rate : Quantity (Hz)
        Rate of a channel at ``|x| >= x_max``.
    x_max : float
        Feature value that saturates a channel.

    Returns
    -------
    Quantity array, shape (n_samples, 2 * n_features)
        ON channels first, then OFF channels.
    """
    as_quantity(max_rate, Hz, "max_rate")
    check_positive(float(max_rate), "max_rate")
    check_positive(x_max, "x_max")
    x = np.asarray(x, dtype=float)
    if x.ndim != 2:
        raise SpecError(f"features must be 2-D (samples, features), got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise SpecError("features hold non-finite values")
    on = np.clip(x / x_max, 0, 1)
    off = np.clip(-x / x_max, 0, 1)
    return np.concatenate([on, off], axis=1) * float(max_rate) * Hz


def one_hot_counts(labels, n_classes: int, count: float):
    """Target spike counts: ``count`` for the labelled class, 0 for the others.

    Parameters
    ----------
    labels : array_like of int
        Class of each sample.
    n_classes : int
        Number of classes.
    count : float
        Target count of the labelled class.

    Returns
    -------
    ndarray, shape (n_samples, n_classes)
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or (len(labels) and (labels.min() < 0 or labels.max() >= n_classes)):
        raise SpecError(f"labels must be a 1-D array of classes 0..{n_classes - 1}")
    out = np.zeros((len(labels), n_classes))
    out[np.arange(len(labels)), labels] = count
    return out


@dataclasses.dataclass(frozen=True)
class TrialSchedule:
    """What each trial of a session shows.

    Attributes
    ----------
    source : int array (n_trials,)
        0 = training set, 1 = test set, -1 = blank (no input, no learning).
    sample : int array (n_trials,)
        Row of the source set shown (ignored for blanks).
    learning : bool array (n_trials,)
        Whether the update computed from this trial is applied.
    epoch : int array (n_trials,)
        Epoch each trial belongs to (the final blank carries the last epoch).
    """

    source: np.ndarray
    sample: np.ndarray
    learning: np.ndarray
    epoch: np.ndarray

    def __post_init__(self):
        n = len(self.source)
        if n == 0:
            raise SpecError("the trial schedule is empty: give at least one trial")
        for name in ("sample", "learning", "epoch"):
            if len(getattr(self, name)) != n:
                raise SpecError(f"schedule field {name} has {len(getattr(self, name))} entries, "
                                f"expected {n}")

    @property
    def n_trials(self) -> int:
        """Number of trials."""
        return len(self.source)


def linear_cooldown(n_updates: int, fraction: float) -> np.ndarray:
    """The factor on a learning rate at each of ``n_updates`` online updates: constant, then a
    linear decay to 0 over the last ``fraction`` of them.

    .. math:: \\eta_n / \\eta = \\min\\left(1, \\frac{N - n}{f N}\\right), \\quad n = 0, \\ldots, N - 1

    A constant step followed by a linear cooldown (Hagele et al. 2024, NeurIPS, "Scaling laws and
    compute-optimal training beyond fixed training durations"), the decay that Defazio et al.
    (2023, arXiv:2310.07831) find best for the last iterate of SGD: the last ``f N`` online
    updates are averaged instead of the last iterate carrying the noise of its last few (a step
    size decaying to zero, Robbins & Monro 1951, Ann Math Stat 22:400).

    Parameters
    ----------
    n_updates : int
        ``N``: learning trials, or samples.
    fraction : float
        ``f`` in ``[0, 1]``; 0 keeps the rate constant, 1 decays it over the whole session.

    Returns
    -------
    ndarray (n_updates,)
    """
    n_cool = float(fraction) * n_updates
    if n_cool <= 0:
        return np.ones(n_updates)
    return np.minimum(1.0, (n_updates - np.arange(n_updates)) / n_cool)


def session_schedule(n_train: int, n_test: int, n_epochs: int, seed: int = 0,
                     test_every_epoch: bool = True, flush: bool = True) -> TrialSchedule:
    """The trials of a training session.

    Shuffled train epochs, a test pass (learning off) after each epoch (or only after the last
    one), then (``flush``) one blank trial that latches the last presentation. Without it the last
    trial's counts are read from the final state.

    Parameters
    ----------
    n_train, n_test : int
        Training and test samples.
    n_epochs : int
        Training epochs.
    seed : int, optional
        Seeds the order of the training samples.
    test_every_epoch : bool, optional
        A test pass after every epoch, or only after the last.
    flush : bool, optional
        Append the blank trial.

    Returns
    -------
    TrialSchedule
    """
    for name, value in (("n_train", n_train), ("n_epochs", n_epochs)):
        if int(value) < 1:
            raise SpecError(f"{name} must be >= 1 (an empty schedule has nothing to run), got {value}")
    if int(n_test) < 0:
        raise SpecError(f"n_test must be >= 0, got {n_test}")
    rng = np.random.default_rng(seed)
    src, smp, lrn, ep = [], [], [], []
    for epoch in range(int(n_epochs)):
        order = rng.permutation(int(n_train))
        src.append(np.zeros(n_train, int)), smp.append(order)
        lrn.append(np.ones(n_train, bool)), ep.append(np.full(n_train, epoch))
        if n_test and (test_every_epoch or epoch == n_epochs - 1):
            src.append(np.ones(n_test, int)), smp.append(np.arange(n_test))
            lrn.append(np.zeros(n_test, bool)), ep.append(np.full(n_test, epoch))
    if flush:
        src.append([-1]), smp.append([0]), lrn.append([False]), ep.append([int(n_epochs) - 1])
    return TrialSchedule(np.concatenate(src), np.concatenate(smp), np.concatenate(lrn),
                         np.concatenate(ep))


@dataclasses.dataclass(frozen=True)
class RenderedSchedule:
    """The ``TimedArray`` s of a session (one row per trial) and the arrays behind them.

    Attributes
    ----------
    rates, targets, learning : brian2.TimedArray
        Input rates, target counts and the learning gate, one row per trial.
    rate_values, target_values, learning_values : ndarray
        The arrays behind them.
    presentation : Quantity
        Duration of a trial.
    """

    rates: TimedArray      # (n_trials, n_inputs) in Hz
    targets: TimedArray    # (n_trials, n_outputs), target spike counts
    learning: TimedArray   # (n_trials,), 0 or 1
    rate_values: np.ndarray
    target_values: np.ndarray
    learning_values: np.ndarray
    presentation: object


def render_schedule(schedule: TrialSchedule, train_rates, test_rates, train_targets, test_targets,
                    presentation, prefix: str = "session") -> RenderedSchedule:
    """Render a schedule into ``TimedArray`` s with one row per trial of length ``presentation``.

    Parameters
    ----------
    schedule : TrialSchedule
        The trials.
    train_rates, test_rates : Quantity, shape (n_samples, n_inputs)
        Input rates of each sample.
    train_targets, test_targets : ndarray, shape (n_samples, n_outputs)
        Target counts of each sample.
    presentation : Quantity
        Duration of a trial.
    prefix : str, optional
        Start of the ``TimedArray`` names.

    Returns
    -------
    RenderedSchedule

    Raises
    ------
    SpecError
        When the rate and target arrays do not match the schedule (wrong shapes, samples out of
        range) or the schedule is empty.
    """
    as_quantity(presentation, second, "presentation")
    check_positive(float(presentation), "presentation")
    if not isinstance(schedule, TrialSchedule):
        raise SpecError(f"schedule must be a TrialSchedule, got {type(schedule).__name__}")
    train_rates = np.asarray(as_quantity(train_rates, Hz, "train_rates") / Hz)
    test_rates = np.asarray(as_quantity(test_rates, Hz, "test_rates") / Hz)
    train_targets = np.asarray(train_targets, dtype=float)
    test_targets = np.asarray(test_targets, dtype=float)
    if train_rates.ndim != 2 or test_rates.ndim != 2 or train_rates.shape[1] != test_rates.shape[1]:
        raise SpecError(f"rates must be 2-D with equal widths, got {train_rates.shape} and "
                        f"{test_rates.shape}")
    if train_targets.ndim != 2 or test_targets.ndim != 2 or \
            train_targets.shape[1] != test_targets.shape[1]:
        raise SpecError(f"targets must be 2-D (samples, outputs) with equal widths, got "
                        f"{train_targets.shape} and {test_targets.shape}")
    if len(train_targets) != len(train_rates) or len(test_targets) != len(test_rates):
        raise SpecError(f"targets ({len(train_targets)}, {len(test_targets)} rows) and rates "
                        f"({len(train_rates)}, {len(test_rates)} rows) differ in length")
    if np.any(train_rates < 0) or np.any(test_rates < 0) or not np.all(np.isfinite(train_rates)):
        raise SpecError("rates must be finite and non-negative")
    n = schedule.n_trials
    rates = np.zeros((n, train_rates.shape[1]))
    targets = np.zeros((n, train_targets.shape[1]))
    for source, rate_set, target_set in ((0, train_rates, train_targets), (1, test_rates, test_targets)):
        mask = schedule.source == source
        if not np.any(mask):
            continue
        idx = schedule.sample[mask]
        if idx.min() < 0 or idx.max() >= len(rate_set):
            raise SpecError(f"schedule shows sample {idx.max()} of a set with {len(rate_set)} rows")
        rates[mask], targets[mask] = rate_set[idx], target_set[idx]
    learning = schedule.learning.astype(float)
    return RenderedSchedule(
        rates=TimedArray(rates * Hz, dt=presentation, name=f"{prefix}_rates"),
        targets=TimedArray(targets, dt=presentation, name=f"{prefix}_targets"),
        learning=TimedArray(learning, dt=presentation, name=f"{prefix}_learning"),
        rate_values=rates, target_values=targets, learning_values=learning,
        presentation=presentation)
