"""Claim / Report: a theorem made executable, and the registry of all claims.

A :class:`Claim` knows where it comes from (paper and equation), states itself in one
sentence, carries a default setting, and computes a :class:`Comparison` of what theory
predicts with what the simulation (or solver, or symbolic proof) observes.
``claim.check(setting=None, seed=0)`` returns a :class:`Report`; ``passed`` means the error
is finite and within the tolerance, whose justification is stored in ``tolerance_reason``.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from theory.catalog import implemented_theories, theory_names

__all__ = ["Claim", "Comparison", "Report", "claim", "registry", "get_claim", "run_all",
           "format_table"]


@dataclass(frozen=True)
class Comparison:
    """What a claim's compute function returns.

    ``error`` is the scalar compared with ``tolerance`` (both in the units the claim states);
    ``details`` holds anything useful for a reader (per-case errors, solver status, ...).
    """

    prediction: Any
    observed: Any
    error: float
    tolerance: float
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Report:
    """Outcome of checking one claim on one setting and seed."""

    claim: str
    prediction: Any
    observed: Any
    error: float
    tolerance: float
    passed: bool
    details: Mapping[str, Any]
    seconds: float = 0.0


@dataclass(frozen=True)
class Claim:
    """A theorem statement with a way to check it.

    Parameters
    ----------
    name : str
        Unique dotted name, ``"<theory>.<what>"``.
    source : str
        Paper and equation/section, e.g. ``"Kunin et al. 2024, §3 (spec LR §3.1)"``.
    statement : str
        One sentence saying what is claimed.
    setting : mapping
        Default setting; ``check(setting=...)`` overrides keys of it.
    compute : callable ``(setting: dict, seed: int) -> Comparison``
    tolerance_reason : str
        Why the tolerance is what it is (step size, ODE tolerance, k standard errors, ...).
    slow : bool
        True if checking takes more than ~5 s (pytest marks it ``slow``).
    """

    name: str
    source: str
    statement: str
    setting: Mapping[str, Any]
    compute: Callable[[dict, int], Comparison]
    tolerance_reason: str
    slow: bool = False

    @property
    def theory(self) -> str:
        return self.name.split(".", 1)[0]

    def check(self, setting: Mapping[str, Any] | None = None, seed: int = 0) -> Report:
        """Run the claim on ``setting`` (defaults merged in) and return a :class:`Report`."""
        merged = dict(self.setting)
        if setting is not None:
            unknown = set(setting) - set(self.setting)
            if unknown:
                raise ValueError(f"setting has keys {sorted(unknown)} that claim {self.name!r} "
                                 f"does not use; known keys: {sorted(self.setting)}")
            merged.update(setting)
        start = time.perf_counter()
        cmp = self.compute(merged, seed)
        elapsed = time.perf_counter() - start
        error = float(cmp.error)
        tol = float(cmp.tolerance)
        passed = math.isfinite(error) and error <= tol
        return Report(claim=self.name, prediction=cmp.prediction, observed=cmp.observed,
                      error=error, tolerance=tol, passed=passed, details=dict(cmp.details),
                      seconds=elapsed)


_REGISTRY: dict[str, Claim] = {}


def claim(name: str, *, source: str, statement: str, tolerance_reason: str,
          setting: Mapping[str, Any] | None = None, slow: bool = False):
    """Decorator registering ``compute(setting, seed) -> Comparison`` as a :class:`Claim`."""

    def decorate(compute: Callable[[dict, int], Comparison]) -> Claim:
        if name in _REGISTRY:
            raise ValueError(f"claim {name!r} is already registered")
        c = Claim(name=name, source=source, statement=statement, setting=dict(setting or {}),
                  compute=compute, tolerance_reason=tolerance_reason, slow=slow)
        _REGISTRY[name] = c
        return c

    return decorate


def _load_all() -> None:
    # Every implemented theory must have a proofs_check subpackage: a missing one is an error here,
    # not a theory that silently has no claims.
    for name in implemented_theories():
        importlib.import_module(f"proofs_check.{name}")


def registry(theory: str | None = None) -> dict[str, Claim]:
    """All registered claims (optionally of one theory), by name."""
    _load_all()
    if theory is not None and theory not in theory_names():
        raise ValueError(f"theory must be one of {list(theory_names())}; got {theory!r}")
    return {n: c for n, c in sorted(_REGISTRY.items()) if theory is None or c.theory == theory}


def get_claim(name: str) -> Claim:
    """The registered claim called ``name``."""
    claims = registry()
    if name not in claims:
        raise ValueError(f"no claim named {name!r}; known: {sorted(claims)}")
    return claims[name]


def _short(value: Any, width: int = 22) -> str:
    if isinstance(value, float):
        text = f"{value:.6g}"
    elif isinstance(value, (list, tuple)) and len(value) <= 3 and all(isinstance(v, (int, float)) for v in value):
        text = "(" + ", ".join(f"{v:.4g}" for v in value) + ")"
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def format_table(reports: list[Report]) -> str:
    """Plain-text table: claim, source, prediction, observed, error, tolerance, pass."""
    claims = registry()
    rows = [("claim", "paper / equation", "prediction", "observed", "error", "tolerance", "pass")]
    for r in reports:
        src = claims[r.claim].source if r.claim in claims else ""
        rows.append((r.claim, _short(src, 46), _short(r.prediction), _short(r.observed),
                     f"{r.error:.2e}", f"{r.tolerance:.1e}", "PASS" if r.passed else "FAIL"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    n_pass = sum(r.passed for r in reports)
    lines.append(f"{n_pass} passed, {len(reports) - n_pass} failed")
    return "\n".join(lines)


def run_all(theory: str | None = None, names: list[str] | None = None, seed: int = 0,
            include_slow: bool = True, verbose: bool = True) -> list[Report]:
    """Check every registered claim (or those named / of one theory); print the table."""
    claims = registry(theory)
    if names is not None:
        missing = [n for n in names if n not in claims]
        if missing:
            raise ValueError(f"names contains unknown claims {missing}")
        claims = {n: claims[n] for n in names}
    from tqdm.auto import tqdm

    reports = []
    for c in tqdm(list(claims.values()), desc="claims", disable=None, leave=False):
        if c.slow and not include_slow:
            continue
        reports.append(c.check(seed=seed))
    if verbose:
        print(format_table(reports))
    return reports


def report_as_dict(report: Report) -> dict:
    """JSON-friendly view of a report (arrays become lists)."""
    import numpy as np

    def conv(v):
        if isinstance(v, np.ndarray):
            return v.tolist()
        if isinstance(v, (np.floating, np.integer)):
            return v.item()
        if isinstance(v, dict):
            return {k: conv(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [conv(x) for x in v]
        return v

    return {k: conv(v) for k, v in dataclasses.asdict(report).items()}
