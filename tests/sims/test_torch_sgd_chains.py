"""SGD stability at scale (sims.sgd_stability.lyapunov_chains_torch) against the numba / NumPy paths and theory.

The torch chains and the numba QR kernel draw different random numbers, so they agree in
statistics, not bits: estimates within k standard errors. What is bit-identical: a rerun with the
same seed, any memory budget (row tiles replay the block's stream; per-cell statistics are reduced
per block and merged in block order) and a run resumed from a ChunkStore.

CI installs torch==2.13.0 and sets DLTHEORY_REQUIRE_TORCH=1, so these tests fail there instead of
skipping; elsewhere they skip without torch.
"""

import math
import os

import numpy as np
import pytest

import sims._torch as bridge

REQUIRED = os.environ.get("DLTHEORY_REQUIRE_TORCH") == "1"
if not bridge.torch_available():
    if REQUIRED:
        raise RuntimeError("DLTHEORY_REQUIRE_TORCH=1 but torch is not installed (pip install torch==2.13.0)")
    pytest.skip("torch is not installed", allow_module_level=True)

import torch  # noqa: E402

from sims.sgd_stability import TwoLayerVectorLaw, lyapunov_chains_torch, lyapunov_monte_carlo, lyapunov_qr  # noqa: E402
from sims.sgd_stability._torch_chains import BLOCK, _chain_bytes  # noqa: E402
from theory.sgd_stability import expected_log_abs, model_a_law, model_b_law  # noqa: E402

# k standard errors: a two-sided normal tail beyond 4 SE has probability 6.3e-5 per comparison,
# < 2e-3 over the at most 24 comparisons of one test (union bound); the seeds are fixed, so a
# pass is reproducible, and k is not tuned to them.
K_SE = 4.0
LR = np.array([0.1, 0.5, 1.5])


def _theory(lr, noise, data, batch_size=1):
    """Λ± per (σ, λ) cell from theory (model A: Gaussian closed form; model B: quadrature)."""
    law_of = model_a_law if data == "A" else model_b_law
    plus = np.array([expected_log_abs(1.0, lr, law_of(s, batch_size)) for s in noise])
    minus = np.array([expected_log_abs(1.0, -lr, law_of(s, batch_size)) for s in noise])
    return plus, minus


def test_model_b_matches_the_numba_qr_kernel():
    # lyapunov_qr(TwoLayerVectorLaw(1, σ), k = 2) runs the same linearised chains in (u, w): its
    # exponents are max/min(Λ₊, Λ₋). Cells with |Λ₊ − Λ₋|·T ≥ 100 (the QR columns align with a
    # and b after a few steps, so the QR's finite-T bias is far below one SE).
    noise, T, R = np.array([1.0, 3.0]), 1000, 800
    r = lyapunov_chains_torch(LR, noise, T, R, seed=1, device="cpu")
    for j, sigma in enumerate(noise):
        q = lyapunov_qr(LR, TwoLayerVectorLaw(1, sigma), T, seed=2 + j, k=2, n_chains=R)
        plus_top = r.lambda_plus[j] >= r.lambda_minus[j]
        top = np.where(plus_top, r.lambda_plus[j], r.lambda_minus[j])
        bottom = np.where(plus_top, r.lambda_minus[j], r.lambda_plus[j])
        se_top = np.where(plus_top, r.se_plus[j], r.se_minus[j])
        se_bottom = np.where(plus_top, r.se_minus[j], r.se_plus[j])
        assert np.all(np.abs(top - bottom) * T >= 100)
        z_top = (q.exponents[:, 0] - top) / np.hypot(q.standard_errors[:, 0], se_top)
        z_bottom = (q.exponents[:, 1] - bottom) / np.hypot(q.standard_errors[:, 1], se_bottom)
        assert np.all(np.abs(z_top) <= K_SE), z_top
        assert np.all(np.abs(z_bottom) <= K_SE), z_bottom


def test_model_a_matches_the_monte_carlo_function():
    # lyapunov_monte_carlo samples log|1 − λc| of the model-A law c ~ N(1, σ²) directly; Λ₊ is
    # the same function of the law of −c.
    from scipy import stats

    noise = np.array([2.0])
    r = lyapunov_chains_torch(LR, noise, 500, 1000, seed=3, data="A", device="cpu")
    minus = lyapunov_monte_carlo(LR, stats.norm(1.0, 2.0), 500_000, seed=4)
    plus = lyapunov_monte_carlo(LR, stats.norm(-1.0, 2.0), 500_000, seed=5)
    z_minus = (minus.exponent - r.lambda_minus[0]) / np.hypot(minus.standard_error, r.se_minus[0])
    z_plus = (plus.exponent - r.lambda_plus[0]) / np.hypot(plus.standard_error, r.se_plus[0])
    assert np.all(np.abs(z_minus) <= K_SE) and np.all(np.abs(z_plus) <= K_SE), (z_minus, z_plus)


