r"""Validated inputs, token scores and random instances of one-layer softmax attention.

Model (Tarzanagh et al. 2023, the model): sequence $X_i \in \mathbb R^{T\times d}$ (rows $x_{it}$),
query $z_i \in \mathbb R^d$, attention weights $s_i = S(X_i W z_i)$, prediction
$f_i = v^\top X_i^\top s_i$, label $Y_i \in \{\pm 1\}$. The token scores
$\gamma_{it} = Y_i\,v^\top x_{it}$ rank the tokens; $\mathrm{opt}_i = \mathrm{arg\,max}_t \gamma_{it}$.
Derivations: docs/attention_svm.md#the-model-and-the-att-svm.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from ..summary import compact_repr
from ..validate import MAX_ENTRIES, as_bool, as_count, as_finite_array, as_seed, check_work, format_value

__all__ = ["AttentionData", "as_selection", "as_sequences", "optimal_selection", "random_instance", "token_scores"]


@compact_repr
@dataclass(frozen=True)
class AttentionData:
    r"""One data set of the one-layer attention model.

    Attributes
    ----------
    X : numpy.ndarray, shape (n, T, d)
        Tokens $x_{it}$.
    z : numpy.ndarray, shape (n, d)
        Queries $z_i$.
    y : numpy.ndarray, shape (n,)
        Labels $Y_i \in \{\pm 1\}$.
    v : numpy.ndarray, shape (d,)
        The fixed linear head.
    """

    X: np.ndarray
    z: np.ndarray
    y: np.ndarray
    v: np.ndarray

    @property
    def scores(self) -> np.ndarray:
        r"""$\gamma_{it} = Y_i v^\top x_{it}$, shape (n, T)."""
        return token_scores(self.X, self.y, self.v)

    @property
    def optimal(self) -> np.ndarray:
        r"""$\mathrm{opt}_i = \mathrm{arg\,max}_t \gamma_{it}$, shape (n,)."""
        return np.argmax(self.scores, axis=1)


def as_sequences(X, z):
    """Validate tokens ``X`` (n, T, d) with T >= 2 and queries ``z`` (n, d).

    Parameters
    ----------
    X : array_like, shape (n, T, d)
        Tokens (finite; at least one sequence, two tokens and one feature).
    z : array_like, shape (n, d)
        Queries (finite).

    Returns
    -------
    tuple (numpy.ndarray, numpy.ndarray)
        ``X`` and ``z`` as float64 arrays.
    """
    X = as_finite_array(X, "X", ndim=3)
    n, T, d = X.shape
    if n < 1 or d < 1:
        raise ValueError(f"X must have at least one sequence and one feature; got shape {X.shape}")
    if T < 2:
        raise ValueError(f"X must have at least 2 tokens per sequence (T >= 2) for a selection to be "
                         f"separated from something; got shape {X.shape}")
    check_work(n * T * d * d, "n * T * d * d", maximum=MAX_ENTRIES, why="the feature matrix would not fit in memory")
    z = as_finite_array(z, "z", shape=(n, d))
    return X, z


def as_selection(selection, n: int, T: int) -> np.ndarray:
    """Validate a token selection: one token index per sequence.

    Parameters
    ----------
    selection : array_like of int, shape (n,)
        Token indices in [0, T).
    n, T : int
        Number of sequences (>= 1) and tokens per sequence (>= 2).

    Returns
    -------
    numpy.ndarray of int64, shape (n,)
    """
    return _as_selection(selection, as_count(n, "n"), as_count(T, "T", minimum=2))


def _as_selection(selection, n: int, T: int, name: str = "selection") -> np.ndarray:
    """:func:`as_selection` for validated n, T, with the argument's name for the messages."""
    if selection is None or isinstance(selection, (str, bytes)):
        raise ValueError(f"{name} must be an integer array of shape ({n},); got {format_value(selection)}")
    try:
        arr = np.asarray(selection)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be an integer array of shape ({n},); got {type(selection).__name__}") from exc
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer) or
                                 (arr.dtype == object and all(isinstance(a, numbers.Integral) and
                                                              not isinstance(a, bool) for a in arr.ravel()))):
        raise ValueError(f"{name} must be an integer array of shape ({n},); got dtype {arr.dtype}")
    if arr.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},); got {arr.shape}")
    arr = arr.astype(np.int64)
    if arr.size and (arr.min() < 0 or arr.max() >= T):
        raise ValueError(f"{name} entries must be token indices in [0, {T}); got values in "
                         f"[{int(arr.min())}, {int(arr.max())}]")
    return arr


def _as_labels_head(X, y, v):
    n, _, d = X.shape
    y = as_finite_array(y, "y", shape=(n,))
    if not np.all(np.abs(y) == 1):
        raise ValueError("y must hold labels +1 or -1")
    v = as_finite_array(v, "v", shape=(d,))
    return y, v


def token_scores(X, y, v) -> np.ndarray:
    r"""Token scores $\gamma_{it} = Y_i\,v^\top x_{it}$ (Tarzanagh et al. 2023, the model).

    Parameters
    ----------
    X : array_like, shape (n, T, d)
        Tokens.
    y : array_like, shape (n,)
        Labels $\pm 1$.
    v : array_like, shape (d,)
        Linear head.

    Returns
    -------
    numpy.ndarray, shape (n, T)
    """
    X = as_finite_array(X, "X", ndim=3)
    y, v = _as_labels_head(X, y, v)
    return y[:, None] * (X @ v)


def optimal_selection(X, y, v) -> np.ndarray:
    r"""The globally optimal tokens $\mathrm{opt}_i = \mathrm{arg\,max}_t \gamma_{it}$ (first on ties).

    Parameters
    ----------
    X : array_like, shape (n, T, d)
    y : array_like, shape (n,)
    v : array_like, shape (d,)

    Returns
    -------
    numpy.ndarray of int, shape (n,)
    """
    return np.argmax(token_scores(X, y, v), axis=1)


def random_instance(n, T, d, *, seed=0, unit=False, self_attention=False) -> AttentionData:
    r"""A random instance: tokens, queries and head $N(0, I_d)$, labels uniform on $\{\pm 1\}$.

    Parameters
    ----------
    n, T, d : int
        Sequences, tokens per sequence (>= 2), dimension.
    seed : int, default 0
        Seed of ``numpy.random.default_rng``.
    unit : bool, default False
        Normalise every token, query and the head to unit norm (as in the experiments of Tarzanagh et al. 2023).
    self_attention : bool, default False
        Query $z_i = x_{iT}$ (the last token) instead of an independent draw.

    Returns
    -------
    AttentionData
    """
    n, T, d = as_count(n, "n"), as_count(T, "T", minimum=2), as_count(d, "d")
    check_work(n * T * d * d, "n * T * d * d", maximum=MAX_ENTRIES, why="the arrays would not fit in memory")
    rng = np.random.default_rng(as_seed(seed))
    unit = as_bool(unit, "unit")
    self_attention = as_bool(self_attention, "self_attention")
    X = rng.standard_normal((n, T, d))
    z = rng.standard_normal((n, d))
    v = rng.standard_normal(d)
    y = rng.choice(np.array([-1.0, 1.0]), size=n)
    if unit:
        X /= np.linalg.norm(X, axis=2, keepdims=True)
        z /= np.linalg.norm(z, axis=1, keepdims=True)
        v /= np.linalg.norm(v)
    if self_attention:
        z = X[:, -1, :].copy()
    return AttentionData(X=X, z=z, y=y, v=v)
