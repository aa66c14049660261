"""Benchmarks of the sgd_stability theory (registered in :mod:`sims.bench`).

* ``sgd_stability.sgd``: nonlinear two-parameter SGD at the saddle, numba kernel against NumPy
  and pure Python in the same run. Model f(x) = u·w·x (m = 1), data model A (x = ±1,
  y = x + σε), batch size 1, loss ½(f − y)², λ = 0.02, σ = 1 (phase I: every trajectory escapes
  with the correct sign and none stops early, so all implementations do the full work). 10,000
  chains × 10,000 steps, collapse/divergence checked after every step.

  - numba: :func:`sims.sgd_stability.simulate_two_layer` (chunks of chains in parallel,
    per-chain xoshiro256** + ziggurat); all threads, and one thread.
  - NumPy, best effort: vectorised over chains, ``numpy.random.Generator`` (PCG64 + C ziggurat)
    drawing blocks of 64 steps, in-place ufuncs, frozen chains compacted away. Different random
    numbers, same model, same checks.
  - NumPy oracle: ``simulate_two_layer_reference``, the bit-identical twin of the kernel
    (shorter run, scaled).
  - pure Python: one chain at a time with :mod:`random` (a small subset, scaled).

  Chain-steps per second (best of a few repeats: the machine may be shared) and the ratios. The
  numba first call (compile or cache load) is reported separately and excluded from the rates.
* ``sgd_stability.phase_diagram``: the default analytic SGD phase diagram (200 × 200 cells):
  wall time (target < 5 s) and speed-up over plain quadrature. Reference in the same run: the
  same exponents Λ± = E log|1 ± λc|, c ~ N(1, σ²), by ``scipy.integrate.quad`` per cell (with
  the singular point as a breakpoint), timed on a random subsample of 200 cells and scaled to the
  full grid; the max deviation on that subsample is printed.
"""

from __future__ import annotations

import math
import random
import time
import warnings

import numpy as np

from ..bench import Metric, register_benchmark, timed

LR, NOISE = 0.02, 1.0
INIT, COLL2, DIV2 = 1e-3, 1e-24, 1e12
_SGD = dict(n_chains=10_000, n_steps=10_000, oracle=(2_000, 200), pure=(40, 5_000), repeat=(3, 2, 2, 3))
_SGD_QUICK = dict(n_chains=500, n_steps=200, oracle=(50, 20), pure=(4, 100), repeat=(1, 1, 1, 1))


def numpy_best(n_chains: int, n_steps: int, seed: int = 0, block: int = 64) -> float:
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


def pure_python(n_chains: int, n_steps: int, seed: int = 0) -> float:
    """One chain at a time with :mod:`random`; the fraction with the correct sign at the end."""
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


@register_benchmark("sgd_stability.sgd", "sgd_stability",
                    "two-parameter SGD kernel vs NumPy and pure Python (targets >= 4x, >= 100x)")
