"""Implicit bias of next-token prediction in linear models (Thrampoulidis 2024, arXiv 2402.18551).

A linear decoder W (V × d) trained with cross-entropy on contexts h̄_j (columns of H, d × m)
with next-token distributions p̂_j (columns of P, V × m) and frequencies π̂_j: the loss, its
entropy lower bound, the two conditions (compatibility, separability), the finite component W⋆
on the subspace F, and the NTP-SVM direction W^mm from the certified max-margin engine; the
separable logistic-regression base case (Soudry et al. 2018) specialises the same engine.
Derivations: docs/ntp.md.
"""

__all__: list[str] = []

# --- core (CORE helper: data, loss, subspace): keep these lines together ---
from ._data import NTPData as NTPData
from ._data import NTPTable as NTPTable
from ._data import as_data as as_data
from ._data import as_support as as_support
from ._data import from_sequences as from_sequences
from ._data import random_instance as random_instance
from ._data import toy_instance as toy_instance
from ._loss import entropy as entropy
from ._loss import excess_loss as excess_loss
from ._loss import gradient as gradient
from ._loss import loss as loss
from ._loss import step_size_bound as step_size_bound
from ._subspace import centered_log_probabilities as centered_log_probabilities
from ._subspace import centered_support as centered_support
from ._subspace import compatibility_residual as compatibility_residual
from ._subspace import finite_solution as finite_solution
from ._subspace import is_compatible as is_compatible
from ._subspace import is_degenerate as is_degenerate
from ._subspace import project_D as project_D
from ._subspace import project_F as project_F
from ._subspace import project_F_perp as project_F_perp

__all__ += [
    "NTPData", "NTPTable", "as_data", "as_support", "from_sequences", "random_instance", "toy_instance",
    "entropy", "excess_loss", "gradient", "loss", "step_size_bound",
    "centered_log_probabilities", "centered_support", "compatibility_residual", "finite_solution",
    "is_compatible", "is_degenerate", "project_D", "project_F", "project_F_perp",
]
# --- end core ---

# --- max-margin engine (ENGINE helper): keep these lines together ---
from ._svm import CertificateError as CertificateError
from ._svm import MaxMarginCertificate as MaxMarginCertificate
from ._svm import NotSeparableError as NotSeparableError
from ._svm import hard_margin_svm as hard_margin_svm
from ._svm import is_separable as is_separable
from ._svm import margins as margins
from ._svm import max_margin as max_margin
from ._svm import min_margin as min_margin
from ._svm import multiclass_svm as multiclass_svm
from ._svm import optimal_margin as optimal_margin

__all__ += ["CertificateError", "MaxMarginCertificate", "NotSeparableError", "hard_margin_svm", "is_separable",
            "margins", "max_margin", "min_margin", "multiclass_svm", "optimal_margin"]
# --- end max-margin engine ---
