"""Test risk of random-feature ridge regression (Simon et al. 2023, arXiv 2311.14646).

The eigenframework: with kernel eigenvalues λ_i and target powers v_i², the test and train risk
of ridge regression on k random features from n samples follow from two scalars (γ, κ) that solve
a pair of fixed-point equations; k = ∞ is kernel ridge regression (eigenlearning, Simon et al.
2021). Power-law tasks, the optimal ridge and fitting ratio; Advani & Saxe's gradient-flow
learning curves (Advani et al. 2017) as the time-domain companion. Derivations: docs/rf_risk.md.
"""

from ._advani_saxe import AdvaniSaxeAsymptotes as AdvaniSaxeAsymptotes
from ._advani_saxe import AdvaniSaxeCurves as AdvaniSaxeCurves
from ._advani_saxe import AdvaniSaxeEarlyStopping as AdvaniSaxeEarlyStopping
from ._advani_saxe import AdvaniSaxeOptimalRidge as AdvaniSaxeOptimalRidge
from ._advani_saxe import advani_saxe_asymptotes as advani_saxe_asymptotes
from ._advani_saxe import advani_saxe_curves as advani_saxe_curves
from ._advani_saxe import advani_saxe_early_stopping as advani_saxe_early_stopping
from ._advani_saxe import advani_saxe_optimal_ridge as advani_saxe_optimal_ridge
from ._advani_saxe import advani_saxe_ridge_test_error as advani_saxe_ridge_test_error
from ._advani_saxe import marchenko_pastur_density as marchenko_pastur_density
from ._advani_saxe import marchenko_pastur_stieltjes as marchenko_pastur_stieltjes
from ._estimators import EmpiricalSpectrum as EmpiricalSpectrum
from ._estimators import empirical_spectrum as empirical_spectrum
from ._estimators import gcv_risk as gcv_risk
from ._estimators import kappa_from_kernel as kappa_from_kernel
from ._grid import OptimalRidgeGrid as OptimalRidgeGrid
from ._grid import RiskGrid as RiskGrid
from ._grid import optimal_ridge_grid as optimal_ridge_grid
from ._grid import risk_grid as risk_grid
from ._powerlaw import PowerLawSpectrum as PowerLawSpectrum
from ._powerlaw import powerlaw_constants as powerlaw_constants
from ._powerlaw import powerlaw_fitting_curve as powerlaw_fitting_curve
from ._powerlaw import powerlaw_optimal_fitting_ratio as powerlaw_optimal_fitting_ratio
from ._powerlaw import powerlaw_optimal_ridge as powerlaw_optimal_ridge
from ._powerlaw import powerlaw_optimal_s as powerlaw_optimal_s
from ._powerlaw import powerlaw_spectrum as powerlaw_spectrum
from ._powerlaw import powerlaw_zero_ridge_optimal as powerlaw_zero_ridge_optimal
from ._risk import EigenlearningResult as EigenlearningResult
from ._risk import OptimalRidge as OptimalRidge
from ._risk import RiskResult as RiskResult
from ._risk import eigenlearning as eigenlearning
from ._risk import optimal_ridge as optimal_ridge
from ._risk import risk as risk

__all__ = [
    "AdvaniSaxeAsymptotes", "AdvaniSaxeCurves", "AdvaniSaxeEarlyStopping", "AdvaniSaxeOptimalRidge",
    "EigenlearningResult", "EmpiricalSpectrum", "OptimalRidge", "OptimalRidgeGrid", "PowerLawSpectrum",
    "RiskGrid", "RiskResult", "advani_saxe_asymptotes", "advani_saxe_curves", "advani_saxe_early_stopping",
    "advani_saxe_optimal_ridge", "advani_saxe_ridge_test_error", "eigenlearning", "empirical_spectrum",
    "gcv_risk", "kappa_from_kernel", "marchenko_pastur_density", "marchenko_pastur_stieltjes",
    "optimal_ridge", "optimal_ridge_grid", "powerlaw_constants", "powerlaw_fitting_curve",
    "powerlaw_optimal_fitting_ratio", "powerlaw_optimal_ridge", "powerlaw_optimal_s", "powerlaw_spectrum",
    "powerlaw_zero_ridge_optimal", "risk", "risk_grid",
]
