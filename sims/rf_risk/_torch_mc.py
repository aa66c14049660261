r"""Random-feature Monte Carlo at $k \ge 10^4$ on the torch bridge (Simon et al. 2023).

The Gaussian model of :func:`sims.rf_risk.monte_carlo_risk` (docs/rf_risk.md#monte-carlo):
$x \sim N(0, I_M)$, features $F = X\Lambda^{1/2}Z^\top$ ($Z \in \mathbb{R}^{k\times M}$ i.i.d.
$N(0, 1)$), labels $y = Xv + \varepsilon$, ridge fit
$\hat w = \Lambda^{1/2}Z^\top F^\top(FF^\top + k\delta I)^{-1}y$ (δ = 0: min-norm), exact test error
$\|\hat w - v\|^2 + \sigma^2$. All ridges come from one eigen-decomposition of the smaller Gram
matrix ($FF^\top$ or $F^\top F$), with the NumPy path's cut-off
$\mu \le \max(n, k)\,\epsilon\,\mu_{max}$ for the null space. Trials run in batches that fit the
memory budget (batched ``matmul`` and ``eigh``); the modes are drawn in blocks of 1,024, Z kept
for the second pass only while it fits the budget, else redrawn from its own stream.

Random numbers: trial t, stream s (0 noise, 1 X, 3 Z) and mode block c. On the CPU they are the
NumPy path's streams (``numpy.random.default_rng([seed, t, 0])`` for the noise,
``default_rng([seed, t, s, c])`` for the block c of X or Z), so the CPU path draws exactly what
:func:`sims.rf_risk.monte_carlo_risk` draws and the two agree trial by trial up to the rounding
of the linear algebra (NumPy's generator is also about 3x faster than torch's on a CPU). On CUDA
they come from ``sims._torch.block_generator(seed, ((4 t + s) << 24) + c, device)``; the GPU then
agrees with the CPU in distribution, not draw for draw. Either way a trial does not depend on the
number of trials, the batch or the budget.

Predictions come from ``theory.rf_risk.risk_grid`` (the RF eigenframework, Simon et al. 2023, §4;
docs/rf_risk.md#the-risk-formulas).
"""

from __future__ import annotations

import math
import os
import warnings
from dataclasses import dataclass

import numpy as np

from theory.summary import compact_repr
from theory.validate import MAX_COUNT, MAX_ENTRIES, as_count, as_finite_scalar, as_seed, check_work

from .._checkpoint import checkpoint_store
from .._parallel import resolve_executor
from .._torch import (
    ChunkPlan,
    dtype_eps,
    memory_budget_bytes,
    plan_chunks,
    require_torch,
    resolve_device,
    resolve_dtype,
    run_chunks,
)
from ._monte_carlo import MonteCarloRisk, _as_ridges, _as_spectrum, _progress, _summarise

__all__ = ["TorchRiskGrid", "monte_carlo_risk_grid_torch", "monte_carlo_risk_torch"]

_MODES = 1024            # modes per random-number block (fixes the streams)
_STREAM_BITS = 24        # mode blocks per (trial, stream): M < 2^24·1024

#: float32 is refused-with-a-warning above this estimated relative error of the test error.
_F32_REL = 1e-2


def _generator(seed, trial, stream, block, device):
    from .._torch import block_generator

    return block_generator(seed, ((4 * trial + stream) << _STREAM_BITS) + block, device)


def _fit_torch(torch, F, y, ridges, k: float):
    r"""Ridge fits for a batch: F (b, n, k), y (b, n), ridges (R,) → (B (b, k, R), fitted (b, n, R)).

    The NumPy path's ``_fit`` in torch: eigen-decomposition of the smaller Gram matrix,
    $h = 1/(\mu + k\delta)$ on $\mu > \max(n, k)\,\epsilon\,\mu_{max}$, 0 below.
    """
    n, width = F.shape[-2], F.shape[-1]
    small = n <= width
    Ft = F.transpose(-1, -2)
    G = F @ Ft if small else Ft @ F
    mu, Q = torch.linalg.eigh(G)
    mu = torch.clamp(mu, min=0.0)                        # PSD up to rounding
    eps = torch.finfo(F.dtype).eps
    tol = max(n, width) * eps * mu[..., -1:]
    live = mu > tol
    h = torch.where(live[..., None], 1.0 / (torch.where(live, mu, 1.0)[..., None] + k * ridges), 0.0)
    Qt = Q.transpose(-1, -2)
    if small:                                            # B = Fᵀ U diag(h) Uᵀ y
        B = Ft @ (Q @ (h * (Qt @ y[..., None])))
    else:                                                # B = V diag(h) Vᵀ Fᵀ y
        B = Q @ (h * (Qt @ (Ft @ y[..., None])))
    return B, F @ B


