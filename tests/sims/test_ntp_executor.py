"""The NTP-separability phase diagram on any executor (sims._parallel.run_tasks).

One task per support size (a row); each cell keeps its seed ``default_rng([seed, S, d])``, so the
in-process numbers are those main computed (pinned below), and a thread pool and a real Dask
cluster (tests/conftest.py) give the same arrays bit for bit; an interrupted checkpointed run
resumes.
"""

import concurrent.futures as cf

import numpy as np
import pytest

from sims.ntp import _phase, ntp_separability_phase_diagram

# 3 rows of 2 cells, 4 instances each (about 0.15 s a row)
SMALL = dict(V=4, m=4, x_values=[0.5, 1.0], y_values=[1, 2, 3], n_trials=4, seed=3, plot=False, progress=False)

# computed with the code on main before this change (commit fb01004)
MAIN_PROBABILITY = [[0.75, 1.0], [0.0, 1.0], [0.0, 1.0]]
MAIN_LABELS = [["separable", "separable"], ["not separable", "separable"], ["not separable", "separable"]]


@pytest.fixture(scope="module")
def serial():
    return ntp_separability_phase_diagram(**SMALL)


def _assert_identical(a, b):
    assert a.values.keys() == b.values.keys()
    for name in a.values:
        assert np.array_equal(a.values[name], b.values[name]), name
    assert np.array_equal(a.labels, b.labels)


def test_in_process_path_computes_what_main_computed(serial):
    # fractions of 4 instances: exact in binary, and the draws come from platform-independent PCG64 streams
    assert serial.values["probability"].tolist() == MAIN_PROBABILITY
    assert serial.values["n_trials"].tolist() == [[4.0, 4.0]] * 3
    assert serial.values["d"].tolist() == [[2.0, 4.0]] * 3
    assert serial.labels.tolist() == MAIN_LABELS
    assert "executor" not in serial.params


def test_a_row_is_its_cells_seeded_by_support_size_and_dimension():
    # the task of row S = 2 alone gives that row of the diagram: rows do not share random numbers
    row = _phase._separability_row(V=4, m=4, dims=(4, 2), size=2, n_trials=4, seed=3)
    assert row["count"].tolist() == [4.0, 0.0]   # columns swapped: d = 4 then d = 2
    assert row["decided"].tolist() == [4.0, 4.0]


def test_thread_pool_equals_serial(serial):
    with cf.ThreadPoolExecutor(2) as pool:
        _assert_identical(ntp_separability_phase_diagram(**SMALL, executor=pool), serial)


def test_phase_diagram_forwards_the_executor(serial):
    import sims

    kwargs = {k: v for k, v in SMALL.items() if k != "plot"}
    with cf.ThreadPoolExecutor(2) as pool:
        _assert_identical(sims.phase_diagram("ntp_separability", plot=False, save=False, executor=pool, **kwargs),
                          serial)


@pytest.mark.parametrize("bad", [2, "localhost:8786", object()])
def test_a_non_executor_is_a_type_error(bad):
    with pytest.raises(TypeError, match="executor"):
        ntp_separability_phase_diagram(**SMALL, executor=bad)


def test_bad_checkpoint_dir_is_named():
    with pytest.raises(ValueError, match="checkpoint_dir"):
        ntp_separability_phase_diagram(**SMALL, checkpoint_dir=3)


def test_an_interrupted_checkpointed_run_resumes(serial, tmp_path, monkeypatch):
    real = _phase._separability_row
    calls = []

    def failing_on_the_last_row(**spec):
        if spec["size"] == 3:
            raise RuntimeError("interrupted")
        return real(**spec)

    def counting(**spec):
        calls.append(spec["size"])
        return real(**spec)

    monkeypatch.setattr(_phase, "_separability_row", failing_on_the_last_row)
    with pytest.raises(RuntimeError, match="interrupted"):
        ntp_separability_phase_diagram(**SMALL, checkpoint_dir=tmp_path)
    monkeypatch.setattr(_phase, "_separability_row", counting)
    resumed = ntp_separability_phase_diagram(**SMALL, checkpoint_dir=tmp_path)
    assert calls == [3]  # rows S = 1 and 2 came from the checkpoint
    _assert_identical(resumed, serial)
    calls.clear()
    ntp_separability_phase_diagram(**{**SMALL, "seed": 4}, checkpoint_dir=tmp_path)   # another run
    assert calls == [1, 2, 3]


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_dask_client_and_its_executor_equal_serial(serial, dask_client):
    from distributed import get_task_stream

    with get_task_stream(dask_client) as stream:
        via_client = ntp_separability_phase_diagram(**SMALL, executor=dask_client)
    via_executor = ntp_separability_phase_diagram(**SMALL, executor=dask_client.get_executor(pure=False))
    _assert_identical(via_client, serial)
    _assert_identical(via_executor, serial)
    assert len(stream.data) >= 3  # the rows ran as tasks on the cluster
