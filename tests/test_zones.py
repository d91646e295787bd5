import math
import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely import LineString, Point
from shapely.ops import nearest_points

import geozones as gz
from geozones import zones
from geozones.errors import GeozonesError, InputError

ALPHA = gz.datasets.load("alpha_line").geometry.iloc[0]
SHARP_V = LineString([(35.3, 33.05), (35.8, 33.0), (35.3, 32.93)])
NORTH_SOUTH = LineString([(35.8, 33.2), (35.8, 33.0)])  # runs south: left is east


def _boundary_points(geom, spacing_deg=2e-4, max_points=40_000):
    """Points along every ring of `geom`, as drawn (straight lon/lat edges)."""
    rings = shapely.get_parts(shapely.get_parts(geom.boundary))
    out = []
    for ring in rings:
        n = int(min(max_points, max(50, ring.length / spacing_deg)))
        pts = shapely.line_interpolate_point(ring, np.linspace(0, 1, n), normalized=True)
        out.append(shapely.get_coordinates(pts))
    xy = np.concatenate(out)
    # edges made by cutting at the antimeridian or closing over a pole are not distances
    keep = (np.abs(np.abs(xy[:, 0]) - 180) > 1e-9) & (np.abs(np.abs(xy[:, 1]) - 90) > 1e-9)
    return xy[keep]


def _worst_boundary_error(bands, line, *, exclude=None):
    """Largest |distance - nearest nominal limit| over all band boundaries, in metres."""
    worst = 0.0
    for _, band in bands.iterrows():
        xy = _boundary_points(band.geometry)
        d = gz.distance_to_line(xy[:, 0], xy[:, 1], line)
        nominal = np.array([band.inner_km, band.outer_km]) * 1000.0
        err = np.min(np.abs(d[:, None] - nominal[None, :]), axis=1)
        if exclude is not None:  # side cuts: the line itself and its continuation
            err = np.minimum(err, gz.distance_to_line(xy[:, 0], xy[:, 1], exclude))
        worst = max(worst, float(err.max()))
    return worst


def test_default_bands_around_the_alpha_line():
    bands = gz.build_zones("alpha_line")
    assert bands["band"].tolist() == ["0–5 km", "5–20 km", "20–60 km"]
    assert bands["inner_km"].tolist() == [0, 5, 20]
    assert bands["outer_km"].tolist() == [5, 20, 60]
    assert bands.crs.to_epsg() == 4326
    assert bands.is_valid.all()
    assert set(bands.geom_type) <= {"Polygon", "MultiPolygon"}
    assert (bands["line"] == "alpha_line").all()
    assert bands["licence"].iloc[0] == "ODbL 1.0"
    assert "OpenStreetMap" in bands["attribution"].iloc[0]
    # a 5 km zone around an 80 km line is roughly 2 x 5 x 80 + pi x 25 km^2
    assert 800 < bands["area_km2"].iloc[0] < 950


@pytest.mark.parametrize(
    "line,km",
    [
        (ALPHA, (5, 20, 60)),
        (gz.datasets.load("bravo_line").geometry.iloc[0], (5, 20, 60)),
        (SHARP_V, (5, 20, 60)),
        (LineString([(179.5, 10.0), (-179.5, 10.5), (-179.0, 11.0)]), (5, 60)),
        (LineString([(-20.0, 84.0), (40.0, 85.0), (100.0, 84.5)]), (5, 60)),
        (LineString([(-20.0, -84.0), (40.0, -85.0), (100.0, -84.5)]), (60,)),
        (LineString([(20.0, 40.0), (31.43, 41.9), (30.0, 45.0)]), (60, 300)),
        (LineString([(35.8, 33.0), (35.80003, 33.00002)]), (5,)),
    ],
    ids=["alpha", "bravo", "sharp_v", "antimeridian", "arctic", "antarctic", "1000km", "3m"],
)
def test_every_drawn_edge_is_within_a_metre_of_its_distance(line, km):
    bands = gz.build_zones(line, km)
    assert bands.is_valid.all()
    assert _worst_boundary_error(bands, line) <= 1.0


@pytest.mark.parametrize("side", ["left", "right"])
def test_one_sided_edges_are_within_a_metre_except_the_side_cuts(side):
    bands = gz.build_zones(SHARP_V, (5, 20), side=side)
    xy = shapely.get_coordinates(SHARP_V)
    rays = zones._end_rays(xy, 40_000.0, 0.01)
    cuts = shapely.MultiLineString([SHARP_V, *[LineString(r) for r, _ in rays]])
    assert _worst_boundary_error(bands, SHARP_V, exclude=cuts) <= 1.0


def test_tolerance_sets_the_error_and_the_vertex_count():
    fine = gz.build_zones("alpha_line", (60,), tolerance_m=0.5)
    coarse = gz.build_zones("alpha_line", (60,), tolerance_m=20.0)
    assert coarse["n_vertices"].iloc[0] < fine["n_vertices"].iloc[0] / 3
    assert _worst_boundary_error(coarse, ALPHA) <= 20.0
    assert _worst_boundary_error(fine, ALPHA) <= 0.5
    assert (fine["tolerance_m"] == 0.5).all()


