"""Two-layer net at the origin saddle: the correlation law, its two exponents and the phase map.

Ziyin, Li, Galanti, Ueda (2023), "The Probabilistic Stability of Stochastic Gradient Descent",
arXiv 2303.13093; spec SGD-S §4 (the model class is [D], ours; (a)'s own toy model is [P?]).
For f(x) = Σ_i u_i σ(w_i x) with σ(0) = 0, s₁ = σ'(0), loss (κ/2)(f − y)², linearised SGD at
θ = 0 is, in the rotated coordinates a_i = u_i + w_i, b_i = u_i − w_i (spec §4.1),

    a ← (1 + λc_t) a,   b ← (1 − λc_t) b,   c_t = κ s₁ (1/S) Σ_{j∈B_t} x_j y_j,

so the two directions have the Lyapunov exponents Λ₊ = E log|1 + λc| ("correct" direction for
E c > 0) and Λ₋ = E log|1 − λc|, and the signs of (Λ₊, Λ₋) give the phases of spec §4.2.
Laws of c follow ``theory.sgd_stability._laws`` (finite array, frozen SciPy law, or an object
with ``expected_log_abs(a, b)`` and ``moment(k)``); this module adds the data models of
spec §4.4: A (Rademacher input, Gaussian c), B (Gaussian input, conditionally Gaussian c) and
C (finite data set, exact batch enumeration).
"""

from __future__ import annotations

import itertools
import math
import numbers
from dataclasses import dataclass, field

import numpy as np
from scipy import integrate, optimize, special, stats

from .._validate import as_finite_array, as_positive_scalar
from ._laws import _as_law, _log_abs_affine, gaussian_expected_log_abs

__all__ = [
    "GaussianInputLaw",
    "PHASE_LABELS",
    "PhaseBoundaries",
    "PhaseExponents",
    "WeightedFiniteLaw",
    "classify_phase",
    "critical_collapse_noise",
    "model_a_law",
    "model_b_law",
    "model_c_law",
    "phase_boundaries",
    "phase_exponents",
]

PHASE_LABELS = ("Ia", "Ib", "II", "III", "IV")   # every label classify_phase can return
_CRITERIA = ("l2", "gd")
_SAMPLINGS = ("with_replacement", "without_replacement_within_batch")


def _nonnegative(x, name: str) -> float:
    val = float(as_finite_array(x, name, ndim=0))
    if val < 0:
        raise ValueError(f"{name} must be >= 0; got {val}")
    return val


def _batch_size(S) -> int:
    if isinstance(S, (bool, np.bool_)) or not isinstance(S, numbers.Integral) or S < 1:
        raise ValueError(f"batch_size must be a positive integer; got {S!r}")
    return int(S)


# ================================================================================================
# laws of the per-step correlation c (spec §4.4)
# ================================================================================================

