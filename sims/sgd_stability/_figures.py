"""Registered figures of the SGD-stability theory (Ziyin et al. 2023; Chen et al. 2023; Mulayoff &
Michaeli 2024; settings in docs/sgd_stability.md#nonlinear-check,
docs/sgd_stability.md#collapse-examples and docs/sgd_stability.md#reference-cases).

Importing this module registers the figures; ``sims.figures.make_figure(name)`` draws one.
Data come from ``_figure_data`` and ``_figure_data_thresholds`` (frozen dataclasses, tested), drawing
from ``_plots``.
"""

from __future__ import annotations

import numpy as np

from ..figures import register_figure
from ._figure_data import FINITE_DATA_C, finite_data_exponents, phase_overlay
from ._figure_data_thresholds import (
    REGRESSION_CASE_6,
    SCALAR_REGRESSION_X,
    batch_thresholds_exact,
    batch_thresholds_qr,
    quartic_collapse,
    teacher_student_rank,
)
from ._plots import (
    plot_batch_thresholds,
    plot_finite_data,
    plot_gelu_collapse,
    plot_mlp_collapse,
    plot_phase_overlay,
    plot_quartic_collapse,
    plot_teacher_student_rank,
)

_PHASE_CLAIMS = ("sgd_stability.rank1_criterion", "sgd_stability.closed_form_vs_quadrature_vs_mc",
                 "sgd_stability.phase_labels_vs_sgd", "sgd_stability.symbolic.small_lr_expansion")


@register_figure(
    "sgd_stability_phase_lr_noise", theory="sgd_stability",
    params=dict(lr_max=0.5, n_lr=200, n_noise=120, noise_max=10.0, batch_size=1, n_steps=20_000,
                n_chains=16, width=4), seed=0,
    description="Two-layer net at the origin saddle, model A (x = ±1, y = x + σε), S = 1: exact phase "
                "diagram over λ × σ (labels Ia/Ib/III/IV from Λ± = E log|1 ± λc|, zero contours of Λ±, "
                "L₂ line; phase names on the regions) beside the majority outcome of nonlinear SGD "
                "(f = Σ_{i≤4} u_i w_i x, 16 runs × 2e4 steps per cell; circle area: fraction collapsed where "
                "the runs disagree) under the same theory curves; the simulated divergence boundary (the "
                "minimum's instability) is drawn separately.",
    claims=_PHASE_CLAIMS)
def _phase_lr_noise(*, seed, lr_max, n_lr, n_noise, noise_max, batch_size, n_steps, n_chains, width):
    data = phase_overlay("noise", lr_max=lr_max, n_lr=n_lr, n_noise=n_noise, noise_max=noise_max,
                         batch_size=batch_size, n_steps=n_steps, n_chains=n_chains, width=width, seed=seed)
    return plot_phase_overlay(data)


@register_figure(
    "sgd_stability_phase_lr_batch", theory="sgd_stability",
    params=dict(lr_max=0.5, n_lr=200, max_batch=16, noise=6.0, n_steps=20_000, n_chains=16, width=4), seed=0,
    description="Model A at label noise σ = 6: exact phase diagram over λ × batch size S (Var c ∝ 1/S, "
                "phase III only for S < (σ/σ_c(1))²; the zeros of Λ± and the L₂ line drawn as markers at "
                "each integer S) beside the majority outcome of nonlinear SGD with batches of S fresh samples.",
    claims=_PHASE_CLAIMS)
def _phase_lr_batch(*, seed, lr_max, n_lr, max_batch, noise, n_steps, n_chains, width):
    data = phase_overlay("batch_size", lr_max=lr_max, n_lr=n_lr, max_batch=max_batch, noise=noise,
                         n_steps=n_steps, n_chains=n_chains, width=width, seed=seed)
    return plot_phase_overlay(data)


@register_figure(
    "sgd_stability_finite_data", theory="sgd_stability",
    params=dict(c=list(FINITE_DATA_C), lr_max=4.2, n_lr=3000, floor=-2.0), seed=0,
    description="Model C, reference data set c = {2, 1.5, 0.8, −0.5, −1.2}, S = 1: exact Λ₊(λ), Λ₋(λ) with "
                "the phase bands Ib, Ia, III, Ia, IV, II, IV shaded (all five labels on one λ axis; −∞ at "
                "λ = ±1/c_i clipped for display), L₂ and GD lines; zoom on the phase-II window.",
    claims=("sgd_stability.rank1_criterion", "sgd_stability.closed_form_vs_quadrature_vs_mc"))
def _finite_data(*, seed, c, lr_max, n_lr, floor):
    del seed  # exact: nothing random
    return plot_finite_data(finite_data_exponents(c, lr_max=lr_max, n_lr=n_lr), floor=floor)


