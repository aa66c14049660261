"""Claims of the next-token-prediction theory (Thrampoulidis 2024; Soudry et al. 2018); importing
registers them."""

from . import _path as _path  # noqa: F401
from . import _symbolic as _symbolic  # noqa: F401
