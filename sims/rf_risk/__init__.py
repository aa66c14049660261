"""Simulations of random-feature and kernel ridge regression (Simon et al. 2023).

Monte Carlo in the Gaussian model (exact test error, no test set), ReLU random features,
gradient descent on linear regression (Advani et al. 2017; numba kernel, imported on first use so
``import sims`` stays numpy/scipy only), the Monte Carlo over an (n, k) grid (on any executor), the
(n, k) risk phase diagram.
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_exports
from ._mc_grid import MonteCarloRiskGrid as MonteCarloRiskGrid
from ._mc_grid import monte_carlo_risk_grid as monte_carlo_risk_grid
from ._monte_carlo import MonteCarloRisk as MonteCarloRisk
from ._monte_carlo import ReluFeaturesRisk as ReluFeaturesRisk
from ._monte_carlo import arccos_kernel as arccos_kernel
from ._monte_carlo import monte_carlo_risk as monte_carlo_risk
from ._monte_carlo import relu_features_risk as relu_features_risk
from ._phase import rf_risk_phase_diagram as rf_risk_phase_diagram

# Public names whose modules import numba (or, for the torch bridge, may need torch): loaded on first use.
_LAZY = {
    "AdvaniSaxeSimulation": "._gd_linear",
    "TorchRiskGrid": "._torch_mc",
    "advani_saxe_gd": "._gd_linear",
    "advani_saxe_gd_reference": "._gd_linear",
    "advani_saxe_modes": "._gd_linear",
    "monte_carlo_risk_grid_torch": "._torch_mc",
    "monte_carlo_risk_torch": "._torch_mc",
}
__getattr__, __dir__ = lazy_exports(__name__, _LAZY)

if TYPE_CHECKING:  # the lazy names, for static tools (type checkers, IDEs, the API docs)
    from ._gd_linear import AdvaniSaxeSimulation as AdvaniSaxeSimulation
    from ._gd_linear import advani_saxe_gd as advani_saxe_gd
    from ._gd_linear import advani_saxe_gd_reference as advani_saxe_gd_reference
    from ._gd_linear import advani_saxe_modes as advani_saxe_modes
    from ._torch_mc import TorchRiskGrid as TorchRiskGrid
    from ._torch_mc import monte_carlo_risk_grid_torch as monte_carlo_risk_grid_torch
    from ._torch_mc import monte_carlo_risk_torch as monte_carlo_risk_torch

__all__ = [
    "AdvaniSaxeSimulation",
    "MonteCarloRisk",
    "MonteCarloRiskGrid",
    "ReluFeaturesRisk",
    "TorchRiskGrid",
    "advani_saxe_gd",
    "advani_saxe_gd_reference",
    "advani_saxe_modes",
    "arccos_kernel",
    "monte_carlo_risk",
    "monte_carlo_risk_grid",
    "monte_carlo_risk_grid_torch",
    "monte_carlo_risk_torch",
    "relu_features_risk",
    "rf_risk_phase_diagram",
]
