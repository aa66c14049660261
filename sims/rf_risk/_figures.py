"""Registered figures of the rf_risk theory (Simon et al. 2023; Advani et al. 2017).

Importing this module registers the figures; ``sims.figures.make_figure(name)`` draws one.
Settings: docs/rf_risk.md#monte-carlo, docs/rf_risk.md#power-law-tasks,
docs/rf_risk.md#the-risk-phase-diagram.
"""

from __future__ import annotations

from ..figures import register_figure
from ._figure_data import advani_saxe_figure_data, fitting_ratio_data, rf_risk_curves
from ._plots import plot_advani_saxe, plot_fitting_ratio, plot_risk_curves


@register_figure(
    "rf_risk_curves", theory="rf_risk", params=dict(points=120, trials=12), seed=0,
    description="Simon et al. (2023), synthetic panel: λ_i = v_i² = i^-1.5, M = 10⁴, σ² = 0.5; test and train MSE "
                "vs k at n = 256 and vs n at k = 256 for δ ∈ {4.64e-3, 2.15e-2, 0.1, 2.15, 21.5}, the optimal-ridge "
                "envelope and the optimal KRR line (theory.rf_risk.risk_grid), Monte-Carlo points ± SE in the "
                "Gaussian model (12 trials) at k ∈ {32, 100, 512} and n ∈ {32, 100, 1000}.",
    claims=("rf_risk.theory_vs_monte_carlo", "rf_risk.train_test_relation", "rf_risk.theorem1_more_is_better"))
def _curves(*, seed, points, trials):
    return plot_risk_curves(rf_risk_curves(points=points, trials=trials, seed=seed))


@register_figure(
    "rf_risk_fitting_ratio", theory="rf_risk", params=dict(points=400), seed=0,
    description="Simon et al. (2023), power-law tasks with the exponents of their CIFAR-10 (1.17, 1.14), SVHN "
                "(1.22, 1.20) and MNIST (1.12, 1.36) kernels: continuum f(s) vs R = s² for σ_rel² ∈ {0, 1, 5, 50} "
                "(rescaled to each curve's minimum), closed-form R* (stars) and the discrete kernel-limit theory "
                "at n = 10⁴ over a ridge sweep (circles).",
    claims=("rf_risk.powerlaw_fitting_ratio",))
def _fitting_ratio(*, seed, points):
    return plot_fitting_ratio(fitting_ratio_data(points=points))


@register_figure(
    "rf_risk_phase", theory="rf_risk", params=dict(ridge=1e-2), seed=0,
    description="Theory over a 40 × 40 log grid of k and n in [10, 5012] (λ_i = v_i² = i^-1.5, M = 10⁴, σ² = 0.5): "
                "test MSE at δ = 1e-2 (double-descent ridge along n = k) and the optimal-ridge risk E* "
                "(theory.rf_risk.optimal_ridge_grid, δ = 0 included), with δ* contours and the interpolation threshold.",
    claims=("rf_risk.theorem1_more_is_better",))
def _phase(*, seed, ridge):
    from ..phase import phase_diagram

    return phase_diagram("rf_risk", save=False, ridge=ridge).figure


# --------------------------------------------------------------------------------------------
# Advani, Saxe & Sompolinsky (2017) (ADVANI helper)


@register_figure(
    "rf_risk_advani_saxe", theory="rf_risk",
    params=dict(alphas=[0.5, 1.0, 2.0], sigma_w2=1.0, sigma_eps2=0.25, sigma_02=0.0, n_inputs=400, trials=100),
    seed=0,
    description="Advani, Saxe & Sompolinsky (2017): gradient-flow test error E_g(t) and training error E_t(t) of "
                "linear regression for α = P/N ∈ {0.5, 1, 2} (σ_w² = 1, σ_ε² = 0.25, σ_0 = 0): Marchenko–Pastur "
                "integrals (lines), exact-mode Monte Carlo ± SE (N = 400, 100 trials), asymptotes (dashed), "
                "the Bayes-optimal ridge error E_g* (dotted) and early stopping t* (stars); α = 1 diverges like √t.",
    claims=("rf_risk.advani_saxe_curves", "rf_risk.advani_saxe_optimal_stopping"))
def _advani_saxe(*, seed, alphas, sigma_w2, sigma_eps2, sigma_02, n_inputs, trials):
    return plot_advani_saxe(advani_saxe_figure_data(alphas, sigma_w2, sigma_eps2, sigma_02, n_inputs=n_inputs,
                                                    trials=trials, seed=seed))


# --------------------------------------------------------------------------------------------
# torch bridge (issue 10, experiment 5; TNTP helper)


@register_figure(
    "rf_risk_torch_grid", theory="rf_risk",
    params=dict(M=3000, alpha=1.5, noise=0.1, n=[100, 400], k=[25, 50, 200, 800, 1600],
                ridges=[0.0, 1e-2], trials=30, device="auto"),
    paper_params=dict(M=40_000, n=[1000, 4000], k=[250, 500, 2000, 8000, 20_000], trials=20),
    requires=("torch",), seed=0,
    description="Monte-Carlo test MSE of random-feature ridge regression in the Gaussian model on the torch bridge "
                "(λ_i = v_i² = i^-1.5, σ² = 0.1) over an (n, k) grid, against the eigenframework "
                "(theory.rf_risk.risk_grid): ridge 0 (double descent at n = k; no k equals an n, where the ridgeless risk is infinite) and δ = 1e-2. Default: M = 3000, "
                "k up to 1600, 30 trials per cell (CPU); paper size: M = 4·10⁴, k up to 2·10⁴, n up to 4000 (GPU).",
    claims=("rf_risk.torch_grid",))
def _torch_grid(*, seed, M, alpha, noise, n, k, ridges, trials, device):
    import numpy as np

    from ._plots import plot_torch_grid
    from ._torch_mc import monte_carlo_risk_grid_torch

    lam = np.arange(1, M + 1, dtype=float) ** -alpha
    grid = monte_carlo_risk_grid_torch(lam, lam, n, k, ridges, noise=noise, trials=trials, seed=seed, device=device)
    return plot_torch_grid(grid, dict(M=M, alpha=alpha))
