"""Single-neuron two-layer linear model: conserved quantity and exact gradient-flow solution.

Model (Kunin et al. 2024, arXiv 2406.06158; docs/lazy_rich.md#the-model-and-its-conserved-quantity): f(x) = a·wᵀx with a ∈ R, w ∈ R^d,
function-space vector β = a·w, loss ½‖Xβ − y‖², gradient flow with layer learning rates
ȧ = −η_a wᵀg, ẇ = −η_w a g, g = XᵀXβ − Xᵀy.

Everything is solved at unit rates and mapped back (docs/lazy_rich.md#reduction-to-unit-rates): with k = √(η_a η_w),
P = (η_w/η_a)^{1/4} a, Q = (η_a/η_w)^{1/4} w, the pair (Q, P) is unit-rate gradient flow in
τ = k t with P² − ‖Q‖² = δ/k.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..summary import compact_repr
from ..validate import as_bool, as_finite_array, as_finite_scalar, as_sign, guard_numerics
from ..validate import as_learning_rates as _rates

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




@guard_numerics
def conserved_delta(a, w, eta_a=1.0, eta_w=1.0):
    r"""Conserved quantity $\delta = \eta_w a^2 - \eta_a \|w\|^2$ of the single-neuron gradient flow.

    Kunin et al. 2024, §3 (docs/lazy_rich.md#the-model-and-its-conserved-quantity):
    $d\delta/dt = 2\eta_w a\dot a - 2\eta_a w^\top\dot w = 0$ under
    $\dot a = -\eta_a w^\top g$, $\dot w = -\eta_w a g$. δ > 0 is *upstream* (first layer relatively fast), δ = 0
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


@guard_numerics
def init_from_beta(beta0, delta, eta_a=1.0, eta_w=1.0, sign=1):
    r"""Initialisation (a0, w0) with a0·w0 = β0 and conserved quantity δ.

    $a_0 = \mathrm{sign}\cdot\sqrt{(\delta + \sqrt{\delta^2 + 4\eta_a\eta_w\|\beta_0\|^2}) / (2\eta_w)}$,
    $w_0 = \beta_0 / a_0$ (docs/lazy_rich.md#reduction-to-unit-rates).

    The root is taken in the cancellation-free form: for δ < 0,
    $\delta + \sqrt{\delta^2 + 4c} = 4c / (\sqrt{\delta^2 + 4c} - \delta)$ with $c = \eta_a\eta_w\|\beta_0\|^2$.

    Parameters
    ----------
    beta0 : array of shape (d,)
        Initial function-space vector β0 = a0·w0.
    delta : float
        Conserved quantity $\delta = \eta_w a_0^2 - \eta_a\|w_0\|^2$.
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
        need a0 = 0 with $\|w_0\|^2 = -\delta/\eta_a$, whose direction β0 = 0 does not determine.
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


@guard_numerics
def function_space_metric(beta, delta, eta_a=1.0, eta_w=1.0):
    r"""The preconditioner M(β; δ) of the function-space flow β̇ = −M(β) g(β).

    $M = \eta_w a^2 I + \eta_a w w^\top = \tfrac12(R + \delta) I + \tfrac12(R - \delta)\hat\beta\hat\beta^\top$
    with $R = \sqrt{\delta^2 + 4\eta_a\eta_w\|\beta\|^2}$
    (docs/lazy_rich.md#function-space-metric-and-ntk). Eigenvalues: R along β̂ and (R + δ)/2 orthogonally. At β = 0 (δ > 0)
    M = δ I; for δ < 0 and β = 0 (a = 0) $M = \eta_a w w^\top$ depends on ŵ, which β does not give,
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


@compact_repr
@dataclass(frozen=True)
class ExactSolution:
    r"""Exact gradient-flow trajectory of the single-neuron model (whitened input).

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
        Target $\beta^* = X^\top y$.
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
        return _signed_magnitude(self.a, self.w)

    @property
    def phi(self) -> np.ndarray:
        r"""Alignment $\varphi = \cos\angle(w, \beta^*)$."""
        return _alignment(self.w, self.beta_star)

    @property
    def loss(self) -> np.ndarray:
        r"""$\tfrac12\|\beta(t) - \beta^*\|^2$ (the whitened loss up to a constant)."""
        return 0.5 * np.sum((self.beta - self.beta_star) ** 2, axis=-1)


@guard_numerics
def signed_magnitude(a, w):
    """μ = a‖w‖, the signed magnitude of β = a·w (docs/lazy_rich.md#lazy-and-rich-measures). ``w`` has shape (..., d)."""
    a = as_finite_array(a, "a")
    w = as_finite_array(w, "w", ndim=tuple(range(1, 33)))
    try:
        np.broadcast_shapes(a.shape, w.shape[:-1])
    except ValueError:
        raise ValueError(f"a of shape {a.shape} does not broadcast against w of shape {w.shape} "
                         "(a: (...), w: (..., d))") from None
    return _signed_magnitude(a, w)


def _signed_magnitude(a, w):
    return np.asarray(a) * np.linalg.norm(w, axis=-1)


@guard_numerics
def alignment(w, beta_star):
    r"""$\varphi = \cos\angle(w, \beta^*) = w^\top\beta^*/(\|w\|\|\beta^*\|)$; NaN-free: 0 where w = 0."""
    beta_star = as_finite_array(beta_star, "beta_star", ndim=1)
    w = as_finite_array(w, "w", ndim=tuple(range(1, 33)))
    if w.shape[-1] != beta_star.shape[0]:
        raise ValueError(f"w must have last axis of length d = {beta_star.shape[0]} (len(beta_star)); "
                         f"got shape {w.shape}")
    return _alignment(w, beta_star)


def _alignment(w, beta_star):
    w = np.asarray(w, dtype=np.float64)
    beta_star = np.asarray(beta_star, dtype=np.float64)
    norms = np.linalg.norm(w, axis=-1) * np.linalg.norm(beta_star)
    dots = w @ beta_star
    return np.divide(dots, norms, out=np.zeros_like(dots), where=norms > 0)


def _growing_direction(s, half):
    """Unit eigenvector u₊ = (u_q, u_p) ∝ (s, ω + δ̃/2) of [[−δ̃/2, s], [s, δ̃/2]] for eigenvalue +ω.

    For δ̃ < 0 the proportional form (ω − δ̃/2, s) avoids the cancellation in ω + δ̃/2. When
    s = δ̃ = 0 the block is zero and any basis works: (0, 1).
    """
    omega = np.hypot(s, half)
    vq = np.where(half >= 0, s, omega - half)
    vp = np.where(half >= 0, omega + half, s)
    norm = np.hypot(vq, vp)
    safe = np.where(norm > 0, norm, 1.0)
    return np.where(norm > 0, vq / safe, 0.0), np.where(norm > 0, vp / safe, 1.0)


# Below this the scaled ρ² carries fewer than 52 bits (subnormal range): use the log-space path.
_SCALED_FLOOR = np.finfo(np.float64).tiny * 2.0**53


def _omega_plus_half(s, half, omega):
    """ω + δ̃/2 ≥ 0 without cancellation: s²/(ω − δ̃/2) when δ̃ < 0.

    For δ̃ ≪ 0 the sum ω + δ̃/2 ≈ s²/|δ̃| is a difference of two numbers of size |δ̃|/2; formed
    directly it keeps only ~log10(s²/(eps·δ̃²)) digits, none at all for |δ̃| ≳ 1e8·s, and it
    multiplies τ ~ |δ̃|/s² in the exponent of the perpendicular decay.
    """
    return np.where(half >= 0, omega + half, s**2 / np.where(half >= 0, 1.0, omega - half))


def _log_space_rows(tau, s, half, omega, c_plus, c_minus, u_q, u_p, r_perp2):
    """Same closed form with every term as sign·exp(log-magnitude − log ρ): never under/overflows.

    Returns (P, q∥, perp factor) of shape (B, T). Slower than the scaled path; used only for rows
    where that path's ρ² underflowed.
    """
    with np.errstate(divide="ignore"):
        tt = tau[None, :]
        om, hb = omega[:, None], half[:, None]
        oph = _omega_plus_half(s, hb, om)                        # ω + δ̃/2, no cancellation
        em = -np.expm1(-2.0 * om * tt)
        log_sh = np.log(np.divide(em, 2.0 * om, out=np.broadcast_to(tt, em.shape).copy(), where=om > 0))
        dabs = 2.0 * np.abs(hb)
        # log of the q⊥ integral times e^{−2ωτ}: the exponent (max(0, −δ̃) − 2ω)τ is −2(ω + δ̃/2)τ
        # for δ̃ < 0 and −2ωτ otherwise, formed without cancellation.
        log_perp_int = np.log(np.divide(-np.expm1(-dabs * tt), dabs, out=np.broadcast_to(tt, em.shape).copy(),
                                        where=dabs > 0)) - 2.0 * np.where(hb < 0, oph, om) * tt
        log_cp, log_cm = np.log(np.abs(c_plus))[:, None], np.log(np.abs(c_minus))[:, None]
        # log(ρ²e^{−2ωτ}): every term relative to e^{2ωτ}, so no two large logs are subtracted.
        log_rho2 = np.logaddexp.reduce(np.stack([
            -2.0 * om * tt,                                      # the 1
            np.log(r_perp2)[:, None] + log_perp_int,             # q⊥ part
            2 * log_cp + log_sh,                                 # c₊²(e^{2ωτ} − 1)/(2ω)
            2 * log_cm + log_sh - 2.0 * om * tt,                 # c₋²(1 − e^{−2ωτ})/(2ω)
        ]), axis=0)
        grow = np.sign(c_plus)[:, None] * np.exp(log_cp - log_rho2 / 2)                # c₊e^{ωτ}/ρ
        decay = np.sign(c_minus)[:, None] * np.exp(log_cm - 2.0 * om * tt - log_rho2 / 2)  # c₋e^{−ωτ}/ρ
        perp = np.exp(-oph * tt - log_rho2 / 2)                                         # e^{−δ̃τ/2}/ρ
    uq, up = u_q[:, None], u_p[:, None]
    return grow * up + decay * uq, grow * uq - decay * up, perp


def _unit_rate_flow(P0, Q0, beta_star, delta_u, tau):
    """Unit-rate closed form ϑ(τ) = e^{Aτ}ϑ0/ρ(τ), evaluated scaled by e^{−ωτ}.

    P0: (B,), Q0: (B, d), delta_u: (B,), tau: (T,). Returns P (B, T), Q (B, T, d).
    Every factor below is bounded by 1 (or by τ): the e^{ωτ} growth of numerator and ρ is
    divided out analytically (docs/lazy_rich.md#exact-solution-for-whitened-input), so no overflow at any horizon.
    """
    s = np.linalg.norm(beta_star)
    bhat = beta_star / s if s > 0 else np.zeros_like(beta_star)
    q_par = Q0 @ bhat                                # (B,)
    q_perp = Q0 - q_par[:, None] * bhat              # (B, d)
    r_perp2 = np.sum(q_perp**2, axis=-1)             # (B,)
    half = delta_u / 2.0
    omega = np.hypot(s, half)                        # (B,), ω ≥ |δ̃|/2
    # Orthonormal eigenbasis of B = [[−δ̃/2, s], [s, δ̃/2]]: u₊ (eigenvalue +ω), u₋ (−ω).
    # Then e^{Bτ}(q∥, P0) = c₊e^{ωτ}u₊ + c₋e^{−ωτ}u₋ and ρ² is a sum of non-negative terms, so
    # nothing cancels even on the basin boundary c₊ ≈ 0.
    up_q, up_p = _growing_direction(s, half)
    c_plus = up_q * q_par + up_p * P0
    c_minus = -up_p * q_par + up_q * P0

    om = omega[:, None]
    tt = tau[None, :]
    em = -np.expm1(-2.0 * om * tt)                   # 1 − e^{−2ωτ}
    # e^{−2ωτ} from exp, not as 1 − em: that difference has an absolute error ~ε, i.e. a relative
    # error ε·e^{2ωτ}, and near the basin boundary (small c₊) the scaled ρ² ≈ c₊²/(2ω) is small
    # enough for it to show (up to ~1e-11 on β at δ = 0 with a long plateau at the saddle).
    e2 = np.exp(-2.0 * om * tt)                      # e^{−2ωτ}
    # (1 − e^{−2ωτ})/(2ω) → τ as ω → 0 (expm1 keeps it accurate for tiny ω).
    sh = np.divide(em, 2.0 * om, out=np.broadcast_to(tt, em.shape).copy(), where=om > 0)
    perp = np.exp(-_omega_plus_half(s, half[:, None], om) * tt)   # e^{−δ̃τ/2}·e^{−ωτ}, exponent ≤ 0

    cp, cm = c_plus[:, None], c_minus[:, None]
    uq, upp = up_q[:, None], up_p[:, None]
    # Numerators scaled by e^{−ωτ}.
    num_q = cp * uq - cm * e2 * upp
    num_p = cp * upp + cm * e2 * uq
    # ρ²e^{−2ωτ}. Perpendicular integral (1 − e^{−δ̃τ})/δ̃ = [(1 − e^{−|δ̃|τ})/|δ̃|]·e^{max(0, −δ̃)τ},
    # bounded after the e^{−2ωτ} scaling for both signs of δ̃; the bracket → τ as δ̃ → 0.
    dabs = np.abs(delta_u)[:, None]
    perp_int = np.divide(-np.expm1(-dabs * tt), dabs, out=np.broadcast_to(tt, em.shape).copy(), where=dabs > 0)
    # The scaling factor e^{(max(0, −δ̃) − 2ω)τ} is perp² for δ̃ < 0 and e^{−2ωτ} otherwise.
    perp_int *= np.where(delta_u[:, None] < 0, perp * perp, e2)
    # ∫₀^τ e^{2Bs} ds quadratic form: c₊²(e^{2ωτ} − 1)/(2ω) + c₋²(1 − e^{−2ωτ})/(2ω).
    rho2 = e2 + r_perp2[:, None] * perp_int + cp**2 * sh + cm**2 * sh * e2
    # Where the scaled ρ² is subnormal (only when c₊ = 0 and q⊥ = 0 or decays, i.e. on the
    # basin boundary at long times) the e^{−ωτ} scaling lost precision: redo those rows in log space.
    bad = np.any(rho2 < _SCALED_FLOOR, axis=1)
    rho = np.sqrt(rho2, out=rho2)
    if np.any(bad):
        rho[bad] = 1.0  # placeholder; these rows are recomputed below
    P = np.divide(num_p, rho, out=num_p)
    par = np.divide(num_q, rho, out=num_q)
    perp_coef = np.divide(perp, rho, out=perp)
    if np.any(bad):
        P[bad], par[bad], perp_coef[bad] = _log_space_rows(
            tau, s, half[bad], omega[bad], c_plus[bad], c_minus[bad], up_q[bad], up_p[bad], r_perp2[bad])
    Q = par[:, :, None] * bhat + perp_coef[:, :, None] * q_perp[:, None, :]
    return P, Q


@guard_numerics
def exact_solution(a0, w0, beta_star, t, eta_a=1.0, eta_w=1.0) -> ExactSolution:
    r"""Exact gradient-flow solution of the single-neuron model for whitened input.

    Setting (Kunin et al. 2024, §3; docs/lazy_rich.md#exact-solution-for-whitened-input):
    $X^\top X = I_d$, $X^\top y = \beta^*$, loss $\tfrac12\|\beta - \beta^*\|^2$.
    At unit rates, stacking $\vartheta = (Q, P) \in \mathbb{R}^{d+1}$, conservation turns the flow into
    $\dot\vartheta = A\vartheta - \tfrac12\|\vartheta\|^2\vartheta$ with
    $A = \begin{pmatrix} -(\tilde\delta/2) I_d & \beta^* \\ \beta^{*\top} & \tilde\delta/2 \end{pmatrix}$, whose solution is

    $$\vartheta(\tau) = e^{A\tau} \vartheta_0 / \rho(\tau), \qquad \rho(\tau)^2 = 1 + \vartheta_0^\top \Big(\int_0^\tau e^{2As}\, ds\Big) \vartheta_0 \ge 1.$$

    It exists for all time, for any sign of δ, any d, and passes through a = 0 smoothly.
    With $s = \|\beta^*\|$, $\omega = \sqrt{s^2 + \tilde\delta^2/4}$, $q_\parallel = \hat\beta^{*\top}Q_0$ and
    $q_\perp = Q_0 - q_\parallel\hat\beta^*$:
    $q_\parallel\rho = C q_\parallel + S_h(-\tfrac12\tilde\delta q_\parallel + s P_0)$,
    $P\rho = C P_0 + S_h(s q_\parallel + \tfrac12\tilde\delta P_0)$, $q_\perp\rho = e^{-\tilde\delta\tau/2} q_\perp$,
    $C = \cosh\omega\tau$, $S_h = \sinh(\omega\tau)/\omega$. Numerators and ρ are divided by $e^{\omega\tau}$ analytically and the
    δ̃ → 0, ω → 0 limits are exact (``expm1``-based quotients), so long horizons do not overflow.

    Parameters
    ----------
    a0 : float or array of shape (B,)
        Initial readout weight(s). A batch evaluates B initialisations at once.
    w0 : array of shape (d,) or (B, d)
        Initial first-layer weights (broadcast against ``a0``).
    beta_star : array of shape (d,)
        Target $\beta^* = X^\top y$ (whitened input).
    t : array of shape (T,)
        Times ≥ 0 (original time; unit-rate time is $\tau = \sqrt{\eta_a\eta_w}\,t$).
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


@compact_repr
@dataclass(frozen=True)
class LimitPrediction:
    r"""Where gradient flow from (a0, w0) ends (whitened input; docs/lazy_rich.md#limit-basins-and-sign-flip).

    Attributes
    ----------
    a_inf : float or ndarray of shape (B,)
        Limit readout $a_\infty = \mathrm{sign}(c_+)\sqrt{(\delta + \sqrt{\delta^2 + 4\eta_a\eta_w s^2}) / (2\eta_w)}$.
    w_inf : ndarray of shape (d,) or (B, d)
        Limit first-layer weights $\beta^*/a_\infty$.
    flips : bool or ndarray of shape (B,)
        True iff a changes sign along the flow (sign(c₊) ≠ sign(a0)).
    c_plus : float or ndarray of shape (B,)
        Coefficient of ϑ0 on the growing eigenvector (s, ω + δ̃/2) of the 2×2 block;
        c₊ = 0 is the basin boundary (the flow then goes to the saddle β = 0).
    """

    a_inf: float | np.ndarray
    w_inf: np.ndarray
    flips: bool | np.ndarray
    c_plus: float | np.ndarray


@guard_numerics
def limit_prediction(a0, w0, beta_star, eta_a=1.0, eta_w=1.0) -> LimitPrediction:
    r"""Limit, basin and sign-flip prediction for whitened input (docs/lazy_rich.md#limit-basins-and-sign-flip).

    With c₊ = s q∥0 + (ω + δ̃/2) P0 (unit rates), the flow converges to
    $P_\infty = \mathrm{sign}(c_+)\sqrt{\omega + \tilde\delta/2}$, $Q_\infty = \mathrm{sign}(c_+)\sqrt{\omega - \tilde\delta/2}\,\hat\beta^*$,
    i.e. $\beta_\infty = \beta^*$ and
    $\eta_w a_\infty^2 = (\delta + \sqrt{\delta^2 + 4\eta_a\eta_w s^2})/2$. a flips sign iff sign(c₊) ≠ sign(a0); impossible for
    δ > 0. Equivalent to the Riccati criterion ν0 < ν₋ (Kunin et al. 2024, App.; docs/lazy_rich.md#riccati-and-bernoulli-forms).

    Parameters
    ----------
    a0 : float or array of shape (B,)
        Initial readout weight(s); an array gives B initialisations at once.
    w0 : array of shape (d,), or (B, d) when ``a0`` is an array
        Initial first-layer weights.
    beta_star : array of shape (d,)
        Target $\beta^*$ (nonzero).
    eta_a, eta_w : float, default 1.0
        Layer learning rates (> 0).

    Returns
    -------
    LimitPrediction
        With scalar fields, or fields of leading length B when ``a0`` is an array.

    Raises
    ------
    ValueError
        If $\beta^* = 0$ (no learning problem), on the saddle, or exactly on the basin boundary c₊ = 0
        (the limit is then the saddle β = 0, not $\beta^*$).
    """
    eta_a, eta_w = _rates(eta_a, eta_w)
    beta_star = as_finite_array(beta_star, "beta_star", ndim=1)
    batch = np.ndim(a0) == 1
    if batch:
        a0 = as_finite_array(a0, "a0", ndim=1)
        w0 = as_finite_array(w0, "w0", shape=(a0.shape[0],) + beta_star.shape)
    else:
        a0 = np.array([as_finite_scalar(a0, "a0")])
        w0 = as_finite_array(w0, "w0", shape=beta_star.shape)[None]
    if np.any((a0 == 0) & ~np.any(w0, axis=-1)):
        raise ValueError("a0 = 0 and w0 = 0 is the saddle of the flow; choose a0 or w0 nonzero")
    if not np.any(beta_star):
        raise ValueError("beta_star must be nonzero (with beta_star = 0 the flow decays to beta = 0)")
    a_inf, c_plus = _limit_batch(a0, w0, beta_star, eta_a, eta_w)
    if np.any(c_plus == 0):
        raise ValueError("the initialisation lies on the basin boundary c_plus = 0: the flow converges "
                         "to the saddle beta = 0, not to beta_star")
    flips = (a0 != 0) & (np.sign(a0) != np.sign(a_inf))
    if batch:
        return LimitPrediction(a_inf=a_inf, w_inf=beta_star / a_inf[:, None], flips=flips, c_plus=c_plus)
    a_inf = float(a_inf[0])
    return LimitPrediction(a_inf=a_inf, w_inf=beta_star / a_inf, flips=bool(flips[0]), c_plus=float(c_plus[0]))


def _limit_batch(a0, w0, beta_star, eta_a, eta_w):
    """(a∞, c₊) for B initialisations a0 (B,), w0 (B, d); a∞ = ±√(ω + δ̃/2)/scale, sign of c₊."""
    s = float(np.linalg.norm(beta_star))
    scale_a = (eta_w / eta_a) ** 0.25
    P0, Q0 = scale_a * a0, w0 / scale_a
    half = (P0**2 - np.sum(Q0**2, axis=-1)) / 2
    omega = np.hypot(s, half)
    u_q, u_p = _growing_direction(s, half)
    c_plus = u_q * (Q0 @ beta_star) / s + u_p * P0
    # ω + δ̃/2 without cancellation for δ̃ < 0: s²/(ω − δ̃/2).
    up = np.where(half >= 0, omega + half, s**2 / (omega - half))
    return np.sign(c_plus) * np.sqrt(up) / scale_a, c_plus


@guard_numerics
def relaxation_rates(beta_star, delta, eta_a=1.0, eta_w=1.0) -> tuple[float, float]:
    r"""Local relaxation rates (λ⊥, λ∥) of gradient flow near $\beta^*$ (docs/lazy_rich.md#limit-basins-and-sign-flip).

    Direction modes $\lambda_\perp = \eta_w a_\infty^2 = (\delta + R^*)/2$, radial mode
    $\lambda_\parallel = R^* = \sqrt{\delta^2 + 4\eta_a\eta_w s^2}$, $s = \|\beta^*\|$.
    As δ → −∞, $\lambda_\perp \approx \eta_a\eta_w s^2/|\delta|$: the "delayed rich" time scale.
    λ⊥ is evaluated without cancellation for δ < 0.
    """
    eta_a, eta_w = _rates(eta_a, eta_w)
    beta_star = as_finite_array(beta_star, "beta_star", ndim=1)
    delta = as_finite_scalar(delta, "delta")
    c = eta_a * eta_w * float(beta_star @ beta_star)
    R = float(np.hypot(delta, 2.0 * np.sqrt(c)))
    lam_perp = (delta + R) / 2.0 if delta >= 0 else 2.0 * c / (R - delta)
    return lam_perp, R


@guard_numerics
def kernel_distance(a0, w0, a, w, compat=False):
    r"""Kernel distance S(0, t) of the single neuron for whitened input (X = I_d).

    $S(0, t) = 1 - \langle K_0, K_t\rangle_F / (\|K_0\|_F \|K_t\|_F)$ (Fort et al. 2020; docs/lazy_rich.md#lazy-and-rich-measures) with the
    parameter NTK $K = a^2 I_d + w w^\top$:

    $\langle K_0, K_t\rangle = d a_0^2 a^2 + a_0^2\|w\|^2 + a^2\|w_0\|^2 + (w_0^\top w)^2$,
    $\|K_t\|^2 = d a^4 + 2a^2\|w\|^2 + \|w\|^4$,
    with a = a(t).

    Parameters
    ----------
    a0 : float or array of shape (B,)
        Initial readout weight; an array gives B initialisations at once.
    w0 : array of shape (d,), or (B, d) when ``a0`` is an array
    a : float or array of shape (T,); (B, T) when ``a0`` is an array
    w : array of shape (d,) or (T, d); (B, T, d) when ``a0`` is an array
    compat : bool, default False
        Reproduce the published code's formula, which uses a(0)² instead of a(t)² in the cross
        term of ‖Kt‖² (2a0²‖w‖²). Wrong; offered only to compare with the published figure.

    Returns
    -------
    float or ndarray of shape (T,) or (B, T), in [0, 1].
    """
    compat = as_bool(compat, "compat")
    if np.ndim(a0) == 1:
        a0 = as_finite_array(a0, "a0", ndim=1)
        w0 = as_finite_array(w0, "w0", ndim=2)
        B, d = w0.shape
        if a0.shape[0] != B:
            raise ValueError(f"a0 of shape {a0.shape} and w0 of shape {w0.shape} disagree on B")
        a = as_finite_array(a, "a", ndim=2)
        w = as_finite_array(w, "w", shape=(B, a.shape[1], d))
        if a.shape[0] != B:
            raise ValueError(f"a must have shape (B, T) = ({B}, T); got {a.shape}")
        if np.any((a0 == 0) & ~np.any(w0, axis=-1)):
            raise ValueError("a0 = 0 and w0 = 0 give a zero kernel K0; the kernel distance is undefined")
        return _kernel_distance_batch(a0, w0, a, w, compat)
    a0 = as_finite_scalar(a0, "a0")
    w0 = as_finite_array(w0, "w0", ndim=1)
    d = w0.shape[0]
    a = as_finite_array(a, "a", ndim=(0, 1))
    w = as_finite_array(w, "w", ndim=(1, 2))
    if w.shape[-1] != d:
        raise ValueError(f"w must have last axis of length d = {d} (len(w0)); got shape {w.shape}")
    if w.shape[:-1] != a.shape:
        raise ValueError(f"a of shape {a.shape} and w of shape {w.shape} must share the time axis "
                         "(a: () with w: (d,), or a: (T,) with w: (T, d))")
    if a0 == 0 and not np.any(w0):
        raise ValueError("a0 = 0 and w0 = 0 give a zero kernel K0; the kernel distance is undefined")
    S = _kernel_distance_batch(np.atleast_1d(a0), np.atleast_2d(w0), a.reshape(1, -1), w.reshape(1, -1, d), compat)
    S = S.reshape(a.shape)
    return float(S) if np.ndim(S) == 0 else S


def _kernel_distance_batch(a0, w0, a, w, compat=False):
    """S(0, t) for B initialisations at once: a0 (B,), w0 (B, d), a (B, T), w (B, T, d) → (B, T)."""
    d = w0.shape[-1]
    a0sq = (a0**2)[:, None]
    w00 = np.sum(w0**2, axis=-1)[:, None]
    a2 = a**2
    ww = np.sum(w**2, axis=-1)
    inner = d * a0sq * a2 + a0sq * ww + a2 * w00 + np.einsum("btd,bd->bt", w, w0) ** 2
    norm0 = np.sqrt(d * a0sq**2 + 2 * a0sq * w00 + w00**2)
    normt2 = d * a2**2 + 2 * (a0sq if compat else a2) * ww + ww**2
    if np.any(normt2 <= 0):
        raise ValueError("a and w vanish together at some time: K(t) = 0 and S is undefined")
    return 1.0 - inner / (norm0 * np.sqrt(normt2))
