"""HTML-level tests of geozones.maps: offline assets, escaping, legend, stacking, errors."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import folium
import numpy as np
import pandas as pd
import pytest

import geozones as gz
from geozones import maps, symbology

XSS_ACTOR = '<img src=x onerror="window.__xss=1">Hezbollah'
XSS_PLACE = "<script>window.__xss=2</script>Quneitra"


@pytest.fixture(scope="module")
def zones():
    return gz.build_zones("alpha_line", (5, 20, 60), side="left", clip="syrian_held")


@pytest.fixture(scope="module")
def checked():
    table = pd.DataFrame(
        {
            "lon": [35.83, 35.95, 36.10, np.nan, 36.3],
            "lat": [33.12, 33.05, 32.62, 33.0, 33.3],
            "actor": [XSS_ACTOR, "IRGC advisers", "Syrian Arab Army", "Hezbollah", "Quds Force"],
            "place": [XSS_PLACE, "Jaba", "Daraa", "nowhere", "Kanaker"],
            "date": ["2018-06-01", "2018-07-15", "", "2018-01-01", "2017-03-02"],
            "source": ["SOHR & co", "report <b>bold</b>", "UCDP", "x", "y"],
            "url": [
                "javascript:window.__xss=3",
                "https://example.org/report?a=1&b=2",
                "ftp://example.org/f",
                "",
                'https://example.org/"onmouseover="x',
            ],
            "uncertainty_m": [500, 0, 2000, 100, 1000],
        }
    )
    return gz.check_positions(table, "alpha_line", scenarios=list(gz.checks.bundled_scenarios()))


@pytest.fixture(scope="module")
def page(zones, checked):
    m = gz.zone_map(zones, checked, lines=["alpha_line", "bravo_line"])
    return m.get_root().render()


def payload_strings(page: str) -> str:
    """The JSON arguments of the geozones calls, decoded (what the browser's JS receives)."""
    calls = re.findall(r"geozones\.map\([^)]*\)\.\w+\((.*?)\);\n", page, re.DOTALL)
    return "\n".join(json.dumps(json.loads(f"[{c}]"), ensure_ascii=False) for c in calls)


def test_no_remote_assets(page):
    assert maps.remote_references(page) == []
    for cdn in ("cdn.jsdelivr", "code.jquery", "bootstrapcdn", "cdnjs", "tile.openstreetmap"):
        assert cdn not in page
    assert "<script src" not in page and "<link rel=" not in page
    assert "Leaflet 1.9" in page and "L.Icon.Default.imagePath" in page
    assert 'url("data:image/png;base64,' in page  # the layer-control icon, inline
    assert "sourceMappingURL" not in page


def test_remote_references_finds_loads_not_links():
    page = (
        '<script src="https://cdn.x/a.js"></script><link rel="stylesheet" href="//cdn.x/b.css">'
        '<style>.a{background:url(https://img.x/c.png)}</style><a href="https://ok.x">'
        'L.tileLayer("https://{s}.tile.x/{z}/{x}/{y}.png")<img src="http://img.x/d.png">'
    )
    assert maps.remote_references(page) == [
        "https://cdn.x/a.js",
        "//cdn.x/b.css",
        "https://img.x/c.png",
        "https://{s}.tile.x/{z}/{x}/{y}.png",
        "http://img.x/d.png",
    ]


def test_data_never_reaches_html_unescaped(page):
    # the raw payloads never appear anywhere in the page, not even inside the JSON
    for raw in ("<img src=x", "<script>window.__xss", "<b>bold</b>", "javascript:"):
        assert raw not in page
    # nothing in <script> can close it early: <, > and & in JSON are \u escapes
    body = page.split("geozones.map(", 1)[1]
    assert "</script" not in body.split("</script>", 1)[0]
    decoded = payload_strings(page)
    assert html.escape(XSS_ACTOR, quote=True) in decoded
    assert html.escape(XSS_PLACE, quote=True) in decoded
    assert "report &lt;b&gt;bold&lt;/b&gt;" in decoded
    assert "SOHR &amp; co" in decoded


def test_only_http_urls_become_links(checked):
    args, _, _ = maps._positions_payload(
        checked, scenario=None, columns=(), uncertainty=None, name="p"
    )
    data = json.loads(args[1])
    urls = [data["dict"]["url"][c] for c in data["cols"]["url"]]
    # javascript:, ftp: and missing URLs give no link; quotes in a URL are escaped
    assert urls == [
        "",
        "https://example.org/report?a=1&amp;b=2",
        "",
        "https://example.org/&quot;onmouseover=&quot;x",
    ]


def test_positions_payload_counts_and_unmapped(checked):
    args, legend, box = maps._positions_payload(
        checked, scenario="israel_60km_2018", columns=("note",), uncertainty=None, name="P"
    )
    data = json.loads(args[1])
    assert len(data["x"]) == 4  # the NaN row is not drawn ...
    assert "1 row not mapped — see the error column" in legend  # ... but counted
    assert data["scenario"] == "israel 60km 2018"
    assert set(data["states"]) <= set(maps.STATE_COLOURS)
    assert data["t"][2] is None and data["t"][0] == (pd.Timestamp("2018-06-01").value // 86400e9)
    assert data["fields"] == [["note", "note"]]
    assert box[0] == pytest.approx(35.83) and box[3] == pytest.approx(33.3)
    # colours by outcome when a scenario is given, by band otherwise
    fills = {s["fill"] for s in data["styles"]}
    assert fills <= set(maps.STATE_COLOURS.values()) | {"#ffffff"}


def test_legend_and_controls(page, zones):
    decoded = payload_strings(page)
    for band in zones["band"]:
        assert band in decoded
    assert "Zones: alpha_line" in decoded
    assert "Alpha line" in decoded and "Bravo line" in decoded
    assert "1 row not mapped" in decoded
    for call in (".basemap(", ".bands(", ".lines(", ".positions(", ".addLegend(", ".fit("):
        assert call in page
    assert "OpenStreetMap contributors, ODbL 1.0" in decoded
    assert "Natural Earth" in decoded and "GeoNames" in decoded


def test_band_palette_is_sequential():
    assert symbology.band_palette(3) == ["#99000d", "#f16913", "#fed976"]
    assert symbology.band_palette(1) == [maps.BAND_COLOURS[1]]
    assert len(set(symbology.band_palette(6))) == 6


def test_calls_stack_onto_one_map(zones, checked):
    m = gz.zone_map(zones)
    m2 = gz.zone_map(positions=checked, m=m, lines="bravo_line")
    assert m2 is m
    page = m.get_root().render()
    assert page.count(".basemap(") == 1  # the basemap is drawn once
    assert page.count(".bands(") == 1 and page.count(".positions(") == 1
    assert page.count(".lines(") == 2  # alpha from the zones, then bravo
    assert page.count("geozones_assets") <= 1 and page.count("<!-- Leaflet") == 1


def test_plain_folium_map_becomes_offline():
    m = folium.Map(tiles=None)
    gz.zone_map(lines="alpha_line", m=m)
    page = m.get_root().render()
    assert maps.remote_references(page) == []
    assert "code.jquery.com" not in page


def test_repr_html_is_offline(zones):
    m = gz.zone_map(zones)
    srcdoc = html.unescape(m._repr_html_())
    assert "<!-- Leaflet" in srcdoc
    assert maps.remote_references(srcdoc) == []


def test_save_map_writes_one_offline_file(tmp_path, zones):
    out = gz.save_map(gz.zone_map(zones), tmp_path / "zones.html")
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert maps.remote_references(text) == []
    assert list(tmp_path.iterdir()) == [out]


def test_save_map_refuses_online_tiles(tmp_path, zones):
    m = gz.zone_map(zones, basemap="osm")
    with pytest.raises(gz.GeozonesError, match=r"remote resource.*tile\.openstreetmap\.org"):
        gz.save_map(m, tmp_path / "osm.html")
    assert not (tmp_path / "osm.html").exists()
    out = gz.save_map(m, tmp_path / "osm.html", offline=False)
    assert "tile.openstreetmap.org" in out.read_text(encoding="utf-8")


def tiles_spec(page: str) -> dict:
    """The argument of the page's one ``.tiles(...)`` call, as the browser receives it."""
    calls = re.findall(r"geozones\.map\([^)]*\)\.tiles\((.*?)\);\n", page, re.DOTALL)
    assert len(calls) == 1
    return json.loads(calls[0])


@pytest.mark.parametrize("basemap", ["osm", "OpenStreetMap.Mapnik", "openstreetmap mapnik"])
def test_online_tiles_come_from_xyzservices(basemap):
    import xyzservices

    page = gz.zone_map(lines="alpha_line", basemap=basemap).get_root().render()
    spec = tiles_spec(page)
    provider = xyzservices.providers.OpenStreetMap.Mapnik
    assert spec["url"] == provider.url == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert spec["name"] == "OpenStreetMap.Mapnik" and spec["maxZoom"] == provider.max_zoom
    assert spec["attribution"] == (
        '© <a href="https://www.openstreetmap.org/copyright" target="_blank" rel="noopener">'
        "OpenStreetMap</a> contributors"
    )
    assert ".basemap(" not in page  # tiles instead of the vector basemap, not as well


def test_online_tiles_from_an_object_keep_only_safe_credit_html():
    import xyzservices

    hostile = xyzservices.TileProvider(
        name='<img src=x onerror="window.__xss=1">Tiles',
        url="https://{s}.tiles.example.org/{z}/{x}/{y}{r}.png",
        html_attribution=(
            '<a href="javascript:window.__xss=2">Evil</a> &copy; <a href="https://ok.example"'
            ' onclick="x()">OK</a><script>window.__xss=3</script><img src=x onerror=y>'
        ),
        attribution="Evil (C) OK",
        max_zoom=15,
        subdomains="xyz",
    )
    page = gz.zone_map(lines="alpha_line", basemap=hostile).get_root().render()
    spec = tiles_spec(page)
    assert spec["url"] == "https://{s}.tiles.example.org/{z}/{x}/{y}{r}.png"
    assert (spec["maxZoom"], spec["subdomains"]) == (15, "xyz")
    assert spec["name"] == html.escape(hostile.name)
    assert spec["attribution"] == (
        'Evil © <a href="https://ok.example" target="_blank" rel="noopener">OK</a>'
    )
    assert "__xss" not in payload_strings(page).replace("&quot;window.__xss=1&quot;", "")


def test_unknown_basemap_names_suggest_providers():
    with pytest.raises(gz.InputError, match=r"unknown basemap 'OpenTopMap'.*'OpenTopoMap'"):
        gz.zone_map(lines="alpha_line", basemap="OpenTopMap")


def test_save_map_fixes_folium_cdn_links_and_refuses_plugins(tmp_path):
    m = folium.Map(tiles=None)
    m.get_root().render()  # folium has put its CDN links into the header
    page = gz.save_map(m, tmp_path / "plain.html").read_text(encoding="utf-8")
    assert maps.remote_references(page) == []
    from branca.element import JavascriptLink

    m.get_root().header.add_child(JavascriptLink("https://cdn.example/plugin.js"), name="p")
    with pytest.raises(gz.InputError, match="cdn.example/plugin.js"):
        gz.save_map(m, tmp_path / "plugin.html")


def test_inputs_are_not_mutated(zones, checked):
    z, c = zones.copy(), checked.copy()
    gz.zone_map(zones, checked, scenario="israel_60km_2018")
    pd.testing.assert_frame_equal(zones, z)
    pd.testing.assert_frame_equal(checked, c)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"basemap": "google"}, "unknown basemap"),
        ({"scenario": "nope"}, "no scenario column 'nope'"),
        ({"columns": ["missing"]}, "columns not in positions: missing"),
        ({"location": (95, 35)}, "location must be"),
        ({"location": "Golan"}, "location must be"),
        ({"zoom_start": 99}, "zoom_start must be"),
        ({"zoom_start": 2.5}, "zoom_start must be"),
    ],
)
def test_errors(checked, kwargs, match):
    with pytest.raises(gz.InputError, match=match):
        gz.zone_map(positions=checked, **kwargs)


