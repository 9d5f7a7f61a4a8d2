"""The output error carried by two rectified error populations, Dale-compliant.

A firing rate cannot be negative, so a signed error ``e_k`` (target count − spike count of output
``k``) is carried by two populations of non-negative activity: ``e⁺_k = max(e_k, 0)`` and
``e⁻_k = max(−e_k, 0)`` (e.g. the positive and negative prediction-error neurons of cortical
predictive-coding accounts). Under Dale's law every unit has one sign, so each population comes
as an excitatory and an inhibitory (interneuron) copy, and a signed feedback weight ``F_kj`` (fixed
random: feedback alignment, Lillicrap et al. 2016; direct feedback alignment, Nøkland 2016) is
carried by the two pathways whose signs give it:

.. math::

    \\sum_k F_{kj} e_k = \\sum_k F^+_{kj} e^+_k - F^-_{kj} e^+_k + F^-_{kj} e^-_k - F^+_{kj} e^-_k,
    \\qquad F^\\pm = \\max(\\pm F, 0)

— four unit kinds ``(σ, s)`` (``σ``: +1 for ``e⁺``, −1 for ``e⁻``; ``s``: +1 excitatory, −1
inhibitory), magnitudes ``m = max(σ s F, 0) ≥ 0`` and a contribution ``s · m · act`` per synapse, where
``act = max(σ e, 0)`` is the unit's activity. Every
pathway exists for every pair (the magnitudes are run-time values), so feedback matrices drawn from
another seed need no new build. The signal a hidden neuron receives equals ``F e`` exactly.
"""

from __future__ import annotations

import numpy as np
from brian2 import NeuronGroup, Synapses, linked_var

__all__ = ["KINDS", "error_populations", "population_feedback", "population_magnitudes"]

#: unit kinds, in the order of the units: (error sign σ, Dale sign s)
KINDS = ((1, 1), (1, -1), (-1, 1), (-1, -1))


def error_populations(output: NeuronGroup, clock, order: int, name: str) -> NeuronGroup:
    """``4 · n_outputs`` rate units reading the output's error ``d_rule`` once per presentation.

    Unit ``u = kind · n_outputs + k`` carries the activity ``act = max(σ d_rule_k, 0)`` with the Dale sign ``s``
    of its kind (:data:`KINDS`), updated on ``clock`` in slot ``end`` at ``order`` (after the
    output's error is set, before the credit sums).

    Parameters
    ----------
    output : NeuronGroup
        The output layer; it must hold the per-unit error ``d_rule``.
    clock : Clock
        The presentation clock on which the activities are updated.
    order : int
        Order of the update within the ``end`` slot.
    name : str
        Prefix of the group's name (``{name}_error_units``).

    Returns
    -------
    NeuronGroup
        ``4 · n_outputs`` units with ``act``, ``sigma``, ``s`` and the linked ``d_out``.
    """
    n = output.N
    group = NeuronGroup(4 * n, """act : 1
                        sigma : 1 (constant)
                        s : 1 (constant)
                        d_out : 1 (linked)""", name=f"{name}_error_units")
    group.d_out = linked_var(output, "d_rule", index=np.tile(np.arange(n), 4))
    group.sigma = np.repeat([sigma for sigma, _ in KINDS], n)
    group.s = np.repeat([s for _, s in KINDS], n)
    group.run_regularly("act = clip(sigma * d_out, 0, inf)", clock=clock, when="end", order=order,
                        name=f"{name}_error_units_rectify")
    return group


def population_feedback(units: NeuronGroup, target: NeuronGroup, variable: str, name: str):
    """All-to-all feedback from the error units onto ``target``'s summed ``variable``
    (``variable_post = s_pre · m · act_pre``).

    Set the magnitudes ``m`` with :func:`population_magnitudes`.

    Parameters
    ----------
    units : NeuronGroup
        The error units of :func:`error_populations`.
    target : NeuronGroup
        The layer that receives the feedback; ``variable`` must be a summed variable of it.
    variable : str
        Name of the target's dimensionless variable that sums the feedback.
    name : str
        Name of the Synapses.

    Returns
    -------
    syn : Synapses
        One synapse per (unit, target neuron), magnitudes ``m`` zero until set.
    index : tuple of ndarray
        The (unit, target) index of each synapse, in the order of the synapses.
    """
    syn = Synapses(units, target, f"m : 1 (constant)\n{variable}_post = s_pre * m * act_pre : 1 (summed)",
                   name=name)
    uu, jj = np.meshgrid(np.arange(units.N), np.arange(target.N), indexing="ij")
    uu, jj = uu.ravel().astype(np.int32), jj.ravel().astype(np.int32)
    syn.connect(i=uu, j=jj)
    return syn, (uu, jj)


def population_magnitudes(feedback: np.ndarray, index) -> np.ndarray:
    """Non-negative magnitudes ``max(σ s F_kj, 0)`` of the pathways ``index`` for a signed
    feedback matrix ``F`` (n_outputs x n_target).

    Parameters
    ----------
    feedback : ndarray
        Signed feedback matrix ``F``, shape (n_outputs, n_target).
    index : tuple of ndarray
        The (unit, target) indices returned by :func:`population_feedback`.

    Returns
    -------
    ndarray
        One magnitude per synapse; summed with the Dale signs they give ``F e`` exactly (module
        equation).
    """
    feedback = np.asarray(feedback, dtype=float)
    uu, jj = index
    n = feedback.shape[0]
    kind = uu // n
    sigma = np.array([k[0] for k in KINDS], dtype=float)[kind]
    sign = np.array([k[1] for k in KINDS], dtype=float)[kind]
    return np.maximum(sigma * sign * feedback[uu % n, jj], 0.0)
