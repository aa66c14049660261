"""theory: what the theorems predict (closed forms, sympy derivations, convex programs).

Imports only numpy and scipy at import time. One module per paper:
``theory.lazy_rich`` (Kunin et al. 2024), ``theory.sgd_stability`` (Ziyin et al. 2023),
``theory.ntp`` (Thrampoulidis 2024), ``theory.ntp_geometry`` (Zhao et al. 2024),
``theory.rf_risk`` (Simon et al. 2023), ``theory.supcon_ufm`` (Behnia & Thrampoulidis 2024),
``theory.attention_svm`` (Tarzanagh et al. 2023); ``theory.softmax``: the shared cancellation-free
softmax-minus-target primitive of the max-margin trajectories.
"""

from . import attention_svm as attention_svm
from . import catalog as catalog
from . import lazy_rich as lazy_rich
from . import ntp as ntp
from . import ntp_geometry as ntp_geometry
from . import rf_risk as rf_risk
from . import sgd_stability as sgd_stability
from . import softmax as softmax
from . import summary as summary
from . import supcon_ufm as supcon_ufm
from . import validate as validate

__all__ = ["attention_svm", "catalog", "lazy_rich", "ntp", "ntp_geometry", "rf_risk", "sgd_stability", "softmax",
           "summary", "supcon_ufm", "validate"]
