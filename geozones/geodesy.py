"""Exact geodesic distances from points to lines on the WGS84 ellipsoid.

This is the only geozones module that talks to pyproj. Every segment of a line is the
ellipsoidal geodesic between its two vertices, and the distance from a point to a line is
the minimum over its segments of the shortest geodesic from the point to the segment.

How it works
------------
1. **Prepare the line.** Repeated vertices are dropped, and every geodesic segment longer
   than ``PIECE_MAX_M`` is cut into equal geodesic pieces (points *on* the geodesic, so the
   pieces are the same curve). Each piece keeps its chord in Earth-centred (ECEF) space and
   the largest gap between the chord and the curve (its sagitta).
2. **Prefilter in 3-D.** Chord distances in ECEF space are nearly isotropic stand-ins for
   geodesic distances: a geodesic's curvature never exceeds 1/M_min, so a chord ``c`` is at
   least ``(2/κ)·sin(κ·G/2)`` of the geodesic ``G`` it spans. Consecutive pieces are grouped
   in blocks whose chord and width bound every piece in them; blocks, then pieces, are kept
   only where these rigorous bounds say they might hold the nearest point.
3. **Refine exactly.** For each surviving (point, piece) pair, pyproj's ``Geod.fwd`` puts a
   trial foot point on the geodesic and ``Geod.inv`` measures to the point. A right-angle
   step (spherical trigonometry, only ever applied to the tiny along-track residual) moves the
   foot to where the geodesic to the point meets the line at 90°. The step is repeated until
   what it changes is below a micrometre-level threshold, so the result is the exact
   geodesic distance up to pyproj's own (nanometre) accuracy.

All of it is vectorised over points with numpy, in chunks of ``CHUNK_SIZE`` points so memory
stays bounded; Python loops run only over blocks and iterations, never over points.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pyproj
import shapely
from numpy.typing import ArrayLike, NDArray

from geozones.errors import InputError

__all__ = [
    "WGS84",
    "LineLocation",
    "destination",
    "distance_to_line",
    "drawn_area_m2",
    "geodesic_area_m2",
    "geodesic_distance",
    "inverse",
    "line_parts",
    "MEAN_RADIUS_M",
    "local_plane",
    "local_plane_centre",
    "local_plane_error",
    "locate_on_line",
    "segment_distance",
    "side_of_line",
]

#: The WGS84 ellipsoid as a pyproj Geod; every geodesic in geozones is computed on it.
WGS84 = pyproj.Geod(ellps="WGS84")

_A = WGS84.a  # equatorial radius, metres
_E2 = WGS84.es  # first eccentricity squared
_M_MIN = _A * (1.0 - _E2)  # smallest radius of curvature on the ellipsoid (meridian, equator)
_KAPPA = 1.0 / _M_MIN  # largest curvature a geodesic can have, as a space curve
#: The mean Earth radius (IUGG), for spherical estimates: right-angle steps on tiny residuals
#: and error bounds, never for a result.
MEAN_RADIUS_M = 6371008.8
_R_MEAN = MEAN_RADIUS_M

#: Geodesic segments longer than this are cut into equal pieces for the prefilter (metres).
PIECE_MAX_M = 10_000.0
#: Points processed at once; bounds memory at roughly 200 bytes × CHUNK_SIZE × blocks.
CHUNK_SIZE = 131_072
#: A foot point is final when the right-angle step would change the distance by less.
_DONE_M = 1e-6
_MAX_STEPS = 30
_RAD = np.pi / 180.0


class LineLocation(NamedTuple):
    """Where each point's nearest point on a line is, and how far.

    Attributes
    ----------
    distance_m
        Geodesic distance from the point to the line, in metres (NaN for NaN input).
    nearest_lon, nearest_lat
        The nearest point on the line, in degrees (longitude within ±180).
    along_m
        Geodesic distance along the line from its first vertex to the nearest point, in
        metres; over a MultiLineString it runs through the parts in order.
    side
        +1 where the point is left of the line's direction, -1 right, 0 on the line (closer
        than 1 µm) or for NaN input. Beyond a line's end, the side of the end's direction.
    part
        Index of the part of a MultiLineString that holds the nearest point; -1 for NaN input.
    """

    distance_m: NDArray[np.float64]
    nearest_lon: NDArray[np.float64]
    nearest_lat: NDArray[np.float64]
    along_m: NDArray[np.float64]
    side: NDArray[np.int8]
    part: NDArray[np.int64]


def distance_to_line(
    lon: ArrayLike, lat: ArrayLike, line: shapely.Geometry, *, threads: int | None = None
) -> NDArray:
    """Return the exact geodesic distance on WGS84 from each point to `line`, in metres.

    Parameters
    ----------
    lon, lat
        Point coordinates in degrees, array-likes of one shape (or scalars). NaN gives NaN.
    line
        A shapely LineString or MultiLineString in longitude/latitude degrees. Each segment
        is the ellipsoidal geodesic between its vertices; repeated vertices are ignored.
    threads
        How many threads share large inputs (chunks of ``CHUNK_SIZE`` points); by default
        one per core, up to 8. The result does not depend on it.

    Returns
    -------
    numpy.ndarray
        float64 metres, of the shape of `lon`.

    Raises
    ------
    InputError
        A latitude outside ±90 or an infinite coordinate (the message names the first bad
        index), `lon` and `lat` of different shapes, or a line that is empty, not a line or
        has fewer than 2 distinct vertices.

    Examples
    --------
    >>> from shapely import LineString
    >>> meridian = LineString([(35.8, 33.0), (35.8, 33.2)])
    >>> d = distance_to_line([35.9, 35.8], [33.1, 33.1], meridian)
    >>> [round(float(x), 3) for x in d]
    [9334.764, 0.0]
    """
    return _solve(lon, lat, line, locate=False, threads=threads).distance_m


def locate_on_line(
    lon: ArrayLike,
    lat: ArrayLike,
    line: shapely.Geometry,
    *,
    nearest_point: bool = True,
    threads: int | None = None,
) -> LineLocation:
    """Return distance, nearest point, distance along and side of `line` for each point.

    Parameters
    ----------
    lon, lat
        Point coordinates in degrees, array-likes of one shape (or scalars).
    line
        A shapely LineString or MultiLineString in longitude/latitude degrees.
    nearest_point
        Compute ``nearest_lon`` / ``nearest_lat`` (NaN when False, which saves a geodesic
        per point).
    threads
        As for :func:`distance_to_line`.

    Returns
    -------
    LineLocation
        Arrays of the shape of `lon`: ``distance_m``, ``nearest_lon``, ``nearest_lat``,
        ``along_m``, ``side`` (+1 left, -1 right, 0 on the line) and ``part``.

    Examples
    --------
    >>> from shapely import LineString
    >>> northward = LineString([(35.8, 33.0), (35.8, 33.2)])
    >>> loc = locate_on_line([35.7, 35.9], [33.1, 33.1], northward)
    >>> loc.side.tolist(), [round(float(a)) for a in loc.along_m]
    ([1, -1], [11095, 11095])
    """
    return _solve(lon, lat, line, locate=True, threads=threads, nearest_point=nearest_point)


def side_of_line(
    lon: ArrayLike, lat: ArrayLike, line: shapely.Geometry, *, threads: int | None = None
) -> NDArray[np.int8]:
    """Return +1 for points left of `line`'s direction, -1 for right, 0 on the line.

    Examples
    --------
    >>> from shapely import LineString
    >>> side_of_line(35.7, 33.1, LineString([(35.8, 33.0), (35.8, 33.2)])).tolist()
    1
    """
    return _solve(lon, lat, line, locate=True, threads=threads, nearest_point=False).side


def geodesic_distance(lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike):
    """Return the geodesic distance on WGS84 between two sets of points, in metres.

    Examples
    --------
    >>> round(float(geodesic_distance(35.8, 33.0, 35.8, 33.1)), 3)
    11090.535
    """
    lon1, lat1, lon2, lat2 = np.broadcast_arrays(
        *(np.asarray(a, float) for a in (lon1, lat1, lon2, lat2))
    )
    return WGS84.inv(lon1, lat1, lon2, lat2)[2]


def segment_distance(
    lon: ArrayLike,
    lat: ArrayLike,
    lon0: ArrayLike,
    lat0: ArrayLike,
    lon1: ArrayLike,
    lat1: ArrayLike,
    *,
    start_m: ArrayLike | None = None,
) -> NDArray:
    """Return the exact distance from each point to its own geodesic segment, in metres.

    Point ``i`` is measured to the segment from ``(lon0[i], lat0[i])`` to
    ``(lon1[i], lat1[i])``; all arguments broadcast together. `start_m`, a guess of how
    far along each segment the nearest point is, only saves work.

    Examples
    --------
    >>> round(float(segment_distance(35.9, 33.1, 35.8, 33.0, 35.8, 33.2)), 3)
    9334.764
    """
    arrays = np.broadcast_arrays(
        *(np.asarray(a, float) for a in (lon, lat, lon0, lat0, lon1, lat1))
    )
    shape = arrays[0].shape
    lon, lat, lon0, lat0, lon1, lat1 = (a.ravel() for a in arrays)
    seg = _Segments.between(lon0, lat0, lon1, lat1)
    if start_m is None:
        start = seg.length_m / 2.0
    else:
        start = np.broadcast_to(np.asarray(start_m, float), shape).ravel().copy()
    dist, _, _ = _refine(lon, lat, seg, start)
    return dist.reshape(shape)


def destination(
    lon: ArrayLike, lat: ArrayLike, azimuth_deg: ArrayLike, distance_m: ArrayLike
) -> tuple[NDArray, NDArray, NDArray]:
    """Walk the geodesic from each point; return lon, lat and travel azimuth at its end.

    Examples
    --------
    >>> lon, lat, az = destination(35.8, 33.0, 0.0, 11090.535)
    >>> round(float(lon), 6), round(float(lat), 6), round(float(az), 6)
    (35.8, 33.1, 0.0)
    """
    arrays = np.broadcast_arrays(
        *(np.asarray(a, float) for a in (lon, lat, azimuth_deg, distance_m))
    )
    shape = arrays[0].shape
    lon2, lat2, back = WGS84.fwd(*(a.ravel() for a in arrays))
    heading = (back + 360.0) % 360.0 - 180.0
    return lon2.reshape(shape), lat2.reshape(shape), heading.reshape(shape)


def inverse(
    lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike
) -> tuple[NDArray, NDArray, NDArray]:
    """Return the azimuth at the start, the travel azimuth at the end and the distance (m).

    Examples
    --------
    >>> az1, az2, d = inverse(35.8, 33.0, 35.8, 33.1)
    >>> float(az1), float(az2), round(float(d), 3)
    (0.0, 0.0, 11090.535)
    """
    arrays = np.broadcast_arrays(*(np.asarray(a, float) for a in (lon1, lat1, lon2, lat2)))
    shape = arrays[0].shape
    az1, back2, dist = WGS84.inv(*(a.ravel() for a in arrays))
    az2 = (back2 + 360.0) % 360.0 - 180.0
    return az1.reshape(shape), az2.reshape(shape), dist.reshape(shape)


def local_plane(
    lon: ArrayLike, lat: ArrayLike, lon0: float, lat0: float
) -> tuple[NDArray, NDArray]:
    """Map points to an approximate azimuthal equidistant plane centred on (lon0, lat0).

    A sphere's azimuthal equidistant projection, scaled by the ellipsoid's radii of
    curvature at the centre (east by N, north by M), in metres with x east. It is an
    approximation for quick geometric tests, never for a result: a planar distance differs
    from the geodesic distance by at most :func:`local_plane_error` of it.

    Examples
    --------
    >>> x, y = local_plane([35.8, 35.8], [33.0, 33.1], 35.8, 33.0)
    >>> round(float(y[1] - y[0]), 1)  # the geodesic is 11090.535 m
    11090.4
    """
    lam = np.radians(np.asarray(lon, float) - lon0)
    phi = np.radians(np.asarray(lat, float))
    phi0 = np.radians(lat0)
    s0 = np.sin(phi0)
    w = 1.0 - _E2 * s0 * s0
    n_radius, m_radius = _A / np.sqrt(w), _A * (1.0 - _E2) / w**1.5
    cos_c = np.clip(s0 * np.sin(phi) + np.cos(phi0) * np.cos(phi) * np.cos(lam), -1.0, 1.0)
    c = np.arccos(cos_c)
    sin_c = np.sin(c)
    k = np.ones_like(c)
    far = c > 1e-9
    k[far] = c[far] / sin_c[far]
    x = n_radius * k * np.cos(phi) * np.sin(lam)
    y = m_radius * k * (np.cos(phi0) * np.sin(phi) - s0 * np.cos(phi) * np.cos(lam))
    return x, y


def local_plane_centre(lon: ArrayLike, lat: ArrayLike) -> tuple[float, float]:
    """Return the lon/lat of the points' mean direction from the Earth's centre.

    A centre for :func:`local_plane` that works across the antimeridian (its latitude is
    geocentric, near enough for a plane's centre).

    Examples
    --------
    >>> [round(v, 6) for v in local_plane_centre([179.0, -179.0], [10.0, 10.0])]
    [180.0, 9.935877]
    """
    p = _ecef(np.asarray(lon, float), np.asarray(lat, float)).mean(axis=0)
    return float(np.degrees(np.arctan2(p[1], p[0]))), float(
        np.degrees(np.arctan2(p[2], np.hypot(p[0], p[1])))
    )


def local_plane_error(extent_m: float) -> float:
    """Bound the relative distance error of :func:`local_plane` within `extent_m` of its centre.

    The bound is ``0.25 (ρ/R)² + 2 e² ρ/R + 1e-5`` for points within ρ of the centre, about
    twice what ``tests/test_geodesy.py`` measures at latitudes 0–89° up to 1,500 km.

    Examples
    --------
    >>> f"{local_plane_error(150_000.0):.1e}"
    '4.6e-04'
    """
    rho = extent_m / _R_MEAN
    return 0.25 * rho * rho + 2.0 * _E2 * rho + 1e-5


def geodesic_area_m2(geometry: shapely.Geometry) -> float:
    """Return the area of a lon/lat (Multi)Polygon on the WGS84 ellipsoid, in m².

    Examples
    --------
    >>> from shapely import box
    >>> round(geodesic_area_m2(box(35.0, 33.0, 35.1, 33.1)) / 1e6, 3)
    103.586
    """
    return _ring_sum(geometry, lambda xy: WGS84.polygon_area_perimeter(xy[:, 0], xy[:, 1])[0])


def drawn_area_m2(geometry: shapely.Geometry) -> float:
    """Return the area on the WGS84 ellipsoid of a lon/lat (Multi)Polygon as drawn, in m².

    Edges are taken as drawn (straight in lon/lat, as GeoJSON and Leaflet draw them): the
    area is integrated exactly in longitude and authalic ``q(latitude)``, an equal-area map
    of the ellipsoid, with edges as trapezoids there. For densely drawn polygons, such as
    zones, it agrees with :func:`geodesic_area_m2` to better than a millionth, in a small
    fraction of its time.

    Examples
    --------
    >>> from shapely import box, segmentize
    >>> square = segmentize(box(35.0, 33.0, 35.1, 33.1), 0.001)
    >>> abs(drawn_area_m2(square) / geodesic_area_m2(square) - 1) < 1e-6
    True
    """

    def trapezoids(xy: NDArray) -> float:
        lam = np.radians(xy[:, 0])
        q = _authalic_q(np.radians(xy[:, 1]))
        return 0.5 * _A * _A * 0.5 * np.sum((lam[1:] - lam[:-1]) * (q[1:] + q[:-1]))

    return float(_ring_sum(geometry, trapezoids))


def _ring_sum(geometry: shapely.Geometry | None, ring_area) -> float:
    """Sum ``|ring_area(xy)|`` over the polygons' shells, minus that over their holes."""
    if geometry is None or geometry.is_empty:
        return 0.0
    total = 0.0
    for polygon in shapely.get_parts(geometry):
        if polygon.geom_type != "Polygon":
            continue
        for k, ring in enumerate(shapely.get_rings(polygon)):
            area = abs(ring_area(shapely.get_coordinates(ring)))
            total += area if k == 0 else -area
    return total


def _authalic_q(phi: NDArray) -> NDArray:
    """``q(φ)``: (a²/2)·q(φ)·Δλ is the area between the equator and latitude φ."""
    e = np.sqrt(_E2)
    s = np.sin(phi)
    return (1.0 - _E2) * (s / (1.0 - _E2 * s * s) - np.log((1.0 - e * s) / (1.0 + e * s)) / (2 * e))


# --------------------------------------------------------------------------------------
# The prepared line
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pieces:
    """A line cut into short geodesic pieces, with what the prefilter and refinement need."""

    lon0: NDArray  # piece start, degrees
    lat0: NDArray
    az0: NDArray  # forward azimuth at the start, degrees
    lon1: NDArray  # piece end
    lat1: NDArray
    az1: NDArray  # forward azimuth at the end (the direction of travel there), degrees
    length_m: NDArray  # geodesic length
    along0_m: NDArray  # distance along the line (all parts) to the piece's start
    part: NDArray  # part index
    start_az_in: NDArray  # travel azimuth arriving at the start vertex (NaN at a part's start)
    end_az_out: NDArray  # travel azimuth leaving the end vertex (NaN at a part's end)
    a: NDArray  # (m, 3) chord start, ECEF relative to origin
    u: NDArray  # (m, 3) unit chord direction (zeros for a point-like part)
    chord_m: NDArray  # chord length
    sag_m: NDArray  # largest gap between chord and geodesic
    origin: NDArray  # (3,) ECEF origin subtracted from every coordinate
    blocks: tuple[tuple[int, int], ...]  # [start, stop) ranges of pieces
    block_a: NDArray  # (b, 3) block chord start
    block_u: NDArray  # (b, 3) block chord unit direction
    block_len: NDArray  # block chord length
    block_w: NDArray  # every piece of the block lies within this of the block chord


def _ecef(lon_deg: NDArray, lat_deg: NDArray) -> NDArray:
    """Earth-centred coordinates (metres) of points on the WGS84 surface, shape (n, 3)."""
    lam = np.asarray(lon_deg, float) * _RAD
    phi = np.asarray(lat_deg, float) * _RAD
    sphi, cphi = np.sin(phi), np.cos(phi)
    n = _A / np.sqrt(1.0 - _E2 * sphi * sphi)
    out = np.empty((lam.size, 3))
    out[:, 0] = n * cphi * np.cos(lam)
    out[:, 1] = n * cphi * np.sin(lam)
    out[:, 2] = n * (1.0 - _E2) * sphi
    return out


def line_parts(line: shapely.Geometry) -> list[NDArray]:
    """Return the validated vertices (n, 2) of each part of `line`, repeated ones dropped.

    Examples
    --------
    >>> from shapely import LineString
    >>> line_parts(LineString([(35.8, 33.0), (35.8, 33.0), (35.8, 33.2)]))[0].tolist()
    [[35.8, 33.0], [35.8, 33.2]]
    """
    if not isinstance(line, shapely.Geometry):
        msg = f"line must be a shapely LineString or MultiLineString, not {type(line).__name__}"
        raise InputError(msg)
    kind = line.geom_type
    if kind not in ("LineString", "MultiLineString", "LinearRing"):
        msg = f"line must be a LineString or MultiLineString, not a {kind}"
        raise InputError(msg)
    if line.is_empty:
        msg = "line is empty; it needs at least 2 distinct vertices"
        raise InputError(msg)
    geoms = line.geoms if kind == "MultiLineString" else [line]
    parts = []
    for geom in geoms:
        xy = shapely.get_coordinates(geom)
        if len(xy) == 0:
            continue
        if not np.isfinite(xy).all():
            msg = "line has a NaN or infinite coordinate"
            raise InputError(msg)
        if (np.abs(xy[:, 1]) > 90).any():
            msg = "line has a vertex with latitude outside ±90; is x longitude?"
            raise InputError(msg)
        keep = np.ones(len(xy), bool)
        keep[1:] = (np.diff(xy, axis=0) != 0).any(axis=1)
        parts.append(xy[keep])
    distinct = np.unique(np.concatenate(parts), axis=0) if parts else np.empty((0, 2))
    if len(distinct) < 2:
        msg = f"line has {len(distinct)} distinct vertex(es); it needs at least 2"
        raise InputError(msg)
    return parts


def _prepare(line: shapely.Geometry) -> _Pieces:
    parts = line_parts(line)
    cols: dict[str, list] = {k: [] for k in ("lon0", "lat0", "lon1", "lat1", "part")}
    for p, xy in enumerate(parts):
        if len(xy) == 1:  # a point-like part: a zero-length piece
            xy = np.vstack([xy, xy])
        lon0, lat0, lon1, lat1 = xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1]
        _, _, seg_len = WGS84.inv(lon0, lat0, lon1, lat1)
        n_pieces = np.maximum(1, np.ceil(seg_len / PIECE_MAX_M)).astype(int)
        if (n_pieces == 1).all():  # every segment is one piece
            ends = {"lon0": lon0, "lat0": lat0, "lon1": lon1, "lat1": lat1}
            for key, value in ends.items():
                cols[key].append(value)
            cols["part"].append(np.full(len(lon0), p))
            continue
        for i in range(len(lon0)):  # loops over segments of the line, never over points
            if n_pieces[i] == 1:
                plon = np.array([lon0[i], lon1[i]])
                plat = np.array([lat0[i], lat1[i]])
            else:
                # n + 1 points on the geodesic, both ends included (pyproj's *_idx=0)
                r = WGS84.inv_intermediate(
                    lon0[i],
                    lat0[i],
                    lon1[i],
                    lat1[i],
                    npts=int(n_pieces[i]) + 1,
                    initial_idx=0,
                    terminus_idx=0,
                    return_back_azimuth=True,
                )
                plon, plat = np.array(r.lons), np.array(r.lats)
                plon[[0, -1]], plat[[0, -1]] = (lon0[i], lon1[i]), (lat0[i], lat1[i])
            cols["lon0"].append(plon[:-1])
            cols["lat0"].append(plat[:-1])
            cols["lon1"].append(plon[1:])
            cols["lat1"].append(plat[1:])
            cols["part"].append(np.full(len(plon) - 1, p))
    lon0, lat0, lon1, lat1 = (np.concatenate(cols[k]) for k in ("lon0", "lat0", "lon1", "lat1"))
    part = np.concatenate(cols["part"])
    az0, back1, length = WGS84.inv(lon0, lat0, lon1, lat1)
    point_like = length == 0
    az0 = np.where(point_like, np.nan, az0)
    az1 = np.where(point_like, np.nan, (back1 + 180.0 + 180.0) % 360.0 - 180.0)
    along0 = np.concatenate([[0.0], np.cumsum(length)[:-1]])
    first = np.r_[True, part[1:] != part[:-1]]
    last = np.r_[part[1:] != part[:-1], True]
    start_az_in = np.where(first, np.nan, np.roll(az1, 1))
    end_az_out = np.where(last, np.nan, np.roll(az0, -1))

    a_abs = _ecef(lon0, lat0)
    b_abs = _ecef(lon1, lat1)
    origin = np.concatenate([a_abs, b_abs]).mean(axis=0)
    a = a_abs - origin
    b = b_abs - origin
    chord = np.linalg.norm(b - a, axis=1)
    u = np.divide(b - a, chord[:, None], out=np.zeros_like(a), where=chord[:, None] > 0)
    # sagitta: the geodesic midpoint's distance from the chord (the gap is largest there)
    mlon, mlat, _ = WGS84.fwd(lon0, lat0, np.nan_to_num(az0), length / 2.0)
    mid = _ecef(mlon, mlat) - origin
    sag = _point_segment_distance(mid, a, u, chord) * 1.05 + 1e-9

    blocks = _blocks(part, chord)
    block_a = np.array([a[s] for s, _ in blocks])
    block_b = np.array([b[e - 1] for _, e in blocks])
    block_len = np.linalg.norm(block_b - block_a, axis=1)
    block_u = np.divide(
        block_b - block_a,
        block_len[:, None],
        out=np.zeros_like(block_a),
        where=block_len[:, None] > 0,
    )
    starts = np.array([s for s, _ in blocks])
    k = np.repeat(np.arange(len(blocks)), [e - s for s, e in blocks])  # each piece's block
    reach = np.maximum(
        _point_segment_distance(a, block_a[k], block_u[k], block_len[k]),
        _point_segment_distance(b, block_a[k], block_u[k], block_len[k]),
    )
    block_w = np.maximum.reduceat(reach, starts) + np.maximum.reduceat(sag, starts)
    return _Pieces(
        lon0=lon0,
        lat0=lat0,
        az0=az0,
        lon1=lon1,
        lat1=lat1,
        az1=az1,
        length_m=length,
        along0_m=along0,
        part=part,
        start_az_in=start_az_in,
        end_az_out=end_az_out,
        a=a,
        u=u,
        chord_m=chord,
        sag_m=sag,
        origin=origin,
        blocks=tuple(blocks),
        block_a=block_a,
        block_u=block_u,
        block_len=block_len,
        block_w=block_w,
    )


