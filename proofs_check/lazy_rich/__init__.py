"""Claims of the lazy/rich theory (Kunin et al. 2024); importing registers them."""

from . import _dynamics as _dynamics  # noqa: F401  (closed form vs ODE/GD, limits, bias)
from . import _symbolic as _symbolic  # noqa: F401  (sympy identities, docs/lazy_rich.md#symbolic-identities)
from . import _torch_relu_sweep as _torch_relu_sweep  # noqa: F401  (issue 10: δ_k in the batched torch ReLU sweep)
