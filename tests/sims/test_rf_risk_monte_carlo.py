"""Monte Carlo of random-feature / kernel ridge regression (sims.rf_risk._monte_carlo).

Closed forms in easy limits, identities between the code paths, seeds, standard errors and
input validation. The comparisons with the eigenframework are claims (proofs_check.rf_risk).
"""

import math
import time

import numpy as np
import pytest

from sims.rf_risk._bench import _dense_solve
from sims.rf_risk._monte_carlo import arccos_kernel, monte_carlo_risk, relu_features_risk

LAM = np.arange(1, 41, dtype=float) ** -1.0


def test_ols_corner_matches_the_exact_finite_n_formula():
    # n > M, δ = 0: ŵ is OLS. For Gaussian X (any Λ) E‖ŵ − v‖² = σ² tr E(XᵀX)⁻¹ = σ² M/(n − M − 1)
    # exactly (inverse Wishart mean) and E train = σ²(n − M)/n. 4 SE: a fixed seed, false alarm < 1e-4.
    M, n, noise = 20, 60, 0.5
    lam = LAM[:M]
    mc = monte_carlo_risk(lam, lam, n, np.inf, [0.0], noise=noise, trials=2000, seed=3)
    assert abs(mc.test_mse[0] - noise * (1 + M / (n - M - 1))) <= 4 * mc.test_se[0]
    assert abs(mc.train_mse[0] - noise * (n - M) / n) <= 4 * mc.train_se[0]


def test_rf_with_k_at_least_m_is_ols_trial_by_trial():
    # k >= M, n > M, δ = 0: F = XΛ^{1/2}Zᵀ has the column space of X, so the min-norm RF fit is OLS, the
    # same as kernel ridge regression on the same X and noise streams (rounding only).
    M, n = 20, 50
    lam = LAM[:M]
    rf = monte_carlo_risk(lam, lam, n, 30, [0.0], noise=0.3, trials=5, seed=1)
    krr = monte_carlo_risk(lam, lam, n, np.inf, [0.0], noise=0.3, trials=5, seed=1)
    np.testing.assert_allclose(rf.test_samples, krr.test_samples, rtol=1e-9)
    np.testing.assert_allclose(rf.train_samples, krr.train_samples, rtol=1e-9)


@pytest.mark.parametrize("k", [15, 60, np.inf])
def test_huge_ridge_predicts_zero(k):
    # δ → ∞: ŵ = O(1/δ) → 0, so every trial's test error is ‖v‖² + σ² (relative error O(1/δ) ≈ 1e-10).
    mc = monte_carlo_risk(LAM, LAM, 30, k, [1e12], noise=0.2, trials=3, seed=0)
    np.testing.assert_allclose(mc.test_samples, LAM.sum() + 0.2, rtol=1e-9)


@pytest.mark.parametrize("k", [12, 45])
def test_interpolation_below_the_threshold_and_not_above(k):
    # δ = 0 with n < k: F has full row rank and the fit interpolates (train 0 to rounding); n > k it cannot.
    mc = monte_carlo_risk(LAM, LAM, 30, k, [0.0], noise=0.1, trials=4, seed=0)
    if k > 30:
        assert mc.train_samples.max() < 1e-20
    else:
        assert mc.train_samples.min() > 1e-3


def test_one_trial_matches_a_dense_cholesky_solve():
    # the benchmark's baseline: same draws, Gram matrix + Cholesky, one ridge (conditioning ~1e4: 1e-10)
    lam = np.arange(1, 301, dtype=float) ** -1.5
    mc = monte_carlo_risk(lam, lam, 40, 70, [1e-2], noise=0.1, trials=2, seed=0)
    assert mc.test_samples[0, 0] == pytest.approx(_dense_solve(lam, np.sqrt(lam), 40, 70, 1e-2, 0.1), rel=1e-10)


