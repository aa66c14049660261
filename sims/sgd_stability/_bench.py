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
* ``sgd_stability.executors`` (issue 11): the simulated SGD phase diagram
  (``sgd_stability_phase_diagram(method="simulate")``, 20 noise rows × 30 learning rates, model A,
  width 4, 16 chains × 100,000 steps per cell: about 20 ms a cell and 0.6 s a row on this 2-core
  machine when idle, all in phase I so that no chain stops early) run serially on one numba thread
  (``executor=None``), on a 2-worker Dask ``LocalCluster`` (127.0.0.1, one thread per worker), the
  same with the workers' statistical profiler off, and on a ``ProcessPoolExecutor(2)`` with the
  ``forkserver`` context, rounds interleaved in one run. Each engine is started for its turn and
  closed after it (an idle Dask cluster's heartbeats would otherwise slow the other engines); the
  start and every worker's loading of the kernels are outside the timed region; dask's in-process
  nanny edits ``os.environ`` (OMP_NUM_THREADS, ...), which is restored. Reported: wall time and
  speed-up over serial (target >= 1.8 for Dask on 2 idle cores; best round against best serial
  round), the wall overhead per task ((2 · parallel − serial) / tasks: what two perfectly shared
  cores would not have spent) and the CPU overhead per task ((CPU of this process and all its
  child processes − serial CPU) / tasks; robust to other load on the machine), and, as a row, the
  speed-up that CPU time allows on 2 idle cores (2 · serial CPU / parallel CPU: an upper bound,
  which ignores waiting and imbalance; not a measurement of wall time). The engines' own cost per
  task is also measured on 100 rows with 10 steps per cell (tasks of about a millisecond), against
  serial, best of the same interleaved rounds (CPU is read in 10 ms clock ticks per process). The
  four results must be bit-identical. Without ``distributed`` it says so and measures nothing.
"""

from __future__ import annotations

import contextlib
import math
import os
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


_EXEC = dict(n_lr=30, n_rows=20, n_steps=100_000, n_chains=16, rounds=3, tiny_rows=100)
_EXEC_QUICK = dict(n_lr=4, n_rows=4, n_steps=2_000, n_chains=4, rounds=1, tiny_rows=8)


def _warm_worker(pause: float = 0.0) -> int:
    """Load the SGD kernel (numba cache) on a worker; return its pid (module-level: workers import it)."""
    from ._sgd import simulate_two_layer

    simulate_two_layer([0.05], 1.0, 10, 2, 0)
    time.sleep(pause)
    return os.getpid()


def _warm_pool(pool, n_workers: int) -> None:
    """Submit pairs of slow warm-ups until ``n_workers`` distinct processes have loaded the kernel."""
    seen: set[int] = set()
    for _ in range(20):
        seen |= {f.result() for f in [pool.submit(_warm_worker, 0.3) for _ in range(n_workers)]}
        if len(seen) >= n_workers:
            return
    raise RuntimeError(f"only {len(seen)} of {n_workers} pool workers took a warm-up task")


def _interleaved(sweep, engines, sizes, rounds):
    """Wall and CPU seconds of ``sweep(executor=..., **kw)`` per engine and size, rounds interleaved.

    ``engines`` maps a name to None (serial, one numba thread, like each task on a worker) or to a
    context-manager factory yielding a warmed executor. Each engine is started for its turn and
    closed after it, so an idle cluster's background work never slows another engine's turn.
    ``sizes`` maps a name to the sweep's keyword arguments; every size runs on the engine in its turn.
    """
    import numba

    threads = numba.get_num_threads()
    times = {(e, z): [] for e in engines for z in sizes}
    cpus = {(e, z): [] for e in engines for z in sizes}
    results = {}
    for _ in range(rounds):
        for name, factory in engines.items():
            with (contextlib.nullcontext() if factory is None else factory()) as executor:
                for size, kw in sizes.items():
                    if executor is None:
                        numba.set_num_threads(1)
                    try:
                        cpu0, tic = _cpu_seconds(), time.perf_counter()
                        results[name, size] = sweep(executor=executor, **kw)
                        times[name, size].append(time.perf_counter() - tic)
                        cpus[name, size].append(_cpu_seconds() - cpu0)
                    finally:
                        numba.set_num_threads(threads)
    return times, cpus, results


@contextlib.contextmanager
def _dask_cluster(n_workers: int, profile: bool):
    """A warmed 2-process Dask LocalCluster's client; the environment the nanny edits is restored."""
    import dask
    import distributed

    saved = dict(os.environ)
    try:
        with dask.config.set({"distributed.worker.profile.enabled": profile}):
            cluster = distributed.LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                               host="127.0.0.1", dashboard_address="127.0.0.1:0")
        with cluster, distributed.Client(cluster) as client:
            client.wait_for_workers(n_workers, timeout=120)
            os.environ.clear()
            os.environ.update(saved)      # the nanny wrote OMP_NUM_THREADS & co. into this process
            client.run(_warm_worker)
            yield client
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def _process_pool(n_workers: int):
    import concurrent.futures as cf
    import multiprocessing

    with cf.ProcessPoolExecutor(n_workers, mp_context=multiprocessing.get_context("forkserver")) as pool:
        _warm_pool(pool, n_workers)
        yield pool


def _cpu_seconds() -> float:
    """CPU time of this process and all its descendants (workers, nannies, the forkserver)."""
    import psutil

    me = psutil.Process()
    total = sum(me.cpu_times()[:2])
    for child in me.children(recursive=True):
        try:
            total += sum(child.cpu_times()[:2])
        except psutil.NoSuchProcess:  # a process gone between the listing and the reading
            pass
    return total


