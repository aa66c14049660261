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
``"dual"`` (CVXPY + Clarabel on the dual above, through a square-root factor of the kernel), and
``"fast"``: FISTA with adaptive restart on the dual (the projection onto the dual-feasible set is
exact: per group a monotone piecewise-linear equation in a shift $\tau_g$, solved by a sort and
cumulative sums), then an active-set polish (the equality-constrained problem on the active
constraints, solved by projected conjugate gradients with the scores/adjoint operators, repeated
with primal-dual active-set updates until every sign and margin holds). Every solution is
certified (:class:`MaxMarginCertificate`); one that fails raises :class:`CertificateError`.
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
    """The data are not separable: the max-margin constraints are infeasible."""


class CertificateError(RuntimeError):
    """A solver returned a solution whose certificate fails (the message says which check)."""


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
        $\min_g(\min_{a \in I_g} s_{g,a} - \max_{o \in O_g} s_{g,o})$; at least $1 - $ tol.
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
    ``cvxpy_scores(theta_var)`` a cvxpy (G, A) expression (primal); ``cvxpy_factor(C_var)`` a
    cvxpy expression whose sum of squares is $\\|\\mathrm{adj}(C)\\|^2$ (dual);
    ``features()`` a scipy sparse (G·A, p) matrix, row g·A + a = vec φ_{g,a} (the LP).
    """

    theta_shape: tuple
    in_set: np.ndarray
    valid: np.ndarray
    scores: Callable
    adjoint: Callable
    features: Callable
    cvxpy_scores: Callable
    cvxpy_factor: Callable
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
    $C \mapsto (X^\top X)\,C$, so the dual needs only the Gram matrix."""
    X = np.asarray(X, dtype=np.float64)
    in_set = np.asarray(in_set, dtype=bool)
    G, A = in_set.shape
    valid = np.ones((G, A), bool) if valid is None else np.asarray(valid, dtype=bool)
    d = X.shape[0]
    gram = X.T @ X
    evals, evecs = np.linalg.eigh(gram)
    lip = max(float(evals[-1]), 1e-300)
    keep = evals > evals[-1] * 1e-13 if evals[-1] > 0 else np.zeros_like(evals, bool)
    root = evecs[:, keep] * np.sqrt(evals[keep])           # gram = root root^T (singular gram: d < G)
    q, r = np.linalg.qr(X, mode="reduced") if d > 0 else (None, np.zeros((0, G)))
    xr = r if r.shape[0] < d else X                         # LP: scores depend on theta Q only

    def features():
        import scipy.sparse as sp
        k = xr.shape[0]
        rows = np.repeat(np.arange(G * A), k)
        cols = (np.arange(A)[None, :, None] * k + np.arange(k)[None, None, :]) * np.ones((G, 1, 1), int)
        vals = np.broadcast_to(xr.T[:, None, :], (G, A, k))
        return sp.csr_matrix((vals.ravel(), (rows, cols.ravel())), shape=(G * A, A * k))

    return MaxMarginDesign(
        theta_shape=(A, d), in_set=in_set, valid=valid,
        scores=lambda th: X.T @ th.T, adjoint=lambda C: (X @ C).T, kernel=lambda C: gram @ C,
        lipschitz=lip, features=features,
        cvxpy_scores=lambda th: (th @ X).T, cvxpy_factor=lambda C: root.T @ C)


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

    def cvx_factor(C):
        import cvxpy as cp
        return PhiT @ cp.vec(C, order="C")

    return MaxMarginDesign(
        theta_shape=shape, in_set=in_set, valid=valid,
        scores=lambda th: (Phi @ np.ravel(th)).reshape(G, A),
        adjoint=lambda C: (PhiT @ np.ravel(C)).reshape(shape),
        lipschitz=None, features=lambda: Phi, cvxpy_scores=cvx_scores, cvxpy_factor=cvx_factor)


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
    ys = np.sort(np.where(outm, Y, np.inf), axis=1)
    finite = np.isfinite(ys)
    cs = np.cumsum(np.where(finite, ys, 0.0), axis=1)
    k = np.arange(1, Y.shape[1] + 1)
    with np.errstate(invalid="ignore"):
        f = sum_in[:, None] + cs - (n_in[:, None] + k) * ys
    istar = np.count_nonzero(finite & (f > 0), axis=1)
    cs0 = np.concatenate([np.zeros((Y.shape[0], 1)), cs], axis=1)
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
                                active, False, tol, primal)
    values = (min_margin, eq_res, gap, kkt)
    ok = all(math.isfinite(v) for v in values) and not cert.failures()
    return dataclasses.replace(cert, passed=bool(ok))


# ------------------------------------------------------------------------------------------
# infeasibility: the LP that names the failing family


