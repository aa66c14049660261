r"""The convex relaxation of the SC unconstrained-features model in the Gram matrix, solved and
certified (Behnia & Thrampoulidis 2024, arXiv 2402.18884).

$$\text{(R)}\qquad \min_G\ \mathcal L(G) \quad\text{s.t.}\quad G \succeq 0,\ \operatorname{diag} G = 𝟙 .$$

Every feasible $H$ ($\lVert h_i\rVert = 1$) gives a feasible $G = H^\top H$, so (R) lower-bounds the UFM;
it is tight when $\operatorname{rank} G^\star \le d$, and then every factor $H$ of $G^\star$ is optimal.
(R) is solved with CVXPY (one ``log_sum_exp`` per anchor, a PSD cone, $n$ equalities) by Clarabel,
and the returned point is certified in float64, independently of the solver:

1. *Feasibility.* The point is symmetrised, its negative eigenvalues clipped and its diagonal rescaled to 1
   ($G \leftarrow D^{-1/2}GD^{-1/2}$), so the certified point is exactly feasible; the size of that change
   is reported.
2. *KKT.* With $\nabla = (M+M^\top)/2$ (:func:`gram_gradient`) the multipliers of the diagonal
   constraints are $\nu_i = (\nabla G)_{ii}$ (complementarity read on the diagonal), the PSD multiplier is
   $S = \nabla - \operatorname{Diag}(\nu)$; optimality needs $S \succeq 0$ and $SG = 0$.
3. *Gap.* For every feasible $G'$, convexity gives
   $\mathcal L(G') \ge \mathcal L(G) + \langle\nabla, G' - G\rangle$ and
   $\langle\nabla, G'\rangle = \sum_i\nu_i + \langle S, G'\rangle \ge \sum_i\nu_i + n\min(\lambda_{\min}(S), 0)$
   (as $\operatorname{tr} G' = n$), so
   $\mathcal L(G) - \min\text{(R)} \le \langle S, G\rangle + n\max(-\lambda_{\min}(S), 0)$,
   a bound that holds whatever the solver did. The solver's point is refined by L-BFGS on a low-rank factor
   (from the point itself and from its class-block average) and the candidate with the smallest bound is kept. :func:`gram_certificate` computes it for any feasible $G$
   (for example the Gram matrix of trained features).

Derivations: docs/supcon_ufm.md#the-gram-relaxation-and-its-certificate.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .._maxmargin import CertificateError
from ..summary import compact_repr
from ..validate import as_bool, as_choice, as_finite_array, as_finite_scalar
from ._loss import _M, _as_gram, _as_tau, _loss_from_gram, as_labels

__all__ = ["CertificateError", "GRAM_TOLERANCES", "GramCertificate", "gram_certificate", "numerical_rank", "optimal_gram"]

#: Certificate tolerances of :func:`optimal_gram`. Clarabel is run to relative gap and feasibility
#: 1e-10 and its point polished (L-BFGS on a factor, from the point and from its class-block average);
#: the float64 optimality-gap bound then measures <= 7e-9 on counts (4,4,4), (6,3,3), (8,2,2) at tau in
#: {0.1, ..., 2} and <= 7e-8 on 40 random label sets (k = 2-5, counts 2-6) with tau in [0.05, 50]
#: (Clarabel's point alone: up to 1e-4, as the bound is first order in the multipliers' error). "gap"
#: (absolute, in loss units; the loss is O(n)) allows 1e-6, over a decade above the measured values. "feasibility": max entry change made by
#: the projection onto the feasible set; Clarabel's feasibility tolerance 1e-10 on a scaled problem
#: gives <= 1e-8, allowed 1e-6. "complementarity": ||S G||_F / (||S||_F + 1), same scale.
GRAM_TOLERANCES = {"gap": 1e-6, "feasibility": 1e-6, "complementarity": 1e-5}

#: Rank threshold: eigenvalues of G below this fraction of the largest are counted as zero. The entries of
#: G are accurate to ~sqrt(gap) (the loss is flat to second order at the optimum), ~1e-5 at the gaps above.
RANK_TOL = 1e-4

_SOLVERS = ("CLARABEL",)


@compact_repr
@dataclass(frozen=True)
class GramCertificate:
    r"""Evidence that $G$ solves the Gram relaxation (R) (or how far from it it is).

    Attributes
    ----------
    status : str
        The solver's status (``"optimal"``), or ``"given"`` for a point certified without solving.
    loss : float
        $\mathcal L(G)$ at the certified (feasible) point.
    gap_bound : float
        $\langle S, G\rangle + n\max(-\lambda_{\min}(S), 0) \ge \mathcal L(G) - \min\text{(R)}$.
    lower_bound : float
        ``loss - gap_bound``, a certified lower bound on $\min$ (R).
    min_eig_S : float
        $\lambda_{\min}(S)$ of the PSD multiplier $S = \nabla - \operatorname{Diag}(\nu)$.
    complementarity : float
        $\lVert SG\rVert_F / (\lVert S\rVert_F + 1)$.
    feasibility : float
        Largest entry change made when projecting the point onto $\{G \succeq 0, \operatorname{diag} G = 1\}$.
    nu : numpy.ndarray, shape (n,)
        Multipliers of $G_{ii} = 1$.
    S : numpy.ndarray, shape (n, n)
        The PSD multiplier.
    rank : int
        Numerical rank of $G$ (eigenvalues above ``RANK_TOL`` times the largest).
    seconds : float
        Solve time (0 for a given point).
    passed : bool
        Status optimal (or given) and every measure within ``tolerances``.
    tolerances : dict
        Keys ``gap``, ``feasibility``, ``complementarity``.
    """

    status: str
    loss: float
    gap_bound: float
    lower_bound: float
    min_eig_S: float
    complementarity: float
    feasibility: float
    nu: np.ndarray
    S: np.ndarray = field(repr=False)
    rank: int
    seconds: float
    passed: bool
    tolerances: dict = field(repr=False)


def numerical_rank(G, rel_tol: float = RANK_TOL) -> int:
    """Number of eigenvalues of the symmetric matrix ``G`` above ``rel_tol`` times the largest.

    Parameters
    ----------
    G : array_like, shape (n, n)
        Symmetric.
    rel_tol : float, default RANK_TOL
        Relative threshold in (0, 1).

    Returns
    -------
    int
    """
    G = as_finite_array(G, "G", ndim=2)
    if G.shape[0] != G.shape[1]:
        raise ValueError(f"G must be square; got shape {G.shape}")
    rel_tol = as_finite_scalar(rel_tol, "rel_tol")
    if not 0.0 < rel_tol < 1.0:
        raise ValueError(f"rel_tol must lie in (0, 1); got {rel_tol}")
    scale = float(np.max(np.abs(G))) if G.size else 0.0
    if scale == 0.0:
        return 0
    ev = np.linalg.eigvalsh(0.5 * (G + G.T) / scale)
    top = float(np.max(np.abs(ev))) if ev.size else 0.0
    return int(np.sum(ev > rel_tol * top)) if top > 0 else 0


def _project_feasible(G):
    G = 0.5 * (G + G.T)
    w, V = np.linalg.eigh(G)
    P = (V * np.clip(w, 0.0, None)) @ V.T
    P = 0.5 * (P + P.T)
    dg = np.diag(P).copy()
    if np.any(dg <= 0):
        return None, np.inf
    s = 1.0 / np.sqrt(dg)
    P = P * s[:, None] * s[None, :]
    np.fill_diagonal(P, 1.0)
    return P, float(np.max(np.abs(P - G)))


def _certify(G, lab, tau, status, seconds, tol):
    Gf, feas = _project_feasible(G)
    if Gf is None:
        return None, None
    M = _M(Gf, lab, tau)
    grad = 0.5 * (M + M.T)
    nu = np.sum(grad * Gf, axis=1)                 # (grad G)_ii, G symmetric
    S = grad - np.diag(nu)
    lam = float(np.linalg.eigvalsh(S)[0])
    n = lab.n
    gap = max(float(np.sum(S * Gf)), 0.0) + n * max(-lam, 0.0)
    comp = float(np.linalg.norm(S @ Gf) / (np.linalg.norm(S) + 1.0))
    value = _loss_from_gram(Gf, lab, tau)
    # The float64 checks prove optimality on their own (the gap bound holds for any feasible point), so a
    # solver that stopped at "optimal_inaccurate" passes when the polished point meets them.
    ok_status = status in ("optimal", "optimal_inaccurate", "given")
    passed = bool(ok_status and gap <= tol["gap"] and feas <= tol["feasibility"] and comp <= tol["complementarity"])
    cert = GramCertificate(status=status, loss=value, gap_bound=gap, lower_bound=value - gap, min_eig_S=lam,
                           complementarity=comp, feasibility=feas, nu=nu, S=S, rank=numerical_rank(Gf),
                           seconds=seconds, passed=passed, tolerances=dict(tol))
    return Gf, cert


def _factor_loss_grad(u, shape, lab, tau):
    """SC loss and gradient in the unconstrained factor U (h_i = u_i/||u_i||), for the polish."""
    U = u.reshape(shape)
    norms = np.linalg.norm(U, axis=0)
    H = U / norms
    G = H.T @ H
    value = _loss_from_gram(G, lab, tau)
    M = _M(G, lab, tau)
    gH = H @ (M + M.T)
    gU = (gH - H * np.sum(H * gH, axis=0)) / norms
    return value, gU.ravel()


def _polish(G, lab, tau):
    r"""Refine a feasible point by L-BFGS on a factor $H$ of rank ``rank(G) + 1`` (columns on spheres).

    Interior-point multipliers carry errors of the solver's tolerance, and the gap bound is first order
    in them; the factored problem is smooth and unconstrained, so quasi-Newton iterations reach a
    gradient near rounding and the bound drops by orders of magnitude.
    """
    from scipy.optimize import minimize

    n = lab.n
    w, V = np.linalg.eigh(G)
    r = min(n, numerical_rank(G) + 1)
    H0 = (V[:, -r:] * np.sqrt(np.clip(w[-r:], 0.0, None))).T
    H0 = H0 + 1e-9 * (np.arange(r * n).reshape(r, n) % 7 - 3)       # break exact ties of a zero column
    H0 = H0 / np.linalg.norm(H0, axis=0)
    res = minimize(_factor_loss_grad, H0.ravel(), args=(H0.shape, lab, tau), jac=True, method="L-BFGS-B",
                   options=dict(maxiter=2000, ftol=0.0, gtol=1e-13, maxcor=30))
    U = res.x.reshape(H0.shape)
    H = U / np.linalg.norm(U, axis=0)
    P = H.T @ H
    P = 0.5 * (P + P.T)
    np.fill_diagonal(P, 1.0)
    return P


def _block_average(G, lab):
    """The class-block means of G (within-class entries set to 1), made feasible: a collapsed start."""
    Y = np.eye(lab.k)[lab.labels]
    B = (Y.T @ G @ Y) / np.outer(lab.counts, lab.counts)
    np.fill_diagonal(B, 1.0)
    P, _ = _project_feasible(Y @ B @ Y.T)
    return G if P is None else P


def gram_certificate(G, labels, tau) -> GramCertificate:
    r"""Certify a feasible Gram matrix against the relaxation (R), without solving it.

    Computes the multipliers $\nu_i = (\nabla G)_{ii}$, $S = \nabla - \operatorname{Diag}(\nu)$ and the
    optimality-gap bound $\mathcal L(G) - \min\text{(R)} \le \langle S, G\rangle + n\max(-\lambda_{\min}(S), 0)$,
    valid for any feasible $G$ (Behnia & Thrampoulidis 2024; docs/supcon_ufm.md#the-gram-relaxation-and-its-certificate).
    Use it on $H^\top H$ of trained features: a small bound proves they are globally optimal.

    Parameters
    ----------
    G : array_like, shape (n, n)
        Symmetric, positive semidefinite with unit diagonal up to rounding (it is projected; the change
        is reported as ``feasibility``).
    labels : array_like of int, shape (n,)
    tau : float

    Returns
    -------
    GramCertificate
        ``status`` is ``"given"``; ``passed`` says whether $G$ is optimal within ``GRAM_TOLERANCES``.
    """
    lab = as_labels(labels)
    tau = _as_tau(tau)
    G = _as_gram(G, lab.n)
    _, cert = _certify(G, lab, tau, "given", 0.0, GRAM_TOLERANCES)
    if cert is None:
        raise ValueError("G is not close to the feasible set: a diagonal entry of its PSD part is <= 0")
    return cert


def _solve(lab, tau):
    import warnings

    import cvxpy as cp

    n = lab.n
    G = cp.Variable((n, n), PSD=True)
    rows = np.repeat(np.arange(n), n - 1)
    cols = np.array([j for i in range(n) for j in range(n) if j != i])
    flat = cp.vec(G, order="C")
    off = cp.reshape(flat[rows * n + cols], (n, n - 1), order="C")
    W = lab.positive_weight
    objective = cp.sum(cp.log_sum_exp(off / tau, axis=1)) - cp.sum(cp.multiply(W, G)) / tau
    problem = cp.Problem(cp.Minimize(objective), [cp.diag(G) == 1])
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            problem.solve(solver=cp.CLARABEL, tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10, max_iter=400)
        except cp.error.SolverError as exc:
            return None, f"CLARABEL failed: {exc}", time.perf_counter() - start
    return G.value, str(problem.status), time.perf_counter() - start


def optimal_gram(labels, tau, *, solver="CLARABEL", return_certificate=False):
    r"""The certified optimum $G^\star$ of the Gram relaxation of the SC UFM (Behnia & Thrampoulidis 2024).

    $$G^\star = \operatorname*{argmin}_{G \succeq 0,\ \operatorname{diag} G = 𝟙}\ \sum_i \Big[\log\sum_{\ell\ne i}
    e^{G_{i\ell}/\tau} - \frac{1}{\tau|P(i)|}\sum_{j\in P(i)} G_{ij}\Big].$$

    The paper shows the relaxation is tight for $d > k$ (every local minimum of the UFM on spheres is
    global, with Gram matrix $G^\star$, unique); balanced classes give the simplex ETF
    (:func:`etf_gram`), STEP imbalance a block form. Solved with CVXPY + Clarabel and certified in float64
    (module docstring; :class:`GramCertificate`): a point whose certificate fails raises
    :class:`CertificateError` naming ``labels`` and ``tau``.

    Parameters
    ----------
    labels : array_like of int, shape (n,)
        Class labels, at least two classes, every class with at least 2 samples, n <= 400.
    tau : float
        Temperature in $[10^{-3}, 10^{6}]$. Below $\tau \approx 0.3$ the loss is flat to $e^{-c/\tau}$
        and the certified point can differ visibly from the exact $G^\star$ at a matching loss
        (compare losses, not Gram entries, there).
    solver : {"CLARABEL"}
        The conic solver (SCS does not reach the certificate's accuracy and is not offered).
    return_certificate : bool, default False
        Also return the :class:`GramCertificate` (loss, gap bound, multipliers, rank, solve time).

    Returns
    -------
    numpy.ndarray, shape (n, n)
        $G^\star$ (exactly feasible: symmetric, PSD, unit diagonal); with ``return_certificate``,
        ``(G, certificate)``.

    Raises
    ------
    ValueError
        Invalid ``labels`` (a class with one sample, one class, non-integers) or ``tau``.
    CertificateError
        The solver failed or its point is not certified.
    """
    lab = as_labels(labels)
    tau = _as_tau(tau)
    as_choice(solver, "solver", _SOLVERS)
    return_certificate = as_bool(return_certificate, "return_certificate")
    G, status, seconds = _solve(lab, tau)
    cert = None
    if G is not None:
        G = np.asarray(G, dtype=np.float64)
        if np.all(np.isfinite(G)):
            G, cert = _certify(G, lab, tau, status, seconds, GRAM_TOLERANCES)
            if G is not None:
                # Two refined candidates, the best certificate wins: the solver's point polished, and its
                # class-block average (collapsed) polished. For small tau the loss is flat to e^(-c/tau) in
                # the within-class directions, the interior point stays uncollapsed and its polish stalls;
                # the collapsed start reaches the optimum (measured: gap 5e-6 -> 1e-12 at tau = 0.05).
                start = time.perf_counter()
                polished = [_polish(G, lab, tau), _polish(_block_average(G, lab), lab, tau)]
                seconds += time.perf_counter() - start
                for Gp in polished:
                    Gp, cert_p = _certify(Gp, lab, tau, status, seconds, GRAM_TOLERANCES)
                    if cert_p is not None and cert_p.gap_bound < cert.gap_bound:
                        G, cert = Gp, cert_p
    if cert is None or not cert.passed:
        detail = ("no usable point" if cert is None else
                  f"gap bound {cert.gap_bound:.2e} <= {GRAM_TOLERANCES['gap']:g}?, feasibility {cert.feasibility:.2e} "
                  f"<= {GRAM_TOLERANCES['feasibility']:g}?, complementarity {cert.complementarity:.2e} <= "
                  f"{GRAM_TOLERANCES['complementarity']:g}?")
        raise CertificateError(f"the Gram relaxation for labels (n = {lab.n}, counts {lab.counts.tolist()}) and "
                               f"tau = {tau:g} is not certified: solver status {status!r}; {detail}")
    return (G, cert) if return_certificate else G
