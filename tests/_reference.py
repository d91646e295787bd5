"""A slow, independent reference for point-to-line geodesic distances (tests only).

It shares no code with ``geozones.geodesy`` and uses geographiclib, not pyproj. For each
point and each segment (the ellipsoidal geodesic between two consecutive vertices, built with
``Geodesic.WGS84.InverseLine``), it finds the closest point of the segment by one-dimensional
minimisation over the arc length ``s`` in ``[0, L]``:

1. the distance is sampled at ``N_SAMPLES + 1`` evenly spaced ``s`` (both endpoints included)
   and the minimum is bracketed by the neighbours of the best sample;
2. golden-section search narrows that bracket to ``S_TOL`` (1e-7 m) in ``s``;
3. the foot is polished by bisection on the sign of the derivative of the distance. By the
   first variation of arc length, ``d/ds dist(P, X(s)) = -cos(theta)``, where ``theta`` is the
   angle at ``X(s)`` between the segment's direction and the geodesic from ``X(s)`` to ``P``.
   The sign of ``cos(theta)`` is well conditioned where the distance itself is flat, so this
   places the foot (and so ``along``) far more precisely than the golden-section search can.

The distance is the minimum of every value evaluated (vertices, samples, golden-section and
bisection points), so it can only err upwards, and only by the flatness of the minimum
(sub-nanometre). For the geometries in the tests (segments up to ~1,000 km, points within a few
hundred km) the distance along one segment has a single local minimum, which is what makes the
bracketing and the bisection valid; both endpoints are always evaluated as well.

Segments are pruned with a rigorous lower bound from the triangle inequality: for ``X`` on a
segment ``AB`` of length ``L``, ``dist(P, X) >= (dist(P, A) + dist(P, B) - L) / 2``. A segment
is searched only when that bound is below the best distance found so far.

Side: where the foot is inside a segment, the sign of the angle between the segment's direction
and the geodesic to the point (left = +1). Where the foot is a vertex, the two rays of the line
at that vertex (back along the arriving segment, on along the leaving one; at an end of the line
the line's straight continuation) split the directions around it into a left and a right sector.

geographiclib takes ``(lat, lon)``; this module takes and returns ``(lon, lat)`` like geozones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from geographiclib.geodesic import Geodesic

GEOD = Geodesic.WGS84
S_TOL = 1e-7  # metres of arc length: the golden-section stopping width
N_SAMPLES = 8  # intervals of the coarse sampling that brackets the minimum
ON_LINE_M = 1e-6  # side is 0 below this distance
_INV_CAPS = Geodesic.DISTANCE | Geodesic.AZIMUTH
_LINE_CAPS = Geodesic.LATITUDE | Geodesic.LONGITUDE | Geodesic.AZIMUTH | Geodesic.DISTANCE_IN
_POS_MASK = Geodesic.LATITUDE | Geodesic.LONGITUDE | Geodesic.AZIMUTH
_INVPHI = (math.sqrt(5.0) - 1.0) / 2.0


@dataclass
class _Vertex:
    part: int
    along: float
    lon: float
    lat: float
    azi_in: float  # direction of travel arriving at the vertex
    azi_out: float  # direction of travel leaving it


@dataclass
class _Segment:
    part: int
    length: float
    along0: float  # along-line distance of its first vertex
    line: object  # geographiclib GeodesicLine from the first vertex to the second
    start: int  # index of its first vertex in the vertex list
    end: int  # index of its second vertex


@dataclass
class ReferenceLocation:
    """Per-point results of :func:`reference_locate`, arrays shaped like the input."""

    distance_m: np.ndarray
    nearest_lon: np.ndarray
    nearest_lat: np.ndarray
    along_m: np.ndarray
    side: np.ndarray
    part: np.ndarray


def _parts(line) -> list[list[tuple[float, float]]]:
    if line.geom_type == "LineString":
        return [[(float(x), float(y)) for x, y, *_ in line.coords]]
    if line.geom_type == "MultiLineString":
        return [[(float(x), float(y)) for x, y, *_ in g.coords] for g in line.geoms]
    raise TypeError(f"reference needs a LineString or MultiLineString, got {line.geom_type}")


def _prepare(line) -> tuple[list[_Segment], list[_Vertex]]:
    """Non-degenerate segments and all vertices, with along-line positions and directions."""
    segments: list[_Segment] = []
    vertices: list[_Vertex] = []
    along = 0.0
    for ipart, pts in enumerate(_parts(line)):
        lines = []  # (index j of segment pts[j] -> pts[j+1], GeodesicLine), non-degenerate only
        for j in range(len(pts) - 1):
            (lon1, lat1), (lon2, lat2) = pts[j], pts[j + 1]
            gl = GEOD.InverseLine(lat1, lon1, lat2, lon2, _LINE_CAPS)
            if gl.s13 > 0.0:
                lines.append((j, gl))
        if not lines:
            raise ValueError(f"reference: part {ipart} has fewer than two distinct vertices")
        part_start = along
        part_along = []
        for _, gl in lines:
            part_along.append(along)
            along += gl.s13
        first_vertex = len(vertices)
        for k, (lon, lat) in enumerate(pts):
            n_before = sum(1 for j, _ in lines if j < k)  # segments ending at or before vertex k
            prev = lines[n_before - 1][1] if n_before > 0 else None
            nxt = lines[n_before][1] if n_before < len(lines) else None
            prev_azi2 = prev.Position(prev.s13, _POS_MASK)["azi2"] if prev is not None else None
            azi_in = prev_azi2 if prev is not None else nxt.azi1
            azi_out = nxt.azi1 if nxt is not None else prev_azi2
            v_along = part_along[n_before - 1] + prev.s13 if prev is not None else part_start
            vertices.append(_Vertex(ipart, v_along, lon, lat, azi_in, azi_out))
        for (j, gl), a0 in zip(lines, part_along, strict=True):
            segments.append(_Segment(ipart, gl.s13, a0, gl, first_vertex + j, first_vertex + j + 1))
    return segments, vertices


def _wrap180(x: float) -> float:
    return (x + 180.0) % 360.0 - 180.0


def _vertex_side(v: _Vertex, azi_to_point: float) -> int:
    """+1 left, -1 right of the line at a vertex, from the two rays of the line there."""
    back = v.azi_in + 180.0
    right_width = (back - v.azi_out) % 360.0
    return -1 if 0.0 < (azi_to_point - v.azi_out) % 360.0 < right_width else 1


class _Probe:
    """Evaluates the distance from one point to X(s) on one segment, remembering the best."""

    def __init__(self, lon: float, lat: float, seg: _Segment):
        self.lon, self.lat, self.seg = lon, lat, seg
        self.best_d = math.inf

    def __call__(self, s: float) -> tuple[float, float, dict, dict]:
        pos = self.seg.line.Position(s, _POS_MASK)
        inv = GEOD.Inverse(pos["lat2"], pos["lon2"], self.lat, self.lon, _INV_CAPS)
        self.best_d = min(self.best_d, inv["s12"])
        # derivative of the distance with respect to s: -cos(theta)
        slope = -math.cos(math.radians(inv["azi1"] - pos["azi2"]))
        return inv["s12"], slope, pos, inv


def _search_segment(lon: float, lat: float, seg: _Segment):
    """Closest approach of the point to one segment: (distance, s, pos, inv, interior)."""
    probe = _Probe(lon, lat, seg)
    length = seg.length
    grid = [length * k / N_SAMPLES for k in range(N_SAMPLES + 1)]
    grid[-1] = length
    values = [probe(s)[0] for s in grid]
    k = int(np.argmin(values))
    lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, N_SAMPLES)]

    # golden-section search on the distance
    a, b = lo, hi
    c, d = b - _INVPHI * (b - a), a + _INVPHI * (b - a)
    fc, fd = probe(c)[0], probe(d)[0]
    for _ in range(300):
        if b - a <= S_TOL:
            break
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - _INVPHI * (b - a)
            fc = probe(c)[0]
        else:
            a, c, fc = c, d, fd
            d = a + _INVPHI * (b - a)
            fd = probe(d)[0]
    s_golden = 0.5 * (a + b)
    probe(s_golden)

    # bisection on the sign of the derivative, over the sampling bracket
    a, b = lo, hi
    if probe(a)[1] >= 0.0:
        s_foot, interior = a, 0.0 < a
    elif probe(b)[1] <= 0.0:
        s_foot, interior = b, b < length
    else:
        for _ in range(300):
            m = 0.5 * (a + b)
            if m <= a or m >= b or b - a <= 1e-10:
                break
            if probe(m)[1] < 0.0:
                a = m
            else:
                b = m
        s_foot, interior = 0.5 * (a + b), True
    d_foot, _, pos, inv = probe(s_foot)
    if abs(s_foot - s_golden) > 1.0 and d_foot > probe.best_d + 1e-6:  # pragma: no cover
        raise AssertionError(
            f"reference: golden section (s={s_golden}) and derivative bisection (s={s_foot}) "
            "disagree; the distance along this segment is not unimodal"
        )
    interior = interior and 0.0 < s_foot < length
    return probe.best_d, s_foot, pos, inv, interior


def _locate_one(lon: float, lat: float, segments: list[_Segment], vertices: list[_Vertex]):
    vinv = [GEOD.Inverse(v.lat, v.lon, lat, lon, _INV_CAPS) for v in vertices]
    iv = int(np.argmin([r["s12"] for r in vinv]))
    v = vertices[iv]
    best = {
        "d": vinv[iv]["s12"],
        "lon": v.lon,
        "lat": v.lat,
        "along": v.along,
        "side": _vertex_side(v, vinv[iv]["azi1"]),
        "part": v.part,
    }
    bounds = [
        (0.5 * (vinv[sg.start]["s12"] + vinv[sg.end]["s12"] - sg.length), i)
        for i, sg in enumerate(segments)
    ]
    for lower, i in sorted(bounds):
        if lower >= best["d"]:
            break
        sg = segments[i]
        d, s_foot, pos, inv, interior = _search_segment(lon, lat, sg)
        if d >= best["d"]:
            continue
        if interior:
            delta = _wrap180(inv["azi1"] - pos["azi2"])
            best = {
                "d": d,
                "lon": pos["lon2"],
                "lat": pos["lat2"],
                "along": sg.along0 + s_foot,
                "side": 1 if delta < 0.0 else -1,
                "part": sg.part,
            }
        else:  # the closest approach is an end of the segment: a vertex, already evaluated
            best["d"] = min(best["d"], d)
    if best["d"] < ON_LINE_M:
        best["side"] = 0
    return best


def reference_locate(lon, lat, line) -> ReferenceLocation:
    """Distance, nearest point, along-line distance, side and part for each point."""
    lon_a, lat_a = np.broadcast_arrays(np.asarray(lon, float), np.asarray(lat, float))
    shape = lon_a.shape
    segments, vertices = _prepare(line)
    n = lon_a.size
    out = {
        "d": np.full(n, np.nan),
        "lon": np.full(n, np.nan),
        "lat": np.full(n, np.nan),
        "along": np.full(n, np.nan),
        "side": np.zeros(n, dtype=np.int8),
        "part": np.full(n, -1, dtype=np.int64),
    }
    for i, (x, y) in enumerate(zip(lon_a.ravel(), lat_a.ravel(), strict=True)):
        if not (math.isfinite(x) and math.isfinite(y)):
            continue
        r = _locate_one(float(x), float(y), segments, vertices)
        for key, value in r.items():
            out[key][i] = value
    return ReferenceLocation(
        distance_m=out["d"].reshape(shape),
        nearest_lon=out["lon"].reshape(shape),
        nearest_lat=out["lat"].reshape(shape),
        along_m=out["along"].reshape(shape),
        side=out["side"].reshape(shape),
        part=out["part"].reshape(shape),
    )


def reference_distance(lon, lat, line) -> np.ndarray:
    """Geodesic distance in metres from each point to the line (NaN for NaN input)."""
    return reference_locate(lon, lat, line).distance_m


# --------------------------------------------------------------------------------------
# A vectorised reference for world-scale tests (tests/test_world.py, bench/world.py)
# --------------------------------------------------------------------------------------
#
# The functions above evaluate one point at a time with geographiclib in Python: exact, but
# a few milliseconds per point and segment, and written for segments up to ~1,000 km. The
# world tests need thousands of points per line, lines over the poles, segments of several
# thousand kilometres and points up to ~10,000 km away. `reference_world_locate` answers
# the same questions with the same method, vectorised over the points with pyproj's `Geod`
# (the C version of Karney's GeographicLib): for each segment, the distance is sampled at
# evenly spaced arc lengths, and the foot is found by bisection on the sign of the
# derivative of the distance, ``-cos(theta)``, in the bracket of the best sample. It still
# shares no code with ``geozones.geodesy`` (which has its own foot-point search, pruning
# and pieces); only the geodesic primitives (direct and inverse problems) are common.
#
# Why the bracket holds the minimum: on a sphere, the distance from a point to the points
# of a great-circle arc shorter than half a circle has at most one interior local minimum,
# and where it has one it has no interior maximum (it is unimodal); otherwise its minimum
# is an end. So the best sample is a neighbour of the interior minimum when there is one,
# and the ends (the vertices) are always evaluated exactly. On the ellipsoid this holds for
# segments well short of half the globe (keep them under ~15,000 km).
#
# Besides distance and side it reports, for tests of one-sided zones, how far each point
# is from a change of side: the line itself (``distance_m``), the nearest piece of the line
# that puts it on the other side (``other_side_m``: where the two distances tie, the side
# changes), and, when its nearest point is an end of a part, the end's straight
# continuation (``end_ray_m``), across which the side beyond the end changes.

WORLD_SAMPLES = 32  # samples per segment at least (more on long segments: one per 200 km)
WORLD_S_TOL = 1e-4  # metres of arc length: the bisection's stopping width


def _world_geod():
    import pyproj  # the reference above needs only geographiclib; this part needs pyproj

    return pyproj.Geod(ellps="WGS84")


@dataclass
class WorldLocation:
    """Per-point results of :func:`reference_world_locate` (1-D arrays)."""

    distance_m: np.ndarray  # distance to the line
    side: np.ndarray  # +1 left, -1 right, 0 on the line (the side of the nearest point)
    other_side_m: np.ndarray  # distance to the nearest piece on the other side (inf: none
    #                           within ``tie_m`` of ``distance_m``; exact below that)
    end_ray_m: np.ndarray  # distance to the continuation of the end that is nearest (inf
    #                        where the nearest point is not an end of a part)
    nearest_vertex: np.ndarray  # index of the nearest vertex when that is the nearest point
    #                             (over all parts, in order), else -1

    @property
    def side_margin_m(self) -> np.ndarray:
        """How far each point is at least from a change of side (a lower bound, metres).

        Moving a point by x changes two distances by at most x each, so a point whose
        nearest piece on the other side is ``other_side_m - distance_m`` further than its
        nearest piece is at least half that from where they tie.
        """
        return np.minimum.reduce(
            [self.distance_m, 0.5 * (self.other_side_m - self.distance_m), self.end_ray_m]
        )


def _world_parts(line) -> list[np.ndarray]:
    """Each part's vertices (lon, lat), consecutive repeats dropped."""
    out = []
    for pts in _parts(line):
        xy = np.array(pts, dtype=float)
        keep = np.r_[True, np.any(xy[1:] != xy[:-1], axis=1)]
        xy = xy[keep]
        if len(xy) < 2:
            raise ValueError("reference: a part has fewer than two distinct vertices")
        out.append(xy)
    return out


