"""Gradient flow of the lazy/rich models and the lazy/rich measures (docs/lazy_rich.md#numerics-and-tolerances,
docs/lazy_rich.md#lazy-and-rich-measures).

Oracles: the conserved quantities (δ, Δ, δ_k), the lead's exact whitened solution and flip
predictor (theory.lazy_rich._exact), the closed forms for the NTK on X = I (docs/lazy_rich.md#lazy-and-rich-measures), and
hand-computed examples.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sims.lazy_rich._flow import gradient_flow, gradient_flow_relu, gradient_flow_wide
from sims.lazy_rich._measures import (
    hamming_distance,
    kernel_distance_from_grams,
    ntk_gram,
    parameter_distance,
    relu_ntk_gram,
)
from theory.lazy_rich._exact import (
    exact_solution,
    function_space_metric,
    init_from_beta,
    kernel_distance,
    limit_prediction,
)

RATES = [(1.0, 1.0), (2.0, 0.3)]


def _data(seed, n=6, d=3):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.standard_normal(n), rng


def _whitened(seed, n=5, d=3):
    """X with orthonormal columns (XᵀX = I_d) via QR, so β* = Xᵀy."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((n, d)))
    y = rng.standard_normal(n)
    return Q, y, Q.T @ y, rng


# --------------------------------------------------------------------------------------------
# single neuron: conservation, exact solution, loss normalisation
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("delta", [-5.0, -1.0, 0.0, 1.0, 5.0])
@pytest.mark.parametrize("eta_a,eta_w", RATES)
def test_delta_conserved_general_X(delta, eta_a, eta_w):
    X, y, rng = _data(1)
    a0, w0 = init_from_beta(rng.standard_normal(3), delta, eta_a, eta_w)
    res = gradient_flow(X, y, a0, w0, np.linspace(0, 20, 101), eta_a, eta_w, rtol=1e-12,
                        atol=1e-12)
    assert res.success and not res.diverged
    scale = max(1.0, eta_w * a0**2 + eta_a * w0 @ w0)
    # δ is quadratic in the state, so each accepted DOP853 step perturbs it by at most
    # ~2·scale·(local error ≤ rtol); the local error estimate is pessimistic and the errors
    # partly cancel (observed ≤ 5e-13·scale over T = 20). 1e-11 is the docs/lazy_rich.md#numerics-and-tolerances target.
    assert np.max(np.abs(res.delta - delta)) <= 1e-11 * scale
    assert res.delta[0] == pytest.approx(delta, abs=1e-13 * scale)   # init_from_beta roundoff


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), delta=st.floats(-4, 4), log_ratio=st.floats(-1, 1),
       sign=st.sampled_from([1, -1]))
def test_delta_conserved_property(seed, delta, log_ratio, sign):
    X, y, rng = _data(seed, n=4, d=2)
    eta_a, eta_w = 10.0**log_ratio, 10.0**(-0.5 * log_ratio)
    a0, w0 = init_from_beta(rng.standard_normal(2), delta, eta_a, eta_w, sign=sign)
    res = gradient_flow(X, y, a0, w0, [0.0, 5.0], eta_a, eta_w, rtol=1e-12, atol=1e-12)
    scale = max(1.0, eta_w * a0**2 + eta_a * w0 @ w0)
    assert res.success
    # Same reasoning as above (local errors ≤ rtol, quadratic invariant). Measured worst over 300
    # random draws (δ = 0 and the ends of every range crowded): 0.011 of this bound.
    assert abs(res.delta[-1] - res.delta[0]) <= 1e-11 * scale


