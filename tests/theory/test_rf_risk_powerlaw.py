"""Power-law tasks (theory.rf_risk power-law functions; docs/rf_risk.md#power-law-tasks).

The closed forms are checked against numerical minimisation of f(s) and against the discrete
theory on compressed power-law spectra; the compressed tail against exact sums plus quadrature.
"""

import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.optimize import minimize_scalar

from theory.rf_risk import (
    optimal_ridge,
    powerlaw_constants,
    powerlaw_fitting_curve,
    powerlaw_optimal_fitting_ratio,
    powerlaw_optimal_ridge,
    powerlaw_optimal_s,
    powerlaw_spectrum,
    powerlaw_zero_ridge_optimal,
    risk,
)

CASES = [(1.17, 1.14, 0.0), (1.22, 1.20, 0.0), (1.5, 1.2, 0.0), (2.0, 1.5, 0.0), (1.17, 1.14, 1.0),
         (1.17, 1.14, 5.0), (1.12, 1.36, 1.9), (1.12, 1.36, 5.0), (2.0, 1.5, 0.3)]


@pytest.mark.parametrize("a,b,s2", CASES)
def test_optimal_s_minimises_f(a, b, s2):
    res = minimize_scalar(lambda s: float(powerlaw_fitting_curve(a, b, s, s2)), bounds=(0, 1 - 1e-9),
                          method="bounded", options={"xatol": 1e-12})
    s_star = powerlaw_optimal_s(a, b, s2)
    # bounded Brent on a smooth minimum: |s - s*| ~ sqrt(eps) relative in f, i.e. ~1e-7 in s
    assert s_star == pytest.approx(res.x, abs=1e-6)
    assert float(powerlaw_fitting_curve(a, b, s_star, s2)) <= res.fun * (1 + 1e-14)
    assert powerlaw_optimal_fitting_ratio(a, b, s2) == pytest.approx(s_star**2, rel=1e-15)


def test_noiseless_closed_form_and_threshold():
    assert powerlaw_optimal_fitting_ratio(1.5, 1.2) == pytest.approx((0.3 / (1.2 * 0.5)) ** 2, rel=1e-15)
    assert powerlaw_optimal_fitting_ratio(1.12, 1.36) == 0.0                       # beta > alpha: interpolate
    thr = (1.36 - 1.12) / (1.12 * 0.12)                                            # 1.786
    assert powerlaw_zero_ridge_optimal(1.12, 1.36, thr * (1 - 1e-9))
    assert not powerlaw_zero_ridge_optimal(1.12, 1.36, thr * (1 + 1e-9))
    assert powerlaw_optimal_s(1.12, 1.36, thr * (1 + 1e-6)) > 0
    assert not powerlaw_zero_ridge_optimal(1.5, 1.2, 0.0)
    # large noise: R* -> 1
    assert powerlaw_optimal_fitting_ratio(1.17, 1.14, 1e6) > 0.99


def test_constants_match_quadrature():
    a, b = 1.5, 1.2
    c, A = powerlaw_constants(a, b)
    g = 1e-3
    # z(gamma) ~ int_0^inf dx/(1 + gamma x^a) = C_a gamma^(-1/a)
    zint = quad(lambda x: 1 / (1 + g * x**a), 0, np.inf, epsabs=0, epsrel=1e-12, limit=500)[0]
    assert c * g ** (-1 / a) == pytest.approx(zint, rel=1e-9)
    # noiseless ridgeless KRR risk E0 * sum (1-L)^2 v^2 with z = n at n -> infinity: A n^(1-b)
    S = powerlaw_spectrum(a, b, 10**4)
    n = 10**5
    r = risk(S.eigenvalues, S.target_power, n, np.inf, 0.0, multiplicities=S.multiplicities)
    # the continuum's corrections are O(1/n): measured -0.60/n for (1.5, 1.2) at n = 1e3, 1e4, 1e5
    assert r.test_mse == pytest.approx(A * n ** (1 - b), rel=1.0 / n)


