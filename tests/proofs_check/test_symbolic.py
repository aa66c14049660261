"""Tests of proofs_check.symbolic (identity / ODE-solution checks) and the lazy/rich symbolic claims."""

from __future__ import annotations

import signal
import threading
import time

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from proofs_check.symbolic import (
    IdentityResult,
    check_equal,
    check_identity,
    check_ode_solution,
    difference,
    sample_points,
    to_comparison,
    tolerance_for,
)

x, y = sp.symbols("x y", real=True)
p = sp.Symbol("p", positive=True)
t = sp.Symbol("t", real=True)


# ---------------------------------------------------------------------------------- identities


@pytest.mark.slow
@pytest.mark.parametrize("expr", [
    sp.sin(x) ** 2 + sp.cos(x) ** 2 - 1,
    sp.sqrt(5 + 2 * sp.sqrt(6)) - sp.sqrt(2) - sp.sqrt(3),          # nested radical
    sp.cosh(x) ** 2 - sp.sinh(x) ** 2 - 1,
    sp.tanh(x / 2) - (sp.cosh(x) - 1) / sp.sinh(x),                 # needs rewrite(exp)
    sp.asinh(x) - sp.log(x + sp.sqrt(x**2 + 1)),                    # hyperbolic, not reduced
    sp.sqrt(p**2 + 2 * p + 1) - p - 1,                              # √(perfect square), not reduced
    (x + y) ** 5 - sp.expand((x + y) ** 5),
])
def test_true_identity_passes(expr):
    r = check_identity(expr)
    assert isinstance(r, IdentityResult)
    assert r.passed, r
    assert r.max_rel_numeric <= r.tolerance == tolerance_for(50)
    assert len(r.points) == 8


def test_unreduced_true_identity_passes_by_numeric_check():
    # Policy: a true identity passes on the numeric check even when no symbolic strategy
    # reduces it; the result records simplified_to_zero=False.
    expr = sp.asinh(x) - sp.log(x + sp.sqrt(x**2 + 1))
    r = check_identity(expr, simplify=False)
    assert r.passed and not r.simplified_to_zero and r.strategy is None
    r2 = check_identity(sp.sqrt(p**2 + 2 * p + 1) - p - 1)
    assert r2.passed
    if not r2.simplified_to_zero:  # the case the policy is for (sympy 1.14 cannot reduce it)
        assert r2.strategy is None


@pytest.mark.slow
def test_simplified_identity_records_strategy():
    r = check_identity(sp.tanh(x / 2) - (sp.cosh(x) - 1) / sp.sinh(x), simplify_timeout=10.0)
    assert r.passed and r.simplified_to_zero
    assert r.strategy in {"simplify", "rewrite(exp)+simplify"}
    assert check_identity((x + y) ** 2 - x**2 - 2 * x * y - y**2).strategy == "expand"


@pytest.mark.slow
@pytest.mark.parametrize("expr", [
    sp.sin(x) ** 2 + sp.cos(x) ** 2 - 1 + sp.Float("1e-20", 60) * x,
    sp.sin(x) ** 2 + sp.cos(x) ** 2 - 1 + sp.Rational(1, 10**20) * x,
    sp.asinh(x) - sp.log(x + sp.sqrt(x**2 + 1)) + sp.Rational(1, 10**20) * x,
    sp.sqrt(x**2) - x,                                               # false for x < 0
    sp.sqrt(5 + 2 * sp.sqrt(6)) - sp.sqrt(2) - sp.sqrt(3) - sp.Rational(1, 10**22),
])
def test_false_identity_fails(expr):
    r = check_identity(expr)
    assert not r.passed
    assert not r.simplified_to_zero
    assert r.max_rel_numeric > 10 * r.tolerance


def test_tiny_discrepancy_fails_even_when_terms_are_large_elsewhere():
    # 1e-20·x against terms of size O(1): relative residual 1e-20 >> 1e-25.
    r = check_identity(sp.exp(x) * (sp.sin(y) ** 2 + sp.cos(y) ** 2) - sp.exp(x) + sp.Rational(1, 10**20) * x,
                       intervals={x: (0.5, 2.0)})
    assert not r.passed and 1e-22 < r.max_rel_numeric < 1e-19


def test_scaling_by_term_size():
    # Terms of size e^60: the absolute residual is far above 10^-25 but the residual relative to
    # the terms (the propagated error bound) is at roundoff level, so the true identity passes.
    expr = sp.exp(x) * (sp.sin(y) ** 2 + sp.cos(y) ** 2) - sp.exp(x)
    r = check_identity(expr, intervals={x: (55.0, 60.0)}, simplify=False)
    assert r.max_abs_numeric > 1e-25
    assert r.passed
    r2 = check_identity(sp.sinh(x) / sp.cosh(x) - sp.tanh(x), intervals={x: (40.0, 60.0)})
    assert r2.passed


