"""sims.ntp training runs: metrics against the theory functions, update rules, validation,
checkpoints, divergence, and the None-with-a-reason metrics of non-separable / non-compatible data.

Kernel == oracle (bit for bit), thread independence and the registry cases are covered by
tests/sims/test_kernel_registry.py.
"""

from __future__ import annotations

import numpy as np
import pytest

import theory.ntp as T
from sims.ntp import (
    adam,
    default_checkpoints,
    gradient_descent,
    momentum_descent,
    normalized_gradient_descent,
    sgd_contexts,
)

EPS = np.finfo(float).eps


@pytest.fixture(scope="module")
def data():
    # V = 6, m = 5, d = 8 > m: separable and compatible (Lemma 1)
    return T.random_instance(6, 5, 8, 3, seed=1)


@pytest.fixture(scope="module")
def run(data):
    return gradient_descent(data.H, data.P, data.pi, 0.5, 2000)


def _fields(history):
    return {k: getattr(history, k) for k in ("excess_loss", "norm", "corr_max_margin", "corr_offset_max_margin",
                                              "finite_error", "norm_perp")}


# --------------------------------------------------------------------------------------------
# metrics against theory.ntp


def test_metrics_match_the_theory_functions(data):
    cps = [0, 3, 50, 400]
    r = gradient_descent(data.H, data.P, data.pi, 0.5, 400, checkpoints=cps)
    W_mm, W_star = T.max_margin(data.H, data.support), T.finite_solution(data.H, data.P)
    # the run's targets are the theory's, computed once per call (LAPACK may differ in the last bits
    # between two calls on differently aligned copies of the same arrays: 1e-12 relative)
    np.testing.assert_allclose(r.W_mm, W_mm, rtol=0, atol=1e-12 * np.abs(W_mm).max())
    np.testing.assert_allclose(r.W_star, W_star, rtol=0, atol=1e-12 * np.abs(W_star).max())
    assert r.entropy == T.entropy(data.P, data.pi)
    states = [gradient_descent(data.H, data.P, data.pi, 0.5, k, checkpoints=[k]).W for k in cps]
    np.testing.assert_array_equal(states[-1], r.W)
    h = r.history
    for i, W in enumerate(states):
        assert h.excess_loss[i] == T.excess_loss(W, data.H, data.P, data.pi)
        assert h.norm[i] == np.linalg.norm(W)
        # P_F is factored once per run (sims.ntp._history._basis_F) instead of theory's per call:
        # both are SVD projections onto the same subspace, equal to ~1e3 ε relative to ‖W‖
        tol = 1e3 * EPS * max(1.0, np.linalg.norm(W))
        PF = T.project_F(W, data.H, data.support)
        assert abs(h.norm_perp[i] - np.linalg.norm(T.project_F_perp(W, data.H, data.support))) <= tol
        assert abs(h.finite_error[i] - np.linalg.norm(PF - W_star)) <= tol + 1e-12 * np.linalg.norm(W_star)
        if i > 0:   # at W = 0 the correlation is 0 by convention (tested below)
            c = np.vdot(W, W_mm) / (np.linalg.norm(W) * np.linalg.norm(W_mm))
            assert abs(h.corr_max_margin[i] - c) <= 1e-12
            D = W - W_star
            c2 = np.vdot(D, W_mm) / (np.linalg.norm(D) * np.linalg.norm(W_mm))
            assert abs(h.corr_offset_max_margin[i] - c2) <= 1e-12
    assert h.corr_max_margin[0] == 0.0       # W_0 = 0 has no direction: reported as 0, never NaN


def test_one_gd_step_is_the_theory_gradient_step(data):
    rng = np.random.default_rng(0)
    W0 = rng.standard_normal((data.V, data.d))
    r = gradient_descent(data.H, data.P, data.pi, 0.3, 1, W0=W0, checkpoints=[0, 1])
    G = T.gradient(W0, data.H, data.P, data.pi)
    # two cancellation-free evaluations of the same gradient (different summation order): a few ε·‖G‖
    np.testing.assert_allclose(r.W, W0 - 0.3 * G, rtol=0, atol=1e-14 * max(1.0, np.abs(W0).max()))


