"""The SGD phase diagram on any executor (issue 11): rows as tasks, seeds derived per cell and row.

Serial first (it also writes the numba cache the workers load); then the same small sweeps on a
thread pool, a forkserver process pool and a real 2-process Dask cluster (the ``dask_client``
fixture of tests/conftest.py) equal the serial arrays exactly; a checkpointed run that was
interrupted resumes to the uninterrupted result; a non-executor is refused.
"""

import concurrent.futures as cf
import multiprocessing

import numpy as np
import pytest
from scipy import stats

import sims
from sims._parallel import derive_seed
from sims.sgd_stability import _phase, lyapunov_monte_carlo, simulate_two_layer

LRS, NOISES = [0.05, 0.2, 0.4], [1.0, 4.0, 8.0]
QR = dict(method="qr", x_values=LRS, y_values=NOISES, n_samples=3200, seed=11)
SIM = dict(method="simulate", x_values=LRS, y_values=NOISES, n_steps=1500, n_chains=6, width=2, seed=5)


def _diagram(executor=None, **kwargs):
    return sims.phase_diagram("sgd_stability", save=False, plot=False, progress=False, executor=executor,
                              **kwargs)


def _assert_identical(a, b):
    assert a.values.keys() == b.values.keys()
    for key in a.values:
        assert np.array_equal(a.values[key], b.values[key]), key
    assert np.array_equal(a.labels, b.labels)


@pytest.fixture(scope="module")
def serial():
    """The serial results, computed before any executor runs."""
    return {"qr": _diagram(**QR), "simulate": _diagram(**SIM)}


# ---------------------------------------------------------------------------------------------
# in process: the physics of 0.1.0 with the 0.2.0 seeds


def test_qr_cells_are_monte_carlo_exponents_with_derived_seeds(serial):
    result = serial["qr"]
    for j, sigma in enumerate(NOISES):
        for i, lr in enumerate(LRS):
            # model A, S = 1, κ = s₁ = 1: c ~ N(1, σ²); Λ₊ is the exponent of −c
            cell_seed = derive_seed(QR["seed"], j, i)
            minus = lyapunov_monte_carlo(lr, stats.norm(1.0, sigma), QR["n_samples"], cell_seed)
            plus = lyapunov_monte_carlo(lr, stats.norm(-1.0, sigma), QR["n_samples"], cell_seed)
            assert result.values["lambda_minus"][j, i] == minus.exponent
            assert result.values["se_minus"][j, i] == minus.standard_error
            assert result.values["lambda_plus"][j, i] == plus.exponent
            assert result.values["se_plus"][j, i] == plus.standard_error


def test_simulate_rows_are_one_run_each_with_derived_seeds(serial):
    result = serial["simulate"]
    for j, sigma in enumerate(NOISES):
        run = simulate_two_layer(np.array(LRS), sigma, SIM["n_steps"], SIM["n_chains"], derive_seed(SIM["seed"], j),
                                 width=SIM["width"])
        for k in ("collapsed", "correct", "incorrect", "diverged"):
            assert np.array_equal(result.values[f"fraction_{k}"][j], getattr(run, k))


def test_qr_seed_collision_of_0_1_is_gone():
    # 0.1.0 seeded cell (j, i) with seed + j·nx + i: seed 0's cell 1 drew seed 1's cell 0's samples.
    same_cell = dict(method="qr", x_values=[0.3, 0.3], y_values=[2.0], n_samples=3200)
    a = _diagram(seed=0, **same_cell).values["lambda_minus"]
    b = _diagram(seed=1, **same_cell).values["lambda_minus"]
    assert a[0, 1] != b[0, 0]
    assert a[0, 0] != a[0, 1]  # two cells of one run draw different samples too


def test_the_executor_is_not_a_parameter_of_the_result(serial):
    assert "executor" not in serial["qr"].params and "checkpoint_dir" not in serial["qr"].params


# ---------------------------------------------------------------------------------------------
# what executor= accepts


@pytest.mark.parametrize("method", ["analytic", "qr", "simulate"])
@pytest.mark.parametrize("bad", [2, "127.0.0.1:8786"])
def test_a_non_executor_is_a_type_error(method, bad):
    with pytest.raises(TypeError, match="executor must be"):
        _diagram(bad, method=method, x_values=[0.1], y_values=[1.0], n_samples=320, n_steps=10, n_chains=2)


@pytest.mark.parametrize("kwargs, match", [
    (dict(checkpoint_dir=3), "checkpoint_dir"),
    (dict(progress="yes"), "progress"),
    (dict(method="qr", seed=-1), "seed"),
    (dict(method="simulate", seed=1.5), "seed"),
])
def test_bad_sweep_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        sims.phase_diagram("sgd_stability", save=False, plot=False, **{"x_values": [0.1], "y_values": [1.0],
                                                                       **kwargs})


