r"""Stochastic collapse in trained networks on the torch bridge (Chen et al. 2023, arXiv 2306.04251).

Two experiments, both batched over many (learning rate, noise, seed) runs in one torch tensor:

* :func:`gelu_collapse_torch` (docs/sgd_stability.md#at-scale-torch-bridge): a two-neuron GELU
  student $f(x) = a_1\sigma(w_1^\top x) + a_2\sigma(w_2^\top x)$ trained by heavy-ball momentum SGD with label noise
  on data from a two-neuron GELU teacher. The identical-neuron set $\{w_1 = w_2,\ a_1 = a_2\}$ is
  invariant (Chen et al. 2023, Sec. 3: the permutation-invariant sets): on it both neurons
  receive the same gradient for every batch and every noise draw. Off it, the teacher pulls
  the neurons apart; label noise and a large step push them together. We measure $\lVert w_1 - w_2\rVert^2$
  over training against the learning rate and the label-noise scale. The package's collapse
  theory gives no closed-form threshold for this network (its Itô-bracket sufficient test,
  ``theory.sgd_stability.max_log_norm_drift``, is positive in the readout direction for every
  noise level), so the trend is measured and reported, not predicted.
* :func:`mlp_independent_neurons_torch`: a GELU MLP on scikit-learn's digits data set (shipped
  with scikit-learn; nothing is downloaded), trained by momentum SGD on one-hot targets with
  Gaussian label noise, against learning rate, batch size and noise; per hidden layer the
  fraction of independent neurons (Chen et al. 2023, Sec. 5 and Fig. 4), counted by
  :func:`count_independent_neurons`: a neuron vanishes when its parameter vector (incoming
  weights, bias, outgoing weights) is below ``vanish_tol`` times the layer's largest, and two
  surviving neurons are duplicates when their normalised distance is below ``duplicate_tol``;
  the independent neurons are the clusters (connected components of the duplicate relation)
  of the surviving ones.

Label-noise SGD with momentum β (PyTorch's convention $v \leftarrow \beta v + g$, $\theta \leftarrow \theta - \eta v$) follows, at small
$\eta$, the SDE of Chen et al. 2023 (Sec. 2) with effective step $\eta/(1 - \beta)$.

Every function imports torch through ``sims._torch.require_torch`` (``import sims`` stays
torch-free). Runs are split into fixed stream blocks of :data:`GELU_BLOCK` / :data:`MLP_BLOCK`
runs, each with its own generator, so results depend on the seed and not on the memory budget.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np

from theory.summary import compact_repr
from theory.validate import as_count, as_finite_array, as_finite_scalar, as_seed, check_work

from .._checkpoint import checkpoint_store
from .._parallel import resolve_executor
from .._torch import ChunkPlan, block_generator, plan_chunks, require_torch, resolve_device, resolve_dtype, run_chunks

__all__ = ["GELU_BLOCK", "MLP_BLOCK", "GeluCollapseResult", "IndependentNeurons", "MlpCollapseResult",
           "count_independent_neurons", "gelu_collapse_torch", "mlp_independent_neurons_torch"]

#: Runs per random stream in the GELU experiment (a chunk is a whole number of blocks).
GELU_BLOCK = 64
#: Networks per random stream in the MLP experiment.
MLP_BLOCK = 4
#: ‖θ‖ above which a run counts as diverged (and is frozen, reported, never silently NaN).
DIVERGED_NORM = 1e6

#: The teacher of the GELU experiment: two unit-norm neurons 30° apart, readouts 1 (input dim 2).
TEACHER_W = ((1.0, 0.0), (0.8660254037844387, 0.5))
TEACHER_A = (1.0, 1.0)


def _unit_interval(x, name: str) -> float:
    val = as_finite_scalar(x, name)
    if not 0.0 <= val < 1.0:
        raise ValueError(f"{name} must be in [0, 1); got {val}")
    return val


def _grid(x, name: str, *, positive: bool) -> np.ndarray:
    arr = as_finite_array(x, name, ndim=(0, 1)).reshape(-1)
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    if positive and np.any(arr <= 0):
        raise ValueError(f"{name} must be > 0 everywhere; got min {arr.min()}")
    if np.any(arr < 0):
        raise ValueError(f"{name} must be >= 0 everywhere; got min {arr.min()}")
    return arr


def _store(checkpoint_dir, name, params):
    if checkpoint_dir is not None and not isinstance(checkpoint_dir, (str, os.PathLike)):
        raise ValueError(f"checkpoint_dir must be a path (str or os.PathLike) or None; got {type(checkpoint_dir).__name__}")
    return checkpoint_store(checkpoint_dir, name, params)



def _gelu_and_slope(torch, z):
    """σ(z) = zΦ(z) (exact GELU) and σ'(z) = Φ(z) + zφ(z)."""
    cdf = 0.5 * (1.0 + torch.erf(z / math.sqrt(2.0)))
    pdf = torch.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    return z * cdf, cdf + z * pdf


# --------------------------------------------------------------------------------------------
# Part A: two GELU neurons and the identical-neuron invariant set
# --------------------------------------------------------------------------------------------

