"""Single-neuron two-layer linear model: conserved quantity and exact gradient-flow solution.

Model (Kunin et al. 2024, arXiv 2406.06158; spec LR §1): f(x) = a·wᵀx with a ∈ R, w ∈ R^d,
function-space vector β = a·w, loss ½‖Xβ − y‖², gradient flow with layer learning rates
ȧ = −η_a wᵀg, ẇ = −η_w a g, g = XᵀXβ − Xᵀy.

Everything is solved at unit rates and mapped back (spec LR §1): with k = √(η_a η_w),
P = (η_w/η_a)^{1/4} a, Q = (η_a/η_w)^{1/4} w, the pair (Q, P) is unit-rate gradient flow in
τ = k t with P² − ‖Q‖² = δ/k.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import exprel

from .._validate import as_finite_array, as_finite_scalar, as_positive_scalar, as_sign

__all__ = [
    "ExactSolution",
    "LimitPrediction",
    "conserved_delta",
    "exact_solution",
    "function_space_metric",
    "init_from_beta",
    "kernel_distance",
    "limit_prediction",
    "relaxation_rates",
    "signed_magnitude",
    "alignment",
]


def _rates(eta_a, eta_w) -> tuple[float, float]:
    return as_positive_scalar(eta_a, "eta_a"), as_positive_scalar(eta_w, "eta_w")


def conserved_delta(a, w, eta_a=1.0, eta_w=1.0):
    r"""Conserved quantity δ = η_w a² − η_a ‖w‖² of the single-neuron gradient flow.

    Kunin et al. 2024, §3 (spec LR §1): dδ/dt = 2η_w a ȧ − 2η_a wᵀẇ = 0 under
    ȧ = −η_a wᵀg, ẇ = −η_w a g. δ > 0 is *upstream* (first layer relatively fast), δ = 0
    *balanced*, δ < 0 *downstream*.

    Parameters
    ----------
    a : float or array of shape (...)
        Readout weight(s).
    w : array of shape (..., d)
        First-layer weights; leading axes broadcast with ``a``.
    eta_a, eta_w : float, default 1.0
        Layer learning rates (> 0).

    Returns
    -------
    float or ndarray of shape (...)

    Examples
    --------
    >>> conserved_delta(2.0, [1.0, 1.0])
    2.0
    """
    eta_a, eta_w = _rates(eta_a, eta_w)
    a = as_finite_array(a, "a")
    w = as_finite_array(w, "w")
    if w.ndim == 0:
        raise ValueError(f"w must have at least one axis (the input dimension d); got shape {w.shape}")
    out = eta_w * a**2 - eta_a * np.sum(w**2, axis=-1)
    return float(out) if np.ndim(out) == 0 else out


def init_from_beta(beta0, delta, eta_a=1.0, eta_w=1.0, sign=1):
    r"""Initialisation (a0, w0) with a0·w0 = β0 and conserved quantity δ.

    a0 = sign·√((δ + √(δ² + 4η_aη_w‖β0‖²)) / (2η_w)),  w0 = β0 / a0   (spec LR §1).

    The root is taken in the cancellation-free form: for δ < 0,
    δ + √(δ² + 4c) = 4c / (√(δ² + 4c) − δ) with c = η_aη_w‖β0‖².

    Parameters
    ----------
    beta0 : array of shape (d,)
        Initial function-space vector β0 = a0·w0.
    delta : float
        Conserved quantity δ = η_w a0² − η_a‖w0‖².
    eta_a, eta_w : float, default 1.0
        Layer learning rates (> 0).
    sign : {+1, -1}, default +1
        Sign of a0.

    Returns
    -------
    a0 : float
    w0 : ndarray of shape (d,)

    Raises
    ------
    ValueError
        If ``beta0 = 0`` and ``delta <= 0``: δ = 0 is the saddle a0 = w0 = 0, and δ < 0 would
        need a0 = 0 with ‖w0‖² = −δ/η_a, whose direction β0 = 0 does not determine.
    """
    eta_a, eta_w = _rates(eta_a, eta_w)
    beta0 = as_finite_array(beta0, "beta0", ndim=1)
    delta = as_finite_scalar(delta, "delta")
    sign = as_sign(sign, "sign")
    c = eta_a * eta_w * float(beta0 @ beta0)
    if c == 0.0:
        if delta <= 0:
            raise ValueError(
                "beta0 = 0 admits no initialisation with delta <= 0 (delta = 0 is the saddle "
                "a0 = w0 = 0; delta < 0 needs a0 = 0 and a direction for w0 that beta0 does not "
                f"give); got delta = {delta}")
        return sign * np.sqrt(delta / eta_w), np.zeros_like(beta0)
    root = np.hypot(delta, 2.0 * np.sqrt(c))
    a_sq_eta = (delta + root) / 2.0 if delta >= 0 else 2.0 * c / (root - delta)
    a0 = sign * np.sqrt(a_sq_eta / eta_w)
    return float(a0), beta0 / a0


def function_space_metric(beta, delta, eta_a=1.0, eta_w=1.0):
    r"""The preconditioner M(β; δ) of the function-space flow β̇ = −M(β) g(β).

    M = η_w a² I + η_a w wᵀ = ½(R + δ) I + ½(R − δ) β̂β̂ᵀ with R = √(δ² + 4η_aη_w‖β‖²)
    (spec LR §2). Eigenvalues: R along β̂ and (R + δ)/2 orthogonally. At β = 0 (δ > 0)
    M = δ I; for δ < 0 and β = 0 (a = 0) M = η_a w wᵀ depends on ŵ, which β does not give,
    so M is returned with the isotropic part only and the rank-one part dropped.

    Parameters
    ----------
    beta : array of shape (..., d)
    delta : float
    eta_a, eta_w : float, default 1.0

    Returns
    -------
    ndarray of shape (..., d, d)
    """
    eta_a, eta_w = _rates(eta_a, eta_w)
    beta = as_finite_array(beta, "beta")
    if beta.ndim == 0:
        raise ValueError("beta must have at least one axis (d); got a scalar")
    delta = as_finite_scalar(delta, "delta")
    norm2 = np.sum(beta**2, axis=-1)
    R = np.hypot(delta, 2.0 * np.sqrt(eta_a * eta_w * norm2))
    # (R + δ)/2 without cancellation when δ < 0.
    iso = np.where(delta >= 0, (R + delta) / 2.0, 2.0 * eta_a * eta_w * norm2 / np.where(R - delta > 0, R - delta, 1.0))
    # (R − δ)/2 / ‖β‖² written as 2η_aη_w/(R + δ) is singular at β = 0 for δ < 0: use the direct form.
    with np.errstate(invalid="ignore", divide="ignore"):
        rank1 = np.where(norm2 > 0, (R - delta) / 2.0 / np.where(norm2 > 0, norm2, 1.0), 0.0)
    d = beta.shape[-1]
    eye = np.eye(d)
    return iso[..., None, None] * eye + rank1[..., None, None] * beta[..., :, None] * beta[..., None, :]


@dataclass(frozen=True)
class ExactSolution:
    """Exact gradient-flow trajectory of the single-neuron model (whitened input).

    Attributes
    ----------
    t : ndarray of shape (T,)
        Times (original time, not unit-rate time).
    a : ndarray of shape (T,) or (B, T)
        Readout weight a(t).
    w : ndarray of shape (T, d) or (B, T, d)
        First-layer weights w(t).
    beta : ndarray of shape (T, d) or (B, T, d)
        β(t) = a(t)·w(t).
    beta_star : ndarray of shape (d,)
        Target β* = Xᵀy.
    delta : float or ndarray of shape (B,)
        Conserved quantity.
    eta_a, eta_w : float
        Layer learning rates.
    """

    t: np.ndarray
    a: np.ndarray
    w: np.ndarray
    beta: np.ndarray
    beta_star: np.ndarray
    delta: float | np.ndarray
    eta_a: float
    eta_w: float

    @property
    def mu(self) -> np.ndarray:
        """Signed magnitude μ = a‖w‖ (paper's figure quantity)."""
        return signed_magnitude(self.a, self.w)

    @property
    def phi(self) -> np.ndarray:
        """Alignment φ = cos∠(w, β*)."""
        return alignment(self.w, self.beta_star)

    @property
    def loss(self) -> np.ndarray:
        """½‖β(t) − β*‖² (the whitened loss up to a constant)."""
        return 0.5 * np.sum((self.beta - self.beta_star) ** 2, axis=-1)


def signed_magnitude(a, w):
    """μ = a‖w‖, the signed magnitude of β = a·w (spec LR §0). ``w`` has shape (..., d)."""
    return np.asarray(a) * np.linalg.norm(w, axis=-1)


def alignment(w, beta_star):
    """φ = cos∠(w, β*) = wᵀβ*/(‖w‖‖β*‖); NaN-free: 0 where w = 0."""
    w = np.asarray(w, dtype=np.float64)
    beta_star = np.asarray(beta_star, dtype=np.float64)
    norms = np.linalg.norm(w, axis=-1) * np.linalg.norm(beta_star)
    dots = w @ beta_star
    return np.divide(dots, norms, out=np.zeros_like(dots), where=norms > 0)


def _unit_rate_flow(P0, Q0, beta_star, delta_u, tau):
    """Unit-rate closed form ϑ(τ) = e^{Aτ}ϑ0/ρ(τ), evaluated scaled by e^{−ωτ}.

    P0: (B,), Q0: (B, d), delta_u: (B,), tau: (T,). Returns P (B, T), Q (B, T, d).
    Every factor below is bounded by 1 (or by τ): the e^{ωτ} growth of numerator and ρ is
    divided out analytically (spec LR §3.1, "Numerics"), so no overflow at any horizon.
    """
    s = np.linalg.norm(beta_star)
    bhat = beta_star / s if s > 0 else np.zeros_like(beta_star)
    q_par = Q0 @ bhat                                # (B,)
    q_perp = Q0 - q_par[:, None] * bhat              # (B, d)
    r_perp2 = np.sum(q_perp**2, axis=-1)             # (B,)
    half = delta_u / 2.0
    omega = np.hypot(s, half)                        # (B,), ω ≥ |δ̃|/2

    om = omega[:, None]
    tt = tau[None, :]
    e2 = np.exp(-2.0 * om * tt)                      # e^{−2ωτ}
    ch = (1.0 + e2) / 2.0                            # cosh(ωτ)·e^{−ωτ}
    sh = tt * exprel(-2.0 * om * tt)                 # sinh(ωτ)/ω·e^{−ωτ}, exact as ω → 0
    perp = np.exp(-(half[:, None] + om) * tt)        # e^{−δ̃τ/2}·e^{−ωτ}, exponent ≤ 0

    qp, p0, hb = q_par[:, None], P0[:, None], half[:, None]
    num_q = ch * qp + sh * (-hb * qp + s * p0)
    num_p = ch * p0 + sh * (s * qp + hb * p0)
    # ρ²e^{−2ωτ}; (1 − e^{−δ̃τ})/δ̃ = τ·exprel(−|δ̃|τ)·e^{max(0, −δ̃)τ} keeps both signs of δ̃ bounded.
    dabs = np.abs(delta_u)[:, None]
    perp_int = tt * exprel(-dabs * tt) * np.exp((np.maximum(0.0, -delta_u)[:, None] - 2.0 * om) * tt)
    quad = 2.0 * s * qp * p0 + hb * (p0**2 - qp**2)
    rho2 = e2 + r_perp2[:, None] * perp_int + (qp**2 + p0**2) * tt * exprel(-4.0 * om * tt) + quad * sh**2
    rho = np.sqrt(rho2)
    P = num_p / rho
    Q = (num_q / rho)[:, :, None] * bhat + (perp / rho)[:, :, None] * q_perp[:, None, :]
    return P, Q


def exact_solution(a0, w0, beta_star, t, eta_a=1.0, eta_w=1.0) -> ExactSolution:
    r"""Exact gradient-flow solution of the single-neuron model for whitened input.

    Setting (Kunin et al. 2024, §3; spec LR §3.1): XᵀX = I_d, Xᵀy = β*, loss ½‖β − β*‖².
    At unit rates, stacking ϑ = (Q, P) ∈ R^{d+1}, conservation turns the flow into
    ϑ̇ = Aϑ − ½‖ϑ‖²ϑ with A = [[−(δ̃/2) I_d, β*], [β*ᵀ, δ̃/2]], whose solution is

        ϑ(τ) = e^{Aτ} ϑ0 / ρ(τ),   ρ(τ)² = 1 + ϑ0ᵀ (∫₀^τ e^{2As} ds) ϑ0 ≥ 1.

    It exists for all time, for any sign of δ, any d, and passes through a = 0 smoothly.
    With s = ‖β*‖, ω = √(s² + δ̃²/4), q∥ = β̂*ᵀQ0 and q⊥ = Q0 − q∥β̂*:
    q∥ρ = C q∥ + Sh(−½δ̃ q∥ + s P0), Pρ = C P0 + Sh(s q∥ + ½δ̃ P0), q⊥ρ = e^{−δ̃τ/2} q⊥,
    C = cosh ωτ, Sh = sinh(ωτ)/ω. Numerators and ρ are divided by e^{ωτ} analytically and the
    δ̃ → 0, ω → 0 limits are exact (``scipy.special.exprel``), so long horizons do not overflow.

    Parameters
    ----------
    a0 : float or array of shape (B,)
        Initial readout weight(s). A batch evaluates B initialisations at once.
    w0 : array of shape (d,) or (B, d)
        Initial first-layer weights (broadcast against ``a0``).
    beta_star : array of shape (d,)
        Target β* = Xᵀy (whitened input).
    t : array of shape (T,)
        Times ≥ 0 (original time; unit-rate time is τ = √(η_aη_w)·t).
    eta_a, eta_w : float, default 1.0
        Layer learning rates (> 0).

    Returns
    -------
    ExactSolution
        Fields ``t`` (T,), ``a`` (T,), ``w`` (T, d), ``beta`` (T, d) — with a leading batch axis
        B when ``a0`` is an array — plus ``beta_star``, ``delta``, rates, and ``mu``, ``phi``,
        ``loss`` properties.

    Raises
    ------
    ValueError
        On non-finite input, mismatched shapes, negative times, η ≤ 0, or the saddle
        a0 = 0 and w0 = 0 (which the flow never leaves).

    References
    ----------
    Kunin, Raventós, Dominé, Chen, Klindt, Saxe, Ganguli (2024), "Get rich quick: exact
    solutions reveal how unbalanced initializations promote rapid feature learning",
    arXiv 2406.06158, §3.

    Examples
    --------
    >>> sol = exact_solution(1.0, [0.5, 0.0], [0.0, 1.0], [0.0, 1.0, 10.0])
    >>> sol.beta.shape
    (3, 2)
    """
    eta_a, eta_w = _rates(eta_a, eta_w)
    beta_star = as_finite_array(beta_star, "beta_star", ndim=1)
    d = beta_star.shape[0]
    a0 = as_finite_array(a0, "a0", ndim=(0, 1))
    w0 = as_finite_array(w0, "w0", ndim=(1, 2))
    if w0.shape[-1] != d:
        raise ValueError(f"w0 must have last axis of length d = {d} (len(beta_star)); got shape {w0.shape}")
    batched = a0.ndim == 1 or w0.ndim == 2
    sizes = {a0.shape[0] if a0.ndim == 1 else None, w0.shape[0] if w0.ndim == 2 else None} - {None}
    if len(sizes) > 1:
        raise ValueError(f"a0 of shape {a0.shape} and w0 of shape {w0.shape} disagree on the batch size B")
    B = sizes.pop() if sizes else 1
    a0b = np.broadcast_to(a0, (B,)) if a0.ndim == 0 else a0
    w0b = np.broadcast_to(w0, (B, d))
    saddle = (a0b == 0) & np.all(w0b == 0, axis=-1)
    if np.any(saddle):
        raise ValueError("a0 = 0 and w0 = 0 is the saddle of the flow (it never leaves it); "
                         "choose a0 or w0 nonzero")
    t = as_finite_array(t, "t", ndim=1)
    if np.any(t < 0):
        raise ValueError("t must be >= 0 (the flow is solved forward from t = 0)")

    k = np.sqrt(eta_a * eta_w)
    scale_a = (eta_w / eta_a) ** 0.25
    P0 = scale_a * a0b
    Q0 = w0b / scale_a
    delta_u = P0**2 - np.sum(Q0**2, axis=-1)        # δ/k
    P, Q = _unit_rate_flow(P0, Q0, beta_star, delta_u, k * t)
    a = P / scale_a
    w = Q * scale_a
    beta = a[..., None] * w
    delta = k * delta_u
    if not batched:
        a, w, beta, delta = a[0], w[0], beta[0], float(delta[0])
    return ExactSolution(t=t, a=a, w=w, beta=beta, beta_star=beta_star, delta=delta,
                         eta_a=eta_a, eta_w=eta_w)


@dataclass(frozen=True)
class LimitPrediction:
    """Where gradient flow from (a0, w0) ends (whitened input; spec LR §3.2).

    Attributes
    ----------
    a_inf : float
        Limit readout a∞ = sign(c₊)·√((δ + √(δ² + 4η_aη_w s²)) / (2η_w)).
    w_inf : ndarray of shape (d,)
        Limit first-layer weights β*/a∞.
    flips : bool
        True iff a changes sign along the flow (sign(c₊) ≠ sign(a0)).
    c_plus : float
        Coefficient of ϑ0 on the growing eigenvector (s, ω + δ̃/2) of the 2×2 block;
        c₊ = 0 is the basin boundary (the flow then goes to the saddle β = 0).
    """

    a_inf: float
    w_inf: np.ndarray
    flips: bool
    c_plus: float


def limit_prediction(a0, w0, beta_star, eta_a=1.0, eta_w=1.0) -> LimitPrediction:
    r"""Limit, basin and sign-flip prediction for whitened input (spec LR §3.2).

    With c₊ = s q∥0 + (ω + δ̃/2) P0 (unit rates), the flow converges to
    P∞ = sign(c₊)√(ω + δ̃/2), Q∞ = sign(c₊)√(ω − δ̃/2) β̂*, i.e. β∞ = β* and
    η_w a∞² = (δ + √(δ² + 4η_aη_w s²))/2. a flips sign iff sign(c₊) ≠ sign(a0); impossible for
    δ > 0. Equivalent to the Riccati criterion ν0 < ν₋ (Kunin et al. 2024, App.; spec §3.3).

    Raises
    ------
    ValueError
        If β* = 0 (no learning problem), on the saddle, or exactly on the basin boundary c₊ = 0
        (the limit is then the saddle β = 0, not β*).
    """
    eta_a, eta_w = _rates(eta_a, eta_w)
    beta_star = as_finite_array(beta_star, "beta_star", ndim=1)
    a0 = as_finite_scalar(a0, "a0")
    w0 = as_finite_array(w0, "w0", shape=beta_star.shape)
    if a0 == 0 and not np.any(w0):
        raise ValueError("a0 = 0 and w0 = 0 is the saddle of the flow; choose a0 or w0 nonzero")
    s = float(np.linalg.norm(beta_star))
    if s == 0:
        raise ValueError("beta_star must be nonzero (with beta_star = 0 the flow decays to beta = 0)")
    k = np.sqrt(eta_a * eta_w)
    scale_a = (eta_w / eta_a) ** 0.25
    P0, Q0 = scale_a * a0, w0 / scale_a
    delta_u = P0**2 - float(Q0 @ Q0)
    omega = np.hypot(s, delta_u / 2)
    c_plus = s * float(Q0 @ beta_star) / s + (omega + delta_u / 2) * P0
    if c_plus == 0:
        raise ValueError("the initialisation lies on the basin boundary c_plus = 0: the flow converges "
                         "to the saddle beta = 0, not to beta_star")
    sgn = np.sign(c_plus)
    P_inf = sgn * np.sqrt(omega + delta_u / 2)
    a_inf = P_inf / scale_a
    return LimitPrediction(a_inf=float(a_inf), w_inf=beta_star / a_inf,
                           flips=bool(np.sign(a0) != sgn) if a0 != 0 else False,
                           c_plus=float(c_plus))


def relaxation_rates(beta_star, delta, eta_a=1.0, eta_w=1.0) -> tuple[float, float]:
    r"""Local relaxation rates (λ⊥, λ∥) of gradient flow near β* (spec LR §3.2).

    Direction modes λ⊥ = η_w a∞² = (δ + R*)/2, radial mode λ∥ = R* = √(δ² + 4η_aη_w s²),
    s = ‖β*‖. As δ → −∞, λ⊥ ≈ η_aη_w s²/|δ|: the "delayed rich" time scale.
    λ⊥ is evaluated without cancellation for δ < 0.
    """
    eta_a, eta_w = _rates(eta_a, eta_w)
    beta_star = as_finite_array(beta_star, "beta_star", ndim=1)
    delta = as_finite_scalar(delta, "delta")
    c = eta_a * eta_w * float(beta_star @ beta_star)
    R = float(np.hypot(delta, 2.0 * np.sqrt(c)))
    lam_perp = (delta + R) / 2.0 if delta >= 0 else 2.0 * c / (R - delta)
    return lam_perp, R


def kernel_distance(a0, w0, a, w, compat=False):
    r"""Kernel distance S(0, t) of the single neuron for whitened input (X = I_d).

    S(0, t) = 1 − ⟨K0, Kt⟩_F / (‖K0‖_F ‖Kt‖_F) (Fort et al. 2020; spec LR §7) with the
    parameter NTK K = a² I_d + w wᵀ:
    ⟨K0, Kt⟩ = d a0² a² + a0²‖w‖² + a²‖w0‖² + (w0ᵀw)², ‖Kt‖² = d a⁴ + 2a²‖w‖² + ‖w‖⁴,
    with a = a(t).

    Parameters
    ----------
    a0 : float
    w0 : array of shape (d,)
    a : float or array of shape (T,)
    w : array of shape (d,) or (T, d)
    compat : bool, default False
        Reproduce the published code's formula, which uses a(0)² instead of a(t)² in the cross
        term of ‖Kt‖² (2a0²‖w‖²). Wrong; offered only to compare with the published figure.

    Returns
    -------
    float or ndarray of shape (T,), in [0, 1].
    """
    a0 = as_finite_scalar(a0, "a0")
    w0 = as_finite_array(w0, "w0", ndim=1)
    d = w0.shape[0]
    a = as_finite_array(a, "a", ndim=(0, 1))
    w = as_finite_array(w, "w", ndim=(1, 2))
    if w.shape[-1] != d:
        raise ValueError(f"w must have last axis of length d = {d} (len(w0)); got shape {w.shape}")
    if a0 == 0 and not np.any(w0):
        raise ValueError("a0 = 0 and w0 = 0 give a zero kernel K0; the kernel distance is undefined")
    a2 = a**2
    ww = np.sum(w**2, axis=-1)
    w00 = float(w0 @ w0)
    inner = d * a0**2 * a2 + a0**2 * ww + a2 * w00 + (w @ w0) ** 2
    norm0 = np.sqrt(d * a0**4 + 2 * a0**2 * w00 + w00**2)
    cross = a0**2 if compat else a2
    normt2 = d * a2**2 + 2 * cross * ww + ww**2
    if np.any(normt2 <= 0):
        raise ValueError("a and w vanish together at some time: K(t) = 0 and S is undefined")
    S = 1.0 - inner / (norm0 * np.sqrt(normt2))
    return float(S) if np.ndim(S) == 0 else S
