"""Data behind the figures of the NTP theory (Thrampoulidis 2024; Soudry et al. 2018).

Settings: docs/ntp.md#gradient-descent-and-theorem-2 and docs/ntp.md#separable-logistic-regression.
Each figure is split in two: a compute function here returning a frozen dataclass (tested for
the shape the papers report) and a ``plot_*`` function in ``_plots`` drawing it. Nothing here
imports matplotlib.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from theory.validate import as_count, as_positive_scalar, as_seed

__all__ = [
    "OVERPARAMETERIZED",
    "SOUDRY_SUPPORT_VECTORS",
    "OverparameterizedRuns",
    "SoudryRuns",
    "ToyRun",
    "overparameterized_runs",
    "soudry_data",
    "soudry_runs",
    "toy_run",
]

#: Thrampoulidis (2024), App. A.2 (Figs 4-5): V, m, d, support size, n sequences, iterations.
OVERPARAMETERIZED = dict(V=10, m=50, d=60, support_size=6, n=5000, steps=10_000)
#: Optimiser settings of App. A.2: name -> (function name, lr, keyword arguments).
OVERPARAMETERIZED_OPTIMIZERS = {
    "gd": ("gradient_descent", 0.5, {}),
    "ngd": ("normalized_gradient_descent", 0.01, {}),
    "adam": ("adam", 0.01, {"betas": (0.9, 0.99)}),
}
#: Soudry et al. (2018), Fig. 1: the two support vectors of class +1 (their negatives are class −1).
SOUDRY_SUPPORT_VECTORS = ((0.5, 1.5), (1.5, 0.5))


# --------------------------------------------------------------------------------------------
# Thrampoulidis (2024), Figs 1-2: the 2-D toy
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ToyRun:
    """GD on the paper's 2-D toy (``theory.ntp.toy_instance``).

    Attributes
    ----------
    H : ndarray of shape (2, 3)
        Context embeddings (columns A, B, C).
    P : ndarray of shape (5, 3)
        Next-token distributions.
    run : NTPRun
        GD run (``W_mm`` and ``W_star`` hold the word vectors the figure draws).
    step_size_bound : float
        $1/\\lambda_{max}(H\\Pi H^\\top)$; the run uses this step size.
    """

    H: np.ndarray
    P: np.ndarray
    run: object
    step_size_bound: float


def toy_run(steps: int = 100_000) -> ToyRun:
    """GD from W = 0 at η = 1/λ_max(HΠHᵀ) on ``theory.ntp.toy_instance()``.

    Parameters
    ----------
    steps : int, default 100000
        GD iterations.

    Returns
    -------
    ToyRun
    """
    from theory.ntp import step_size_bound, toy_instance

    from ._train import gradient_descent

    steps = as_count(steps, "steps", minimum=1)
    data = toy_instance()
    lr = float(step_size_bound(data.H, data.pi))
    run = gradient_descent(data.H, data.P, data.pi, lr, steps)
    return ToyRun(H=np.asarray(data.H), P=np.asarray(data.P), run=run, step_size_bound=lr)


# --------------------------------------------------------------------------------------------
# Thrampoulidis (2024), App. A.2 (Figs 4-5): overparameterised GD, NGD, Adam
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class OverparameterizedRuns:
    """GD, normalised GD and Adam on one random overparameterised instance (d > m).

    Attributes
    ----------
    runs : mapping of str to NTPRun
        ``"gd"``, ``"ngd"``, ``"adam"`` (App. A.2 step sizes).
    entropy : float
        $\\mathcal H$.
    mm_norm : float
        $\\|W^{mm}\\|$.
    setting : mapping
        V, m, d, support size, n, steps, seed.
    """

    runs: Mapping[str, object]
    entropy: float
    mm_norm: float
    setting: Mapping[str, object]


def overparameterized_runs(steps: int = OVERPARAMETERIZED["steps"], seed: int = 0) -> OverparameterizedRuns:
    """The App. A.2 experiment: m = 50, d = 60, V = 10, supports of 6, π̂ from n = 5000 draws, zero init.

    Data from ``theory.ntp.random_instance`` (Gaussian embeddings, uniform supports, Dirichlet(1)
    probabilities, π̂ multinomial with every context seen); the paper's embedding law, π̂ and
    seed are not given (docs/ntp.md#gradient-descent-and-theorem-2).

    Parameters
    ----------
    steps : int, default 10000
        Iterations of each optimiser.
    seed : int, default 0
        Seed of the instance.

    Returns
    -------
    OverparameterizedRuns
    """
    from theory.ntp import random_instance

    from . import _train

    steps = as_count(steps, "steps", minimum=1)
    seed = as_seed(seed)
    s = OVERPARAMETERIZED
    data = random_instance(s["V"], s["m"], s["d"], s["support_size"], seed=seed, n=s["n"])
    runs = {}
    for name, (fn, lr, kw) in OVERPARAMETERIZED_OPTIMIZERS.items():
        runs[name] = getattr(_train, fn)(data.H, data.P, data.pi, lr, steps, **kw)
    first = runs["gd"]
    return OverparameterizedRuns(runs=runs, entropy=first.entropy, mm_norm=float(np.linalg.norm(first.W_mm)),
                                 setting={**s, "steps": steps, "seed": seed})


# --------------------------------------------------------------------------------------------
# Soudry et al. (2018), Fig. 1: separable logistic regression in 2-D
# --------------------------------------------------------------------------------------------

def soudry_data(n_random: int = 12, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Soudry et al. (2018) Fig. 1 data: two support vectors per class plus random points off the margin.

    Class +1: $x_1 = (0.5, 1.5)$, $x_2 = (1.5, 0.5)$ and ``n_random/2`` points with
    $\\hat w^\\top x \\ge 1.5$ for $\\hat w = (0.5, 0.5)$; class −1: the negatives of the support
    vectors and ``n_random/2`` independent points with $\\hat w^\\top x \\le -1.5$. Every extra point
    keeps a margin of at least 1.5, so the hard-margin SVM stays $\\hat w = (0.5, 0.5)$ (it
    is spanned by the support vectors with positive multipliers).

    Parameters
    ----------
    n_random : int, default 12
        Extra points, an even number.
    seed : int, default 0

    Returns
    -------
    (X, y)
        ``X`` of shape (4 + n_random, 2), ``y`` in {±1}.
    """
    n_random = as_count(n_random, "n_random", minimum=0, maximum=10_000)
    if n_random % 2:
        raise ValueError(f"n_random must be even (half per class); got {n_random}")
    rng = np.random.default_rng(as_seed(seed))
    sv = np.array(SOUDRY_SUPPORT_VECTORS)
    extra = []
    while len(extra) < n_random:                     # uniform in a box, kept if margin >= 1.5
        z = rng.uniform(0.0, 4.0, size=2)
        if 0.5 * z.sum() >= 1.5:
            extra.append(z)
    extra = np.array(extra).reshape(-1, 2)
    half = n_random // 2
    X = np.vstack([sv, extra[:half], -sv, -extra[half:]])
    y = np.concatenate([np.ones(2 + half), -np.ones(2 + n_random - half)])
    return X, y


@dataclass(frozen=True)
class SoudryRuns:
    """GD and heavy-ball momentum on the Soudry et al. toy.

    Attributes
    ----------
    X, y : ndarray
        Data.
    runs : mapping of str to LogisticRun
        ``"gd"`` and ``"momentum"``.
    w_svm : ndarray of shape (2,)
        Hard-margin SVM $\\hat w$.
    """

    X: np.ndarray
    y: np.ndarray
    runs: Mapping[str, object]
    w_svm: np.ndarray


def soudry_runs(steps: int = 1_000_000, lr: float | None = None, momentum: float = 0.9, seed: int = 0) -> SoudryRuns:
    """GD and momentum from w = 0 on :func:`soudry_data`.

    Parameters
    ----------
    steps : int, default 1000000
        Iterations.
    lr : float, optional
        Step size; default $1/\\sigma_{max}^2(X)$, inside Theorem 3's $\\eta < 8/\\sigma_{max}^2$
        (the paper's value is not certain: docs/ntp.md#separable-logistic-regression).
    momentum : float, default 0.9
        Heavy-ball momentum of the second run.
    seed : int, default 0
        Seed of the random points.

    Returns
    -------
    SoudryRuns
    """
    from ._logistic import logistic_gradient_descent

    X, y = soudry_data(seed=seed)
    steps = as_count(steps, "steps", minimum=1)
    lr = 1.0 / float(np.linalg.norm(X, 2)) ** 2 if lr is None else as_positive_scalar(lr, "lr")
    runs = {"gd": logistic_gradient_descent(X, y, lr, steps),
            "momentum": logistic_gradient_descent(X, y, lr, steps, momentum=momentum)}
    return SoudryRuns(X=X, y=y, runs=runs, w_svm=runs["gd"].w_svm)
