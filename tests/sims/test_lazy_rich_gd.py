"""Gradient-descent kernels of the lazy/rich models (docs/lazy_rich.md#numerics-and-tolerances).

Oracles: the plain-NumPy references (same arithmetic in the same order), the exact per-step
δ identity of docs/lazy_rich.md#numerics-and-tolerances, gradient flow as lr → 0 (first-order convergence), and hand checks.
"""

from __future__ import annotations

import numpy as np
import pytest

from sims.lazy_rich._flow import gradient_flow, gradient_flow_relu
from sims.lazy_rich._gd import gradient_descent, gradient_descent_reference
from sims.lazy_rich._gd_relu import gradient_descent_relu, gradient_descent_relu_reference
from theory.lazy_rich._exact import init_from_beta


def _data(seed, n=6, d=3):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.standard_normal(n), rng


def _grid(rng, deltas, d, eta_a=1.0, eta_w=1.0):
    """One chain per δ, random β0 and readout sign."""
    a0, w0 = zip(*(init_from_beta(rng.standard_normal(d), dl, eta_a, eta_w,
                                  sign=int(rng.choice([-1, 1]))) for dl in deltas))
    return np.array(a0), np.array(w0)


def _assert_same(r1, r2, fields):
    # Kernel and reference perform the same IEEE operations in the same order (no fastmath,
    # no BLAS, no FMA contraction by numba's default LLVM flags), so they agree to the last
    # bit in practice; 1e-12 relative leaves room for a platform that fuses multiply-adds.
    for f in fields:
        np.testing.assert_allclose(getattr(r1, f), getattr(r2, f), rtol=1e-12, atol=1e-300,
                                   err_msg=f)
    np.testing.assert_array_equal(r1.diverged, r2.diverged)
    np.testing.assert_array_equal(r1.diverged_at, r2.diverged_at)
    np.testing.assert_array_equal(r1.steps, r2.steps)


# --------------------------------------------------------------------------------------------
# single neuron
# --------------------------------------------------------------------------------------------

# Kernel == oracle bit for bit, thread independence, no NaN and divergence reporting are
# checked for every registered kernel in test_kernel_registry.py; here: what is specific.

def test_result_shapes_and_record_schedule():
    X, y, rng = _data(0)
    a0, w0 = _grid(rng, np.linspace(-3, 3, 13), 3)
    r1 = gradient_descent(X, y, a0, w0, lr=0.01, n_steps=400, record_every=7)
    assert r1.a.shape == (13, r1.steps.size) and r1.w.shape == (13, r1.steps.size, 3)
    assert r1.steps[0] == 0 and r1.steps[-1] == 400
    assert not r1.diverged.any()


def test_chain_broadcasting_and_record_steps():
    X, y, rng = _data(1)
    w0 = rng.standard_normal((4, 3))
    steps = np.array([0, 1, 10, 100, 1000])
    r = gradient_descent(X, y, 0.5, w0, 1e-3, 1000, record_steps=steps)
    ref = gradient_descent_reference(X, y, np.full(4, 0.5), w0, 1e-3, 1000, record_steps=steps)
    _assert_same(r, ref, ["a", "w"])
    np.testing.assert_array_equal(r.steps, steps)
    np.testing.assert_allclose(r.t, steps * 1e-3)
    one = gradient_descent(X, y, [0.5, -0.5], w0[0], 1e-3, 10)
    assert one.a.shape[0] == 2 and np.array_equal(one.w[0, 0], w0[0])
    single = gradient_descent(X, y, 0.5, w0[0], 1e-3, 10)
    assert single.a.shape == (1, 11)                 # default: every step when n_steps ≤ 1000
    # independent chains: running one alone gives the same numbers as inside the batch
    alone = gradient_descent(X, y, 0.5, w0[2], 1e-3, 1000, record_steps=steps)
    np.testing.assert_array_equal(alone.w[0], r.w[2])


