"""theory.ntp_geometry: the logit SVMs, the centred-support proxy, the certified UFM logits and the geometry
metrics (Zhao et al. 2024; docs/ntp_geometry.md)."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from theory.ntp import CertificateError, centered_log_probabilities, centered_support
from theory.ntp_geometry import (
    GAP_TOL,
    RANK_RTOL,
    balanced_factors,
    decompose_logits,
    duplicated_support_instance,
    gram_geometry,
    identical_support_pairs,
    logit_max_margin,
    numerical_rank,
    project_F_logits,
    ufm_logits,
    ufm_lower_bound,
    ufm_objective,
)

# Certified nuclear solutions: margins >= 1 - 1e-6 and relative gap <= 1e-6 (the certificate's tolerances).
CERT_TOL = 1e-6


def _nuc(M):
    return float(np.linalg.svd(M, compute_uv=False).sum())


def _check_feasible(L, S, tol):
    for j in range(S.shape[1]):
        on, off = L[S[:, j], j], L[~S[:, j], j]
        assert on.max() - on.min() <= tol
        if off.size:
            assert on.min() - off.max() >= 1 - tol


def _dirichlet_P(S, seed):
    rng = np.random.default_rng(seed)
    P = np.zeros(S.shape)
    for j in range(S.shape[1]):
        P[S[:, j], j] = rng.dirichlet(np.ones(int(S[:, j].sum())))
    return P


# ---------------------------------------------------------------------------------------------- logit SVMs

def test_rank_counterexample_regression():
    # duplicated supports: rank(L^mm) = 3 < rank(S̃) = 4 (docs/ntp_geometry.md#the-centred-support-proxy)
    S = duplicated_support_instance()
    assert S.shape == (6, 8) and len(identical_support_pairs(S)) == 4
    L, cert = logit_max_margin(S, return_certificate=True)
    St = centered_support(S)
    assert cert.passed and cert.duality_gap <= CERT_TOL
    assert numerical_rank(St) == 4
    assert numerical_rank(L) == 3
    s = np.linalg.svd(L, compute_uv=False)
    # the rank is decided with decades to spare on both sides of RANK_RTOL
    assert s[2] / s[0] > 100 * RANK_RTOL and s[3] / s[0] < RANK_RTOL / 100
    assert _nuc(L) < _nuc(St)
    assert np.sum(L * St) / (np.linalg.norm(L) * np.linalg.norm(St)) > 0.9
    _check_feasible(L, S, CERT_TOL)


def _supports(draw_v=(2, 6), draw_m=(1, 5)):
    @st.composite
    def strategy(draw):
        V = draw(st.integers(*draw_v))
        m = draw(st.integers(*draw_m))
        bits = draw(st.lists(st.booleans(), min_size=V * m, max_size=V * m))
        S = np.array(bits, bool).reshape(V, m)
        S[0, ~S.any(axis=0)] = True           # every column non-empty
        return S
    return strategy()


@settings(max_examples=25, deadline=None)
@given(_supports())
def test_nuclear_svm_is_below_the_centred_support(S):
    # S̃ is feasible (margins exactly 1), so the certified optimum cannot exceed it: ‖L^mm‖_* <= ‖S̃‖_*
    assume(not S.all())
    L, cert = logit_max_margin(S, return_certificate=True)
    St = centered_support(S)
    assert cert.passed
    _check_feasible(St, S, 1e-12)
    _check_feasible(L, S, CERT_TOL)
    assert _nuc(L) <= _nuc(St) * (1 + CERT_TOL)
    # centred columns, as documented
    assert np.abs(L.sum(axis=0)).max() <= 1e-9 * max(1.0, np.abs(L).max())


@settings(max_examples=15, deadline=None)
@given(_supports())
def test_frobenius_logit_svm_is_the_centred_support(S):
    assume(not S.all())
    V = S.shape[0]
    L = logit_max_margin(S, norm="fro")
    St = centered_support(S)
    # the engine's exact active-set polish: 1e-9 relative (EXACT tolerance of the NTP claims)
    assert np.linalg.norm(L - St) <= 1e-9 * np.linalg.norm(St)
    sizes = S.sum(axis=0)
    assert np.sum(St * St) == pytest.approx(np.sum(sizes * (V - sizes)) / V, rel=1e-12)


def test_identical_supports_give_identical_columns():
    S = duplicated_support_instance()
    L = logit_max_margin(S)
    for j, k in identical_support_pairs(S):
        # symmetric central path: the columns agree to rounding (observed ~1e-12)
        assert np.linalg.norm(L[:, j] - L[:, k]) <= 1e-8 * np.linalg.norm(L)


def test_logit_svm_inputs_are_validated():
    with pytest.raises(ValueError, match="every support is the whole vocabulary"):
        logit_max_margin(np.ones((3, 2), bool))
    with pytest.raises(ValueError, match="column 1 is empty"):
        logit_max_margin(np.array([[1, 0], [0, 0]], bool))
    with pytest.raises(ValueError, match="norm must be one of"):
        logit_max_margin(np.eye(3, dtype=bool), norm="l1")
    with pytest.raises(ValueError, match="support must be boolean"):
        logit_max_margin(np.array([[0.5, 1.0], [1.0, 0.0]]))
    with pytest.raises(ValueError, match="rtol"):
        numerical_rank(np.eye(2), rtol=0.0)
    assert numerical_rank(np.zeros((2, 3))) == 0


# ---------------------------------------------------------------------------------------------- the UFM

def test_ufm_logits_are_certified_and_centred():
    S = duplicated_support_instance()
    P = _dirichlet_P(S, 0)
    pi = np.full(8, 1 / 8)
    for lam in (1e-1, 1e-3):
        sol = ufm_logits(P, pi, lam)
        assert sol.gap <= GAP_TOL and sol.lower_bound <= sol.objective
        assert np.abs(sol.L.sum(axis=0)).max() <= 1e-9 * np.abs(sol.L).max()
        assert ufm_objective(sol.L, P, pi, lam) == pytest.approx(sol.objective, abs=1e-12)
        # the optimality condition behind the certificate: ‖(P − softmax L) diag π‖_2 = λ at the optimum
        Q = np.exp(sol.L - sol.L.max(axis=0))
        Q /= Q.sum(axis=0)
        assert np.linalg.norm((P - Q) * pi, 2) == pytest.approx(lam, rel=1e-3)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000), st.floats(1e-3, 1.0))
def test_weak_duality_bound_is_below_every_objective(seed, lam):
    # ufm_lower_bound(L) <= CE(L') + λ‖L'‖_* for every pair of logits (weak duality holds without any optimality)
    rng = np.random.default_rng(seed)
    S = duplicated_support_instance()
    P = _dirichlet_P(S, seed)
    pi = rng.dirichlet(np.ones(8))
    L1, L2 = 3 * rng.standard_normal((2, 6, 8))
    assert ufm_lower_bound(L1, P, pi, lam) <= ufm_objective(L2, P, pi, lam) + 1e-12


def test_balanced_factors_attain_the_nuclear_norm():
    rng = np.random.default_rng(1)
    L = rng.standard_normal((5, 3)) @ rng.standard_normal((3, 7))       # rank 3
    W, H, wg, cg = balanced_factors(L, d=4, return_grams=True)
    assert np.allclose(W @ H, L, atol=1e-12)
    assert 0.5 * (np.sum(W * W) + np.sum(H * H)) == pytest.approx(_nuc(L), rel=1e-12)
    assert np.allclose(wg, W @ W.T) and np.allclose(cg, H.T @ H)
    with pytest.raises(ValueError, match="at least rank"):
        balanced_factors(L, d=2)


# ---------------------------------------------------------------------------------------------- geometry

def test_decomposition_sees_only_the_f_perp_part():
    S = duplicated_support_instance()
    P = _dirichlet_P(S, 3)
    L_mm = logit_max_margin(S)
    L_in = centered_log_probabilities(P)
    # L^in ∈ F_L ⟂ F_L^⊥ ∋ L^mm, so L^in + 7 L^mm decomposes exactly
    d = decompose_logits(L_in + 7.0 * L_mm, P, L_mm)
    assert d.c == pytest.approx(7.0, rel=1e-9)
    assert d.in_support_error <= 1e-9 * np.linalg.norm(L_in)
    assert np.allclose(project_F_logits(L_in, S), L_in, atol=1e-12)
    assert np.allclose(project_F_logits(L_mm, S), 0.0, atol=1e-9)
    g = gram_geometry(L_mm, L_mm, S)
    assert g.word_gram_corr == pytest.approx(1.0, abs=1e-12) and g.context_gram_corr == pytest.approx(1.0, abs=1e-12)
    assert np.allclose(g.collapse_cos, 1.0, atol=1e-8)
    with pytest.raises(ValueError, match="L_mm must be nonzero"):
        decompose_logits(L_in, P, np.zeros_like(L_in))


def test_ufm_rejects_bad_inputs():
    P = np.array([[0.5, 0.0], [0.5, 1.0]])
    with pytest.raises(ValueError, match="lam"):
        ufm_logits(P, [0.5, 0.5], -1.0)
    with pytest.raises(ValueError, match="pi must sum to 1"):
        ufm_logits(P, [0.5, 0.6], 0.1)
    with pytest.raises(ValueError, match="P: every column must sum to 1"):
        ufm_logits(np.array([[0.5, 0.0], [0.4, 1.0]]), [0.5, 0.5], 0.1)


def test_certificate_error_is_the_ntp_one():
    # one exception type across the max-margin family
    from theory.ntp_geometry import NuclearCertificate

    assert issubclass(CertificateError, RuntimeError)
    assert "duality_gap" in NuclearCertificate.__dataclass_fields__
