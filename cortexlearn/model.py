"""The contract every reproduction in ``models/`` fulfils.

A model folder ``models/NAME/__init__.py`` defines ``MODEL = Model(...)``:

- :class:`Parameter` s with defaults in units and the paper (and figure or table) each comes from;
- ``simulate(ctx)``: runs the model through :class:`RunContext` (which hands out
  :class:`~cortexlearn.simulation.Simulation` objects for the requested target and seed, records
  labelled arrays and reports progress) and returns a ``dict`` of scalar metrics; a model that
  runs several seeds adds the per-seed values of each checked metric (:func:`seed_values`);
- :class:`Check` s: the paper's numbers, each with its comparison, tolerance and source, judged
  across seeds by a one-sided 95 % Student-t bound when per-seed values are present;
- ``figure(data, metrics)``: draws the figure from saved results alone (no re-run).
"""

from __future__ import annotations

import dataclasses
import math
import os
from typing import Any, Callable, Mapping

import numpy as np
from brian2.units import fundamentalunits as fu

from .errors import SpecError
from .units import as_quantity, format_quantity, parse_quantity

__all__ = ["Parameter", "Check", "Model", "RunContext", "evaluate_checks", "seed_values", "seed_bound",
           "per_seed_key", "new_build_directory"]


@dataclasses.dataclass(frozen=True)
class Parameter:
    """A model parameter: default value with units, where the value comes from, what it means.

    Parameters
    ----------
    name : str
        Python identifier used with ``--set NAME=VALUE`` and ``cortexlearn.run(..., NAME=VALUE)``.
    default : Quantity, float, int, bool or str
        Default value; its dimensions are the parameter's dimensions.
    doc : str
        One line: what the parameter is.
    source : str
        Where the default comes from (paper, figure or table), or why it was chosen.
    choices : tuple, optional
        Allowed values for string parameters.
    quick : optional
        Value used by ``--quick`` smoke runs (default: same as ``default``).
    domain : str or tuple of str, optional
        The values the parameter may take, checked when a run is resolved (before anything is
        built), so that no model needs checks of its own: ``"positive"`` (> 0),
        ``"nonnegative"`` (>= 0), ``"probability"`` ([0, 1]), ``"finite"``, ``"integer>=N"``, an
        interval with units such as ``"(0*ms, 1*ms]"`` or ``"[-100*mV, 0*mV]"``, or
        ``"steps:NAME"`` (a whole number >= 1 of the time step given by parameter ``NAME``).
        Every number parameter must be finite whatever its domain.
    runtime : bool
        True when the value reaches a compiled (standalone) program only as data, never as code:
        e.g. it only shapes initial values or weights set from arrays, or is passed with
        ``run_args``. Sweeps then schedule units that differ only in it (and in the seed) as one
        build group (:func:`cortexlearn.sweep.build_groups`). A hint for scheduling only: the build
        cache re-uses a program only when the generated code is identical.
    """

    name: str
    default: Any
    doc: str
    source: str = ""
    choices: tuple | None = None
    quick: Any = None
    runtime: bool = False
    domain: Any = None

    def __post_init__(self):
        if not self.name.isidentifier():
            raise SpecError(f"parameter name {self.name!r} is not a Python identifier")
        domains = () if self.domain is None else (
            (self.domain,) if isinstance(self.domain, str) else tuple(self.domain))
        for d in domains:
            _parse_domain(d, self.name)
        object.__setattr__(self, "domain", domains)

    def check_domain(self, value, values: Mapping[str, Any] | None = None):
        """Raise :class:`SpecError` naming the parameter and its valid range when ``value`` lies
        outside this parameter's domain.

        Parameters
        ----------
        value : object
            The value to check; booleans, strings and None are not checked.
        values : mapping, optional
            The other resolved parameters, for a domain ``steps:NAME`` (a whole number of the
            time step ``NAME``); without them that domain is not checked.

        Raises
        ------
        SpecError
            If ``value`` is not finite or lies outside a domain.
        """
        if isinstance(value, (bool, str, np.bool_)) or value is None:
            return
        arr = np.asarray(value, dtype=float)
        shown = format_quantity(value)
        if not np.all(np.isfinite(arr)):
            raise SpecError(f"{self.name} must be finite, got {shown}")
        for d in self.domain:
            kind, low, high, closed_low, closed_high = _parse_domain(d, self.name)
            if kind == "steps":
                if values is None or low not in values:
                    continue
                dt = values[low]
                steps = arr / float(dt) if float(dt) > 0 else np.full(arr.shape, np.nan)
                if not (np.all(steps >= 1 - 1e-9) and np.all(np.abs(steps - np.round(steps)) < 1e-6)):
                    raise SpecError(f"{self.name} must be a whole number (>= 1) of time steps {low} "
                                    f"({format_quantity(dt)}), got {shown}")
                continue
            if kind == "integer" and not np.all(arr == np.round(arr)):
                raise SpecError(f"{self.name} must be an integer >= {low:g}, got {shown}")
            if kind == "integer" and not np.all(arr >= low):
                raise SpecError(f"{self.name} must be an integer >= {low:g}, got {shown}")
            if kind == "integer":
                continue
            for bound in (low, high):
                if isinstance(bound, fu.Quantity) and not isinstance(bound, float):
                    as_quantity(value, bound, self.name)
            lo, hi = float(low), float(high)
            ok = (arr >= lo if closed_low else arr > lo) & (arr <= hi if closed_high else arr < hi)
            if not np.all(ok):
                raise SpecError(f"{self.name} must be in {_describe_domain(d)}, got {shown}")

    @property
    def unit(self):
        """The Brian2 unit of the default (None for booleans and text)."""
        if isinstance(self.default, (bool, str, np.bool_)):
            return None
        return fu.get_unit(fu.get_dimensions(self.default))

    def coerce(self, value):
        """Validate (and parse, if text) a new value for this parameter.

        Parameters
        ----------
        value : object
            A value, or its text (``"25*ms"``, ``"true"``).

        Returns
        -------
        object
            The value, of the default's type and units.

        Raises
        ------
        SpecError, UnitError
            For a value that does not fit the parameter.
        """
        default = self.default
        if isinstance(default, (bool, np.bool_)):
            if isinstance(value, str):
                low = value.strip().lower()
                if low not in ("true", "false", "1", "0", "yes", "no"):
                    raise SpecError(f"{self.name} must be true or false, got {value!r}")
                return low in ("true", "1", "yes")
            if not isinstance(value, (bool, np.bool_, int)):
                raise SpecError(f"{self.name} must be true or false, got {value!r}")
            return bool(value)
        if isinstance(default, str):
            value = str(value).strip()
            if self.choices and value not in self.choices:
                raise SpecError(f"{self.name} must be one of {', '.join(self.choices)}; got {value!r}")
            return value
        if isinstance(value, str):
            value = parse_quantity(value, self.name)
        as_quantity(value, default, self.name)
        arr = np.asarray(value, dtype=float)
        if not np.all(np.isfinite(arr)):
            raise SpecError(f"{self.name} must be finite, got {value!r}")
        if isinstance(default, (int, np.integer)) and not isinstance(default, bool):
            if np.ndim(value) != 0 or float(value) != int(float(value)):
                raise SpecError(f"{self.name} must be an integer, got {value!r}")
            return int(float(value))
        return value

    def describe_default(self) -> str:
        """The default as short text (``"20. ms"``).
        """
        return format_quantity(self.default)


