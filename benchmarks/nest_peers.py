"""NEST 3.10 as an independent peer: the same networks as cortexlearn's, built in NEST.

Two networks, each a function that takes plain arrays (so both simulators get the very same input,
target and initial weights) and returns what it measured plus the CPU seconds of set-up and of
simulation, one thread:

- :func:`eprop_nest`: e-prop pattern generation (Bellec et al. 2020, Fig. 2) with NEST's
  ``eprop_iaf_bsshslm_2020`` / ``eprop_iaf_adapt_bsshslm_2020`` recurrent neurons, an
  ``eprop_readout_bsshslm_2020`` readout, per-trial Adam (``eprop_synapse_bsshslm_2020``) and the
  firing-rate regulariser, wired as NEST's example
  ``eprop_supervised_regression_sine-waves_bsshslm_2020.py`` wires it (generators, parrot
  neurons, one-step delays, state reset at every update).
- :func:`brunel_nest`: Brunel (2000) network of ``iaf_psc_delta`` neurons with a fixed in-degree
  and no multapses (as NEST's ``brunel_delta_nest.py``).
- :func:`brunel_plastic_nest`: the plastic Brunel network of the SNNSimulatorComparison benchmark
  (``Benchmarks/Brunel``: NEST's Brunel example with weight-dependent STDP on E→E, the network
  of Zenke & Gerstner 2014, Front Neuroinform 8:76), on the connectivity that
  :func:`plastic_brunel_connectivity` draws, so that both simulators get the same synapses.

Units are mapped so that the equations are cortexlearn's: membrane potentials in units of the
threshold (``V_th = 1 mV``, ``E_L = 0``), delta synapses that add the weight to the potential
(``regular_spike_arrival``), the pseudo-derivative :math:`\\gamma/v_{th}\\max(0, 1-|v-v_{th}|/v_{th})`,
:math:`\\kappa = e^{-\\Delta t/\\tau_{out}}`. NEST filters the eligibility trace with
:math:`1-\\kappa` and counts rates in spikes per step, so cortexlearn's regulariser coefficient
:math:`c_{reg}` becomes :math:`c_{reg}(1-\\kappa)/(f_0\\Delta t)^2` (the derivation is in
:mod:`cortexlearn.rules.eprop`); Adam is invariant to the common factor :math:`1-\\kappa`.
What remains different is where a spike and the reset meet the leak (NEST adds them after the
decay of a step, Brian2 and cortexlearn's NumPy reference before it) and NEST's one-step delays
along generator, parrot, recurrent and readout neurons: the untrained networks' NMSE agree within
~1 %, not to the last digit, so the comparison is statistical (scaling NEST's input and recurrent
weights by :math:`e^{-\\Delta t/\\tau_m}` to match the arrival was tried: it changed NEST's final NMSE
by < 8 % and left the seed-to-seed differences as they were).
"""

from __future__ import annotations

import importlib.util
import resource
import time

import numpy as np

__all__ = ["nest_available", "eprop_nest", "eprop_cortexlearn", "eprop_task", "brunel_nest", "nest_c_reg",
           "PLASTIC_BRUNEL", "plastic_brunel_sizes", "plastic_brunel_connectivity", "brunel_plastic_nest",
           "pending_facilitation"]

#: The plastic Brunel network of SNNSimulatorComparison (Benchmarks/Brunel, the NEST, Brian2 and
#: Auryn versions agree): 8,000 E + 2,000 I ``iaf_psc_delta`` neurons (tau_m 20 ms, threshold
#: 20 mV, reset 0 mV, refractory 2 ms, V(0) = 0), each pair connected with probability 0.1,
#: J = 0.1 mV, inhibition -g J with g = 5, delay 1.5 ms, an independent 20-kHz Poisson input of
#: J on every neuron, dt 0.1 ms; E→E weight-dependent STDP (NEST ``stdp_synapse_hom``, Auryn
#: ``STDPwdConnection``): at a postsynaptic spike w += lambda (w_max - w) x_pre, at a presynaptic
#: spike w -= lambda alpha w y_post, tau_+ = tau_- = 20 ms, lambda = 0.01, alpha = 2.02,
#: w_max = 3 J (Zenke & Gerstner 2014, Front Neuroinform 8:76; Morrison et al. 2007, Neural
#: Comput 19:1437).
PLASTIC_BRUNEL = {"n_excitatory": 8000, "n_inhibitory": 2000, "p": 0.1, "j_mv": 0.1, "g": 5.0,
                  "delay_ms": 1.5, "tau_m_ms": 20.0, "theta_mv": 20.0, "v_reset_mv": 0.0, "t_ref_ms": 2.0,
                  "nu_ext_hz": 20000.0, "tau_plus_ms": 20.0, "tau_minus_ms": 20.0, "lam": 0.01,
                  "alpha": 2.02, "w_max_mv": 0.3, "dt_ms": 0.1}