def test_zones_must_be_bands():
    with pytest.raises(gz.InputError, match="outer_km"):
        gz.zone_map(gz.datasets.load("countries"))


def test_plain_positions_without_checks():
    table = pd.DataFrame({"lon": [35.9], "lat": [33.1], "actor": ["a"]})
    args, legend, _ = maps._positions_payload(
        table, scenario=None, columns=(), uncertainty=None, name="P"
    )
    data = json.loads(args[1])
    assert data["b"] == [-1] and data["km"] == [None] and data["t"] == [None]
    assert "not mapped" not in legend


def test_js_escaping_is_script_safe():
    text = maps._js({"a": "</script><!-- & \u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"a": "</script><!-- & \u2028"}


# ------------------------------------------------------------------ static figures (plot.py)


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_plot_zones_writes_each_format(tmp_path, zones, checked, suffix):
    out = tmp_path / f"zones{suffix}"
    fig = gz.plot_zones(zones, checked, lines=["alpha_line", "bravo_line"], path=out, dpi=60)
    head = out.read_bytes()[:8]
    assert head.startswith({".png": b"\x89PNG", ".svg": b"<?xml", ".pdf": b"%PDF"}[suffix])
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts[:3] == ["0–5 km", "5–20 km", "20–60 km"]
    assert "Alpha line" in texts and "Bravo line" in texts
    assert "1 row not mapped — see the error column" in texts
    all_text = " ".join(t.get_text() for t in ax.texts)
    assert "N" in [t.get_text() for t in ax.texts]  # north arrow
    assert [type(a).__name__ for a in ax.artists] == ["ScaleBar"]
    assert "OpenStreetMap" in all_text and "Mount Hermon" in all_text


def test_plot_zones_aspect_and_scenario(checked):
    fig = gz.plot_zones(positions=checked, scenario="israel_60km_2018", basemap=False)
    ax = fig.axes[0]
    y0, y1 = ax.get_ylim()
    assert ax.get_aspect() == pytest.approx(1 / np.cos(np.radians((y0 + y1) / 2)))
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(t.startswith(("breach", "compliant", "uncertain", "other side")) for t in texts)


def test_plot_zones_into_given_axes_and_bad_path(zones, tmp_path):
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.add_subplot()
    assert gz.plot_zones(zones, ax=ax, basemap=False) is fig
    with pytest.raises(gz.InputError, match=r"\.png, \.svg or \.pdf"):
        gz.plot_zones(zones, path=tmp_path / "zones.jpg")


def test_save_map_refuses_folium_layers_that_load_from_javascript(tmp_path):
    import folium

    for layer in (
        folium.raster_layers.WmsTileLayer(url="https://ows.example.org/wms", layers="x"),
        folium.raster_layers.ImageOverlay(
            image="https://img.example.org/a.png", bounds=[[32, 35], [33, 36]]
        ),
    ):
        m = gz.zone_map(lines="alpha_line")
        layer.add_to(m)
        with pytest.raises(gz.GeozonesError, match="example.org"):
            gz.save_map(m, tmp_path / "m.html")
        assert gz.save_map(m, tmp_path / "m.html", offline=False).exists()


def test_positions_that_cannot_be_drawn_are_counted_not_fatal():
    table = pd.DataFrame({"lat": ["x", "33.2"], "lon": ["y", "35.85"], "row": [2, 3]})
    checked = gz.check_positions(table, "alpha_line")
    none_usable = checked.assign(error="bad")
    html = gz.zone_map(positions=none_usable).get_root().render()
    assert "2 rows not mapped" in html
    both = gz.check_positions(
        pd.DataFrame({"lat": [33.1, 33.2], "lon": [35.8, 35.85]}), "alpha_line"
    )
    both["row"] = [np.nan, 3]  # a row number lost on the way: drawn, without one
    assert '"row":[null,3]' in gz.zone_map(positions=both).get_root().render()


# ------------------------------------------------- template syntax is data, never code

# Jinja syntax that, parsed as a template, would run Python (makes a folder named
# "generate_lorem_ipsum" in the working directory), compute, delete text or crash.
RCE = "{{ lipsum.__globals__.os.mkdir(lipsum.__name__) }}"
HOSTILE = Path(__file__).parent / "data" / "hostile"
TEMPLATE_TEXTS = {
    "actor": RCE,
    "place": "{{7*7}} Quneitra",
    "source": "{# hidden #}SOHR",
    "side": "{{citation needed}}",
    "date_text": "{% for x in range(3) %}x{% endfor %}",
    "comment": "{%- raw %}{{ 1 }}",
}


@pytest.fixture
def template_page(tmp_path, monkeypatch):
    """A map whose every text field, layer name and column name holds template syntax."""
    monkeypatch.chdir(tmp_path)
    from shapely import LineString

    table = pd.DataFrame({"lon": [35.9, 36.0], "lat": [33.0, 33.1]} | TEMPLATE_TEXTS)
    table["url"] = "https://example.org/{{7*7}}"
    table["{{ 6*7 }}"] = "column {{ 5*5 }}"
    table["scenario_{{x}}"] = ["{{ 8*8 }}", "breach"]
    positions = gz.read_positions(table.drop(columns=["side"]))
    positions["side"] = TEMPLATE_TEXTS["side"]
    positions["scenario_{{x}}"] = table["scenario_{{x}}"].to_numpy()
    lines = gz.read_lines(
        __import__("geopandas").GeoDataFrame(
            {"name": ["{{ 3*3 }} line", RCE]},
            geometry=[LineString([(35.8, 33.2), (35.9, 32.9)]), LineString([(36, 33), (36, 32.9)])],
            crs=4326,
        )
    )
    zones = gz.build_zones(lines.geometry.iloc[0], (5,))
    zones["line"] = "{{ 4*4 }}"
    zones["attribution"] = RCE
    m = gz.zone_map(
        zones,
        positions,
        lines=lines,
        scenario="scenario_{{x}}",
        columns=["comment", "date_text", "{{ 6*7 }}"],
        zones_name="{{ 2*2 }} zones",
        positions_name=RCE,
        credits=["{{ 9*9 }} credit", RCE],
    )
    path = gz.save_map(m, tmp_path / "map.html")
    return path.read_text(encoding="utf-8"), tmp_path


def test_template_syntax_in_every_text_field_is_shown_not_run(template_page):
    page, folder = template_page
    assert not (folder / "generate_lorem_ipsum").exists()  # no code ran
    shown = payload_strings(page)
    for text in ["{{7*7}} Quneitra", "{# hidden #}SOHR", "{{citation needed}}", "{{ 5*5 }}"]:
        assert html.escape(text) in shown or text in shown, text
    for text in ["{% for x in range(3) %}x{% endfor %}", "{%- raw %}{{ 1 }}", "{{ 8*8 }}"]:
        assert html.escape(text) in shown or text in shown, text
    for text in ["{{ 6*7 }}", "{{ 3*3 }} line", "{{ 2*2 }} zones", "{{ 9*9 }} credit", RCE]:
        assert html.escape(text) in shown or text in shown, text
    assert "https://example.org/{{7*7}}" in shown
    # and the page itself carries no template syntax a later render could evaluate
    assert not re.search(r"\{[{%#]", page.split("geozones_assets")[-1].split("</script>", 1)[-1])


def test_template_syntax_is_never_evaluated_by_a_second_render(template_page):
    """folium renders again on every _repr_html_ and save: still nothing is evaluated."""
    page, folder = template_page
    assert "49 Quneitra" not in page and ">49<" not in page
    assert not (folder / "generate_lorem_ipsum").exists()


def test_the_cli_map_of_a_hostile_sheet_runs_nothing(tmp_path, monkeypatch):
    from geozones.cli import main

    monkeypatch.chdir(tmp_path)
    sheet = HOSTILE / "map_template_in_cells.csv"
    assert main(["map", "--positions", str(sheet), "--out", str(tmp_path / "m.html")]) == 0
    assert not (tmp_path / "generate_lorem_ipsum").exists()
    shown = payload_strings((tmp_path / "m.html").read_text())
    assert "{{citation needed}}" in shown and "{{7*7}} {# deleted? #} SOHR" in shown


def test_a_kml_line_name_runs_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    page = gz.zone_map(lines=str(HOSTILE / "map_template_in_line_name.kml")).get_root().render()
    assert not (tmp_path / "generate_lorem_ipsum").exists()
    assert html.escape(RCE) in payload_strings(page)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"dpi": 10**6}, "dpi must be within"),
        ({"dpi": float("nan")}, "dpi must be within"),
        ({"figsize": (8, -1)}, "figsize must be"),
        ({"figsize": (1e9, 9)}, "figsize must be"),
        ({"figsize": "big"}, "figsize must be"),
        ({"figsize": (90, 90), "dpi": 1200}, "pixels a side"),
        ({"extent": (36, 35, 32, 34)}, "extent must be"),
        ({"extent": (35, 36, 32, float("inf"))}, "extent must be"),
    ],
)
def test_plot_zones_refuses_sizes_it_cannot_draw(zones, kwargs, match):
    with pytest.raises(gz.InputError, match=match):
        gz.plot_zones(zones, **kwargs)


