"""The sequence task: the error of a sequence arrives only at its end.

Each sequence shows ``L`` MNIST-1D samples; the output neurons integrate their spike counts over
the sequence with a leak, ``s_n = lam s_{n-1} + y_n`` (a leaky integrator, the simplest recurrent
read-out), against the leaky sum of the samples' target counts. The only error the circuit
receives is that of the integrator at the end of a training sequence,
``eps = sum_n lam^(L-1-n) (target_n - y_n) / S`` with ``S = sum_k lam^k`` (the error of the
leaky *mean*, so that one presentation's share is of the size of a single sample's error). The
credit of presentation ``n`` of the sequence is its costate ``lam^(L-1-n) eps`` (up to the factor
``S``, the gradient of ``S eps^2 / 2`` with respect to its output), which no presentation but the
last can have when it is learning. Four ways to learn, and a reference:

``immediate``
    the reference that the task denies: every sample learns at once from its own error
    ``target_n - y_n`` (no integrator), as in the late-error task.
``end_only``
    the last presentation learns from ``eps``; the others learn nothing (truncation 1).
``stored``
    every presentation's activity is kept (delay lines) until ``eps`` arrives, then paired with
    its own costate ``lam^(L-1-n) eps`` during the next sequence: the exact credit, delayed.
``critic_no_bootstrap``
    every presentation learns at once from a critic's prediction (hidden counts + label); the
    critic learns by the delta rule only from the end error (its target at every position).
``critic_bootstrap``
    the same critic learns by temporal differences: its target at position ``n`` is
    ``lam`` times its own prediction at ``n + 1``, and ``eps`` at the end (Werbos' backward
    recursion of the costate, ``g_n = lam g_{n+1}``).

All four run on one compiled program (run-time lags, arrival weights and critic switches).

``sequence_classes = "mixed"`` (default) draws the samples of a sequence at random; every sample
is then tested on its own counts. ``"same"`` shows one class per sequence and tests the
integrator's decision at the end of each sequence: there, a network that learns at once from a
label-conditioned critic carries the label from one sample to the next of the same sequence
(online accuracy above the test accuracy), which the mixed sequences rule out.

``"markov"`` (the chain task) makes the classes of a sequence a Markov chain: the next class is
the present one with probability ``chain_stay``, else its successor ``(c + 1) mod 10``. The
present sample's class then tells the classes, and so the expected errors, of the samples after
it, so the costate of a presentation depends on what the critic reads now, and a critic trained
on its own next prediction (temporal differences, Sutton 1988; Werbos 1992's costate recursion)
has something to carry back. With independent samples (``"mixed"``) the next prediction is that
of an unrelated sample and tells the present one nothing. The test samples are shown one at a
time in random order (learning off), so no sequence structure is left to exploit at test.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import xarray as xr

from cortexlearn.errors import NonFiniteError, SpecError

#: variant -> (use_prediction, gamma is the leak?, critic learns at every position?)
SEQUENCE_VARIANTS = {
    "immediate": (0.0, False, False),
    "end_only": (0.0, False, False),
    "stored": (0.0, False, False),
    "critic_no_bootstrap": (1.0, False, False),
    "critic_bootstrap": (1.0, True, True),
}


def parse_sequence_variants(text: str) -> list:
    from cortexlearn.critic_session import parse_names

    return parse_names(text, SEQUENCE_VARIANTS, "sequence variant")


def check_sequence_settings(p) -> tuple:
    """(length, leak, variants) of the sequence task, or a SpecError."""
    L, leak = int(p["sequence_length"]), float(p["sequence_leak"])
    if L < 2:
        raise SpecError(f"sequence_length must be >= 2 (one presentation is the immediate error), got {L}")
    if not 0 < leak < 1:
        raise SpecError(f"sequence_leak must lie in (0, 1) (it is also the critic's discount), got {leak}")
    return L, leak, parse_sequence_variants(p["sequence_variants"])


def group_by_class(labels, length: int, rng) -> np.ndarray:
    """Sample indices in sequences of ``length`` samples of one class, sequences in random order
    (each class's leftover samples, fewer than ``length``, are left out). Shape (n_seq, length)."""
    labels = np.asarray(labels)
    groups = []
    for c in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == c))
        n = len(idx) // length
        groups.append(idx[:n * length].reshape(n, length))
    seqs = np.concatenate(groups) if groups else np.zeros((0, length), int)
    return seqs[rng.permutation(len(seqs))]


