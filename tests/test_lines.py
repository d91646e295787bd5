"""Tests of geozones.lines: every form of "a line" resolves into one LineSet schema."""

from __future__ import annotations

import pickle

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely import LineString, MultiLineString, Point, Polygon

from geozones import checks, datasets
from geozones.errors import InputError
from geozones.lines import LINE_COLUMNS, MAX_ACCURACY_M, LineSet, as_lines, resolve_line

SEGMENT = LineString([(35.8, 33.1), (35.8, 32.9)])


def test_bundled_layer_carries_its_provenance() -> None:
    lines = as_lines("alpha_line")
    row = lines.frame.iloc[0]
    info = datasets.info("alpha_line")
    assert list(lines.frame.columns[: len(LINE_COLUMNS)]) == list(LINE_COLUMNS)
    assert (row["name"], row["layer"]) == ("alpha_line", "alpha_line")
    assert (row["source"], row["licence"], row["credit"]) == (
        info.source,
        info.licence,
        info.attribution,
    )
    assert row["accuracy_m"] == 300.0
    assert row["valid_from"] == pd.Timestamp("1974-05-31") and pd.isna(row["valid_to"])
    assert row["feature"].startswith("A-Line")
    assert lines.frame.crs.to_epsg() == 4326


def test_every_form_gives_the_same_schema(tmp_path) -> None:
    path = tmp_path / "lines.geojson"
    gpd.GeoDataFrame({"name": ["mine"]}, geometry=[SEGMENT], crs=4326).to_file(path)
    forms = [
        "alpha_line",
        path,
        str(path),
        gpd.GeoDataFrame(geometry=[SEGMENT], crs=4326),
        gpd.GeoSeries([SEGMENT], crs=4326),
        SEGMENT,
        ["alpha_line", SEGMENT],
    ]
    for form in forms:
        frame = as_lines(form).frame
        assert list(frame.columns[: len(LINE_COLUMNS)]) == list(LINE_COLUMNS), form
        assert frame["valid_from"].dtype.kind == "M" and frame["accuracy_m"].dtype == float
    assert as_lines(path).frame["source"].iloc[0] == str(path)
    assert as_lines(path).names == ["mine"]
    assert as_lines(SEGMENT).frame["source"].iloc[0] == "a shapely geometry"
    assert as_lines(gpd.GeoSeries([SEGMENT], crs=4326)).names == ["line 1"]


def test_list_keeps_order_and_lineset_passes_through() -> None:
    lines = as_lines(["bravo_line", "alpha_line", SEGMENT])
    assert lines.names == ["bravo_line", "alpha_line", "line"]
    assert lines.layers == ["bravo_line", "alpha_line"]
    assert lines.frame["layer"].isna().tolist() == [False, False, True]
    assert as_lines(lines) is lines
    assert len(as_lines([lines, "alpha_line"])) == 4


def test_user_columns_are_kept_as_provenance() -> None:
    gdf = gpd.GeoDataFrame(
        {
            "name": ["a", "b"],
            "valid_from": ["2018-01-01", None],
            "accuracy_m": [50, None],
            "licence": ["CC0", None],
            "attribution": ["me", None],
            "side": ["x", "y"],
        },
        geometry=[SEGMENT, SEGMENT],
        crs=4326,
    )
    frame = as_lines(gdf).frame
    assert frame["valid_from"].iloc[0] == pd.Timestamp("2018-01-01")
    assert frame["accuracy_m"].iloc[0] == 50.0 and np.isnan(frame["accuracy_m"].iloc[1])
    assert frame["licence"].tolist() == ["CC0", ""]
    assert frame["credit"].tolist() == ["me", ""]
    assert frame["source"].tolist() == ["a GeoDataFrame"] * 2
    assert frame["side"].tolist() == ["x", "y"]
    assert as_lines(gdf).provenance("licence") == "CC0"


