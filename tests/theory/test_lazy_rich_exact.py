"""Tests of the single-neuron closed form (theory.lazy_rich._exact)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from theory.lazy_rich import (
    alignment,
    conserved_delta,
    exact_solution,
    function_space_metric,
    init_from_beta,
    kernel_distance,
    limit_prediction,
    relaxation_rates,
)

# Reference ODE tolerances: DOP853 at rtol=1e-12, atol=1e-13 has global error ~1e-11 on these
# O(1) trajectories over t <= 10, so the closed-form target 1e-8
# (docs/lazy_rich.md#numerics-and-tolerances) leaves a wide margin.
ODE_TOL = dict(method="DOP853", rtol=1e-12, atol=1e-13)
AGREE = 1e-8


def _ode(a0, w0, beta_star, t, eta_a=1.0, eta_w=1.0):
    def rhs(_, y):
        a, w = y[0], y[1:]
        g = a * w - beta_star
        return np.concatenate([[-eta_a * w @ g], -eta_w * a * g])

    sol = solve_ivp(rhs, (0, t[-1]), np.concatenate([[a0], w0]), t_eval=t, **ODE_TOL)
    return sol.y[0], sol.y[1:].T


def test_conserved_delta_formula():
    assert conserved_delta(2.0, [1.0, 1.0]) == 2.0
    assert conserved_delta(1.0, [1.0, 0.0], eta_a=3.0, eta_w=2.0) == -1.0
    np.testing.assert_allclose(conserved_delta([1.0, 2.0], [[1.0], [0.0]]), [0.0, 4.0])


@settings(deadline=None, max_examples=60)
@given(delta=st.floats(-50, 50), scale=st.floats(1e-3, 10), sign=st.sampled_from([1, -1]),
       eta_a=st.floats(0.1, 10), eta_w=st.floats(0.1, 10), seed=st.integers(0, 2**16))
def test_init_from_beta_round_trip(delta, scale, sign, eta_a, eta_w, seed):
    beta0 = scale * np.random.default_rng(seed).normal(size=3)
    a0, w0 = init_from_beta(beta0, delta, eta_a, eta_w, sign=sign)
    # Both identities are algebraic; relative roundoff a few ulps times the size of the terms.
    # 7000 random draws (δ = 0, |δ| down to 1e-10, both ends of every range): worst 3 ulps,
    # 7e-4 of these bounds.
    np.testing.assert_allclose(a0 * w0, beta0, rtol=1e-12, atol=0)
    size = eta_w * a0**2 + eta_a * w0 @ w0
    assert abs(conserved_delta(a0, w0, eta_a, eta_w) - delta) <= 1e-12 * max(size, 1.0)
    assert np.sign(a0) == sign


def test_init_from_beta_zero_beta():
    a0, w0 = init_from_beta([0.0, 0.0], 4.0)
    assert a0 == 2.0 and not np.any(w0)
    with pytest.raises(ValueError, match="beta0 = 0"):
        init_from_beta([0.0, 0.0], 0.0)
    with pytest.raises(ValueError, match="beta0 = 0"):
        init_from_beta([0.0, 0.0], -1.0)


@pytest.mark.parametrize("delta", [-4.0, -1.0, -0.05, 0.0, 0.05, 1.0, 4.0])
@pytest.mark.parametrize("d", [1, 2, 5])
def test_exact_solution_matches_ode(delta, d):
    rng = np.random.default_rng(d * 100 + int(10 * delta))
    eta_a, eta_w = np.exp(rng.normal(scale=0.7, size=2))
    beta_star = rng.normal(size=d)
    beta0 = 0.5 * rng.normal(size=d)
    a0, w0 = init_from_beta(beta0, delta, eta_a, eta_w, sign=int(rng.choice([-1, 1])))
    t = np.linspace(0, 10, 41)
    sol = exact_solution(a0, w0, beta_star, t, eta_a, eta_w)
    a, w = _ode(a0, w0, beta_star, t, eta_a, eta_w)
    np.testing.assert_allclose(sol.a, a, atol=AGREE, rtol=0)
    np.testing.assert_allclose(sol.w, w, atol=AGREE, rtol=0)
    np.testing.assert_allclose(sol.beta, sol.a[:, None] * sol.w)


def test_exact_solution_through_a_zero():
    # docs/lazy_rich.md#figure-settings: beta* = (0.5, 0.5), beta0 = (0, -1), delta = -2 flips the sign of a.
    beta_star = np.array([0.5, 0.5])
    a0, w0 = init_from_beta([0.0, -1.0], -2.0)
    t = np.linspace(0, 10, 201)
    sol = exact_solution(a0, w0, beta_star, t)
    assert sol.a[0] > 0 and sol.a[-1] < 0
    a, w = _ode(a0, w0, beta_star, t)
    np.testing.assert_allclose(sol.a, a, atol=AGREE, rtol=0)
    assert limit_prediction(a0, w0, beta_star).flips


def test_exact_solution_long_horizon_no_overflow():
    # Unscaled cosh(ωτ) overflows past ωτ ≈ 710; the scaled evaluation must stay finite and
    # reach the predicted limit (docs/lazy_rich.md#exact-solution-for-whitened-input numerics,
    # docs/lazy_rich.md#limit-basins-and-sign-flip limit).
    for delta in (-50.0, 0.0, 50.0):
        a0, w0 = init_from_beta([-1.0, 0.1], delta)
        sol = exact_solution(a0, w0, [0.0, 1.0], [0.0, 1e3, 1e8])
        assert np.all(np.isfinite(sol.w)) and np.all(np.isfinite(sol.a))
        lim = limit_prediction(a0, w0, [0.0, 1.0])
        # At t = 1e8 the slowest mode (rate λ⊥ >= s²/|δ| = 0.02) has decayed to roundoff.
        assert abs(sol.a[-1] - lim.a_inf) <= 1e-12 * max(1.0, abs(lim.a_inf))
        np.testing.assert_allclose(sol.beta[-1], [0.0, 1.0], atol=1e-12)


def test_exact_solution_conserves_delta_and_is_exact_at_zero():
    a0, w0 = init_from_beta([0.3, -0.2, 0.1], 0.0)
    sol = exact_solution(a0, w0, [1.0, 0.0, 2.0], np.linspace(0, 20, 101))
    # δ = 0 exactly at t = 0; along the path only roundoff of O(1) terms.
    assert np.max(np.abs(conserved_delta(sol.a, sol.w))) < 1e-13
    # At t = 0 the evaluation rotates into the eigenbasis of the 2×2 block and back: a few ulps.
    np.testing.assert_allclose(sol.a[0], a0, rtol=4e-16 * 4)
    np.testing.assert_allclose(sol.w[0], w0, rtol=4e-16 * 4)


def test_exact_solution_on_basin_boundary_stays_finite():
    # c₊ ≈ 1e-8 (found by a cross-check test): the old sum form of ρ² cancelled to a negative
    # number. Near the boundary the flow lingers at the saddle, then leaves; δ stays conserved.
    a0, w0, bs = -1.050313864832995, [1.24073125], [0.33043708]
    eta_a, eta_w = 1.2736781993231023, 1.7773663685839114
    sol = exact_solution(a0, w0, bs, [0.0, 10.0, 50.0, 1e3, 1e6], eta_a, eta_w)
    assert np.all(np.isfinite(sol.a)) and np.all(np.isfinite(sol.w))
    delta = conserved_delta(a0, w0, eta_a, eta_w)
    np.testing.assert_allclose(conserved_delta(sol.a, sol.w, eta_a, eta_w), delta, atol=1e-15)
    lim = limit_prediction(a0, w0, bs, eta_a, eta_w)
    assert sol.a[-1] == pytest.approx(lim.a_inf, rel=1e-12)
    np.testing.assert_allclose(sol.beta[-1], bs, rtol=1e-12)
    # Exactly on the boundary c₊ = 0 (a0 = 1, w0 = −β*, δ = 0 in exact arithmetic) only the
    # decaying mode is present: (w, a) → 0 like e^{−sτ}, reaching the saddle without NaN.
    sol = exact_solution(1.0, [-1.0, 0.0], [1.0, 0.0], [0.0, 10.0, 1e6])
    assert np.all(np.isfinite(sol.a)) and abs(sol.a[1]) < 1e-4 and sol.a[2] == 0.0


def test_exact_solution_zero_target_and_batch():
    sol = exact_solution(2.0, [1.0, 0.0], [0.0, 0.0], [0.0, 1.0])
    assert np.all(np.isfinite(sol.a))
    a0 = np.array([0.5, 1.0, 2.0])
    w0 = np.array([[0.2, 0.1], [0.3, -0.1], [-0.5, 0.0]])
    t = np.linspace(0, 5, 7)
    batch = exact_solution(a0, w0, [0.0, 1.0], t, eta_a=2.0)
    assert batch.a.shape == (3, 7) and batch.w.shape == (3, 7, 2) and batch.delta.shape == (3,)
    for i in range(3):
        single = exact_solution(a0[i], w0[i], [0.0, 1.0], t, eta_a=2.0)
        np.testing.assert_allclose(batch.a[i], single.a, rtol=1e-14)


def test_limit_and_relaxation_rates():
    beta_star = np.array([1.0, 0.25])
    s = np.linalg.norm(beta_star)
    for delta in (-3.0, 0.0, 2.0):
        lam_perp, lam_par = relaxation_rates(beta_star, delta)
        R = np.hypot(delta, 2 * s)
        assert lam_par == pytest.approx(R, rel=1e-15)
        assert lam_perp == pytest.approx((delta + R) / 2, rel=1e-12)
        # λ⊥ = a∞² (unit rates) is the eigenvalue of M(β*) orthogonal to β*.
        lim = limit_prediction(*init_from_beta([0.1, 0.2], delta), beta_star)
        assert lim.a_inf**2 == pytest.approx(lam_perp, rel=1e-12)
        M = function_space_metric(beta_star, delta)
        np.testing.assert_allclose(np.linalg.eigvalsh(M), sorted([lam_perp, lam_par]), rtol=1e-12)


def test_function_space_metric_definition():
    rng = np.random.default_rng(3)
    a, w = 0.7, rng.normal(size=3)
    eta_a, eta_w = 0.5, 2.0
    delta = conserved_delta(a, w, eta_a, eta_w)
    M = function_space_metric(a * w, delta, eta_a, eta_w)
    np.testing.assert_allclose(M, eta_w * a**2 * np.eye(3) + eta_a * np.outer(w, w), rtol=1e-12)


def test_kernel_distance_matches_gram_definition():
    rng = np.random.default_rng(7)
    a0, w0 = 0.8, rng.normal(size=3)
    a, w = rng.normal(size=5), rng.normal(size=(5, 3))
    K0 = a0**2 * np.eye(3) + np.outer(w0, w0)
    for i in range(5):
        Kt = a[i] ** 2 * np.eye(3) + np.outer(w[i], w[i])
        S = 1 - np.sum(K0 * Kt) / (np.linalg.norm(K0) * np.linalg.norm(Kt))
        assert kernel_distance(a0, w0, a[i], w[i]) == pytest.approx(S, abs=1e-14)
    S = kernel_distance(a0, w0, a, w)
    assert S.shape == (5,) and np.all((S >= -1e-15) & (S <= 1))
    assert kernel_distance(a0, w0, a0, w0) == pytest.approx(0.0, abs=1e-15)
    # The compat formula differs from the correct one only when a(t) ≠ a(0).
    assert kernel_distance(a0, w0, a0, w[0], compat=True) == kernel_distance(a0, w0, a0, w[0])
    assert kernel_distance(a0, w0, 2.0, w[0], compat=True) != kernel_distance(a0, w0, 2.0, w[0])


def test_alignment_zero_safe():
    np.testing.assert_allclose(alignment(np.array([[0.0, 0.0], [1.0, 1.0]]), [0.0, 2.0]), [0.0, 2**-0.5])


@pytest.mark.parametrize("call, name", [
    (lambda: exact_solution(0.0, [0.0, 0.0], [1.0, 0.0], [0.0]), "saddle"),
    (lambda: exact_solution(1.0, [np.nan, 0.0], [1.0, 0.0], [0.0]), "w0"),
    (lambda: exact_solution(1.0, [1.0, 0.0, 0.0], [1.0, 0.0], [0.0]), "w0"),
    (lambda: exact_solution(1.0, [1.0, 0.0], [1.0, 0.0], [-1.0]), "t must be"),
    (lambda: exact_solution(1.0, [1.0, 0.0], [1.0, 0.0], [0.0], eta_a=0.0), "eta_a"),
    (lambda: exact_solution(1.0, [1.0, 0.0], [1.0, 0.0], [0.0], eta_w=-1.0), "eta_w"),
    (lambda: exact_solution([1.0, 2.0], np.ones((3, 2)), [1.0, 0.0], [0.0]), "batch"),
    (lambda: init_from_beta([1.0, np.inf], 1.0), "beta0"),
    (lambda: init_from_beta([1.0, 0.0], 1.0, sign=0), "sign"),
    (lambda: init_from_beta([[1.0]], 1.0), "beta0"),
    (lambda: limit_prediction(1.0, [1.0, 0.0], [0.0, 0.0]), "beta_star"),
    (lambda: limit_prediction(1.0, [-1.0, 0.0], [1.0, 0.0]), "basin boundary"),
    (lambda: kernel_distance(0.0, [0.0, 0.0], 1.0, [1.0, 0.0]), "a0 = 0"),
    (lambda: conserved_delta(1.0, 2.0), "w must"),
])
def test_bad_input_names_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_log_space_path_matches_scaled_path():
    # The fallback (used only where the scaled ρ² underflows) must be the same formula: compare
    # both on ordinary rows, where each is accurate to roundoff (~1e-15 relative on O(1) values).
    from theory.lazy_rich import _exact

    rng = np.random.default_rng(11)
    P0, Q0 = rng.normal(size=6), rng.normal(size=(6, 3))
    beta_star = rng.normal(size=3)
    delta_u = P0**2 - np.sum(Q0**2, axis=-1)
    tau = np.linspace(0, 30, 61)
    P, Q = _exact._unit_rate_flow(P0, Q0, beta_star, delta_u, tau)
    s = np.linalg.norm(beta_star)
    bhat = beta_star / s
    q_par = Q0 @ bhat
    q_perp = Q0 - q_par[:, None] * bhat
    half = delta_u / 2
    u_q, u_p = _exact._growing_direction(s, half)
    c_plus, c_minus = u_q * q_par + u_p * P0, -u_p * q_par + u_q * P0
    P_log, par_log, perp_log = _exact._log_space_rows(tau, s, half, np.hypot(s, half), c_plus, c_minus,
                                                      u_q, u_p, np.sum(q_perp**2, axis=-1))
    Q_log = par_log[:, :, None] * bhat + perp_log[:, :, None] * q_perp[:, None, :]
    np.testing.assert_allclose(P_log, P, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(Q_log, Q, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("delta", [-1e1, -1e3, -1e6, -1e9, -1e13, -1e15, 1e13])
def test_exact_solution_keeps_its_digits_at_large_delta(delta):
    # For δ ≪ 0 the direction relaxes at λ⊥ = ω + δ̃/2 ≈ s²/|δ|, a difference of two numbers of
    # size |δ|/2; formed directly it lost every digit beyond |δ| ~ 1e8 (β stayed at β0 for ever).
    # The Riccati parametrisation is an independent closed form; both are evaluated to a few ulp,
    # so they must agree to 1e-14 at every time scale of the flow, and δ must be conserved.
    from theory.lazy_rich import conserved_delta, relaxation_rates, solution_via_riccati

    beta_star = np.array([0.0, 1.0])
    a0, w0 = init_from_beta(np.array([0.3, 0.1]), delta)
    lam_perp, lam_par = relaxation_rates(beta_star, delta)
    t = np.array([0.0, 1.0 / lam_par, 0.1 / lam_perp, 1.0 / lam_perp, 10.0 / lam_perp])
    exact = exact_solution(a0, w0, beta_star, t)
    riccati = solution_via_riccati(a0, w0, beta_star, t)
    np.testing.assert_allclose(exact.beta, riccati.beta, rtol=0, atol=1e-14)
    np.testing.assert_allclose(conserved_delta(exact.a, exact.w), delta, rtol=1e-14)
    assert np.linalg.norm(exact.beta[-1] - beta_star) < 1e-3       # learned after 10/λ⊥


def _mp_exact(a0, w0, beta_star, t, eta_a, eta_w, dps=60):
    """ϑ(τ) = e^{Aτ}ϑ0/ρ(τ) (docs/lazy_rich.md#exact-solution-for-whitened-input) in 60 digits, from the same doubles."""
    import mpmath as mp

    with mp.workdps(dps):
        k, sa = mp.sqrt(mp.mpf(eta_a) * eta_w), (mp.mpf(eta_w) / eta_a) ** mp.mpf(0.25)
        P0, Q0 = sa * mp.mpf(a0), [mp.mpf(x) / sa for x in w0]
        bs = [mp.mpf(x) for x in beta_star]
        s = mp.sqrt(sum(x * x for x in bs))
        bh = [x / s for x in bs]
        h = (P0**2 - sum(x * x for x in Q0)) / 2                  # δ̃/2
        om = mp.sqrt(s**2 + h**2)
        q = sum(x * y for x, y in zip(Q0, bh))
        qperp = [x - q * y for x, y in zip(Q0, bh)]
        a, w = [], []
        for tt in t:
            tau = k * mp.mpf(tt)
            C, Sh = mp.cosh(om * tau), mp.sinh(om * tau) / om
            qn, pn = C * q + Sh * (-h * q + s * P0), C * P0 + Sh * (s * q + h * P0)
            # ρ² = 1 + ϑ0ᵀ∫₀^τ e^{2As} ds ϑ0; the (q∥, P) block's integral is
            # sinh(2ωτ)/(2ω)·I + (cosh(2ωτ) − 1)/(2ω²)·B with B = [[−δ̃/2, s], [s, δ̃/2]]
            perp_int = tau if h == 0 else (1 - mp.exp(-2 * h * tau)) / (2 * h)
            quad = (mp.sinh(2 * om * tau) / (2 * om) * (q**2 + P0**2)
                    + (mp.cosh(2 * om * tau) - 1) / (2 * om**2) * (-h * q**2 + 2 * s * q * P0 + h * P0**2))
            rho = mp.sqrt(1 + sum(x * x for x in qperp) * perp_int + quad)
            a.append(float(pn / rho / sa))
            w.append([float((qn * y + mp.exp(-h * tau) * x) / rho * sa) for x, y in zip(qperp, bh)])
    return np.array(a), np.array(w)


@pytest.mark.parametrize("d, scale, sign, seed", [(2, 0.0192, 1, 40862), (3, 1 / 64, -1, 2158)])
def test_exact_solution_keeps_its_digits_on_the_plateau_at_the_saddle(d, scale, sign, seed):
    # δ = 0 and a small start near the stable manifold of the saddle: the growing coefficient c₊
    # is small, so the scaled ρ² ≈ c₊²/(2ω) is small too, and e^{−2ωτ} formed as 1 − expm1(·)
    # (absolute error ε) lost up to 9e-12 here. Formed with exp it is a few ulps; the inputs fix
    # c₊ only to ε·‖ϑ0‖/|c₊| ≲ 100ε relative (conditioning), measured 20ε. Allow 100ε·size.
    rng = np.random.default_rng(seed)
    eta_a, eta_w = np.exp(rng.normal(scale=0.7, size=2))
    beta_star = rng.normal(size=d)
    a0, w0 = init_from_beta(scale * rng.normal(size=d), 0.0, eta_a, eta_w, sign=sign)
    t = np.concatenate([[0.0], np.geomspace(1e-3, 50, 30)])
    sol = exact_solution(a0, w0, beta_star, t, eta_a, eta_w)
    a, w = _mp_exact(a0, w0, beta_star, t, eta_a, eta_w)
    size = max(np.max(np.abs(a)), np.max(np.abs(w)))
    np.testing.assert_allclose(sol.a, a, rtol=0, atol=100 * np.finfo(float).eps * size)
    np.testing.assert_allclose(sol.w, w, rtol=0, atol=100 * np.finfo(float).eps * size)
