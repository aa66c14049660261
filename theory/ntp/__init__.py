"""Implicit bias of next-token prediction in linear models (Thrampoulidis 2024, arXiv 2402.18551).

A linear decoder W (V × d) trained with cross-entropy on contexts h̄_j (columns of H, d × m)
with next-token distributions p̂_j (columns of P, V × m) and frequencies π̂_j: the loss, its
entropy lower bound, the two conditions (compatibility, separability), the finite component W⋆
on the subspace F, the NTP-SVM direction W^mm from the certified max-margin engine, and the
norm-ball regularisation path; the separable logistic-regression base case (Soudry et al. 2018)
specialises the same engine. Derivations: docs/ntp.md.

``_data``: validated inputs, tables from token sequences, generators. ``_loss``: entropy, loss,
cancellation-free gradient. ``_subspace``: compatibility, W⋆, projections, closed forms.
``_svm``: the NTP-SVM and the SVMs it generalises (engine in ``theory/_maxmargin.py``).
``_path``: Theorem 1's regularisation path.
"""
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
from ._path import PathCertificate as PathCertificate
from ._path import RegularizationPath as RegularizationPath
from ._path import regularization_path as regularization_path
from ._subspace import centered_log_probabilities as centered_log_probabilities
from ._subspace import centered_support as centered_support
from ._subspace import compatibility_residual as compatibility_residual
from ._subspace import finite_solution as finite_solution
from ._subspace import is_compatible as is_compatible
from ._subspace import is_degenerate as is_degenerate
from ._subspace import project_D as project_D
from ._subspace import project_F as project_F
from ._subspace import project_F_perp as project_F_perp
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

__all__ = [
    "CertificateError", "MaxMarginCertificate", "NTPData", "NTPTable", "NotSeparableError", "PathCertificate",
    "RegularizationPath", "as_data", "as_support", "centered_log_probabilities", "centered_support",
    "compatibility_residual", "entropy", "excess_loss", "finite_solution", "from_sequences", "gradient",
    "hard_margin_svm", "is_compatible", "is_degenerate", "is_separable", "loss", "margins", "max_margin",
    "min_margin", "multiclass_svm", "optimal_margin", "project_D", "project_F", "project_F_perp",
    "random_instance", "regularization_path", "step_size_bound", "toy_instance",
]
