"""Figures of the lazy/rich theory: registration, drawing, and the shape of the data behind them.

The data tests check the qualitative statements of docs/lazy_rich.md#figure-settings ("Shape") on the computed
arrays (not pixels), plus exact-vs-gradient-flow agreement where a figure overlays both.
"""

import matplotlib

matplotlib.use("Agg")

import re  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from sims._style import GUIDE_GID, new_figure, plot_style  # noqa: E402
from sims.figures import figure_registry, make_figure  # noqa: E402
from sims.lazy_rich import _plots  # noqa: E402
from sims.lazy_rich._figure_data import (  # noqa: E402
    basin_runs,
    conserved_surface_mesh,
    dynamics_curves,
    implicit_bias_paths,
    separatrix_init,
    sign_flip_runs,
    surface_panel,
)
from sims.lazy_rich._flow import gradient_flow  # noqa: E402
from sims.lazy_rich._plots import (  # noqa: E402
    DELTA_ZERO_COLOR,
    delta_color,
    plot_basins,
    plot_dynamics,
    plot_implicit_bias,
    plot_sign_flip,
    plot_surfaces,
)
from theory.lazy_rich._exact import conserved_delta, limit_prediction  # noqa: E402

# name → (number of data axes, number of colorbar axes)
EXPECTED_AXES = {
    "lazy_rich_surfaces": (3, 0),
    "lazy_rich_dynamics": (4, 1),
    "lazy_rich_implicit_bias": (1, 1),
    "lazy_rich_sign_flip": (12, 1),
    "lazy_rich_basins": (3, 0),
}


# --------------------------------------------------------------------------------------------
# registration and drawing
# --------------------------------------------------------------------------------------------

def test_all_figures_registered_with_metadata():
    reg = figure_registry("lazy_rich")
    for name in EXPECTED_AXES:
        assert name in reg, name
        spec = reg[name]
        assert spec.theory == "lazy_rich"
        assert spec.description
        assert spec.claims and all(c.startswith("lazy_rich.") for c in spec.claims)
        assert spec.params


def test_figure_claims_exist():
    from proofs_check._claim import registry

    claims = registry("lazy_rich")
    for name in EXPECTED_AXES:
        missing = set(figure_registry("lazy_rich")[name].claims) - set(claims)
        assert not missing, f"{name} cites unknown claims {sorted(missing)}"


def _is_colorbar(ax):
    return ax.get_label() == "<colorbar>"


@pytest.mark.parametrize("name", sorted(EXPECTED_AXES))
def test_registered_figure_draws(name):
    fig = make_figure(name)
    n_data, n_cbar = EXPECTED_AXES[name]
    data_axes = [ax for ax in fig.axes if not _is_colorbar(ax)]
    assert len(data_axes) == n_data
    assert len(fig.axes) - len(data_axes) == n_cbar
    for ax in data_axes:
        assert len(ax.lines) + len(ax.collections) > 0, f"empty panel in {name}"
        drawn = [line for line in ax.lines if np.ma.count(np.ma.masked_invalid(
            np.ma.asarray(line.get_ydata(), dtype=float))) > 1]
        assert drawn, f"no curve with data in a panel of {name}"
    fig.canvas.draw()  # Agg renders without error
    assert fig.get_size_inches().min() > 1


def test_make_figure_parameters_overridable():
    fig = make_figure("lazy_rich_dynamics", deltas=[-1.0, 0.0, 1.0], compat_panel=False)
    assert len([ax for ax in fig.axes if not _is_colorbar(ax)]) == 3


# --------------------------------------------------------------------------------------------
# figure text and keys (issue 7: figures for a talk). Structure, not pixels.
# --------------------------------------------------------------------------------------------

# Symbols that must only appear inside mathtext ($…$): Greek letters, norms, transposes,
# sub/superscript digits, operators. Outside $…$ they render as plain text in the body font.
_MATH_ONLY = set("αβγδεζηθικλμνξπρστυφχψωΓΔΘΛΞΠΣΦΨΩ‖ᵀ∞·×∠≤≥√∂⊥∥∑₀₁₂₃₋₊⁰¹²³⁻")
_MATH = re.compile(r"\$[^$]*\$")


def _data_axes(fig):
    return [ax for ax in fig.axes if not _is_colorbar(ax)]