@pytest.mark.parametrize("data, batch_size", [("A", 1), ("B", 1), ("B", 3)])
def test_exponents_match_theory(data, batch_size):
    noise = np.array([0.5, 2.0, 5.0])
    r = lyapunov_chains_torch(LR, noise, 400, 1000, seed=6, data=data, batch_size=batch_size, device="cpu")
    plus, minus = _theory(LR, noise, data, batch_size)
    z = np.concatenate([((r.lambda_plus - plus) / r.se_plus).ravel(), ((r.lambda_minus - minus) / r.se_minus).ravel()])
    assert np.all(np.abs(z) <= K_SE), z
    # the check can fail: the grid spans both signs of Λ₋ and exponents far apart in SE units
    assert (minus < 0).any() and (minus > 0).any()
    assert np.ptp(minus / r.se_minus) > 100


def test_kappa_and_s1_scale_the_step():
    # c = κ s₁ (…), so (λ, κ, s₁) acts only through λκs₁: the same draws give the same sums
    # up to the rounding of the product (tolerance: a few ulps of each log summed over T steps).
    a = lyapunov_chains_torch([0.4], [1.5], 200, 64, seed=7, kappa=2.0, s1=0.5, device="cpu")
    b = lyapunov_chains_torch([0.4], [1.5], 200, 64, seed=7, device="cpu")
    assert np.allclose(a.lambda_minus, b.lambda_minus, rtol=0, atol=200 * 8 * np.finfo(float).eps)
    assert a.kappa == 2.0 and a.s1 == 0.5


def test_float32_opt_in():
    noise, T = np.array([1.0, 4.0]), 400
    r32 = lyapunov_chains_torch(LR, noise, T, 1000, seed=8, dtype="float32", device="cpu")
    assert r32.dtype == "float32"
    plus, minus = _theory(LR, noise, "B")
    # rounding bias of a float32 T-term sum whose partial sums are ≲ t(|Λ| + 1): ≤ eps·T(|Λ| + 1)/2
    # in the exponent, added to k SE
    eps = bridge.dtype_eps("float32")
    for est, se, th in ((r32.lambda_plus, r32.se_plus, plus), (r32.lambda_minus, r32.se_minus, minus)):
        tol = K_SE * se + eps * T * (np.abs(th) + 1.0) / 2
        assert np.all(np.abs(est - th) <= tol), (est - th) / se


def test_independent_of_memory_budget_and_reproducible():
    noise, R = np.array([0.5, 2.0, 4.0]), 300
    full = lyapunov_chains_torch(LR, noise, 50, R, seed=9, device="cpu")
    row, step = _chain_bytes(8, LR.size, 2)             # float64, model B, S = 1
    one_row = (row + step) * R                          # one grid row of one block: rows swept one by one
    tiled = lyapunov_chains_torch(LR, noise, 50, R, seed=9, device="cpu", memory_budget=one_row)
    uneven = lyapunov_chains_torch(LR, noise, 50, R, seed=9, device="cpu", memory_budget=one_row + row * R)
    again = lyapunov_chains_torch(LR, noise, 50, R, seed=9, device="cpu")
    for name in ("lambda_plus", "lambda_minus", "se_plus", "se_minus"):
        for other in (tiled, uneven, again):                # tiles of 1 and 2 (+1) rows, a rerun
            assert np.array_equal(getattr(full, name), getattr(other, name))
    other = lyapunov_chains_torch(LR, noise, 50, R, seed=10, device="cpu")
    assert not np.array_equal(full.lambda_minus, other.lambda_minus)
    with pytest.raises(ValueError, match="memory_budget"):
        lyapunov_chains_torch(LR, noise, 50, R, seed=9, device="cpu", memory_budget=one_row - 1)


