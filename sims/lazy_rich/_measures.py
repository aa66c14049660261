"""Lazy/rich measures: NTK Gram matrices, kernel distance, Hamming and parameter distance.

docs/lazy_rich.md#lazy-and-rich-measures (Kunin et al. 2024, arXiv 2406.06158; kernel distance of Fort et al. 2020,
arXiv 2010.15110). Every function accepts an optional leading time axis on the "current"
state and is vectorised over it. float64 throughout (float32 features make S(0, 0) < 0).
"""

from __future__ import annotations

import numpy as np

from theory.validate import as_bool, as_finite_array, as_finite_scalar, as_positive_scalar, guard_numerics

__all__ = [
    "hamming_distance",
    "kernel_distance_from_grams",
    "ntk_gram",
    "parameter_distance",
    "relu_ntk_gram",
]


def _rates(eta_a, eta_w):
    return as_positive_scalar(eta_a, "eta_a"), as_positive_scalar(eta_w, "eta_w")


def _time_axis(x, name, core_ndim):
    """True if ``x`` carries one leading time axis beyond its core ndim; error otherwise."""
    if x.ndim == core_ndim:
        return False
    if x.ndim == core_ndim + 1:
        return True
    raise ValueError(f"{name} must have ndim {core_ndim} or {core_ndim + 1} (leading time axis); "
                     f"got shape {x.shape}")


@guard_numerics
def ntk_gram(X, a, w, weighted=False, eta_a=1.0, eta_w=1.0):
    r"""Neural tangent kernel Gram matrix of the single neuron f(x) = a·wᵀx on the inputs X.

    Plain parameter NTK (J = [Xw, aX], the Jacobian of f(X) in (a, w)):

    $$K = J J^\top = a^2 XX^\top + (Xw)(Xw)^\top.$$

    Rate-weighted NTK, the kernel that drives ḟ = −K(f − y) under layer rates:

    $$K = J \operatorname{diag}(\eta_a, \eta_w I) J^\top = X M X^\top = \eta_w a^2 XX^\top + \eta_a (Xw)(Xw)^\top,$$

    with $M = \eta_w a^2 I + \eta_a ww^\top$ (docs/lazy_rich.md#function-space-metric-and-ntk). The two coincide at $\eta_a = \eta_w = 1$.

    Parameters
    ----------
    X : array of shape (n, d)
    a : float or array of shape (T,)
        Readout weight, optionally along a time axis.
    w : array of shape (d,) or (T, d)
        First-layer weights; must carry the time axis iff ``a`` does.
    weighted : bool, default False
        Return the rate-weighted kernel X M Xᵀ instead of JJᵀ.
    eta_a, eta_w : float, default 1.0
        Layer learning rates (> 0), used only when ``weighted``.

    Returns
    -------
    ndarray of shape (n, n) or (T, n, n)

    References
    ----------
    Kunin et al. (2024), arXiv 2406.06158 (docs/lazy_rich.md#function-space-metric-and-ntk).
    """
    X = as_finite_array(X, "X", ndim=2)
    d = X.shape[1]
    a = as_finite_array(a, "a", ndim=(0, 1))
    w = as_finite_array(w, "w", ndim=(1, 2))
    if w.shape[-1] != d:
        raise ValueError(f"w must have last axis of length d = {d} (columns of X); got shape {w.shape}")
    if (a.ndim == 1) != (w.ndim == 2) or (a.ndim == 1 and a.shape[0] != w.shape[0]):
        raise ValueError(f"a of shape {a.shape} and w of shape {w.shape} must share the time axis "
                         "(a: () with w: (d,), or a: (T,) with w: (T, d))")
    rates = _rates(eta_a, eta_w)        # validated even when unused: a bad rate is a bad call
    ca, cw = rates if as_bool(weighted, "weighted") else (1.0, 1.0)
    XX = X @ X.T
    Xw = w @ X.T                                             # (n,) or (T, n)
    return (cw * a**2)[..., None, None] * XX + ca * Xw[..., :, None] * Xw[..., None, :]


