"""theory.supcon_ufm: validation, the loss and its gradients, the certified Gram relaxation, closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import theory.supcon_ufm as T
from theory.supcon_ufm import CertificateError
from theory.supcon_ufm._sdp import GRAM_TOLERANCES

EPS = np.finfo(float).eps


def _features(d, n, seed):
    H = np.random.default_rng(seed).standard_normal((d, n))
    return H / np.linalg.norm(H, axis=0)


# ------------------------------------------------------------------------------------------ validation

@pytest.mark.parametrize("labels, words", [
    ([0, 0, 1], "class"),                       # a class with one sample
    ([0, 0, 0], "at least 2 classes"),
    ([0.5, 0.5, 1, 1], "integers"),
    ([[0, 0], [1, 1]], "ndim"),
])
def test_labels_rejected_by_name(labels, words):
    with pytest.raises(ValueError, match="labels") as exc:
        T.as_labels(labels)
    assert words in str(exc.value)


def test_labels_relabelled_and_weights():
    lab = T.as_labels([7, 3, 7, 3, 3])
    assert lab.labels.tolist() == [1, 0, 1, 0, 0] and lab.counts.tolist() == [3, 2]
    # rows of the positive weights sum to 1 (uniform over P(i)); zero diagonal
    assert np.allclose(lab.positive_weight.sum(axis=1), 1.0, rtol=0, atol=4 * EPS)
    assert np.all(np.diag(lab.positive_weight) == 0)


@pytest.mark.parametrize("tau", [0.0, -1.0, 1e-4, 1e7, np.nan])
def test_tau_rejected(tau):
    with pytest.raises(ValueError, match="tau"):
        T.as_temperature(tau)


def test_features_must_be_unit_norm():
    H = 2 * _features(3, 4, 0)
    with pytest.raises(ValueError, match="H must have unit-norm columns"):
        T.sc_loss(H, [0, 0, 1, 1], 1.0)


def test_step_labels():
    assert T.step_labels(3, 1, 8, 4).tolist() == [0] * 8 + [1] * 2 + [2] * 2
    with pytest.raises(ValueError, match="ratio must divide n_major"):
        T.step_labels(3, 1, 8, 3)
    with pytest.raises(ValueError, match="n_major / ratio must be >= 2"):
        T.step_labels(3, 1, 8, 8)
    with pytest.raises(ValueError, match="n_major_classes"):
        T.step_labels(3, 3, 8, 2)


# ------------------------------------------------------------------------------------------ loss and gradients

def test_loss_by_hand():
    # n = 4, two classes of two; each anchor: one positive at G = c, two negatives at G = s
    c, s, tau = 0.3, -0.2, 0.7
    G = np.array([[1, c, s, s], [c, 1, s, s], [s, s, 1, c], [s, s, c, 1]])
    by_hand = 4 * (np.log(np.exp(c / tau) + 2 * np.exp(s / tau)) - c / tau)
    # a handful of float64 operations on O(1) numbers: 20 eps relative
    assert T.gram_loss(G, [0, 0, 1, 1], tau) == pytest.approx(by_hand, rel=20 * EPS)


@settings(deadline=None, max_examples=25)
@given(seed=st.integers(0, 10**6), tau=st.floats(0.05, 5.0), d=st.integers(1, 5))
def test_lower_bound_holds_everywhere(seed, tau, d):
    # Jensen: L(G) >= sum_i log|P(i)| for every G and tau (rounding: eps x n/tau-sized terms)
    y = np.repeat(np.arange(3), [2, 3, 4])
    H = _features(d, y.size, seed)
    slack = 50 * EPS * y.size * (1 + 1 / tau)
    assert T.sc_loss(H, y, tau) >= T.loss_lower_bound(y) - slack


@settings(deadline=None, max_examples=20)
@given(seed=st.integers(0, 10**6), tau=st.floats(0.2, 3.0))
def test_gram_gradient_is_the_derivative(seed, tau):
    # directional derivative along a symmetric E by central differences (h = 1e-5: truncation h^2 |L'''|
    # ~1e-10, rounding eps |L| / h ~ 1e-10; tolerance 1e-7 relative to |<grad, E>| + 1e-9)
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(3), [2, 2, 3])
    G = _features(4, y.size, seed)
    G = G.T @ G
    E = rng.standard_normal(G.shape)
    E = E + E.T
    h = 1e-5
    fd = (T.gram_loss(G + h * E, y, tau) - T.gram_loss(G - h * E, y, tau)) / (2 * h)
    an = float(np.sum(T.gram_gradient(G, y, tau) * E))
    assert abs(fd - an) <= 1e-7 * abs(an) + 1e-9


def test_rows_of_M_sum_to_zero_and_riemannian_projection():
    y = np.repeat(np.arange(2), 3)
    H = _features(3, 6, 1)
    M = T.gram_gradient(H.T @ H, y, 0.5, symmetric=False)
    assert np.max(np.abs(M.sum(axis=1))) <= 20 * EPS / 0.5            # softmax rows sum to 1, weights to 1
    r = T.sc_gradient(H, y, 0.5, riemannian=True)
    assert np.max(np.abs(np.sum(r * H, axis=0))) <= 20 * EPS * np.abs(T.sc_gradient(H, y, 0.5)).max()


# ------------------------------------------------------------------------------------------ the relaxation

@pytest.mark.parametrize("counts, tau", [((3, 3), 1.0), ((4, 2, 2), 0.5), ((2, 2, 2, 2), 2.0)])
def test_optimal_gram_is_feasible_and_certified(counts, tau):
    y = np.repeat(np.arange(len(counts)), counts)
    G, cert = T.optimal_gram(y, tau, return_certificate=True)
    assert cert.passed and cert.status in ("optimal", "optimal_inaccurate")
    assert np.array_equal(G, G.T) and np.all(np.diag(G) == 1.0)           # exactly feasible by construction
    assert np.linalg.eigvalsh(G)[0] >= -1e-12                            # PSD up to eigh's rounding
    assert cert.gap_bound <= GRAM_TOLERANCES["gap"]
    assert cert.loss >= T.loss_lower_bound(y) - 1e-12
    assert cert.seconds > 0


@settings(deadline=None, max_examples=8)
@given(counts=st.lists(st.integers(2, 5), min_size=2, max_size=4), log_tau=st.floats(np.log(0.05), np.log(20.0)))
def test_optimal_gram_certifies_any_labels(counts, log_tau):
    # the certificate must pass for every label set and temperature in range: no spurious CertificateError
    y = np.repeat(np.arange(len(counts)), counts)
    G, cert = T.optimal_gram(y, float(np.exp(log_tau)), return_certificate=True)
    assert cert.passed and cert.gap_bound <= GRAM_TOLERANCES["gap"]


def test_optimal_gram_equivariant_under_relabelling():
    y = np.repeat(np.arange(3), [4, 2, 2])
    p = np.random.default_rng(3).permutation(y.size)
    G = T.optimal_gram(y, 1.0)
    Gp = T.optimal_gram(y[p], 1.0)
    # both certified to gap <= 1e-6; entries measured to agree to ~1e-9 (unique optimum), allowed 1e-6
    assert np.max(np.abs(Gp - G[np.ix_(p, p)])) <= 1e-6


@settings(deadline=None, max_examples=10)
@given(seed=st.integers(0, 10**6), d=st.integers(1, 4))
def test_gap_bound_is_an_upper_bound(seed, d):
    # any feasible G: L(G) - min(R) <= gap bound (min(R) from the certified solve, accurate to its own bound)
    y = np.repeat(np.arange(3), [3, 3, 2])
    H = _features(d, y.size, seed)
    cert = T.gram_certificate(H.T @ H, y, 1.0)
    _, opt = T.optimal_gram(y, 1.0, return_certificate=True)
    assert cert.loss - opt.loss <= cert.gap_bound + opt.gap_bound + 1e-12


def test_certificate_failure_names_the_data(monkeypatch):
    from theory.supcon_ufm import _sdp

    n = 6
    junk = np.eye(n)                                     # feasible but far from optimal
    monkeypatch.setattr(_sdp, "_solve", lambda lab, tau: (junk, "optimal", 0.0))
    monkeypatch.setattr(_sdp, "_polish", lambda G, lab, tau: G)
    with pytest.raises(CertificateError, match=r"labels .*tau = 0.5"):
        T.optimal_gram(np.repeat(np.arange(3), 2), 0.5)


def test_claims_use_the_certificate_tolerance():
    from proofs_check.supcon_ufm._claims import GAP

    cert = T.optimal_gram(np.repeat(np.arange(2), 2), 1.0, return_certificate=True)[1]
    assert GAP == GRAM_TOLERANCES["gap"] == cert.tolerances["gap"]


def test_numerical_rank():
    assert T.numerical_rank(T.etf_gram(np.repeat(np.arange(4), 3))) == 3
    assert T.numerical_rank(np.zeros((3, 3))) == 0


# ------------------------------------------------------------------------------------------ closed forms

@pytest.mark.parametrize("k, m, tau", [(2, 2, 0.1), (3, 4, 0.5), (5, 3, 3.0)])
def test_etf_certificate_closed_forms(k, m, tau):
    c = T.etf_certificate(k, m, tau)
    assert c.beta < 0 < c.gamma and c.a > 0
    # rows of M sum to zero; nu = (m-1) beta - m gamma; loss = L(ETF) (a few operations: 50 eps relative)
    assert abs((m - 1) * c.beta + (k - 1) * m * c.gamma) <= 50 * EPS * (m * k * c.gamma + abs(c.beta) * m)
    assert c.nu == pytest.approx((m - 1) * c.beta - m * c.gamma, rel=50 * EPS)
    y = T.balanced_labels(k, m)
    assert T.gram_loss(T.etf_gram(y), y, tau) == pytest.approx(c.loss, rel=50 * EPS * k * m)


def test_block_values_of_the_etf():
    y = T.step_labels(3, 1, 4, 1)                        # ratio 1: balanced, every class is "majority"
    bv = T.block_values(T.etf_gram(y), y)
    assert bv.within == 1.0 and bv.maj_maj == -0.5 and bv.maj_min is None and bv.min_min is None
    assert bv.spread == 0.0
    with pytest.raises(ValueError, match="STEP"):
        T.block_values(np.eye(9), np.repeat(np.arange(3), [2, 3, 4]))
