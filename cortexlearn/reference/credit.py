"""Credit signals: what each hidden layer is told about the error.

Every rule answers one question for hidden layer ``l`` (output ``h_{l+1}``): *what is
dL/dh_{l+1}?* The MLP does the rest locally (see :mod:`cortexlearn.reference.mlp`).

=====================  ==========================================  =============================
rule                   signal at hidden layer ``l``                 paper
=====================  ==========================================  =============================
``backprop``           ``delta_{l+1} W_{l+1}^T``                    Rumelhart et al. 1986
``feedback_alignment`` ``delta_{l+1} B_{l+1}^T``, B fixed random    Lillicrap et al. 2016
``direct_feedback``    ``e D_l``, the output error, D fixed random  Nøkland 2016
``sign_symmetry``      ``delta_{l+1} (s sign(W_{l+1}))^T``          Liao, Leibo & Poggio 2016
``random_sign``        ``delta_{l+1} (s R_{l+1})^T``, R fixed ±1    Liao, Leibo & Poggio 2016
``shallow``            none: only the readout learns                —
``synthetic``          ``M_l(h_{l+1}, t)``, a learned prediction    Jaderberg et al. 2016
=====================  ==========================================  =============================

``e = delta_{L-1}`` is the output error. ``s`` is the standard deviation of the initial forward
weights of that layer, so sign feedback has the magnitude of the weights it stands for.
"""

from __future__ import annotations

import numpy as np

from ..errors import SpecError
from .credit_base import CreditRule
from .synthetic import SyntheticGradients

__all__ = ["CreditRule", "Backprop", "FeedbackAlignment", "DirectFeedbackAlignment",
           "SignSymmetry", "RandomSign", "Shallow", "make_rule", "RULES", "compute_gradients"]


class Backprop(CreditRule):
    """Exact gradient: the error travels back through the transposed forward weights."""

    name = "backprop"

    def hidden_signal(self, l, net, delta_above, error, cache, targets, learn=True):
        return delta_above @ net.weights[l + 1].T

    def feedback_matrix(self, l, net):
        return net.weights[l]


class _FixedFeedback(CreditRule):
    """Layer-to-layer feedback through fixed matrices ``self.feedback[l]`` (shaped like W_l)."""

    def setup(self, net, rng):
        self.feedback = [None] + [self._make(w, rng) for w in net.weights[1:]]

    def hidden_signal(self, l, net, delta_above, error, cache, targets, learn=True):
        return delta_above @ self.feedback[l + 1].T

    def feedback_matrix(self, l, net):
        return self.feedback[l]


class FeedbackAlignment(_FixedFeedback):
    """Random feedback weights ``B ~ U(-s, s)``, fixed (Lillicrap et al. 2016, Nat. Commun. 7:13276).

    ``s = 1/sqrt(fan_in of W)``, the forward initialisation scale.
    """

    name = "feedback_alignment"

    def _make(self, w, rng):
        bound = 1.0 / np.sqrt(w.shape[0])
        return rng.uniform(-bound, bound, w.shape)


class RandomSign(_FixedFeedback):
    """Feedback of fixed random signs with the magnitude of the weights (Liao et al. 2016's
    control for sign-concordance): ``B = s R``, ``R`` uniform over ±1."""

    name = "random_sign"

    def _make(self, w, rng):
        return _scale_for(w) * rng.choice([-1.0, 1.0], size=w.shape)


def _scale_for(w):
    s = float(np.std(w))
    return s if s > 0 else 1.0 / np.sqrt(3 * w.shape[0])


class SignSymmetry(CreditRule):
    """Sign-concordant feedback: ``B_l = s_l sign(W_l)``, tracking the current signs of ``W``
    (Liao, Leibo & Poggio 2016, AAAI, "uniform sign-concordant feedback")."""

    name = "sign_symmetry"

    def setup(self, net, rng):
        self.scale = [_scale_for(w) for w in net.weights]

    def hidden_signal(self, l, net, delta_above, error, cache, targets, learn=True):
        return delta_above @ self.feedback_matrix(l + 1, net).T

    def feedback_matrix(self, l, net):
        return self.scale[l] * np.sign(net.weights[l])


