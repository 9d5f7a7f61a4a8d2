"""An LSTM with a linear readout, forward and backward over one chunk of time.

Hochreiter & Schmidhuber (1997), with forget gates (Gers et al. 2000), no peepholes::

    [i, f, o, g] = [sig, sig, sig, tanh](x_t W_x + h_{t-1} W_h + b)
    c_t = f * c_{t-1} + i * g
    h_t = o * tanh(c_t)
    y_t = h_t W_y + b_y                                   (logits)

:meth:`LSTM.backward` runs backpropagation through time over the chunk. The gradient arriving at
the chunk's *last* state, ``(dh_T, dc_T)``, is an input: zero for truncated BPTT, the next chunk's
gradient for full BPTT, or a synthetic gradient. Several such boundary gradients can be sent back
at once (a leading "channel" axis); weight gradients come from channel 0 only, the gradients at
the chunk's first state from every channel.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..errors import SpecError

__all__ = ["LSTM", "ChunkCache"]


def _sigmoid(a):
    return 0.5 * (1.0 + np.tanh(0.5 * a))


@dataclasses.dataclass
class ChunkCache:
    """What the forward pass over one chunk of steps keeps for the backward pass.

    Attributes
    ----------
    x : ndarray, shape (T, B, n_in)
        Inputs.
    h, c : ndarray, shape (T + 1, B, H)
        Hidden and cell states ``h_0 .. h_T``.
    gates : ndarray, shape (T, B, 4H)
        Input, forget, output gates and candidate after their nonlinearities.
    tanh_c : ndarray, shape (T, B, H)
        ``tanh`` of the cell state.
    logits : ndarray, shape (T, B, n_out)
        Readout before the softmax.
    """
    x: np.ndarray        # (T, B, n_in)
    h: np.ndarray        # (T + 1, B, H): h_0 .. h_T
    c: np.ndarray        # (T + 1, B, H)
    gates: np.ndarray    # (T, B, 4H): i, f, o, g after their nonlinearities
    tanh_c: np.ndarray   # (T, B, H)
    logits: np.ndarray   # (T, B, n_out)


class LSTM:
    """One LSTM layer and a linear readout.

    Parameters
    ----------
    n_inputs, n_hidden, n_outputs : int
    seed : int
        Initial weights ``U(-1/sqrt(H), 1/sqrt(H))``; forget-gate bias 1 (Gers et al. 2000).
    """

    def __init__(self, n_inputs, n_hidden, n_outputs, seed=0):
        for name, v in (("n_inputs", n_inputs), ("n_hidden", n_hidden), ("n_outputs", n_outputs)):
            if int(v) != v or v < 1:
                raise SpecError(f"{name} must be a positive integer, got {v!r}")
        rng = np.random.default_rng(seed)
        s = 1.0 / np.sqrt(n_hidden)
        H = self.n_hidden = int(n_hidden)
        self.n_inputs, self.n_outputs = int(n_inputs), int(n_outputs)
        self.w_x = rng.uniform(-s, s, (n_inputs, 4 * H))
        self.w_h = rng.uniform(-s, s, (H, 4 * H))
        self.b = np.zeros(4 * H)
        self.b[H:2 * H] = 1.0
        self.w_y = rng.uniform(-s, s, (H, n_outputs))
        self.b_y = np.zeros(n_outputs)

    def parameters(self):
        """The weight arrays, in the order gradients are given."""
        return [self.w_x, self.w_h, self.b, self.w_y, self.b_y]

    def zero_state(self, batch_size):
        """A zero ``(h, c)`` state.

        Parameters
        ----------
        batch_size : int
            Rows.

        Returns
        -------
        (ndarray, ndarray)
        """
        return np.zeros((batch_size, self.n_hidden)), np.zeros((batch_size, self.n_hidden))

    def forward(self, x, state) -> ChunkCache:
        """Run the chunk ``x`` (time first) from ``state = (h_0, c_0)`` (Hochreiter & Schmidhuber 1997).

        Parameters
        ----------
        x : ndarray, shape (T, B, n_inputs)
            Inputs.
        state : (ndarray, ndarray)
            ``(h_0, c_0)``.

        Returns
        -------
        ChunkCache

        Raises
        ------
        SpecError
            For a wrong shape or non-finite input.
        """
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 3 or x.shape[2] != self.n_inputs:
            raise SpecError(f"input must have shape (time, batch, {self.n_inputs}), got {x.shape}")
        if not np.all(np.isfinite(x)):
            raise SpecError("input holds non-finite values (NaN or inf)")
        T, B, _ = x.shape
        H = self.n_hidden
        h = np.empty((T + 1, B, H))
        c = np.empty((T + 1, B, H))
        gates = np.empty((T, B, 4 * H))
        tanh_c = np.empty((T, B, H))
        h[0], c[0] = state
        drive = x @ self.w_x + self.b
        for t in range(T):
            a = drive[t] + h[t] @ self.w_h
            g = gates[t]
            g[:, :3 * H] = _sigmoid(a[:, :3 * H])
            g[:, 3 * H:] = np.tanh(a[:, 3 * H:])
            c[t + 1] = g[:, H:2 * H] * c[t] + g[:, :H] * g[:, 3 * H:]
            tanh_c[t] = np.tanh(c[t + 1])
            h[t + 1] = g[:, 2 * H:3 * H] * tanh_c[t]
        logits = h[1:] @ self.w_y + self.b_y
        return ChunkCache(x, h, c, gates, tanh_c, logits)

    def backward(self, cache: ChunkCache, dlogits, dh_end, dc_end):
        """Backpropagation through time over one chunk.

        Parameters
        ----------
        dlogits : ndarray (T, B, n_out)
            Gradient of the loss with respect to the logits of each step.
        dh_end, dc_end : ndarray (K, B, H)
            Gradients arriving at the last state, one per channel.

        Returns
        -------
        grads : list
            Gradients in the order of :meth:`parameters` (channel 0).
        dh_0, dc_0 : ndarray (K, B, H)
            Gradients at the chunk's first state, per channel.
        """
        H = self.n_hidden
        T = len(dlogits)
        dh_out = dlogits @ self.w_y.T
        w_y_grad = np.tensordot(cache.h[1:], dlogits, axes=([0, 1], [0, 1]))
        b_y_grad = dlogits.sum(axis=(0, 1))
        da_all = np.empty((T,) + cache.gates.shape[1:])
        dh, dc = np.array(dh_end, dtype=np.float64), np.array(dc_end, dtype=np.float64)
        w_h_t = self.w_h.T
        for t in range(T - 1, -1, -1):
            g = cache.gates[t]
            i, f, o, gg = g[:, :H], g[:, H:2 * H], g[:, 2 * H:3 * H], g[:, 3 * H:]
            tc = cache.tanh_c[t]
            dh = dh + dh_out[t]
            dc = dc + dh * o * (1.0 - tc * tc)
            da = np.concatenate([dc * gg * i * (1.0 - i), dc * cache.c[t] * f * (1.0 - f),
                                 dh * tc * o * (1.0 - o), dc * i * (1.0 - gg * gg)], axis=-1)
            da_all[t] = da[0]
            dh = da @ w_h_t
            dc = dc * f
        w_x_grad = np.tensordot(cache.x, da_all, axes=([0, 1], [0, 1]))
        w_h_grad = np.tensordot(cache.h[:-1], da_all, axes=([0, 1], [0, 1]))
        b_grad = da_all.sum(axis=(0, 1))
        return [w_x_grad, w_h_grad, b_grad, w_y_grad, b_y_grad], dh, dc
