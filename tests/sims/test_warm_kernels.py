"""``sims.warm_kernels``: compile the phase-diagram sweeps' kernels once per worker (docs/cluster.md)."""

import math

import pytest

import sims
from sims.phase import _WARM_UP
from theory.catalog import phase_systems


def test_every_phase_system_says_what_to_warm():
    # a new phase system must list its smallest simulating sweeps (or none, with the reason)
    assert set(_WARM_UP) == set(phase_systems())


def test_each_warm_up_is_one_tiny_task():
    for system, runs in _WARM_UP.items():
        for kwargs in runs:
            assert all(len(v) == 1 for k, v in kwargs.items() if k.endswith("_values")), (system, kwargs)


def test_warm_kernels_reports_seconds_per_system():
    seconds = sims.warm_kernels()
    assert set(seconds) == set(phase_systems())
    assert all(math.isfinite(s) and s >= 0 for s in seconds.values())


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_warm_kernels_runs_on_every_dask_worker(dask_client):
    per_worker = dask_client.run(sims.warm_kernels)
    assert len(per_worker) == 2
    assert all(set(s) == set(phase_systems()) for s in per_worker.values())
