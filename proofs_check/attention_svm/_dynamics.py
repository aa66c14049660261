"""Gradient descent on attention against the attention SVMs (simulations on the shared engine).

Derivations: docs/attention_svm.md#gradient-descent.
"""

from __future__ import annotations

import numpy as np

from proofs_check._claim import Check, Comparison, Nontrivial, Perturbation, cite, claim


def _corr(A: np.ndarray, B: np.ndarray) -> float:
    return float(np.sum(A * B) / (np.linalg.norm(A) * np.linalg.norm(B)))


@claim("attention_svm.ngd_frobenius_direction",
       source=f"{cite('vasudeva2024', 'normalised GD rates (abstract)')}; {cite('tarzanagh2023svm', 'local directional convergence of GD (abstract)')}; "
              "docs/attention_svm.md#gradient-descent",
       statement="Normalised GD on W (η = 0.1, W_0 = 0, up to 2000 steps, ending earlier where the off-optimal "
                 "attention underflows 1e-290; n = 4, T = 5, d = 8, Gaussian data, logistic loss) ends on a locally optimal selection α, with corr(W_k, W^mm_F(α)) within 5e-4 of 1 and "
                 "non-decreasing over the last half of the run (no drift after saturation), while "
                 "corr(W_k, W^mm_⋆(α)) stays at least 0.05 lower (the nuclear SVM is a negative control).",
       tolerance_reason="NGD with step η moves ‖W‖ by η per step, so ‖W_k‖ ~ 0.1k and, as for separable logistic "
                        "regression, the direction error decays like a power of 1/‖W_k‖ once the selection is "
                        "fixed; 5e-4 is 15 times the largest observed final 1 − corr (3.2e-5, seeds 0-9). "
                        "Monotonicity over the second half is an outcome count, allowing 1e-12 for rounding of "
                        "the correlation itself. The 0.05 lead is under two thirds of the smallest observed "
                        "(0.081, seed 4).",
       seeds=range(5),
       seeds_reason="the seed draws the instance; seeds 0-9 all pass (on seeds 3 and 8 NGD picks a locally but not "
                    "globally optimal selection, which the claim allows), five are checked",
       wrong=Perturbation(absolute=-0.01),
       setting=dict(n=4, T=5, d=8, lr=0.1, steps=2000, corr_tol=5e-4, lead=0.05, rounding=1e-12))
def _ngd_direction(setting, seed, perturb):
    from sims.attention_svm import normalized_gradient_descent
    from theory.attention_svm import gradient, is_locally_optimal, max_margin, random_instance

    data = random_instance(int(setting["n"]), int(setting["T"]), int(setting["d"]), seed=seed)
    steps = int(setting["steps"])
    run = normalized_gradient_descent(data.X, data.z, data.y, data.v, float(setting["lr"]), steps)
    sel = run.selection
    Wf = max_margin(data.X, data.z, sel, "fro")
    Wn = max_margin(data.X, data.z, sel, "nuc")
    c_f, c_n = _corr(run.W, Wf), _corr(run.W, Wn)
    if np.all(sel == data.optimal):
        hist = run.history.corr_fro                      # recorded against the optimal selection's SVM
    else:
        hist = np.array([c_f])
    late = run.history.steps >= steps // 2 if np.all(sel == data.optimal) else np.ones(1, bool)
    drops = int(np.sum(np.diff(hist[late]) < -float(setting["rounding"])))
    local = is_locally_optimal(data.X, data.z, sel, data.scores)
    pred = float(perturb(1.0))
    return Comparison(
        prediction=pred, observed=c_f,
        checks=(Check("|1 − corr(W_k, W^mm_F)| at the end", abs(pred - c_f), float(setting["corr_tol"]), "absolute"),
                Check("decreases of corr(W_k, W^mm_F) over the second half", drops, 0.0, "count"),
                Check("corr with W^mm_⋆ not below corr with W^mm_F by the margin",
                      max(0.0, float(setting["lead"]) - (c_f - c_n)), 0.0, "absolute"),
                Check("final selection not locally optimal", 0.0 if local else 1.0, 0.0, "count"),
                Check("run diverged", float(run.diverged), 0.0, "count")),
        label="limit 1 / corr(W_k, W^mm_F(α)) after the last step",
        nontrivial=Nontrivial("rise of corr(W, W^mm_F) from the first step's direction −∇L(0) to the end (the "
                              "direction moves)", c_f - _corr(-gradient(np.zeros_like(Wf), data.X, data.z, data.y,
                                                                        data.v), Wf), 1e-3),
        details={"corr_nuc": c_n, "selection_is_optimal": bool(np.all(sel == data.optimal)),
                 "final_norm": float(np.linalg.norm(run.W)), "saturated_at": run.saturated_at})


