"""Tests of the NTP loss, entropy bound and gradient (theory.ntp._loss; docs/ntp.md#the-model-and-the-entropy-bound).

Hard cases are compared with a 50-digit mpmath evaluation of the same float64 inputs; the
tolerance is a first-order rounding model of the computation (written out in `_excess_bound`),
not a loosened number. Easy cases are compared with the naive formulas and finite differences.
"""

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from theory.ntp import entropy, excess_loss, gradient, loss, random_instance, step_size_bound, toy_instance

EPS = np.finfo(float).eps


def _mp_reference(W, H, P, pi):
    """Excess loss, S - P, δ and t in 50 digits from the float64 inputs (P, pi renormalised in mp)."""
    with mpmath.workdps(50):
        V, d = W.shape
        m = H.shape[1]
        Wm = [[mpmath.mpf(float(W[v, k])) for k in range(d)] for v in range(V)]
        Hm = [[mpmath.mpf(float(H[k, j])) for j in range(m)] for k in range(d)]
        pis = [mpmath.mpf(float(x)) for x in pi]
        pit = mpmath.fsum(pis)
        excess = mpmath.mpf(0)
        D = np.zeros((V, m))
        delta = np.zeros((V, m))
        weights = np.zeros((V, m))          # p_z e^{t_z} / Σ p e^t: the weights of Λ's error
        s_out = np.zeros(m)
        for j in range(m):
            ell = [mpmath.fsum(Wm[v][k] * Hm[k][j] for k in range(d)) for v in range(V)]
            col = [mpmath.mpf(float(P[v, j])) for v in range(V)]
            tot = mpmath.fsum(col)
            p = [c / tot for c in col]
            lse = mpmath.log(mpmath.fsum(mpmath.exp(x) for x in ell))
            s = [mpmath.exp(x - lse) for x in ell]
            kl = mpmath.fsum(p[v] * (mpmath.log(p[v]) - ell[v] + lse) for v in range(V) if p[v] > 0)
            excess += pis[j] / pit * kl
            inside = [v for v in range(V) if p[v] > 0]
            zin = mpmath.fsum(s[v] for v in inside)
            s_out[j] = float(1 - zin)
            for v in range(V):
                D[v, j] = float(s[v] - p[v])
                if p[v] > 0:
                    delta[v, j] = float(mpmath.log(p[v]) - mpmath.log(s[v]))
                    weights[v, j] = float(s[v] / zin)      # = p_z e^{t_z} / Σ p e^t
        return float(excess), D, delta, weights, s_out


def _excess_bound(W, H, P, pi, delta, weights, s_out, excess):
    """First-order rounding bound on the computed excess loss.

    Each t_z = (ℓ_z − ℓ_a) − log(p_z/p_a) carries an absolute error
    e_z ≤ ε(|ℓ_z − ℓ_a| + |log(p_z/p_a)| + 3) + γ_d(|W||H|)_z + γ_d(|W||H|)_a (matmul, subtraction,
    division, log, renormalisation of P); Λ = log Σ p e^t inherits the weighted mean ē of the e_z;
    δ_z = Λ − t_z + log1p(r) then errs by e_z + ē + ε|δ_z| + ε|log r|·r. The excess
    Σ π p φ(δ) + s_out changes by Σ π p |1 − e^{−δ}| |Δδ| (φ' = 1 − e^{−δ}) plus ε(|log r| + 1) s_out
    and a few roundings of the sums (ε·excess). Constant 8: at most eight roundings per term.
    """
    d, m = H.shape
    L = W @ H
    absL = np.abs(W) @ np.abs(H)
    S = P > 0
    cols = np.arange(m)
    a = np.argmax(np.where(S, P, -1), axis=0)
    with np.errstate(divide="ignore"):
        ratio = np.log(np.where(S, P / P[a, cols], 1.0))
    e = EPS * (np.abs(L - L[a, cols]) + np.abs(ratio) + 3) + d * EPS * (absL + absL[a, cols])
    e = np.where(S, e, 0.0)
    ebar = (weights * e).sum(axis=0)
    logr = np.log(np.maximum(s_out, 1e-300))
    ddelta = e + ebar + EPS * np.abs(delta) + EPS * np.abs(logr) * s_out
    first = np.where(S, P * np.abs(-np.expm1(-delta)) * ddelta, 0.0).sum(axis=0)
    per = first + EPS * (np.abs(logr) + 1) * s_out
    return 8 * (float(per @ pi) + EPS * excess * P.shape[0])


