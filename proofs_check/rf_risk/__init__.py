"""Claims of the random-feature risk theory (Simon et al. 2023; Simon et al. 2021; Advani et al. 2017);
importing registers them.

``_theory``: the kernel limit, Theorem 1, the power-law fitting ratio, the ridgeless limits.
``_monte_carlo``: theory against Monte Carlo in the Gaussian model and with ReLU features.
``_advani_saxe``: gradient-flow learning curves against exact-mode Monte Carlo.
``_symbolic``: sympy identities (docs/rf_risk.md#symbolic-identities).
"""

from . import _advani_saxe as _advani_saxe  # noqa: F401  (Advani et al. 2017: curves vs exact modes, optimal stopping)
from . import _monte_carlo as _monte_carlo  # noqa: F401  (theory vs Monte Carlo: RF, KRR, train/test, ReLU features)
from . import _symbolic as _symbolic  # noqa: F401  (sympy identities, docs/rf_risk.md#symbolic-identities)
from . import _theory as _theory  # noqa: F401  (kernel limit, Theorem 1, power-law fitting ratio, ridgeless limits)
from . import _torch_grid as _torch_grid  # noqa: F401  (the eigenframework over an (n, k) grid, torch bridge)
