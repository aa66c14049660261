"""Figures of the SGD-stability theory: registration, drawing, and the facts behind the data.

The data tests check what the theory predicts on the computed arrays (not pixels): the phase
labels of each diagram, the ordering of the stability notions, the quartic-well threshold and
the teacher–student rank count, each against the simulation the figure overlays.
"""

import json
import math

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from sims._style import new_figure, plot_style  # noqa: E402
from sims.figures import figure_registry, make_figure  # noqa: E402
from sims.sgd_stability._figure_data import (  # noqa: E402
    FINITE_DATA_C,
    finite_data_exponents,
    phase_overlay,
)
from sims.sgd_stability._figure_data_thresholds import (  # noqa: E402
    batch_thresholds_exact,
    batch_thresholds_qr,
    quartic_collapse,
    teacher_student_rank,
    teacher_student_singular_values,
)
from sims.sgd_stability._plots import (  # noqa: E402
    plot_batch_thresholds,
    plot_finite_data,
    plot_phase_overlay,
    plot_quartic_collapse,
    plot_teacher_student_rank,
)
from theory.sgd_stability import (  # noqa: E402
    classify_phase,
    critical_collapse_noise,
    expected_log_abs,
    lyapunov_exponent,
    model_a_law,
)

# Every test here draws a figure or computes its data (module fixtures of seconds each).
pytestmark = pytest.mark.slow

# name → number of data axes
EXPECTED_AXES = {
    "sgd_stability_phase_lr_noise": 2,
    "sgd_stability_phase_lr_batch": 2,
    "sgd_stability_finite_data": 2,
    "sgd_stability_notions_vs_batch": 3,
    "sgd_stability_quartic_collapse": 2,
    "sgd_stability_teacher_student_rank": 2,
}


# --------------------------------------------------------------------------------------------
# registration and drawing
# --------------------------------------------------------------------------------------------

def test_all_figures_registered_with_metadata():
    reg = figure_registry("sgd_stability")
    assert set(EXPECTED_AXES) <= set(reg)
    for name in EXPECTED_AXES:
        spec = reg[name]
        assert spec.theory == "sgd_stability" and spec.description and spec.params
        assert spec.claims and all(c.startswith("sgd_stability.") for c in spec.claims)
        json.dumps(spec.params)  # the manifest stores the parameters as JSON


def test_figure_claims_exist():
    from proofs_check._claim import registry

    claims = registry("sgd_stability")
    for name in EXPECTED_AXES:
        missing = set(figure_registry("sgd_stability")[name].claims) - set(claims)
        assert not missing, f"{name} cites unknown claims {sorted(missing)}"


@pytest.mark.parametrize("name", sorted(EXPECTED_AXES))
def test_registered_figure_draws(name):
    fig = make_figure(name)
    data_axes = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert len(data_axes) == EXPECTED_AXES[name]
    for ax in data_axes:
        assert len(ax.lines) + len(ax.collections) + len(ax.patches) > 0, f"empty panel in {name}"
        assert ax.get_title() and ax.get_xlabel()
    fig.canvas.draw()  # Agg renders without error (and constrained layout succeeds)
    assert fig.get_size_inches().min() > 3
    # every panel lettered, all text in mathtext (no raw sub/superscripts outside $…$)
    for k, ax in enumerate(data_axes):
        assert ax.get_title().startswith(f"({'abc'[k]})"), ax.get_title()
    for text in _texts(fig):
        outside = "".join(text.split("$")[::2])
        assert not any(r in outside for r in _RAW), f"{name}: raw maths in {text!r}"
        assert text.count("$") % 2 == 0, f"{name}: unbalanced $ in {text!r}"


# --------------------------------------------------------------------------------------------
# data fixtures (the registered defaults, computed once)
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def overlay_noise():
    return phase_overlay("noise")


@pytest.fixture(scope="module")
def overlay_batch():
    return phase_overlay("batch_size", noise=6.0)


