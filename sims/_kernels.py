"""Kernel/oracle twins, declared once, and the registry the common kernel tests run over.

A simulation is written once as a *driver* ``driver(core, *args, **kwargs)``: validation, set-up
and the assembly of the result, around a ``core`` that does the time stepping. The driver holds
the one signature, the one docstring and the defaults. :func:`simulation` turns it into

* the public function (``core`` = the numba kernel), with a keyword ``backend`` choosing the
  core: ``"numba"`` (default) or ``"numpy"`` (the plain-NumPy oracle, which performs the same
  floating-point operations in the same order and draws the same per-chain random numbers, so
  results agree bit for bit); a torch core can be added to ``backends`` later;
* ``function.reference``, the oracle as a function of its own (``backend="numpy"``), exported as
  ``<name>_reference``;
* a :class:`Simulation` record in the registry, with small named argument sets: ``"default"``
  (nothing diverges), ``"diverging"`` (some chain diverges) and any others worth checking.

``tests/sims/test_kernel_registry.py`` runs over :func:`kernel_registry`: kernel == oracle bit for
bit, the same result on 1 and 2 numba threads, no NaN returned, divergence reported.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

__all__ = ["BACKENDS", "Simulation", "kernel_registry", "simulation"]

#: Backends a simulation may declare, in order of preference.
BACKENDS = ("numba", "numpy", "torch")

_REGISTRY: dict[str, "Simulation"] = {}


def _any_diverged(result) -> np.ndarray:
    return np.asarray(result.diverged) > 0


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
        Core per backend name.
    cases : mapping of str to callable
        Name → zero-argument function returning ``(args, kwargs)``; must contain "default"
        (no chain diverges) and "diverging" (some chain diverges).
    diverged : callable
        ``diverged(result)`` → boolean array, True where a chain (or cell) diverged.
    """

    name: str
    function: Callable
    reference: Callable
    backends: Mapping[str, Callable]
    cases: Mapping[str, Callable[[], tuple]]
    diverged: Callable[[Any], np.ndarray] = field(default=_any_diverged)

    def run(self, case: str, backend: str = "numba"):
        """Run the named case on a backend."""
        args, kwargs = self.cases[case]()
        return self.function(*args, backend=backend, **kwargs)


def _as_backend(backend, backends) -> str:
    if not isinstance(backend, str) or backend not in backends:
        raise ValueError(f"backend must be one of {tuple(backends)}; got {backend!r}")
    return backend


_BACKEND_DOC = """    backend : {"numba", "numpy"}, default "numba"
        Core that runs the time loop: the numba kernel, or the plain-NumPy oracle (same
        results bit for bit, much slower; also available as ``<name>_reference``).
"""


def _with_backend_doc(doc: str) -> str:
    i = doc.find("\n\n    Returns\n")
    return doc if i < 0 else doc[:i + 1] + _BACKEND_DOC + doc[i + 1:]


def _reference_doc(name: str, doc: str) -> str:
    """The oracle's docstring: one summary, then the public function's Parameters onwards."""
    head = (f"Plain-NumPy oracle of :func:`{name}` (the same as ``{name}(..., backend=\"numpy\")``).\n\n"
            "    Same per-chain random streams and the same floating-point operations in the same\n"
            "    order as the numba kernel, vectorised over chains, so the results agree bit for\n"
            "    bit; slow: use it to check the kernel, not for sweeps.\n")
    i = doc.find("    Parameters\n")
    return head + ("\n" + doc[i:] if i >= 0 else "")


def simulation(theory: str, *, backends: Mapping[str, Callable], cases: Mapping[str, Callable],
               diverged: Callable | None = None):
    """Decorator declaring a simulation from its driver ``driver(core, *args, **kwargs)``.

    Returns the public function (same name, docstring and signature as the driver without
    ``core``, plus a keyword-only ``backend="numba"``), with ``.reference`` (the NumPy oracle)
    and ``.simulation`` (the registry record) attached.
    """
    unknown = set(backends) - set(BACKENDS)
    if unknown or "numba" not in backends or "numpy" not in backends:
        raise ValueError(f"backends must include 'numba' and 'numpy' and be among {BACKENDS}; "
                         f"got {sorted(backends)}")
    if "default" not in cases or "diverging" not in cases:
        raise ValueError("cases must include 'default' and 'diverging'")

    def wrap(driver):
        sig = inspect.signature(driver)
        params = list(sig.parameters.values())[1:]              # drop ``core``
        name = driver.__name__

        @functools.wraps(driver)
        def function(*args, backend="numba", **kwargs):
            return driver(backends[_as_backend(backend, backends)], *args, **kwargs)

        backend_param = inspect.Parameter("backend", inspect.Parameter.KEYWORD_ONLY, default="numba")
        function.__signature__ = sig.replace(parameters=params + [backend_param])
        function.__doc__ = _with_backend_doc(driver.__doc__ or "")
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
                            diverged=diverged or _any_diverged)
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
