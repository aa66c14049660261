"""Tests of F, W⋆ and the projections (theory.ntp._subspace; docs/ntp.md#the-finite-component)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from theory.ntp import (
    centered_log_probabilities,
    centered_support,
    compatibility_residual,
    finite_solution,
    gradient,
    is_compatible,
    is_degenerate,
    project_D,
    project_F,
    project_F_perp,
    random_instance,
    toy_instance,
)

EPS = np.finfo(float).eps


def _two_token(log_odds, scale=2.0, V=3):
    """h̄_2 = scale·h̄_1 (d = 1), both supports {0, 1}, log(p_0/p_1) = log_odds[j]."""
    H = np.array([[1.0, scale]])
    P = np.zeros((V, 2))
    for j, r in enumerate(log_odds):
        P[0, j] = 1 / (1 + np.exp(-r))
        P[1, j] = 1 - P[0, j]
    return H, P


def _check_eq4(W, H, P, atol):
    """(e_z − e_z')ᵀ W h̄_j = log(p_z/p_z') for every pair in every support (Eq. (4))."""
    L = W @ H
    for j in range(H.shape[1]):
        s = np.flatnonzero(P[:, j] > 0)
        for z in s:
            for y in s:
                assert abs((L[z, j] - L[y, j]) - np.log(P[z, j] / P[y, j])) <= atol


@settings(deadline=None, max_examples=25)
@given(seed=st.integers(0, 2**32), m=st.integers(1, 5), extra=st.integers(0, 3), V=st.integers(2, 7), data=st.data())
def test_orthonormal_closed_form(seed, m, extra, V, data):
    # H̄ᵀH̄ = I (d >= m): W⋆ = L^in H̄ᵀ (centred log-probabilities), both methods
    size = data.draw(st.integers(1, V))
    inst = random_instance(V, m, m + extra, size, seed=seed, embeddings="orthonormal")
    closed = centered_log_probabilities(inst.P) @ inst.H.T
    scale = 1 + np.abs(closed).max()
    for method in ("lstsq", "gram"):
        W = finite_solution(inst.H, inst.P, method=method)
        # orthonormal A-rows up to the √2-type norms of u: cond(A) <= √V, so a few ε·V relative
        assert np.allclose(W, closed, rtol=0, atol=64 * V * EPS * scale)


@settings(deadline=None, max_examples=60)
@given(seed=st.integers(0, 2**32), m=st.integers(1, 8), d=st.integers(1, 8), V=st.integers(2, 7), data=st.data())
def test_lstsq_and_gram_agree_and_invariances(seed, m, d, V, data):
    size = data.draw(st.integers(1, V))
    inst = random_instance(V, m, d, size, seed=seed)
    W1 = finite_solution(inst.H, inst.P, method="lstsq", require_compatible=False)
    W2 = finite_solution(inst.H, inst.P, method="gram", require_compatible=False)
    # SVD least squares errs by O(ε·κ), the refined Gram form by O(ε·κ·(1 + ε·κ²)), κ = cond(A) on
    # its range, relative to the solution (the log-odds b are O(1) for Dirichlet(1) draws, κ‖b‖
    # bounds ‖W⋆‖·κ); constant 64 for the few products per entry
    kappa = _cond_A(inst.H, inst.support)
    scale = 64 * EPS * V * d * (1 + kappa) * (1 + EPS * kappa**2) * (1 + kappa * np.abs(W1).max())
    assert np.allclose(W1, W2, rtol=0, atol=scale)
    # 1ᵀW⋆ = 0 (every direction e_z − e_a has zero sum)
    assert np.allclose(W1.sum(axis=0), 0, atol=scale)
    # W⋆ ∈ F: P_F W⋆ = W⋆
    assert np.allclose(project_F(W1, inst.H, inst.support), W1, atol=scale)


@settings(deadline=None, max_examples=25)
@given(seed=st.integers(0, 2**32), alpha=st.floats(1e-3, 1e3))
def test_finite_solution_scales_inversely(seed, alpha):
    # W⋆(αH̄) = W⋆(H̄)/α: the log-odds system is linear in W h̄_j
    inst = random_instance(6, 4, 5, 3, seed=seed)
    W = finite_solution(inst.H, inst.P)
    Wa = finite_solution(alpha * inst.H, inst.P)
    # d >= m Gaussian: A well conditioned for most draws; relative 1e-9 covers cond(A) up to 1e6
    assert np.allclose(alpha * Wa, W, rtol=0, atol=1e-9 * np.abs(W).max())


def test_finite_solution_solves_eq4_and_ignores_pi():
    # overparameterised (d >= m, rank m): compatible, and W⋆ solves Eq. (4) for every pair; the
    # system has no π̂ in it, so the same W⋆ serves any frequencies
    inst = random_instance(8, 6, 9, 4, seed=3, n=100)
    W = finite_solution(inst.H, inst.P)
    _check_eq4(W, inst.H, inst.P, atol=1e-10)
    toy = toy_instance()
    Wt = finite_solution(toy.H, toy.P)        # d = 2 < m = 3 but K = 6 <= (V − 1)·d = 8: compatible
    _check_eq4(Wt, toy.H, toy.P, atol=1e-12)


def test_negative_example_not_compatible():
    # h̄_2 = 2h̄_1, supports {0, 1}: Eq. (4) needs log-odds(2) = 2·log-odds(1) = 1.0, but it is 0.3.
    # Rows a, 2a and b = (−0.5, −0.3): residual |2b_1 − b_2|/√5 / ‖b‖ = 0.7/√5/√0.34
    H, P = _two_token([0.5, 0.3])
    want = 0.7 / np.sqrt(5) / np.sqrt(0.34)
    for method in ("lstsq", "gram"):
        assert compatibility_residual(H, P, method=method) == pytest.approx(want, rel=1e-12)
    ok, res = is_compatible(H, P, return_residual=True)
    assert not ok and res == pytest.approx(want, rel=1e-12)
    with pytest.raises(ValueError, match=r"not NTP-compatible.*residual 0.537"):
        finite_solution(H, P)
    W = finite_solution(H, P, require_compatible=False)
    # least squares: (W_0 − W_1)·h̄_1 = x minimises (x − 0.5)² + (2x − 0.3)² → x = 1.1/5
    assert (W[0, 0] - W[1, 0]) == pytest.approx(0.22, rel=1e-12)
    # with log-odds 0.5 and 1.0 the system is consistent
    H2, P2 = _two_token([0.5, 1.0])
    assert is_compatible(H2, P2) and compatibility_residual(H2, P2) <= 1e-15


def test_uniform_and_single_token_supports():
    # b = 0 (uniform on supports): residual 0 and W⋆ = 0
    P = np.array([[0.5, 0.0], [0.5, 1.0], [0.0, 0.0]])
    assert compatibility_residual(np.eye(2), P) == 0.0
    assert np.all(finite_solution(np.eye(2), P) == 0)
    # one-hot supports: F = {0}, W⋆ = 0, P_F = 0 (Remark 1)
    P1 = np.eye(3)[:, :2]
    X = np.arange(6.0).reshape(3, 2)
    assert np.all(finite_solution(np.eye(2), P1) == 0)
    assert np.all(project_F(X, np.eye(2), P1 > 0) == 0)
    assert np.array_equal(project_F_perp(X, np.eye(2), P1 > 0), X)


@settings(deadline=None, max_examples=60)
@given(seed=st.integers(0, 2**32), m=st.integers(1, 6), d=st.integers(1, 6), V=st.integers(2, 6), data=st.data())
def test_projection_properties(seed, m, d, V, data):
    size = data.draw(st.integers(1, V))
    inst = random_instance(V, m, d, size, seed=seed)
    rng = np.random.default_rng(seed)
    X, Y = rng.standard_normal((2, V, d))
    # projection errors: SVD O(ε·V·d); Gram (refined once) O(ε·κ·(1 + ε·κ²)) with κ = cond(A) on
    # its range; constant 64 for the few products each entry goes through; inputs are O(1)
    kappa = _cond_A(inst.H, inst.support)
    tol = 64 * EPS * V * d * (1 + kappa) * (1 + EPS * kappa**2) * (1 + np.abs(X).max() + np.abs(Y).max())
    for method in ("lstsq", "gram"):
        PX = project_F(X, inst.H, inst.support, method=method)
        PY = project_F(Y, inst.H, inst.support, method=method)
        assert np.allclose(project_F(PX, inst.H, inst.support, method=method), PX, atol=tol)     # idempotent
        assert abs(np.sum(PX * Y) - np.sum(X * PY)) <= tol                                       # self-adjoint
        assert np.allclose(project_D(PX, inst.H), PX, atol=tol)                                  # F ⊂ D
        assert abs(np.sum(project_F_perp(X, inst.H, inst.support, method=method) * PY)) <= tol   # F ⟂ F^⊥
    PD = project_D(X, inst.H)
    assert np.allclose(project_D(PD, inst.H), PD, atol=tol)
    assert np.allclose(PD.sum(axis=0), 0, atol=tol)
    G = gradient(X, inst.H, inst.P, inst.pi)                # every GD update lies in D
    assert np.allclose(project_D(G, inst.H), G, atol=tol)


def _cond_A(H, S):
    from theory.ntp._subspace import _Directions  # the matrix A itself, only for the bound

    dirs = _Directions(H, S)
    if dirs.K == 0:
        return 1.0
    s = np.linalg.svd(dirs.matrix(), compute_uv=False)
    s = s[s > max(dirs.K, s.size) * EPS * s[0]]
    return float(s[0] / s[-1])


def _dim_F(H, S):
    V, d = S.shape[0], H.shape[0]
    basis = np.eye(V * d).reshape(V * d, V, d)
    return sum(np.sum(project_F(E, H, S) * E) for E in basis)


def test_dim_F_generic():
    # dim F = Σ (S_j − 1) for generic embeddings when that is <= (V − 1)·rank H̄ = dim D
    inst = random_instance(6, 4, 3, 3, seed=5)
    assert _dim_F(inst.H, inst.support) == pytest.approx(4 * 2, abs=1e-9)
    # identical embeddings and identical supports: the directions repeat, dim F = S − 1
    same = random_instance(6, 4, 3, np.array([6, 6, 6, 6]), seed=5, embeddings="identical")
    assert _dim_F(same.H, same.support) == pytest.approx(5, abs=1e-9)


def test_centered_support_and_degenerate():
    S = np.array([[1, 1], [1, 0], [0, 0], [0, 1]], dtype=bool)
    St = centered_support(S)
    # column j: (V − S_j)/V on S_j, −S_j/V off
    assert np.allclose(St[:, 0], [0.5, 0.5, -0.5, -0.5])
    assert np.allclose(St.sum(axis=0), 0)
    assert not is_degenerate(S) and is_degenerate(np.ones((3, 2), bool))


def test_centered_log_probabilities():
    P = np.array([[0.5, 0.0], [0.25, 1.0], [0.25, 0.0]])
    L = centered_log_probabilities(P)
    mean = (np.log(0.5) + 2 * np.log(0.25)) / 3
    assert np.allclose(L[:, 0], np.log([0.5, 0.25, 0.25]) - mean, atol=1e-15)
    assert np.all(L[:, 1] == 0)


@pytest.mark.parametrize("call, pattern", [
    (lambda: finite_solution(np.ones((2, 3)), np.full((4, 2), 0.25)), r"^P must have m = 3"),
    (lambda: finite_solution(np.ones((2, 2)), np.full((4, 2), 0.25), method="svd"), r"^method must be one of"),
    (lambda: project_F(np.ones((3, 2)), np.ones((2, 2)), np.ones((4, 2), bool)), r"^W must have shape \(V, d\)"),
    (lambda: project_F(np.ones((4, 2)), np.ones((2, 2)), np.ones((4, 3), bool)), r"^support must have m = 2"),
    (lambda: project_D(np.ones((4, 3)), np.ones((2, 2))), r"^W must have d = 2"),
    (lambda: is_compatible(np.ones((2, 2)), np.full((4, 2), 0.25), tol=-1), r"^tol must be > 0"),
    (lambda: centered_support(np.zeros((3, 2), bool)), r"^support must have a non-empty column"),
    (lambda: finite_solution(np.ones((1, 2)), np.full((4, 2), 0.25), require_compatible=1),
     r"^require_compatible must be True or False"),
])
def test_bad_input(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()
