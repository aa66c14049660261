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

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

import numpy as np

if TYPE_CHECKING:  # annotations only; sympy is imported inside the functions that need it
    import sympy

from ._claim import Comparison

__all__ = [
    "CLAIM_SETTING",
    "DEFAULT_DPS",
    "NUMERIC_TOLERANCE_REASON",
    "IdentityResult",
    "OdeSolutionResult",
    "check_identity",
    "claim_kwargs",
    "check_equal",
    "check_ode_solution",
    "sample_points",
    "to_comparison",
    "tolerance_for",
]

DEFAULT_DPS = 50

NUMERIC_TOLERANCE_REASON = (
    "identity checked at random points with mpmath at dps significant digits; a true identity "
    "leaves a relative residual |expr|/E ~ 10^-dps (E = propagated rounding-error bound, i.e. the "
    "size of the terms), a false one leaves the relative size of the discrepancy; the tolerance "
    "10^(-dps/2) is the geometric midpoint (dps/2 digits of head-room for cancellation)")

_DEFAULT_INTERVAL = (-2.0, 2.0)
_POSITIVE_INTERVAL = (0.25, 2.0)
_NEGATIVE_INTERVAL = (-2.0, -0.25)


def tolerance_for(dps: int) -> float:
    """Relative-residual tolerance ``10**(-dps/2)`` used for an evaluation at ``dps`` digits."""
    return 10.0 ** (-dps / 2)


# --------------------------------------------------------------------------------------------
# results


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
        """Numeric relative residual finite and within tolerance (the module's pass policy)."""
        return math.isfinite(self.max_rel_numeric) and self.max_rel_numeric <= self.tolerance

    def summary(self) -> dict[str, Any]:
        """Small JSON-friendly dict for a claim's details."""
        return {"passed": self.passed, "simplified_to_zero": self.simplified_to_zero,
                "strategy": self.strategy, "simplify_timed_out": self.simplify_timed_out,
                "max_abs_numeric": self.max_abs_numeric, "max_rel_numeric": self.max_rel_numeric,
                "n_points": len(self.points), "n_rejected": self.n_rejected, "dps": self.dps}


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
# symbolic strategies under a hard budget: they run in a forked child that is killed when the
# budget is spent (no signals: an exception raised by a timer lands wherever the interpreter
# is, e.g. inside an import or a finalizer, and breaks the caller)


def _strategies():
    import sympy

    return (
        ("expand", False, sympy.expand),
        ("cancel", False, lambda e: sympy.cancel(sympy.together(e))),
        ("simplify", True, sympy.simplify),
        ("rewrite(exp)+simplify", True, lambda e: sympy.simplify(e.rewrite(sympy.exp))),
    )


def _size_exceeds(expr: sympy.Basic, limit: int) -> bool:
    """True if the expression tree has more than ``limit`` nodes (stops counting early)."""
    import sympy

    for i, _ in enumerate(sympy.preorder_traversal(expr)):
        if i >= limit:
            return True
    return False


def _describe(entries: list[sympy.Expr], limit: int = 2000) -> str:
    """Printable form of the checked expression; large ones are summarised (printing a big
    expression costs more than checking it)."""
    import sympy

    parts = []
    for e in entries:
        if _size_exceeds(e, 400):
            parts.append(f"<expression with > 400 nodes, {len(e.free_symbols)} symbols>")
        else:
            parts.append(sympy.sstr(e))
    text = "; ".join(parts)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _try_simplify(entries: list[sympy.Expr], budget: float, max_ops: int):
    """Try to reduce every entry to 0 within ``budget`` seconds: (all_zero, strategy, timed_out).

    The strategies run in a forked child process (POSIX) that is killed at the deadline, so
    nothing in this process is interrupted. Without fork only the cheap strategies run.
    """
    import multiprocessing

    if all(e == 0 for e in entries):
        return True, "trivial", False
    if budget <= 0:
        return False, None, True
    if "fork" not in multiprocessing.get_all_start_methods():
        return _simplify_entries(entries, float("inf"), max_ops, cheap_only=True)
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)

    def child():
        try:
            send.send(_simplify_entries(entries, time.monotonic() + budget, max_ops))
        except BaseException:  # any failure in the child is "not simplified", never a verdict
            send.send((False, None, False))

    proc = ctx.Process(target=child, daemon=True)
    proc.start()
    send.close()
    try:
        result = receive.recv() if receive.poll(budget) else (False, None, True)
    except EOFError:  # the child died without answering
        result = (False, None, False)
    finally:
        proc.kill()
        proc.join()
        receive.close()
    return result


