r"""Norm-ball regularisation paths of attention and the (K, Q) ↔ nuclear-ball identity.

Tarzanagh et al. (2023), regularisation-path results: along $W_R \in \mathrm{arg\,min}_{\|W\| \le R}\mathcal L(W)$ the direction
$W_R/R$ approaches the Frobenius SVM (ball in $\|\cdot\|_F$, the $W$-parameterisation) or the nuclear
SVM. The $(K, Q)$ path is the nuclear one because, for $K, Q \in \mathbb R^{d\times m}$ with $m \ge d$,

$$\{KQ^\top : \tfrac12(\|K\|_F^2 + \|Q\|_F^2) \le R\} = \{W : \|W\|_\star \le R\}$$

($\|KQ^\top\|_\star \le \|K\|_F\|Q\|_F \le \frac12(\|K\|_F^2 + \|Q\|_F^2)$, with equality for the balanced
factors $K = U\Sigma^{1/2}$, $Q = V\Sigma^{1/2}$ of $W = U\Sigma V^\top$). Each $W_R$ is computed by
projected normalised gradient descent with Armijo backtracking on the cancellation-free excess
loss (:func:`theory.attention_svm.excess_loss`), warm-started along increasing $R$; the projection
onto the nuclear ball projects the singular values onto $\{\sigma \ge 0, \sum\sigma \le R\}$. The
problem is not convex, so the residual reported is first-order: the relative Frank–Wolfe gap
$(\langle\nabla\mathcal L, W\rangle + R\|\nabla\mathcal L\|_{\rm dual})/(R\|\nabla\mathcal L\|_{\rm dual})$,
zero exactly at a stationary point of the ball-constrained problem.
Derivations: docs/attention_svm.md#regularisation-paths.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..summary import compact_repr
from ..validate import as_choice, as_count, as_finite_array, as_positive_array, as_positive_scalar, guard_numerics
from ._data import _as_labels_head, as_sequences
from ._loss import _excess, _grad

__all__ = ["AttentionPath", "balanced_factors", "project_ball", "regularization_path"]


@compact_repr
@dataclass(frozen=True)
class AttentionPath:
    r"""A norm-ball regularisation path.

    Attributes
    ----------
    norm : str
        ``"fro"`` or ``"nuc"``.
    radii : numpy.ndarray, shape (k,)
    W : numpy.ndarray, shape (k, d, d)
        The path points $W_R$.
    excess_loss : numpy.ndarray, shape (k,)
        $\mathcal L(W_R)$ minus its limit (reference: the optimal tokens).
    stationarity : numpy.ndarray, shape (k,)
        The relative Frank–Wolfe gap of each $W_R$ (0 at a stationary point).
    steps : numpy.ndarray of int, shape (k,)
        Accepted steps per radius.
    selection : numpy.ndarray of int, shape (k, n)
        The token of largest attention in each sequence at each $W_R$.
    seconds : float
        Wall time of the whole path.
    """

    norm: str
    radii: np.ndarray
    W: np.ndarray
    excess_loss: np.ndarray
    stationarity: np.ndarray
    steps: np.ndarray
    selection: np.ndarray
    seconds: float


def _project_simplex_ball(s, R):
    """Euclidean projection of s >= 0 onto {x >= 0, sum x <= R}."""
    s = np.maximum(s, 0.0)
    if s.sum() <= R:
        return s
    u = np.sort(s)[::-1]
    css = np.cumsum(u)
    k = np.arange(1, len(u) + 1)
    pos = np.nonzero(u - (css - R) / k > 0)[0]
    rho = int(pos[-1]) if pos.size else 0            # rounding can leave no positive entry
    theta = (css[rho] - R) / (rho + 1)
    return np.maximum(s - theta, 0.0)


def _project(W, R, norm):
    if norm == "fro":
        nrm = float(np.linalg.norm(W))
        return W if nrm <= R else W * (R / nrm)
    U, s, Vt = np.linalg.svd(W, full_matrices=False)
    if s.sum() <= R:
        return W
    return (U * _project_simplex_ball(s, R)) @ Vt


@guard_numerics
def project_ball(W, radius, norm: str = "fro") -> np.ndarray:
    r"""Euclidean projection of $W$ onto $\{\|W\| \le R\}$ (Frobenius or nuclear ball).

    Parameters
    ----------
    W : array_like, shape (d, d)
    radius : float > 0
    norm : {"fro", "nuc"}, default "fro"

    Returns
    -------
    numpy.ndarray, shape (d, d)
    """
    W = as_finite_array(W, "W", ndim=2)
    R = as_positive_scalar(radius, "radius")
    return _project(W, R, as_choice(norm, "norm", ("fro", "nuc")))


def balanced_factors(W) -> tuple[np.ndarray, np.ndarray]:
    r"""Balanced factors $K = U\Sigma^{1/2}$, $Q = V\Sigma^{1/2}$ of $W = U\Sigma V^\top$.

    $KQ^\top = W$ and $\tfrac12(\|K\|_F^2 + \|Q\|_F^2) = \|W\|_\star$: the point of the $(K, Q)$
    ball that attains the nuclear ball (Tarzanagh et al. 2023, regularisation paths).

    Parameters
    ----------
    W : array_like, shape (d, m)

    Returns
    -------
    tuple (numpy.ndarray, numpy.ndarray)
        K of shape (d, r) and Q of shape (m, r), r = min(d, m).
    """
    W = as_finite_array(W, "W", ndim=2)
    U, s, Vt = np.linalg.svd(W, full_matrices=False)
    r = np.sqrt(s)
    return U * r, Vt.T * r


def _dual_norm(G, norm):
    return float(np.linalg.norm(G)) if norm == "fro" else float(np.linalg.norm(G, 2))


@guard_numerics
def regularization_path(X, z, y, v, radii, norm: str = "fro", *, steps: int = 3000, tol: float = 1e-9) -> AttentionPath:
    r"""$W_R \in \mathrm{arg\,min}_{\|W\|\le R}\mathcal L(W)$ along increasing radii (Tarzanagh et al. 2023, regularisation paths).

    Projected normalised gradient descent with Armijo backtracking, warm-started across radii
    (module doc); each radius stops after ``steps`` accepted steps or when the relative
    Frank–Wolfe gap is below ``tol``.

    Parameters
    ----------
    X : array_like, shape (n, T, d)
    z : array_like, shape (n, d)
    y : array_like, shape (n,)
        Labels $\pm 1$.
    v : array_like, shape (d,)
        Linear head.
    radii : array_like, shape (k,)
        Strictly increasing positive radii.
    norm : {"fro", "nuc"}, default "fro"
        Frobenius ball ($W$) or nuclear ball (= the $(K, Q)$ ball).
    steps : int, default 3000
        Largest number of accepted steps per radius.
    tol : float, default 1e-9
        Stop a radius once the relative Frank–Wolfe gap is below it.

    Returns
    -------
    AttentionPath
    """
    X, z = as_sequences(X, z)
    n, T, d = X.shape
    y, v = _as_labels_head(X, y, v)
    radii = as_positive_array(radii, "radii", ndim=1, allow_empty=False)
    if np.any(np.diff(radii) <= 0):
        raise ValueError("radii must be strictly increasing")
    norm = as_choice(norm, "norm", ("fro", "nuc"))
    steps = as_count(steps, "steps", maximum=10**6)
    tol = as_positive_scalar(tol, "tol")
    ref = np.argmax(y[:, None] * (X @ v), axis=1)
    t_start = time.perf_counter()
    W = np.zeros((d, d))
    Ws, ex, fw, nsteps, sels = [], [], [], [], []
    for R in radii:
        R = float(R)
        t = 0.5 * R
        E = _excess(W, X, z, y, v, ref)
        k = 0
        gap = np.inf
        while k < steps:
            G = _grad(W, X, z, y, v)
            gd = _dual_norm(G, norm)
            if not gd > 0:
                gap = 0.0
                break
            gap = (float(np.sum(G * W)) + R * gd) / (R * gd)
            if gap <= tol:
                break
            D = G / float(np.linalg.norm(G))
            while True:
                Wn = _project(W - t * D, R, norm)
                En = _excess(Wn, X, z, y, v, ref)
                if En <= E - 1e-4 * float(np.sum(G * (W - Wn))):
                    break
                t *= 0.5
                if t < 1e-15 * R:
                    break
            if t < 1e-15 * R:
                break
            W, E = Wn, En
            t = min(2.0 * t, R)
            k += 1
        Ws.append(W.copy())
        ex.append(E)
        fw.append(gap)
        nsteps.append(k)
        sels.append(np.argmax(np.einsum("itd,de,ie->it", X, W, z), axis=1))
    return AttentionPath(norm, radii.copy(), np.asarray(Ws), np.asarray(ex), np.asarray(fw),
                         np.asarray(nsteps), np.asarray(sels), time.perf_counter() - t_start)