def _hard_instance():
    """logits ±1e3, one probability 1e-300, excess ≈ 1e-14 (H = I so the logits are W exactly)."""
    rng = np.random.default_rng(7)
    V, m = 6, 3
    P = np.zeros((V, m))
    P[[0, 1, 2], 0] = [0.7, 0.3, 1e-300]
    P[3, 1] = 1.0
    P[[0, 1, 2, 3, 4], 2] = [0.1, 0.2, 0.3, 0.15, 0.25]
    W = np.full((V, m), -1000.0)
    for j, C in ((0, 1000.0), (1, 1000.0), (2, -1000.0)):
        z = P[:, j] > 0
        W[z, j] = C + np.log(P[z, j]) + 1e-7 * rng.standard_normal(z.sum())
    W[5, 2] = -1000.0 - 34.0            # off-support mass e^-34 ≈ 1.7e-15 in context 2
    return W, np.eye(m), P, np.array([0.5, 0.2, 0.3])


def test_excess_loss_hard_case_matches_50_digits():
    W, H, P, pi = _hard_instance()
    ref, _, delta, weights, s_out = _mp_reference(W, H, P, pi)
    assert 1e-16 < ref < 1e-12            # the regime the test is about
    got = excess_loss(W, H, P, pi)
    bound = _excess_bound(W, H, P, pi, delta, weights, s_out, ref)
    assert abs(got - ref) <= bound, (got, ref, bound)
    assert bound < 1e-3 * ref             # the bound itself certifies three digits at least
    # the naive difference of the two O(1e3) sums loses every digit here: the test discriminates
    L = W @ H
    lse = L.max(0) + np.log(np.exp(L - L.max(0)).sum(0))
    naive = float(pi @ (lse - (P * L).sum(0))) - entropy(P, pi)
    assert abs(naive - ref) > 10 * bound


def test_loss_hard_case_is_entropy_plus_excess():
    W, H, P, pi = _hard_instance()
    ref, *_ = _mp_reference(W, H, P, pi)
    H_ent = entropy(P, pi)
    # loss = 𝓗 + excess: both non-negative, so one rounding of the sum (relative eps)
    assert abs(loss(W, H, P, pi) - (H_ent + ref)) <= 4 * EPS * (H_ent + ref)


def test_gradient_hard_case_matches_50_digits():
    W, H, P, pi = _hard_instance()
    ref, D, delta, weights, s_out = _mp_reference(W, H, P, pi)
    G = gradient(W, H, P, pi)
    G_ref = (D * pi) @ H.T
    # entry error: in support p e^{-δ} |Δδ| with Δδ as in _excess_bound; off support s_v·ε(|ℓ_v| + |log Z|);
    # H = I makes the product exact. Constant 8 as there.
    m = H.shape[1]
    L = W @ H
    S = P > 0
    cols = np.arange(m)
    a = np.argmax(np.where(S, P, -1), axis=0)
    with np.errstate(divide="ignore"):
        ratio = np.log(np.where(S, P / P[a, cols], 1.0))
    e = np.where(S, EPS * (np.abs(L - L[a, cols]) + np.abs(ratio) + 3), 0.0)
    ddelta = e + (weights * e).sum(0) + EPS * np.abs(delta)
    logz = np.log(np.exp(L - L.max(0)).sum(0)) + L.max(0)
    err = np.where(S, P * np.exp(-delta) * ddelta, (D + P) * EPS * (np.abs(L) + np.abs(logz))) + EPS * np.abs(D)
    tol = 8 * (err * pi) @ np.abs(H).T
    assert np.all(np.abs(G - G_ref) <= tol), np.max(np.abs(G - G_ref) / tol)
    # the 1e-300 token's entry is resolved (not flushed to 0 and not swamped)
    assert G_ref[2, 0] != 0 and abs(G[2, 0] - G_ref[2, 0]) <= 1e-5 * abs(G_ref[2, 0])


def test_excess_loss_across_off_support_mass_matches_50_digits():
    # in-support logits log p (as rounded), one off-support token with log-ratio log_r from -460
    # (r = 1e-200: KL ≈ r, plus the ~1e-33 in-support mismatch of the rounded logs) to +5
    P = np.array([[0.25], [0.75], [0.0]])
    for log_r in (-460.0, -40.0, -5.0, 0.0, 5.0):
        W = np.array([[np.log(0.25)], [np.log(0.75)], [log_r]])
        H, pi = np.ones((1, 1)), np.array([1.0])
        ref, _, delta, weights, s_out = _mp_reference(W, H, P, pi)
        got = excess_loss(W, H, P, pi)
        assert abs(got - ref) <= _excess_bound(W, H, P, pi, delta, weights, s_out, ref), (log_r, got, ref)
        if log_r >= -40:      # above the ε²-level floor (~1e-32) of the rounded in-support logs
            assert abs(got - ref) <= 1e-12 * ref


