"""Tests of the scalar random-feature risk (theory.rf_risk.risk; docs/rf_risk.md#the-risk-formulas).

Reference values are computed here by independent routes (SciPy root finds on the textbook
equations, the other algebraic forms of E0 and b_i), never copied from the implementation. The
solver's relative accuracy in gamma is 1e-13; the risks are smooth in gamma with O(1) logarithmic
derivatives away from n = k, so agreement to 1e-11 relative is the tolerance unless a limit
has its own stated O(.) remainder.
"""

import math

import numpy as np
import pytest
from scipy.optimize import brentq

from theory.rf_risk import eigenlearning, optimal_ridge, risk

SOLVER = 1e-11          # 1e-13 in gamma times O(1-100) sensitivity of the risks, with margin


def _task(M=300, a=1.5, b=1.5):
    i = np.arange(1, M + 1, dtype=float)
    return i**-a, i**-b


def _gamma_for(lam, t):
    """z(gamma) = t by brentq in log gamma (independent of the package)."""
    return math.exp(brentq(lambda u: np.sum(lam / (lam + math.exp(u))) - t, -200, 50, xtol=1e-15, rtol=1e-15))


def test_kernel_limit_equals_eigenlearning():
    lam, v2 = _task()
    n, d, s2 = 80, 0.05, 0.3
    kap = math.exp(brentq(lambda u: np.sum(lam / (lam + math.exp(u))) + d / math.exp(u) - n, -100, 20,
                          xtol=1e-15, rtol=1e-15))
    L = lam / (lam + kap)
    q = np.sum(L**2)
    expected = n / (n - q) * (np.sum((1 - L) ** 2 * v2) + s2)
    r = risk(lam, v2, n, np.inf, d, s2)
    assert r.kappa == pytest.approx(kap, rel=SOLVER)
    assert r.test_mse == pytest.approx(expected, rel=SOLVER)
    e = eigenlearning(lam, v2, n, d, s2)
    assert e.conservation == pytest.approx(n - d / kap, rel=SOLVER)        # sum L = n - delta/kappa
    assert e.test_mse == r.test_mse
    # finite k approaches KRR as O(1/k): the gap shrinks tenfold per decade of k
    gaps = [risk(lam, v2, n, k, d, s2).test_mse - r.test_mse for k in (1e4, 1e5, 1e6)]
    assert all(g > 0 for g in gaps)
    assert gaps[0] / gaps[1] == pytest.approx(10, rel=0.02) and gaps[1] / gaps[2] == pytest.approx(10, rel=0.002)


def test_large_ridge_limit():
    lam, v2 = _task()
    s2 = 0.2
    r = risk(lam, v2, 50, 70, 1e10, s2)
    # L_i ~ n lam_i/delta = O(5e-9): the remainders are O(n lam_max/delta)
    assert r.test_mse == pytest.approx(v2.sum() + s2, rel=1e-7)
    assert r.fitting_ratio == pytest.approx(1.0, rel=1e-7)


def test_many_samples_floor():
    lam, v2 = _task()
    k, d, s2 = 40, 0.01, 0.2
    g = _gamma_for(lam, k)
    floor = np.sum(g / (lam + g) * v2) + s2                  # sum (1 - L) v^2 + sigma^2 at z(gamma) = k
    r = risk(lam, v2, 10**9, k, d, s2)
    assert r.gamma == pytest.approx(g, rel=1e-6)              # O(k/n + delta/n) corrections
    assert r.test_mse == pytest.approx(floor, rel=1e-6)


def test_ridgeless_interpolating_branch():
    lam, v2 = _task()
    n, k, s2 = 60, 150, 0.3
    g = _gamma_for(lam, n)
    L = lam / (lam + g)
    q = np.sum(L**2)
    e0 = n * (k - q) / ((n - q) * (k - n))
    b = (1 - L) * (1 - (k - n) / (k - q) * L)
    r = risk(lam, v2, n, k, 0.0, s2)
    assert r.regime == "interpolating" and r.train_mse == 0.0
    assert r.overfitting_coefficient == pytest.approx(e0, rel=SOLVER)
    assert r.test_mse == pytest.approx(e0 * (np.sum(b * v2) + s2), rel=SOLVER)