def _trial_bytes(n: int, k: int, R: int, itemsize: int) -> int:
    s = min(n, k)
    # F, Gram + eigenvectors (+ LAPACK work), B and fitted, one block of X and Z and its products
    return itemsize * (n * k + 3 * s * s + (k + n) * R + (n + 2 * k) * _MODES + 4 * s * R)


def _batch(torch, dev, dt, seed, trials, sqrt_lam, v, n, k, ridges, noise, cache_z: bool):
    """Test and train errors (b, R) of the trials ``trials`` (a range)."""
    M = sqrt_lam.numel()
    blocks = [(c, lo, min(lo + _MODES, M)) for c, lo in enumerate(range(0, M, _MODES))]
    b = len(trials)
    F = torch.zeros((b, n, k), device=dev, dtype=dt)
    Xv = torch.zeros((b, n), device=dev, dtype=dt)
    cache = {}

    def draw(stream, c, rows, cols):
        out = torch.empty((b, rows, cols), device=dev, dtype=dt)
        for i, t in enumerate(trials):                    # in place: no stacking copy
            if dev.type == "cpu":                         # the NumPy path's streams: the same draws
                key = [seed, t, 0] if stream == 0 else [seed, t, stream, c]
                x = np.random.default_rng(key).standard_normal((rows, cols) if stream else cols)
                out[i].copy_(torch.from_numpy(x.reshape(rows, cols)))
            else:
                out[i].normal_(generator=_generator(seed, t, stream, c, dev))
        return out

    def draw_z(c, lo, hi):
        return draw(3, c, k, hi - lo)

    for c, lo, hi in blocks:
        X = draw(1, c, n, hi - lo)
        Z = draw_z(c, lo, hi)
        F += (X * sqrt_lam[lo:hi]) @ Z.transpose(-1, -2)
        Xv += X @ v[lo:hi]
        if cache_z:
            cache[c] = Z
    y = Xv + math.sqrt(noise) * draw(0, 0, 1, n)[:, 0]
    B, fitted = _fit_torch(torch, F, y, ridges, float(k))    # ŵ = Λ^{1/2} Zᵀ B and X ŵ = F B
    del F
    train = torch.mean((y[..., None] - fitted) ** 2, dim=-2)
    test = torch.full((b, ridges.numel()), noise, device=dev, dtype=dt)
    for c, lo, hi in blocks:
        Z = cache.pop(c, None)
        if Z is None:                                     # redraw from its own stream: same numbers
            Z = draw_z(c, lo, hi)
        w = sqrt_lam[lo:hi, None] * (Z.transpose(-1, -2) @ B)
        test += torch.sum((w - v[lo:hi, None]) ** 2, dim=-2)
    return test.double().cpu().numpy(), train.double().cpu().numpy()


def _validated(eigenvalues, target_power, n, k, ridges, noise, trials, seed):
    lam, v2 = _as_spectrum(eigenvalues, target_power)
    n = as_count(n, "n")
    if isinstance(k, (float, np.floating)) and math.isinf(k):
        raise ValueError("k must be a finite count >= 1 on the torch bridge (k = inf, kernel ridge regression, "
                         "runs in sims.rf_risk.monte_carlo_risk)")
    k = as_count(k, "k")
    ridges = _as_ridges(ridges)
    noise = as_finite_scalar(noise, "noise")
    if noise < 0:
        raise ValueError(f"noise must be >= 0; got {noise}")
    trials = as_count(trials, "trials", minimum=2)
    seed = as_seed(seed)
    if lam.size >= (1 << _STREAM_BITS) * _MODES:
        raise ValueError(f"eigenvalues: at most {(1 << _STREAM_BITS) * _MODES - 1} modes; got {lam.size}")
    check_work(n * k, "n * k", maximum=MAX_ENTRIES, why="the feature matrix would not fit in memory")
    check_work(trials * n * lam.size * k, "trials * n * M * k", maximum=MAX_COUNT)
    return lam, v2, n, k, ridges, noise, trials, seed


