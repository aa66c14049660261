"""Benchmarks of the supcon_ufm theory (registered in :mod:`sims.bench`).

* ``supcon_ufm.riemannian_gd``: the numba Riemannian-GD kernel against its plain-NumPy oracle, same
  run, on STEP labels (8, 2, 2) in d = 3 at tau = 0.5, lr 0.05, 5 random inits, tol = 0 (every step
  runs). The time-stepping cores are timed on identical arguments; their final states agree bit for
  bit. Target: kernel / oracle >= 3.
* ``supcon_ufm.optimal_gram``: wall time of the certified Gram relaxation (CVXPY compilation + Clarabel +
  L-BFGS polish + float64 certificate) at the sizes of the figures and claims (n = 12, 24) and at
  n = 48, with the certificate's gap bound. Target: under 1 s at n = 12. What dominates at larger n is
  Clarabel itself (n(n-1) exponential cones and one PSD cone: at n = 48, 36 interior-point iterations take
  7-14 s on 2 shared cores; compilation 0.01 s, polish 0.15 s).
"""

from __future__ import annotations

import numpy as np

from ..bench import Metric, register_benchmark, timed

_GD = dict(kernel_steps=20_000, oracle_steps=200)
_GD_QUICK = dict(kernel_steps=500, oracle_steps=20)


def _args(steps):
    import theory.supcon_ufm as T

    from ._train import default_checkpoints, random_features

    y = np.repeat(np.arange(3), [8, 2, 2])
    lab = T.as_labels(y)
    H0 = random_features(3, y.size, 5, seed=0)
    return (H0, np.ascontiguousarray(lab.positive_weight), 0.5, 0.05, steps, 0.0, default_checkpoints(steps))


@register_benchmark("supcon_ufm.riemannian_gd", "supcon_ufm",
                    "numba Riemannian GD kernel vs its NumPy oracle, n = 12, d = 3, 5 inits (target >= 3x)")
def bench_riemannian_gd(quick: bool):
    from ._train import riemannian_gd

    kernel_steps, oracle_steps = (_GD_QUICK if quick else _GD).values()
    sim = riemannian_gd.simulation
    _, t_compile = timed(sim.backends["numba"], *_args(2))
    _, t_fast = timed(sim.backends["numba"], *_args(kernel_steps), repeat=3)
    ref, t_ref = timed(sim.backends["numpy"], *_args(oracle_steps))
    short, _ = timed(sim.backends["numba"], *_args(oracle_steps))
    same = bool(np.array_equal(short[0], ref[0]) and np.array_equal(short[1], ref[1]))
    per_fast, per_ref = t_fast / kernel_steps, t_ref / oracle_steps
    rows = ["SC UFM Riemannian GD, labels (8,2,2), d = 3, tau = 0.5, lr = 0.05, 5 inits (per step: all 5 chains)",
            f"  numba first call (compile or cache load): {t_compile:7.2f} s",
            f"  numba kernel  {1e6 * per_fast:9.1f} us/step  ({kernel_steps} steps, best of 3)",
            f"  NumPy oracle  {1e6 * per_ref:9.1f} us/step  ({oracle_steps} steps)",
            f"  kernel == oracle bit for bit after {oracle_steps} steps: {same}"]
    return rows, [Metric("RGD kernel / NumPy oracle", per_ref / per_fast, target=3.0)]


@register_benchmark("supcon_ufm.optimal_gram", "supcon_ufm",
                    "certified Gram relaxation (CVXPY + Clarabel + polish + certificate), n = 12, 24, 48 "
                    "(target < 1 s at n = 12)")
def bench_optimal_gram(quick: bool):
    import theory.supcon_ufm as T

    sizes = (12, 24) if quick else (12, 24, 48)
    rows = ["optimal_gram(labels, tau = 1), STEP labels (n/2, n/4, n/4); wall time of the whole call "
            "(best of 2) and the certified gap bound"]
    metrics = []
    T.optimal_gram(np.repeat(np.arange(3), [6, 3, 3]), 1.0)           # cvxpy import and first compile
    for n in sizes:
        y = np.repeat(np.arange(3), [n // 2, n // 4, n // 4])
        (G, cert), t = timed(T.optimal_gram, y, 1.0, return_certificate=True, repeat=2)
        rows.append(f"  n = {n:3d}: {t:6.3f} s (solver + polish {cert.seconds:6.3f} s), gap bound "
                    f"{cert.gap_bound:.1e}, rank {cert.rank}")
        if n == 12:
            metrics.append(Metric("optimal_gram at n = 12", t, unit="s", target=1.0, higher_is_better=False))
    return rows, metrics
