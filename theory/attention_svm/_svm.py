r"""The attention SVMs (Tarzanagh et al. 2023), certified: Frobenius (W) and nuclear ((K, Q)).

For a selection $\alpha = (\alpha_i)$ of one token per sequence,

$$W^{mm}_\alpha = \mathrm{arg\,min}_W \|W\|\quad\text{s.t.}\quad (x_{i\alpha_i} - x_{it})^\top W z_i \ge 1
\quad \forall i,\ t \ne \alpha_i,$$

with $\|\cdot\|_F$ (Att-SVM, the $W$-parameterisation) or the nuclear norm $\|\cdot\|_\star$
(Att-SVM⋆, the $(K, Q)$-parameterisation). The score $x_{it}^\top W z_i = \langle W, x_{it}z_i^\top\rangle$
is linear in $W$, so the Frobenius problem is the generic max-margin engine of
:mod:`theory._maxmargin` with groups = sequences, options = tokens, features
$\phi_{i,t} = x_{it} z_i^\top$ and singleton in-sets $\{\alpha_i\}$; the nuclear problem is an SDP
(CVXPY + Clarabel) certified here by weak duality: for multipliers $\lambda \ge 0$ with
$M = \sum_{i,t}\lambda_{it}(x_{i\alpha_i} - x_{it})z_i^\top$, $\sum\lambda/\|M\|_{op}$ is a lower
bound on the optimum (the nuclear and operator norms are dual), and $W/\min(1, \text{min margin})$
is feasible, an upper bound. Derivations: docs/attention_svm.md#the-model-and-the-att-svm and
docs/attention_svm.md#certificates.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass

import numpy as np

from .._maxmargin import CertificateError, MaxMarginDesign, NotSeparableError, feature_design, solve
from ..summary import compact_repr
from ..validate import as_bool, as_choice, as_finite_array
from ._data import _as_selection as as_selection
from ._data import as_sequences

__all__ = ["AttentionSVMCertificate", "CertificateError", "NotSeparableError", "is_locally_optimal", "margins",
           "max_margin", "prompt_max_margin", "support_tokens"]

_NORMS = ("fro", "nuc")
_METHODS = ("auto", "fast", "primal", "dual")

#: Nuclear-norm certificate tolerances. Clarabel's SDP tolerances are 1e-8 on scaled residuals
#: (tightened below); the conversion to these unscaled measures costs up to two decades.
NUCLEAR_TOLERANCES = {"margin": 1e-6,     # min margin >= 1 - tol
                      "gap": 1e-6,        # (upper - lower) / upper, both rigorous bounds
                      "active": 1e-5}     # a constraint is active when its margin <= 1 + tol


@compact_repr
@dataclass(frozen=True)
class AttentionSVMCertificate:
    r"""Evidence that an attention-SVM solution is feasible and optimal.

    Attributes
    ----------
    norm : str
        ``"fro"`` or ``"nuc"``.
    method : str
        The solver (``"fast"``, ``"primal"``, ``"dual"`` for fro; ``"sdp"`` for nuc).
    status : str
        The solver's status.
    min_margin : float
        $\min_{i,t\ne\alpha_i}(x_{i\alpha_i} - x_{it})^\top W z_i$, at least $1 - \mathrm{tol}$.
    objective : float
        $\|W\|_F$ or $\|W\|_\star$.
    lower_bound : float
        A dual lower bound on the optimal norm (fro: $\sqrt{2D(C)}$ of the engine's dual point;
        nuc: $\sum\lambda/\|M\|_{op}$).
    duality_gap : float
        Relative gap between the rigorous upper bound (the rescaled-feasible objective) and
        ``lower_bound``.
    n_active : int
        Active constraints (support tokens).
    active : numpy.ndarray
        Bool (n, T) mask of the support tokens $t$ (margin $\le 1 + \mathrm{tol}$).
    solve_time : float
        Seconds spent in the solver.
    passed : bool
        Every check within its tolerance.
    tolerances : dict
        The tolerances used.
    """

    norm: str
    method: str
    status: str
    min_margin: float
    objective: float
    lower_bound: float
    duality_gap: float
    n_active: int
    active: np.ndarray
    solve_time: float
    passed: bool
    tolerances: dict


def _features(X, z):
    """Rows $\\mathrm{vec}(x_{it} z_i^\\top)$ (row-major), shape (n·T, d²)."""
    n, T, d = X.shape
    return np.einsum("itd,ie->itde", X, z).reshape(n * T, d * d)


def _design(X, z, sel) -> MaxMarginDesign:
    n, T, d = X.shape
    in_set = np.zeros((n, T), bool)
    in_set[np.arange(n), sel] = True
    base = feature_design(_features(X, z), in_set, theta_shape=(d, d))
    gram = (np.einsum("itd,jsd->itjs", X, X) * (z @ z.T)[:, None, :, None]).reshape(n * T, n * T)
    gram = 0.5 * (gram + gram.T)
    lip = max(float(np.linalg.eigvalsh(gram)[-1]), 1e-300)
    return dataclasses.replace(
        base,
        scores=lambda W: np.einsum("itd,de,ie->it", X, W, z),
        adjoint=lambda C: np.einsum("it,itd,ie->de", C, X, z),
        kernel=lambda C: (gram @ C.reshape(-1)).reshape(n, T),
        lipschitz=lip)


def _margins(W, X, z, sel):
    s = np.einsum("itd,de,ie->it", X, W, z)
    n = X.shape[0]
    m = s[np.arange(n), sel][:, None] - s
    m[np.arange(n), sel] = np.inf
    return m


#: Clarabel settings for the SDP, tightest first. The certificate below is rigorous whatever the
#: solver's status, so an "optimal_inaccurate" answer at 1e-10 is kept when it passes; otherwise
#: Clarabel's defaults (1e-8) are tried.
_SDP_LADDER = (dict(tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10, max_iter=500), dict())


def _nuclear(X, z, sel, tol):
    """Solve Att-SVM⋆ and certify; returns (W, certificate) or (None, status) when infeasible."""
    import warnings

    import cvxpy as cp
    import scipy.sparse as sp

    n, T, d = X.shape
    Phi = _features(X, z).reshape(n, T, d * d)
    rows = [Phi[i, sel[i]] - Phi[i, t] for i in range(n) for t in range(T) if t != sel[i]]
    D = sp.csr_matrix(np.asarray(rows))
    W = cp.Variable((d, d))
    cons = [D @ cp.vec(W, order="C") >= 1]
    prob = cp.Problem(cp.Minimize(cp.normNuc(W)), cons)
    cert = None
    elapsed = 0.0
    for opts in _SDP_LADDER:
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)     # "may be inaccurate": the certificate decides
            prob.solve(solver=cp.CLARABEL, **opts)
        elapsed += time.perf_counter() - t0
        if prob.status in ("infeasible", "infeasible_inaccurate"):
            return None, prob.status
        if W.value is None or cons[0].dual_value is None:
            continue
        lam = np.maximum(np.asarray(cons[0].dual_value, dtype=float).ravel(), 0.0)
        cert = _nuclear_certificate(np.asarray(W.value), lam, X, z, sel, prob.status, elapsed, tol)
        if cert.passed:
            return np.asarray(W.value), cert
    if cert is None:
        raise CertificateError(f"the nuclear-norm SDP on the data (X, z, selection) returned status "
                               f"{prob.status!r} without a solution")
    raise CertificateError(f"the nuclear-norm SDP on the data (X, z, selection) fails its certificate: status "
                           f"{cert.status!r}, min margin {cert.min_margin:.3g}, relative gap "
                           f"{cert.duality_gap:.3g} (tolerances {tol})")


def _nuclear_certificate(W, lam, X, z, sel, status, elapsed, tol):
    n, T, d = X.shape
    m = _margins(W, X, z, sel)
    min_margin = float(m.min())
    obj = float(np.linalg.norm(W, "nuc"))
    coef = np.zeros((n, T))
    k = 0
    for i in range(n):
        for t in range(T):
            if t != sel[i]:
                coef[i, t] = lam[k]
                k += 1
    # M = sum_it lam_it (x_{i sel} - x_it) z_i^T
    diffs = X[np.arange(n), sel][:, None, :] - X                     # (n, T, d)
    M = np.einsum("it,itd,ie->de", coef, diffs, z)
    op = float(np.linalg.norm(M, 2))
    lower = float(lam.sum()) / op if op > 0 else 0.0
    upper = obj / min(1.0, min_margin) if min_margin > 0 else math.inf
    gap = (upper - lower) / upper if math.isfinite(upper) and upper > 0 else math.inf
    active = m <= 1 + tol["active"]
    passed = min_margin >= 1 - tol["margin"] and gap <= tol["gap"]
    return AttentionSVMCertificate("nuc", "sdp", status, min_margin, obj, lower, gap, int(active.sum()), active,
                                   elapsed, bool(passed), dict(tol))


def _scaled(X, z):
    """Scale tokens and queries to max |entry| 1: the solution of (aX, bz) is W/(ab)."""
    a = float(np.max(np.abs(X)))
    b = float(np.max(np.abs(z)))
    if a == 0.0 or b == 0.0:
        raise NotSeparableError("the data (X, z, selection) are not separable: every token or every query is zero, "
                                "so every score is 0 [failing family: inequalities]")
    return X / a, z / b, a * b


def max_margin(X, z, selection, norm: str = "fro", *, method: str = "auto", return_certificate: bool = False):
    r"""The attention SVM $W^{mm}$ for a token selection (Tarzanagh et al. 2023, Att-SVM / Att-SVM⋆), certified.

    $$W^{mm} = \mathrm{arg\,min}_W \|W\| \quad\text{s.t.}\quad (x_{i\alpha_i} - x_{it})^\top W z_i \ge 1
    \quad \forall i \in [n],\ t \ne \alpha_i,$$

    with $\|W\|_F$ (``norm="fro"``: the limit direction of the $W$-parameterisation) or the
    nuclear norm $\|W\|_\star$ (``norm="nuc"``: of the $(K, Q)$-parameterisation $W = KQ^\top$).

    Parameters
    ----------
    X : array_like, shape (n, T, d)
        Tokens $x_{it}$ (rows of each sequence), T >= 2.
    z : array_like, shape (n, d)
        Queries $z_i$ ($x_{iT}$ for self-attention).
    selection : array_like of int, shape (n,)
        The selected token $\alpha_i \in [0, T)$ of each sequence.
    norm : {"fro", "nuc"}, default "fro"
    method : {"auto", "fast", "primal", "dual"}, default "auto"
        Frobenius only: the engine's method (``"fast"``: accelerated dual gradient + active-set
        polish; ``"primal"``/``"dual"``: CVXPY + Clarabel). The nuclear problem is always the
        CVXPY + Clarabel SDP.
    return_certificate : bool, default False
        Also return the :class:`AttentionSVMCertificate`.

    Returns
    -------
    numpy.ndarray, shape (d, d), or tuple (numpy.ndarray, AttentionSVMCertificate)
        $W^{mm}$ (and its passed certificate).

    Raises
    ------
    NotSeparableError
        No $W$ meets the constraints (for example two identical tokens, one selected).
    CertificateError
        The solver's answer fails its certificate (never returned silently).
    ValueError
        Bad input, naming the argument.
    """
    X, z = as_sequences(X, z)
    n, T, d = X.shape
    sel = as_selection(selection, n, T)
    norm = as_choice(norm, "norm", _NORMS)
    method = as_choice(method, "method", _METHODS)
    as_bool(return_certificate, "return_certificate")
    Xs, zs, scale = _scaled(X, z)
    if norm == "fro":
        t0 = time.perf_counter()
        W, c = solve(_design(Xs, zs, sel), method, what="separable by attention", data="(X, z, selection) ")
        elapsed = time.perf_counter() - t0
        W = W / scale
        m = _margins(W, X, z, sel)
        obj = float(np.linalg.norm(W))
        dual = max(obj * obj * (1 - c.duality_gap), 0.0) if obj > 0 else 0.0   # primal - |gap|·primal
        lower = math.sqrt(dual)
        cert = AttentionSVMCertificate("fro", c.method, c.status, float(m.min()), obj, lower,
                                       float(c.duality_gap), int(c.n_active), c.active.copy(), elapsed,
                                       bool(c.passed), dict(c.tolerances))
    else:
        tol = dict(NUCLEAR_TOLERANCES)
        W, c = _nuclear(Xs, zs, sel, tol)
        if W is None:
            from .._maxmargin_cvx import _not_separable, separability_lp
            family = separability_lp(_design(Xs, zs, sel)) or "inequalities"
            raise _not_separable(family, "separable by attention", "(X, z, selection) ")
        W = W / scale
        cert = dataclasses.replace(c, objective=c.objective / scale, lower_bound=c.lower_bound / scale)
    return (W, cert) if return_certificate else W


def margins(W, X, z, selection) -> np.ndarray:
    r"""Margins $(x_{i\alpha_i} - x_{it})^\top W z_i$, shape (n, T); ``+inf`` at $t = \alpha_i$.

    Parameters
    ----------
    W : array_like, shape (d, d)
    X : array_like, shape (n, T, d)
    z : array_like, shape (n, d)
    selection : array_like of int, shape (n,)

    Returns
    -------
    numpy.ndarray, shape (n, T)
    """
    X, z = as_sequences(X, z)
    n, T, d = X.shape
    sel = as_selection(selection, n, T)
    W = as_finite_array(W, "W", shape=(d, d))
    return _margins(W, X, z, sel)


def support_tokens(X, z, selection, norm: str = "fro") -> np.ndarray:
    r"""The SVM-neighbours: tokens whose constraint is active at $W^{mm}_\alpha$, bool (n, T).

    Parameters
    ----------
    X : array_like, shape (n, T, d)
    z : array_like, shape (n, d)
    selection : array_like of int, shape (n,)
    norm : {"fro", "nuc"}, default "fro"

    Returns
    -------
    numpy.ndarray of bool, shape (n, T)
    """
    _, cert = max_margin(X, z, selection, norm, return_certificate=True)
    return cert.active


def is_locally_optimal(X, z, selection, scores, norm: str = "fro") -> bool:
    r"""Whether the selection is locally optimal (Tarzanagh et al. 2023, the model): separable, and every
    SVM-neighbour $t$ of sequence $i$ (active constraint at $W^{mm}_\alpha$) scores strictly lower,
    $\gamma_{i\alpha_i} > \gamma_{it}$.

    Parameters
    ----------
    X : array_like, shape (n, T, d)
    z : array_like, shape (n, d)
    selection : array_like of int, shape (n,)
    scores : array_like, shape (n, T)
        Token scores $\gamma_{it}$ (:func:`token_scores`).
    norm : {"fro", "nuc"}, default "fro"

    Returns
    -------
    bool
    """
    X, z = as_sequences(X, z)
    n, T, _ = X.shape
    sel = as_selection(selection, n, T)
    g = as_finite_array(scores, "scores", shape=(n, T))
    try:
        active = support_tokens(X, z, sel, norm)
    except NotSeparableError:
        return False
    g_sel = g[np.arange(n), sel][:, None]
    return bool(np.all(~active | (g < g_sel)))


def prompt_max_margin(X, W, selection, *, return_certificate: bool = False):
    r"""The prompt-tuning SVM (Tarzanagh et al. 2023a, MMTS): $p^{mm} = \mathrm{arg\,min}\|p\|$ s.t.
    $(x_{i\alpha_i} - x_{it})^\top W p \ge 1$ for all $i$, $t \ne \alpha_i$, certified.

    The model $f(X) = v^\top X^\top S(XWp)$ with a trainable prompt $p$: the same engine with
    features $\phi_{i,t} = W^\top x_{it}$.

    Parameters
    ----------
    X : array_like, shape (n, T, d)
    W : array_like, shape (d, d)
        The fixed key-query matrix.
    selection : array_like of int, shape (n,)
    return_certificate : bool, default False

    Returns
    -------
    numpy.ndarray, shape (d,), or tuple (numpy.ndarray, MaxMarginCertificate)
    """
    X = as_finite_array(X, "X", ndim=3)
    n, T, d = X.shape
    if n < 1 or d < 1:
        raise ValueError(f"X must have at least one sequence and one feature; got shape {X.shape}")
    if T < 2:
        raise ValueError(f"X must have at least 2 tokens per sequence; got shape {X.shape}")
    W = as_finite_array(W, "W", shape=(d, d))
    sel = as_selection(selection, n, T)
    as_bool(return_certificate, "return_certificate")
    F = (X @ W).reshape(n * T, d)
    scale = float(np.max(np.abs(F)))
    if scale == 0.0:
        raise NotSeparableError("the data (X, W, selection) are not separable: every feature W^T x_it is zero "
                                "[failing family: inequalities]")
    in_set = np.zeros((n, T), bool)
    in_set[np.arange(n), sel] = True
    p, cert = solve(feature_design(F / scale, in_set, theta_shape=(d,)), "auto", what="separable by a prompt",
                    data="(X, W, selection) ")
    p = p / scale
    return (p, cert) if return_certificate else p
