"""Riccati route to the single-neuron gradient flow (independent cross-check of the closed form).

Model (Kunin et al. 2024, arXiv 2406.06158; docs/lazy_rich.md#the-model-and-its-conserved-quantity): f(x) = a·wᵀx, β = a·w, whitened
input XᵀX = I_d, β* = Xᵀy, s = ‖β*‖, loss ½‖β − β*‖², gradient flow
ȧ = −η_a wᵀ(β − β*), ẇ = −η_w a(β − β*), conserved δ = η_w a² − η_a‖w‖².

This module re-derives the trajectory by routes that share no code with the primary closed form
(``theory.lazy_rich._exact``), so that agreement between them is evidence, not tautology:

* the (μ, φ) ODE of the signed magnitude μ = a‖w‖ and alignment φ = cos∠(w, β*) (docs/lazy_rich.md#riccati-and-bernoulli-forms);
* the Riccati variable ν = η_a wᵀβ*/a: its fixed points, closed form, pole time (the instant
  a(t) = 0) and the sign-flip criterion ν0 < ν₋ (docs/lazy_rich.md#riccati-and-bernoulli-forms);
* the Bernoulli equation for q = 1/a² (docs/lazy_rich.md#riccati-and-bernoulli-forms), assembled with ν into a full solution
  (a(t), w(t)).

The balanced case δ = 0, Saxe's sigmoid and the hyperbolic-angle coordinates are in
``_balanced``.
"""

from __future__ import annotations

import numpy as np
from scipy.special import exprel

from ..validate import as_finite_array, as_finite_scalar, as_positive_scalar, guard_numerics
from ..validate import as_learning_rates as _rates
from ._trajectory import NeuronTrajectory, _target, _times

__all__ = [
    "flips_sign_riccati",
    "mu_phi_rhs",
    "riccati_fixed_points",
    "riccati_nu",
    "riccati_pole_time",
    "solution_via_riccati",
]

# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# (μ, φ) ODE
# --------------------------------------------------------------------------------------------