def test_bands_do_not_overlap_and_together_make_the_outer_zone():
    bands = gz.build_zones("alpha_line")
    geoms = list(bands.geometry)
    for i in range(len(geoms)):
        for j in range(i + 1, len(geoms)):
            overlap = shapely.intersection(geoms[i], geoms[j])
            assert gz.geodesy.geodesic_area_m2(overlap) < 1.0  # m², i.e. shared edges only
    outer = gz.build_zones("alpha_line", (60,)).geometry.iloc[0]
    union = shapely.union_all(geoms)
    assert gz.geodesy.geodesic_area_m2(shapely.symmetric_difference(union, outer)) < 1.0
    assert bands["area_km2"].sum() == pytest.approx(gz.geodesy.geodesic_area_m2(outer) / 1e6)


def test_points_classify_by_band_like_exact_distances():
    bands = gz.build_zones("alpha_line")
    rng = np.random.default_rng(3)
    lon, lat = rng.uniform(35.0, 36.6, 3000), rng.uniform(32.2, 33.9, 3000)
    d_km = gz.distance_to_line(lon, lat, ALPHA) / 1000.0
    clear = np.all(np.abs(d_km[:, None] - np.array([5, 20, 60])) > 0.01, axis=1)
    pts = shapely.points(lon[clear], lat[clear])
    expected = np.searchsorted([5, 20, 60], d_km[clear], side="left")
    got = np.full(len(pts), 3)
    for i, geom in enumerate(bands.geometry):
        got[shapely.contains(geom, pts)] = i
    np.testing.assert_array_equal(got, expected)


def test_the_area_of_a_zone_round_a_tiny_line_is_that_of_a_disc():
    bands = gz.build_zones(LineString([(35.8, 33.0), (35.8, 33.000001)]), (5,))
    # a geodesic disc of radius r has area pi r^2 (1 - r^2 K / 12 ...), K ~ 1/R^2, so
    # 5e-8 below pi r^2 here; the drawn edges run at most tolerance_m inside the circle
    area = bands["area_km2"].iloc[0]
    assert math.pi * (5.0 - 0.001) ** 2 < area < math.pi * 25.0


def test_left_and_right_make_both_and_keep_their_side():
    both = gz.build_zones(NORTH_SOUTH, (5, 20))
    left = gz.build_zones(NORTH_SOUTH, (5, 20), side="left")
    right = gz.build_zones(NORTH_SOUTH, (5, 20), side="right")
    for i in range(2):
        union = shapely.union(left.geometry.iloc[i], right.geometry.iloc[i])
        diff = shapely.symmetric_difference(union, both.geometry.iloc[i])
        assert gz.geodesy.geodesic_area_m2(diff) < 1.0
    for bands, expected in ((left, 1), (right, -1)):
        pts = bands.sample_points(300, rng=0).explode(index_parts=False)
        assert (gz.side_of_line(pts.x.to_numpy(), pts.y.to_numpy(), NORTH_SOUTH) == expected).all()
    # the line runs south, so left is east
    assert left.geometry.iloc[0].contains(Point(35.83, 33.1))
    assert right.geometry.iloc[0].contains(Point(35.77, 33.1))


def test_round_ends_are_split_along_the_line_continued():
    left = gz.build_zones(NORTH_SOUTH, (5,), side="left").geometry.iloc[0]
    right = gz.build_zones(NORTH_SOUTH, (5,), side="right").geometry.iloc[0]
    both = gz.build_zones(NORTH_SOUTH, (5,)).geometry.iloc[0]
    beyond_east = Point(35.81, 32.97)  # 3.3 km south of the end, 0.9 km east
    beyond_west = Point(35.79, 32.97)
    assert both.contains(beyond_east) and both.contains(beyond_west)  # round ends
    assert left.contains(beyond_east) and not left.contains(beyond_west)
    assert right.contains(beyond_west) and not right.contains(beyond_east)
    far_beyond = Point(35.8, 32.94)  # 6.6 km south of the end: outside every zone
    assert not both.contains(far_beyond)


def test_antimeridian_zones_are_split_at_180():
    line = LineString([(179.5, 10.0), (-179.5, 10.5)])
    bands = gz.build_zones(line, (5, 60))
    for geom in bands.geometry:
        assert geom.geom_type == "MultiPolygon"
        minx, _, maxx, _ = geom.bounds
        assert minx >= -180 and maxx <= 180
        assert minx == -180 or maxx == 180
    assert bands.is_valid.all()


def test_clip_to_the_syrian_held_territory():
    syrian = gz.load_territory("syrian_held")
    bands = gz.build_zones("alpha_line", side="left", clip="syrian_held")
    for geom in bands.geometry:
        assert gz.geodesy.geodesic_area_m2(shapely.difference(geom, syrian)) < 1.0
    quneitra_in_aos = Point(35.8246, 33.1260)
    khan_arnabah = Point(35.8916, 33.1838)  # Syrian side, 4.7 km from the Alpha line
    assert not any(g.contains(quneitra_in_aos) for g in bands.geometry)
    assert bands.geometry.iloc[0].contains(khan_arnabah)
    gdf_clip = gpd.GeoDataFrame(geometry=[syrian], crs=4326)
    same = gz.build_zones("alpha_line", (5,), side="left", clip=gdf_clip)
    assert same["area_km2"].iloc[0] == pytest.approx(bands["area_km2"].iloc[0], rel=1e-9)