@pytest.mark.slow
def test_higher_precision_tightens_tolerance():
    expr = sp.sin(x) ** 2 + sp.cos(x) ** 2 - 1 + sp.Rational(1, 10**35) * x
    assert check_identity(expr, dps=50).passed        # 1e-35 is below 10^-25: not resolvable
    assert not check_identity(expr, dps=100).passed   # ... but is at 100 digits (tol 1e-50)


@pytest.mark.slow
def test_matrix_eq_and_check_equal():
    M = sp.Matrix([[sp.cosh(x) ** 2, 1], [x, sp.sin(y) ** 2]])
    N = sp.Matrix([[1 + sp.sinh(x) ** 2, 1], [x, 1 - sp.cos(y) ** 2]])
    assert check_identity(M - N).passed
    assert check_equal(M, N).passed
    assert check_identity(sp.Eq(sp.cosh(x) ** 2, 1 + sp.sinh(x) ** 2)).passed
    assert not check_equal(M, N + sp.Matrix([[0, 0], [0, sp.Rational(1, 10**20)]])).passed
    assert check_equal([x, y], [x, y]).passed


def test_complex_intermediate_values():
    # artanh beyond 1 has a complex value; tanh(atanh(u) + iπ/2)... via acoth branch is real.
    u = sp.Symbol("u", real=True)
    expr = sp.tanh(sp.acoth(u) + sp.I * sp.pi / 2) - u
    r = check_identity(expr, intervals={u: (1.5, 4.0)}, simplify=False)
    assert r.passed


def test_argument_validation():
    with pytest.raises(ValueError, match="n_points"):
        check_identity(x, n_points=0)
    with pytest.raises(ValueError, match="dps"):
        check_identity(x, dps=10)
    with pytest.raises(ValueError, match="free symbols"):
        check_identity(x + y, [x])
    with pytest.raises(ValueError, match="undefined functions"):
        check_identity(sp.Function("f")(x) - 1)
    with pytest.raises(ValueError, match="state"):
        check_ode_solution(sp.exp(t), [x], t)


# ---------------------------------------------------------------------------------- sampling


def test_domain_sampling_respects_intervals_and_assumptions():
    q = sp.Symbol("q", negative=True)
    pts = sample_points([x, p, q], 50, intervals={"x": (3.0, 4.0)}, seed=1)
    assert all(3 <= pt[x] <= 4 and pt[p] > 0 and pt[q] < 0 for pt in pts)
    with pytest.raises(ValueError, match="positive"):
        sample_points([p], 3, intervals={p: (-1.0, 1.0)})
    with pytest.raises(ValueError, match="negative"):
        sample_points([q], 3, intervals={q: (-1.0, 1.0)})
    with pytest.raises(ValueError, match="lo < hi"):
        sample_points([x], 3, intervals={x: (1.0, 1.0)})


def test_accept_predicate_and_determinism():
    def inside_disc(pt):
        return pt[x] ** 2 + pt[y] ** 2 < 1

    pts = sample_points([x, y], 30, accept=inside_disc, seed=3)
    assert all(inside_disc(pt) for pt in pts)
    again = sample_points([x, y], 30, accept=inside_disc, seed=3)
    assert [(a[x], a[y]) for a in pts] == [(b[x], b[y]) for b in again]
    with pytest.raises(ValueError, match="accept rejected"):
        sample_points([x], 3, accept=lambda pt: False)


@pytest.mark.slow
def test_domain_decides_truth():
    # √(x²) = x holds for x > 0 only; the check sees the domain it is given.
    assert check_identity(sp.sqrt(x**2) - x, intervals={x: (0.1, 3.0)}).passed
    assert not check_identity(sp.sqrt(x**2) - x, intervals={x: (-3.0, -0.1)}).passed
    r = check_identity(sp.sqrt(x**2) - x, accept=lambda pt: pt[x] > 0)
    assert r.passed and all(v["x"] > 0 for v in r.points)


# ---------------------------------------------------------------------------------- ODEs