@pytest.fixture(scope="module")
def finite():
    return finite_data_exponents()


@pytest.fixture(scope="module")
def qr():
    return batch_thresholds_qr()


@pytest.fixture(scope="module")
def exact():
    return batch_thresholds_exact()


@pytest.fixture(scope="module")
def quartic():
    return quartic_collapse()


@pytest.fixture(scope="module")
def ranks():
    return teacher_student_rank()


def test_plot_functions_accept_axes(overlay_batch, finite, qr, exact, quartic, ranks):
    with plot_style():
        for plot, args, n in [(plot_phase_overlay, (overlay_batch,), 2), (plot_finite_data, (finite,), 2),
                              (plot_batch_thresholds, (qr, exact), 3), (plot_quartic_collapse, (quartic,), 2),
                              (plot_teacher_student_rank, (ranks,), 2)]:
            fig, axes = new_figure(1, n)
            assert plot(*args, axes=axes) is fig
            assert all(len(ax.lines) + len(ax.collections) > 0 for ax in axes)
            with pytest.raises(ValueError, match="must hold"):
                plot(*args, axes=axes[:1])


# --------------------------------------------------------------------------------------------
# figures 1–2: phase diagrams with the nonlinear overlay
# --------------------------------------------------------------------------------------------

def test_phase_lr_noise_labels_and_shapes(overlay_noise):
    an, sim = overlay_noise.analytic, overlay_noise.simulated
    assert an.labels.shape == (an.y.size, an.x.size) == (120, 200)
    assert sim.labels.shape == (sim.y.size, sim.x.size)
    assert set(np.unique(an.labels)) == {"Ia", "Ib", "III", "IV"}      # no phase II in model A (docs/sgd_stability.md#why-phase-ii-is-rare)
    total = sum(sim.values[f"fraction_{k}"] for k in ("collapsed", "correct", "incorrect", "diverged"))
    np.testing.assert_allclose(total, 1.0, atol=1e-12)
    # phase III only above the critical noise σ_c(1) ≈ 3.047
    assert overlay_noise.critical_noise == pytest.approx(critical_collapse_noise(1))
    has_iii = np.any(an.labels == "III", axis=1)
    assert not has_iii[an.y < overlay_noise.critical_noise - 0.05].any()
    assert has_iii[an.y > overlay_noise.critical_noise + 0.05].all()


def test_phase_lr_noise_simulation_matches_theory_where_it_can(overlay_noise):
    sim = overlay_noise.simulated
    theory = sim.values["theory_labels"]
    coll, div = sim.values["fraction_collapsed"], sim.values["fraction_diverged"]
    lam_p = np.array([[expected_log_abs(1.0, lr, model_a_law(s)) for lr in sim.x] for s in sim.y])
    # deep inside phase III (Λ₊ < −0.02) the runs collapse unless they diverge first: no run
    # settles near the minimum, and where fewer than half diverge, the majority collapses
    deep = (theory == "III") & (lam_p < -0.02)
    assert deep.sum() >= 20 and np.all(coll[deep] + div[deep] >= 0.99)
    assert np.all(coll[deep & (div < 0.5)] > 0.5)
    # where the theory has no phase III, collapse is never the majority outcome, except on the
    # marginal cells (|Λ₊| < 0.005, e.g. λ = 0.14, σ = 3.5: Λ₊ = +0.0009), where the log-norm is
    # a driftless walk with per-step std ~0.5 that reaches the collapse norm by diffusion
    assert np.all(coll[(theory != "III") & (lam_p > 0.005)] < 0.5)
    # away from the divergence, majority collapse ⇔ theory III on all but a few boundary cells
    live = div < 0.5
    agree = (coll >= 0.5) == (theory == "III")
    assert agree[live].mean() >= 0.95
    # the nonlinear runs diverge where the saddle theory predicts correct learning (Ia/Ib):
    # the minimum's instability, a separate boundary (docs/sgd_stability.md#nonlinear-check)
    assert np.any((sim.labels == "diverged") & np.isin(theory, ["Ia", "Ib"]))
    edge = overlay_noise.divergence_edge
    assert edge.shape[1] == 2 and len(edge) >= 5
    assert np.all((edge[:, 0] >= sim.x.min()) & (edge[:, 0] <= sim.x.max()))