@guard_numerics(nan_ok=True)           # NaN documented: Kt = 0 has no direction
def kernel_distance_from_grams(K0, Kt):
    r"""Kernel distance S = 1 − ⟨K0, Kt⟩_F / (‖K0‖_F ‖Kt‖_F) (Fort et al. 2020).

    Evaluated as S = ½‖K0/‖K0‖_F − Kt/‖Kt‖_F‖_F², which is the same number for unit-norm
    matrices but has no cancellation near S = 0: it is exactly 0 for Kt = K0, never negative,
    and invariant to scaling either Gram matrix by a positive constant. Range [0, 2]; [0, 1]
    for positive semi-definite Grams.

    Parameters
    ----------
    K0 : array of shape (n, n)
        Reference Gram matrix (usually at t = 0); must be nonzero.
    Kt : array of shape (n, n) or (T, n, n)
        Gram matrices to compare. A zero Kt gives NaN (the distance is undefined there).

    Returns
    -------
    float or ndarray of shape (T,)

    References
    ----------
    Fort, Dziugaite, Paul, Kharaghani, Roy, Ganguli (2020), "Deep learning versus kernel
    learning: an empirical study of loss landscape geometry and the time evolution of the
    Neural Tangent Kernel", arXiv 2010.15110. docs/lazy_rich.md#lazy-and-rich-measures.
    """
    K0 = as_finite_array(K0, "K0", ndim=2)
    n = K0.shape[0]
    if K0.shape != (n, n) or n == 0:
        raise ValueError(f"K0 must be a non-empty square matrix; got shape {K0.shape}")
    Kt = as_finite_array(Kt, "Kt", ndim=(2, 3))
    if Kt.shape[-2:] != (n, n):
        raise ValueError(f"Kt must end in shape ({n}, {n}) like K0; got shape {Kt.shape}")
    # one code path for both norms, so that Kt == K0 gives exactly S = 0
    n0 = float(np.sqrt(np.sum(K0 * K0, axis=(-2, -1))))
    if n0 == 0:
        raise ValueError("K0 must be nonzero (the kernel distance is undefined for a zero kernel)")
    nt = np.sqrt(np.sum(Kt * Kt, axis=(-2, -1)))
    safe = np.where(nt > 0, nt, 1.0)
    diff = K0 / n0 - Kt / safe[..., None, None]
    S = 0.5 * np.sum(diff * diff, axis=(-2, -1))
    S = np.where(nt > 0, S, np.nan)
    return float(S) if S.ndim == 0 else S


def _leak(leak):
    leak = as_finite_scalar(leak, "leak")
    if not 0.0 <= leak <= 1.0:
        raise ValueError(f"leak must be in [0, 1] (σ(z) = max(z, leak·z)); got {leak}")
    return leak


@guard_numerics
def relu_ntk_gram(X, a, W, leak=0.0, weighted=False, eta_a=1.0, eta_w=1.0):
    r"""NTK Gram matrix of the shallow (leaky-)ReLU network $f(x) = \sum_k a_k \sigma(w_k^\top x)$.

    With $\partial f/\partial a_k = \sigma(w_k^\top x)$ and $\partial f/\partial w_k = a_k \sigma'(w_k^\top x)\, x$
    (σ′(z) = 1 for z > 0, γ otherwise), $S_{ik} = \sigma(w_k^\top x_i)$, $D_{ik} = \sigma'(w_k^\top x_i)$:

    $$K = \eta_a S S^\top + \eta_w (XX^\top) \odot (D \operatorname{diag}(a^2) D^\top),$$

    with $\eta_a = \eta_w = 1$ for the plain kernel $JJ^\top$ (``weighted=False``) (docs/lazy_rich.md#lazy-and-rich-measures).

    Parameters
    ----------
    X : array of shape (n, d)
    a : array of shape (m,) or (T, m)
    W : array of shape (m, d) or (T, m, d)
        Must carry the time axis iff ``a`` does.
    leak : float, default 0.0
        Negative-side slope γ ∈ [0, 1].
    weighted : bool, default False
        Rate-weighted kernel J diag(η) Jᵀ instead of JJᵀ.
    eta_a, eta_w : float, default 1.0
        Layer learning rates (> 0), used only when ``weighted``.

    Returns
    -------
    ndarray of shape (n, n) or (T, n, n)

    References
    ----------
    Kunin et al. (2024), arXiv 2406.06158 (docs/lazy_rich.md#lazy-and-rich-measures).
    """
    X = as_finite_array(X, "X", ndim=2)
    d = X.shape[1]
    a = as_finite_array(a, "a", ndim=(1, 2))
    W = as_finite_array(W, "W", ndim=(2, 3))
    m = a.shape[-1]
    if W.shape[-2:] != (m, d):
        raise ValueError(f"W must end in shape (m, d) = ({m}, {d}); got shape {W.shape}")
    if (a.ndim == 2) != (W.ndim == 3) or (a.ndim == 2 and a.shape[0] != W.shape[0]):
        raise ValueError(f"a of shape {a.shape} and W of shape {W.shape} must share the time axis")
    leak = _leak(leak)
    rates = _rates(eta_a, eta_w)        # validated even when unused: a bad rate is a bad call
    ca, cw = rates if as_bool(weighted, "weighted") else (1.0, 1.0)
    Z = X @ np.swapaxes(W, -1, -2)                           # (..., n, m)
    pos = Z > 0
    S = np.where(pos, Z, leak * Z)
    D = np.where(pos, 1.0, leak)
    K_a = S @ np.swapaxes(S, -1, -2)
    K_w = (X @ X.T) * ((D * (a**2)[..., None, :]) @ np.swapaxes(D, -1, -2))
    return ca * K_a + cw * K_w


