"""The batched torch ReLU sweep (sims/lazy_rich/_torch_relu_sweep.py; Kunin et al. 2024, Fig. 1).

CI installs torch==2.13.0 (CPU build) and sets DLTHEORY_REQUIRE_TORCH=1, so these tests fail
there instead of skipping; elsewhere they skip without torch.
"""

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

from sims.lazy_rich import _torch_relu_sweep as sweep  # noqa: E402
from sims.lazy_rich import (  # noqa: E402
    gradient_descent_relu,
    hamming_distance,
    kernel_distance_from_grams,
    parameter_distance,
    relu_ntk_gram,
    relu_sweep_torch,
)

EPS = np.finfo(np.float64).eps
TINY = dict(taus=[0.3, 1.0], deltas=[-0.5, 0.0, 0.5], n_seeds=2, m=6, n=12, d=4, n_test=20, n_steps=100)


def _setup(taus, deltas, seed=3, m=8, n=30, d=5, n_test=40):
    """One seed's data and the mirrored (τ, δ) start as float64 tensors with a leading seed axis."""
    X, y, Xt, yt, dirs, sgn = sweep._seed_draws(seed, 0, m, n, d, 3, n_test)
    a0, W0 = sweep._init_grid(torch, dirs, sgn, np.asarray(taus, float), np.asarray(deltas, float))
    return X[None], y[None], Xt[None], yt[None], a0[None], W0[None]


def test_torch_gd_equals_the_numba_kernel():
    # One τ (so one step size for all networks, as the numba kernel takes a scalar lr), three δ.
    tau, deltas, h = 0.5, [-0.2, 0.0, 0.2], 5e-3 / 0.5**2
    X, y, Xt, yt, a0, W0 = _setup([tau], deltas)
    steps = np.array([0, 1, 10, 100, 300])
    out = sweep._train(torch, X, y, Xt, yt, a0, W0, torch.full((3,), h, dtype=torch.float64), steps, 1e100, 3, keep_states=True)
    ref = gradient_descent_relu(X[0].numpy(), y[0].numpy(), a0[0].numpy(), W0[0].numpy(), h, 300,
                                record_steps=steps, loss="mean")
    a, W = out["a"][0].numpy(), out["W"][0].numpy()
    # Same float64 operations, only the summation order inside the matmuls differs (BLAS blocks vs
    # the kernel's ascending loops): at most a few eps per sum of n = 30 or d = 5 terms per step, and GD
    # at this small step does not amplify it: ≤ 300 steps × 30 terms × eps ≈ 2e-12 relative.
    scale = np.max(np.abs(ref.W))
    assert np.max(np.abs(W - ref.W)) <= 2e-12 * scale
    assert np.max(np.abs(a - ref.a)) <= 2e-12 * np.max(np.abs(ref.a))
    np.testing.assert_allclose(out["train_loss"][0].numpy(), ref.train_loss, rtol=1e-11)
    np.testing.assert_allclose(out["delta"][0].numpy(), ref.delta, rtol=0, atol=4e-12 * scale**2)
    # the networks moved: the comparison is not between two copies of the start
    assert np.max(np.abs(ref.W[:, -1] - ref.W[:, 0])) > 1e-3 * scale


def test_symmetrised_start_is_exactly_zero():
    X, y, Xt, yt, a0, W0 = _setup([0.1, 1.0, 2.0], [-1.0, 0.0, 1.0])
    for inputs in (X, Xt):
        XT = inputs.transpose(1, 2)
        f = sweep._pair_sum(torch, a0, torch.relu(sweep._preact(W0, XT)))
        assert torch.count_nonzero(f) == 0                            # exactly 0, not roundoff
        assert torch.count_nonzero(sweep._linearised_output(torch, a0, W0, a0, W0, XT)) == 0
    # each neuron sits on its (τ, δ): a² − ‖w‖² = δ and |a|‖w‖ = τ² (to roundoff of the squares)
    d = (a0**2 - torch.sum(W0**2, -1)).reshape(3, 3, -1)
    np.testing.assert_allclose(d.numpy(), np.broadcast_to(np.array([-1.0, 0.0, 1.0])[None, :, None], d.shape),
                               rtol=0, atol=1e-14 * 16)
    prod = (a0.abs() * torch.linalg.vector_norm(W0, dim=-1)).reshape(3, 3, -1)
    np.testing.assert_allclose(prod.numpy(), np.broadcast_to(np.array([0.01, 1.0, 4.0])[:, None, None], prod.shape),
                               rtol=1e-14)


