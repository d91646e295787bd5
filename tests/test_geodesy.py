"""Tests of geozones.geodesy: exact geodesic distance, location and side relative to a line.

Expected values come from three independent places:

* ``tests/_reference.py``: a slow, brute-force minimisation with geographiclib (not pyproj);
* exact constructions with ``pyproj.Geod.fwd``: walk to the middle of a long geodesic, turn
  through a right angle and walk out ``d`` metres. The geodesic that leaves the foot at a right
  angle is the shortest way back to the segment, so the distance is exactly ``d``, the nearest
  point is the foot and the distance along is the foot's distance from the start;
* a published geodesic distance (JFK to LHR, from GeographicLib's documentation).
"""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
from _reference import reference_distance, reference_locate
from geographiclib.geodesic import Geodesic
from shapely import LineString, MultiLineString, Point

import geozones as gz
from geozones.errors import InputError

GEOD = pyproj.Geod(ellps="WGS84")
TOL_M = 1e-3  # what "exact" means here: one millimetre
TOL_DEG = 1e-6  # nearest points: about 0.1 m
OFFSETS_M = (1.0, 1e3, 5e3, 20e3, 60e3, 80e3)

# Long single geodesic segments for the right-angle constructions, as (start, end) in lon/lat.
BASE_SEGMENTS = {
    "levant_530km": ((35.0, 31.0), (37.5, 35.5)),
    "antimeridian": ((178.0, -20.0), (-176.0, -5.0)),
    "arctic_84_85": ((-30.0, 84.0), (60.0, 85.0)),
    "antarctic_84_85": ((100.0, -85.0), (-170.0, -84.0)),
    # ~7,700 km; DESIGN.md: great-circle and geodesic Seattle-London segments differ by 2.3 km
    "seattle_london": ((-122.3, 47.45), (-0.46, 51.47)),
}


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------


def _wrap(dlon):
    return (np.asarray(dlon) + 180.0) % 360.0 - 180.0


def _worst(err, lon, lat, got, want) -> str:
    i = int(np.nanargmax(err))
    return (
        f"max error {err[i]:.3e} at index {i} (lon={lon[i]!r}, lat={lat[i]!r}): "
        f"got {got[i]!r}, expected {want[i]!r}"
    )


def _assert_distance_matches_reference(lon, lat, line, tol=TOL_M):
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    got = gz.distance_to_line(lon, lat, line)
    want = reference_distance(lon, lat, line)
    assert got.dtype == np.float64
    assert got.shape == want.shape
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    err = np.abs(got - want)
    assert np.nanmax(err) <= tol, _worst(err, lon, lat, got, want)
    return got, want


def _assert_location_matches_reference(lon, lat, line, *, check_side=True):
    """Distance, nearest point, along, part (and side away from the line) vs the reference."""
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    loc = gz.locate_on_line(lon, lat, line)
    ref = reference_locate(lon, lat, line)
    err = np.abs(loc.distance_m - ref.distance_m)
    assert err.max() <= TOL_M, "distance: " + _worst(err, lon, lat, loc.distance_m, ref.distance_m)
    err = np.abs(loc.along_m - ref.along_m)
    assert err.max() <= TOL_M, "along_m: " + _worst(err, lon, lat, loc.along_m, ref.along_m)
    err = np.hypot(_wrap(loc.nearest_lon - ref.nearest_lon), loc.nearest_lat - ref.nearest_lat)
    assert err.max() <= TOL_DEG, "nearest point: " + _worst(
        err,
        lon,
        lat,
        np.c_[loc.nearest_lon, loc.nearest_lat].tolist(),
        np.c_[ref.nearest_lon, ref.nearest_lat].tolist(),
    )
    np.testing.assert_array_equal(loc.part, ref.part)
    if check_side:
        away = ref.distance_m > 1.0
        np.testing.assert_array_equal(loc.side[away], ref.side[away])
    return loc, ref


def _offset_points(start, end, frac=0.5):
    """Points d metres to the left and right of the geodesic start-end at fraction `frac`.

    Returns lon, lat, d, side (+1 left, -1 right), the foot (lon, lat) and its distance along.
    """
    (x1, y1), (x2, y2) = start, end
    az12, _, length = GEOD.inv(x1, y1, x2, y2)
    foot_lon, foot_lat, back_az = GEOD.fwd(x1, y1, az12, length * frac)
    az_foot = back_az + 180.0  # the segment's direction at the foot
    n = len(OFFSETS_M)
    d = np.array(OFFSETS_M * 2)
    side = np.array([1] * n + [-1] * n, dtype=np.int8)
    lon, lat, _ = GEOD.fwd(
        np.full(2 * n, foot_lon), np.full(2 * n, foot_lat), az_foot - 90.0 * side, d
    )
    return lon, lat, d, side, (foot_lon, foot_lat), length * frac


def _fan(lon0, lat0, azimuths, distances):
    """Points at every (azimuth, distance) from one point."""
    az, dist = np.meshgrid(np.asarray(azimuths, float), np.asarray(distances, float))
    lon, lat, _ = GEOD.fwd(np.full(az.size, lon0), np.full(az.size, lat0), az.ravel(), dist.ravel())
    return lon, lat


def _points_on_segments(line, fractions=(0.0, 0.25, 0.5, 0.77)):
    """Points exactly on each geodesic segment (geographiclib Position), vertices included."""
    lons, lats = [], []
    coords = list(line.coords)
    for (x1, y1), (x2, y2) in zip(coords[:-1], coords[1:], strict=True):
        gl = Geodesic.WGS84.InverseLine(y1, x1, y2, x2)
        for f in fractions:
            p = gl.Position(gl.s13 * f)
            lons.append(p["lon2"])
            lats.append(p["lat2"])
    lons.append(coords[-1][0])
    lats.append(coords[-1][1])
    return np.array(lons), np.array(lats)


# --------------------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def alpha_line():
    return gz.datasets.load("alpha_line").geometry.iloc[0]