def _float32_check(dt, torch, v2, noise, test_mse):
    r"""float32 loses digits in $\|\hat w - v\|^2$ when it is far below $\sum v^2$: warn then."""
    if dt != torch.float32:
        return
    excess = np.maximum(np.asarray(test_mse) - noise, 0.0)
    # each ŵ_i carries an error ~ eps·|v_i| (and more from the Gram's conditioning), so the squared
    # distance carries ~ 2 eps Σv² ‖ŵ − v‖ absolutely: relative 2 eps sqrt(Σv² / excess)
    with np.errstate(divide="ignore"):
        rel = 2.0 * dtype_eps(dt) * np.sqrt(float(v2.sum()) / excess)
    if np.any(rel > _F32_REL):
        warnings.warn(f"dtype='float32': the excess test error (down to {float(excess.min()):.3g}) is so far below "
                      f"Σv² = {float(v2.sum()):.3g} that float32 keeps under two digits of it (estimated relative "
                      f"error up to {float(np.max(rel)):.2g}); use dtype='float64'", RuntimeWarning, stacklevel=3)


def _trials_task(*, lo, hi, eigenvalues, target_power, n, k, ridges, noise, seed, budget, device, dtype):
    """The task of :func:`monte_carlo_risk_torch`: trials lo … hi − 1, rebuilt from plain settings.

    The spectrum travels as two lists of M floats (the run's input; nothing else is shipped), the
    trials' draws come from their own streams (module docstring).
    """
    torch = require_torch()
    dev, dt = resolve_device(device), resolve_dtype(dtype)
    lam, v2 = np.asarray(eigenvalues, dtype=np.float64), np.asarray(target_power, dtype=np.float64)
    itemsize = 8 if dt == torch.float64 else 4
    sqrt_lam = torch.as_tensor(np.sqrt(lam), device=dev, dtype=dt)
    v = torch.as_tensor(np.sqrt(v2), device=dev, dtype=dt)
    rid = torch.as_tensor(np.asarray(ridges, dtype=np.float64), device=dev, dtype=dt)
    cache_z = (hi - lo) * k * lam.size * itemsize <= budget    # else redraw Z in the second pass
    with torch.no_grad():
        test, train = _batch(torch, dev, dt, seed, range(lo, hi), sqrt_lam, v, n, k, rid, noise, cache_z)
    return {"test": test, "train": train}


