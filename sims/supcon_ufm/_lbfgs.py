r"""L-BFGS on products of spheres for the SC UFM (a SciPy driver, not a time-stepping kernel).

Each feature is parameterised as $h_i = u_i/\lVert u_i\rVert$ with $u_i$ free, so the problem is smooth and
unconstrained; the gradient in $u_i$ is the Riemannian gradient of $\mathcal L$ at $h_i$ divided by
$\lVert u_i\rVert$ (the projection removes the radial part). Far fewer iterations than Riemannian GD reach
the same gradient norm (docs/supcon_ufm.md#training-on-spheres).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from theory.summary import compact_repr
from theory.supcon_ufm import as_labels, as_temperature
from theory.validate import as_count, as_finite_scalar, as_seed

from ._kernels import _quantities
from ._run import random_features

__all__ = ["LBFGSRun", "lbfgs_spheres"]


@compact_repr
@dataclass(frozen=True)
class LBFGSRun:
    r"""Result of :func:`lbfgs_spheres`, one row per initialisation.

    Attributes
    ----------
    H : numpy.ndarray, shape (n_inits, d, n)
        Final unit-norm features.
    loss : numpy.ndarray, shape (n_inits,)
        Final $\mathcal L$.
    grad_norm : numpy.ndarray, shape (n_inits,)
        Frobenius norm of the final Riemannian gradient.
    iterations : numpy.ndarray of int, shape (n_inits,)
        L-BFGS iterations used.
    converged : numpy.ndarray of bool, shape (n_inits,)
        ``grad_norm <= gtol``.
    """

    H: np.ndarray = field(repr=False)
    loss: np.ndarray
    grad_norm: np.ndarray
    iterations: np.ndarray
    converged: np.ndarray


def _fun(u, shape, W, tau, work):
    U = u.reshape(shape)
    norms = np.linalg.norm(U, axis=0)
    H = np.ascontiguousarray(U / norms)
    G, Ex, z, R = work
    loss, _ = _quantities(H, W, tau, G, Ex, z, R)     # the trainer's loss and Riemannian gradient
    return loss, (R / norms).ravel()


def lbfgs_spheres(labels, tau, d, *, n_inits=5, seed=0, tol=1e-5, max_iter=5000) -> LBFGSRun:
    r"""Minimise the SC loss over $(S^{d-1})^n$ by L-BFGS in the parameterisation $h_i = u_i/\lVert u_i\rVert$.

    Behnia & Thrampoulidis (2024): for $d > k$ every local minimum is global, so each run ends at the optimum
    of the Gram relaxation (compare with ``theory.supcon_ufm.optimal_gram`` or certify the result with
    ``theory.supcon_ufm.gram_certificate``).

    Parameters
    ----------
    labels : array_like of int, shape (n,)
    tau : float
    d : int
        Feature dimension.
    n_inits : int, default 5
        Random initialisations (:func:`random_features`, same streams as :func:`riemannian_gd`).
    seed : int, default 0
    tol : float, default 1e-5
        A run counts as ``converged`` when its final Riemannian gradient norm is <= tol. L-BFGS itself runs
        until its line search can make no progress in float64 (SciPy ``gtol`` 1e-14, ``ftol`` 0): on the
        settings of the docs that is 20-50 iterations, gradient norms 4e-9 to 2e-7 and losses within 1e-13 of
        the certified optimum (measured); certify a run with ``theory.supcon_ufm.gram_certificate``.
    max_iter : int, default 5000

    Returns
    -------
    LBFGSRun
    """
    from scipy.optimize import minimize
    from threadpoolctl import threadpool_limits

    lab = as_labels(labels)
    tau = as_temperature(tau)
    d = as_count(d, "d", minimum=1, maximum=10_000)
    C = as_count(n_inits, "n_inits", minimum=1, maximum=1000)
    seed = as_seed(seed)
    tol = as_finite_scalar(tol, "tol")
    if tol <= 0:
        raise ValueError(f"tol must be > 0; got {tol}")
    max_iter = as_count(max_iter, "max_iter", minimum=1, maximum=10**6)
    H0 = random_features(d, lab.n, C, seed)
    out = np.empty_like(H0)
    loss, gn, its = np.empty(C), np.empty(C), np.zeros(C, dtype=np.int64)
    W = np.ascontiguousarray(lab.positive_weight, dtype=np.float64)
    n = lab.n
    work = (np.empty((n, n)), np.empty((n, n)), np.empty(n), np.empty((d, n)))
    for c in range(C):
        # one BLAS thread: L-BFGS-B's small dense updates are ~100x slower under thread oversubscription
        with threadpool_limits(1, user_api="blas"):
            res = minimize(_fun, H0[c].ravel(), args=(H0[c].shape, W, tau, work), jac=True, method="L-BFGS-B",
                           options=dict(maxiter=max_iter, ftol=0.0, gtol=1e-14, maxcor=20))
        U = res.x.reshape(H0[c].shape)
        H = np.ascontiguousarray(U / np.linalg.norm(U, axis=0))
        out[c] = H
        value, g2 = _quantities(H, W, tau, *work)
        loss[c], gn[c], its[c] = value, np.sqrt(g2), int(res.nit)
    return LBFGSRun(H=out, loss=loss, grad_norm=gn, iterations=its, converged=gn <= tol)
