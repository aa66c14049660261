"""Logit-SVM claims of the NTP unconstrained-features model (Zhao et al. 2024; docs/ntp_geometry.md#the-logit-svms,
docs/ntp_geometry.md#the-centred-support-proxy).

Theory side: the centred support S̃ = (I − 11ᵀ/V)S and its closed forms. Observed side:
``theory.ntp_geometry.logit_max_margin`` (nuclear: CVXPY + Clarabel, certified by a dual point in the
spectral-norm ball; Frobenius: the max-margin engine's fast method).
"""

from __future__ import annotations

import numpy as np

from theory.ntp import centered_support
from theory.ntp_geometry import RANK_RTOL, duplicated_support_instance, logit_max_margin, numerical_rank

from .._claim import Check, Comparison, Nontrivial, Perturbation, cite, claim

NUC_TOL = 1e-6
NUC_REASON = ("the returned L^mm is feasible (margins >= 1 − 1e-6) and certified within relative duality gap 1e-6 "
              "(observed ~1e-9), so ‖L^mm‖_* exceeds the optimum by at most that fraction; S̃ is feasible, hence "
              "‖L^mm‖_* <= ‖S̃‖_* (1 + 1e-6)")
EXACT_TOL = 1e-9
EXACT_REASON = ("the Frobenius logit SVM comes from the engine's exact active-set polish (certified gap ~1e-15); "
                "closed forms of S̃ are sums of a few rationals, exact to rounding (1e-12)")


def _nuc(M) -> float:
    return float(np.linalg.svd(M, compute_uv=False).sum())


def _random_support(V, m, rng):
    S = np.zeros((V, m), bool)
    for j in range(m):
        S[rng.choice(V, int(rng.integers(1, V)), replace=False), j] = True
    return S


def _margin_of(L, S):
    """min over contexts of (min over the support) − (max off it), and the in-support spread."""
    in_min = np.where(S, L, np.inf).min(axis=0)
    in_max = np.where(S, L, -np.inf).max(axis=0)
    out_max = np.where(S, -np.inf, L).max(axis=0)
    has_out = (~S).any(axis=0)
    return float(np.min((in_min - out_max)[has_out])), float(np.max(in_max - in_min))


@claim("ntp_geometry.nuclear_below_centered_support",
       source=f"{cite('zhao2024', 'NTP-UFM, the centred-support proxy S̃')}; "
              "docs/ntp_geometry.md#the-centred-support-proxy",
       statement="For random support patterns (V = 7, m = 6), the centred support S̃ is feasible for the logit "
                 "SVMs with margins exactly 1 and exact equalities, it is the Frobenius logit SVM with "
                 "‖S̃‖_F² = Σ_j S_j(V − S_j)/V, and the certified nuclear logit SVM has ‖L^mm‖_* <= ‖S̃‖_*.",
       tolerance_reason=f"nuclear bound: {NUC_REASON}; Frobenius SVM and closed forms: {EXACT_REASON}",
       seeds=range(5), seeds_reason="the seed draws the support pattern; the statements are exact for every pattern "
                                    "with a non-full column, and seeds 0-4 are checked",
       wrong=Perturbation(relative=-0.05), setting=dict(V=7, m=6))
def _nuclear_below_centered_support(setting, seed, perturb):
    V, m = int(setting["V"]), int(setting["m"])
    rng = np.random.default_rng(np.random.SeedSequence([seed, V, m, 12]))
    S = _random_support(V, m, rng)
    St = centered_support(S)
    L_mm, cert = logit_max_margin(S, return_certificate=True)
    L_fro = logit_max_margin(S, norm="fro")
    sizes = S.sum(axis=0)
    pred = perturb(np.array([_nuc(St), float(np.sum(sizes * (V - sizes)) / V)]))
    obs = np.array([_nuc(L_mm), float(np.sum(St * St))])
    margin, spread = _margin_of(St, S)
    checks = [Check("(‖L^mm‖_* − ‖S̃‖_*)/‖S̃‖_*, positive part", max(0.0, (obs[0] - pred[0]) / pred[0]), NUC_TOL,
                    "relative"),
              Check("‖S̃‖_F² vs Σ S_j(V − S_j)/V", abs(obs[1] - pred[1]) / pred[1], 1e-12, "relative"),
              Check("min margin of S̃ − 1", abs(margin - 1.0), 1e-12, "absolute"),
              Check("in-support spread of S̃", spread, 1e-12, "absolute"),
              Check("Frobenius logit SVM vs S̃", float(np.linalg.norm(L_fro - St) / np.linalg.norm(St)), EXACT_TOL,
                    "relative"),
              Check("failed certificates", int(not cert.passed), 0.0, "count")]
    return Comparison(prediction=pred, observed=obs, checks=checks,
                      label="[‖S̃‖_* (upper bound), Σ S_j(V−S_j)/V] vs [‖L^mm‖_*, ‖S̃‖_F²]",
                      nontrivial=Nontrivial("off-support margin constraints", int((~S).sum()), 1),
                      details=dict(nuclear_gap=cert.duality_gap, solve_time=cert.solve_time,
                                   ratio=obs[0] / _nuc(St), rank_mm=numerical_rank(L_mm), rank_St=numerical_rank(St)))