def _blocks(part: NDArray, chord: NDArray) -> list[tuple[int, int]]:
    """Group consecutive pieces of one part into blocks of about sqrt(m) pieces (m pieces)."""
    m = len(part)
    size = max(1, int(round(np.sqrt(m))))
    blocks = []
    start = 0
    for i in range(1, m + 1):
        if i == m or part[i] != part[start] or i - start == size:
            blocks.append((start, i))
            start = i
    return blocks


def _point_segment_distance(p: NDArray, a: NDArray, u: NDArray, length) -> NDArray:
    """3-D distance from points `p` (n, 3) to segments starting at `a` along unit `u`."""
    w = p - a
    t = np.clip(np.sum(w * u, axis=-1), 0.0, length)
    return np.linalg.norm(w - t[..., None] * u, axis=-1)


# --------------------------------------------------------------------------------------
# Solving
# --------------------------------------------------------------------------------------


def _points(lon: ArrayLike, lat: ArrayLike) -> tuple[NDArray, NDArray, tuple[int, ...]]:
    try:
        lon_a = np.asarray(lon, dtype=float)
        lat_a = np.asarray(lat, dtype=float)
    except (TypeError, ValueError) as exc:
        msg = f"lon and lat must be numbers in degrees ({exc})"
        raise InputError(msg) from None
    if lon_a.shape != lat_a.shape:
        msg = f"lon and lat have different shapes: {lon_a.shape} and {lat_a.shape}"
        raise InputError(msg)
    flat_lon, flat_lat = lon_a.ravel(), lat_a.ravel()
    bad = np.isinf(flat_lon) | np.isinf(flat_lat) | (np.abs(flat_lat) > 90)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        where = np.unravel_index(i, lon_a.shape) if lon_a.ndim > 1 else i
        msg = (
            f"point at index {where} has lon={flat_lon[i]!r}, lat={flat_lat[i]!r}: latitude "
            "must be within ±90 and coordinates finite (is x longitude?)"
        )
        raise InputError(msg)
    return flat_lon, flat_lat, lon_a.shape


