r"""The subspace $F$, the finite component $W^\star$ and the projections of Thrampoulidis (2024), §3.

$F = \mathrm{span}\{(e_z - e_{z'})\bar h_j^\top : z \ne z' \in S_j\}$ is spanned by the anchored
directions $u_{jz}\bar h_j^\top$, $u_{jz} = e_z - e_{a_j}$, $z \in S_j\setminus\{a_j\}$, where the anchor
$a_j$ is the lowest-numbered token of $S_j$. With $A$ the $K \times Vd$ matrix of these directions
(row-major vectorisation, $K = \sum_j (S_j - 1)$) and $b_{jz} = \log(\hat p_{j,z}/\hat p_{j,a_j})$,
compatibility (Def. 1, Eq. (4)) is consistency of $A\,\mathrm{vec}(W) = b$ and $W^\star = A^+ b$ (it lies
in $F$, the row space of $A$). For large $Vd$ the Gram form $M\beta = b$, $M = AA^\top$,
$M_{(j,z),(i,z')} = (u_{jz}^\top u_{iz'})\,G_{ji}$, $G = \bar H^\top \bar H$, gives
$W^\star = \sum \beta_{jz} u_{jz}\bar h_j^\top$ without forming $A$.
Derivations: docs/ntp.md#the-finite-component and docs/ntp.md#compatibility-and-separability.
"""

from __future__ import annotations

import numpy as np

from ..validate import MAX_ENTRIES, as_bool, as_choice, as_finite_array, as_positive_scalar, check_work, guard_numerics
from ._data import _as_distributions, as_support

__all__ = ["centered_log_probabilities", "centered_support", "compatibility_residual", "finite_solution",
           "is_compatible", "is_degenerate", "project_D", "project_F", "project_F_perp"]

_METHODS = ("auto", "lstsq", "gram")
#: "auto" forms A (K x V·d) explicitly up to this many entries (an SVD of 2e6 entries takes ~1 s).
_LSTSQ_MAX_ENTRIES = 2 * 10**6
#: Default compatibility tolerance on the relative residual ‖AA⁺b − b‖/‖b‖: a consistent system
#: leaves ~ ε·cond(A) after the SVD, so 1e-8 accepts cond(A) up to ~1e7 and still flags any
#: inconsistency larger than one part in 1e8.
_COMPAT_TOL = 1e-8


class _Directions:
    """The anchored directions u_{jz} h̄_jᵀ of F, by index arrays (token, anchor, context)."""

    def __init__(self, H: np.ndarray, S: np.ndarray):
        V, m = S.shape
        self.H, self.V, self.d, self.m = H, V, H.shape[0], m
        anchors = np.argmax(S, axis=0)                      # lowest-numbered token of each support
        ctx, tok = np.nonzero(S.T)                          # sorted by context, then token
        keep = tok != anchors[ctx]
        self.tok, self.ctx = tok[keep], ctx[keep]
        self.anc = anchors[self.ctx]
        self.K = int(self.tok.size)

    def apply(self, X: np.ndarray) -> np.ndarray:
        """A vec(X): r_{jz} = u_{jz}ᵀ X h̄_j."""
        L = X @ self.H
        return L[self.tok, self.ctx] - L[self.anc, self.ctx]

    def adjoint(self, beta: np.ndarray) -> np.ndarray:
        """Aᵀβ as a (V, d) matrix: Σ β_{jz} u_{jz} h̄_jᵀ."""
        C = np.zeros((self.V, self.m))
        np.add.at(C, (self.tok, self.ctx), beta)
        np.add.at(C, (self.anc, self.ctx), -beta)
        return C @ self.H.T

    def matrix(self) -> np.ndarray:
        """A, shape (K, V·d), rows vec((e_z − e_a) h̄_jᵀ) in row-major order."""
        check_work(self.K * self.V * self.d, "K * V * d (entries of A)", maximum=MAX_ENTRIES,
                   why="A would not fit in memory; use method='gram'")
        A = np.zeros((self.K, self.V, self.d))
        rows = np.arange(self.K)
        A[rows, self.tok, :] += self.H[:, self.ctx].T
        A[rows, self.anc, :] -= self.H[:, self.ctx].T
        return A.reshape(self.K, self.V * self.d)

    def gram(self) -> np.ndarray:
        """M = AAᵀ: (u_{jz}ᵀu_{iz'}) G_{ji}, from index comparisons (no V x K product)."""
        check_work(self.K * self.K, "K**2 (entries of the Gram matrix, K = Σ_j (S_j − 1))", maximum=MAX_ENTRIES,
                   why="the Gram matrix would not fit in memory")
        t, a = self.tok, self.anc
        uu = ((t[:, None] == t[None, :]).astype(float) - (t[:, None] == a[None, :])
              - (a[:, None] == t[None, :]) + (a[:, None] == a[None, :]))
        G = self.H.T @ self.H
        return uu * G[np.ix_(self.ctx, self.ctx)]