@claim("attention_svm.ngd_faster_than_gd",
       source=f"{cite('vasudeva2024', 'normalised GD and Polyak step vs GD (abstract)')}; docs/attention_svm.md#gradient-descent",
       statement="From W_0 = 0 (n = 4, T = 5, d = 8), normalised GD (η = 0.1; at most 2000 steps, fewer where its "
                 "off-optimal attention underflows) is at least 10 times closer in direction to the Frobenius SVM of its selection than plain GD (η = 0.5): "
                 "1 − corr_GD >= 10 (1 − corr_NGD).",
       tolerance_reason="GD's direction error decays only logarithmically in k, NGD's polynomially in ‖W_k‖ ~ ηk; "
                        "the factor 10 is far below the smallest observed ratio (about 2000, seeds 0-9), so the "
                        "claim is robust to the constants of either rate.",
       seeds=range(5),
       seeds_reason="the seed draws the instance; all of seeds 0-9 hold by a wide factor, five are checked",
       wrong=Perturbation(relative=1e4),
       setting=dict(n=4, T=5, d=8, lr_ngd=0.1, lr_gd=0.5, steps=2000, factor=10.0))
def _ngd_faster(setting, seed, perturb):
    from sims.attention_svm import gradient_descent, normalized_gradient_descent
    from theory.attention_svm import max_margin, random_instance

    data = random_instance(int(setting["n"]), int(setting["T"]), int(setting["d"]), seed=seed)
    steps = int(setting["steps"])
    ngd = normalized_gradient_descent(data.X, data.z, data.y, data.v, float(setting["lr_ngd"]), steps)
    gd = gradient_descent(data.X, data.z, data.y, data.v, float(setting["lr_gd"]), steps)
    e_ngd = 1 - _corr(ngd.W, max_margin(data.X, data.z, ngd.selection, "fro"))
    e_gd = 1 - _corr(gd.W, max_margin(data.X, data.z, gd.selection, "fro"))
    factor = float(setting["factor"])
    pred = float(perturb(factor))                      # predicted lower bound on the ratio
    ratio = e_gd / e_ngd if e_ngd > 0 else np.inf
    return Comparison(
        prediction=pred, observed=float(ratio),
        checks=(Check("predicted ratio above (1 − corr_GD)/(1 − corr_NGD)", max(0.0, pred - ratio) if np.isfinite(ratio)
                      else 0.0, 0.0, "absolute"),),
        label="lower bound 10 / (1 − corr_GD)/(1 − corr_NGD) after 2000 steps",
        nontrivial=Nontrivial("1 − corr of plain GD (the slow method is still far from the SVM)", e_gd, 1e-3),
        details={"one_minus_corr_ngd": e_ngd, "one_minus_corr_gd": e_gd, "ngd_saturated_at": ngd.saturated_at,
                 "same_selection": bool(np.all(ngd.selection == gd.selection))})


@claim("attention_svm.polyak_faster_than_gd",
       source=f"{cite('vasudeva2024', 'Polyak step size vs GD (abstract)')}; docs/attention_svm.md#gradient-descent",
       statement="From W_0 = 0 (n = 4, T = 5, d = 8), GD with Polyak steps c (L − L*)/‖∇L‖² (c = 1, L* the infimum "
                 "of the loss; at most 2000 steps, fewer where its off-optimal attention underflows) ends at least "
                 "10 times closer in direction to the Frobenius SVM of its selection than plain GD (η = 0.5) after "
                 "2000 steps.",
       tolerance_reason="As for normalised GD: the factor 10 is far below the smallest observed ratio (about 3300 "
                        "over the seeds checked), so the claim does not depend on the constants of either rate.",
       seeds=(0, 1, 2, 4, 5),
       seeds_reason="the seed draws the instance; on seeds 3 and 8 of 0-9 the first Polyak steps (length ~1e3 "
                    "from W = 0) saturate the softmax on a selection that is not locally optimal within 15 steps, "
                    "and the run stops at the underflow limit: reported on the docs page, not asserted",
       wrong=Perturbation(relative=1e4),
       setting=dict(n=4, T=5, d=8, c=1.0, lr_gd=0.5, steps=2000, factor=10.0))
