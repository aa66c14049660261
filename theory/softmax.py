r"""The shared cancellation-free "softmax minus target" primitive (docs/attention_svm.md#cancellation-free-gradients).

Every max-margin trajectory (attention, next-token prediction) is driven by $S(\ell) - p$ for a
target distribution $p$ whose support $\mathcal S = \{p > 0\}$ is a strict subset of the options.
Once the softmax saturates, the off-support mass $m_{\rm off} = \sum_{v \notin \mathcal S} S_v$ is
$\sim e^{-\text{margin}\cdot\|W\|}$, far below the rounding error $\approx 10^{-16}$ of $S_z - p_z$ formed
naively on the support; the difference is then rounding noise and a gradient built on it drifts
away from the max-margin direction. Here, per row, with the in-support softmax
$S^{\rm in}_z = e^{\ell_z}/\sum_{u\in\mathcal S}e^{\ell_u}$ (so $S_z = S^{\rm in}_z(1 - m_{\rm off})$):

$$S_z - p_z = (S^{\rm in}_z - p_z) - S^{\rm in}_z\,m_{\rm off}\ (z \in \mathcal S),\qquad
S_v - p_v = S_v = e^{\ell_v - \log\sum_u e^{\ell_u}}\ (v \notin \mathcal S),$$

with $m_{\rm off}$ summed directly from the off-support terms and
$S^{\rm in}_z - p_z = p_z\,\mathrm{expm1}(\log S^{\rm in}_z - \log p_z)$ (written with a non-positive
expm1 argument). For a one-hot target ($\mathcal S = \{r\}$) $S^{\rm in}_r = 1$ exactly, so
$S_r - 1 = -m_{\rm off}$: every entry is then accurate to a few ulps *relative to itself*, at any
saturation. Tested against 50-digit mpmath (tests/theory/test_softmax_primitive.py).

:func:`softmax_centered` builds the attention factor $S_t(\gamma_t - S^\top\gamma)$ (the softmax
Jacobian applied to a score vector) on it: with $r$ the largest logit,
$\gamma_t - S^\top\gamma = (\gamma_t - \gamma_r) - \sum_u (S - e_r)_u(\gamma_u - \gamma_r)$, a
sum of small terms for the dominant token instead of a difference of two nearly equal numbers.

Rows are the last axis; NumPy only (fast to import). :func:`softmax_centered_row` is the same
computation for one row in plain loops over ``math`` (libm) functions: the simulation kernels compile
it with numba (``sims/attention_svm/_train_kernels.py``), so the formula lives here once.
"""

from __future__ import annotations

import math

import numpy as np

from .validate import as_finite_array, format_value

__all__ = ["UNDERFLOW_MASS", "log_softmax", "off_target_mass", "softmax_centered", "softmax_centered_row",
           "softmax_minus_target"]

#: Off-target mass below which the primitive's subnormal results lose relative accuracy
#: (float64's smallest normal number is 2.2e-308; 1e-290 leaves 18 decades): trajectories
#: should stop (and say so) once some row's off-target mass falls below it.
UNDERFLOW_MASS = 1e-290


def _as_logits(logits, name="logits"):
    x = as_finite_array(logits, name)
    if x.ndim < 1 or x.shape[-1] < 1:
        raise ValueError(f"{name} must have at least one entry along its last axis; got shape {x.shape}")
    return x


def _log_softmax(logits):
    m = np.max(logits, axis=-1, keepdims=True)
    sh = logits - m
    return sh - np.log(np.sum(np.exp(sh), axis=-1, keepdims=True))


def log_softmax(logits) -> np.ndarray:
    r"""$\log S(\ell) = \ell - \max\ell - \log\sum_u e^{\ell_u - \max \ell}$ along the last axis.

    Parameters
    ----------
    logits : array_like, shape (..., K)
        Finite logits.

    Returns
    -------
    numpy.ndarray, shape (..., K)
    """
    return _log_softmax(_as_logits(logits))


def _as_target(logits, target):
    """Distributions of ``logits``' shape, from distributions or one-hot indices; errors name ``target``."""
    if target is None or isinstance(target, (str, bytes)):
        raise ValueError(f"target must be distributions or integer indices; got {format_value(target)}")
    try:
        raw = np.asarray(target)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"target must be distributions or integer indices; got {type(target).__name__}") from exc
    K = logits.shape[-1]
    if raw.dtype != bool and np.issubdtype(raw.dtype, np.integer):      # one-hot targets by their index
        if raw.shape != logits.shape[:-1]:
            raise ValueError(f"target indices must have the shape of logits without its last axis, "
                             f"{logits.shape[:-1]}; got {raw.shape}")
        if raw.size and (raw.min() < 0 or raw.max() >= K):
            raise ValueError(f"target indices must be in [0, {K}); got values in [{int(raw.min())}, {int(raw.max())}]")
        p = np.zeros(logits.shape, dtype=np.float64)
        np.put_along_axis(p, raw[..., None], 1.0, axis=-1)
        return p
    if raw.shape != logits.shape:
        raise ValueError(f"target distributions must have the shape of logits, {logits.shape}; got {raw.shape}")
    p = as_finite_array(raw, "target", shape=logits.shape)
    if np.any(p < 0):
        raise ValueError("target must be non-negative (distributions)")
    if not np.allclose(np.sum(p, axis=-1), 1.0, rtol=0.0, atol=1e-12 * K):
        raise ValueError("target rows must sum to 1 (distributions), within 1e-12·K")
    return p


