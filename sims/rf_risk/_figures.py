"""Registered figures of the random-feature risk theory (Simon et al. 2023; Advani et al. 2017).

Importing this module registers the figures; ``sims.figures.make_figure(name)`` draws one.
"""

from __future__ import annotations

from ..figures import register_figure
from ._figure_data import advani_saxe_figure_data
from ._plots import plot_advani_saxe

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
