"""Attention as max-margin token selection (Tarzanagh et al. 2023a, 2023b; Vasudeva et al. 2024).

One-layer softmax attention $f(X, z) = v^\\top X^\\top S(XWz)$ with a linear head, trained with the
logistic loss: the direction of $W$ approaches the Att-SVM separating a selected token of each
sequence from the others — in Frobenius norm for the $W$-parameterisation, in nuclear norm for
$W = KQ^\\top$. Derivations: docs/attention_svm.md.

``_data``: validated inputs, token scores, random instances. ``_svm``: the certified Frobenius
(engine ``theory/_maxmargin.py``) and nuclear (SDP) SVMs, support tokens, local optimality, the
prompt-tuning SVM. ``_loss``: loss, excess loss and gradient (shared cancellation-free primitive
``theory/softmax.py``). ``_path``: the Frobenius and nuclear norm-ball paths, balanced factors.
"""
from ._data import AttentionData as AttentionData
from ._data import as_selection as as_selection
from ._data import as_sequences as as_sequences
from ._data import optimal_selection as optimal_selection
from ._data import random_instance as random_instance
from ._data import token_scores as token_scores
from ._loss import attention_weights as attention_weights
from ._loss import excess_loss as excess_loss
from ._loss import gradient as gradient
from ._loss import loss as loss
from ._loss import predictions as predictions
from ._path import AttentionPath as AttentionPath
from ._path import balanced_factors as balanced_factors
from ._path import project_ball as project_ball
from ._path import regularization_path as regularization_path
from ._svm import AttentionSVMCertificate as AttentionSVMCertificate
from ._svm import CertificateError as CertificateError
from ._svm import NotSeparableError as NotSeparableError
from ._svm import is_locally_optimal as is_locally_optimal
from ._svm import margins as margins
from ._svm import max_margin as max_margin
from ._svm import prompt_max_margin as prompt_max_margin
from ._svm import support_tokens as support_tokens

__all__ = [
    "AttentionData", "AttentionPath", "AttentionSVMCertificate", "CertificateError", "NotSeparableError",
    "as_selection", "as_sequences", "attention_weights", "balanced_factors", "excess_loss", "gradient", "is_locally_optimal", "loss", "margins",
    "max_margin", "optimal_selection", "predictions", "project_ball", "prompt_max_margin", "random_instance", "regularization_path",
    "support_tokens", "token_scores",
]