def test_phase_lr_batch_collapse_needs_small_batches(overlay_batch):
    an, sim = overlay_batch.analytic, overlay_batch.simulated
    S_c = overlay_batch.critical_batch_size
    assert S_c == pytest.approx((6.0 / critical_collapse_noise(1)) ** 2) and 3 < S_c < 4
    assert critical_collapse_noise(4) == pytest.approx(2 * critical_collapse_noise(1), rel=1e-6)  # √S scaling
    has_iii = np.any(an.labels == "III", axis=1)
    np.testing.assert_array_equal(has_iii, an.y < S_c)
    coll = sim.values["fraction_collapsed"]
    assert np.all(coll[sim.y > S_c] < 0.5)           # larger batches: no collapse (theory and runs)
    assert np.any(coll[sim.y < S_c] >= 0.9)


# --------------------------------------------------------------------------------------------
# figure 3: finite data set
# --------------------------------------------------------------------------------------------

def test_finite_data_has_all_five_phases(finite):
    assert set(finite.band_label) == {"Ia", "Ib", "II", "III", "IV"}
    assert set(np.unique(finite.labels)) == {"Ia", "Ib", "II", "III", "IV"}
    np.testing.assert_array_equal(finite.band_label, ["Ib", "Ia", "III", "Ia", "IV", "II", "IV"])
    # bands tile (0, lr_max] and each grid label is its band's label
    assert finite.band_lo[0] == 0.0 and finite.band_hi[-1] == pytest.approx(finite.lr.max())
    np.testing.assert_array_equal(finite.band_lo[1:], finite.band_hi[:-1])
    idx = np.searchsorted(finite.band_hi, finite.lr, side="left")
    on_edge = np.isin(finite.lr, finite.band_hi)
    np.testing.assert_array_equal(finite.labels[~on_edge], finite.band_label[idx[~on_edge]])


def test_finite_data_edges_and_singular_points(finite):
    c = np.array(FINITE_DATA_C)
    assert finite.l2_line == pytest.approx(2 * c.mean() / np.mean(c**2))
    for edge in finite.band_hi[:-1]:
        if edge == finite.l2_line:
            continue
        vals = [lyapunov_exponent(edge, -c), lyapunov_exponent(edge, c)]    # Λ₊, Λ₋
        assert min(abs(v) for v in vals) < 1e-10, edge
    for lam in finite.singular_minus:
        assert np.isneginf(finite.lambda_minus[finite.lr == lam]).all()
    for lam in finite.singular_plus:
        assert np.isneginf(finite.lambda_plus[finite.lr == lam]).all()
    np.testing.assert_allclose(np.sort(finite.singular_minus), 1 / np.sort(c[c > 0])[::-1])
    assert classify_phase(2.0, c) == "II"          # inside the phase-II window around λ = −1/c₄ = 2


# --------------------------------------------------------------------------------------------
# figure 4: the three notions vs batch size
# --------------------------------------------------------------------------------------------