@pytest.mark.parametrize("delta", [-3.0, -0.5, 0.0, 0.5, 3.0])
@pytest.mark.parametrize("eta_a,eta_w", RATES)
def test_matches_exact_solution_whitened(delta, eta_a, eta_w):
    X, y, beta_star, rng = _whitened(3)
    a0, w0 = init_from_beta(rng.standard_normal(3), delta, eta_a, eta_w)
    t = np.linspace(0, 20, 201)
    res = gradient_flow(X, y, a0, w0, t, eta_a, eta_w, rtol=1e-12, atol=1e-12)
    ex = exact_solution(a0, w0, beta_star, t, eta_a, eta_w)
    # Closed form vs tight ODE (docs/lazy_rich.md#numerics-and-tolerances target 1e-8). The global error of DOP853 at
    # rtol = atol = 1e-12 over T = 20 is observed ≤ 3e-10; at rtol = 1e-10 it reaches 2e-8,
    # which is why this test integrates at 1e-12.
    for got, want in [(res.a, ex.a), (res.w, ex.w), (res.beta, ex.beta)]:
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-8)


def test_matches_exact_solution_identity_X():
    beta_star = np.array([0.0, 1.0])
    a0, w0 = init_from_beta(np.array([-1.0, 0.0]), -2.0)      # docs/lazy_rich.md#figure-settings setting
    t = np.linspace(0, 20, 81)
    res = gradient_flow(np.eye(2), beta_star, a0, w0, t, rtol=1e-12, atol=1e-12)
    ex = exact_solution(a0, w0, beta_star, t)
    np.testing.assert_allclose(res.beta, ex.beta, rtol=0, atol=1e-8)   # as above


def test_mean_loss_is_time_rescaled_sum_loss():
    X, y, rng = _data(4, n=7, d=3)
    a0, w0 = init_from_beta(rng.standard_normal(3), -0.7, 1.3, 0.8)
    t = np.linspace(0, 6, 13)
    mean = gradient_flow(X, y, a0, w0, t, 1.3, 0.8, rtol=1e-12, atol=1e-12, loss="mean")
    sum_ = gradient_flow(X, y, a0, w0, 2 * t / 7, 1.3, 0.8, rtol=1e-12, atol=1e-12, loss="sum")
    # Two independent tight integrations of the same trajectory: each has global error
    # ~1e-10 (see above).
    np.testing.assert_allclose(mean.a, sum_.a, rtol=0, atol=1e-9)
    np.testing.assert_allclose(mean.w, sum_.w, rtol=0, atol=1e-9)
    assert not np.allclose(mean.a[-1], gradient_flow(X, y, a0, w0, t, 1.3, 0.8).a[-1])


def test_t_eval_need_not_start_at_zero():
    X, y, rng = _data(5)
    a0, w0 = init_from_beta(rng.standard_normal(3), 0.3)
    full = gradient_flow(X, y, a0, w0, [0.0, 1.0, 2.0, 3.0])
    part = gradient_flow(X, y, a0, w0, [1.0, 2.0, 3.0])
    # solve_ivp's step sequence does not depend on t_eval: the outputs are the same numbers.
    np.testing.assert_allclose(part.w, full.w[1:], rtol=1e-14, atol=0)
    only0 = gradient_flow(X, y, a0, w0, [0.0])
    assert only0.a[0] == a0 and np.array_equal(only0.w[0], w0) and only0.success


# --------------------------------------------------------------------------------------------
# crossings of a = 0
# --------------------------------------------------------------------------------------------

BETA_STAR = np.array([0.5, 0.5])


@pytest.mark.parametrize("sign", [1, -1])
def test_crossing_detected_downstream(sign):
    # docs/lazy_rich.md#figure-settings: whitened, β* = (0.5, 0.5), β0 = (0, −1), δ = −2, unit rates: a flips.
    a0, w0 = init_from_beta(np.array([0.0, -1.0]), -2.0, sign=sign)
    assert limit_prediction(a0, w0, BETA_STAR).flips
    t = np.linspace(0, 10, 201)
    res = gradient_flow(np.eye(2), BETA_STAR, a0, w0, t, rtol=1e-12, atol=1e-12)
    assert len(res.crossings) == 1
    c = res.crossings[0]
    assert c.sign_before == sign
    # At a = 0, η_a‖w‖² = −δ exactly; the event is root-found on the dense output
    # (brentq, xtol ~ 1e-15) and the state carries the ~1e-10 global error of the solver.
    assert c.w @ c.w == pytest.approx(2.0, abs=1e-9)
    # The exact solution vanishes at the detected time (same error budget, |ȧ| = O(1)).
    assert abs(exact_solution(a0, w0, BETA_STAR, [c.t]).a[0]) <= 1e-9
    assert np.all(np.sign(res.a[res.t < c.t]) == sign)
    assert np.all(np.sign(res.a[res.t > c.t]) == -sign)


