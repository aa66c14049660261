"""numba GD kernels vs their plain-NumPy references (vectorised over chains), same run.

Single neuron f(x) = a·wᵀx (docs/lazy_rich.md#numerics-and-tolerances): 10,000 chains (a grid of δ and initial directions)
× 2,000 full-batch GD steps, d = 5, n = 20, only the first and last states recorded. Second
section: the shallow ReLU kernel at a small size like the paper's Fig. 1b sweep (docs/lazy_rich.md#figure-settings). Prints chain-steps per second for
kernel and reference, their ratio, and the largest difference between the two results (they
are designed to agree bit for bit). The numba compile time (first call, cached on disk
afterwards) is reported separately and excluded from the rates.
"""

from __future__ import annotations

import time

import numpy as np

from sims.lazy_rich._gd import gradient_descent, gradient_descent_reference
from sims.lazy_rich._gd_relu import gradient_descent_relu, gradient_descent_relu_reference
from theory.lazy_rich import init_from_beta

N_CHAINS, N_STEPS, D, N = 10_000, 2_000, 5, 20
LR = 1e-3
RELU = dict(C=16, n=200, m=50, d=20, steps=200, lr=5e-3)


def _timed(fn, *args, **kwargs):
    tic = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - tic


def _single_neuron() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((N, D)) / np.sqrt(N)
    y = X @ rng.standard_normal(D)
    deltas = np.repeat(np.linspace(-4.0, 4.0, 100), N_CHAINS // 100)
    beta0 = 0.1 * rng.standard_normal((N_CHAINS, D))
    inits = [init_from_beta(b, dl) for b, dl in zip(beta0, deltas)]
    a0 = np.array([a for a, _ in inits])
    w0 = np.array([w for _, w in inits])
    kw = dict(lr=LR, n_steps=N_STEPS, record_every=N_STEPS)

    _, t_compile = _timed(gradient_descent, X, y, a0[:2], w0[:2], LR, 2)
    fast, t_fast = _timed(gradient_descent, X, y, a0, w0, **kw)
    ref, t_ref = _timed(gradient_descent_reference, X, y, a0, w0, **kw)
    chain_steps = N_CHAINS * N_STEPS
    diff = max(np.max(np.abs(fast.a - ref.a)), np.max(np.abs(fast.w - ref.w)))
    print(f"single neuron: {N_CHAINS} chains x {N_STEPS} steps, d = {D}, n = {N}")
    print(f"  numba first call (compile or cache load): {t_compile:7.2f} s")
    print(f"  numba kernel     {t_fast:7.3f} s   {chain_steps / t_fast:12.3e} chain-steps/s")
    print(f"  NumPy reference  {t_ref:7.3f} s   {chain_steps / t_ref:12.3e} chain-steps/s")
    print(f"  speed-up {t_ref / t_fast:6.1f}x   max |kernel - reference| = {diff:.1e}   "
          f"diverged chains: {int(fast.diverged.sum())}")


def _relu() -> None:
    C, n, m, d, steps, lr = (RELU[k] for k in ("C", "n", "m", "d", "steps", "lr"))
    rng = np.random.default_rng(1)
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    teacher = rng.standard_normal((3, d))
    y = np.maximum(X @ teacher.T, 0.0) @ np.array([1.0, -1.0, 1.0])
    a0 = rng.choice([-1.0, 1.0], size=(C, m)) * 0.3
    W0 = rng.standard_normal((C, m, d)) * 0.3 / np.sqrt(d)
    kw = dict(lr=lr, n_steps=steps, record_every=steps)

    _, t_compile = _timed(gradient_descent_relu, X, y, a0[:1], W0[:1], lr, 2)
    fast, t_fast = _timed(gradient_descent_relu, X, y, a0, W0, **kw)
    ref, t_ref = _timed(gradient_descent_relu_reference, X, y, a0, W0, **kw)
    chain_steps = C * steps
    diff = np.max(np.abs(fast.W - ref.W))
    print(f"ReLU net: {C} chains x {steps} steps, n = {n}, m = {m}, d = {d}")
    print(f"  numba first call (compile or cache load): {t_compile:7.2f} s")
    print(f"  numba kernel     {t_fast:7.3f} s   {chain_steps / t_fast:12.3e} chain-steps/s "
          f"({1e3 * t_fast / chain_steps:.3f} ms per chain-step)")
    print(f"  NumPy reference  {t_ref:7.3f} s   {chain_steps / t_ref:12.3e} chain-steps/s")
    print(f"  speed-up {t_ref / t_fast:6.1f}x   max |kernel - reference| = {diff:.1e}")


def main() -> None:
    _single_neuron()
    _relu()


if __name__ == "__main__":
    main()