def test_case6_notions_ordered_as_theory_says(qr):
    nB, L = qr.batch_sizes.size, qr.lr.size
    assert qr.exponent.shape == qr.standard_error.shape == qr.status.shape == (nB, L)
    step = qr.lr[1] - qr.lr[0]
    # MS ⇒ GD-stable, and η*_var(B) increases to the GD threshold at B = n (Mulayoff & Michaeli)
    assert np.all(qr.ms_threshold <= qr.gd_threshold * (1 + 1e-12))
    assert np.all(np.diff(qr.ms_threshold) > 0)
    assert qr.ms_threshold[-1] == pytest.approx(qr.gd_threshold, rel=1e-10)
    for j in range(nB):
        # MS ⇒ PS: every learning rate below η*_var is probabilistically stable (QR, ±3 SE)
        assert np.all(qr.status[j, qr.lr < qr.ms_threshold[j]] == 1)
        assert qr.ps_max[j] >= qr.ms_threshold[j] - step
    # B = n is GD: the PS edge is the GD threshold
    assert abs(qr.ps_max[-1] - qr.gd_threshold) <= 2 * step
    # B = 1: the PS set has a second component (a window around η = 1, where the product
    # (I − ηH₂)(I − ηH₃)(I − ηH₂) vanishes exactly) and PS lies below GD for B < n here
    assert len(qr.ps_intervals[0]) >= 2
    assert np.isneginf(qr.exponent[0, np.argmin(np.abs(qr.lr - 1.0))])
    assert np.all(qr.ps_max[:-1] < qr.gd_threshold)


def test_scalar_notions_exact_and_ps_above_gd(exact):
    n = exact.x.size
    h = exact.x**2
    assert exact.gd_threshold == pytest.approx(2 / h.mean())
    np.testing.assert_allclose(exact.ms_threshold[0], 2 * h.mean() / np.mean(h**2))   # B = 1: 2E h/E h²
    assert np.all(exact.ms_threshold <= exact.gd_threshold * (1 + 1e-12))
    for j in range(n):
        lo, hi = exact.ps_intervals[j][0]
        assert lo == 0.0 and hi >= exact.ms_threshold[j]                              # MS ⇒ PS
    assert exact.ps_max[-1] == pytest.approx(exact.gd_threshold, rel=1e-12)            # B = n: GD
    assert np.all(exact.ps_max[:-1] > exact.gd_threshold)                              # PS beyond GD here
    # B = 1: a stable window around λ = 1/x²_min (the "largest stable learning rate")
    lo, hi = exact.ps_intervals[0][-1]
    assert lo < 1 / h.min() < hi


# --------------------------------------------------------------------------------------------
# figure 5: quartic-well collapse
# --------------------------------------------------------------------------------------------

def _crossing(x, p, level=0.5):
    i = int(np.flatnonzero(p >= level)[0])
    return x[i - 1] + (level - p[i - 1]) / (p[i] - p[i - 1]) * (x[i] - x[i - 1])


def test_quartic_collapse_rises_across_threshold(quartic):
    assert quartic.probability.shape == (quartic.horizons.size, quartic.zeta.size)
    assert quartic.threshold == pytest.approx(math.sqrt(3.0))
    assert quartic.em_threshold == pytest.approx(1.72711, abs=1e-5)
    assert np.all(quartic.diverged == 0)
    below = quartic.zeta <= 1.5
    assert np.all(quartic.probability[:, below] == 0)            # well below √(2μ): never
    assert np.all(quartic.probability[:, quartic.zeta >= 2.5] == 1)
    for k in range(quartic.horizons.size):
        p = quartic.probability[k]
        assert np.all(np.diff(p) >= -0.1)                          # increasing up to MC noise
        mid = _crossing(quartic.zeta, p)
        assert mid > quartic.em_threshold - 0.05
        assert abs(mid - quartic.horizon_midpoint[k]) < 0.08         # finite-horizon 50 % point
    # the longer horizon's crossing is closer to the threshold; both estimates tend to it
    assert np.all(np.diff(quartic.horizon_midpoint) < 0) and np.all(quartic.horizon_midpoint > quartic.em_threshold)
    st = quartic.stationary_probability
    assert st[quartic.zeta_grid >= quartic.threshold].min() == 1.0
    assert st[quartic.zeta_grid < 1.5].max() < 1e-4 and np.all(np.diff(st) >= 0)


# --------------------------------------------------------------------------------------------
# figure 6: teacher–student rank
# --------------------------------------------------------------------------------------------

