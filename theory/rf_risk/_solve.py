r"""The scalar fixed point of the random-feature eigenframework (Simon et al. 2023, §4).

With $L_i = \lambda_i/(\lambda_i + \gamma)$ and $z(\gamma) = \sum_i L_i$, the ridge $\delta$ seen by
$n$ samples and $k$ features fixes $\gamma$ through
$\Phi(\gamma) = \gamma\,(n - z)(1 - z/k) = \delta$ on the admissible branch
$\gamma > \gamma_0 = \max(\gamma_n, \gamma_k)$ ($z(\gamma_n) = n$, $z(\gamma_k) = k$, and
$\gamma_x = 0$ when $x \ge M$), where every factor is positive and increasing, so the root is unique.

Numerics (docs/rf_risk.md#solving-it). We write $\gamma = \gamma_0 + h$ and use
$z(\gamma_0) - z(\gamma_0 + h) = h\,D(h)$, $D(h) = \sum_i \lambda_i/((\lambda_i+\gamma_0)(\lambda_i+\gamma_0+h))$, so
$n - z = (n - z_0) + hD$ and $k - z = (k - z_0) + hD$ with $z_0 \in \{n, k, M\}$ exact: no
difference of nearly equal sums is ever formed, whatever the ridge. The root is found by Brent's
method in $\log h$ inside a bracket grown geometrically (no fixed bracket). Sums over modes are
NumPy's pairwise sums (error $O(\varepsilon\log M)$, fine for $10^6$+ modes); $1 - L_i$ is
always $\gamma/(\lambda_i + \gamma)$, never $1 - L_i$.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from scipy.optimize import brentq, minimize_scalar

from ..validate import as_finite_array, as_finite_scalar, format_value

__all__: list[str] = []

#: Relative accuracy of the root in gamma (and gamma_n, gamma_k): Brent stops when the bracket in
#: log h is below this (plus 4 ulp), i.e. gamma is right to ~1e-13 relative.
RTOL = 1e-13
_MAX_EXPAND = 400          # factor-10 expansions of a bracket: covers 10^±400


class Spectrum:
    """Validated eigenvalues, target powers and multiplicities (internal)."""

    __slots__ = ("lam", "v2", "m", "M", "total_power", "scale")

    def __init__(self, eigenvalues, target_power, multiplicities=None):
        lam = as_finite_array(eigenvalues, "eigenvalues", ndim=1)
        if lam.size == 0:
            raise ValueError("eigenvalues must not be empty")
        if np.any(lam <= 0):
            raise ValueError(f"eigenvalues must be > 0 everywhere; got {format_value(lam[lam <= 0][0])}")
        v2 = as_finite_array(target_power, "target_power", ndim=1)
        if v2.shape != lam.shape:
            raise ValueError(f"target_power must have the same length as eigenvalues ({lam.size}); got {v2.size}")
        if np.any(v2 < 0):
            raise ValueError(f"target_power must be >= 0 everywhere; got {format_value(v2[v2 < 0][0])}")
        if multiplicities is None:
            m = np.ones_like(lam)
        else:
            m = as_finite_array(multiplicities, "multiplicities", ndim=1)
            if m.shape != lam.shape:
                raise ValueError(f"multiplicities must have the same length as eigenvalues ({lam.size}); "
                                 f"got {m.size}")
            if np.any(m <= 0):
                raise ValueError(f"multiplicities must be > 0 everywhere; got {format_value(m[m <= 0][0])}")
        # the risk is invariant under (lambda, ridge, gamma, kappa) -> c (lambda, ...): solve with
        # lambda_max = 1 so that no bracket or table over/underflows, and scale gamma, kappa back
        self.scale = float(lam.max())
        lam = lam / self.scale
        if not float(lam.min()) >= 1e-300:
            raise ValueError("eigenvalues must span at most 300 decades (max/min <= 1e300) for float64 sums; "
                             f"got max {format_value(self.scale)}, min {format_value(float(np.min(eigenvalues)))}")
        self.lam = np.ascontiguousarray(lam)
        self.v2 = np.ascontiguousarray(v2)
        self.m = np.ascontiguousarray(m)
        self.M = float(np.sum(m))
        self.total_power = float(np.sum(m * v2))

    def sums(self, gamma: float) -> tuple[float, float, float, float, float]:
        """z, q, w = z - q = sum L(1-L), B1 = sum (1-L)^2 v^2, B2 = sum L(1-L) v^2 at gamma >= 0."""
        lam, m = self.lam, self.m
        den = lam + gamma
        L = lam / den
        omL = gamma / den                      # 1 - L, never by subtraction
        mL = m * L
        z = float(np.sum(mL))
        q = float(np.sum(mL * L))
        w = float(np.sum(mL * omL))
        mv = m * self.v2 * omL
        B1 = float(np.sum(mv * omL))
        B2 = float(np.sum(mv * L))
        return z, q, w, B1, B2

    def z_drop(self, gamma0: float, h: float) -> float:
        """z(gamma0) - z(gamma0 + h) = h * D(h), cancellation-free (h may be negative)."""
        lam = self.lam
        L0 = lam / (lam + gamma0)             # lam/((lam + g0)(lam + g0 + h)) without a product that underflows
        return h * float(np.sum(self.m * L0 / (lam + gamma0 + h)))


def as_sample_count(n) -> float:
    """n: an integer >= 1 (int or NumPy integer; bool and floats are refused)."""
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral):
        raise ValueError(f"n must be an integer >= 1; got {format_value(n)}")
    if n < 1:
        raise ValueError(f"n must be an integer >= 1; got {format_value(n)}")
    return float(n)


def as_feature_count(k) -> float:
    """k: a real number >= 1 or np.inf (kernel ridge regression)."""
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (numbers.Real, np.ndarray)):
        raise ValueError(f"k must be a number >= 1 or np.inf; got {format_value(k)}")
    kk = float(k)
    if math.isnan(kk) or kk < 1:
        raise ValueError(f"k must be a number >= 1 or np.inf; got {format_value(k)}")
    return kk


def as_ridge(ridge, allow_negative: bool) -> float:
    """ridge: finite; >= 0 unless allow_negative_ridge=True."""
    d = as_finite_scalar(ridge, "ridge")
    if d < 0 and not allow_negative:
        raise ValueError(f"ridge must be >= 0 (pass allow_negative_ridge=True for a negative ridge); "
                         f"got {format_value(ridge)}")
    return d


def as_noise(noise) -> float:
    s2 = as_finite_scalar(noise, "noise")
    if s2 < 0:
        raise ValueError(f"noise must be >= 0 (label-noise variance); got {format_value(noise)}")
    return s2


def _log_bisect(f, target_sign_lo, x0):
    """Grow a bracket (lo, hi) in log x around a sign change of an increasing f, starting at x0."""
    big = np.finfo(float).max
    lo = hi = min(max(x0, 1e-300), big)
    for _ in range(_MAX_EXPAND):
        if f(lo) < 0:
            break
        if lo <= 1e-300:
            raise ValueError("ridge is too small relative to the eigenvalues: the solution underflows float64")
        lo = max(lo / 10.0, 1e-300)
    for _ in range(_MAX_EXPAND):
        if f(hi) > 0:
            break
        if hi >= big:
            raise ValueError("ridge is too large relative to the eigenvalues: the solution overflows float64")
        hi = min(hi * 10.0, big)
    return lo, hi


def gamma_at(spec: Spectrum, t: float) -> float:
    """The gamma > 0 with z(gamma) = t, for 0 < t < M; 0 when t >= M."""
    if t >= spec.M:
        return 0.0
    lam, m = spec.lam, spec.m
    if t <= 0.5 * spec.M:                     # solve log z = log t (z decreasing in gamma)
        def g(u):
            return math.log(t) - math.log(float(np.sum(m * lam / (lam + math.exp(u)))))
    else:                                     # solve log(M - z) = log(M - t): accurate as z -> M
        def g(u):
            gm = math.exp(u)
            return math.log(float(np.sum(m * gm / (lam + gm)))) - math.log(spec.M - t)
    # g is increasing in u; z(gamma) <= sum(m lam)/gamma gives the first upper guess
    x0 = float(np.sum(m * lam)) / t
    lo, hi = _log_bisect(lambda x: g(math.log(x)), None, x0)
    u = brentq(g, math.log(lo), math.log(hi), xtol=RTOL * 0.25, rtol=4 * np.finfo(float).eps, maxiter=500)
    return math.exp(u)


class Branch:
    """gamma_0, the exact z_0 in {n, k, M}, and Phi(gamma_0 + h) (internal)."""

    def __init__(self, spec: Spectrum, n: float, k: float):
        self.spec, self.n, self.k = spec, n, k
        gn = gamma_at(spec, n)
        gk = gamma_at(spec, k) if math.isfinite(k) else 0.0
        if gn == 0.0 and gk == 0.0:
            self.gamma0, self.z0 = 0.0, spec.M
        elif gn >= gk:
            self.gamma0, self.z0 = gn, n
        else:
            self.gamma0, self.z0 = gk, k
        self.gamma_other = min(gn, gk)
        self.a_n = n - self.z0                # n - z(gamma_0), exact
        self.a_k = k - self.z0                # k - z(gamma_0), exact (inf for KRR)

    def gaps(self, h: float) -> tuple[float, float]:
        """(n - z, (k - z)/k) at gamma_0 + h, cancellation-free."""
        d = self.spec.z_drop(self.gamma0, h) if h != 0 else 0.0
        nz = self.a_n + d
        kz = 1.0 if math.isinf(self.k) else (self.a_k + d) / self.k
        return nz, kz

    def phi(self, h: float) -> float:
        nz, kz = self.gaps(h)
        return (self.gamma0 + h) * nz * kz

    def solve(self, delta: float) -> float:
        """h > 0 with Phi(gamma_0 + h) = delta > 0 (Brent in log h; bracket grown geometrically)."""
        def g(u):
            p = self.phi(math.exp(u))
            return math.log(p) - math.log(delta) if p > 0 else -math.inf
        n = self.n
        x0 = max(delta / n, 1e-3 * self.gamma0, 1e-300)
        lo, hi = _log_bisect(lambda x: g(math.log(x)), None, x0)
        u = brentq(g, math.log(lo), math.log(hi), xtol=RTOL * 0.25, rtol=4 * np.finfo(float).eps, maxiter=500)
        return math.exp(u)

    def solve_negative(self, delta: float) -> float:
        """h < 0 on the increasing part of Phi below gamma_0 (opt-in negative ridge: the root nearest gamma_0, docs/rf_risk.md#the-fixed-point-equations)."""
        width = self.gamma0 - self.gamma_other
        if width <= 0:
            raise ValueError(f"ridge < 0 has no admissible solution here (n = {format_value(self.n)}, "
                             f"k = {format_value(self.k)}: Phi >= 0 below gamma_0); got {format_value(delta * self.spec.scale)}")
        res = minimize_scalar(lambda t: self.phi(-width * t), bounds=(0.0, 1.0), method="bounded",
                              options={"xatol": 1e-12})
        t_min = float(res.x)
        phi_min = self.phi(-width * t_min)
        if not delta > phi_min:
            raise ValueError(f"ridge must be > {format_value(phi_min * self.spec.scale)} (the minimum of Phi below "
                             f"gamma_0) for n = {format_value(self.n)}, k = {format_value(self.k)}; "
                             f"got {format_value(delta * self.spec.scale)}")
        t = brentq(lambda t: self.phi(-width * t) - delta, 0.0, t_min, xtol=1e-16, rtol=4 * np.finfo(float).eps)
        return -width * t
