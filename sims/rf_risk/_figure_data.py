"""Data behind the figures of the rf_risk theory (Simon et al. 2023; Advani et al. 2017).

Settings: docs/rf_risk.md#monte-carlo, docs/rf_risk.md#power-law-tasks and
docs/rf_risk.md#the-risk-phase-diagram. Each figure is split in two: a compute function here
returning a frozen dataclass and a ``plot_*`` function in ``_plots`` drawing it. Nothing here
imports matplotlib.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from theory.summary import compact_repr
from theory.validate import as_count, as_seed

__all__ = [
    "AdvaniSaxeFigureData",
    "CURVES",
    "FITTING_RATIO",
    "FittingRatioData",
    "RiskCurves",
    "advani_saxe_figure_data",
    "fitting_ratio_data",
    "rf_risk_curves",
]

# --------------------------------------------------------------------------------------------
# Simon et al. (2023), synthetic panel: test MSE vs k and vs n
# --------------------------------------------------------------------------------------------

#: The synthetic task of Simon et al. (2023), Fig. 1: λ_i = v_i² = i^-1.5, σ² = 0.5, M = 10⁴ modes;
#: n = 256 in the k sweep, k = 256 in the n sweep, and the plotted ridges.
CURVES = dict(alpha=1.5, beta=1.5, noise=0.5, n_modes=10_000, fixed=256,
              ridges=(4.64e-3, 2.15e-2, 0.1, 2.15, 21.5), mc_k=(32, 100, 512), mc_n=(32, 100, 1000))


@compact_repr
@dataclass(frozen=True)
class RiskCurves:
    r"""Theory curves and Monte-Carlo points of test and train MSE along k (n fixed) and n (k fixed).

    Attributes
    ----------
    ridges : ndarray of shape (R,)
        The plotted ridges.
    sweep_k : ndarray of shape (P,)
        Feature counts of the k sweep (n = ``fixed``).
    sweep_n : ndarray of shape (P,)
        Sample counts of the n sweep (k = ``fixed``).
    fixed : int
        n of the k sweep and k of the n sweep.
    test_k, train_k : ndarray of shape (R, P)
        Theory along k, per ridge.
    test_n, train_n : ndarray of shape (R, P)
        Theory along n, per ridge.
    optimal_k, optimal_n : ndarray of shape (P,)
        The optimal-ridge envelope $E^* = \min_{\delta\ge0}E_{te}$ (``theory.rf_risk.optimal_ridge_grid``).
    krr_optimal_k : float
        $E^*(n = \text{fixed}, k = \infty)$, the kernel limit of the k sweep.
    krr_optimal_n : ndarray of shape (P,)
        $E^*(n, \infty)$ along n.
    mc_k, mc_n : ndarray of shape (Q,)
        Where the Monte Carlo ran (k values at n = fixed; n values at k = fixed).
    mc_test_k, mc_test_se_k, mc_train_k, mc_train_se_k : ndarray of shape (R, Q)
        Monte-Carlo means and standard errors along k.
    mc_test_n, mc_test_se_n, mc_train_n, mc_train_se_n : ndarray of shape (R, Q)
        Monte-Carlo means and standard errors along n.
    trials : int
        Monte-Carlo trials per point.
    noise : float
        σ².
    """

    ridges: np.ndarray
    sweep_k: np.ndarray
    sweep_n: np.ndarray
    fixed: int
    test_k: np.ndarray
    train_k: np.ndarray
    test_n: np.ndarray
    train_n: np.ndarray
    optimal_k: np.ndarray
    optimal_n: np.ndarray
    krr_optimal_k: float
    krr_optimal_n: np.ndarray
    mc_k: np.ndarray
    mc_n: np.ndarray
    mc_test_k: np.ndarray
    mc_test_se_k: np.ndarray
    mc_train_k: np.ndarray
    mc_train_se_k: np.ndarray
    mc_test_n: np.ndarray
    mc_test_se_n: np.ndarray
    mc_train_n: np.ndarray
    mc_train_se_n: np.ndarray
    trials: int
    noise: float


def rf_risk_curves(*, points: int = 120, trials: int = 24, seed: int = 0) -> RiskCurves:
    """Theory and Monte Carlo on the synthetic task of Simon et al. (2023) (:data:`CURVES`).

    Theory from ``theory.rf_risk.risk_grid``; Monte Carlo from
    ``sims.rf_risk.monte_carlo_risk`` (Gaussian model, same M, all plotted ridges per trial).

    Parameters
    ----------
    points : int, default 120
        Points per theory sweep (log-spaced in [10, 10⁴]).
    trials : int, default 24
        Monte-Carlo trials per point (>= 2).
    seed : int, default 0
        Seed of the Monte Carlo (point j of a sweep uses ``seed + j``; the n sweep adds 1000).

    Returns
    -------
    RiskCurves
    """
    from theory.rf_risk import optimal_ridge_grid, risk_grid

    from ._monte_carlo import monte_carlo_risk

    points = as_count(points, "points", minimum=2, maximum=10_000)
    trials = as_count(trials, "trials", minimum=2)
    seed = as_seed(seed)
    cfg = CURVES
    i = np.arange(1, cfg["n_modes"] + 1, dtype=float)
    lam, v2, noise, fixed = i ** -cfg["alpha"], i ** -cfg["beta"], cfg["noise"], cfg["fixed"]
    ridges = np.asarray(cfg["ridges"])
    sweep = np.geomspace(10, 1e4, points)
    along_k = risk_grid(lam, v2, fixed, sweep[None, :], ridges[:, None], noise)
    along_n = risk_grid(lam, v2, sweep[None, :], fixed, ridges[:, None], noise)
    opt_k = optimal_ridge_grid(lam, v2, fixed, sweep, noise).test_mse
    opt_n = optimal_ridge_grid(lam, v2, sweep, fixed, noise).test_mse
    krr_k = float(optimal_ridge_grid(lam, v2, fixed, np.inf, noise).test_mse)
    krr_n = optimal_ridge_grid(lam, v2, sweep, np.inf, noise).test_mse
    mc_k, mc_n = np.asarray(cfg["mc_k"]), np.asarray(cfg["mc_n"])
    out = {}
    for axis, values in (("k", mc_k), ("n", mc_n)):
        stats = np.empty((4, ridges.size, values.size))
        for j, val in enumerate(values):
            n, k = (fixed, int(val)) if axis == "k" else (int(val), fixed)
            mc = monte_carlo_risk(lam, v2, n, k, ridges, noise=noise, trials=trials,
                                  seed=seed + j + (1000 if axis == "n" else 0))
            stats[:, :, j] = mc.test_mse, mc.test_se, mc.train_mse, mc.train_se
        out[axis] = stats
    return RiskCurves(ridges=ridges, sweep_k=sweep, sweep_n=sweep, fixed=fixed, test_k=along_k.test_mse,
                      train_k=along_k.train_mse, test_n=along_n.test_mse, train_n=along_n.train_mse,
                      optimal_k=opt_k, optimal_n=opt_n, krr_optimal_k=krr_k, krr_optimal_n=krr_n, mc_k=mc_k,
                      mc_n=mc_n, mc_test_k=out["k"][0], mc_test_se_k=out["k"][1], mc_train_k=out["k"][2],
                      mc_train_se_k=out["k"][3], mc_test_n=out["n"][0], mc_test_se_n=out["n"][1],
                      mc_train_n=out["n"][2], mc_train_se_n=out["n"][3], trials=trials, noise=noise)


# --------------------------------------------------------------------------------------------
# Simon et al. (2023), power-law tasks: the fitting ratio
# --------------------------------------------------------------------------------------------

#: Exponents (α, β) of the paper's kernel tasks (figure titles) and the relative noise levels.
FITTING_RATIO = dict(tasks={"CIFAR-10": (1.17, 1.14), "SVHN": (1.22, 1.20), "MNIST": (1.12, 1.36)},
                     noise_rel=(0.0, 1.0, 5.0, 50.0), n=10_000, ridges=40)


@compact_repr
@dataclass(frozen=True)
class FittingRatioData:
    r"""Continuum $f(s)$ against $R = s^2$ and discrete-theory points, per task and noise level.

    Attributes
    ----------
    tasks : tuple of str
        Task names (keys of :data:`FITTING_RATIO`).
    exponents : ndarray of shape (T, 2)
        (α, β) per task.
    noise_rel : ndarray of shape (L,)
        $\sigma_{rel}^2$: noise relative to the noiseless ridgeless risk.
    s : ndarray of shape (S,)
        Grid of $s = 1 - z/n$ in [0, 1).
    curve : ndarray of shape (T, L, S)
        $f(s)$, the test MSE relative to the noiseless ridgeless risk (continuum).
    optimal_ratio : ndarray of shape (T, L)
        $R^*$ in closed form (``theory.rf_risk.powerlaw_optimal_fitting_ratio``).
    discrete_ratio, discrete_risk : ndarray of shape (T, L, P)
        The discrete theory at n = ``n`` (k = ∞, compressed power-law spectrum): fitting ratio and
        test MSE relative to its noiseless ridgeless value, over a ridge sweep.
    n : int
        Samples of the discrete points.
    """

    tasks: tuple
    exponents: np.ndarray
    noise_rel: np.ndarray
    s: np.ndarray
    curve: np.ndarray
    optimal_ratio: np.ndarray
    discrete_ratio: np.ndarray
    discrete_risk: np.ndarray
    n: int


def fitting_ratio_data(*, points: int = 400) -> FittingRatioData:
    r"""$f(s)$ vs $R = s^2$ for the paper's exponents and noise levels, with discrete-theory points.

    The continuum curve is ``theory.rf_risk.powerlaw_fitting_curve``; $R^*$ is
    ``powerlaw_optimal_fitting_ratio``. The discrete points solve the kernel-limit theory on the
    compressed power-law spectrum (``powerlaw_spectrum``, exact to $10^4$ modes plus its tail) at
    n = 10⁴ over log-spaced ridges; the label noise is $\sigma^2 = \sigma_{rel}^2 E_{te}^{(0,0)}$,
    $E_{te}^{(0,0)}$ the discrete noiseless ridgeless risk, and risks are divided by it.

    Parameters
    ----------
    points : int, default 400
        Points of the continuum curves.

    Returns
    -------
    FittingRatioData
    """
    from theory.rf_risk import (
        powerlaw_fitting_curve,
        powerlaw_optimal_fitting_ratio,
        powerlaw_spectrum,
        risk,
        risk_grid,
    )

    points = as_count(points, "points", minimum=2, maximum=100_000)
    cfg = FITTING_RATIO
    names = tuple(cfg["tasks"])
    noise_rel = np.asarray(cfg["noise_rel"], dtype=float)
    s = np.linspace(0.0, 0.995, points)
    n = cfg["n"]
    curve = np.empty((len(names), noise_rel.size, points))
    r_star = np.empty((len(names), noise_rel.size))
    ridges = np.geomspace(1e-8, 1e2, cfg["ridges"])
    d_ratio = np.empty((len(names), noise_rel.size, ridges.size))
    d_risk = np.empty_like(d_ratio)
    for t, name in enumerate(names):
        a, b = cfg["tasks"][name]
        spec = powerlaw_spectrum(a, b, 10_000)
        e00 = risk(spec.eigenvalues, spec.target_power, n, np.inf, 0.0, 0.0,
                   multiplicities=spec.multiplicities).test_mse
        for j, sr in enumerate(noise_rel):
            curve[t, j] = powerlaw_fitting_curve(a, b, s, sr)
            r_star[t, j] = powerlaw_optimal_fitting_ratio(a, b, sr)
            g = risk_grid(spec.eigenvalues, spec.target_power, n, np.inf, ridges, sr * e00,
                          multiplicities=spec.multiplicities)
            d_ratio[t, j], d_risk[t, j] = g.fitting_ratio, g.test_mse / e00
    return FittingRatioData(tasks=names, exponents=np.array([cfg["tasks"][m] for m in names]), noise_rel=noise_rel,
                            s=s, curve=curve, optimal_ratio=r_star, discrete_ratio=d_ratio, discrete_risk=d_risk,
                            n=n)


# --------------------------------------------------------------------------------------------
# Advani, Saxe & Sompolinsky (2017): gradient-flow learning curves (ADVANI helper)


@compact_repr
@dataclass(frozen=True)
class AdvaniSaxeFigureData:
    r"""Theory curves, exact-mode Monte Carlo, asymptotes, $E_g^*$ and $t^*$ for several $\alpha$.

    Attributes
    ----------
    alphas : tuple of float
        $\alpha = P/N$ per curve.
    t : numpy.ndarray
        Times of the theory curves.
    test_error, train_error : numpy.ndarray
        Theory $E_g(t)$, $E_t(t)$, shape (len(alphas), len(t)).
    mc_times : numpy.ndarray
        Times of the Monte-Carlo points.
    mc_test_mean, mc_test_se, mc_train_mean, mc_train_se : numpy.ndarray
        Exact-mode Monte Carlo, shape (len(alphas), len(mc_times)).
    test_asymptote, train_asymptote : numpy.ndarray
        $E_g(\infty)$, $E_t(\infty)$ per $\alpha$ (``inf`` for $E_g$ at $\alpha = 1$).
    optimal_ridge_error : numpy.ndarray
        $E_g^*$ per $\alpha$.
    stopping_time, stopping_error : numpy.ndarray
        $t^*$ and $E_g(t^*)$ per $\alpha$.
    n_inputs, trials : int
        Monte-Carlo size.
    sigma_w2, sigma_eps2, sigma_02 : float
        The setting.
    """

    alphas: tuple
    t: np.ndarray
    test_error: np.ndarray
    train_error: np.ndarray
    mc_times: np.ndarray
    mc_test_mean: np.ndarray
    mc_test_se: np.ndarray
    mc_train_mean: np.ndarray
    mc_train_se: np.ndarray
    test_asymptote: np.ndarray
    train_asymptote: np.ndarray
    optimal_ridge_error: np.ndarray
    stopping_time: np.ndarray
    stopping_error: np.ndarray
    n_inputs: int
    trials: int
    sigma_w2: float
    sigma_eps2: float
    sigma_02: float


def advani_saxe_figure_data(alphas=(0.5, 1.0, 2.0), sigma_w2=1.0, sigma_eps2=0.25, sigma_02=0.0, *, n_inputs=400,
                            trials=100, seed=0) -> AdvaniSaxeFigureData:
    r"""Compute the Advani–Saxe learning-curve figure: theory, exact-mode MC, asymptotes, $E_g^*$, $t^*$.

    Parameters
    ----------
    alphas : sequence of float, default (0.5, 1, 2)
        $\alpha = P/N$ values.
    sigma_w2, sigma_eps2, sigma_02 : float
        Teacher, noise and initial-weight variances.
    n_inputs : int, default 400
        $N$ of the Monte Carlo.
    trials : int, default 100
        Monte-Carlo trials per $\alpha$.
    seed : int, default 0
        Seed of the Monte Carlo.

    Returns
    -------
    AdvaniSaxeFigureData
    """
    from theory.rf_risk import (
        advani_saxe_asymptotes,
        advani_saxe_curves,
        advani_saxe_early_stopping,
        advani_saxe_optimal_ridge,
    )

    from ._gd_linear import advani_saxe_modes

    alphas = tuple(float(a) for a in alphas)
    t = np.logspace(-2, 3, 241)
    mc_t = np.array([0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0, 1000.0])
    rows = dict(test=[], train=[], mtm=[], mts=[], mrm=[], mrs=[], ag=[], at=[], opt=[], ts=[], es=[])
    for a in alphas:
        c = advani_saxe_curves(a, t, sigma_w2, sigma_eps2, sigma_02)
        mc = advani_saxe_modes(n_inputs, int(round(a * n_inputs)), mc_t, sigma_w2, sigma_eps2, sigma_02,
                               trials=trials, seed=seed)
        asym = advani_saxe_asymptotes(a, sigma_w2, sigma_eps2, sigma_02)
        es = advani_saxe_early_stopping(a, sigma_w2, sigma_eps2, sigma_02)
        for key, val in (("test", c.test_error), ("train", c.train_error), ("mtm", mc.test_mean),
                         ("mts", mc.test_se), ("mrm", mc.train_mean), ("mrs", mc.train_se),
                         ("ag", asym.test_error), ("at", asym.train_error),
                         ("opt", advani_saxe_optimal_ridge(a, sigma_w2, sigma_eps2).test_error),
                         ("ts", es.stopping_time), ("es", es.test_error)):
            rows[key].append(val)
    arr = {k: np.array(v, dtype=np.float64) for k, v in rows.items()}
    return AdvaniSaxeFigureData(alphas=alphas, t=t, test_error=arr["test"], train_error=arr["train"], mc_times=mc_t,
                                mc_test_mean=arr["mtm"], mc_test_se=arr["mts"], mc_train_mean=arr["mrm"],
                                mc_train_se=arr["mrs"], test_asymptote=arr["ag"], train_asymptote=arr["at"],
                                optimal_ridge_error=arr["opt"], stopping_time=arr["ts"], stopping_error=arr["es"],
                                n_inputs=int(n_inputs), trials=int(trials), sigma_w2=float(sigma_w2),
                                sigma_eps2=float(sigma_eps2), sigma_02=float(sigma_02))
