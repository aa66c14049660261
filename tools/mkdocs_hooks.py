"""mkdocs hooks for the dltheory site: mathematics rendered at build time, figures that open full size.

Formulas are written in LaTeX between ``$…$`` (inline) and ``$$…$$`` (display).
``pymdownx.arithmatex`` (generic mode) keeps Markdown away from them and leaves them as
``<span class="arithmatex">\\(…\\)</span>`` / ``<div class="arithmatex">\\[…\\]</div>``; this hook
converts each one to MathML with ``latex2mathml`` while the site is built, so pages need no
JavaScript, no fonts and no network to show mathematics (browsers render MathML natively).
A formula that does not convert fails the build with its text, rather than showing raw TeX.

Every figure on a page links to its full-size PNG and to a PDF (vector, for slides and papers),
which ``on_post_build`` draws from the figure registry into ``site/figures/pdf/`` (every figure
is computed again: minutes). ``DLTHEORY_DOCS_PDF=0`` skips that, e.g. under ``mkdocs serve`` or in
the browser test, and then the pages carry no PDF links.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

_INLINE = re.compile(r'<span class="arithmatex">\\\((.+?)\\\)</span>', re.S)
_DISPLAY = re.compile(r'<div class="arithmatex">\\\[(.+?)\\\]</div>', re.S)
# Docstrings use Sphinx roles (:func:`name`); mkdocstrings renders the name as code and leaves the
# role text in front of it, which is dropped here.
_ROLE = re.compile(r":(?:func|class|meth|attr|data|mod|obj|exc):(<code>)")
# Docstrings and claims cite the package's own derivations as docs/<page>.md#<anchor>; on the site
# those citations become links (which the browser test then follows).
_DOCS_REF = re.compile(r'(?<![\w/"#=])docs/(\w+)\.md#([a-z0-9-]+)')
# A figure image on a page becomes a link to the full-size file (opened in a new tab).
_FIGURE_IMG = re.compile(r'(<img [^>]*src="([^"]*figures/[^"]+)"[^>]*>)')


_UNKNOWN_COMMAND = re.compile(r"<m[ion][^>]*>(\\[A-Za-z]+)</m[ion]>")


def _to_mathml(tex: str, display: str, where: str) -> str:
    from latex2mathml.converter import convert

    source = html.unescape(tex).strip()
    try:
        mathml = convert(source, display=display)
    except Exception as exc:  # noqa: BLE001 - any converter failure is a broken formula on the page
        raise ValueError(f"{where}: cannot render formula {source!r}: {exc}") from exc
    # a command the converter does not know (\arg, say) comes through as its own name in a token
    unknown = _UNKNOWN_COMMAND.search(mathml)
    if unknown:
        raise ValueError(f"{where}: formula {source!r} uses {unknown.group(1)}, which latex2mathml does not know "
                         "(write e.g. \\mathrm{arg\\,min} instead of \\arg\\min)")
    return mathml


def on_page_content(content: str, page, config, files) -> str:
    where = page.file.src_path
    content = _DISPLAY.sub(lambda m: f'<div class="math-display">{_to_mathml(m.group(1), "block", where)}</div>',
                           content)
    content = _INLINE.sub(lambda m: _to_mathml(m.group(1), "inline", where), content)
    content = _ROLE.sub(r"\1", content)
    up = "../" * page.url.count("/")  # from this page's directory to the site root
    content = _DOCS_REF.sub(lambda m: f'<a href="{up}{m.group(1)}/#{m.group(2)}">{m.group(0)}</a>', content)
    return _FIGURE_IMG.sub(_figure_links, content)


def _pdf_enabled() -> bool:
    return os.environ.get("DLTHEORY_DOCS_PDF", "1") != "0"


def _figure_links(m: re.Match) -> str:
    img, src = m.group(1), m.group(2)
    head, _, name = src.rpartition("figures/")
    pdf = f"{head}figures/pdf/{name.rsplit('.', 1)[0]}.pdf"
    files = f'<a href="{src}">PNG</a>' + (f' · <a href="{pdf}">PDF</a>' if _pdf_enabled() else "")
    return (f'<a class="figure-link" href="{src}" target="_blank" title="open full size">{img}</a>'
            f'<span class="figure-files">{files}</span>')


def on_post_build(config) -> None:
    if not _pdf_enabled():
        return
    import matplotlib

    matplotlib.use("Agg")
    from sims.figures import generate_figures

    generate_figures(outdir=Path(config["site_dir"]) / "figures" / "pdf", fmt="pdf", progress=False)
