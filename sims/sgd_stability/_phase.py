"""SGD phase diagram of the two-layer model at the origin saddle (Ziyin et al. 2023; docs/sgd_stability.md#phase-diagram).

Per cell (learning rate λ, label noise σ or batch size S) the rotated coordinates a = u + w and
b = u − w evolve by the scalar factors 1 ± λc_t, so the phase is decided by
Λ₊ = E log|1 + λc| and Λ₋ = E log|1 − λc| (docs/sgd_stability.md#phases-of-the-two-layer-net). Three methods:

* ``"analytic"`` — exact exponents from the Gaussian closed form (model A) or 1-D quadrature
  (model B), standard error 0;
* ``"qr"`` — Monte-Carlo exponents of the same scalar products with batch-means standard errors
  (the commuting case of the QR method); labels within 3 SE of zero are ``"undecided"``;
* ``"simulate"`` — full nonlinear SGD (f = Σ u_i w_i x) from a small init, with per-cell fractions
  of collapsed / correct / incorrect / diverged trajectories.
"""

from __future__ import annotations

import concurrent.futures as cf
import os

import numpy as np

from theory.sgd_stability import (
    classify_phase,
    expected_log_abs,
    law_moment,
    model_a_law,
    model_b_law,
    phase_boundaries,
)
from theory.validate import as_finite_array, as_finite_scalar, as_seed, format_value

from .._checkpoint import checkpoint_store
from .._parallel import derive_seed, resolve_executor, run_tasks
from ..phase import PhaseDiagram

__all__ = ["sgd_stability_phase_diagram"]

_METHODS = ("analytic", "qr", "simulate")
_Y_AXES = ("noise", "batch_size")
_SE_BAND = 3.0  # "undecided" when |Λ| < 3 standard errors (docs/sgd_stability.md#computing-exponents)
_OUTCOME_LABELS = {"collapsed": "III", "correct": "I", "incorrect": "II", "diverged": "diverged"}


def _law(model, noise, batch_size, kappa, s1):
    if model == "A":
        return model_a_law(noise, batch_size=batch_size, kappa=kappa, s1=s1)
    return model_b_law(noise, batch_size=batch_size, kappa=kappa, s1=s1)


