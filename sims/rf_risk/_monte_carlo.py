r"""Monte Carlo of random-feature and kernel ridge regression (Simon et al. 2023).

Two simulations whose averages the eigenframework of ``theory.rf_risk`` predicts
(docs/rf_risk.md#monte-carlo):

* :func:`monte_carlo_risk`, the Gaussian model. Inputs $x \sim N(0, I_M)$ with eigenfunctions
  $\phi_i(x) = x_i$, kernel eigenvalues $\Lambda = \mathrm{diag}(\lambda)$, features
  $F = X\Lambda^{1/2}Z^\top$ ($Z \in \mathbb{R}^{k\times M}$ i.i.d. $N(0, 1)$), labels
  $y = Xv + \varepsilon$. The learned function is linear, $\hat f(x) = x^\top\hat w$, so the test
  error is exact, $E_{te} = \|\hat w - v\|^2 + \sigma^2$, with no test set.
* :func:`relu_features_risk`, real ReLU random features of Gaussian (or spherical) inputs,
  with the arc-cosine kernel's eigen-decomposition on a pool of inputs as the theory's input:
  Gaussian universality is tested, not assumed.

Random numbers: trial ``t`` of seed ``s`` draws its label noise from
``numpy.random.default_rng([s, t, 0])`` and the modes ``c·1024 … (c+1)·1024 − 1`` of X and Z
from ``default_rng([s, t, 1, c])``, so a trial does not depend on the number of trials, on the
ridges, or on how much memory is available.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

import numpy as np
import scipy.linalg

from theory.summary import compact_repr
from theory.validate import (
    MAX_COUNT,
    MAX_ENTRIES,
    as_bool,
    as_choice,
    as_count,
    as_finite_array,
    as_finite_scalar,
    as_positive_array,
    as_positive_scalar,
    as_seed,
    check_work,
    format_value,
)

__all__ = ["MonteCarloRisk", "ReluFeaturesRisk", "arccos_kernel", "monte_carlo_risk", "relu_features_risk"]

_CHUNK = 1024            # modes per random-number chunk (fixes the stream; memory does not change results)
_CACHE = 2**24           # entries of X/Z chunks kept between the two passes of a trial; above: redrawn
_EPS = np.finfo(np.float64).eps


@compact_repr
@dataclass(frozen=True)
class MonteCarloRisk:
    r"""Monte-Carlo test and train error per ridge, with standard errors.

    Attributes
    ----------
    ridges : ndarray of shape (R,)
        The ridges δ (added to the Gram matrix of the normalised kernel; 0 is the min-norm fit).
    test_mse : ndarray of shape (R,)
        Mean over trials of the test error, label noise included ($\|\hat w - v\|^2 + \sigma^2$
        in the Gaussian model).
    test_se : ndarray of shape (R,)
        Its standard error, sample standard deviation / $\sqrt{\text{trials}}$.
    train_mse : ndarray of shape (R,)
        Mean over trials of $(1/n)\|y - \hat f(X)\|^2$.
    train_se : ndarray of shape (R,)
        Its standard error.
    test_samples : ndarray of shape (trials, R)
        The per-trial test errors.
    train_samples : ndarray of shape (trials, R)
        The per-trial train errors.
    n : int
        Training samples.
    k : float
        Random features (``inf``: kernel ridge regression).
    noise : float
        Label-noise variance σ².
    trials : int
        Independent trials.
    seed : int
        Seed of the trials.
    """

    ridges: np.ndarray
    test_mse: np.ndarray
    test_se: np.ndarray
    train_mse: np.ndarray
    train_se: np.ndarray
    test_samples: np.ndarray
    train_samples: np.ndarray
    n: int
    k: float
    noise: float
    trials: int
    seed: int


# --------------------------------------------------------------------------------------------
# validation

def _as_k(k) -> float:
    """k as a float: a count >= 1, or inf (kernel ridge regression)."""
    if isinstance(k, (float, np.floating)) and math.isinf(k) and k > 0:
        return math.inf
    return float(as_count(k, "k"))


def _as_ridges(ridges) -> np.ndarray:
    if ridges is None:
        raise ValueError("ridges must be a number >= 0 or a 1-D array of them; got None")
    return as_positive_array(np.atleast_1d(as_finite_array(ridges, "ridges", ndim=(0, 1))), "ridges", ndim=1,
                             allow_zero=True, allow_empty=False)


def _as_spectrum(eigenvalues, target_power) -> tuple[np.ndarray, np.ndarray]:
    lam = as_positive_array(eigenvalues, "eigenvalues", ndim=1, allow_empty=False)
    v2 = as_positive_array(target_power, "target_power", ndim=1, allow_zero=True)
    if v2.shape != lam.shape:
        raise ValueError(f"target_power must have the length of eigenvalues ({lam.size}); got {v2.size}")
    return lam, v2


def _progress(progress):
    if progress is not None and not isinstance(progress, (bool, np.bool_)):
        raise ValueError(f"progress must be a bool or None; got {type(progress).__name__}")
    return (not sys.stderr.isatty()) if progress is None else not bool(progress)


# --------------------------------------------------------------------------------------------
# spectral filters shared by both simulations

def _filters(sing: np.ndarray, ridges: np.ndarray, scale: float, tol: float) -> np.ndarray:
    r"""$s/(s^2 + \text{scale}\,\delta)$ per singular value and ridge; $1/s$ (or 0 below ``tol``) at δ = 0."""
    s = sing[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        out = s / (s * s + scale * ridges[None, :])
        pinv = np.where(sing > tol, 1.0 / np.where(sing > tol, sing, 1.0), 0.0)
    return np.where(ridges[None, :] == 0.0, pinv[:, None], out)


def _chunks(M: int):
    for c, lo in enumerate(range(0, M, _CHUNK)):
        yield c, lo, min(lo + _CHUNK, M)


def _rf_trial(seed, trial, sqrt_lam, v, n, k, ridges, noise):
    """One trial of the Gaussian model with k features: (test errors, train errors) per ridge."""
    M = sqrt_lam.size
    keep = (n + k) * M <= _CACHE
    F = np.zeros((n, k))
    Xv = np.zeros(n)
    cache = {}
    for c, lo, hi in _chunks(M):
        rng = np.random.default_rng([seed, trial, 1, c])
        Xc = rng.standard_normal((n, hi - lo))
        Zc = rng.standard_normal((k, hi - lo))
        F += (Xc * sqrt_lam[lo:hi]) @ Zc.T
        Xv += Xc @ v[lo:hi]
        if keep:
            cache[c] = Zc
    y = Xv + math.sqrt(noise) * np.random.default_rng([seed, trial, 0]).standard_normal(n)
    U, s, Vt = scipy.linalg.svd(F, full_matrices=False, check_finite=False, lapack_driver="gesdd")
    tol = max(n, k) * _EPS * (s[0] if s.size else 0.0)   # numpy.linalg.pinv's default cut-off
    coef = _filters(s, ridges, float(k), tol) * (U.T @ y)[:, None]      # r × R
    B = Vt.T @ coef                     # k × R: Fᵀ(FFᵀ + kδ)⁻¹y, F⁺y at δ = 0
    fitted = U @ (s[:, None] * coef)    # X ŵ = F B
    train = np.mean((y[:, None] - fitted) ** 2, axis=0)
    test = np.full(ridges.size, noise)
    for c, lo, hi in _chunks(M):
        Zc = cache.get(c)
        if Zc is None:                  # redraw the chunk (same stream: X first, then Z)
            rng = np.random.default_rng([seed, trial, 1, c])
            rng.standard_normal((n, hi - lo))
            Zc = rng.standard_normal((k, hi - lo))
        w = sqrt_lam[lo:hi, None] * (Zc.T @ B)
        test += np.sum((w - v[lo:hi, None]) ** 2, axis=0)
    return test, train


def _krr_trial(seed, trial, lam, v, n, ridges, noise):
    """One trial of kernel ridge regression in the Gaussian model (k = ∞)."""
    M = lam.size
    keep = n * M <= _CACHE
    K = np.zeros((n, n))
    Xv = np.zeros(n)
    cache = {}
    for c, lo, hi in _chunks(M):
        rng = np.random.default_rng([seed, trial, 1, c])
        Xc = rng.standard_normal((n, hi - lo))
        K += (Xc * lam[lo:hi]) @ Xc.T
        Xv += Xc @ v[lo:hi]
        if keep:
            cache[c] = Xc
    y = Xv + math.sqrt(noise) * np.random.default_rng([seed, trial, 0]).standard_normal(n)
    mu, U = scipy.linalg.eigh(K, check_finite=False)
    mu = np.maximum(mu, 0.0)            # K is PSD; rounding can leave tiny negative eigenvalues
    tol = n * _EPS * mu[-1]
    # (K + δ)⁻¹ = U diag(1/(μ + δ)) Uᵀ; at δ = 0 the pseudo-inverse (min-norm interpolant)
    with np.errstate(divide="ignore"):
        inv = np.where(ridges[None, :] > 0, 1.0 / (mu[:, None] + ridges[None, :]),
                       np.where(mu > tol, 1.0 / np.where(mu > tol, mu, 1.0), 0.0)[:, None])
    coef = inv * (U.T @ y)[:, None]
    C = U @ coef                        # n × R: (K + δI)⁻¹ y
    fitted = U @ (mu[:, None] * coef)   # K C = X ŵ
    train = np.mean((y[:, None] - fitted) ** 2, axis=0)
    test = np.full(ridges.size, noise)
    for c, lo, hi in _chunks(M):
        Xc = cache.get(c)
        if Xc is None:
            Xc = np.random.default_rng([seed, trial, 1, c]).standard_normal((n, hi - lo))
        w = lam[lo:hi, None] * (Xc.T @ C)   # ŵ = Λ Xᵀ (XΛXᵀ + δI)⁻¹ y
        test += np.sum((w - v[lo:hi, None]) ** 2, axis=0)
    return test, train


def _summarise(tests, trains, ridges, n, k, noise, trials, seed) -> MonteCarloRisk:
    root = math.sqrt(trials)
    return MonteCarloRisk(ridges=ridges, test_mse=tests.mean(axis=0), test_se=tests.std(axis=0, ddof=1) / root,
                          train_mse=trains.mean(axis=0), train_se=trains.std(axis=0, ddof=1) / root,
                          test_samples=tests, train_samples=trains, n=n, k=k, noise=noise, trials=trials,
                          seed=seed)


def monte_carlo_risk(eigenvalues, target_power, n, k, ridges, noise=0.0, trials=1000, seed=0, *,
                     progress=None) -> MonteCarloRisk:
    r"""Test and train error of random-feature ridge regression in the Gaussian model, by Monte Carlo.

    Model (docs/rf_risk.md#monte-carlo): $x \sim N(0, I_M)$, $\phi_i(x) = x_i$, target
    $f^*(x) = v^\top x$ with $v_i = +\sqrt{\text{target\_power}_i}$ (the sign is immaterial: the law
    of X is invariant under flipping any coordinate), labels $y = Xv + \varepsilon$,
    $\varepsilon \sim N(0, \sigma^2 I_n)$. Features $F = X\Lambda^{1/2}Z^\top$ with
    $Z \in \mathbb{R}^{k\times M}$ i.i.d. $N(0, 1)$, so
    $E_Z[FF^\top/k] = X\Lambda X^\top$, the kernel Gram matrix. The fit
    $\hat w = \Lambda^{1/2}Z^\top F^\top(FF^\top + k\delta I)^{-1}y$ is ridge regression on the
    normalised features $F/\sqrt k$ with δ added to the n×n Gram matrix; all ridges come from one
    thin SVD $F = USV^\top$: $\hat w(\delta) = \Lambda^{1/2}Z^\top V\,\mathrm{diag}(s/(s^2 + k\delta))\,U^\top y$,
    and δ = 0 is the min-norm fit $\Lambda^{1/2}Z^\top F^+ y$ (singular values below
    $\max(n, k)\,\epsilon\,s_{max}$ dropped, as in ``numpy.linalg.pinv``). ``k = np.inf`` is kernel
    ridge regression, $\hat w = \Lambda X^\top(X\Lambda X^\top + \delta I)^{-1}y$, from one
    eigen-decomposition of $X\Lambda X^\top$. Per trial the test error is exact,
    $\|\hat w - v\|^2 + \sigma^2$, and the train error is $(1/n)\|y - X\hat w\|^2$.

    Cost per trial: $O(nMk)$ to form F, $O(nk\min(n, k))$ for the SVD, $O(Mk)$ per ridge. X and Z
    are drawn in blocks of 1,024 modes and kept only while they fit in $2^{24}$ entries (else
    redrawn from the same stream in the second pass), so memory is $O(nk + (n + k)\cdot 1024)$.

    Parameters
    ----------
    eigenvalues : array_like of shape (M,)
        Kernel eigenvalues λ_i > 0 (any order).
    target_power : array_like of shape (M,)
        Target powers $v_i^2 \ge 0$.
    n : int
        Training samples (>= 1).
    k : int or np.inf
        Random features (>= 1), or ``np.inf`` for kernel ridge regression.
    ridges : float or array_like of shape (R,)
        Ridges δ >= 0.
    noise : float, default 0.0
        Label-noise variance σ² >= 0 (included in the test error).
    trials : int, default 1000
        Independent trials (>= 2, for a standard error).
    seed : int, default 0
        Trial t draws from ``numpy.random.default_rng([seed, t, ...])`` (module docstring).
    progress : bool, optional
        Progress bar over the trials; None shows one only on a terminal.

    Returns
    -------
    MonteCarloRisk
        Means and standard errors of test and train error per ridge, and the per-trial samples.

    Raises
    ------
    ValueError
        Naming the argument: non-positive or non-finite eigenvalues, negative target powers,
        mismatched lengths, n or k < 1, negative ridges or noise, trials < 2, a run too large.

    References
    ----------
    Simon et al. (2023), "More is Better in Modern Machine Learning", arXiv 2311.14646; the
    Gaussian model is Bach (2023)'s random-projection model.

    Examples
    --------
    >>> import numpy as np
    >>> from sims.rf_risk import monte_carlo_risk
    >>> lam = np.arange(1, 201) ** -1.5
    >>> mc = monte_carlo_risk(lam, lam, n=40, k=80, ridges=[0.0, 0.1], noise=0.1, trials=20)
    >>> mc.test_mse.shape
    (2,)
    """
    lam, v2 = _as_spectrum(eigenvalues, target_power)
    n = as_count(n, "n")
    k = _as_k(k)
    ridges = _as_ridges(ridges)
    noise = as_finite_scalar(noise, "noise")
    if noise < 0:
        raise ValueError(f"noise must be >= 0; got {noise}")
    trials = as_count(trials, "trials", minimum=2)
    seed = as_seed(seed)
    disable = _progress(progress)
    M = lam.size
    width = n if math.isinf(k) else int(k)
    check_work(n * width, "n * k (n * n for k = inf)", maximum=MAX_ENTRIES, why="the Gram/feature matrix would not fit in memory")
    check_work(trials * n * M * width, "trials * n * M * k (k = n for k = inf)", maximum=MAX_COUNT)
    from tqdm.auto import tqdm

    v = np.sqrt(v2)
    tests = np.empty((trials, ridges.size))
    trains = np.empty((trials, ridges.size))
    sqrt_lam = np.sqrt(lam)
    for t in tqdm(range(trials), desc="rf_risk Monte Carlo", disable=disable):
        if math.isinf(k):
            tests[t], trains[t] = _krr_trial(seed, t, lam, v, n, ridges, noise)
        else:
            tests[t], trains[t] = _rf_trial(seed, t, sqrt_lam, v, n, int(k), ridges, noise)
    return _summarise(tests, trains, ridges, n, k, noise, trials, seed)
