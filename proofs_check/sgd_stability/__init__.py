"""Claims of the SGD-stability theory (Ziyin et al. 2023; Chen et al. 2023; Mulayoff & Michaeli
2023); importing registers them.

``_dynamics``: linearised theory (closed forms, quadrature, stable sets, exact second-moment
operators) against Monte-Carlo products, QR/Benettin and linear SGD runs. ``_nonlinear``: phase
labels and collapse conditions against nonlinear SGD and SDE runs. ``_symbolic``: sympy identities
of spec SGD-S §11.
"""

from . import _dynamics as _dynamics  # noqa: F401  (linearised theory vs simulation, spec §3, §6, §7)
from . import _nonlinear as _nonlinear  # noqa: F401  (toy-net saddle and stochastic collapse, §4.9, §5)
from . import _symbolic as _symbolic  # noqa: F401  (sympy identities of spec SGD-S §11)