def _simplify_entries(entries, end: float, max_ops: int, cheap_only: bool = False):
    """The strategies themselves, run until ``end`` (time.monotonic) between strategies."""
    if all(e == 0 for e in entries):
        return True, "trivial", False
    used: str | None = None
    timed_out = False
    for entry in entries:
        if entry == 0:
            continue
        big = _size_exceeds(entry, max_ops)
        done = False
        for name, expensive, fn in _strategies():
            if expensive and (big or cheap_only):
                timed_out = True
                continue
            if time.monotonic() >= end:
                return False, None, True
            try:
                reduced = fn(entry)
            except Exception:  # a strategy failing is not a verdict; try the next one
                continue
            if reduced == 0:
                order = [s[0] for s in _strategies()]
                if used is None or order.index(name) > order.index(used):
                    used = name
                done = True
                break
        if not done:
            return False, None, timed_out
    return True, used, timed_out


# --------------------------------------------------------------------------------------------
# numeric evaluation with a running rounding-error bound


def _mp_number(node: sympy.Expr, dps: int):
    import mpmath
    import sympy

    value = sympy.N(node, dps + 10)
    re, im = value.as_real_imag()
    re_mp = mpmath.mpf(sympy.Float(re, dps + 10)._mpf_)
    if im == 0:
        return re_mp
    return mpmath.mpc(re_mp, mpmath.mpf(sympy.Float(im, dps + 10)._mpf_))


class _Evaluator:
    """Evaluate a sympy expression with mpmath at the current precision, with error bound E.

    ``E`` is in units of the working epsilon: the computed value differs from the exact value
    of the expression at the (exact) sample point by about ``eps * E``.
    """

    def __init__(self, dps: int):
        self.dps = dps
        self._funcs: dict[Any, Callable] = {}
        self._partials: dict[Any, list[Callable | None]] = {}
        self._fallback: dict[Any, tuple[list, Callable]] = {}

    def _function(self, node):
        import sympy

        key = (node.func, len(node.args))
        if key not in self._funcs:
            dummies = [sympy.Dummy(f"x{i}", real=True) for i in range(len(node.args))]
            applied = node.func(*dummies)
            self._funcs[key] = sympy.lambdify(dummies, applied, modules="mpmath")
            partials: list[Callable | None] = []
            for d in dummies:
                try:
                    der = sympy.diff(applied, d)
                    if der.has(sympy.Derivative, sympy.Subs, sympy.DiracDelta):
                        raise ValueError
                    partials.append(sympy.lambdify(dummies, der, modules="mpmath"))
                except Exception:
                    partials.append(None)
            self._partials[key] = partials
        return self._funcs[key], self._partials[key]

    def evaluate(self, expr: sympy.Expr, point: Mapping[sympy.Symbol, Any]):
        import mpmath
        import sympy

        memo: dict[Any, tuple[Any, Any]] = {}

        def ev(node):
            hit = memo.get(node)
            if hit is not None:
                return hit
            if node.is_Symbol:
                out = (point[node], mpmath.mpf(0))  # sample points are exact binary floats
            elif node.is_Integer:
                out = (mpmath.mpf(int(node)), mpmath.mpf(0))
            elif node.is_Number or node.is_NumberSymbol or node is sympy.I:
                v = _mp_number(node, self.dps)
                out = (v, abs(v))
            elif node.is_Add:
                vals = [ev(a) for a in node.args]
                v = mpmath.fsum(x[0] for x in vals)
                out = (v, mpmath.fsum(x[1] for x in vals) + abs(v))
            elif node.is_Mul:
                vals = [ev(a) for a in node.args]
                absv = [abs(x[0]) for x in vals]
                v = mpmath.fprod(x[0] for x in vals)
                # first order: sum_i E_i * prod_{j != i} |v_j|, via prefix/suffix products
                k = len(vals)
                suffix = [mpmath.mpf(1)] * (k + 1)
                for i in range(k - 1, -1, -1):
                    suffix[i] = suffix[i + 1] * absv[i]
                err = mpmath.mpf(0)
                prefix = mpmath.mpf(1)
                for i, (_, e_i) in enumerate(vals):
                    if e_i:
                        err += e_i * prefix * suffix[i + 1]
                    prefix *= absv[i]
                out = (v, err + abs(v))
            elif node.is_Pow:
                (vb, eb), (ve, ee) = ev(node.base), ev(node.exp)
                if node.exp.is_Integer:
                    n = int(node.exp)
                    if n == 0:
                        out = (mpmath.mpf(1), mpmath.mpf(0))
                    else:
                        if n < 0 and vb == 0:
                            raise ZeroDivisionError
                        v = vb ** n
                        out = (v, abs(n) * abs(vb) ** (n - 1) * eb + abs(v) if eb else abs(v))
                else:
                    v = mpmath.power(vb, ve)
                    if vb == 0:
                        out = (v, abs(v) + eb)
                    else:
                        rel = abs(ve) * eb / abs(vb) + abs(mpmath.log(vb)) * ee + 1
                        out = (v, abs(v) * rel)
            elif isinstance(node, sympy.Function) and node.args:
                f, partials = self._function(node)
                vals = [ev(a) for a in node.args]
                args = [x[0] for x in vals]
                v = f(*args)
                err = abs(v)
                for (vi, ei), dfi in zip(vals, partials):
                    if not ei:
                        continue
                    try:
                        if dfi is None:
                            raise ValueError
                        err += abs(dfi(*args)) * ei
                    except Exception:
                        err += ei * max(mpmath.mpf(1), abs(v) / abs(vi) if vi else mpmath.mpf(1))
                out = (v, err)
            else:  # Piecewise, Max, ...: evaluate as a whole; bound = its own size
                key = node
                if key not in self._fallback:
                    syms = sorted(node.free_symbols, key=lambda s: s.name)
                    self._fallback[key] = (syms, sympy.lambdify(syms, node, modules="mpmath"))
                syms, f = self._fallback[key]
                v = f(*[point[s] for s in syms])
                out = (v, abs(v))
            memo[node] = out
            return out

        return ev(expr)


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
        ``passed`` iff ``max_rel_numeric <= 10**(-dps/2)`` (see the module docstring).
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


