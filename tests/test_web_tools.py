"""The browser modules of the map runtime (``geozones/_web``), one tool at a time.

Each tool gets a page in headless Chromium with Leaflet, ``core.js`` and only the modules
that tool needs, so a test fails in the module it names. The whole map is tested in
``tests/test_browser.py``; how options and data travel from Python is tested here too.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import folium
import pandas as pd
import pytest
from _pages import Page, launch_browser

import geozones as gz
from geozones import maps

WEB = Path(maps.__file__).parent / "_web"


@pytest.fixture(scope="module")
def browser():
    yield from launch_browser()


@pytest.fixture
def tool_page(browser, tmp_path):
    """Open a page with Leaflet, the given modules and `script` run on a map ``map``."""
    pages = []

    def open_page(modules: tuple[str, ...], script: str) -> Page:
        html = (
            "<!DOCTYPE html><html><head><meta charset='utf-8'>"
            + maps._assets_html(("core.js", *modules))
            + "<style>html,body{margin:0;height:100%}#map{position:absolute;inset:0}</style>"
            + "</head><body><div id='map' class='folium-map'></div><script>"
            + "var map = L.map('map', {center: [33.0, 35.85], zoom: 9});"
            + "var layers = L.control.layers(null, null, {collapsed: true}).addTo(map);"
            + script
            + ";geozones.scheduleReady();</script></body></html>"
        )
        path = tmp_path / f"tool{len(pages)}.html"
        path.write_text(html, encoding="utf-8")
        page = Page(browser, path)
        pages.append(page)
        return page

    yield open_page
    for page in pages:
        page.close()


def _click(page: Page, lat: float, lon: float) -> None:
    page.page.mouse.click(*page.map_point(lat, lon))


# ------------------------------------------------------------------ the modules, read


def test_every_module_is_inlined_small_and_free_of_template_syntax():
    on_disk = {p.name for p in WEB.glob("*.js")}
    assert on_disk == set(maps._WEB_MODULES)
    for name in maps._WEB_MODULES:
        text = (WEB / name).read_text(encoding="utf-8")
        assert len(text.splitlines()) <= 300, name
        assert not re.search(r"\{[{%#]", text), name  # nothing Jinja could take for syntax
        # the tests of the page count these calls: the runtime never writes them itself
        for call in ("geozones.map(", ".basemap(", ".bands(", ".lines(", ".positions("):
            assert call not in text, (name, call)
    page = gz.zone_map(lines="alpha_line").get_root().render()
    for name in maps._WEB_MODULES:  # each inlined whole, in its own script
        assert f"<script>{(WEB / name).read_text(encoding='utf-8')}</script>" in page, name


def test_options_travel_as_one_json_object_per_tool():
    m = gz.zone_map(lines="alpha_line", tools=False, time_filter=False, location=(33, 36))
    page = m.get_root().render()
    calls = re.findall(r"geozones\.map\(\w+, (\{.*?\})\)\.(\w+)\(", page)
    assert [method for _, method in calls] == [
        "basemap",
        "attribution",
        "lines",
        "addLegend",
        "fit",
    ]
    options = [json.loads(o) for o, _ in calls]
    assert all(o == options[0] for o in options)
    assert options[0] == {
        "view": {"fixed": True},
        "legend": {},
        "coordinates": {},
        "measure": {"enabled": False},
        "draw": {"enabled": False},
        "dateFilter": {"enabled": False},
        "positions": {},
    }


def test_a_call_takes_json_never_code():
    m = folium.Map(tiles=None)
    gz.zone_map(m=m, basemap=None)
    hostile = "</script><script>window.__xss=1</script>{{ 7*7 }}"
    maps._call(m, "addLegend", hostile)  # a plain string: serialised, never inserted
    maps._call(m, "fit", [35.0, 32.0, 36.0, 33.0])
    page = m.get_root().render()
    (arg,) = re.findall(r"\.addLegend\((.*?)\);\n", page)
    assert json.loads(arg) == hostile
    assert "<" not in arg and "{{" not in arg
    assert ".fit([35.0,32.0,36.0,33.0]);" in page


# ------------------------------------------------------------------------- legend


def test_legend(tool_page):
    page = tool_page(
        ("legend.js",),
        """var focused = window.focused = [];
        var legend = new geozones.Legend(map, {}, {layers: layers,
            onFocus: function (layer, i) { focused.push([layer, i]); }});
        legend.add('<h4>Zones</h4><a href="#" class="gz-breach" data-gz-layer="2" ' +
                   'data-gz-i="5">Hezbollah</a>');
        legend.add('<h4>Lines</h4>');""",
    )
    assert page.errors == [] and page.blocked == []
    assert page.eval("document.querySelectorAll('.gz-legend-section').length") == 2
    page.page.click(".gz-breach")
    assert page.eval("window.focused") == [[2, 5]]
    body = page.page.locator(".gz-legend-body")
    assert body.is_visible()
    page.page.click(".gz-legend-toggle")
    assert not body.is_visible()
    page.page.click(".gz-legend-toggle")
    assert page.eval("parseFloat(document.querySelector('.gz-legend-body').style.maxHeight)") > 60


# ------------------------------------------------------------------------ measure

TOOLBAR = ("geodesy.js", "toolbar.js")


def test_measure(tool_page):
    page = tool_page(
        (*TOOLBAR, "measure.js"),
        """var toolbar = new geozones.Toolbar(map, {}, {renderer: L.svg()});
        window.measure = new geozones.Measure(map, {}, {toolbar: toolbar});
        toolbar.finish([window.measure]);""",
    )
    assert page.eval("[...document.querySelectorAll('.gz-tools a')].map(a => a.className)") == [
        "gz-button gz-measure",
        "gz-button gz-clear",
    ]
    page.page.click(".gz-measure")
    assert page.eval("document.getElementById('map').classList.contains('gz-crosshair')")
    _click(page, 33.3, 35.7)
    _click(page, 32.8, 36.2)
    label = page.eval("document.querySelector('.gz-measure-label').innerText")
    km = page.eval(
        """() => { const v = window.measure.group.getLayers()[0].getLatLngs();
            return geozones.distance(v[0].lng, v[0].lat, v[1].lng, v[1].lat) / 1000; }"""
    )
    ends = page.eval("window.measure.group.getLayers()[0].getLatLngs()")
    exact = gz.geodesic_distance(ends[0]["lng"], ends[0]["lat"], ends[1]["lng"], ends[1]["lat"])
    assert km == pytest.approx(float(exact) / 1000, abs=1e-3)
    assert label == f"{km:.1f} km"
    page.page.keyboard.press("Escape")  # the map has the focus from the clicks: Esc finishes
    page.page.click(".gz-measure")  # start again, then stop with one point: nothing is kept
    _click(page, 33.0, 35.9)
    page.page.click(".gz-measure")
    assert page.eval("window.measure.group.getLayers().length") == 1
    assert not page.eval("document.getElementById('map').classList.contains('gz-crosshair')")
    page.page.click(".gz-clear")
    assert page.eval("window.measure.group.getLayers().length") == 0
    assert page.errors == []


# -------------------------------------------------------------------- coordinates


def test_coordinates(tool_page):
    page = tool_page(("geodesy.js", "coordinates.js"), "new geozones.Coordinates(map, {});")
    box = page.page.locator(".gz-coords")
    assert box.inner_text() == "move the cursor over the map"
    lat, lon = 33.1, 35.8
    page.page.mouse.move(*page.map_point(lat, lon))
    text = box.inner_text()
    shown_lat, shown_lon = (float(v) for v in text.splitlines()[0].split(", "))
    assert shown_lat == pytest.approx(lat, abs=0.01) and shown_lon == pytest.approx(lon, abs=0.01)
    assert text.splitlines()[1].startswith("MGRS 36S ")
    # west of the antimeridian the longitude is wrapped into [-180, 180]
    wrapped = page.eval("geozones.Coordinates.text(L.latLng(33.1, 395.8))")
    assert wrapped.startswith("33.10000, 35.80000\nMGRS 36S")
    assert page.errors == []


# --------------------------------------------------------------------------- draw


def test_draw(tool_page, tmp_path):
    page = tool_page(
        ("toolbar.js", "draw.js"),
        """var toolbar = new geozones.Toolbar(map, {}, {renderer: L.svg()});
        window.draw = new geozones.Draw(map, {}, {toolbar: toolbar, layers: layers});
        toolbar.finish([window.draw]);""",
    )
    page.page.click(".gz-draw")
    for lat, lon in [(33.2, 35.9), (33.1, 35.95), (33.1, 35.95), (32.95, 35.92)]:
        _click(page, lat, lon)
    page.page.click(".gz-draw")  # finish: the repeated vertex is dropped
    page.page.click(".gz-draw")
    _click(page, 33.0, 36.0)
    page.page.click(".gz-draw")  # one vertex is no line
    fc = page.eval("window.draw.geojson()")
    assert [f["properties"]["name"] for f in fc["features"]] == ["drawn line 1"]
    coords = fc["features"][0]["geometry"]["coordinates"]
    assert [[round(y, 2), round(x, 2)] for x, y in coords] == [
        [33.2, 35.9],
        [33.1, 35.95],
        [32.95, 35.92],
    ]
    (tmp_path / "drawn.geojson").write_text(json.dumps(fc), encoding="utf-8")
    lines = gz.read_lines(tmp_path / "drawn.geojson")
    assert len(lines) == 1
    overlays = page.eval(
        "[...document.querySelectorAll('.leaflet-control-layers-overlays label')]"
        ".map(l => l.innerText.trim())"
    )
    assert overlays == ["Drawn lines"]
    page.page.click(".gz-clear")
    assert page.eval("window.draw.geojson().features.length") == 0
    assert page.errors == []


# -------------------------------------------------------------------- date filter

DAY = 86400e9


def test_date_filter(tool_page):
    page = tool_page(
        ("datefilter.js",),
        """window.applied = 0;
        window.filter = new geozones.DateFilter(map, {}, {
            apply: function () { window.applied += 1; return 7; },
            total: function () { return 9; }});""",
    )
    assert page.eval("filter.visible(17000, null) && filter.visible(null, null)")
    assert page.page.locator(".gz-time").count() == 0  # no control before dated positions
    page.eval("filter.extend([17000, 17100, 17050])")
    assert page.eval(
        "[+document.querySelector('.gz-time-from').min, +document.querySelector('.gz-time-to').max]"
    ) == [17000, 17100]
    assert page.eval("geozones.drawn.visible") == 9
    label = page.page.locator(".gz-time-label").inner_text()
    assert label == "2016-07-18 – 2016-10-26 · 9 shown"
    page.eval(
        """() => { const f = document.querySelector('.gz-time-from');
            f.value = 17060; f.dispatchEvent(new Event('input')); }"""
    )
    assert page.eval("window.applied") == 1 and page.eval("geozones.drawn.visible") == 7
    visible = page.eval(
        "[filter.visible(17000, null), filter.visible(17000, 17060), filter.visible(17070, null)]"
    )
    assert visible == [False, True, True]  # a range is shown when it overlaps the dates
    page.page.click(".gz-time-undated input")
    assert page.eval("filter.visible(null, null)") is False
    page.eval("filter.extend([16900])")  # a later layer widens the range; all dates shown
    assert page.eval("[filter.state.from, filter.state.to, filter.state.undated]") == [
        16900,
        17100,
        False,
    ]
    assert page.eval("window.applied") == 3
    assert page.errors == []


# ---------------------------------------------------------------------- positions


@pytest.fixture(scope="module")
def payload() -> str:
    """A positions payload from Python: three rows at one place, one apart, one undated."""
    table = pd.DataFrame(
        {
            "lon": [36.1, 36.1, 36.1, 35.9, 35.95],
            "lat": [32.6, 32.6, 32.6, 33.1, 33.0],
            "actor": ["<b>A</b>", "B", "C", "D", "E"],
            "date": ["2018-01-01", "2018-02-01", "2018-03-01", "2017-06-01", ""],
            "uncertainty_m": [1000, 1000, 0, 500, 0],
        }
    )
    checked = gz.check_positions(table, "alpha_line")
    args, _, _ = maps._positions_payload(
        checked, scenario=None, columns=(), uncertainty=True, name="P", layer=4
    )
    return args[1]


def test_positions(tool_page, payload):
    page = tool_page(
        ("geodesy.js", "popups.js", "positions.js"),
        """var pane = map.createPane("gzClusters");
        window.shown = null;
        var filter = {visible: function (t) { return window.shown === null || t === window.shown; },
                      extend: function (days) { window.days = days; }};
        window.positions = new geozones.Positions(map, {}, {layers: layers, filter: filter,
            renderers: {positions: L.canvas(), uncertainty: L.canvas(), tools: L.svg()}});
        positions.add("P", """
        + payload
        + ");",
    )
    assert page.errors == []
    drawn = page.eval("geozones.drawn")
    assert (drawn["positions"], drawn["places"], drawn["clusters"]) == (5, 3, 1)
    assert drawn["uncertainty"] == 2  # one radius per place and radius
    assert sorted(set(page.eval("window.days"))) == [17318, 17532, 17563, 17591]
    assert page.page.locator(".gz-cluster").inner_text() == "3"
    page.eval("positions.focus(4, 0)")
    popup = page.page.locator(".leaflet-popup-content")
    popup.locator("table.gz-popup").wait_for(timeout=5000)
    assert "<b>A</b>" in popup.inner_text()  # escaped by Python, shown as text
    assert popup.locator("a.gz-back").count() == 1  # back to the place's list
    popup.locator("a.gz-back").click()
    items = popup.locator(".gz-list li a")
    items.first.wait_for(timeout=5000)
    assert items.count() == 3
    assert page.eval("document.querySelectorAll('path.gz-selected-radius').length") == 1
    # the filter decides what is drawn; the cluster counts what it shows
    page.eval("map.closePopup(); window.shown = 17318; positions.applyFilter()")
    assert page.eval("positions.applyFilter()") == 1
    assert page.page.locator(".gz-cluster").count() == 0
    page.eval("window.shown = null")
    assert page.eval("positions.applyFilter()") == 5
    assert page.page.locator(".gz-cluster").inner_text() == "3"
    assert page.errors == []


# ------------------------------------------------- basemap, bands, lines and the map


def test_basemap_bands_and_lines(tool_page):
    square = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"c": "#99000d", "n": "Alpha &lt;1&gt;", "lx": 35.9, "ly": 33.0},
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[35.8, 32.9], [35.9, 33.1]],
                },
            }
        ],
    }
    band = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"c": "#99000d"},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[35.7, 32.8], [36, 32.8], [36, 33.2], [35.7, 32.8]]],
                },
            }
        ],
    }
    base = {
        "background": "#dedbd3",
        "layers": [{"name": "Land", "fc": band, "style": {"color": "#666"}}],
        "labels": [{"name": "Towns", "items": [[35.8, 33.0, "<span>Quneitra</span>", "gz-town"]]}],
    }
    page = tool_page(
        ("basemap.js", "bands.js", "lines.js"),
        f"""map.createPane("gzLabels");
        var shared = {{layers: layers, renderer: L.svg()}};
        new geozones.Basemap(map, {{}}, shared).vector({maps._js(base)});
        new geozones.Bands(map, {{}}, shared).add("Zones", {maps._js(band)}, {{weight: 1}});
        new geozones.Lines(map, {{}}, shared).add("Lines", {maps._js(square)}, {{weight: 3}});""",
    )
    drawn = page.eval("geozones.drawn")
    assert (drawn["basemap"], drawn["bands"], drawn["lines"]) == (1, 1, 1)
    assert page.eval("document.querySelectorAll('path.gz-band').length") == 1
    assert page.page.locator(".gz-line-label").inner_text() == "Alpha <1>"
    assert page.page.locator(".gz-label.gz-town").inner_text() == "Quneitra"
    assert page.eval("document.getElementById('map').classList.contains('gz-zge9')")
    overlays = page.eval(
        "[...document.querySelectorAll('.leaflet-control-layers-overlays label')]"
        ".map(l => l.innerText.trim())"
    )
    assert overlays == ["Land", "Towns", "Zones", "Lines"]
    assert page.errors == []


@pytest.mark.parametrize(
    ("options", "tools", "time"),
    [
        ({}, ["gz-measure", "gz-draw", "gz-export", "gz-clear"], 1),
        ({"measure": {"enabled": False}}, ["gz-draw", "gz-export", "gz-clear"], 1),
        ({"measure": {"enabled": False}, "draw": {"enabled": False}}, [], 1),
        ({"dateFilter": {"enabled": False}}, ["gz-measure", "gz-draw", "gz-export", "gz-clear"], 0),
    ],
)
def test_map_builds_the_tools_its_options_ask_for(tool_page, payload, options, tools, time):
    page = tool_page(
        tuple(m for m in maps._WEB_MODULES if m != "core.js"),
        f"geozones.map(map, {maps._js(options)}).positions('P', {payload});",
    )
    buttons = page.eval(
        "[...document.querySelectorAll('.gz-tools a')].map(a => a.className.split(' ')[1])"
    )
    assert buttons == tools
    assert page.page.locator(".gz-time").count() == time
    assert page.page.locator(".gz-legend").count() == 1
    assert page.page.locator(".gz-coords").count() == 1
    assert page.eval("geozones.drawnGeoJSON(map).features") == []
    assert page.errors == []
