"""Implicit bias of next-token prediction in linear models (Thrampoulidis 2024, arXiv 2402.18551).

A linear decoder W (V × d) trained with cross-entropy on contexts h̄_j (columns of H, d × m)
with next-token distributions p̂_j (columns of P, V × m) and frequencies π̂_j: the loss, its
entropy lower bound, the two conditions (compatibility, separability), the finite component W⋆
on the subspace F, and the NTP-SVM direction W^mm from the certified max-margin engine; the
separable logistic-regression base case (Soudry et al. 2018) specialises the same engine.
Derivations: docs/ntp.md.
"""

# --- core (data, loss, subspace) ---------------------------------------------------------------
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

_CORE = [
    "NTPData", "NTPTable", "as_data", "as_support", "from_sequences", "random_instance", "toy_instance",
    "entropy", "excess_loss", "gradient", "loss", "step_size_bound",
]
# --- end core ----------------------------------------------------------------------------------

__all__: list[str] = sorted(_CORE)
