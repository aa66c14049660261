"""Tests of the norm-ball regularization path (theory.ntp._path; docs/ntp.md#the-regularization-path)."""

import warnings

import numpy as np
import pytest

from theory.ntp import (
    CertificateError,
    PathCertificate,
    RegularizationPath,
    excess_loss,
    gradient,
    loss,
    max_margin,
    random_instance,
    regularization_path,
)


def _quiet_path(*args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # cvxpy's "may be inaccurate" before the polish
        return regularization_path(*args, **kw)


def test_one_context_closed_form():
    # V = 2, one context h = 1 (d = 1), support {0}: CE = log(1 + e^{w1 - w0}). On the ball the
    # best is to maximise w0 - w1, i.e. W = (B/√2)(1, -1)ᵀ and CE = log(1 + e^{-√2 B}).
    H, P, pi = np.array([[1.0]]), np.array([[1.0], [0.0]]), np.array([1.0])
    radii = np.array([0.5, 2.0, 8.0])
    path = _quiet_path(H, P, pi, radii)
    for B, W, ce, ex in zip(radii, path.W, path.loss, path.excess_loss):
        expect = B / np.sqrt(2) * np.array([[1.0], [-1.0]])
        # Newton-polished KKT point: float64 rounding only (1e-12 relative leaves 1e4 ulps)
        np.testing.assert_allclose(W, expect, rtol=1e-12, atol=1e-12 * B)
        np.testing.assert_allclose(ex, np.log1p(np.exp(-np.sqrt(2) * B)), rtol=1e-10)
        assert ce == pytest.approx(ex, rel=1e-12)          # entropy 0 (one-hot)
    assert path.entropy == 0.0


@pytest.mark.parametrize("seed", range(3))
def test_certificates_and_kkt_on_random_separable_data(seed):
    data = random_instance(5, 4, 6, 2, seed=seed)               # d > m: separable and compatible (Lemma 1)
    nmm = np.linalg.norm(max_margin(data.H, data.P > 0))
    radii = np.array([0.5, 3.0, 12.0]) * nmm
    path = _quiet_path(data.H, data.P, data.pi, radii)
    assert isinstance(path, RegularizationPath) and path.W.shape == (3, 5, 6)
    for B, W, cert in zip(radii, path.W, path.certificates):
        assert isinstance(cert, PathCertificate) and cert.passed and cert.polished
        # the norm constraint is active (Theorem 1): ||W|| = B to rounding after the polish
        assert np.linalg.norm(W) == pytest.approx(B, rel=1e-12)
        # KKT recomputed here: grad + ν W/B = 0 with ν > 0, as a sine of the angle (measured <= 1e-8;
        # 1e-6 leaves two decades)
        g = gradient(W, data.H, data.P, data.pi)
        nu = -np.sum(g * W) / B
        assert nu > 0
        assert np.linalg.norm(g + nu * W / B) <= 1e-6 * np.linalg.norm(g)
        assert np.abs(W.sum(axis=0)).max() <= 1e-10 * B       # 1ᵀŴ_B = 0 (Ŵ_B ∈ D)
    # excess loss falls along the path (larger ball, smaller minimum)
    assert np.all(np.diff(path.excess_loss) < 0)
    np.testing.assert_allclose(path.loss - path.entropy, path.excess_loss, rtol=1e-9, atol=1e-15)


def test_path_minimises_against_an_independent_solver():
    # At the radius B the solution also minimises the ridge problem CE(W) + ν/(2B)‖W‖² (same KKT
    # point, strongly convex with modulus ν/B): L-BFGS from zero on that problem must land on Ŵ_B.
    from scipy.optimize import minimize

    data = random_instance(5, 4, 6, 2, seed=7)
    B = 2.0 * np.linalg.norm(max_margin(data.H, data.P > 0))
    path = _quiet_path(data.H, data.P, data.pi, [B])
    W_B, nu = path.W[0], path.certificates[0].multiplier
    lam = nu / B

    def f(x):
        W = x.reshape(W_B.shape)
        return loss(W, data.H, data.P, data.pi) + 0.5 * lam * np.sum(W * W), \
            (gradient(W, data.H, data.P, data.pi) + lam * W).ravel()

    res = minimize(f, np.zeros(W_B.size), jac=True, method="L-BFGS-B",
                   options={"gtol": 1e-12, "ftol": 1e-15, "maxiter": 20_000})
    # error <= gradient norm / strong-convexity modulus: 1e-12/λ (λ ≈ 0.05 here) plus L-BFGS's
    # stopping slack; 1e-7 relative to ‖W_B‖ is well above both
    np.testing.assert_allclose(res.x.reshape(W_B.shape), W_B, atol=1e-7 * B)
    # and no point of the ball does better: random points on the sphere (convexity makes this a
    # sanity check, the Frank–Wolfe bound in the certificate is the proof)
    rng = np.random.default_rng(0)
    ce_B = loss(W_B, data.H, data.P, data.pi)
    for _ in range(50):
        X = W_B + 0.3 * rng.standard_normal(W_B.shape)
        X *= B / np.linalg.norm(X)
        assert loss(X, data.H, data.P, data.pi) >= ce_B


def test_minimiser_inside_the_ball_is_refused():
    # V = 2, h̄_1 = h̄_2 with supports {0} and {1}: not NTP-separable, CE has its minimum at the
    # logit difference log(π1/π2) with ‖W‖ ≈ 0.29 < B = 1; the norm constraint is not active.
    H = np.array([[1.0, 1.0]])
    P = np.array([[1.0, 0.0], [0.0, 1.0]])
    pi = np.array([0.6, 0.4])
    with pytest.raises(CertificateError, match="not certified"):
        _quiet_path(H, P, pi, [1.0])
    # inside its reach the path is still certified (the minimiser is outside the small ball)
    ok = _quiet_path(H, P, pi, [0.1])
    assert ok.certificates[0].passed and ok.excess_loss[0] > 0


def test_bad_input():
    data = random_instance(4, 3, 4, 2, seed=0)
    H, P, pi = data.H, data.P, data.pi
    with pytest.raises(ValueError, match="radii"):
        regularization_path(H, P, pi, [1.0, -2.0])
    with pytest.raises(ValueError, match="radii"):
        regularization_path(H, P, pi, [])
    with pytest.raises(ValueError, match="radii"):
        regularization_path(H, P, pi, [1.0, np.nan])
    with pytest.raises(ValueError, match="radii"):
        regularization_path(H, P, pi, [[1.0]])
    with pytest.raises(ValueError, match="solver"):
        regularization_path(H, P, pi, [1.0], solver="MOSEK")
    with pytest.raises(ValueError, match="len\\(radii\\)"):
        regularization_path(H, P, pi, np.linspace(1, 2, 201))
    with pytest.raises(ValueError, match="P"):
        regularization_path(H, P[:, :2], pi, [1.0])                      # shape mismatch
    with pytest.raises(ValueError, match="P"):
        regularization_path(np.ones((2, 2)), np.full((3, 2), 1 / 3), [0.5, 0.5], [1.0])   # degenerate
    with pytest.raises(ValueError, match="pi"):
        regularization_path(H, P, np.array([0.5, 0.5, 0.5]), [1.0])


def test_excess_loss_helper_agrees():
    data = random_instance(5, 4, 6, 3, seed=1)
    path = _quiet_path(data.H, data.P, data.pi, [2.0])
    assert path.excess_loss[0] == pytest.approx(excess_loss(path.W[0], data.H, data.P, data.pi), rel=1e-15)
    assert "RegularizationPath(" in repr(path) and "PathCertificate(" in repr(path.certificates[0])