_NAMED_DOMAINS = {"positive": "(0, inf)", "nonnegative": "[0, inf)", "probability": "[0, 1]",
                  "finite": "(-inf, inf)"}


def _describe_domain(domain: str) -> str:
    text = _NAMED_DOMAINS.get(domain, domain)
    if text.startswith("integer>="):
        return f"the integers >= {text[9:]}"
    return {"(0, inf)": "(0, inf) (positive)", "[0, inf)": "[0, inf) (non-negative)"}.get(text, text)


def _parse_domain(domain, name: str):
    """(kind, low, high, low closed, high closed) of a domain text (see :class:`Parameter`)."""
    if not isinstance(domain, str):
        raise SpecError(f"parameter {name}: domain must be text, got {domain!r}")
    text = _NAMED_DOMAINS.get(domain, domain).strip()
    if text.startswith("steps:"):
        return "steps", text[6:].strip(), None, True, True
    if text.startswith("integer>="):
        return "integer", float(text[9:]), math.inf, True, True
    if len(text) < 5 or text[0] not in "[(" or text[-1] not in ")]" or "," not in text:
        raise SpecError(f"parameter {name}: unknown domain {domain!r}; use positive, nonnegative, "
                        "probability, finite, integer>=N, steps:NAME or an interval like '(0*ms, 1*ms]'")
    low_text, high_text = text[1:-1].split(",", 1)
    low = parse_quantity(low_text.replace("-inf", "-1*inf"), f"{name} domain")
    high = parse_quantity(high_text, f"{name} domain")
    return "interval", low, high, text[0] == "[", text[-1] == "]"


