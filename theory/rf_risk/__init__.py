"""Test risk of random-feature ridge regression (Simon et al. 2023, arXiv 2311.14646).

The eigenframework: with kernel eigenvalues λ_i and target powers v_i², the test and train risk
of ridge regression on k random features from n samples follow from two scalars (γ, κ) that solve
a pair of fixed-point equations; k = ∞ is kernel ridge regression (eigenlearning, Simon et al.
2021). Power-law tasks, the optimal ridge and fitting ratio; Advani & Saxe's gradient-flow
learning curves (Advani et al. 2017) as the time-domain companion. Derivations: docs/rf_risk.md.
"""

__all__: list[str] = []

# Advani, Saxe & Sompolinsky (2017): gradient-flow learning curves (ADVANI helper)
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

__all__ += [
    "AdvaniSaxeAsymptotes", "AdvaniSaxeCurves", "AdvaniSaxeEarlyStopping", "AdvaniSaxeOptimalRidge",
    "advani_saxe_asymptotes", "advani_saxe_curves", "advani_saxe_early_stopping", "advani_saxe_optimal_ridge",
    "advani_saxe_ridge_test_error", "marchenko_pastur_density", "marchenko_pastur_stieltjes",
]
