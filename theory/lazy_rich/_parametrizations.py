"""Independent parametrisations of the single-neuron gradient flow (cross-checks of §3.1).

Model (Kunin et al. 2024, arXiv 2406.06158; spec LR §1): f(x) = a·wᵀx, β = a·w, whitened
input XᵀX = I_d, β* = Xᵀy, s = ‖β*‖, loss ½‖β − β*‖², gradient flow
ȧ = −η_a wᵀ(β − β*), ẇ = −η_w a(β − β*), conserved δ = η_w a² − η_a‖w‖².

This module re-derives the trajectory by routes that share no code with the primary closed form
(``theory.lazy_rich._exact``), so that agreement between them is evidence, not tautology:

* the (μ, φ) ODE of the signed magnitude μ = a‖w‖ and alignment φ = cos∠(w, β*) (spec §3.3);
* the Riccati variable ν = η_a wᵀβ*/a and the Bernoulli equation for q = 1/a² (spec §3.3),
  assembled into a full solution (a(t), w(t));
* the balanced case δ = 0 in closed form and Saxe's sigmoid (spec §3.4);
* the hyperbolic-angle coordinates of the hyperboloid η_w a² − η_a‖w‖² = δ (spec §3.3).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import exprel

from .._validate import as_finite_array, as_finite_scalar, as_positive_scalar, as_sign
from .._validate import as_learning_rates as _rates

__all__ = [
    "HyperbolicPoint",
    "NeuronTrajectory",
    "alignment_from_hyperbolic_angle",
    "balanced_solution",
    "flips_sign_riccati",
    "from_hyperbolic_angle",
    "hyperbolic_angle",
    "mu_phi_rhs",
    "riccati_fixed_points",
    "riccati_nu",
    "riccati_pole_time",
    "saxe_escape_time",
    "saxe_sigmoid",
    "solution_via_riccati",
]

# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------



def _times(t, *, ndim=1) -> np.ndarray:
    t = as_finite_array(t, "t", ndim=ndim)
    if np.any(t < 0):
        raise ValueError("t must be >= 0 (the flow is solved forward from t = 0)")
    return t


def _fixed_points(s: float, delta: float, k: float) -> tuple[float, float, float]:
    """(D, ν₋, ν₊) with D = √(δ² + 4ks²), ν± = (−δ ± D)/2, both roots cancellation-free.

    ν₊ν₋ = −ks², so the root that would cancel is written as −ks² divided by the other one.
    """
    D = float(np.hypot(delta, 2.0 * np.sqrt(k) * s))
    ks2 = k * s * s
    nu_plus = (D - delta) / 2.0 if delta <= 0 else 2.0 * ks2 / (D + delta)
    nu_minus = -(D + delta) / 2.0 if delta >= 0 else -2.0 * ks2 / (D - delta)
    return D, nu_minus, nu_plus


def _scaled_exp_integral(rate, kappa, t):
    """e^{−κt} ∫₀^t e^{rate·u} du for rate ≤ κ, with no overflow and exact as rate → 0.

    = t · e^{−(κ − max(rate, 0)) t} · exprel(−|rate| t), exprel(x) = (eˣ − 1)/x.
    """
    return t * np.exp(-(kappa - max(rate, 0.0)) * t) * exprel(-abs(rate) * t)


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

@dataclass(frozen=True)
class NeuronTrajectory:
    """Single-neuron trajectory computed by one of the cross-check parametrisations.

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
        Target β* = Xᵀy.
    delta : float
        Conserved quantity δ = η_w a0² − η_a‖w0‖².
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
        """Alignment φ = cos∠(w, β*) (0 where w = 0)."""
        norms = np.linalg.norm(self.w, axis=-1) * np.linalg.norm(self.beta_star)
        dots = self.w @ self.beta_star
        return np.divide(dots, norms, out=np.zeros_like(dots), where=norms > 0)


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
# (μ, φ) ODE
# --------------------------------------------------------------------------------------------