def separability_lp(design) -> str | None:
    """Decide feasibility with two LPs (HiGHS): None when separable, else the failing family.

    Returns ``"inequalities"`` when $\\min_{I_g} s \\ge \\max_{O_g} s + 1$ alone is infeasible,
    ``"equalities + inequalities"`` when only the two together are.

    Parameters
    ----------
    design : MaxMarginDesign

    Returns
    -------
    str or None
    """
    import scipy.sparse as sp
    from scipy.optimize import linprog

    Phi = sp.csr_matrix(design.features())
    G, A = design.in_set.shape
    p = Phi.shape[1]
    inm, outm = design.in_set.ravel(), design.out_set.ravel()
    grp = np.repeat(np.arange(G), A)
    T = sp.csr_matrix((np.ones(G * A), (np.arange(G * A), grp)), shape=(G * A, G))
    # variables (theta, t): s_a >= t_g on I (or ==), s_o - t_g <= -1 on O
    A_in = sp.hstack([-Phi[inm], T[inm]]).tocsr()
    A_out = sp.hstack([Phi[outm], -T[outm]]).tocsr()
    bounds = [(None, None)] * (p + G)
    c = np.zeros(p + G)
    ub = sp.vstack([A_in, A_out]).tocsr()
    res = linprog(c, A_ub=ub, b_ub=np.r_[np.zeros(A_in.shape[0]), -np.ones(A_out.shape[0])],
                  bounds=bounds, method="highs")
    if res.status == 2:
        return "inequalities"
    res = linprog(c, A_ub=A_out, b_ub=-np.ones(A_out.shape[0]), A_eq=A_in, b_eq=np.zeros(A_in.shape[0]),
                  bounds=bounds, method="highs")
    if res.status == 2:
        return "equalities + inequalities"
    if res.status != 0:
        raise RuntimeError(f"the separability LP did not finish (HiGHS status {res.status}: {res.message})")
    return None


def _not_separable(family, what):
    detail = ("the margin inequalities alone are infeasible (no parameter scores every in-option "
              "at least 1 above every out-option)" if family == "inequalities" else
              "the inequalities are feasible, but not together with the in-set equalities")
    return NotSeparableError(f"the data are not {what}: {detail} [failing family: {family}]")


# ------------------------------------------------------------------------------------------
# solvers


# Clarabel settings, tightest first: a degenerate QP (weakly active constraints) converges only
# as sqrt(gap) in the solution, so 1e-12 gaps are needed for ~1e-7 agreement between solvers;
# when Clarabel cannot reach them ("optimal_inaccurate") the next, looser, setting is tried.
_CLARABEL_LADDER = (dict(tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12, max_iter=500,
                         static_regularization_constant=1e-10),
                    dict(tol_gap_abs=1e-11, tol_gap_rel=1e-11, tol_feas=1e-11, max_iter=500),
                    dict())


def _clarabel(prob):
    """Solve with the first setting of the ladder that ends "optimal"; returns the tolerance used."""
    import warnings

    import cvxpy as cp

    for opts in _CLARABEL_LADDER:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)      # "solution may be inaccurate": we retry
            prob.solve(solver=cp.CLARABEL, **opts)
        if prob.status in ("optimal", "infeasible", "unbounded"):
            break
    return opts.get("tol_gap_rel", 1e-8)


def _solve_primal(design, tol):
    import cvxpy as cp
    import scipy.sparse as sp

    inm, outm = design.in_set, design.out_set
    G, A = inm.shape
    anchor = np.argmax(inm, axis=1)                      # first in-option of each group
    flat_anchor = np.arange(G) * A + anchor
    g_eq, a_eq = np.nonzero(inm)
    keep = a_eq != anchor[g_eq]
    g_eq, a_eq = g_eq[keep], a_eq[keep]
    g_in, o_in = np.nonzero(outm)

    def diff(g, a):
        n = len(g)
        rows = np.r_[np.arange(n), np.arange(n)]
        cols = np.r_[g * A + a, flat_anchor[g]]
        return sp.csr_matrix((np.r_[np.ones(n), -np.ones(n)], (rows, cols)), shape=(n, G * A))

    E_eq = diff(g_eq, a_eq)          # s_{g,a} - s_{g,anchor} == 0
    E_in = -diff(g_in, o_in)         # s_{g,anchor} - s_{g,o} >= 1
    theta = cp.Variable(design.theta_shape)
    s = cp.vec(design.cvxpy_scores(theta), order="C")
    cons = [E_in @ s >= 1]
    if E_eq.shape[0]:
        cons.append(E_eq @ s == 0)
    prob = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(theta)), cons)
    _clarabel(prob)
    if prob.status in ("infeasible", "infeasible_inaccurate"):
        return None, None, prob.status
    if theta.value is None:
        raise CertificateError(f"the primal solver returned status {prob.status!r} without a solution")
    lam = np.asarray(cons[0].dual_value).ravel()
    # CVXPY's Lagrangian: f + lam (1 - E_in s) + nu E_eq s, so theta = adj(E_in^T lam - E_eq^T nu)
    c = E_in.T @ lam
    if E_eq.shape[0]:
        c = c - E_eq.T @ np.asarray(cons[1].dual_value).ravel()
    return np.asarray(theta.value), c.reshape(G, A), prob.status