def model_a_law(noise, batch_size=1, kappa=1.0, s1=1.0):
    r"""Model A (Rademacher input): c ~ N(κs₁, (κs₁σ)²/S) exactly.

    Spec SGD-S §4.4 (A) [D]: x = ±1, y = x + σε, ε ~ N(0, 1) give xy = 1 + σ(xε) ~ N(1, σ²), so
    the batch mean c = κs₁ (1/S) Σ x_jy_j (i.i.d. batches) is exactly Gaussian with mean κs₁ and
    standard deviation κs₁σ/√S. Exponents are then in closed form (spec §4.3).

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


@dataclass(frozen=True)
class GaussianInputLaw:
    r"""Model B (Gaussian input): c | Q ~ N(κs₁Q/S, (κs₁σ)²Q/S²), Q ~ χ²_S.

    Spec SGD-S §4.4 (B) [D]: x ~ N(0, 1), y = x + σε. Given the batch inputs,
    c = (κs₁/S)(Σx_j² + σΣx_jε_j) with Σx_jε_j ~ N(0, Q), Q = Σ x_j². Hence

        E log|a + bc| = E_Q G(a + bmQ, |b|s√Q),   m = κs₁/S, s = κs₁σ/S,

    G(α, β) = E log|α + βZ| the Gaussian closed form (spec §4.3), and the 1-D integral over
    Q/2 ~ Gamma(S/2) is computed by double-exponential quadrature (Takahasi–Mori, step 1/32):
    tanh-sinh on the pieces between 0, the bulk S/2 ± 10√(S/2) and the log singularity
    Q* = −a/(bm) (where α = 0) when it is positive, exp-sinh beyond; the distance to Q* is
    carried exactly so that α is never formed by cancellation. The
    endpoint clustering resolves the χ²₁ density's Q^{−1/2}, the log singularity at Q* (σ = 0)
    and its smoothed dip of width ~σ√Q* (σ > 0), and a singularity just left of Q = 0 (large
    learning rates), which defeat plain Gauss–Laguerre; ``method="quad"`` uses adaptive
    ``scipy.integrate.quad`` split at Q* instead (slow; the cross-check). Agreement ~1e-12.

    Moments: E c = κs₁, E c² = (κs₁)²(1 + (2 + σ²)/S); all raw moments in closed form from
    E[(mQ + s√Q Z)^k | Q] and E Q^r = 2^r Γ(S/2 + r)/Γ(S/2). As S grows c becomes Gaussian
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
        """E c^k (k ≥ 1 integer), exact."""
        if isinstance(k, (bool, np.bool_)) or not isinstance(k, numbers.Integral) or k < 1:
            raise ValueError(f"k must be a positive integer; got {k!r}")
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
        if method not in ("de", "quad"):
            raise ValueError(f"method must be 'de' or 'quad'; got {method!r}")
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


def model_b_law(noise, batch_size=1, kappa=1.0, s1=1.0) -> GaussianInputLaw:
    r"""Model B (Gaussian input): the law of c as a :class:`GaussianInputLaw` (spec SGD-S §4.4 (B)).

    x ~ N(0, 1), y = x + σε; c | Q ~ N(κs₁Q/S, (κs₁σ)²Q/S²), Q ~ χ²_S. Parameters as in
    :func:`model_a_law`.
    """
    return GaussianInputLaw(noise, batch_size, kappa, s1)