def mu_phi_rhs(mu, phi, s, delta, eta_a=1.0, eta_w=1.0):
    r"""Right-hand side of the (μ, φ) ODE: μ̇ = −R(μ)(μ − sφ), φ̇ = s(1 − φ²)(δ + R(μ))/(2μ).

    R(μ) = √(δ² + 4η_aη_w μ²), μ = a‖w‖ the signed magnitude, φ = cos∠(w, β*)
    (Kunin et al. 2024, arXiv 2406.06158, §3; spec LR §3.3). Derivation: μ̇ = ŵᵀβ̇ with
    ŵᵀM = (η_w a² + η_a‖w‖²)ŵᵀ = R ŵᵀ; φ̇ = η_w a s(1 − φ²)/‖w‖ and η_w a² = (R + δ)/2.

    The factor (δ + R)/(2μ) = η_w a/‖w‖ is evaluated as 2η_aη_w μ/(R − δ) when δ < 0, which is
    regular at μ = 0 (the readout a crossing zero). For δ ≥ 0, μ = 0 means w = 0 (δ > 0) or
    the saddle (δ = 0), where φ is undefined; the φ̇ returned there is ±inf or NaN.

    Parameters
    ----------
    mu, phi : float or array
        Signed magnitude and alignment (broadcast together).
    s : float
        ‖β*‖ > 0.
    delta : float
        Conserved quantity δ.
    eta_a, eta_w : float, default 1.0
        Layer learning rates (> 0).

    Returns
    -------
    ndarray of shape (2, *broadcast(mu, phi).shape)
        (μ̇, φ̇), directly usable as ``solve_ivp(lambda t, y: mu_phi_rhs(y[0], y[1], s, δ), ...)``.

    References
    ----------
    Kunin et al. (2024), arXiv 2406.06158, §3.
    """
    eta_a, eta_w = _rates(eta_a, eta_w)
    mu = as_finite_array(mu, "mu")
    phi = as_finite_array(phi, "phi")
    s = as_positive_scalar(s, "s")
    delta = as_finite_scalar(delta, "delta")
    k = eta_a * eta_w
    R = np.hypot(delta, 2.0 * np.sqrt(k) * mu)
    dmu = -R * (mu - s * phi)
    with np.errstate(divide="ignore", invalid="ignore"):
        if delta < 0:
            ratio = 2.0 * k * mu / (R - delta)           # = η_w a/‖w‖, regular at μ = 0
        else:
            ratio = (delta + R) / (2.0 * mu)
        dphi = s * (1.0 - phi**2) * ratio
    return np.stack(np.broadcast_arrays(dmu, dphi))


# --------------------------------------------------------------------------------------------
# Riccati variable ν
# --------------------------------------------------------------------------------------------

def riccati_fixed_points(s, delta, eta_a=1.0, eta_w=1.0) -> tuple[float, float]:
    r"""Fixed points ν± = (−δ ± D)/2, D = √(δ² + 4η_aη_w s²), of ν̇ = η_aη_w s² − δν − ν².

    ν₊ > 0 is stable (the limit of ν = η_a wᵀβ*/a), ν₋ < 0 unstable (Kunin et al. 2024,
    arXiv 2406.06158, App.; spec LR §3.3). Each root is computed without cancellation using
    ν₊ν₋ = −η_aη_w s², so large |δ| keeps full relative accuracy.

    Parameters
    ----------
    s : float
        ‖β*‖ > 0.
    delta : float
        Conserved quantity δ.
    eta_a, eta_w : float, default 1.0

    Returns
    -------
    (nu_minus, nu_plus) : tuple of float

    Examples
    --------
    >>> riccati_fixed_points(1.0, 0.0)
    (-1.0, 1.0)
    """
    eta_a, eta_w = _rates(eta_a, eta_w)
    s = as_positive_scalar(s, "s")
    delta = as_finite_scalar(delta, "delta")
    _, nu_minus, nu_plus = _fixed_points(s, delta, eta_a * eta_w)
    return nu_minus, nu_plus


