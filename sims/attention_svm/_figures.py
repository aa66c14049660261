"""Registered figures of the attention_svm theory (Tarzanagh et al. 2023; Vasudeva et al. 2024).

Importing this module registers the figures; ``sims.figures.make_figure(name)`` draws one.
Settings: docs/attention_svm.md#gradient-descent, docs/attention_svm.md#the-single-sequence-case,
docs/attention_svm.md#regularisation-paths.
"""

from __future__ import annotations

from ..figures import register_figure
from ._figure_data import correlation_runs, path_data, selection_picture
from ._plots import plot_correlation, plot_paths, plot_selection


@register_figure(
    "attention_svm_correlation", theory="attention_svm", params=dict(steps=2000), seed=0,
    description="One-layer softmax attention with a linear head, n = 4, T = 5, d = 8 (Gaussian data, logistic "
                "loss): corr with the Frobenius and the nuclear attention SVM over iterations for GD (η = 0.5), "
                "normalised GD (η = 0.1) and Polyak steps (factor 1) on W, and per-factor normalised GD on (K, Q) "
                "(η = 0.05, init 1e-3); the off-optimal attention mass.",
    claims=("attention_svm.ngd_frobenius_direction", "attention_svm.ngd_faster_than_gd",
            "attention_svm.polyak_faster_than_gd",
            "attention_svm.kq_gd_statistics"))
def _correlation(*, seed, steps):
    return plot_correlation(correlation_runs(seed=seed, steps=steps))


@register_figure(
    "attention_svm_token_selection", theory="attention_svm", params=dict(T=6, steps=400), seed=0,
    description="One sequence in the plane (n = 1, T = 6, d = 2): tokens coloured by score, the selected "
                "token, the Att-SVM margin band {x : xᵀW^mm z ∈ [x_αᵀW^mm z − 1, x_αᵀW^mm z]} with its support "
                "tokens, and the attention weights along the SVM direction at the norms reached by NGD.",
    claims=("attention_svm.single_sequence_closed_form", "attention_svm.ngd_frobenius_direction"))
def _selection(*, seed, T, steps):
    return plot_selection(selection_picture(seed=seed, T=T, steps=steps))


@register_figure(
    "attention_svm_paths", theory="attention_svm", params=dict(steps=1500), seed=0,
    description="Norm-ball regularisation paths (n = 4, T = 5, d = 8, R = 1 … 20): the Frobenius path aligns with "
                "W^mm_F, the nuclear (= (K, Q)) path with W^mm_⋆; singular values of both SVMs and of the "
                "nuclear path point.",
    claims=("attention_svm.frobenius_path", "attention_svm.nuclear_path", "attention_svm.kq_ball_is_nuclear_ball"))
def _paths(*, seed, steps):
    return plot_paths(path_data(seed=seed, steps=steps))
