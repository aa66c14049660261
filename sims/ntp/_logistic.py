r"""Gradient descent on separable binary logistic regression: the base case of the NTP theory.

Soudry, Hoffer, Nacson, Gunasekar, Srebro (2018), "The Implicit Bias of Gradient Descent on
Separable Data", arXiv 1710.10345 (docs/ntp.md#separable-logistic-regression): on linearly
separable data $\{(x_n, y_n)\}$ (no bias), GD on $\mathcal L(w) = \sum_n \log(1 + e^{-y_n w^\top x_n})$
with $\eta < 8/\sigma_{max}^2(X)$ gives $w(t) = \hat w \log t + \rho(t)$ with $\|\rho(t)\|$
bounded (Theorem 3) and $\hat w$ the hard-margin SVM solution; so the direction converges to
$\hat w/\|\hat w\|$ (slowly, O(1/log t)), $\|w(t)\| \sim \|\hat w\|\log t$ and
$\mathcal L(w(t)) = O(1/t)$. Multiclass cross-entropy GD is :func:`sims.ntp.gradient_descent`
with one-hot P (Thrampoulidis 2024, Remark 1); no separate function is needed.

The time loop is a numba kernel with a NumPy oracle on the shared engine (same floating-point
operations in the same order, libm ``exp``/``log1p``), bit-identical.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from theory.summary import compact_repr
from theory.validate import MAX_ENTRIES, as_count, as_finite_array, as_finite_scalar, as_positive_scalar, check_work

from .._kernels import simulation
from ._history import _as_checkpoints
from ._train_kernels import LOGIT_LIMIT, _libm

__all__ = ["LogisticHistory", "LogisticRun", "logistic_gradient_descent", "logistic_gradient_descent_reference"]


@compact_repr
@dataclass(frozen=True)
class LogisticHistory:
    r"""Metrics of a logistic-regression GD run at its checkpoints.

    Attributes
    ----------
    steps : ndarray of int64, shape (R,)
        Checkpoints t reached (0 is ``w0``).
    norm : ndarray of shape (R,)
        $\|w(t)\|$.
    loss : ndarray of shape (R,)
        $\mathcal L(w(t)) = \sum_n \log(1 + e^{-y_n w^\top x_n})$.
    angle_gap : ndarray of shape (R,) or None
        $1 - \cos\angle(w(t), \hat w)$ (1 where $w = 0$); None when the data are not separable.
    margin_gap : ndarray of shape (R,) or None
        $1/\|\hat w\| - \min_n y_n x_n^\top w(t)/\|w(t)\|$, the normalised-margin gap (equal to
        $1/\|\hat w\|$ where $w = 0$); None when not separable.
    residual_norm : ndarray of shape (R,) or None
        $\|w(t) - \hat w\log t\|$ ($\log t$ read as 0 at t = 0); bounded by Theorem 3. None when
        not separable.
    """

    steps: np.ndarray
    norm: np.ndarray
    loss: np.ndarray
    angle_gap: np.ndarray | None
    margin_gap: np.ndarray | None
    residual_norm: np.ndarray | None


@compact_repr
@dataclass(frozen=True)
class LogisticRun:
    r"""Result of :func:`logistic_gradient_descent`.

    Attributes
    ----------
    w : ndarray of shape (d,)
        Final weights (the last valid state if the run diverged).
    history : LogisticHistory
        Checkpoint metrics.
    diverged : bool
        w became non-finite or a margin exceeded 1e300 in absolute value.
    diverged_at : int
        Step whose update would have produced the invalid state (−1 if never).
    notes : str
        Why some metrics are None, step-size warnings; empty when there is nothing to say.
    lr : float
        Step size.
    momentum : float
        Heavy-ball momentum.
    w_svm : ndarray of shape (d,) or None
        The hard-margin SVM solution $\hat w$ (None when the data are not separable).
    """

    w: np.ndarray
    history: LogisticHistory
    diverged: bool
    diverged_at: int
    notes: str
    lr: float
    momentum: float
    w_svm: np.ndarray | None


@njit(cache=True, inline="always")
def _weight(u):
    """σ(−u) = 1/(1 + e^u), the magnitude of the logistic loss derivative, without overflow."""
    if u > 0.0:
        e = math.exp(-u)
        return e / (1.0 + e)
    return 1.0 / (1.0 + math.exp(u))


def _weight_numpy(u):
    out = np.empty_like(u)
    pos = u > 0.0
    e = _libm(math.exp, -u[pos])
    out[pos] = e / (1.0 + e)
    out[~pos] = 1.0 / (1.0 + _libm(math.exp, u[~pos]))
    return out


@njit(cache=True)
def _margins(Z, w, u):
    """u = Z w (sum over k ascending); False if some |u_n| > LOGIT_LIMIT (or NaN)."""
    n, d = Z.shape
    ok = True
    for i in range(n):
        acc = 0.0
        for k in range(d):
            acc += Z[i, k] * w[k]
        u[i] = acc
        if not abs(acc) <= LOGIT_LIMIT:
            ok = False
    return ok


@njit(cache=True)
def _logistic_kernel(Z, w0, lr, beta, n_steps, record_steps):
    """GD/heavy ball on Σ log(1 + e^{−z_nᵀw}), z_n = y_n x_n; returns (records, n, diverged, at, w)."""
    n, d = Z.shape
    R = record_steps.shape[0]
    w = w0.copy()
    wn = np.empty(d)
    M = np.zeros(d)
    u = np.empty(n)
    un = np.empty(n)
    c = np.empty(n)
    rec = np.empty((R, d))
    r = 0
    if not _margins(Z, w, u):
        return rec, r, True, 0, w
    for s in range(n_steps + 1):
        if r < R and record_steps[r] == s:
            rec[r] = w
            r += 1
        if s == n_steps:
            break
        for i in range(n):
            c[i] = _weight(u[i])
        ok = True
        for k in range(d):                           # −∇L = Σ_n σ(−u_n) z_n, n ascending
            acc = 0.0
            for i in range(n):
                acc += c[i] * Z[i, k]
            M[k] = beta * M[k] + acc
            wn[k] = w[k] + lr * M[k]
            if not math.isfinite(wn[k]):
                ok = False
        if not (ok and _margins(Z, wn, un)):
            return rec, r, True, s + 1, w
        w, wn = wn, w
        u, un = un, u
    return rec, r, False, -1, w


def _margins_numpy(Z, w):
    u = np.zeros(Z.shape[0])
    for k in range(Z.shape[1]):
        u = u + Z[:, k] * w[k]
    return u, bool(np.all(np.abs(u) <= LOGIT_LIMIT))


def _logistic_numpy(Z, w0, lr, beta, n_steps, record_steps):
    """Plain-NumPy twin of ``_logistic_kernel``."""
    n, d = Z.shape
    R = record_steps.shape[0]
    w = w0.copy()
    M = np.zeros(d)
    rec = np.empty((R, d))
    r = 0
    with np.errstate(over="ignore", invalid="ignore"):
        u, ok = _margins_numpy(Z, w)
        if not ok:
            return rec, r, True, 0, w
        for s in range(n_steps + 1):
            if r < R and record_steps[r] == s:
                rec[r] = w
                r += 1
            if s == n_steps:
                break
            c = _weight_numpy(u)
            acc = np.zeros(d)
            for i in range(n):
                acc = acc + c[i] * Z[i]
            M = beta * M + acc
            wn = w + lr * M
            if not np.isfinite(wn).all():
                return rec, r, True, s + 1, w
            un, ok = _margins_numpy(Z, wn)
            if not ok:
                return rec, r, True, s + 1, w
            w, u = wn, un
    return rec, r, False, -1, w


def _logistic_loss(u: np.ndarray) -> float:
    """Σ log(1 + e^{−u}) without overflow."""
    return float(np.sum(np.where(u > 0, np.log1p(np.exp(-np.abs(u))), -u + np.log1p(np.exp(-np.abs(u))))))


def _case(lr, steps, momentum):
    def case():
        rng = np.random.default_rng(0)
        X = np.vstack([rng.standard_normal((5, 2)) + 3.0, rng.standard_normal((5, 2)) - 3.0])
        y = np.repeat([1.0, -1.0], 5)
        return (X, y, lr, steps), dict(momentum=momentum)
    return case


# lr = 0.01 < 8/σ_max² for this data; lr = 1e305 overflows the margins at once
_CASES = {"default": _case(0.01, 300, 0.0), "momentum": _case(0.01, 300, 0.9),
          "diverging": _case(1e305, 10, 0.0)}


@simulation("ntp", backends={"numba": _logistic_kernel, "numpy": _logistic_numpy}, cases=_CASES,
            diverged=lambda result: np.asarray([result.diverged]))
def logistic_gradient_descent(core, X, y, lr, steps, w0=None, momentum=0.0, checkpoints=None) -> LogisticRun:
    r"""Gradient descent (or heavy ball) on separable binary logistic regression, no bias (numba kernel).

    With $z_n = y_n x_n$ and $\mathcal L(w) = \sum_n \log(1 + e^{-z_n^\top w})$,

    $$M_{t+1} = \beta M_t - \nabla\mathcal L(w_t), \qquad w_{t+1} = w_t + \eta M_{t+1},
    \qquad -\nabla\mathcal L(w) = \sum_n \frac{z_n}{1 + e^{z_n^\top w}}$$

    ($\beta$ = ``momentum``; $\beta = 0$ is GD). Soudry et al. (2018), Theorem 3: for
    $\eta < 8/\sigma_{max}^2(X)$ and separable data, $w(t) - \hat w\log t$ stays bounded, with
    $\hat w$ the hard-margin SVM (``theory.ntp.hard_margin_svm``); the direction converges to
    $\hat w$ at rate O(1/log t) and the loss decays as O(1/t). The history records $\|w\|$,
    the loss, the angle and margin gaps and $\|w - \hat w\log t\|$
    (docs/ntp.md#separable-logistic-regression).

    Parameters
    ----------
    X : array of shape (n, d)
        Inputs (no bias column is added).
    y : array of shape (n,)
        Labels in {−1, +1}.
    lr : float
        Step size $\eta > 0$ (a value above $8/\sigma_{max}^2(X)$ is run and noted).
    steps : int
        Number of updates (>= 0).
    w0 : array of shape (d,), optional
        Initial weights (default zero).
    momentum : float, default 0.0
        Heavy-ball momentum $\beta$ in [0, 1).
    checkpoints : array of int, optional
        Strictly increasing steps in [0, ``steps``] (default about 40 log-spaced, with 0 and
        ``steps``).

    Returns
    -------
    LogisticRun
        Final ``w``, ``history`` (:class:`LogisticHistory`), ``diverged``, ``diverged_at``,
        ``notes``, ``w_svm``.

    Raises
    ------
    ValueError
        Naming the argument: X not finite 2-D, y not ±1 of length n, lr <= 0, momentum outside
        [0, 1), bad ``steps``, ``w0`` or ``checkpoints``.

    References
    ----------
    Soudry, Hoffer, Nacson, Gunasekar, Srebro (2018), "The Implicit Bias of Gradient Descent on
    Separable Data", arXiv 1710.10345, Theorem 3.
    """
    X = as_finite_array(X, "X", ndim=2)
    n, d = X.shape
    if n == 0 or d == 0:
        raise ValueError(f"X must have at least one row and one column; got shape {X.shape}")
    y = as_finite_array(y, "y", shape=(n,))
    if not np.all(np.abs(y) == 1.0):
        raise ValueError("y must contain only the labels -1 and +1")
    lr = as_positive_scalar(lr, "lr")
    steps = as_count(steps, "steps", minimum=0)
    momentum = as_finite_scalar(momentum, "momentum")
    if not 0.0 <= momentum < 1.0:
        raise ValueError(f"momentum must lie in [0, 1); got {momentum}")
    w0 = np.zeros(d) if w0 is None else as_finite_array(w0, "w0", shape=(d,)).copy()
    cp = _as_checkpoints(checkpoints, steps)
    check_work(steps * 2 * n * d, "steps * 2·n·d (cost of the run)")
    check_work(cp.size * d, "len(checkpoints) * d (recorded entries)", maximum=MAX_ENTRIES, why="memory")
    Z = np.ascontiguousarray(y[:, None] * X)

    rec, n_rec, diverged, diverged_at, w = core(Z, w0, lr, momentum, steps, cp)
    states = rec[:n_rec]
    notes = []
    smax = float(np.linalg.norm(X, 2))
    bound = 8.0 / smax / smax if smax > 0 else math.inf    # X ≈ 0: flat loss; 8/smax/smax, as smax² may overflow
    if lr >= bound:
        notes.append(f"lr = {lr:g} is not below 8/σ_max(X)² = {bound:.3g}, the step size of Soudry et al. "
                     "(2018), Theorem 3")
    from theory.ntp import CertificateError, hard_margin_svm

    try:
        w_svm = np.asarray(hard_margin_svm(X, y), dtype=np.float64)
    except (ValueError, CertificateError) as exc:    # not separable, or no certified solution for these data
        w_svm = None
        notes.append(f"no hard-margin SVM (angle_gap, margin_gap, residual_norm are None): {exc}")
    U = states @ Z.T                                 # (R, n) margins
    norm = np.linalg.norm(states, axis=1)
    loss = np.array([_logistic_loss(u) for u in U])
    angle = margin = resid = None
    if w_svm is not None:
        ns = float(np.linalg.norm(w_svm))
        safe = np.where(norm > 0, norm, 1.0)
        angle = np.where(norm > 0, 1.0 - (states @ w_svm) / (safe * ns), 1.0)
        margin = 1.0 / ns - np.where(norm > 0, U.min(axis=1) / safe, 0.0)
        logt = np.log(np.maximum(cp[:n_rec], 1)).astype(np.float64)
        resid = np.linalg.norm(states - logt[:, None] * w_svm[None, :], axis=1)
    if diverged and diverged_at == 0:
        notes.append("diverged: w0 gives margins beyond 1e300 (the loss would overflow); no step was taken")
    elif diverged:
        notes.append(f"diverged: the update of step {int(diverged_at)} gave non-finite w or margins beyond "
                     "1e300; w is the last valid state")
    history = LogisticHistory(steps=cp[:n_rec].copy(), norm=norm, loss=loss, angle_gap=angle,
                              margin_gap=margin, residual_norm=resid)
    return LogisticRun(w=np.array(w, dtype=np.float64), history=history, diverged=bool(diverged),
                       diverged_at=int(diverged_at), notes="; ".join(notes), lr=lr, momentum=momentum,
                       w_svm=w_svm)


logistic_gradient_descent_reference = logistic_gradient_descent.reference
"""The NumPy oracle of :func:`logistic_gradient_descent`: same arguments (no ``backend``), same result bit for bit."""
