"""The (n, k) risk phase diagram (sims.rf_risk.rf_risk_phase_diagram)."""

import numpy as np
import pytest

import sims
from sims.rf_risk import rf_risk_phase_diagram
from sims.rf_risk._phase import PHASE_LABELS


def test_shapes_labels_threshold_and_values():
    k = [10.0, 20.0, 40.0, 80.0]
    n = [10.0, 40.0, 160.0]
    res = rf_risk_phase_diagram(x_values=k, y_values=n, n_modes=500, plot=False)
    assert res.system == "rf_risk" and res.figure is None
    assert res.labels.shape == (3, 4)
    for name in ("test_mse", "train_mse", "optimal_test_mse", "optimal_ridge", "ridgeless_optimal",
                 "krr_optimal_test_mse"):
        assert res.values[name].shape == (3, 4)
    assert res.labels[0, 0] == PHASE_LABELS[2] and res.labels[0, 3] == PHASE_LABELS[0]
    assert res.labels[2, 0] == PHASE_LABELS[1]
    np.testing.assert_array_equal(res.boundaries["interpolation_threshold"], [[10.0, 10.0], [80.0, 80.0]])
    best = res.values["optimal_test_mse"]
    # the optimum is no worse than the fixed ridge (optimiser accuracy 1e-9 relative); KRR is best (Theorem 1)
    assert np.all(best <= res.values["test_mse"] * (1 + 1e-9))
    assert np.all(res.values["krr_optimal_test_mse"] <= best * (1 + 1e-9))
    assert np.all(res.values["optimal_ridge"] >= 0)


def test_more_is_better_along_both_axes_at_the_optimal_ridge():
    # Theorem 1 on the default task: E* non-increasing in k (columns) and in n (rows), to the optimiser's
    # accuracy (golden-section refinement, 1e-9 relative)
    res = rf_risk_phase_diagram(x_values=np.geomspace(10, 1000, 8), y_values=np.geomspace(10, 1000, 8),
                                n_modes=2000, plot=False)
    best = res.values["optimal_test_mse"]
    assert np.all(np.diff(best, axis=1) <= 1e-9 * best[:, 1:])
    assert np.all(np.diff(best, axis=0) <= 1e-9 * best[1:, :])


def test_ridgeless_threshold_is_inf_and_the_figure_draws():
    res = rf_risk_phase_diagram(x_values=[10.0, 20.0], y_values=[10.0, 20.0], ridge=0.0, n_modes=100)
    assert np.isinf(res.values["test_mse"][0, 0]) and np.isinf(res.values["test_mse"][1, 1])
    assert np.isfinite(res.values["optimal_test_mse"]).all()
    assert res.figure is not None and len(res.figure.axes) >= 2
    assert res is not sims.phase_diagram("rf_risk", save=False, plot=False, x_values=[10.0], y_values=[10.0],
                                         n_modes=50)


@pytest.mark.parametrize("kwargs, match", [
    (dict(x_values=[0.5]), "x_values must be >= 1"),
    (dict(y_values=[-1.0]), "y_values must be > 0"),
    (dict(ridge=-1.0), "ridge must be >= 0"),
    (dict(noise=-1.0), "noise must be >= 0"),
    (dict(alpha=0.0), "alpha must be > 0"),
    (dict(n_modes=0), "n_modes must be an integer >= 1"),
    (dict(x_values=np.arange(1, 1001.0), y_values=np.arange(1, 1001.0)), "len\\(x_values\\)"),
])
def test_bad_input_names_the_argument(kwargs, match):
    with pytest.raises(ValueError, match=match):
        rf_risk_phase_diagram(plot=False, **kwargs)