def sgd_stability_phase_diagram(*, x="lr", y="noise", x_values=None, y_values=None, method="analytic",
                                model="A", noise=6.0, batch_size=1, kappa=1.0, s1=1.0, criterion="l2",
                                n_samples=200_000, n_steps=20_000, n_chains=16, width=4, seed=0,
                                plot=True, executor=None, checkpoint_dir=None, progress=None) -> PhaseDiagram:
    r"""Phase diagram of SGD at the origin saddle of f(x) = Σ_i u_i σ(w_i x).

    Phases (docs/sgd_stability.md#phases-of-the-two-layer-net, E c > 0): ``"Ia"``/``"Ib"`` correct learning (Λ₊ > 0 > Λ₋; Ib if also
    E(1 − λc)² < 1), ``"II"`` incorrect learning (Λ₊ < 0 < Λ₋), ``"III"`` collapse to the saddle
    (both < 0), ``"IV"`` loss of stability (both > 0); ``"undecided"`` where an estimated exponent is
    within 3 SE of zero; with ``method="simulate"`` the label is the majority outcome
    (``"III"`` collapsed, ``"I"`` correct, ``"II"`` incorrect, ``"diverged"``).

    Parameters
    ----------
    x : {"lr"}
    y : {"noise", "batch_size"}
        Label-noise σ (y = x + σε) at fixed ``batch_size``, or batch size S at fixed ``noise``.
    x_values, y_values : array, optional
        Defaults: λ ∈ linspace(0.0025, 0.5, 200); σ ∈ linspace(0.05, 10, 200) or S ∈ 1..16.
        The ``"qr"`` and ``"simulate"`` defaults are coarser (40 × 40 and 15 × 12).
    method : {"analytic", "qr", "simulate"}
    model : {"A", "B"}
        Data model (docs/sgd_stability.md#data-models): A Rademacher input (c Gaussian), B Gaussian input. ``"simulate"``
        uses the same data model in the nonlinear run.
    noise, batch_size : float, int
        The fixed coordinate when the other is on the y axis.
    kappa, s1 : float
        Loss factor κ (ℓ = κ/2 (f − y)²) and σ'(0).
    criterion : {"l2", "gd"}
        Ia/Ib split (see ``theory.sgd_stability.classify_phase``).
    n_samples : int
        Monte-Carlo samples per exponent for ``"qr"``.
    n_steps, n_chains, width : int
        Nonlinear SGD run length, trajectories per cell and hidden width for ``"simulate"``.
    seed : int
        ``"qr"``: cell (j, i) (row j of ``y_values``, column i of ``x_values``) samples with
        ``sims._parallel.derive_seed(seed, j, i)``; ``"simulate"``: row j is one
        ``simulate_two_layer`` call with seed ``derive_seed(seed, j)``. Every cell's stream is a
        function of (seed, its index) alone, so the result does not depend on the order or the
        place in which rows run, and different seeds never share a stream.

        .. versionchanged:: 0.2.0
           The per-cell (``"qr"``) and per-row (``"simulate"``) seeds are derived by
           ``derive_seed`` (a ``numpy.random.SeedSequence`` mix of the seed and the index)
           instead of ``seed + j·len(x_values) + i`` and ``seed + j``, which collided across
           seeds (seed 0's cell 1 was seed 1's cell 0). Results of these two methods differ from
           dltheory 0.1.0 at the same seed; ``"analytic"`` is unchanged.
    plot : bool
    executor : None, concurrent.futures.Executor or distributed.Client, default None
        Where the rows run: ``"qr"`` and ``"simulate"`` submit one task per row of ``y_values``.
        None: in this process with numba's threads, as always. Otherwise any
        ``concurrent.futures.Executor`` (a process pool with a ``forkserver`` or ``spawn``
        context, loky, ``mpi4py.futures``, a Dask client's ``get_executor()``) or a
        ``distributed.Client``; each task then runs numba on one thread unless the worker's
        ``NUMBA_NUM_THREADS`` says otherwise. The result is bit-identical whichever ran it; the
        executor is not shut down (docs/cluster.md). ``"analytic"`` accepts it but always runs
        here: its exact exponents take milliseconds per row, less than a task's overhead.
    checkpoint_dir : str, os.PathLike or None, default None
        ``"qr"`` and ``"simulate"``: save each finished row under this folder, so that a rerun
        with the same arguments resumes after an interruption (``sims._checkpoint``); ignored by
        ``"analytic"``.
    progress : bool or None, default None
        A progress bar over rows (``"qr"``, ``"simulate"``); None shows it only on a terminal.

    Returns
    -------
    PhaseDiagram
        ``values``: ``lambda_plus``, ``lambda_minus``, ``se_plus``, ``se_minus``,
        ``mean_square_minus`` (E(1 − λc)², the L₂ growth factor of the wrong direction),
        ``gd_minus`` ((1 − λE c)²), and for ``"simulate"`` the outcome fractions.
        ``boundaries``: zero sets of Λ± and the L₂ and GD lines as (λ, y) point lists.
    """
    if x != "lr":
        raise ValueError(f"x must be 'lr'; got {format_value(x)}")
    if y not in _Y_AXES:
        raise ValueError(f"y must be one of {_Y_AXES}; got {y!r}")
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}; got {method!r}")
    if model not in ("A", "B"):
        raise ValueError(f"model must be 'A' or 'B'; got {model!r}")
    if method == "qr" and model != "A":
        # Monte-Carlo exponents need samples of c; model B's law is defined by its quadrature only.
        raise ValueError("method='qr' supports model='A' only; use method='analytic' for model B")
    coarse = method != "analytic"
    if x_values is None:
        x_values = np.linspace(0.0025, 0.5, 15 if method == "simulate" else 40 if coarse else 200)
    if y_values is None:
        if y == "noise":
            y_values = np.linspace(0.05, 10.0, 12 if method == "simulate" else 40 if coarse else 200)
        else:
            y_values = np.arange(1, 17)
    lrs = as_finite_array(x_values, "x_values", ndim=1)
    ys = as_finite_array(y_values, "y_values", ndim=1)
    if np.any(lrs <= 0):
        raise ValueError("x_values (learning rates) must be > 0")
    if y == "noise" and np.any(ys < 0):
        raise ValueError("y_values (label noise) must be >= 0")
    if y == "batch_size" and (np.any(ys < 1) or np.any(ys != np.round(ys))):
        raise ValueError("y_values (batch sizes) must be integers >= 1")
    noise = as_finite_scalar(noise, "noise")

    if method == "analytic" and executor is not None and not isinstance(executor, cf.Executor):
        resolve_executor(executor)  # analytic runs here, but a wrong kind is still refused
    if progress is not None and not isinstance(progress, (bool, np.bool_)):
        raise ValueError(f"progress must be a bool or None; got {type(progress).__name__}")
    if checkpoint_dir is not None and not isinstance(checkpoint_dir, (str, os.PathLike)):
        raise ValueError(f"checkpoint_dir must be a str, os.PathLike or None; got {type(checkpoint_dir).__name__}")

    cells = [(float(v), int(batch_size)) if y == "noise" else (noise, int(v)) for v in ys]
    shape = (len(ys), len(lrs))
    lam_p, lam_m = np.empty(shape), np.empty(shape)
    se_p, se_m = np.zeros(shape), np.zeros(shape)
    ms_minus, gd_minus = np.empty(shape), np.empty(shape)
    labels = np.empty(shape, dtype=object)
    values = {}
    for j, (sigma, S) in enumerate(cells):
        law = _law(model, sigma, S, kappa, s1)
        m1, m2 = law_moment(law, 1), law_moment(law, 2)
        ms_minus[j] = 1.0 - 2.0 * lrs * m1 + lrs**2 * m2
        gd_minus[j] = (1.0 - lrs * m1) ** 2
        if method != "qr":
            lam_p[j] = expected_log_abs(1.0, lrs, law)
            lam_m[j] = expected_log_abs(1.0, -lrs, law)
        labels[j] = classify_phase(lrs, law, criterion=criterion)

    if method != "analytic":
        seed = as_seed(seed)
        # what a checkpointed row depends on, besides the method's own sizes
        grid = dict(lrs=[float(v) for v in lrs], cells=[[float(a), int(b)] for a, b in cells], model=model,
                    kappa=float(kappa), seed=seed)
    if method == "qr":
        # one task per row; cell (j, i) draws from derive_seed(seed, j, i) (order- and executor-free)
        specs = [dict(lrs=tuple(grid["lrs"]), sigma=sigma, batch_size=S, kappa=float(kappa), s1=float(s1),
                      n_samples=int(n_samples), seeds=tuple(derive_seed(seed, j, i) for i in range(len(lrs))))
                 for j, (sigma, S) in enumerate(cells)]
        store = checkpoint_store(checkpoint_dir, "sgd_stability_qr", {**grid, "s1": float(s1),
                                                                      "n_samples": int(n_samples)})
        rows = run_tasks(_qr_row, specs, executor=executor, progress=progress, desc="sgd_stability qr rows",
                         store=store)
        for j, row in enumerate(rows):
            lam_p[j], se_p[j] = row["lambda_plus"], row["se_plus"]
            lam_m[j], se_m[j] = row["lambda_minus"], row["se_minus"]
    undecided = (np.abs(lam_p) < _SE_BAND * se_p) | (np.abs(lam_m) < _SE_BAND * se_m)
    labels = np.where(undecided, "undecided", labels).astype(str)

    if method == "simulate":
        # one simulate_two_layer call (one row) per task, seeded by derive_seed(seed, j)
        specs = [dict(lrs=tuple(grid["lrs"]), sigma=sigma, batch_size=S, n_steps=int(n_steps),
                      n_chains=int(n_chains), width=int(width), model=model, kappa=float(kappa),
                      seed=derive_seed(seed, j))
                 for j, (sigma, S) in enumerate(cells)]
        store = checkpoint_store(checkpoint_dir, "sgd_stability_simulate",
                                 {**grid, "n_steps": int(n_steps), "n_chains": int(n_chains), "width": int(width)})
        rows = run_tasks(_simulate_row, specs, executor=executor, progress=progress,
                         desc="sgd_stability simulate rows", store=store)
        fractions = {k: np.stack([row[k] for row in rows]).reshape(shape) for k in _OUTCOME_LABELS}
        values.update({f"fraction_{k}": v for k, v in fractions.items()})
        stacked = np.stack([fractions[k] for k in _OUTCOME_LABELS])
        majority = np.array(list(_OUTCOME_LABELS.values()))[stacked.argmax(axis=0)]
        values["theory_labels"] = labels
        labels = majority

    values.update(lambda_plus=lam_p, lambda_minus=lam_m, se_plus=se_p, se_minus=se_m,
                  mean_square_minus=ms_minus, gd_minus=gd_minus)
    boundaries = _boundaries(y, ys, cells, lrs, model, kappa, s1)
    params = dict(x=x, y=y, x_values=lrs, y_values=ys, method=method, model=model, noise=noise,
                  batch_size=batch_size, kappa=kappa, s1=s1, criterion=criterion, n_samples=n_samples,
                  n_steps=n_steps, n_chains=n_chains, width=width, seed=seed)
    result = PhaseDiagram(system="sgd_stability", x_name="learning rate λ",
                          x=lrs, y_name="label noise σ" if y == "noise" else "batch size S", y=ys,
                          values=values, labels=labels, boundaries=boundaries, params=params)
    if plot:
        from ._plots import plot_sgd_phase_diagram

        result = PhaseDiagram(**{**result.__dict__, "figure": plot_sgd_phase_diagram(result)})
    return result