@pytest.mark.slow
def test_ode_solution_known_and_perturbed():
    x0 = sp.Symbol("x0", positive=True)
    u = sp.Symbol("u", real=True)
    iv = {t: (0.0, 0.4), x0: (0.5, 2.0)}
    sol = 1 / (1 / x0 - t)                               # x' = x², x(0) = x0
    ok = check_ode_solution(sol, [u**2], t, state=[u], initial=[x0], intervals=iv)
    assert ok.passed and ok.residual.passed and ok.initial.passed
    bad = check_ode_solution(sol * (1 + sp.Rational(1, 10**15) * t), [u**2], t, state=[u],
                             initial=[x0], intervals=iv)
    assert not bad.passed and not bad.residual.passed and bad.initial.passed
    wrong_init = check_ode_solution(sol + sp.Rational(1, 10**18), [u**2], t, state=[u],
                                    initial=[x0], intervals=iv)
    assert not wrong_init.passed and not wrong_init.initial.passed


def test_ode_system_with_hyperbolic_solution_and_callable_rhs():
    # Logistic-type Riccati: v' = 1 - v², v = tanh(t + c); and the harmonic system.
    c = sp.Symbol("c", real=True)
    v = sp.Symbol("v", real=True)
    r = check_ode_solution(sp.tanh(t + c), [1 - v**2], t, state=[v], initial=[sp.tanh(c)])
    assert r.passed
    a, b = sp.symbols("a b", real=True)
    sol = [a * sp.cos(t) + b * sp.sin(t), -a * sp.sin(t) + b * sp.cos(t)]
    r2 = check_ode_solution(sol, lambda s_, tt: [s_[1], -s_[0]], t, initial=[a, b])
    assert r2.passed
    r3 = check_ode_solution(sol, lambda s_, tt: [s_[1], -s_[0] * (1 + sp.Rational(1, 10**20))], t,
                            initial=[a, b])
    assert not r3.passed


# ---------------------------------------------------------------------------------- time bound


def _heavy_expression():
    """A false identity built from the §3.1-style closed form; simplify runs for many seconds."""
    s, d, q = sp.symbols("s d q", positive=True)
    om = sp.sqrt(s**2 + d**2 / 4)
    rho = sp.sqrt(1 + (q**2 + 1) * sp.sinh(2 * om * t) / (2 * om)
                  + (2 * s * q + d / 2 * (1 - q**2)) * sp.sinh(om * t) ** 2 / om**2)
    sol = (sp.cosh(om * t) * q + sp.sinh(om * t) / om * (-d / 2 * q + s)) / rho
    der = sp.diff(sol, t) * rho**3
    return der - der * (1 + sp.Rational(1, 10**20))


@pytest.mark.slow
def test_simplify_is_time_bounded():
    start = time.perf_counter()
    r = check_identity(_heavy_expression(), simplify_timeout=0.3, intervals={t: (0.0, 1.0)})
    elapsed = time.perf_counter() - start
    assert r.simplify_timed_out and not r.simplified_to_zero
    assert elapsed < 0.3 + 5.0  # budget plus the numeric check
    assert not r.passed  # false identity, still caught numerically


def test_simplification_is_asked_once_per_question(monkeypatch):
    # the seed moves only the numeric points: the symbolic outcome of the same entries under the same
    # budget is remembered, and a different question (another budget, a shifted entry) is asked anew
    from proofs_check import _simplify

    calls = []
    real = _simplify._try_simplify_uncached
    monkeypatch.setattr(_simplify, "_MEMO", {})
    monkeypatch.setattr(_simplify, "_try_simplify_uncached", lambda *a: calls.append(a) or real(*a))
    x = sp.Symbol("x", positive=True)
    expr = sp.sin(x) ** 2 + sp.cos(x) ** 2 - 1
    first = [check_identity(expr, seed=seed, simplify_timeout=1.0) for seed in range(3)]
    assert len(calls) == 1
    assert all(r.simplified_to_zero and r.passed for r in first)
    assert first[0].points != first[1].points        # the numeric check still ran at each seed
    check_identity(expr, seed=0, simplify_timeout=0.5)
    check_identity(expr + sp.Rational(1, 10**10), seed=0, simplify_timeout=1.0)
    assert len(calls) == 3


def test_existing_interval_timer_is_restored():
    fired = []

    def handler(signum, frame):
        fired.append(signum)

    old = signal.signal(signal.SIGALRM, handler)
    old_timer = signal.setitimer(signal.ITIMER_REAL, 100.0)
    try:
        check_identity(_heavy_expression(), simplify_timeout=0.2, intervals={t: (0.0, 1.0)},
                       n_points=2)
        assert signal.getsignal(signal.SIGALRM) is handler
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 50.0 < remaining <= 100.0
        assert not fired
    finally:
        signal.setitimer(signal.ITIMER_REAL, *old_timer)
        signal.signal(signal.SIGALRM, old)


