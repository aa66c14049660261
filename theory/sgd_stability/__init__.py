"""Probabilistic stability of SGD (Ziyin et al. 2023, arXiv 2303.13093) and its neighbours.

Lyapunov exponents Λ(λ) = E log|1 − λh| of linearised SGD for finite, Gaussian and general laws
(``_laws``, ``_lyapunov``); the exact mean-square threshold with batch-size correction (Mulayoff &
Michaeli 2024; ``_mean_square``); the phases of the two-layer model at the origin saddle
(``_phases``) and its data models (``_models``); stochastic-collapse conditions (Chen et al. 2023;
``_collapse``).
"""

from ._collapse import LogNormDriftMax as LogNormDriftMax
from ._collapse import TanhNeuronExponents as TanhNeuronExponents
from ._collapse import collapse_rate as collapse_rate
from ._collapse import effective_rank as effective_rank
from ._collapse import log_norm_drift as log_norm_drift
from ._collapse import max_log_norm_drift as max_log_norm_drift
from ._collapse import mode_collapses as mode_collapses
from ._collapse import mode_exponents as mode_exponents
from ._collapse import quartic_well_collapse_threshold as quartic_well_collapse_threshold
from ._collapse import quartic_well_em_exponent as quartic_well_em_exponent
from ._collapse import quartic_well_em_threshold as quartic_well_em_threshold
from ._collapse import quartic_well_stationary_density as quartic_well_stationary_density
from ._collapse import shrunk_singular_values as shrunk_singular_values
from ._collapse import tanh_neuron_collapses as tanh_neuron_collapses
from ._collapse import tanh_neuron_exponents as tanh_neuron_exponents
from ._laws import expected_log_abs as expected_log_abs
from ._laws import gaussian_expected_log_abs as gaussian_expected_log_abs
from ._laws import law_moment as law_moment
from ._laws import log_expected_abs_power as log_expected_abs_power
from ._lyapunov import lyapunov_exponent as lyapunov_exponent
from ._lyapunov import moment_exponent as moment_exponent
from ._lyapunov import second_order_saddle_threshold as second_order_saddle_threshold
from ._lyapunov import small_lr_expansion as small_lr_expansion
from ._lyapunov import small_lr_lyapunov as small_lr_lyapunov
from ._lyapunov import stable_learning_rates as stable_learning_rates
from ._lyapunov import tail_index as tail_index
from ._mean_square import MeanSquareBounds as MeanSquareBounds
from ._mean_square import batch_factor as batch_factor
from ._mean_square import gd_threshold as gd_threshold
from ._mean_square import mean_square_bounds as mean_square_bounds
from ._mean_square import mean_square_threshold as mean_square_threshold
from ._mean_square import second_moment_operator as second_moment_operator
from ._mean_square import spectral_radius_second_moment as spectral_radius_second_moment
from ._models import GaussianInputLaw as GaussianInputLaw
from ._models import WeightedFiniteLaw as WeightedFiniteLaw
from ._models import model_a_law as model_a_law
from ._models import model_b_law as model_b_law
from ._models import model_c_law as model_c_law
from ._phases import PHASE_LABELS as PHASE_LABELS
from ._phases import PhaseBoundaries as PhaseBoundaries
from ._phases import PhaseExponents as PhaseExponents
from ._phases import classify_phase as classify_phase
from ._phases import critical_collapse_noise as critical_collapse_noise
from ._phases import phase_boundaries as phase_boundaries
from ._phases import phase_exponents as phase_exponents

__all__ = [
    "GaussianInputLaw",
    "LogNormDriftMax",
    "MeanSquareBounds",
    "PHASE_LABELS",
    "PhaseBoundaries",
    "PhaseExponents",
    "TanhNeuronExponents",
    "WeightedFiniteLaw",
    "batch_factor",
    "classify_phase",
    "collapse_rate",
    "critical_collapse_noise",
    "effective_rank",
    "expected_log_abs",
    "gaussian_expected_log_abs",
    "gd_threshold",
    "law_moment",
    "log_expected_abs_power",
    "log_norm_drift",
    "lyapunov_exponent",
    "max_log_norm_drift",
    "mean_square_bounds",
    "mean_square_threshold",
    "mode_collapses",
    "mode_exponents",
    "model_a_law",
    "model_b_law",
    "model_c_law",
    "moment_exponent",
    "phase_boundaries",
    "phase_exponents",
    "quartic_well_collapse_threshold",
    "quartic_well_em_exponent",
    "quartic_well_em_threshold",
    "quartic_well_stationary_density",
    "second_moment_operator",
    "second_order_saddle_threshold",
    "shrunk_singular_values",
    "small_lr_expansion",
    "small_lr_lyapunov",
    "spectral_radius_second_moment",
    "stable_learning_rates",
    "tail_index",
    "tanh_neuron_collapses",
    "tanh_neuron_exponents",
]
