r"""Monte Carlo over an (n, k) grid beside the eigenframework's prediction (Simon et al. 2023).

Each grid point is the Gaussian-model Monte Carlo of :func:`sims.rf_risk.monte_carlo_risk`
(docs/rf_risk.md#monte-carlo); one row of sample count n is one task of the sweep
(``sims._parallel.run_tasks``), so the grid runs in this process or on any executor with the
same numbers. Point (i, j) draws from the seed ``derive_seed(seed, i, j)``.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import numpy as np

from theory.summary import compact_repr
from theory.validate import MAX_COUNT, MAX_ENTRIES, as_count, as_finite_scalar, as_seed, check_work

from .._checkpoint import checkpoint_store
from .._parallel import derive_seed, resolve_executor, run_tasks
from ._monte_carlo import (
    _as_k,
    _as_ridges,
    _as_spectrum,
    _check_finite,
    _default_threads,
    _krr_trial,
    _one_blas_thread,
    _rf_trial,
    _run_trials,
    _summarise,
)

__all__ = ["MonteCarloRiskGrid", "monte_carlo_risk_grid"]


@compact_repr
@dataclass(frozen=True)
class MonteCarloRiskGrid:
    r"""Monte-Carlo test and train error over an (n, k) grid, with the eigenframework's prediction.

    Attributes
    ----------
    n : ndarray of int64, shape (A,)
        Sample counts.
    k : ndarray of float64, shape (B,)
        Feature counts (``inf``: kernel ridge regression).
    ridges : ndarray of shape (R,)
        Ridges δ.
    test_mse : ndarray of shape (A, B, R)
        Mean over trials of the test error $\|\hat w - v\|^2 + \sigma^2$.
    test_se : ndarray of shape (A, B, R)
        Its standard error, sample standard deviation / $\sqrt{\text{trials}}$.
    train_mse : ndarray of shape (A, B, R)
        Mean over trials of $(1/n)\|y - X\hat w\|^2$.
    train_se : ndarray of shape (A, B, R)
        Its standard error.
    theory_test : ndarray of shape (A, B, R)
        ``theory.rf_risk.risk_grid(...).test_mse`` (``inf`` at the ridgeless threshold n = min(k, M)).
    theory_train : ndarray of shape (A, B, R)
        ``theory.rf_risk.risk_grid(...).train_mse``.
    z_test : ndarray of shape (A, B, R)
        (Monte Carlo − theory) / standard error of the test error (0 where both agree exactly
        with a zero standard error, ±inf where they differ with one).
    noise : float
        Label-noise variance σ².
    trials : int
        Trials per point.
    seed : int
        Seed of the run; point (i, j) uses ``sims._parallel.derive_seed(seed, i, j)``.
    """

    n: np.ndarray
    k: np.ndarray
    ridges: np.ndarray
    test_mse: np.ndarray
    test_se: np.ndarray
    train_mse: np.ndarray
    train_se: np.ndarray
    theory_test: np.ndarray
    theory_train: np.ndarray
    z_test: np.ndarray
    noise: float
    trials: int
    seed: int


def _risk_row(*, eigenvalues, target_power, n, ks, ridges, noise, trials, seeds, threads):
    """One n-row of the grid (a sweep task): means and standard errors (B, R) for every k of ``ks``.

    Point j runs the trials of ``monte_carlo_risk(..., seed=seeds[j])``; with one BLAS thread per
    trial (``threads`` <= ``trials``) the numbers do not depend on ``threads``.
    """
    lam = np.asarray(eigenvalues, dtype=np.float64)
    v = np.sqrt(np.asarray(target_power, dtype=np.float64))
    sqrt_lam = np.sqrt(lam)
    rid = np.asarray(ridges, dtype=np.float64)
    out = {name: np.empty((len(ks), rid.size)) for name in ("test_mse", "test_se", "train_mse", "train_se")}
    for j, (k, seed) in enumerate(zip(ks, seeds)):
        if math.isinf(k):
            def trial(t, seed=seed):
                return _krr_trial(seed, t, lam, v, n, rid, noise)
        else:
            def trial(t, seed=seed, k=int(k)):
                return _rf_trial(seed, t, sqrt_lam, v, n, k, rid, noise)
        with _one_blas_thread():
            tests, trains = _run_trials(trial, trials, threads, "rf_risk Monte Carlo", True)
        _check_finite(tests, trains, "eigenvalues, target_power and noise")
        mc = _summarise(tests, trains, rid, n, k, noise, trials, seed)
        for name in out:
            out[name][j] = getattr(mc, name)
    return out


def _as_counts(values, name: str, *, allow_inf: bool) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(values, dtype=object))
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array of counts; got shape {arr.shape}")
    if allow_inf:
        out = []
        for i, a in enumerate(arr.tolist()):
            try:
                out.append(_as_k(a))
            except (TypeError, ValueError) as exc:
                raise ValueError(f"{name}[{i}]: {exc} (a count >= 1 or np.inf)") from None
        return np.array(out, dtype=np.float64)
    return np.array([as_count(a, f"{name}[{i}]") for i, a in enumerate(arr.tolist())], dtype=np.int64)


def monte_carlo_risk_grid(eigenvalues, target_power, ns, ks, ridges, noise=0.0, trials=200, seed=0, *,
                          executor=None, checkpoint_dir=None, progress=None) -> MonteCarloRiskGrid:
    r"""Monte-Carlo test and train error over the grid ``ns × ks``, beside the eigenframework.

    Every point (n, k) is the Monte Carlo of :func:`monte_carlo_risk` in the Gaussian model
    (docs/rf_risk.md#monte-carlo): features $F = X\Lambda^{1/2}Z^\top$, the ridge fit
    $\hat w = \Lambda^{1/2}Z^\top F^\top(FF^\top + k\delta I)^{-1}y$ (δ = 0: min-norm; ``k = inf``:
    kernel ridge regression $\hat w = \Lambda X^\top(X\Lambda X^\top + \delta I)^{-1}y$), the exact
    test error $E_{te} = \|\hat w - v\|^2 + \sigma^2$ and the train error $(1/n)\|y - X\hat w\|^2$,
    averaged over ``trials`` trials with their standard errors. Beside it, the prediction of the
    random-feature eigenframework (Simon et al. 2023, §4; docs/rf_risk.md#the-risk-formulas),

    $$E_{te} = E_0\Big(\sum_i b_i v_i^2 + \sigma^2\Big), \qquad E_{tr} = \Big(1 - \frac{z}{n}\Big)^2 E_{te},$$

    from ``theory.rf_risk.risk_grid`` at every (n, k, δ), and the z-score of the Monte Carlo
    against it.

    Point (i, j) (sample count ``ns[i]``, feature count ``ks[j]``) runs
    ``monte_carlo_risk(eigenvalues, target_power, ns[i], ks[j], ridges, noise, trials,
    seed=derive_seed(seed, i, j))``, so its numbers do not depend on the rest of the grid or on
    where it ran (``sims._parallel.derive_seed``: distinct for distinct (seed, i, j)). One n-row is
    one task; the spectrum travels with each task (2M floats). Inside a task the trials run one
    after the other on a single-threaded BLAS; in this process (``executor=None``) they run on
    min(CPUs, ``trials``) threads, each still on a single-threaded BLAS, which gives the same
    numbers bit for bit.

    Parameters
    ----------
    eigenvalues : array_like of shape (M,)
        Kernel eigenvalues $\lambda_i > 0$ (any order).
    target_power : array_like of shape (M,)
        Target powers $v_i^2 \ge 0$.
    ns : array_like of int, shape (A,)
        Sample counts (>= 1).
    ks : array_like of shape (B,)
        Feature counts (>= 1), or ``np.inf`` for kernel ridge regression.
    ridges : float or array_like of shape (R,)
        Ridges $\delta \ge 0$.
    noise : float, default 0.0
        Label-noise variance $\sigma^2 \ge 0$ (included in the test error).
    trials : int, default 200
        Trials per point (>= 2, for a standard error).
    seed : int, default 0
        Seed of the run (point (i, j) as above).
    executor : None, concurrent.futures.Executor or distributed.Client, default None
        Where the n-rows run. None: in this process. Otherwise any ``concurrent.futures.Executor``
        (a process pool with a ``forkserver`` or ``spawn`` context, loky, ``mpi4py.futures``, a
        Dask client's ``get_executor()``) or a ``distributed.Client``. The result is bit-identical
        whichever ran it; the executor is not shut down (docs/cluster.md).
    checkpoint_dir : str or os.PathLike, optional
        Folder where each finished n-row is saved (``sims._checkpoint``); a rerun with the same
        arguments loads the saved rows instead of recomputing them.
    progress : bool, optional
        Progress bar over the n-rows; None shows one only on a terminal.

    Returns
    -------
    MonteCarloRiskGrid
        Means and standard errors of test and train error per (n, k, δ), the prediction and the
        z-scores.

    Raises
    ------
    ValueError
        Naming the argument: a bad spectrum, counts < 1, negative ridges or noise, trials < 2, a
        setting the theory cannot evaluate, a grid too large to finish.
    TypeError
        When ``executor`` is not an executor.

    References
    ----------
    Simon et al. (2023), "More is Better in Modern Machine Learning", arXiv 2311.14646, §4; the
    Gaussian model is Bach (2023)'s random-projection model.

    Examples
    --------
    >>> import numpy as np
    >>> from sims.rf_risk import monte_carlo_risk_grid
    >>> lam = np.arange(1, 101) ** -1.5
    >>> grid = monte_carlo_risk_grid(lam, lam, ns=[20, 40], ks=[30, np.inf], ridges=[0.1], trials=10)
    >>> grid.test_mse.shape
    (2, 2, 1)
    """
    from theory.rf_risk import risk_grid

    lam, v2 = _as_spectrum(eigenvalues, target_power)
    ns = _as_counts(ns, "ns", allow_inf=False)
    ks = _as_counts(ks, "ks", allow_inf=True)
    ridges = _as_ridges(ridges)
    noise = as_finite_scalar(noise, "noise")
    if noise < 0:
        raise ValueError(f"noise must be >= 0; got {noise}")
    trials = as_count(trials, "trials", minimum=2)
    seed = as_seed(seed)
    if progress is not None and not isinstance(progress, (bool, np.bool_)):
        raise ValueError(f"progress must be a bool or None; got {type(progress).__name__}")
    executor = resolve_executor(executor)   # refuse a non-executor before any work
    check_work(ns.size * ks.size * ridges.size, "len(ns) * len(ks) * len(ridges)", maximum=MAX_ENTRIES,
               why="the result would not fit in memory")
    M = lam.size
    # the width of a point's linear algebra: k features, or the n x n kernel matrix for k = inf
    widths = [[int(n) if math.isinf(k) else int(k) for k in ks] for n in ns]
    check_work(max(int(n) * w for n, row in zip(ns, widths) for w in row), "max(ns * ks) (ns**2 for ks = inf)",
               maximum=MAX_ENTRIES, why="the Gram/feature matrix would not fit in memory")
    check_work(trials * M * sum(int(n) * w for n, row in zip(ns, widths) for w in row),
               "trials * M * sum(n * k) (k = n for ks = inf)", maximum=MAX_COUNT)
    store = checkpoint_store(checkpoint_dir, "rf_risk_mc_grid", dict(
        spectrum=hashlib.sha256(np.concatenate([lam, v2]).tobytes()).hexdigest()[:16], ns=ns.tolist(),
        ks=ks.tolist(), ridges=ridges.tolist(), noise=noise, trials=trials, seed=seed))
    try:            # the prediction first: a setting the theory cannot evaluate fails before any trial
        th = risk_grid(lam, v2, ns[:, None, None].astype(float), ks[None, :, None], ridges[None, None, :], noise)
    except ValueError as exc:
        raise ValueError(f"eigenvalues, target_power, ridges or noise: theory.rf_risk.risk_grid cannot evaluate "
                         f"this setting: {exc}") from exc

    # one BLAS thread per trial either way, so the thread count never changes a number
    threads = min(_default_threads(), trials) if executor is None else 1
    common = dict(eigenvalues=tuple(lam.tolist()), target_power=tuple(v2.tolist()), ks=tuple(ks.tolist()),
                  ridges=tuple(ridges.tolist()), noise=noise, trials=trials, threads=threads)
    specs = [dict(common, n=int(n), seeds=tuple(derive_seed(seed, i, j) for j in range(ks.size)))
             for i, n in enumerate(ns)]
    rows = run_tasks(_risk_row, specs, executor=executor, progress=progress, desc="rf_risk Monte-Carlo grid",
                     store=store)
    mc = {name: np.stack([r[name] for r in rows]) for name in ("test_mse", "test_se", "train_mse", "train_se")}
    theory_test = np.asarray(th.test_mse, dtype=np.float64)
    diff = mc["test_mse"] - theory_test
    se = mc["test_se"]
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(se > 0, diff / np.where(se > 0, se, 1.0), np.where(diff == 0, 0.0, np.sign(diff) * np.inf))
    return MonteCarloRiskGrid(n=ns, k=ks, ridges=ridges, test_mse=mc["test_mse"], test_se=se,
                              train_mse=mc["train_mse"], train_se=mc["train_se"], theory_test=theory_test,
                              theory_train=np.asarray(th.train_mse, dtype=np.float64), z_test=z, noise=noise,
                              trials=trials, seed=seed)