def _legend_entries(fig):
    """(text, handle) of every legend on the figure or its axes."""
    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
    return [(t.get_text(), h) for leg in legends for t, h in zip(leg.texts, leg.legend_handles)]


def figure_texts(fig):
    """Every piece of text a reader sees: titles, axis labels, tick labels, legends, free text."""
    texts = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        texts += [ax.get_title(loc=loc) for loc in ("left", "center", "right")]
        texts += [ax.get_xlabel(), ax.get_ylabel()]
        if hasattr(ax, "get_zlabel"):
            texts.append(ax.get_zlabel())
        texts += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
        texts += [t.get_text() for t in ax.texts]
    texts += [text for text, _ in _legend_entries(fig)]
    return [t for t in texts if t]


def axis_labels(fig):
    labels = []
    for ax in fig.axes:
        labels += [ax.get_xlabel(), ax.get_ylabel()] + ([ax.get_zlabel()] if hasattr(ax, "get_zlabel") else [])
    return [label for label in labels if label]


def assert_text_is_mathtext(fig, name):
    for text in figure_texts(fig):
        raw = set(_MATH.sub("", text)) & _MATH_ONLY
        assert not raw, f"{name}: {text!r} has {sorted(raw)} outside $…$"
        assert text.count("$") % 2 == 0, f"{name}: unbalanced $ in {text!r}"
    labels = axis_labels(fig)
    assert labels, f"{name}: no axis labels"
    for label in labels:   # every axis label names its quantity with a symbol
        assert "$" in label, f"{name}: axis label {label!r} has no mathtext"


def assert_panel_letters(fig, name):
    axes = _data_axes(fig)
    if len(axes) > 1:
        letters = [ax.get_title(loc="left") for ax in axes]
        assert letters == [f"({chr(ord('a') + k)})" for k in range(len(axes))], f"{name}: {letters}"


def _seen_color(line):
    """The colour a reader sees: the marker edge for a marker-only line, else the line colour."""
    return line.get_markeredgecolor() if line.get_linestyle() == "None" else line.get_color()


def _same_color(c1, c2):
    return np.allclose(to_rgba(c1), to_rgba(c2), atol=1e-6)


def assert_every_line_is_keyed(fig, name, key_colors=()):
    """Each data line is named in a legend, or its colour and its style are both keyed.

    A colour is keyed by a legend handle of that colour or by ``key_colors`` (the δ colourbar);
    a style (line style, marker) by a legend handle drawn that way, the plain solid line needing
    no key. Lines marked as guides (a zero line) are exempt.
    """
    entries = _legend_entries(fig)
    assert all(text for text, _ in entries), f"{name}: empty legend entry"
    texts = {text for text, _ in entries}
    handle_lines = [h for _, h in entries if hasattr(h, "get_linestyle") and hasattr(h, "get_marker")]
    colors = list(key_colors) + [_seen_color(h) for h in handle_lines]
    styles = {("-", "None")} | {(h.get_linestyle(), h.get_marker()) for h in handle_lines}
    for ax in _data_axes(fig):
        for line in ax.lines:
            if line.get_gid() == GUIDE_GID:
                continue
            if line.get_label() in texts:
                continue
            assert any(_same_color(_seen_color(line), c) for c in colors), \
                f"{name}: a line of colour {_seen_color(line)} is in no legend and not a δ colour"
            assert (line.get_linestyle(), line.get_marker()) in styles, \
                f"{name}: a {line.get_linestyle()!r}/{line.get_marker()!r} line has no legend entry"


def _registered_deltas(name):
    params = figure_registry("lazy_rich")[name].params
    return params.get("deltas", [])


@pytest.fixture(scope="module")
def drawn():
    """Every registered lazy_rich figure except the (slow) phase diagrams, drawn once."""
    return {name: make_figure(name) for name in EXPECTED_AXES}


@pytest.mark.parametrize("name", sorted(EXPECTED_AXES))
def test_figure_text_is_mathtext_with_letters_and_keys(drawn, name):
    fig = drawn[name]
    assert_text_is_mathtext(fig, name)
    assert_panel_letters(fig, name)
    has_delta_bar = any(_is_colorbar(ax) and r"\delta" in ax.get_ylabel() for ax in fig.axes)
    key = [delta_color(d) for d in _registered_deltas(name)] if has_delta_bar else []
    assert_every_line_is_keyed(fig, name, key)


