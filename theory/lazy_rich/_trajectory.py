"""Shared pieces of the single-neuron cross-check parametrisations (``_riccati``, ``_balanced``).

Kunin et al. 2024 (arXiv 2406.06158); docs/lazy_rich.md#exact-solution-for-whitened-input. Holds the trajectory record
:class:`NeuronTrajectory` returned by :func:`solution_via_riccati` and :func:`balanced_solution`,
and the validation of their time grid and target β* (whitened input XᵀX = I_d, β* = Xᵀy).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..summary import compact_repr
from ..validate import as_finite_array

__all__ = ["NeuronTrajectory"]

# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def _times(t, *, ndim=1) -> np.ndarray:
    t = as_finite_array(t, "t", ndim=ndim)
    if np.any(t < 0):
        raise ValueError("t must be >= 0 (the flow is solved forward from t = 0)")
    return t


def _target(beta_star) -> tuple[np.ndarray, float, np.ndarray]:
    beta_star = as_finite_array(beta_star, "beta_star", ndim=1)
    s = float(np.linalg.norm(beta_star))
    if s == 0:
        raise ValueError("beta_star must be nonzero (the Riccati variable ν = η_a wᵀβ*/a is "
                         "identically 0 and the alignment φ is undefined when beta_star = 0)")
    return beta_star, s, beta_star / s


# --------------------------------------------------------------------------------------------
# result records
# --------------------------------------------------------------------------------------------

@compact_repr
@dataclass(frozen=True)
class NeuronTrajectory:
    r"""Single-neuron trajectory computed by one of the cross-check parametrisations.

    Attributes
    ----------
    t : ndarray of shape (T,)
        Times (original time).
    a : ndarray of shape (T,)
        Readout weight a(t).
    w : ndarray of shape (T, d)
        First-layer weights w(t).
    beta : ndarray of shape (T, d)
        β(t) = a(t)·w(t).
    beta_star : ndarray of shape (d,)
        Target $\beta^* = X^\top y$.
    delta : float
        Conserved quantity $\delta = \eta_w a_0^2 - \eta_a\|w_0\|^2$.
    eta_a, eta_w : float
        Layer learning rates.
    """

    t: np.ndarray
    a: np.ndarray
    w: np.ndarray
    beta: np.ndarray
    beta_star: np.ndarray
    delta: float
    eta_a: float
    eta_w: float

    @property
    def mu(self) -> np.ndarray:
        """Signed magnitude μ = a‖w‖."""
        return self.a * np.linalg.norm(self.w, axis=-1)

    @property
    def phi(self) -> np.ndarray:
        r"""Alignment $\varphi = \cos\angle(w, \beta^*)$ (0 where w = 0)."""
        norms = np.linalg.norm(self.w, axis=-1) * np.linalg.norm(self.beta_star)
        dots = self.w @ self.beta_star
        return np.divide(dots, norms, out=np.zeros_like(dots), where=norms > 0)
