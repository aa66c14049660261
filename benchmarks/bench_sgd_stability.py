"""Nonlinear two-parameter SGD at the saddle: numba kernel vs NumPy vs pure Python, same run.

Model (docs/sgd_stability.md#nonlinear-check): f(x) = u·w·x (m = 1), data model A (x = ±1, y = x + σε), batch
size 1, loss ½(f − y)², λ = 0.02, σ = 1 (phase I: every trajectory escapes with the correct
sign and none stops early, so all implementations do the full work). 10,000 chains × 10,000
steps, collapse/divergence checked after every step.

* numba: :func:`sims.sgd_stability._sgd.simulate_two_layer` (chunks of chains in parallel,
  per-chain xoshiro256** + ziggurat); all threads, and one thread.
* NumPy, best effort: vectorised over chains, ``numpy.random.Generator`` (PCG64 + C ziggurat)
  drawing blocks of 64 steps, in-place ufuncs, frozen chains compacted away. Different random
  numbers, same model, same checks.
* NumPy oracle: :func:`simulate_two_layer_reference`, the bit-identical twin of the kernel
  (shorter run, scaled).
* pure Python: one chain at a time with :mod:`random` (a small subset, scaled).

Prints chain-steps per second (best of a few repeats: the machine may be shared) and the
ratios. The numba compile time (first call; cached on disk afterwards) is reported separately
and excluded from the rates.
"""

from __future__ import annotations

import math
import random
import time

import numba
import numpy as np

from sims.sgd_stability._sgd import simulate_two_layer, simulate_two_layer_reference

N_CHAINS, N_STEPS = 10_000, 10_000
LR, NOISE = 0.02, 1.0
INIT, COLL2, DIV2 = 1e-3, 1e-24, 1e12
ORACLE = (2_000, 200)          # chains, steps of the bit-identical NumPy reference
PURE = (40, 5_000)             # chains, steps of the pure-Python loop


def _timed(fn, *args, repeat=1, **kwargs):
    """Result and best wall time of ``repeat`` calls (the machine may be shared)."""
    best = math.inf
    for _ in range(repeat):
        tic = time.perf_counter()
        out = fn(*args, **kwargs)
        best = min(best, time.perf_counter() - tic)
    return out, best


def numpy_best(n_chains: int, n_steps: int, seed: int = 0, block: int = 64):
    """Vectorised over chains; returns the fraction of chains with the correct sign at the end."""
    rng = np.random.default_rng(seed)
    u = INIT * rng.standard_normal(n_chains)
    w = INIT * rng.standard_normal(n_chains)
    done_correct = 0
    tmp, r, n2 = (np.empty(n_chains) for _ in range(3))
    for t0 in range(0, n_steps, block):
        b = min(block, n_steps - t0)
        n = u.size
        x = rng.integers(0, 2, size=(b, n)).astype(np.float64)
        x *= 2.0
        x -= 1.0
        y = rng.standard_normal((b, n))
        y *= NOISE
        y += x
        tmp, r, n2 = tmp[:n], r[:n], n2[:n]
        for t in range(b):
            xt = x[t]
            np.multiply(w, xt, out=tmp)             # h = w x
            np.multiply(u, tmp, out=r)              # f = u h
            r -= y[t]                               # r = f − y
            un = u - LR * (r * tmp)                 # ∂/∂u = r h
            np.multiply(r, u, out=tmp)
            tmp *= xt                               # ∂/∂w = r u x
            tmp *= LR
            w -= tmp
            u = un
            np.multiply(u, u, out=n2)
            np.multiply(w, w, out=tmp)
            n2 += tmp
            if np.any(n2 < COLL2) or not np.all(n2 <= DIV2):
                keep = (n2 >= COLL2) & (n2 <= DIV2)   # frozen chains leave the arrays
                u, w = u[keep], w[keep]
                x, y = x[:, keep], y[:, keep]
                tmp, r, n2 = tmp[keep], r[keep], n2[keep]
    done_correct += int(np.sum(u * w > 0))
    return done_correct / n_chains


def pure_python(n_chains: int, n_steps: int, seed: int = 0):
    rnd = random.Random(seed)
    gauss, rand = rnd.gauss, rnd.random
    correct = 0
    for _ in range(n_chains):
        u, w = INIT * gauss(0.0, 1.0), INIT * gauss(0.0, 1.0)
        status = 0
        for _ in range(n_steps):
            x = 1.0 if rand() < 0.5 else -1.0
            y = x + NOISE * gauss(0.0, 1.0)
            h = w * x
            r = u * h - y
            u, w = u - LR * r * h, w - LR * r * u * x
            n2 = u * u + w * w
            if n2 < COLL2 or not n2 <= DIV2:
                status = 1
                break
        correct += status == 0 and u * w > 0
    return correct / n_chains


def main() -> None:
    threads = numba.get_num_threads()
    total = N_CHAINS * N_STEPS
    kw = dict(width=1, init_scale=INIT)
    _, t_compile = _timed(simulate_two_layer, LR, NOISE, 2, 2, 0, **kw)
    fast, t_fast = _timed(simulate_two_layer, LR, NOISE, N_STEPS, N_CHAINS, 0, repeat=3, **kw)
    numba.set_num_threads(1)
    _, t_one = _timed(simulate_two_layer, LR, NOISE, N_STEPS, N_CHAINS, 0, repeat=2, **kw)
    numba.set_num_threads(threads)
    best_frac, t_np = _timed(numpy_best, N_CHAINS, N_STEPS, repeat=2)
    oc, os_ = ORACLE
    ref, t_ref = _timed(simulate_two_layer_reference, LR, NOISE, os_, oc, 0, **kw)
    chk = simulate_two_layer(LR, NOISE, os_, oc, 0, **kw)
    same = bool(np.array_equal(chk.u, ref.u) and np.array_equal(chk.w, ref.w))
    pc, ps = PURE
    py_frac, t_py = _timed(pure_python, pc, ps, repeat=3)

    rate = {
        f"numba ({threads} threads)": total / t_fast,
        "numba (1 thread)": total / t_one,
        "NumPy, best (Generator)": total / t_np,
        "NumPy oracle (same streams)": oc * os_ / t_ref,
        "pure Python": pc * ps / t_py,
    }
    print(f"two-parameter SGD at the saddle (m = 1, model A, S = 1, λ = {LR}, σ = {NOISE}): "
          f"{N_CHAINS} chains x {N_STEPS} steps")
    print(f"  numba first call (compile or cache load): {t_compile:6.2f} s")
    for name, v in rate.items():
        print(f"  {name:30s} {v:12.3e} chain-steps/s")
    top = rate[f"numba ({threads} threads)"]
    print(f"  numba / NumPy best   {top / rate['NumPy, best (Generator)']:7.1f}x   (target >= 4x)")
    print(f"  numba / pure Python  {top / rate['pure Python']:7.1f}x   (target >= 100x)")
    print(f"  numba per core       {rate['numba (1 thread)']:.3e} chain-steps/s")
    print(f"  correct-sign fraction: numba {float(fast.correct):.3f}, NumPy {best_frac:.3f}, "
          f"pure Python {py_frac:.3f}; kernel == oracle bit for bit: {same}")
    assert math.isfinite(top)


if __name__ == "__main__":
    main()