def _solve(
    lon: ArrayLike,
    lat: ArrayLike,
    line: shapely.Geometry,
    *,
    locate: bool,
    threads: int | None,
    nearest_point: bool = True,
):
    flat_lon, flat_lat, shape = _points(lon, lat)
    pieces = _prepare(line)
    n = flat_lon.size
    out = {
        "distance_m": np.full(n, np.nan),
        "nearest_lon": np.full(n, np.nan),
        "nearest_lat": np.full(n, np.nan),
        "along_m": np.full(n, np.nan),
        "side": np.zeros(n, np.int8),
        "part": np.full(n, -1, np.int64),
    }
    valid = np.flatnonzero(np.isfinite(flat_lon) & np.isfinite(flat_lat))
    chunks = [valid[i : i + CHUNK_SIZE] for i in range(0, valid.size, CHUNK_SIZE)]

    def run(idx: NDArray) -> None:
        result = _solve_chunk(
            flat_lon[idx], flat_lat[idx], pieces, locate=locate, nearest_point=nearest_point
        )
        for key, values in result.items():
            out[key][idx] = values

    workers = min(len(chunks), _threads(threads))
    if workers <= 1:
        for idx in chunks:
            run(idx)
    else:  # pyproj and numpy release the GIL, so chunks run in parallel
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(run, chunks))
    return LineLocation(**{k: v.reshape(shape) for k, v in out.items()})


