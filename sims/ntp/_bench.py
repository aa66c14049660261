"""Benchmarks of the ntp theory (registered in :mod:`sims.bench`).

* ``ntp.max_margin``: the NTP-SVM direction W^mm (Thrampoulidis 2024, Def. 3) for m = 200
  contexts, d = 256, V = 1000, support size 8 per context (Gaussian embeddings N(0, I_d),
  supports uniform without replacement, seed 0), by the three methods of the shared max-margin
  engine in the same run:

  - fast (the default): FISTA with adaptive restart on the kernel dual, then an exact
    active-set polish (best of 3 calls);
  - dual: CVXPY + Clarabel on the kernel dual (a block-diagonal quadratic form in the Gram matrix);
  - primal: the plain CVXPY + Clarabel primal, W as the variable and the anchored constraints
    (6a), (6b) on W H̄ written out.

  The CVXPY methods run in a child process under a wall-time cap and an address-space cap
  (the primal's KKT system does not fit a small machine at full size); a method that does not
  finish is reported as such, and its ratio is then a lower bound (cap / fast time). Each row
  gives the certificate (min margin − 1, relative duality gap, KKT residual, active
  constraints) and the distance to the fast solution; all methods are certified to the same
  tolerances (1e-6, theory._maxmargin.TOLERANCES), and the CVXPY methods are run at Clarabel gap
  and feasibility 1e-12. Target: fast at least 5x faster than the plain primal.
* ``ntp.gradient_descent``: the numba full-batch GD kernel against its plain-NumPy oracle, same
  run, at the overparameterised setting of Thrampoulidis (2024), App. A.2 (m = 50, d = 60,
  V = 10, supports of 6, η = 0.5, zero init). The time-stepping cores are timed on identical
  arguments (the checkpoint metrics, W^mm and W⋆ are the same for both and are timed once,
  end to end, for information); their final states agree bit for bit. A plain BLAS NumPy loop
  (``W @ H``, naive softmax residual; not bit-identical) is timed too, as context. Target:
  kernel / oracle >= 3.
* ``ntp.torch_core``: the engine's torch core of full-batch GD (``gradient_descent(...,
  backend="torch")``, ``sims/ntp/_torch_core.py``) on torch's CPU against the numba kernel, same
  arguments, same run, one thread each, time stepping only (the driver's metrics are shared and
  not timed), at two sizes: vocabulary-like (V = 2000, m = 10, d = 12, orthonormal embeddings),
  where the matrix work dominates, and the small App. A.2 setting (V = 10, m = 50, d = 60), where
  torch's per-operation overhead (about 25 tensor operations a step) dominates. Target: torch CPU
  at most 3x slower than numba (issue 10).
"""

from __future__ import annotations

import math
import multiprocessing as mp
import time

import numpy as np

from ..bench import Metric, register_benchmark, timed

_FULL = dict(V=1000, m=200, d=256, S=8, cap_primal=900.0, cap_dual=600.0, memory_gb=10.0, repeat=3)
_QUICK = dict(V=30, m=12, d=16, S=3, cap_primal=120.0, cap_dual=120.0, memory_gb=4.0, repeat=1)


def instance(V: int, m: int, d: int, S: int, seed: int = 0):
    """Gaussian embeddings H (d, m) and supports of size S drawn uniformly without replacement."""
    rng = np.random.default_rng(seed)
    H = rng.standard_normal((d, m))
    support = np.zeros((V, m), bool)
    for j in range(m):
        support[rng.choice(V, S, replace=False), j] = True
    return H, support


def _child(H, support, method, memory_bytes, conn):
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    tic = time.perf_counter()
    try:
        from theory.ntp import max_margin

        W, cert = max_margin(H, support, method=method, return_certificate=True)
        conn.send(("ok", W, cert, time.perf_counter() - tic))
    except MemoryError:
        conn.send((f"out of memory (cap {memory_bytes / 2**30:g} GB) after {time.perf_counter() - tic:.0f} s",
                   None, None, time.perf_counter() - tic))
    except Exception as exc:  # noqa: BLE001 - reported in the benchmark row
        conn.send((f"{type(exc).__name__}: {exc}"[:200], None, None, math.nan))
    finally:
        conn.close()