def test_linearised_model_is_linear_in_the_parameters():
    X, y, Xt, yt, a0, W0 = _setup([0.7], [0.3])
    g = torch.Generator().manual_seed(1)
    ua, uW = torch.randn(a0.shape, generator=g, dtype=torch.float64), torch.randn(W0.shape, generator=g,
                                                                                    dtype=torch.float64)
    va, vW = torch.randn(a0.shape, generator=g, dtype=torch.float64), torch.randn(W0.shape, generator=g,
                                                                                    dtype=torch.float64)
    XT = Xt.transpose(1, 2)

    def flin(da, dW):
        return sweep._linearised_output(torch, a0 + da, W0 + dW, a0, W0, XT)

    f0 = flin(0 * ua, 0 * uW)
    lhs = flin(ua + 2 * va, uW + 2 * vW) - f0
    rhs = (flin(ua, uW) - f0) + 2 * (flin(va, vW) - f0)
    # exact linearity up to roundoff of O(1) sums of m·d terms
    assert torch.max(torch.abs(lhs - rhs)) <= 1e3 * EPS * torch.max(torch.abs(lhs))
    assert torch.max(torch.abs(lhs)) > 0.1
    # and it is the first-order expansion of the network: for a small step with no activation flip,
    # f − f_lin = ε² Σ_k ua_k 1[z0 > 0] uW_kᵀx exactly, so (f − f_lin)/ε² is the same at ε and ε/2
    def gap(eps):
        f = sweep._pair_sum(torch, a0 + eps * ua, torch.relu(sweep._preact(W0 + eps * uW, XT)))
        return (f - flin(eps * ua, eps * uW)) / eps**2
    g1, g2 = gap(1e-4), gap(5e-5)
    assert torch.max(torch.abs(g1 - g2)) <= 1e-6 * torch.max(torch.abs(g1))    # roundoff / ε² ≈ 1e-16/1e-8
    assert torch.max(torch.abs(g1)) > 1e-2


def test_measures_equal_the_numpy_measures():
    X, y, Xt, yt, a0, W0 = _setup([0.2, 1.0], [-0.5, 0.5])
    steps = np.array([0, 10, 200])
    out = sweep._train(torch, X, y, Xt, yt, a0, W0, torch.tensor([0.1, 0.1, 5e-3, 5e-3], dtype=torch.float64), steps, 1e100, 2,
                       keep_states=True)
    Xn, Xtn, ytn = X[0].numpy(), Xt[0].numpy(), yt[0].numpy()
    for g in range(4):
        a, W = out["a"][0, g].numpy(), out["W"][0, g].numpy()
        K0 = relu_ntk_gram(Xn, a[0], W[0])
        S = kernel_distance_from_grams(K0, relu_ntk_gram(Xn, a, W))
        # the same formulas evaluated in another order: roundoff of O(1) sums, 1e-12
        np.testing.assert_allclose(out["kernel_distance"][0, g].numpy(), S, rtol=1e-9, atol=1e-12)
        np.testing.assert_array_equal(out["hamming_distance"][0, g].numpy(), hamming_distance(Xn, W[0], W))
        np.testing.assert_allclose(out["parameter_distance"][0, g].numpy(), parameter_distance(a[0], W[0], a, W),
                                   rtol=1e-12, atol=1e-15)
        f_test = np.maximum(Xtn @ np.swapaxes(W, 1, 2), 0) @ a[..., None]
        np.testing.assert_allclose(out["test_loss"][0, g].numpy(), np.mean((f_test[..., 0] - ytn) ** 2, -1),
                                   rtol=1e-12)
    # the small-τ runs learn features, the large-τ ones hardly move their kernel
    assert out["kernel_distance"][0, 0, -1] > 10 * out["kernel_distance"][0, 3, -1] > 0


def test_sweep_shapes_flags_and_independence_of_the_budget():
    big = relu_sweep_torch(**TINY, device="cpu", progress=False)
    T, D, S, R = 2, 3, 2, 3
    assert big.steps.tolist() == [0, 10, 100]
    for name in ("test_loss", "kernel_distance", "hamming_distance", "parameter_distance", "lin_gap"):
        assert getattr(big, name).shape == (T, D, S, R)
    assert big.delta.shape == (T, D, S, R, 6) and big.diverged.shape == (T, D, S) and not big.diverged.any()
    np.testing.assert_allclose(big.lr, 5e-3 / np.array([0.3, 1.0]) ** 2)
    assert big.device == "cpu" and big.dtype == "float64"
    assert np.all(big.kernel_distance[..., 0] == 0) and np.all(big.parameter_distance[..., 0] == 0)
    # one seed per chunk and one network per measure group: the same numbers up to the roundoff of a
    # batched product whose BLAS blocking changes with the batch (1 ulp per operation; 100 steps of
    # stable GD: 1e-13 relative; measured 2e-16)
    per_network = sweep._bytes_per_network(6, 12, 4)
    small = relu_sweep_torch(**TINY, device="cpu", progress=False, memory_budget=6 * per_network)
    for name in sweep._METRICS + ("delta",):
        np.testing.assert_allclose(getattr(small, name), getattr(big, name), rtol=1e-13, atol=1e-15)