def test_crossing_with_layer_rates():
    eta_a, eta_w, delta = 2.0, 0.5, -3.0
    a0, w0 = init_from_beta(np.array([0.0, -1.0]), delta, eta_a, eta_w)
    assert limit_prediction(a0, w0, BETA_STAR, eta_a, eta_w).flips
    res = gradient_flow(np.eye(2), BETA_STAR, a0, w0, [0.0, 10.0], eta_a, eta_w, rtol=1e-12,
                        atol=1e-12)
    (c,) = res.crossings
    assert eta_a * (c.w @ c.w) == pytest.approx(-delta, abs=1e-9)   # as above


@pytest.mark.parametrize("delta", [2.0, 0.5])
def test_no_crossing_upstream(delta):
    a0, w0 = init_from_beta(np.array([0.0, -1.0]), delta)
    res = gradient_flow(np.eye(2), BETA_STAR, a0, w0, np.linspace(0, 10, 51), rtol=1e-12,
                        atol=1e-12)
    assert res.crossings == ()
    assert np.all(res.a > 0)


@pytest.mark.parametrize("beta0", [(0.0, -1.0), (2**-0.5, -(2**-0.5)), (2**-0.5, 2**-0.5)])
@pytest.mark.parametrize("delta", [-2.0, -1.0, -0.2, 0.02, 0.2, 1.0, 2.0])
def test_crossings_match_flip_predictor(beta0, delta):
    # docs/lazy_rich.md#figure-settings grid: the number of crossings equals the prediction of
    # docs/lazy_rich.md#limit-basins-and-sign-flip (0 or 1).
    a0, w0 = init_from_beta(np.array(beta0), delta)
    res = gradient_flow(np.eye(2), BETA_STAR, a0, w0, [0.0, 40.0], rtol=1e-11, atol=1e-12)
    assert len(res.crossings) == int(limit_prediction(a0, w0, BETA_STAR).flips)


def test_start_at_a_zero_is_not_a_crossing():
    res = gradient_flow(np.eye(2), BETA_STAR, 0.0, [1.0, 0.2], [0.0, 5.0], rtol=1e-12,
                        atol=1e-12)
    assert all(c.t > 0 for c in res.crossings)
    assert res.crossings == ()       # a leaves 0 towards sign(wᵀβ*) > 0 and stays there
    assert res.a[-1] > 0


# --------------------------------------------------------------------------------------------
# divergence is a result
# --------------------------------------------------------------------------------------------

def test_blowup_threshold_reported():
    # An artificially low max_norm exercises the terminal blow-up event: the state norm of
    # this run grows from ≈1.1 to ≈1.3, so max_norm = 1.2 is crossed.
    a0, w0 = init_from_beta(np.array([0.1, 0.1]), 1.2)
    t = np.linspace(0, 10, 11)
    res = gradient_flow(np.eye(2), [2.0, 2.0], a0, w0, t, max_norm=1.2)
    assert res.diverged and not res.success and "max_norm" in res.message
    assert np.isnan(res.a[-1]) and np.isfinite(res.a[0])


def test_non_finite_field_reported():
    # ‖(a, w)‖ ≈ 1.4e200 is below max_norm = 1e300, but a·w = 1e400 overflows in the field
    res = gradient_flow(np.eye(2), [1.0, 1.0], 1e200, [1e200, 0.0], [0.0, 1.0], max_norm=1e300)
    assert res.diverged and not res.success and "non-finite" in res.message
    assert res.a[0] == 1e200 and np.isnan(res.a[-1])


