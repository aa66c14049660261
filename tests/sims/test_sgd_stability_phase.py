"""sims.phase_diagram("sgd_stability") — the default phase diagram of the package."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

import sims
from theory.sgd_stability import classify_phase, expected_log_abs, model_a_law


@pytest.mark.slow
def test_no_argument_call_is_the_sgd_diagram_and_saves(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = sims.phase_diagram()
    assert result.system == "sgd_stability" and result.labels.shape == (200, 200)
    assert (tmp_path / "figures" / "phase_sgd_stability.png").stat().st_size > 0
    # All four model-A phases appear on the default grid; phase II cannot (docs/sgd_stability.md#why-phase-ii-is-rare lemma).
    assert {"Ia", "Ib", "III", "IV"} <= set(np.unique(result.labels))
    assert "II" not in result.labels
    assert not any(np.isnan(np.asarray(v, dtype=float)).any() for k, v in result.values.items())


def test_analytic_cells_match_theory():
    lrs, noises = np.array([0.05, 0.15, 0.3]), np.array([1.0, 6.0])
    result = sims.phase_diagram("sgd_stability", x_values=lrs, y_values=noises, save=False, plot=False)
    for j, sigma in enumerate(noises):
        law = model_a_law(sigma)
        np.testing.assert_array_equal(result.values["lambda_plus"][j], expected_log_abs(1.0, lrs, law))
        np.testing.assert_array_equal(result.values["lambda_minus"][j], expected_log_abs(1.0, -lrs, law))
        np.testing.assert_array_equal(result.labels[j], classify_phase(lrs, law))
        # E(1 − λc)² for c ~ N(1, σ²): 1 − 2λ + λ²(1 + σ²), exactly.
        np.testing.assert_allclose(result.values["mean_square_minus"][j], 1 - 2 * lrs + lrs**2 * (1 + sigma**2),
                                   rtol=1e-14)
    assert np.all(result.values["se_plus"] == 0)
    assert result.figure is None


def test_qr_method_agrees_within_standard_errors():
    lrs, noises = np.array([0.05, 0.15, 0.3]), np.array([1.0, 6.0])
    exact = sims.phase_diagram("sgd_stability", x_values=lrs, y_values=noises, save=False, plot=False)
    mc = sims.phase_diagram("sgd_stability", method="qr", x_values=lrs, y_values=noises, n_samples=100_000,
                            save=False, plot=False)
    for key, se in (("lambda_plus", "se_plus"), ("lambda_minus", "se_minus")):
        assert np.all(mc.values[se] > 0)
        # 5 standard errors over 12 estimates: a false alarm has probability ~1e-5 per run.
        assert np.all(np.abs(mc.values[key] - exact.values[key]) <= 5 * mc.values[se])
    agree = (mc.labels == exact.labels) | (mc.labels == "undecided")
    assert agree.all()


def test_simulate_method_fractions_and_theory_labels():
    result = sims.phase_diagram("sgd_stability", method="simulate", x_values=[0.02, 0.1], y_values=[1.0, 6.0],
                                n_steps=3000, n_chains=8, save=False)
    total = sum(result.values[f"fraction_{k}"] for k in ("collapsed", "correct", "incorrect", "diverged"))
    np.testing.assert_allclose(total, 1.0)
    assert result.values["theory_labels"].shape == (2, 2)
    assert set(np.unique(result.labels)) <= {"I", "II", "III", "diverged"}
    assert result.figure is not None


def test_batch_size_axis():
    result = sims.phase_diagram("sgd_stability", y="batch_size", noise=6.0, x_values=np.linspace(0.01, 0.3, 30),
                                y_values=[1, 2, 4, 8], save=False, plot=False)
    has_collapse = [(row == "III").any() for row in result.labels]
    # At σ = 6 the critical noise √S·3.047 (model A) is passed for S ≤ 2 only: larger batches lose phase III.
    assert has_collapse == [True, True, False, False]


@pytest.mark.parametrize("kwargs, match", [
    (dict(x="noise"), "x must be 'lr'"),
    (dict(y="width"), "y must be one of"),
    (dict(method="nope"), "method must be one of"),
    (dict(model="Z"), "model must be"),
    (dict(x_values=[0.0, 0.1]), "learning rates"),
    (dict(y_values=[-1.0]), "label noise"),
    (dict(y="batch_size", y_values=[1.5]), "batch sizes"),
    (dict(x_values=[np.nan]), "x_values"),
    (dict(method="qr", model="B"), "model='A' only"),
])
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        sims.phase_diagram("sgd_stability", save=False, **kwargs)
