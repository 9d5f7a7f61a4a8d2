"""Brunel (2000): the sparsely connected network of excitatory and inhibitory LIF neurons and its
four states — synchronous regular (SR), asynchronous irregular (AI), synchronous irregular with
fast (SI fast) and slow (SI slow) oscillations — selected by the relative inhibition ``g`` and the
external rate ``nu_ext / nu_thr``.

Brunel N (2000) Dynamics of sparsely connected networks of excitatory and inhibitory spiking
neurons. J Comput Neurosci 8:183–208.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from brian2 import Hz, mV, ms, second

from cortexlearn.analysis.spikes import cv_isi, firing_rates, population_rate, synchrony_chi
from cortexlearn.model import Check, Model, Parameter, RunContext, new_build_directory

from .circuit import STATES, brunel_circuit, threshold_rate

PARAMETERS = (
    Parameter("n_excitatory", 10000, "number of excitatory neurons N_E", "Brunel 2000, Sec. 2", quick=1000,
              domain="integer>=1"),
    Parameter("gamma", 0.25, "N_I / N_E", "Brunel 2000, Sec. 2", domain="positive"),
    Parameter("C_E", 1000, "excitatory in-degree (C_I = γ C_E); ε = C_E / N_E. Kept at the paper's "
              "value when N_E shrinks, so that input fluctuations and ν_thr stay as published",
              "Brunel 2000, Sec. 2 (ε = 0.1, N_E = 10,000)", quick=100, domain="integer>=1"),
    Parameter("J", 0.1 * mV, "EPSP amplitude", "Brunel 2000, Fig. 8 caption", domain="positive"),
    Parameter("delay", 1.5 * ms, "transmission delay D", "Brunel 2000, Fig. 8 caption",
              domain="nonnegative"),
    Parameter("tau_m", 20 * ms, "membrane time constant", "Brunel 2000, Sec. 2", domain="positive"),
    Parameter("v_threshold", 20 * mV, "threshold θ (relative to rest)", "Brunel 2000, Sec. 2",
              domain="positive"),
    Parameter("v_reset", 10 * mV, "reset V_r", "Brunel 2000, Sec. 2", domain="finite"),
    Parameter("tau_ref", 2 * ms, "refractory period", "Brunel 2000, Sec. 2", domain="nonnegative"),
    Parameter("duration", 1.0 * second, "simulated time per state", "chosen", quick=0.3 * second,
              domain="positive"),
    Parameter("transient", 0.2 * second, "initial time excluded from statistics", "chosen",
              quick=0.1 * second, domain="nonnegative"),
    Parameter("g_SR", 3.0, "g of state A (SR)", "Brunel 2000, Fig. 8A", domain="nonnegative"),
    Parameter("nu_SR", 2.0, "ν_ext/ν_thr of state A (SR)", "Brunel 2000, Fig. 8A",
              domain="positive"),
    Parameter("g_SI_fast", 6.0, "g of state B (SI fast)", "Brunel 2000, Fig. 8B",
              domain="nonnegative"),
    Parameter("nu_SI_fast", 4.0, "ν_ext/ν_thr of state B (SI fast)", "Brunel 2000, Fig. 8B",
              domain="positive"),
    Parameter("g_AI", 5.0, "g of state C (AI)", "Brunel 2000, Fig. 8C", domain="nonnegative"),
    Parameter("nu_AI", 2.0, "ν_ext/ν_thr of state C (AI)", "Brunel 2000, Fig. 8C",
              domain="positive"),
    Parameter("g_SI_slow", 4.5, "g of state D (SI slow)", "Brunel 2000, Fig. 8D",
              domain="nonnegative"),
    Parameter("nu_SI_slow", 0.9, "ν_ext/ν_thr of state D (SI slow)", "Brunel 2000, Fig. 8D",
              domain="positive"),
    Parameter("workers", 2, "processes simulating the four states side by side, each its own build "
              "(the results do not depend on it; 1 = one after another in this process)",
              "machine (2 cores)", quick=1, domain="integer>=1"),
    Parameter("n_recorded", 1000, "excitatory neurons whose spikes are recorded", "chosen", quick=300,
              domain="integer>=1"),
)


def simulate(ctx: RunContext) -> dict:
    p = ctx.params
    t0, t1 = float(p["transient"]), float(p["duration"])
    if not t1 > t0:
        from cortexlearn.errors import SpecError
        raise SpecError("duration must exceed transient")
    metrics = {}
    results = {}
    if int(p["workers"]) <= 1:
        for state in ctx.progress(STATES, desc="states"):
            results[state] = simulate_state(p, state, ctx.simulation(), ctx.seed)
            _keep(ctx, state, results[state])
    else:
        import multiprocessing as mp

        # a fresh interpreter per worker (Brian2's device state is per process); the programs
        # print no progress of their own, so that two of them do not write over each other
        build_root = ctx.build_root
        with mp.get_context("spawn").Pool(min(int(p["workers"]), len(STATES))) as pool:
            pending = [pool.apply_async(_simulate_state_in_worker,
                                        (dict(p), state, ctx.target, ctx.seed, build_root))
                       for state in STATES]
            for state, job in zip(ctx.progress(STATES, desc="states"), pending):
                results[state] = job.get()
                _keep(ctx, state, results[state])
    for state in STATES:
        metrics.update(results[state]["metrics"])
    metrics["nu_thr_Hz"] = float(threshold_rate(p) / Hz)
    return metrics


def _keep(ctx: RunContext, state: str, result: dict):
    """Record one state's raster and population rate (at once: an interrupted run keeps them)."""
    if not result["complete"]:
        ctx.mark_interrupted(f"state {state}: {result['completed_fraction']:.0%} simulated")
    ctx.record(f"raster_{state}", result["raster"])
    ctx.record(f"population_rate_{state}", result["population_rate"])