def _flows(a0, w0, t, y=(1.0, 2.0), **kw):
    """Readout a(t), shape (T,), and result of the three simulators on one single-neuron problem."""
    X, y = np.eye(2), np.array(y)
    results = [gradient_flow(X, y, a0, w0, t, **kw),
               gradient_flow_wide(X, y, [[a0]], [w0], t, **kw),
               gradient_flow_relu(X, y, [a0], [w0], t, **kw)]
    return [(np.ravel(res.A if hasattr(res, "A") else res.a), res) for res in results]


def test_divergence_before_the_first_requested_time_is_reported():
    # The blow-up (‖(a, w)‖ reaching 1.2 from ≈1.1, as above) happens before t = 5, the first
    # requested time: no entry is reached, and the run reports divergence instead of crashing.
    a0, w0 = init_from_beta(np.array([0.1, 0.1]), 1.2)
    for a, res in _flows(a0, w0, [5.0, 10.0], y=(2.0, 2.0), max_norm=1.2):
        assert res.diverged and not res.success and "max_norm" in res.message
        assert np.isnan(a).all()


def test_initial_state_beyond_max_norm_is_divergence():
    for a, res in _flows(1.0, np.array([0.5, 0.0]), [0.0, 1.0], max_norm=1.0):
        assert res.diverged and not res.success and "initial state norm" in res.message
        assert a[0] == 1.0 and np.isnan(a[-1])


@pytest.mark.slow
@pytest.mark.parametrize("delta", [1e6, -1e6])
def test_stiff_flow_switches_to_radau_and_returns_quickly(delta):
    # |δ| = 1e6: the fast direction relaxes at rate ≈ |δ| (ρ·t_end ≈ 1e7), so DOP853 would need
    # ≳ 1e6 steps (minutes); the driver detects it and integrates with Radau. Each run takes
    # ~0.2 s alone; 20 s leaves room for a loaded machine.
    import time
    a0, w0 = (np.sqrt(delta), np.array([0.1, 0.0])) if delta > 0 else (0.1, np.array([np.sqrt(-delta), 0.0]))
    t = np.array([0.0, 1e-4, 1.0, 10.0])
    tic = time.perf_counter()
    results = _flows(a0, w0, t)
    assert time.perf_counter() - tic < 20.0
    exact = exact_solution(a0, w0, np.array([1.0, 2.0]), t)
    scale = np.sqrt(abs(delta))
    for a, res in results:
        assert res.success and res.method == "Radau" and "stiff" in res.message
        # Radau at rtol = 1e-10: the global error stays within 100 rtol of the state scale √|δ|
        np.testing.assert_allclose(a, exact.a, rtol=0, atol=1e-8 * scale)


def test_non_stiff_flow_keeps_dop853():
    res = gradient_flow(np.eye(2), [0.0, 1.0], 1.0, [0.5, 0.0], [0.0, 1.0, 20.0])
    assert res.method == "DOP853" and "stiff" not in res.message


# --------------------------------------------------------------------------------------------
# wide linear network
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("eta_a,eta_w", RATES)
def test_wide_conserves_Delta(eta_a, eta_w):
    rng = np.random.default_rng(6)
    n, d, h, c = 7, 4, 3, 2
    X, Y = rng.standard_normal((n, d)), rng.standard_normal((n, c))
    A0, W0 = rng.standard_normal((c, h)), rng.standard_normal((h, d))
    res = gradient_flow_wide(X, Y, A0, W0, np.linspace(0, 10, 21), eta_a, eta_w, rtol=1e-12,
                             atol=1e-12)
    assert res.success
    scale = max(1.0, eta_w * np.sum(A0**2) + eta_a * np.sum(W0**2))
    # Δ entries are quadratic in the state: same argument as for δ (docs/lazy_rich.md#numerics-and-tolerances target 1e-11);
    # 1e-10 leaves room for the larger state (21 entries) and the cross terms.
    assert np.max(np.abs(res.delta - res.delta[0])) <= 1e-10 * scale
    np.testing.assert_allclose(res.beta, res.A @ res.W)
    # the flow does fit the data: loss decreases
    loss = 0.5 * np.sum((np.einsum("nd,tcd->tnc", X, res.beta) - Y) ** 2, axis=(1, 2))
    assert np.all(np.diff(loss) <= 1e-12) and loss[-1] < 0.9 * loss[0]


