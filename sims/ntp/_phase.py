r"""Monte-Carlo phase diagram of NTP-separability (Thrampoulidis 2024, Def. 2).

How likely are random data to be NTP-separable, as a function of the embedding dimension per
context d/m and the support size S (docs/ntp.md#the-separability-phase-diagram)? Per cell,
``n_trials`` independent instances: Gaussian embeddings $\bar h_j \sim N(0, I_d)$ and supports
drawn uniformly without replacement, all of size S; each is tested with
``theory.ntp.is_separable`` (the certified max-margin engine). Lemma 1 guarantees separability
for d >= m (full-rank H, almost sure for Gaussian embeddings); below it the probability falls
with d/m, at a threshold that depends on S and is open in the paper (Remark 1 ties S = 1 to
multiclass linear separability). Each row (one support size) is one task of the sweep
(``sims._parallel.run_tasks``): in this process, or on any executor.
"""

from __future__ import annotations

import numpy as np

from theory.validate import as_count, as_finite_array, as_seed, check_work, format_value

from .._checkpoint import checkpoint_store
from .._parallel import resolve_executor, run_tasks
from ..phase import PhaseDiagram

__all__ = ["ntp_separability_phase_diagram"]

_LABELS = ("separable", "not separable")


def _instance(rng, V: int, m: int, d: int, size: int):
    """Gaussian H (d, m) and supports of ``size`` tokens drawn uniformly without replacement."""
    H = rng.standard_normal((d, m))
    order = np.argsort(rng.random((V, m)), axis=0)        # a uniform random permutation per column
    support = np.zeros((V, m), dtype=bool)
    np.put_along_axis(support, order[:size], True, axis=0)
    return H, support


def _decide(H, support) -> bool | None:
    """NTP-separable? The fast certified engine, then the certified primal; None if neither certifies."""
    from theory.ntp import CertificateError, NotSeparableError, is_separable, max_margin

    try:
        return bool(is_separable(H, support))
    except CertificateError:
        pass
    try:
        max_margin(H, support, method="primal")
        return True
    except NotSeparableError:
        return False
    except CertificateError:
        return None


def _separability_row(*, V, m, dims, size, n_trials, seed):
    """One row of the diagram (a sweep task): separable and decided counts per dimension in ``dims``.

    Cell (S = ``size``, d) draws from ``default_rng([seed, S, d])``, so a row does not depend on
    the others or on where it runs.
    """
    count = np.zeros(len(dims))
    decided = np.zeros(len(dims))
    for ix, d in enumerate(dims):
        rng = np.random.default_rng([seed, size, d])
        for _ in range(n_trials):
            H, support = _instance(rng, V, m, d, size)
            outcome = _decide(H, support)
            if outcome is not None:
                decided[ix] += 1
                count[ix] += outcome
    return {"count": count, "decided": decided}


