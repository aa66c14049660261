r"""The nuclear-norm variant of the max-margin engine, with its certificate (private; docs/ntp_geometry.md).

Same constraints as :mod:`theory._maxmargin` (a design: groups, options, in-sets, linear scores),
a matrix parameter $\theta$ and the nuclear norm in place of $\tfrac12\|\theta\|_F^2$:

$$\min_\theta \|\theta\|_\ast \quad\text{s.t.}\quad s_{g,a} = s_{g,a'}\ (a, a' \in I_g),
\qquad s_{g,a} - s_{g,o} \ge 1\ (a \in I_g,\ o \in O_g).$$

With the engine's multipliers $C$ (free on $I_g$, $\le 0$ on $O_g$, zero elsewhere) the
Lagrangian is $\|\theta\|_\ast - \langle \mathrm{adj}(C), \theta\rangle + \sum_g t_g\sum_a C_{g,a}
- \sum_{O} C$. Minimising over $t$ forces $\sum_a C_{g,a} = 0$; minimising over $\theta$ is
$0$ when the spectral norm $\|\mathrm{adj}(C)\|_2 \le 1$ (the nuclear norm's dual norm) and
$-\infty$ otherwise. So the dual is

$$\max_C \sum_{g,\,a \in I_g} C_{g,a} \quad\text{s.t.}\quad \textstyle\sum_a C_{g,a} = 0,\
C_{g,o} \le 0\ (o \in O_g),\ \|\mathrm{adj}(C)\|_2 \le 1,$$

the engine's dual-feasible set cut by a spectral-norm ball. The certificate: the solver's
multipliers are projected exactly onto the engine's set (:func:`theory._maxmargin._project`) and
divided by $\max(1, \|\mathrm{adj}(C)\|_2)$ (a positive scaling keeps the zero sums and signs), which
gives a dual-feasible point; its value lower-bounds $\|\theta^\star\|_\ast$ (weak duality), so
feasibility of $\theta$ (margins, equalities) and a small relative gap prove optimality.

One method: CVXPY + Clarabel on the primal with anchored constraints (the nuclear norm becomes an
SDP cone of size about the sum of the two dimensions).
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass

import numpy as np

from ._maxmargin import TOLERANCES, CertificateError, _margins, _project
from .summary import compact_repr

__all__ = ["NuclearCertificate", "certify_nuclear", "solve_nuclear"]


@compact_repr
@dataclass(frozen=True)
class NuclearCertificate:
    r"""Evidence that a nuclear-norm max-margin solution is feasible and optimal.

    Attributes
    ----------
    method : str
        ``"primal"`` (CVXPY + Clarabel).
    status : str
        The solver's status.
    min_margin : float
        $\min_g(\min_{I_g} s - \max_{O_g} s)$; at least $1 - \mathrm{tol}$.
    equality_residual : float
        $\max_g(\max_{I_g} s - \min_{I_g} s)$.
    duality_gap : float
        $(\|\theta\|_\ast - D(C))/\|\theta\|_\ast$ for the dual-feasible point $C$ (weak duality:
        $D(C) \le \|\theta^\star\|_\ast \le \|\theta\|_\ast$).
    dual_norm : float
        $\|\mathrm{adj}(C)\|_2$ of the solver's multipliers after the exact projection, before the
        rescaling to 1 (close to 1 at an optimum: $\mathrm{adj}(C)$ is a subgradient of the norm).
    n_active : int
        Active out-constraints (margin within tol of 1).
    active : numpy.ndarray
        Bool (G, A) mask of the active out-options.
    passed : bool
        Whether margins, equalities and the gap are within their tolerances.
    tolerances : dict
        Keys margin, equality, gap, active.
    objective : float
        $\|\theta\|_\ast$.
    multipliers : numpy.ndarray
        The dual-feasible (G, A) multipliers $C$.
    solve_time : float
        Seconds spent in the solver (CVXPY compilation included).
    """

    method: str
    status: str
    min_margin: float
    equality_residual: float
    duality_gap: float
    dual_norm: float
    n_active: int
    active: np.ndarray
    passed: bool
    tolerances: dict
    objective: float = math.nan
    multipliers: np.ndarray | None = None
    solve_time: float = math.nan

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
        return out


def _nuclear_norm(M) -> float:
    return float(np.linalg.svd(M, compute_uv=False).sum())


def certify_nuclear(design, theta, C, method="primal", status="optimal", tol=None, solve_time=math.nan):
    """Certificate of ``theta`` with candidate multipliers ``C`` (made dual-feasible here).

    Parameters
    ----------
    design : theory._maxmargin.MaxMarginDesign
        Its parameter must be a matrix.
    theta : numpy.ndarray
        Candidate solution.
    C : numpy.ndarray
        (G, A) candidate multipliers.
    method, status : str
        Recorded in the certificate.
    tol : dict, optional
        Tolerances (default :data:`theory._maxmargin.TOLERANCES`).
    solve_time : float
        Recorded in the certificate.

    Returns
    -------
    NuclearCertificate
    """
    tol = dict(TOLERANCES, **(tol or {}))
    inm, outm = design.in_set, design.out_set
    theta = np.asarray(theta, dtype=np.float64)
    s = design.scores(theta)
    in_min, in_max = _margins(s, inm, outm)
    gaps = in_min[:, None] - s
    min_margin = float(np.where(outm, gaps, np.inf).min()) if outm.any() else math.inf
    eq_res = float(np.max(in_max - in_min))
    Cp = _project(np.nan_to_num(np.asarray(C, dtype=np.float64)), inm, outm, inm.sum(axis=1))
    spec = float(np.linalg.norm(design.adjoint(Cp), 2))
    Cd = Cp / max(spec, 1.0)
    primal = _nuclear_norm(theta)
    dual = float(np.sum(Cd[inm]))
    gap = (primal - dual) / max(primal, np.finfo(float).tiny)
    active = outm & (gaps <= 1 + tol["active"])
    cert = NuclearCertificate(method, status, min_margin, eq_res, gap, spec, int(active.sum()), active, False,
                              tol, primal, Cd, float(solve_time))
    ok = all(math.isfinite(v) for v in (min_margin, eq_res, gap)) and not cert.failures()
    return dataclasses.replace(cert, passed=bool(ok))


# Clarabel on an SDP: its interior point reaches relative gaps ~1e-10 on these small cones; the
# ladder tries the tightest first and moves on when the certificate of its answer fails (an
# "optimal_inaccurate" answer is kept when its certificate passes: the certificate is solver-independent).
_LADDER = (dict(tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10, max_iter=400),
           dict(tol_gap_abs=1e-9, tol_gap_rel=1e-9, tol_feas=1e-9, max_iter=400),
           dict())


def _anchored(design):
    """Sparse difference matrices: in-set equalities against the first in-option of each group, and
    the margins of every out-option against it (as in :func:`theory._maxmargin_cvx._solve_primal`)."""
    import scipy.sparse as sp

    inm, outm = design.in_set, design.out_set
    G, A = inm.shape
    anchor = np.argmax(inm, axis=1)
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

    return diff(g_eq, a_eq), -diff(g_in, o_in)


def solve_nuclear(design, tol=None, data=""):
    """Solve the nuclear-norm max-margin problem of ``design``; returns (theta, certificate).

    Parameters
    ----------
    design : theory._maxmargin.MaxMarginDesign
        Matrix parameter; the margin constraints must be feasible (the caller checks separability).
    tol : dict, optional
        Certificate tolerances (default :data:`theory._maxmargin.TOLERANCES`).
    data : str
        The arguments holding the data, for error messages ("(support) ").

    Returns
    -------
    tuple (numpy.ndarray, NuclearCertificate)

    Raises
    ------
    CertificateError
        The solver fails or its answer fails the certificate.
    """
    import warnings

    import cvxpy as cp

    tol = dict(TOLERANCES, **(tol or {}))
    G, A = design.in_set.shape
    E_eq, E_in = _anchored(design)
    theta = cp.Variable(design.theta_shape)
    s = cp.vec(design.cvxpy_scores(theta), order="C")
    cons = [E_in @ s >= 1]
    if E_eq.shape[0]:
        cons.append(E_eq @ s == 0)
    prob = cp.Problem(cp.Minimize(cp.normNuc(theta)), cons)
    t0 = time.perf_counter()
    failures = []
    for opts in _LADDER:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)      # "solution may be inaccurate": the certificate decides
            try:
                prob.solve(solver=cp.CLARABEL, **opts)
            except cp.error.SolverError as exc:
                failures.append(f"Clarabel error ({exc})")
                continue
        if theta.value is None or prob.status not in ("optimal", "optimal_inaccurate"):
            failures.append(f"status {prob.status!r}")
            continue
        lam = np.asarray(cons[0].dual_value).ravel()
        c = E_in.T @ lam
        if E_eq.shape[0]:
            c = c - E_eq.T @ np.asarray(cons[1].dual_value).ravel()
        th = np.asarray(theta.value, dtype=np.float64)
        cert = certify_nuclear(design, th, c.reshape(G, A), "primal", prob.status, tol, time.perf_counter() - t0)
        if cert.passed:                       # the certificate, not the solver's status, decides
            return th, cert
        failures.append(f"status {prob.status!r}: " + "; ".join(cert.failures()))
    raise CertificateError(f"the nuclear max-margin solution on the data {data}fails its certificate at every "
                           "Clarabel setting: " + " | ".join(failures))