def _simulate_state_in_worker(p: dict, state: str, target: str, seed: int, build_root: str | None) -> dict:
    from cortexlearn.simulation import Simulation

    directory = new_build_directory(build_root, target)
    return simulate_state(p, state, Simulation(target=target, seed=seed, directory=directory), seed)


def simulate_state(p, state: str, simulation, seed: int) -> dict:
    """Simulate and analyse one of the four states.

    Parameters
    ----------
    p : mapping
        The model's parameters.
    state : {"SR", "SI_fast", "AI", "SI_slow"}
    simulation : Simulation
        A new simulation (not yet entered) on the run's target and seed.
    seed : int
        Seed of the connectivity.

    Returns
    -------
    dict
        ``metrics`` (rate, CV of ISIs and synchrony χ of the recorded neurons), ``raster`` and
        ``population_rate`` (DataArrays), ``complete`` and ``completed_fraction``.
    """
    from cortexlearn.build import build

    t0, t1 = float(p["transient"]), float(p["duration"])
    n_rec = min(int(p["n_recorded"]), int(p["n_excitatory"]))
    g, nu = p[f"g_{state}"], p[f"nu_{state}"]
    circuit = brunel_circuit(p, g=g, nu_ratio=nu)
    with simulation as sim:
        built = build(circuit, record_spikes=("E",), record_rates=("E",), connectivity_seed=seed)
        info = sim.run(built.network, p["duration"])
        mon = built.spike_monitors["E"]
        i_all, t_all = np.asarray(mon.i[:]), np.asarray(mon.t[:] / second)
    keep = i_all < n_rec
    i_rec, t_rec = i_all[keep], t_all[keep]
    rates = firing_rates(i_rec, t_rec, n_rec, t0, t1)
    cv = cv_isi(i_rec, t_rec, n_rec, t_start=t0)
    chi = synchrony_chi(i_rec, t_rec, n_rec, t0, t1, bin_size=0.5e-3)
    centres, pop = population_rate(i_all, t_all, int(p["n_excitatory"]), 0.0, t1, 1e-3)
    show = (i_rec < 50) & (t_rec >= t1 - 0.2)
    return {
        "metrics": {f"rate_{state}_Hz": float(rates.mean()),
                    f"cv_{state}": float(np.nanmean(cv)) if np.any(np.isfinite(cv)) else float("nan"),
                    f"synchrony_{state}": chi},
        "raster": xr.DataArray(
            np.stack([i_rec[show].astype(float), t_rec[show]]), dims=("field", "spike"),
            coords={"field": ["neuron", "time"]},
            attrs={"units": "s", "g": float(g), "nu_ratio": float(nu), "n_neurons": 50,
                   "t_start": t1 - 0.2, "t_stop": t1}),
        "population_rate": xr.DataArray(
            pop, dims=("time",), coords={"time": centres},
            attrs={"units": "Hz", "n_neurons": int(p["n_excitatory"]), "bin_s": 1e-3}),
        "complete": bool(info.complete), "completed_fraction": float(info.completed_fraction)}


def figure(data, metrics):
    from .figure import draw
    return draw(data, metrics)


#: Brunel (2000) mean-field solution at the Fig. 8C point (g = 5, ν_ext/ν_thr = 2): rate and CV of
#: the ISIs. The CV (0.675) assumes Poisson presynaptic trains; the network's own trains are more
#: regular (CV ≈ 0.4), which independent simulators reproduce (see the README).
AI_THEORY_RATE_HZ = 37.95
AI_THEORY_CV = 0.675

CHECKS = (
    Check("AI state: CV of ISIs within [0.30, 0.55]", "cv_AI", "abs", 0.425, 0.125,
          source="peer runs of the same network: NEST 3.10 brunel_delta_nest.py with fixed in-degree "
                 "and no multapses 0.406 (0.427 with multapses), Brian2 frompapers/Brunel_2000.py 0.395; "
                 f"Brunel 2000's theory ({AI_THEORY_CV}) assumes Poisson input"),
    Check("AI state: rate within 5 % of Brunel's theory", "rate_AI_Hz", "rel", AI_THEORY_RATE_HZ, 0.05,
          source="Brunel 2000, mean-field rate at g = 5, ν_ext/ν_thr = 2 (37.95 Hz); peer runs "
                 "37.3-38.2 Hz (NEST 3.10, Brian2 frompapers/Brunel_2000)"),
    Check("AI state is asynchronous", "synchrony_AI", "<", 0.2,
          source="Brunel 2000 Fig. 8C (stationary global activity); χ ≈ 1/sqrt(N) when asynchronous "
                 "(Golomb 2007)"),
    Check("SR state is synchronous", "synchrony_SR", ">", 0.5,
          source="Brunel 2000 Fig. 8A (strongly oscillating global activity)"),
)

MODEL = Model(
    name="brunel_2000",
    title="Sparsely connected E/I network: SR, AI, SI fast and SI slow states",
    reference="Brunel N (2000) J Comput Neurosci 8:183–208",
    parameters=PARAMETERS,
    simulate=simulate,
    checks=CHECKS,
    figure=figure,
    description=("N_E excitatory and N_I = γ N_E inhibitory LIF neurons with delta synapses, fixed "
                 "in-degree C_E and C_I = γ C_E, inhibitory weight g J, and C_E external "
                 "Poisson inputs at ν_ext each, ν_thr = θ / (J C_E τ). Each state is one run."),
    default_target="cpp_standalone",
)
