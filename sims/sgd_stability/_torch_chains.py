r"""SGD stability at scale: linearised two-layer SGD chains on the torch bridge.

docs/sgd_stability.md#phases-of-the-two-layer-net.

The model is the one whose exponents ``lyapunov_qr`` measures for ``TwoLayerVectorLaw(1, σ, S, κ, s₁)``
(data model B) and ``lyapunov_monte_carlo`` for the model-A law: the two-layer net
$f(x) = \sum u_i \sigma(w_i x)$ linearised at the origin saddle. With $c_t = \kappa s_1 \frac1S \sum_{j\in B_t} x_j y_j$,
$y = x + \sigma\varepsilon$, one SGD step maps $(u, w)$ to $(u + \lambda c_t w, w + \lambda c_t u)$, so the rotated coordinates
$a = u + w$ and $b = u - w$ obey

$$a_{t+1} = (1 + \lambda c_t)\, a_t, \qquad b_{t+1} = (1 - \lambda c_t)\, b_t,$$

and $\log\lvert a_T/a_0\rvert / T \to \Lambda_+ = \mathbb{E}\log\lvert 1 + \lambda c\rvert$, $\log\lvert b_T/b_0\rvert / T \to \Lambda_- = \mathbb{E}\log\lvert 1 - \lambda c\rvert$
(Ziyin et al. 2023, Thm 1; the phase table of ``theory.sgd_stability.phase_exponents``). Each chain
carries $a_t/a_0$ and $b_t/b_0$ in log space: a product $P$ (one multiply-add per step, $P \leftarrow P + \lambda c_t P$)
that every ``_RENORM`` steps is split exactly as $P = m\cdot2^e$ (``frexp``), $e$ added to an integer
exponent and $P$ reset to $m \in [0.5, 1)$; so nothing overflows or underflows after any number of steps,
and only one log is taken per chain at the end: $\log\lvert a_T/a_0\rvert = e\log 2 + \log\lvert m\rvert$ (rounding error
$\sim T\cdot\text{eps}$, the same as summing $T$ logs). An exact zero factor leaves $P = 0$ (the chain collapsed:
−inf); a product that leaves the float range gives inf/NaN (diverged). A chain's exponent estimate
is $\log\lvert a_T/a_0\rvert / T$; the standard error of a cell is $\operatorname{sd}(\text{chain estimates})/\sqrt{n_\text{chains}}$.

Data models: "B" (Gaussian input $x \sim N(0, 1)$: $2S$ normals per step, $x_j$ and $\varepsilon_j$) as in
``TwoLayerVectorLaw(1, ...)``; "A" (Rademacher input: $x_j y_j = 1 + \sigma x_j\varepsilon_j$ with $x_j\varepsilon_j \sim N(0, 1)$
exactly, so $S$ normals per step). One draw per chain and step serves every cell of the (σ, λ) grid:
$c = \kappa s_1(\operatorname{mean} x^2 + \sigma \operatorname{mean} x\varepsilon)$ (model A: $\operatorname{mean} x^2 = 1$), i.e. common random numbers across the grid,
which makes the exponent surfaces smooth; each cell on its own is an unbiased estimate.

Random streams: chains come in blocks of :data:`BLOCK` = $2^{16}$, block $k$ drawing from
``block_generator(seed, k)`` one (chains of the block, m) tensor per step; the grid is swept in row
tiles (rows of σ, as many as fit ``memory_budget``) that each replay the block's stream. One (block,
row tile) is one task of ``sims._torch.run_chunks`` (in process, or on an executor). Per-cell
statistics are reduced per block (count, mean, centred sum of squares) and merged in block order,
so the result is bit-identical for every ``memory_budget``; with ``checkpoint_dir`` every finished
tile is stored (``ChunkStore``) and a rerun resumes.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np

from theory.summary import compact_repr
from theory.validate import MAX_COUNT, as_choice, as_count, as_finite_array, as_positive_scalar, as_seed, check_work

from .._checkpoint import checkpoint_store
from .._parallel import resolve_executor
from .._torch import (
    ChunkPlan,
    block_generator,
    memory_budget_bytes,
    plan_chunks,
    require_torch,
    resolve_device,
    resolve_dtype,
    run_chunks,
)

__all__ = ["BLOCK", "TorchChainExponents", "lyapunov_chains_torch"]

#: Chains per random-number stream (fixed: results depend on it, never on the memory budget).
BLOCK = 2**16
_DATA = ("A", "B")
_UNDECIDED_SE = 3.0          # |Λ| ≤ 3·SE: sign not resolved (as in lyapunov_qr)
_GPU_WORK = 100 * MAX_COUNT  # cell-chain-steps: a GPU does ~1e10-1e11 per second, so this still finishes
_LOG2 = math.log(2.0)
# Steps between renormalisations: the product of this many factors must stay inside the float
# range. Factors are 0 or ≥ 2^-53 (float64) / 2^-24 (float32) in magnitude (1 ± x is rounded), so
# nothing underflows; overflow needs |λc| ≳ 2^127 (float64) or 2^31 (float32), reported as divergence.
_RENORM = {"float64": 8, "float32": 4}


def _chain_bytes(itemsize: int, n_lr: int, n_draws: int) -> tuple[int, int]:
    """Peak bytes per chain: (per grid row, fixed per step).

    Per cell: two products, λc and the frexp mantissa (4 items), two int64 exponents and the int32
    frexp exponent (20 bytes), and the float64 host copies of the final reduction (about 48 bytes).
    Per step: the (n_draws) normals and two batch-mean temporaries.
    """
    return n_lr * (4 * itemsize + 20 + 48), 3 * n_draws * itemsize


@compact_repr
@dataclass(frozen=True)
class TorchChainExponents:
    r"""Monte-Carlo exponents $\Lambda_\pm$ of the linearised two-layer SGD chains over a (σ, λ) grid.

    Attributes
    ----------
    lr : ndarray of shape (n_lr,)
        Learning rates λ (columns).
    noise : ndarray of shape (n_noise,)
        Label-noise levels σ (rows).
    lambda_plus, lambda_minus : ndarray of shape (n_noise, n_lr)
        Mean over chains of $\frac1T \log\lvert a_T/a_0\rvert$ and $\frac1T \log\lvert b_T/b_0\rvert$: estimates of
        $\Lambda_\pm = \mathbb{E}\log\lvert 1 \pm \lambda c\rvert$. +inf in a cell with a diverged chain, −inf (if none diverged) in a cell
        with a collapsed chain.
    se_plus, se_minus : ndarray of shape (n_noise, n_lr)
        $\operatorname{sd}(\text{chain estimates})/\sqrt{n_\text{chains}}$ (0 where the exponent is ±inf).
    collapsed_plus, collapsed_minus : ndarray of int64, shape (n_noise, n_lr)
        Chains whose product hit exactly 0 (a factor $1 \pm \lambda c_t = 0$ in floating point).
    diverged : ndarray of int64, shape (n_noise, n_lr)
        Chains whose product left the float range ($\lvert\lambda c_t\rvert \gtrsim 2^{127}$ in float64, $2^{31}$ in float32, see
        the module docstring); counted once per chain.
    undecided : ndarray of bool, shape (n_noise, n_lr)
        $\Lambda_+$ or $\Lambda_-$ finite and within 3 SE of 0: the phase is not resolved.
    n_steps, n_chains, batch_size, seed : int
    data : str
        "A" or "B".
    kappa, s1 : float
    device, dtype : str
        Where and in which precision the chains ran.
    """

    lr: np.ndarray
    noise: np.ndarray
    lambda_plus: np.ndarray
    lambda_minus: np.ndarray
    se_plus: np.ndarray
    se_minus: np.ndarray
    collapsed_plus: np.ndarray
    collapsed_minus: np.ndarray
    diverged: np.ndarray
    undecided: np.ndarray
    n_steps: int
    n_chains: int
    batch_size: int
    seed: int
    data: str
    kappa: float
    s1: float
    device: str
    dtype: str


def _grid(values, name, *, positive):
    arr = as_finite_array(values, name, ndim=(0, 1)).reshape(-1)
    if arr.size == 0:
        raise ValueError(f"{name} must contain at least one value")
    if positive and np.any(arr <= 0):
        raise ValueError(f"{name} must be > 0")
    if not positive and np.any(arr < 0):
        raise ValueError(f"{name} must be >= 0")
    return arr


def _block_stats(acc):
    """Per-row (count, mean, centred sum of squares, collapsed, diverged) of acc (rows, nb), float64 on the host.

    Reduced row by row over a contiguous last axis: the same numbers for any number of rows.
    """
    finite = np.isfinite(acc)
    count = finite.sum(axis=1)
    vals = np.where(finite, acc, 0.0)
    mean = vals.sum(axis=1) / np.maximum(count, 1)
    m2 = np.sum(np.where(finite, vals - mean[:, None], 0.0) ** 2, axis=1)
    collapsed = np.sum(acc == -np.inf, axis=1)
    diverged = np.sum(~finite & (acc != -np.inf), axis=1)
    return count, mean, m2, collapsed, diverged


def _merge(stats):
    """Chan et al.'s pairwise merge of (count, mean, m2) over blocks, in block order."""
    n, mean, m2 = stats[0][:3]
    n, mean, m2 = n.astype(np.float64), mean.copy(), m2.copy()
    for nb, mb, m2b in (s[:3] for s in stats[1:]):
        tot = n + nb
        delta = mb - mean
        with np.errstate(invalid="ignore", divide="ignore"):
            w = np.where(tot > 0, nb / np.maximum(tot, 1), 0.0)
        mean = mean + delta * w
        m2 = m2 + m2b + delta**2 * n * w
        n = tot
    return n, mean, m2