def _pinv_sym(M: np.ndarray):
    """β ↦ M⁺β for symmetric PSD M (eigenvalues below K·ε·λ_max dropped)."""
    lam, E = np.linalg.eigh(M)
    top = max(float(lam.max()), 0.0) if lam.size else 0.0
    keep = lam > M.shape[0] * np.finfo(float).eps * top
    Ek, lk = E[:, keep], lam[keep]
    return lambda r: Ek @ ((Ek.T @ r) / lk)


def _gram_solve(dirs: "_Directions", r: np.ndarray) -> np.ndarray:
    """Aᵀ M⁺ r as a (V, d) matrix, with one step of iterative refinement.

    The Gram matrix squares cond(A); one refinement W += Aᵀ M⁺ (r − A W) brings the error from
    ε·cond(A)² down to about ε·cond(A)·(1 + ε·cond(A)²) (components of r outside range(A) are in
    the null space of M and do not feed back).
    """
    solve = _pinv_sym(dirs.gram())
    W = dirs.adjoint(solve(r))
    return W + dirs.adjoint(solve(r - dirs.apply(W)))


def _choose(method: str, dirs: _Directions) -> str:
    method = as_choice(method, "method", _METHODS)
    if method == "auto":
        return "lstsq" if dirs.K * dirs.V * dirs.d <= _LSTSQ_MAX_ENTRIES else "gram"
    return method


def _as_H(H) -> np.ndarray:
    H = as_finite_array(H, "H", ndim=2)
    if H.shape[0] < 1 or H.shape[1] < 1:
        raise ValueError(f"H must have d >= 1 rows and m >= 1 columns (contexts); got shape {H.shape}")
    return H


def _H_P(H, P):
    H = _as_H(H)
    P = _as_distributions(P)
    if P.shape[1] != H.shape[1]:
        raise ValueError(f"P must have m = {H.shape[1]} columns (one per context, as H); got shape {P.shape}")
    return H, P


def _log_odds(P: np.ndarray, dirs: _Directions) -> np.ndarray:
    return np.log(P[dirs.tok, dirs.ctx] / P[dirs.anc, dirs.ctx])


def _solve(dirs: _Directions, b: np.ndarray, method: str):
    """(W⋆ = A⁺b as (V, d), residual vector b − A vec(W⋆))."""
    if dirs.K == 0:
        return np.zeros((dirs.V, dirs.d)), b
    if method == "lstsq":
        A = dirs.matrix()
        w, *_ = np.linalg.lstsq(A, b, rcond=None)
        return w.reshape(dirs.V, dirs.d), b - A @ w
    W = _gram_solve(dirs, b)
    return W, b - dirs.apply(W)


def _relative(res: np.ndarray, b: np.ndarray) -> float:
    nb = float(np.linalg.norm(b))
    return float(np.linalg.norm(res)) / nb if nb > 0 else 0.0


@guard_numerics
def compatibility_residual(H, P, *, method="auto") -> float:
    r"""Relative residual of the anchored log-odds system, Thrampoulidis (2024), Def. 1, Eq. (4).

    $\|A A^+ b - b\| / \|b\|$ with rows of $A$ the directions $\mathrm{vec}((e_z - e_{a_j})\bar h_j^\top)$ and
    $b_{jz} = \log(\hat p_{j,z}/\hat p_{j,a_j})$, $z \in S_j \setminus \{a_j\}$: zero iff the data are
    NTP$_{\mathcal H}$-compatible (0 when $b = 0$, e.g. uniform $\hat p_j$ on every support).

    Parameters
    ----------
    H : array_like, shape (d, m)
        Context embeddings.
    P : array_like, shape (V, m)
        Next-token distributions (supports ``P > 0``).
    method : {"auto", "lstsq", "gram"}, default "auto"
        SVD least squares on $A$, or the Gram form $M\beta = b$ (module docstring).

    Returns
    -------
    float
        The relative residual, $\ge 0$.
    """
    H, P = _H_P(H, P)
    dirs = _Directions(H, P > 0)
    b = _log_odds(P, dirs)
    _, res = _solve(dirs, b, _choose(method, dirs))
    return _relative(res, b)