def test_territories_keep_the_area_of_separation_separate():
    syrian = gz.load_territory("syrian_held")
    aos = gz.load_territory("area_of_separation")
    golan = gz.load_territory("israeli_held_golan")
    assert gz.geodesy.geodesic_area_m2(shapely.intersection(syrian, aos)) < 1.0
    assert gz.geodesy.geodesic_area_m2(shapely.intersection(syrian, golan)) < 1.0
    assert golan.contains(Point(35.7716, 33.2703))  # Majdal Shams, Israeli-held
    assert syrian.contains(Point(36.1050, 32.6250))  # Daraa
    with pytest.raises(InputError, match="no territory named 'mars'"):
        gz.load_territory("mars")


def test_areas_of_limitation_run_on_each_side():
    aol = gz.build_zone_set("areas_of_limitation_1974")
    assert aol[["line", "side"]].drop_duplicates().values.tolist() == [
        ["alpha_line", "right"],
        ["bravo_line", "left"],
    ]
    assert aol["outer_km"].tolist() == [10, 20, 25, 10, 20, 25]
    katzrin = Point(35.6895, 32.9925)  # Israeli-held Golan, west of Alpha
    israeli = aol[aol["line"] == "alpha_line"]
    syrian = aol[aol["line"] == "bravo_line"]
    assert any(g.contains(katzrin) for g in israeli.geometry)
    assert not any(g.contains(katzrin) for g in syrian.geometry)
    assert aol["zone_source"].str.contains("1974").all()


def test_zone_sets_are_documented():
    for name, zone_set in zones.ZONE_SETS.items():
        assert zone_set.source and zone_set.title
        assert zone_set.name == name
    alpha = gz.build_zone_set("alpha_5_20_60", tolerance_m=10)
    assert alpha["zone_source"].str.contains("60 km").all()
    with pytest.raises(InputError, match="no zone set named"):
        gz.build_zone_set("nope")


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".kml"])
def test_export_keeps_attributes_and_provenance(tmp_path, suffix):
    bands = gz.build_zones("alpha_line", (5, 20), tolerance_m=5)
    path = tmp_path / f"zones{suffix}"
    gz.save_zones(bands, path)
    gz.save_zones(bands, path)  # replaces
    back = gpd.read_file(path)
    assert len(back) == 2
    assert back["band"].tolist() == ["0–5 km", "5–20 km"]
    assert back["licence"].tolist() == ["ODbL 1.0"] * 2
    assert back["area_km2"].astype(float).tolist() == pytest.approx(bands["area_km2"].tolist())
    assert back.geometry.is_valid.all()
    if suffix == ".kml":
        text = path.read_text(encoding="utf-8")
        assert "<ExtendedData>" in text and "<PolyStyle>" in text
        assert "<name>alpha_line 0–5 km</name>" in text


def test_export_refuses_an_unknown_extension(tmp_path):
    with pytest.raises(InputError, match="unknown extension"):
        gz.save_zones(gz.build_zones("alpha_line", (5,)), tmp_path / "zones.xyz")


def test_line_inputs(tmp_path, simple_lines):
    path = tmp_path / "lines.geojson"
    simple_lines.to_file(path)
    from_file = gz.build_zones(path, (5,), tolerance_m=5)
    from_gdf = gz.build_zones(simple_lines, (5,), tolerance_m=5)
    from_geom = gz.build_zones(shapely.union_all(simple_lines.geometry), (5,), tolerance_m=5)
    assert from_file["line"].iloc[0] == "north + south"
    assert from_file["line_source"].iloc[0].endswith("lines.geojson")
    a = from_gdf["area_km2"].iloc[0]
    assert from_file["area_km2"].iloc[0] == pytest.approx(a)
    assert from_geom["area_km2"].iloc[0] == pytest.approx(a)


@pytest.mark.parametrize(
    "distances,message",
    [
        ((-5, 20), "positive"),
        ((0, 20), "positive"),
        ((20, 5), "increasing order"),
        ((5, 5, 20), "duplicate"),
        ((5, 20_000), "beyond 10000 km"),
        ((), "at least one distance"),
        ((5, float("nan")), "positive and finite"),
        (("five",), "numbers of kilometres"),
    ],
)
def test_bad_distances_are_refused_with_the_reason(distances, message):
    with pytest.raises(InputError, match=message):
        gz.build_zones("alpha_line", distances)


def test_other_bad_input():
    with pytest.raises(InputError, match="side must be one of"):
        gz.build_zones("alpha_line", side="east")
    with pytest.raises(InputError, match="fewer than 2|distinct vertex"):
        gz.build_zones(LineString([(35.8, 33.0), (35.8, 33.0)]))
    with pytest.raises(GeozonesError, match="empty"):
        gz.build_zones(LineString())
    with pytest.raises(InputError, match="not a line layer"):
        gz.build_zones("countries")
    with pytest.raises(InputError, match="tolerance_m"):
        gz.build_zones("alpha_line", tolerance_m=0)
    with pytest.raises(InputError, match="clip must be a polygon"):
        gz.build_zones("alpha_line", clip=Point(35, 33))


