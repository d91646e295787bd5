"""Browser tests: the exported HTML file in real headless Chromium, with the network blocked.

Chromium is Debian's ``chromium`` package (``scripts/test`` installs it), driven by
playwright-python pointed at the system browser. Without it these tests are skipped locally
and fail under CI (when the ``CI`` environment variable is set).
"""

from __future__ import annotations

import os
from pathlib import Path

import mgrs
import numpy as np
import pandas as pd
import pytest

import geozones as gz
from geozones._browser import CHROMIUM_ARGS, chromium_path
from geozones._browser import LOCAL_SCHEMES as LOCAL

XSS_ACTOR = '<img src=x onerror="window.__xss=1">Hezbollah'
XSS_SOURCE = "<script>window.__xss=2</script>SOHR"


def _chromium() -> str:
    path = chromium_path()
    reason = None
    if path is None:
        reason = "Debian's chromium is not installed (scripts/test installs it)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "playwright (python) is not installed: pip install '.[test]'"
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser tests: {reason}")
        pytest.skip(reason)
    return path


@pytest.fixture(scope="module")
def browser():
    path = _chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=list(CHROMIUM_ARGS))
        yield b
        b.close()


@pytest.fixture(scope="module")
def positions():
    table = pd.DataFrame(
        {
            "lon": [35.83, 35.95, 36.10, np.nan, 36.30, 35.70],
            "lat": [33.12, 33.05, 32.62, 33.00, 33.30, 33.00],
            "actor": [XSS_ACTOR, "IRGC advisers", "Syrian Arab Army", "x", "Quds Force", "IDF"],
            "date": ["2018-06-01", "2018-07-15", "", "2018-01-01", "2017-03-02", "2018-02-01"],
            "source": [XSS_SOURCE, "report", "UCDP", "x", "y", "z"],
            "url": ["javascript:window.__xss=3", "https://example.org/r?a=1&b=2", "", "", "", ""],
            "uncertainty_m": [500, 0, 2000, 100, 1000, 0],
        }
    )
    return gz.check_positions(table, "alpha_line", scenarios=list(gz.checks.bundled_scenarios()))


@pytest.fixture(scope="module")
def map_file(tmp_path_factory, positions) -> Path:
    zones = gz.build_zones("alpha_line", (5, 20, 60), side="left", clip="syrian_held")
    m = gz.zone_map(zones, positions, lines=["alpha_line", "bravo_line"])
    return gz.save_map(m, tmp_path_factory.mktemp("maps") / "zones.html")


class Page:
    """A page opened from a file with every non-local request aborted and counted."""

    def __init__(self, browser, path: Path, downloads: bool = False):
        self.context = browser.new_context(
            viewport={"width": 1200, "height": 900}, accept_downloads=downloads
        )
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.page.route("**/*", self._route)
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(path.as_uri())
        self.page.wait_for_function("window.geozones && window.geozones.ready", timeout=20000)

    def _route(self, route):
        url = route.request.url
        if url.startswith(LOCAL):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def eval(self, js: str, arg=None):
        return self.page.evaluate(js, arg)

    def map_point(self, lat: float, lon: float) -> tuple[float, float]:
        """Page pixel of a lat/lon on the map."""
        return tuple(
            self.eval(
                """([lat, lon]) => {
                    const el = document.querySelector('.folium-map');
                    const p = window[el.id].latLngToContainerPoint([lat, lon]);
                    const r = el.getBoundingClientRect();
                    return [r.left + p.x, r.top + p.y];
                }""",
                [lat, lon],
            )
        )

    def close_popups(self):
        self.eval("window[document.querySelector('.folium-map').id].closePopup()")

    def close(self):
        self.context.close()


@pytest.fixture(scope="module")
def opened(browser, map_file):
    page = Page(browser, map_file)
    yield page
    page.close()


def test_leaflet_loads_offline_without_errors(opened):
    assert opened.eval("typeof L === 'object' && L.version") == "1.9.3"
    assert opened.errors == []
    assert opened.blocked == []  # zero requests leave the file
    assert all(u.startswith(LOCAL) for u in opened.requests)


def test_drawn_counts(opened, positions):
    drawn = opened.eval("window.geozones.drawn")
    mapped = int(((positions["error"] == "") & positions["lon"].notna()).sum())
    assert mapped == 5
    assert drawn["bands"] == 3
    assert drawn["lines"] == 2
    assert drawn["positions"] == mapped
    assert drawn["uncertainty"] == 3  # radius > 0 only
    assert drawn["basemap"] > 20
    assert opened.eval("document.querySelectorAll('path.gz-band').length") == 3
    assert opened.eval("document.querySelectorAll('path.gz-line').length") == 2
    assert opened.eval("document.querySelectorAll('.gz-line-label').length") == 2
    assert opened.eval("document.querySelectorAll('.gz-label.gz-peak').length") >= 1


