"""How the work of geozones.geodesy grows with the line, counted (never timed), and its
distances at any size checked against an independent reference (issue 16, items 3 and 5)."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pyproj
import pytest
from _reference import reference_locate
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import LineString

from geozones import geodesy

GEOD = pyproj.Geod(ellps="WGS84")


def wiggly_line(n_vertices: int) -> LineString:
    """A 600 km line of `n_vertices`, zigzagging 2 km either side of a parallel at 33°N."""
    x = np.linspace(35.0, 41.5, n_vertices)
    y = 33.0 + 0.02 * np.sin(np.linspace(0.0, 40.0 * np.pi, n_vertices))
    return LineString(np.column_stack([x, y]))


def near_points(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Points up to 80 km from the line's middle stretch, seeded."""
    rng = np.random.default_rng(seed)
    lon0 = rng.uniform(35.5, 41.0, n)
    lon, lat, _ = GEOD.fwd(
        lon0, np.full(n, 33.0), rng.choice([0.0, 180.0], n), rng.uniform(0, 8e4, n)
    )
    return lon, lat


def count_work(monkeypatch, lon, lat, line) -> dict[str, float]:
    """3-D point-to-segment distances and exact refinements per point, for one call."""
    counts = {"screened": 0, "refined": 0}
    pair, matrix, refine = geodesy._pair_distance, geodesy._distance_matrix, geodesy._refine

    def counted_pair(p, pt, *args):
        counts["screened"] += len(pt)
        return pair(p, pt, *args)

    def counted_matrix(p, a, *args):
        counts["screened"] += len(p) * np.shape(args[0])[-1]
        return matrix(p, a, *args)

    def counted_refine(plon, *args, **kwargs):
        counts["refined"] += len(plon)
        return refine(plon, *args, **kwargs)

    monkeypatch.setattr(geodesy, "_pair_distance", counted_pair)
    monkeypatch.setattr(geodesy, "_distance_matrix", counted_matrix)
    monkeypatch.setattr(geodesy, "_refine", counted_refine)
    prepared = geodesy.prepare_line(line)
    geodesy.distance_to_line(lon, lat, prepared, threads=1)
    monkeypatch.undo()
    return {k: v / len(lon) for k, v in counts.items()}


def test_screening_work_per_point_grows_like_the_log_of_the_vertices(monkeypatch):
    # 100x the vertices: a scan or a sqrt-sized block would cost 10-100x; a tree, a few x
    lon, lat = near_points(4_000)
    small = count_work(monkeypatch, lon, lat, wiggly_line(100))
    large = count_work(monkeypatch, lon, lat, wiggly_line(10_000))
    assert large["screened"] <= 4.0 * small["screened"], (small, large)
    assert large["refined"] <= 4.0, large  # exact refinements stay a handful per point


def test_a_chunk_of_near_points_needs_a_bounded_working_set():
    # numpy's allocations (traced) while a full chunk of points is measured against a
    # 5,000-vertex line, single-threaded: the walk down the tree goes in slices and each
    # level's batch of pairs is a quarter of MATRIX_ENTRIES (about 270 MiB before, ~100 now)
    prepared = geodesy.prepare_line(wiggly_line(5_000))
    lon, lat = near_points(geodesy.CHUNK_SIZE)
    tracemalloc.start()
    try:
        geodesy.distance_to_line(lon, lat, prepared, threads=1)
        peak_mib = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    assert peak_mib < 160.0, peak_mib


def test_far_points_refine_a_handful_of_pieces(monkeypatch):
    # points anywhere on the globe, many near the line's antipode: the chord bound is loose
    # there, so each piece is screened with one exact measurement, not refined
    rng = np.random.default_rng(3)
    lon = np.r_[rng.uniform(-180, 180, 300), rng.uniform(35, 41, 100) - 180.0]
    lat = np.r_[np.degrees(np.arcsin(rng.uniform(-1, 1, 300))), rng.uniform(-33.1, -32.9, 100)]
    work = count_work(monkeypatch, lon, lat, wiggly_line(2_000))
    assert work["refined"] <= 5.0, work


class CountingGeod:
    """A stand-in for geodesy.WGS84 that counts the geodesics solved (fwd and inv)."""

    def __init__(self, geod: pyproj.Geod) -> None:
        self.geod, self.solved = geod, 0

    def fwd(self, *args, **kwargs):
        self.solved += np.size(args[0])
        return self.geod.fwd(*args, **kwargs)

    def inv(self, *args, **kwargs):
        self.solved += np.size(args[0])
        return self.geod.inv(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.geod, name)