def _threads(threads: int | None) -> int:
    if threads is None:
        return min(os.cpu_count() or 1, 8)
    if not isinstance(threads, int) or threads < 1:
        msg = f"threads must be a positive whole number or None, not {threads!r}"
        raise InputError(msg)
    return threads


def _geodesic_upper(c: NDArray) -> NDArray:
    """Return the longest a geodesic spanning the chord `c` can be, in metres.

    A geodesic is a space curve whose curvature never exceeds κ = 1/M_min, and such a
    curve is no longer than the circular arc of curvature κ on the same chord,
    ``(2/κ)·asin(x)`` with ``x = κc/2``. The series of ``asin(x)/x`` has coefficients
    1, 1/6 and then none above 3/40, so ``1 + x²/6 + 0.075·x⁴/(1 - x²)`` bounds it cheaply.
    """
    x2 = (_KAPPA * 0.5 * c) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = 1.0 + x2 / 6.0 + 0.075 * x2 * x2 / (1.0 - x2)
    return np.where(x2 < 0.81, c * factor, np.inf)


def _candidates(p: NDArray, pieces: _Pieces) -> tuple[NDArray, NDArray, NDArray]:
    """(point index, piece index, chord parameter) of every pair that may hold the nearest.

    With ``c`` the 3-D distance from the point to a piece's chord and ``sag`` the gap
    between that chord and the geodesic piece, the geodesic distance ``G`` to the piece
    satisfies ``c - sag <= G <= (2/κ)·asin(κ(c + sag)/2)``. A piece is kept while its lower
    bound does not exceed the smallest upper bound; blocks of pieces are screened first
    with the same bounds, their width standing in for the sagitta.
    """
    # float64 rounding in |p|² + |a|² - 2p·a for coordinates up to `scale` metres
    scale = float(np.abs(p).max(initial=0.0) + np.abs(pieces.a).max(initial=0.0))
    rounding = 4.0 * np.sqrt(np.finfo(float).eps) * scale + 1e-6

    d_block = _distance_matrix(p, pieces.block_a, pieces.block_u, pieces.block_len)[0]
    upper = _geodesic_upper(d_block + pieces.block_w + rounding).min(axis=1)
    keep_block = d_block - pieces.block_w - rounding <= upper[:, None]

    pts, pcs, low, par = [], [], [], []
    for k, (s, e) in enumerate(pieces.blocks):  # loops over blocks, never over points
        rows = np.flatnonzero(keep_block[:, k])
        if rows.size == 0:
            continue
        d, t = _distance_matrix(p[rows], pieces.a[s:e], pieces.u[s:e], pieces.chord_m[s:e])
        lower = d - pieces.sag_m[s:e] - rounding
        r, j = np.nonzero(lower <= upper[rows, None])
        pts.append(rows[r])
        pcs.append(j + s)
        low.append(lower[r, j])
        par.append(t[r, j])
        # tighten the bound with the pieces themselves
        up = _geodesic_upper(d + pieces.sag_m[s:e] + rounding).min(axis=1)
        upper[rows] = np.minimum(upper[rows], up)
    pts, pcs, low, par = (np.concatenate(x) for x in (pts, pcs, low, par))
    keep = low <= upper[pts]
    return pts[keep], pcs[keep], par[keep]


