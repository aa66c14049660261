"""Lazy vs rich learning in the minimal two-layer model (Kunin et al. 2024, arXiv 2406.06158)."""

from ._exact import ExactSolution as ExactSolution
from ._exact import LimitPrediction as LimitPrediction
from ._exact import alignment as alignment
from ._exact import conserved_delta as conserved_delta
from ._exact import exact_solution as exact_solution
from ._exact import function_space_metric as function_space_metric
from ._exact import init_from_beta as init_from_beta
from ._exact import kernel_distance as kernel_distance
from ._exact import limit_prediction as limit_prediction
from ._exact import relaxation_rates as relaxation_rates
from ._exact import signed_magnitude as signed_magnitude
from ._types import Crossing as Crossing

__all__ = [
    "Crossing",
    "ExactSolution",
    "LimitPrediction",
    "alignment",
    "conserved_delta",
    "exact_solution",
    "function_space_metric",
    "init_from_beta",
    "kernel_distance",
    "limit_prediction",
    "relaxation_rates",
    "signed_magnitude",
]
