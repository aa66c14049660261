"""Data behind the threshold and stochastic-collapse figures of the SGD-stability theory.

Ziyin et al. 2023; Chen et al. 2023; Mulayoff & Michaeli 2024. Derivations: docs/sgd_stability.md#mean-square-threshold,
docs/sgd_stability.md#collapse-examples; settings: docs/sgd_stability.md#reference-cases. Figure 4 (GD, mean-square and probabilistic stability thresholds vs batch size), Figure 5
(quartic-well collapse probability) and Figure 6 (teacher–student rank under label noise); the
phase-diagram figures (1–3) are in ``_figure_data``. As there, each compute function returns a
frozen dataclass of plain arrays (tested for the qualitative facts the theory predicts) drawn by a
``plot_*`` function in ``_plots``; nothing here imports matplotlib; simulators are
imported on first use. Conventions: κ = s₁ = 1; batches i.i.d. across steps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special, stats

from theory.sgd_stability import (
    effective_rank,
    gd_threshold,
    mean_square_threshold,
    model_c_law,
    quartic_well_collapse_threshold,
    quartic_well_em_exponent,
    quartic_well_em_threshold,
    shrunk_singular_values,
    stable_learning_rates,
)
from theory.validate import as_choice, as_finite_array, as_positive_scalar

from ._figure_data import _count

__all__ = [
    "REGRESSION_CASE_6",
    "SCALAR_REGRESSION_X",
    "BatchThresholdsExact",
    "BatchThresholdsQR",
    "QuarticCollapse",
    "TeacherStudentRank",
    "batch_thresholds_exact",
    "batch_thresholds_qr",
    "quartic_collapse",
    "teacher_student_rank",
    "teacher_student_singular_values",
    "TEACHER_STUDENT_DATA_MODELS",
]

# Reference settings (docs/sgd_stability.md#reference-cases, cases 6 and 2).
REGRESSION_CASE_6 = ((2.0, 0.0), (0.0, 1.0), (1.0, 1.0))
SCALAR_REGRESSION_X = (0.5, 1.0, 1.5, 2.0)


# --------------------------------------------------------------------------------------------
# Figure 4: GD, mean-square and probabilistic thresholds vs batch size (docs/sgd_stability.md#mean-square-threshold)
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
    """Case 6 of docs/sgd_stability.md#reference-cases: the three notions vs batch size, PS by the QR (Benettin) method.

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
    from ._qr import lyapunov_qr
    from ._qr_laws import FiniteRowsLaw

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
# Figure 5: quartic-well collapse probability (Chen et al. 2023; docs/sgd_stability.md#collapse-examples)
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
    """Collapse probability vs ζ at each horizon (docs/sgd_stability.md#collapse-examples; fewer runs than Chen et al.'s 1000 × 80001).

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
    from ._collapse_sims import simulate_quartic_well

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
# Figure 6: teacher–student rank under label noise (Chen et al. 2023; docs/sgd_stability.md#collapse-examples)
# --------------------------------------------------------------------------------------------

TEACHER_STUDENT_DATA_MODELS = ("chen2023", "gaussian")


def teacher_student_singular_values(n_samples=1024, dim=64, rank=8, s_min=0.5, s_max=1.0, label_noise=0.5,
                                    seed=0, data_model="gaussian") -> np.ndarray:
    """Empirical mode strengths ŝ_k of a rank-r linear teacher, in one of two data models.

    Teacher W* = U diag(linspace(s_min, s_max, r)) Vᵀ (random orthonormal U, V), n = m = ``dim``,
    N = ``n_samples``, Y = XW*ᵀ + E. Chen et al.'s settings (docs/sgd_stability.md#collapse-examples):
    N = 1024, n = m = 64, r = 8.

    * ``data_model="chen2023"`` (Chen et al. 2023, their Fig. 5 setting): X has orthonormal columns
      (XᵀX = I), E has i.i.d. N(0, (label_noise/√m)²) entries, and ŝ are the singular values of XᵀY
      (no 1/N) = those of W*ᵀ + XᵀE; the per-mode curvature is 1, so the SGD step is η itself.
    * ``data_model="gaussian"``: X ~ N(0, 1)^{N×n}, E ~ label_noise·N(0, 1), ŝ from XᵀY/N (the loss
      averaged over the N samples: η = lr/N). The r teacher modes come out near their singular
      values, the others are noise singular values of size ~label_noise·√(n/N).

    Parameters
    ----------
    n_samples, dim, rank : int
        N, n = m and r ≤ n.
    s_min, s_max : float
        Range of the teacher's singular values.
    label_noise : float
        Fixed label noise of the data set (``"chen2023"``: 0.5/√m per entry; ``"gaussian"``: 0.5).
    seed : int
    data_model : {"chen2023", "gaussian"}, default "gaussian"

    Returns
    -------
    ndarray of shape (dim,)
        Descending.
    """
    N = _count(n_samples, "n_samples", 1)
    n = _count(dim, "dim", 1)
    r = _count(rank, "rank", 1)
    as_choice(data_model, "data_model", TEACHER_STUDENT_DATA_MODELS)
    if r > n:
        raise ValueError(f"rank must be <= dim = {n}; got {r}")
    if data_model == "chen2023" and N < n:
        raise ValueError(f"n_samples must be >= dim = {n} for orthonormal input columns (XᵀX = I); got {N}")
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, n))
    U, _ = np.linalg.qr(rng.standard_normal((n, r)))
    V, _ = np.linalg.qr(rng.standard_normal((n, r)))
    W = U @ np.diag(np.linspace(s_min, s_max, r)) @ V.T
    if data_model == "gaussian":
        Y = X @ W.T + label_noise * rng.standard_normal((N, n))
        return np.linalg.svd(X.T @ Y / N, compute_uv=False)
    X, _ = np.linalg.qr(X)                                   # orthonormal columns: XᵀX = I
    m = n                                                    # outputs: m = n = dim
    Y = X @ W.T + (label_noise / math.sqrt(m)) * rng.standard_normal((N, m))
    return np.linalg.svd(X.T @ Y, compute_uv=False)


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
        from the initialisation to active_tol by the end (T = n_steps·η); nan for the start
        u = v = 1 (nothing has to grow).
    data_model : str
        ``"chen2023"`` or ``"gaussian"`` (:func:`teacher_student_singular_values`).
    start : str
        ``"random"`` (init_scale·N(0, 1)) or ``"ones"`` (u = v = 1, Chen et al.).
    lr_drop_step : int or None
        Step from which the step size is multiplied by ``lr_drop_factor`` (None: no drop).
    lr_drop_factor : float
    record_steps : ndarray of int64, shape (R,)
        Steps of the recorded trajectory (empty if none).
    record_rank : ndarray of shape (M, R)
        Mean learned modes (u_kv_k > active_tol) over the runs after each recorded step count.
    record_loss : ndarray of shape (M, R)
        Mean mode-basis training loss ½Σ_k(u_kv_k − ŝ_k)² over the runs.
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
    data_model: str = "gaussian"
    start: str = "random"
    lr_drop_step: int | None = None
    lr_drop_factor: float = 0.1
    record_steps: np.ndarray = None
    record_rank: np.ndarray = None
    record_loss: np.ndarray = None


def _snapshot_count(s_hat, eta, sigma, tol) -> float:
    """Σ_k P(x_k > tol), x_k ~ Gamma(a_k/(ησ²), scale ησ²), a_k = ŝ_k − ησ²/2 > 0.

    Our derivation (docs/sgd_stability.md#collapse-examples): with u = v = r the SDE of a surviving mode is
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
                         active_tol=1e-4, init_scale=1e-3, seed=0, data_model="gaussian", start="random",
                         lr_drop_step=None, lr_drop_factor=0.1, record_steps=None) -> TeacherStudentRank:
    """Per-mode SGD with label noise vs the collapse count #{k: ŝ_k > ησ²/2} (docs/sgd_stability.md#collapse-examples).

    Two protocols. Chen et al.'s (their Fig. 5): ``data_model="chen2023"``, ``start="ones"``
    (u = v = 1), ``lr_drop_step=50_000`` of 60 001 steps and a snapshot threshold
    u_kv_k > 1e-2 after the drop. Ours (the defaults): Gaussian inputs, a small random start, no
    drop (so that the stationary laws hold at the end) and a threshold 1e-4 (init u_kv_k ~ 1e-6),
    which loses fewer surviving modes to their log-scale fluctuations.

    Parameters
    ----------
    noise : array, optional
        Label-noise levels; default 0, 2, …, 24.
    s_hat : array, optional
        Mode strengths; default :func:`teacher_student_singular_values` (seed ``seed``,
        ``data_model``).
    lr : float
        Step size; η = lr/n_samples (the same normalisation in both data models, so that the
        threshold ησ²/2 is comparable; for ``"chen2023"`` it is the step η itself).
    n_steps, n_chains, n_samples : int
    active_tol, init_scale : float
    seed : int
    data_model : {"gaussian", "chen2023"}
    start : {"random", "ones"}
    lr_drop_step : int, optional
    lr_drop_factor : float
    record_steps : sequence of int, optional
        Steps at which the mean rank and loss are recorded (one run; default none).

    Returns
    -------
    TeacherStudentRank
    """
    from ._collapse_modes import simulate_teacher_student_modes

    as_choice(data_model, "data_model", TEACHER_STUDENT_DATA_MODELS)
    as_choice(start, "start", ("random", "ones"))
    noise = np.arange(0.0, 25.0, 2.0) if noise is None else as_finite_array(noise, "noise", ndim=1)
    s_hat = (teacher_student_singular_values(seed=seed, data_model=data_model) if s_hat is None
             else as_finite_array(s_hat, "s_hat", ndim=1))
    s_hat = np.sort(s_hat)[::-1]
    lr = as_positive_scalar(lr, "lr")
    n_samples = _count(n_samples, "n_samples", 1)
    n_steps = _count(n_steps, "n_steps", 1)
    active_tol = as_positive_scalar(active_tol, "active_tol")
    init_scale = as_positive_scalar(init_scale, "init_scale")
    eta = lr / n_samples
    ones = dict(u0=1.0, v0=1.0) if start == "ones" else {}
    res = simulate_teacher_student_modes(s_hat, noise, lr, n_steps, _count(n_chains, "n_chains", 1), seed,
                                         n_samples=n_samples, init_scale=init_scale, active_tol=active_tol,
                                         lr_drop_step=lr_drop_step, lr_drop_factor=lr_drop_factor,
                                         record_steps=record_steps, **ones)
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
        resolution=(math.log(active_tol / init_scale**2) / (2.0 * T) if start == "random" else math.nan),
        data_model=data_model, start=start, lr_drop_step=None if lr_drop_step is None else int(lr_drop_step),
        lr_drop_factor=float(lr_drop_factor), record_steps=res.record_steps,
        record_rank=res.record_rank.mean(axis=-2), record_loss=res.record_loss.mean(axis=-2))
