"""Tests of the scalar Lyapunov machinery (theory.sgd_stability._laws, _lyapunov).

Derivations: docs/sgd_stability.md#the-lyapunov-criterion, docs/sgd_stability.md#four-notions-of-stability,
docs/sgd_stability.md#gaussian-closed-form; cases 1–4 of docs/sgd_stability.md#reference-cases. Every threshold is obtained by two
independent methods (closed form vs quadrature / exact roots vs dense grid / theory vs Monte
Carlo of the random product).
"""

import math
import time

import mpmath as mp
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, stats

from theory.sgd_stability._laws import (
    expected_log_abs,
    gaussian_expected_log_abs,
    law_moment,
    log_expected_abs_power,
)
from theory.sgd_stability._lyapunov import (
    lyapunov_exponent,
    moment_exponent,
    second_order_saddle_threshold,
    small_lr_expansion,
    small_lr_lyapunov,
    stable_learning_rates,
    tail_index,
)

# Measured accuracy of the Gaussian closed form against 50-digit references: max |error| = 7e-16
# over q ∈ [1e-6, 1e4] (values up to |log c| ≈ 5). 3e-15·max(1, |value|) leaves a factor ~4 for
# platform libm differences while still failing on any truncation error (a four-term
# asymptotic errs by 4e-9 at q = 60; one missing Poisson term by > 1e-12).
GAUSS_TOL = 3e-15
# Quadrature path: quad runs at epsrel = 1e-12, epsabs = 1e-13 per piece (≈ 12 pieces).
QUAD_TOL = 1e-11
# Interval ends: brentq at rtol 1e-14 on a function with slope O(1); 1e-12 relative is safe.
EDGE_RTOL = 1e-12
K_SE = 4.0            # Monte Carlo claims: |estimate − theory| ≤ 4 SE for every seed in SEEDS
SEEDS = range(5)


def _mp_gauss(alpha, beta):
    """50-digit E log|α + βZ| by mpmath tanh-sinh quadrature split at the log singularity."""
    with mp.workdps(50):
        a, b = mp.mpf(alpha), mp.mpf(beta)
        z0 = -a / b
        pts = sorted({z0 - 12, z0, z0 + 12, mp.mpf(-12), mp.mpf(0), mp.mpf(12)})
        return mp.quad(lambda z: mp.log(abs(a + b * z)) * mp.npdf(z), [-mp.inf, *pts, mp.inf])


def _mp_hyp2f2(q):
    """E log|c + Z| = −(γ + ln 2)/2 + q·₂F₂(1, 1; 3/2, 2; −q), q = c²/2 (docs/sgd_stability.md#gaussian-closed-form, docs/sgd_stability.md#symbolic-identities)."""
    with mp.workdps(50):
        q = mp.mpf(q)
        return -(mp.euler + mp.log(2)) / 2 + q * mp.hyp2f2(1, 1, 1.5, 2, -q)


# q grid: log-spaced over [1e-6, 1e4] plus both sides of every series tier and of the switch q = 50
Q_GRID = np.concatenate([np.logspace(-6, 4, 21), [0.999, 1.001, 3.999, 4.001, 11.99, 12.01, 24.99, 25.01,
                                                  49.999, 50.0, 50.001, 60.0]])


# ------------------------------------------------------------------------------------------------
# Gaussian closed form (docs/sgd_stability.md#gaussian-closed-form)
# ------------------------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("q", Q_GRID)
def test_gaussian_closed_form_vs_mpmath_quadrature(q):
    c = math.sqrt(2.0 * q)
    ref = float(_mp_gauss(c, 1.0))
    assert abs(gaussian_expected_log_abs(c, 1.0) - ref) <= GAUSS_TOL * max(1.0, abs(ref))


def test_gaussian_closed_form_vs_hyp2f2():
    qs = np.logspace(-6, 4, 11)
    vals = gaussian_expected_log_abs(np.sqrt(2 * qs), 1.0)
    refs = np.array([float(_mp_hyp2f2(q)) for q in qs])
    np.testing.assert_allclose(vals, refs, rtol=GAUSS_TOL, atol=GAUSS_TOL)


