"""Simulations of random-feature and kernel ridge regression (Simon et al. 2023).

Monte Carlo in the Gaussian model (exact test error, no test set), ReLU random features,
gradient descent on linear regression (Advani et al. 2017; numba kernel, imported on first use so
``import sims`` stays numpy/scipy only), the (n, k) risk phase diagram.
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_exports
from ._monte_carlo import MonteCarloRisk as MonteCarloRisk
from ._monte_carlo import ReluFeaturesRisk as ReluFeaturesRisk
from ._monte_carlo import arccos_kernel as arccos_kernel
from ._monte_carlo import monte_carlo_risk as monte_carlo_risk
from ._monte_carlo import relu_features_risk as relu_features_risk
from ._phase import rf_risk_phase_diagram as rf_risk_phase_diagram

# Public names whose modules import numba: loaded on first attribute access.
_LAZY = {
    "AdvaniSaxeSimulation": "._gd_linear",
    "advani_saxe_gd": "._gd_linear",
    "advani_saxe_gd_reference": "._gd_linear",
    "advani_saxe_modes": "._gd_linear",
}
__getattr__, __dir__ = lazy_exports(__name__, _LAZY)

if TYPE_CHECKING:  # the lazy names, for static tools (type checkers, IDEs, the API docs)
    from ._gd_linear import AdvaniSaxeSimulation as AdvaniSaxeSimulation
    from ._gd_linear import advani_saxe_gd as advani_saxe_gd
    from ._gd_linear import advani_saxe_gd_reference as advani_saxe_gd_reference
    from ._gd_linear import advani_saxe_modes as advani_saxe_modes

__all__ = [
    "AdvaniSaxeSimulation",
    "MonteCarloRisk",
    "ReluFeaturesRisk",
    "advani_saxe_gd",
    "advani_saxe_gd_reference",
    "advani_saxe_modes",
    "arccos_kernel",
    "monte_carlo_risk",
    "relu_features_risk",
    "rf_risk_phase_diagram",
]
