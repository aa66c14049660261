"""The identity checks of :mod:`proofs_check.symbolic` (results, sampling, ``check_identity``,
``check_ode_solution``); the pass policy and why are in that module's docstring."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

import numpy as np

from theory.summary import compact_repr

if TYPE_CHECKING:  # annotations only; sympy is imported inside the functions that need it
    import sympy

from ._mp_eval import _Evaluator
from ._simplify import _describe, _try_simplify

DEFAULT_DPS = 50
_DEFAULT_INTERVAL = (-2.0, 2.0)
_POSITIVE_INTERVAL = (0.25, 2.0)
_NEGATIVE_INTERVAL = (-2.0, -0.25)


def tolerance_for(dps: int) -> float:
    """Relative-residual tolerance ``10**(-dps/2)`` used for an evaluation at ``dps`` digits."""
    return 10.0 ** (-dps / 2)


# --------------------------------------------------------------------------------------------
# results


@compact_repr
@dataclass(frozen=True)
class IdentityResult:
    """Outcome of :func:`check_identity`.

    Attributes
    ----------
    expr_text : str
        The checked expression (``sympy.sstr``, truncated to 2000 characters).
    simplified_to_zero : bool
        True if one of the symbolic strategies reduced every entry to exactly 0.
    strategy : str or None
        The last strategy needed (entries may need different ones); None if not simplified.
    simplify_timed_out : bool
        True if the time budget ran out (or strategies were skipped for size) before success.
    max_abs_numeric : float
        ``max |expr|`` over sample points and entries, evaluated at ``dps`` digits.
    max_rel_numeric : float
        ``max |expr| / E`` with ``E`` the propagated rounding-error bound (term size).
    error_scale : float
        Largest ``E`` seen.
    points : tuple of dict
        The accepted sample points, ``{symbol name: float}``.
    n_rejected : int
        Candidate points rejected by ``accept`` or because the expression had a pole there.
    dps : int
        Working precision in significant decimal digits.
    tolerance : float
        ``tolerance_for(dps)``.
    seconds : float
        Wall time of the whole check.
    """

    expr_text: str
    simplified_to_zero: bool
    strategy: str | None
    simplify_timed_out: bool
    max_abs_numeric: float
    max_rel_numeric: float
    error_scale: float
    points: tuple[dict[str, float], ...]
    n_rejected: int
    dps: int
    tolerance: float
    seconds: float

    @property
    def passed(self) -> bool:
        """Numeric relative residual finite and within tolerance (the pass policy of
        :mod:`proofs_check.symbolic`)."""
        return math.isfinite(self.max_rel_numeric) and self.max_rel_numeric <= self.tolerance

    def summary(self) -> dict[str, Any]:
        """Small JSON-friendly dict for a claim's details."""
        return {"passed": self.passed, "simplified_to_zero": self.simplified_to_zero,
                "strategy": self.strategy, "simplify_timed_out": self.simplify_timed_out,
                "max_abs_numeric": self.max_abs_numeric, "max_rel_numeric": self.max_rel_numeric,
                "n_points": len(self.points), "n_rejected": self.n_rejected, "dps": self.dps}


@compact_repr
@dataclass(frozen=True)
class OdeSolutionResult:
    """Outcome of :func:`check_ode_solution`: the ODE residual and the initial-condition residual.

    ``residual`` checks ``d/dt solution - rhs(solution, t) == 0``; ``initial`` checks
    ``solution(t0) - initial == 0`` (None if no initial condition was given).
    """

    residual: IdentityResult
    initial: IdentityResult | None

    @property
    def parts(self) -> dict[str, IdentityResult]:
        out = {"ode": self.residual}
        if self.initial is not None:
            out["initial"] = self.initial
        return out

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.parts.values())

    @property
    def simplified_to_zero(self) -> bool:
        return all(r.simplified_to_zero for r in self.parts.values())

    @property
    def max_rel_numeric(self) -> float:
        return max(r.max_rel_numeric for r in self.parts.values())

    @property
    def max_abs_numeric(self) -> float:
        return max(r.max_abs_numeric for r in self.parts.values())

    @property
    def tolerance(self) -> float:
        return min(r.tolerance for r in self.parts.values())

    def summary(self) -> dict[str, Any]:
        return {name: r.summary() for name, r in self.parts.items()}


# --------------------------------------------------------------------------------------------
# sampling