def riccati_nu(t, nu0, s, delta, eta_a=1.0, eta_w=1.0):
    r"""Riccati variable ν(t) = ½(−δ + D tanh(Dt/2 + c)), D = √(δ² + 4η_aη_w s²).

    ν = η_a wᵀβ*/a obeys ν̇ = η_aη_w s² − δν − ν² (Kunin et al. 2024, arXiv 2406.06158, App.;
    spec LR §3.3), with c = artanh((δ + 2ν0)/D).

    Branches (r := (δ + 2ν0)/D):

    * |r| < 1 (ν0 between the fixed points ν₋ < ν₊): real c = artanh r, ν stays in (ν₋, ν₊) and
      tends to ν₊.
    * |r| > 1: artanh r is complex, c = arcoth r + iπ/2, and tanh(x + iπ/2) = coth x, so
      ν = ½(−δ + D coth(Dt/2 + c')) with real c' = arcoth r = artanh(1/r).
      r > 1 (ν0 > ν₊): ν decreases to ν₊ without a pole.
      r < −1 (ν0 < ν₋): c' < 0 and ν has a simple pole at t* = −2c'/D (ν → −∞, then from +∞
      down to ν₊). The pole is exactly the instant a(t) = 0 (ν = η_a wᵀβ*/a), i.e. the
      readout flips sign; see :func:`riccati_pole_time`.
    * |r| = 1: ν0 is a fixed point and ν is constant.

    Evaluation is cancellation-free: with y = Dt/2 + c, the tanh branch is written as
    ν₊ − D/(1 + e^{2y}) (y ≥ 0) or ν₋ + D/(1 + e^{−2y}) (y < 0), the coth branch as
    ν₊ + D/expm1(2y) (y > 0) or ν₋ − D/expm1(−2y) (y < 0), measured from the nearer fixed point.
    Exactly at the pole the returned value is ±inf (the sign of the floating-point zero); away
    from it the value is the real value of the formula.

    Parameters
    ----------
    t : float or array
        Times ≥ 0 (any shape).
    nu0 : float
        Initial value ν(0) = η_a w0ᵀβ*/a0.
    s : float
        ‖β*‖ > 0.
    delta : float
        Conserved quantity δ.
    eta_a, eta_w : float, default 1.0

    Returns
    -------
    float or ndarray of the shape of ``t``

    Examples
    --------
    >>> riccati_nu([0.0, 1.0], 0.0, 1.0, 0.0)   # δ = 0, s = 1: ν(t) = tanh t
    array([0.        , 0.76159416])
    """
    eta_a, eta_w = _rates(eta_a, eta_w)
    t = _times(t, ndim=None)
    nu0 = as_finite_scalar(nu0, "nu0")
    s = as_positive_scalar(s, "s")
    delta = as_finite_scalar(delta, "delta")
    D, nu_minus, nu_plus = _fixed_points(s, delta, eta_a * eta_w)
    r = (delta + 2.0 * nu0) / D
    with np.errstate(divide="ignore", over="ignore"):
        if abs(r) < 1:
            y = D * t / 2.0 + np.arctanh(r)              # real branch: c = artanh r
            e = np.exp(-2.0 * np.abs(y))
            # tanh y − 1 = −2/(1 + e^{2y}),  tanh y + 1 = 2/(1 + e^{−2y})
            nu = np.where(y >= 0, nu_plus - D * e / (1.0 + e), nu_minus + D * e / (1.0 + e))
        elif abs(r) > 1:
            y = D * t / 2.0 + np.arctanh(1.0 / r)        # complex branch: c = arcoth r + iπ/2
            # coth y − 1 = 2/expm1(2y),  coth y + 1 = −2/expm1(−2y)
            pos = y > 0
            nu = np.where(pos, nu_plus + D / np.expm1(2.0 * np.where(pos, y, 1.0)),
                          nu_minus - D / np.expm1(-2.0 * np.where(pos, -1.0, y)))
            nu = np.where(y == 0, np.copysign(np.inf, y), nu)
        else:
            nu = np.full_like(t, nu_plus if r > 0 else nu_minus)
    return float(nu) if np.ndim(nu) == 0 else nu


