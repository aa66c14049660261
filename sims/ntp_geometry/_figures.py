"""Registered figures of the NTP-geometry theory (Zhao et al. 2024); settings: docs/ntp_geometry.md."""

from __future__ import annotations

from ..figures import register_figure
from ._figure_data import lambda_sweep, logit_maps
from ._plots import plot_lambda_law, plot_logit_maps


@register_figure(
    "ntp_geometry_logits", theory="ntp_geometry", params=dict(lam=1e-4), seed=0,
    description="Duplicated supports (V = 6, m = 8; supports {0,1}, {2,3,4}, {1,5}, {0,3}, each twice), Dirichlet(1) "
                "probabilities: heat maps of L^in, L^mm, S̃, the certified L_λ (λ = 1e-4) and L_λ − cL^mm; singular "
                "values of L^mm (rank 3) and S̃ (rank 4).",
    claims=("ntp_geometry.rank_counterexample", "ntp_geometry.nuclear_below_centered_support",
            "ntp_geometry.subspace_collapse"))
def _logits(*, seed, lam):
    return plot_logit_maps(logit_maps(lam=lam, seed=seed))


@register_figure(
    "ntp_geometry_lambda_law", theory="ntp_geometry", params=dict(n_instances=4), seed=0,
    description="Certified UFM logits along λ = 1e-1 ... 1e-5: c(λ) against ln(1/λ) with slope-1 guides (4 random "
                "instances, V = 6, m = 8, supports of size 1-3), the in-support error and relative residual, and the "
                "collapse and Gram cosines on the duplicated-support instance.",
    claims=("ntp_geometry.ln_lambda_law", "ntp_geometry.subspace_collapse"))
def _lambda_law(*, seed, n_instances):
    return plot_lambda_law(lambda_sweep(seeds=tuple(range(seed, seed + int(n_instances)))))
