"""The one protocol every learning rule implements.

A learning rule is a small frozen object with unit-checked parameters. Whatever the rule — pair
STDP, the inhibitory rule of Vogels et al. (2011), feedback alignment, e-prop, an error critic — it
answers one question: *what does it add to the circuit where it is placed?* The answer is a
:class:`RuleParts`:

- the synapse model (``model``: weights, traces, summed variables), ``on_pre`` and ``on_post``;
- code on the presynaptic and postsynaptic groups (:class:`NeuronTraceCode`: traces kept on the
  neurons instead of on every synapse);
- ``run_regularly`` updates (:class:`Regular`) with their clock, slot and order — e.g. a
  three-factor update once per presentation;
- run-time constants (``(shared, constant)`` values that a compiled program can change with
  ``run_args``) and the namespace of build-time constants.

A rule may be placed in several *roles* (``roles``): a feedback-alignment rule contributes to the
forward synapses (``"forward"``), to the direct feedback pathway (``"feedback"``) and to the hidden
neurons (``"hidden"``); a plasticity rule of one projection has the single role ``"synapse"``. The
builder (:mod:`cortexlearn.build`) asks a rule for its parts with :meth:`LearningRule.contribution`
and assembles them; Dale's law stays structural because the builder, not the rule, writes the
transmission statement (``g_e_post += w``) from the presynaptic population's kind.

Every rule also names its NumPy oracle (``oracle``, ``"module:function"`` inside
:mod:`cortexlearn.reference`), the independent implementation its cross-target tests compare with.

Adding a rule: a frozen dataclass deriving from :class:`LearningRule` that sets ``paper``,
``oracle`` and ``roles`` and implements :meth:`~LearningRule.contribution` (see CONTRIBUTING.md).
"""

from __future__ import annotations

import dataclasses
import importlib
import re
from typing import Any, Callable, ClassVar, Mapping

from ..errors import SpecError

__all__ = ["LearningRule", "RuleParts", "Regular", "NeuronTraceCode", "join_code", "defined_rules"]


def join_code(*blocks: str) -> str:
    """Join blocks of Brian2 statements, one per line, dropping empty lines and indentation.

    Parameters
    ----------
    *blocks : str or None
        Blocks of statements; None and empty blocks are skipped.

    Returns
    -------
    str
        The stripped, non-empty lines of every block, in order.
    """
    lines = []
    for block in blocks:
        lines.extend(line.strip() for line in (block or "").splitlines() if line.strip())
    return "\n".join(lines)


@dataclasses.dataclass(frozen=True)
class NeuronTraceCode:
    """Code a rule adds to a presynaptic or postsynaptic group (e.g. a trace kept on the neurons).

    Attributes
    ----------
    equations : str
        Equations added to the group's model.
    on_spike : str
        Statements run at the group's spikes (``group.run_on_event("spike", ...)``).
    when : str
        Schedule slot of ``on_spike``: a presynaptic trace jumps ``before_synapses``, a
        postsynaptic one ``after_synapses``, which reproduces the per-synapse order (``on_pre``
        before ``on_post``). ``"delayed"``: the code runs a projection's dendritic delay after
        each spike (see ``Projection.delay_site``).
    namespace : dict
        Constants the code uses.
    regular : tuple of (str, Quantity or None)
        ``(code, dt)`` pairs run on the group every ``dt`` (``None``: every step) in the
        ``start`` slot, in this order.
    """

    equations: str
    on_spike: str
    when: str
    namespace: dict
    regular: tuple = ()


@dataclasses.dataclass(frozen=True)
class Regular:
    """A ``run_regularly`` update a rule contributes.

    Attributes
    ----------
    code : str
        Brian2 statements.
    dt : Quantity, str or None
        Interval: a quantity, ``None`` (every time step) or the name of an interval the builder
        knows (``"presentation"``: once per sample of a trial schedule).
    when : str
        Schedule slot (``"start"``, ``"groups"``, ``"synapses"``, ``"end"``, ...).
    order : int
        Order within the slot.
    on : {"synapses", "pre", "post"}
        Which object runs it: the projection's synapses or one of its groups.
    """

    code: str
    dt: Any = None
    when: str = "end"
    order: int = 0
    on: str = "synapses"

    def __post_init__(self):
        if self.on not in ("synapses", "pre", "post"):
            raise SpecError(f"Regular.on must be 'synapses', 'pre' or 'post', got {self.on!r}")


_SUMMED = re.compile(r"^\s*(\w+)\s*=.*\(\s*summed\s*\)\s*$")
_CONSTANT = re.compile(r"^\s*(\w+)\s*:.*\(.*constant.*\)\s*$")


