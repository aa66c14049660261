r"""Training one-layer softmax attention: GD and normalised GD on W and on (K, Q).

Tarzanagh et al. (2023), GD convergence results; Vasudeva et al. (2024), normalised GD and Polyak steps: on
$\mathcal L(W) = \frac1n\sum_i\ell(Y_i v^\top X_i^\top S(X_iWz_i))$ the direction of $W_k$ approaches
the Frobenius attention SVM (the $W$-parameterisation) for a locally optimal selection, and
$W = KQ^\top$ trained on $(K, Q)$ leans towards the nuclear one. Each optimiser is declared on the
shared simulation engine (:func:`sims._kernels.simulation`): a numba kernel and a NumPy oracle that
agree bit for bit (``sims/attention_svm/_train_kernels.py``); the driver computes the checkpoint
metrics from the recorded states with the theory functions, with both SVMs for the optimal
selection computed once per call. Derivations: docs/attention_svm.md#gradient-descent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from theory.summary import compact_repr
from theory.validate import MAX_ENTRIES, as_bool, as_count, as_finite_array, as_positive_scalar, as_seed, check_work

from .._kernels import simulation
from ._train_kernels import GD, KQ_GD, KQ_NGD, NGD, POLYAK, _train_kernel, _train_numpy

__all__ = ["AttentionHistory", "AttentionRun", "gradient_descent", "gradient_descent_reference",
           "kq_gradient_descent", "kq_gradient_descent_reference", "normalized_gradient_descent",
           "normalized_gradient_descent_reference", "polyak_gradient_descent", "polyak_gradient_descent_reference"]

_N_CHECKPOINTS = 40


@compact_repr
@dataclass(frozen=True)
class AttentionHistory:
    r"""Metrics of an attention training run at its checkpoints.

    Attributes
    ----------
    steps : numpy.ndarray of int64, shape (R,)
        Checkpoints reached (state after that many updates).
    corr_fro : numpy.ndarray, shape (R,)
        $\mathrm{corr}(W_k, W^{mm}_F)$ for the optimal selection (0 where $W_k = 0$).
    corr_nuc : numpy.ndarray, shape (R,)
        $\mathrm{corr}(W_k, W^{mm}_\star)$.
    excess_loss : numpy.ndarray, shape (R,)
        $\mathcal L(W_k) - \frac1n\sum_i\ell(\gamma_{i,\mathrm{opt}_i})$ (cancellation-free).
    norm : numpy.ndarray, shape (R,)
        $\|W_k\|_F$.
    max_off_attention : numpy.ndarray, shape (R,)
        $\max_i \sum_{t \ne \mathrm{opt}_i} s_{it}(W_k)$, the attention left off the optimal tokens, summed
        from its own terms (accurate far below the rounding of $1 - s_{i,\mathrm{opt}_i}$).
    """

    steps: np.ndarray
    corr_fro: np.ndarray
    corr_nuc: np.ndarray
    excess_loss: np.ndarray
    norm: np.ndarray
    max_off_attention: np.ndarray


@compact_repr
@dataclass(frozen=True)
class AttentionRun:
    r"""Result of an attention training run.

    Attributes
    ----------
    W : numpy.ndarray, shape (d, d)
        Final $W$ ($KQ^\top$ for the (K, Q) runs; the last valid state if the run diverged).
    history : AttentionHistory
    selection : numpy.ndarray of int, shape (n,)
        The token of largest attention in each sequence at the end.
    diverged : bool
        A parameter became non-finite or a logit exceeded 1e300 (absurd step size).
    diverged_at : int
        Step whose update would have produced the invalid state (−1 if never).
    saturated_at : int
        Step at which some sequence's off-top attention mass fell below 1e-290 and the run
        stopped (−1 if never): beyond it the gradient is made of subnormal numbers.
    optimizer : str
        ``"gd"``, ``"ngd"``, ``"polyak"``, ``"kq_gd"`` or ``"kq_ngd"``.
    lr : float
    W_mm_fro : numpy.ndarray, shape (d, d)
        Frobenius attention SVM of the optimal selection.
    W_mm_nuc : numpy.ndarray, shape (d, d)
        Nuclear attention SVM of the optimal selection.
    """

    W: np.ndarray
    history: AttentionHistory
    selection: np.ndarray
    diverged: bool
    diverged_at: int
    saturated_at: int
    optimizer: str
    lr: float
    W_mm_fro: np.ndarray
    W_mm_nuc: np.ndarray


def _checkpoints(checkpoints, steps):
    if checkpoints is None:
        if steps == 0:
            return np.zeros(1, dtype=np.int64)
        k = np.rint(np.logspace(0.0, math.log10(steps), _N_CHECKPOINTS - 1)).astype(np.int64)
        return np.unique(np.concatenate([[0], k, [steps]])).astype(np.int64)
    if isinstance(checkpoints, (str, bytes)):
        raise ValueError("checkpoints must be a 1-D array of integers")
    cp = np.atleast_1d(np.asarray(checkpoints))
    if cp.ndim != 1 or cp.size == 0 or not np.issubdtype(cp.dtype, np.integer) or cp.dtype == np.bool_:
        raise ValueError(f"checkpoints must be a non-empty 1-D array of integers; got {cp.dtype} of shape {cp.shape}")
    if cp[0] < 0 or cp[-1] > steps or np.any(np.diff(cp) <= 0):
        raise ValueError(f"checkpoints must be strictly increasing integers in [0, steps = {steps}]")
    return cp.astype(np.int64)


def _inputs(X, z, y, v, lr, steps, checkpoints):
    from theory.attention_svm import as_sequences, token_scores

    X, z = as_sequences(X, z)
    g = np.ascontiguousarray(token_scores(X, y, v))           # validates y (labels ±1) and v (d,)
    y = np.asarray(y, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    lr = as_positive_scalar(lr, "lr")
    steps = as_count(steps, "steps", minimum=0)
    n, T, d = X.shape
    check_work(steps * n * T * d * d, "steps * n * T * d * d")
    cp = _checkpoints(checkpoints, steps)
    check_work(cp.size * d * d, "len(checkpoints) * d * d (recorded entries)", maximum=MAX_ENTRIES,
               why="memory; record fewer checkpoints")
    opt = np.ascontiguousarray(np.argmax(g, axis=1).astype(np.int64))
    return (np.ascontiguousarray(X), np.ascontiguousarray(z), y, v, g, opt, lr, steps, cp)


def _corr(A, B):
    na, nb = float(np.linalg.norm(A)), float(np.linalg.norm(B))
    return float(np.sum(A * B)) / (na * nb) if na > 0 and nb > 0 else 0.0


def _finish(X, z, y, v, out, optimizer, lr):
    from theory.attention_svm import excess_loss, max_margin
    from theory.softmax import off_target_mass

    rec, n_rec, diverged, diverged_at, saturated_at, W = out
    opt = np.argmax(y[:, None] * (X @ v), axis=1)
    W_f = max_margin(X, z, opt, "fro")
    W_n = max_margin(X, z, opt, "nuc")
    states = rec[:n_rec]
    hist = AttentionHistory(
        steps=np.zeros(0, np.int64),
        corr_fro=np.array([_corr(Wk, W_f) for Wk in states]),
        corr_nuc=np.array([_corr(Wk, W_n) for Wk in states]),
        excess_loss=np.array([excess_loss(Wk, X, z, y, v, opt) for Wk in states]),
        norm=np.array([float(np.linalg.norm(Wk)) for Wk in states]),
        max_off_attention=np.array([float(np.max(off_target_mass(np.einsum("itd,de,ie->it", X, Wk, z), opt)))
                                    for Wk in states]))
    sel = np.argmax(np.einsum("itd,de,ie->it", X, W, z), axis=1)
    return hist, AttentionRun(W=np.asarray(W), history=hist, selection=sel, diverged=bool(diverged),
                              diverged_at=int(diverged_at), saturated_at=int(saturated_at), optimizer=optimizer,
                              lr=float(lr), W_mm_fro=W_f, W_mm_nuc=W_n)


def _run(core, X, z, y, v, lr, steps, W0, checkpoints, method, optimizer):
    X, z, y, v, g, opt, lr, steps, cp = _inputs(X, z, y, v, lr, steps, checkpoints)
    d = X.shape[2]
    W0 = np.zeros((d, d)) if W0 is None else np.ascontiguousarray(as_finite_array(W0, "W0", shape=(d, d)))
    empty = np.zeros((d, 1))
    out = core(X, z, g, opt, W0, empty, empty, lr, method, steps, cp)
    hist, run = _finish(X, z, y, v, out, optimizer, lr)
    import dataclasses
    hist = dataclasses.replace(hist, steps=cp[:out[1]].copy())
    return dataclasses.replace(run, history=hist)


def _case_data():
    from theory.attention_svm import random_instance

    data = random_instance(4, 5, 8, seed=1)
    return data.X, data.z, data.y, data.v


def _cases(lr_default):
    def make(lr, steps):
        def case():
            X, z, y, v = _case_data()
            return (X, z, y, v, lr, steps), {}
        return case
    # lr = 1e308: the first update overflows W (diverging case)
    return {"default": make(lr_default, 200), "diverging": make(1e308, 5)}


def _diverged(result) -> np.ndarray:
    return np.asarray([result.diverged])


@simulation("attention_svm", backends={"numba": _train_kernel, "numpy": _train_numpy}, cases=_cases(0.5),
            diverged=_diverged)
def gradient_descent(core, X, z, y, v, lr, steps, W0=None, checkpoints=None) -> AttentionRun:
    r"""Full-batch gradient descent on $W$ for one-layer softmax attention (numba kernel).

    $W_{k+1} = W_k - \eta\nabla\mathcal L(W_k)$ with the logistic loss and the cancellation-free
    gradient (docs/attention_svm.md#cancellation-free-gradients). Its direction approaches
    $W^{mm}_F$ only logarithmically (Tarzanagh et al. 2023; Vasudeva et al. 2024).

    Parameters
    ----------
    X : array_like, shape (n, T, d)
        Tokens.
    z : array_like, shape (n, d)
        Queries.
    y : array_like, shape (n,)
        Labels $\pm 1$.
    v : array_like, shape (d,)
        Fixed linear head.
    lr : float
        Step size $\eta > 0$.
    steps : int
        Number of updates (>= 0).
    W0 : array_like, shape (d, d), optional
        Initial $W$ (default zero).
    checkpoints : array_like of int, optional
        Strictly increasing steps in [0, ``steps``] to record (default: about 40 log-spaced).

    Returns
    -------
    AttentionRun
    """
    return _run(core, X, z, y, v, lr, steps, W0, checkpoints, GD, "gd")


@simulation("attention_svm", backends={"numba": _train_kernel, "numpy": _train_numpy}, cases=_cases(0.1),
            diverged=_diverged)
def normalized_gradient_descent(core, X, z, y, v, lr, steps, W0=None, checkpoints=None) -> AttentionRun:
    r"""Normalised gradient descent on $W$: $W_{k+1} = W_k - \eta\,\nabla\mathcal L(W_k)/\|\nabla\mathcal L(W_k)\|_F$.

    Vasudeva et al. (2024): NGD's direction approaches $W^{mm}_F$ at a finite-time rate, far
    faster than plain GD. The gradient is cancellation-free
    (docs/attention_svm.md#cancellation-free-gradients), so the direction does not drift once the
    softmax saturates; the run stops (``saturated_at``) when the off-top attention underflows.

    Parameters
    ----------
    X : array_like, shape (n, T, d)
        Tokens.
    z : array_like, shape (n, d)
        Queries.
    y : array_like, shape (n,)
        Labels $\pm 1$.
    v : array_like, shape (d,)
        Fixed linear head.
    lr : float
        Step length $\eta > 0$ ($\|W_{k+1} - W_k\|_F = \eta$).
    steps : int
        Number of updates (>= 0).
    W0 : array_like, shape (d, d), optional
        Initial $W$ (default zero).
    checkpoints : array_like of int, optional
        Strictly increasing steps in [0, ``steps``] to record (default: about 40 log-spaced).

    Returns
    -------
    AttentionRun
    """
    return _run(core, X, z, y, v, lr, steps, W0, checkpoints, NGD, "ngd")


@simulation("attention_svm", backends={"numba": _train_kernel, "numpy": _train_numpy}, cases=_cases(1.0),
            diverged=_diverged)
def polyak_gradient_descent(core, X, z, y, v, lr, steps, W0=None, checkpoints=None) -> AttentionRun:
    r"""Gradient descent on $W$ with Polyak steps: $W_{k+1} = W_k - c\,\frac{\mathcal L(W_k) - \mathcal L^\star}{\|\nabla\mathcal L(W_k)\|_F^2}\nabla\mathcal L(W_k)$.

    Vasudeva et al. (2024) analyse Polyak step sizes for self-attention; here
    $\mathcal L^\star = \frac1n\sum_i\ell(\gamma_{i,\mathrm{opt}_i})$ is the infimum of the loss (attention on the
    optimal tokens), and $\mathcal L - \mathcal L^\star$ is the cancellation-free excess loss (our reading of
    the step: **to confirm** against the paper's definition of the optimal value). The quotient is
    formed as $(E/\|G\|)/\|G\|$ so that no square underflows.

    Parameters
    ----------
    X : array_like, shape (n, T, d)
        Tokens.
    z : array_like, shape (n, d)
        Queries.
    y : array_like, shape (n,)
        Labels $\pm 1$.
    v : array_like, shape (d,)
        Fixed linear head.
    lr : float
        The factor $c > 0$ of the Polyak step (1 is the classical step).
    steps : int
        Number of updates (>= 0).
    W0 : array_like, shape (d, d), optional
        Initial $W$ (default zero).
    checkpoints : array_like of int, optional
        Strictly increasing steps in [0, ``steps``] to record (default: about 40 log-spaced).

    Returns
    -------
    AttentionRun
    """
    return _run(core, X, z, y, v, lr, steps, W0, checkpoints, POLYAK, "polyak")


def _kq_cases():
    def make(lr, steps):
        def case():
            X, z, y, v = _case_data()
            return (X, z, y, v, lr, steps), {"seed": 0}
        return case
    return {"default": make(0.05, 200), "diverging": make(1e308, 5)}


@simulation("attention_svm", backends={"numba": _train_kernel, "numpy": _train_numpy}, cases=_kq_cases(),
            diverged=_diverged)
def kq_gradient_descent(core, X, z, y, v, lr, steps, m=None, init_scale=1e-3, normalized=True, seed=0,
                        checkpoints=None) -> AttentionRun:
    r"""Gradient descent on the factors of $W = KQ^\top$ (Tarzanagh et al. 2023, (K, Q) parameterisation).

    $\nabla_K = \nabla\mathcal L(W)\,Q$, $\nabla_Q = \nabla\mathcal L(W)^\top K$; with ``normalized``
    each factor moves by $\eta$ along its own normalised gradient. Small random initialisation
    $K_0, Q_0 \sim$ ``init_scale``$\cdot N(0, 1)$. The limit direction leans towards $W^{mm}_\star$, but
    single runs are not reliable (some lock onto a lower-rank direction): a demo, measured only as
    statistics over seeds (docs/attention_svm.md#gradient-descent).

    Parameters
    ----------
    X : array_like, shape (n, T, d)
        Tokens.
    z : array_like, shape (n, d)
        Queries.
    y : array_like, shape (n,)
        Labels $\pm 1$.
    v : array_like, shape (d,)
        Fixed linear head.
    lr : float
        Step size $\eta > 0$.
    steps : int
        Number of updates (>= 0).
    m : int, optional
        Inner dimension of the factors (default d; the nuclear identity needs m >= d).
    init_scale : float, default 1e-3
        Standard deviation of the initial factors.
    normalized : bool, default True
        Per-factor normalised steps.
    seed : int, default 0
        Seed of the initial factors.
    checkpoints : array_like of int, optional
        Strictly increasing steps in [0, ``steps``] to record (default: about 40 log-spaced).

    Returns
    -------
    AttentionRun
    """
    X, z, y, v, g, opt, lr, steps, cp = _inputs(X, z, y, v, lr, steps, checkpoints)
    d = X.shape[2]
    m = d if m is None else as_count(m, "m", maximum=10**4)
    scale = as_positive_scalar(init_scale, "init_scale")
    normalized = as_bool(normalized, "normalized")
    rng = np.random.default_rng(as_seed(seed))
    K0 = np.ascontiguousarray(scale * rng.standard_normal((d, m)))
    Q0 = np.ascontiguousarray(scale * rng.standard_normal((d, m)))
    with np.errstate(over="ignore", invalid="ignore"):
        W0 = K0 @ Q0.T
        start = np.einsum("itd,de,ie->it", X, W0, z)
    if not (np.all(np.isfinite(W0)) and np.all(np.abs(start) <= 1e300)):
        raise ValueError(f"init_scale = {scale:g} makes the initial W = K0 Q0^T or its logits overflow float64; "
                         "use a smaller init_scale")
    method = KQ_NGD if normalized else KQ_GD
    out = core(X, z, g, opt, np.zeros((d, d)), K0, Q0, lr, method, steps, cp)
    hist, run = _finish(X, z, y, v, out, "kq_ngd" if normalized else "kq_gd", lr)
    import dataclasses
    hist = dataclasses.replace(hist, steps=cp[:out[1]].copy())
    return dataclasses.replace(run, history=hist)


gradient_descent_reference = gradient_descent.reference
"""The NumPy oracle of :func:`gradient_descent`: same arguments (no ``backend``), same result bit for bit."""

normalized_gradient_descent_reference = normalized_gradient_descent.reference
"""The NumPy oracle of :func:`normalized_gradient_descent`: same arguments, same result bit for bit."""

kq_gradient_descent_reference = kq_gradient_descent.reference
"""The NumPy oracle of :func:`kq_gradient_descent`: same arguments, same result bit for bit."""

polyak_gradient_descent_reference = polyak_gradient_descent.reference
"""The NumPy oracle of :func:`kq_gradient_descent`: same arguments, same result bit for bit."""