_OPS = {
    ">=": lambda v, t, tol: v >= t - tol,
    "<=": lambda v, t, tol: v <= t + tol,
    ">": lambda v, t, tol: v > t - tol,
    "<": lambda v, t, tol: v < t + tol,
    "abs": lambda v, t, tol: abs(v - t) <= tol,
    "rel": lambda v, t, tol: abs(v - t) <= tol * abs(t),
}

#: Confidence of the one-sided bound over seeds that a multi-seed check is judged by.
CONFIDENCE = 0.95

#: How a check is judged across seeds (``Check.judge``), and the words its row says it with.
_JUDGES = {"bound": "95 % bound over seeds", "worst": "worst seed"}

#: Suffix of the metric that holds a checked metric's per-seed values (see :func:`per_seed_key`).
PER_SEED_SUFFIX = "_per_seed"


def per_seed_key(metric: str) -> str:
    """Name of the metric that holds the per-seed values of ``metric``.

    A trailing ``_mean`` is dropped: the per-seed values of ``angle_mean`` are ``angle_per_seed``,
    those of ``rate_hz`` are ``rate_hz_per_seed``.

    Parameters
    ----------
    metric : str

    Returns
    -------
    str
    """
    base = metric[: -len("_mean")] if metric.endswith("_mean") else metric
    return base + PER_SEED_SUFFIX


def seed_values(values, prefix: str) -> dict:
    """``{prefix}_mean`` and ``{prefix}_per_seed`` of per-seed values, for a model's metrics.

    A :class:`Check` on ``{prefix}_mean`` (or on ``prefix``) is then judged by the one-sided
    95 % Student-t bound over these values (:func:`seed_bound`).

    Parameters
    ----------
    values : array_like
        One value per seed.
    prefix : str
        Name of the metric.

    Returns
    -------
    dict
    """
    values = [float(v) for v in np.ravel(np.asarray(values, dtype=np.float64))]
    mean = float(np.mean(values)) if values else math.nan
    return {f"{prefix}_mean": mean, f"{prefix}{PER_SEED_SUFFIX}": values}