def test_default_record_schedule():
    X, y, _ = _data(2)
    r = gradient_descent(X, y, 1.0, [0.1, 0.2, 0.3], 1e-3, 2500)
    assert r.steps[0] == 0 and r.steps[-1] == 2500 and r.steps.size <= 1001
    assert np.all(np.diff(r.steps)[:-1] == 3) and r.steps[-2] == 2499   # ceil(2500/1000) = 3
    z = gradient_descent(X, y, 1.0, [0.1, 0.2, 0.3], 1e-3, 0)
    assert z.steps.tolist() == [0] and z.a[0, 0] == 1.0


@pytest.mark.parametrize("eta_a,eta_w,loss", [(1.0, 1.0, "sum"), (1.6, 0.5, "mean")])
def test_per_step_delta_identity(eta_a, eta_w, loss):
    # docs/lazy_rich.md#numerics-and-tolerances: Δδ = h²η_aη_w(η_a(∂_aL)² − η_w‖∂_wL‖²) exactly, for every step.
    X, y, rng = _data(3)
    n = X.shape[0]
    c = 1.0 if loss == "sum" else 2.0 / n
    a0, w0 = _grid(rng, [-2.0, -0.3, 0.0, 0.5, 2.0], 3, eta_a, eta_w)
    h = 0.05
    r = gradient_descent(X, y, a0, w0, h, 6, eta_a, eta_w, record_every=1, loss=loss)
    a, w = r.a[:, :-1], r.w[:, :-1]
    g = c * ((a[..., None] * w) @ X.T - y) @ X               # ∂L/∂β at each recorded step
    dLa = np.sum(w * g, axis=-1)
    dLw2 = a**2 * np.sum(g * g, axis=-1)
    predicted = h**2 * eta_a * eta_w * (eta_a * dLa**2 - eta_w * dLw2)
    observed = np.diff(r.delta, axis=1)
    assert np.min(np.abs(predicted)) > 1e-6                  # the identity is not vacuous
    scale = np.max(eta_w * r.a**2 + eta_a * np.sum(r.w**2, axis=-1))
    # δ differences of O(scale) numbers: cancellation roundoff ~ a few ulps of scale.
    np.testing.assert_allclose(observed, predicted, rtol=0, atol=2e-14 * scale)


def test_converges_to_gradient_flow_first_order():
    X, y, rng = _data(4)
    eta_a, eta_w, T = 1.5, 0.7, 2.0
    a0, w0 = init_from_beta(np.array([0.3, -0.2, 0.1]), -1.0, eta_a, eta_w)
    gf = gradient_flow(X, y, a0, w0, [0.0, T], eta_a, eta_w, rtol=1e-12, atol=1e-12)
    errors = []
    for h in [0.01, 0.005, 0.0025]:
        n_steps = int(round(T / h))
        gd = gradient_descent(X, y, a0, w0, h, n_steps, eta_a, eta_w, record_every=n_steps)
        errors.append(max(abs(gd.a[0, -1] - gf.a[-1]), np.max(np.abs(gd.w[0, -1] - gf.w[-1]))))
    ratios = np.array(errors[:-1]) / np.array(errors[1:])
    # Euler on a smooth ODE has global error C·h + O(h²): halving h halves the error. The GF
    # reference error (~1e-10) is negligible against errors ~1e-3; observed ratios ≈ 2.0–2.1.
    assert np.all((ratios > 1.9) & (ratios < 2.2)), ratios
    assert errors[0] < 0.01            # C·h with an O(1) constant (observed C ≈ 0.46)


