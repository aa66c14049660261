"""Laws of the i.i.d. random matrices M_t whose products :func:`lyapunov_qr` (``_qr``) measures.

* :class:`FiniteRowsLaw` — M_t = I − (λ·scale/S) Σ_{j∈B_t} x_j x_jᵀ, rows of a finite data set
  (batches with replacement, or without replacement within a batch).
* :class:`GaussianRowsLaw` — the same with rows x_j ~ N(0, I_d).
* :class:`TwoLayerVectorLaw` — the vector-input two-layer map at the origin (docs/sgd_stability.md#vector-inputs).

Frozen, validated dataclasses (docs/sgd_stability.md#the-lyapunov-criterion, docs/sgd_stability.md#vector-inputs); ``_law_setup`` turns one into the arguments
of the QR kernel (``_qr_kernel``), which samples the factors from each chain's own stream.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from theory.summary import compact_repr
from theory.validate import as_bool, as_finite_array, as_finite_scalar, as_positive_scalar

from .._chains import as_count

__all__ = ["FiniteRowsLaw", "GaussianRowsLaw", "TwoLayerVectorLaw"]


# --------------------------------------------------------------------------------------------
# matrix laws
# --------------------------------------------------------------------------------------------

def _as_batch(batch_size) -> int:
    return as_count(batch_size, "batch_size", 1)


@compact_repr
@dataclass(frozen=True)
class FiniteRowsLaw:
    r"""$M_t = I - \frac{\lambda\cdot\mathrm{scale}}{S} \sum_{j\in B_t} x_j x_j^\top$ with rows $x_j$ of a finite data matrix.

    Per-sample Hessians $H_i = \mathrm{scale}\cdot x_i x_i^\top$ (square loss (κ/2)(xᵀθ − y)²: scale = κ) at an
    interpolating minimum; batches of S rows drawn uniformly with replacement, or without
    replacement within a batch (``replace=False``; i.i.d. across steps, Mulayoff & Michaeli's
    convention, docs/sgd_stability.md#conventions).

    Parameters
    ----------
    X : array of shape (n, d)
        Data rows.
    scale : float, default 1.0
        Hessian scale (> 0).
    batch_size : int, default 1
        S (≤ n without replacement).
    replace : bool, default True
    """

    X: np.ndarray
    scale: float = 1.0
    batch_size: int = 1
    replace: bool = True

    def __post_init__(self):
        X = as_finite_array(self.X, "X", ndim=2)
        if X.shape[0] == 0 or X.shape[1] == 0:
            raise ValueError(f"X must have at least one row and one column; got shape {X.shape}")
        X = X.copy()
        X.setflags(write=False)
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "scale", as_positive_scalar(self.scale, "scale"))
        object.__setattr__(self, "batch_size", _as_batch(self.batch_size))
        object.__setattr__(self, "replace", as_bool(self.replace, "replace"))
        object.__setattr__(self, "replace", bool(self.replace))
        if not self.replace and self.batch_size > X.shape[0]:
            raise ValueError(f"batch_size = {self.batch_size} exceeds the n = {X.shape[0]} rows of X "
                             "(sampling without replacement)")

    @property
    def dim(self) -> int:
        r"""Dimension D of $M_t$."""
        return self.X.shape[1]


@compact_repr
@dataclass(frozen=True)
class GaussianRowsLaw:
    r"""$M_t = I - \frac{\lambda\cdot\mathrm{scale}}{S} \sum_{j\le S} x_j x_j^\top$, $x_j \sim N(0, I_d)$ (case 5 of docs/sgd_stability.md#reference-cases for S = 1).

    Parameters
    ----------
    dim : int
        d ≥ 1.
    scale : float, default 1.0
    batch_size : int, default 1
    """

    dim: int
    scale: float = 1.0
    batch_size: int = 1

    def __post_init__(self):
        object.__setattr__(self, "dim", as_count(self.dim, "dim", 1))
        object.__setattr__(self, "scale", as_positive_scalar(self.scale, "scale"))
        object.__setattr__(self, "batch_size", _as_batch(self.batch_size))


@compact_repr
@dataclass(frozen=True)
class TwoLayerVectorLaw:
    r"""$M_t = I + \lambda\kappa s_1 \begin{pmatrix} 0 & c_t^\top \\ c_t & 0 \end{pmatrix}$ on $(u_i, w_i) \in \mathbb{R}^{1+d}$ (docs/sgd_stability.md#vector-inputs).

    $c_t = \frac1S \sum_j y_j x_j$ with $x_j \sim N(0, I_d)$, $y_j = x_{j1} + \sigma\varepsilon_j$: the two-layer network at
    the origin with vector inputs. The factors do not commute; eigenvalues $1 \pm \lambda\kappa s_1\|c_t\|$, 1.

    Parameters
    ----------
    dim : int
        Input dimension d ≥ 1 (D = d + 1).
    noise : float
        Label noise σ ≥ 0.
    batch_size : int, default 1
    kappa : float, default 1.0
        Loss normalisation κ > 0.
    s1 : float, default 1.0
        σ'(0) of the activation (> 0).
    """

    dim: int
    noise: float
    batch_size: int = 1
    kappa: float = 1.0
    s1: float = 1.0

    def __post_init__(self):
        object.__setattr__(self, "dim", as_count(self.dim, "dim", 1))
        noise = as_finite_scalar(self.noise, "noise")
        if noise < 0:
            raise ValueError(f"noise must be >= 0; got {noise}")
        object.__setattr__(self, "noise", noise)
        object.__setattr__(self, "batch_size", _as_batch(self.batch_size))
        object.__setattr__(self, "kappa", as_positive_scalar(self.kappa, "kappa"))
        object.__setattr__(self, "s1", as_positive_scalar(self.s1, "s1"))


def _law_setup(law):
    """Kernel inputs describing the law: kind, X, row_sq, scale, S, replace, noise, gain, D."""
    dummy_x = np.zeros((1, 1))
    dummy_sq = np.zeros(1)
    if isinstance(law, FiniteRowsLaw):
        X = np.array(law.X, dtype=np.float64, order="C")      # writable: one kernel signature
        row_sq = np.zeros(X.shape[0])
        for i in range(X.shape[1]):                  # ‖x_i‖² for the growth bound
            row_sq = row_sq + X[:, i] * X[:, i]
        return 0, X, row_sq, law.scale, law.batch_size, law.replace, 0.0, 0.0, X.shape[1]
    if isinstance(law, GaussianRowsLaw):
        return 1, dummy_x, dummy_sq, law.scale, law.batch_size, True, 0.0, 0.0, law.dim
    if isinstance(law, TwoLayerVectorLaw):
        return (2, dummy_x, dummy_sq, 1.0, law.batch_size, True, law.noise, law.kappa * law.s1,
                law.dim + 1)
    raise ValueError("law must be a FiniteRowsLaw, GaussianRowsLaw or TwoLayerVectorLaw; "
                     f"got {type(law).__name__}")
