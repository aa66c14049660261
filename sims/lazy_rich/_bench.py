"""Benchmarks of the lazy_rich theory (registered in :mod:`sims.bench`).

* ``lazy_rich.gd``: the numba GD kernels against their plain-NumPy oracles, same run. Single
  neuron f(x) = a·wᵀx: 10,000 chains (a grid of δ and initial directions) × 2,000 full-batch GD
  steps, d = 5, n = 20, only the first and last states recorded; then the shallow ReLU kernel at
  a small size. Chain-steps per second for kernel and oracle, their ratio, and the largest
  difference between the two (they agree bit for bit). The numba first call (compile or cache
  load) is reported separately and excluded from the rates.
* ``lazy_rich.exact``: the exact solution against ``solve_ivp`` on a grid of δ × times. Setting
  of Kunin et al. 2024 Fig. 3 (β* = (0, 1), β0 = (−1, 0), unit rates), δ ∈ linspace(−4, 4, 1000),
  t ∈ linspace(0, 20, 1000). The reference integrates with DOP853 at the accuracy the claims use
  (rtol 1e-12, atol 1e-14); all 1,000 trajectories take minutes on 2 cores, so every 20th δ is
  integrated and its time scaled by 20.
"""

from __future__ import annotations

import time

import numpy as np

from ..bench import Metric, register_benchmark, timed

_GD = dict(n_chains=10_000, n_steps=2_000, d=5, n=20, lr=1e-3)
_GD_QUICK = dict(n_chains=200, n_steps=100, d=5, n=20, lr=1e-3)
_RELU = dict(C=16, n=200, m=50, d=20, steps=200, lr=5e-3)
_RELU_QUICK = dict(C=2, n=20, m=5, d=4, steps=10, lr=5e-3)