def riccati_pole_time(nu0, s, delta, eta_a=1.0, eta_w=1.0) -> float:
    r"""Time t* = (1/D)·ln((|r| + 1)/(|r| − 1)) of the pole of ν(t), r = (δ + 2ν0)/D < −1.

    The pole of the Riccati variable ν = η_a wᵀβ*/a is the instant the readout a(t) crosses 0
    (Kunin et al. 2024, arXiv 2406.06158, App.; spec LR §3.3). It exists iff ν0 < ν₋;
    otherwise ``inf`` is returned. Equivalent to t* = −2 arcoth(r)/D; written with
    |r| − 1 = 2(ν₋ − ν0)/D and ``log1p`` so that ν0 → ν₋ (t* → ∞) keeps full accuracy.

    Parameters
    ----------
    nu0 : float
        ν(0) = η_a w0ᵀβ*/a0.
    s : float
        ‖β*‖ > 0.
    delta : float
    eta_a, eta_w : float, default 1.0

    Returns
    -------
    float
        t* > 0, or ``inf`` when a never crosses zero.
    """
    eta_a, eta_w = _rates(eta_a, eta_w)
    nu0 = as_finite_scalar(nu0, "nu0")
    s = as_positive_scalar(s, "s")
    delta = as_finite_scalar(delta, "delta")
    D, nu_minus, _ = _fixed_points(s, delta, eta_a * eta_w)
    if not nu0 < nu_minus:
        return float("inf")
    rm1 = 2.0 * (nu_minus - nu0) / D                     # |r| − 1 > 0
    return float(np.log1p(2.0 / rm1) / D)


def flips_sign_riccati(a0, w0, beta_star, eta_a=1.0, eta_w=1.0) -> bool:
    r"""Whether the readout a(t) changes sign along the flow: ν0 < ν₋ with ν0 = η_a w0ᵀβ*/a0.

    Kunin et al. 2024 (arXiv 2406.06158, App.; spec LR §3.3): ν has a pole (a = 0) iff it
    starts below the unstable fixed point ν₋ = −(δ + D)/2, D = √(δ² + 4η_aη_w s²). Equivalent to
    the eigenvector test sign(c₊) ≠ sign(a0) of spec §3.2. Impossible for δ > 0 (then
    ν0 ≥ −‖w0‖ s η_a/|a0| > ν₋). On the boundary ν0 = ν₋ the flow goes to the saddle β = 0 and
    a never flips: returns False.

    Parameters
    ----------
    a0 : float
        Initial readout (≠ 0: ν0 is undefined at a0 = 0).
    w0 : array of shape (d,)
    beta_star : array of shape (d,), nonzero
    eta_a, eta_w : float, default 1.0

    Returns
    -------
    bool

    Examples
    --------
    >>> flips_sign_riccati(0.5, [0.0, -1.0], [0.5, 0.5])   # spec §11.3 setting, δ = −0.75
    True
    """
    eta_a, eta_w = _rates(eta_a, eta_w)
    beta_star, s, _ = _target(beta_star)
    a0 = as_finite_scalar(a0, "a0")
    if a0 == 0:
        raise ValueError("a0 must be nonzero: the Riccati variable nu0 = eta_a w0·beta_star/a0 is "
                         "undefined at a0 = 0")
    w0 = as_finite_array(w0, "w0", shape=beta_star.shape)
    delta = eta_w * a0**2 - eta_a * float(w0 @ w0)
    nu0 = eta_a * float(w0 @ beta_star) / a0
    _, nu_minus, _ = _fixed_points(s, delta, eta_a * eta_w)
    return bool(nu0 < nu_minus)


# --------------------------------------------------------------------------------------------
# Riccati + Bernoulli full solution
# --------------------------------------------------------------------------------------------

