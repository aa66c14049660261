"""The Examples sections of the public docstrings run as doctests.

Every routine or class listed in the ``__all__`` of a public module of theory/, sims/ and
proofs_check/ (the same surface as tests/test_public_api.py) is searched with
:class:`doctest.DocTestFinder`; functions wrapped by ``theory.validate.guard_numerics`` are
unwrapped (``inspect.unwrap``) so their examples run against the module they are defined in.
Each docstring with examples is one test; the globals are that module's namespace, so an example
may call the function by its bare name, as the docstring reads. Outputs are written so that they
do not depend on the numpy version (``.tolist()``, ``bool(...)``, ``round(x, 6)``).
"""

from __future__ import annotations

import doctest
import importlib
import inspect
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("theory", "sims", "proofs_check")
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _public_modules():
    names = set()
    for top in PACKAGES:
        for path in (ROOT / top).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            if not any(part.startswith("_") for part in parts):
                names.add(".".join(parts))
    return sorted(names)


def _doctests():
    """One DocTest per public docstring that has examples, named by its public path."""
    finder = doctest.DocTestFinder(exclude_empty=True)
    seen, tests = set(), []
    for modname in _public_modules():
        mod = importlib.import_module(modname)
        for name in getattr(mod, "__all__", ()):
            obj = getattr(mod, name)
            if not (inspect.isroutine(obj) or inspect.isclass(obj)):
                continue
            obj = inspect.unwrap(obj)
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            home = inspect.getmodule(obj)
            globs = dict(vars(home)) if home is not None else {}
            globs.setdefault("np", np)
            for test in finder.find(obj, f"{modname}.{name}", module=home, globs=globs):
                if test.examples:
                    tests.append(test)
    return sorted(tests, key=lambda t: t.name)


DOCTESTS = _doctests()


def test_docstring_examples_are_collected():
    # the public API documents its main calls by example; a collector that finds none is broken
    assert len(DOCTESTS) >= 30, [t.name for t in DOCTESTS]


def test_examples_print_no_numpy_reprs():
    # numpy 2 prints scalars as np.float64(…) and array reprs change with the print options:
    # examples print Python objects (.tolist(), float(), bool(), round(x, k)) instead
    leaks = [(t.name, e.want) for t in DOCTESTS for e in t.examples
             if any(r in e.want for r in ("array(", "np.float", "np.int", "np.bool", "np.str"))]
    assert not leaks, leaks


@pytest.mark.parametrize("test", DOCTESTS, ids=[t.name for t in DOCTESTS])
def test_docstring_example(test):
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    lines = []
    with np.printoptions(precision=8, suppress=False, legacy=False):
        result = runner.run(test, out=lines.append, clear_globs=False)
    assert result.attempted == len(test.examples) and result.failed == 0, "".join(lines)