def test_every_ridge_equals_its_own_run_and_trials_do_not_depend_on_the_count():
    a = monte_carlo_risk(LAM, LAM, 25, 35, [0.0, 1e-2, 1.0], noise=0.1, trials=6, seed=7)
    b = monte_carlo_risk(LAM, LAM, 25, 35, [1e-2], noise=0.1, trials=3, seed=7)
    np.testing.assert_allclose(a.test_samples[:3, 1], b.test_samples[:, 0], rtol=1e-12)
    again = monte_carlo_risk(LAM, LAM, 25, 35, [0.0, 1e-2, 1.0], noise=0.1, trials=6, seed=7)
    np.testing.assert_array_equal(a.test_samples, again.test_samples)
    other = monte_carlo_risk(LAM, LAM, 25, 35, [0.0, 1e-2, 1.0], noise=0.1, trials=6, seed=8)
    assert not np.allclose(a.test_samples, other.test_samples)


@pytest.mark.parametrize("k", [35, np.inf])
def test_results_are_bit_identical_on_one_and_several_threads(k):
    # every trial has its own streams and a single-threaded BLAS, so the thread count cannot matter
    one = monte_carlo_risk(LAM, LAM, 25, k, [0.0, 1e-2], noise=0.1, trials=9, seed=3, threads=1)
    for threads in (2, 3):
        many = monte_carlo_risk(LAM, LAM, 25, k, [0.0, 1e-2], noise=0.1, trials=9, seed=3, threads=threads)
        np.testing.assert_array_equal(one.test_samples, many.test_samples)
        np.testing.assert_array_equal(one.train_samples, many.train_samples)
    a = relu_features_risk(12, k, [1e-2], d=3, pool_size=60, trials=5, seed=1, threads=1)
    b = relu_features_risk(12, k, [1e-2], d=3, pool_size=60, trials=5, seed=1, threads=2)
    np.testing.assert_array_equal(a.monte_carlo.test_samples, b.monte_carlo.test_samples)


def test_a_failing_trial_stops_the_run_and_re_raises():
    calls = []

    def target(X):
        calls.append(len(X))
        if len(calls) == 4:     # the pool's call, then three trials
            raise RuntimeError("target failed")
        if len(calls) > 4:
            time.sleep(0.01)    # the other trials take 10 ms: 500 of them would take 2.5 s on 2 threads
        return X[:, 0]

    with pytest.raises(RuntimeError, match="target failed"):
        relu_features_risk(12, 20, [1e-2], d=3, pool_size=60, trials=500, seed=0, target=target, threads=2)
    assert len(calls) < 100     # the trials not yet started were cancelled (re-raised within milliseconds)


def test_chunks_beyond_1024_modes_are_used():
    # M > 1024 spans two random-number chunks; huge ridge still gives ‖v‖² + σ² exactly, and a mode in the
    # second chunk changes the result when it carries target power
    lam = np.arange(1, 1501, dtype=float) ** -1.0
    v2 = np.zeros_like(lam)
    v2[1200] = 1.0
    mc = monte_carlo_risk(lam, v2, 20, 30, [1e-3], noise=0.0, trials=3, seed=0)
    assert np.all(mc.test_samples > 0.5)       # a mode of eigenvalue 1/1201 is not learnt from 20 samples


def test_standard_error_shrinks_like_one_over_root_trials():
    # SE(400)/SE(100) = 1/2 up to the sampling error of a standard deviation from 100 trials (relative sd
    # ≈ sqrt((kurtosis − 1)/4n) ≈ 0.1 here): ±0.15 around 0.5 is > 3 of those.
    a = monte_carlo_risk(LAM, LAM, 30, 60, [1e-2], noise=0.1, trials=100, seed=0)
    b = monte_carlo_risk(LAM, LAM, 30, 60, [1e-2], noise=0.1, trials=400, seed=0)
    assert 0.35 <= b.test_se[0] / a.test_se[0] <= 0.65
    assert b.test_se[0] == pytest.approx(b.test_samples[:, 0].std(ddof=1) / 20)


