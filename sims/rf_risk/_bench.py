"""Benchmarks of the rf_risk theory (registered in :mod:`sims.bench`).

* ``rf_risk.grid`` (THEORY part): the theory's test and train risk over a 200 × 200 log-spaced
  (n, k) grid, n, k in [10, 10⁴], for the 10⁴-mode spectrum λ_i = i^-1.5, v_i² = i^-1.5, σ² = 0.5
  (Simon et al. 2023, synthetic panel), ridge 1e-2: ``theory.rf_risk.risk_grid`` (tables of the
  mode sums in log γ + vectorised bisection; best of 3) against calling the scalar solver
  ``theory.rf_risk.risk`` per point. The per-point loop over all 40,000 points would take tens of
  seconds on a loaded machine, so it is timed on a seeded random subset of points and extrapolated
  (time per point × 40,000; stated in the rows). The max relative deviation of test and train
  risk between the two on that subset is reported, also at ridge 1e-6 and 0. Target: >= 50×.
"""

from __future__ import annotations

import time

import numpy as np

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
