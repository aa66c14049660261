"""Laws of the per-step correlation c of the two-layer net at the origin saddle (data models).

Ziyin, Li, Galanti, Ueda (2023), arXiv 2303.13093; docs/sgd_stability.md#data-models. The linearised SGD of
``_phases`` multiplies the rotated coordinates by 1 ± λc_t, c_t = κ s₁ (1/S) Σ_{j∈B_t} x_j y_j;
this module gives the law of c for the data models A (Rademacher input: c Gaussian,
:func:`model_a_law`), B (Gaussian input: c conditionally Gaussian given Q ~ χ²_S,
:func:`model_b_law` / :class:`GaussianInputLaw`, evaluated by double-exponential quadrature) and
C (finite data set, exact batch enumeration: :func:`model_c_law` / :class:`WeightedFiniteLaw`).
Every law is accepted wherever ``theory.sgd_stability._laws`` takes a law of c.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
from scipy import integrate, special, stats

from ..summary import compact_repr
from ..validate import as_choice, as_count, as_finite_array, as_positive_scalar, format_value, guard_numerics
from ._laws import _MAX_MOMENT, _log_abs_affine, gaussian_expected_log_abs

__all__ = [
    "GaussianInputLaw",
    "WeightedFiniteLaw",
    "model_a_law",
    "model_b_law",
    "model_c_law",
]

_SAMPLINGS = ("with_replacement", "without_replacement_within_batch")
_MAX_BATCHES = 10**7     # max_batches: distinct batches are enumerated, about 8·S bytes each


def _nonnegative(x, name: str) -> float:
    val = float(as_finite_array(x, name, ndim=0))
    if val < 0:
        raise ValueError(f"{name} must be >= 0; got {val}")
    return val


def _batch_size(S) -> int:
    return as_count(S, "batch_size")


# ================================================================================================
# laws of the per-step correlation c (docs/sgd_stability.md#data-models)
# ================================================================================================

@guard_numerics
def model_a_law(noise, batch_size=1, kappa=1.0, s1=1.0):
    r"""Model A (Rademacher input): c ~ N(κs₁, (κs₁σ)²/S) exactly.

    docs/sgd_stability.md#data-models (model A): x = ±1, y = x + σε, ε ~ N(0, 1) give xy = 1 + σ(xε) ~ N(1, σ²), so
    the batch mean $c = \kappa s_1 \frac1S \sum_j x_jy_j$ (i.i.d. batches) is exactly Gaussian with mean κs₁ and
    standard deviation κs₁σ/√S. Exponents are then in closed form (docs/sgd_stability.md#gaussian-closed-form).

    Parameters
    ----------
    noise : float
        Label-noise level σ ≥ 0.
    batch_size : int, default 1
        S ≥ 1.
    kappa : float, default 1.0
        Loss scale κ in ℓ = (κ/2)(f − y)² (the literature uses κ ∈ {1, 2}; any κ > 0 is accepted).
    s1 : float, default 1.0
        σ'(0) > 0 (linear, tanh: 1; swish, GELU: ½).

    Returns
    -------
    frozen scipy.stats.norm, or array of shape (1,)
        ``norm(κs₁, κs₁σ/√S)``; for σ = 0 the degenerate law, the one-atom array [κs₁].
    """
    sigma = _nonnegative(noise, "noise")
    S = _batch_size(batch_size)
    scale = as_positive_scalar(kappa, "kappa") * as_positive_scalar(s1, "s1")
    if sigma == 0:
        return np.array([scale])
    return stats.norm(loc=scale, scale=scale * sigma / math.sqrt(S))


# --- double-exponential quadrature nodes (Takahasi–Mori), shared by every law evaluation -------
_DE_H = 1.0 / 32.0
_DE_TAU = np.arange(-144, 145) * _DE_H         # τ ∈ [−4.5, 4.5]: end weights < e^{−40} × integrand
_DE_U = 0.5 * np.pi * np.sinh(_DE_TAU)        # u = (π/2) sinh τ
_DE_LOG_COSH = np.log(0.5 * np.pi * np.cosh(_DE_TAU))


def _tanh_sinh(width):
    """Nodes on [lo, lo + W]: (offset from lo, distance to hi, log dx/dτ); W of shape (n, 1)."""
    e = np.exp(-2.0 * np.abs(_DE_U))
    small = 1.0 / (1.0 + e)                   # the endpoint distances W·{1/(1+e^{−2u}), 1/(1+e^{2u})}
    big = e / (1.0 + e)
    from_lo = width * np.where(_DE_U >= 0, small, big)
    to_hi = width * np.where(_DE_U >= 0, big, small)
    log_jac = np.log(width) + _DE_LOG_COSH + np.log(2.0) - 2.0 * np.abs(_DE_U) - 2.0 * np.log1p(e)
    return from_lo, to_hi, log_jac


def _exp_sinh(scale):
    """Nodes on [lo, ∞): (offset from lo, log dx/dτ) with x − lo = L e^u; L of shape (n, 1)."""
    return scale * np.exp(_DE_U), np.log(scale) + _DE_U + _DE_LOG_COSH


@compact_repr
@dataclass(frozen=True)
class GaussianInputLaw:
    r"""Model B (Gaussian input): $c \mid Q \sim N(\kappa s_1Q/S, (\kappa s_1\sigma)^2Q/S^2)$, $Q \sim \chi^2_S$.

    docs/sgd_stability.md#data-models (model B): x ~ N(0, 1), y = x + σε. Given the batch inputs,
    $c = (\kappa s_1/S)(\sum_j x_j^2 + \sigma\sum_j x_j\varepsilon_j)$ with $\sum_j x_j\varepsilon_j \sim N(0, Q)$, $Q = \sum_j x_j^2$. Hence

    $$\mathbb{E}\log|a + bc| = \mathbb{E}_Q\, G(a + bmQ, |b|s\sqrt Q), \qquad m = \kappa s_1/S, \quad s = \kappa s_1\sigma/S,$$

    $G(\alpha, \beta) = \mathbb{E}\log|\alpha + \beta Z|$ the Gaussian closed form (docs/sgd_stability.md#gaussian-closed-form), and the 1-D integral over
    Q/2 ~ Gamma(S/2) is computed by double-exponential quadrature (Takahasi–Mori, step 1/32):
    tanh-sinh on the pieces between 0, the bulk S/2 ± 10√(S/2) and the log singularity
    $Q^* = -a/(bm)$ (where α = 0) when it is positive, exp-sinh beyond; the distance to $Q^*$ is
    carried exactly so that α is never formed by cancellation. The
    endpoint clustering resolves the χ²₁ density's $Q^{-1/2}$, the log singularity at $Q^*$ (σ = 0)
    and its smoothed dip of width $\sim\sigma\sqrt{Q^*}$ (σ > 0), and a singularity just left of Q = 0 (large
    learning rates), which defeat plain Gauss–Laguerre; ``method="quad"`` uses adaptive
    ``scipy.integrate.quad`` split at $Q^*$ instead (slow; the cross-check). Agreement ~1e-12.

    Moments: E c = κs₁, E c² = (κs₁)²(1 + (2 + σ²)/S); all raw moments in closed form from
    $\mathbb{E}[(mQ + s\sqrt Q Z)^k \mid Q]$ and $\mathbb{E}\,Q^r = 2^r \Gamma(S/2 + r)/\Gamma(S/2)$. As S grows c becomes Gaussian
    (CLT): compare with model A at noise √(σ² + 2) (same mean and variance).

    Parameters
    ----------
    noise : float
        σ ≥ 0.
    batch_size : int, default 1
    kappa : float, default 1.0
    s1 : float, default 1.0
    """

    noise: float
    batch_size: int = 1
    kappa: float = 1.0
    s1: float = 1.0
    _m: float = field(init=False, repr=False, compare=False)
    _s: float = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        sigma = _nonnegative(self.noise, "noise")
        S = _batch_size(self.batch_size)
        kappa = as_positive_scalar(self.kappa, "kappa")
        s1 = as_positive_scalar(self.s1, "s1")
        for name, val in [("noise", sigma), ("batch_size", S), ("kappa", kappa), ("s1", s1)]:
            object.__setattr__(self, name, val)
        object.__setattr__(self, "_m", kappa * s1 / S)
        object.__setattr__(self, "_s", kappa * s1 * sigma / S)

    # -- moments ------------------------------------------------------------------------------
    def moment(self, k) -> float:
        r"""$\mathbb{E}\, c^k$ (k ≥ 1 integer), exact."""
        k = as_count(k, "k", maximum=_MAX_MOMENT)
        half = self.batch_size / 2.0
        total = 0.0
        for j in range(0, int(k) + 1, 2):          # E Z^j = (j − 1)!!, odd moments vanish
            r = k - j // 2                        # power of Q in (mQ)^{k−j}(s√Q)^j
            eq = math.exp(r * math.log(2.0) + special.gammaln(half + r) - special.gammaln(half))
            total += math.comb(k, j) * self._m ** (k - j) * self._s ** j * math.prod(range(1, j, 2)) * eq
        return float(total)

    def mean(self) -> float:
        """E c = κs₁."""
        return self.moment(1)

    def second_moment(self) -> float:
        """E c² = (κs₁)²(1 + (2 + σ²)/S)."""
        return self.moment(2)

    def var(self) -> float:
        """Var c = (κs₁)²(2 + σ²)/S."""
        return self.second_moment() - self.mean() ** 2

    # -- E log|a + b c| -----------------------------------------------------------------------
    def expected_log_abs(self, a, b, method: str = "de"):
        """E log|a + b·c|, broadcast over ``a`` and ``b`` (class docstring)."""
        as_choice(method, "method", ("de", "quad"))
        a, b = np.broadcast_arrays(as_finite_array(a, "a"), as_finite_array(b, "b"))
        shape = a.shape
        a, b = a.ravel(), b.ravel()
        out = np.empty(a.shape)
        zero_b = b == 0
        with np.errstate(divide="ignore"):
            out[zero_b] = np.log(np.abs(a[zero_b]))
        idx = np.flatnonzero(~zero_b)
        if idx.size:
            out[idx] = (self._de if method == "de" else self._quad)(a[idx], b[idx])
        return float(out[0]) if shape == () else out.reshape(shape)

    def _de(self, a, b):
        k = self.batch_size / 2.0                   # t = Q/2 ~ Gamma(k)
        slope = 2.0 * b * self._m                   # α = a + slope·t = slope·(t − t*)
        t_star = -a / slope
        beta_coef = np.abs(b) * self._s * math.sqrt(2.0)   # β = beta_coef·√t
        # breakpoints: 0, the bulk k ± 10√k of Gamma(k), and t* when positive (else a duplicate 0)
        spread = 10.0 * math.sqrt(k)
        ts = np.where(t_star > 0, t_star, 0.0)
        bp = np.sort(np.stack([np.zeros_like(ts), np.full_like(ts, max(0.0, k - spread)),
                               np.full_like(ts, k + spread), ts], axis=1), axis=1)
        out = np.zeros(a.shape)
        log_norm = special.gammaln(k) - math.log(_DE_H)

        def add(rows, t, dist, log_jac):
            """out[rows] += Σ_nodes w·G(α, β), dist = t − t* exact near t*."""
            alpha = slope[rows, None] * dist
            beta = beta_coef[rows, None] * np.sqrt(t)
            w = np.exp(log_jac + (k - 1.0) * np.log(t) - t - log_norm)
            vals = gaussian_expected_log_abs(alpha, beta)
            out[rows] += np.sum(np.where(w > 0, w * vals, 0.0), axis=1)

        for i in range(3):                           # finite pieces [bp_i, bp_{i+1}]: tanh-sinh
            lo, hi = bp[:, i], bp[:, i + 1]
            rows = np.flatnonzero(hi > lo)
            if rows.size == 0:
                continue
            lo_, hi_, tst = lo[rows, None], hi[rows, None], t_star[rows, None]
            from_lo, to_hi, lj = _tanh_sinh(hi_ - lo_)
            t = lo_ + from_lo
            dist = np.where(hi_ == tst, -to_hi, np.where(lo_ == tst, from_lo, t - tst))
            add(rows, t, dist, lj)
        lo = bp[:, 3:]                               # [bp_3, ∞): exp-sinh
        off, lj = _exp_sinh(np.full_like(lo, max(1.0, math.sqrt(k))))
        dist = np.where(lo == t_star[:, None], off, (lo - t_star[:, None]) + off)
        add(np.arange(a.size), lo + off, dist, lj)
        return out

    def _quad(self, a, b):
        S = self.batch_size
        law = stats.chi2(S)
        out = np.empty(a.shape)
        for i, (ai, bi) in enumerate(zip(a, b)):
            def f(q, ai=ai, bi=bi):
                if q <= 0:
                    return 0.0
                g = gaussian_expected_log_abs(ai + bi * self._m * q, abs(bi) * self._s * math.sqrt(q))
                return g * law.pdf(q) if np.isfinite(g) else 0.0
            q_star = -ai / (bi * self._m)
            hi = law.isf(1e-17)
            pts = sorted({0.0, float(law.ppf(0.5)), hi, *([q_star] if 0 < q_star < hi else [])})
            total = 0.0
            for u, v in zip(pts[:-1], pts[1:]):
                total += integrate.quad(f, u, v, epsabs=1e-14, epsrel=1e-12, limit=400)[0]
            total += integrate.quad(f, hi, np.inf, epsabs=1e-14, epsrel=1e-12, limit=200)[0]
            out[i] = total
        return out


@guard_numerics
def model_b_law(noise, batch_size=1, kappa=1.0, s1=1.0) -> GaussianInputLaw:
    r"""Model B (Gaussian input): the law of c as a :class:`GaussianInputLaw` (docs/sgd_stability.md#data-models, model B).

    x ~ N(0, 1), y = x + σε; $c \mid Q \sim N(\kappa s_1Q/S, (\kappa s_1\sigma)^2Q/S^2)$, $Q \sim \chi^2_S$. Parameters as in
    :func:`model_a_law`.
    """
    return GaussianInputLaw(noise, batch_size, kappa, s1)


@compact_repr
@dataclass(frozen=True, eq=False)
class WeightedFiniteLaw:
    r"""A finite law with unequal probabilities: $P(c = v_i) = p_i$ (exact).

    Implements the law-object protocol of ``theory.sgd_stability._laws``:
    $\mathbb{E}\log|a + bc| = \sum_i p_i \log|a + bv_i|$ (−inf if $a + bv_i = 0$ for an atom), and
    ``moment(k)`` $= \sum_i p_i v_i^k$. Produced by :func:`model_c_law` for batches drawn with
    replacement (multinomial weights of the distinct multisets).

    Parameters
    ----------
    values : array of shape (n,)
    probabilities : array of shape (n,)
        > 0, summing to 1 (to 1e-12).
    """

    values: np.ndarray
    probabilities: np.ndarray

    def __post_init__(self):
        v = as_finite_array(self.values, "values", ndim=1)
        p = as_finite_array(self.probabilities, "probabilities", shape=v.shape)
        if v.size == 0:
            raise ValueError("values must be non-empty")
        if np.any(p <= 0) or abs(p.sum() - 1.0) > 1e-12:
            raise ValueError(f"probabilities must be > 0 and sum to 1; got sum {format_value(p.sum())}")
        object.__setattr__(self, "values", v)
        object.__setattr__(self, "probabilities", p)

    def expected_log_abs(self, a, b):
        r"""$\sum_i p_i \log|a + b v_i|$, broadcast over ``a`` and ``b``."""
        a, b = np.broadcast_arrays(as_finite_array(a, "a"), as_finite_array(b, "b"))
        terms = _log_abs_affine(a[..., None], b[..., None], self.values)
        out = np.sum(np.where(np.isneginf(terms), -np.inf, terms * self.probabilities), axis=-1)
        return float(out) if out.ndim == 0 else out

    def moment(self, k) -> float:
        r"""$\sum_i p_i v_i^k$."""
        return float(np.sum(self.probabilities * self.values ** int(k)))

    def mean(self) -> float:
        return self.moment(1)

    def second_moment(self) -> float:
        return self.moment(2)


@guard_numerics
def model_c_law(c=None, *, x=None, y=None, batch_size=1, sampling="with_replacement", kappa=None, s1=None,
                max_batches=1_000_000):
    r"""Model C (finite data set): the exact law of the batch mean $c = \frac1S \sum_{j\in B} c_j$.

    docs/sgd_stability.md#data-models (model C) and docs/sgd_stability.md#conventions (batch sampling): per-sample correlations $c_i = \kappa s_1x_iy_i$ of a
    data set of N points; a step draws a batch B of size S, i.i.d. across steps, either

    * ``"with_replacement"``: S i.i.d. uniform indices — the $N^S$ ordered tuples are equally
      likely, enumerated through the C(N + S − 1, S) multisets with multinomial probabilities
      $S!/(\prod_i k_i!)/N^S$ (returned as a :class:`WeightedFiniteLaw`; S = 1 gives the array c);
    * ``"without_replacement_within_batch"``: a uniform S-subset — the C(N, S) batch means are
      equally likely (returned as an array; S = N is full-batch GD).

    Λ± are then exact finite sums, −inf at $\lambda = \mp1/\bar c_B$ for each batch mean $\bar c_B$.

    Parameters
    ----------
    c : array of shape (N,), optional
        Per-sample correlations $\kappa s_1x_iy_i$ (κ and s₁ already included). Give either ``c`` or
        both ``x`` and ``y``.
    x, y : array of shape (N,), optional
        Scalar inputs and targets; then $c_i = \kappa s_1x_iy_i$.
    batch_size : int, default 1
    sampling : {"with_replacement", "without_replacement_within_batch"}
    kappa, s1 : float, optional
        κ, s₁ > 0 (default 1) — only with ``x``, ``y``.
    max_batches : int, default 1_000_000
        Refuse to enumerate more distinct batches than this.

    Returns
    -------
    ndarray of shape (n,) (equally likely values) or WeightedFiniteLaw

    Raises
    ------
    ValueError
        If the number of batches exceeds ``max_batches`` (message names ``batch_size`` and suggests
        Monte Carlo or a smaller problem), if S > N without replacement, or on invalid input.
    """
    if c is not None:
        if x is not None or y is not None:
            raise ValueError("c: give either c or (x, y), not both")
        if kappa is not None or s1 is not None:
            raise ValueError("kappa/s1 apply only to (x, y): c already includes the factor κs₁")
        vals = as_finite_array(c, "c", ndim=1)
    else:
        if x is None or y is None:
            raise ValueError("c: give either c or both x and y")
        x = as_finite_array(x, "x", ndim=1)
        y = as_finite_array(y, "y", shape=x.shape)
        scale = as_positive_scalar(1.0 if kappa is None else kappa, "kappa") * \
            as_positive_scalar(1.0 if s1 is None else s1, "s1")
        vals = scale * x * y
    N = vals.size
    if N == 0:
        raise ValueError("c must contain at least one data point")
    S = _batch_size(batch_size)
    as_choice(sampling, "sampling", _SAMPLINGS)
    max_batches = as_count(max_batches, "max_batches", maximum=_MAX_BATCHES)
    if S == 1:
        return vals.copy()
    if sampling == "without_replacement_within_batch":
        if S > N:
            raise ValueError(f"batch_size must be <= N = {N} without replacement; got {S}")
        count = math.comb(N, S)
        combos = itertools.combinations(range(N), S)
    else:
        count = math.comb(N + S - 1, S)
        combos = itertools.combinations_with_replacement(range(N), S)
    if count > max_batches:
        raise ValueError(f"batch_size = {S} with N = {N} gives {count} distinct batches (> max_batches = "
                         f"{max_batches}): estimate the exponents by Monte Carlo over batches, or use a "
                         "smaller data set / batch size, or raise max_batches")
    idx = np.fromiter(itertools.chain.from_iterable(combos), dtype=np.int64, count=count * S).reshape(count, S)
    means = vals[idx].mean(axis=1)
    if sampling == "without_replacement_within_batch":
        return means
    # multinomial probability of each multiset: S!/∏ k_i! / N^S, in log space
    counts = np.zeros((count, N))
    np.add.at(counts, (np.repeat(np.arange(count), S), idx.ravel()), 1.0)
    logp = special.gammaln(S + 1.0) - special.gammaln(counts + 1.0).sum(axis=1) - S * math.log(N)
    p = np.exp(logp)
    return WeightedFiniteLaw(means, p / p.sum())
