"""Tests of exact mean-square stability (theory.sgd_stability._mean_square).

Mulayoff & Michaeli 2023 (arXiv 2306.07850), docs/sgd_stability.md#mean-square-threshold, case 6 of docs/sgd_stability.md#reference-cases; the MS ⇒ PS
ordering of docs/sgd_stability.md#four-notions-of-stability against the scalar machinery of _lyapunov.
"""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from theory.sgd_stability._lyapunov import lyapunov_exponent, moment_exponent, stable_learning_rates
from theory.sgd_stability._mean_square import (
    MeanSquareBounds,
    batch_factor,
    gd_threshold,
    mean_square_bounds,
    mean_square_threshold,
    second_moment_operator,
    spectral_radius_second_moment,
)

# Eigenvalues of d² × d² symmetric matrices with O(1) entries: backward error ~ d²·eps ≈ 1e-14
# for the sizes here; 1e-10 (the brief's target for ρ(Q(η*_var)) = 1) leaves a wide margin.
RHO_TOL = 1e-10
# Two algebraically identical forms of Q: entries differ by roundoff of O(η²‖H‖²) sums.
FORM_TOL = 1e-13

# docs/sgd_stability.md#reference-cases case 6: x₁ = (2, 0), x₂ = (0, 1), x₃ = (1, 1), H_i = x_i x_iᵀ
X6 = np.array([[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
H6 = np.einsum("ia,ib->iab", X6, X6)


def _random_psd(rng, n, d, rank=None):
    r = d if rank is None else rank
    A = rng.normal(size=(n, d, r))
    return np.einsum("iar,ibr->iab", A, A) / r


def _pinv_threshold(H, B):
    """Independent route: η*_var = 2/max Re eig(pinv(C) @ D), built with explicit loops/kron."""
    n, d, _ = H.shape
    p = 0.0 if n == 1 else (n - B) / (B * (n - 1))
    Hm = H.mean(axis=0)
    eye = np.eye(d)
    C = 0.5 * (np.kron(Hm, eye) + np.kron(eye, Hm))
    D = (1 - p) * np.kron(Hm, Hm) + p * sum(np.kron(h, h) for h in H) / n
    return 2.0 / np.max(np.linalg.eigvals(np.linalg.pinv(C) @ D).real)


def _exact_second_moment(H, B, lr, steps, sigma0):
    """E[Δ_t Δ_tᵀ] by enumerating every sequence of batches (without replacement within a batch)."""
    n, d, _ = H.shape
    batches = list(itertools.combinations(range(n), B))
    Ms = [np.eye(d) - lr * H[list(b)].mean(axis=0) for b in batches]
    out = np.zeros((d, d))
    for seq in itertools.product(range(len(Ms)), repeat=steps):
        P = np.eye(d)
        for k in seq:
            P = Ms[k] @ P
        out += P @ sigma0 @ P.T
    return out / len(Ms) ** steps


# ------------------------------------------------------------------------------------------------
# Thm 2: the second-moment operator
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("B", [1, 2, 4])
def test_two_forms_of_Q_agree(seed, B):
    rng = np.random.default_rng(seed)
    H = _random_psd(rng, 5, 3)
    H[0] -= 0.5 * np.eye(3)                     # forms agree for indefinite H_i too (saddles)
    lr = rng.uniform(0.05, 1.0)
    Qk = second_moment_operator(H, B, lr, form="kron")
    Qm = second_moment_operator(H, B, lr, form="mixture")
    assert np.max(np.abs(Qk - Qm)) <= FORM_TOL * max(1.0, np.max(np.abs(Qk)))
    assert np.array_equal(Qk, Qk.T)


@pytest.mark.parametrize("B", [1, 2, 3])
def test_Q_propagates_the_exact_second_moment(B):
    # Independent check of Thm 2 incl. the finite-population factor p: enumerate all batch
    # sequences of 3 steps (≤ 27) and compare E Δ₃Δ₃ᵀ with Q³ vec Σ₀ (roundoff only).
    sigma0 = np.array([[1.0, 0.3], [0.3, 0.5]])
    lr = 0.45
    Q = second_moment_operator(H6, B, lr)
    pred = (np.linalg.matrix_power(Q, 3) @ sigma0.reshape(-1)).reshape(2, 2)
    np.testing.assert_allclose(_exact_second_moment(H6, B, lr, 3, sigma0), pred, rtol=1e-12, atol=1e-14)


# ------------------------------------------------------------------------------------------------
# Thm 3: the threshold
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(5))
def test_threshold_is_where_rho_crosses_one(seed):
    rng = np.random.default_rng(seed)
    n, d = 6, 3
    H = _random_psd(rng, n, d, rank=1 + seed % 3)
    for B in range(1, n + 1):
        eta = mean_square_threshold(H, B)
        assert abs(spectral_radius_second_moment(H, B, eta) - 1.0) <= RHO_TOL
        assert spectral_radius_second_moment(H, B, 0.99 * eta) < 1.0 < spectral_radius_second_moment(H, B, 1.01 * eta)
        # independent construction (pinv + general eigvals): agreement to eigen-solver accuracy
        assert eta == pytest.approx(_pinv_threshold(H, B), rel=1e-9)
        # Lemma (Thm 6): ρ(Q) is attained by the top (not the most negative) eigenvalue
        Q = second_moment_operator(H, B, 1.01 * eta)
        w = np.linalg.eigvalsh(Q)
        assert w[-1] >= abs(w[0]) - 1e-12


@pytest.mark.parametrize("seed", range(5))
def test_threshold_monotone_in_batch_and_full_batch_is_gd(seed):
    rng = np.random.default_rng(100 + seed)
    n = 7
    H = _random_psd(rng, n, 2, rank=1)
    etas = [mean_square_threshold(H, B) for B in range(1, n + 1)]
    # Prop 1: non-decreasing in B (tolerance: relative eigen-solver error)
    assert all(b >= a * (1 - 1e-12) for a, b in zip(etas, etas[1:]))
    assert etas[-1] == pytest.approx(gd_threshold(H), rel=1e-12)       # p = 0: D = H⊗H
    assert etas[0] <= gd_threshold(H) * (1 + 1e-12)                     # MS ⇒ mean stability


@settings(deadline=None, max_examples=40)
@given(h=st.lists(st.floats(0.01, 10.0), min_size=2, max_size=8), data=st.data())
def test_one_dimensional_formula(h, data):
    h = np.array(h)
    n = h.size
    B = data.draw(st.integers(1, n))
    p = batch_factor(n, B)
    H = h.mean()
    expected = 2 * H / ((1 - p) * H**2 + p * np.mean(h**2))
    # both sides are a few roundings of positive terms (no cancellation): 7000 random draws with
    # h at the ends of its range peaked at 3 ulps (0.0065 of the 1e-13 bound)
    assert mean_square_threshold(h[:, None, None], B) == pytest.approx(expected, rel=1e-13)


@settings(deadline=None, max_examples=25)
@given(seed=st.integers(0, 2**16), scale=st.floats(0.1, 10.0), B=st.integers(1, 4))
def test_threshold_invariances(seed, scale, B):
    rng = np.random.default_rng(seed)
    H = _random_psd(rng, 4, 3)
    eta = mean_square_threshold(H, B)
    R, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    rotated = np.einsum("ab,ibc,dc->iad", R, H, R)
    rotated = 0.5 * (rotated + np.swapaxes(rotated, 1, 2))
    # rotation and sample permutation leave η*_var unchanged; H → cH maps it to η*_var/c. The
    # rotated Hessians differ by ~ε·‖H‖ and η*_var is an extreme eigenvalue problem on them
    # (well-conditioned for these random PSD H), hence 1e-10; permutation and scaling change only
    # the summation order and an exact factor, hence 1e-12. 700 random draws: worst 0.0022 of these.
    assert mean_square_threshold(rotated, B) == pytest.approx(eta, rel=1e-10)
    assert mean_square_threshold(H[rng.permutation(4)], B) == pytest.approx(eta, rel=1e-12)
    assert mean_square_threshold(scale * H, B) == pytest.approx(eta / scale, rel=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_prop3_bounds_are_upper_bounds(seed):
    rng = np.random.default_rng(seed)
    H = _random_psd(rng, 5, 3, rank=1)
    for B in (1, 2, 5):
        eta = mean_square_threshold(H, B)
        b = mean_square_bounds(H, B)
        assert isinstance(b, MeanSquareBounds)
        tol = 1 + 1e-12            # each is 2/Rayleigh quotient ≥ 2/λ_max: equality allowed
        assert b.top_direction * tol >= eta and b.trace * tol >= eta and b.optimized * tol >= eta
        assert b.optimized <= b.top_direction * tol            # the maximiser improves on v_max


def test_zero_hessians():
    H = np.zeros((3, 2, 2))
    assert mean_square_threshold(H, 1) == math.inf and gd_threshold(H) == math.inf


# ------------------------------------------------------------------------------------------------
# docs/sgd_stability.md#reference-cases case 6
# ------------------------------------------------------------------------------------------------

def test_case_6_thresholds():
    # GD: λ_max(H) = (7 + √13)/6 for H = [[5, 1], [1, 2]]/3
    gd = gd_threshold(H6)
    assert gd == pytest.approx(12 / (7 + math.sqrt(13)), rel=1e-14)
    etas = [mean_square_threshold(H6, B) for B in (1, 2, 3)]
    for B, eta in zip((1, 2, 3), etas):
        assert abs(spectral_radius_second_moment(H6, B, eta) - 1.0) <= RHO_TOL
        assert eta == pytest.approx(_pinv_threshold(H6, B), rel=1e-12)
    assert etas[0] < etas[1] < etas[2] and etas[2] == pytest.approx(gd, rel=1e-13)
    # regression values (computed by both routes above)
    np.testing.assert_allclose(etas, [0.576039492188993, 0.938164490399911, 1.13148290817867], rtol=1e-12)


def _benettin(H, lr, steps, seed):
    """Top Lyapunov exponent of Π(I − ηH_{i_t}), i_t uniform, by renormalised power iteration.

    Returns (estimate, SE from 40 block means, annihilated) — annihilated when the tracked vector
    becomes exactly 0 (a zero product: Λ = −∞)."""
    rng = np.random.default_rng(seed)
    M = np.eye(H.shape[1])[None] - lr * H
    v = np.array([0.6, 0.8])
    logs = np.empty(steps)
    for t, i in enumerate(rng.integers(0, len(M), steps)):
        v = M[i] @ v
        nv = math.hypot(v[0], v[1])
        if nv == 0.0:
            return -math.inf, 0.0, True
        logs[t] = math.log(nv)
        v /= nv
    blocks = logs[steps // 10:].reshape(40, -1).mean(axis=1)
    return blocks.mean(), blocks.std(ddof=1) / math.sqrt(40), False


@pytest.mark.slow
def test_case_6_probabilistic_set_has_two_components_at_B1():
    # Exact zero products: at η = ½, M₃ is the projection onto x₃⊥ and M₁ = diag(−1, 1) maps x₃⊥
    # onto span x₃, so M₃M₁M₃ = 0; at η = 1, M₂M₃M₂ = 0 likewise. Hence Λ = −∞ at η ∈ {½, 1}.
    M = lambda i, eta: np.eye(2) - eta * H6[i]  # noqa: E731
    assert np.array_equal(M(2, 0.5) @ M(0, 0.5) @ M(2, 0.5), np.zeros((2, 2)))
    assert np.array_equal(M(1, 1.0) @ M(2, 1.0) @ M(1, 1.0), np.zeros((2, 2)))
    # A product iteration (40-block batch means, ±4 SE, seeds 0–2) shows Λ < 0 at η = 0.3,
    # Λ > 0 at η = 0.86 (between the MS threshold 0.576 and the zero-product point 1), and
    # annihilation at η = 1: the stable set has at least two components, the second one beyond
    # η*_var(1) but below η*_mean.
    for seed in range(3):
        est, se, _ = _benettin(H6, 0.3, 40_000, seed)
        assert est + 4 * se < 0
        est, se, _ = _benettin(H6, 0.86, 40_000, seed)
        assert est - 4 * se > 0
        assert _benettin(H6, 1.0, 40_000, seed)[2]
    # The scalar (diagonal-Hessian) projections, labelled approximations (docs/sgd_stability.md#top-lyapunov-exponent), do not see
    # this: coordinate laws {4, 0, 1} and {0, 1, 1} give single intervals.
    assert len(stable_learning_rates(H6[:, 0, 0], "probabilistic")) == 1
    assert len(stable_learning_rates(H6[:, 1, 1], "probabilistic")) == 1
    # a projection where the scalar set does split: n ∝ (2, 1), h_i = (nᵀx_i)² = {3.2, 0.2, 1.8}
    n = np.array([2.0, 1.0]) / math.sqrt(5.0)
    assert len(stable_learning_rates((X6 @ n) ** 2, "probabilistic")) == 2


# ------------------------------------------------------------------------------------------------
# scalar consistency with _lyapunov; docs/sgd_stability.md#reference-cases cases 1–2 MS thresholds by a second route
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("h", [[1.0, 3.0], [1.0, 4.0], [2.0, 1.5, 0.8, 0.5]])
def test_scalar_mean_square_agrees_with_stable_learning_rates(h):
    h = np.array(h)
    eta = mean_square_threshold(h[:, None, None], 1)
    (lo, hi), = stable_learning_rates(h, "mean_square")
    assert lo == 0.0 and hi == pytest.approx(eta, rel=1e-14)
    assert gd_threshold(h[:, None, None]) == pytest.approx(stable_learning_rates(h, "gd")[0][1], rel=1e-14)
    # g(2) = log ρ(Q) in 1-D with B = 1
    for lr in (0.3, 0.9 * eta, 1.2 * eta):
        assert moment_exponent(2.0, lr, h) == pytest.approx(math.log(spectral_radius_second_moment(h[:, None, None], 1, lr)), abs=1e-14)
        # MS ⇒ PS (Λ ≤ g(2)/2)
        assert lyapunov_exponent(lr, h) <= moment_exponent(2.0, lr, h) / 2


# ------------------------------------------------------------------------------------------------
# negative tests
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("bad,match", [
    (np.array([[[1.0, 0.5], [0.0, 1.0]]]), "hessians must be symmetric"),
    (np.array([[[1.0, np.nan], [np.nan, 1.0]]]), "hessians must be finite"),
    (np.ones((2, 2)), "hessians must have ndim"),
    (np.ones((2, 2, 3)), "hessians must have shape"),
    (np.array([[[1.0, 0.0], [0.0, -1.0]]]), "hessians must be positive semidefinite"),
])
def test_invalid_hessians(bad, match):
    with pytest.raises(ValueError, match=match):
        mean_square_threshold(bad, 1)


def test_symmetry_tolerance_is_relative():
    H = H6.copy()
    H[0, 0, 1] += 1e-14                       # 2.5e-15 relative to max |H_i| = 4: accepted
    assert mean_square_threshold(H, 1) == pytest.approx(mean_square_threshold(H6, 1), rel=1e-12)
    H[0, 0, 1] += 1e-9
    with pytest.raises(ValueError, match="hessians must be symmetric"):
        mean_square_threshold(H, 1)


@pytest.mark.parametrize("B", [0, 4, -1, 1.5, True, "2"])
def test_invalid_batch_size(B):
    with pytest.raises(ValueError, match="batch_size"):
        mean_square_threshold(H6, B)
    with pytest.raises(ValueError, match="batch_size"):
        second_moment_operator(H6, B, 0.1)


def test_other_invalid_arguments():
    with pytest.raises(ValueError, match="lr"):
        second_moment_operator(H6, 1, 0.0)
    with pytest.raises(ValueError, match="lr"):
        spectral_radius_second_moment(H6, 1, -1.0)
    with pytest.raises(ValueError, match="form"):
        second_moment_operator(H6, 1, 0.1, form="ma_ying")
    with pytest.raises(ValueError, match="n must be"):
        batch_factor(0, 1)
    assert batch_factor(1, 1) == 0.0 and batch_factor(3, 1) == 1.0 and batch_factor(3, 3) == 0.0