class DirectFeedbackAlignment(CreditRule):
    """The output error goes straight to every hidden layer through fixed random ``D_l``
    (Nøkland 2016, NeurIPS): ``dL/dh_{l+1} ~ e D_l``, ``D_l ~ U(-1/sqrt(n_out), 1/sqrt(n_out))``
    of shape ``(n_out, n_{l+1})``."""

    name = "direct_feedback"

    def setup(self, net, rng):
        n_out = net.sizes[-1]
        bound = 1.0 / np.sqrt(n_out)
        self.feedback = [rng.uniform(-bound, bound, (n_out, n)) for n in net.sizes[1:-1]]

    def hidden_signal(self, l, net, delta_above, error, cache, targets, learn=True):
        return error @ self.feedback[l]


class Shallow(CreditRule):
    """Readout-only learning: hidden layers keep their random initial weights."""

    name = "shallow"
    trains_hidden = False

    def hidden_signal(self, l, net, delta_above, error, cache, targets, learn=True):
        return np.zeros_like(cache.h[l + 1])


RULES = {
    "backprop": Backprop, "feedback_alignment": FeedbackAlignment,
    "direct_feedback": DirectFeedbackAlignment, "sign_symmetry": SignSymmetry,
    "random_sign": RandomSign, "shallow": Shallow, "synthetic": SyntheticGradients,
}
_ALIASES = {"bp": "backprop", "fa": "feedback_alignment", "dfa": "direct_feedback",
            "ss": "sign_symmetry", "sg": "synthetic"}


def make_rule(name: str, **options) -> CreditRule:
    """A credit rule by name (or short alias: bp, fa, dfa, ss, sg).

    Parameters
    ----------
    name : str
        One of :data:`RULES` or an alias.
    **options
        Passed to the rule's constructor.

    Returns
    -------
    CreditRule

    Raises
    ------
    SpecError
        For an unknown name, listing the known ones.
    """
    key = _ALIASES.get(name, name)
    if key not in RULES:
        raise SpecError(f"unknown learning rule {name!r}; choose one of {', '.join(RULES)} "
                        f"(aliases {', '.join(_ALIASES)})")
    return RULES[key](**options)


def compute_gradients(net, rule: CreditRule, x, targets, learn=True, update_stats=True):
    """One forward pass and the rule's backward pass on a batch.

    Parameters
    ----------
    net : MLP
        The network.
    rule : CreditRule
        What each hidden layer is told about the error.
    x : ndarray, shape (batch, n_inputs)
        Inputs.
    targets : ndarray
        One-hot labels or regression targets.
    learn : bool, optional
        Rules with learned parts (synthetic gradients) train them only when True.
    update_stats : bool, optional
        Update batch-norm running statistics in the forward pass.

    Returns
    -------
    grads : list
        In the order of ``net.parameters()``; None where the rule gives no update.
    loss : float
        The batch loss (training-mode forward pass).
    deltas : list
        ``delta_l`` for every layer (None for layers the rule does not train).
    """
    cache = net.forward(x, train=True, update_stats=update_stats)
    error = net.output_error(cache, targets)
    n = net.n_layers
    wg, bg, bng, deltas = [None] * n, [None] * n, [None] * (n - 1), [None] * n
    delta = error
    for l in range(n - 1, -1, -1):
        deltas[l] = delta
        wg[l], bg[l] = net.weight_gradients(l, cache, delta)
        if l == 0 or not rule.trains_hidden:
            break
        dh = rule.hidden_signal(l - 1, net, delta, error, cache, targets, learn=learn)
        delta, bng[l - 1] = net.hidden_delta(l - 1, cache, dh)
    return net.assemble(wg, bg, bng), net.loss(cache.output, targets), deltas
