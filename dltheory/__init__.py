"""dltheory: deep-learning theorems made executable.

The package is three layers, each importable on its own::

    import theory        # what the theorems predict (closed forms, sympy, convex programs)
    import sims          # what training does (gradient flow, SGD kernels, phase diagrams, figures)
    import proofs_check  # do they agree? (claims, reports, ``dltheory verify``)

``import dltheory`` gives the version and the three layers as attributes (``dltheory.theory``,
...), and ``dltheory.THEORIES`` is the catalogue of covered results.
"""

from importlib.metadata import PackageNotFoundError as _PackageNotFoundError
from importlib.metadata import version as _version

import proofs_check as proofs_check
import sims as sims
import theory as theory
from theory.catalog import THEORIES as THEORIES

try:
    __version__ = _version("dltheory")
except _PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "unknown"

__all__ = ["THEORIES", "__version__", "proofs_check", "sims", "theory"]
