"""Full-batch gradient descent for shallow (leaky-)ReLU networks: numba kernel and NumPy reference.

Shallow ReLU / leaky-ReLU network f(x) = Σ_k a_k σ(w_kᵀx) from Kunin et al. (2024),
arXiv 2406.06158 (docs/lazy_rich.md#relu-networks; the Fig. 1 settings of docs/lazy_rich.md#figure-settings at small size): :func:`gradient_descent_relu`,
oracle :func:`gradient_descent_relu_reference`, result :class:`ReluGradientDescentResult`.
Input validation is shared with the single-neuron kernel in ``_gd``.

Each simulates C independent chains (a grid of initialisations, rates fixed), with one data set
shared by all chains or one per chain. Conventions (DESIGN.md): ``@njit(cache=True)``, no
fastmath; the time loop is outer and the chain loop inner; the kernel has a plain-NumPy
reference, vectorised over chains, that performs the same floating-point operations in the
same order, so the two agree to roundoff. GD is deterministic, so no random-number state is
involved.

Divergence is a result: after each update the chain's squared norm Σ_k a_k² + ‖W‖² (all
layers) is compared with ``max_norm²``; a chain whose new state is non-finite or too large is
frozen at its last valid state, flagged ``diverged`` and stamped with the step that would have
produced the invalid state. No NaN or inf leaves these functions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from theory.summary import compact_repr
from theory.validate import as_finite_array, as_finite_scalar, as_positive_scalar

from .._chains import as_count, as_norm_bound, broadcast_chains, check_records, record_schedule
from .._kernels import simulation
from ._flow import _loss_scale

__all__ = [
    "ReluGradientDescentResult",
    "gradient_descent_relu",
    "gradient_descent_relu_reference",
]


# --------------------------------------------------------------------------------------------
# shallow ReLU / leaky-ReLU network
# --------------------------------------------------------------------------------------------

@compact_repr
@dataclass(frozen=True)
class ReluGradientDescentResult:
    r"""Full-batch GD trajectories of C independent shallow (leaky-)ReLU networks.

    Attributes
    ----------
    steps : ndarray of int64, shape (R,)
        Recorded step indices.
    t : ndarray of shape (R,)
        ``steps·lr``.
    a : ndarray of shape (C, R, m)
        Readout weights.
    W : ndarray of shape (C, R, m, d)
        First-layer weights (row k is $w_k$).
    delta : ndarray of shape (C, R, m)
        Per-neuron $\delta_k = \eta_w a_k^2 - \eta_a\|w_k\|^2$.
    train_loss : ndarray of shape (C, R)
        Training loss at the recorded states ((1/n)Σr² for "mean", ½Σr² for "sum").
    diverged : ndarray of bool, shape (C,)
    diverged_at : ndarray of int64, shape (C,)
        As in :class:`GradientDescentResult`.
    lr, eta_a, eta_w, leak : float
    loss : str
    """

    steps: np.ndarray
    t: np.ndarray
    a: np.ndarray
    W: np.ndarray
    delta: np.ndarray
    train_loss: np.ndarray
    diverged: np.ndarray
    diverged_at: np.ndarray
    lr: float
    eta_a: float
    eta_w: float
    leak: float
    loss: str


@njit(cache=True)
def _gd_relu_kernel(X, y, x_idx, y_idx, a0, W0, leak, ha, hw, scale, n_steps, record_steps,
                    bound2):
    """Shallow leaky-ReLU GD, time outer / chains inner.

    X: (Sx, n, d), y: (Sy, n); chain c uses X[x_idx[c]], y[y_idx[c]]. ``scale`` is the
    gradient factor c (2/n mean, 1 sum); the loss is (c/2)Σr².
    """
    C, m = a0.shape
    d = W0.shape[2]
    n = X.shape[1]
    R = record_steps.shape[0]
    a = a0.copy()
    W = W0.copy()
    a_rec = np.empty((C, R, m))
    W_rec = np.empty((C, R, m, d))
    loss_rec = np.empty((C, R))
    diverged = np.zeros(C, dtype=np.bool_)
    diverged_at = np.full(C, -1, dtype=np.int64)
    Z = np.empty((n, m))
    res = np.empty(n)
    ga = np.empty(m)
    gW = np.empty((m, d))
    a_new = np.empty(m)
    W_new = np.empty((m, d))
    r = 0
    for s in range(n_steps + 1):
        record = r < R and record_steps[r] == s
        if not record and s == n_steps:
            break
        for c in range(C):
            if record:
                for k in range(m):
                    a_rec[c, r, k] = a[c, k]
                    for j in range(d):
                        W_rec[c, r, k, j] = W[c, k, j]
            if s == n_steps or diverged[c]:
                if not record:
                    continue
            xi = x_idx[c]
            yi = y_idx[c]
            # forward: z_ik = Σ_j x_ij w_kj (ascending j), f_i = Σ_k a_k σ(z_ik) (ascending k)
            for i in range(n):
                f = 0.0
                for k in range(m):
                    z = 0.0
                    for j in range(d):
                        z += X[xi, i, j] * W[c, k, j]
                    Z[i, k] = z
                    f += a[c, k] * (z if z > 0 else leak * z)
                res[i] = f - y[yi, i]
            if record:
                ss = 0.0
                for i in range(n):
                    ss += res[i] * res[i]
                loss_rec[c, r] = 0.5 * scale * ss
            if s == n_steps or diverged[c]:
                continue
            # backward: ∂L/∂a_k = c Σ_i r_i σ(z_ik); ∂L/∂w_k = (c a_k) Σ_i r_i σ′(z_ik) x_i
            for k in range(m):
                acc = 0.0
                for j in range(d):
                    gW[k, j] = 0.0
                for i in range(n):
                    z = Z[i, k]
                    acc += res[i] * (z if z > 0 else leak * z)
                    u = res[i] * (1.0 if z > 0 else leak)
                    for j in range(d):
                        gW[k, j] += u * X[xi, i, j]
                ga[k] = scale * acc
                cak = scale * a[c, k]
                for j in range(d):
                    gW[k, j] = cak * gW[k, j]
            norm2 = 0.0
            for k in range(m):
                a_new[k] = a[c, k] - ha * ga[k]
                norm2 += a_new[k] * a_new[k]
            for k in range(m):
                for j in range(d):
                    W_new[k, j] = W[c, k, j] - hw * gW[k, j]
                    norm2 += W_new[k, j] * W_new[k, j]
            if not (norm2 <= bound2):
                diverged[c] = True
                diverged_at[c] = s + 1
            else:
                for k in range(m):
                    a[c, k] = a_new[k]
                    for j in range(d):
                        W[c, k, j] = W_new[k, j]
        if record:
            r += 1
    return a_rec, W_rec, loss_rec, diverged, diverged_at


def _gd_relu_numpy(X, y, x_idx, y_idx, a0, W0, leak, ha, hw, scale, n_steps, record_steps,
                   bound2):
    """Plain-NumPy twin of ``_gd_relu_kernel``, vectorised over chains.

    Sums run over the same index in the same ascending order as the kernel (Python loops over
    j, k, i), so forward and backward passes agree to roundoff; only the norm used for the
    divergence test is a NumPy reduction (it affects nothing but the flag at the threshold).
    """
    C, m = a0.shape
    d = W0.shape[2]
    n = X.shape[1]
    R = record_steps.shape[0]
    Xc = X[x_idx]                                    # (C, n, d)
    yc = y[y_idx]                                    # (C, n)
    a = a0.copy()
    W = W0.copy()
    a_rec = np.empty((C, R, m))
    W_rec = np.empty((C, R, m, d))
    loss_rec = np.empty((C, R))
    diverged = np.zeros(C, dtype=bool)
    diverged_at = np.full(C, -1, dtype=np.int64)
    r = 0
    with np.errstate(over="ignore", invalid="ignore"):
        for s in range(n_steps + 1):
            record = r < R and record_steps[r] == s
            if not record and s == n_steps:
                break
            if record:
                a_rec[:, r] = a
                W_rec[:, r] = W
            Z = np.zeros((C, n, m))
            for j in range(d):
                Z = Z + Xc[:, :, None, j] * W[:, None, :, j]
            pos = Z > 0
            S = np.where(pos, Z, leak * Z)
            f = np.zeros((C, n))
            for k in range(m):
                f = f + a[:, None, k] * S[:, :, k]
            res = f - yc
            if record:
                ss = np.zeros(C)
                for i in range(n):
                    ss = ss + res[:, i] * res[:, i]
                loss_rec[:, r] = 0.5 * scale * ss
                r += 1
            if s == n_steps:
                break
            Dv = np.where(pos, 1.0, leak)
            acc = np.zeros((C, m))
            gW = np.zeros((C, m, d))
            for i in range(n):
                acc = acc + res[:, None, i] * S[:, i, :]
                u = res[:, None, i] * Dv[:, i, :]                    # (C, m)
                gW = gW + u[:, :, None] * Xc[:, i, None, :]
            ga = scale * acc
            gW = (scale * a)[:, :, None] * gW
            a_new = a - ha * ga
            W_new = W - hw * gW
            norm2 = np.sum(a_new * a_new, axis=1) + np.sum(W_new * W_new, axis=(1, 2))
            live = ~diverged
            bad = live & ~(norm2 <= bound2)
            ok = live & ~bad
            diverged[bad] = True
            diverged_at[bad] = s + 1
            a[ok] = a_new[ok]
            W[ok] = W_new[ok]
    return a_rec, W_rec, loss_rec, diverged, diverged_at


def _dataset(arr, name, core, C):
    """Return (stacked data with a leading dataset axis, per-chain index)."""
    if arr.ndim == core:
        return np.ascontiguousarray(arr[None]), np.zeros(C, dtype=np.int64)
    if arr.shape[0] != C:
        raise ValueError(f"{name} with a leading chain axis must have C = {C} entries; "
                         f"got shape {arr.shape}")
    return np.ascontiguousarray(arr), np.arange(C, dtype=np.int64)


def _relu_case(lr, n_steps, leak=0.0, eta_a=1.0, eta_w=1.0, loss="mean"):
    """Cases for the common kernel tests: 5 chains, n = 12 samples, m = 6 neurons, d = 3."""
    def case():
        rng = np.random.default_rng(0)
        X, y = rng.standard_normal((12, 3)), rng.standard_normal(12)
        a0, W0 = rng.standard_normal((5, 6)), rng.standard_normal((5, 6, 3))
        return (X, y, a0, W0, lr, n_steps), dict(leak=leak, eta_a=eta_a, eta_w=eta_w,
                                                 record_every=7, loss=loss)
    return case


# lr = 0.01 keeps every chain stable (checked by the common tests); lr = 50 throws all out
_RELU_CASES = {
    "default": _relu_case(0.01, 200),
    "leaky_rates": _relu_case(0.01, 200, leak=0.25, eta_a=1.8, eta_w=0.5),
    "sum_loss": _relu_case(0.01, 200, leak=0.1, eta_a=0.6, eta_w=1.3, loss="sum"),
    "diverging": _relu_case(50.0, 100),
}


@simulation("lazy_rich", backends={"numba": _gd_relu_kernel, "numpy": _gd_relu_numpy},
            cases=_RELU_CASES)
def gradient_descent_relu(core, X, y, a0, W0, lr, n_steps, leak=0.0, eta_a=1.0, eta_w=1.0,
                          record_every=None, record_steps=None, loss="mean",
                          max_norm=1e50) -> ReluGradientDescentResult:
    r"""Full-batch GD of shallow (leaky-)ReLU networks $f(x) = \sum_k a_k \sigma(w_k^\top x)$, many chains.

    σ(z) = max(z, γz), σ′(z) = 1 for z > 0 and γ for z ≤ 0. With residuals $r_i = f(x_i) - y_i$
    and c = 2/n (mean loss) or 1 (sum loss), both layers update from the same old state:

    $$a_k \leftarrow a_k - h\eta_a c \sum_i r_i \sigma(w_k^\top x_i), \qquad
    w_k \leftarrow w_k - h\eta_w c\, a_k \sum_i r_i \sigma'(w_k^\top x_i)\, x_i.$$

    Since zσ′(z) = σ(z), $a_k \partial_{a_k}L = w_k^\top\partial_{w_k}L$ and each $\delta_k = \eta_w a_k^2 - \eta_a\|w_k\|^2$
    changes per step by exactly $h^2\eta_a\eta_w(\eta_a(\partial_{a_k}L)^2 - \eta_w\|\partial_{w_k}L\|^2)$ (docs/lazy_rich.md#numerics-and-tolerances).
    A chain-step costs O(nmd). numba kernel, time outer / chains inner; deterministic.

    Parameters
    ----------
    X : array of shape (n, d) or (C, n, d)
        Training inputs, shared by all chains or one data set per chain (e.g. per seed).
    y : array of shape (n,) or (C, n)
        Targets, shared or per chain.
    a0 : array of shape (m,) or (C, m)
        Initial readout weights.
    W0 : array of shape (m, d) or (C, m, d)
        Initial first-layer weights (row k is $w_k$); broadcast against ``a0`` to C chains.
    lr : float
        Step size h > 0.
    n_steps : int
        Number of updates (≥ 0).
    leak : float, default 0.0
        Negative-side slope γ ∈ [0, 1] of σ(z) = max(z, γz).
    eta_a, eta_w : float, default 1.0
        Layer learning rates (> 0).
    record_every : int, optional
        Record every k-th step plus the last (default ``ceil(n_steps/1000)``).
    record_steps : array of int, optional
        Explicit strictly increasing step indices in [0, ``n_steps``] (e.g. 0, 10, 100, ...).
    loss : {"mean", "sum"}, default "mean"
        (1/n)Σr² (as in the paper's ReLU experiments) or ½Σr².
    max_norm : float, default 1e50
        Divergence threshold on ‖(a, W)‖ (at most 1e150).

    Returns
    -------
    ReluGradientDescentResult
        ``steps``, ``t``, ``a`` (C, R, m), ``W`` (C, R, m, d), ``delta`` (C, R, m),
        ``train_loss`` (C, R), ``diverged`` (C,), ``diverged_at`` (C,).

    Raises
    ------
    ValueError
        Naming the argument on invalid input.

    References
    ----------
    Kunin et al. (2024), arXiv 2406.06158, §5 (docs/lazy_rich.md#relu-networks, docs/lazy_rich.md#figure-settings).
    """
    X = as_finite_array(X, "X", ndim=(2, 3))
    n, d = X.shape[-2:]
    if n == 0 or d == 0:
        raise ValueError(f"X must have at least one sample and one feature; got shape {X.shape}")
    y = as_finite_array(y, "y", ndim=(1, 2))
    if y.shape[-1] != n:
        raise ValueError(f"y must have last axis of length n = {n} (samples of X); got shape {y.shape}")
    a0 = as_finite_array(a0, "a0", ndim=(1, 2))
    W0 = as_finite_array(W0, "W0", ndim=(2, 3))
    m = a0.shape[-1]
    if m == 0:
        raise ValueError("a0 must have at least one neuron")
    if W0.shape[-2:] != (m, d):
        raise ValueError(f"W0 must end in shape (m, d) = ({m}, {d}); got shape {W0.shape}")
    a0c, W0c = broadcast_chains(a0, W0, "a0", "W0", 1, 2)
    C = a0c.shape[0]
    Xs, x_idx = _dataset(X, "X", 2, C)
    ys, y_idx = _dataset(y, "y", 1, C)
    lr = as_positive_scalar(lr, "lr")
    n_steps = as_count(n_steps, "n_steps", 0)
    leak = as_finite_scalar(leak, "leak")
    if not 0.0 <= leak <= 1.0:
        raise ValueError(f"leak must be in [0, 1] (σ(z) = max(z, leak·z)); got {leak}")
    eta_a = as_positive_scalar(eta_a, "eta_a")
    eta_w = as_positive_scalar(eta_w, "eta_w")
    steps = record_schedule(n_steps, record_every, record_steps)
    check_records(n_steps, steps.size, a0c.shape[0], a0c.shape[-1] * (d + 1), a0c.shape[-1] * n * d)
    max_norm = as_norm_bound(max_norm)
    c = _loss_scale(loss, n)
    a, W, train_loss, diverged, diverged_at = core(
        Xs, ys, x_idx, y_idx, a0c, W0c, leak, lr * eta_a, lr * eta_w, c, n_steps, steps,
        max_norm * max_norm)
    return ReluGradientDescentResult(
        steps=steps, t=steps * lr, a=a, W=W,
        delta=eta_w * a**2 - eta_a * np.sum(W**2, axis=3), train_loss=train_loss,
        diverged=diverged, diverged_at=diverged_at, lr=lr, eta_a=eta_a, eta_w=eta_w, leak=leak,
        loss=loss)


gradient_descent_relu_reference = gradient_descent_relu.reference
"""The NumPy oracle of :func:`gradient_descent_relu`: same arguments (no ``backend``), same result bit for bit."""