@register_figure(
    "sgd_stability_notions_vs_batch", theory="sgd_stability",
    params=dict(X=[list(r) for r in REGRESSION_CASE_6], lr_max=1.6, n_lr=320, n_steps=20_000,
                scalar_x=list(SCALAR_REGRESSION_X)), seed=0,
    description="GD (2/λ_max(H)), mean-square (Mulayoff–Michaeli η*_var(B)) and probabilistic stability vs "
                "batch size B (without replacement within a batch): a 2-D interpolating regression (x = (2, 0), (0, 1), "
                "(1, 1); PS from the top Lyapunov exponent by QR, ±3 SE) and a 1-D regression "
                "x = (0.5, 1, 1.5, 2) where all three are exact. MS ⇒ PS and MS ≤ GD everywhere; PS lies "
                "below GD in case 6 and above it in the 1-D case.",
    claims=("sgd_stability.notions_disagree", "sgd_stability.mean_square_threshold",
            "sgd_stability.qr_commuting", "sgd_stability.qr_sum_rule"))
def _notions_vs_batch(*, seed, X, lr_max, n_lr, n_steps, scalar_x):
    qr = batch_thresholds_qr(np.asarray(X, dtype=float), lr_max=lr_max, n_lr=n_lr, n_steps=n_steps, seed=seed)
    return plot_batch_thresholds(qr, batch_thresholds_exact(scalar_x))


@register_figure(
    "sgd_stability_quartic_collapse", theory="sgd_stability",
    params=dict(zeta_max=3.0, n_zeta=31, n_steps=[20_000, 80_000], n_chains=80, mu=1.5, dt=0.0025), seed=0,
    description="Quartic well dθ = −(θ³ − μθ)dt + ζθ dW, μ = 1.5 (Chen et al. 2023): Euler–Maruyama "
                "collapse probability vs ζ at T = 50 and 200 (dt = 0.0025, θ₀ ~ N(0, 4), collapsed if "
                "θ_T² < 1e-30), with the SDE threshold √(2μ), the EM-corrected threshold, the T → ∞ "
                "stationary-law curve and the finite-horizon 50 % estimates; right: the exponents behind them.",
    claims=("sgd_stability.collapse_thresholds",))
def _quartic(*, seed, zeta_max, n_zeta, n_steps, n_chains, mu, dt):
    data = quartic_collapse(np.linspace(0.0, zeta_max, n_zeta), n_steps=n_steps, n_chains=n_chains, mu=mu,
                            dt=dt, seed=seed)
    return plot_quartic_collapse(data)


@register_figure(
    "sgd_stability_teacher_student_rank", theory="sgd_stability",
    params=dict(noise_max=24.0, noise_step=2.0, lr=3.0, n_steps=60_001, n_chains=6, active_tol=1e-2,
                data_model="chen2023", start="ones", lr_drop_step=50_000, record_every=1000), seed=0,
    description="Diagonal teacher–student with label noise in Chen et al. 2023's setting (Fig. 5): X with "
                "orthonormal columns, ŝ the singular values of XᵀY (N = 1024, n = m = 64, rank-8 teacher with "
                "singular values linspace(0.5, 1, 8), data noise 0.5/√m per entry), start u = v = 1, step "
                "η = 3/1024 dropped ×0.1 at step 50 000 of 60 001, learned if u_kv_k > 1e-2: learned rank vs σ "
                "from per-mode SGD (before and after the drop) against #{k: ŝ_k > ησ²/2}; the rank over "
                "training for three σ, recorded in the same runs.",
    claims=("sgd_stability.collapse_thresholds",))
def _teacher_student(*, seed, noise_max, noise_step, lr, n_steps, n_chains, active_tol, data_model, start,
                     lr_drop_step, record_every):
    noise = np.arange(0.0, noise_max + 0.5 * noise_step, noise_step)
    record = np.union1d(np.arange(0, n_steps + 1, record_every), [lr_drop_step, n_steps])
    data = teacher_student_rank(noise, lr=lr, n_steps=n_steps, n_chains=n_chains, active_tol=active_tol, seed=seed,
                                data_model=data_model, start=start, lr_drop_step=lr_drop_step,
                                record_steps=record.astype(int))
    return plot_teacher_student_rank(data)


# --------------------------------------------------------------------------------------------
# Torch bridge (issue 10, experiment 3): stochastic collapse in trained networks (Chen et al. 2023)
# --------------------------------------------------------------------------------------------