def test_wide_reduces_to_single_neuron():
    X, y, rng = _data(7)
    a0, w0 = init_from_beta(rng.standard_normal(3), -0.8, 1.5, 0.5)
    t = np.linspace(0, 5, 11)
    single = gradient_flow(X, y, a0, w0, t, 1.5, 0.5, rtol=1e-12, atol=1e-12, loss="mean")
    wide = gradient_flow_wide(X, y, [[a0]], w0[None, :], t, 1.5, 0.5, rtol=1e-12, atol=1e-12,
                              loss="mean")
    # Same ODE written twice; two tight integrations differ by their global errors (~1e-10).
    np.testing.assert_allclose(wide.A[:, 0, 0], single.a, rtol=0, atol=1e-9)
    np.testing.assert_allclose(wide.W[:, 0, :], single.w, rtol=0, atol=1e-9)
    np.testing.assert_allclose(wide.delta[:, 0, 0], single.delta, rtol=0, atol=1e-9)


# --------------------------------------------------------------------------------------------
# ReLU network
# --------------------------------------------------------------------------------------------

def _relu_problem(seed=2, n=8, m=4, d=2):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, d)), rng.standard_normal(n), rng.standard_normal(m),
            rng.standard_normal((m, d)))


@pytest.mark.slow
@pytest.mark.parametrize("seed,leak,eta_a,eta_w", [(7, 0.2, 1.0, 1.0), (0, 0.2, 1.7, 0.6),
                                                   (4, 0.0, 1.0, 1.0), (0, 0.0, 1.7, 0.6)])
def test_relu_delta_k_conserved(seed, leak, eta_a, eta_w):
    # These seeds cross several activation boundaries in T = 2 without sliding along one, so
    # the run completes (asserted: a run that stopped early would test nothing).
    X, y, a0, W0 = _relu_problem(seed)
    res = gradient_flow_relu(X, y, a0, W0, np.linspace(0, 2.0, 5), leak=leak, eta_a=eta_a,
                             eta_w=eta_w, rtol=1e-12, atol=1e-12)
    assert res.success, res.message
    Z0, Zt = X @ W0.T, X @ res.W[-1].T
    assert np.any(np.sign(Z0) != np.sign(Zt))          # activation patterns did change
    scale = max(1.0, np.max(eta_w * a0**2 + eta_a * np.sum(W0**2, axis=1)))
    # Target 1e-9 (docs/lazy_rich.md#numerics-and-tolerances), looser than smooth flows: the field jumps across activation boundaries, where the
    # solver's error control shrinks steps until the jump's contribution is below tolerance.
    assert np.max(np.abs(res.delta - res.delta[0])) <= 1e-9 * scale


def test_relu_leak_one_is_linear_wide_network():
    X, y, a0, W0 = _relu_problem(seed=3)
    t = np.linspace(0, 1, 5)
    relu = gradient_flow_relu(X, y, a0, W0, t, leak=1.0, rtol=1e-12, atol=1e-12)
    wide = gradient_flow_wide(X, y, a0[None, :], W0, t, rtol=1e-12, atol=1e-12, loss="mean")
    # σ(z) = z: the same smooth ODE, two tight integrations (global errors ~1e-10).
    np.testing.assert_allclose(relu.a, wide.A[:, 0, :], rtol=0, atol=1e-9)
    np.testing.assert_allclose(relu.W, wide.W, rtol=0, atol=1e-9)
    np.testing.assert_allclose(relu.delta, np.diagonal(wide.delta, axis1=1, axis2=2), atol=1e-9)