def test_joined_keeps_every_part_without_noding() -> None:
    crossing = [LineString([(0, 0), (1, 1)]), LineString([(0, 1), (1, 0)])]
    joined = as_lines(crossing).joined()
    assert isinstance(joined, MultiLineString) and len(joined.geoms) == 2
    assert as_lines(SEGMENT).joined().equals(SEGMENT)


def test_label() -> None:
    assert as_lines("alpha_line").label == "alpha_line"
    many = as_lines([SEGMENT] * 7)
    assert many.label == " + ".join(["line"] * 5) + " and 2 more"


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ("countries", "not a line layer"),
        ([], "empty list"),
        (42, "not int"),
        (Point(35, 33), "not a Point"),
        (LineString([(35.8, 33.0), (35.9, 91.0)]), "latitude outside ±90"),
        ("no_such_file.geojson", "no such file"),
    ],
)
def test_refusals(value, match) -> None:
    with pytest.raises(InputError, match=match):
        as_lines(value)


@pytest.mark.parametrize("accuracy", [-1.0, np.inf, MAX_ACCURACY_M * 2])
def test_accuracy_is_checked(accuracy) -> None:
    gdf = gpd.GeoDataFrame({"accuracy_m": [accuracy]}, geometry=[SEGMENT], crs=4326)
    with pytest.raises(InputError, match="accuracy_m must be a number of metres"):
        as_lines(gdf)


def test_polygon_boundary_is_used_with_a_warning() -> None:
    square = Polygon([(35, 33), (35.1, 33), (35.1, 33.1), (35, 33)])
    with pytest.warns(UserWarning, match="boundaries are used"):
        lines = as_lines(gpd.GeoDataFrame(geometry=[square], crs=4326))
    assert lines.frame.geometry.iloc[0].geom_type == "LineString"


def test_shapely_line_across_the_antimeridian_is_kept() -> None:
    line = LineString([(179.5, 10), (180.5, 10)])
    assert as_lines(line).joined().equals(line)


def test_input_is_not_mutated_and_lineset_pickles() -> None:
    gdf = gpd.GeoDataFrame({"name": ["a"]}, geometry=[SEGMENT], crs=4326)
    before = gdf.copy()
    lines = as_lines(gdf)
    pd.testing.assert_frame_equal(gdf, before)
    again = pickle.loads(pickle.dumps(lines))
    assert isinstance(again, LineSet) and again.names == ["a"]


def test_accuracy_bound_matches_the_position_bound() -> None:
    assert MAX_ACCURACY_M == checks.MAX_RADIUS_M


@pytest.mark.parametrize(
    "value",
    [
        SEGMENT,
        MultiLineString([[(35.8, 33.1), (35.8, 32.9)], [(36.0, 33.0), (36.1, 33.0)]]),
        "alpha_line",
        ["alpha_line", "bravo_line"],
    ],
    ids=["line", "multiline", "bundled", "list"],
)
def test_resolve_line_is_the_lineset_summary(value) -> None:
    # a bare shapely line takes a short way (no frame), with the same result
    lines = as_lines(value)
    geom, label, provenance = resolve_line(value)
    assert geom.equals_exact(lines.joined(), 0.0)
    assert label == lines.label
    assert provenance == {
        "line_source": lines.provenance("source"),
        "licence": lines.provenance("licence"),
        "attribution": lines.provenance("credit"),
    }


@pytest.mark.parametrize(
    "bad",
    [
        Polygon([(0, 0), (1, 0), (1, 1)]),
        Point(0, 0),
        LineString([(0, 0), (0, 0)]),
        LineString([(0, 0), (1, 95)]),
    ],
)
def test_resolve_line_refuses_what_as_lines_refuses(bad) -> None:
    with pytest.raises(InputError) as by_frame:
        as_lines(bad)
    with pytest.raises(InputError, match="line") as short:
        resolve_line(bad)
    assert str(short.value) == str(by_frame.value)