def _capped(H, support, method, cap_s, memory_gb):
    """Run one CVXPY method in a child process; (status, W, certificate, seconds)."""
    ctx = mp.get_context("spawn")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(H, support, method, int(memory_gb * 2**30), send))
    proc.start()
    send.close()
    tic = time.perf_counter()
    out = None
    if recv.poll(cap_s):
        try:
            out = recv.recv()
        except EOFError:
            out = None
    elapsed = time.perf_counter() - tic
    if proc.is_alive():
        proc.kill()
    proc.join()
    if out is None:
        code = proc.exitcode
        why = (f"did not finish within the {cap_s:g} s cap" if elapsed >= cap_s
               else f"died after {elapsed:.0f} s (exit code {code}; memory cap {memory_gb:g} GB)")
        return why, None, None, elapsed          # either way the solve needs at least this long
    return out


def _row(name, seconds, cert, W, W_ref):
    if cert is None:
        return f"  {name:8s} {seconds:9.2f} s   {W}"
    dist = np.linalg.norm(W - W_ref) / np.linalg.norm(W_ref)
    return (f"  {name:8s} {seconds:9.2f} s   status {cert.status:9s} margin-1 {cert.min_margin - 1:+.1e}  "
            f"gap {cert.duality_gap:.1e}  KKT {cert.kkt_residual:.1e}  active {cert.n_active:6d}  "
            f"|W - W_fast|/|W_fast| {dist:.1e}  passed {cert.passed}")


@register_benchmark("ntp.max_margin", "ntp",
                    "NTP-SVM W^mm (m=200, d=256, V=1000, support 8): fast vs CVXPY primal/dual (target >= 5x)")
def bench_max_margin(quick: bool):
    from theory.ntp import max_margin

    cfg = _QUICK if quick else _FULL
    H, support = instance(cfg["V"], cfg["m"], cfg["d"], cfg["S"], seed=0)
    (W_fast, cert_fast), t_fast = timed(max_margin, H, support, method="fast", return_certificate=True,
                                        repeat=cfg["repeat"])
    if not cert_fast.passed:
        raise RuntimeError("the fast max-margin solution failed its certificate")
    results = {}
    for method in ("dual", "primal"):
        status, W, cert, seconds = _capped(H, support, method, cfg[f"cap_{method}"], cfg["memory_gb"])
        results[method] = (status, W, cert, seconds)
    rows = [f"W^mm: V = {cfg['V']}, m = {cfg['m']}, d = {cfg['d']}, support {cfg['S']} per context "
            f"(Gaussian H, seed 0); CVXPY methods in a child process (caps: primal {cfg['cap_primal']:g} s, "
            f"dual {cfg['cap_dual']:g} s, {cfg['memory_gb']:g} GB)",
            _row("fast", t_fast, cert_fast, W_fast, W_fast)]
    metrics = []
    for method in ("dual", "primal"):
        status, W, cert, seconds = results[method]
        rows.append(_row(method, seconds, cert, W, W_fast) if cert is not None
                    else _row(method, seconds, None, status, None))
        label = f"{method} / fast"
        if cert is None:
            if not math.isfinite(seconds):
                rows.append(f"  ({method}: {status}; no ratio)")
                continue
            label += " (lower bound)"
        metrics.append(Metric(label, seconds / t_fast, target=5.0 if method == "primal" else None))
    return rows, metrics


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


# --------------------------------------------------------------------------------------------
# torch bridge (issue 10, experiment 4; TNTP helper)

_TORCH = dict(V=2000, m=10, d=12, S=8, steps=1000)
_TORCH_QUICK = dict(V=500, m=10, d=12, S=8, steps=100)


@register_benchmark("ntp.torch_vocab", "ntp",
                    "torch-bridge NTP GD on the CPU vs the numba kernel, V = 2000, m = 10, d = 12, orthonormal "
                    "(target <= 3x)")
