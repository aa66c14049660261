"""The rf_risk Monte Carlo on any executor: the (n, k) grid and the trials of one point.

``monte_carlo_risk_grid``: point (i, j) is ``monte_carlo_risk(..., seed=derive_seed(seed, i, j))``;
one n-row is one task; a thread pool and a real Dask cluster (tests/conftest.py) give the
in-process arrays bit for bit; an interrupted checkpointed run resumes; the prediction is the
scalar theory's. ``monte_carlo_risk(executor=...)``: blocks of trials are the tasks, and the
per-trial samples equal the in-process ones.
"""

import concurrent.futures as cf
import math

import numpy as np
import pytest

from sims._parallel import derive_seed
from sims.rf_risk import MonteCarloRiskGrid, _mc_grid, _monte_carlo, monte_carlo_risk, monte_carlo_risk_grid
from theory.rf_risk import risk

LAM = np.arange(1, 201) ** -1.5
V2 = np.arange(1, 201) ** -1.2
# 3 n-rows of 2 points (one of them kernel ridge regression), 20 trials each: ~0.05 s a row
SMALL = dict(eigenvalues=LAM, target_power=V2, ns=[20, 40, 60], ks=[50, np.inf], ridges=[0.0, 0.1], noise=0.1,
             trials=20, seed=5, progress=False)
FIELDS = ("n", "k", "ridges", "test_mse", "test_se", "train_mse", "train_se", "theory_test", "theory_train", "z_test")


@pytest.fixture(scope="module")
def serial():
    return monte_carlo_risk_grid(**SMALL)


def _assert_identical(a, b):
    for name in FIELDS:
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert (a.noise, a.trials, a.seed) == (b.noise, b.trials, b.seed)


def test_every_point_is_monte_carlo_risk_with_its_derived_seed(serial):
    assert isinstance(serial, MonteCarloRiskGrid)
    assert serial.test_mse.shape == (3, 2, 2)
    for i, n in enumerate(SMALL["ns"]):
        for j, k in enumerate(SMALL["ks"]):
            point = monte_carlo_risk(LAM, V2, n, k, SMALL["ridges"], SMALL["noise"], SMALL["trials"],
                                     seed=derive_seed(SMALL["seed"], i, j), threads=1, progress=False)
            for name in ("test_mse", "test_se", "train_mse", "train_se"):
                assert np.array_equal(getattr(serial, name)[i, j], getattr(point, name)), (name, n, k)


def test_prediction_is_the_scalar_theory(serial):
    for i, n in enumerate(SMALL["ns"]):
        for j, k in enumerate(SMALL["ks"]):
            for r, ridge in enumerate(SMALL["ridges"]):
                th = risk(LAM, V2, n, k, ridge, SMALL["noise"])
                # grid and scalar solvers agree to 1e-9 (tests/theory/test_rf_risk_grid.py)
                assert serial.theory_test[i, j, r] == pytest.approx(th.test_mse, rel=1e-9)
                assert serial.theory_train[i, j, r] == pytest.approx(th.train_mse, rel=1e-9, abs=1e-300)
    z = (serial.test_mse - serial.theory_test) / serial.test_se
    assert np.array_equal(serial.z_test, z)   # every SE here is > 0


def test_points_do_not_depend_on_the_rest_of_the_grid(serial):
    alone = monte_carlo_risk_grid(**{**SMALL, "ns": [20, 40], "ks": [50]})
    assert np.array_equal(alone.test_mse[:, 0], serial.test_mse[:2, 0])
    other_seed = monte_carlo_risk_grid(**{**SMALL, "seed": 6})
    assert not np.array_equal(other_seed.test_mse, serial.test_mse)


def test_thread_pool_equals_serial(serial):
    # rows run concurrently in one process: their BLAS limits must not undo each other's
    with cf.ThreadPoolExecutor(3) as pool:
        _assert_identical(monte_carlo_risk_grid(**SMALL, executor=pool), serial)
        monte_carlo_risk_grid(**{**SMALL, "ns": [10]}, executor=pool)   # the pool is still open


@pytest.mark.parametrize("bad", [2, "localhost:8786", object()])
def test_a_non_executor_is_a_type_error(bad):
    with pytest.raises(TypeError, match="executor"):
        monte_carlo_risk_grid(**SMALL, executor=bad)


@pytest.mark.parametrize("kwargs, match", [
    (dict(ns=[20, 0]), r"ns\[1\]"),
    (dict(ns=[20.0]), r"ns\[0\]"),
    (dict(ns=[]), "ns"),
    (dict(ks=[50, -1]), r"ks\[1\]"),
    (dict(ks=[50, -np.inf]), r"ks\[1\]"),
    (dict(ks=[[50]]), "ks"),
    (dict(ridges=[-0.1]), "ridges"),
    (dict(noise=-1.0), "noise"),
    (dict(trials=1), "trials"),
    (dict(seed=-1), "seed"),
    (dict(progress="yes"), "progress"),
    (dict(checkpoint_dir=3), "checkpoint_dir"),
    (dict(target_power=V2[:-1]), "target_power"),
])
def test_bad_input_is_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        monte_carlo_risk_grid(**{**SMALL, **kwargs})