def seed_bound(values, side: str, confidence: float = CONFIDENCE) -> float:
    """One-sided Student-t confidence bound on the mean of per-seed values.

    .. math:: \\bar x \\mp t_{c,\\,n-1}\\, s / \\sqrt{n}

    with :math:`s` the sample standard deviation (ddof 1) and :math:`t_{c,n-1}` the
    :math:`c` quantile of Student's t with :math:`n - 1` degrees of freedom (Student 1908).
    ``side`` is ``"lower"`` or ``"upper"``. With one value the bound is that value; with a
    non-finite value it is NaN (a diverged seed fails every check).

    Parameters
    ----------
    values : array_like
        One value per seed.
    side : {"lower", "upper"}
    confidence : float
        One-sided confidence level (default 0.95).

    Returns
    -------
    float
    """
    from scipy import stats

    x = np.asarray(values, dtype=np.float64).ravel()
    if x.size == 0 or not np.all(np.isfinite(x)):
        return math.nan
    mean = float(x.mean())
    if x.size == 1:
        return mean
    half = float(stats.t.ppf(confidence, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    if side == "lower":
        return mean - half
    if side == "upper":
        return mean + half
    raise ValueError(f"side must be 'lower' or 'upper', got {side!r}")


@dataclasses.dataclass(frozen=True)
class Check:
    """A target from the paper that a metric is judged by.

    ``op`` is one of ``>=``, ``<=``, ``>``, ``<`` (value compared with ``target``, loosened by
    ``tolerance``, which is 0 unless the source names one), ``abs`` (``|value - target| <=
    tolerance``) or ``rel`` (``|value - target| <= tolerance * |target|``). ``target`` may be a
    callable of the metrics and parameters when it depends on them (e.g. a fitted time constant
    must recover the one that was set); it may not be widened by a parameter of the model itself.

    **Across seeds.** When the metrics hold per-seed values of the checked metric (under
    :func:`per_seed_key`, written with :func:`seed_values`) and there are at least two, the check
    is judged by the one-sided 95 % Student-t bound over seeds (:func:`seed_bound`) instead of the
    mean: for ``>=`` / ``>`` the lower bound must clear the target, for ``<=`` / ``<`` the upper
    bound; for ``abs`` / ``rel`` both bounds must lie inside the band (two one-sided tests,
    Schuirmann 1987, J. Pharmacokinet. Biopharm. 15:657). A mean that only touches the target
    therefore does not pass unless every seed gives the same value. The row then carries
    ``n_seeds``, ``mean``, ``bound`` (``[lower, upper]`` for ``abs`` / ``rel``) and ``per_seed``.

    **On the worst seed.** A target that every seed must reach (``judge="worst"``) is judged on
    the worst of the per-seed values named by ``per_seed``: the largest for ``<`` / ``<=``, the
    smallest for ``>`` / ``>=``, the farthest from the target for ``abs`` / ``rel``; a
    non-finite seed fails. ``metric`` then names the model's own worst-seed metric (shown as
    ``value``). The row carries ``n_seeds``, ``mean``, ``per_seed``, ``bound`` (the worst value,
    the one judged) and ``judge``; every row says how it was judged in ``judge``: ``"one
    value"``, ``"95 % bound over seeds"`` or ``"worst seed"``.

    Attributes
    ----------
    name : str
        What is checked, in words.
    metric : str
        Key of the metric in the model's metrics.
    op : str
        The comparison (see above).
    target : float or callable
        The number to reach, or ``target(metrics, params)``.
    tolerance : float
        Allowed deviation (see above).
    source : str
        Where the target comes from: a paper and figure, a peer run, or a stated reason.
    per_seed : str or None
        Key of the metric holding the per-seed values (default :func:`per_seed_key` of
        ``metric``).
    judge : {"bound", "worst"}
        ``"bound"``: across seeds by the one-sided 95 % bound (above); ``"worst"``: every seed
        must reach the target, so the worst seed is judged.
    """

    name: str
    metric: str
    op: str
    target: Any
    tolerance: float = 0.0
    source: str = ""
    per_seed: str | None = None
    judge: str = "bound"

    def __post_init__(self):
        if self.op not in _OPS:
            raise SpecError(f"check {self.name}: unknown op {self.op!r}; use one of {', '.join(_OPS)}")
        if self.judge not in _JUDGES:
            raise SpecError(f"check {self.name}: unknown judge {self.judge!r}; use one of "
                            f"{', '.join(_JUDGES)}")

    def evaluate(self, metrics: Mapping[str, Any], params: Mapping[str, Any]) -> dict:
        """Judge one run's metric.

        Parameters
        ----------
        metrics : mapping
            The run's metrics (``NAME_per_seed`` lists, or the list named by ``per_seed``,
            judge the check across seeds).
        params : mapping
            The run's parameters (for a callable target).

        Returns
        -------
        dict
            ``name``, ``metric``, ``op``, ``value``, ``target``, ``tolerance``, ``n_seeds``,
            ``mean``, ``bound``, ``per_seed`` (across seeds), ``judge``, ``passed`` and
            ``source``; a missing or non-finite metric (or seed) does not pass.
        """
        target = self.target(metrics, params) if callable(self.target) else self.target
        target = float(target)
        value = metrics.get(self.metric, math.nan)
        value = float(value) if value is not None else math.nan
        per_seed = metrics.get(self.per_seed or per_seed_key(self.metric))
        row = {"name": self.name, "metric": self.metric, "op": self.op, "value": value,
               "target": target, "tolerance": self.tolerance}
        if self.judge == "worst" and per_seed is not None and len(per_seed) > 0:
            per_seed = [math.nan if v is None else float(v) for v in per_seed]  # None: NaN read from JSON
            worst = _worst(per_seed, self.op, target)
            if not np.isfinite(value):
                value = row["value"] = worst
            passed = bool(np.isfinite(worst) and _OPS[self.op](worst, target, self.tolerance))
            row.update(n_seeds=len(per_seed), mean=float(np.mean(per_seed)), bound=worst,
                       per_seed=per_seed, judge=_JUDGES["worst"])
        elif per_seed is None or len(per_seed) < 2:
            passed = bool(np.isfinite(value) and _OPS[self.op](value, target, self.tolerance))
            row.update(n_seeds=1 if per_seed is None else len(per_seed), mean=value, bound=value,
                       judge="one value")
        else:
            per_seed = [math.nan if v is None else float(v) for v in per_seed]  # None: NaN read from JSON
            mean = float(np.mean(per_seed))
            lower, upper = seed_bound(per_seed, "lower"), seed_bound(per_seed, "upper")
            if self.op in (">=", ">"):
                bound = lower
                passed = _OPS[self.op](lower, target, self.tolerance)
            elif self.op in ("<=", "<"):
                bound = upper
                passed = _OPS[self.op](upper, target, self.tolerance)
            else:
                bound = [lower, upper]
                passed = _OPS[self.op](lower, target, self.tolerance) and \
                    _OPS[self.op](upper, target, self.tolerance)
            passed = bool(np.isfinite(value) and np.isfinite(lower) and passed)
            row.update(n_seeds=len(per_seed), mean=mean, bound=bound, per_seed=per_seed,
                       judge=_JUDGES["bound"])
        row.update(passed=passed, source=self.source)
        return row


def _worst(values, op: str, target: float) -> float:
    """The per-seed value farthest on the failing side of ``target`` (NaN if any is not finite)."""
    x = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(x)):
        return math.nan
    if op in ("<", "<="):
        return float(x.max())
    if op in (">", ">="):
        return float(x.min())
    return float(x[np.argmax(np.abs(x - target))])  # abs / rel: the farthest from the target


def evaluate_checks(checks, metrics, params, quick: bool = False) -> list[dict]:
    """Evaluate every check against a run's metrics.

    Parameters
    ----------
    checks : sequence of Check
        The model's checks.
    metrics : mapping
        The run's metrics.
    params : mapping
        The run's parameters (for targets that depend on them).
    quick : bool, optional
        On quick (smoke-test) or incomplete runs no check is judged: each is reported with
        ``"passed": None`` and its value still shown.

    Returns
    -------
    list of dict
        One row per check, as :meth:`Check.evaluate` gives it.
    """
    out = []
    for check in checks:
        row = check.evaluate(metrics, params)
        if quick:
            row["passed"] = None
            row["note"] = "not judged on --quick or incomplete runs"
        out.append(row)
    return out


@dataclasses.dataclass(frozen=True)
class Model:
    """A paper reproduction. See the module docstring for the contract.

    Attributes
    ----------
    name : str
        The folder name under ``models/`` (``cortexlearn run NAME``).
    title : str
        One line: the paper's finding reproduced.
    reference : str
        The paper (authors, year, journal).
    parameters : tuple of Parameter
        Parameters with defaults, units and sources.
    simulate : callable
        ``simulate(ctx: RunContext) -> metrics``.
    checks : tuple of Check
        The numbers the model is judged by.
    figure : callable or None
        ``figure(data, metrics)`` draws the figure from saved results.
    description : str
        Longer text for ``cortexlearn list`` and the documentation.
    default_target : str
        Code-generation target used when none is given.
    """

    name: str
    title: str
    reference: str
    parameters: tuple[Parameter, ...]
    simulate: Callable[["RunContext"], Mapping[str, float]]
    checks: tuple[Check, ...] = ()
    figure: Callable[[Mapping[str, Any], Mapping[str, float]], Any] | None = None
    description: str = ""
    default_target: str = "cpp_standalone"

    def __post_init__(self):
        names = [p.name for p in self.parameters]
        if len(set(names)) != len(names):
            raise SpecError(f"model {self.name}: duplicate parameter names")

    @property
    def parameter_map(self) -> dict[str, Parameter]:
        """The parameters by name."""
        return {p.name: p for p in self.parameters}

    def resolve(self, overrides: Mapping[str, Any] | None = None, quick: bool = False) -> dict:
        """Defaults (or quick values) updated with validated ``overrides``.

        Parameters
        ----------
        overrides : mapping, optional
            New values by parameter name (text is parsed).
        quick : bool, optional
            Start from the quick values where a parameter has one.

        Returns
        -------
        dict
            Every parameter's value.

        Raises
        ------
        SpecError
            For an unknown name (listing the valid ones).
        UnitError
            For wrong units.
        """
        pmap = self.parameter_map
        values = {p.name: (p.quick if quick and p.quick is not None else p.default)
                  for p in self.parameters}
        for name, value in (overrides or {}).items():
            if name not in pmap:
                raise SpecError(self._unknown_parameter(name))
            values[name] = pmap[name].coerce(value)
        for others in (None, values):  # each value on its own first, then whole steps of dt
            for p in self.parameters:
                try:
                    p.check_domain(values[p.name], others)
                except SpecError as exc:
                    raise SpecError(f"model {self.name}: {exc}") from None
        return values

    def _unknown_parameter(self, name: str) -> str:
        """Error text for an unknown parameter name: the closest names first, then all of them."""
        from .suggest import did_you_mean

        valid = ", ".join(f"{p.name} (default {p.describe_default()})" for p in self.parameters)
        hint = did_you_mean(name, [p.name for p in self.parameters])
        return f"model {self.name} has no parameter {name!r}.{hint} Valid parameters: {valid}"

    def methods_table(self) -> str:
        """A Markdown methods section: the parameters table, a blank line, the checks table.

        The parameters table gives each default, the smaller value a ``--quick`` smoke run uses
        (empty: the default), the meaning and the source.

        Targets and tolerances are printed with four significant digits (``>= 0.5556``, not the
        float's full ``repr``).
        """
        rows = ["| parameter | default | `--quick` | meaning | source |", "|---|---|---|---|---|"]
        for p in self.parameters:
            quick = format_quantity(p.quick) if p.quick is not None else ""
            rows.append(f"| `{p.name}` | {p.describe_default()} | {quick} | {_cell(p.doc)} | {_cell(p.source)} |")
        checks = ["| check | metric | target | source |", "|---|---|---|---|"]
        for c in self.checks:
            tgt = "depends on parameters" if callable(c.target) else f"{c.op} {_number(c.target)}"
            if c.tolerance and not callable(c.target):
                tgt += f" (tolerance {_number(c.tolerance)})"
            if c.judge == "worst":
                tgt += ", on the worst seed"
            checks.append(f"| {_cell(c.name)} | `{c.metric}` | {tgt} | {_cell(c.source)} |")
        head = (f"# {self.title}\n\n{self.reference}\n\n{self.description.strip()}\n\n"
                f"`cortexlearn run {self.name} --quick` uses the `--quick` column on the numpy target "
                "(unless `--target` names another); its checks are shown, not judged.\n\n")
        body = "\n".join(rows) + "\n"
        if self.checks:
            body += "\n" + "\n".join(checks) + "\n"
        return head + body


def _cell(text) -> str:
    """Text for a Markdown table cell: a ``|`` inside it (e.g. ``|Δt|``) must not end the cell."""
    return str(text).replace("|", "\\|")


def _number(value) -> str:
    """A number for a methods table: whole numbers as integers, others to 4 significant digits."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isfinite(x) and x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.4g}"


def new_build_directory(build_root: str | None, target: str) -> str | None:
    """A new, unique folder under ``build_root`` for a standalone build.

    Used by :meth:`RunContext.simulation` and by model code that simulates in worker processes.

    Parameters
    ----------
    build_root : str or None
        The run's build root.
    target : str
        The code-generation target.

    Returns
    -------
    str or None
        None on runtime targets or without a build root (the simulation then makes its own).
    """
    if build_root is None or not target.endswith("standalone"):
        return None
    import uuid

    return os.path.join(build_root, f"build-{uuid.uuid4().hex[:10]}")


class RunContext:
    """What a model's ``simulate`` receives: parameters, target, seed and the means to record.

    Attributes
    ----------
    params : dict
        Resolved parameter values (with units).
    target, seed, quick : as requested.
    out : str or None
        The output folder (None for in-memory runs).
    """

    def __init__(self, model: Model, params: dict, target: str, seed: int, quick: bool,
                 out: str | None, progress: bool = True, recorder=None, build_root: str | None = None):
        self.model = model
        self.params = params
        self.target = target
        self.seed = seed
        self.quick = quick
        self.out = out
        self.progress_enabled = progress
        self._recorder = recorder
        self.data: dict[str, Any] = {}
        self.build_root = build_root
        self.status = "complete"
        self.log: list[str] = []
        #: every seed the model used (``seed, seed + 1, ...`` for several); the manifest lists them
        self.seeds_used: list[int] = []

    def simulation(self, seed: int | None = None, target: str | None = None, **kwargs):
        """A new :class:`~cortexlearn.simulation.Simulation` for this run's target and seed.

        Parameters
        ----------
        seed : int, optional
            Default: the run's seed.
        target : str, optional
            Default: the run's target.
        **kwargs
            Passed to :class:`~cortexlearn.simulation.Simulation`; without ``directory``, a standalone
            build goes to a new folder under the run's build root.

        Returns
        -------
        Simulation
        """
        from .simulation import Simulation

        directory = kwargs.pop("directory", None)
        if directory is None:
            directory = new_build_directory(self.build_root, target or self.target)
        return Simulation(target=target or self.target, seed=self.seed if seed is None else seed,
                          directory=directory, progress=kwargs.pop("progress", self.progress_enabled),
                          **kwargs)

    def record(self, name: str, value):
        """Store a labelled array (``xarray.DataArray``) or plain array under ``name``.

        With an output folder, it is written to ``data.zarr`` at once, so an interrupted run keeps
        everything recorded before the interruption.

        Parameters
        ----------
        name : str
            Name of the array.
        value : DataArray, Quantity or array_like
            The data.
        """
        self.data[name] = value
        if self._recorder is not None:
            self._recorder(name, value)

    def mark_interrupted(self, why: str = ""):
        """Declare the run incomplete (e.g. a :class:`RunInfo` came back ``interrupted``).

        Parameters
        ----------
        why : str, optional
            Logged with the run.
        """
        self.status = "interrupted"
        if why:
            self.log.append(why)

    def progress(self, iterable, desc: str = "", total: int | None = None):
        """Wrap ``iterable`` in a progress bar (tqdm; plain lines outside notebooks).

        Parameters
        ----------
        iterable : iterable
            What is iterated over.
        desc : str, optional
            Label after the model's name.
        total : int, optional
            Number of items, when ``iterable`` has no length.

        Returns
        -------
        iterable
        """
        if not self.progress_enabled:
            return iterable
        from tqdm.auto import tqdm

        return tqdm(iterable, desc=f"{self.model.name} {desc}".strip(), total=total, leave=False)
