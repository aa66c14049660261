r"""Lazy vs rich learning in the minimal two-layer model (Kunin et al. 2024, arXiv 2406.06158).

Single neuron f(x) = a·wᵀx with layer learning rates: conserved quantity, exact gradient-flow
solution (whitened input), limits, basins and sign flips, kernel distance (``_exact``); the
mirror potential $\Phi_\delta$, its mirror map and inverse (``_mirror``); implicit bias for general X as a
Bregman projection, and its limits (``_implicit_bias``); independent cross-check
parametrisations: the (μ, φ) ODE and Riccati/Bernoulli solution (``_riccati``), the balanced
δ = 0 form, Saxe's sigmoid and hyperbolic angles (``_balanced``), sharing the trajectory record
(``_trajectory``); wide, deep and ReLU extensions (``_wide``).
"""

from ._balanced import HyperbolicPoint as HyperbolicPoint
from ._balanced import alignment_from_hyperbolic_angle as alignment_from_hyperbolic_angle
from ._balanced import balanced_solution as balanced_solution
from ._balanced import from_hyperbolic_angle as from_hyperbolic_angle
from ._balanced import hyperbolic_angle as hyperbolic_angle
from ._balanced import saxe_escape_time as saxe_escape_time
from ._balanced import saxe_sigmoid as saxe_sigmoid
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
from ._implicit_bias import ConvexImplicitBiasResult as ConvexImplicitBiasResult
from ._implicit_bias import downstream_limit_bias as downstream_limit_bias
from ._implicit_bias import implicit_bias as implicit_bias
from ._implicit_bias import implicit_bias_cvxpy as implicit_bias_cvxpy
from ._implicit_bias import implicit_bias_nlp as implicit_bias_nlp
from ._implicit_bias import lazy_limit_bias as lazy_limit_bias
from ._implicit_bias import rank1_implicit_bias as rank1_implicit_bias
from ._mirror import inverse_mirror_map as inverse_mirror_map
from ._mirror import mirror_potential as mirror_potential
from ._mirror import mirror_potential_grad as mirror_potential_grad
from ._riccati import flips_sign_riccati as flips_sign_riccati
from ._riccati import mu_phi_rhs as mu_phi_rhs
from ._riccati import riccati_fixed_points as riccati_fixed_points
from ._riccati import riccati_nu as riccati_nu
from ._riccati import riccati_pole_time as riccati_pole_time
from ._riccati import solution_via_riccati as solution_via_riccati
from ._trajectory import NeuronTrajectory as NeuronTrajectory
from ._types import Crossing as Crossing
from ._wide import DeltaBalancedFactors as DeltaBalancedFactors
from ._wide import ModeSolution as ModeSolution
from ._wide import WideWeights as WideWeights
from ._wide import conserved_matrix as conserved_matrix
from ._wide import deep_linear_conserved as deep_linear_conserved
from ._wide import delta_balanced_factors as delta_balanced_factors
from ._wide import delta_balanced_weights as delta_balanced_weights
from ._wide import hyperbolic_entropy as hyperbolic_entropy
from ._wide import hyperbolic_entropy_grad as hyperbolic_entropy_grad
from ._wide import hyperbolic_entropy_hessian as hyperbolic_entropy_hessian
from ._wide import mode_dynamics_rhs as mode_dynamics_rhs
from ._wide import mode_solution as mode_solution
from ._wide import relu_delta as relu_delta
from ._wide import relu_init_scale as relu_init_scale

__all__ = [
    "ConvexImplicitBiasResult",
    "Crossing",
    "DeltaBalancedFactors",
    "ExactSolution",
    "HyperbolicPoint",
    "LimitPrediction",
    "ModeSolution",
    "NeuronTrajectory",
    "WideWeights",
    "alignment",
    "alignment_from_hyperbolic_angle",
    "balanced_solution",
    "conserved_delta",
    "conserved_matrix",
    "deep_linear_conserved",
    "delta_balanced_factors",
    "delta_balanced_weights",
    "downstream_limit_bias",
    "exact_solution",
    "flips_sign_riccati",
    "from_hyperbolic_angle",
    "function_space_metric",
    "hyperbolic_angle",
    "hyperbolic_entropy",
    "hyperbolic_entropy_grad",
    "hyperbolic_entropy_hessian",
    "implicit_bias",
    "implicit_bias_cvxpy",
    "implicit_bias_nlp",
    "init_from_beta",
    "inverse_mirror_map",
    "kernel_distance",
    "lazy_limit_bias",
    "limit_prediction",
    "mirror_potential",
    "mirror_potential_grad",
    "mode_dynamics_rhs",
    "mode_solution",
    "mu_phi_rhs",
    "rank1_implicit_bias",
    "relaxation_rates",
    "relu_delta",
    "relu_init_scale",
    "riccati_fixed_points",
    "riccati_nu",
    "riccati_pole_time",
    "saxe_escape_time",
    "saxe_sigmoid",
    "signed_magnitude",
    "solution_via_riccati",
]