def test_teacher_student_singular_values():
    s = teacher_student_singular_values(seed=0)
    assert s.shape == (64,) and np.all(np.diff(s) <= 0)
    np.testing.assert_allclose(np.sort(s[:8]), np.linspace(0.5, 1.0, 8), atol=0.1)   # the teacher modes
    assert s[8] < 0.3                                                                # noise singular values


def test_teacher_student_rank_matches_theory_count(ranks):
    M = ranks.noise.size
    assert ranks.rank.shape == (M, ranks.n_chains) and ranks.mean_product.shape == (M, ranks.s_hat.size)
    assert np.all(ranks.rank >= 0)                                          # nothing diverged
    assert np.all(np.diff(ranks.theory_rank) <= 0) and ranks.theory_rank[0] == ranks.s_hat.size
    assert np.all(np.diff(ranks.mean_rank) <= 1.0)                          # decreasing up to noise
    assert ranks.mean_rank[0] > 3 * ranks.mean_rank[-1] + 10
    # within the simulation's resolution: never more than the surviving modes, never fewer than
    # the modes whose exponent a_k = ŝ_k − ησ²/2 beats the growth resolution plus the noise scale ησ²
    a = ranks.s_hat[None, :] - 0.5 * ranks.eta * ranks.noise[:, None] ** 2
    # (2× the growth resolution: the initial amplitude u_k + v_k is random, N(0, 2·init²))
    resolved = np.sum(a > 2 * ranks.resolution + ranks.eta * ranks.noise[:, None] ** 2, axis=1)
    assert np.all(ranks.mean_rank <= ranks.theory_rank + 0.5)
    assert np.all(ranks.mean_rank >= resolved)
    # the stationary snapshot count accounts for most of the gap
    assert np.all(np.abs(ranks.mean_rank - ranks.snapshot_rank) <= 0.25 * ranks.snapshot_rank + 1.5)
    # surviving teacher modes shrink by ησ²/2 (mean of the final u_k v_k over runs)
    for sigma in (4.0, 10.0, 16.0):
        j = int(np.argmin(np.abs(ranks.noise - sigma)))
        gap = ranks.mean_product[j, :8] - ranks.shrunk[j, :8]
        assert abs(gap.mean()) < 0.15


# --------------------------------------------------------------------------------------------
# argument checking
# --------------------------------------------------------------------------------------------

def test_invalid_arguments():
    with pytest.raises(ValueError, match="y must be"):
        phase_overlay("lr")
    with pytest.raises(ValueError, match="positive mean"):
        finite_data_exponents([-1.0, 0.5])
    with pytest.raises(ValueError, match="batch_sizes"):
        batch_thresholds_qr(batch_sizes=[4])
    with pytest.raises(ValueError, match="nonzero"):
        batch_thresholds_exact([0.0, 1.0])
    with pytest.raises(ValueError, match="rank"):
        teacher_student_singular_values(dim=4, rank=8)


# --------------------------------------------------------------------------------------------
# figure structure: mathtext, one colour per phase, legends, integer batch sizes (not pixels)
# --------------------------------------------------------------------------------------------

# Unicode sub/superscripts, combining hats and raw TeX-ish fragments that mathtext should carry
_RAW = ("₊", "₋", "₁", "₂", "²", "√", "Σu", "u_i", "c_i", "x_i", "σ_c", "ŝ", "η*", "Λ", "λ_max", "_var", "u_k",
        "θ_T", "Ĥ", "→")


def _texts(fig):
    out = []
    for ax in fig.axes:
        out += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()] + [t.get_text() for t in ax.texts]
        leg = ax.get_legend()
        if leg is not None:
            out += [t.get_text() for t in leg.get_texts()]
    for leg in fig.legends:
        out += [t.get_text() for t in leg.get_texts()]
    return [t for t in out if t]


def test_phase_colours_one_per_phase():
    from matplotlib.colors import to_rgb

    from sims.sgd_stability._plots import PHASE_COLORS

    shown = {k: to_rgb(v) for k, v in PHASE_COLORS.items()}
    assert len(set(shown.values())) == len(shown)                         # no two phases share a colour
    # distinct enough to tell apart on a projector: every pair differs by > 0.15 in some channel
    names = list(shown)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert max(abs(x - y) for x, y in zip(shown[a], shown[b])) > 0.15, (a, b)