def test_divergence_is_reported_per_chain():
    X, y, rng = _data(4)
    # GD near the minimum is stable iff lr·λ_max(M XᵀX) < 2, with M ≈ δ I for large δ > 0:
    # λ_max(XᵀX) ≈ 12.3 here, so at lr = 0.02 the δ = 50 chain is unstable, the others not.
    a0, w0 = _grid(rng, [0.1, 1.0, 2.0, 50.0], 3)
    kw = dict(lr=0.02, n_steps=2000, record_every=50)
    r = gradient_descent(X, y, a0, w0, **kw)
    assert r.diverged.tolist() == [False, False, False, True]
    assert r.diverged_at[3] > 0 and np.all(r.diverged_at[:3] == -1)
    assert np.isfinite(r.a).all() and np.isfinite(r.w).all() and np.isfinite(r.delta).all()
    _assert_same(r, gradient_descent_reference(X, y, a0, w0, **kw), ["a", "w"])
    # the frozen chain keeps its last valid state
    k = np.searchsorted(r.steps, r.diverged_at[3])
    assert np.all(r.a[3, k:] == r.a[3, -1])


def test_saddle_chain_stays_put():
    X, y, _ = _data(6)
    r = gradient_descent(X, y, [0.0, 1.0], [[0.0, 0.0, 0.0], [0.5, 0.5, 0.5]], 0.01, 100)
    assert np.all(r.a[0] == 0) and np.all(r.w[0] == 0) and not r.diverged[0]
    assert np.any(r.a[1] != r.a[1, 0])


# --------------------------------------------------------------------------------------------
# ReLU network
# --------------------------------------------------------------------------------------------

def _relu_batch(seed, C=5, n=12, m=6, d=3):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, d)), rng.standard_normal(n), rng.standard_normal((C, m)),
            rng.standard_normal((C, m, d)), rng)


def test_relu_per_chain_data_and_train_loss():
    X, y, a0, W0, rng = _relu_batch(1, C=3)
    Xc = rng.standard_normal((3,) + X.shape)
    yc = rng.standard_normal((3, y.size))
    kw = dict(lr=0.02, n_steps=50, leak=0.1, record_every=10)
    r = gradient_descent_relu(Xc, yc, a0, W0, **kw)
    _assert_same(r, gradient_descent_relu_reference(Xc, yc, a0, W0, **kw),
                 ["a", "W", "train_loss"])
    for c in range(3):                               # chain c sees exactly its own data set
        alone = gradient_descent_relu(Xc[c], yc[c], a0[c], W0[c], **kw)
        np.testing.assert_array_equal(alone.W[0], r.W[c])
    # recorded loss is the mean squared error of the recorded state (roundoff only)
    Z = np.einsum("cnd,crkd->crnk", Xc, r.W)
    f = np.einsum("crk,crnk->crn", r.a, np.where(Z > 0, Z, 0.1 * Z))
    mse = np.mean((f - yc[:, None, :]) ** 2, axis=-1)
    np.testing.assert_allclose(r.train_loss, mse, rtol=1e-12)


def test_relu_per_step_delta_k_identity():
    # Since zσ′(z) = σ(z): Δδ_k = h²η_aη_w(η_a(∂_{a_k}L)² − η_w‖∂_{w_k}L‖²) per step (docs/lazy_rich.md#numerics-and-tolerances).
    X, y, a0, W0, _ = _relu_batch(2, C=2)
    eta_a, eta_w, h, leak = 1.4, 0.6, 0.05, 0.2
    n = X.shape[0]
    r = gradient_descent_relu(X, y, a0, W0, h, 5, leak, eta_a, eta_w, record_every=1)
    a, W = r.a[:, :-1], r.W[:, :-1]                          # (C, R, m), (C, R, m, d)
    Z = np.einsum("nd,crkd->crnk", X, W)
    S, D = np.where(Z > 0, Z, leak * Z), np.where(Z > 0, 1.0, leak)
    res = np.einsum("crk,crnk->crn", a, S) - y
    dLa = (2 / n) * np.einsum("crn,crnk->crk", res, S)
    dLw = (2 / n) * a[..., None] * np.einsum("crn,crnk,nd->crkd", res, D, X)
    predicted = h**2 * eta_a * eta_w * (eta_a * dLa**2 - eta_w * np.sum(dLw**2, axis=-1))
    observed = np.diff(r.delta, axis=1)
    assert np.median(np.abs(predicted)) > 1e-6                # not vacuous
    scale = np.max(eta_w * r.a**2 + eta_a * np.sum(r.W**2, axis=-1))
    # δ_k differences of O(scale) numbers: a few ulps of scale.
    np.testing.assert_allclose(observed, predicted, rtol=0, atol=2e-14 * scale)


