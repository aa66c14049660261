"""The contract every theory satisfies, as a function a test (and a contributor) can run.

``problems(root)`` checks the repository at ``root`` against ``theory.catalog`` and returns one
line per violation (an empty list means the contract holds). The packages it imports are the
ones on ``sys.path``: run it with ``root`` first on the path (``python tests/theory_contract.py``
from the repository root does that). ``--write`` regenerates the catalogue-derived blocks of
README.md, docs/index.md and mkdocs.yml.

What is checked is the checklist of ``docs/contributing.md``:

1. every subpackage of ``theory``, ``sims`` and ``proofs_check`` is a catalogued theory
   (or a listed shared subpackage), and a theory catalogued as planned has none;
2. every implemented theory imports in all three layers and is exported by ``theory`` and ``sims``;
3. it registers claims and figures; each figure is in ``figures/manifest.json``, its file exists
   and the docs page shows it; each claim the figure cites is registered;
4. its docs page exists, is in the mkdocs nav, and names every non-symbolic claim;
5. it has a phase diagram exactly when the catalogue says so;
6. the theory tables of README.md and docs/index.md, the nav of mkdocs.yml and the API pages
   ``docs/api/<theory>.md`` are the ones the catalogue generates.
"""

from __future__ import annotations

import importlib
import json
import re
import sys
from pathlib import Path

LAYERS = ("theory", "sims", "proofs_check")
# Public subpackages of a layer that are shared machinery, not theories.
SHARED_SUBPACKAGES: dict[str, frozenset[str]] = {"theory": frozenset(), "sims": frozenset(),
                                                 "proofs_check": frozenset()}

BEGIN, END = "<!-- theories:begin (generated from theory/catalog.py) -->", "<!-- theories:end -->"
NAV_BEGIN, NAV_END = "# theories:begin (generated from theory/catalog.py)", "# theories:end"
API_BEGIN, API_END = "# api:begin (generated from theory/catalog.py)", "# api:end"


# --------------------------------------------------------------------------------------------
# generated blocks


def _papers_cell(info, catalog) -> str:
    papers = [catalog.PAPERS[k] for k in info.papers]
    main, rest = papers[0], papers[1:]
    text = f'{main.cite()}, "{main.title}" (arXiv {main.arxiv})'
    if rest:
        text += "; with " + "; ".join(f"{p.cite()} (arXiv {p.arxiv})" for p in rest)
    return text


def readme_table(catalog) -> str:
    rows = ["| theory | papers | status |", "|---|---|---|"]
    for info in catalog.THEORIES.values():
        rows.append(f"| `{info.name}`: {info.title} | {_papers_cell(info, catalog)} | {info.status} |")
    return "\n".join(rows)


def index_table(catalog) -> str:
    rows = ["| theory | papers | page |", "|---|---|---|"]
    for info in catalog.THEORIES.values():
        page = f"[`{info.name}`]({info.docs_page})" if info.status != "planned" else "planned"
        rows.append(f"| {info.title} | {_papers_cell(info, catalog)} | {page} |")
    return "\n".join(rows)


def nav_lines(catalog) -> str:
    return "\n".join(f"  - {info.nav_title}: {info.docs_page}" for info in catalog.THEORIES.values()
                     if info.status != "planned")


def api_nav_lines(catalog) -> str:
    return "\n".join(f"    - {info.name}: api/{info.name}.md" for info in catalog.THEORIES.values()
                     if info.status != "planned")


def api_page(info) -> str:
    """The API reference page of one theory: its public names in ``theory`` and ``sims``,
    rendered from the docstrings by mkdocstrings."""
    return (f"# {info.name}: API reference\n\n"
            f"Generated from the docstrings by `python tests/theory_contract.py --write`; the names are "
            f"exactly `theory.{info.name}.__all__` and `sims.{info.name}.__all__`. The mathematics "
            f"behind them is on the [theory page](../{info.docs_page}).\n\n"
            f"::: theory.{info.name}\n\n::: sims.{info.name}\n")