# Lines for checking that the planar shortcut (`zones._Interior`) leaves out only what lies
# inside: jagged, hooked, an open square whose zones have holes, two parts, far north and
# on the antimeridian.
_RNG = np.random.default_rng(7)
_JAGGED = LineString(
    np.column_stack(
        [35.8 + _RNG.normal(0, 0.004, 120).cumsum() * 0.3, np.linspace(33.4, 32.6, 120)]
    )
)
_SHAPES = {
    "jagged": _JAGGED,
    "bravo": gz.datasets.load("bravo_line").geometry.iloc[0],
    "hook": LineString([(35.0, 33.0), (35.6, 33.0), (35.6, 33.3), (35.2, 33.25), (35.25, 33.1)]),
    "ring_with_holes": LineString(
        [(35.05, 33.0), (35.5, 33.0), (35.5, 33.45), (35.0, 33.45), (35.0, 33.05)]
    ),
    "two_parts": shapely.MultiLineString(
        [[(35.0, 33.0), (35.3, 33.1), (35.5, 33.0)], [(35.2, 33.15), (35.4, 33.3)]]
    ),
    "arctic": LineString([(10.0, 78.0), (14.0, 78.6), (19.0, 78.2)]),
    "antimeridian": LineString([(179.7, -16.0), (-179.8, -16.3), (179.9, -16.6)]),
    # more parts than zones._BUFFER_MAX_PARTS: tested by planar distance, not a buffer
    "twenty_parts": shapely.MultiLineString(
        [[(35.0 + 0.05 * i, 33.0 + 0.03 * (i % 3)), (35.02 + 0.05 * i, 33.05)] for i in range(20)]
    ),
}


@pytest.mark.parametrize("name", list(_SHAPES))
def test_left_out_chords_lie_inside_their_zone(name):
    line = _SHAPES[name]
    limits_m = np.array([5e3, 20e3, 60e3])
    parts = gz.geodesy.line_parts(line)
    interior = zones._Interior.around(parts, limits_m, 1.0)
    assert interior is not None
    left_out_any = False
    for xy in parts:
        c = {k: np.tile(v, 3) for k, v in zones._ring_curves(xy).items()}
        m = len(c["kind"]) // 3
        c["d_m"] = np.repeat(limits_m, m)
        initial = np.full(len(c["kind"]), 4)
        out = interior.left_out(c, initial)
        left_out_any |= out.any()
        # dense points on every left-out chord of every curve, measured exactly
        prim = np.repeat(np.arange(len(initial)), initial)[out]
        chord = (np.arange(out.size) - np.repeat(np.cumsum(initial) - initial, initial))[out]
        u = ((chord[:, None] + np.linspace(0.0, 1.0, 9)[None, :]) / 4).ravel()
        prim = np.repeat(prim, 9)
        lon, lat = zones._curve_points(c, prim, u)
        d = gz.distance_to_line(lon, lat, line)
        assert (d < c["d_m"][prim]).all()
    assert left_out_any


@pytest.mark.parametrize("name", list(_SHAPES))
def test_the_planar_shortcut_draws_the_same_bands_as_the_full_arrangement(name, monkeypatch):
    line = _SHAPES[name]
    fast = gz.build_zones(line)
    monkeypatch.setattr(zones, "_PLANE_MAX_EXTENT_M", 0.0)  # no shortcut
    full = gz.build_zones(line)
    assert fast.is_valid.all()
    for a, b, area_a, area_b in zip(
        fast.geometry, full.geometry, fast["area_km2"], full["area_km2"], strict=True
    ):
        assert shapely.symmetric_difference(a, b).area <= 1e-12 * b.area
        # the same shape; collinear vertices where loops met the edge shift the area as
        # drawn (trapezoids in authalic latitude) by a few millionths
        assert area_a == pytest.approx(area_b, rel=1e-5)
    if name == "ring_with_holes":  # the 5 km zone closes round the square's inside
        assert shapely.get_num_interior_rings(fast.geometry.iloc[0]) == 1


