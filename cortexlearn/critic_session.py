"""A training session of a spiking feedback-alignment network with an error critic on MNIST-1D.

The parts such a session is made of: the data (MNIST-1D, Greydanus 2020, generated offline), the
trial schedule rendered as rates, the circuit's configuration with its feedback-alignment credit
rule (Lillicrap et al. 2016) and its error critic (Werbos 1992; Jaderberg et al. 2016), the build
folder's key, the seeds' initial parameters and the per-epoch summary of a recorded session.

Every function takes the session's parameters as a mapping (a model's parameter dictionary);
``evaluate_on``, ``dale_pathways``, ``critic_normalized`` and ``centered`` are optional and read
with their defaults.
"""

from __future__ import annotations

import numpy as np

from .analysis.learning import correlation
from .errors import SpecError

__all__ = ["seed_parameters", "parse_names", "load_data", "session_rates", "build_folder", "summarise",
           "circuit"]


def seed_parameters(cfg, seed: int) -> dict:
    """Initial parameters of a seed on seed 0's Dale wiring.

    Drawn from ``1000 + seed``; which input-hidden and hidden-output pairs are inhibitory comes from
    seed 0 (``wiring_seed=1000``): the wiring is compiled into the one build that every seed
    re-runs, so seeds differ in weight magnitudes, feedback, trial order and error mask.

    Parameters
    ----------
    cfg : FeedforwardConfig
        The circuit's configuration.
    seed : int
        The seed.

    Returns
    -------
    dict
        The initial parameters, as :func:`cortexlearn.circuits.feedforward.initial_parameters`.
    """
    from .circuits.feedforward import initial_parameters

    return initial_parameters(cfg, seed=1000 + seed, wiring_seed=1000)


def parse_names(text: str, choices, what: str = "variant") -> list:
    """Comma-separated names, each one of ``choices``, in order without repeats.

    Parameters
    ----------
    text : str
        E.g. ``"dense,critic"``.
    choices : collection of str
        The names allowed.
    what : str, optional
        What kind of name it is, for the error message.

    Returns
    -------
    list of str

    Raises
    ------
    SpecError
        For an unknown name (named in the message) or an empty list.
    """
    names = [v.strip() for v in str(text).split(",") if v.strip()]
    for v in names:
        if v not in choices:
            raise SpecError(f"unknown {what} {v!r}; choose from {', '.join(choices)}")
    if not names:
        raise SpecError(f"give at least one {what}")
    return list(dict.fromkeys(names))


def load_data(p):
    """MNIST-1D train and evaluation arrays (Greydanus 2020, generated offline).

    Parameters
    ----------
    p : mapping
        Session parameters: ``n_train`` and ``n_test`` (0 = all), and optionally ``evaluate_on``
        (``"test"``, or ``"validation"`` for held-out training samples, for choosing rates).

    Returns
    -------
    x_train, y_train, x_eval, y_eval : ndarray

    Raises
    ------
    SpecError
        For an unknown ``evaluate_on``, or too few training samples to hold out.
    """
    from .datasets import load

    ds = load("mnist1d")
    n_train, n_test = int(p["n_train"]) or len(ds.x_train), int(p["n_test"]) or len(ds.x_test)
    evaluate_on = p.get("evaluate_on", "test")  # models sharing this loader may lack the option
    if evaluate_on == "validation":  # held-out training samples, for choosing rates
        if n_train + n_test > len(ds.x_train):
            raise SpecError(f"evaluate_on='validation' needs n_train + n_test <= {len(ds.x_train)} "
                            f"training samples, got {n_train} + {n_test}")
        held = slice(n_train, n_train + n_test)
        return ds.x_train[:n_train], ds.y_train[:n_train], ds.x_train[held], ds.y_train[held]
    if evaluate_on != "test":
        raise SpecError(f"evaluate_on must be 'test' or 'validation', got {evaluate_on!r}")
    return ds.x_train[:n_train], ds.y_train[:n_train], ds.x_test[:n_test], ds.y_test[:n_test]


def session_rates(data, seed, p):
    """The trial schedule of one seed, its rendered rates and targets, and each trial's label.

    Parameters
    ----------
    data : tuple
        ``(x_train, y_train, x_eval, y_eval)`` as from :func:`load_data`.
    seed : int
        Seeds the order of the trials.
    p : mapping
        Session parameters: ``epochs``, ``test_every_epoch``, ``max_rate``, ``x_max``,
        ``output_target_count`` and ``presentation``.

    Returns
    -------
    schedule : TrialSchedule
    rendered : RenderedSchedule
        On/off input rates and one-hot target counts, one row per trial.
    labels : ndarray
        The class of each trial's sample.
    """
    from brian2 import Hz

    from .stimuli import (Standardizer, on_off_rates, one_hot_counts, render_schedule,
                          session_schedule)

    xtr, ytr, xte, yte = data
    st = Standardizer.fit(xtr)
    sched = session_schedule(len(xtr), len(xte), int(p["epochs"]), seed=seed, flush=False,
                             test_every_epoch=bool(p["test_every_epoch"]))
    rate = float(p["max_rate"]) * Hz
    rs = render_schedule(sched, on_off_rates(st(xtr), rate, float(p["x_max"])),
                         on_off_rates(st(xte), rate, float(p["x_max"])),
                         one_hot_counts(ytr, 10, float(p["output_target_count"])),
                         one_hot_counts(yte, 10, float(p["output_target_count"])),
                         p["presentation"], prefix="sparse")
    labels = np.where(sched.source == 0, ytr[np.minimum(sched.sample, len(ytr) - 1)],
                      yte[np.minimum(sched.sample, len(yte) - 1)])
    return sched, rs, labels


