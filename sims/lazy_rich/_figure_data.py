"""Data behind the figures of the lazy/rich minimal model (Kunin et al. 2024, arXiv 2406.06158).

Settings: docs/lazy_rich.md#figure-settings. Each figure is split in two: a small compute function here returning a frozen
dataclass of plain arrays (tested for the qualitative shape the paper reports), and a ``plot_*``
function in ``_plots`` drawing it. Nothing here imports matplotlib. All settings use unit rates
(η_a = η_w = 1) and a0 > 0 from :func:`init_from_beta`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from theory.lazy_rich import (
    exact_solution,
    init_from_beta,
    kernel_distance,
    limit_prediction,
)
from theory.validate import MAX_ENTRIES, as_count, as_finite_array, as_finite_scalar, as_positive_scalar

__all__ = [
    "BasinRuns",
    "DynamicsCurves",
    "ImplicitBiasPaths",
    "SignFlipRuns",
    "SurfacePanel",
    "basin_runs",
    "conserved_surface_mesh",
    "dynamics_curves",
    "implicit_bias_paths",
    "separatrix_init",
    "sign_flip_runs",
    "surface_panel",
]

# Paper settings (docs/lazy_rich.md#figure-settings).
WHITENED_BETA0 = (-1.0, 0.0)
WHITENED_BETA_STAR = (0.0, 1.0)
DELTAS = (-4.0, -2.0, -1.0, 0.0, 1.0, 2.0, 4.0)


def _as_deltas(deltas, name="deltas") -> np.ndarray:
    deltas = as_finite_array(deltas, name, ndim=1)
    if deltas.size == 0:
        raise ValueError(f"{name} must contain at least one value")
    return deltas


def _times(T, n_t, name_T="T", name_n="n_t") -> np.ndarray:
    T = as_positive_scalar(T, name_T)
    return np.linspace(0.0, T, as_count(n_t, name_n, minimum=2, maximum=MAX_ENTRIES))


# --------------------------------------------------------------------------------------------
# Fig 2: conserved surfaces in (w1, w2, a)
# --------------------------------------------------------------------------------------------

def conserved_surface_mesh(delta, extent=2.0, n=25):
    r"""Mesh of the conserved surface {(w1, w2, a): a² − w1² − w2² = δ} (unit rates, d = 2).

    δ > 0: two-sheeted hyperboloid a = ±√(δ + r²); δ = 0: double cone a = ±r; δ < 0:
    one-sheeted hyperboloid a = √|δ| sinh u, r = √|δ| cosh u (docs/lazy_rich.md#the-model-and-its-conserved-quantity). Only the part with
    r ≤ extent and |a| ≤ extent is meshed.

    Returns
    -------
    list of (W1, W2, A) tuples of arrays of shape (n, n): one per sheet.
    """
    delta = as_finite_scalar(delta, "delta")
    extent = as_positive_scalar(extent, "extent")
    theta = np.linspace(0.0, 2.0 * np.pi, n)
    if delta < 0:
        root = np.sqrt(-delta)
        if root >= extent:
            return []
        u_max = min(np.arcsinh(extent / root), np.arccosh(extent / root))
        u = np.linspace(-u_max, u_max, n)
        U, TH = np.meshgrid(u, theta, indexing="ij")
        R = root * np.cosh(U)
        return [(R * np.cos(TH), R * np.sin(TH), root * np.sinh(U))]
    r_max = np.sqrt(max(extent**2 - delta, 0.0))
    if r_max == 0.0:
        return []
    r = np.linspace(0.0, min(r_max, extent), n)
    Rg, TH = np.meshgrid(r, theta, indexing="ij")
    A = np.sqrt(delta + Rg**2)
    W1, W2 = Rg * np.cos(TH), Rg * np.sin(TH)
    return [(W1, W2, A), (W1, W2, -A)]


@dataclass(frozen=True)
class SurfacePanel:
    """Data of one panel of the surfaces figure.

    Attributes
    ----------
    delta : float
    t : ndarray of shape (T,)
    a : ndarray of shape (T,)
        Exact trajectory a(t).
    w : ndarray of shape (T, 2)
        Exact trajectory w(t).
    mesh : list of (W1, W2, A) arrays
        The conserved surface (see :func:`conserved_surface_mesh`).
    manifold : tuple of two arrays of shape (M, 3)
        The solution manifold a·w = β* as points (w1, w2, a), one branch per sign of a.
    a_inf : float
        Predicted limit a∞ (docs/lazy_rich.md#limit-basins-and-sign-flip).
    """

    delta: float
    t: np.ndarray
    a: np.ndarray
    w: np.ndarray
    mesh: list
    manifold: tuple
    a_inf: float


def surface_panel(delta, beta0=WHITENED_BETA0, beta_star=WHITENED_BETA_STAR, T=20.0, n_t=400,
                  extent=2.0) -> SurfacePanel:
    """Exact trajectory, conserved surface and solution manifold for one δ (d = 2, XᵀX = I).

    Parameters
    ----------
    delta : float
    beta0, beta_star : array of shape (2,)
    T : float
        Final time.
    n_t : int
        Number of trajectory samples.
    extent : float
        Half-width of the drawn box in w1, w2 and a.

    Returns
    -------
    SurfacePanel
    """
    delta = as_finite_scalar(delta, "delta")
    beta0 = as_finite_array(beta0, "beta0", shape=(2,))
    beta_star = as_finite_array(beta_star, "beta_star", shape=(2,))
    extent = as_positive_scalar(extent, "extent")
    t = _times(T, n_t)
    a0, w0 = init_from_beta(beta0, delta)
    sol = exact_solution(a0, w0, beta_star, t)
    s = float(np.linalg.norm(beta_star))
    a_branch = np.linspace(s / extent, extent, 200)
    manifold = tuple(np.column_stack([np.outer(1.0 / (sg * a_branch), beta_star), sg * a_branch])
                     for sg in (1.0, -1.0))
    return SurfacePanel(delta=delta, t=t, a=sol.a, w=sol.w,
                        mesh=conserved_surface_mesh(delta, extent=extent),
                        manifold=manifold, a_inf=limit_prediction(a0, w0, beta_star).a_inf)


# --------------------------------------------------------------------------------------------
# Fig 3: μ(t), φ(t), S(0, t)
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DynamicsCurves:
    """Data of the dynamics figure (Fig 3): exact μ, φ and kernel distance per δ.

    Attributes
    ----------
    t : ndarray of shape (T,)
    deltas : ndarray of shape (K,)
    mu : ndarray of shape (K, T)
        Signed magnitude μ = a‖w‖.
    phi : ndarray of shape (K, T)
        Alignment φ = cos∠(w, β*).
    kernel_distance : ndarray of shape (K, T)
        S(0, t) with the correct a(t)² cross term (docs/lazy_rich.md#lazy-and-rich-measures).
    kernel_distance_compat : ndarray of shape (K, T)
        S(0, t) with the published code's a(0)² cross term (for comparison only).
    kernel_distance_limit : ndarray of shape (K,)
        S(0, ∞), from the predicted limit (a∞, w∞) (docs/lazy_rich.md#limit-basins-and-sign-flip).
    """

    t: np.ndarray
    deltas: np.ndarray
    mu: np.ndarray
    phi: np.ndarray
    kernel_distance: np.ndarray
    kernel_distance_compat: np.ndarray
    kernel_distance_limit: np.ndarray


def dynamics_curves(deltas=DELTAS, beta0=WHITENED_BETA0, beta_star=WHITENED_BETA_STAR, T=20.0,
                    n_t=801) -> DynamicsCurves:
    """μ(t), φ(t) and S(0, t) from the exact solution (XᵀX = I, unit rates), one row per δ.

    Parameters
    ----------
    deltas : sequence of float
    beta0, beta_star : array of shape (d,)
    T : float
    n_t : int

    Returns
    -------
    DynamicsCurves
    """
    deltas = _as_deltas(deltas)
    beta0 = as_finite_array(beta0, "beta0", ndim=1)
    beta_star = as_finite_array(beta_star, "beta_star", shape=beta0.shape)
    t = _times(T, n_t)
    inits = [init_from_beta(beta0, d) for d in deltas]
    a0 = np.array([a for a, _ in inits])
    w0 = np.array([w for _, w in inits])
    sol = exact_solution(a0, w0, beta_star, t)
    S = np.array([kernel_distance(a0[k], w0[k], sol.a[k], sol.w[k]) for k in range(deltas.size)])
    S_compat = np.array([kernel_distance(a0[k], w0[k], sol.a[k], sol.w[k], compat=True)
                         for k in range(deltas.size)])
    S_inf = []
    for k in range(deltas.size):
        lim = limit_prediction(a0[k], w0[k], beta_star)
        S_inf.append(kernel_distance(a0[k], w0[k], lim.a_inf, lim.w_inf))
    return DynamicsCurves(t=t, deltas=deltas, mu=sol.mu, phi=sol.phi, kernel_distance=S,
                          kernel_distance_compat=S_compat, kernel_distance_limit=np.array(S_inf))


# --------------------------------------------------------------------------------------------
# Fig 4b: implicit bias for one sample in 2-D
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImplicitBiasPaths:
    """Data of the rank-1 implicit-bias figure (Fig 4b).

    Attributes
    ----------
    x : ndarray of shape (2,)
        The one training input.
    y : float
        Its target.
    beta0 : ndarray of shape (2,)
    deltas : ndarray of shape (K,)
    t : ndarray of shape (T,)
    beta : ndarray of shape (K, T, 2)
        Gradient-flow trajectories β(t).
    endpoint : ndarray of shape (K, 2)
        β(T) from gradient flow.
    prediction : ndarray of shape (K, 2)
        Implicit-bias prediction (Bregman projection under Φ_δ, docs/lazy_rich.md#implicit-bias-for-general-x).
    lazy_limit : ndarray of shape (2,)
        δ → +∞ limit β0 + X⁺(y − Xβ0).
    downstream_limit : ndarray of shape (2,)
        δ → −∞ limit (yᵀXβ0/‖Xβ0‖²) β0.
    n_crossings : ndarray of shape (K,)
        Zeros of a(t) seen by gradient flow (none in this setting).
    """

    x: np.ndarray
    y: float
    beta0: np.ndarray
    deltas: np.ndarray
    t: np.ndarray
    beta: np.ndarray
    endpoint: np.ndarray
    prediction: np.ndarray
    lazy_limit: np.ndarray
    downstream_limit: np.ndarray
    n_crossings: np.ndarray

    def line_coordinate(self, beta):
        """Signed coordinate of β along the solution line xᵀβ = y (unit null direction n̂ ⟂ x,
        oriented from the lazy limit toward the downstream limit)."""
        n_hat = np.array([-self.x[1], self.x[0]]) / np.linalg.norm(self.x)
        if (self.downstream_limit - self.lazy_limit) @ n_hat < 0:
            n_hat = -n_hat
        return np.asarray(beta) @ n_hat


def implicit_bias_paths(x=(0.5, 1.0), y=1.1, beta0=(0.4, 0.05), deltas=DELTAS, T=20.0,
                        n_t=401) -> ImplicitBiasPaths:
    """Gradient-flow paths (sims) and implicit-bias predictions (theory) for one sample in 2-D.

    Parameters
    ----------
    x : array of shape (2,)
    y : float
    beta0 : array of shape (2,)
    deltas : sequence of float
    T : float
        Gradient-flow horizon (rank-1 data: converged to ~1e-10 by T = 20 for |δ| ≤ 4).
    n_t : int

    Returns
    -------
    ImplicitBiasPaths
    """
    from theory.lazy_rich import (
        downstream_limit_bias,
        implicit_bias,
        lazy_limit_bias,
    )

    from ._flow import gradient_flow

    x = as_finite_array(x, "x", shape=(2,))
    y = as_finite_scalar(y, "y")
    beta0 = as_finite_array(beta0, "beta0", shape=(2,))
    deltas = _as_deltas(deltas)
    t = _times(T, n_t)
    X, Y = x[None, :], np.array([y])
    paths, preds, crossings = [], [], []
    for d in deltas:
        a0, w0 = init_from_beta(beta0, d)
        res = gradient_flow(X, Y, a0, w0, t)
        paths.append(res.beta)
        crossings.append(len(res.crossings))
        preds.append(implicit_bias(X, Y, beta0, d))
    beta = np.array(paths)
    return ImplicitBiasPaths(
        x=x, y=y, beta0=beta0, deltas=deltas, t=t, beta=beta, endpoint=beta[:, -1].copy(),
        prediction=np.array(preds),
        lazy_limit=lazy_limit_bias(X, Y, beta0),
        downstream_limit=downstream_limit_bias(X, Y, beta0),
        n_crossings=np.array(crossings))


# --------------------------------------------------------------------------------------------
# Appendix: theory vs gradient flow, sign flips
# --------------------------------------------------------------------------------------------

SIGN_FLIP_BETA0S = ((0.0, -1.0), (0.7071067811865476, -0.7071067811865476),
                    (0.7071067811865476, 0.7071067811865476))
SIGN_FLIP_DELTAS = (-2.0, -1.0, -0.2, 0.02, 0.2, 1.0, 2.0)


@dataclass(frozen=True)
class SignFlipRuns:
    """Data of the appendix theory-vs-gradient-flow figure (XᵀX = I₂, unit rates).

    Index order: (initialisation r, δ index k, time).

    Attributes
    ----------
    beta_star : ndarray of shape (2,)
    beta0s : ndarray of shape (R, 2)
    deltas : ndarray of shape (K,)
    t : ndarray of shape (T,)
        Dense times of the exact solution.
    a, w : ndarrays of shape (R, K, T) and (R, K, T, 2)
        Exact solution.
    nu : masked array of shape (R, K, T)
        Riccati variable ν = wᵀβ*/a; masked where a = 0 (its pole).
    t_gf : ndarray of shape (Tg,)
        Sparse times of the gradient-flow reference.
    a_gf, w_gf : ndarrays of shape (R, K, Tg) and (R, K, Tg, 2)
        Gradient flow (``sims`` ODE, DOP853).
    nu_gf : masked array of shape (R, K, Tg)
    flips : ndarray of bool, shape (R, K)
        Predicted sign flip of a (limit_prediction, ⇔ ν0 < ν₋).
    gf_crossings : ndarray of int, shape (R, K)
        Zeros of a(t) found by gradient flow.
    nu_plus, nu_minus : ndarrays of shape (K,)
        Riccati fixed points ν± = (−δ ± √(δ² + 4s²))/2.
    """

    beta_star: np.ndarray
    beta0s: np.ndarray
    deltas: np.ndarray
    t: np.ndarray
    a: np.ndarray
    w: np.ndarray
    nu: np.ma.MaskedArray
    t_gf: np.ndarray
    a_gf: np.ndarray
    w_gf: np.ndarray
    nu_gf: np.ma.MaskedArray
    flips: np.ndarray
    gf_crossings: np.ndarray
    nu_plus: np.ndarray
    nu_minus: np.ndarray


def _riccati_nu(a, w, beta_star) -> np.ma.MaskedArray:
    """ν = wᵀβ*/a (unit rates), masked where a = 0."""
    a = np.asarray(a, dtype=float)
    num = np.asarray(w, dtype=float) @ beta_star
    zero = a == 0
    return np.ma.masked_array(np.divide(num, a, out=np.zeros_like(num), where=~zero), mask=zero)


def sign_flip_runs(beta_star=(0.5, 0.5), beta0s=SIGN_FLIP_BETA0S, deltas=SIGN_FLIP_DELTAS,
                   T=10.0, n_t=801, n_gf=21, rtol=1e-11, atol=1e-11) -> SignFlipRuns:
    """Exact solutions and gradient-flow runs of the appendix theory-vs-GF figure.

    Parameters
    ----------
    beta_star : array of shape (2,)
    beta0s : array of shape (R, 2)
    deltas : sequence of float
    T : float
    n_t : int
        Samples of the exact solution.
    n_gf : int
        Samples of the gradient-flow reference (markers).
    rtol, atol : float
        Gradient-flow tolerances (docs/lazy_rich.md#figure-settings: 1e-11).

    Returns
    -------
    SignFlipRuns
    """
    from ._flow import gradient_flow

    beta_star = as_finite_array(beta_star, "beta_star", shape=(2,))
    beta0s = as_finite_array(beta0s, "beta0s", shape=(None, 2))
    deltas = _as_deltas(deltas)
    t = _times(T, n_t)
    t_gf = _times(T, n_gf, name_n="n_gf")
    R, K = beta0s.shape[0], deltas.size
    a = np.empty((R, K, t.size))
    w = np.empty((R, K, t.size, 2))
    a_gf = np.empty((R, K, t_gf.size))
    w_gf = np.empty((R, K, t_gf.size, 2))
    flips = np.zeros((R, K), dtype=bool)
    crossings = np.zeros((R, K), dtype=int)
    eye = np.eye(2)
    for r, b0 in enumerate(beta0s):
        for k, d in enumerate(deltas):
            a0, w0 = init_from_beta(b0, d)
            sol = exact_solution(a0, w0, beta_star, t)
            a[r, k], w[r, k] = sol.a, sol.w
            gf = gradient_flow(eye, beta_star, a0, w0, t_gf, rtol=rtol, atol=atol)
            a_gf[r, k], w_gf[r, k] = gf.a, gf.w
            crossings[r, k] = len(gf.crossings)
            flips[r, k] = limit_prediction(a0, w0, beta_star).flips
    s = float(np.linalg.norm(beta_star))
    D = np.hypot(deltas, 2.0 * s)
    return SignFlipRuns(beta_star=beta_star, beta0s=beta0s, deltas=deltas, t=t, a=a, w=w,
                        nu=_riccati_nu(a, w, beta_star), t_gf=t_gf, a_gf=a_gf, w_gf=w_gf,
                        nu_gf=_riccati_nu(a_gf, w_gf, beta_star), flips=flips,
                        gf_crossings=crossings, nu_plus=(-deltas + D) / 2.0,
                        nu_minus=(-deltas - D) / 2.0)


# --------------------------------------------------------------------------------------------
# Appendix: basins of the two solutions
# --------------------------------------------------------------------------------------------

def separatrix_init(beta_star, delta, a):
    r"""A point (a, w) on the basin boundary {wᵀβ* = a ν₋, a² − ‖w‖² = δ} (unit rates, d = 2).

    ν₋ = (−δ − √(δ² + 4s²))/2, s = ‖β*‖ (docs/lazy_rich.md#riccati-and-bernoulli-forms). The component of w along β̂* is
    w∥ = aν₋/s; the orthogonal component w⊥ = √(a² − δ − w∥²) (taken along +90° from β̂*)
    enforces the δ constraint.

    Raises
    ------
    ValueError
        If a² − δ < w∥² (no such point at this a).
    """
    beta_star = as_finite_array(beta_star, "beta_star", shape=(2,))
    delta = as_finite_scalar(delta, "delta")
    a = as_finite_scalar(a, "a")
    s = float(np.linalg.norm(beta_star))
    if s == 0:
        raise ValueError("beta_star must be nonzero")
    # ν₋ without cancellation: (−δ − D)/2 = −2s²/(D − δ) for δ < 0.
    D = float(np.hypot(delta, 2.0 * s))
    nu_minus = (-delta - D) / 2.0 if delta >= 0 else -2.0 * s**2 / (D - delta)
    b_hat = beta_star / s
    w_par = a * nu_minus / s
    perp2 = a**2 - delta - w_par**2
    if perp2 < -1e-12 * max(1.0, a**2):
        raise ValueError(f"no point of the separating surface has a = {a} for delta = {delta}")
    w_perp = np.sqrt(max(perp2, 0.0))
    return w_par * b_hat + w_perp * np.array([-b_hat[1], b_hat[0]])


@dataclass(frozen=True)
class BasinRuns:
    """Data of the basin figure: runs started ±ε off the basin boundary, per δ.

    Attributes
    ----------
    beta_star : ndarray of shape (2,)
    deltas : ndarray of shape (K,)
    perturbations : ndarray of shape (2,)
        (−ε, +ε) added to a.
    t : ndarray of shape (T,)
    a : ndarray of shape (K, 2, T)
        Exact a(t).
    w : ndarray of shape (K, 2, T, 2)
        Exact w(t).
    a_inf : ndarray of shape (K, 2)
        Predicted limits (limit_prediction).
    flips : ndarray of bool, shape (K, 2)
        Predicted sign flips.
    """

    beta_star: np.ndarray
    deltas: np.ndarray
    perturbations: np.ndarray
    t: np.ndarray
    a: np.ndarray
    w: np.ndarray
    a_inf: np.ndarray
    flips: np.ndarray


def basin_runs(beta_star=(1.0, 0.25), deltas=(0.0, -2.0, -10.0), a_start=-4.0, eps=1e-3,
               T=200.0, n_t=1001) -> BasinRuns:
    """Exact runs from a ∓ ε on the separating surface (appendix basin figure, XᵀX = I).

    Parameters
    ----------
    beta_star : array of shape (2,)
    deltas : sequence of float
    a_start : float
        Readout weight of the point on the separating surface.
    eps : float
        Size of the perturbation of a (w is kept; δ changes by O(ε)).
    T : float
    n_t : int

    Returns
    -------
    BasinRuns
    """
    beta_star = as_finite_array(beta_star, "beta_star", shape=(2,))
    deltas = _as_deltas(deltas)
    a_start = as_finite_scalar(a_start, "a_start")
    eps = as_positive_scalar(eps, "eps")
    T = as_positive_scalar(T, "T")
    n_t = as_count(n_t, "n_t", minimum=3, maximum=MAX_ENTRIES)
    # Log-spaced samples: the runs act on scales from t ~ 0.1 (fast approach) to ~T/2 (escape).
    t = np.concatenate([[0.0], np.geomspace(min(1e-3, T / 10), T, int(n_t) - 1)])
    pert = np.array([-eps, eps])
    a = np.empty((deltas.size, 2, t.size))
    w = np.empty((deltas.size, 2, t.size, 2))
    a_inf = np.empty((deltas.size, 2))
    flips = np.zeros((deltas.size, 2), dtype=bool)
    for k, d in enumerate(deltas):
        w0 = separatrix_init(beta_star, d, a_start)
        sol = exact_solution(a_start + pert, np.broadcast_to(w0, (2, 2)), beta_star, t)
        a[k], w[k] = sol.a, sol.w
        for j, p in enumerate(pert):
            lim = limit_prediction(a_start + p, w0, beta_star)
            a_inf[k, j], flips[k, j] = lim.a_inf, lim.flips
    return BasinRuns(beta_star=beta_star, deltas=deltas, perturbations=pert, t=t, a=a, w=w,
                     a_inf=a_inf, flips=flips)