def test_text_check_catches_raw_symbols():
    # The checks above are not vacuous: raw symbols, a missing $ label and a stray line fail.
    with plot_style():
        fig, ax = new_figure()
        ax.plot([0, 1], [0, 1], color="C5")
        ax.set_xlabel("β*")
        with pytest.raises(AssertionError, match="outside"):
            assert_text_is_mathtext(fig, "t")
        ax.set_xlabel("time")
        with pytest.raises(AssertionError, match="no mathtext"):
            assert_text_is_mathtext(fig, "t")
        with pytest.raises(AssertionError, match="in no legend"):
            assert_every_line_is_keyed(fig, "t")
        fig, axes = new_figure(1, 2)
        with pytest.raises(AssertionError):
            assert_panel_letters(fig, "t")


# --------------------------------------------------------------------------------------------
# one δ → colour mapping
# --------------------------------------------------------------------------------------------

def _luminance(c):
    r, g, b, _ = to_rgba(c)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_delta_color_depends_on_the_value_only():
    assert delta_color(0.0) == DELTA_ZERO_COLOR == delta_color(-0.0)
    for d in (1e-6, 0.02, 0.2, 1.0, 2.0, 4.0, 10.0, 100.0):
        up, down = to_rgba(delta_color(d)), to_rgba(delta_color(-d))
        assert up[0] > up[2] and down[2] > down[0]         # δ > 0 warm, δ < 0 cool
        for c in (up, down):
            # Not black: some channel differs from the δ = 0 colour by ≥ 0.3 of its range;
            # not white: visibly darker than the white background.
            assert np.max(np.abs(np.subtract(c, DELTA_ZERO_COLOR))) >= 0.3
            assert _luminance(c) < 0.9
    # Larger |δ| is darker, so shades order like the values (up to the clip at |δ| = 10).
    for sign in (1, -1):
        lum = [_luminance(delta_color(sign * d)) for d in (0.02, 0.2, 1.0, 2.0, 4.0, 10.0)]
        assert np.all(np.diff(lum) < 0)
    with pytest.raises(ValueError, match="delta"):
        delta_color(np.nan)


def test_sign_flip_black_is_not_used_for_a_nonzero_delta(drawn):
    fig = drawn["lazy_rich_sign_flip"]
    deltas = _registered_deltas("lazy_rich_sign_flip")
    assert 0.0 not in deltas and 0.02 in deltas
    for ax in _data_axes(fig):
        assert not any(_same_color(_seen_color(line), DELTA_ZERO_COLOR) for line in ax.lines)
    assert not _same_color(delta_color(0.02), DELTA_ZERO_COLOR)


def test_every_delta_coloured_figure_uses_delta_color(monkeypatch):
    # Swap the one mapping for a marker palette: every δ-coloured line follows it, so no figure
    # has its own δ colours.
    palette = {}

    def fake(delta):
        return palette.setdefault(float(delta), (0.0, 0.001 * (len(palette) + 1), 0.5, 1.0))

    monkeypatch.setattr(_plots, "delta_color", fake)
    for name, n_lines in (("lazy_rich_dynamics", 3 * 7), ("lazy_rich_implicit_bias", 2 * 7),
                          ("lazy_rich_sign_flip", 12 * 2 * 7)):
        palette.clear()
        fig = make_figure(name)
        used = [line for ax in _data_axes(fig) for line in ax.lines
                if any(_same_color(_seen_color(line), c) for c in palette.values())]
        assert len(used) >= n_lines, name
        assert set(_registered_deltas(name)) <= set(palette), name
        # Besides the figure's δ, only the δ → ±∞ markers (the darkest shades, |δ| = 10).
        assert set(palette) - set(_registered_deltas(name)) <= {10.0, -10.0}, name


# --------------------------------------------------------------------------------------------
# plot functions draw into caller-supplied axes
# --------------------------------------------------------------------------------------------

