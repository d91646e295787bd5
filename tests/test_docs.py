"""The documentation site: built once with Sphinx as ``scripts/docs`` builds it (offline,
warnings as errors, the notebooks executed), then read, and opened in headless Chromium.

Skipped when Sphinx is not installed (``pip install -e ".[docs]"``; the dev extra has it).
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from _pages import launch_browser

import geozones as gz
from geozones._browser import LOCAL_SCHEMES as LOCAL

pytest.importorskip("sphinx", reason="Sphinx is not installed: pip install -e '.[docs]'")

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
PAGES = ("getting-started", "tutorials", "computing", "api", "cli", "data", "changelog")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """Build the site once, as scripts/docs does, into a temporary folder."""
    out = tmp_path_factory.mktemp("docs")
    warnings = out / "warnings.txt"
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-w", warnings]
    command += ["-b", "html", "docs", out / "html"]
    start = time.monotonic()
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=1800, check=False
    )
    took = time.monotonic() - start
    written = warnings.read_text(encoding="utf-8") if warnings.exists() else ""
    assert done.returncode == 0, (
        f"sphinx-build failed (exit {done.returncode}) after {took:.0f} s:\n"
        + (written or "\n".join(done.stderr.splitlines()[-40:]))
    )
    assert written == ""  # no warning at all
    print(f"docs built in {took:.0f} s")
    return out / "html"


class _Text(HTMLParser):
    """The text of a page, and the text of each autosummary table's first column."""

    def __init__(self):
        super().__init__()
        self.text: list[str] = []
        self.listed: list[str] = []
        self._table = 0
        self._cell = None

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if tag == "table" and "autosummary" in classes:
            self._table += 1
        elif tag == "tr" and self._table:
            self._cell = 0
        elif tag == "td" and self._table and self._cell is not None:
            self._cell += 1
            if self._cell == 1:
                self.listed.append("")

    def handle_endtag(self, tag):
        if tag == "table" and self._table:
            self._table -= 1

    def handle_data(self, data):
        self.text.append(data)
        if self._table and self._cell == 1:
            self.listed[-1] += data.strip()


def _read(path: Path) -> _Text:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_every_page_is_built(site):
    for name in ("index", *PAGES):
        assert (site / f"{name}.html").is_file(), name
    for stem in NOTEBOOKS:
        assert (site / "notebooks" / f"{stem}.html").is_file(), stem


def test_api_page_lists_every_public_name(site):
    page = _read(site / "api.html")
    listed = set(page.listed)
    text = " ".join(page.text)
    for name in gz.__all__:
        if name == "__version__":
            assert "__version__" in text
            continue
        assert name in listed, f"{name} (in geozones.__all__) is not on the API page"
        assert (site / "generated" / f"geozones.{name}.html").is_file(), name
    # the modules' pages list their own public names
    datasets = _read(site / "generated" / "geozones.datasets.html")
    assert {"load", "credit_lines", "syrian_side_zones"} <= set(datasets.listed)
    checks = _read(site / "generated" / "geozones.checks.html")  # behind the names: scenarios
    assert {"bundled_scenarios", "load_scenario", "Scenario"} <= set(checks.listed)


def test_notebooks_are_rendered_with_their_outputs(site):
    for stem in NOTEBOOKS:
        html = (site / "notebooks" / f"{stem}.html").read_text(encoding="utf-8")
        assert 'class="cell_output' in html, f"{stem} has no outputs"
        assert "Traceback" not in html, stem


def test_cli_reference_is_generated_from_the_parser(site):
    text = " ".join(_read(site / "cli.html").text)
    for command in ("demo", "zones", "check", "map", "datasets"):
        assert f"geozones {command}" in text, command
    assert "--fail-on-breach" in text and "--scenario" in text
    assert "alpha_line" in text  # a default, shown


def test_computing_page_quotes_the_benchmarks_and_runs_its_code(site):
    text = " ".join(_read(site / "computing.html").text)
    assert "bench/distance.py" in text and "bench/zones.py" in text
    assert "uncertain" in text and "inside" in text and "outside" in text
    assert "Traceback" not in text


def test_data_page_includes_the_sources_and_the_credits(site):
    text = " ".join(_read(site / "data.html").text)
    sources = (ROOT / "data" / "SOURCES.md").read_text(encoding="utf-8")
    first_heading = re.search(r"^# (.+)$", sources, re.M).group(1)
    assert first_heading in text
    for credit in gz.datasets.credit_lines():
        assert credit in text


def test_changelog_page_is_the_repository_changelog(site):
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    heading = re.search(r"^## (.+)$", changelog, re.M).group(1)
    text = " ".join(_read(site / "changelog.html").text)
    assert re.sub(r"[\[\]]", "", heading).split()[0] in text


def test_no_page_loads_anything_from_the_network(site):
    remote = re.compile(r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=["']?(?:https?:)?//""")
    for path in site.rglob("*.html"):
        if "_modules" in path.parts:
            continue  # highlighted source: text, not references
        found = remote.findall(path.read_text(encoding="utf-8"))
        assert found == [], f"{path.relative_to(site)} loads {found}"


# --------------------------------------------------------------------------------------
# In the browser, with every request off this machine refused
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    yield from launch_browser()


class _Opened:
    """A page of the site in headless chromium; requests that would leave it are counted."""

    def __init__(self, browser, path: Path):
        self.context = browser.new_context(viewport={"width": 1300, "height": 1000})
        self.page = self.context.new_page()
        self.blocked: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        self.page.route("**/*", self._route)
        self.page.on("requestfailed", lambda r: self.failed.append(r.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(path.as_uri(), wait_until="load")

    def _route(self, route):
        if route.request.url.startswith(LOCAL):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def close(self):
        self.context.close()


def test_index_opens_offline_and_links_every_page(site, browser):
    opened = _Opened(browser, site / "index.html")
    try:
        page = opened.page
        assert page.title().startswith("geozones")
        links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
        for name in PAGES:
            assert f"{name}.html" in links, name
        # the theme's own scripts ran (its search button is drawn by them)
        assert page.locator(".search-button__button, .search-button").count() >= 1
        assert opened.blocked == [] and opened.failed == [] and opened.errors == []
    finally:
        opened.close()


def test_a_notebook_map_renders_in_the_page(site, browser):
    opened = _Opened(browser, site / "notebooks" / f"{NOTEBOOKS[0]}.html")
    try:
        page = opened.page
        frame_element = page.locator("iframe").first
        frame_element.scroll_into_view_if_needed()
        frame = frame_element.element_handle().content_frame()
        frame.wait_for_function("window.geozones && window.geozones.ready", timeout=20000)
        drawn = frame.evaluate("window.geozones.drawn")
        assert drawn["bands"] == 3 and drawn["lines"] == 2 and drawn["basemap"] > 20
        assert frame.evaluate("typeof L === 'object' && L.version")
        assert frame.locator(".folium-map.leaflet-container").count() == 1
        assert frame.locator("path.gz-band").count() == 3
        legend = frame.locator(".gz-legend").inner_text()
        assert "0–5 km" in legend and "20–60 km" in legend
        box = frame_element.bounding_box()
        assert box["width"] > 400 and box["height"] > 300  # shown, not collapsed
        assert opened.blocked == [] and opened.failed == [] and opened.errors == []
    finally:
        opened.close()
