"""``python -m proofs_check`` is ``dltheory`` (e.g. ``python -m proofs_check verify``)."""

import sys

from .cli import main

sys.exit(main())
