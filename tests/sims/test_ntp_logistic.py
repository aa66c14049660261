"""sims.ntp.logistic_gradient_descent: update rule, metrics, validation, divergence, and the
Soudry et al. (2018) toy data. Kernel == oracle is covered by tests/sims/test_kernel_registry.py."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sims.ntp import logistic_gradient_descent
from sims.ntp._figure_data import SOUDRY_SUPPORT_VECTORS, soudry_data
from theory.ntp import hard_margin_svm


@pytest.fixture(scope="module")
def toy():
    return soudry_data(seed=0)


def _grad_step(X, y, w):
    """−∇L(w) = Σ_n y_n x_n / (1 + e^{y_n x_nᵀw}), written out."""
    z = y[:, None] * X
    return (z / (1.0 + np.exp(z @ w))[:, None]).sum(axis=0)


def test_one_and_two_steps(toy):
    X, y = toy
    w0 = np.array([0.3, -0.2])
    r = logistic_gradient_descent(X, y, 0.01, 1, w0=w0, checkpoints=[1])
    w1 = w0 + 0.01 * _grad_step(X, y, w0)
    np.testing.assert_allclose(r.w, w1, rtol=0, atol=1e-15)
    r2 = logistic_gradient_descent(X, y, 0.01, 2, w0=w0, momentum=0.5, checkpoints=[2])
    g0 = _grad_step(X, y, w0)
    w2 = w1 + 0.01 * (0.5 * g0 + _grad_step(X, y, w1))
    np.testing.assert_allclose(r2.w, w2, rtol=0, atol=1e-15)


def test_metrics_follow_their_definitions(toy):
    X, y = toy
    cps = [0, 10, 1000]
    r = logistic_gradient_descent(X, y, 0.01, 1000, checkpoints=cps)
    w_hat = hard_margin_svm(X, y)
    np.testing.assert_allclose(r.w_svm, w_hat, rtol=0, atol=1e-12)
    h = r.history
    for i, k in enumerate(cps):
        w = logistic_gradient_descent(X, y, 0.01, k, checkpoints=[k]).w
        u = y * (X @ w)
        assert h.norm[i] == pytest.approx(np.linalg.norm(w), abs=1e-15)
        assert h.loss[i] == pytest.approx(np.sum(np.log1p(np.exp(-u))), rel=1e-14)
        if k == 0:   # w = 0: no direction, conventions of LogisticHistory
            assert h.angle_gap[i] == 1.0 and h.margin_gap[i] == pytest.approx(1 / np.linalg.norm(w_hat))
            assert h.residual_norm[i] == 0.0
            continue
        cos = w @ w_hat / (np.linalg.norm(w) * np.linalg.norm(w_hat))
        assert h.angle_gap[i] == pytest.approx(1 - cos, abs=1e-12)
        assert h.margin_gap[i] == pytest.approx(1 / np.linalg.norm(w_hat) - u.min() / np.linalg.norm(w), abs=1e-12)
        assert h.residual_norm[i] == pytest.approx(np.linalg.norm(w - w_hat * math.log(k)), abs=1e-12)


def test_soudry_toy_data():
    X, y = soudry_data(seed=3)
    assert X.shape == (16, 2) and np.sum(y > 0) == 8
    np.testing.assert_array_equal(X[:2], np.array(SOUDRY_SUPPORT_VECTORS))
    np.testing.assert_array_equal(X[8:10], -np.array(SOUDRY_SUPPORT_VECTORS))
    w_hat = hard_margin_svm(X, y)
    # the extra points keep margins >= 1.5, so the SVM is the one of the support vectors alone
    np.testing.assert_allclose(w_hat, [0.5, 0.5], atol=1e-7)
    margins = y * (X @ np.array([0.5, 0.5]))
    assert np.sum(np.isclose(margins, 1.0)) == 4 and np.all(margins[~np.isclose(margins, 1.0)] >= 1.5)
    with pytest.raises(ValueError, match="n_random"):
        soudry_data(n_random=3)


def test_gd_on_separable_data_grows_like_log_t(toy):
    X, y = toy
    lr = 1.0 / np.linalg.norm(X, 2) ** 2
    r = logistic_gradient_descent(X, y, lr, 100_000)
    h = r.history
    assert not r.diverged and r.notes == ""
    assert np.all(np.diff(h.loss) < 0) and np.all(np.diff(h.norm[1:]) > 0)
    late = h.steps >= 1000
    # ‖w − ŵ log t‖ changes by much less than ‖ŵ‖ ln 100 over the last two decades (Theorem 3)
    assert np.ptp(h.residual_norm[late]) < 0.1 * np.linalg.norm(r.w_svm) * math.log(100)


def test_not_separable_data_give_none_and_say_why():
    X = np.array([[1.0, 0.0], [2.0, 0.0], [-1.0, 0.5]])
    y = np.array([1.0, -1.0, 1.0])
    r = logistic_gradient_descent(X, y, 0.1, 100)
    assert r.w_svm is None and r.history.angle_gap is None and r.history.residual_norm is None
    assert "SVM" in r.notes
    assert np.isfinite(r.history.loss).all()


@pytest.mark.parametrize("kwargs,match", [
    (dict(y=np.array([1.0, 0.0, -1.0])), "y"), (dict(y=np.ones(2)), "y"), (dict(lr=0.0), "lr"),
    (dict(steps=-1), "steps"), (dict(momentum=1.0), "momentum"), (dict(momentum=-0.5), "momentum"),
    (dict(w0=np.zeros(3)), "w0"), (dict(X=np.zeros((3, 0))), "X"), (dict(X=np.full((3, 2), np.nan)), "X"),
    (dict(checkpoints=[5, 1]), "checkpoints"),
])
def test_bad_arguments(kwargs, match):
    args = dict(X=np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]]), y=np.array([1.0, 1.0, -1.0]), lr=0.1, steps=10)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        logistic_gradient_descent(**args)


def test_step_size_note_and_divergence(toy):
    X, y = toy
    bound = 8.0 / np.linalg.norm(X, 2) ** 2
    assert "8/σ_max" in logistic_gradient_descent(X, y, 1.5 * bound, 3).notes
    r = logistic_gradient_descent(X, y, 1e305, 10)
    assert r.diverged and r.diverged_at == 1 and "diverged" in r.notes
    np.testing.assert_array_equal(r.w, [0.0, 0.0])
    np.testing.assert_array_equal(r.history.steps, [0])