def _qr_row(*, lrs, sigma, batch_size, kappa, s1, n_samples, seeds):
    """Task: Monte-Carlo Λ± and their SEs for one row (model A), cell i seeded by ``seeds[i]``."""
    from ._qr import lyapunov_monte_carlo

    law = _law("A", sigma, batch_size, kappa, s1)
    out = {k: np.empty(len(lrs)) for k in ("lambda_plus", "se_plus", "lambda_minus", "se_minus")}
    for i, (lr, cell_seed) in enumerate(zip(lrs, seeds)):
        # the same samples for both signs (common random numbers), as for every cell before 0.2.0
        plus = lyapunov_monte_carlo(lr, _negated(law), n_samples, cell_seed)
        minus = lyapunov_monte_carlo(lr, law, n_samples, cell_seed)
        out["lambda_plus"][i], out["se_plus"][i] = plus.exponent, plus.standard_error
        out["lambda_minus"][i], out["se_minus"][i] = minus.exponent, minus.standard_error
    return out


def _simulate_row(*, lrs, sigma, batch_size, n_steps, n_chains, width, model, kappa, seed):
    """Task: outcome fractions of nonlinear SGD for one row (one ``simulate_two_layer`` call)."""
    from ._sgd import simulate_two_layer

    run = simulate_two_layer(np.asarray(lrs), sigma, n_steps, n_chains, seed, width=width, batch_size=batch_size,
                             data=model, kappa=kappa)
    return {k: getattr(run, k) for k in _OUTCOME_LABELS}