def test_ridgeless_underparameterised_branch():
    lam, v2 = _task()
    n, k, s2 = 150, 60, 0.3
    g = _gamma_for(lam, k)
    expected = n / (n - k) * (np.sum(g / (lam + g) * v2) + s2)
    r = risk(lam, v2, n, k, 0.0, s2)
    assert r.regime == "underparameterised"
    assert r.test_mse == pytest.approx(expected, rel=SOLVER)
    assert r.train_mse == pytest.approx((1 - k / n) ** 2 * expected, rel=SOLVER)


@pytest.mark.parametrize("n,k", [(60, 150), (150, 60), (60, np.inf)])
def test_small_ridge_continues_to_ridgeless(n, k):
    lam, v2 = _task()
    r0 = risk(lam, v2, n, k, 0.0, 0.3)
    r1 = risk(lam, v2, n, k, 1e-13, 0.3)
    # E_te is smooth in delta at 0 off the threshold: the difference is O(delta / (n lam_n)) ~ 1e-10
    assert r1.test_mse == pytest.approx(r0.test_mse, rel=1e-8)


def test_ols_corner_and_thresholds():
    lam, v2 = _task(M=50)
    r = risk(lam, v2, 80, np.inf, 0.0, 0.4)
    assert r.regime == "ols" and r.test_mse == pytest.approx(0.4 * 80 / 30, rel=1e-15)
    r = risk(lam, v2, 80, 50, 0.0, 0.4)                       # k = M < n is the OLS corner too
    assert r.regime == "ols" and r.test_mse == pytest.approx(0.4 * 80 / 30, rel=1e-15)
    for n, k in [(30, 30), (50, 50), (50, 80), (50, np.inf)]:
        r = risk(lam, v2, n, k, 0.0, 0.4)
        assert r.diverged and r.regime == "threshold"
        assert r.test_mse == math.inf and r.train_mse == 0.0
        assert not any(isinstance(x, float) and math.isnan(x) for x in (r.test_mse, r.bias, r.variance,
                                                                        r.excess_risk, r.fitting_ratio))
    # close to the threshold with a tiny ridge: large and finite
    r = risk(lam, v2, 30, 30, 1e-12, 0.4)
    assert math.isfinite(r.test_mse) and r.test_mse > 100


@pytest.mark.parametrize("n,k,d", [(60, 150, 0.01), (150, 60, 0.01), (60, 61, 1e-3), (100, np.inf, 0.1),
                                   (100, 200, 0.0)])