def _replace_block(text: str, begin: str, end: str, body: str) -> str | None:
    """``text`` with the lines between the ``begin`` and ``end`` marker lines replaced by ``body``;
    None if the markers are missing."""
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if line.strip() == begin]
    ends = [i for i, line in enumerate(lines) if line.strip() == end]
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        return None
    indent = lines[starts[0]][: len(lines[starts[0]]) - len(lines[starts[0]].lstrip())]
    return "\n".join(lines[: starts[0] + 1] + body.split("\n") + [indent + end] + lines[ends[0] + 1:])


def generated_files(root: Path, catalog) -> dict[Path, list[tuple[str, str, str]]]:
    """File → [(begin marker, end marker, generated body), ...]."""
    return {root / "README.md": [(BEGIN, END, readme_table(catalog))],
            root / "docs" / "index.md": [(BEGIN, END, index_table(catalog))],
            root / "mkdocs.yml": [(NAV_BEGIN, NAV_END, nav_lines(catalog)),
                                  (API_BEGIN, API_END, api_nav_lines(catalog))]}


def generated_pages(root: Path, catalog) -> dict[Path, str]:
    """Whole generated files: the API reference page of every implemented theory."""
    return {root / "docs" / "api" / f"{info.name}.md": api_page(info)
            for info in catalog.THEORIES.values() if info.status != "planned"}


def write_generated(root: Path) -> list[Path]:
    """Rewrite the catalogue-derived blocks; return the files that changed."""
    catalog = importlib.import_module("theory.catalog")
    changed = []
    for path, blocks in generated_files(root, catalog).items():
        text = new = path.read_text()
        for begin, end, body in blocks:
            new = _replace_block(new, begin, end, body)
            if new is None:
                raise SystemExit(f"{path}: markers {begin!r} / {end!r} not found (exactly once each)")
        if new != text:
            path.write_text(new)
            changed.append(path)
    for path, text in generated_pages(root, catalog).items():
        if not path.exists() or path.read_text() != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            changed.append(path)
    return changed


# --------------------------------------------------------------------------------------------
# the check


def _subpackages(root: Path, layer: str) -> set[str]:
    return {p.parent.name for p in (root / layer).glob("*/__init__.py") if not p.parent.name.startswith("_")}


def _nav_pages(mkdocs_text: str) -> set[str]:
    return set(re.findall(r":\s*([\w./-]+\.md)\s*$", mkdocs_text, flags=re.M))


