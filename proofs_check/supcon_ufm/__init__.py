"""Claims of the supervised-contrastive UFM theory (Behnia & Thrampoulidis 2024); importing registers them.

``_claims``: the certified Gram relaxation against Riemannian GD, the balanced ETF, invariances and the
two-role gradient, the d < rank control, STEP blocks, the small-temperature limit. ``_symbolic``: the
sympy proof of the ETF KKT certificate (docs/supcon_ufm.md#symbolic-identities).
"""

from . import _claims as _claims  # noqa: F401  (claims 1-6 of the docs page)
from . import _symbolic as _symbolic  # noqa: F401  (sympy: ETF KKT certificate, closed-form loss)
