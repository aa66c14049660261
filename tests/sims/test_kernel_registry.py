"""Common checks over every registered simulation kernel (``sims._kernels.kernel_registry``).

For every kernel and each of its declared cases: the numba kernel and its plain-NumPy oracle
return bit-identical results (same per-chain random streams, same floating-point operations in
the same order, libm for transcendental functions in both), the result does not depend on the
number of numba threads, no NaN is returned, and divergence is reported: the "diverging" case
flags some chain and the "default" case none. Theory-specific checks (outcomes against the
theory, which chain diverges and when) stay in the per-theory test files.

Torch twins: every simulation with a torch core runs each case on torch's CPU and is compared
with the numba kernel as it declares (``Simulation.torch_comparison``: the same trajectory to a
tolerance derived from float64 rounding, or the same statistics within k standard errors; bit
identity is not expected across backends); no NaN is returned and divergence is reported there
too. CI installs torch==2.13.0 and sets DLTHEORY_REQUIRE_TORCH=1, so these fail there instead of
skipping; elsewhere they skip without torch.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import subprocess
import sys

import numba
import numpy as np
import pytest

import sims._torch as bridge
from sims._kernels import BACKENDS, COMPARISONS, kernel_registry
from theory.catalog import implemented_theories

REGISTRY = kernel_registry()
CASES = [(name, case) for name, sim in REGISTRY.items() for case in sim.cases]
TORCH = sorted(name for name, sim in REGISTRY.items() if "torch" in sim.backends)
TORCH_CASES = [(name, case) for name in TORCH for case in REGISTRY[name].cases]

REQUIRED = os.environ.get("DLTHEORY_REQUIRE_TORCH") == "1"


def _need_torch():
    """The guard of tests/sims/test_torch_bridge.py, per test (the numba checks above run without torch)."""
    if not bridge.torch_available():
        if REQUIRED:
            raise RuntimeError("DLTHEORY_REQUIRE_TORCH=1 but torch is not installed (pip install torch==2.13.0)")
        pytest.skip("torch is not installed")


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
    assert {"numba", "numpy"} <= set(sim.backends) <= set(BACKENDS)
    # a torch core comes with its comparison, and only then
    assert ("torch" in sim.backends) == (sim.torch_comparison is not None)
    if sim.torch_comparison is not None:
        assert sim.torch_comparison.kind in COMPARISONS and sim.torch_comparison.tolerance
    # the docstring lists exactly the backends the function has
    doc = sim.function.__doc__
    listed = doc[doc.index("    backend : {") + len("    backend : {"):].split("}", 1)[0]
    assert listed == ", ".join(f'"{b}"' for b in sim.backends)
    bad = ["fortran", "numba:cpu", "numpy:0", "torch:"] + ([] if "torch" in sim.backends else ["torch", "torch:cpu"])
    for backend in bad:
        with pytest.raises(ValueError, match="backend must be one of"):
            sim.run("default", backend=backend)


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


# --------------------------------------------------------------------------------------------
# torch twins


@pytest.fixture(scope="module")
def torch_runs():
    """Each (simulation, case) with a torch core run once on torch's CPU, shared by the tests."""
    cache = {}

    def get(name, case):
        if (name, case) not in cache:
            cache[name, case] = REGISTRY[name].run(case, backend="torch:cpu")
        return cache[name, case]
    return get


@pytest.mark.parametrize("name,case", TORCH_CASES)
def test_torch_core_agrees_with_numba_as_declared(name, case, runs, torch_runs):
    _need_torch()
    sim = REGISTRY[name]
    problems = sim.compare_torch(case, runs(name, case), torch_runs(name, case))
    assert not problems, f"{name} [{case}], {sim.torch_comparison.kind}: " + "; ".join(problems)


@pytest.mark.parametrize("name", TORCH)
def test_torch_comparison_can_fail(name, runs):
    # the comparison is not vacuous: the default case against the diverging one disagrees
    problems = REGISTRY[name].compare_torch("default", runs(name, "default"), runs(name, "diverging"))
    assert problems


@pytest.mark.parametrize("name,case", TORCH_CASES)
def test_torch_core_returns_no_nan(name, case, torch_runs):
    _need_torch()
    for path, arr in _float_arrays(torch_runs(name, case)):
        assert not np.isnan(arr).any(), path


@pytest.mark.parametrize("name", TORCH)
def test_torch_core_reports_divergence(name, torch_runs):
    _need_torch()
    sim = REGISTRY[name]
    assert not sim.diverged(torch_runs(name, "default")).any(), "the default case must not diverge"
    assert sim.diverged(torch_runs(name, "diverging")).any(), "the diverging case must report divergence"


@pytest.mark.parametrize("name", TORCH)
def test_torch_backend_names_a_bad_device(name):
    _need_torch()
    with pytest.raises(ValueError, match="backend='torch:tpu': device must be one of"):
        REGISTRY[name].run("default", backend="torch:tpu")


def test_registry_imports_no_torch_and_its_torch_backend_says_how_to_install():
    # discovery imports every sims module, none of which imports torch at the top; without torch,
    # backend="torch" raises the install hint (a child process where torch cannot be imported)
    if not TORCH:
        pytest.skip("no simulation declares a torch core")
    name = TORCH[0]
    code = ("import sys\n"
            "from sims._kernels import kernel_registry\n"
            "reg = kernel_registry()\n"
            "print('torch' in sys.modules)\n"
            "class Block:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name.split('.')[0] == 'torch':\n"
            "            raise ImportError('no torch here')\n"
            "sys.meta_path.insert(0, Block())\n"
            f"try:\n    reg[{name!r}].run('default', backend='torch')\nexcept ImportError as e:\n    print(e)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    first, _, rest = out.stdout.partition("\n")
    assert first == "False"
    assert "pip install torch==2.13.0" in rest


@pytest.mark.gpu
@pytest.mark.parametrize("name,case", TORCH_CASES)
def test_torch_core_on_cuda_agrees_with_numba_as_declared(name, case, runs):
    # the same comparison on a GPU (its float64 reductions are in yet another order; same bound)
    _need_torch()
    import torch

    if not torch.cuda.is_available():
        pytest.skip("needs CUDA")
    sim = REGISTRY[name]
    result = sim.run(case, backend="torch:cuda")
    problems = sim.compare_torch(case, runs(name, case), result)
    assert not problems, f"{name} [{case}] on CUDA: " + "; ".join(problems)
    for path, arr in _float_arrays(result):
        assert not np.isnan(arr).any(), path
