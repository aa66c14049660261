"""Lazy re-exports for package ``__init__`` modules.

Names whose modules import numba are exported lazily, so that ``import sims`` stays
numpy/scipy only: the module is imported on first attribute access, and the value is then
stored in the package namespace. ``dir(package)`` (and so tab completion) lists them before
they are loaded.
"""

from __future__ import annotations

import importlib
import sys
from typing import Callable, Mapping


def lazy_exports(package: str, lazy: Mapping[str, str]) -> tuple[Callable[[str], object], Callable[[], list]]:
    """Module-level ``__getattr__`` and ``__dir__`` for a package with lazily loaded names.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    lazy : mapping of str to str
        Public name -> relative module (``"._gd"``) that defines it.

    Returns
    -------
    tuple of callable
        ``(__getattr__, __dir__)``, to be bound at the package's top level.
    """
    lazy = dict(lazy)

    def __getattr__(name: str):
        if name in lazy:
            value = getattr(importlib.import_module(lazy[name], package), name)
            setattr(sys.modules[package], name, value)     # later lookups skip this hook
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list:
        return sorted(set(vars(sys.modules[package])) | set(lazy))

    return __getattr__, __dir__