def test_gaussian_special_values_and_switch_continuity():
    # E log|Z| = −(γ + ln 2)/2 exactly; β = 0 gives log|α|; α = β = 0 gives −inf
    assert abs(gaussian_expected_log_abs(0.0, 2.0) - (math.log(2) - 0.5 * (np.euler_gamma + math.log(2)))) < 1e-15
    assert gaussian_expected_log_abs(3.0, 0.0) == math.log(3.0)
    assert gaussian_expected_log_abs(0.0, 0.0) == -math.inf
    # continuity across q = 50 (series ↔ asymptotic): c = 10 ± 1e-13 straddles the switch; the
    # difference must equal f'(c)·Δc = (1 + 1/c² + …)/c · 2e-13 up to a few ulps of f ≈ 2.3
    c = math.sqrt(100.0)
    lo, hi = gaussian_expected_log_abs(c * (1 - 1e-14), 1.0), gaussian_expected_log_abs(c * (1 + 1e-14), 1.0)
    assert abs((hi - lo) - 2e-14 * 1.0101) < 3e-15


def test_four_term_asymptotic_error_is_the_next_term():
    # Evidence for the switch choice: the four-term form misses −(945/10) r⁵ + O(r⁶).
    for q in (60.0, 200.0):
        r = 1.0 / (2 * q)
        four = math.log(math.sqrt(2 * q)) - r / 2 - 0.75 * r**2 - 2.5 * r**3 - 105 / 8 * r**4
        err = four - float(_mp_gauss(math.sqrt(2 * q), 1.0))
        assert err == pytest.approx(94.5 * r**5, rel=0.15)   # next term ≈ 1039.5 r⁶: ≤ 11% at q = 60


@settings(deadline=None, max_examples=50)
@given(c=st.floats(-300, 300), scale=st.floats(1e-6, 1e6))
def test_gaussian_scale_invariance(c, scale):
    # E log|sc + sZ| = log s + E log|c + Z|, exactly in the mathematics; roundoff ~ eps·|log s|
    # (the subtraction of log s) plus a few ulps of E log|c + Z|. 7000 random draws (c = 0, |c|
    # down to 1e-8, both ends of both ranges): worst 0.089 of this bound.
    lhs = gaussian_expected_log_abs(scale * c, scale) - math.log(scale)
    assert abs(lhs - gaussian_expected_log_abs(c, 1.0)) <= 1e-14 * max(1.0, abs(math.log(scale)))


@pytest.mark.parametrize("a,b", [(1.0, -0.3), (1.0, -1.0), (1.0, -3.0), (0.2, -1.5), (1e-3, 1.0), (1.0, -1e-4)])
def test_quad_path_matches_norm_closed_form(a, b):
    law = stats.norm(0.7, 1.3)
    closed = expected_log_abs(a, b, law)
    quad = expected_log_abs(a, b, law, method="quad")
    assert abs(closed - quad) <= QUAD_TOL * max(1.0, abs(closed))


@pytest.mark.parametrize("lr", [0.05, 0.5, 1.0, 2.0, 5.0])
def test_chi2_quadrature_vs_gaussian_identity(lr):
    # h = x², x ~ N(0, 1): log|1 − λx²| = log|1 − √λx| + log|1 + √λx| ⇒ Λ = 2 E log|1 + √λ Z|
    assert abs(lyapunov_exponent(lr, stats.chi2(1)) - 2 * gaussian_expected_log_abs(1.0, math.sqrt(lr))) <= QUAD_TOL


@pytest.mark.parametrize("a,b", [(1.0, -0.5), (1.0, -2.0), (0.3, 1.0), (0.0, 1.0)])
def test_cauchy_quadrature_vs_closed_form(a, b):
    # X ~ Cauchy(x0, γ): E log|a + bX| = log|a + b(x0 + iγ)| (harmonic extension; heavy tails)
    x0, g = 0.7, 1.3
    ref = 0.5 * math.log((a + b * x0) ** 2 + (b * g) ** 2)
    assert abs(expected_log_abs(a, b, stats.cauchy(x0, g)) - ref) <= QUAD_TOL


def test_finite_law_is_the_exact_mean():
    rng = np.random.default_rng(3)
    x = rng.normal(size=37)
    a = rng.normal(size=(4, 1))
    b = rng.normal(size=(1, 5))
    direct = np.log(np.abs(a[..., None] + b[..., None] * x)).mean(axis=-1)
    # same formula, different evaluation order (log1p for small terms): a few ulps of |log| ≤ ~5
    np.testing.assert_allclose(expected_log_abs(a, b, x), direct, rtol=1e-13, atol=1e-14)
    assert expected_log_abs(1.0, -0.5, [2.0, 1.0]) == -math.inf
    assert lyapunov_exponent(1.0, [1.0, 3.0]) == -math.inf


