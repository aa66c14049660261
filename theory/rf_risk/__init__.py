"""Test risk of random-feature ridge regression (Simon et al. 2023, arXiv 2311.14646).

The eigenframework: with kernel eigenvalues λ_i and target powers v_i², the test and train risk
of ridge regression on k random features from n samples follow from two scalars (γ, κ) that solve
a pair of fixed-point equations; k = ∞ is kernel ridge regression (eigenlearning, Simon et al.
2021). Power-law tasks, the optimal ridge and fitting ratio; Advani & Saxe's gradient-flow
learning curves (Advani et al. 2017) as the time-domain companion. Derivations: docs/rf_risk.md.
"""
from ._grid import RiskGrid as RiskGrid
from ._grid import risk_grid as risk_grid
from ._risk import EigenlearningResult as EigenlearningResult
from ._risk import OptimalRidge as OptimalRidge
from ._risk import RiskResult as RiskResult
from ._risk import eigenlearning as eigenlearning
from ._risk import optimal_ridge as optimal_ridge
from ._risk import risk as risk

__all__ = [
    "EigenlearningResult", "OptimalRidge", "RiskGrid", "RiskResult", "eigenlearning", "optimal_ridge", "risk",
    "risk_grid",
]