# --------------------------------------------------------------------------------------
# Trust (issue 13): absurd parameters, bounded work, odd but valid lines
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options,message",
    [
        ({"tolerance_m": 1e-12}, r"tolerance_m must be .* at least 0\.001 .* not 1e-12"),
        ({"tolerance_m": float("nan")}, r"tolerance_m must be a finite number .* not nan"),
        ({"tolerance_m": float("inf")}, r"tolerance_m must be a finite number .* not inf"),
        ({"tolerance_m": -1}, r"tolerance_m .* not -1"),
        ({"tolerance_m": "1"}, r"tolerance_m .* not '1'"),
        ({"tolerance_m": True}, r"tolerance_m .* not True"),
        ({"distances_km": (1e-9,)}, r"distances_km: 1e-09 km is less than 10 × tolerance_m"),
        ({"distances_km": (0.005,)}, r"distances_km: 0\.005 km .* at least 0\.01 km"),
        ({"distances_km": (5, 5 + 1e-9)}, r"distances_km: .* apart, less than 2 × tolerance_m"),
        ({"distances_km": (5, 20), "tolerance_m": 2000}, r"less than 10 × tolerance_m \(20000 m\)"),
        ({"side": None}, r"side must be one of both, left, right, not None"),
        ({"name": 5}, r"name must be a string or None, not 5"),
    ],
    ids=[
        "tolerance_1e-12",
        "tolerance_nan",
        "tolerance_inf",
        "tolerance_negative",
        "tolerance_text",
        "tolerance_bool",
        "distance_1e-9",
        "distance_5m",
        "distances_1e-9_apart",
        "tolerance_2km",
        "side_none",
        "name_number",
    ],
)
def test_absurd_parameters_are_refused_naming_the_parameter_value_and_range(options, message):
    with pytest.raises(InputError, match=message):
        gz.build_zones(ALPHA, **options)


def test_the_vertex_budget_refuses_zones_before_building_them(monkeypatch):
    fine = gz.build_zones(ALPHA, (5, 20, 60), tolerance_m=0.01)
    parts = gz.geodesy.line_parts(ALPHA)
    estimate = zones._estimate_vertices(parts, np.array([5e3, 20e3, 60e3]), 0.01, "both").sum()
    assert fine["n_vertices"].sum() <= estimate  # the estimate covers what is drawn
    monkeypatch.setattr(zones, "MAX_ZONE_VERTICES", int(estimate) - 1)
    with pytest.raises(InputError) as info:
        gz.build_zones(ALPHA, (5, 20, 60), tolerance_m=0.01)
    text = str(info.value)
    assert f"too large to build: they would need about {estimate:,.0f} vertices" in text
    for advice in ("larger tolerance_m (now 0.01 m)", "fewer or smaller distances_km", "simpl"):
        assert advice in text


def test_the_work_budget_refuses_zones_round_too_many_parts(monkeypatch):
    lines = shapely.MultiLineString(
        [[(35 + i / 100, 33.0), (35 + i / 100, 33.01)] for i in range(50)]
    )
    monkeypatch.setattr(zones, "MAX_ZONE_WORK", 20_000)  # about 1,200 a part
    with pytest.raises(InputError, match=r"would take too long .* 100 vertices in 50 parts"):
        gz.build_zones(lines)
    monkeypatch.setattr(zones, "MAX_ZONE_VERTICES", 500)  # checked first: each part is over
    with pytest.raises(InputError, match=r"their largest part alone would need about"):
        gz.build_zones(lines)


def test_the_budget_counts_crossings_of_one_sided_zones_round_many_parts(monkeypatch):
    rng = np.random.default_rng(2)
    starts = np.column_stack([rng.uniform(35, 36, 40), rng.uniform(32.5, 33.5, 40)])
    line = shapely.multilinestrings(
        [s + np.cumsum(rng.normal(0, 0.01, (3, 2)), axis=0) for s in starts]
    )
    both = gz.build_zones(line, (5, 20))  # the loops inside are left out
    assert both.is_valid.all()
    # about 28,000 vertices are drawn on either side; one side nodes every loop: ~50,000
    monkeypatch.setattr(zones, "MAX_ZONE_VERTICES", 40_000)
    assert gz.build_zones(line, (5, 20)).is_valid.all()
    with pytest.raises(InputError, match=r"cross about .* times: noding .* side='both'"):
        gz.build_zones(line, (5, 20), side="left")


_CAPPED = """
import resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, 1_500_000_000))
import numpy as np, shapely
import geozones as gz
r = np.random.default_rng(1)
{setup}
t0 = time.perf_counter()
try:
    gz.build_zones({call})
    print("built")
except gz.GeozonesError as exc:
    print("refused:", exc)
print(time.perf_counter() - t0)
"""


def _capped(setup: str, call: str) -> tuple[str, float]:
    import subprocess
    import sys

    code = _CAPPED.format(setup=setup, call=call)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    *text, seconds = done.stdout.strip().splitlines()
    return "\n".join(text), float(seconds)


def test_a_million_vertex_line_is_refused_at_once_within_bounded_memory():
    setup = """
steps = np.cumsum(r.normal(0, 0.6, 1_000_000))
xy = np.column_stack([35.8 + np.cumsum(5e-4 * np.cos(steps)), 33 + np.cumsum(5e-4 * np.sin(steps))])
line = shapely.LineString(xy)
"""
    text, seconds = _capped(setup, "line")
    assert text.startswith("refused: these zones are too large to build: they would need")
    assert "1,000,000 vertices in 1 parts" in text and "shapely.simplify" in text
    assert seconds < 20