def group_mixed(n: int, length: int, rng) -> np.ndarray:
    """Sample indices in sequences of ``length`` samples in random order (any classes); the last
    ``n % length`` samples of the permutation are left out. Shape (n // length, length)."""
    order = rng.permutation(n)
    return order[:n // length * length].reshape(-1, length)


def group_markov(labels, length: int, stay: float, rng, n_classes: int = 10) -> np.ndarray:
    """Sample indices in sequences of ``length`` samples whose classes form a Markov chain.

    The first class of a sequence is uniform over the classes; each next class is the present
    one with probability ``stay``, else its fixed successor ``(c + 1) mod n_classes``, so the
    class of a presentation tells the classes of the presentations after it (the chain's
    transition matrix ``T = stay I + (1 - stay) P`` with ``P`` the cyclic shift). The samples of
    each class are taken from a permutation of that class, cycled (a new permutation when one is
    used up). Shape ``(len(labels) // length, length)``.

    Parameters
    ----------
    labels : array of int
        Class of every sample.
    length : int
        Samples per sequence.
    stay : float
        Probability that the next class is the present one, in [0, 1].
    rng : numpy.random.Generator
        Draws the chain and the samples.
    n_classes : int
        Number of classes (each must have a sample).

    Returns
    -------
    ndarray of int
    """
    labels = np.asarray(labels)
    if not 0.0 <= float(stay) <= 1.0:
        raise SpecError(f"the chain's stay probability must lie in [0, 1], got {stay}")
    pools = [np.flatnonzero(labels == c) for c in range(n_classes)]
    if any(len(q) == 0 for q in pools):
        raise SpecError("a Markov chain of classes needs a sample of every class: raise n_train")
    n_seq = len(labels) // length
    first = rng.integers(0, n_classes, n_seq)
    moves = rng.random((n_seq, length - 1)) >= stay
    classes = (first[:, None] + np.concatenate([np.zeros((n_seq, 1), int),
                                                np.cumsum(moves, axis=1)], axis=1)) % n_classes
    queues = [list(rng.permutation(q)) for q in pools]
    out = np.empty(classes.shape, int)
    for k, c in enumerate(classes.ravel()):
        if not queues[c]:
            queues[c] = list(rng.permutation(pools[c]))
        out.flat[k] = queues[c].pop()
    return out


def sequence_schedule(data, seed: int, p, length: int):
    """The session: ``epochs`` passes over the training sequences (new grouping and order each
    epoch), then the test sequences (learning off). Returns the schedule, its rendering, the label
    and the position in its sequence of every trial."""
    from brian2 import Hz

    from cortexlearn.stimuli import Standardizer, TrialSchedule, on_off_rates, one_hot_counts, render_schedule

    xtr, ytr, xte, yte = data
    rng = np.random.default_rng(seed)
    src, smp, lrn, ep = [], [], [], []
    epochs = int(p["epochs"])
    classes = str(p["sequence_classes"])
    if classes not in ("same", "mixed", "markov"):
        raise SpecError(f"sequence_classes must be 'same', 'mixed' or 'markov', got {classes!r}")

    def grouped(labels, r, test=False):
        if classes == "same":
            return group_by_class(labels, length, r).ravel()
        if classes == "markov" and not test:  # tested one sample at a time, in random order
            return group_markov(labels, length, float(p["chain_stay"]), r).ravel()
        return group_mixed(len(labels), length, r).ravel()

    test = grouped(yte, np.random.default_rng(10_000), test=True)
    for e in range(epochs):
        order = grouped(ytr, rng)
        src.append(np.zeros(len(order), int)), smp.append(order)
        lrn.append(np.ones(len(order), bool)), ep.append(np.full(len(order), e))
        if bool(p["test_every_epoch"]) or e == epochs - 1:
            src.append(np.ones(len(test), int)), smp.append(test)
            lrn.append(np.zeros(len(test), bool)), ep.append(np.full(len(test), e))
    if not any(len(s) for s in src):
        raise SpecError(f"no class has {length} training samples: lower sequence_length or raise n_train")
    sched = TrialSchedule(np.concatenate(src), np.concatenate(smp), np.concatenate(lrn), np.concatenate(ep))
    st = Standardizer.fit(xtr)
    rate = float(p["max_rate"]) * Hz
    rs = render_schedule(sched, on_off_rates(st(xtr), rate, float(p["x_max"])),
                         on_off_rates(st(xte), rate, float(p["x_max"])),
                         one_hot_counts(ytr, 10, float(p["output_target_count"])),
                         one_hot_counts(yte, 10, float(p["output_target_count"])),
                         p["presentation"], prefix="seq")
    labels = np.where(sched.source == 0, ytr[np.minimum(sched.sample, len(ytr) - 1)],
                      yte[np.minimum(sched.sample, len(yte) - 1)])
    position = np.arange(len(sched.source)) % length
    return sched, rs, labels, position


def arrivals(variant: str, learning, position, length: int, leak: float):
    """Per presentation (read when it ends): ``lag_act``, ``lag_err`` and the weight of the
    arriving error (0: none).

    ``stored``: during the sequence after a training sequence, presentation ``j`` of it pairs the
    end error (``j + 1`` back) with the activity of presentation ``j`` of that sequence (``length``
    back), weighted by its costate factor ``leak ** (length - 1 - j)``. The others: the end error
    at the end of each training sequence, with the present activity.
    """
    n = len(position)
    learning = np.asarray(learning, dtype=float)
    end = (position == length - 1) & (learning > 0)
    if variant == "immediate":
        return np.zeros(n), np.zeros(n), (learning > 0).astype(float)
    if variant != "stored":
        return np.zeros(n), np.zeros(n), end.astype(float)
    lag_act, lag_err, weight = np.zeros(n), np.zeros(n), np.zeros(n)
    for q in np.flatnonzero(end):
        for j in range(length):
            p = q + 1 + j
            if p < n:
                lag_act[p], lag_err[p], weight[p] = length, j + 1, leak ** (length - 1 - j)
    return lag_act, lag_err, weight


def integrated_accuracy(counts, vm, labels, position, mask, length: int, leak: float) -> float:
    """Accuracy (%) of the integrator ``argmax sum_n leak^(L-1-n) y_n`` over complete sequences
    among the trials of ``mask``."""
    idx = np.flatnonzero(mask & (position == length - 1))
    idx = idx[idx >= length - 1]
    if not idx.size:
        return float("nan")
    y = counts + 1e-3 * vm
    s = sum(leak ** (length - 1 - j) * y[idx - (length - 1) + j] for j in range(length))
    return float(100 * np.mean(np.argmax(s, axis=1) == labels[idx]))


def costate_truth(err_true, position, length: int, leak: float):
    """The costate of every presentation of a sequence, ``leak^(L-1-n) eps``, from the end error
    the critic received at each sequence's end (NaN where the sequence is incomplete)."""
    truth = np.full(err_true.shape, np.nan)
    for q in np.flatnonzero(position == length - 1):
        for j in range(length):
            k = q - (length - 1) + j
            if k >= 0:
                truth[k] = leak ** (length - 1 - j) * err_true[q]
    return truth


def simulate_sequence(ctx, p, data, circuit_fn, build_folder, prefix: str = "seq") -> tuple:
    """Every (seed, variant) session of the sequence task. Returns (metrics, results); the
    metrics' names begin with ``prefix`` (``"seq"``; ``"chain"`` for the Markov-chain task)."""
    from cortexlearn.build.critic import attach_output_critic
    from cortexlearn.build.feedforward import build_feedforward
    from cortexlearn.circuits.feedforward_session import run_session

    from cortexlearn.critic_session import seed_parameters

    L, leak, variants = check_sequence_settings(p)
    n_seeds, epochs = int(p["n_seeds"]), int(p["epochs"])
    cfg, rule, critic_rule, _ = circuit_fn(p, data, activity="x_now", discount=leak, episodic=True,
                                           learn_without_error=True)
    results, build_time = [], 0.0
    with ctx.simulation(directory=build_folder and f"{build_folder}-{prefix}{L}", dt=p["dt"]) as sim:
        net = built = None
        for seed, variant in ctx.progress([(s, v) for s in range(ctx.seed, ctx.seed + n_seeds)
                                           for v in variants],
                                          desc=f"{prefix} sessions"):
            sched, rs, labels, position = sequence_schedule(data, seed, p, L)
            if not sim.standalone and built is not None:  # runtime targets replay the build's order
                sched, rs, labels, position = built
            params = seed_parameters(cfg, seed)
            n = len(sched.source)
            if net is None:  # a chunk per epoch (and its test pass) where they divide the session
                chunk = int(np.sum((sched.epoch == 0) & ((sched.source == 0) | bool(p["test_every_epoch"]))))
                net = build_feedforward(cfg, rule, rs, params, name="ecq",
                                        chunk_trials=chunk if n % chunk == 0 else n,
                                        substitute_error=True, error_lags=L, sequence_error=True)
                attach_output_critic(net, critic_rule, np.ones(n))
                built, rs_arg = (sched, rs, labels, position), None
            else:
                rs_arg = rs if sim.standalone else None
            use_pred, bootstrap, learn_all = SEQUENCE_VARIANTS[variant]
            lag_act, lag_err, weight = arrivals(variant, sched.learning, position, L, leak)
            first = (position == 0).astype(float)

            def padded(v):
                return np.concatenate([v, np.zeros(net.n_trials - n)])

            t0 = time.time()
            try:
                rec = run_session(
                    net, sim, rule=rule, params=params, schedule=rs_arg,
                    timed_values={"present": padded(weight), "lag_err": padded(lag_err),
                                  "lag_act": padded(lag_act), "seq_first": padded(first)},
                    constants={"output.lam_err": 0.0 if variant == "immediate" else leak,
                               "output.gain_err": 1.0 if variant == "immediate" else 1 / np.sum(leak ** np.arange(L)),
                               "critic_units.use_read": 1.0,
                               "critic_units.use_context": 1.0, "critic_units.use_prediction": use_pred,
                               "critic_units.use_true": 1.0,
                               "critic_units.eta_read": critic_rule.learning_rate,
                               "critic_units.eta_context": critic_rule.context_learning_rate,
                               "critic_units.gamma_s": leak if bootstrap else 0.0,
                               "critic_units.learn_all": 1.0 if learn_all else 0.0})
            except NonFiniteError as exc:
                warnings.warn(f"{prefix} task, seed {seed}, {variant} diverged: {exc}", RuntimeWarning)
                results.append(dict(seed=seed, variant=variant, diverged=True, wall_time=time.time() - t0,
                                    **{k: np.full(epochs, np.nan) for k in
                                       ("test_accuracy", "test_sample_accuracy", "train_accuracy", "correlation")}))
                continue
            build_time += rec.build_time
            if rec.status != "complete":
                ctx.mark_interrupted("a training session was interrupted")
            out = _summarise(rec, sched, labels, position, L, leak, epochs,
                             integrated=str(p["sequence_classes"]) == "same")
            out.update(seed=seed, variant=variant, diverged=False, wall_time=time.time() - t0)
            results.append(out)
    metrics = _metrics(results, variants, n_seeds, prefix)
    metrics.update({f"{prefix}_build_time_s": build_time,
                    f"{prefix}_n_diverged": float(sum(r["diverged"] for r in results)),
                    f"{prefix}_length": float(L), f"{prefix}_leak": leak})
    return metrics, results


def _summarise(rec, sched, labels, position, L, leak, epochs, integrated: bool) -> dict:
    """Accuracies per epoch: of the integrator over a sequence (``integrated``: one class per
    sequence) or of every sample's own counts (mixed sequences); the latter also as
    ``test_sample_accuracy``; and the critic's prediction-costate correlation."""
    from cortexlearn.analysis.learning import correlation

    correct = np.argmax(rec.counts + 1e-3 * rec.vm, axis=1) == labels
    truth = costate_truth(rec.extra["critic.err_true"], position, L, leak)
    pred = rec.extra["critic.pred"]
    out = {k: np.full(epochs, np.nan) for k in ("test_accuracy", "test_sample_accuracy",
                                                 "train_accuracy", "correlation")}
    for e in range(epochs):
        tr = (sched.epoch == e) & (sched.source == 0)
        te = (sched.epoch == e) & (sched.source == 1)
        if te.any():
            out["test_sample_accuracy"][e] = 100 * correct[te].mean()
            out["test_accuracy"][e] = integrated_accuracy(rec.counts, rec.vm, labels, position, te, L, leak) \
                if integrated else out["test_sample_accuracy"][e]
        out["train_accuracy"][e] = integrated_accuracy(rec.counts, rec.vm, labels, position, tr, L, leak) \
            if integrated else 100 * correct[tr].mean()
        ok = tr & np.isfinite(truth).all(axis=1)
        ok[-1] = False
        out["correlation"][e] = correlation(pred[ok], truth[ok])
    return out


def _metrics(results, variants, n_seeds, prefix: str = "seq") -> dict:
    m = {}
    final = {}
    for v in variants:
        rs = [r for r in results if r["variant"] == v]
        final[v] = {r["seed"]: float(r["test_accuracy"][-1]) for r in rs}
        acc = np.array(list(final[v].values()))
        m[f"{prefix}_{v}_accuracy_mean"] = float(np.mean(acc)) if acc.size else float("nan")
        m[f"{prefix}_{v}_accuracy_std"] = float(np.std(acc, ddof=1)) if acc.size > 1 else 0.0
        m[f"{prefix}_{v}_sample_accuracy_mean"] = float(np.mean([r["test_sample_accuracy"][-1] for r in rs]))
        for r in rs:
            m[f"{prefix}_{v}_accuracy_seed{r['seed']}"] = float(r["test_accuracy"][-1])
        if v.startswith("critic"):
            vals = [r["correlation"][-1] for r in rs if np.isfinite(r["correlation"][-1])]
            if vals:
                m[f"{prefix}_{v}_correlation_final"] = float(np.mean(vals))

    def paired(a, b):
        seeds = sorted(set(final.get(a, {})) & set(final.get(b, {})))
        return float(np.mean([final[a][s] - final[b][s] for s in seeds])) if seeds else float("nan")

    corr = {v: {r["seed"]: float(r["correlation"][-1]) for r in results if r["variant"] == v}
            for v in ("critic_bootstrap", "critic_no_bootstrap")}
    seeds = sorted(set(corr["critic_bootstrap"]) & set(corr["critic_no_bootstrap"]))
    if seeds:  # how much better the bootstrapped critic predicts the costate, paired by seed
        diffs = [corr["critic_bootstrap"][s] - corr["critic_no_bootstrap"][s] for s in seeds]
        m[f"{prefix}_correlation_bootstrap_minus_no_bootstrap"] = float(np.mean(diffs))
        m[f"{prefix}_correlation_bootstrap_minus_no_bootstrap_per_seed"] = diffs
    if {"immediate", "end_only", "critic_no_bootstrap"} <= set(final):
        gap = paired("immediate", "end_only")
        m[f"{prefix}_immediate_minus_end_only"] = gap
        for c in ("critic_no_bootstrap", "critic_bootstrap"):
            if c in final and gap > 0:
                m[f"{prefix}_{c}_gap_recovered"] = paired(c, "end_only") / gap
    for a, b in (("critic_bootstrap", "end_only"), ("critic_bootstrap", "critic_no_bootstrap"),
                 ("stored", "critic_bootstrap"), ("stored", "end_only"), ("critic_no_bootstrap", "end_only")):
        if a in final and b in final:
            m[f"{prefix}_{a}_minus_{b}"] = paired(a, b)
            seeds = sorted(set(final[a]) & set(final[b]))  # paired by seed, for the checks
            m[f"{prefix}_{a}_minus_{b}_per_seed"] = [final[a][s] - final[b][s] for s in seeds]
    return m


def record_sequence(ctx, results, epochs, name: str = "sequence"):
    coords = {"sequence_unit": [f"{r['variant']}-s{r['seed']}" for r in results],
              "sequence_variant": ("sequence_unit", [r["variant"] for r in results]),
              "sequence_seed": ("sequence_unit", [int(r["seed"]) for r in results]),
              "epoch": np.arange(1, epochs + 1)}
    for key, unit in (("test_accuracy", "%"), ("test_sample_accuracy", "%"), ("train_accuracy", "%"),
                      ("correlation", "1")):
        arr = np.stack([r[key] for r in results])
        ctx.record(f"{name}_{key}", xr.DataArray(arr, dims=("sequence_unit", "epoch"), coords=coords,
                                                 name=f"{name}_{key}", attrs={"units": unit}))
