"""proofs_check: do theory and simulation agree? One Claim per theorem, a registry, a table.

``proofs_check.run_all()`` checks every registered claim and prints a table;
``dltheory verify`` is its command-line face. The contract a claim keeps (numeric prediction and
observation, sub-checks with units, non-vacuity, a wrong prediction that fails, declared seeds)
is described in :class:`Claim`.
"""

from ._claim import Check as Check
from ._claim import Claim as Claim
from ._claim import Comparison as Comparison
from ._claim import Nontrivial as Nontrivial
from ._claim import Perturbation as Perturbation
from ._claim import Report as Report
from ._claim import cite as cite
from ._claim import claim as claim
from ._claim import format_table as format_table
from ._claim import get_claim as get_claim
from ._claim import registry as registry
from ._claim import report_as_dict as report_as_dict
from ._claim import run_all as run_all

__all__ = ["Check", "Claim", "Comparison", "Nontrivial", "Perturbation", "Report", "cite", "claim", "format_table",
           "get_claim", "registry", "report_as_dict", "run_all"]
