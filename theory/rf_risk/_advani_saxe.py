r"""Gradient-flow learning curves of high-dimensional linear regression (Advani, Saxe & Sompolinsky 2017).

Model (docs/rf_risk.md#advani-and-saxe): N inputs, $P = \alpha N$ samples, $X \in \mathbb R^{P\times N}$
with i.i.d. $\mathcal N(0, 1/N)$ entries, teacher $y = X\bar w + \varepsilon$ with
$\bar w \sim \mathcal N(0, \sigma_w^2 I)$, $\varepsilon \sim \mathcal N(0, \sigma_\varepsilon^2 I)$; student
$w(0) \sim \mathcal N(0, \sigma_0^2 I)$ trained by gradient flow on the sum of squared errors,
$\tau \dot w = X^\top(y - Xw)$. In the eigenbasis of $X^\top X$ (eigenvalue $\lambda$) the error
$e = w - \bar w$ relaxes mode by mode,

$$e_\lambda(t) = e_\lambda(0)\,e^{-\lambda t/\tau} + (1 - e^{-\lambda t/\tau})\,(X^\top\varepsilon)_\lambda/\lambda ,$$

and the null modes of $X^\top X$ (a fraction $(1-\alpha)_+$) are frozen. As $N \to \infty$ the
eigenvalues follow the Marchenko–Pastur law $\rho$, and with $S = \sigma_w^2 + \sigma_0^2$

$$E_g(t) = \int\rho(\lambda)\Big[S e^{-2\lambda t/\tau} + \sigma_\varepsilon^2\frac{(1 - e^{-\lambda t/\tau})^2}{\lambda}\Big]d\lambda
+ (1-\alpha)_+ S + \sigma_\varepsilon^2,$$

$$E_t(t) = \frac1\alpha\int\rho(\lambda)\,e^{-2\lambda t/\tau}(\sigma_\varepsilon^2 + \lambda S)\,d\lambda
+ \sigma_\varepsilon^2(1 - 1/\alpha)_+ ,$$

where $E_g = \|w - \bar w\|^2/N + \sigma_\varepsilon^2$ is the test error on a fresh example (label
noise included) and $E_t = \|y - Xw\|^2/P$ the training error.

Quadrature. With $\lambda = \lambda_- + h(1 - \cos\theta)$, $h = (\lambda_+ - \lambda_-)/2 = 2\sqrt\alpha$,
the square-root edges disappear: $\rho\,d\lambda = h^2\sin^2\theta/(2\pi\lambda)\,d\theta$ on
$[0, \pi]$, a smooth integrand (also at $\alpha = 1$, where $\sin^2\theta/\lambda = \cos^2(\theta/2)$).
It is integrated adaptively (``scipy.integrate.quad_vec``, Gauss–Kronrod 21, all times at once)
to a requested relative accuracy of 1e-11 of the largest value; measured against the closed
forms ($\int\rho$, $\int\lambda\rho$, $\int\rho/\lambda$, the Stieltjes transform) the error is
below 1e-12 relative (tests/theory/test_rf_risk_advani_saxe.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from theory.summary import compact_repr
from theory.validate import as_finite_array, as_finite_scalar, as_positive_scalar, guard_numerics

__all__ = [
    "AdvaniSaxeAsymptotes",
    "AdvaniSaxeCurves",
    "AdvaniSaxeEarlyStopping",
    "AdvaniSaxeOptimalRidge",
    "advani_saxe_asymptotes",
    "advani_saxe_curves",
    "advani_saxe_early_stopping",
    "advani_saxe_optimal_ridge",
    "advani_saxe_ridge_test_error",
    "marchenko_pastur_density",
    "marchenko_pastur_stieltjes",
]

_EPSREL = 1e-11            # quad_vec: relative to the largest integrand value over the times
_MAX_TIMES = 10**6         # times per call (each is one entry of the vector integrand)

#: $\int_0^\infty (1 - e^{-u})^2 u^{-3/2} du = 4\sqrt\pi(1 - 1/\sqrt2)$, the α = 1 growth constant.
_SQRT_T_INTEGRAL = 4.0 * math.sqrt(math.pi) * (1.0 - 1.0 / math.sqrt(2.0))


# --------------------------------------------------------------------------------------------
# validation


def _alpha(alpha) -> float:
    return as_positive_scalar(alpha, "alpha")


def _variance(x, name: str) -> float:
    val = as_finite_scalar(x, name)
    if val < 0:
        raise ValueError(f"{name} must be >= 0 (a variance); got {val}")
    return val


def _times(t) -> np.ndarray:
    """Times >= 0 (``+inf`` allowed: the asymptote), any shape."""
    if t is None or isinstance(t, (str, bytes)) or np.iscomplexobj(t):
        raise ValueError(f"t must be real times >= 0; got {type(t).__name__}")
    try:
        arr = np.asarray(t, dtype=np.float64)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValueError(f"t must be real times >= 0; got {type(t).__name__}") from exc
    if np.isnan(arr).any() or (arr < 0).any():
        raise ValueError("t must be >= 0 everywhere (no NaN; +inf is the asymptote)")
    if arr.size > _MAX_TIMES:
        raise ValueError(f"t must have at most {_MAX_TIMES} entries; got {arr.size}")
    return arr


# --------------------------------------------------------------------------------------------
# Marchenko–Pastur


def _edges(alpha: float) -> tuple[float, float]:
    r = math.sqrt(alpha)
    return (1.0 - r) ** 2, (1.0 + r) ** 2


@guard_numerics
def marchenko_pastur_density(lam, alpha) -> np.ndarray:
    r"""Continuous part of the Marchenko–Pastur eigenvalue density of $X^\top X$.

    For $X \in \mathbb R^{P\times N}$ with i.i.d. $\mathcal N(0, 1/N)$ entries and
    $\alpha = P/N$, as $N \to \infty$,

    $$\rho(\lambda) = \frac{\sqrt{(\lambda_+ - \lambda)(\lambda - \lambda_-)}}{2\pi\lambda}
    \ \text{ on } [\lambda_-, \lambda_+],\qquad \lambda_\pm = (1 \pm \sqrt\alpha)^2,$$

    plus an atom of mass $(1 - \alpha)_+$ at $\lambda = 0$ (not included here). The continuous
    part has mass $\min(1, \alpha)$ and mean $\int\lambda\rho = \alpha$.

    Parameters
    ----------
    lam : array_like
        Eigenvalues $\lambda$ (finite; the density is 0 outside $[\lambda_-, \lambda_+]$ and at 0).
    alpha : float
        Samples per input dimension $\alpha = P/N > 0$.

    Returns
    -------
    numpy.ndarray
        $\rho(\lambda)$, same shape as ``lam``.
    """
    lam = as_finite_array(lam, "lam")
    alpha = _alpha(alpha)
    lo, hi = _edges(alpha)
    inside = (lam > lo) & (lam < hi) & (lam > 0)
    out = np.zeros_like(lam)
    x = lam[inside]
    out[inside] = np.sqrt((hi - x) * (x - lo)) / (2.0 * np.pi * x)
    return out


@guard_numerics
def marchenko_pastur_stieltjes(nu, alpha) -> float:
    r"""Stieltjes transform $m(\nu) = \int \rho_{full}(\lambda)/(\lambda + \nu)\,d\lambda$ at $-\nu < 0$.

    $\rho_{full}$ includes the atom $(1-\alpha)_+$ at 0, so $m(\nu) = \mathrm{Tr}(X^\top X + \nu I)^{-1}/N$
    in the limit. It is the positive root of $\nu m^2 - (1 - \alpha - \nu)m - 1 = 0$,

    $$m(\nu) = \frac{(1 - \alpha - \nu) + \sqrt{(1 - \alpha - \nu)^2 + 4\nu}}{2\nu},$$

    evaluated in the cancellation-free form $2/(\sqrt{(1-\alpha-\nu)^2 + 4\nu} - (1 - \alpha - \nu))$
    when $1 - \alpha - \nu < 0$.

    Parameters
    ----------
    nu : float
        Ridge $\nu > 0$.
    alpha : float
        $\alpha = P/N > 0$.

    Returns
    -------
    float
        $m(\nu) > 0$.
    """
    nu = as_positive_scalar(nu, "nu")
    alpha = _alpha(alpha)
    b = 1.0 - alpha - nu
    root = math.hypot(b, 2.0 * math.sqrt(nu))
    return (b + root) / (2.0 * nu) if b >= 0 else 2.0 / (root - b)


def _mp_integral(alpha: float, integrand, size: int) -> np.ndarray:
    r"""$\int\rho(\lambda) f(\lambda)\,d\lambda$ (continuous part) for a vector-valued ``integrand(lam)``.

    ``integrand`` receives one eigenvalue (float) and returns ``size`` values. Substitution
    $\lambda = \lambda_- + 2h\sin^2(\theta/2)$ removes the square-root edges (module docstring).
    """
    from scipy.integrate import quad_vec

    lo, hi = _edges(alpha)
    h = 2.0 * math.sqrt(alpha)

    def f(theta):
        s = math.sin(0.5 * theta)
        c = math.cos(0.5 * theta)
        lam = lo + 2.0 * h * s * s
        weight = h * h * 4.0 * s * s * c * c / (2.0 * math.pi * lam)
        return weight * integrand(lam)

    if size == 0:
        return np.zeros(0)
    value, _ = quad_vec(f, 0.0, math.pi, epsabs=0.0, epsrel=_EPSREL, norm="max", limit=20_000)
    return np.asarray(value, dtype=np.float64)


# --------------------------------------------------------------------------------------------
# learning curves


@compact_repr
@dataclass(frozen=True)
class AdvaniSaxeCurves:
    r"""Test and training error of gradient flow at the requested times.

    Attributes
    ----------
    t : numpy.ndarray
        Times (in units of $\tau$ when ``tau`` = 1).
    test_error : numpy.ndarray
        $E_g(t) = \|w(t) - \bar w\|^2/N + \sigma_\varepsilon^2$ (label noise included); ``inf``
        at $t = \infty$ when $\alpha = 1$ and $\sigma_\varepsilon > 0$.
    train_error : numpy.ndarray
        $E_t(t) = \|y - Xw(t)\|^2/P$.
    frozen_error : float
        $(1 - \alpha)_+(\sigma_w^2 + \sigma_0^2)$: the part of $E_g$ carried by the frozen null
        space of $X^\top X$ (constant in time).
    alpha, sigma_w2, sigma_eps2, sigma_02, tau : float
        The setting.
    """

    t: np.ndarray
    test_error: np.ndarray
    train_error: np.ndarray
    frozen_error: float
    alpha: float
    sigma_w2: float
    sigma_eps2: float
    sigma_02: float
    tau: float


@guard_numerics
def advani_saxe_curves(alpha, t, sigma_w2=1.0, sigma_eps2=0.25, sigma_02=0.0, *, tau=1.0) -> AdvaniSaxeCurves:
    r"""Gradient-flow test and training error $E_g(t)$, $E_t(t)$ as Marchenko–Pastur integrals.

    $$E_g(t) = \int\rho\Big[S e^{-2\lambda t/\tau} + \sigma_\varepsilon^2\frac{(1 - e^{-\lambda t/\tau})^2}{\lambda}\Big]
    + (1-\alpha)_+ S + \sigma_\varepsilon^2,\quad
    E_t(t) = \frac1\alpha\int\rho\,e^{-2\lambda t/\tau}(\sigma_\varepsilon^2 + \lambda S) + \sigma_\varepsilon^2(1-1/\alpha)_+,$$

    $S = \sigma_w^2 + \sigma_0^2$ (module docstring; docs/rf_risk.md#advani-and-saxe). At $t = 0$,
    $E_g = E_t = S + \sigma_\varepsilon^2$; ``t = inf`` gives the asymptotes
    (:func:`advani_saxe_asymptotes`). Quadrature accuracy: 1e-11 relative to the largest value.

    Parameters
    ----------
    alpha : float
        $\alpha = P/N > 0$ (samples per parameter).
    t : array_like
        Times $\ge 0$ (``inf`` allowed), any shape.
    sigma_w2 : float, default 1.0
        Teacher weight variance $\sigma_w^2 \ge 0$.
    sigma_eps2 : float, default 0.25
        Label-noise variance $\sigma_\varepsilon^2 \ge 0$.
    sigma_02 : float, default 0.0
        Initial student weight variance $\sigma_0^2 \ge 0$.
    tau : float, default 1.0
        Time constant $\tau > 0$ of $\tau\dot w = X^\top(y - Xw)$.

    Returns
    -------
    AdvaniSaxeCurves
        ``t``, ``test_error``, ``train_error`` (same shape as ``t``), ``frozen_error`` and the setting.
    """
    alpha = _alpha(alpha)
    t = _times(t)
    sw, se, s0 = _variance(sigma_w2, "sigma_w2"), _variance(sigma_eps2, "sigma_eps2"), _variance(sigma_02, "sigma_02")
    tau = as_positive_scalar(tau, "tau")
    S = sw + s0
    frozen = max(0.0, 1.0 - alpha) * S
    flat = t.ravel()
    finite = np.isfinite(flat)
    x = flat[finite] / tau
    n = x.size

    def integrand(lam):
        decay = np.exp(-lam * x)
        out = np.empty(2 * n)
        out[:n] = S * decay * decay + se * np.expm1(-lam * x) ** 2 / lam
        out[n:] = decay * decay * (se + lam * S)
        return out

    vals = _mp_integral(alpha, integrand, 2 * n)
    asym = advani_saxe_asymptotes(alpha, sw, se, s0)
    test = np.full(flat.shape, asym.test_error)
    train = np.full(flat.shape, asym.train_error)
    test[finite] = vals[:n] + frozen + se
    train[finite] = vals[n:] / alpha + se * max(0.0, 1.0 - 1.0 / alpha)
    return AdvaniSaxeCurves(t=t, test_error=test.reshape(t.shape), train_error=train.reshape(t.shape),
                            frozen_error=frozen, alpha=alpha, sigma_w2=sw, sigma_eps2=se, sigma_02=s0, tau=tau)


# --------------------------------------------------------------------------------------------
# asymptotes


@compact_repr
@dataclass(frozen=True)
class AdvaniSaxeAsymptotes:
    r"""Long-time limits of gradient flow.

    Attributes
    ----------
    test_error : float
        $E_g(\infty)$: $\sigma_\varepsilon^2\alpha/(\alpha - 1)$ for $\alpha > 1$;
        $(1-\alpha)S + \sigma_\varepsilon^2/(1-\alpha)$ for $\alpha < 1$; at $\alpha = 1$, ``inf`` if
        $\sigma_\varepsilon > 0$, else 0.
    train_error : float
        $E_t(\infty)$: $\sigma_\varepsilon^2(1 - 1/\alpha)$ for $\alpha > 1$, 0 for $\alpha \le 1$.
    frozen_error : float
        $(1-\alpha)_+ S$, the frozen null-space part of ``test_error``.
    diverges : bool
        True at $\alpha = 1$ with $\sigma_\varepsilon > 0$: $E_g(t) \sim c\sqrt{t/\tau}$.
    sqrt_t_coefficient : float
        $c = \sigma_\varepsilon^2\,4(1 - 1/\sqrt2)/\sqrt\pi$ at $\alpha = 1$ (from $\rho \approx 1/(\pi\sqrt\lambda)$
        near 0); 0 otherwise.
    """

    test_error: float
    train_error: float
    frozen_error: float
    diverges: bool
    sqrt_t_coefficient: float


@guard_numerics
def advani_saxe_asymptotes(alpha, sigma_w2=1.0, sigma_eps2=0.25, sigma_02=0.0) -> AdvaniSaxeAsymptotes:
    r"""Long-time test and training error of gradient flow (closed forms).

    Uses $\int\rho/\lambda = 1/(\alpha - 1)$ ($\alpha > 1$) and $\alpha/(1 - \alpha)$ ($\alpha < 1$):
    $E_g(\infty) = \sigma_\varepsilon^2\alpha/(\alpha-1)$ for $\alpha > 1$,
    $E_g(\infty) = (1-\alpha)S + \sigma_\varepsilon^2/(1-\alpha)$ for $\alpha < 1$ (the frozen subspace
    keeps $(1-\alpha)S$, so the initial variance $\sigma_0^2$ adds exactly $(1-\alpha)\sigma_0^2$);
    at $\alpha = 1$ with noise $E_g$ grows like $c\sqrt{t/\tau}$, $c = 4(1 - 1/\sqrt2)\sigma_\varepsilon^2/\sqrt\pi$.

    Parameters
    ----------
    alpha : float
        $\alpha = P/N > 0$.
    sigma_w2, sigma_eps2, sigma_02 : float
        Teacher, noise and initial-weight variances (>= 0), as in :func:`advani_saxe_curves`.

    Returns
    -------
    AdvaniSaxeAsymptotes
        ``test_error``, ``train_error``, ``frozen_error``, ``diverges``, ``sqrt_t_coefficient``.
    """
    alpha = _alpha(alpha)
    sw, se, s0 = _variance(sigma_w2, "sigma_w2"), _variance(sigma_eps2, "sigma_eps2"), _variance(sigma_02, "sigma_02")
    S = sw + s0
    if alpha > 1.0:
        return AdvaniSaxeAsymptotes(se * alpha / (alpha - 1.0), se * (1.0 - 1.0 / alpha), 0.0, False, 0.0)
    if alpha < 1.0:
        frozen = (1.0 - alpha) * S
        return AdvaniSaxeAsymptotes(frozen + se / (1.0 - alpha), 0.0, frozen, False, 0.0)
    coef = se * _SQRT_T_INTEGRAL / math.pi
    return AdvaniSaxeAsymptotes(math.inf if se > 0 else 0.0, 0.0, 0.0, se > 0, coef)


# --------------------------------------------------------------------------------------------
# ridge, optimal ridge and early stopping


@guard_numerics
def advani_saxe_ridge_test_error(alpha, ridge, sigma_w2=1.0, sigma_eps2=0.25) -> float:
    r"""Test error of ridge regression $\hat w = (X^\top X + \nu I)^{-1}X^\top y$ by quadrature.

    $$E_g(\nu) = \int\rho_{full}(\lambda)\,\frac{\nu^2\sigma_w^2 + \sigma_\varepsilon^2\lambda}{(\lambda + \nu)^2}\,d\lambda
    + \sigma_\varepsilon^2$$

    (the atom contributes $(1-\alpha)_+\sigma_w^2$). Quadrature as in :func:`advani_saxe_curves`;
    at $\nu^* = \sigma_\varepsilon^2/\sigma_w^2$ it equals the closed form of
    :func:`advani_saxe_optimal_ridge` (an independent check).

    Parameters
    ----------
    alpha : float
        $\alpha = P/N > 0$.
    ridge : float
        $\nu \ge 0$ added to $X^\top X$ ($\nu = 0$ is least squares / minimum norm; infinite at
        $\alpha = 1$ with noise).
    sigma_w2, sigma_eps2 : float
        Teacher and noise variances (>= 0).

    Returns
    -------
    float
        $E_g(\nu)$ (label noise included).
    """
    alpha = _alpha(alpha)
    nu = _variance(ridge, "ridge")
    sw, se = _variance(sigma_w2, "sigma_w2"), _variance(sigma_eps2, "sigma_eps2")
    if nu == 0.0:
        a = advani_saxe_asymptotes(alpha, sw, se, 0.0)       # ridgeless = gradient flow at t = ∞ from 0
        return a.test_error
    atom = max(0.0, 1.0 - alpha) * sw
    val = _mp_integral(alpha, lambda lam: np.array([(nu * nu * sw + se * lam) / (lam + nu) ** 2]), 1)[0]
    return float(val + atom + se)


@compact_repr
@dataclass(frozen=True)
class AdvaniSaxeOptimalRidge:
    r"""Bayes-optimal ridge of the Advani–Saxe model.

    Attributes
    ----------
    ridge : float
        $\nu^* = \sigma_\varepsilon^2/\sigma_w^2$ (the posterior mean is the ridge estimator at $\nu^*$).
    test_error : float
        $E_g^* = \sigma_\varepsilon^2[1 + m(\nu^*)]$, $m$ the MP Stieltjes transform
        (:func:`marchenko_pastur_stieltjes`); without noise, $(1-\alpha)_+\sigma_w^2$.
    stieltjes : float
        $m(\nu^*)$ (``inf`` when $\nu^* = 0$ and $\alpha \le 1$).
    """

    ridge: float
    test_error: float
    stieltjes: float


@guard_numerics
def advani_saxe_optimal_ridge(alpha, sigma_w2=1.0, sigma_eps2=0.25) -> AdvaniSaxeOptimalRidge:
    r"""Optimal ridge $\nu^* = \sigma_\varepsilon^2/\sigma_w^2$ and its test error $E_g^* = \sigma_\varepsilon^2[1 + m(\nu^*)]$.

    With $w(0) = 0$ and the Gaussian prior $\bar w \sim \mathcal N(0, \sigma_w^2 I)$, the posterior
    mean is $(X^\top X + \nu^* I)^{-1}X^\top y$ and its error $\|e\|^2/N$ is the posterior variance
    $\sigma_\varepsilon^2\,\mathrm{Tr}(X^\top X + \nu^* I)^{-1}/N \to \sigma_\varepsilon^2 m(\nu^*)$. It is the
    least test error of any estimator from the data, so $E_g(t) \ge E_g^*$ along gradient flow for
    every $t$ (and every $\sigma_0^2$: a random start is independent extra randomness).
    Noiseless limits: $\sigma_\varepsilon = 0$ gives $E_g^* = (1-\alpha)_+\sigma_w^2$.

    Parameters
    ----------
    alpha : float
        $\alpha = P/N > 0$.
    sigma_w2 : float, default 1.0
        Teacher variance $\sigma_w^2 > 0$.
    sigma_eps2 : float, default 0.25
        Noise variance $\sigma_\varepsilon^2 \ge 0$.

    Returns
    -------
    AdvaniSaxeOptimalRidge
        ``ridge``, ``test_error``, ``stieltjes``.
    """
    alpha = _alpha(alpha)
    sw = as_positive_scalar(sigma_w2, "sigma_w2")
    se = _variance(sigma_eps2, "sigma_eps2")
    nu = se / sw
    if nu == 0.0:
        m = math.inf if alpha <= 1.0 else 1.0 / (alpha - 1.0)
        return AdvaniSaxeOptimalRidge(0.0, max(0.0, 1.0 - alpha) * sw, m)
    m = marchenko_pastur_stieltjes(nu, alpha)
    return AdvaniSaxeOptimalRidge(nu, se * (1.0 + m), m)


@compact_repr
@dataclass(frozen=True)
class AdvaniSaxeEarlyStopping:
    r"""Optimal stopping time of gradient flow and the error there.

    Attributes
    ----------
    stopping_time : float
        $t^* = \mathrm{arg\,min}_t E_g(t)$ (``inf`` when $E_g$ decreases for ever, e.g. without noise).
    test_error : float
        $E_g(t^*)$.
    train_error : float
        $E_t(t^*)$.
    optimal_ridge_test_error : float
        $E_g^*$ of :func:`advani_saxe_optimal_ridge`, the least error of any estimator, so
        $\le$ ``test_error``.
    """

    stopping_time: float
    test_error: float
    train_error: float
    optimal_ridge_test_error: float


@guard_numerics
def advani_saxe_early_stopping(alpha, sigma_w2=1.0, sigma_eps2=0.25, sigma_02=0.0, *, tau=1.0) -> AdvaniSaxeEarlyStopping:
    r"""Early stopping: $t^* = \mathrm{arg\,min}_t E_g(t)$ and $E_g(t^*)$, compared with the optimal ridge.

    $E_g$ is evaluated on 161 log-spaced times in $[10^{-3}, 10^{5}]\,\tau$ (spanning the MP time
    scales $1/\lambda_+$ to $1/\lambda_-$ for the $\alpha$ of interest), the best grid point is
    refined by bounded Brent minimisation in $\log t$ between its neighbours (xatol 1e-10). If
    $E_g(\infty)$ is not above the grid minimum, $t^* = \infty$.

    Parameters
    ----------
    alpha : float
        $\alpha = P/N > 0$.
    sigma_w2, sigma_eps2, sigma_02 : float
        Variances as in :func:`advani_saxe_curves` (``sigma_w2`` > 0).
    tau : float, default 1.0
        Time constant.

    Returns
    -------
    AdvaniSaxeEarlyStopping
        ``stopping_time``, ``test_error``, ``train_error``, ``optimal_ridge_test_error``.
    """
    from scipy.optimize import minimize_scalar

    alpha = _alpha(alpha)
    sw = as_positive_scalar(sigma_w2, "sigma_w2")
    se, s0 = _variance(sigma_eps2, "sigma_eps2"), _variance(sigma_02, "sigma_02")
    tau = as_positive_scalar(tau, "tau")
    grid = tau * np.logspace(-3.0, 5.0, 161)
    eg = advani_saxe_curves(alpha, grid, sw, se, s0, tau=tau).test_error
    best = advani_saxe_optimal_ridge(alpha, sw, se).test_error
    i = int(np.argmin(eg))
    asym = advani_saxe_asymptotes(alpha, sw, se, s0)
    if asym.test_error <= eg[i]:                 # decreasing for ever (no noise): stop at ∞
        return AdvaniSaxeEarlyStopping(math.inf, asym.test_error, asym.train_error, best)
    lo, hi = math.log(grid[max(i - 1, 0)]), math.log(grid[min(i + 1, grid.size - 1)])

    def f(u):
        return float(advani_saxe_curves(alpha, math.exp(u), sw, se, s0, tau=tau).test_error)

    res = minimize_scalar(f, bounds=(lo, hi), method="bounded", options={"xatol": 1e-10})
    t_star = math.exp(res.x)
    curves = advani_saxe_curves(alpha, t_star, sw, se, s0, tau=tau)
    return AdvaniSaxeEarlyStopping(t_star, float(curves.test_error), float(curves.train_error), best)