def test_finite_law_small_lr_keeps_relative_accuracy():
    # Λ(λ) ≈ −λ E h for tiny λ: log1p evaluation keeps ~1e-15 relative accuracy where
    # log|1 − λh| would lose everything below λ ~ 1e-16
    lr = 1e-12
    val = lyapunov_exponent(lr, [1.0, 3.0])
    ref = 0.5 * (math.log1p(-lr) + math.log1p(-3 * lr))
    assert abs(val - ref) <= 1e-15 * abs(ref)


def test_shapes_and_scalars():
    law = stats.norm(1.0, 1.0)
    assert isinstance(lyapunov_exponent(0.3, law), float)
    assert lyapunov_exponent(np.full((3, 2), 0.3), law).shape == (3, 2)
    assert lyapunov_exponent([0.1, 0.2], [1.0, 3.0]).shape == (2,)
    assert isinstance(moment_exponent(1.0, 0.3, law), float)
    assert moment_exponent([0.0, 1.0, 2.0], 0.3, law).shape == (3,)


def test_grid_200x200_is_fast():
    # 200 × 200 (lr, noise) grid of Gaussian laws h ~ N(1, s²): Λ = E log|(1 − λ) − λsZ|
    lr = np.geomspace(1e-3, 10, 200)[:, None]
    s = np.geomspace(1e-2, 10, 200)[None, :]
    expected_log_abs(1 - lr, -lr * s, stats.norm())            # warm-up
    best = math.inf
    for _ in range(3):
        t0 = time.perf_counter()
        grid = expected_log_abs(1 - lr, -lr * s, stats.norm())
        best = min(best, time.perf_counter() - t0)
    assert grid.shape == (200, 200) and np.all(np.isfinite(grid))
    print(f"200x200 Gaussian Lyapunov grid: {best * 1e3:.1f} ms")
    assert best < 1.0
    # spot check one cell against the law-level call (same closed form, other parametrisation)
    assert grid[57, 143] == pytest.approx(lyapunov_exponent(lr[57, 0], stats.norm(1.0, s[0, 143])), abs=1e-14)


# ------------------------------------------------------------------------------------------------
# validation (negative tests)
# ------------------------------------------------------------------------------------------------

class _LogLogGen(stats.rv_continuous):
    """Density 1/(x log² x) on [e, ∞): a proper law with E log X = ∫ dx/(x log x) = ∞."""

    def _pdf(self, x):
        return 1.0 / (x * np.log(x) ** 2)

    def _cdf(self, x):
        return 1.0 - 1.0 / np.log(x)

    def _ppf(self, u):
        return np.exp(1.0 / (1.0 - u))


@pytest.mark.parametrize("bad,match", [
    ([1.0, np.nan], "h.*finite"),
    ([1.0, np.inf], "h.*finite"),
    ([], "h.*at least one"),
    ([[1.0, 2.0]], "h.*1-D"),
    (stats.norm, "h.*frozen"),
    (stats.poisson(3.0), "h.*discrete"),
    ("norm", "h must be"),
    (None, "h must be"),
])
def test_invalid_laws_name_h(bad, match):
    with pytest.raises(ValueError, match=match):
        lyapunov_exponent(0.1, bad)


class _LogLogZeroGen(stats.rv_continuous):
    """Density 1/(x log² x) on (0, 1/e]: E log X = ∫ dx/(x log x) = −∞ (singular at 0)."""

    def _pdf(self, x):
        return 1.0 / (x * np.log(x) ** 2)

    def _cdf(self, x):
        return -1.0 / np.log(x)

    def _ppf(self, u):
        return np.exp(-1.0 / u)


def test_divergent_log_moment_is_detected():
    # heavy tail: P(X > x) = 1/log x, mass 1.4e-3 beyond 1e300
    with pytest.raises(ValueError, match="h.*no finite log-moment"):
        lyapunov_exponent(0.1, _LogLogGen(a=np.e, name="loglog")())
    # singular density at 0: E log|0 + 1·X| = −∞, but E log|1 − X| is finite
    law = _LogLogZeroGen(a=0.0, b=np.exp(-1.0), name="loglog0")()
    with pytest.raises(ValueError, match="law.*no finite log-moment"):
        expected_log_abs(0.0, 1.0, law)
    assert np.isfinite(lyapunov_exponent(1.0, law))


