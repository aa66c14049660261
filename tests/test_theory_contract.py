"""Every theory satisfies the contract of docs/contributing.md (checked by tests/theory_contract.py),
and a theory added without following it is caught rather than silently skipped."""

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import theory_contract

from theory.catalog import PAPERS, THEORIES, implemented_theories, phase_systems, phase_theory

ROOT = Path(__file__).resolve().parents[1]


def test_the_repository_satisfies_the_contract():
    found = theory_contract.problems(ROOT)
    assert found == [], "\n".join(found)


def test_catalogue_entries_are_well_formed():
    for name, info in THEORIES.items():
        assert info.name == name and name.isidentifier()
        assert info.status in ("complete", "planned")
        assert info.papers and all(key in PAPERS for key in info.papers), f"{name} cites unknown papers"
    # each phase-diagram system belongs to exactly one implemented theory, and names are unique
    systems = phase_systems()
    assert len(set(systems)) == len(systems)
    assert {phase_theory(s) for s in systems} <= set(implemented_theories())
    assert phase_theory("ntp_separability") == "ntp" and phase_theory("lazy_rich") == "lazy_rich"
    with pytest.raises(ValueError, match="system must be one of"):
        phase_theory("ntp")
    # every catalogued paper is cited by some theory (no orphans to keep in sync)
    assert {k for t in THEORIES.values() for k in t.papers} == set(PAPERS)


def test_packages_export_exactly_the_implemented_theories():
    import proofs_check
    import sims
    import theory

    for package in (theory, sims):
        exported = {n for n in package.__all__ if n in THEORIES}
        assert exported == set(implemented_theories()), package.__name__
    # proofs_check loads each theory's claims through the catalogue, not by a list of its own
    assert {c.theory for c in proofs_check.registry().values()} == set(implemented_theories())


# --------------------------------------------------------------------------------------------
# a throw-away theory in a copy of the tree: the silent failure the contract exists to catch

_FIGURES = '''
from sims.figures import register_figure


@register_figure("foo_plot", theory="foo")
def _plot(seed):
    import matplotlib.figure

    return matplotlib.figure.Figure()
'''

_CLAIMS = '''
from proofs_check import Comparison, Nontrivial, Perturbation, claim


@claim("foo.always_fails", source="nowhere", statement="1 = 2.", tolerance_reason="none",
       seeds=range(1), seeds_reason="deterministic", wrong=Perturbation(absolute=1.0))
def _always_fails(setting, seed, perturb):
    return Comparison(prediction=perturb(1.0), observed=2.0, error=1.0, tolerance=0.0, unit="absolute",
                      nontrivial=Nontrivial("the difference", 1.0, 0.5))
'''


def _copy_tree(dest: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.nbi", "*.nbc")
    for name in ("theory", "sims", "proofs_check", "docs", "figures", "tests"):
        shutil.copytree(ROOT / name, dest / name, ignore=ignore)
    for name in ("README.md", "mkdocs.yml"):
        shutil.copy(ROOT / name, dest / name)


def _add_throwaway_theory(dest: Path) -> None:
    for layer in ("theory", "sims", "proofs_check"):
        (dest / layer / "foo").mkdir()
        (dest / layer / "foo" / "__init__.py").write_text('"""A throw-away theory."""\n')
    (dest / "sims" / "foo" / "_figures.py").write_text(textwrap.dedent(_FIGURES))
    (dest / "proofs_check" / "foo" / "__init__.py").write_text(textwrap.dedent(_CLAIMS))


def _run(dest: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=dest, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def tree_with_foo(tmp_path_factory):
    dest = tmp_path_factory.mktemp("tree")
    _copy_tree(dest)
    _add_throwaway_theory(dest)
    return dest


@pytest.mark.slow
def test_an_uncatalogued_theory_fails_the_contract(tree_with_foo):
    result = _run(tree_with_foo, "tests/theory_contract.py")
    assert result.returncode == 1, result.stdout + result.stderr
    for layer in ("theory", "sims", "proofs_check"):
        assert f"{layer}/foo is not a theory in theory/catalog.py" in result.stdout


@pytest.mark.slow
def test_a_catalogued_theory_is_loaded_and_its_gaps_reported(tree_with_foo, tmp_path):
    dest = tmp_path / "tree"
    shutil.copytree(tree_with_foo, dest)
    catalog = dest / "theory" / "catalog.py"
    text = catalog.read_text()
    entry = '    TheoryInfo("foo", "a throw-away theory", "Foo", ("kunin2024",), "complete"),\n'
    text = text.replace("_THEORY_LIST = (\n", "_THEORY_LIST = (\n" + entry, 1)
    catalog.write_text(text)
    # its failing claim is now registered (and so run by tests/test_claims.py), not skipped
    probe = _run(dest, "-c", "import proofs_check; print(sorted(proofs_check.registry('foo')))")
    assert probe.returncode == 0, probe.stderr
    assert "foo.always_fails" in probe.stdout
    result = _run(dest, "tests/theory_contract.py")
    assert result.returncode == 1
    expected = ["theory/__init__.py does not export 'foo'", "sims/__init__.py does not export 'foo'",
                "figure foo_plot is not in figures/manifest.json", "docs/foo.md does not exist",
                "docs/foo.md is not in the mkdocs.yml nav",
                "README.md: the theory block differs from theory/catalog.py"]
    for line in expected:
        assert line in result.stdout, f"missing {line!r} in:\n{result.stdout}"


@pytest.mark.slow
def test_a_planned_theory_with_code_fails_the_contract(tmp_path):
    # a throw-away planned theory, so the test does not depend on which real theories are still planned
    dest = tmp_path / "tree"
    _copy_tree(dest)
    catalog = dest / "theory" / "catalog.py"
    entry = '    TheoryInfo("foo", "a throw-away theory", "Foo", ("kunin2024",), "planned"),\n'
    catalog.write_text(catalog.read_text().replace("_THEORY_LIST = (\n", "_THEORY_LIST = (\n" + entry, 1))
    (dest / "sims" / "foo").mkdir()
    (dest / "sims" / "foo" / "__init__.py").write_text("")
    result = _run(dest, "tests/theory_contract.py")
    assert result.returncode == 1
    assert "sims/foo exists but theory/catalog.py lists 'foo' as planned" in result.stdout


@pytest.mark.slow
def test_write_regenerates_the_tables(tmp_path):
    dest = tmp_path / "tree"
    _copy_tree(dest)
    readme = dest / "README.md"
    readme.write_text(readme.read_text().replace("| complete |", "| stale |", 1))
    assert "README.md: the theory block differs" in _run(dest, "tests/theory_contract.py").stdout
    assert _run(dest, "tests/theory_contract.py", "--write").returncode == 0
    assert readme.read_text() == (ROOT / "README.md").read_text()
