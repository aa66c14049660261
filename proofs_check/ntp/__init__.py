"""Claims of the next-token-prediction theory (Thrampoulidis 2024; Soudry et al. 2018); importing
registers them."""

from . import _conditions as _conditions  # noqa: F401  (Lemma 1, Prop. 1, independence, App. C entropies)
from . import _dynamics as _dynamics  # noqa: F401  (Lemma 2, Theorem 2, Soudry et al. 2018 Theorem 3)