@pytest.fixture(scope="module")
def alpha_points(alpha_line):
    """200 seeded random points within ~80 km of the Alpha line, and the reference for them."""
    rng = np.random.default_rng(20171111)
    lon = rng.uniform(35.0, 36.6, 200)
    lat = rng.uniform(32.3, 33.8, 200)
    return lon, lat, reference_locate(lon, lat, alpha_line)


@pytest.fixture(params=["scalar", "array", "list"])
def golan_points(request):
    """The same numeric check on a scalar, an array and a list input (as pyproj's tests do)."""
    if request.param == "scalar":
        return 35.9, 33.0
    if request.param == "array":
        return np.array([35.9, 35.62, 36.3, 35.81]), np.array([33.0, 33.21, 32.95, 32.7])
    return [35.9, 35.62], [33.0, 33.21]


# --------------------------------------------------------------------------------------
# the reference itself (needs no implementation)
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("base", sorted(BASE_SEGMENTS))
def test_reference_reproduces_exact_right_angle_constructions(base):
    start, end = BASE_SEGMENTS[base]
    for frac in (0.5, 0.3):
        lon, lat, d, side, (flon, flat), along = _offset_points(start, end, frac)
        ref = reference_locate(lon, lat, LineString([start, end]))
        assert np.abs(ref.distance_m - d).max() < 1e-6
        assert np.abs(ref.along_m - along).max() < 1e-6
        assert np.abs(_wrap(ref.nearest_lon - flon)).max() < 1e-9
        assert np.abs(ref.nearest_lat - flat).max() < 1e-9
        np.testing.assert_array_equal(ref.side, side)


# --------------------------------------------------------------------------------------
# exact right-angle constructions
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("base", sorted(BASE_SEGMENTS))
def test_right_angle_offset_from_a_segment_is_exactly_the_distance_walked(base):
    start, end = BASE_SEGMENTS[base]
    lon, lat, d, _, _, _ = _offset_points(start, end)
    got = gz.distance_to_line(lon, lat, LineString([start, end]))
    err = np.abs(got - d)
    assert err.max() <= TOL_M, _worst(err, lon, lat, got, d)


@pytest.mark.parametrize("base", sorted(BASE_SEGMENTS))
def test_right_angle_offset_is_on_the_side_it_was_walked_to(base):
    start, end = BASE_SEGMENTS[base]
    lon, lat, _, side, _, _ = _offset_points(start, end)
    line = LineString([start, end])
    np.testing.assert_array_equal(gz.locate_on_line(lon, lat, line).side, side)
    np.testing.assert_array_equal(gz.side_of_line(lon, lat, line), side)
    # reversing the line swaps left and right
    np.testing.assert_array_equal(gz.side_of_line(lon, lat, LineString([end, start])), -side)


@pytest.mark.parametrize("base", sorted(BASE_SEGMENTS))
def test_right_angle_offset_has_the_constructed_foot_as_nearest_point(base):
    start, end = BASE_SEGMENTS[base]
    lon, lat, _, _, (flon, flat), _ = _offset_points(start, end)
    loc = gz.locate_on_line(lon, lat, LineString([start, end]))
    err = np.hypot(_wrap(loc.nearest_lon - flon), loc.nearest_lat - flat)
    assert err.max() <= TOL_DEG, (
        f"foot ({flon!r}, {flat!r}); worst got "
        f"({loc.nearest_lon[err.argmax()]!r}, {loc.nearest_lat[err.argmax()]!r})"
    )
    assert np.all(np.abs(loc.nearest_lon) <= 180.0)


@pytest.mark.parametrize("base", sorted(BASE_SEGMENTS))
def test_right_angle_offset_is_along_the_line_where_the_foot_is(base):
    start, end = BASE_SEGMENTS[base]
    lon, lat, _, _, _, along = _offset_points(start, end)
    loc = gz.locate_on_line(lon, lat, LineString([start, end]))
    err = np.abs(loc.along_m - along)
    assert err.max() <= TOL_M, _worst(err, lon, lat, loc.along_m, np.full(len(lon), along))
    np.testing.assert_array_equal(loc.part, 0)


# --------------------------------------------------------------------------------------
# a published value
# --------------------------------------------------------------------------------------


def test_published_jfk_to_heathrow_distance_is_reproduced_when_the_nearest_point_is_a_vertex():
    # Published: GeographicLib's C++ example example-Geodesic-small.cpp ("Distance from JFK
    # to LHR", JFK = 40.6 N 73.8 W, LHR = 51.6 N 0.5 W, WGS84) prints 5551.76 km. Its full
    # value, s12 = 5551759.400319 m, is what GeographicLib itself returns (C++ GeodSolve and
    # geographiclib 2.x for Python agree; asserted below). The line leaves LHR towards
    # Frankfurt (azimuth 101.7 deg, within 7 deg of the 107.8 deg at which the geodesic from
    # JFK arrives), so the line's nearest point to JFK is its first vertex, LHR.
    jfk = (-73.8, 40.6)
    line = LineString([(-0.5, 51.6), (8.57, 50.033)])
    assert Geodesic.WGS84.Inverse(40.6, -73.8, 51.6, -0.5)["s12"] == pytest.approx(
        5551759.400319, abs=1e-6
    )
    assert round(5551759.400319 / 1e3, 2) == 5551.76
    d = gz.distance_to_line(*jfk, line)
    assert float(d) == pytest.approx(5551759.400319, abs=TOL_M)
    loc = gz.locate_on_line(*jfk, line)
    assert float(loc.along_m) == pytest.approx(0.0, abs=TOL_M)
    assert (float(loc.nearest_lon), float(loc.nearest_lat)) == pytest.approx((-0.5, 51.6), abs=1e-9)


# --------------------------------------------------------------------------------------
# against the reference
# --------------------------------------------------------------------------------------