def test_two_copies_of_a_winding_line_in_a_file_cost_what_one_does(tmp_path):
    steps = np.cumsum(np.random.default_rng(1).normal(0, 0.6, 600))
    xy = np.column_stack(
        [35.8 + np.cumsum(0.001 * np.cos(steps)), 33 + np.cumsum(0.001 * np.sin(steps))]
    )
    winding = LineString(xy)
    assert not winding.is_simple  # it crosses itself: a union would cut it at each crossing
    path = tmp_path / "twice.geojson"
    gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=[winding, winding], crs=4326).to_file(path)
    twice = gz.build_zones(path)
    once = gz.build_zones(winding)
    assert twice["n_vertices"].tolist() == once["n_vertices"].tolist()
    for a, b in zip(twice.geometry, once.geometry, strict=True):
        assert a.equals_exact(b, 0.0)
    assert twice["line"].iloc[0] == "a + b"


def test_many_features_are_named_in_short():
    lines = gpd.GeoDataFrame(
        {"name": [f"line {i}" for i in range(8)]},
        geometry=[LineString([(35 + i / 10, 33), (35 + i / 10, 33.05)]) for i in range(8)],
        crs=4326,
    )
    assert gz.build_zones(lines, (5,))["line"].iloc[0] == (
        "line 0 + line 1 + line 2 + line 3 + line 4 and 3 more"
    )


with warnings.catch_warnings():  # shapely warns as it makes it
    warnings.simplefilter("ignore", RuntimeWarning)
    _NAN_LINE = LineString([(35.8, 33.0), (float("nan"), 33.1)])


# A→B→A, and A→B→C→B→A: one-sided zones of lines that double back on themselves
_THERE_AND_BACK = {
    "A-B-A": LineString(
        [(35.74734851598847, 33.051878492087795), (35.67355072091802, 32.88574819823475)]
        + [(35.74734851598847, 33.051878492087795)]
    ),
    "A-B-C-B-A": LineString(
        [(35.88216181435011, 33.090535586667315), (35.83304370761834, 33.0446374572364)]
        + [(35.66968427683956, 32.946304676463974), (35.83304370761834, 33.0446374572364)]
        + [(35.88216181435011, 33.090535586667315)]
    ),
    # north, then back south past the start: the stretch from the start to the turn is
    # drawn twice, the rest once
    "partly_back": LineString([(35.8, 33.25), (35.8, 33.5), (35.8, 33.0)]),
}


@pytest.mark.parametrize("name", list(_THERE_AND_BACK))
def test_one_sided_zones_of_a_line_that_doubles_back(name):
    line = _THERE_AND_BACK[name]
    both = gz.build_zones(line, (5, 20))
    left = gz.build_zones(line, (5, 20), side="left")
    right = gz.build_zones(line, (5, 20), side="right")
    for z in (left, right):
        assert z.is_valid.all()
        assert shapely.intersection(z.geometry.iloc[0], z.geometry.iloc[1]).area < 1e-12
    # the two sides tile the zone (each drawn on its own, within the tolerance)
    for i in range(2):
        assert left.area_km2[i] + right.area_km2[i] == pytest.approx(both.area_km2[i], rel=1e-5)
        assert shapely.intersection(left.geometry[i], right.geometry[i]).area < 1e-12
    # and each holds the points that locate_on_line puts on its side
    rng = np.random.default_rng(4)
    x0, y0, x1, y1 = line.bounds
    lon, lat = rng.uniform(x0 - 0.3, x1 + 0.3, 4000), rng.uniform(y0 - 0.3, y1 + 0.3, 4000)
    loc = gz.locate_on_line(lon, lat, line)
    clear = (loc.distance_m > 50) & (np.abs(loc.distance_m - 5e3) > 50)
    clear &= np.abs(loc.distance_m - 20e3) > 50
    for z, side in ((left, 1), (right, -1)):
        inside = shapely.contains_xy(shapely.union_all(z.geometry), lon, lat)
        want = (loc.side == side) & (loc.distance_m <= 20e3)
        np.testing.assert_array_equal(inside[clear], want[clear])


@pytest.mark.parametrize(
    "line,km",
    [
        (LineString([(10.0, 0.0), (10.5, 0.2)]), 9_800),
        (ALPHA, 6_000),
        (LineString([(30, 30), (45, 40)]), 4_000),
    ],
    ids=["equator_9800", "alpha_6000", "2000km_4000"],
)
def test_large_zones_short_of_the_poles_are_right(line, km):
    bands = gz.build_zones(line, (km,), tolerance_m=5.0)
    assert bands.is_valid.all()
    # every vertex and every edge's middle, as drawn (the edges are straight in lon/lat)
    rings = shapely.get_parts(shapely.get_parts(bands.geometry.iloc[0].boundary))
    xy = np.concatenate([shapely.get_coordinates(r) for r in rings])
    mid = (xy[:-1] + xy[1:]) / 2.0
    xy = np.concatenate([xy, mid[np.abs(xy[1:, 0] - xy[:-1, 0]) < 180.0]])
    xy = xy[(np.abs(np.abs(xy[:, 0]) - 180) > 1e-9)]  # not the cuts at the antimeridian
    err = np.abs(gz.distance_to_line(xy[:, 0], xy[:, 1], line) - km * 1000.0)
    assert err.max() <= 5.0


