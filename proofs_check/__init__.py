"""proofs_check: do theory and simulation agree? One Claim per theorem, a registry, a table.

``proofs_check.run_all()`` checks every registered claim and prints a table;
``dltheory verify`` is its command-line face.
"""

from ._claim import Claim as Claim
from ._claim import Comparison as Comparison
from ._claim import Report as Report
from ._claim import claim as claim
from ._claim import format_table as format_table
from ._claim import get_claim as get_claim
from ._claim import registry as registry
from ._claim import run_all as run_all

__all__ = ["Claim", "Comparison", "Report", "claim", "format_table", "get_claim", "registry",
           "run_all"]
