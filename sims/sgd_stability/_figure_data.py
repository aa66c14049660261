"""Data behind the phase-diagram figures of the SGD-stability theory (Ziyin et al. 2023).

Settings: docs/sgd_stability.md#phases-of-the-two-layer-net and docs/sgd_stability.md#nonlinear-check.
Figures 1–2 (analytic phase diagram of the two-layer net at the origin
saddle, with nonlinear-SGD outcomes) and Figure 3 (a finite data set, all five phases on one λ
axis); the threshold and stochastic-collapse figures (4–6) are in ``_figure_data_thresholds``.
Each figure is split in two: a small compute function here returning a frozen dataclass of plain
arrays (tested for the qualitative facts the theory predicts), and a ``plot_*`` function in
``_plots`` drawing it. Nothing here imports matplotlib. Conventions: κ = s₁ = 1 (loss
½(f − y)², σ'(0) = 1); batches i.i.d. across steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from theory.sgd_stability import (
    classify_phase,
    critical_collapse_noise,
    model_a_law,
    phase_exponents,
    stable_learning_rates,
)
from theory.validate import as_choice, as_count, as_finite_array, as_positive_scalar

from ..phase import PhaseDiagram

__all__ = [
    "FINITE_DATA_C",
    "FiniteDataExponents",
    "PhaseOverlay",
    "finite_data_exponents",
    "phase_overlay",
]

# Reference setting (docs/sgd_stability.md#data-models, model C).
FINITE_DATA_C = (2.0, 1.5, 0.8, -0.5, -1.2)


def _count(x, name: str, minimum: int) -> int:
    return as_count(x, name, minimum=minimum)


def _positive_grid(values, name: str) -> np.ndarray:
    arr = as_finite_array(values, name, ndim=1)
    if arr.size == 0 or np.any(arr <= 0):
        raise ValueError(f"{name} must be a non-empty 1-D array of values > 0")
    return arr


# --------------------------------------------------------------------------------------------
# Figures 1–2: analytic phase diagram with nonlinear-SGD outcomes (model A; docs/sgd_stability.md#nonlinear-check)
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
        Ia/Ib/III/IV (no II in model A, docs/sgd_stability.md#why-phase-ii-is-rare) and the boundary point sets.
    simulated : PhaseDiagram
        Nonlinear SGD on f = Σ_{i≤width} u_i w_i x per cell (``simulate_two_layer``):
        ``values["fraction_collapsed" | "fraction_correct" | "fraction_incorrect" |
        "fraction_diverged"]``, ``values["theory_labels"]`` (classify_phase of the same cells)
        and majority ``labels`` (``"III"`` collapsed, ``"I"`` correct, ``"II"`` incorrect,
        ``"diverged"``).
    divergence_edge : ndarray of shape (k, 2)
        Per simulated row, the smallest λ at which the diverged fraction reaches 1/2 (linear
        interpolation between cells), as (λ, y) points: the minimum's instability, a boundary
        the saddle theory does not predict (docs/sgd_stability.md#nonlinear-check).
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
        Nonlinear SGD run length, trajectories per cell and hidden width (Ziyin et al.'s experiment as we read it used
        1e5 steps and 40 trajectories, docs/sgd_stability.md#nonlinear-check; the figure uses fewer so that it draws in seconds).
    collapse_norm : float
        Collapse criterion ‖θ‖ < collapse_norm (init 1e-3·N(0, 1)). Default 1e-30 rather than
        1e-12: where Λ₊ is slightly positive but the per-step log-variance is large
        (S = 4, σ = 6, λ ≈ 0.2: Λ₊ ≈ 0.005, std ≈ 0.5) a run reaches 1e-12 by diffusion within
        2e4 steps, so 1e-12 reports collapse outside phase III; 1e-30 does not.
    seed : int

    Returns
    -------
    PhaseOverlay
    """
    from ..phase import phase_diagram
    from ._sgd import simulate_two_layer

    as_choice(y, "y", ("noise", "batch_size"))
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
    if y == "batch_size" and np.any(sim_y != np.round(sim_y)):
        raise ValueError("sim_y must hold integer batch sizes when y = 'batch_size'")
    analytic = phase_diagram("sgd_stability", x_values=lrs, y_values=ys, method="analytic", y=y, noise=noise,
                             batch_size=batch_size, model="A", seed=seed, save=False, plot=False)

    shape = (sim_y.size, sim_lr.size)
    fractions = {name: np.empty(shape) for name, _ in _OUTCOME_LABELS}
    theory = np.empty(shape, dtype=object)
    for j, yv in enumerate(sim_y):
        sigma, S = (float(yv), batch_size) if y == "noise" else (noise, int(yv))
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
# Figure 3: finite data set, all five phases on one λ axis (docs/sgd_stability.md#data-models, model C; docs/sgd_stability.md#reference-cases, case 7)
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
    """Λ±(λ) and the exact phase bands of a finite data set with S = 1 (docs/sgd_stability.md#data-models, model C).

    Parameters
    ----------
    c : array of shape (N,)
        Per-sample correlations with positive mean (default: the reference set of docs/sgd_stability.md#data-models, on which
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
        raise ValueError("c must be a non-empty data set with positive mean (the phase table assumes E c > 0)")
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