def test_a_huge_grid_is_refused_at_once():
    # 10^3 x 10^3 points with n, k in the thousands: refused by the work bound, not run
    ns = list(range(4_000, 5_000))
    with pytest.raises(ValueError, match="trials \\* M"):
        monte_carlo_risk_grid(**{**SMALL, "ns": ns, "ks": ns, "ridges": [0.1]})
    with pytest.raises(ValueError, match="ns \\* ks"):
        monte_carlo_risk_grid(**{**SMALL, "ns": [10**5], "ks": [10**5]})


def test_an_interrupted_checkpointed_run_resumes(serial, tmp_path, monkeypatch):
    real = _mc_grid._risk_row
    calls = []

    def failing_on_the_last_row(**spec):
        if spec["n"] == 60:
            raise RuntimeError("interrupted")
        return real(**spec)

    def counting(**spec):
        calls.append(spec["n"])
        return real(**spec)

    monkeypatch.setattr(_mc_grid, "_risk_row", failing_on_the_last_row)
    with pytest.raises(RuntimeError, match="interrupted"):
        monte_carlo_risk_grid(**SMALL, checkpoint_dir=tmp_path)
    monkeypatch.setattr(_mc_grid, "_risk_row", counting)
    resumed = monte_carlo_risk_grid(**SMALL, checkpoint_dir=tmp_path)
    assert calls == [60]   # rows n = 20 and 40 came from the checkpoint
    _assert_identical(resumed, serial)
    calls.clear()
    monte_carlo_risk_grid(**{**SMALL, "target_power": LAM}, checkpoint_dir=tmp_path)   # another spectrum
    assert calls == [20, 40, 60]


def test_points_do_not_depend_on_the_thread_count(serial):
    # monte_carlo_risk on its default threads (one BLAS thread per trial) gives the grid's numbers
    assert math.isinf(serial.k[1])
    for j, k in enumerate(SMALL["ks"]):
        point = monte_carlo_risk(LAM, V2, 40, k, SMALL["ridges"], SMALL["noise"], SMALL["trials"],
                                 seed=derive_seed(SMALL["seed"], 1, j), threads=2, progress=False)
        assert np.array_equal(serial.train_mse[1, j], point.train_mse)
        assert np.array_equal(serial.test_mse[1, j], point.test_mse)


# ---------------------------------------------------------------------------------------------
# monte_carlo_risk: blocks of trials as tasks

POINT = dict(eigenvalues=LAM, target_power=V2, n=30, ridges=[0.0, 0.1], noise=0.1, trials=40, seed=2, progress=False)
SAMPLES = ("test_samples", "train_samples", "test_mse", "test_se", "train_mse", "train_se")


def test_trial_blocks_cover_every_trial_once():
    for trials in (2, 31, 32, 33, 1000):
        blocks = _monte_carlo._trial_blocks(trials)
        assert blocks[0][0] == 0 and blocks[-1][1] == trials
        assert all(hi > lo for lo, hi in blocks) and all(a[1] == b[0] for a, b in zip(blocks, blocks[1:]))
        assert len(blocks) == min(trials, 32)


@pytest.mark.parametrize("k", [50, np.inf])
def test_point_on_a_thread_pool_equals_in_process(k):
    here = monte_carlo_risk(**POINT, k=k, threads=1)
    with cf.ThreadPoolExecutor(3) as pool:
        pooled = monte_carlo_risk(**POINT, k=k, executor=pool)
    for name in SAMPLES:
        assert np.array_equal(getattr(pooled, name), getattr(here, name)), name


@pytest.mark.parametrize("bad", [2, object()])
def test_point_refuses_a_non_executor(bad):
    with pytest.raises(TypeError, match="executor"):
        monte_carlo_risk(**POINT, k=50, executor=bad)


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_dask_client_and_its_executor_equal_serial(serial, dask_client):
    from distributed import get_task_stream

    with get_task_stream(dask_client) as stream:
        via_client = monte_carlo_risk_grid(**SMALL, executor=dask_client)
    via_executor = monte_carlo_risk_grid(**SMALL, executor=dask_client.get_executor(pure=False))
    _assert_identical(via_client, serial)
    _assert_identical(via_executor, serial)
    assert len(stream.data) >= 3  # the rows ran as tasks on the cluster
    here = monte_carlo_risk(**POINT, k=50, threads=1)
    there = monte_carlo_risk(**POINT, k=50, executor=dask_client)
    for name in SAMPLES:
        assert np.array_equal(getattr(there, name), getattr(here, name)), name
