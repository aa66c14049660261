"""Common checks over every registered simulation kernel (``sims._kernels.kernel_registry``).

For every kernel and each of its declared cases: the numba kernel and its plain-NumPy oracle
return bit-identical results (same per-chain random streams, same floating-point operations in
the same order, libm for transcendental functions in both), the result does not depend on the
number of numba threads, no NaN is returned, and divergence is reported: the "diverging" case
flags some chain and the "default" case none. Theory-specific checks (outcomes against the
theory, which chain diverges and when) stay in the per-theory test files.
"""

from __future__ import annotations

import dataclasses
import importlib

import numba
import numpy as np
import pytest

from sims._kernels import kernel_registry
from theory.catalog import implemented_theories

REGISTRY = kernel_registry()
CASES = [(name, case) for name, sim in REGISTRY.items() for case in sim.cases]


def _with_threads(n, fn):
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
        return fn()
    finally:
        numba.set_num_threads(before)


def _assert_identical(a, b, path="result"):
    """Equal to the last bit: arrays by value, dtype and shape; dataclasses field by field."""
    if dataclasses.is_dataclass(a):
        assert type(a) is type(b), path
        for f in dataclasses.fields(a):
            _assert_identical(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
    elif isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape, path
        np.testing.assert_array_equal(a, b, err_msg=path, strict=True)
    elif isinstance(a, (tuple, list)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_identical(x, y, f"{path}[{i}]")
    else:
        assert a == b or (a != a and b != b), path


def _float_arrays(result, path="result"):
    for f in dataclasses.fields(result):
        v = getattr(result, f.name)
        if dataclasses.is_dataclass(v):
            yield from _float_arrays(v, f"{path}.{f.name}")
        elif isinstance(v, np.ndarray) and v.dtype.kind == "f":
            yield f"{path}.{f.name}", v
        elif isinstance(v, float):
            yield f"{path}.{f.name}", np.asarray(v)


@pytest.fixture(scope="module")
def runs():
    """Each (kernel, case) run once on the default numba backend, shared by the tests."""
    cache = {}

    def get(name, case):
        if (name, case) not in cache:
            cache[name, case] = REGISTRY[name].run(case)
        return cache[name, case]
    return get


def test_registry_covers_every_public_kernel():
    # every public ``<f>_reference`` oracle of every theory's sims package has its kernel
    # registered (so a new kernel/oracle pair cannot skip these checks)
    registered = {sim.function.__name__ for sim in REGISTRY.values()}
    assert registered, "no kernel registered"
    for theory in implemented_theories():
        package = importlib.import_module(f"sims.{theory}")
        for public in package.__all__:
            if public.endswith("_reference"):
                base = public[: -len("_reference")]
                assert base in registered, f"sims.{theory}.{base} is not a registered kernel"
                fn = getattr(package, base)
                assert getattr(package, public) is fn.reference, public


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_declaration(name):
    sim = REGISTRY[name]
    assert {"default", "diverging"} <= set(sim.cases)
    assert {"numba", "numpy"} <= set(sim.backends)
    with pytest.raises(ValueError, match="backend"):
        sim.run("default", backend="fortran")


@pytest.mark.parametrize("name,case", CASES)
def test_kernel_equals_oracle_bit_for_bit(name, case, runs):
    _assert_identical(runs(name, case), REGISTRY[name].run(case, backend="numpy"))


@pytest.mark.parametrize("name,case", CASES)
def test_same_result_on_one_and_two_threads(name, case, runs):
    one = _with_threads(1, lambda: REGISTRY[name].run(case))
    two = _with_threads(2, lambda: REGISTRY[name].run(case))
    _assert_identical(one, two)
    _assert_identical(one, runs(name, case))


@pytest.mark.parametrize("name,case", CASES)
def test_no_nan_returned(name, case, runs):
    for path, arr in _float_arrays(runs(name, case)):
        assert not np.isnan(arr).any(), path


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_divergence_is_reported(name, runs):
    sim = REGISTRY[name]
    assert not sim.diverged(runs(name, "default")).any(), "the default case must not diverge"
    assert sim.diverged(runs(name, "diverging")).any(), "the diverging case must report divergence"