def test_unusable_radii_draw_no_circle_and_do_not_crash():
    table = pd.DataFrame({"lon": [35.9, 36.0, 36.1], "lat": [33.0, 33.1, 33.2]})
    positions = gz.read_positions(table)
    positions["uncertainty_m"] = [float("inf"), -5.0, 1e300]
    page = gz.zone_map(positions=positions).get_root().render()
    payload = json.loads(
        re.search(r"\.positions\((.*?)\);\n", page, re.DOTALL).group(1).split(",", 1)[1]
    )
    assert payload["r"] == [0, 0, 0]


# ----------------------------------------- issue 14: credits, date ranges, breaches, claims

HOSTILE_TEXT = '<img src=x onerror="window.__xss=9">{{ 7*7 }}'


def _contract_results() -> pd.DataFrame:
    """Results with issue 14's contract columns, made by hand (checks.py may lag behind)."""
    n = 25
    verdict = ["breach"] * 22 + ["compliant", "uncertain", "not in force"]
    status, denied_by, claim = [""] * n, [""] * n, [""] * n
    status[1], denied_by[1], claim[1] = "reported; denied", HOSTILE_TEXT, HOSTILE_TEXT
    return pd.DataFrame(
        {
            "row": np.arange(2, n + 2),
            "lon": np.linspace(35.9, 36.2, n),
            "lat": np.linspace(32.7, 33.2, n),
            "uncertainty_m": [1000.0] * n,
            "actor": [HOSTILE_TEXT] + [f"Group {i}" for i in range(1, n)],
            "date": pd.to_datetime(
                ["2018-01-01", "2017-03-19", "2018-06-01"] + ["2017-03-19"] * 22
            ),
            "date_to": pd.to_datetime(
                ["2018-12-31", "2017-03-25", "2018-06-30"] + ["2017-03-19"] * 22
            ),
            "date_precision": ["year", "range", "month"] + ["day"] * 22,
            "place": [HOSTILE_TEXT] + [f"Place {i}" for i in range(1, n)],
            "source": ["UCDP"] * n,
            "url": ["https://ucdp.uu.se/"] * n,
            "status": status,
            "denied_by": denied_by,
            "claim_text": claim,
            "error": [""] * n,
            "distance_km": np.linspace(1, 50, n),
            "band": ["5–20 km"] * n,
            "scenario_israel_60km_2018": verdict,
            "evidence_israel_60km_2018": [HOSTILE_TEXT] * n,
            "distance_km_israel_60km_2018": np.linspace(1, 50, n),
            "actor_roles": ["side_b=hezbollah"] * n,
        }
    )


