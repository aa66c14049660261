"""Simulations for the probabilistic stability of SGD (Ziyin et al. 2023) and stochastic collapse.

Monte-Carlo and QR (Benettin) Lyapunov exponents, nonlinear SGD outcome simulators and the
collapse examples run in numba kernels, imported on first use so that ``import sims`` stays
numpy/scipy only; the phase diagram is ``sims.phase_diagram("sgd_stability", ...)``.
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_exports
from ._phase import sgd_stability_phase_diagram as sgd_stability_phase_diagram

# Public names whose modules import numba (or torch, inside functions): loaded on first attribute access.
_LAZY = {
    "FiniteRowsLaw": "._qr_laws",
    "GaussianRowsLaw": "._qr_laws",
    "LyapunovResult": "._qr",
    "MonteCarloExponent": "._qr",
    "OUTCOMES": "._sgd",
    "QuarticWellResult": "._collapse_sims",
    "TanhNeuronResult": "._collapse_sims",
    "TeacherStudentResult": "._collapse_modes",
    "TorchChainExponents": "._torch_chains",
    "TwoLayerSGDResult": "._sgd",
    "TwoLayerVectorLaw": "._qr_laws",
    "lyapunov_chains_torch": "._torch_chains",
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
    # torch bridge (issue 10): torch is imported inside the functions, never at module import
    "GeluCollapseResult": "._torch_collapse",
    "IndependentNeurons": "._torch_collapse",
    "MlpCollapseResult": "._torch_collapse",
    "count_independent_neurons": "._torch_collapse",
    "gelu_collapse_torch": "._torch_collapse",
    "mlp_independent_neurons_torch": "._torch_collapse",
}
__getattr__, __dir__ = lazy_exports(__name__, _LAZY)

if TYPE_CHECKING:  # the lazy names, for static tools (type checkers, IDEs, the API docs)
    from ._collapse_modes import TeacherStudentResult as TeacherStudentResult
    from ._collapse_modes import simulate_teacher_student_modes as simulate_teacher_student_modes
    from ._collapse_modes import simulate_teacher_student_modes_reference as simulate_teacher_student_modes_reference
    from ._collapse_sims import QuarticWellResult as QuarticWellResult
    from ._collapse_sims import TanhNeuronResult as TanhNeuronResult
    from ._collapse_sims import simulate_quartic_well as simulate_quartic_well
    from ._collapse_sims import simulate_quartic_well_reference as simulate_quartic_well_reference
    from ._collapse_sims import simulate_tanh_neuron as simulate_tanh_neuron
    from ._collapse_sims import simulate_tanh_neuron_reference as simulate_tanh_neuron_reference
    from ._qr import LyapunovResult as LyapunovResult
    from ._qr import MonteCarloExponent as MonteCarloExponent
    from ._qr import lyapunov_monte_carlo as lyapunov_monte_carlo
    from ._qr import lyapunov_qr as lyapunov_qr
    from ._qr import lyapunov_qr_reference as lyapunov_qr_reference
    from ._qr_laws import FiniteRowsLaw as FiniteRowsLaw
    from ._qr_laws import GaussianRowsLaw as GaussianRowsLaw
    from ._qr_laws import TwoLayerVectorLaw as TwoLayerVectorLaw
    from ._sgd import OUTCOMES as OUTCOMES
    from ._sgd import TwoLayerSGDResult as TwoLayerSGDResult
    from ._sgd import simulate_two_layer as simulate_two_layer
    from ._sgd import simulate_two_layer_reference as simulate_two_layer_reference
    from ._torch_chains import TorchChainExponents as TorchChainExponents
    from ._torch_chains import lyapunov_chains_torch as lyapunov_chains_torch
    from ._torch_collapse import GeluCollapseResult as GeluCollapseResult
    from ._torch_collapse import IndependentNeurons as IndependentNeurons
    from ._torch_collapse import MlpCollapseResult as MlpCollapseResult
    from ._torch_collapse import count_independent_neurons as count_independent_neurons
    from ._torch_collapse import gelu_collapse_torch as gelu_collapse_torch
    from ._torch_collapse import mlp_independent_neurons_torch as mlp_independent_neurons_torch

__all__ = [
    "FiniteRowsLaw",
    "GaussianRowsLaw",
    "GeluCollapseResult",
    "IndependentNeurons",
    "LyapunovResult",
    "MlpCollapseResult",
    "MonteCarloExponent",
    "OUTCOMES",
    "QuarticWellResult",
    "TanhNeuronResult",
    "TeacherStudentResult",
    "TorchChainExponents",
    "TwoLayerSGDResult",
    "TwoLayerVectorLaw",
    "count_independent_neurons",
    "gelu_collapse_torch",
    "lyapunov_chains_torch",
    "lyapunov_monte_carlo",
    "lyapunov_qr",
    "lyapunov_qr_reference",
    "mlp_independent_neurons_torch",
    "sgd_stability_phase_diagram",
    "simulate_quartic_well",
    "simulate_quartic_well_reference",
    "simulate_tanh_neuron",
    "simulate_tanh_neuron_reference",
    "simulate_teacher_student_modes",
    "simulate_teacher_student_modes_reference",
    "simulate_two_layer",
    "simulate_two_layer_reference",
]