def to_comparison(results: Mapping[str, IdentityResult | OdeSolutionResult],
                  notes: Mapping[str, Any] | None = None) -> Comparison:
    """Fold several identity checks into one claim :class:`~proofs_check._claim.Comparison`.

    ``error`` is the largest numeric relative residual, ``tolerance`` the smallest
    ``10**(-dps/2)``; ``prediction`` is 0.0 (every residual vanishes), ``observed`` the error.
    ``details`` holds each identity's summary (simplification status included) and ``notes``.
    """
    if not results:
        raise ValueError("results must not be empty")
    error = max(r.max_rel_numeric for r in results.values())
    tol = min(r.tolerance for r in results.values())
    details: dict[str, Any] = {
        "identities": {name: r.summary() for name, r in results.items()},
        "all_simplified_to_zero": all(r.simplified_to_zero for r in results.values()),
        "not_simplified": sorted(n for n, r in results.items() if not r.simplified_to_zero),
        "error_is": "max over identities and points of |expr| / (propagated error bound)",
    }
    if notes:
        details.update(notes)
    return Comparison(prediction=0.0, observed=error, error=error, tolerance=tol, details=details)


# Default setting of a symbolic Claim: mpmath precision, sample points, and the sympy budget
# (a certificate of exactness, not the verdict; see the module docstring).
CLAIM_SETTING = {"dps": DEFAULT_DPS, "n_points": 8, "simplify_timeout": 1.0}


def claim_kwargs(setting: Mapping, seed: int, **extra) -> dict:
    """Keyword arguments for :func:`check_identity` / :func:`check_ode_solution` from a claim's setting."""
    out = {"dps": int(setting["dps"]), "n_points": int(setting["n_points"]), "seed": seed,
           "simplify_timeout": float(setting["simplify_timeout"])}
    out.update(extra)
    return out