def test_plot_functions_accept_axes():
    with plot_style():
        fig, axes = new_figure(1, 2, subplot_kw=dict(projection="3d"))
        assert plot_surfaces(deltas=[-1.0, 1.0], axes=axes) is fig
        assert all(len(ax.lines) > 0 for ax in axes)

        fig, axes = new_figure(1, 3)
        assert plot_dynamics(deltas=[-1.0, 0.0, 1.0], compat_panel=False, axes=axes) is fig
        assert all(len(ax.lines) >= 3 for ax in axes)

        fig, ax = new_figure(1, 1)
        assert plot_implicit_bias(deltas=[-1.0, 1.0], ax=ax) is fig
        assert len(ax.lines) > 0

        fig, axes = new_figure(1, 4)
        assert plot_sign_flip(beta0s=[[0.0, -1.0]], deltas=[-2.0, 1.0], axes=axes) is fig
        assert all(len(ax.lines) >= 4 for ax in axes)

        fig, axes = new_figure(1, 2)
        assert plot_basins(deltas=[0.0, -2.0], axes=axes) is fig
        assert all(len(ax.lines) >= 2 for ax in axes)


def test_plot_functions_reject_wrong_axes():
    with plot_style():
        _, axes = new_figure(1, 2)
        with pytest.raises(ValueError, match="axes must hold 3"):
            plot_dynamics(deltas=[0.0], compat_panel=False, axes=[axes[0]])
        with pytest.raises(ValueError, match="3-D"):
            plot_surfaces(deltas=[-1.0, 1.0], axes=axes)
        with pytest.raises(ValueError, match="compat_delta"):
            plot_dynamics(deltas=[1.0, 2.0], compat_delta=0.0)


# --------------------------------------------------------------------------------------------
# Fig 2: surfaces
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("delta", [-2.0, 0.0, 2.0])
def test_surface_panel_geometry(delta):
    p = surface_panel(delta)
    # The trajectory stays on its conserved surface and ends on the solution manifold a·w = β*.
    np.testing.assert_allclose(conserved_delta(p.a, p.w), delta, atol=1e-10)
    # δ = −2 relaxes at λ⊥ = (δ + √(δ² + 4))/2 ≈ 0.41, so at T = 20 it is within ~1e-3.
    np.testing.assert_allclose(p.a[-1] * p.w[-1], [0.0, 1.0], atol=5e-3)
    assert p.a[0] > 0 and p.a_inf > 0
    for W1, W2, A in p.mesh:
        np.testing.assert_allclose(A**2 - W1**2 - W2**2, delta, atol=1e-10)
    for sheet, branch in zip((1, -1), p.manifold):
        np.testing.assert_allclose(branch[:, 2:3] * branch[:, :2], np.tile([0.0, 1.0], (len(branch), 1)),
                                   atol=1e-12)
        assert np.all(np.sign(branch[:, 2]) == sheet)
    # δ > 0: two sheets never meeting a = 0; δ < 0: one sheet through a = 0.
    assert len(p.mesh) == (1 if delta < 0 else 2)
    if delta > 0:
        assert min(np.abs(A).min() for _, _, A in p.mesh) >= np.sqrt(delta) - 1e-12


def test_surface_mesh_empty_when_out_of_box():
    assert conserved_surface_mesh(-9.0, extent=2.0) == []
    assert conserved_surface_mesh(9.0, extent=2.0) == []


# --------------------------------------------------------------------------------------------
# Fig 3: dynamics (docs/lazy_rich.md#figure-settings "Shape")
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def dyn():
    return dynamics_curves()


def _first_time(t, mask):
    return t[np.argmax(mask)] if mask.any() else np.inf


def test_dynamics_mu_dip_deepens_and_recovery_slows_as_delta_decreases(dyn):
    mins = dyn.mu.min(axis=1)
    assert np.all(mins < dyn.mu[:, 0])                 # μ dips below μ0 = ‖β0‖ ...
    np.testing.assert_allclose(dyn.mu[:, 0], 1.0)
    assert np.all(np.diff(mins) > 0)                   # ... deeper for smaller δ (deltas ascend)
    recovery = []
    for k in range(dyn.deltas.size):
        i = dyn.mu[k].argmin()
        recovery.append(_first_time(dyn.t[i:], dyn.mu[k, i:] > 0.9))
    assert np.all(np.diff(recovery) < 0)               # recovery to μ = 0.9 slower for smaller δ


def test_dynamics_phi_rises_fastest_for_large_delta(dyn):
    t_half = [_first_time(dyn.t, phi > 0.5) for phi in dyn.phi]
    assert np.all(np.isfinite(t_half))
    assert np.all(np.diff(t_half) < 0)
    # Delayed, sigmoidal rise for the most downstream run: still below 0.5 at t = 5.
    assert dyn.phi[0, dyn.t <= 5.0].max() < 0.5
    # The most negative δ has not fully converged by T = 20 (as the paper's Fig. 3 shows), the others have.
    assert 1 - dyn.phi[0, -1] > 1e-3
    assert np.all(1 - dyn.phi[1:, -1] < 1e-5)


