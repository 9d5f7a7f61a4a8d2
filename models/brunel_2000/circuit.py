"""The Brunel (2000) circuit as a cortexlearn spec."""

from __future__ import annotations

from cortexlearn.neurons import lif_delta
from cortexlearn.specs import Circuit, Connectivity, PoissonDrive, Population, Projection

#: Brunel 2000, Fig. 8: A = SR, B = SI fast, C = AI, D = SI slow.
STATES = ("SR", "SI_fast", "AI", "SI_slow")


def threshold_rate(p):
    """ν_thr = θ / (J C_E τ): the external rate that brings the mean input to threshold."""
    c_e = int(p["C_E"])
    return p["v_threshold"] / (p["J"] * c_e * p["tau_m"])


def brunel_circuit(p, g: float, nu_ratio: float) -> Circuit:
    """The network of Brunel 2000 for relative inhibition ``g`` and ν_ext/ν_thr = ``nu_ratio``."""
    n_e = int(p["n_excitatory"])
    n_i = int(round(p["gamma"] * n_e))
    c_e = int(p["C_E"])
    c_i = int(round(p["gamma"] * c_e))
    neuron = lif_delta(tau_m=p["tau_m"], v_threshold=p["v_threshold"], v_reset=p["v_reset"],
                       tau_ref=p["tau_ref"])
    E = Population("E", n_e, neuron, kind="E")
    I = Population("I", n_i, neuron, kind="I")
    J, D = p["J"], p["delay"]
    projections = tuple(
        Projection(pre, post, Connectivity.fixed_indegree(c_e if pre == "E" else c_i),
                   J if pre == "E" else g * J, delay=D)
        for pre in ("E", "I") for post in ("E", "I"))
    nu_ext = nu_ratio * threshold_rate(p)
    drives = (PoissonDrive("external_E", "E", c_e, nu_ext, J),
              PoissonDrive("external_I", "I", c_e, nu_ext, J))
    return Circuit("brunel", (E, I), projections, drives)
