r"""NTP at vocabulary scale on the torch bridge: full-batch GD on the linear next-token model.

The same gradient descent as :func:`sims.ntp.gradient_descent` (Thrampoulidis 2024, §2, Lemma 2
and Theorem 2; docs/ntp.md#gradient-descent-and-theorem-2),

$$W_{k+1} = W_k - \eta\,(S(W_kH) - P)\,\Pi H^\top,$$

with the residual $S - P$ formed without cancellation exactly as the numba kernel forms it
(stable softmax per context; on the support $s_z - p_z = p_z\,\mathrm{expm1}(\log s_z - \log p_z)$,
or $-s_z\,\mathrm{expm1}(\log p_z - \log s_z)$ when $s_z > p_z$; off it $e_v/Z$), contexts
processed in chunks that fit the memory budget. The step is written once, in
``sims/ntp/_torch_core.py``, and shared with the torch core of the engine
(``sims.ntp.gradient_descent(..., backend="torch")``); this module adds the chunking, the
device-side metrics, the closed-form targets and the resumable checkpoints. The checkpoint metrics (:class:`NTPHistory`)
are computed on the device as the run passes each checkpoint, so no state is recorded.

Targets: for orthonormal embeddings ($H^\top H = I_m$, e.g.
``theory.ntp.random_instance(..., embeddings="orthonormal")``) the closed forms
$W^{mm} = \tilde S H^\top$ (``theory.ntp.centered_support``) and $W^\star = L^{in}H^\top$
(``theory.ntp.centered_log_probabilities``), and $P_F W = C\,H^\top$ with $C_{:,j}$ the vector
$W\bar h_j$ restricted to $S_j$ and centred there (docs/ntp.md#orthonormal-embeddings): no convex
program and no $(\sum_j |S_j|) \times Vd$ SVD, so $V = 10^4$ and beyond run. For other embeddings
the targets come from the same theory functions as the numba path (``max_margin``,
``finite_solution`` and the basis of F of ``sims.ntp._history``), which limits the size.

Agreement with the numba path: every step performs the same float64 operations, except that the
sums inside the two matrix products ($WH$ over d, $R\Pi H^\top$ over contexts) and the softmax
normaliser (over V) are reduced in BLAS / torch order instead of ascending order, so W after k
steps agrees to a few ulps times the amplification of k contracting GD steps (tests: 1e-12
relative).
"""

from __future__ import annotations

import math

import numpy as np

from theory.validate import check_work

from .._torch import dtype_eps, plan_chunks, require_torch, resolve_device, resolve_dtype
from ._history import NTPHistory, NTPRun, _problem, _step_size_note
from ._torch_core import FullBatchStep, OptimizerState
from ._train_kernels import GD

__all__ = ["gradient_descent_torch", "is_orthonormal"]

#: H is treated as orthonormal when max |HᵀH − I| is below this many float64 eps times m.
_ORTHO_ULPS = 64.0


def is_orthonormal(H) -> bool:
    r"""Whether the columns of ``H`` are orthonormal ($\max|H^\top H - I| \le 64\,m\,\epsilon$).

    Parameters
    ----------
    H : array of shape (d, m)
        Context embeddings.

    Returns
    -------
    bool
        True when the closed forms of docs/ntp.md#orthonormal-embeddings apply.
    """
    H = np.asarray(H, dtype=np.float64)
    if H.ndim != 2:
        raise ValueError(f"H must be a 2-D array (d, m); got shape {H.shape}")
    m = H.shape[1]
    gram = H.T @ H
    return bool(np.max(np.abs(gram - np.eye(m))) <= _ORTHO_ULPS * m * np.finfo(np.float64).eps)