@register_figure(
    "sgd_stability_gelu_collapse", theory="sgd_stability", requires=("torch",),
    params=dict(lrs=[0.005, 0.01, 0.02, 0.04], noises=[0.0, 1.0, 2.0, 3.0, 4.0, 6.0], n_seeds=16, n_steps=5000,
                n_samples=32, momentum=0.9), seed=0,
    paper_params=dict(lrs=[0.0025, 0.005, 0.01, 0.02, 0.03, 0.04, 0.06], noises=[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0,
                                                                                 8.0],
                      n_seeds=256, n_steps=100_000),
    description="Two-neuron GELU student f = a₁σ(w₁ᵀx) + a₂σ(w₂ᵀx) on a two-neuron GELU teacher (30° apart, x ∈ ℝ², "
                "32 samples per run), heavy-ball momentum SGD (β = 0.9, full batch) with label noise ζ, all "
                "(η, ζ, seed) runs batched on the torch bridge: fraction of runs that collapse onto the invariant set "
                "w₁ = w₂, a₁ = a₂ (Chen et al. 2023), median final log10 ‖θ₁ − θ₂‖², and ‖w₁ − w₂‖² over training. "
                "Measured trend (more noise, larger η: more collapse, until divergence); the package's collapse "
                "theory gives no threshold for this network, so none is drawn.",
    claims=("sgd_stability.torch_gelu_collapse",))
def _gelu_collapse(*, seed, lrs, noises, n_seeds, n_steps, n_samples, momentum):
    from ._torch_collapse import gelu_collapse_torch

    result = gelu_collapse_torch(lrs=lrs, noises=noises, n_seeds=n_seeds, n_steps=n_steps, n_samples=n_samples,
                                 momentum=momentum, seed=seed)
    return plot_gelu_collapse(result)


@register_figure(
    "sgd_stability_mlp_collapse", theory="sgd_stability", requires=("torch", "sklearn"),
    params=dict(lrs=[0.005, 0.01, 0.02, 0.05], batch_sizes=[8, 32, 128], noises=[0.0, 1.0], n_seeds=2,
                widths=[32, 32], n_steps=1500), seed=0,
    paper_params=dict(lrs=[0.005, 0.01, 0.02, 0.05, 0.1, 0.2], batch_sizes=[8, 16, 32, 64, 128, 256],
                      noises=[0.0, 0.5, 1.0, 2.0, 3.0], n_seeds=8, widths=[256, 256, 256], n_steps=50_000),
    description="GELU MLP 64 → 32 → 32 → 10 on scikit-learn's digits (1500 train, 297 test), one-hot targets with "
                "Gaussian label noise ζ, momentum SGD (β = 0.9): fraction of independent neurons per hidden layer "
                "(vanishing: ‖θ_j‖ < 0.1 · layer max; duplicated: relative distance < 0.1, single linkage) against "
                "learning rate, batch size and noise, after Chen et al. 2023 (Fig. 4, there for VGG/ResNet on CIFAR); "
                "test accuracy of the same networks. Measured trend only: no theory prediction applies.",
    claims=())
def _mlp_collapse(*, seed, lrs, batch_sizes, noises, n_seeds, widths, n_steps):
    from ._torch_collapse import mlp_independent_neurons_torch

    result = mlp_independent_neurons_torch(lrs=lrs, batch_sizes=batch_sizes, noises=noises, n_seeds=n_seeds,
                                           widths=tuple(widths), n_steps=n_steps, seed=seed)
    return plot_mlp_collapse(result)

# issue 10, SGD stability at scale (torch bridge): Monte-Carlo phase over a fine (λ, σ) grid
# --------------------------------------------------------------------------------------------

@register_figure(
    "sgd_stability_phase_torch", theory="sgd_stability",
    params=dict(lr_max=0.5, n_lr=100, noise_max=10.0, n_noise=60, n_steps=100, n_chains=2048, data="B",
                batch_size=1, device="auto", dtype="float64"), seed=0,
    paper_params=dict(n_lr=200, n_noise=120, n_steps=1000, n_chains=2**20),
    requires=("torch",),
    description="Linearised two-layer SGD at the origin saddle, model B (x ~ N(0, 1), y = x + σε), S = 1, on the "
                "torch bridge: the sign phase of the Monte-Carlo exponents Λ± per cell (undecided within 3 SE) "
                "under the quadrature theory's zero contours and L₂ line, and (MC − theory)/SE of Λ₋. Default "
                "60 × 100 cells × 2,048 chains × 100 steps (about 20 s on one CPU core; the CPU Monte-Carlo "
                "diagram is 40 × 40); paper size 120 × 200 cells × 2^20 chains × 1,000 steps on a GPU.",
    claims=("sgd_stability.torch_lyapunov_grid",))
def _phase_torch(*, seed, lr_max, n_lr, noise_max, n_noise, n_steps, n_chains, data, batch_size, device, dtype):
    from ._figure_data_torch import torch_phase_grid
    from ._plots_torch import plot_torch_phase

    return plot_torch_phase(torch_phase_grid(lr_max=lr_max, n_lr=n_lr, noise_max=noise_max, n_noise=n_noise,
                                             n_steps=n_steps, n_chains=n_chains, data=data, batch_size=batch_size,
                                             seed=seed, device=device, dtype=dtype))
