"""The torch bridge's sweeps on an executor (sims._torch.run_chunks over sims._parallel.run_tasks).

Every sweep of the bridge (ReLU lazy/rich sweep, SGD chains, GELU collapse, MLP independent neurons,
rf_risk Monte Carlo and its (n, k) grid) takes ``executor=``. Its chunks are tasks with plain
settings, rebuilt on the worker from seeds; with ``executor=None`` the numbers are those of the code
before (pinned below), and on a thread pool or a real Dask cluster they are the in-process ones bit
for bit. The in-process reference runs torch on one thread, as the tasks on an executor do: at these
sizes 1 and 2 threads gave the same bits, but MKL's eigh and large products need not
(``sims._torch.run_chunks``), and CI machines have other core counts.

CI installs torch==2.13.0 (CPU build) and sets DLTHEORY_REQUIRE_TORCH=1, so these tests fail
there instead of skipping; elsewhere they skip without torch.
"""

import concurrent.futures as cf
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

from sims.lazy_rich._torch_relu_sweep import relu_sweep_torch  # noqa: E402
from sims.rf_risk._torch_mc import monte_carlo_risk_grid_torch, monte_carlo_risk_torch  # noqa: E402
from sims.sgd_stability._torch_chains import BLOCK, lyapunov_chains_torch  # noqa: E402
from sims.sgd_stability._torch_collapse import gelu_collapse_torch, mlp_independent_neurons_torch  # noqa: E402

_LAM = 1.0 / np.arange(1, 51) ** 1.5
_V2 = 1.0 / np.arange(1, 51) ** 2.0

# Small sweeps of a few tasks each (the memory budgets cut them into 3-4 chunks), well under a second.
SWEEPS = {
    "relu": lambda **kw: relu_sweep_torch([0.3, 1.0], [-0.5, 0.5], 3, m=6, n=20, d=4, m0=2, n_test=50, n_steps=100,
                                          seed=4, device="cpu", memory_budget=60_000, progress=False, **kw),
    # two stream blocks × two row tiles of one σ each: 4 tasks
    "chains": lambda **kw: lyapunov_chains_torch([0.5, 1.5], [0.0, 1.0], 8, BLOCK + 300, 3, batch_size=2,
                                                 device="cpu", memory_budget=20_000_000, progress=False, **kw),
    "gelu": lambda **kw: gelu_collapse_torch((0.01, 0.04), (0.0, 2.0), n_seeds=40, n_steps=200, n_samples=16,
                                             batch_size=8, record_every=50, seed=2, device="cpu",
                                             memory_budget=400_000, progress=False, **kw),
    "mlp": lambda **kw: mlp_independent_neurons_torch((0.01, 0.05), (8, 16), (0.0, 1.0), n_seeds=2, widths=(8,),
                                                      n_steps=30, seed=1, device="cpu", memory_budget=300_000,
                                                      progress=False, **kw),
    "mc": lambda **kw: monte_carlo_risk_torch(_LAM, _V2, 20, 30, [0.0, 1e-3, 1e-1], 0.1, 12, 5, device="cpu",
                                              memory_budget=3 * 672_880, progress=False, **kw),
    "grid": lambda **kw: monte_carlo_risk_grid_torch(_LAM, _V2, [10, 20], [15, 30], [0.0, 1e-2], 0.1, 8, 6,
                                                     device="cpu", progress=False, **kw),
}


def _arrays(result):
    """Every array field of a result (the values a sweep returns), by name."""
    fields = result.__dataclass_fields__
    return {k: getattr(result, k) for k in fields if isinstance(getattr(result, k), np.ndarray)}


def _assert_identical(got, want):
    a, b = _arrays(got), _arrays(want)
    assert a.keys() == b.keys()
    for key in a:
        assert a[key].dtype == b[key].dtype and a[key].shape == b[key].shape, key
        assert np.array_equal(a[key], b[key], equal_nan=a[key].dtype.kind == "f"), key


