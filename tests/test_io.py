import warnings

import geopandas as gpd
import pytest
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
