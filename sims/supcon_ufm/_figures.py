"""Registered figures of the SC UFM theory (Behnia & Thrampoulidis 2024).

Importing this module registers the figures; ``sims.figures.make_figure(name)`` draws one. Settings:
docs/supcon_ufm.md.
"""

from __future__ import annotations

from ..figures import register_figure
from ._figure_data import block_data, gram_data
from ._plots import plot_blocks, plot_gram


@register_figure(
    "supcon_ufm_gram", theory="supcon_ufm", params=dict(tau=1.0, steps=3000, n_inits=5), seed=0,
    description="Certified optima of the Gram relaxation at tau = 1: balanced (4,4,4) is the simplex ETF, STEP "
                "(8,2,2) a block matrix; Riemannian GD (lr 0.05, 5 random inits) reaches the SDP loss when "
                "d = 3 >= rank G* and stalls above it for balanced k = 4 in d = 2 < rank G* = 3.",
    claims=("supcon_ufm.benign_landscape", "supcon_ufm.balanced_etf", "supcon_ufm.rank_deficient_control",
            "supcon_ufm.step_blocks"))
def _gram(*, seed, tau, steps, n_inits):
    return plot_gram(gram_data(tau=tau, steps=steps, n_inits=n_inits, seed=seed))


@register_figure(
    "supcon_ufm_blocks", theory="supcon_ufm", params=dict(n_major=8, ratios=[1, 2, 4], taus=[0.5, 1.0, 2.0]),
    seed=0,
    description="STEP labels (k = 3, one majority class of 8, minorities of 8/R): the maj-min and min-min block "
                "values of the certified optimum against R for tau in {0.5, 1, 2}, with the ETF value; and the "
                "excess of the optimal loss over sum_i log(n_{y_i} - 1) against 1/tau (balanced: SDP and closed "
                "form; STEP (8,2,2)).",
    claims=("supcon_ufm.step_blocks", "supcon_ufm.small_temperature"))
def _blocks(*, seed, n_major, ratios, taus):
    return plot_blocks(block_data(n_major=n_major, ratios=tuple(ratios), taus=tuple(taus)))


@register_figure(
    "supcon_ufm_embedding", theory="supcon_ufm", params=dict(tau=1.0, steps=20000), seed=0,
    description="Features in d = 3 after Riemannian GD (lr 0.05, stopped at gradient norm 1e-8) at tau = 1: "
                "balanced k = 4, m = 3 collapses to a regular tetrahedron (rank G* = 3 = d); STEP (8,2,2) "
                "collapses to three points on a great circle (rank G* = 2). The certified gap bound of each "
                "run's Gram matrix is in the title.",
    claims=("supcon_ufm.benign_landscape", "supcon_ufm.balanced_etf"))
def _embedding(*, seed, tau, steps):
    from ._figure_data import embedding_data
    from ._plots import plot_embedding

    return plot_embedding(embedding_data(tau=tau, steps=steps, seed=seed))
