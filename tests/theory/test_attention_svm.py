"""theory.attention_svm: the certified SVMs, invariances, infeasibility, loss and gradient, paths.

Tolerances: certified solutions carry relative duality gaps <= 1e-6 (Frobenius fast method ~1e-15,
nuclear SDP ~1e-10); a strongly convex program moves its solution by at most sqrt(2·gap), so
Frobenius comparisons use 1e-7 relative; nuclear solutions are compared through their objective
values (which the certificate bounds), not entrywise.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

import theory.attention_svm as A
from theory._maxmargin import NotSeparableError


def _rot(d, seed):
    q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((d, d)))
    return q


@pytest.mark.parametrize("seed", range(3))
def test_frobenius_and_nuclear_are_certified_and_ordered(seed):
    data = A.random_instance(5, 6, 8, seed=seed)
    Wf, cf = A.max_margin(data.X, data.z, data.optimal, "fro", return_certificate=True)
    Wn, cn = A.max_margin(data.X, data.z, data.optimal, "nuc", return_certificate=True)
    assert cf.passed and cn.passed
    assert cf.min_margin >= 1 - 1e-6 and cn.min_margin >= 1 - 1e-6
    # each is optimal for its own norm, up to its certified gap
    assert np.linalg.norm(Wn, "nuc") <= np.linalg.norm(Wf, "nuc") * (1 + 1e-6)
    assert np.linalg.norm(Wf) <= np.linalg.norm(Wn) * (1 + 1e-6)
    # the nuclear lower bound really is below the objective and within the gap
    assert cn.lower_bound <= cn.objective * (1 + 1e-12)
    assert (cn.objective - cn.lower_bound) / cn.objective <= 1e-6


@pytest.mark.parametrize("seed", range(3))
def test_scaling_and_rotation(seed):
    data = A.random_instance(4, 5, 6, seed=seed)
    sel = data.optimal
    W = A.max_margin(data.X, data.z, sel)
    # X -> aX, z -> bz: the constraints scale by ab, so W -> W/(ab)
    W2 = A.max_margin(3.0 * data.X, 0.5 * data.z, sel)
    assert np.allclose(W2, W / 1.5, rtol=1e-7, atol=1e-7 * np.abs(W).max())
    # x -> R^T x, z -> R^T z (R orthogonal): x'^T W' z' = x^T (R W' R^T) z, so W' = R^T W R
    R = _rot(6, seed)
    W3 = A.max_margin(data.X @ R, data.z @ R, sel)
    assert np.allclose(W3, R.T @ W @ R, rtol=1e-7, atol=1e-7 * np.abs(W).max())
    Wn = A.max_margin(data.X, data.z, sel, "nuc")
    Wn3 = A.max_margin(data.X @ R, data.z @ R, sel, "nuc")
    # the nuclear norm is rotation invariant: compare the certified optimal values
    assert abs(np.linalg.norm(Wn3, "nuc") - np.linalg.norm(Wn, "nuc")) <= 1e-6 * np.linalg.norm(Wn, "nuc")


@pytest.mark.parametrize("norm", ["fro", "nuc"])
def test_duplicate_selected_token_is_not_separable(norm):
    data = A.random_instance(3, 4, 5, seed=0)
    X = data.X.copy()
    X[1, 2] = X[1, 0]
    with pytest.raises(NotSeparableError, match="not separable"):
        A.max_margin(X, data.z, np.array([0, 0, 0]), norm)


def test_local_optimality():
    # one sequence on a line: x_t = t e_1 (t = 0..3), z = e_1, scores = -t (token 0 best).
    # selecting token 3 is separable (it is an extreme point), its only support token is 2, which
    # scores higher: not locally optimal; selecting token 0 is.
    X = np.zeros((1, 4, 2))
    X[0, :, 0] = np.arange(4.0)
    z = np.array([[1.0, 0.0]])
    scores = -np.arange(4.0)[None, :]
    assert A.is_locally_optimal(X, z, [0], scores)
    assert not A.is_locally_optimal(X, z, [3], scores)
    assert not A.is_locally_optimal(X, z, [1], scores)        # interior token: not separable


def test_gradient_matches_finite_differences():
    data = A.random_instance(3, 4, 3, seed=1)
    W = 0.3 * np.random.default_rng(0).standard_normal((3, 3))
    G = A.gradient(W, data.X, data.z, data.y, data.v)
    h = 1e-6
    for p in range(3):
        for e in range(3):
            E = np.zeros((3, 3))
            E[p, e] = h
            fd = (A.loss(W + E, data.X, data.z, data.y, data.v) - A.loss(W - E, data.X, data.z, data.y, data.v)) / (2 * h)
            # central difference: O(h^2) truncation plus eps·L/h rounding, ~1e-10 here
            assert abs(fd - G[p, e]) <= 1e-8


def _mp_gradient(W, X, z, y, v):
    mpmath.mp.dps = 400          # enough for the e^{-margin ||W||} terms next to O(1) ones
    n, T, d = X.shape
    G = [[mpmath.mpf(0)] * d for _ in range(d)]
    for i in range(n):
        a = [mpmath.fsum(mpmath.mpf(float(X[i, t, p])) * mpmath.mpf(float(W[p, e])) * mpmath.mpf(float(z[i, e]))
                         for p in range(d) for e in range(d)) for t in range(T)]
        m = max(a)
        ex = [mpmath.exp(x - m) for x in a]
        Z = mpmath.fsum(ex)
        s = [x / Z for x in ex]
        g = [mpmath.mpf(float(y[i])) * mpmath.fsum(mpmath.mpf(float(v[p])) * mpmath.mpf(float(X[i, t, p]))
                                                    for p in range(d)) for t in range(T)]
        sg = mpmath.fsum(si * gi for si, gi in zip(s, g))
        c = -1 / (1 + mpmath.exp(sg)) / n
        for t in range(T):
            j = c * s[t] * (g[t] - sg)
            for p in range(d):
                for e in range(d):
                    G[p][e] += j * mpmath.mpf(float(X[i, t, p])) * mpmath.mpf(float(z[i, e]))
    return np.array([[float(x) for x in row] for row in G])


def test_gradient_is_accurate_after_saturation():
    # at 60 x the SVM the off-optimal attention is <= e^{-60}: the naive Jacobian factor would be
    # rounding noise; the cancellation-free one matches 400-digit arithmetic entrywise to 64 ulps of
    # the largest entry (each entry sums n·T = 12 terms of a few roundings each, and the logits
    # carry ~|a|·eps = 60 eps absolute error that e^{a} turns into a 60 eps relative one)
    data = A.random_instance(3, 4, 3, seed=2)
    Wf = A.max_margin(data.X, data.z, data.optimal)
    W = 60.0 * Wf                                  # every margin >= 60
    G = A.gradient(W, data.X, data.z, data.y, data.v)
    ref = _mp_gradient(W, data.X, data.z, data.y, data.v)
    assert np.max(np.abs(ref)) < 1e-20 and np.max(np.abs(ref)) > 0       # saturated, but not underflowed
    scale = np.max(np.abs(ref))
    assert np.max(np.abs(G - ref)) <= 64 * 60 * np.finfo(float).eps * scale


def test_excess_loss_is_the_loss_minus_its_limit():
    data = A.random_instance(3, 4, 3, seed=3)
    W = 0.2 * np.eye(3)
    ref = data.optimal
    limit = np.mean(np.logaddexp(0.0, -data.scores[np.arange(3), ref]))
    e = A.excess_loss(W, data.X, data.z, data.y, data.v, ref)
    assert abs(e - (A.loss(W, data.X, data.z, data.y, data.v) - limit)) <= 1e-14
    Wf = A.max_margin(data.X, data.z, ref)
    Wbig = 100.0 * Wf
    assert A.loss(Wbig, data.X, data.z, data.y, data.v) - limit == pytest.approx(0.0, abs=1e-15)
    assert A.excess_loss(Wbig, data.X, data.z, data.y, data.v, ref) > 0      # still resolved


def test_balanced_factors_and_projection():
    W = np.random.default_rng(4).standard_normal((5, 5))
    K, Q = A.balanced_factors(W)
    assert np.allclose(K @ Q.T, W, atol=1e-13)
    assert 0.5 * (np.sum(K * K) + np.sum(Q * Q)) == pytest.approx(np.linalg.norm(W, "nuc"), rel=1e-13)
    P = A.project_ball(W, 2.0, "nuc")
    assert np.linalg.norm(P, "nuc") <= 2.0 * (1 + 1e-12)
    assert np.allclose(A.project_ball(P, 2.0, "nuc"), P, atol=1e-12)
    F = A.project_ball(W, 2.0, "fro")
    assert np.linalg.norm(F) == pytest.approx(2.0, rel=1e-14)


def test_prompt_svm_margins():
    data = A.random_instance(3, 4, 6, seed=5)
    W = np.random.default_rng(1).standard_normal((6, 6))
    p, cert = A.prompt_max_margin(data.X, W, data.optimal, return_certificate=True)
    assert cert.passed
    s = data.X @ (W @ p)                                            # x_it^T W p
    m = s[np.arange(3), data.optimal][:, None] - s
    m[np.arange(3), data.optimal] = np.inf
    assert np.min(m) == pytest.approx(1.0, abs=1e-6)               # certified: margin 1 - 1e-6 at worst


def test_solve_times_at_figure_sizes():
    # the issue's budget: each SVM solve at the figures' sizes under a second on 2 cores
    import time

    data = A.random_instance(6, 8, 10, seed=0)
    for norm in ("fro", "nuc"):
        t0 = time.perf_counter()
        A.max_margin(data.X, data.z, data.optimal, norm)
        assert time.perf_counter() - t0 < 1.0
