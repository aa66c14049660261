"""Data behind the figures of the SGD-stability theory (Ziyin et al. 2023; Chen et al. 2023;
Mulayoff & Michaeli 2024).

Spec SGD-S §4, §5.2, §6, §7, §12. Each figure is split in two: a small compute function here
returning a frozen dataclass of plain arrays (tested for the qualitative facts the theory
predicts), and a ``plot_*`` function in ``_figure_plots`` drawing it. Nothing here imports
matplotlib. Conventions: κ = s₁ = 1 (loss ½(f − y)², σ'(0) = 1); batches i.i.d. across steps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special, stats

from theory._validate import as_finite_array, as_positive_scalar
from theory.sgd_stability import (
    classify_phase,
    critical_collapse_noise,
    effective_rank,
    gd_threshold,
    mean_square_threshold,
    model_a_law,
    model_c_law,
    phase_exponents,
    quartic_well_collapse_threshold,
    quartic_well_em_exponent,
    quartic_well_em_threshold,
    shrunk_singular_values,
    stable_learning_rates,
)

from ..phase import PhaseDiagram

__all__ = [
    "FINITE_DATA_C",
    "REGRESSION_CASE_6",
    "SCALAR_REGRESSION_X",
    "BatchThresholdsExact",
    "BatchThresholdsQR",
    "FiniteDataExponents",
    "PhaseOverlay",
    "QuarticCollapse",
    "TeacherStudentRank",
    "batch_thresholds_exact",
    "batch_thresholds_qr",
    "finite_data_exponents",
    "phase_overlay",
    "quartic_collapse",
    "teacher_student_rank",
    "teacher_student_singular_values",
]

# Reference settings (spec SGD-S §4.4 (C), §7 case 6, §7 case 2).
FINITE_DATA_C = (2.0, 1.5, 0.8, -0.5, -1.2)
REGRESSION_CASE_6 = ((2.0, 0.0), (0.0, 1.0), (1.0, 1.0))
SCALAR_REGRESSION_X = (0.5, 1.0, 1.5, 2.0)


def _count(x, name: str, minimum: int) -> int:
    if isinstance(x, (bool, np.bool_)) or int(x) != x or x < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {x!r}")
    return int(x)


def _positive_grid(values, name: str) -> np.ndarray:
    arr = as_finite_array(values, name, ndim=1)
    if arr.size == 0 or np.any(arr <= 0):
        raise ValueError(f"{name} must be a non-empty 1-D array of values > 0")
    return arr


# --------------------------------------------------------------------------------------------
# Figures 1–2: analytic phase diagram with nonlinear-SGD outcomes (spec §4.2, §4.4 (A), §4.9)
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PhaseOverlay:
    """Analytic phase diagram of model A and nonlinear-SGD outcomes on a coarser grid.

    Attributes
    ----------
    y : str
        ``"noise"`` (label noise σ at fixed batch size) or ``"batch_size"`` (S at fixed σ).
    analytic : PhaseDiagram
        ``sims.phase_diagram(method="analytic")``: exact Λ± (Gaussian closed form), labels
        Ia/Ib/III/IV (no II in model A, spec §4.5) and the boundary point sets.
    simulated : PhaseDiagram
        Nonlinear SGD on f = Σ_{i≤width} u_i w_i x per cell (``simulate_two_layer``):
        ``values["fraction_collapsed" | "fraction_correct" | "fraction_incorrect" |
        "fraction_diverged"]``, ``values["theory_labels"]`` (classify_phase of the same cells)
        and majority ``labels`` (``"III"`` collapsed, ``"I"`` correct, ``"II"`` incorrect,
        ``"diverged"``).
    divergence_edge : ndarray of shape (k, 2)
        Per simulated row, the smallest λ at which the diverged fraction reaches 1/2 (linear
        interpolation between cells), as (λ, y) points: the minimum's instability, a boundary
        the saddle theory does not predict (spec §4.9).
    noise, batch_size : float, int
        The fixed coordinate.
    critical_noise : float
        σ_c(S): the smallest label noise at which phase III exists (S = batch_size).
    critical_batch_size : float
        S_c = (σ/σ_c(1))², the batch size above which phase III disappears at noise σ (model A:
        σ_c(S) = √S σ_c(1) exactly).
    collapse_norm : float
        ‖θ‖ below which a simulated run counts as collapsed.
    """

    y: str
    analytic: PhaseDiagram
    simulated: PhaseDiagram
    divergence_edge: np.ndarray
    noise: float
    batch_size: int
    critical_noise: float
    critical_batch_size: float
    collapse_norm: float


_OUTCOME_LABELS = (("collapsed", "III"), ("correct", "I"), ("incorrect", "II"), ("diverged", "diverged"))


def _divergence_edge(x, y, diverged) -> np.ndarray:
    pts = []
    for j, row in enumerate(diverged):
        hit = np.flatnonzero(row >= 0.5)
        if hit.size == 0:
            continue
        i = int(hit[0])
        if i == 0:
            pts.append((float(x[0]), float(y[j])))
        else:
            f0, f1 = row[i - 1], row[i]
            pts.append((float(x[i - 1] + (0.5 - f0) / (f1 - f0) * (x[i] - x[i - 1])), float(y[j])))
    return np.array(pts, dtype=float).reshape(-1, 2)


def phase_overlay(y="noise", *, lr_max=0.5, n_lr=200, n_noise=120, noise_max=10.0, max_batch=16,
                  noise=6.0, batch_size=1, sim_lr=None, sim_y=None, n_steps=20_000, n_chains=16,
                  width=4, collapse_norm=1e-30, seed=0) -> PhaseOverlay:
    """Model A phase diagram over λ × σ (or λ × S) with a nonlinear-SGD overlay.

    Parameters
    ----------
    y : {"noise", "batch_size"}
    lr_max : float
        Largest learning rate shown; the analytic grid is linspace(lr_max/n_lr, lr_max, n_lr).
    n_lr, n_noise : int
        Analytic grid sizes (n_noise rows in σ ∈ [0.05, noise_max] for y = "noise").
    noise_max : float
    max_batch : int
        Batch sizes 1..max_batch for y = "batch_size".
    noise, batch_size : float, int
        Fixed σ (y = "batch_size") or fixed S (y = "noise").
    sim_lr, sim_y : array, optional
        Coarse grid of the simulation. Defaults: λ ∈ {0.02, 0.06, …} below lr_max;
        σ ∈ {0.5, 1.5, …} up to noise_max, or S ∈ {1, 2, 3, 4, 6, 8, 12, 16} (≤ max_batch).
    n_steps, n_chains, width : int
        Nonlinear SGD run length, trajectories per cell and hidden width (spec §4.9 uses
        1e5 steps and 40 trajectories; the figure uses fewer so that it draws in seconds).
    collapse_norm : float
        Collapse criterion ‖θ‖ < collapse_norm (init 1e-3·N(0, 1)). Default 1e-30 rather than
        the spec's 1e-12: where Λ₊ is slightly positive but the per-step log-variance is large
        (S = 4, σ = 6, λ ≈ 0.2: Λ₊ ≈ 0.005, std ≈ 0.5) a run reaches 1e-12 by diffusion within
        2e4 steps, so 1e-12 reports collapse outside phase III; 1e-30 does not.
    seed : int

    Returns
    -------
    PhaseOverlay
    """
    from ..phase import phase_diagram
    from ._sgd import simulate_two_layer

    if y not in ("noise", "batch_size"):
        raise ValueError(f"y must be 'noise' or 'batch_size'; got {y!r}")
    lr_max = as_positive_scalar(lr_max, "lr_max")
    n_lr = _count(n_lr, "n_lr", 2)
    n_noise = _count(n_noise, "n_noise", 2)
    noise_max = as_positive_scalar(noise_max, "noise_max")
    max_batch = _count(max_batch, "max_batch", 1)
    noise = as_positive_scalar(noise, "noise")
    batch_size = _count(batch_size, "batch_size", 1)
    collapse_norm = as_positive_scalar(collapse_norm, "collapse_norm")
    n_steps = _count(n_steps, "n_steps", 1)
    n_chains = _count(n_chains, "n_chains", 1)
    width = _count(width, "width", 1)
    lrs = np.linspace(lr_max / n_lr, lr_max, n_lr)
    if y == "noise":
        ys = np.linspace(0.05, noise_max, n_noise)
        default_sim_y = np.arange(0.5, noise_max + 1e-9, 1.0)
    else:
        ys = np.arange(1, max_batch + 1)
        default_sim_y = np.array([s for s in (1, 2, 3, 4, 6, 8, 12, 16, 24, 32) if s <= max_batch])
    sim_lr = np.arange(0.02, lr_max, 0.04) if sim_lr is None else _positive_grid(sim_lr, "sim_lr")
    sim_y = default_sim_y if sim_y is None else _positive_grid(sim_y, "sim_y")
    analytic = phase_diagram("sgd_stability", x_values=lrs, y_values=ys, method="analytic", y=y, noise=noise,
                             batch_size=batch_size, model="A", seed=seed, save=False, plot=False)

    shape = (sim_y.size, sim_lr.size)
    fractions = {name: np.empty(shape) for name, _ in _OUTCOME_LABELS}
    theory = np.empty(shape, dtype=object)
    for j, yv in enumerate(sim_y):
        sigma, S = (float(yv), batch_size) if y == "noise" else (noise, _count(yv, "sim_y", 1))
        run = simulate_two_layer(sim_lr, sigma, n_steps, n_chains, seed + j, width=width, batch_size=S,
                                 data="A", collapse_norm=collapse_norm)
        for name, _ in _OUTCOME_LABELS:
            fractions[name][j] = getattr(run, name)
        theory[j] = classify_phase(sim_lr, model_a_law(sigma, S))
    stacked = np.stack([fractions[name] for name, _ in _OUTCOME_LABELS])
    majority = np.array([lab for _, lab in _OUTCOME_LABELS])[stacked.argmax(axis=0)]
    values = {f"fraction_{name}": v for name, v in fractions.items()}
    values["theory_labels"] = theory.astype(str)
    simulated = PhaseDiagram(system="sgd_stability", x_name="learning rate λ", x=sim_lr, y_name=analytic.y_name,
                             y=sim_y, values=values, labels=majority,
                             params=dict(method="simulate", y=y, model="A", noise=noise, batch_size=batch_size,
                                         n_steps=n_steps, n_chains=n_chains, width=width,
                                         collapse_norm=collapse_norm, seed=seed))
    sigma_c1 = critical_collapse_noise(1)
    return PhaseOverlay(y=y, analytic=analytic, simulated=simulated,
                        divergence_edge=_divergence_edge(sim_lr, sim_y, fractions["diverged"]), noise=noise,
                        batch_size=batch_size, critical_noise=critical_collapse_noise(batch_size),
                        critical_batch_size=(noise / sigma_c1) ** 2, collapse_norm=collapse_norm)


# --------------------------------------------------------------------------------------------
# Figure 3: finite data set, all five phases on one λ axis (spec §4.4 (C), §7 case 7)
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FiniteDataExponents:
    """Exact exponents and phase bands of model C (finite data set, S = 1).

    Attributes
    ----------
    c : ndarray of shape (N,)
        Per-sample correlations c_i = κs₁x_iy_i.
    lr : ndarray of shape (L,)
        Learning-rate grid (includes the singular points).
    lambda_plus, lambda_minus : ndarray of shape (L,)
        Λ± = (1/N) Σ_i log|1 ± λc_i| (exact; −inf at the singular points).
    labels : ndarray of str, shape (L,)
        Phase label at each grid point (classify_phase, L₂ criterion for Ia/Ib).
    band_lo, band_hi : ndarray of shape (K,)
        Exact phase bands [lo, hi) covering (0, lr_max]; ends are zeros of Λ±
        (stable_learning_rates, exact for finite laws) and the L₂ line.
    band_label : ndarray of str, shape (K,)
    singular_plus : ndarray
        λ = −1/c_i for c_i < 0 (Λ₊ = −∞: the correct direction is annihilated).
    singular_minus : ndarray
        λ = 1/c_i for c_i > 0 (Λ₋ = −∞).
    l2_line, gd_line : float
        2E c/E c² (Ia/Ib split) and 2/E c.
    """

    c: np.ndarray
    lr: np.ndarray
    lambda_plus: np.ndarray
    lambda_minus: np.ndarray
    labels: np.ndarray
    band_lo: np.ndarray
    band_hi: np.ndarray
    band_label: np.ndarray
    singular_plus: np.ndarray
    singular_minus: np.ndarray
    l2_line: float
    gd_line: float


def finite_data_exponents(c=FINITE_DATA_C, lr_max=4.2, n_lr=3000) -> FiniteDataExponents:
    """Λ±(λ) and the exact phase bands of a finite data set with S = 1 (spec §4.4 (C)).

    Parameters
    ----------
    c : array of shape (N,)
        Per-sample correlations with positive mean (default: the spec's reference set, on which
        all five labels Ib, Ia, III, IV, II appear on one λ axis).
    lr_max : float
    n_lr : int
        Uniform grid points in (0, lr_max] (the singular points are added).

    Returns
    -------
    FiniteDataExponents
    """
    c = as_finite_array(c, "c", ndim=1)
    if c.size == 0 or c.mean() <= 0:
        raise ValueError("c must be a non-empty data set with positive mean (spec §4.2)")
    lr_max = as_positive_scalar(lr_max, "lr_max")
    n_lr = _count(n_lr, "n_lr", 2)
    sing_minus = np.sort(1.0 / c[c > 0])
    sing_plus = np.sort(-1.0 / c[c < 0])
    lr = np.unique(np.concatenate([np.linspace(lr_max / n_lr, lr_max, n_lr),
                                   sing_minus[sing_minus <= lr_max], sing_plus[sing_plus <= lr_max]]))
    ex = phase_exponents(lr, c)
    # exact band edges: ends of the stable sets of both directions and the L₂ line
    edges = {ex.l2_line}
    for h in (c, -c):                                  # Λ₋ = E log|1 − λc|, Λ₊ = E log|1 − λ(−c)|
        for lo, hi in stable_learning_rates(h, "probabilistic"):
            edges.update(v for v in (lo, hi) if 0.0 < v < lr_max)
    cuts = np.array(sorted(edges | {0.0, lr_max}))
    cuts = cuts[cuts <= lr_max]
    mids = 0.5 * (cuts[:-1] + cuts[1:])
    labels = np.asarray(classify_phase(mids, c)).astype(str)
    lo, hi, lab = [cuts[0]], [], [labels[0]]     # merge neighbours with the same label
    for k in range(1, labels.size):
        if labels[k] != lab[-1]:
            hi.append(cuts[k])
            lo.append(cuts[k])
            lab.append(labels[k])
    hi.append(cuts[-1])
    return FiniteDataExponents(
        c=c.copy(), lr=lr, lambda_plus=np.asarray(ex.lambda_plus), lambda_minus=np.asarray(ex.lambda_minus),
        labels=np.asarray(ex.label).astype(str), band_lo=np.array(lo), band_hi=np.array(hi),
        band_label=np.array(lab), singular_plus=sing_plus, singular_minus=sing_minus,
        l2_line=float(ex.l2_line), gd_line=float(ex.gd_line))


# --------------------------------------------------------------------------------------------
# Figure 4: GD, mean-square and probabilistic thresholds vs batch size (spec §6, §7, §12.1)
# --------------------------------------------------------------------------------------------

def _runs(mask: np.ndarray, x: np.ndarray) -> tuple:
    """(first, last) x of each run of True in mask."""
    out, start = [], None
    for i, m in enumerate(mask):
        if m and start is None:
            start = i
        if start is not None and (not m or i == mask.size - 1):
            end = i if m else i - 1
            out.append((float(x[start]), float(x[end])))
            start = None
    return tuple(out)


@dataclass(frozen=True)
class BatchThresholdsQR:
    """GD, mean-square and probabilistic (QR) stability of a 2-D interpolating regression.

    H_i = x_i x_iᵀ (κ = 1), batches of B of the n rows without replacement within a batch,
    i.i.d. across steps (Mulayoff & Michaeli's convention).

    Attributes
    ----------
    X : ndarray of shape (n, d)
    batch_sizes : ndarray of shape (nB,)
    gd_threshold : float
        2/λ_max(H) (Mulayoff & Michaeli Thm 1).
    ms_threshold : ndarray of shape (nB,)
        η*_var(B) = 2/λ_max(C†D) (Thm 3).
    lr : ndarray of shape (L,)
    exponent, standard_error : ndarray of shape (nB, L)
        Top Lyapunov exponent Λ₁ of Π(I − ηĤ_t) by QR (−inf where the product vanished).
    status : ndarray of int, shape (nB, L)
        +1 stable (Λ₁ + 3 SE < 0, or −inf), −1 unstable (Λ₁ − 3 SE > 0), 0 undecided.
    ps_intervals : tuple of nB tuples of (lo, hi)
        Runs of stable grid points (resolution: the grid step).
    ps_max : ndarray of shape (nB,)
        Largest stable grid learning rate.
    n_steps, n_chains, seed : int
    """

    X: np.ndarray
    batch_sizes: np.ndarray
    gd_threshold: float
    ms_threshold: np.ndarray
    lr: np.ndarray
    exponent: np.ndarray
    standard_error: np.ndarray
    status: np.ndarray
    ps_intervals: tuple
    ps_max: np.ndarray
    n_steps: int
    n_chains: int
    seed: int


def batch_thresholds_qr(X=REGRESSION_CASE_6, batch_sizes=None, lr_max=1.6, n_lr=320, n_steps=20_000,
                        n_chains=1, seed=0) -> BatchThresholdsQR:
    """Spec §7 case 6: the three notions vs batch size, PS by the QR (Benettin) method.

    Parameters
    ----------
    X : array of shape (n, d)
        Data rows (default x₁ = (2, 0), x₂ = (0, 1), x₃ = (1, 1)).
    batch_sizes : sequence of int, optional
        Default 1..n.
    lr_max : float
    n_lr : int
        Uniform grid in (0, lr_max].
    n_steps, n_chains : int
        QR steps per chain (after a 10 % burn-in) and chains per learning rate.
    seed : int

    Returns
    -------
    BatchThresholdsQR
    """
    from ._qr import FiniteRowsLaw, lyapunov_qr

    X = as_finite_array(X, "X", ndim=2)
    n = X.shape[0]
    batch_sizes = np.arange(1, n + 1) if batch_sizes is None else as_finite_array(batch_sizes, "batch_sizes", ndim=1)
    batch_sizes = np.array([_count(b, "batch_sizes", 1) for b in batch_sizes])
    if np.any(batch_sizes > n):
        raise ValueError(f"batch_sizes must be <= n = {n} (without replacement)")
    lr_max = as_positive_scalar(lr_max, "lr_max")
    n_lr = _count(n_lr, "n_lr", 2)
    lr = np.linspace(lr_max / n_lr, lr_max, n_lr)
    H = np.einsum("ia,ib->iab", X, X)
    ms = np.array([mean_square_threshold(H, int(B)) for B in batch_sizes])
    exps, ses = [], []
    for j, B in enumerate(batch_sizes):
        res = lyapunov_qr(lr, FiniteRowsLaw(X, batch_size=int(B), replace=False), _count(n_steps, "n_steps", 32),
                          seed + j, n_chains=_count(n_chains, "n_chains", 1))
        exps.append(res.exponents[:, 0])
        ses.append(res.standard_errors[:, 0])
    exps, ses = np.array(exps), np.array(ses)
    with np.errstate(invalid="ignore"):
        status = np.where((exps + 3 * ses < 0) | np.isneginf(exps), 1, np.where(exps - 3 * ses > 0, -1, 0))
    intervals = tuple(_runs(status[j] == 1, lr) for j in range(batch_sizes.size))
    ps_max = np.array([iv[-1][1] if iv else 0.0 for iv in intervals])
    return BatchThresholdsQR(X=X.copy(), batch_sizes=batch_sizes, gd_threshold=gd_threshold(H), ms_threshold=ms,
                             lr=lr, exponent=exps, standard_error=ses, status=status, ps_intervals=intervals,
                             ps_max=ps_max, n_steps=int(n_steps), n_chains=int(n_chains), seed=int(seed))


@dataclass(frozen=True)
class BatchThresholdsExact:
    """GD, mean-square and probabilistic stable sets of a 1-D regression, all exact.

    h_i = x_i² (commuting case: PS from the exact finite sum over the C(n, B) batch means).

    Attributes
    ----------
    x : ndarray of shape (n,)
    batch_sizes : ndarray of shape (nB,)
    gd_threshold : float
        2/mean(h).
    ms_threshold : ndarray of shape (nB,)
        2H/((1 − p)H² + p·mean(h²)), p = (n − B)/(B(n − 1)).
    ps_intervals : tuple of nB tuples of (lo, hi)
        Exact probabilistic stable set {η: E log|1 − ηĥ_B| < 0}.
    ps_max : ndarray of shape (nB,)
        Its supremum.
    """

    x: np.ndarray
    batch_sizes: np.ndarray
    gd_threshold: float
    ms_threshold: np.ndarray
    ps_intervals: tuple
    ps_max: np.ndarray


def batch_thresholds_exact(x=SCALAR_REGRESSION_X) -> BatchThresholdsExact:
    """1-D interpolating regression, batches without replacement: exact thresholds for B = 1..n.

    Parameters
    ----------
    x : array of shape (n,)
        Inputs (h_i = x_i²; default (0.5, 1, 1.5, 2)).

    Returns
    -------
    BatchThresholdsExact
    """
    x = as_finite_array(x, "x", ndim=1)
    if x.size < 2 or np.any(x == 0):
        raise ValueError("x must hold at least two nonzero inputs")
    h = x**2
    n = h.size
    batch_sizes = np.arange(1, n + 1)
    H = h[:, None, None]
    ms = np.array([mean_square_threshold(H, int(B)) for B in batch_sizes])
    intervals = []
    for B in batch_sizes:
        law = model_c_law(c=h, batch_size=int(B), sampling="without_replacement_within_batch")
        intervals.append(tuple((float(a), float(b)) for a, b in stable_learning_rates(law, "probabilistic")))
    return BatchThresholdsExact(x=x.copy(), batch_sizes=batch_sizes, gd_threshold=gd_threshold(H),
                                ms_threshold=ms, ps_intervals=tuple(intervals),
                                ps_max=np.array([iv[-1][1] for iv in intervals]))


# --------------------------------------------------------------------------------------------
# Figure 5: quartic-well collapse probability (Chen et al. 2023; spec §5.2 item 1)
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class QuarticCollapse:
    """Euler–Maruyama collapse probability of dθ = −(θ³ − μθ)dt + ζθ dW at several horizons.

    Attributes
    ----------
    zeta : ndarray of shape (Z,)
    horizons : ndarray of shape (K,)
        Simulated times T = n_steps·dt.
    probability : ndarray of shape (K, Z)
        Fraction of trajectories with θ_T² < collapse_sq.
    diverged : ndarray of shape (K, Z)
    mu, dt, collapse_sq : float
    threshold : float
        √(2μ): the SDE collapses iff ζ > √(2μ).
    em_threshold : float
        Zero of the Euler–Maruyama exponent (1/dt) E log|1 + μdt + ζ√dt Z| (O(dt) shift).
    zeta_grid : ndarray of shape (G,)
        Fine ζ grid for the T → ∞ curve.
    stationary_probability : ndarray of shape (G,)
        T → ∞ limit for the SDE on ``zeta_grid``: 1 for ζ > √(2μ); below it the stationary law
        p ∝ |θ|^{2μ/ζ² − 2} e^{−θ²/ζ²} gives P(θ² < collapse_sq) =
        P(Gamma(μ/ζ² − ½) < collapse_sq/ζ²), small but not zero near the threshold (the density
        piles up at 0); 0 at ζ = 0.
    horizon_midpoint : ndarray of shape (K,)
        ζ at which a trajectory starting at the well's minimum √μ has median log|θ_T| at the
        collapse level: r_EM(ζ)·T = log(√collapse_sq/√μ). Finite-horizon estimate of the 50 %
        point; it tends to ``em_threshold`` as T → ∞.
    n_chains, seed : int
    """

    zeta: np.ndarray
    horizons: np.ndarray
    probability: np.ndarray
    diverged: np.ndarray
    mu: float
    dt: float
    collapse_sq: float
    threshold: float
    em_threshold: float
    zeta_grid: np.ndarray
    stationary_probability: np.ndarray
    horizon_midpoint: np.ndarray
    n_chains: int
    seed: int


def quartic_collapse(zeta=None, n_steps=(20_000, 80_000), n_chains=80, mu=1.5, dt=0.0025, collapse_sq=1e-30,
                     seed=0) -> QuarticCollapse:
    """Collapse probability vs ζ at each horizon (spec §5.2 item 1, smaller than its 1000 × 80001).

    Parameters
    ----------
    zeta : array, optional
        Default linspace(0, 3, 31).
    n_steps : sequence of int
        Euler–Maruyama steps per horizon (T = n_steps·dt).
    n_chains : int
        Trajectories per (ζ, horizon), θ₀ ~ N(0, 4).
    mu, dt, collapse_sq : float
    seed : int

    Returns
    -------
    QuarticCollapse
    """
    from ._sgd import simulate_quartic_well

    zeta = np.linspace(0.0, 3.0, 31) if zeta is None else as_finite_array(zeta, "zeta", ndim=1)
    steps = [_count(s, "n_steps", 1) for s in np.atleast_1d(n_steps)]
    mu = as_positive_scalar(mu, "mu")
    dt = as_positive_scalar(dt, "dt")
    collapse_sq = as_positive_scalar(collapse_sq, "collapse_sq")
    prob, div = [], []
    for k, s in enumerate(steps):
        res = simulate_quartic_well(zeta, s, _count(n_chains, "n_chains", 1), seed + k, mu=mu, dt=dt,
                                    collapse_sq=collapse_sq)
        prob.append(res.collapsed)
        div.append(res.diverged)
    em = quartic_well_em_threshold(mu, dt)
    level = 0.5 * math.log(collapse_sq) - 0.5 * math.log(mu)    # log(√collapse_sq) − log √μ < 0
    mids = []
    for s in steps:
        target = level / (s * dt)

        def f(z, target=target):
            return float(quartic_well_em_exponent(mu, z, dt)) - target

        mids.append(optimize.brentq(f, em, em + 10.0, xtol=1e-10))
    threshold = quartic_well_collapse_threshold(mu)
    grid = np.union1d(np.linspace(0.0, max(float(zeta.max()), threshold), 601), [threshold])
    stationary = np.ones(grid.shape)                  # from √(2μ) on: collapse as T → ∞
    z = grid[grid < threshold]
    vals = np.zeros(z.shape)                          # ζ = 0: deterministic, no collapse
    pos = z > 0
    vals[pos] = special.gammainc(mu / z[pos] ** 2 - 0.5, collapse_sq / z[pos] ** 2)
    stationary[grid < threshold] = vals
    return QuarticCollapse(zeta=zeta, horizons=np.array(steps) * dt, probability=np.array(prob),
                           diverged=np.array(div), mu=mu, dt=dt, collapse_sq=collapse_sq,
                           threshold=threshold, em_threshold=em, zeta_grid=grid, stationary_probability=stationary,
                           horizon_midpoint=np.array(mids), n_chains=int(n_chains), seed=int(seed))


# --------------------------------------------------------------------------------------------
# Figure 6: teacher–student rank under label noise (Chen et al. 2023; spec §5.2 item 3)
# --------------------------------------------------------------------------------------------

def teacher_student_singular_values(n_samples=1024, dim=64, rank=8, s_min=0.5, s_max=1.0, label_noise=0.5,
                                    seed=0) -> np.ndarray:
    """Empirical mode strengths ŝ_k: singular values of XᵀY/N for a rank-r linear teacher.

    X ~ N(0, 1)^{N×n}, teacher W* = U diag(linspace(s_min, s_max, r)) Vᵀ (random orthonormal
    U, V), Y = XW*ᵀ + label_noise·N(0, 1) (spec §5.2 item 3: N = 1024, n = m = 64, r = 8,
    σ_y = 0.5). The r teacher modes come out near their singular values, the others are noise
    singular values of size ~σ_y √(n/N).

    Returns
    -------
    ndarray of shape (dim,)
        Descending.
    """
    N = _count(n_samples, "n_samples", 1)
    n = _count(dim, "dim", 1)
    r = _count(rank, "rank", 1)
    if r > n:
        raise ValueError(f"rank must be <= dim = {n}; got {r}")
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, n))
    U, _ = np.linalg.qr(rng.standard_normal((n, r)))
    V, _ = np.linalg.qr(rng.standard_normal((n, r)))
    W = U @ np.diag(np.linspace(s_min, s_max, r)) @ V.T
    Y = X @ W.T + label_noise * rng.standard_normal((N, n))
    return np.linalg.svd(X.T @ Y / N, compute_uv=False)


@dataclass(frozen=True)
class TeacherStudentRank:
    """Learned rank of the diagonal teacher–student model vs label noise: simulation and theory.

    Attributes
    ----------
    s_hat : ndarray of shape (K,)
        Mode strengths ŝ_k (descending).
    noise : ndarray of shape (M,)
        Label-noise levels σ.
    lr : float
        Step size; η = lr/n_samples.
    eta : float
    theory_rank : ndarray of int, shape (M,)
        #{k: ŝ_k > ησ²/2} (collapse iff the exponent ŝ_k − ησ²/2 ≤ 0).
    noise_grid : ndarray of shape (G,)
        Fine σ grid over [0, max(noise)] for drawing the theory staircase.
    theory_rank_grid : ndarray of int, shape (G,)
    snapshot_rank : ndarray of shape (M,)
        Expected number of surviving modes with u_kv_k > active_tol at a single time when each
        survivor is at its stationary law (see :func:`teacher_student_rank`).
    rank : ndarray of int, shape (M, n_chains)
        Simulated learned modes per trajectory (u_kv_k > active_tol at the end).
    mean_rank : ndarray of shape (M,)
    mean_product : ndarray of shape (M, K)
        Mean over trajectories of the final u_kv_k.
    shrunk : ndarray of shape (M, K)
        max(ŝ_k − ησ²/2, 0).
    n_steps, n_samples, n_chains, seed : int
    active_tol, init_scale : float
    resolution : float
        ln(active_tol/init_scale²)/(2T): a surviving mode with exponent below this has not grown
        from the initialisation to active_tol by the end (T = n_steps·η).
    """

    s_hat: np.ndarray
    noise: np.ndarray
    lr: float
    eta: float
    theory_rank: np.ndarray
    noise_grid: np.ndarray
    theory_rank_grid: np.ndarray
    snapshot_rank: np.ndarray
    rank: np.ndarray
    mean_rank: np.ndarray
    mean_product: np.ndarray
    shrunk: np.ndarray
    n_steps: int
    n_samples: int
    n_chains: int
    seed: int
    active_tol: float
    init_scale: float
    resolution: float


def _snapshot_count(s_hat, eta, sigma, tol) -> float:
    """Σ_k P(x_k > tol), x_k ~ Gamma(a_k/(ησ²), scale ησ²), a_k = ŝ_k − ησ²/2 > 0.

    Our derivation [D]: with u = v = r the SDE of a surviving mode is
    d log r = (a − r²)dt − √η σ dW, whose stationary density in x = r² = u v is
    ∝ x^{a/(ησ²) − 1} e^{−x/(ησ²)} (mean a: the ŝ − ησ²/2 shrinkage). Small a/(ησ²) puts most
    of the mass near 0, so a snapshot threshold misses survivors.
    """
    a = s_hat - 0.5 * eta * sigma**2
    alive = a > 0
    if sigma == 0:
        return float(np.count_nonzero(alive & (s_hat > tol)))
    g2 = eta * sigma**2
    return float(np.sum(stats.gamma.sf(tol, a[alive] / g2, scale=g2)))


def teacher_student_rank(noise=None, s_hat=None, lr=3.0, n_steps=60_001, n_chains=6, n_samples=1024,
                         active_tol=1e-4, init_scale=1e-3, seed=0) -> TeacherStudentRank:
    """Per-mode SGD with label noise vs the collapse count #{k: ŝ_k > ησ²/2} (spec §5.2 item 3).

    Spec settings except: no learning-rate drop (so that the stationary laws hold at the end) and
    a snapshot threshold u_kv_k > 1e-4 (init u_kv_k ~ 1e-6) instead of 1e-2, which loses fewer
    surviving modes to their log-scale fluctuations.

    Parameters
    ----------
    noise : array, optional
        Label-noise levels; default 0, 2, …, 24.
    s_hat : array, optional
        Mode strengths; default :func:`teacher_student_singular_values` (seed ``seed``).
    lr : float
        Step size (η = lr/n_samples).
    n_steps, n_chains, n_samples : int
    active_tol, init_scale : float
    seed : int

    Returns
    -------
    TeacherStudentRank
    """
    from ._sgd import simulate_teacher_student_modes

    noise = np.arange(0.0, 25.0, 2.0) if noise is None else as_finite_array(noise, "noise", ndim=1)
    s_hat = teacher_student_singular_values(seed=seed) if s_hat is None else as_finite_array(s_hat, "s_hat", ndim=1)
    s_hat = np.sort(s_hat)[::-1]
    lr = as_positive_scalar(lr, "lr")
    n_samples = _count(n_samples, "n_samples", 1)
    n_steps = _count(n_steps, "n_steps", 1)
    active_tol = as_positive_scalar(active_tol, "active_tol")
    init_scale = as_positive_scalar(init_scale, "init_scale")
    eta = lr / n_samples
    res = simulate_teacher_student_modes(s_hat, noise, lr, n_steps, _count(n_chains, "n_chains", 1), seed,
                                         n_samples=n_samples, init_scale=init_scale, active_tol=active_tol)
    theory = np.array([effective_rank(s_hat, eta, float(sg)) for sg in noise])
    grid = np.linspace(0.0, float(noise.max()), 400)
    theory_grid = np.array([effective_rank(s_hat, eta, float(sg)) for sg in grid])
    snap = np.array([_snapshot_count(s_hat, eta, float(sg), active_tol) for sg in noise])
    shrunk = np.array([shrunk_singular_values(s_hat, eta, float(sg)) for sg in noise])
    T = n_steps * eta
    return TeacherStudentRank(
        s_hat=s_hat, noise=noise, lr=lr, eta=eta, theory_rank=theory, noise_grid=grid,
        theory_rank_grid=theory_grid, snapshot_rank=snap, rank=res.rank,
        mean_rank=res.mean_rank, mean_product=res.product.mean(axis=-2), shrunk=shrunk, n_steps=n_steps,
        n_samples=n_samples, n_chains=int(n_chains), seed=int(seed), active_tol=active_tol, init_scale=init_scale,
        resolution=math.log(active_tol / init_scale**2) / (2.0 * T))

