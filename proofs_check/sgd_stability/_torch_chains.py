"""SGD stability at scale: the torch bridge's Monte-Carlo exponents against the quadrature theory.

``sims.sgd_stability.lyapunov_chains_torch`` runs the linearised two-layer SGD chains at the origin
saddle (data model B, Gaussian inputs) over a (σ, λ) grid on the CPU here, on a GPU at paper size;
the prediction is Λ± = E log|1 ± λc| from ``theory.sgd_stability`` (``model_b_law``: double-exponential
quadrature over Q ~ χ²_S). Skipped with a reason where torch is missing.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from theory.sgd_stability import expected_log_abs, model_b_law

from .._claim import Check, Comparison, Nontrivial, Perturbation, cite, claim


def _bonferroni_k(n_comparisons: int, level: float) -> float:
    """Smallest k with n·P(|Z| > k) ≤ level (two-sided normal tail, union bound)."""
    return float(-special.ndtri(level / (2.0 * n_comparisons)))


@claim("sgd_stability.torch_lyapunov_grid",
       source=f"{cite('ziyin2023', 'Thm 1')}; docs/sgd_stability.md#phases-of-the-two-layer-net; "
              "docs/sgd_stability.md#data-models",
       statement="Over a (σ, λ) grid spanning phases Ia/Ib, III and IV, the Monte-Carlo exponents Λ± of "
                 "linearised two-layer SGD chains run on the torch bridge (model B, S = 1) agree in every "
                 "cell with the quadrature values E log|1 ± λc| to k standard errors.",
       tolerance_reason="Per-cell z = |MC − theory|/SE, SE = sd(chain estimates)/√n_chains (n_chains = 4000 "
                        "i.i.d. chains: the CLT holds, log|1 ± λc| has all moments). k is the Bonferroni "
                        "bound for the 40 comparisons at family-wise level 1e-3 (k ≈ 4.2): a chance failure "
                        "of any cell has probability < 1e-3 per seed; the quadrature's error (~1e-12) is "
                        "negligible against SE ≈ 1e-3.",
       seeds=range(5), seeds_reason="the chains' random streams are drawn from the seed (block_generator); "
                                    "each of the five seeds 0-4 is checked",
       wrong=Perturbation(absolute=0.005),
       setting=dict(lr=(0.1, 0.4, 0.8, 1.2, 1.6), noise=(0.5, 2.0, 4.0, 6.0), n_steps=400, n_chains=4000,
                    batch_size=1, family_level=1e-3),
       requires=("torch",))
def _torch_lyapunov_grid(setting, seed, perturb):
    from sims.sgd_stability import lyapunov_chains_torch

    lr, noise = np.asarray(setting["lr"], float), np.asarray(setting["noise"], float)
    S = int(setting["batch_size"])
    run = lyapunov_chains_torch(lr, noise, int(setting["n_steps"]), int(setting["n_chains"]), seed,
                                batch_size=S, device="cpu")
    plus = np.array([perturb(expected_log_abs(1.0, lr, model_b_law(s, S))) for s in noise])
    minus = np.array([perturb(expected_log_abs(1.0, -lr, model_b_law(s, S))) for s in noise])
    z_plus = np.abs(run.lambda_plus - plus) / run.se_plus
    z_minus = np.abs(run.lambda_minus - minus) / run.se_minus
    k = _bonferroni_k(2 * plus.size, float(setting["family_level"]))
    worst = np.unravel_index(int(np.argmax(np.maximum(z_plus, z_minus))), plus.shape)
    # non-vacuous: the grid crosses the phase boundary Λ₋ = 0 by many SE on both sides
    sides = min(float(np.max(minus / run.se_minus)), float(np.max(-minus / run.se_minus)))
    return Comparison(prediction=np.array([plus[worst], minus[worst]]),
                      observed=np.array([run.lambda_plus[worst], run.lambda_minus[worst]]),
                      checks=(Check("Λ₊ MC − quadrature", float(np.max(z_plus)), k, "standard errors"),
                              Check("Λ₋ MC − quadrature", float(np.max(z_minus)), k, "standard errors")),
                      label="(Λ₊, Λ₋) quadrature / torch Monte Carlo at the cell with the largest z",
                      nontrivial=Nontrivial("min over signs of max ±Λ₋/SE (the grid has Λ₋ < 0 and Λ₋ > 0 "
                                            "cells, each far from 0)", sides, 10.0),
                      details={"k": k, "cell": (float(noise[worst[0]]), float(lr[worst[1]])),
                               "max_z_plus": float(np.max(z_plus)), "max_z_minus": float(np.max(z_minus)),
                               "median_se": float(np.median(np.concatenate([run.se_plus, run.se_minus], axis=None))),
                               "device": run.device, "dtype": run.dtype, "n_chains": run.n_chains,
                               "n_steps": run.n_steps, "undecided_cells": int(run.undecided.sum())})