def _flat(*arrays):
    """The arguments broadcast together: their shape, and each as a contiguous float vector."""
    b = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in arrays))
    return b[0].shape, [np.ascontiguousarray(a.ravel()) for a in b]


def _inv(geod, lon1, lat1, lon2, lat2):
    shape, flat = _flat(lon1, lat1, lon2, lat2)
    # one-element arrays go as floats: pyproj's scalar path would convert them itself, which
    # NumPy < 2.4 warns of (an error in the suite, seen on Python 3.10)
    az12, az21, d = geod.inv(*(a.item() for a in flat)) if flat[0].size == 1 else geod.inv(*flat)
    return np.reshape(az12, shape), np.reshape(az21, shape), np.reshape(d, shape)


def _fwd(geod, lon, lat, az, s):
    shape, flat = _flat(lon, lat, az, s)
    x, y, back = geod.fwd(*(a.item() for a in flat)) if flat[0].size == 1 else geod.fwd(*flat)
    return np.reshape(x, shape), np.reshape(y, shape), np.reshape(back, shape)


def reference_geodesic_search(geod, plon, plat, lon1, lat1, azi1, length_m):
    """The closest approach of each point to one geodesic segment, vectorised.

    The segment starts at (lon1, lat1) with azimuth `azi1` and is `length_m` long. Returns
    ``(distance, s_foot, interior, side)``: the distance (the smallest of all evaluated),
    the foot's arc length, whether the foot is inside the segment (not an end) and the side
    of the point there (+1 left, -1 right; meaningful where `interior`).
    """
    n = len(plon)
    k = max(WORLD_SAMPLES, math.ceil(length_m / 200_000.0))
    s = length_m * np.arange(k + 1) / k
    s[-1] = length_m
    xlon, xlat, _ = _fwd(geod, lon1, lat1, azi1, s)
    _, _, d = _inv(geod, xlon[None, :], xlat[None, :], plon[:, None], plat[:, None])
    best = d.min(axis=1)
    j = np.argmin(d, axis=1)
    a = s[np.maximum(j - 1, 0)]
    b = s[np.minimum(j + 1, k)]

    def probe(at):
        x, y, back = _fwd(geod, lon1, lat1, azi1, at)
        az_to_p, _, dist = _inv(geod, x, y, plon, plat)
        travel = back + 180.0
        return dist, -np.cos(np.radians(az_to_p - travel)), az_to_p - travel

    da, slope_a, _ = probe(a)
    db, slope_b, _ = probe(b)
    best = np.minimum(best, np.minimum(da, db))
    at_start = (a == 0.0) & (slope_a >= 0.0)
    at_end = (b == length_m) & (slope_b <= 0.0)
    steps = max(1, math.ceil(math.log2(max(2.0 * length_m / k, WORLD_S_TOL) / WORLD_S_TOL)))
    for _ in range(steps + 2):
        m = 0.5 * (a + b)
        dm, slope_m, _ = probe(m)
        best = np.minimum(best, dm)
        down = slope_m < 0.0
        a = np.where(down, m, a)
        b = np.where(down, b, m)
    foot = np.where(at_start, 0.0, np.where(at_end, length_m, 0.5 * (a + b)))
    dm, _, delta = probe(foot)
    best = np.minimum(best, dm)
    interior = ~at_start & ~at_end & (foot > 0.0) & (foot < length_m)
    delta = (delta + 180.0) % 360.0 - 180.0
    side = np.where(delta < 0.0, 1, -1).astype(np.int8)
    assert best.shape == (n,)
    return best, foot, interior, side


