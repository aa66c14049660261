"""Simulations of next-token-prediction training in linear models (Thrampoulidis 2024).

GD, normalised GD, momentum, Adam and SGD over contexts on the linear NTP model (numba kernels,
imported on first use so ``import sims`` stays numpy/scipy only); separable logistic-regression
GD (Soudry et al. 2018); the Monte-Carlo phase diagram of NTP-separability.
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_exports
from ._figure_data import soudry_data as soudry_data
from ._history import NTPHistory as NTPHistory
from ._history import NTPRun as NTPRun
from ._history import default_checkpoints as default_checkpoints
from ._phase import ntp_separability_phase_diagram as ntp_separability_phase_diagram

# Public names whose modules import numba (or, for the torch bridge, may need torch): loaded on first use.
_LAZY = {
    "LogisticHistory": "._logistic",
    "LogisticRun": "._logistic",
    "adam": "._train",
    "adam_reference": "._train",
    "gradient_descent": "._train",
    "gradient_descent_reference": "._train",
    "gradient_descent_torch": "._torch_vocab",
    "logistic_gradient_descent": "._logistic",
    "logistic_gradient_descent_reference": "._logistic",
    "momentum_descent": "._train",
    "momentum_descent_reference": "._train",
    "normalized_gradient_descent": "._train",
    "normalized_gradient_descent_reference": "._train",
    "sgd_contexts": "._train",
    "sgd_contexts_reference": "._train",
}
__getattr__, __dir__ = lazy_exports(__name__, _LAZY)

if TYPE_CHECKING:  # the lazy names, for static tools (type checkers, IDEs, the API docs)
    from ._logistic import LogisticHistory as LogisticHistory
    from ._logistic import LogisticRun as LogisticRun
    from ._logistic import logistic_gradient_descent as logistic_gradient_descent
    from ._logistic import logistic_gradient_descent_reference as logistic_gradient_descent_reference
    from ._torch_vocab import gradient_descent_torch as gradient_descent_torch
    from ._train import adam as adam
    from ._train import adam_reference as adam_reference
    from ._train import gradient_descent as gradient_descent
    from ._train import gradient_descent_reference as gradient_descent_reference
    from ._train import momentum_descent as momentum_descent
    from ._train import momentum_descent_reference as momentum_descent_reference
    from ._train import normalized_gradient_descent as normalized_gradient_descent
    from ._train import normalized_gradient_descent_reference as normalized_gradient_descent_reference
    from ._train import sgd_contexts as sgd_contexts
    from ._train import sgd_contexts_reference as sgd_contexts_reference

__all__ = [
    "LogisticHistory",
    "LogisticRun",
    "NTPHistory",
    "NTPRun",
    "adam",
    "adam_reference",
    "default_checkpoints",
    "gradient_descent",
    "gradient_descent_reference",
    "gradient_descent_torch",
    "logistic_gradient_descent",
    "logistic_gradient_descent_reference",
    "momentum_descent",
    "momentum_descent_reference",
    "normalized_gradient_descent",
    "normalized_gradient_descent_reference",
    "ntp_separability_phase_diagram",
    "sgd_contexts",
    "sgd_contexts_reference",
    "soudry_data",
]
