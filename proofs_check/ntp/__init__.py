"""Claims of the next-token-prediction theory (Thrampoulidis 2024; Soudry et al. 2018); importing
registers them.

``_conditions``: Lemma 1, Prop. 1, the independence of the two conditions, App. C entropies.
``_solvers``: the max-margin solvers against each other and the closed forms, Remark 1,
invariances. ``_dynamics``: Lemma 2, Theorem 2 and the separable logistic base case against
simulated training. ``_path``: Theorem 1's regularisation path. ``_symbolic``: sympy identities
(docs/ntp.md#symbolic-identities).
"""

from . import _conditions as _conditions  # noqa: F401  (Lemma 1, Prop. 1, independence, App. C entropies)
from . import _dynamics as _dynamics  # noqa: F401  (Lemma 2, Theorem 2, Soudry et al. 2018 Theorem 3)
from . import _path as _path  # noqa: F401  (Theorem 1, the norm-ball path)
from . import _solvers as _solvers  # noqa: F401  (primal = dual = fast = closed forms, Remark 1, invariances)
from . import _symbolic as _symbolic  # noqa: F401  (sympy identities)
from . import _torch_vocab as _torch_vocab  # noqa: F401  (Theorem 2 at vocabulary scale, torch bridge)
