"""Training loops for the reference MLPs, with learning curves, diagnostics and a divergence stop.

:func:`train_epochs` is the bare loop (shuffle, mini-batches, rule, optimiser) that a benchmark
can time; :func:`train` wraps it with evaluation after every epoch and records a :class:`History`.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..analysis.learning import accuracy
from ..errors import NonFiniteError, SpecError
from .credit import CreditRule, compute_gradients, make_rule
from .diagnostics import feedback_angles, hidden_update_angles
from ._threads import single_threaded
from .optim import make_optimizer

__all__ = ["History", "TrainingDiverged", "train", "train_epochs"]


@dataclasses.dataclass
class History:
    """Learning curve of one training run.

    Arrays have one row per evaluation (epoch 0 = before training); ``angles``, ``alignment`` and
    ``hidden_angles`` have one column per hidden layer.

    Attributes
    ----------
    rule : str
        The credit rule's name.
    epochs : ndarray
        Epoch of each row.
    train_loss, test_loss : ndarray
        Losses.
    train_accuracy, test_accuracy : ndarray
        Accuracies (NaN for regression).
    angles : ndarray
        Angle of the hidden weight layers' gradients to backpropagation's (degrees).
    alignment : ndarray
        Angle of the forward weights to the feedback (degrees).
    diverged : bool
        The run stopped on a non-finite loss.
    message : str
        Why it stopped.
    hidden_angles : ndarray or None
        Angle of the hidden-unit updates ``delta_l`` to backpropagation's (degrees; Lillicrap et
        al. 2016, Fig. 2b's :math:`\\Delta h_{FA} \\angle \\Delta h_{BP}`).
    """

    rule: str
    epochs: np.ndarray
    train_loss: np.ndarray
    test_loss: np.ndarray
    train_accuracy: np.ndarray
    test_accuracy: np.ndarray
    angles: np.ndarray
    alignment: np.ndarray
    diverged: bool = False
    message: str = ""
    hidden_angles: np.ndarray | None = None

    @property
    def final_test_accuracy(self) -> float:
        """Test accuracy after the last epoch (NaN without evaluations)."""
        return float(self.test_accuracy[-1]) if len(self.test_accuracy) else float("nan")


class TrainingDiverged(NonFiniteError):
    """The loss became NaN or infinite; ``history`` holds the learning curve up to then.

    Parameters
    ----------
    message : str
        What happened.
    epoch : int, optional
        The epoch it happened in.
    rule : str, optional
        The credit rule.
    history : History, optional
        The learning curve so far.
    """

    def __init__(self, message, epoch=None, rule=None, history=None):
        super().__init__(message)
        self.epoch, self.rule, self.history = epoch, rule, history


def train_epochs(net, rule: CreditRule, optimizer, x, targets, epochs, batch_size, rng,
                 first_epoch=1, weight_decay=0.0):
    """Train for ``epochs`` passes over ``(x, targets)`` in shuffled mini-batches.

    ``weight_decay`` shrinks every trained weight matrix by ``learning_rate * weight_decay``
    after each step (decoupled weight decay, Loshchilov & Hutter 2019).

    Parameters
    ----------
    net : MLP
        The network.
    rule : CreditRule
        The credit rule.
    optimizer : Adam or SGD
        Applies the gradients.
    x, targets : ndarray
        Training inputs and targets.
    epochs, batch_size : int
        Passes and batch size.
    rng : numpy.random.Generator
        Shuffles the batches.
    first_epoch : int, optional
        Number of the first epoch (for messages).
    weight_decay : float, optional
        Decoupled weight decay.

    Returns
    -------
    ndarray, shape (epochs,)
        The mean training loss of each epoch.

    Raises
    ------
    TrainingDiverged
        As soon as a batch loss is not finite (naming the epoch and rule).
    """
    with single_threaded():
        return _train_epochs(net, rule, optimizer, x, targets, epochs, batch_size, rng, first_epoch,
                             weight_decay)


def _quiet():
    """Overflow on the way to a NaN loss is reported by TrainingDiverged, not by warnings."""
    return np.errstate(over="ignore", invalid="ignore")


def _train_epochs(net, rule, optimizer, x, targets, epochs, batch_size, rng, first_epoch,
                  weight_decay):
    params = net.parameters()
    losses = np.empty(epochs)
    for i in range(epochs):
        with _quiet():
            losses[i] = _one_epoch(net, rule, optimizer, x, targets, batch_size, rng, params,
                                   weight_decay, first_epoch + i)
    return losses


def _one_epoch(net, rule, optimizer, x, targets, batch_size, rng, params, weight_decay, epoch):
    """One shuffled pass; returns the mean batch loss."""
    n = len(x)
    shrink = 1.0 - optimizer.learning_rate * weight_decay
    order = rng.permutation(n)
    total = 0.0
    for start in range(0, n, batch_size):
        idx = order[start:start + batch_size]
        grads, loss, _ = compute_gradients(net, rule, x[idx], targets[idx])
        if not np.isfinite(loss):
            raise TrainingDiverged(f"rule {rule.name} diverged in epoch {epoch}: the loss became "
                                   f"{loss}", epoch=epoch, rule=rule.name)
        optimizer.step(params, grads)
        if weight_decay:
            for w, g in zip(net.weights, grads):
                if g is not None:
                    w *= shrink
        total += loss * len(idx)
    return total / n


def _check_training_options(on_divergence, schedule, weight_decay, epochs, batch_size) -> None:
    """Refuse options :func:`train` does not know (raises :class:`~cortexlearn.errors.SpecError`)."""
    if on_divergence not in ("raise", "stop"):
        raise SpecError(f"on_divergence must be 'raise' or 'stop', got {on_divergence!r}")
    if schedule not in ("constant", "cosine"):
        raise SpecError(f"schedule must be 'constant' or 'cosine', got {schedule!r}")
    if not np.isfinite(weight_decay) or weight_decay < 0:
        raise SpecError(f"weight_decay must be >= 0, got {weight_decay!r}")
    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if int(value) != value or value < 1:
            raise SpecError(f"{name} must be a positive integer, got {value!r}")


def train(net, rule, data, *, epochs, batch_size=100, optimizer="adam", learning_rate=1e-3,
          seed=0, weight_decay=0.0, schedule="constant", diagnostics=True, diagnostic_batch=500, train_eval_size=1000,
          on_divergence="raise", optimizer_options=None, progress=None):
    """Train ``net`` on ``data`` with a credit ``rule`` and record the learning curve.

    Parameters
    ----------
    net : MLP
    rule : str or CreditRule
        A rule name (see :func:`~cortexlearn.reference.credit.make_rule`) or instance.
    data : cortexlearn.datasets.Dataset
    epochs, batch_size : int
    optimizer : {"adam", "sgd"}
    learning_rate : float
        Must be positive.
    weight_decay : float
        Decoupled weight decay of the weight matrices (0 = none); see :func:`train_epochs`.
    schedule : {"constant", "cosine"}
        Learning rate over epochs: constant, or ``learning_rate * (1 + cos(pi (e - 1) / E)) / 2``
        in epoch ``e`` of ``E`` (Loshchilov & Hutter 2017, without restarts).
    seed : int
        Seeds the rule's feedback matrices and the batch order.
    diagnostics : bool
        Record angles to the true gradient and feedback alignment after every epoch, on the
        first ``diagnostic_batch`` training samples.
    train_eval_size : int
        Training loss and accuracy are measured on the first this many training samples.
    on_divergence : {"raise", "stop"}
        On a non-finite loss, raise :class:`TrainingDiverged` (with ``.history``) or return the
        history so far with ``diverged=True`` and a message naming the epoch and the rule.

    Raises
    ------
    SpecError
        Bad shapes, non-finite data, a learning rate <= 0, an unknown rule or optimiser.
    """
    _check_training_options(on_divergence, schedule, weight_decay, epochs, batch_size)
    rule = make_rule(rule) if isinstance(rule, str) else rule
    if not isinstance(rule, CreditRule):
        raise SpecError(f"rule must be a rule name or a CreditRule, got {type(rule).__name__}")
    opt = make_optimizer(optimizer, learning_rate, **(optimizer_options or {}))
    x, xt = data.x_train, data.x_test
    t, tt = data.one_hot(data.y_train), data.one_hot(data.y_test)
    net.check_input(x, t)
    net.check_input(xt, tt)
    rng = np.random.default_rng(seed)
    rule.setup(net, rng)
    probe = slice(0, min(diagnostic_batch, len(x)))
    seen = slice(0, min(train_eval_size, len(x)))
    rows = []

    def evaluate(epoch):
        out, out_test = net.predict(x[seen]), net.predict(xt)
        row = [epoch, net.loss(out, t[seen]), net.loss(out_test, tt)]
        if data.is_classification:
            row += [accuracy(out, data.y_train[seen]), accuracy(out_test, data.y_test)]
        else:
            row += [np.nan, np.nan]
        n_hidden = net.n_layers - 1
        if diagnostics:
            angles, hidden = hidden_update_angles(net, rule, x[probe], t[probe])
            align = feedback_angles(net, rule)
        else:
            angles = align = hidden = np.full(n_hidden, np.nan)
        rows.append((row, angles, align, hidden))

    def history(diverged=False, message=""):
        table = np.array([r[0] for r in rows], dtype=np.float64)
        return History(rule.name, table[:, 0].astype(int), table[:, 1], table[:, 2], table[:, 3],
                       table[:, 4], np.array([r[1] for r in rows]), np.array([r[2] for r in rows]),
                       diverged, message, np.array([r[3] for r in rows]))

    with single_threaded():
        evaluate(0)
        epoch_iter = range(1, epochs + 1) if progress is None else progress(range(1, epochs + 1))
        for epoch in epoch_iter:
            if schedule == "cosine":
                opt.learning_rate = learning_rate * 0.5 * (1 + np.cos(np.pi * (epoch - 1) / epochs))
            try:
                _train_epochs(net, rule, opt, x, t, 1, batch_size, rng, epoch, weight_decay)
            except TrainingDiverged as err:
                hist = history(True, str(err))
                if on_divergence == "raise":
                    err.history = hist
                    raise
                return hist
            evaluate(epoch)
    return history()
