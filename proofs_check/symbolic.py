"""Symbolic identity checks: sympy simplification plus a high-precision numeric spot check.

An identity ``expr == 0`` (a derivative vanishes, a closed form satisfies its ODE, two formulas
agree) is checked two ways:

1. **Symbolic**, with cheap strategies tried in order under a wall-clock budget
   (``expand``; ``cancel(together(.))``; ``simplify``; ``rewrite(exp)`` then ``simplify``).
   ``simplify`` can take unbounded time, so the strategies run in a forked child process that is
   killed when the budget ``simplify_timeout`` is spent, and the expensive ones are skipped for
   entries with more than ``max_ops`` tree nodes. Reaching 0 is recorded as ``simplified_to_zero=True`` together with
   the strategy that got there.
2. **Numeric**, always: the expression is evaluated with mpmath at ``dps`` significant digits at
   ``n_points`` random points drawn from per-symbol intervals (respecting sympy assumptions such as
   ``positive=True``; an ``accept`` predicate rejects points outside the domain, and points where
   the expression has a pole are skipped and counted). Alongside each value a running
   floating-point error bound ``E`` is propagated through the expression tree (first-order
   rounding-error analysis: sums add the bounds of their terms, products and powers propagate
   relative bounds, a function f adds ``|f'(x)| E_x``). ``E`` is "the size of the terms": the
   value of an expression that is identically 0 comes out as roughly ``10**-dps * E``.
   The reported residual is ``max |expr| / E`` over points and entries (``max_rel_numeric``).

**Pass policy.** An identity passes iff its numeric relative residual is finite and at most
``tolerance_for(dps) = 10**(-dps/2)``. Simplification is a certificate of exactness that is
recorded but not required: a true identity that sympy cannot reduce (nested radicals, hyperbolic
identities, square roots of perfect squares) still passes on the numeric check and carries
``simplified_to_zero=False``. Conversely the numeric check is the arbiter: an expression that
``simplify`` sent to 0 but that is nonzero at a sampled point (e.g. an assumption the sampler
violated) fails.

Why ``10**(-dps/2)``: at ``dps`` digits a true identity leaves a relative residual of about
``10**-dps`` (times a modest growth factor already accounted for by ``E``), while a false
identity leaves the relative size of the discrepancy, which is O(1) for a wrong formula and still
far above ``10**-25`` for a discrepancy as small as ``1e-20 * x``. The geometric midpoint allows
``dps/2`` digits of head-room for unexpected cancellation on the true side while detecting any
discrepancy whose relative size exceeds ``10**(-dps/2)`` at some sampled point.

Formulas that only hold on part of the parameter space (positivity, a branch of a square root,
a real branch of artanh) are checked on that part: pass ``intervals`` and ``accept``.

sympy and mpmath are imported inside the functions that use them, so importing this module (and
the claim modules that take constants from it) stays cheap.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from ._claim import Check, Comparison, Nontrivial, Perturbation, claim
from ._identity import DEFAULT_DPS as DEFAULT_DPS
from ._identity import IdentityResult as IdentityResult
from ._identity import OdeSolutionResult as OdeSolutionResult
from ._identity import _as_entries
from ._identity import check_equal as check_equal
from ._identity import check_identity as check_identity
from ._identity import check_ode_solution as check_ode_solution
from ._identity import difference as difference
from ._identity import sample_points as sample_points
from ._identity import tolerance_for as tolerance_for

__all__ = [
    "CLAIM_SETTING",
    "DEFAULT_DPS",
    "NUMERIC_TOLERANCE_REASON",
    "IdentityResult",
    "OdeSolutionResult",
    "SEEDS",
    "SEEDS_REASON",
    "SymbolicCheck",
    "WRONG_IDENTITY",
    "check_identity",
    "claim_kwargs",
    "check_equal",
    "difference",
    "check_ode_solution",
    "sample_points",
    "symbolic_claim",
    "to_comparison",
    "tolerance_for",
]

NUMERIC_TOLERANCE_REASON = (
    "identity checked at random points with mpmath at dps significant digits; a true identity "
    "leaves a relative residual |expr|/E ~ 10^-dps (E = propagated rounding-error bound, i.e. the "
    "size of the terms), a false one leaves the relative size of the discrepancy; the tolerance "
    "10^(-dps/2) is the geometric midpoint (dps/2 digits of head-room for cancellation)")


# --------------------------------------------------------------------------------------------
# folding identity results into a claim's Comparison


def _term_size(result: IdentityResult | OdeSolutionResult) -> float:
    parts = result.parts.values() if isinstance(result, OdeSolutionResult) else (result,)
    return max(r.error_scale for r in parts)


def to_comparison(results: Mapping[str, IdentityResult | OdeSolutionResult],
                  notes: Mapping[str, Any] | None = None) -> Comparison:
    """Fold several identity checks into one claim :class:`~proofs_check._claim.Comparison`.

    One :class:`~proofs_check._claim.Check` per identity (its numeric relative residual against
    ``10**(-dps/2)``, unit ``"relative residual"``); the claim's error is the largest residual.
    ``prediction`` is 0.0 (every residual vanishes), ``observed`` the largest residual.
    Non-vacuity: at least one identity is evaluated on terms of nonzero size.
    ``details["reduced_before_the_check"]`` lists those that sympy had already reduced to the
    literal 0 when the claim built them (term size ``E = 0``: their proof is that reduction, the
    numeric spot check saw nothing; build identities with :func:`difference` to avoid it).
    ``details`` holds each identity's summary (simplification status included) and ``notes``.

    Parameters
    ----------
    results : mapping of str to IdentityResult or OdeSolutionResult
        The checked identities, by name (not empty).
    notes : mapping or None
        Added to ``details``.

    Returns
    -------
    Comparison
    """
    if not results:
        raise ValueError("results must not be empty")
    checks = tuple(Check(name, r.max_rel_numeric, r.tolerance, "relative residual")
                   for name, r in results.items())
    error = max(r.max_rel_numeric for r in results.values())
    details: dict[str, Any] = {
        "identities": {name: r.summary() for name, r in results.items()},
        "all_simplified_to_zero": all(r.simplified_to_zero for r in results.values()),
        "not_simplified": sorted(n for n, r in results.items() if not r.simplified_to_zero),
        "error_is": "max over identities and points of |expr| / (propagated error bound)",
    }
    if notes:
        details.update(notes)
    # An identity that sympy reduced to the literal 0 while the claim built it (e.g. by expand)
    # has term size E = 0: its proof is that reduction, and the numeric spot check saw nothing.
    details["reduced_before_the_check"] = sorted(n for n, r in results.items() if _term_size(r) == 0)
    n_sized = len(results) - len(details["reduced_before_the_check"])
    return Comparison(prediction=0.0, observed=error, checks=checks,
                      label="residual of each identity (predicted 0) / largest relative residual",
                      nontrivial=Nontrivial("identities evaluated on terms of size E > 0 (see "
                                            "reduced_before_the_check for the others)", n_sized, 1),
                      details=details)


# --------------------------------------------------------------------------------------------
# symbolic claims

# Default setting of a symbolic Claim: mpmath precision, sample points, and the sympy budget
# (a certificate of exactness, not the verdict; see the module docstring).
CLAIM_SETTING = {"dps": DEFAULT_DPS, "n_points": 8, "simplify_timeout": 1.0}

SEEDS = range(5)
SEEDS_REASON = ("the seed draws the sample points; a true identity leaves a residual ~10^-dps at any "
                "point of its domain, so five independent draws of n_points points each")
#: The wrong prediction every symbolic claim must catch: each residual shifted by 1e-10, i.e. the
#: identity made false by a relative 1e-10 (far above 10^(-dps/2)) on O(1) terms.
WRONG_IDENTITY = Perturbation(absolute=1e-10)


def claim_kwargs(setting: Mapping, seed: int, **extra) -> dict:
    """Keyword arguments for :func:`check_identity` / :func:`check_ode_solution` from a claim's setting.

    Parameters
    ----------
    setting : mapping
        With ``dps``, ``n_points`` and ``simplify_timeout``.
    seed : int
        Seed of the point sampler.
    **extra
        Further keywords (``intervals``, ``accept``, ...), which override.

    Returns
    -------
    dict
    """
    out = {"dps": int(setting["dps"]), "n_points": int(setting["n_points"]), "seed": seed,
           "simplify_timeout": float(setting["simplify_timeout"])}
    out.update(extra)
    return out


class SymbolicCheck:
    """What the body of a :func:`symbolic_claim` receives.

    ``setting`` and ``seed`` are the claim's; :meth:`identity` and :meth:`ode` are
    :func:`check_identity` and :func:`check_ode_solution` with the setting's ``dps``,
    ``n_points``, ``simplify_timeout`` and the seed filled in (keywords override them). When the
    claim is checked with a perturbation, every residual is shifted by ``perturb(0.0)`` (the
    identity is made wrong) and the symbolic strategies are skipped (the numeric check decides).
    :meth:`kw` gives the plain keyword arguments, for control checks that must not be perturbed.

    Attributes
    ----------
    setting : mapping
        The claim's setting (defaults merged with overrides).
    seed : int
        The seed the claim is checked at (it seeds the sample points).
    """

    def __init__(self, setting: Mapping, seed: int, perturb: Perturbation):
        self.setting = setting
        self.seed = seed
        self._shift = float(perturb(0.0))

    def kw(self, **extra) -> dict:
        return claim_kwargs(self.setting, self.seed, **extra)

    def _perturbed(self, extra: dict) -> dict:
        if self._shift:
            extra.setdefault("simplify", False)
        return self.kw(**extra)

    def _shifted(self, entries):
        import sympy

        return [e + sympy.Rational(self._shift) for e in entries] if self._shift else entries

    def identity(self, expr, symbols=None, **extra) -> IdentityResult:
        """:func:`check_identity` of ``expr`` with the claim's settings."""
        kw = self._perturbed(extra)
        expr = self._shifted(_as_entries(expr)) if self._shift else expr
        return check_identity(expr, symbols, **kw)

    def ode(self, solution, rhs, t, **extra) -> OdeSolutionResult:
        """:func:`check_ode_solution` with the claim's settings (a perturbation shifts the
        right-hand side and the initial value)."""
        import sympy

        kw = self._perturbed(extra)
        if self._shift:
            shift = sympy.Rational(self._shift)
            if callable(rhs) and not isinstance(rhs, sympy.Basic):
                f = rhs
                rhs = lambda sol, t_: [r + shift for r in f(sol, t_)]  # noqa: E731
            else:
                rhs = [sympy.sympify(r) + shift for r in (rhs if isinstance(rhs, (list, tuple)) else [rhs])]
            init = kw.pop("initial", None)
            if init is not None:
                kw["initial"] = [sympy.sympify(i) + shift for i in (init if isinstance(init, (list, tuple))
                                                                     else [init])]
        return check_ode_solution(solution, rhs, t, **kw)


