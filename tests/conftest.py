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


# --------------------------------------------------------------------------------------------
# The quick pass: ``pytest -m "not slow"`` (``./run.sh test -m "not slow"``) skips tests marked
# ``slow`` (more than ~1 s each on a loaded 2-core machine, or a large parametrised family).
# Tests mark themselves with ``@pytest.mark.slow``; the files below belong to parts of the code
# that are being rewritten in parallel, so their slow tests are listed here by function name
# ("*": the whole file) until the files carry the mark themselves. A listed name that no longer exists in its
# (collected) file is an error, so the list cannot go stale silently.
# --------------------------------------------------------------------------------------------

SLOW_ELSEWHERE = {
    # every test here draws a figure or computes its data (module fixtures of seconds each)
    "tests/sims/test_sgd_stability_figures.py": "*",
}


import pytest  # noqa: E402


def _whole_file_collected(config, path):
    """True if ``path`` was collected as a whole (not named by node id or filtered by -k)."""
    if config.getoption("keyword"):
        return False
    root = config.rootpath
    for arg in config.args or ["tests"]:
        if "::" in arg:
            continue
        try:
            rel = (config.invocation_params.dir / arg).resolve().relative_to(root).as_posix()
        except ValueError:
            continue
        if path == rel or path.startswith(rel.rstrip("/") + "/") or rel == ".":
            return True
    return False


@pytest.hookimpl(tryfirst=True)  # before -m/-k deselect, so the marks count
def pytest_collection_modifyitems(config, items):
    seen = {}
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        names = SLOW_ELSEWHERE.get(path)
        if names is None:
            continue
        fn = getattr(item, "originalname", None) or item.name.split("[", 1)[0]
        seen.setdefault(path, set()).add(fn)
        if names == "*" or fn in names:
            item.add_marker(pytest.mark.slow)
    for path, fns in seen.items():
        stale = set() if SLOW_ELSEWHERE[path] == "*" else SLOW_ELSEWHERE[path] - fns
        if stale and _whole_file_collected(config, path):
            raise pytest.UsageError(f"tests/conftest.py SLOW_ELSEWHERE lists {sorted(stale)} in {path}, "
                                    "which has no such test any more")
