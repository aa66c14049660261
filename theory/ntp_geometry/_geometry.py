r"""Geometry of the NTP-UFM logits (Zhao et al. 2024): the sparse + low-rank split, Gram matrices and
subspace collapse.

As $\lambda \to 0$, $L_\lambda \approx L^{\rm in} + c(\lambda)L^{\rm mm}$: the projection onto
$F_L$ (matrices whose column $j$ sums to zero on $S_j$ and vanishes off it) tends to $L^{\rm in}$
(centred log-probabilities) and the direction to $L^{\rm mm}$ (the nuclear logit SVM), which lies in
$F_L^\perp$ (matrices whose column $j$ is constant on $S_j$). :func:`decompose_logits` measures the split;
:func:`gram_geometry` compares the word and context Gram matrices of the balanced factors with
those of $L^{\rm mm}$ and measures the collapse of contexts with identical supports.
Derivations: docs/ntp_geometry.md#sparse-plus-low-rank and docs/ntp_geometry.md#gram-geometry.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..ntp._data import as_support
from ..ntp._subspace import centered_log_probabilities
from ..summary import compact_repr
from ..validate import as_finite_array

__all__ = ["GramGeometry", "LogitDecomposition", "decompose_logits", "gram_geometry", "identical_support_pairs",
           "project_F_logits"]


def _cos(a, b) -> float:
    """Cosine of two arrays, scaled first (no overflow for entries near the float limit); NaN if one is zero."""
    sa, sb = float(np.max(np.abs(a), initial=0.0)), float(np.max(np.abs(b), initial=0.0))
    if sa == 0 or sb == 0:
        return float("nan")
    a, b = a / sa, b / sb
    return float(np.sum(a * b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def _nonzero(M, name):
    if not np.any(M):
        raise ValueError(f"{name} must be nonzero (its direction is compared)")


def project_F_logits(L, support) -> np.ndarray:
    r"""Orthogonal projection onto $F_L$: column $j$ centred on $S_j$, zero off $S_j$.

    Parameters
    ----------
    L : array_like, shape (V, m)
        Logits.
    support : array_like of bool, shape (V, m)
        Supports $S_j$.

    Returns
    -------
    numpy.ndarray, shape (V, m)
    """
    L = as_finite_array(L, "L", ndim=2)
    S = as_support(support)
    if S.shape != L.shape:
        raise ValueError(f"support must have the shape of L {L.shape}; got {S.shape}")
    mean = np.where(S, L, 0.0).sum(axis=0) / S.sum(axis=0)
    return np.where(S, L - mean, 0.0)


@compact_repr
@dataclass(frozen=True)
class LogitDecomposition:
    r"""$L = c\,L^{\rm mm} + R$ with $c = \langle L, L^{\rm mm}\rangle/\|L^{\rm mm}\|_F^2$.

    Attributes
    ----------
    c : float
        The coefficient along $L^{\rm mm}$ (the ln(1/λ) law predicts $c \approx \ln(1/\lambda) + \mathrm{const}$).
    residual : numpy.ndarray, shape (V, m)
        $R = L - cL^{\rm mm}$.
    residual_norm : float
        $\|R\|_F$ (bounded along the path).
    in_support_error : float
        $\|P_{F_L}L - L^{\rm in}\|_F$ (tends to 0).
    direction_corr : float
        $\langle L, L^{\rm mm}\rangle/(\|L\|_F\|L^{\rm mm}\|_F)$ (tends to 1).
    """

    c: float
    residual: np.ndarray
    residual_norm: float
    in_support_error: float
    direction_corr: float


def decompose_logits(L, P, L_mm) -> LogitDecomposition:
    r"""Split logits into the $L^{\rm mm}$ direction, a residual and the in-support part (Zhao et al. 2024).

    $c = \langle L, L^{\rm mm}\rangle/\|L^{\rm mm}\|_F^2$, $R = L - cL^{\rm mm}$; since
    $L^{\rm in} \in F_L \perp F_L^\perp \ni L^{\rm mm}$, $c$ does not see the in-support part.

    Parameters
    ----------
    L : array_like, shape (V, m)
        Logits (for example :func:`theory.ntp_geometry.ufm_logits` ``(...).L``).
    P : array_like, shape (V, m)
        Next-token distributions (give $L^{\rm in}$ and the supports).
    L_mm : array_like, shape (V, m)
        The logit SVM (:func:`theory.ntp_geometry.logit_max_margin`).

    Returns
    -------
    LogitDecomposition
    """
    L = as_finite_array(L, "L", ndim=2)
    L_mm = as_finite_array(L_mm, "L_mm", shape=L.shape)
    L_in = centered_log_probabilities(P)
    if L_in.shape != L.shape:
        raise ValueError(f"P must have the shape of L {L.shape}; got {L_in.shape}")
    _nonzero(L, "L")
    _nonzero(L_mm, "L_mm")
    with np.errstate(over="ignore", invalid="ignore"):
        s = float(np.max(np.abs(L_mm)))
        Ms = L_mm / s
        c = float(np.sum(L * Ms)) / float(np.sum(Ms * Ms)) / s
        R = L - c * L_mm
        err = float(np.linalg.norm(project_F_logits(L, np.asarray(P, dtype=float) > 0) - L_in))
        out = LogitDecomposition(c=c, residual=R, residual_norm=float(np.linalg.norm(R)), in_support_error=err,
                                 direction_corr=_cos(L, L_mm))
    if not all(np.isfinite(v) for v in (out.c, out.residual_norm, out.in_support_error)) or \
            not np.all(np.isfinite(R)):
        raise ValueError("L and L_mm must have magnitudes whose products fit in float64 (the decomposition "
                         "overflows); rescale them")
    return out


def identical_support_pairs(support) -> list:
    r"""Pairs $(j, j')$, $j < j'$, of contexts with identical supports $S_j = S_{j'}$.

    Parameters
    ----------
    support : array_like of bool, shape (V, m)

    Returns
    -------
    list of tuple of int
    """
    S = as_support(support)
    m = S.shape[1]
    return [(j, k) for j in range(m) for k in range(j + 1, m) if np.array_equal(S[:, j], S[:, k])]


@compact_repr
@dataclass(frozen=True)
class GramGeometry:
    r"""Gram geometry of logits $L$ against $L^{\rm mm}$ (balanced factors of each).

    Attributes
    ----------
    word_gram_corr : float
        Cosine between $U\Sigma U^\top$ of $L$ and of $L^{\rm mm}$ (word Grams $WW^\top$).
    context_gram_corr : float
        Cosine between $V\Sigma V^\top$ of $L$ and of $L^{\rm mm}$ (context Grams $H^\top H$).
    collapse_cos : numpy.ndarray, shape (n_pairs,)
        For each pair of contexts with identical supports, the cosine between the
        $F_L^\perp$-components of their logit columns, $(I - P_{F_L})\ell_j$ and $(I - P_{F_L})\ell_{j'}$
        ($\ell_j = Wh_j$: the part of the context embedding that the growing low-rank part sees);
        subspace collapse drives it to 1, like $1 - O(1/\ln^2(1/\lambda))$ (the difference stays
        bounded while the common part grows).
    pairs : list of tuple of int
        The pairs, as :func:`identical_support_pairs`.
    """

    word_gram_corr: float
    context_gram_corr: float
    collapse_cos: np.ndarray
    pairs: list


def _grams(L):
    U, s, Vt = np.linalg.svd(L, full_matrices=False)
    return (U * s) @ U.T, (Vt.T * s) @ Vt


def gram_geometry(L, L_mm, support) -> GramGeometry:
    r"""Word/context Gram matrices of $L$ against those of $L^{\rm mm}$, and the collapse of identical supports.

    With balanced factors $W = U\Sigma^{1/2}$, $H = \Sigma^{1/2}V^\top$ (every UFM minimiser up to a
    rotation), $WW^\top = U\Sigma U^\top$ and $H^\top H = V\Sigma V^\top$; as $\lambda \to 0$ they
    converge in direction to those of $L^{\rm mm}$, and contexts with identical supports become
    parallel once the in-support part $P_{F_L}$ is removed (Zhao et al. 2024, subspace collapse).

    Parameters
    ----------
    L : array_like, shape (V, m)
        Logits.
    L_mm : array_like, shape (V, m)
        The logit SVM.
    support : array_like of bool, shape (V, m)
        Supports (for the identical-support pairs).

    Returns
    -------
    GramGeometry
    """
    L = as_finite_array(L, "L", ndim=2)
    L_mm = as_finite_array(L_mm, "L_mm", shape=L.shape)
    S = as_support(support)
    if S.shape != L.shape:
        raise ValueError(f"support must have the shape of L {L.shape}; got {S.shape}")
    _nonzero(L, "L")
    _nonzero(L_mm, "L_mm")
    L, L_mm = L / float(np.max(np.abs(L))), L_mm / float(np.max(np.abs(L_mm)))   # directions only: scale-free
    wg, cg = _grams(L)
    wg_mm, cg_mm = _grams(L_mm)
    pairs = identical_support_pairs(S)
    Q = L - project_F_logits(L, S)
    cos = np.array([_cos(Q[:, j], Q[:, k]) for j, k in pairs])
    return GramGeometry(word_gram_corr=_cos(wg, wg_mm), context_gram_corr=_cos(cg, cg_mm), collapse_cos=cos,
                        pairs=pairs)
