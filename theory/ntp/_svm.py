r"""The NTP-SVM (Thrampoulidis 2024, Def. 3) and the SVMs it generalises, on the shared engine.

$W^{mm} = \mathrm{arg\,min} \|W\|$ subject to (6a) $(e_z - e_{z'})^\top W \bar h_j = 0$ for $z, z' \in S_j$ and
(6b) $(e_z - e_v)^\top W \bar h_j \ge 1$ for $z \in S_j$, $v \notin S_j$: in the engine of
:mod:`theory._maxmargin` the groups are the contexts, the options the tokens, the scores
$(W\bar H)^\top$ and the in-sets the supports. One-hot supports give the multiclass hard-margin
SVM (Remark 1), two options with scores $y_n x_n^\top w$ and $0$ the binary hard-margin SVM
without bias (Soudry et al. 2018). Derivations: docs/ntp.md#the-ntp-svm and
docs/ntp.md#the-max-margin-engine.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .._maxmargin import CertificateError, MaxMarginCertificate, NotSeparableError, feature_design, kernel_design, solve
from ..validate import MAX_ENTRIES, as_bool, as_choice, as_count, as_finite_array, check_work
from ._data import as_support

__all__ = ["CertificateError", "MaxMarginCertificate", "NotSeparableError", "hard_margin_svm", "is_separable",
           "margins", "max_margin", "min_margin", "multiclass_svm", "optimal_margin"]

_METHODS = ("auto", "fast", "primal", "dual")


def _scaled_solve(build, X, method, what, data):
    r"""Solve on the data scaled to max |entry| = 1 and scale back: the solution of data $\alpha X$
    is $\theta/\alpha$ (margins, relative gap and KKT residual are unchanged; the objective scales
    by $1/\alpha^2$, the multipliers too). Keeps $X^\top X$ finite for data near the float limits."""
    scale = float(np.max(np.abs(X))) if X.size else 0.0
    if scale == 0.0:
        raise NotSeparableError(f"the data {data}are not {what}: every input vector is zero, so every score is 0 "
                                "[failing family: inequalities]")
    theta, cert = solve(build(X / scale), method, what=what, data=data)
    with np.errstate(over="ignore"):
        theta = theta / scale
    if not np.all(np.isfinite(theta)):
        raise ValueError(f"the max-margin solution overflows float64 for inputs this small (max |entry| "
                         f"{scale:.3g}); rescale them")
    # divided twice, not by scale**2: that square overflows (Python raises) for data near the float limit
    cert = dataclasses.replace(cert, objective=cert.objective / scale / scale,
                               multipliers=None if cert.multipliers is None else cert.multipliers / scale / scale)
    return theta, cert


def _ntp_inputs(H, support):
    H = as_finite_array(H, "H", ndim=2)
    d, m = H.shape
    if m < 1 or d < 1:
        raise ValueError(f"H must have at least one row and one column; got shape {H.shape}")
    if support is None:
        raise ValueError("support is required: a boolean (V, m) array (for example P > 0)")
    S = as_support(support, m)
    V = S.shape[0]
    check_work(V * max(m, d), "V * max(m, d)", maximum=MAX_ENTRIES, why="the arrays would not fit in memory")
    return H, S


def _ntp_design(H, S):
    if S.all():
        raise ValueError("every support is the whole vocabulary (degenerate case): there is no "
                         "margin constraint and W^mm is undefined (Thrampoulidis 2024, §2 standing "
                         "assumption; the loss attains its infimum at a finite W)")
    return kernel_design(H, S.T)


def max_margin(H, support, *, method: str = "auto", return_certificate: bool = False):
    r"""The NTP-SVM solution $W^{mm}$ (Thrampoulidis 2024, Def. 3), certified.

    $W^{mm} = \mathrm{arg\,min}_W \tfrac12\|W\|^2$ s.t. $(e_z - e_{z'})^\top W\bar h_j = 0$ for
    $z, z' \in S_j$ and $(e_z - e_v)^\top W\bar h_j \ge 1$ for $z \in S_j$, $v \notin S_j$.
    It depends only on the supports and the embeddings.

    Parameters
    ----------
    H : array_like, shape (d, m)
        Context embeddings $\bar h_j$ as columns.
    support : array_like of bool, shape (V, m)
        $S_j$ as column j (for example ``P > 0``); every column non-empty.
    method : {"auto", "fast", "primal", "dual"}, default "auto"
        ``"fast"`` (= ``"auto"``): accelerated projected gradient on the kernel dual plus an
        active-set polish; ``"primal"``: CVXPY + Clarabel on the constraints above; ``"dual"``:
        CVXPY + Clarabel on the kernel dual (needs only $\bar H^\top\bar H$).
    return_certificate : bool, default False
        Also return the :class:`MaxMarginCertificate`.

    Returns
    -------
    numpy.ndarray, shape (V, d), or tuple (numpy.ndarray, MaxMarginCertificate)
        $W^{mm}$ (and its certificate, which has passed).

    Raises
    ------
    NotSeparableError
        The data are not NTP-separable (Def. 2); the message names the failing constraint family.
    ValueError
        Bad input, or the degenerate case (every support is the whole vocabulary).
    CertificateError
        The solver's answer fails its certificate (never returned silently).
    """
    H, S = _ntp_inputs(H, support)
    method = as_choice(method, "method", _METHODS)
    as_bool(return_certificate, "return_certificate")
    if S.all():
        _ntp_design(H, S)                        # raises the degenerate-case error before any scaling
    W, cert = _scaled_solve(lambda Hs: _ntp_design(Hs, S), H, method, "NTP-separable", "(H, support) ")
    return (W, cert) if return_certificate else W


def is_separable(H, support, *, return_certificate: bool = False):
    r"""Whether the data are NTP-separable (Thrampoulidis 2024, Def. 2): some $W$ satisfies (6a), (6b).

    Decided by solving the NTP-SVM (a certified solution proves separability); when the solver
    finds the dual diverging, two LPs (HiGHS) confirm infeasibility.

    Parameters
    ----------
    H : array_like, shape (d, m)
        Context embeddings.
    support : array_like of bool, shape (V, m)
        Supports $S_j$.
    return_certificate : bool, default False
        Also return the certificate of $W^{mm}$ (None when not separable).

    Returns
    -------
    bool, or tuple (bool, MaxMarginCertificate or None)
    """
    as_bool(return_certificate, "return_certificate")
    try:
        _, cert = max_margin(H, support, return_certificate=True)
        out = (True, cert)
    except NotSeparableError:
        out = (False, None)
    return out if return_certificate else out[0]


def optimal_margin(H, support) -> float:
    r"""The NTP margin $\gamma^\star = 1/\|W^{mm}\|$ (Thrampoulidis 2024, §3).

    Parameters
    ----------
    H : array_like, shape (d, m)
        Context embeddings.
    support : array_like of bool, shape (V, m)
        Supports.

    Returns
    -------
    float
    """
    return 1.0 / float(np.linalg.norm(max_margin(H, support)))


def margins(W, H, support) -> np.ndarray:
    r"""Margins $\min_{z \in S_j}(e_z - e_v)^\top W\bar h_j$ of every off-support pair (j, v).

    When (6a) holds every in-support token has the same logit, so this is the anchored margin
    $(e_{a_j} - e_v)^\top W\bar h_j$ of the paper's (6b).

    Parameters
    ----------
    W : array_like, shape (V, d)
        Decoder.
    H : array_like, shape (d, m)
        Context embeddings.
    support : array_like of bool, shape (V, m)
        Supports.

    Returns
    -------
    numpy.ndarray, shape (m, V)
        Entry (j, v): the margin for $v \notin S_j$; ``+inf`` for $v \in S_j$ (no constraint).
    """
    H, S = _ntp_inputs(H, support)
    V, d = S.shape[0], H.shape[0]
    W = as_finite_array(W, "W", shape=(V, d))
    logits = (W @ H).T                                    # (m, V)
    in_min = np.where(S.T, logits, np.inf).min(axis=1)
    return np.where(S.T, np.inf, in_min[:, None] - logits)


def min_margin(W, H, support) -> float:
    r"""$\min_{j,\ v \notin S_j}$ of :func:`margins` (``+inf`` when every support is full).

    Parameters
    ----------
    W : array_like, shape (V, d)
        Decoder.
    H : array_like, shape (d, m)
        Context embeddings.
    support : array_like of bool, shape (V, m)
        Supports.

    Returns
    -------
    float
    """
    return float(np.min(margins(W, H, support)))


def _labels(y, n, name="y"):
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != n:
        raise ValueError(f"{name} must be 1-D with one label per row of X ({n}); got shape {y.shape}")
    return y


def multiclass_svm(X, y, n_classes=None, *, method: str = "auto", return_certificate: bool = False):
    r"""Multiclass hard-margin SVM: $\mathrm{arg\,min}\|W\|$ s.t. $(w_{y_n} - w_k)^\top x_n \ge 1$, $k \ne y_n$.

    The NTP-SVM with one-hot supports (Thrampoulidis 2024, Remark 1; Soudry et al. 2018, §4).

    Parameters
    ----------
    X : array_like, shape (n, d)
        Samples as rows.
    y : array_like of int, shape (n,)
        Labels in ``0..n_classes-1``.
    n_classes : int, optional
        Number of classes K (default ``max(y) + 1``; at least 2).
    method : {"auto", "fast", "primal", "dual"}, default "auto"
        As in :func:`max_margin`.
    return_certificate : bool, default False
        Also return the certificate.

    Returns
    -------
    numpy.ndarray, shape (K, d), or tuple (numpy.ndarray, MaxMarginCertificate)
    """
    X = as_finite_array(X, "X", ndim=2)
    n, d = X.shape
    if n < 1 or d < 1:
        raise ValueError(f"X must have at least one row and one column; got shape {X.shape}")
    y = _labels(y, n)
    if y.dtype.kind not in "iu" and not (y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.round(y))):
        raise ValueError(f"y must hold integer class labels; got dtype {y.dtype}")
    y = y.astype(np.int64)
    if np.any(y < 0):
        raise ValueError("y must hold labels >= 0")
    K = max(int(y.max()) + 1, 2) if n_classes is None else as_count(n_classes, "n_classes", minimum=2,
                                                                       maximum=MAX_ENTRIES)
    if K <= y.max():
        raise ValueError(f"n_classes must be > max(y) = {int(y.max())}; got {K}")
    check_work(K * max(n, d), "n_classes * max(n, d)", maximum=MAX_ENTRIES, why="the arrays would not fit in memory")
    method = as_choice(method, "method", _METHODS)
    as_bool(return_certificate, "return_certificate")
    in_set = np.zeros((n, K), bool)
    in_set[np.arange(n), y] = True
    W, cert = _scaled_solve(lambda Xs: kernel_design(Xs.T, in_set), X, method, "linearly separable (multiclass)", "(X, y) ")
    return (W, cert) if return_certificate else W


def hard_margin_svm(X, y, *, method: str = "auto", return_certificate: bool = False):
    r"""Binary hard-margin SVM without bias: $\hat w = \mathrm{arg\,min}\|w\|$ s.t. $y_n x_n^\top w \ge 1$.

    The direction of GD on separable logistic regression (Soudry et al. 2018, Thm. 3); in the
    engine each sample is a group with two options, scores $y_n x_n^\top w$ (in-set) and $0$.

    Parameters
    ----------
    X : array_like, shape (n, d)
        Samples as rows.
    y : array_like, shape (n,)
        Labels $\pm 1$.
    method : {"auto", "fast", "primal", "dual"}, default "auto"
        As in :func:`max_margin`.
    return_certificate : bool, default False
        Also return the certificate.

    Returns
    -------
    numpy.ndarray, shape (d,), or tuple (numpy.ndarray, MaxMarginCertificate)
    """
    import scipy.sparse as sp

    X = as_finite_array(X, "X", ndim=2)
    n, d = X.shape
    if n < 1 or d < 1:
        raise ValueError(f"X must have at least one row and one column; got shape {X.shape}")
    y = as_finite_array(_labels(y, n), "y", ndim=1)
    if not np.all(np.abs(y) == 1):
        raise ValueError("y must hold labels +1 or -1")
    check_work(n * d, "n * d", maximum=MAX_ENTRIES, why="the arrays would not fit in memory")
    method = as_choice(method, "method", _METHODS)
    as_bool(return_certificate, "return_certificate")

    def build(Xs):
        Phi = np.zeros((2 * n, d))                   # row 2n + a: option a of sample n
        Phi[0::2] = y[:, None] * Xs                  # a = 0: score y_n x_n^T w; a = 1: score 0
        return feature_design(sp.csr_matrix(Phi), in_set, theta_shape=(d,))
    in_set = np.zeros((n, 2), bool)
    in_set[:, 0] = True
    w, cert = _scaled_solve(build, X, method, "linearly separable", "(X, y) ")
    return (w, cert) if return_certificate else w