@dataclasses.dataclass(frozen=True)
class RuleParts:
    """What a rule adds to the circuit in one role (see the module docstring).

    Attributes
    ----------
    model : str
        Synapse equations (weights, traces, summed variables).
    on_pre, on_post : str
        Statements at presynaptic and postsynaptic spikes (without the transmission statement,
        which the builder adds from the presynaptic kind).
    pre, post : NeuronTraceCode or None
        Code for the presynaptic and postsynaptic groups.
    neuron_model : str
        Equations the rule needs on the group that plays its role (e.g. a hidden layer's error
        and surrogate derivative, or a critic unit's prediction).
    regular : tuple of Regular
        Periodic updates.
    constants : dict
        Run-time constants (name → value) the builder declares ``(shared, constant)`` and that a
        compiled program can change with ``run_args``.
    namespace : dict
        Build-time constants used by any of the code above.
    method : str or None
        Integration method of clock-driven synaptic equations.
    """

    model: str = ""
    on_pre: str = ""
    on_post: str = ""
    pre: NeuronTraceCode | None = None
    post: NeuronTraceCode | None = None
    neuron_model: str = ""
    regular: tuple = ()
    constants: Mapping[str, float] = dataclasses.field(default_factory=dict)
    namespace: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    method: str | None = None

    @property
    def summed(self) -> tuple:
        """Names of the summed variables the model writes (``x_pre = ... : 1 (summed)``)."""
        return tuple(m.group(1) for line in self.model.splitlines() if (m := _SUMMED.match(line)))

    @property
    def declared_constants(self) -> tuple:
        """Names of the variables the model and neuron model declare constant."""
        lines = (self.model + "\n" + self.neuron_model).splitlines()
        return tuple(m.group(1) for line in lines if (m := _CONSTANT.match(line)))


_RULES: list = []


class LearningRule:
    """Base of every learning rule: the protocol the builder relies on.

    Class attributes
    ----------------
    paper : str
        The paper (and equation) the rule implements.
    oracle : str
        ``"module:function"`` in :mod:`cortexlearn.reference`: the NumPy implementation that the
        rule's cross-target tests compare with (several, comma-separated, for a rule with several
        forms).
    roles : tuple of str
        Where the rule can be placed; :meth:`contribution` answers for each.
    """

    paper: ClassVar[str] = ""
    oracle: ClassVar[str] = ""
    roles: ClassVar[tuple] = ("synapse",)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if not cls.__name__.startswith("_"):
            _RULES.append(cls)

    def contribution(self, role: str = "synapse", **context) -> RuleParts:  # pragma: no cover
        """The parts this rule adds in ``role``.

        Parameters
        ----------
        role : str
            One of :attr:`roles`.
        **context
            What the place provides, documented per rule (e.g. ``sign`` of a forward projection).

        Returns
        -------
        RuleParts
        """
        raise NotImplementedError

    def _check_role(self, role: str) -> None:
        if role not in self.roles:
            raise SpecError(f"{type(self).__name__} has no role {role!r}; its roles are "
                            f"{', '.join(self.roles)}")

    @classmethod
    def oracle_function(cls) -> Callable:
        """The NumPy oracle named by :attr:`oracle`, imported.

        Returns
        -------
        callable

        Raises
        ------
        SpecError
            When the rule names no oracle or the name does not resolve.
        """
        return cls.oracle_functions()[0]

    @classmethod
    def oracle_functions(cls) -> tuple:
        """Every NumPy oracle named by :attr:`oracle` (comma-separated ``module:function``
        names, for rules with several forms), imported.

        Returns
        -------
        tuple of callable
        """
        names = [name.strip() for name in cls.oracle.split(",") if name.strip()]
        if not names or any(":" not in name for name in names):
            raise SpecError(f"{cls.__name__} names no NumPy oracle ('module:function'), got {cls.oracle!r}")
        out = []
        for full in names:
            module, _, name = full.partition(":")
            try:
                out.append(getattr(importlib.import_module(module), name))
            except (ImportError, AttributeError) as exc:
                raise SpecError(f"{cls.__name__}: oracle {full!r} does not resolve ({exc})") from None
        return tuple(out)


def defined_rules() -> tuple:
    """Every concrete learning-rule class defined so far (abstract bases left out); after
    ``import cortexlearn.rules`` that is every rule of the library
    (:func:`cortexlearn.rules.rule_classes`).

    Returns
    -------
    tuple of type
    """
    return tuple(cls for cls in _RULES if not cls.__dict__.get("__abstract__", False))
