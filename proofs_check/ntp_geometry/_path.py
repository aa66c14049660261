"""The λ → 0 limit of the NTP unconstrained-features model (Zhao et al. 2024): the ln(1/λ) law, subspace
collapse and the Gram geometry (docs/ntp_geometry.md#the-ln1lambda-law, docs/ntp_geometry.md#gram-geometry).

Theory side: L_λ ≈ L^in + c(λ)L^mm with c(λ) = ln(1/λ) + const + o(1), L^mm the certified nuclear logit
SVM; equal columns of L^mm for identical supports. Observed side: the certified convex solutions
``theory.ntp_geometry.ufm_logits`` along λ ∈ {1e-2, 1e-3, 1e-4, 1e-5}.
"""

from __future__ import annotations

import numpy as np

from theory.ntp import random_instance
from theory.ntp_geometry import (
    decompose_logits,
    duplicated_support_instance,
    gram_geometry,
    identical_support_pairs,
    logit_max_margin,
    ufm_logits,
)

from .._claim import Check, Comparison, Nontrivial, Perturbation, cite, claim

LAMBDAS = (1e-2, 1e-3, 1e-4, 1e-5)


def _increases(values) -> int:
    """Number of consecutive increases (a strictly decreasing sequence gives 0)."""
    return int(np.count_nonzero(np.diff(np.asarray(values, dtype=float)) >= 0))


@claim("ntp_geometry.ln_lambda_law",
       source=f"{cite('zhao2024', 'NTP-UFM, sparse plus low-rank logits as λ → 0')}; "
              "docs/ntp_geometry.md#the-ln1lambda-law",
       statement="Along the certified UFM solutions L_λ (V = 6, m = 8, random supports of size 1-3, Dirichlet "
                 "probabilities), the coefficient c(λ) = ⟨L_λ, L^mm⟩/‖L^mm‖² grows like ln(1/λ) (the rate is a "
                 "heuristic derived in docs/ntp_geometry.md, not a theorem of the paper; fitted slope 1 "
                 "over λ = 1e-2 ... 1e-5), the residual L_λ − c L^mm shrinks relative to c‖L^mm‖ at every step, "
                 "and the in-support error ‖P_F L_λ − L^in‖ decreases at every step and by at least 20x.",
       tolerance_reason="the slope: c − ln(1/λ) = ln(A/‖L^mm‖_*) + o(1) (a derived heuristic: an off-support loss "
                        "~A e^(−c) balanced against λ c ‖L^mm‖_*); the o(1) drift over the range was at most 0.17 "
                        "(seeds 0-9) over a span ln(1e3) = 6.9, i.e. slope errors <= 0.024 observed; 0.05 leaves a factor "
                        "2; solutions are certified to duality gap 1e-7 nats. Trends are counts (tolerance 0). The "
                        "in-support error falls about 10x per decade (observed factor >= 80 over the range); 20x is "
                        "the conservative floor",
       seeds=range(5), seeds_reason="the seed draws supports and probabilities; seeds 0-9 were measured, 0-4 are "
                                    "checked (each costs four conic solves)",
       wrong=Perturbation(relative=0.1), setting=dict(V=6, m=8, max_support=3, lambdas=LAMBDAS, slope_tol=0.05,
                                                      in_support_factor=20.0))
def _ln_lambda_law(setting, seed, perturb):
    V, m = int(setting["V"]), int(setting["m"])
    rng = np.random.default_rng(seed)
    data = random_instance(V, m, 1, rng.integers(1, int(setting["max_support"]) + 1, size=m), seed=seed)
    S = data.P > 0
    L_mm = logit_max_margin(S)
    lams = np.asarray(setting["lambdas"], dtype=float)
    sols = [ufm_logits(data.P, data.pi, lam) for lam in lams]
    dec = [decompose_logits(s.L, data.P, L_mm) for s in sols]
    c = np.array([d.c for d in dec])
    x = np.log(1.0 / lams)
    slope = float(np.polyfit(x, c, 1)[0])
    pred = perturb(1.0)
    rel_res = np.array([d.residual_norm for d in dec]) / (np.abs(c) * np.linalg.norm(L_mm))
    err = np.array([d.in_support_error for d in dec])
    checks = [Check("fitted slope of c(λ) against ln(1/λ)", abs(slope - pred), float(setting["slope_tol"]), "absolute"),
              Check("increases of ‖R‖/(c‖L^mm‖) as λ falls", _increases(rel_res), 0.0, "count"),
              Check("increases of ‖P_F L_λ − L^in‖ as λ falls", _increases(err), 0.0, "count"),
              Check("‖P_F L_λ − L^in‖ not reduced 20x over the range",
                    int(err[-1] * float(setting["in_support_factor"]) > err[0]), 0.0, "count")]
    return Comparison(prediction=pred, observed=slope, checks=checks,
                      label="slope of c(λ) against ln(1/λ): 1 (predicted) vs the least-squares fit",
                      nontrivial=Nontrivial("growth of c(λ) over the range", c[-1] - c[0], 5.0),
                      details=dict(c=c, c_minus_ln=c - x, relative_residual=rel_res, in_support_error=err,
                                   gaps=[s.gap for s in sols], solve_times=[s.solve_time for s in sols]))