@pytest.fixture(scope="module")
def serial():
    """The in-process results, torch on one thread (as on the workers); the thread count is restored."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return {name: sweep() for name, sweep in SWEEPS.items()}
    finally:
        torch.set_num_threads(previous)


# Values of these sweeps computed with the code on main (commit fb01004) before the bridge's chunks
# became run_tasks tasks: executor=None must keep them. On the machine that made them they are
# reproduced bit for bit (checked when this change was made, on every array); the tolerance allows
# only for BLAS/vector kernels of another CPU, which round differently (~1e-16 per operation over
# ≤ 200 steps of stable dynamics).
PINNED = {
    "relu": {
        "test_loss[1,0,2,-1]": 0.1373447066971203,
        "kernel_distance[0,1,0,-1]": 0.4147047463151543,
        "lin_gap[1,1,1,-1]": 0.017439109207150427,
        "delta[0,0,2,-1,3]": -0.4998802790390621,
    },
    "chains": {
        "lambda_plus[1,1]": 0.6734027882295539,
        "lambda_minus[0,0]": -0.6699676534782436,
        "se_minus[1,0]": 0.0012227699064103683,
    },
    "gelu": {
        "param_distance[1,1,5,-1]": 4.650761934286717,
        "final_loss[0,1,3]": 0.03365915747547491,
        "final_params[1,0,39,1,2]": 0.048607675740173065,
    },
    "mlp": {
        "fraction.nansum": 12.0,
        "diverged.sum": 4.0,
        "train_accuracy[0,1,0,1]": 0.40066666666666667,
        "test_accuracy[0,0,1,0]": 0.09427609427609428,
    },
    "mc": {
        "test_mse[2]": 0.35978409565891895,
        "train_mse[1]": 6.261460556623059e-05,
        "test_samples[11,0]": 0.4493615787158376,
    },
    "grid": {
        "test_mse[1,1,1]": 0.6367717739032313,
        "train_mse[0,1,1]": 0.00022274821856735114,
        "test_se[1,0,0]": 0.6634396319148445,
    },
}


def _pinned_values(name, r):
    """A few entries of each result, spread over its fields (the values PINNED holds)."""
    if name == "relu":
        return {"test_loss[1,0,2,-1]": r.test_loss[1, 0, 2, -1], "kernel_distance[0,1,0,-1]": r.kernel_distance[0, 1, 0, -1],
                "lin_gap[1,1,1,-1]": r.lin_gap[1, 1, 1, -1], "delta[0,0,2,-1,3]": r.delta[0, 0, 2, -1, 3]}
    if name == "chains":
        return {"lambda_plus[1,1]": r.lambda_plus[1, 1], "lambda_minus[0,0]": r.lambda_minus[0, 0],
                "se_minus[1,0]": r.se_minus[1, 0]}
    if name == "gelu":
        return {"param_distance[1,1,5,-1]": r.param_distance[1, 1, 5, -1], "final_loss[0,1,3]": r.final_loss[0, 1, 3],
                "final_params[1,0,39,1,2]": r.final_params[1, 0, 39, 1, 2]}
    if name == "mlp":
        return {"fraction.nansum": np.nansum(r.fraction), "diverged.sum": r.diverged.sum(),
                "train_accuracy[0,1,0,1]": r.train_accuracy[0, 1, 0, 1], "test_accuracy[0,0,1,0]": r.test_accuracy[0, 0, 1, 0]}
    if name == "mc":
        return {"test_mse[2]": r.test_mse[2], "train_mse[1]": r.train_mse[1], "test_samples[11,0]": r.test_samples[11, 0]}
    return {"test_mse[1,1,1]": r.test_mse[1, 1, 1], "train_mse[0,1,1]": r.train_mse[0, 1, 1],
            "test_se[1,0,0]": r.test_se[1, 0, 0]}


@pytest.mark.parametrize("name", list(SWEEPS))
def test_in_process_keeps_the_numbers_of_main(serial, name):
    got = {k: float(v) for k, v in _pinned_values(name, serial[name]).items()}
    assert got.keys() == PINNED[name].keys()
    for key, want in PINNED[name].items():
        assert got[key] == pytest.approx(want, rel=1e-12, abs=1e-300), key


@pytest.mark.parametrize("name", list(SWEEPS))
def test_a_thread_pool_gives_the_in_process_arrays(serial, name):
    with cf.ThreadPoolExecutor(2) as pool:
        _assert_identical(SWEEPS[name](executor=pool), serial[name])


@pytest.mark.parametrize("name", list(SWEEPS))
def test_a_non_executor_is_a_type_error(name):
    with pytest.raises(TypeError, match="concurrent.futures.Executor"):
        SWEEPS[name](executor=4)


def test_a_checkpointed_sweep_resumes_on_an_executor_with_the_same_files(serial, tmp_path):
    # in process with a checkpoint: the same arrays, one file per chunk
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        first = SWEEPS["gelu"](checkpoint_dir=tmp_path)
    finally:
        torch.set_num_threads(previous)
    _assert_identical(first, serial["gelu"])
    files = sorted(tmp_path.rglob("chunk-*.npz"))
    assert len(files) == 3
    files[1].unlink()                                  # "interrupted" before chunk 1 was saved
    with np.load(files[0]) as z:
        chunk0 = {k: z[k] for k in z.files}
    with cf.ThreadPoolExecutor(2) as pool:
        resumed = SWEEPS["gelu"](checkpoint_dir=tmp_path, executor=pool)
    _assert_identical(resumed, serial["gelu"])
    assert sorted(tmp_path.rglob("chunk-*.npz")) == files   # chunk 1 recomputed and saved again
    # a stored chunk is read, not recomputed: change it and see the change come back
    chunk0["final_loss"] = np.full_like(chunk0["final_loss"], 7.0)
    np.savez(files[0], **chunk0)
    with cf.ThreadPoolExecutor(2) as pool:
        again = SWEEPS["gelu"](checkpoint_dir=tmp_path, executor=pool)
    assert np.all(again.final_loss.reshape(-1)[:64] == 7.0)
    assert np.array_equal(again.final_loss.reshape(-1)[64:], serial["gelu"].final_loss.reshape(-1)[64:],
                          equal_nan=True)


# ---------------------------------------------------------------------------------------------
# run_chunks itself: torch threads inside a task


def _thread_probe(*, lo, hi):
    """A chunk that reports the torch thread count it ran with."""
    return {"threads": np.full(hi - lo, torch.get_num_threads())}


def test_tasks_on_an_executor_run_torch_on_one_thread_and_restore_it(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("MKL_NUM_THREADS", raising=False)
    plan = bridge.ChunkPlan(total=4, per_chunk=1, block=1, bounds=((0, 1), (1, 2), (2, 3), (3, 4)))
    here = torch.get_num_threads()
    inside = bridge.run_chunks(_thread_probe, plan, progress=False)["threads"]
    assert set(inside.tolist()) == {here}             # in process: torch as the caller set it
    with cf.ThreadPoolExecutor(2) as pool:
        on_pool = bridge.run_chunks(_thread_probe, plan, executor=pool, progress=False)["threads"]
        after = pool.submit(torch.get_num_threads).result()
    assert set(on_pool.tolist()) == {1}
    assert after == here and torch.get_num_threads() == here   # restored after each task


def test_a_worker_environment_that_sets_threads_is_left_alone(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "2")        # the worker says how many: torch keeps its own count
    plan = bridge.ChunkPlan(total=2, per_chunk=1, block=1, bounds=((0, 1), (1, 2)))
    with cf.ThreadPoolExecutor(1) as pool:
        default = pool.submit(torch.get_num_threads).result()
        on_pool = bridge.run_chunks(_thread_probe, plan, executor=pool, progress=False)["threads"]
    assert set(on_pool.tolist()) == {default}


def test_a_closure_is_refused_on_an_executor():
    plan = bridge.ChunkPlan(total=2, per_chunk=1, block=1, bounds=((0, 1), (1, 2)))
    with cf.ThreadPoolExecutor(1) as pool, pytest.raises(ValueError, match="module-level"):
        bridge.run_chunks(lambda lo, hi: {"x": np.zeros(hi - lo)}, plan, executor=pool, progress=False)


# ---------------------------------------------------------------------------------------------
# a real Dask cluster (tests/conftest.py: 2 worker processes on 127.0.0.1)


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_dask_client_and_its_executor_give_the_in_process_arrays(serial, dask_client):
    from distributed import get_task_stream

    with get_task_stream(dask_client) as stream:
        for name, sweep in SWEEPS.items():
            _assert_identical(sweep(executor=dask_client), serial[name])
    executor = dask_client.get_executor(pure=False)
    for name, sweep in SWEEPS.items():
        _assert_identical(sweep(executor=executor), serial[name])
    assert len({t["worker"] for t in stream.data}) == 2      # the chunks really spread over both workers
