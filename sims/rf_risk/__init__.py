"""Simulations of random-feature and kernel ridge regression (Simon et al. 2023).

Monte Carlo in the Gaussian model (exact test error, no test set), ReLU random features,
gradient descent on linear regression (Advani et al. 2017), the (n, k) risk phase diagram.
"""

from ._monte_carlo import MonteCarloRisk as MonteCarloRisk
from ._monte_carlo import ReluFeaturesRisk as ReluFeaturesRisk
from ._monte_carlo import arccos_kernel as arccos_kernel
from ._monte_carlo import monte_carlo_risk as monte_carlo_risk
from ._monte_carlo import relu_features_risk as relu_features_risk
from ._phase import rf_risk_phase_diagram as rf_risk_phase_diagram

__all__ = [
    "MonteCarloRisk",
    "ReluFeaturesRisk",
    "arccos_kernel",
    "monte_carlo_risk",
    "relu_features_risk",
    "rf_risk_phase_diagram",
]
