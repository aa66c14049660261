"""The vectorised grid against the scalar solver (theory.rf_risk.risk_grid; docs/rf_risk.md#solving-it).

Target: <= 1e-9 relative at every point. The quintic Hermite tables in log gamma have spacing
0.1 (interpolation error ~ 0.1^6/46080 * f^(6), ~1e-12 measured), and the bisection runs to
1 ulp in log gamma, so 1e-9 has three orders of margin; measured max ~1e-12.
"""

import numpy as np
import pytest

from theory.rf_risk import optimal_ridge, optimal_ridge_grid, risk, risk_grid

GRID = 1e-9


def _task(M=2000, a=1.5, b=1.5):
    i = np.arange(1, M + 1, dtype=float)
    return i**-a, i**-b


@pytest.mark.parametrize("ridge", [0.0, 1e-6, 1e-3, 0.1, 10.0])
def test_grid_matches_scalar(ridge):
    lam, v2 = _task()
    ns = np.array([1, 7, 50, 200, 999, 1999, 2000, 2001, 4000])
    ks = np.array([1, 3, 50, 200, 1000, 2000, 2500, np.inf])
    g = risk_grid(lam, v2, ns[:, None], ks[None, :], ridge, 0.5)
    assert g.test_mse.shape == (ns.size, ks.size)
    for a, n in enumerate(ns):
        for b, k in enumerate(ks):
            r = risk(lam, v2, int(n), k, ridge, 0.5)
            assert g.diverged[a, b] == r.diverged and g.regime[a, b] == r.regime
            if r.diverged:
                assert g.test_mse[a, b] == np.inf
                continue
            for f in ("test_mse", "train_mse", "gamma", "kappa", "overfitting_coefficient", "z", "q", "bias"):
                x, y = getattr(g, f)[a, b], getattr(r, f)
                assert x == pytest.approx(y, rel=GRID, abs=1e-300), (f, n, k)


def test_grid_broadcasts_ridges_and_has_no_nan():
    lam, v2 = _task(M=500)
    g = risk_grid(lam, v2, np.array([100, 500, 800])[:, None, None], np.array([100, 500, np.inf])[None, :, None],
                  np.array([0.0, 1e-4, 1.0])[None, None, :], 0.1)
    assert g.test_mse.shape == (3, 3, 3)
    assert not np.isnan(g.test_mse).any() and not np.isnan(g.train_mse).any()
    assert g.diverged[0, 0, 0] and g.diverged[1, 1, 0] and not g.diverged[1, 1, 1]


def test_grid_bad_inputs():
    lam, v2 = _task(M=10)
    with pytest.raises(ValueError, match="n"):
        risk_grid(lam, v2, [0.5, 2], 3, 0.1)
    with pytest.raises(ValueError, match="ridge"):
        risk_grid(lam, v2, 3, 3, [-0.1])
    with pytest.raises(ValueError, match="k"):
        risk_grid(lam, v2, 3, [np.nan], 0.1)
    with pytest.raises(ValueError, match="broadcast"):
        risk_grid(lam, v2, [1, 2, 3], [1, 2], 0.1)


@pytest.mark.parametrize("noise", [0.5, 0.05])
def test_optimal_ridge_grid_matches_scalar(noise):
    # E* agrees to the optimisers' accuracy (both minimise over log(gamma - gamma_0) to ~1e-10 in the
    # argument, so E* to ~1e-18 + the 1e-12 table error); the ridge itself is compared only where the
    # minimum is well curved (its relative accuracy is ~sqrt(1e-12 / curvature))
    lam, v2 = _task(M=1000)
    ns = np.array([5, 30, 200, 999, 1500])
    ks = np.array([5, 40, 300, 1000, 3000, np.inf])
    g = optimal_ridge_grid(lam, v2, ns[:, None], ks[None, :], noise)
    for a, n in enumerate(ns):
        for b, k in enumerate(ks):
            o = optimal_ridge(lam, v2, int(n), k, noise)
            assert g.test_mse[a, b] == pytest.approx(o.test_mse, rel=GRID), (n, k)
            assert g.ridgeless_optimal[a, b] == o.ridgeless_optimal
            if not o.ridgeless_optimal:
                assert g.ridge[a, b] == pytest.approx(o.ridge, rel=1e-4), (n, k)


def test_grid_on_a_compressed_power_law():
    # weighted modes (multiplicities) spanning 280 decades, exponents near 1
    from theory.rf_risk import powerlaw_spectrum

    S = powerlaw_spectrum(1.17, 1.14, 2000)
    ns = np.array([10, 1000, 10**5])
    ks = np.array([50, 10**4, np.inf])
    for ridge in (0.0, 1e-4):
        g = risk_grid(S.eigenvalues, S.target_power, ns[:, None], ks[None, :], ridge, 0.1,
                      multiplicities=S.multiplicities)
        for a, n in enumerate(ns):
            for b, k in enumerate(ks):
                r = risk(S.eigenvalues, S.target_power, int(n), k, ridge, 0.1, multiplicities=S.multiplicities)
                assert g.diverged[a, b] == r.diverged
                if not r.diverged:
                    assert g.test_mse[a, b] == pytest.approx(r.test_mse, rel=GRID), (n, k, ridge)
                    assert g.train_mse[a, b] == pytest.approx(r.train_mse, rel=GRID, abs=1e-300), (n, k, ridge)
