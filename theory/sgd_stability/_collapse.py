"""Stochastic collapse: when noise makes an invariant set attractive (Chen et al. 2023).

Chen, Kunin, Yamamura, Ganguli (2023), "Stochastic Collapse", arXiv 2306.04251; docs/sgd_stability.md#stochastic-collapse.
Normal to an invariant set A (vanishing or identical neurons) the dynamics linearise to the
Itô SDE dθ = Bθ dt + Σ_k G_k θ dW_k, and with u = θ/‖θ‖ (Itô's formula; derivation in docs/sgd_stability.md#stochastic-collapse)

    d log‖θ‖ = [uᵀBu + ½ Σ_k ‖G_k u‖² − Σ_k (uᵀG_k u)²] dt + Σ_k uᵀG_k u dW_k.

In 1-D (or for commuting B, G_k, per common eigenvector) the bracket is the exact Lyapunov
exponent b − g²/2: the set is attractive iff b < g²/2 even when the drift b > 0 repels.
The examples of Chen et al. (docs/sgd_stability.md#collapse-examples: quartic well, single tanh neuron, diagonal teacher–student) are
instances of this rate; the rates and conditions here are derived by us and checked numerically
(the exact theorem wording of Chen et al. is not reproduced).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats
from scipy.special import gammaln

from ..validate import (
    as_bool,
    as_count,
    as_finite_array,
    as_finite_scalar,
    as_positive_scalar,
    as_seed,
    guard_numerics,
)

_MAX_GRID = 10**6        # n_grid: one vectorised evaluation per angle
_MAX_STARTS = 10**4      # n_starts: one local optimisation each (~ms): 10**4 is already seconds
from ..summary import compact_repr
from ._laws import expected_log_abs

__all__ = [
    "LogNormDriftMax",
    "TanhNeuronExponents",
    "collapse_rate",
    "effective_rank",
    "log_norm_drift",
    "max_log_norm_drift",
    "mode_collapses",
    "mode_exponents",
    "quartic_well_collapse_threshold",
    "quartic_well_em_exponent",
    "quartic_well_em_threshold",
    "quartic_well_stationary_density",
    "shrunk_singular_values",
    "tanh_neuron_collapses",
    "tanh_neuron_exponents",
]


def _nonnegative(x, name: str) -> float:
    val = as_finite_scalar(x, name)
    if val < 0:
        raise ValueError(f"{name} must be >= 0; got {val}")
    return val


def _nonnegative_array(x, name: str) -> np.ndarray:
    arr = as_finite_array(x, name)
    if np.any(arr < 0):
        raise ValueError(f"{name} must be >= 0 everywhere; got min {arr.min()}")
    return arr


def _unwrap(x):
    """0-d arrays and NumPy scalars to Python scalars (floats stay floats, bools stay bools)."""
    return np.asarray(x).item() if np.ndim(x) == 0 else x


# --------------------------------------------------------------------------------------------
# general linear SDE: Itô bracket
# --------------------------------------------------------------------------------------------

def _drift_and_noise(B, G):
    B = as_finite_array(B, "B", ndim=2)
    d = B.shape[0]
    if B.shape != (d, d):
        raise ValueError(f"B must be square, shape (d, d); got {B.shape}")
    G = as_finite_array(G, "G", ndim=(2, 3))
    if G.ndim == 2:
        G = G[None]
    if G.shape[1:] != (d, d):
        raise ValueError(f"G must have shape (K, {d}, {d}) or ({d}, {d}) to match B; got {G.shape}")
    return B, G


@guard_numerics
def log_norm_drift(B, G, u):
    r"""Itô drift of log‖θ‖ at direction u: uᵀBu + ½ Σ_k ‖G_k u‖² − Σ_k (uᵀG_k u)².

    Chen et al. 2023 (arXiv 2306.04251) attractivity of invariant sets; derivation in docs/sgd_stability.md#stochastic-collapse.
    For the linear Itô SDE dθ = Bθ dt + Σ_k G_k θ dW_k with θ = ‖θ‖u, this is the dt
    coefficient of d log‖θ‖. Its supremum over unit u bounds the top Lyapunov exponent from
    above (sufficient condition for collapse: sup < 0); in 1-D it equals b − g²/2, the exact
    exponent (:func:`collapse_rate`).

    Parameters
    ----------
    B : array of shape (d, d)
        Drift matrix (−H_⊥⊥ at an invariant set; only its symmetric part enters).
    G : array of shape (K, d, d) or (d, d)
        Noise matrices, one per independent Brownian motion (a single (d, d) matrix means K = 1).
    u : array of shape (d,) or (n, d)
        Direction(s); normalised here (must be nonzero).

    Returns
    -------
    float or ndarray of shape (n,)

    Examples
    --------
    >>> log_norm_drift([[1.0]], [[2.0]], [1.0])     # b − g²/2 = 1 − 2
    -1.0
    """
    B, G = _drift_and_noise(B, G)
    d = B.shape[0]
    u = as_finite_array(u, "u", ndim=(1, 2))
    if u.shape[-1] != d:
        raise ValueError(f"u must have last axis of length {d} (the dimension of B); got {u.shape}")
    norms = np.linalg.norm(u, axis=-1, keepdims=True)
    if np.any(norms == 0):
        raise ValueError("u must be nonzero (a direction)")
    u = u / norms
    Bu = np.einsum("ij,...j->...i", B, u)
    Gu = np.einsum("kij,...j->...ki", G, u)                  # (..., K, d)
    drift = np.einsum("...i,...i->...", u, Bu)
    spread = 0.5 * np.einsum("...ki,...ki->...", Gu, Gu)
    radial = np.einsum("...i,...ki->...k", u, Gu)             # uᵀG_k u
    out = drift + spread - np.sum(radial**2, axis=-1)
    return float(out) if out.ndim == 0 else out


@compact_repr
@dataclass(frozen=True)
class LogNormDriftMax:
    """Supremum over unit directions of the Itô bracket (see :func:`max_log_norm_drift`).

    Attributes
    ----------
    value : float
        sup_u [uᵀBu + ½Σ‖G_k u‖² − Σ(uᵀG_k u)²] (as found; a lower bound of the true sup
        when ``method == "multistart"``).
    direction : ndarray of shape (d,)
        A unit maximiser.
    method : str
        ``"exact"`` (d = 1), ``"grid"`` (d = 2: angle grid refined by bounded scalar search),
        ``"multistart"`` (d ≥ 3: local optimisation from several deterministic starts).
    """

    value: float
    direction: np.ndarray
    method: str


@guard_numerics
def max_log_norm_drift(B, G, *, n_grid: int = 720, n_starts: int = 32, seed: int = 0) -> LogNormDriftMax:
    r"""sup over unit u of uᵀBu + ½ Σ_k ‖G_k u‖² − Σ_k (uᵀG_k u)² (sufficient collapse test).

    Chen et al. 2023 (arXiv 2306.04251); docs/sgd_stability.md#stochastic-collapse: if this supremum is negative,
    log‖θ‖ has negative drift in every direction and the invariant set attracts the linear
    SDE dθ = Bθ dt + Σ_k G_k θ dW_k. The top Lyapunov exponent (bracket averaged over the
    stationary law of u) is ≤ this supremum.

    d = 1: exact. d = 2: the bracket is a trigonometric polynomial of the angle; a grid of
    ``n_grid`` angles on [0, π) (u and −u agree) is refined by bounded Brent search around the
    best cell. d ≥ 3: L-BFGS on v ↦ −bracket(v/‖v‖) from the ±basis vectors, the top
    eigenvectors of the symmetric part of B, and ``n_starts`` seeded random directions —
    intended for small d; the result is a lower bound of the sup if a basin is missed.

    Parameters
    ----------
    B : array of shape (d, d)
    G : array of shape (K, d, d) or (d, d)
    n_grid : int, default 720
        Angle grid size for d = 2 (≥ 8).
    n_starts : int, default 32
        Random starts for d ≥ 3 (≥ 0).
    seed : int, default 0
        Seed of the random starts (the result is deterministic for a given seed).

    Returns
    -------
    LogNormDriftMax
    """
    B, G = _drift_and_noise(B, G)
    d = B.shape[0]
    n_grid = as_count(n_grid, "n_grid", minimum=8, maximum=_MAX_GRID)
    n_starts = as_count(n_starts, "n_starts", minimum=0, maximum=_MAX_STARTS)
    seed = as_seed(seed)
    if d == 1:
        return LogNormDriftMax(value=log_norm_drift(B, G, [1.0]), direction=np.ones(1), method="exact")
    if d == 2:
        angles = np.linspace(0.0, np.pi, int(n_grid), endpoint=False)
        vals = log_norm_drift(B, G, np.stack([np.cos(angles), np.sin(angles)], axis=1))
        i = int(np.argmax(vals))
        step = np.pi / n_grid

        def neg(a):
            return -log_norm_drift(B, G, [np.cos(a), np.sin(a)])

        res = optimize.minimize_scalar(neg, bounds=(angles[i] - step, angles[i] + step), method="bounded",
                                       options={"xatol": 1e-12})
        a = res.x if -res.fun >= vals[i] else angles[i]
        u = np.array([np.cos(a), np.sin(a)])
        return LogNormDriftMax(value=log_norm_drift(B, G, u), direction=u, method="grid")
    rng = np.random.default_rng(seed)
    sym = 0.5 * (B + B.T)
    _, vecs = np.linalg.eigh(sym)
    starts = [s * e for e in np.eye(d) for s in (1.0, -1.0)] + [vecs[:, -1], vecs[:, 0]]
    starts += list(rng.normal(size=(int(n_starts), d)))

    def neg(v):
        return -log_norm_drift(B, G, v)

    best_val, best_u = -np.inf, None
    for v0 in starts:
        res = optimize.minimize(neg, v0, method="L-BFGS-B", options={"gtol": 1e-12, "ftol": 1e-15})
        v = res.x if np.linalg.norm(res.x) > 0 else v0
        val = log_norm_drift(B, G, v)
        if val > best_val:
            best_val, best_u = val, v / np.linalg.norm(v)
    return LogNormDriftMax(value=float(best_val), direction=best_u, method="multistart")


@guard_numerics
def collapse_rate(b, g):
    r"""Lyapunov exponent b − g²/2 of the 1-D (or per-mode commuting) linear Itô SDE.

    Chen et al. 2023 (arXiv 2306.04251); docs/sgd_stability.md#stochastic-collapse: dθ = bθ dt + gθ dW has the
    solution θ_t = θ_0 exp((b − g²/2)t + gW_t), so log|θ_t|/t → b − g²/2 a.s. Negative:
    the invariant set θ = 0 attracts (stochastic collapse), even for b > 0. For a mode driven
    by several independent noises pass g = √(Σ_k g_k²).

    Parameters
    ----------
    b : float or array
        Drift rate (the linearised normal drift, e.g. −Hessian eigenvalue).
    g : float or array
        Multiplicative noise amplitude; broadcasts with ``b``.

    Returns
    -------
    float or ndarray

    Examples
    --------
    >>> collapse_rate(1.5, 2.0)
    -0.5
    """
    b = as_finite_array(b, "b")
    g = as_finite_array(g, "g")
    return _unwrap(b - 0.5 * g**2)


# --------------------------------------------------------------------------------------------
# Chen et al. example 1 (docs/sgd_stability.md#collapse-examples): quartic well dθ = −(θ³ − μθ)dt + ζθ dW
# --------------------------------------------------------------------------------------------

@guard_numerics
def quartic_well_collapse_threshold(mu) -> float:
    r"""Noise level $\zeta^* = \sqrt{2\mu}$ above which the quartic well collapses to θ = 0.

    Chen et al. 2023 (arXiv 2306.04251) quartic-well example; docs/sgd_stability.md#collapse-examples.
    For dθ = −(θ³ − μθ) dt + ζθ dW the linearisation at 0 has rate μ − ζ²/2
    (:func:`collapse_rate`), and the stationary density $\propto |\theta|^{2\mu/\zeta^2 - 2} e^{-\theta^2/\zeta^2}$ is
    normalisable iff 2μ/ζ² > 1: collapse iff ζ > √(2μ).

    Parameters
    ----------
    mu : float
        Curvature of the (double-well) potential at 0, μ > 0.

    Returns
    -------
    float
    """
    return math.sqrt(2.0 * as_positive_scalar(mu, "mu"))


@guard_numerics
def quartic_well_stationary_density(theta, mu, zeta, normalized: bool = False):
    r"""Stationary density $p(\theta) \propto |\theta|^{2\mu/\zeta^2 - 2} e^{-\theta^2/\zeta^2}$ of the quartic-well SDE.

    Chen et al. 2023 (arXiv 2306.04251); docs/sgd_stability.md#collapse-examples. For the Itô SDE
    dθ = (μθ − θ³) dt + ζθ dW the zero-flux stationary Fokker–Planck equation
    (μθ − θ³)p = ½ d/dθ (ζ²θ² p) is solved on each half-line by this p. It is integrable at 0
    iff ζ < √(2μ), with $\int_{\mathbb{R}} p = \Gamma(\mu/\zeta^2 - \tfrac12)\, \zeta^{2\mu/\zeta^2 - 1}$; above the threshold the only
    stationary law is the point mass at 0 (collapse) and this function is the unnormalisable
    (infinite-measure) solution.

    Parameters
    ----------
    theta : float or array
    mu : float
        μ > 0.
    zeta : float
        Noise level ζ > 0.
    normalized : bool, default False
        Divide by ∫ p (a probability density on ℝ); requires ζ < √(2μ).

    Returns
    -------
    float or ndarray
        p(θ). At θ = 0: 0, 1 or +inf for exponent 2μ/ζ² − 2 positive, zero or negative.

    Raises
    ------
    ValueError
        If ``normalized`` and ζ ≥ √(2μ) (naming zeta), or on invalid input.
    """
    mu = as_positive_scalar(mu, "mu")
    zeta = as_positive_scalar(zeta, "zeta")
    theta = as_finite_array(theta, "theta")
    power = 2.0 * mu / zeta**2 - 2.0
    log_norm = 0.0
    if as_bool(normalized, "normalized"):
        if power <= -1.0:
            raise ValueError(f"zeta must be < sqrt(2 mu) = {math.sqrt(2 * mu):.6g} for a normalisable density "
                             f"(stochastic collapse otherwise); got zeta = {zeta}")
        half = (power + 1.0) / 2.0                       # ∫_ℝ |θ|^β e^{−θ²/ζ²} = Γ((β+1)/2) ζ^{β+1}
        log_norm = gammaln(half) + 2.0 * half * math.log(zeta)
    at_zero = 0.0 if power > 0 else (math.exp(-log_norm) if power == 0 else math.inf)
    nonzero = theta != 0
    safe = np.where(nonzero, np.abs(theta), 1.0)
    # log space: |θ|^β overflows for small ζ (β = 2μ/ζ² − 2 is large) where e^{−θ²/ζ²} underflows
    p = np.where(nonzero, np.exp(power * np.log(safe) - (safe / zeta) ** 2 - log_norm), at_zero)
    return _unwrap(p)


@guard_numerics
def quartic_well_em_exponent(mu, zeta, dt):
    r"""Per-unit-time exponent (1/dt) E log|1 + μ dt + ζ√dt Z| of Euler–Maruyama at θ = 0.

    Chen et al. 2023 (arXiv 2306.04251) simulate the quartic well by Euler–Maruyama; derivation in
    docs/sgd_stability.md#collapse-examples, evaluated with docs/sgd_stability.md#gaussian-closed-form. Linearised at 0 the EM step is θ ← (1 + μ dt + ζ√dt Z)θ,
    Z ~ N(0, 1), a scalar random product (Ziyin et al. 2023, Theorem 1; docs/sgd_stability.md#the-lyapunov-criterion): the discrete chain collapses
    iff this exponent is < 0. Expanding the log, it equals
    μ − ζ²/2 + dt(−μ²/2 + μζ² − ¾ζ⁴) + O(dt²): the continuous rate plus an O(dt) shift.
    Evaluated in closed form by the Gaussian formula of ``theory.sgd_stability._laws``.

    Parameters
    ----------
    mu : float
        μ (any real: the linearised drift).
    zeta : float or array
        ζ ≥ 0.
    dt : float
        Step size > 0.

    Returns
    -------
    float or ndarray
    """
    mu = as_finite_scalar(mu, "mu")
    dt = as_positive_scalar(dt, "dt")
    zeta = _nonnegative_array(zeta, "zeta")
    a = 1.0 + mu * dt
    vals = [float(expected_log_abs(a, z * math.sqrt(dt), stats.norm())) for z in zeta.ravel()]
    return _unwrap(np.asarray(vals).reshape(zeta.shape) / dt)


@guard_numerics
def quartic_well_em_threshold(mu, dt) -> float:
    r"""Smallest ζ at which the Euler–Maruyama exponent of the quartic well crosses zero.

    Root of :func:`quartic_well_em_exponent` (docs/sgd_stability.md#collapse-examples); tends to
    √(2μ) as dt → 0 with an O(dt) shift. With b = ζ√dt the per-step exponent
    E log|1 + μdt + bZ| first decreases in b, reaches a minimum, then grows like log b (the
    EM chain itself blows up at very large ζ√dt); this returns the lower root, bracketed
    between 0 and the minimiser. Returns ``inf`` if the minimum is ≥ 0 (μ dt so large that
    EM never collapses).

    Parameters
    ----------
    mu : float
        μ > 0.
    dt : float
        dt > 0.

    Returns
    -------
    float
    """
    mu = as_positive_scalar(mu, "mu")
    dt = as_positive_scalar(dt, "dt")
    a = 1.0 + mu * dt
    law = stats.norm()

    def per_step(b):
        return float(expected_log_abs(a, b, law))

    # E log|a + bZ| = log a + E log|1 + (b/a)Z|; the minimiser in b/a is O(1): search (0, 10a).
    res = optimize.minimize_scalar(per_step, bounds=(0.0, 10.0 * a), method="bounded", options={"xatol": 1e-10})
    if res.fun >= 0:
        return math.inf
    b = optimize.brentq(per_step, 0.0, res.x, xtol=1e-14, rtol=4 * np.finfo(float).eps)
    return b / math.sqrt(dt)


# --------------------------------------------------------------------------------------------
# Chen et al. example 2 (docs/sgd_stability.md#collapse-examples): single tanh neuron f(x) = w₂ σ(w₁ x)
# --------------------------------------------------------------------------------------------

@compact_repr
@dataclass(frozen=True)
class TanhNeuronExponents:
    """Collapse exponents of the single neuron f(x) = w₂σ(w₁x) at w = 0 (per unit SDE time).

    Attributes
    ----------
    correlation : float
        c = mean(x·y).
    second_moment : float
        s₂ = mean(x²).
    lambda_plus, lambda_minus : float or ndarray
        s₁c − ηs₂ζ²s₁²/2 along (1, 1)/√2 and −s₁c − ηs₂ζ²s₁²/2 along (1, −1)/√2.
    top : float or ndarray
        max(lambda_plus, lambda_minus) = s₁|c| − ηs₂ζ²s₁²/2.
    critical_eta_zeta2 : float
        The value of ηζ² above which the neuron collapses: 2|c|/(s₁s₂).
    collapses : bool or ndarray of bool
        top < 0 (strict; top = 0 is marginal and reported as not collapsing).
    """

    correlation: float
    second_moment: float
    lambda_plus: float | np.ndarray
    lambda_minus: float | np.ndarray
    top: float | np.ndarray
    critical_eta_zeta2: float
    collapses: bool | np.ndarray


@guard_numerics
def tanh_neuron_exponents(x, y, eta, zeta, s1=1.0) -> TanhNeuronExponents:
    r"""Exponents ±s₁c − ηs₂ζ²s₁²/2 of a single tanh neuron's vanishing set under label-noise SDE.

    Chen et al. 2023 (arXiv 2306.04251) single-neuron example; docs/sgd_stability.md#collapse-examples.
    Model f(x) = w₂σ(w₁x), σ(0) = 0, s₁ = σ'(0), L = (1/2m)Σ(f(x_i) − y_i)², SDE
    dθ = −∇L dt + √η ζ (1/√m) Jᵀ dW. At θ = 0 the linearisation is
    dθ = s₁cPθ dt + √(ηs₂) ζ s₁ Pθ dW, P = [[0, 1], [1, 0]], c = mean(xy), s₂ = mean(x²):
    B and G commute, so the exponents are exact (:func:`collapse_rate` per eigenvector of P).
    The neuron collapses iff ηζ²s₁/2 > |Σx_iy_i|/Σx_i² (with the absolute value, so the condition also holds when Σx_iy_i < 0).

    Parameters
    ----------
    x, y : array of shape (m,)
        The data (scalar inputs and targets); x not all zero.
    eta : float or array
        Learning rate η ≥ 0 (the SDE noise scale √η).
    zeta : float or array
        Label-noise scale ζ ≥ 0; broadcasts with ``eta``.
    s1 : float, default 1.0
        σ'(0) > 0 (tanh: 1).

    Returns
    -------
    TanhNeuronExponents
    """
    x = as_finite_array(x, "x", ndim=1)
    y = as_finite_array(y, "y", shape=x.shape)
    if x.size == 0 or not np.any(x):
        raise ValueError("x must contain at least one nonzero input")
    eta = _nonnegative_array(eta, "eta")
    zeta = _nonnegative_array(zeta, "zeta")
    s1 = as_positive_scalar(s1, "s1")
    c = float(np.mean(x * y))
    s2 = float(np.mean(x * x))
    half_g2 = 0.5 * eta * s2 * zeta**2 * s1**2
    plus = s1 * c - half_g2
    minus = -s1 * c - half_g2
    top = np.maximum(plus, minus)
    return TanhNeuronExponents(correlation=c, second_moment=s2, lambda_plus=_unwrap(plus),
                               lambda_minus=_unwrap(minus), top=_unwrap(top),
                               critical_eta_zeta2=2.0 * abs(c) / (s1 * s2), collapses=_unwrap(top < 0))


@guard_numerics
def tanh_neuron_collapses(x, y, eta, zeta, s1=1.0):
    r"""True iff ηζ²s₁/2 > |Σx_iy_i| / Σx_i²: the tanh neuron's vanishing set attracts.

    Chen et al. 2023 (arXiv 2306.04251); docs/sgd_stability.md#collapse-examples. Shorthand for
    ``tanh_neuron_exponents(...).collapses``; see there for the derivation and parameters.

    Examples
    --------
    >>> x = [1.0, -1.0, 2.0]; y = [1.0, -1.0, 2.0]     # Σxy/Σx² = 1
    >>> bool(tanh_neuron_collapses(x, y, eta=1.0, zeta=1.5)), bool(tanh_neuron_collapses(x, y, 1.0, 1.0))
    (True, False)
    """
    return tanh_neuron_exponents(x, y, eta, zeta, s1).collapses


# --------------------------------------------------------------------------------------------
# Chen et al. example 3 (docs/sgd_stability.md#collapse-examples): diagonal teacher–student with label noise
# --------------------------------------------------------------------------------------------

@guard_numerics
def mode_exponents(singular_values, eta, sigma, discrete: bool = False):
    r"""Per-mode collapse exponent ŝ_k − ησ²/2 of the diagonal teacher–student model.

    Chen et al. 2023 (arXiv 2306.04251) teacher–student example; docs/sgd_stability.md#collapse-examples.
    In the SVD basis of XᵀY the mode (u_k, v_k) follows SGD with gradient
    (u_kv_k − ŝ_k + σξ)(v_k, u_k) at step η. Two data models give this form: Chen et al.'s
    orthonormal inputs (XᵀX = I, ŝ the singular values of XᵀY, η the step itself) and Gaussian
    inputs with the loss averaged over N samples (ŝ from XᵀY/N, η = lr/N); see
    ``sims.sgd_stability.simulate_teacher_student_modes``.
    Linearised at 0, a = u + v and b = u − v obey a ← (1 + η(ŝ − σξ))a, b ← (1 − η(ŝ − σξ))b;
    in the SDE limit (time step η) the rates are ±ŝ − ησ²/2 and the top one, ŝ − ησ²/2,
    decides collapse (ŝ ≥ 0). With ``discrete=True`` the exact per-step exponent of the
    discrete product is returned instead, per unit time: (1/η) E log|1 + ηŝ + ησZ|,
    Z ~ N(0, 1) (ŝ − ησ²/2 + O(η)).

    Parameters
    ----------
    singular_values : array of shape (n,)
        Empirical singular values ŝ_k ≥ 0.
    eta : float
        Effective step η > 0.
    sigma : float
        Label-noise level σ ≥ 0.
    discrete : bool, default False

    Returns
    -------
    ndarray of shape (n,)
    """
    s = _nonnegative_array(singular_values, "singular_values")
    if s.ndim != 1:
        raise ValueError(f"singular_values must be 1-D; got shape {s.shape}")
    eta = as_positive_scalar(eta, "eta")
    sigma = _nonnegative(sigma, "sigma")
    if not as_bool(discrete, "discrete"):
        return s - 0.5 * eta * sigma**2
    law = stats.norm()
    return np.array([float(expected_log_abs(1.0 + eta * sk, eta * sigma, law)) for sk in s]) / eta


@guard_numerics
def mode_collapses(singular_values, eta, sigma, discrete: bool = False) -> np.ndarray:
    r"""Which teacher–student modes collapse: ŝ_k ≤ ησ²/2 (exponent ≤ 0).

    docs/sgd_stability.md#collapse-examples: mode k collapses iff ŝ_k < ησ²/2. The marginal case
    ŝ_k = ησ²/2 (zero exponent; the typical mode value ŝ − ησ²/2 is 0) is counted as
    collapsed, so that ``effective_rank == n − mode_collapses(...).sum()``. See
    :func:`mode_exponents` for the parameters and the ``discrete`` option.

    Returns
    -------
    ndarray of bool, shape (n,)
    """
    return mode_exponents(singular_values, eta, sigma, discrete) <= 0


@guard_numerics
def effective_rank(singular_values, eta, sigma, discrete: bool = False) -> int:
    r"""Rank learned under label noise: #{k : ŝ_k > ησ²/2}.

    Chen et al. 2023 (arXiv 2306.04251); docs/sgd_stability.md#collapse-examples. Modes whose
    signal ŝ_k does not beat half the noise power ησ² collapse to 0. See
    :func:`mode_exponents` for the parameters.

    Examples
    --------
    >>> effective_rank([1.0, 0.8, 0.5, 0.2], eta=0.01, sigma=10.0)   # threshold ησ²/2 = 0.5
    2
    """
    return int(np.count_nonzero(~mode_collapses(singular_values, eta, sigma, discrete)))


@guard_numerics
def shrunk_singular_values(singular_values, eta, sigma) -> np.ndarray:
    r"""Typical (log-scale) learned mode values max(ŝ_k − ησ²/2, 0).

    docs/sgd_stability.md#collapse-examples: with u = v = r the SDE gives
    d log r = (ŝ − ησ²/2 − r²) dt − √η σ dW, so r² = u·v relaxes (logistically, at rate
    2ŝ − ησ²) to ŝ − ησ²/2 when that is positive and collapses to 0 otherwise.

    Parameters
    ----------
    singular_values : array of shape (n,)
    eta : float
        η > 0.
    sigma : float
        σ ≥ 0.

    Returns
    -------
    ndarray of shape (n,)
    """
    return np.maximum(mode_exponents(singular_values, eta, sigma), 0.0)