def test_relu_converges_to_gradient_flow():
    # Seed 4, leak 0 crosses activation boundaries (no sliding) before T = 1. Euler's O(h)
    # global error survives isolated kinks of the field: the error ratio stays ≈ 2.
    rng = np.random.default_rng(4)
    X, y = rng.standard_normal((8, 2)), rng.standard_normal(8)
    a0, W0 = rng.standard_normal(4), rng.standard_normal((4, 2))
    T = 1.0
    gf = gradient_flow_relu(X, y, a0, W0, [0.0, T], rtol=1e-12, atol=1e-12)
    assert gf.success
    errors = []
    for h in [4e-3, 2e-3, 1e-3]:
        n_steps = int(round(T / h))
        gd = gradient_descent_relu(X, y, a0, W0, h, n_steps, record_every=n_steps)
        errors.append(max(np.max(np.abs(gd.a[0, -1] - gf.a[-1])),
                          np.max(np.abs(gd.W[0, -1] - gf.W[-1]))))
    ratios = np.array(errors[:-1]) / np.array(errors[1:])
    # first order; kinks add O(h) jitter to the constant, hence the wider band than the
    # smooth single-neuron test
    assert np.all((ratios > 1.6) & (ratios < 2.5)), (errors, ratios)


# --------------------------------------------------------------------------------------------
# invalid input names the argument
# --------------------------------------------------------------------------------------------

X2, Y2 = np.eye(2), np.array([0.5, 0.5])


@pytest.mark.parametrize("fn", [gradient_descent, gradient_descent_reference])
@pytest.mark.parametrize("kwargs,name", [
    (dict(lr=0.0), "lr"),
    (dict(lr=np.inf), "lr"),
    (dict(n_steps=-1), "n_steps"),
    (dict(n_steps=2.5), "n_steps"),
    (dict(w0=[1.0, 0.0, 0.0]), "w0"),
    (dict(a0=[1.0, 2.0], w0=np.ones((3, 2))), "a0"),
    (dict(a0=np.ones((2, 2))), "a0"),
    (dict(y=[1.0]), "y"),
    (dict(X=np.ones(2)), "X"),
    (dict(eta_a=-1.0), "eta_a"),
    (dict(eta_w=0.0), "eta_w"),
    (dict(record_every=0), "record_every"),
    (dict(record_steps=[0, 20]), "record_steps"),
    (dict(record_steps=[5, 1]), "record_steps"),
    (dict(record_steps=[0, 1], record_every=1), "record_every"),
    (dict(loss="max"), "loss"),
    (dict(max_norm=1e200), "max_norm"),
])
def test_gradient_descent_rejects_bad_input(fn, kwargs, name):
    args = dict(X=X2, y=Y2, a0=1.0, w0=[1.0, 0.0], lr=0.1, n_steps=10) | kwargs
    with pytest.raises(ValueError, match=name):
        fn(**args)


@pytest.mark.parametrize("kwargs,name", [
    (dict(W0=np.ones((3, 2))), "W0"),
    (dict(a0=np.ones((4, 2)), W0=np.ones((3, 2, 2))), "a0"),
    (dict(X=np.ones((5, 2, 2))), "X"),
    (dict(y=np.ones((5, 2))), "y"),
    (dict(y=np.ones(3)), "y"),
    (dict(leak=2.0), "leak"),
    (dict(lr=-0.1), "lr"),
    (dict(loss="huber"), "loss"),
])
def test_gradient_descent_relu_rejects_bad_input(kwargs, name):
    args = dict(X=X2, y=Y2, a0=np.ones(2), W0=np.eye(2), lr=0.1, n_steps=10) | kwargs
    with pytest.raises(ValueError, match=name):
        gradient_descent_relu(**args)