def test_points_beyond_the_ends_are_measured_to_the_end_vertices():
    coords = [(35.5, 33.0), (35.7, 33.1), (35.9, 33.05)]
    line = LineString(coords)
    az_start = GEOD.inv(*coords[0], *coords[1])[0] + 180.0  # pointing back out of the start
    az_end = GEOD.inv(*coords[1], *coords[2])[1] + 180.0  # pointing on out of the end
    turns = (-89.0, -60.0, -30.0, 0.0, 30.0, 60.0, 89.0)
    dists = (10.0, 1e3, 30e3)
    lon0, lat0 = _fan(*coords[0], az_start + np.array(turns), dists)
    lon1, lat1 = _fan(*coords[-1], az_end + np.array(turns), dists)
    lon, lat = np.r_[lon0, lon1], np.r_[lat0, lat1]
    # straight on from an end (turn 0) a point is neither left nor right: side checked below
    loc, ref = _assert_location_matches_reference(lon, lat, line, check_side=False)
    length = sum(GEOD.inv(*a, *b)[2] for a, b in zip(coords[:-1], coords[1:], strict=True))
    n = len(lon0)
    assert loc.along_m[:n] == pytest.approx(0.0, abs=TOL_M)
    assert loc.along_m[n:] == pytest.approx(np.full(n, length), abs=TOL_M)
    assert loc.distance_m == pytest.approx(np.tile(np.repeat(dists, len(turns)), 2), abs=TOL_M)
    # beyond an end, the side is the side of the end segment's direction: turning clockwise
    # from the direction of travel is right (-1); out of the start we face against it
    turn = np.tile(turns, 2 * len(dists))
    want = np.sign(turn).astype(np.int8) * np.r_[np.ones(n), -np.ones(n)].astype(np.int8)
    np.testing.assert_array_equal(loc.side[turn != 0], want[turn != 0])
    np.testing.assert_array_equal(ref.side[turn != 0], want[turn != 0])


def _sharp_v():
    # travel east-south-east to the vertex, then turn back west-south-west (a 15 deg V)
    return [(35.3, 33.05), (35.8, 33.0), (35.3, 32.93)]


def _v_points():
    apex = _sharp_v()[1]
    convex = _fan(*apex, np.arange(20.0, 170.0, 15.0), (100.0, 5e3, 40e3))
    concave = _fan(*apex, (264.0, 266.0, 268.0, 269.5, 271.0, 273.0, 275.0), (1e3, 10e3, 30e3))
    return convex, concave


def test_points_on_the_convex_and_concave_sides_of_a_sharp_vertex_match_reference():
    line = LineString(_sharp_v())
    (clon, clat), (vlon, vlat) = _v_points()
    _assert_distance_matches_reference(clon, clat, line)
    _assert_distance_matches_reference(vlon, vlat, line)
    # on the convex side the nearest point is the apex itself
    loc = gz.locate_on_line(clon, clat, line)
    apex = _sharp_v()[1]
    assert loc.nearest_lon == pytest.approx(np.full(len(clon), apex[0]), abs=TOL_DEG)
    assert loc.nearest_lat == pytest.approx(np.full(len(clon), apex[1]), abs=TOL_DEG)


def test_side_of_a_sharp_vertex_is_inside_right_and_outside_left():
    # inside the V is right of the line's direction; around the apex, outside, is left
    line = LineString(_sharp_v())
    (clon, clat), (vlon, vlat) = _v_points()
    assert reference_locate(clon, clat, line).side.tolist() == [1] * len(clon)
    assert reference_locate(vlon, vlat, line).side.tolist() == [-1] * len(vlon)
    np.testing.assert_array_equal(gz.side_of_line(clon, clat, line), 1)
    np.testing.assert_array_equal(gz.side_of_line(vlon, vlat, line), -1)


ON_LINE_CASES = {
    "sharp_v": LineString(_sharp_v()),
    "thousand_km": LineString([(20.0, 40.0), (31.43, 41.9), (30.0, 45.0)]),
    "antimeridian": LineString([(179.0, 9.5), (179.8, 10.2), (-179.6, 10.0), (-179.0, 10.4)]),
    "arctic": LineString([(-20.0, 84.0), (40.0, 85.0), (100.0, 84.5)]),
}


@pytest.mark.parametrize("case", sorted(ON_LINE_CASES))
def test_points_on_the_line_at_vertices_and_mid_segment_are_at_zero_distance(case):
    line = ON_LINE_CASES[case]
    lon, lat = _points_on_segments(line)
    got = gz.distance_to_line(lon, lat, line)
    assert got.max() < TOL_M, f"on-line points: distances {got.tolist()}"
    assert reference_distance(lon, lat, line).max() < 1e-6
    vx, vy = np.array(line.coords).T
    assert gz.distance_to_line(vx, vy, line).max() < 1e-6


@pytest.mark.parametrize("case", sorted(ON_LINE_CASES))
def test_points_on_the_line_have_side_zero(case):
    line = ON_LINE_CASES[case]
    lon, lat = _points_on_segments(line)
    loc = gz.locate_on_line(lon, lat, line)
    assert loc.side.tolist() == [0] * len(lon), f"distances {loc.distance_m.tolist()}"


