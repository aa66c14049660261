"""Benchmarks of the ntp theory (registered in :mod:`sims.bench`).

* ``ntp.gradient_descent``: the numba full-batch GD kernel against its plain-NumPy oracle, same
  run, at the overparameterised setting of Thrampoulidis (2024), App. A.2 (m = 50, d = 60,
  V = 10, supports of 6, η = 0.5, zero init). The time-stepping cores are timed on identical
  arguments (the checkpoint metrics, W^mm and W⋆ are the same for both and are timed once,
  end to end, for information); their final states agree bit for bit. A plain BLAS NumPy loop
  (``W @ H``, naive softmax residual; not bit-identical) is timed too, as context. Target:
  kernel / oracle >= 3.
"""

from __future__ import annotations

import numpy as np

from ..bench import Metric, register_benchmark, timed

_GD = dict(kernel_steps=5_000, oracle_steps=500)
_GD_QUICK = dict(kernel_steps=200, oracle_steps=20)


def _blas_loop(H, P, pi, lr, steps):
    """Plain NumPy GD with BLAS products and a naive residual (context only)."""
    W = np.zeros((P.shape[0], H.shape[0]))
    for _ in range(steps):
        L = W @ H
        E = np.exp(L - L.max(axis=0))
        W = W - lr * (((E / E.sum(axis=0)) - P) * pi) @ H.T
    return W


@register_benchmark("ntp.gradient_descent", "ntp",
                    "numba NTP GD kernel vs its NumPy oracle, m = 50, d = 60, V = 10, S = 6 (target >= 3x)")
def bench_gradient_descent(quick: bool):
    from theory.ntp import random_instance

    from ._train import GD, _full_batch, _problem, gradient_descent

    kernel_steps, oracle_steps = (_GD_QUICK if quick else _GD).values()
    data = random_instance(10, 50, 60, 6, seed=0, n=5000)
    lr = 0.5
    sim = gradient_descent.simulation
    prob_k = _problem(data.H, data.P, data.pi, lr, kernel_steps, None, [0, kernel_steps], True)
    prob_o = _problem(data.H, data.P, data.pi, lr, oracle_steps, None, [0, oracle_steps], True)
    _, t_compile = timed(_full_batch, sim.backends["numba"], _problem(data.H, data.P, data.pi, lr, 2, None,
                                                                        [0, 2], True), GD)
    fast, t_fast = timed(_full_batch, sim.backends["numba"], prob_k, GD, repeat=3)
    ref, t_ref = timed(_full_batch, sim.backends["numpy"], prob_o, GD)
    short, _ = timed(_full_batch, sim.backends["numba"], prob_o, GD)
    same = bool(np.array_equal(short[4], ref[4]))
    _, t_blas = timed(_blas_loop, data.H, data.P, data.pi, lr, oracle_steps)
    _, t_call = timed(gradient_descent, data.H, data.P, data.pi, lr, kernel_steps)
    per_fast, per_ref, per_blas = t_fast / kernel_steps, t_ref / oracle_steps, t_blas / oracle_steps
    rows = ["NTP GD at m = 50, d = 60, V = 10, supports of 6, lr = 0.5 (Thrampoulidis 2024, App. A.2)",
            f"  numba first call (compile or cache load): {t_compile:7.2f} s",
            f"  numba kernel     {1e6 * per_fast:9.1f} us/step  ({kernel_steps} steps, best of 3)",
            f"  NumPy oracle     {1e6 * per_ref:9.1f} us/step  ({oracle_steps} steps)",
            f"  plain BLAS loop  {1e6 * per_blas:9.1f} us/step  (context: naive residual, not bit-identical)",
            f"  kernel == oracle bit for bit after {oracle_steps} steps: {same}",
            f"  public gradient_descent, {kernel_steps} steps with the default 40 checkpoints: {t_call:6.2f} s"]
    return rows, [Metric("GD kernel / NumPy oracle", per_ref / per_fast, target=3.0),
                  Metric("GD kernel / plain BLAS loop", per_blas / per_fast)]