def _distance_matrix(p: NDArray, a: NDArray, u: NDArray, length: NDArray):
    """Distances (n, m) from points to 3-D segments, and the clamped chord parameters."""
    pu = p @ u.T  # (n, m)
    wu = pu - np.einsum("ij,ij->i", a, u)[None, :]
    t = np.clip(wu, 0.0, length[None, :])
    pp = np.einsum("ij,ij->i", p, p)[:, None]
    aa = np.einsum("ij,ij->i", a, a)[None, :]
    d2 = pp + aa - 2.0 * (p @ a.T) - 2.0 * t * wu + t * t
    return np.sqrt(np.maximum(d2, 0.0)), t


def _right_angle_step(d: NDArray, theta: NDArray) -> tuple[NDArray, NDArray]:
    """Along-track step to the foot and cross-track distance, from a trial foot point.

    ``d`` is the geodesic distance from the trial foot to the point and ``theta`` the angle
    (radians) from the line's direction to the geodesic towards the point. Spherical right
    triangles; the result is used only through the step, whose error is second order.
    """
    sigma = d / _R_MEAN
    step = _R_MEAN * np.arctan2(np.sin(sigma) * np.cos(theta), np.cos(sigma))
    cross = _R_MEAN * np.arcsin(np.clip(np.sin(sigma) * np.sin(theta), -1.0, 1.0))
    return step, cross


