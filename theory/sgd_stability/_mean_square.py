"""Exact mean-square stability of SGD at an interpolating minimum (Mulayoff & Michaeli 2023).

Mulayoff & Michaeli 2024 (arXiv 2306.07850; theorem numbers of its ICLR-2024 version); summary in
docs/sgd_stability.md#mean-square-threshold. Per-sample Hessians H_i (i = 1..n) at θ*,
H = (1/n) Σ H_i, batches of size B drawn without replacement within a batch and i.i.d. across
steps, finite-population factor p = (n − B)/(B(n − 1)) ∈ [0, 1] (p = 1 for B = 1, p = 0 for
B = n). The second moment Σ_t = E Δ_tΔ_tᵀ of the linearised iterates evolves by
vec Σ_{t+1} = Q vec Σ_t with

    Q = (I − ηH)⊗(I − ηH) + p·(η²/n) Σ_i (H_i⊗H_i − H⊗H)                     (Thm 2, Ma & Ying)
      = (1 − p)(I − ηH)⊗(I − ηH) + p·(1/n) Σ_i (I − ηH_i)⊗(I − ηH_i)
      = I − 2ηC + η²D,   C = ½(H⊗I + I⊗H),   D = (1 − p)H⊗H + p·(1/n) Σ_i H_i⊗H_i,

and for H_i ⪰ 0 the iterates are MS-stable iff η < η*_var = 2/λ_max(C†D) (Thm 3).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg, optimize

from ..summary import compact_repr
from ..validate import as_choice, as_count, as_finite_array, as_positive_scalar, as_seed, guard_numerics

__all__ = [
    "MeanSquareBounds",
    "batch_factor",
    "gd_threshold",
    "mean_square_bounds",
    "mean_square_threshold",
    "second_moment_operator",
    "spectral_radius_second_moment",
]

_SYM_RTOL = 1e-12      # symmetry tolerance relative to max |H_i| (brief: ~1e-12 relative)
_PSD_RTOL = 1e-10      # eigenvalues above −1e-10·‖H_i‖ count as ≥ 0 (eigh backward error ~ d·eps)


def _hessians(hessians, *, psd: bool) -> np.ndarray:
    H = as_finite_array(hessians, "hessians", ndim=3)
    n, d, d2 = H.shape
    if n < 1 or d < 1 or d != d2:
        raise ValueError(f"hessians must have shape (n, d, d) with n, d >= 1; got {H.shape}")
    scale = float(np.max(np.abs(H))) if H.size else 0.0
    asym = float(np.max(np.abs(H - np.swapaxes(H, 1, 2))))
    if asym > _SYM_RTOL * max(scale, np.finfo(float).tiny):
        raise ValueError(f"hessians must be symmetric (max |H_i − H_iᵀ| = {asym:.3g} exceeds "
                         f"{_SYM_RTOL:g} relative to max |H_i| = {scale:.3g})")
    H = 0.5 * (H + np.swapaxes(H, 1, 2))
    if psd:
        lam_min = np.linalg.eigvalsh(H).min(axis=1)
        norms = np.abs(np.linalg.eigvalsh(H)).max(axis=1)
        bad = np.flatnonzero(lam_min < -_PSD_RTOL * np.maximum(norms, np.finfo(float).tiny))
        if bad.size:
            raise ValueError(f"hessians must be positive semidefinite (Mulayoff & Michaeli Thm 3 is for "
                             f"interpolating minima, H_i ⪰ 0); H_{bad[0]} has eigenvalue "
                             f"{lam_min[bad[0]]:.3g}. At a strict saddle no learning rate is mean-square "
                             "stable (E Δ_t grows along negative curvature); use second_moment_operator for Q itself")
    return H


def _batch(batch_size, n: int) -> int:
    batch_size = as_count(batch_size, "batch_size")
    if batch_size > n:
        raise ValueError(f"batch_size must be in 1..n = {n} (batches without replacement); got {batch_size}")
    return batch_size


@guard_numerics
def batch_factor(n, batch_size):
    r"""Finite-population factor p = (n − B)/(B(n − 1)) of batches without replacement (docs/sgd_stability.md#conventions).

    $\mathrm{Cov}(\hat H) = p \cdot \frac1n \sum_i (H_i - H)\otimes(H_i - H)$ for the batch mean Ĥ of B of the n samples drawn
    without replacement. p = 1 for B = 1, p = 0 for B = n (full batch); n = 1 gives p = 0.

    Parameters
    ----------
    n : int ≥ 1
        Number of samples.
    batch_size : int in 1..n

    Returns
    -------
    float

    Examples
    --------
    >>> batch_factor(3, 2)
    0.25
    """
    n = as_count(n, "n")
    B = _batch(batch_size, n)
    if n == 1:
        return 0.0
    return (n - B) / (B * (n - 1))


def _operators(H: np.ndarray, p: float):
    n, d, _ = H.shape
    Hm = H.mean(axis=0)
    eye = np.eye(d)
    C = 0.5 * (np.kron(Hm, eye) + np.kron(eye, Hm))
    D = (1.0 - p) * np.kron(Hm, Hm) + p * np.einsum("iab,icd->acbd", H, H).reshape(d * d, d * d) / n
    return Hm, C, 0.5 * (D + D.T)


@guard_numerics
def gd_threshold(hessians):
    r"""Mean (GD) stability threshold $\eta^*_\mathrm{mean} = 2/\lambda_{\max}(H)$, $H = \frac1n \sum_i H_i$ (docs/sgd_stability.md#mean-square-threshold, Thm 1).

    $\mathbb{E}\,\theta_t$ follows full-batch GD, bounded iff $\eta \le 2/\lambda_{\max}(H)$ (Mulayoff & Michaeli 2023, Thm 1).

    Parameters
    ----------
    hessians : array of shape (n, d, d)
        Symmetric positive semidefinite per-sample Hessians.

    Returns
    -------
    float
        ``inf`` when H = 0.

    Examples
    --------
    >>> gd_threshold([[[1.0]], [[3.0]]])
    1.0
    """
    H = _hessians(hessians, psd=True)
    lam = float(np.linalg.eigvalsh(H.mean(axis=0))[-1])
    return 2.0 / lam if lam > 0 else float("inf")


@guard_numerics
def mean_square_threshold(hessians, batch_size):
    r"""Exact mean-square threshold $\eta^*_\mathrm{var} = 2/\lambda_{\max}(C^\dagger D)$ (Mulayoff & Michaeli 2023, Thm 3; docs/sgd_stability.md#mean-square-threshold).

    $C = \tfrac12(H\otimes I + I\otimes H)$, $D = (1 - p)H\otimes H + p\cdot\frac1n \sum_i H_i\otimes H_i$,
    $p = (n - B)/(B(n - 1))$. SGD at an
    interpolating minimum ($g_i = 0$, $H_i \succeq 0$) is MS-bounded iff $\eta \le \eta^*_\mathrm{var}$ and MS-convergent iff
    $\eta < \eta^*_\mathrm{var}$; $\rho(Q(\eta^*_\mathrm{var})) = 1$. In 1-D:
    $\eta^*_\mathrm{var} = 2H/((1 - p)H^2 + p\,\mathrm{mean}(h_i^2))$. $\lambda_{\max}(C^\dagger D)$ is
    computed as the top eigenvalue of the symmetric-definite pencil (UᵀDU, UᵀCU) on the range U
    of C (range D ⊆ range C when $H_i \succeq 0$), which is more accurate than ``eigvals(pinv(C) @ D)``.

    Parameters
    ----------
    hessians : array of shape (n, d, d)
        Symmetric positive semidefinite per-sample Hessians $H_i$.
    batch_size : int in 1..n
        B; batches without replacement within a batch, i.i.d. across steps.

    Returns
    -------
    float
        $\eta^*_\mathrm{var}$; ``inf`` when H = 0.

    References
    ----------
    R. Mulayoff, T. Michaeli, "Exact mean square linear stability analysis for SGD",
    arXiv 2306.07850 (COLT 2024).

    Examples
    --------
    >>> round(mean_square_threshold([[[1.0]], [[3.0]]], 1), 12)     # 2·2/5
    0.8
    """
    H = _hessians(hessians, psd=True)
    n, d, _ = H.shape
    B = _batch(batch_size, n)
    p = batch_factor(n, B)
    Hm, C, D = _operators(H, p)
    w, V = np.linalg.eigh(C)
    keep = w > 1e-13 * max(float(w[-1]), np.finfo(float).tiny)
    if not np.any(keep):
        return float("inf")
    U = V[:, keep]
    Cr = U.T @ C @ U
    Dr = U.T @ D @ U
    mu = float(linalg.eigh(0.5 * (Dr + Dr.T), 0.5 * (Cr + Cr.T), eigvals_only=True)[-1])
    return 2.0 / mu if mu > 0 else float("inf")


@guard_numerics
def second_moment_operator(hessians, batch_size, lr, *, form="kron"):
    r"""Second-moment operator Q with $\mathrm{vec}\,\Sigma_{t+1} = Q\, \mathrm{vec}\,\Sigma_t$ (Mulayoff & Michaeli Thm 2; docs/sgd_stability.md#mean-square-threshold).

    ``form="kron"``: $Q = (I - \eta H)\otimes(I - \eta H) + p\,\frac{\eta^2}{n} \sum_i (H_i\otimes H_i - H\otimes H)$;
    ``form="mixture"``: $Q = (1 - p)(I - \eta H)\otimes(I - \eta H) + p\,\frac1n \sum_i (I - \eta H_i)\otimes(I - \eta H_i)$.
    The two agree identically (the tests check it). Valid for any symmetric $H_i$ (saddles too).

    Parameters
    ----------
    hessians : array of shape (n, d, d)
        Symmetric per-sample Hessians.
    batch_size : int in 1..n
    lr : float
        η > 0.
    form : {"kron", "mixture"}, default "kron"

    Returns
    -------
    ndarray of shape (d², d²)
        Symmetric; acts on row-major vec Σ.

    Examples
    --------
    >>> second_moment_operator([[[1.0]], [[3.0]]], 1, 0.5).tolist()     # E(1 − ηh)² = (¼ + ¼)/2
    [[0.25]]
    """
    H = _hessians(hessians, psd=False)
    n, d, _ = H.shape
    B = _batch(batch_size, n)
    eta = as_positive_scalar(lr, "lr")
    p = batch_factor(n, B)
    Hm = H.mean(axis=0)
    eye = np.eye(d)
    M = eye - eta * Hm
    if form == "kron":
        S = np.einsum("iab,icd->acbd", H, H).reshape(d * d, d * d) / n - np.kron(Hm, Hm)
        Q = np.kron(M, M) + p * eta**2 * S
    elif form == "mixture":
        Mi = eye[None] - eta * H
        Q = (1.0 - p) * np.kron(M, M) + p * np.einsum("iab,icd->acbd", Mi, Mi).reshape(d * d, d * d) / n
    else:
        as_choice(form, "form", ("kron", "mixture"))
    return 0.5 * (Q + Q.T)


@guard_numerics
def spectral_radius_second_moment(hessians, batch_size, lr):
    r"""ρ(Q(η)), the spectral radius of the second-moment operator (docs/sgd_stability.md#mean-square-threshold, Thm 2 and Thm 6).

    $\mathbb{E}\|\Delta_t\|^2 \to 0$ iff ρ(Q) < 1. Q is symmetric, so ρ(Q) = max |eig(Q)|; for $H_i \succeq 0$ the Lemma
    (Thm 6) gives $\rho(Q) = \lambda_{\max}(Q)$. At $\eta = \eta^*_\mathrm{var}$, ρ = 1.

    Parameters
    ----------
    hessians : array of shape (n, d, d)
    batch_size : int in 1..n
    lr : float

    Returns
    -------
    float

    Examples
    --------
    >>> round(spectral_radius_second_moment([[[1.0]], [[3.0]]], 1, 0.8), 12)   # at η*_var
    1.0
    """
    Q = second_moment_operator(hessians, batch_size, lr)
    return float(np.max(np.abs(np.linalg.eigvalsh(Q))))


@compact_repr
@dataclass(frozen=True)
class MeanSquareBounds:
    r"""Cheap upper bounds on $\eta^*_\mathrm{var}$ (Mulayoff & Michaeli 2023, Prop 3 and Eq. 24; docs/sgd_stability.md#mean-square-threshold).

    Attributes
    ----------
    top_direction : float
        $2\lambda_{\max} / (\lambda_{\max}^2 + \frac{p}{n} \sum_i (v^\top H_i v - \lambda_{\max})^2)$, v the top eigenvector of H.
    trace : float
        $2 \operatorname{Tr} H / ((1 - p)\|H\|_F^2 + \frac{p}{n} \sum_i \|H_i\|_F^2)$.
    optimized : float
        $2 / \max_{\|v\|=1} \{v^\top Hv + p\,\frac1n \sum_i (v^\top H_i v - v^\top Hv)^2 / v^\top Hv\}$, maximised numerically from
        several starts (any v gives a valid bound; this is the best found, ≤ ``top_direction``).
    """

    top_direction: float
    trace: float
    optimized: float


@guard_numerics
def mean_square_bounds(hessians, batch_size, *, n_starts=8, seed=0):
    r"""Prop 3 / Eq. 24 upper bounds on $\eta^*_\mathrm{var}$ (Mulayoff & Michaeli 2023; docs/sgd_stability.md#mean-square-threshold).

    Each is 2 over a Rayleigh quotient $\langle x, Dx\rangle/\langle x, Cx\rangle \le \lambda_{\max}(C^\dagger D)$: x = v⊗v (top eigenvector, or
    the maximiser over unit v) and x = vec I (the trace bound). Hence every bound is $\ge \eta^*_\mathrm{var}$.

    Parameters
    ----------
    hessians : array of shape (n, d, d)
        Symmetric positive semidefinite per-sample Hessians.
    batch_size : int in 1..n
    n_starts : int, default 8
        Random starts (besides the eigenvectors of H) for the Eq. 24 maximisation.
    seed : int, default 0

    Returns
    -------
    MeanSquareBounds

    Examples
    --------
    >>> b = mean_square_bounds([[[1.0]], [[3.0]]], 1)
    >>> round(b.top_direction, 12), round(b.trace, 12)
    (0.8, 0.8)
    """
    H = _hessians(hessians, psd=True)
    n, d, _ = H.shape
    B = _batch(batch_size, n)
    n_starts = as_count(n_starts, "n_starts", minimum=0, maximum=10**4)   # one local search each (~ms)
    seed = as_seed(seed)
    p = batch_factor(n, B)
    Hm = H.mean(axis=0)
    w, V = np.linalg.eigh(Hm)
    if w[-1] <= 0:
        inf = float("inf")
        return MeanSquareBounds(inf, inf, inf)

    def quotient(v):
        v = v / np.linalg.norm(v)
        a = float(v @ Hm @ v)
        if a <= 0:
            return 0.0
        ai = np.einsum("a,iab,b->i", v, H, v)
        return a + p * float(np.mean((ai - a) ** 2)) / a

    top = quotient(V[:, -1])
    tr = float(np.trace(Hm))
    denom = (1.0 - p) * float(np.sum(Hm * Hm)) + p * float(np.mean(np.sum(H * H, axis=(1, 2))))
    best = top
    rng = np.random.default_rng(seed)
    starts = [V[:, k] for k in range(d)] + [rng.normal(size=d) for _ in range(n_starts)]
    for v0 in starts:
        res = optimize.minimize(lambda v: -quotient(v), v0, method="Nelder-Mead" if d == 1 else "BFGS")
        best = max(best, -float(res.fun))
    return MeanSquareBounds(top_direction=2.0 / top, trace=2.0 * tr / denom, optimized=2.0 / best)