def test_resume_after_an_interruption(tmp_path, monkeypatch):
    per_network = sweep._bytes_per_network(6, 12, 4)
    kw = dict(**TINY, device="cpu", progress=False, memory_budget=6 * per_network)  # one chunk per seed
    full = relu_sweep_torch(**kw)
    real, calls, interrupt = sweep._train, [], [True]

    class Interrupted(Exception):
        pass

    def failing(*args, **kwargs):
        calls.append(1)
        if interrupt[0] and len(calls) == 2:
            raise Interrupted                          # interrupted in the second chunk
        return real(*args, **kwargs)

    monkeypatch.setattr(sweep, "_train", failing)
    with pytest.raises(Interrupted):
        relu_sweep_torch(**kw, checkpoint_dir=tmp_path)
    assert len(calls) == 2 and len(list(tmp_path.glob("*/chunk-*.npz"))) == 1   # the first seed is on disk
    interrupt[0] = False
    calls.clear()
    resumed = relu_sweep_torch(**kw, checkpoint_dir=tmp_path)
    assert len(calls) == 1                             # only the missing chunk was computed
    for name in sweep._METRICS:
        np.testing.assert_array_equal(getattr(resumed, name), getattr(full, name))
    again = relu_sweep_torch(**kw, checkpoint_dir=tmp_path)      # everything from disk
    assert len(calls) == 1
    np.testing.assert_array_equal(again.test_loss, full.test_loss)


def test_divergence_is_flagged_not_nan():
    res = relu_sweep_torch(taus=[0.1, 1.0], deltas=[0.0], n_seeds=1, m=4, n=10, d=3, n_test=10, n_steps=50,
                           lr_scale=50.0, max_norm=1e3, device="cpu", progress=False)
    assert res.diverged.any()
    assert np.all(res.diverged_at[res.diverged] >= 1) and np.all(res.diverged_at[~res.diverged] == -1)
    for name in sweep._METRICS:
        assert np.all(np.isfinite(getattr(res, name)))


def test_float32_follows_float64():
    kw = dict(TINY, device="cpu", progress=False)
    r64 = relu_sweep_torch(**kw)
    r32 = relu_sweep_torch(**kw, dtype="float32")
    assert r32.dtype == "float32"
    # float32 roundoff ε32 ≈ 1.2e-7 per operation, accumulated over 100 stable GD steps of O(10)-term sums:
    # at most ~1e-4 relative; 1e-3 is the bound with a 10x margin
    np.testing.assert_allclose(r32.test_loss, r64.test_loss, rtol=1e-3)
    np.testing.assert_allclose(r32.parameter_distance[..., 1:], r64.parameter_distance[..., 1:], rtol=1e-3)


@pytest.mark.parametrize("kwargs, match", [
    (dict(taus=[0.0, 1.0]), "taus must be > 0"),
    (dict(deltas=[]), "deltas must contain"),
    (dict(m=5), "m must be even"),
    (dict(n_steps=0), "n_steps"),
    (dict(n_seeds=1.5), "n_seeds"),
    (dict(lr_scale=-1.0), "lr_scale"),
    (dict(device="gpu"), "device must be one of"),
    (dict(dtype="float16"), "dtype must be one of"),
    (dict(memory_budget=10), "memory_budget"),
    (dict(max_norm=1e200), "max_norm"),
    (dict(deltas=[np.nan]), "deltas"),
])
def test_bad_input_is_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        relu_sweep_torch(**{**TINY, **kwargs}, progress=False)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_equals_cpu():
    cpu = relu_sweep_torch(**TINY, device="cpu", progress=False)
    gpu = relu_sweep_torch(**TINY, device="cuda", progress=False)
    assert gpu.device.startswith("cuda")
    # same float64 operations in another summation order (cuBLAS); 100 stable steps: 1e-10
    for name in ("test_loss", "parameter_distance", "lin_gap"):
        np.testing.assert_allclose(getattr(gpu, name), getattr(cpu, name), rtol=1e-10, atol=1e-14)


