"""Browser tests: the exported HTML file in real headless Chromium, with the network blocked.

Chromium and the :class:`Page` helper come from ``tests/_pages.py``; each tool of the map
runtime has its own page in ``tests/test_web_tools.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import mgrs
import numpy as np
import pandas as pd
import pytest
from _pages import Page, launch_browser

import geozones as gz
from geozones._browser import LOCAL_SCHEMES as LOCAL

XSS_ACTOR = '<img src=x onerror="window.__xss=1">Hezbollah'
XSS_SOURCE = "<script>window.__xss=2</script>SOHR"


@pytest.fixture(scope="module")
def browser():
    yield from launch_browser()


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
    opened.settle()
    x, y = opened.map_point(33.12, 35.83)
    opened.page.mouse.move(x, y)
    # the hover text first: an open popup hides it (so read it before the click)
    opened.page.wait_for_selector(".leaflet-tooltip-pane .leaflet-tooltip", timeout=5000)
    tooltip = opened.eval("document.querySelector('.leaflet-tooltip-pane').innerText")
    assert XSS_ACTOR in tooltip
    opened.page.mouse.click(x, y)
    opened.page.wait_for_selector(".leaflet-popup-content table.gz-popup", timeout=5000)
    popup = opened.page.locator(".leaflet-popup-content")
    text = popup.inner_text()
    assert XSS_ACTOR in text
    assert XSS_SOURCE in text
    assert popup.locator("img, script").count() == 0
    assert popup.locator("a").count() == 0  # javascript: is not a link
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


# ----------------------------------------------------- dense data, breaches, claims (issue 14)

HOSTILE_EVIDENCE = '<img src=x onerror="window.__xss=4">hezbollah named as side_b'
HOSTILE_CLAIM = "<script>window.__xss=5</script>fighters {{7*7}} withdrew"
PLACE = (36.10213, 32.61889)  # Daraa town, where UCDP puts many events on one point


def _results() -> pd.DataFrame:
    """Results with the columns of issue 14's contract, made by hand.

    Rows 0-6 share one coordinate (one marker with a count); rows 7-30 are 24 breaches
    spread over the zone (the legend lists 20 and "… and 4 more"); row 8 is a denied claim.
    """
    rng = np.random.default_rng(14)
    n_here, n_breach = 7, 24
    lon = [PLACE[0]] * n_here + list(np.round(rng.uniform(35.85, 36.3, n_breach), 5))
    lat = [PLACE[1]] * n_here + list(np.round(rng.uniform(32.7, 33.3, n_breach), 5))
    n = len(lon)
    start = ["2017-03-19"] * n
    end = ["2017-03-19"] * n
    precision = ["day"] * n
    start[1], end[1], precision[1] = "2017-03-19", "2017-03-25", "range"
    start[2], end[2], precision[2] = "2018-01-01", "2018-12-31", "year"
    start[3], end[3], precision[3] = "2018-06-01", "2018-06-30", "month"
    verdict = ["compliant"] * n_here + ["breach"] * n_breach
    verdict[4] = "uncertain"
    actor = [f"Group {i}" for i in range(n)]
    actor[0] = XSS_ACTOR
    actor[8] = "Hezbollah fighters"
    status = [""] * n
    denied_by = [""] * n
    claim = [""] * n
    status[8], denied_by[8], claim[8] = "reported; denied", "<b>an official</b>", HOSTILE_CLAIM
    evidence = [HOSTILE_EVIDENCE] + [f"evidence {i}" for i in range(1, n)]
    return pd.DataFrame(
        {
            "row": np.arange(2, n + 2),
            "lon": lon,
            "lat": lat,
            "uncertainty_m": [25_000.0] * n_here + [5_000.0] * n_breach,
            "actor": actor,
            "date": pd.to_datetime(start),
            "date_to": pd.to_datetime(end),
            "date_precision": precision,
            "place": ["Daraa"] * n_here + [f"Place {i}" for i in range(n_breach)],
            "source": ["UCDP"] * n,
            "url": ["https://ucdp.uu.se/"] * n,
            "status": status,
            "denied_by": denied_by,
            "claim_text": claim,
            "error": [""] * n,
            "distance_km": np.linspace(1, 50, n),
            "band": ["5–20 km"] * n,
            "scenario_israel_60km_2018": verdict,
            "evidence_israel_60km_2018": evidence,
            "distance_km_israel_60km_2018": np.linspace(1, 50, n),
            "scenario_arrangement_2017_5km": ["not in force"] * n,
            "evidence_arrangement_2017_5km": ["dated 2017, in force from 2018"] * n,
            "distance_km_arrangement_2017_5km": np.linspace(1, 50, n),
            "actor_roles": ["side_b=hezbollah"] * n,
            "side_a": ["Government of Israel"] * n,
            "side_b": ["Hezbollah"] * n,
            "where_prec": [1] * n,
        }
    )


@pytest.fixture(scope="module")
def dense_file(tmp_path_factory) -> Path:
    zones = gz.build_zones("alpha_line", (5, 20, 60), side="left", clip="syrian_held")
    m = gz.zone_map(zones, _results(), lines="alpha_line", scenario="israel_60km_2018")
    return gz.save_map(m, tmp_path_factory.mktemp("dense") / "dense.html")


@pytest.fixture
def dense(browser, dense_file):
    page = Page(browser, dense_file)
    yield page
    page.close()


MAP = "window[document.querySelector('.folium-map').id]"


def test_colocated_positions_are_one_marker_whose_list_reaches_each(dense):
    assert dense.errors == [] and dense.blocked == []
    drawn = dense.eval("window.geozones.drawn")
    assert drawn["positions"] == 31 and drawn["places"] == 25 and drawn["clusters"] == 1
    cluster = dense.page.locator(".gz-cluster")
    assert cluster.count() == 1 and cluster.inner_text() == "7"
    for i in range(7):
        cluster.click()
        items = dense.page.locator(".leaflet-popup-content .gz-list li a")
        items.first.wait_for(timeout=5000)
        assert items.count() == 7
        # the most serious first: the uncertain one leads the list
        assert "uncertain" in items.first.inner_text()
        item = items.nth(i)
        label = item.inner_text()
        item.click()
        table = dense.page.locator(".leaflet-popup-content table.gz-popup")
        table.wait_for(timeout=5000)
        text = table.inner_text()
        assert label.split(" · ")[0] in text  # the same date range
        assert "Daraa" in text
        dense.page.locator(".leaflet-popup-content a.gz-back").click()
        dense.page.locator(".leaflet-popup-content .gz-list").wait_for(timeout=5000)
        dense.close_popups()
    seen = dense.eval(
        """() => { const m = window[document.querySelector('.folium-map').id];
            return Object.values(m._geozones.positionLayers)[0].placeOf
                .filter(p => p.members.length > 1)[0].members.length; }"""
    )
    assert seen == 7


def test_popup_shows_verdicts_evidence_dates_and_claims_escaped(dense):
    dense.eval(f"{MAP}._geozones.focus(0, 8)")
    popup = dense.page.locator(".leaflet-popup-content")
    popup.locator("table.gz-popup").wait_for(timeout=5000)
    text = popup.inner_text()
    assert "Hezbollah fighters" in text
    assert "israel 60km 2018" in text and "breach" in text and "evidence 8" in text
    assert "arrangement 2017 5km" in text and "not in force" in text
    assert "dated 2017, in force from 2018" in text
    assert "reported; denied" in text and "<b>an official</b>" in text
    assert HOSTILE_CLAIM in text
    assert "2017-03-19" in text
    assert popup.locator("script, img, b:not(.gz-verdict)").count() == 0
    assert dense.eval("window.__xss") is None
    whens = [(1, "2017-03-19 to 2017-03-25"), (2, "2018"), (3, "2018-06"), (5, "2017-03-19")]
    for i, when in whens:
        dense.eval(f"{MAP}._geozones.focus(0, {i})")
        row = dense.page.locator(".leaflet-popup-content tr", has_text="When")
        assert row.inner_text().split("\t")[-1].strip() == when
    dense.eval(f"{MAP}._geozones.focus(0, 0)")
    text = dense.page.locator(".leaflet-popup-content").inner_text()
    assert XSS_ACTOR in text and HOSTILE_EVIDENCE in text
    assert dense.eval("window.__xss") is None


def test_legend_lists_breaches_and_a_click_zooms_and_opens_the_popup(dense):
    items = dense.page.locator(".gz-legend a.gz-breach")
    assert items.count() == 20
    legend = dense.page.locator(".gz-legend").inner_text()
    assert "… and 4 more" in legend and "(1 denied)" in legend
    denied = dense.page.locator(".gz-legend li", has_text="Hezbollah fighters")
    assert denied.locator(".gz-denied").inner_text() == "denied"
    zoom = dense.eval(f"{MAP}.getZoom()")
    items.nth(1).click()  # row 8: the second breach
    dense.page.locator(".leaflet-popup-content table.gz-popup").wait_for(timeout=5000)
    assert "Hezbollah fighters" in dense.page.locator(".leaflet-popup-content").inner_text()
    lon, lat = _results().loc[8, ["lon", "lat"]]
    # zoomed in, with the position in view (the popup may pan the map a little)
    assert dense.eval(f"{MAP}.getZoom()") >= max(zoom, 12)
    assert dense.eval(f"{MAP}.getBounds().contains([{lat}, {lon}])")
    x, y = dense.map_point(lat, lon)
    tip = dense.page.locator(".leaflet-popup-tip-container").bounding_box()
    assert abs(tip["x"] + tip["width"] / 2 - x) < 2 and 0 < y - tip["y"] < 40
    # the selected position's radius is drawn, filled
    assert dense.eval("document.querySelectorAll('path.gz-selected-radius').length") == 1


def test_uncertainty_radii_are_outlines(dense):
    circles = dense.eval(
        f"""() => {{ const e = Object.values({MAP}._geozones.positionLayers)[0];
            return e.circleList.map(c => [c.options.fill, c.options.fillOpacity,
                                          e.circles.hasLayer(c)]); }}"""
    )
    # one outline per place and radius: 7 co-located rows share one circle
    assert len(circles) == 25
    assert all(fill is False and shown for fill, _, shown in circles)


@pytest.mark.parametrize("size", [(1024, 768), (1280, 800)])
def test_legend_and_layer_control_never_overlap(browser, dense_file, size):
    page = Page(browser, dense_file)
    try:
        page.page.set_viewport_size({"width": size[0], "height": size[1]})
        page.page.wait_for_timeout(100)

        def boxes():
            return page.eval(
                """() => ['.gz-legend', '.leaflet-control-layers', '.leaflet-control-attribution',
                          '.gz-time', '.gz-coords', '.leaflet-control-scale']
                    .map(s => { const r = document.querySelector(s).getBoundingClientRect();
                                return [r.left, r.top, r.right, r.bottom]; })"""
            )

        def apart(a, b):
            return a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]

        for expanded in (False, True):
            if expanded:
                page.page.hover(".leaflet-control-layers")
                page.page.wait_for_selector(".leaflet-control-layers-expanded", timeout=5000)
                page.page.wait_for_timeout(50)
            legend, layers, credit, time, coords, scale = boxes()
            assert legend[3] > legend[1] + 100  # the legend is shown
            assert apart(legend, layers), (expanded, legend, layers)
            assert apart(legend, credit) and apart(layers, credit)
            for box in (time, coords, scale):
                assert apart(box, credit) and apart(box, legend)
            assert 0 <= legend[0] and legend[2] <= size[0]
    finally:
        page.close()


def test_data_credits_reach_the_attribution(dense):
    credit = dense.eval("document.querySelector('.leaflet-control-attribution').innerText")
    assert "UCDP GED (CC BY 4.0), Sundberg & Melander 2013" in credit


def test_online_tiles_from_a_provider_and_its_safe_credit(browser, tmp_path):
    """An xyzservices provider's tiles are requested (and blocked here), credited as it asks."""
    import xyzservices

    hostile = xyzservices.TileProvider(
        name='<img src=x onerror="window.__xss=1">Example tiles',
        url="https://{s}.tiles.example.org/{z}/{x}/{y}.png",
        html_attribution=(
            '&copy; <a href="https://ok.example">OK</a><img src=x onerror="window.__xss=2">'
        ),
        attribution="(C) OK",
        subdomains="ab",
        max_zoom=12,
    )
    for basemap, host, credit in [
        ("OpenStreetMap.Mapnik", "https://tile.openstreetmap.org/", "OpenStreetMap contributors"),
        (hostile, "https://a.tiles.example.org/", "© OK"),
    ]:
        m = gz.zone_map(lines="alpha_line", basemap=basemap)
        path = gz.save_map(m, tmp_path / "tiles.html", offline=False)
        page = Page(browser, path)
        try:
            assert page.blocked and all(
                u.startswith((host, host.replace("//a.", "//b."))) for u in page.blocked
            )
            assert all(u.endswith(".png") and "{" not in u for u in page.blocked)
            attribution = page.eval(
                "document.querySelector('.leaflet-control-attribution').innerText"
            )
            assert credit in attribution and "Natural Earth" in attribution
            links = page.eval(
                "[...document.querySelectorAll('.leaflet-control-attribution a')].map(a => a.href)"
            )
            assert all(u.startswith("https://") for u in links)
            bases = page.eval(
                "[...document.querySelectorAll('.leaflet-control-layers-base label')]"
                ".map(l => l.innerText.trim())"
            )
            name = basemap if isinstance(basemap, str) else basemap.name
            assert bases == [name]
            assert (
                page.eval("document.querySelectorAll('.leaflet-control-container img').length") == 0
            )
            assert page.eval("window.__xss") is None
        finally:
            page.close()
