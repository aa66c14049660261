r"""Results, checkpoints, validation and checkpoint metrics of the NTP training runs.

Shared by the optimisers of ``_train`` (numba) and ``_logistic``: the result dataclasses, the
log-spaced checkpoints, the validated problem handed to a core, and the metrics computed from
the recorded states once the core returns, with $W^{mm}$ (``theory.ntp.max_margin``) and
$W^\star$ (``theory.ntp.finite_solution``) computed once per call and $P_F$ factored once
(Thrampoulidis 2024, Theorem 2; docs/ntp.md#gradient-descent-and-theorem-2). No numba here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from theory.summary import compact_repr
from theory.validate import MAX_ENTRIES, as_count, as_finite_array, as_finite_scalar, as_positive_scalar, check_work

__all__ = ["NTPHistory", "NTPRun", "default_checkpoints"]

_N_CHECKPOINTS = 40


@compact_repr
@dataclass(frozen=True)
class NTPHistory:
    r"""Metrics of an NTP training run at its checkpoints (docs/ntp.md#gradient-descent-and-theorem-2).

    Attributes
    ----------
    steps : ndarray of int64, shape (R,)
        Checkpoints reached (state after that many updates; 0 is ``W0``). A run that diverged
        stops at its last valid checkpoint.
    excess_loss : ndarray of shape (R,)
        $CE(W_k) - \mathcal H = \sum_j \hat\pi_j\,\mathrm{KL}(\hat p_j\,\|\,S(W_k\bar h_j)) \ge 0$.
    norm : ndarray of shape (R,)
        $\|W_k\|$ (Frobenius).
    corr_max_margin : ndarray of shape (R,) or None
        $\mathrm{corr}(W_k, W^{mm}) = \langle W_k, W^{mm}\rangle/(\|W_k\|\|W^{mm}\|)$ (0 where
        $W_k = 0$); None when the data are not NTP-separable.
    corr_offset_max_margin : ndarray of shape (R,) or None
        $\mathrm{corr}(W_k - W^\star, W^{mm})$, the finite-k measure of direction (0 where
        $W_k = W^\star$); None unless the data are both separable and compatible.
    finite_error : ndarray of shape (R,) or None
        $\|P_F W_k - W^\star\|$; None when the data are not NTP$_\mathcal{H}$-compatible.
    norm_perp : ndarray of shape (R,)
        $\|P_\perp W_k\|$, the part of $W_k$ orthogonal to the subspace F.
    """

    steps: np.ndarray
    excess_loss: np.ndarray
    norm: np.ndarray
    corr_max_margin: np.ndarray | None
    corr_offset_max_margin: np.ndarray | None
    finite_error: np.ndarray | None
    norm_perp: np.ndarray


@compact_repr
@dataclass(frozen=True)
class NTPRun:
    r"""Result of an NTP training run.

    Attributes
    ----------
    W : ndarray of shape (V, d)
        Final decoder (the last valid state if the run diverged).
    history : NTPHistory
        Checkpoint metrics.
    diverged : bool
        W became non-finite or a logit exceeded 1e300 in absolute value, where the loss
        overflows (e.g. an absurd step size); the run stopped at the last valid state.
    diverged_at : int
        Step whose update would have produced the invalid state (−1 if never).
    notes : str
        Why some metrics are None (data not separable / not compatible), step-size warnings;
        empty when there is nothing to say.
    optimizer : str
        ``"gd"``, ``"ngd"``, ``"momentum"``, ``"adam"`` or ``"sgd"``.
    lr : float
        Step size.
    entropy : float
        The entropy lower bound $\mathcal H$ of the loss.
    W_mm : ndarray of shape (V, d) or None
        The NTP-SVM solution $W^{mm}$ the correlations use (None when not separable).
    W_star : ndarray of shape (V, d) or None
        The finite solution $W^\star$ in F (None when not compatible).
    """

    W: np.ndarray
    history: NTPHistory
    diverged: bool
    diverged_at: int
    notes: str
    optimizer: str
    lr: float
    entropy: float
    W_mm: np.ndarray | None
    W_star: np.ndarray | None


# --------------------------------------------------------------------------------------------
# validation and set-up shared by the drivers
# --------------------------------------------------------------------------------------------

def default_checkpoints(steps: int, n: int = _N_CHECKPOINTS) -> np.ndarray:
    """About ``n`` log-spaced checkpoints in [0, ``steps``], including 0 and ``steps``.

    Parameters
    ----------
    steps : int
        Number of updates (>= 0).
    n : int, default 40
        Target number of checkpoints (>= 2); fewer when ``steps`` is small (duplicates merged).

    Returns
    -------
    ndarray of int64
        Strictly increasing step indices.
    """
    steps = as_count(steps, "steps", minimum=0)
    n = as_count(n, "n", minimum=2, maximum=MAX_ENTRIES)
    if steps == 0:
        return np.zeros(1, dtype=np.int64)
    k = np.rint(np.logspace(0.0, math.log10(steps), n - 1)).astype(np.int64)
    return np.unique(np.concatenate([[0], k, [steps]])).astype(np.int64)


def _as_checkpoints(checkpoints, steps: int) -> np.ndarray:
    if checkpoints is None:
        return default_checkpoints(steps)
    if isinstance(checkpoints, (str, bytes)):
        raise ValueError("checkpoints must be a 1-D array of integers")
    cp = np.atleast_1d(np.asarray(checkpoints))
    if cp.ndim != 1 or cp.size == 0 or not np.issubdtype(cp.dtype, np.integer) or cp.dtype == np.bool_:
        raise ValueError(f"checkpoints must be a non-empty 1-D array of integers; got {cp.dtype} of shape {cp.shape}")
    if cp[0] < 0 or cp[-1] > steps or np.any(np.diff(cp) <= 0):
        raise ValueError(f"checkpoints must be strictly increasing integers in [0, steps = {steps}]")
    check_work(cp.size, "len(checkpoints)", maximum=MAX_ENTRIES, why="memory")
    return cp.astype(np.int64)


@dataclass(frozen=True)
class _Problem:
    data: object
    H: np.ndarray
    Ht: np.ndarray
    P: np.ndarray
    logP: np.ndarray
    support: np.ndarray
    pi: np.ndarray
    W0: np.ndarray
    lr: float
    steps: int
    checkpoints: np.ndarray


def _problem(H, P, pi, lr, steps, W0, checkpoints, full_batch: bool) -> _Problem:
    from theory.ntp import as_data

    data = as_data(H, P, pi)
    V, d, m = data.V, data.d, data.m
    lr = as_positive_scalar(lr, "lr")
    steps = as_count(steps, "steps", minimum=0)
    per_step = 2 * V * d * (m if full_batch else 1)      # two products of the logits and gradient
    check_work(steps * per_step, "steps * 2·V·d·m (steps * 2·V·d for one context per step)")
    if W0 is None:
        W0 = np.zeros((V, d))
    else:
        W0 = as_finite_array(W0, "W0", shape=(V, d)).copy()
    cp = _as_checkpoints(checkpoints, steps)
    check_work(cp.size * V * d, "len(checkpoints) * V * d (recorded entries)", maximum=MAX_ENTRIES,
               why="memory; record fewer checkpoints")
    support = np.ascontiguousarray(data.support, dtype=np.bool_)
    Pc = np.ascontiguousarray(data.P, dtype=np.float64)
    logP = np.zeros_like(Pc)
    logP[support] = np.log(Pc[support])
    Hc = np.ascontiguousarray(data.H, dtype=np.float64)
    return _Problem(data=data, H=Hc, Ht=np.ascontiguousarray(Hc.T), P=Pc, logP=logP, support=support,
                    pi=np.ascontiguousarray(data.pi, dtype=np.float64), W0=np.ascontiguousarray(W0),
                    lr=lr, steps=steps, checkpoints=cp)


def _as_beta(x, name: str) -> float:
    x = as_finite_scalar(x, name)
    if not 0.0 <= x < 1.0:
        raise ValueError(f"{name} must lie in [0, 1); got {x}")
    return x


def _corr(A: np.ndarray, B: np.ndarray) -> float:
    na, nb = np.linalg.norm(A), np.linalg.norm(B)
    if na == 0.0 or nb == 0.0:
        return 0.0                                   # a zero matrix has no direction
    return float(np.vdot(A, B) / (na * nb))


def _targets(prob: _Problem):
    """(W^mm or None, W⋆ or None, notes) for the data, computed once per call."""
    from theory.ntp import CertificateError, compatibility_residual, finite_solution, is_compatible, max_margin

    notes = []
    try:
        try:
            W_mm = max_margin(prob.H, prob.support)
        except CertificateError:                     # the fast method's budget: the certified primal decides
            W_mm = max_margin(prob.H, prob.support, method="primal")
        W_mm = np.asarray(W_mm, dtype=np.float64)
    except (ValueError, CertificateError) as exc:    # NotSeparableError, the degenerate case, no certificate
        W_mm = None
        notes.append(f"no W^mm (corr_max_margin and corr_offset_max_margin are None): {exc}")
    if is_compatible(prob.H, prob.P):
        W_star = np.asarray(finite_solution(prob.H, prob.P), dtype=np.float64)
    else:
        W_star = None
        notes.append("data not NTP_H-compatible (log-odds residual "
                     f"{compatibility_residual(prob.H, prob.P):.3g}): finite_error and "
                     "corr_offset_max_margin are None")
    return W_mm, W_star, notes


def _basis_F(H: np.ndarray, support: np.ndarray) -> np.ndarray:
    r"""Orthonormal basis (rows) of $F = \mathrm{span}\{(e_z - e_{a_j})\bar h_j^\top\}$, row-major vec.

    The same subspace as ``theory.ntp.project_F`` (anchor $a_j$ = first token of $S_j$, SVD with
    the rank cut $\max(K, Vd)\,\epsilon\,s_1$), factored once per run so that the ~40 checkpoints
    cost one SVD instead of one each (tests/sims/test_ntp_train.py checks the two agree).
    """
    V, m = support.shape
    d = H.shape[0]
    rows = []
    for j in range(m):
        tokens = np.flatnonzero(support[:, j])
        for z in tokens[1:]:
            u = np.zeros(V)
            u[z], u[tokens[0]] = 1.0, -1.0
            rows.append(np.outer(u, H[:, j]).ravel())
    if not rows:
        return np.zeros((0, V * d))
    A = np.array(rows)
    _, sv, Vt = np.linalg.svd(A, full_matrices=False)
    rank = int(np.sum(sv > max(A.shape) * np.finfo(float).eps * sv[0]))
    return Vt[:rank]


def _finish(prob: _Problem, out, optimizer: str, extra_notes=()) -> NTPRun:
    """Checkpoint metrics from the recorded states; assemble the result."""
    from theory.ntp import entropy, excess_loss

    rec, n_rec, diverged, diverged_at, W = out
    diverged, diverged_at = bool(diverged), int(diverged_at)
    W_mm, W_star, notes = _targets(prob)
    notes = list(extra_notes) + notes
    states = rec[:n_rec]
    H, P, pi, S = prob.H, prob.P, prob.pi, prob.support
    loss = np.array([excess_loss(Wk, H, P, pi) for Wk in states], dtype=np.float64)
    norm = np.array([np.linalg.norm(Wk) for Wk in states], dtype=np.float64)
    Q = _basis_F(H, S)
    in_F = [((Q.T @ (Q @ Wk.ravel())).reshape(Wk.shape)) for Wk in states]        # P_F W_k
    perp = np.array([np.linalg.norm(Wk - Fk) for Wk, Fk in zip(states, in_F)], dtype=np.float64)
    corr = off = ferr = None
    if W_mm is not None:
        corr = np.array([_corr(Wk, W_mm) for Wk in states], dtype=np.float64)
    if W_star is not None:
        ferr = np.array([np.linalg.norm(Fk - W_star) for Fk in in_F], dtype=np.float64)
        if W_mm is not None:
            off = np.array([_corr(Wk - W_star, W_mm) for Wk in states], dtype=np.float64)
    # defensive: a checkpoint whose metrics are not finite ends the history there (no NaN out)
    arrays = [a for a in (loss, norm, perp, corr, off, ferr) if a is not None]
    bad = ~np.all([np.isfinite(a) for a in arrays], axis=0) if states.shape[0] else np.zeros(0, bool)
    if bad.any():
        keep = int(np.argmax(bad))
        if not diverged or prob.checkpoints[keep] < diverged_at:
            diverged, diverged_at = True, int(prob.checkpoints[keep])
        notes.append(f"metrics not finite at step {int(prob.checkpoints[keep])}: history stops there")
        W = states[keep - 1].copy() if keep > 0 else prob.W0.copy()
        n_rec = keep
        loss, norm, perp = loss[:keep], norm[:keep], perp[:keep]
        corr, off, ferr = (None if a is None else a[:keep] for a in (corr, off, ferr))
    if diverged and diverged_at == 0:
        notes.append("diverged: W0 gives logits beyond 1e300 (the loss would overflow); no step was taken")
    elif diverged:
        notes.append(f"diverged: the update of step {diverged_at} gave non-finite W or logits beyond 1e300; "
                     "W is the last valid state")
    history = NTPHistory(steps=prob.checkpoints[:n_rec].copy(), excess_loss=loss, norm=norm,
                         corr_max_margin=corr, corr_offset_max_margin=off, finite_error=ferr,
                         norm_perp=perp)
    return NTPRun(W=np.array(W, dtype=np.float64), history=history, diverged=diverged,
                  diverged_at=diverged_at, notes="; ".join(notes), optimizer=optimizer, lr=prob.lr,
                  entropy=float(entropy(P, pi)), W_mm=W_mm, W_star=W_star)


def _step_size_note(prob: _Problem) -> list:
    from theory.ntp import step_size_bound

    bound = float(step_size_bound(prob.H, prob.pi))
    if prob.lr > bound:
        return [f"lr = {prob.lr:g} exceeds 1/λ_max(H Π Hᵀ) = {bound:.3g}, the step size Lemma 2 "
                "assumes (η ≤ 1/(2L)); descent needs only η < 4/λ_max"]
    return []


