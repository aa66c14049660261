"""Theorem 1 of Thrampoulidis (2024), the norm-ball regularization path, with Lemma 4's finite part.

Along $B \\mapsto \\hat W_B = \\operatorname{argmin}_{\\lVert W\\rVert \\le B}\\mathrm{CE}(W)$ (certified conic
solves, ``theory.ntp.regularization_path``) the direction approaches the NTP-SVM solution and the
$F$-part approaches $W^\\star$. Derivation and the certificate: docs/ntp.md#the-regularization-path.
"""

from __future__ import annotations

import numpy as np

from proofs_check._claim import Check, Comparison, Nontrivial, Perturbation, cite, claim


def _corr(A: np.ndarray, B: np.ndarray) -> float:
    return float(np.sum(A * B) / (np.linalg.norm(A) * np.linalg.norm(B)))


@claim("ntp.theorem1_regularization_path",
       source=f"{cite('thrampoulidis2024', 'Thm. 1, Lemma 4')}; docs/ntp.md#the-regularization-path",
       statement="On random NTP-separable and compatible data (V = 5, m = 4, d = 6 > m, supports of size "
                 "2), the certified norm-ball path Ŵ_B has corr(Ŵ_B, W^mm) increasing in B, "
                 "corr(Ŵ_B − W⋆, W^mm) within 0.02 of 1 at B = 12‖W^mm‖ with 1 − corr decaying at least "
                 "like 1/B, and ‖P_F Ŵ_B − W⋆‖ decreasing for B >= 4‖W^mm‖ to below 1e-3‖W⋆‖.",
       tolerance_reason="Trends are outcome counts (tolerance 0): every Ŵ_B is certified (stationarity "
                        "sine <= 1e-3, objective within 1e-5 of the excess loss) while successive "
                        "correlations differ by > 5e-4 on these instances. Thresholds at B = 12‖W^mm‖: along "
                        "the path Ŵ_B ≈ W⋆ + R ŵ + ρ with ρ ∈ F^⊥ bounded (as Soudry et al.'s w = ŵ log t + ρ), "
                        "so 1 − corr(Ŵ_B − W⋆, W^mm) ≈ ‖ρ‖²/(2R²); 0.02 allows ‖ρ‖ up to 2.4‖W^mm‖ at R ≈ 12‖W^mm‖ "
                        "(observed <= 7.1e-3, seeds 0-9), and the tail log-slope of that quantity against "
                        "ln B must be <= −1 (−2 expected asymptotically; observed −1.4 to −1.8). The F-part "
                        "error is driven by the off-support mass ~ e^(−B/‖W^mm‖) = e^(−12) ≈ 6e-6 at the "
                        "largest radius, times a constant (observed ‖P_F Ŵ_B − W⋆‖ e^(B/‖W^mm‖) <= 10 at the largest radius, seeds 0-9): 1e-3 "
                        "relative to ‖W⋆‖ leaves a factor > 10 on that constant.",
       seeds=range(5),
       seeds_reason="the seed draws the instance (Gaussian embeddings, random supports, Dirichlet "
                    "probabilities); the thresholds hold with margin on seeds 0-9, five are checked",
       wrong=Perturbation(absolute=-0.2),
       setting=dict(V=5, m=4, d=6, support_size=2, radii_over_mm=(0.5, 1, 2, 4, 6, 8, 10, 12), tail_from=4.0,
                    corr_tol=0.02, finite_tol=1e-3, min_corr_rise=0.1))
def _theorem1_regularization_path(setting, seed, perturb):
    from theory.ntp import finite_solution, max_margin, project_F, random_instance, regularization_path

    data = random_instance(int(setting["V"]), int(setting["m"]), int(setting["d"]), int(setting["support_size"]),
                           seed=seed)
    support = data.P > 0
    Wmm = max_margin(data.H, support)
    Wstar = finite_solution(data.H, data.P)
    nmm, nstar = float(np.linalg.norm(Wmm)), float(np.linalg.norm(Wstar))
    t = np.asarray(setting["radii_over_mm"], dtype=float)
    if np.any(np.diff(t) <= 0):
        raise ValueError("setting: radii_over_mm must be increasing")
    radii = t * nmm
    path = regularization_path(data.H, data.P, data.pi, radii)

    corr = np.array([_corr(W, Wmm) for W in path.W])
    corr_off = np.array([_corr(W - Wstar, Wmm) for W in path.W])
    fin = np.array([float(np.linalg.norm(project_F(W, data.H, support) - Wstar)) for W in path.W])
    perp = np.array([float(np.linalg.norm(W - project_F(W, data.H, support))) for W in path.W])
    tail = t >= float(setting["tail_from"])

    corr_drops = int(np.sum(np.diff(corr) < 0))
    fin_rises = int(np.sum(np.diff(fin[tail]) > 0))
    slope = float(np.polyfit(np.log(radii[tail]), np.log1p(-corr_off[tail]), 1)[0])
    pred = np.array([float(perturb(1.0)), float(perturb(0.0))])       # the limits: corr -> 1, error -> 0
    obs = np.array([corr_off[-1], fin[-1] / nstar])
    checks = (
        Check("decreases of corr(Ŵ_B, W^mm) along B", corr_drops, 0.0, "count"),
        Check("increases of ‖P_F Ŵ_B − W⋆‖ for B >= tail_from·‖W^mm‖", fin_rises, 0.0, "count"),
        Check("|limit − corr(Ŵ_B − W⋆, W^mm)| at the largest B", abs(pred[0] - obs[0]), float(setting["corr_tol"]),
              "absolute"),
        Check("|limit − ‖P_F Ŵ_B − W⋆‖/‖W⋆‖| at the largest B", abs(pred[1] - obs[1]), float(setting["finite_tol"]),
              "relative"),
        Check("tail log-slope of 1 − corr(Ŵ_B − W⋆, W^mm) vs ln B, above −1", max(0.0, slope + 1.0), 0.0, "absolute"),
    )
    certs = path.certificates
    return Comparison(
        prediction=pred, observed=obs, checks=checks,
        label="limits (corr 1, finite error 0) / corr(Ŵ_B − W⋆, W^mm) and ‖P_F Ŵ_B − W⋆‖/‖W⋆‖ at B = max radius",
        nontrivial=Nontrivial("rise of corr(Ŵ_B, W^mm) from the smallest to the largest radius",
                              corr[-1] - corr[0], float(setting["min_corr_rise"])),
        details={"radii": radii, "corr": corr, "corr_offset": corr_off, "finite_error": fin, "perp_norm": perp,
                 "excess_loss": path.excess_loss, "norm_W_mm": nmm, "norm_W_star": nstar,
                 "tail_log_slope_1_minus_corr_offset": slope,
                 "finite_error_times_exp_B_over_mm": fin * np.exp(t),
                 "max_stationarity": max(c.stationarity for c in certs),
                 "max_relative_objective_gap": max(c.relative_objective_gap for c in certs)})
