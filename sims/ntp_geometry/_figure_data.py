"""Frozen data behind the NTP-geometry figures (Zhao et al. 2024; docs/ntp_geometry.md).

Every number comes from the certified solvers of ``theory.ntp_geometry``: the nuclear logit SVM
(``logit_max_margin``) and the regularised UFM logits (``ufm_logits``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from theory.summary import compact_repr
from theory.validate import as_finite_array, as_seed

__all__ = ["LambdaSweep", "LogitMaps", "duplicated_instance", "lambda_sweep", "logit_maps"]


def duplicated_instance(seed: int = 0):
    """The duplicated-support pattern (V = 6, m = 8) with Dirichlet(1) probabilities and uniform π̂.

    Parameters
    ----------
    seed : int, default 0
        Seed of the probabilities.

    Returns
    -------
    tuple (P (6, 8), pi (8,), support (6, 8))
    """
    from theory.ntp_geometry import duplicated_support_instance

    seed = as_seed(seed)
    S = duplicated_support_instance()
    V, m = S.shape
    rng = np.random.default_rng(np.random.SeedSequence([seed, 4408]))
    P = np.zeros((V, m))
    for j in range(m):
        P[S[:, j], j] = rng.dirichlet(np.ones(int(S[:, j].sum())))
    return P, np.full(m, 1.0 / m), S


@compact_repr
@dataclass(frozen=True)
class LogitMaps:
    """The logit matrices of one instance: L^in, L^mm, S̃ and L_λ.

    Attributes
    ----------
    L_in, L_mm, S_tilde, L_lam : numpy.ndarray, shape (V, m)
    lam : float
    c : float
        Coefficient of L_λ along L^mm.
    support : numpy.ndarray of bool, shape (V, m)
    sv_mm, sv_St : numpy.ndarray
        Singular values of L^mm and S̃.
    """

    L_in: np.ndarray
    L_mm: np.ndarray
    S_tilde: np.ndarray
    L_lam: np.ndarray
    lam: float
    c: float
    support: np.ndarray
    sv_mm: np.ndarray
    sv_St: np.ndarray


def logit_maps(lam: float = 1e-4, seed: int = 0) -> LogitMaps:
    """L^in, L^mm, S̃ and the certified L_λ on :func:`duplicated_instance`.

    Parameters
    ----------
    lam : float, default 1e-4
    seed : int, default 0

    Returns
    -------
    LogitMaps
    """
    from theory.ntp import centered_log_probabilities, centered_support
    from theory.ntp_geometry import decompose_logits, logit_max_margin, ufm_logits

    P, pi, S = duplicated_instance(seed)
    L_mm = logit_max_margin(S)
    sol = ufm_logits(P, pi, lam)
    St = centered_support(S)
    return LogitMaps(L_in=centered_log_probabilities(P), L_mm=L_mm, S_tilde=St, L_lam=sol.L, lam=sol.lam,
                     c=decompose_logits(sol.L, P, L_mm).c, support=S,
                     sv_mm=np.linalg.svd(L_mm, compute_uv=False), sv_St=np.linalg.svd(St, compute_uv=False))


@compact_repr
@dataclass(frozen=True)
class LambdaSweep:
    """Quantities along λ for several random instances (the ln(1/λ) law) and the duplicated instance (collapse).

    Attributes
    ----------
    lambdas : numpy.ndarray, shape (k,)
    c : numpy.ndarray, shape (n_seeds, k)
        Coefficient along L^mm.
    in_support_error : numpy.ndarray, shape (n_seeds, k)
        ‖P_F L_λ − L^in‖.
    relative_residual : numpy.ndarray, shape (n_seeds, k)
        ‖L_λ − c L^mm‖ / (c ‖L^mm‖).
    collapse_cos, word_gram_corr, context_gram_corr : numpy.ndarray, shape (k,)
        On the duplicated instance (minimum collapse cosine over the pairs).
    """

    lambdas: np.ndarray
    c: np.ndarray
    in_support_error: np.ndarray
    relative_residual: np.ndarray
    collapse_cos: np.ndarray
    word_gram_corr: np.ndarray
    context_gram_corr: np.ndarray


def lambda_sweep(lambdas=tuple(10.0 ** -k for k in np.arange(1.0, 5.01, 0.5)), seeds=(0, 1, 2, 3)) -> LambdaSweep:
    """Certified UFM solutions along ``lambdas`` (the setting of the claim ``ntp_geometry.ln_lambda_law``).

    Parameters
    ----------
    lambdas : sequence of float > 0
    seeds : sequence of int
        Instances of the ln(1/λ) law (V = 6, m = 8, supports of size 1-3).

    Returns
    -------
    LambdaSweep
    """
    from theory.ntp import random_instance
    from theory.ntp_geometry import decompose_logits, gram_geometry, logit_max_margin, ufm_logits

    lams = as_finite_array(lambdas, "lambdas", ndim=1)
    if np.any(lams <= 0):
        raise ValueError("lambdas must be > 0")
    c, err, res = [], [], []
    for seed in seeds:
        seed = as_seed(seed)
        rng = np.random.default_rng(seed)
        data = random_instance(6, 8, 1, rng.integers(1, 4, size=8), seed=seed)
        L_mm = logit_max_margin(data.P > 0)
        dec = [decompose_logits(ufm_logits(data.P, data.pi, lam).L, data.P, L_mm) for lam in lams]
        c.append([d.c for d in dec])
        err.append([d.in_support_error for d in dec])
        res.append([d.residual_norm / (abs(d.c) * np.linalg.norm(L_mm)) for d in dec])
    P, pi, S = duplicated_instance(0)
    L_mm = logit_max_margin(S)
    geo = [gram_geometry(ufm_logits(P, pi, lam).L, L_mm, S) for lam in lams]
    return LambdaSweep(lambdas=lams, c=np.array(c), in_support_error=np.array(err), relative_residual=np.array(res),
                       collapse_cos=np.array([float(np.min(g.collapse_cos)) for g in geo]),
                       word_gram_corr=np.array([g.word_gram_corr for g in geo]),
                       context_gram_corr=np.array([g.context_gram_corr for g in geo]))
