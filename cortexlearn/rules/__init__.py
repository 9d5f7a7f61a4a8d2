"""Learning rules as Brian2 synaptic update equations.

Every rule is a small frozen object with unit-checked parameters that implements one protocol,
:class:`~cortexlearn.rules.base.LearningRule`: asked for its parts in a role
(:meth:`~cortexlearn.rules.base.LearningRule.contribution`), it answers with the synapse model,
``on_pre``/``on_post``, code on the pre- and postsynaptic groups, ``run_regularly`` updates with
their clock, run-time constants and its namespace (:class:`~cortexlearn.rules.base.RuleParts`),
and it names its NumPy oracle in :mod:`cortexlearn.reference`.

- :class:`PairSTDP` — Bi & Poo 1998; Song, Miller & Abbott 2000 (all-to-all or nearest pairing); role ``synapse``
- :class:`TripletSTDP` — Pfister & Gerstner 2006; ``synapse``
- :class:`TemporalDerivativeRule` — Xie & Seung 2000; Bengio et al. 2015 (pre × rate of change of post); ``synapse``
- :class:`InhibitorySTDP` — Vogels et al. 2011; ``synapse``
- :class:`FeedbackAlignment` (Lillicrap et al. 2016), :class:`DirectFeedbackAlignment` (Nøkland 2016),
  :class:`SignSymmetry` (Liao, Leibo & Poggio 2016), :class:`WeightTransport` (backprop) and
  :class:`ReadoutOnly` (the control), or any of them by name with :class:`CreditRule` (``kind=``,
  with the covariance form ``centered=True``); roles ``forward``, ``feedback``, ``hidden``
- :class:`ErrorCritic` — Werbos 1992; Jaderberg et al. 2017 (sparse, late and bootstrapped errors);
  roles ``units``, ``read``, ``context``
- :class:`EProp` — Bellec et al. 2020 (LIF and ALIF); roles ``input``, ``recurrent``, ``readout``,
  ``input_neurons``, ``recurrent_neurons``
- :class:`DendriticPrediction` — Urbanczik & Senn 2014 (dendritic prediction of somatic spiking);
  ``synapse``
- :class:`DendriticMicrocircuit` — Sacramento, Costa, Bengio & Senn 2018 (dendritic cortical
  microcircuits; every synapse learns by dendritic prediction); roles ``basal_hidden``,
  ``basal_output``, ``interneuron``, ``apical``, ``top_down``
- :class:`SlowErrorRule`, :class:`FastBalanceRule`, :class:`DaleSlowErrorRule`, :class:`DaleFastInhibitoryRule` — Bourdoukan &
  Denève 2015 (slow and fast connections; the slow rule under Dale's law); roles ``slow``, ``fast``
"""

from .base import LearningRule, NeuronTraceCode, Regular, RuleParts, defined_rules
from .balanced import DaleFastInhibitoryRule, DaleSlowErrorRule, FastBalanceRule, SlowErrorRule
from .credit import (CreditRule, DirectFeedbackAlignment, FeedbackAlignment, ReadoutOnly, SignSymmetry,
                     WeightTransport)
from .critic import ErrorCritic
from .derivative import TemporalDerivativeRule
from .eprop import EProp
from .inhibitory import InhibitorySTDP
from .microcircuit import DendriticMicrocircuit
from .stdp import PairSTDP, PlasticityRule
from .triplet import TripletSTDP
from .urbanczik import DendriticPrediction

__all__ = [
    "LearningRule", "RuleParts", "Regular", "NeuronTraceCode", "rule_classes", "PlasticityRule",
    "PairSTDP", "TripletSTDP", "TemporalDerivativeRule", "InhibitorySTDP", "CreditRule",
    "FeedbackAlignment", "DirectFeedbackAlignment", "SignSymmetry", "WeightTransport", "ReadoutOnly",
    "ErrorCritic", "EProp", "DendriticPrediction", "DendriticMicrocircuit", "SlowErrorRule", "FastBalanceRule", "DaleSlowErrorRule",
    "DaleFastInhibitoryRule",
]


def rule_classes() -> tuple:
    """Every concrete learning-rule class of the library (and any defined since by a user).

    Returns
    -------
    tuple of type
    """
    return defined_rules()
