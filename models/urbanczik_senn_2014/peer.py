"""The same protocol run by an independent simulator: NEST 3.10's ``pp_cond_exp_mc_urbanczik``
with ``urbanczik_synapse``, set up as NEST's ``pynest/examples/urbanczik_synapse_example.py``,
and measured with this model's own analysis.

NEST's example is followed in every parameter: the neuron's (``t_ref`` 3 ms, ``g_sp`` 600 nS,
C 300 pF and g_L 30 nS in both compartments, ``phi_max`` 0.15 per ms, ``rate_slope`` 0.5,
``beta`` 1/3 per mV, ``theta`` -55 mV), the synapse's (``tau_Delta`` 100 ms, ``eta`` 0.17,
initial weight 0.3 C_m = 90 pA, ``Wmax`` 4.5 C_m = 1350 pA, delay 0.1 ms) and the somatic
teacher (one spike per 0.1-ms step into the soma's excitatory and inhibitory receptors with
weights ``0.016 C_m sin(2 pi t 2 / 200 ms) + 0.018 C_m`` and ``0.06 C_m``, while the teacher
is on). The dendritic input is this model's frozen pattern (:func:`input_pattern` of the same
seed), repeated, through spike generators and parrot neurons as in the example; NEST's own
random numbers (the somatic spikes) are seeded with ``seed + 1`` (NEST needs a seed >= 1).

Run as a script it prints NEST's two checked numbers per seed (the correlation of ``V_w*`` with
``U_M`` on the held-out repetition and the reduction of their RMS difference from the first
repetition to the held-out one), beside cortexlearn's when run folders are given::

    python -m cortexlearn.models.urbanczik_senn_2014.peer --seeds 0 1 2
    python -m cortexlearn.models.urbanczik_senn_2014.peer --seeds 0 1 2 --set t_ref=0*ms
    python -m cortexlearn.models.urbanczik_senn_2014.peer --seeds 0 --cortexlearn runs/us2014

Needs the ``peers`` extra (``nest-simulator``).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time

import numpy as np
from brian2 import ms

from cortexlearn.errors import CortexlearnError, SpecError

from . import input_pattern, repetition_errors, schedule

__all__ = ["NestRun", "nest_run", "nest_metrics", "main"]

#: NEST's time step in its example (ms)
DT_MS = 0.1


@dataclasses.dataclass(frozen=True)
class NestRun:
    """What one NEST run returns.

    Attributes
    ----------
    weights_pA : ndarray
        Final dendritic weights, one per input (pA).
    spike_times_ms : ndarray
        Somatic spike times (ms, NEST's stamps: the end of the step).
    times_ms : ndarray
        Sample times of the potentials (ms).
    v_d_mV, v_s_mV : ndarray
        Dendritic and somatic potential at those times (mV).
    """

    weights_pA: np.ndarray
    spike_times_ms: np.ndarray
    times_ms: np.ndarray
    v_d_mV: np.ndarray
    v_s_mV: np.ndarray


def nest_run(params, index, steps, seed: int, *, eta: float | None = None, t_ref_ms: float | None = None,
             record_interval_ms: float = DT_MS) -> NestRun:
    """Run NEST's example set-up on a given input pattern for this model's schedule.

    Parameters
    ----------
    params : dict
        The model's resolved parameters: ``n_inputs``, ``pattern_duration``, ``n_learning`` and
        ``n_free`` (the schedule), ``eta``, ``t_ref``, ``tau_delta``, ``w_initial`` and
        ``w_max`` are taken from them; the neuron's constants are NEST's example's.
    index, steps : ndarray
        The pattern: input index and 0.1-ms step of each spike (:func:`input_pattern`).
    seed : int
        NEST's random seed is ``seed + 1``.
    eta : float, optional
        NEST's learning rate; default ``params["eta"]``.
    t_ref_ms : float, optional
        The soma's dead time in ms; default ``params["t_ref"]``. NEST draws a Poisson number of
        spikes per step when it is 0 and one spike at most otherwise.
    record_interval_ms : float
        Sampling interval of the potentials (a multiple of 0.1 ms); the first sample is at
        ``record_interval_ms``.

    Returns
    -------
    NestRun
    """
    import nest

    n_total, on, off = schedule(params)
    period = float(params["pattern_duration"] / ms)
    n = int(params["n_inputs"])
    eta = float(params["eta"]) if eta is None else float(eta)
    t_ref = float(params["t_ref"] / ms) if t_ref_ms is None else float(t_ref_ms)
    nest.verbosity = nest.VerbosityLevel.WARNING
    nest.ResetKernel()
    nest.resolution = DT_MS
    nest.rng_seed = int(seed) + 1
    nest.local_num_threads = 1
    c_m = 300.0
    neuron = nest.Create("pp_cond_exp_mc_urbanczik", params={
        "t_ref": t_ref, "g_sp": 600.0, "phi_max": 0.15, "rate_slope": 0.5, "beta": 1.0 / 3.0, "theta": -55.0,
        "soma": {"V_m": -70.0, "C_m": c_m, "E_L": -70.0, "g_L": 30.0, "E_ex": 0.0, "E_in": -75.0,
                 "tau_syn_ex": 3.0, "tau_syn_in": 3.0},
        "dendritic": {"V_m": -70.0, "C_m": c_m, "E_L": -70.0, "g_L": 30.0, "tau_syn_ex": 3.0,
                      "tau_syn_in": 3.0}})
    receptors = nest.GetDefaults("pp_cond_exp_mc_urbanczik")["receptor_types"]
    total = n_total * period
    # the teacher: one spike per step from 0.1 ms on, weights as in the example while it is on
    t_soma = np.round(np.arange(1, int(round(total / DT_MS))) * DT_MS, 1)
    gate = (t_soma >= on * period) & (t_soma < off * period)
    kicks_e = np.where(gate, 0.016 * c_m * np.sin(2 * np.pi * (2.0 / period) * t_soma) + 0.018 * c_m, 0.0)
    kicks_i = np.where(gate, 0.06 * c_m, 0.0)
    for receptor, kicks in (("soma_exc", kicks_e), ("soma_inh", kicks_i)):
        gen = nest.Create("spike_generator", params={"spike_times": t_soma, "spike_weights": kicks})
        nest.Connect(gen, neuron, syn_spec={"receptor_type": receptors[receptor], "weight": 1.0,
                                            "delay": DT_MS})
    generators = nest.Create("spike_generator", n)
    parrots = nest.Create("parrot_neuron", n)
    period_steps = int(round(period / DT_MS))
    all_steps = (np.asarray(steps)[None, :] + period_steps * np.arange(n_total)[:, None]).ravel()
    all_index = np.tile(np.asarray(index), n_total)
    for i in range(n):
        generators[i].spike_times = np.round(np.sort(all_steps[all_index == i]) * DT_MS, 1)
    nest.Connect(generators, parrots, "one_to_one", syn_spec={"delay": DT_MS})
    nest.Connect(parrots, neuron, syn_spec={
        "synapse_model": "urbanczik_synapse", "receptor_type": receptors["dendritic_exc"],
        "tau_Delta": float(params["tau_delta"] / ms), "eta": eta,
        "weight": float(params["w_initial"] / 1e-12), "Wmax": float(params["w_max"] / 1e-12),
        "delay": DT_MS})
    meter = nest.Create("multimeter", params={"record_from": ["V_m.p", "V_m.s"],
                                              "interval": float(record_interval_ms)})
    nest.Connect(meter, neuron)
    recorder = nest.Create("spike_recorder")
    nest.Connect(neuron, recorder)
    nest.Simulate(total + DT_MS)
    conns = nest.GetConnections(parrots, neuron)
    w = np.zeros(n)
    w[np.asarray(conns.source) - parrots[0].global_id] = np.asarray(conns.weight)
    events = meter.events
    order = np.argsort(events["times"])
    return NestRun(w, np.asarray(recorder.events["times"]), np.asarray(events["times"])[order],
                   np.asarray(events["V_m.p"])[order], np.asarray(events["V_m.s"])[order])


def nest_metrics(params, seed: int, *, t_ref_ms: float | None = None) -> dict:
    """NEST's run of the model's full protocol on seed ``seed``, measured as the model measures
    its own: ``V_w*`` and ``U_M`` sampled every 1 ms from ``t = 0`` (the dendrite's initial
    -70 mV first), RMS difference and correlation per repetition (:func:`repetition_errors`).

    Parameters
    ----------
    params : dict
        The model's resolved parameters.
    seed : int
        The input pattern's seed (:func:`input_pattern`); NEST's is ``seed + 1``.
    t_ref_ms : float, optional
        NEST's dead time (ms); default ``params["t_ref"]``.

    Returns
    -------
    dict
        The model's metric names (``rmse_first_mV``, ``rmse_heldout_mV``, ``error_reduction``,
        ``corr_first``, ``corr_heldout``, ``soma_rate_hz``, ``simulated_s``, ``mean_weight_pA``),
        ``best_reduction`` (the first repetition's RMS over the smallest of any later one), the
        per-repetition ``rmse_mV`` list and NEST's ``wall_s``.
    """
    start = time.perf_counter()
    index, steps = input_pattern(params, seed, DT_MS * 1e-3)
    run = nest_run(params, index, steps, seed, t_ref_ms=t_ref_ms, record_interval_ms=1.0)
    n_total = schedule(params)[0]
    n_samples = int(round(n_total * float(params["pattern_duration"] / ms)))
    t_ms = np.arange(n_samples, dtype=float)
    # NEST samples at 1, 2, ... ms; the model's monitor at 0, 1, ... ms (the initial value first)
    v_d = np.concatenate([[-70.0], run.v_d_mV])[:n_samples]
    if not np.allclose(np.concatenate([[0.0], run.times_ms])[:n_samples], t_ms):
        raise RuntimeError("NEST's samples are not on the 1-ms grid")
    rmse, corr = repetition_errors(params, t_ms * 1e-3, v_d * 1e-3)
    simulated = n_samples * 1e-3
    return {"rmse_first_mV": float(rmse[0] * 1e3), "rmse_heldout_mV": float(rmse[-1] * 1e3),
            "error_reduction": float(rmse[0] / rmse[-1]), "corr_first": float(corr[0]),
            "corr_heldout": float(corr[-1]), "soma_rate_hz": run.spike_times_ms.size / simulated,
            "simulated_s": simulated, "mean_weight_pA": float(run.weights_pA.mean()),
            "best_reduction": _best_reduction(rmse),
            "rmse_mV": [float(x * 1e3) for x in rmse], "wall_s": time.perf_counter() - start}


def _best_reduction(rmse) -> float:
    """The first repetition's RMS over the smallest RMS of any later repetition."""
    rmse = np.asarray(rmse, dtype=float)
    return float(rmse[0] / rmse[1:].min())


def _cortexlearn_metrics(folder: str, seed: int, params) -> dict:
    """A cortexlearn run's metrics and the reduction at its best repetition; the run must have
    the seed and the parameters of the NEST run beside it."""
    from cortexlearn.registry import get_model
    from cortexlearn.results import load

    res = load(folder)
    with open(os.path.join(folder, "manifest.json")) as fh:
        manifest = json.load(fh)
    ran = get_model("urbanczik_senn_2014").resolve(manifest["parameters"])
    differ = [k for k, v in params.items() if not _same(v, ran[k])]
    if manifest["seed"] != seed or differ:
        raise SpecError(f"{folder} ran seed {manifest['seed']} with {', '.join(differ) or 'the same parameters'}"
                         f" differing; the NEST run is seed {seed}")
    rmse = np.asarray(res.data["rmse"])
    out = dict(res.metrics)
    out["wall_s"] = float(manifest.get("wall_time_s", np.nan))
    out["best_reduction"] = _best_reduction(rmse)
    out["rmse_mV"] = [float(x) for x in rmse]
    return out


def _same(a, b) -> bool:
    """Two parameter values (quantities or numbers) equal to rounding."""
    try:
        return bool(np.allclose(np.asarray(a - b, dtype=float), 0.0, atol=1e-12 * max(abs(float(a)), 1e-30)))
    except (TypeError, ValueError):
        return a == b


def main(argv=None) -> int:
    """Print NEST's numbers per seed (and cortexlearn's, from run folders) as a Markdown table."""
    parser = argparse.ArgumentParser(prog="python -m cortexlearn.models.urbanczik_senn_2014.peer",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a model parameter, as for `cortexlearn run --set` (repeatable)")
    parser.add_argument("--cortexlearn", nargs="*", default=[], metavar="RUN",
                        help="run folders of cortexlearn, one per seed in --seeds order")
    parser.add_argument("--json", default=None, help="also write the numbers here")
    args = parser.parse_args(argv)
    try:
        _compare(args)
    except CortexlearnError as exc:
        print(f"cortexlearn: error: {exc}", file=sys.stderr)
        return 2
    return 0


def _compare(args) -> None:
    """The table of :func:`main` (printed row by row as the runs finish) and its JSON file."""
    from cortexlearn.cli import _parse_sets
    from cortexlearn.registry import get_model

    params = get_model("urbanczik_senn_2014").resolve(_parse_sets(args.set))
    out = {}
    print("| simulator | seed | t_ref | r first | r held-out | RMS first | RMS held-out | reduction "
          "| best repetition | soma rate | wall |\n|---|---|---|---|---|---|---|---|---|---|---|", flush=True)
    t_ref = float(params["t_ref"] / ms)
    for k, seed in enumerate(args.seeds):
        m = nest_metrics(params, seed)
        out[f"nest_seed{seed}"] = m
        print(_row("NEST 3.10", seed, t_ref, m, f"{m['wall_s']:.0f} s"), flush=True)
        if k < len(args.cortexlearn):
            c = _cortexlearn_metrics(args.cortexlearn[k], seed, params)
            out[f"cortexlearn_seed{seed}"] = c
            print(_row("cortexlearn (Brian2)", seed, t_ref, c, f"{c['wall_s']:.0f} s"), flush=True)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=1)


def _row(name, seed, t_ref, m, wall) -> str:
    return (f"| {name} | {seed} | {t_ref:g} ms | {m['corr_first']:.2f} | {m['corr_heldout']:.3f} "
            f"| {m['rmse_first_mV']:.2f} mV | {m['rmse_heldout_mV']:.2f} mV | {m['error_reduction']:.2f}x "
            f"| {m['best_reduction']:.2f}x | {m['soma_rate_hz']:.1f} Hz | {wall} |")


if __name__ == "__main__":
    raise SystemExit(main())
