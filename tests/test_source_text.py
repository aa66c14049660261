"""Source and docs text holds no control characters.

A docstring that means ``\\alpha``, ``\\theta`` or ``\\top`` but was written without ``r""`` (or
pasted through such a string) stores a bell, a tab or a form feed instead, which renders as
garbage in help() and on the docs pages.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted(p for top in ("theory", "sims", "proofs_check", "dltheory", "docs", "tests", "benchmarks", "tools")
               for p in (ROOT / top).rglob("*") if p.suffix in (".py", ".md")) + [ROOT / "README.md"]
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")   # below space, tab included; newlines are split off


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_control_characters(path):
    bad = [(i, line) for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
           if _CONTROL.search(line)]
    assert not bad, f"{path.relative_to(ROOT)}:{bad[0][0]}: control character in {bad[0][1]!r}"