def problems(root: str | Path = ".") -> list[str]:
    """Every violation of the theory contract in the repository at ``root`` (empty if none)."""
    root = Path(root).resolve()
    found: list[str] = []
    catalog = importlib.import_module("theory.catalog")
    implemented = set(catalog.implemented_theories())
    planned = set(catalog.THEORIES) - implemented

    # 1. the directories on disk and the catalogue agree
    for layer in LAYERS:
        for name in sorted(_subpackages(root, layer) - set(catalog.THEORIES) - SHARED_SUBPACKAGES[layer]):
            found.append(f"{layer}/{name} is not a theory in theory/catalog.py (add it to THEORIES, "
                         f"or to SHARED_SUBPACKAGES in tests/theory_contract.py if it is shared machinery)")
        for name in sorted(_subpackages(root, layer) & planned):
            found.append(f"{layer}/{name} exists but theory/catalog.py lists {name!r} as planned")

    manifest_path = root / "figures" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())["figures"] if manifest_path.exists() else {}
    mkdocs_text = (root / "mkdocs.yml").read_text() if (root / "mkdocs.yml").exists() else ""
    nav = _nav_pages(mkdocs_text)

    for name in sorted(implemented):
        info = catalog.THEORIES[name]
        # 2. three layers import and are exported
        modules = {}
        for layer in LAYERS:
            try:
                modules[layer] = importlib.import_module(f"{layer}.{name}")
            except Exception as exc:  # noqa: BLE001 - any failure to import is a contract violation
                found.append(f"{layer}.{name} does not import: {type(exc).__name__}: {exc}")
        for layer in ("theory", "sims"):
            package = importlib.import_module(layer)
            if name not in getattr(package, "__all__", ()):
                found.append(f"{layer}/__init__.py does not export {name!r}")
        if len(modules) < len(LAYERS):
            continue

        # 3. claims and figures
        from proofs_check import registry
        from sims.figures import figure_registry

        claims = registry(name)
        figures = figure_registry(name)
        if not claims:
            found.append(f"{name} registers no claims (proofs_check.{name})")
        if not figures:
            found.append(f"{name} registers no figures (sims/{name}/_figures.py)")
        page_path = root / "docs" / info.docs_page
        page = page_path.read_text() if page_path.exists() else None
        if page is None:
            found.append(f"docs/{info.docs_page} does not exist")
        for fig_name, spec in figures.items():
            entry = manifest.get(fig_name)
            if entry is None:
                found.append(f"figure {fig_name} is not in figures/manifest.json (run `dltheory figures`)")
            elif not (root / "figures" / entry["file"]).exists():
                found.append(f"figure {fig_name}: figures/{entry['file']} is missing")
            if page is not None and f"figures/{fig_name}.png" not in page:
                found.append(f"docs/{info.docs_page} does not show figure {fig_name}")
            for cited in spec.claims:
                if cited not in claims:
                    found.append(f"figure {fig_name} cites unknown claim {cited}")

        # 4. the docs page: in the nav, names every non-symbolic claim
        if info.docs_page not in nav:
            found.append(f"docs/{info.docs_page} is not in the mkdocs.yml nav")
        if page is not None:
            mentioned = set(re.findall(rf"`({name}\.[a-z0-9_.]+[a-z0-9_])`", page))
            for claim_name in sorted(n for n in claims if ".symbolic." not in n):
                if claim_name not in mentioned:
                    found.append(f"docs/{info.docs_page} does not name claim {claim_name}")
            unknown = {m for m in mentioned if m not in claims and not m.startswith(f"{name}.symbolic")}
            for m in sorted(unknown):
                found.append(f"docs/{info.docs_page} names unknown claim {m}")

        # 5. a phase diagram exactly when catalogued
        system = info.phase_system
        has_phase = callable(getattr(modules["sims"], f"{system}_phase_diagram", None))
        if info.phase_diagram and not has_phase:
            found.append(f"catalogue says {name} has a phase diagram but sims.{name}.{system}_phase_diagram is missing")
        if not info.phase_diagram and (has_phase or (root / "sims" / name / "_phase.py").exists()):
            found.append(f"sims.{name} has a phase diagram; set phase_diagram=True in theory/catalog.py")

    # 6. generated tables, nav and API pages
    for path, blocks in generated_files(root, catalog).items():
        rel = path.relative_to(root)
        text = path.read_text() if path.exists() else ""
        for begin, end, body in blocks:
            new = _replace_block(text, begin, end, body)
            if new is None:
                found.append(f"{rel} lacks the generated theory block ({begin} ... {end})")
            elif new != text:
                found.append(f"{rel}: the theory block differs from theory/catalog.py "
                             f"(run `python tests/theory_contract.py --write`)")
    for path, text in generated_pages(root, catalog).items():
        rel = path.relative_to(root)
        if not path.exists() or path.read_text() != text:
            found.append(f"{rel} is missing or differs from theory/catalog.py "
                         f"(run `python tests/theory_contract.py --write`)")
    api_dir = root / "docs" / "api"
    expected = {p.name for p in generated_pages(root, catalog)} | {"index.md"}
    for stray in sorted(p.name for p in api_dir.glob("*.md") if p.name not in expected):
        found.append(f"docs/api/{stray} is not the API page of an implemented theory")
    return found


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    root = Path.cwd()
    if argv == ["--write"]:
        for path in write_generated(root):
            print(f"rewrote {path.relative_to(root)}")
        return 0
    if argv:
        print("usage: python tests/theory_contract.py [--write]", file=sys.stderr)
        return 2
    found = problems(root)
    for line in found:
        print(line)
    print(f"{len(found)} contract problems")
    return 1 if found else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path.cwd()))  # check the packages of the tree we are run in
    sys.exit(main())