def test_repeated_vertices_and_zero_length_segments_are_ignored():
    clean = LineString([(35.5, 33.0), (35.7, 33.1), (35.9, 33.05)])
    repeated = LineString(
        [(35.5, 33.0), (35.5, 33.0), (35.7, 33.1), (35.7, 33.1), (35.7, 33.1), (35.9, 33.05)]
        + [(35.9, 33.05)]
    )
    rng = np.random.default_rng(7)
    lon = np.r_[rng.uniform(35.3, 36.1, 30), 35.7, 35.5, 35.9]
    lat = np.r_[rng.uniform(32.8, 33.3, 30), 33.1, 33.0, 33.05]
    _assert_location_matches_reference(lon, lat, repeated)
    a = gz.locate_on_line(lon, lat, repeated)
    b = gz.locate_on_line(lon, lat, clean)
    np.testing.assert_allclose(a.distance_m, b.distance_m, rtol=0, atol=1e-6)
    np.testing.assert_allclose(a.along_m, b.along_m, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(a.side, b.side)


def test_multilinestring_distance_is_the_nearest_part_and_matches_reference():
    line = MultiLineString(
        [
            [(35.6, 33.2), (35.8, 33.25), (35.9, 33.4)],
            [(35.7, 32.8), (35.85, 32.82), (36.0, 32.9)],
        ]
    )
    rng = np.random.default_rng(11)
    lon = rng.uniform(35.4, 36.2, 40)
    lat = rng.uniform(32.6, 33.6, 40)
    loc, ref = _assert_location_matches_reference(lon, lat, line)
    assert set(ref.part.tolist()) == {0, 1}
    per_part = np.minimum(*(gz.distance_to_line(lon, lat, g) for g in line.geoms))
    np.testing.assert_allclose(gz.distance_to_line(lon, lat, line), per_part, rtol=0, atol=1e-6)


def test_multilinestring_along_runs_through_the_parts_in_order_and_part_is_reported():
    p0 = ((35.0, 33.0), (35.6, 33.3))
    p1 = ((36.0, 32.6), (36.4, 33.2))
    line = MultiLineString([p0, p1])
    len0 = GEOD.inv(*p0[0], *p0[1])[2]
    lon0, lat0, d0, side0, _, along0 = _offset_points(*p0, frac=0.3)
    lon1, lat1, d1, side1, _, along1 = _offset_points(*p1, frac=0.5)
    keep0, keep1 = d0 <= 5e3, d1 <= 5e3  # well clear of the other part
    lon = np.r_[lon0[keep0], lon1[keep1]]
    lat = np.r_[lat0[keep0], lat1[keep1]]
    loc = gz.locate_on_line(lon, lat, line)
    n0 = int(keep0.sum())
    assert loc.part.tolist() == [0] * n0 + [1] * int(keep1.sum())
    assert loc.along_m[:n0] == pytest.approx(np.full(n0, along0), abs=TOL_M)
    assert loc.along_m[n0:] == pytest.approx(np.full(len(lon) - n0, len0 + along1), abs=TOL_M)
    assert loc.distance_m == pytest.approx(np.r_[d0[keep0], d1[keep1]], abs=TOL_M)
    assert loc.side.tolist() == np.r_[side0[keep0], side1[keep1]].tolist()


def test_line_across_the_antimeridian_matches_reference():
    line = LineString([(179.5, 10.0), (-179.5, 10.0)])
    lons = np.array([179.9, 180.0, -180.0, -179.9, 179.2, -179.2, 178.8, -178.8])
    lats = np.array([9.0, 9.9, 10.0, 10.3, 11.0])
    lon, lat = (a.ravel() for a in np.meshgrid(lons, lats))
    loc, _ = _assert_location_matches_reference(lon, lat, line)
    # lon 180 and -180 are the same place
    at_180 = loc.distance_m[lon == 180.0]
    at_minus_180 = loc.distance_m[lon == -180.0]
    np.testing.assert_allclose(at_180, at_minus_180, rtol=0, atol=1e-6)
    # the short way across the antimeridian: nothing between lon 179.5 and -179.5 is far
    assert loc.distance_m[(np.abs(lon) >= 179.5) & (lat == 9.9)].max() < 12e3


def test_line_with_a_vertex_on_each_side_of_the_antimeridian_matches_reference():
    line = ON_LINE_CASES["antimeridian"]
    rng = np.random.default_rng(3)
    lon = _wrap(rng.uniform(178.5, 181.5, 40))
    lat = rng.uniform(9.0, 11.0, 40)
    _assert_location_matches_reference(lon, lat, line)


@pytest.mark.parametrize("hemisphere", [1.0, -1.0], ids=["north", "south"])
def test_lines_at_latitude_84_to_85_match_reference(hemisphere):
    line = LineString(
        [(-20.0, 84.0 * hemisphere), (40.0, 85.0 * hemisphere), (100.0, 84.5 * hemisphere)]
    )
    rng = np.random.default_rng(85)
    lon = rng.uniform(-40.0, 120.0, 40)
    lat = rng.uniform(83.0, 86.5, 40) * hemisphere
    _assert_location_matches_reference(lon, lat, line)


def test_a_line_a_few_metres_long_matches_reference():
    start = (35.8, 33.1)
    end_lon, end_lat, _ = GEOD.fwd(*start, 37.0, 4.0)
    line = LineString([start, (end_lon, end_lat)])
    mid_lon, mid_lat, _ = GEOD.fwd(*start, 37.0, 2.0)
    lon_a, lat_a = _fan(*start, np.arange(0.0, 360.0, 45.0), (0.5, 2.0, 10.0, 1e3))
    lon_b, lat_b = _fan(mid_lon, mid_lat, (127.0, 307.0, 200.0), (0.01, 0.3, 3.0))
    lon, lat = np.r_[lon_a, lon_b], np.r_[lat_a, lat_b]
    _assert_location_matches_reference(lon, lat, line)


def test_a_1000_km_line_matches_reference_for_points_up_to_300_km_away():
    start = (20.0, 40.0)
    end_lon, end_lat, _ = GEOD.fwd(*start, 75.0, 1_000e3)
    line = LineString([start, (end_lon, end_lat)])
    gl = Geodesic.WGS84.InverseLine(start[1], start[0], end_lat, end_lon)
    rng = np.random.default_rng(1000)
    lon, lat = [], []
    for s, turn, d in zip(
        rng.uniform(-200e3, 1_200e3, 40),
        rng.uniform(30.0, 150.0, 40),
        rng.uniform(0, 300e3, 40),
        strict=True,
    ):
        p = gl.Position(s)
        x, y, _ = GEOD.fwd(p["lon2"], p["lat2"], p["azi2"] + turn * rng.choice([-1, 1]), d)
        lon.append(x)
        lat.append(y)
    _assert_location_matches_reference(lon, lat, line)


def test_alpha_line_distances_for_200_random_points_match_reference(alpha_line, alpha_points):
    lon, lat, ref = alpha_points
    got = gz.distance_to_line(lon, lat, alpha_line)
    err = np.abs(got - ref.distance_m)
    assert err.max() <= TOL_M, _worst(err, lon, lat, got, ref.distance_m)


def test_alpha_line_location_and_side_for_200_random_points_match_reference(
    alpha_line, alpha_points
):
    lon, lat, ref = alpha_points
    loc = gz.locate_on_line(lon, lat, alpha_line)
    err = np.abs(loc.along_m - ref.along_m)
    assert err.max() <= TOL_M, _worst(err, lon, lat, loc.along_m, ref.along_m)
    err = np.hypot(_wrap(loc.nearest_lon - ref.nearest_lon), loc.nearest_lat - ref.nearest_lat)
    assert err.max() <= TOL_DEG, _worst(err, lon, lat, loc.nearest_lon, ref.nearest_lon)
    np.testing.assert_array_equal(loc.side, ref.side)
    np.testing.assert_array_equal(loc.part, 0)


def test_locate_and_side_agree_with_distance_to_line(alpha_line, alpha_points):
    lon, lat, _ = alpha_points
    loc = gz.locate_on_line(lon, lat, alpha_line)
    assert isinstance(loc, gz.LineLocation)
    np.testing.assert_allclose(
        loc.distance_m, gz.distance_to_line(lon, lat, alpha_line), rtol=0, atol=1e-9
    )
    side = gz.side_of_line(lon, lat, alpha_line)
    assert side.dtype == np.int8
    np.testing.assert_array_equal(side, loc.side)


# --------------------------------------------------------------------------------------
# scalars and arrays
# --------------------------------------------------------------------------------------


def test_result_shape_follows_the_input_and_values_match_reference(alpha_line, golan_points):
    lon, lat = golan_points
    got = gz.distance_to_line(lon, lat, alpha_line)
    assert np.shape(got) == np.shape(lon)
    want = reference_distance(lon, lat, alpha_line)
    assert np.asarray(got, float) == pytest.approx(want, abs=TOL_M)
    loc = gz.locate_on_line(lon, lat, alpha_line)
    for field in loc._fields:
        assert np.shape(getattr(loc, field)) == np.shape(lon), field
    assert np.asarray(loc.side).dtype == np.int8
    assert np.shape(gz.side_of_line(lon, lat, alpha_line)) == np.shape(lon)


# --------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------


def test_nan_lon_or_lat_gives_nan_at_that_index_only(alpha_line):
    lon = np.array([35.9, np.nan, 35.8, 35.7, np.nan])
    lat = np.array([33.0, 33.1, np.nan, 33.2, np.nan])
    got = gz.distance_to_line(lon, lat, alpha_line)
    assert np.isnan(got).tolist() == [False, True, True, False, True]
    ok = ~np.isnan(got)
    assert got[ok] == pytest.approx(reference_distance(lon[ok], lat[ok], alpha_line), abs=TOL_M)
    loc = gz.locate_on_line(lon, lat, alpha_line)
    for field in ("distance_m", "nearest_lon", "nearest_lat", "along_m"):
        assert np.isnan(getattr(loc, field)).tolist() == [False, True, True, False, True], field
    assert loc.side[~ok].tolist() == [0, 0, 0]
    assert loc.part.tolist() == [0, -1, -1, 0, -1]
    assert gz.side_of_line(lon, lat, alpha_line)[~ok].tolist() == [0, 0, 0]


FUNCTIONS = {
    "distance_to_line": lambda *a: gz.distance_to_line(*a),
    "locate_on_line": lambda *a: gz.locate_on_line(*a),
    "side_of_line": lambda *a: gz.side_of_line(*a),
}


@pytest.mark.parametrize("func", sorted(FUNCTIONS))
@pytest.mark.parametrize(
    "lon,lat",
    [
        ([35.9, 35.8, 35.7, 35.6], [33.0, 33.1, 95.0, 33.0]),
        ([35.9, 35.8, 35.7, 35.6], [33.0, 33.1, -90.5, 95.0]),
        ([35.9, 35.8, np.inf, 35.6], [33.0, 33.1, 33.2, 33.0]),
        ([35.9, 35.8, 35.7, 35.6], [33.0, 33.1, -np.inf, 33.0]),
        ([35.9, 35.8, -np.inf, 35.6], [33.0, 33.1, 33.0, np.inf]),
    ],
    ids=["lat_95", "lat_-90.5_first", "lon_inf", "lat_-inf", "lon_-inf_first"],
)
def test_latitude_beyond_90_or_infinite_value_raises_naming_the_first_bad_index(
    alpha_line, func, lon, lat
):
    with pytest.raises(InputError, match=r"index 2\b"):
        FUNCTIONS[func](lon, lat, alpha_line)


def test_input_error_is_a_value_error():
    assert issubclass(InputError, ValueError)


@pytest.mark.parametrize("func", sorted(FUNCTIONS))
def test_lon_and_lat_of_different_lengths_raise(alpha_line, func):
    with pytest.raises(InputError):
        FUNCTIONS[func]([35.9, 35.8, 35.7], [33.0, 33.1], alpha_line)


@pytest.mark.parametrize(
    "line",
    [
        LineString(),
        MultiLineString(),
        LineString([(35.8, 33.0), (35.8, 33.0)]),
        LineString([(35.8, 33.0), (35.8, 33.0), (35.8, 33.0)]),
        Point(35.8, 33.0),
    ],
    ids=["empty", "empty_multi", "two_identical_vertices", "three_identical", "point"],
)
@pytest.mark.parametrize("func", sorted(FUNCTIONS))
def test_unusable_line_raises(line, func):
    with pytest.raises(InputError):
        FUNCTIONS[func]([35.9], [33.0], line)


# --------------------------------------------------------------------------------------
# vectorised and bounded
# --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_200k_points_in_one_call_equal_two_calls_of_100k(alpha_line):
    rng = np.random.default_rng(200_000)
    lon = rng.uniform(35.0, 36.6, 200_000)
    lat = rng.uniform(32.3, 33.8, 200_000)
    whole = gz.distance_to_line(lon, lat, alpha_line)
    halves = np.concatenate(
        [
            gz.distance_to_line(lon[:100_000], lat[:100_000], alpha_line),
            gz.distance_to_line(lon[100_000:], lat[100_000:], alpha_line),
        ]
    )
    assert whole.shape == (200_000,)
    assert np.isfinite(whole).all()
    np.testing.assert_allclose(whole, halves, rtol=1e-9, atol=0)
    sample = rng.choice(200_000, 20, replace=False)
    assert whole[sample] == pytest.approx(
        reference_distance(lon[sample], lat[sample], alpha_line), abs=TOL_M
    )


def test_drawn_area_matches_the_geodesic_area_of_densely_drawn_polygons():
    import shapely

    from geozones.geodesy import drawn_area_m2, geodesic_area_m2

    with_hole = shapely.Polygon(
        shapely.box(35.0, 32.0, 36.0, 33.0).exterior.coords,
        [shapely.box(35.4, 32.4, 35.6, 32.6).exterior.coords[::-1]],
    )
    for polygon in (
        with_hole,
        shapely.box(-70, -40, -60, -30),
        shapely.box(170, 80, 179, 84),
        shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(2, 0, 3, 1)]),
    ):
        dense = shapely.segmentize(polygon, 0.01)
        assert drawn_area_m2(dense) == pytest.approx(geodesic_area_m2(dense), rel=1e-7)
    zones = gz.build_zones("alpha_line")  # its area_km2 is the area as drawn
    for geom, km2 in zip(zones.geometry, zones["area_km2"], strict=True):
        assert km2 * 1e6 == pytest.approx(geodesic_area_m2(geom), rel=1e-6)
    assert drawn_area_m2(shapely.Polygon()) == 0.0