@pytest.mark.parametrize("lr", [0.0, -1.0, np.inf, np.nan, [0.1, -0.1]])
def test_invalid_lr(lr):
    with pytest.raises(ValueError, match="lr"):
        lyapunov_exponent(lr, [1.0, 2.0])


def test_other_invalid_arguments():
    with pytest.raises(ValueError, match="notion"):
        stable_learning_rates([1.0], "l2")
    with pytest.raises(ValueError, match="lr_max"):
        stable_learning_rates([1.0], "gd", lr_max=-1.0)
    with pytest.raises(ValueError, match="n_grid"):
        stable_learning_rates(stats.norm(), "probabilistic", n_grid=1)
    with pytest.raises(ValueError, match="method"):
        lyapunov_exponent(0.1, stats.norm(), method="simpson")
    with pytest.raises(ValueError, match="method='quad'"):
        lyapunov_exponent(0.1, [1.0], method="quad")
    with pytest.raises(ValueError, match="p must be >= 0"):
        moment_exponent(-1.0, 0.1, [1.0])
    with pytest.raises(ValueError, match="order"):
        small_lr_expansion(0)
    with pytest.raises(ValueError, match="h has no finite mean"):
        stable_learning_rates(stats.cauchy(), "gd")
    with pytest.raises(ValueError, match="E h²"):
        second_order_saddle_threshold([0.0, 0.0])
    with pytest.raises(ValueError, match="k must be"):
        law_moment([1.0], 0)


def test_law_object_protocol():
    class GaussObject:               # a law defined only through expected_log_abs (+ moments)
        def expected_log_abs(self, a, b):
            return gaussian_expected_log_abs(a + b * 1.0, b * 1.0)

        def moment(self, k):
            return float(stats.norm(1.0, 1.0).moment(k))

    obj = GaussObject()
    lr = np.array([0.2, 1.0, 1.7])
    # same closed form; α = a + bμ is rounded before (object) or inside (norm) the call: 1 ulp
    np.testing.assert_allclose(lyapunov_exponent(lr, obj), lyapunov_exponent(lr, stats.norm(1.0, 1.0)),
                               rtol=0, atol=1e-15)
    got = stable_learning_rates(obj, "probabilistic", lr_max=5.0)
    ref = stable_learning_rates(stats.norm(1.0, 1.0), "probabilistic", lr_max=5.0)
    assert len(got) == len(ref) == 1 and got[0][1] == pytest.approx(ref[0][1], rel=EDGE_RTOL)
    with pytest.raises(ValueError, match="log_expected_abs_power"):
        moment_exponent(1.0, 0.3, obj)


# ------------------------------------------------------------------------------------------------
# stable learning rates: finite laws (exact) vs dense grid; docs/sgd_stability.md#reference-cases cases 1–3
# ------------------------------------------------------------------------------------------------

def _assert_matches_grid(h, intervals, lr_hi):
    lr = np.geomspace(1e-4, lr_hi, 100_001)
    lam = lyapunov_exponent(lr, h)
    inside = np.zeros(lr.size, bool)
    for lo, hi in intervals:
        inside |= (lr > lo) & (lr < hi)
    # points within 1e-9 relative of an end may round either way
    ends = np.array([e for iv in intervals for e in iv if e > 0])
    near = np.zeros(lr.size, bool) if ends.size == 0 else (
        np.min(np.abs(lr[:, None] / ends[None, :] - 1), axis=1) < 1e-9)
    assert np.all((inside == (lam < 0)) | near)


def _assert_edges_are_roots(h, intervals):
    x = np.asarray(h, float)
    sing = 1.0 / x[x > 0]
    for lo, hi in intervals:
        for e in (lo, hi):
            if e == 0.0 or np.any(np.isclose(e, sing, rtol=1e-12, atol=0)):
                continue
            # Λ(e) = 0 to roundoff; |Λ'| ≤ Σ|h_i/(1 − e h_i)|/N, times the 1e-14 relative brentq tolerance
            slope = np.mean(np.abs(x / (1 - e * x)))
            assert abs(lyapunov_exponent(e, x)) <= 1e-13 * max(1.0, slope * e)