class _Targets:
    """W^mm, W⋆ and P_F on the device: closed forms (orthonormal H) or the numba path's theory targets."""

    def __init__(self, prob, torch, dev, dt, orthonormal: bool):
        from theory.ntp import centered_log_probabilities, centered_support, is_degenerate

        self.torch, self.orthonormal = torch, orthonormal
        self.notes = []
        H = prob.H
        if orthonormal:
            Ht = torch.as_tensor(H.T, device=dev, dtype=dt)
            if is_degenerate(prob.support):
                self.W_mm = None
                self.notes.append("no W^mm (corr_max_margin and corr_offset_max_margin are None): every support "
                                  "is the whole vocabulary")
            else:
                self.W_mm = torch.as_tensor(centered_support(prob.support), device=dev, dtype=dt) @ Ht
            # orthonormal H of rank m is always compatible (Lemma 1): W⋆ = L^in Hᵀ
            self.W_star = torch.as_tensor(centered_log_probabilities(prob.P), device=dev, dtype=dt) @ Ht
            self.S = torch.as_tensor(prob.support, device=dev)
            self.size = self.S.sum(dim=0).to(dt)
            self.H = torch.as_tensor(H, device=dev, dtype=dt)
            self.Ht = Ht
        else:
            from ._history import _basis_F, _targets

            V, d = prob.W0.shape
            rows = int(prob.support.sum()) - prob.support.shape[1]
            check_work(max(rows, 1) * V * d, "(Σ_j |S_j| − m)·V·d (the basis of F for non-orthonormal H)",
                       why="memory; use orthonormal embeddings, whose targets are closed forms")
            W_mm, W_star, notes = _targets(prob)
            self.notes += notes
            self.W_mm = None if W_mm is None else torch.as_tensor(W_mm, device=dev, dtype=dt)
            self.W_star = None if W_star is None else torch.as_tensor(W_star, device=dev, dtype=dt)
            self.Q = torch.as_tensor(_basis_F(H, prob.support), device=dev, dtype=dt)

    def project_F(self, W):
        torch = self.torch
        if self.orthonormal:
            C = torch.where(self.S, W @ self.H, 0.0)            # W h_j on S_j
            C = C - self.S * (C.sum(dim=0) / self.size)         # centred on S_j
            return C @ self.Ht
        return (self.Q.T @ (self.Q @ W.reshape(-1))).reshape(W.shape)

    def numpy(self, T):
        return None if T is None else T.detach().cpu().numpy().astype(np.float64)


def _corr(torch, A, B) -> float:
    na, nb = torch.linalg.norm(A), torch.linalg.norm(B)
    if float(na) == 0.0 or float(nb) == 0.0:
        return 0.0                                           # a zero matrix has no direction
    return float(torch.sum(A * B) / (na * nb))


def _store(checkpoint_dir, prob, dt, dev, plan):
    """The run's ChunkStore (one state file: W at the last checkpoint and the history so far), or None."""
    import hashlib
    import os

    from .._torch import ChunkStore

    if checkpoint_dir is None:
        return None
    if not isinstance(checkpoint_dir, (str, os.PathLike)):
        raise ValueError(f"checkpoint_dir must be a path or None; got {type(checkpoint_dir).__name__}")
    digest = hashlib.sha256()
    for a in (prob.H, prob.P, prob.pi, prob.W0, prob.checkpoints):
        digest.update(np.ascontiguousarray(a).tobytes())
    return ChunkStore(checkpoint_dir, "ntp_gd_torch", dict(
        data=digest.hexdigest()[:16], lr=prob.lr, steps=prob.steps, dtype=str(dt), device=dev.type,
        contexts_per_chunk=plan.per_chunk))