def _solve_chunk(
    lon: NDArray, lat: NDArray, pieces: _Pieces, *, locate: bool, nearest_point: bool = True
) -> dict:
    p = _ecef(lon, lat) - pieces.origin
    pt, pc, t = _candidates(p, pieces)
    plon, plat = lon[pt], lat[pt]
    seg = _Segments.take(pieces, pc)
    s0 = np.divide(t, pieces.chord_m[pc], out=np.zeros_like(t), where=pieces.chord_m[pc] > 0)
    s0 *= seg.length_m

    def first_measure(xlon, xlat, s):  # pieces meeting at a vertex share one measurement
        return _inv_from_vertices(pieces, pt, pc, s, xlon, xlat, plon, plat)

    dist, foot_s, (azimuth, travel) = _refine(plon, plat, seg, s0, first_measure=first_measure)

    best = np.full(len(lon), np.inf)
    np.minimum.at(best, pt, dist)
    out = {"distance_m": best}
    if not locate:
        return out
    # the pair that gave each point's minimum (the first, where pieces tie at a vertex)
    is_best = np.flatnonzero(dist == best[pt])
    _, first = np.unique(pt[is_best], return_index=True)
    win = is_best[first]
    j = pc[win]
    fs = foot_s[win]
    if nearest_point:
        flon, flat, _ = _point_on_piece(_Segments.take(pieces, j), fs)
        flon = (flon + 180.0) % 360.0 - 180.0
    else:
        flon = flat = np.full(len(win), np.nan)
    # side: the angle from the line's direction to the point, measured at the final trial
    # foot (inside a piece, its sign is the cross-track sign); at a vertex, relative to the
    # mean direction there
    heading = travel[win]
    at_start = fs <= 0.0
    at_end = fs >= pieces.length_m[j]
    heading = np.where(at_start, _mean_azimuth(pieces.start_az_in[j], pieces.az0[j]), heading)
    heading = np.where(at_end, _mean_azimuth(pieces.az1[j], pieces.end_az_out[j]), heading)
    sin_theta = np.sin((azimuth[win] - heading) * _RAD)
    side = np.where(sin_theta > 0, -1, 1).astype(np.int8)
    side[(best < 1e-6) | ~np.isfinite(heading)] = 0
    out |= {
        "nearest_lon": flon,
        "nearest_lat": flat,
        "along_m": pieces.along0_m[j] + fs,
        "side": side,
        "part": pieces.part[j].astype(np.int64),
    }
    return out