@pytest.mark.parametrize("h,expected", [
    ([1.0, 3.0], [(0.0, 4 / 3)]),                                   # case 1: one interval
    ([1.0, 4.0], [(0.0, 5 / 4)]),                                   # case 2
    ([-2.0, 1.0], [(0.5, (1 + math.sqrt(17)) / 4)]),                # case 3: saddle window
    ([1.0, 10.0], [(0.0, (11 - math.sqrt(41)) / 20), ((11 + math.sqrt(41)) / 20, 1.1)]),
])
def test_probabilistic_sets_of_two_point_laws(h, expected):
    # Two atoms: Λ < 0 ⇔ |1 − λh₁||1 − λh₂| < 1, solved by hand as quadratics in λ.
    got = stable_learning_rates(h, "probabilistic")
    assert len(got) == len(expected)
    for (lo, hi), (elo, ehi) in zip(got, expected):
        assert lo == pytest.approx(elo, rel=EDGE_RTOL, abs=0)
        assert hi == pytest.approx(ehi, rel=EDGE_RTOL)
    _assert_matches_grid(h, got, 3.0)


@pytest.mark.slow
def test_stable_set_is_not_an_interval_with_a_window_at_each_singular_point():
    # Model C reference data (docs/sgd_stability.md#data-models), Λ₊ = E log|1 + λc| is the law h = −c, plus random data
    c = np.array([2.0, 1.5, 0.8, -0.5, -1.2])
    rng = np.random.default_rng(0)
    for h in (-c, c, np.array([1.0, 10.0]), rng.normal(0.3, 1.0, size=20), rng.normal(0.3, 1.0, size=200)):
        got = stable_learning_rates(h, "probabilistic")
        _assert_matches_grid(h, got, 2.0 / np.min(np.abs(h)) + 10)
        _assert_edges_are_roots(h, got)
        # every singular point 1/h_i (Λ = −∞) lies in a stable interval (possibly degenerate)
        for s in 1.0 / h[h > 0]:
            assert any(lo <= s <= hi for lo, hi in got)
    assert len(stable_learning_rates(-c, "probabilistic")) == 2
    assert len(stable_learning_rates(np.array([1.0, 10.0]), "probabilistic")) == 2


def test_finite_law_edge_cases():
    assert stable_learning_rates([0.0, 0.0], "probabilistic") == []         # Λ ≡ 0
    assert stable_learning_rates([-1.0, -2.0], "probabilistic") == []       # Λ > 0 for all λ
    assert stable_learning_rates([-1.0, -2.0], "gd") == []
    got = stable_learning_rates([1.0, 3.0], "probabilistic", lr_max=1.0)
    assert got == [(0.0, 1.0)]                                              # truncated: hi == lr_max
    # many atoms: windows around the largest 1/h_i shrink like e^{−N·rest} below float resolution
    h = np.linspace(0.5, 2.0, 400)
    got = stable_learning_rates(h, "probabilistic")
    assert got[0][0] == 0.0 and all(lo <= hi for lo, hi in got)


def _mc_lyapunov(law_sampler, lr, n, seed):
    """Λ̂ = mean log|1 − λh_t| over n i.i.d. steps of the product, with its standard error."""
    h = law_sampler(np.random.default_rng(seed), n)
    inc = np.log(np.abs(1.0 - lr * h))
    return inc.mean(), inc.std(ddof=1) / math.sqrt(n)


@pytest.mark.parametrize("case", ["two_point_1_3", "two_point_1_4", "saddle_-2_1"])
def test_cases_1_to_3_thresholds_two_ways(case):
    h = {"two_point_1_3": [1.0, 3.0], "two_point_1_4": [1.0, 4.0], "saddle_-2_1": [-2.0, 1.0]}[case]
    x = np.asarray(h)
    m1, m2 = x.mean(), (x**2).mean()
    # GD: closed form vs the defining inequality |1 − λ E h| < 1 checked on a grid
    gd = stable_learning_rates(h, "gd")
    lr = np.linspace(1e-3, 3.0, 30001)
    ok = np.abs(1 - lr * m1) < 1
    assert gd == ([(0.0, 2 / m1)] if m1 > 0 else [])
    if gd:
        assert np.all(ok == (lr < gd[0][1]))
    # MS: closed form 2E h/E h² vs the root of g(2) = log E(1 − λh)² (log-sum-exp evaluation)
    ms = stable_learning_rates(h, "mean_square")
    if m1 > 0:
        root = optimize.brentq(lambda t: moment_exponent(2.0, t, x), 1e-3, 2 * m1 / m2 * 1.5)
        assert ms[0][1] == pytest.approx(root, rel=1e-12)
    else:
        assert ms == [] and np.all(moment_exponent(2.0, 0.3, x) > 0)
    # PS: exact set vs Monte Carlo of the random product on either side of each edge
    ps = stable_learning_rates(h, "probabilistic")
    for lo, hi in ps:
        for e, side in ((lo, -1), (hi, +1)):
            if e == 0.0:
                continue
            probe = e * (1 + 0.05 * side)
            theory = lyapunov_exponent(probe, x)
            assert theory > 0
            for seed in SEEDS:
                est, se = _mc_lyapunov(lambda g, n: g.choice(x, n), probe, 200_000, seed)
                assert abs(est - theory) <= K_SE * se
    if case == "saddle_-2_1":
        # GD and MS see nothing; the exact window's lower end (½) vs the second-order rule (0.4):
        # the rule is O(λ³)-accurate only and underestimates here
        assert ps[0][0] == pytest.approx(0.5, rel=EDGE_RTOL) and second_order_saddle_threshold(x) == 0.4


