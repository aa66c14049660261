"""Balanced (δ = 0) closed form, Saxe's sigmoid and hyperbolic-angle coordinates (cross-checks).

Model (Kunin et al. 2024, arXiv 2406.06158; docs/lazy_rich.md#the-model-and-its-conserved-quantity): f(x) = a·wᵀx, β = a·w, whitened
input XᵀX = I_d, β* = Xᵀy, s = ‖β*‖, loss ½‖β − β*‖², gradient flow
ȧ = −η_a wᵀ(β − β*), ẇ = −η_w a(β − β*), conserved δ = η_w a² − η_a‖w‖².

Like ``_riccati``, this module shares no code with the primary closed form
(``theory.lazy_rich._exact``), so that agreement between them is evidence, not tautology:

* the balanced case δ = 0 in closed form and Saxe's sigmoid and escape time (docs/lazy_rich.md#balanced-and-extreme-limits);
* the hyperbolic-angle coordinates of the hyperboloid η_w a² − η_a‖w‖² = δ (docs/lazy_rich.md#riccati-and-bernoulli-forms).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import exprel

from ..summary import compact_repr
from ..validate import as_bool, as_finite_array, as_finite_scalar, as_positive_scalar, as_sign, guard_numerics
from ..validate import as_learning_rates as _rates
from ._trajectory import NeuronTrajectory, _target, _times

__all__ = [
    "HyperbolicPoint",
    "alignment_from_hyperbolic_angle",
    "balanced_solution",
    "from_hyperbolic_angle",
    "hyperbolic_angle",
    "saxe_escape_time",
    "saxe_sigmoid",
]

# --------------------------------------------------------------------------------------------
# result records
# --------------------------------------------------------------------------------------------

@compact_repr
@dataclass(frozen=True)
class HyperbolicPoint:
    """A point of the hyperboloid a² − ‖w‖² = δ given by its hyperbolic angle (unit rates).

    Attributes
    ----------
    a : ndarray
        Readout weight.
    w_norm : ndarray
        ‖w‖ (≥ 0).
    mu : ndarray
        Signed magnitude μ = a‖w‖ = |δ| sinh(2θ)/2 (times sign(a) when δ > 0).
    """

    a: np.ndarray
    w_norm: np.ndarray
    mu: np.ndarray


# --------------------------------------------------------------------------------------------
# balanced case δ = 0
# --------------------------------------------------------------------------------------------

@guard_numerics
def balanced_solution(a0, w0, beta_star, t, eta_a=1.0, eta_w=1.0) -> NeuronTrajectory:
    r"""Closed form for δ = 0: z = artanh(φ0) + st, φ = tanh z, μ = s(1 + cosh 2z)/(2z + sinh 2z + C).

    Kunin et al. 2024 (arXiv 2406.06158, §3; docs/lazy_rich.md#balanced-and-extreme-limits), unit rates, with
    C = s(1 + cosh 2z0)/μ0 − 2z0 − sinh 2z0 and
    $\hat\beta(t) = \tanh z\,\hat\beta^* + (\cosh z_0/\cosh z)(\hat\beta_0 - \tanh z_0\,\hat\beta^*)$, |a| = √|μ|.

    Sign convention: the formula holds as written for a0 > 0. In general it is the law of
    m = ‖β‖ and $\varphi_\beta = \cos\angle(\beta, \beta^*) = \operatorname{sign}(a_0)\,\varphi$ (with a0 < 0, w points against β and
    φ̇ = −s(1 − φ²)); this function uses $(m, \varphi_\beta)$, so both signs of a0 are handled.

    Evaluation: with $\varphi := \varphi_{\beta,0}$, g(t) = cosh z/cosh z0 = cosh st + φ sinh st and
    1/m solving a linear ODE,
    $1/m(t) = [1/m_0 + \int_0^t 2g^2] / g^2$,
    $\int_0^t 2g^2 = \tfrac12[(1+\varphi)^2(e^{2st}-1)/(2s) + 2(1-\varphi^2)t + (1-\varphi)^2(1-e^{-2st})/(2s)]$
    — every term is ≥ 0 (no cancellation), the aligned (φ0 = 1,
    z0 = ∞) and anti-aligned (φ0 = −1) limits are exact, and all exponentials are scaled by
    $e^{-2st}$ so there is no overflow at any horizon.

    General rates are handled by the map of docs/lazy_rich.md#reduction-to-unit-rates
    ($P = (\eta_w/\eta_a)^{1/4}a$, $Q = (\eta_a/\eta_w)^{1/4}w$, $\tau = \sqrt{\eta_a\eta_w}\,t$); δ = 0 is preserved by it.

    Parameters
    ----------
    a0 : float
        Initial readout weight.
    w0 : array of shape (d,)
        Initial first-layer weights with $\eta_w a_0^2 = \eta_a\|w_0\|^2$ (to 1e-12 relative).
    beta_star : array of shape (d,), nonzero
    t : array of shape (T,)
        Times ≥ 0.
    eta_a, eta_w : float, default 1.0

    Returns
    -------
    NeuronTrajectory

    Raises
    ------
    ValueError
        If the initialisation is not balanced (naming a0/w0), or on invalid input.
        a0 = w0 = 0 is the saddle and gives the constant zero trajectory.

    Examples
    --------
    >>> sol = balanced_solution(0.1, [0.0, 0.1], [0.0, 1.0], [0.0, 20.0])
    >>> sol.beta[-1].round(6).tolist()
    [0.0, 1.0]
    """
    eta_a, eta_w = _rates(eta_a, eta_w)
    beta_star, s, bhat = _target(beta_star)
    a0 = as_finite_scalar(a0, "a0")
    w0 = as_finite_array(w0, "w0", shape=beta_star.shape)
    t = _times(t)
    up, down = eta_w * a0**2, eta_a * float(w0 @ w0)
    if abs(up - down) > 1e-12 * (up + down):
        raise ValueError("a0, w0 must be balanced (delta = eta_w a0² − eta_a‖w0‖² = 0 to 1e-12 "
                         f"relative); got delta = {up - down:.3e}")
    d = beta_star.shape[0]
    if a0 == 0:                                          # saddle: the flow never leaves β = 0
        z = np.zeros(t.shape)
        return NeuronTrajectory(t=t, a=z, w=np.zeros((t.size, d)), beta=np.zeros((t.size, d)),
                                beta_star=beta_star, delta=0.0, eta_a=eta_a, eta_w=eta_w)
    k = np.sqrt(eta_a * eta_w)
    scale_a = (eta_w / eta_a) ** 0.25
    tau = k * t
    beta0 = a0 * w0                                      # = P0 Q0, unchanged by the rate map
    m0 = float(np.linalg.norm(beta0))
    b0hat = beta0 / m0
    phi = float(np.clip(b0hat @ bhat, -1.0, 1.0))
    E = np.exp(-2.0 * s * tau)                           # e^{−2sτ}
    X = tau * exprel(-2.0 * s * tau)                     # (1 − e^{−2sτ})/(2s)
    ge = ((1.0 + phi) + (1.0 - phi) * E) / 2.0           # g e^{−sτ}
    denom = E / m0 + 0.5 * ((1.0 + phi) ** 2 * X + 2.0 * (1.0 - phi**2) * tau * E
                            + (1.0 - phi) ** 2 * E * X)  # (1/m0 + ∫2g²) e^{−2sτ}
    perp = b0hat - phi * bhat                            # ‖perp‖ = √(1 − φ²)
    with np.errstate(divide="ignore", invalid="ignore"):
        # ge and denom underflow together only for φ0 = −1 at sτ ≳ 370, where m → 0 (saddle).
        m = np.where(ge > 0, ge**2 / denom, 0.0)
        tanh_z = np.where(ge > 0, ((1.0 + phi) - (1.0 - phi) * E) / (2.0 * ge), -1.0)
        inv_g = np.exp(-s * tau) / ge                    # cosh z0 / cosh z
    if np.any(perp):
        bhat_t = tanh_z[:, None] * bhat + inv_g[:, None] * perp
    else:                                                # β0 ∥ β*: the direction never changes
        bhat_t = tanh_z[:, None] * bhat
    P = np.sign(a0) * np.sqrt(m)
    Q = P[:, None] * bhat_t                              # |P| = ‖Q‖ = √m, PQ = β
    a = P / scale_a
    w = Q * scale_a
    return NeuronTrajectory(t=t, a=a, w=w, beta=(m[:, None] * bhat_t), beta_star=beta_star,
                            delta=0.0, eta_a=eta_a, eta_w=eta_w)


@guard_numerics
def saxe_sigmoid(t, s, mu0):
    r"""Saxe's sigmoid $\mu(t) = s\,e^{2st}/(e^{2st} - 1 + s/\mu_0)$: aligned balanced learning.

    The δ = 0, φ0 = 1 case of docs/lazy_rich.md#balanced-and-extreme-limits (Kunin et al. 2024, arXiv 2406.06158, §3; Saxe,
    McClelland, Ganguli 2014, arXiv 1312.6120), unit rates. Evaluated as
    $s/(1 + (s/\mu_0 - 1)e^{-2st})$, which does not overflow. Rates $\eta_a = \eta_w = \eta$ rescale time
    t → ηt; the time constant τ = 1/η of Saxe et al. gives μ(t/τ).

    Parameters
    ----------
    t : float or array
        Times ≥ 0.
    s : float
        Target strength $\|\beta^*\| > 0$ (singular value in the multi-output setting).
    mu0 : float
        Initial magnitude μ0 > 0.

    Returns
    -------
    float or ndarray of the shape of ``t``
    """
    t = _times(t, ndim=None)
    s = as_positive_scalar(s, "s")
    mu0 = as_positive_scalar(mu0, "mu0")
    out = s / (1.0 + (s / mu0 - 1.0) * np.exp(-2.0 * s * t))
    return float(out) if np.ndim(out) == 0 else out


@guard_numerics
def saxe_escape_time(s, mu0, exact=False) -> float:
    r"""Escape time from the plateau, $t_\mathrm{esc} \approx \ln(s/\mu_0)/(2s)$ (docs/lazy_rich.md#balanced-and-extreme-limits).

    Saxe et al. 2014 (arXiv 1312.6120); Kunin et al. 2024 (arXiv 2406.06158, §3). With
    ``exact=True`` returns the time at which Saxe's sigmoid reaches s/2,
    t½ = ln(s/μ0 − 1)/(2s), which differs from the estimate by −ln(1 − μ0/s)/(2s) = O(μ0/s²).

    Parameters
    ----------
    s : float
        Target strength > 0.
    mu0 : float
        Initial magnitude, 0 < μ0 < s (the plateau exists only from below).
    exact : bool, default False

    Returns
    -------
    float

    Examples
    --------
    >>> round(saxe_escape_time(1.0, 1e-3), 4)
    3.4539
    """
    s = as_positive_scalar(s, "s")
    mu0 = as_positive_scalar(mu0, "mu0")
    if not mu0 < s:
        raise ValueError(f"mu0 must be < s (escape from a small initialisation); got mu0 = {mu0}, s = {s}")
    if as_bool(exact, "exact"):
        return float(np.log(s / mu0 - 1.0) / (2.0 * s))
    return float(np.log(s / mu0) / (2.0 * s))


# --------------------------------------------------------------------------------------------
# hyperbolic angle (unit rates)
# --------------------------------------------------------------------------------------------

@guard_numerics
def hyperbolic_angle(a, w, delta):
    r"""Hyperbolic angle θ of (a, w) on a² − ‖w‖² = δ: θ = arsinh(‖w‖/√δ) (δ > 0), arsinh(a/√|δ|) (δ < 0).

    Kunin et al. 2024 (arXiv 2406.06158, App.; docs/lazy_rich.md#riccati-and-bernoulli-forms), unit rates $\eta_a = \eta_w = 1$:
    δ > 0: |a| = √δ cosh θ, ‖w‖ = √δ sinh θ, θ ≥ 0 (the two sheets a ≷ 0 share θ);
    δ < 0: a = √|δ| sinh θ, ‖w‖ = √|δ| cosh θ, θ has the sign of a.
    Then |μ| = |δ| sinh(2|θ|)/2. δ = 0 (the cone) has no hyperbolic angle.

    Parameters
    ----------
    a : float or array of shape (T,)
    w : array of shape (d,) or (T, d)
    delta : float, nonzero
        Must equal a² − ‖w‖² (checked to 1e-8 relative).

    Returns
    -------
    float or ndarray of shape (T,)
    """
    delta = as_finite_scalar(delta, "delta")
    if delta == 0:
        raise ValueError("delta must be nonzero: the balanced cone (delta = 0) has no hyperbolic angle")
    a = as_finite_array(a, "a", ndim=(0, 1))
    w = as_finite_array(w, "w", ndim=(1, 2))
    wn = np.linalg.norm(w, axis=-1)
    if np.shape(a) != np.shape(wn):
        raise ValueError(f"a of shape {np.shape(a)} does not match w of shape {w.shape}")
    resid = np.abs(a**2 - wn**2 - delta)
    if np.any(resid > 1e-8 * np.maximum(np.maximum(a**2, wn**2), abs(delta))):
        raise ValueError("delta must equal a² − ‖w‖² (unit rates) for the given a, w; "
                         f"max mismatch {float(np.max(a**2 - wn**2 - delta)):.3e}")
    root = np.sqrt(abs(delta))
    theta = np.arcsinh(wn / root) if delta > 0 else np.arcsinh(a / root)
    return float(theta) if np.ndim(theta) == 0 else theta


@guard_numerics
def from_hyperbolic_angle(theta, delta, sign_a=None) -> HyperbolicPoint:
    r"""Inverse map: δ > 0: a = ±√δ cosh θ, ‖w‖ = √δ sinh θ; δ < 0: a = √|δ| sinh θ, ‖w‖ = √|δ| cosh θ.

    μ = a‖w‖ = |δ| sinh(2θ)/2 (times sign(a) when δ > 0). Kunin et al. 2024
    (arXiv 2406.06158, App.; docs/lazy_rich.md#riccati-and-bernoulli-forms), unit rates.

    Parameters
    ----------
    theta : float or array
        Hyperbolic angle (θ ≥ 0 when δ > 0).
    delta : float, nonzero
    sign_a : {+1, -1} or None
        Sheet of the two-sheeted hyperboloid (δ > 0 only; default +1). For δ < 0 the sign of a
        is the sign of θ and ``sign_a`` must be left as None.

    Returns
    -------
    HyperbolicPoint
    """
    delta = as_finite_scalar(delta, "delta")
    if delta == 0:
        raise ValueError("delta must be nonzero: the balanced cone (delta = 0) has no hyperbolic angle")
    theta = as_finite_array(theta, "theta")
    root = np.sqrt(abs(delta))
    if delta > 0:
        sgn = 1 if sign_a is None else as_sign(sign_a, "sign_a")
        if np.any(theta < 0):
            raise ValueError("theta must be >= 0 when delta > 0 (‖w‖ = √δ sinh θ)")
        a, wn = sgn * root * np.cosh(theta), root * np.sinh(theta)
    else:
        if sign_a is not None:
            raise ValueError("sign_a is only meaningful for delta > 0; for delta < 0 the sign of a "
                             "is the sign of theta")
        a, wn = root * np.sinh(theta), root * np.cosh(theta)
    return HyperbolicPoint(a=a, w_norm=wn, mu=a * wn)


@guard_numerics
def alignment_from_hyperbolic_angle(nu, theta, s, delta):
    r"""Alignment from (ν, θ): φ = ν/(s tanh θ) (δ > 0), φ = ν tanh θ / s (δ < 0).

    Unit rates, $\nu = w^\top\beta^*/a$, θ the hyperbolic angle, a > 0 sheet for δ > 0 (Kunin et al. 2024,
    arXiv 2406.06158, App.; docs/lazy_rich.md#riccati-and-bernoulli-forms). Follows from ν = s φ ‖w‖/a and ‖w‖/a = tanh θ
    (δ > 0) or coth θ (δ < 0). Singular where w = 0 (δ > 0, θ = 0) or a = 0 (δ < 0, θ = 0),
    where φ (resp. ν) is undefined.

    Parameters
    ----------
    nu, theta : float or array (broadcast)
    s : float, > 0
    delta : float, nonzero

    Returns
    -------
    float or ndarray
    """
    nu = as_finite_array(nu, "nu")
    theta = as_finite_array(theta, "theta")
    s = as_positive_scalar(s, "s")
    delta = as_finite_scalar(delta, "delta")
    if delta == 0:
        raise ValueError("delta must be nonzero: the balanced cone (delta = 0) has no hyperbolic angle")
    with np.errstate(divide="ignore", invalid="ignore"):
        phi = nu / (s * np.tanh(theta)) if delta > 0 else nu * np.tanh(theta) / s
    return float(phi) if np.ndim(phi) == 0 else phi