@pytest.mark.parametrize("lat0", [0.0, 33.0, 60.0, 80.0, 89.0])
def test_local_plane_distances_stay_within_their_stated_bound(lat0):
    from geozones.geodesy import local_plane, local_plane_error

    geod = pyproj.Geod(ellps="WGS84")
    rng = np.random.default_rng(int(lat0))
    for extent_m in (50e3, 150e3, 500e3, 1_500e3):
        n = 5_000
        az, r = rng.uniform(0, 360, (2, n)), rng.uniform(0, extent_m, (2, n))
        lon1, lat1, _ = geod.fwd(np.full(n, 35.0), np.full(n, lat0), az[0], r[0])
        lon2, lat2, _ = geod.fwd(np.full(n, 35.0), np.full(n, lat0), az[1], r[1])
        _, _, exact = geod.inv(lon1, lat1, lon2, lat2)
        x1, y1 = local_plane(lon1, lat1, 35.0, lat0)
        x2, y2 = local_plane(lon2, lat2, 35.0, lat0)
        far = exact > 1_000.0
        rel = np.abs(np.hypot(x2 - x1, y2 - y1)[far] - exact[far]) / exact[far]
        assert rel.max() <= local_plane_error(extent_m)


# --------------------------------------------------------------------------------------
# bounded memory, whatever the line (issue 13)
# --------------------------------------------------------------------------------------

