r"""Mirror potential Φ_δ of the single-neuron model: potential, mirror map and its inverse.

Kunin et al. 2024 (arXiv 2406.06158); derivations in docs/lazy_rich.md#implicit-bias-for-general-x. Everything
is stated at unit rates (docs/lazy_rich.md#reduction-to-unit-rates): with k = √(η_aη_w), P = (η_w/η_a)^{1/4} a and Q = (η_a/η_w)^{1/4} w one has
β = PQ, P² − ‖Q‖² = δ̃ := δ/k, and (Q, P) is unit-rate gradient flow in τ = k t. The functions
below take the unit-rate δ̃ as their ``delta``.

Key identities (R = √(δ² + 4‖β‖²), P² = (R + δ)/2, ‖Q‖² = (R − δ)/2):

* Φ_δ(β) = (1/(2√2))(R − 2δ)√(R + δ) = ½(2‖Q‖² − δ)|P|,
* ∇Φ_δ(β) = (3/2)‖Q‖β̂ = (3/2)β/|P| = (3/2)·sign(P)·Q along the flow,
* (∇Φ_δ)⁻¹(z) = (2/3)√(max(0, t + δ))·z with t = (2‖z‖/3)² (t is ‖Q‖²),
* Φ*_δ(z) = ½ max(0, t + δ)^{3/2} (the convex conjugate).

Besides the public potential, mirror map and inverse, this module holds the private pieces the
Bregman projection of ``_implicit_bias`` needs: the Hessian ∇²Φ_δ, the Jacobian of the inverse
map (= ∇²Φ*_δ), and cancellation-free shifted forms of Φ_δ and Φ*_δ.
"""

from __future__ import annotations

import numpy as np

from ..validate import as_finite_array, as_finite_scalar, guard_numerics

__all__ = [
    "inverse_mirror_map",
    "mirror_potential",
    "mirror_potential_grad",
]


# --------------------------------------------------------------------------------------------
# Potential, gradient, inverse (unit rates)
# --------------------------------------------------------------------------------------------

def _norm_parts(beta: np.ndarray, delta: float):
    """‖β‖, t = ‖Q‖² = (R − δ)/2 and p2 = P² = (R + δ)/2, each without cancellation."""
    nb = np.linalg.norm(beta, axis=-1)
    R = np.hypot(delta, 2.0 * nb)
    with np.errstate(invalid="ignore", divide="ignore"):
        if delta > 0:
            p2 = (R + delta) / 2.0
            t = 2.0 * nb * (nb / (R + delta))
        elif delta < 0:
            t = (R - delta) / 2.0
            p2 = 2.0 * nb * (nb / (R - delta))
        else:
            t = nb.copy() if isinstance(nb, np.ndarray) else nb
            p2 = t
    return nb, t, p2


@guard_numerics
def mirror_potential(beta, delta):
    r"""Mirror potential $\Phi_\delta(\beta) = \frac{1}{2\sqrt2}(R - 2\delta)\sqrt{R + \delta}$, $R = \sqrt{\delta^2 + 4\|\beta\|^2}$.

    Kunin et al. 2024 (arXiv 2406.06158), docs/lazy_rich.md#implicit-bias-for-general-x; normalised so that $\Phi_0(\beta) = \|\beta\|^{3/2}$
    (the paper's prefactor may differ; argmins do not depend on it). Evaluated as
    $\Phi = \tfrac12(2t - \delta)\sqrt p$ with $t = (R - \delta)/2 = \|Q\|^2$ and $p = (R + \delta)/2 = P^2$, each computed without
    cancellation (for δ < 0, $R + \delta = 4\|\beta\|^2/(R - \delta)$; for δ > 0, $R - \delta = 4\|\beta\|^2/(R + \delta)$).

    Parameters
    ----------
    beta : array of shape (..., d)
        Function-space vectors β = a·w; leading axes are batch axes.
    delta : float
        Unit-rate conserved quantity $\tilde\delta = \delta/\sqrt{\eta_a\eta_w}$ (equal to δ at unit rates).

    Returns
    -------
    float or ndarray of shape (...)
        $\Phi_\delta(\beta)$. $\Phi_\delta$ is strictly convex; for δ < 0 it has a cone-like kink at β = 0.

    References
    ----------
    Kunin et al. (2024), "Get rich quick: exact solutions reveal how unbalanced initializations
    promote rapid feature learning", arXiv 2406.06158.

    Examples
    --------
    >>> round(float(mirror_potential([3.0, 4.0], 0.0)), 12)  # ‖β‖^{3/2}
    11.180339887499
    """
    beta = as_finite_array(beta, "beta")
    if beta.ndim == 0:
        raise ValueError(
            f"beta must have at least one axis (the dimension d); got shape {beta.shape}")
    delta = as_finite_scalar(delta, "delta")
    _, t, p2 = _norm_parts(beta, delta)
    out = 0.5 * (2.0 * t - delta) * np.sqrt(p2)
    return float(out) if np.ndim(out) == 0 else out


