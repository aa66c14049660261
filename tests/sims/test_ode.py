"""The guarded ODE driver (``sims._ode``): stiffness estimate, method choice, blow-up reporting.

Oracles: linear systems y' = A y with known eigenvalues and their exact solution expm(tA) y0.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import expm

from sims._ode import STIFF_LIMIT, as_t_eval, integrate, stiffness_estimate


def _linear(eigs, seed=0, normal=False):
    """A = V diag(eigs) V⁻¹ with a random well-conditioned V (orthogonal if ``normal``)."""
    rng = np.random.default_rng(seed)
    V = np.linalg.qr(rng.standard_normal((len(eigs), len(eigs))))[0]
    if not normal:
        V = V + 0.3 * np.eye(len(eigs))
    return V @ np.diag(eigs) @ np.linalg.inv(V)


@pytest.mark.parametrize("eigs", [[-1.0, -2.0, -3.0], [-1.0, -1e6], [-0.5, 2.0, -40.0, -7.0]])
def test_stiffness_estimate_brackets_the_spectral_radius(eigs):
    A = _linear(eigs)
    rho = max(abs(e) for e in eigs)
    est = stiffness_estimate(lambda t, y: A @ y, np.ones(len(eigs)), 2.0)
    # Gelfand bound after 5 squarings: ρ ≤ ‖J^32‖_F^(1/32) ≤ (√N·κ(V))^(1/32)·ρ, with κ(V) < 10
    # here; the finite-difference Jacobian of a linear field is exact to ~1e-8 relative.
    assert 2.0 * rho * (1 - 1e-6) <= est <= 2.0 * rho * (np.sqrt(len(eigs)) * 10) ** (1 / 32)


def test_stiffness_estimate_ignores_a_kink_at_the_start():
    # y' = −|y₀|·(1, 1) − y: a kink at y₀ = 0 where we start; the smooth side has ρ = 1
    def rhs(t, y):
        return -np.abs(y[0]) * np.ones(2) - y
    assert stiffness_estimate(rhs, np.zeros(2), 1.0) < 3.0


@pytest.mark.parametrize("stiff", [False, True])
def test_method_choice_and_accuracy(stiff):
    # a gradient flow's Jacobian −diag(η)·H is similar to a symmetric matrix: a normal A
    eigs = [-1.0, -1e5] if stiff else [-1.0, -3.0]
    A = _linear(eigs, seed=1, normal=True)
    y0 = np.array([1.0, -0.5])
    t = as_t_eval([0.0, 0.5, 2.0])
    res = integrate(lambda t_, y: A @ y, y0, t, 1e-10, 1e-12, 1e6)
    assert res.success and not res.diverged
    assert res.method == ("Radau" if stiff else "DOP853")
    assert (res.stiffness > STIFF_LIMIT) == stiff and ("stiff" in res.message) == stiff
    exact = np.array([expm(tt * A) @ y0 for tt in t])
    # both methods at rtol 1e-10 on an O(1) solution: global error well below 1e-8
    np.testing.assert_allclose(res.Y, exact, rtol=0, atol=1e-8)


def test_blowup_before_the_first_requested_time():
    # y' = y from 1 reaches max_norm = 10 at t = log 10 ≈ 2.3, before the first requested time 3
    res = integrate(lambda t, y: y, np.array([1.0]), as_t_eval([3.0, 4.0]), 1e-10, 1e-12, 10.0)
    assert res.diverged and not res.success and np.isnan(res.Y).all()
    assert "t = 2.30259" in res.message