_CAP_BYTES = 1_500_000_000  # address space for a child: imports and thread arenas take ~700 MB


def _run_capped(code: str, cap_bytes: int = _CAP_BYTES, timeout_s: float = 60.0) -> dict:
    """Run `code` in a child limited to `cap_bytes` of address space; return what it prints.

    The child prints one JSON object on its last line. Going over the cap raises
    MemoryError there (or kills it), which fails the test with the child's stderr.
    """
    import json
    import resource
    import subprocess
    import sys

    def limit() -> None:  # pragma: no cover - runs in the child
        resource.setrlimit(resource.RLIMIT_AS, (cap_bytes, cap_bytes))

    done = subprocess.run(
        [sys.executable, "-c", code],
        preexec_fn=limit,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


_CHILD_HEAD = """
import json, resource, time
import numpy as np, shapely
import geozones as gz
rng = np.random.default_rng(13)
"""

_CHILD_TAIL = """
t0 = time.perf_counter()
d = gz.distance_to_line(lon, lat, line)
loc = gz.locate_on_line(lon[:2000], lat[:2000], line)
print(json.dumps({
    "seconds": time.perf_counter() - t0,
    "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "lon": lon[:60].tolist(), "lat": lat[:60].tolist(), "d": d[:60].tolist(),
    "same": bool(np.array_equal(loc.distance_m, d[:2000])),
    "finite": bool(np.isfinite(d).all()),
}))
"""

_MANY_PARTS = {
    # 1,000 short parts scattered over the Golan and around it, 40,000 points among them
    "1000_parts": """
starts = np.column_stack([rng.uniform(35, 37, 1000), rng.uniform(32, 34, 1000)])
line = shapely.multilinestrings(
    [s + np.cumsum(rng.normal(0, 0.003, (4, 2)), axis=0) for s in starts]
)
lon, lat = rng.uniform(35, 37, 40_000), rng.uniform(32, 34, 40_000)
""",
    # the same 60-vertex line 1,000 times over
    "1000_copies": """
xy = np.column_stack([np.linspace(35.6, 36.0, 60), 33 + 0.05 * np.sin(np.arange(60.0))])
line = shapely.MultiLineString([xy] * 1000)
lon, lat = rng.uniform(35, 37, 40_000), rng.uniform(32, 34, 40_000)
""",
    # a 200,000-vertex line, 70 m between vertices, and 45,000 points near it
    "200k_vertices": """
x = np.linspace(20.0, 140.0, 200_000)
line = shapely.LineString(np.column_stack([x, 33.0 + 2.0 * np.sin(x)]))
lon = rng.uniform(20, 140, 45_000)
lat = 33.0 + 2.0 * np.sin(lon) + rng.normal(0, 0.5, 45_000)
""",
    # a line round the world and points anywhere: most are thousands of km away
    "far_points": """
line = shapely.LineString([(-170, 0), (-60, 30), (50, -20), (160, 10)])
lon = rng.uniform(-180, 180, 15_000)
lat = np.degrees(np.arcsin(rng.uniform(-1, 1, 15_000)))
""",
}


def _parts_of(name: str):
    """The line of a `_MANY_PARTS` case, built in this process."""
    scope: dict = {}
    exec(_CHILD_HEAD + _MANY_PARTS[name], scope)  # the same seeded line as the child's
    return scope["line"]


@pytest.mark.parametrize("name", sorted(_MANY_PARTS))
def test_large_lines_are_measured_within_the_memory_bound(name):
    got = _run_capped(_CHILD_HEAD + _MANY_PARTS[name] + _CHILD_TAIL)
    assert got["finite"] and got["same"]
    lon, lat, d = (np.array(got[k]) for k in ("lon", "lat", "d"))
    line = _parts_of(name)
    # measured again part by part in small groups (few blocks, few points at a time)
    parts = list(line.geoms) if line.geom_type == "MultiLineString" else [line]
    unique = list({p.wkb: p for p in parts}.values())
    if name == "200k_vertices":
        xy = np.asarray(line.coords)
        unique = [LineString(xy[i : i + 2001]) for i in range(0, len(xy) - 1, 2000)]
    want = np.full(len(lon), np.inf)
    for i in range(0, len(unique), 100):
        group = MultiLineString(unique[i : i + 100])
        want = np.minimum(want, gz.distance_to_line(lon, lat, group))
    np.testing.assert_allclose(d, want, rtol=0, atol=1e-6)


def test_points_far_from_a_long_line_match_the_reference():
    line = LineString([(-170, 0), (-60, 30), (50, -20), (160, 10)])
    # cut into geodesic segments of at most 1,000 km, for which the reference is valid
    coords = list(line.coords)
    dense = [coords[0]]
    for (x1, y1), (x2, y2) in zip(coords[:-1], coords[1:], strict=True):
        n = int(np.ceil(GEOD.inv(x1, y1, x2, y2)[2] / 1e6))
        r = GEOD.inv_intermediate(
            x1, y1, x2, y2, npts=n + 1, initial_idx=0, terminus_idx=0, return_back_azimuth=True
        )
        dense.extend(zip(r.lons[1:], r.lats[1:], strict=True))
    dense_line = LineString(dense)
    rng = np.random.default_rng(5)
    lon = rng.uniform(-180, 180, 8)
    lat = np.degrees(np.arcsin(rng.uniform(-1, 1, 8)))
    got = gz.distance_to_line(lon, lat, line)
    np.testing.assert_allclose(got, gz.distance_to_line(lon, lat, dense_line), rtol=0, atol=1e-6)
    _assert_distance_matches_reference(lon, lat, dense_line)


@pytest.mark.parametrize(
    "far_m", [(9_950e3, 10_050e3), (19_900e3, 20_010e3)], ids=["quarter", "antipode"]
)
def test_points_a_quarter_or_half_way_round_are_measured(far_m):
    """Distances are nearly flat along a segment a quarter of the way round (the steps used
    to stall there), and the azimuth to a nearly antipodal point is ill-conditioned."""
    rng = np.random.default_rng(16)
    for _ in range(12):
        lon = rng.uniform(-180, 180, 3)
        lat = np.degrees(np.arcsin(rng.uniform(-0.99, 0.99, 3)))
        line = LineString(np.column_stack([lon, lat]))
        az, _, length = GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
        k = rng.integers(0, 2, 100)
        foot_lon, foot_lat, back = GEOD.fwd(
            lon[:-1][k], lat[:-1][k], az[k], rng.uniform(0, 1, 100) * length[k]
        )
        walked = rng.uniform(*far_m, 100)
        turn = back + 180.0 + rng.choice([-90.0, 90.0], 100) + rng.normal(0, 1, 100)
        plon, plat, _ = GEOD.fwd(foot_lon, foot_lat, turn, walked)
        d = gz.distance_to_line(plon, plat, line)
        to_vertex = gz.geodesic_distance(plon[:, None], plat[:, None], lon, lat).min(axis=1)
        to_foot = gz.geodesic_distance(plon, plat, foot_lon, foot_lat)
        assert np.isfinite(d).all()
        assert (d <= to_vertex + 1e-6).all()
        assert (d <= to_foot + 1e-6).all()  # the foot is a point of the line
        segment = gz.geodesy.segment_distance(
            plon, plat, lon[:-1][k], lat[:-1][k], lon[1:][k], lat[1:][k]
        )
        assert (d <= segment + 1e-5).all()


def test_repeated_parts_are_measured_once_and_ties_go_to_the_first():
    line = LineString([(35.6, 33.0), (35.8, 33.1), (35.9, 33.3)])
    coords = list(line.coords)
    other = [(36.2, 32.8), (36.3, 32.9)]
    repeated = MultiLineString([coords, other, coords[::-1], coords, other])
    rng = np.random.default_rng(9)
    lon, lat = rng.uniform(35.4, 36.4, 300), rng.uniform(32.7, 33.5, 300)
    got = gz.locate_on_line(lon, lat, repeated)
    want = gz.locate_on_line(lon, lat, MultiLineString([coords, other]))
    np.testing.assert_array_equal(got.distance_m, want.distance_m)
    np.testing.assert_array_equal(got.part, want.part)
    np.testing.assert_array_equal(got.side, want.side)
    np.testing.assert_allclose(got.along_m, want.along_m, rtol=0, atol=1e-6)
    # along runs through every part, the repeated ones included
    far_end = gz.locate_on_line([36.3], [32.9], repeated)
    assert far_end.part.tolist() == [1]
    total = sum(GEOD.line_length(*np.asarray(p).T) for p in (coords, other))
    assert far_end.along_m[0] == pytest.approx(total, abs=1e-3)


def test_a_line_over_the_vertex_budget_is_refused_with_advice(monkeypatch):
    monkeypatch.setattr(gz.geodesy, "MAX_LINE_VERTICES", 100)
    line = LineString(np.column_stack([np.linspace(35, 36, 101), np.full(101, 33.0)]))
    with pytest.raises(InputError, match=r"101 vertices.*MAX_LINE_VERTICES \(100\).*simplify"):
        gz.distance_to_line([35.5], [33.1], line)


@pytest.mark.parametrize("threads", [0, -1, 1.5, "2", True])
def test_threads_must_be_a_positive_whole_number(alpha_line, threads):
    with pytest.raises(InputError, match="threads must be a positive whole number"):
        gz.distance_to_line([35.9], [33.0], alpha_line, threads=threads)


_LINE = LineString([(35.8, 33.0), (35.8, 33.2)])


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda: gz.geodesic_distance("a", 33.0, 35.8, 33.0), r"lon1 must be numbers, not 'a'"),
        (lambda: gz.geodesic_distance([1, 2], [1, 2, 3], 0, 0), r"do not broadcast .* lat1 \(3,\)"),
        (lambda: gz.geodesy.inverse(0, 0, 0, -91), r"lat2 must be within ±90"),
        (lambda: gz.geodesy.destination(0, 0, 0, np.inf), r"distance_m must be finite"),
        (lambda: gz.geodesy.destination(0, 0, 0, 1e30), r"distance_m must be within ±1e\+08 m"),
        (lambda: gz.geodesy.destination(0, 0, -np.inf, 1), r"azimuth_deg must be finite"),
        (lambda: gz.geodesy.segment_distance(0.5, 0.5, 0, 0, 1, 1, start_m=np.inf), "start_m"),
        (lambda: gz.geodesy.local_plane(0, 0, 0, 95), r"lat0 must be within ±90"),
        (lambda: gz.geodesy.local_plane(0, 0, [0, 1], 0), r"lon0 and lat0 must be one number"),
        (lambda: gz.geodesy.local_plane_centre([], []), r"needs at least one point"),
        (lambda: gz.geodesy.local_plane_error(-5.0), r"extent_m must be .* at least 0; got -5"),
        (lambda: gz.geodesy.geodesic_area_m2("x"), r"geometry must be a shapely"),
        (lambda: gz.geodesy.drawn_area_m2(Point(0, 95).buffer(1)), r"lat must be within ±90"),
        (lambda: gz.side_of_line([0], [95], _LINE), r"index 0 .* latitude must be within ±90"),
    ],
    ids=[
        "distance_text",
        "distance_shapes",
        "inverse_lat",
        "destination_inf",
        "destination_1e30",
        "destination_azimuth",
        "segment_start",
        "plane_lat0",
        "plane_centre_array",
        "plane_centre_empty",
        "plane_error",
        "area_text",
        "area_lat",
        "side_lat",
    ],
)
def test_every_public_function_refuses_out_of_range_arguments(call, message):
    with pytest.raises(InputError, match=message):
        call()


