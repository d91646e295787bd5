import geopandas as gpd
import pandas as pd
import pytest
import shapely

import geozones as gz
from geozones import datasets
from geozones.errors import DatasetError, GeozonesError

ALL_LAYERS = list(datasets.layers()["name"])
LINE_LAYERS = [n for n in ALL_LAYERS if datasets.info(n).kind == "line"]

EXPECTED_KIND = {
    "line": {"LineString", "MultiLineString"},
    "polygon": {"Polygon", "MultiPolygon"},
    "point": {"Point"},
}


def test_catalogue_lists_the_layers_the_design_requires():
    required = {
        "alpha_line",
        "bravo_line",
        "ceasefire_line_1974",
        "area_of_separation",
        "golan_heights",
        "countries",
        "syria_governorates",
        "israel_districts",
        "gazetteer",
    }
    assert required <= set(ALL_LAYERS)
    table = datasets.layers()
    assert {"name", "kind", "title", "source", "licence", "accuracy_m"} <= set(table.columns)
    assert table["name"].is_unique


@pytest.mark.parametrize("name", ALL_LAYERS)
def test_every_layer_loads_valid_in_wgs84_with_provenance(name):
    gdf = datasets.load(name)
    layer = datasets.info(name)
    assert isinstance(gdf, gpd.GeoDataFrame)
    assert len(gdf) > 0
    assert gdf.crs.to_epsg() == 4326
    assert gdf.is_valid.all()
    assert not gdf.geometry.is_empty.any()
    assert set(gdf.geom_type) <= EXPECTED_KIND[layer.kind]
    # x is longitude: everything lies in the Levant box the data was cut to
    minx, miny, maxx, maxy = gdf.total_bounds
    assert 33.9 <= minx and maxx <= 42.5 and 29 <= miny and maxy <= 37.5
    for column in datasets.PROVENANCE_COLUMNS:
        assert column in gdf.columns
        assert gdf[column].notna().all()
    assert (gdf["layer"] == name).all()
    assert gdf["accuracy_m"].iloc[0] == layer.accuracy_m > 0
    assert gdf["licence"].iloc[0] in {"ODbL 1.0", "public domain", "CC BY 4.0"}
    assert gdf.attrs["provenance"]["source"] == layer.source
    if layer.kind == "line":
        assert pd.api.types.is_datetime64_any_dtype(gdf["valid_from"])
        assert pd.api.types.is_datetime64_any_dtype(gdf["valid_to"])


def test_alpha_and_bravo_lines_are_the_osm_lines_described_in_sources():
    alpha = datasets.load("alpha_line").geometry.iloc[0]
    bravo = datasets.load("bravo_line").geometry.iloc[0]
    assert len(alpha.coords) == 51
    assert len(bravo.coords) == 181
    # Alpha runs north (Lebanon border on the Hermon slope) to south (Yarmouk)
    assert alpha.coords[0] == pytest.approx((35.7733, 33.3356), abs=1e-4)
    assert alpha.coords[-1] == pytest.approx((35.7565, 32.7453), abs=1e-4)
    assert datasets.load("alpha_line")["valid_from"].iloc[0] == pd.Timestamp("1974-05-31")
    assert pd.isna(datasets.load("alpha_line")["valid_to"].iloc[0])


def test_osm_layers_carry_the_odbl_attribution_and_geonames_cc_by():
    for name in ("alpha_line", "bravo_line", "area_of_separation", "golan_heights"):
        assert "OpenStreetMap contributors" in datasets.load(name)["attribution"].iloc[0]
        assert datasets.info(name).licence == "ODbL 1.0"
    assert "GeoNames" in datasets.load("gazetteer")["attribution"].iloc[0]
    credit = datasets.attribution()
    assert "OpenStreetMap" in credit and "Natural Earth" in credit and "GeoNames" in credit


def test_selected_features_are_disjoint_and_complete():
    borders = datasets.load("borders")
    assert "Ceasefire Lines 1974" not in set(borders["name"].dropna())
    assert len(borders) + 2 == 13  # the file holds 13 lines: 11 borders + ceasefire + UNDOF
    assert datasets.load("area_of_separation")["osm_id"].tolist() == [184888]
    assert datasets.load("golan_heights_ne")["NAME"].tolist() == ["Golan Heights"]


