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
