r"""Training the SC unconstrained-features model: Riemannian gradient descent on products of spheres.

Behnia & Thrampoulidis (2024), arXiv 2402.18884: free features $h_i$ on the unit sphere of
$\mathbb R^d$ trained with the supervised-contrastive loss; for $d > k$ every local minimum is global and
its Gram matrix is the optimum of the convex relaxation (``theory.supcon_ufm.optimal_gram``). The time
stepping is declared on the shared simulation engine (:func:`sims._kernels.simulation`): a numba kernel
and a NumPy oracle that agree bit for bit (``sims/supcon_ufm/_kernels.py``); several random
initialisations run as chains, each from its own stream of ``sims._rng``.
"""

from __future__ import annotations

import numpy as np

from theory.supcon_ufm import as_labels
from theory.supcon_ufm import as_temperature as _as_tau
from theory.validate import as_count, as_finite_scalar, as_positive_scalar, check_work

from .._kernels import simulation
from ._kernels import _rgd_kernel, _rgd_numpy
from ._run import SCRun, default_checkpoints, random_features

__all__ = ["riemannian_gd", "riemannian_gd_reference"]


def _cases():
    def make(lr, steps):
        def case():
            return (np.repeat(np.arange(3), [4, 2, 2]), 0.5, 3, lr, steps), dict(n_inits=3, seed=1, tol=0.0)
        return case
    # lr = 0.05 is the trainer's step size of the docs; lr = 1e308 overflows the retraction at the first step
    return {"default": make(0.05, 60), "diverging": make(1e308, 5)}


@simulation("supcon_ufm", backends={"numba": _rgd_kernel, "numpy": _rgd_numpy}, cases=_cases())
def riemannian_gd(core, labels, tau, d, lr, steps, *, n_inits=5, seed=0, tol=1e-8, H0=None,
                  checkpoints=None) -> SCRun:
    r"""Riemannian gradient descent on $(S^{d-1})^n$ for the SC loss (numba kernel).

    $$h_i \leftarrow \frac{h_i - \eta\,r_i}{\lVert h_i - \eta\,r_i\rVert},\qquad
    r_i = g_i - (h_i^\top g_i)h_i,\qquad [g_1\dots g_n] = H(M + M^\top),$$

    with $M$ the loss's Gram gradient (``theory.supcon_ufm.gram_gradient``; both roles of each $h_i$,
    as anchor and as contrast). Behnia & Thrampoulidis (2024): for $d > k$ every local minimum is
    global, so the final Gram matrix approaches the relaxation's $G^\star$
    (docs/supcon_ufm.md#training-on-spheres). A chain stops early once $\lVert r\rVert_F \le$ ``tol``.

    Parameters
    ----------
    labels : array_like of int, shape (n,)
        Class labels (every class with at least 2 samples).
    tau : float
        Temperature.
    d : int
        Feature dimension (>= 1; the relaxation is tight when $d \ge \operatorname{rank} G^\star$).
    lr : float
        Step size $\eta > 0$.
    steps : int
        Largest number of updates (>= 0).
    n_inits : int, default 5
        Random initialisations (chains), drawn by :func:`random_features` unless ``H0`` is given.
    seed : int, default 0
    tol : float, default 1e-8
        Stop a chain when the Riemannian gradient norm is <= tol (0 runs every step).
    H0 : array_like, shape (n_inits, d, n), optional
        Initial features (columns are normalised).
    checkpoints : array_like of int, optional
        Strictly increasing steps in [0, ``steps``] (default :func:`default_checkpoints`).

    Returns
    -------
    SCRun

    Raises
    ------
    ValueError
        Naming the argument: invalid labels or tau, lr <= 0, bad counts, H0 of the wrong shape or with a zero
        column, bad checkpoints, a run too large to finish.
    """
    lab = as_labels(labels)
    tau = _as_tau(tau)
    d = as_count(d, "d", minimum=1, maximum=10_000)
    lr = as_positive_scalar(lr, "lr")
    steps = as_count(steps, "steps", minimum=0)
    C = as_count(n_inits, "n_inits", minimum=1, maximum=10_000)
    tol = as_finite_scalar(tol, "tol")
    if tol < 0:
        raise ValueError(f"tol must be >= 0; got {tol}")
    check_work((steps + 1) * C * lab.n * lab.n * d, "(steps + 1) * n_inits * n^2 * d", maximum=10**12)
    if H0 is None:
        H0 = random_features(d, lab.n, C, seed)
    else:
        from theory.validate import as_finite_array

        H0 = as_finite_array(H0, "H0", shape=(C, d, lab.n))
        norms = np.linalg.norm(H0, axis=1, keepdims=True)
        if np.any(norms == 0):
            raise ValueError("H0 must have nonzero columns (they are normalised onto the sphere)")
        H0 = H0 / norms
    if checkpoints is None:
        cps = default_checkpoints(steps)
    else:
        cps = np.atleast_1d(np.asarray(checkpoints))
        if cps.ndim != 1 or cps.size == 0 or not np.issubdtype(cps.dtype, np.integer):
            raise ValueError("checkpoints must be a non-empty 1-D array of integers")
        if cps[0] < 0 or cps[-1] > steps or np.any(np.diff(cps) <= 0):
            raise ValueError(f"checkpoints must be strictly increasing integers in [0, steps = {steps}]")
        cps = cps.astype(np.int64)
    W = np.ascontiguousarray(lab.positive_weight, dtype=np.float64)
    H, loss, gn, taken, div = core(np.ascontiguousarray(H0), W, float(tau), float(lr), int(steps), float(tol), cps)
    final_loss = loss[:, -1].copy()
    final_g = gn[:, -1].copy()
    return SCRun(H=H, checkpoints=cps, loss=loss, grad_norm=gn, steps_taken=taken, converged=final_g <= tol,
                 diverged=div, final_loss=final_loss, final_grad_norm=final_g, lr=lr, tau=tau, tol=tol)


riemannian_gd_reference = riemannian_gd.reference
"""The NumPy oracle of :func:`riemannian_gd`: same arguments (no ``backend``), same result bit for bit."""