def _negated(law):
    """Law of −c for the Monte-Carlo estimate of Λ₊ = E log|1 − λ(−c)| (model A: c Gaussian or an atom)."""
    from scipy import stats

    if isinstance(law, np.ndarray):
        return -law
    return stats.norm(loc=-law.mean(), scale=law.std())  # exact for the Gaussian model-A law


def _boundaries(y, ys, cells, lrs, model, kappa, s1):
    """Zero sets of Λ± and the L₂/GD lines as (λ, y) point arrays."""
    lr_min, lr_max = float(lrs.min()), float(lrs.max())
    if lr_min == lr_max:  # a single learning rate: no λ-range in which to look for zeros
        return {k: np.empty((0, 2)) for k in ("lambda_plus_zero", "lambda_minus_zero", "l2_line", "gd_line")}
    if y == "noise":  # one call for the whole noise axis (fixed batch size)
        rows = [(phase_boundaries(ys, batch_size=cells[0][1], lr_max=lr_max, model=model, kappa=kappa, s1=s1,
                                  lr_min=lr_min), range(len(ys)))]
    else:
        rows = [(phase_boundaries(np.array([sigma]), batch_size=S, lr_max=lr_max, model=model, kappa=kappa,
                                  s1=s1, lr_min=lr_min), [j]) for j, (sigma, S) in enumerate(cells)]
    curves = {"lambda_plus_zero": [], "lambda_minus_zero": [], "l2_line": [], "gd_line": []}
    for b, rows_j in rows:
        for k, j in enumerate(rows_j):
            yv = ys[j]
            curves["lambda_plus_zero"] += [(lam, yv) for lam in b.lambda_plus_zeros[k]]
            curves["lambda_minus_zero"] += [(lam, yv) for lam in b.lambda_minus_zeros[k]]
            curves["l2_line"].append((b.l2_line[k], yv))
            curves["gd_line"].append((b.gd_line[k], yv))
    return {k: np.array(v, dtype=float).reshape(-1, 2) for k, v in curves.items()}