def _chain_tile(*, lo, hi, lr, noise, n_steps, n_chains, seed, data, batch_size, kappa, s1, device, dtype):
    """Per-cell statistics of one row tile of one block of chains, rebuilt from plain settings.

    Items are (block, σ row) pairs, ``k·n_noise + row``: ``lo … hi − 1`` lie in block
    ``k = lo // n_noise`` (chains ``k·BLOCK`` … ``min((k + 1)·BLOCK, n_chains) − 1``). Returns
    ``{plus,minus}_{0..4}``, each of shape (hi − lo, n_lr): the :func:`_block_stats` of each row.
    """
    torch = require_torch()
    dev, tdt = resolve_device(device), resolve_dtype(dtype)
    lr = np.asarray(lr, dtype=np.float64)
    noise = np.asarray(noise, dtype=np.float64)
    k, r0 = divmod(lo, noise.size)
    r1 = r0 + (hi - lo)
    nb = min(BLOCK, n_chains - k * BLOCK)
    m = batch_size * (2 if data == "B" else 1)              # normals per chain and step
    gain = kappa * s1
    renorm = _RENORM[dtype]
    lr_t = torch.as_tensor(lr, dtype=tdt, device=dev)
    sig = torch.as_tensor(noise[r0:r1], dtype=tdt, device=dev)
    shape = (sig.numel(), lr.size, nb)
    prod_p = torch.ones(shape, dtype=tdt, device=dev)       # a_t/a_0 since the last renormalisation
    prod_m = torch.ones(shape, dtype=tdt, device=dev)
    exp_p = torch.zeros(shape, dtype=torch.int64, device=dev)  # accumulated binary exponents
    exp_m = torch.zeros(shape, dtype=torch.int64, device=dev)
    xs = torch.empty(shape, dtype=tdt, device=dev)
    gen = block_generator(seed, k, dev)                     # every tile of the block replays its stream
    for t in range(n_steps):
        z = torch.randn((nb, m), generator=gen, dtype=tdt, device=dev)
        if data == "B":
            x, eps = z[:, :batch_size], z[:, batch_size:]
            sq, cross = (x * x).mean(dim=1), (x * eps).mean(dim=1)
            c = gain * (sq[None, :] + sig[:, None] * cross[None, :])          # (rows, nb)
        else:
            c = gain * (1.0 + sig[:, None] * z.mean(dim=1)[None, :])
        torch.mul(lr_t[None, :, None], c[:, None, :], out=xs)                  # λc, (rows, n_lr, nb)
        prod_p.addcmul_(prod_p, xs)                                             # × (1 + λc)
        prod_m.addcmul_(prod_m, xs, value=-1.0)                                 # × (1 − λc)
        if (t + 1) % renorm == 0 or t + 1 == n_steps:
            for prod, expo in ((prod_p, exp_p), (prod_m, exp_m)):
                mant, e = torch.frexp(prod)                                     # exact: prod = mant·2^e
                prod.copy_(mant)
                expo += e
    out = {}
    for key, prod, expo in (("plus", prod_p, exp_p), ("minus", prod_m, exp_m)):
        # log|a_T/a_0| = e·log 2 + log|mantissa|: −inf after an exact zero, +inf/NaN after an overflow
        with np.errstate(divide="ignore", invalid="ignore"):
            logs = (expo.reshape(-1, nb).cpu().numpy() * _LOG2
                    + np.log(np.abs(prod.reshape(-1, nb).double().cpu().numpy())))
        stats = _block_stats(logs / n_steps)
        for i in range(5):
            out[f"{key}_{i}"] = stats[i].reshape(r1 - r0, lr.size)
    return out


