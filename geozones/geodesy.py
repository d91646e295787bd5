"""Exact geodesic distances from points to lines on the WGS84 ellipsoid.

This is the only geozones module that talks to pyproj. Every segment of a line is the
ellipsoidal geodesic between its two vertices, and the distance from a point to a line is
the minimum over its segments of the shortest geodesic from the point to the segment.

How it works
------------
1. **Prepare the line.** Repeated vertices are dropped, parts that repeat an earlier part
   (the same vertices, either way round) are measured once, and every geodesic segment
   longer than ``PIECE_MAX_M`` is cut into equal geodesic pieces (points *on* the geodesic,
   so the pieces are the same curve). Each piece keeps its chord in Earth-centred (ECEF)
   space and the largest gap between the chord and the curve (its sagitta).
2. **Prefilter in 3-D.** Chord distances in ECEF space are nearly isotropic stand-ins for
   geodesic distances: a geodesic's curvature never exceeds 1/M_min, so a chord ``c`` is at
   least ``(2/κ)·sin(κ·G/2)`` of the geodesic ``G`` it spans; and radial projection onto the
   sphere of radius b shortens no curve, which bounds ``G`` from below far from the line.
   Pieces are grouped in a tree of blocks (runs of a part, tiled so that the short parts of
   a many-part line share blocks with their neighbours; at most ``_BRANCHING`` children a
   node, so about log(pieces) levels), each bounded by a capsule. Each point first follows
   its two most promising nodes at each level down to blocks, which gives it a tight bound
   in a few dozen 3-D distances; then groups, blocks and pieces are kept only where these
   rigorous bounds say they might hold the nearest point, so the work per point grows with
   the depth of the tree, not with the number of vertices. Far from the line (beyond
   ``_SCREEN_M``), where 3-D bounds are loose by the Earth's flattening, each group and
   piece is screened with one exact geodesic from a point of it instead: the triangle
   inequality, and within ``_CONVEX_M``, where the distance is convex along geodesics, a
   tangent bound; so points anywhere on the globe cost a few dozen geodesics, whatever the
   number of vertices.
3. **Refine exactly.** For each surviving (point, piece) pair, pyproj's ``Geod.fwd`` puts a
   trial foot point on the geodesic and ``Geod.inv`` measures to the point. A right-angle
   step (spherical trigonometry, only ever applied to the tiny along-track residual) moves the
   foot to where the geodesic to the point meets the line at 90°. The step is repeated until
   what it changes is below a micrometre-level threshold, so the result is the exact
   geodesic distance up to pyproj's own (nanometre) accuracy. Where the steps stall (a
   point about a quarter of the way round the Earth, where the distance along a piece is
   nearly flat, or nearly antipodal), the foot is bracketed by bisection instead.

All of it is vectorised over points with numpy; Python loops run only over chunks, tree
levels and iterations, never over points or pieces.

Memory
------
The working set is bounded whatever the number of points, parts or vertices: points go in
chunks of at most ``CHUNK_SIZE``, sized so that no point × group matrix or (point, piece)
screening array exceeds ``MATRIX_ENTRIES`` entries, and pairs are refined at most
``PAIR_BUDGET`` at a time (pairs that can no longer win are dropped in between). That is
about 150-250 MB per thread (threads default to one per core, up to 8), plus about 300
bytes per piece of the line (500 while it is prepared), and 8 bytes per point (50 for
:func:`locate_on_line`). A line has a piece per segment and one more per ``PIECE_MAX_M``
of long segments, at most ``MAX_EXTRA_PIECES`` more; lines with more than
``MAX_LINE_VERTICES`` vertices are refused with advice to simplify them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pyproj
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely.geometry.base import BaseGeometry

from geozones.errors import InputError
from geozones.parallel import map_threads, resolve_threads

__all__ = [
    "WGS84",
    "LineLocation",
    "MAX_LINE_VERTICES",
    "MAX_WALK_M",
    "PreparedLine",
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
    "prepare_line",
    "segment_distance",
    "side_of_line",
]

#: The WGS84 ellipsoid as a pyproj Geod; every geodesic in geozones is computed on it.
WGS84 = pyproj.Geod(ellps="WGS84")

_A = WGS84.a  # equatorial radius, metres
_E2 = WGS84.es  # first eccentricity squared
_B = WGS84.b  # polar semi-axis, metres
_M_MIN = _A * (1.0 - _E2)  # smallest radius of curvature on the ellipsoid (meridian, equator)
_KAPPA = 1.0 / _M_MIN  # largest curvature a geodesic can have, as a space curve
#: The mean Earth radius (IUGG), for spherical estimates: right-angle steps on tiny residuals
#: and error bounds, never for a result.
MEAN_RADIUS_M = 6371008.8
_R_MEAN = MEAN_RADIUS_M

#: Geodesic segments longer than this are cut into equal pieces for the prefilter (metres).
PIECE_MAX_M = 10_000.0
#: Pieces beyond one per segment, at most: a line longer than this many ``PIECE_MAX_M``
#: (10 million km) is cut into proportionally longer pieces (the bounds hold for any length).
MAX_EXTRA_PIECES = 1_000_000
#: Lines with more vertices are refused (a prepared line takes about 300 bytes a piece).
MAX_LINE_VERTICES = 5_000_000
#: Pieces a block holds, and groups of the level below a group holds, at most: the tree of
#: blocks is about log(pieces) / log(this) levels deep.
_BRANCHING = 8
#: Groups each point follows down the tree for its first bound.
_BEAM = 2
#: Points processed at once, at most.
CHUNK_SIZE = 131_072
#: Entries of a point × block or point × piece matrix, at most (about 40 bytes each).
MATRIX_ENTRIES = 1 << 20
#: Point-piece pairs refined at once, at most (about 400 bytes each).
PAIR_BUDGET = 1 << 17
#: A foot point is final when the right-angle step would change the distance by less.
_DONE_M = 1e-6
_MAX_STEPS = 30
#: Pieces this close to the nearest distance tie: the earliest along the line is located.
_TIE_M = 1e-6
#: Beyond this (metres) a foot's distance is also checked against the segment's ends.
_FAR_M = 10_000_000.0
#: Halvings of a segment when the steps stall: 10 km to below a nanometre.
_BISECTIONS = 45
_RAD = np.pi / 180.0


def _geod_call(method, *args: ArrayLike):
    """``WGS84.fwd`` or ``WGS84.inv`` (`method`) on arrays, with arrays out.

    pyproj first tries its scalar fast path, which takes an array of one element as a
    scalar: NumPy (1.25 to 2.3) warns of that conversion, and the results come back as
    floats, not arrays. Inputs of one element go as floats here and come back in their
    shape; 0-d inputs give floats, as pyproj gives them.
    """
    arrays = [np.asarray(a, dtype=float) for a in args]
    if any(a.shape != arrays[0].shape for a in arrays):
        arrays = [np.ascontiguousarray(a) for a in np.broadcast_arrays(*arrays)]
    shape = arrays[0].shape
    if arrays[0].size == 1:
        out = method(*(a.item() for a in arrays))
        return out if shape == () else tuple(np.full(shape, v) for v in out)
    return method(*arrays)


def _fwd(lon: ArrayLike, lat: ArrayLike, azimuth: ArrayLike, distance: ArrayLike):
    """``WGS84.fwd``: lon, lat and back azimuth at the end (see :func:`_geod_call`)."""
    return _geod_call(WGS84.fwd, lon, lat, azimuth, distance)


def _inv(lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike):
    """``WGS84.inv``: azimuth, back azimuth and distance (see :func:`_geod_call`)."""
    return _geod_call(WGS84.inv, lon1, lat1, lon2, lat2)


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


class PreparedLine:
    """A line cut into pieces once, for several calls (see :func:`prepare_line`)."""

    __slots__ = ("_pieces", "line")

    def __init__(self, line: shapely.Geometry) -> None:
        self.line = line
        self._pieces = _prepare(line)

    def __repr__(self) -> str:
        return f"PreparedLine({len(self._pieces.part):,} pieces)"


def prepare_line(line: shapely.Geometry) -> PreparedLine:
    """Prepare `line` once for several calls of the functions that measure to it.

    :func:`distance_to_line`, :func:`locate_on_line` and :func:`side_of_line` take the
    result wherever they take a line, and skip the preparation (validating the line,
    cutting it into pieces, grouping them: about a millisecond for the Alpha line).

    Examples
    --------
    >>> from shapely import LineString
    >>> prepared = prepare_line(LineString([(35.8, 33.0), (35.8, 33.2)]))
    >>> round(float(distance_to_line(35.9, 33.1, prepared)), 3)
    9334.764
    """
    return line if isinstance(line, PreparedLine) else PreparedLine(line)


def distance_to_line(
    lon: ArrayLike,
    lat: ArrayLike,
    line: shapely.Geometry | PreparedLine,
    *,
    threads: int | None = None,
) -> NDArray:
    """Return the exact geodesic distance on WGS84 from each point to `line`, in metres.

    Parameters
    ----------
    lon, lat
        Point coordinates in degrees, array-likes of one shape (or scalars). NaN gives NaN.
    line
        A shapely LineString or MultiLineString in longitude/latitude degrees, or what
        :func:`prepare_line` made of one. Each segment is the ellipsoidal geodesic between
        its vertices; repeated vertices are ignored.
    threads
        How many threads share large inputs (chunks of up to ``CHUNK_SIZE`` points); by
        default one per core, up to 8. The result does not depend on it.

    Returns
    -------
    numpy.ndarray
        float64 metres, of the shape of `lon`.

    Raises
    ------
    InputError
        A latitude outside ±90 or an infinite coordinate (the message names the first bad
        index), `lon` and `lat` of different shapes, `threads` not a positive whole number,
        or a line that is empty, not a line, has fewer than 2 distinct vertices, a NaN
        coordinate or more than ``MAX_LINE_VERTICES`` vertices.

    Notes
    -----
    Memory stays bounded whatever the line (see the module's notes): about 150-250 MB per
    thread, plus about 300 bytes per vertex of the line and 8 bytes per point. A line of
    1,000 parts or one of a million vertices needs no more working memory than the Alpha
    line; repeated parts are measured once.

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
    line: shapely.Geometry | PreparedLine,
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
        A shapely LineString or MultiLineString in longitude/latitude degrees, or what
        :func:`prepare_line` made of one.
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
    lon: ArrayLike,
    lat: ArrayLike,
    line: shapely.Geometry | PreparedLine,
    *,
    threads: int | None = None,
) -> NDArray[np.int8]:
    """Return +1 for points left of `line`'s direction, -1 for right, 0 on the line.

    Examples
    --------
    >>> from shapely import LineString
    >>> side_of_line(35.7, 33.1, LineString([(35.8, 33.0), (35.8, 33.2)])).tolist()
    1
    """
    return _solve(lon, lat, line, locate=True, threads=threads, nearest_point=False).side


