"""The interface every credit rule of the NumPy reference answers (see
:mod:`cortexlearn.reference.credit` for the rules and :mod:`cortexlearn.reference.synthetic` for the
learned one): what hidden layer ``l`` is told about ``dL/dh_{l+1}``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["CreditRule"]


class CreditRule:
    """Base class. Subclasses set ``name`` and implement :meth:`hidden_signal`."""

    name = "rule"
    trains_hidden = True

    def setup(self, net, rng: np.random.Generator) -> None:
        """Create fixed feedback matrices for ``net`` (called once, before training).

        Parameters
        ----------
        net : MLP
            The network.
        rng : numpy.random.Generator
            Draws random feedback.
        """

    def hidden_signal(self, l, net, delta_above, error, cache, targets, learn=True):
        """``dL/dh_{l+1}`` as this rule estimates it.

        Parameters
        ----------
        l : int
            Hidden layer index (0 = first hidden layer).
        delta_above : ndarray
            ``delta_{l+1}`` as this rule computed it for the layer above.
        error : ndarray
            The output error ``delta_{L-1}``.
        targets : ndarray
            One-hot labels (or regression targets) of the batch.
        learn : bool
            Rules with learned parts (synthetic gradients) train them only when True.
        """
        raise NotImplementedError

    def feedback_matrix(self, l, net):
        """The matrix used in place of ``W_l`` in the backward pass.

        Parameters
        ----------
        l : int
            Weight layer.
        net : MLP
            The network.

        Returns
        -------
        ndarray or None
            None where not applicable.
        """
        return None

    def __repr__(self):
        return f"{type(self).__name__}()"