def off_target_mass(logits, target) -> np.ndarray:
    r"""$m_{\rm off} = \sum_{v:\,p_v = 0} S_v(\ell)$ per row, summed from its own (small) terms.

    Parameters
    ----------
    logits : array_like, shape (..., K)
        Finite logits.
    target : array_like, shape (..., K) (distributions) or (...) of int (one-hot indices)

    Returns
    -------
    numpy.ndarray, shape (...)
    """
    logits = _as_logits(logits)
    p = _as_target(logits, target)
    return np.sum(np.where(p > 0, 0.0, np.exp(_log_softmax(logits))), axis=-1)


def softmax_minus_target(logits, target) -> np.ndarray:
    r"""$S(\ell) - p$ along the last axis, without cancellation (module doc).

    Parameters
    ----------
    logits : array_like, shape (..., K)
        Finite logits.
    target : array_like, shape (..., K), or (...) of int
        Target distributions (non-negative rows summing to 1), or the index of a one-hot target.

    Returns
    -------
    numpy.ndarray, shape (..., K)
        Off the support accurate to a few ulps relative to each entry (times the size of the
        log-partition, the conditioning of $e^{\ell}$); on the support accurate to a few ulps of
        $|S^{\rm in}_z - p_z| + S^{\rm in}_z m_{\rm off}$, so exact-to-ulps for one-hot targets.
    """
    logits = _as_logits(logits)
    return _minus_target(logits, _as_target(logits, target))


def _minus_target(logits, p):
    on = p > 0
    ls_all = _log_softmax(logits)
    s_off = np.where(on, 0.0, np.exp(ls_all))
    m_off = np.sum(s_off, axis=-1, keepdims=True)
    masked = np.where(on, logits, -np.inf)
    mi = np.max(masked, axis=-1, keepdims=True)
    mi = np.where(np.isfinite(mi), mi, 0.0)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        ls_in = np.where(on, logits - mi, -np.inf)
        ls_in = ls_in - np.log(np.sum(np.exp(ls_in), axis=-1, keepdims=True))
        logp = np.where(on, np.log(np.where(on, p, 1.0)), 0.0)
        delta = np.where(on, ls_in - logp, 0.0)
        s_in = np.where(on, np.exp(ls_in), 0.0)
        # S_in - p = p expm1(delta) (delta <= 0) = -S_in expm1(-delta) (delta > 0): no overflow
        diff_in = np.where(delta <= 0, p * np.expm1(np.minimum(delta, 0.0)),
                           -s_in * np.expm1(-np.maximum(delta, 0.0)))
    return np.where(on, diff_in - s_in * m_off, s_off)


def softmax_centered(logits, values) -> np.ndarray:
    r"""$S_t(\ell)\,(\gamma_t - S(\ell)^\top\gamma)$ along the last axis, without cancellation.

    This is $(\mathrm{diag}(S) - SS^\top)\gamma$, the softmax Jacobian applied to $\gamma$: the
    factor of the attention gradient (Tarzanagh et al. 2023, the model). With $r$ the largest logit and
    $c = S - e_r$ (:func:`softmax_minus_target`, one-hot), $S^\top\gamma - \gamma_r =
    \sum_u c_u(\gamma_u - \gamma_r)$ and $S_r = 1 + c_r$.

    Parameters
    ----------
    logits : array_like, shape (..., K)
        Finite logits.
    values : array_like, shape (..., K)
        The scores $\gamma$ (finite).

    Returns
    -------
    numpy.ndarray, shape (..., K)
    """
    logits = _as_logits(logits)
    g = as_finite_array(values, "values")
    try:
        g = np.broadcast_to(g, logits.shape)
    except ValueError as exc:
        raise ValueError(f"values must broadcast to the shape of logits {logits.shape}; got {g.shape}") from exc
    r = np.argmax(logits, axis=-1)
    p = np.zeros(logits.shape)
    np.put_along_axis(p, r[..., None], 1.0, axis=-1)
    c = _minus_target(logits, p)
    onehot = p > 0
    g_r = np.take_along_axis(g, r[..., None], axis=-1)
    with np.errstate(over="ignore", invalid="ignore"):
        dg = g - g_r
        q = np.sum(np.where(onehot, 0.0, c * dg), axis=-1, keepdims=True)   # S^T g - g_r (term r is 0)
        s = np.where(onehot, 1.0 + c, c)
        return s * (dg - q)


def softmax_centered_row(a, g, s, J):
    r"""One row of :func:`softmax_centered` in scalar loops (numba-compilable; libm ``exp``/``log``).

    With $r$ the first largest logit: $s_t = e^{a_t - a_r - \log Z}$ for $t \ne r$ (summed, in order,
    into the off-top mass $m$), $s_r = 1 - m$, $q = \sum_{t \ne r} s_t(\gamma_t - \gamma_r)$ $(= s^\top\gamma -
    \gamma_r)$ and $J_t = s_t((\gamma_t - \gamma_r) - q)$.

    Parameters
    ----------
    a, g : numpy.ndarray, shape (T,)
        Logits (finite) and scores.
    s, J : numpy.ndarray, shape (T,)
        Outputs: the softmax and $J_t = s_t(\gamma_t - s^\top\gamma)$.

    Returns
    -------
    tuple (int, float, float)
        $r$, the off-top mass $m$ and $q$.
    """
    T = a.shape[0]
    r = 0
    for t in range(1, T):
        if a[t] > a[r]:
            r = t
    Z = 0.0
    for t in range(T):
        Z += math.exp(a[t] - a[r])
    lZ = math.log(Z)
    off = 0.0
    q = 0.0
    for t in range(T):
        if t != r:
            s[t] = math.exp(a[t] - a[r] - lZ)
            off += s[t]
            q += s[t] * (g[t] - g[r])
    s[r] = 1.0 - off
    for t in range(T):
        J[t] = s[t] * ((g[t] - g[r]) - q)
    return r, off, q
