"""Claims of the random-feature risk theory (Simon et al. 2023; Simon et al. 2021; Advani et al. 2017);
importing registers them."""

from . import _advani_saxe as _advani_saxe  # noqa: F401  (Advani et al. 2017: curves vs exact modes, optimal stopping)
