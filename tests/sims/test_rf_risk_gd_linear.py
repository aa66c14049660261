"""GD on linear regression in the Advani–Saxe model (sims.rf_risk._gd_linear).

The kernel/oracle bit-identity, thread independence and divergence reporting are checked for the
registry cases by tests/sims/test_kernel_registry.py; here: the GD kernel against the exact
per-mode formula on the same data, discrete GD → gradient flow as lr → 0, the exact modes
against the theory within standard errors, and bad input.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import sims.rf_risk as S
import theory.rf_risk as R


def test_gd_kernel_equals_exact_discrete_modes():
    # same seed = same data per trial; (1 − ηλ)^k per mode is the exact GD iterate, so the kernel's
    # errors agree to rounding (~100 steps × 1e-16 × condition): tolerance 1e-12 absolute on O(1) values
    gd = S.advani_saxe_gd(10, 25, 0.05, 120, 1.0, 0.25, 0.3, trials=5, seed=7)
    modes = S.advani_saxe_modes(10, 25, gd.times, 1.0, 0.25, 0.3, trials=5, seed=7, lr=0.05)
    np.testing.assert_allclose(gd.test, modes.test, rtol=0, atol=1e-12)
    np.testing.assert_allclose(gd.train, modes.train, rtol=0, atol=1e-12)
    assert not gd.diverged.any() and not modes.diverged.any()


def test_torch_core_is_compared_in_standard_errors():
    # the registry suite compares the torch core with numba on its cases; here the comparison must
    # catch a changed teacher variance (E_g(0) = σ_w² + σ_ε²: 1.25 vs 2.25, SE ≈ 0.03 with 200 trials)
    import os

    import sims._torch as bridge

    if not bridge.torch_available():
        if os.environ.get("DLTHEORY_REQUIRE_TORCH") == "1":
            raise RuntimeError("DLTHEORY_REQUIRE_TORCH=1 but torch is not installed (pip install torch==2.13.0)")
        pytest.skip("torch is not installed")
    kw = dict(n_inputs=12, n_samples=24, lr=0.1, steps=50, trials=200, seed=5)
    sim = S.advani_saxe_gd.simulation
    assert sim.torch_comparison.kind == "statistical"
    a = S.advani_saxe_gd(**kw)
    b = S.advani_saxe_gd(**kw, backend="torch:cpu")
    assert not sim.torch_comparison.compare(a, b, (), kw)
    assert not np.array_equal(a.test, b.test)              # its own draws, not numba's
    c = S.advani_saxe_gd(**kw, sigma_w2=2.0, backend="torch:cpu")
    assert any("test_mean" in p for p in sim.torch_comparison.compare(a, c, (), kw))
    # the same seed gives the same torch draws
    np.testing.assert_array_equal(b.test, S.advani_saxe_gd(**kw, backend="torch:cpu").test)


def test_gd_kernel_oracle_agree_on_underparameterised_case():
    kw = dict(n_inputs=9, n_samples=4, lr=0.2, steps=30, sigma_02=0.5, trials=3, seed=11)
    a, b = S.advani_saxe_gd(**kw), S.advani_saxe_gd_reference(**kw)
    np.testing.assert_array_equal(a.test, b.test)
    np.testing.assert_array_equal(a.train, b.train)


def test_discrete_gd_converges_to_flow_as_lr_shrinks():
    # per mode (1 − ηλ)^{t/η} = e^{−λt}(1 − ηλ²t/2 + O(η²)): the error at fixed t is O(η);
    # halving η must roughly halve it (ratio in [1.6, 2.4]); at η = 0.01 the first-order factor
    # η·λ²t e^{−λt}/2 is <= 0.007 for λ <= λ_max ≈ 5.8 (t = 0.4), on errors of O(1): within 0.01
    times = np.array([0.4, 2.0, 8.0])
    flow = S.advani_saxe_modes(20, 40, times, trials=4, seed=2)
    errs = []
    for lr in (0.04, 0.02, 0.01):
        gd = S.advani_saxe_gd(20, 40, lr, int(round(8.0 / lr)), trials=4, seed=2,
                              checkpoints=np.rint(times / lr).astype(np.int64))
        np.testing.assert_allclose(gd.times, times, rtol=1e-12)
        errs.append(max(np.abs(gd.test - flow.test).max(), np.abs(gd.train - flow.train).max()))
    assert 1.6 < errs[0] / errs[1] < 2.4 and 1.6 < errs[1] / errs[2] < 2.4
    assert errs[2] < 0.01


def test_divergence_is_reported_without_nan():
    # λ_max(XᵀX) ≈ (1 + √2)² ≈ 5.8 at α = 2: η = 3 > 2/λ_max diverges
    r = S.advani_saxe_gd(12, 24, 3.0, 100, trials=4, seed=0)
    assert r.diverged.all() and np.all(r.diverged_at > 0)
    assert not np.isnan(r.test).any() and not np.isnan(r.test_mean).any() and not np.isnan(r.test_se).any()
    assert np.isinf(r.test[:, -1]).all() and np.isinf(r.test_mean[-1])
    m = S.advani_saxe_modes(12, 24, [0.0, 3.0], trials=4, seed=0, lr=3.0)
    assert m.diverged.all() and np.isinf(m.test[:, 1]).all() and np.isfinite(m.test[:, 0]).all()


def test_modes_match_theory_within_standard_errors():
    # N = 100, 60 trials: |MC − theory| <= 4 SE + the finite-N bias 2·excess/(|P − N| − 1) (the exact
    # Wishart value of that bias at t = ∞ is 1·excess/(|P − N| − 1))
    times = np.array([0.0, 0.5, 2.0, 10.0, np.inf])
    for alpha, s0 in ((0.5, 0.5), (2.0, 0.0)):
        N = 100
        P = int(alpha * N)
        mc = S.advani_saxe_modes(N, P, times, 1.0, 0.25, s0, trials=60, seed=1)
        th = R.advani_saxe_curves(alpha, times, 1.0, 0.25, s0)
        allow = 2 * (th.test_error - 0.25) / (abs(P - N) - 1)
        assert np.all(np.abs(mc.test_mean - th.test_error) <= 4 * mc.test_se + allow + 1e-12)
        allow_t = 2 * th.train_error / (abs(P - N) - 1)
        assert np.all(np.abs(mc.train_mean - th.train_error) <= 4 * mc.train_se + allow_t + 1e-12)
        # at t = 0 nothing has moved: E_g = ‖w0 − w̄‖²/N + σ_ε² on average S + σ_ε²
        assert abs(mc.test_mean[0] - (1.0 + s0 + 0.25)) <= 4 * mc.test_se[0]


@pytest.mark.parametrize("call,match", [
    (lambda: S.advani_saxe_gd(0, 4, 0.1, 3), "n_inputs"),
    (lambda: S.advani_saxe_gd(4, 4.0, 0.1, 3), "n_samples"),
    (lambda: S.advani_saxe_gd(4, 4, -0.1, 3), "lr"),
    (lambda: S.advani_saxe_gd(4, 4, 0.1, -1), "steps"),
    (lambda: S.advani_saxe_gd(4, 4, 0.1, 3, sigma_eps2=-1.0), "sigma_eps2"),
    (lambda: S.advani_saxe_gd(4, 4, 0.1, 3, trials=0), "trials"),
    (lambda: S.advani_saxe_gd(4, 4, 0.1, 3, seed=-1), "seed"),
    (lambda: S.advani_saxe_gd(4, 4, 0.1, 3, checkpoints=[0, 5]), "checkpoints"),
    (lambda: S.advani_saxe_gd(10**6, 10**6, 0.1, 3), "n_samples \\* n_inputs"),
    (lambda: S.advani_saxe_modes(4, 4, [-1.0]), "times"),
    (lambda: S.advani_saxe_modes(4, 4, [0.15], lr=0.1), "multiples of lr"),
    (lambda: S.advani_saxe_modes(4, 4, [1.0], sigma_w2=math.nan), "sigma_w2"),
    (lambda: S.advani_saxe_modes(4, 4, [1.0], tau=0.0), "tau"),
])
def test_bad_input_names_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_figure_data_shape():
    # the shape the paper reports: interior E_g minimum for every α, α = 1 growing, early stopping above E_g*
    from sims.rf_risk._figure_data import advani_saxe_figure_data

    d = advani_saxe_figure_data(n_inputs=40, trials=8, seed=0)
    assert d.test_error.shape == (3, d.t.size) and d.mc_test_mean.shape == (3, d.mc_times.size)
    assert np.all(d.stopping_error >= d.optimal_ridge_error)
    assert np.all(np.isfinite(d.stopping_time)) and np.all(d.test_error.min(axis=1) < d.test_error[:, -1])
    i1 = d.alphas.index(1.0)
    assert np.isinf(d.test_asymptote[i1]) and d.test_error[i1, -1] > 3 * d.test_error[i1].min()