@guard_numerics(nan_ok=True)
def mu_phi_rhs(mu, phi, s, delta, eta_a=1.0, eta_w=1.0):
    r"""Right-hand side of the (μ, φ) ODE: μ̇ = −R(μ)(μ − sφ), φ̇ = s(1 − φ²)(δ + R(μ))/(2μ).

    $R(\mu) = \sqrt{\delta^2 + 4\eta_a\eta_w \mu^2}$, μ = a‖w‖ the signed magnitude, $\varphi = \cos\angle(w, \beta^*)$
    (Kunin et al. 2024, arXiv 2406.06158, §3; docs/lazy_rich.md#riccati-and-bernoulli-forms).
    Derivation: $\dot\mu = \hat w^\top\dot\beta$ with
    $\hat w^\top M = (\eta_w a^2 + \eta_a\|w\|^2)\hat w^\top = R\,\hat w^\top$;
    $\dot\varphi = \eta_w a s(1 - \varphi^2)/\|w\|$ and $\eta_w a^2 = (R + \delta)/2$.

    The factor $(\delta + R)/(2\mu) = \eta_w a/\|w\|$ is evaluated as $2\eta_a\eta_w \mu/(R - \delta)$ when δ < 0, which is
    regular at μ = 0 (the readout a crossing zero). For δ ≥ 0, μ = 0 means w = 0 (δ > 0) or
    the saddle (δ = 0), where φ is undefined; the φ̇ returned there is ±inf or NaN.

    Parameters
    ----------
    mu, phi : float or array
        Signed magnitude and alignment (broadcast together).
    s : float
        $\|\beta^*\| > 0$.
    delta : float
        Conserved quantity δ.
    eta_a, eta_w : float, default 1.0
        Layer learning rates (> 0).

    Returns
    -------
    ndarray of shape ``(2, *broadcast(mu, phi).shape)``
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

@guard_numerics
def riccati_fixed_points(s, delta, eta_a=1.0, eta_w=1.0) -> tuple[float, float]:
    r"""Fixed points $\nu_\pm = (-\delta \pm D)/2$, $D = \sqrt{\delta^2 + 4\eta_a\eta_w s^2}$, of $\dot\nu = \eta_a\eta_w s^2 - \delta\nu - \nu^2$.

    ν₊ > 0 is stable (the limit of $\nu = \eta_a w^\top\beta^*/a$), ν₋ < 0 unstable (Kunin et al. 2024,
    arXiv 2406.06158, App.; docs/lazy_rich.md#riccati-and-bernoulli-forms). Each root is computed without cancellation using
    $\nu_+\nu_- = -\eta_a\eta_w s^2$, so large |δ| keeps full relative accuracy.

    Parameters
    ----------
    s : float
        $\|\beta^*\| > 0$.
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


@guard_numerics
def riccati_nu(t, nu0, s, delta, eta_a=1.0, eta_w=1.0):
    r"""Riccati variable $\nu(t) = \tfrac12(-\delta + D\tanh(Dt/2 + c))$, $D = \sqrt{\delta^2 + 4\eta_a\eta_w s^2}$.

    $\nu = \eta_a w^\top\beta^*/a$ obeys $\dot\nu = \eta_a\eta_w s^2 - \delta\nu - \nu^2$ (Kunin et al. 2024, arXiv 2406.06158, App.;
    docs/lazy_rich.md#riccati-and-bernoulli-forms), with c = artanh((δ + 2ν0)/D).

    Branches (r := (δ + 2ν0)/D):

    * |r| < 1 (ν0 between the fixed points ν₋ < ν₊): real c = artanh r, ν stays in (ν₋, ν₊) and
      tends to ν₊.
    * |r| > 1: artanh r is complex, c = arcoth r + iπ/2, and tanh(x + iπ/2) = coth x, so
      ν = ½(−δ + D coth(Dt/2 + c')) with real c' = arcoth r = artanh(1/r).
      r > 1 (ν0 > ν₊): ν decreases to ν₊ without a pole.
      r < −1 (ν0 < ν₋): c' < 0 and ν has a simple pole at $t^* = -2c'/D$ (ν → −∞, then from +∞
      down to ν₊). The pole is exactly the instant a(t) = 0 ($\nu = \eta_a w^\top\beta^*/a$), i.e. the
      readout flips sign; see :func:`riccati_pole_time`.
    * |r| = 1: ν0 is a fixed point and ν is constant.

    Evaluation is cancellation-free: with y = Dt/2 + c, the tanh branch is written as
    $\nu_+ - D/(1 + e^{2y})$ (y ≥ 0) or $\nu_- + D/(1 + e^{-2y})$ (y < 0), the coth branch as
    $\nu_+ + D/\mathrm{expm1}(2y)$ (y > 0) or $\nu_- - D/\mathrm{expm1}(-2y)$ (y < 0), measured from the nearer fixed point.
    Exactly at the pole the returned value is ±inf (the sign of the floating-point zero); away
    from it the value is the real value of the formula.

    Parameters
    ----------
    t : float or array
        Times ≥ 0 (any shape).
    nu0 : float
        Initial value $\nu(0) = \eta_a w_0^\top\beta^*/a_0$.
    s : float
        $\|\beta^*\| > 0$.
    delta : float
        Conserved quantity δ.
    eta_a, eta_w : float, default 1.0

    Returns
    -------
    float or ndarray of the shape of ``t``

    Examples
    --------
    >>> riccati_nu([0.0, 1.0], 0.0, 1.0, 0.0).round(8).tolist()   # δ = 0, s = 1: ν(t) = tanh t
    [0.0, 0.76159416]
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


@guard_numerics
def riccati_pole_time(nu0, s, delta, eta_a=1.0, eta_w=1.0) -> float:
    r"""Time $t^* = \frac1D\ln\frac{|r| + 1}{|r| - 1}$ of the pole of ν(t), $r = (\delta + 2\nu_0)/D < -1$.

    The pole of the Riccati variable $\nu = \eta_a w^\top\beta^*/a$ is the instant the readout a(t) crosses 0
    (Kunin et al. 2024, arXiv 2406.06158, App.; docs/lazy_rich.md#riccati-and-bernoulli-forms). It exists iff ν0 < ν₋;
    otherwise ``inf`` is returned. Equivalent to $t^* = -2\,\mathrm{arcoth}(r)/D$; written with
    |r| − 1 = 2(ν₋ − ν0)/D and ``log1p`` so that ν0 → ν₋ ($t^* \to \infty$) keeps full accuracy.

    Parameters
    ----------
    nu0 : float
        $\nu(0) = \eta_a w_0^\top\beta^*/a_0$.
    s : float
        $\|\beta^*\| > 0$.
    delta : float
    eta_a, eta_w : float, default 1.0

    Returns
    -------
    float
        $t^* > 0$, or ``inf`` when a never crosses zero.
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


@guard_numerics
def flips_sign_riccati(a0, w0, beta_star, eta_a=1.0, eta_w=1.0) -> bool:
    r"""Whether the readout a(t) changes sign along the flow: ν0 < ν₋ with $\nu_0 = \eta_a w_0^\top\beta^*/a_0$.

    Kunin et al. 2024 (arXiv 2406.06158, App.; docs/lazy_rich.md#riccati-and-bernoulli-forms): ν has a pole (a = 0) iff it
    starts below the unstable fixed point $\nu_- = -(\delta + D)/2$, $D = \sqrt{\delta^2 + 4\eta_a\eta_w s^2}$. Equivalent to
    the eigenvector test sign(c₊) ≠ sign(a0) of docs/lazy_rich.md#limit-basins-and-sign-flip. Impossible for δ > 0 (then
    $\nu_0 \ge -\|w_0\| s \eta_a/|a_0| > \nu_-$). On the boundary ν0 = ν₋ the flow goes to the saddle β = 0 and
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
    >>> flips_sign_riccati(0.5, [0.0, -1.0], [0.5, 0.5])   # appendix-figure setting, δ = −0.75
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

@guard_numerics
def solution_via_riccati(a0, w0, beta_star, t, eta_a=1.0, eta_w=1.0) -> NeuronTrajectory:
    r"""Single-neuron trajectory from the Riccati variable ν and the Bernoulli equation for 1/a².

    Kunin et al. 2024 (arXiv 2406.06158, App.; docs/lazy_rich.md#riccati-and-bernoulli-forms): $\nu = \eta_a w^\top\beta^*/a$ solves
    $\dot\nu = \eta_a\eta_w s^2 - \delta\nu - \nu^2$, $\dot a = a(\delta + \nu - \eta_w a^2)$, so $q = 1/a^2$ obeys the linear equation
    $\dot q = -2(\delta + \nu)q + 2\eta_w$, whose solution is $q(t) = (q_0 + 2\eta_w J(t))/F(t)$ with integrating
    factor $F(t) = e^{\delta t}\cosh^2(Dt/2 + c)/\cosh^2 c$ and $J(t) = \int_0^t F$. Then
    $\eta_a w^\top\beta^* = \nu a$, $\eta_a\|w\|^2 = \eta_w a^2 - \delta$, and $\dot w_\perp = -\eta_w a^2 w_\perp$ ($w_\perp$ never changes sign).

    Implementation (equivalent algebra, no branch and no pole). With r = (δ + 2ν0)/D,
    cosh(x + c)/cosh c = cosh x + r sinh x on *both* branches of c (tanh c = r, or coth c' = r
    on the complex branch, where cosh² → −sinh² cancels in the ratio). Writing
    $u_+ = a_0(1 + r)/2 = (\eta_a w_0^\top\beta^* - \nu_-a_0)/D$ and $u_- = a_0(1 - r)/2 = (\nu_+a_0 - \eta_a w_0^\top\beta^*)/D$,
    $\kappa = \delta + D = -2\nu_- > 0$, and multiplying numerator and denominator by $a_0^2e^{-\kappa t}$:

    $$\begin{array}{rl}
    N(t) &= e^{-\kappa t} + 2\eta_w e^{-\kappa t}\int_0^t (u_+^2 e^{\kappa u} + 2u_+u_- e^{\delta u} + u_-^2 e^{(\delta-D)u})\, du \\
    a(t) &= (u_+ + u_- e^{-Dt}) / \sqrt N \\
    \eta_a w^\top\beta^*(t) &= \nu a = (\nu_+u_+ + \nu_-u_- e^{-Dt}) / \sqrt N \\
    w_\perp(t) &= w_{\perp0}\, e^{-\kappa t/2} / \sqrt N \quad (= w_{\perp0} / \sqrt{1 + 2\eta_w a_0^2 J})
    \end{array}$$

    Here $|a| = 1/\sqrt q$ is the Bernoulli solution and the sign of a is carried by $u_+ + u_-e^{-Dt}$,
    which has a (simple) zero at some t > 0 iff sign(u₊) ≠ sign(a0) iff ν0 < ν₋: the flip
    criterion, with the zero at the Riccati pole $t^* = \ln(-u_-/u_+)/D$. The multiplied-through form
    is regular there, so the trajectory is valid for all t ≥ 0, *including* the instant a = 0
    (where the textbook form q = 1/a² and ν are singular), and even for a0 = 0.

    The orthogonal part uses $\dot w_\perp = -\eta_w a^2 w_\perp$ integrated through the Bernoulli solution rather than
    the textbook form $w_\perp = +\sqrt{\|w\|^2 - w_\parallel^2}\,\hat e_\perp$: the latter is a square root of a difference that
    vanishes as $w \to w_\infty \parallel \beta^*$, so its absolute error is ≈ √ε‖w‖ ≈ 1e-8‖w‖ at late times; the two
    agree to that level (tested). Every term of N is bounded for all t (the $e^{(\delta+D)t}$ growth of
    cosh² is divided out analytically, ``exprel`` makes δ → 0 exact), so there is no overflow at
    any horizon. Accuracy is a few ulps times max(1, r²) relative: when u₊u₋ < 0 (ν0 outside
    (ν₋, ν₊)) the middle term of N is negative and partly cancels, by at most a factor ~r², which
    is large only when a0 is tiny compared with $w_0^\top\beta^*$.

    Parameters
    ----------
    a0 : float
        Initial readout weight (any sign; 0 allowed if w0 ≠ 0).
    w0 : array of shape (d,)
        Initial first-layer weights.
    beta_star : array of shape (d,), nonzero
        Target $\beta^* = X^\top y$ (whitened input).
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
    """q = 1/a² evaluated literally as written in docs/lazy_rich.md#riccati-and-bernoulli-forms (complex branch, real part).

    q(t) = e^{−δt} cosh²c / cosh²(Dt/2 + c) · [q0 + (2η_w/cosh²c) I(t)],
    I(t) = (e^{δt} − 1)/(2δ) + [E(t) − E(0)]/(2(δ² − D²)),
    E(x) = e^{δx}(δ cosh(Dx + 2c) − D sinh(Dx + 2c)), c = artanh((δ + 2ν0)/D) continued to
    arcoth(·) + iπ/2 when |δ + 2ν0| > D. Overflows for (δ + D)t ≳ 700 and cancels for small t;
    kept only so tests can confirm that formula against :func:`solution_via_riccati`.
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