def test_relu_evaluation_budget_returns_partial_result():
    # Seed 1 with plain ReLU starts sliding along an activation boundary at t ≈ 0.0584 (the
    # solver stalls there for any budget): the budget stops the run instead of hanging.
    X, y, a0, W0 = _relu_problem(seed=1)
    t = np.array([0.0, 0.05, 0.5, 1.0])
    res = gradient_flow_relu(X, y, a0, W0, t, max_nfev=5_000)
    assert not res.success and not res.diverged and "max_nfev" in res.message
    assert np.isfinite(res.a[:2]).all() and np.isnan(res.a[2:]).all()


# --------------------------------------------------------------------------------------------
# measures
# --------------------------------------------------------------------------------------------

def test_ntk_gram_identity_X_closed_form():
    # docs/lazy_rich.md#lazy-and-rich-measures with X = I_d along a downstream trajectory (a changes a lot).
    d = 3
    beta_star = np.array([1.0, 0.5, -0.25])
    a0, w0 = init_from_beta(np.array([0.2, -0.3, 0.1]), -1.5)
    ex = exact_solution(a0, w0, beta_star, np.linspace(0, 10, 41))
    K0 = ntk_gram(np.eye(d), a0, w0)
    Kt = ntk_gram(np.eye(d), ex.a, ex.w)
    assert Kt.shape == (41, d, d)
    a, ww = ex.a, np.sum(ex.w**2, axis=1)
    inner = d * a0**2 * a**2 + a0**2 * ww + a**2 * (w0 @ w0) + (ex.w @ w0) ** 2
    normt2 = d * a**4 + 2 * a**2 * ww + ww**2
    # Two evaluations of the same polynomial: only roundoff (values are O(1..10)).
    np.testing.assert_allclose(np.einsum("ij,tij->t", K0, Kt), inner, rtol=1e-13)
    np.testing.assert_allclose(np.sum(Kt**2, axis=(1, 2)), normt2, rtol=1e-13)
    # and the distance agrees with the theory's closed form (1 − cos vs ½‖Â − B̂‖²: both
    # exact formulas, differing by cancellation roundoff ~1e-16)
    np.testing.assert_allclose(kernel_distance_from_grams(K0, Kt),
                               kernel_distance(a0, w0, ex.a, ex.w), rtol=0, atol=1e-13)


def test_ntk_gram_general_X_is_JJt_and_weighted_is_XMXt():
    rng = np.random.default_rng(8)
    X, a, w = rng.standard_normal((5, 3)), 0.7, rng.standard_normal(3)
    J = np.column_stack([X @ w, a * X])                          # ∂f/∂(a, w)
    np.testing.assert_allclose(ntk_gram(X, a, w), J @ J.T, rtol=1e-13)   # roundoff only
    eta_a, eta_w = 1.8, 0.4
    delta = eta_w * a**2 - eta_a * w @ w
    M = function_space_metric(a * w, delta, eta_a, eta_w)
    np.testing.assert_allclose(ntk_gram(X, a, w, weighted=True, eta_a=eta_a, eta_w=eta_w),
                               X @ M @ X.T, rtol=1e-12, atol=1e-13)  # M via √, roundoff
    np.testing.assert_array_equal(ntk_gram(X, a, w, weighted=True), ntk_gram(X, a, w))