@pytest.mark.parametrize("name", ["sgd_stability_phase_lr_noise", "sgd_stability_phase_lr_batch"])
def test_phase_overlay_structure(name):
    fig = make_figure(name)
    a, b = fig.axes[:2]
    assert a.get_title().startswith("(a)") and b.get_title().startswith("(b)")
    # phase names are written on the regions (no tiny per-cell numbers: every text ≥ 8 pt)
    names_a = {t.get_text().split(":")[0] for t in a.texts}
    assert {"Ib", "Ia", "III", "IV"} <= names_a
    assert {"I", "III", "diverged"} <= {t.get_text().split(":")[0] for t in b.texts}
    assert all(t.get_fontsize() >= 8 for ax in (a, b) for t in ax.texts)
    # one legend, outside the axes, with the boundary entries and the collapse-fraction scale
    assert not a.get_legend() and not b.get_legend() and len(fig.legends) == 1
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert any("Lambda_+ = 0" in t for t in labels) and any("Lambda_- = 0" in t for t in labels)
    assert sum("collapsed" in t for t in labels) == 3 and len(labels) <= 10
    if name.endswith("batch"):
        # over integer batch sizes no contour is drawn: the zero sets are markers at integer S
        from matplotlib.contour import ContourSet

        assert not any(isinstance(c, ContourSet) for ax in (a, b) for c in ax.collections)
        marks = [ln for ln in a.lines if ln.get_linestyle() == "None" and len(ln.get_ydata())]
        assert marks and all(np.all(np.asarray(ln.get_ydata()) == np.round(ln.get_ydata())) for ln in marks)


def test_sims_phase_diagram_figure_names_phases():
    import sims

    for y in ("noise", "batch_size"):
        res = sims.phase_diagram("sgd_stability", y=y, save=False)
        ax = res.figure.axes[0]
        assert {"Ib", "Ia", "III", "IV"} <= {t.get_text().split(":")[0] for t in ax.texts}
        assert "$" in ax.get_xlabel() and "$" in ax.get_ylabel()


# --------------------------------------------------------------------------------------------
# teacher–student: Chen et al.'s data model, given start and trajectory records
# --------------------------------------------------------------------------------------------

def test_chen2023_data_model_has_no_1_over_n():
    # XᵀX = I: without data noise XᵀY = W*ᵀ exactly, so ŝ are the teacher's singular values
    # (and zeros), to roundoff of the QR and SVD (64×64, entries O(1): 1e-12)
    s = teacher_student_singular_values(label_noise=0.0, data_model="chen2023")
    np.testing.assert_allclose(s[:8], np.linspace(0.5, 1.0, 8)[::-1], atol=1e-12)
    assert np.all(np.abs(s[8:]) < 1e-12)
    # with data noise 0.5/√m per entry, XᵀE has i.i.d. N(0, 0.25/m) entries: its top singular
    # value is ≈ 0.5/√m·(√n + √m) = 1 for n = m = 64 (Marchenko–Pastur edge), far above the
    # Gaussian model's noise modes (≈ 0.5·√(n/N)·2 = 0.25)
    noisy = teacher_student_singular_values(data_model="chen2023")
    assert 0.8 < noisy[8] < 1.2 and noisy[0] > 1.0
    with pytest.raises(ValueError, match="data_model"):
        teacher_student_singular_values(data_model="chen")
    with pytest.raises(ValueError, match="n_samples"):
        teacher_student_singular_values(n_samples=32, data_model="chen2023")


