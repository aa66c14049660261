"""Simulations for the probabilistic stability of SGD (Ziyin et al. 2023) and stochastic collapse.

Monte-Carlo and QR (Benettin) Lyapunov exponents, nonlinear SGD outcome simulators and the
collapse examples run in numba kernels, imported on first use so that ``import sims`` stays
numpy/scipy only; the phase diagram is ``sims.phase_diagram("sgd_stability", ...)``.
"""

from .._lazy import lazy_exports
from ._phase import sgd_stability_phase_diagram as sgd_stability_phase_diagram

# Public names whose modules import numba: loaded on first attribute access.
_LAZY = {
    "FiniteRowsLaw": "._qr_laws",
    "GaussianRowsLaw": "._qr_laws",
    "LyapunovResult": "._qr",
    "MonteCarloExponent": "._qr",
    "OUTCOMES": "._sgd",
    "QuarticWellResult": "._collapse_sims",
    "TanhNeuronResult": "._collapse_sims",
    "TeacherStudentResult": "._collapse_modes",
    "TwoLayerSGDResult": "._sgd",
    "TwoLayerVectorLaw": "._qr_laws",
    "lyapunov_monte_carlo": "._qr",
    "lyapunov_qr": "._qr",
    "lyapunov_qr_reference": "._qr",
    "simulate_two_layer": "._sgd",
    "simulate_two_layer_reference": "._sgd",
    "simulate_quartic_well": "._collapse_sims",
    "simulate_quartic_well_reference": "._collapse_sims",
    "simulate_tanh_neuron": "._collapse_sims",
    "simulate_tanh_neuron_reference": "._collapse_sims",
    "simulate_teacher_student_modes": "._collapse_modes",
    "simulate_teacher_student_modes_reference": "._collapse_modes",
}
__getattr__, __dir__ = lazy_exports(__name__, _LAZY)

__all__ = sorted(["sgd_stability_phase_diagram", *_LAZY])
