"""Simulations of the lazy/rich single-neuron model and its extensions (Kunin et al. 2024).

Gradient flow (tight ``solve_ivp``) for the single neuron, wide linear and leaky-ReLU networks;
numba GD kernels (imported on first use, so ``import sims`` stays numpy/scipy only); NTK and
feature-learning measures; the lazy/rich phase diagram.
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_exports
from ._flow import GradientFlowResult as GradientFlowResult
from ._flow import ReluGradientFlowResult as ReluGradientFlowResult
from ._flow import WideGradientFlowResult as WideGradientFlowResult
from ._flow import gradient_flow as gradient_flow
from ._flow import gradient_flow_relu as gradient_flow_relu
from ._flow import gradient_flow_wide as gradient_flow_wide
from ._measures import hamming_distance as hamming_distance
from ._measures import kernel_distance_from_grams as kernel_distance_from_grams
from ._measures import ntk_gram as ntk_gram
from ._measures import parameter_distance as parameter_distance
from ._measures import relu_ntk_gram as relu_ntk_gram
from ._phase import delayed_rich_delta as delayed_rich_delta
from ._phase import lazy_rich_phase_diagram as lazy_rich_phase_diagram

# Public names whose modules import numba: loaded on first attribute access.
_LAZY = {
    "GradientDescentResult": "._gd",
    "ReluGradientDescentResult": "._gd_relu",
    "ReluSweepResult": "._torch_relu_sweep",
    "gradient_descent": "._gd",
    "gradient_descent_reference": "._gd",
    "gradient_descent_relu": "._gd_relu",
    "gradient_descent_relu_reference": "._gd_relu",
    "relu_sweep_torch": "._torch_relu_sweep",
}
__getattr__, __dir__ = lazy_exports(__name__, _LAZY)

if TYPE_CHECKING:  # the lazy names, for static tools (type checkers, IDEs, the API docs)
    from ._gd import GradientDescentResult as GradientDescentResult
    from ._gd import gradient_descent as gradient_descent
    from ._gd import gradient_descent_reference as gradient_descent_reference
    from ._gd_relu import ReluGradientDescentResult as ReluGradientDescentResult
    from ._gd_relu import gradient_descent_relu as gradient_descent_relu
    from ._gd_relu import gradient_descent_relu_reference as gradient_descent_relu_reference
    from ._torch_relu_sweep import ReluSweepResult as ReluSweepResult
    from ._torch_relu_sweep import relu_sweep_torch as relu_sweep_torch

__all__ = [
    "GradientDescentResult",
    "GradientFlowResult",
    "ReluGradientDescentResult",
    "ReluGradientFlowResult",
    "ReluSweepResult",
    "WideGradientFlowResult",
    "delayed_rich_delta",
    "gradient_descent",
    "gradient_descent_reference",
    "gradient_descent_relu",
    "gradient_descent_relu_reference",
    "gradient_flow",
    "gradient_flow_relu",
    "gradient_flow_wide",
    "hamming_distance",
    "kernel_distance_from_grams",
    "lazy_rich_phase_diagram",
    "ntk_gram",
    "parameter_distance",
    "relu_ntk_gram",
    "relu_sweep_torch",
]
