"""``import dltheory`` gives the version, the catalogue and the three layers."""

import re
from pathlib import Path

import dltheory

ROOT = Path(__file__).resolve().parents[1]


def test_version_matches_pyproject():
    declared = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M).group(1)
    assert dltheory.__version__ == declared


def test_layers_and_catalogue_are_attributes():
    import proofs_check
    import sims
    import theory

    assert (dltheory.theory, dltheory.sims, dltheory.proofs_check) == (theory, sims, proofs_check)
    assert dltheory.THEORIES is theory.catalog.THEORIES
    assert set(dltheory.__all__) == {"THEORIES", "__version__", "proofs_check", "sims", "theory"}