def plastic_brunel_sizes(scale: float) -> tuple[int, int]:
    """Excitatory and inhibitory population sizes at ``scale`` (1: the published 8,000 + 2,000).

    The connection probability stays 0.1 at every scale (the in-degree is the same fraction of
    each population), so a smaller network has proportionally fewer synapses per neuron.
    """
    if not 0 < scale <= 1:
        raise ValueError(f"scale must lie in (0, 1], got {scale!r}")
    n_e = max(4, int(round(PLASTIC_BRUNEL["n_excitatory"] * scale)))
    return n_e, max(1, n_e // 4)


def plastic_brunel_connectivity(n_excitatory: int, n_inhibitory: int, p: float = 0.1,
                                seed: int = 1) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Connections of the plastic Brunel network: each pair with probability ``p``, no autapses.

    Parameters
    ----------
    n_excitatory, n_inhibitory : int
    p : float
        Connection probability (Erdős–Rényi; the benchmark's ``sparseness``).
    seed : int

    Returns
    -------
    dict
        ``{"EE", "EI", "IE", "II"}`` (pre-post populations) to ``(i, j)``: presynaptic and
        postsynaptic indices within their populations, sorted by target then source.
    """
    rng = np.random.default_rng([20000, int(seed)])
    sizes = {"E": n_excitatory, "I": n_inhibitory}
    out = {}
    for key in ("EE", "EI", "IE", "II"):
        n_pre, n_post = sizes[key[0]], sizes[key[1]]
        same = key[0] == key[1]
        counts = rng.binomial(n_pre - 1 if same else n_pre, p, size=n_post)
        pre = np.empty(int(counts.sum()), dtype=np.int64)
        at = 0
        for j, k in enumerate(counts):
            chosen = np.sort(rng.choice(n_pre - 1 if same else n_pre, size=int(k), replace=False))
            if same:
                chosen[chosen >= j] += 1
            pre[at:at + k] = chosen
            at += k
        out[key] = (pre, np.repeat(np.arange(n_post, dtype=np.int64), counts))
    return out



def nest_available() -> bool:
    """Whether NEST (``nest-simulator``, the ``peers`` extra) can be imported."""
    return importlib.util.find_spec("nest") is not None


def nest_c_reg(c_reg: float, target_rate_hz: float, dt_s: float, kappa: float) -> float:
    """cortexlearn's regulariser coefficient in NEST's units (see the module docstring)."""
    return float(c_reg) * (1.0 - kappa) / (target_rate_hz * dt_s) ** 2


def eprop_task(seed: int, n_inputs: int = 100, n_recurrent: int = 100, n_steps: int = 1000) -> dict:
    """The pattern-generation task of ``bellec_2020_pattern_generation`` (its default scales) for
    one seed, without input spikes in the first step of a trial (see :func:`eprop_nest`)."""
    from cortexlearn.models.bellec_2020_pattern_generation.units import make_task

    task = make_task(seed, n_inputs, n_recurrent, n_steps, 1e-3, 50.0, 0.8, 0.8, 0.3)
    task["spikes"][0] = False
    return task


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def eprop_cortexlearn(tasks: list, iterations: int, directory: str, *, neuron: str = "lif",
                      learning_rate: float = 3e-3, c_reg: float = 0.0, target_rate_hz: float = 10.0,
                      target: str = "cpp_standalone") -> list[dict]:
    """Train cortexlearn's e-prop network on each task (same sizes): one build, then re-runs with
    each task's input, target and weights. Returns per task what :func:`eprop_nest` returns
    (``setup_cpu_s`` is the build's wall time, in the first entry; ``sim_cpu_s`` the program's CPU
    seconds, for the re-runs only, as the first run's child processes include the compiler)."""
    from brian2 import Hz, ms

    from cortexlearn.build.recurrent import build_recurrent_network
    from cortexlearn.models.bellec_2020_pattern_generation.units import _flat
    from cortexlearn.rules.eprop import EProp
    from cortexlearn.simulation import Simulation

    rule = EProp(neuron=neuron, tau_membrane=30 * ms, tau_adaptation=200 * ms, tau_readout=20 * ms,
                 beta=0.2, learning_rate_input=learning_rate, learning_rate_recurrent=learning_rate,
                 learning_rate_readout=learning_rate, reg_strength=c_reg, target_rate=target_rate_hz * Hz)
    results = []
    with Simulation(target=target, dt=1 * ms, directory=directory, seed=0) as sim:
        for k, task in enumerate(tasks):
            cpu = _children_cpu()
            if k == 0:
                net = build_recurrent_network(rule, task["spikes"], task["target"], task["in"], task["rec"],
                                              task["out"], task["feedback"], trial_duration=1000 * ms,
                                              record_output=False, name="eprop")
                info = sim.run(net.network, net.duration(iterations), namespace=net.namespace)
            else:
                info = sim.rerun(run_args={
                    net.input_synapses.w: _flat("in", task), net.recurrent_synapses.w: _flat("rec", task),
                    net.readout_synapses.w: _flat("out", task), net.readout_synapses.B: _flat("feedback", task),
                    net.namespace["eprop_pattern"]: task["spikes"].astype(float),
                    net.namespace["eprop_target"]: task["target"]})
            cpu = _children_cpu() - cpu
            n_rec = task["in"].shape[0]
            counts = np.asarray(net.count_monitor.count)[:, 1:]
            results.append({"nmse": net.trial_nmse(float(np.var(task["target"]))),
                            "rate_hz": counts.mean(axis=0) / (len(task["spikes"]) * 1e-3),
                            "setup_cpu_s": info.build_time, "sim_wall_s": info.wall_time,
                            "sim_cpu_s": cpu if k and target.endswith("standalone") else None,
                            "n_synapses": n_rec * (task["in"].shape[1] + n_rec - 1)})
    return results


def _quiet_nest():
    import nest

    if hasattr(nest, "VerbosityLevel"):
        nest.verbosity = nest.VerbosityLevel.ERROR
    else:  # pragma: no cover - NEST < 3.9
        nest.set_verbosity("M_ERROR")
    return nest


def eprop_nest(spikes, target, w_in, w_rec, w_out, feedback, iterations: int, *, neuron: str = "lif",
               tau_membrane_ms: float = 30.0, tau_readout_ms: float = 20.0,
               tau_adaptation_ms: float = 200.0, beta: float = 0.2, gamma: float = 0.3,
               learning_rate: float = 3e-3, c_reg: float = 0.0, target_rate_hz: float = 10.0,
               dt_ms: float = 1.0, threads: int = 1) -> dict:
    """Train the pattern-generation network in NEST; return NMSE and rate per iteration.

    Parameters
    ----------
    spikes : bool array (n_steps, n_in)
        The frozen input of one trial (a spike in step 0 is not representable in NEST's
        generator timing and must be absent).
    target : array (n_steps,) or (n_steps, 1)
    w_in, w_rec, w_out, feedback : arrays (n_rec, n_in), (n_rec, n_rec), (1, n_rec), (n_rec, 1)
        cortexlearn's layout; the diagonal of ``w_rec`` is ignored (no autapses).
    c_reg : float
        cortexlearn's regulariser coefficient (converted by :func:`nest_c_reg`).

    Returns
    -------
    dict with ``nmse`` (iterations,), ``rate_hz`` (iterations,) mean rate of the recurrent
    neurons, ``setup_cpu_s`` (network creation and connection) and ``sim_cpu_s`` (``Simulate``).
    """
    spikes = np.asarray(spikes, dtype=bool)
    target = np.asarray(target, dtype=float).reshape(len(spikes))
    if spikes[0].any():
        raise ValueError("input spikes in step 0 cannot be given to NEST's generators here")
    n_steps, n_in = spikes.shape
    n_rec = w_in.shape[0]
    nest = _quiet_nest()
    t0 = time.process_time()
    nest.ResetKernel()
    seq = n_steps * dt_ms
    task = iterations * seq
    offset_gen, delays = 1, 3  # generator start; input->rec, rec->out, readout->error chain
    total_offset = (offset_gen + delays) * dt_ms
    nest.set(resolution=dt_ms, local_num_threads=threads, print_time=False,
             eprop_update_interval=seq, eprop_learning_window=seq, eprop_reset_neurons_on_update=True)
    kappa = float(np.exp(-dt_ms / tau_readout_ms))
    rec_params = {"C_m": 1.0, "E_L": 0.0, "I_e": 0.0, "V_m": 0.0, "V_th": 1.0, "t_ref": 0.0,
                  "tau_m": tau_membrane_ms, "regular_spike_arrival": True,
                  "surrogate_gradient_function": "piecewise_linear",
                  "surrogate_gradient_height": gamma, "surrogate_gradient_width": 1.0,
                  "c_reg": nest_c_reg(c_reg, target_rate_hz, dt_ms * 1e-3, kappa),
                  "f_target": target_rate_hz}
    model = "eprop_iaf_bsshslm_2020"
    if neuron == "alif":
        model = "eprop_iaf_adapt_bsshslm_2020"
        rec_params.update(adapt_beta=beta, adapt_tau=tau_adaptation_ms)
    gen_in = nest.Create("spike_generator", n_in)
    parrots = nest.Create("parrot_neuron", n_in)
    rec = nest.Create(model, n_rec, rec_params)
    out = nest.Create("eprop_readout_bsshslm_2020", 1, {
        "C_m": 1.0, "E_L": 0.0, "I_e": 0.0, "V_m": 0.0, "tau_m": tau_readout_ms,
        "loss": "mean_squared_error", "regular_spike_arrival": True})
    gen_target = nest.Create("step_rate_generator", 1)
    mm = nest.Create("multimeter", {"interval": dt_ms, "record_from": ["readout_signal"],
                                    "start": total_offset, "stop": total_offset + task})
    sr = nest.Create("spike_recorder", {"start": offset_gen * dt_ms, "stop": total_offset + task})
    nest.SetDefaults("eprop_synapse_bsshslm_2020", {
        "optimizer": {"type": "adam", "batch_size": 1, "eta": learning_rate, "beta_1": 0.9,
                      "beta_2": 0.999, "epsilon": 1e-8, "Wmin": -1e6, "Wmax": 1e6},
        "average_gradient": False})
    syn = {"synapse_model": "eprop_synapse_bsshslm_2020", "delay": dt_ms, "tau_m_readout": tau_readout_ms}
    all_to_all = {"rule": "all_to_all", "allow_autapses": False}
    one_to_one = {"rule": "one_to_one"}
    static = {"synapse_model": "static_synapse", "delay": dt_ms}
    w_rec = np.array(w_rec, dtype=float)
    np.fill_diagonal(w_rec, 0.0)
    nest.Connect(gen_in, parrots, one_to_one, static)
    nest.Connect(parrots, rec, all_to_all, {**syn, "weight": np.asarray(w_in, dtype=float)})
    nest.Connect(rec, rec, all_to_all, {**syn, "weight": w_rec})
    nest.Connect(rec, out, all_to_all, {**syn, "weight": np.asarray(w_out, dtype=float)})
    nest.Connect(out, rec, all_to_all, {"synapse_model": "eprop_learning_signal_connection_bsshslm_2020",
                                        "delay": dt_ms, "weight": np.asarray(feedback, dtype=float)})
    nest.Connect(gen_target, out, one_to_one, {"synapse_model": "rate_connection_delayed", "delay": dt_ms,
                                               "receptor_type": 2})
    nest.Connect(mm, out, all_to_all, static)
    nest.Connect(rec, sr, all_to_all, static)
    step_times = np.arange(n_steps) * dt_ms
    starts = np.arange(iterations) * seq + offset_gen * dt_ms
    gen_in.set([{"spike_times": np.concatenate([step_times[spikes[:, i]] + s for s in starts])}
                for i in range(n_in)])
    gen_target.set({"amplitude_times": np.arange(iterations * n_steps) * dt_ms + total_offset,
                    "amplitude_values": np.tile(target, iterations)})
    setup = time.process_time() - t0
    t0 = time.process_time()
    nest.Simulate(total_offset + task + dt_ms)
    sim = time.process_time() - t0
    ev = mm.get("events")
    order = np.argsort(ev["times"], kind="stable")
    y = np.asarray(ev["readout_signal"])[order][: iterations * n_steps].reshape(iterations, n_steps)
    nmse = ((y - target) ** 2).mean(axis=1) / np.var(target)
    times = np.asarray(sr.get("events")["times"])
    trial = np.floor((times - offset_gen * dt_ms) / seq).astype(int)
    counts = np.bincount(trial[(trial >= 0) & (trial < iterations)], minlength=iterations)
    rate = counts / n_rec / (seq * 1e-3)
    return {"nmse": nmse, "rate_hz": rate, "setup_cpu_s": setup, "sim_cpu_s": sim, "output_last": y[-1]}


def brunel_nest(n_excitatory: int, n_inhibitory: int, in_degree_e: int, in_degree_i: int, *,
                duration_ms: float, g: float = 5.0, eta: float = 2.0, j_mv: float = 0.1,
                delay_ms: float = 1.5, tau_m_ms: float = 20.0, theta_mv: float = 20.0,
                v_reset_mv: float = 10.0, t_ref_ms: float = 2.0, dt_ms: float = 0.1,
                seed: int = 1, threads: int = 1) -> dict:
    """Brunel (2000) model A, delta synapses, fixed in-degree without multapses, Poisson drive
    ``eta`` times the threshold rate; return spike count and CPU seconds of set-up and simulation."""
    nest = _quiet_nest()
    t0 = time.process_time()
    nest.ResetKernel()
    nest.set(resolution=dt_ms, local_num_threads=threads, rng_seed=seed, print_time=False)
    params = {"C_m": 1.0, "tau_m": tau_m_ms, "t_ref": t_ref_ms, "E_L": 0.0, "V_reset": v_reset_mv,
              "V_m": 0.0, "V_th": theta_mv}
    nodes_e = nest.Create("iaf_psc_delta", n_excitatory, params)
    nodes_i = nest.Create("iaf_psc_delta", n_inhibitory, params)
    nu_th = theta_mv / (j_mv * in_degree_e * tau_m_ms)
    noise = nest.Create("poisson_generator", params={"rate": eta * nu_th * 1000.0 * in_degree_e})
    rec = nest.Create("spike_recorder")
    allnodes = nodes_e + nodes_i
    nest.Connect(noise, allnodes, syn_spec={"weight": j_mv, "delay": delay_ms})
    nest.Connect(nodes_e, allnodes, {"rule": "fixed_indegree", "indegree": in_degree_e,
                                     "allow_multapses": False},
                 {"weight": j_mv, "delay": delay_ms})
    nest.Connect(nodes_i, allnodes, {"rule": "fixed_indegree", "indegree": in_degree_i,
                                     "allow_multapses": False},
                 {"weight": -g * j_mv, "delay": delay_ms})
    nest.Connect(nodes_e, rec)
    nest.Simulate(dt_ms)  # the first step prepares the kernel: counted as set-up
    setup = time.process_time() - t0
    t0 = time.process_time()
    nest.Simulate(duration_ms)
    sim = time.process_time() - t0
    n = int(rec.get("n_events"))
    return {"spikes_e": n, "rate_e_hz": n / n_excitatory / (duration_ms * 1e-3),
            "setup_cpu_s": setup, "sim_cpu_s": sim}


def brunel_plastic_nest(connectivity: dict, n_excitatory: int, n_inhibitory: int, *, duration_ms: float,
                        seed: int = 1, threads: int = 1, params: dict | None = None) -> dict:
    """The plastic Brunel network (:data:`PLASTIC_BRUNEL`) in NEST, on ``connectivity``.

    Neurons ``iaf_psc_delta``; E→E ``stdp_synapse_hom`` (weight-dependent, mu+ = mu- = 1, as in the
    benchmark); the other projections ``static_synapse``; one ``poisson_generator`` at 20 kHz
    connected to every neuron (an independent train per target); spikes of every neuron recorded.

    Parameters
    ----------
    connectivity : dict
        What :func:`plastic_brunel_connectivity` returns.
    n_excitatory, n_inhibitory : int
    duration_ms : float
        Simulated time after the first step (which prepares NEST's kernel and counts as set-up).
    seed, threads : int
    params : dict, optional
        Overrides of :data:`PLASTIC_BRUNEL`.

    Returns
    -------
    dict
        ``spikes_e``, ``spikes_i`` (counts during ``duration_ms``), ``rate_e_hz``, ``rate_i_hz``,
        ``weights_ee_mv`` (final E→E weights, ordered as ``connectivity["EE"]``), ``setup_cpu_s``,
        ``sim_cpu_s``.
    """
    q = {**PLASTIC_BRUNEL, **(params or {})}
    nest = _quiet_nest()
    t0 = time.process_time()
    nest.ResetKernel()
    dt = q["dt_ms"]
    nest.set(resolution=dt, local_num_threads=threads, rng_seed=seed, print_time=False)
    neuron = {"C_m": 1.0, "tau_m": q["tau_m_ms"], "t_ref": q["t_ref_ms"], "E_L": 0.0, "V_reset": q["v_reset_mv"],
              "V_m": 0.0, "V_th": q["theta_mv"], "tau_minus": q["tau_minus_ms"]}
    nodes_e = nest.Create("iaf_psc_delta", n_excitatory, neuron)
    nodes_i = nest.Create("iaf_psc_delta", n_inhibitory, neuron)
    first = {"E": nodes_e[0].global_id, "I": nodes_i[0].global_id}
    nest.CopyModel("stdp_synapse_hom", "brunel_plastic_ee",
                   {"alpha": q["alpha"], "lambda": q["lam"], "Wmax": q["w_max_mv"], "mu_plus": 1.0,
                    "mu_minus": 1.0, "tau_plus": q["tau_plus_ms"]})
    for key, (pre, post) in connectivity.items():
        weight = q["j_mv"] if key[0] == "E" else -q["g"] * q["j_mv"]
        model = "brunel_plastic_ee" if key == "EE" else "static_synapse"
        nest.Connect(np.asarray(pre, dtype=np.int64) + first[key[0]],
                     np.asarray(post, dtype=np.int64) + first[key[1]], "one_to_one",
                     {"synapse_model": model, "weight": np.full(len(pre), weight),
                      "delay": np.full(len(pre), q["delay_ms"])})
    noise = nest.Create("poisson_generator", params={"rate": q["nu_ext_hz"]})
    nest.Connect(noise, nodes_e + nodes_i, syn_spec={"weight": q["j_mv"], "delay": q["delay_ms"]})
    rec_e = nest.Create("spike_recorder")
    rec_i = nest.Create("spike_recorder")
    nest.Connect(nodes_e, rec_e)
    nest.Connect(nodes_i, rec_i)
    nest.Simulate(dt)  # prepares the kernel: counted as set-up
    setup = time.process_time() - t0
    before_e, before_i = int(rec_e.get("n_events")), int(rec_i.get("n_events"))
    t0 = time.process_time()
    nest.Simulate(duration_ms)
    sim = time.process_time() - t0
    n_e = int(rec_e.get("n_events")) - before_e
    n_i = int(rec_i.get("n_events")) - before_i
    events = rec_e.get("events")
    # read back in blocks of targets: one get() of millions of connections held >8 GB more
    parts = []
    for start in range(0, n_excitatory, 500):
        got = nest.GetConnections(source=nodes_e, target=nodes_e[start:min(start + 500, n_excitatory)]).get(
            ["source", "target", "weight"])
        parts.append(np.array([np.asarray(got[k], dtype=float) for k in ("source", "target", "weight")]))
    src, tgt, weight = np.concatenate(parts, axis=1) if parts else np.zeros((3, 0))
    src = src.astype(np.int64) - first["E"]
    tgt = tgt.astype(np.int64) - first["E"]
    order = np.lexsort((src, tgt))  # by target, then source: the order of the connectivity
    if not (np.array_equal(src[order], connectivity["EE"][0]) and np.array_equal(tgt[order], connectivity["EE"][1])):
        raise RuntimeError("NEST's E->E connections differ from the connectivity it was given")
    stored = weight[order]
    weights = pending_facilitation(stored, *connectivity["EE"], np.asarray(events["senders"]) - first["E"],
                                   np.asarray(events["times"], dtype=float), dt + duration_ms, q)
    seconds = duration_ms * 1e-3
    return {"spikes_e": n_e, "spikes_i": n_i, "rate_e_hz": n_e / n_excitatory / seconds,
            "rate_i_hz": n_i / n_inhibitory / seconds, "weights_ee_mv": weights,
            "weights_ee_stored_mv": stored, "setup_cpu_s": setup, "sim_cpu_s": sim}


def pending_facilitation(weights, pre, post, senders, times, end_ms: float, params: dict | None = None):
    """NEST's E→E weights with the facilitation it still owes at ``end_ms`` applied.

    NEST's ``stdp_synapse`` updates a weight only when a presynaptic spike passes the synapse
    (``stdp_synapse::send``): the facilitation due to the postsynaptic spikes since the last
    presynaptic spike is applied at the next one (Morrison et al. 2007, Neural Comput 19:1437;
    Morrison, Diesmann & Gerstner 2008, Biol Cybern 98:459). The weights NEST reports at the end
    of a run therefore lack it, while cortexlearn's rule applies it at each postsynaptic spike.
    This applies it as NEST would for a presynaptic spike at ``end_ms``: for each postsynaptic
    spike ``t_k`` in ``(t_last - d, end_ms - d]`` (``t_last`` the synapse's last presynaptic spike,
    ``d`` the dendritic delay), in order, ``w += lambda (w_max - w) K+(t_last) exp(-(t_k + d -
    t_last)/tau_+)``, with ``K+(t_last)`` the presynaptic trace just after ``t_last``.

    Parameters
    ----------
    weights : array
        Stored weights (mV), one per synapse in the order of ``pre``, ``post``.
    pre, post : array of int
        Presynaptic and postsynaptic index (within the excitatory population) of each synapse.
    senders, times : arrays
        Every recorded excitatory spike: neuron index (within the population) and time (ms).
    end_ms : float
        The end of the simulation.
    params : dict, optional
        Overrides of :data:`PLASTIC_BRUNEL`.

    Returns
    -------
    ndarray
        The weights (mV).
    """
    q = {**PLASTIC_BRUNEL, **(params or {})}
    tau, d, lam, w_max = q["tau_plus_ms"], q["delay_ms"], q["lam"], q["w_max_mv"]
    pre = np.asarray(pre, dtype=np.int64)
    post = np.asarray(post, dtype=np.int64)
    weights = np.array(weights, dtype=float)
    n = int(max(pre.max(initial=-1), post.max(initial=-1), np.max(senders, initial=-1))) + 1
    order = np.lexsort((times, senders))
    senders, times = np.asarray(senders)[order], np.asarray(times)[order]
    last = np.full(n, -np.inf)
    k_plus = np.zeros(n)
    starts = np.searchsorted(senders, np.arange(n + 1))
    for i in range(n):
        own = times[starts[i]:starts[i + 1]]
        if own.size:
            last[i] = own[-1]
            k_plus[i] = np.exp(-(own[-1] - own) / tau).sum()
    span = end_ms + 10 * d + 1.0  # keys post * span + time sort the spikes by neuron, then time
    keys = senders * span + times
    t_last = last[pre]
    has = np.isfinite(t_last)
    lo = np.searchsorted(keys, post * span + np.where(has, t_last - d, 0.0), side="right")
    hi = np.searchsorted(keys, post * span + (end_ms - d), side="right")
    hi = np.where(has, np.maximum(hi, lo), lo)
    k = 0
    while True:
        active = lo + k < hi
        if not active.any():
            break
        t_post = times[lo[active] + k]
        x = k_plus[pre[active]] * np.exp(-(t_post + d - t_last[active]) / tau)
        w = weights[active]
        weights[active] = np.minimum(w + lam * (w_max - w) * x, w_max)
        k += 1
    return weights
