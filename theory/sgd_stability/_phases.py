"""Two-layer net at the origin saddle: the two exponents of the correlation law and the phase map.

Ziyin, Li, Galanti, Ueda (2023), "The Probabilistic Stability of Stochastic Gradient Descent",
arXiv 2303.13093; docs/sgd_stability.md#phases-of-the-two-layer-net (the model class is ours; (a)'s own
toy model is known to us only from its abstract, see docs/sgd_stability.md#what-the-papers-state).
For f(x) = Σ_i u_i σ(w_i x) with σ(0) = 0, s₁ = σ'(0), loss (κ/2)(f − y)², linearised SGD at
θ = 0 is, in the rotated coordinates a_i = u_i + w_i, b_i = u_i − w_i (docs/sgd_stability.md#phases-of-the-two-layer-net),

    a ← (1 + λc_t) a,   b ← (1 − λc_t) b,   c_t = κ s₁ (1/S) Σ_{j∈B_t} x_j y_j,

so the two directions have the Lyapunov exponents Λ₊ = E log|1 + λc| ("correct" direction for
E c > 0) and Λ₋ = E log|1 − λc|, and the signs of (Λ₊, Λ₋) give the phases of docs/sgd_stability.md#phases-of-the-two-layer-net.
Laws of c follow ``theory.sgd_stability._laws`` (finite array, frozen SciPy law, or an object
with ``expected_log_abs(a, b)`` and ``moment(k)``); the data models of docs/sgd_stability.md#data-models — A (Rademacher
input, Gaussian c), B (Gaussian input, conditionally Gaussian c) and C (finite data set, exact
batch enumeration) — are in ``_models``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from ..summary import compact_repr
from ..validate import as_choice, as_count, as_finite_array, as_positive_scalar, format_value, guard_numerics
from ._laws import _as_law
from ._lyapunov import _MAX_GRID
from ._models import _batch_size, model_a_law, model_b_law

__all__ = [
    "PHASE_LABELS",
    "PhaseBoundaries",
    "PhaseExponents",
    "classify_phase",
    "critical_collapse_noise",
    "phase_boundaries",
    "phase_exponents",
]

PHASE_LABELS = ("Ia", "Ib", "II", "III", "IV")
"""Every phase label :func:`classify_phase` can return."""
_CRITERIA = ("l2", "gd")


# ================================================================================================
# exponents and phases (docs/sgd_stability.md#phases-of-the-two-layer-net)
# ================================================================================================

@compact_repr
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
        log E(1 ± λc)² (mean-square exponents; ``l2_plus`` > 0 always: L₂ never predicts collapse).
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
        raise ValueError(f"c must have positive mean E c > 0 (the phase table assumes it; for E c < 0 the mirror "
                         f"c → −c swaps the directions a and b: pass the law of −c); got E c = {m1:.6g}")
    return float(m1), float(m2)


@guard_numerics
def phase_exponents(lr, c, kappa_s1=None, criterion="l2") -> PhaseExponents:
    r"""Λ± = E log|1 ± λc|, the L₂ and GD exponents, and the phase label of docs/sgd_stability.md#phases-of-the-two-layer-net.

    Ziyin et al. 2023 (arXiv 2303.13093), Theorem 1 applied to the commuting directions
    a = u + w, b = u − w of the two-layer net at the origin (docs/sgd_stability.md#phases-of-the-two-layer-net), E c > 0:

    | phase | condition      | meaning                                               |
    |-------|----------------|-------------------------------------------------------|
    | I     | Λ₊ ≥ 0, Λ₋ < 0 | correct learning; Ib if also E(1 − λc)² < 1, else Ia |
    | II    | Λ₊ < 0, Λ₋ ≥ 0 | incorrect learning                                    |
    | III   | Λ₊ < 0, Λ₋ < 0 | collapse to the (low-rank) saddle                     |
    | IV    | Λ₊ ≥ 0, Λ₋ ≥ 0 | loss of stability                                     |

    Boundary convention: a direction is stable iff its exponent is strictly negative (Theorem 1
    is an iff with Λ < 0; Λ = 0 is marginal, not convergent), so Λ = 0 falls on the unstable side;
    likewise E(1 − λc)² = 1 exactly is Ia. ``criterion="gd"`` splits I by the GD condition
    |1 − λE c| < 1 instead (the Ia/Ib split is our reading of (a), see docs/sgd_stability.md#what-the-papers-state).

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
    as_choice(criterion, "criterion", _CRITERIA)
    lr_arr = as_finite_array(lr, "lr")
    if np.any(lr_arr <= 0):
        raise ValueError(f"lr must be > 0; got min {format_value(lr_arr.min())}")
    law = _as_law(c, "c")
    scale = _scale(kappa_s1)
    m1, m2 = _law_moments(law)
    m1, m2 = scale * m1, scale**2 * m2
    lam = scale * lr_arr
    plus = np.asarray(law.elog(1.0, lam), dtype=float)
    minus = np.asarray(law.elog(1.0, -lam), dtype=float)
    with np.errstate(divide="ignore"):
        l2_plus = np.log1p(lam * (2.0 * m1 + lam * m2))
        # E(1 − λc)² = 1 + x, x = λ(λm₂ − 2m₁). log1p(x) is exact on the L₂ line (x = 0), but
        # where E(1 − λc)² ≈ 0 (point mass at λc ≈ 1) 1 + x cancels and can round below 0, and
        # log1p gave NaN (c = [0.7127711015394889], λ = 1.4029749492370491). There use
        # (1 − λE c)² + λ²Var c, a sum of non-negative terms.
        x = lam * (lam * m2 - 2.0 * m1)
        squares = (1.0 - lam * m1) ** 2 + lam**2 * max(m2 - m1 * m1, 0.0)
        l2_minus = np.where(x > -0.5, np.log1p(np.maximum(x, -0.5)), np.log(squares))
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


@guard_numerics
def classify_phase(lr, c, kappa_s1=None, criterion="l2"):
    r"""Phase label ("Ia", "Ib", "II", "III", "IV") of the origin saddle at each learning rate.

    Ziyin et al. 2023 (arXiv 2303.13093); docs/sgd_stability.md#phases-of-the-two-layer-net: the signs of Λ± = E log|1 ± λc|
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

@compact_repr
@dataclass(frozen=True)
class PhaseBoundaries:
    """λ zero sets of Λ± and the L₂ / GD lines over a noise grid (see :func:`phase_boundaries`).

    Attributes
    ----------
    noise : ndarray of shape (n,)
    lambda_plus_zeros, lambda_minus_zeros : tuple of n ndarrays
        Ascending λ ∈ [``lr_min``, ``lr_max``] with Λ₊ = 0 (resp. Λ₋ = 0), one array per noise value.
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
    law = model_a_law if as_choice(model, "model", ("A", "B")) == "A" else model_b_law
    return law(noise, S, kappa, s1)


def _zeros(f, grid, vals):
    """All sign changes of f on the grid, refined by brentq; exact zeros at grid points kept."""
    roots = list(grid[vals == 0])
    s = np.sign(vals)
    for i in np.flatnonzero(s[:-1] * s[1:] < 0):
        roots.append(optimize.brentq(f, grid[i], grid[i + 1], xtol=1e-300, rtol=1e-13, maxiter=200))
    return np.array(sorted(roots))


@guard_numerics
def phase_boundaries(noise_values, batch_size=1, lr_max=10.0, model="A", *, kappa=1.0, s1=1.0, lr_min=None,
                     n_grid=400) -> PhaseBoundaries:
    r"""Boundary curves of the phase diagram in (λ, σ): zeros of Λ±, the L₂ and GD lines.

    docs/sgd_stability.md#phases-of-the-two-layer-net (boundaries) and docs/sgd_stability.md#computing-exponents (root bracketing): for each noise σ the law of c (model A:
    :func:`model_a_law`; model B: :func:`model_b_law`) is scanned on a log grid of ``n_grid``
    learning rates in [``lr_min``, ``lr_max``]; each sign change of Λ₊ = E log|1 + λc| or
    Λ₋ = E log|1 − λc| is refined by brentq (relative 1e-13). Zero pairs closer than the grid
    spacing can be missed. Lines: $\lambda_{L_2} = 2\,\mathbb{E}c/\mathbb{E}c^2$ and $\lambda_\mathrm{GD} = 2/\mathbb{E}c$. Feeds
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
        Default 1e-4·``lr_max``.
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
    n_grid = as_count(n_grid, "n_grid", minimum=2, maximum=_MAX_GRID)
    as_choice(model, "model", ("A", "B"))
    grid = np.geomspace(lr_min, lr_max, n_grid)
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


@guard_numerics
def critical_collapse_noise(batch_size=1, model="A", kappa=1.0, s1=1.0) -> float:
    r"""Smallest label noise $\sigma_c$ at which phase III (collapse) exists for some learning rate.

    docs/sgd_stability.md#batch-size-and-collapse: phase III at (λ, σ) needs Λ₊ < 0 and Λ₋ < 0, so
    $\sigma_c$ is the root in σ of M(σ), the lowest interior local minimum over λ of max(Λ₊, Λ₋)
    (interior: max(Λ₊, Λ₋) ≈ λE c → 0⁺ as λ → 0 is no window). λκs₁ is scanned on a log grid
    over [1e-4, 1e2] (61 points) and each local minimum refined by
    bounded Brent search; σ is bracketed by doubling from √S and solved by brentq (xtol 1e-9).
    For models A and B, Λ₊ ≥ Λ₋ (docs/sgd_stability.md#why-phase-ii-is-rare), so this is where the dip of Λ₊ touches 0.
    Model A depends on (λκs₁, SNR = √S/σ) only, so $\sigma_c(S) = \sqrt S\,\sigma_c(1)$ exactly; model B tends
    to $\sqrt{S\,\sigma_{c,A}(1)^2 - 2}$ as S grows (CLT, matched variance).

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
    as_choice(model, "model", ("A", "B"))

    def margin(sigma):
        return _collapse_margin(_model_law(model, sigma, S, kappa, s1), scale)

    lo, hi = 0.0, math.sqrt(S)
    while margin(hi) >= 0:
        lo, hi = hi, 2.0 * hi
        if hi > 1e6:                                  # pragma: no cover - the margin → −∞ as σ grows
            raise RuntimeError("no collapse found up to noise 1e6")
    return float(optimize.brentq(margin, lo, hi, xtol=1e-9, rtol=1e-9))
