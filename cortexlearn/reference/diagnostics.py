"""How close a rule's update comes to the true gradient, and why.

- :func:`update_angles`: per weight layer, the angle between the update a rule prescribes and
  the backpropagation gradient on the same batch and weights.
- :func:`hidden_update_angles`: per hidden layer, the angle between the hidden-unit updates
  ``delta_l`` a rule prescribes and backpropagation's, :math:`\\Delta h_{FA} \\angle \\Delta h_{BP}`
  (Lillicrap et al. 2016, Fig. 2b), with :func:`update_angles` from the same passes.
- :func:`feedback_angles`: per layer, the angle between the forward weights and the feedback
  matrix that replaces them (for DFA: between ``D_l`` and the product of the forward weights
  from layer ``l`` to the output, Nøkland 2016, §4).
"""

from __future__ import annotations

import numpy as np

from ..analysis.alignment import angle
from .credit import Backprop, DirectFeedbackAlignment, compute_gradients

__all__ = ["update_angles", "hidden_update_angles", "feedback_angles"]


def update_angles(net, rule, x, targets) -> np.ndarray:
    """Angle between ``rule``'s and backprop's weight gradients, one per hidden weight layer.

    Layers ``W_0 .. W_{L-2}``; the readout's update is exact for every rule. Neither batch-norm
    statistics nor learned rule parts change.

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
    return hidden_update_angles(net, rule, x, targets)[0]


def hidden_update_angles(net, rule, x, targets) -> tuple[np.ndarray, np.ndarray]:
    """Angles of ``rule``'s weight gradients and hidden-unit updates to backprop's.

    The hidden-unit update of hidden layer ``l`` is ``delta_l``, the error signal at that layer's
    units over the batch (for FA ``(B e) * f'``, for backprop ``(W^T e) * f'``); its angle to
    backprop's, taken over the whole batch as one vector, is Lillicrap et al. (2016) Fig. 2b's
    :math:`\\Delta h_{FA} \\angle \\Delta h_{BP}`. The weight gradient of ``W_l`` is
    ``delta_l^T h_{l-1}``, so its angle also depends on the layer's input. Both come from one
    forward and backward pass per rule.

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
    weights, hidden : ndarray
        Degrees, one per hidden weight layer ``W_0 .. W_{L-2}`` (whose outputs are hidden layers
        ``1 .. L-1``); NaN where a rule gives no update.
    """
    ours, _, our_deltas = compute_gradients(net, rule, x, targets, learn=False, update_stats=False)
    true, _, true_deltas = compute_gradients(net, Backprop(), x, targets, learn=False, update_stats=False)
    weights = np.full(net.n_layers - 1, np.nan)
    hidden = np.full(net.n_layers - 1, np.nan)
    for l in range(net.n_layers - 1):
        if ours[l] is not None and np.any(ours[l]) and np.any(true[l]):
            weights[l] = angle(ours[l], true[l])
        d, t = our_deltas[l], true_deltas[l]
        if d is not None and t is not None and np.any(d) and np.any(t):
            hidden[l] = angle(d, t)
    return weights, hidden


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