def _as_entries(expr) -> list[sympy.Expr]:
    import sympy

    if isinstance(expr, sympy.Equality):
        return [sympy.sympify(expr.lhs - expr.rhs)]
    if isinstance(expr, sympy.MatrixBase):
        return [sympy.sympify(e) for e in expr]
    if isinstance(expr, (list, tuple)):
        out: list[sympy.Expr] = []
        for e in expr:
            out.extend(_as_entries(e))
        return out
    return [sympy.sympify(expr)]


def _interval_for(sym: sympy.Symbol, intervals: Mapping) -> tuple[float, float]:
    if sym in intervals:
        lo, hi = intervals[sym]
    elif sym.name in intervals:
        lo, hi = intervals[sym.name]
    elif sym.is_positive:
        lo, hi = _POSITIVE_INTERVAL
    elif sym.is_negative:
        lo, hi = _NEGATIVE_INTERVAL
    else:
        lo, hi = _DEFAULT_INTERVAL
    lo, hi = float(lo), float(hi)
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"intervals[{sym.name!r}] must be a finite (lo, hi) with lo < hi; "
                         f"got ({lo}, {hi})")
    if (sym.is_positive and lo <= 0) or (sym.is_nonnegative and lo < 0):
        raise ValueError(f"intervals[{sym.name!r}] = ({lo}, {hi}) leaves the domain of a "
                         f"symbol declared {'positive' if sym.is_positive else 'nonnegative'}")
    if (sym.is_negative and hi >= 0) or (sym.is_nonpositive and hi > 0):
        raise ValueError(f"intervals[{sym.name!r}] = ({lo}, {hi}) leaves the domain of a "
                         f"symbol declared {'negative' if sym.is_negative else 'nonpositive'}")
    if sym.is_integer:
        raise ValueError(f"symbol {sym.name!r} is declared integer; substitute it before checking")
    return lo, hi


def _candidates(symbols: Sequence[sympy.Symbol], intervals: Mapping, rng: np.random.Generator):
    import mpmath

    bounds = [_interval_for(s, intervals) for s in symbols]
    while True:
        yield {s: mpmath.mpf(float(rng.uniform(lo, hi))) for s, (lo, hi) in zip(symbols, bounds)}


def sample_points(symbols: Sequence[sympy.Symbol], n_points: int = 8, *,
                  intervals: Mapping | None = None,
                  accept: Callable[[dict], bool] | None = None, seed: int = 0,
                  max_tries: int | None = None) -> list[dict[sympy.Symbol, Any]]:
    """Draw ``n_points`` random points (exact binary floats as mpmath numbers).

    Each symbol is uniform on ``intervals[symbol]`` (keyed by the Symbol or its name); without
    an entry, positive symbols use (0.25, 2), negative ones (-2, -0.25), others (-2, 2).
    Intervals contradicting a symbol's assumptions raise ``ValueError``. ``accept(point)``
    (point: ``{Symbol: mpf}``) rejects points outside the caller's domain.
    """
    intervals = dict(intervals or {})
    symbols = list(symbols)
    rng = np.random.default_rng(seed)
    tries = max_tries if max_tries is not None else 200 * n_points
    out = []
    gen = _candidates(symbols, intervals, rng)
    for _ in range(tries):
        p = next(gen)
        if accept is None or accept(p):
            out.append(p)
            if len(out) == n_points:
                return out
    raise ValueError(f"accept rejected too many points: {len(out)} of n_points={n_points} found "
                     f"in {tries} tries; widen intervals or relax accept")


# --------------------------------------------------------------------------------------------
# public checks


