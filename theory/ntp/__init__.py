"""Implicit bias of next-token prediction in linear models (Thrampoulidis 2024, arXiv 2402.18551).

A linear decoder W (V × d) trained with cross-entropy on contexts h̄_j (columns of H, d × m)
with next-token distributions p̂_j (columns of P, V × m) and frequencies π̂_j: the loss, its
entropy lower bound, the two conditions (compatibility, separability), the finite component W⋆
on the subspace F, and the NTP-SVM direction W^mm from the certified max-margin engine; the
separable logistic-regression base case (Soudry et al. 2018) specialises the same engine.
Derivations: docs/ntp.md.
"""

__all__: list[str] = []

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