def reference_world_locate(lon, lat, line, *, ray_m: float = 0.0, tie_m: float = 100.0):
    """Distance, side and the margins of the side for each point (see the notes above).

    `ray_m`: how far each end's continuation is followed for ``end_ray_m`` (0: not at all,
    ``end_ray_m`` is then inf); give at least the largest distance of interest, at most
    ~15,000 km. `tie_m`: ``other_side_m`` is exact where it is within this of the distance.
    """
    geod = _world_geod()
    plon = np.asarray(lon, dtype=float).ravel()
    plat = np.asarray(lat, dtype=float).ravel()
    n = plon.size
    parts = _world_parts(line)
    # vertices, with directions of travel arriving and leaving (ends: the line continued)
    vx, vy, v_in, v_out, v_end = [], [], [], [], []
    segs = []  # (first vertex index, lon1, lat1, azi1, length)
    for xy in parts:
        az12, az21, length = _inv(geod, xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1])
        arrive = az21 + 180.0  # direction of travel at each segment's second vertex
        first = len(vx)
        m = len(xy)
        for i in range(m):
            vx.append(xy[i, 0])
            vy.append(xy[i, 1])
            v_in.append(arrive[i - 1] if i > 0 else az12[0])
            v_out.append(az12[i] if i < m - 1 else arrive[m - 2])
            v_end.append(-1 if i == 0 else (1 if i == m - 1 else 0))
        for i in range(m - 1):
            segs.append((first + i, xy[i, 0], xy[i, 1], az12[i], length[i]))
    vx, vy, v_in, v_out = map(np.asarray, (vx, vy, v_in, v_out))
    v_end = np.asarray(v_end)

    # every vertex is a piece: distance, and side by the two rays of the line there
    az_vp, _, d_v = _inv(geod, vx[:, None], vy[:, None], plon[None, :], plat[None, :])
    back = v_in[:, None] + 180.0
    right_width = (back - v_out[:, None]) % 360.0
    rel = (az_vp - v_out[:, None]) % 360.0
    side_v = np.where((rel > 0.0) & (rel < right_width), -1, 1).astype(np.int8)
    cand_d = [d_v[i] for i in range(len(vx))]
    cand_side = [side_v[i] for i in range(len(vx))]
    cand_vertex = list(range(len(vx)))
    best = d_v.min(axis=0)
    # every segment's inside, where it can come within tie_m of the best so far
    for start, lon1, lat1, azi1, length in segs:
        lower = 0.5 * (d_v[start] + d_v[start + 1] - length)
        todo = np.flatnonzero(lower < best + tie_m)
        d_s = np.full(n, np.inf)
        side_s = np.zeros(n, dtype=np.int8)
        if todo.size:
            dist, _, interior, side = reference_geodesic_search(
                geod, plon[todo], plat[todo], lon1, lat1, azi1, length
            )
            d_s[todo] = np.where(interior, dist, np.inf)
            side_s[todo] = side
            best = np.minimum(best, d_s)
        cand_d.append(d_s)
        cand_side.append(side_s)
        cand_vertex.append(-1)
    d_all = np.vstack(cand_d)
    s_all = np.vstack(cand_side)
    pick = np.argmin(d_all, axis=0)  # ties: the first (vertices before insides; rare)
    idx = np.arange(n)
    distance = d_all[pick, idx]
    side = s_all[pick, idx]
    other = np.where(s_all != side[None, :], d_all, np.inf).min(axis=0)
    nearest_vertex = np.asarray(cand_vertex)[pick]
    end_ray = np.full(n, np.inf)
    if ray_m > 0.0:
        for v in np.flatnonzero(v_end != 0):
            mine = np.flatnonzero(nearest_vertex == v)
            if mine.size:
                az = v_out[v] if v_end[v] == 1 else v_in[v] + 180.0
                dist, _, _, _ = reference_geodesic_search(
                    geod, plon[mine], plat[mine], vx[v], vy[v], az, ray_m
                )
                end_ray[mine] = dist
    side = np.where(distance < ON_LINE_M, 0, side).astype(np.int8)
    return WorldLocation(
        distance_m=distance,
        side=side,
        other_side_m=other,
        end_ray_m=end_ray,
        nearest_vertex=np.where(pick < len(vx), nearest_vertex, -1),
    )


