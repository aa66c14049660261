"""sims: what training actually does — gradient flow, GD/SGD kernels, phase diagrams, figures.

Imports only numpy and scipy at import time; numba kernels compile on first call and
matplotlib is imported inside plotting functions.
"""

from . import attention_svm as attention_svm
from . import lazy_rich as lazy_rich
from . import ntp as ntp
from . import ntp_geometry as ntp_geometry
from . import rf_risk as rf_risk
from . import sgd_stability as sgd_stability
from . import supcon_ufm as supcon_ufm
from .figures import FigureSpec as FigureSpec
from .figures import figure_registry as figure_registry
from .figures import generate_figures as generate_figures
from .figures import make_figure as make_figure
from .phase import PhaseDiagram as PhaseDiagram
from .phase import phase_diagram as phase_diagram
from .phase import warm_kernels as warm_kernels

__all__ = ["FigureSpec", "PhaseDiagram", "attention_svm", "figure_registry", "generate_figures", "lazy_rich",
           "make_figure", "ntp", "ntp_geometry", "phase_diagram", "rf_risk", "sgd_stability", "supcon_ufm",
           "warm_kernels"]