@compact_repr
@dataclass(frozen=True)
class GeluCollapseResult:
    r"""Distance between the two GELU neurons over label-noise momentum SGD (:func:`gelu_collapse_torch`).

    Attributes
    ----------
    lrs : ndarray of shape (n_lr,)
        Learning rates η.
    noises : ndarray of shape (n_noise,)
        Label-noise scales $\zeta$ ($y + \zeta\varepsilon$, $\varepsilon \sim N(0, 1)$ fresh at every step and sample).
    steps : ndarray of shape (n_rec,)
        Steps at which the distances are recorded (0 … n_steps).
    weight_distance : ndarray of shape (n_lr, n_noise, n_seeds, n_rec)
        $\lVert w_1 - w_2\rVert^2$ (NaN after a run diverged).
    param_distance : ndarray of shape (n_lr, n_noise, n_seeds, n_rec)
        $\lVert\theta_1 - \theta_2\rVert^2$ with $\theta_i = (w_i, a_i)$, the distance to the invariant set's defining equations.
    final_loss : ndarray of shape (n_lr, n_noise, n_seeds)
        Clean training loss $\tfrac12\operatorname{mean}(f - y)^2$ at the end (NaN where diverged).
    diverged : ndarray of bool, shape (n_lr, n_noise, n_seeds)
        $\lVert\theta\rVert > 10^6$ or non-finite at some step.
    collapsed : ndarray of bool, shape (n_lr, n_noise, n_seeds)
        Final $\lVert\theta_1 - \theta_2\rVert^2$ < ``collapse_tol`` (and not diverged).
    collapse_tol : float
    effective_lrs : ndarray of shape (n_lr,)
        $\eta/(1 - \beta)$, the step of the SDE limit.
    start_params, final_params : ndarray of shape (n_lr, n_noise, n_seeds, 2, 3)
        $\theta_i = (w_i, a_i)$ of neuron $i = 1, 2$ at the start and at the end (zeros where diverged).
    settings : dict
        Sizes, momentum, batch size, seed, dtype and device of the run.
    """

    lrs: np.ndarray
    noises: np.ndarray
    steps: np.ndarray
    weight_distance: np.ndarray
    param_distance: np.ndarray
    final_loss: np.ndarray
    diverged: np.ndarray
    collapsed: np.ndarray
    collapse_tol: float
    effective_lrs: np.ndarray
    start_params: np.ndarray
    final_params: np.ndarray
    settings: dict

    @property
    def collapsed_fraction(self) -> np.ndarray:
        """Fraction of the seeds that collapsed, shape (n_lr, n_noise) (diverged runs count as not collapsed)."""
        return self.collapsed.mean(axis=-1)

    @property
    def median_log10_distance(self) -> np.ndarray:
        """Median over seeds of log10 of the final ‖θ₁ − θ₂‖² (diverged runs as +inf), shape (n_lr, n_noise)."""
        final = np.where(self.diverged, np.inf, self.param_distance[..., -1])
        with np.errstate(divide="ignore"):
            return np.median(np.log10(final), axis=-1)


