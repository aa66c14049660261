"""The committed figures match the figure registry (the per-theory page checks are in
tests/test_theory_contract.py)."""

import json
from pathlib import Path

from sims.figures import figure_registry

ROOT = Path(__file__).resolve().parents[1]


def test_committed_figures_match_manifest():
    manifest = json.loads((ROOT / "figures" / "manifest.json").read_text())["figures"]
    assert set(manifest) == set(figure_registry()), "run `dltheory figures` to refresh figures/"
    for name, entry in manifest.items():
        assert (ROOT / "figures" / entry["file"]).exists()
        assert {"parameters", "seed", "version", "sha256", "claims"} <= set(entry)