def test_resume_from_checkpoint(tmp_path):
    R = BLOCK + 200                                       # two random-stream blocks
    args = dict(lr=[0.5, 1.5], noise=[2.0], n_steps=4, n_chains=R, seed=11, device="cpu")
    first = lyapunov_chains_torch(**args, checkpoint_dir=tmp_path)
    (run_dir,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    files = sorted(run_dir.glob("chunk-*.npz"))
    assert len(files) == 2
    files[1].unlink()                                     # "interrupted" after block 0
    resumed = lyapunov_chains_torch(**args, checkpoint_dir=tmp_path)
    assert np.array_equal(first.lambda_minus, resumed.lambda_minus)
    assert np.array_equal(first.se_plus, resumed.se_plus)
    # a stored block is read, not recomputed: shift its mean and see the result move
    with np.load(files[0]) as z:
        blk = {k: z[k] for k in z.files}
    blk["minus_1"] = blk["minus_1"] + 1.0
    np.savez(files[0], **blk)
    shifted = lyapunov_chains_torch(**args, checkpoint_dir=tmp_path)
    assert np.allclose(shifted.lambda_minus - first.lambda_minus, BLOCK / R, rtol=1e-12)
    plain = lyapunov_chains_torch(**args)
    assert np.array_equal(plain.lambda_minus, first.lambda_minus)


def test_collapse_and_divergence_are_counted():
    # σ = 0 (model A): c ≡ 1, so at λ = 1 the factor 1 − λc is exactly 0: every chain collapses
    r = lyapunov_chains_torch([0.5, 1.0], [0.0], 10, 8, seed=0, data="A", device="cpu")
    assert r.lambda_minus[0, 1] == -np.inf and r.collapsed_minus[0, 1] == 8 and r.se_minus[0, 1] == 0
    assert r.collapsed_minus[0, 0] == 0 and r.lambda_minus[0, 0] == pytest.approx(math.log(0.5), abs=1e-15)
    assert r.lambda_plus[0, 0] == pytest.approx(math.log(1.5), abs=1e-15)
    # λc overflows: reported as diverged (+inf), never NaN
    big = lyapunov_chains_torch([1e308], [1.0], 3, 4, seed=0, data="A", kappa=10.0, device="cpu")
    assert big.diverged[0, 0] == 4 and big.lambda_plus[0, 0] == np.inf and big.lambda_minus[0, 0] == np.inf


@pytest.mark.parametrize("kwargs, name", [
    (dict(lr=[0.0]), "lr"), (dict(lr=[np.nan]), "lr"), (dict(lr=[]), "lr"),
    (dict(noise=[-1.0]), "noise"), (dict(n_steps=0), "n_steps"), (dict(n_chains=1), "n_chains"),
    (dict(n_chains=2.0), "n_chains"), (dict(seed=-1), "seed"), (dict(data="C"), "data"),
    (dict(batch_size=0), "batch_size"), (dict(kappa=0.0), "kappa"), (dict(s1=-1.0), "s1"),
    (dict(device="tpu"), "device"), (dict(dtype="float16"), "dtype"), (dict(memory_budget=-5), "memory_budget"),
    (dict(n_chains=10**7, n_steps=10**6), "n_chains"),
])
def test_bad_input_names_the_argument(kwargs, name):
    args = dict(lr=[0.5], noise=[1.0], n_steps=10, n_chains=8, seed=0, device="cpu")
    args.update(kwargs)
    with pytest.raises(ValueError, match=name):
        lyapunov_chains_torch(**args)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_gpu_matches_theory_and_cpu():
    noise = np.array([0.5, 2.0, 5.0])
    g = lyapunov_chains_torch(LR, noise, 1000, 2**17, seed=12, device="cuda")
    assert g.device.startswith("cuda")
    plus, minus = _theory(LR, noise, "B")
    assert np.all(np.abs(g.lambda_plus - plus) <= K_SE * g.se_plus)
    assert np.all(np.abs(g.lambda_minus - minus) <= K_SE * g.se_minus)


# --------------------------------------------------------------------------------------------
# the registered figure (sgd_stability_phase_torch)
# --------------------------------------------------------------------------------------------

def test_figure_registered_with_paper_size():
    from sims.figures import figure_registry

    spec = figure_registry("sgd_stability")["sgd_stability_phase_torch"]
    assert spec.requires == ("torch",) and "sgd_stability.torch_lyapunov_grid" in spec.claims
    p, paper = spec.params, {**spec.params, **spec.paper_params}
    assert paper["n_chains"] >= 10**6
    # finer than the CPU Monte-Carlo diagram (sims.phase_diagram(method="qr"): 40 × 40) at both sizes
    assert p["n_lr"] * p["n_noise"] > 40 * 40 and paper["n_lr"] * paper["n_noise"] > p["n_lr"] * p["n_noise"]


def test_figure_draws_and_agrees_with_theory():
    import matplotlib

    matplotlib.use("Agg")
    from sims.figures import make_figure
    from sims.sgd_stability._figure_data_torch import torch_phase_grid

    small = dict(n_lr=16, n_noise=10, n_chains=512, n_steps=60, device="cpu")
    data = torch_phase_grid(**small)
    # 320 comparisons: |z| ≤ 4.5 has a union-bound false-alarm rate < 2.2e-3
    assert np.nanmax(np.abs(data.z_plus)) <= 4.5 and np.nanmax(np.abs(data.z_minus)) <= 4.5
    # a decided cell (|Λ̂| > 3 SE) with the wrong sign needs |Λ̂ − Λ| > 3 SE: rare, and none here
    assert data.mismatched == 0
    assert {"I", "III", "IV"} <= set(np.unique(data.theory_labels))
    fig = make_figure("sgd_stability_phase_torch", **small)
    data_axes = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert len(data_axes) == 2
    for k, ax in enumerate(data_axes):
        assert ax.get_title().startswith(f"({'ab'[k]})") and ax.get_xlabel()
        assert len(ax.collections) > 0
    fig.canvas.draw()
    texts = [t.get_text() for leg in fig.legends for t in leg.get_texts()]
    texts += [ax.get_title() for ax in data_axes]
    for text in texts:
        assert "Λ" not in "".join(text.split("$")[::2]), text   # maths in mathtext