def test_area_of_separation_lies_between_alpha_and_bravo():
    aos = datasets.load("area_of_separation").geometry.iloc[0]
    quneitra = shapely.Point(35.8246, 33.1260)  # inside the OSM zone per SOURCES.md
    khan_arnabah = shapely.Point(35.8916, 33.1838)  # Syrian side, outside it
    assert aos.contains(quneitra)
    assert not aos.contains(khan_arnabah)


def test_load_returns_a_fresh_copy_each_time():
    first = datasets.load("alpha_line")
    first["name"] = "changed"
    assert datasets.load("alpha_line")["name"].iloc[0].startswith("A-Line")


def test_unknown_layer_is_a_clear_error():
    with pytest.raises(DatasetError, match="no bundled layer named 'alfa_line'.*alpha_line"):
        datasets.load("alfa_line")
    with pytest.raises(GeozonesError):
        datasets.info("nope")
    with pytest.raises(KeyError):  # still a KeyError for those who catch that
        datasets.info("nope")


def test_sources_md_names_every_bundled_file():
    sources = (datasets.data_dir() / "SOURCES.md").read_text(encoding="utf-8")
    files = {datasets.info(n).file for n in ALL_LAYERS}
    for file in files:
        assert f"`{file}`" in sources
    on_disk = {p.name for p in datasets.data_dir().glob("*.geojson")}
    assert on_disk == files, "every data file is used by a layer and documented"


def test_public_namespace():
    assert gz.datasets is datasets
    assert callable(gz.read_lines)
    assert set(gz.__all__) <= set(dir(gz))


@pytest.mark.parametrize("name", ["alpha_line", "bravo_line", "ceasefire_line_1974"])
def test_golan_lines_run_north_to_south_so_left_is_the_syrian_side(name):
    line = datasets.load(name).geometry.iloc[0]
    y0, y1 = line.coords[0][1], line.coords[-1][1]
    assert y0 > y1 + 0.5
    damascus_road = (35.95, 33.1)  # Syrian-held, east of the lines
    katzrin = (35.69, 32.99)  # Israeli-held Golan, west of the lines
    assert gz.side_of_line(*damascus_road, line) == 1
    assert gz.side_of_line(*katzrin, line) == -1


def test_credit_lines_name_the_layers_then_ucdp_and_acled():
    lines = datasets.credit_lines()
    assert lines[0] == datasets.attribution()
    assert set(datasets.EVENT_DATASET_CREDITS) == {"UCDP GED", "ACLED"}
    ucdp, acled = (
        datasets.EVENT_DATASET_CREDITS["UCDP GED"],
        datasets.EVENT_DATASET_CREDITS["ACLED"],
    )
    assert "CC BY 4.0" in ucdp and "Sundberg & Melander" in ucdp
    assert "acleddata.com" in acled
    assert any(ucdp in line and "data/events" in line for line in lines[1:])
    assert any(acled in line for line in lines[1:])


def test_syrian_side_zones_are_the_left_bands_cut_to_syrian_held_territory():
    zones = datasets.syrian_side_zones()
    assert zones["band"].tolist() == ["0–5 km", "5–20 km", "20–60 km"]
    assert (zones["side"] == "left").all()
    whole = gz.build_zones("alpha_line", (5, 20, 60), side="left")
    held = gz.load_territory("syrian_held")
    for clipped, full in zip(zones.geometry, whole.geometry, strict=True):
        assert clipped.difference(held.buffer(1e-9)).area == pytest.approx(0, abs=1e-12)
        assert clipped.area < full.area
    # the Area of Separation (Quneitra's ruins) is left out; Khan Arnabah, east of it, is in
    assert not zones.geometry.iloc[0].contains(shapely.Point(35.8246, 33.1260))
    assert zones.geometry.union_all().contains(shapely.Point(35.8916, 33.1838))
    assert (zones["area_km2"] < whole["area_km2"]).all()
    bravo = datasets.syrian_side_zones("bravo_line")
    assert bravo["line"].iloc[0] != zones["line"].iloc[0]
    with pytest.raises(DatasetError, match="no bundled Golan line named 'borders'"):
        datasets.syrian_side_zones("borders")
