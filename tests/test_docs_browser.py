"""The docs site builds strictly and every page renders in a real browser: formulas typeset,
images loaded, no console errors, internal links resolving (see tests/docs_browser.py)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import docs_browser
import pytest

ROOT = Path(__file__).resolve().parents[1]
# CI installs chromium and sets this, so that a missing browser fails instead of skipping.
REQUIRED = os.environ.get("DLTHEORY_REQUIRE_BROWSER") == "1"


def _need(condition: bool, why: str) -> None:
    if not condition:
        if REQUIRED:
            pytest.fail(why)
        pytest.skip(why)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    _need(shutil.which("mkdocs") is not None or _has_module("mkdocs"), "mkdocs is not installed (pip install -e .[docs])")
    out = tmp_path_factory.mktemp("site")
    # Without the PDF copies: drawing every figure again as a PDF takes minutes (the torch bridge's
    # figures included); the pages then carry PNG links only. save_figure's PDF path is tested in
    # tests/sims/test_figures_registry.py.
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DLTHEORY_DOCS_PDF": "0"}
    build = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(out)],
                           cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)
    assert build.returncode == 0, build.stdout + build.stderr
    return out


def _has_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def _need_browser() -> None:
    _need(docs_browser.CHROMIUM is not None and docs_browser.CHROMEDRIVER is not None,
          "headless Chromium not found (apt-get install chromium chromium-driver)")
    _need(_has_module("selenium"), "selenium is not installed")


@pytest.mark.slow  # builds the site, PDFs of every figure included (~25 s)
def test_every_page_renders(site):
    _need_browser()
    pages = docs_browser.site_pages(site)
    assert {"", "lazy_rich/", "sgd_stability/", "contributing/"} <= set(pages)
    problems = docs_browser.site_problems(site)
    assert problems == [], "\n".join(problems)


BROKEN_PAGE = """<!doctype html><html><head><meta charset="utf-8"></head><body><article>
<p>A formula left as TeX: $x_{t+1} = x_t$ and \\(y\\).</p>
<p>Markdown ate a star: β* and <span class="arithmatex">\\(a <em>b</em> c\\)</span>.</p>
<math><mi>a</mi><mo>=</mo><mi>b</mi><mo>$$</mo><mo>$$</mo><mi>c</mi></math>
<img src="missing.png">
<a href="nowhere.html">dead link</a> <a href="#no-such-anchor">dead anchor</a>
<script>console.error("boom")</script>
</article></body></html>"""


def test_the_checker_catches_a_broken_page(tmp_path):
    _need_browser()
    (tmp_path / "index.html").write_text(BROKEN_PAGE)
    problems = "\n".join(docs_browser.site_problems(tmp_path))
    for expected in ("raw TeX in text", "stray * in text", "formula not rendered", "emphasis inside a formula",
                     "image did not load: missing.png", "console error", "broken link",
                     "link to a missing anchor", "$ inside a formula"):
        assert expected in problems, f"{expected!r} not reported:\n{problems}"


@pytest.mark.slow
def test_api_pages_list_exactly_the_public_names(site):
    import importlib
    import re

    from theory.catalog import implemented_theories

    for name in implemented_theories():
        html = (site / "api" / name / "index.html").read_text()
        for layer in ("theory", "sims"):
            module = importlib.import_module(f"{layer}.{name}")
            shown = set(re.findall(rf'id="{layer}\.{name}\.(\w+)"', html))
            assert shown == set(module.__all__), (f"api/{name}: {layer}.{name} missing "
                                                  f"{sorted(set(module.__all__) - shown)}, extra {sorted(shown - set(module.__all__))}")
