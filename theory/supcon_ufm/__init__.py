"""Supervised-contrastive loss in the unconstrained-features model (Behnia & Thrampoulidis 2024,
arXiv 2402.18884).

Unit-norm free features $H$ (d × n) of n labelled samples trained with the supervised-contrastive loss
(Khosla et al. 2020): the loss, its two-role gradient and its form in the Gram matrix; the convex
relaxation in the Gram matrix, solved with CVXPY + Clarabel and certified in float64; the balanced
simplex-ETF solution with its closed-form KKT certificate; the tau-free lower bound approached as
tau -> 0; STEP-imbalance builders and the block structure of a Gram matrix. Derivations:
docs/supcon_ufm.md.

``_loss``: labels, loss, gradients, lower bound. ``_sdp``: the certified relaxation.
``_etf``: closed forms, builders, block values.
"""
from ._etf import BlockValues as BlockValues
from ._etf import ETFCertificate as ETFCertificate
from ._etf import balanced_labels as balanced_labels
from ._etf import block_values as block_values
from ._etf import etf_certificate as etf_certificate
from ._etf import etf_gram as etf_gram
from ._etf import etf_loss as etf_loss
from ._etf import step_labels as step_labels
from ._loss import SCLabels as SCLabels
from ._loss import as_labels as as_labels
from ._loss import as_temperature as as_temperature
from ._loss import gram_gradient as gram_gradient
from ._loss import gram_loss as gram_loss
from ._loss import loss_lower_bound as loss_lower_bound
from ._loss import sc_gradient as sc_gradient
from ._loss import sc_loss as sc_loss
from ._sdp import CertificateError as CertificateError
from ._sdp import GramCertificate as GramCertificate
from ._sdp import gram_certificate as gram_certificate
from ._sdp import numerical_rank as numerical_rank
from ._sdp import optimal_gram as optimal_gram

__all__ = [
    "BlockValues", "CertificateError", "ETFCertificate", "GramCertificate", "SCLabels",
    "as_labels", "as_temperature", "balanced_labels", "block_values", "etf_certificate", "etf_gram", "etf_loss", "gram_certificate",
    "gram_gradient", "gram_loss", "loss_lower_bound", "numerical_rank", "optimal_gram", "sc_gradient", "sc_loss",
    "step_labels",
]