def _naive(W, H, P, pi):
    L = W @ H
    top = L.max(0)
    lse = top + np.log(np.exp(L - top).sum(0))
    S = np.exp(L - lse)
    return float(pi @ (lse - (P * L).sum(0))), (S - P) * pi @ H.T


@pytest.mark.parametrize("seed", range(5))
def test_loss_and_gradient_match_naive_formulas_on_easy_data(seed):
    data = random_instance(7, 5, 4, 3, seed=seed)
    W = np.random.default_rng(seed).standard_normal((7, 4))
    naive_loss, naive_grad = _naive(W, data.H, data.P, data.pi)
    # O(1) logits: the naive forms are accurate to a few eps times the O(1) magnitudes
    assert loss(W, data.H, data.P, data.pi) == pytest.approx(naive_loss, rel=1e-13)
    assert np.allclose(gradient(W, data.H, data.P, data.pi), naive_grad, rtol=0, atol=1e-14)
    assert excess_loss(W, data.H, data.P, data.pi) == pytest.approx(naive_loss - entropy(data.P, data.pi), rel=1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_gradient_matches_central_differences(seed):
    data = random_instance(5, 4, 3, 2, seed=seed)
    W = np.random.default_rng(10 + seed).standard_normal((5, 3))
    G = gradient(W, data.H, data.P, data.pi)
    h = 1e-5
    for v in range(5):
        for k in range(3):
            E = np.zeros_like(W)
            E[v, k] = h
            fd = (loss(W + E, data.H, data.P, data.pi) - loss(W - E, data.H, data.P, data.pi)) / (2 * h)
            # central difference: h²/6·|third derivative| (≤ ~|H|³ ≈ 30) + eps·CE/h rounding
            assert abs(fd - G[v, k]) <= 30 * h**2 + 10 * EPS * 10 / h


@settings(deadline=None, max_examples=30)
@given(seed=st.integers(0, 10**6), scale=st.floats(1e-3, 1e3))
def test_gradient_columns_sum_to_zero_and_loss_exceeds_entropy(seed, scale):
    # some support is smaller than V (support_size 3 < V = 6), so CE > 𝓗 at every finite W
    data = random_instance(6, 4, 3, 3, seed=seed)
    W = scale * np.random.default_rng(seed).standard_normal((6, 3))
    G = gradient(W, data.H, data.P, data.pi)
    # 1ᵀ(S − P) = 0 exactly. Each entry of the computed S − P errs by ≤ 8ε(p + s)(1 + |ℓ − ℓ_a| +
    # |log(p/p_a)|) (δ's rounding, as in _excess_bound); the product with ΠHᵀ adds mε and the
    # column sum Vε relative to the absolute values.
    L = W @ data.H
    s = np.exp(L - L.max(0))
    s /= s.sum(0)
    a = np.argmax(data.P, axis=0)
    cols = np.arange(4)
    with np.errstate(divide="ignore"):
        lr = np.where(data.support, np.abs(np.log(np.where(data.support, data.P / data.P[a, cols], 1.0))), 0.0)
    dD = 8 * EPS * (data.P + s) * (1 + np.abs(L - L[a, cols]) + lr)
    absprod = (np.abs(s - data.P) * data.pi) @ np.abs(data.H).T
    bound = (dD.sum(0) * data.pi) @ np.abs(data.H).T + 4 * EPS * absprod.sum(0) + 6 * EPS * np.abs(G).sum(0)
    assert np.all(np.abs(G.sum(axis=0)) <= bound)
    ex = excess_loss(W, data.H, data.P, data.pi)
    assert ex > 0
    assert loss(W, data.H, data.P, data.pi) >= entropy(data.P, data.pi)


def test_full_support_softmax_match_gives_zero_excess():
    # every support is the whole vocabulary and W h_j = log p_j: CE = 𝓗 exactly (the degenerate case)
    P = np.array([[0.2, 0.5], [0.3, 0.25], [0.5, 0.25]])
    W = np.log(P)
    assert excess_loss(W, np.eye(2), P, [0.4, 0.6]) <= 4 * EPS
    assert np.abs(gradient(W, np.eye(2), P, [0.4, 0.6])).max() <= 4 * EPS


def test_entropy_values():
    P = np.array([[0.5, 1.0], [0.5, 0.0]])
    assert entropy(P, [0.25, 0.75]) == pytest.approx(0.25 * np.log(2), rel=1e-15)
    assert entropy(np.eye(3), np.full(3, 1 / 3)) == 0.0


def test_step_size_bound():
    H = np.array([[1.0, 0.0], [0.0, 3.0]])
    assert step_size_bound(H, [0.5, 0.5]) == pytest.approx(1 / 4.5, rel=1e-14)
    assert step_size_bound(np.zeros((2, 2)), [0.5, 0.5]) == float("inf")


def test_toy_excess_at_zero_is_log_v_minus_entropy():
    data = toy_instance()
    # W = 0: softmax uniform, CE = log V
    assert loss(np.zeros((5, 2)), data.H, data.P, data.pi) == pytest.approx(np.log(5), rel=1e-14)


@pytest.mark.parametrize("call", [
    lambda: loss(np.zeros((4, 2)), np.ones((2, 3)), np.full((5, 3), 0.2), np.full(3, 1 / 3)),
    lambda: gradient(np.zeros((5, 2)), np.ones((2, 3)), np.full((5, 3), 0.2), np.full(2, 0.5)),
    lambda: excess_loss(np.full((5, 2), np.nan), np.ones((2, 3)), np.full((5, 3), 0.2), np.full(3, 1 / 3)),
    lambda: entropy(np.full((5, 3), 0.3), np.full(3, 1 / 3)),
    lambda: step_size_bound(np.ones((2, 3)), [0.5, 0.6, -0.1]),
])
def test_bad_input_names_the_argument(call):
    with pytest.raises(ValueError, match=r"\b(W|P|pi)\b"):
        call()


def test_huge_equal_rows_give_uniform_softmax():
    # every row of W the same: all logits of a context equal (even at 1e300), softmax uniform,
    # CE = log V; the logits are taken relative to the anchor's, so no offset swamps them
    data = toy_instance()
    for big in (1.0, 1e200, 1e300):
        W = np.full((5, 2), big)
        assert loss(W, data.H, data.P, data.pi) == pytest.approx(np.log(5), rel=1e-14)


@settings(deadline=None, max_examples=30)
@given(seed=st.integers(0, 10**6), data=st.data())
def test_loss_and_gradient_equivariant_under_permutations(seed, data):
    inst = random_instance(6, 5, 3, 2, seed=seed)
    W = 3 * np.random.default_rng(seed).standard_normal((6, 3))
    perm_ctx = np.array(data.draw(st.permutations(range(5))))
    perm_tok = np.array(data.draw(st.permutations(range(6))))
    base_l = loss(W, inst.H, inst.P, inst.pi)
    base_g = gradient(W, inst.H, inst.P, inst.pi)
    # contexts reordered: the same sum in another order (m roundings, relative)
    assert loss(W, inst.H[:, perm_ctx], inst.P[:, perm_ctx], inst.pi[perm_ctx]) == pytest.approx(base_l, rel=1e-14)
    # tokens relabelled: rows of W and P permuted together, rows of ∇ permute; entries agree to a
    # few eps of the O(1) products (the anchor may be chosen differently on ties: same math)
    g = gradient(W[perm_tok], inst.H, inst.P[perm_tok], inst.pi)
    assert np.allclose(g, base_g[perm_tok], rtol=0, atol=1e-14)


@settings(deadline=None, max_examples=30)
@given(seed=st.integers(0, 10**6), shift=st.floats(-50, 50))
def test_loss_invariant_under_row_shift(seed, shift):
    # W + 1 bᵀ adds bᵀh_j to every logit of context j: softmax, CE and ∇ unchanged.
    # Rounding: W + b and the logits are rounded at |ℓ| + |bᵀh|: ≤ 4ε per product, ≤ 10 products/sums
    inst = random_instance(5, 4, 3, 3, seed=seed)
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((5, 3))
    b = shift * rng.standard_normal(3)
    scale = 4 * EPS * (1 + np.abs(b).sum() * np.abs(inst.H).max()) * 10
    assert abs(loss(W + b, inst.H, inst.P, inst.pi) - loss(W, inst.H, inst.P, inst.pi)) <= scale
    assert np.allclose(gradient(W + b, inst.H, inst.P, inst.pi), gradient(W, inst.H, inst.P, inst.pi),
                       rtol=0, atol=scale)