def solution_via_riccati(a0, w0, beta_star, t, eta_a=1.0, eta_w=1.0) -> NeuronTrajectory:
    r"""Single-neuron trajectory from the Riccati variable ν and the Bernoulli equation for 1/a².

    Kunin et al. 2024 (arXiv 2406.06158, App.; spec LR §3.3): ν = η_a wᵀβ*/a solves
    ν̇ = η_aη_w s² − δν − ν², ȧ = a(δ + ν − η_w a²), so q = 1/a² obeys the linear equation
    q̇ = −2(δ + ν)q + 2η_w, whose solution is q(t) = (q0 + 2η_w J(t))/F(t) with integrating
    factor F(t) = e^{δt}cosh²(Dt/2 + c)/cosh²c and J(t) = ∫₀^t F. Then
    η_a wᵀβ* = νa, η_a‖w‖² = η_w a² − δ, and ẇ⊥ = −η_w a² w⊥ (w⊥ never changes sign).

    Implementation (equivalent algebra, no branch and no pole). With r = (δ + 2ν0)/D,
    cosh(x + c)/cosh c = cosh x + r sinh x on *both* branches of c (tanh c = r, or coth c' = r
    on the complex branch, where cosh² → −sinh² cancels in the ratio). Writing
    u₊ = a0(1 + r)/2 = (η_a w0ᵀβ* − ν₋a0)/D and u₋ = a0(1 − r)/2 = (ν₊a0 − η_a w0ᵀβ*)/D,
    κ = δ + D = −2ν₋ > 0, and multiplying numerator and denominator by a0²e^{−κt}:

        N(t) = e^{−κt} + 2η_w e^{−κt}∫₀^t (u₊² e^{κu} + 2u₊u₋ e^{δu} + u₋² e^{(δ−D)u}) du
        a(t)            = (u₊ + u₋ e^{−Dt}) / √N
        η_a wᵀβ*(t)     = ν a = (ν₊u₊ + ν₋u₋ e^{−Dt}) / √N
        w⊥(t)           = w⊥0 e^{−κt/2} / √N            (= w⊥0 / √(1 + 2η_w a0² J))

    Here |a| = 1/√q is the Bernoulli solution and the sign of a is carried by u₊ + u₋e^{−Dt},
    which has a (simple) zero at some t > 0 iff sign(u₊) ≠ sign(a0) iff ν0 < ν₋: the flip
    criterion, with the zero at the Riccati pole t* = ln(−u₋/u₊)/D. The multiplied-through form
    is regular there, so the trajectory is valid for all t ≥ 0, *including* the instant a = 0
    (where the textbook form q = 1/a² and ν are singular), and even for a0 = 0.

    The orthogonal part uses ẇ⊥ = −η_w a²w⊥ integrated through the Bernoulli solution rather than
    spec §3.3's w⊥ = +√(‖w‖² − w∥²)ê⊥: the latter is a square root of a difference that
    vanishes as w → w∞ ∥ β*, so its absolute error is ≈ √ε‖w‖ ≈ 1e-8‖w‖ at late times; the two
    agree to that level (tested). Every term of N is bounded for all t (the e^{(δ+D)t} growth of
    cosh² is divided out analytically, ``exprel`` makes δ → 0 exact), so there is no overflow at
    any horizon. Accuracy is a few ulps times max(1, r²) relative: when u₊u₋ < 0 (ν0 outside
    (ν₋, ν₊)) the middle term of N is negative and partly cancels, by at most a factor ~r², which
    is large only when a0 is tiny compared with w0ᵀβ*.

    Parameters
    ----------
    a0 : float
        Initial readout weight (any sign; 0 allowed if w0 ≠ 0).
    w0 : array of shape (d,)
        Initial first-layer weights.
    beta_star : array of shape (d,), nonzero
        Target β* = Xᵀy (whitened input).
    t : array of shape (T,)
        Times ≥ 0.
    eta_a, eta_w : float, default 1.0
        Layer learning rates (> 0).

    Returns
    -------
    NeuronTrajectory

    References
    ----------
    Kunin et al. (2024), arXiv 2406.06158, App. (Riccati/Bernoulli derivation).

    Examples
    --------
    >>> sol = solution_via_riccati(0.5, [0.0, -1.0], [0.5, 0.5], [0.0, 10.0])
    >>> bool(sol.a[0] > 0 > sol.a[-1])   # the readout has flipped sign
    True
    """
    eta_a, eta_w = _rates(eta_a, eta_w)
    beta_star, s, bhat = _target(beta_star)
    a0 = as_finite_scalar(a0, "a0")
    w0 = as_finite_array(w0, "w0", shape=beta_star.shape)
    if a0 == 0 and not np.any(w0):
        raise ValueError("a0 = 0 and w0 = 0 is the saddle of the flow (it never leaves it); "
                         "choose a0 or w0 nonzero")
    t = _times(t)
    delta = eta_w * a0**2 - eta_a * float(w0 @ w0)
    D, nu_minus, nu_plus = _fixed_points(s, delta, eta_a * eta_w)
    kappa = -2.0 * nu_minus                              # δ + D > 0, cancellation-free
    p0 = eta_a * float(w0 @ beta_star)                   # ν0·a0
    u_plus = (p0 - nu_minus * a0) / D
    u_minus = (nu_plus * a0 - p0) / D
    eD = np.exp(-D * t)
    N = np.exp(-kappa * t) + 2.0 * eta_w * (
        u_plus**2 * _scaled_exp_integral(kappa, kappa, t)
        + 2.0 * u_plus * u_minus * _scaled_exp_integral(delta, kappa, t)
        + u_minus**2 * _scaled_exp_integral(delta - D, kappa, t))
    root_N = np.sqrt(N)
    a = (u_plus + u_minus * eD) / root_N
    nu_a = (nu_plus * u_plus + nu_minus * u_minus * eD) / root_N
    w_par = nu_a / (eta_a * s)
    w_perp0 = w0 - float(w0 @ bhat) * bhat
    w = w_par[:, None] * bhat + (np.exp(-kappa * t / 2.0) / root_N)[:, None] * w_perp0
    return NeuronTrajectory(t=t, a=a, w=w, beta=a[:, None] * w, beta_star=beta_star,
                            delta=float(delta), eta_a=eta_a, eta_w=eta_w)


