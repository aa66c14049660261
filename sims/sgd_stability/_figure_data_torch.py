"""Data behind the torch-bridge phase figure of the SGD-stability theory.

docs/sgd_stability.md#phases-of-the-two-layer-net.

:func:`torch_phase_grid` runs :func:`sims.sgd_stability.lyapunov_chains_torch` over a (σ, λ) grid
and evaluates the theory's exponents Λ± = E log|1 ± λc| on the same cells (model A: Gaussian closed
form; model B: quadrature, ``theory.sgd_stability.model_b_law``). Nothing here imports matplotlib;
the drawing is ``_plots_torch.plot_torch_phase``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from theory.sgd_stability import expected_log_abs, law_moment, model_a_law, model_b_law
from theory.summary import compact_repr
from theory.validate import as_count, as_positive_scalar

__all__ = ["TorchPhaseGrid", "sign_phase", "torch_phase_grid"]


def sign_phase(plus, minus, undecided=None):
    """Phase family from the signs of (Λ₊, Λ₋) (the table of ``theory.sgd_stability.phase_exponents``).

    "I" Λ₊ ≥ 0 > Λ₋ (correct learning; Ia/Ib split not drawn), "II" Λ₊ < 0 ≤ Λ₋, "III" both < 0,
    "IV" both ≥ 0; "undecided" where ``undecided`` is True.
    """
    plus, minus = np.asarray(plus), np.asarray(minus)
    lab = np.where(minus < 0, np.where(plus < 0, "III", "I"), np.where(plus < 0, "II", "IV"))
    if undecided is not None:
        lab = np.where(undecided, "undecided", lab)
    return lab.astype("<U9")


@compact_repr
@dataclass(frozen=True)
class TorchPhaseGrid:
    """Monte-Carlo exponents on the torch bridge and the theory's, on one (σ, λ) grid.

    Attributes
    ----------
    chains : TorchChainExponents
        The Monte-Carlo run (exponents, standard errors, counts, device, dtype).
    theory_plus, theory_minus : ndarray of shape (n_noise, n_lr)
        Λ± from theory on the same cells.
    l2_line : ndarray of shape (n_noise,)
        2E c/E c² per σ: the mean-square edge of the wrong direction.
    labels, theory_labels : ndarray of str, shape (n_noise, n_lr)
        :func:`sign_phase` of the Monte-Carlo exponents (undecided within 3 SE of 0) and of theory.
    z_plus, z_minus : ndarray of shape (n_noise, n_lr)
        (MC − theory)/SE (NaN where an exponent is ±inf).
    mismatched : int
        Decided cells whose Monte-Carlo phase differs from the theory's.
    seconds : float
        Wall time of the Monte-Carlo run.
    """

    chains: object
    theory_plus: np.ndarray
    theory_minus: np.ndarray
    l2_line: np.ndarray
    labels: np.ndarray
    theory_labels: np.ndarray
    z_plus: np.ndarray
    z_minus: np.ndarray
    mismatched: int
    seconds: float


def torch_phase_grid(*, lr_max=0.5, n_lr=100, noise_max=10.0, n_noise=60, n_steps=100, n_chains=2048, data="B",
                     batch_size=1, seed=0, device="auto", dtype="float64", progress=None) -> TorchPhaseGrid:
    """Λ± over λ ∈ linspace(lr_max/n_lr, lr_max, n_lr) × σ ∈ linspace(noise_max/n_noise, noise_max, n_noise).

    Parameters
    ----------
    lr_max, noise_max : float
        Grid ends (> 0).
    n_lr, n_noise : int
        Grid sizes (≥ 2).
    n_steps, n_chains, data, batch_size, seed, device, dtype, progress
        Passed to :func:`sims.sgd_stability.lyapunov_chains_torch`.

    Returns
    -------
    TorchPhaseGrid
    """
    from ._torch_chains import lyapunov_chains_torch

    lr_max, noise_max = as_positive_scalar(lr_max, "lr_max"), as_positive_scalar(noise_max, "noise_max")
    n_lr, n_noise = as_count(n_lr, "n_lr", minimum=2), as_count(n_noise, "n_noise", minimum=2)
    lr = np.linspace(lr_max / n_lr, lr_max, n_lr)
    noise = np.linspace(noise_max / n_noise, noise_max, n_noise)
    tic = time.perf_counter()
    run = lyapunov_chains_torch(lr, noise, n_steps, n_chains, seed, data=data, batch_size=batch_size, device=device,
                                dtype=dtype, progress=progress)
    seconds = time.perf_counter() - tic
    law_of = model_a_law if data == "A" else model_b_law
    laws = [law_of(s, batch_size) for s in noise]
    plus = np.array([expected_log_abs(1.0, lr, law) for law in laws])
    minus = np.array([expected_log_abs(1.0, -lr, law) for law in laws])
    l2 = np.array([2.0 * law_moment(law, 1) / law_moment(law, 2) for law in laws])
    with np.errstate(invalid="ignore", divide="ignore"):
        z_plus = np.where(np.isfinite(run.lambda_plus), (run.lambda_plus - plus) / run.se_plus, np.nan)
        z_minus = np.where(np.isfinite(run.lambda_minus), (run.lambda_minus - minus) / run.se_minus, np.nan)
    labels = sign_phase(run.lambda_plus, run.lambda_minus, run.undecided)
    theory_labels = sign_phase(plus, minus)
    mismatched = int(np.sum((labels != "undecided") & (labels != theory_labels)))
    return TorchPhaseGrid(chains=run, theory_plus=plus, theory_minus=minus, l2_line=l2, labels=labels,
                          theory_labels=theory_labels, z_plus=z_plus, z_minus=z_minus, mismatched=mismatched,
                          seconds=seconds)