class _CountingPool(cf.ThreadPoolExecutor):
    submitted = 0

    def submit(self, *args, **kwargs):
        self.submitted += 1
        return super().submit(*args, **kwargs)


def test_analytic_takes_an_executor_and_runs_here():
    lrs, noises = [0.05, 0.3], [1.0, 6.0]
    with _CountingPool(1) as pool:
        _assert_identical(_diagram(pool, x_values=lrs, y_values=noises), _diagram(x_values=lrs, y_values=noises))
        assert pool.submitted == 0
        _diagram(pool, method="simulate", x_values=lrs, y_values=noises, n_steps=10, n_chains=2)
        assert pool.submitted == 2  # while simulate submits one task per row


# ---------------------------------------------------------------------------------------------
# executors: the same arrays, bit for bit


@pytest.mark.parametrize("method", ["qr", "simulate"])
def test_thread_pool_equals_serial(serial, method):
    with cf.ThreadPoolExecutor(2) as pool:
        _assert_identical(_diagram(pool, **(QR if method == "qr" else SIM)), serial[method])


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_forkserver_process_pool_equals_serial(serial):
    with cf.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("forkserver")) as pool:
        _assert_identical(_diagram(pool, **SIM), serial["simulate"])
        _assert_identical(_diagram(pool, **QR), serial["qr"])


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_dask_client_and_its_executor_equal_serial_on_both_workers(serial, dask_client):
    import distributed

    with distributed.get_task_stream(dask_client) as ts:
        _assert_identical(_diagram(dask_client, **SIM), serial["simulate"])
    assert len({t["worker"] for t in ts.data}) == 2  # the rows really spread over the two workers
    _assert_identical(_diagram(dask_client.get_executor(pure=False), **SIM), serial["simulate"])
    _assert_identical(_diagram(dask_client, **QR), serial["qr"])
    _assert_identical(_diagram(dask_client.get_executor(pure=False), **QR), serial["qr"])


# ---------------------------------------------------------------------------------------------
# checkpoints


@pytest.mark.parametrize("method, task", [("qr", "_qr_row"), ("simulate", "_simulate_row")])
def test_an_interrupted_sweep_resumes_from_its_checkpoint(serial, tmp_path, monkeypatch, method, task):
    real = getattr(_phase, task)
    ran = []

    def interrupted(**spec):  # the third row is where Ctrl-C hits
        if spec["sigma"] == NOISES[2]:
            raise KeyboardInterrupt
        ran.append(spec["sigma"])
        return real(**spec)

    def counting(**spec):
        ran.append(spec["sigma"])
        return real(**spec)

    kwargs = QR if method == "qr" else SIM
    monkeypatch.setattr(_phase, task, interrupted)
    with pytest.raises(KeyboardInterrupt):
        _diagram(checkpoint_dir=tmp_path, **kwargs)
    assert ran == NOISES[:2]
    monkeypatch.setattr(_phase, task, counting)
    resumed = _diagram(checkpoint_dir=tmp_path, **kwargs)
    assert ran == NOISES  # only the unfinished row ran again
    _assert_identical(resumed, serial[method])
    # other arguments never read these rows
    ran.clear()
    _diagram(checkpoint_dir=tmp_path, **{**kwargs, "seed": kwargs["seed"] + 1})
    assert ran == NOISES


# ---------------------------------------------------------------------------------------------
# the benchmark


def test_executor_benchmark_says_it_skips_without_distributed(monkeypatch):
    import sys

    from sims.sgd_stability._bench import bench_executors

    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` raises ImportError
    rows, metrics = bench_executors(quick=True)
    assert metrics == [] and len(rows) == 1
    assert rows[0].startswith("skipped: dask[distributed] is not installed")


def test_batch_size_rows_on_a_thread_pool():
    # σ = 6, S = 4, λ = 0.3: a mixed cell (some runs collapse, some diverge), so the seed shows
    kwargs = dict(method="simulate", y="batch_size", noise=6.0, x_values=[0.05, 0.3], y_values=[1, 4], n_steps=800,
                  n_chains=8, seed=2)
    serial = _diagram(**kwargs)
    with cf.ThreadPoolExecutor(2) as pool:
        _assert_identical(_diagram(pool, **kwargs), serial)
    run = simulate_two_layer(np.array([0.05, 0.3]), 6.0, 800, 8, derive_seed(2, 1), batch_size=4)
    for k in ("collapsed", "correct", "incorrect", "diverged"):
        assert np.array_equal(serial.values[f"fraction_{k}"][1], getattr(run, k))