@pytest.mark.slow
def test_case_1_tail_index_and_affine_recursion():
    # λ = 1.1: PS-stable (Λ < 0) but not MS-stable (g(2) > 0) for h ∈ {1, 3}
    x, lr = np.array([1.0, 3.0]), 1.1
    lam, g2 = lyapunov_exponent(lr, x), moment_exponent(2.0, lr, x)
    assert lam < 0 < g2 and lam <= g2 / 2
    alpha = tail_index(lr, x)
    assert 0.5 * (0.1**alpha + 2.3**alpha) == pytest.approx(1.0, abs=1e-13)   # |1 − λh| ∈ {0.1, 2.3}
    assert 0 < alpha < 2                                                     # MS stability ⇔ α* > 2
    assert tail_index(0.5, x) > 2                                            # MS-stable λ
    # Hill estimator on the stationary affine recursion Δ ← (1 − λh)Δ + ξ (2e5 chains, 60 steps;
    # burn-in factor e^{60Λ} = 1e-19). Hill's SE with k order statistics is α/√k; bias at k/N = 1%
    # was measured below 1.5 SE.
    k = 2000
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        d = np.zeros(200_000)
        m = 1 - lr * x
        for _ in range(60):
            d = m[rng.integers(0, 2, d.size)] * d + rng.normal(size=d.size)
        top = np.sort(np.abs(d))[::-1][: k + 1]
        hill = 1.0 / np.mean(np.log(top[:k] / top[k]))
        assert abs(hill - alpha) <= K_SE * alpha / math.sqrt(k)


# ------------------------------------------------------------------------------------------------
# docs/sgd_stability.md#reference-cases case 4: Gaussian laws and h = x²
# ------------------------------------------------------------------------------------------------

def test_case_4_gaussian_minimum():
    law = stats.norm(1.0, 1.0)
    assert stable_learning_rates(law, "gd") == [(0.0, 2.0)]
    ms = stable_learning_rates(law, "mean_square")
    assert ms == [(0.0, 1.0)]
    # MS by the Poisson-mixture series of g(2) (independent of the moments): root of g(2) = 0
    assert optimize.brentq(lambda t: moment_exponent(2.0, t, law), 0.1, 1.9, xtol=1e-15) == pytest.approx(1.0, rel=1e-12)
    ps = stable_learning_rates(law, "probabilistic")
    ps_quad = stable_learning_rates(law, "probabilistic", lr_max=ps[0][1] * 1.5, n_grid=24, method="quad")
    assert len(ps) == len(ps_quad) == 1 and ps[0][0] == ps_quad[0][0] == 0.0
    assert ps[0][1] == pytest.approx(ps_quad[0][1], rel=1e-10)    # quad tolerance / slope O(1)
    assert ps[0][1] > 1.0                                          # beyond MS: PS-only window
    edge = ps[0][1]
    for probe in (0.9 * edge, 1.1 * edge):
        theory = lyapunov_exponent(probe, law)
        for seed in SEEDS:
            est, se = _mc_lyapunov(lambda g, n: g.normal(1.0, 1.0, n), probe, 400_000, seed)
            assert abs(est - theory) <= K_SE * se
            assert np.sign(theory) == np.sign(probe - edge)