def _single_neuron(n_chains, n_steps, d, n, lr):
    from theory.lazy_rich import init_from_beta

    from ._gd import gradient_descent, gradient_descent_reference

    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, d)) / np.sqrt(n)
    y = X @ rng.standard_normal(d)
    deltas = np.repeat(np.linspace(-4.0, 4.0, 100), n_chains // 100)
    beta0 = 0.1 * rng.standard_normal((n_chains, d))
    inits = [init_from_beta(b, dl) for b, dl in zip(beta0, deltas)]
    a0 = np.array([a for a, _ in inits])
    w0 = np.array([w for _, w in inits])
    kw = dict(lr=lr, n_steps=n_steps, record_every=n_steps)

    _, t_compile = timed(gradient_descent, X, y, a0[:2], w0[:2], lr, 2)
    fast, t_fast = timed(gradient_descent, X, y, a0, w0, **kw)
    ref, t_ref = timed(gradient_descent_reference, X, y, a0, w0, **kw)
    chain_steps = n_chains * n_steps
    diff = max(np.max(np.abs(fast.a - ref.a)), np.max(np.abs(fast.w - ref.w)))
    rows = [f"single neuron: {n_chains} chains x {n_steps} steps, d = {d}, n = {n}",
            f"  numba first call (compile or cache load): {t_compile:7.2f} s",
            f"  numba kernel     {t_fast:7.3f} s   {chain_steps / t_fast:12.3e} chain-steps/s",
            f"  NumPy reference  {t_ref:7.3f} s   {chain_steps / t_ref:12.3e} chain-steps/s",
            f"  max |kernel - reference| = {diff:.1e}   diverged chains: {int(fast.diverged.sum())}"]
    return rows, Metric("single neuron: numba / NumPy", t_ref / t_fast)


def _relu(C, n, m, d, steps, lr):
    from ._gd_relu import gradient_descent_relu, gradient_descent_relu_reference

    rng = np.random.default_rng(1)
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    teacher = rng.standard_normal((3, d))
    y = np.maximum(X @ teacher.T, 0.0) @ np.array([1.0, -1.0, 1.0])
    a0 = rng.choice([-1.0, 1.0], size=(C, m)) * 0.3
    W0 = rng.standard_normal((C, m, d)) * 0.3 / np.sqrt(d)
    kw = dict(lr=lr, n_steps=steps, record_every=steps)

    _, t_compile = timed(gradient_descent_relu, X, y, a0[:1], W0[:1], lr, 2)
    fast, t_fast = timed(gradient_descent_relu, X, y, a0, W0, **kw)
    ref, t_ref = timed(gradient_descent_relu_reference, X, y, a0, W0, **kw)
    chain_steps = C * steps
    diff = np.max(np.abs(fast.W - ref.W))
    rows = [f"ReLU net: {C} chains x {steps} steps, n = {n}, m = {m}, d = {d}",
            f"  numba first call (compile or cache load): {t_compile:7.2f} s",
            f"  numba kernel     {t_fast:7.3f} s   {chain_steps / t_fast:12.3e} chain-steps/s "
            f"({1e3 * t_fast / chain_steps:.3f} ms per chain-step)",
            f"  NumPy reference  {t_ref:7.3f} s   {chain_steps / t_ref:12.3e} chain-steps/s",
            f"  max |kernel - reference| = {diff:.1e}"]
    return rows, Metric("ReLU net: numba / NumPy", t_ref / t_fast)


@register_benchmark("lazy_rich.gd", "lazy_rich", "numba GD kernels vs their NumPy oracles (chain-steps/s)")
def bench_gd(quick: bool):
    rows1, m1 = _single_neuron(**(_GD_QUICK if quick else _GD))
    rows2, m2 = _relu(**(_RELU_QUICK if quick else _RELU))
    return rows1 + rows2, [m1, m2]


_EXACT = dict(n_delta=1000, n_times=1000, stride=20)
_EXACT_QUICK = dict(n_delta=40, n_times=50, stride=20)


@register_benchmark("lazy_rich.exact", "lazy_rich", "exact solution vs solve_ivp on a δ × t grid (target >= 100x)")
def bench_exact(quick: bool):
    from scipy.integrate import solve_ivp

    from theory.lazy_rich import exact_solution, init_from_beta

    n_delta, n_times, stride = (_EXACT_QUICK if quick else _EXACT).values()
    beta_star, beta0 = np.array([0.0, 1.0]), np.array([-1.0, 0.0])

    def rhs(_, y):
        a, w = y[0], y[1:]
        g = a * w - beta_star
        return np.concatenate([[-(w @ g)], -a * g])

    deltas = np.linspace(-4.0, 4.0, n_delta)
    t = np.linspace(0.0, 20.0, n_times)
    inits = [init_from_beta(beta0, d) for d in deltas]
    a0 = np.array([a for a, _ in inits])
    w0 = np.array([w for _, w in inits])

    exact_solution(a0[:2], w0[:2], beta_star, t[:3])  # warm-up (imports, allocation)
    repeats = 3                                       # mean of three calls
    tic = time.perf_counter()
    for _ in range(repeats):
        sol = exact_solution(a0, w0, beta_star, t)
    t_exact = (time.perf_counter() - tic) / repeats

    idx = np.arange(0, n_delta, stride)
    deviation = 0.0

    def integrate_all():
        nonlocal deviation
        for i in idx:
            ref = solve_ivp(rhs, (0.0, t[-1]), np.concatenate([[a0[i]], w0[i]]), t_eval=t,
                            method="DOP853", rtol=1e-12, atol=1e-14)
            deviation = max(deviation, np.max(np.abs(ref.y[0] - sol.a[i])),
                            np.max(np.abs(ref.y[1:].T - sol.w[i])))

    _, t_run = timed(integrate_all)
    t_ivp = t_run * n_delta / len(idx)
    rows = [f"grid: {n_delta} deltas x {n_times} times (d = 2)",
            f"exact_solution (vectorised):        {t_exact:8.3f} s",
            f"solve_ivp DOP853 rtol=1e-12 ({len(idx)} runs x {stride}): {t_ivp:8.3f} s",
            f"max |exact - ODE| over integrated runs: {deviation:.2e}"]
    return rows, [Metric("exact solution / solve_ivp speed-up", t_ivp / t_exact, target=100.0)]


# --------------------------------------------------------------------------------------------
# issue 10 (torch bridge): the batched ReLU sweep against the numba kernel
# --------------------------------------------------------------------------------------------

_SWEEP = dict(G=25, n=200, m=50, d=20, steps=200)
_SWEEP_QUICK = dict(G=4, n=20, m=6, d=4, steps=10)


@register_benchmark("lazy_rich.torch_relu_sweep", "lazy_rich",
                    "torch bridge ReLU GD on the CPU vs the numba kernel, same networks x steps (target <= 3x)")
def bench_torch_relu_sweep(quick: bool):
    """GD step throughput of the bridge's batched engine and of ``gradient_descent_relu`` on the same networks.

    G networks of one seed (one τ, G values of δ: the numba kernel takes one step size), mirrored start,
    data and teacher of :func:`relu_sweep_torch`. Each side runs N and 2N steps recording only the start
    and the end; the per-step time is the difference / N, so the bridge's fixed cost (the kernel distance
    and test-set measures at its two checkpoints) is reported apart. The bridge runs single-threaded
    (``torch.set_num_threads(1)``), as numba does here; the target compares the network GD alone, and
    a second row gives the bridge with its linearised model (twice the work) for information.
    """
    from .._torch import require_torch
    from ._gd_relu import gradient_descent_relu
    from ._torch_relu_sweep import _init_grid, _seed_draws, _train

    torch = require_torch()
    G, n, m, d, steps = (_SWEEP_QUICK if quick else _SWEEP).values()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        X, y, Xt, yt, dirs, sgn = _seed_draws(0, 0, m, n, d, 3, 100)
        a0, W0 = _init_grid(torch, dirs, sgn, np.array([0.5]), np.linspace(-0.5, 0.5, G))
        h = 5e-3 / 0.5**2
        Xn, yn, a0n, W0n = X.numpy(), y.numpy(), a0.numpy(), W0.numpy()
        lr = torch.full((G,), h, dtype=torch.float64)

        def numba_run(N):
            return gradient_descent_relu(Xn, yn, a0n, W0n, h, N, record_steps=[0, N])

        def bridge_run(N, linearised):
            return _train(torch, X[None], y[None], Xt[None], yt[None], a0[None], W0[None], lr, np.array([0, N]),
                          1e100, G, linearised=linearised)

        _, t_compile = timed(numba_run, 2)
        t_nb = [timed(numba_run, N, repeat=3)[1] for N in (steps, 2 * steps)]
        t_br = [timed(bridge_run, N, False, repeat=3)[1] for N in (steps, 2 * steps)]
        t_lin = [timed(bridge_run, N, True, repeat=3)[1] for N in (steps, 2 * steps)]
    finally:
        torch.set_num_threads(threads)
    per_nb = max(t_nb[1] - t_nb[0], 1e-9) / steps
    per_br = max(t_br[1] - t_br[0], 1e-9) / steps
    per_lin = max(t_lin[1] - t_lin[0], 1e-9) / steps
    fixed = max(t_br[0] - per_br * steps, 0.0)
    rows = [f"ReLU sweep engine: {G} networks x {steps} and {2 * steps} steps, n = {n}, m = {m}, d = {d}, 1 thread",
            f"  numba first call (compile or cache load): {t_compile:7.2f} s",
            f"  numba kernel            {1e3 * per_nb:9.3f} ms per step of all networks",
            f"  torch bridge (network)  {1e3 * per_br:9.3f} ms per step   + {fixed:.3f} s at the two checkpoints",
            f"  torch bridge (+ linearised model) {1e3 * per_lin:9.3f} ms per step"]
    return rows, [Metric("bridge CPU / numba (per step)", per_br / per_nb, target=3.0, higher_is_better=False),
                  Metric("bridge with linearisation / numba", per_lin / per_nb)]
