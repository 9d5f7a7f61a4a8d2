"""How close a rule's update comes to the true gradient, and why.

- :func:`update_angles`: per weight layer, the angle between the update a rule prescribes and
  the backpropagation gradient on the same batch and weights (Lillicrap et al. 2016, Fig. 2b).
- :func:`feedback_angles`: per layer, the angle between the forward weights and the feedback
  matrix that replaces them (for DFA: between ``D_l`` and the product of the forward weights
  from layer ``l`` to the output, Nøkland 2016, §4).
"""

from __future__ import annotations

import numpy as np

from ..analysis.alignment import angle
from .credit import Backprop, DirectFeedbackAlignment, compute_gradients

__all__ = ["update_angles", "feedback_angles"]


def update_angles(net, rule, x, targets) -> np.ndarray:
    """Angle between ``rule``'s and backprop's weight gradients, one per hidden weight layer.

    Layers ``W_0 .. W_{L-2}``; the readout's update is exact for every rule (Lillicrap et al.
    2016, Fig. 2b). Neither batch-norm statistics nor learned rule parts change.

    Parameters
    ----------
    net : MLP
        The network.
    rule : CreditRule
        The rule compared with backpropagation.
    x, targets : ndarray
        A batch.

    Returns
    -------
    ndarray
        Degrees; NaN where a rule gives no update.
    """
    ours, _, _ = compute_gradients(net, rule, x, targets, learn=False, update_stats=False)
    true, _, _ = compute_gradients(net, Backprop(), x, targets, learn=False, update_stats=False)
    out = np.full(net.n_layers - 1, np.nan)
    for l in range(net.n_layers - 1):
        if ours[l] is not None and np.any(ours[l]) and np.any(true[l]):
            out[l] = angle(ours[l], true[l])
    return out


def feedback_angles(net, rule) -> np.ndarray:
    """Angle between forward weights and feedback, one per hidden layer ``l``.

    The feedback is the matrix that reaches hidden layer ``l`` (Lillicrap et al. 2016, Fig. 2b).

    Parameters
    ----------
    net : MLP
        The network.
    rule : CreditRule
        The rule whose feedback is measured.

    Returns
    -------
    ndarray
        Degrees; NaN where undefined (backprop: 0).
    """
    out = np.full(net.n_layers - 1, np.nan)
    if isinstance(rule, DirectFeedbackAlignment):
        for l in range(net.n_layers - 1):
            path = net.weights[l + 1]
            for w in net.weights[l + 2:]:
                path = path @ w
            if np.any(path):
                out[l] = angle(rule.feedback[l], path.T)
        return out
    for l in range(net.n_layers - 1):
        b = rule.feedback_matrix(l + 1, net)
        if b is not None and np.any(b) and np.any(net.weights[l + 1]):
            out[l] = angle(net.weights[l + 1], b)
    return out