def test_data_credits_detects_ucdp_and_acled():
    assert maps.data_credits(None) == [] and maps.data_credits(pd.DataFrame()) == []
    ucdp = pd.DataFrame({"side_a": ["A"], "side_b": ["B"], "where_prec": [2]})
    assert maps.data_credits(ucdp) == [maps.UCDP_CREDIT]
    assert maps.data_credits(pd.DataFrame({"date_prec": [1]})) == [maps.UCDP_CREDIT]
    acled = pd.DataFrame({"event_id_cnty": ["SYR123"]})
    assert maps.data_credits(acled) == [maps.ACLED_CREDIT]
    acled = pd.DataFrame({"actor1": ["x"], "time_precision": [1]})
    assert maps.data_credits(acled) == [maps.ACLED_CREDIT]
    both = pd.DataFrame({"dataset": ["UCDP GED", "ACLED", ""]})
    assert maps.data_credits(both) == [maps.UCDP_CREDIT, maps.ACLED_CREDIT]
    # columns present but empty (claims concatenated with nothing) need no credit
    empty = pd.DataFrame({"side_a": [None], "side_b": [""], "where_prec": [np.nan]})
    assert maps.data_credits(empty) == []
    assert "Sundberg & Melander 2013" in maps.UCDP_CREDIT and "acleddata.com" in maps.ACLED_CREDIT


