"""Theorem 1 of Simon et al. (2023) as a property test (docs/rf_risk.md#optimal-ridge-and-theorem-1).

Over random spectra and targets: the optimal-ridge test risk E*(n, k) is non-increasing in k and
in n, and never below kernel ridge regression E*(n, inf). The optimiser finds the minimum over
log(gamma - gamma_0) to xatol 1e-10, so E* is accurate to ~1e-15 relative at a smooth minimum; the
comparisons allow 1e-9 relative for a minimum that the 97-point scan brackets off-centre.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from theory.rf_risk import optimal_ridge

OPT = 1e-9


@st.composite
def tasks(draw):
    M = draw(st.integers(5, 60))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    lam = np.exp(rng.uniform(-8, 0, M))
    v2 = np.exp(rng.uniform(-6, 0, M)) * (rng.uniform(size=M) < 0.8)
    v2[0] += 0.1                                        # a nonzero target
    noise = draw(st.sampled_from([0.0, 0.01, 0.5]))
    return lam, v2, noise


@settings(max_examples=40, deadline=None)
@given(tasks(), st.integers(1, 80), st.integers(1, 80))
def test_optimal_risk_more_is_better(task, n, k):
    lam, v2, noise = task
    e = optimal_ridge(lam, v2, n, k, noise).test_mse
    e_k = optimal_ridge(lam, v2, n, k + max(1, k // 2), noise).test_mse
    e_n = optimal_ridge(lam, v2, n + max(1, n // 2), k, noise).test_mse
    e_inf = optimal_ridge(lam, v2, n, np.inf, noise).test_mse
    assert e_k <= e * (1 + OPT)
    assert e_n <= e * (1 + OPT)
    assert e_inf <= e * (1 + OPT)
    assert e_inf <= e_k * (1 + OPT)
