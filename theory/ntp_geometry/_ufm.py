r"""The NTP unconstrained-features model as a convex program in the logits (Zhao et al. 2024), certified.

The model: a decoder $W \in \mathbb R^{V\times d}$ and free context embeddings
$H \in \mathbb R^{d\times m}$ trained with
$\mathrm{CE}(WH) + \tfrac\lambda2(\|W\|_F^2 + \|H\|_F^2)$, where
$\mathrm{CE}(L) = \sum_j \hat\pi_j\,[\mathrm{lse}(\ell_j) - \hat p_j^\top\ell_j]$. Since
$\min_{WH = L}\tfrac12(\|W\|_F^2 + \|H\|_F^2) = \|L\|_\ast$ (inner dimension $\ge \operatorname{rank} L$), it
is $\min_{\operatorname{rank} L \le d} \mathrm{CE}(L) + \lambda\|L\|_\ast$, convex once
$d \ge \min(m, V - 1)$ (a centred minimiser has at most that rank). :func:`ufm_logits` solves it
(CVXPY + Clarabel: exponential cones for the log-sum-exp, an SDP cone for the nuclear norm; then
a proximal-gradient polish) and certifies it by weak duality; :func:`balanced_factors` returns the factors $W$, $H$ of a logit
matrix with the Gram matrices $WW^\top = U\Sigma U^\top$, $H^\top H = V\Sigma V^\top$.
Derivations: docs/ntp_geometry.md#the-ufm-in-the-logits.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass

import numpy as np

from .._maxmargin import CertificateError
from ..ntp._data import as_data
from ..summary import compact_repr
from ..validate import as_bool, as_count, as_finite_array, as_positive_scalar, check_work

__all__ = ["GAP_TOL", "UFMSolution", "balanced_factors", "ufm_logits", "ufm_lower_bound", "ufm_objective"]

GAP_TOL = 1e-7
"""Absolute duality-gap tolerance of :func:`ufm_logits` (nats). Clarabel alone ends with gaps ~1e-5-1e-4 on
this exponential-cone + SDP program (its stopping tolerances are on scaled residuals, and the dual point
built from the logits is first order in their error); the proximal-gradient polish brings them to
<= 1e-10 for lambda in [1e-5, 1e-1] (observed, V = 6, m = 8). 1e-7 nats is far below every quantity the
claims compare."""


@compact_repr
@dataclass(frozen=True)
class UFMSolution:
    r"""The certified minimiser of $\mathrm{CE}(L) + \lambda\|L\|_\ast$.

    Attributes
    ----------
    L : numpy.ndarray, shape (V, m)
        The optimal logits, columns centred (sums zero).
    lam : float
        $\lambda$.
    objective : float
        $\mathrm{CE}(L) + \lambda\|L\|_\ast$ at ``L``.
    lower_bound : float
        A certified lower bound on the optimum (the dual value of :func:`ufm_lower_bound`).
    gap : float
        ``objective - lower_bound`` (nats), at most ``tolerance``.
    tolerance : float
        The gap tolerance used.
    status : str
        Clarabel's status.
    solve_time : float
        Seconds in CVXPY + Clarabel and the polish.
    polish_iterations : int
        Proximal-gradient iterations of the polish.
    """

    L: np.ndarray
    lam: float
    objective: float
    lower_bound: float
    gap: float
    tolerance: float
    status: str
    solve_time: float
    polish_iterations: int = 0


def _lse(L):
    top = L.max(axis=0)
    return top + np.log(np.exp(L - top).sum(axis=0))


def _softmax(L):
    Z = np.exp(L - L.max(axis=0))
    return Z / Z.sum(axis=0)


def _entropy_cols(Q):
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.where(Q > 0, Q * np.log(np.where(Q > 0, Q, 1.0)), 0.0).sum(axis=0)


def _inputs(P, pi, lam):
    P = as_finite_array(P, "P", ndim=2)
    data = as_data(np.eye(P.shape[1]), P, pi)
    lam = as_positive_scalar(lam, "lam")
    check_work(P.size, "V * m (nuclear-norm SDP)", maximum=40_000,
               why="the SDP cone of the nuclear norm grows like (V + m)^2")
    return data.P, data.pi, lam


def ufm_objective(L, P, pi, lam) -> float:
    r"""$\mathrm{CE}(L) + \lambda\|L\|_\ast$, with $\mathrm{CE}(L) = \sum_j\hat\pi_j[\mathrm{lse}(\ell_j) - \hat p_j^\top\ell_j]$.

    Zhao et al. (2024), the NTP-UFM in the logit domain (docs/ntp_geometry.md#the-ufm-in-the-logits).

    Parameters
    ----------
    L : array_like, shape (V, m)
        Logits, finite.
    P : array_like, shape (V, m)
        Next-token distributions (columns sum to one).
    pi : array_like, shape (m,)
        Context frequencies (sum to one).
    lam : float > 0
        $\lambda$.

    Returns
    -------
    float
    """
    P, pi, lam = _inputs(P, pi, lam)
    L = as_finite_array(L, "L", shape=P.shape)
    return _objective(L, P, pi, lam)


def ufm_lower_bound(L, P, pi, lam) -> float:
    r"""A certified lower bound on $\min_L \mathrm{CE}(L) + \lambda\|L\|_\ast$ built from logits ``L``.

    Weak duality: for any $Q$ with columns in the simplex and $\|(P - Q)\,\mathrm{diag}(\hat\pi)\|_2
    \le \lambda$, $\mathrm{CE}(L') + \lambda\|L'\|_\ast \ge \sum_j\hat\pi_j\,\mathcal H(q_j)$ for every
    $L'$ (the conjugate of log-sum-exp is the negative entropy on the simplex; the nuclear norm's
    dual norm is the spectral norm). The candidate is $Q = \mathrm{softmax}(L)$, moved toward $P$ as
    $P + \min(1, \lambda/s)(Q - P)$, $s = \|(P - Q)\mathrm{diag}(\hat\pi)\|_2$ (a convex combination
    of simplex points). At the optimum $Q$ is feasible as is and the bound is tight.

    Parameters
    ----------
    L : array_like, shape (V, m)
        Any finite logits.
    P : array_like, shape (V, m)
        Next-token distributions.
    pi : array_like, shape (m,)
        Context frequencies.
    lam : float > 0
        $\lambda$.

    Returns
    -------
    float
    """
    P, pi, lam = _inputs(P, pi, lam)
    L = as_finite_array(L, "L", shape=P.shape)
    return _lower(L, P, pi, lam)




def _polish(L, P, pi, lam, target, max_iter=20_000):
    r"""Accelerated proximal gradient (FISTA, adaptive restart) from ``L``: a gradient step on CE
    (its gradient $(\mathrm{softmax}(L) - P)\,\mathrm{diag}(\hat\pi)$ is $\max_j\hat\pi_j$-Lipschitz, the
    Hessian of log-sum-exp being at most $I$), then singular-value soft-thresholding by
    step$\cdot\lambda$ (the prox of the nuclear norm). Stops when the certified gap is <= ``target``."""
    step = 1.0 / float(pi.max())
    X, Y, t = L.copy(), L.copy(), 1.0
    it = 0
    for it in range(1, max_iter + 1):
        Z = Y - step * ((_softmax(Y) - P) * pi)
        U, s, Vt = np.linalg.svd(Z, full_matrices=False)
        Xn = (U * np.maximum(s - step * lam, 0.0)) @ Vt
        if float(np.sum((Y - Xn) * (Xn - X))) > 0:
            t, Y = 1.0, Xn
        else:
            tn = 0.5 * (1.0 + math.sqrt(1.0 + 4.0 * t * t))
            Y = Xn + ((t - 1.0) / tn) * (Xn - X)
            t = tn
        X = Xn
        if it % 100 == 0 and _objective(X, P, pi, lam) - _lower(X, P, pi, lam) <= target:
            break
    return X, it


def _objective(L, P, pi, lam):
    return float(pi @ (_lse(L) - (P * L).sum(axis=0))) + lam * float(np.linalg.svd(L, compute_uv=False).sum())


def _lower(L, P, pi, lam):
    Q = _softmax(L)
    s = float(np.linalg.norm((P - Q) * pi, 2))
    if s > lam:
        Q = P + (lam / s) * (Q - P)
    return float(pi @ _entropy_cols(Q))


def ufm_logits(P, pi, lam) -> UFMSolution:
    r"""The optimal logits of the NTP unconstrained-features model (Zhao et al. 2024), certified.

    $L_\lambda = \mathrm{arg\,min}_L \sum_j\hat\pi_j[\mathrm{lse}(\ell_j) - \hat p_j^\top\ell_j] + \lambda\|L\|_\ast$,
    the UFM $\min_{W,H}\mathrm{CE}(WH) + \tfrac\lambda2(\|W\|_F^2 + \|H\|_F^2)$ rewritten in the logits
    (exact for an embedding dimension $d \ge \min(m, V-1)$). Columns are constrained to sum to
    zero: centring the rows keeps the loss and does not increase the nuclear norm, so a centred
    minimiser exists. As $\lambda \to 0$, $L_\lambda \approx L^{\rm in} + c(\lambda)L^{\rm mm}$
    with $c(\lambda) \approx \ln(1/\lambda)$ (docs/ntp_geometry.md#the-ln1lambda-law).

    Parameters
    ----------
    P : array_like, shape (V, m)
        Next-token distributions (columns sum to one within 1e-9).
    pi : array_like, shape (m,)
        Context frequencies ($> 0$, sum to one).
    lam : float > 0
        Regularisation $\lambda$.

    Method: CVXPY + Clarabel, then accelerated proximal gradient (singular-value thresholding)
    from its answer until the certified gap is below ``GAP_TOL / 1000`` (Clarabel alone stops at
    gaps ~1e-5 on this exponential-cone + SDP program).

    Returns
    -------
    UFMSolution
        ``L`` with a duality gap (from :func:`ufm_lower_bound`) at most :data:`GAP_TOL`.

    Raises
    ------
    theory.ntp.CertificateError
        Clarabel fails or the gap exceeds :data:`GAP_TOL`.
    """
    import cvxpy as cp

    P, pi, lam = _inputs(P, pi, lam)
    V, m = P.shape
    L = cp.Variable((V, m))
    ce = pi @ cp.log_sum_exp(L, axis=0) - cp.sum(cp.multiply(P * pi, L))
    prob = cp.Problem(cp.Minimize(ce + lam * cp.normNuc(L)), [cp.sum(L, axis=0) == 0])
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)      # "optimal_inaccurate": the polish and gap decide
        try:
            prob.solve(solver=cp.CLARABEL)
        except cp.error.SolverError as exc:
            raise CertificateError(f"Clarabel failed on the UFM problem of the data (P, pi, lam): {exc}") from exc
    if L.value is None or prob.status not in ("optimal", "optimal_inaccurate"):
        raise CertificateError(f"the UFM solve on the data (P, pi, lam) ended with status {prob.status!r}")
    Lv = np.asarray(L.value, dtype=np.float64)
    Lv, iters = _polish(Lv - Lv.mean(axis=0, keepdims=True), P, pi, lam, GAP_TOL * 1e-3)
    Lv = Lv - Lv.mean(axis=0, keepdims=True)
    elapsed = time.perf_counter() - t0
    obj = _objective(Lv, P, pi, lam)
    low = _lower(Lv, P, pi, lam)
    gap = obj - low
    if not gap <= GAP_TOL:
        raise CertificateError(f"the UFM solution on the data (P, pi, lam) fails its certificate: duality gap "
                               f"{gap:.3g} > {GAP_TOL:g} (lam = {lam:g})")
    return UFMSolution(L=Lv, lam=lam, objective=obj, lower_bound=low, gap=gap, tolerance=GAP_TOL,
                       status=prob.status, solve_time=elapsed, polish_iterations=iters)


def balanced_factors(L, d=None, *, return_grams: bool = False):
    r"""Balanced factors $W = U\Sigma^{1/2}$, $H = \Sigma^{1/2}V^\top$ of logits $L = U\Sigma V^\top$.

    They attain $\tfrac12(\|W\|_F^2 + \|H\|_F^2) = \|L\|_\ast$ (the variational form behind the UFM);
    every minimiser of the UFM is one of them up to an orthogonal $R$ ($W R$, $R^\top H$), so the word
    Gram $WW^\top = U\Sigma U^\top$ and the context Gram $H^\top H = V\Sigma V^\top$ are determined
    by $L$ (Zhao et al. 2024, NTP-UFM; docs/ntp_geometry.md#gram-geometry).

    Parameters
    ----------
    L : array_like, shape (V, m)
        Logits.
    d : int, optional
        Embedding dimension, at least the rank of ``L``; default $\min(V, m)$. Columns beyond the
        rank are zero.
    return_grams : bool, default False
        Also return $(WW^\top, H^\top H)$.

    Returns
    -------
    tuple (W (V, d), H (d, m)) or (W, H, word_gram (V, V), context_gram (m, m))
    """
    L = as_finite_array(L, "L", ndim=2)
    V, m = L.shape
    d = min(V, m) if d is None else as_count(d, "d")
    as_bool(return_grams, "return_grams")
    U, s, Vt = np.linalg.svd(L, full_matrices=False)
    r = int(np.count_nonzero(s > s[0] * 1e-12)) if s.size and s[0] > 0 else 0
    if d < r:
        raise ValueError(f"d must be at least rank(L) = {r} (the factors must reproduce L); got {d}")
    k = min(d, s.size)
    W = np.zeros((V, d))
    H = np.zeros((d, m))
    root = np.sqrt(s[:k])
    W[:, :k] = U[:, :k] * root
    H[:k] = root[:, None] * Vt[:k]
    if return_grams:
        return W, H, W @ W.T, H.T @ H
    return W, H

