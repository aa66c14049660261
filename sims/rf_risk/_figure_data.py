"""Data behind the figures of the random-feature risk theory (Simon et al. 2023; Advani et al. 2017).

Each figure is split in two: a compute function here returning a frozen dataclass and a
``plot_*`` function in ``_plots`` drawing it. Nothing here imports matplotlib.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from theory.summary import compact_repr

__all__ = ["AdvaniSaxeFigureData", "advani_saxe_figure_data"]


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
