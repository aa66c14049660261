"""Shared pytest configuration.

Hypothesis profiles: ``ci`` (the default) is derandomised, so a run on a fresh clone draws the
same examples as every earlier run and a property test cannot flake; ``explore`` draws fresh
random examples on every run (each test keeps its own ``max_examples``), to hunt for new
counterexamples::

    HYPOTHESIS_PROFILE=explore ./run.sh test

A counterexample found that way is added to the test as an explicit ``@example``.
"""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# The quick pass is ``pytest -m "not slow"`` (``./run.sh test -m "not slow"``): tests of more than
# ~1 s each on a loaded 2-core machine, or large parametrised families, carry ``@pytest.mark.slow``
# (a whole file: ``pytestmark = pytest.mark.slow``).


# ---------------------------------------------------------------------------------------------
# A real Dask cluster for the sweep tests (docs/cluster.md): 2 worker processes on loopback (its
# HTTP endpoint on a free loopback port). CI sets DLTHEORY_REQUIRE_DASK=1, so a missing dask fails there instead of skipping.

import pytest  # noqa: E402


def require_distributed():
    """``distributed``, or a skip (a failure when DLTHEORY_REQUIRE_DASK=1)."""
    try:
        import distributed
    except ImportError:
        if os.environ.get("DLTHEORY_REQUIRE_DASK") == "1":
            pytest.fail("DLTHEORY_REQUIRE_DASK=1 but dask[distributed] is not installed")
        pytest.skip("dask[distributed] is not installed (pip install 'dask[distributed]')")
    return distributed


@pytest.fixture(scope="module")
def dask_client():
    """A ``distributed.Client`` on a 2-process ``LocalCluster``; the environment is restored after.

    Dask's in-process nanny writes OMP_NUM_THREADS and friends into this process's ``os.environ``
    when it starts workers; the saved copy is put back after the start and after the tests.
    """
    distributed = require_distributed()
    saved = dict(os.environ)
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address="127.0.0.1:0")  # loopback, any free port: no clash with 8787
    try:
        client = distributed.Client(cluster)
        try:
            client.wait_for_workers(2, timeout=120)
            _restore_environ(saved)
            yield client
        finally:
            client.close()
    finally:
        cluster.close()
        _restore_environ(saved)


def _restore_environ(saved):
    os.environ.clear()
    os.environ.update(saved)
