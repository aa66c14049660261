"""Figures of the NTP-geometry theory: registration, drawing, and the facts behind the data (not pixels)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from proofs_check import registry  # noqa: E402
from sims.figures import figure_registry  # noqa: E402
from sims.ntp_geometry._figure_data import lambda_sweep, logit_maps  # noqa: E402
from sims.ntp_geometry._plots import plot_lambda_law, plot_logit_maps  # noqa: E402


def test_registered_with_existing_claims():
    figs = figure_registry("ntp_geometry")
    assert set(figs) == {"ntp_geometry_logits", "ntp_geometry_lambda_law"}
    claims = set(registry("ntp_geometry"))
    for spec in figs.values():
        assert spec.claims and set(spec.claims) <= claims, spec.name


def test_logit_maps_data_and_plot():
    d = logit_maps(lam=1e-3, seed=1)
    # L^in is supported on the supports; L^mm has rank 3 and S̃ rank 4 (the counterexample shown in panel f)
    assert np.all(d.L_in[~d.support] == 0)
    assert np.count_nonzero(d.sv_mm > 1e-3 * d.sv_mm[0]) == 3
    assert np.count_nonzero(d.sv_St > 1e-3 * d.sv_St[0]) == 4
    assert d.c > 0
    fig = plot_logit_maps(d)
    assert len(fig.axes) >= 6


def test_lambda_sweep_data_and_plot():
    d = lambda_sweep(lambdas=(1e-2, 1e-3, 1e-4), seeds=(0,))
    assert d.c.shape == (1, 3) and np.all(np.diff(d.c[0]) > 0)
    # one decade of λ adds about 1 ln(10) to c (the ln(1/λ) law; within 10 % over two decades)
    assert (d.c[0, -1] - d.c[0, 0]) / np.log(100.0) == pytest.approx(1.0, abs=0.1)
    assert np.all(np.diff(d.collapse_cos) > 0)
    fig = plot_lambda_law(d)
    assert len(fig.axes) == 3