def test_case_4_gaussian_saddle_window():
    law = stats.norm(-0.1, 1.0)
    assert stable_learning_rates(law, "gd") == [] and stable_learning_rates(law, "mean_square") == []
    ps = stable_learning_rates(law, "probabilistic")
    assert len(ps) == 1
    lo, hi = ps[0]
    # the two ends by root-finding the quadrature exponent directly
    f = lambda t: lyapunov_exponent(t, law, method="quad")  # noqa: E731
    assert lo == pytest.approx(optimize.brentq(f, 0.1, 0.5, xtol=1e-14), rel=1e-10)
    assert hi == pytest.approx(optimize.brentq(f, 1.0, 2.0, xtol=1e-14), rel=1e-10)
    rule = second_order_saddle_threshold(law)
    assert rule == pytest.approx(0.2 / 1.01, rel=1e-14)
    # second order is accurate to O(λ³): the exact edge differs from the rule by a few percent
    assert abs(lo - rule) / rule < 0.05 and lo != pytest.approx(rule, rel=1e-3)


def test_case_4_squared_gaussian():
    law = stats.chi2(1)                  # h = x², x ~ N(0, 1): E h = 1, E h² = 3
    assert stable_learning_rates(law, "gd")[0][1] == pytest.approx(2.0, rel=1e-12)
    assert stable_learning_rates(law, "mean_square")[0][1] == pytest.approx(2 / 3, rel=1e-12)
    ps = stable_learning_rates(law, "probabilistic", lr_max=6.0, n_grid=24)   # quadrature path
    # independent: Λ(λ) = 2 E log|1 + √λ Z| (closed form), root by brentq
    edge = optimize.brentq(lambda t: gaussian_expected_log_abs(1.0, math.sqrt(t)), 0.5, 5.0, xtol=1e-15)
    assert len(ps) == 1 and ps[0][0] == 0.0 and ps[0][1] == pytest.approx(edge, rel=1e-10)


@pytest.mark.slow
def test_cauchy_scan_matches_closed_form_threshold():
    # Λ = ½ log((1 − λx0)² + λ²γ²) < 0 ⇔ λ < 2x0/(x0² + γ²); a law without a mean
    x0, g = 0.7, 1.3
    ps = stable_learning_rates(stats.cauchy(x0, g), "probabilistic", lr_max=1.0, n_grid=8)
    assert len(ps) == 1 and ps[0][0] == 0.0
    assert ps[0][1] == pytest.approx(2 * x0 / (x0**2 + g**2), rel=1e-10)


# ------------------------------------------------------------------------------------------------
# moment exponent g(p) and tail index (docs/sgd_stability.md#four-notions-of-stability)
# ------------------------------------------------------------------------------------------------

LAWS = {
    "finite": np.array([1.0, 3.0, -0.5, 2.2]),
    "gauss": stats.norm(1.0, 0.8),
    "chi2": stats.chi2(1),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(LAWS))
@pytest.mark.parametrize("lr", [0.3, 0.9])
def test_moment_exponent_properties(name, lr):
    law = LAWS[name]
    p = np.linspace(0.0, 4.0, 41)
    g = moment_exponent(p, lr, law)
    assert g[0] == 0.0
    # convexity: second differences ≥ −(roundoff of three values of size ≤ 10) / dp²
    assert np.all(np.diff(g, 2) >= -1e-11)
    # g'(0⁺) = Λ: one-sided differences converge linearly in δ (g'' bounded); Richardson removes it
    lam = lyapunov_exponent(lr, law)
    d1, d2 = (moment_exponent(1e-4, lr, law) / 1e-4), (moment_exponent(2e-4, lr, law) / 2e-4)
    assert 2 * d1 - d2 == pytest.approx(lam, abs=1e-6)   # O(δ²) remainder with δ = 1e-4, quad noise / δ
    assert lam <= moment_exponent(2.0, lr, law) / 2