# --------------------------------------------------------------------------------------
# Random points for world tests: exact constructions, independent of geozones
# --------------------------------------------------------------------------------------
#
# These only place points (with pyproj's Geod); they do not say how far a point is from the
# line: a normal's length is that distance only where its foot is the nearest point, so the
# tests measure every point with `reference_world_locate`.

_WGS84_E2 = Geodesic.WGS84.f * (2.0 - Geodesic.WGS84.f)
#: the area of the WGS84 ellipsoid, m²
EARTH_AREA_M2 = (
    2.0
    * math.pi
    * Geodesic.WGS84.a**2
    * (1.0 + (1.0 - _WGS84_E2) / math.sqrt(_WGS84_E2) * math.atanh(math.sqrt(_WGS84_E2)))
)


def reference_walk(lon, lat, azimuth, distance_m):
    """The points `distance_m` from (lon, lat) along `azimuth` (Geod.fwd), as arrays."""
    x, y, _ = _fwd(_world_geod(), lon, lat, azimuth, distance_m)
    return x, y


def _reference_distances(rng, n: int, limits_m, reach_m: float, tolerance_m: float):
    """Half uniform in [0, reach_m], half close to a random one of `limits_m`."""
    limits_m = np.asarray(limits_m, dtype=float)
    d = rng.uniform(0.0, reach_m, n)
    near = rng.random(n) < 0.5
    limit = limits_m[rng.integers(0, len(limits_m), n)]
    spread = np.maximum(0.03 * limit, 20.0 * tolerance_m)
    d[near] = np.abs(limit[near] + rng.uniform(-1.0, 1.0, n)[near] * spread[near])
    return d