def _gelu_chunk(torch, *, lo, hi, runs_lr, runs_noise, start_ratio, n_steps, record, n_samples, batch_size,
                momentum, init_scale, seed, device, dtype):
    """Train runs lo … hi − 1 (one tensor per stream block, drawn step by step)."""
    d, m = 2, 2
    tw = torch.tensor(TEACHER_W, dtype=dtype, device=device)          # (2, d)
    ta = torch.tensor(TEACHER_A, dtype=dtype, device=device)
    n = hi - lo
    eta = torch.as_tensor(runs_lr[lo:hi], dtype=dtype, device=device)
    zeta = torch.as_tensor(runs_noise[lo:hi], dtype=dtype, device=device)
    # data and start, one generator per block
    gens, X, W, A = [], [], [], []
    for start in range(lo, hi, GELU_BLOCK):
        stop = min(start + GELU_BLOCK, hi)
        g = block_generator(seed, start // GELU_BLOCK, device)
        gens.append((g, stop - start))
        X.append(torch.randn(stop - start, n_samples, d, generator=g, dtype=dtype, device=device))
        w0 = init_scale * torch.randn(stop - start, m, d, generator=g, dtype=dtype, device=device)
        a0 = init_scale * torch.randn(stop - start, m, generator=g, dtype=dtype, device=device)
        if start_ratio is not None:
            w0[:, 1] = start_ratio * w0[:, 0]
            a0[:, 1] = start_ratio * a0[:, 0]
        W.append(w0)
        A.append(a0)
    X, W, A = torch.cat(X), torch.cat(W), torch.cat(A)
    start_w, start_a = W.cpu().numpy(), A.cpu().numpy()
    Y = (ta * _gelu_and_slope(torch, torch.einsum("rsk,jk->rsj", X, tw))[0]).sum(-1)     # (n, n_samples)
    vW, vA = torch.zeros_like(W), torch.zeros_like(A)
    dist_w = np.full((n, len(record)), np.nan)
    dist_p = np.full((n, len(record)), np.nan)
    alive = torch.ones(n, dtype=torch.bool, device=device)
    rows = torch.arange(n, device=device)[:, None]
    full = batch_size == n_samples

    def network(Wc, Ac, Xb):
        # first layer by an explicit sum over the d inputs: the same elementwise operations for both
        # neurons, so identical neurons stay bit-identical (the invariance claim relies on it)
        pre = Wc[:, :, None, 0] * Xb[:, None, :, 0]
        for k in range(1, d):
            pre = pre + Wc[:, :, None, k] * Xb[:, None, :, k]
        h, slope = _gelu_and_slope(torch, pre)                       # (n, m, B)
        f = Ac[:, 0, None] * h[:, 0] + Ac[:, 1, None] * h[:, 1]     # a₁h₁ + a₂h₂ = a₂h₂ + a₁h₁ exactly
        return h, slope, f

    r_i = 0
    for t in range(n_steps + 1):
        if r_i < len(record) and record[r_i] == t:
            dw = ((W[:, 0] - W[:, 1]) ** 2).sum(-1)
            dp = dw + (A[:, 0] - A[:, 1]) ** 2
            ok = alive.cpu().numpy()
            dist_w[ok, r_i] = dw.cpu().numpy()[ok]
            dist_p[ok, r_i] = dp.cpu().numpy()[ok]
            r_i += 1
        if t == n_steps:
            break
        # per-block draws of the batch indices and the label noise (batch drawn with replacement)
        idx, eps = [], []
        for g, size in gens:
            if not full:
                idx.append(torch.randint(n_samples, (size, batch_size), generator=g, device=device))
            eps.append(torch.randn(size, batch_size, generator=g, dtype=dtype, device=device))
        eps = torch.cat(eps)
        if full:
            Xb, Yb = X, Y
        else:
            idx = torch.cat(idx)
            Xb, Yb = X[rows, idx], Y[rows, idx]
        h, slope, f = network(W, A, Xb)
        r = f - Yb - zeta[:, None] * eps                             # residual against the noisy label
        gA = (r[:, None, :] * h).mean(-1)                            # ∂L/∂a_i = mean_s r_s σ(w_iᵀx_s)
        coef = r[:, None, :] * slope * A[:, :, None]                 # r_s a_i σ'(w_iᵀx_s)
        gW = torch.stack([(coef * Xb[:, None, :, k]).mean(-1) for k in range(d)], dim=-1)
        vW = momentum * vW + gW
        vA = momentum * vA + gA
        W = W - eta[:, None, None] * vW
        A = A - eta[:, None] * vA
        norm = torch.sqrt((W**2).sum((1, 2)) + (A**2).sum(1))
        bad = ~torch.isfinite(norm) | (norm > DIVERGED_NORM)
        if bool(bad.any()):
            alive = alive & ~bad
            # freeze diverged runs at zero so that no NaN or overflow spreads; they are reported
            W = torch.where(alive[:, None, None], W, torch.zeros_like(W))
            A = torch.where(alive[:, None], A, torch.zeros_like(A))
            vW = torch.where(alive[:, None, None], vW, torch.zeros_like(vW))
            vA = torch.where(alive[:, None], vA, torch.zeros_like(vA))
    _, _, f = network(W, A, X)
    loss = (0.5 * ((f - Y) ** 2).mean(-1)).cpu().numpy()
    ok = alive.cpu().numpy()
    return {"weight_distance": dist_w, "param_distance": dist_p, "final_loss": np.where(ok, loss, np.nan),
            "diverged": ~ok, "final_w": W.cpu().numpy(), "final_a": A.cpu().numpy(),
            "start_w": start_w, "start_a": start_a}


def _gelu_task(*, lo, hi, lrs, noises, n_seeds, start_ratio, n_steps, record_every, n_samples, batch_size, momentum,
               init_scale, seed, device, dtype):
    """The task of :func:`gelu_collapse_torch`: runs lo … hi − 1, every tensor rebuilt from these plain settings."""
    torch = require_torch()
    lrs, noises = np.asarray(lrs, dtype=np.float64), np.asarray(noises, dtype=np.float64)
    runs_lr = np.repeat(lrs, noises.size * n_seeds)
    runs_noise = np.tile(np.repeat(noises, n_seeds), lrs.size)
    return _gelu_chunk(torch, lo=lo, hi=hi, runs_lr=runs_lr, runs_noise=runs_noise, start_ratio=start_ratio,
                       n_steps=n_steps, record=_record_steps(n_steps, record_every), n_samples=n_samples,
                       batch_size=batch_size, momentum=momentum, init_scale=init_scale, seed=seed,
                       device=resolve_device(device), dtype=resolve_dtype(dtype))


def _record_steps(n_steps, record_every):
    """Steps at which the distances are recorded: every ``record_every`` and the last."""
    return np.union1d(np.arange(0, n_steps + 1, record_every), [n_steps]).astype(int)


def gelu_collapse_torch(lrs=(0.005, 0.01, 0.02, 0.04), noises=(0.0, 1.0, 2.0, 3.0, 4.0, 6.0), *, n_seeds: int = 16,
                        n_steps: int = 5000, n_samples: int = 32, batch_size=None, momentum: float = 0.9, init_scale: float = 0.5,
                        record_every: int = 100, collapse_tol: float = 1e-8, start_ratio=None,
                        seed: int = 0, device="auto", dtype="float64", memory_budget="auto", progress=None,
                        checkpoint_dir=None, executor=None) -> GeluCollapseResult:
    r"""Collapse of two GELU neurons onto the identical-neuron set under label-noise momentum SGD.

    Chen et al. 2023 (arXiv 2306.04251), Sec. 3 (permutation-invariant sets) and Sec. 4
    (stochastic attractivity); docs/sgd_stability.md#at-scale-torch-bridge. Student
    $f(x) = \sum_{i=1,2} a_i\sigma(w_i^\top x)$, $\sigma$ the exact GELU $z\Phi(z)$, $x \in \mathbb{R}^2$; teacher
    $f^*(x) = \sigma(e_1^\top x) + \sigma(e_2^\top x)$ on ``n_samples`` Gaussian inputs per run; loss
    $L = \tfrac12\operatorname{mean}_s (f(x_s) - y_s - \zeta\varepsilon_s)^2$ with fresh $\varepsilon_s \sim N(0, 1)$ at every step (label noise);
    heavy-ball momentum $v \leftarrow \beta v + \nabla L$, $\theta \leftarrow \theta - \eta v$. On $\{w_1 = w_2,\ a_1 = a_2\}$ both neurons get the
    same gradient, so the set is invariant. All (lr, noise, seed) runs train in one batched tensor.

    Parameters
    ----------
    lrs : array of float
        Learning rates $\eta > 0$.
    noises : array of float
        Label-noise scales $\zeta \ge 0$.
    n_seeds : int, default 16
        Runs per $(\eta, \zeta)$ cell (independent data and start).
    n_steps : int, default 5000
        SGD steps.
    n_samples : int, default 32
        Training inputs per run.
    batch_size : int, optional
        Samples per step, drawn with replacement (None: the full batch, no sampling noise).
    momentum : float, default 0.9
        $\beta \in [0, 1)$.
    init_scale : float, default 0.5
        Start $w_i, a_i \sim N(0, s^2)$ entrywise with $s$ = ``init_scale``; in (0, 1e4].
    record_every : int, default 100
        Record the distances every this many steps (and at the end).
    collapse_tol : float, default 1e-8
        A run collapsed when its final $\lVert\theta_1 - \theta_2\rVert^2$ is below this.
    start_ratio : float, optional
        None: the neurons start independently. A number $c$: start with $w_2 = cw_1$, $a_2 = ca_1$; $c = 1$ is
        the invariant set, where the distance stays exactly 0 (any other $c$ is not invariant).
    seed : int, default 0
    device : {"auto", "cpu", "cuda"}, default "auto"
    dtype : {"float64", "float32"}, default "float64"
    memory_budget : int or "auto", default "auto"
    progress : bool, optional
    checkpoint_dir : path, optional
        Root of a resumable chunk store.
    executor : None, concurrent.futures.Executor or distributed.Client, default None
        Where the chunks run (one task per chunk of whole stream blocks; lower ``memory_budget`` for
        more, smaller tasks). None: in this process, as always. Otherwise any
        ``concurrent.futures.Executor`` (a process pool with a ``forkserver`` or ``spawn`` context,
        loky, ``mpi4py.futures``, a Dask client's ``get_executor()``) or a ``distributed.Client``;
        the executor is not shut down (docs/cluster.md). ``device`` is resolved here and used on the
        workers: on CPU workers pass ``device="cpu"``. Each task runs torch on one thread unless the
        worker's environment sets ``OMP_NUM_THREADS`` or ``MKL_NUM_THREADS``; the result equals the
        in-process one bit for bit when this process runs torch on one thread too
        (``sims._torch.run_chunks``).

    Returns
    -------
    GeluCollapseResult

    Raises
    ------
    TypeError
        When ``executor`` is not an executor.
    """
    torch = require_torch()
    lrs = _grid(lrs, "lrs", positive=True)
    noises = _grid(noises, "noises", positive=False)
    n_seeds = as_count(n_seeds, "n_seeds", maximum=10**6)
    n_steps = as_count(n_steps, "n_steps", minimum=0)
    n_samples = as_count(n_samples, "n_samples", maximum=10**6)
    batch_size = n_samples if batch_size is None else as_count(batch_size, "batch_size", maximum=10**6)
    momentum = _unit_interval(momentum, "momentum")
    init_scale = as_finite_scalar(init_scale, "init_scale")
    if not 0 < init_scale <= 1e4:
        # above 1e4 the start is within a few draws of the divergence norm 1e6: not a training run
        raise ValueError(f"init_scale must be in (0, 1e4]; got {init_scale}")
    record_every = as_count(record_every, "record_every")
    collapse_tol = as_finite_scalar(collapse_tol, "collapse_tol")
    if collapse_tol <= 0:
        raise ValueError(f"collapse_tol must be > 0; got {collapse_tol}")
    start_ratio = None if start_ratio is None else as_finite_scalar(start_ratio, "start_ratio")
    seed = as_seed(seed)
    dev, dt = resolve_device(device), resolve_dtype(dtype)
    total = lrs.size * noises.size * n_seeds
    check_work(total * n_steps * batch_size, "runs x n_steps x batch_size")
    executor = resolve_executor(executor)
    record = _record_steps(n_steps, record_every)
    plan = plan_chunks(total, 8 * 40 * max(batch_size, n_samples) + 8 * 16 * len(record), memory_budget, dev,
                       block=GELU_BLOCK)
    settings = dict(n_seeds=n_seeds, n_steps=n_steps, n_samples=n_samples, batch_size=batch_size, momentum=momentum,
                    init_scale=init_scale, record_every=record_every, start_ratio=start_ratio, seed=seed,
                    dtype=str(dtype), device=str(dev), teacher_w=TEACHER_W, teacher_a=TEACHER_A)
    store = _store(checkpoint_dir, "gelu_collapse",
                   dict(settings, lrs=lrs.tolist(), noises=noises.tolist(), device=None, per_chunk=plan.per_chunk))
    task_settings = dict(lrs=lrs.tolist(), noises=noises.tolist(), n_seeds=n_seeds, start_ratio=start_ratio,
                         n_steps=n_steps, record_every=record_every, n_samples=n_samples, batch_size=batch_size,
                         momentum=momentum, init_scale=init_scale, seed=seed, device=str(dev),
                         dtype="float64" if dt == torch.float64 else "float32")
    out = run_chunks(_gelu_task, plan, task_settings, executor=executor, store=store, desc="GELU collapse",
                     progress=progress)
    shape = (lrs.size, noises.size, n_seeds)
    diverged = out["diverged"].astype(bool).reshape(shape)
    dist_p = out["param_distance"].reshape(shape + (len(record),))
    collapsed = ~diverged & (np.nan_to_num(dist_p[..., -1], nan=np.inf) < collapse_tol)
    return GeluCollapseResult(lrs=lrs, noises=noises, steps=record, weight_distance=out["weight_distance"].reshape(
        shape + (len(record),)), param_distance=dist_p, final_loss=out["final_loss"].reshape(shape),
        diverged=diverged, collapsed=collapsed, collapse_tol=collapse_tol, effective_lrs=lrs / (1.0 - momentum),
        start_params=np.concatenate([out["start_w"], out["start_a"][..., None]], axis=-1).reshape(shape + (2, 3)),
        final_params=np.concatenate([out["final_w"], out["final_a"][..., None]], axis=-1).reshape(shape + (2, 3)),
        settings=settings)


# --------------------------------------------------------------------------------------------
# Part B: independent neurons of an MLP trained on scikit-learn's digits
# --------------------------------------------------------------------------------------------

@compact_repr
@dataclass(frozen=True)
class IndependentNeurons:
    r"""Vanishing, duplicated and independent neurons of one hidden layer (:func:`count_independent_neurons`).

    Attributes
    ----------
    width : int
        Neurons in the layer.
    vanishing : ndarray of bool, shape (width,)
        $\lVert\theta_j\rVert < \tau_v \max_k \lVert\theta_k\rVert$ with $\tau_v$ = ``vanish_tol``.
    cluster : ndarray of int, shape (width,)
        Cluster label of each surviving neuron (−1 for vanishing ones); duplicates share a label.
    n_independent : int
        Number of clusters of surviving neurons.
    fraction : float
        ``n_independent / width``.
    """

    width: int
    vanishing: np.ndarray
    cluster: np.ndarray
    n_independent: int
    fraction: float


def count_independent_neurons(w_in, b_in, w_out, *, vanish_tol: float = 0.1,
                              duplicate_tol: float = 0.1) -> IndependentNeurons:
    r"""Count the independent neurons of a hidden layer (Chen et al. 2023, Sec. 5).

    Neuron $j$'s parameter vector is $\theta_j$ = (``w_in[j, :]``, ``b_in[j]``, ``w_out[:, j]``): the invariant sets of
    Chen et al. 2023 are $\theta_j = 0$ (vanishing, sign-invariant for $\sigma(0) = 0$) and $\theta_j = \theta_k$
    (identical, permutation-invariant). With thresholds stated here (ours; Chen et al. use 0.1
    on normalised distances):

    - vanishing: $\lVert\theta_j\rVert$ < ``vanish_tol`` $\cdot \max_k \lVert\theta_k\rVert$;
    - duplicates: two surviving neurons with $\lVert\theta_j - \theta_k\rVert$ < ``duplicate_tol`` $\cdot \max(\lVert\theta_j\rVert, \lVert\theta_k\rVert)$;
    - independent neurons: the connected components of the duplicate relation among the
      surviving neurons (single linkage).

    Parameters
    ----------
    w_in : array of shape (width, n_in)
        Incoming weights (row j feeds neuron j).
    b_in : array of shape (width,)
        Biases.
    w_out : array of shape (n_out, width)
        Outgoing weights (column j leaves neuron j).
    vanish_tol, duplicate_tol : float, default 0.1
        Relative thresholds in (0, 1).

    Returns
    -------
    IndependentNeurons
    """
    w_in = as_finite_array(w_in, "w_in", ndim=2)
    width = w_in.shape[0]
    if width == 0:
        raise ValueError("w_in must have at least one row (neuron)")
    b_in = as_finite_array(b_in, "b_in", shape=(width,))
    w_out = as_finite_array(w_out, "w_out", ndim=2)
    if w_out.shape[1] != width:
        raise ValueError(f"w_out must have {width} columns (one per neuron of w_in); got shape {w_out.shape}")
    tols = []
    for name, tol in (("vanish_tol", vanish_tol), ("duplicate_tol", duplicate_tol)):
        tol = as_finite_scalar(tol, name)
        if not 0.0 < tol < 1.0:
            raise ValueError(f"{name} must be in (0, 1); got {tol}")
        tols.append(tol)
    vanish_tol, duplicate_tol = tols
    theta = np.concatenate([w_in, b_in[:, None], w_out.T], axis=1)
    norms = np.linalg.norm(theta, axis=1)
    top = norms.max()
    vanishing = norms < vanish_tol * top if top > 0 else np.ones(width, dtype=bool)
    alive = np.flatnonzero(~vanishing)
    parent = {int(j): int(j) for j in alive}

    def root(j):
        while parent[j] != j:
            parent[j] = parent[parent[j]]
            j = parent[j]
        return j

    if alive.size > 1:
        sub = theta[alive]
        dist = np.linalg.norm(sub[:, None, :] - sub[None, :, :], axis=-1)
        scale = np.maximum(norms[alive][:, None], norms[alive][None, :])
        for p, q in zip(*np.nonzero(np.triu(dist < duplicate_tol * scale, k=1))):
            parent[root(int(alive[p]))] = root(int(alive[q]))
    cluster = np.full(width, -1, dtype=int)
    labels: dict[int, int] = {}
    for j in alive:
        cluster[j] = labels.setdefault(root(int(j)), len(labels))
    return IndependentNeurons(width=width, vanishing=vanishing, cluster=cluster, n_independent=len(labels),
                              fraction=len(labels) / width)


def _load_digits(dtype_np=np.float64):
    """scikit-learn's digits (1797 images 8×8, shipped with the package): standardised inputs, labels."""
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:
        raise ImportError("mlp_independent_neurons_torch needs scikit-learn for its digits data set "
                          "(shipped with the package, nothing is downloaded): `pip install scikit-learn`, "
                          "or the extra `pip install -e \".[gpu]\"`") from exc
    data = load_digits()
    X = data.data.astype(dtype_np)
    X = (X - X.mean(0)) / np.where(X.std(0) > 0, X.std(0), 1.0)
    return X, data.target.astype(np.int64)


@compact_repr
@dataclass(frozen=True)
class MlpCollapseResult:
    r"""Independent neurons of GELU MLPs trained on digits (:func:`mlp_independent_neurons_torch`).

    Attributes
    ----------
    lrs : ndarray of shape (n_lr,)
    batch_sizes : ndarray of int, shape (n_batch,)
    noises : ndarray of shape (n_noise,)
        Label-noise scales $\zeta$ (one-hot target $+\ \zeta N(0, 1)$ per entry, fresh each step).
    fraction : ndarray of shape (n_lr, n_batch, n_noise, n_seeds, n_layers)
        Fraction of independent neurons per hidden layer (NaN where diverged).
    vanishing_fraction, duplicated_fraction : ndarray, same shape
        Fraction of vanishing neurons, and of surviving neurons that are not their cluster's first
        (so ``fraction = 1 - vanishing_fraction - duplicated_fraction``).
    train_accuracy, test_accuracy : ndarray of shape (n_lr, n_batch, n_noise, n_seeds)
    diverged : ndarray of bool, shape (n_lr, n_batch, n_noise, n_seeds)
    settings : dict
        Widths, steps, momentum, thresholds, split, seed, dtype and device.
    """

    lrs: np.ndarray
    batch_sizes: np.ndarray
    noises: np.ndarray
    fraction: np.ndarray
    vanishing_fraction: np.ndarray
    duplicated_fraction: np.ndarray
    train_accuracy: np.ndarray
    test_accuracy: np.ndarray
    diverged: np.ndarray
    settings: dict


def _mlp_chunk(torch, *, lo, hi, runs_lr, runs_noise, batch_size, X, labels, widths, n_steps, momentum, seed,
               device, dtype, block_offset):
    """Train networks lo … hi − 1 of one batch size; return their final weights and accuracies."""
    n_train = X.shape[0]
    n = hi - lo
    sizes = [X.shape[1], *widths, 10]
    gens, params = [], [[] for _ in range(2 * (len(sizes) - 1))]
    for start in range(lo, hi, MLP_BLOCK):
        stop = min(start + MLP_BLOCK, hi)
        g = block_generator(seed, block_offset + start // MLP_BLOCK, device)
        gens.append((g, stop - start))
        for li in range(len(sizes) - 1):
            fan_in = sizes[li]
            params[2 * li].append(torch.randn(stop - start, sizes[li + 1], fan_in, generator=g, dtype=dtype,
                                              device=device) / math.sqrt(fan_in))
            params[2 * li + 1].append(torch.zeros(stop - start, sizes[li + 1], dtype=dtype, device=device))
    params = [torch.cat(p) for p in params]
    vel = [torch.zeros_like(p) for p in params]
    eta = torch.as_tensor(runs_lr[lo:hi], dtype=dtype, device=device)
    zeta = torch.as_tensor(runs_noise[lo:hi], dtype=dtype, device=device)
    onehot = torch.nn.functional.one_hot(labels, 10).to(dtype)
    alive = torch.ones(n, dtype=torch.bool, device=device)
    for p in params:
        p.requires_grad_(True)

    def forward(ps, xb):
        h = xb
        for li in range(len(sizes) - 1):
            h = torch.baddbmm(ps[2 * li + 1][:, None, :], h, ps[2 * li].transpose(1, 2))
            if li < len(sizes) - 2:
                h = torch.nn.functional.gelu(h)
        return h

    for _ in range(n_steps):
        idx, eps = [], []
        for g, size in gens:
            idx.append(torch.randint(n_train, (size, batch_size), generator=g, device=device))
            eps.append(torch.randn(size, batch_size, 10, generator=g, dtype=dtype, device=device))
        idx, eps = torch.cat(idx), torch.cat(eps)
        target = onehot[idx] + zeta[:, None, None] * eps
        out = forward(params, X[idx])
        # sum over networks of each network's mean loss: the gradients are per network
        loss = (0.5 * ((out - target) ** 2).sum(-1).mean(-1)).sum()
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, v, g in zip(params, vel, grads):
                v.mul_(momentum).add_(g)
                p.sub_(eta.view(-1, *([1] * (p.dim() - 1))) * v)
            norm = torch.sqrt(sum((p**2).flatten(1).sum(1) for p in params))
            bad = ~torch.isfinite(norm) | (norm > DIVERGED_NORM)
            if bool(bad.any()):
                alive &= ~bad
                for p, v in zip(params, vel):
                    keep = alive.view(-1, *([1] * (p.dim() - 1)))
                    p.copy_(torch.where(keep, p, torch.zeros_like(p)))
                    v.copy_(torch.where(keep, v, torch.zeros_like(v)))
    return [p.detach() for p in params], alive


def _mlp_task(*, lo, hi, lrs, noises, batch_sizes, n_seeds, widths, n_steps, momentum, n_test, vanish_tol,
              duplicate_tol, seed, blocks_per_cell, device, dtype):
    """The task of :func:`mlp_independent_neurons_torch`: networks lo … hi − 1, rebuilt from plain settings.

    Items are (batch size, run) pairs, ``bi·per_cell + run``; a chunk never straddles two batch sizes.
    The digits data are loaded here (shipped with scikit-learn), the networks drawn from their blocks.
    """
    torch = require_torch()
    dev, dt = resolve_device(device), resolve_dtype(dtype)
    lrs, noises = np.asarray(lrs, dtype=np.float64), np.asarray(noises, dtype=np.float64)
    per_cell = lrs.size * noises.size * n_seeds
    bi = lo // per_cell
    lo, hi = lo - bi * per_cell, hi - bi * per_cell
    n_layers = len(widths)
    Xnp, ynp = _load_digits()
    n_train = Xnp.shape[0] - n_test
    X = torch.as_tensor(Xnp[:n_train], dtype=dt, device=dev)
    y = torch.as_tensor(ynp[:n_train], device=dev)
    Xt = torch.as_tensor(Xnp[n_train:], dtype=dt, device=dev)
    yt = torch.as_tensor(ynp[n_train:], device=dev)
    runs_lr = np.repeat(lrs, noises.size * n_seeds)
    runs_noise = np.tile(np.repeat(noises, n_seeds), lrs.size)
    params, alive = _mlp_chunk(torch, lo=lo, hi=hi, runs_lr=runs_lr, runs_noise=runs_noise,
                               batch_size=int(batch_sizes[bi]), X=X, labels=y, widths=tuple(widths), n_steps=n_steps,
                               momentum=momentum, seed=seed, device=dev, dtype=dt, block_offset=bi * blocks_per_cell)
    ok = alive.cpu().numpy()
    ps = [p.cpu().numpy() for p in params]
    frac = np.full((hi - lo, n_layers), np.nan)
    van = np.full((hi - lo, n_layers), np.nan)
    dup = np.full((hi - lo, n_layers), np.nan)
    for r in np.flatnonzero(ok):
        for li in range(n_layers):
            c = count_independent_neurons(ps[2 * li][r], ps[2 * li + 1][r], ps[2 * li + 2][r],
                                          vanish_tol=vanish_tol, duplicate_tol=duplicate_tol)
            frac[r, li] = c.fraction
            van[r, li] = c.vanishing.mean()
            dup[r, li] = 1.0 - van[r, li] - c.fraction
    accs = []
    with torch.no_grad():
        for xs, ys in ((X, y), (Xt, yt)):
            h = xs.expand(hi - lo, *xs.shape)
            for li in range(n_layers + 1):
                h = torch.baddbmm(params[2 * li + 1][:, None, :], h, params[2 * li].transpose(1, 2))
                if li < n_layers:
                    h = torch.nn.functional.gelu(h)
            accs.append((h.argmax(-1) == ys).to(torch.float64).mean(-1).cpu().numpy())
    return {"fraction": frac, "vanishing": van, "duplicated": dup, "diverged": ~ok,
            "train_accuracy": np.where(ok, accs[0], np.nan), "test_accuracy": np.where(ok, accs[1], np.nan)}


def mlp_independent_neurons_torch(lrs=(0.005, 0.01, 0.02, 0.05), batch_sizes=(8, 32, 128), noises=(0.0, 1.0), *,
                                  n_seeds: int = 2,
                                  widths=(32, 32), n_steps: int = 1500, momentum: float = 0.9, n_test: int = 297,
                                  vanish_tol: float = 0.1, duplicate_tol: float = 0.1, seed: int = 0, device="auto",
                                  dtype="float64", memory_budget="auto", progress=None,
                                  checkpoint_dir=None, executor=None) -> MlpCollapseResult:
    r"""Fraction of independent neurons per hidden layer of GELU MLPs trained on digits.

    Chen et al. 2023 (arXiv 2306.04251), Sec. 5 (Fig. 4: fraction of independent neurons against
    learning rate and batch size, in VGG-16 and ResNet-18 on CIFAR); docs/sgd_stability.md#at-scale-torch-bridge.
    Here: scikit-learn's digits (1797 8×8 images, standardised; the last ``n_test`` held out),
    an MLP 64 → widths → 10 with exact GELU and default init $N(0, 1/\text{fan-in})$, zero biases; loss
    $\tfrac12\operatorname{mean}_\text{batch} \lVert f(x) - (e_y + \zeta\varepsilon)\rVert^2$ (one-hot targets with Gaussian label noise, fresh each step);
    heavy-ball momentum SGD with batches drawn with replacement. After training each hidden
    layer is counted by :func:`count_independent_neurons`. The package's theory has no
    prediction for this network: the figure reports the measured trend.

    Parameters
    ----------
    lrs : array of float
        Learning rates $\eta > 0$.
    batch_sizes : array of int
        Batch sizes (>= 1).
    noises : array of float
        Label-noise scales $\zeta \ge 0$.
    n_seeds : int, default 2
        Networks per cell.
    widths : sequence of int, default (32, 32)
        Hidden-layer widths.
    n_steps : int, default 1500
    momentum : float, default 0.9
    n_test : int, default 297
        Held-out images (the rest train), 1 … 1796.
    vanish_tol, duplicate_tol : float, default 0.1
        Thresholds of :func:`count_independent_neurons`.
    seed : int, default 0
    device, dtype, memory_budget, progress, checkpoint_dir
        As for :func:`gelu_collapse_torch`.
    executor : None, concurrent.futures.Executor or distributed.Client, default None
        As for :func:`gelu_collapse_torch`: one task per chunk of whole stream blocks of one batch
        size, all batch sizes in one sweep; the workers need scikit-learn (its digits data set).

    Returns
    -------
    MlpCollapseResult

    Raises
    ------
    ImportError
        Without scikit-learn (how to install it is in the message).
    TypeError
        When ``executor`` is not an executor.
    """
    torch = require_torch()
    lrs = _grid(lrs, "lrs", positive=True)
    noises = _grid(noises, "noises", positive=False)
    bs = np.asarray(batch_sizes, dtype=object).reshape(-1)
    if bs.size == 0:
        raise ValueError("batch_sizes must not be empty")
    batch_sizes = np.array([as_count(b, "batch_sizes", maximum=10**5) for b in bs], dtype=int)
    n_seeds = as_count(n_seeds, "n_seeds", maximum=10**5)
    ws = np.asarray(widths, dtype=object).reshape(-1)
    if ws.size == 0:
        raise ValueError("widths must name at least one hidden layer")
    widths = tuple(as_count(w, "widths", minimum=2, maximum=10**5) for w in ws)
    n_steps = as_count(n_steps, "n_steps", minimum=0)
    momentum = _unit_interval(momentum, "momentum")
    n_test = as_count(n_test, "n_test", maximum=1796)
    for name, tol in (("vanish_tol", vanish_tol), ("duplicate_tol", duplicate_tol)):
        tol = as_finite_scalar(tol, name)
        if not 0.0 < tol < 1.0:
            raise ValueError(f"{name} must be in (0, 1); got {tol}")
    seed = as_seed(seed)
    dev, dt = resolve_device(device), resolve_dtype(dtype)
    n_params = sum(a * b + b for a, b in zip([64, *widths], [*widths, 10]))
    per_cell = lrs.size * noises.size * n_seeds
    check_work(per_cell * n_steps * int(batch_sizes.sum()) * n_params, "networks x n_steps x batch x parameters")
    executor = resolve_executor(executor)
    n_train = _load_digits()[0].shape[0] - n_test          # fails here, not on a worker, without scikit-learn
    blocks_per_cell = -(-per_cell // MLP_BLOCK)
    settings = dict(widths=widths, n_steps=n_steps, momentum=momentum, n_test=n_test, n_train=n_train,
                    vanish_tol=float(vanish_tol), duplicate_tol=float(duplicate_tol), n_seeds=n_seeds, seed=seed,
                    dtype=str(dtype), device=str(dev))
    n_layers = len(widths)
    # one sweep over (batch size, run) items: each batch size's runs are cut into chunks of whole blocks
    # that fit the budget (activations of every layer for a batch, forward and backward, plus
    # parameters and momenta); no chunk straddles two batch sizes
    bounds = []
    for bi, b in enumerate(batch_sizes):
        per_net = 8 * (4 * int(b) * (64 + 2 * sum(widths) + 10) + 4 * n_params)
        plan = plan_chunks(per_cell, per_net, memory_budget, dev, block=MLP_BLOCK)
        bounds += [(bi * per_cell + lo, bi * per_cell + hi) for lo, hi in plan.bounds]
    sweep = ChunkPlan(total=batch_sizes.size * per_cell, per_chunk=max(hi - lo for lo, hi in bounds),
                      block=MLP_BLOCK, bounds=tuple(bounds))
    store = _store(checkpoint_dir, "mlp_collapse", dict(settings, lrs=lrs.tolist(), noises=noises.tolist(),
                                                        batch_sizes=batch_sizes.tolist(), device=None, chunks=bounds))
    task_settings = dict(lrs=lrs.tolist(), noises=noises.tolist(), batch_sizes=batch_sizes.tolist(), n_seeds=n_seeds,
                         widths=list(widths), n_steps=n_steps, momentum=momentum, n_test=n_test,
                         vanish_tol=float(vanish_tol), duplicate_tol=float(duplicate_tol), seed=seed,
                         blocks_per_cell=blocks_per_cell, device=str(dev),
                         dtype="float64" if dt == torch.float64 else "float32")
    out = run_chunks(_mlp_task, sweep, task_settings, executor=executor, store=store, desc="MLP collapse",
                     progress=progress)
    cell = (lrs.size, noises.size, n_seeds)

    def stack(key, extra=()):
        # (n_batch·n_lr·n_noise·n_seeds, ...) → (n_lr, n_batch, n_noise, n_seeds, ...)
        return np.ascontiguousarray(np.moveaxis(out[key].reshape((batch_sizes.size,) + cell + extra), 0, 1))

    return MlpCollapseResult(lrs=lrs, batch_sizes=batch_sizes, noises=noises,
                             fraction=stack("fraction", (n_layers,)), vanishing_fraction=stack("vanishing", (n_layers,)),
                             duplicated_fraction=stack("duplicated", (n_layers,)),
                             train_accuracy=stack("train_accuracy"), test_accuracy=stack("test_accuracy"),
                             diverged=stack("diverged").astype(bool), settings=settings)