def test_gaussian_moment_series_vs_quadrature_and_closed_g2():
    law = stats.norm(1.0, 0.8)
    # g(2) = log((1 − λμ)² + λ²s²) exactly; λ = 1e-4 (q = 7.8e7) exercises the far-q quadrature.
    # 1e-13: terms p·log|β| ≈ ±19 cancel, leaving a few ulps of 19
    for lr in (1e-4, 0.05, 0.7, 2.0):
        assert moment_exponent(2.0, lr, law) == pytest.approx(math.log((1 - lr) ** 2 + (0.8 * lr) ** 2), abs=1e-13)
    for lr in (0.05, 0.7, 2.0):
        p = np.array([0.3, 1.0, 3.5, 8.0])
        np.testing.assert_allclose(moment_exponent(p, lr, law), moment_exponent(p, lr, law, method="quad"),
                                   rtol=1e-10, atol=1e-11)   # quad at epsrel 1e-12 over ~12 pieces
    # Cauchy: E|X|^p = 1/cos(πp/2) for p < 1 and +inf for p ≥ 1
    assert log_expected_abs_power(0.0, 1.0, 0.5, stats.cauchy()) == pytest.approx(math.log(math.sqrt(2)), abs=1e-10)
    assert log_expected_abs_power(0.0, 1.0, 1.5, stats.cauchy()) == math.inf


@pytest.mark.parametrize("name", list(LAWS))
def test_tail_index_solves_g(name):
    law = LAWS[name]
    lr = {"finite": 0.8, "gauss": 1.2, "chi2": 1.5}[name]
    assert lyapunov_exponent(lr, law) < 0
    alpha = tail_index(lr, law)
    assert 0 < alpha < 50
    assert abs(moment_exponent(alpha, lr, law)) <= 1e-10
    # g changes sign at α*: negative just below, positive just above
    assert moment_exponent(0.99 * alpha, lr, law) < 0 < moment_exponent(1.01 * alpha, lr, law)


@pytest.mark.slow
def test_tail_index_special_cases():
    assert tail_index(0.5, [1.0, 1.5]) == math.inf          # |1 − λh_i| < 1 for all atoms
    assert math.isnan(tail_index(0.5, [-1.0, 0.5]))         # Λ = ½ log(1.5·0.75) > 0
    a = tail_index(0.3, stats.cauchy(0.7, 1.3))              # p-th moments exist only for p < 1
    assert 0 < a < 1 and abs(moment_exponent(a, 0.3, stats.cauchy(0.7, 1.3))) < 1e-8
    assert tail_index(0.3, [1.0, 1.5], p_max=10.0) == math.inf


# ------------------------------------------------------------------------------------------------
# small-λ expansion (docs/sgd_stability.md#the-lyapunov-criterion, docs/sgd_stability.md#symbolic-identities)
# ------------------------------------------------------------------------------------------------

def test_small_lr_expansion_symbolic():
    lr = sp.Symbol("lr", positive=True)
    for order in (1, 2, 5):
        expr = small_lr_expansion(order)
        hand = -sum(lr**k * sp.Symbol(f"m_{k}", real=True) / k for k in range(1, order + 1))
        assert sp.simplify(expr - hand) == 0
    # numeric evaluator agrees with the lambdified expression
    expr = small_lr_expansion(3)
    m = [sp.Symbol(f"m_{k}", real=True) for k in (1, 2, 3)]
    f = sp.lambdify((lr, *m), expr)
    x = np.array([1.0, 3.0, -0.5])
    mom = [np.mean(x**k) for k in (1, 2, 3)]
    assert small_lr_lyapunov(0.05, x, 3) == pytest.approx(f(0.05, *mom), rel=1e-14)
    # the second-order rule is the positive root of the order-2 truncation
    root = sp.solve(sp.Eq(small_lr_expansion(2) / lr, 0), lr)
    x = np.array([-2.0, 1.0])
    assert float(root[0].subs({m[0]: x.mean(), m[1]: (x**2).mean()})) == pytest.approx(second_order_saddle_threshold(x))


@pytest.mark.parametrize("law", [np.array([1.0, 3.0, -0.5]), stats.norm(0.5, 0.3)], ids=["finite", "gauss"])
@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_small_lr_error_is_next_order(law, order):
    # error(λ) = −λ^{k+1} m_{k+1}/(k+1) · (1 + O(λ)): the ratio to the leading term → 1 linearly in λ
    m_next = law_moment(law, order + 1)
    for lr in (2e-3, 1e-3):
        err = lyapunov_exponent(lr, law) - small_lr_lyapunov(lr, law, order)
        lead = -lr ** (order + 1) * m_next / (order + 1)
        # O(λ) correction: |m_{k+2}/m_{k+1}|·λ·(k+1)/(k+2) ≤ 3·2e-3; roundoff 1e-16/|lead| ≤ 1e-3
        assert err / lead == pytest.approx(1.0, abs=0.02)
