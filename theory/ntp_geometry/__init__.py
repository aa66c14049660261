"""NTP geometry in the unconstrained-features model (Zhao et al. 2024, arXiv 2408.15417).

Next-token prediction with free context embeddings $H$ and a decoder $W$, trained with
cross-entropy and ridge penalty $\\tfrac\\lambda2(\\|W\\|^2 + \\|H\\|^2)$, is a nuclear-norm-regularised
cross-entropy in the logits $L = WH$. As $\\lambda \\to 0$ the logits split into a sparse part
$L^{\\rm in}$ (centred log-probabilities, ``theory.ntp.centered_log_probabilities``) and a growing
low-rank part $\\ln(1/\\lambda)\\,L^{\\rm mm}$, the nuclear logit SVM of the support pattern, which
depends on the supports only; contexts with identical supports collapse. Derivations:
docs/ntp_geometry.md.

``_svm``: the logit SVMs (nuclear and Frobenius) on the max-margin engine. ``_ufm``: the
regularised problem, certified by weak duality, and balanced factors. ``_geometry``: the
sparse + low-rank split, Gram matrices, collapse metrics.
"""
from .._maxmargin_nuc import NuclearCertificate as NuclearCertificate
from ._geometry import GramGeometry as GramGeometry
from ._geometry import LogitDecomposition as LogitDecomposition
from ._geometry import decompose_logits as decompose_logits
from ._geometry import gram_geometry as gram_geometry
from ._geometry import identical_support_pairs as identical_support_pairs
from ._geometry import project_F_logits as project_F_logits
from ._svm import RANK_RTOL as RANK_RTOL
from ._svm import duplicated_support_instance as duplicated_support_instance
from ._svm import logit_max_margin as logit_max_margin
from ._svm import numerical_rank as numerical_rank
from ._ufm import GAP_TOL as GAP_TOL
from ._ufm import UFMSolution as UFMSolution
from ._ufm import balanced_factors as balanced_factors
from ._ufm import ufm_logits as ufm_logits
from ._ufm import ufm_lower_bound as ufm_lower_bound
from ._ufm import ufm_objective as ufm_objective

__all__ = [
    "GAP_TOL", "GramGeometry", "LogitDecomposition", "NuclearCertificate", "RANK_RTOL", "UFMSolution",
    "balanced_factors", "decompose_logits", "duplicated_support_instance", "gram_geometry",
    "identical_support_pairs", "logit_max_margin", "numerical_rank", "project_F_logits", "ufm_logits",
    "ufm_lower_bound", "ufm_objective",
]
