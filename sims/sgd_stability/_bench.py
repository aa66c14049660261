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
* ``sgd_stability.torch_chains`` (issue 10): the torch bridge's linearised two-layer SGD chains
  (:func:`sims.sgd_stability.lyapunov_chains_torch`, model B, σ = 2, S = 1) against the numba QR
  kernel on the same chains (``lyapunov_qr`` with ``TwoLayerVectorLaw(1, 2)``, k = 2: both exponents
  per chain; a tenth of the steps are its burn-in), the same cells × chains × steps, in the same run: ratio of wall times
  torch-CPU / numba (target <= 3; the bridge exists for the GPU but must stay usable on a CPU) with
  torch and numba on the same number of threads (1, and all), and cell-chain-steps per second of
  each, on an 8-cell λ grid (one draw per chain and step serves every cell in the bridge) and on one
  cell. Same chains and statistics, not the same arithmetic: the kernel does a 2 × 2 QR step (it
  handles any law), the bridge two scalar multiply-adds in the rotated coordinates. With
  CUDA the bridge also runs on the GPU at a larger size: GPU / numba throughput (target >= 20 against
  the numba kernel on the machine's threads, 2 cores in CI); without CUDA that row says "no GPU".
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


_TORCH = dict(n_lr=8, n_chains=8192, n_steps=500, gpu_chains=2**20, gpu_steps=1000, repeat=2)
_TORCH_QUICK = dict(n_lr=4, n_chains=512, n_steps=40, gpu_chains=2**16, gpu_steps=50, repeat=1)


@register_benchmark("sgd_stability.torch_chains", "sgd_stability",
                    "torch-bridge SGD chains vs the numba QR kernel, same work (targets CPU <= 3x slower, GPU >= 20x)")
def bench_torch_chains(quick: bool):
    import numba

    from .._torch import require_torch
    from ._qr import lyapunov_qr
    from ._qr_laws import TwoLayerVectorLaw
    from ._torch_chains import lyapunov_chains_torch

    torch = require_torch()
    cfg = _TORCH_QUICK if quick else _TORCH
    sigma, R, T, rep = 2.0, cfg["n_chains"], cfg["n_steps"], cfg["repeat"]
    threads = numba.get_num_threads()
    torch_threads = torch.get_num_threads()
    law = TwoLayerVectorLaw(1, sigma)
    rows, metrics = [f"linearised two-layer SGD at the origin, model B, sigma = {sigma}, S = 1: "
                     f"{R} chains x {T} steps per cell; numba QR kernel (2x2 QR per step, any law) vs the "
                     f"bridge's scalar chains in the rotated coordinates"], []
    lyapunov_qr([0.5], law, 32, 0, k=2, n_chains=2, burn_in=0)                  # compile / cache load
    lyapunov_chains_torch([0.5], [sigma], 4, 2, 0, device="cpu")                  # torch warm-up
    nb_rate = math.nan
    try:
        # per core (1 thread each: robust on a shared machine) and on all threads
        for n_threads in sorted({1, threads}):
            numba.set_num_threads(n_threads)
            torch.set_num_threads(n_threads)
            for n_lr in (cfg["n_lr"], 1):
                lr = np.linspace(0.2, 1.6, n_lr)
                work = n_lr * R * T
                # the same T steps per chain: T/10 of them burn-in for the QR (its columns align with a
                # and b; without it the top exponent is biased by ~log 2/T), which the scalar chains skip
                q, t_nb = timed(lyapunov_qr, lr, law, T - T // 10, 0, k=2, n_chains=R, burn_in=T // 10,
                                repeat=rep)
                r, t_tc = timed(lyapunov_chains_torch, lr, [sigma], T, R, 1, device="cpu", repeat=rep)
                # the same statistics: the top QR exponent against max(Λ₊, Λ₋) of the bridge, in SE
                top = np.maximum(r.lambda_plus[0], r.lambda_minus[0])
                se = np.where(r.lambda_plus[0] >= r.lambda_minus[0], r.se_plus[0], r.se_minus[0])
                z = np.max(np.abs(q.exponents[:, 0] - top) / np.hypot(q.standard_errors[:, 0], se))
                rows += [f"  {n_threads} thread(s), {n_lr} cell(s): numba {work / t_nb:10.3e} cell-chain-steps/s "
                         f"({t_nb:6.2f} s), torch CPU {work / t_tc:10.3e} ({t_tc:6.2f} s); torch/numba time "
                         f"{t_tc / t_nb:5.2f}; max |z| of the top exponent {z:4.1f}"]
                label = f"torch CPU / numba wall time ({n_threads} thread(s), {n_lr} cell(s))"
                if n_lr > 1:
                    metrics.append(Metric(label, t_tc / t_nb, target=3.0, higher_is_better=False))
                    if n_threads == threads:
                        nb_rate = work / t_nb
                else:
                    metrics.append(Metric(label, t_tc / t_nb))
    finally:
        numba.set_num_threads(threads)
        torch.set_num_threads(torch_threads)
    if torch.cuda.is_available():
        lr = np.linspace(0.2, 1.6, cfg["n_lr"])
        G, GT = cfg["gpu_chains"], cfg["gpu_steps"]
        lyapunov_chains_torch(lr, [sigma], 4, 2, 0, device="cuda")
        r, t_gpu = timed(lyapunov_chains_torch, lr, [sigma], GT, G, 1, device="cuda")
        gpu_rate = cfg["n_lr"] * G * GT / t_gpu
        rows.append(f"  GPU ({torch.cuda.get_device_name()}): {gpu_rate:10.3e} cell-chain-steps/s "
                    f"({G} chains x {GT} steps x {cfg['n_lr']} cells in {t_gpu:.2f} s)")
        metrics.append(Metric(f"GPU / numba ({threads} threads) throughput", gpu_rate / nb_rate, target=20.0))
    else:
        rows.append("  no GPU: the GPU / numba throughput ratio (target >= 20) was not measured")
    return rows, metrics
