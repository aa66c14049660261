"""Data-side estimators (theory.rf_risk; docs/rf_risk.md#data-side-estimators).

Each is checked against the explicit matrix formula (inverse, trace, norms) in float64; the
eigendecomposition route agrees to rounding (condition number of K + ridge I times eps).
"""

import numpy as np
import pytest

from theory.rf_risk import empirical_spectrum, gcv_risk, kappa_from_kernel, risk


def _kernel(n=60, M=200, seed=0):
    rng = np.random.default_rng(seed)
    lam = np.arange(1, M + 1.0) ** -1.5
    X = rng.standard_normal((n, M))
    K = (X * lam) @ X.T                        # sum_i lam_i phi_i(x) phi_i(x'), Gaussian model
    y = X @ (lam**0.75) + 0.3 * rng.standard_normal(n)
    return K, y, lam


def test_kappa_and_gcv_match_matrix_formulas():
    K, y, _ = _kernel()
    n = K.shape[0]
    for d in (1e-3, 0.1, 2.0):
        inv = np.linalg.inv(K + d * np.eye(n))
        assert kappa_from_kernel(K, d) == pytest.approx(1 / np.trace(inv), rel=1e-9)
        assert gcv_risk(K, y, d) == pytest.approx(n * np.sum((inv @ y) ** 2) / np.trace(inv) ** 2, rel=1e-9)
    np.testing.assert_allclose(kappa_from_kernel(K, [0.1, 2.0]), [kappa_from_kernel(K, 0.1), kappa_from_kernel(K, 2.0)])


def test_kappa_hat_tracks_the_theory():
    # Gaussian model, KRR: kappa-hat concentrates around kappa; average of 20 draws within 5% (the
    # draw-to-draw spread at n = 60 is a few percent, the O(1/n) bias ~1-2%)
    ks = [kappa_from_kernel(_kernel(seed=s)[0], 0.1) for s in range(20)]
    lam = _kernel()[2]
    kap = risk(lam, lam**1.5, 60, np.inf, 0.1).kappa
    assert np.mean(ks) == pytest.approx(kap, rel=0.05)


def test_empirical_spectrum_reconstructs():
    K, y, _ = _kernel()
    n = K.shape[0]
    sp = empirical_spectrum(K, y)
    assert np.all(np.diff(sp.eigenvalues) <= 0)
    assert np.sum(sp.eigenvalues) == pytest.approx(np.trace(K) / n, rel=1e-12)
    assert np.sum(sp.target_power) == pytest.approx(np.sum(y**2) / n, rel=1e-12)


@pytest.mark.parametrize("call,name", [
    (lambda: kappa_from_kernel(np.ones((2, 3)), 0.1), "K"),
    (lambda: kappa_from_kernel([[1.0, 0.0], [1.0, 1.0]], 0.1), "K"),
    (lambda: kappa_from_kernel(np.eye(2), -2.0), "ridge"),
    (lambda: gcv_risk(np.eye(2), [1.0, 2.0, 3.0], 0.1), "y"),
    (lambda: gcv_risk(np.eye(2), [1.0, 2.0], 0.0), "ridge"),
    (lambda: empirical_spectrum(np.eye(2) * np.nan, [1.0, 2.0]), "K"),
])
def test_estimator_bad_inputs(call, name):
    with pytest.raises(ValueError, match=name):
        call()