@dataclass(frozen=True)
class _Segments:
    """Geodesic segments, one per (point, segment) pair being refined."""

    lon0: NDArray
    lat0: NDArray
    az0: NDArray  # forward azimuth at the start (NaN for a point-like segment)
    lon1: NDArray
    lat1: NDArray
    az1: NDArray  # travel azimuth at the end
    length_m: NDArray

    @classmethod
    def take(cls, pieces: _Pieces, j: NDArray) -> _Segments:
        return cls(
            pieces.lon0[j],
            pieces.lat0[j],
            pieces.az0[j],
            pieces.lon1[j],
            pieces.lat1[j],
            pieces.az1[j],
            pieces.length_m[j],
        )

    def subset(self, i: NDArray) -> _Segments:
        return _Segments(*(getattr(self, f)[i] for f in self.__dataclass_fields__))

    @classmethod
    def between(cls, lon0, lat0, lon1, lat1) -> _Segments:
        lon0, lat0, lon1, lat1 = (np.asarray(a, float) for a in (lon0, lat0, lon1, lat1))
        az0, back1, length = WGS84.inv(lon0, lat0, lon1, lat1)
        point_like = length == 0
        az0 = np.where(point_like, np.nan, az0)
        az1 = np.where(point_like, np.nan, back1 + 180.0)
        return cls(lon0, lat0, az0, lon1, lat1, az1, length)