def test_works_off_the_main_thread():
    out = {}

    def run():
        out["r"] = check_identity(sp.cosh(x) ** 2 - sp.sinh(x) ** 2 - 1)

    th = threading.Thread(target=run)
    th.start()
    th.join(60)
    assert out["r"].passed


# ---------------------------------------------------------------------------------- Comparison


@pytest.mark.slow
def test_to_comparison_folds_results():
    good = check_identity(sp.sin(x) ** 2 + sp.cos(x) ** 2 - 1)
    bad = check_identity(sp.sin(x) ** 2 + sp.cos(x) ** 2 - 1 + sp.Rational(1, 10**20) * x)
    cmp_ok = to_comparison({"a": good})
    error, tol, unit = cmp_ok.combined
    assert error <= tol and cmp_ok.prediction == 0.0 and unit == "relative residual"
    cmp = to_comparison({"a": good, "b": bad}, notes={"n": 1})
    assert cmp.combined[0] == bad.max_rel_numeric > cmp.combined[1]
    assert [c.name for c in cmp.checks] == ["a", "b"] and not cmp.checks[1].passed
    assert cmp.details["identities"]["b"]["passed"] is False and cmp.details["n"] == 1
    assert "simplified_to_zero" in cmp.details["identities"]["a"]
    with pytest.raises(ValueError):
        to_comparison({})


def test_vacuous_identities_fail_and_difference_keeps_terms():
    # x − x is the literal 0 before the check: nothing is evaluated, so a claim made only of such
    # identities is vacuous; the unevaluated difference keeps the terms for the numeric check.
    expanded = sp.expand((x + 1) ** 2 - x**2 - 2 * x - 1)     # sympy has already proved it: 0
    vacuous = to_comparison({"a": check_identity(x - x), "b": check_identity(expanded)})
    assert not vacuous.nontrivial.holds and vacuous.details["reduced_before_the_check"] == ["a", "b"]
    kept = check_identity(difference(sp.expand((x + 1) ** 2), x**2 + 2 * x + 1))
    assert kept.passed and kept.error_scale > 0 and kept.simplified_to_zero
    assert to_comparison({"a": kept}).nontrivial.holds
    assert not check_identity(difference(x**2, x**2 + sp.Rational(1, 10**12))).passed
    assert len(difference(sp.eye(2), sp.eye(2))) == 4
    with pytest.raises(ValueError, match="same shape"):
        difference(sp.eye(2), sp.eye(3))


@settings(deadline=None, max_examples=10)
@given(seed=st.integers(0, 10_000), k=st.integers(-30, -18))
def test_property_true_passes_false_fails_for_every_seed(seed, k):
    # seeds 0..2000 checked by hand: the true identity's residual is ≤ 1.3e-26 of the tolerance,
    # and the smallest perturbation (k = −30) is seen at ≥ 6e8 times the tolerance at dps = 80
    true_expr = sp.cosh(x) ** 2 - sp.sinh(x) ** 2 - 1
    assert check_identity(true_expr, seed=seed, simplify=False, n_points=3).passed
    false_expr = true_expr + sp.Integer(10) ** k * (1 + x**2)
    assert not check_identity(false_expr, seed=seed, simplify=False, n_points=3, dps=80).passed


@pytest.mark.slow
def test_import_is_light():
    import subprocess
    import sys

    code = ("import sys, proofs_check, proofs_check.symbolic, proofs_check.lazy_rich._symbolic; "
            "print('sympy' in sys.modules or 'mpmath' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------------------------- lazy/rich


def test_lazy_rich_symbolic_claims_registered():
    from proofs_check.lazy_rich import _symbolic as m

    names = [c.name for c in m.CLAIMS]
    assert len(set(names)) == len(names) >= 11
    assert all(n.startswith("lazy_rich.symbolic.") for n in names)


@pytest.mark.parametrize("name", ["rank_one_limit", "riccati_solution"])
def test_fast_lazy_rich_symbolic_claims_pass(name):
    from proofs_check.lazy_rich import _symbolic as m

    claim = {c.name: c for c in m.CLAIMS}[f"lazy_rich.symbolic.{name}"]
    report = claim.check(seed=1, setting={"simplify_timeout": 0.2})
    assert report.passed, report


@pytest.mark.slow
def test_conservation_claim_control_detects_nonconservation():
    from proofs_check.lazy_rich import _symbolic as m

    report = m._conservation.check(setting={"simplify_timeout": 0.2})
    assert report.passed
    assert report.details["control_detects_nonconservation"] is True
    assert report.details["control_relu_cross_term_rel_residual"] > 1e-3
