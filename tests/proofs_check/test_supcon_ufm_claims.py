"""proofs_check.supcon_ufm: the identity checks behind supcon_ufm.symbolic.etf_kkt detect a wrong derivation
(every claim's seeds and wrong prediction are run by tests/test_claims.py)."""

from __future__ import annotations

from proofs_check.symbolic import check_identity


def _etf_symbols():
    import sympy as sp

    tau, m, k = sp.symbols("tau m k", positive=True)
    Z = (m - 1) * sp.exp(1 / tau) + (k - 1) * m * sp.exp(-1 / ((k - 1) * tau))
    beta = (sp.exp(1 / tau) / Z - 1 / (m - 1)) / tau
    gamma = sp.exp(-1 / ((k - 1) * tau)) / (tau * Z)
    return tau, m, k, beta, gamma


def test_wrong_multiplier_is_caught():
    # a = -(m - 1) b instead of -m b leaves S G* != 0: the identity check must fail
    tau, m, k, beta, gamma = _etf_symbols()
    b = beta - gamma
    iv = {tau: (0.2, 5), m: (1.5, 12), k: (1.5, 12)}
    right = check_identity(-m * b * k / (k - 1) + b * k / (k - 1) * m, intervals=iv, simplify=False)
    wrong = check_identity(-(m - 1) * b * k / (k - 1) + b * k / (k - 1) * m, intervals=iv, simplify=False)
    assert right.passed and not wrong.passed


def test_wrong_row_sum_is_caught():
    # the positives' weight 1/m instead of 1/(m - 1) breaks the zero row sums
    import sympy as sp

    tau, m, k, beta, gamma = _etf_symbols()
    Z = (m - 1) * sp.exp(1 / tau) + (k - 1) * m * sp.exp(-1 / ((k - 1) * tau))
    beta_wrong = (sp.exp(1 / tau) / Z - 1 / m) / tau
    iv = {tau: (0.2, 5), m: (1.5, 12), k: (1.5, 12)}
    assert check_identity((m - 1) * beta + (k - 1) * m * gamma, intervals=iv, simplify=False).passed
    assert not check_identity((m - 1) * beta_wrong + (k - 1) * m * gamma, intervals=iv, simplify=False).passed
