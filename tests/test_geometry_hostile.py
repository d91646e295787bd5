"""Property-based tests: distances, zones and line reading on hostile geometry (issue 13).

Hypothesis draws lines and points anywhere on Earth (across the antimeridian, at the poles,
doubling back, with repeated vertices), zone parameters in and out of range, and GeoJSON
files from plausible to broken. The properties are the contract, not examples:

* ``distance_to_line`` is finite, at least 0, at most half a meridian, 0 at every vertex
  (to 10 nm), never more than the distance to any vertex, the distance to the
  nearest point that ``locate_on_line`` reports, and (for lines and points a few hundred km
  apart) the independent geographiclib reference of ``tests/_reference.py`` to a micrometre;
* ``build_zones`` raises nothing but a ``GeozonesError``; when it builds, its bands are
  valid, do not overlap, their vertices lie on their limits (within the tolerance) and
  they hold the points that exact distances put in them;
* ``read_lines`` on any bytes returns lines or raises a ``GeozonesError``.

The number of examples comes from the hypothesis profile ``tests/conftest.py`` loads (a
small, derandomised one by default; ``--hypothesis-profile=long`` for a long random run).
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings

import numpy as np
import pyproj
import shapely
from _reference import reference_distance
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from shapely import LineString

import geozones as gz
from geozones.errors import GeozonesError, GeozonesWarning

GEOD = pyproj.Geod(ellps="WGS84")
HALF_MERIDIAN_M = 20_003_931.46  # pole to pole along a meridian
_FEW = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

lons = st.floats(-180.0, 180.0, allow_nan=False)
lats = st.floats(-90.0, 90.0, allow_nan=False)


@st.composite
def world_lines(draw):
    """Lines anywhere: random vertices, with repeats, U-turns, poles and the antimeridian."""
    n = draw(st.integers(2, 6))
    xy = [(draw(lons), draw(lats)) for _ in range(n)]
    trick = draw(st.sampled_from(["none", "repeat", "back", "antimeridian", "pole"]))
    if trick == "repeat":
        xy.insert(1, xy[0])
    elif trick == "back":
        xy.append(xy[-2])
    elif trick == "antimeridian":
        y = draw(st.floats(-80, 80))
        xy += [(179.9, y), (-179.9, y + 0.1)]
    elif trick == "pole":
        xy.append((draw(lons), draw(st.sampled_from([90.0, -90.0]))))
    lon, lat = np.array(xy).T
    assume(GEOD.line_length(lon, lat) > 1e-3)  # not a point in disguise (those are refused)
    return LineString(xy)


@st.composite
def local_lines(draw, max_span=2.0, max_lat=80.0):
    """Lines of 2 to 6 vertices within `max_span` degrees of a random centre."""
    lon0 = draw(st.floats(-180.0, 180.0))
    lat0 = draw(st.floats(-max_lat, max_lat))
    span = draw(st.floats(0.001, max_span))
    n = draw(st.integers(2, 6))
    d = [(draw(st.floats(-1, 1)), draw(st.floats(-1, 1))) for _ in range(n)]
    xy = np.array([(lon0 + span * dx, lat0 + span * dy) for dx, dy in d])
    xy[:, 0] = (xy[:, 0] + 180.0) % 360.0 - 180.0
    xy[:, 1] = np.clip(xy[:, 1], -89.0, 89.0)
    assume(GEOD.line_length(xy[:, 0], xy[:, 1]) > 1e-3)  # not a point in disguise
    return LineString(xy)


def _points_near(line, rng, n, spread_deg):
    xy = shapely.get_coordinates(line)
    k = rng.integers(0, len(xy), n)
    lon = (xy[k, 0] + rng.normal(0, spread_deg, n) + 180.0) % 360.0 - 180.0
    lat = np.clip(xy[k, 1] + rng.normal(0, spread_deg, n), -90.0, 90.0)
    return lon, lat


# --------------------------------------------------------------------------------------
# distance_to_line
# --------------------------------------------------------------------------------------


@_FEW
@given(line=world_lines(), seed=st.integers(0, 2**32 - 1))
def test_distances_anywhere_keep_their_invariants(line, seed):
    rng = np.random.default_rng(seed)
    xy = shapely.get_coordinates(line)
    lon = np.r_[rng.uniform(-180, 180, 200), xy[:, 0], -xy[:, 0] % 360 - 180]
    lat = np.r_[np.degrees(np.arcsin(rng.uniform(-1, 1, 200))), xy[:, 1], -xy[:, 1]]
    d = gz.distance_to_line(lon, lat, line)
    assert np.isfinite(d).all()
    assert (d >= 0).all() and (d <= HALF_MERIDIAN_M).all()
    assert (d[200 : 200 + len(xy)] <= 1e-8).all()  # 0 at the vertices (to 10 nm)
    to_vertex = gz.geodesic_distance(lon[:, None], lat[:, None], xy[:, 0], xy[:, 1])
    assert (d <= to_vertex.min(axis=1) + 1e-6).all()
    loc = gz.locate_on_line(lon, lat, line)
    np.testing.assert_array_equal(loc.distance_m, d)
    to_nearest = gz.geodesic_distance(lon, lat, loc.nearest_lon, loc.nearest_lat)
    np.testing.assert_allclose(to_nearest, d, rtol=0, atol=1e-3)
    assert set(np.unique(loc.side)) <= {-1, 0, 1}


@_FEW
@given(line=local_lines(max_span=2.0), seed=st.integers(0, 2**32 - 1))
def test_distances_match_the_geographiclib_reference(line, seed):
    lon, lat = _points_near(line, np.random.default_rng(seed), 6, 1.0)
    got = gz.distance_to_line(lon, lat, line)
    want = reference_distance(lon, lat, line)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)


# --------------------------------------------------------------------------------------
# build_zones
# --------------------------------------------------------------------------------------

distances = st.lists(st.floats(0.5, 80.0), min_size=1, max_size=3, unique=True).map(
    lambda km: tuple(sorted(km))
)


@_FEW
@given(
    line=local_lines(max_span=0.5, max_lat=75.0),
    km=distances,
    side=st.sampled_from(["both", "left", "right"]),
    tolerance_m=st.sampled_from([0.5, 1.0, 5.0, 25.0]),
    seed=st.integers(0, 2**32 - 1),
)
def test_zones_are_valid_apart_on_their_limits_and_hold_their_points(
    line, km, side, tolerance_m, seed
):
    try:
        zones = gz.build_zones(line, km, side=side, tolerance_m=tolerance_m)
    except GeozonesError:
        assume(False)  # refused with a reason: fine (distances too close for the tolerance)
    geoms = zones.geometry.to_numpy()
    assert shapely.is_valid(geoms).all()
    for i in range(len(geoms)):
        for j in range(i + 1, len(geoms)):
            overlap = shapely.intersection(geoms[i], geoms[j]).area
            assert overlap <= 1e-9 * max(geoms[i].area, geoms[j].area, 1e-12)
    limits_m = np.r_[0.0, np.asarray(km)] * 1000.0
    if side == "both":  # every vertex is on a limit (one-sided zones are also cut)
        xy = shapely.get_coordinates(geoms)
        xy = xy[np.abs(np.abs(xy[:, 0]) - 180.0) > 1e-9]  # not the antimeridian's cuts
        d = gz.distance_to_line(xy[:, 0], xy[:, 1], line)
        assert np.min(np.abs(d[:, None] - limits_m[1:]), axis=1).max() <= tolerance_m
    # points well inside a band by exact distance, and on the wanted side, are in it
    lon, lat = _points_near(line, np.random.default_rng(seed), 300, 0.4)
    loc = gz.locate_on_line(lon, lat, line)
    band = np.searchsorted(limits_m[1:], loc.distance_m, side="left")
    clear = np.min(np.abs(loc.distance_m[:, None] - limits_m[None, :]), axis=1) > 3 * tolerance_m
    if side != "both":
        # one side of a line that turns changes also where the nearest point jumps from one
        # stretch to another (a medial curve), which is not drawn: a known limit of
        # one-sided zones, left for a later issue; a single geodesic has none
        assume(len(shapely.get_coordinates(line)) == 2)
        clear &= loc.side == {"left": 1, "right": -1}[side]
    for i, geom in enumerate(geoms):
        mine = clear & (band == i)
        assert shapely.contains_xy(geom, lon[mine], lat[mine]).all()
        others = clear & (band != i)
        assert not shapely.contains_xy(geom, lon[others], lat[others]).any()


hostile_numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**6), 10**6),
    st.sampled_from([0, -0.0, 1e-300, 1e300, 1e-12, 1e-9, 20_000.0, True, "5", None]),
)


@_FEW
@given(
    km=st.one_of(hostile_numbers, st.lists(hostile_numbers, max_size=4)),
    tolerance_m=hostile_numbers,
    side=st.one_of(st.sampled_from(["both", "left", "right", "LEFT", ""]), hostile_numbers),
)
def test_zone_parameters_are_used_or_refused_with_a_geozones_error(km, tolerance_m, side):
    line = LineString([(35.8, 33.0), (35.82, 33.05)])
    try:
        zones = gz.build_zones(line, km, side=side, tolerance_m=tolerance_m)
    except GeozonesError as exc:
        assert str(exc)
    else:
        assert zones.is_valid.all()


@_FEW
@given(line=world_lines(), km=st.floats(0.5, 3000.0), side=st.sampled_from(["both", "left"]))
def test_zones_round_any_line_are_built_or_refused_with_a_geozones_error(line, km, side):
    try:
        zones = gz.build_zones(line, (km,), side=side, tolerance_m=50.0)
    except GeozonesError as exc:
        assert str(exc)
    else:
        assert zones.is_valid.all()


# --------------------------------------------------------------------------------------
# read_lines on random GeoJSON
# --------------------------------------------------------------------------------------

coordinate = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-180, 180),
    st.integers(-1000, 1000),
    st.text(max_size=3),
    st.none(),
)
position = st.lists(coordinate, min_size=0, max_size=4)
positions = st.lists(position, max_size=5)
geometry = st.fixed_dictionaries(
    {
        "type": st.sampled_from(
            [
                "LineString",
                "MultiLineString",
                "Polygon",
                "MultiPolygon",
                "Point",
                "MultiPoint",
                "GeometryCollection",
                "Banana",
            ]
        ),
        "coordinates": st.one_of(positions, st.lists(positions, max_size=3), position),
    }
)
feature = st.fixed_dictionaries(
    {
        "type": st.just("Feature"),
        "properties": st.dictionaries(
            st.sampled_from(["name", "Name", "title", "geometry", "x"]),
            st.one_of(st.text(max_size=5), st.integers(), st.none(), st.floats()),
            max_size=3,
        ),
        "geometry": st.one_of(st.none(), geometry),
    }
)
collection = st.fixed_dictionaries(
    {"type": st.just("FeatureCollection"), "features": st.lists(feature, max_size=4)}
)
_VALID = json.dumps(
    {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "contact line"},
                "geometry": {"type": "LineString", "coordinates": [[35.8, 33.0], [35.9, 33.1]]},
            }
        ],
    }
).encode()


@st.composite
def geojson_bytes(draw):
    kind = draw(st.sampled_from(["structure", "mutated", "bytes"]))
    if kind == "structure":
        return json.dumps(draw(collection), allow_nan=True).encode()
    if kind == "mutated":  # a valid file with a few bytes changed, cut or repeated
        data = bytearray(_VALID)
        for _ in range(draw(st.integers(1, 4))):
            i = draw(st.integers(0, len(data) - 1))
            data[i] = draw(st.integers(0, 255))
        return bytes(data[: draw(st.integers(1, len(data)))])
    return draw(st.binary(max_size=200))


@_FEW
@given(data=geojson_bytes())
def test_any_geojson_bytes_give_lines_or_a_geozones_error(data):
    fd, path = tempfile.mkstemp(suffix=".geojson")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GeozonesWarning)  # polygons taken as lines
            try:
                lines = gz.read_lines(path)
            except GeozonesError as exc:
                assert str(exc)
                return
        assert len(lines) >= 1
        coords = shapely.get_coordinates(lines.geometry.to_numpy())
        assert np.isfinite(coords).all()
        assert (np.abs(coords[:, 0]) <= 180).all() and (np.abs(coords[:, 1]) <= 90).all()
    finally:
        os.unlink(path)
