"""Claim / Report: a theorem made executable, and the registry of all claims.

A :class:`Claim` knows where it comes from (paper and equation), states itself in one
sentence, carries a default setting and the seeds it holds for, and computes a
:class:`Comparison` of what theory predicts with what the simulation (or solver, or symbolic
proof) observes. ``claim.check(setting=None, seed=0)`` returns a :class:`Report`.

The contract every claim keeps (the machinery enforces it; see :class:`Claim`):

* ``prediction`` and ``observed`` are numbers or numeric arrays (``label`` says in words what
  they are), so the table and ``--json`` carry values;
* the error is one :class:`Check` or several (each with its own tolerance and unit), never a
  hand-normalised ratio;
* the setting is not vacuous: a :class:`Nontrivial` measure must reach its declared minimum;
* a wrong prediction fails: ``compute`` applies the :class:`Perturbation` it is given to its
  prediction, and the claim declares (``wrong``) a wrong prediction it must catch;
* it passes for every seed in its declared ``seeds`` range, whose reason it states.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from theory.catalog import implemented_theories, paper, theory_names
from theory.summary import compact_repr

__all__ = ["Check", "Claim", "cite", "Comparison", "Nontrivial", "Perturbation", "Report", "UNITS", "claim",
           "format_table", "get_claim", "registry", "report_as_dict", "run_all", "worst_of"]

#: Units an error and its tolerance may be stated in.
UNITS = ("absolute", "relative", "standard errors", "count", "relative residual")

_NAME = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")


def worst_of(*values: float) -> float:
    """The largest of ``values``, NaN if any is NaN.

    Python's ``max`` drops a NaN that is not its first argument, which would let a failed
    computation pass a claim.

    Parameters
    ----------
    *values : float
        At least one number.

    Returns
    -------
    float
    """
    vals = [float(v) for v in values]
    return math.nan if any(math.isnan(v) for v in vals) else max(vals)


def cite(key: str, where: str = "") -> str:
    """Short citation of a catalogued paper, for a claim's ``source``.

    Parameters
    ----------
    key : str
        A key of ``theory.catalog.PAPERS`` (``"kunin2024"``); ValueError otherwise.
    where : str
        Section, theorem or equation, e.g. ``"§3, exact solution"`` or ``"Thm 1"``.

    Returns
    -------
    str
        ``"<authors> <year>, <where>"`` (``"Kunin et al. 2024, §3"``).
    """
    short = paper(key).cite()
    return f"{short}, {where}" if where else short


# --------------------------------------------------------------------------------------------
# the parts of a comparison


@compact_repr
@dataclass(frozen=True)
class Check:
    """One sub-check of a claim: passes iff ``error`` is finite and ``error <= tolerance``.

    ``unit`` is one of :data:`UNITS`: ``"absolute"`` / ``"relative"`` differences,
    ``"standard errors"`` (a z-score), ``"count"`` (mismatched outcomes, tolerance 0) or
    ``"relative residual"`` (symbolic identities, see :mod:`proofs_check.symbolic`).

    Attributes
    ----------
    name : str
        What is compared, e.g. ``"limit |a∞|"``.
    error : float
        The measured error, in ``unit``.
    tolerance : float
        Finite and ``>= 0``; its reason is the claim's ``tolerance_reason``.
    unit : str
        One of :data:`UNITS`.
    """

    name: str
    error: float
    tolerance: float
    unit: str

    def __post_init__(self):
        if self.unit not in UNITS:
            raise ValueError(f"unit must be one of {UNITS}; got {self.unit!r} (check {self.name!r})")
        object.__setattr__(self, "error", float(self.error))
        object.__setattr__(self, "tolerance", float(self.tolerance))
        if not (math.isfinite(self.tolerance) and self.tolerance >= 0):
            raise ValueError(f"tolerance of check {self.name!r} must be finite and >= 0; got {self.tolerance}")

    @property
    def passed(self) -> bool:
        return math.isfinite(self.error) and self.error <= self.tolerance

    @property
    def ratio(self) -> float:
        """``error / tolerance``; a count check (tolerance 0) gives 0 when clean and
        ``1 + count`` otherwise, so ``ratio <= 1`` iff the check passes."""
        if not math.isfinite(self.error):
            return math.inf
        if self.tolerance == 0:
            return 0.0 if self.error <= 0 else 1.0 + self.error
        return self.error / self.tolerance


@compact_repr
@dataclass(frozen=True)
class Nontrivial:
    """Why the comparison is not vacuous: ``value >= minimum`` must hold.

    ``what`` says what is measured, e.g. "predicted flips and non-flips (the smaller count)" or
    "relative change of the layer norms along the run": a setting in which nothing happens, or in
    which every case has the same outcome, makes the claim fail.

    Attributes
    ----------
    what : str
        What is measured.
    value : float
        Its value in this setting.
    minimum : float
        The least value for which the comparison says something.
    """

    what: str
    value: float
    minimum: float

    def __post_init__(self):
        object.__setattr__(self, "value", float(self.value))
        object.__setattr__(self, "minimum", float(self.minimum))

    @property
    def holds(self) -> bool:
        return math.isfinite(self.value) and self.value >= self.minimum


@compact_repr
@dataclass(frozen=True)
class Perturbation:
    """A deliberately wrong prediction: numbers ``x -> x (1 + relative) + absolute``; booleans
    (predicted outcomes) are negated iff ``flip_outcomes``. ``Perturbation()`` is the identity.

    A claim's ``compute`` applies the perturbation it is given to its prediction (and only to its
    prediction); each claim declares in ``wrong`` a perturbation that it must detect.

    Attributes
    ----------
    relative : float, default 0
        Relative change of numeric predictions.
    absolute : float, default 0
        Absolute shift of numeric predictions.
    flip_outcomes : bool, default False
        Negate boolean (outcome) predictions.
    """

    relative: float = 0.0
    absolute: float = 0.0
    flip_outcomes: bool = False

    @property
    def is_identity(self) -> bool:
        return self.relative == 0 and self.absolute == 0 and not self.flip_outcomes

    def __call__(self, x):
        if self.is_identity:
            return x
        arr = np.asarray(x)
        if arr.dtype == bool:
            out = ~arr if self.flip_outcomes else arr
        else:
            out = arr * (1.0 + self.relative) + self.absolute
        return out.item() if np.ndim(x) == 0 and not isinstance(x, np.ndarray) else out


NO_PERTURBATION = Perturbation()


def _numeric(value: Any, what: str) -> float | np.ndarray:
    """``value`` as a float or a float array; TypeError if it is not numeric."""
    if isinstance(value, (bool, np.bool_, int, float, np.integer, np.floating)):
        return float(value)
    if isinstance(value, str):
        raise TypeError(f"{what} must be a number or a numeric array; got the text {value!r} "
                        f"(put words in label)")
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged or exotic: not a numeric array
        raise TypeError(f"{what} must be a number or a numeric array; got {type(value).__name__}") from exc
    if arr.dtype.kind not in "biuf" or arr.size == 0:
        raise TypeError(f"{what} must be a number or a non-empty numeric array; got {value!r:.80}")
    return arr.astype(float)


@compact_repr
@dataclass(frozen=True)
class Comparison:
    """What a claim's compute function returns.

    Either one check, given as ``error``, ``tolerance`` and ``unit``, or several, given as
    ``checks`` (a sequence of :class:`Check`). ``prediction`` and ``observed`` are numbers or
    numeric arrays (typically the predicted and observed quantity at the case that sets the
    error; ``label`` says so in words). ``nontrivial`` is required. ``details`` holds anything
    useful for a reader (per-case errors, solver status, ...).
    """

    prediction: Any
    observed: Any
    error: float | None = None
    tolerance: float | None = None
    unit: str | None = None
    checks: Sequence[Check] = ()
    nontrivial: Nontrivial | None = None
    label: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "prediction", _numeric(self.prediction, "prediction"))
        object.__setattr__(self, "observed", _numeric(self.observed, "observed"))
        single = (self.error, self.tolerance, self.unit)
        if self.checks:
            if any(v is not None for v in single):
                raise ValueError("give either error/tolerance/unit or checks, not both")
            checks = tuple(self.checks)
            if not all(isinstance(c, Check) for c in checks):
                raise TypeError("checks must be Check instances")
            if len({c.name for c in checks}) != len(checks):
                raise ValueError(f"check names must be unique; got {[c.name for c in checks]}")
        else:
            if any(v is None for v in single):
                raise ValueError("a Comparison needs error, tolerance and unit (or checks)")
            checks = (Check("error", self.error, self.tolerance, self.unit),)
        object.__setattr__(self, "checks", checks)
        if not isinstance(self.nontrivial, Nontrivial):
            raise TypeError("nontrivial must be a Nontrivial (what makes the comparison non-vacuous)")

    @property
    def combined(self) -> tuple[float, float, str]:
        """``(error, tolerance, unit)`` of the whole comparison.

        One check, or several sharing tolerance and unit: the largest error against that
        tolerance. Otherwise the largest :attr:`Check.ratio` against 1, unit ``"× tolerance"``.
        """
        checks = self.checks
        if len({(c.tolerance, c.unit) for c in checks}) == 1:
            bad = [c.error for c in checks if not math.isfinite(c.error)]   # NaN stays NaN
            err = bad[0] if bad else max(c.error for c in checks)
            return err, checks[0].tolerance, checks[0].unit
        return max(c.ratio for c in checks), 1.0, "× tolerance"


@compact_repr
@dataclass(frozen=True)
class Report:
    """Outcome of checking one claim on one setting and seed.

    ``passed`` means every check passed and the setting was non-vacuous. ``error``,
    ``tolerance`` and ``unit`` summarise the checks (see :attr:`Comparison.combined`).
    """

    claim: str
    prediction: float | np.ndarray
    observed: float | np.ndarray
    error: float
    tolerance: float
    passed: bool
    details: Mapping[str, Any]
    seconds: float = 0.0
    unit: str = ""
    label: str = ""
    checks: tuple[Check, ...] = ()
    nontrivial: Nontrivial | None = None
    seed: int = 0
    perturbed: bool = False


# --------------------------------------------------------------------------------------------
# the claim


@compact_repr
@dataclass(frozen=True)
class Claim:
    """A theorem statement with a way to check it.

    Parameters
    ----------
    name : str
        Unique dotted name, ``"<theory>.<what>"`` (lowercase, digits, underscores).
    source : str
        Paper and section/theorem/equation, from ``theory.catalog.PAPERS[...].cite()``, e.g.
        ``"Kunin et al. 2024, §3, Thm 3.1"``; where the derivation is the package's own, the docs
        page section that holds it, ``docs/<theory>.md#<anchor>``.
    statement : str
        One sentence saying what is claimed.
    setting : mapping
        Default setting; ``check(setting=...)`` overrides keys of it.
    compute : callable ``(setting: dict, seed: int, perturb: Perturbation) -> Comparison``
        Applies ``perturb`` to its prediction (the identity in normal use).
    tolerance_reason : str
        Why the tolerance is what it is (step size, ODE tolerance, k standard errors, ...).
    seeds : sequence of int
        The seeds the claim holds for (``tests/test_claims.py`` checks every one).
    seeds_reason : str
        Why the range is what it is (e.g. "deterministic: the seed is not used", or the
        false-alarm rate that k standard errors leave over the range).
    wrong : Perturbation
        A wrong prediction the claim must detect (a test checks that it fails).
    slow : bool
        True if checking takes more than ~5 s (pytest marks it ``slow``).
    requires : tuple of str
        Optional packages the claim needs (``("torch",)`` for the torch bridge). Without them
        ``check`` raises ``ImportError`` and ``run_all`` skips the claim, saying so.

    Notes
    -----
    The comparison's ``prediction``/``observed`` must be numeric, and its ``nontrivial``
    measure (:class:`Nontrivial`) must reach its minimum: a setting that makes the comparison
    vacuous (nothing moves, every case has the same outcome, the identity is empty) fails.
    """

    name: str
    source: str
    statement: str
    setting: Mapping[str, Any]
    compute: Callable[[dict, int, Perturbation], Comparison]
    tolerance_reason: str
    seeds: Sequence[int]
    seeds_reason: str
    wrong: Perturbation
    slow: bool = False
    requires: tuple[str, ...] = ()

    def missing(self) -> tuple[str, ...]:
        """The packages of ``requires`` that cannot be imported here."""
        import importlib.util

        return tuple(p for p in self.requires if importlib.util.find_spec(p) is None)

    def __post_init__(self):
        if not isinstance(self.name, str) or not _NAME.fullmatch(self.name):
            raise ValueError(f"name must be a dotted lowercase name '<theory>.<what>'; got {self.name!r}")
        seeds = tuple(self.seeds)
        if not seeds or not all(isinstance(s, int) and s >= 0 for s in seeds):
            raise ValueError(f"seeds of claim {self.name!r} must be a non-empty range of ints >= 0")
        if not self.seeds_reason:
            raise ValueError(f"claim {self.name!r} must say why its seeds are {self.seeds!r} (seeds_reason)")
        if not isinstance(self.wrong, Perturbation) or self.wrong.is_identity:
            raise ValueError(f"wrong of claim {self.name!r} must be a non-identity Perturbation")

    @property
    def theory(self) -> str:
        return self.name.split(".", 1)[0]

    def check(self, setting: Mapping[str, Any] | None = None, seed: int = 0,
              perturb: Perturbation | None = None) -> Report:
        """Run the claim on ``setting`` (defaults merged in) and return a :class:`Report`.

        ``perturb`` (default: none) makes the prediction deliberately wrong; the report of a
        sound claim then fails.
        """
        merged = dict(self.setting)
        if setting is not None:
            unknown = set(setting) - set(self.setting)
            if unknown:
                raise ValueError(f"setting has keys {sorted(unknown)} that claim {self.name!r} "
                                 f"does not use; known keys: {sorted(self.setting)}")
            merged.update(setting)
        perturb = NO_PERTURBATION if perturb is None else perturb
        if not isinstance(perturb, Perturbation):
            raise TypeError(f"perturb must be a Perturbation or None; got {type(perturb).__name__}")
        if self.missing():
            raise ImportError(f"claim {self.name!r} needs {', '.join(self.missing())}, which is not installed "
                              "(torch: pip install torch==2.13.0)")
        start = time.perf_counter()
        cmp = self.compute(merged, seed, perturb)
        elapsed = time.perf_counter() - start
        if not isinstance(cmp, Comparison):
            raise TypeError(f"claim {self.name!r}: compute must return a Comparison; got {type(cmp).__name__}")
        error, tol, unit = cmp.combined
        passed = all(c.passed for c in cmp.checks) and cmp.nontrivial.holds
        return Report(claim=self.name, prediction=cmp.prediction, observed=cmp.observed,
                      error=error, tolerance=tol, passed=passed, details=dict(cmp.details),
                      seconds=elapsed, unit=unit, label=cmp.label, checks=cmp.checks,
                      nontrivial=cmp.nontrivial, seed=seed, perturbed=not perturb.is_identity)


_REGISTRY: dict[str, Claim] = {}


def claim(name: str, *, source: str, statement: str, tolerance_reason: str, seeds: Sequence[int],
          seeds_reason: str, wrong: Perturbation, setting: Mapping[str, Any] | None = None,
          slow: bool = False, requires: Sequence[str] = ()):
    """Decorator registering ``compute(setting, seed, perturb) -> Comparison`` as a :class:`Claim`.

    The claim is validated (name, seeds, ``wrong``) before it is registered, so a bad
    registration raises and leaves the registry as it was.

    Parameters
    ----------
    name, source, statement, tolerance_reason, seeds, seeds_reason, wrong, setting, slow, requires
        The :class:`Claim` fields (``setting`` None means no settings).

    Returns
    -------
    callable
        The decorator; it returns the registered :class:`Claim`.
    """

    def decorate(compute: Callable[[dict, int, Perturbation], Comparison]) -> Claim:
        c = Claim(name=name, source=source, statement=statement, setting=dict(setting or {}),
                  compute=compute, tolerance_reason=tolerance_reason, seeds=seeds,
                  seeds_reason=seeds_reason, wrong=wrong, slow=slow, requires=tuple(requires))
        if name in _REGISTRY:
            raise ValueError(f"claim {name!r} is already registered")
        _REGISTRY[name] = c
        return c

    return decorate


def _load_all() -> None:
    # Every implemented theory must have a proofs_check subpackage: a missing one is an error here,
    # not a theory that silently has no claims.
    for name in implemented_theories():
        importlib.import_module(f"proofs_check.{name}")


def registry(theory: str | None = None) -> dict[str, Claim]:
    """All registered claims, by name.

    Parameters
    ----------
    theory : str or None
        Only this catalogued theory's claims (ValueError for an unknown name).

    Returns
    -------
    dict of str to Claim
        Sorted by name.
    """
    _load_all()
    if theory is not None and theory not in theory_names():
        raise ValueError(f"theory must be one of {list(theory_names())}; got {theory!r}")
    return {n: c for n, c in sorted(_REGISTRY.items()) if theory is None or c.theory == theory}


def get_claim(name: str) -> Claim:
    """The registered claim called ``name``.

    Parameters
    ----------
    name : str
        A registered claim name (ValueError otherwise, listing the known ones).

    Returns
    -------
    Claim
    """
    claims = registry()
    if name not in claims:
        raise ValueError(f"no claim named {name!r}; known: {sorted(claims)}")
    return claims[name]


# --------------------------------------------------------------------------------------------
# table and JSON


def _num(value: Any, width: int) -> str:
    """A number or a short numeric array, in ``width`` characters at most."""
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        text = f"{float(arr):.6g}"
    else:
        flat = arr.ravel()
        text = "[" + ", ".join(f"{v:.4g}" for v in flat[:3]) + (", …]" if flat.size > 3 else "]")
    return text if len(text) <= width else text[: width - 1] + "…"


def _clip(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


_UNIT_SHORT = {"absolute": "abs", "relative": "rel", "standard errors": "SE", "count": "count",
               "relative residual": "rel res", "× tolerance": "×tol"}


def format_table(reports: list[Report], source_width: int = 34) -> str:
    """Plain-text table of reports (at most about 160 columns).

    Columns: claim, source, prediction, observed, error, tolerance, unit, pass. A claim whose
    checks have different tolerances lists its sub-checks below it; a vacuous setting is marked
    ``FAIL (vacuous)``.

    Parameters
    ----------
    reports : list of Report
    source_width : int
        Characters of the source column.

    Returns
    -------
    str
    """
    claims = registry()
    header = ("claim", "paper / section", "prediction", "observed", "error", "tolerance", "unit", "pass")
    rows = [header]
    for r in reports:
        src = claims[r.claim].source if r.claim in claims else ""
        verdict = "PASS" if r.passed else "FAIL"
        if r.nontrivial is not None and not r.nontrivial.holds:
            verdict = "FAIL (vacuous)"
        rows.append((r.claim, _clip(src, source_width), _num(r.prediction, 18), _num(r.observed, 18),
                     f"{r.error:.2e}", f"{r.tolerance:.1e}", _UNIT_SHORT.get(r.unit, r.unit), verdict))
        if r.unit == "× tolerance":  # a composite error: show each sub-check
            for c in r.checks:
                rows.append(("  · " + _clip(c.name, 40), "", "", "", f"{c.error:.2e}", f"{c.tolerance:.1e}",
                             _UNIT_SHORT[c.unit], "ok" if c.passed else "FAIL"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    widths[0] = min(widths[0], 46)
    def cut(cell, w):
        return cell if len(cell) <= w else cell[: w - 1] + "…"

    lines = ["  ".join(cut(cell, w).ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    n_pass = sum(r.passed for r in reports)
    lines.append(f"{n_pass} passed, {len(reports) - n_pass} failed")
    return "\n".join(lines)


def run_all(theory: str | None = None, names: list[str] | None = None, seed: int = 0,
            include_slow: bool = True, verbose: bool = True) -> list[Report]:
    """Check every registered claim (or those named / of one theory) and print the table.

    Parameters
    ----------
    theory : str or None
        Only this theory's claims.
    names : list of str or None
        Only these claims (ValueError for unknown names).
    seed : int
        Seed passed to every claim.
    include_slow : bool
        False skips claims marked slow.
    verbose : bool
        Print :func:`format_table` of the reports.

    Returns
    -------
    list of Report
    """
    claims = registry(theory)
    if names is not None:
        missing = [n for n in names if n not in claims]
        if missing:
            raise ValueError(f"names contains unknown claims {missing}")
        claims = {n: claims[n] for n in names}
    from tqdm.auto import tqdm

    reports, skipped = [], []
    for c in tqdm(list(claims.values()), desc="claims", disable=None, leave=False):
        if c.slow and not include_slow:
            continue
        if c.missing():
            skipped.append(f"{c.name} (needs {', '.join(c.missing())})")
            continue
        reports.append(c.check(seed=seed))
    if verbose:
        print(format_table(reports))
        if skipped:
            print(f"skipped {len(skipped)}: " + "; ".join(skipped) + " — torch: pip install torch==2.13.0")
    return reports


def _jsonable(v: Any) -> Any:
    """``v`` with numpy scalars/arrays, tuples, sets and dataclasses turned into JSON types.

    Non-finite floats become the strings ``"inf"``, ``"-inf"``, ``"nan"`` (strict JSON has no
    such numbers); mapping keys become strings. Anything else is a TypeError naming its type.
    """
    if v is None or isinstance(v, (str, bool)):
        return v
    if isinstance(v, (np.bool_,)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return f if math.isfinite(f) else str(f)
    if isinstance(v, np.ndarray):
        return [_jsonable(x) for x in v.tolist()] if v.ndim else _jsonable(v.item())
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return {f.name: _jsonable(getattr(v, f.name)) for f in dataclasses.fields(v)}
    if isinstance(v, Mapping):
        return {k if isinstance(k, str) else str(_jsonable(k)): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, (set, frozenset)):
        return sorted(_jsonable(x) for x in v)
    raise TypeError(f"cannot turn a {type(v).__name__} into JSON")


def report_as_dict(report: Report) -> dict:
    """JSON-ready view of a report.

    Parameters
    ----------
    report : Report

    Returns
    -------
    dict
        Plain Python types only (numpy scalars and arrays converted, non-finite floats as the
        strings ``"inf"``/``"nan"``): ``json.dumps(..., allow_nan=False)`` accepts it.
    """
    return {f.name: _jsonable(getattr(report, f.name)) for f in dataclasses.fields(report)}
