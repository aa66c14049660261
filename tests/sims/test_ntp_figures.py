"""Figures of the NTP theory: registration, drawing, and the facts behind the data (not pixels)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from proofs_check import registry  # noqa: E402
from sims.figures import figure_registry  # noqa: E402
from sims.ntp._figure_data import overparameterized_runs, soudry_runs, toy_run  # noqa: E402
from sims.ntp._plots import OPTIMIZER_COLORS, plot_overparameterized, plot_soudry, plot_toy  # noqa: E402

# Every test here computes figure data (seconds each).
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def toy():
    return toy_run(steps=20_000)


@pytest.fixture(scope="module")
def over():
    return overparameterized_runs(steps=2_000)


@pytest.fixture(scope="module")
def soudry():
    return soudry_runs(steps=20_000)


def test_registered_with_existing_claims():
    figs = figure_registry("ntp")
    assert set(figs) == {"ntp_toy", "ntp_overparameterized", "ntp_soudry", "ntp_separability", "ntp_vocab_scale"}
    claims = set(registry("ntp"))
    for spec in figs.values():
        assert spec.claims and set(spec.claims) <= claims, spec.name


def test_toy_word_vectors(toy):
    # The paper's Fig. 1 caption: words 1 and 5 share a support pattern ({B, C}), so their rows of
    # W^mm coincide (W^mm depends on supports only) while their rows of W⋆ differ; word 3 follows only
    # context A, so w_3 points along h̄_A (rows of W^mm lie in the span of the contexts).
    W_mm, W_star, H = toy.run.W_mm, toy.run.W_star, toy.H
    np.testing.assert_allclose(W_mm[0], W_mm[4], atol=1e-7)
    assert np.linalg.norm(W_star[0] - W_star[4]) > 0.1
    cos = W_mm[2] @ H[:, 0] / (np.linalg.norm(W_mm[2]) * np.linalg.norm(H[:, 0]))
    assert cos > 0.99
    h = toy.run.history
    assert h.corr_offset_max_margin[-1] > 0.999 and h.finite_error[-1] < 1e-2 * h.finite_error[1]


def test_overparameterized_optimisers_share_the_direction(over):
    for name, run in over.runs.items():
        h = run.history
        assert not run.diverged, name
        assert h.excess_loss[-1] < 0.2 * h.excess_loss[0], name
        assert h.corr_offset_max_margin[-1] > 0.5, name      # all three head towards W^mm
    # NGD and Adam reach a smaller loss gap than GD (App. A.2, Fig. 4)
    gd = over.runs["gd"].history.excess_loss[-1]
    assert over.runs["adam"].history.excess_loss[-1] < gd


def test_soudry_runs(soudry):
    np.testing.assert_allclose(soudry.w_svm, [0.5, 0.5], atol=1e-7)
    for run in soudry.runs.values():
        h = run.history
        assert np.all(np.diff(h.loss) < 0) and h.angle_gap[-1] < 1e-2


@pytest.mark.parametrize("which", ["toy", "over", "soudry"])
def test_figures_draw_with_legends_and_the_optimizer_colours(which, toy, over, soudry):
    fig = {"toy": lambda: plot_toy(toy), "over": lambda: plot_overparameterized(over),
           "soudry": lambda: plot_soudry(soudry)}[which]()
    texts = [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
    texts += [t.get_text() for leg in fig.legends for t in leg.get_texts()]
    assert texts and all(texts)
    colours = {matplotlib.colors.to_hex(line.get_color()) for ax in fig.axes for line in ax.lines}
    used = {"toy": ["gd"], "over": ["gd", "ngd", "adam"], "soudry": ["gd", "momentum"]}[which]
    for name in used:                       # one colour = one optimiser in every ntp figure
        assert OPTIMIZER_COLORS[name] in colours, (which, name)
    for ax in fig.axes:
        assert ax.get_title() or ax.get_ylabel() or ax.get_label() == "<colorbar>"