def symbolic_claim(name: str, *, source: str, statement: str, setting: Mapping[str, Any] | None = None,
                   slow: bool = False):
    """Register a symbolic claim: ``body(ck: SymbolicCheck) -> results`` or ``(results, notes)``.

    ``results`` maps identity names to :class:`IdentityResult` / :class:`OdeSolutionResult`; they
    are folded by :func:`to_comparison`. The claim's setting is :data:`CLAIM_SETTING` updated by
    ``setting``; its tolerance reason is :data:`NUMERIC_TOLERANCE_REASON`, its seeds
    :data:`SEEDS` and its wrong prediction :data:`WRONG_IDENTITY`.

    Parameters
    ----------
    name, source, statement : str
        As for :func:`proofs_check.claim`.
    setting : mapping or None
        Keys added to (or overriding) :data:`CLAIM_SETTING`.
    slow : bool
        True if checking takes more than ~5 s.

    Returns
    -------
    callable
        The decorator; it returns the registered :class:`~proofs_check.Claim`.
    """

    def decorate(body: Callable[[SymbolicCheck], Any]):
        def compute(setting: dict, seed: int, perturb: Perturbation) -> Comparison:
            out = body(SymbolicCheck(setting, seed, perturb))
            results, notes = out if isinstance(out, tuple) else (out, None)
            return to_comparison(results, notes)

        compute.__name__, compute.__doc__ = body.__name__, body.__doc__
        return claim(name, source=source, statement=statement, tolerance_reason=NUMERIC_TOLERANCE_REASON,
                     setting={**CLAIM_SETTING, **(setting or {})}, seeds=SEEDS, seeds_reason=SEEDS_REASON,
                     wrong=WRONG_IDENTITY, slow=slow)(compute)

    return decorate
