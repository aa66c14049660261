"""CVXPY + Clarabel methods and the separability LP of the max-margin engine (private).

The problem, its dual and the certificate are in :mod:`theory._maxmargin`; this module holds the
reference solvers it cross-checks the fast method against ("primal", "dual") and the HiGHS LPs
that decide which constraint family makes infeasible data infeasible.
"""

from __future__ import annotations

import numpy as np

from ._maxmargin import CertificateError, NotSeparableError

__all__ = ["separability_lp"]

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
    # Scaling every feature of one group by c_g > 0 keeps feasibility (scale theta by 1 / min c_g), so each
    # group is normalised to unit largest feature norm: groups of very different scales would otherwise
    # push HiGHS to call separable data infeasible.
    row_norm = np.sqrt(np.asarray(Phi.multiply(Phi).sum(axis=1)).ravel())
    group_norm = np.zeros(G)
    np.maximum.at(group_norm, grp, row_norm)
    group_norm[group_norm == 0] = 1.0
    Phi = sp.diags(1.0 / group_norm[grp]) @ Phi
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


def _not_separable(family, what, data=""):
    detail = ("the margin inequalities alone are infeasible (no parameter scores every in-option "
              "at least 1 above every out-option)" if family == "inequalities" else
              "the inequalities are feasible, but not together with the in-set equalities")
    return NotSeparableError(f"the data {data}are not {what}: {detail} [failing family: {family}]")


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
    obj = cp.sum(vec[np.flatnonzero(inm)]) - 0.5 * design.cvxpy_quadratic(C)
    prob = cp.Problem(cp.Maximize(obj), cons)
    _clarabel(prob)
    if prob.status in ("unbounded", "unbounded_inaccurate", "infeasible", "infeasible_inaccurate"):
        return None, None, prob.status               # dual unbounded <=> primal infeasible
    if C.value is None:
        raise CertificateError(f"the dual solver returned status {prob.status!r} without a solution")
    Cv = np.where(valid, np.asarray(C.value), 0.0)
    return design.adjoint(Cv), Cv, prob.status
