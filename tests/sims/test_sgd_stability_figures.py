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
