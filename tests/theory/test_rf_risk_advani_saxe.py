"""Advani–Saxe learning curves (theory.rf_risk._advani_saxe): MP law, curves, asymptotes, ridge, stopping.

References are independent of the module's θ-substitution quadrature: plain ``scipy.integrate.quad``
on λ (with the square-root edges left in, hence the looser 1e-8 tolerances), closed-form moments of
the MP law, finite-N exact sums over the eigenvalues of a sampled XᵀX, or algebra.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad

import theory.rf_risk as R

ALPHAS = [0.3, 0.5, 0.9, 1.0, 1.1, 2.0, 5.0]


def _edges(alpha):
    return (1 - math.sqrt(alpha)) ** 2, (1 + math.sqrt(alpha)) ** 2


def _quad_rho(alpha, f):
    """∫ρ f over the continuous part with scipy.quad on λ (independent of the module)."""
    lo, hi = _edges(alpha)

    def g(x):
        return math.sqrt(max(0.0, (hi - x) * (x - lo))) / (2 * math.pi * x) * f(x)

    val, _ = quad(g, lo, hi, limit=200, epsabs=1e-13, epsrel=1e-12)
    return val


@pytest.mark.parametrize("alpha", ALPHAS)
def test_mp_density_mass_and_mean(alpha):
    lo, hi = _edges(alpha)
    x = np.linspace(lo, hi, 7)[1:-1]
    np.testing.assert_allclose(R.marchenko_pastur_density(x, alpha),
                               [math.sqrt((hi - v) * (v - lo)) / (2 * math.pi * v) for v in x], rtol=1e-14)
    # ∫ρ = min(1, α) (the atom (1 − α)+ makes the total 1), ∫λρ = α = E[(XᵀX)_ii];
    # quad on λ with √ endpoint singularities reaches ~1e-10, tolerance 1e-8
    assert _quad_rho(alpha, lambda x: 1.0) == pytest.approx(min(1.0, alpha), rel=1e-8)
    assert _quad_rho(alpha, lambda x: x) == pytest.approx(alpha, rel=1e-8)


def test_mp_density_support_and_finite_n():
    alpha = 2.0
    lo, hi = _edges(alpha)
    assert np.all(R.marchenko_pastur_density([0.0, lo - 1e-9, hi + 1e-9, 10.0], alpha) == 0)
    # finite-N histogram of XᵀX, N = 400, P = 800: the fraction of eigenvalues below the median of ρ is 1/2
    # to O(1/N) (edge fluctuations N^{-2/3}); binomial-like SE 0.5/√N·(rigidity makes it far smaller); tol 0.02
    rng = np.random.default_rng(1)
    N = 400
    X = rng.standard_normal((2 * N, N)) / math.sqrt(N)
    ev = np.linalg.eigvalsh(X.T @ X)
    grid = np.linspace(lo, hi, 20001)
    cdf = np.cumsum(R.marchenko_pastur_density(grid, alpha)) * (grid[1] - grid[0])
    median = grid[np.searchsorted(cdf, 0.5)]
    assert abs(np.mean(ev < median) - 0.5) < 0.02


@pytest.mark.parametrize("alpha", ALPHAS)
@pytest.mark.parametrize("nu", [1e-3, 0.25, 4.0])
def test_stieltjes_quadratic_and_quadrature(alpha, nu):
    m = R.marchenko_pastur_stieltjes(nu, alpha)
    # the quadratic ν m² − (1 − α − ν) m − 1 = 0 (relative to its largest term)
    terms = [nu * m * m, (1 - alpha - nu) * m, 1.0]
    assert abs(terms[0] - terms[1] - terms[2]) <= 1e-13 * max(map(abs, terms))
    # against quad on λ plus the atom; quad accuracy ~1e-10 (1e-7 at ν = 1e-3, where 1/(λ + ν) is steep at λ₋ = 0)
    ref = _quad_rho(alpha, lambda x: 1.0 / (x + nu)) + max(0.0, 1 - alpha) / nu
    assert m == pytest.approx(ref, rel=1e-7)


@pytest.mark.parametrize("alpha", ALPHAS)
def test_curves_at_zero_and_against_lambda_quadrature(alpha):
    S, se, s0 = 1.0, 0.25, 0.3
    c = R.advani_saxe_curves(alpha, [0.0, 0.7, 3.0], S, se, s0)
    # E_g(0) = E_t(0) = S + σ_ε² with S = σ_w² + σ_0² (nothing learned yet)
    assert c.test_error[0] == pytest.approx(S + s0 + se, rel=1e-12)
    assert c.train_error[0] == pytest.approx(S + s0 + se, rel=1e-12)
    for k, t in enumerate([0.7, 3.0]):
        eg = _quad_rho(alpha, lambda x: (S + s0) * math.exp(-2 * x * t) + se * math.expm1(-x * t) ** 2 / x)
        eg += max(0.0, 1 - alpha) * (S + s0) + se
        et = _quad_rho(alpha, lambda x: math.exp(-2 * x * t) * (se + x * (S + s0))) / alpha
        et += se * max(0.0, 1 - 1 / alpha)
        assert c.test_error[k + 1] == pytest.approx(eg, rel=1e-8)      # quad on λ: ~1e-10
        assert c.train_error[k + 1] == pytest.approx(et, rel=1e-8)


def test_curves_against_finite_n_eigenvalue_sums():
    # the same formula as a sum over the eigenvalues of one sampled XᵀX (N = 1000) agrees with the
    # MP integral to O(1/N) fluctuations of linear statistics: observed ~1e-3, tolerance 1e-2
    rng = np.random.default_rng(3)
    N, alpha, t = 1000, 2.0, 1.5
    X = rng.standard_normal((int(alpha * N), N)) / math.sqrt(N)
    lam = np.linalg.eigvalsh(X.T @ X)
    eg = np.mean(np.exp(-2 * lam * t) + 0.25 * np.expm1(-lam * t) ** 2 / lam) + 0.25
    assert R.advani_saxe_curves(alpha, t).test_error == pytest.approx(eg, rel=1e-2)


@pytest.mark.parametrize("alpha", [0.3, 0.5, 0.9, 1.1, 2.0, 5.0])
@pytest.mark.parametrize("s0", [0.0, 0.5])
def test_asymptotes_match_large_t(alpha, s0):
    a = R.advani_saxe_asymptotes(alpha, 1.0, 0.25, s0)
    # at t = 1e4/λ₋ every mode has relaxed to e^{-1e4}: the integral is the limit to quadrature accuracy
    t = 1e4 / _edges(alpha)[0]
    c = R.advani_saxe_curves(alpha, [t, np.inf], 1.0, 0.25, s0)
    assert c.test_error[0] == pytest.approx(a.test_error, rel=1e-9)
    assert c.train_error[0] == pytest.approx(a.train_error, rel=1e-9, abs=1e-12)
    assert c.test_error[1] == a.test_error and c.train_error[1] == a.train_error
    if alpha > 1:
        assert a.test_error == pytest.approx(0.25 * alpha / (alpha - 1), rel=1e-15)
        assert a.frozen_error == 0.0
    else:
        assert a.test_error == pytest.approx((1 - alpha) * (1 + s0) + 0.25 / (1 - alpha), rel=1e-15)


@pytest.mark.parametrize("alpha", [0.3, 0.5, 0.9])
def test_frozen_subspace_adds_exactly(alpha):
    # σ_0² reaches E_g(∞) only through the frozen (1 − α) null space: the difference is (1 − α)σ_0²
    # exactly (algebra), and at finite t it is (1 − α)σ_0² + σ_0²∫ρ e^{−2λt}
    a0 = R.advani_saxe_asymptotes(alpha, 1.0, 0.25, 0.0)
    a1 = R.advani_saxe_asymptotes(alpha, 1.0, 0.25, 0.7)
    assert a1.test_error - a0.test_error == pytest.approx((1 - alpha) * 0.7, rel=1e-13)
    t = 2.0
    d = R.advani_saxe_curves(alpha, t, 1.0, 0.25, 0.7).test_error - R.advani_saxe_curves(alpha, t, 1.0, 0.25).test_error
    assert d == pytest.approx((1 - alpha) * 0.7 + 0.7 * _quad_rho(alpha, lambda x: math.exp(-2 * x * t)), rel=1e-8)


def test_alpha_one_grows_like_sqrt_t():
    a = R.advani_saxe_asymptotes(1.0, 1.0, 0.25)
    assert a.diverges and a.test_error == math.inf
    # E_g = c√t + O(1) with c = (σ_ε²/π)·4√π(1 − 1/√2) (ρ ≈ 1/(π√λ) near 0): the ratio approaches c like 1/√t
    t = np.array([1e4, 1e6, 1e8])
    r = R.advani_saxe_curves(1.0, t).test_error / np.sqrt(t)
    assert np.all(np.abs(r / a.sqrt_t_coefficient - 1) < 10 / np.sqrt(t))
    assert abs(r[-1] / a.sqrt_t_coefficient - 1) < abs(r[0] / a.sqrt_t_coefficient - 1)
    assert a.sqrt_t_coefficient == pytest.approx(0.25 * 4 * (1 - 2**-0.5) / math.sqrt(math.pi), rel=1e-15)


@pytest.mark.parametrize("alpha", [0.5, 1.0, 2.0])
def test_optimal_ridge_is_a_lower_bound(alpha):
    opt = R.advani_saxe_optimal_ridge(alpha, 1.0, 0.25)
    assert opt.ridge == 0.25
    # closed form E_g* = σ_ε²(1 + m(ν*)) equals the general-ridge quadrature at ν* (independent formula)
    assert opt.test_error == pytest.approx(R.advani_saxe_ridge_test_error(alpha, 0.25, 1.0, 0.25), rel=1e-10)
    # and it is the minimum over ν (Bayes): neighbours are worse
    for nu in (0.2, 0.3, 0.05, 1.0):
        assert R.advani_saxe_ridge_test_error(alpha, nu, 1.0, 0.25) > opt.test_error
    # gradient flow from any start never beats it (quadrature error 1e-11 ≪ the gaps)
    t = np.logspace(-2, 4, 200)
    for s0 in (0.0, 0.5):
        assert np.all(R.advani_saxe_curves(alpha, t, 1.0, 0.25, s0).test_error >= opt.test_error)
    es = R.advani_saxe_early_stopping(alpha, 1.0, 0.25)
    assert opt.test_error <= es.test_error <= R.advani_saxe_curves(alpha, t).test_error.min() + 1e-12
    # "early stopping slightly above the ridge optimum": within 2 % here
    assert es.test_error < 1.02 * opt.test_error
    assert 0.1 < es.stopping_time < 100


def test_early_stopping_without_noise_runs_forever():
    es = R.advani_saxe_early_stopping(2.0, 1.0, 0.0)
    assert es.stopping_time == math.inf and es.test_error == 0.0
    assert R.advani_saxe_optimal_ridge(0.5, 1.0, 0.0).test_error == 0.5


def test_tau_rescales_time():
    a = R.advani_saxe_curves(2.0, [1.0, 3.0], tau=2.0)
    b = R.advani_saxe_curves(2.0, [0.5, 1.5])
    np.testing.assert_allclose(a.test_error, b.test_error, rtol=1e-12)
    np.testing.assert_allclose(a.train_error, b.train_error, rtol=1e-12)


@pytest.mark.parametrize("call,match", [
    (lambda: R.advani_saxe_curves(0.0, 1.0), "alpha"),
    (lambda: R.advani_saxe_curves(-1.0, 1.0), "alpha"),
    (lambda: R.advani_saxe_curves(2.0, [-1.0]), "t must"),
    (lambda: R.advani_saxe_curves(2.0, [np.nan]), "t must"),
    (lambda: R.advani_saxe_curves(2.0, 1.0, sigma_w2=-1.0), "sigma_w2"),
    (lambda: R.advani_saxe_curves(2.0, 1.0, sigma_eps2=np.nan), "sigma_eps2"),
    (lambda: R.advani_saxe_curves(2.0, 1.0, sigma_02=-0.1), "sigma_02"),
    (lambda: R.advani_saxe_curves(2.0, 1.0, tau=0.0), "tau"),
    (lambda: R.marchenko_pastur_density([1.0, np.inf], 2.0), "lam"),
    (lambda: R.marchenko_pastur_stieltjes(0.0, 2.0), "nu"),
    (lambda: R.advani_saxe_optimal_ridge(2.0, 0.0), "sigma_w2"),
    (lambda: R.advani_saxe_ridge_test_error(2.0, -1.0), "ridge"),
    (lambda: R.advani_saxe_early_stopping(2.0, 1.0, -0.25), "sigma_eps2"),
])
def test_bad_input_names_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()