def test_arccos_kernel_is_the_feature_average():
    # E_w[g(w,x) g(w,y)] by 2e5 features: 5 SE of the sample mean
    rng = np.random.default_rng(0)
    X = rng.standard_normal((4, 6)) / math.sqrt(6)
    W = rng.standard_normal((200_000, 6))
    G = math.sqrt(2) * np.maximum(X @ W.T, 0.0)
    prods = G[:, None, :] * G[None, :, :]
    se = prods.std(axis=2) / math.sqrt(W.shape[0])
    assert np.all(np.abs(prods.mean(axis=2) - arccos_kernel(X)) <= 5 * se)
    np.testing.assert_allclose(np.diag(arccos_kernel(X)), np.sum(X**2, axis=1), rtol=1e-12)


@pytest.mark.parametrize("k", [50, np.inf])
def test_relu_features_shapes_spectrum_and_limits(k):
    r = relu_features_risk(20, k, [0.0, 1e12], d=4, pool_size=200, noise=0.1, trials=3, seed=0)
    assert r.eigenvalues.shape == r.target_power.shape == (200,)
    assert np.all(r.eigenvalues > 0) and np.all(np.diff(r.eigenvalues) <= 0)
    rng_pool = np.random.default_rng([0, 2**32 - 1]).standard_normal((200, 4)) / 2.0
    f = 2.0 * rng_pool[:, 0] + 4.0 * rng_pool[:, 0] * rng_pool[:, 1]
    assert r.target_power.sum() == pytest.approx(np.mean(f**2), rel=1e-12)   # Parseval on the pool
    np.testing.assert_allclose(r.monte_carlo.test_samples[:, 1], np.mean(f**2) + 0.1, rtol=1e-9)
    again = relu_features_risk(20, k, [0.0, 1e12], d=4, pool_size=200, noise=0.1, trials=3, seed=0)
    np.testing.assert_array_equal(r.monte_carlo.test_samples, again.monte_carlo.test_samples)


def test_relu_sphere_inputs_have_unit_norm_kernel_diagonal():
    r = relu_features_risk(10, 20, [1e-2], d=3, pool_size=50, inputs="sphere", trials=2, seed=0)
    assert r.eigenvalues.sum() == pytest.approx(1.0, rel=1e-12)       # tr K/M = mean ‖x‖² = 1


@pytest.mark.parametrize("kwargs, match", [
    (dict(eigenvalues=[1.0, 0.0]), "eigenvalues must be > 0"),
    (dict(eigenvalues=[1.0, np.nan]), "eigenvalues must be finite"),
    (dict(target_power=[1.0]), "target_power must have the length of eigenvalues"),
    (dict(target_power=[1.0, -1.0]), "target_power must be >= 0"),
    (dict(n=0), "n must be an integer >= 1"),
    (dict(k=0), "k must be an integer >= 1"),
    (dict(k=2.5), "k must be an integer"),
    (dict(ridges=[-1.0]), "ridges must be >= 0"),
    (dict(ridges=[]), "ridges must not be empty"),
    (dict(noise=-0.1), "noise must be >= 0"),
    (dict(trials=1), "trials must be an integer >= 2"),
    (dict(threads=0), "threads must be an integer >= 1"),
    (dict(n=10**5, k=10**5), "n \\* k"),
])
def test_bad_input_names_the_argument(kwargs, match):
    args = dict(eigenvalues=[1.0, 0.5], target_power=[1.0, 0.5], n=5, k=5, ridges=[0.1], trials=2)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        monte_carlo_risk(**args)


@pytest.mark.parametrize("kwargs, match", [
    (dict(inputs="cube"), "inputs must be one of"),
    (dict(d=1), "d must be >= 2 for the default target"),
    (dict(target="x"), "target must be a callable"),
    (dict(target=lambda X: X[:, :2]), "target\\(X\\) must have shape"),
    (dict(scale=0.0), "scale must be > 0"),
    (dict(pool_size=1), "pool_size must be an integer >= 2"),
])
def test_relu_bad_input_names_the_argument(kwargs, match):
    args = dict(n=5, k=5, ridges=[0.1], trials=2, pool_size=20)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        relu_features_risk(**args)
