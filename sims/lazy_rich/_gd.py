"""Full-batch gradient descent for the single neuron: numba kernel, NumPy reference, validation.

Single neuron f(x) = a·wᵀx with general X from Kunin et al. (2024), arXiv 2406.06158
(docs/lazy_rich.md#numerics-and-tolerances): :func:`gradient_descent`, oracle :func:`gradient_descent_reference`. The
shallow (leaky-)ReLU network is in ``_gd_relu``, which shares the validation helpers of this
module's loss scale; step counts, record schedules, divergence bounds and chain broadcasting
come from ``sims._chains``.

Each simulates C independent chains (a grid of initialisations, rates fixed) with the same
data. Conventions (DESIGN.md): ``@njit(cache=True)``, no fastmath; the time loop is outer and
the chain loop inner; every kernel has a plain-NumPy reference, vectorised over chains, that
performs the same floating-point operations in the same order, so the two agree to roundoff
(in practice bit for bit). GD is deterministic, so no random-number state is involved.

Divergence is a result: after each update the chain's squared norm a² + ‖w‖² is compared with
``max_norm²``; a chain whose new state is non-finite or too large is frozen at its last valid
state, flagged ``diverged`` and stamped with the step that would have produced the invalid
state. No NaN or inf leaves these functions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from theory.summary import compact_repr
from theory.validate import as_finite_array, as_positive_scalar

from .._chains import as_count, as_norm_bound, broadcast_chains, check_records, record_schedule
from .._kernels import simulation
from ._flow import _loss_scale

__all__ = [
    "GradientDescentResult",
    "gradient_descent",
    "gradient_descent_reference",
]


# --------------------------------------------------------------------------------------------
# single neuron
# --------------------------------------------------------------------------------------------

@compact_repr
@dataclass(frozen=True)
class GradientDescentResult:
    r"""Full-batch GD trajectories of C independent single-neuron chains.

    Attributes
    ----------
    steps : ndarray of int64, shape (R,)
        Recorded step indices (state after that many updates; 0 is the initialisation).
    t : ndarray of shape (R,)
        Matching gradient-flow time ``steps·lr``.
    a : ndarray of shape (C, R)
        Readout weight per chain and record.
    w : ndarray of shape (C, R, d)
        First-layer weights.
    beta : ndarray of shape (C, R, d)
        β = a·w.
    delta : ndarray of shape (C, R)
        $\delta = \eta_w a^2 - \eta_a\|w\|^2$ (drifts by O(lr) under GD; docs/lazy_rich.md#numerics-and-tolerances).
    diverged : ndarray of bool, shape (C,)
        Chain left the finite region ‖(a, w)‖ ≤ ``max_norm``; it is frozen at its last valid state.
    diverged_at : ndarray of int64, shape (C,)
        Step whose update would have produced the invalid state (−1 if never).
    lr, eta_a, eta_w : float
        Step size h and layer learning rates.
    loss : str
        Loss normalisation ("sum" or "mean").
    """

    steps: np.ndarray
    t: np.ndarray
    a: np.ndarray
    w: np.ndarray
    beta: np.ndarray
    delta: np.ndarray
    diverged: np.ndarray
    diverged_at: np.ndarray
    lr: float
    eta_a: float
    eta_w: float
    loss: str


@njit(cache=True)
def _gd_single_kernel(XtX, Xty, a0, w0, ha, hw, n_steps, record_steps, bound2):
    """Single-neuron GD, time outer / chains inner. XtX, Xty already carry the loss scale.

    The state is held chain-contiguous (w as (d, C)) and every elementwise stage runs as an
    inner loop over chains, which LLVM vectorises across chains (about 2x faster than a
    per-chain loop over d). Per chain the floating-point operations and their order are those
    of ``_gd_single_numpy``.
    """
    C = a0.shape[0]
    d = w0.shape[1]
    R = record_steps.shape[0]
    a = a0.copy()
    w = np.ascontiguousarray(w0.T)                   # (d, C)
    a_rec = np.empty((C, R))
    w_rec = np.empty((C, R, d))
    diverged = np.zeros(C, dtype=np.bool_)
    diverged_at = np.full(C, -1, dtype=np.int64)
    beta = np.empty((d, C))
    g = np.empty((d, C))
    w_new = np.empty((d, C))
    p = np.empty(C)
    a_new = np.empty(C)
    hwa = np.empty(C)
    norm2 = np.empty(C)
    r = 0
    for s in range(n_steps + 1):
        if r < R and record_steps[r] == s:
            for c in range(C):
                a_rec[c, r] = a[c]
                for j in range(d):
                    w_rec[c, r, j] = w[j, c]
            r += 1
        if s == n_steps:
            break
        for k in range(d):
            for c in range(C):
                beta[k, c] = a[c] * w[k, c]
        # g = XᵀXβ − Xᵀy, summed over k in ascending order (the reference does the same)
        for j in range(d):
            for c in range(C):
                g[j, c] = 0.0
            for k in range(d):
                xjk = XtX[j, k]
                for c in range(C):
                    g[j, c] += xjk * beta[k, c]
            yj = Xty[j]
            for c in range(C):
                g[j, c] = g[j, c] - yj
        for c in range(C):                           # ∂L/∂a = wᵀg
            p[c] = 0.0
        for j in range(d):
            for c in range(C):
                p[c] += w[j, c] * g[j, c]
        for c in range(C):
            a_new[c] = a[c] - ha * p[c]
            norm2[c] = a_new[c] * a_new[c]
            hwa[c] = hw * a[c]                       # ∂L/∂w = a·g
        for j in range(d):
            for c in range(C):
                w_new[j, c] = w[j, c] - hwa[c] * g[j, c]
                norm2[c] += w_new[j, c] * w_new[j, c]
        # frozen (diverged) chains were computed above but are never committed
        for c in range(C):
            if diverged[c]:
                continue
            if not (norm2[c] <= bound2):             # also true for NaN
                diverged[c] = True
                diverged_at[c] = s + 1
            else:
                a[c] = a_new[c]
                for j in range(d):
                    w[j, c] = w_new[j, c]
    return a_rec, w_rec, diverged, diverged_at


def _gd_single_numpy(XtX, Xty, a0, w0, ha, hw, n_steps, record_steps, bound2):
    """Plain-NumPy twin of ``_gd_single_kernel``: same operations in the same order."""
    C, d = w0.shape
    R = record_steps.shape[0]
    a = a0.copy()
    w = w0.copy()
    a_rec = np.empty((C, R))
    w_rec = np.empty((C, R, d))
    diverged = np.zeros(C, dtype=bool)
    diverged_at = np.full(C, -1, dtype=np.int64)
    r = 0
    with np.errstate(over="ignore", invalid="ignore"):
        for s in range(n_steps + 1):
            if r < R and record_steps[r] == s:
                a_rec[:, r] = a
                w_rec[:, r, :] = w
                r += 1
            if s == n_steps:
                break
            live = ~diverged
            beta = a[:, None] * w
            acc = np.zeros((C, d))
            for k in range(d):                       # ascending k, as in the kernel
                acc = acc + XtX[None, :, k] * beta[:, k:k + 1]
            g = acc - Xty[None, :]
            p = np.zeros(C)
            for j in range(d):
                p = p + w[:, j] * g[:, j]
            a_new = a - ha * p
            w_new = w - (hw * a)[:, None] * g
            norm2 = a_new * a_new
            for j in range(d):
                norm2 = norm2 + w_new[:, j] * w_new[:, j]
            bad = live & ~(norm2 <= bound2)
            ok = live & ~bad
            diverged[bad] = True
            diverged_at[bad] = s + 1
            a[ok] = a_new[ok]
            w[ok] = w_new[ok]
    return a_rec, w_rec, diverged, diverged_at


def _gd_case(lr, n_steps, eta_a=1.0, eta_w=1.0, loss="sum"):
    """Cases for the common kernel tests: 6 chains, n = 6, d = 3, every 7th step recorded."""
    def case():
        rng = np.random.default_rng(0)
        X, y = rng.standard_normal((6, 3)), rng.standard_normal(6)
        a0, w0 = rng.standard_normal(6), rng.standard_normal((6, 3))
        return (X, y, a0, w0, lr, n_steps), dict(eta_a=eta_a, eta_w=eta_w, record_every=7, loss=loss)
    return case


# lr = 0.01 is well inside GD's stability region for these O(1) problems (the common tests
# check that no chain diverges); lr = 1e3 throws every chain out within a few steps
_GD_CASES = {
    "default": _gd_case(0.01, 400),
    "rates": _gd_case(0.01, 400, eta_a=2.0, eta_w=0.4),
    "mean_loss": _gd_case(0.01, 400, eta_a=0.7, eta_w=1.5, loss="mean"),
    "diverging": _gd_case(1e3, 50),
}


@simulation("lazy_rich", backends={"numba": _gd_single_kernel, "numpy": _gd_single_numpy},
            cases=_GD_CASES)
def gradient_descent(core, X, y, a0, w0, lr, n_steps, eta_a=1.0, eta_w=1.0, record_every=None,
                     record_steps=None, loss="sum", max_norm=1e50) -> GradientDescentResult:
    r"""Full-batch GD of the single neuron f(x) = a·wᵀx for many chains (numba kernel).

    With g = c(XᵀXβ − Xᵀy), β = a·w, c = 1 (``loss="sum"``) or 2/n (``loss="mean"``), each
    step updates both layers from the same old state:

    $$a \leftarrow a - h\eta_a w^\top g, \qquad w \leftarrow w - h\eta_w a g.$$

    Unlike gradient flow, $\delta = \eta_w a^2 - \eta_a\|w\|^2$ moves by exactly
    $\Delta\delta = h^2\eta_a\eta_w(\eta_a(\partial_a L)^2 - \eta_w\|\partial_w L\|^2)$ per step (docs/lazy_rich.md#numerics-and-tolerances), an O(h) drift over a fixed
    time horizon. XᵀX and Xᵀy are precomputed, so a chain-step costs O(d²). Deterministic: no
    random state. The loop runs time outer, chains inner; chains are independent.

    Parameters
    ----------
    X : array of shape (n, d)
        Training inputs.
    y : array of shape (n,)
        Targets.
    a0 : float or array of shape (C,)
        Initial readout weight(s).
    w0 : array of shape (d,) or (C, d)
        Initial first-layer weights; broadcast against ``a0`` to C chains (C = 1 if both lack
        the chain axis). The saddle a0 = w0 = 0 is allowed: such a chain stays there.
    lr : float
        Step size h > 0.
    n_steps : int
        Number of updates (≥ 0).
    eta_a, eta_w : float, default 1.0
        Layer learning rates (> 0).
    record_every : int, optional
        Record every k-th step (plus the last). Default: ``ceil(n_steps/1000)``, i.e. about 1000
        records. Memory is C·R·(d+1) floats.
    record_steps : array of int, optional
        Explicit strictly increasing step indices in [0, ``n_steps``] (e.g. log-spaced
        checkpoints); mutually exclusive with ``record_every``.
    loss : {"sum", "mean"}, default "sum"
        L = ½‖Xβ − y‖² or L = (1/n)‖Xβ − y‖² (the latter multiplies gradients by 2/n).
    max_norm : float, default 1e50
        Divergence threshold on ‖(a, w)‖ (at most 1e150).

    Returns
    -------
    GradientDescentResult
        ``steps`` (R,), ``t`` (R,), ``a`` (C, R), ``w`` (C, R, d), ``beta`` (C, R, d),
        ``delta`` (C, R), ``diverged`` (C,), ``diverged_at`` (C,).

    Raises
    ------
    ValueError
        Naming the argument: non-finite or mis-shaped arrays, disagreeing chain counts,
        lr or η ≤ 0, bad ``n_steps`` / record schedule / loss / ``max_norm``.

    References
    ----------
    Kunin, Raventós, Dominé, Chen, Klindt, Saxe, Ganguli (2024), "Get rich quick: exact
    solutions reveal how unbalanced initializations promote rapid feature learning",
    arXiv 2406.06158 (docs/lazy_rich.md#the-model-and-its-conserved-quantity,
    docs/lazy_rich.md#numerics-and-tolerances).
    """
    X = as_finite_array(X, "X", ndim=2)
    n, d = X.shape
    if n == 0 or d == 0:
        raise ValueError(f"X must have at least one row and one column; got shape {X.shape}")
    y = as_finite_array(y, "y", ndim=1, shape=(n,))
    a0 = as_finite_array(a0, "a0", ndim=(0, 1))
    w0 = as_finite_array(w0, "w0", ndim=(1, 2))
    if w0.shape[-1] != d:
        raise ValueError(f"w0 must have last axis of length d = {d} (columns of X); got shape {w0.shape}")
    a0c, w0c = broadcast_chains(a0, w0, "a0", "w0", 0, 1)
    lr = as_positive_scalar(lr, "lr")
    n_steps = as_count(n_steps, "n_steps", 0)
    eta_a = as_positive_scalar(eta_a, "eta_a")
    eta_w = as_positive_scalar(eta_w, "eta_w")
    steps = record_schedule(n_steps, record_every, record_steps)
    check_records(n_steps, steps.size, a0c.shape[0], d, d * d)
    max_norm = as_norm_bound(max_norm)
    c = _loss_scale(loss, n)

    XtX = np.ascontiguousarray(c * (X.T @ X))
    Xty = np.ascontiguousarray(c * (X.T @ y))
    a, w, diverged, diverged_at = core(XtX, Xty, a0c, w0c, lr * eta_a, lr * eta_w, n_steps,
                                       steps, max_norm * max_norm)
    return GradientDescentResult(
        steps=steps, t=steps * lr, a=a, w=w, beta=a[:, :, None] * w,
        delta=eta_w * a**2 - eta_a * np.sum(w**2, axis=2),
        diverged=diverged, diverged_at=diverged_at, lr=lr, eta_a=eta_a, eta_w=eta_w, loss=loss)


gradient_descent_reference = gradient_descent.reference
"""The NumPy oracle of :func:`gradient_descent`: same arguments (no ``backend``), same result bit for bit."""