@guard_numerics
def mirror_potential_grad(beta, delta):
    r"""Mirror map $\nabla\Phi_\delta(\beta) = \frac32\sqrt{(R - \delta)/2}\,\hat\beta = \frac32\beta/|P|$, $R = \sqrt{\delta^2 + 4\|\beta\|^2}$.

    Kunin et al. 2024 (arXiv 2406.06158), docs/lazy_rich.md#implicit-bias-for-general-x. Along gradient flow (unit rates)
    $\nabla\Phi_\delta(\beta) = \frac32\,\mathrm{sign}(P)\,Q$ with P = a, Q = w, so $\|\nabla\Phi_\delta(\beta)\| = \frac32\|w\|$.

    At β = 0: for δ > 0 the gradient is 0; for δ = 0 it is 0 ($\Phi_0 = \|\beta\|^{3/2}$ is C¹); for δ < 0,
    $\Phi_\delta$ has a kink and its subdifferential is the ball of radius (3/2)√|δ|, where this function
    returns 0 (one subgradient).

    Parameters
    ----------
    beta : array of shape (..., d)
        Function-space vectors; leading axes are batch axes.
    delta : float
        Unit-rate conserved quantity δ̃.

    Returns
    -------
    ndarray of shape (..., d)

    References
    ----------
    Kunin et al. (2024), arXiv 2406.06158.
    """
    beta = as_finite_array(beta, "beta")
    if beta.ndim == 0:
        raise ValueError(
            f"beta must have at least one axis (the dimension d); got shape {beta.shape}")
    delta = as_finite_scalar(delta, "delta")
    return _grad(beta, delta)


def _grad(beta: np.ndarray, delta: float) -> np.ndarray:
    nb, t, p2 = _norm_parts(beta, delta)
    nb = np.asarray(nb)[..., None]
    with np.errstate(invalid="ignore", divide="ignore"):
        if delta > 0:
            scale = 1.5 / np.sqrt(np.asarray(p2))[..., None]
            out = scale * beta
        else:
            out = np.where(nb > 0, 1.5 * np.sqrt(np.asarray(t))[..., None] * (beta / nb), 0.0)
    return out


def _hess(beta: np.ndarray, delta: float) -> np.ndarray:
    """∇²Φ_δ(β) = (3/2)[(I − β̂β̂ᵀ)/|P| + (|P|/R) β̂β̂ᵀ] for a single β ≠ 0 (or δ > 0)."""
    nb, t, p2 = _norm_parts(beta, delta)
    d = beta.shape[0]
    if nb == 0.0:
        # δ > 0: Φ is smooth at 0 with Hessian (3/2)/√δ·I; δ ≤ 0: not twice differentiable.
        return np.diag(np.full(d, 1.5 / np.sqrt(p2) if p2 > 0 else np.inf))
    bh = beta / nb
    P = np.sqrt(p2)
    R = t + p2
    outer = np.outer(bh, bh)
    return 1.5 * ((np.eye(d) - outer) / P + (P / R) * outer)


def _potential_shifted(beta: np.ndarray, delta: float) -> float:
    """Φ_δ(β) − Φ_δ(0) for δ > 0 (else Φ_δ(β)) in a cancellation-free form.

    With a = |P| = √(t + δ), b = √δ: Φ − Φ(0) = ½[(2a² − 3b²)a + b³] = ½(a − b)(2a² + 2ab − b²)
    and a − b = t/(a + b). Keeps optimisers accurate for δ ≫ 1.
    """
    _, t, p2 = _norm_parts(beta, delta)
    if delta > 0:
        a, b = np.sqrt(p2), np.sqrt(delta)
        return float(0.5 * t * (2.0 * p2 + 2.0 * a * b - delta) / (a + b))
    return float(0.5 * (2.0 * t - delta) * np.sqrt(p2))


