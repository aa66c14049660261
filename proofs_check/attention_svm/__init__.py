"""Claims of attention as max-margin token selection (Tarzanagh et al. 2023; Vasudeva et al. 2024);
importing registers them.

``_solvers``: the SVMs against each other and the n = 1 closed form. ``_path``: the Frobenius
and nuclear norm-ball paths and the (K, Q) ↔ nuclear-ball identity. ``_dynamics``: normalised
and plain GD on W against the Frobenius SVM, and the (K, Q) GD demo as statistics. ``_symbolic``:
the one-constraint SVM in sympy.
"""

from . import _dynamics as _dynamics  # noqa: F401  (NGD -> W^mm_F, NGD faster than GD, (K, Q) demo)
from . import _path as _path  # noqa: F401  (regularisation paths, (K, Q) ball = nuclear ball)
from . import _solvers as _solvers  # noqa: F401  (n = 1 closed form, solvers agree, rank bound)
from . import _symbolic as _symbolic  # noqa: F401  (sympy: the one-constraint SVM)
