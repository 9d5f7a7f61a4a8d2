"""A multilayer perceptron whose backward pass is split into local pieces.

The network computes, for layers ``l = 0 .. L-1`` (row vectors, a batch per row)::

    a_l = h_l W_l + b_l
    z_l = BN(a_l)             (hidden layers, when batch_norm; otherwise z_l = a_l)
    h_{l+1} = f(z_l)          (hidden layers)
    y = softmax(a_{L-1})      (classification; cross-entropy loss)
    y = a_{L-1}               (regression; loss = 1/2 |y - t|^2 per sample)

Backpropagation needs ``dL/dh_{l+1} = delta_{l+1} W_{l+1}^T``, the only non-local step. Here
that step is left to a *credit rule* (:mod:`cortexlearn.reference.credit`): backprop uses
``W^T``, feedback alignment a fixed random ``B``, and so on. Everything else — the output
error, ``f'``, the batch-norm backward pass and ``dL/dW_l = h_l^T delta_l`` — is local and
exact, and lives here.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..errors import SpecError

__all__ = ["MLP", "Cache", "ACTIVATIONS"]

BN_EPS = 1e-5


def _relu(a):
    return np.maximum(a, 0.0)


#: name -> (f, f' as a function of (z, f(z)))
ACTIVATIONS = {
    "tanh": (np.tanh, lambda z, h: 1.0 - h * h),
    "relu": (_relu, lambda z, h: z > 0),   # a boolean mask multiplies as 0/1
    "linear": (lambda z: z, lambda z, h: np.ones_like(z)),
}


@dataclasses.dataclass
class Cache:
    """What a forward pass keeps for the backward pass.

    Attributes
    ----------
    h : list of ndarray
        ``h_0`` (the input) .. ``h_{L-1}``: the input of each layer.
    z : list of ndarray
        Hidden pre-activations ``z_0 .. z_{L-2}`` (after batch norm).
    bn : list
        Per hidden layer ``(a_hat, inv_std)``, or None without batch norm.
    output : ndarray
        The network's output (probabilities or linear values).
    """

    h: list           # h_0 (input) .. h_{L-1}: the input of each layer
    z: list           # z_0 .. z_{L-2}: hidden pre-activations (after batch norm)
    bn: list          # per hidden layer: (a_hat, inv_std) or None
    output: np.ndarray  # network output y (probabilities or linear values)


class MLP:
    """Fully connected network with optional batch normalisation of hidden layers.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths, input first, e.g. ``(40, 100, 100, 10)``.
    activation : {"tanh", "relu", "linear"}
    output : {"softmax", "linear"}
        Softmax with cross-entropy (classification) or linear with squared error (regression).
    batch_norm : bool
        Normalise each hidden pre-activation over the batch (Ioffe & Szegedy 2015) with a
        learned scale and shift; hidden biases are then unused.
    init : {"uniform", "zero"}
        ``uniform``: ``W ~ U(-s, s)`` with ``s = init_scale / sqrt(fan_in)``; ``zero``: all hidden
        and output weights start at 0 (Nøkland 2016, §3).
    seed : int
        Seed of the initial weights.
    """

    def __init__(self, sizes, activation="tanh", output="softmax", batch_norm=False,
                 init="uniform", init_scale=1.0, seed=0):
        sizes = tuple(int(s) for s in sizes)
        if len(sizes) < 2 or min(sizes) < 1:
            raise SpecError(f"sizes must hold at least two positive widths, got {sizes}")
        if activation not in ACTIVATIONS:
            raise SpecError(f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}")
        if output not in ("softmax", "linear"):
            raise SpecError(f"output must be 'softmax' or 'linear', got {output!r}")
        if init not in ("uniform", "zero"):
            raise SpecError(f"init must be 'uniform' or 'zero', got {init!r}")
        if not init_scale > 0:
            raise SpecError(f"init_scale must be positive, got {init_scale!r}")
        self.sizes, self.activation, self.output, self.batch_norm = sizes, activation, output, batch_norm
        self._f, self._fprime = ACTIVATIONS[activation]
        rng = np.random.default_rng(seed)
        self.weights, self.biases = [], []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            bound = init_scale / np.sqrt(n_in)
            w = rng.uniform(-bound, bound, (n_in, n_out)) if init == "uniform" else np.zeros((n_in, n_out))
            self.weights.append(w)
            self.biases.append(np.zeros(n_out))
        hidden = sizes[1:-1]
        self.gammas = [np.ones(n) for n in hidden] if batch_norm else []
        self.betas = [np.zeros(n) for n in hidden] if batch_norm else []
        self.running_mean = [np.zeros(n) for n in hidden] if batch_norm else []
        self.running_var = [np.ones(n) for n in hidden] if batch_norm else []

    @property
    def n_layers(self) -> int:
        """Number of weight layers (hidden layers + 1)."""
        return len(self.weights)

    def parameters(self) -> list[np.ndarray]:
        """All trainable arrays in a fixed order: weights, biases, then BN scales and shifts."""
        return self.weights + self.biases + self.gammas + self.betas

    # ------------------------------------------------------------------ forward
    def check_input(self, x, targets=None):
        """Validate a batch: 2-D, the input width, finite; targets of matching length.

        Parameters
        ----------
        x : array_like
            Inputs.
        targets : array_like, optional
            Targets.

        Returns
        -------
        ndarray
            ``x`` as floats.

        Raises
        ------
        SpecError
            Otherwise.
        """
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self.sizes[0]:
            raise SpecError(f"input must have shape (batch, {self.sizes[0]}), got {x.shape}")
        if not np.all(np.isfinite(x)):
            raise SpecError("input holds non-finite values (NaN or inf)")
        if targets is not None:
            t = np.asarray(targets, dtype=np.float64)
            if t.shape != (x.shape[0], self.sizes[-1]):
                raise SpecError(f"targets must have shape ({x.shape[0]}, {self.sizes[-1]}), got {t.shape}")
            if not np.all(np.isfinite(t)):
                raise SpecError("targets hold non-finite values (NaN or inf)")
        return x

    def forward(self, x, train=True, update_stats=True) -> Cache:
        """Run the network on a batch.

        Parameters
        ----------
        x : ndarray
            Inputs.
        train : bool, optional
            Use batch statistics in batch norm (Ioffe & Szegedy 2015).
        update_stats : bool, optional
            With ``train``, also move the running averages used at test time.

        Returns
        -------
        Cache
        """
        h, zs, bns = [x], [], []
        for l in range(self.n_layers - 1):
            a = h[-1] @ self.weights[l]
            if self.batch_norm:
                z, bn = self._bn_forward(l, a, train, update_stats)
            else:
                z, bn = a + self.biases[l], None
            zs.append(z)
            bns.append(bn)
            h.append(self._f(z))
        a = h[-1] @ self.weights[-1] + self.biases[-1]
        if self.output == "softmax":
            a = a - a.max(axis=1, keepdims=True)
            e = np.exp(a)
            out = e / e.sum(axis=1, keepdims=True)
        else:
            out = a
        return Cache(h, zs, bns, out)

    def _bn_forward(self, l, a, train, update_stats):
        if train:
            mean, var = a.mean(axis=0), a.var(axis=0)
            if update_stats:
                self.running_mean[l] = 0.9 * self.running_mean[l] + 0.1 * mean
                self.running_var[l] = 0.9 * self.running_var[l] + 0.1 * var
        else:
            mean, var = self.running_mean[l], self.running_var[l]
        inv_std = 1.0 / np.sqrt(var + BN_EPS)
        a_hat = (a - mean) * inv_std
        return self.gammas[l] * a_hat + self.betas[l], (a_hat, inv_std)

    def predict(self, x) -> np.ndarray:
        """Network output in test mode (running batch-norm statistics).

        Parameters
        ----------
        x : array_like
            Inputs.

        Returns
        -------
        ndarray
        """
        return self.forward(self.check_input(x), train=False).output

    # ------------------------------------------------------------------ loss
    def loss(self, output, targets) -> float:
        """Mean loss over the batch: cross-entropy (softmax) or 1/2 squared error (linear).

        Parameters
        ----------
        output, targets : ndarray
            Network output and targets.

        Returns
        -------
        float
        """
        if self.output == "softmax":
            return float(-np.mean(np.sum(targets * np.log(np.maximum(output, 1e-300)), axis=1)))
        return float(0.5 * np.mean(np.sum((output - targets) ** 2, axis=1)))

    def output_error(self, cache: Cache, targets) -> np.ndarray:
        """``delta_{L-1} = dL/da_{L-1}`` (the same expression for both losses), batch-averaged.

        Parameters
        ----------
        cache : Cache
            The forward pass.
        targets : ndarray
            Targets.

        Returns
        -------
        ndarray
        """
        return (cache.output - targets) / len(targets)

    # ------------------------------------------------------------------ local backward pieces
    def weight_gradients(self, l, cache: Cache, delta):
        """``dL/dW_l = h_l^T delta_l`` and ``dL/db_l = sum_batch delta_l`` (Rumelhart et al. 1986).

        Parameters
        ----------
        l : int
            Weight layer.
        cache : Cache
            The forward pass.
        delta : ndarray
            ``delta_l``.

        Returns
        -------
        (ndarray, ndarray)
        """
        return cache.h[l].T @ delta, delta.sum(axis=0)

    def hidden_delta(self, l, cache: Cache, dh):
        """From the signal at a hidden layer's output to ``delta_l = dL/da_l``, through ``f'`` and batch norm.

        Parameters
        ----------
        l : int
            Hidden layer.
        cache : Cache
            The forward pass.
        dh : ndarray
            ``dh = dL/dh_{l+1}``, as the credit rule gives it.

        Returns
        -------
        (delta, (dgamma, dbeta) or None)
        """
        z, h = cache.z[l], cache.h[l + 1]
        dz = dh * self._fprime(z, h)
        if not self.batch_norm:
            return dz, None
        a_hat, inv_std = cache.bn[l]
        dgamma, dbeta = (dz * a_hat).sum(axis=0), dz.sum(axis=0)
        da_hat = dz * self.gammas[l]
        n = len(dz)
        delta = inv_std / n * (n * da_hat - da_hat.sum(axis=0) - a_hat * (da_hat * a_hat).sum(axis=0))
        return delta, (dgamma, dbeta)

    def assemble(self, weight_grads, bias_grads, bn_grads) -> list:
        """Gradients in the order of :meth:`parameters` (None where a rule gives none).

        Parameters
        ----------
        weight_grads, bias_grads : list
            Per layer.
        bn_grads : list
            ``(dgamma, dbeta)`` per hidden layer, or None.

        Returns
        -------
        list
        """
        grads = list(weight_grads) + list(bias_grads)
        if self.batch_norm:
            grads += [g[0] if g is not None else None for g in bn_grads]
            grads += [g[1] if g is not None else None for g in bn_grads]
            for l in range(self.n_layers - 1):  # biases of normalised layers are unused
                grads[self.n_layers + l] = None
        return grads
