"""Claims of the next-token-prediction theory (Thrampoulidis 2024; Soudry et al. 2018); importing
registers them."""

from . import _solvers as _solvers  # noqa: F401  (max-margin solvers agree; Remark 1; invariances)
