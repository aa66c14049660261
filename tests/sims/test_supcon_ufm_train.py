"""sims.supcon_ufm: Riemannian GD on spheres (kernel vs oracle beyond the registry cases, stopping,
equivariance, validation) and the figure data."""

from __future__ import annotations

import numpy as np
import pytest

import theory.supcon_ufm as T
from sims.supcon_ufm import random_features, riemannian_gd

Y = np.repeat(np.arange(3), [4, 2, 2])


def test_kernel_equals_oracle_with_early_stopping():
    # tol = 1e-3 stops chains at different steps: the stopping logic must agree bit for bit too
    kw = dict(n_inits=3, seed=2, tol=1e-3)
    a = riemannian_gd(Y, 0.5, 3, 0.05, 400, **kw)
    b = riemannian_gd(Y, 0.5, 3, 0.05, 400, backend="numpy", **kw)
    assert np.array_equal(a.H, b.H) and np.array_equal(a.loss, b.loss) and np.array_equal(a.grad_norm, b.grad_norm)
    assert np.array_equal(a.steps_taken, b.steps_taken)
    assert np.all(a.converged) and np.all(a.steps_taken < 400)


def test_stopped_chain_repeats_its_final_values():
    run = riemannian_gd(Y, 0.5, 3, 0.05, 5000, n_inits=2, seed=0, tol=1e-8)
    assert np.all(run.converged) and np.all(run.final_grad_norm <= 1e-8)
    for c in range(2):
        after = run.checkpoints > run.steps_taken[c]
        assert after.any()
        assert np.all(run.loss[c, after] == run.final_loss[c])


def test_features_stay_on_the_sphere_and_converge_to_the_optimum():
    run = riemannian_gd(Y, 1.0, 4, 0.05, 5000, n_inits=3, seed=4)
    # retraction by normalisation: unit norms to a few eps
    assert np.max(np.abs(np.linalg.norm(run.H, axis=1) - 1)) <= 8 * np.finfo(float).eps
    opt = T.optimal_gram(Y, 1.0, return_certificate=True)[1]
    # GD stops at gradient norm 1e-8; both losses certified (gap bounds <= 1e-6)
    assert np.max(np.abs(run.final_loss - opt.loss)) <= 2e-6


def test_rotation_equivariance():
    # GD commutes with rotations of the feature space: H_t(Q H0) = Q H_t(H0) up to accumulated rounding
    # (50 steps of O(n^2 d) sums: ~1e-13; tolerance 1e-10)
    H0 = random_features(3, Y.size, 2, seed=5)
    Q = np.linalg.qr(np.random.default_rng(0).standard_normal((3, 3)))[0]
    a = riemannian_gd(Y, 0.5, 3, 0.05, 50, n_inits=2, H0=H0, tol=0.0)
    b = riemannian_gd(Y, 0.5, 3, 0.05, 50, n_inits=2, H0=np.einsum("ij,cjn->cin", Q, H0), tol=0.0)
    assert np.max(np.abs(np.einsum("ij,cjn->cin", Q, a.H) - b.H)) <= 1e-10


def test_per_chain_streams():
    # chain c's initial features do not depend on how many chains are drawn
    assert np.array_equal(random_features(3, 8, 2, seed=1), random_features(3, 8, 5, seed=1)[:2])


@pytest.mark.parametrize("kwargs, name", [
    (dict(lr=0.0), "lr"), (dict(steps=-1), "steps"), (dict(d=0), "d"),
    (dict(H0=np.zeros((5, 3, 8))), "H0"), (dict(checkpoints=[5, 3]), "checkpoints"), (dict(tol=-1.0), "tol"),
])
def test_validation(kwargs, name):
    args = dict(labels=Y, tau=0.5, d=3, lr=0.05, steps=10)
    args.update(kwargs)
    with pytest.raises(ValueError, match=name):
        riemannian_gd(**args)


def test_divergence_is_reported():
    run = riemannian_gd(Y, 0.5, 3, 1e308, 5, n_inits=2, seed=0, tol=0.0)
    assert np.all(run.diverged == 1) and np.all(np.isfinite(run.H))


def test_figure_data_small():
    from sims.supcon_ufm._figure_data import gram_data

    data = gram_data(tau=1.0, steps=1500, n_inits=2)
    # d >= rank: the excess reaches the certified level; d < rank: stalls ~1 above (the control)
    assert np.max(data.excess_tight[:, -1]) <= 2e-6
    assert np.min(data.excess_control[:, -1]) >= 0.5


def test_lbfgs_reaches_the_certified_optimum_in_few_iterations():
    from sims.supcon_ufm import lbfgs_spheres

    run = lbfgs_spheres(Y, 0.5, 3, n_inits=3, seed=0)
    opt = T.optimal_gram(Y, 0.5, return_certificate=True)[1]
    assert np.all(run.converged)
    # both certified: the SDP to gap <= 1e-6, each L-BFGS Gram matrix by its own gap bound <= 1e-6
    assert np.max(np.abs(run.loss - opt.loss)) <= 2e-6
    assert all(T.gram_certificate(h.T @ h, Y, 0.5).gap_bound <= 1e-6 for h in run.H)
    # far fewer iterations than Riemannian GD needs at lr 0.05 (about 1300 steps on these labels)
    assert np.max(run.iterations) < 200
    with pytest.raises(ValueError, match="tol"):
        lbfgs_spheres(Y, 0.5, 3, tol=0.0)
