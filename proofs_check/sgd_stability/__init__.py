"""Claims of the SGD-stability theory (Ziyin et al. 2023; Chen et al. 2023; Mulayoff & Michaeli);
importing registers them.

``_dynamics``: linearised theory (closed forms, quadrature, stable sets, exact second-moment
operators) against Monte-Carlo products, QR/Benettin and linear SGD runs. ``_nonlinear``: phase
labels and collapse conditions against nonlinear SGD and SDE runs. ``_symbolic``: sympy identities
(docs/sgd_stability.md#symbolic-identities). ``_torch_chains``: the torch bridge's Monte-Carlo exponents over a
(σ, λ) grid against quadrature (needs torch).
"""

from . import _dynamics as _dynamics  # noqa: F401  (linearised theory vs simulation)
from . import _nonlinear as _nonlinear  # noqa: F401  (toy-net saddle and stochastic collapse)
from . import _symbolic as _symbolic  # noqa: F401  (sympy identities)
from . import _torch_chains as _torch_chains  # noqa: F401  (torch bridge: MC exponents over a grid)
from . import _torch_collapse as _torch_collapse  # noqa: F401  (torch bridge: identical-neuron invariance)
