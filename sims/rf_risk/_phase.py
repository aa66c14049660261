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
    as_finite_array,
    as_finite_scalar,
    as_positive_array,
    as_positive_scalar,
    check_work,
)

from ..phase import PhaseDiagram

__all__ = ["PHASE_LABELS", "default_ridges", "rf_risk_phase_diagram"]

#: Phase labels: which side of the interpolation threshold a cell lies on.
PHASE_LABELS = ("overparameterised (k > n)", "underparameterised (k < n)", "threshold (k = n)")


def default_ridges(size: int = 96) -> np.ndarray:
    """The ridge grid of the optimal-ridge search: 0 and ``size`` log-spaced values in [1e-6, 1e3].

    Parameters
    ----------
    size : int, default 96
        Number of positive ridges.

    Returns
    -------
    ndarray of shape (size + 1,)
    """
    size = as_count(size, "size", minimum=2, maximum=100_000)
    return np.concatenate([[0.0], np.geomspace(1e-6, 1e3, size)])


def rf_risk_phase_diagram(*, x_values=None, y_values=None, ridge=1e-2, ridges=None, alpha=1.5, beta=1.5,
                          noise=0.5, n_modes=10_000, plot=True) -> PhaseDiagram:
    r"""Test risk over (k, n) at a fixed ridge and at the optimal ridge, with the threshold n = k.

    Task (Simon et al. 2023, synthetic panel): $\lambda_i = i^{-\alpha}$, $v_i^2 = i^{-\beta}$,
    $i = 1, \dots, M$ (``n_modes``), label noise σ²; the ridge δ is added to the n×n Gram matrix
    of the normalised kernel and the test MSE includes σ². Per cell the risk comes from
    ``theory.rf_risk.risk_grid`` at ``ridge`` and over the ridge grid ``ridges``; the optimal
    risk $E^*$ is the smallest over that grid (δ = 0 included), $\delta^*$ its argmin. With the
    default grid (ratio 1.24 between ridges) the grid minimum lies within a few 1e-3 relative of
    the continuous one, because $E(\delta)$ is flat at its minimum.

    Parameters
    ----------
    x_values : array_like, optional
        Feature counts k >= 1 (the x axis). Default: 40 log-spaced in [10, 5012].
    y_values : array_like, optional
        Sample counts n >= 1 (the y axis). Default: as ``x_values``.
    ridge : float, default 1e-2
        The fixed ridge δ >= 0 of ``values["test_mse"]`` (at 0 the threshold cells are inf).
    ridges : array_like, optional
        Ridge grid (>= 0) of the optimal-ridge search; default :func:`default_ridges`.
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
        ``optimal_test_mse`` $E^*$, ``optimal_ridge`` $\delta^*$, ``krr_optimal_test_mse`` (the
        k = ∞ optimum per n, broadcast over k); ``labels`` the side of the threshold;
        ``boundaries["interpolation_threshold"]`` the points of n = k.

    Raises
    ------
    ValueError
        Naming the argument: counts < 1, negative ridges or noise, non-positive exponents, a grid
        too large.

    References
    ----------
    Simon et al. (2023), "More is Better in Modern Machine Learning", arXiv 2311.14646, Thm 1
    (docs/rf_risk.md#the-risk-phase-diagram, docs/rf_risk.md#optimal-ridge-and-theorem-1).
    """
    from theory.rf_risk import risk_grid

    grid = np.geomspace(10, 5012, 40)
    k = grid if x_values is None else as_positive_array(x_values, "x_values", ndim=1, allow_empty=False)
    n = k if y_values is None else as_positive_array(y_values, "y_values", ndim=1, allow_empty=False)
    for name, arr in (("x_values", k), ("y_values", n)):
        if np.any(arr < 1):
            raise ValueError(f"{name} must be >= 1 (counts of features / samples); got {arr[arr < 1][0]}")
    ridge = as_finite_scalar(ridge, "ridge")
    if ridge < 0:
        raise ValueError(f"ridge must be >= 0; got {ridge}")
    ridges = default_ridges() if ridges is None else as_positive_array(
        np.atleast_1d(as_finite_array(ridges, "ridges", ndim=(0, 1))), "ridges", allow_zero=True, allow_empty=False)
    alpha, beta = as_positive_scalar(alpha, "alpha"), as_positive_scalar(beta, "beta")
    noise = as_finite_scalar(noise, "noise")
    if noise < 0:
        raise ValueError(f"noise must be >= 0; got {noise}")
    M = as_count(n_modes, "n_modes", maximum=10**7)
    plot = as_bool(plot, "plot")
    check_work(n.size * k.size * ridges.size, "len(x_values) * len(y_values) * len(ridges)", maximum=MAX_ENTRIES // 16,
               why="the risk grid would not fit in memory")

    i = np.arange(1, M + 1, dtype=float)
    with np.errstate(under="ignore"):
        lam, v2 = i**-alpha, i**-beta
    if not lam[-1] > 0:
        raise ValueError(f"alpha is too large for n_modes = {M}: the eigenvalue n_modes^-alpha underflows to 0; "
                         f"got alpha = {alpha}")
    fixed = risk_grid(lam, v2, n[:, None], k[None, :], ridge, noise)
    sweep = risk_grid(lam, v2, n[:, None, None], k[None, :, None], ridges[None, None, :], noise)
    best = np.argmin(sweep.test_mse, axis=2)
    optimal = np.take_along_axis(sweep.test_mse, best[..., None], axis=2)[..., 0]
    krr = risk_grid(lam, v2, n[:, None], np.inf, ridges[None, :], noise).test_mse.min(axis=1)
    labels = np.where(k[None, :] > n[:, None], PHASE_LABELS[0],
                      np.where(k[None, :] < n[:, None], PHASE_LABELS[1], PHASE_LABELS[2])).astype(str)
    lo, hi = max(n.min(), k.min()), min(n.max(), k.max())
    boundaries = {"interpolation_threshold": np.array([[lo, lo], [hi, hi]])} if lo <= hi else {}
    shape = (n.size, k.size)
    values = {"test_mse": fixed.test_mse, "train_mse": fixed.train_mse, "optimal_test_mse": optimal,
              "optimal_ridge": ridges[best], "krr_optimal_test_mse": np.broadcast_to(krr[:, None], shape).copy()}
    params = dict(x_values=k.tolist(), y_values=n.tolist(), ridge=ridge, ridges=ridges.tolist(), alpha=alpha,
                  beta=beta, noise=noise, n_modes=M)
    result = PhaseDiagram(system="rf_risk", x_name="k (random features)", x=k, y_name="n (samples)", y=n,
                          values=values, labels=labels, boundaries=boundaries, params=params)
    if plot:
        from ._plots import plot_risk_phase_diagram

        result = PhaseDiagram(**{**result.__dict__, "figure": plot_risk_phase_diagram(result)})
    return result
