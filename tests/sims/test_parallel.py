"""The sweep helper (sims._parallel): in process, on thread and process pools, and on a real Dask cluster.

The contract: results are placed by task index and are bit-identical whichever executor ran them;
anything that is not an executor is refused; a failing task cancels the rest and re-raises; a worker
with another dltheory is an error; a checkpointed sweep resumes; the package never shuts down an
executor it was given. Tasks are ``sims.testing.sweep_probe`` (module-level, so workers import it).
"""

import concurrent.futures as cf
import multiprocessing
import os

import numpy as np
import pytest

from sims import _parallel
from sims._checkpoint import ChunkStore, checkpoint_store
from sims._parallel import derive_seed, resolve_executor, run_tasks
from sims.testing import sweep_probe


def _specs(n, seed=7, **extra):
    return [dict(index=i, seed=derive_seed(seed, i), **extra) for i in range(n)]


def _values(outputs):
    return np.stack([o["value"] for o in outputs])


# ---------------------------------------------------------------------------------------------
# seeds


def test_derived_seeds_do_not_collide_across_user_seeds():
    # seed + index would give seed 0's task 1 == seed 1's task 0; the SeedSequence mix does not.
    assert derive_seed(0, 1) != derive_seed(1, 0)
    seeds = {derive_seed(s, i, j) for s in range(4) for i in range(8) for j in range(8)}
    assert len(seeds) == 4 * 8 * 8


def test_derived_seeds_are_63_bit_and_reproducible():
    seeds = [derive_seed(2**63 - 1, i) for i in range(100)]
    assert all(0 <= s < 2**63 for s in seeds)
    assert seeds == [derive_seed(2**63 - 1, i) for i in range(100)]


@pytest.mark.parametrize("bad", [(-1,), (0, -2)])
def test_derived_seed_rejects_negative_entries(bad):
    with pytest.raises(ValueError, match="seed"):
        derive_seed(*bad)


# ---------------------------------------------------------------------------------------------
# what executor= accepts


@pytest.mark.parametrize("bad", [4, "localhost:8786", object(), [cf.ThreadPoolExecutor]])
def test_a_non_executor_is_a_type_error_naming_the_accepted_kinds(bad):
    with pytest.raises(TypeError, match="concurrent.futures.Executor.*distributed.Client"):
        resolve_executor(bad)
    with pytest.raises(TypeError, match="executor"):
        run_tasks(sweep_probe, _specs(2), executor=bad)


def test_a_client_is_recognised_by_duck_typing_with_pure_false():
    calls = []

    class FakeClient:
        def scheduler_info(self):
            return {}

        def get_executor(self, **kwargs):
            calls.append(kwargs)
            return cf.ThreadPoolExecutor(1)

    with resolve_executor(FakeClient()) as ex:
        assert isinstance(ex, cf.Executor)
    assert calls == [{"pure": False}]  # pure=True would let equal-argument tasks share one result


def test_progress_must_be_a_bool_or_none():
    with pytest.raises(ValueError, match="progress"):
        run_tasks(sweep_probe, _specs(1), progress="yes")


# ---------------------------------------------------------------------------------------------
# in process and on a thread pool


def test_thread_pool_equals_serial_and_places_results_by_index():
    serial = run_tasks(sweep_probe, _specs(6), progress=False)
    # later tasks finish first: arrival order must not matter
    specs = [dict(s, sleep=0.02 * (5 - s["index"])) for s in _specs(6)]
    with cf.ThreadPoolExecutor(3) as pool:
        pooled = run_tasks(sweep_probe, specs, executor=pool, progress=False)
        assert [int(o["index"]) for o in pooled] == list(range(6))
        assert np.array_equal(_values(pooled), _values(serial))
        run_tasks(sweep_probe, _specs(1), executor=pool, progress=False)  # not shut down by the first call


def test_serial_path_leaves_numba_threads_alone_and_pool_tasks_get_one():
    import numba

    serial = run_tasks(sweep_probe, _specs(1), progress=False)
    assert int(serial[0]["numba_threads"]) == numba.get_num_threads()
    if os.environ.get("NUMBA_NUM_THREADS"):
        pytest.skip("NUMBA_NUM_THREADS is set here: tasks keep the environment's count")
    with cf.ThreadPoolExecutor(1) as pool:
        pooled = run_tasks(sweep_probe, _specs(2), executor=pool, progress=False)
    assert [int(o["numba_threads"]) for o in pooled] == [1, 1]


def test_a_lambda_is_refused_on_an_executor():
    with cf.ThreadPoolExecutor(1) as pool, pytest.raises(ValueError, match="module-level"):
        run_tasks(lambda index, seed: {}, _specs(1), executor=pool)


def test_a_task_must_return_a_mapping():
    with pytest.raises(TypeError, match="task 0 returned float"):
        run_tasks(float, [{}])


def test_a_failing_task_cancels_the_rest_and_reraises_with_the_task_named():
    specs = _specs(40, sleep=0.01)
    specs[0] = dict(specs[0], fail=True, sleep=0.0)
    started = []
    real = _parallel._run_on_worker

    def counting(task, spec):
        started.append(spec["index"])
        return real(task, spec)

    _parallel._run_on_worker, saved = counting, _parallel._run_on_worker
    try:
        with cf.ThreadPoolExecutor(1) as pool:
            with pytest.raises(ValueError, match="failed on purpose") as info:
                run_tasks(sweep_probe, specs, executor=pool, progress=False)
    finally:
        _parallel._run_on_worker = saved
    assert any("task 0 of 40" in note for note in info.value.__notes__)
    assert len(started) < 40  # the tasks still queued were cancelled, not run


