"""proofs_check.attention_svm: the registry holds the claims the docs page names, with sources.

Every claim's run over its seeds and the failure of its wrong prediction are in tests/test_claims.py.
"""

from __future__ import annotations

import re
from pathlib import Path

from proofs_check import registry

PAGE = Path(__file__).resolve().parents[2] / "docs" / "attention_svm.md"


def test_every_claim_is_named_on_the_page_and_cites_a_paper_and_a_section():
    claims = registry("attention_svm")
    assert len(claims) >= 8
    text = PAGE.read_text()
    for name, c in claims.items():
        assert f"`{name}`" in text
        assert "docs/attention_svm.md#" in c.source
        assert re.search(r"Tarzanagh|Vasudeva", c.source)