def is_compatible(H, P, *, tol=_COMPAT_TOL, return_residual=False):
    r"""Whether the data are NTP$_{\mathcal H}$-compatible (Thrampoulidis 2024, Def. 1).

    True iff :func:`compatibility_residual` $\le$ ``tol``. The default $10^{-8}$: a consistent system
    leaves a relative residual of about $\epsilon\,\mathrm{cond}(A)$ after the SVD, so conditioning up
    to $10^7$ passes while any inconsistency above one part in $10^8$ is flagged.

    Parameters
    ----------
    H : array_like, shape (d, m)
        Context embeddings.
    P : array_like, shape (V, m)
        Next-token distributions.
    tol : float > 0, default 1e-8
        Tolerance on the relative residual.
    return_residual : bool, default False
        Also return the residual.

    Returns
    -------
    bool, or (bool, float)
        Compatible or not (and the relative residual).
    """
    tol = as_positive_scalar(tol, "tol")
    return_residual = as_bool(return_residual, "return_residual")
    res = compatibility_residual(H, P)
    ok = bool(res <= tol)
    return (ok, res) if return_residual else ok


@guard_numerics
def finite_solution(H, P, *, method="auto", require_compatible=True) -> np.ndarray:
    r"""The finite component $W^\star$: the solution of Eq. (4) inside $F$ (Thrampoulidis 2024, §3).

    $W^\star = \mathrm{reshape}(A^+ b)$, the minimum-norm least-squares solution of
    $(e_z - e_{a_j})^\top W \bar h_j = \log(\hat p_{j,z}/\hat p_{j,a_j})$; it lies in $F$ (the row space of
    $A$) and does not depend on $\hat\pi$. The paper's $W^\star$ exists only for compatible data; with
    ``require_compatible=False`` the least-squares $W^\star$ is returned for any data. ``method="gram"``
    solves $M\beta = b$ instead (size $K = \sum_j (S_j - 1)$, not $Vd$); the two agree to about
    $\epsilon\,\mathrm{cond}(A)^2$ (the Gram matrix squares the condition number).

    Parameters
    ----------
    H : array_like, shape (d, m)
        Context embeddings.
    P : array_like, shape (V, m)
        Next-token distributions.
    method : {"auto", "lstsq", "gram"}, default "auto"
        "auto" forms $A$ when $K\cdot V d \le 2\cdot 10^6$, else uses the Gram form.
    require_compatible : bool, default True
        Raise ValueError (naming the residual) when the relative residual exceeds $10^{-8}$.

    Returns
    -------
    numpy.ndarray, shape (V, d)
        $W^\star$; zero when every support is a single token ($F = \{0\}$).
    """
    H, P = _H_P(H, P)
    require_compatible = as_bool(require_compatible, "require_compatible")
    dirs = _Directions(H, P > 0)
    b = _log_odds(P, dirs)
    W, res = _solve(dirs, b, _choose(method, dirs))
    rel = _relative(res, b)
    if require_compatible and rel > _COMPAT_TOL:
        raise ValueError(f"H, P are not NTP-compatible: the log-odds system (Thrampoulidis 2024, Eq. (4)) has "
                         f"relative residual {rel:.3g} > {_COMPAT_TOL:g}, so W⋆ does not exist; pass "
                         "require_compatible=False for the least-squares solution")
    return W


def _W_H_S(W, H, support):
    H = _as_H(H)
    S = as_support(support, H.shape[1])
    W = as_finite_array(W, "W", ndim=2)
    if W.shape != (S.shape[0], H.shape[0]):
        raise ValueError(f"W must have shape (V, d) = ({S.shape[0]}, {H.shape[0]}) (V from support, d from H); "
                         f"got {W.shape}")
    return W, H, S


def _project(W, H, S, method):
    dirs = _Directions(H, S)
    if dirs.K == 0:
        return np.zeros_like(W)
    if _choose(method, dirs) == "lstsq":
        A = dirs.matrix()
        U, s, Vt = np.linalg.svd(A, full_matrices=False)
        rank = int(np.sum(s > max(A.shape) * np.finfo(float).eps * (s[0] if s.size else 0.0)))
        Q = Vt[:rank]
        return (Q.T @ (Q @ W.ravel())).reshape(W.shape)
    return _gram_solve(dirs, dirs.apply(W))


@guard_numerics
def project_F(W, H, support, *, method="auto") -> np.ndarray:
    r"""Orthogonal projection $P_F(W)$ onto $F = \mathrm{span}\{(e_z - e_{z'})\bar h_j^\top : z, z' \in S_j\}$.

    Thrampoulidis (2024), §3 (the subspace of Def. 1): $P_F(W) = A^+ A\,\mathrm{vec}(W)$; by SVD of $A$
    ("lstsq") or as $\sum\beta_{jz}u_{jz}\bar h_j^\top$ with $M\beta = A\,\mathrm{vec}(W)$ ("gram").

    Parameters
    ----------
    W : array_like, shape (V, d)
        The matrix to project.
    H : array_like, shape (d, m)
        Context embeddings.
    support : array_like of bool, shape (V, m)
        Supports $S_j$.
    method : {"auto", "lstsq", "gram"}, default "auto"

    Returns
    -------
    numpy.ndarray, shape (V, d)
    """
    W, H, S = _W_H_S(W, H, support)
    return _project(W, H, S, method)


