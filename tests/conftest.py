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