#: Distances walked by :func:`destination`, at most (metres): two and a half times round.
MAX_WALK_M = 1e8


def _arrays(*, _lenient: bool = False, **named: ArrayLike) -> list[NDArray]:
    """The arguments as float arrays of one broadcast shape, checked.

    Names starting with ``lat`` must be within ±90, everything finite (NaN is allowed: it
    gives NaN); anything else is an InputError naming the argument and its first bad value.
    `_lenient` turns out-of-range values into NaN instead.
    """
    arrays = []
    for name, value in named.items():
        try:
            array = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            msg = f"{name} must be numbers, not {value!r}"[:300]
            raise InputError(msg) from None
        if array.size:
            lo, hi = array.min(), array.max()  # NaN if any is: then look closer
            limit = 90.0 if name.startswith("lat") else np.inf
            if not (-limit < lo and hi < limit):  # (90 itself is checked closer)
                bad = np.isinf(array) | (np.abs(array) > limit)
                if bad.any() and _lenient:
                    array = np.where(bad, np.nan, array)
                elif bad.any():
                    first = float(array.ravel()[np.flatnonzero(bad.ravel())[0]])
                    rule = "within ±90 degrees" if limit == 90.0 else "finite"
                    msg = f"{name} must be {rule}; got {first!r}"
                    raise InputError(msg)
        arrays.append(array)
    if all(a.shape == arrays[0].shape for a in arrays):
        return arrays
    try:
        return list(np.broadcast_arrays(*arrays))
    except ValueError:
        shapes = ", ".join(f"{k} {a.shape}" for k, a in zip(named, arrays, strict=True))
        msg = f"the arguments have shapes that do not broadcast together: {shapes}"
        raise InputError(msg) from None


def geodesic_distance(lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike):
    """Return the geodesic distance on WGS84 between two sets of points, in metres.

    The arguments broadcast together. A point with a NaN or infinite coordinate or a
    latitude beyond ±90 gives NaN (callers measure rows of data with this); values that are
    not numbers, or shapes that do not broadcast, are an InputError.

    Examples
    --------
    >>> round(float(geodesic_distance(35.8, 33.0, 35.8, 33.1)), 3)
    11090.535
    """
    lon1, lat1, lon2, lat2 = _arrays(_lenient=True, lon1=lon1, lat1=lat1, lon2=lon2, lat2=lat2)
    return _inv(lon1, lat1, lon2, lat2)[2]


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
    arrays = _arrays(lon=lon, lat=lat, lon0=lon0, lat0=lat0, lon1=lon1, lat1=lat1)
    shape = arrays[0].shape
    lon, lat, lon0, lat0, lon1, lat1 = (a.ravel() for a in arrays)
    seg = _Segments.between(lon0, lat0, lon1, lat1)
    if start_m is None:
        start = seg.length_m / 2.0
    else:
        (start_m,) = _arrays(start_m=start_m)
        start = np.broadcast_to(start_m, shape).ravel().copy()
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
    arrays = _arrays(lon=lon, lat=lat, azimuth_deg=azimuth_deg, distance_m=distance_m)
    if (np.abs(arrays[3]) > MAX_WALK_M).any():
        far = arrays[3].ravel()[np.flatnonzero(np.abs(arrays[3].ravel()) > MAX_WALK_M)[0]]
        msg = f"distance_m must be within ±{MAX_WALK_M:g} m (MAX_WALK_M); got {float(far)!r}"
        raise InputError(msg)
    shape = arrays[0].shape
    lon1, lat1, azimuth, distance = (a.ravel() for a in arrays)
    lon2, lat2, back = _fwd(lon1, lat1, azimuth, distance)
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
    arrays = _arrays(lon1=lon1, lat1=lat1, lon2=lon2, lat2=lat2)
    shape = arrays[0].shape
    flat_lon1, flat_lat1, flat_lon2, flat_lat2 = (a.ravel() for a in arrays)
    az1, back2, dist = _inv(flat_lon1, flat_lat1, flat_lon2, flat_lat2)
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
    lon, lat = _arrays(lon=lon, lat=lat)
    lon0_a, lat0_a = _arrays(lon0=lon0, lat0=lat0)
    if lon0_a.ndim or np.isnan(lon0_a) or np.isnan(lat0_a):
        msg = f"lon0 and lat0 must be one number each, not {lon0!r} and {lat0!r}"
        raise InputError(msg)
    lon0, lat0 = float(lon0_a), float(lat0_a)
    lam = np.radians(lon - lon0)
    phi = np.radians(lat)
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
    lon, lat = _arrays(lon=lon, lat=lat)
    finite = np.isfinite(lon) & np.isfinite(lat)
    if not finite.any():
        msg = "local_plane_centre needs at least one point with finite lon and lat"
        raise InputError(msg)
    p = _ecef(lon[finite], lat[finite]).mean(axis=0)
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
    if not (isinstance(extent_m, int | float | np.number) and 0 <= extent_m < np.inf):
        msg = f"extent_m must be a finite number of metres, at least 0; got {extent_m!r}"
        raise InputError(msg)
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
    if geometry is None:
        return 0.0
    if not isinstance(geometry, BaseGeometry):  # every shapely geometry type is one
        msg = f"geometry must be a shapely (Multi)Polygon, not {type(geometry).__name__}"
        raise InputError(msg)
    if geometry.is_empty:
        return 0.0
    _arrays(
        lon=shapely.get_coordinates(geometry)[:, 0], lat=shapely.get_coordinates(geometry)[:, 1]
    )
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
    """A line cut into short geodesic pieces, with what the prefilter and refinement need.

    Pieces are stored block by block (see :func:`_prepare`); ``order`` gives each piece's
    place along the line, which decides ties and numbers the vertices.
    """

    lon0: NDArray  # piece start, degrees
    lat0: NDArray
    az0: NDArray  # forward azimuth at the start, degrees
    lon1: NDArray  # piece end
    lat1: NDArray
    az1: NDArray  # forward azimuth at the end (the direction of travel there), degrees
    length_m: NDArray  # geodesic length
    along0_m: NDArray  # distance along the line (all parts) to the piece's start
    part: NDArray  # part index (in the input, duplicates included)
    order: NDArray  # place of the piece along the line (0, 1, ... over the kept parts)
    mid_lon: NDArray  # the piece's middle (on its geodesic), degrees
    mid_lat: NDArray
    mid_az: NDArray  # the direction of travel there, degrees
    start_az_in: NDArray  # travel azimuth arriving at the start vertex (NaN at a part's start)
    end_az_out: NDArray  # travel azimuth leaving the end vertex (NaN at a part's end)
    a: NDArray  # (3, m) chord start, ECEF relative to origin (one row per coordinate)
    u: NDArray  # (3, m) unit chord direction (zeros for a point-like part)
    chord_m: NDArray  # chord length
    sag_m: NDArray  # largest gap between chord and geodesic
    origin: NDArray  # (3,) ECEF origin subtracted from every coordinate
    levels: tuple[_Groups, ...]  # groups of pieces, coarsest first; the last are blocks
    n_vertex_ids: int  # more than the largest vertex number (order + part + 1)