def build_folder(p, cfg, target):
    """A persistent build folder per circuit when ``build_cache`` is set (standalone only).

    A later build rewrites identical sources and ``make`` recompiles almost nothing.

    Parameters
    ----------
    p : mapping
        Session parameters (``build_cache`` and what changes the compiled program).
    cfg : FeedforwardConfig
        The circuit's configuration.
    target : str
        The code-generation target.

    Returns
    -------
    str or None
        The folder, or None without a cache or on a runtime target.
    """
    if not p["build_cache"] or not target.endswith("standalone"):
        return None
    import hashlib
    import os

    key = repr((cfg, p["n_train"], p["n_test"], p["epochs"], str(p["presentation"]),
                bool(p["test_every_epoch"]), target, bool(p.get("critic_normalized", False))))
    return os.path.join(p["build_cache"], "ecs-" + hashlib.sha1(key.encode()).hexdigest()[:12])


def summarise(rec, sched, labels, present, epochs, truth=None):
    """Accuracies per epoch and the critic's prediction-truth correlations.

    Parameters
    ----------
    rec : session record
        Recorded output counts, membrane potentials and the critic's ``critic.pred`` and
        ``critic.err_true`` per trial.
    sched : TrialSchedule
        The session's trials.
    labels : ndarray
        The class of each trial's sample.
    present : ndarray or None
        1 where the true error was given; with it, the correlation is also taken over the
        samples without the true error.
    epochs : int
        Number of epochs.
    truth : ndarray, optional
        The error each prediction is compared with (default: the error the critic received).

    Returns
    -------
    dict of ndarray
        ``test_accuracy``, ``train_accuracy`` (percent) and ``correlation`` per epoch, and
        ``correlation_absent`` with ``present``.
    """
    pred = np.argmax(rec.counts + 1e-3 * rec.vm, axis=1)
    correct = pred == labels
    test, train, corr, corr_absent = (np.full(epochs, np.nan) for _ in range(4))
    critic_pred = rec.extra["critic.pred"]
    err_true = rec.extra["critic.err_true"] if truth is None else truth
    for e in range(epochs):
        tr = (sched.epoch == e) & (sched.source == 0)
        te = (sched.epoch == e) & (sched.source == 1)
        if te.any():
            test[e] = 100 * correct[te].mean()
        train[e] = 100 * correct[tr].mean()
        tr[-1] = False  # the last trial is never latched
        corr[e] = correlation(critic_pred[tr], err_true[tr])
        if present is not None:
            absent = tr & (present == 0)
            corr_absent[e] = correlation(critic_pred[absent], err_true[absent])
    out = {"test_accuracy": test, "train_accuracy": train, "correlation": corr}
    if present is not None:
        out["correlation_absent"] = corr_absent
    return out


def circuit(p, data, **critic_options):
    """The circuit's configuration, its credit rule, the critic's rule and the trials per chunk.

    Feedback alignment (Lillicrap et al. 2016) in the hidden layer with rate homeostasis of the
    hidden biases; the critic predicts the output error from hidden activity and the label.

    Parameters
    ----------
    p : mapping
        Session parameters (sizes, weight scales, learning rates, presentation and ``dt``).
    data : tuple
        ``(x_train, y_train, x_eval, y_eval)``.
    **critic_options
        Passed on to :class:`~cortexlearn.rules.critic.ErrorCritic`.

    Returns
    -------
    cfg : FeedforwardConfig
    rule : CreditRule
    critic_rule : ErrorCritic
    chunk : int
        Trials per chunk: one epoch (and its test pass), the last chunk holding the final test.
    """
    from .circuits.feedforward import FeedforwardConfig
    from .rules.credit import CreditRule
    from .rules.critic import ErrorCritic
    from .units import check_whole_steps

    check_whole_steps(p["presentation"], p["dt"])
    epochs = int(p["epochs"])
    cfg = FeedforwardConfig(2 * data[0].shape[1], (int(p["hidden"]),), 10,
                            input_weight_scale=float(p["input_weight_scale"]),
                            feedback_scale=float(p["feedback_scale"]),
                            output_weight_scale=float(p["output_weight_scale"]),
                            dale_pathways=str(p.get("dale_pathways", "one")))
    rule = CreditRule("feedback_alignment", learning_rate=float(p["learning_rate"]),
                      readout_learning_rate=float(p["readout_learning_rate"]),
                      bias_learning_rate=float(p["bias_learning_rate"]),
                      homeostasis_rate=float(p["homeostasis_rate"]),
                      target_count=float(p["hidden_target_count"]),
                      surrogate_slope=float(p["surrogate_slope"]),
                      centered=bool(p.get("centered", False)))
    critic_rule = ErrorCritic(learning_rate=float(p["critic_learning_rate"]),
                              context_learning_rate=float(p["critic_label_learning_rate"]),
                              activity_offset=float(p["hidden_target_count"]), switches=True,
                              normalized=bool(p.get("critic_normalized", False)),
                              **critic_options)
    chunk = len(data[0]) + (len(data[2]) if p["test_every_epoch"] else 0)
    n_trials = epochs * len(data[0]) + (epochs if p["test_every_epoch"] else 1) * len(data[2])
    return cfg, rule, critic_rule, chunk if n_trials % chunk == 0 else n_trials
