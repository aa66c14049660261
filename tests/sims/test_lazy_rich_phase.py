"""sims.phase_diagram("lazy_rich") and its pieces (sims/lazy_rich/_phase.py)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

import sims
from sims.lazy_rich._phase import _first_crossing_time, delayed_rich_delta
from theory.lazy_rich import relaxation_rates

SMALL = dict(x_values=np.linspace(-5, 5, 11), y_values=np.logspace(-2, 0, 4), n_times=200, t_max=100.0)


@pytest.fixture(scope="module")
def diagram():
    return sims.phase_diagram("lazy_rich", simulate=(3, 2), save=False, **SMALL)


def test_result_shapes_and_labels(diagram):
    assert diagram.system == "lazy_rich" and diagram.labels.shape == (4, 11)
    for name in ("kernel_distance_final", "kernel_distance_tmax", "time_to_learn", "time_to_half_kernel",
                 "rate_ratio"):
        assert diagram.values[name].shape == (4, 11)
    assert set(np.unique(diagram.labels)) <= {"lazy", "rich", "delayed rich"}
    # No NaN anywhere; "never reached by t_max" is +inf by contract.
    assert not any(np.isnan(v).any() for v in diagram.values.values())
    assert diagram.figure is not None and len(diagram.figure.axes) == 5  # 3 panels + 2 colorbars


def test_labels_follow_their_definition(diagram):
    S = diagram.values["kernel_distance_final"]
    ratio = diagram.values["rate_ratio"]
    lazy = diagram.labels == "lazy"
    np.testing.assert_array_equal(lazy, S < 0.1)
    np.testing.assert_array_equal(diagram.labels == "delayed rich", ~lazy & (ratio < 0.1))
    # Large positive δ is lazy at every scale, the most negative δ is never rich (docs/lazy_rich.md#function-space-metric-and-ntk limits).
    assert np.all(diagram.labels[:, -1] == "lazy")
    assert not np.any(diagram.labels[:, 0] == "rich")


def test_simulated_cells_agree_with_closed_form(diagram):
    sim = diagram.simulated
    assert len(sim["x"]) == 6
    # GF (rtol 1e-10) and the closed form agree on S(0, t_max) to the integrator's accuracy.
    assert sim["max_abs_error_kernel_distance"] < 1e-7


def test_rate_ratio_and_delay_boundary():
    s = 1.3
    lam_perp, lam_par = relaxation_rates([0.0, s], delayed_rich_delta(s, 0.1))
    assert lam_perp / lam_par == pytest.approx(0.1, rel=1e-12)
    with pytest.raises(ValueError, match="delay_ratio"):
        delayed_rich_delta(1.0, 0.6)


def test_first_crossing_time_interpolates_and_reports_inf():
    t = np.array([0.0, 1.0, 2.0, 3.0])
    values = np.array([[0.0, 1.0, 2.0, 3.0], [5.0, 5.0, 5.0, 5.0], [0.0, 0.0, 0.0, 0.0]])
    out = _first_crossing_time(t, values, np.array([1.5, 1.0, 1.0]))
    np.testing.assert_allclose(out, [1.5, 0.0, np.inf])


def test_alignment_axis_and_save(tmp_path):
    result = sims.phase_diagram("lazy_rich", y="alignment", y_values=[-0.5, 0.0, 0.5], simulate=None,
                                x_values=[-2.0, 0.0, 2.0], n_times=100, save=tmp_path / "p.png")
    assert (tmp_path / "p.png").stat().st_size > 0
    assert result.y_name.startswith("init alignment")
    no_fig = sims.phase_diagram("lazy_rich", plot=False, simulate=None, **SMALL)
    assert no_fig.figure is None
    with pytest.raises(ValueError, match="plot=False"):
        no_fig.save(tmp_path / "q.png")


@pytest.mark.parametrize("kwargs, match", [
    (dict(system="nope"), "system must be one of"),
    (dict(y="nope"), "y must be one of"),
    (dict(x="scale"), "x must be 'delta'"),
    (dict(y_values=[0.0, 1.0]), "init scales"),
    (dict(y="alignment", y_values=[1.0]), "alignment"),
    (dict(beta_star=[0.0, 0.0]), "beta_star"),
    (dict(t_max=-1.0), "t_max"),
    (dict(learn_fraction=2.0), "learn_fraction"),
    (dict(x_values=[np.nan]), "x_values"),
])
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        sims.phase_diagram(**{"system": "lazy_rich", "simulate": None, "save": False, **kwargs})


def test_figure_text_keys_and_letters(diagram):
    # Helpers shared with the other lazy_rich figures (tests/sims is on sys.path under pytest).
    from test_lazy_rich_figures import assert_every_line_is_keyed, assert_panel_letters, assert_text_is_mathtext

    fig = diagram.figure
    assert_text_is_mathtext(fig, "phase diagram")
    assert_panel_letters(fig, "phase diagram")
    assert_every_line_is_keyed(fig, "phase diagram")
    texts = [t.get_text() for leg in fig.legends for t in leg.texts]
    # Every phase colour, both thresholds (the white S contour and the dashed δ line) and the
    # simulated cells have a legend entry.
    for needle in ("lazy", "rich", "delayed rich", "lazy threshold", "delayed-rich threshold",
                   "gradient-flow runs"):
        assert needle in texts or any(t.startswith(needle) for t in texts), (needle, texts)
    assert any("0.1" in t and r"S(0, \infty)" in t for t in texts)
    # The time-to-learn colourbar says what it measures (1% of the initial loss), in words.
    cbar_labels = [ax.get_ylabel() for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert any("1%" in label and "initial" in label for label in cbar_labels), cbar_labels
    assert not any("×" in label for label in cbar_labels)
