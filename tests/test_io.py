import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely import LineString, MultiLineString, Point, Polygon

import geozones as gz
from geozones.errors import GeometryError, GeozonesError, GeozonesWarning, InputError

KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>contact lines</name>
<Folder><name>north</name>
<Placemark><name>Line of contact, Quneitra</name>
<LineString><coordinates>35.85,33.20,0 35.87,33.05,0 35.90,32.95,0</coordinates></LineString>
</Placemark></Folder>
<Folder><name>south</name>
<Placemark><name>Line of contact, Daraa</name>
<LineString><coordinates>35.95,32.90,0 36.10,32.70,0</coordinates></LineString>
</Placemark></Folder>
</Document></kml>
"""


@pytest.mark.parametrize(
    "driver,suffix", [("GeoJSON", ".geojson"), ("GPKG", ".gpkg"), ("ESRI Shapefile", ".shp")]
)
def test_reads_vector_files(tmp_path, simple_lines, driver, suffix):
    path = tmp_path / f"lines{suffix}"
    simple_lines.to_file(path, driver=driver)
    lines = gz.read_lines(path)
    assert lines.crs.to_epsg() == 4326
    assert lines["name"].tolist() == ["north", "south"]
    assert lines.geometry.iloc[0].equals_exact(simple_lines.geometry.iloc[0], 1e-9)


def test_reads_google_earth_kml_with_folders_and_drops_z(tmp_path):
    path = tmp_path / "lines.kml"
    path.write_text(KML, encoding="utf-8")
    lines = gz.read_lines(path)
    assert lines["name"].tolist() == ["Line of contact, Quneitra", "Line of contact, Daraa"]
    assert lines["source_layer"].tolist() == ["north", "south"]
    assert not lines.geometry.has_z.any()
    assert lines.geometry.iloc[0].coords[1] == pytest.approx((35.87, 33.05))


def test_reads_a_geodataframe_without_mutating_it(simple_lines):
    before = simple_lines.copy()
    lines = gz.read_lines(simple_lines)
    assert lines is not simple_lines
    assert simple_lines.equals(before)
    assert len(lines) == 2


def test_unnamed_lines_get_a_name_and_multilines_are_kept():
    gdf = gpd.GeoDataFrame(
        geometry=[MultiLineString([[(35.8, 33.0), (35.9, 33.1)], [(36.0, 33.0), (36.1, 33.0)]])],
        crs=4326,
    )
    lines = gz.read_lines(gdf)
    assert lines["name"].tolist() == ["line 1"]
    assert lines.geom_type.tolist() == ["MultiLineString"]


def test_projected_crs_is_transformed(simple_lines):
    utm = simple_lines.to_crs(32636)
    lines = gz.read_lines(utm)
    assert lines.crs.to_epsg() == 4326
    assert lines.geometry.iloc[0].coords[0] == pytest.approx((35.80, 33.30), abs=1e-7)


def test_no_crs_with_lonlat_coordinates_is_assumed_wgs84_with_a_warning(simple_lines):
    bare = simple_lines.set_crs(None, allow_override=True)
    with pytest.warns(GeozonesWarning, match="has no CRS.*assuming EPSG:4326"):
        lines = gz.read_lines(bare)
    assert lines.crs.to_epsg() == 4326


def test_no_crs_with_projected_coordinates_is_an_error(simple_lines):
    bare = simple_lines.to_crs(32636).set_crs(None, allow_override=True)
    with pytest.raises(InputError, match="has no CRS and its coordinates are not longitude"):
        gz.read_lines(bare)


def test_polygon_is_taken_as_its_boundary_with_a_warning():
    square = Polygon([(35.8, 33.0), (35.9, 33.0), (35.9, 33.1), (35.8, 33.1)])
    gdf = gpd.GeoDataFrame({"name": ["AoS"]}, geometry=[square], crs=4326)
    with pytest.warns(GeozonesWarning, match=r"feature\(s\) 1 are polygons; their boundaries"):
        lines = gz.read_lines(gdf)
    assert lines.geom_type.tolist() == ["LineString"]
    assert lines.geometry.iloc[0].equals(square.exterior)


def test_bundled_polygon_layer_reads_as_lines():
    with pytest.warns(GeozonesWarning):
        lines = gz.read_lines(gz.datasets.load("area_of_separation"))
    assert lines.geom_type.iloc[0] in ("LineString", "MultiLineString")


def test_points_are_an_error_naming_file_and_feature(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"name": ["ok", "Tal al-Harra"]},
        geometry=[LineString([(35.8, 33.0), (35.9, 33.1)]), Point(36.0, 33.0)],
        crs=4326,
    )
    path = tmp_path / "mixed.gpkg"
    gdf.to_file(path)
    with pytest.raises(
        GeometryError,
        match=r"mixed\.gpkg: feature 2 \('Tal al-Harra'\): is a "
        r"Point; a line",
    ):
        gz.read_lines(path)


def test_empty_file_is_an_error(tmp_path):
    path = tmp_path / "empty.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}')
    with pytest.raises(InputError, match=r"empty\.geojson: holds no features"):
        gz.read_lines(path)


def test_empty_and_missing_geometries_are_errors():
    gdf = gpd.GeoDataFrame(
        {"name": ["a", "b"]}, geometry=[LineString([(35.8, 33.0), (35.9, 33.1)]), None], crs=4326
    )
    with pytest.raises(GeometryError, match=r"feature 2 \('b'\): has an empty geometry"):
        gz.read_lines(gdf)
    gdf = gpd.GeoDataFrame(geometry=[LineString()], crs=4326)
    with pytest.raises(GeometryError, match="feature 1: has an empty geometry"):
        gz.read_lines(gdf)


def test_degenerate_line_is_an_error():
    gdf = gpd.GeoDataFrame(geometry=[LineString([(35.8, 33.0), (35.8, 33.0)])], crs=4326)
    with pytest.raises(GeometryError, match="fewer than 2 distinct vertices"):
        gz.read_lines(gdf)


def test_out_of_range_vertex_is_an_error():
    gdf = gpd.GeoDataFrame(geometry=[LineString([(35.8, 33.0), (35.9, 95.0)])], crs=4326)
    with pytest.raises(GeometryError, match=r"vertex at \(35.9, 95\), outside"):
        gz.read_lines(gdf)


def test_missing_and_unreadable_files_are_errors(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        gz.read_lines(tmp_path / "nope.geojson")
    junk = tmp_path / "junk.geojson"
    junk.write_text("this is not json")
    with pytest.raises(InputError, match=r"junk\.geojson: cannot be read"):
        gz.read_lines(junk)
    with pytest.raises(InputError, match="takes a file path or a GeoDataFrame"):
        gz.read_lines(42)


def test_multi_layer_geopackage_needs_a_layer(tmp_path, simple_lines):
    path = tmp_path / "two.gpkg"
    simple_lines.to_file(path, layer="first")
    simple_lines.iloc[:1].to_file(path, layer="second")
    with pytest.raises(InputError, match=r"holds 2 layers \(first, second\)"):
        gz.read_lines(path)
    assert len(gz.read_lines(path, layer="second")) == 1


def test_errors_are_geozones_errors_and_value_errors():
    assert issubclass(InputError, GeozonesError) and issubclass(InputError, ValueError)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError):
            gz.read_lines(gpd.GeoDataFrame(geometry=[], crs=4326))


# --------------------------------------------------------------------------------------
# Trust (issue 13): hostile files, many placemarks
# --------------------------------------------------------------------------------------

HOSTILE = Path(__file__).parent / "data" / "hostile"
_REFUSED = {
    "line_nan.geojson": "NaN or infinite",
    "line_overflow.geojson": "cannot be read",
    "line_one_position.geojson": "cannot be read",
    "line_text_coordinates.geojson": "empty geometry",
    "line_unclosed_polygon.geojson": "cannot be read",
    "line_unknown_type.geojson": "empty geometry",
    "line_empty_collection.geojson": "empty geometry",
    "line_points_only.geojson": "is a MultiPoint",
    "line_longitude_200.geojson": r"vertex at \(200, 33\)",
    "line_deep_nesting.geojson": "cannot be read",
    "line_projected_far_away.geojson": "NaN or infinite",
    "line_zero_length.geojson": "fewer than 2 distinct vertices",
    "line_not_utf8.geojson": "cannot be read .*utf-8",  # GeoJSON is UTF-8 by definition
}
_USABLE = {
    "line_crossing_collection.geojson": 2,  # two crossing lines, not cut where they cross
    "line_four_dimensions.geojson": 1,
    "line_empty_part.geojson": 1,  # the empty part is dropped
    "line_antimeridian.geojson": 1,
    "line_name_object.geojson": 1,
    "line_there_and_back.geojson": 1,
    "line_through_the_pole.geojson": 1,  # read; its zones are refused (they hold the pole)
}


@pytest.mark.parametrize("name", sorted(_REFUSED))
def test_hostile_line_files_are_refused_naming_the_file(name):
    with pytest.raises(GeozonesError, match=_REFUSED[name]) as info:
        gz.read_lines(HOSTILE / name)
    assert name in str(info.value)


@pytest.mark.parametrize("name", sorted(_USABLE))
def test_odd_but_usable_line_files_are_read_and_zoned_or_refused_cleanly(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GeozonesWarning)  # e.g. polygons taken as lines
        lines = gz.read_lines(HOSTILE / name)
    geom = lines.geometry.iloc[0]
    assert len(shapely.get_parts(geom)) == _USABLE[name]
    assert not shapely.has_z(geom)
    try:
        zones = gz.build_zones(lines, (5,))
    except GeozonesError as exc:
        assert name == "line_through_the_pole.geojson", exc
        assert "North Pole" in str(exc)
    else:
        assert zones.is_valid.all()


def test_a_collection_of_crossing_lines_is_not_cut_where_they_cross():
    lines = gz.read_lines(HOSTILE / "line_crossing_collection.geojson")
    parts = shapely.get_parts(lines.geometry.iloc[0])
    assert [p.coords[:] for p in parts] == [
        [(35.7, 33.0), (35.9, 33.2)],
        [(35.7, 33.2), (35.9, 33.0)],
    ]


def _kml(path, n: int) -> None:
    rng = np.random.default_rng(n)
    start = np.column_stack([rng.uniform(35, 36, n), rng.uniform(32.5, 33.5, n)])
    with open(path, "w") as f:
        f.write('<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>\n')
        for i, (x, y) in enumerate(start):
            f.write(
                f"<Placemark><name>p{i}</name><LineString><coordinates>{x:.5f},{y:.5f},0 "
                f"{x + 0.004:.5f},{y + 0.003:.5f},0</coordinates></LineString></Placemark>\n"
            )
        f.write("</Document></kml>\n")


def test_many_placemarks_are_read_in_order(tmp_path):
    path = tmp_path / "many.kml"
    _kml(path, 5000)
    lines = gz.read_lines(path)
    assert lines["name"].tolist() == [f"p{i}" for i in range(5000)]
    assert (lines.geom_type == "LineString").all()


def test_placemarks_then_distances_and_zones_stay_within_bounded_memory(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "placemarks.kml"
    _kml(path, 600)
    code = f"""
import resource
resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, 1_500_000_000))
import numpy as np, shapely
import geozones as gz
lines = gz.read_lines({str(path)!r})
line = shapely.multilinestrings(list(lines.geometry))
rng = np.random.default_rng(0)
d = gz.distance_to_line(rng.uniform(35, 36, 60_000), rng.uniform(32.5, 33.5, 60_000), line)
zones = gz.build_zones(lines, (5,))
print(len(lines), bool(np.isfinite(d).all()), bool(zones.is_valid.all()))
"""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["600", "True", "True"]
