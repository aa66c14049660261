"""Random-feature Monte Carlo on the torch bridge (sims.rf_risk._torch_mc).

What is identical and what is statistical: on the same feature matrix the torch solver and the
NumPy path's ``_fit`` are the same linear algebra (eigh of the smaller Gram matrix, the same
cut-off), so they agree to 1e-10 relative (the Gram matrices here have condition numbers < 1e4,
rounding ~ 1e-16·cond). On the CPU the torch path draws the NumPy path's streams, so the per-trial
errors agree to 1e-10 as well. CUDA draws from torch generators: there the means agree within 4
combined standard errors (two-sided normal tail 6e-5 per comparison; the mean of 300 trials of
these errors is close to normal), and so does the theory away from n = k.
"""

import math
import os
import warnings

import numpy as np
import pytest

import sims._torch as bridge

REQUIRED = os.environ.get("DLTHEORY_REQUIRE_TORCH") == "1"
if not bridge.torch_available():
    if REQUIRED:
        raise RuntimeError("DLTHEORY_REQUIRE_TORCH=1 but torch is not installed (pip install torch==2.13.0)")
    pytest.skip("torch is not installed", allow_module_level=True)

import torch  # noqa: E402

from sims.rf_risk import monte_carlo_risk  # noqa: E402
from sims.rf_risk._monte_carlo import _fit  # noqa: E402
from sims.rf_risk._torch_mc import _fit_torch, _trial_bytes, monte_carlo_risk_grid_torch, monte_carlo_risk_torch  # noqa: E402
from theory.rf_risk import risk  # noqa: E402

torch.set_num_threads(1)

K_SE = 4.0
LAM = np.arange(1, 301, dtype=float) ** -1.5
RIDGES = (0.0, 1e-2, 1e-1)


@pytest.mark.parametrize("n, k", [(30, 70), (70, 30), (40, 40)])
def test_same_features_same_fit(n, k):
    rng = np.random.default_rng(n + k)
    F = rng.standard_normal((n, k))
    y = rng.standard_normal(n)
    ridges = np.array([0.0, 1e-3, 0.1])
    B, fitted = _fit(F, y, ridges, float(k))
    Bt, ft = _fit_torch(torch, torch.tensor(F)[None], torch.tensor(y)[None], torch.tensor(ridges), float(k))
    assert np.abs(B - Bt[0].numpy()).max() <= 1e-10 * np.abs(B).max()
    assert np.abs(fitted - ft[0].numpy()).max() <= 1e-10 * np.abs(fitted).max()


@pytest.mark.parametrize("n, k", [(40, 120), (120, 40)])
def test_cpu_draws_what_numpy_draws(n, k):
    # the CPU path uses the NumPy path's streams: trial by trial the same fit up to rounding
    # (n/k = 1/3 or 3 keeps F well conditioned, cond(F)² < 1e3: 1e-10 leaves a wide margin)
    a = monte_carlo_risk(LAM, LAM, n, k, RIDGES, noise=0.1, trials=20, seed=0, threads=1)
    b = monte_carlo_risk_torch(LAM, LAM, n, k, RIDGES, noise=0.1, trials=20, seed=0, device="cpu")
    np.testing.assert_allclose(b.test_samples, a.test_samples, rtol=1e-10, atol=0)
    interp = np.zeros_like(a.train_samples, bool)
    if n < k:
        interp[:, 0] = True                     # ridge 0, n < k: interpolation, train error at rounding level
    np.testing.assert_allclose(b.train_samples[~interp], a.train_samples[~interp], rtol=1e-10, atol=0)
    assert np.all(b.train_samples[interp] <= 1e-20) and np.all(a.train_samples[interp] <= 1e-20)


@pytest.mark.parametrize("n, k", [(40, 120), (120, 40)])
def test_same_statistics_as_theory(n, k):
    b = monte_carlo_risk_torch(LAM, LAM, n, k, RIDGES, noise=0.1, trials=200, seed=0, device="cpu")
    assert b.test_samples.shape == (200, 3)
    # n/k = 1/3 or 3: away from n = k, where the theory's O(1/n) bias is largest
    theory = np.array([risk(LAM, LAM, n, k, r, 0.1).test_mse for r in RIDGES])
    assert np.all(np.abs(b.test_mse - theory) <= K_SE * b.test_se)
    # non-trivial: ridge 0 and 0.1 differ by more than K_SE combined SE (a ridge-blind prediction fails)
    assert abs(b.test_mse[0] - b.test_mse[-1]) > K_SE * math.hypot(b.test_se[0], b.test_se[-1])