def test_nan_gives_nan_in_the_elementwise_functions():
    assert np.isnan(gz.geodesic_distance(np.nan, 33.0, 35.8, 33.0))
    # rows of data are measured with it: unusable coordinates give NaN, not an error
    d = gz.geodesic_distance([35.8, 35.8, np.inf], [95.0, 33.1, 33.0], 35.8, 33.0)
    assert np.isnan(d[[0, 2]]).all() and d[1] > 0
    assert np.isnan(gz.geodesy.destination(35.8, 33.0, np.nan, 10.0)[0])


def test_vertices_in_one_place_are_repeats():
    # a subnormal difference, the two faces of the antimeridian, two longitudes at a pole
    assert len(gz.geodesy.line_parts(LineString([(0, 0), (2.2e-311, 0), (1, 1)]))[0]) == 2
    assert len(gz.geodesy.line_parts(LineString([(-180, 10), (180, 10), (170, 10)]))[0]) == 2
    assert len(gz.geodesy.line_parts(LineString([(0, 90), (50, 90), (50, 80)]))[0]) == 2
    for point in ([(0, 0), (0, 2.5e-306)], [(0, 90), (120, 90)], [(-180, 5), (180, 5)]):
        with pytest.raises(InputError, match="1 distinct vertex"):
            gz.distance_to_line([1.0], [1.0], LineString(point))


