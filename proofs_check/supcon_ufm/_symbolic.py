"""Symbolic identities of the SC UFM (Behnia & Thrampoulidis 2024): the closed-form KKT certificate of
the simplex ETF for balanced labels, with symbolic tau, m, k (docs/supcon_ufm.md#symbolic-identities).

Written out here from the softmax of one anchor at the ETF, independently of ``theory/``. The identities
are rational-exponential in (tau, m, k), so they are checked for real m, k > 1 (which contains the
integers); positivity of a and n gamma is shown as an identity whose other side is a product of factors
positive by inspection.
"""

from __future__ import annotations

from proofs_check._claim import cite
from proofs_check.symbolic import SymbolicCheck, symbolic_claim


@symbolic_claim(
    "supcon_ufm.symbolic.etf_kkt",
    source=f"{cite('behnia2024', 'balanced labels: the simplex ETF')}; {cite('graf2021', 'the regular-simplex minimiser')}; "
           "docs/supcon_ufm.md#the-balanced-simplex-etf; docs/supcon_ufm.md#symbolic-identities",
    statement="At the simplex ETF with k classes of m samples and symbolic tau: the rows of M sum to 0 "
              "((m-1) beta + (k-1) m gamma = 0); S = aI + bJ_blk + cJ with c = gamma, b = beta - gamma, a = -mb "
              "reproduces the gradient off the diagonal, has a = m gamma (1 + (k-1)m/(m-1)) > 0 and eigenvalue "
              "n gamma > 0 on the ones vector, and S G* = 0 (both coefficients of G* S in the basis J_blk, J "
              "vanish); the ETF loss equals n log(m - 1 + (k-1)m e^{-k/((k-1)tau)}).")
def _etf_kkt(ck: SymbolicCheck):
    import sympy as sp

    tau, m, k = sp.symbols("tau m k", positive=True)
    n = k * m
    Z = (m - 1) * sp.exp(1 / tau) + (k - 1) * m * sp.exp(-1 / ((k - 1) * tau))
    s_pos = sp.exp(1 / tau) / Z
    s_neg = sp.exp(-1 / ((k - 1) * tau)) / Z
    beta = (s_pos - 1 / (m - 1)) / tau
    gamma = s_neg / tau
    c = gamma
    b = beta - gamma
    a = -m * b
    alpha, delta = k / (k - 1), -1 / (k - 1)             # G* = alpha J_blk + delta J
    iv = dict(intervals={tau: (0.2, 5), m: (1.5, 12), k: (1.5, 12)})
    res = {
        "row_sums_zero": ck.identity((m - 1) * beta + (k - 1) * m * gamma, **iv),
        "same_class_offdiagonal": ck.identity((b + c) - beta, **iv),
        "a_positive_form": ck.identity(a - m * gamma * (1 + (k - 1) * m / (m - 1)), **iv),
        "ones_eigenvalue": ck.identity((a + b * m + c * n) - n * gamma, **iv),
        # S G* = (aI + bJ_blk + cJ)(alpha J_blk + delta J), with J_blk^2 = m J_blk, J_blk J = J J_blk = m J, J^2 = n J
        "SG_coefficient_J_blk": ck.identity(a * alpha + b * alpha * m, **iv),
        "SG_coefficient_J": ck.identity(a * delta + b * delta * m + c * alpha * m + c * delta * n, **iv),
        "etf_loss": ck.identity((sp.log(Z) - 1 / tau) - sp.log(m - 1 + (k - 1) * m * sp.exp(-k / ((k - 1) * tau))),
                                **iv),
    }
    return res