def gradient_descent_torch(H, P, pi, lr, steps, W0=None, checkpoints=None, *, device="auto", dtype="float64",
                           memory_budget="auto", progress=None, checkpoint_dir=None) -> NTPRun:
    r"""Full-batch GD on the NTP cross-entropy on the torch bridge (vocabulary scale).

    $$W_{k+1} = W_k - \eta\,\nabla CE(W_k), \qquad \nabla CE(W) = (S(WH) - P)\,\Pi H^\top,$$

    the run of :func:`sims.ntp.gradient_descent` (same arguments, same :class:`NTPRun` and
    history metrics), with contexts processed in chunks within ``memory_budget``. Theorem 2 of
    Thrampoulidis (2024): on separable and compatible data $W_k/\|W_k\| \to W^{mm}/\|W^{mm}\|$
    and $P_F W_k \to W^\star$ (docs/ntp.md#gradient-descent-and-theorem-2). For orthonormal
    embeddings $W^{mm}$, $W^\star$ and $P_F$ are the closed forms of
    docs/ntp.md#orthonormal-embeddings; otherwise the numba path's theory targets.

    Parameters
    ----------
    H : array of shape (d, m)
        Context embeddings $\bar h_j$ (columns).
    P : array of shape (V, m)
        Next-token distributions $\hat p_j$ (columns sum to 1; the support is ``P > 0``).
    pi : array of shape (m,)
        Context frequencies $\hat\pi_j > 0$, summing to 1.
    lr : float
        Step size $\eta > 0$.
    steps : int
        Number of updates (>= 0).
    W0 : array of shape (V, d), optional
        Initial decoder (default zero).
    checkpoints : array of int, optional
        Strictly increasing steps in [0, ``steps``] (default: about 40 log-spaced steps,
        :func:`sims.ntp.default_checkpoints`).
    device : {"auto", "cpu", "cuda", "cuda:N"}, default "auto"
        Where the run happens.
    dtype : {"float64", "float32"}, default "float64"
        float32 is opt-in: the residual near the entropy bound and the metrics keep about 7
        digits, so the excess loss floors near $10^{-7}$ and the direction near
        $1 - \mathrm{corr} \approx 10^{-7}$.
    memory_budget : int or "auto", default "auto"
        Bytes for the per-chunk work arrays (logits and residual of a chunk of contexts).
    progress : bool, optional
        Progress bar over the steps (None: only on a terminal).
    checkpoint_dir : path, optional
        Directory where W and the history are saved at every checkpoint (one file, replaced
        atomically, in a subdirectory named by the run's arguments); a rerun with the same
        arguments resumes from the last saved checkpoint.

    Returns
    -------
    NTPRun
        As :func:`sims.ntp.gradient_descent`; ``W``, ``W_mm``, ``W_star`` are float64 NumPy arrays.

    Raises
    ------
    ValueError
        Naming the argument: invalid data, lr <= 0, bad ``steps``, ``W0``, ``checkpoints``,
        ``device``, ``dtype`` or ``memory_budget``; a run too large to finish.
    ImportError
        Without torch (with the install command).

    References
    ----------
    Thrampoulidis (2024), "Implicit Optimization Bias of Next-Token Prediction in Linear
    Models", arXiv 2402.18551, Lemma 2 and Theorem 2 (docs/ntp.md#gradient-descent-and-theorem-2).
    """
    from tqdm.auto import tqdm

    from theory.ntp import entropy, excess_loss

    torch = require_torch()
    if progress is not None and not isinstance(progress, (bool, np.bool_)):
        raise ValueError(f"progress must be a bool or None; got {type(progress).__name__}")
    dev = resolve_device(device)
    dt = resolve_dtype(dtype)
    prob = _problem(H, P, pi, lr, steps, W0, checkpoints, full_batch=True)
    V, d = prob.W0.shape
    m = prob.H.shape[1]
    itemsize = 8 if dt == torch.float64 else 4
    # per context: logits, exp, residual and the masks' temporaries, ~6 V-vectors
    plan = plan_chunks(m, 6 * V * itemsize, memory_budget, dev, block=1)
    ortho = is_orthonormal(prob.H)
    targets = _Targets(prob, torch, dev, dt, ortho)

    step = FullBatchStep(torch, prob.H, prob.P, prob.logP, prob.support, prob.pi, dev, dt, plan.bounds)
    W = torch.as_tensor(prob.W0, device=dev, dtype=dt).clone()
    opt = OptimizerState(torch, W, GD, prob.lr)

    cp = prob.checkpoints
    rows = {k: [] for k in ("loss", "norm", "corr", "off", "ferr", "perp")}

    def record(W):
        F = targets.project_F(W)
        # the theory's cancellation-free KL on the host, as the numba path (digits near the bound)
        rows["loss"].append(float(excess_loss(W.detach().cpu().numpy().astype(np.float64), prob.H, prob.P, prob.pi)))
        rows["norm"].append(float(torch.linalg.norm(W)))
        rows["perp"].append(float(torch.linalg.norm(W - F)))
        if targets.W_mm is not None:
            rows["corr"].append(_corr(torch, W, targets.W_mm))
        if targets.W_star is not None:
            rows["ferr"].append(float(torch.linalg.norm(F - targets.W_star)))
            if targets.W_mm is not None:
                rows["off"].append(_corr(torch, W - targets.W_star, targets.W_mm))

    import sys
    disable = (not sys.stderr.isatty()) if progress is None else not bool(progress)
    diverged, diverged_at, r, start = False, -1, 0, 0
    store = _store(checkpoint_dir, prob, dt, dev, plan)
    if store is not None and store.has(0):                 # resume from the last saved checkpoint
        state = store.load(0)
        W = torch.as_tensor(state["W"], device=dev, dtype=dt)
        r, start = int(state["r"]), int(state["step"])
        for key in rows:
            rows[key] = state[key].tolist()
    with torch.no_grad(), tqdm(total=prob.steps, initial=start, desc="ntp GD (torch)", disable=disable,
                               unit="step") as bar:
        Ls = step.logits(W)
        if Ls is None:
            diverged, diverged_at = True, start
        else:
            for s in range(start, prob.steps + 1):
                if r < cp.size and cp[r] == s:
                    record(W)
                    r += 1
                    if store is not None:                  # atomic overwrite: W and the history so far
                        store.save(0, {"W": W.cpu().numpy(), "r": np.array(r), "step": np.array(s),
                                       **{k: np.asarray(v, dtype=np.float64) for k, v in rows.items()}})
                if s == prob.steps:
                    break
                Wn = opt.update(W, step.gradient(Ls))
                Ln = step.logits(Wn)                       # None: not finite, or logits beyond the limit
                if Ln is None:
                    diverged, diverged_at = True, s + 1
                    break
                W, Ls = Wn, Ln
                bar.update(1)

    notes = list(_step_size_note(prob)) + targets.notes
    arr = {k: np.asarray(v, dtype=np.float64) for k, v in rows.items()}
    finite = [a for k, a in arr.items() if a.size or k in ("loss", "norm", "perp")]
    bad = ~np.all([np.isfinite(a) for a in finite], axis=0) if r else np.zeros(0, bool)
    if bad.any():                                               # no silent NaN in the history
        keep = int(np.argmax(bad))
        diverged, diverged_at = True, int(cp[keep])
        notes.append(f"metrics not finite at step {int(cp[keep])}: history stops there")
        arr = {k: a[:keep] if a.size else a for k, a in arr.items()}
        r = keep
    if diverged and diverged_at == 0:
        notes.append("diverged: W0 gives logits beyond the dtype's limit; no step was taken")
    elif diverged:
        notes.append(f"diverged: the update of step {diverged_at} gave non-finite W or logits beyond the "
                     "dtype's limit; W is the last valid state")
    if dt == torch.float32:
        notes.append(f"float32: metrics carry about {-math.log10(dtype_eps(dt)):.0f} significant digits")
    history = NTPHistory(steps=cp[:r].copy(), excess_loss=arr["loss"], norm=arr["norm"],
                         corr_max_margin=arr["corr"] if targets.W_mm is not None else None,
                         corr_offset_max_margin=(arr["off"] if targets.W_mm is not None and targets.W_star is not None
                                                 else None),
                         finite_error=arr["ferr"] if targets.W_star is not None else None,
                         norm_perp=arr["perp"])
    return NTPRun(W=W.detach().cpu().numpy().astype(np.float64), history=history, diverged=diverged,
                  diverged_at=diverged_at, notes="; ".join(notes), optimizer="gd", lr=prob.lr,
                  entropy=float(entropy(prob.P, prob.pi)), W_mm=targets.numpy(targets.W_mm),
                  W_star=targets.numpy(targets.W_star))