def test_dynamics_kernel_distance_regimes(dyn):
    S, S_inf, d = dyn.kernel_distance, dyn.kernel_distance_limit, dyn.deltas
    assert np.all(np.diff(S_inf) < 0)                  # S(0, ∞) decreases monotonically in δ
    np.testing.assert_allclose(S[:, 0], 0.0, atol=1e-12)
    assert np.all((S >= -1e-12) & (S <= 1.0))
    assert np.all(S_inf[d > 0] < 0.06) and np.all(S_inf[d >= 2] < 0.02)   # lazy
    assert np.all(S_inf[d < 0] > S_inf[d == 0])       # delayed rich ends richer than balanced
    # Delayed: time to reach half of S(0, ∞) grows as δ decreases below 0.
    neg = np.flatnonzero(d <= 0)
    t_half = [_first_time(dyn.t, S[k] >= S_inf[k] / 2) for k in neg]
    assert np.all(np.diff(t_half) < 0)
    # Converged runs reach S(0, ∞); δ = −4 has not by T = 20.
    np.testing.assert_allclose(S[1:, -1], S_inf[1:], atol=1e-5)
    assert S_inf[0] - S[0, -1] > 1e-2


def test_dynamics_compat_kernel_distance_overshoots_only_by_the_bug(dyn):
    k0 = int(np.flatnonzero(dyn.deltas == 0)[0])
    S, Sc = dyn.kernel_distance[k0], dyn.kernel_distance_compat[k0]
    np.testing.assert_allclose(Sc[0], S[0], atol=1e-15)
    assert np.all(np.diff(S) >= -1e-12)                # correct S: no overshoot
    assert Sc.max() > dyn.kernel_distance_limit[k0] + 0.01   # published formula overshoots
    # They agree again at the end only because a∞² = a0² here (‖β0‖ = ‖β*‖ at δ = 0).
    np.testing.assert_allclose(Sc[-1], S[-1], atol=1e-6)


# --------------------------------------------------------------------------------------------
# Fig 4b: implicit bias (docs/lazy_rich.md#figure-settings "Shape")
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bias():
    return implicit_bias_paths()


def test_implicit_bias_endpoints_on_line_and_match_theory(bias):
    np.testing.assert_allclose(bias.endpoint @ bias.x, bias.y, atol=1e-8)
    np.testing.assert_allclose(bias.prediction @ bias.x, bias.y, atol=1e-9)
    np.testing.assert_allclose(bias.endpoint, bias.prediction, atol=1e-7)
    assert np.all(bias.n_crossings == 0)               # no sign crossing in this setting
    np.testing.assert_allclose(bias.beta[:, 0], np.tile(bias.beta0, (bias.deltas.size, 1)))


def test_implicit_bias_endpoints_move_monotonically_between_the_limits(bias):
    order = np.argsort(bias.deltas)[::-1]             # decreasing δ
    u = bias.line_coordinate(bias.endpoint[order])
    u_lazy = bias.line_coordinate(bias.lazy_limit)
    u_down = bias.line_coordinate(bias.downstream_limit)
    assert u_lazy < u_down
    assert np.all(np.diff(u) > 0)                      # from the kernel projection ...
    assert u_lazy < u[0] and u[-1] < u_down            # ... toward the initial ray
    # The limits themselves: kernel projection and the ray point of β0.
    np.testing.assert_allclose(bias.lazy_limit @ bias.x, bias.y, atol=1e-12)
    cross = bias.downstream_limit[0] * bias.beta0[1] - bias.downstream_limit[1] * bias.beta0[0]
    assert abs(cross) < 1e-12


# --------------------------------------------------------------------------------------------
# Appendix: theory vs gradient flow, sign flips (docs/lazy_rich.md#figure-settings "Shape")
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def flips():
    return sign_flip_runs()


def test_sign_flip_runs_are_exactly_the_predicted_ones(flips):
    expected = np.zeros((3, 7), dtype=bool)
    expected[0, :2] = True                              # β0 = (0, −1), δ ∈ {−2, −1}
    np.testing.assert_array_equal(flips.flips, expected)
    np.testing.assert_array_equal(flips.gf_crossings, expected.astype(int))
    np.testing.assert_array_equal(np.sign(flips.a[..., -1]) != np.sign(flips.a[..., 0]), expected)
    # Flip criterion ν0 < ν₋ (Riccati form) agrees with the c₊ test.
    np.testing.assert_array_equal(flips.nu[..., 0] < flips.nu_minus, expected)