def test_kernel_distance_zero_at_same_kernel_and_scale_invariant():
    rng = np.random.default_rng(9)
    X = rng.standard_normal((4, 3))
    K0 = ntk_gram(X, 0.8, rng.standard_normal(3))
    Kt = ntk_gram(X, -1.3, rng.standard_normal(3))
    assert kernel_distance_from_grams(K0, K0) == 0.0       # exact by construction
    S = kernel_distance_from_grams(K0, Kt)
    assert 0 < S <= 1
    for c0, ct in [(1e-3, 7.0), (250.0, 0.01), (3.0, 3.0)]:
        # normalisation by the Frobenius norm: only roundoff of the rescaling
        assert kernel_distance_from_grams(c0 * K0, ct * Kt) == pytest.approx(S, rel=1e-13)
    both = kernel_distance_from_grams(K0, np.stack([K0, Kt, np.zeros_like(K0)]))
    assert both[0] == 0.0 and both[1] == S and np.isnan(both[2])


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), c0=st.floats(1e-4, 1e4), ct=st.floats(1e-4, 1e4))
def test_kernel_distance_scale_invariance_property(seed, c0, ct):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((5, 2))
    K0 = ntk_gram(X, rng.standard_normal(), rng.standard_normal(2))
    Kt = ntk_gram(X, rng.standard_normal(), rng.standard_normal(2))
    S = kernel_distance_from_grams(K0, Kt)
    # S ∈ [0, 1] for PSD Grams; rescaling changes only roundoff (absolute, as S may be ~0): S is
    # a ratio of Frobenius products, each rescaled exactly up to a few ulps. Every seed of the
    # strategy (0..10 000) at the extreme scales c0, ct ∈ {1e-4, 1e4}: worst 0.003 of this bound.
    assert 0.0 <= S <= 1.0 + 1e-15
    assert kernel_distance_from_grams(c0 * K0, ct * Kt) == pytest.approx(S, rel=1e-12, abs=1e-15)


def test_relu_ntk_gram_matches_explicit_jacobian():
    rng = np.random.default_rng(10)
    n, m, d, leak = 6, 4, 3, 0.15
    X, a, W = rng.standard_normal((n, d)), rng.standard_normal(m), rng.standard_normal((m, d))
    J = np.zeros((n, m + m * d))
    for i in range(n):
        for k in range(m):
            z = W[k] @ X[i]
            J[i, k] = z if z > 0 else leak * z
            J[i, m + k * d:m + (k + 1) * d] = a[k] * (1.0 if z > 0 else leak) * X[i]
    # roundoff only
    np.testing.assert_allclose(relu_ntk_gram(X, a, W, leak), J @ J.T, rtol=1e-12, atol=1e-14)
    eta = np.concatenate([np.full(m, 1.9), np.full(m * d, 0.3)])
    np.testing.assert_allclose(relu_ntk_gram(X, a, W, leak, weighted=True, eta_a=1.9, eta_w=0.3),
                               (J * eta) @ J.T, rtol=1e-12, atol=1e-14)
    stacked = relu_ntk_gram(X, np.stack([a, 2 * a]), np.stack([W, W]), leak)
    np.testing.assert_allclose(stacked[0], J @ J.T, rtol=1e-12, atol=1e-14)


def test_hamming_distance_hand_example():
    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    W0 = np.array([[1.0, 0.0], [0.0, 1.0]])                # patterns [[1,0],[0,1],[1,1]]
    Wt = np.array([[-1.0, 0.0], [0.0, 1.0]])               # unit 0 flips on samples 0 and 2
    assert hamming_distance(X, W0, W0) == 0.0
    assert hamming_distance(X, W0, Wt) == pytest.approx(2 / 3)
    # −W0: the 4 active entries switch off (z = 0 counts as inactive), 4/3 of m = 2 maximum
    np.testing.assert_allclose(hamming_distance(X, W0, np.stack([W0, Wt, -W0])),
                               [0.0, 2 / 3, 4 / 3])


def test_parameter_distance_hand_example():
    a0, W0 = np.array([1.0, 2.0]), np.zeros((2, 2))
    assert parameter_distance(a0, W0, a0, [[3.0, 0.0], [0.0, 4.0]]) == 5.0
    at = np.stack([a0, a0 + [0.0, 12.0]])
    Wt = np.stack([W0, [[3.0, 0.0], [0.0, 4.0]]])
    np.testing.assert_allclose(parameter_distance(a0, W0, at, Wt), [0.0, 13.0])
    assert parameter_distance(1.0, [0.0, 0.0], 4.0, [4.0, 0.0]) == 5.0   # single neuron


# --------------------------------------------------------------------------------------------
# invalid input names the argument
# --------------------------------------------------------------------------------------------

X2, Y2 = np.eye(2), np.array([0.5, 0.5])


