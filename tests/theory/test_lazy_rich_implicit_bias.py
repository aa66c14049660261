"""Tests for the implicit bias of the single-neuron lazy/rich model (docs/lazy_rich.md#implicit-bias-for-general-x).

Oracles: finite differences and high-precision arithmetic for Φ_δ; an independent primal NLP,
the r-dimensional dual Newton solver, CVXPY/CLARABEL (δ = 0, deep chain), the rank-1 closed
form, the δ → ±∞ limits, and tight gradient-flow integrations of the (a, w) ODE, including a
trajectory on which a(t) crosses zero.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import scipy.optimize
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from theory.lazy_rich import Crossing, init_from_beta
from theory.lazy_rich import _mirror as ib
from theory.lazy_rich._implicit_bias import (
    ConvexImplicitBiasResult,
    downstream_limit_bias,
    implicit_bias,
    implicit_bias_cvxpy,
    implicit_bias_nlp,
    lazy_limit_bias,
    rank1_implicit_bias,
)
from theory.lazy_rich._mirror import (
    inverse_mirror_map,
    mirror_potential,
    mirror_potential_grad,
)

EPS = np.finfo(float).eps
DELTAS = [-3.0, -0.7, 0.0, 0.4, 2.5]


def _random_problem(seed, n=2, d=4, scale=1.0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.standard_normal(n), scale * rng.standard_normal(d)


def _null_projector(X):
    return np.eye(X.shape[1]) - np.linalg.pinv(X) @ X


def _spec_potential(beta, delta):
    R = np.sqrt(delta**2 + 4 * np.sum(beta**2, axis=-1))
    return (R - 2 * delta) * np.sqrt(R + delta) / (2 * np.sqrt(2))


def _crossing_for(X, beta0, delta, sign=1, eta_a=1.0, eta_w=1.0, sign_before=None):
    """A Crossing consistent with the flow from (beta0, delta, sign): ‖Q‖² = |δ̃| and the null(X)
    part of Q equal to that of Q0 (conserved); its row-space part is otherwise arbitrary, which
    the projection does not see."""
    delta_u = delta / np.sqrt(eta_a * eta_w)
    a0, w0 = init_from_beta(beta0, delta, eta_a, eta_w, sign)
    Q0 = (eta_a / eta_w) ** 0.25 * w0
    qn = _null_projector(X) @ Q0
    row_dir = np.linalg.pinv(X) @ np.ones(X.shape[0])
    row_dir /= np.linalg.norm(row_dir)
    Qc = qn + np.sqrt(-delta_u - qn @ qn) * row_dir
    return Crossing(t=1.0, sign_before=sign if sign_before is None else sign_before,
                    w=(eta_w / eta_a) ** 0.25 * Qc)


# ---------------------------------------------------------------------------------------------
# Φ_δ, ∇Φ_δ, inverse
# ---------------------------------------------------------------------------------------------

def test_balanced_potential_is_norm_to_three_halves():
    beta = np.random.default_rng(0).standard_normal((5, 3))
    # Φ₀ = ‖β‖^{3/2} exactly; 4 ulps for the few roundings of either side.
    np.testing.assert_allclose(mirror_potential(beta, 0.0), np.linalg.norm(beta, axis=-1) ** 1.5,
                               rtol=4 * EPS)


@pytest.mark.parametrize("delta", DELTAS)
def test_potential_matches_spec_formula_and_is_batched(delta):
    beta = np.random.default_rng(1).standard_normal((2, 3, 4))
    got = mirror_potential(beta, delta)
    assert got.shape == (2, 3)
    # Same quantity, algebraically rearranged; both sides are well-conditioned here
    # (|δ| and ‖β‖ of order 1), so agreement to ~1e-14 relative to the Φ scale.
    scale = 1.0 + np.abs(delta) ** 1.5
    np.testing.assert_allclose(got, _spec_potential(beta, delta), atol=1e-14 * scale)
    assert mirror_potential(beta[0, 0], delta) == pytest.approx(got[0, 0], rel=1e-15)


def test_potential_stable_for_very_negative_delta():
    # Naive R + δ cancels completely for δ = −1e12, ‖β‖ ~ 1; compare with 50-digit arithmetic.
    beta = np.array([0.3, -1.2, 0.5])
    delta = -1e12
    with mpmath.workdps(50):
        nb2 = mpmath.fsum(mpmath.mpf(b) ** 2 for b in beta)
        R = mpmath.sqrt(mpmath.mpf(delta) ** 2 + 4 * nb2)
        ref = (R - 2 * delta) * mpmath.sqrt(R + delta) / (2 * mpmath.sqrt(2))
    # A few ulps of the float64 evaluation.
    assert mirror_potential(beta, delta) == pytest.approx(float(ref), rel=1e-14)


@pytest.mark.parametrize("delta", DELTAS)
def test_grad_matches_central_differences(delta):
    rng = np.random.default_rng(2)
    h = 1e-5
    for _ in range(5):
        beta = rng.standard_normal(4)
        fd = np.array([(mirror_potential(beta + h * e, delta)
                        - mirror_potential(beta - h * e, delta)) / (2 * h) for e in np.eye(4)])
        # Central FD error: truncation h²|Φ'''|/6 ~ 1e-10 (Φ''' = O(1) for ‖β‖, |δ| = O(1)) plus
        # rounding eps·|Φ|/h ~ 1e-11·|Φ|.
        tol = 1e-9 * (1.0 + abs(mirror_potential(beta, delta)))
        np.testing.assert_allclose(mirror_potential_grad(beta, delta), fd, rtol=0, atol=tol)


@pytest.mark.parametrize("delta", DELTAS)
def test_hessian_and_inverse_jacobian_match_finite_differences(delta):
    rng = np.random.default_rng(3)
    h = 1e-6
    beta = rng.standard_normal(3)
    fd = np.array([(ib._grad(beta + h * e, delta) - ib._grad(beta - h * e, delta)) / (2 * h)
                   for e in np.eye(3)]).T
    # Truncation h²|∇Φ'''|/6 ~ 1e-12, rounding eps·|∇Φ|/h ~ 1e-10.
    np.testing.assert_allclose(ib._hess(beta, delta), fd, atol=1e-8)
    z = ib._grad(beta, delta)
    fd = np.array([(ib._inverse(z + h * e, delta) - ib._inverse(z - h * e, delta)) / (2 * h)
                   for e in np.eye(3)]).T
    np.testing.assert_allclose(ib._inverse_jacobian(z, delta), fd, atol=1e-8)
    # The inverse map's Jacobian is the inverse Hessian (M = (3/2)|a| (∇²Φ)⁻¹); well-conditioned
    # 3×3 matrices, so 1e-12.
    np.testing.assert_allclose(ib._inverse_jacobian(z, delta) @ ib._hess(beta, delta), np.eye(3),
                               atol=1e-12)


@pytest.mark.parametrize("delta", DELTAS)
def test_conjugate_is_fenchel_dual(delta):
    rng = np.random.default_rng(4)
    for _ in range(5):
        beta = rng.standard_normal(3)
        z = ib._grad(beta, delta)
        shift = 0.5 * max(delta, 0.0) ** 1.5
        # Fenchel–Young equality Φ*(z) = zᵀβ − Φ(β) at z = ∇Φ(β); O(1) quantities, 1e-13.
        assert ib._conjugate_shifted(z, delta) + shift == pytest.approx(
            z @ beta - mirror_potential(beta, delta), abs=1e-13 * (1 + abs(z @ beta)))


def test_grad_at_zero_and_kink():
    for delta in (-2.0, 0.0, 3.0):
        np.testing.assert_array_equal(mirror_potential_grad(np.zeros(3), delta), np.zeros(3))
    # δ < 0: the whole ball ‖z‖ ≤ (3/2)√|δ| maps back to β = 0.
    z = np.array([[0.0, 0.0], [1.5 * np.sqrt(2.0) * 0.999, 0.0], [0.3, -0.4]])
    np.testing.assert_array_equal(inverse_mirror_map(z, -2.0), np.zeros_like(z))


def test_grad_is_batched():
    beta = np.random.default_rng(5).standard_normal((3, 2, 4))
    beta[0, 0] = 0.0
    for delta in DELTAS:
        g = mirror_potential_grad(beta, delta)
        assert g.shape == beta.shape
        for idx in np.ndindex(3, 2):
            np.testing.assert_array_equal(g[idx], mirror_potential_grad(beta[idx], delta))
        np.testing.assert_allclose(inverse_mirror_map(g, delta)[1:], beta[1:],
                                   rtol=1e-12, atol=1e-12)


_deltas = st.floats(-20.0, 20.0, allow_nan=False)
_vec = st.lists(st.floats(-10.0, 10.0, allow_nan=False), min_size=3, max_size=3).map(np.array)


@settings(deadline=None, max_examples=200)
@given(beta=_vec, delta=_deltas)
def test_inverse_of_grad_is_identity(beta, delta):
    nb = np.linalg.norm(beta)
    if nb < 1e-3:
        return
    back = inverse_mirror_map(mirror_potential_grad(beta, delta), delta)
    # For δ < 0, P² = t + δ is recovered from ‖z‖² ≈ (9/4)|δ| with absolute error ~eps·|δ|, so
    # the relative error of ‖β‖ = |P|‖Q‖ is ~eps·|δ|²/‖β‖²; 30 ulps of that (2e5 random draws
    # peaked at 3.4 ulps).
    tol = 30 * EPS * (1 + nb) * (1 + delta**2 / nb**2)
    np.testing.assert_allclose(back, beta, rtol=0, atol=tol)


@settings(deadline=None, max_examples=200)
@given(z=_vec, delta=_deltas)
def test_grad_of_inverse_is_identity_outside_kink(z, delta):
    nz = np.linalg.norm(z)
    beta = inverse_mirror_map(z, delta)
    if delta < 0 and nz <= 1.5 * np.sqrt(-delta):
        np.testing.assert_array_equal(beta, np.zeros(3))
        return
    if nz == 0.0:
        return
    # ∇Φ(β) = (3/2)√t β̂ with t recomputed from β: a handful of roundings relative to ‖z‖
    # (2e5 random draws peaked at 4e-16·(1 + ‖z‖)).
    np.testing.assert_allclose(mirror_potential_grad(beta, delta), z, rtol=0,
                               atol=1e-14 * (1 + nz))


# ---------------------------------------------------------------------------------------------
# The Bregman projection
# ---------------------------------------------------------------------------------------------

def _kkt_residuals(X, y, beta, z):
    feas = np.linalg.norm(X @ beta - y)
    stat = np.linalg.norm(_null_projector(X) @ (ib._grad(beta, 0.0) - z))
    return feas, stat


@pytest.mark.parametrize("delta", DELTAS + [-40.0, 40.0])
@pytest.mark.parametrize("seed", range(4))
def test_kkt_conditions(delta, seed):
    X, y, beta0 = _random_problem(seed)
    beta = implicit_bias(X, y, beta0, delta)
    # Xβ∞ = y to rounding of the O(1) products.
    assert np.linalg.norm(X @ beta - y) <= 1e-13
    r = _null_projector(X) @ (ib._grad(beta, delta) - ib._grad(beta0, delta))
    # ∇Φ(β∞) − ∇Φ(β0) ∈ range(Xᵀ): gradients are O(1 + √|δ|), rounding 1e-13 of that.
    assert np.linalg.norm(r) <= 1e-13 * (1 + np.sqrt(abs(delta)))


@pytest.mark.parametrize("delta", DELTAS)
@pytest.mark.parametrize("rates", [(1.0, 1.0), (2.0, 0.3)])
@pytest.mark.parametrize("seed", range(4))
def test_closed_form_matches_nlp_and_dual(delta, rates, seed):
    X, y, beta0 = _random_problem(10 + seed, n=2, d=5)
    beta = implicit_bias(X, y, beta0, delta, *rates)
    # trust-constr stops when objective decreases hit rounding (optimality ~1e-9), which leaves
    # β accurate to ~1e-8; 1e-7 has a factor 5 of margin over the worst seen.
    np.testing.assert_allclose(implicit_bias_nlp(X, y, beta0, delta, *rates), beta,
                               rtol=0, atol=1e-7)
    # The dual Newton converges quadratically to machine precision for |δ̃| = O(1).
    np.testing.assert_allclose(implicit_bias(X, y, beta0, delta, *rates, method="dual"), beta,
                               rtol=0, atol=1e-12)


def test_rates_enter_only_through_unit_rate_delta():
    X, y, beta0 = _random_problem(20)
    for eta_a, eta_w in [(3.0, 0.5), (0.2, 0.2)]:
        # Exact reparametrisation: only rounding of δ/√(η_aη_w) differs.
        np.testing.assert_allclose(implicit_bias(X, y, beta0, -1.3, eta_a, eta_w),
                                   implicit_bias(X, y, beta0, -1.3 / np.sqrt(eta_a * eta_w)),
                                   rtol=1e-13, atol=1e-13)


@settings(deadline=None, max_examples=50)
@given(seed=st.integers(0, 10_000), delta=st.floats(-5.0, 5.0))
def test_rotation_equivariance(seed, delta):
    X, y, beta0 = _random_problem(seed)
    Rot, _ = np.linalg.qr(np.random.default_rng(seed + 1).standard_normal((4, 4)))
    # Φ_δ is rotation invariant, so the projection commutes with rotations; the SVD of XRᵀ is
    # rotated exactly up to rounding, so the error is ~ε·κ(X)·‖β‖ times a small constant; 1e-10
    # covers the conditioning of random 2×4 X. Every seed of the strategy (0..10 000) at δ ∈ {±5,
    # ±1e-9, 0, random}: worst 4.3e-14 (κ(X) = 15.6, ‖β‖∞ = 10), 4e-4 of this bound.
    np.testing.assert_allclose(implicit_bias(X @ Rot.T, y, Rot @ beta0, delta),
                               Rot @ implicit_bias(X, y, beta0, delta), atol=1e-10)


@pytest.mark.slow
def test_matches_cvxpy_at_balance():
    for seed in range(3):
        X, y, beta0 = _random_problem(30 + seed)
        beta = implicit_bias(X, y, beta0, 0.0)
        res = implicit_bias_cvxpy(X, y, beta0)
        assert isinstance(res, ConvexImplicitBiasResult)
        assert res.status == "optimal"
        # CLARABEL's default stopping rule (relative gap 1e-8) on an objective that is flat to
        # second order at the optimum leaves β accurate to ~√1e-8 = 1e-4 times the curvature
        # scale; observed ≤ 5e-5.
        np.testing.assert_allclose(res.beta, beta, rtol=0, atol=3e-4 * (1 + np.abs(beta).max()))
        # Certificates are consistent with that accuracy (equality constraints are satisfied to
        # IPM feasibility tolerance, stationarity to the same √gap level).
        assert res.feasibility_residual <= 1e-8
        assert res.stationarity_residual <= 3e-4
        feas, stat = _kkt_residuals(X, y, beta, ib._grad(beta0, 0.0))
        # The closed form certifies far better (rounding level).
        assert feas <= 1e-13 and stat <= 1e-13


def _deep_chain_reference(X, y, beta0, L):
    """argmin ‖β‖^p − p‖β0‖^{p−2}β0ᵀβ on Xβ = y via its scalar KKT equation (p = 1 + 1/L):
    P_Nβ = (ρ/ρ0)^{2−p} P_Nβ0 with ρ = ‖β‖ solving ρ² = c² + (ρ/ρ0)^{2(2−p)}‖P_Nβ0‖²."""
    p = 1 + 1 / L
    bstar = np.linalg.pinv(X) @ y
    m = _null_projector(X) @ beta0
    c, r0 = np.linalg.norm(bstar), np.linalg.norm(beta0)

    def f(rho):
        return rho**2 - c**2 - (rho / r0) ** (2 * (2 - p)) * (m @ m)

    hi = c + 1.0
    while f(hi) < 0:
        hi *= 2
    rho = scipy.optimize.brentq(f, c, hi, xtol=1e-15, rtol=1e-15)
    return bstar + (rho / r0) ** (2 - p) * m


@pytest.mark.parametrize("depth", [2, 3, 6])
def test_cvxpy_deep_chain_matches_scalar_kkt(depth):
    X, y, beta0 = _random_problem(40 + depth)
    res = implicit_bias_cvxpy(X, y, beta0, depth=depth)
    ref = _deep_chain_reference(X, y, beta0, depth)
    # Same CLARABEL accuracy argument as at balance (√(gap tolerance)).
    np.testing.assert_allclose(res.beta, ref, atol=3e-4 * (1 + np.abs(ref).max()))
    assert res.stationarity_residual <= 3e-4
    if depth == 2:  # Φ_2 = ‖β‖^{3/2} = Φ₀: the δ = 0 single neuron
        np.testing.assert_allclose(ref, implicit_bias(X, y, beta0, 0.0), atol=1e-12)


def test_cvxpy_zero_init_gives_min_norm():
    X, y, _ = _random_problem(50)
    res = implicit_bias_cvxpy(X, y, np.zeros(4))
    # z0 = 0: minimum-norm interpolant; CLARABEL accuracy as above.
    np.testing.assert_allclose(res.beta, np.linalg.pinv(X) @ y, atol=3e-4)


@pytest.mark.parametrize("delta", [-50.0, -2.0, -0.3, 0.0, 0.5, 3.0, 1e3, -1e6, 1e6])
def test_rank1_closed_form_matches(delta):
    rng = np.random.default_rng(60)
    for _ in range(4):
        x, beta0 = rng.standard_normal(2), rng.standard_normal(2)
        y = float(rng.standard_normal())
        got = rank1_implicit_bias(x, y, beta0, delta)
        # Independent formulas (2-D normal vector vs SVD projectors), both rounding-level exact.
        np.testing.assert_allclose(got, implicit_bias(x[None, :], [y], beta0, delta),
                                   atol=1e-12 * (1 + np.abs(got).max()))
        # The rank-1 formula's k = √(√(‖β0‖² + δ²/4) − δ/2)·(β̂0·n̂) (docs/lazy_rich.md#closed-form-bregman-projection), for moderate |δ| where it is exact.
        if abs(delta) <= 50:
            n_hat = np.array([-x[1], x[0]]) / np.linalg.norm(x)
            k = np.sqrt(np.sqrt(beta0 @ beta0 + delta**2 / 4) - delta / 2) * (beta0 @ n_hat) \
                / np.linalg.norm(beta0)
            kappa = (k**2 + delta) / 2
            a_inf = np.sqrt(kappa + np.sqrt(kappa**2 + y**2 / (x @ x)))
            np.testing.assert_allclose(got, y * x / (x @ x) + k * a_inf * n_hat, atol=1e-10)


def test_rank1_figure_4b_setting_moves_monotonically():
    # docs/lazy_rich.md#figure-settings: endpoints move monotonically along the solution line from the δ = +∞
    # projection toward the δ = −∞ ray point as δ decreases.
    x, y, beta0 = np.array([0.5, 1.0]), 1.1, np.array([0.4, 0.05])
    X = x[None, :]
    n_hat = np.array([-1.0, 0.5]) / np.linalg.norm([-1.0, 0.5])
    deltas = [1e6, 4, 2, 1, 0, -1, -2, -4, -1e6]
    pos = [rank1_implicit_bias(x, y, beta0, d) @ n_hat for d in deltas]
    assert np.all(np.diff(pos) > 0) or np.all(np.diff(pos) < 0)
    # The extremes are the limits up to O(1/|δ|) = 1e-6.
    assert pos[0] == pytest.approx(lazy_limit_bias(X, [y], beta0) @ n_hat, abs=1e-5)
    assert pos[-1] == pytest.approx(downstream_limit_bias(X, [y], beta0) @ n_hat, abs=1e-5)


@pytest.mark.parametrize("seed", range(4))
def test_lazy_limit(seed):
    X, y, beta0 = _random_problem(70 + seed)
    lazy = lazy_limit_bias(X, y, beta0)
    np.testing.assert_allclose(lazy, beta0 + np.linalg.pinv(X) @ (y - X @ beta0), atol=1e-12)
    errs = [np.abs(implicit_bias(X, y, beta0, d) - lazy).max() for d in (1e4, 1e8)]
    # The error is O(1/δ): ≤ 10/δ (O(1) data), and it shrinks by ~1e4 between δ = 1e4 and 1e8.
    assert errs[1] <= 10 / 1e8
    assert errs[1] <= 1e-3 * errs[0] + 1e-13


@pytest.mark.parametrize("seed", range(4))
def test_downstream_limit_one_sample(seed):
    rng = np.random.default_rng(80 + seed)
    x, beta0, y = rng.standard_normal(4), rng.standard_normal(4), rng.standard_normal(1)
    X = x[None, :]
    limit = downstream_limit_bias(X, y, beta0)
    # docs/lazy_rich.md#limits-of-the-implicit-bias ray formula: the initial direction is kept exactly (rounding only).
    np.testing.assert_allclose(limit, (y[0] * (x @ beta0) / (x @ beta0) ** 2) * beta0, atol=1e-12)
    delta = -1e8
    crossings = ()
    if y[0] * (x @ beta0) < 0:  # the fast phase passes through β = 0: one crossing of a
        crossings = (_crossing_for(X, beta0, delta),)
    got = implicit_bias(X, y, beta0, delta, crossings=crossings)
    # The limit is approached at rate O(1/δ²) (see the general-n test); 1e-8 is generous.
    np.testing.assert_allclose(got, limit, atol=1e-8)


@pytest.mark.parametrize("seed", range(4))
def test_downstream_limit_general_n(seed):
    X, y, beta0 = _random_problem(90 + seed, n=2, d=5)
    if seed % 2:
        beta0 = -beta0  # both signs of yᵀXβ0
    limit = downstream_limit_bias(X, y, beta0)
    assert np.linalg.norm(X @ limit - y) <= 1e-12
    errs = []
    for delta in (-1e2, -1e3, -1e6):
        crossings = (_crossing_for(X, beta0, delta),) if y @ X @ beta0 < 0 else ()
        errs.append(np.abs(implicit_bias(X, y, beta0, delta, crossings=crossings) - limit).max())
    # O(1/δ²) convergence: a factor ~100 per decade (asserted ≥ 30), and ≤ 1e-8 at δ = −1e6.
    assert errs[1] <= errs[0] / 30
    assert errs[2] <= 1e-8
    # Without the crossing, the no-crossing projection tends to the mirror image instead.
    if y @ X @ beta0 < 0:
        far = implicit_bias(X, y, beta0, -1e6)
        assert np.abs(far - limit).max() > 1e-2


def test_crossing_parity():
    X, y, beta0 = _random_problem(100)
    delta = -30.0
    c1 = _crossing_for(X, beta0, delta, sign=1)
    c2 = Crossing(t=2.0, sign_before=-1, w=c1.w)
    base = implicit_bias(X, y, beta0, delta)
    one = implicit_bias(X, y, beta0, delta, crossings=[c1])
    two = implicit_bias(X, y, beta0, delta, crossings=[c1, c2])
    # Two crossings cancel (rounding only); one flips the null-space part: β∞ − X⁺y → −(…).
    np.testing.assert_allclose(two, base, atol=1e-12)
    bstar = np.linalg.pinv(X) @ y
    assert np.abs(one - base).max() > 1e-2
    # Dual Newton agrees with the closed form on the crossing-corrected problem too.
    np.testing.assert_allclose(implicit_bias(X, y, beta0, delta, crossings=[c1], method="dual"),
                               one, atol=1e-10)
    # The null-space part changes direction only; the row-space part is X⁺y in both.
    np.testing.assert_allclose(np.linalg.pinv(X) @ (X @ one), bstar, atol=1e-12)


def test_rank_deficient_consistent_system():
    X, y, beta0 = _random_problem(110, n=2, d=4)
    X3 = np.vstack([X, X[0] + 2 * X[1]])
    y3 = np.append(y, y[0] + 2 * y[1])
    # Redundant row: same feasible set, same projection (rounding of the SVD).
    np.testing.assert_allclose(implicit_bias(X3, y3, beta0, -0.8), implicit_bias(X, y, beta0, -0.8),
                               atol=1e-12)
    with pytest.raises(ValueError, match=r"\by\b.*range of X"):
        implicit_bias(X3, y3 + np.array([0.0, 0.0, 1.0]), beta0, -0.8)


def test_zero_init_upstream_is_min_norm_and_small_init_downstream_keeps_direction():
    X, y, beta0 = _random_problem(120)
    # β0 = 0, δ > 0: w0 = 0 so null(X) part of Q vanishes: exactly the min-norm interpolant.
    np.testing.assert_allclose(implicit_bias(X, y, np.zeros(4), 1.0), np.linalg.pinv(X) @ y,
                               atol=1e-13)
    # δ < 0, β0 → 0: ∇Φ(β0) → (3/2)√|δ|β̂0 ≠ 0, the limit keeps a dependence on β̂0 (docs/lazy_rich.md#implicit-bias-for-general-x).
    a = implicit_bias(X, y, 1e-9 * beta0, -1.0)
    b = implicit_bias(X, y, 1e-12 * beta0, -1.0)
    np.testing.assert_allclose(a, b, atol=1e-6)  # converged in the scale of β0
    assert np.abs(a - np.linalg.pinv(X) @ y).max() > 1e-2


# ---------------------------------------------------------------------------------------------
# Against gradient flow
# ---------------------------------------------------------------------------------------------

def _gradient_flow(X, y, a0, w0, eta_a, eta_w, T):
    XtX, Xty = X.T @ X, X.T @ y

    def rhs(t, s):
        a, w = s[0], s[1:]
        g = XtX @ (a * w) - Xty
        return np.concatenate([[-eta_a * (w @ g)], -eta_w * a * g])

    def a_zero(t, s):
        return s[0]

    sol = solve_ivp(rhs, (0.0, T), np.concatenate([[a0], w0]), method="DOP853",
                    rtol=1e-11, atol=1e-12, events=a_zero)
    assert sol.success
    crossings = [Crossing(t=float(t), sign_before=int(-np.sign(rhs(t, s)[0])), w=s[1:].copy())
                 for t, s in zip(sol.t_events[0], sol.y_events[0])]
    a, w = sol.y[0, -1], sol.y[1:, -1]
    return a * w, crossings


@pytest.mark.parametrize("delta, eta_a, eta_w, sign", [
    (1.5, 2.0, 0.5, 1),
    (-1.5, 0.5, 3.0, -1),
    (0.0, 1.0, 1.0, 1),
    (-0.4, 1.7, 0.6, 1),
])
@pytest.mark.parametrize("seed", [0, 1])
def test_matches_gradient_flow_limit(delta, eta_a, eta_w, sign, seed):
    X, y, beta0 = _random_problem(seed, n=2, d=4, scale=0.5)
    a0, w0 = init_from_beta(beta0, delta, eta_a, eta_w, sign)
    beta_T, crossings = _gradient_flow(X, y, a0, w0, eta_a, eta_w, T=300.0)
    # Converged: the residual decays exponentially and must be at the ODE-accuracy floor.
    assert np.linalg.norm(X @ beta_T - y) < 1e-10
    assert not crossings
    # ODE at rtol 1e-11: the endpoint carries ~1e-11-1e-10 global error, so 1e-7
    # (docs/lazy_rich.md#numerics-and-tolerances) leaves a margin of 1e3.
    np.testing.assert_allclose(implicit_bias(X, y, beta0, delta, eta_a, eta_w, sign), beta_T,
                               rtol=0, atol=1e-7)


def test_matches_gradient_flow_with_a_sign_crossing():
    delta, eta_a, eta_w = -4.0, 0.7, 1.3
    # Deterministic search: strongly downstream δ and β0 pointing away from the solutions
    # (yᵀXβ0 < 0) make a(t) pass through 0; take the first seed that does.
    for seed in range(100, 110):
        X, y, beta0 = _random_problem(seed)
        if y @ X @ beta0 > 0:
            beta0 = -beta0
        a0, w0 = init_from_beta(beta0, delta, eta_a, eta_w, 1)
        beta_T, crossings = _gradient_flow(X, y, a0, w0, eta_a, eta_w, T=400.0)
        if crossings:
            break
    assert crossings, "no seed in 100..109 produced a sign crossing"
    assert np.linalg.norm(X @ beta_T - y) < 1e-10
    assert crossings[0].sign_before == 1
    corrected = implicit_bias(X, y, beta0, delta, eta_a, eta_w, 1, crossings)
    uncorrected = implicit_bias(X, y, beta0, delta, eta_a, eta_w, 1)
    # Same ODE-accuracy budget as without crossings.
    np.testing.assert_allclose(corrected, beta_T, rtol=0, atol=1e-7)
    # Without the jump the prediction is off by O(1).
    assert np.abs(uncorrected - beta_T).max() > 1e-2


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------

def test_validation_errors_name_the_argument():
    X, y, beta0 = _random_problem(0)
    cases = [
        (lambda: mirror_potential([np.nan, 1.0], 0.0), "beta"),
        (lambda: mirror_potential(1.0, 0.0), "beta"),
        (lambda: mirror_potential([1.0], np.inf), "delta"),
        (lambda: mirror_potential_grad([1.0, 2.0], "a"), "delta"),
        (lambda: inverse_mirror_map([np.inf], 1.0), "z"),
        (lambda: implicit_bias(X[0], y, beta0, 1.0), "X"),
        (lambda: implicit_bias(X, y[:1], beta0, 1.0), "y"),
        (lambda: implicit_bias(X, y, beta0[:3], 1.0), "beta0"),
        (lambda: implicit_bias(X, y, beta0, np.nan), "delta"),
        (lambda: implicit_bias(X, y, beta0, 1.0, eta_a=0.0), "eta_a"),
        (lambda: implicit_bias(X, y, beta0, 1.0, eta_w=-1.0), "eta_w"),
        (lambda: implicit_bias(X, y, beta0, 1.0, sign=0), "sign"),
        (lambda: implicit_bias(X, y, beta0, 1.0, method="newton"), "method"),
        (lambda: implicit_bias(X, y, np.zeros(4), 0.0), "beta0"),
        (lambda: implicit_bias(X, y, np.zeros(4), -1.0), "beta0"),
        (lambda: implicit_bias_nlp(X, y, np.zeros(4), 0.0), "beta0"),
        (lambda: implicit_bias_cvxpy(X, y, beta0, depth=1), "depth"),
        (lambda: implicit_bias_cvxpy(X, y[:1], beta0), "y"),
        (lambda: lazy_limit_bias(X, y, beta0[:2]), "beta0"),
        (lambda: downstream_limit_bias(X, y, _null_projector(X) @ beta0), "beta0"),
        (lambda: rank1_implicit_bias([1.0, 0.0, 0.0], 1.0, [1.0, 1.0], 0.0), "x"),
        (lambda: rank1_implicit_bias([1.0, 0.0], [1.0], [1.0, 1.0], 0.0), "y"),
        (lambda: rank1_implicit_bias([1.0, 0.0], 1.0, [0.0, 0.0], 0.0), "beta0"),
    ]
    for fn, name in cases:
        with pytest.raises(ValueError, match=rf"\b{name}\b"):
            fn()
    # β0 = 0 is fine upstream: a0 = √δ, w0 = 0.
    assert np.all(np.isfinite(implicit_bias(X, y, np.zeros(4), 2.0)))


def test_crossing_validation():
    X, y, beta0 = _random_problem(130)
    delta = -9.0
    good = _crossing_for(X, beta0, delta)
    implicit_bias(X, y, beta0, delta, crossings=[good])  # accepted
    bad = {
        "delta >= 0": ((X, y, beta0, 1.0), [good]),
        "sphere": ((X, y, beta0, delta), [Crossing(1.0, 1, 1.01 * good.w)]),
        "null": ((X, y, beta0, delta), [_crossing_for(X, -beta0, delta)]),
        "sign_before": ((X, y, beta0, delta), [Crossing(1.0, -1, good.w)]),
        "sorted": ((X, y, beta0, delta), [good, Crossing(0.5, -1, good.w)]),
        "Crossing": ((X, y, beta0, delta), [(1.0, 1, good.w)]),
        "shape": ((X, y, beta0, delta), [Crossing(1.0, 1, good.w[:3])]),
    }
    for what, (args, crossings) in bad.items():
        with pytest.raises(ValueError, match="crossings"):
            implicit_bias(*args, crossings=crossings)
    # The sphere check is at crossing_rtol (default 1e-6): a 1e-9 perturbation is accepted.
    implicit_bias(X, y, beta0, delta, crossings=[Crossing(1.0, 1, (1 + 1e-9) * good.w)])
    # Wrong rates change ‖Q‖² by O(1) and are caught.
    with pytest.raises(ValueError, match="crossings"):
        implicit_bias(X, y, beta0, delta, eta_a=2.0, crossings=[good])
