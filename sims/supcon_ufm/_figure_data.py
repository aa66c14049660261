"""Frozen data of the SC UFM figures (Behnia & Thrampoulidis 2024): certified Gram optima, GD runs and
STEP block values. Plots are in ``_plots.py``; settings on docs/supcon_ufm.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import theory.supcon_ufm as T
from theory.summary import compact_repr

from ._train import riemannian_gd

__all__ = ["BlockData", "EmbeddingData", "GramData", "block_data", "embedding_data", "gram_data"]


@compact_repr
@dataclass(frozen=True)
class GramData:
    r"""Certified optima for balanced and STEP labels, and GD excess-loss curves.

    Attributes
    ----------
    balanced_labels, step_labels : numpy.ndarray of int
    balanced_G, step_G : numpy.ndarray
        Certified optima of the relaxation at ``tau``.
    tau : float
    checkpoints : numpy.ndarray of int
    excess_tight : numpy.ndarray, shape (n_inits, R)
        $L_{GD} - L_{SDP}$ for STEP labels in $d = 3 \ge \operatorname{rank} G^\star$.
    excess_control : numpy.ndarray, shape (n_inits, R)
        The same for balanced $k = 4$, $m = 3$ in $d = 2 < \operatorname{rank} G^\star = 3$.
    """

    balanced_labels: np.ndarray
    step_labels: np.ndarray
    balanced_G: np.ndarray
    step_G: np.ndarray
    tau: float
    checkpoints: np.ndarray
    excess_tight: np.ndarray
    excess_control: np.ndarray


def gram_data(tau=1.0, steps=3000, n_inits=5, seed=0) -> GramData:
    """Compute :class:`GramData` (certified SDPs; Riemannian GD at lr 0.05, tol 0 so every step is recorded)."""
    yb = T.balanced_labels(3, 4)
    ys = T.step_labels(3, 1, 8, 4)
    Gb = T.optimal_gram(yb, tau)
    Gs, cs = T.optimal_gram(ys, tau, return_certificate=True)
    cps = np.unique(np.r_[0, np.rint(np.geomspace(1, steps, 60)).astype(np.int64)])
    run = riemannian_gd(ys, tau, 3, 0.05, steps, n_inits=n_inits, seed=seed, tol=0.0, checkpoints=cps)
    yc = T.balanced_labels(4, 3)
    _, cc = T.optimal_gram(yc, tau, return_certificate=True)
    ctrl = riemannian_gd(yc, tau, 2, 0.05, steps, n_inits=n_inits, seed=seed, tol=0.0, checkpoints=cps)
    return GramData(balanced_labels=yb, step_labels=ys, balanced_G=Gb, step_G=Gs, tau=float(tau), checkpoints=cps,
                    excess_tight=run.loss - cs.loss, excess_control=ctrl.loss - cc.loss)


@compact_repr
@dataclass(frozen=True)
class BlockData:
    """STEP block values of the certified optimum over the imbalance ratio, one row per tau.

    Attributes
    ----------
    ratios : numpy.ndarray of int, shape (a,)
    taus : numpy.ndarray, shape (b,)
    maj_min, min_min : numpy.ndarray, shape (b, a)
        Block means (at R = 1 both are the ETF value -1/(k-1)).
    k : int
    small_taus : numpy.ndarray
    excess : numpy.ndarray, shape (2, c)
        $L^\\star(\\tau) - \\sum_i\\log(n_{y_i}-1)$ for balanced (4,4,4) and STEP (8,2,2) labels.
    excess_closed : numpy.ndarray, shape (c,)
        The balanced closed form.
    """

    ratios: np.ndarray
    taus: np.ndarray
    maj_min: np.ndarray
    min_min: np.ndarray
    k: int
    small_taus: np.ndarray
    excess: np.ndarray
    excess_closed: np.ndarray


def block_data(n_major=8, ratios=(1, 2, 4), taus=(0.5, 1.0, 2.0), small_taus=None) -> BlockData:
    """Compute :class:`BlockData` from certified optima (k = 3, one majority class)."""
    k = 3
    small_taus = np.geomspace(0.1, 3.0, 12) if small_taus is None else np.asarray(small_taus, float)
    mm = np.empty((len(taus), len(ratios)))
    nn = np.empty_like(mm)
    for a, R in enumerate(ratios):
        y = T.step_labels(k, 1, n_major, R)
        for b, tau in enumerate(taus):
            bv = T.block_values(T.optimal_gram(y, tau), y)
            mm[b, a] = bv.maj_maj if R == 1 else bv.maj_min
            nn[b, a] = bv.maj_maj if R == 1 else bv.min_min
    ex = np.empty((2, small_taus.size))
    for r, counts in enumerate(((4, 4, 4), (8, 2, 2))):
        y = np.repeat(np.arange(3), counts)
        lb = T.loss_lower_bound(y)
        ex[r] = [T.optimal_gram(y, t, return_certificate=True)[1].loss - lb for t in small_taus]
    closed = np.array([T.etf_loss(3, 4, t) for t in small_taus]) - T.loss_lower_bound(np.repeat(np.arange(3), 4))
    return BlockData(ratios=np.asarray(ratios), taus=np.asarray(taus, float), maj_min=mm, min_min=nn, k=k,
                     small_taus=small_taus, excess=ex, excess_closed=closed)


@compact_repr
@dataclass(frozen=True)
class EmbeddingData:
    """Trained 3-D features for balanced k = 4 (rank 3: a regular tetrahedron) and STEP (8, 2, 2) labels.

    Attributes
    ----------
    balanced_labels, step_labels : numpy.ndarray of int
    balanced_H, step_H : numpy.ndarray, shape (3, n)
        Final features of one Riemannian-GD run each (d = 3).
    balanced_gap, step_gap : float
        Certified optimality-gap bounds of their Gram matrices.
    tau : float
    """

    balanced_labels: np.ndarray
    step_labels: np.ndarray
    balanced_H: np.ndarray
    step_H: np.ndarray
    balanced_gap: float
    step_gap: float
    tau: float


def embedding_data(tau=1.0, steps=20000, seed=0) -> EmbeddingData:
    """Compute :class:`EmbeddingData` (Riemannian GD, lr 0.05, stopping at gradient norm 1e-8)."""
    yb = T.balanced_labels(4, 3)
    ys = T.step_labels(3, 1, 8, 4)
    rb = riemannian_gd(yb, tau, 3, 0.05, steps, n_inits=1, seed=seed)
    rs = riemannian_gd(ys, tau, 3, 0.05, steps, n_inits=1, seed=seed)
    return EmbeddingData(balanced_labels=yb, step_labels=ys, balanced_H=rb.H[0], step_H=rs.H[0],
                         balanced_gap=T.gram_certificate(rb.gram[0], yb, tau).gap_bound,
                         step_gap=T.gram_certificate(rs.gram[0], ys, tau).gap_bound, tau=float(tau))
