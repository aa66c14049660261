"""Registered figures of the lazy/rich theory (Kunin et al. 2024; settings of docs/lazy_rich.md#figure-settings).

Importing this module registers the figures; ``sims.figures.make_figure(name)`` draws one.
"""

from __future__ import annotations

from ..figures import register_figure
from ._plots import (
    plot_basins,
    plot_dynamics,
    plot_implicit_bias,
    plot_sign_flip,
    plot_surfaces,
)

_WHITENED = dict(beta0=[-1.0, 0.0], beta_star=[0.0, 1.0])
_DELTAS = [-4.0, -2.0, -1.0, 0.0, 1.0, 2.0, 4.0]


@register_figure(
    "lazy_rich_surfaces", theory="lazy_rich",
    params=dict(deltas=[-2.0, 0.0, 2.0], T=20.0, extent=2.0, **_WHITENED), seed=0,
    description="Conserved surfaces a² − ‖w‖² = δ (hyperboloids / cone) in (w1, w2, a) with the "
                "exact gradient-flow trajectory from β0 = (−1, 0) to β* = (0, 1) and the solution "
                "manifold a·w = β* (Kunin et al. 2024, Fig 2).",
    claims=("lazy_rich.conservation_gf", "lazy_rich.exact_vs_ode"))
def _surfaces(*, seed, **params):
    return plot_surfaces(**params)


@register_figure(
    "lazy_rich_dynamics", theory="lazy_rich",
    params=dict(deltas=_DELTAS, T=20.0, compat_panel=True, compat_delta=0.0, **_WHITENED), seed=0,
    description="Signed magnitude μ(t), alignment φ(t) and kernel distance S(0, t) from the exact "
                "solution for δ ∈ {−4, …, 4}; last panel: correct S vs the published code's a(0)² "
                "variant at δ = 0 (Kunin et al. 2024, Fig 3).",
    claims=("lazy_rich.exact_vs_ode", "lazy_rich.parametrizations_agree",
            "lazy_rich.kernel_distance_ntk", "lazy_rich.regimes"))
def _dynamics(*, seed, **params):
    return plot_dynamics(**params)


@register_figure(
    "lazy_rich_implicit_bias", theory="lazy_rich",
    params=dict(x=[0.5, 1.0], y=1.1, beta0=[0.4, 0.05], deltas=_DELTAS, T=20.0), seed=0,
    description="One sample in 2-D: gradient-flow paths in the β-plane ending on xᵀβ = y, the "
                "implicit-bias (Bregman projection) prediction per δ and the δ = ±∞ limits "
                "(Kunin et al. 2024, Fig 4b).",
    claims=("lazy_rich.implicit_bias_vs_gf",))
def _implicit_bias(*, seed, **params):
    return plot_implicit_bias(**params)


@register_figure(
    "lazy_rich_sign_flip", theory="lazy_rich",
    params=dict(beta_star=[0.5, 0.5],
                beta0s=[[0.0, -1.0], [0.7071067811865476, -0.7071067811865476],
                        [0.7071067811865476, 0.7071067811865476]],
                deltas=[-2.0, -1.0, -0.2, 0.02, 0.2, 1.0, 2.0], T=10.0, nu_clip=4.0), seed=0,
    description="Exact solution vs gradient flow (DOP853, rtol = atol = 1e-11) for XᵀX = I₂, "
                "β* = (0.5, 0.5): ν(t) = wᵀβ*/a, a(t), w1(t), w2(t); runs predicted to flip the "
                "sign of a (ν0 < ν₋) dashed (Kunin et al. 2024, appendix).",
    claims=("lazy_rich.exact_vs_ode", "lazy_rich.sign_flip", "lazy_rich.parametrizations_agree"))
def _sign_flip(*, seed, **params):
    return plot_sign_flip(**params)


@register_figure(
    "lazy_rich_basins", theory="lazy_rich",
    params=dict(beta_star=[1.0, 0.25], deltas=[0.0, -2.0, -10.0], a_start=-4.0, eps=1e-3,
                T=200.0), seed=0,
    description="Runs started ±1e-3 in a off the separating surface {wᵀβ* = aν₋} at a = −4 "
                "converge to opposite-sign solutions (exact solution; Kunin et al. 2024, "
                "appendix basin figure).",
    claims=("lazy_rich.sign_flip", "lazy_rich.limit_and_rates"))
def _basins(*, seed, **params):
    return plot_basins(**params)


@register_figure(
    "lazy_rich_phase_diagram", theory="lazy_rich",
    params=dict(y="scale", t_max=200.0, lazy_threshold=0.1, delay_ratio=0.1), seed=0,
    description="Phase diagram over δ and init scale ‖β0‖/‖β*‖ (orthogonal init, β* = (0, 1)): lazy / rich / "
                "delayed rich labels, S(0, ∞) and time to learn from the closed forms, with gradient-flow "
                "runs on a 6 × 4 sub-grid overlaid.",
    claims=("lazy_rich.exact_vs_ode", "lazy_rich.kernel_distance_ntk", "lazy_rich.limit_and_rates",
            "lazy_rich.regimes"))
def _phase_scale(*, seed, **params):
    from ..phase import phase_diagram

    return phase_diagram("lazy_rich", save=False, **params).figure


@register_figure(
    "lazy_rich_phase_diagram_alignment", theory="lazy_rich",
    params=dict(y="alignment", scale=0.1, t_max=200.0, lazy_threshold=0.1, delay_ratio=0.1), seed=0,
    description="Phase diagram over δ and the initial alignment φ0 = cos∠(β0, β*) at scale 0.1, same "
                "quantities and overlay as lazy_rich_phase_diagram.",
    claims=("lazy_rich.exact_vs_ode", "lazy_rich.kernel_distance_ntk", "lazy_rich.sign_flip"))
def _phase_alignment(*, seed, **params):
    from ..phase import phase_diagram

    return phase_diagram("lazy_rich", save=False, **params).figure


# ---------------------------------------------------------------- issue 10 (torch bridge): ReLU sweep, Fig. 1
@register_figure(
    "lazy_rich_relu_sweep", theory="lazy_rich",
    params=dict(n_tau=5, n_delta=5, n_seeds=2, m=20, n=100, d=10, m0=3, n_test=1000, n_steps=10_000,
                device="auto", checkpoint_dir=None), seed=0,
    paper_params=dict(n_tau=17, n_delta=17, n_seeds=16, m=50, n=1000, d=100, n_test=10_000, n_steps=10**6),
    requires=("torch",),
    description="Two-layer ReLU networks (teacher m0 = 3, mirrored start f = 0) trained by full-batch GD over a "
                "(τ, δ) grid × seeds in one batched torch run: seed-mean heat maps of test loss, kernel distance, "
                "Hamming and parameter distance and the network–linearisation gap at step 10² and at the end "
                "(Kunin et al. 2024, Fig. 1; the default is a reduced size, --size paper the paper's, for a GPU).",
    claims=("lazy_rich.torch_delta_conservation",))
def _relu_sweep(*, seed, n_tau, n_delta, n_seeds, m, n, d, m0, n_test, n_steps, device, checkpoint_dir):
    import numpy as np

    from ._plots import plot_relu_sweep
    from ._torch_relu_sweep import relu_sweep_torch

    result = relu_sweep_torch(np.logspace(-1.0, 0.3, n_tau), np.linspace(-1.0, 1.0, n_delta), n_seeds, m=m, n=n,
                              d=d, m0=m0, n_test=n_test, n_steps=n_steps, seed=seed, device=device,
                              checkpoint_dir=checkpoint_dir)
    return plot_relu_sweep(result)