def bench_torch_vocab(quick: bool):
    from .._torch import require_torch
    from ._torch_vocab import gradient_descent_torch
    from ._train import GD, _full_batch, _problem, gradient_descent

    torch = require_torch()
    from theory.ntp import random_instance, step_size_bound

    cfg = _TORCH_QUICK if quick else _TORCH
    V, m, d, S, steps = cfg["V"], cfg["m"], cfg["d"], cfg["S"], cfg["steps"]
    data = random_instance(V, m, d, S, seed=0, embeddings="orthonormal", concentration=4.0)
    lr = float(step_size_bound(data.H, data.pi))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)                       # the numba kernel is serial: the same single core
    try:
        sim = gradient_descent.simulation
        prob = _problem(data.H, data.P, data.pi, lr, steps, None, [0, steps], True)
        timed(_full_batch, sim.backends["numba"], _problem(data.H, data.P, data.pi, lr, 2, None, [0, 2], True), GD)
        fast, t_numba = timed(_full_batch, sim.backends["numba"], prob, GD, repeat=3)
        gradient_descent_torch(data.H, data.P, data.pi, lr, 2, checkpoints=[0, 2], device="cpu")   # warm-up
        run, t_torch = timed(gradient_descent_torch, data.H, data.P, data.pi, lr, steps, checkpoints=[0, steps],
                             device="cpu", repeat=3)
    finally:
        torch.set_num_threads(threads)
    rel = float(np.abs(run.W - fast[4]).max() / np.abs(fast[4]).max())
    rows = [f"NTP GD, V = {V}, m = {m}, d = {d}, orthonormal embeddings, supports of {S}, η = {lr:g}, "
            f"{steps} steps, one CPU thread each (best of 3)",
            f"  numba kernel (time stepping only)           {1e3 * t_numba / steps:8.3f} ms/step",
            f"  torch bridge, CPU (closed-form targets, 2 checkpoints) {1e3 * t_torch / steps:8.3f} ms/step",
            f"  max |W_torch − W_numba| / max |W_numba| = {rel:.1e}"]
    return rows, [Metric("torch CPU / numba kernel", t_torch / t_numba, target=3.0, higher_is_better=False)]


_CORE = dict(sizes=((2000, 10, 12, 8, 1000), (10, 50, 60, 6, 5000)), repeat=3)
_CORE_QUICK = dict(sizes=((200, 10, 12, 8, 50), (10, 50, 60, 6, 100)), repeat=1)


@register_benchmark("ntp.torch_core", "ntp",
                    "the engine's torch core of NTP GD on the CPU vs the numba kernel, V = 2000 (m = 10, d = 12) and "
                    "App. A.2 (V = 10, m = 50, d = 60) (target <= 3x)")
def bench_torch_core(quick: bool):
    import functools

    from .._torch import require_torch
    from ._torch_core import _full_batch_torch
    from ._train import GD, _full_batch, _problem, gradient_descent

    torch = require_torch()
    from theory.ntp import random_instance, step_size_bound

    cfg = _CORE_QUICK if quick else _CORE
    numba_core = gradient_descent.simulation.backends["numba"]
    torch_core = functools.partial(_full_batch_torch, device=torch.device("cpu"))
    rows = ["NTP full-batch GD, time stepping only (the same arguments to both cores), one CPU thread each, "
            f"best of {cfg['repeat']}; η = 1/λ_max(HΠHᵀ), zero init"]
    metrics = []
    threads = torch.get_num_threads()
    torch.set_num_threads(1)                       # the numba kernel is serial: the same single core
    try:
        for V, m, d, S, steps in cfg["sizes"]:
            data = random_instance(V, m, d, S, seed=0, embeddings="orthonormal" if m <= d else "gaussian")
            lr = float(step_size_bound(data.H, data.pi))
            prob = _problem(data.H, data.P, data.pi, lr, steps, None, [0, steps], True)
            warm = _problem(data.H, data.P, data.pi, lr, 2, None, [0, 2], True)
            _full_batch(numba_core, warm, GD)          # compile or load the cache
            _full_batch(torch_core, warm, GD)
            a, t_numba = timed(_full_batch, numba_core, prob, GD, repeat=cfg["repeat"])
            b, t_torch = timed(_full_batch, torch_core, prob, GD, repeat=cfg["repeat"])
            rel = float(np.linalg.norm(a[4] - b[4]) / np.linalg.norm(a[4]))
            rows += [f"  V = {V}, m = {m}, d = {d}, supports of {S}, {steps} steps:",
                     f"    numba kernel {1e6 * t_numba / steps:9.1f} us/step",
                     f"    torch core   {1e6 * t_torch / steps:9.1f} us/step   "
                     f"(‖W_torch − W_numba‖/‖W_numba‖ = {rel:.1e})"]
            metrics.append(Metric(f"torch CPU / numba, V = {V}, m = {m}, d = {d}", t_torch / t_numba, target=3.0,
                                  higher_is_better=False))
    finally:
        torch.set_num_threads(threads)
    return rows, metrics