def test_maps_and_figures_credit_the_events_they_draw(tmp_path):
    events = gz.read_positions(gz.examples.ucdp_events_path())
    page = gz.zone_map(positions=events).get_root().render()
    assert "UCDP GED (CC BY 4.0), Sundberg &amp; Melander 2013" in payload_strings(page)
    # stacked onto a map that had none: credited once, by the call that adds them
    m = gz.zone_map(lines="alpha_line")
    m = gz.zone_map(positions=events, m=m)
    m = gz.zone_map(positions=events, m=m)
    assert payload_strings(m.get_root().render()).count("Sundberg") == 1
    # a credit the caller gave for the same dataset is not repeated
    page = gz.zone_map(positions=events, credits=["UCDP GED, CC BY 4.0"]).get_root().render()
    assert "Sundberg" not in page and "UCDP GED, CC BY 4.0" in payload_strings(page)
    claims = gz.read_positions(gz.examples.reported_positions_path())
    assert "UCDP" not in payload_strings(gz.zone_map(positions=claims).get_root().render())
    fig = gz.plot_zones(positions=events, basemap=False, dpi=40)
    assert maps.UCDP_CREDIT in " ".join(t.get_text() for t in fig.axes[0].texts)
    fig = gz.plot_zones(positions=claims, basemap=False, dpi=40)
    assert "UCDP" not in " ".join(t.get_text() for t in fig.axes[0].texts)


