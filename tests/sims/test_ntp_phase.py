"""The Monte-Carlo NTP-separability phase diagram (sims.phase_diagram("ntp_separability"))."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import sims  # noqa: E402
from sims.ntp import ntp_separability_phase_diagram  # noqa: E402
from sims.ntp._phase import _instance  # noqa: E402
from theory.ntp import is_separable  # noqa: E402

SMALL = dict(V=4, m=4, x_values=[0.25, 0.5, 1.0, 1.25], y_values=[1, 3], n_trials=4, seed=2)


@pytest.fixture(scope="module")
def small():
    return sims.phase_diagram("ntp_separability", plot=False, save=False, **SMALL)


def test_result_layout(small):
    r = small
    assert r.system == "ntp_separability" and r.saved_to is None and r.figure is None
    assert r.x.tolist() == SMALL["x_values"] and r.y.tolist() == [1.0, 3.0]
    p, se, n = r.values["probability"], r.values["standard_error"], r.values["n_trials"]
    assert p.shape == se.shape == n.shape == r.labels.shape == (2, 4)
    np.testing.assert_array_equal(n, 4.0)
    np.testing.assert_array_equal(r.values["d"][0], [1, 2, 4, 5])
    assert np.all((p >= 0) & (p <= 1))
    np.testing.assert_allclose(se, np.sqrt(p * (1 - p) / n))
    np.testing.assert_array_equal(r.labels == "separable", p > 0.5)
    np.testing.assert_array_equal(r.boundaries["lemma1"][:, 0], [1.0, 1.0])


def test_lemma1_cells_are_separable(small):
    # d >= m: Gaussian H has full column rank almost surely, so every instance is separable (Lemma 1)
    p = small.values["probability"]
    assert np.all(p[:, small.values["d"][0] >= SMALL["m"]] == 1.0)


def test_cells_recount_by_hand(small):
    # the cell (S = 3, d = 1) redone from its documented random numbers
    rng = np.random.default_rng([SMALL["seed"], 3, 1])
    count = sum(is_separable(*_instance(rng, SMALL["V"], SMALL["m"], 1, 3)) for _ in range(SMALL["n_trials"]))
    assert small.values["probability"][1, 0] == count / SMALL["n_trials"]


def test_a_cell_does_not_depend_on_the_grid(small):
    alone = ntp_separability_phase_diagram(**{**SMALL, "x_values": [0.5], "y_values": [3]}, plot=False)
    assert alone.values["probability"][0, 0] == small.values["probability"][1, 1]


def test_instances_have_the_requested_supports():
    H, S = _instance(np.random.default_rng(0), 7, 9, 3, 4)
    assert H.shape == (3, 9) and S.shape == (7, 9) and S.dtype == bool
    np.testing.assert_array_equal(S.sum(axis=0), 4)


@pytest.mark.parametrize("kwargs,match", [
    (dict(V=1), "V"), (dict(m=0), "m"), (dict(x_values=[0.5, -1.0]), "x_values"), (dict(x_values=[]), "x_values"),
    (dict(y_values=[0]), "y_values"), (dict(y_values=[4]), "y_values"), (dict(y_values=[1.5]), "y_values"),
    (dict(n_trials=0), "n_trials"), (dict(seed=-1), "seed"), (dict(progress="yes"), "progress"),
    (dict(V=4, m=4, x_values=[10**6]), "max"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ntp_separability_phase_diagram(**{**SMALL, **kwargs}, plot=False)


def test_figure():
    r = sims.phase_diagram("ntp_separability", save=False, **{**SMALL, "n_trials": 2})
    fig = r.figure
    ax = fig.axes[0]
    assert ax.get_xlabel().startswith("$d/m$") and "support size" in ax.get_ylabel()
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("Lemma 1" in t for t in texts)