def reference_points_near(
    line,
    limits_m,
    rng,
    n: int,
    *,
    reach: float = 1.15,
    tolerance_m: float = 1.0,
    end_share: float = 0.15,
):
    """`n` points near `line`: on random normals of random points of it, and round its ends.

    A point's normal length (or its distance from an end) is uniform up to `reach` times the
    largest of `limits_m` for half the points, and within 3 % (at least 20 tolerances) of a
    random limit for the other half. Returns (lon, lat), longitudes in [-180, 180).
    """
    geod = _world_geod()
    limits_m = np.asarray(limits_m, dtype=float)
    reach_m = reach * float(limits_m.max())
    segs, ends = [], []
    for xy in _world_parts(line):
        az12, az21, length = _inv(geod, xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1])
        segs += [(xy[i, 0], xy[i, 1], az12[i], length[i]) for i in range(len(xy) - 1)]
        ends += [(xy[0, 0], xy[0, 1]), (xy[-1, 0], xy[-1, 1])]
    segs_a, ends_a = np.array(segs), np.array(ends)
    n_end = round(end_share * n)
    n_side = n - n_end
    k = rng.choice(len(segs_a), n_side, p=segs_a[:, 3] / segs_a[:, 3].sum())
    s = rng.uniform(0.0, 1.0, n_side) * segs_a[k, 3]
    flon, flat, back = _fwd(geod, segs_a[k, 0], segs_a[k, 1], segs_a[k, 2], s)
    normal = back + 180.0 + np.where(rng.random(n_side) < 0.5, 90.0, -90.0)
    d1 = _reference_distances(rng, n_side, limits_m, reach_m, tolerance_m)
    lon1, lat1, _ = _fwd(geod, flon, flat, normal, d1)
    e = ends_a[rng.integers(0, len(ends_a), n_end)]
    d2 = _reference_distances(rng, n_end, limits_m, reach_m, tolerance_m)
    lon2, lat2, _ = _fwd(geod, e[:, 0], e[:, 1], rng.uniform(-180.0, 180.0, n_end), d2)
    lon = np.r_[lon1, lon2]
    return (lon + 180.0) % 360.0 - 180.0, np.r_[lat1, lat2]


