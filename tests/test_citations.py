"""Citations point at things a reader can look up: the papers and this repository's docs pages.

(a) No source, docstring, comment, claim text or docs page cites the internal working notes the
    package was first written from ("spec §4.2", "spec LR §3", "SGD-S §5", "T-LR2",
    "shared/specs", "the spec's ..."). In Python files only comments and string literals are
    searched, so a variable called ``spec`` is fine; the word must stand alone, so "spectrum",
    "specific" or ``FigureSpec`` do not count. One test per top-level folder, so a failure says
    where the rest is.
(b) Every ``docs/<page>.md#<anchor>`` reference in a Python file or docs page, and every in-page
    ``](#anchor)`` link of a docs page, names a heading that exists on that page, with the anchor
    computed the way mkdocs' ``toc`` extension computes it.
"""

from __future__ import annotations

import io
import re
import tokenize
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
THIS = Path(__file__).resolve()

# A citation of the notes: the standalone word "spec"/"specs"/"spec's" in prose, or their section
# labels. Case-insensitive; \b keeps "spectrum", "specific" and "FigureSpec" out.
_NOTES = re.compile(r"\bspecs?\b|\bspec's\b|\bSGD-S\b|\bT-LR\d|shared/specs", re.IGNORECASE)
_FSTRING_FIELD = re.compile(r"\{[^{}]*\}")

AREAS = ["theory", "sims", "proofs_check", "tests", "benchmarks", "docs", "README.md", "mkdocs.yml"]


def _files(area: str) -> list[Path]:
    path = ROOT / area
    if path.is_file():
        return [path]
    files = [p for p in path.rglob("*") if p.suffix in {".py", ".md", ".yml", ".yaml", ".txt", ".toml"}]
    return sorted(p for p in files if p.resolve() != THIS and "__pycache__" not in p.parts)


def _prose_of_python(text: str) -> list[tuple[int, str]]:
    """(line, text) of every comment and string literal; replacement fields of f-strings are code."""
    out = []
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.COMMENT:
            out.append((tok.start[0], tok.string))
        elif tok.type == tokenize.STRING:
            s = tok.string
            prefix = s[: len(s) - len(s.lstrip("rRbBuUfF"))]
            if "f" in prefix.lower():
                s = _FSTRING_FIELD.sub("", s)
            out.append((tok.start[0], s))
    return out


def _note_citations(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".py":
        chunks = _prose_of_python(text)
    else:
        chunks = [(i + 1, line) for i, line in enumerate(text.splitlines())]
    hits = []
    for line0, chunk in chunks:
        for k, line in enumerate(chunk.splitlines()):
            if _NOTES.search(line):
                hits.append(f"{path.relative_to(ROOT)}:{line0 + k}: {line.strip()[:120]}")
    return hits


@pytest.mark.parametrize("area", AREAS)
def test_no_citation_of_internal_notes(area):
    if not (ROOT / area).exists():
        pytest.skip(f"{area} does not exist")
    hits = [h for p in _files(area) for h in _note_citations(p)]
    assert not hits, (f"{len(hits)} citation(s) of internal notes in {area}; cite the paper "
                      "(section/theorem/equation) or docs/<theory>.md#<anchor> instead:\n" + "\n".join(hits[:40]))


def test_the_note_pattern_is_neither_blind_nor_too_eager():
    for cited in ["(spec §4.2)", "spec LR §3.1", "SGD-S §5.2", "T-LR4", "shared/specs/lazy_rich.md",
                  "the spec's target", "Spec settings except", "(spec: N(0, 4))"]:
        assert _NOTES.search(cited), cited
    for fine in ["spectrum", "spectral radius", "specific", "FigureSpec", "specification"]:
        assert not _NOTES.search(fine), fine
    code = 'spec = figures[name]\nraise ValueError(f"unknown {sorted(spec.params)}")  # ok\n'
    assert not [c for _, c in _prose_of_python(code) if _NOTES.search(c)]
    assert [c for _, c in _prose_of_python('x = 1  # see spec §3\n') if _NOTES.search(c)]


# --- (b) docs anchors ---------------------------------------------------------------------------

_REF = re.compile(r"docs/([A-Za-z0-9_]+)\.md#([A-Za-z0-9_-]+)")
_LOCAL_LINK = re.compile(r"\]\(#([A-Za-z0-9_-]+)\)")
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


def slugify(heading: str) -> str:
    """The anchor mkdocs' ``toc`` extension gives a heading (Python-Markdown's default slugify)."""
    text = re.sub(r"`([^`]*)`", r"\1", heading)            # inline code keeps its text
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)     # links keep their text
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def anchors(page: Path) -> set[str]:
    """Anchors of every heading on a docs page (fenced code skipped; repeats get ``_1``, ``_2``)."""
    seen: dict[str, int] = {}
    out = set()
    fenced = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        m = None if fenced else _HEADING.match(line)
        if m:
            slug = slugify(m.group(2))
            n = seen.get(slug, 0)
            seen[slug] = n + 1
            out.add(slug if n == 0 else f"{slug}_{n}")
    return out


def test_slugify_matches_mkdocs_toc():
    assert slugify("Exact solution for whitened input") == "exact-solution-for-whitened-input"
    assert slugify("Limit, basins and sign flip") == "limit-basins-and-sign-flip"
    assert slugify("Implicit bias for general X") == "implicit-bias-for-general-x"
    assert slugify("Theorem 1: the Lyapunov criterion") == "theorem-1-the-lyapunov-criterion"
    assert slugify("Teacher–student (rank)") == "teacherstudent-rank"
    try:  # cross-check with Python-Markdown's own slugify when it is installed (mkdocs needs it)
        from markdown.extensions.toc import slugify as md_slugify
    except ImportError:
        return
    for h in ["Exact solution for whitened input", "Limit, basins and sign flip", "Why phase II is rare",
              "What the papers state", "Four notions of stability", "Teacher–student (rank)"]:
        assert slugify(h) == md_slugify(h, "-")


def _referencing_files() -> list[Path]:
    files = [p for area in ["theory", "sims", "proofs_check", "tests", "benchmarks"]
             for p in (ROOT / area).rglob("*.py") if "__pycache__" not in p.parts]
    return sorted(files + list((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"])


def test_every_docs_anchor_reference_resolves():
    pages: dict[str, set[str]] = {}
    bad = []
    refs = 0
    for path in _referencing_files():
        if not path.exists():
            continue
        text = path.read_text(encoding="utf-8")
        for lineno, line in enumerate(text.splitlines(), 1):
            for page, anchor in _REF.findall(line):
                refs += 1
                target = ROOT / "docs" / f"{page}.md"
                if page not in pages:
                    pages[page] = anchors(target) if target.exists() else set()
                if anchor not in pages[page]:
                    bad.append(f"{path.relative_to(ROOT)}:{lineno}: docs/{page}.md#{anchor}")
    assert refs > 0, "no docs/<page>.md#<anchor> references found: the scan is broken"
    assert not bad, "references to headings that do not exist:\n" + "\n".join(bad)


@pytest.mark.parametrize("page", sorted(p.name for p in (ROOT / "docs").glob("*.md")))
def test_in_page_links_resolve(page):
    path = ROOT / "docs" / page
    known = anchors(path)
    bad = [a for a in _LOCAL_LINK.findall(path.read_text(encoding="utf-8")) if a not in known]
    assert not bad, f"docs/{page} links to missing headings: {bad}"
