"""Benchmarks of the rf_risk theory (registered in :mod:`sims.bench`).

* ``rf_risk.grid`` (THEORY part): the theory's test and train risk over a 200 × 200 log-spaced
  (n, k) grid, n, k in [10, 10⁴], for the 10⁴-mode spectrum λ_i = i^-1.5, v_i² = i^-1.5, σ² = 0.5
  (Simon et al. 2023, synthetic panel), ridge 1e-2: ``theory.rf_risk.risk_grid`` (tables of the
  mode sums in log γ + vectorised bisection; best of 3) against calling the scalar solver
  ``theory.rf_risk.risk`` per point. The per-point loop over all 40,000 points would take tens of
  seconds on a loaded machine, so it is timed on a seeded random subset of points and extrapolated
  (time per point × 40,000; stated in the rows). The max relative deviation of test and train
  risk between the two on that subset is reported, also at ridge 1e-6 and 0. Target: >= 50×.
* ``rf_risk.monte_carlo`` (SIMS part): one Monte-Carlo trial of the Gaussian model
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
import time

import numpy as np
import scipy.linalg

from ..bench import Metric, register_benchmark, timed

_GRID = dict(M=10_000, size=200, subset=1000, repeat=3)
_GRID_QUICK = dict(M=300, size=12, subset=20, repeat=1)


def _distinct_counts(lo, hi, size):
    """``size`` distinct integers, log-spaced from lo to hi (rounding merges a few at the low end)."""
    for m in range(size, 4 * size):
        v = np.unique(np.round(np.geomspace(lo, hi, m)))
        if v.size >= size:
            return v[np.linspace(0, v.size - 1, size).round().astype(int)]
    raise ValueError(f"fewer than {size} integers in [{lo}, {hi}]")


@register_benchmark("rf_risk.grid", "rf_risk",
                    "risk over a 200x200 (n, k) grid, 10^4 modes: risk_grid vs scalar risk per point (target >= 50x)")
def bench_grid(quick: bool):
    from theory.rf_risk import risk, risk_grid

    cfg = _GRID_QUICK if quick else _GRID
    i = np.arange(1, cfg["M"] + 1, dtype=float)
    lam, v2 = i**-1.5, i**-1.5
    noise = 0.5
    ns = _distinct_counts(10, min(1e4, cfg["M"]), cfg["size"])
    ks = ns.copy()
    rng = np.random.default_rng(0)
    rows = [f"spectrum λ_i = v_i² = i^-1.5, M = {cfg['M']}, σ² = {noise}; grid {ns.size} × {ks.size} log-spaced "
            f"(n, k) in [10, {int(ns.max())}]"]
    metrics = []
    for ridge in (1e-2, 1e-6, 0.0):
        g, t_grid = timed(risk_grid, lam, v2, ns[:, None], ks[None, :], ridge, noise,
                          repeat=cfg["repeat"] if ridge == 1e-2 else 1)
        a = rng.integers(ns.size, size=cfg["subset"])
        b = rng.integers(ks.size, size=cfg["subset"])
        tic = time.perf_counter()
        res = [risk(lam, v2, int(ns[x]), float(ks[y]), ridge, noise) for x, y in zip(a, b)]
        t_sub = time.perf_counter() - tic
        dev = 0.0
        for r, x, y in zip(res, a, b):
            if r.diverged:
                dev = max(dev, 0.0 if (g.diverged[x, y] and np.isinf(g.test_mse[x, y])) else np.inf)
                continue
            dev = max(dev, abs(g.test_mse[x, y] / r.test_mse - 1),
                      abs(g.train_mse[x, y] / r.train_mse - 1) if r.train_mse > 0 else abs(g.train_mse[x, y]))
        t_scalar = t_sub / len(res) * ns.size * ks.size
        rows.append(f"ridge {ridge:g}: risk_grid {t_grid:.3f} s; scalar {1e3 * t_sub / len(res):.3f} ms/point × "
                    f"{ns.size * ks.size} points = {t_scalar:.1f} s (extrapolated from {len(res)} random points); "
                    f"max relative deviation (test, train) {dev:.2e}")
        if ridge == 1e-2:
            metrics.append(Metric("scalar per point / risk_grid", t_scalar / t_grid, target=50.0))
        metrics.append(Metric(f"max rel. deviation, ridge {ridge:g}", dev, unit="", target=1e-9,
                              higher_is_better=False))
    return rows, metrics


# --------------------------------------------------------------------------------------------
# rf_risk.monte_carlo (SIMS part)

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


# --------------------------------------------------------------------------------------------
# torch bridge (issue 10, experiment 5; TNTP helper)

_TORCH = dict(n=300, k=1200, M=3000, trials=8)
_TORCH_QUICK = dict(n=40, k=120, M=300, trials=8)


@register_benchmark("rf_risk.torch_mc", "rf_risk",
                    "torch-bridge Gaussian-model MC on the CPU vs the NumPy path, n = 300, k = 1200, M = 3000, "
                    "one thread each (target <= 3x)")
def bench_torch_mc(quick: bool):
    from .._torch import require_torch
    from ._monte_carlo import monte_carlo_risk
    from ._torch_mc import monte_carlo_risk_torch

    torch = require_torch()
    cfg = _TORCH_QUICK if quick else _TORCH
    n, k, M, trials = cfg["n"], cfg["k"], cfg["M"], cfg["trials"]
    lam = np.arange(1, M + 1, dtype=float) ** -1.5
    ridges = np.array([0.0, 1e-2, 0.1])
    threads = torch.get_num_threads()
    torch.set_num_threads(1)              # the NumPy path with threads=1 runs a single-threaded BLAS
    try:
        monte_carlo_risk_torch(lam, lam, n, k, ridges, 0.1, trials=2, seed=0, device="cpu")     # warm-up
        a, t_numpy = timed(monte_carlo_risk, lam, lam, n, k, ridges, 0.1, trials=trials, seed=0, threads=1,
                           repeat=2)
        b, t_torch = timed(monte_carlo_risk_torch, lam, lam, n, k, ridges, 0.1, trials=trials, seed=0,
                           device="cpu", repeat=2)
    finally:
        torch.set_num_threads(threads)
    rel = float(np.max(np.abs(a.test_samples - b.test_samples) / a.test_samples))
    rows = [f"Gaussian model, λ_i = v_i² = i^-1.5, σ² = 0.1, n = {n}, k = {k}, M = {M}, ridges {ridges.tolist()}, "
            f"{trials} trials, one thread each (best of 2)",
            f"  NumPy path   {t_numpy / trials * 1e3:9.1f} ms/trial",
            f"  torch, CPU   {t_torch / trials * 1e3:9.1f} ms/trial",
            f"  same draws on the CPU: max per-trial |test_numpy − test_torch| / test_numpy = {rel:.1e}"]
    return rows, [Metric("torch CPU / NumPy path", t_torch / t_numpy, target=3.0, higher_is_better=False)]
