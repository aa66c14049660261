r"""Test and train risk of random-feature ridge regression (Simon et al. 2023, §4, Theorem 1).

At the fixed point $\gamma$ (``_solve``), with $z = \sum L_i$, $q = \sum L_i^2$, the overfitting
coefficient and the per-mode bias coefficients are
$E_0 = n(k-q)/[(n-z)(k-z) + (z-q)(n-z+k-z)]$ and
$b_i = (1-L_i)^2 + \frac{z-q}{k-q}L_i(1-L_i)$, and
$E_{te} = E_0(\sum_i b_i v_i^2 + \sigma^2)$, $E_{tr} = (1 - z/n)^2E_{te}$
(docs/rf_risk.md#the-risk-formulas). The denominator of $E_0$ is written as a sum of nonnegative
terms on the admissible branch, and $E_0 - 1 = xE_0$ with
$x = [q(k-z) + z(z-q)]/(n(k-q))$, so neither is a difference of nearly equal numbers; $z - q$ is
summed directly as $\sum L_i(1-L_i)$. $k = \infty$ is kernel ridge regression (eigenlearning).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar

from ..summary import compact_repr
from ..validate import as_bool
from ._solve import Branch, Spectrum, as_feature_count, as_noise, as_ridge, as_sample_count

__all__ = ["EigenlearningResult", "OptimalRidge", "RiskResult", "eigenlearning", "optimal_ridge", "risk"]


@compact_repr
@dataclass(frozen=True)
class RiskResult:
    r"""Risk of ridge regression on $k$ random features from $n$ samples (one point).

    Attributes
    ----------
    test_mse : float
        $E_{te}$, including the label noise $\sigma^2$ (``inf`` at the ridgeless threshold).
    excess_risk : float
        $E_{te} - \sigma^2$ = ``bias + variance``.
    train_mse : float
        $E_{tr} = (1 - z/n)^2E_{te}$.
    fitting_ratio : float
        $E_{tr}/E_{te} = s^2$.
    gamma : float
        $\gamma$, the ridge seen by the modes.
    kappa : float
        $\kappa = \gamma(1 - z/k)$, the ridge seen by the data ($= \gamma$ for $k = \infty$).
    overfitting_coefficient : float
        $E_0$.
    bias : float
        $E_0\sum_i b_iv_i^2$.
    variance : float
        $(E_0 - 1)\sigma^2$.
    z : float
        $\sum_i L_i$.
    q : float
        $\sum_i L_i^2$.
    regime : str
        ``"regularised"`` (ridge > 0), ``"negative_ridge"``, or at ridge 0 ``"interpolating"``
        ($n < \min(k, M)$), ``"underparameterised"`` ($k < \min(n, M)$), ``"threshold"``
        ($n = \min(k, M)$), ``"ols"`` ($n > M$, $k \ge M$).
    diverged : bool
        True at the ridgeless threshold, where ``test_mse`` is ``inf``.
    learnabilities : numpy.ndarray or None
        $L_i = \lambda_i/(\lambda_i + \gamma)$ when requested.
    s : float
        $1 - z/n = \delta/(n\kappa)$ (negative for a negative ridge).
    n, k, ridge, noise : float
        The inputs.
    """

    test_mse: float
    excess_risk: float
    train_mse: float
    fitting_ratio: float
    gamma: float
    kappa: float
    overfitting_coefficient: float
    bias: float
    variance: float
    z: float
    q: float
    regime: str
    diverged: bool
    learnabilities: np.ndarray | None
    s: float
    n: float
    k: float
    ridge: float
    noise: float


def _evaluate(br: Branch, h: float, delta: float, noise: float, regime: str, learn: bool) -> RiskResult:
    """All risks at gamma = gamma_0 + h (h = 0 is the ridgeless point)."""
    spec, n, k = br.spec, br.n, br.k
    gamma = br.gamma0 + h                     # in units of lambda_max (the Spectrum's scale)
    z, q, w, B1, B2 = spec.sums(gamma)
    nz, c = br.gaps(h)                         # n - z and (k - z)/k, cancellation-free
    z = br.z0 - (nz - br.a_n)                  # z(gamma_0) - hD, with z(gamma_0) in {n, k, M} exact
    wk = 0.0 if math.isinf(k) else w / k
    kinv = 0.0 if math.isinf(k) else 1.0 / k
    kappa = gamma * c
    diverged = False
    if regime == "ols":                        # gamma = 0, L = 1: E0 = n/(n - M), b = 0
        e0 = n / (n - spec.M)
        em1 = spec.M / (n - spec.M)
        signal = 0.0
    else:
        den = nz * c + w * (nz * kinv + c)    # [(n-z)(k-z) + (z-q)(n-z+k-z)]/k, each term >= 0
        num = n * (c + wk)                    # n(k - q)/k
        signal = B1 + (B2 * wk / (c + wk) if wk > 0 else 0.0)
        if den <= 0.0:
            diverged = True
            e0 = em1 = math.inf
        else:
            e0 = num / den
            em1 = e0 * (q * c + z * wk) / num  # E0 - 1 = x E0
            if e0 <= 0:
                raise ValueError(f"ridge = {delta!r} gives a non-positive overfitting coefficient {e0!r}")
    s = nz / n
    if diverged:
        bias = math.inf if signal > 0 else 0.0
        variance = math.inf if noise > 0 else 0.0
        test = math.inf if (signal > 0 or noise > 0) else 0.0
        excess = math.inf if (signal > 0 or noise > 0) else 0.0
        train, ratio = 0.0, 0.0                # the ridgeless predictor interpolates at n = min(k, M)
    else:
        bias = e0 * signal
        variance = em1 * noise
        excess = bias + variance
        test = excess + noise
        ratio = s * s
        train = ratio * test
    L = spec.lam / (spec.lam + gamma) if learn else None
    return RiskResult(test_mse=test, excess_risk=excess, train_mse=train, fitting_ratio=ratio,
                      gamma=gamma * spec.scale, kappa=kappa * spec.scale, overfitting_coefficient=e0, bias=bias, variance=variance, z=z, q=q,
                      regime=regime, diverged=diverged, learnabilities=L, s=s, n=n, k=k, ridge=delta,
                      noise=noise)


def _ridgeless_regime(n: float, k: float, M: float) -> str:
    if n > M and k >= M:
        return "ols"
    if n == min(k, M):
        return "threshold"
    return "interpolating" if n < min(k, M) else "underparameterised"


def _risk_on(br: Branch, delta: float, noise: float, learn: bool) -> RiskResult:
    unit = delta / br.spec.scale               # the ridge in units of lambda_max
    if delta > 0:
        return _evaluate(br, br.solve(unit), delta, noise, "regularised", learn)
    if delta < 0:
        return _evaluate(br, br.solve_negative(unit), delta, noise, "negative_ridge", learn)
    return _evaluate(br, 0.0, 0.0, noise, _ridgeless_regime(br.n, br.k, br.spec.M), learn)


def risk(eigenvalues, target_power, n, k, ridge, noise=0.0, *, multiplicities=None, learnabilities=False,
         allow_negative_ridge=False) -> RiskResult:
    r"""Test and train risk of ridge regression on $k$ random features (Simon et al. 2023, §4).

    Solves $\gamma(n - z)(1 - z/k) = \delta$ on the admissible branch to relative accuracy
    $10^{-13}$ and evaluates $E_{te} = E_0(\sum_i b_iv_i^2 + \sigma^2)$, $E_{tr} = (1 - z/n)^2E_{te}$.
    Exact at ridge 0 on both sides of $n = k$; ``inf`` (with ``diverged=True``) at $n = \min(k, M)$.

    Parameters
    ----------
    eigenvalues : array_like
        Kernel eigenvalues $\lambda_i > 0$ (1-D, any order).
    target_power : array_like
        $v_i^2 \ge 0$, same length.
    n : int
        Number of samples, $\ge 1$.
    k : int, float or numpy.inf
        Number of random features, $\ge 1$; ``np.inf`` is kernel ridge regression.
    ridge : float
        $\delta \ge 0$, added to the $n\times n$ Gram matrix of the normalised kernel.
    noise : float, default 0.0
        Label-noise variance $\sigma^2 \ge 0$ (included in ``test_mse``).
    multiplicities : array_like, optional
        Positive weights: mode $i$ counts ``multiplicities[i]`` times in every sum.
    learnabilities : bool, default False
        Return the $L_i$.
    allow_negative_ridge : bool, default False
        Accept $\delta < 0$: the root below $\gamma_0$ nearest to it, where $\Phi$ still
        increases; a ridge below that minimum of $\Phi$ raises ``ValueError``.

    Returns
    -------
    RiskResult
        The risks, $\gamma$, $\kappa$, $E_0$, $z$, $q$, the regime and the divergence flag.
    """
    spec = Spectrum(eigenvalues, target_power, multiplicities)
    nn = as_sample_count(n)
    kk = as_feature_count(k)
    allow = as_bool(allow_negative_ridge, "allow_negative_ridge")
    delta = as_ridge(ridge, allow)
    s2 = as_noise(noise)
    learn = as_bool(learnabilities, "learnabilities")
    return _risk_on(Branch(spec, nn, kk), delta, s2, learn)


@compact_repr
@dataclass(frozen=True)
class OptimalRidge:
    r"""The ridge minimising the test risk, $\delta^* = \mathrm{arg\,min}_{\delta\ge0}E_{te}$.

    Attributes
    ----------
    ridge : float
        $\delta^*$ (0 when the ridgeless endpoint is optimal).
    test_mse : float
        $E^* = E_{te}(\delta^*)$.
    result : RiskResult
        The full result at $\delta^*$.
    ridgeless_optimal : bool
        Whether $\delta = 0$ is the minimiser.
    """

    ridge: float
    test_mse: float
    result: RiskResult
    ridgeless_optimal: bool


def _optimal_on(br: Branch, noise: float) -> OptimalRidge:
    spec = br.spec
    lam_min, lam_max = float(spec.lam.min()), float(spec.lam.max())
    # E_te depends on the ridge only through gamma = gamma_0 + h, and delta = Phi(gamma_0 + h) is
    # increasing in h: minimise over u = log h (no root solve inside the optimiser), then map back.
    base = br.gamma0 if br.gamma0 > 0 else lam_min      # lambda_max = 1 (the Spectrum's scale units)
    u_lo = math.log(base) - 12 * math.log(10.0)
    u_hi = math.log(max(lam_max, br.gamma0)) + 6 * math.log(10.0)
    us = np.linspace(u_lo, u_hi, 97)

    def f(u):
        return _evaluate(br, math.exp(u), 1.0, noise, "regularised", False).test_mse

    vals = np.array([f(u) for u in us])
    i = int(np.argmin(vals))
    a, b = us[max(i - 1, 0)], us[min(i + 1, us.size - 1)]
    res = minimize_scalar(f, bounds=(a, b), method="bounded", options={"xatol": 1e-10})
    u_best = float(res.x) if res.fun <= vals[i] else float(us[i])
    h = math.exp(u_best)
    delta = br.phi(h) * spec.scale
    best = _evaluate(br, h, delta, noise, "regularised", False)
    zero = _evaluate(br, 0.0, 0.0, noise, _ridgeless_regime(br.n, br.k, spec.M), False)
    if zero.test_mse <= best.test_mse:
        return OptimalRidge(ridge=0.0, test_mse=zero.test_mse, result=zero, ridgeless_optimal=True)
    return OptimalRidge(ridge=delta, test_mse=best.test_mse, result=best, ridgeless_optimal=False)


def optimal_ridge(eigenvalues, target_power, n, k, noise=0.0, *, multiplicities=None) -> OptimalRidge:
    r"""The ridge $\delta^* \ge 0$ minimising the test risk, and $E^* = E_{te}(\delta^*)$ (Theorem 1).

    The risk depends on $\delta$ only through $\gamma$; a 97-point scan of $\log(\gamma - \gamma_0)$
    over $[10^{-12}\gamma_0, 10^6\lambda_{\max}]$ is refined by bounded Brent and compared with the
    ridgeless endpoint $\delta = 0$.

    Parameters
    ----------
    eigenvalues, target_power : array_like
        As in :func:`risk`.
    n : int
        Number of samples, $\ge 1$.
    k : int, float or numpy.inf
        Number of features, $\ge 1$, or ``np.inf``.
    noise : float, default 0.0
        Label-noise variance $\sigma^2 \ge 0$.
    multiplicities : array_like, optional
        Positive mode weights.

    Returns
    -------
    OptimalRidge
        $\delta^*$, $E^*$ and the result there.
    """
    spec = Spectrum(eigenvalues, target_power, multiplicities)
    return _optimal_on(Branch(spec, as_sample_count(n), as_feature_count(k)), as_noise(noise))


@compact_repr
@dataclass(frozen=True)
class EigenlearningResult:
    r"""Kernel ridge regression in the eigenlearning framework (Simon et al. 2021), $k = \infty$.

    Attributes
    ----------
    kappa : float
        $\kappa$ solving $\sum_i\lambda_i/(\lambda_i+\kappa) + \delta/\kappa = n$.
    learnabilities : numpy.ndarray
        $L_i = \lambda_i/(\lambda_i + \kappa)$.
    target_learnability : float
        $\sum_iL_iv_i^2/\sum_iv_i^2$ (``nan``-free: 0 for a zero target).
    conservation : float
        $\sum_iL_i = n - \delta/\kappa \le n$.
    test_mse, train_mse, overfitting_coefficient : float
        $E_{te}$, $E_{tr}$, $E_0 = n/(n - q)$.
    coefficient_variance : numpy.ndarray
        $\mathrm{Var}(\hat v_i) = L_i^2E_{te}/n$ (the mean is $L_iv_i$).
    result : RiskResult
        The full :func:`risk` result with $k = \infty$.
    """

    kappa: float
    learnabilities: np.ndarray
    target_learnability: float
    conservation: float
    test_mse: float
    train_mse: float
    overfitting_coefficient: float
    coefficient_variance: np.ndarray
    result: RiskResult


def eigenlearning(eigenvalues, target_power, n, ridge, noise=0.0, *, multiplicities=None) -> EigenlearningResult:
    r"""Kernel ridge regression ($k = \infty$) in the eigenlearning framework (Simon et al. 2021).

    Parameters
    ----------
    eigenvalues, target_power : array_like
        As in :func:`risk`.
    n : int
        Number of samples, $\ge 1$.
    ridge : float
        $\delta \ge 0$.
    noise : float, default 0.0
        Label-noise variance.
    multiplicities : array_like, optional
        Positive mode weights.

    Returns
    -------
    EigenlearningResult
        $\kappa$, $L_i$, the target learnability, the conservation law and the risks.
    """
    r = risk(eigenvalues, target_power, n, np.inf, ridge, noise, multiplicities=multiplicities, learnabilities=True)
    spec = Spectrum(eigenvalues, target_power, multiplicities)
    L = r.learnabilities
    tl = float(np.sum(spec.m * L * spec.v2)) / spec.total_power if spec.total_power > 0 else 0.0
    var = L * L * r.test_mse / r.n
    return EigenlearningResult(kappa=r.kappa, learnabilities=L, target_learnability=tl, conservation=r.z,
                               test_mse=r.test_mse, train_mse=r.train_mse,
                               overfitting_coefficient=r.overfitting_coefficient, coefficient_variance=var,
                               result=r)
