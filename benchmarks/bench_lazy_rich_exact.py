"""Exact solution vs solve_ivp on a grid of δ values × times (issue: ≥ 100× faster).

Setting: Kunin et al. 2024 Fig. 3 (β* = (0, 1), β0 = (−1, 0), unit rates), δ ∈ linspace(−4, 4, N_DELTA),
t ∈ linspace(0, 20, N_TIMES). The reference integrates each δ with DOP853 at the accuracy the claims
use (rtol 1e-12, atol 1e-14). Integrating all 1,000 trajectories takes minutes on 2 cores, so by
default every STRIDE-th δ is integrated and its time scaled by STRIDE (``--full`` integrates all).
The ratio and the max deviation are printed from the same run.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy.integrate import solve_ivp

from theory.lazy_rich import exact_solution, init_from_beta

N_DELTA, N_TIMES, STRIDE = 1000, 1000, 20
BETA_STAR, BETA0 = np.array([0.0, 1.0]), np.array([-1.0, 0.0])


def _rhs(_, y):
    a, w = y[0], y[1:]
    g = a * w - BETA_STAR
    return np.concatenate([[-(w @ g)], -a * g])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full", action="store_true", help="integrate all δ values (slow)")
    args = parser.parse_args(argv)
    stride = 1 if args.full else STRIDE

    deltas = np.linspace(-4.0, 4.0, N_DELTA)
    t = np.linspace(0.0, 20.0, N_TIMES)
    inits = [init_from_beta(BETA0, d) for d in deltas]
    a0 = np.array([a for a, _ in inits])
    w0 = np.array([w for _, w in inits])

    exact_solution(a0[:2], w0[:2], BETA_STAR, t[:3])  # warm-up (imports, allocation)
    repeats = 3
    tic = time.perf_counter()
    for _ in range(repeats):
        sol = exact_solution(a0, w0, BETA_STAR, t)
    t_exact = (time.perf_counter() - tic) / repeats

    idx = np.arange(0, N_DELTA, stride)
    tic = time.perf_counter()
    deviation = 0.0
    for i in idx:
        ref = solve_ivp(_rhs, (0.0, t[-1]), np.concatenate([[a0[i]], w0[i]]), t_eval=t,
                        method="DOP853", rtol=1e-12, atol=1e-14)
        deviation = max(deviation, np.max(np.abs(ref.y[0] - sol.a[i])), np.max(np.abs(ref.y[1:].T - sol.w[i])))
    t_ivp = (time.perf_counter() - tic) * N_DELTA / len(idx)

    print(f"grid: {N_DELTA} deltas x {N_TIMES} times (d = 2)")
    print(f"exact_solution (vectorised):        {t_exact:8.3f} s")
    print(f"solve_ivp DOP853 rtol=1e-12{' (all)' if stride == 1 else f' ({len(idx)} runs x {stride})'}: "
          f"{t_ivp:8.3f} s")
    print(f"speed-up: {t_ivp / t_exact:.0f}x   max |exact - ODE| over integrated runs: {deviation:.2e}")


if __name__ == "__main__":
    main()
