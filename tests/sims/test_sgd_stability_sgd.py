"""Nonlinear SGD and SDE simulators of sgd_stability.

Oracles: the plain-NumPy twins (same xoshiro256** streams, same arithmetic: bit-identical
results); Lyapunov exponents computed here by quadrature, E log|a + bZ| (docs/sgd_stability.md#gaussian-closed-form), which
decide collapse vs escape in clear-cut cells; the SDE collapse conditions of docs/sgd_stability.md#collapse-examples.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from sims.sgd_stability._collapse_modes import (
    simulate_teacher_student_modes,
)
from sims.sgd_stability._collapse_sims import (
    simulate_quartic_well,
    simulate_tanh_neuron,
)
from sims.sgd_stability._sgd import (
    OUTCOMES,
    simulate_two_layer,
)


def _elog(a: float, b: float) -> float:
    """E log|a + bZ|, Z ~ N(0, 1), by quadrature split at the zero of a + bz."""
    if b == 0:
        return math.log(abs(a))
    f = lambda z: math.log(abs(a + b * z)) * stats.norm.pdf(z)  # noqa: E731
    z0 = -a / b
    return integrate.quad(f, -np.inf, z0, limit=200)[0] + integrate.quad(f, z0, np.inf, limit=200)[0]


# --------------------------------------------------------------------------------------------
# two-layer SGD: kernel vs reference, threads, outcomes
# --------------------------------------------------------------------------------------------

# Kernel == oracle bit for bit (for each data model, activation, width and batch size), thread
# independence, no NaN and divergence reporting are checked for every registered kernel in
# test_kernel_registry.py; here: outcomes, shapes and cell independence.

def test_two_layer_result_shapes_and_outcomes():
    a = simulate_two_layer([0.05, 0.2, 0.9], [[0.0], [6.0]], 300, 12, 3, width=4)
    assert a.outcome.shape == (2, 3, 12) and a.u.shape == (2, 3, 12, 4)
    total = a.collapsed + a.diverged + a.correct + a.incorrect
    np.testing.assert_allclose(total, 1.0)
    assert set(np.unique(a.outcome)) <= set(range(len(OUTCOMES)))


@pytest.mark.parametrize("width", [1, 2])            # the fused m = 1 path and the general one
def test_two_layer_other_cells_do_not_matter(width):
    kw = dict(n_steps=400, n_chains=300, seed=9, width=width)
    lr = np.linspace(0.02, 0.3, 6)
    full = simulate_two_layer(lr, 6.0, **kw)
    alone = simulate_two_layer(lr[:1], 6.0, **kw)    # cell 0 owns streams 0..n_chains−1
    np.testing.assert_array_equal(alone.u[0], full.u[0])
    np.testing.assert_array_equal(alone.outcome[0], full.outcome[0])


def test_two_layer_collapse_where_theory_predicts_it():
    # model A, κ = s₁ = 1, S = 1: c ~ N(1, σ²); Λ± = E log|1 ± λc| by quadrature. σ = 6,
    # λ ∈ {0.08, 0.1, 0.12}: Λ₊ ≤ −0.06, Λ₋ ≤ −0.26 (deep in phase III). log‖θ‖ is a random walk
    # with drift Λ₊ and per-step sd ≈ λσ ≤ 0.72; from init 1e-6 it reaches the nonlinear
    # region (‖θ‖ ~ 1, +14) before collapsing with probability ≈ exp(−2|Λ₊|·14/(λσ)²) ≤ 1e-3,
    # and reaches 1e-12 after ~14/|Λ₊| ≤ 250 steps ≪ 2000: every trajectory collapses
    sigma, lams = 6.0, [0.08, 0.1, 0.12]
    for lam in lams:
        assert _elog(1 + lam, lam * sigma) < -0.06 and _elog(1 - lam, lam * sigma) < -0.25
    r = simulate_two_layer(lams, sigma, 2000, 40, 0, init_scale=1e-6)
    np.testing.assert_array_equal(r.collapsed, 1.0)
    assert np.all((r.stop_step > 0) & (r.stop_step < 2000))
    norms = np.sqrt(np.sum(r.u**2 + r.w**2, axis=-1))
    assert np.all(norms < r.collapse_norm)


def test_two_layer_no_collapse_where_none_is_predicted():
    # σ = 2: Λ₊ > 0 at these λ (phase I): escape with the correct sign, no collapse
    sigma, lams = 2.0, [0.02, 0.06, 0.1]
    for lam in lams:
        assert _elog(1 + lam, lam * sigma) > 0.01
    r = simulate_two_layer(lams, sigma, 2000, 40, 1)
    np.testing.assert_array_equal(r.correct, 1.0)
    assert np.all(r.stop_step == -1)
    beta = np.sum(r.u * r.w, axis=-1)                # the learned slope Σu_iw_i, near E xy = 1
    assert np.all(np.abs(np.mean(beta, axis=-1) - 1.0) < 0.2)


def test_two_layer_divergence_is_reported():
    # every minimum uw = 1 of m = 1 has curvature u² + w² ≥ 2, so λ > 1 makes all of them
    # unstable; label noise (σ = 1, λ = 0.9) or a large step alone (σ = 0, λ = 3) then throws the
    # run out of any ball, an instability of the minimum the saddle theory does not see (docs/sgd_stability.md#nonlinear-check)
    r = simulate_two_layer([0.9, 3.0], [1.0, 0.0], 500, 20, 2, width=1)
    np.testing.assert_array_equal(r.diverged, 1.0)
    assert np.all(r.outcome == OUTCOMES.index("diverged"))
    assert np.all(np.isfinite(r.u)) and np.all(np.isfinite(r.w))
    assert np.all(np.sqrt(np.sum(r.u**2 + r.w**2, axis=-1)) <= r.max_norm)
    assert np.all(r.stop_step > 0)


def test_two_layer_initial_collapse_and_zero_steps():
    r = simulate_two_layer(0.1, 1.0, 0, 5, 0, init_scale=1e-3)
    assert r.correct + r.incorrect == 1.0 and np.all(r.stop_step == -1)
    r = simulate_two_layer(0.1, 1.0, 10, 5, 0, init_scale=1e-15)
    assert r.collapsed == 1.0 and np.all(r.stop_step == 0)


@pytest.mark.parametrize("kwargs,name", [
    (dict(lr=0.0), "lr"),
    (dict(lr=[0.1, np.inf]), "lr"),
    (dict(noise=-1.0), "noise"),
    (dict(lr=[0.1, 0.2], noise=[1.0, 2.0, 3.0]), "lr"),
    (dict(n_steps=-1), "n_steps"),
    (dict(n_steps=2.5), "n_steps"),
    (dict(n_chains=0), "n_chains"),
    (dict(seed=-3), "seed"),
    (dict(width=0), "width"),
    (dict(batch_size=0), "batch_size"),
    (dict(init_scale=0.0), "init_scale"),
    (dict(activation="relu"), "activation"),
    (dict(data="C"), "data"),
    (dict(kappa=-1.0), "kappa"),
    (dict(collapse_norm=10.0, max_norm=1.0), "collapse_norm"),
    (dict(max_norm=1e200), "max_norm"),
])
def test_two_layer_invalid_arguments(kwargs, name):
    args = dict(lr=0.1, noise=1.0, n_steps=10, n_chains=2, seed=0)
    args.update(kwargs)
    with pytest.raises(ValueError, match=name):
        simulate_two_layer(**args)


# --------------------------------------------------------------------------------------------
# stochastic collapse examples (docs/sgd_stability.md#collapse-examples)
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tanh_data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal(32)
    return x, x + 0.1 * rng.standard_normal(32)


def test_quartic_well_collapses_iff_noise_beats_drift():
    # continuous rate μ − ζ²/2 (threshold √3 ≈ 1.73 for μ = 1.5); the EM map's own exponent
    # E log|1 + μdt + ζ√dt Z| has the same sign at these ζ. T = 80: the collapsing cells have
    # rate ≤ −1.6, so θ² falls from O(1) to < 1e-30 (needs ~−35 in log|θ|) well within T.
    dt, mu = 0.01, 1.5
    zetas = [0.0, 1.0, 2.5, 3.0]
    em = [_elog(1 + mu * dt, z * math.sqrt(dt)) for z in zetas]
    assert em[0] > 0 and em[1] > 0 and em[2] < 0 and em[3] < 0
    r = simulate_quartic_well(zetas, 8000, 50, 0, mu=mu, dt=dt)
    np.testing.assert_array_equal(r.collapsed, [0.0, 0.0, 1.0, 1.0])
    assert not r.diverged.any()
    np.testing.assert_allclose(r.theta[0] ** 2, mu, rtol=1e-6)   # ζ = 0: θ → ±√μ


def test_tanh_neuron_collapse_condition(tanh_data):
    # collapse iff η ζ² σ'(0)/2 > Σxy/Σx² (σ'(0) = 1): threshold η_c ≈ 1.97 for these data.
    # η = 0.5: log-rate c − ηs₂/2 ≈ +0.73 → all escape past 1e-2 within T = 30;
    # η = 6: rate ≈ −2 → all collapse
    x, y = tanh_data
    r = simulate_tanh_neuron(x, y, [0.5, 6.0], 3000, 40, 0)
    eta_c = 2 * r.correlation / r.second_moment
    assert 0.5 < eta_c < 6.0
    np.testing.assert_array_equal(r.collapsed, [0.0, 1.0])
    assert not r.diverged.any()


def test_teacher_student_rank_matches_mode_exponents():
    # η = lr/N = 0.005, σ = 14: the per-mode exponent E log|1 + ηŝ + ησZ| (quadrature) is
    # clearly negative for ŝ ∈ {0.05, 0.2} and clearly positive for {1.5, 3} (continuum
    # threshold ησ²/2 = 0.49); with T = 12000 the drifts (≈ −26, −17, +60, +150 in log) beat
    # the noise (sd ≈ 8), so the rank is 2 in (almost) every trajectory
    s_hat = np.array([0.05, 0.2, 1.5, 3.0])
    eta, sigma = 0.005, 14.0
    lam = np.array([_elog(1 + eta * s, eta * sigma) for s in s_hat])
    assert np.all(lam[:2] < -0.001) and np.all(lam[2:] > 0.004)
    r = simulate_teacher_student_modes(s_hat, [0.0, sigma], 5.0, 12000, 20, 0, n_samples=1000)
    # σ = 0: modes with ηŝT ≥ 12 are learned (ŝ = 0.05 grows by only e^{2·3} in this time)
    np.testing.assert_array_equal(r.active_fraction[0, 1:], 1.0)
    assert np.all(r.active_fraction[1, :2] <= 0.05) and np.all(r.active_fraction[1, 2:] >= 0.95)
    assert abs(r.mean_rank[1] - 2.0) <= 0.1 and not r.diverged.any()


def test_teacher_student_lr_drop_and_divergence():
    r = simulate_teacher_student_modes([1.0], 0.0, 2000.0, 200, 5, 0, n_samples=1000, init_scale=0.5)
    assert r.diverged == 1.0 and np.all(r.rank == -1) and np.all(np.isfinite(r.product))
    # the same run with the rate dropped ×0.01 from the start is stable
    r = simulate_teacher_student_modes([1.0], 0.0, 2000.0, 1000, 5, 0, n_samples=1000,
                                       init_scale=0.5, lr_drop_step=0, lr_drop_factor=0.01)
    assert r.diverged == 0.0 and r.mean_rank == 1.0


@pytest.mark.parametrize("call,name", [
    (lambda: simulate_quartic_well(-1.0, 10, 2, 0), "zeta"),
    (lambda: simulate_quartic_well(1.0, 10, 2, 0, dt=0.0), "dt"),
    (lambda: simulate_quartic_well(1.0, 10, 0, 0), "n_chains"),
    (lambda: simulate_quartic_well(1.0, 10, 2, 0, collapse_sq=-1.0), "collapse_sq"),
    (lambda: simulate_tanh_neuron([], [], 1.0, 10, 2, 0), "x"),
    (lambda: simulate_tanh_neuron([1.0, 2.0], [1.0], 1.0, 10, 2, 0), "y"),
    (lambda: simulate_tanh_neuron([1.0, 2.0], [1.0, 2.0], -1.0, 10, 2, 0), "eta"),
    (lambda: simulate_tanh_neuron([1.0, 2.0], [1.0, 2.0], 1.0, 10, 2, 0, zeta=-1.0), "zeta"),
    (lambda: simulate_teacher_student_modes([], 1.0, 1.0, 10, 2, 0), "s_hat"),
    (lambda: simulate_teacher_student_modes([1.0], -1.0, 1.0, 10, 2, 0), "noise"),
    (lambda: simulate_teacher_student_modes([1.0], 1.0, 0.0, 10, 2, 0), "lr"),
    (lambda: simulate_teacher_student_modes([1.0], 1.0, 1.0, 10, 2, 0, n_samples=0), "n_samples"),
    (lambda: simulate_teacher_student_modes([1.0], 1.0, 1.0, 10, 2, 0, lr_drop_step=-1), "lr_drop_step"),
])
def test_collapse_invalid_arguments(call, name):
    with pytest.raises(ValueError, match=name):
        call()
