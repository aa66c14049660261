"""Lazy/rich claims on the torch bridge: per-neuron δ_k in the batched ReLU sweep (Kunin et al. 2024, §5).

The sweep (:func:`sims.lazy_rich.relu_sweep_torch`) is the experiment of Fig. 1; this claim checks
its conserved quantities at a reduced size on the CPU, a few seconds per seed.
"""

from __future__ import annotations

import numpy as np

from .._claim import Check, Comparison, Nontrivial, Perturbation, cite, claim

_EPS = float(np.finfo(np.float64).eps)


@claim("lazy_rich.torch_delta_conservation",
       source=f"{cite('kunin2024', '§5, conserved quantities of piecewise-linear networks')}; "
              "docs/lazy_rich.md#relu-networks; docs/lazy_rich.md#numerics-and-tolerances",
       statement="In the batched torch ReLU sweep every neuron's δ_k = a_k² − ‖w_k‖² changes under GD with step h "
                 "exactly by Σ_steps h²((∂L/∂a_k)² − ‖∂L/∂w_k‖²) (so it is conserved by gradient flow), and its drift "
                 "after time t = Nh obeys |Δδ_k|/h ≤ t·G², G² the largest max((∂L/∂a_k)², ‖∂L/∂w_k‖²) of the run: "
                 "drift O(h), at two step sizes.",
       tolerance_reason="Identity: each GD step rounds a_k and w_k once (relative eps), so δ_k picks up at most "
                        "~4 eps (a_k² + ‖w_k‖²) per step: 4·N·eps relative to a_k² + ‖w_k‖² at the start "
                        "(√(δ² + 4τ⁴)) after N steps. Bound: each step changes δ_k by h²(g_a² − ‖g_w‖²), at most "
                        "h²·max(g_a², ‖g_w‖²) ≤ h²G² in size; summed over N = t/h steps this is h·t·G², so the "
                        "ratio |Δδ_k|/(h t G²) is ≤ 1 exactly (no roundoff margin needed: measured ≤ 0.94).",
       seeds=range(5), seeds_reason="data, teacher and student directions are drawn from the seed; five draws",
       wrong=Perturbation(relative=1e-3),
       setting=dict(taus=(0.1, 0.3, 1.0), deltas=(-0.5, 0.0, 0.5), m=20, n=100, d=10, n_steps=500,
                    lr_scale=5e-3),
       requires=("torch",))
def _torch_delta_conservation(setting, seed, perturb):
    from sims.lazy_rich import relu_sweep_torch

    taus, deltas = np.asarray(setting["taus"]), np.asarray(setting["deltas"])
    checks, details, worst = [], {}, (-1.0, 0.0, 0.0)
    drifts, moved, ratios = {}, [], []
    # the same time horizon at step h and h/2: N and 2N steps
    for label, scale_lr, n_steps in (("h", 1.0, setting["n_steps"]), ("h/2", 0.5, 2 * setting["n_steps"])):
        r = relu_sweep_torch(taus=taus, deltas=deltas, n_seeds=1, m=setting["m"], n=setting["n"], d=setting["d"],
                             n_test=10, n_steps=n_steps, lr_scale=scale_lr * setting["lr_scale"], seed=seed,
                             device="cpu", dtype="float64", progress=False)
        if r.diverged.any():
            raise RuntimeError(f"{int(r.diverged.sum())} networks diverged at step {label}: the setting must be stable")
        drift = r.delta - r.delta[..., :1, :]                                  # (T, D, 1, R, m)
        size0 = np.sqrt(deltas[None, :] ** 2 + 4 * taus[:, None] ** 4)[:, :, None, None, None]  # a² + ‖w‖² at start
        predicted = perturb(r.delta_gd_increment)
        rel = np.abs(drift - predicted) / size0
        k = np.unravel_index(int(np.argmax(rel)), rel.shape)
        if rel[k] > worst[0]:
            worst = (float(rel[k]), float(predicted[k]), float(drift[k]))
        checks.append(Check(f"δ_k change = accumulated h²(g_a² − ‖g_w‖²), step {label}", float(rel.max()),
                            4 * n_steps * _EPS, "relative"))
        h = r.lr[:, None, None, None]                                          # (T, 1, 1, 1)
        t = r.steps[1:] * h                                                    # (T, 1, 1, R − 1)
        bound = perturb(h * t * r.grad_sq_max[..., 1:])
        ratio = np.max(np.abs(drift[..., 1:, :]), axis=-1) / bound
        checks.append(Check(f"|Δδ_k| / (h·t·G²) ≤ 1, step {label}", float(ratio.max()), 1.0, "relative"))
        ratios.append(float(ratio.max()))
        drifts[label] = np.max(np.abs(drift[..., -1, :]), axis=(1, 2, 3))      # per τ, at the end
        moved.append(float(np.min(np.max(np.abs(drift[..., -1, :]), axis=-1) / size0[..., 0, 0])))
    details["final_drift_per_tau"] = {label: dict(zip(setting["taus"], v.tolist())) for label, v in drifts.items()}
    details["drift_ratio_h_over_h2_per_tau"] = dict(zip(setting["taus"], (drifts["h"] / drifts["h/2"]).tolist()))
    details["largest_ratio_to_bound"] = ratios
    return Comparison(prediction=worst[1], observed=worst[2], checks=checks,
                      label="accumulated GD increment and observed change of δ_k at the neuron and checkpoint "
                            "of the largest discrepancy",
                      nontrivial=Nontrivial("smallest final drift of δ_k relative to a_k² + ‖w_k‖² over the networks "
                                            "(GD really moves δ_k, so the identity is not 0 = 0)", min(moved), 1e-7),
                      details=details)
