"""NEF-style LIF networks (communication channel, integrator) and their Dale versions.

Parisien, Anderson & Eliasmith (2008). Weights come from :mod:`cortexlearn.reference.nef` and
:mod:`cortexlearn.dale`; this builder only turns matrices into Brian2 objects.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from brian2 import Network, NeuronGroup, SpikeMonitor, Synapses, TimedArray, ms, second

from ..errors import SpecError

__all__ = ["NEFPopulation", "NEFConnection", "NEFNetwork", "build_nef_network"]


@dataclasses.dataclass(frozen=True, eq=False)
class NEFPopulation:
    """LIF population in normalised units: ``τ_RC dv/dt = J - v``, threshold 1, reset 0.

    ``J = bias + input_gain · u(t) + I_fast + I_slow``; ``input_gain`` (N,) or None.

    Attributes
    ----------
    name : str
        Name of the population (the group is ``{network name}_{name}``).
    gain : ndarray
        Gains (N,) of ``J = gain e·x + bias`` (:mod:`cortexlearn.reference.nef`); kept with the
        population, not read by this builder (``input_gain`` carries the input's gain).
    bias : ndarray
        Bias currents (N,), in units of the threshold.
    input_gain : ndarray or None
        Gain of the external input per neuron (N,); None means no input.
    input_index : int
        Column of the input signal that the population receives.
    tau_rc : float
        Membrane time constant in seconds.
    tau_ref : float
        Refractory period in seconds.
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
        """Number of neurons (the length of ``bias``)."""
        return int(np.size(self.bias))


@dataclasses.dataclass(frozen=True, eq=False)
class NEFConnection:
    """Dense connection (post x pre weights, current·s per spike). ``kind`` ``"E"``/``"I"``: weights
    are non-negative magnitudes and the sign comes from the kind; ``"mixed"``: signed weights.

    Attributes
    ----------
    pre, post : str
        Names of the presynaptic and postsynaptic populations.
    weights : ndarray
        Weights, shape (post size, pre size), in current·s per spike (normalised units).
    kind : str
        ``"E"``, ``"I"`` (non-negative magnitudes; Dale's law, Parisien et al. 2008) or ``"mixed"``.
    channel : str
        ``"fast"`` (synaptic time constant ``tau_fast``) or ``"slow"`` (``tau_slow``).
    """

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
    """The Brian2 objects of a built NEF network.

    Attributes
    ----------
    network : Network
        Holds the groups, synapses and monitors.
    groups : dict
        ``NeuronGroup`` per population name.
    synapses : dict
        ``Synapses`` per ``(pre, post)`` pair of names.
    spike_monitors : dict
        ``SpikeMonitor`` per population name.
    namespace : dict
        The input ``TimedArray`` ``u_in`` and the time constants, to pass to the run.
    """

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

    Parameters
    ----------
    populations : sequence of NEFPopulation
        The populations, with unique names.
    connections : sequence of NEFConnection
        Dense connections between them; a spike adds ``w/τ`` to the channel's current.
    input_signal : array_like
        Input, shape (T,) or (T, K), sampled every ``dt``.
    dt : Quantity
        Sampling interval of ``input_signal``.
    tau_fast, tau_slow : Quantity
        Synaptic time constants of the fast and slow channels.
    name : str
        Prefix of every object's name.
    seed : int
        Seed of the uniform initial membrane potentials.

    Returns
    -------
    NEFNetwork

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