def test_batches_do_not_change_the_draws():
    whole = monte_carlo_risk_torch(LAM, LAM, 20, 50, RIDGES, noise=0.1, trials=6, seed=3, device="cpu")
    # a budget of one trial: six batches of one
    one = monte_carlo_risk_torch(LAM, LAM, 20, 50, RIDGES, noise=0.1, trials=6, seed=3, device="cpu",
                                 memory_budget=_trial_bytes(20, 50, len(RIDGES), 8))
    np.testing.assert_allclose(one.test_samples, whole.test_samples, rtol=1e-12, atol=0)
    first = monte_carlo_risk_torch(LAM, LAM, 20, 50, RIDGES, noise=0.1, trials=3, seed=3, device="cpu")
    np.testing.assert_allclose(first.test_samples, whole.test_samples[:3], rtol=1e-12, atol=0)


def test_redrawn_z_equals_cached_z(monkeypatch):
    import sims.rf_risk._torch_mc as mod

    cached = monte_carlo_risk_torch(LAM, LAM, 20, 50, RIDGES, noise=0.1, trials=4, seed=5, device="cpu")
    real = mod._batch
    monkeypatch.setattr(mod, "_batch", lambda *a: real(*a[:-1], False))    # never keep Z: redraw it
    redrawn = monte_carlo_risk_torch(LAM, LAM, 20, 50, RIDGES, noise=0.1, trials=4, seed=5, device="cpu")
    np.testing.assert_array_equal(redrawn.test_samples, cached.test_samples)


def test_float32_agrees_and_warns_where_it_loses_digits():
    a = monte_carlo_risk_torch(LAM, LAM, 40, 120, RIDGES, noise=0.1, trials=50, seed=1, device="cpu")
    with warnings.catch_warnings():
        warnings.simplefilter("error")           # no warning: the risk is ~0.5 against Σv² ≈ 2.6
        b = monte_carlo_risk_torch(LAM, LAM, 40, 120, RIDGES, noise=0.1, trials=50, seed=1, device="cpu",
                                   dtype="float32")
    z = np.abs(a.test_mse - b.test_mse) / np.hypot(a.test_se, b.test_se)
    assert np.all(z <= K_SE)
    # a target on the top mode only, n >> 1: ‖ŵ − v‖² ~ 1e-12 against Σv² = 1 (digits lost)
    v2 = np.zeros(50)
    v2[0] = 1.0
    lam = np.concatenate([[1.0], np.full(49, 1e-12)])
    with pytest.warns(RuntimeWarning, match="float32"):
        monte_carlo_risk_torch(lam, v2, 60, 200, [0.0], noise=0.0, trials=4, device="cpu", dtype="float32")


def test_grid_matches_theory_and_resumes(tmp_path):
    kw = dict(noise=0.1, trials=100, seed=0, device="cpu", checkpoint_dir=tmp_path)
    g = monte_carlo_risk_grid_torch(LAM, LAM, [20, 90], [45, 200], [0.0, 0.1], **kw)
    assert g.test_mse.shape == (2, 2, 2) and g.dtype == "float64"
    want = np.array([[[risk(LAM, LAM, n, k, r, 0.1).test_mse for r in (0.0, 0.1)] for k in (45, 200)]
                     for n in (20, 90)])
    np.testing.assert_allclose(g.theory_test, want, rtol=1e-10)
    assert np.all(np.abs(g.z_test) <= K_SE)       # every cell has n/k <= 1/2 or >= 2
    files = sorted(p.name for p in next(tmp_path.iterdir()).iterdir())
    assert sum(f.startswith("chunk-") for f in files) == 4
    again = monte_carlo_risk_grid_torch(LAM, LAM, [20, 90], [45, 200], [0.0, 0.1], **kw)
    np.testing.assert_array_equal(again.test_mse, g.test_mse)


@pytest.mark.parametrize("kwargs, name", [
    (dict(k=math.inf), "k"), (dict(n=0), "n"), (dict(ridges=-1.0), "ridges"), (dict(noise=-0.1), "noise"),
    (dict(trials=1), "trials"), (dict(dtype="float16"), "dtype"), (dict(device="tpu"), "device"),
    (dict(memory_budget=10), "memory_budget"), (dict(target_power=LAM[:5]), "target_power"),
])
def test_bad_input_is_named(kwargs, name):
    args = dict(eigenvalues=LAM, target_power=LAM, n=10, k=20, ridges=RIDGES, trials=4, device="cpu")
    args.update(kwargs)
    with pytest.raises(ValueError, match=name):
        monte_carlo_risk_torch(**args)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_same_statistics_as_cpu():
    a = monte_carlo_risk_torch(LAM, LAM, 60, 180, RIDGES, noise=0.1, trials=300, seed=0, device="cpu")
    b = monte_carlo_risk_torch(LAM, LAM, 60, 180, RIDGES, noise=0.1, trials=300, seed=0, device="cuda")
    z = np.abs(a.test_mse - b.test_mse) / np.hypot(a.test_se, b.test_se)
    assert np.all(z <= K_SE)