def test_equal_forms_of_e0_and_b(n, k, d):
    lam, v2 = _task()
    r = risk(lam, v2, n, k, d, 0.3, learnabilities=True)
    L, z, q, g, kap = r.learnabilities, r.z, r.q, r.gamma, r.kappa
    kk = 1e300 if math.isinf(k) else k
    forms = [1 / (1 - q / n - (z - q) ** 2 / (n * (kk - q))),
             n * (kk - q) / ((n - q) * (kk - q) - (z - q) ** 2),
             1 / (1 - (q * (kk - 2 * z) + z**2) / (n * (kk - q)))]
    for f in forms:
        assert f == pytest.approx(r.overfitting_coefficient, rel=1e-10)    # forms differ by rounding only
    b1 = (1 - L) ** 2 + (z - q) / (kk - q) * L * (1 - L)
    b2 = (1 - L) * (1 - (kk - z) / (kk - q) * L)
    b3 = (1 - L) - (kap / g) * (kk / (kk - q)) * L * (1 - L)
    np.testing.assert_allclose(b2, b1, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(b3, b1, rtol=1e-8, atol=1e-13)
    assert r.bias == pytest.approx(r.overfitting_coefficient * np.sum(b1 * v2), rel=1e-10)
    assert r.variance == pytest.approx((r.overfitting_coefficient - 1) * 0.3, rel=1e-10)


@pytest.mark.parametrize("n,k,d", [(60, 150, 0.01), (150, 60, 0.5), (100, np.inf, 0.1)])
def test_train_is_test_times_ridge_ratio(n, k, d):
    lam, v2 = _task()
    r = risk(lam, v2, n, k, d, 0.3)
    # E_tr = (delta/(n kappa))^2 E_te with kappa = gamma (1 - z/k): a route through kappa, not z
    assert r.train_mse == pytest.approx((d / (n * r.kappa)) ** 2 * r.test_mse, rel=1e-10)
    assert r.train_mse == pytest.approx((1 - r.z / n) ** 2 * r.test_mse, rel=1e-10)


def test_multiplicity_equals_repeated_modes_and_permutation():
    rng = np.random.default_rng(3)
    lam = rng.uniform(0.01, 1, 20)
    v2 = rng.uniform(0, 1, 20)
    m = rng.integers(1, 6, 20)
    rep = risk(np.repeat(lam, m), np.repeat(v2, m), 30, 45, 0.02, 0.1)
    mul = risk(lam, v2, 30, 45, 0.02, 0.1, multiplicities=m)
    assert mul.test_mse == pytest.approx(rep.test_mse, rel=SOLVER)
    p = rng.permutation(20)
    per = risk(lam[p], v2[p], 30, 45, 0.02, 0.1, multiplicities=m[p])
    assert per.test_mse == pytest.approx(mul.test_mse, rel=SOLVER)


def test_million_modes():
    # 10^6 modes of 10 distinct values: the plain sums against the multiplicity-weighted ones
    lam = np.repeat(np.geomspace(1e-6, 1, 10), 10**5)
    v2 = np.repeat(np.geomspace(1e-3, 1, 10), 10**5)
    big = risk(lam, v2, 4 * 10**5, 6 * 10**5, 1e-3, 0.1)
    small = risk(np.geomspace(1e-6, 1, 10), np.geomspace(1e-3, 1, 10), 4 * 10**5, 6 * 10**5, 1e-3, 0.1,
                 multiplicities=np.full(10, 1e5))
    assert big.test_mse == pytest.approx(small.test_mse, rel=1e-10)   # pairwise sums: O(eps log M)


def test_negative_ridge_opt_in():
    lam, v2 = _task()
    with pytest.raises(ValueError, match="ridge"):
        risk(lam, v2, 60, 150, -1e-4)
    r0 = risk(lam, v2, 60, 150, 0.0, 0.3)
    r = risk(lam, v2, 60, 150, -1e-6, 0.3, allow_negative_ridge=True)
    assert r.overfitting_coefficient > 0 and r.s < 0 and r.gamma < r0.gamma
    assert r.test_mse == pytest.approx(r0.test_mse, rel=1e-3)
    with pytest.raises(ValueError, match="ridge"):
        risk(lam, v2, 60, 150, -1e3, allow_negative_ridge=True)


def test_optimal_ridge_beats_scan_and_includes_zero():
    lam, v2 = _task()
    o = optimal_ridge(lam, v2, 60, 150, 0.3)
    scan = [risk(lam, v2, 60, 150, d, 0.3).test_mse for d in np.geomspace(1e-6, 1e2, 200)] + \
           [risk(lam, v2, 60, 150, 0.0, 0.3).test_mse]
    assert o.test_mse <= min(scan) * (1 + 1e-12)
    assert risk(lam, v2, 60, 150, o.ridge, 0.3).test_mse == pytest.approx(o.test_mse, rel=1e-10)
    # a noiseless task with v_i^2 = lam_i^2 (beta = 3 > alpha = 1.5, far beyond the zero-ridge threshold)
    o0 = optimal_ridge(lam, lam**2, 80, np.inf, 0.0)
    assert o0.ridgeless_optimal and o0.ridge == 0.0
    assert o0.test_mse == risk(lam, lam**2, 80, np.inf, 0.0).test_mse


@pytest.mark.parametrize("kwargs,name", [
    (dict(eigenvalues=[1.0, 0.0]), "eigenvalues"), (dict(eigenvalues=[1.0, -1.0]), "eigenvalues"),
    (dict(eigenvalues=[1.0, np.nan]), "eigenvalues"), (dict(target_power=[1.0]), "target_power"),
    (dict(target_power=[1.0, -0.5]), "target_power"), (dict(n=0), "n"), (dict(n=2.5), "n"),
    (dict(k=0.5), "k"), (dict(k=np.nan), "k"), (dict(ridge=-0.1), "ridge"), (dict(ridge=np.nan), "ridge"),
    (dict(noise=-1.0), "noise"), (dict(multiplicities=[1.0]), "multiplicities"),
    (dict(multiplicities=[1.0, 0.0]), "multiplicities"),
])
def test_bad_inputs_name_the_argument(kwargs, name):
    args = dict(eigenvalues=[1.0, 0.5], target_power=[1.0, 0.5], n=3, k=5, ridge=0.1)
    args.update(kwargs)
    with pytest.raises(ValueError, match=name):
        risk(**args)
