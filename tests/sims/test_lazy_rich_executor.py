"""The lazy/rich phase diagram's simulated overlay on any executor (sims._parallel.run_tasks).

One task per simulated row; the in-process path computes what it computed before the sweep helper
(pinned values and the pre-change loop, below); a thread pool and a real Dask cluster
(tests/conftest.py) give the same arrays bit for bit; an interrupted checkpointed run resumes.
"""

import concurrent.futures as cf

import numpy as np
import pytest

from sims.lazy_rich import _phase, gradient_flow, lazy_rich_phase_diagram
from theory.lazy_rich import kernel_distance

# 3 simulated rows of 3 cells (about 0.07 s a row)
SMALL = dict(x_values=np.linspace(-2.0, 2.0, 5), y_values=[0.01, 0.1, 1.0], simulate=(3, 3), t_max=50.0,
             n_times=100, plot=False)

# computed with the code on main before this change (commit fb01004), the same machine
MAIN_KERNEL_DISTANCE = [0.8550742314075445, 0.19999999999996076, 0.0031076248828673103, 0.8526442027944533,
                        0.1999999999999995, 0.0032052524312805586, 0.7132564579340075, 0.1999999999999711,
                        0.012407258880654415]
MAIN_TIME_TO_LEARN = [20.872282093687026, 4.1409391711018895, 0.9750187278729491, 15.298481094101236,
                      3.271574870100899, 0.9760593148904861, 9.339567130913297, 2.699922538490865,
                      0.9856002908228064]


@pytest.fixture(scope="module")
def serial():
    return lazy_rich_phase_diagram(**SMALL)


def _assert_identical(a, b):
    assert a.simulated.keys() == b.simulated.keys()
    for name in a.simulated:
        assert np.array_equal(a.simulated[name], b.simulated[name]), name
    for name in a.values:
        assert np.array_equal(a.values[name], b.values[name]), name
    assert np.array_equal(a.labels, b.labels)


def _main_loop():
    """The simulated overlay as main computed it: one gradient flow per cell, row-major."""
    x, y = SMALL["x_values"], np.asarray(SMALL["y_values"])
    beta_star = np.array([0.0, 1.0])
    a0, w0, _ = _phase._initialisations(x, y, "scale", beta_star, 0.1, 0.0)
    ix = np.unique(np.linspace(0, x.size - 1, 3).round().astype(int))
    iy = np.unique(np.linspace(0, y.size - 1, 3).round().astype(int))
    t_eval = np.concatenate([[0.0], np.logspace(-3, np.log10(SMALL["t_max"]), 400)])
    S_sim, t_sim = [], []
    for j in iy:
        for i in ix:
            b = j * x.size + i
            flow = gradient_flow(np.eye(2), beta_star, a0[b], w0[b], t_eval)
            S_sim.append(kernel_distance(a0[b], w0[b], flow.a, flow.w)[-1])
            loss = 0.5 * np.sum((flow.beta - beta_star) ** 2, axis=-1)
            t_sim.append(_phase._first_crossing_time(t_eval, -loss[None], np.array([-1e-2 * loss[0]]))[0])
    return np.array(S_sim), np.array(t_sim)


def test_in_process_path_computes_what_main_computed(serial):
    S_main, t_main = _main_loop()
    assert np.array_equal(serial.simulated["kernel_distance_tmax"], S_main)
    assert np.array_equal(serial.simulated["time_to_learn"], t_main)
    # pinned on one machine: solve_ivp's last bits may differ on another CPU or NumPy build
    assert np.allclose(serial.simulated["kernel_distance_tmax"], MAIN_KERNEL_DISTANCE, rtol=1e-12, atol=0)
    assert np.allclose(serial.simulated["time_to_learn"], MAIN_TIME_TO_LEARN, rtol=1e-12, atol=0)
    assert serial.simulated["x"].tolist() == [-2.0, 0.0, 2.0] * 3
    assert serial.simulated["y"].tolist() == [0.01] * 3 + [0.1] * 3 + [1.0] * 3
    assert "executor" not in serial.params


def test_thread_pool_equals_serial(serial):
    with cf.ThreadPoolExecutor(2) as pool:
        pooled = lazy_rich_phase_diagram(**SMALL, executor=pool)
        _assert_identical(pooled, serial)
        lazy_rich_phase_diagram(**{**SMALL, "simulate": (1, 1)}, executor=pool)   # the pool is still open


@pytest.mark.parametrize("bad", [2, "localhost:8786", object()])
def test_a_non_executor_is_a_type_error(bad):
    with pytest.raises(TypeError, match="executor"):
        lazy_rich_phase_diagram(**SMALL, executor=bad)


@pytest.mark.parametrize("simulate", [(0, 3), (3,), "ab", (2.0, 3)])
def test_bad_simulate_is_named(simulate):
    with pytest.raises(ValueError, match="simulate"):
        lazy_rich_phase_diagram(**{**SMALL, "simulate": simulate})


def test_an_interrupted_checkpointed_run_resumes(serial, tmp_path, monkeypatch):
    real = _phase._simulate_row
    calls = []

    def failing_on_the_last_row(**spec):
        if spec["a0"] == _row_a0(2):
            raise RuntimeError("interrupted")
        return real(**spec)

    def counting(**spec):
        calls.append(spec["a0"])
        return real(**spec)

    monkeypatch.setattr(_phase, "_simulate_row", failing_on_the_last_row)
    with pytest.raises(RuntimeError, match="interrupted"):
        lazy_rich_phase_diagram(**SMALL, checkpoint_dir=tmp_path)
    monkeypatch.setattr(_phase, "_simulate_row", counting)
    resumed = lazy_rich_phase_diagram(**SMALL, checkpoint_dir=tmp_path)
    assert calls == [_row_a0(2)]  # rows 0 and 1 came from the checkpoint
    _assert_identical(resumed, serial)
    # another setting never reads these rows
    calls.clear()
    lazy_rich_phase_diagram(**{**SMALL, "t_max": 40.0}, checkpoint_dir=tmp_path)
    assert len(calls) == 3


def _row_a0(row):
    x, y = SMALL["x_values"], np.asarray(SMALL["y_values"])
    a0, _, _ = _phase._initialisations(x, y, "scale", np.array([0.0, 1.0]), 0.1, 0.0)
    return tuple(float(a0[row * x.size + i]) for i in (0, 2, 4))


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_dask_client_and_its_executor_equal_serial(serial, dask_client):
    from distributed import get_task_stream

    with get_task_stream(dask_client) as stream:
        via_client = lazy_rich_phase_diagram(**SMALL, executor=dask_client)
    via_executor = lazy_rich_phase_diagram(**SMALL, executor=dask_client.get_executor(pure=False))
    _assert_identical(via_client, serial)
    _assert_identical(via_executor, serial)
    assert len(stream.data) >= 3  # the rows ran as tasks on the cluster
