r"""Gradient descent on high-dimensional linear regression: the Advani–Saxe model, simulated.

Advani, Saxe & Sompolinsky (2017), arXiv 1710.03667 (docs/rf_risk.md#advani-and-saxe). Each trial
draws $X \in \mathbb R^{P\times N}$ with i.i.d. $\mathcal N(0, 1/N)$ entries, a teacher
$\bar w \sim \mathcal N(0, \sigma_w^2 I)$, noise $\varepsilon \sim \mathcal N(0, \sigma_\varepsilon^2 I)$,
$y = X\bar w + \varepsilon$ and a start $w(0) \sim \mathcal N(0, \sigma_0^2 I)$. The test error is
exact, $E_g = \|w - \bar w\|^2/N + \sigma_\varepsilon^2$ (no test set: a fresh $x$ has covariance
$I/N$), the training error is $E_t = \|y - Xw\|^2/P$.

Two simulations share the data of a trial (same per-trial xoshiro stream, ``sims/_rng.py``; the
numba draw is :func:`_draw_problem`, its NumPy twin draws the same numbers):

* :func:`advani_saxe_modes`: the exact solution mode by mode through the SVD of $X$ (gradient flow
  $e^{-\lambda t/\tau}$, or GD steps $(1 - \eta\lambda)^k$ when ``lr`` is given);
* :func:`advani_saxe_gd`: real GD steps $w \leftarrow w + \eta X^\top(y - Xw)$ (numba kernel, with a
  NumPy oracle that agrees bit for bit, on the shared engine ``sims/_kernels.py``; a torch core,
  ``sims/rf_risk/_torch_gd_linear.py``, batches the trials and draws its own numbers, so it
  agrees in statistics). A step size
  above $2/\lambda_{max}(X^\top X)$ diverges; the trial is stopped, flagged and its later errors are
  ``inf`` (never NaN).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from theory.summary import compact_repr
from theory.validate import (
    MAX_ENTRIES,
    as_count,
    as_finite_scalar,
    as_positive_scalar,
    as_seed,
    check_work,
    guard_numerics,
)

from .._kernels import simulation
from .._rng import ZIG_R, ZIG_X, NumpyStreams, normal, seed_streams
from ._torch_gd_linear import _gd_torch, statistical_comparison

__all__ = ["AdvaniSaxeSimulation", "advani_saxe_gd", "advani_saxe_gd_reference", "advani_saxe_modes"]

#: A GD iterate with some |w_j| above this has diverged (its squared errors would soon overflow).
W_LIMIT = 1e100


@compact_repr
@dataclass(frozen=True)
class AdvaniSaxeSimulation:
    r"""Test and training error of linear regression trained by gradient flow or GD, over trials.

    Attributes
    ----------
    times : numpy.ndarray
        Times $t$ (GD: step × ``lr``), shape (T,).
    test_mean, test_se : numpy.ndarray
        Mean and standard error over the trials of $E_g = \|w - \bar w\|^2/N + \sigma_\varepsilon^2$,
        shape (T,), over the trials that have not diverged (``inf`` if none; SE ``inf`` if one).
    train_mean, train_se : numpy.ndarray
        The same for $E_t = \|y - Xw\|^2/P$.
    test, train : numpy.ndarray
        Per-trial errors, shape (trials, T); ``inf`` after a divergence.
    diverged : numpy.ndarray
        Boolean, shape (trials,): the trial diverged.
    diverged_at : numpy.ndarray
        First step whose update diverged (int64, -1 if none), shape (trials,).
    n_inputs, n_samples : int
        $N$ and $P$.
    lr : float
        GD step size (``nan``-free: 0.0 for gradient flow).
    """

    times: np.ndarray
    test_mean: np.ndarray
    test_se: np.ndarray
    train_mean: np.ndarray
    train_se: np.ndarray
    test: np.ndarray
    train: np.ndarray
    diverged: np.ndarray
    diverged_at: np.ndarray
    n_inputs: int
    n_samples: int
    lr: float


def _mean_se(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and SE over axis 0 of the finite entries (inf where fewer than 1 / 2 are finite)."""
    ok = np.isfinite(a)
    n = ok.sum(axis=0)
    z = np.where(ok, a, 0.0)
    with np.errstate(over="ignore", invalid="ignore"):     # huge pre-divergence values: inf, never NaN
        mean = np.divide(z.sum(axis=0), n, out=np.full(a.shape[1], np.inf), where=n > 0)
        dev = np.where(ok, z - mean, 0.0)
        var = np.divide((dev * dev).sum(axis=0), n - 1, out=np.full(a.shape[1], np.inf), where=n > 1)
    se = np.divide(np.sqrt(var), np.sqrt(np.maximum(n, 1)), out=np.full(a.shape[1], np.inf), where=n > 1)
    return mean, se


