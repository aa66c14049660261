r"""Loss and gradient of one-layer softmax attention with a linear head, cancellation-free.

$f_i(W) = v^\top X_i^\top S(X_iWz_i)$, $\mathcal L(W) = \frac1n\sum_i \ell(Y_i f_i(W))$ with the
logistic loss $\ell(u) = \log(1 + e^{-u})$ (Tarzanagh et al. 2023, the model). With
$\gamma_{it} = Y_i v^\top x_{it}$ and $a_i = X_iWz_i$,

$$\nabla\mathcal L(W) = \frac1n\sum_i \ell'(Y_if_i)\,X_i^\top\big(\mathrm{diag}(s_i) - s_is_i^\top\big)\gamma_i\,z_i^\top,$$

whose factor $s_{it}(\gamma_{it} - s_i^\top\gamma_i)$ is formed by the shared primitive
:func:`theory.softmax.softmax_centered` (the naive form loses the signal once the softmax
saturates: docs/attention_svm.md#cancellation-free-gradients). The loss tends to the constant
$\frac1n\sum_i\ell(\gamma_{i,\mathrm{opt}_i})$ along a max-margin trajectory, so differences of
$\mathcal L$ vanish in rounding; :func:`excess_loss` gives
$\mathcal L(W) - \frac1n\sum_i \ell(\gamma_{i r_i})$ for a reference token $r_i$ directly:
with $\delta_i = \sum_t s_{it}(\gamma_{ir_i} - \gamma_{it})$ (a sum of small terms near
saturation on $r_i$), $\ell(\gamma_{ir_i} - \delta_i) - \ell(\gamma_{ir_i}) =
\log(1 + \sigma(-\gamma_{ir_i})\,\mathrm{expm1}(\delta_i))$.
"""

from __future__ import annotations

import numpy as np

from ..softmax import log_softmax, softmax_centered
from ..validate import as_finite_array, guard_numerics
from ._data import _as_labels_head, as_sequences
from ._data import _as_selection as as_selection

__all__ = ["attention_weights", "excess_loss", "gradient", "loss", "predictions"]


def _inputs(W, X, z, y, v):
    X, z = as_sequences(X, z)
    d = X.shape[2]
    W = as_finite_array(W, "W", shape=(d, d))
    y, v = _as_labels_head(X, y, v)
    return W, X, z, y, v


def _logits(W, X, z):
    return np.einsum("itd,de,ie->it", X, W, z)


def _sigmoid_neg(u):
    """$\\sigma(-u) = 1/(1 + e^u) = -\\ell'(u)$, without overflow."""
    return np.exp(-np.logaddexp(0.0, u))


@guard_numerics
def attention_weights(W, X, z) -> np.ndarray:
    r"""Softmax attention $s_i = S(X_iWz_i)$, shape (n, T).

    Parameters
    ----------
    W : array_like, shape (d, d)
    X : array_like, shape (n, T, d)
    z : array_like, shape (n, d)

    Returns
    -------
    numpy.ndarray, shape (n, T)
    """
    X, z = as_sequences(X, z)
    W = as_finite_array(W, "W", shape=(X.shape[2], X.shape[2]))
    return np.exp(log_softmax(_logits(W, X, z)))


def _pred(W, X, z, y, v):
    """(gamma, logits, Y_i f_i) with Y_i f_i = g_r - sum_t s_t (g_r - g_t), r the top logit."""
    g = y[:, None] * (X @ v)
    a = _logits(W, X, z)
    s = np.exp(log_softmax(a))
    r = np.argmax(a, axis=1)
    g_r = g[np.arange(len(r)), r]
    return g, a, g_r - np.sum(s * (g_r[:, None] - g), axis=1)


@guard_numerics
def predictions(W, X, z, y, v) -> np.ndarray:
    r"""Signed outputs $Y_i f_i(W) = Y_i v^\top X_i^\top S(X_iWz_i)$, shape (n,).

    Parameters
    ----------
    W : array_like, shape (d, d)
    X : array_like, shape (n, T, d)
    z : array_like, shape (n, d)
    y : array_like, shape (n,)
        Labels $\pm 1$.
    v : array_like, shape (d,)

    Returns
    -------
    numpy.ndarray, shape (n,)
    """
    W, X, z, y, v = _inputs(W, X, z, y, v)
    return _pred(W, X, z, y, v)[2]


@guard_numerics
def loss(W, X, z, y, v) -> float:
    r"""$\mathcal L(W) = \frac1n\sum_i\log(1 + e^{-Y_if_i(W)})$ (Tarzanagh et al. 2023, the model).

    Parameters
    ----------
    W : array_like, shape (d, d)
    X : array_like, shape (n, T, d)
    z : array_like, shape (n, d)
    y : array_like, shape (n,)
    v : array_like, shape (d,)

    Returns
    -------
    float
    """
    W, X, z, y, v = _inputs(W, X, z, y, v)
    return float(np.mean(np.logaddexp(0.0, -_pred(W, X, z, y, v)[2])))


def _excess(W, X, z, y, v, ref):
    g = y[:, None] * (X @ v)
    a = _logits(W, X, z)
    s = np.exp(log_softmax(a))
    n = len(ref)
    g_r = g[np.arange(n), ref]
    delta = np.sum(s * (g_r[:, None] - g), axis=1)
    return float(np.mean(np.log1p(_sigmoid_neg(g_r) * np.expm1(delta))))


@guard_numerics
def excess_loss(W, X, z, y, v, reference) -> float:
    r"""$\mathcal L(W) - \frac1n\sum_i \ell(\gamma_{ir_i})$, without cancellation (module doc).

    For $r$ = the optimal tokens this is $\ge 0$ and tends to 0 along a max-margin trajectory.

    Parameters
    ----------
    W : array_like, shape (d, d)
    X : array_like, shape (n, T, d)
    z : array_like, shape (n, d)
    y : array_like, shape (n,)
    v : array_like, shape (d,)
    reference : array_like of int, shape (n,)
        Reference tokens $r_i$ (for example :func:`optimal_selection`).

    Returns
    -------
    float
    """
    W, X, z, y, v = _inputs(W, X, z, y, v)
    ref = as_selection(reference, X.shape[0], X.shape[1], "reference")
    return _excess(W, X, z, y, v, ref)


def _grad(W, X, z, y, v):
    g, a, yf = _pred(W, X, z, y, v)
    J = softmax_centered(a, g)                                   # s_t (g_t - s^T g)
    coef = -_sigmoid_neg(yf)[:, None] * J / X.shape[0]          # l'(Y f) = -sigma(-Y f)
    return np.einsum("it,itd,ie->de", coef, X, z)


@guard_numerics
def gradient(W, X, z, y, v) -> np.ndarray:
    r"""$\nabla\mathcal L(W) = \frac1n\sum_i \ell'(Y_if_i) X_i^\top(\mathrm{diag}(s_i) - s_is_i^\top)\gamma_i z_i^\top$, cancellation-free.

    The factor $s_{it}(\gamma_{it} - s_i^\top\gamma_i)$ comes from the shared primitive
    (docs/attention_svm.md#cancellation-free-gradients): every entry stays accurate relative to
    itself after the softmax saturates.

    Parameters
    ----------
    W : array_like, shape (d, d)
    X : array_like, shape (n, T, d)
    z : array_like, shape (n, d)
    y : array_like, shape (n,)
    v : array_like, shape (d,)

    Returns
    -------
    numpy.ndarray, shape (d, d)
    """
    W, X, z, y, v = _inputs(W, X, z, y, v)
    return _grad(W, X, z, y, v)
