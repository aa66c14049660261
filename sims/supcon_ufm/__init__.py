"""Simulations of the supervised-contrastive UFM (Behnia & Thrampoulidis 2024): Riemannian gradient
descent on products of spheres (numba kernel + NumPy oracle, imported on first use so ``import sims``
stays numpy/scipy only), L-BFGS on spheres (SciPy), figure data and plots.
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_exports
from ._run import SCRun as SCRun
from ._run import default_checkpoints as default_checkpoints
from ._run import random_features as random_features

# Public names whose modules import numba: loaded on first use.
_LAZY = {
    "LBFGSRun": "._lbfgs",
    "lbfgs_spheres": "._lbfgs",
    "riemannian_gd": "._train",
    "riemannian_gd_reference": "._train",
}
__getattr__, __dir__ = lazy_exports(__name__, _LAZY)

if TYPE_CHECKING:  # the lazy names, for static tools (type checkers, IDEs, the API docs)
    from ._lbfgs import LBFGSRun as LBFGSRun
    from ._lbfgs import lbfgs_spheres as lbfgs_spheres
    from ._train import riemannian_gd as riemannian_gd
    from ._train import riemannian_gd_reference as riemannian_gd_reference

__all__ = ["LBFGSRun", "SCRun", "default_checkpoints", "lbfgs_spheres", "random_features", "riemannian_gd",
           "riemannian_gd_reference"]
