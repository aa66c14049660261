r"""Power-law tasks $\lambda_i = i^{-\alpha}$, $v_i^2 = i^{-\beta}$: "overfitting is obligatory" (Simon et al. 2023, §5).

Continuum (kernel ridge regression, $n \to \infty$), with $C_\alpha = (\pi/\alpha)/\sin(\pi/\alpha)$,
$z \approx C_\alpha\gamma^{-1/\alpha}$ and $s = 1 - z/n$: $E_0 = \alpha/(1 + (\alpha-1)s)$, the
noiseless ridgeless risk $E^{(0,0)} = An^{-(\beta-1)}$ and, with noise $\sigma^2 = \sigma_{rel}^2E^{(0,0)}$,
$f(s) = E_{te}/E^{(0,0)} = [(1-s)^{1-\beta} + \alpha\sigma_{rel}^2]/(1 + (\alpha-1)s)$, fitting ratio
$R = s^2$. Derivations: docs/rf_risk.md#power-law-tasks.

:func:`powerlaw_spectrum` gives a finite spectrum whose sums match the infinite power law: the
first ``n_exact`` modes exactly, then the tail $\sum_{i > I_0}g(i) \approx \int_{I_0+1/2}^\infty g(x)dx$
(midpoint Euler–Maclaurin, error $O(g''(I_0))$) by Gauss–Legendre quadrature in $\log x$ on
geometric bins, each node a weighted mode (weight = its quadrature weight $\times\,x$).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from ..summary import compact_repr
from ..validate import as_bool, as_count, as_finite_array, as_finite_scalar, as_positive_scalar, format_value

__all__ = ["PowerLawSpectrum", "powerlaw_constants", "powerlaw_fitting_curve", "powerlaw_optimal_fitting_ratio",
           "powerlaw_optimal_ridge", "powerlaw_optimal_s", "powerlaw_spectrum", "powerlaw_zero_ridge_optimal"]


_ALPHA_MAX = 1000.0


def _exponents(alpha, beta) -> tuple[float, float]:
    a = as_finite_scalar(alpha, "alpha")
    b = as_finite_scalar(beta, "beta")
    if not 1 < a <= _ALPHA_MAX:
        raise ValueError(f"alpha must be > 1 (summable eigenvalues) and <= {_ALPHA_MAX:g} (2^-alpha representable "
                         f"in float64); got {format_value(alpha)}")
    if not 1 < b < 2 * a + 1:
        raise ValueError(f"beta must satisfy 1 < beta < 2 alpha + 1 = {format_value(2 * a + 1)}; "
                         f"got {format_value(beta)}")
    return a, b


def _noise_rel(noise_rel) -> float:
    s2 = as_finite_scalar(noise_rel, "noise_rel")
    if s2 < 0:
        raise ValueError(f"noise_rel must be >= 0; got {format_value(noise_rel)}")
    return s2


def powerlaw_constants(alpha, beta) -> tuple[float, float]:
    r"""The continuum constants $C_\alpha$ and $A$ of a power-law task.

    $z(\gamma) \approx C_\alpha\gamma^{-1/\alpha}$ with $C_\alpha = (\pi/\alpha)/\sin(\pi/\alpha)$, and the
    noiseless ridgeless KRR risk $E^{(0,0)} \approx An^{-(\beta-1)}$ with
    $A = \pi^\beta(\alpha-\beta+1)/(\alpha^\beta\sin(\pi(\beta-1)/\alpha)\sin(\pi/\alpha)^{\beta-1})$.

    Parameters
    ----------
    alpha : float
        Eigenvalue exponent, $> 1$.
    beta : float
        Target exponent, $1 < \beta < 2\alpha + 1$.

    Returns
    -------
    tuple of float
        $(C_\alpha, A)$.
    """
    a, b = _exponents(alpha, beta)
    c = (math.pi / a) / math.sin(math.pi / a)
    # in logs: pi^beta and alpha^beta overflow for large beta
    logA = (b * math.log(math.pi) + math.log(a - b + 1) - b * math.log(a) - math.log(math.sin(math.pi * (b - 1) / a))
            - (b - 1) * math.log(math.sin(math.pi / a)))
    if logA > 700:
        raise ValueError(f"beta = {format_value(beta)} with alpha = {format_value(alpha)} gives a constant A "
                         "beyond float64")
    return c, math.exp(logA)


def powerlaw_fitting_curve(alpha, beta, s, noise_rel=0.0) -> np.ndarray:
    r"""$f(s) = E_{te}/E^{(0,0)} = [(1-s)^{1-\beta} + \alpha\sigma_{rel}^2]/(1 + (\alpha-1)s)$ (KRR continuum).

    Parameters
    ----------
    alpha, beta : float
        Exponents ($\alpha > 1$, $1 < \beta < 2\alpha+1$).
    s : array_like
        $s = 1 - z/n = \sqrt{R} \in [0, 1)$.
    noise_rel : float, default 0.0
        $\sigma_{rel}^2$: noise variance relative to the noiseless ridgeless risk.

    Returns
    -------
    numpy.ndarray
        $f(s)$, the shape of ``s``.
    """
    a, b = _exponents(alpha, beta)
    s2 = _noise_rel(noise_rel)
    ss = as_finite_array(s, "s")
    if np.any((ss < 0) | (ss >= 1)):
        raise ValueError("s must lie in [0, 1)")
    return ((1 - ss) ** (1 - b) + a * s2) / (1 + (a - 1) * ss)


def powerlaw_zero_ridge_optimal(alpha, beta, noise_rel=0.0) -> bool:
    r"""Whether zero ridge is optimal: $\sigma_{rel}^2 \le (\beta-\alpha)/(\alpha(\alpha-1))$ (needs $\beta \ge \alpha$).

    Parameters
    ----------
    alpha, beta : float
        Exponents.
    noise_rel : float, default 0.0
        $\sigma_{rel}^2 \ge 0$.

    Returns
    -------
    bool
        True when $f'(0) \ge 0$, i.e. $s^* = 0$.
    """
    a, b = _exponents(alpha, beta)
    s2 = _noise_rel(noise_rel)
    return bool((b - 1) >= (a - 1) * (1 + a * s2))


def powerlaw_optimal_s(alpha, beta, noise_rel=0.0) -> float:
    r"""$s^* = \mathrm{arg\,min}_{s\in[0,1)}f(s)$: 0 at or beyond the threshold, else the unique stationary point.

    Noiseless: $s^* = \max(0, (\alpha-\beta)/(\beta(\alpha-1)))$. Otherwise the root in $(0, 1)$ of
    $(\beta-1)(1 + (\alpha-1)s) = (\alpha-1)(1-s)(1 + \alpha\sigma_{rel}^2(1-s)^{\beta-1})$.

    Parameters
    ----------
    alpha, beta : float
        Exponents.
    noise_rel : float, default 0.0
        $\sigma_{rel}^2 \ge 0$.

    Returns
    -------
    float
        $s^* \in [0, 1)$.
    """
    a, b = _exponents(alpha, beta)
    s2 = _noise_rel(noise_rel)
    if (b - 1) >= (a - 1) * (1 + a * s2):
        return 0.0
    if s2 == 0.0:
        return (a - b) / (b * (a - 1))

    def g(s):   # left side minus right side: < 0 at s = 0, -> alpha(beta - 1) > 0 as s -> 1
        return (b - 1) * (1 + (a - 1) * s) - (a - 1) * (1 - s) * (1 + a * s2 * (1 - s) ** (b - 1))

    return brentq(g, 0.0, 1.0, xtol=1e-15, rtol=4 * np.finfo(float).eps)


def powerlaw_optimal_fitting_ratio(alpha, beta, noise_rel=0.0) -> float:
    r"""The optimal fitting ratio $R^* = E_{tr}/E_{te} = s^{*2}$ of KRR on a power-law task.

    Noiseless closed form $\sqrt{R^*} = \max(0, (\alpha-\beta)/(\beta(\alpha-1)))$; with noise, $s^*$ of
    :func:`powerlaw_optimal_s`.

    Parameters
    ----------
    alpha : float
        Eigenvalue exponent, $> 1$.
    beta : float
        Target exponent, $1 < \beta < 2\alpha+1$.
    noise_rel : float, default 0.0
        $\sigma_{rel}^2$: noise variance relative to the noiseless ridgeless test risk.

    Returns
    -------
    float
        $R^* \in [0, 1)$.
    """
    s = powerlaw_optimal_s(alpha, beta, noise_rel)
    return s * s


def powerlaw_optimal_ridge(alpha, beta, n, noise_rel=0.0) -> float:
    r"""The continuum optimal ridge $\delta^* = s^*C_\alpha^\alpha n^{1-\alpha}/(1-s^*)^\alpha$.

    Parameters
    ----------
    alpha, beta : float
        Exponents.
    n : float
        Number of samples, $> 0$.
    noise_rel : float, default 0.0
        $\sigma_{rel}^2 \ge 0$.

    Returns
    -------
    float
        $\delta^*$ (0 when zero ridge is optimal).
    """
    a, _ = _exponents(alpha, beta)
    nn = as_positive_scalar(n, "n")
    s = powerlaw_optimal_s(alpha, beta, noise_rel)
    if s == 0.0:
        return 0.0
    c = (math.pi / a) / math.sin(math.pi / a)
    # in logs ((1 - s)^alpha and n^(1 - alpha) under/overflow at extreme exponents or noise)
    log_d = math.log(s) + a * math.log(c) + (1 - a) * math.log(nn) - a * math.log1p(-s) if s < 1 else math.inf
    return math.exp(log_d) if log_d < 709 else math.inf


@compact_repr
@dataclass(frozen=True)
class PowerLawSpectrum:
    r"""A finite spectrum standing for $\lambda_i = i^{-\alpha}$, $v_i^2 = i^{-\beta}$ (weighted modes).

    Attributes
    ----------
    eigenvalues : numpy.ndarray
        $\lambda$ at each node.
    target_power : numpy.ndarray
        $v^2$ at each node (per mode).
    multiplicities : numpy.ndarray
        Weights: 1 for the exact modes, quadrature weights for the tail nodes.
    n_exact : int
        Modes summed exactly.
    tail_end : float
        Where the compressed tail stops (its remainder is below double precision of the sums).
    """

    eigenvalues: np.ndarray
    target_power: np.ndarray
    multiplicities: np.ndarray
    n_exact: int
    tail_end: float

    def __iter__(self):
        """``lam, v2, m = powerlaw_spectrum(...)`` unpacks the three arrays."""
        return iter((self.eigenvalues, self.target_power, self.multiplicities))


_GL_ORDER = 10
_BIN_MAX = 16.0            # wider bins would need more than 10 Gauss-Legendre nodes


def powerlaw_spectrum(alpha, beta, n_modes=10**4, *, tail=True, bin_ratio=2.0) -> PowerLawSpectrum:
    r"""The power-law spectrum $\lambda_i = i^{-\alpha}$, $v_i^2 = i^{-\beta}$, optionally with its infinite tail.

    With ``tail=True`` the first ``n_modes`` modes are exact and the rest,
    $\sum_{i>I_0}g(i) \approx \int_{I_0+1/2}^{X}g(x)dx$, is a 10-point Gauss–Legendre rule in $\log x$ on
    geometric bins of ratio ``bin_ratio`` up to $X = \min(10^{250}, 10^{280/\max(\alpha,\beta)})$; so
    exponents near 1 (where a truncation at $10^{16}$ modes is still off by percents) are right.
    With ``tail=False``, just the first ``n_modes`` modes.

    Parameters
    ----------
    alpha : float
        Eigenvalue exponent, $> 0$ (the tail needs $\alpha > 1$).
    beta : float
        Target exponent, $> 0$ (the tail needs $\beta > 1$).
    n_modes : int, default 10**4
        Exact modes $I_0$.
    tail : bool, default True
        Append the compressed tail.
    bin_ratio : float, default 2.0
        Ratio of the geometric bins (each carries 10 nodes), $> 1$.

    Returns
    -------
    PowerLawSpectrum
        Eigenvalues, target powers and multiplicities to pass to :func:`risk` (it also unpacks as
        ``eigenvalues, target_power, multiplicities``).
    """
    a = as_positive_scalar(alpha, "alpha")
    b = as_positive_scalar(beta, "beta")
    I0 = as_count(n_modes, "n_modes", maximum=10**8)
    r = as_positive_scalar(bin_ratio, "bin_ratio")
    tail = as_bool(tail, "tail")
    if not 1 < r <= _BIN_MAX:
        raise ValueError(f"bin_ratio must be in (1, {_BIN_MAX:g}]; got {format_value(bin_ratio)}")
    if tail and not (a > 1 and b > 1):
        raise ValueError(f"tail=True needs alpha > 1 and beta > 1 (summable tails); got alpha={a}, beta={b}")
    i = np.arange(1, I0 + 1, dtype=float)
    lam, v2, m = i**-a, i**-b, np.ones(I0)
    X = I0 + 0.5
    if tail:
        X_end = min(1e250, 10.0 ** (280.0 / max(a, b)))   # lambda, v^2 >= 1e-280
        lo = math.log(I0 + 0.5)
        nb = max(1, int(math.ceil((math.log(X_end) - lo) / math.log(r))))
        edges = lo + math.log(r) * np.arange(nb + 1)
        t, wt = np.polynomial.legendre.leggauss(_GL_ORDER)
        half = 0.5 * math.log(r)
        u = (0.5 * (edges[:-1] + edges[1:]))[:, None] + half * t[None, :]
        x = np.exp(u).ravel()
        w = (half * wt[None, :] * np.exp(u)).ravel()          # dx = x du
        lam = np.concatenate([lam, x**-a])
        v2 = np.concatenate([v2, x**-b])
        m = np.concatenate([m, w])
        X = float(math.exp(edges[-1]))
    return PowerLawSpectrum(eigenvalues=lam, target_power=v2, multiplicities=m, n_exact=I0, tail_end=X)
