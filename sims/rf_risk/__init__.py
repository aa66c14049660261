"""Simulations of random-feature and kernel ridge regression (Simon et al. 2023).

Monte Carlo in the Gaussian model (exact test error, no test set), ReLU random features,
gradient descent on linear regression (Advani et al. 2017), the (n, k) risk phase diagram.
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

# Public names whose modules import numba: loaded on first attribute access.
_LAZY = {
    # Advani, Saxe & Sompolinsky (2017): GD on linear regression (ADVANI helper)
    "AdvaniSaxeSimulation": "._gd_linear",
    "advani_saxe_gd": "._gd_linear",
    "advani_saxe_gd_reference": "._gd_linear",
    "advani_saxe_modes": "._gd_linear",
}
__getattr__, __dir__ = lazy_exports(__name__, _LAZY)

if TYPE_CHECKING:  # the lazy names, for static tools (type checkers, IDEs, the API docs)
    # Advani, Saxe & Sompolinsky (2017) (ADVANI helper)
    from ._gd_linear import AdvaniSaxeSimulation as AdvaniSaxeSimulation
    from ._gd_linear import advani_saxe_gd as advani_saxe_gd
    from ._gd_linear import advani_saxe_gd_reference as advani_saxe_gd_reference
    from ._gd_linear import advani_saxe_modes as advani_saxe_modes

__all__: list[str] = [
    # Advani, Saxe & Sompolinsky (2017) (ADVANI helper)
    "AdvaniSaxeSimulation",
    "advani_saxe_gd",
    "advani_saxe_gd_reference",
    "advani_saxe_modes",
]
