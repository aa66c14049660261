"""NTP claim at vocabulary scale on the torch bridge: Theorem 2 with orthonormal embeddings.

Simulation side: ``sims.ntp.gradient_descent_torch`` (the numba GD in torch, contexts chunked).
Theory side: the closed forms for orthonormal embeddings, $W^{mm} = \\tilde S H^\\top$
(``theory.ntp.centered_support``) and $W^\\star = L^{in}H^\\top$
(``theory.ntp.centered_log_probabilities``), and the projection onto F by ``theory.ntp.project_F``
(the Gram method, independent of the sims code's closed-form projection)
(Thrampoulidis 2024, Theorem 2; docs/ntp.md#orthonormal-embeddings,
docs/ntp.md#gradient-descent-and-theorem-2).
"""

from __future__ import annotations

import numpy as np

from theory.ntp import centered_log_probabilities, centered_support, project_F, random_instance, step_size_bound

from .._claim import Check, Comparison, Nontrivial, Perturbation, cite, claim


def _corr(A, B) -> float:
    return float(np.vdot(A, B) / (np.linalg.norm(A) * np.linalg.norm(B)))


@claim("ntp.torch_vocab_scale",
       source=f"{cite('thrampoulidis2024', '§5, Theorem 2')}; docs/ntp.md#orthonormal-embeddings; "
              "docs/ntp.md#gradient-descent-and-theorem-2",
       statement="GD (torch bridge, η = 1/λ_max(HΠHᵀ), W_0 = 0) at vocabulary size V = 2000 with orthonormal "
                 "embeddings converges in direction to the closed-form W^mm = S̃Hᵀ and in F to W⋆ = L^in Hᵀ: "
                 "corr(W_K − W⋆, W^mm) rises to within 1e-3 of 1, ‖P_F W_k − W⋆‖ falls (by a factor of at "
                 "least 10 from K/20 to K), both monotonically over the last decade of checkpoints.",
       tolerance_reason="Theorem 2 gives limits without rates. With orthonormal H the dynamics decouple per "
                        "context: the log-margin of context j grows like ln k + c_j, so 1 − corr(W_k − W⋆, W^mm) "
                        "falls like ((max c − min c)/ln k)², and ‖P_F W_k − W⋆‖ tracks the off-support mass, O(1/k) "
                        "once the logits leave the initial transient (it peaks near k ≈ 50; Dirichlet(4) keeps the "
                        "in-support probabilities away from 0, whose relaxation time ~1/(ηπ_j p_z) would otherwise "
                        "exceed the run). So the ratio ‖P_F W_K − W⋆‖ / ‖P_F W_{K/20} − W⋆‖ is about 1/20 or less: "
                        "tolerance 0.1 (measured <= 0.0081 on seeds 0-4); 1 − corr at K = 2000 measured <= 5e-5: "
                        "tolerance 1e-3. Monotone trends on [K/10, K] are counted with tolerance 0.",
       seeds=range(5),
       seeds_reason="the instance (orthonormal embeddings, uniform supports of 8, Dirichlet(4) probabilities) is "
                    "drawn from the seed; each of the seeds 0-4 is checked",
       wrong=Perturbation(absolute=0.5),
       setting=dict(V=2000, m=10, d=12, support_size=8, concentration=4.0, steps=2000, first=100, max_gap=1e-3, max_ratio=0.1),
       requires=("torch",))
def _torch_vocab_scale(setting, seed, perturb):
    from sims.ntp import gradient_descent_torch

    V, m, d, size = (int(setting[k]) for k in ("V", "m", "d", "support_size"))
    K, K1 = int(setting["steps"]), int(setting["first"])
    data = random_instance(V, m, d, size, seed=seed, embeddings="orthonormal",
                           concentration=float(setting["concentration"]))
    eta = float(step_size_bound(data.H, data.pi))
    # the prediction: the closed-form coefficient matrices (perturbed by a wrong prediction) times Hᵀ
    W_mm = np.asarray(perturb(centered_support(data.support))) @ data.H.T
    W_star = np.asarray(perturb(centered_log_probabilities(data.P))) @ data.H.T
    first = gradient_descent_torch(data.H, data.P, data.pi, eta, K1, checkpoints=[0, K1], device="cpu")
    run = gradient_descent_torch(data.H, data.P, data.pi, eta, K - K1, W0=first.W, device="cpu")
    if first.diverged or run.diverged:
        raise ValueError(f"setting: GD diverged ({run.notes})")
    h = run.history
    tail = h.steps + K1 >= K / 10.0
    n_corr_down = int(np.sum(np.diff(h.corr_offset_max_margin[tail]) < 0))
    n_fin_up = int(np.sum(np.diff(h.finite_error[tail]) > 0))

    def finite_error(W):
        return float(np.linalg.norm(project_F(W, data.H, data.support, method="gram") - W_star))

    gap = 1.0 - _corr(run.W - W_star, W_mm)
    fe1, fe = finite_error(first.W), finite_error(run.W)
    ratio = fe / fe1
    norm_star = float(np.linalg.norm(centered_log_probabilities(data.P)))
    return Comparison(
        prediction=1.0, observed=1.0 - gap,
        checks=(Check("1 − corr(W_K − W⋆, W^mm)", gap, float(setting["max_gap"]), "absolute"),
                Check("‖P_F W_K − W⋆‖ / ‖P_F W_{K/20} − W⋆‖", ratio, float(setting["max_ratio"]), "relative"),
                Check("checkpoints on [K/10, K] where corr(W_k − W⋆, W^mm) decreases", float(n_corr_down), 0.0,
                      "count"),
                Check("checkpoints on [K/10, K] where ‖P_F W_k − W⋆‖ increases", float(n_fin_up), 0.0, "count")),
        label="corr(W_K − W⋆, W^mm): 1 predicted (Theorem 2's limit) / observed at K",
        nontrivial=Nontrivial("‖P_⊥W_K‖ in units of ‖W⋆‖ (the direction part dominates the finite part, so the "
                              "correlation measures the direction)", float(h.norm_perp[-1]) / norm_star, 2.0),
        details=dict(V=V, m=m, d=d, support_size=size, eta=eta, steps=K, finite_error_first=fe1, finite_error=fe,
                     one_minus_corr=gap, corr_max_margin=float(h.corr_max_margin[-1]),
                     finite_error_history=float(h.finite_error[-1])))
