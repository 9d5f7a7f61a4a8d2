"""The specification of the COBA network of Vogels & Abbott (2005), as Brette et al. (2007)
benchmark it: :func:`coba_circuit` returns its :class:`~cortexlearn.specs.Circuit` (two populations
of :func:`~cortexlearn.neurons.lif_conductance` neurons and four projections whose sign comes from
the presynaptic population), :func:`coba_connection_probability` the probability that keeps the
benchmark's in-degree at another size. The parameters and the scaling are described in
:mod:`cortexlearn.build.coba`, which builds it.
"""

from __future__ import annotations

from brian2 import mV, ms, nS, pF

from ..errors import SpecError
from ..neurons import lif_conductance
from ..specs import Circuit, Connectivity, Population, Projection
from ..units import as_quantity

__all__ = ["COBA_2005", "coba_circuit", "coba_connection_probability"]


#: Brette et al. (2007) Benchmark 1 (COBA), after Vogels & Abbott (2005).
COBA_2005 = {
    "n_neurons": 4000, "excitatory_fraction": 0.8, "connection_probability": 0.02,
    "C_m": 200 * pF, "g_L": 10 * nS, "E_L": -60 * mV, "v_threshold": -50 * mV,
    "v_reset": -60 * mV, "tau_ref": 5 * ms, "E_e": 0 * mV, "E_i": -80 * mV,
    "tau_e": 5 * ms, "tau_i": 10 * ms, "w_e": 6 * nS, "w_i": 67 * nS,
}

_NEURON_KEYS = ("C_m", "g_L", "E_L", "v_threshold", "v_reset", "tau_ref", "E_e", "E_i", "tau_e", "tau_i")

#: Initial state of Brette et al. (2007): random potentials and conductances.
COBA_INITIAL = {"v": "v_reset + rand() * (v_threshold - v_reset)",
                "g_e": "(randn() * 1.5 + 4) * 10 * nS",
                "g_i": "(randn() * 12 + 20) * 10 * nS"}


def coba_connection_probability(n_neurons: int) -> float:
    """Probability that keeps the benchmark's in-degree (2 % of 4,000 = 80) at ``n_neurons``.

    Brette et al. (2007), COBA benchmark (Vogels & Abbott 2005).

    Parameters
    ----------
    n_neurons : int
        Total number of neurons.

    Returns
    -------
    float
        ``min(1, 0.02 · 4000 / n_neurons)``.
    """
    return min(1.0, COBA_2005["connection_probability"] * COBA_2005["n_neurons"] / float(n_neurons))


def coba_circuit(n_neurons: int = 4000, connection_probability: float | None = None,
                 w_e=COBA_2005["w_e"], w_i=COBA_2005["w_i"],
                 excitatory_fraction: float = COBA_2005["excitatory_fraction"],
                 name: str = "coba") -> Circuit:
    """The COBA circuit as a :class:`~cortexlearn.specs.Circuit`.

    Parameters
    ----------
    n_neurons : int
        Total number of neurons (E and I), at least 2.
    connection_probability : float, optional
        Probability of each directed connection; default :func:`coba_connection_probability`.
    w_e, w_i : Quantity
        Conductance increments (siemens) of an excitatory and an inhibitory spike.
    excitatory_fraction : float
        Fraction of excitatory neurons (0.8).

    Raises
    ------
    SpecError
        Fewer than two neurons, a fraction outside (0, 1), a probability outside [0, 1]; unit
        errors and negative weights are refused by the specs.
    """
    if isinstance(n_neurons, bool) or int(n_neurons) != n_neurons or n_neurons < 2:
        raise SpecError(f"COBA needs at least 2 neurons, got {n_neurons!r}")
    if not 0 < excitatory_fraction < 1:
        raise SpecError(f"excitatory_fraction must lie in (0, 1), got {excitatory_fraction!r}")
    n_e = int(round(n_neurons * excitatory_fraction))
    n_e = min(max(n_e, 1), int(n_neurons) - 1)
    n_i = int(n_neurons) - n_e
    p = coba_connection_probability(n_neurons) if connection_probability is None else connection_probability
    connectivity = Connectivity.probability(p)
    as_quantity(w_e, nS, "w_e")
    as_quantity(w_i, nS, "w_i")
    neuron = lif_conductance(external_current=False, **{k: COBA_2005[k] for k in _NEURON_KEYS})
    pops = (Population("E", n_e, neuron, kind="E", initial=COBA_INITIAL),
            Population("I", n_i, neuron, kind="I", initial=COBA_INITIAL))
    projections = tuple(Projection(pre, post, connectivity, w_e if pre == "E" else w_i)
                        for pre in ("E", "I") for post in ("E", "I"))
    return Circuit(name, pops, projections)