def _result(times, test, train, diverged_at, N, P, lr) -> AdvaniSaxeSimulation:
    tm, ts = _mean_se(test)
    rm, rs = _mean_se(train)
    return AdvaniSaxeSimulation(times=times, test_mean=tm, test_se=ts, train_mean=rm, train_se=rs, test=test,
                                train=train, diverged=diverged_at >= 0, diverged_at=diverged_at,
                                n_inputs=N, n_samples=P, lr=lr)


def _variances(sigma_w2, sigma_eps2, sigma_02) -> tuple[float, float, float]:
    out = []
    for name, v in (("sigma_w2", sigma_w2), ("sigma_eps2", sigma_eps2), ("sigma_02", sigma_02)):
        v = as_finite_scalar(v, name)
        if v < 0:
            raise ValueError(f"{name} must be >= 0 (a variance); got {v}")
        out.append(v)
    return out[0], out[1], out[2]


def _sizes(n_inputs, n_samples, trials):
    N = as_count(n_inputs, "n_inputs")
    P = as_count(n_samples, "n_samples")
    C = as_count(trials, "trials")
    check_work(P * N, "n_samples * n_inputs", maximum=MAX_ENTRIES, why="the data matrix would not fit in memory")
    return N, P, C


# --------------------------------------------------------------------------------------------
# the data of one trial (numba) and of all trials (NumPy twin, same numbers)


@njit(cache=True)
def _draw_problem(state, c, P, N, inv_sqrt_n, sd_w, sd_eps, sd_0):
    """X (P×N, row-major draws), w̄, y = Xw̄ + ε (sum over j ascending) and w(0) of trial c."""
    s0, s1, s2, s3 = state[0, c], state[1, c], state[2, c], state[3, c]
    X = np.empty((P, N))
    for i in range(P):
        for j in range(N):
            z, s0, s1, s2, s3 = normal(ZIG_X, ZIG_R, s0, s1, s2, s3)
            X[i, j] = z * inv_sqrt_n
    wbar = np.empty(N)
    for j in range(N):
        z, s0, s1, s2, s3 = normal(ZIG_X, ZIG_R, s0, s1, s2, s3)
        wbar[j] = sd_w * z
    y = np.empty(P)
    for i in range(P):
        z, s0, s1, s2, s3 = normal(ZIG_X, ZIG_R, s0, s1, s2, s3)
        acc = 0.0
        for j in range(N):
            acc += X[i, j] * wbar[j]
        y[i] = acc + sd_eps * z
    w0 = np.empty(N)
    for j in range(N):
        z, s0, s1, s2, s3 = normal(ZIG_X, ZIG_R, s0, s1, s2, s3)
        w0[j] = sd_0 * z
    return X, wbar, y, w0


def _draw_problems_numpy(state, P, N, inv_sqrt_n, sd_w, sd_eps, sd_0):
    """All trials at once, the same draws and operations as :func:`_draw_problem` (arrays lead with trials)."""
    rng = NumpyStreams(state)
    C = rng.n_streams
    X = np.empty((C, P, N))
    for i in range(P):
        for j in range(N):
            X[:, i, j] = rng.normal() * inv_sqrt_n
    wbar = np.empty((C, N))
    for j in range(N):
        wbar[:, j] = sd_w * rng.normal()
    y = np.empty((C, P))
    for i in range(P):
        z = rng.normal()
        acc = np.zeros(C)
        for j in range(N):
            acc = acc + X[:, i, j] * wbar[:, j]
        y[:, i] = acc + sd_eps * z
    w0 = np.empty((C, N))
    for j in range(N):
        w0[:, j] = sd_0 * rng.normal()
    return X, wbar, y, w0


# --------------------------------------------------------------------------------------------
# real GD steps: kernel and oracle