def test_sign_flip_theory_matches_gradient_flow(flips):
    step = (flips.t.size - 1) // (flips.t_gf.size - 1)
    np.testing.assert_allclose(flips.t[::step], flips.t_gf)
    np.testing.assert_allclose(flips.a[..., ::step], flips.a_gf, atol=1e-8)
    np.testing.assert_allclose(flips.w[..., ::step, :], flips.w_gf, atol=1e-8)


def test_sign_flip_nu_converges_to_stable_fixed_point_and_is_masked_not_nan(flips):
    for nu in (flips.nu, flips.nu_gf):
        assert isinstance(nu, np.ma.MaskedArray)
        assert np.all(np.isfinite(np.ma.getdata(nu)))
    np.testing.assert_allclose(flips.nu[..., -1], np.broadcast_to(flips.nu_plus, (3, 7)), atol=1e-3)
    # The pole: ν is unbounded near the crossing of a flipping run.
    assert np.abs(flips.nu[0, 0]).max() > 50


def test_sign_flip_nu_matches_riccati_closed_form(flips):
    from theory.lazy_rich._riccati import riccati_nu, riccati_pole_time

    s = float(np.linalg.norm(flips.beta_star))
    for r in range(flips.beta0s.shape[0]):
        for k, d in enumerate(flips.deltas):
            nu = flips.nu[r, k]
            ref = riccati_nu(flips.t, float(nu[0]), s, float(d))
            keep = np.abs(ref) < 10                     # away from the pole
            np.testing.assert_allclose(nu[keep], ref[keep], rtol=1e-8, atol=1e-9)
            if flips.flips[r, k]:                       # pole of ν = zero of a
                t_pole = riccati_pole_time(float(nu[0]), s, float(d))
                i = np.flatnonzero(np.sign(flips.a[r, k, 1:]) != np.sign(flips.a[r, k, :-1]))
                assert i.size == 1 and flips.t[i[0]] <= t_pole <= flips.t[i[0] + 1]


# --------------------------------------------------------------------------------------------
# Appendix: basins (docs/lazy_rich.md#figure-settings)
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("delta", [0.0, -2.0, -10.0])
def test_separatrix_init_lies_on_the_basin_boundary(delta):
    beta_star = np.array([1.0, 0.25])
    w = separatrix_init(beta_star, delta, -4.0)
    assert conserved_delta(-4.0, w) == pytest.approx(delta, abs=1e-12)
    s = np.linalg.norm(beta_star)
    nu_minus = (-delta - np.hypot(delta, 2 * s)) / 2
    assert w @ beta_star == pytest.approx(-4.0 * nu_minus, rel=1e-12)
    try:
        c_plus = limit_prediction(-4.0, w, beta_star).c_plus
    except ValueError:                                   # exactly on c₊ = 0
        c_plus = 0.0
    assert abs(c_plus) < 1e-12


@pytest.fixture(scope="module")
def basins():
    return basin_runs()


def test_basin_runs_end_with_opposite_signs(basins):
    a_end = basins.a[..., -1]
    assert np.all(a_end[:, 0] < 0) and np.all(a_end[:, 1] > 0)
    np.testing.assert_array_equal(basins.flips, [[False, True]] * 3)
    np.testing.assert_allclose(a_end, basins.a_inf, rtol=1e-6)
    # Both runs pass close to the saddle β = 0 before separating.
    beta_norm = np.linalg.norm(basins.a[..., None] * basins.w, axis=-1)
    assert np.all(beta_norm.min(axis=-1) < 1e-2)


@pytest.mark.parametrize("k", [0, 1, 2])
def test_basin_exact_solution_matches_gradient_flow_through_the_saddle(basins, k):
    t = basins.t
    for j in range(basins.perturbations.size):
        a0, w0 = basins.a[k, j, 0], basins.w[k, j, 0]
        gf = gradient_flow(np.eye(2), basins.beta_star, a0, w0, t, rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(basins.a[k, j], gf.a, atol=1e-6)
        np.testing.assert_allclose(basins.w[k, j], gf.w, atol=1e-6)
