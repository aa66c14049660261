"""The committed figures match the figure registry (the per-theory page checks are in
tests/test_theory_contract.py), and the docs build refuses formulas it cannot render."""

import json
from pathlib import Path

import pytest

from sims.figures import figure_registry

ROOT = Path(__file__).resolve().parents[1]


def test_committed_figures_match_manifest():
    manifest = json.loads((ROOT / "figures" / "manifest.json").read_text())["figures"]
    assert set(manifest) == set(figure_registry()), "run `dltheory figures` to refresh figures/"
    for name, entry in manifest.items():
        assert (ROOT / "figures" / entry["file"]).exists()
        assert {"parameters", "seed", "version", "sha256", "claims"} <= set(entry)


def _hooks():
    import importlib.util

    spec = importlib.util.spec_from_file_location("hooks", Path(__file__).parents[1] / "tools" / "mkdocs_hooks.py")
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    return hooks


@pytest.mark.parametrize("tex", [r"\arg\min_W \lVert W\rVert", r"x = \frob{y}", r"\unknowncmd + 1"])
def test_a_formula_with_a_command_the_converter_does_not_know_fails_the_build(tex):
    # latex2mathml passes an unknown command through as text (\arg showed on the attention page)
    with pytest.raises(ValueError, match="does not know"):
        _hooks()._to_mathml(tex, "inline", "page.md")


@pytest.mark.parametrize("tex", [r"\mathrm{arg\,min}_W \lVert W\rVert", r"\lVert x\rVert_\ast \le \sqrt{2}"])
def test_known_commands_convert(tex):
    assert "\\" not in _hooks()._to_mathml(tex, "inline", "page.md")
