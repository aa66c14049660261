"""sims.ntp_geometry.train_factorized_ufm: gradient, convergence to the certified convex optimum, validation."""

import numpy as np
import pytest

from sims.ntp_geometry import train_factorized_ufm
from sims.ntp_geometry._factorized import _value_grad
from theory.ntp import random_instance
from theory.ntp_geometry import ufm_logits


def test_gradient_matches_finite_differences():
    data = random_instance(5, 4, 1, 2, seed=3)
    V, m, d, lam = 5, 4, 3, 0.05
    rng = np.random.default_rng(0)
    x = rng.standard_normal(V * d + d * m)
    f, g = _value_grad(x, data.P, data.pi, lam, V, d, m)
    eps = 1e-6
    fd = np.array([(_value_grad(x + eps * e, data.P, data.pi, lam, V, d, m)[0]
                    - _value_grad(x - eps * e, data.P, data.pi, lam, V, d, m)[0]) / (2 * eps)
                   for e in np.eye(x.size)])
    # central differences: O(eps²) truncation plus O(1e-16/eps) rounding on an O(1) objective
    assert np.max(np.abs(fd - g)) <= 1e-8


def test_lbfgs_reaches_the_convex_optimum():
    data = random_instance(5, 6, 1, 2, seed=1)
    sol = ufm_logits(data.P, data.pi, 0.05)
    run = train_factorized_ufm(data.P, data.pi, 0.05, seed=2)
    assert run.converged and run.W.shape == (5, 4) and run.H.shape == (4, 6)     # d = min(m, V - 1)
    # the convex optimum is certified to 1e-7 nats; L-BFGS ends at gradient ~1e-9 (see the claim
    # ntp_geometry.factorized_reaches_convex for the reasons)
    assert run.objective - sol.lower_bound <= 1e-8
    assert np.linalg.norm(run.L - sol.L) <= 1e-5 * np.linalg.norm(sol.L)


def test_inputs_are_validated():
    data = random_instance(4, 3, 1, 2, seed=0)
    with pytest.raises(ValueError, match="lam"):
        train_factorized_ufm(data.P, data.pi, 0.0)
    with pytest.raises(ValueError, match="init_scale"):
        train_factorized_ufm(data.P, data.pi, 0.1, init_scale=1e200)
    with pytest.raises(ValueError, match="d must be"):
        train_factorized_ufm(data.P, data.pi, 0.1, d=0)