def test_the_other_update_rules_one_or_two_steps(data):
    H, P, pi = data.H, data.P, data.pi
    rng = np.random.default_rng(2)
    W0 = rng.standard_normal((data.V, data.d))
    G0 = T.gradient(W0, H, P, pi)
    atol = 1e-13
    # normalised GD moves by exactly lr (Frobenius)
    r = normalized_gradient_descent(H, P, pi, 0.05, 1, W0=W0, checkpoints=[1])
    np.testing.assert_allclose(r.W, W0 - 0.05 * G0 / np.linalg.norm(G0), rtol=0, atol=atol)
    # heavy ball: W2 = W1 − lr (β G0 + G1)
    r1 = momentum_descent(H, P, pi, 0.2, 1, W0=W0, checkpoints=[1], beta=0.7)
    W1 = W0 - 0.2 * G0
    np.testing.assert_allclose(r1.W, W1, rtol=0, atol=atol)
    r2 = momentum_descent(H, P, pi, 0.2, 2, W0=W0, checkpoints=[2], beta=0.7)
    np.testing.assert_allclose(r2.W, W1 - 0.2 * (0.7 * G0 + T.gradient(W1, H, P, pi)), rtol=0, atol=atol)
    # Adam's first step: m̂ = G, v̂ = G², so each entry moves by lr·g/(|g| + eps)
    ra = adam(H, P, pi, 0.01, 1, W0=W0, checkpoints=[1], eps=1e-8)
    np.testing.assert_allclose(ra.W, W0 - 0.01 * G0 / (np.abs(G0) + 1e-8), rtol=0, atol=1e-15)


def test_sgd_draws_contexts_with_probability_pi():
    # one SGD step from W0 averaged over many streams equals the GD step (unbiased estimate):
    # E[W1] = W0 − lr ∇CE(W0). Drawn through the kernel itself (the driver adds metrics only).
    from sims._rng import seed_streams
    from sims.ntp._history import _problem
    from sims.ntp._train_kernels import _sgd_kernel

    d = T.random_instance(4, 3, 3, 2, seed=5, n=20)              # unequal π̂
    assert np.ptp(d.pi) > 0.1
    W0 = np.random.default_rng(1).standard_normal((d.V, d.d))
    prob = _problem(d.H, d.P, d.pi, 1.0, 1, W0, [1], False)
    h1 = float(np.abs(prob.H).sum(axis=0).max())
    n = 20_000
    states = seed_streams(7, n)
    steps = np.array([_sgd_kernel(prob.H, prob.Ht, prob.P, prob.logP, prob.support, np.cumsum(prob.pi),
                                  states[:, i:i + 1].copy(), prob.W0, 1.0, 1, prob.checkpoints, h1)[4] - W0
                      for i in range(n)])
    mean, se = steps.mean(axis=0), steps.std(axis=0, ddof=1) / np.sqrt(n)
    expected = -T.gradient(W0, d.H, d.P, d.pi)
    z = np.abs(mean - expected) / np.maximum(se, 1e-300)
    assert z.max() < 5.0, z.max()   # 5 SE over 12 entries: false alarm < 1e-5


def test_sgd_with_one_context_is_gd():
    d = T.random_instance(5, 1, 3, 2, seed=0)
    a = sgd_contexts(d.H, d.P, d.pi, 0.4, 50, seed=3)
    b = gradient_descent(d.H, d.P, d.pi, 0.4, 50)
    np.testing.assert_allclose(a.W, b.W, rtol=1e-13, atol=1e-13)   # lr·(r·h) vs (lr·r)·h rounding


def test_sgd_is_reproducible_and_seeded(data):
    a = sgd_contexts(data.H, data.P, data.pi, 0.2, 200, seed=4)
    b = sgd_contexts(data.H, data.P, data.pi, 0.2, 200, seed=4)
    c = sgd_contexts(data.H, data.P, data.pi, 0.2, 200, seed=5)
    np.testing.assert_array_equal(a.W, b.W)
    assert not np.array_equal(a.W, c.W)


def test_gd_decreases_the_loss_and_grows_the_norm(run):
    h = run.history
    assert run.optimizer == "gd" and not run.diverged and run.diverged_at == -1
    assert np.all(np.diff(h.excess_loss) < 0)
    assert h.excess_loss[-1] < 1e-2 * h.excess_loss[0]
    assert np.all(np.diff(h.norm[1:]) > 0)
    assert np.all(h.excess_loss >= 0)


# --------------------------------------------------------------------------------------------
# checkpoints


def test_default_checkpoints():
    cp = default_checkpoints(10_000)
    assert cp[0] == 0 and cp[-1] == 10_000 and np.all(np.diff(cp) > 0)
    assert 30 <= cp.size <= 41
    big = cp[cp >= 10]
    ratios = big[1:] / big[:-1]
    # log-spaced: each step a factor of about 10^(4/39) = 1.27 (rounding to integers moves it a little)
    assert np.all((ratios > 1.2) & (ratios < 1.4))
    np.testing.assert_array_equal(default_checkpoints(0), [0])
    np.testing.assert_array_equal(default_checkpoints(1), [0, 1])
    np.testing.assert_array_equal(default_checkpoints(3), [0, 1, 2, 3])


