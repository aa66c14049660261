"""Benchmarks of the rf_risk theory (registered in :mod:`sims.bench`).

* ``rf_risk.monte_carlo``: one Monte-Carlo trial of the Gaussian model
  (``sims.rf_risk.monte_carlo_risk``) at n = 2000, k = 4000, M = 20,000 modes (λ_i = i^-1.5,
  v_i² = i^-1.5, σ² = 0.1) with three ridges {1e-3, 1e-2, 0.1} against one dense solve of the
  same size: the same random draws (X, Z, F = XΛ^{1/2}Zᵀ, y), then the Gram matrix FFᵀ + kδI,
  one Cholesky solve, ŵ and its exact test error, for one ridge. Both include drawing the data
  and forming F (which the Monte-Carlo point cannot skip); the Monte-Carlo point replaces the
  Gram + Cholesky by one thin SVD of F (through the eigen-decomposition of FFᵀ) that serves
  every ridge, and redraws Z for ŵ instead of holding it (the dense solve keeps all of Z, 640 MB). Also n = 200, k = 400, M = 2000
  (per-trial time, 20 trials). Target: MC point / dense solve <= 2.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.linalg

from ..bench import Metric, register_benchmark, timed

_MC_FULL = dict(n=2000, k=4000, M=20_000, small=(200, 400, 2000, 20))
_MC_QUICK = dict(n=100, k=200, M=1000, small=(50, 100, 400, 5))


def _dense_solve(lam, v, n, k, ridge, noise, seed=0):
    """One RF fit at one ridge by a Cholesky solve, with the Monte Carlo's draws; its test error."""
    from ._monte_carlo import _chunks

    sqrt_lam = np.sqrt(lam)
    F = np.zeros((n, k))
    Xv = np.zeros(n)
    Z = []
    for c, lo, hi in _chunks(lam.size):
        Xc = np.random.default_rng([seed, 0, 1, c]).standard_normal((n, hi - lo))
        Zc = np.random.default_rng([seed, 0, 3, c]).standard_normal((k, hi - lo))
        F += (Xc * sqrt_lam[lo:hi]) @ Zc.T
        Xv += Xc @ v[lo:hi]
        Z.append(Zc)
    y = Xv + math.sqrt(noise) * np.random.default_rng([seed, 0, 0]).standard_normal(n)
    G = F @ F.T
    G[np.diag_indices(n)] += k * ridge
    b = F.T @ scipy.linalg.cho_solve(scipy.linalg.cho_factor(G, check_finite=False), y, check_finite=False)
    test = noise
    for (c, lo, hi), Zc in zip(_chunks(lam.size), Z):
        test += float(np.sum((sqrt_lam[lo:hi] * (Zc.T @ b) - v[lo:hi]) ** 2))
    return test


@register_benchmark("rf_risk.monte_carlo", "rf_risk",
                    "Gaussian-model MC point (n=2000, k=4000, M=2e4, 3 ridges) vs one dense solve (target <= 2x)")
def bench_monte_carlo(quick: bool):
    from ._monte_carlo import monte_carlo_risk

    cfg = _MC_QUICK if quick else _MC_FULL
    n, k, M = cfg["n"], cfg["k"], cfg["M"]
    lam = np.arange(1, M + 1, dtype=float) ** -1.5
    ridges = np.array([1e-3, 1e-2, 0.1])
    noise = 0.1
    mc, t_mc = timed(monte_carlo_risk, lam, lam, n, k, ridges, noise, trials=2, seed=0)
    t_mc /= 2
    dense, t_dense = timed(_dense_solve, lam, np.sqrt(lam), n, k, 1e-2, noise)
    agree = abs(dense - mc.test_samples[0, 1]) / dense
    sn, sk, sM, strials = cfg["small"]
    lam_s = np.arange(1, sM + 1, dtype=float) ** -1.5
    _, t_small = timed(monte_carlo_risk, lam_s, lam_s, sn, sk, ridges, noise, trials=strials, seed=0)
    _, t_small_dense = timed(_dense_solve, lam_s, np.sqrt(lam_s), sn, sk, 1e-2, noise)
    rows = [f"Gaussian model, λ_i = v_i² = i^-1.5, σ² = {noise}, ridges {ridges.tolist()}",
            f"  n = {n}, k = {k}, M = {M}: MC trial (one SVD, 3 ridges) {t_mc:8.3f} s   "
            f"dense solve (Gram + Cholesky, 1 ridge) {t_dense:8.3f} s",
            f"  same draws, δ = 1e-2: |test_MC − test_dense| / test_dense = {agree:.1e}",
            f"  n = {sn}, k = {sk}, M = {sM}: MC {t_small / strials * 1e3:8.2f} ms/trial   "
            f"dense solve {t_small_dense * 1e3:8.2f} ms"]
    return rows, [Metric("MC point / dense solve (n=2000, k=4000)" if not quick else "MC point / dense solve",
                         t_mc / t_dense, target=2.0, higher_is_better=False),
                  Metric(f"MC trial / dense solve (n={sn}, k={sk})", t_small / strials / t_small_dense,
                         higher_is_better=False)]
