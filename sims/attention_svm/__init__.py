"""Simulations of one-layer softmax attention (Tarzanagh et al. 2023; Vasudeva et al. 2024).

GD, normalised GD and Polyak steps on W, GD and normalised GD on (K, Q) (numba kernels with NumPy oracles on the shared engine,
the gradient through the cancellation-free primitive of ``theory/softmax.py``; imported on first
use so ``import sims`` stays numpy/scipy only). ``_figure_data``, ``_plots``, ``_figures``: the
registered figures. ``_bench``: solves and kernel vs oracle.
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

# Public names whose module imports numba: loaded on first use.
_LAZY = {
    "AttentionHistory": "._train",
    "AttentionRun": "._train",
    "gradient_descent": "._train",
    "gradient_descent_reference": "._train",
    "kq_gradient_descent": "._train",
    "kq_gradient_descent_reference": "._train",
    "normalized_gradient_descent": "._train",
    "normalized_gradient_descent_reference": "._train",
    "polyak_gradient_descent": "._train",
    "polyak_gradient_descent_reference": "._train",
}
__getattr__, __dir__ = lazy_exports(__name__, _LAZY)

if TYPE_CHECKING:  # the lazy names, for static tools
    from ._train import AttentionHistory as AttentionHistory
    from ._train import AttentionRun as AttentionRun
    from ._train import gradient_descent as gradient_descent
    from ._train import gradient_descent_reference as gradient_descent_reference
    from ._train import kq_gradient_descent as kq_gradient_descent
    from ._train import kq_gradient_descent_reference as kq_gradient_descent_reference
    from ._train import normalized_gradient_descent as normalized_gradient_descent
    from ._train import normalized_gradient_descent_reference as normalized_gradient_descent_reference
    from ._train import polyak_gradient_descent as polyak_gradient_descent
    from ._train import polyak_gradient_descent_reference as polyak_gradient_descent_reference

__all__ = [
    "AttentionHistory", "AttentionRun", "gradient_descent", "gradient_descent_reference", "kq_gradient_descent",
    "kq_gradient_descent_reference", "normalized_gradient_descent", "normalized_gradient_descent_reference",
    "polyak_gradient_descent", "polyak_gradient_descent_reference",
]