def monte_carlo_risk_torch(eigenvalues, target_power, n, k, ridges, noise=0.0, trials=1000, seed=0, *,
                           device="auto", dtype="float64", memory_budget="auto", progress=None,
                           executor=None) -> MonteCarloRisk:
    r"""Test and train error of random-feature ridge regression in the Gaussian model, on the torch bridge.

    The Monte Carlo of :func:`sims.rf_risk.monte_carlo_risk` (same model, same estimator, same
    :class:`MonteCarloRisk`) with batched trials on a CPU or GPU, for k in the tens of
    thousands: $\hat w(\delta) = \Lambda^{1/2}Z^\top F^\top(FF^\top + k\delta I)^{-1}y$,
    $E_{te} = \|\hat w - v\|^2 + \sigma^2$, $E_{tr} = \|y - F B\|^2/n$ (docs/rf_risk.md#monte-carlo).
    The theory (``theory.rf_risk.risk``) predicts the means (Simon et al. 2023, §4).

    Parameters
    ----------
    eigenvalues : array_like of shape (M,)
        Kernel eigenvalues $\lambda_i > 0$.
    target_power : array_like of shape (M,)
        Target powers $v_i^2 \ge 0$.
    n : int
        Training samples (>= 1).
    k : int
        Random features (>= 1; finite: kernel ridge regression runs in the NumPy path).
    ridges : float or array_like of shape (R,)
        Ridges $\delta \ge 0$.
    noise : float, default 0.0
        Label-noise variance $\sigma^2 \ge 0$ (included in the test error).
    trials : int, default 1000
        Independent trials (>= 2).
    seed : int, default 0
        Seed of the trials' streams (module docstring).
    device : {"auto", "cpu", "cuda", "cuda:N"}, default "auto"
        Where the trials run.
    dtype : {"float64", "float32"}, default "float64"
        float32 is opt-in; it warns (``RuntimeWarning``) when $\|\hat w - v\|^2$ is so far below
        $\sum v_i^2$ that float32 keeps under two digits of it (estimated relative error
        $2\epsilon_{32}\sqrt{\sum v^2/E_{excess}} > 10^{-2}$).
    memory_budget : int or "auto", default "auto"
        Bytes for one batch of trials.
    progress : bool, optional
        Progress bar over the batches of trials (None: only on a terminal).
    executor : None, concurrent.futures.Executor or distributed.Client, default None
        Where the batches of trials run (one task per batch that fits ``memory_budget``: at the
        default budget, usually one; lower it for more tasks). None: in this process, as always.
        Otherwise any ``concurrent.futures.Executor`` (a process pool with a ``forkserver`` or
        ``spawn`` context, loky, ``mpi4py.futures``, a Dask client's ``get_executor()``) or a
        ``distributed.Client``; the executor is not shut down (docs/cluster.md). ``device`` is
        resolved here and used on the workers: on CPU workers pass ``device="cpu"``. Each task runs
        torch on one thread unless the worker's environment sets ``OMP_NUM_THREADS`` or
        ``MKL_NUM_THREADS``; the result equals the in-process one bit for bit when this process runs
        torch on one thread too (MKL's ``eigh`` and matrix products round differently at another
        thread count: ``sims._torch.run_chunks``).

    Returns
    -------
    MonteCarloRisk
        Means, standard errors and per-trial samples of test and train error per ridge.

    Raises
    ------
    ValueError
        Naming the argument: bad spectrum, counts, ridges, noise, device, dtype or budget; k = inf;
        a run too large; errors that overflow.
    TypeError
        When ``executor`` is not an executor.
    ImportError
        Without torch (with the install command).

    References
    ----------
    Simon et al. (2023), "More is Better in Modern Machine Learning", arXiv 2311.14646.
    """
    torch = require_torch()
    lam, v2, n, k, ridges, noise, trials, seed = _validated(eigenvalues, target_power, n, k, ridges, noise,
                                                            trials, seed)
    dev, dt = resolve_device(device), resolve_dtype(dtype)
    disable = _progress(progress)
    itemsize = 8 if dt == torch.float64 else 4
    per_trial = _trial_bytes(n, k, ridges.size, itemsize)
    plan = plan_chunks(trials, per_trial, memory_budget, dev, block=1)
    budget = plan.per_chunk * per_trial
    executor = resolve_executor(executor)
    settings = dict(eigenvalues=lam.tolist(), target_power=v2.tolist(), n=n, k=k, ridges=ridges.tolist(), noise=noise,
                    seed=seed, budget=budget, device=str(dev), dtype="float64" if dt == torch.float64 else "float32")
    out = run_chunks(_trials_task, plan, settings, executor=executor, desc="rf_risk Monte Carlo (torch)",
                     progress=not disable)
    tests, trains = out["test"], out["train"]
    if not (np.all(np.isfinite(tests)) and np.all(np.isfinite(trains))):
        raise ValueError("eigenvalues, target_power and noise are too large: the errors overflow the dtype")
    res = _summarise(tests, trains, ridges, n, float(k), noise, trials, seed)
    _float32_check(dt, torch, v2, noise, res.test_mse)
    return res


@compact_repr
@dataclass(frozen=True)
class TorchRiskGrid:
    r"""Monte-Carlo test risk over an (n, k) grid against the eigenframework.

    Attributes
    ----------
    n : ndarray of int64, shape (A,)
        Sample counts.
    k : ndarray of int64, shape (B,)
        Feature counts.
    ridges : ndarray of shape (R,)
        Ridges $\delta$.
    test_mse : ndarray of shape (A, B, R)
        Monte-Carlo mean test error (label noise included).
    test_se : ndarray of shape (A, B, R)
        Its standard error.
    train_mse : ndarray of shape (A, B, R)
        Monte-Carlo mean train error.
    train_se : ndarray of shape (A, B, R)
        Its standard error.
    theory_test : ndarray of shape (A, B, R)
        ``theory.rf_risk.risk_grid(...).test_mse`` (``inf`` at the ridgeless n = min(k, M)).
    theory_train : ndarray of shape (A, B, R)
        ``theory.rf_risk.risk_grid(...).train_mse``.
    z_test : ndarray of shape (A, B, R)
        (MC − theory) / SE of the test error.
    noise : float
        $\sigma^2$.
    trials : int
        Trials per cell.
    seed : int
        Seed of the run (cell (a, b) uses seed ``SeedSequence([seed, a, b])``).
    device : str
        Where it ran.
    dtype : str
        "float64" or "float32".
    """

    n: np.ndarray
    k: np.ndarray
    ridges: np.ndarray
    test_mse: np.ndarray
    test_se: np.ndarray
    train_mse: np.ndarray
    train_se: np.ndarray
    theory_test: np.ndarray
    theory_train: np.ndarray
    z_test: np.ndarray
    noise: float
    trials: int
    seed: int
    device: str
    dtype: str