def check_identity(expr, symbols: Sequence[sympy.Symbol] | None = None, *,
                   intervals: Mapping | None = None,
                   accept: Callable[[dict], bool] | None = None,
                   n_points: int = 8, dps: int = DEFAULT_DPS, seed: int = 0,
                   simplify_timeout: float = 2.0, max_ops: int = 3000,
                   simplify: bool = True) -> IdentityResult:
    """Check ``expr == 0`` identically: sympy strategies plus an mpmath spot check.

    Parameters
    ----------
    expr : sympy expression, Matrix, ``Eq``, or sequence of these
        Every entry must vanish identically (``Eq(lhs, rhs)`` means ``lhs - rhs``; prefer
        passing ``lhs - rhs`` as one expression so the error bound sees both sides).
    symbols : sequence of Symbol, optional
        Free symbols to sample (default: all free symbols). Any other free symbol is an error.
    intervals : mapping Symbol-or-name -> (lo, hi), optional
        Sampling interval per symbol (see :func:`sample_points`).
    accept : callable ``point -> bool``, optional
        Domain predicate on ``{Symbol: mpf}``; rejected points are redrawn.
    n_points : int
        Number of accepted points at which the expression is evaluated (>= 1).
    dps : int
        mpmath working precision in significant digits (>= 20).
    seed : int
        Seed of the point sampler.
    simplify_timeout : float
        Wall-clock budget in seconds for all symbolic strategies together (hard: the child
        process running them is killed when it is spent).
    max_ops : int
        Entries whose tree has more nodes skip ``simplify`` and ``rewrite(exp)``.
    simplify : bool
        False skips the symbolic strategies (numeric check only).

    Returns
    -------
    IdentityResult
        ``passed`` iff ``max_rel_numeric <= 10**(-dps/2)`` (see the docstring of :mod:`proofs_check.symbolic`).
    """
    import mpmath
    import sympy

    start = time.perf_counter()
    if n_points < 1:
        raise ValueError(f"n_points must be >= 1; got {n_points}")
    if dps < 20:
        raise ValueError(f"dps must be >= 20 for the 10^(-dps/2) tolerance to mean anything; "
                         f"got {dps}")
    entries = _as_entries(expr)
    for e in entries:
        if e.has(sympy.Derivative, sympy.Subs) or any(
                isinstance(f, sympy.core.function.AppliedUndef) for f in e.atoms(sympy.Function)):
            raise ValueError("expr contains unevaluated derivatives or undefined functions; "
                             "call .doit() or substitute them with symbols before checking")
    free = set().union(*(e.free_symbols for e in entries)) if entries else set()
    if symbols is None:
        symbols = sorted(free, key=lambda s: s.name)
    else:
        symbols = list(symbols)
        extra = free - set(symbols)
        if extra:
            raise ValueError(f"expr has free symbols {sorted(s.name for s in extra)} not listed "
                             f"in symbols")

    if simplify:
        zero, strategy, timed_out = _try_simplify(entries, simplify_timeout, max_ops)
    else:
        zero, strategy, timed_out = False, None, False

    evaluator = _Evaluator(dps)
    rng_seed = seed
    points: list[dict] = []
    n_rejected = 0
    max_abs = 0.0
    max_rel = 0.0
    max_scale = 0.0
    with mpmath.workdps(dps):
        attempts = 0
        while len(points) < n_points:
            attempts += 1
            if attempts > 50:
                raise ValueError(f"could not find {n_points} points where expr is finite "
                                 f"({n_rejected} rejected); check intervals/accept")
            batch = sample_points(symbols, n_points - len(points), intervals=intervals,
                                  accept=accept, seed=rng_seed)
            rng_seed += 7919
            for p in batch:
                try:
                    vals = [evaluator.evaluate(e, p) for e in entries]
                except (ZeroDivisionError, ValueError, OverflowError):
                    n_rejected += 1
                    continue
                if not all(mpmath.isfinite(v) and mpmath.isfinite(err) for v, err in vals):
                    n_rejected += 1
                    continue
                points.append(p)
                for v, err in vals:
                    a = abs(v)
                    rel = mpmath.mpf(0) if a == 0 else a / err
                    max_abs = max(max_abs, float(a))
                    max_rel = max(max_rel, float(rel))
                    max_scale = max(max_scale, float(err))
    return IdentityResult(
        expr_text=_describe(entries), simplified_to_zero=bool(zero), strategy=strategy,
        simplify_timed_out=bool(timed_out and not zero), max_abs_numeric=max_abs,
        max_rel_numeric=max_rel, error_scale=max_scale,
        points=tuple({s.name: float(v) for s, v in p.items()} for p in points),
        n_rejected=n_rejected, dps=dps, tolerance=tolerance_for(dps),
        seconds=time.perf_counter() - start)


def difference(lhs, rhs):
    """``lhs − rhs`` left unevaluated (a list of entries for matrices).

    sympy cancels equal terms as soon as an expression is built (``x − x`` is the literal 0), so
    an identity written as ``sp.expand(lhs - rhs)`` often reaches :func:`check_identity` as 0 and
    its numeric spot check sees nothing. The unevaluated difference keeps both sides' terms for
    the numeric check (their size is the error bound ``E``), while the symbolic strategies
    (``expand`` first) still reduce it to 0.

    Parameters
    ----------
    lhs, rhs : sympy expression, Matrix or sequence
        Both sides; matrices and sequences must have the same shape.

    Returns
    -------
    sympy expression or list of them
        One unevaluated ``Add`` per entry.
    """
    import sympy

    if isinstance(lhs, (sympy.MatrixBase, list, tuple)) or isinstance(rhs, (sympy.MatrixBase, list, tuple)):
        lhs, rhs = sympy.Matrix(lhs), sympy.Matrix(rhs)
        if lhs.shape != rhs.shape:
            raise ValueError(f"lhs and rhs must have the same shape; got {lhs.shape} and {rhs.shape}")
        return [difference(x, y) for x, y in zip(lhs, rhs)]
    return sympy.Add(sympy.sympify(lhs), sympy.Mul(-1, sympy.sympify(rhs), evaluate=False), evaluate=False)