def test_given_start_and_records():
    from sims.sgd_stability import simulate_teacher_student_modes

    s_hat = np.array([0.05, 0.4, 1.2])
    res = simulate_teacher_student_modes(s_hat, [0.0, 10.0], 3.0, 500, 3, 1, u0=1.0, v0=[1.0, 1.0, 1.0],
                                         lr_drop_step=400, record_steps=[0, 250, 400, 500])
    assert res.init == "given" and res.record_product.shape == (2, 3, 4, 3)
    np.testing.assert_array_equal(res.record_product[..., 0, :], 1.0)       # u = v = 1 at step 0
    np.testing.assert_array_equal(res.record_product[..., -1, :], res.product)   # last record = final state
    np.testing.assert_array_equal(res.record_loss, 0.5 * np.sum((res.record_product - s_hat) ** 2, axis=-1))
    np.testing.assert_array_equal(res.record_rank, np.sum(res.record_product > res.active_tol, axis=-1))
    # σ = 0 is deterministic: every chain follows the same path
    assert np.all(res.record_product[0] == res.record_product[0, :1])
    # the default (random start, no records) is unchanged and records nothing
    plain = simulate_teacher_student_modes(s_hat, 0.0, 3.0, 10, 2, 1)
    assert plain.init == "random" and plain.record_steps.size == 0 and plain.record_loss.shape == (2, 0)
    with pytest.raises(ValueError, match="u0 and v0"):
        simulate_teacher_student_modes(s_hat, 0.0, 3.0, 10, 2, 1, u0=1.0)
    with pytest.raises(ValueError, match="v0"):
        simulate_teacher_student_modes(s_hat, 0.0, 3.0, 10, 2, 1, u0=1.0, v0=[1.0, 1.0])
    with pytest.raises(ValueError, match="record_steps"):
        simulate_teacher_student_modes(s_hat, 0.0, 3.0, 10, 2, 1, record_steps=[0, 11])


@pytest.fixture(scope="module")
def chen_ranks():
    rec = np.union1d(np.arange(0, 60_001, 1000), [50_000, 60_001])
    return teacher_student_rank(data_model="chen2023", start="ones", lr_drop_step=50_000, active_tol=1e-2,
                                record_steps=rec)


def test_chen2023_rank_within_what_the_theory_allows(chen_ranks):
    d = chen_ranks
    assert d.start == "ones" and d.data_model == "chen2023" and np.all(d.rank >= 0)
    a = d.s_hat[None, :] - 0.5 * d.eta * d.noise[:, None] ** 2           # exponents before the drop
    T = d.lr_drop_step * d.eta
    # upper: a collapsing mode starts at u_kv_k = 1 and its log drifts down at 2a_k; it is below
    # the threshold by the drop unless 2|a_k|T < ln(1/tol) + 3 sd of the log-walk (sd 2σ√(ηT))
    sd = 2 * d.noise[:, None] * np.sqrt(d.eta * T)
    upper = np.sum(a > -(np.log(1 / d.active_tol) + 3 * sd) / (2 * T), axis=1)
    # lower: survivors whose stationary Gamma law (shape a/(ησ²)) has shape ≥ 1 before the drop,
    # and a mean above the threshold, sit above it in most snapshots
    lower = np.sum((a > d.eta * d.noise[:, None] ** 2) & (a > d.active_tol), axis=1)
    assert np.all(d.mean_rank <= upper) and np.all(d.mean_rank >= lower)
    # the rank falls with the noise, as the count does
    assert d.mean_rank[0] > 60 and d.mean_rank[-1] < 12 and np.all(np.diff(d.mean_rank) <= 1.0)
    # the trajectory: loss from u = v = 1 at step 0, and the drop lets survivors regrow (smaller
    # noise: the Gamma law concentrates at its mean), so the count after it is not smaller
    np.testing.assert_allclose(d.record_loss[:, 0], 0.5 * np.sum((1.0 - d.s_hat) ** 2), rtol=1e-14)
    i = int(np.searchsorted(d.record_steps, d.lr_drop_step))
    assert d.mean_rank.sum() >= d.record_rank[:, i].sum()
    np.testing.assert_array_equal(d.record_rank[:, -1], d.mean_rank)
