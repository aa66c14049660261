"""Load built docs pages in headless Chromium and list what a reader would see broken.

Used by ``tests/test_docs_browser.py``; also runnable by hand against a built site::

    mkdocs build -d /tmp/site && python tests/docs_browser.py /tmp/site

It needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them) and selenium.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

# Runs in the page: what the eye would flag. Text is read outside code, scripts and MathML.
_PAGE_CHECK_JS = r"""
const out = [];
const body = document.querySelector('article') || document.body;
const clone = body.cloneNode(true);
clone.querySelectorAll('pre, code, script, style, math, .headerlink').forEach(e => e.remove());
const text = clone.textContent;
// Narrative pages also flag a bare subscript (η_w, x_i); API pages render docstrings, which are
// read in terminals too, where that plain notation is the convention.
const strict = arguments[0];
const raw = text.match(strict ? /\$[^$\s][^$]*\$|\\[()\[\]]|\\[a-zA-Z]{2,}|\^\{|_\{|[A-Za-z\u0391-\u03c9]_[A-Za-z0-9\u0391-\u03c9]/
                              : /\$[^$\s][^$]*\$|\\[()\[\]]|\\[a-zA-Z]{2,}|\^\{|_\{/);
if (raw) out.push('raw TeX in text: ' + JSON.stringify(text.substr(Math.max(0, raw.index - 30), 80)));
const star = text.indexOf('*');
if (star >= 0) out.push('stray * in text: ' + JSON.stringify(text.substr(Math.max(0, star - 30), 60)));
document.querySelectorAll('.arithmatex').forEach(e =>
    out.push('formula not rendered: ' + JSON.stringify(e.textContent.substr(0, 60))));
document.querySelectorAll('math em, math strong, .arithmatex em').forEach(e =>
    out.push('emphasis inside a formula: ' + JSON.stringify(e.textContent.substr(0, 60))));
document.querySelectorAll('math').forEach(m => {
    // two display blocks with no blank line between them are read as one formula with "$$" inside
    if (m.textContent.includes('$')) out.push('$ inside a formula: ' + JSON.stringify(m.textContent.substr(0, 60)));
    const r = m.getBoundingClientRect();
    if (m.offsetParent !== null && (r.width === 0 || r.height === 0))
        out.push('formula has no size: ' + JSON.stringify(m.textContent.substr(0, 60)));
});
document.querySelectorAll('img').forEach(img => {
    if (!img.complete || img.naturalWidth === 0) out.push('image did not load: ' + img.getAttribute('src'));
});
return out;
"""

_LINKS_JS = r"""
return Array.from(document.querySelectorAll('a[href]')).map(a => a.href);
"""


@contextmanager
def serve(directory: str | Path):
    """Serve ``directory`` on 127.0.0.1 (a free port) for the duration of the block; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # The browser cancels requests it no longer needs; a broken pipe then is not a failure.
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


@contextmanager
def browser():
    """A headless Chromium driven by selenium, with the browser console log enabled."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1000"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def _url_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def page_problems(driver, url: str, base: str) -> list[str]:
    """Everything wrong with the page at ``url`` as rendered: raw TeX, emphasis eaten into
    formulas, stray ``*``, unloaded images, console errors, internal links that do not resolve.
    On narrative pages (not ``api/``) a bare subscript such as ``η_w`` in text counts as raw TeX."""
    driver.get_log("browser")  # drop messages of earlier pages
    driver.get(url)
    strict = not url[len(base):].startswith("api/")
    found = list(driver.execute_script(_PAGE_CHECK_JS, strict))
    for entry in driver.get_log("browser"):
        if entry.get("level") == "SEVERE":
            found.append(f"console error: {entry.get('message', '')[:200]}")
    anchors_cache: dict[str, str] = {}
    for href in driver.execute_script(_LINKS_JS):
        if not href.startswith(base):
            continue  # external links are not followed (no network here)
        target, _, fragment = href.partition("#")
        if target not in anchors_cache:
            if not _url_ok(target):
                found.append(f"broken link: {href}")
                anchors_cache[target] = ""
                continue
            with urllib.request.urlopen(target, timeout=10) as response:
                anchors_cache[target] = response.read().decode("utf-8", "replace")
        html = anchors_cache[target]
        if fragment and html and f'id="{urllib.parse.unquote(fragment)}"' not in html:
            found.append(f"link to a missing anchor: {href}")
    return [f"{url[len(base) - 1:]}: {line}" for line in found]


def site_pages(site: str | Path) -> list[str]:
    """Paths (relative to the site root) of the content pages of a built mkdocs site."""
    site = Path(site)
    pages = []
    for html in sorted(site.rglob("index.html")):
        rel = html.relative_to(site).parent.as_posix()
        if rel.startswith(("search", "assets")):
            continue
        pages.append("" if rel == "." else rel + "/")
    return pages


def site_problems(site: str | Path) -> list[str]:
    """:func:`page_problems` over every page of the built site at ``site``."""
    found = []
    with serve(site) as base, browser() as driver:
        for page in site_pages(site):
            found += page_problems(driver, base + page, base)
    return found


if __name__ == "__main__":
    problems = site_problems(sys.argv[1] if len(sys.argv) > 1 else "site")
    print("\n".join(problems) or "no problems")
    sys.exit(1 if problems else 0)
