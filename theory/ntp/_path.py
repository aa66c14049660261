r"""The norm-ball regularization path of the NTP loss (Thrampoulidis 2024, Theorem 1 and Lemma 4).

For each radius $B$, $\hat W_B = \operatorname{argmin}_{\lVert W\rVert \le B}\mathrm{CE}(W)$, solved as a conic
program (CVXPY, exponential cones through ``log_sum_exp``) and certified in float64 from the
returned point: the norm constraint is active, the KKT stationarity
$\nabla\mathrm{CE}(\hat W_B) + \nu\,\hat W_B/B = 0$ holds with $\nu \ge 0$, and the Frank–Wolfe bound
$B\lVert g\rVert + \langle g, \hat W_B\rangle \ge \mathrm{CE}(\hat W_B) - \min_{\lVert W\rVert\le B}\mathrm{CE}$ is small
relative to the excess loss. Derivation: docs/ntp.md#the-regularization-path.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from .._maxmargin import CertificateError
from ..summary import compact_repr
from ..validate import as_choice, as_finite_array, check_work
from ._data import as_data
from ._loss import entropy, excess_loss, gradient, loss

__all__ = ["PathCertificate", "RegularizationPath", "regularization_path"]

#: Certificate tolerances. "norm": (B - ||W||)/B; the Newton polish keeps ||W|| = B to rounding,
#: Clarabel alone to its feasibility tolerance (1e-10 requested, ~1e-9 delivered).
#: "stationarity": the sine φ of the angle between -grad and W.
#: "gap": Frank–Wolfe bound / excess loss. On the sphere the bound is B||g||(1 - cos φ) ≈ B||g||φ²/2
#: and B||g|| ≈ (B/||W^mm||) x excess along the path, so with B <= 12||W^mm|| the gap tolerance
#: 1e-5 matches φ <= 1e-3 (then the excess loss is right to 1e-5 relative). Measured after
#: polishing on random separable instances (V = 5, m = 4, d = 6, seeds 0-9, B up to 12||W^mm||):
#: φ <= 1e-8 and relative gap <= 1e-14 (tests/theory/test_ntp_path.py).
PATH_TOLERANCES = {"norm": 1e-7, "gap": 1e-5, "stationarity": 1e-3}

_SOLVERS = ("CLARABEL", "SCS")


@compact_repr
@dataclass(frozen=True)
class PathCertificate:
    r"""Evidence that $\hat W_B$ solves $\min_{\lVert W\rVert \le B}\mathrm{CE}(W)$.

    Attributes
    ----------
    radius : float
        $B$.
    status : str
        The conic solver's status at this radius (``"optimal"`` passes; ``"optimal_inaccurate"``
        only after Newton polishing, whose float64 checks below carry the proof).
    polished : bool
        Whether Newton's method on the KKT system refined the point (for $Vd \le 2500$).
    norm_gap : float
        $(B - \lVert\hat W_B\rVert)/B \ge 0$ (the point is scaled back into the ball if the solver
        returned it up to its feasibility tolerance outside); the constraint is active when small.
    multiplier : float
        $\nu = -\langle\nabla\mathrm{CE}(\hat W_B), \hat W_B\rangle/B$, the multiplier of the norm constraint
        (KKT requires $\nu \ge 0$).
    stationarity : float
        $\lVert\nabla\mathrm{CE} + \nu\hat W_B/B\rVert/\lVert\nabla\mathrm{CE}\rVert$, the sine of the angle between
        $-\nabla\mathrm{CE}$ and $\hat W_B$.
    objective_gap : float
        $B\lVert g\rVert + \langle g, \hat W_B\rangle \ge \mathrm{CE}(\hat W_B) - \min_{\lVert W\rVert\le B}\mathrm{CE}$ (convexity).
    relative_objective_gap : float
        ``objective_gap`` divided by the excess loss $\mathrm{CE}(\hat W_B) - \mathcal H$.
    passed : bool
        Status optimal, every measure within ``tolerances`` and $\nu > 0$.
    tolerances : dict
        Keys ``norm``, ``gap``, ``stationarity``.
    """

    radius: float
    status: str
    polished: bool
    norm_gap: float
    multiplier: float
    stationarity: float
    objective_gap: float
    relative_objective_gap: float
    passed: bool
    tolerances: dict = field(repr=False)


@compact_repr
@dataclass(frozen=True)
class RegularizationPath:
    r"""The norm-ball regularization path $B \mapsto \hat W_B$ (Thrampoulidis 2024, Theorem 1).

    Attributes
    ----------
    radii : numpy.ndarray, shape (n,)
        The radii $B$, as given.
    W : numpy.ndarray, shape (n, V, d)
        $\hat W_B$ for each radius.
    loss : numpy.ndarray, shape (n,)
        $\mathrm{CE}(\hat W_B)$.
    excess_loss : numpy.ndarray, shape (n,)
        $\mathrm{CE}(\hat W_B) - \mathcal H$ (cancellation-free).
    entropy : float
        $\mathcal H$.
    certificates : tuple of PathCertificate
        One per radius; every one passed (otherwise the call raised).
    """

    radii: np.ndarray
    W: np.ndarray
    loss: np.ndarray
    excess_loss: np.ndarray
    entropy: float
    certificates: tuple


def _solve_ball(data, B: float, solver: str):
    import cvxpy as cp

    V, d = data.P.shape[0], data.H.shape[0]
    W = cp.Variable((V, d))
    logits = W @ data.H                                          # (V, m)
    # Σ_j π_j [logsumexp(ℓ_j) − p_jᵀ ℓ_j]; the linear part as ⟨P Π, L⟩
    objective = data.pi @ cp.log_sum_exp(logits, axis=0) - cp.sum(cp.multiply(data.P * data.pi, logits))
    problem = cp.Problem(cp.Minimize(objective), [cp.norm(W, "fro") <= B])
    options = ({"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10}
               if solver == "CLARABEL" else {"eps": 1e-9, "max_iters": 100_000})
    try:
        problem.solve(solver=solver, **options)
    except cp.error.SolverError as exc:
        return None, f"{solver} failed: {exc}"
    return W.value, str(problem.status)


_POLISH_MAX_SIZE = 2500      # V * d up to which the dense Newton polish runs (a (Vd)^2 matrix)


def _softmax_columns(L: np.ndarray) -> np.ndarray:
    Z = L - L.max(axis=0)
    E = np.exp(Z)
    return E / E.sum(axis=0)


def _polish(data, W: np.ndarray, B: float, steps: int = 30) -> np.ndarray:
    r"""Newton's method on the KKT system of the ball problem, from the conic solver's point.

    Solves $\nabla\mathrm{CE}(W) + \nu W/B = 0$, $\lVert W\rVert = B$ with the bordered system
    $[\nabla^2\mathrm{CE} + (\nu/B)I,\ W/B;\ W^\top/B,\ 0]$, where
    $\nabla^2\mathrm{CE} = \sum_j \hat\pi_j(\mathrm{diag}(s_j) - s_js_j^\top)\otimes\bar h_j\bar h_j^\top$ (row-major),
    re-projecting onto the sphere after each step. Far along the path the excess loss is far below
    the conic solver's absolute accuracy, while the residual here uses the cancellation-free
    gradient, so Newton recovers the digits. Stops when the residual stops decreasing.
    """
    V, d = W.shape
    H, P, pi = data.H, data.P, data.pi
    norm = float(np.linalg.norm(W))
    if not (np.isfinite(norm) and norm > 0):       # nothing to polish; the certificate will refuse it
        return W
    W = W * (B / norm)

    def residual(Wc):
        g = gradient(Wc, H, P, pi)
        nu = -float(np.sum(g * Wc)) / B
        return g, nu, float(np.linalg.norm(g + nu * Wc / B))

    g, nu, res = residual(W)
    for _ in range(steps):
        if nu <= 0 or res == 0.0:
            break
        S = _softmax_columns(W @ H)
        K = np.zeros((V * d, V * d))
        for j in range(H.shape[1]):
            A = np.diag(S[:, j]) - np.outer(S[:, j], S[:, j])
            K += pi[j] * np.kron(A, np.outer(H[:, j], H[:, j]))
        n = V * d
        M = np.zeros((n + 1, n + 1))
        M[:n, :n] = K + (nu / B) * np.eye(n)
        M[:n, n] = M[n, :n] = W.ravel() / B
        rhs = -np.r_[(g + nu * W / B).ravel(), (float(np.sum(W * W)) - B * B) / (2 * B)]
        try:
            step = np.linalg.solve(M, rhs)
        except np.linalg.LinAlgError:
            break
        for frac in (1.0, 0.5, 0.25, 0.125, 0.0625):      # damped: accept a step that lowers the residual
            W_new = W + frac * step[:n].reshape(V, d)
            W_new *= B / np.linalg.norm(W_new)
            g_new, nu_new, res_new = residual(W_new)
            if res_new < res:
                break
        else:
            break
        W, g, nu, res = W_new, g_new, nu_new, res_new
    return W


def _failure(B, status, cert, scale=1.0) -> str:
    where = f"radius B = {B:g} (an entry of radii; {B * scale:g} on H scaled to max |H| = 1)"
    if cert is None:
        return f"{where}: the conic solver returned no usable point (status {status!r})"
    t = PATH_TOLERANCES
    return (f"{where}: the solution is not certified (solver status {status!r}; norm gap "
            f"{cert.norm_gap:.2e} <= {t['norm']:g}?, relative objective gap {cert.relative_objective_gap:.2e} "
            f"<= {t['gap']:g}?, stationarity {cert.stationarity:.2e} <= {t['stationarity']:g}?, multiplier "
            f"{cert.multiplier:.3g} > 0?). Either the loss has a minimiser inside the ball (data not "
            f"NTP-separable), or B is so large that the excess loss (~e^(-B/||W^mm||)) is below what "
            f"float64 Newton polishing of the conic solution resolves (about B <= 12 ||W^mm||)")


def _certify(data, What, status, B, tol, polished):
    What = np.asarray(What, dtype=np.float64)
    norm = float(np.linalg.norm(What))
    if norm > B:                                  # solver feasibility tolerance: scale back into the ball
        What = What * (B / norm)
        norm = float(np.linalg.norm(What))
    g = gradient(What, data.H, data.P, data.pi)
    gnorm = float(np.linalg.norm(g))
    inner = float(np.sum(g * What))
    nu = -inner / B
    stationarity = float(np.linalg.norm(g + nu * What / B) / gnorm) if gnorm > 0 else np.inf
    gap = max(B * gnorm + inner, 0.0)             # >= 0 in exact arithmetic since ||W|| <= B
    excess = excess_loss(What, data.H, data.P, data.pi)
    rel_gap = gap / excess if excess > 0 else np.inf
    norm_gap = (B - norm) / B
    # The float64 checks below prove optimality on their own (Frank–Wolfe bound, KKT); the solver's
    # status must be "optimal", or "optimal_inaccurate" when Newton polishing supplied the digits.
    status_ok = status == "optimal" or (polished and status == "optimal_inaccurate")
    passed = (status_ok and norm_gap <= tol["norm"] and rel_gap <= tol["gap"]
              and stationarity <= tol["stationarity"] and nu > 0)
    return What, PathCertificate(B, status, polished, norm_gap, nu, stationarity, gap, rel_gap,
                                 bool(passed), dict(tol))


def regularization_path(H, P, pi, radii, *, solver="CLARABEL") -> RegularizationPath:
    r"""The norm-ball regularization path $\hat W_B = \operatorname{argmin}_{\lVert W\rVert_F \le B}\mathrm{CE}(W)$.

    Thrampoulidis (2024), Theorem 1: for NTP-separable and NTP$_{\mathcal H}$-compatible data
    $\hat W_B$ is unique with $\lVert\hat W_B\rVert = B$, and $\mathrm{corr}(\hat W_B, W^{\rm mm}) \to 1$
    as $B \to \infty$; with Lemma 4, $P_F(\hat W_B) \to W^\star$ and $\lVert P_\perp\hat W_B\rVert \to \infty$.
    Each radius is one exponential-cone program

    $$\min_W\ \sum_j \hat\pi_j\,[\operatorname{logsumexp}(W\bar h_j) - \hat p_j^\top W\bar h_j]
    \quad\text{s.t.}\quad \lVert W\rVert_F \le B,$$

    solved with CVXPY, refined by Newton's method on the KKT system in float64 (for $Vd \le 2500$;
    far along the path the excess loss is below the conic solver's absolute accuracy) and
    certified from the returned point (:class:`PathCertificate`: active norm
    constraint, KKT stationarity $\nabla\mathrm{CE} + \nu\hat W_B/B = 0$ with $\nu > 0$, Frank–Wolfe
    objective bound relative to the excess loss). A radius whose certificate fails raises
    :class:`CertificateError` (for example when the loss has a minimiser inside the ball, which
    happens for data that are not NTP-separable). Derivation: docs/ntp.md#the-regularization-path.

    Parameters
    ----------
    H : array_like, shape (d, m)
        Context embeddings.
    P : array_like, shape (V, m)
        Next-token distributions (columns sum to 1); supports are ``P > 0``; some support must be
        smaller than the vocabulary.
    pi : array_like, shape (m,)
        Context frequencies (positive, sum 1).
    radii : array_like, shape (n,)
        Radii $B > 0$, finite, at most 200 of them.
    solver : {"CLARABEL", "SCS"}
        The conic solver (Clarabel is the reference; SCS rarely meets the certificate).

    Returns
    -------
    RegularizationPath
        $\hat W_B$, $\mathrm{CE}$, $\mathrm{CE} - \mathcal H$ and the certificate for each radius.
    """
    data = as_data(H, P, pi)
    radii = as_finite_array(radii, "radii", ndim=1)
    if radii.size < 1:
        raise ValueError("radii must hold at least one radius; got an empty array")
    if np.any(radii <= 0):
        raise ValueError(f"radii must be > 0; got min {radii.min():g}")
    solver = as_choice(solver, "solver", _SOLVERS)
    V, m = data.P.shape
    d = data.H.shape[0]
    check_work(int(radii.size), "len(radii)", maximum=200, why="each radius is one conic solve")
    check_work(V * d * m, "V * d * m", maximum=2_000_000, why="one conic solve would not finish")
    support = data.P > 0
    if support.all():
        raise ValueError("P: every support is the whole vocabulary; the loss attains its minimum at a "
                         "finite W and the norm-ball path stops growing (Theorem 1 needs some S_j < V)")
    scale = float(np.max(np.abs(data.H)))
    if scale == 0.0:
        raise ValueError("H is zero: every logit is 0 whatever W is, so the path is not defined")
    # The solver sees the data scaled to max |H| = 1 (logits W H = (sW)(H/s), so the radius becomes sB);
    # the certificate is computed on the caller's data.
    scaled = dataclasses.replace(data, H=data.H / scale)
    H_ent = entropy(data.P, data.pi)
    polish = V * d <= _POLISH_MAX_SIZE
    out_W, certs = [], []
    for B in (float(b) for b in radii):
        B_scaled = B * scale
        if not 1e-150 <= B_scaled <= 1e150:       # beyond, squared norms under- or overflow in float64
            raise ValueError(f"radii: B = {B:g} times max |H| = {scale:g} must lie in [1e-150, 1e150] "
                             "(the logit scale; squared norms under- or overflow outside it)")
        What, status = _solve_ball(scaled, B_scaled, solver)
        cert = None
        if What is not None:
            What = np.asarray(What, dtype=np.float64)
            if polish:
                What = _polish(scaled, What, B_scaled)
            What = What / scale
            if np.all(np.isfinite(What)):
                What, cert = _certify(data, What, status, B, PATH_TOLERANCES, polish)
        if cert is None or not cert.passed:
            raise CertificateError(_failure(B, status, cert, scale))
        out_W.append(What)
        certs.append(cert)
    W = np.stack(out_W)
    losses = np.array([loss(w, data.H, data.P, data.pi) for w in W])
    excess = np.array([excess_loss(w, data.H, data.P, data.pi) for w in W])
    return RegularizationPath(radii=radii.copy(), W=W, loss=losses, excess_loss=excess, entropy=float(H_ent),
                              certificates=tuple(certs))
