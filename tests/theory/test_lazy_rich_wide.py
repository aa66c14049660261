"""Tests of wide / multi-output / deep linear formulas and the ReLU init map
(theory.lazy_rich._wide)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from theory.lazy_rich._balanced import saxe_sigmoid
from theory.lazy_rich._wide import (
    conserved_matrix,
    deep_linear_conserved,
    delta_balanced_factors,
    delta_balanced_weights,
    hyperbolic_entropy,
    hyperbolic_entropy_grad,
    hyperbolic_entropy_hessian,
    mode_dynamics_rhs,
    mode_solution,
    relu_delta,
    relu_init_scale,
)

# Conservation tests integrate at rtol=1e-12, atol=1e-13 (docs/lazy_rich.md#numerics-and-tolerances: 1e-12 for conservation);
# the quadratic invariants then drift by ~1e-12 over t <= 5, so 1e-10 leaves a margin.
ODE_TIGHT = dict(method="DOP853", rtol=1e-12, atol=1e-13)
CONSERVE = 1e-10
# Closed form vs integration: global ODE error ~1e-10 on O(1) states; 1e-9 leaves a factor 10
# (docs/lazy_rich.md#numerics-and-tolerances).
ODE_TOL = dict(method="DOP853", rtol=1e-11, atol=1e-12)
AGREE = 1e-9


def _wide_flow(A0, W0, target, t, eta_a=1.0, eta_w=1.0):
    """Gradient flow of ½‖AW − Σ_yx‖² (whitened input): Ẇ = −η_w AᵀG, Ȧ = −η_a GWᵀ."""
    c, h = A0.shape
    d = W0.shape[1]

    def rhs(_, y):
        A, W = y[:c * h].reshape(c, h), y[c * h:].reshape(h, d)
        G = A @ W - target
        return np.concatenate([(-eta_a * G @ W.T).ravel(), (-eta_w * A.T @ G).ravel()])

    sol = solve_ivp(rhs, (0, t[-1]), np.concatenate([A0.ravel(), W0.ravel()]), t_eval=t, **ODE_TIGHT)
    assert sol.success
    A = sol.y[:c * h].T.reshape(-1, c, h)
    W = sol.y[c * h:].T.reshape(-1, h, d)
    return A, W


def _random_orthogonal(n, rng):
    q, r = np.linalg.qr(rng.normal(size=(n, n)))
    return q * np.sign(np.diag(r))


# ------------------------------------------------------------------------------------------
# conserved matrices
# ------------------------------------------------------------------------------------------

def test_conserved_matrix_along_wide_flow():
    rng = np.random.default_rng(0)
    for c, h, d in [(2, 3, 4), (3, 5, 2), (1, 1, 3)]:
        eta_a, eta_w = np.exp(rng.normal(scale=0.5, size=2))
        A0, W0 = rng.normal(size=(c, h)), rng.normal(size=(h, d))
        target = rng.normal(size=(c, d))
        A, W = _wide_flow(A0, W0, target, np.linspace(0, 5, 11), eta_a, eta_w)
        Delta = conserved_matrix(A, W, eta_a, eta_w)      # batched over time
        assert Delta.shape == (11, h, h)
        np.testing.assert_allclose(Delta, np.broadcast_to(Delta[0], Delta.shape), rtol=0, atol=CONSERVE)
        # the flow actually moved (the test could fail)
        assert np.linalg.norm(A[-1] - A0) > 0.1
        # c = h = 1 reduces to the single-neuron δ = η_w a² − η_a‖w‖²
        if c == h == 1:
            assert np.isclose(Delta[0, 0, 0], eta_w * A0[0, 0] ** 2 - eta_a * W0 @ W0.T, rtol=1e-14)


def test_deep_linear_conserved_along_flow():
    rng = np.random.default_rng(1)
    dims = [4, 3, 5, 2]                                    # d, h1, h2, c
    Ws0 = [rng.normal(size=(dims[i + 1], dims[i])) * 0.7 for i in range(3)]
    etas = np.exp(rng.normal(scale=0.5, size=3))
    target = rng.normal(size=(dims[-1], dims[0]))
    sizes = [Wl.size for Wl in Ws0]
    shapes = [Wl.shape for Wl in Ws0]

    def unpack(y):
        return [p.reshape(sh) for p, sh in zip(np.split(y, np.cumsum(sizes)[:-1]), shapes)]

    def rhs(_, y):
        W1, W2, W3 = unpack(y)
        G = W3 @ W2 @ W1 - target
        g1 = (W3 @ W2).T @ G
        g2 = W3.T @ G @ W1.T
        g3 = G @ (W2 @ W1).T
        return np.concatenate([(-e * g).ravel() for e, g in zip(etas, (g1, g2, g3))])

    sol = solve_ivp(rhs, (0, 3), np.concatenate([Wl.ravel() for Wl in Ws0]), t_eval=[0, 1, 3], **ODE_TIGHT)
    C0 = deep_linear_conserved(Ws0, etas)
    assert [Ci.shape for Ci in C0] == [(3, 3), (5, 5)]
    for y in sol.y.T:
        for Ci, C0i in zip(deep_linear_conserved(unpack(y), etas), C0):
            np.testing.assert_allclose(Ci, C0i, rtol=0, atol=CONSERVE)
    # L = 2 is Δ/(η_aη_w)
    A, W = rng.normal(size=(2, 3)), rng.normal(size=(3, 4))
    (C,) = deep_linear_conserved([W, A], [0.5, 2.0])
    np.testing.assert_allclose(C, conserved_matrix(A, W, eta_a=2.0, eta_w=0.5) / 1.0, rtol=1e-14)


# ------------------------------------------------------------------------------------------
# δ-balanced networks
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("delta,shape", [(1.5, (3, 3, 4)), (-1.5, (4, 3, 3)), (0.0, (3, 2, 4)),
                                         (0.7, (2, 2, 5)), (-0.3, (5, 2, 2))])
def test_delta_balanced_weights_and_factors_along_flow(delta, shape):
    c, h, d = shape
    rng = np.random.default_rng(int(10 * abs(delta)) + c)
    beta0 = 0.5 * rng.normal(size=(c, h)) @ rng.normal(size=(h, d)) / np.sqrt(h)
    R = _random_orthogonal(h, rng)
    net = delta_balanced_weights(beta0, delta, h, rotation=R)
    # construction identities: roundoff only
    np.testing.assert_allclose(net.A @ net.W, beta0, rtol=0, atol=1e-13)
    np.testing.assert_allclose(conserved_matrix(net.A, net.W), delta * np.eye(h), rtol=0, atol=1e-13)
    target = rng.normal(size=(c, d))
    t = np.linspace(0, 4, 9)
    A, W = _wide_flow(net.A, net.W, target, t)
    for At, Wt in zip(A, W):
        np.testing.assert_allclose(conserved_matrix(At, Wt), delta * np.eye(h), rtol=0, atol=CONSERVE)
        f = delta_balanced_factors(At @ Wt, delta, hidden=h)
        # formula error is roundoff; the integrator's state error (~1e-11) dominates
        np.testing.assert_allclose(f.readout_gram, At @ At.T, rtol=0, atol=AGREE)
        np.testing.assert_allclose(f.input_gram, Wt.T @ Wt, rtol=0, atol=AGREE)
    assert np.linalg.norm(A[-1] @ W[-1] - beta0) > 0.1     # the flow moved


def test_delta_balanced_factors_wrong_sheet_is_detected():
    # δ > 0 with h < c: AAᵀ has a kernel the formula misses (it puts δ there) — the reason for
    # the condition c = h for δ > 0 (docs/lazy_rich.md#wide-and-deep-linear-networks). The WᵀW formula stays valid.
    rng = np.random.default_rng(5)
    beta0 = rng.normal(size=(4, 2)) @ rng.normal(size=(2, 5))
    net = delta_balanced_weights(beta0, 1.0, 2)
    f = delta_balanced_factors(beta0, 1.0)                 # unchecked
    np.testing.assert_allclose(f.input_gram, net.W.T @ net.W, atol=1e-12)
    assert np.linalg.norm(f.readout_gram - net.A @ net.A.T) > 0.5
    with pytest.raises(ValueError, match="delta"):
        delta_balanced_factors(beta0, 1.0, hidden=2)


def test_delta_balanced_factors_limits():
    # δ → +∞: WᵀW ≈ βᵀβ/δ and AAᵀ ≈ δI; the stable roots keep relative accuracy at δ = 1e8
    beta = np.array([[1.0, 2.0], [0.5, -1.0]])
    f = delta_balanced_factors(beta, 1e8)
    np.testing.assert_allclose(f.input_gram, beta.T @ beta / 1e8, rtol=1e-7)
    f = delta_balanced_factors(beta, -1e8)
    np.testing.assert_allclose(f.readout_gram, beta @ beta.T / 1e8, rtol=1e-7)
    # δ = 0: AAᵀ = √(ββᵀ), WᵀW = √(βᵀβ)
    f = delta_balanced_factors(beta, 0.0)
    np.testing.assert_allclose(f.readout_gram @ f.readout_gram, beta @ beta.T, atol=1e-13)
    np.testing.assert_allclose(f.input_gram @ f.input_gram, beta.T @ beta, atol=1e-13)


# ------------------------------------------------------------------------------------------
# decoupled modes
# ------------------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("delta", [-3.0, -0.5, 0.0, 0.5, 3.0])
def test_mode_solution_matches_scalar_ode(delta):
    t = np.linspace(0, 8, 41)
    for sigma0, s, sign in [(0.05, 1.2, 1), (-0.4, 0.8, -1), (2.0, 0.5, 1), (0.0, 1.0, 1), (0.3, 0.0, -1)]:
        if sigma0 == 0 and delta == 0:
            continue
        ref = solve_ivp(lambda _, y: mode_dynamics_rhs(y, s, delta), (0, 8), [sigma0], t_eval=t, **ODE_TOL)
        sol = mode_solution(sigma0, s, delta, t, sign=sign)
        np.testing.assert_allclose(sol.sigma, ref.y[0], rtol=0, atol=AGREE)
        np.testing.assert_allclose(sol.a * sol.w, sol.sigma, rtol=1e-14, atol=1e-15)
        np.testing.assert_allclose(sol.a**2 - sol.w**2, delta, rtol=0, atol=1e-12)
        if sigma0 != 0:
            assert np.sign(sol.a[0]) == sign
    # the saddle σ0 = 0, δ = 0 stays at 0
    assert not np.any(mode_solution(0.0, 1.0, 0.0, t).sigma)


def test_mode_solution_balanced_is_saxe_sigmoid():
    t = np.linspace(0, 6, 61)
    np.testing.assert_allclose(mode_solution(1e-3, 2.0, 0.0, t).sigma, saxe_sigmoid(t, 2.0, 1e-3),
                               rtol=1e-12, atol=0)


@pytest.mark.parametrize("delta", [-0.8, 0.0, 0.8])
def test_decoupled_modes_in_wide_network(delta):
    # Σ_yx = U S Vᵀ, β0 = U diag(σ0) Vᵀ, Δ = δI, h = c = d: each singular value follows the
    # scalar law and the off-diagonal part of Uᵀβ(t)V stays 0 (docs/lazy_rich.md#wide-and-deep-linear-networks).
    rng = np.random.default_rng(11)
    n = 3
    U, V = _random_orthogonal(n, rng), _random_orthogonal(n, rng)
    S = np.array([2.0, 1.0, 0.4])
    sigma0 = np.array([0.02, 0.3, 0.9])
    beta0 = U @ np.diag(sigma0) @ V.T
    net = delta_balanced_weights(beta0, delta, n, rotation=_random_orthogonal(n, rng))
    t = np.linspace(0, 5, 11)
    A, W = _wide_flow(net.A, net.W, U @ np.diag(S) @ V.T, t)
    modes = np.einsum("ci,tcd,dj->tij", U, A @ W, V)
    off = modes - np.einsum("tii->ti", modes)[:, :, None] * np.eye(n)
    np.testing.assert_allclose(off, 0.0, rtol=0, atol=AGREE)
    for i in range(n):
        np.testing.assert_allclose(modes[:, i, i], mode_solution(sigma0[i], S[i], delta, t).sigma,
                                   rtol=0, atol=AGREE)


# ------------------------------------------------------------------------------------------
# hyperbolic entropy
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("delta", [-2.0, 0.1, 3.0])
def test_hyperbolic_entropy_derivatives_finite_differences(delta):
    sigma = np.linspace(-3, 3, 25)
    h = 1e-4
    fd1 = (hyperbolic_entropy(sigma + h, delta) - hyperbolic_entropy(sigma - h, delta)) / (2 * h)
    fd2 = (hyperbolic_entropy_grad(sigma + h, delta) - hyperbolic_entropy_grad(sigma - h, delta)) / (2 * h)
    # central differences: truncation (h²/6)·max|f‴| with |Φ‴| ≤ 0.8/δ², |Φ⁗| ≤ 4/|δ|³, i.e.
    # ≤ 7e-9/|δ|³ at h = 1e-4, plus roundoff eps·|Φ|/h ≈ 1e-11
    tol = 1e-8 * max(1.0, 1.0 / abs(delta) ** 3)
    np.testing.assert_allclose(hyperbolic_entropy_grad(sigma, delta), fd1, rtol=0, atol=tol)
    np.testing.assert_allclose(hyperbolic_entropy_hessian(sigma, delta), fd2, rtol=0, atol=tol)
    np.testing.assert_allclose(hyperbolic_entropy_hessian(sigma, delta), 1 / np.sqrt(delta**2 + 4 * sigma**2),
                               rtol=1e-15)


def test_hyperbolic_entropy_is_the_mirror_potential_of_the_mode_law():
    # d/dt Φ'(σ) = Φ''σ̇ = −(σ − s): integrate ∫(σ − s) alongside σ and compare.
    for delta, sigma0, s in [(-1.0, 0.1, 1.5), (0.5, 1.2, 0.3), (2.0, -0.4, 0.9)]:
        t = np.linspace(0, 6, 31)
        ref = solve_ivp(lambda _, y: [mode_dynamics_rhs(y[0], s, delta), -(y[0] - s)], (0, 6),
                        [sigma0, 0.0], t_eval=t, **ODE_TOL)
        sig = mode_solution(sigma0, s, delta, t).sigma
        lhs = hyperbolic_entropy_grad(sig, delta) - hyperbolic_entropy_grad(sigma0, delta)
        np.testing.assert_allclose(lhs, ref.y[1], rtol=0, atol=1e-8)  # ODE tolerance, O(1) states


def test_hyperbolic_entropy_limits():
    sigma = np.array([-2.0, -0.5, 0.3, 1.7])
    big = 1e3
    # |δ| → ∞: Φ = −|δ|/4 + σ²/(2|δ|) − σ⁴/(6|δ|³) + … (ℓ2-like): relative remainder σ²/(3δ²)
    # ≤ 1.4e-6; adding |δ|/4 back costs roundoff ~eps|δ| ≈ 2e-13
    np.testing.assert_allclose(hyperbolic_entropy(sigma, big) + big / 4, sigma**2 / (2 * big),
                               rtol=2e-6, atol=1e-12)
    # δ → 0: Φ − ½|σ|ln(1/|δ|) → ½|σ|(ln 4|σ| − 1) (ℓ1-like), error O(δ²/σ)
    small = 1e-8
    np.testing.assert_allclose(hyperbolic_entropy(sigma, small) - 0.5 * np.abs(sigma) * np.log(1 / small),
                               0.5 * np.abs(sigma) * (np.log(4 * np.abs(sigma)) - 1), rtol=0, atol=1e-7)
    np.testing.assert_allclose(hyperbolic_entropy_hessian(sigma, small), 1 / (2 * np.abs(sigma)), rtol=1e-12)
    # even in σ and in δ
    np.testing.assert_allclose(hyperbolic_entropy(-sigma, 0.7), hyperbolic_entropy(sigma, -0.7), rtol=1e-15)


# ------------------------------------------------------------------------------------------
# ReLU init family
# ------------------------------------------------------------------------------------------

@settings(deadline=None, max_examples=200)
@given(tau=st.floats(1e-3, 1e2), x=st.floats(-1e6, 1e6))
def test_relu_init_round_trip(tau, x):
    delta = x * tau**2
    alpha = relu_init_scale(tau, delta)
    assert alpha > 0
    back = relu_delta(tau, alpha)
    # δ = τ²(α⁻² − α²) cancels near α = 1: absolute roundoff ~ few eps·τ²(α⁻² + α²)
    assert abs(back - delta) <= 8 * np.finfo(float).eps * tau**2 * (alpha**-2 + alpha**2)
    # α from δ is well conditioned (relative), so the other way round is tight. 7000 random
    # draws (x = 0, |x| down to 1e-12, τ at both ends): worst 0.34 of the first bound, 0.12 of this.
    assert abs(relu_init_scale(tau, back) - alpha) <= 8 * np.finfo(float).eps * alpha


def test_relu_init_scale_values():
    assert relu_init_scale(0.5, 0.0) == 1.0                 # balanced: ‖w‖ = |a| = τ
    a = relu_init_scale(np.array([0.1, 2.0]), np.array([0.9999, -0.9999]))
    np.testing.assert_allclose(relu_delta(np.array([0.1, 2.0]), a), [0.9999, -0.9999], rtol=1e-12)
    # huge upstream δ: α² ≈ τ²/δ, kept to full relative accuracy
    assert abs(relu_init_scale(1.0, 1e12) ** 2 - 1e-12) <= 1e-27


# ------------------------------------------------------------------------------------------
# input validation
# ------------------------------------------------------------------------------------------

def test_negative_inputs_name_the_argument():
    with pytest.raises(ValueError, match="hidden width"):
        conserved_matrix(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="eta_w"):
        conserved_matrix(np.ones((2, 3)), np.ones((3, 4)), eta_w=0.0)
    with pytest.raises(ValueError, match="^A must"):
        conserved_matrix(np.ones(3), np.ones((3, 4)))
    with pytest.raises(ValueError, match="delta"):
        delta_balanced_factors(np.ones((2, 3)), 1.0, hidden=3)     # δ > 0 needs h <= c
    with pytest.raises(ValueError, match="delta"):
        delta_balanced_factors(np.ones((3, 2)), -1.0, hidden=3)    # δ < 0 needs h <= d
    with pytest.raises(ValueError, match="delta"):
        delta_balanced_factors(np.ones((3, 4)), -1.0, hidden=3)    # δ < 0 needs h == d
    with pytest.raises(ValueError, match="beta has rank"):
        delta_balanced_factors(np.eye(3), 0.0, hidden=2)
    with pytest.raises(ValueError, match="hidden"):
        delta_balanced_factors(np.eye(3), 0.0, hidden=0)
    with pytest.raises(ValueError, match="beta"):
        delta_balanced_factors(np.ones(3), 0.0)
    with pytest.raises(ValueError, match="hidden"):
        delta_balanced_weights(np.eye(3), 0.0, hidden=2)
    with pytest.raises(ValueError, match="delta"):
        delta_balanced_weights(np.ones((2, 3)), 1.0, hidden=3)
    with pytest.raises(ValueError, match="rotation"):
        delta_balanced_weights(np.eye(2), 0.5, hidden=2, rotation=2 * np.eye(2))
    with pytest.raises(ValueError, match="delta"):
        hyperbolic_entropy(1.0, 0.0)
    with pytest.raises(ValueError, match="sigma"):
        hyperbolic_entropy_hessian(np.nan, 1.0)
    with pytest.raises(ValueError, match="tau"):
        relu_init_scale(0.0, 1.0)
    with pytest.raises(ValueError, match="alpha"):
        relu_delta(1.0, -0.5)
    with pytest.raises(ValueError, match="sign"):
        mode_solution(0.1, 1.0, 0.0, [0.0, 1.0], sign=2)
    with pytest.raises(ValueError, match="t must be >= 0"):
        mode_solution(0.1, 1.0, 0.0, [-1.0])
    with pytest.raises(ValueError, match=r"weights\[1\]"):
        deep_linear_conserved([np.ones((3, 4)), np.ones((2, 2))])
    with pytest.raises(ValueError, match="etas"):
        deep_linear_conserved([np.ones((3, 4)), np.ones((2, 3))], etas=[1.0])
    with pytest.raises(ValueError, match=r"etas\[1\]"):
        deep_linear_conserved([np.ones((3, 4)), np.ones((2, 3))], etas=[1.0, 0.0])
