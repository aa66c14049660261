"""Wide, multi-output and deep linear networks; the ReLU initialisation family.

Kunin et al. 2024 (arXiv 2406.06158); docs/lazy_rich.md#wide-and-deep-linear-networks and
docs/lazy_rich.md#relu-networks. Two-layer linear network f(x) = AWx with
W ∈ R^{h×d}, A ∈ R^{c×h}, β = AW ∈ R^{c×d}; whitened input XᵀX = I_d, target Σ_yx = YᵀX; gradient
flow Ẇ = −η_w AᵀG, Ȧ = −η_a GWᵀ with G = βXᵀX − YᵀX. The h×h matrix
Δ = η_w AᵀA − η_a WWᵀ is conserved; its diagonal holds the per-neuron δ_k.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..summary import compact_repr
from ..validate import (
    as_count,
    as_finite_array,
    as_finite_scalar,
    as_positive_scalar,
    as_sign,
    guard_numerics,
)
from ..validate import as_learning_rates as _rates
from ._exact import exact_solution, init_from_beta

__all__ = [
    "DeltaBalancedFactors",
    "ModeSolution",
    "WideWeights",
    "conserved_matrix",
    "deep_linear_conserved",
    "delta_balanced_factors",
    "delta_balanced_weights",
    "hyperbolic_entropy",
    "hyperbolic_entropy_grad",
    "hyperbolic_entropy_hessian",
    "mode_dynamics_rhs",
    "mode_solution",
    "relu_delta",
    "relu_init_scale",
]




def _positive_int(x, name: str) -> int:
    return as_count(x, name)


def _root_plus(delta: float, sigma: np.ndarray) -> np.ndarray:
    """x₊ = ½(δ + √(δ² + 4σ²)), the nonnegative root of x² − δx − σ² = 0, no cancellation."""
    r = np.hypot(delta, 2.0 * sigma)
    if delta >= 0:
        return (delta + r) / 2.0
    return 2.0 * sigma**2 / (r - delta)                   # r − δ ≥ 2|δ| > 0


# --------------------------------------------------------------------------------------------
# conserved quantities
# --------------------------------------------------------------------------------------------

@guard_numerics
def conserved_matrix(A, W, eta_a=1.0, eta_w=1.0):
    r"""Conserved matrix $\Delta = \eta_w A^\top A - \eta_a WW^\top$ of the two-layer linear network f(x) = AWx.

    Kunin et al. 2024 (arXiv 2406.06158), docs/lazy_rich.md#wide-and-deep-linear-networks: under
    $\dot W = -\eta_w A^\top G$, $\dot A = -\eta_a GW^\top$,
    $\eta_w\, d(A^\top A)/dt = -\eta_a\eta_w(WG^\top A + A^\top GW^\top) = \eta_a\, d(WW^\top)/dt$. The diagonal entries are the
    per-neuron $\delta_k = \eta_w\|A_{:,k}\|^2 - \eta_a\|W_{k,:}\|^2$ (also conserved for (leaky) ReLU, docs/lazy_rich.md#relu-networks).

    Parameters
    ----------
    A : array of shape (c, h) or (..., c, h)
        Readout weights.
    W : array of shape (h, d) or (..., h, d)
        First-layer weights (leading axes broadcast with ``A``).
    eta_a, eta_w : float, default 1.0
        Layer learning rates (> 0).

    Returns
    -------
    ndarray of shape (..., h, h)
    """
    eta_a, eta_w = _rates(eta_a, eta_w)
    A = as_finite_array(A, "A")
    W = as_finite_array(W, "W")
    if A.ndim < 2:
        raise ValueError(f"A must have shape (c, h) or (..., c, h); got {A.shape}")
    if W.ndim < 2:
        raise ValueError(f"W must have shape (h, d) or (..., h, d); got {W.shape}")
    if A.shape[-1] != W.shape[-2]:
        raise ValueError(f"A of shape {A.shape} and W of shape {W.shape} disagree on the hidden width h")
    return eta_w * np.swapaxes(A, -1, -2) @ A - eta_a * W @ np.swapaxes(W, -1, -2)


@guard_numerics
def deep_linear_conserved(weights, etas=None) -> list[np.ndarray]:
    r"""Layerwise conserved matrices $\frac{1}{\eta_{l+1}} W_{l+1}^\top W_{l+1} - \frac{1}{\eta_l} W_l W_l^\top$ of a deep linear net.

    $f(x) = W_L \cdots W_1 x$ trained by $\dot W_l = -\eta_l\, \partial L/\partial W_l$ (docs/lazy_rich.md#wide-and-deep-linear-networks; Kunin et al. 2024,
    arXiv 2406.06158; Dominé et al. 2024, arXiv 2409.14623). For L = 2 with $W_1 = W$, $W_2 = A$
    this is $\Delta/(\eta_a\eta_w)$, Δ from :func:`conserved_matrix`.

    Parameters
    ----------
    weights : sequence of L ≥ 2 arrays
        $W_1$ of shape $(h_1, d)$, $W_2$ of shape $(h_2, h_1)$, …, $W_L$ of shape $(c, h_{L-1})$; input layer first.
    etas : sequence of L floats > 0, optional
        Per-layer learning rates (default all 1).

    Returns
    -------
    list of L − 1 ndarrays, the l-th of shape $(h_l, h_l)$
    """
    if isinstance(weights, np.ndarray) or not hasattr(weights, "__len__"):
        raise ValueError("weights must be a sequence of 2-D arrays [W_1, ..., W_L]")
    Ws = [as_finite_array(Wl, f"weights[{i}]", ndim=2) for i, Wl in enumerate(weights)]
    L = len(Ws)
    if L < 2:
        raise ValueError(f"weights must hold at least two layers; got {L}")
    for i in range(L - 1):
        if Ws[i + 1].shape[1] != Ws[i].shape[0]:
            raise ValueError(f"weights[{i + 1}] of shape {Ws[i + 1].shape} does not follow weights[{i}] "
                             f"of shape {Ws[i].shape} (need weights[{i + 1}].shape[1] == weights[{i}].shape[0])")
    if etas is None:
        eta = [1.0] * L
    else:
        if not hasattr(etas, "__len__") or len(etas) != L:
            raise ValueError(f"etas must be a sequence of {L} positive rates (one per layer)")
        eta = [as_positive_scalar(e, f"etas[{i}]") for i, e in enumerate(etas)]
    return [Ws[i + 1].T @ Ws[i + 1] / eta[i + 1] - Ws[i] @ Ws[i].T / eta[i] for i in range(L - 1)]


# --------------------------------------------------------------------------------------------
# δ-balanced networks
# --------------------------------------------------------------------------------------------

@compact_repr
@dataclass(frozen=True)
class DeltaBalancedFactors:
    r"""Gram matrices of a δ-balanced network as functions of β (docs/lazy_rich.md#wide-and-deep-linear-networks).

    Attributes
    ----------
    readout_gram : ndarray of shape (c, c)
        $AA^\top = \tfrac12(\delta I_c + \sqrt{\delta^2 I_c + 4\beta\beta^\top})$.
    input_gram : ndarray of shape (d, d)
        $W^\top W = \tfrac12(-\delta I_d + \sqrt{\delta^2 I_d + 4\beta^\top\beta})$.
    """

    readout_gram: np.ndarray
    input_gram: np.ndarray


@guard_numerics
def delta_balanced_factors(beta, delta, hidden=None) -> DeltaBalancedFactors:
    r"""$AA^\top = \tfrac12(\delta I_c + \sqrt{\delta^2 I_c + 4\beta\beta^\top})$ and $W^\top W = \tfrac12(-\delta I_d + \sqrt{\delta^2 I_d + 4\beta^\top\beta})$ for $\Delta = \delta I_h$.

    Kunin et al. 2024 (arXiv 2406.06158), docs/lazy_rich.md#wide-and-deep-linear-networks, unit rates. Derivation: with
    AᵀA − WWᵀ = δI, X = AAᵀ satisfies X² − δX = A(AᵀA − δI)Aᵀ = ββᵀ and Y = WᵀW satisfies
    Y² + δY = βᵀβ; the formulas take the nonnegative root on every eigenvector. On ker(ββᵀ)
    the roots are {0, δ}: the formula (which picks δ) is right for AAᵀ iff δ ≤ 0 or AAᵀ has no
    kernel, i.e. h = c; likewise WᵀW needs δ ≥ 0 or h = d. Δ = δI itself forces c ≥ h when δ > 0
    (AᵀA = δI + WWᵀ ≻ 0) and d ≥ h when δ < 0. Matrix square roots use a symmetric
    eigendecomposition, obtained for both Gram matrices at once from the SVD β = UΣVᵀ
    (ββᵀ = UΣ²Uᵀ, βᵀβ = VΣ²Vᵀ): working with σ instead of eigenvalues σ² of ββᵀ avoids the
    √ε-size error that √(λ) has at λ ≈ 0 (δ = 0, rank-deficient β). Each root is formed without
    cancellation.

    Parameters
    ----------
    beta : array of shape (c, d)
        End-to-end map β = AW.
    delta : float
        $\Delta = \delta I_h$ (unit rates).
    hidden : int, optional
        Hidden width h. When given, the combinations allowed by Δ = δI (docs/lazy_rich.md#wide-and-deep-linear-networks) are checked: ValueError (naming
        ``delta``) if no δ-balanced network of that shape exists (δ > 0 with h > c, δ < 0 with
        h > d) or if a formula is invalid (δ > 0 with h < c: AAᵀ is not a function of β;
        δ < 0 with h < d: WᵀW is not), and ValueError (naming ``beta``) if rank β > h. When
        omitted, both formulas are returned unchecked: they hold iff (δ ≤ 0 or h = c) and
        (δ ≥ 0 or h = d).

    Returns
    -------
    DeltaBalancedFactors
        ``readout_gram`` (c, c) = AAᵀ, ``input_gram`` (d, d) = WᵀW.

    Examples
    --------
    >>> f = delta_balanced_factors([[3.0]], 0.0)   # balanced scalar: a² = w² = |β|
    >>> float(f.readout_gram[0, 0]), float(f.input_gram[0, 0])
    (3.0, 3.0)
    """
    beta = as_finite_array(beta, "beta", ndim=2)
    delta = as_finite_scalar(delta, "delta")
    c, d = beta.shape
    if hidden is not None:
        h = _positive_int(hidden, "hidden")
        if delta > 0 and h > c:
            raise ValueError(f"delta > 0 requires hidden <= c: Δ = δI with δ > 0 makes AᵀA ≻ 0, so A "
                             f"needs full column rank; got hidden = {h}, c = {c}")
        if delta < 0 and h > d:
            raise ValueError(f"delta < 0 requires hidden <= d: Δ = δI with δ < 0 makes WWᵀ ≻ 0, so W "
                             f"needs full row rank; got hidden = {h}, d = {d}")
        if delta > 0 and h < c:
            raise ValueError(f"delta > 0 with hidden < c: AAᵀ is not a function of beta (the formula "
                             f"needs hidden == c); got hidden = {h}, c = {c}")
        if delta < 0 and h < d:
            raise ValueError(f"delta < 0 with hidden < d: WᵀW is not a function of beta (the formula "
                             f"needs hidden == d); got hidden = {h}, d = {d}")
        sv = np.linalg.svd(beta, compute_uv=False)
        rank = int(np.sum(sv > max(c, d) * np.finfo(float).eps * (sv[0] if sv.size else 0.0)))
        if rank > h:
            raise ValueError(f"beta has rank {rank} > hidden = {h}: no width-{h} network represents it")

    U, sv, Vt = np.linalg.svd(beta)                      # full U (c, c), Vt (d, d)

    def gram(Q, n, dlt):
        sig = np.zeros(n)
        sig[:sv.size] = sv
        out = (Q * _root_plus(dlt, sig)) @ Q.T
        return (out + out.T) / 2.0

    return DeltaBalancedFactors(readout_gram=gram(U, c, delta), input_gram=gram(Vt.T, d, -delta))


@compact_repr
@dataclass(frozen=True)
class WideWeights:
    """Weights of a two-layer linear network f(x) = AWx.

    Attributes
    ----------
    A : ndarray of shape (c, h)
    W : ndarray of shape (h, d)
    """

    A: np.ndarray
    W: np.ndarray


@guard_numerics
def delta_balanced_weights(beta0, delta, hidden, rotation=None) -> WideWeights:
    r"""A δ-balanced network with AW = β0 and $A^\top A - WW^\top = \delta I_h$ (unit rates).

    SVD construction (docs/lazy_rich.md#wide-and-deep-linear-networks): $\beta_0 = \sum_i \sigma_i u_i v_i^\top$,
    $A = U_h \operatorname{diag}(\alpha) R^\top$, $W = R \operatorname{diag}(\omega) V_h^\top$ with
    $\alpha_i^2 = \tfrac12(\delta + \sqrt{\delta^2 + 4\sigma_i^2})$, $\omega_i^2 = \tfrac12(-\delta + \sqrt{\delta^2 + 4\sigma_i^2})$, so
    $\alpha_i\omega_i = \sigma_i$ and $\alpha_i^2 - \omega_i^2 = \delta$; then AW = β0 and
    $A^\top A - WW^\top = R \operatorname{diag}(\alpha^2 - \omega^2)R^\top = \delta I$.
    For i beyond rank β0: $\alpha_i = \sqrt\delta$, $\omega_i = 0$ (δ > 0; needs a free $u_i$, so h ≤ c) or $\alpha_i = 0$,
    $\omega_i = \sqrt{|\delta|}$ (δ < 0; needs h ≤ d). The same singular vectors as β0 make the init
    *decoupled* (modes $\sigma_i$ evolve independently when the target shares them).

    Parameters
    ----------
    beta0 : array of shape (c, d)
    delta : float
    hidden : int
        Width h ≥ rank β0 (h ≤ c if δ > 0, h ≤ d if δ < 0).
    rotation : array of shape (h, h), optional
        Orthogonal R (default identity); Δ and β are invariant under it.

    Returns
    -------
    WideWeights
    """
    beta0 = as_finite_array(beta0, "beta0", ndim=2)
    delta = as_finite_scalar(delta, "delta")
    h = _positive_int(hidden, "hidden")
    c, d = beta0.shape
    if delta > 0 and h > c:
        raise ValueError(f"delta > 0 requires hidden <= c (AᵀA = δI + WWᵀ ≻ 0); got hidden = {h}, c = {c}")
    if delta < 0 and h > d:
        raise ValueError(f"delta < 0 requires hidden <= d (WWᵀ = AᵀA − δI ≻ 0); got hidden = {h}, d = {d}")
    U, sv, Vt = np.linalg.svd(beta0)
    rank = int(np.sum(sv > max(c, d) * np.finfo(float).eps * (sv[0] if sv.size else 0.0)))
    if rank > h:
        raise ValueError(f"hidden = {h} is smaller than rank(beta0) = {rank}")
    sig = np.zeros(h)
    n = min(h, sv.size)
    sig[:n] = sv[:n]
    alpha = np.sqrt(_root_plus(delta, sig))
    omega = np.sqrt(_root_plus(-delta, sig))
    Uh = np.zeros((c, h))
    Uh[:, :min(h, c)] = U[:, :min(h, c)]
    Vh = np.zeros((d, h))
    Vh[:, :min(h, d)] = Vt.T[:, :min(h, d)]
    if rotation is None:
        R = np.eye(h)
    else:
        R = as_finite_array(rotation, "rotation", shape=(h, h))
        if not np.allclose(R.T @ R, np.eye(h), rtol=0, atol=1e-10):
            raise ValueError("rotation must be orthogonal (RᵀR = I to 1e-10)")
    return WideWeights(A=(Uh * alpha) @ R.T, W=R @ (omega[:, None] * Vh.T))


# --------------------------------------------------------------------------------------------
# decoupled modes
# --------------------------------------------------------------------------------------------

@guard_numerics
def mode_dynamics_rhs(sigma, s, delta):
    r"""Decoupled-mode law σ̇ = −√(δ² + 4σ²)(σ − s).

    Whitened input, δ-balanced (Δ = δI) and decoupled init β0 = U diag(σ0) Vᵀ sharing the singular
    vectors of $\Sigma_{yx} = U S V^\top$: each singular value follows this law (Kunin et al. 2024,
    arXiv 2406.06158; docs/lazy_rich.md#wide-and-deep-linear-networks). It is the d = c = h = 1 single neuron, unit rates.

    Parameters
    ----------
    sigma, s, delta : float or array (broadcast)

    Returns
    -------
    ndarray (float for scalar inputs)
    """
    sigma = as_finite_array(sigma, "sigma")
    s = as_finite_array(s, "s")
    delta = as_finite_array(delta, "delta")
    out = -np.hypot(delta, 2.0 * sigma) * (sigma - s)
    return float(out) if np.ndim(out) == 0 else out


@compact_repr
@dataclass(frozen=True)
class ModeSolution:
    """Trajectory of one decoupled mode.

    Attributes
    ----------
    t : ndarray of shape (T,)
    sigma : ndarray of shape (T,)
        Singular value σ(t) = a(t)·w(t).
    a : ndarray of shape (T,)
        Readout factor (singular value of A along the mode, signed).
    w : ndarray of shape (T,)
        Input factor (singular value of W along the mode, signed).
    """

    t: np.ndarray
    sigma: np.ndarray
    a: np.ndarray
    w: np.ndarray


@guard_numerics
def mode_solution(sigma0, s, delta, t, sign=1) -> ModeSolution:
    r"""Closed-form σ(t) of σ̇ = −√(δ² + 4σ²)(σ − s), via the d = 1 single-neuron solution.

    Kunin et al. 2024 (arXiv 2406.06158), docs/lazy_rich.md#wide-and-deep-linear-networks: with a0 from (σ0, δ),
    a0 = sign·√((δ + √(δ² + 4σ0²))/2), w0 = σ0/a0, σ(t) = a(t)w(t) where (a, w) is the d = 1,
    unit-rate closed form $\vartheta(\tau) = e^{A\tau}\vartheta_0/\rho$, $A = \begin{pmatrix} -\delta/2 & s \\ s & \delta/2 \end{pmatrix}$ (evaluated by
    :func:`theory.lazy_rich._exact.exact_solution`). σ(t) does not depend on ``sign``; a and w do.
    σ0 = 0 with δ < 0 starts at a0 = 0, w0 = sign·√|δ|; σ0 = 0 with δ = 0 is the saddle (σ ≡ 0).

    Parameters
    ----------
    sigma0 : float
        Initial singular value.
    s : float
        Target singular value.
    delta : float
        Conserved δ of the mode (Δ = δI).
    t : array of shape (T,)
        Times ≥ 0.
    sign : {+1, -1}, default +1
        Sign of a0 (of w0 when a0 = 0).

    Returns
    -------
    ModeSolution

    Examples
    --------
    >>> mode_solution(0.01, 1.0, 0.0, [0.0, 10.0]).sigma.round(6).tolist()
    [0.01, 1.0]
    """
    sigma0 = as_finite_scalar(sigma0, "sigma0")
    s = as_finite_scalar(s, "s")
    delta = as_finite_scalar(delta, "delta")
    sign = as_sign(sign, "sign")
    t = as_finite_array(t, "t", ndim=1)
    if np.any(t < 0):
        raise ValueError("t must be >= 0 (the flow is solved forward from t = 0)")
    if sigma0 == 0 and delta == 0:
        z = np.zeros_like(t)
        return ModeSolution(t=t, sigma=z, a=z.copy(), w=z.copy())
    if sigma0 == 0 and delta < 0:
        a0, w0 = 0.0, np.array([sign * np.sqrt(-delta)])
    else:
        a0, w0 = init_from_beta([sigma0], delta, sign=sign)
    sol = exact_solution(a0, w0, [s], t)
    return ModeSolution(t=t, sigma=sol.beta[:, 0], a=sol.a, w=sol.w[:, 0])


@guard_numerics
def hyperbolic_entropy(sigma, delta):
    r"""Hyperbolic-entropy potential Φ(σ) = ½[σ arcsinh(2σ/|δ|) − √(σ² + δ²/4)].

    Mirror potential of the decoupled mode law (Kunin et al. 2024, arXiv 2406.06158; docs/lazy_rich.md#wide-and-deep-linear-networks):
    Φ″(σ) = 1/√(δ² + 4σ²), so d/dt Φ′(σ) = Φ″σ̇ = −(σ − s). Limits: |δ| → ∞,
    Φ ≈ −|δ|/4 + σ²/(2|δ|) (ℓ2-like, kernel regime); δ → 0, Φ = ½|σ| ln(1/|δ|) +
    ½|σ|(ln 4|σ| − 1) + o(1), i.e. ℓ1-like up to the diverging factor ½ln(1/|δ|) (rich regime).
    δ = 0 itself is excluded (Φ diverges).

    Parameters
    ----------
    sigma : float or array
    delta : float, nonzero

    Returns
    -------
    float or ndarray
    """
    sigma, ad = _entropy_args(sigma, delta)
    out = 0.5 * (sigma * np.arcsinh(2.0 * sigma / ad) - 0.5 * np.hypot(2.0 * sigma, ad))
    return float(out) if np.ndim(out) == 0 else out


@guard_numerics
def hyperbolic_entropy_grad(sigma, delta):
    r"""Mirror map Φ′(σ) = ½ arcsinh(2σ/|δ|) of the hyperbolic entropy (docs/lazy_rich.md#wide-and-deep-linear-networks).

    Kunin et al. 2024 (arXiv 2406.06158). δ = 0 is excluded.
    """
    sigma, ad = _entropy_args(sigma, delta)
    out = 0.5 * np.arcsinh(2.0 * sigma / ad)
    return float(out) if np.ndim(out) == 0 else out


@guard_numerics
def hyperbolic_entropy_hessian(sigma, delta):
    r"""Φ″(σ) = 1/√(δ² + 4σ²) of the hyperbolic entropy (docs/lazy_rich.md#wide-and-deep-linear-networks).

    Kunin et al. 2024 (arXiv 2406.06158). It is the inverse of the mode's time-warp factor
    √(δ² + 4σ²); as δ → 0 it tends to 1/(2|σ|). δ = 0 is excluded (as for Φ).
    """
    sigma, ad = _entropy_args(sigma, delta)
    out = 1.0 / np.hypot(ad, 2.0 * sigma)
    return float(out) if np.ndim(out) == 0 else out


def _entropy_args(sigma, delta):
    sigma = as_finite_array(sigma, "sigma")
    delta = as_finite_scalar(delta, "delta")
    if delta == 0:
        raise ValueError("delta must be nonzero: the hyperbolic entropy diverges as delta -> 0 "
                         "(it becomes ℓ1-like only after rescaling by ½ ln(1/|δ|))")
    return sigma, abs(delta)


# --------------------------------------------------------------------------------------------
# ReLU initialisation family
# --------------------------------------------------------------------------------------------

@guard_numerics
def relu_init_scale(tau, delta):
    r"""Shape parameter α of the (τ, δ) ReLU init: α² = (√(4 + (δ/τ²)²) − δ/τ²)/2.

    Init family of Kunin et al. 2024 (arXiv 2406.06158; docs/lazy_rich.md#relu-networks): per neuron $\|w_k\| = \tau\alpha$,
    $|a_k| = \tau/\alpha$, so $|a_k|\|w_k\| = \tau^2$ and $\delta = \tau^2(\alpha^{-2} - \alpha^2)$. The root is written as
    2/(√(4 + x²) + x) for x = δ/τ² > 0, so large |δ|/τ² keeps full relative accuracy.

    Parameters
    ----------
    tau : float or array, > 0
        Overall scale τ.
    delta : float or array
        Per-neuron conserved quantity (broadcast with ``tau``).

    Returns
    -------
    float or ndarray
        α > 0.

    Examples
    --------
    >>> relu_init_scale(0.1, 0.0)
    1.0
    """
    tau = as_finite_array(tau, "tau")
    if np.any(tau <= 0):
        raise ValueError("tau must be > 0")
    delta = as_finite_array(delta, "delta")
    x = delta / tau**2
    r = np.hypot(2.0, x)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha2 = np.where(x > 0, 2.0 / (r + np.abs(x)), (r + np.abs(x)) / 2.0)
    out = np.sqrt(alpha2)
    return float(out) if np.ndim(out) == 0 else out


@guard_numerics
def relu_delta(tau, alpha):
    r"""Per-neuron conserved quantity δ = τ²(α⁻² − α²) of the (τ, α) ReLU init (docs/lazy_rich.md#relu-networks).

    Kunin et al. 2024 (arXiv 2406.06158): $\|w_k\| = \tau\alpha$, $|a_k| = \tau/\alpha$, $\delta = a_k^2 - \|w_k\|^2$.

    Parameters
    ----------
    tau, alpha : float or array, > 0 (broadcast)

    Returns
    -------
    float or ndarray

    Examples
    --------
    >>> relu_delta(1.0, 0.5)
    3.75
    """
    tau = as_finite_array(tau, "tau")
    alpha = as_finite_array(alpha, "alpha")
    if np.any(tau <= 0):
        raise ValueError("tau must be > 0")
    if np.any(alpha <= 0):
        raise ValueError("alpha must be > 0")
    out = tau**2 * (1.0 / alpha**2 - alpha**2)
    return float(out) if np.ndim(out) == 0 else out
