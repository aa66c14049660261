"""Curvature laws and their log-moments: E log|a + b·X| and log E|a + b·X|^p.

Ziyin et al. 2023 (arXiv 2303.13093); derivations in docs/sgd_stability.md#the-lyapunov-criterion and
docs/sgd_stability.md#gaussian-closed-form. A *curvature law* is the law
of the scalar curvature h that multiplies the learning rate in w ← (1 − λh)w. Three kinds are
accepted wherever a parameter is called ``h`` or ``law``:

(i) **finite law** — a 1-D array of equally likely values h_1, …, h_N (a data set): every
    expectation is an exact mean over the atoms;
(ii) **frozen SciPy continuous law** — e.g. ``scipy.stats.norm(1.0, 0.5)``. ``norm`` uses the
    Gaussian closed form (docs/sgd_stability.md#gaussian-closed-form: Poisson–digamma series + large-q asymptotic); any other law uses
    adaptive ``scipy.integrate.quad`` over its support, split at the integrable log singularity
    x = −a/b and at quantiles of the law;
(iii) **law object** — any object with a method ``expected_log_abs(a, b)`` returning
    E log|a + b·X| broadcast over arrays ``a`` and ``b`` (e.g. the conditionally Gaussian data
    models). Optional methods widen what can be computed from it: ``moment(k)`` (E X^k for
    k = 1, 2, …; needed by the "gd" and "mean_square" notions, the small-λ expansion and the
    default scan limit) and ``log_expected_abs_power(a, b, p)`` (log E|a + b·X|^p for scalar a, b
    and an array p; needed by the moment exponent and the tail index).

Public helpers: :func:`expected_log_abs`, :func:`gaussian_expected_log_abs`,
:func:`log_expected_abs_power`, :func:`law_moment`.

Accuracy of the Gaussian closed form (measured against 50-digit mpmath quadrature and mpmath's
₂F₂ form over q = α²/(2β²) ∈ [1e-6, 1e4]; see ``tests/theory/test_sgd_stability_lyapunov.py``):
absolute error ≤ ~1e-15 (a few ulps of the O(1) result). For q ≤ ``_Q_SWITCH`` = 50 the Poisson
series is summed over j < 128 (Poisson(50) tail mass beyond 127 is 2e-20) in the normalised,
log q–centred form (see :func:`_gauss_series`); above it the asymptotic series
log|α| − Σ_{k=1}^{20} (2k−1)!!/(2k) r^k, r = β²/α², whose first four terms are
r/2 + ¾r² + (5/2)r³ + (105/8)r⁴. Twenty terms are used because the four-term truncation errs by
≈ 94.5 r⁵ (4e-9 at a switch q = 60, 3e-12 at q = 200); with twenty terms the truncation
error at q = 50 is ≈ 3e-19 and the neglected exponentially small part is e^{−q} ≈ 2e-22.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import integrate, special, stats

from ..validate import as_choice, as_count, as_finite_array, as_finite_scalar, check_scipy_law, guard_numerics

__all__ = [
    "expected_log_abs",
    "gaussian_expected_log_abs",
    "law_moment",
    "log_expected_abs_power",
]

# SciPy's frozen-law classes are reached through public instances, not its private modules.
_FrozenContinuous = type(stats.norm())
_FrozenDiscrete = type(stats.poisson(1.0))

_NORM_GEN = type(stats.norm)
_MAX_MOMENT = 1000               # k of E h^k: higher moments overflow float64 for any |h| > 2
_EULER_LOG2 = 0.5 * (np.euler_gamma + np.log(2.0))      # −E log|Z| = (γ + ln 2)/2

# --- Gaussian closed form constants (docs/sgd_stability.md#gaussian-closed-form) ------------------------------------------------
_Q_SWITCH = 50.0                 # series for q ≤ 50, asymptotic above (measured, module docstring)
_N_SERIES = 128                  # Poisson(50) mass at j ≥ 128 is 2.4e-20
# (q_max, terms): Poisson(q_max) mass beyond the last term ≤ 2e-18 in every tier
_SERIES_TIERS = ((1.0, 24), (4.0, 36), (12.0, 56), (25.0, 88), (_Q_SWITCH, _N_SERIES))
_J = np.arange(_N_SERIES, dtype=np.float64)
_LGAMMA_J1 = special.gammaln(_J + 1.0)
_PSI_HALF_J = special.digamma(0.5 + _J)
_N_ASYM = 20
_Q_POWER_QUAD = 2e5              # log E|α + βZ|^p: Poisson window (≈ 30√q terms) up to here, then quad
# c_k = (2k−1)!!/(2k): E log|1 + εZ| ~ −Σ_k c_k ε^{2k} (only even moments of Z survive)
_ASYM_COEF = np.cumprod(2.0 * np.arange(1, _N_ASYM + 1) - 1.0) / (2.0 * np.arange(1, _N_ASYM + 1))

_QUAD_OPTS = dict(epsabs=1e-13, epsrel=1e-12, limit=200)
_QUANTILES = (1e-3, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1 - 1e-3)
_FAR, _FAR_MASS_MAX = 1e300, 1e-15   # quadrature cannot see mass beyond the float range
_CHUNK = 2_000_000               # elements per block when broadcasting a grid against atoms


# ================================================================================================
# numerically careful pieces
# ================================================================================================

def _log_abs_affine(a, b, x):
    """log|a + b·x| evaluated as log|a| + log1p(b·x/a) when b·x is small against a."""
    a, b, x = np.broadcast_arrays(np.asarray(a, float), np.asarray(b, float), np.asarray(x, float))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(a != 0.0, b * x / np.where(a != 0.0, a, 1.0), np.inf)
        small = np.abs(t) <= 0.5
        direct = np.log(np.abs(a + b * x))
        return np.where(small, np.log(np.abs(a)) + np.log1p(np.where(small, t, 0.0)), direct)


def _gauss_series(q):
    """E log|c + Z| for q = c²/2 ≤ 50 (Poisson–digamma series, docs/sgd_stability.md#gaussian-closed-form).

    |c + Z|² is a noncentral χ²₁ with noncentrality 2q, a Poisson(q) mixture of χ²_{1+2j}, and
    E log χ²_k = ψ(k/2) + ln 2. Hence E log|c + Z| = ½[ln 2 + Σ_j w_j ψ(½ + j)], w_j = e^{−q}q^j/j!.
    The weights carry a relative rounding error ~ eps·q log q from the cancelling exponent; it is
    removed to first order by dividing by Σ w_j (which is 1 in exact arithmetic) and, for q ≥ 1,
    by summing w_j (ψ(½ + j) − log q) so that the leading log q is exact:
    E log|c + Z| = ½ log(2q) + ½ Σ w_j (ψ(½ + j) − log q) / Σ w_j = log|c| + R/2.
    Returns (value, centred) where centred[i] says the value is R/2 (to be added to log|c|).
    """
    q = np.asarray(q, dtype=np.float64)
    s = np.empty(q.shape)
    centred = q >= 1.0
    lo = -np.inf
    for q_hi, n_terms in _SERIES_TIERS:        # fewer terms for small q (cost ∝ terms)
        sel = (q > lo) & (q <= q_hi)
        lo = q_hi
        if not np.any(sel):
            continue
        qs, cs = q[sel], centred[sel]
        j = _J[:n_terms]
        lw = -qs[:, None] + special.xlogy(j, qs[:, None]) - _LGAMMA_J1[:n_terms]
        w = np.exp(lw - lw.max(axis=1, keepdims=True))
        shift = np.where(cs, np.log(np.where(cs, qs, 1.0)), 0.0)
        s[sel] = (w * (_PSI_HALF_J[:n_terms] - shift[:, None])).sum(axis=1) / w.sum(axis=1)
    return np.where(centred, 0.5 * s, 0.5 * (np.log(2.0) + s)), centred


def _gauss_elog(a, b, mu=0.0, s=1.0):
    """E log|a + b·X|, X ~ N(mu, s²), broadcast over a and b (docs/sgd_stability.md#gaussian-closed-form)."""
    a, b = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
    shape = a.shape
    a, b = a.ravel(), b.ravel()
    beta = b * s
    with np.errstate(divide="ignore", invalid="ignore"):
        # log|α| for α = a + b·mu, kept accurate when b·mu ≪ a (small learning rates)
        log_alpha = _log_abs_affine(a, b, mu)
        alpha = a + b * mu
        q = np.where(beta != 0.0, 0.5 * (alpha / np.where(beta != 0.0, beta, 1.0)) ** 2, np.inf)
    out = np.empty(a.shape)
    big = q > _Q_SWITCH                        # includes β = 0 (q = inf): value log|α|
    if np.any(big):
        with np.errstate(divide="ignore", invalid="ignore"):
            r = (beta[big] / alpha[big]) ** 2
        poly = np.zeros_like(r)
        for c in _ASYM_COEF[::-1]:             # Horner: Σ_k c_k r^k
            poly = (poly + c) * r
        out[big] = log_alpha[big] - poly
    mid = ~big
    if np.any(mid):
        val, centred = _gauss_series(q[mid])
        with np.errstate(divide="ignore"):
            base = np.where(centred, log_alpha[mid], np.log(np.abs(beta[mid])))
        out[mid] = base + val
    out[(alpha == 0.0) & (beta == 0.0)] = -np.inf
    return out.reshape(shape)


@guard_numerics
def gaussian_expected_log_abs(alpha, beta):
    r"""E log|α + β·Z|, Z ~ N(0, 1), in closed form (docs/sgd_stability.md#gaussian-closed-form).

    $$\mathbb{E}\log|\alpha + \beta Z| = \log|\beta| + \tfrac12 \Big[\ln 2 + \sum_{j\ge0} e^{-q} \frac{q^j}{j!}\, \psi(\tfrac12 + j)\Big], \qquad q = \frac{\alpha^2}{2\beta^2},$$

    equivalently $\log|\beta| - (\gamma + \ln 2)/2 + q\; {}_2F_2(1, 1; \tfrac32, 2; -q)$;

    for q > 50 the asymptotic $\log|\alpha| - \sum_{k\le20} \frac{(2k-1)!!}{2k}\, r^k$, $r = \beta^2/\alpha^2$. β = 0 gives log|α|.
    With α = 1 ± λμ and β = λs this is the Lyapunov exponent Λ± of a Gaussian curvature
    (Ziyin et al. 2023, arXiv 2303.13093, Thm 1).

    Parameters
    ----------
    alpha, beta : float or array_like
        Broadcast against each other; finite.

    Returns
    -------
    float or ndarray
        The broadcast shape of ``alpha`` and ``beta``; −inf where α = β = 0. Absolute accuracy
        ≈ 1e-15 (module docstring).

    Examples
    --------
    >>> round(gaussian_expected_log_abs(0.0, 1.0), 12)   # E log|Z| = −(γ + ln 2)/2
    -0.635181422731
    """
    alpha = _finite(alpha, "alpha")
    beta = _finite(beta, "beta")
    out = _gauss_elog(alpha, beta)
    return float(out) if out.ndim == 0 else out


def _gauss_log_abs_power(alpha: float, beta: float, p: np.ndarray) -> np.ndarray:
    """log E|α + βZ|^p for p ≥ 0 (exact Poisson-mixture series, in log space).

    E|c + Z|^p = Σ_j w_j E(χ²_{1+2j})^{p/2} = 2^{p/2} Σ_j w_j Γ(½ + j + p/2)/Γ(½ + j), w_j the
    Poisson(q) weights, q = c²/2. The terms are log-concave in j; the sum runs over a window of
    ±(15√j* + 40) around the mode j* and is normalised by Σ w_j over the same window, which
    cancels the rounding of the weights. Absolute accuracy ≈ eps·j* log j* (1e-11 at q = 1e4).
    Above q = 2e5 a Laplace-centred quadrature takes over (:func:`_gauss_log_abs_power_far`).
    """
    p = np.asarray(p, dtype=np.float64)
    out = np.zeros(p.shape)
    pos = p > 0
    if alpha == 0.0 and beta == 0.0:
        out[pos] = -np.inf
        return out
    if beta == 0.0:
        out[pos] = p[pos] * np.log(abs(alpha))
        return out
    q = 0.5 * (alpha / beta) ** 2
    for idx in np.flatnonzero(pos):
        pk = p.flat[idx]
        if q > _Q_POWER_QUAD:
            out.flat[idx] = pk * np.log(abs(beta)) + _gauss_log_abs_power_far(abs(alpha / beta), pk)
            continue
        # mode of log t_j: q(j + ½ + p/2) = (j + 1)(j + ½)
        bq = 1.5 - q
        cq = 0.5 - q * (0.5 + pk / 2)
        jstar = max(0.0, (-bq + np.sqrt(bq * bq - 4 * cq)) / 2)
        half = 15.0 * np.sqrt(jstar + 1.0) + 40.0
        j = np.arange(max(0.0, np.floor(jstar - half)), np.ceil(jstar + half) + 1.0)
        lw = special.xlogy(j, q) - q - special.gammaln(j + 1.0)
        lg = special.gammaln(0.5 + j + pk / 2) - special.gammaln(0.5 + j)
        val = special.logsumexp(lw + lg) - special.logsumexp(lw)
        out.flat[idx] = pk * np.log(abs(beta)) + 0.5 * pk * np.log(2.0) + val
    return out


def _gauss_log_abs_power_far(c: float, p: float) -> float:
    """log E|c + Z|^p for c > √(2·_Q_POWER_QUAD), where the Poisson window would be very long.

    The mass of c + Z ≤ 0 is ≤ e^{−c²/2} (< e^{−10⁶}); above it the integrand
    exp(p·log(c + z) − z²/2) is smooth and unimodal with its peak at z* = (−c + √(c² + 4p))/2 and
    curvature ≥ 1, so quad over z* ± 40 (and not beyond −c) captures it to quad's tolerance.
    """
    zs = 0.5 * (-c + np.sqrt(c * c + 4.0 * p))
    top = p * np.log(c + zs) - 0.5 * zs * zs

    def f(z):
        return float(np.exp(p * np.log(c + z) - 0.5 * z * z - top)) if z > -c else 0.0

    val = integrate.quad(f, max(zs - 40.0, -c), zs + 40.0, points=[zs], epsabs=0.0, epsrel=1e-13, limit=200)[0]
    return float(top + np.log(val) - 0.5 * np.log(2.0 * np.pi))


# ================================================================================================
# law wrappers
# ================================================================================================

class _Law:
    """Internal uniform interface over the three kinds of curvature law."""

    name = "h"
    is_finite = False

    def elog(self, a, b):  # pragma: no cover - abstract
        raise NotImplementedError

    def log_abs_power(self, a: float, b: float, p: np.ndarray) -> np.ndarray:
        raise ValueError(f"{self.name}: this law object has no log_expected_abs_power(a, b, p) method, "
                         "needed for moment exponents and tail indices")

    def moment(self, k: int) -> float:
        raise ValueError(f"{self.name}: this law object has no moment(k) method, needed for this "
                         "computation (pass a finite or SciPy law, or add moment(k))")

    def scale(self) -> float:
        """E|h| when finite, else |median| + IQR/2 (a robust scale for the default scan limit)."""
        raise NotImplementedError


class _FiniteLaw(_Law):
    is_finite = True

    def __init__(self, values: np.ndarray, name: str):
        self.values = values
        self.name = name

    def elog(self, a, b):
        a, b = np.broadcast_arrays(np.asarray(a, float), np.asarray(b, float))
        shape = a.shape
        a, b = a.ravel(), b.ravel()
        x = self.values
        out = np.empty(a.shape)
        step = max(1, _CHUNK // x.size)
        for start in range(0, a.size, step):
            sl = slice(start, start + step)
            out[sl] = _log_abs_affine(a[sl, None], b[sl, None], x[None, :]).mean(axis=1)
        return out.reshape(shape)

    def log_abs_power(self, a, b, p):
        p = np.asarray(p, dtype=np.float64)
        ell = _log_abs_affine(a, b, self.values)
        out = np.zeros(p.shape)
        pos = p > 0
        if np.any(pos):
            terms = p[pos][:, None] * ell[None, :]          # p > 0, so p·(−inf) = −inf
            out[pos] = special.logsumexp(terms, axis=1) - np.log(self.values.size)
        return out

    def moment(self, k):
        return float(np.mean(self.values ** k))

    def scale(self):
        return float(np.mean(np.abs(self.values)))


class _ScipyLaw(_Law):
    def __init__(self, law, name: str, method: str):
        self.law = law
        self.name = name
        self.gauss = isinstance(law.dist, _NORM_GEN) and method != "quad"
        if self.gauss:
            self.mu = float(law.mean())
            self.s = float(law.std())
        lo, hi = (float(v) for v in law.support())
        with np.errstate(all="ignore"):
            qs = np.asarray(law.ppf(_QUANTILES), dtype=float)
        pts = [v for v in qs if np.isfinite(v) and lo < v < hi]
        self.lo, self.hi = lo, hi
        self.breaks = sorted(set(pts))
        with np.errstate(all="ignore"):
            far = float(law.sf(_FAR)) if np.isinf(hi) else 0.0
            far += float(law.cdf(-_FAR)) if np.isinf(lo) else 0.0
        self.far_mass = far if np.isfinite(far) else 1.0
        iqr = float(law.ppf(0.75) - law.ppf(0.25))
        self.tail_scale = iqr if np.isfinite(iqr) and iqr > 0 else 1.0
        try:  # the private standardised log-density is ~100x cheaper per call than law.logpdf
            shapes, loc, scale = law.dist._parse_args(*law.args, **law.kwds)
            shapes = tuple(float(v) for v in shapes)
            loc, scale = float(loc), float(scale)
            logpdf0 = law.dist._logpdf
            log_scale = float(np.log(scale))
            self.logpdf = lambda x: float(logpdf0((x - loc) / scale, *shapes)) - log_scale
            self.logpdf(self.breaks[len(self.breaks) // 2] if self.breaks else 0.5 * (lo + hi))
        except Exception:  # noqa: BLE001 - any failure: fall back to the public API
            self.logpdf = lambda x: float(law.logpdf(x))

    # -- quadrature over the support ------------------------------------------------------------
    def _integrate(self, kernel, extra=(), what="E log|a + b·h|"):
        """∫ kernel(x, 0) dx over the support; kernel(x, logjac) returns g(x)·f(x)·e^{logjac}.

        Finite pieces (between the support ends, quantiles of the law and ``extra`` points) are
        integrated in x; an infinite tail [c, ∞) in t with x = c + σ(e^t − 1) (σ the IQR), which
        turns power-law tails into exponentially decaying integrands. A tail whose t-integrand
        does not decay faster than 1/t (value at t = 320 ≥ half the value at t = 160) is declared
        divergent, as is any piece on which quad reports failure with a large error estimate.
        """
        if self.far_mass > _FAR_MASS_MAX:
            raise _Divergent(f"{self.name}: the law puts mass {self.far_mass:.3g} beyond |x| = {_FAR:g}, "
                             f"outside floating-point range: no finite log-moment, or none that quadrature can "
                             f"compute ({what})")
        b_lo = self.breaks[0] if self.breaks else self.hi
        b_hi = self.breaks[-1] if self.breaks else self.lo
        # an extra point out in an infinite tail is a stop of the tail's t-integral instead: as an
        # x-break it would create a long finite piece whose mass sits near one end (quad misses it)
        keep = [x for x in extra if self.lo < x < self.hi
                and not (np.isinf(self.lo) and x < b_lo) and not (np.isinf(self.hi) and x > b_hi)]
        inner = sorted(set([*self.breaks, *keep]))
        pts = [self.lo, *inner, self.hi]
        total = 0.0
        for u, v in zip(pts[:-1], pts[1:]):
            if not u < v:
                continue
            if np.isfinite(u) and np.isfinite(v):
                total += self._quad(lambda x: kernel(x, 0.0), u, v, what)
                continue
            if np.isinf(u) and np.isinf(v):          # no break point at all: split at 0
                u = v = 0.0
                pieces = [(0.0, -1.0), (0.0, 1.0)]
            else:
                pieces = [(v, -1.0)] if np.isinf(u) else [(u, 1.0)]
            for c, sgn in pieces:
                sig = self.tail_scale
                stops = sorted(np.log1p(sgn * (x - c) / sig) for x in extra
                               if sgn * (x - c) > 0 and np.isfinite(x))

                def kt(t, c=c, sgn=sgn, sig=sig):
                    with np.errstate(all="ignore"):
                        x = c + sgn * sig * np.expm1(t)
                        return kernel(x, np.log(sig) + t) if np.isfinite(x) else 0.0

                far1, far2 = abs(kt(160.0)), abs(kt(320.0))
                if far1 > 0 and far2 >= 0.5 * far1:
                    raise _Divergent(f"{self.name}: {what} diverges, its tail decays no faster than "
                                     "1/log x (no finite log-moment)")
                tp = [0.0, *stops, np.inf]
                for t1, t2 in zip(tp[:-1], tp[1:]):
                    if t1 < t2:
                        total += self._quad(kt, t1, t2, what)
        return total

    def _quad(self, f, u, v, what):
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", integrate.IntegrationWarning)
            res = integrate.quad(f, u, v, full_output=1, **_QUAD_OPTS)
        val, abserr = res[0], res[1]
        if not np.isfinite(val) or (len(res) > 3 and abserr > 1e-10 * max(1.0, abs(val))):
            raise _Divergent(f"{self.name}: quadrature of {what} did not converge on [{u:g}, {v:g}] "
                             f"(estimate {val:g} ± {abserr:g}): no finite log-moment there?")
        return val

    def _elog_one(self, a: float, b: float) -> float:
        if b == 0.0:
            return float(np.log(abs(a))) if a != 0.0 else -np.inf
        x0 = -a / b
        logpdf = self.logpdf
        # log|a + bx| = log|a| + log|1 + cx|, c = b/a: keeps relative accuracy when a ≫ b·x
        # (small learning rates, where Λ ≈ −λ E h is tiny); a = 0: log|b| + log|x|.
        if a == 0.0:
            base, c = float(np.log(abs(b))), None
        else:
            base, c = float(np.log(abs(a))), b / a

        def kernel(x, logjac):
            lp = logpdf(x) + logjac
            if not np.isfinite(lp) or x == x0:
                return 0.0
            if c is None:
                la = np.log(abs(x))
            else:
                t = c * x
                la = np.log1p(t) if abs(t) <= 0.5 else np.log(abs(1.0 + t))
            return float(la * np.exp(lp))

        try:
            val = self._integrate(kernel, extra=(x0,))
        except _Divergent as exc:
            raise ValueError(str(exc)) from None
        return base + val

    def elog(self, a, b):
        if self.gauss:
            return _gauss_elog(a, b, self.mu, self.s)
        a, b = np.broadcast_arrays(np.asarray(a, float), np.asarray(b, float))
        out = np.empty(a.shape)
        for idx in np.ndindex(a.shape):
            out[idx] = self._elog_one(float(a[idx]), float(b[idx]))
        return out

    def log_abs_power(self, a, b, p):
        if self.gauss:
            return _gauss_log_abs_power(a + b * self.mu, b * self.s, np.asarray(p, float))
        p = np.asarray(p, dtype=np.float64)
        out = np.zeros(p.shape)
        extra = (-a / b,) if b != 0.0 else ()
        logpdf = self.logpdf

        def log_abs(x):
            v = a + b * x
            return np.log(abs(v)) if v != 0.0 else -np.inf

        for idx in np.flatnonzero(p > 0):
            pk = float(p.flat[idx])
            # rescale by the largest log-integrand on the break points so the integral is O(1)
            cands = [pk * log_abs(x) + logpdf(x) for x in self.breaks]
            m = max((c for c in cands if np.isfinite(c)), default=0.0)

            def kernel(x, logjac, pk=pk, m=m):
                v = pk * log_abs(x) + logpdf(x) + logjac - m
                return float(np.exp(v)) if np.isfinite(v) else 0.0

            try:
                val = self._integrate(kernel, extra=extra, what=f"E|a + b·h|^{pk:g}")
            except _Divergent:
                out.flat[idx] = np.inf   # a positive integrand: non-convergence means +inf
                continue
            out.flat[idx] = m + np.log(val) if val > 0 else -np.inf
        return out

    def moment(self, k):
        return float(self.law.moment(k))

    def scale(self):
        lp = self.log_abs_power(0.0, 1.0, np.array([1.0]))[0]
        if np.isfinite(lp):
            return float(np.exp(lp))
        return float(abs(self.law.median()) + 0.5 * (self.law.ppf(0.75) - self.law.ppf(0.25)))


class _ObjectLaw(_Law):
    def __init__(self, obj, name: str):
        self.obj = obj
        self.name = name

    def elog(self, a, b):
        a, b = np.broadcast_arrays(np.asarray(a, float), np.asarray(b, float))
        out = np.asarray(self.obj.expected_log_abs(a, b), dtype=np.float64)
        if out.shape != a.shape:
            out = np.broadcast_to(out, a.shape).copy()
        if np.any(np.isnan(out)) or np.any(out == np.inf):
            raise ValueError(f"{self.name}.expected_log_abs returned NaN or +inf: the law has no finite "
                             "log-moment there")
        return out

    def log_abs_power(self, a, b, p):
        fn = getattr(self.obj, "log_expected_abs_power", None)
        if fn is None:
            return super().log_abs_power(a, b, p)
        return np.asarray(fn(a, b, np.asarray(p, float)), dtype=np.float64)

    def moment(self, k):
        fn = getattr(self.obj, "moment", None)
        if fn is None:
            return super().moment(k)
        return float(fn(k))

    def scale(self):
        return float(np.sqrt(self.moment(2)))


class _Divergent(Exception):
    pass


def _finite(x, name):
    return as_finite_array(x, name)


def _as_law(law, name: str = "h", method: str = "auto") -> _Law:
    """Validate and wrap a curvature law (module docstring); errors name ``name``."""
    as_choice(method, "method", ("auto", "quad"))
    if isinstance(law, _Law):
        return law
    if isinstance(law, _FrozenDiscrete):
        raise ValueError(f"{name}: discrete SciPy laws are not supported (their atoms have unequal "
                         "probabilities and quadrature over a density does not apply); pass the atoms "
                         "as an array of equally likely values, repeating atoms to set weights")
    if isinstance(law, _FrozenContinuous):
        check_scipy_law(law, name)
        return _ScipyLaw(law, name, method)
    if isinstance(law, stats.rv_continuous) or isinstance(law, stats.rv_discrete):
        raise ValueError(f"{name}: pass a frozen SciPy distribution, e.g. scipy.stats.norm(loc, scale), "
                         f"not the distribution family {type(law).__name__}")
    if callable(getattr(law, "expected_log_abs", None)):
        if method == "quad":
            raise ValueError("method='quad' applies only to frozen SciPy continuous laws")
        return _ObjectLaw(law, name)
    if isinstance(law, (str, bytes)) or law is None:
        raise ValueError(f"{name} must be a 1-D array of values, a frozen SciPy continuous law or an "
                         f"object with expected_log_abs(a, b); got {law!r}")
    if method == "quad":
        raise ValueError("method='quad' applies only to frozen SciPy continuous laws")
    try:
        values = np.asarray(law, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a 1-D array of values, a frozen SciPy continuous law or an "
                         f"object with expected_log_abs(a, b); got {type(law).__name__}") from exc
    if values.ndim != 1:
        raise ValueError(f"{name} (finite law) must be a 1-D array of equally likely values; got shape "
                         f"{values.shape}")
    if values.size == 0:
        raise ValueError(f"{name} (finite law) must have at least one value; got an empty array")
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{name} (finite law) must have finite atoms (no NaN or inf)")
    return _FiniteLaw(values, name)


# ================================================================================================
# public helpers
# ================================================================================================

@guard_numerics
def expected_log_abs(a, b, law, *, method="auto"):
    r"""E log|a + b·X|, X ~ ``law``, broadcast over ``a`` and ``b`` (docs/sgd_stability.md#computing-exponents).

    With a = 1, b = −λ this is the Lyapunov exponent Λ(λ) = E log|1 − λh| of Ziyin et al. 2023
    (arXiv 2303.13093, Thm 1). Finite laws: the exact mean $\frac1N \sum_i \log|a + b x_i|$ (−inf when
    $a + b x_i = 0$ for some atom). ``norm(μ, s)``: the closed form (docs/sgd_stability.md#gaussian-closed-form) with α = a + bμ,
    β = bs (:func:`gaussian_expected_log_abs`). Other frozen continuous laws: adaptive quadrature
    of log|a + b·x| f(x) split at the singular point x = −a/b. b = 0 gives log|a|.

    Parameters
    ----------
    a, b : float or array_like
        Broadcast against each other; finite.
    law : array of shape (N,), frozen scipy.stats continuous law, or law object
        The curvature law (see the module docstring).
    method : {"auto", "quad"}, default "auto"
        "quad" forces quadrature for a frozen SciPy law (e.g. to check the Gaussian closed form).

    Returns
    -------
    float or ndarray
        The broadcast shape of ``a`` and ``b``.

    Raises
    ------
    ValueError
        Invalid law (message names ``law``), or quadrature that does not converge ("no finite
        log-moment").

    Examples
    --------
    >>> round(expected_log_abs(1.0, -0.5, [1.0, 3.0]), 12)      # ½(log ½ + log ½)
    -0.69314718056
    """
    law_ = _as_law(law, "law", method)
    a = _finite(a, "a")
    b = _finite(b, "b")
    out = law_.elog(a, b)
    return float(out) if np.ndim(out) == 0 else out


@guard_numerics
def log_expected_abs_power(a, b, p, law, *, method="auto"):
    r"""$\log\mathbb{E}|a + bX|^p$ for scalar a, b and p ≥ 0 (array), X ~ ``law`` (docs/sgd_stability.md#four-notions-of-stability).

    With a = 1, b = −λ this is the scalar moment exponent $g(p) = \log\mathbb{E}|1 - \lambda h|^p$. Finite laws:
    log-sum-exp over the atoms. ``norm``: the exact Poisson mixture
    $\mathbb{E}|c + Z|^p = 2^{p/2} \sum_j e^{-q}\frac{q^j}{j!}\, \Gamma(\tfrac12 + j + p/2)/\Gamma(\tfrac12 + j)$, $q = c^2/2$. Other continuous
    laws: quadrature of the rescaled integrand; +inf when the p-th moment diverges (detected by
    non-convergent quadrature). p = 0 gives 0 (|x|⁰ = 1).

    Parameters
    ----------
    a, b : float
    p : float or array_like of p ≥ 0
    law : curvature law (module docstring)
    method : {"auto", "quad"}, default "auto"

    Returns
    -------
    float or ndarray of the shape of ``p``

    Examples
    --------
    >>> round(log_expected_abs_power(1.0, -1.0, 2.0, [1.0, 3.0]), 12)   # log((0 + 4)/2)
    0.69314718056
    """
    law_ = _as_law(law, "law", method)
    a = as_finite_scalar(a, "a")
    b = as_finite_scalar(b, "b")
    p = _finite(p, "p")
    if np.any(p < 0):
        raise ValueError("p must be >= 0")
    out = law_.log_abs_power(a, b, p)
    return float(out) if np.ndim(out) == 0 else out


@guard_numerics
def law_moment(law, k):
    r"""Raw moment $m_k = \mathbb{E}\, h^k$ of a curvature law (exact mean for finite laws; SciPy's moment).

    Parameters
    ----------
    law : curvature law (module docstring); law objects need a ``moment(k)`` method.
    k : int ≥ 1

    Returns
    -------
    float

    Examples
    --------
    >>> law_moment([1.0, 3.0], 2)
    5.0
    """
    k = as_count(k, "k", maximum=_MAX_MOMENT)
    return _as_law(law, "law").moment(k)