def lyapunov_chains_torch(lr, noise, n_steps, n_chains, seed, *, data="B", batch_size=1, kappa=1.0, s1=1.0,
                          device="auto", dtype="float64", memory_budget="auto", progress=None,
                          checkpoint_dir=None, executor=None) -> TorchChainExponents:
    r"""$\Lambda_\pm = \mathbb{E}\log\lvert 1 \pm \lambda c\rvert$ of linearised two-layer SGD by Monte-Carlo chains on the torch bridge.

    The chains of ``lyapunov_qr(lr, TwoLayerVectorLaw(1, σ, S, κ, s₁), n_steps, seed, k=2)`` (data
    "B"), run in the rotated coordinates $a = u + w$, $b = u - w$ where the factors are scalars
    (Ziyin et al. 2023, Thm 1; docs/sgd_stability.md#phases-of-the-two-layer-net):

    $$\hat\Lambda_\pm = \frac{1}{T}\sum_{t<T} \log|1 \pm \lambda c_t|, \qquad
      c_t = \kappa s_1 \frac1S \sum_{j\in B_t} x_j (x_j + \sigma\varepsilon_j),$$

    per chain, averaged over ``n_chains`` chains per cell; the standard error is the sd of the chain
    estimates over $\sqrt{n_\text{chains}}$. The QR function's exponents are $\max/\min(\Lambda_+, \Lambda_-)$; theory:
    ``theory.sgd_stability.expected_log_abs(1, ±λ, model_b_law(σ, S, κ, s₁))`` (quadrature) or
    ``model_a_law`` (closed form). All (σ, λ) cells share each chain's draws (module docstring).

    Parameters
    ----------
    lr : float or 1-D array
        Learning rates λ > 0 (the grid's columns).
    noise : float or 1-D array
        Label noise σ ≥ 0 (the grid's rows).
    n_steps : int
        Steps T per chain (≥ 1). No burn-in: the increments $\log\lvert 1 \pm \lambda c_t\rvert$ are i.i.d. from the first step.
    n_chains : int
        Chains per cell (≥ 2, for a standard error).
    seed : int
        Block $k$ of $2^{16}$ chains draws from ``sims._torch.block_generator(seed, k, device)``.
    data : {"A", "B"}, default "B"
        Rademacher (A) or Gaussian (B) inputs, docs/sgd_stability.md#data-models.
    batch_size : int, default 1
        S, samples per step.
    kappa, s1 : float, default 1.0
        Loss scale κ and σ'(0) (> 0).
    device : {"auto", "cpu", "cuda", "cuda:N"}, default "auto"
    dtype : {"float64", "float32"}, default "float64"
        Precision of the chains (statistics are merged in float64).
    memory_budget : int or "auto", default "auto"
        Bytes a chunk may use (``sims._torch.plan_chunks``); results do not depend on it.
    progress : bool or None
        Progress bar over the chains (None: on a terminal only).
    checkpoint_dir : path, optional
        Directory of the bridge's chunk store (``sims._torch``): every finished row tile of a block
        of chains is saved there, in a subdirectory named by the run's parameters, and reused by a
        rerun with the same parameters and ``memory_budget``.
    executor : None, concurrent.futures.Executor or distributed.Client, default None
        Where the tasks run: one per (block of $2^{16}$ chains, row tile of σ; lower ``memory_budget``
        for more, smaller tiles). None: in this process, as always. Otherwise any
        ``concurrent.futures.Executor`` (a process pool with a ``forkserver`` or ``spawn`` context,
        loky, ``mpi4py.futures``, a Dask client's ``get_executor()``) or a ``distributed.Client``;
        the executor is not shut down (docs/cluster.md). ``device`` is resolved here and used on the
        workers: on CPU workers pass ``device="cpu"``. Each task runs torch on one thread unless the
        worker's environment sets ``OMP_NUM_THREADS`` or ``MKL_NUM_THREADS``; the result equals the
        in-process one bit for bit (``sims._torch.run_chunks``).

    Returns
    -------
    TorchChainExponents

    Raises
    ------
    ValueError
        Naming the argument: λ ≤ 0, σ < 0, non-finite or empty grids, bad counts, seed, data,
        device, dtype or memory_budget, or a run too large to finish.
    TypeError
        When ``executor`` is not an executor.
    ImportError
        Without torch, with the install command.

    References
    ----------
    Ziyin, Li, Galanti, Ueda (2023), "The probabilistic stability of stochastic gradient descent",
    arXiv 2303.13093, Theorem 1.
    """
    lr = _grid(lr, "lr", positive=True)
    noise = _grid(noise, "noise", positive=False)
    n_steps = as_count(n_steps, "n_steps", minimum=1)
    n_chains = as_count(n_chains, "n_chains", minimum=2)
    seed = as_seed(seed)
    data = as_choice(data, "data", _DATA)
    batch_size = as_count(batch_size, "batch_size", minimum=1, maximum=10**4)
    kappa = as_positive_scalar(kappa, "kappa")
    s1 = as_positive_scalar(s1, "s1")
    if progress is not None and not isinstance(progress, (bool, np.bool_)):
        raise ValueError(f"progress must be a bool or None; got {type(progress).__name__}")
    torch = require_torch()
    dev = resolve_device(device)
    tdt = resolve_dtype(dtype)
    work = n_chains * n_steps * lr.size * noise.size
    check_work(work, "n_chains * n_steps * lr.size * noise.size",
               maximum=_GPU_WORK if dev.type == "cuda" else MAX_COUNT)
    itemsize = torch.finfo(tdt).bits // 8
    m = batch_size * (2 if data == "B" else 1)              # normals per chain and step
    row_bytes, step_bytes = _chain_bytes(itemsize, lr.size, m)
    budget = memory_budget_bytes(memory_budget, dev)               # validates memory_budget
    # raises (naming memory_budget) if one grid row of one block does not fit
    plan_chunks(n_chains, row_bytes + step_bytes, budget, dev, block=BLOCK)
    # a task is one block's rows in tiles that fit the budget
    chains = min(BLOCK, n_chains)
    rows_per_tile = max(1, min(noise.size, (budget - chains * step_bytes) // (chains * row_bytes)))
    if checkpoint_dir is not None and not isinstance(checkpoint_dir, (str, os.PathLike)):
        raise ValueError(f"checkpoint_dir must be a path (str or os.PathLike) or None; "
                         f"got {type(checkpoint_dir).__name__}")
    executor = resolve_executor(executor)
    dtype_name = "float64" if tdt == torch.float64 else "float32"
    settings = dict(lr=lr.tolist(), noise=noise.tolist(), n_steps=n_steps, n_chains=n_chains, seed=seed, data=data,
                    batch_size=batch_size, kappa=kappa, s1=s1, dtype=dtype_name)
    store = checkpoint_store(checkpoint_dir, "sgd_stability-lyapunov_chains",
                             dict(settings, block=BLOCK, rows_per_tile=int(rows_per_tile), version=2))
    # items are (block, σ row) pairs; a task is one row tile of one block (tiles never straddle blocks)
    n_blocks = -(-n_chains // BLOCK)
    tiles = tuple((k * noise.size + r0, k * noise.size + min(r0 + rows_per_tile, noise.size))
                  for k in range(n_blocks) for r0 in range(0, noise.size, rows_per_tile))
    tile_plan = ChunkPlan(total=n_blocks * noise.size, per_chunk=int(rows_per_tile), block=noise.size, bounds=tiles)
    flat = run_chunks(_chain_tile, tile_plan, dict(settings, device=str(dev)), executor=executor, store=store,
                      desc="SGD chains (torch)", progress=progress)
    # per block, in block order: (count, mean, m2, collapsed, diverged), each (n_noise, n_lr)
    stats_plus, stats_minus = ([tuple(flat[f"{key}_{i}"].reshape(n_blocks, noise.size, lr.size)[k] for i in range(5))
                                for k in range(n_blocks)] for key in ("plus", "minus"))

    results = {}
    for key, stats in (("plus", stats_plus), ("minus", stats_minus)):
        n, mean, m2 = _merge(stats)
        collapsed = np.sum([s[3] for s in stats], axis=0).astype(np.int64)
        diverged = np.sum([s[4] for s in stats], axis=0).astype(np.int64)
        clean = (collapsed == 0) & (diverged == 0)
        se = np.where(clean, np.sqrt(m2 / np.maximum(n - 1, 1)) / math.sqrt(n_chains), 0.0)
        est = np.where(diverged > 0, np.inf, np.where(collapsed > 0, -np.inf, mean))
        results[key] = (est, se, collapsed, diverged)
    lam_p, se_p, col_p, div_p = results["plus"]
    lam_m, se_m, col_m, div_m = results["minus"]
    # a non-finite factor λc_t makes both directions non-finite in the same chain: count it once
    diverged = np.maximum(div_p, div_m)
    undecided = ((np.isfinite(lam_p) & (np.abs(lam_p) <= _UNDECIDED_SE * se_p))
                 | (np.isfinite(lam_m) & (np.abs(lam_m) <= _UNDECIDED_SE * se_m)))
    return TorchChainExponents(lr=lr.copy(), noise=noise.copy(), lambda_plus=lam_p, lambda_minus=lam_m,
                               se_plus=se_p, se_minus=se_m, collapsed_plus=col_p, collapsed_minus=col_m,
                               diverged=diverged, undecided=undecided, n_steps=n_steps, n_chains=n_chains,
                               batch_size=batch_size, seed=seed, data=data, kappa=kappa, s1=s1,
                               device=str(dev), dtype="float64" if tdt == torch.float64 else "float32")