def _polyak_faster(setting, seed, perturb):
    from sims.attention_svm import gradient_descent, polyak_gradient_descent
    from theory.attention_svm import max_margin, random_instance

    data = random_instance(int(setting["n"]), int(setting["T"]), int(setting["d"]), seed=seed)
    steps = int(setting["steps"])
    pol = polyak_gradient_descent(data.X, data.z, data.y, data.v, float(setting["c"]), steps)
    gd = gradient_descent(data.X, data.z, data.y, data.v, float(setting["lr_gd"]), steps)
    e_pol = 1 - _corr(pol.W, max_margin(data.X, data.z, pol.selection, "fro"))
    e_gd = 1 - _corr(gd.W, max_margin(data.X, data.z, gd.selection, "fro"))
    pred = float(perturb(float(setting["factor"])))
    ratio = e_gd / e_pol if e_pol > 0 else np.inf
    return Comparison(
        prediction=pred, observed=float(ratio),
        checks=(Check("predicted ratio above (1 − corr_GD)/(1 − corr_Polyak)",
                      max(0.0, pred - ratio) if np.isfinite(ratio) else 0.0, 0.0, "absolute"),
                Check("Polyak run diverged", float(pol.diverged), 0.0, "count")),
        label="lower bound 10 / (1 − corr_GD)/(1 − corr_Polyak)",
        nontrivial=Nontrivial("1 − corr of plain GD (the slow method is still far from the SVM)", e_gd, 1e-3),
        details={"one_minus_corr_polyak": e_pol, "one_minus_corr_gd": e_gd, "polyak_saturated_at": pol.saturated_at})


@claim("attention_svm.kq_gd_statistics",
       source=f"{cite('tarzanagh2023svm', '(K, Q) parameterisation and (Att-SVM⋆)')}; "
              "docs/attention_svm.md#gradient-descent",
       statement="Per-factor normalised GD on (K, Q) from a small random start (init 1e-3, η = 0.05, 2000 steps; "
                 "n = 4, T = 5, d = m = 8) leans towards the nuclear SVM as a statistic over 20 instances: the "
                 "median of corr(KQᵀ, W^mm_⋆) exceeds the median of corr(KQᵀ, W^mm_F) by more than 0.05, and in at "
                 "least 60% of the instances corr with W^mm_⋆ is the larger (optimal selection's SVMs). Single runs "
                 "are not asserted.",
       tolerance_reason="A statistic, because single (K, Q) runs are unreliable (some lock onto a lower-rank "
                        "direction or another selection). Observed over seeds 0-4 (instances 0-99): median lead "
                        "0.131-0.153 and 80-90% of runs per block of 20. The thresholds are under half the least "
                        "observed lead and 20 points under the pooled fraction 0.85: with 20 Bernoulli runs at "
                        "p = 0.85 the chance of fewer than 12 successes is about 1e-3.",
       seeds=(0, 1, 2, 3, 4),
       seeds_reason="claim seed s runs instances 20s … 20s + 19 (data and factor initialisation); five blocks of "
                    "20 are checked",
       wrong=Perturbation(absolute=0.3),
       setting=dict(n=4, T=5, d=8, lr=0.05, steps=2000, init_scale=1e-3, instances=20, lead=0.05, fraction=0.6))
def _kq_statistics(setting, seed, perturb):
    from sims.attention_svm import kq_gradient_descent
    from theory.attention_svm import random_instance

    k = int(setting["instances"])
    c_n, c_f = [], []
    for inst in range(k * seed, k * seed + k):
        data = random_instance(int(setting["n"]), int(setting["T"]), int(setting["d"]), seed=inst)
        run = kq_gradient_descent(data.X, data.z, data.y, data.v, float(setting["lr"]), int(setting["steps"]),
                                  init_scale=float(setting["init_scale"]), seed=inst,
                                  checkpoints=[0])
        c_n.append(_corr(run.W, run.W_mm_nuc))          # the final (or last valid, if saturated) state
        c_f.append(_corr(run.W, run.W_mm_fro))
    c_n, c_f = np.asarray(c_n), np.asarray(c_f)
    lead = float(np.median(c_n) - np.median(c_f))
    frac = float(np.mean(c_n > c_f))
    pred = float(perturb(float(setting["lead"])))
    return Comparison(
        prediction=pred, observed=lead,
        checks=(Check("median lead of corr with W^mm_⋆ below the predicted margin", max(0.0, pred - lead), 0.0,
                      "absolute"),
                Check("fraction of runs closer to W^mm_⋆ below the threshold",
                      max(0.0, float(setting["fraction"]) - frac), 0.0, "absolute")),
        label="least median lead / median corr(KQᵀ, W^mm_⋆) − median corr(KQᵀ, W^mm_F)",
        nontrivial=Nontrivial("median corr(KQᵀ, W^mm_⋆) (the runs align at all)", float(np.median(c_n)), 0.5),
        details={"corr_nuc": c_n, "corr_fro": c_f, "fraction_closer_to_nuclear": frac})