def ntp_separability_phase_diagram(*, V=5, m=8, x_values=None, y_values=None, n_trials=10, seed=0,
                                   progress=None, plot=True, executor=None, checkpoint_dir=None) -> PhaseDiagram:
    r"""Probability that random data are NTP-separable, over d/m (x) and the support size (y).

    For each cell (d/m, S) the estimate is the fraction $\hat p$ of ``n_trials`` independent
    instances that are NTP-separable (Thrampoulidis 2024, Def. 2: some W with equal logits on
    each support and margin >= 1 against every token outside it), with standard error
    $\sqrt{\hat p(1-\hat p)/n}$. Instance: $\bar h_j \sim N(0, I_d)$ i.i.d., supports of size S
    drawn uniformly without replacement per context (the separability of the data depends on
    supports and embeddings only, not on $\hat p$ or $\hat\pi$). The cell's random numbers come
    from ``numpy.random.default_rng([seed, S, d])``, so a cell does not depend on the rest of
    the grid. An instance the fast engine cannot certify is decided by the certified primal
    (CVXPY + Clarabel); one that neither certifies is left out of the cell's count. Label: ``"separable"`` where $\hat p > 1/2$, else ``"not separable"``. The
    boundary ``lemma1`` is the line d/m = 1 above which Lemma 1 guarantees separability.

    Parameters
    ----------
    V : int, default 5
        Vocabulary size (>= 2).
    m : int, default 8
        Number of distinct contexts (>= 1).
    x_values : array of float, optional
        Ratios d/m (> 0); d = max(1, round(ratio·m)). Default: the ratios of d = 1, …, ⌈1.2 m⌉.
    y_values : array of int, optional
        Support sizes in [1, V − 1] (S = V everywhere is the degenerate case where no direction
        exists). Default: 1, …, V − 1.
    n_trials : int, default 10
        Instances per cell (>= 1).
    seed : int, default 0
        Seed of the cells' random numbers.
    progress : bool, optional
        Show a progress bar over the rows; None shows one only on a terminal.
    plot : bool, default True
        Draw the figure.
    executor : None, concurrent.futures.Executor or distributed.Client, default None
        Where the rows run (one task per support size). None: in this process, one row after the
        other, as always. Otherwise any ``concurrent.futures.Executor`` (a process pool with a
        ``forkserver`` or ``spawn`` context, loky, ``mpi4py.futures``, a Dask client's
        ``get_executor()``) or a ``distributed.Client``. The result is bit-identical whichever ran
        it; the executor is not shut down (docs/cluster.md).
    checkpoint_dir : str or os.PathLike, optional
        Folder where each finished row is saved (``sims._checkpoint``); a rerun with the same
        arguments loads the saved rows instead of recomputing them.

    Returns
    -------
    PhaseDiagram
        ``x`` the ratios d/m, ``y`` the support sizes; ``values``: ``probability``,
        ``standard_error``, ``n_trials`` (instances decided per cell) and ``d`` (the dimension used per column);
        ``labels``; ``boundaries["lemma1"]`` the points of d/m = 1.

    Raises
    ------
    ValueError
        Naming the argument: bad V, m, ratios, support sizes, ``n_trials`` or ``seed``, or a grid
        too large to finish.

    References
    ----------
    Thrampoulidis (2024), "Implicit Optimization Bias of Next-Token Prediction in Linear
    Models", arXiv 2402.18551, Def. 2 and Lemma 1 (docs/ntp.md#the-separability-phase-diagram).
    """
    V = as_count(V, "V", minimum=2, maximum=10_000)
    m = as_count(m, "m", minimum=1, maximum=100_000)
    if x_values is None:
        x_values = np.arange(1, int(np.ceil(1.2 * m)) + 1) / m
    x_values = as_finite_array(x_values, "x_values", ndim=1)
    if x_values.size == 0 or np.any(x_values <= 0):
        raise ValueError("x_values (ratios d/m) must be a non-empty array of numbers > 0")
    if y_values is None:
        y_values = np.arange(1, V)
    y_arr = np.atleast_1d(np.asarray(y_values))
    if y_arr.ndim != 1 or y_arr.size == 0 or not np.issubdtype(y_arr.dtype, np.integer) or y_arr.dtype == np.bool_:
        raise ValueError(f"y_values (support sizes) must be a non-empty 1-D array of integers; got {format_value(y_values)}")
    if np.any(y_arr < 1) or np.any(y_arr > V - 1):
        raise ValueError(f"y_values (support sizes) must lie in [1, V - 1 = {V - 1}]; got {y_arr.tolist()}")
    n_trials = as_count(n_trials, "n_trials", minimum=1)
    seed = as_seed(seed)
    if progress is not None and not isinstance(progress, (bool, np.bool_)):
        raise ValueError(f"progress must be a bool or None; got {type(progress).__name__}")
    dims = np.maximum(1, np.rint(x_values * m)).astype(np.int64)
    check_work(int(dims.max()) * m * V, "max(d) * m * V (size of one instance)", maximum=10**7,
               why="each instance solves a quadratic program of that size")
    check_work(x_values.size * y_arr.size * n_trials, "cells * n_trials (quadratic programs)",
               maximum=10**6)

    executor = resolve_executor(executor)   # refuse a non-executor before any work
    store = checkpoint_store(checkpoint_dir, "ntp_separability", dict(
        V=V, m=m, dims=dims.tolist(), y_values=y_arr.tolist(), n_trials=n_trials, seed=seed))

    shape = (y_arr.size, x_values.size)
    specs = [dict(V=V, m=m, dims=tuple(int(d) for d in dims), size=int(size), n_trials=n_trials, seed=seed)
             for size in y_arr]
    rows = run_tasks(_separability_row, specs, executor=executor, progress=progress, desc="ntp separability",
                     store=store)
    count = np.stack([r["count"] for r in rows])
    decided = np.stack([r["decided"] for r in rows])
    if np.any(decided == 0):
        raise RuntimeError("no instance of some cell could be decided with a certificate; see "
                           "theory.ntp.max_margin (CertificateError)")
    prob = count / decided
    se = np.sqrt(prob * (1.0 - prob) / decided)
    labels = np.where(prob > 0.5, _LABELS[0], _LABELS[1]).astype(str)
    ys = y_arr.astype(np.float64)
    boundaries = {"lemma1": np.array([[1.0, ys.min()], [1.0, ys.max()]])}
    values = {"probability": prob, "standard_error": se, "n_trials": decided,
              "d": np.broadcast_to(dims.astype(np.float64), shape).copy()}
    params = dict(V=V, m=m, x_values=x_values.tolist(), y_values=y_arr.tolist(), n_trials=n_trials, seed=seed)
    result = PhaseDiagram(system="ntp_separability", x_name="d/m", x=x_values, y_name="support size S", y=ys,
                          values=values, labels=labels, boundaries=boundaries, params=params)
    if plot:
        from ._plots import plot_separability_phase_diagram

        result = PhaseDiagram(**{**result.__dict__, "figure": plot_separability_phase_diagram(result)})
    return result
