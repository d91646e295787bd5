"""The presentation described once: colours, legend entries, basemap and figure formats."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from matplotlib.colors import to_hex

import geozones as gz
from geozones import symbology
from geozones.errors import InputError


def test_band_colours_spread_the_palette_and_grey_the_rest():
    colours = symbology.band_colours(["0–5 km", "5–20 km", "20–60 km", "beyond 60 km"])
    assert list(colours.values()) == [*symbology.band_palette(3), symbology.BEYOND_COLOUR]
    assert symbology.band_palette(0) == []


def test_band_categories_keep_category_order_and_drop_empty():
    cat = pd.Series(pd.Categorical(["5–20 km", ""], categories=["0–5 km", "5–20 km", ""]))
    assert symbology.band_categories(cat) == ["0–5 km", "5–20 km"]
    text = pd.Series(["b", None, "a", ""])
    assert symbology.band_categories(text) == ["a", "b"]


def test_zone_entries_label_colour_and_area():
    zones = gz.build_zones("alpha_line", (5, 20))
    entries = symbology.zone_entries(zones)
    assert [e.label for e in entries] == ["0–5 km", "5–20 km"]
    assert [e.colour for e in entries] == symbology.band_palette(2)
    bare = gpd.GeoDataFrame(
        {"inner_km": [0.0], "outer_km": [5.0]}, geometry=[shapely.box(0, 0, 1, 1)], crs=4326
    )
    (entry,) = symbology.zone_entries(bare)
    assert entry.label == "0–5 km" and np.isnan(entry.area_km2)
    with pytest.raises(InputError, match="outer_km"):
        symbology.zone_entries(pd.DataFrame({"x": [1]}))


def test_zones_name_prefers_the_given_name_then_the_zone_set():
    zones = gz.build_zones("alpha_line", (5,))
    assert symbology.zones_name(zones, "mine") == "mine"
    assert symbology.zones_name(zones) == "alpha_line"


def test_line_styles_of_bundled_and_other_lines():
    bravo = symbology.line_style("bravo_line", 3, "B-Line")
    assert (bravo.colour, bravo.dash_text, bravo.label) == ("#1f4e9c", "8 5", "Bravo line")
    other = symbology.line_style("", 7, "x" * 50)
    assert other.colour == symbology.LINE_COLOURS[7 % len(symbology.LINE_COLOURS)]
    assert other.dash is None and other.label == "x" * 39 + "…"


def test_lines_to_draw_default_from_zones():
    zones = gz.build_zones("alpha_line", (5,))
    assert symbology.lines_to_draw(None, zones) == ["alpha_line"]
    assert symbology.lines_to_draw(False, zones) is None
    assert symbology.lines_to_draw(None, None) is None
    lines = gz.lines.as_lines(["alpha_line", "bravo_line"])
    assert symbology.display_names(lines)[0].startswith("A-Line (Alpha line)")


def test_state_colour_and_scenario_column():
    assert symbology.state_colour("breach") == symbology.STATE_COLOURS["breach"]
    assert symbology.state_colour("something else") == symbology.UNKNOWN_COLOUR
    df = pd.DataFrame({"scenario_x": ["breach"]})
    assert symbology.scenario_column(df, "x") == "scenario_x"
    assert symbology.scenario_column(df, None) is None
    with pytest.raises(InputError, match="scenario_x"):
        symbology.scenario_column(df, "y")


def test_basemap_layers_are_loaded_once_without_undof():
    base = symbology.basemap_layers()
    assert base is symbology.basemap_layers()
    assert "UNDOF" not in set(base.admin["name"])
    assert base.peaks["name"].notna().all()
    assert symbology.peak_title("Jabal ash Shaykh") == "Mount Hermon (Jabal ash Shaykh)"


def test_figure_formats():
    assert symbology.FIGURE_FORMATS == {".png", ".svg", ".pdf"}
    symbology.check_figure_path("a.PDF")
    symbology.check_figure_path(None)
    with pytest.raises(InputError, match=r"\.png, \.svg or \.pdf"):
        symbology.check_figure_path("a.jpg")


def test_maps_and_plot_draw_the_same_colours():
    zones = gz.build_zones("alpha_line", (5, 20))
    page = gz.zone_map(zones, basemap="offline").get_root().render()
    fig = gz.plot_zones(zones, lines=False)
    patches = fig.axes[0].get_legend().get_patches()
    for entry, patch in zip(symbology.zone_entries(zones), patches, strict=False):
        assert f'"c":"{entry.colour}"' in page or f'"c": "{entry.colour}"' in page
        assert to_hex(patch.get_facecolor()) == entry.colour
    assert symbology.BASEMAP.sea in page
    assert to_hex(fig.axes[0].get_facecolor()) == symbology.BASEMAP.sea


# ------------------------------------------------------------------ online tile basemaps


@pytest.mark.parametrize(
    ("basemap", "name", "url"),
    [
        ("osm", "OpenStreetMap.Mapnik", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
        ("topo", "OpenTopoMap", "https://{s}.tile.opentopomap.org/{z}/{x}/{y}.png"),
        ("OpenStreetMap.Mapnik", "OpenStreetMap.Mapnik", "https://tile.openstreetmap.org/"),
        (
            "imagery",
            "Esri.WorldImagery",
            "https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/",
        ),
        ("esri worldtopomap", "Esri.WorldTopoMap", "https://server.arcgisonline.com/"),
    ],
)
def test_tile_basemap_takes_aliases_and_provider_names(basemap, name, url):
    import xyzservices

    tiles = symbology.tile_basemap(basemap)
    provider = xyzservices.providers.query_name(name)
    assert tiles.name == name
    assert tiles.url.startswith(url)
    assert tiles.attribution_html == provider.html_attribution
    assert tiles.max_zoom == provider.get("max_zoom", 18)


def test_tile_basemap_takes_a_provider_object():
    import xyzservices

    mine = xyzservices.TileProvider(
        name="Mine.Tiles",
        url="https://tiles.example.org/{z}/{x}/{y}{r}.png?key={apikey}",
        attribution="(C) Mine",
        apikey="secret",
        max_zoom=12,
        subdomains=["a", "b"],
    )
    tiles = symbology.tile_basemap(mine)
    assert tiles.url == "https://tiles.example.org/{z}/{x}/{y}{r}.png?key=secret"
    assert (tiles.name, tiles.attribution, tiles.max_zoom) == ("Mine.Tiles", "(C) Mine", 12)
    assert tiles.subdomains == ("a", "b")


def test_tile_basemap_errors_suggest_and_explain():
    import xyzservices

    with pytest.raises(InputError, match=r"unknown basemap 'CartoDB.Positon'.*'CartoDB.Positron'"):
        symbology.tile_basemap("CartoDB.Positon")
    with pytest.raises(InputError, match=r"unknown basemap 'google'; use 'offline', 'osm'"):
        symbology.tile_basemap("google")
    with pytest.raises(InputError, match=r"needs an API key.*Thunderforest.Landscape\(apikey="):
        symbology.tile_basemap("Thunderforest.Landscape")
    bad = xyzservices.TileProvider(name="x", url="javascript:alert(1)//{z}", attribution="x")
    with pytest.raises(InputError, match="must be http"):
        symbology.tile_basemap(bad)
    with pytest.raises(InputError, match="basemap must be"):
        symbology.tile_basemap(3)
