"""Seed ensembles of MLP training runs, as labelled arrays: what the rate-network reproductions
(``models/lillicrap_2016``, ``nokland_2016``, ``liao_2016``, ``jaderberg_2016``) share.

A :class:`Variant` names one configuration (rule, network, optimiser); :func:`run_variants`
trains every variant on every seed and stacks the learning curves into ``xarray.DataArray`` s
with dimensions ``(variant, seed, epoch[, layer])``. :func:`summarise` turns the final values
into ``mean`` / ``std`` / ``ci95`` metrics.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..analysis.alignment import mean_and_interval
from .credit import make_rule
from .mlp import MLP
from .training import train

__all__ = ["Variant", "run_variants", "summarise", "run_copy_variants"]


@dataclasses.dataclass(frozen=True)
class Variant:
    """One configuration of a comparison: a label, a rule (name and options), network and training options.

    Attributes
    ----------
    label : str
        Name in tables and figures.
    rule : str
        Credit rule name (see :func:`~cortexlearn.reference.credit.make_rule`).
    rule_options, network, training : tuple of (str, value) pairs
        Options of the rule, of the network and of :func:`~cortexlearn.reference.training.train`.
    """

    label: str
    rule: str
    rule_options: tuple = ()
    network: tuple = ()
    training: tuple = ()

    def make(self, sizes, seed):
        """A fresh network and rule of this variant.

        Parameters
        ----------
        sizes : sequence of int
            Layer sizes.
        seed : int
            Seeds the network's weights.

        Returns
        -------
        (MLP, CreditRule)
        """
        net = MLP(sizes, seed=seed, **dict(self.network))
        return net, make_rule(self.rule, **dict(self.rule_options))


def run_variants(data, sizes, variants, seeds, epochs, progress=None, **training):
    """Train each variant on each seed.

    Parameters
    ----------
    data : Dataset
        The task.
    sizes : sequence of int
        Layer sizes of the network.
    variants : sequence of Variant
        The configurations compared.
    seeds : sequence of int
        Seeds of each variant.
    epochs : int
        Training epochs.
    progress : callable, optional
        Wraps an iterable to show progress.
    **training
        Options of :func:`~cortexlearn.reference.training.train` shared by all variants.

    Returns
    -------
    dict of xarray.DataArray
        ``test_accuracy``, ``train_accuracy``, ``test_loss``: ``(variant, seed, epoch)``;
        ``angle``, ``alignment``, ``hidden_angle``: ``(variant, seed, epoch, layer)`` in degrees
        (weight-gradient angle to backprop's, forward weights to feedback, hidden-unit update
        angle to backprop's; see :func:`~cortexlearn.reference.diagnostics.hidden_update_angles`).
        Runs that diverge keep their curve up to the divergence and NaN after it; ``diverged``
        lists their messages.
    """
    import xarray as xr

    seeds = list(seeds)
    n_hidden = len(sizes) - 2
    shape = (len(variants), len(seeds), epochs + 1)
    curves = {k: np.full(shape, np.nan) for k in ("test_accuracy", "train_accuracy", "test_loss")}
    layers = {k: np.full(shape + (n_hidden,), np.nan) for k in ("angle", "alignment", "hidden_angle")}
    messages = []
    jobs = [(i, j) for i in range(len(variants)) for j in range(len(seeds))]
    for i, j in (jobs if progress is None else progress(jobs)):
        variant, seed = variants[i], seeds[j]
        net, rule = variant.make(sizes, seed)
        options = {**training, **dict(variant.training)}
        hist = train(net, rule, data, epochs=epochs, seed=seed, on_divergence="stop", **options)
        n = len(hist.epochs)
        curves["test_accuracy"][i, j, :n] = hist.test_accuracy
        curves["train_accuracy"][i, j, :n] = hist.train_accuracy
        curves["test_loss"][i, j, :n] = hist.test_loss
        layers["angle"][i, j, :n] = hist.angles
        layers["alignment"][i, j, :n] = hist.alignment
        layers["hidden_angle"][i, j, :n] = hist.hidden_angles
        if hist.diverged:
            messages.append(f"{variant.label}, seed {seed}: {hist.message}")
    coords = {"variant": [v.label for v in variants], "seed": seeds, "epoch": np.arange(epochs + 1)}
    out = {k: xr.DataArray(v, dims=("variant", "seed", "epoch"), coords=coords, name=k)
           for k, v in curves.items()}
    for k, v in layers.items():
        out[k] = xr.DataArray(v, dims=("variant", "seed", "epoch", "layer"),
                              coords={**coords, "layer": np.arange(1, n_hidden + 1)}, name=k)
    out["diverged"] = messages
    return out


def summarise(values, prefix: str) -> dict:
    """Mean, standard deviation, 95 % confidence half-width and per-seed values of 1-D values.

    Parameters
    ----------
    values : array_like, 1-D
        One value per seed.
    prefix : str
        Start of the keys.

    Returns
    -------
    dict
        ``{prefix}_mean``, ``{prefix}_std`` (over seeds, ddof=1), ``{prefix}_ci95`` and
        ``{prefix}_per_seed`` (the values, which a :class:`~cortexlearn.model.Check` on
        ``{prefix}_mean`` is judged by).
    """
    values = np.asarray(values, dtype=np.float64)
    mean, half = mean_and_interval(values)
    std = float(np.nanstd(values, ddof=1)) if np.sum(np.isfinite(values)) > 1 else float("nan")
    return {f"{prefix}_mean": float(mean), f"{prefix}_std": std, f"{prefix}_ci95": float(half),
            f"{prefix}_per_seed": [float(v) for v in values.ravel()]}


def run_copy_variants(configs, seeds, progress=None):
    """Train each copy-task configuration on each seed.

    Parameters
    ----------
    configs : dict of str to CopyConfig
        Label -> configuration.
    seeds : sequence of int
        Seeds of each configuration.
    progress : callable, optional
        Wraps an iterable to show progress.

    Returns
    -------
    dict
        ``solved_length`` and ``guard_resets`` ``(variant, seed)``; ``length`` and ``bits``
        ``(variant, seed, batch)`` (the curriculum and the error per batch, NaN after a run
        stopped early); and ``diverged``, a list of messages.
    """
    import xarray as xr

    from .rnn import train_copy_task

    labels, seeds = list(configs), list(seeds)
    steps = max(c.steps for c in configs.values())
    solved = np.full((len(labels), len(seeds)), np.nan)
    resets = np.zeros_like(solved)
    length = np.full((len(labels), len(seeds), steps), np.nan)
    bits = np.full_like(length, np.nan)
    messages = []
    jobs = [(i, j) for i in range(len(labels)) for j in range(len(seeds))]
    for i, j in (jobs if progress is None else progress(jobs)):
        hist = train_copy_task(configs[labels[i]], seed=seeds[j])
        solved[i, j], resets[i, j] = hist.solved_length, hist.guard_resets
        length[i, j, :len(hist.length)] = hist.length
        bits[i, j, :len(hist.bits)] = hist.bits
        if hist.diverged:
            messages.append(f"{labels[i]}, seed {seeds[j]}: {hist.message}")
    coords = {"variant": labels, "seed": seeds}
    batch = {**coords, "batch": np.arange(steps)}
    return {"solved_length": xr.DataArray(solved, dims=("variant", "seed"), coords=coords, name="solved_length"),
            "guard_resets": xr.DataArray(resets, dims=("variant", "seed"), coords=coords, name="guard_resets"),
            "length": xr.DataArray(length, dims=("variant", "seed", "batch"), coords=batch, name="length"),
            "bits": xr.DataArray(bits, dims=("variant", "seed", "batch"), coords=batch, name="bits"),
            "diverged": messages}
