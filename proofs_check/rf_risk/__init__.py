"""Claims of the random-feature risk theory (Simon et al. 2023; Simon et al. 2021; Advani et al. 2017);
importing registers them."""

from . import _symbolic as _symbolic  # noqa: F401  (sympy identities, docs/rf_risk.md#symbolic-identities)
