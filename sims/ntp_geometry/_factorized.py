r"""Training the factorised NTP unconstrained-features model with L-BFGS (Zhao et al. 2024).

$\min_{W, H} \mathrm{CE}(WH) + \tfrac\lambda2(\|W\|_F^2 + \|H\|_F^2)$ over $W \in \mathbb R^{V\times d}$,
$H \in \mathbb R^{d\times m}$, with $\mathrm{CE}(L) = \sum_j\hat\pi_j[\mathrm{lse}(\ell_j) - \hat p_j^\top\ell_j]$.
The problem is non-convex in $(W, H)$, but for $d \ge \min(m, V-1)$ its value equals the convex
logit problem of :func:`theory.ntp_geometry.ufm_logits` (the claim
``ntp_geometry.factorized_reaches_convex`` checks that L-BFGS from a small random start reaches it).
Gradients: with $G = (\mathrm{softmax}(WH) - P)\,\mathrm{diag}(\hat\pi)$ (softmax per column),
$\nabla_W = GH^\top + \lambda W$ and $\nabla_H = W^\top G + \lambda H$.
Derivations: docs/ntp_geometry.md#the-ufm-in-the-logits.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from theory.ntp import as_data
from theory.summary import compact_repr
from theory.validate import as_count, as_finite_array, as_positive_scalar, as_seed

__all__ = ["FactorizedUFMRun", "train_factorized_ufm"]


@compact_repr
@dataclass(frozen=True)
class FactorizedUFMRun:
    r"""Result of :func:`train_factorized_ufm`.

    Attributes
    ----------
    W : numpy.ndarray, shape (V, d)
        Word embeddings (decoder).
    H : numpy.ndarray, shape (d, m)
        Context embeddings.
    L : numpy.ndarray, shape (V, m)
        Logits $WH$.
    objective : float
        $\mathrm{CE}(WH) + \tfrac\lambda2(\|W\|_F^2 + \|H\|_F^2)$ at the end.
    grad_norm : float
        Euclidean norm of the full gradient at the end.
    iterations : int
        L-BFGS iterations.
    converged : bool
        Whether L-BFGS reported convergence and everything stayed finite.
    message : str
        L-BFGS's message.
    train_time : float
        Seconds.
    """

    W: np.ndarray
    H: np.ndarray
    L: np.ndarray
    objective: float
    grad_norm: float
    iterations: int
    converged: bool
    message: str
    train_time: float


def _value_grad(x, P, pi, lam, V, d, m):
    W = x[:V * d].reshape(V, d)
    H = x[V * d:].reshape(d, m)
    L = W @ H
    top = L.max(axis=0)
    Z = np.exp(L - top)
    s = Z.sum(axis=0)
    lse = top + np.log(s)
    ce = float(pi @ (lse - (P * L).sum(axis=0)))
    G = (Z / s - P) * pi
    f = ce + 0.5 * lam * (float(np.sum(W * W)) + float(np.sum(H * H)))
    g = np.concatenate([(G @ H.T + lam * W).ravel(), (W.T @ G + lam * H).ravel()])
    return f, g


def train_factorized_ufm(P, pi, lam, d=None, *, seed=0, init_scale=0.1, max_iter=20_000, gtol=1e-11):
    r"""Minimise the factorised UFM objective with L-BFGS from a small Gaussian start.

    $\min_{W,H}\ \sum_j\hat\pi_j[\mathrm{lse}(Wh_j) - \hat p_j^\top Wh_j] + \tfrac\lambda2(\|W\|_F^2 + \|H\|_F^2)$
    (Zhao et al. 2024, the NTP-UFM), scipy's L-BFGS-B without bounds, analytic gradient.

    Parameters
    ----------
    P : array_like, shape (V, m)
        Next-token distributions (columns sum to one).
    pi : array_like, shape (m,)
        Context frequencies.
    lam : float > 0
        Ridge penalty $\lambda$.
    d : int, optional
        Embedding dimension; default $\min(m, V - 1)$ (enough for the convex equivalence), at least 1.
    seed : int, default 0
        Seed of the Gaussian initialisation (``numpy.random.default_rng``).
    init_scale : float > 0, default 0.1
        Standard deviation of the initial entries.
    max_iter : int, default 20000
        L-BFGS iteration cap.
    gtol : float > 0, default 1e-11
        L-BFGS projected-gradient tolerance.

    Returns
    -------
    FactorizedUFMRun
        ``converged`` is False (never an exception) when L-BFGS stops early or a value is not finite.

    Raises
    ------
    ValueError
        Invalid inputs, or an ``init_scale`` so large that the initial objective overflows.
    """
    from scipy.optimize import minimize

    P = as_finite_array(P, "P", ndim=2)
    data = as_data(np.eye(P.shape[1]), P, pi)
    P, pi = data.P, data.pi
    V, m = P.shape
    lam = as_positive_scalar(lam, "lam")
    d = max(1, min(m, V - 1)) if d is None else as_count(d, "d")
    seed = as_seed(seed)
    init_scale = as_positive_scalar(init_scale, "init_scale")
    max_iter = as_count(max_iter, "max_iter")
    gtol = as_positive_scalar(gtol, "gtol")
    rng = np.random.default_rng(seed)
    x0 = init_scale * rng.standard_normal(V * d + d * m)
    with np.errstate(over="ignore", invalid="ignore"):
        f0, g0 = _value_grad(x0, P, pi, lam, V, d, m)
    if not (np.isfinite(f0) and np.all(np.isfinite(g0))):
        raise ValueError(f"init_scale = {init_scale:g} is too large: the initial objective or gradient is not finite "
                         "in float64 (the logits WH overflow); use a smaller init_scale")
    t0 = time.perf_counter()
    res = minimize(_value_grad, x0, args=(P, pi, lam, V, d, m), jac=True, method="L-BFGS-B",
                   options=dict(maxiter=max_iter, gtol=gtol, ftol=1e-16, maxcor=30))
    elapsed = time.perf_counter() - t0
    W = res.x[:V * d].reshape(V, d).copy()
    H = res.x[V * d:].reshape(d, m).copy()
    f, g = _value_grad(res.x, P, pi, lam, V, d, m)
    gn = float(np.linalg.norm(g))
    finite = bool(np.isfinite(f) and np.isfinite(gn) and np.all(np.isfinite(res.x)))
    return FactorizedUFMRun(W=W, H=H, L=W @ H, objective=float(f), grad_norm=gn, iterations=int(res.nit),
                            converged=bool(res.success) and finite, message=str(res.message), train_time=elapsed)
