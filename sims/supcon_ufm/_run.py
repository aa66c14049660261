r"""Result type, initialisation and checkpoints of the SC UFM trainers (numba-free, so ``import sims`` stays
numpy/scipy only; the kernels are in ``_kernels.py`` and loaded on first use).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from theory.summary import compact_repr
from theory.validate import as_count, as_seed, check_work

__all__ = ["SCRun", "default_checkpoints", "random_features"]


@compact_repr
@dataclass(frozen=True)
class SCRun:
    r"""Result of :func:`riemannian_gd`: one row per initialisation (chain).

    Attributes
    ----------
    H : numpy.ndarray, shape (n_inits, d, n)
        Final features (the last finite state of a diverged chain).
    checkpoints : numpy.ndarray of int, shape (R,)
        Steps at which loss and gradient norm were recorded.
    loss : numpy.ndarray, shape (n_inits, R)
        $\mathcal L(H_t)$ at the checkpoints (after a chain stops, its final value is repeated).
    grad_norm : numpy.ndarray, shape (n_inits, R)
        Frobenius norm of the Riemannian gradient at the checkpoints.
    steps_taken : numpy.ndarray of int, shape (n_inits,)
        Step index of the final state (smaller than ``steps`` when the gradient norm reached ``tol``).
    converged : numpy.ndarray of bool, shape (n_inits,)
        Final gradient norm <= ``tol``.
    diverged : numpy.ndarray of int, shape (n_inits,)
        1 where a loss, gradient or retraction was not finite (the chain stopped there).
    final_loss, final_grad_norm : numpy.ndarray, shape (n_inits,)
        At the final state.
    lr, tau, tol : float
    """

    H: np.ndarray = field(repr=False)
    checkpoints: np.ndarray
    loss: np.ndarray
    grad_norm: np.ndarray
    steps_taken: np.ndarray
    converged: np.ndarray
    diverged: np.ndarray
    final_loss: np.ndarray
    final_grad_norm: np.ndarray
    lr: float
    tau: float
    tol: float

    @property
    def gram(self) -> np.ndarray:
        """Gram matrices $H^\\top H$, shape (n_inits, n, n)."""
        return np.einsum("cki,ckj->cij", self.H, self.H)


def default_checkpoints(steps: int, n: int = 40) -> np.ndarray:
    """About ``n`` log-spaced checkpoints in [0, ``steps``], including 0 and ``steps``.

    Parameters
    ----------
    steps : int
        Number of updates (>= 0).
    n : int, default 40
        Target number (>= 2).

    Returns
    -------
    numpy.ndarray of int64
    """
    steps = as_count(steps, "steps", minimum=0)
    n = as_count(n, "n", minimum=2, maximum=10_000)
    if steps == 0:
        return np.zeros(1, dtype=np.int64)
    k = np.rint(np.logspace(0.0, np.log10(steps), n - 1)).astype(np.int64)
    return np.unique(np.concatenate([[0], k, [steps]])).astype(np.int64)


def random_features(d, n, n_inits, seed=0) -> np.ndarray:
    r"""Initial features: i.i.d. standard normal columns normalised to the unit sphere, one stream per chain.

    Parameters
    ----------
    d : int
        Feature dimension.
    n : int
        Number of samples.
    n_inits : int
        Number of initialisations (chains).
    seed : int, default 0
        Seed of the per-chain streams (:func:`sims._rng.seed_streams`).

    Returns
    -------
    numpy.ndarray, shape (n_inits, d, n)
    """
    d = as_count(d, "d", minimum=1, maximum=10_000)
    n = as_count(n, "n", minimum=1, maximum=10_000)
    C = as_count(n_inits, "n_inits", minimum=1, maximum=10_000)
    check_work(C * d * n, "n_inits * d * n", maximum=2**26, why="memory")
    from .._rng import NumpyStreams, seed_streams  # imports numba: on first use only

    streams = NumpyStreams(seed_streams(as_seed(seed), C))
    H = np.empty((C, d, n))
    for i in range(n):
        for k in range(d):
            H[:, k, i] = streams.normal()
    norms = np.linalg.norm(H, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return H / norms