@pytest.mark.parametrize("kwargs,name", [
    (dict(a0=0.0, w0=[0.0, 0.0]), "a0"),
    (dict(a0=0.0, w0=[0.0, 0.0]), "w0"),
    (dict(w0=[1.0, 0.0, 0.0]), "w0"),
    (dict(a0=np.nan), "a0"),
    (dict(X=np.ones(2)), "X"),
    (dict(y=[1.0, 2.0, 3.0]), "y"),
    (dict(t_eval=[-1.0, 1.0]), "t_eval"),
    (dict(t_eval=[0.0, 2.0, 1.0]), "t_eval"),
    (dict(t_eval=[]), "t_eval"),
    (dict(eta_a=0.0), "eta_a"),
    (dict(eta_w=-1.0), "eta_w"),
    (dict(rtol=0.0), "rtol"),
    (dict(atol=-1e-12), "atol"),
    (dict(loss="median"), "loss"),
    (dict(max_norm=0.0), "max_norm"),
])
def test_gradient_flow_rejects_bad_input(kwargs, name):
    args = dict(X=X2, y=Y2, a0=1.0, w0=[1.0, 0.0], t_eval=[0.0, 1.0]) | kwargs
    with pytest.raises(ValueError, match=name):
        gradient_flow(**args)


@pytest.mark.parametrize("kwargs,name", [
    (dict(A0=np.zeros((1, 2)), W0=np.zeros((2, 2))), "A0"),
    (dict(A0=np.ones((2, 2))), "A0"),
    (dict(W0=np.ones((3, 2))), "W0"),
    (dict(Y=np.ones((3, 1))), "Y"),
    (dict(eta_w=0.0), "eta_w"),
])
def test_gradient_flow_wide_rejects_bad_input(kwargs, name):
    args = dict(X=X2, Y=Y2, A0=np.ones((1, 2)), W0=np.eye(2), t_eval=[0.0, 1.0]) | kwargs
    with pytest.raises(ValueError, match=name):
        gradient_flow_wide(**args)


@pytest.mark.parametrize("kwargs,name", [
    (dict(W0=np.ones((3, 2))), "W0"),
    (dict(a0=np.ones((2, 2))), "a0"),
    (dict(leak=1.5), "leak"),
    (dict(leak=-0.1), "leak"),
    (dict(max_nfev=0), "max_nfev"),
    (dict(loss="l1"), "loss"),
])
def test_gradient_flow_relu_rejects_bad_input(kwargs, name):
    args = dict(X=X2, y=Y2, a0=np.ones(2), W0=np.eye(2), t_eval=[0.0, 1.0]) | kwargs
    with pytest.raises(ValueError, match=name):
        gradient_flow_relu(**args)


@pytest.mark.parametrize("call,name", [
    (lambda: ntk_gram(X2, 1.0, [1.0, 2.0, 3.0]), "w"),
    (lambda: ntk_gram(X2, [1.0, 2.0], [1.0, 2.0]), "a"),
    (lambda: ntk_gram(X2, 1.0, [1.0, 2.0], weighted=True, eta_a=0.0), "eta_a"),
    (lambda: kernel_distance_from_grams(np.zeros((2, 2)), np.eye(2)), "K0"),
    (lambda: kernel_distance_from_grams(np.eye(2), np.eye(3)), "Kt"),
    (lambda: relu_ntk_gram(X2, np.ones(2), np.ones((3, 2))), "W"),
    (lambda: relu_ntk_gram(X2, np.ones(2), np.ones((2, 2)), leak=2.0), "leak"),
    (lambda: hamming_distance(X2, np.eye(2), np.ones((3, 2))), "Wt"),
    (lambda: hamming_distance(X2, np.ones((2, 3)), np.ones((2, 3))), "W0"),
    (lambda: parameter_distance([1.0, 2.0], np.eye(2), [1.0, 2.0, 3.0], np.eye(2)), "at"),
    (lambda: parameter_distance([1.0], np.eye(2), np.ones((4, 1)), np.eye(2)), "Wt"),
])
def test_measures_reject_bad_input(call, name):
    with pytest.raises(ValueError, match=name):
        call()