def test_date_labels_follow_the_precision():
    table = pd.DataFrame(
        {
            "date": pd.to_datetime(
                ["2018-01-01", "2018-06-01", "2017-03-19", "2017-03-19", "2017-03-13", None]
            ),
            "date_to": pd.to_datetime(
                ["2018-12-31", "2018-06-30", "2017-03-19", "2017-03-25", "2017-03-19", None]
            ),
            "date_precision": ["year", "month", "day", "range", "week", ""],
        }
    )
    assert maps._date_labels(table).tolist() == [
        "2018",
        "2018-06",
        "2017-03-19",
        "2017-03-19 to 2017-03-25",
        "2017-03-13 to 2017-03-19",
        "undated",
    ]
    # older result files: a day, read from text, no date_to or date_precision
    old = pd.DataFrame({"date": ["2018-06-01", "", None]})
    assert maps._date_labels(old).tolist() == ["2018-06-01", "undated", "undated"]
    assert maps._date_labels(pd.DataFrame({"x": [1]})).tolist() == ["undated"]


def test_payload_carries_verdicts_evidence_and_claims_escaped():
    results = _contract_results()
    args, legend, _ = maps._positions_payload(
        results, scenario="israel_60km_2018", columns=(), uncertainty=None, name="P", layer=3
    )
    data = json.loads(args[1])
    assert data["id"] == 3
    codes, labels = data["when"]
    assert [labels[c] for c in codes[:3]] == ["2018", "2017-03-19 to 2017-03-25", "2018-06"]
    ((name, vcodes, vdict, ecodes, edict),) = data["verdicts"]
    assert name == "israel 60km 2018"
    assert vdict[vcodes[23]] == "uncertain"
    assert edict[ecodes[0]] == html.escape(HOSTILE_TEXT)
    for key in ("denied_by", "claim_text"):
        assert html.escape(HOSTILE_TEXT) in data["dict"][key]
    assert data["dict"]["status"][data["cols"]["status"][1]] == "reported; denied"
    assert data["states"][:2] == ["breach", "uncertain"]  # the most serious first
    assert data["rank"][0] == 0