def far_points(n_globe: int, n_antipodal: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Points uniform on the globe, and points near the antipode of the wiggly line."""
    rng = np.random.default_rng(seed)
    lon = np.r_[rng.uniform(-180, 180, n_globe), rng.uniform(35, 41, n_antipodal) - 180.0]
    lat = np.r_[
        np.degrees(np.arcsin(rng.uniform(-1, 1, n_globe))),
        rng.uniform(-33.5, -32.5, n_antipodal),
    ]
    return lon, lat


def geodesics_per_point(monkeypatch, lon, lat, line) -> float:
    """Exact geodesics (Geod.fwd and Geod.inv) solved per point by locate_on_line."""
    prepared = geodesy.prepare_line(line)
    counting = CountingGeod(geodesy.WGS84)
    monkeypatch.setattr(geodesy, "WGS84", counting)
    geodesy.locate_on_line(lon, lat, prepared, threads=1)
    monkeypatch.undo()
    return counting.solved / len(lon)


def test_far_points_solve_a_log_of_the_vertices_in_geodesics(monkeypatch):
    # far away the chord bound lets most pieces through; groups of the tree are screened
    # with one exact geodesic from their centre, so 100x the vertices cost a few x, not 100x
    lon, lat = far_points(300, 100, seed=3)
    small = geodesics_per_point(monkeypatch, lon, lat, wiggly_line(100))
    large = geodesics_per_point(monkeypatch, lon, lat, wiggly_line(10_000))
    assert large <= 4.0 * small, (small, large)
    assert large <= 120.0, large


def test_far_points_against_a_detailed_line_match_the_reference():
    # the group bounds prune, they never change a result: points on the globe and near the
    # antipode of a 600-vertex line (three levels of groups), against the reference
    lon, lat = far_points(30, 15, seed=5)
    line = wiggly_line(600)
    assert len(geodesy.prepare_line(line)._pieces.levels) >= 3
    got = geodesy.locate_on_line(lon, lat, line)
    want = reference_locate(lon, lat, line)
    np.testing.assert_allclose(got.distance_m, want.distance_m, rtol=0, atol=1e-6)
    np.testing.assert_allclose(got.along_m, want.along_m, rtol=0, atol=1e-2)
    np.testing.assert_array_equal(got.side, want.side)


def test_far_points_are_measured_exactly(monkeypatch):
    # the same points as above, against the independent reference (geographiclib)
    rng = np.random.default_rng(4)
    line = wiggly_line(40)
    lon = np.r_[rng.uniform(-180, 180, 30), rng.uniform(35, 41, 10) - 180.0]
    lat = np.r_[np.degrees(np.arcsin(rng.uniform(-1, 1, 30))), rng.uniform(-33.1, -32.9, 10)]
    got = geodesy.locate_on_line(lon, lat, line)
    want = reference_locate(lon, lat, line)
    np.testing.assert_allclose(got.distance_m, want.distance_m, rtol=0, atol=1e-6)
    np.testing.assert_allclose(got.along_m, want.along_m, rtol=0, atol=1e-2)


coordinate = st.tuples(st.floats(-180, 180), st.floats(-89, 89))


@settings(max_examples=25, deadline=None)
@given(
    start=coordinate,
    steps=st.lists(
        st.tuples(st.floats(0, 360), st.floats(1.0, 2_000_000.0)), min_size=1, max_size=3
    ),
    points=st.lists(coordinate, min_size=1, max_size=4),
)
def test_distances_of_any_size_match_the_reference(start, steps, points):
    # lines anywhere (poles, antimeridian), segments up to 2,000 km, points anywhere: from
    # metres to the antipode; the reference assumes one minimum along a segment, which holds
    # for segments this long
    xy = [start]
    for azimuth, length in steps:
        lon, lat, _ = GEOD.fwd(*xy[-1], azimuth, length)
        xy.append((lon, lat))
    line = LineString(xy)
    lon, lat = np.array(points, float).T
    got = geodesy.locate_on_line(lon, lat, line)
    want = reference_locate(lon, lat, line)
    np.testing.assert_allclose(got.distance_m, want.distance_m, rtol=0, atol=1e-6)


@pytest.mark.parametrize("d_m", [1.0, 1e3, 1e5, 1e6, 5e6, 9e6])
def test_exact_perpendicular_offsets_of_any_size(d_m):
    # a point put exactly d_m from the middle of a 200 km segment, perpendicular to it: the
    # segment's nearest point is that foot, at d_m, and its distance along the line is known
    lon0, lat0, lon1, lat1 = 20.0, 10.0, 21.5, 11.0
    az, _, length = GEOD.inv(lon0, lat0, lon1, lat1)
    flon, flat, back = GEOD.fwd(lon0, lat0, az, length / 2)
    plon, plat, _ = GEOD.fwd(flon, flat, back + 180.0 - 90.0, d_m)  # to the left
    loc = geodesy.locate_on_line(plon, plat, LineString([(lon0, lat0), (lon1, lat1)]))
    assert abs(float(loc.distance_m) - d_m) <= 1e-6
    assert abs(float(loc.along_m) - length / 2) <= 1e-2  # flat there: cm, not mm
    assert int(loc.side) == 1
