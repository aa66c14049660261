"""The shared "softmax minus target" primitive (theory/softmax.py) against 50-digit mpmath.

Reference values are computed from the *same float64 inputs* with 50 significant digits left
after the cancellation the naive formula suffers (the working precision is raised by the
decades of saturation, span/ln 10), so the comparison measures the primitive's own rounding,
not the conditioning of the inputs' rounding.
Tolerances: an entry e^{x} computed from a float argument x that carries absolute error
~ulp·|x| has relative error <= (c + |x|)·eps; the arguments here are shifted logits, |x| <= 2·span
of the logits; c = 16 covers the handful of roundings in logsumexp, the subtraction and expm1.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from theory.softmax import log_softmax, off_target_mass, softmax_centered, softmax_centered_row, softmax_minus_target

mpmath.mp.dps = 50
EPS = np.finfo(float).eps
SUBNORMAL = 5e-324


def _dps(row):
    """50 digits plus the decades lost to 1 - S_r ~ e^{-span} in the reference itself."""
    return 50 + int(float(np.ptp(row)) / np.log(10.0)) + 5


def _ref_error(g):
    """The reference's own rounding (working precision, times the scores' size): the bound for a
    true value of 0 (equal scores), which the reference itself only reaches to ~10^-dps."""
    return mpmath.mpf(10) ** (5 - mpmath.mp.dps) * (1 + float(np.max(np.abs(g))))


def _mp_softmax(row):
    mpmath.mp.dps = _dps(row)
    xs = [mpmath.mpf(float(x)) for x in row]
    m = max(xs)
    es = [mpmath.exp(x - m) for x in xs]
    Z = mpmath.fsum(es)
    return [e / Z for e in es]


def _mp_minus_target(row, p):
    s = _mp_softmax(row)
    return [si - mpmath.mpf(float(pi)) for si, pi in zip(s, p)]


def _rel_err(got, ref):
    return abs(mpmath.mpf(float(got)) - ref) / abs(ref)


def _span_tol(row):
    return (16.0 + 2.0 * float(np.ptp(row)) + 2.0 * float(np.max(np.abs(row)))) * EPS


@pytest.mark.parametrize("scale", [1.0, 30.0, 300.0, 600.0])
def test_one_hot_every_entry_relative_to_itself(scale):
    # saturated rows: the target token leads by `scale`, so 1 - S_r ~ e^{-scale} (1e-261 at 600),
    # far below the 1e-16 that the naive S_r - 1 can resolve; every entry must still be exact
    rng = np.random.default_rng(int(scale))
    for _ in range(20):
        row = rng.standard_normal(6)
        r = int(rng.integers(6))
        row[r] += scale
        out = softmax_minus_target(row[None, :], np.array([r]))[0]
        ref = _mp_minus_target(row, np.eye(6)[r])
        tol = _span_tol(row)
        for got, want in zip(out, ref):
            assert _rel_err(got, want) <= tol


def test_naive_form_loses_the_signal():
    # the reason for the primitive: at a lead of 60 the naive S_r - 1 is exactly 0
    row = np.array([60.0, 0.0, 0.5])
    s = np.exp(log_softmax(row))
    assert s[0] - 1.0 == 0.0
    out = softmax_minus_target(row, np.array(0))
    ref = _mp_minus_target(row, [1.0, 0.0, 0.0])
    assert out[0] < 0 and _rel_err(out[0], ref[0]) <= _span_tol(row)


def test_general_target_support_and_off_support():
    # target distributions with support of size 2..3 out of 6: off-support entries are relative
    # to themselves; on the support the error is bounded by ulps of |S_in - p| + S_in·m_off + p
    rng = np.random.default_rng(1)
    for trial in range(40):
        K = 6
        sup = rng.choice(K, int(rng.integers(2, 4)), replace=False)
        p = np.zeros(K)
        p[sup] = rng.dirichlet(np.ones(len(sup)))
        row = rng.standard_normal(K)
        lead = [0.0, 5.0, 40.0, 200.0][trial % 4]
        row[sup] = np.log(p[sup]) + lead          # near the entropy bound, with off mass ~ e^{-lead}
        out = softmax_minus_target(row, p)
        ref = _mp_minus_target(row, p)
        tol = _span_tol(row)
        for k in range(K):
            if p[k] == 0:
                assert _rel_err(out[k], ref[k]) <= tol
            else:
                bound = tol * (abs(float(ref[k])) + p[k])
                assert abs(mpmath.mpf(float(out[k])) - ref[k]) <= bound


def test_off_target_mass_matches_mpmath():
    row = np.array([250.0, 1.0, -2.0, 3.0])
    ref = mpmath.fsum(_mp_softmax(row)[1:])
    assert _rel_err(off_target_mass(row, np.array(0)), ref) <= _span_tol(row)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-50, 50), min_size=2, max_size=6),
       st.lists(st.floats(-3, 3), min_size=6, max_size=6),
       st.floats(0, 500))
def test_softmax_centered_against_mpmath(base, gamma, lead):
    # S_t (g_t - S^T g) entrywise against 50 digits: relative to |S_t|·(|g_t - S^T g| + the
    # cancellation-free scale sum_u S_u |g_u - g_r|) (the condition number of the expression)
    row = np.array(base, dtype=float)
    row[0] += lead
    g = np.array(gamma[:len(row)], dtype=float)
    out = softmax_centered(row, g)
    s = _mp_softmax(row)
    gm = [mpmath.mpf(float(x)) for x in g]
    sg = mpmath.fsum(si * gi for si, gi in zip(s, gm))
    r = int(np.argmax(row))
    scale = mpmath.fsum(si * abs(gi - gm[r]) for si, gi in zip(s, gm))
    tol = _span_tol(row) + 8 * EPS
    for t in range(len(row)):
        ref = s[t] * (gm[t] - sg)
        # plus two subnormal spacings (2^-1074): results below 2.2e-308 have that absolute resolution
        bound = (tol * s[t] * (abs(gm[t] - sg) + scale + 2 * abs(gm[t] - gm[r])) + 2 * SUBNORMAL
                 + _ref_error(g))
        assert abs(mpmath.mpf(float(out[t])) - ref) <= bound


def test_centered_keeps_signal_where_naive_loses_it():
    # dominant token leading by 50: S_r(g_r - S^T g) ~ 1e-22; the naive form gives 0 or noise
    row = np.array([50.0, 0.0, 1.0])
    g = np.array([1.0, -1.0, 0.5])
    out = softmax_centered(row, g)
    s = _mp_softmax(row)
    ref = s[0] * (mpmath.mpf(1.0) - mpmath.fsum(si * mpmath.mpf(float(gi)) for si, gi in zip(s, g)))
    assert ref > 0 and _rel_err(out[0], ref) <= _span_tol(row) * 4
    s_np = np.exp(log_softmax(row))
    naive = s_np[0] * (g[0] - s_np @ g)
    assert abs(naive - float(ref)) > 1e3 * abs(float(ref)) * _span_tol(row) or naive == 0.0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-50, 50), min_size=2, max_size=6),
       st.lists(st.floats(-3, 3), min_size=6, max_size=6),
       st.floats(0, 500))
def test_row_form_against_mpmath(base, gamma, lead):
    # the scalar-loop form the kernels compile: same bound as the vectorised form
    row = np.array(base, dtype=float)
    row[0] += lead
    g = np.array(gamma[:len(row)], dtype=float)
    s_out, J = np.empty(len(row)), np.empty(len(row))
    softmax_centered_row(row, g, s_out, J)
    s = _mp_softmax(row)
    gm = [mpmath.mpf(float(x)) for x in g]
    sg = mpmath.fsum(si * gi for si, gi in zip(s, gm))
    r = int(np.argmax(row))
    scale = mpmath.fsum(si * abs(gi - gm[r]) for si, gi in zip(s, gm))
    tol = _span_tol(row) + 8 * EPS
    for t in range(len(row)):
        ref = s[t] * (gm[t] - sg)
        bound = (tol * s[t] * (abs(gm[t] - sg) + scale + 2 * abs(gm[t] - gm[r])) + 2 * SUBNORMAL
                 + _ref_error(g))
        assert abs(mpmath.mpf(float(J[t])) - ref) <= bound