def test_legend_layer_control_scale_and_attribution(opened):
    legend = opened.eval("document.querySelector('.gz-legend').innerText")
    assert "Zones: alpha_line" in legend and "0–5 km" in legend and "20–60 km" in legend
    assert "Alpha line" in legend and "Bravo line" in legend
    assert "1 row not mapped — see the error column" in legend
    overlays = opened.eval(
        "[...document.querySelectorAll('.leaflet-control-layers-overlays label')]"
        ".map(l => l.innerText.trim())"
    )
    assert "Zones: alpha_line" in overlays and "Lines" in overlays and "Positions" in overlays
    assert opened.eval("!!document.querySelector('.leaflet-control-scale-line')")
    attribution = opened.eval("document.querySelector('.leaflet-control-attribution').innerText")
    assert "OpenStreetMap contributors, ODbL" in attribution
    assert "Natural Earth" in attribution and "GeoNames" in attribution


def test_hostile_text_is_shown_literally(opened):
    x, y = opened.map_point(33.12, 35.83)
    opened.page.mouse.move(x, y)
    opened.page.mouse.click(x, y)
    opened.page.wait_for_selector(".leaflet-popup-content table.gz-popup", timeout=5000)
    popup = opened.page.locator(".leaflet-popup-content")
    text = popup.inner_text()
    assert XSS_ACTOR in text
    assert XSS_SOURCE in text
    assert popup.locator("img, script").count() == 0
    assert popup.locator("a").count() == 0  # javascript: is not a link
    tooltip = opened.eval("document.querySelector('.leaflet-tooltip-pane').innerText")
    assert XSS_ACTOR in tooltip
    assert opened.eval("window.__xss") is None
    opened.close_popups()


def test_template_syntax_is_shown_literally(browser, tmp_path):
    """Jinja syntax in the data reaches the page as text: not evaluated, not deleted."""
    actor = "{{7*7}} {# gone? #} Hezbollah"
    table = pd.DataFrame({"lon": [35.9], "lat": [33.0], "actor": [actor], "source": ["{{x}}"]})
    m = gz.zone_map(positions=gz.read_positions(table), positions_name="{{ 6*7 }} reports")
    page = Page(browser, gz.save_map(m, tmp_path / "template.html"))
    try:
        legend = page.eval("document.querySelector('.gz-legend').innerText")
        assert "{{ 6*7 }} reports" in legend
        x, y = page.map_point(33.0, 35.9)
        page.page.mouse.click(x, y)
        page.page.wait_for_selector(".leaflet-popup-content table.gz-popup", timeout=5000)
        text = page.page.locator(".leaflet-popup-content").inner_text()
        assert actor in text and "{{x}}" in text
        assert page.errors == [] and page.blocked == []
    finally:
        page.close()


def test_http_source_is_a_safe_link(opened):
    x, y = opened.map_point(33.05, 35.95)
    opened.page.mouse.click(x, y)
    link = opened.page.locator(".leaflet-popup-content a")
    link.wait_for(timeout=5000)
    assert link.get_attribute("href") == "https://example.org/r?a=1&b=2"
    assert link.get_attribute("rel") == "noopener noreferrer"
    assert link.inner_text() == "report"


def test_mgrs_matches_the_mgrs_package(opened):
    points = [(35.8, 33.1), (36.3, 32.6), (-73.98, 40.75), (151.2, -33.87), (5.0, 60.0)]
    m = mgrs.MGRS()
    for lon, lat in points:
        ours = opened.eval("([x, y]) => geozones.mgrs(x, y, 5)", [lon, lat]).replace(" ", "")
        ref = m.toMGRS(lat, lon, MGRSPrecision=5)
        assert ours[:5] == ref[:5], (lon, lat, ours, ref)  # zone, band, 100 km square
        assert abs(int(ours[5:10]) - int(ref[5:10])) <= 1
        assert abs(int(ours[10:]) - int(ref[10:])) <= 1
    opened.page.mouse.move(*opened.map_point(33.1, 35.8))
    coords = opened.eval("document.querySelector('.gz-coords').innerText")
    assert "MGRS 36S" in coords and "33.1" in coords