def check_equal(lhs, rhs, symbols: Sequence[sympy.Symbol] | None = None,
                **kwargs) -> IdentityResult:
    """Check ``lhs == rhs`` identically (entrywise for matrices); see :func:`check_identity`."""
    import sympy

    if isinstance(lhs, (list, tuple)) or isinstance(rhs, (list, tuple)):
        lhs, rhs = sympy.Matrix(lhs), sympy.Matrix(rhs)
    return check_identity(lhs - rhs, symbols, **kwargs)


def check_ode_solution(solution, rhs, t: sympy.Symbol, *,
                       state: Sequence[sympy.Symbol] | None = None,
                       initial=None, t0=0, symbols: Sequence[sympy.Symbol] | None = None,
                       **kwargs) -> OdeSolutionResult:
    """Check that ``solution(t)`` satisfies ``x' = rhs(x, t)`` and ``x(t0) = initial``.

    The ODE residual is ``d/dt solution_i - rhs_i`` with the ``state`` symbols in ``rhs``
    replaced (simultaneously) by the solution; the initial residual is
    ``solution_i|_{t=t0} - initial_i``. Sympy cannot integrate most of these ODEs; this proves
    the weaker but sufficient "formula satisfies ODE and initial condition" (uniqueness for
    locally Lipschitz right-hand sides does the rest).

    Parameters
    ----------
    solution : expression or sequence of expressions in ``t`` (and parameters)
    rhs : expression, sequence of expressions, or callable
        In terms of ``state`` symbols (or ``rhs(solution_list, t) -> list`` as a callable).
    t : Symbol
        Time; give its sampling interval in ``intervals`` (default (-2, 2), or (0.25, 2) if
        declared positive).
    state : sequence of Symbol, optional
        Placeholders for the state in ``rhs`` (required unless ``rhs`` is callable).
    initial : expression or sequence, optional
        Initial values at ``t0`` (typically symbols such as ``x0``).
    t0 : number or expression
        Initial time.
    symbols : sequence of Symbol, optional
        Symbols to sample (default: free symbols of each residual).
    **kwargs
        Passed to :func:`check_identity` (``intervals``, ``accept``, ``n_points``, ``dps``,
        ``seed``, ``simplify_timeout``, ...).
    """
    import sympy

    sol = list(solution) if isinstance(solution, (list, tuple, sympy.MatrixBase)) else [solution]
    sol = [sympy.sympify(s) for s in sol]
    if callable(rhs) and not isinstance(rhs, sympy.Basic):
        rhs_vals = list(rhs(sol, t))
    else:
        rhs_list = list(rhs) if isinstance(rhs, (list, tuple, sympy.MatrixBase)) else [rhs]
        if state is None:
            raise ValueError("state must list the state symbols used in rhs")
        state = list(state)
        if len(state) != len(sol):
            raise ValueError(f"state has {len(state)} symbols but solution has {len(sol)} "
                             f"components")
        mapping = dict(zip(state, sol))
        rhs_vals = [sympy.sympify(r).xreplace(mapping) for r in rhs_list]
    if len(rhs_vals) != len(sol):
        raise ValueError(f"rhs has {len(rhs_vals)} components but solution has {len(sol)}")
    residual = [sympy.diff(s, t) - r for s, r in zip(sol, rhs_vals)]
    res = check_identity(residual, symbols, **kwargs)
    init_res = None
    if initial is not None:
        init = list(initial) if isinstance(initial, (list, tuple, sympy.MatrixBase)) else [initial]
        if len(init) != len(sol):
            raise ValueError(f"initial has {len(init)} components but solution has {len(sol)}")
        init_expr = [s.subs(t, t0) - sympy.sympify(i) for s, i in zip(sol, init)]
        # Sample the same parameters as the ODE residual (an ``accept`` predicate may use them).
        pool = set(symbols) if symbols is not None else set().union(
            *(sympy.sympify(r).free_symbols for r in residual))
        pool |= set().union(*(e.free_symbols for e in init_expr))
        init_syms = sorted(pool - {t}, key=lambda s: s.name)
        init_res = check_identity(init_expr, init_syms, **kwargs)
    return OdeSolutionResult(residual=res, initial=init_res)
