"""Symbolic identities of the attention SVMs: one sequence, one constraint (docs/attention_svm.md#the-single-sequence-case).

Written out with sympy independently of ``theory/`` (so a slip in the solver code cannot hide in a
shared helper) and decided by :mod:`proofs_check.symbolic` (sympy strategies plus an mpmath spot
check).
"""

from __future__ import annotations

from proofs_check._claim import cite
from proofs_check.symbolic import SymbolicCheck, symbolic_claim


@symbolic_claim(
    "attention_svm.symbolic.single_constraint",
    source=f"{cite('tarzanagh2023svm', '(Att-SVM) and (Att-SVM⋆)')}; docs/attention_svm.md#the-single-sequence-case",
    statement="For one sequence with one constraint aᵀWz >= 1 (a = x_α − x_t, symbolic a, z ∈ R²): W = a zᵀ/(‖a‖²‖z‖²) "
              "meets it with margin exactly 1; it equals u zᵀ/‖z‖² for the vector SVM u = a/‖a‖²; the Frobenius "
              "KKT point λ = 1/(‖a‖²‖z‖²) gives W = λ a zᵀ with zero duality gap; W has rank one and the nuclear "
              "dual certificate μ = 1/(‖a‖‖z‖) has ‖μ a zᵀ‖_op = 1 and dual value μ = ‖W‖_* (zero gap), so the "
              "same W solves both SVMs.")
def _single_constraint(ck: SymbolicCheck):
    import sympy as sp

    a = sp.Matrix(sp.symbols("a0 a1", real=True))
    z = sp.Matrix(sp.symbols("z0 z1", real=True))
    A = (a.T * a)[0]
    Z = (z.T * z)[0]
    W = a * z.T / (A * Z)
    away = {s: (0.3, 2.0) for s in list(a) + list(z)}            # keep ‖a‖, ‖z‖ away from 0
    res = {}
    res["margin_is_one"] = ck.identity((a.T * W * z)[0] - 1, intervals=away)
    u = a / A
    res["vector_svm_lift"] = ck.identity(list(W - u * z.T / Z), intervals=away)
    lam = 1 / (A * Z)
    res["frobenius_stationarity"] = ck.identity(list(W - lam * a * z.T), intervals=away)
    primal = sp.Rational(1, 2) * sum(w ** 2 for w in W)
    res["frobenius_zero_gap"] = ck.identity(primal - (lam - sp.Rational(1, 2) * lam ** 2 * A * Z), intervals=away)
    res["rank_one"] = ck.identity(W.det(), intervals=away)
    # rank one: the only singular value is the Frobenius norm, so ‖W‖_* = sqrt(Σ w²) = 1/sqrt(A Z)
    nuc = 1 / sp.sqrt(A * Z)
    res["nuclear_norm"] = ck.identity(sum(w ** 2 for w in W) - nuc ** 2, intervals=away)
    mu = 1 / sp.sqrt(A * Z)
    M = mu * a * z.T                                              # rank one: ‖M‖_op² = tr(MᵀM)
    res["nuclear_dual_feasible"] = ck.identity(sum(m ** 2 for m in M) - 1, intervals=away)
    # dual value: μ·(number of unit margins) = μ (one constraint, active), equal to ‖W‖_*
    res["nuclear_zero_gap"] = ck.identity(mu - nuc, intervals=away)
    return res
