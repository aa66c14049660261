"""Lyapunov exponent, stable learning rates, moment exponent and tail index of scalar SGD.

Ziyin et al. 2023 (arXiv 2303.13093), docs/sgd_stability.md#the-lyapunov-criterion, docs/sgd_stability.md#four-notions-of-stability, docs/sgd_stability.md#computing-exponents. In the rank-1 /
commuting case the linearised SGD coordinate obeys w_{t+1} = (1 − λh_t) w_t with h_t i.i.d. from a
curvature law (see :mod:`theory.sgd_stability._laws` for the accepted laws), so
log|w_t/w_0| = Σ_s log|1 − λh_s| is a random walk with drift Λ(λ) = E log|1 − λh|:

* probabilistic stability ⇔ Λ(λ) < 0 (Thm 1);
* mean-square (L₂) stability ⇔ g(2) = log E(1 − λh)² < 0 ⇔ λ < 2E h/E h²;
* mean (GD) stability ⇔ |1 − λE h| < 1 ⇔ λ < 2/E h.

The moment exponent g(p) = log E|1 − λh|^p is convex with g(0) = 0 and g'(0⁺) = Λ, hence
Λ ≤ g(2)/2 (MS ⇒ probabilistic); its positive root α* is the tail index of the affine recursion.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize

from ..validate import as_choice, as_count, as_finite_scalar, as_positive_scalar, format_value, guard_numerics
from ._laws import _as_law, _finite, _FiniteLaw, _Law

__all__ = [
    "lyapunov_exponent",
    "moment_exponent",
    "second_order_saddle_threshold",
    "small_lr_expansion",
    "small_lr_lyapunov",
    "stable_learning_rates",
    "tail_index",
]

_NOTIONS = ("gd", "mean_square", "probabilistic")
_MAX_GRID = 10**5       # n_grid: each point is one law evaluation (a quadrature for SciPy laws)
_MAX_ORDER = 64         # series order: the sympy expansion grows quadratically in it
_RTOL = 1e-14            # brentq relative tolerance for interval ends (≈ 60 ulp)
_DEFAULT_SPAN = 10.0     # default lr_max = _DEFAULT_SPAN · 2/E|h| (ten GD thresholds)


def _as_lr(lr, name="lr"):
    arr = _finite(lr, name)
    if np.any(arr <= 0):
        raise ValueError(f"{name} must be > 0 and finite; got min {format_value(arr.min())}")
    return arr


def _lam(law: _Law, lr):
    """Λ(lr) for an array (or scalar) of positive learning rates."""
    return law.elog(1.0, -np.asarray(lr, dtype=np.float64))


@guard_numerics
def lyapunov_exponent(lr, h, *, method="auto"):
    r"""Lyapunov exponent Λ(λ) = E log|1 − λh| of scalar linearised SGD.

    Ziyin et al. 2023 (arXiv 2303.13093), Thm 1 (docs/sgd_stability.md#the-lyapunov-criterion): $w_t \to 0$ in probability iff
    Λ < 0; $|w_t| \to \infty$ a.s. if Λ > 0. Finite laws give the exact mean $\frac1N \sum_i \log|1 - \lambda h_i|$,
    which is −inf when the floating-point product $\lambda h_i$ equals 1 for an atom (the iterate hits 0
    in finite time); Gaussian laws the closed form of docs/sgd_stability.md#gaussian-closed-form; other laws quadrature.

    Parameters
    ----------
    lr : float or array_like
        Learning rates λ > 0, finite.
    h : array of shape (N,), frozen scipy.stats continuous law, or law object
        Curvature law (:mod:`theory.sgd_stability._laws`).
    method : {"auto", "quad"}, default "auto"
        "quad" forces quadrature for a frozen SciPy law.

    Returns
    -------
    float or ndarray of the shape of ``lr``

    References
    ----------
    L. Ziyin, B. Li, T. Galanti, M. Ueda, "The probabilistic stability of stochastic gradient
    descent", arXiv 2303.13093 (2023).

    Examples
    --------
    >>> round(lyapunov_exponent(0.5, [1.0, 3.0]), 12)          # ½(log ½ + log ½)
    -0.69314718056
    >>> lyapunov_exponent(1.0, [1.0, 3.0])          # atom at 1/λ
    -inf
    """
    law = _as_law(h, "h", method)
    lr = _as_lr(lr)
    out = _lam(law, lr)
    return float(out) if np.ndim(out) == 0 else out


# ================================================================================================
# stable learning rates
# ================================================================================================

def _moment_or_none(law: _Law, k: int):
    try:
        m = law.moment(k)
    except ValueError:
        return None
    return m if np.isfinite(m) else None


def _root(f, a, b, fa, fb):
    """A root of f in [a, b] with f(a) < 0 ≤ f(b) or f(a) ≥ 0 > f(b); endpoints may be ±inf-valued.

    Bisects while an end value is infinite (−inf at an atom), then brentq to relative 1e-14.
    """
    for _ in range(200):
        if np.isfinite(fa) and np.isfinite(fb):
            break
        m = 0.5 * (a + b)
        if m <= a or m >= b:
            return m
        fm = f(m)
        if (fm < 0) == (fa < 0):
            a, fa = m, fm
        else:
            b, fb = m, fm
    if fa == 0.0:
        return a
    if fb == 0.0:
        return b
    return optimize.brentq(f, a, b, xtol=1e-300, rtol=_RTOL, maxiter=500)


def _merge(pieces):
    """Sort and merge touching/overlapping (lo, hi) pieces."""
    out = []
    for lo, hi in sorted(pieces):
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _finite_law_windows(x: np.ndarray):
    """Exact probabilistic stable set {λ > 0 : Λ(λ) < 0} for a finite law, as merged pieces.

    The singular points s_i = 1/h_i (h_i > 0) split (0, ∞) into gaps; on each gap every term
    log|1 − λh_i| is concave, so Λ is concave there: its negative set is a prefix and/or a suffix
    of the gap. The argmax comes from the root of the decreasing Λ'; the ends from brentq. The
    singular points themselves (Λ = −∞) are stable and join the neighbouring pieces.
    """
    law = _FiniteLaw(x, "h")

    def lam(t):
        return float(law.elog(1.0, -t))

    def dlam(t):
        with np.errstate(divide="ignore"):
            return float(np.mean(-x / (1.0 - t * x)))

    if not np.any(x != 0.0):
        return []                                    # Λ ≡ 0: never strictly stable
    sing = np.unique(1.0 / x[x > 0])                 # ascending
    m1 = float(np.mean(x))
    pieces = [(float(s), float(s)) for s in sing]    # the −∞ points themselves

    def inner(u, v, toward_u):
        """Points approaching u (toward_u) or v from the other end of (u, v)."""
        for k in range(1, 1100):
            t = u + (v - u) * 2.0 ** -k if toward_u else v - (v - u) * 2.0 ** -k
            yield t
            if t in (u, v):
                return

    edges = [0.0, *map(float, sing), math.inf]
    for u, v in zip(edges[:-1], edges[1:]):
        first, last = u == 0.0, math.isinf(v)
        if first and last:                           # no positive atom, some negative: Λ > 0
            continue
        if first and m1 >= 0:                        # Λ(0) = 0, Λ'(0) = −m1 ≤ 0, concave: Λ < 0
            pieces.append((0.0, v))
            continue
        if last:                                     # Λ: −∞ → +∞, increasing (concave, unbounded)
            b = 2.0 * u
            while lam(b) <= 0.0:
                b *= 2.0
            a = next(t for t in inner(u, b, True) if lam(t) < 0.0 or t == u)
            r = u if a == u else _root(lam, a, b, lam(a), lam(b))
            pieces.append((u, r))
            continue
        # argmax of the concave Λ on (u, v): Λ' decreases from +∞ (or −m1 > 0 at 0) to −∞
        a = u if first else next(t for t in inner(u, v, True) if dlam(t) > 0.0 or t == u)
        b = next(t for t in inner(u, v, False) if dlam(t) < 0.0 or t == v)
        mstar = _root(dlam, a, b, dlam(a), dlam(b)) if a < b else 0.5 * (u + v)
        top = lam(mstar)
        if top < 0.0:
            pieces.append((u, v))
            continue
        if not first:
            a = next(t for t in inner(u, mstar, True) if lam(t) < 0.0 or t == u)
            r1 = u if a == u else _root(lam, a, mstar, lam(a), top)
            pieces.append((u, r1))
        b = next(t for t in inner(mstar, v, False) if lam(t) < 0.0 or t == v)
        r2 = v if b == v else _root(lam, mstar, b, top, lam(b))
        pieces.append((r2, v))
    return _merge(pieces)


def _scan_windows(law: _Law, lr_max: float, n_grid: int, lr_min: float):
    """Stable pieces of (0, lr_max] from a log grid, sign changes refined by brentq."""
    grid = np.geomspace(lr_min, lr_max, n_grid)
    vals = np.asarray(_lam(law, grid), dtype=float)
    if np.any(np.isnan(vals)):
        raise ValueError("h: the Lyapunov exponent evaluated to NaN on the scan grid")

    def lam(t):
        return float(_lam(law, np.array([t]))[0])

    stable = vals < 0.0
    pieces = []
    k = 0
    while k < n_grid:
        if not stable[k]:
            k += 1
            continue
        j = k
        while j + 1 < n_grid and stable[j + 1]:
            j += 1
        if k == 0:
            lo = 0.0
            m1 = _moment_or_none(law, 1)
            if m1 is not None and m1 < 0:            # unstable as λ → 0⁺: find the lower edge
                a, fa = grid[0], vals[0]
                for _ in range(200):
                    b_, fb_ = a, fa
                    a, fa = a / 2.0, lam(a / 2.0)
                    if fa >= 0.0:
                        lo = _root(lam, a, b_, fa, fb_)
                        break
        else:
            lo = _root(lam, grid[k - 1], grid[k], vals[k - 1], vals[k])
        hi = lr_max if j == n_grid - 1 else _root(lam, grid[j], grid[j + 1], vals[j], vals[j + 1])
        pieces.append((float(lo), float(hi)))
        k = j + 1
    return _merge(pieces)


@guard_numerics
def stable_learning_rates(h, notion, lr_max=None, *, n_grid=400, lr_min_ratio=1e-6, method="auto"):
    r"""Learning rates λ ∈ (0, ``lr_max``] at which scalar SGD is stable, as a list of intervals.

    docs/sgd_stability.md#four-notions-of-stability, docs/sgd_stability.md#the-lyapunov-criterion, docs/sgd_stability.md#computing-exponents (Ziyin et al. 2023, arXiv 2303.13093, Thm 1):

    * ``"gd"`` (mean): |1 − λE h| < 1, i.e. (0, 2/E h) if E h > 0, else empty;
    * ``"mean_square"``: E(1 − λh)² < 1, i.e. (0, 2E h/E h²) if E h > 0, else empty (Mulayoff &
      Michaeli 2023, Thm 3 in 1-D with B = 1);
    * ``"probabilistic"``: Λ(λ) = E log|1 − λh| < 0. Not an interval in general. For a finite law
      the set is computed exactly (no grid): Λ is concave between consecutive singular points
      $1/h_i$, where Λ = −∞, so each $1/h_i$ sits inside a stable window whose ends are found by
      root-finding on both sides. A window narrower than float resolution is returned as the
      degenerate interval $(1/h_i, 1/h_i)$. Other laws: Λ on a log grid of ``n_grid`` points in
      [``lr_min_ratio``·``lr_max``, ``lr_max``], every sign change refined by brentq (relative 1e-14);
      windows narrower than the grid spacing can be missed. Below the grid the first interval
      is extended to 0 when Λ < 0 there and E h ≥ 0 (Λ ≈ −λE h − λ²E h²/2); when E h < 0 its lower
      end is searched below the grid.

    Parameters
    ----------
    h : array of shape (N,), frozen scipy.stats continuous law, or law object
        Curvature law (:mod:`theory.sgd_stability._laws`). "gd" and "mean_square" need E h, E h².
    notion : {"gd", "mean_square", "probabilistic"}
    lr_max : float, optional
        Upper end of the range reported. Default: no limit where the answer is exact ("gd",
        "mean_square", and "probabilistic" for a finite law, whose stable set is bounded); for the
        probabilistic scan of other laws 10 · 2/E|h| (ten GD-threshold scales; for a law without
        finite E|h|, E|h| is replaced by |median| + IQR/2; for a law object by √E h²).
    n_grid : int, default 400
        Grid size of the probabilistic scan (non-finite laws).
    lr_min_ratio : float, default 1e-6
        Lower end of the scan grid as a fraction of ``lr_max``.
    method : {"auto", "quad"}, default "auto"
        Passed to the law (quadrature for a frozen SciPy law).

    Returns
    -------
    list of (float, float)
        Disjoint open intervals (lo, hi), ascending. ``hi == lr_max`` means "stable up to the scan
        limit" (the true interval may extend further); ``lo == 0.0`` means stable for all small λ.

    Examples
    --------
    >>> stable_learning_rates([1.0, 3.0], "mean_square")    # 2·2/5
    [(0.0, 0.8)]
    >>> [(round(a, 6), round(b, 6)) for a, b in stable_learning_rates([1.0, 10.0], "probabilistic")]
    [(0.0, 0.229844), (0.870156, 1.1)]
    """
    law = _as_law(h, "h", method)
    as_choice(notion, "notion", _NOTIONS)
    n_grid = as_count(n_grid, "n_grid", minimum=2, maximum=_MAX_GRID)
    ratio = as_finite_scalar(lr_min_ratio, "lr_min_ratio")
    if not 0.0 < ratio < 1.0:
        raise ValueError(f"lr_min_ratio must be in (0, 1); got {ratio}")
    exact_finite = notion == "probabilistic" and law.is_finite
    if lr_max is None:
        if exact_finite or notion != "probabilistic":     # exact answers: no truncation
            lr_max = math.inf
        else:
            scale = law.scale()
            if not np.isfinite(scale) or scale <= 0:
                raise ValueError("h: cannot choose a default lr_max (E|h| is 0 or undefined); pass lr_max")
            lr_max = _DEFAULT_SPAN * 2.0 / scale
    else:
        lr_max = float(_as_lr(lr_max, "lr_max"))

    if notion in ("gd", "mean_square"):
        m1 = law.moment(1)
        if not np.isfinite(m1):
            raise ValueError(f"h has no finite mean (E h = {m1}); the {notion!r} notion is undefined")
        if m1 <= 0:
            return []
        if notion == "gd":
            edge = 2.0 / m1
        else:
            m2 = law.moment(2)
            if not np.isfinite(m2):
                return []                            # E h² = ∞: E(1 − λh)² = ∞ for every λ > 0
            edge = 2.0 * m1 / m2
        return [(0.0, float(min(edge, lr_max)))]

    if exact_finite:
        pieces = _finite_law_windows(law.values)
    else:
        pieces = _scan_windows(law, lr_max, int(n_grid), ratio * lr_max)
    out = []
    for lo, hi in pieces:
        if lo > lr_max or (lo == lr_max and hi > lo):
            continue
        out.append((float(lo), float(min(hi, lr_max))))
    return out


# ================================================================================================
# moment exponent and tail index
# ================================================================================================

@guard_numerics
def moment_exponent(p, lr, h, *, method="auto"):
    r"""Moment exponent $g(p) = \log\mathbb{E}|1 - \lambda h|^p$ of scalar SGD (docs/sgd_stability.md#four-notions-of-stability).

    g is convex, g(0) = 0, g'(0⁺) = Λ(λ) (Arnold); g(2) < 0 is mean-square stability, and
    convexity gives Λ ≤ g(2)/2 (MS ⇒ probabilistic stability). Finite laws: exact log-sum-exp.
    Gaussian laws: the exact Poisson-mixture series (see ``log_expected_abs_power``). Other
    continuous laws: quadrature; +inf where the p-th moment of h does not exist.

    Parameters
    ----------
    p : float or array_like
        Orders p ≥ 0.
    lr : float
        Learning rate λ > 0.
    h : curvature law (:mod:`theory.sgd_stability._laws`); law objects need
        ``log_expected_abs_power(a, b, p)``.
    method : {"auto", "quad"}, default "auto"

    Returns
    -------
    float or ndarray of the shape of ``p``

    Examples
    --------
    >>> round(moment_exponent(2.0, 0.5, [1.0, 3.0]), 12)     # log((¼ + ¼)/2)
    -1.38629436112
    """
    law = _as_law(h, "h", method)
    lr = _as_lr(lr)
    if lr.ndim != 0:
        raise ValueError(f"lr must be a scalar; got shape {lr.shape}")
    p = _finite(p, "p")
    if np.any(p < 0):
        raise ValueError("p must be >= 0")
    out = law.log_abs_power(1.0, -float(lr), p)
    return float(out) if np.ndim(out) == 0 else out


@guard_numerics(nan_ok=True)
def tail_index(lr, h, *, p_max=1e4, method="auto"):
    r"""Tail index $\alpha^* > 0$ with $g(\alpha^*) = 0$, $g(p) = \log\mathbb{E}|1 - \lambda h|^p$ (docs/sgd_stability.md#four-notions-of-stability).

    For the affine recursion $\Delta_{t+1} = (1 - \lambda h_t)\Delta_t + \xi_t$ with Λ < 0 the stationary law has power
    tails $P(|\Delta| > u) \sim C u^{-\alpha^*}$ (Kesten–Goldie). MS stability is $\alpha^* > 2$, probabilistic stability
    the existence of $\alpha^*$ (Λ < 0). Found by bracketing (halving/doubling p) and brentq.

    Parameters
    ----------
    lr : float
        Learning rate λ > 0.
    h : curvature law (:mod:`theory.sgd_stability._laws`)
    p_max : float, default 1e4
        Search bound: if g(p) < 0 for every p ≤ ``p_max``, returns inf.
    method : {"auto", "quad"}, default "auto"

    Returns
    -------
    float
        $\alpha^*$; ``inf`` when g < 0 on (0, ``p_max``] (for a finite law: exactly when $|1 - \lambda h_i| \le 1$ for all
        atoms, i.e. no moment ever grows); ``nan`` when Λ ≥ 0 (no positive root: g(p) ≥ pΛ ≥ 0).

    Examples
    --------
    >>> round(tail_index(1.1, [1.0, 3.0]), 10)     # ½(0.1^α + 2.3^α) = 1
    0.7086359108
    """
    law = _as_law(h, "h", method)
    lr = _as_lr(lr)
    if lr.ndim != 0:
        raise ValueError(f"lr must be a scalar; got shape {lr.shape}")
    lr = float(lr)
    p_max = as_positive_scalar(p_max, "p_max")
    if float(_lam(law, lr)) >= 0.0:
        return math.nan

    def g(p):
        return float(law.log_abs_power(1.0, -lr, np.array([p]))[0])

    if law.is_finite:
        ell = np.log(np.abs(1.0 - lr * law.values))
        if np.max(ell) <= 0.0:
            return math.inf
    lo, glo = 1.0, g(1.0)
    hi = ghi = None
    while not glo < 0.0:                 # g < 0 on a neighbourhood of 0⁺ since g'(0⁺) = Λ < 0
        hi, ghi = lo, glo
        lo /= 2.0
        glo = g(lo)
        if lo < 1e-300:
            return 0.0
    if hi is None:
        hi, ghi = lo, glo
        while ghi < 0.0:
            if hi >= p_max:
                return math.inf
            lo, glo = hi, ghi
            hi = min(2.0 * hi, p_max)
            ghi = g(hi)
    return float(_root(g, lo, hi, glo, ghi))


# ================================================================================================
# small-λ expansion
# ================================================================================================

@guard_numerics
def small_lr_expansion(order):
    r"""Symbolic small-λ expansion of Λ(λ) = E log|1 − λh| to the given order (docs/sgd_stability.md#the-lyapunov-criterion).

    $\log|1 - \lambda h| = -\sum_{k\ge1} (\lambda h)^k / k$ for λ|h| < 1, so
    $\Lambda = -\sum_{k=1}^{n} \lambda^k m_k / k + O(\lambda^{n+1})$ with n = ``order`` and
    $m_k = \mathbb{E}\, h^k$. Derived here with sympy (``series`` of log(1 − λh) in λ, then $h^k \to m_k$). For
    laws with unbounded support (e.g. Gaussian) the series is asymptotic, not convergent.

    Parameters
    ----------
    order : int ≥ 1

    Returns
    -------
    sympy.Expr
        Polynomial in the symbol ``lr`` (positive) with coefficients in the symbols ``m_1``, …,
        ``m_order``.

    Examples
    --------
    >>> small_lr_expansion(2)
    -lr**2*m_2/2 - lr*m_1
    """
    import sympy as sp

    order = as_count(order, "order", maximum=_MAX_ORDER)
    lr = sp.Symbol("lr", positive=True)
    hsym = sp.Symbol("h", real=True)
    ser = sp.series(sp.log(1 - lr * hsym), lr, 0, order + 1).removeO()
    poly = sp.Poly(sp.expand(ser), hsym)
    out = sp.Integer(0)
    for (k,), coeff in poly.terms():
        out += coeff * sp.Symbol(f"m_{k}", real=True)
    return sp.expand(out)


@guard_numerics
def small_lr_lyapunov(lr, h, order):
    r"""Numeric small-λ approximation $\Lambda \approx -\sum_{k=1}^{n} \lambda^k m_k / k$, n = ``order`` (docs/sgd_stability.md#the-lyapunov-criterion).

    $m_k = \mathbb{E}\, h^k$ from the law. The error is $O(\lambda^{n+1})$ (leading term $-\lambda^{n+1} m_{n+1}/(n+1)$).

    Parameters
    ----------
    lr : float or array_like of λ > 0
    h : curvature law (:mod:`theory.sgd_stability._laws`); law objects need ``moment(k)``
    order : int ≥ 1

    Returns
    -------
    float or ndarray of the shape of ``lr``

    Examples
    --------
    >>> small_lr_lyapunov(0.1, [1.0, 3.0], 2)     # −0.1·2 − 0.01·5/2
    -0.225
    """
    law = _as_law(h, "h")
    lr = _as_lr(lr)
    order = as_count(order, "order", maximum=_MAX_ORDER)
    out = np.zeros(lr.shape)
    for k in range(order, 0, -1):            # Horner in λ: −λ(m_1 + λ(m_2/2 + …))
        out = (out + law.moment(k) / k) * lr
    out = -out
    return float(out) if out.ndim == 0 else out


@guard_numerics
def second_order_saddle_threshold(h):
    r"""Second-order rule of Ziyin et al. 2023: Λ < 0 predicted for λ > −2E[h]/E[h²] (docs/sgd_stability.md#the-lyapunov-criterion).

    From Λ ≈ −λE h − (λ²/2)E h². At a saddle direction (E h < 0) the threshold is positive: SGD
    noise (E h² = E h² + Var h) makes the saddle attractive above it. Approximate only (compare
    with the exact window from :func:`stable_learning_rates`). A threshold ≤ 0 (E h ≥ 0) means
    every small λ > 0 is predicted stable at this order.

    Parameters
    ----------
    h : curvature law with finite E h, E h² > 0

    Returns
    -------
    float

    Examples
    --------
    >>> second_order_saddle_threshold([-2.0, 1.0])    # −2(−½)/(5/2)
    0.4
    """
    law = _as_law(h, "h")
    m1, m2 = law.moment(1), law.moment(2)
    if not (np.isfinite(m1) and np.isfinite(m2)) or m2 <= 0:
        raise ValueError(f"h must have finite E h and 0 < E h² < inf; got E h = {m1}, E h² = {m2}")
    return float(-2.0 * m1 / m2)
