"""The plasticity of the dendritic cortical microcircuit (Sacramento, Costa, Bengio & Senn 2018,
NeurIPS 31) as Brian2 code: every synapse learns by dendritic prediction (Urbanczik & Senn 2014).

A rate neuron with a somatic potential ``u`` and a dendritic compartment ``v`` predicts its own
rate from the dendrite alone, ``phi(v_hat)`` with ``v_hat`` the somatic potential the dendrite
would produce (``v_hat = g_B / (g_lk + g_B + g_A) v_B`` for a hidden pyramidal neuron); the
synapses onto that dendrite move the prediction toward the actual rate ``phi(u)``, which other
inputs (the apical compartment, a teacher, the layer above) also drive. The paper's Eqs. 5-8:

.. math::

    \\frac{dW^{PP}_{k,k-1}}{dt} &= \\eta^{PP}\\,\\bigl(\\phi(u_k) - \\phi(\\hat v_{B,k})\\bigr)\\, r_{k-1}^T
        \\quad\\text{(basal, role ``basal_hidden`` / ``basal_output``)} \\\\
    \\frac{dW^{IP}_{k,k}}{dt} &= \\eta^{IP}\\,\\bigl(\\phi(u^I_k) - \\phi(\\hat v^I_k)\\bigr)\\, r_k^T
        \\quad\\text{(pyramidal to interneuron, ``interneuron``)} \\\\
    \\frac{dW^{PI}_{k,k}}{dt} &= \\eta^{PI}\\,\\bigl(v_{rest} - v_{A,k}\\bigr)\\, (r^I_k)^T
        \\quad\\text{(interneuron to apical, ``apical``)}

and the top-down pyramidal weights stay fixed (role ``top_down``; the paper's main variant), or,
with ``eta_top_down > 0``, learn with the same local product as the forward weights they mirror,
the presynaptic (output) neuron's dendritic prediction error times the postsynaptic (hidden)
rate, both with a weight decay ``decay`` (Kolen & Pollack 1994; Akrout et al. 2019, NeurIPS 32):

.. math::

    \\frac{dW^{PP}_{k+1,k}}{dt} = \\eta^{PP}\\bigl(e_{k+1} r_k^T - \\lambda W^{PP}_{k+1,k}\\bigr), \\quad
    \\frac{dW^{PP}_{k,k+1}}{dt} = \\eta^{TD}\\bigl(r_k e_{k+1}^T - \\lambda W^{PP}_{k,k+1}\\bigr),

with ``e = phi(u) - phi(v_hat_B)``: with equal rates the difference of the two decays away and the
top-down weights come to equal the transpose of the forward ones. Every
synapse carries its presynaptic rate into a dendritic potential of the postsynaptic neuron through
a summed variable, ``v_post = w r_pre``. The postsynaptic neuron provides ``r = phi(u)`` and
``r_hat = phi(v_hat)`` (and ``v_A`` for the apical role); the weights change every time step by
``dt`` times the rate above, gated by an expression the builder supplies (presentation phase and
learning schedule). Weights are signed, as in the paper: the microcircuit's projections mix
excitation and inhibition (Dale's law is not imposed, as in the paper).
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from brian2 import Hz

from ..errors import SpecError
from ..units import as_quantity
from .base import LearningRule, Regular, RuleParts, join_code
from .stdp import quantity_field

__all__ = ["DendriticMicrocircuit"]

#: role -> (learning-rate field, error factor of the update); None: a fixed projection
_ROLES = {
    "basal_hidden": ("eta_hidden", "(r_post - r_hat_post)*r_pre"),
    "basal_output": ("eta_output", "((r_post - r_hat_post)*r_pre - decay*w)"),
    "interneuron": ("eta_interneuron", "(r_post - r_hat_post)*r_pre"),
    "apical": ("eta_apical", "(v_rest - v_A_post)*r_pre"),
    "top_down": ("eta_top_down", "(err_pre*r_post - decay*w)"),
}
#: role -> the postsynaptic dendritic potential the synapses drive by default
_TARGETS = {"basal_hidden": "v_B", "basal_output": "v_B", "interneuron": "v_I", "apical": "v_inter",
            "top_down": "v_top"}


@dataclasses.dataclass(frozen=True)
class DendriticMicrocircuit(LearningRule):
    """Dendritic-prediction plasticity of the cortical microcircuit (Sacramento et al. 2018,
    Eqs. 5-8; see the module docstring).

    Parameters
    ----------
    eta_hidden : Quantity
        Learning rate of the basal (bottom-up) synapses onto hidden pyramidal neurons (Hz).
    eta_output : Quantity
        Learning rate of the basal synapses onto the output pyramidal neurons (Hz).
    eta_interneuron : Quantity
        Learning rate of the pyramidal-to-interneuron synapses (Hz).
    eta_apical : Quantity
        Learning rate of the interneuron-to-apical synapses (Hz).
    eta_top_down : Quantity
        Learning rate of the top-down synapses (Hz); 0 (default) keeps them fixed, as in the
        paper's main simulations.
    decay : float
        Weight decay ``lambda`` of the output's basal and the top-down synapses (0: none).
    v_rest : float
        Resting apical potential the interneurons learn to restore (the paper's 0).

    Raises
    ------
    SpecError, UnitError
        A negative learning rate or one not in Hz.

    Notes
    -----
    Roles: ``basal_hidden``, ``basal_output``, ``interneuron``, ``apical`` and ``top_down``
    (which reads ``err`` of the presynaptic output neurons). Context of :meth:`contribution`: ``target`` (the postsynaptic summed variable,
    defaults above) and ``gate`` (a Brian2 expression, 0 or 1, that switches learning on; default
    ``"1"``). The learning rates are run-time constants (``(shared, constant)``, so a compiled
    program can re-run with another rate, e.g. 0 for a frozen layer).
    """

    eta_hidden: Any = quantity_field(10.0 * Hz)
    eta_output: Any = quantity_field(10.0 * Hz)
    eta_interneuron: Any = quantity_field(10.0 * Hz)
    eta_apical: Any = quantity_field(10.0 * Hz)
    eta_top_down: Any = quantity_field(0.0 * Hz)
    decay: float = 0.0
    v_rest: float = 0.0

    paper: ClassVar[str] = ("Sacramento, Costa, Bengio & Senn 2018, NeurIPS 31 (Eqs. 5-8); "
                            "Urbanczik & Senn 2014, Neuron 81:521")
    oracle: ClassVar[str] = "cortexlearn.reference.microcircuit:simulate"
    roles: ClassVar[tuple] = tuple(_ROLES)

    def __post_init__(self):
        for name in ("eta_hidden", "eta_output", "eta_interneuron", "eta_apical", "eta_top_down"):
            value = getattr(self, name)
            as_quantity(value, Hz, name)
            if not float(value) >= 0:
                raise SpecError(f"{name} must be >= 0, got {value!r}")
        object.__setattr__(self, "v_rest", float(self.v_rest))
        if not float(self.decay) >= 0:
            raise SpecError(f"decay must be >= 0, got {self.decay!r}")
        object.__setattr__(self, "decay", float(self.decay))

    def contribution(self, role: str = "basal_hidden", target: str | None = None, gate: str = "1",
                     **context) -> RuleParts:
        """The synapse model, its summed dendritic drive and its periodic weight update in
        ``role``.

        Parameters
        ----------
        role : str
            One of :attr:`roles`.
        target : str, optional
            Postsynaptic dendritic potential the synapses drive (``target_post = w r_pre``).
        gate : str
            Brian2 expression (0 or 1) multiplying the update.
        **context
            Ignored.

        Returns
        -------
        RuleParts
        """
        self._check_role(role)
        field, error = _ROLES[role]
        target = target or _TARGETS[role]
        model = [f"w : 1", f"{target}_post = w*r_pre : 1 (summed)"]
        model.append(f"{field} : hertz (shared, constant)")
        code = f"w += dt*{field}*({gate})*{error}"
        return RuleParts(model=join_code(*model), regular=(Regular(code, dt=None, when="end", order=0),),
                         constants={field: getattr(self, field)}, namespace={"v_rest": self.v_rest, "decay": self.decay})

    def rates(self) -> dict:
        """The learning rates as floats (1/s), keyed as :func:`cortexlearn.reference.microcircuit.simulate`
        expects them."""
        return {"eta_in": float(self.eta_hidden), "eta_out": float(self.eta_output),
                "eta_PI": float(self.eta_interneuron), "eta_IA": float(self.eta_apical), "eta_B": float(self.eta_top_down), "decay": self.decay,
                "v_rest": self.v_rest}
