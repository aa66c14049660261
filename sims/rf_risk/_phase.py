r"""The (n, k) risk phase diagram of random-feature ridge regression (Simon et al. 2023).

Test risk from the eigenframework (``theory.rf_risk.risk_grid``, no Python loop over points)
over a log grid of feature counts k (x) and sample counts n (y), at a fixed ridge and at the
optimal ridge (docs/rf_risk.md#the-risk-phase-diagram). At a small fixed ridge the risk peaks
along the interpolation threshold n = k (double descent; at δ = 0 it is infinite there); at the
optimal ridge the peak is gone and the risk falls along both axes (Theorem 1: more features and
more data never hurt when the ridge is tuned).
"""

from __future__ import annotations

import numpy as np

from theory.validate import (
    MAX_ENTRIES,
    as_bool,
    as_count,
    as_finite_scalar,
    as_positive_array,
    as_positive_scalar,
    check_work,
)

from ..phase import PhaseDiagram

__all__ = ["PHASE_LABELS", "rf_risk_phase_diagram"]

#: Phase labels: which side of the interpolation threshold a cell lies on.
PHASE_LABELS = ("overparameterised (k > n)", "underparameterised (k < n)", "threshold (k = n)")


def rf_risk_phase_diagram(*, x_values=None, y_values=None, ridge=1e-2, alpha=1.5, beta=1.5,
                          noise=0.5, n_modes=10_000, plot=True) -> PhaseDiagram:
    r"""Test risk over (k, n) at a fixed ridge and at the optimal ridge, with the threshold n = k.

    Task (Simon et al. 2023, synthetic panel): $\lambda_i = i^{-\alpha}$, $v_i^2 = i^{-\beta}$,
    $i = 1, \dots, M$ (``n_modes``), label noise σ²; the ridge δ is added to the n×n Gram matrix
    of the normalised kernel and the test MSE includes σ². Per cell the risk comes from
    ``theory.rf_risk.risk_grid`` at ``ridge``, and the optimal risk $E^* = \min_{\delta\ge0}E_{te}$
    with its minimiser $\delta^*$ from ``theory.rf_risk.optimal_ridge_grid`` (δ = 0 included).

    Parameters
    ----------
    x_values : array_like, optional
        Feature counts k >= 1 (the x axis). Default: 40 log-spaced in [10, 5012].
    y_values : array_like, optional
        Sample counts n >= 1 (the y axis). Default: as ``x_values``.
    ridge : float, default 1e-2
        The fixed ridge δ >= 0 of ``values["test_mse"]`` (at 0 the threshold cells are inf).
    alpha, beta : float, default 1.5
        Exponents of the eigenvalues and target powers (> 0).
    noise : float, default 0.5
        Label-noise variance σ² >= 0.
    n_modes : int, default 10000
        Number of modes M (>= 1).
    plot : bool, default True
        Draw the figure.

    Returns
    -------
    PhaseDiagram
        ``x`` = k, ``y`` = n; ``values``: ``test_mse`` and ``train_mse`` at the fixed ridge,
        ``optimal_test_mse`` $E^*$, ``optimal_ridge`` $\delta^*$, ``ridgeless_optimal`` (1 where
        $\delta^* = 0$), ``krr_optimal_test_mse`` (the
        k = ∞ optimum per n, broadcast over k); ``labels`` the side of the threshold;
        ``boundaries["interpolation_threshold"]`` the points of n = k.

    Raises
    ------
    ValueError
        Naming the argument: counts < 1, negative ridges or noise, non-positive exponents, a grid
        too large.

    Notes
    -----
    The diagram is the closed form only, with no Python loop over cells (about 2 s for the default
    40 × 40 grid on one core), so it takes no ``executor=``. The Monte Carlo over an (n, k) grid
    is :func:`sims.rf_risk.monte_carlo_risk_grid`, which runs on any executor.

    References
    ----------
    Simon et al. (2023), "More is Better in Modern Machine Learning", arXiv 2311.14646, Thm 1
    (docs/rf_risk.md#the-risk-phase-diagram, docs/rf_risk.md#optimal-ridge-and-theorem-1).
    """
    from theory.rf_risk import optimal_ridge_grid, risk_grid

    grid = np.geomspace(10, 5012, 40)
    k = grid if x_values is None else as_positive_array(x_values, "x_values", ndim=1, allow_empty=False)
    n = k if y_values is None else as_positive_array(y_values, "y_values", ndim=1, allow_empty=False)
    for name, arr in (("x_values", k), ("y_values", n)):
        if np.any(arr < 1):
            raise ValueError(f"{name} must be >= 1 (counts of features / samples); got {arr[arr < 1][0]}")
    ridge = as_finite_scalar(ridge, "ridge")
    if ridge < 0:
        raise ValueError(f"ridge must be >= 0; got {ridge}")
    alpha, beta = as_positive_scalar(alpha, "alpha"), as_positive_scalar(beta, "beta")
    noise = as_finite_scalar(noise, "noise")
    if noise < 0:
        raise ValueError(f"noise must be >= 0; got {noise}")
    M = as_count(n_modes, "n_modes", maximum=10**7)
    plot = as_bool(plot, "plot")
    check_work(n.size * k.size, "len(x_values) * len(y_values)", maximum=MAX_ENTRIES // 256,
               why="the optimal-ridge grid (97 scan points per cell) would not fit in memory")

    i = np.arange(1, M + 1, dtype=float)
    with np.errstate(under="ignore"):
        lam, v2 = i**-alpha, i**-beta
    if not lam[-1] > 0:
        raise ValueError(f"alpha is too large for n_modes = {M}: the eigenvalue n_modes^-alpha underflows to 0; "
                         f"got alpha = {alpha}")
    fixed = risk_grid(lam, v2, n[:, None], k[None, :], ridge, noise)
    best = optimal_ridge_grid(lam, v2, n[:, None], k[None, :], noise)
    krr = optimal_ridge_grid(lam, v2, n, np.inf, noise).test_mse
    labels = np.where(k[None, :] > n[:, None], PHASE_LABELS[0],
                      np.where(k[None, :] < n[:, None], PHASE_LABELS[1], PHASE_LABELS[2])).astype(str)
    lo, hi = max(n.min(), k.min()), min(n.max(), k.max())
    boundaries = {"interpolation_threshold": np.array([[lo, lo], [hi, hi]])} if lo <= hi else {}
    shape = (n.size, k.size)
    values = {"test_mse": fixed.test_mse, "train_mse": fixed.train_mse, "optimal_test_mse": best.test_mse,
              "optimal_ridge": best.ridge, "ridgeless_optimal": best.ridgeless_optimal.astype(np.float64),
              "krr_optimal_test_mse": np.broadcast_to(krr[:, None], shape).copy()}
    params = dict(x_values=k.tolist(), y_values=n.tolist(), ridge=ridge, alpha=alpha,
                  beta=beta, noise=noise, n_modes=M)
    result = PhaseDiagram(system="rf_risk", x_name="k (random features)", x=k, y_name="n (samples)", y=n,
                          values=values, labels=labels, boundaries=boundaries, params=params)
    if plot:
        from ._plots import plot_risk_phase_diagram

        result = PhaseDiagram(**{**result.__dict__, "figure": plot_risk_phase_diagram(result)})
    return result
