r"""Closed forms of the SC UFM: the balanced simplex-ETF optimum and its KKT certificate, the STEP
imbalance builders and the block structure of a Gram matrix (Behnia & Thrampoulidis 2024,
arXiv 2402.18884; the balanced simplex result is also Graf et al. 2021, arXiv 2102.08817).

Balanced classes ($k$ classes of $m$ samples, $n = km$): $G^\star_{ij} = 1$ if $y_i = y_j$, else $-1/(k-1)$;
at it every anchor sees $m - 1$ positives at inner product 1 and $(k-1)m$ negatives at $-1/(k-1)$, so

$$\mathcal L^\star = n\log\Big(m - 1 + (k-1)m\,e^{-k/((k-1)\tau)}\Big),$$

which exceeds the lower bound $n\log(m-1)$ by a term exponentially small in $1/\tau$. The KKT
certificate (docs/supcon_ufm.md#the-balanced-simplex-etf) writes the gradient as
$\operatorname{Diag}(\nu) + S$ with $S = aI + bJ_{\rm blk} + cJ \succeq 0$ and $SG^\star = 0$.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..summary import compact_repr
from ..validate import as_count
from ._loss import _as_gram, _as_tau, as_labels

__all__ = ["BlockValues", "ETFCertificate", "balanced_labels", "block_values", "etf_certificate", "etf_gram",
           "etf_loss", "step_labels"]


@compact_repr
@dataclass(frozen=True)
class ETFCertificate:
    r"""The KKT multipliers of the simplex ETF for balanced classes, in closed form.

    Attributes
    ----------
    n_classes, per_class : int
        $k$ and $m$.
    tau : float
    beta : float
        Within-class off-diagonal value of the gradient $(M+M^\top)/2$, $\beta < 0$.
    gamma : float
        Across-class value, $\gamma > 0$.
    nu : float
        The common multiplier of $G_{ii} = 1$: $\nu = (m-1)\beta - m\gamma$.
    a, b, c : float
        $S = aI + bJ_{\rm blk} + cJ$: $c = \gamma$, $b = \beta - \gamma$, $a = -mb > 0$.
    eigenvalues : tuple of float
        $(a, 0, n\gamma)$ on within-block zero-sum, block-constant zero-sum and constant vectors.
    loss : float
        $\mathcal L^\star$ at the ETF.
    """

    n_classes: int
    per_class: int
    tau: float
    beta: float
    gamma: float
    nu: float
    a: float
    b: float
    c: float
    eigenvalues: tuple
    loss: float


@compact_repr
@dataclass(frozen=True)
class BlockValues:
    r"""Means and spreads of the blocks of a Gram matrix under STEP imbalance.

    Majority classes are those of the largest count, minority classes the rest.

    Attributes
    ----------
    within : float
        Mean of $G_{ij}$, $i \ne j$ in the same class (1 under collapse).
    maj_maj, maj_min, min_min : float or None
        Means across two different majority classes, a majority and a minority class, two different
        minority classes (None when the block is empty, e.g. ``maj_maj`` with one majority class).
    spread : float
        Largest deviation of an entry from its block mean, over all blocks.
    """

    within: float
    maj_maj: float | None
    maj_min: float | None
    min_min: float | None
    spread: float


def balanced_labels(n_classes, per_class) -> np.ndarray:
    """Labels of ``n_classes`` classes of ``per_class`` samples each, sorted: ``[0]*m + [1]*m + ...``.

    Parameters
    ----------
    n_classes : int
        $k \\ge 2$.
    per_class : int
        $m \\ge 2$.

    Returns
    -------
    numpy.ndarray of int, shape (k m,)
    """
    k = as_count(n_classes, "n_classes", minimum=2, maximum=200)
    m = as_count(per_class, "per_class", minimum=2, maximum=400)
    if k * m > 400:
        raise ValueError(f"n_classes * per_class must be <= 400 (the Gram relaxation's size); got {k * m}")
    return np.repeat(np.arange(k), m)


def step_labels(n_classes, n_major_classes, n_major, ratio) -> np.ndarray:
    r"""STEP-imbalanced labels: $k_{\rm maj}$ classes of $n_{\rm maj}$ samples, the rest of $n_{\rm maj}/R$.

    Behnia & Thrampoulidis (2024). ``ratio`` $R = 1$ gives balanced classes.

    Parameters
    ----------
    n_classes : int
        $k \ge 2$.
    n_major_classes : int
        $k_{\rm maj}$, $1 \le k_{\rm maj} < k$.
    n_major : int
        Majority count $n_{\rm maj}$.
    ratio : int
        Imbalance ratio $R \ge 1$ dividing $n_{\rm maj}$, with $n_{\rm maj}/R \ge 2$.

    Returns
    -------
    numpy.ndarray of int, shape (k_maj n_maj + (k - k_maj) n_maj / R,)
        Sorted: majority classes $0..k_{\rm maj}-1$ first.
    """
    k = as_count(n_classes, "n_classes", minimum=2, maximum=200)
    kmaj = as_count(n_major_classes, "n_major_classes", minimum=1, maximum=k - 1)
    nmaj = as_count(n_major, "n_major", minimum=2, maximum=400)
    R = as_count(ratio, "ratio", minimum=1, maximum=nmaj)
    if nmaj % R:
        raise ValueError(f"ratio must divide n_major; got n_major = {nmaj}, ratio = {R}")
    nmin = nmaj // R
    if nmin < 2:
        raise ValueError(f"n_major / ratio must be >= 2 (every class needs two samples); got {nmin}")
    counts = [nmaj] * kmaj + [nmin] * (k - kmaj)
    if sum(counts) > 400:
        raise ValueError(f"the labels must number <= 400 (the Gram relaxation's size); got {sum(counts)}")
    return np.repeat(np.arange(k), counts)


def etf_gram(labels) -> np.ndarray:
    r"""The simplex-ETF Gram matrix of the labels: $G_{ij} = 1$ if $y_i = y_j$, else $-1/(k-1)$.

    The optimum of the Gram relaxation for balanced labels, for every $\tau$ (Behnia & Thrampoulidis
    2024; Graf et al. 2021). Rank $k - 1$.

    Parameters
    ----------
    labels : array_like of int, shape (n,)

    Returns
    -------
    numpy.ndarray, shape (n, n)
    """
    lab = as_labels(labels)
    return np.where(lab.same_class, 1.0, -1.0 / (lab.k - 1))


def etf_loss(n_classes, per_class, tau) -> float:
    r"""$\mathcal L^\star = n\log(m - 1 + (k-1)m\,e^{-k/((k-1)\tau)})$, the balanced optimum ($n = km$).

    Parameters
    ----------
    n_classes : int
        $k \ge 2$.
    per_class : int
        $m \ge 2$.
    tau : float

    Returns
    -------
    float
    """
    k = as_count(n_classes, "n_classes", minimum=2)
    m = as_count(per_class, "per_class", minimum=2)
    tau = _as_tau(tau)
    return float(k * m * math.log(m - 1 + (k - 1) * m * math.exp(-k / ((k - 1) * tau))))


def etf_certificate(n_classes, per_class, tau) -> ETFCertificate:
    r"""The closed-form KKT certificate of the simplex ETF for balanced labels (every $\tau > 0$).

    With $Z = (m-1)e^{1/\tau} + (k-1)m\,e^{-1/((k-1)\tau)}$, the softmax of anchor $i$ puts
    $s_+ = e^{1/\tau}/Z$ on each positive and $s_- = e^{-1/((k-1)\tau)}/Z$ on each negative, so

    $$\beta = \tfrac1\tau\big(s_+ - \tfrac{1}{m-1}\big) < 0,\qquad \gamma = \tfrac{s_-}{\tau} > 0,\qquad
    (m-1)\beta + (k-1)m\gamma = 0,$$

    and $\nabla\mathcal L(G^\star) = \operatorname{Diag}(\nu) + S$ with $S = aI + bJ_{\rm blk} + cJ$,
    $c = \gamma$, $b = \beta - \gamma$, $a = m(\gamma - \beta) > 0$, $\nu = -(a + \beta)$: $S$ has
    eigenvalues $a$, $0$, $n\gamma \ge 0$ and $SG^\star = 0$, which with $G^\star \succeq 0$,
    $\operatorname{diag}G^\star = 1$ are the KKT conditions of the convex relaxation
    (docs/supcon_ufm.md#the-balanced-simplex-etf; proved symbolically by the claim
    ``supcon_ufm.symbolic.etf_kkt``).

    Parameters
    ----------
    n_classes : int
        $k \ge 2$.
    per_class : int
        $m \ge 2$.
    tau : float

    Returns
    -------
    ETFCertificate
    """
    k = as_count(n_classes, "n_classes", minimum=2, maximum=200)
    m = as_count(per_class, "per_class", minimum=2, maximum=400)
    tau = _as_tau(tau)
    # normalised by e^{1/tau}: s_+ = 1/Z', s_- = q/Z' with q = e^{-k/((k-1)tau)} (no overflow)
    q = math.exp(-k / ((k - 1) * tau))
    Zp = (m - 1) + (k - 1) * m * q
    gamma = q / Zp / tau
    beta = -(k - 1) * m * q / ((m - 1) * Zp) / tau          # (1/tau)(1/Z' - 1/(m-1)), cancellation-free
    b = beta - gamma
    a = -m * b
    nu = -(a + beta)
    return ETFCertificate(n_classes=k, per_class=m, tau=tau, beta=beta, gamma=gamma, nu=nu, a=a, b=b, c=gamma,
                          eigenvalues=(a, 0.0, k * m * gamma), loss=etf_loss(k, m, tau))


def block_values(G, labels) -> BlockValues:
    r"""Block means and the largest within-block spread of a Gram matrix (STEP structure).

    Majority classes are those with the largest count; the labels must have exactly two distinct
    counts (STEP imbalance) or one (balanced: every class counts as majority).

    Parameters
    ----------
    G : array_like, shape (n, n)
        Symmetric.
    labels : array_like of int, shape (n,)

    Returns
    -------
    BlockValues
    """
    lab = as_labels(labels)
    G = _as_gram(G, lab.n)
    sizes = np.unique(lab.counts)
    if sizes.size > 2:
        raise ValueError(f"labels must be STEP-imbalanced (two distinct class counts); got counts "
                         f"{lab.counts.tolist()}")
    major = lab.counts[lab.labels] == lab.counts.max()
    off = ~np.eye(lab.n, dtype=bool)
    same = lab.same_class & off
    diff = ~lab.same_class
    masks = {"within": same,
             "maj_maj": diff & major[:, None] & major[None, :],
             "maj_min": diff & (major[:, None] ^ major[None, :]),
             "min_min": diff & ~major[:, None] & ~major[None, :]}
    means, spread = {}, 0.0
    for key, mask in masks.items():
        if mask.any():
            means[key] = float(G[mask].mean())
            spread = max(spread, float(np.max(np.abs(G[mask] - means[key]))))
        else:
            means[key] = None
    return BlockValues(spread=spread, **means)


