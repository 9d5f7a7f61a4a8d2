"""Validated, frozen descriptions of circuits: populations, projections, external drive.

Specs hold no Brian2 objects and no state; :func:`cortexlearn.build.build` turns them into an
explicit ``Network``. **Dale's law is structural**: every population is excitatory (``"E"``) or
inhibitory (``"I"``); a projection's weights are non-negative magnitudes and the sign of their
effect comes from the presynaptic population's kind. A negative or non-finite weight is refused
with an error naming the projection.

Example
-------
>>> from brian2 import mV, ms, Hz
>>> from cortexlearn.neurons import lif_delta
>>> E = Population("E", 80, lif_delta(), kind="E")
>>> I = Population("I", 20, lif_delta(), kind="I")
>>> c = Circuit("toy", (E, I), (Projection("E", "I", Connectivity.probability(0.1), 0.2 * mV),
...                            Projection("I", "E", Connectivity.probability(0.1), 1.0 * mV)))
>>> c.population("E").n
80
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import weakref
from typing import Any

import numpy as np
from brian2 import Hz, farad as _FARAD, ms, second
from brian2.units import fundamentalunits as fu

from .errors import DaleViolation, SpecError
from .neurons import NeuronModel
from .units import as_quantity, format_quantity

__all__ = ["Population", "Projection", "Connectivity", "PoissonDrive", "SpikeSource", "Circuit",
           "check_weights", "expression_bounds", "dale_synapses"]

#: Circuits alive in this process, by the name of the Network that build() gives them, so that a
#: Simulation can tell which Synapses were built from Projections (whose weights are magnitudes).
_NETWORKS: "weakref.WeakValueDictionary[str, Circuit]" = weakref.WeakValueDictionary()


def dale_synapses(network) -> set[str]:
    """Names of the ``Synapses`` of ``network`` whose ``w`` is a Dale magnitude (>= 0): those of
    a network built by :func:`cortexlearn.build.build` from a live :class:`Circuit` that carry
    a projection's name (objects added to the network later are not counted).

    Parameters
    ----------
    network : Network
        A Brian2 network (anything with ``name`` and ``objects``).

    Returns
    -------
    set of str
        Empty when the network was not built from a live circuit.
    """
    circuit = _NETWORKS.get(getattr(network, "name", None) or "")
    if circuit is None:
        return set()
    from brian2 import Synapses

    names = {p.name for p in circuit.projections}
    return {obj.name for obj in getattr(network, "objects", ())
            if isinstance(obj, Synapses) and obj.name in names}

KINDS = ("E", "I")


def _digest(*parts) -> str:
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, np.ndarray):
            h.update(str(part.dtype).encode() + str(part.shape).encode() + part.tobytes())
        elif isinstance(part, fu.Quantity):
            h.update(repr(part.dim).encode())
            h.update(np.asarray(part, dtype=float).tobytes())
        else:
            h.update(repr(part).encode())
        h.update(b"\x00")
    return h.hexdigest()


class _Hashed:
    """Equality and hashing by content digest (specs may hold arrays, which are not hashable)."""

    def _parts(self) -> tuple:
        return tuple(getattr(self, f.name) for f in dataclasses.fields(self))

    def digest(self) -> str:
        parts = []
        for p in self._parts():
            parts.append(p.digest() if isinstance(p, _Hashed) else p)
        return _digest(type(self).__name__, *parts)

    def __hash__(self):
        return hash(self.digest())

    def __eq__(self, other):
        return type(self) is type(other) and self.digest() == other.digest()


def _check_name(name: str, what: str):
    if not isinstance(name, str) or not name.isidentifier():
        raise SpecError(f"{what} name {name!r} must be a Python identifier (it names Brian2 objects)")


@dataclasses.dataclass(frozen=True, eq=False)
class Connectivity(_Hashed):
    """How a projection connects: use the constructors ``probability``, ``fixed_indegree``,
    ``all_to_all``, ``one_to_one`` and ``explicit``.

    Attributes
    ----------
    mode : str
        ``"probability"``, ``"fixed_indegree"``, ``"all_to_all"``, ``"one_to_one"`` or
        ``"explicit"``.
    p : float or None
        Connection probability.
    k : int or None
        In-degree.
    i, j : ndarray or None
        Presynaptic and postsynaptic index of each synapse (explicit).
    allow_autapses : bool
        Allow a neuron to connect to itself in a recurrent projection.
    """

    mode: str
    p: float | None = None
    k: int | None = None
    i: np.ndarray | None = None
    j: np.ndarray | None = None
    allow_autapses: bool = False

    @classmethod
    def probability(cls, p: float, allow_autapses: bool = False) -> "Connectivity":
        """Each pair connected independently with probability ``p`` (Erdős–Rényi).

        Parameters
        ----------
        p : float
            In ``[0, 1]``.
        allow_autapses : bool, optional
            Allow self-connections in a recurrent projection.

        Returns
        -------
        Connectivity
        """
        if not np.isfinite(p) or not 0 <= p <= 1:
            raise SpecError(f"connection probability must lie in [0, 1], got {p!r}")
        return cls("probability", p=float(p), allow_autapses=allow_autapses)

    @classmethod
    def fixed_indegree(cls, k: int, allow_autapses: bool = False) -> "Connectivity":
        """Each postsynaptic neuron receives exactly ``k`` connections from distinct sources.

        Brunel 2000's C_E, C_I. The sources are drawn with NumPy (from the projection's name and
        the connectivity seed), so every target builds the same synapses; they are numbered by
        source, then target, so that a presynaptic spike reaches its synapses in consecutive
        memory.

        Parameters
        ----------
        k : int
            In-degree.
        allow_autapses : bool, optional
            Allow self-connections in a recurrent projection.

        Returns
        -------
        Connectivity
        """
        if int(k) != k or k < 0:
            raise SpecError(f"in-degree must be a non-negative integer, got {k!r}")
        return cls("fixed_indegree", k=int(k), allow_autapses=allow_autapses)

    @classmethod
    def all_to_all(cls, allow_autapses: bool = False) -> "Connectivity":
        """Every pair connected.

        Parameters
        ----------
        allow_autapses : bool, optional
            Allow self-connections in a recurrent projection.

        Returns
        -------
        Connectivity
        """
        return cls("all_to_all", allow_autapses=allow_autapses)

    @classmethod
    def one_to_one(cls) -> "Connectivity":
        """Neuron ``i`` to neuron ``i`` (populations of one size).

        Returns
        -------
        Connectivity
        """
        return cls("one_to_one")

    @classmethod
    def explicit(cls, i, j) -> "Connectivity":
        """Connections from presynaptic indices ``i`` to postsynaptic indices ``j``.

        Parameters
        ----------
        i, j : array of int
            One entry per synapse.

        Returns
        -------
        Connectivity
        """
        i = np.asarray(i)
        j = np.asarray(j)
        if i.shape != j.shape or i.ndim != 1:
            raise SpecError(f"explicit connectivity needs two 1-D index arrays of equal length, "
                            f"got shapes {i.shape} and {j.shape}")
        if i.size and (not np.issubdtype(i.dtype, np.integer) or not np.issubdtype(j.dtype, np.integer)):
            raise SpecError("explicit connectivity indices must be integers")
        if i.size and (i.min() < 0 or j.min() < 0):
            raise SpecError("explicit connectivity indices must be non-negative")
        i = i.astype(np.int64)
        j = j.astype(np.int64)
        i.setflags(write=False)
        j.setflags(write=False)
        return cls("explicit", i=i, j=j)

    def check_sizes(self, n_pre: int, n_post: int, name: str):
        """Refuse a connectivity that does not fit the populations it joins.

        Parameters
        ----------
        n_pre, n_post : int
            Population sizes.
        name : str
            The projection, for the message.

        Raises
        ------
        SpecError
            One-to-one between sizes that differ, an in-degree above ``n_pre``, or explicit indices
            out of range.
        """
        if self.mode == "one_to_one" and n_pre != n_post:
            raise SpecError(f"projection {name}: one-to-one needs equal sizes, got {n_pre} and {n_post}")
        if self.mode == "fixed_indegree" and self.k > n_pre:
            raise SpecError(f"projection {name}: in-degree {self.k} exceeds the {n_pre} presynaptic neurons")
        if self.mode == "explicit" and self.i.size and (self.i.max() >= n_pre or self.j.max() >= n_post):
            raise SpecError(f"projection {name}: explicit indices out of range for sizes {n_pre} → {n_post}")

    def describe(self) -> str:
        """One line for a methods table."""
        return {"probability": f"random, p = {self.p}", "fixed_indegree": f"fixed in-degree {self.k}",
                "all_to_all": "all-to-all", "one_to_one": "one-to-one",
                "explicit": f"explicit ({0 if self.i is None else self.i.size} synapses)"}[self.mode]


@dataclasses.dataclass(frozen=True, eq=False)
class Population(_Hashed):
    """``n`` neurons of one model and one sign (``kind`` ``"E"`` or ``"I"``).

    Attributes
    ----------
    name : str
        A valid identifier, unique in the circuit.
    n : int
        Number of neurons.
    neuron : NeuronModel
        The model (:mod:`cortexlearn.neurons`).
    kind : {"E", "I"}
        Sign of every outgoing synapse (Dale's law).
    initial : tuple of (str, str) pairs
        Overrides of the model's initial values (Brian2 expressions, e.g.
        ``{"v": "E_L + rand()*10*mV"}``).
    parameters : tuple of (str, Quantity) pairs
        Overrides of model parameters (with units).
    """

    name: str
    n: int
    neuron: NeuronModel
    kind: str = "E"
    initial: tuple = ()
    parameters: tuple = ()

    def __post_init__(self):
        _check_name(self.name, "population")
        if isinstance(self.n, bool) or int(self.n) != self.n or self.n <= 0:
            raise SpecError(f"population {self.name}: size must be a positive integer, got {self.n!r}")
        object.__setattr__(self, "n", int(self.n))
        if self.kind not in KINDS:
            raise SpecError(f"population {self.name}: kind must be 'E' or 'I', got {self.kind!r}")
        if not isinstance(self.neuron, NeuronModel):
            raise SpecError(f"population {self.name}: neuron must be a NeuronModel, got {type(self.neuron).__name__}")
        initial = tuple(sorted(dict(self.initial).items())) if self.initial else ()
        object.__setattr__(self, "initial", initial)
        params = tuple(sorted(dict(self.parameters).items())) if self.parameters else ()
        for key, value in params:
            _check_neuron_parameter(self.name, key, value)
        for key, value in initial:
            _check_initial(self.name, key, value)
        if params:  # validated through the model
            object.__setattr__(self, "neuron", self.neuron.with_parameters(**dict(params)))
        object.__setattr__(self, "parameters", params)

    def _parts(self):
        return (self.name, self.n, self.neuron.name, str(self.neuron.equations),
                tuple(sorted((k, format_quantity(v)) for k, v in self.neuron.parameters.items())),
                self.kind, self.initial)


def _check_neuron_parameter(pop: str, key: str, value):
    """Population parameters must be finite; time constants and capacitances > 0, refractory
    periods and delays >= 0 (an equation with a negative time constant diverges)."""
    if isinstance(value, str):
        return
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return
    if not np.all(np.isfinite(arr)):
        raise SpecError(f"population {pop}: parameter {key} must be finite, got {value!r}")
    dims = fu.get_dimensions(value)
    lowered = key.lower()
    if dims is second.dim and ("ref" in lowered or "delay" in lowered):
        if np.any(arr < 0):
            raise SpecError(f"population {pop}: {key} must be >= 0, got {format_quantity(value)}")
    elif (dims is second.dim and lowered.startswith("tau")) or dims is fu.get_dimensions(_FARAD):
        if np.any(arr <= 0):
            what = "a time constant" if dims is second.dim else "a capacitance"
            raise SpecError(f"population {pop}: {key} must be > 0 ({what}), got {format_quantity(value)}")


def _check_initial(pop: str, key: str, value):
    """Initial values: numbers must be finite; expressions must not name NaN or infinity."""
    if isinstance(value, str):
        import re

        if re.search(r"\b(nan|NaN|inf|Inf)\b", value):
            raise SpecError(f"population {pop}: the initial value of {key} ({value!r}) is not finite")
        return
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return
    if not np.all(np.isfinite(arr)):
        raise SpecError(f"population {pop}: the initial value of {key} must be finite, got {value!r}")


@dataclasses.dataclass(frozen=True, eq=False)
class PoissonDrive(_Hashed):
    """External Poisson drive onto every neuron of ``post``.

    ``n_inputs`` independent sources at ``rate`` each, weight ``weight`` (Brunel 2000's C_ext inputs
    at ν_ext; Brian2 PoissonInput).

    Attributes
    ----------
    name : str
        A valid identifier.
    post : str
        The driven population.
    n_inputs : int
        Independent sources per neuron.
    rate : Quantity
        Rate of each source.
    weight : Quantity
        Non-negative magnitude of each input.
    kind : {"E", "I"}
        Sign of the drive.
    """

    name: str
    post: str
    n_inputs: int
    rate: Any
    weight: Any
    kind: str = "E"

    def __post_init__(self):
        _check_name(self.name, "drive")
        if int(self.n_inputs) != self.n_inputs or self.n_inputs <= 0:
            raise SpecError(f"drive {self.name}: n_inputs must be a positive integer, got {self.n_inputs!r}")
        as_quantity(self.rate, Hz, f"drive {self.name}: rate")
        if not np.isfinite(float(self.rate)) or float(self.rate) < 0:
            raise SpecError(f"drive {self.name}: rate must be finite and >= 0, got {self.rate!r}")
        if self.kind not in KINDS:
            raise SpecError(f"drive {self.name}: kind must be 'E' or 'I', got {self.kind!r}")
        _check_weight(self.weight, self.name)


@dataclasses.dataclass(frozen=True, eq=False)
class SpikeSource(_Hashed):
    """A population of ``n`` input neurons firing at given times (Brian2 SpikeGeneratorGroup).

    Deterministic input, identical on every target.

    Attributes
    ----------
    name : str
        A valid identifier.
    n : int
        Number of input neurons.
    indices : ndarray of int
        Neuron of each spike.
    times : Quantity
        Time of each spike.
    kind : {"E", "I"}
        Sign of its outgoing synapses.
    """

    name: str
    n: int
    indices: np.ndarray
    times: Any
    kind: str = "E"

    def __post_init__(self):
        _check_name(self.name, "source")
        if int(self.n) != self.n or self.n <= 0:
            raise SpecError(f"source {self.name}: size must be a positive integer, got {self.n!r}")
        idx = np.asarray(self.indices, dtype=np.int64)
        as_quantity(self.times, second, f"source {self.name}: times")
        t = np.asarray(self.times, dtype=float)
        if idx.shape != t.shape or idx.ndim != 1:
            raise SpecError(f"source {self.name}: indices and times must be 1-D of equal length")
        if idx.size and (idx.min() < 0 or idx.max() >= self.n):
            raise SpecError(f"source {self.name}: indices must lie in [0, {self.n})")
        if not np.all(np.isfinite(t)) or np.any(t < 0):
            raise SpecError(f"source {self.name}: spike times must be finite and >= 0")
        idx.setflags(write=False)
        object.__setattr__(self, "indices", idx)
        if self.kind not in KINDS:
            raise SpecError(f"source {self.name}: kind must be 'E' or 'I', got {self.kind!r}")


def _check_weight(weight, name: str):
    check_weights(weight, f"projection {name}")


def check_weights(weight, where: str, size: int | None = None, unit=None):
    """The one check of Dale's law for weights in every form they take.

    ``weight`` is a magnitude: a Quantity or array (every element finite and >= 0, ``size``
    elements when given, or one), or a Brian2 expression string whose lower bound over all its
    random draws and indices must be >= 0 (:func:`expression_bounds`): ``"0.5*mV + 0.1*mV*rand()"``
    passes, ``"-0.5*mV"``, ``"randn()*mV"`` or ``"(rand() - 0.5)*mV"`` are refused, and so is an
    expression whose bound cannot be established (a name other than a unit, ``i``, ``j``,
    ``N_pre``, ``N_post``, ``N_incoming``, ``N_outgoing``). The sign of the effect comes from
    the presynaptic population's kind (E or I), never from the weight.

    Parameters
    ----------
    weight : Quantity, array_like or str
        The weight in any form.
    where : str
        What the weight belongs to, for the error messages.
    size : int, optional
        Number of synapses an array must match (or be a single value).
    unit : Unit, optional
        Dimensions a numeric weight must have.

    Returns
    -------
    Quantity, array_like or str
        ``weight``, unchanged.

    Raises
    ------
    DaleViolation
        A weight that is or can be negative.
    SpecError
        NaN or infinite weights, or the wrong number of them.
    UnitError
        Wrong dimensions (when ``unit`` is given).
    """
    hint = ("Weights are non-negative magnitudes (Dale's law); the sign comes from the presynaptic "
            "population's kind: to make a connection inhibitory, project from an inhibitory population.")
    if isinstance(weight, str):
        low, high = expression_bounds(weight, where)
        if not low >= 0:
            raise DaleViolation(f"{where}: the weight expression {weight!r} can be negative (lower bound "
                                f"{low:g} in SI units). {hint}")
        return weight
    if unit is not None:
        as_quantity(weight, unit, f"{where}: weight")
    try:
        arr = np.asarray(weight, dtype=float)
    except (TypeError, ValueError):
        raise SpecError(f"{where}: weights must be numbers, got {type(weight).__name__}") from None
    if not np.all(np.isfinite(arr)):
        bad = ~np.isfinite(arr)
        raise SpecError(f"{where}: weights must be finite; {int(bad.sum())} of {arr.size} are NaN or "
                        f"infinite (first at index {int(np.argmax(bad.ravel()))})")
    if np.any(arr < 0):
        raise DaleViolation(f"{where}: found {int((arr < 0).sum())} negative value(s) "
                            f"(smallest {float(arr.min()):g}). {hint}")
    if size is not None and arr.size not in (1, size):
        raise SpecError(f"{where}: {arr.size} weights for {size} synapses")
    return weight


_INDEX_BOUNDS = {"i": (0.0, math.inf), "j": (0.0, math.inf), "N_pre": (1.0, math.inf),
                 "N_post": (1.0, math.inf), "N_incoming": (1.0, math.inf), "N_outgoing": (1.0, math.inf),
                 "N": (1.0, math.inf), "pi": (math.pi, math.pi), "True": (1.0, 1.0), "False": (0.0, 0.0)}


def _mul(a, b):
    vals = [x * y if not ((x == 0 and math.isinf(y)) or (y == 0 and math.isinf(x))) else 0.0
            for x in a for y in b]
    return min(vals), max(vals)


def expression_bounds(expr: str, where: str = "expression") -> tuple[float, float]:
    """Lower and upper bound of a Brian2 expression over every draw of ``rand()`` (in [0, 1]),
    ``randn()`` (unbounded) and every index (interval arithmetic, SI magnitudes). A part whose
    bound is unknown (another name, another function) gives ``(-inf, inf)``.

    Parameters
    ----------
    expr : str
        A Brian2 expression.
    where : str
        What the expression belongs to, for the error message.

    Returns
    -------
    low, high : float
        The bounds, in SI magnitudes.

    Raises
    ------
    SpecError
        If the expression cannot be parsed.
    """
    import ast

    from .units import _UNIT_NAMESPACE

    unknown = (-math.inf, math.inf)
    try:
        tree = ast.parse(expr.strip(), mode="eval")
    except SyntaxError as exc:
        raise SpecError(f"{where}: cannot parse the expression {expr!r} ({exc.msg})") from None

    def ev(node):
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            v = float(node.value)
            return (v, v)
        if isinstance(node, ast.Name):
            if node.id in _INDEX_BOUNDS:
                return _INDEX_BOUNDS[node.id]
            if node.id in _UNIT_NAMESPACE and node.id not in ("inf",):
                v = float(_UNIT_NAMESPACE[node.id])
                return (v, v)
            return unknown
        if isinstance(node, ast.UnaryOp):
            a = ev(node.operand)
            if isinstance(node.op, ast.USub):
                return (-a[1], -a[0])
            if isinstance(node.op, ast.UAdd):
                return a
            return (0.0, 1.0)  # not
        if isinstance(node, ast.BinOp):
            a, b = ev(node.left), ev(node.right)
            if isinstance(node.op, ast.Add):
                return (a[0] + b[0], a[1] + b[1])
            if isinstance(node.op, ast.Sub):
                return (a[0] - b[1], a[1] - b[0])
            if isinstance(node.op, ast.Mult):
                return _mul(a, b)
            if isinstance(node.op, ast.Div):
                if b[0] <= 0 <= b[1]:
                    return unknown
                return _mul(a, (1 / b[1], 1 / b[0]))
            if isinstance(node.op, ast.Pow) and a[0] >= 0 and b[0] == b[1]:
                ends = sorted((a[0] ** b[0] if a[0] > 0 or b[0] > 0 else math.inf, a[1] ** b[0]))
                return (ends[0], ends[1])
            return unknown
        if isinstance(node, (ast.Compare, ast.BoolOp)):
            return (0.0, 1.0)
        if isinstance(node, ast.IfExp):
            a, b = ev(node.body), ev(node.orelse)
            return (min(a[0], b[0]), max(a[1], b[1]))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            f, args = node.func.id, [ev(a) for a in node.args]
            if f == "rand" and not args:
                return (0.0, 1.0)
            if f in ("exp",) and len(args) == 1:
                return (math.exp(min(args[0][0], 700)), math.exp(min(args[0][1], 700)))
            if f == "abs" and len(args) == 1:
                lo, hi = args[0]
                return (0.0 if lo <= 0 <= hi else min(abs(lo), abs(hi)), max(abs(lo), abs(hi)))
            if f == "sqrt" and len(args) == 1:
                return (math.sqrt(max(args[0][0], 0.0)), math.sqrt(max(args[0][1], 0.0)))
            if f == "clip" and len(args) == 3:
                return (max(args[0][0], args[1][0]), min(max(args[0][1], args[1][0]), args[2][1]))
            if f in ("int", "floor", "ceil") and len(args) == 1:
                return (math.floor(args[0][0]), math.ceil(args[0][1]))
            if f in ("sin", "cos") and len(args) == 1:
                return (-1.0, 1.0)
            return unknown
        return unknown

    low, high = ev(tree)
    return float(low), float(high)


@dataclasses.dataclass(frozen=True, eq=False)
class Projection(_Hashed):
    """Synapses from population ``pre`` to population ``post``.

    Parameters
    ----------
    pre, post : str
        Population (or source) names in the circuit.
    connectivity : Connectivity
    weight : Quantity
        Non-negative magnitude(s), in the postsynaptic model's ``weight_unit``: a scalar, or an
        array with one value per synapse (explicit connectivity) — or a Brian2 expression string
        such as ``"0.5*mV + 0.1*mV*rand()"``.
    delay : Quantity
        Transmission delay (>= 0).
    rule : object, optional
        A learning rule from :mod:`cortexlearn.rules` (renders the synapse's equations).
    name : str, optional
        Defaults to ``"{pre}_to_{post}"``.
    delay_site : {"axonal", "dendritic"}
        Where the delay sits for the learning rule. ``"axonal"`` (default): the whole presynaptic
        pathway, plasticity included, runs ``delay`` after the spike, while postsynaptic spikes
        reach the synapse at once; a rule sees ``t_post - (t_pre + delay)``. ``"dendritic"``: the
        presynaptic spike reaches the synapse at once (the rule's presynaptic update runs at
        ``t_pre``) and travels the delay along the dendrite, both ways: the potential changes
        at ``t_pre + delay`` and postsynaptic spikes reach the synapse at ``t_post + delay``, so
        a rule sees ``t_post + delay - t_pre`` (Morrison, Diesmann & Gerstner 2008, Biol Cybern
        98:459; NEST's ``stdp_synapse``, whose delay is entirely dendritic). The two
        differ by ``2 delay`` in spike timing. Static projections behave the same either way;
        rules that support the dendritic form list it in their ``delay_sites``.
    """

    pre: str
    post: str
    connectivity: Connectivity
    weight: Any
    delay: Any = dataclasses.field(default_factory=lambda: 0 * ms)
    rule: Any = None
    name: str = ""
    delay_site: str = "axonal"

    def _parts(self) -> tuple:
        # the default site adds nothing to the digest, so specs written before it keep theirs
        parts = super()._parts()
        return parts[:-1] if self.delay_site == "axonal" else parts

    def __post_init__(self):
        if not self.name:
            object.__setattr__(self, "name", f"{self.pre}_to_{self.post}")
        if self.delay_site not in ("axonal", "dendritic"):
            raise SpecError(f"projection {self.name}: delay_site must be 'axonal' or 'dendritic', "
                            f"got {self.delay_site!r}")
        _check_name(self.name, "projection")
        if not isinstance(self.connectivity, Connectivity):
            raise SpecError(f"projection {self.name}: connectivity must be a Connectivity, "
                            f"e.g. Connectivity.probability(0.1)")
        _check_weight(self.weight, self.name)  # an expression string: its lower bound
        if not isinstance(self.weight, str):
            if self.connectivity.mode == "explicit" and np.size(self.weight) not in (1, self.connectivity.i.size):
                raise SpecError(f"projection {self.name}: {np.size(self.weight)} weights for "
                                f"{self.connectivity.i.size} explicit synapses")
            if self.connectivity.mode != "explicit" and np.size(self.weight) != 1:
                raise SpecError(f"projection {self.name}: per-synapse weight arrays need explicit "
                                "connectivity (or pass an expression string)")
        as_quantity(self.delay, second, f"projection {self.name}: delay")
        d = float(self.delay)
        if not np.isfinite(d) or d < 0:
            raise SpecError(f"projection {self.name}: delay must be finite and >= 0, got {self.delay!r}")


@dataclasses.dataclass(frozen=True, eq=False)
class Circuit(_Hashed):
    """A whole circuit: populations, input sources, projections and external drives.

    Attributes
    ----------
    name : str
        A valid identifier.
    populations : tuple of Population
        The neurons.
    projections : tuple of Projection
        The synapses.
    drives : tuple of PoissonDrive
        External Poisson input.
    sources : tuple of SpikeSource
        Input neurons with given spike times.
    """

    name: str
    populations: tuple
    projections: tuple = ()
    drives: tuple = ()
    sources: tuple = ()

    def __post_init__(self):
        _check_name(self.name, "circuit")
        for field in ("populations", "projections", "drives", "sources"):
            object.__setattr__(self, field, tuple(getattr(self, field)))
        if not self.populations:
            raise SpecError(f"circuit {self.name} has no population")
        names = [p.name for p in self.populations] + [s.name for s in self.sources]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise SpecError(f"circuit {self.name}: duplicate population names {sorted(dup)}")
        nodes = self.nodes
        pnames = [p.name for p in self.projections]
        if len(set(pnames)) != len(pnames):
            raise SpecError(f"circuit {self.name}: duplicate projection names")
        every = names + pnames + [d.name for d in self.drives]
        clash = sorted({n for n in every if every.count(n) > 1})
        if clash:
            raise SpecError(f"circuit {self.name}: names must be unique across populations, sources, "
                            f"projections and drives (they name Brian2 objects); repeated: {clash}")
        for proj in self.projections:
            for end in (proj.pre, proj.post):
                if end not in nodes:
                    raise SpecError(f"projection {proj.name}: population {end!r} is not in circuit "
                                    f"{self.name} (it has {', '.join(nodes)})")
            if proj.post not in {p.name for p in self.populations}:
                raise SpecError(f"projection {proj.name}: target {proj.post!r} is an input source")
            pre, post = nodes[proj.pre], nodes[proj.post]
            proj.connectivity.check_sizes(pre.n, post.n, proj.name)
            if pre.kind not in post.neuron.on_pre and post.neuron.is_spiking:
                raise SpecError(f"projection {proj.name}: {post.neuron.name} has no {pre.kind} channel")
            if proj.rule is not None and hasattr(proj.rule, "check_projection"):
                post_kind = post.kind
                proj.rule.check_projection(pre.kind, post_kind)
        for drive in self.drives:
            if drive.post not in {p.name for p in self.populations}:
                raise SpecError(f"drive {drive.name}: population {drive.post!r} is not in circuit {self.name}")
        _NETWORKS[f"{self.name}_network"] = self

    @property
    def nodes(self) -> dict:
        """Every population and input source by name."""
        out = {p.name: p for p in self.populations}
        out.update({s.name: s for s in self.sources})
        return out

    def population(self, name: str) -> Population:
        """The population (or input source) named ``name``.

        Parameters
        ----------
        name : str
            Its name.

        Returns
        -------
        Population

        Raises
        ------
        SpecError
            For an unknown name.
        """
        try:
            return self.nodes[name]
        except KeyError:
            raise SpecError(f"circuit {self.name} has no population {name!r}") from None

    def describe(self) -> str:
        """A Markdown methods table: populations, projections, drives, equations, parameters."""
        out = [f"## Circuit `{self.name}`", "", "| population | kind | N | model |", "|---|---|---|---|"]
        for p in self.populations:
            out.append(f"| {p.name} | {p.kind} | {p.n} | {p.neuron.name} |")
        for s in self.sources:
            out.append(f"| {s.name} | {s.kind} | {s.n} | spike source ({len(s.indices)} spikes) |")
        out += ["", "| projection | pre → post | sign | connectivity | weight | delay | rule |",
                "|---|---|---|---|---|---|---|"]
        nodes = self.nodes
        for pr in self.projections:
            sign = "+" if nodes[pr.pre].kind == "E" else "−"
            w = pr.weight if isinstance(pr.weight, str) else (
                format_quantity(pr.weight) if np.size(pr.weight) == 1 else f"{np.size(pr.weight)} values")
            rule = type(pr.rule).__name__ if pr.rule is not None else "static"
            site = " (dendritic)" if pr.delay_site == "dendritic" else ""
            out.append(f"| {pr.name} | {pr.pre} → {pr.post} | {sign} | {pr.connectivity.describe()} "
                       f"| {w} | {format_quantity(pr.delay)}{site} | {rule} |")
        if self.drives:
            out += ["", "| drive | target | inputs | rate | weight |", "|---|---|---|---|---|"]
            for d in self.drives:
                out.append(f"| {d.name} | {d.post} | {d.n_inputs} | {format_quantity(d.rate)} | "
                           f"{format_quantity(d.weight)} |")
        out += ["", "### Neuron models", ""]
        seen = set()
        for p in self.populations:
            if p.neuron.name + repr(dict(p.neuron.parameters)) in seen:
                continue
            seen.add(p.neuron.name + repr(dict(p.neuron.parameters)))
            out.append(p.neuron.describe())
        return "\n".join(out)
