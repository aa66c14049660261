"""Registered figures of the NTP theory (Thrampoulidis 2024; Soudry et al. 2018).

Importing this module registers the figures; ``sims.figures.make_figure(name)`` draws one.
Settings: docs/ntp.md#gradient-descent-and-theorem-2, docs/ntp.md#separable-logistic-regression,
docs/ntp.md#the-separability-phase-diagram.
"""

from __future__ import annotations

from ..figures import register_figure
from ._figure_data import overparameterized_runs, soudry_runs, toy_run
from ._plots import plot_overparameterized, plot_soudry, plot_toy


@register_figure(
    "ntp_toy", theory="ntp", params=dict(steps=100_000), seed=0,
    description="The 2-D toy of Thrampoulidis (2024), Figs 1-2 (V = 5, m = 3, supports of 3): rows of "
                "W^mm against the context vectors (words 1 and 5 share a support pattern and coincide), "
                "rows of W⋆; GD from 0 at η = 1/λ_max(HΠHᵀ): CE → entropy, ‖W‖ ~ ‖W^mm‖ ln k, "
                "corr → 1, ‖P_F W − W⋆‖ → 0.",
    claims=("ntp.lemma2_entropy_norm", "ntp.theorem2_direction"))
def _toy(*, seed, steps):
    return plot_toy(toy_run(steps=steps))


@register_figure(
    "ntp_overparameterized", theory="ntp", params=dict(steps=10_000), seed=0,
    description="Thrampoulidis (2024), App. A.2: m = 50, d = 60, V = 10, supports of 6, π̂ from n = 5000; "
                "GD (η = 0.5), normalised GD (η = 0.01), Adam (η = 0.01, β = (0.9, 0.99)) from 0 for 1e4 "
                "iterations: CE − entropy, ‖W‖, corr(W, W^mm), corr(W − W⋆, W^mm), ‖P_F W − W⋆‖.",
    claims=("ntp.lemma2_entropy_norm", "ntp.theorem2_direction"))
def _overparameterized(*, seed, steps):
    return plot_overparameterized(overparameterized_runs(steps=steps, seed=seed))


@register_figure(
    "ntp_soudry", theory="ntp", params=dict(steps=1_000_000, momentum=0.9), seed=0,
    description="Soudry et al. (2018), Fig. 1 setting: support vectors (0.5, 1.5), (1.5, 0.5) (y = +1) and "
                "their negatives (y = −1) plus 12 random points off the margin; GD and momentum 0.9 from 0: "
                "‖w(t)‖ ~ ‖ŵ‖ ln t, loss ~ 1/t, angle and margin gaps → 0.",
    claims=("ntp.soudry_base_case",))
def _soudry(*, seed, steps, momentum):
    return plot_soudry(soudry_runs(steps=steps, momentum=momentum, seed=seed))


@register_figure(
    "ntp_separability", theory="ntp",
    params=dict(V=8, m=12, x_values=[d / 12 for d in range(1, 15)], n_trials=10), seed=0,
    description="Monte-Carlo probability that random data (Gaussian embeddings, uniform supports of size S) "
                "are NTP-separable, over d/m and S (V = 8, m = 12, d = 1, …, 14, 10 trials per cell), with the d = m line of Lemma 1.",
    claims=("ntp.lemma1_overparameterized",))
def _separability(*, seed, **params):
    from ..phase import phase_diagram

    return phase_diagram("ntp_separability", save=False, seed=seed, **params).figure


# --------------------------------------------------------------------------------------------
# torch bridge (issue 10, experiment 4): GD at vocabulary scale
# --------------------------------------------------------------------------------------------

@register_figure(
    "ntp_vocab_scale", theory="ntp",
    params=dict(V=2000, m=10, d=12, support_size=8, concentration=4.0, steps=2000, device="auto"),
    paper_params=dict(V=10_000, m=200, d=256, support_size=20, steps=20_000),
    requires=("torch",), seed=0,
    description="GD on the linear NTP model at vocabulary scale on the torch bridge: orthonormal embeddings, "
                "uniform supports, Dirichlet probabilities, η = 1/λ_max(HΠHᵀ) from 0; the closed forms "
                "W^mm = S̃Hᵀ and W⋆ = L^in Hᵀ as targets: CE − entropy, 1 − corr(W, W^mm), "
                "1 − corr(W − W⋆, W^mm), ‖P_F W − W⋆‖. Default V = 2000 (CPU, seconds); paper size V = 10⁴, "
                "m = 200, d = 256, 2·10⁴ steps (GPU).",
    claims=("ntp.torch_vocab_scale",))
def _vocab_scale(*, seed, V, m, d, support_size, concentration, steps, device):
    from theory.ntp import random_instance, step_size_bound

    from ._plots import plot_vocab_scale
    from ._torch_vocab import gradient_descent_torch

    data = random_instance(V, m, d, support_size, seed=seed, embeddings="orthonormal", concentration=concentration)
    run = gradient_descent_torch(data.H, data.P, data.pi, float(step_size_bound(data.H, data.pi)), steps,
                                 device=device)
    from .._torch import resolve_device

    setting = dict(V=V, m=m, d=d, support_size=support_size, device=str(resolve_device(device)))
    return plot_vocab_scale(run, setting)