def _solve_dual(design, tol):
    import cvxpy as cp

    inm, outm, valid = design.in_set, design.out_set, design.valid
    G, A = inm.shape
    C = cp.Variable((G, A))
    vec = cp.vec(C, order="C")
    cons = [cp.sum(C, axis=1) == 0, vec[np.flatnonzero(outm)] <= 0]
    if (~valid).any():
        cons.append(vec[np.flatnonzero(~valid)] == 0)
    obj = cp.sum(vec[np.flatnonzero(inm)]) - 0.5 * cp.sum_squares(design.cvxpy_factor(C))
    prob = cp.Problem(cp.Maximize(obj), cons)
    _clarabel(prob)
    if prob.status in ("unbounded", "unbounded_inaccurate", "infeasible", "infeasible_inaccurate"):
        return None, None, prob.status               # dual unbounded <=> primal infeasible
    if C.value is None:
        raise CertificateError(f"the dual solver returned status {prob.status!r} without a solution")
    Cv = np.where(valid, np.asarray(C.value), 0.0)
    return design.adjoint(Cv), Cv, prob.status


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
    with zero group sums: projected conjugate gradients from C0."""
    cnt = support.sum(axis=1, keepdims=True)

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
    return x


def _polish(design, C, lin, tol, rounds=25):
    """Primal-dual active-set refinement from the FISTA iterate; returns (theta, C) or None."""
    inm, outm = design.in_set, design.out_set
    act = outm & (C < 0)
    for _ in range(rounds):
        Cs = _polish_cg(design, C, inm | act, lin)
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


def _solve_fast(design, tol, max_iter=20000):
    inm, outm = design.in_set, design.out_set
    n_in = inm.sum(axis=1).astype(float)
    lin = inm.astype(float)
    L = _lipschitz(design)
    C = np.zeros(inm.shape)
    Y, t = C, 1.0
    lin_norm = float(np.linalg.norm(lin))
    next_polish, last_obj, check_every = 1e-3, None, 200
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
        if res <= next_polish:
            out = _polish(design, C, lin, tol)
            if out is not None:
                theta, Cs = out
                cert = certify(design, theta, Cs, "fast", "polished", tol)
                if cert.passed:
                    return theta, Cs, cert, it
            next_polish = res * 1e-2
        if it % check_every == 0:                                   # dual divergence?
            th = design.adjoint(C)
            lin_part = float(np.sum(C[inm]))
            quad = float(np.sum(th * th))
            obj = lin_part - 0.5 * quad
            if last_obj is not None and obj > 2 * last_obj > 0 and quad < 1e-2 * lin_part:
                return None, C, None, it
            last_obj = obj
    return None, C, None, max_iter


def solve(design, method="auto", tol=None, what="separable"):
    """Solve the max-margin problem of ``design``; returns (theta, certificate).

    Parameters
    ----------
    design : MaxMarginDesign
    method : {"auto", "fast", "primal", "dual"}
        ``"auto"`` is ``"fast"``.
    tol : dict, optional
        Certificate tolerances (default :data:`TOLERANCES`).
    what : str
        Words for the error message ("NTP-separable", "linearly separable").

    Returns
    -------
    tuple (numpy.ndarray, MaxMarginCertificate)
        The certified solution.
    """
    tol = dict(TOLERANCES, **(tol or {}))
    if not design.out_set.any():
        raise ValueError("no group has an out-option: there are no margin constraints, so the "
                         "max-margin solution is undefined")
    method = "fast" if method == "auto" else method
    if method == "fast":
        theta, C, cert, _ = _solve_fast(design, tol)
        if theta is None:
            family = separability_lp(design)
            if family is not None:
                raise _not_separable(family, what)
            raise CertificateError("the fast method did not reach a certified solution within its "
                                   "iteration budget although the data are separable; use "
                                   "method='dual' or method='primal'")
        return theta, cert
    if method == "primal":
        theta, C, status = _solve_primal(design, tol)
    elif method == "dual":
        theta, C, status = _solve_dual(design, tol)
    else:
        raise ValueError(f"method must be one of 'auto', 'fast', 'primal', 'dual'; got {method!r}")
    if theta is None:
        family = separability_lp(design)
        if family is not None:
            raise _not_separable(family, what)
        raise CertificateError(f"the {method} solver reported {status!r} but the LP finds the data separable")
    cert = certify(design, theta, C, method, status, tol)
    if status != "optimal" or not cert.passed:
        raise CertificateError(f"the {method} solution fails its certificate (status {status!r}): "
                               + "; ".join(cert.failures() or ["solver status not optimal"]))
    return theta, cert