@claim("ntp_geometry.subspace_collapse",
       source=f"{cite('zhao2024', 'subspace collapse; word and context Gram matrices')}; "
              "docs/ntp_geometry.md#gram-geometry",
       statement="On the duplicated-support pattern with Dirichlet probabilities, contexts with identical supports "
                 "get identical columns of L^mm; along λ = 1e-2 ... 1e-5 the cosine between their F_L^⊥ logit "
                 "components rises at every step, its distance to 1 falls at least 3-fold, and it ends >= 0.95; the "
                 "word and context Gram matrices of the balanced factors of L_λ approach those of L^mm in "
                 "direction at every step and end with cosine >= 0.96.",
       tolerance_reason="equal columns: the nuclear program is invariant under swapping two contexts with the same "
                        "support, and so is Clarabel's central path, so the columns differ by rounding (observed "
                        "<= 4e-12 relative); 1e-8. The limits are approached slowly, like 1 − O(1/c(λ)²) with c(λ) ≈ "
                        "ln(1/λ) − const (bounded differences against a part growing like c), so at λ = 1e-5 they are "
                        "not yet 1: observed (seeds 0-9) collapse cosine 0.965-0.994, word-Gram 0.989-0.997, "
                        "context-Gram 0.973-0.990, and (1 − cos) shrinking by a factor 0.09-0.25 over the range. "
                        "Thresholds: 0.05 and 0.04 below 1 and a factor 1/3 leave margin on every measured seed; "
                        "monotonicity is a count (tolerance 0).",
       seeds=range(5), seeds_reason="the seed draws the probabilities on the fixed supports; seeds 0-9 measured, "
                                    "0-4 checked",
       wrong=Perturbation(absolute=-0.1), setting=dict(lambdas=LAMBDAS, collapse_tol=0.05, gram_tol=0.04,
                                                       shrink=1 / 3))
def _subspace_collapse(setting, seed, perturb):
    S = duplicated_support_instance()
    V, m = S.shape
    rng = np.random.default_rng(np.random.SeedSequence([seed, 4408]))
    P = np.zeros((V, m))
    for j in range(m):
        P[S[:, j], j] = rng.dirichlet(np.ones(int(S[:, j].sum())))
    pi = np.full(m, 1.0 / m)
    L_mm = logit_max_margin(S)
    pairs = identical_support_pairs(S)
    col_diff = max(float(np.linalg.norm(L_mm[:, j] - L_mm[:, k])) for j, k in pairs) / float(np.linalg.norm(L_mm))
    geo = [gram_geometry(ufm_logits(P, pi, lam).L, L_mm, S) for lam in setting["lambdas"]]
    collapse = np.array([float(np.min(gg.collapse_cos)) for gg in geo])
    word = np.array([gg.word_gram_corr for gg in geo])
    ctx = np.array([gg.context_gram_corr for gg in geo])
    pred = perturb(np.ones(3))
    obs = np.array([collapse[-1], word[-1], ctx[-1]])
    ct, gt = float(setting["collapse_tol"]), float(setting["gram_tol"])
    checks = [Check("max ‖ℓ^mm_j − ℓ^mm_j'‖/‖L^mm‖ over identical supports", col_diff, 1e-8, "relative"),
              Check("collapse cosine at the smallest λ vs 1", abs(pred[0] - obs[0]), ct, "absolute"),
              Check("word-Gram cosine at the smallest λ vs 1", abs(pred[1] - obs[1]), gt, "absolute"),
              Check("context-Gram cosine at the smallest λ vs 1", abs(pred[2] - obs[2]), gt, "absolute"),
              Check("(1 − cos) at λ = 1e-5 over (1 − cos) at λ = 1e-2", (1 - collapse[-1]) / (1 - collapse[0]),
                    float(setting["shrink"]), "relative"),
              Check("decreases of the collapse cosine as λ falls", _increases(-collapse), 0.0, "count"),
              Check("decreases of the Gram cosines as λ falls", _increases(-word) + _increases(-ctx), 0.0, "count")]
    return Comparison(prediction=pred, observed=obs, checks=checks,
                      label="limits 1 vs [min collapse cosine, word-Gram cosine, context-Gram cosine] at λ = 1e-5",
                      nontrivial=Nontrivial("rise of the collapse cosine over the range (1 − cos at λ = 1e-2)",
                                            1.0 - collapse[0], 0.01),
                      details=dict(collapse=collapse, word_gram=word, context_gram=ctx, pairs=pairs))
