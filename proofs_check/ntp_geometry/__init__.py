"""Claims of the NTP-geometry theory (Zhao et al. 2024); importing registers them.

``_svm``: the logit SVMs and the centred-support proxy (‖L^mm‖_* <= ‖S̃‖_*, the Frobenius SVM is
S̃, the duplicated-support rank counterexample). ``_path``: the λ → 0 limit (the ln(1/λ) law,
subspace collapse and Gram geometry). ``_landscape``: the factorised UFM trained by L-BFGS reaches
the convex optimum.
"""

from . import _landscape as _landscape  # noqa: F401  (factorised UFM = convex optimum)
from . import _path as _path  # noqa: F401  (ln(1/λ) law, subspace collapse, Gram geometry)
from . import _svm as _svm  # noqa: F401  (logit SVMs, the S̃ proxy, the rank counterexample)