def reference_uniform_points(rng, n: int, cap=None):
    """`n` points uniform by area on the ellipsoid, in a cap (lon, lat, radius_m) or anywhere.

    Latitudes are drawn uniform on the sphere and kept with probability the ratio of the
    ellipsoid's area element to the sphere's, ``((1 - e²) / (1 - e² sin² φ))²``.
    """
    geod = _world_geod()
    out_lon, out_lat, got = [], [], 0
    while got < n:
        m = 4 * (n - got) + 64
        lat = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, m)))
        weight = ((1.0 - _WGS84_E2) / (1.0 - _WGS84_E2 * np.sin(np.radians(lat)) ** 2)) ** 2
        lat = lat[rng.random(m) < weight]
        lon = rng.uniform(-180.0, 180.0, lat.size)
        if cap is not None:
            _, _, d = _inv(geod, cap[0], cap[1], lon, lat)
            lon, lat = lon[d <= cap[2]], lat[d <= cap[2]]
        out_lon.append(lon)
        out_lat.append(lat)
        got += lon.size
    return np.concatenate(out_lon)[:n], np.concatenate(out_lat)[:n]


def reference_cap_area_m2(cap=None) -> float:
    """The area of a geodesic cap (lon, lat, radius_m) on the ellipsoid, or of the Earth.

    From the geodesic polygon of 7,200 points of its edge (Geod.polygon_area_perimeter);
    caps up to about a hemisphere.
    """
    if cap is None:
        return EARTH_AREA_M2
    lon, lat = reference_walk(cap[0], cap[1], np.linspace(0.0, 360.0, 7200, endpoint=False), cap[2])
    area, _ = _world_geod().polygon_area_perimeter(lon, lat)
    return abs(float(area))