@guard_numerics
def project_F_perp(W, H, support, *, method="auto") -> np.ndarray:
    r"""$P_\perp(W) = W - P_F(W)$, the component in $F^\perp$ (where Eq. (6a) holds; Thrampoulidis 2024, Def. 2).

    Parameters
    ----------
    W : array_like, shape (V, d)
        The matrix to project.
    H : array_like, shape (d, m)
        Context embeddings.
    support : array_like of bool, shape (V, m)
        Supports $S_j$.
    method : {"auto", "lstsq", "gram"}, default "auto"

    Returns
    -------
    numpy.ndarray, shape (V, d)
    """
    W, H, S = _W_H_S(W, H, support)
    return W - _project(W, H, S, method)


@guard_numerics
def project_D(W, H) -> np.ndarray:
    r"""Projection onto $D = \mathrm{span}\{u\bar h_j^\top : \mathbf 1^\top u = 0\}$, where every GD update lies.

    $P_D(W) = (I - \mathbf 1\mathbf 1^\top/V)\,W\,\bar H\bar H^+$ (Thrampoulidis 2024, §2: $\mathbf 1^\top\nabla = 0$ and
    the rows of $\nabla$ lie in the span of the contexts). $F \subset D$.

    Parameters
    ----------
    W : array_like, shape (V, d)
        The matrix to project.
    H : array_like, shape (d, m)
        Context embeddings.

    Returns
    -------
    numpy.ndarray, shape (V, d)
    """
    H = _as_H(H)
    W = as_finite_array(W, "W", ndim=2)
    if W.shape[1] != H.shape[0]:
        raise ValueError(f"W must have d = {H.shape[0]} columns (the rows of H); got shape {W.shape}")
    U, s, _ = np.linalg.svd(H, full_matrices=False)
    rank = int(np.sum(s > max(H.shape) * np.finfo(float).eps * (s[0] if s.size else 0.0)))
    Q = U[:, :rank]
    WQ = (W @ Q) @ Q.T
    return WQ - WQ.mean(axis=0, keepdims=True)


@guard_numerics
def centered_log_probabilities(P) -> np.ndarray:
    r"""$L^{\rm in}$: log-probabilities centred on each support, zero off it (Thrampoulidis 2024, §3).

    $\ell^{\rm in}_{j,z} = \log\hat p_{j,z} - \frac{1}{S_j}\sum_{z'\in S_j}\log\hat p_{j,z'}$ for $z \in S_j$. For
    orthonormal embeddings ($\bar H^\top\bar H = I_m$), $W^\star = L^{\rm in}\bar H^\top$
    (docs/ntp.md#orthonormal-embeddings).

    Parameters
    ----------
    P : array_like, shape (V, m)
        Next-token distributions.

    Returns
    -------
    numpy.ndarray, shape (V, m)
        Each column sums to zero.
    """
    P = _as_distributions(P)
    S = P > 0
    logp = np.log(np.where(S, P, 1.0))
    mean = logp.sum(axis=0) / S.sum(axis=0)
    return np.where(S, logp - mean, 0.0)


def centered_support(support) -> np.ndarray:
    r"""The centred support matrix $\tilde S = (I - \mathbf 1\mathbf 1^\top/V)\,S$ (Thrampoulidis 2024, §3).

    Column $j$ is $(V - S_j)/V$ on $S_j$ and $-S_j/V$ off it; for orthonormal embeddings
    $W^{\rm mm} = \tilde S\bar H^\top$ (docs/ntp.md#orthonormal-embeddings).

    Parameters
    ----------
    support : array_like of bool, shape (V, m)
        Supports $S_j$.

    Returns
    -------
    numpy.ndarray, shape (V, m)
    """
    S = as_support(support).astype(np.float64)
    return S - S.mean(axis=0, keepdims=True)


def is_degenerate(support) -> bool:
    r"""Whether every support is the whole vocabulary ($S_j = V$ for all $j$; Thrampoulidis 2024, §2).

    Then the loss attains the entropy at a finite $W$ (for compatible data), $F^\perp$ carries no
    margin constraint and $W^{\rm mm}$ is undefined.

    Parameters
    ----------
    support : array_like of bool, shape (V, m)
        Supports $S_j$.

    Returns
    -------
    bool
    """
    return bool(as_support(support).all())