@njit(cache=True, parallel=True)
def _gd_kernel(state, P, N, inv_sqrt_n, sd_w, sd_eps, sd_0, noise_var, lr, n_steps, record):
    C = state.shape[1]
    R = record.shape[0]
    test = np.full((C, R), np.inf)
    train = np.full((C, R), np.inf)
    div = np.full(C, -1, dtype=np.int64)
    for c in prange(C):
        X, wbar, y, w = _draw_problem(state, c, P, N, inv_sqrt_n, sd_w, sd_eps, sd_0)
        r_ = np.empty(P)
        g = np.empty(N)
        rec = 0
        for s in range(n_steps + 1):
            for i in range(P):
                acc = 0.0
                for j in range(N):
                    acc += X[i, j] * w[j]
                r_[i] = y[i] - acc
            if rec < R and record[rec] == s:
                tr = 0.0
                for i in range(P):
                    tr += r_[i] * r_[i]
                te = 0.0
                for j in range(N):
                    d = w[j] - wbar[j]
                    te += d * d
                test[c, rec] = te / N + noise_var
                train[c, rec] = tr / P
                rec += 1
            if s == n_steps:
                break
            for j in range(N):
                g[j] = 0.0
            for i in range(P):
                ri = r_[i]
                for j in range(N):
                    g[j] += X[i, j] * ri
            ok = True
            for j in range(N):
                v = w[j] + lr * g[j]
                if not (abs(v) <= W_LIMIT):           # also catches NaN
                    ok = False
            if not ok:
                div[c] = s + 1
                break
            for j in range(N):
                w[j] = w[j] + lr * g[j]
    return test, train, div


def _gd_numpy(state, P, N, inv_sqrt_n, sd_w, sd_eps, sd_0, noise_var, lr, n_steps, record):
    """Plain-NumPy twin of ``_gd_kernel``: same draws, same operations in the same order, trials vectorised."""
    X, wbar, y, w = _draw_problems_numpy(state, P, N, inv_sqrt_n, sd_w, sd_eps, sd_0)
    C = X.shape[0]
    R = record.shape[0]
    test = np.full((C, R), np.inf)
    train = np.full((C, R), np.inf)
    div = np.full(C, -1, dtype=np.int64)
    active = np.ones(C, dtype=bool)
    rec = 0
    with np.errstate(over="ignore", invalid="ignore"):
        for s in range(n_steps + 1):
            acc = np.zeros((C, P))
            for j in range(N):
                acc = acc + X[:, :, j] * w[:, j, None]
            r_ = y - acc
            if rec < R and record[rec] == s:
                tr = np.zeros(C)
                for i in range(P):
                    tr = tr + r_[:, i] * r_[:, i]
                te = np.zeros(C)
                for j in range(N):
                    d = w[:, j] - wbar[:, j]
                    te = te + d * d
                test[active, rec] = (te / N + noise_var)[active]
                train[active, rec] = (tr / P)[active]
                rec += 1
            if s == n_steps:
                break
            g = np.zeros((C, N))
            for i in range(P):
                g = g + X[:, i, :] * r_[:, i, None]
            wn = w + lr * g
            bad = ~np.all(np.abs(wn) <= W_LIMIT, axis=1)
            newly = active & bad
            div[newly] = s + 1
            active &= ~bad
            w[active] = wn[active]
            if not active.any():
                break
    return test, train, div


def _cases():
    # N = 12, P = 24 (α = 2): λ_max(XᵀX) ≈ (1 + √2)² ≈ 5.8, so lr = 0.1 is stable; lr = 3 (|1 − ηλ_max| ≈ 16)
    # passes |w| = 1e100 within the 100 steps. 200 trials: the torch core is compared in standard
    # errors of the mean, which need the normal approximation
    def make(lr):
        return lambda: ((), dict(n_inputs=12, n_samples=24, lr=lr, steps=100, trials=200, seed=3))
    return {"default": make(0.1), "diverging": make(3.0)}


@simulation("rf_risk", backends={"numba": _gd_kernel, "numpy": _gd_numpy, "torch": _gd_torch}, cases=_cases(),
            torch_comparison=statistical_comparison)
