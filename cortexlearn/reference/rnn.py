"""Recurrent credit assignment on the copy task: full BPTT, truncated BPTT, and truncated BPTT
with a synthetic gradient at the truncation boundary (Jaderberg et al. 2016, §3.2) — Werbos'
error critic in its modern form.

Each batch of sequences is cut into chunks of ``truncation`` steps. After the forward pass of a
chunk, the gradient arriving at its last state is

- zero (truncated BPTT: no credit crosses the boundary),
- ``M(h_T, c_T)``, a linear synthetic gradient (the critic's prediction of all future credit),
  reading ``(h, c)``, ``(h, tanh c)`` or ``h`` (``CopyConfig.critic_input``).

The critic that made the prediction at the previous boundary then learns toward the gradient
this chunk sends back to its first state, computed with ``discount * M(h_T, c_T)`` at its end: the
next chunk's true gradient plus its own discounted later prediction (a bootstrapped, TD-like
target: Werbos' costate). ``discount = 0`` trains the critic on the next chunk's gradient only.
The bootstrap needs ``discount < 1``; a guard resets a critic whose predictions blow up.

Two ways of presenting the data (``CopyConfig.stream``):

- ``stream = False``: each batch holds whole sequences, every sequence starts from a zero state and
  the chunks are aligned with the sequence start (the first chunk always sees the first symbols).
- ``stream = True`` (Jaderberg et al. 2016, §3.2: the RNN reads a continuous stream, its state is
  never reset): each row of the batch is an endless concatenation of copy sequences, starting at a
  random phase; the LSTM state and the critic's pending prediction are carried from one batch to
  the next, so chunk boundaries fall anywhere in a sequence and every chunk ends at a boundary
  with a future. A "batch" then covers ``T * ceil((2 * length + 1) / T)`` steps of the stream
  (at least one sequence's worth, so it always holds ``length`` scored steps per row).

Curriculum (Graves et al. 2014; Jaderberg et al. 2016): start with ``length = 1`` and add a symbol
whenever the mean error over the last ``window`` batches falls below ``threshold`` bits per symbol.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..datasets import CopyTask
from ..errors import SpecError
from ._threads import single_threaded
from .lstm import LSTM
from .optim import Adam, clip_by_global_norm
from .synthetic import LinearSynthesizer
from .training import TrainingDiverged

__all__ = ["CopyConfig", "CopyHistory", "CopyStream", "train_copy_task", "sequence_step"]

LN2 = np.log(2.0)
#: What the boundary critic reads: the LSTM state as it is, with the cell squashed, or the output only.
CRITIC_INPUTS = {"h,c": lambda h, c: (h, c), "h,tanh(c)": lambda h, c: (h, np.tanh(c)), "h": lambda h, c: (h,)}


@dataclasses.dataclass(frozen=True)
class CopyConfig:
    """Settings of a copy-task run (defaults: a pilot study).

    ``truncation = None`` is full BPTT. ``synthetic = True`` adds the boundary critic.
    ``stream = True`` trains on a continuous stream with the state carried across sequences and
    batches (Jaderberg et al. 2016, §3.2); ``False`` resets the state for each batch of sequences.
    ``critic_input`` is what the critic reads: on a stream, a critic of the raw cell state drove
    ``|c|`` to hundreds (models/werbos_error_critic/README.md); ``"h,tanh(c)"`` stays bounded.
    """

    truncation: int | None = 3
    synthetic: bool = False
    stream: bool = False
    critic_input: str = "h,c"
    discount: float = 0.5
    n_hidden: int = 64
    n_symbols: int = 8
    batch_size: int = 32
    learning_rate: float = 3e-3
    critic_learning_rate: float = 1e-3
    clip: float = 1.0
    steps: int = 4000
    threshold: float = 0.15
    window: int = 20
    max_length: int = 40
    guard_ratio: float = 20.0

    def __post_init__(self):
        if self.critic_input not in CRITIC_INPUTS:
            raise SpecError(f"critic_input must be one of {', '.join(CRITIC_INPUTS)}, got {self.critic_input!r}")
        if self.stream and self.truncation is None:
            raise SpecError("stream=True needs a truncation: full BPTT over an endless stream is undefined")
        if self.truncation is not None and (int(self.truncation) != self.truncation or self.truncation < 1):
            raise SpecError(f"truncation must be a positive integer or None, got {self.truncation!r}")
        if not 0 <= self.discount < 1:
            raise SpecError(f"discount must lie in [0, 1): the bootstrapped target diverges at 1; "
                            f"got {self.discount!r}")
        for name in ("learning_rate", "critic_learning_rate", "clip", "threshold", "guard_ratio"):
            value = getattr(self, name)
            if not np.isfinite(value) or value <= 0:
                raise SpecError(f"{name} must be positive and finite, got {value!r}")
        for name in ("n_hidden", "n_symbols", "batch_size", "steps", "window", "max_length"):
            value = getattr(self, name)
            if int(value) != value or value < 1:
                raise SpecError(f"{name} must be a positive integer, got {value!r}")

    @property
    def label(self) -> str:
        if self.truncation is None:
            return "BPTT"
        return (f"TBPTT T={self.truncation}" + (f" + critic (discount {self.discount})" if self.synthetic else "")
                + (", stream" if self.stream else ""))


@dataclasses.dataclass
class CopyHistory:
    """One copy-task run: per batch, the sequence length and error (bits per symbol); the
    largest length solved; critic resets by the divergence guard."""

    label: str
    length: np.ndarray
    bits: np.ndarray
    solved_length: int
    guard_resets: int
    critic_error: np.ndarray
    diverged: bool = False
    message: str = ""


class _Critic:
    """The boundary critic: a linear synthetic gradient of the state with a divergence guard.

    It predicts ``(dh, dc)`` from the features named by ``reads`` (a key of ``CRITIC_INPUTS``).

    The guard compares the size of the critic's predictions with a running average of the size
    of the *true* part of its targets (the next chunk's own gradient, without the bootstrap term):
    a critic that feeds on its own predictions can grow without bound (the bootstrap with a
    discount near 1), and is then reset to zero.
    """

    def __init__(self, n_hidden, learning_rate, guard_ratio, reads="h,c"):
        self.features = CRITIC_INPUTS[reads]
        n_features = n_hidden * len(self.features(np.zeros(1), np.zeros(1)))
        self.module = LinearSynthesizer(n_features, 2 * n_hidden, learning_rate)
        self.guard_ratio, self.resets, self.true_scale = guard_ratio, 0, None
        self.H = n_hidden

    def predict(self, h, c):
        """Per-sample predicted gradient at state (h, c), split into (dh, dc)."""
        g = self.module.predict(np.concatenate(self.features(h, c), axis=1))
        return g[:, :self.H], g[:, self.H:]

    def learn(self, h, c, target, true_part):
        """One step toward ``target = (dh, dc)``; ``true_part`` is its bootstrap-free part."""
        features = np.concatenate(self.features(h, c), axis=1)
        norm = float(np.mean(np.linalg.norm(np.concatenate(true_part, axis=1), axis=1)))
        self.true_scale = norm if self.true_scale is None else 0.99 * self.true_scale + 0.01 * norm
        error = self.module.learn(features, np.concatenate(target, axis=1))
        size = float(np.mean(np.linalg.norm(self.module.predict(features), axis=1)))
        if not np.isfinite(size) or size > self.guard_ratio * max(self.true_scale, 1e-8):
            self.module.reset()
            self.resets += 1
        return error


class CopyStream:
    """Endless copy-task streams, one per batch row (Jaderberg et al. 2016, §3.2).

    Each row concatenates independent copy sequences back to back; rows start at random phases
    (the first, partial sequence of a row is not scored). :meth:`take` returns the next ``steps``
    steps of every row, drawing new sequences of the current ``length`` as needed, so a length
    change of the curriculum takes effect at each row's next sequence.
    """

    def __init__(self, task: CopyTask, batch_size: int, rng: np.random.Generator, length: int = 1):
        self.task, self.batch_size = task, int(batch_size)
        self.rows = []
        for _ in range(self.batch_size):
            x, y, mask = task.sample(rng, 1, length)
            skip = int(rng.integers(0, len(y)))
            keep = mask[skip:, 0] & (skip == 0)   # recalls of unseen symbols are not scored
            self.rows.append([x[skip:, 0], y[skip:, 0], keep])

    def take(self, rng: np.random.Generator, steps: int, length: int):
        """The next ``steps`` steps of every row: ``x (steps, B, n_in)``, ``y``, ``mask (steps, B)``."""
        if int(steps) != steps or steps < 1:
            raise SpecError(f"steps must be a positive integer, got {steps!r}")
        out = [[], [], []]
        for row in self.rows:
            while len(row[1]) < steps:
                x, y, mask = self.task.sample(rng, 1, length)
                for k, part in enumerate((x[:, 0], y[:, 0], mask[:, 0])):
                    row[k] = np.concatenate([row[k], part])
            for k in range(3):
                out[k].append(row[k][:steps])
                row[k] = row[k][steps:]
        return tuple(np.stack(part, axis=1) for part in out)


def _train_chunks(net, critic, optimizer, x, y, mask, config, state, previous, open_end):
    """Truncated BPTT over ``x`` in chunks of ``config.truncation`` steps, one update per chunk.

    ``state`` is the first state; ``previous`` the boundary state whose critic prediction still
    awaits its target (None if none); ``open_end``: the last chunk ends at a boundary with a
    future (a stream), so the critic sends its prediction there too. Returns the summed error
    (nats), the last state and the pending boundary.
    """
    steps, batch = y.shape
    T = config.truncation or steps
    onehot = np.eye(net.n_outputs)[y]
    total_nats = 0.0
    channels = 3 if critic is not None else 1   # critic: update, bootstrapped target, true part
    for start in range(0, steps, T):
        stop = min(start + T, steps)
        cache = net.forward(x[start:stop], state)
        logits = cache.logits - cache.logits.max(axis=-1, keepdims=True)
        prob = np.exp(logits)
        prob /= prob.sum(axis=-1, keepdims=True)
        m = mask[start:stop, :, None]
        total_nats -= float(np.sum(m * onehot[start:stop] * np.log(np.maximum(prob, 1e-300))))
        dlogits = m * (prob - onehot[start:stop]) / batch
        h_end, c_end = cache.h[-1], cache.c[-1]
        dh_end = np.zeros((channels, batch, net.n_hidden))
        dc_end = np.zeros_like(dh_end)
        if critic is not None and (open_end or stop < steps):
            ph, pc = critic.predict(h_end, c_end)
            dh_end[0], dc_end[0] = ph / batch, pc / batch
            dh_end[1], dc_end[1] = config.discount * ph / batch, config.discount * pc / batch
        grads, dh0, dc0 = net.backward(cache, dlogits, dh_end, dc_end)
        if critic is not None and previous is not None:
            critic.learn(previous[0], previous[1], (batch * dh0[1], batch * dc0[1]),
                         (batch * dh0[2], batch * dc0[2]))
        grads, _ = clip_by_global_norm(grads, config.clip)
        optimizer.step(net.parameters(), grads)
        previous = (h_end, c_end)
        state = (h_end, c_end)
    return total_nats, state, previous


def sequence_step(net, critic, optimizer, x, y, mask, config: CopyConfig):
    """Train on one batch of sequences from a zero state, chunk by chunk. Returns the error in
    bits per symbol."""
    nats, _, _ = _train_chunks(net, critic, optimizer, x, y, mask, config,
                               net.zero_state(y.shape[1]), None, open_end=False)
    return nats / mask.sum() / LN2


def train_copy_task(config: CopyConfig, seed=0, on_divergence="stop", progress=None) -> CopyHistory:
    """Train an LSTM on the copy task with a curriculum over the sequence length.

    Returns a :class:`CopyHistory`; a non-finite error stops the run with a message naming the
    batch and the method (``on_divergence="raise"`` raises :class:`TrainingDiverged` instead).
    """
    if on_divergence not in ("raise", "stop"):
        raise SpecError(f"on_divergence must be 'raise' or 'stop', got {on_divergence!r}")
    rng = np.random.default_rng(seed)
    task = CopyTask(config.n_symbols)
    net = LSTM(task.n_inputs, config.n_hidden, task.n_outputs, seed=seed)
    critic = _Critic(config.n_hidden, config.critic_learning_rate, config.guard_ratio, config.critic_input) \
        if config.synthetic and config.truncation is not None else None
    optimizer = Adam(config.learning_rate)
    length, lengths, bits, critic_error, recent = 1, [], [], [], []
    solved, message = 0, ""
    iterator = range(config.steps) if progress is None else progress(range(config.steps))
    if config.stream:
        stream = CopyStream(task, config.batch_size, rng)
        state, previous = net.zero_state(config.batch_size), None
    with single_threaded():
        for step in iterator:
            if config.stream:
                T = config.truncation
                x, y, mask = stream.take(rng, T * -(-(2 * length + 1) // T), length)
                nats, state, previous = _train_chunks(net, critic, optimizer, x, y, mask, config,
                                                      state, previous, open_end=True)
                err = nats / max(mask.sum(), 1) / LN2
            else:
                x, y, mask = task.sample(rng, config.batch_size, length)
                err = sequence_step(net, critic, optimizer, x, y, mask, config)
            lengths.append(length)
            bits.append(err)
            critic_error.append(critic.module.last_error if critic is not None else np.nan)
            if not np.isfinite(err):
                message = f"{config.label} diverged at batch {step} (length {length}): error {err}"
                break
            recent.append(err)
            if len(recent) >= config.window and np.mean(recent[-config.window:]) < config.threshold:
                solved, recent = length, []
                if length >= config.max_length:
                    break
                length += 1
    history = CopyHistory(config.label, np.array(lengths), np.array(bits), solved,
                          critic.resets if critic is not None else 0, np.array(critic_error),
                          bool(message), message)
    if message and on_divergence == "raise":
        raise TrainingDiverged(message, epoch=len(lengths), rule=config.label, history=history)
    return history
