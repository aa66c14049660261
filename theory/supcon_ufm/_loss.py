r"""The supervised-contrastive (SC) loss over free unit-norm features, its two-role gradient and its
Gram form (Behnia & Thrampoulidis 2024, arXiv 2402.18884; the loss is Khosla et al. 2020).

Labels $y \in [k]^n$ with every class count $n_c \ge 2$; features $H = [h_1 \dots h_n] \in \mathbb R^{d\times n}$
with $\lVert h_i\rVert = 1$; temperature $\tau > 0$; positives $P(i) = \{j \ne i : y_j = y_i\}$:

$$\mathcal L(H) = \sum_i \Big[\log\sum_{\ell\ne i} e^{h_i^\top h_\ell/\tau}
- \frac{1}{\tau|P(i)|}\sum_{j\in P(i)} h_i^\top h_j\Big].$$

It depends on $H$ only through $G = H^\top H$ and is convex in $G$ (a sum of log-sum-exps of
linear functions plus a linear term). With $M_{i\ell} = \tfrac1\tau(\mathrm{softmax}_i(\ell) - 𝟙[\ell\in P(i)]/|P(i)|)$
($M_{ii} = 0$), $\partial\mathcal L/\partial G_{i\ell} = M_{i\ell}$ entrywise, the symmetric gradient on
symmetric matrices is $(M + M^\top)/2$, and $\partial\mathcal L/\partial H = H(M + M^\top)$: each $h_i$ is
both an anchor and a contrast. Derivations: docs/supcon_ufm.md#the-loss-and-its-gradient.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..summary import compact_repr
from ..validate import as_bool, as_finite_array, as_positive_scalar, check_work, format_value

__all__ = ["SCLabels", "as_labels", "as_temperature", "gram_gradient", "gram_loss", "loss_lower_bound", "sc_gradient", "sc_loss"]

#: Largest number of samples: the Gram relaxation has n(n+1)/2 variables and n log-sum-exp cones.
MAX_SAMPLES = 400

#: Unit-norm check of the columns of H: | ||h_i|| - 1 | <= this (float64 normalisation leaves ~1e-16;
#: a caller's own normalisation in float32 leaves ~1e-7, so 1e-6 accepts it and rejects unnormalised H).
UNIT_NORM_TOL = 1e-6


@compact_repr
@dataclass(frozen=True)
class SCLabels:
    r"""Validated labels of the SC problem.

    Attributes
    ----------
    labels : numpy.ndarray of int, shape (n,)
        Class indices $0..k-1$ (relabelled in order of first appearance of the sorted values).
    counts : numpy.ndarray of int, shape (k,)
        Class counts $n_c \ge 2$.
    positive_weight : numpy.ndarray, shape (n, n)
        $W_{ij} = 𝟙[j \in P(i)]/|P(i)|$ (zero on the diagonal).
    """

    labels: np.ndarray
    counts: np.ndarray
    positive_weight: np.ndarray

    @property
    def n(self) -> int:
        """Number of samples."""
        return int(self.labels.size)

    @property
    def k(self) -> int:
        """Number of classes."""
        return int(self.counts.size)

    @property
    def same_class(self) -> np.ndarray:
        """Bool (n, n): $y_i = y_j$ (diagonal included)."""
        return self.labels[:, None] == self.labels[None, :]


def as_labels(labels) -> SCLabels:
    """Validate class labels for the SC loss: integers, at least two classes, every count >= 2.

    Parameters
    ----------
    labels : array_like of int, shape (n,)
        Any integer values; classes are their distinct values (relabelled 0..k-1 in sorted order).

    Returns
    -------
    SCLabels
    """
    if isinstance(labels, SCLabels):
        return labels
    arr = as_finite_array(labels, "labels", ndim=1)
    if arr.size and not np.all(arr == np.round(arr)):
        raise ValueError("labels must be integers (class indices); got non-integer values")
    check_work(int(arr.size), "len(labels)", maximum=MAX_SAMPLES,
               why="the Gram relaxation has n(n+1)/2 variables")
    values, inverse, counts = np.unique(arr, return_inverse=True, return_counts=True)
    if values.size < 2:
        raise ValueError(f"labels must hold at least 2 classes (the loss needs negatives); got {values.size}")
    if counts.min() < 2:
        bad = values[counts < 2]
        raise ValueError(f"labels: every class needs at least 2 samples (P(i) is empty otherwise); class "
                         f"{format_value(float(bad[0]))} has {int(counts.min())}")
    y = inverse.astype(np.int64).ravel()
    same = y[:, None] == y[None, :]
    np.fill_diagonal(same, False)
    W = same / (counts[y] - 1.0)[:, None]
    W.setflags(write=False)
    y.setflags(write=False)
    counts = counts.astype(np.int64)
    counts.setflags(write=False)
    return SCLabels(labels=y, counts=counts, positive_weight=W)


def as_temperature(tau) -> float:
    """Validate a temperature: a finite float in [1e-3, 1e6].

    Parameters
    ----------
    tau : float
        The temperature $\tau$.

    Returns
    -------
    float
    """
    tau = as_positive_scalar(tau, "tau")
    if not 1e-3 <= tau <= 1e6:
        raise ValueError(f"tau must lie in [1e-3, 1e6] (below, e^(2/tau) overflows the solvers' scaling; "
                         f"above, the loss is flat to rounding); got {format_value(tau)}")
    return tau


_as_tau = as_temperature


def _as_gram(G, n: int) -> np.ndarray:
    G = as_finite_array(G, "G", shape=(n, n))
    if np.max(np.abs(G - G.T)) > 1e-9 * max(1.0, float(np.max(np.abs(G)))):
        raise ValueError("G must be symmetric (a Gram matrix); got max |G - G^T| "
                         f"{format_value(float(np.max(np.abs(G - G.T))))}")
    return 0.5 * (G + G.T)


def _as_features(H, n: int) -> np.ndarray:
    H = as_finite_array(H, "H", ndim=2)
    if H.shape[1] != n:
        raise ValueError(f"H must have shape (d, n) with n = len(labels) = {n} columns; got {H.shape}")
    norms = np.linalg.norm(H, axis=0)
    worst = float(np.max(np.abs(norms - 1.0)))
    if worst > UNIT_NORM_TOL:
        raise ValueError(f"H must have unit-norm columns (features on the sphere); got max | ||h_i|| - 1 | = "
                         f"{format_value(worst)} > {UNIT_NORM_TOL:g}")
    return H


def _softmax_rows(G: np.ndarray, tau: float):
    """Row softmax of G/tau over l != i, and the row log-normalisers (stable: max subtracted)."""
    n = G.shape[0]
    off = ~np.eye(n, dtype=bool)
    X = np.where(off, G / tau, -np.inf)
    mx = X.max(axis=1)
    E = np.exp(X - mx[:, None])
    Z = E.sum(axis=1)
    return E / Z[:, None], mx + np.log(Z)


def _loss_from_gram(G, lab: SCLabels, tau: float) -> float:
    _, lse = _softmax_rows(G, tau)
    pos = np.sum(lab.positive_weight * G, axis=1) / tau
    return float(np.sum(lse - pos))


def _M(G, lab: SCLabels, tau: float) -> np.ndarray:
    S, _ = _softmax_rows(G, tau)
    return (S - lab.positive_weight) / tau


def gram_loss(G, labels, tau) -> float:
    r"""The SC loss as a function of the Gram matrix (Behnia & Thrampoulidis 2024).

    $$\mathcal L(G) = \sum_i \Big[\log\sum_{\ell\ne i} e^{G_{i\ell}/\tau} - \frac{1}{\tau|P(i)|}\sum_{j\in P(i)} G_{ij}\Big],$$

    convex in $G$; the diagonal of $G$ does not enter. Log-sum-exps are evaluated with the row
    maximum subtracted.

    Parameters
    ----------
    G : array_like, shape (n, n)
        Symmetric (a Gram matrix $H^\top H$, or any feasible point of the relaxation).
    labels : array_like of int, shape (n,)
        Class labels, every class with at least 2 samples (:func:`as_labels`).
    tau : float
        Temperature $\tau \in [10^{-3}, 10^{6}]$.

    Returns
    -------
    float
    """
    lab = as_labels(labels)
    return _loss_from_gram(_as_gram(G, lab.n), lab, _as_tau(tau))


def gram_gradient(G, labels, tau, *, symmetric=True) -> np.ndarray:
    r"""Symmetric gradient of :func:`gram_loss`: $(M + M^\top)/2$ with
    $M_{i\ell} = \tfrac1\tau(\mathrm{softmax}_i(\ell) - 𝟙[\ell \in P(i)]/|P(i)|)$, $M_{ii} = 0$.

    It is the gradient with respect to the inner product $\langle A, B\rangle = \mathrm{tr}(A^\top B)$
    on symmetric matrices; rows of $M$ sum to 0. With ``symmetric=False`` the entrywise derivative
    $M$ itself is returned (anchor $i$ in row $i$).

    Parameters
    ----------
    G : array_like, shape (n, n)
        Symmetric.
    labels : array_like of int, shape (n,)
    tau : float
    symmetric : bool, default True
        Return $(M + M^\top)/2$ (True) or $M$ (False).

    Returns
    -------
    numpy.ndarray, shape (n, n)
    """
    lab = as_labels(labels)
    symmetric = as_bool(symmetric, "symmetric")
    M = _M(_as_gram(G, lab.n), lab, _as_tau(tau))
    return 0.5 * (M + M.T) if symmetric else M


def sc_loss(H, labels, tau) -> float:
    r"""The SC loss of unit-norm features $H$ (Behnia & Thrampoulidis 2024; Khosla et al. 2020).

    $$\mathcal L(H) = \sum_i \Big[\log\sum_{\ell\ne i} e^{h_i^\top h_\ell/\tau}
    - \frac{1}{\tau|P(i)|}\sum_{j\in P(i)} h_i^\top h_j\Big] = \mathcal L(H^\top H).$$

    Parameters
    ----------
    H : array_like, shape (d, n)
        Features as columns, each of unit norm (to 1e-6).
    labels : array_like of int, shape (n,)
    tau : float

    Returns
    -------
    float
    """
    lab = as_labels(labels)
    H = _as_features(H, lab.n)
    return _loss_from_gram(H.T @ H, lab, _as_tau(tau))


def sc_gradient(H, labels, tau, *, riemannian=False) -> np.ndarray:
    r"""The two-role gradient $\partial\mathcal L/\partial H = H(M + M^\top)$ of :func:`sc_loss`.

    $M$ is as in :func:`gram_gradient`; $HM^\top$ is the anchor part and $HM$ the contrast part
    (dropping either gives wrong stationary points). With ``riemannian=True`` each column is
    projected onto the tangent space of its sphere, $g_i - (h_i^\top g_i) h_i$.

    Parameters
    ----------
    H : array_like, shape (d, n)
        Unit-norm columns.
    labels : array_like of int, shape (n,)
    tau : float
    riemannian : bool, default False

    Returns
    -------
    numpy.ndarray, shape (d, n)
    """
    lab = as_labels(labels)
    riemannian = as_bool(riemannian, "riemannian")
    H = _as_features(H, lab.n)
    M = _M(H.T @ H, lab, _as_tau(tau))
    g = H @ (M + M.T)
    if riemannian:
        g = g - H * np.sum(H * g, axis=0)
    return g


def loss_lower_bound(labels) -> float:
    r"""The $\tau$-free lower bound $\sum_i \log(n_{y_i} - 1) = \sum_c n_c \log(n_c - 1)$.

    Keeping only the positives in each log-sum-exp and applying Jensen's inequality,
    $\log\sum_{\ell\ne i} e^{G_{i\ell}/\tau} \ge \log|P(i)| + \frac{1}{\tau|P(i)|}\sum_{j\in P(i)} G_{ij}$, so
    $\mathcal L(G) \ge \sum_i \log|P(i)|$ for every $G$ and $\tau$; the minimum approaches it as
    $\tau \to 0$ (docs/supcon_ufm.md#the-small-temperature-limit).

    Parameters
    ----------
    labels : array_like of int, shape (n,)

    Returns
    -------
    float
    """
    lab = as_labels(labels)
    return float(np.sum(lab.counts * np.log(lab.counts - 1.0)))