@claim("ntp_geometry.rank_counterexample",
       source=f"{cite('zhao2024', 'NTP-UFM, the centred-support proxy S̃')}; "
              "docs/ntp_geometry.md#the-centred-support-proxy",
       statement="On the duplicated-support pattern (V = 6, m = 8; supports {0,1}, {2,3,4}, {1,5}, {0,3}, each used by "
                 "two contexts), under any permutation of tokens and contexts, the certified nuclear logit SVM has "
                 "rank(L^mm) < rank(S̃) = 4, while ‖L^mm‖_* < ‖S̃‖_* and corr(L^mm, S̃) >= 0.9: rank equality between "
                 "the proxy and L^mm is not an invariant.",
       tolerance_reason=f"ranks count singular values above {RANK_RTOL:g} of the largest (RANK_RTOL: the nuclear "
                        "program is degenerate, its interior-point solution converges like the square root of the "
                        "certified gap <= 1e-6, i.e. vanishing singular values <= ~1e-3 relative in the worst case, "
                        "observed <= 4.1e-9 on seeds 0-9, while the kept ones are >= 0.1); the rank bound is a count (tolerance 0); "
                        "the dropped singular value must also sit below the threshold (checked as its own ratio); "
                        "the correlation threshold 0.9 is the claim's 'highly correlated' (observed 0.970)",
       seeds=range(5), seeds_reason="seed 0 is the pattern as listed, seeds 1-4 permute tokens and contexts (ranks and "
                                    "norms are invariant, the solver sees a different problem); 0-9 measured",
       wrong=Perturbation(absolute=-1.0), setting=dict())
def _rank_counterexample(setting, seed, perturb):
    S = duplicated_support_instance()
    if seed:
        rng = np.random.default_rng(seed)
        S = S[rng.permutation(S.shape[0])][:, rng.permutation(S.shape[1])]
    St = centered_support(S)
    L_mm, cert = logit_max_margin(S, return_certificate=True)
    r_st, r_mm = numerical_rank(St), numerical_rank(L_mm)
    bound = perturb(float(r_st - 1))                 # predicted: rank(L^mm) <= rank(S̃) − 1
    s_mm = np.linalg.svd(L_mm, compute_uv=False)
    s_st = np.linalg.svd(St, compute_uv=False)
    corr = float(np.sum(L_mm * St) / (np.linalg.norm(L_mm) * np.linalg.norm(St)))
    checks = [Check("rank(L^mm) above the predicted bound rank(S̃) − 1", max(0.0, r_mm - bound), 0.0, "count"),
              Check(f"σ_{r_st}(L^mm)/σ_1(L^mm) (must vanish)", s_mm[r_st - 1] / s_mm[0], RANK_RTOL, "relative"),
              Check("‖L^mm‖_* >= ‖S̃‖_*", int(s_mm.sum() >= s_st.sum()), 0.0, "count"),
              Check("1 − corr(L^mm, S̃)", 1.0 - corr, 0.1, "absolute"),
              Check("failed certificates", int(not cert.passed), 0.0, "count")]
    return Comparison(prediction=bound, observed=float(r_mm), checks=checks,
                      label="predicted upper bound on rank(L^mm) (rank(S̃) − 1) vs the certified rank",
                      nontrivial=Nontrivial(f"σ_{r_st}(S̃)/σ_1(S̃) (the proxy's last direction is genuine)",
                                            s_st[r_st - 1] / s_st[0], 0.1),
                      details=dict(sv_mm=s_mm, sv_St=s_st, corr=corr, nuclear=(s_mm.sum(), s_st.sum()),
                                   gap=cert.duality_gap, solve_time=cert.solve_time))