def _bernoulli_q_spec_form(a0, w0, beta_star, t, eta_a=1.0, eta_w=1.0):
    """q = 1/a² evaluated literally as written in spec LR §3.3 (complex branch, real part).

    q(t) = e^{−δt} cosh²c / cosh²(Dt/2 + c) · [q0 + (2η_w/cosh²c) I(t)],
    I(t) = (e^{δt} − 1)/(2δ) + [E(t) − E(0)]/(2(δ² − D²)),
    E(x) = e^{δx}(δ cosh(Dx + 2c) − D sinh(Dx + 2c)), c = artanh((δ + 2ν0)/D) continued to
    arcoth(·) + iπ/2 when |δ + 2ν0| > D. Overflows for (δ + D)t ≳ 700 and cancels for small t;
    kept only so tests can confirm the spec's formula against :func:`solution_via_riccati`.
    """
    _, s, _ = _target(beta_star)
    w0 = np.asarray(w0, dtype=float)
    t = np.asarray(t, dtype=float)
    delta = eta_w * a0**2 - eta_a * float(w0 @ w0)
    D = float(np.hypot(delta, 2.0 * np.sqrt(eta_a * eta_w) * s))
    nu0 = eta_a * float(w0 @ np.asarray(beta_star, dtype=float)) / a0
    r = (delta + 2.0 * nu0) / D
    c = complex(np.arctanh(r)) if abs(r) < 1 else complex(np.arctanh(1.0 / r), np.pi / 2)
    ch2c = np.cosh(c) ** 2

    def E(x):
        return np.exp(delta * x) * (delta * np.cosh(D * x + 2 * c) - D * np.sinh(D * x + 2 * c))

    I = t * exprel(delta * t) / 2.0 + (E(t) - E(0.0)) / (2.0 * (delta**2 - D**2))
    q = np.exp(-delta * t) * ch2c / np.cosh(D * t / 2 + c) ** 2 * (1.0 / a0**2 + 2 * eta_w / ch2c * I)
    return q.real


# --------------------------------------------------------------------------------------------
# balanced case δ = 0
# --------------------------------------------------------------------------------------------