@dataclass(frozen=True)
class _Groups:
    """Groups of consecutive pieces (in storage order), each bounded by a capsule.

    Every piece of group g lies within ``w[g]`` of the 3-D segment from ``a[g]`` along
    ``u[g]`` for ``length[g]``. Its children (groups of the next level, or pieces for the
    last level) are ``child_start[g]`` to ``child_stop[g]``; the start of piece ``rep[g]``
    is a point of the line in it.
    """

    start: NDArray  # first piece
    stop: NDArray  # one past the last piece
    a: NDArray  # (3, g), one row per coordinate
    u: NDArray  # (3, g)
    length: NDArray
    w: NDArray
    child_start: NDArray
    child_stop: NDArray
    rep: NDArray  # a piece of each group, whose start (a vertex) bounds distances from above
    centre_lon: NDArray  # the middle of piece `rep` (a point of the line), degrees
    centre_lat: NDArray
    centre: NDArray  # (3, g) its ECEF coordinates, relative to the pieces' origin
    radius: NDArray  # no point of the group's pieces is farther (geodesic) from the centre


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


def line_parts(line: shapely.Geometry, *, unique: bool = False) -> list[NDArray]:
    """Return the validated vertices (n, 2) of each part of `line`, repeated ones dropped.

    Vertices in one place as the one before them (within 1e-12°, about 0.1 µm; longitudes
    ±180 apart; any longitude at a pole) are repeats and are dropped.

    Parameters
    ----------
    line
        A LineString or MultiLineString in lon/lat degrees.
    unique
        Leave out parts that repeat an earlier part (the same vertices, either way round):
        they are the same curve.

    Raises
    ------
    InputError
        `line` is not a (Multi)LineString, is empty, has fewer than 2 distinct vertices,
        a NaN or infinite coordinate, a latitude outside ±90, or more than
        ``MAX_LINE_VERTICES`` vertices.

    Examples
    --------
    >>> from shapely import LineString
    >>> line_parts(LineString([(35.8, 33.0), (35.8, 33.0), (35.8, 33.2)]))[0].tolist()
    [[35.8, 33.0], [35.8, 33.2]]
    >>> from shapely import MultiLineString
    >>> len(line_parts(MultiLineString([[(35, 33), (36, 33)], [(36, 33), (35, 33)]]), unique=True))
    1
    """
    if not isinstance(line, BaseGeometry):  # every shapely geometry type is one
        msg = f"line must be a shapely LineString or MultiLineString, not {type(line).__name__}"
        raise InputError(msg)
    kind = line.geom_type
    if kind not in ("LineString", "MultiLineString", "LinearRing"):
        msg = f"line must be a LineString or MultiLineString, not a {kind}"
        raise InputError(msg)
    if line.is_empty:
        msg = "line is empty; it needs at least 2 distinct vertices"
        raise InputError(msg)
    n_vertices = int(shapely.get_num_coordinates(line))
    if n_vertices > MAX_LINE_VERTICES:
        msg = (
            f"line has {n_vertices:,} vertices, more than MAX_LINE_VERTICES "
            f"({MAX_LINE_VERTICES:,}); simplify it first, e.g. shapely.simplify(line, 1e-4) "
            "keeps it within about 10 m"
        )
        raise InputError(msg)
    geoms = shapely.get_parts(line) if kind == "MultiLineString" else [line]
    xy_all, index = shapely.get_coordinates(geoms, return_index=True)
    if not np.isfinite(xy_all).all():
        msg = "line has a NaN or infinite coordinate"
        raise InputError(msg)
    if (np.abs(xy_all[:, 1]) > 90).any():
        msg = "line has a vertex with latitude outside ±90; is x longitude?"
        raise InputError(msg)
    # drop repeated vertices within each part, then split into parts
    xy_all = np.where(np.abs(xy_all) < 1e-200, 0.0, xy_all)  # subnormal numbers are 0
    keep = np.ones(len(xy_all), bool)
    keep[1:] = ~_same_place(xy_all[:-1], xy_all[1:]) | (index[1:] != index[:-1])
    xy_all, index = xy_all[keep], index[keep]
    bounds = np.flatnonzero(np.diff(index)) + 1
    parts = np.split(xy_all, bounds) if len(xy_all) else []
    if not len(xy_all) or _same_place(xy_all[:1], xy_all).all():
        msg = f"line has {min(len(xy_all), 1)} distinct vertex(es); it needs at least 2"
        raise InputError(msg)
    if unique:
        first = _first_copies(parts)
        return [xy for i, xy in enumerate(parts) if first[i] == i]
    return parts


def _same_place(a: NDArray, b: NDArray) -> NDArray:
    """Whether lon/lat rows `a` and `b` are one place.

    Within 1e-12° (0.1 µm), with longitudes ±180 apart the same meridian and any longitude
    at a pole the pole.
    """
    dlon = np.abs((b[:, 0] - a[:, 0] + 180.0) % 360.0 - 180.0)
    pole = (np.abs(a[:, 1]) == 90.0) & (a[:, 1] == b[:, 1])
    return (np.abs(b[:, 1] - a[:, 1]) <= 1e-12) & ((dlon <= 1e-12) | pole)


def _first_copies(parts: list[NDArray]) -> NDArray:
    """For each part, the index of the first part with the same vertices (either way round)."""
    seen: dict[bytes, int] = {}
    first = np.arange(len(parts))
    for i, xy in enumerate(parts):
        key = np.ascontiguousarray(xy).tobytes()
        if key in seen:
            first[i] = seen[key]
            continue
        seen[key] = i
        seen.setdefault(np.ascontiguousarray(xy[::-1]).tobytes(), i)
    return first