def _refine(plon, plat, seg: _Segments, s: NDArray, *, first_measure=None):
    """Exact distance from each point to its geodesic segment, and the foot's position.

    Starts from the trial positions `s` (metres along each segment) and repeats the
    right-angle step until it no longer changes the distance.
    """
    s = np.clip(s, 0.0, seg.length_m)
    dist = np.empty(len(s))
    azimuth = np.empty(len(s))  # from the final trial point towards the point, degrees
    travel = np.empty(len(s))  # the line's direction at the final trial point, degrees
    foot_s = s.copy()
    active = np.arange(len(s))
    length = seg.length_m
    for step_no in range(_MAX_STEPS):
        if active.size == 0:
            break
        sub = seg if step_no == 0 else seg.subset(active)
        xlon, xlat, heading = _point_on_piece(sub, s[active])
        if step_no == 0 and first_measure is not None:
            az_x, d = first_measure(xlon, xlat, s)
        else:
            az_x, _, d = WGS84.inv(xlon, xlat, plon[active], plat[active])
        theta = (az_x - heading) * _RAD
        step, cross = _right_angle_step(d, theta)
        point_like = length[active] == 0
        step[point_like] = 0.0
        new_s = s[active] + step
        at_start = new_s <= 0.0
        at_end = new_s >= length[active]
        inside = ~(at_start | at_end)
        # a foot inside the segment: the cross-track distance is final once the step is tiny
        gap = np.abs(d - np.abs(cross))
        done_inside = inside & (gap <= _DONE_M)
        # a foot clamped at an end that the trial point already sits on: d is exact
        done_end = (at_start & (s[active] <= 0.0)) | (at_end & (s[active] >= length[active]))
        done_end |= point_like
        dist[active[done_inside]] = np.abs(cross[done_inside])
        dist[active[done_end]] = d[done_end]
        azimuth[active] = az_x
        travel[active] = heading
        foot_s[active[done_inside]] = new_s[done_inside]
        foot_s[active[done_end]] = s[active[done_end]]
        s[active] = np.clip(new_s, 0.0, length[active])
        active = active[~(done_inside | done_end)]
    if active.size:  # pragma: no cover - a guard; never observed
        msg = f"geodesic foot point did not converge for {active.size} point(s)"
        raise RuntimeError(msg)
    return dist, foot_s, (azimuth, travel)


def _inv_from_vertices(pieces, pt, pc, s, xlon, xlat, plon, plat):
    """Azimuth and distance from every pair's trial point, measuring each vertex once."""
    at_end = s >= pieces.length_m[pc]
    vertex = (s <= 0.0) | at_end
    # vertices numbered along the line: piece j starts at vertex j + part[j]
    vid = pc + pieces.part[pc] + at_end
    key = np.where(vertex, pt * (len(pieces.part) + len(pieces.blocks) + 2) + vid, -1)
    az_x = np.empty(len(pt))
    d = np.empty(len(pt))
    inside = np.flatnonzero(~vertex)
    if inside.size:
        az_x[inside], _, d[inside] = WGS84.inv(
            xlon[inside], xlat[inside], plon[inside], plat[inside]
        )
    at_vertex = np.flatnonzero(vertex)
    if at_vertex.size:
        uniq, first, back = np.unique(key[at_vertex], return_index=True, return_inverse=True)
        k = at_vertex[first]
        az_u, _, d_u = WGS84.inv(xlon[k], xlat[k], plon[k], plat[k])
        az_x[at_vertex], d[at_vertex] = az_u[back], d_u[back]
    return az_x, d


def _point_on_piece(seg: _Segments, s: NDArray):
    """Lon, lat and travel azimuth (degrees) at `s` metres along each segment.

    Trial points at a segment's ends are its vertices; only those inside need ``Geod.fwd``.
    """
    at_start = s <= 0.0
    at_end = s >= seg.length_m
    lon = np.where(at_end, seg.lon1, seg.lon0)
    lat = np.where(at_end, seg.lat1, seg.lat0)
    heading = np.where(at_end, seg.az1, seg.az0)
    inside = np.flatnonzero(~(at_start | at_end))
    if inside.size:
        flon, flat, fback = WGS84.fwd(
            seg.lon0[inside], seg.lat0[inside], seg.az0[inside], s[inside]
        )
        lon[inside], lat[inside], heading[inside] = flon, flat, fback + 180.0
    return lon, lat, heading


def _mean_azimuth(az_a: NDArray, az_b: NDArray) -> NDArray:
    """Circular mean of two azimuths in degrees; the other one where one is NaN."""
    az_a = np.where(np.isnan(az_a), az_b, az_a)
    az_b = np.where(np.isnan(az_b), az_a, az_b)
    x = np.cos(az_a * _RAD) + np.cos(az_b * _RAD)
    y = np.sin(az_a * _RAD) + np.sin(az_b * _RAD)
    return np.degrees(np.arctan2(y, x))