def test_measure_tool_is_geodesic(opened):
    opened.close_popups()
    opened.page.click(".gz-measure")
    a, b = opened.map_point(33.3, 35.7), opened.map_point(32.8, 36.2)
    opened.page.mouse.click(*a)
    opened.page.mouse.click(*b)
    label = opened.eval("document.querySelector('.gz-measure-label').innerText")
    latlngs = opened.eval(
        """(pts) => { const el = document.querySelector('.folium-map');
            const r = el.getBoundingClientRect();
            const map = window[el.id];
            return pts.map(([x, y]) => map.containerPointToLatLng([x - r.left, y - r.top]))
        }""",
        [a, b],
    )
    expected = gz.geodesic_distance(
        latlngs[0]["lng"], latlngs[0]["lat"], latlngs[1]["lng"], latlngs[1]["lat"]
    )
    assert float(label.split()[0]) == pytest.approx(float(expected) / 1000, abs=0.05)
    opened.page.click(".gz-measure")  # finish


def test_time_filter(opened):
    assert opened.eval("window.geozones.drawn.visible") == 5
    opened.eval(
        """() => { const f = document.querySelector('.gz-time-from');
            f.value = Math.round(Date.parse('2018-05-01') / 864e5);
            f.dispatchEvent(new Event('input')); }"""
    )
    # 2018-06-01 and 2018-07-15 are shown, plus the undated one
    assert opened.eval("window.geozones.drawn.visible") == 3
    opened.page.click(".gz-time-undated input")
    assert opened.eval("window.geozones.drawn.visible") == 2
    assert "2018-05-01" in opened.eval("document.querySelector('.gz-time-label').innerText")


def test_draw_tool_exports_lines_read_lines_accepts(browser, map_file, tmp_path):
    page = Page(browser, map_file, downloads=True)
    try:
        page.page.click(".gz-draw")
        for lat, lon in [(33.20, 35.90), (33.10, 35.95), (32.95, 35.92)]:
            page.page.mouse.click(*page.map_point(lat, lon))
        page.page.click(".gz-draw")  # finish
        with page.page.expect_download() as info:
            page.page.click(".gz-export")
        out = tmp_path / "drawn.geojson"
        info.value.save_as(out)
        lines = gz.read_lines(out)
        assert len(lines) == 1 and lines["name"].tolist() == ["drawn line 1"]
        coords = np.asarray(lines.geometry.iloc[0].coords)
        np.testing.assert_allclose(
            coords[:, ::-1], [[33.2, 35.9], [33.1, 35.95], [32.95, 35.92]], atol=0.01
        )
        assert page.blocked == [] and page.errors == []
    finally:
        page.close()


def test_screenshot_of_the_bundled_story(browser, tmp_path):
    """Alpha 5/20/60 km on the Syrian side and the 2018 reported positions, photographed.

    Set GEOZONES_SCREENSHOT_DIR to keep the HTML file and the PNG there.
    """
    keep = os.environ.get("GEOZONES_SCREENSHOT_DIR")
    folder = Path(keep) if keep else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    zones = gz.build_zones("alpha_line", (5, 20, 60), side="left", clip="syrian_held")
    reported = gz.check_positions(
        gz.examples.reported_positions_path(),
        "alpha_line",
        scenarios=list(gz.checks.bundled_scenarios()),
    )
    m = gz.zone_map(
        zones,
        reported,
        lines=["alpha_line", "bravo_line"],
        columns=["claim_text", "status", "denied_by"],
    )
    page = Page(browser, gz.save_map(m, folder / "golan_2018.html"))
    try:
        assert page.blocked == [] and page.errors == []
        assert page.eval("window.geozones.drawn.positions") == len(reported)
        out = folder / "golan_2018.png"
        page.page.screenshot(path=str(out))
        assert out.stat().st_size > 50_000  # a drawn map, not a blank page
    finally:
        page.close()


def test_the_demo_map_opens_offline(browser, tmp_path):
    """The README's first command: its map opens in chromium with the network refused."""
    from geozones.cli import main

    assert main(["demo", "--out", str(tmp_path)]) == 0
    page = Page(browser, tmp_path / "map.html")
    try:
        assert page.blocked == [] and page.errors == []
        assert [u for u in page.requests if not u.startswith(LOCAL)] == []
        drawn = page.eval("window.geozones.drawn")
        results = pd.read_csv(tmp_path / "results.csv", keep_default_na=False, low_memory=False)
        assert drawn["bands"] == 3 and drawn["lines"] == 2
        assert drawn["positions"] == int((results["error"] == "").sum()) == len(results)
        assert page.page.locator(".leaflet-control-layers").count() == 1
    finally:
        page.close()