def advani_saxe_gd(core, n_inputs, n_samples, lr, steps, sigma_w2=1.0, sigma_eps2=0.25, sigma_02=0.0, *,
                   trials=100, seed=0, checkpoints=None) -> AdvaniSaxeSimulation:
    r"""Real gradient-descent steps on linear regression in the Advani–Saxe model (numba kernel; a torch core).

    $$w_{k+1} = w_k + \eta\,X^\top(y - Xw_k),$$

    the Euler discretisation of $\dot w = X^\top(y - Xw)$ at $t = k\eta$; mode by mode the
    factor $e^{-\lambda t}$ becomes $(1 - \eta\lambda)^k$, which diverges for $\eta > 2/\lambda_{max}$
    (reported in ``diverged``; the trial's later errors are ``inf``). The data of trial $c$ are those
    of :func:`advani_saxe_modes` with the same ``seed`` (same stream).

    Parameters
    ----------
    n_inputs : int
        $N$, number of inputs (weights).
    n_samples : int
        $P = \alpha N$, number of training examples.
    lr : float
        Step size $\eta > 0$.
    steps : int
        Number of GD steps (>= 0).
    sigma_w2, sigma_eps2, sigma_02 : float
        Teacher, label-noise and initial-weight variances (>= 0).
    trials : int, default 100
        Independent trials (data, teacher, noise, start).
    seed : int, default 0
        Seed of the per-trial streams.
    checkpoints : array of int, optional
        Strictly increasing steps in [0, ``steps``] at which the errors are recorded (default:
        about 40 log-spaced steps including 0 and ``steps``).

    Returns
    -------
    AdvaniSaxeSimulation
        Errors at ``times = checkpoints * lr``: means, standard errors, per-trial values, divergence.
    """
    N, P, C = _sizes(n_inputs, n_samples, trials)
    lr = as_positive_scalar(lr, "lr")
    steps = as_count(steps, "steps", minimum=0)
    sw, se, s0 = _variances(sigma_w2, sigma_eps2, sigma_02)
    seed = as_seed(seed)
    check_work(C * (steps + 1) * P * N, "trials * (steps + 1) * n_samples * n_inputs")
    record = _checkpoints(checkpoints, steps)
    check_work(C * record.size, "trials * len(checkpoints)", maximum=MAX_ENTRIES, why="the result would not fit")
    state = seed_streams(seed, C)
    test, train, div = core(state, P, N, 1.0 / math.sqrt(N), math.sqrt(sw), math.sqrt(se), math.sqrt(s0), se, lr,
                            steps, record)
    return _result(record * lr, test, train, div, N, P, lr)


advani_saxe_gd_reference = advani_saxe_gd.reference
"""The NumPy oracle of :func:`advani_saxe_gd`: same arguments (no ``backend``), same result bit for bit."""


def _checkpoints(checkpoints, steps: int) -> np.ndarray:
    if checkpoints is None:
        if steps == 0:
            return np.zeros(1, dtype=np.int64)
        k = np.rint(np.logspace(0.0, math.log10(steps), 39)).astype(np.int64)
        return np.unique(np.concatenate([[0], k, [steps]])).astype(np.int64)
    cp = np.atleast_1d(np.asarray(checkpoints))
    if cp.ndim != 1 or cp.size == 0 or not np.issubdtype(cp.dtype, np.integer) or cp.dtype == np.bool_:
        raise ValueError(f"checkpoints must be a non-empty 1-D array of integers; got shape {cp.shape}")
    if cp[0] < 0 or cp[-1] > steps or np.any(np.diff(cp) <= 0):
        raise ValueError(f"checkpoints must be strictly increasing integers in [0, steps={steps}]")
    return cp.astype(np.int64)


# --------------------------------------------------------------------------------------------
# exact modes


def _modes(X: np.ndarray, e0: np.ndarray, eps: np.ndarray):
    r"""Nonzero eigenvalues $\lambda$ of $X^\top X$, $\tilde e = V^\top e_0$ and $q = V^\top X^\top\varepsilon$.

    From the smaller Gram matrix ($X^\top X$ if $P \ge N$, else $XX^\top = U\Lambda U^\top$ with
    $V = X^\top U/\sqrt\lambda$), which is cheaper than an SVD of $X$.
    """
    P, N = X.shape
    if P >= N:
        lam, V = np.linalg.eigh(X.T @ X)
        return lam, V.T @ e0, V.T @ (X.T @ eps)
    lam, U = np.linalg.eigh(X @ X.T)
    s = np.sqrt(lam)
    return lam, (U.T @ (X @ e0)) / s, s * (U.T @ eps)