def test_a_worker_with_another_dltheory_is_an_error(monkeypatch):
    monkeypatch.setattr(_parallel, "_run_on_worker", lambda task, spec: ("0.0.0+other", task(**spec)))
    with cf.ThreadPoolExecutor(1) as pool, pytest.raises(RuntimeError, match="same dltheory"):
        run_tasks(sweep_probe, _specs(2), executor=pool, progress=False)


def test_fingerprint_names_version_and_source():
    version, digest = _parallel.package_fingerprint().split("+")
    assert version == _parallel.package_version() and len(digest) == 12


# ---------------------------------------------------------------------------------------------
# checkpoints


def test_an_interrupted_sweep_resumes_from_its_checkpoint(tmp_path):
    store = ChunkStore(tmp_path, "probe", {"n": 5, "seed": 7})
    specs = _specs(5)
    broken = [dict(s, fail=(s["index"] == 3)) for s in specs]
    with pytest.raises(ValueError, match="failed on purpose"):
        run_tasks(sweep_probe, broken, store=store, progress=False)
    assert [store.has(i) for i in range(5)] == [True, True, True, False, False]
    # the rerun loads tasks 0-2 (a failing flag there would now be ignored: they are not run)
    rerun = [dict(s, fail=(s["index"] < 3)) for s in specs]
    resumed = run_tasks(sweep_probe, rerun, store=store, progress=False)
    assert np.array_equal(_values(resumed), _values(run_tasks(sweep_probe, specs, progress=False)))


def test_checkpoint_store_names_the_run_with_the_version(tmp_path):
    assert checkpoint_store(None, "x", {}) is None
    store = checkpoint_store(tmp_path, "x", {"a": 1})
    assert store.params["dltheory_version"] == _parallel.package_version()
    assert store.path != checkpoint_store(tmp_path, "x", {"a": 2}).path
    with pytest.raises(ValueError, match="checkpoint_dir"):
        checkpoint_store(3, "x", {})


# ---------------------------------------------------------------------------------------------
# process pools (real pickling, other processes)


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_forkserver_pool_equals_serial_in_other_processes():
    serial = run_tasks(sweep_probe, _specs(4), progress=False)
    with cf.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("forkserver")) as pool:
        pooled = run_tasks(sweep_probe, _specs(4), executor=pool, progress=False)
    assert np.array_equal(_values(pooled), _values(serial))
    assert os.getpid() not in {int(o["pid"]) for o in pooled}


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_a_worker_that_dies_in_a_process_pool_is_a_clear_error(tmp_path):
    specs = _specs(3, exit_once=str(tmp_path / "died"))
    with cf.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("forkserver")) as pool:
        with pytest.raises(cf.process.BrokenProcessPool) as info:
            run_tasks(sweep_probe, specs, executor=pool, progress=False)
    assert any("sweep_probe" in note for note in info.value.__notes__)


# ---------------------------------------------------------------------------------------------
# a real Dask cluster (tests/conftest.py: 2 worker processes on 127.0.0.1)


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_dask_client_and_its_executor_equal_serial_and_use_both_workers(dask_client):
    from distributed import get_task_stream

    serial = run_tasks(sweep_probe, _specs(8), progress=False)
    with get_task_stream(dask_client) as stream:
        via_client = run_tasks(sweep_probe, [dict(s, sleep=0.05) for s in _specs(8)], executor=dask_client,
                               progress=False)
    via_executor = run_tasks(sweep_probe, _specs(8), executor=dask_client.get_executor(pure=False), progress=False)
    assert np.array_equal(_values(via_client), _values(serial))
    assert np.array_equal(_values(via_executor), _values(serial))
    assert len({t["worker"] for t in stream.data}) == 2
    assert os.getpid() not in {int(o["pid"]) for o in via_client}
    if not os.environ.get("NUMBA_NUM_THREADS"):
        assert {int(o["numba_threads"]) for o in via_client} == {1}


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_dask_survives_a_killed_worker_with_the_right_answer(dask_client, tmp_path):
    # The first attempt of task 1 ends its worker's process; the nanny restarts the worker and the
    # scheduler reruns the task: the sweep must come back complete and equal to serial.
    saved = dict(os.environ)
    try:
        serial = run_tasks(sweep_probe, _specs(4), progress=False)
        specs = [dict(s, exit_once=str(tmp_path / "died")) if s["index"] == 1 else s for s in _specs(4)]
        survived = run_tasks(sweep_probe, specs, executor=dask_client, progress=False)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    assert (tmp_path / "died").exists()
    assert np.array_equal(_values(survived), _values(serial))
    dask_client.wait_for_workers(2, timeout=120)


def test_a_fork_started_pool_after_openmp_threads_is_warned_about():
    # GNU OpenMP is not fork-safe: once numba's omp layer has run here, forked workers abort
    import warnings

    import numba

    from sims.sgd_stability import simulate_two_layer

    simulate_two_layer(np.array([0.1]), 1.0, 5, 2, 0)           # a parallel kernel starts the layer
    layer = numba.threading_layer()
    pool = cf.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))  # forks on submit only
    try:
        if layer == "omp":
            with pytest.warns(RuntimeWarning, match="forkserver"):
                resolve_executor(pool)
        else:                                                     # tbb / workqueue: fork is fine, no warning
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                resolve_executor(pool)
        with warnings.catch_warnings():                           # the recommended contexts never warn
            warnings.simplefilter("error")
            with cf.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("forkserver")) as ok:
                resolve_executor(ok)
    finally:
        pool.shutdown()