def test_the_antipodes_of_a_short_line_are_measured_to_its_nearer_end():
    # the way to a nearly antipodal point is ill-defined; a foot stuck at the far end
    # gave 20,003,931 m (the antipode's distance) instead of the other end's 19,997,224 m
    rng = np.random.default_rng(21)
    lines = [
        LineString(
            [(-32.53235610641843, 79.03452463313221), (-32.47249366697153, 78.97524774982874)]
        )
    ]
    for _ in range(40):
        lon0, lat0 = rng.uniform(-180, 180), np.degrees(np.arcsin(rng.uniform(-1, 1)))
        lon1, lat1, _ = GEOD.fwd(lon0, lat0, rng.uniform(0, 360), rng.uniform(10, 20_000))
        lines.append(LineString([(lon0, lat0), (lon1, lat1)]))
    for line in lines:
        xy = np.asarray(line.coords)
        lon = np.r_[xy[:, 0] + 180.0, xy[:, 0] + 180.0 + rng.normal(0, 1e-4, 2)]
        lon = (lon + 180.0) % 360.0 - 180.0
        lat = np.r_[-xy[:, 1], -xy[:, 1] + rng.normal(0, 1e-4, 2)]
        d = gz.distance_to_line(lon, lat, line)
        to_vertex = gz.geodesic_distance(lon[:, None], lat[:, None], xy[:, 0], xy[:, 1])
        assert (d <= to_vertex.min(axis=1) + 1e-6).all(), line.wkt


def test_one_element_arrays_go_to_pyproj_without_a_warning_and_come_back_as_arrays():
    # pyproj's scalar fast path takes a one-element array as a scalar: NumPy 1.25-2.3 warn
    # of that conversion (an error in this suite) and the results came back as floats
    lon, lat, az = gz.geodesy.destination([35.8], [33.0], [0.0], [11090.535])
    assert [np.shape(x) for x in (lon, lat, az)] == [(1,)] * 3
    assert abs(float(lat[0]) - 33.1) < 1e-8
    az1, az2, d = gz.geodesy.inverse([35.8], [33.0], [35.8], [33.1])
    assert [np.shape(x) for x in (az1, az2, d)] == [(1,)] * 3
    assert np.shape(gz.geodesy.geodesic_distance([35.8], [33.0], [35.8], [33.1])) == (1,)
    assert isinstance(gz.geodesy.geodesic_distance(35.8, 33.0, 35.8, 33.1), float)
    loc = gz.geodesy.locate_on_line([35.9], [33.1], LineString([(35.8, 33.0), (35.8, 33.2)]))
    assert round(float(loc.distance_m[0]), 3) == 9334.764
    assert loc.side.tolist() == [-1]
    meridian = LineString([(35.8, 33.0), (35.8, 33.2)])
    assert gz.geodesy.distance_to_line([35.8], [33.1], meridian)[0] < 1e-9