@guard_numerics
def hamming_distance(X, W0, Wt):
    r"""Activation Hamming distance $H = \frac1n \sum_i \sum_k \mathbf{1}[\text{pattern of } w_k(t)^\top x_i \ne \text{that of } w_k(0)^\top x_i]$.

    The activation pattern of a unit on an input is $\mathbf{1}[w_k^\top x_i > 0]$ (the branch of σ in use,
    consistent with σ′(0) = γ); this is the plain sign comparison except on exact zeros.
    H counts flipped activations per sample: range 0..m (docs/lazy_rich.md#lazy-and-rich-measures).

    Parameters
    ----------
    X : array of shape (n, d)
    W0 : array of shape (m, d)
        Reference first-layer weights.
    Wt : array of shape (m, d) or (T, m, d)

    Returns
    -------
    float or ndarray of shape (T,)

    References
    ----------
    Kunin et al. (2024), arXiv 2406.06158 (docs/lazy_rich.md#lazy-and-rich-measures).
    """
    X = as_finite_array(X, "X", ndim=2)
    n, d = X.shape
    if n == 0:
        raise ValueError("X must contain at least one sample")
    W0 = as_finite_array(W0, "W0", ndim=2)
    if W0.shape[1] != d:
        raise ValueError(f"W0 must have shape (m, {d}); got {W0.shape}")
    Wt = as_finite_array(Wt, "Wt", ndim=(2, 3))
    if Wt.shape[-2:] != W0.shape:
        raise ValueError(f"Wt must end in shape {W0.shape} like W0; got {Wt.shape}")
    p0 = (X @ W0.T) > 0                                      # (n, m)
    pt = (X @ np.swapaxes(Wt, -1, -2)) > 0                   # (..., n, m)
    H = np.sum(pt != p0, axis=(-2, -1)) / n
    return float(H) if H.ndim == 0 else H


@guard_numerics
def parameter_distance(a0, W0, at, Wt):
    r"""Parameter distance $\sqrt{\|W_t - W_0\|_F^2 + \|a_t - a_0\|^2}$ (docs/lazy_rich.md#lazy-and-rich-measures).

    Works for any parameter shapes: the single neuron (a0 scalar, W0 = w0 of shape (d,)) or a
    ReLU net (a0 (m,), W0 (m, d)). ``at`` and ``Wt`` either have exactly the shapes of ``a0``
    and ``W0`` or one extra leading time axis (both or neither).

    Parameters
    ----------
    a0 : float or array
    W0 : array
    at : float or array of shape a0.shape or (T,) + a0.shape
    Wt : array of shape W0.shape or (T,) + W0.shape

    Returns
    -------
    float or ndarray of shape (T,)
    """
    a0 = as_finite_array(a0, "a0")
    W0 = as_finite_array(W0, "W0")
    at = as_finite_array(at, "at")
    Wt = as_finite_array(Wt, "Wt")
    ta = _time_axis(at, "at", a0.ndim)
    tw = _time_axis(Wt, "Wt", W0.ndim)
    if ta != tw:
        raise ValueError(f"at of shape {at.shape} and Wt of shape {Wt.shape} must both or neither "
                         "carry a leading time axis")
    if at.shape[ta:] != a0.shape:
        raise ValueError(f"at must have shape {a0.shape} (like a0), optionally after a time axis; "
                         f"got {at.shape}")
    if Wt.shape[tw:] != W0.shape:
        raise ValueError(f"Wt must have shape {W0.shape} (like W0), optionally after a time axis; "
                         f"got {Wt.shape}")
    if ta and at.shape[0] != Wt.shape[0]:
        raise ValueError(f"at and Wt disagree on the number of times: {at.shape[0]} vs {Wt.shape[0]}")
    da = (at - a0).reshape(at.shape[0] if ta else 1, -1)
    dW = (Wt - W0).reshape(Wt.shape[0] if tw else 1, -1)
    D = np.sqrt(np.sum(da * da, axis=1) + np.sum(dW * dW, axis=1))
    return D if ta else float(D[0])