def test_sweep_figure_draws_with_mathtext_and_letters():
    from test_lazy_rich_figures import assert_panel_letters, assert_text_is_mathtext

    from sims.figures import figure_registry
    from sims.lazy_rich._plots import plot_relu_sweep

    res = relu_sweep_torch(**TINY, device="cpu", progress=False)
    fig = plot_relu_sweep(res)
    data_axes = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert len(data_axes) == 10 and len(fig.axes) == 15          # 2 checkpoints × 5 maps, 5 colour bars
    assert "$2 \\times 3$" in fig.texts[0].get_text() and "100 GD steps" in fig.texts[0].get_text()
    assert_text_is_mathtext(fig, "lazy_rich_relu_sweep")
    assert_panel_letters(fig, "lazy_rich_relu_sweep")
    fig.canvas.draw()
    with pytest.raises(ValueError, match="checkpoints must be steps"):
        plot_relu_sweep(res, checkpoints=[5])
    from sims._style import new_figure, plot_style

    with plot_style():
        fig2, axes = new_figure(1, 5)
    assert plot_relu_sweep(res, checkpoints=[100], axes=axes) is fig2
    # diverged cells are hatched and left out of the colour scale, not drawn from frozen states
    # (‖θ‖² = m√(δ² + 4τ⁴) at the start: ≥ 12 at τ = 1, ≤ 3.1 at τ = 0.1 for |δ| ≤ 0.5; max_norm = 3 flags
    # the τ = 1 networks at their first step and none of the τ = 0.1 ones)
    blown = relu_sweep_torch(**{**TINY, "taus": [0.1, 1.0]}, max_norm=3.0, device="cpu", progress=False)
    assert blown.diverged[1].all() and not blown.diverged[0].any()
    fig3 = plot_relu_sweep(blown)
    assert any(getattr(c, "get_hatch", lambda: None)() == "xx" for ax in fig3.axes for c in ax.collections)
    fig3.canvas.draw()
    spec = figure_registry("lazy_rich")["lazy_rich_relu_sweep"]
    assert spec.requires == ("torch",) and spec.paper_params["n_steps"] == 10**6 and spec.paper_params["n_tau"] == 17


def test_linearised_training_equals_gd_on_explicit_ntk_features():
    # Independent NumPy GD on θ ↦ f0 + Φ(θ − θ0) with the explicit Jacobian Φ = [relu(Z0), a0_k 1[z0 > 0] x]
    # (n × m(d + 1)) of the start: the bridge's linearised model must follow it.
    X, y, Xt, yt, a0, W0 = _setup([0.3], [-0.4, 0.6])
    steps = np.array([0, 10, 150])
    h = 5e-3 / 0.3**2
    out = sweep._train(torch, X, y, Xt, yt, a0, W0, torch.full((2,), h, dtype=torch.float64), steps, 1e100, 2,
                       keep_states=True)
    Xn, yn, Xtn, ytn = X[0].numpy(), y[0].numpy(), Xt[0].numpy(), yt[0].numpy()
    n = Xn.shape[0]
    for g in range(2):
        a_0, W_0 = a0[0, g].numpy(), W0[0, g].numpy()

        def jac(inputs):
            Z0 = inputs @ W_0.T                                            # (p, m)
            dW = ((Z0 > 0) * a_0)[:, :, None] * inputs[:, None, :]        # ∂f/∂w_k = a0_k 1[z0 > 0] x
            return np.concatenate([np.maximum(Z0, 0), dW.reshape(len(inputs), -1)], axis=1)

        Phi, Phit = jac(Xn), jac(Xtn)
        theta0 = np.concatenate([a_0, W_0.ravel()])
        f0, f0t = np.maximum(Xn @ W_0.T, 0) @ a_0, np.maximum(Xtn @ W_0.T, 0) @ a_0
        theta = theta0.copy()
        for s in range(steps[-1] + 1):
            if s in steps:
                k = list(steps).index(s)
                got = np.concatenate([out["a_lin"][0, g, k].numpy(), out["W_lin"][0, g, k].numpy().ravel()])
                # the same float64 GD in another summation order: 150 steps × n = 30 terms × eps, 1e-12 relative
                assert np.max(np.abs(got - theta)) <= 1e-12 * np.max(np.abs(theta))
                ft = f0t + Phit @ (theta - theta0)
                np.testing.assert_allclose(out["lin_test_loss"][0, g, k].numpy(), np.mean((ft - ytn) ** 2),
                                           rtol=1e-11)
            r = f0 + Phi @ (theta - theta0) - yn
            theta = theta - h * (2.0 / n) * (Phi.T @ r)
        assert np.max(np.abs(theta - theta0)) > 1e-2 * np.max(np.abs(theta0))    # it moved
