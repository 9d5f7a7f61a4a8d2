"""Balanced spiking networks that learn a linear dynamical system (Bourdoukan & Denève 2015).

The target is ``dx/dt = A x + c(t)`` (:class:`LinearSystem`). N integrate-and-fire neurons with
encoding weights ``F`` (rows ``F_i``, |F_i| fixed) represent ``x̂ = Fᵀ r``; each neuron's voltage
is, in the balanced regime, its share of the coding error minus a cost,
``V_i = F_i·(x - x̂) - μ r_i``. The voltage obeys::

    dV_i/dt = -λ_V V_i + F_i·c(t) + Σ_k Ωs_ik r_k + K g(t) F_i·(x - x̂) + σ √(2λ_V) ξ_i
              + Σ_k Ωf_ik o_k(t)                      (fast connections, k ≠ i)
    V_i > T_i = (|F_i|² + μ)/2   →   V_i -= |F_i|² + μ,  r_i += 1        (dr/dt = -λ r)

The error ``x - x̂`` is computed by a one-unit readout group and fed back while ``g(t) = 1``
(learning); autonomous test windows switch it off. Everything that changes over a session
(command ``c``, target ``x``, learning and feedback gates) is a ``TimedArray``, so a whole session
(test before, learning with interleaved tests, test after) is **one** ``run()``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from brian2 import (Hz, Network, NeuronGroup, SpikeMonitor, StateMonitor, Synapses, TimedArray,
                    linked_var, ms, second)

from ..errors import SpecError
from ..rules.balanced import FastBalanceRule, SlowErrorRule
from ..units import as_quantity, check_positive

__all__ = ["LinearSystem", "BalancedConfig", "Schedule", "make_schedule", "BalancedNetwork",
           "build_balanced_network", "optimal_fast_weights", "optimal_slow_weights",
           "random_encoders", "NEFPopulation", "NEFConnection", "NEFNetwork", "build_nef_network"]


@dataclasses.dataclass(frozen=True, eq=False)
class LinearSystem:
    """A stable linear dynamical system ``dx/dt = A x + c(t)``.

    Parameters
    ----------
    A : Quantity
        Square matrix in units of ``Hz`` whose eigenvalues all have negative real parts.

    Raises
    ------
    SpecError
        If ``A`` is not square, holds NaN/inf, or is unstable (an eigenvalue with real part >= 0).
    """

    A: object

    def __post_init__(self):
        as_quantity(self.A, Hz, "A")
        a = np.asarray(self.A / Hz, dtype=float)
        if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
            raise SpecError(f"A must be a non-empty square matrix, got shape {a.shape}")
        if not np.all(np.isfinite(a)):
            raise SpecError("A holds NaN or infinite entries")
        eig = np.linalg.eigvals(a)
        if np.max(eig.real) >= 0:
            raise SpecError(f"the target system is unstable: A has an eigenvalue with real part "
                            f"{np.max(eig.real):.3g} Hz >= 0 (eigenvalues {np.round(eig, 3)}); "
                            "the network can only learn a stable system")

    @property
    def matrix(self) -> np.ndarray:
        """``A`` in Hz as a plain array."""
        return np.asarray(self.A / Hz, dtype=float)

    @property
    def dimension(self) -> int:
        return self.matrix.shape[0]

    @classmethod
    def damped_oscillator(cls, frequency=1.0 * Hz, damping=3.0 * Hz) -> "LinearSystem":
        """2-D damped oscillator: eigenvalues ``-damping ± 2πi·frequency``."""
        w = 2 * np.pi * float(frequency / Hz)
        d = float(damping / Hz)
        return cls(np.array([[-d, -w], [w, -d]]) * Hz)

    def integrate(self, command: np.ndarray, dt, x0=None) -> np.ndarray:
        """Exact zero-order-hold integration of ``dx/dt = A x + c``; ``command`` is (T, J) in Hz."""
        from scipy.linalg import expm

        c = np.asarray(command, dtype=float)
        if c.ndim != 2 or c.shape[1] != self.dimension:
            raise SpecError(f"command must have shape (T, {self.dimension}), got {c.shape}")
        h = float(dt / second)
        a = self.matrix
        ea = expm(a * h)
        b = np.linalg.solve(a, ea - np.eye(self.dimension))
        x = np.zeros_like(c)
        state = np.zeros(self.dimension) if x0 is None else np.asarray(x0, dtype=float)
        for n in range(c.shape[0]):
            x[n] = state
            state = ea @ state + b @ c[n]
        return x


def random_encoders(n_neurons: int, dimension: int, norm: float, rng) -> np.ndarray:
    """Encoders of equal norm; in 2-D evenly spread angles with a random offset, else random."""
    if dimension == 2:
        angles = rng.uniform(0, 2 * np.pi) + 2 * np.pi * np.arange(n_neurons) / n_neurons
        rng.shuffle(angles)
        f = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    else:
        f = rng.standard_normal((n_neurons, dimension))
        f /= np.linalg.norm(f, axis=1, keepdims=True)
    return norm * f


def optimal_fast_weights(encoders: np.ndarray) -> np.ndarray:
    """``Ωf = -F Fᵀ`` with a zero diagonal (the diagonal is the reset)."""
    w = -encoders @ encoders.T
    np.fill_diagonal(w, 0.0)
    return w


def optimal_slow_weights(encoders: np.ndarray, system: LinearSystem, leak=10 * Hz) -> np.ndarray:
    """``Ωs = F (A + λI) Fᵀ`` in Hz (as a plain array)."""
    lam = float(leak / Hz)
    return encoders @ (system.matrix + lam * np.eye(system.dimension)) @ encoders.T


@dataclasses.dataclass(frozen=True)
class BalancedConfig:
    """Parameters of the fast/slow network (defaults from the feasibility study in FACTS.md).

    Parameters
    ----------
    n_neurons : int
    encoder_norm : float
        ``|F_i|`` (0.1).
    leak : Quantity
        ``λ = λ_V`` of rates and voltages (10 Hz).
    cost : float or None
        Quadratic firing cost ``μ``; None means ``|F|²`` (raises threshold and reset).
    noise : float
        Stationary standard deviation of the voltage noise, as a fraction of the threshold.
    feedback_gain : Quantity
        ``K`` of the fed-back error current (Hz).
    fast : str
        ``"optimal"`` (fixed at ``-FFᵀ``), ``"learned"`` (start from ``fast_init`` and learn with
        ``fast_rule``) or ``"none"``.
    fast_init : float
        Scale of the initial fast weights for ``"learned"`` as a fraction of the optimum
        (0 = no fast connections at the start).
    tau_balance : Quantity
        Filter of the fast inputs when excitation and inhibition are measured.
    """

    n_neurons: int = 50
    encoder_norm: float = 0.1
    leak: object = dataclasses.field(default_factory=lambda: 10 * Hz)
    cost: float | None = None
    noise: float = 0.3
    feedback_gain: object = dataclasses.field(default_factory=lambda: 100 * Hz)
    fast: str = "optimal"
    fast_init: float = 0.0
    slow_rule: SlowErrorRule = dataclasses.field(default_factory=SlowErrorRule)
    fast_rule: FastBalanceRule = dataclasses.field(default_factory=FastBalanceRule)
    tau_balance: object = dataclasses.field(default_factory=lambda: 5 * ms)
    accumulate_every: object = dataclasses.field(default_factory=lambda: 1 * ms)

    def __post_init__(self):
        if not isinstance(self.n_neurons, (int, np.integer)) or self.n_neurons < 2:
            raise SpecError(f"n_neurons must be an integer >= 2, got {self.n_neurons!r}")
        check_positive(self.encoder_norm, "encoder_norm")
        as_quantity(self.leak, Hz, "leak")
        check_positive(float(self.leak), "leak")
        if self.cost is not None:
            check_positive(self.cost, "cost", allow_zero=True)
        check_positive(self.noise, "noise", allow_zero=True)
        as_quantity(self.feedback_gain, Hz, "feedback_gain")
        check_positive(float(self.feedback_gain), "feedback_gain", allow_zero=True)
        if self.fast not in ("optimal", "learned", "none"):
            raise SpecError(f"fast must be 'optimal', 'learned' or 'none', got {self.fast!r}")
        as_quantity(self.tau_balance, second, "tau_balance")
        check_positive(float(self.tau_balance), "tau_balance")

    @property
    def mu(self) -> float:
        return self.encoder_norm ** 2 if self.cost is None else float(self.cost)

    @property
    def threshold(self) -> float:
        return (self.encoder_norm ** 2 + self.mu) / 2


@dataclasses.dataclass(frozen=True, eq=False)
class Schedule:
    """Inputs of one session, sampled every ``dt``: command ``c`` (T, J, Hz), target ``x`` (T, J),
    and gates per step (``learn_slow``, ``learn_fast``, ``feedback``, ``test`` window id or -1)."""

    dt: object
    command: np.ndarray
    target: np.ndarray
    learn_slow: np.ndarray
    learn_fast: np.ndarray
    feedback: np.ndarray
    window: np.ndarray

    @property
    def duration(self):
        return self.command.shape[0] * self.dt


def _smooth_noise(n_steps, dimension, dt_s, tau_s, rng):
    """Ornstein-Uhlenbeck noise with unit stationary variance."""
    a = np.exp(-dt_s / tau_s)
    z = rng.standard_normal((n_steps, dimension)) * np.sqrt(1 - a * a)
    out = np.empty_like(z)
    state = rng.standard_normal(dimension)
    for n in range(n_steps):
        state = a * state + z[n]
        out[n] = state
    return out


def make_schedule(system: LinearSystem, n_blocks: int, learn_block, test_block, dt=0.1 * ms,
                  command_std=8 * Hz, command_tau=50 * ms, learn_fast: bool = False,
                  fast_only_blocks: int = 0, fast_blocks: int | None = None,
                  fast_anneal=None, seed: int = 0) -> Schedule:
    """Test window 0 (before learning), then ``n_blocks`` × [learning block, test window].

    The command of the first and of the last test window is the same segment, so that the
    trajectories before and after learning can be compared directly. With ``learn_fast`` the fast
    weights learn in the first ``fast_blocks`` learning blocks (all by default); the first
    ``fast_only_blocks`` blocks learn only them. ``fast_anneal`` (a time) scales the fast learning
    gate by ``1 / (1 + t_learn / fast_anneal)``, ``t_learn`` being the learning time so far.
    """
    if n_blocks < 1:
        raise SpecError(f"n_blocks must be >= 1, got {n_blocks}")
    rng = np.random.default_rng(seed)
    dt_s = float(dt / second)
    n_learn = int(round(float(learn_block / second) / dt_s))
    n_test = int(round(float(test_block / second) / dt_s))
    total = n_test + n_blocks * (n_learn + n_test)
    j = system.dimension
    c = _smooth_noise(total, j, dt_s, float(command_tau / second), rng) * float(command_std / Hz)
    c[total - n_test:] = c[:n_test]  # same command before and after learning
    learn_slow = np.zeros(total)
    learn_f = np.zeros(total)
    feedback = np.zeros(total)
    window = -np.ones(total, dtype=int)
    window[:n_test] = 0
    pos = n_test
    for b in range(n_blocks):
        learn_slow[pos:pos + n_learn] = 0.0 if b < fast_only_blocks else 1.0
        if learn_fast and (fast_blocks is None or b < fast_blocks):
            gate = np.ones(n_learn)
            if fast_anneal is not None:
                t_learn = (b * n_learn + np.arange(n_learn)) * dt_s
                gate = 1.0 / (1.0 + t_learn / float(fast_anneal / second))
            learn_f[pos:pos + n_learn] = gate
        feedback[pos:pos + n_learn] = 1.0
        pos += n_learn
        window[pos:pos + n_test] = b + 1
        pos += n_test
    x = system.integrate(c, dt)
    # the last test window restarts the system from the state the network is asked to hold
    return Schedule(dt, c, x, learn_slow, learn_f, feedback, window)


@dataclasses.dataclass
class BalancedNetwork:
    """Named Brian2 objects of a built fast/slow network and the explicit ``Network``."""

    network: Network
    neurons: NeuronGroup
    readout: NeuronGroup
    fast: Synapses
    slow: Synapses
    decode: Synapses
    spikes: SpikeMonitor
    readout_monitor: StateMonitor
    balance_monitor: StateMonitor
    namespace: dict
    encoders: np.ndarray
    config: BalancedConfig


_NEURON_EQS = """
dv/dt = -lambda_v*v + Iff + Islow + Ierr + sigma_v*sqrt(2*lambda_v)*xi : 1
Iff = {iff} : Hz
err : 1
Ierr = K_fb*feedback(t)*err : Hz
Islow = Islow_exc - Islow_inh : Hz
Islow_exc : Hz
Islow_inh : Hz
dr/dt = -lambda_d*r : 1
dfexc/dt = -fexc/tau_balance : Hz
dfinh/dt = -finh/tau_balance : Hz
exc = (fexc + clip(Iff, 0*Hz, inf*Hz) + Islow_exc + clip(Ierr, 0*Hz, inf*Hz))/Hz : 1
inh = (finh + clip(-Iff, 0*Hz, inf*Hz) + Islow_inh + clip(-Ierr, 0*Hz, inf*Hz))/Hz : 1
theta : 1 (constant)
mu : 1 (constant)
acc_e : 1
acc_i : 1
acc_ee : 1
acc_ii : 1
acc_ei : 1
acc_n : 1
"""


def build_balanced_network(config: BalancedConfig, system: LinearSystem, schedule: Schedule,
                           seed: int = 0, encoders: np.ndarray | None = None,
                           initial_slow: np.ndarray | None = None,
                           initial_fast: np.ndarray | None = None,
                           record_every=1 * ms, name: str = "balanced") -> BalancedNetwork:
    """Build the fast/slow network for ``system`` driven by ``schedule``.

    Raises
    ------
    SpecError
        If the schedule's dimension differs from the system's, or encoders/initial weights have
        the wrong shape or hold NaN.
    """
    j = system.dimension
    n = config.n_neurons
    if schedule.command.shape[1] != j or schedule.target.shape[1] != j:
        raise SpecError(f"the schedule is {schedule.command.shape[1]}-dimensional but the target "
                        f"system is {j}-dimensional")
    rng = np.random.default_rng(seed)
    f = random_encoders(n, j, config.encoder_norm, rng) if encoders is None else np.asarray(encoders, float)
    if f.shape != (n, j) or not np.all(np.isfinite(f)):
        raise SpecError(f"encoders must be a finite ({n}, {j}) array, got shape {f.shape}")
    for label, w in (("initial_slow", initial_slow), ("initial_fast", initial_fast)):
        if w is not None and (np.shape(w) != (n, n) or not np.all(np.isfinite(w))):
            raise SpecError(f"{label} must be a finite ({n}, {n}) array")

    dt = schedule.dt
    iff = " + ".join(f"F{d}*c_in(t, {d})" for d in range(j))
    err = " + ".join(f"F{d}*(x_in(t, {d}) - xhat{d})" for d in range(j))
    eqs = _NEURON_EQS.format(iff=iff)
    eqs += "".join(f"F{d} : 1 (constant)\nxhat{d} : 1 (linked)\n" for d in range(j))
    neurons = NeuronGroup(n, eqs, threshold="v > theta", reset="v -= 2*theta\nr += 1",
                          method="euler", name=f"{name}_neurons")
    for d in range(j):
        setattr(neurons, f"F{d}", f[:, d])
    neurons.theta = config.threshold
    neurons.mu = config.mu
    neurons.run_regularly(f"err = {err}", dt=dt, when="start", name=f"{name}_error")
    neurons.run_regularly("acc_e += exc\nacc_i += inh\nacc_ee += exc*exc\nacc_ii += inh*inh\n"
                          "acc_ei += exc*inh\nacc_n += 1", dt=config.accumulate_every,
                          when="end", name=f"{name}_accumulate")

    readout = NeuronGroup(1, "".join(f"xhat{d} : 1\n" for d in range(j)), name=f"{name}_readout")
    decode = Synapses(neurons, readout, "".join(f"xhat{d}_post = F{d}_pre*r_pre : 1 (summed)\n"
                                                  for d in range(j)), name=f"{name}_decode")
    decode.connect(i=np.arange(n), j=np.zeros(n, dtype=int))
    for d in range(j):
        setattr(neurons, f"xhat{d}", linked_var(readout, f"xhat{d}", index=np.zeros(n, dtype=int)))

    slow_rule, fast_rule = config.slow_rule, config.fast_rule
    slow = Synapses(neurons, neurons, slow_rule.model(), name=f"{name}_slow")
    pre, post = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    pre, post = pre.ravel(), post.ravel()
    slow.connect(i=pre, j=post)  # explicit order: arrays can be set on every target
    w0 = np.zeros((n, n)) if initial_slow is None else np.asarray(initial_slow, float)
    slow.ws = w0[post, pre] * Hz  # matrices are (post, pre)
    slow.run_regularly(slow_rule.update(), dt=slow_rule.update_interval, when="end",
                       name=f"{name}_slow_learning")

    fast = Synapses(neurons, neurons, fast_rule.model(), on_pre=fast_rule.on_pre(), name=f"{name}_fast")
    off = pre != post
    fast.connect(i=pre[off], j=post[off])
    if initial_fast is not None:
        wf = np.asarray(initial_fast, float)
    elif config.fast == "optimal":
        wf = optimal_fast_weights(f)
    elif config.fast == "learned":
        wf = config.fast_init * optimal_fast_weights(f)
    else:
        wf = np.zeros((n, n))
    fast.Omega = wf[post[off], pre[off]]

    spikes = SpikeMonitor(neurons, name=f"{name}_spikes")
    readout_monitor = StateMonitor(readout, [f"xhat{d}" for d in range(j)], record=0,
                                   dt=record_every, name=f"{name}_readout_monitor")
    balance_monitor = StateMonitor(neurons, ["acc_e", "acc_i", "acc_ee", "acc_ii", "acc_ei", "acc_n"],
                                   record=True, dt=_window_length(schedule),
                                   when="end", order=10, name=f"{name}_balance_monitor")
    gate_dt = dt
    namespace = {
        "lambda_v": config.leak, "lambda_d": config.leak, "K_fb": config.feedback_gain,
        "sigma_v": config.noise * config.threshold, "tau_balance": config.tau_balance,
        "c_in": TimedArray(schedule.command * Hz, dt=dt, name=f"{name}_c_in"),
        "x_in": TimedArray(schedule.target, dt=dt, name=f"{name}_x_in"),
        "feedback": TimedArray(schedule.feedback, dt=gate_dt, name=f"{name}_feedback"),
        "learn_slow": TimedArray(schedule.learn_slow, dt=gate_dt, name=f"{name}_learn_slow"),
        "learn_fast": TimedArray(schedule.learn_fast if config.fast == "learned"
                                 else np.zeros(1), dt=gate_dt, name=f"{name}_learn_fast"),
    }
    namespace.update(slow_rule.namespace())
    namespace.update(fast_rule.namespace())
    network = Network(neurons, readout, decode, slow, fast, spikes, readout_monitor, balance_monitor,
                      name=f"{name}_network")
    return BalancedNetwork(network, neurons, readout, fast, slow, decode, spikes, readout_monitor,
                           balance_monitor, namespace, f, config)


def _window_length(schedule: Schedule):
    """Shortest run of equal window ids (test windows and learning blocks), as the monitor period."""
    w = schedule.window
    changes = np.flatnonzero(np.diff(w) != 0) + 1
    edges = np.concatenate([[0], changes, [w.size]])
    return int(np.min(np.diff(edges))) * schedule.dt


# ---------------------------------------------------------------------------------------------
# NEF-style LIF networks (communication channel, integrator) and their Dale versions
# (Parisien, Anderson & Eliasmith 2008). Weights come from cortexlearn.reference.nef and
# cortexlearn.dale; this builder only turns matrices into Brian2 objects.

@dataclasses.dataclass(frozen=True, eq=False)
class NEFPopulation:
    """LIF population in normalised units: ``τ_RC dv/dt = J - v``, threshold 1, reset 0.

    ``J = bias + input_gain · u(t) + I_fast + I_slow``; ``input_gain`` (N,) or None.
    """

    name: str
    gain: np.ndarray
    bias: np.ndarray
    input_gain: np.ndarray | None = None
    input_index: int = 0
    tau_rc: float = 0.02
    tau_ref: float = 0.002

    @property
    def n(self) -> int:
        return int(np.size(self.bias))


@dataclasses.dataclass(frozen=True, eq=False)
class NEFConnection:
    """Dense connection (post x pre weights, current·s per spike). ``kind`` ``"E"``/``"I"``: weights
    are non-negative magnitudes and the sign comes from the kind; ``"mixed"``: signed weights."""

    pre: str
    post: str
    weights: np.ndarray
    kind: str = "mixed"
    channel: str = "fast"

    def __post_init__(self):
        w = np.asarray(self.weights, dtype=float)
        if not np.all(np.isfinite(w)):
            raise SpecError(f"connection {self.pre}->{self.post}: weights hold NaN or inf")
        if self.kind not in ("E", "I", "mixed"):
            raise SpecError(f"connection kind must be 'E', 'I' or 'mixed', got {self.kind!r}")
        if self.kind != "mixed" and np.any(w < 0):
            raise SpecError(f"connection {self.pre}->{self.post} of kind {self.kind}: weights are "
                            "non-negative magnitudes (Dale's law)")
        if self.channel not in ("fast", "slow"):
            raise SpecError(f"channel must be 'fast' or 'slow', got {self.channel!r}")


@dataclasses.dataclass
class NEFNetwork:
    network: Network
    groups: dict
    synapses: dict
    spike_monitors: dict
    namespace: dict


_NEF_EQS = """
dv/dt = (J - v)/tau_rc : 1 (unless refractory)
J = bias + input_gain*u_in(t, input_index) + I_fast + I_slow : 1
dI_fast/dt = -I_fast/tau_fast : 1
dI_slow/dt = -I_slow/tau_slow : 1
bias : 1 (constant)
input_gain : 1 (constant)
input_index : integer (constant)
tau_rc : second (constant)
tau_ref : second (constant)
"""


def build_nef_network(populations, connections, input_signal, dt, tau_fast=5 * ms, tau_slow=100 * ms,
                      name: str = "nef", seed: int = 0) -> NEFNetwork:
    """Build LIF populations and dense connections driven by ``input_signal`` (T, K): population
    ``p`` receives ``p.input_gain · input_signal[:, p.input_index]``.

    Raises
    ------
    SpecError
        Unknown population names, duplicate names, or weight shapes that do not match.
    """
    pops = {p.name: p for p in populations}
    if len(pops) != len(populations):
        raise SpecError("population names must be unique")
    rng = np.random.default_rng(seed)
    groups, synapses, monitors = {}, {}, {}
    for p in populations:
        g = NeuronGroup(p.n, _NEF_EQS, threshold="v > 1", reset="v = 0", refractory="tau_ref",
                        method="exact", name=f"{name}_{p.name}")
        g.bias = np.asarray(p.bias, dtype=float)
        g.input_gain = np.zeros(p.n) if p.input_gain is None else np.asarray(p.input_gain, dtype=float)
        g.input_index = int(p.input_index)
        g.tau_rc = p.tau_rc * second
        g.tau_ref = p.tau_ref * second
        g.v = rng.uniform(0, 1, p.n)
        groups[p.name] = g
        monitors[p.name] = SpikeMonitor(g, name=f"{name}_{p.name}_spikes")
    for c in connections:
        if c.pre not in pops or c.post not in pops:
            raise SpecError(f"connection {c.pre}->{c.post}: unknown population")
        w = np.asarray(c.weights, dtype=float)
        if w.shape != (pops[c.post].n, pops[c.pre].n):
            raise SpecError(f"connection {c.pre}->{c.post}: weights {w.shape}, expected "
                            f"({pops[c.post].n}, {pops[c.pre].n})")
        sign = "-" if c.kind == "I" else "+"
        tau = "tau_fast" if c.channel == "fast" else "tau_slow"
        syn = Synapses(groups[c.pre], groups[c.post], "w : 1",
                       on_pre=f"I_{c.channel}_post {sign}= w*(second/{tau})",
                       name=f"{name}_{c.pre}_to_{c.post}")
        pre, post = np.meshgrid(np.arange(pops[c.pre].n), np.arange(pops[c.post].n), indexing="ij")
        syn.connect(i=pre.ravel(), j=post.ravel())
        syn.w = w[post.ravel(), pre.ravel()]
        synapses[(c.pre, c.post)] = syn
    u = np.asarray(input_signal, dtype=float)
    u = u[:, None] if u.ndim == 1 else u
    if any(p.input_index >= u.shape[1] or p.input_index < 0 for p in populations):
        raise SpecError(f"an input_index is outside the {u.shape[1]} input channels")
    namespace = {"u_in": TimedArray(u, dt=dt, name=f"{name}_u_in"),
                 "tau_fast": tau_fast, "tau_slow": tau_slow}
    network = Network(*groups.values(), *synapses.values(), *monitors.values(), name=f"{name}_network")
    return NEFNetwork(network, groups, synapses, monitors, namespace)