@guard_numerics
def advani_saxe_modes(n_inputs, n_samples, times, sigma_w2=1.0, sigma_eps2=0.25, sigma_02=0.0, *, trials=100,
                      seed=0, lr=None, tau=1.0) -> AdvaniSaxeSimulation:
    r"""Exact per-mode solution of gradient flow (or GD) on linear regression, over trials.

    With the eigen-decomposition $X^\top X = V\Lambda V^\top$ (nonzero $\lambda$, from the smaller
    Gram matrix), $e = w - \bar w$, $\tilde e = V^\top e(0)$ and $q = V^\top X^\top\varepsilon$, each
    mode evolves as

    $$e_\lambda(t) = \tilde e_\lambda\,a + (1 - a)\,q_\lambda/\lambda,\qquad a = e^{-\lambda t/\tau}
    \ \ (\text{GD: } a = (1 - \eta\lambda)^{t/\eta}),$$

    the components of $e(0)$ outside the row space of $X$ stay frozen, and
    $\|y - Xw\|^2 = \|\varepsilon\|^2 - \sum_\lambda q_\lambda^2/\lambda + \sum_\lambda a^2(q_\lambda - \lambda\tilde e_\lambda)^2/\lambda$.
    No time stepping: the errors are exact for every $t$ (``inf`` allowed for gradient flow).

    Parameters
    ----------
    n_inputs : int
        $N$.
    n_samples : int
        $P = \alpha N$.
    times : array_like
        Times $t \ge 0$, 1-D (GD: multiples of ``lr``, the number of steps being $t/\eta$).
    sigma_w2, sigma_eps2, sigma_02 : float
        Teacher, label-noise and initial-weight variances (>= 0).
    trials : int, default 100
        Independent trials.
    seed : int, default 0
        Seed of the per-trial streams (trial $c$ has the data of :func:`advani_saxe_gd`'s trial $c$).
    lr : float, optional
        GD step size; ``None`` (default) is gradient flow. A trial with $\eta\lambda_{max} > 2$
        diverges (flagged, its errors at $t > 0$ are ``inf``).
    tau : float, default 1.0
        Time constant of gradient flow ($e^{-\lambda t/\tau}$).

    Returns
    -------
    AdvaniSaxeSimulation
        Means, standard errors and per-trial errors at ``times``.
    """
    N, P, C = _sizes(n_inputs, n_samples, trials)
    sw, se, s0 = _variances(sigma_w2, sigma_eps2, sigma_02)
    seed = as_seed(seed)
    tau = as_positive_scalar(tau, "tau")
    try:
        t = None if isinstance(times, (str, bytes)) or np.iscomplexobj(times) else np.asarray(times, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        t = None
    if t is None or t.ndim != 1 or t.size == 0 or np.isnan(t).any() or (t < 0).any():
        raise ValueError("times must be a non-empty 1-D array of times >= 0 (no NaN)")
    check_work(C * (P * N * min(P, N) + t.size * min(P, N)), "trials * n_samples * n_inputs * min(n_samples, n_inputs)")
    check_work(C * t.size, "trials * len(times)", maximum=MAX_ENTRIES, why="the result would not fit")
    if lr is not None:
        lr = as_positive_scalar(lr, "lr")
        k = t / lr
        if not np.all(np.isfinite(k)) or np.any(np.abs(k - np.rint(k)) > 1e-9 * np.maximum(k, 1.0)):
            raise ValueError("times must be finite integer multiples of lr for GD (lr given)")
        k = np.rint(k)
    state = seed_streams(seed, C)
    test = np.empty((C, t.size))
    train = np.empty((C, t.size))
    div = np.full(C, -1, dtype=np.int64)
    inv = 1.0 / math.sqrt(N)
    for c in range(C):
        X, wbar, y, w0 = _draw_problem(state, c, P, N, inv, math.sqrt(sw), math.sqrt(se), math.sqrt(s0))
        eps = y - X @ wbar
        e0 = w0 - wbar
        lam, et, q = _modes(X, e0, eps)
        frozen = max(float(e0 @ e0 - et @ et), 0.0)                 # null space of XᵀX (N > P)
        outside = max(float(eps @ eps - np.sum(q * q / lam)), 0.0)   # ε outside the columns of X (P > N)
        if lr is None:
            a = np.exp(-np.outer(t / tau, lam))                        # (T, r); t = inf gives 0
        else:
            if lr * lam.max() > 2.0:
                div[c] = 1
                r0 = y - X @ w0
                test[c] = np.where(k > 0, np.inf, (e0 @ e0) / N + se)
                train[c] = np.where(k > 0, np.inf, float(r0 @ r0) / P)
                continue
            a = (1.0 - lr * lam)[None, :] ** k[:, None]
        e = et * a + (1.0 - a) * (q / lam)
        test[c] = ((e * e).sum(axis=1) + frozen) / N + se
        res = a * (q - lam * et)
        train[c] = ((res * res / lam).sum(axis=1) + outside) / P
    return _result(t, test, train, div, N, P, 0.0 if lr is None else lr)
