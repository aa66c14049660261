r"""One generic equality-subspace max-margin engine, with certificates (private; docs/ntp.md).

The problem. A parameter $\theta$ (any shape); groups $g = 0..G-1$, each with options $a$ (a
rectangle of $G \times A$ slots with a ``valid`` mask); linear scores
$s_{g,a}(\theta) = \langle \theta, \phi_{g,a}\rangle$ given by an operator ``scores`` and its
adjoint ``adjoint``; an in-set $I_g$ (nonempty) and an out-set $O_g$ (valid, not in $I_g$):

$$\min_\theta \tfrac12\|\theta\|^2 \quad\text{s.t.}\quad s_{g,a} = s_{g,a'}\ (a, a' \in I_g),
\qquad s_{g,a} - s_{g,o} \ge 1\ (a \in I_g,\ o \in O_g).$$

With a common in-score $t_g$ the constraints read $s_{g,a} = t_g$ on $I_g$ and
$s_{g,o} \le t_g - 1$ on $O_g$. Multipliers $C_{g,a}$ (free on $I_g$, $C_{g,o} = -\lambda_{g,o} \le 0$
on $O_g$, zero elsewhere) give the Lagrangian
$\tfrac12\|\theta\|^2 - \langle C, s(\theta)\rangle + \sum_g t_g \sum_a C_{g,a} - \sum_{g,o} C_{g,o}$;
minimising over $t$ forces $\sum_a C_{g,a} = 0$, over $\theta$ gives $\theta = \mathrm{adj}(C)$, and
$-\sum_O C = \sum_I C$, so the dual is

$$\max_C\ \sum_{g,\,a \in I_g} C_{g,a} - \tfrac12\|\mathrm{adj}(C)\|^2 \quad\text{s.t.}\quad
\textstyle\sum_a C_{g,a} = 0,\ C_{g,o} \le 0\ (o \in O_g),\ C = 0 \text{ off valid},$$

with $\theta^\star = \mathrm{adj}(C^\star)$. NTP (Thrampoulidis 2024, Def. 3), the multiclass and
binary hard-margin SVMs and the attention SVM are designs of this one problem.

Methods: ``"primal"`` (CVXPY + Clarabel, anchored constraints through the design's cvxpy scores),
``"dual"`` (CVXPY + Clarabel on the dual above, through the kernel's quadratic form), and
``"fast"``: FISTA with adaptive restart on the dual (the projection onto the dual-feasible set is
exact: per group a monotone piecewise-linear equation in a shift $\tau_g$, solved by a sort and
cumulative sums), then an active-set polish (the equality-constrained problem on the active
constraints, solved by projected conjugate gradients with the scores/adjoint operators, repeated
with primal-dual active-set updates until every sign and margin holds). Every solution is
certified (:class:`MaxMarginCertificate`); one that fails raises :class:`CertificateError`. The CVXPY
methods and the LP live in :mod:`theory._maxmargin_cvx`.
Infeasible data raise :class:`NotSeparableError`, the failing constraint family decided by an LP.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .summary import compact_repr

__all__ = ["CertificateError", "MaxMarginCertificate", "MaxMarginDesign", "NotSeparableError",
           "TOLERANCES", "feature_design", "kernel_design", "separability_lp", "solve"]

#: Default certificate tolerances. Clarabel's default feasibility and gap tolerances are 1e-8
#: (on its scaled residuals); two decades of slack cover the conversion to these unscaled
#: measures. The fast method reaches ~1e-12 on all of them.
TOLERANCES = {"margin": 1e-6,       # min margin >= 1 - tol (margins are normalised to 1)
              "equality": 1e-6,     # max in-set score spread (absolute, same scale)
              "gap": 1e-6,          # |primal - dual| / primal
              "kkt": 1e-6,          # ||theta - adj(C)|| / ||theta||
              "active": 1e-6}       # an out-option is active when its margin <= 1 + tol


class NotSeparableError(ValueError):
    """The data are not separable: the max-margin constraints are infeasible.

    Attributes
    ----------
    args : tuple of str
        The message: which constraint family failed ("inequalities", or "equalities +
        inequalities"), decided by an LP.
    """


class CertificateError(RuntimeError):
    """A solver returned a solution whose certificate fails; it is not returned.

    Attributes
    ----------
    args : tuple of str
        The message: the method, its status and each failing check with its value and tolerance.
    """


@compact_repr
@dataclass(frozen=True)
class MaxMarginCertificate:
    r"""Evidence that a max-margin solution is feasible and optimal.

    Attributes
    ----------
    method : str
        ``"fast"``, ``"primal"`` or ``"dual"`` (the solver that produced it).
    status : str
        The solver's status (``"optimal"`` for CVXPY; ``"polished"`` for the fast method).
    min_margin : float
        $\min_g(\min_{a \in I_g} s_{g,a} - \max_{o \in O_g} s_{g,o})$; at least $1 - \mathrm{tol}$.
    equality_residual : float
        $\max_g(\max_{I_g} s - \min_{I_g} s)$, the violation of the equalities.
    duality_gap : float
        $|\tfrac12\|\theta\|^2 - D(C)| / \tfrac12\|\theta\|^2$ for the dual-feasible point $C$
        (the solver's multipliers projected exactly onto the dual-feasible set).
    kkt_residual : float
        Stationarity $\|\theta - \mathrm{adj}(C)\| / \|\theta\|$.
    n_active : int
        Number of active out-constraints (margin within tol of 1).
    active : numpy.ndarray
        Bool (G, A) mask of the active out-options.
    passed : bool
        Whether every check is within its tolerance.
    tolerances : dict
        The tolerances used (keys margin, equality, gap, kkt, active).
    objective : float
        $\tfrac12\|\theta\|^2$.
    multipliers : numpy.ndarray
        The dual-feasible (G, A) multipliers $C$ behind the gap and KKT residual ($\theta \approx
        \mathrm{adj}(C)$; $-C_{g,o}$ is the multiplier of out-option o's margin constraint).
    """

    method: str
    status: str
    min_margin: float
    equality_residual: float
    duality_gap: float
    kkt_residual: float
    n_active: int
    active: np.ndarray
    passed: bool
    tolerances: dict
    objective: float = math.nan
    multipliers: np.ndarray | None = None

    def failures(self) -> list[str]:
        """The checks that fail, each with its value and tolerance (empty when passed)."""
        tol = self.tolerances
        out = []
        if not self.min_margin >= 1 - tol["margin"]:
            out.append(f"min margin {self.min_margin:.3g} < 1 - {tol['margin']:g}")
        if not self.equality_residual <= tol["equality"]:
            out.append(f"equality residual {self.equality_residual:.3g} > {tol['equality']:g}")
        if not self.duality_gap <= tol["gap"]:
            out.append(f"relative duality gap {self.duality_gap:.3g} > {tol['gap']:g}")
        if not self.kkt_residual <= tol["kkt"]:
            out.append(f"KKT residual {self.kkt_residual:.3g} > {tol['kkt']:g}")
        return out


@dataclass(frozen=True)
class MaxMarginDesign:
    """A specialisation of the engine: masks and linear operators (see the module doc).

    ``scores(theta) -> (G, A)``, ``adjoint(C) -> theta``; ``kernel(C)`` = scores(adjoint(C))
    when a cheaper form exists; ``lipschitz`` an upper bound on the kernel's largest eigenvalue;
    ``cvxpy_scores(theta_var)`` a cvxpy (G, A) expression (primal); ``cvxpy_quadratic(C_var)``
    a convex cvxpy expression equal to $\\|\\mathrm{adj}(C)\\|^2$ (dual);
    ``features()`` a scipy sparse (G·A, p) matrix, row g·A + a = vec φ_{g,a} (the LP).
    """

    theta_shape: tuple
    in_set: np.ndarray
    valid: np.ndarray
    scores: Callable
    adjoint: Callable
    features: Callable
    cvxpy_scores: Callable
    cvxpy_quadratic: Callable
    kernel: Callable | None = None
    lipschitz: float | None = None

    @property
    def out_set(self) -> np.ndarray:
        return self.valid & ~self.in_set

    def apply_kernel(self, C):
        return self.kernel(C) if self.kernel is not None else self.scores(self.adjoint(C))


def kernel_design(X, in_set, valid=None) -> MaxMarginDesign:
    r"""Design with one vector per group and one parameter row per option: $\theta$ is (A, d),
    $s_{g,a} = \theta_a^\top x_g$ ($X$ is (d, G)). NTP ($X = \bar H$, options = tokens) and the
    multiclass SVM ($X$ = data, options = classes) are this design; the kernel is
    $C \mapsto (X^\top X)\,C$, so the dual needs only the Gram matrix: its quadratic is
    $\sum_a C_{:,a}^\top (X^\top X) C_{:,a}$, a block-diagonal quadratic form (PSD also when the
    Gram matrix is singular, d < G). Handing Clarabel this sparse block-diagonal form is ~10x
    faster than ``sum_squares(R^T C)`` with a square-root factor R, which CVXPY turns into
    dense auxiliary equality constraints."""
    X = np.asarray(X, dtype=np.float64)
    in_set = np.asarray(in_set, dtype=bool)
    G, A = in_set.shape
    valid = np.ones((G, A), bool) if valid is None else np.asarray(valid, dtype=bool)
    d = X.shape[0]
    gram = X.T @ X
    gram = 0.5 * (gram + gram.T)                            # exactly symmetric for the QP
    lip = max(float(np.linalg.eigvalsh(gram)[-1]), 1e-300) if G else 1e-300

    def sparse_left(M, C):
        # multipliers are sparse (in-sets and active out-options only): a sparse product then costs
        # rows(M)·nnz(C) instead of rows(M)·G·A, single-threaded (no BLAS thread contention)
        if np.count_nonzero(C) < 0.25 * C.size:
            import scipy.sparse as sp
            return np.asarray(sp.csc_matrix(C).T @ M.T).T
        return M @ C

    def kernel(C):
        return sparse_left(gram, C)

    def cvx_quadratic(C):
        import cvxpy as cp
        import scipy.sparse as sp
        P = sp.block_diag([sp.csr_matrix(gram)] * A, format="csc")   # columns of C stacked (order F)
        return cp.quad_form(cp.vec(C, order="F"), cp.psd_wrap(P))

    def features():
        import scipy.sparse as sp
        r = np.linalg.qr(X, mode="r") if d > G else X       # LP: scores depend on theta Q only
        xr = r if r.shape[0] < d else X
        k = xr.shape[0]
        rows = np.repeat(np.arange(G * A), k)
        cols = (np.arange(A)[None, :, None] * k + np.arange(k)[None, None, :]) * np.ones((G, 1, 1), int)
        vals = np.broadcast_to(xr.T[:, None, :], (G, A, k))
        return sp.csr_matrix((vals.ravel(), (rows, cols.ravel())), shape=(G * A, A * k))

    return MaxMarginDesign(
        theta_shape=(A, d), in_set=in_set, valid=valid,
        scores=lambda th: X.T @ th.T, adjoint=lambda C: sparse_left(X, C).T, kernel=kernel,
        lipschitz=lip, features=features,
        cvxpy_scores=lambda th: (th @ X).T, cvxpy_quadratic=cvx_quadratic)


def feature_design(Phi, in_set, valid=None, theta_shape=None) -> MaxMarginDesign:
    r"""Design from an explicit feature matrix $\Phi$ (G·A, p), row g·A + a $= \phi_{g,a}$
    ($\theta$ flattened row-major); used by the binary SVM and small general problems."""
    import scipy.sparse as sp
    in_set = np.asarray(in_set, dtype=bool)
    G, A = in_set.shape
    valid = np.ones((G, A), bool) if valid is None else np.asarray(valid, dtype=bool)
    Phi = sp.csr_matrix(Phi, dtype=np.float64)
    p = Phi.shape[1]
    shape = (p,) if theta_shape is None else tuple(theta_shape)
    PhiT = Phi.T.tocsr()

    def cvx_scores(th):
        import cvxpy as cp
        return cp.reshape(Phi @ cp.vec(th, order="C"), (G, A), order="C")

    def cvx_quadratic(C):
        import cvxpy as cp
        return cp.sum_squares(PhiT @ cp.vec(C, order="C"))

    return MaxMarginDesign(
        theta_shape=shape, in_set=in_set, valid=valid,
        scores=lambda th: (Phi @ np.ravel(th)).reshape(G, A),
        adjoint=lambda C: (PhiT @ np.ravel(C)).reshape(shape),
        lipschitz=None, features=lambda: Phi, cvxpy_scores=cvx_scores, cvxpy_quadratic=cvx_quadratic)


# ------------------------------------------------------------------------------------------
# certificate


def _project(Y, inm, outm, n_in):
    r"""Euclidean projection onto $\{\sum_a C_{g,a} = 0,\ C_{g,o} \le 0\ (o \in O_g),\ 0$ elsewhere$\}$.

    $C = Y - \tau_g$ on $I_g$, $\min(Y - \tau_g, 0)$ on $O_g$; $\tau_g$ solves
    $f(\tau) = \sum_{I}(Y - \tau) + \sum_{O}\min(Y_o - \tau, 0) = 0$, strictly decreasing and
    piecewise linear. At the sorted out-values $y_{(i)}$, $f(y_{(i)}) = \Sigma_I + c_i - (|I_g| + i)y_{(i)}$
    ($c_i$ the cumulative sums), so the positive ones form a prefix of length $i^\ast$ and
    $\tau = (\Sigma_I + c_{i^\ast}) / (|I_g| + i^\ast)$ exactly.
    """
    sum_in = np.where(inm, Y, 0.0).sum(axis=1)
    # tau <= sum_in / |I_g| (f there is <= 0), so only out-values below it can be clipped: sort
    # just the smallest k of each row, k the largest count of such candidates
    cand = np.where(outm & (Y < (sum_in / n_in)[:, None]), Y, np.inf)
    k = int(np.max(np.count_nonzero(np.isfinite(cand), axis=1), initial=0))
    if k == 0:
        cand = cand[:, :1]
    elif k < Y.shape[1] // 2:
        cand = np.partition(cand, k - 1, axis=1)[:, :k]
    ys = np.sort(cand, axis=1)
    finite = np.isfinite(ys)
    cs = np.cumsum(np.where(finite, ys, 0.0), axis=1)
    idx = np.arange(1, ys.shape[1] + 1)
    with np.errstate(invalid="ignore"):
        f = sum_in[:, None] + cs - (n_in[:, None] + idx) * ys
    istar = np.count_nonzero(finite & (f > 0), axis=1)
    cs0 = np.concatenate([np.zeros((ys.shape[0], 1)), cs], axis=1)
    tau = (sum_in + np.take_along_axis(cs0, istar[:, None], axis=1)[:, 0]) / (n_in + istar)
    Z = Y - tau[:, None]
    return np.where(inm, Z, np.where(outm, np.minimum(Z, 0.0), 0.0))


def _margins(s, inm, outm):
    in_min = np.where(inm, s, np.inf).min(axis=1)
    in_max = np.where(inm, s, -np.inf).max(axis=1)
    return in_min, in_max


def certify(design, theta, C, method, status, tol=None) -> MaxMarginCertificate:
    """Certificate of ``theta`` with multipliers ``C`` (projected here onto the dual-feasible set).

    Parameters
    ----------
    design : MaxMarginDesign
    theta : numpy.ndarray
        Candidate solution.
    C : numpy.ndarray
        (G, A) candidate multipliers.
    method, status : str
        Recorded in the certificate.
    tol : dict, optional
        Tolerances (default :data:`TOLERANCES`).

    Returns
    -------
    MaxMarginCertificate
    """
    tol = dict(TOLERANCES, **(tol or {}))
    inm, outm = design.in_set, design.out_set
    theta = np.asarray(theta, dtype=np.float64)
    s = design.scores(theta)
    in_min, in_max = _margins(s, inm, outm)
    has_out = outm.any(axis=1)
    gaps = in_min[:, None] - s
    min_margin = float(np.where(outm, gaps, np.inf).min()) if has_out.any() else math.inf
    eq_res = float(np.max(in_max - in_min))
    Cp = _project(np.nan_to_num(np.asarray(C, dtype=np.float64)), inm, outm, inm.sum(axis=1))
    adjC = design.adjoint(Cp)
    primal = 0.5 * float(np.sum(theta * theta))
    dual = float(np.sum(Cp[inm])) - 0.5 * float(np.sum(adjC * adjC))
    gap = abs(primal - dual) / max(primal, np.finfo(float).tiny)
    kkt = float(np.linalg.norm(theta - adjC)) / max(math.sqrt(2 * primal), np.finfo(float).tiny)
    active = outm & (gaps <= 1 + tol["active"])
    cert = MaxMarginCertificate(method, status, min_margin, eq_res, gap, kkt, int(active.sum()),
                                active, False, tol, primal, Cp)
    values = (min_margin, eq_res, gap, kkt)
    ok = all(math.isfinite(v) for v in values) and not cert.failures()
    return dataclasses.replace(cert, passed=bool(ok))


def separability_lp(design) -> str | None:
    """None when separable, else the failing family (see :func:`theory._maxmargin_cvx.separability_lp`).

    Parameters
    ----------
    design : MaxMarginDesign

    Returns
    -------
    str or None
    """
    from ._maxmargin_cvx import separability_lp as lp

    return lp(design)


def _lipschitz(design, rng_seed=0):
    if design.lipschitz is not None:
        return float(design.lipschitz)
    rng = np.random.default_rng(rng_seed)
    x = rng.standard_normal(design.in_set.shape) * design.valid
    lam = 0.0
    for _ in range(100):                          # power iteration, then 10% safety margin
        y = design.apply_kernel(x) * design.valid
        nrm = float(np.linalg.norm(y))
        if nrm == 0:
            return 1e-300
        lam_new = nrm / max(float(np.linalg.norm(x)), 1e-300)
        x = y / nrm
        if abs(lam_new - lam) <= 1e-6 * lam_new:
            break
        lam = lam_new
    return 1.1 * lam_new


def _polish_cg(design, C0, support, lin, rtol=1e-13, max_iter=5000):
    """Min of $\\tfrac12\\|adj C\\|^2 - \\langle lin, C\\rangle$ over C supported on ``support``
    with zero group sums: projected conjugate gradients from C0. In exact arithmetic CG ends
    within the subspace's dimension; twice that (plus slack for rounding) bounds the work."""
    cnt = support.sum(axis=1, keepdims=True)
    max_iter = min(max_iter, 2 * int(support.sum()) + 50)

    def P(X):
        Xs = np.where(support, X, 0.0)
        return np.where(support, Xs - Xs.sum(axis=1, keepdims=True) / cnt, 0.0)

    x = P(C0)
    b = P(lin)
    bn = float(np.linalg.norm(b))
    r = b - P(design.apply_kernel(x))
    p = r.copy()
    rs = float(np.sum(r * r))
    for it in range(max_iter):
        if math.sqrt(rs) <= rtol * bn:
            break
        Ap = P(design.apply_kernel(p))
        pAp = float(np.sum(p * Ap))
        if pAp <= 0:
            break
        alpha = rs / pAp
        x += alpha * p
        if it % 50 == 49:                          # refresh the true residual against drift
            r = b - P(design.apply_kernel(x))
        else:
            r -= alpha * Ap
        rs_new = float(np.sum(r * r))
        p = r + (rs_new / rs) * p
        rs = rs_new
    # converged? (an inconsistent active set - more equalities than the data can meet - leaves a
    # residual that CG cannot remove; the polish then gives up instead of following garbage)
    r = b - P(design.apply_kernel(x))
    return x, float(np.linalg.norm(r)) <= 1e-8 * max(bn, np.finfo(float).tiny)


def _polish(design, C, lin, tol, rounds=25):
    """Primal-dual active-set refinement from the FISTA iterate; returns (theta, C) or None."""
    inm, outm = design.in_set, design.out_set
    act = outm & (C < 0)
    for _ in range(rounds):
        Cs, converged = _polish_cg(design, C, inm | act, lin)
        if not converged:
            return None
        theta = design.adjoint(Cs)
        s = design.scores(theta)
        t = np.where(inm, s, 0.0).sum(axis=1) / inm.sum(axis=1)
        margin = t[:, None] - s
        wrong_sign = act & (Cs > 0)
        violated = outm & ~act & (margin < 1 - 0.1 * tol["margin"])
        if not wrong_sign.any() and not violated.any():
            return theta, Cs
        act = (act & ~wrong_sign) | violated
        C = Cs
    return None


def _solve_fast(design, tol, max_iter=5000):
    inm, outm = design.in_set, design.out_set
    n_in = inm.sum(axis=1).astype(float)
    lin = inm.astype(float)
    L = _lipschitz(design)
    C = np.zeros(inm.shape)
    Y, t = C, 1.0
    lin_norm = float(np.linalg.norm(lin))
    next_polish, next_try, last_obj, check_every, lp_feasible = 1e-3, 500, None, 200, None
    for it in range(1, max_iter + 1):
        KY = design.apply_kernel(Y)
        Cn = _project(Y + (lin - KY) / L, inm, outm, n_in)
        step = Cn - Y
        res = L * float(np.linalg.norm(step)) / lin_norm          # gradient-mapping norm
        if float(np.sum((Y - Cn) * (Cn - C))) > 0:                # adaptive restart (gradient)
            t, Y = 1.0, Cn
        else:
            t_n = 0.5 * (1 + math.sqrt(1 + 4 * t * t))
            Y = Cn + ((t - 1) / t_n) * (Cn - C)
            t = t_n
        C = Cn
        if res <= next_polish or it == next_try:                    # polish: small residual, or
            next_try *= 2                                           # at iterations 500, 1000, 2000, ...
            out = _polish(design, C, lin, tol)
            if out is not None:
                theta, Cs = out
                cert = certify(design, theta, Cs, "fast", "polished", tol)
                if cert.passed:
                    return theta, Cs, cert, it
            next_polish = min(next_polish, res * 1e-2)
        if it % check_every == 0 and lp_feasible is None:           # dual divergence?
            # Feasible data: C_k -> C* and ||adj C||^2 / sum_I C -> 1 (complementarity). Infeasible:
            # the dual is unbounded along a ray with adj = 0, so the ratio -> 0 while the
            # objective grows. Then the LP decides (at most once: a feasible verdict is kept).
            th = design.adjoint(C)
            lin_part = float(np.sum(C[inm]))
            quad = float(np.sum(th * th))
            obj = lin_part - 0.5 * quad
            if last_obj is not None and obj > last_obj > 0 and quad < 0.05 * lin_part:
                family = separability_lp(design)
                if family is not None:
                    return None, C, family, it
                lp_feasible = True
            last_obj = obj
    return None, C, None, max_iter


def solve(design, method="auto", tol=None, what="separable", data=""):
    """Solve the max-margin problem of ``design``; returns (theta, certificate).

    Parameters
    ----------
    design : MaxMarginDesign
    method : {"auto", "fast", "primal", "dual"}
        ``"auto"``: ``"fast"``, and ``"dual"`` when the fast method cannot certify within its
        iteration budget (ill-conditioned, nearly non-separable data).
    tol : dict, optional
        Certificate tolerances (default :data:`TOLERANCES`).
    what : str
        Words for the error message ("NTP-separable", "linearly separable").
    data : str
        The arguments holding the data, for the message ("(H, support) ").

    Returns
    -------
    tuple (numpy.ndarray, MaxMarginCertificate)
        The certified solution.
    """
    from . import _maxmargin_cvx as cvx

    tol = dict(TOLERANCES, **(tol or {}))
    if not design.out_set.any():
        raise ValueError("no group has an out-option: there are no margin constraints, so the "
                         "max-margin solution is undefined")
    if method in ("auto", "fast"):
        theta, C, cert, _ = _solve_fast(design, tol)
        if theta is not None:
            return theta, cert
        family = cert if isinstance(cert, str) else separability_lp(design)
        if family is not None:
            raise cvx._not_separable(family, what, data)
        if method == "fast":
            raise CertificateError(f"the fast method did not reach a certified solution on the data {data}within "
                                   "its iteration budget although they are separable; use "
                                   "method='dual' or method='primal'")
        method = "dual"     # auto: ill-conditioned (nearly non-separable) data; the interior point decides
    if method == "primal":
        theta, C, status = cvx._solve_primal(design, tol)
    elif method == "dual":
        theta, C, status = cvx._solve_dual(design, tol)
    else:
        raise ValueError(f"method must be one of 'auto', 'fast', 'primal', 'dual'; got {method!r}")
    if theta is None:
        family = cvx.separability_lp(design)
        if family is not None:
            raise cvx._not_separable(family, what, data)
        raise CertificateError(f"the {method} solver reported {status!r} on the data {data}although the LP finds "
                               "them separable: too badly conditioned to certify (rescale or drop nearly "
                               "collinear inputs)")
    cert = certify(design, theta, C, method, status, tol)
    if status != "optimal" or not cert.passed:
        raise CertificateError(f"the {method} solution on the data {data}fails its certificate (status {status!r}): "
                               + "; ".join(cert.failures() or ["solver status not optimal"]))
    return theta, cert