@pytest.mark.parametrize(
    "line",
    [
        shapely.from_wkt("MULTILINESTRING ((35.8 33, 35.9 33.1), EMPTY)"),
        LineString([(35.8, 33.0), (35.8, 33.0), (35.9, 33.1), (35.9, 33.1), (35.95, 33.0)]),
        LineString([(179.9, -16.0), (-179.9, -16.1), (179.95, -16.2)]),
        LineString([(10.0, 84.9), (40.0, 85.0)]),
        shapely.MultiLineString([[(35.8, 33.0), (35.9, 33.1)], [(35.8, 33.0), (35.9, 33.1)]]),
    ],
    ids=["empty_part", "repeated_vertices", "antimeridian", "latitude_85", "duplicate_parts"],
)
@pytest.mark.parametrize("side", ["both", "left"])
def test_odd_but_valid_lines_give_valid_zones(line, side):
    bands = gz.build_zones(line, (5, 20), side=side)
    assert bands.is_valid.all() and (bands["area_km2"] > 0).all()
    cuts = None
    if side != "both":  # the line and its continuations (geodesics) cut one-sided zones
        cuts = [g for g in shapely.get_parts(line) if not g.is_empty]
        for xy in gz.geodesy.line_parts(line):
            start = gz.geodesy.inverse(*xy[1], *xy[0])[1]  # arriving at the first vertex
            end = gz.geodesy.inverse(*xy[-2], *xy[-1])[1]
            for (lon, lat), az in ((xy[0], start), (xy[-1], end)):
                far = gz.geodesy.destination(lon, lat, az, 40e3)[:2]
                cuts.append(LineString([(lon, lat), (float(far[0]), float(far[1]))]))
        cuts = shapely.MultiLineString(cuts)
    assert _worst_boundary_error(bands, line, exclude=cuts) <= 1.0


@pytest.mark.parametrize(
    "line,message",
    [
        (_NAN_LINE, "NaN or infinite"),
        (LineString([(35.8, 33.0), (35.9, 91.0)]), "latitude outside ±90"),
    ],
    ids=["nan", "latitude_91"],
)
def test_unusable_lines_give_a_geozones_error(line, message):
    with pytest.raises(GeozonesError, match=message):
        gz.build_zones(line, (5,))


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda: gz.load_territory(["syria"]), r"no territory named \['syria'\]"),
        (lambda: gz.build_zone_set(["x"]), r"no zone set named \['x'\]"),
        (lambda: gz.build_zone_set("alpha_5_20_60", tolerance_m=-1), r"tolerance_m .* not -1"),
        (lambda: gz.save_zones("zones", "out.geojson"), r"zones must be a GeoDataFrame"),
        (lambda: gz.build_zones(ALPHA, [[5, 20]]), r"distances_km must be a flat list"),
        (
            lambda: gz.build_zones(ALPHA, (5,), clip=shapely.box(35, 32, 36, 95)),
            r"clip has .* latitude outside ±90",
        ),
    ],
    ids=["territory_list", "zone_set_list", "zone_set_tolerance", "save_text", "nested", "clip"],
)
def test_other_public_functions_refuse_bad_arguments(call, message):
    with pytest.raises(InputError, match=message):
        call()


def test_save_zones_refuses_a_path_or_layer_of_the_wrong_kind(tmp_path):
    bands = gz.build_zones(ALPHA, (5,))
    with pytest.raises(InputError, match="the output path must be a file name or path, not 5"):
        gz.save_zones(bands, 5)
    with pytest.raises(InputError, match="layer must be a name"):
        gz.save_zones(bands, tmp_path / "z.gpkg", layer=5)


@pytest.mark.parametrize(
    "line",
    [
        LineString([(2.225e-311, 0), (0, 1), (0, 0)]),
        LineString([(1, 1.632e-256), (1, 0), (0, 1)]),
        LineString([(-180, 10), (180, 10), (179.9, 10.1)]),
    ],
    ids=["subnormal_lon", "subnormal_lat", "both_faces_of_180"],
)
@pytest.mark.parametrize("side", ["both", "left"])
def test_vertices_a_hair_apart_give_zones_without_warnings(line, side):
    # GEOS warned (divide by zero, overflow) on these, and warnings are errors here
    zones = gz.build_zones(line, (1,), side=side, tolerance_m=50.0)
    assert zones.is_valid.all()


# One rule for side: a one-sided zone holds exactly the points whose nearest point on the
# line has them on that side (locate_on_line), also where stretches of the line face each
# other (the side then changes off the line, midway between them) and beyond the ends.
_FACING = {
    # two parts running east, 11 km apart: between them, the south half is left of the
    # southern part, the north half right of the northern one
    "parallel_11km": shapely.MultiLineString(
        [[(35.0, 33.0), (36.0, 33.0)], [(35.0, 33.0 + 11 / 111), (36.0, 33.0 + 11 / 111)]]
    ),
    # a spiral whose last leg runs east 11 km north of its first
    "loop_back": LineString(
        [(35.0, 33.0), (36.0, 33.0), (36.0, 33.3), (35.0, 33.3), (35.0, 33.1), (35.8, 33.1)]
    ),
    # parts running north and south side by side, and their end caps
    "opposite_ways": shapely.MultiLineString(
        [[(35.8, 33.0), (35.8, 33.3)], [(35.95, 33.35), (35.95, 32.95)]]
    ),
}