def _inverse_parts(z: np.ndarray, delta: float):
    """‖z‖, t = (2‖z‖/3)² and p2 = max(0, t + δ) (for δ < 0 via (4/9)(‖z‖ − b)(‖z‖ + b))."""
    nz = np.linalg.norm(z, axis=-1)
    t = (2.0 * nz / 3.0) ** 2
    if delta < 0:
        b = 1.5 * np.sqrt(-delta)
        p2 = np.maximum(0.0, (4.0 / 9.0) * (nz - b) * (nz + b))
    else:
        p2 = t + delta
    return nz, t, p2


@guard_numerics
def inverse_mirror_map(z, delta):
    r"""Inverse mirror map: β with $\nabla\Phi_\delta(\beta) = z$, namely $\beta = \sqrt{t\max(0, t + \delta)}\,\hat z$, $t = (2\|z\|/3)^2$.

    Kunin et al. 2024 (arXiv 2406.06158), docs/lazy_rich.md#implicit-bias-for-general-x. Equivalently $\beta = \frac23\sqrt{\max(0, t + \delta)}\,z$,
    which is the gradient of the convex conjugate $\Phi^*_\delta(z) = \tfrac12 \max(0, t + \delta)^{3/2}$. Here
    t = ‖Q‖² and t + δ = P² at unit rates. For δ < 0 and ‖z‖ ≤ (3/2)√|δ| (the subdifferential
    of $\Phi_\delta$ at its kink β = 0) the result is β = 0. For δ < 0, t + δ is formed as
    (4/9)(‖z‖ − b)(‖z‖ + b), b = (3/2)√|δ|, which is as accurate as ‖z‖ allows.

    Parameters
    ----------
    z : array of shape (..., d)
        Dual (mirror) points; leading axes are batch axes.
    delta : float
        Unit-rate conserved quantity δ̃.

    Returns
    -------
    ndarray of shape (..., d)

    References
    ----------
    Kunin et al. (2024), arXiv 2406.06158.
    """
    z = as_finite_array(z, "z")
    if z.ndim == 0:
        raise ValueError(f"z must have at least one axis (the dimension d); got shape {z.shape}")
    delta = as_finite_scalar(delta, "delta")
    return _inverse(z, delta)


def _inverse(z: np.ndarray, delta: float) -> np.ndarray:
    _, _, p2 = _inverse_parts(z, delta)
    return (2.0 / 3.0) * np.sqrt(np.asarray(p2))[..., None] * z


def _inverse_jacobian(z: np.ndarray, delta: float) -> np.ndarray:
    """Jacobian of the inverse mirror map (= ∇²Φ*_δ) at a single z.

    β = ρ(‖z‖)·ẑ with ρ = (2/3)√p2·‖z‖, so J = ρ′ ẑẑᵀ + (ρ/‖z‖)(I − ẑẑᵀ) with
    ρ/‖z‖ = (2/3)√p2 and ρ′ = (2/3)(t + p2)/√p2 (p2 = t + δ). Equals (∇²Φ_δ)⁻¹ = M/((3/2)|P|).
    Inside the ball of the kink (δ < 0, p2 = 0) J = 0; on its sphere ρ′ is infinite and 0 is
    returned as well (the dual solver regularises).
    """
    nz, t, p2 = _inverse_parts(z, delta)
    d = z.shape[0]
    if p2 <= 0.0:
        return np.zeros((d, d))
    sp = np.sqrt(p2)
    orth = (2.0 / 3.0) * sp
    rad = (2.0 / 3.0) * (t + p2) / sp
    if nz == 0.0:
        return orth * np.eye(d)  # δ > 0, z = 0: rad = orth, isotropic
    zh = z / nz
    return orth * np.eye(d) + (rad - orth) * np.outer(zh, zh)


def _conjugate_shifted(z: np.ndarray, delta: float) -> float:
    """Φ*_δ(z) − ½max(δ, 0)^{3/2}, without cancellation (a = √(t + δ), b = √δ for δ > 0)."""
    _, t, p2 = _inverse_parts(z, delta)
    if delta > 0:
        a, b = np.sqrt(p2), np.sqrt(delta)
        return float(0.5 * t * (p2 + a * b + delta) / (a + b))
    return float(0.5 * p2 ** 1.5)
