"""NTP gradient descent at vocabulary scale on the torch bridge (sims.ntp._torch_vocab).

The torch path against the numba kernel (sims.ntp.gradient_descent) on the same instances: every
step performs the same float64 operations, except that the sums inside W H (over d), R Π Hᵀ (over
contexts) and the softmax normaliser (over V) are reduced in BLAS/torch order and the in-support
s is e/Z instead of exp(log s) (an ulp apart). Rounding differences of a few ulps per step are
not amplified by GD at η <= 1/L (the gradient step of a convex L-smooth loss is non-expansive),
so W and the metrics agree to 1e-12 relative after hundreds of steps.
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

from sims.ntp import gradient_descent  # noqa: E402
from sims.ntp._torch_vocab import gradient_descent_torch, is_orthonormal  # noqa: E402
from theory.ntp import centered_log_probabilities, centered_support, random_instance, step_size_bound  # noqa: E402

torch.set_num_threads(1)

# few ulps per step, not amplified (non-expansive GD): 1e-12 leaves 4 orders for reduction order
FLOAT64_REL = 1e-12
METRICS = ("excess_loss", "norm", "finite_error", "norm_perp")
CORRS = ("corr_max_margin", "corr_offset_max_margin")


def _instance(embeddings, V=8, m=5, d=7, S=3, seed=1):
    data = random_instance(V, m, d, S, seed=seed, embeddings=embeddings)
    return data, float(step_size_bound(data.H, data.pi))


def _assert_runs_agree(a, b, rel):
    scale = np.abs(a.W).max()
    assert np.abs(a.W - b.W).max() <= rel * scale
    np.testing.assert_array_equal(a.history.steps, b.history.steps)
    for name in METRICS:
        x, y = getattr(a.history, name), getattr(b.history, name)
        # relative to the largest value of the series: the metric at step 0 may be exactly 0
        assert np.abs(x - y).max() <= rel * np.abs(x).max(), name
    for name in CORRS:
        # correlations lie in [-1, 1]: absolute; corr(−W⋆, W^mm) is 0 in exact arithmetic at step 0
        assert np.abs(getattr(a.history, name) - getattr(b.history, name)).max() <= rel, name
    assert (a.diverged, a.diverged_at) == (b.diverged, b.diverged_at)


@pytest.mark.parametrize("embeddings", ["gaussian", "orthonormal"])
def test_torch_cpu_equals_numba(embeddings):
    data, eta = _instance(embeddings)
    a = gradient_descent(data.H, data.P, data.pi, eta, 400)
    b = gradient_descent_torch(data.H, data.P, data.pi, eta, 400, device="cpu")
    _assert_runs_agree(a, b, FLOAT64_REL)
    # the closed forms (orthonormal) equal the certified engine's W^mm and the theory's W⋆
    assert np.abs(a.W_mm - b.W_mm).max() <= 1e-9 * np.abs(a.W_mm).max()   # engine certified to ~1e-9
    assert np.abs(a.W_star - b.W_star).max() <= 1e-12 * np.abs(a.W_star).max()
    assert is_orthonormal(data.H) == (embeddings == "orthonormal")
    # non-trivial: the run moved towards W^mm
    assert b.history.corr_offset_max_margin[-1] > 0.9


def test_chunked_contexts_equal_one_chunk():
    data, eta = _instance("orthonormal", V=40, m=12, d=16, S=4)
    one = gradient_descent_torch(data.H, data.P, data.pi, eta, 100, device="cpu")
    # 6 V-vectors of 8 bytes per context: a budget of 3 contexts forces 4 chunks
    many = gradient_descent_torch(data.H, data.P, data.pi, eta, 100, device="cpu", memory_budget=3 * 6 * 40 * 8)
    _assert_runs_agree(one, many, FLOAT64_REL)     # only the order of the sum over contexts differs


def test_closed_forms_at_vocabulary_scale():
    V, m, d, S = 2000, 6, 8, 5
    data = random_instance(V, m, d, S, seed=0, embeddings="orthonormal")
    run = gradient_descent_torch(data.H, data.P, data.pi, float(step_size_bound(data.H, data.pi)), 50,
                                 device="cpu", checkpoints=[0, 50])
    np.testing.assert_allclose(run.W_mm, centered_support(data.support) @ data.H.T, rtol=0, atol=1e-15)
    np.testing.assert_allclose(run.W_star, centered_log_probabilities(data.P) @ data.H.T, rtol=0, atol=1e-13)
    # every margin of the closed-form W^mm is 1 (docs/ntp.md#orthonormal-embeddings)
    L = run.W_mm @ data.H
    for j in range(m):
        s = data.support[:, j]
        assert np.allclose(L[s, j][:, None] - L[~s, j][None, :], 1.0, atol=1e-12)
    h = run.history
    assert h.norm[-1] > 0 and h.corr_offset_max_margin[-1] > h.corr_offset_max_margin[0]


def test_float32_is_opt_in_and_within_its_rounding():
    data, eta = _instance("gaussian")
    steps = 100
    a = gradient_descent_torch(data.H, data.P, data.pi, eta, steps, device="cpu")
    b = gradient_descent_torch(data.H, data.P, data.pi, eta, steps, device="cpu", dtype="float32")
    assert b.W.dtype == np.float64 and "float32" in b.notes
    # per step the update rounds at (d + m + 3)·eps32 of ‖W‖ (two dot products, the residual);
    # GD at η <= 1/L is non-expansive, so errors at most add up over the steps
    d, m = data.H.shape
    rel = steps * (d + m + 3) * bridge.dtype_eps("float32")
    _assert_runs_agree(a, b, rel)
    assert np.abs(a.W - b.W).max() > 0          # it really ran in float32


def test_divergence_is_reported_like_numba():
    data, _ = _instance("gaussian")
    a = gradient_descent(data.H, data.P, data.pi, 1e308, 20)
    b = gradient_descent_torch(data.H, data.P, data.pi, 1e308, 20, device="cpu")
    assert a.diverged and b.diverged and a.diverged_at == b.diverged_at
    np.testing.assert_array_equal(a.W, b.W)
    assert np.all(np.isfinite(b.history.norm))


@pytest.mark.parametrize("kwargs, name", [
    (dict(lr=-1.0), "lr"), (dict(steps=-1), "steps"), (dict(dtype="float16"), "dtype"),
    (dict(device="tpu"), "device"), (dict(memory_budget=0), "memory_budget"),
    (dict(W0=np.zeros((3, 3))), "W0"), (dict(checkpoints=[5, 3]), "checkpoints"),
])
def test_bad_input_is_named(kwargs, name):
    data, eta = _instance("gaussian")
    args = dict(H=data.H, P=data.P, pi=data.pi, lr=eta, steps=10, device="cpu")
    args.update(kwargs)
    with pytest.raises(ValueError, match=name):
        gradient_descent_torch(**args)


def test_budget_below_one_context_is_named():
    data, eta = _instance("gaussian")
    with pytest.raises(ValueError, match="memory_budget"):
        gradient_descent_torch(data.H, data.P, data.pi, eta, 10, device="cpu", memory_budget=8)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_equals_cpu():
    data, eta = _instance("orthonormal", V=500, m=10, d=12, S=4)
    a = gradient_descent_torch(data.H, data.P, data.pi, eta, 200, device="cpu")
    b = gradient_descent_torch(data.H, data.P, data.pi, eta, 200, device="cuda")
    _assert_runs_agree(a, b, FLOAT64_REL)


def test_interrupted_run_resumes_from_its_last_checkpoint(tmp_path, monkeypatch):
    import sims.ntp._torch_core as mod  # the step shared with the engine's torch core

    data, eta = _instance("orthonormal")
    cps = [0, 10, 50, 120, 200]
    whole = gradient_descent_torch(data.H, data.P, data.pi, eta, 200, checkpoints=cps, device="cpu")
    real, calls = mod.residual, [0]

    def failing(*args):
        calls[0] += 1
        if calls[0] > 80:                       # dies between the checkpoints 50 and 120
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(mod, "residual", failing)
    with pytest.raises(KeyboardInterrupt):
        gradient_descent_torch(data.H, data.P, data.pi, eta, 200, checkpoints=cps, device="cpu",
                               checkpoint_dir=tmp_path)
    monkeypatch.setattr(mod, "residual", real)
    calls[0] = 0
    counted = []
    monkeypatch.setattr(mod, "residual", lambda *a: counted.append(1) or real(*a))
    resumed = gradient_descent_torch(data.H, data.P, data.pi, eta, 200, checkpoints=cps, device="cpu",
                                     checkpoint_dir=tmp_path)
    assert len(counted) == 150                  # steps 50 … 199 only: the first 50 were not redone
    # the same operations from the same saved state: bit for bit
    np.testing.assert_array_equal(resumed.W, whole.W)
    for name in METRICS + CORRS:
        np.testing.assert_array_equal(getattr(resumed.history, name), getattr(whole.history, name))
