"""Kernel/oracle twins, declared once, and the registry the common kernel tests run over.

A simulation is written once as a *driver* ``driver(core, *args, **kwargs)``: validation, set-up
and the assembly of the result, around a ``core`` that does the time stepping. The driver holds
the one signature, the one docstring and the defaults. :func:`simulation` turns it into

* the public function (``core`` = the numba kernel), with a keyword ``backend`` choosing the
  core: ``"numba"`` (default) or ``"numpy"`` (the plain-NumPy oracle, which performs the same
  floating-point operations in the same order and draws the same per-chain random numbers, so
  results agree bit for bit); where the simulation declares one, ``"torch"`` (the torch core on
  device "auto") or ``"torch:<device>"`` (``"torch:cpu"``, ``"torch:cuda"``, ``"torch:cuda:N"``);
* ``function.reference``, the oracle as a function of its own (``backend="numpy"``), exported as
  ``<name>_reference``;
* a :class:`Simulation` record in the registry, with small named argument sets: ``"default"``
  (nothing diverges), ``"diverging"`` (some chain diverges) and any others worth checking.

``tests/sims/test_kernel_registry.py`` runs over :func:`kernel_registry`: kernel == oracle bit for
bit, the same result on 1 and 2 numba threads, no NaN returned, divergence reported.

Torch cores are optional (numba and numpy stay required). Bit identity is not expected across
backends: torch reduces sums in its own (BLAS) order and, for stochastic simulations, draws its
own random numbers. So a simulation with a torch core declares how the two are compared, a
:class:`TorchComparison`: ``"deterministic"`` (the same trajectory, to a tolerance derived from
float64 rounding over the run) or ``"statistical"`` (the same statistics within k standard
errors). The torch core is called as ``core(*args, device=<torch.device>)``; torch is imported
only when the torch backend is chosen (:func:`sims._torch.require_torch`, whose ``ImportError``
says how to install it), so ``import sims`` never imports it.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

__all__ = ["BACKENDS", "COMPARISONS", "Simulation", "TorchComparison", "kernel_registry", "simulation"]

#: Backends a simulation may declare, in order of preference.
BACKENDS = ("numba", "numpy", "torch")

#: How a torch core may be compared with the numba kernel.
COMPARISONS = ("deterministic", "statistical")

_REGISTRY: dict[str, "Simulation"] = {}


def _any_diverged(result) -> np.ndarray:
    return np.asarray(result.diverged) > 0


@dataclass(frozen=True)
class TorchComparison:
    """How the results of a simulation's torch core are compared with its numba kernel's.

    Attributes
    ----------
    kind : {"deterministic", "statistical"}
        "deterministic": the same trajectory up to rounding (torch sums in BLAS order);
        "statistical": torch draws its own random numbers, so the statistics agree within
        k standard errors.
    compare : callable
        ``compare(numba_result, torch_result, args, kwargs)`` → list of str, one line per
        disagreement (empty when they agree), for the case's arguments ``(args, kwargs)``.
    tolerance : str
        The tolerance and the reason for it, in words (shown when the comparison fails).
    """

    kind: str
    compare: Callable[[Any, Any, tuple, dict], list]
    tolerance: str

    def __post_init__(self):
        if self.kind not in COMPARISONS:
            raise ValueError(f"kind must be one of {COMPARISONS}; got {self.kind!r}")
        if not callable(self.compare):
            raise ValueError("compare must be callable")


@dataclass(frozen=True)
class Simulation:
    """One registered simulation: its public function, its cores and its test cases.

    Attributes
    ----------
    name : str
        ``"<theory>.<function name>"``.
    function : callable
        The public function (``backend`` keyword selects the core).
    reference : callable
        The oracle, ``function(..., backend="numpy")``.
    backends : mapping of str to callable
        Core per backend name ("numba" and "numpy" always; "torch" where there is a torch core).
    cases : mapping of str to callable
        Name → zero-argument function returning ``(args, kwargs)``; must contain "default"
        (no chain diverges) and "diverging" (some chain diverges).
    diverged : callable
        ``diverged(result)`` → boolean array, True where a chain (or cell) diverged.
    torch_comparison : TorchComparison or None
        How the torch core is compared with the numba kernel; None when there is no torch core.
    """

    name: str
    function: Callable
    reference: Callable
    backends: Mapping[str, Callable]
    cases: Mapping[str, Callable[[], tuple]]
    diverged: Callable[[Any], np.ndarray] = field(default=_any_diverged)
    torch_comparison: TorchComparison | None = None

    def run(self, case: str, backend: str = "numba"):
        """Run the named case on a backend (``"torch:cpu"`` and the like for the torch core)."""
        args, kwargs = self.cases[case]()
        return self.function(*args, backend=backend, **kwargs)

    def compare_torch(self, case: str, numba_result, torch_result) -> list:
        """Disagreements (list of str, empty if none) between the numba and torch results of ``case``."""
        if self.torch_comparison is None:
            raise ValueError(f"{self.name} has no torch core")
        args, kwargs = self.cases[case]()
        return list(self.torch_comparison.compare(numba_result, torch_result, args, kwargs))


def _backend_names(backends) -> tuple:
    return tuple(backends) + (("torch:<device>",) if "torch" in backends else ())


def _core(backend, backends) -> Callable:
    """The core a ``backend`` string selects; for torch, bound to its resolved device."""
    if isinstance(backend, str):
        name, sep, device = backend.partition(":")
        if name in backends and name != "torch" and not sep:
            return backends[name]
        if name == "torch" and "torch" in backends and (device or not sep):
            from ._torch import resolve_device  # imports torch (or raises the install hint)

            try:
                dev = resolve_device(device or "auto")
            except ValueError as exc:
                raise ValueError(f"backend={backend!r}: {exc}") from None
            return functools.partial(backends["torch"], device=dev)
    raise ValueError(f"backend must be one of {_backend_names(backends)}; got {backend!r}")


def _backend_doc(backends, comparison) -> str:
    names = ", ".join(f'"{b}"' for b in backends)
    doc = (f"    backend : {{{names}}}, default \"numba\"\n"
           "        Core that runs the time loop: the numba kernel, or the plain-NumPy oracle (same\n"
           "        results bit for bit, much slower; also available as ``<name>_reference``)")
    if "torch" in backends:
        same = ("the same result to rounding, not bit for bit: torch sums in its own order"
                if comparison.kind == "deterministic" else
                "the same statistics, not the same draws: torch draws its own random numbers")
        doc += (";\n        or the torch core, on device \"auto\" (CUDA when available) or the one named by\n"
                "        ``\"torch:cpu\"``, ``\"torch:cuda\"``, ``\"torch:cuda:N\"`` (needs PyTorch; float64;\n"
                f"        {same})")
    return doc + ".\n"


def _with_backend_doc(doc: str, backends, comparison=None) -> str:
    i = doc.find("\n\n    Returns\n")
    return doc if i < 0 else doc[:i + 1] + _backend_doc(backends, comparison) + doc[i + 1:]


def _reference_doc(name: str, doc: str) -> str:
    """The oracle's docstring: one summary, then the public function's Parameters onwards."""
    head = (f"Plain-NumPy oracle of :func:`{name}` (the same as ``{name}(..., backend=\"numpy\")``).\n\n"
            "    Same per-chain random streams and the same floating-point operations in the same\n"
            "    order as the numba kernel, vectorised over chains, so the results agree bit for\n"
            "    bit; slow: use it to check the kernel, not for sweeps.\n")
    i = doc.find("    Parameters\n")
    return head + ("\n" + doc[i:] if i >= 0 else "")


def simulation(theory: str, *, backends: Mapping[str, Callable], cases: Mapping[str, Callable],
               diverged: Callable | None = None, torch_comparison: TorchComparison | None = None):
    """Decorator declaring a simulation from its driver ``driver(core, *args, **kwargs)``.

    Returns the public function (same name, docstring and signature as the driver without
    ``core``, plus a keyword-only ``backend="numba"``), with ``.reference`` (the NumPy oracle)
    and ``.simulation`` (the registry record) attached. A ``"torch"`` entry of ``backends`` is
    optional and needs ``torch_comparison``, the :class:`TorchComparison` the common tests apply to it.
    """
    unknown = set(backends) - set(BACKENDS)
    if unknown or "numba" not in backends or "numpy" not in backends:
        raise ValueError(f"backends must include 'numba' and 'numpy' and be among {BACKENDS}; "
                         f"got {sorted(backends)}")
    if ("torch" in backends) != (torch_comparison is not None):
        raise ValueError("a 'torch' backend and torch_comparison (a TorchComparison) come together")
    if torch_comparison is not None and not isinstance(torch_comparison, TorchComparison):
        raise ValueError(f"torch_comparison must be a TorchComparison; got {type(torch_comparison).__name__}")
    if "default" not in cases or "diverging" not in cases:
        raise ValueError("cases must include 'default' and 'diverging'")
    backends = {b: backends[b] for b in BACKENDS if b in backends}      # in order of preference

    def wrap(driver):
        sig = inspect.signature(driver)
        params = list(sig.parameters.values())[1:]              # drop ``core``
        name = driver.__name__

        @functools.wraps(driver)
        def function(*args, backend="numba", **kwargs):
            return driver(_core(backend, backends), *args, **kwargs)

        backend_param = inspect.Parameter("backend", inspect.Parameter.KEYWORD_ONLY, default="numba")
        function.__signature__ = sig.replace(parameters=params + [backend_param])
        function.__doc__ = _with_backend_doc(driver.__doc__ or "", backends, torch_comparison)
        del function.__wrapped__                                 # show the public signature

        @functools.wraps(driver)
        def reference(*args, **kwargs):
            return driver(backends["numpy"], *args, **kwargs)

        reference.__signature__ = sig.replace(parameters=params)
        del reference.__wrapped__
        reference.__name__ = reference.__qualname__ = f"{name}_reference"
        reference.__doc__ = _reference_doc(name, driver.__doc__ or "")

        record = Simulation(name=f"{theory}.{name}", function=function, reference=reference,
                            backends=dict(backends), cases=dict(cases),
                            diverged=diverged or _any_diverged,
                            torch_comparison=torch_comparison)
        function.reference = reference
        function.simulation = record
        _REGISTRY[record.name] = record
        return function

    return wrap


def kernel_registry() -> dict[str, Simulation]:
    """Every declared simulation, by name, after importing each theory's ``sims`` modules.

    Discovery, not a list: every module of ``sims.<theory>`` for the theories of
    :mod:`theory.catalog` is imported, so a simulation declared anywhere there is registered.
    """
    from theory.catalog import implemented_theories

    for theory in implemented_theories():
        package = importlib.import_module(f"sims.{theory}")
        for info in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"sims.{theory}.{info.name}")
    return dict(sorted(_REGISTRY.items()))