@register_benchmark("sgd_stability.executors", "sgd_stability",
                    "simulated SGD phase diagram: serial 1 thread vs Dask LocalCluster(2) (default, and worker profiler off) vs forkserver pool(2) "
                    "(target Dask >= 1.8x)")
def bench_executors(quick: bool):
    try:
        import distributed  # noqa: F401
    except ImportError:
        return (["skipped: dask[distributed] is not installed, so the 2-worker Dask cluster cannot be measured "
                 "(pip install 'dltheory[distributed]')"], [])
    from ._phase import sgd_stability_phase_diagram

    cfg = _EXEC_QUICK if quick else _EXEC
    kw = dict(method="simulate", x_values=np.linspace(0.01, 0.15, cfg["n_lr"]),
              y_values=np.linspace(0.5, 2.0, cfg["n_rows"]), n_steps=cfg["n_steps"], n_chains=cfg["n_chains"],
              width=4, seed=0, plot=False, progress=False)
    n_tasks, n_workers = cfg["n_rows"], 2
    _warm_worker()
    # Dask's defaults, and the same with the workers' statistical profiler off (it samples every
    # thread's stack every 10 ms); each engine runs alone in its turn
    engines = {"serial": None,
               "dask": lambda: _dask_cluster(n_workers, profile=True),
               "dask_noprofile": lambda: _dask_cluster(n_workers, profile=False),
               "pool": lambda: _process_pool(n_workers)}
    # the engines' own cost: many rows of 10 steps per cell (tasks of about a millisecond)
    tiny_kw = {**kw, "n_steps": 10, "y_values": np.linspace(0.5, 2.0, cfg["tiny_rows"])}
    both_t, both_c, both_r = _interleaved(sgd_stability_phase_diagram, engines, {"sweep": kw, "tiny": tiny_kw},
                                          cfg["rounds"])
    times = {e: both_t[e, "sweep"] for e in engines}
    cpus = {e: both_c[e, "sweep"] for e in engines}
    results = {e: both_r[e, "sweep"] for e in engines}
    tiny_t = {e: both_t[e, "tiny"] for e in engines}
    tiny_c = {e: both_c[e, "tiny"] for e in engines}

    others = ("dask", "dask_noprofile", "pool")
    same = all(np.array_equal(results[name].values[k], results["serial"].values[k])
               for name in others for k in results["serial"].values)
    same = same and all(np.array_equal(results[n].labels, results["serial"].labels) for n in others)
    if not same:
        raise RuntimeError("the phase diagram differs between executors: it must be bit-identical")
    serial, serial_cpu = min(times["serial"]), min(cpus["serial"])
    cells = cfg["n_rows"] * cfg["n_lr"]
    rows = [f"simulated SGD phase diagram (model A, width 4, phase I): {cfg['n_rows']} rows x {cfg['n_lr']} cells, "
            f"{cfg['n_chains']} chains x {cfg['n_steps']} steps per cell; one task per row ({n_tasks} tasks); "
            f"{cfg['rounds']} round(s) interleaved, best round shown",
            f"  serial, 1 numba thread: {serial:7.2f} s ({1e3 * serial / cells:.1f} ms per cell, "
            f"{serial / n_tasks:.2f} s per task); rounds {', '.join(f'{t:.2f}' for t in times['serial'])} s",
            f"  machine: {os.cpu_count()} logical CPUs, load average {', '.join(f'{v:.1f}' for v in os.getloadavg())} "
            "after the run (other processes may share the cores: CPU times are the robust numbers)"]
    metrics = []
    labels = {"dask": f"Dask LocalCluster({n_workers})", "dask_noprofile": "  same, worker profiler off",
              "pool": f"forkserver ProcessPoolExecutor({n_workers})"}
    for name, label in labels.items():
        wall, cpu = min(times[name]), min(cpus[name])
        wall_over = (n_workers * wall - serial) / n_tasks
        cpu_over = (cpu - serial_cpu) / n_tasks
        rows.append(f"  {label:38s} {wall:7.2f} s, {serial / wall:5.2f}x serial "
                    f"(rounds {', '.join(f'{serial / t:.2f}' for t in times[name])}x); overhead per task: "
                    f"wall {1e3 * wall_over:7.1f} ms, CPU {1e3 * cpu_over:7.1f} ms; CPU-time bound on "
                    f"{n_workers} idle cores {n_workers * serial_cpu / cpu:.2f}x")
        tiny_wall = (min(tiny_t[name]) - min(tiny_t["serial"])) / cfg["tiny_rows"]
        tiny_cpu = (min(tiny_c[name]) - min(tiny_c["serial"])) / cfg["tiny_rows"]
        rows.append(f"  {'':38s} {cfg['tiny_rows']} tiny tasks (10 steps per cell, best of {cfg['rounds']}): "
                    f"overhead per task wall {1e3 * tiny_wall:6.2f} ms, CPU {1e3 * tiny_cpu:6.2f} ms")
        name_ = label.strip() if name != "dask_noprofile" else f"Dask LocalCluster({n_workers}), profiler off"
        metrics.append(Metric(f"{name_} / serial", serial / wall, target=1.8 if name.startswith("dask") else None))
        metrics.append(Metric(f"{name_} CPU overhead per task", 1e3 * cpu_over, unit="ms", higher_is_better=False))
    rows.append("  all four results bit-identical: True")
    return rows, metrics
