"""The COBA network of Vogels & Abbott (2005), as Brette et al. (2007) benchmark it, from specs.

4,000 conductance-based LIF neurons (80 % excitatory, 20 % inhibitory), random connectivity with
probability 2 %, no external input: activity is self-sustained, started by random initial
potentials and conductances. Everything goes through :mod:`cortexlearn.specs` and
:func:`cortexlearn.build.build`, so the network is the one a user of the toolkit would write:
two populations (``E``, ``I``) of :func:`~cortexlearn.neurons.lif_conductance` neurons and four
projections whose sign comes from the presynaptic population (Dale's law).

Parameters (Brette et al. 2007, J Comput Neurosci 23:349, Benchmark 1; Vogels & Abbott 2005,
J Neurosci 25:10786): C_m 200 pF, g_L 10 nS, E_L -60 mV, threshold -50 mV, reset -60 mV,
refractory 5 ms, E_e 0 mV, E_i -80 mV, tau_e 5 ms, tau_i 10 ms, excitatory increment 6 nS,
inhibitory increment 67 nS. Initial state: v uniform in [reset, threshold], g_e ~ N(40, 15) nS,
g_i ~ N(200, 120) nS (the benchmark's initial values).

Scaling: at other sizes the connection probability is ``0.02 * 4000 / n`` by default, which keeps
each neuron's in-degree (80 inputs) and so the dynamics; pass ``connection_probability`` to
keep p fixed instead.

Example
-------
>>> from cortexlearn import Simulation
>>> with Simulation(target="cpp_standalone", seed=1) as sim:          # doctest: +SKIP
...     built = build_coba(4000)
...     info = sim.run(built.network, 1 * second)
"""
from __future__ import annotations

from ..circuits.coba import coba_circuit
from .circuit import BuiltCircuit, build

__all__ = ["build_coba"]


def build_coba(n_neurons: int = 4000, record_spikes: bool = True, fuse: bool = True,
               **circuit_options) -> BuiltCircuit:
    """Build the COBA network (inside an active :class:`~cortexlearn.simulation.Simulation`).

    ``circuit_options`` go to :func:`coba_circuit`. Returns the :class:`~cortexlearn.build.BuiltCircuit`
    with groups ``E`` and ``I`` and spike monitors for both when ``record_spikes``. With ``fuse``
    (the default; see :mod:`cortexlearn.fusion`) E and I are subgroups of one ``NeuronGroup`` and
    each population projects through one ``Synapses`` (``E_to_E_I``, ``I_to_E_I``), the loop
    structure of the hand-written benchmark; ``fuse=False`` gives one ``Synapses`` per pair
    (``E_to_E``, ``E_to_I``, ``I_to_E``, ``I_to_I``).

    Parameters
    ----------
    n_neurons : int
        Total number of neurons (Brette et al. 2007: 4,000).
    record_spikes : bool
        Monitor the spikes of E and I.
    fuse : bool
        Fuse the groups and projections (:mod:`cortexlearn.fusion`).
    **circuit_options
        Passed to :func:`coba_circuit`.

    Returns
    -------
    BuiltCircuit
    """
    circuit = coba_circuit(n_neurons, **circuit_options)
    return build(circuit, record_spikes=record_spikes, fuse=fuse)