def balanced_solution(a0, w0, beta_star, t, eta_a=1.0, eta_w=1.0) -> NeuronTrajectory:
    r"""Closed form for δ = 0: z = artanh(φ0) + st, φ = tanh z, μ = s(1 + cosh 2z)/(2z + sinh 2z + C).

    Kunin et al. 2024 (arXiv 2406.06158, §3; spec LR §3.4), unit rates, with
    C = s(1 + cosh 2z0)/μ0 − 2z0 − sinh 2z0 and
    β̂(t) = tanh z·β̂* + (cosh z0/cosh z)(β̂0 − tanh z0·β̂*), |a| = √|μ|.

    Sign convention: the formula holds as written for a0 > 0. In general it is the law of
    m = ‖β‖ and φ_β = cos∠(β, β*) = sign(a0)·φ (with a0 < 0, w points against β and
    φ̇ = −s(1 − φ²)); this function uses (m, φ_β), so both signs of a0 are handled.

    Evaluation: with φ := φ_β0, g(t) = cosh z/cosh z0 = cosh st + φ sinh st and
    1/m solving a linear ODE,
    1/m(t) = [1/m0 + ∫₀^t 2g²] / g², ∫₀^t 2g² = ½[(1+φ)²(e^{2st}−1)/(2s) + 2(1−φ²)t
    + (1−φ)²(1−e^{−2st})/(2s)] — every term is ≥ 0 (no cancellation), the aligned (φ0 = 1,
    z0 = ∞) and anti-aligned (φ0 = −1) limits are exact, and all exponentials are scaled by
    e^{−2st} so there is no overflow at any horizon.

    General rates are handled by the map of spec §1 (P = (η_w/η_a)^{1/4}a,
    Q = (η_a/η_w)^{1/4}w, τ = √(η_aη_w)t); δ = 0 is preserved by it.

    Parameters
    ----------
    a0 : float
        Initial readout weight.
    w0 : array of shape (d,)
        Initial first-layer weights with η_w a0² = η_a‖w0‖² (to 1e-12 relative).
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
    >>> sol.beta[-1].round(6)
    array([0., 1.])
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


def saxe_sigmoid(t, s, mu0):
    r"""Saxe's sigmoid μ(t) = s e^{2st}/(e^{2st} − 1 + s/μ0): aligned balanced learning.

    The δ = 0, φ0 = 1 case of spec LR §3.4 (Kunin et al. 2024, arXiv 2406.06158, §3; Saxe,
    McClelland, Ganguli 2014, arXiv 1312.6120), unit rates. Evaluated as
    s/(1 + (s/μ0 − 1)e^{−2st}), which does not overflow. Rates η_a = η_w = η rescale time
    t → ηt; the time constant τ = 1/η of Saxe et al. gives μ(t/τ).

    Parameters
    ----------
    t : float or array
        Times ≥ 0.
    s : float
        Target strength ‖β*‖ > 0 (singular value in the multi-output setting).
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


def saxe_escape_time(s, mu0, exact=False) -> float:
    r"""Escape time from the plateau, t_esc ≈ ln(s/μ0)/(2s) (spec LR §3.4, §5).

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
    if exact:
        return float(np.log(s / mu0 - 1.0) / (2.0 * s))
    return float(np.log(s / mu0) / (2.0 * s))


# --------------------------------------------------------------------------------------------
# hyperbolic angle (unit rates)
# --------------------------------------------------------------------------------------------

def hyperbolic_angle(a, w, delta):
    r"""Hyperbolic angle θ of (a, w) on a² − ‖w‖² = δ: θ = arsinh(‖w‖/√δ) (δ > 0), arsinh(a/√|δ|) (δ < 0).

    Kunin et al. 2024 (arXiv 2406.06158, App.; spec LR §3.3), unit rates η_a = η_w = 1:
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


def from_hyperbolic_angle(theta, delta, sign_a=None) -> HyperbolicPoint:
    r"""Inverse map: δ > 0: a = ±√δ cosh θ, ‖w‖ = √δ sinh θ; δ < 0: a = √|δ| sinh θ, ‖w‖ = √|δ| cosh θ.

    μ = a‖w‖ = |δ| sinh(2θ)/2 (times sign(a) when δ > 0). Kunin et al. 2024
    (arXiv 2406.06158, App.; spec LR §3.3), unit rates.

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


def alignment_from_hyperbolic_angle(nu, theta, s, delta):
    r"""Alignment from (ν, θ): φ = ν/(s tanh θ) (δ > 0), φ = ν tanh θ / s (δ < 0).

    Unit rates, ν = wᵀβ*/a, θ the hyperbolic angle, a > 0 sheet for δ > 0 (Kunin et al. 2024,
    arXiv 2406.06158, App.; spec LR §3.3). Follows from ν = s φ ‖w‖/a and ‖w‖/a = tanh θ
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