def _counts(x, name):
    arr = np.atleast_1d(np.asarray(x))
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array of counts; got shape {arr.shape}")
    return np.array([as_count(a, f"{name}[{i}]") for i, a in enumerate(arr.tolist())], dtype=np.int64)


def _cell_seed(seed: int, a: int, b: int) -> int:
    return int(np.random.SeedSequence([seed, a, b]).generate_state(1, np.uint32)[0])


def _grid_cell_task(*, lo, hi, ns, ks, eigenvalues, target_power, ridges, noise, trials, seed, budget, device,
                    dtype):
    """The task of :func:`monte_carlo_risk_grid_torch`: cell ``lo`` (= a·len(ks) + b) by :func:`monte_carlo_risk_torch`."""
    a, b = divmod(lo, len(ks))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)        # the float32 check runs once, in the caller
        mc = monte_carlo_risk_torch(eigenvalues, target_power, int(ns[a]), int(ks[b]), ridges, noise, trials,
                                    _cell_seed(seed, a, b), device=device, dtype=dtype, memory_budget=budget,
                                    progress=False)
    return {"test_mse": mc.test_mse[None], "test_se": mc.test_se[None], "train_mse": mc.train_mse[None],
            "train_se": mc.train_se[None]}


def monte_carlo_risk_grid_torch(eigenvalues, target_power, n, k, ridges, noise=0.0, trials=200, seed=0, *,
                                device="auto", dtype="float64", memory_budget="auto", progress=None,
                                checkpoint_dir=None, executor=None) -> TorchRiskGrid:
    r"""Monte-Carlo test risk over the grid ``n × k`` on the torch bridge, beside the eigenframework.

    Each cell is :func:`monte_carlo_risk_torch`; the prediction is
    ``theory.rf_risk.risk_grid(eigenvalues, target_power, n[:, None, None], k[None, :, None],
    ridges, noise)`` (Simon et al. 2023, §4; docs/rf_risk.md#the-risk-formulas). Cells are the
    resumable unit: with ``checkpoint_dir`` each finished cell is saved, and a rerun with the
    same arguments loads it instead of recomputing.

    Parameters
    ----------
    eigenvalues : array_like of shape (M,)
        Kernel eigenvalues $\lambda_i > 0$.
    target_power : array_like of shape (M,)
        Target powers $v_i^2 \ge 0$.
    n : array_like of int, shape (A,)
        Sample counts.
    k : array_like of int, shape (B,)
        Feature counts.
    ridges : float or array_like of shape (R,)
        Ridges $\delta \ge 0$.
    noise : float, default 0.0
        $\sigma^2 \ge 0$.
    trials : int, default 200
        Trials per cell (>= 2).
    seed : int, default 0
        Seed of the run.
    device : {"auto", "cpu", "cuda", "cuda:N"}, default "auto"
        Where the trials run.
    dtype : {"float64", "float32"}, default "float64"
        As in :func:`monte_carlo_risk_torch`.
    memory_budget : int or "auto", default "auto"
        Bytes for one batch of trials.
    progress : bool, optional
        Progress bar over the cells (None: only on a terminal).
    checkpoint_dir : path, optional
        Directory where each finished cell is saved (one ``.npz`` per cell in a subdirectory named
        by the run's arguments); a rerun loads the saved cells.
    executor : None, concurrent.futures.Executor or distributed.Client, default None
        Where the cells run (one task per (n, k) cell, its seed derived from ``seed`` and the cell
        as before). None: in this process, as always. Otherwise any
        ``concurrent.futures.Executor`` (a process pool with a ``forkserver`` or ``spawn`` context,
        loky, ``mpi4py.futures``, a Dask client's ``get_executor()``) or a ``distributed.Client``;
        the executor is not shut down (docs/cluster.md). ``device`` is resolved here and used on the
        workers: on CPU workers pass ``device="cpu"``. Each task runs torch on one thread unless the
        worker's environment sets ``OMP_NUM_THREADS`` or ``MKL_NUM_THREADS``; the result equals the
        in-process one bit for bit when this process runs torch on one thread too
        (``sims._torch.run_chunks``).

    Returns
    -------
    TorchRiskGrid

    Raises
    ------
    ValueError
        Naming the argument, as :func:`monte_carlo_risk_torch`.
    TypeError
        When ``executor`` is not an executor.
    """
    from theory.rf_risk import risk_grid

    torch = require_torch()
    lam, v2 = _as_spectrum(eigenvalues, target_power)
    ns, ks = _counts(n, "n"), _counts(k, "k")
    ridges = _as_ridges(ridges)
    noise = as_finite_scalar(noise, "noise")
    if noise < 0:
        raise ValueError(f"noise must be >= 0; got {noise}")
    trials = as_count(trials, "trials", minimum=2)
    seed = as_seed(seed)
    _progress(progress)                                  # validates: a bool or None
    dev, dt = resolve_device(device), resolve_dtype(dtype)
    check_work(int(trials * lam.size * np.sum(ns[:, None] * ks[None, :])), "trials * M * Σ n·k", maximum=MAX_COUNT)
    if checkpoint_dir is not None and not isinstance(checkpoint_dir, (str, os.PathLike)):
        raise ValueError(f"checkpoint_dir must be a path or None; got {type(checkpoint_dir).__name__}")
    try:            # the prediction first: a setting the theory cannot evaluate fails before any trial
        th = risk_grid(lam, v2, ns[:, None, None].astype(float), ks[None, :, None].astype(float),
                       ridges[None, None, :], noise)
    except ValueError as exc:
        raise ValueError(f"eigenvalues, target_power, ridges or noise: theory.rf_risk.risk_grid cannot evaluate "
                         f"this setting: {exc}") from exc
    executor = resolve_executor(executor)
    cells = ns.size * ks.size
    plan = ChunkPlan(total=cells, per_chunk=1, block=1, bounds=tuple((i, i + 1) for i in range(cells)))
    store = None
    if checkpoint_dir is not None:
        import hashlib

        digest = hashlib.sha256(np.concatenate([lam, v2]).tobytes()).hexdigest()[:16]
        store = checkpoint_store(checkpoint_dir, "rf_risk_grid", dict(
            spectrum=digest, n=ns.tolist(), k=ks.tolist(), ridges=ridges.tolist(), noise=noise, trials=trials,
            seed=seed, device=dev.type, dtype=str(dt)))
    # the budget is resolved here: "auto" on a GPU depends on its free memory, which a worker's need not match
    settings = dict(ns=ns.tolist(), ks=ks.tolist(), eigenvalues=lam.tolist(), target_power=v2.tolist(),
                    ridges=ridges.tolist(), noise=noise, trials=trials, seed=seed,
                    budget=memory_budget_bytes(memory_budget, dev), device=str(dev),
                    dtype="float64" if dt == torch.float64 else "float32")
    out = run_chunks(_grid_cell_task, plan, settings, executor=executor, store=store, desc="rf_risk grid (torch)",
                     progress=progress)
    shape = (ns.size, ks.size, ridges.size)
    mc = {key: val.reshape(shape) for key, val in out.items()}
    diff = mc["test_mse"] - th.test_mse
    se = mc["test_se"]
    # SE = 0 (every trial gave the same error): z is 0 where MC equals the theory, ±inf elsewhere (never NaN)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(se > 0, diff / np.where(se > 0, se, 1.0), np.where(diff == 0, 0.0, np.sign(diff) * np.inf))
    _float32_check(dt, torch, v2, noise, mc["test_mse"])
    return TorchRiskGrid(n=ns, k=ks, ridges=ridges, test_mse=mc["test_mse"], test_se=mc["test_se"],
                         train_mse=mc["train_mse"], train_se=mc["train_se"], theory_test=np.asarray(th.test_mse),
                         theory_train=np.asarray(th.train_mse), z_test=z, noise=noise, trials=trials, seed=seed,
                         device=str(dev), dtype="float64" if dt == torch.float64 else "float32")