def bench_sgd(quick: bool):
    import numba

    from ._sgd import simulate_two_layer, simulate_two_layer_reference

    cfg = _SGD_QUICK if quick else _SGD
    n_chains, n_steps = cfg["n_chains"], cfg["n_steps"]
    rep_fast, rep_one, rep_np, rep_py = cfg["repeat"]
    threads = numba.get_num_threads()
    total = n_chains * n_steps
    kw = dict(width=1, init_scale=INIT)
    _, t_compile = timed(simulate_two_layer, LR, NOISE, 2, 2, 0, **kw)
    fast, t_fast = timed(simulate_two_layer, LR, NOISE, n_steps, n_chains, 0, repeat=rep_fast, **kw)
    numba.set_num_threads(1)
    try:
        _, t_one = timed(simulate_two_layer, LR, NOISE, n_steps, n_chains, 0, repeat=rep_one, **kw)
    finally:
        numba.set_num_threads(threads)
    best_frac, t_np = timed(numpy_best, n_chains, n_steps, repeat=rep_np)
    oc, os_ = cfg["oracle"]
    ref, t_ref = timed(simulate_two_layer_reference, LR, NOISE, os_, oc, 0, **kw)
    chk = simulate_two_layer(LR, NOISE, os_, oc, 0, **kw)
    same = bool(np.array_equal(chk.u, ref.u) and np.array_equal(chk.w, ref.w))
    pc, ps = cfg["pure"]
    py_frac, t_py = timed(pure_python, pc, ps, repeat=rep_py)

    rate = {
        f"numba ({threads} threads)": total / t_fast,
        "numba (1 thread)": total / t_one,
        "NumPy, best (Generator)": total / t_np,
        "NumPy oracle (same streams)": oc * os_ / t_ref,
        "pure Python": pc * ps / t_py,
    }
    top = rate[f"numba ({threads} threads)"]
    rows = [f"two-parameter SGD at the saddle (m = 1, model A, S = 1, λ = {LR}, σ = {NOISE}): "
            f"{n_chains} chains x {n_steps} steps",
            f"  numba first call (compile or cache load): {t_compile:6.2f} s",
            *(f"  {name:30s} {v:12.3e} chain-steps/s" for name, v in rate.items()),
            f"  numba per core       {rate['numba (1 thread)']:.3e} chain-steps/s",
            f"  correct-sign fraction: numba {float(fast.correct):.3f}, NumPy {best_frac:.3f}, "
            f"pure Python {py_frac:.3f}; kernel == oracle bit for bit: {same}"]
    if not (math.isfinite(top) and same):
        raise RuntimeError("the SGD kernel benchmark produced a non-finite rate or a kernel/oracle mismatch")
    return rows, [Metric("numba / NumPy best", top / rate["NumPy, best (Generator)"], target=4.0),
                  Metric("numba / pure Python", top / rate["pure Python"], target=100.0)]


def _quad_exponent(lr, sign, sigma):
    from scipy import integrate, stats

    law = stats.norm(1.0, sigma)
    singular = -sign / lr  # 1 + sign·λc = 0
    f = lambda c: np.log(abs(1.0 + sign * lr * c)) * law.pdf(c)  # noqa: E731
    lo, hi = law.ppf(1e-15), law.isf(1e-15)
    points = [singular] if lo < singular < hi else None
    return integrate.quad(f, lo, hi, points=points, limit=200)[0]


@register_benchmark("sgd_stability.phase_diagram", "sgd_stability",
                    "default analytic phase diagram: wall time (target < 5 s) and speed-up over quad")
def bench_phase_diagram(quick: bool):
    from scipy import integrate

    from ._phase import sgd_stability_phase_diagram

    grid = dict(x_values=np.linspace(0.05, 2.0, 20), y_values=np.linspace(0.5, 10.0, 20)) if quick else {}
    n_ref = 10 if quick else 200                       # cells integrated by the reference
    sgd_stability_phase_diagram(x_values=[0.1, 0.2], y_values=[1.0, 2.0], plot=False)  # warm-up
    result, t_fast = timed(sgd_stability_phase_diagram, plot=False, **grid)
    _, t_with_plot = timed(sgd_stability_phase_diagram, **grid)

    rng = np.random.default_rng(0)
    ny, nx = result.labels.shape
    cells = rng.integers(0, [ny, nx], size=(n_ref, 2))
    tic = time.perf_counter()
    deviation = 0.0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", integrate.IntegrationWarning)
        for j, i in cells:
            lr, sigma = result.x[i], result.y[j]
            for sign, key in ((1.0, "lambda_plus"), (-1.0, "lambda_minus")):
                deviation = max(deviation, abs(_quad_exponent(lr, sign, sigma) - result.values[key][j, i]))
    t_ref = (time.perf_counter() - tic) * (nx * ny) / n_ref

    rows = [f"grid: {nx} x {ny} cells (learning rate x label noise), exact exponents + labels + boundaries",
            f"phase diagram (no plot):   {t_fast:7.2f} s",
            f"phase diagram (with plot): {t_with_plot:7.2f} s",
            f"scipy quad per cell ({n_ref} cells, scaled): {t_ref:7.1f} s",
            f"max |closed form - quad| on the sample: {deviation:.1e} "
            f"(quad flagged {len(caught)} of {2 * n_ref} integrals as inaccurate)"]
    return rows, [Metric("phase diagram time (no plot)", t_fast, unit="s", target=5.0,
                         higher_is_better=False),
                  Metric("closed form / quad speed-up", t_ref / t_fast)]