@pytest.mark.parametrize("g", [1e-2, 1e-5, 1e-8])
def test_compressed_tail_matches_exact_sum_plus_quadrature(g):
    a, b = 1.17, 1.14
    S = powerlaw_spectrum(a, b, 10**4)
    lam, v2, m = S.eigenvalues, S.target_power, S.multiplicities
    got = np.array([np.sum(m * lam / (lam + g)), np.sum(m * (g / (lam + g)) ** 2 * v2)])
    I = 10**6
    i = np.arange(1, I + 1.0)
    li, vi = i**-a, i**-b
    ref = np.array([np.sum(li / (li + g)), np.sum((g / (li + g)) ** 2 * vi)])
    for j, f in enumerate((lambda x: x**-a / (x**-a + g), lambda x: (g / (x**-a + g)) ** 2 * x**-b)):
        ref[j] += quad(lambda u: f(math.exp(u)) * math.exp(u), math.log(I + 0.5), 700, limit=500,
                       epsabs=0, epsrel=1e-13)[0]
    # the midpoint Euler-Maclaurin start at I0 = 1e4 errs by ~g''(I0)/24 per unit, i.e. <~1e-10
    # relative (measured 5e-9 at I0 = 1e3, scaling as I0^-2); the reference's own start at 1e6 is 1e4x better
    np.testing.assert_allclose(got, ref, rtol=2e-10)


def test_truncation_fails_where_the_tail_does_not():
    # exponents near 1: 10^6 plain modes miss a large part of sum v^2 (percent level), the tail does not
    a, b = 1.17, 1.14
    plain = powerlaw_spectrum(a, b, 10**6, tail=False)
    full = powerlaw_spectrum(a, b, 10**4)
    exact_total = float(np.sum(np.arange(1, 10**4 + 1.0) ** -b)) + (10**4 + 0.5) ** (1 - b) / (b - 1)
    tot_full = float(np.sum(full.multiplicities * full.target_power))
    assert tot_full == pytest.approx(exact_total, rel=1e-9)
    assert float(np.sum(plain.target_power)) < 0.9 * exact_total


@pytest.mark.parametrize("a,b", [(1.5, 1.2), (2.0, 1.5), (1.17, 1.14)])
def test_discrete_fitting_ratio_converges_to_closed_form(a, b):
    S = powerlaw_spectrum(a, b, 10**4)
    R = powerlaw_optimal_fitting_ratio(a, b)
    errs = []
    for n in (10**3, 10**4):
        o = optimal_ridge(S.eigenvalues, S.target_power, n, np.inf, multiplicities=S.multiplicities)
        errs.append(abs(o.result.fitting_ratio - R))
        # continuum corrections are O(1/n) (measured 0.25/n for (1.5, 1.2))
        assert errs[-1] <= 1.0 / n
        # delta* likewise: measured -0.25/n, -0.50/n, -0.09/n for the three cases
        assert o.ridge == pytest.approx(powerlaw_optimal_ridge(a, b, n), rel=1.0 / n)
    assert errs[1] < errs[0] / 5                                  # O(1/n): tenfold per decade


@pytest.mark.parametrize("fn,args,name", [
    (powerlaw_optimal_fitting_ratio, (1.0, 1.2), "alpha"), (powerlaw_optimal_fitting_ratio, (1.5, 1.0), "beta"),
    (powerlaw_optimal_fitting_ratio, (1.5, 4.5), "beta"), (powerlaw_optimal_fitting_ratio, (1.5, 1.2, -1.0), "noise_rel"),
    (powerlaw_fitting_curve, (1.5, 1.2, [1.0]), "s"), (powerlaw_spectrum, (1.5, 0.9), "tail"),
    (powerlaw_optimal_ridge, (1.5, 1.2, 0), "n"), (powerlaw_optimal_fitting_ratio, (np.nan, 1.2), "alpha"),
])
def test_powerlaw_bad_inputs(fn, args, name):
    with pytest.raises(ValueError, match=name):
        fn(*args)