@dataclass(frozen=True, eq=False)
class WeightedFiniteLaw:
    r"""A finite law with unequal probabilities: P(c = v_i) = p_i (exact).

    Implements the law-object protocol of ``theory.sgd_stability._laws``:
    E log|a + bc| = Σ_i p_i log|a + bv_i| (−inf if a + bv_i = 0 for an atom), and
    ``moment(k)`` = Σ_i p_i v_i^k. Produced by :func:`model_c_law` for batches drawn with
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
            raise ValueError(f"probabilities must be > 0 and sum to 1; got sum {p.sum()!r}")
        object.__setattr__(self, "values", v)
        object.__setattr__(self, "probabilities", p)

    def expected_log_abs(self, a, b):
        """Σ_i p_i log|a + b·v_i|, broadcast over ``a`` and ``b``."""
        a, b = np.broadcast_arrays(as_finite_array(a, "a"), as_finite_array(b, "b"))
        terms = _log_abs_affine(a[..., None], b[..., None], self.values)
        out = np.sum(np.where(np.isneginf(terms), -np.inf, terms * self.probabilities), axis=-1)
        return float(out) if out.ndim == 0 else out

    def moment(self, k) -> float:
        """Σ_i p_i v_i^k."""
        return float(np.sum(self.probabilities * self.values ** int(k)))

    def mean(self) -> float:
        return self.moment(1)

    def second_moment(self) -> float:
        return self.moment(2)


def model_c_law(c=None, *, x=None, y=None, batch_size=1, sampling="with_replacement", kappa=None, s1=None,
                max_batches=1_000_000):
    r"""Model C (finite data set): the exact law of the batch mean c = (1/S) Σ_{j∈B} c_j.

    Spec SGD-S §4.4 (C) and §1 (batch conventions): per-sample correlations c_i = κs₁x_iy_i of a
    data set of N points; a step draws a batch B of size S, i.i.d. across steps, either

    * ``"with_replacement"``: S i.i.d. uniform indices — the N^S ordered tuples are equally
      likely, enumerated through the C(N + S − 1, S) multisets with multinomial probabilities
      S!/(∏_i k_i!)/N^S (returned as a :class:`WeightedFiniteLaw`; S = 1 gives the array c);
    * ``"without_replacement_within_batch"``: a uniform S-subset — the C(N, S) batch means are
      equally likely (returned as an array; S = N is full-batch GD).

    Λ± are then exact finite sums, −inf at λ = ∓1/c̄_B for each batch mean c̄_B.

    Parameters
    ----------
    c : array of shape (N,), optional
        Per-sample correlations κs₁x_iy_i (κ and s₁ already included). Give either ``c`` or
        both ``x`` and ``y``.
    x, y : array of shape (N,), optional
        Scalar inputs and targets; then c_i = κs₁x_iy_i.
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
        If the number of batches exceeds ``max_batches`` (message names batch_size and suggests
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
    if sampling not in _SAMPLINGS:
        raise ValueError(f"sampling must be one of {_SAMPLINGS}; got {sampling!r}")
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


# ================================================================================================
# exponents and phases (spec §4.2)
# ================================================================================================

@dataclass(frozen=True)
class PhaseExponents:
    r"""Exponents and phase label at each learning rate (see :func:`phase_exponents`).

    All array fields have the shape of ``lr`` (floats / str for a scalar ``lr``).

    Attributes
    ----------
    lr : float or ndarray
    lambda_plus : float or ndarray
        Λ₊ = E log|1 + λc| (correct direction a = u + w).
    lambda_minus : float or ndarray
        Λ₋ = E log|1 − λc| (incorrect direction b = u − w).
    l2_plus, l2_minus : float or ndarray
        log E(1 ± λc)² (mean-square exponents; l2_plus > 0 always: L₂ never predicts collapse).
    gd_plus, gd_minus : float or ndarray
        log|1 ± λE c| (mean / GD exponents).
    label : str or ndarray of str
        "Ia", "Ib", "II", "III" or "IV".
    mean, second_moment : float
        E c and E c² (after the κs₁ scaling).
    l2_line, gd_line : float
        2E c/E c² (MS edge of the wrong direction) and 2/E c (GD edge).
    criterion : str
        The Ia/Ib criterion used ("l2" or "gd").
    """

    lr: float | np.ndarray
    lambda_plus: float | np.ndarray
    lambda_minus: float | np.ndarray
    l2_plus: float | np.ndarray
    l2_minus: float | np.ndarray
    gd_plus: float | np.ndarray
    gd_minus: float | np.ndarray
    label: str | np.ndarray
    mean: float
    second_moment: float
    l2_line: float
    gd_line: float
    criterion: str


def _scale(kappa_s1) -> float:
    return 1.0 if kappa_s1 is None else as_positive_scalar(kappa_s1, "kappa_s1")


def _law_moments(law) -> tuple[float, float]:
    m1, m2 = law.moment(1), law.moment(2)
    if not (np.isfinite(m1) and np.isfinite(m2)):
        raise ValueError(f"c must have finite E c and E c²; got {m1}, {m2}")
    if m1 <= 0:
        raise ValueError(f"c must have positive mean E c > 0 (spec §4.2 phases; for E c < 0 the mirror "
                         f"c → −c swaps the directions a and b: pass the law of −c); got E c = {m1:.6g}")
    return float(m1), float(m2)


def phase_exponents(lr, c, kappa_s1=None, criterion="l2") -> PhaseExponents:
    r"""Λ± = E log|1 ± λc|, the L₂ and GD exponents, and the phase label of spec §4.2.

    Ziyin et al. 2023 (arXiv 2303.13093), Theorem 1 applied to the commuting directions
    a = u + w, b = u − w of the two-layer net at the origin (spec SGD-S §4.1–4.2), E c > 0:

    ========  =====================  ======================================================
    phase     condition              meaning
    ========  =====================  ======================================================
    I         Λ₊ ≥ 0, Λ₋ < 0         correct learning; Ib if also E(1 − λc)² < 1, else Ia
    II        Λ₊ < 0, Λ₋ ≥ 0         incorrect learning
    III       Λ₊ < 0, Λ₋ < 0         collapse to the (low-rank) saddle
    IV        Λ₊ ≥ 0, Λ₋ ≥ 0         loss of stability
    ========  =====================  ======================================================

    Boundary convention: a direction is stable iff its exponent is strictly negative (Theorem 1
    is an iff with Λ < 0; Λ = 0 is marginal, not convergent), so Λ = 0 falls on the unstable side;
    likewise E(1 − λc)² = 1 exactly is Ia. ``criterion="gd"`` splits I by the GD condition
    |1 − λE c| < 1 instead (the Ia/Ib split is our reading of (a) [P?]).

    Parameters
    ----------
    lr : float or array_like
        Learning rates λ > 0.
    c : array of shape (N,), frozen scipy.stats continuous law, or law object
        Law of the per-sample-batch correlation (``theory.sgd_stability._laws``; law objects
        need ``moment(k)`` for E c, E c²). Must have E c > 0.
    kappa_s1 : float, optional
        If given, ``c`` is the law of the raw batch mean of x·y and the correlation is κs₁·c
        (equivalently λ is replaced by κs₁λ); default: ``c`` is already the correlation.
    criterion : {"l2", "gd"}, default "l2"

    Returns
    -------
    PhaseExponents

    Raises
    ------
    ValueError
        If E c ≤ 0 or the law is invalid (naming c), lr ≤ 0 (naming lr), or a bad criterion.
    """
    if criterion not in _CRITERIA:
        raise ValueError(f"criterion must be one of {_CRITERIA}; got {criterion!r}")
    lr_arr = as_finite_array(lr, "lr")
    if np.any(lr_arr <= 0):
        raise ValueError(f"lr must be > 0; got min {lr_arr.min()!r}")
    law = _as_law(c, "c")
    scale = _scale(kappa_s1)
    m1, m2 = _law_moments(law)
    m1, m2 = scale * m1, scale**2 * m2
    lam = scale * lr_arr
    plus = np.asarray(law.elog(1.0, lam), dtype=float)
    minus = np.asarray(law.elog(1.0, -lam), dtype=float)
    with np.errstate(divide="ignore"):
        l2_plus = np.log1p(lam * (2.0 * m1 + lam * m2))
        l2_minus = np.log1p(lam * (lam * m2 - 2.0 * m1))
        gd_plus = np.log1p(lam * m1)
        gd_minus = np.log(np.abs(1.0 - lam * m1))
    if criterion == "l2":
        norm_stable = lam * m2 < 2.0 * m1            # E(1 − λc)² < 1 without rounding 1 + ε
    else:
        norm_stable = lam * m1 < 2.0                 # |1 − λE c| < 1 for λ > 0
    p_stable, m_stable = plus < 0, minus < 0
    label = np.where(m_stable,
                     np.where(p_stable, "III", np.where(norm_stable, "Ib", "Ia")),
                     np.where(p_stable, "II", "IV"))

    def out(x):
        return x.item() if x.ndim == 0 else x

    return PhaseExponents(lr=out(lr_arr.copy()), lambda_plus=out(plus), lambda_minus=out(minus),
                          l2_plus=out(l2_plus), l2_minus=out(l2_minus), gd_plus=out(gd_plus),
                          gd_minus=out(gd_minus), label=out(label), mean=m1, second_moment=m2,
                          l2_line=2.0 * m1 / m2, gd_line=2.0 / m1, criterion=criterion)


def classify_phase(lr, c, kappa_s1=None, criterion="l2"):
    r"""Phase label ("Ia", "Ib", "II", "III", "IV") of the origin saddle at each learning rate.

    Ziyin et al. 2023 (arXiv 2303.13093); spec SGD-S §4.2: the signs of Λ± = E log|1 ± λc|
    (see :func:`phase_exponents` for the table, the boundary convention Λ = 0 → unstable side,
    and the parameters). Requires E c > 0.

    Returns
    -------
    str or ndarray of str
        A str for scalar ``lr``, else an array of the shape of ``lr``.

    Examples
    --------
    >>> classify_phase([0.1, 0.63, 0.8, 2.0, 5.0], [2.0, 1.5, 0.8, -0.5, -1.2]).tolist()
    ['Ib', 'Ia', 'III', 'II', 'IV']
    """
    return phase_exponents(lr, c, kappa_s1, criterion).label


# ================================================================================================
# boundary curves and critical noise (models A and B)
# ================================================================================================

@dataclass(frozen=True)
class PhaseBoundaries:
    """λ zero sets of Λ± and the L₂ / GD lines over a noise grid (see :func:`phase_boundaries`).

    Attributes
    ----------
    noise : ndarray of shape (n,)
    lambda_plus_zeros, lambda_minus_zeros : tuple of n ndarrays
        Ascending λ ∈ [lr_min, lr_max] with Λ₊ = 0 (resp. Λ₋ = 0), one array per noise value.
    l2_line : ndarray of shape (n,)
        λ = 2E c/E c² (the MS edge; second-order approximation of the lower Λ₊ = 0 branch).
    gd_line : ndarray of shape (n,)
        λ = 2/E c.
    batch_size : int
    model : str
    kappa, s1, lr_min, lr_max : float
    """

    noise: np.ndarray
    lambda_plus_zeros: tuple
    lambda_minus_zeros: tuple
    l2_line: np.ndarray
    gd_line: np.ndarray
    batch_size: int
    model: str
    kappa: float
    s1: float
    lr_min: float
    lr_max: float


def _model_law(model, noise, S, kappa, s1):
    if model == "A":
        return model_a_law(noise, S, kappa, s1)
    if model == "B":
        return model_b_law(noise, S, kappa, s1)
    raise ValueError(f"model must be 'A' or 'B'; got {model!r}")


def _zeros(f, grid, vals):
    """All sign changes of f on the grid, refined by brentq; exact zeros at grid points kept."""
    roots = list(grid[vals == 0])
    s = np.sign(vals)
    for i in np.flatnonzero(s[:-1] * s[1:] < 0):
        roots.append(optimize.brentq(f, grid[i], grid[i + 1], xtol=1e-300, rtol=1e-13, maxiter=200))
    return np.array(sorted(roots))


def phase_boundaries(noise_values, batch_size=1, lr_max=10.0, model="A", *, kappa=1.0, s1=1.0, lr_min=None,
                     n_grid=400) -> PhaseBoundaries:
    r"""Boundary curves of the phase diagram in (λ, σ): zeros of Λ±, the L₂ and GD lines.

    Spec SGD-S §4.2 (boundaries) and §8.1 item 4: for each noise σ the law of c (model A:
    :func:`model_a_law`; model B: :func:`model_b_law`) is scanned on a log grid of ``n_grid``
    learning rates in [lr_min, lr_max]; each sign change of Λ₊ = E log|1 + λc| or
    Λ₋ = E log|1 − λc| is refined by brentq (relative 1e-13). Zero pairs closer than the grid
    spacing can be missed. Lines: λ_L₂ = 2E c/E c² and λ_GD = 2/E c. Feeds
    ``sims.phase_diagram``.

    Parameters
    ----------
    noise_values : array of shape (n,)
        Label-noise levels σ ≥ 0.
    batch_size : int, default 1
    lr_max : float, default 10.0
    model : {"A", "B"}, default "A"
    kappa, s1 : float, default 1.0
    lr_min : float, optional
        Default 1e-4·lr_max.
    n_grid : int, default 400

    Returns
    -------
    PhaseBoundaries
    """
    noise = as_finite_array(noise_values, "noise_values", ndim=1)
    if np.any(noise < 0):
        raise ValueError("noise_values must be >= 0")
    S = _batch_size(batch_size)
    lr_max = as_positive_scalar(lr_max, "lr_max")
    lr_min = 1e-4 * lr_max if lr_min is None else as_positive_scalar(lr_min, "lr_min")
    if lr_min >= lr_max:
        raise ValueError(f"lr_min must be < lr_max; got {lr_min} >= {lr_max}")
    if isinstance(n_grid, (bool, np.bool_)) or not isinstance(n_grid, numbers.Integral) or n_grid < 2:
        raise ValueError(f"n_grid must be an integer >= 2; got {n_grid!r}")
    if model not in ("A", "B"):
        raise ValueError(f"model must be 'A' or 'B'; got {model!r}")
    grid = np.geomspace(lr_min, lr_max, int(n_grid))
    plus_z, minus_z, l2, gd = [], [], [], []
    for sigma in noise:
        law = _as_law(_model_law(model, sigma, S, kappa, s1), "c")
        for sign, acc in [(1.0, plus_z), (-1.0, minus_z)]:
            def f(t, sign=sign, law=law):
                return float(law.elog(1.0, sign * t))
            acc.append(_zeros(f, grid, np.asarray(law.elog(1.0, sign * grid), dtype=float)))
        m1, m2 = _law_moments(law)
        l2.append(2.0 * m1 / m2)
        gd.append(2.0 / m1)
    return PhaseBoundaries(noise=noise.copy(), lambda_plus_zeros=tuple(plus_z), lambda_minus_zeros=tuple(minus_z),
                           l2_line=np.array(l2), gd_line=np.array(gd), batch_size=S, model=model,
                           kappa=float(kappa), s1=float(s1), lr_min=lr_min, lr_max=lr_max)


def _collapse_margin(law, scale):
    """Lowest interior local minimum over λ of max(Λ₊, Λ₋): < 0 iff phase III exists.

    Interior only: max(Λ₊, Λ₋) ≈ λ|E c| → 0⁺ as λ → 0, which is not a collapse window.
    """
    wrapped = _as_law(law, "c")

    def worst(log_lam):
        lam = np.exp(log_lam)
        return np.maximum(wrapped.elog(1.0, lam), wrapped.elog(1.0, -lam))

    grid = np.linspace(math.log(1e-4 / scale), math.log(1e2 / scale), 61)
    vals = worst(grid)
    best = math.inf
    for i in np.flatnonzero((vals[1:-1] <= vals[:-2]) & (vals[1:-1] <= vals[2:])) + 1:
        res = optimize.minimize_scalar(lambda t: float(worst(np.array([t]))[0]), bounds=(grid[i - 1], grid[i + 1]),
                                       method="bounded", options={"xatol": 1e-9})
        best = min(best, float(res.fun), float(vals[i]))
    return best if np.isfinite(best) else 1.0       # no interior minimum: no window at all


def critical_collapse_noise(batch_size=1, model="A", kappa=1.0, s1=1.0) -> float:
    r"""Smallest label noise σ_c at which phase III (collapse) exists for some learning rate.

    Spec SGD-S §4.3, §4.6 and §7 case 8 [D]: phase III at (λ, σ) needs Λ₊ < 0 and Λ₋ < 0, so
    σ_c is the root in σ of M(σ), the lowest interior local minimum over λ of max(Λ₊, Λ₋)
    (interior: max(Λ₊, Λ₋) ≈ λE c → 0⁺ as λ → 0 is no window). λκs₁ is scanned on a log grid
    over [1e-4, 1e2] (61 points) and each local minimum refined by
    bounded Brent search; σ is bracketed by doubling from √S and solved by brentq (xtol 1e-9).
    For models A and B, Λ₊ ≥ Λ₋ (spec §4.5), so this is where the dip of Λ₊ touches 0.
    Model A depends on (λκs₁, SNR = √S/σ) only, so σ_c(S) = √S·σ_c(1) exactly; model B tends
    to √(S σ_c,A(1)² − 2) as S grows (CLT, matched variance).

    Parameters
    ----------
    batch_size : int, default 1
    model : {"A", "B"}, default "A"
    kappa, s1 : float, default 1.0

    Returns
    -------
    float
    """
    S = _batch_size(batch_size)
    scale = as_positive_scalar(kappa, "kappa") * as_positive_scalar(s1, "s1")
    if model not in ("A", "B"):
        raise ValueError(f"model must be 'A' or 'B'; got {model!r}")

    def margin(sigma):
        return _collapse_margin(_model_law(model, sigma, S, kappa, s1), scale)

    lo, hi = 0.0, math.sqrt(S)
    while margin(hi) >= 0:
        lo, hi = hi, 2.0 * hi
        if hi > 1e6:                                  # pragma: no cover - the margin → −∞ as σ grows
            raise RuntimeError("no collapse found up to noise 1e6")
    return float(optimize.brentq(margin, lo, hi, xtol=1e-9, rtol=1e-9))