def test_legend_lists_breaches_escaped_and_capped():
    results = _contract_results()
    _, legend, _ = maps._positions_payload(
        results, scenario="israel_60km_2018", columns=(), uncertainty=None, name="P", layer=2
    )
    items = re.findall(
        r'<a href="#" class="gz-breach" data-gz-layer="2" data-gz-i="(\d+)">', legend
    )
    assert items == [str(i) for i in range(20)]
    assert "… and 2 more" in legend and "Breaches (1 denied)" in legend
    assert legend.count('class="gz-denied"') == 1
    assert "<img" not in legend and html.escape("<img src=x") in legend
    assert "2018, " not in legend and "Place 2, 2018-06" in legend
    # no scenario chosen, or no breach: no list
    _, legend, _ = maps._positions_payload(
        results, scenario=None, columns=(), uncertainty=None, name="P"
    )
    assert "gz-breach" not in legend
    calm = results.assign(scenario_israel_60km_2018="compliant")
    _, legend, _ = maps._positions_payload(
        calm, scenario="israel_60km_2018", columns=(), uncertainty=None, name="P"
    )
    assert "gz-breach" not in legend


def test_the_positions_layers_of_one_map_are_numbered(zones):
    results = _contract_results()
    m = gz.zone_map(positions=results, scenario="israel_60km_2018")
    m = gz.zone_map(positions=results, scenario="israel_60km_2018", m=m, positions_name="B")
    decoded = payload_strings(m.get_root().render())
    assert 'data-gz-layer=\\"0\\"' in decoded and 'data-gz-layer=\\"1\\"' in decoded
    assert '"id": 0' in decoded and '"id": 1' in decoded


def test_an_instant_is_labelled_in_utc_and_bidi_controls_are_taken_out():
    table = pd.DataFrame(
        {
            "date": pd.to_datetime(["2017-07-01 02:00"]),
            "date_to": pd.to_datetime(["2017-07-01 02:00"]),
            "date_precision": ["instant"],
        }
    )
    assert maps._date_labels(table).tolist() == ["2017-07-01 02:00 UTC"]
    # U+202E would show the rest of the text reversed ("hallobzeH")
    assert maps._escape("\u202eHezbollah\u202c <b>") == "Hezbollah &lt;b&gt;"
    positions = gz.read_positions(
        pd.DataFrame({"lat": [33.0], "lon": [35.9], "actor": ["\u202ehallobzeH\u2066x\u2069"]})
    )
    page = maps.zone_map(positions=positions).get_root().render()
    assert "\u202e" not in page and "\u2066" not in page
    assert "\\u202e" not in page.lower()  # nor written as a JSON escape
    assert "hallobzeH" in page