def test_history_follows_the_checkpoints(data, run):
    np.testing.assert_array_equal(run.history.steps, default_checkpoints(2000))
    r = gradient_descent(data.H, data.P, data.pi, 0.5, 30, checkpoints=np.array([2, 7, 30]))
    np.testing.assert_array_equal(r.history.steps, [2, 7, 30])
    for v in _fields(r.history).values():
        assert v.shape == (3,)


@pytest.mark.parametrize("bad,match", [
    ([3, 2], "strictly increasing"), ([0, 0], "strictly increasing"), ([-1, 2], r"\[0, steps"),
    ([0, 11], r"\[0, steps = 10\]"), ([0.0, 1.0], "integers"), ([], "non-empty"), ("0", "integers"),
    ([[0, 1]], "1-D"), ([True, False], "integers"),
])
def test_bad_checkpoints(data, bad, match):
    with pytest.raises(ValueError, match="checkpoints"):
        gradient_descent(data.H, data.P, data.pi, 0.5, 10, checkpoints=bad)
    with pytest.raises(ValueError, match=match):
        gradient_descent(data.H, data.P, data.pi, 0.5, 10, checkpoints=bad)


# --------------------------------------------------------------------------------------------
# validation


@pytest.mark.parametrize("kwargs,match", [
    (dict(lr=0.0), "lr"), (dict(lr=-1.0), "lr"), (dict(lr=np.nan), "lr"), (dict(lr=np.inf), "lr"),
    (dict(steps=-1), "steps"), (dict(steps=10.0), "steps"), (dict(steps=True), "steps"),
    (dict(steps=10**13), "steps"), (dict(W0=np.zeros((2, 2))), "W0"), (dict(W0=np.full((6, 8), np.nan)), "W0"),
])
def test_bad_arguments(data, kwargs, match):
    args = dict(H=data.H, P=data.P, pi=data.pi, lr=0.5, steps=10)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        gradient_descent(**args)


def test_bad_data_is_refused_by_as_data(data):
    P = data.P.copy()
    P[:, 0] *= 2.0
    with pytest.raises(ValueError, match="P"):
        gradient_descent(data.H, P, data.pi, 0.5, 10)
    with pytest.raises(ValueError, match="pi"):
        gradient_descent(data.H, data.P, data.pi[:-1], 0.5, 10)
    with pytest.raises(ValueError, match="H"):
        gradient_descent(np.full_like(data.H, np.nan), data.P, data.pi, 0.5, 10)


@pytest.mark.parametrize("fn,kwargs,match", [
    (momentum_descent, dict(beta=1.0), "beta"), (momentum_descent, dict(beta=-0.1), "beta"),
    (adam, dict(betas=(0.9,)), "betas"), (adam, dict(betas=(0.9, 1.0)), r"betas\[1\]"),
    (adam, dict(betas="ab"), "betas"), (adam, dict(eps=0.0), "eps"), (sgd_contexts, dict(seed=-1), "seed"),
])
def test_bad_hyperparameters(data, fn, kwargs, match):
    with pytest.raises(ValueError, match=match):
        fn(data.H, data.P, data.pi, 0.1, 5, **kwargs)


def test_backend_keyword(data):
    # GD and momentum have a torch core; the others do not (sims/ntp/_train.py says why)
    assert "torch" in gradient_descent.simulation.backends and "torch" in momentum_descent.simulation.backends
    for fn in (gradient_descent, normalized_gradient_descent, adam, sgd_contexts):
        for bad in ("fortran", "Numba", "torch:", "numba:cpu"):
            with pytest.raises(ValueError, match="backend must be one of"):
                fn(data.H, data.P, data.pi, 0.5, 5, backend=bad)
    for fn in (normalized_gradient_descent, adam, sgd_contexts):
        with pytest.raises(ValueError, match="backend must be one of"):
            fn(data.H, data.P, data.pi, 0.5, 5, backend="torch")