def _wrong_band(line, km, side, *, n=4000, pad=0.3, seed=0):
    """Random points around `line`: how many are clear of every edge, and in the wrong band."""
    zones_ = gz.build_zones(line, km, side=side)
    assert zones_.is_valid.all()
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = line.bounds
    lon, lat = rng.uniform(x0 - pad, x1 + pad, n), rng.uniform(y0 - pad, y1 + pad, n)
    loc = gz.locate_on_line(lon, lat, line)
    limits = np.asarray(km) * 1000.0
    # clear of the line, of each limit and of the midway curves (by 20 m: edges are at 1 m)
    clear = (loc.distance_m > 20) & (np.min(np.abs(loc.distance_m[:, None] - limits), axis=1) > 20)
    for dx, dy in ((2e-4, 0), (-2e-4, 0), (0, 2e-4), (0, -2e-4)):  # ~20 m each way
        clear &= gz.side_of_line(lon + dx, lat + dy, line) == loc.side
    wanted = 1 if side == "left" else -1
    expected = np.where(loc.side == wanted, np.searchsorted(limits, loc.distance_m), len(limits))
    got = np.full(n, len(limits))
    for i, geom in enumerate(zones_.geometry):
        got[shapely.contains_xy(geom, lon, lat)] = i
    return int(clear.sum()), int(((got != expected) & clear).sum())


@pytest.mark.parametrize("name", list(_FACING))
@pytest.mark.parametrize("side", ["left", "right"])
def test_one_sided_zones_follow_the_side_of_the_nearest_point(name, side):
    # before: 64 of 3,985 points (parallel parts) and 28 of 3,982 (loop) in the wrong band
    checked, wrong = _wrong_band(_FACING[name], (5, 20), side)
    assert checked > 3000
    assert wrong == 0


def test_where_two_nearest_points_tie_the_earlier_part_decides_and_the_edge_runs_there():
    # parts along two meridians 0.2° apart, both running north: a point on the meridian
    # between them is exactly as far from both; locate_on_line gives the earlier part,
    # which has it on its right; the one-sided zones are cut along that midway curve
    line = shapely.MultiLineString([[(35.0, 0.0), (35.0, 0.5)], [(35.2, 0.0), (35.2, 0.5)]])
    lat = np.array([0.1, 0.25, 0.4])
    tie = gz.locate_on_line(np.full(3, 35.1), lat, line)
    assert tie.part.tolist() == [0, 0, 0] and tie.side.tolist() == [-1, -1, -1]
    right = gz.build_zones(line, (20,), side="right").geometry.iloc[0]
    left = gz.build_zones(line, (20,), side="left").geometry.iloc[0]
    for la in lat:
        # the midway points lie on the edge between the two sides (within the tolerance)
        for zone in (left, right):
            near = nearest_points(zone.boundary, Point(35.1, la))[0]
            assert gz.geodesy.geodesic_distance(near.x, near.y, 35.1, la) <= 1.0
        # 30 m west: nearer the first part, on its right; 30 m east: left of the second
        assert right.contains(Point(35.1 - 3e-4, la)) and not left.contains(Point(35.1 - 3e-4, la))
        assert left.contains(Point(35.1 + 3e-4, la)) and not right.contains(Point(35.1 + 3e-4, la))


_LONG_SEGMENT = LineString(
    [(43.649201780525715, 42.920333086233356), (25.946745317564705, 48.29179678240841)]
)


def test_a_long_segment_s_narrow_zone_never_crosses_the_line():
    # 1,500 km, 0.1 km zone: a chord of the offset once crossed the line and came back
    # (100 -> 28 -> 68 m along it), passing the check of its middle, which measured an
    # unsigned distance; a point 2.4 m from the line was in no band
    zone = gz.build_zones(_LONG_SEGMENT, (0.1,)).geometry.iloc[0]
    assert zone.is_valid
    xy = shapely.get_coordinates(_LONG_SEGMENT)
    geodesic = LineString(
        zones._densified_geodesics(xy[:1, 0], xy[:1, 1], xy[1:, 0], xy[1:, 1], 0.01)
    )
    assert not zone.boundary.intersects(geodesic)
    az, _, length = gz.geodesy.inverse(*xy[0], *xy[1])
    s = np.linspace(0.0, 1.0, 401) * length
    lon, lat, heading = gz.geodesy.destination(np.full(401, xy[0, 0]), xy[0, 1], az, s)
    for turn in (90.0, -90.0):
        plon, plat, _ = gz.geodesy.destination(lon, lat, heading + turn, 2.4)
        assert shapely.contains_xy(zone, plon, plat).all()
    # and every edge, as drawn, at nine points along it, is within a metre of 100 m
    ring = shapely.get_coordinates(zone.exterior)
    f = np.linspace(0.1, 0.9, 9)[:, None, None]
    along = (ring[:-1] + f * (ring[1:] - ring[:-1])).reshape(-1, 2)
    d = gz.distance_to_line(along[:, 0], along[:, 1], _LONG_SEGMENT)
    assert np.abs(d - 100.0).max() <= 1.0
