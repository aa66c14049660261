"""The docs pages stay in sync with the figure and claim registries."""

import json
import re
from pathlib import Path

import pytest

from proofs_check import registry
from sims.figures import figure_registry
from theory.catalog import implemented_theories

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("theory", implemented_theories())
def test_page_shows_every_figure_and_names_real_claims(theory):
    figures = figure_registry(theory)
    page = ROOT / "docs" / f"{theory}.md"
    if not figures and not registry(theory):
        pytest.skip(f"{theory} has no figures or claims yet")
    text = page.read_text()
    for name, spec in figures.items():
        assert f"figures/{name}.png" in text, f"docs/{theory}.md does not show figure {name}"
        for claim in spec.claims:
            assert claim in registry(theory), f"figure {name} cites unknown claim {claim}"
    mentioned = set(re.findall(rf"`({theory}\.[a-z0-9_.]+[a-z0-9_])`", text)) - {f"{theory}.symbolic."}
    known = set(registry(theory))
    assert mentioned <= known | {f"{theory}.symbolic.*"}, f"page names unknown claims {mentioned - known}"
    non_symbolic = {n for n in known if ".symbolic." not in n}
    assert non_symbolic <= mentioned, f"claims missing from docs/{theory}.md: {non_symbolic - mentioned}"


def test_committed_figures_match_manifest():
    manifest = json.loads((ROOT / "figures" / "manifest.json").read_text())["figures"]
    assert set(manifest) == set(figure_registry()), "run `dltheory figures` to refresh figures/"
    for name, entry in manifest.items():
        assert (ROOT / "figures" / entry["file"]).exists()
        assert {"parameters", "seed", "version", "sha256", "claims"} <= set(entry)
