"""Figure data of the rf_risk theory: the shapes Simon et al. (2023) report (sims.rf_risk._figure_data)."""

import numpy as np
import pytest

from sims.rf_risk._figure_data import fitting_ratio_data, rf_risk_curves
from sims.rf_risk._plots import plot_fitting_ratio, plot_risk_curves


@pytest.fixture(scope="module")
def ratio():
    return fitting_ratio_data(points=200)


def test_fitting_ratio_optimum_moves_to_one_with_noise(ratio):
    # noiseless optimum at small R (or 0 for MNIST, β > α); R* grows with σ_rel² towards 1 (paper, Fig. 2)
    assert np.all(np.diff(ratio.optimal_ratio, axis=1) >= 0)
    assert np.all(ratio.optimal_ratio[:, 0] < 0.05) and np.all(ratio.optimal_ratio[:, -1] > 0.7)
    assert ratio.optimal_ratio[ratio.tasks.index("MNIST"), 0] == 0.0


def test_discrete_theory_follows_the_continuum(ratio):
    # the discrete kernel-limit points at n = 1e4 lie on f(s): they differ from the continuum by O(n^-something)
    # corrections; 1% of f is far above those (measured ≲ 1e-3) and far below the curves' spread (> 30%)
    for t in range(len(ratio.tasks)):
        for j in range(ratio.noise_rel.size):
            R, risk = ratio.discrete_ratio[t, j], ratio.discrete_risk[t, j]
            keep = R < 0.95
            f = np.interp(np.sqrt(R[keep]), ratio.s, ratio.curve[t, j])
            np.testing.assert_allclose(risk[keep], f, rtol=1e-2)


def test_fitting_ratio_figure_draws(ratio):
    fig = plot_fitting_ratio(ratio)
    assert len(fig.axes) == 3 and all(ax.get_title(loc="left") for ax in fig.axes)


@pytest.mark.slow
def test_curves_double_descent_envelope_and_monte_carlo():
    d = rf_risk_curves(points=40, trials=3, seed=0)
    smallest = d.test_k[0]
    peak = d.sweep_k[np.argmax(smallest)]
    assert 0.7 * d.fixed < peak < 1.4 * d.fixed            # small ridge: the peak sits at k = n
    assert np.all(np.diff(d.optimal_k) <= 1e-9 * d.optimal_k[1:])   # Theorem 1 along k (optimiser accuracy)
    assert np.all(d.optimal_k >= d.krr_optimal_k * (1 - 1e-9))
    assert np.all(np.diff(d.train_k, axis=1) <= 1e-12)     # train error falls with k
    assert d.mc_test_k.shape == (d.ridges.size, d.mc_k.size) and np.all(d.mc_test_se_k > 0)
    fig = plot_risk_curves(d)
    assert len(fig.axes) == 4
