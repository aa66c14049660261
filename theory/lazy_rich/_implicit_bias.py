r"""Implicit bias of the single-neuron model: the Bregman projection under Φ_δ and its limits.

Kunin et al. 2024 (arXiv 2406.06158); derivations in docs/lazy_rich.md#implicit-bias-for-general-x. Everything
is stated at unit rates (docs/lazy_rich.md#reduction-to-unit-rates): with k = √(η_aη_w), P = (η_w/η_a)^{1/4} a and Q = (η_a/η_w)^{1/4} w one has
β = PQ, P² − ‖Q‖² = δ̃ := δ/k, and (Q, P) is unit-rate gradient flow in τ = k t. The potential
functions (``_mirror``: Φ_δ, its mirror map ∇Φ_δ and inverse) take the unit-rate δ̃ as their
``delta``; ``implicit_bias`` and friends take the original δ and rates and convert.

Key identities (R = √(δ² + 4‖β‖²), P² = (R + δ)/2, ‖Q‖² = (R − δ)/2; the potential, its
conjugate and the inverse map are listed in ``_mirror``):

* ∇Φ_δ(β) = (3/2)‖Q‖β̂ = (3/2)β/|P| = (3/2)·sign(P)·Q along the flow,
* d/dτ ∇Φ_δ(β(τ)) = −(3/2)|P| Xᵀ(Xβ − y): a mirror flow, hence ∇Φ_δ(β∞) − ∇Φ_δ(β0) ∈ range(Xᵀ).

Closed form of the projection (derived here for any X, docs/lazy_rich.md#closed-form-bregman-projection; the
rank-1 2-D case is its n = 1, d = 2 instance): the KKT
conditions of argmin_{Xβ=y} Φ_δ(β) − zᵀβ are P_R β = X⁺y and P_N ∇Φ_δ(β) = P_N z (P_R, P_N the
orthogonal projectors onto range(Xᵀ) and null(X)). With ∇Φ_δ(β) = (3/2)β/|P| this gives
β = X⁺y + |P∞|·v, v = (2/3)P_N z, and |P∞|² solves P⁴ − (δ + ‖v‖²)P² − ‖X⁺y‖² = 0. Along the
flow v = P_N Q0 up to sign: the null-space part of Q is conserved (Q̇ = −P·Xᵀr ∈ range Xᵀ).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.optimize

from ..summary import compact_repr
from ..validate import (
    as_choice,
    as_count,
    as_finite_array,
    as_finite_scalar,
    as_positive_scalar,
    as_sign,
    guard_numerics,
)
from ._mirror import (
    _conjugate_shifted,
    _grad,
    _hess,
    _inverse,
    _inverse_jacobian,
    _norm_parts,
    _potential_shifted,
)
from ._types import Crossing

__all__ = [
    "ConvexImplicitBiasResult",
    "downstream_limit_bias",
    "implicit_bias",
    "implicit_bias_cvxpy",
    "implicit_bias_nlp",
    "lazy_limit_bias",
    "rank1_implicit_bias",
]

_EPS = np.finfo(np.float64).eps
# ‖y − P_range(X) y‖ ≤ this · ‖y‖ counts as y ∈ range(X): a few hundred ulps of slack for the
# SVD of an ill-conditioned X, far below any genuinely inconsistent right-hand side.
_CONSISTENCY_RTOL = 1e-9
# A solve is accepted when ‖Xβ − y‖ ≤ this · (‖X‖₂‖β‖ + ‖y‖): rounding of Xβ is ~ √d·eps of that
# scale, so 1e-9 leaves six orders of margin and still catches any failed solve.
_RESIDUAL_RTOL = 1e-9


# --------------------------------------------------------------------------------------------
# Shared set-up of the projection
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Problem:
    X: np.ndarray
    y: np.ndarray
    V: np.ndarray          # (d, r) orthonormal basis of range(Xᵀ)
    beta_star: np.ndarray  # X⁺y, the minimum-norm interpolant
    Xr: np.ndarray         # Vᵀ: orthonormal-row version of the constraint
    yr: np.ndarray         # Vᵀ β* : Xβ = y  ⇔  Vᵀβ = yr

    def null_part(self, u: np.ndarray) -> np.ndarray:
        return u - self.V @ (self.V.T @ u)

    def check_residual(self, beta: np.ndarray, what: str) -> None:
        res = float(np.linalg.norm(self.X @ beta - self.y))
        scale = np.linalg.norm(self.X, 2) * np.linalg.norm(beta) + np.linalg.norm(self.y)
        if not res <= _RESIDUAL_RTOL * max(scale, np.finfo(float).tiny):
            raise RuntimeError(
                f"{what}: the computed point does not interpolate, ‖Xβ − y‖ = {res:.3e} "
                f"(scale {scale:.3e}); the solve failed")


def _problem(X, y) -> _Problem:
    X = as_finite_array(X, "X", ndim=2)
    n, d = X.shape
    if n == 0 or d == 0:
        raise ValueError(f"X must have at least one row and one column; got shape {X.shape}")
    y = as_finite_array(y, "y", shape=(n,))
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    if s[0] == 0.0:
        raise ValueError("X must not be the zero matrix")
    r = int(np.sum(s > s[0] * max(n, d) * _EPS))  # numpy matrix_rank's cut-off
    U, s, Vt = U[:, :r], s[:r], Vt[:r]
    coef = U.T @ y
    outside = float(np.linalg.norm(y - U @ coef))
    if outside > _CONSISTENCY_RTOL * float(np.linalg.norm(y)):
        raise ValueError(
            f"y is not in the range of X (X has rank {r} < n = {n} and ‖y − P_range(X) y‖ = "
            f"{outside:.3e}): the constraint Xβ = y is inconsistent, no interpolant exists")
    yr = coef / s
    return _Problem(X=X, y=y, V=Vt.T, beta_star=Vt.T @ yr, Xr=Vt, yr=yr)


def _beta0_and_rates(beta0, delta, eta_a, eta_w, d=None):
    beta0 = as_finite_array(beta0, "beta0", ndim=1)
    if d is not None and beta0.shape[0] != d:
        raise ValueError(f"beta0 must have shape ({d},) to match X; got {beta0.shape}")
    delta = as_finite_scalar(delta, "delta")
    eta_a = as_positive_scalar(eta_a, "eta_a")
    eta_w = as_positive_scalar(eta_w, "eta_w")
    delta_u = delta / np.sqrt(eta_a * eta_w)
    if not np.any(beta0) and delta_u <= 0:
        raise ValueError(
            "beta0 = 0 with delta <= 0 has no gradient-flow initialisation: delta = 0 is the "
            "saddle a0 = w0 = 0, and delta < 0 needs a0 = 0 with a direction for w0 that "
            f"beta0 does not give (got delta = {delta})")
    return beta0, delta, eta_a, eta_w, delta_u


def _unit_rate_init(beta0: np.ndarray, delta_u: float):
    """P0² (stable) and q0 = β0/|P0| = sign(a0)·Q0 (so ‖q0‖² = P0² − δ̃)."""
    _, _, p2 = _norm_parts(beta0, delta_u)
    p2 = float(p2)
    return p2, beta0 / np.sqrt(p2)


def _crossing_direction(crossings, *, prob, q0, delta, delta_u, eta_a, eta_w, sign, rtol):
    """Σ_i sign_before_i · Q(t_i) after validating the crossings (unit-rate Q)."""
    if isinstance(crossings, (str, bytes)) or not hasattr(crossings, "__iter__"):
        raise ValueError(f"crossings must be a sequence of Crossing; got {type(crossings).__name__}")
    crossings = tuple(crossings)
    rtol = as_positive_scalar(rtol, "crossing_rtol")    # validated even when there are no crossings
    d = q0.shape[0]
    if not crossings:
        return np.zeros(d)
    if delta_u >= 0:
        raise ValueError(
            f"crossings must be empty for delta >= 0 (got delta = {delta} and {len(crossings)} "
            "crossing(s)): a(t) cannot cross 0 since η_w a² = δ + η_a‖w‖² > 0")
    rtol = as_positive_scalar(rtol, "crossing_rtol")
    scale_q = (eta_a / eta_w) ** 0.25
    p_null_q0 = sign * prob.null_part(q0)  # P_N Q0, conserved along the flow
    total = np.zeros(d)
    expected_sign, last_t = sign, -np.inf
    for i, c in enumerate(crossings):
        if not isinstance(c, Crossing):
            raise ValueError(f"crossings[{i}] must be a Crossing; got {type(c).__name__}")
        t_c = as_finite_scalar(c.t, f"crossings[{i}].t")
        s_c = as_sign(c.sign_before, f"crossings[{i}].sign_before")
        w_c = as_finite_array(c.w, f"crossings[{i}].w", shape=(d,))
        if t_c < last_t:
            raise ValueError(
                f"crossings must be sorted by time; crossings[{i}].t = {t_c} < {last_t}")
        if s_c != expected_sign:
            raise ValueError(
                f"crossings[{i}].sign_before = {s_c} but a(t) has sign {expected_sign} there "
                "(the first crossing starts from `sign`, and the sign alternates)")
        Q_c = scale_q * w_c
        nq2 = float(Q_c @ Q_c)
        if abs(nq2 / -delta_u - 1.0) > rtol:
            raise ValueError(
                f"crossings[{i}].w is not on the crossing sphere: at a = 0 conservation forces "
                f"‖Q‖² = |δ̃| = {-delta_u:.6g} (Q = (η_a/η_w)^{{1/4}} w), got {nq2:.6g}; wrong "
                "parametrisation, rates, delta or an inaccurate trajectory")
        if np.linalg.norm(prob.null_part(Q_c) - p_null_q0) > rtol * np.sqrt(-delta_u):
            raise ValueError(
                f"crossings[{i}].w has a null(X) component different from that of w0; it is "
                "conserved by the flow (ẇ ∈ range Xᵀ), so this crossing does not belong to the "
                "trajectory started from (beta0, delta, sign)")
        total += s_c * Q_c
        expected_sign, last_t = -s_c, t_c
    return total


def _positive_quartic_root(kappa: float, c: float) -> float:
    """The root P² ≥ 0 of P⁴ − 2κP² − c² = 0: κ + √(κ² + c²), stable for κ < 0."""
    h = np.hypot(kappa, c)
    if kappa >= 0:
        return kappa + h
    return c * c / (h - kappa) if c > 0 else 0.0


# --------------------------------------------------------------------------------------------
# Bregman projection: closed form (primary) and dual Newton
# --------------------------------------------------------------------------------------------

def _closed_form(prob: _Problem, q0: np.ndarray, p0sq: float, cross_sum: np.ndarray):
    # (2/3)·z_eff = q0 − 2 Σ s_i Q_i ; only its null(X) part matters.
    v0 = prob.null_part(q0)
    v = prob.null_part(q0 - 2.0 * cross_sum)
    # k² + δ̃ with k = ‖v‖, formed as (‖v‖² − ‖v0‖²) + (P0² − ‖P_R q0‖²) (uses ‖q0‖² = P0² − δ̃)
    # so that δ̃ ≪ 0, where k² ≈ |δ̃|, loses nothing.
    row_q0 = prob.Xr @ q0
    k2_plus_delta = float((v - v0) @ (v + v0)) + (p0sq - float(row_q0 @ row_q0))
    c = float(np.linalg.norm(prob.beta_star))
    p_inf_sq = _positive_quartic_root(0.5 * k2_plus_delta, c)
    return prob.beta_star + np.sqrt(p_inf_sq) * v


def _dual_newton(prob: _Problem, z: np.ndarray, delta_u: float, max_iter: int = 200) -> np.ndarray:
    """Maximise the concave dual D(λ) = λᵀy_r − Φ*(z + X_rᵀλ) by damped Newton."""
    Xr, yr = prob.Xr, prob.yr
    r = Xr.shape[0]

    def evaluate(lam):
        zz = z + Xr.T @ lam
        beta = _inverse(zz, delta_u)
        return zz, beta, float(lam @ yr) - _conjugate_shifted(zz, delta_u), yr - Xr @ beta

    lam = np.zeros(r)
    zz, beta, val, G = evaluate(lam)
    for _ in range(max_iter):
        gnorm = float(np.linalg.norm(G))
        if gnorm <= 16 * _EPS * (np.linalg.norm(yr) + np.linalg.norm(beta)) * np.sqrt(r):
            return beta
        H = Xr @ _inverse_jacobian(zz, delta_u) @ Xr.T
        # Levenberg term: H is singular where z sits in the kink's ball (δ < 0) or at z = 0 (δ = 0).
        ref = (2.0 / 3.0) * np.sqrt(abs(delta_u) + (2.0 * np.linalg.norm(zz) / 3.0) ** 2)
        mu = 1e-12 * max(float(np.trace(H)) / r, ref, np.finfo(float).tiny)
        step = np.linalg.solve(H + mu * np.eye(r), G)
        slope = float(G @ step)
        s, accepted = 1.0, False
        while s > 1e-30:
            cand = evaluate(lam + s * step)
            # Armijo on the concave dual, or plain decrease of the KKT residual once the
            # dual values are at rounding level.
            if cand[2] >= val + 1e-4 * s * slope or np.linalg.norm(cand[3]) < 0.5 * gnorm:
                accepted = True
                break
            s *= 0.5
        if not accepted:
            return beta
        lam = lam + s * step
        zz, beta, val, G = cand
    return beta


@guard_numerics
def implicit_bias(X, y, beta0, delta, eta_a=1.0, eta_w=1.0, sign=1, crossings=(), *,
                  method="closed_form", crossing_rtol=1e-6):
    r"""Gradient-flow limit $\beta_\infty = \operatorname{argmin}_{X\beta=y} \Phi_{\tilde\delta}(\beta) - z_0^\top\beta$, $z_0 = \nabla\Phi_{\tilde\delta}(\beta_0)$ (+ crossing jumps).

    Kunin et al. 2024 (arXiv 2406.06158), docs/lazy_rich.md#implicit-bias-for-general-x (the paper's implicit-bias theorem). The flow
    is started from ``init_from_beta(beta0, delta, eta_a, eta_w, sign)``, i.e.
    $a_0 = \mathrm{sign}\cdot\sqrt{(\delta + \sqrt{\delta^2 + 4\eta_a\eta_w\|\beta_0\|^2})/(2\eta_w)}$, $w_0 = \beta_0/a_0$,
    and is a mirror flow, $\frac{d}{d\tau} \nabla\Phi_{\tilde\delta}(\beta) = -\frac32|P|X^\top(X\beta - y)$ at unit rates
    ($\tau = \sqrt{\eta_a\eta_w}\,t$, $\tilde\delta = \delta/\sqrt{\eta_a\eta_w}$), so if
    β(t) converges to an interpolant, it converges to this Bregman projection of β0.

    **Sign crossings.** The theorem assumes that a(t) never crosses 0. That is automatic for
    δ ≥ 0; for δ < 0 it can happen (β passes through 0), and at each crossing
    $\nabla\Phi(\beta(t)) = \frac32\,\mathrm{sign}(a)\,Q$ jumps by
    $J = -3\cdot\mathrm{sign}_\mathrm{before}\cdot Q(t_c)$, $Q = (\eta_a/\eta_w)^{1/4}w$, $\|J\| = 3\sqrt{|\tilde\delta|}$.
    The caller supplies the crossings (e.g. from a simulation's event detection on a(t)); then
    $z_0 \leftarrow z_0 + \sum J$. Without them the returned point is the no-crossing prediction, which is
    off by O(1) when the flow does cross. Because the null(X) part of Q is conserved, only
    the parity of the number of crossings affects the answer; the crossing data are validated
    against that.

    Parameters
    ----------
    X : array of shape (n, d)
        Training inputs. Any rank; y must lie in range(X).
    y : array of shape (n,)
        Targets.
    beta0 : array of shape (d,)
        Initial function-space vector β0 = a0·w0. β0 = 0 needs δ > 0 ($a_0 = \sqrt{\delta/\eta_w}$, $w_0 = 0$).
    delta : float
        Conserved quantity $\delta = \eta_w a^2 - \eta_a\|w\|^2$ (original rates).
    eta_a, eta_w : float, default 1.0
        Layer learning rates (> 0).
    sign : {+1, -1}, default +1
        Sign of a0. Without crossings the limit does not depend on it ((a, w) → (−a, −w) is a
        symmetry); it fixes the expected ``sign_before`` of the first crossing.
    crossings : sequence of Crossing, default ()
        The zero crossings of a(t), sorted by time (only for δ < 0). ``w`` is in the original
        parametrisation. Each must satisfy ‖Q‖² = |δ̃| up to ``crossing_rtol`` (conservation
        forces it at a = 0; a loose 1e-6 accepts event-located crossings of an ODE integrated
        at rtol ≲ 1e-7 while catching wrong rates, δ or parametrisation), its null(X) component
        must match that of Q0 (conserved) to ``crossing_rtol``$\cdot\sqrt{|\tilde\delta|}$, and signs must alternate
        starting from ``sign``. GD trajectories drift δ by O(lr) and may fail the check.
    method : {"closed_form", "dual"}, default "closed_form"
        "closed_form": the exact solution of the projection's KKT system,
        $\beta_\infty = X^+y + |P_\infty|\,v$ with $v = \frac23 P_N z_0$ ($P_N$ the projector onto null(X)) and
        $P_\infty^2 = \kappa + \sqrt{\kappa^2 + \|X^+y\|^2}$, $\kappa = (\|v\|^2 + \tilde\delta)/2$;
        stable for any δ̃ (including |δ̃| ~ 1e8).
        "dual": damped Newton on the r-dimensional concave dual $\lambda^\top y - \Phi^*(z_0 + X^\top\lambda)$
        (r = rank X, rows of X orthonormalised), an independent check; it loses accuracy for
        δ̃ ≪ −‖β‖ because $t + \tilde\delta = P^2$ is then a small difference of large numbers in z.
    crossing_rtol : float, default 1e-6
        Relative tolerance of the crossing validation.

    Returns
    -------
    ndarray of shape (d,)
        β∞, with ‖Xβ∞ − y‖ ≤ 1e-9·(‖X‖₂‖β∞‖ + ‖y‖) verified.

    Raises
    ------
    ValueError
        Invalid input (message names the argument), y ∉ range(X), β0 = 0 with δ ≤ 0,
        crossings for δ ≥ 0 or inconsistent crossing data.
    RuntimeError
        If the computed point does not interpolate (solver failure).

    References
    ----------
    Kunin et al. (2024), arXiv 2406.06158; Azulay et al. (2021), arXiv 2102.09769.

    Examples
    --------
    >>> X = np.array([[1.0, 0.0]])
    >>> implicit_bias(X, [1.0], [0.0, 1.0], 1e8).round(6).tolist()  # lazy: β0 + X⁺(y − Xβ0)
    [1.0, 1.0]
    """
    X = as_finite_array(X, "X", ndim=2)
    beta0, delta, eta_a, eta_w, delta_u = _beta0_and_rates(beta0, delta, eta_a, eta_w, X.shape[1])
    prob = _problem(X, y)
    sign = as_sign(sign, "sign")
    as_choice(method, "method", ("closed_form", "dual"))
    p0sq, q0 = _unit_rate_init(beta0, delta_u)
    cross_sum = _crossing_direction(crossings, prob=prob, q0=q0, delta=delta, delta_u=delta_u,
                                    eta_a=eta_a, eta_w=eta_w, sign=sign, rtol=crossing_rtol)
    if method == "closed_form":
        beta = _closed_form(prob, q0, p0sq, cross_sum)
    else:
        beta = _dual_newton(prob, 1.5 * (q0 - 2.0 * cross_sum), delta_u)
    prob.check_residual(beta, f"implicit_bias(method={method!r})")
    return beta


@guard_numerics
def implicit_bias_nlp(X, y, beta0, delta, eta_a=1.0, eta_w=1.0):
    r"""Bregman projection $\operatorname{argmin}_{X\beta=y} \Phi_{\tilde\delta}(\beta) - \nabla\Phi_{\tilde\delta}(\beta_0)^\top\beta$ by a generic constrained solver.

    Kunin et al. 2024 (arXiv 2406.06158), docs/lazy_rich.md#implicit-bias-for-general-x. Independent cross-check of
    :func:`implicit_bias` (no crossings): scipy ``trust-constr`` (equality-constrained SQP)
    with the analytic gradient $\nabla\Phi - z_0$ and Hessian
    $\nabla^2\Phi_\delta = \frac32[(I - \hat\beta\hat\beta^\top)/|P| + (|P|/R)\hat\beta\hat\beta^\top]$, started at the lazy interpolant
    β0 + X⁺(y − Xβ0). For δ > 0 the objective is shifted by −Φ(0) in cancellation-free form.

    Parameters
    ----------
    X : array of shape (n, d)
    y : array of shape (n,)
    beta0 : array of shape (d,)
    delta : float
        Conserved quantity (original rates); the potential uses $\tilde\delta = \delta/\sqrt{\eta_a\eta_w}$.
    eta_a, eta_w : float, default 1.0

    Returns
    -------
    ndarray of shape (d,)

    Raises
    ------
    ValueError
        Invalid input or y ∉ range(X).
    RuntimeError
        If the solver returns a non-interpolating point.
    """
    X = as_finite_array(X, "X", ndim=2)
    beta0, delta, eta_a, eta_w, delta_u = _beta0_and_rates(beta0, delta, eta_a, eta_w, X.shape[1])
    prob = _problem(X, y)
    z0 = _grad(beta0, delta_u)
    x_start = beta0 + prob.beta_star - prob.V @ (prob.Xr @ beta0)
    if not np.any(x_start):
        x_start = prob.beta_star.copy()
    if not np.any(x_start):  # y = 0 and β0 ∈ range(Xᵀ): start off the kink of Φ
        x_start = prob.null_part(z0) if np.any(prob.null_part(z0)) else x_start

    def fun(b):
        return _potential_shifted(b, delta_u) - float(z0 @ b)

    def jac(b):
        return _grad(b, delta_u) - z0

    def hess(b):
        return _hess(b, delta_u)

    # Rows of X orthonormalised: better-conditioned constraint, same feasible set.
    lc = scipy.optimize.LinearConstraint(prob.Xr, prob.yr, prob.yr)
    res = scipy.optimize.minimize(fun, x_start, jac=jac, hess=hess, method="trust-constr",
                                  constraints=[lc],
                                  options=dict(gtol=1e-13, xtol=1e-15, maxiter=5000))
    beta = np.asarray(res.x, dtype=np.float64)
    # Exact feasibility: remove the (tiny) row-space drift of the SQP iterate.
    beta = prob.beta_star + prob.null_part(beta)
    prob.check_residual(beta, "implicit_bias_nlp")
    return beta


# --------------------------------------------------------------------------------------------
# CVXPY (δ = 0 and deep balanced chain)
# --------------------------------------------------------------------------------------------

@compact_repr
@dataclass(frozen=True)
class ConvexImplicitBiasResult:
    r"""Solution of the convex implicit-bias program with its optimality certificate.

    Attributes
    ----------
    beta : ndarray of shape (d,)
        The minimiser of $\|\beta\|^p - z_0^\top\beta$ subject to Xβ = y.
    status : str
        CVXPY problem status ("optimal" or "optimal_inaccurate").
    feasibility_residual : float
        ‖Xβ − y‖.
    stationarity_residual : float
        $\|P_N(\nabla\Phi(\beta) - z_0)\|$: distance of $\nabla\Phi(\beta) - z_0$ from range(Xᵀ) (least-squares residual).
    """

    beta: np.ndarray
    status: str
    feasibility_residual: float
    stationarity_residual: float


@guard_numerics
def implicit_bias_cvxpy(X, y, beta0, depth=None, *, solver_options=None):
    r"""Convex program $\operatorname{argmin}_{X\beta=y} \|\beta\|^p - z_0^\top\beta$, $p = 1 + 1/L$, $z_0 = p\|\beta_0\|^{1/L}\hat\beta_0$ (CLARABEL).

    Kunin et al. 2024 (arXiv 2406.06158), docs/lazy_rich.md#implicit-bias-for-general-x. ``depth=None`` is the balanced case
    δ = 0 of the single neuron, $\Phi_0 = \|\beta\|^{3/2}$ (identical to ``depth=2``). ``depth=L ≥ 2`` is the
    balanced deep chain $f(x) = (\prod_l a_l)\,w^\top x$ with potential $\Phi_L = \|\beta\|^{1+1/L}$ (docs/lazy_rich.md#implicit-bias-for-general-x, last
    bullet). β0 = 0 gives z0 = 0 (the β0 → 0 limit: the minimum-norm interpolant).

    The answer is certified: primal feasibility ‖Xβ − y‖ and stationarity, the least-squares
    residual of $\nabla\Phi(\beta) - z_0$ on range(Xᵀ) ($\nabla\Phi_L(\beta) = p\|\beta\|^{p-1}\hat\beta$, and 0 at β = 0).

    Parameters
    ----------
    X : array of shape (n, d)
    y : array of shape (n,)
    beta0 : array of shape (d,)
    depth : int or None, default None
        Number of layers L ≥ 2 of the balanced chain; None means the δ = 0 single neuron.
    solver_options : dict, optional
        Extra keyword arguments for CLARABEL (e.g. tighter ``tol_gap_rel``).

    Returns
    -------
    ConvexImplicitBiasResult

    Raises
    ------
    ValueError
        Invalid input or y ∉ range(X).
    RuntimeError
        If CLARABEL does not report an optimal status.
    """
    import cvxpy as cp

    X = as_finite_array(X, "X", ndim=2)
    beta0 = as_finite_array(beta0, "beta0", shape=(X.shape[1],))
    prob = _problem(X, y)
    if depth is None:
        L = 2
    else:
        L = as_count(depth, "depth", minimum=2)
    p = 1.0 + 1.0 / L
    nb0 = float(np.linalg.norm(beta0))
    z0 = p * nb0 ** (1.0 / L) * beta0 / nb0 if nb0 > 0 else np.zeros_like(beta0)

    beta = cp.Variable(X.shape[1])
    objective = cp.Minimize(cp.power(cp.norm(beta, 2), p) - z0 @ beta)
    problem = cp.Problem(objective, [prob.Xr @ beta == prob.yr])
    problem.solve(solver=cp.CLARABEL, **(solver_options or {}))
    if problem.status not in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE) or beta.value is None:
        raise RuntimeError(
            f"CLARABEL did not solve the implicit-bias program: status {problem.status}")
    b = np.asarray(beta.value, dtype=np.float64)
    nb = float(np.linalg.norm(b))
    grad = p * nb ** (p - 1.0) * b / nb if nb > 0 else np.zeros_like(b)
    return ConvexImplicitBiasResult(
        beta=b,
        status=str(problem.status),
        feasibility_residual=float(np.linalg.norm(X @ b - prob.y)),
        stationarity_residual=float(np.linalg.norm(prob.null_part(grad - z0))),
    )


# --------------------------------------------------------------------------------------------
# Limits and the rank-1 closed form
# --------------------------------------------------------------------------------------------

@guard_numerics
def lazy_limit_bias(X, y, beta0):
    r"""Lazy (δ → +∞) limit of the implicit bias: β∞ = β0 + X⁺(y − Xβ0).

    Kunin et al. 2024 (arXiv 2406.06158), docs/lazy_rich.md#implicit-bias-for-general-x: for δ → +∞ the Bregman divergence of $\Phi_\delta$
    is ∝ ‖β − β0‖², so the limit is the Euclidean projection of β0 onto {Xβ = y} (kernel
    regression with the initial, fixed kernel). The error of :func:`implicit_bias` relative
    to this limit is O(1/δ̃).

    Parameters
    ----------
    X : array of shape (n, d)
    y : array of shape (n,)
    beta0 : array of shape (d,)

    Returns
    -------
    ndarray of shape (d,)
    """
    X = as_finite_array(X, "X", ndim=2)
    beta0 = as_finite_array(beta0, "beta0", shape=(X.shape[1],))
    prob = _problem(X, y)
    return prob.beta_star + prob.null_part(beta0)


@guard_numerics
def downstream_limit_bias(X, y, beta0):
    r"""Downstream (δ → −∞) limit of the gradient-flow limit: $X^+y + \sigma\,(\|X^+y\|/\|P_R\beta_0\|)\,P_N\beta_0$.

    Kunin et al. 2024 (arXiv 2406.06158), docs/lazy_rich.md#implicit-bias-for-general-x. Here $P_R$, $P_N$ project onto range(Xᵀ) and
    null(X), and σ = sign(yᵀXβ0). For one sample (n = 1) this is the ray formula
    β∞ = (yᵀXβ0/‖Xβ0‖²)·β0: the initial direction is kept exactly. For n > 1 only the null-space
    direction of β0 is kept.

    Derivation. (i) No crossing: in the closed form of :func:`implicit_bias`,
    $\kappa \approx -\|P_RQ_0\|^2/2 \to -\infty$ and $P_\infty/P_0 \to \|X^+y\|/\|P_R\beta_0\|$, giving σ = +1. (ii) As δ → −∞ the flow
    first moves β along its ray (M ≈ |δ|β̂β̂ᵀ) to the loss minimiser on the ray,
    (yᵀXβ̂0/‖Xβ̂0‖²)β̂0; if yᵀXβ0 < 0 it passes through β = 0, i.e. a crosses 0 once, flipping
    the null-space part (σ = −1). On the slow manifold afterwards the loss
    ½‖y‖² − ½(yᵀXβ̂)²/‖Xβ̂‖² decreases, so yᵀXβ̂ never returns to 0 and no further crossing
    occurs. Step (ii) is a singular-perturbation argument, checked numerically.

    Parameters
    ----------
    X : array of shape (n, d)
    y : array of shape (n,)
    beta0 : array of shape (d,)

    Returns
    -------
    ndarray of shape (d,)

    Raises
    ------
    ValueError
        If yᵀXβ0 = 0 (to 1e-12 relative) with y ≠ 0: the fast phase ends at the saddle β = 0,
        so the limit is undefined (includes Xβ0 = 0). For y = 0 the limit is β = 0.
    """
    X = as_finite_array(X, "X", ndim=2)
    beta0 = as_finite_array(beta0, "beta0", shape=(X.shape[1],))
    prob = _problem(X, y)
    c = float(np.linalg.norm(prob.beta_star))
    if c == 0.0:
        return np.zeros_like(beta0)
    align = float(prob.y @ (X @ beta0))
    row = float(np.linalg.norm(prob.Xr @ beta0))
    # |yᵀXβ0| at rounding level of ‖y‖‖X‖‖β0‖ (1e-12 relative) counts as 0 (incl. Xβ0 = 0).
    scale = float(np.linalg.norm(prob.y) * np.linalg.norm(X, 2) * np.linalg.norm(beta0))
    if not abs(align) > 1e-12 * scale or row == 0.0:
        raise ValueError(
            f"beta0 must satisfy yᵀXβ0 ≠ 0 (got {align:.3e}): otherwise the fast downstream "
            "phase drives β to the saddle β = 0 and the δ → −∞ limit is undefined")
    return prob.beta_star + np.sign(align) * (c / row) * prob.null_part(beta0)


@guard_numerics
def rank1_implicit_bias(x, y, beta0, delta):
    r"""Rank-1, 2-D closed form $\beta_\infty = \beta^* + k\,a_\infty\hat n$, $a_\infty^2 = \kappa + \sqrt{\kappa^2 + c^2}$, $\kappa = (k^2 + \delta)/2$.

    Kunin et al. 2024 (arXiv 2406.06158), docs/lazy_rich.md#implicit-bias-for-general-x "Rank-1 data in 2-D": one sample x ∈ R²,
    unit rates, a0 > 0 and a never crossing 0. n̂ ⟂ x is the null direction, $\beta^* = X^+y = yx/\|x\|^2$,
    $c = \|\beta^*\|$, and $k = w_0\cdot\hat n$ with $w_0 = \beta_0/a_0$ ($= \sqrt{\sqrt{\|\beta_0\|^2 + \delta^2/4} - \delta/2}\;\hat\beta_0\cdot\hat n$);
    the null component of w is conserved. The result does not depend on the orientation of n̂.
    k² + δ is formed as a0² − (x̂·w0)² (from a0² − ‖w0‖² = δ), exact for δ ≪ 0.

    Parameters
    ----------
    x : array of shape (2,)
        The single input.
    y : float
        Its target.
    beta0 : array of shape (2,)
        Initial β0 = a0·w0.
    delta : float
        δ = a² − ‖w‖² (unit rates).

    Returns
    -------
    ndarray of shape (2,)
    """
    x = as_finite_array(x, "x", shape=(2,))
    y = as_finite_scalar(y, "y")
    beta0 = as_finite_array(beta0, "beta0", shape=(2,))
    delta = as_finite_scalar(delta, "delta")
    nx = float(np.linalg.norm(x))
    if nx == 0.0:
        raise ValueError("x must be nonzero")
    if not np.any(beta0) and delta <= 0:
        raise ValueError(
            "beta0 = 0 with delta <= 0 has no initialisation (saddle or undetermined w0)")
    xh = x / nx
    n_hat = np.array([-xh[1], xh[0]])
    beta_star = y * x / nx**2
    c = abs(y) / nx
    _, _, a0_sq = _norm_parts(beta0, delta)
    a0 = float(np.sqrt(a0_sq))
    w0 = beta0 / a0
    k = float(w0 @ n_hat)
    w_par = float(w0 @ xh)
    kappa = 0.5 * (a0_sq - w_par * w_par)  # = (k² + δ)/2
    a_inf = np.sqrt(_positive_quartic_root(kappa, c))
    return beta_star + k * a_inf * n_hat
