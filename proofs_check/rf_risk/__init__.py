"""Claims of the random-feature risk theory (Simon et al. 2023; Simon et al. 2021; Advani et al. 2017);
importing registers them."""

from . import _monte_carlo as _monte_carlo  # noqa: F401  (theory vs Monte Carlo: RF, KRR, train/test relation, ReLU universality)
from . import _theory as _theory  # noqa: F401  (kernel limit, Theorem 1, power-law fitting ratio, ridgeless limits)