@pytest.mark.parametrize("fn", [gradient_descent, momentum_descent])
def test_torch_core_follows_the_numba_trajectory(data, fn):
    import os

    import sims._torch as bridge

    if not bridge.torch_available():
        if os.environ.get("DLTHEORY_REQUIRE_TORCH") == "1":
            raise RuntimeError("DLTHEORY_REQUIRE_TORCH=1 but torch is not installed (pip install torch==2.13.0)")
        pytest.skip("torch is not installed")
    sim = fn.simulation
    # η = 0.5 < 4/λ_max(HΠHᵀ) = 1.85 <= 2/L: GD is non-expansive, as the declared tolerance assumes
    assert 0.5 < 4 * T.step_size_bound(data.H, data.pi)
    args, kwargs = (data.H, data.P, data.pi, 0.5, 2000), ({"beta": 0.9} if fn is momentum_descent else {})
    a = fn(*args, **kwargs)
    b = fn(*args, backend="torch:cpu", **kwargs)
    assert not sim.torch_comparison.compare(a, b, args, kwargs)
    assert b.history.corr_offset_max_margin[-1] > 0.9          # a run that went somewhere
    # a step size 1e-9 away moves W by ~1e-9 relative, far beyond the rounding tolerance (~5e-12)
    c = fn(data.H, data.P, data.pi, 0.5 * (1 + 1e-9), 2000, backend="torch:cpu", **kwargs)
    assert sim.torch_comparison.compare(a, c, args, kwargs)


# --------------------------------------------------------------------------------------------
# divergence and the metrics that do not exist


@pytest.mark.parametrize("fn", [gradient_descent, normalized_gradient_descent, momentum_descent, adam, sgd_contexts])
def test_absurd_step_size_is_reported_as_divergence(data, fn):
    lr = 1e308 if fn in (gradient_descent, momentum_descent, sgd_contexts) else 1e305
    r = fn(data.H, data.P, data.pi, lr, 20)
    assert r.diverged and r.diverged_at == 1
    assert "diverged" in r.notes
    np.testing.assert_array_equal(r.W, np.zeros((data.V, data.d)))     # the last valid state: W_0
    np.testing.assert_array_equal(r.history.steps, [0])
    for v in _fields(r.history).values():
        assert v is not None and np.isfinite(v).all()


def test_not_separable_data_give_none_and_say_why():
    # h̄_1 = h̄_2 with different supports: no W separates (Thrampoulidis 2024, §3 negative case)
    H = np.array([[1.0, 1.0], [0.5, 0.5]])
    P = np.array([[0.5, 0.0], [0.5, 0.5], [0.0, 0.5]])
    r = gradient_descent(H, P, np.array([0.5, 0.5]), 0.5, 100)
    assert r.W_mm is None and r.history.corr_max_margin is None and r.history.corr_offset_max_margin is None
    assert "W^mm" in r.notes and "separable" in r.notes
    assert r.history.norm_perp is not None and np.isfinite(r.history.excess_loss).all()


def test_not_compatible_data_give_none_and_say_why():
    # h̄_2 = 2h̄_1, supports {0, 1}, log-odds 0.5 and 0.3 where compatibility needs 1.0 (docs/ntp.md#compatibility-and-separability):
    # separable but not compatible
    H = np.array([[1.0, 2.0], [0.0, 0.0]])
    p1, p2 = 1 / (1 + np.exp(-0.5)), 1 / (1 + np.exp(-0.3))
    P = np.array([[p1, p2], [1 - p1, 1 - p2], [0.0, 0.0]])
    r = gradient_descent(H, P, np.array([0.5, 0.5]), 0.5, 100)
    assert r.W_star is None and r.history.finite_error is None and r.history.corr_offset_max_margin is None
    assert r.history.corr_max_margin is not None
    assert "compatible" in r.notes


def test_degenerate_data_have_no_direction_but_a_finite_limit():
    # every support is the whole vocabulary: the loss attains its infimum at W⋆, GD converges there
    d = T.random_instance(3, 2, 4, 3, seed=0)
    r = gradient_descent(d.H, d.P, d.pi, float(T.step_size_bound(d.H, d.pi)), 20_000)
    assert r.W_mm is None and "W^mm" in r.notes
    assert r.history.finite_error[-1] < 1e-6 * r.history.finite_error[0]


def test_step_size_note(data):
    bound = float(T.step_size_bound(data.H, data.pi))
    assert "exceeds" in gradient_descent(data.H, data.P, data.pi, 1.5 * bound, 2).notes
    assert gradient_descent(data.H, data.P, data.pi, 0.5 * bound, 2).notes == ""


def test_an_initial_state_beyond_the_logit_limit_is_reported(data):
    r = gradient_descent(data.H, data.P, data.pi, 0.5, 10, W0=np.full((data.V, data.d), 1e300))
    assert r.diverged and r.diverged_at == 0 and "W0" in r.notes
    assert r.history.steps.size == 0 and r.history.excess_loss.size == 0
