"""Run a :class:`~cortexlearn.build.feedforward.FeedforwardNet` over its session, chunk by chunk.

The program is built once (standalone targets) and every later chunk, seed, rule or schedule of
the same shape is a re-run that receives its values through ``run_args``; per-chunk checkpoints
let an interrupted session resume and end with the same weights as an uninterrupted one.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from brian2 import second

from ..errors import SpecError
from ..rules.credit import CreditRule
from ..stimuli import RenderedSchedule
from .delay_line import check_lags
from ..build.feedforward import FeedforwardNet
from .feedforward import check_wiring

__all__ = ["SessionRecord", "run_session"]


@dataclasses.dataclass
class SessionRecord:
    """What a session recorded, per trial of the schedule (padding trials dropped).

    ``counts[p]`` / ``vm[p]``: output spike counts / mean output membranes of trial ``p``;
    ``align[p]``: (dot, |d_rule|^2, |dbp|^2, hidden spikes) of the last hidden layer for the
    update computed from trial ``p``; ``rasters``: name -> (neuron indices, absolute times in s);
    ``extra``: ``"monitor.var"`` -> (n_trials, n) values of the attached per-presentation
    monitors (:meth:`FeedforwardNet.attach`) for trial ``p``. ``wall_time`` and ``build_time``
    (seconds) cover the ``chunks_run`` chunks run by this call (fewer than ``chunks_done`` when
    it resumed from a checkpoint).

    Attributes
    ----------
    counts, vm : ndarray (n_trials, n_outputs)
        Output spike counts and mean output membranes per trial.
    align : ndarray (n_trials, 4)
        Alignment sums per trial.
    rasters : dict
        Raster name -> (indices, times in s).
    state : dict
        The state after the last chunk run.
    chunks_done, n_chunks : int
        Chunks done (including resumed ones) and in the session.
    status : str
        ``"complete"`` or ``"interrupted"``.
    wall_time, build_time : float
        Seconds of running and of building in this call.
    extra : dict
        Per-trial values of attached monitors.
    chunks_run : int
        Chunks run by this call.
    """

    counts: np.ndarray
    vm: np.ndarray
    align: np.ndarray
    rasters: dict
    state: dict
    chunks_done: int
    n_chunks: int
    status: str
    wall_time: float = 0.0
    build_time: float = 0.0
    extra: dict = dataclasses.field(default_factory=dict)
    chunks_run: int = 0

    def predictions(self) -> np.ndarray:
        """The class each trial's output chose: most spikes, ties broken by the mean membrane.

        Returns
        -------
        ndarray of int, shape (n_trials,)
        """
        return np.argmax(self.counts + 1e-3 * self.vm, axis=1)

    def accuracy(self, schedule, train_labels, test_labels) -> np.ndarray:
        """Test accuracy (%) after each epoch of ``schedule`` (NaN for an epoch without a test pass).

        Parameters
        ----------
        schedule : TrialSchedule
            The session's trials (:func:`cortexlearn.stimuli.session_schedule`).
        train_labels, test_labels : array of int
            Class of each training and test sample.

        Returns
        -------
        ndarray, shape (n_epochs,)
        """
        n = len(self.counts)
        source, sample, epoch = (np.asarray(a)[:n] for a in (schedule.source, schedule.sample, schedule.epoch))
        train_labels, test_labels = np.asarray(train_labels), np.asarray(test_labels)
        labels = np.where(source == 0, train_labels[np.minimum(sample, len(train_labels) - 1)],
                          test_labels[np.minimum(sample, max(len(test_labels), 1) - 1)]
                          if len(test_labels) else -1)
        correct = self.predictions() == labels
        out = np.full(int(epoch.max()) + 1, np.nan)
        for e in range(len(out)):
            test = (epoch == e) & (source == 1)
            if test.any():
                out[e] = 100 * correct[test].mean()
        return out

    def hidden_angle(self, schedule) -> np.ndarray:
        """Mean angle (degrees) per epoch between the error the rule sent to the last hidden layer
        and the one weight transport (backprop) would have sent, over the training trials whose
        updates were non-zero: the in-circuit measure of alignment (Lillicrap et al. 2016, Fig. 2).

        Parameters
        ----------
        schedule : TrialSchedule

        Returns
        -------
        ndarray, shape (n_epochs,)
        """
        n = len(self.align)
        source, epoch = np.asarray(schedule.source)[:n], np.asarray(schedule.epoch)[:n]
        out = np.full(int(epoch.max()) + 1, np.nan)
        for e in range(len(out)):
            a = self.align[(epoch == e) & (source == 0)]
            ok = (a[:, 1] > 0) & (a[:, 2] > 0)
            if ok.any():
                cos = np.clip(a[ok, 0] / np.sqrt(a[ok, 1] * a[ok, 2]), -1, 1)
                out[e] = float(np.degrees(np.arccos(cos)).mean())
        return out


def _fingerprint(net: FeedforwardNet, rule, params, schedule, timed_values, dt) -> np.ndarray:
    keys = sorted(net.state_variables.items())
    parts = (net.config, rule, net.n_trials, net.chunk_trials, keys, float(dt),
             float(schedule.presentation),
             [float(np.sum(np.abs(params[k]))) for k in sorted(params)],
             float(np.sum(schedule.rate_values * np.arange(1, len(schedule.rate_values) + 1)[:, None])),
             float(np.sum(schedule.target_values)))
    if net.extra_state or timed_values:  # sessions without attachments keep their old fingerprint
        parts += (sorted(net.extra_state),
                  [(k, float(np.sum(np.asarray(v) * np.arange(1, np.size(v) + 1).reshape(np.shape(v)))))
                   for k, v in sorted((timed_values or {}).items())])
    text = repr(parts)
    import hashlib

    return np.frombuffer(hashlib.sha256(text.encode()).digest(), dtype=np.uint8)


def run_session(net: FeedforwardNet, sim, rule: CreditRule | None = None, params: dict | None = None,
                schedule: RenderedSchedule | None = None, checkpoint: str | None = None,
                stop_after: int | None = None, on_chunk=None,
                timed_values: dict | None = None, constants: dict | None = None) -> SessionRecord:
    """Train and test ``net`` over its session, chunk by chunk, on ``sim`` (a
    :class:`~cortexlearn.simulation.Simulation`).

    The program is built once (standalone targets); every later chunk, and every later session
    with another ``rule``, ``params`` (seed) or ``schedule`` of the same shape, is a re-run that
    receives its values through ``run_args``. Runtime targets continue the same network. After each
    chunk every weight is checked for finiteness and, with ``checkpoint`` (a ``.npz`` path), the
    state and the records so far are saved atomically; a later call with the same path resumes
    after the last saved chunk and ends with the same weights as an uninterrupted session.

    Parameters
    ----------
    net : FeedforwardNet
        The built circuit.
    sim : Simulation
        The simulation it was built in.
    rule, params, schedule : optional
        Default: those the circuit was built with.
    checkpoint : str, optional
        Path of a ``.npz`` file to save after each chunk and resume from.
    stop_after : int, optional
        Stop after this many chunks have been run in *this* call (status ``"interrupted"``).
    on_chunk : callable, optional
        Called as ``on_chunk(chunk_index, n_chunks)`` after each chunk.
    timed_values : dict, optional
        key of ``net.timed_arrays`` -> new values (same shape) of a ``TimedArray`` attached with
        :meth:`FeedforwardNet.attach` (e.g. a critic's "error present" mask) for this session.
    constants : dict, optional
        ``"object.var"`` -> value of run-time constants of attached objects (e.g. a critic's
        switches), set for this session like the rule's constants.

    Raises
    ------
    NonFiniteError
        When a weight or bias became NaN or infinite; the message names the projection, and the
        checkpoint keeps the last good chunk.

    Returns
    -------
    SessionRecord
    """
    # 110 lines: the checks of timed values, the finiteness check and the checkpoint are helpers;
    # resuming, running and recording stay here because they share the per-chunk records and
    # must happen in this order for a resumed session to end with the same weights as an
    # uninterrupted one.
    import os
    import time

    rule = net.rule if rule is None else rule
    params = net.params if params is None else params
    check_wiring(net.params, params)
    if rule.namespace() != net.rule.namespace():
        raise SpecError(f"surrogate_slope and center_rate are constants of the compiled circuit "
                        f"(built with {net.rule.namespace()}, this rule has {rule.namespace()}); "
                        "build a circuit for this rule")
    new_schedule = schedule is not None and schedule is not net.schedule
    if new_schedule and sim.standalone and not sim._built:
        # not compiled yet: the TimedArrays' values are read when the program is generated
        for key, arr in net.schedule_arrays(schedule).items():
            net.timed_arrays[key].values[:] = np.asarray(arr)
        net.schedule, schedule = schedule, None
    if new_schedule and not sim.standalone:
        raise SpecError("runtime targets run the schedule the circuit was built with")
    timed_args = _timed_values(net, sim, timed_values)
    fixed = {**net.fixed_values(rule, params), **(constants or {})}
    C, T = net.chunk_trials, net.schedule.presentation
    n_chunks = net.n_trials // C
    n_out = net.config.n_outputs
    out_rec = np.zeros((net.n_trials + 1, n_out))
    vm_rec = np.zeros((net.n_trials + 1, n_out))
    align_rec = np.zeros((net.n_trials + 1, 4))
    rasters = {k: ([], []) for k in net.monitors if k.startswith("raster_")}
    extra_rec = {f"{m}.{v}": np.zeros((net.n_trials + 1, len(mon.record)))
                 for m, (mon, names) in net.trial_monitors.items() for v in names}
    state, start_chunk = net.initial_state(params), 0
    fp = _fingerprint(net, rule, params, schedule or net.schedule, timed_values, dt=sim.dt)
    if checkpoint and os.path.exists(checkpoint):
        with np.load(checkpoint) as ck:
            if not np.array_equal(ck["fingerprint"], fp):
                raise SpecError(f"checkpoint {checkpoint} belongs to another session (circuit, rule, "
                                "schedule or time step differ); remove it or choose another path")
            start_chunk = int(ck["chunks_done"])
            out_rec, vm_rec, align_rec = ck["out_rec"], ck["vm_rec"], ck["align_rec"]
            extra_rec = {k: ck[f"extra:{k}"] for k in extra_rec}
            state = {k[6:]: ck[k] for k in ck.files if k.startswith("state:")}
            for k in rasters:
                rasters[k] = ([ck[f"{k}:i"]], [ck[f"{k}:t"]])
    status, wall, build, done_here = "complete", 0.0, 0.0, 0
    for c in range(start_chunk, n_chunks):
        if stop_after is not None and done_here >= stop_after:
            status = "interrupted"
            break
        offset = c * C * float(T)
        n_before = {k: len(m.t[:]) if not sim.standalone else 0 for k, m in net.monitors.items()}
        n_before.update({k: len(m.t[:]) if not sim.standalone else 0
                         for k, (m, _) in net.trial_monitors.items()})
        t0 = time.time()
        if sim.standalone:
            if not sim._built:
                net.assign({**fixed, **state}, offset)
                info = sim.run(net.network, C * T, namespace=net.namespace)
                build = info.build_time
            else:
                info = sim.rerun(run_args={**net.run_args({**fixed, **state}, offset, schedule),
                                           **timed_args})
        else:
            net.assign({**fixed, **state}, offset - float(net.network.t))
            info = sim.run(net.network, C * T, namespace=net.namespace)
        wall += time.time() - t0
        if not info.complete:
            status = "interrupted"
            break
        new_state = net.state()
        _check_finite(new_state, c, n_chunks, C, checkpoint)
        state = new_state
        mo, ma = net.monitors["output"], net.monitors["align"]
        sl = slice(c * C, (c + 1) * C)
        out_rec[sl] = np.asarray(mo.count_l[:]).T[n_before["output"]:]
        vm_rec[sl] = np.asarray(mo.vm_l[:]).T[n_before["output"]:]
        align_rec[sl] = np.stack([np.asarray(getattr(ma, v)[0])[n_before["align"]:]
                                  for v in ("dot", "n_rule", "n_bp", "spikes")], axis=1)
        for k, (m, names) in net.trial_monitors.items():
            for v in names:
                extra_rec[f"{k}.{v}"][sl] = np.asarray(getattr(m, v)[:]).T[n_before[k]:]
        for k in rasters:
            m = net.monitors[k]
            i_new = np.asarray(m.i[:])[n_before[k]:]
            t_new = np.asarray(m.t[:] / second)[n_before[k]:]
            rasters[k][0].append(i_new)
            rasters[k][1].append(t_new + (offset if sim.standalone else 0.0))
        done_here += 1
        if checkpoint:
            _save_checkpoint(checkpoint, fp, c + 1, out_rec, vm_rec, align_rec, state, extra_rec,
                             rasters)
        if on_chunk is not None:
            on_chunk(c, n_chunks)
    n = net.n_session_trials
    done = start_chunk + done_here
    if done == n_chunks and state is not None:  # the last trial is not latched: read its counts
        out_rec[net.n_trials] = state["output.count"]
        vm_rec[net.n_trials] = state["output.vm_acc"]
    return SessionRecord(counts=out_rec[1:n + 1], vm=vm_rec[1:n + 1], align=align_rec[1:n + 1],
                         rasters={k: (np.concatenate(i) if i else np.zeros(0, int),
                                      np.concatenate(t) if t else np.zeros(0))
                                  for k, (i, t) in rasters.items()},
                         state=state or {}, chunks_done=done, n_chunks=n_chunks, status=status,
                         wall_time=wall, build_time=build,
                         extra={k: v[1:n + 1] for k, v in extra_rec.items()}, chunks_run=done_here)


def _timed_values(net: FeedforwardNet, sim, timed_values: dict | None) -> dict:
    """Check a session's new values of attached ``TimedArray`` s and hand them over.

    Parameters
    ----------
    net : FeedforwardNet
    sim : Simulation
    timed_values : dict or None
        Key of ``net.timed_arrays`` -> values of the same shape.

    Returns
    -------
    dict
        ``TimedArray`` -> values for a standalone re-run; empty where the values were written
        into the arrays instead (before the build, or on a runtime target).

    Raises
    ------
    SpecError
        An unknown key, the schedule's own arrays, another shape, or lags outside the delay line.
    """
    timed_args = {}
    for key, arr in (timed_values or {}).items():
        if key not in net.timed_arrays or key in ("rates", "targets", "learning", "record"):
            raise SpecError(f"timed_values: {key!r} is not an attached TimedArray "
                            f"(attached: {', '.join(k for k in net.timed_arrays if k not in ('rates', 'targets', 'learning', 'record')) or 'none'})")
        ta = net.timed_arrays[key]
        arr = np.asarray(arr, dtype=float)
        if arr.shape != ta.values.shape:
            raise SpecError(f"timed_values[{key!r}] has shape {arr.shape}, the circuit's "
                            f"{ta.values.shape}")
        if key in ("lag_act", "lag_err"):
            check_lags(arr, net.error_lags, f"timed_values[{key!r}]")
        if sim.standalone and sim._built:
            timed_args[ta] = arr
        else:  # read when the program is generated (standalone) or at run time
            ta.values[:] = arr
    return timed_args


def _check_finite(state: dict, c: int, n_chunks: int, C: int, checkpoint: str | None) -> None:
    """Stop a session whose weights or state became NaN or infinite in chunk ``c``.

    Parameters
    ----------
    state : dict
        The state after the chunk.
    c, n_chunks : int
        Index of the chunk and number of chunks.
    C : int
        Trials per chunk.
    checkpoint : str or None
        The checkpoint path, named in the message.

    Raises
    ------
    NonFiniteError
        Naming the diverged projections (or the first bad variable).
    """
    from ..errors import NonFiniteError

    bad = [k for k in state if not np.all(np.isfinite(state[k]))]
    if bad:
        weights = [k for k in bad if k.endswith(".w")]
        what = (f"the weights of projection {weights[0].rsplit('.', 1)[0]} "
                f"({', '.join(k.rsplit('.', 1)[0] for k in weights)} diverged)") if weights \
            else f"state {bad[0]}"
        raise NonFiniteError(
            f"{what} became non-finite in chunk {c + 1} of {n_chunks} (trials "
            f"{c * C}-{(c + 1) * C - 1}); the run stopped"
            + (f" and {checkpoint} keeps chunk {c}" if checkpoint else "")
            + ". Lower the learning rates or the feedback scale.")


def _save_checkpoint(checkpoint: str, fp, chunks_done: int, out_rec, vm_rec, align_rec, state: dict,
                     extra_rec: dict, rasters: dict) -> None:
    """Write the state and the records so far to ``checkpoint`` atomically (a temporary file,
    then a rename).

    Parameters
    ----------
    checkpoint : str
        Path of the ``.npz`` file.
    fp : ndarray
        Fingerprint of the session.
    chunks_done : int
        Chunks done including this one.
    out_rec, vm_rec, align_rec : ndarray
        Records per trial.
    state : dict
        The state after the chunk.
    extra_rec, rasters : dict
        Records of attached monitors and rasters.
    """
    import os

    payload = {"fingerprint": fp, "chunks_done": chunks_done, "out_rec": out_rec,
               "vm_rec": vm_rec, "align_rec": align_rec}
    payload.update({f"state:{k}": v for k, v in state.items()})
    payload.update({f"extra:{k}": v for k, v in extra_rec.items()})
    for k, (ii, tt) in rasters.items():
        payload[f"{k}:i"] = np.concatenate(ii) if ii else np.zeros(0)
        payload[f"{k}:t"] = np.concatenate(tt) if tt else np.zeros(0)
    tmp = checkpoint + ".tmp.npz"
    np.savez(tmp, **payload)
    os.replace(tmp, checkpoint)