def _prepare(line: shapely.Geometry) -> _Pieces:
    """Cut `line` into pieces and group them in blocks for the prefilter.

    Parts that repeat an earlier part (the same vertices, either way round) are measured
    once: they are at the same distance, and ties go to the earlier part anyway. Blocks
    hold about sqrt(m) of the m pieces: runs of consecutive pieces of one part, ordered
    along a space-filling curve so that the short parts of a many-part line share blocks
    with their neighbours.
    """
    parts = line_parts(line)
    first = _first_copies(parts)
    kept = np.flatnonzero(first == np.arange(len(parts)))
    xys = [parts[p] if len(parts[p]) > 1 else np.vstack([parts[p], parts[p]]) for p in kept]
    n_seg = np.array([len(xy) - 1 for xy in xys])
    xy = np.concatenate(xys)
    starts_segment = np.ones(len(xy), bool)
    starts_segment[np.cumsum(n_seg + 1) - 1] = False  # a part's last vertex starts none
    seg_rows = np.flatnonzero(starts_segment)
    s_lon0, s_lat0 = xy[seg_rows, 0], xy[seg_rows, 1]
    s_lon1, s_lat1 = xy[seg_rows + 1, 0], xy[seg_rows + 1, 1]
    s_az, s_back, s_len = _inv(s_lon0, s_lat0, s_lon1, s_lat1)
    # each part's start along the line: duplicates count with their first copy's length
    part_len = np.zeros(len(parts))
    part_len[kept] = np.bincount(np.repeat(np.arange(len(kept)), n_seg), s_len, len(kept))
    part_len = part_len[first]
    part_along0 = np.r_[0.0, np.cumsum(part_len)[:-1]]

    # pieces: equal cuts of each segment, points *on* its geodesic
    piece_max = max(PIECE_MAX_M, float(s_len.sum()) / MAX_EXTRA_PIECES)
    n_cut = np.maximum(1, np.ceil(s_len / piece_max)).astype(np.int64)
    seg = np.repeat(np.arange(len(s_len)), n_cut)
    k = np.arange(seg.size) - np.repeat(np.cumsum(n_cut) - n_cut, n_cut)
    lon0, lat0 = s_lon0[seg], s_lat0[seg]
    inner = np.flatnonzero(k > 0)
    if inner.size:
        s = seg[inner]
        lon0[inner], lat0[inner], _ = _fwd(
            s_lon0[s], s_lat0[s], s_az[s], s_len[s] * (k[inner] / n_cut[s])
        )
    lon1, lat1 = np.empty_like(lon0), np.empty_like(lat0)
    lon1[:-1], lat1[:-1] = lon0[1:], lat0[1:]
    last = k == n_cut[seg] - 1
    lon1[last], lat1[last] = s_lon1[seg[last]], s_lat1[seg[last]]
    part = np.repeat(kept, n_seg)[seg]
    n_pieces = len(seg)
    del seg, k, inner, last

    if n_pieces == len(s_len):  # no segment was cut: the pieces are the segments
        az0, back1, length = s_az, s_back, s_len
    else:
        az0, back1, length = _inv(lon0, lat0, lon1, lat1)
    point_like = length == 0
    az0 = np.where(point_like, np.nan, az0)
    az1 = np.where(point_like, np.nan, (back1 + 180.0 + 180.0) % 360.0 - 180.0)
    del back1
    starts = np.r_[True, part[1:] != part[:-1]]
    ends = np.r_[part[1:] != part[:-1], True]
    before = np.cumsum(length) - length
    part_first = np.flatnonzero(starts)
    counts = np.diff(np.r_[part_first, len(part)])
    along0 = before - np.repeat(before[part_first], counts) + part_along0[part]
    start_az_in = np.where(starts, np.nan, np.roll(az1, 1))
    end_az_out = np.where(ends, np.nan, np.roll(az0, -1))

    a_abs = _ecef(lon0, lat0)
    b_abs = _ecef(lon1, lat1)
    origin = (a_abs.sum(axis=0) + b_abs.sum(axis=0)) / (2 * len(a_abs))
    a = a_abs - origin
    b = b_abs - origin
    del a_abs, b_abs
    chord = np.linalg.norm(b - a, axis=1)
    u = np.divide(b - a, chord[:, None], out=np.zeros_like(a), where=chord[:, None] > 0)
    # sagitta: the geodesic midpoint's distance from the chord (the gap is largest there)
    mlon, mlat, mback = _fwd(lon0, lat0, np.nan_to_num(az0), length / 2.0)
    mid = _ecef(mlon, mlat) - origin
    maz = np.where(point_like, np.nan, mback + 180.0)
    del mback
    sag = _point_segment_distance(mid, a, u, chord) * 1.05 + 1e-9

    # blocks, and the storage order that keeps each block's pieces together
    m = len(part)
    size = _BRANCHING  # pieces a block, and groups of the level below a group
    n_levels = max(1, int(np.ceil(np.log(max(m, 2)) / np.log(size))) - 1)
    pos = np.arange(m) - np.repeat(part_first, counts)
    run_first = np.flatnonzero(starts | (pos % size == 0))
    run_len = np.diff(np.r_[run_first, m])
    if len(part_first) > 1:  # runs of many parts: neighbours in space share blocks
        run_order = _tile_order(a[run_first + run_len // 2], -(-m // size))
    else:  # one part: its runs, in order along it, are the blocks
        run_order = np.arange(len(run_first))
    perm, block_start = _concatenated(run_first[run_order], run_len[run_order])
    block_start = block_start[np.r_[True, np.diff(block_start // size) != 0]]
    if n_levels > 1 and len(part_first) > 1:  # blocks in tiles too: groups of them are compact
        block_len = np.diff(np.r_[block_start, m])
        centre = a[perm[block_start + block_len // 2]]
        block_order = _tile_order(centre, -(-len(block_start) // size))
        inner, block_start = _concatenated(block_start[block_order], block_len[block_order])
        perm = perm[inner]
    if (perm == np.arange(m)).all():
        perm = np.arange(m)

    def permuted(x: NDArray) -> NDArray:
        return x[perm]

    a, b, u, chord, sag = permuted(a), permuted(b), permuted(u), permuted(chord), permuted(sag)
    mid, mlon, mlat = permuted(mid), permuted(mlon), permuted(mlat)
    data = (a, b, sag, mid, mlon, mlat)
    levels = [_groups(data, block_start, block_start, np.r_[block_start[1:], m])]
    while len(levels) < n_levels and len(levels[0].start) > size:
        below = levels[0]  # a coarser level: `size` groups of the level below each
        first = np.arange(0, len(below.start), size)
        levels.insert(
            0, _groups(data, below.start[first], first, np.r_[first[1:], len(below.start)])
        )
    del b, mid, data
    return _Pieces(
        lon0=permuted(lon0),
        lat0=permuted(lat0),
        az0=permuted(az0),
        lon1=permuted(lon1),
        lat1=permuted(lat1),
        az1=permuted(az1),
        length_m=permuted(length),
        along0_m=permuted(along0),
        part=permuted(part),
        order=perm,
        mid_lon=mlon,
        mid_lat=mlat,
        mid_az=permuted(maz),
        start_az_in=permuted(start_az_in),
        end_az_out=permuted(end_az_out),
        a=np.ascontiguousarray(a.T),
        u=np.ascontiguousarray(u.T),
        chord_m=chord,
        sag_m=sag,
        origin=origin,
        levels=tuple(levels),
        n_vertex_ids=int(m + len(parts) + 2),
    )


def _groups(data: tuple[NDArray, ...], start: NDArray, child_start, child_stop) -> _Groups:
    """Capsules round the pieces from each `start` to the next: their principal axis.

    `data` holds the pieces' chord starts and ends (m, 3), sagittas, and middles (m, 3,
    and their lon/lat): the middle of each group's representative piece is its centre.
    """
    a, b, sag, mid, mid_lon, mid_lat = data
    m = len(a)
    stop = np.r_[start[1:], m]
    count = (stop - start)[:, None]
    kb = np.repeat(np.arange(len(start)), count[:, 0])  # each piece's group
    centre = (np.add.reduceat(a, start) + np.add.reduceat(b, start)) / (2 * count)
    spread = np.zeros((len(start), 3, 3))
    for ends in (a, b):
        rel = ends - centre[kb]
        spread += np.add.reduceat(rel[:, :, None] * rel[:, None, :], start)
    del rel
    u = np.linalg.eigh(spread)[1][:, :, -1]  # the direction of the largest spread
    t_a = np.einsum("ij,ij->i", a - centre[kb], u[kb])
    t_b = np.einsum("ij,ij->i", b - centre[kb], u[kb])
    t_min = np.minimum.reduceat(np.minimum(t_a, t_b), start)
    length = np.maximum.reduceat(np.maximum(t_a, t_b), start) - t_min
    del t_a, t_b
    axis_a = centre + t_min[:, None] * u
    reach = np.maximum(
        _point_segment_distance(a, axis_a[kb], u[kb], length[kb]),
        _point_segment_distance(b, axis_a[kb], u[kb], length[kb]),
    )
    w = np.maximum.reduceat(reach, start) + np.maximum.reduceat(sag, start)
    rep = start + (stop - start) // 2
    # the centre, a point of the line, and how far (geodesic) any point of the group is
    # from it at most: a point of a piece is within its sagitta of its chord, and a chord's
    # points no farther in 3-D than its farther end
    centre_xyz = mid[rep]
    far_end = np.maximum(
        np.linalg.norm(a - centre_xyz[kb], axis=1), np.linalg.norm(b - centre_xyz[kb], axis=1)
    )
    radius = _geodesic_upper(np.maximum.reduceat(far_end + sag, start) * (1.0 + 1e-12) + 1e-6)
    axis_a, u = np.ascontiguousarray(axis_a.T), np.ascontiguousarray(u.T)
    return _Groups(
        start,
        stop,
        axis_a,
        u,
        length,
        w,
        np.asarray(child_start),
        child_stop,
        rep,
        mid_lon[rep],
        mid_lat[rep],
        np.ascontiguousarray(centre_xyz.T),
        radius,
    )


def _concatenated(first: NDArray, length: NDArray) -> tuple[NDArray, NDArray]:
    """Indices of the ranges ``[first, first + length)`` one after another, and their starts."""
    start = np.cumsum(length) - length
    return np.repeat(first - start, length) + np.arange(int(length.sum())), start


def _tile_order(xyz: NDArray, n_tiles: int) -> NDArray:
    """Order points so that runs of about ``len(xyz) / n_tiles`` are compact tiles.

    Sort-tile-recursive on the points' principal axes: slabs across the first, cut into
    cells across the second, each cell in order along the third (the normal of a small
    region of the Earth, through it for a large one).
    """
    n = len(xyz)
    if n <= 1 or n_tiles <= 1:
        return np.arange(n)
    q = xyz - xyz.mean(axis=0)
    q = q @ np.linalg.eigh(q.T @ q)[1][:, ::-1]  # coordinates on the principal axes
    s = int(np.ceil(np.sqrt(n_tiles)))
    slab = np.empty(n, np.int64)
    slab[np.argsort(q[:, 0], kind="stable")] = np.arange(n) * s // n
    by_slab = np.lexsort((q[:, 1], slab))
    count = np.bincount(slab, minlength=s)
    rank = np.empty(n, np.int64)
    rank[by_slab] = np.arange(n) - np.repeat(np.cumsum(count) - count, count)
    cell = rank * s // count[slab]
    return np.lexsort((q[:, 2], cell, slab))


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
    line: shapely.Geometry | PreparedLine,
    *,
    locate: bool,
    threads: int | None,
    nearest_point: bool = True,
):
    flat_lon, flat_lat, shape = _points(lon, lat)
    workers = resolve_threads(threads)
    pieces = line._pieces if isinstance(line, PreparedLine) else _prepare(line)
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
    # a chunk's point × block matrix holds at most MATRIX_ENTRIES entries
    step = int(np.clip(MATRIX_ENTRIES // len(pieces.levels[0].start), 256, CHUNK_SIZE))
    chunks = [valid[i : i + step] for i in range(0, valid.size, step)]

    def run(idx: NDArray) -> None:
        result = _solve_chunk(
            flat_lon[idx], flat_lat[idx], pieces, locate=locate, nearest_point=nearest_point
        )
        for key, values in result.items():
            out[key][idx] = values

    map_threads(run, chunks, threads=workers)  # pyproj and numpy release the GIL
    return LineLocation(**{k: v.reshape(shape) for k, v in out.items()})


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


def _chord_reach(g: NDArray) -> NDArray:
    """Return the largest 3-D distance between points that a geodesic of length `g` can join.

    A geodesic is at least as long as the 3-D distance ``c`` between its ends. Far apart,
    longer: every point of the ellipsoid is between b and a from the centre, so radial
    projection onto the sphere of radius b (the nearest point of the ball, a 1-Lipschitz
    map) shortens no curve, and the geodesic is at least ``b·ψ``, ψ the angle at the centre
    between its ends, with ``2a·sin(ψ/2) ≥ c - (a - b)``. So ``c ≤ g`` and
    ``c ≤ (a - b) + 2a·sin(g / 2b)`` while ``g < πb``; a piece whose 3-D distance exceeds
    this reach of the best bound cannot hold the nearest point.
    """
    half = np.minimum(g / (2.0 * _B), 0.5 * np.pi)
    reach = np.where(g < np.pi * _B, (_A - _B) + 2.0 * _A * np.sin(half), np.inf)
    return np.minimum(g, reach) * (1.0 + 1e-12) + 1e-9


#: Points whose prefilter bound exceeds this (metres) get an exact one from a vertex.
_EXACT_UPPER_M = 1_000_000.0


def _candidates(p: NDArray, lon: NDArray, lat: NDArray, pieces: _Pieces, best: NDArray):
    """Yield batches of (point index, piece index, chord parameter) that may hold the nearest.

    With ``c`` the 3-D distance from the point to a piece's chord and ``sag`` the gap
    between that chord and the geodesic piece, the geodesic distance to the piece is at
    most :func:`_geodesic_upper` of ``c + sag``, and a piece whose ``c - sag`` exceeds
    :func:`_chord_reach` of the smallest such bound cannot hold the nearest point. Groups
    of pieces (``pieces.levels``, coarsest first) are screened with the lower bound, their
    capsule's width standing in for the sagitta, and each group's representative vertex
    bounds the distance from above. Each point first follows its most promising groups down
    to blocks (:func:`_greedy_bound`), which makes its bound tight before any group is
    screened; points far from the line get an exact bound from a vertex.

    Batches hold at most ``PAIR_BUDGET`` pairs, and work arrays ``MATRIX_ENTRIES``
    entries. Between batches the caller writes the exact distances found so far into
    `best`, which tightens the bound for the pairs still to come.
    """
    n = len(p)
    levels = pieces.levels
    # float64 rounding in |p|² + |a|² - 2p·a for coordinates up to `scale` metres
    scale = float(np.abs(p).max(initial=0.0) + np.abs(pieces.a).max(initial=0.0))
    p_cols = np.ascontiguousarray(p.T)
    rounding = 4.0 * np.sqrt(np.finfo(float).eps) * scale + 1e-6
    # a point-to-segment distance from differences: rounding of a few ulps of the coordinates
    fine = 64.0 * np.finfo(float).eps * scale + 1e-6

    top = levels[0]
    # near[i, g]: no piece of top group g is nearer than this to point i in 3-D
    near = _distance_matrix(p, top.a, top.u, top.length)
    near -= top.w + rounding
    # a tight bound first: each point walks down the tree to its most promising block
    first = np.argpartition(near, min(_BEAM, near.shape[1]) - 1, axis=1)[:, :_BEAM]
    # in slices: the walk holds about 20 arrays of _BEAM * _BRANCHING entries a point
    upper, piece = np.empty(n), np.empty(n, np.int64)
    walk = max(1, MATRIX_ENTRIES // (16 * _BEAM * _BRANCHING))
    for i in range(0, n, walk):
        cols = np.ascontiguousarray(p_cols[:, i : i + walk])
        upper[i : i + walk], piece[i : i + walk] = _greedy_bound(
            cols, pieces, first[i : i + walk], fine
        )
    far = np.flatnonzero(upper > _EXACT_UPPER_M)
    if far.size:  # the exact distance to that piece's start: a tighter bound
        v = piece[far]
        exact = _inv(pieces.lon0[v], pieces.lat0[v], lon[far], lat[far])[2]
        upper[far] = np.minimum(upper[far], exact * (1.0 + 1e-12) + rounding)
        best[far] = np.minimum(best[far], exact)  # a distance to a point of the line

    held: list[tuple[NDArray, ...]] = []
    n_held = 0

    def screen(pt_b: NDArray, blk: NDArray) -> None:
        """Measure the pieces of blocks `blk` from points `pt_b` (sorted); hold the hopeful."""
        nonlocal n_held
        blocks = levels[-1]
        for pt, pcs in _children(pt_b, blk, blocks.child_start, blocks.child_stop):
            c, t = _pair_distance(p_cols, pt, pieces.a, pieces.u, pieces.chord_m, pcs)
            sag = pieces.sag_m[pcs]
            _tighten(upper, pt, c + sag + fine)
            low = c - sag - fine  # no point of the piece is nearer in 3-D
            keep = low <= _chord_reach(upper)[pt]
            held.append((pt[keep], pcs[keep], low[keep], t[keep]))
            n_held += int(keep.sum())

    def descend(pt: NDArray, grp: NDArray, level: int):
        """Screen what groups `grp` of `level` hold for points `pt` (sorted)."""
        if level == len(levels) - 1:
            screen(pt, grp)
            if n_held > PAIR_BUDGET:
                yield from pending(final=False)
            return
        above, here = levels[level], levels[level + 1]
        for pt_c, ch in _children(pt, grp, above.child_start, above.child_stop):
            c = _pair_distance(p_cols, pt_c, here.a, here.u, here.length, ch)[0]
            c -= here.w[ch] + fine
            keep = c <= _chord_reach(np.minimum(upper, best + fine))[pt_c]
            far = np.flatnonzero(keep & (c > _SCREEN_M))
            if far.size:  # chords bound loosely far away: one exact measurement a group
                keep[far] = _screen_groups(lon, lat, here, pt_c[far], ch[far], best, fine)
            yield from descend(pt_c[keep], ch[keep], level + 1)

    def pending(final: bool):
        """Yield what is held, in batches, keeping only pairs that can still win."""
        nonlocal held, n_held
        pts, pcs, low, par = (np.concatenate(x) for x in zip(*held, strict=True))
        held, n_held = [], 0
        while pts.size:
            keep = low <= _chord_reach(np.minimum(upper, best + fine))[pts]
            pts, pcs, low, par = pts[keep], pcs[keep], low[keep], par[keep]
            if not final and pts.size <= PAIR_BUDGET // 2:
                held, n_held = [(pts, pcs, low, par)], pts.size
                return
            yield pts[:PAIR_BUDGET], pcs[:PAIR_BUDGET], par[:PAIR_BUDGET], low[:PAIR_BUDGET]
            pts, pcs, low, par = (x[PAIR_BUDGET:] for x in (pts, pcs, low, par))

    step = max(1, MATRIX_ENTRIES // len(top.start))
    for i in range(0, n, step):
        reach = _chord_reach(upper[i : i + step])
        pt, grp = np.nonzero(near[i : i + step] <= reach[:, None])
        yield from descend(pt + i, grp, 0)
    if held:
        yield from pending(final=True)


def _greedy_bound(p_cols: NDArray, pieces: _Pieces, group: NDArray, fine: float):
    """An upper bound on each point's geodesic distance, from a narrow walk down the tree.

    From top groups `group` (n, k), each point keeps at each level the ``_BEAM`` children
    whose capsules may come nearest, and bounds its distance by the pieces of the blocks it
    reaches (their chord distance plus sagitta). Cost: the tree's depth times
    ``_BEAM * _BRANCHING`` pair distances per point. Returns the bound (metres) and, for
    each point, the piece that gave it.
    """
    n = p_cols.shape[1]
    levels = pieces.levels
    rows = np.arange(n)[:, None]
    for depth in range(len(levels)):
        here = levels[depth]
        lo, hi = here.child_start[group], here.child_stop[group]  # (n, k)
        k = np.arange(_BRANCHING)
        child = (lo[:, :, None] + k).reshape(n, -1)  # (n, k * _BRANCHING)
        valid = (k < (hi - lo)[:, :, None]).reshape(n, -1)
        pt, col = np.nonzero(valid)
        ch = child[pt, col]
        score = np.full(child.shape, np.inf)
        if depth == len(levels) - 1:
            c = _pair_distance(p_cols, pt, pieces.a, pieces.u, pieces.chord_m, ch)[0]
            score[pt, col] = c + pieces.sag_m[ch] + fine
            best = np.argmin(score, axis=1)
            return _geodesic_upper(score[rows[:, 0], best]), child[rows[:, 0], best]
        below = levels[depth + 1]
        c = _pair_distance(p_cols, pt, below.a, below.u, below.length, ch)[0]
        score[pt, col] = c - below.w[ch]
        beam = min(_BEAM, score.shape[1])
        keep = np.argpartition(score, beam - 1, axis=1)[:, :beam]
        group = child[rows, keep]
        group = np.where(np.isfinite(score[rows, keep]), group, group[:, :1])
    raise AssertionError  # the last level returns


def _children(pt: NDArray, grp: NDArray, child_start: NDArray, child_stop: NDArray):
    """Yield (point, child) pairs of the (point, group) pairs, ``MATRIX_ENTRIES / 4`` at most."""
    if pt.size == 0:
        return
    size = child_stop[grp] - child_start[grp]
    ends = np.cumsum(size)
    batch = MATRIX_ENTRIES // 4  # a batch of pairs per level of the descent
    cut = np.searchsorted(ends, np.arange(1, ends[-1] // batch + 1) * batch)
    for lo, hi in zip(np.r_[0, cut], np.r_[cut, len(grp)], strict=True):
        if hi <= lo:
            continue
        count = size[lo:hi]
        first = np.cumsum(count) - count
        pts = np.repeat(pt[lo:hi], count)
        yield pts, np.repeat(child_start[grp[lo:hi]] - first, count) + np.arange(pts.size)


def _tighten(upper: NDArray, pt: NDArray, far_end: NDArray) -> None:
    """Lower each point's bound to the geodesic bound of its nearest far end (`pt` sorted)."""
    if pt.size == 0:
        return
    starts = np.flatnonzero(np.r_[True, pt[1:] != pt[:-1]])
    up = _geodesic_upper(np.minimum.reduceat(far_end, starts))
    upper[pt[starts]] = np.minimum(upper[pt[starts]], up)


def _distance_matrix(p: NDArray, a: NDArray, u: NDArray, length: NDArray) -> NDArray:
    """Distances (n, m) from points `p` (n, 3) to 3-D segments (`a`, `u`: (3, m))."""
    wu = p @ u  # (n, m)
    wu -= np.einsum("ij,ij->j", a, u)[None, :]
    t = np.clip(wu, 0.0, length[None, :])
    d2 = p @ a
    d2 *= -2.0
    d2 += np.einsum("ij,ij->i", p, p)[:, None]
    d2 += np.einsum("ij,ij->j", a, a)[None, :]
    wu *= t
    wu *= 2.0
    d2 -= wu
    del wu
    t *= t
    d2 += t
    del t
    np.maximum(d2, 0.0, out=d2)
    return np.sqrt(d2, out=d2)


def _pair_distance(p: NDArray, pt: NDArray, a: NDArray, u: NDArray, length, j: NDArray):
    """3-D distance from points ``p[:, pt]`` to segments `j` (start `a`, unit `u`, `length`).

    `p`, `a` and `u` hold one row per coordinate, (3, n) and (3, m). Returns the distances
    and the parameter (metres along each segment) of the nearest point.
    """
    ux, uy, uz = u[0][j], u[1][j], u[2][j]
    wx = p[0][pt] - a[0][j]
    wy = p[1][pt] - a[1][j]
    wz = p[2][pt] - a[2][j]
    t = wx * ux
    t += wy * uy
    t += wz * uz
    np.clip(t, 0.0, length[j] if np.ndim(length) else length, out=t)
    ux *= t
    uy *= t
    uz *= t
    wx -= ux
    wy -= uy
    wz -= uz
    wx *= wx
    wy *= wy
    wz *= wz
    wx += wy
    wx += wz
    return np.sqrt(wx, out=wx), t


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
    n = len(lon)
    p = _ecef(lon, lat) - pieces.origin
    best = np.full(n, np.inf)
    # the pair that gives each point's minimum (the earliest along the line, where pieces
    # tie at a vertex): its piece, foot, and the azimuths at the final trial foot
    win = np.full(n, -1, np.int64)
    win_d, win_s, win_az, win_travel = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    # what the pruning may assume: exact distances to points of the line found so far
    bound = np.full(n, np.inf)
    for pt, pc, t, low in _candidates(p, lon, lat, pieces, bound):
        extra = None
        far = np.flatnonzero(low > _SCREEN_M)
        if far.size:  # far away, chords bound loosely: screen with one exact measurement
            drop, ends = _screen_far(lon, lat, pieces, pt[far], pc[far], bound)
            k = far[ends]  # pieces whose nearest point is an end: measured there, no more
            if k.size:
                seg_k = _Segments.take(pieces, pc[k])
                extra = (pt[k], pc[k], *_nearer_end(lon[pt[k]], lat[pt[k]], seg_k))
            rest = np.ones(len(pt), bool)
            rest[far[drop | ends]] = False
            pt, pc, t = pt[rest], pc[rest], t[rest]
        plon, plat = lon[pt], lat[pt]
        seg = _Segments.take(pieces, pc)
        chord = pieces.chord_m[pc]
        s0 = np.divide(t, chord, out=np.zeros_like(t), where=chord > 0)
        s0 *= seg.length_m

        def first_measure(xlon, xlat, s, pt=pt, pc=pc, plon=plon, plat=plat):
            # pieces meeting at a vertex share one measurement
            return _inv_from_vertices(pieces, pt, pc, s, xlon, xlat, plon, plat)

        dist, foot_s, (azimuth, travel) = _refine(plon, plat, seg, s0, first_measure=first_measure)
        if extra is not None:
            pt, pc, dist, foot_s, azimuth, travel = (
                np.r_[x, y]
                for x, y in zip((pt, pc, dist, foot_s, azimuth, travel), extra, strict=True)
            )
        np.minimum.at(bound, pt, dist)
        if not locate:
            np.minimum.at(best, pt, dist)
            continue
        # the winner: the earliest piece along the line within _TIE_M of the nearest (a
        # line that doubles back is at the same distance, to rounding, on both ways)
        batch = np.full(n, np.inf)
        np.minimum.at(batch, pt, dist)
        tie = np.flatnonzero(dist <= batch[pt] + _TIE_M)
        rank = np.full(n, np.iinfo(np.int64).max)
        np.minimum.at(rank, pt[tie], pieces.order[pc[tie]])
        w = tie[pieces.order[pc[tie]] == rank[pt[tie]]]  # one pair per point of the batch
        q = pt[w]
        new_best = np.minimum(best[q], batch[q])
        old_valid = (win[q] >= 0) & (win_d[q] <= new_best + _TIE_M)
        earlier = pieces.order[pc[w]] < pieces.order[np.maximum(win[q], 0)]
        take = (dist[w] <= new_best + _TIE_M) & (~old_valid | earlier)
        best[q] = new_best
        q, w = q[take], w[take]
        win[q], win_d[q], win_s[q] = pc[w], dist[w], foot_s[w]
        win_az[q], win_travel[q] = azimuth[w], travel[w]
    out = {"distance_m": best}
    if not locate:
        return out
    j = win
    fs = win_s
    if nearest_point:
        flon, flat, _ = _point_on_piece(_Segments.take(pieces, j), fs)
        flon = (flon + 180.0) % 360.0 - 180.0
    else:
        flon = flat = np.full(n, np.nan)
    # side: the angle from the line's direction to the point, measured at the final trial
    # foot (inside a piece, its sign is the cross-track sign); at a vertex, relative to the
    # mean direction there
    heading = win_travel
    at_start = fs <= 0.0
    at_end = fs >= pieces.length_m[j]
    heading = np.where(at_start, _mean_azimuth(pieces.start_az_in[j], pieces.az0[j]), heading)
    heading = np.where(at_end, _mean_azimuth(pieces.az1[j], pieces.end_az_out[j]), heading)
    sin_theta = np.sin((win_az - heading) * _RAD)
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
        az0, back1, length = _inv(lon0, lat0, lon1, lat1)
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
            az_x, _, d = _inv(xlon, xlat, plon[active], plat[active])
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
    if active.size:  # far from the line the steps can stall: bracket the foot instead
        dist[active], foot_s[active], azimuth[active], travel[active] = _bisect(
            plon[active], plat[active], seg.subset(active)
        )
    far = np.flatnonzero(dist > _FAR_M)
    if far.size:  # nearly antipodal, the way to the point is ill-defined: check both ends
        sub = seg.subset(far)
        for end_s in (np.zeros(far.size), sub.length_m):
            xlon, xlat, heading = _point_on_piece(sub, end_s)
            az_x, _, d = _inv(xlon, xlat, plon[far], plat[far])
            nearer = d < dist[far]
            k = far[nearer]
            dist[k], foot_s[k], azimuth[k], travel[k] = (
                d[nearer],
                end_s[nearer],
                az_x[nearer],
                heading[nearer],
            )
    return dist, foot_s, (azimuth, travel)


def _bisect(plon: NDArray, plat: NDArray, seg: _Segments):
    """Distance, foot, azimuth to the point and travel azimuth, by bracketing the foot.

    For the pairs the right-angle steps leave unsettled: points about a quarter of the
    way round the Earth from a segment, where the distance along it is nearly flat, or
    nearly antipodal, where the azimuth to them is ill-conditioned. The distance falls
    ahead while the angle between the line's direction and the way to the point is below
    90°; bisection on that sign finds where it stops falling. The result is the least of
    the distances there and at both ends, so it is never more than the distance to a
    vertex.
    """
    length = seg.length_m
    lo, hi = np.zeros(len(length)), length.copy()

    def measure(s: NDArray):
        xlon, xlat, heading = _point_on_piece(seg, s)
        az, _, d = _inv(xlon, xlat, plon, plat)
        return d, az, heading

    for _ in range(_BISECTIONS):
        mid = 0.5 * (lo + hi)
        _, az, heading = measure(mid)
        falling = np.cos((az - heading) * _RAD) > 0.0
        lo = np.where(falling, mid, lo)
        hi = np.where(falling, hi, mid)
    best_d, best_az, best_travel = measure(lo)
    best_s = lo
    for s in (np.zeros(len(length)), length):
        d, az, heading = measure(s)
        nearer = d < best_d
        best_d = np.where(nearer, d, best_d)
        best_s = np.where(nearer, s, best_s)
        best_az = np.where(nearer, az, best_az)
        best_travel = np.where(nearer, heading, best_travel)
    return best_d, best_s, best_az, best_travel


#: Pairs whose chord bound puts the point farther than this (metres) are screened exactly.
_SCREEN_M = 300_000.0
#: Within this distance (metres) of a point, the distance to it is convex along any geodesic:
#: the Gaussian curvature of WGS84 is at most 1/b², so by Hessian comparison the distance's
#: second derivative along a geodesic is at least sin²θ·cot(r/b)/b, not negative below
#: πb/2 = 9,985 km.
_CONVEX_M = 9_900_000.0
#: Beyond this distance (metres), concave: the curvature is at least b²/a⁴, so the second
#: derivative is at most sin²θ·cot(r·b/a²)·b/a², not positive beyond πa²/2b = 10,052 km
#: (in the barrier sense, across the cut locus too). The nearest point of a geodesic piece
#: that lies wholly beyond it is one of its ends.
_CONCAVE_M = 10_100_000.0


def _screen_far(lon, lat, pieces: _Pieces, pt: NDArray, pc: NDArray, bound: NDArray):
    """Drop far (point, piece) pairs that cannot hold the nearest point; flag concave ones.

    One exact measurement from the piece's middle M gives its distance F(M), an upper
    bound for the point (written into `bound`), and the angle θ there between the piece and
    the way to the point. Every point of the piece is within L/2 of M, so no point of it is
    nearer than F(M) - L/2; where the distance is convex along the whole piece, than
    F(M) - |cos θ|·L/2 (the tangent at M, whose slope is -cos θ, stays below a convex
    function). Returns the pairs to drop and the pairs whose nearest point is an end.
    """
    az, _, f_mid = _inv(pieces.mid_lon[pc], pieces.mid_lat[pc], lon[pt], lat[pt])
    half = 0.5 * pieces.length_m[pc]
    lower = f_mid - half
    convex = f_mid + half <= _CONVEX_M
    slope = np.abs(np.cos((az - pieces.mid_az[pc]) * _RAD))
    lower[convex] = np.fmax(lower[convex], f_mid[convex] - slope[convex] * half[convex])
    np.minimum.at(bound, pt, f_mid)
    drop = lower > bound[pt] + 2.0 * _TIE_M
    ends = ~drop & (f_mid - half >= _CONCAVE_M)
    return drop, ends


def _screen_groups(lon, lat, groups: _Groups, pt: NDArray, g: NDArray, best: NDArray, fine):
    """Which far (point, group) pairs may hold the nearest point; write exact bounds.

    One exact measurement from the group's centre C (a point of the line) gives F(C), an
    upper bound for the point (written into `best`), and the direction t there towards the
    point. Every point X of the group is within its radius r of C, so F(X) >= F(C) - r.
    Where the distance is convex along the geodesics from C to the group (within
    ``_CONVEX_M``), the tangent bound F(X) >= F(C) - r·cos(angle at C between X and the
    point) holds too; r times that cosine is the component along t of the geodesic's
    direction at C, and the 3-D chord X - C is within κr²/2 of that vector (the geodesic's
    curvature in space is at most κ), so F(X) >= F(C) - t·(X - C) - κr²/2, and the largest
    t·(X - C) over the group's capsule is at one end of its axis, plus its width.
    """
    az, _, f_c = _inv(groups.centre_lon[g], groups.centre_lat[g], lon[pt], lat[pt])
    np.minimum.at(best, pt, f_c)
    r = groups.radius[g]
    lower = f_c - r
    convex = np.flatnonzero((f_c + r <= _CONVEX_M) & (f_c - r > 0.0))
    if convex.size:
        j = g[convex]
        lam, phi, alpha = groups.centre_lon[j] * _RAD, groups.centre_lat[j] * _RAD, az[convex]
        sin_phi, cos_phi = np.sin(phi), np.cos(phi)
        north = np.cos(alpha * _RAD)
        east = np.sin(alpha * _RAD)
        t = (
            -north * sin_phi * np.cos(lam) - east * np.sin(lam),
            -north * sin_phi * np.sin(lam) + east * np.cos(lam),
            north * cos_phi,
        )
        along_t = np.full(j.size, -np.inf)
        for end in (0.0, 1.0):
            dot = np.zeros(j.size)
            for k in range(3):
                x = groups.a[k][j] + end * groups.u[k][j] * groups.length[j]
                dot += t[k] * (x - groups.centre[k][j])
            along_t = np.maximum(along_t, dot)
        rc = r[convex]
        tangent = f_c[convex] - along_t - groups.w[j] - 0.5 * _KAPPA * rc * rc - 1e-9 * rc
        lower[convex] = np.maximum(lower[convex], tangent)
    return lower - fine <= best[pt] + 2.0 * _TIE_M


def _nearer_end(plon: NDArray, plat: NDArray, seg: _Segments):
    """Distance, foot, azimuth to the point and travel azimuth at each segment's nearer end."""
    zeros = np.zeros(len(seg.length_m))
    xlon, xlat, heading = _point_on_piece(seg, zeros)
    az, _, d = _inv(xlon, xlat, plon, plat)
    best = [d, zeros, az, heading]
    xlon, xlat, heading = _point_on_piece(seg, seg.length_m)
    az, _, d = _inv(xlon, xlat, plon, plat)
    nearer = d < best[0]
    end = (d, seg.length_m, az, heading)
    return tuple(np.where(nearer, new, old) for new, old in zip(end, best, strict=True))


def _inv_from_vertices(pieces, pt, pc, s, xlon, xlat, plon, plat):
    """Azimuth and distance from every pair's trial point, measuring each vertex once."""
    at_end = s >= pieces.length_m[pc]
    vertex = (s <= 0.0) | at_end
    # vertices numbered along the line: piece j starts at vertex j + part[j]
    vid = pieces.order[pc] + pieces.part[pc] + at_end
    key = np.where(vertex, pt * pieces.n_vertex_ids + vid, -1)
    az_x = np.empty(len(pt))
    d = np.empty(len(pt))
    inside = np.flatnonzero(~vertex)
    if inside.size:
        az_x[inside], _, d[inside] = _inv(xlon[inside], xlat[inside], plon[inside], plat[inside])
    at_vertex = np.flatnonzero(vertex)
    if at_vertex.size:
        uniq, first, back = np.unique(key[at_vertex], return_index=True, return_inverse=True)
        k = at_vertex[first]
        az_u, _, d_u = _inv(xlon[k], xlat[k], plon[k], plat[k])
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
        flon, flat, fback = _fwd(seg.lon0[inside], seg.lat0[inside], seg.az0[inside], s[inside])
        lon[inside], lat[inside], heading[inside] = flon, flat, fback + 180.0
    return lon, lat, heading


def _mean_azimuth(az_a: NDArray, az_b: NDArray) -> NDArray:
    """Circular mean of two azimuths in degrees; the other one where one is NaN.

    Where the line turns right round (a U-turn, `az_b` opposite `az_a`), the mean is
    undefined: it is taken as ``az_a - 90``, as for a U-turn to the left, so that every
    point beyond the turn is on its outer (right) side.
    """
    az_a = np.where(np.isnan(az_a), az_b, az_a)
    az_b = np.where(np.isnan(az_b), az_a, az_b)
    x = np.cos(az_a * _RAD) + np.cos(az_b * _RAD)
    y = np.sin(az_a * _RAD) + np.sin(az_b * _RAD)
    mean = np.degrees(np.arctan2(y, x))
    return np.where(np.hypot(x, y) < 1e-9, az_a - 90.0, mean)
