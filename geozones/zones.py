"""Geodesic zones around lines: 5 / 20 / 60 km bands whose edges are right to the metre.

How a zone is drawn
-------------------
For a distance D the set of points exactly D from a line is made of two kinds of curve:
the *parallels* of each geodesic segment (walk to a point of the segment, turn 90° and walk
D metres) and *arcs* of the geodesic circle of radius D around vertices on the convex side
of a turn and at the line's ends (on the concave side of a turn the two parallels cross;
they are joined there by a straight chord that lies inside the zone). geozones samples
these curves adaptively, adding vertices until the straight lon/lat edge between two
samples (how GeoJSON and Leaflet draw it) stays within ``tolerance_m`` of the true
distance, checked with the exact distance.

The curves for every D (and, for one-sided zones, the line itself and its extensions
beyond the ends) are noded together; each face of that arrangement is then classified by
the exact distance and side of one point inside it. Bands are unions of faces, so they
never overlap, leave no slivers and together equal the outer zone.

Most of an offset curve is not on the zone's edge: where the line turns or wiggles it runs
inside the zone of other segments, in loops. For zones on both sides, stretches that a
local plane shows to be deep inside (by a margin that covers the plane's error, see
`_Interior`) are neither sampled nor noded; the rest, the edge and every crossing near it,
is drawn as above. That makes no difference to the bands (tests compare them with the full
arrangement) and saves most of the work on wiggly lines.

Ends and sides
--------------
- Around a line's ends a zone is **round**: it holds every point within D of the line,
  including those beyond the ends, as the distance semantics require.
- ``side="left"`` / ``"right"`` keeps the points on that side of the line's direction, as
  :func:`geozones.side_of_line` defines it. Beyond an end, the side is that of the line
  continued along its end direction, so a one-sided zone keeps *half* of each round end:
  the half on its side of that continuation.
- ``clip=`` cuts the bands to a territory polygon, such as ``load_territory("syrian_held")``.
- One rule for side: a point's side is that of its nearest point on the line, as
  :func:`geozones.locate_on_line` reports it, and a one-sided zone holds exactly those
  points. Where two stretches of the line face each other (parallel parts, a line that
  winds back near itself), the side changes off the line, along the curve of points
  equally far from both; that curve is traced (see `_SideCuts`) and drawn, so no face
  straddles it. Where two nearest points tie (on that curve), ``locate_on_line`` takes
  the earlier along the line (the first part of a MultiLineString); the drawn curve is
  within the tolerance of the ties, so points that close may fall on either side.
- Where a line runs back over itself, points beside the doubled stretch are on the side of
  its first pass (ties go to the earlier piece, as :func:`geozones.locate_on_line` says);
  the normals where the doubling starts, stops or turns round are drawn, so that no face
  straddles the change.

Limits
------
- Work and memory are estimated before anything is built, and zones over
  ``MAX_ZONE_VERTICES`` (at once) or ``MAX_ZONE_WORK`` (in all) are refused with a message
  that says how many vertices they would need and how to proceed; so are curves whose
  crossings would make too many vertices to node (one-sided zones of winding lines).
- Zones that come near a pole (within 5 % of their distance) are drawn on the globe's own
  frame: every curve is cut at ±180° and the antimeridian and the ±90° parallels are drawn
  with them, so the faces tile the globe. A zone round a pole runs along the antimeridian
  and the pole's parallel and holds the pole; one larger than a hemisphere is right too
  (up to ``MAX_DISTANCE_KM``). Areas are those of the polygons as drawn, on the ellipsoid.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from geozones import catalog, geodesy
from geozones.coordinates import M_PER_DEGREE
from geozones.errors import DatasetError, InputError
from geozones.lines import resolve_line
from geozones.parallel import map_threads, resolve_threads
from geozones.saving import save_zones  # re-exported: its home is the writers' room

__all__ = [
    "DEFAULT_DISTANCES_KM",
    "MAX_DISTANCE_KM",
    "MAX_ZONE_VERTICES",
    "MAX_ZONE_WORK",
    "MIN_DISTANCE_TOLERANCES",
    "MIN_TOLERANCE_M",
    "ZONE_SETS",
    "ZoneSet",
    "build_zone_set",
    "build_zones",
    "load_territory",
    "save_zones",
    "syrian_side_zones",
]

#: The thresholds analysts ask about: the 2017 arrangement's 5 km, the 20 km it roughly
#: meant from the border, and Israel's 2018 demand of 60 km.
DEFAULT_DISTANCES_KM = (5.0, 20.0, 60.0)
#: Beyond this, geodesic parallels stop being shortest paths and zones wrap the globe.
MAX_DISTANCE_KM = 10_000.0
#: The finest tolerance zones are drawn to, in metres (float64 lon/lat carry about 1 µm).
MIN_TOLERANCE_M = 0.001
#: A zone's smallest distance must be at least this many tolerances (a 10 m zone at 1 m).
MIN_DISTANCE_TOLERANCES = 10.0
#: Zones whose curves would need more vertices than this at once are refused (estimated
#: before building, and their crossings before noding): about 1 kB each while built.
MAX_ZONE_VERTICES = 2_000_000
#: Zones whose curves need more vertices than this in all are refused: about a minute.
MAX_ZONE_WORK = 20_000_000
#: Zones that come within this share of their distance of a pole are drawn on the whole
#: globe (see `_build_bands`).
_POLE_MARGIN = 0.05

_SIDES = ("both", "left", "right")
_MAX_ROUNDS = 40
#: Share of the tolerance a chord's midpoint may use; the rest covers the chord's other
#: points and the near-tangent crossings of parallels at gentle concave corners. (0.8:
#: the bench measures at most 0.80 m on 1 m, with a fifth fewer vertices than 0.5.)
_CHORD_SHARE = 0.8
#: Where along each chord (as drawn) its distance is checked: a chord's error is largest
#: about its middle, and the quarters catch a chord that strays and comes back.
_CHORD_TESTS = np.array([0.25, 0.5, 0.75])
#: Only chords longer than this share of their curve's distance can stray and come back
#: (shorter ones follow a curve of radius at least the distance: their error is a smooth
#: bulge, largest about the middle, which `_CHORD_SHARE` leaves room for); the others are
#: checked at the middle alone.
_QUARTERS_SHARE = 0.5
#: More than the metres in a degree of latitude or of the equator (for upper bounds).
_METRES_PER_DEGREE = 111_700.0


def build_zones(
    line,
    distances_km=DEFAULT_DISTANCES_KM,
    *,
    side: str = "both",
    clip: shapely.Geometry | gpd.GeoDataFrame | gpd.GeoSeries | str | None = None,
    tolerance_m: float = 1.0,
    name: str | None = None,
    threads: int | None = None,
) -> gpd.GeoDataFrame:
    """Build non-overlapping geodesic distance bands around a line.

    Parameters
    ----------
    line
        A shapely LineString / MultiLineString in lon/lat, a GeoDataFrame or GeoSeries of
        lines (their union is used), a file :func:`geozones.read_lines` reads, the name
        of a bundled line layer such as ``"alpha_line"``, a list of these or a
        :class:`geozones.lines.LineSet` (anything :func:`geozones.lines.as_lines` resolves).
    distances_km
        Increasing, positive band limits in kilometres: ``(5, 20, 60)`` gives the bands
        [0, 5], (5, 20] and (20, 60].
    side
        ``"both"`` (default), or ``"left"`` / ``"right"`` of the line's direction.
    clip
        A territory to cut the bands to: a (Multi)Polygon in lon/lat, a GeoDataFrame /
        GeoSeries of polygons (their union) or a name for :func:`load_territory`.
    tolerance_m
        Every point of every drawn edge lies within this many metres of its nominal
        distance (straight edges in lon/lat, as GeoJSON and Leaflet draw them). At least
        ``MIN_TOLERANCE_M`` (1 mm), and at most a tenth of the smallest distance.
    name
        A name for the line in the output; taken from the layer or file when omitted.
    threads
        Threads that build the bands (see :func:`geozones.parallel.resolve_threads`): one
        per core, at most 8, by default. The zones do not depend on it.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per band, innermost first, in EPSG:4326, with columns ``band`` (a label),
        ``inner_km``, ``outer_km``, ``side``, ``line``, ``area_km2`` (on the ellipsoid, as drawn),
        ``n_vertices``, ``tolerance_m``, the line's provenance (``line_source``,
        ``licence``, ``attribution``) and ``geometry`` (a valid (Multi)Polygon, empty if
        clipping removed the band). Zones that cross the antimeridian are split at ±180°.

    Raises
    ------
    InputError
        Distances that are not positive, not increasing, duplicated, above
        ``MAX_DISTANCE_KM``, below ``MIN_DISTANCE_TOLERANCES`` tolerances or closer to
        each other than two tolerances; a tolerance below ``MIN_TOLERANCE_M`` or not
        finite; zones estimated to need more than ``MAX_ZONE_VERTICES`` vertices at once
        or ``MAX_ZONE_WORK`` in all (the message says how many, and how to proceed); an
        empty or invalid line; an unknown side or territory.

    Notes
    -----
    Memory and time grow with the vertices the zones' curves need, which are estimated
    first (from the line's length, its turns, the distances and the tolerance): zones are
    refused when they would hold more than ``MAX_ZONE_VERTICES`` at once (about 1 kB each
    while built: 2 GB), counting the crossings of their curves before they are noded, or
    consider more than ``MAX_ZONE_WORK`` in all (about a minute). Repeated parts of a line
    (the same vertices, either way round) are drawn once, and features are not noded
    together: two copies of a line cost what one does.

    Examples
    --------
    >>> zones = build_zones("alpha_line", (5, 20))
    >>> zones[["band", "inner_km", "outer_km"]].to_numpy().tolist()
    [['0–5 km', 0.0, 5.0], ['5–20 km', 5.0, 20.0]]
    >>> bool(zones.is_valid.all()), zones.crs.to_epsg()
    (True, 4326)
    """
    threads = resolve_threads(threads)
    tolerance_m = _check_tolerance(tolerance_m)
    limits_km = _check_distances(distances_km, tolerance_m)
    if not isinstance(side, str) or side not in _SIDES:
        msg = f"side must be one of {', '.join(_SIDES)}, not {side!r}"
        raise InputError(msg)
    if name is not None and not isinstance(name, str):
        msg = f"name must be a string or None, not {name!r}"
        raise InputError(msg)
    geom, line_name, provenance = resolve_line(line)
    parts = geodesy.line_parts(geom, unique=True)
    _check_budget(parts, limits_km * 1000.0, tolerance_m, side)
    clip_geom = _as_clip(clip)
    bands = _build_bands(
        geom, parts, limits_km * 1000.0, side=side, tolerance_m=tolerance_m, threads=threads
    )

    def finish(band: shapely.Geometry) -> tuple[shapely.Geometry, float]:
        if clip_geom is not None:
            band = _polygonal(shapely.make_valid(shapely.intersection(band, clip_geom)))
        return band, geodesy.drawn_area_m2(band) / 1e6

    if clip_geom is None:  # areas alone are quicker than a thread's start
        bands, areas_km2 = zip(*map(finish, bands), strict=True)
    else:
        bands, areas_km2 = zip(*map_threads(finish, bands, threads=threads), strict=True)
    geometry = np.empty(len(bands), dtype=object)
    geometry[:] = bands
    inner = np.r_[0.0, limits_km[:-1]]
    out = pd.DataFrame(
        {
            "band": [f"{_km(a)}–{_km(b)} km" for a, b in zip(inner, limits_km, strict=True)],
            "inner_km": inner,
            "outer_km": limits_km,
            "side": side,
            "line": name or line_name,
            "area_km2": list(areas_km2),
            "n_vertices": shapely.get_num_coordinates(geometry),
            "tolerance_m": tolerance_m,
            **provenance,
        }
    )
    # (a geometry column set on a plain frame is quicker than GeoDataFrame(..., geometry=))
    out["geometry"] = gpd.array.GeometryArray(geometry, crs=_wgs84())
    out = gpd.GeoDataFrame(out, geometry="geometry")
    out.attrs["line"] = name or line_name
    return out


def syrian_side_zones(line: str = "alpha_line") -> gpd.GeoDataFrame:
    """Build the 5, 20 and 60 km zones on the Syrian side of a Golan line, in Syrian-held land.

    This is the one call behind every area geozones quotes: the README, notebook 01, the
    demo's map legend and its printout. The bands are one-sided (``side="left"``: the
    bundled Golan lines run north to south) and clipped to
    :func:`geozones.load_territory` ``("syrian_held")``, so the Area of Separation and the
    Israeli-held Golan are left out; ``area_km2`` is measured on the ellipsoid, as drawn.

    Parameters
    ----------
    line
        A bundled Golan line: ``"alpha_line"`` (default), ``"bravo_line"`` or
        ``"ceasefire_line_1974"``.

    Returns
    -------
    geopandas.GeoDataFrame
        As :func:`geozones.build_zones` returns: bands ``0–5 km``, ``5–20 km``, ``20–60 km``.

    Examples
    --------
    >>> zones = syrian_side_zones()
    >>> zones["band"].tolist(), bool((zones["area_km2"] > 100).all())
    (['0–5 km', '5–20 km', '20–60 km'], True)
    """
    if line not in ("alpha_line", "bravo_line", "ceasefire_line_1974"):
        golan = "alpha_line, bravo_line or ceasefire_line_1974"
        msg = f"no bundled Golan line named {line!r}; use {golan}"
        raise DatasetError(msg)
    return build_zones(line, (5, 20, 60), side="left", clip="syrian_held")


# --------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------


def _check_tolerance(tolerance_m) -> float:
    """The tolerance as a float, or an InputError naming it, its value and the range."""
    ok = isinstance(tolerance_m, int | float | np.integer | np.floating) and not isinstance(
        tolerance_m, bool
    )
    if not ok or not np.isfinite(tolerance_m) or tolerance_m < MIN_TOLERANCE_M:
        msg = (
            f"tolerance_m must be a finite number of metres, at least {MIN_TOLERANCE_M:g} "
            f"(1 mm), not {tolerance_m!r}"
        )
        raise InputError(msg)
    return float(tolerance_m)


def _check_distances(distances_km, tolerance_m: float = 1.0) -> NDArray:
    """The distances as an increasing float array (km), or an InputError saying why not."""
    try:
        km = np.atleast_1d(np.asarray(distances_km, dtype=float))
    except (TypeError, ValueError):
        msg = f"distances_km must be numbers of kilometres, not {distances_km!r}"
        raise InputError(msg) from None
    if km.ndim != 1:
        msg = f"distances_km must be a flat list of kilometres, not {distances_km!r}"
        raise InputError(msg)
    if km.size == 0:
        msg = "distances_km must hold at least one distance"
        raise InputError(msg)
    if not np.isfinite(km).all() or (km <= 0).any():
        msg = f"distances_km must be positive and finite; got {km.tolist()}"
        raise InputError(msg)
    if len(np.unique(km)) != len(km):
        msg = f"distances_km has a duplicate; got {km.tolist()}"
        raise InputError(msg)
    if (np.diff(km) < 0).any():
        msg = f"distances_km must be in increasing order; got {km.tolist()}"
        raise InputError(msg)
    if km.max() > MAX_DISTANCE_KM:
        msg = (
            f"{km.max():g} km is beyond {MAX_DISTANCE_KM:g} km: a zone that large wraps most "
            "of the globe, and geodesic offsets stop being shortest paths; refused"
        )
        raise InputError(msg)
    smallest_m = MIN_DISTANCE_TOLERANCES * tolerance_m
    if km[0] * 1000.0 < smallest_m:
        msg = (
            f"distances_km: {km[0]:g} km is less than {MIN_DISTANCE_TOLERANCES:g} × "
            f"tolerance_m ({smallest_m:g} m), too small to draw to that tolerance; use "
            f"distances of at least {smallest_m / 1000.0:g} km, or a smaller tolerance_m "
            f"(at least {MIN_TOLERANCE_M:g} m)"
        )
        raise InputError(msg)
    gap_m = np.diff(km).min(initial=np.inf) * 1000.0
    if gap_m < 2.0 * tolerance_m:
        msg = (
            f"distances_km: {km.tolist()} has limits {gap_m:g} m apart, less than 2 × "
            f"tolerance_m ({2.0 * tolerance_m:g} m): their edges could cross; space them "
            "further apart or use a smaller tolerance_m"
        )
        raise InputError(msg)
    return km


def _near_a_pole(line: shapely.Geometry, limits_km: NDArray) -> bool:
    """Whether the largest zone might come near a pole: then it is drawn on the whole globe."""
    xy = shapely.get_coordinates(line)
    # every point of a segment is within half its length of a vertex: a quick lower bound
    half_m = 0.5 * float(geodesy.inverse(xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1])[2].max())
    near_m = [
        float(geodesy.geodesic_distance(xy[:, 0], xy[:, 1], xy[:, 0], np.full(len(xy), pole)).min())
        - half_m
        for pole in (90.0, -90.0)
    ]
    reach_m = limits_km[-1] * 1000.0
    if reach_m <= min(near_m) * (1.0 - _POLE_MARGIN):
        return False
    to_pole_m = geodesy.distance_to_line([0.0, 0.0], [90.0, -90.0], line, threads=1)
    return bool(reach_m > to_pole_m.min() * (1.0 - _POLE_MARGIN))


def _estimate_vertices(parts: list[NDArray], limits_m: NDArray, tolerance_m: float, side: str):
    """Roughly how many vertices the curves of every band need, part by part (an array).

    Per distance D: every segment's two parallels and each vertex's two arcs need a
    vertex at least; the convex arcs (the line's turns and the round ends, sweeping
    ``2π + Σ|turn|`` a part) need a chord per ``sqrt(8 D t)`` of their length ``D·sweep``,
    and the parallels one per ``sqrt(8 t / κ)``, κ the curvature of a parallel against a
    straight lon/lat edge, about ``(tan(D/R) + |tan φ| + 1) / R``. One-sided zones also
    draw the line and its continuations. Stretches left out inside the zone still count:
    their curves are set up before they are left out.
    """
    share = tolerance_m * _CHORD_SHARE
    radius = geodesy.MEAN_RADIUS_M
    xy = np.concatenate(parts)
    n_seg = np.array([len(q) - 1 for q in parts])
    seg_part = np.repeat(np.arange(len(parts)), n_seg)
    starts = np.ones(len(xy), bool)
    starts[np.cumsum(n_seg + 1) - 1] = False  # a part's last vertex starts no segment
    i = np.flatnonzero(starts)
    lon0, lat0, lon1, lat1 = xy[i, 0], xy[i, 1], xy[i + 1, 0], xy[i + 1, 1]
    az0, az1, length = geodesy.inverse(lon0, lat0, lon1, lat1)
    turn = np.abs((az0[1:] - az1[:-1] + 180.0) % 360.0 - 180.0)
    inside = seg_part[1:] == seg_part[:-1]  # turns at vertices inside a part
    sweep = 2.0 * np.pi + np.bincount(seg_part[1:][inside], np.radians(turn[inside]), len(parts))
    steep = np.abs(np.tan(np.radians(np.minimum(np.maximum(np.abs(lat0), np.abs(lat1)), 89.0))))
    per_part = np.zeros(len(parts))
    for d in limits_m:
        kappa = (np.tan(min(d / radius, 1.5)) + steep + 1.0) / radius
        per_part += 4.0 * (n_seg + 1) + sweep * d / np.sqrt(8.0 * d * share)
        per_part += np.bincount(seg_part, 2.0 * length * np.sqrt(kappa / (8.0 * share)), len(parts))
    if side != "both":
        line_m = length * np.sqrt((steep + 1.0) / radius / (8.0 * share))
        per_part += np.bincount(seg_part, line_m, len(parts))
        per_part += 2.0 * (1.5 * limits_m[-1]) / np.sqrt(8.0 * radius * share)
    return per_part


def _check_budget(parts: list[NDArray], limits_m: NDArray, tolerance_m: float, side: str):
    """Refuse zones too large to build: see ``MAX_ZONE_VERTICES`` and ``MAX_ZONE_WORK``.

    On both sides, each part's curves are set up in turn and what lies inside is left
    out, so memory follows the largest part and time the whole; on one side every curve
    is drawn and kept, so memory follows the whole.
    """
    n_seg = np.array([max(len(q) - 1, 0) for q in parts])
    floor = 4 * (n_seg + 1) * len(limits_m)  # a vertex per curve, at least
    if side != "both" and floor.sum() > MAX_ZONE_VERTICES or floor.max() > MAX_ZONE_VERTICES:
        per_part = floor.astype(float)
    else:
        per_part = _estimate_vertices(parts, limits_m, tolerance_m, side)
    kept = per_part.max() if side == "both" else per_part.sum()
    n_vertices = sum(len(q) for q in parts)
    how = (
        f"use a larger tolerance_m (now {tolerance_m:g} m), fewer or smaller distances_km, "
        f"or a simpler line (it has {n_vertices:,} vertices in {len(parts):,} parts; "
        "shapely.simplify(line, 1e-4) keeps it within about 10 m, and parts closer than "
        "your smallest distance can be merged)"
    )
    if kept > MAX_ZONE_VERTICES:
        what = "their largest part alone" if side == "both" and len(parts) > 1 else "they"
        msg = (
            f"these zones are too large to build: {what} would need about {kept:,.0f} "
            f"vertices, more than MAX_ZONE_VERTICES ({MAX_ZONE_VERTICES:,}); {how}"
        )
        raise InputError(msg)
    if per_part.sum() > MAX_ZONE_WORK:
        msg = (
            f"these zones would take too long to build: their curves need about "
            f"{per_part.sum():,.0f} vertices to be considered, more than MAX_ZONE_WORK "
            f"({MAX_ZONE_WORK:,}); {how}"
        )
        raise InputError(msg)


def _as_clip(clip) -> shapely.Geometry | None:
    if clip is None:
        return None
    if isinstance(clip, str):
        return load_territory(clip)
    if isinstance(clip, gpd.GeoDataFrame | gpd.GeoSeries):
        if clip.crs is not None and clip.crs.to_epsg() != 4326:
            clip = clip.to_crs(4326)
        clip = shapely.union_all(clip.geometry.array)
    if not isinstance(clip, BaseGeometry) or clip.geom_type not in (
        "Polygon",
        "MultiPolygon",
    ):
        msg = f"clip must be a polygon, a GeoDataFrame of polygons or a territory name: {clip!r}"
        raise InputError(msg)
    xy = shapely.get_coordinates(clip)
    if not np.isfinite(xy).all() or (np.abs(xy[:, 1]) > 90).any():
        msg = "clip has a NaN or infinite coordinate, or a latitude outside ±90"
        raise InputError(msg)
    return shapely.make_valid(clip)


#: Curves' ends this close (degrees) to a vertex of another curve are moved onto it.
_SNAP_DEG = 1e-9


def _snap_ends(lines: list[NDArray]) -> list[NDArray]:
    """Each curve's ends moved exactly onto a vertex of an earlier curve within `_SNAP_DEG`.

    A curve that starts where another has a vertex (a continuation at the line's end, a
    ray at a vertex) must start exactly there, or the two do not node and the line splits
    no face. Both are computed from the same vertex but can differ in the last bits: a
    longitude shifted by 360° and back (to cut at ±180°) is rounded twice.
    """
    if len(lines) < 2:
        return lines
    sizes = np.array([len(w) for w in lines])
    owner = np.repeat(np.arange(len(lines)), sizes)
    xy = np.concatenate(lines)
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    ends = np.r_[starts, starts + sizes - 1]
    tree = shapely.STRtree(np.asarray(shapely.points(xy)))
    end_i, vertex_i = tree.query(shapely.points(xy[ends]), predicate="dwithin", distance=_SNAP_DEG)
    end_i = ends[end_i]
    # onto earlier curves only, so that two ends never swap
    move = (owner[vertex_i] < owner[end_i]) & (xy[end_i] != xy[vertex_i]).any(axis=1)
    if not move.any():
        return lines
    # each end moves onto the first such vertex (of the earliest curve)
    end_i, vertex_i = end_i[move], vertex_i[move]
    order = np.lexsort((vertex_i, end_i))
    end_i, vertex_i = end_i[order], vertex_i[order]
    first = np.r_[True, end_i[1:] != end_i[:-1]]
    out = [w.copy() for w in lines]
    for e, v in zip(end_i[first], vertex_i[first], strict=True):
        out[owner[e]][e - starts[owner[e]]] = xy[v]
    return out


def _check_noding(linework: list[NDArray], side: str) -> None:
    """Refuse linework whose noding would exceed ``MAX_ZONE_VERTICES`` noded vertices.

    Every crossing of two curves adds a vertex to each. Crossings are estimated from the
    curves cut into runs of 32 edges: a sample of runs is tested against all the others'
    boxes, and pairs of boxes that meet are counted as a crossing each.
    """
    n_vertices = sum(len(w) for w in linework)
    n_runs = sum(-(-(len(w) - 1) // 32) for w in linework)
    if n_vertices + n_runs * n_runs <= MAX_ZONE_VERTICES:  # even if every pair met
        return
    boxes = []
    for w in linework:
        if len(w) < 2:
            continue
        cuts = np.arange(0, len(w) - 1, 32)  # edges cuts[k] to cuts[k] + 31, both ends
        lo = np.minimum(np.minimum.reduceat(w[:-1], cuts), np.minimum.reduceat(w[1:], cuts))
        hi = np.maximum(np.maximum.reduceat(w[:-1], cuts), np.maximum.reduceat(w[1:], cuts))
        boxes.append(np.column_stack([lo, hi]))
    if not boxes:
        return
    box = np.concatenate(boxes)  # xmin, ymin, xmax, ymax: one row per run
    tree = shapely.STRtree(shapely.box(box[:, 0], box[:, 1], box[:, 2], box[:, 3]))
    sample = np.random.default_rng(0).choice(len(box), min(len(box), 2_000), replace=False)
    tested = box[sample]
    hits = tree.query(
        shapely.box(tested[:, 0], tested[:, 1], tested[:, 2], tested[:, 3]),
        predicate="intersects",
    )
    crossings = (hits.shape[1] - len(sample)) * len(box) / len(sample) / 2.0
    noded = n_vertices + 2.0 * crossings
    if noded > MAX_ZONE_VERTICES:
        msg = (
            f"these zones' curves cross about {crossings:,.0f} times: noding them would make "
            f"about {noded:,.0f} vertices, more than MAX_ZONE_VERTICES "
            f"({MAX_ZONE_VERTICES:,}); use a simpler line (fewer parts, fewer windings: "
            "shapely.simplify), fewer or smaller distances_km"
            + (
                ", or side='both', which leaves out the loops inside the zone"
                if side != "both"
                else ""
            )
        )
        raise InputError(msg)


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """The polygons of a geometry (dropping lines and points left over by an overlay)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    polys = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(polys) if polys else shapely.Polygon()


@functools.cache
def _wgs84():
    """EPSG:4326 as a CRS object, made once (making it costs about a millisecond)."""
    return gpd.GeoSeries([], crs=4326).crs


def _km(value: float) -> str:
    return f"{value:g}"


# --------------------------------------------------------------------------------------
# Curves at distance D
# --------------------------------------------------------------------------------------


_CURVE_FIELDS = (
    "kind",
    "lon0",
    "lat0",
    "az0",
    "lon1",
    "lat1",
    "s_from",
    "s_to",
    "sign",
    "a_start",
    "sweep",
    "concave",
)


def _ring_curves(xy: NDArray) -> dict[str, NDArray]:
    """The primitive curves of the closed offset ring around one part of a line.

    Parallel: ``kind=0``, the segment from (lon0, lat0) with azimuth az0 to (lon1, lat1);
    parameter u in [0, 1] maps to s = s_from + u (s_to - s_from) metres along it; the
    offset is to the right (``sign=+1``) or left (-1). Arc: ``kind=1``, centre (lon0,
    lat0), azimuth a_start - u * sweep. The ring runs forwards along the right side, round
    the end, backwards along the left side and round the start. Every interior vertex gets
    an arc: on the convex side of the turn it is part of the zone's edge; on the concave
    side (``concave=1``) it only joins the two parallels, which cross before it, and lies
    inside the zone. So does its chord (every point of it is within D of the vertex): a
    concave arc is drawn as that one chord.
    """
    lon0, lat0, lon1, lat1 = xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1]
    az0, az1, length = geodesy.inverse(lon0, lat0, lon1, lat1)
    n = len(lon0)
    turn = (az0[1:] - az1[:-1] + 180.0) % 360.0 - 180.0  # at vertices 1..n-1; >0 = right
    zeros = np.zeros(n)

    def parallels(sign, forward):
        return {
            "kind": zeros,
            "lon0": lon0,
            "lat0": lat0,
            "az0": az0,
            "lon1": lon1,
            "lat1": lat1,
            "s_from": zeros if forward else length,
            "s_to": length if forward else zeros,
            "sign": zeros + sign,
            "a_start": zeros,
            "sweep": zeros,
            "concave": zeros,
        }

    def arcs(lon, lat, a_start, sweep, concave):
        m = np.zeros(len(lon))
        return {
            "kind": m + 1,
            "lon0": lon,
            "lat0": lat,
            "az0": m,
            "lon1": lon,
            "lat1": lat,
            "s_from": m,
            "s_to": m,
            "sign": m,
            "a_start": a_start,
            "sweep": sweep,
            "concave": m + concave,
        }

    right = parallels(+1, True)
    right_arcs = arcs(lon1[:-1], lat1[:-1], az1[:-1] + 90.0, -turn, turn > 0)
    end_cap = arcs(lon1[-1:], lat1[-1:], az1[-1:] + 90.0, np.array([180.0]), False)
    left = {k: v[::-1] for k, v in parallels(-1, False).items()}
    left_arcs = arcs(lon0[1:], lat0[1:], az0[1:] - 90.0, turn, turn < 0)
    left_arcs = {k: v[::-1] for k, v in left_arcs.items()}
    start_cap = arcs(lon0[:1], lat0[:1], az0[:1] - 90.0, np.array([180.0]), False)

    out = {}
    for field in _CURVE_FIELDS:
        side_r = np.empty(2 * n - 1)
        side_r[0::2], side_r[1::2] = right[field], right_arcs[field]
        side_l = np.empty(2 * n - 1)
        side_l[0::2], side_l[1::2] = left[field], left_arcs[field]
        out[field] = np.concatenate([side_r, end_cap[field], side_l, start_cap[field]])
    keep = (out["kind"] == 0) | (np.abs(out["sweep"]) > 1e-9)
    return {k: v[keep] for k, v in out.items()}


def _curve_points(c: dict[str, NDArray], prim: NDArray, u: NDArray):
    """Lon/lat of the primitive curves `prim` at parameters `u` (each at its ``d_m``)."""
    lon = np.empty(len(u))
    lat = np.empty(len(u))
    par = c["kind"][prim] == 0
    if par.any():
        i = prim[par]
        s = c["s_from"][i] + u[par] * (c["s_to"][i] - c["s_from"][i])
        xlon, xlat, heading = geodesy.destination(c["lon0"][i], c["lat0"][i], c["az0"][i], s)
        lon[par], lat[par], _ = geodesy.destination(
            xlon, xlat, heading + 90.0 * c["sign"][i], c["d_m"][i]
        )
    arc = c["kind"][prim] == 1
    if arc.any():
        i = prim[arc]
        az = c["a_start"][i] - u[arc] * c["sweep"][i]
        lon[arc], lat[arc], _ = geodesy.destination(c["lon0"][i], c["lat0"][i], az, c["d_m"][i])
    return lon, lat


def _curve_error(c, prim, lon, lat, u, chord_m) -> NDArray:
    """|distance - d_m| of points `lon`, `lat` (near parameter `u`) from their generator.

    Points on chords longer than `chord_m` (at most) the distance are measured signed.
    """
    err = np.empty(len(prim))
    par = c["kind"][prim] == 0
    if par.any():
        i = prim[par]
        s = c["s_from"][i] + u[par] * (c["s_to"][i] - c["s_from"][i])
        d = geodesy.segment_distance(
            lon[par], lat[par], c["lon0"][i], c["lat0"][i], c["lon1"][i], c["lat1"][i], start_m=s
        )
        # signed: a point as far from the segment but on its other side is D + d off (a
        # chord that crosses the line is not "as far" from it); the side is taken from the
        # segment's point at `s`, from which the point lies square to the segment
        err[par] = np.abs(d - c["d_m"][i])
        far = np.flatnonzero(chord_m[par] > c["d_m"][i])
        if far.size:
            j = i[far]
            flon, flat, heading = geodesy.destination(
                c["lon0"][j], c["lat0"][j], c["az0"][j], s[far]
            )
            to_point = geodesy.inverse(flon, flat, lon[par][far], lat[par][far])[0]
            wrong = np.sin(np.radians(to_point - heading)) * c["sign"][j] < 0.0
            sub = err[par]
            sub[far[wrong]] = d[far[wrong]] + c["d_m"][j[wrong]]
            err[par] = sub
    arc = (c["kind"][prim] == 1) & (c["concave"][prim] == 0)
    if arc.any():
        i = prim[arc]
        _, _, d = geodesy.inverse(c["lon0"][i], c["lat0"][i], lon[arc], lat[arc])
        err[arc] = np.abs(d - c["d_m"][i])
    err[c["concave"][prim] == 1] = 0.0  # inside the zone: never part of its edge
    return err


def _sample_adaptively(
    point_at,
    error_at,
    n_prim: int,
    initial: NDArray,
    tolerance_m: float,
    left_out: NDArray | None = None,
    ring_start: NDArray | None = None,
    distance_m: NDArray | None = None,
):
    """Parameters u of each primitive such that straight lon/lat chords stay in tolerance.

    ``point_at(prim, u)`` gives lon/lat; ``error_at(prim, lon, lat, u, chord_m)`` the distance error
    of a point near parameter u. Primitive i starts as `initial[i]` equal chords, which are
    split at their middle parameter until the lon/lat midpoint of every chord is within
    ``_CHORD_SHARE`` of the tolerance.

    `left_out`, if given, flags initial chords that need no drawing: they are neither
    computed nor refined, and a run of them becomes one chord (its start computed, to end
    the drawn run before it; runs break where `ring_start` flags a primitive).

    `distance_m`, if given, is each primitive's distance from what generates it: a chord
    is checked at its quarters too only when it is longer than ``_QUARTERS_SHARE`` of it
    (without it, every chord is).

    Returns ``prim, lon, lat, kept``: the start of every chord in order of (prim, u), and
    whether the chord is drawn.
    """
    quarters_over = (
        np.zeros(n_prim) if distance_m is None else _QUARTERS_SHARE * np.asarray(distance_m)
    )
    prim = np.repeat(np.arange(n_prim), initial)
    i = np.arange(prim.size) - np.repeat(np.cumsum(initial) - initial, initial)
    u0, u1 = i / initial[prim], (i + 1) / initial[prim]
    if left_out is not None:
        # keep a left-out chord only where its run starts: after a drawn chord or a ring start
        starts_run = ~left_out | np.r_[True, ~left_out[:-1]]
        if ring_start is not None:
            starts_run |= ring_start[prim] & (i == 0)
        prim, u0, u1, kept = prim[starts_run], u0[starts_run], u1[starts_run], ~left_out[starts_run]
    else:
        kept = np.ones(prim.size, bool)
    # nodes: every chord's start, and a drawn chord's end unless the next chord starts there
    n = prim.size
    joined = np.r_[(prim[1:] == prim[:-1]) & (u0[1:] == u1[:-1]), False]
    own_end = kept & ~joined
    node_lon, node_lat = point_at(np.r_[prim, prim[own_end]], np.r_[u0, u1[own_end]])
    lon0, lat0 = node_lon[:n], node_lat[:n]
    lon1, lat1 = np.empty(n), np.empty(n)
    lon1[:-1], lat1[:-1] = lon0[1:], lat0[1:]
    lon1[own_end], lat1[own_end] = node_lon[n:], node_lat[n:]
    done_prim, done_u, done_lon, done_lat = [prim[~kept]], [u0[~kept]], [lon0[~kept]], [lat0[~kept]]
    done_kept = [np.zeros(int((~kept).sum()), bool)]
    prim, u0, u1 = prim[kept], u0[kept], u1[kept]
    lon0, lat0, lon1, lat1 = lon0[kept], lat0[kept], lon1[kept], lat1[kept]
    for _ in range(_MAX_ROUNDS):
        lon1u = lon0 + (lon1 - lon0 + 180.0) % 360.0 - 180.0  # shortest way round in lon
        # only a chord longer than twice its distance can reach the line and come back at
        # that distance on the other side (distance changes by at most the path walked):
        # those points are measured signed (an upper bound of the chord's length in metres)
        low = np.where(lat0 * lat1 > 0.0, np.minimum(np.abs(lat0), np.abs(lat1)), 0.0)
        span = np.abs(lat1 - lat0) + np.abs(lon1u - lon0) * np.cos(np.radians(low))
        span_m = span * _METRES_PER_DEGREE
        # points along each chord, as drawn (straight in lon/lat), and near which parameter:
        # every chord's middle, and the quarters of those long enough to stray and come back
        n = len(prim)
        long = np.flatnonzero(span_m > quarters_over[prim])
        which = np.r_[np.arange(n), long, long]
        f = np.r_[np.full(n, 0.5), np.full(len(long), 0.25), np.full(len(long), 0.75)]
        test_lon = lon0[which] + f * (lon1u - lon0)[which]
        test_lat = lat0[which] + f * (lat1 - lat0)[which]
        test_u = u0[which] + f * (u1 - u0)[which]
        err = error_at(prim[which], test_lon, test_lat, test_u, span_m[which])
        worst = err[:n].copy()
        worst[long] = np.maximum(
            worst[long], np.maximum(err[n : n + len(long)], err[n + len(long) :])
        )
        # a chord shorter than twice the tolerance is within it whatever the measured error:
        # each of its points is within half its length of an end, which is on the curve, and
        # distance changes by at most the path walked (this ends the splitting where the
        # measured error cannot fall below the tolerance, as on zones of thousands of km)
        bad = (worst > tolerance_m * _CHORD_SHARE) & (span_m > 2.0 * tolerance_m * _CHORD_SHARE)
        ok = ~bad
        done_prim.append(prim[ok])
        done_u.append(u0[ok])
        done_lon.append(lon0[ok])
        done_lat.append(lat0[ok])
        done_kept.append(np.ones(int(ok.sum()), bool))
        if not bad.any():
            break
        prim, u0, u1 = prim[bad], u0[bad], u1[bad]
        lon0, lat0, lon1, lat1 = lon0[bad], lat0[bad], lon1[bad], lat1[bad]
        um = (u0 + u1) / 2.0
        lonm, latm = point_at(prim, um)
        prim = np.r_[prim, prim]
        u0, u1 = np.r_[u0, um], np.r_[um, u1]
        lon0, lat0 = np.r_[lon0, lonm], np.r_[lat0, latm]
        lon1, lat1 = np.r_[lonm, lon1], np.r_[latm, lat1]
    else:  # pragma: no cover - a guard
        msg = "zone edges did not converge to the tolerance; is the line degenerate?"
        raise InputError(msg)
    prim, u = np.concatenate(done_prim), np.concatenate(done_u)
    lon, lat = np.concatenate(done_lon), np.concatenate(done_lat)
    kept = np.concatenate(done_kept)
    order = np.lexsort((u, prim))
    return prim[order], lon[order], lat[order], kept[order]


def _rings(
    xy: NDArray,
    limits_m: NDArray,
    tolerance_m: float,
    interior: _Interior | None = None,
    *,
    threads: int = 1,
) -> list[list[NDArray]]:
    """The offset rings at each distance around one part, as lon/lat (unwrapped) pieces.

    All rings are sampled together, so each refinement round is one batch of geodesics.
    With `interior`, chords that lie certainly inside the zone are left out, so a ring
    may come back as several open pieces (or none); otherwise each is one closed ring.
    """
    one = _ring_curves(xy)
    m = len(one["kind"])
    c = {k: np.tile(v, len(limits_m)) for k, v in one.items()}
    c["d_m"] = np.repeat(limits_m, m)
    # a first guess of how many chords each arc needs (a chord of length l on a circle of
    # radius D strays l²/8D from it); parallels start as one chord. Refinement does the rest.
    arc_m = np.where(c["kind"] == 1, np.abs(c["sweep"]) * np.pi / 180.0 * c["d_m"], 0.0)
    spacing = np.sqrt(8.0 * c["d_m"] * tolerance_m * _CHORD_SHARE)
    initial = np.clip(np.ceil(arc_m / spacing), 1, 100_000).astype(int)
    initial[c["concave"] == 1] = 1
    left_out = None if interior is None else interior.left_out(c, initial)
    prim, lon, lat, kept = _sample_adaptively(
        lambda p, u: _split_work(lambda *a: _curve_points(c, *a), p, u, threads=threads),
        lambda p, lo, la, u, chord_m: _split_work(
            lambda *a: _curve_error(c, *a), p, lo, la, u, chord_m, threads=threads
        ),
        len(c["kind"]),
        initial,
        tolerance_m,
        left_out,
        np.arange(len(c["kind"])) % m == 0,
        c["d_m"],
    )
    rings = []
    for k in range(len(limits_m)):
        mine = (prim >= k * m) & (prim < (k + 1) * m)
        # (a ring round a pole ends 360° from where it starts)
        rlon = np.unwrap(np.r_[lon[mine], lon[mine][0]], period=360.0)
        rlon[-1] = rlon[0] + 360.0 * np.round((rlon[-1] - rlon[0]) / 360.0)  # exactly
        ring = np.column_stack([rlon, np.r_[lat[mine], lat[mine][0]]])
        rings.append(_drawn_pieces(ring, kept[mine]))
    return rings


def _drawn_pieces(ring: NDArray, kept: NDArray) -> list[NDArray]:
    """The runs of a closed ring (n + 1 vertices) whose chords (n flags) are drawn."""
    if kept.all():
        return [ring]
    if not kept.any():
        return []
    n = len(kept)
    start = int(np.flatnonzero(~kept)[0])  # begin at a left-out chord: no run wraps
    order = (start + np.arange(n + 1)) % n
    flags = np.r_[kept[order[:-1]], False]
    edges = np.diff(np.r_[0, flags.astype(np.int8)])
    firsts, lasts = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return [ring[order[a : b + 1]] for a, b in zip(firsts, lasts, strict=True)]


_SPLIT_MIN = 2_000  # points below which a batch of geodesics is not worth a second thread


def _split_work(fn, *arrays: NDArray, threads: int = 1):
    """``fn(*arrays)`` computed in parts on `threads` threads (pyproj releases the GIL).

    `fn` returns an array or a tuple of arrays, element by element of its inputs.
    """
    n = len(arrays[0])
    pieces = min(threads, n // _SPLIT_MIN)
    if pieces < 2:
        return fn(*arrays)
    bounds = np.linspace(0, n, pieces + 1).astype(int)
    parts = [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    done = map_threads(lambda part: fn(*(a[part] for a in arrays)), parts, threads=threads)
    if isinstance(done[0], tuple):
        return tuple(np.concatenate(columns) for columns in zip(*done, strict=True))
    return np.concatenate(done)


def _ray(lon, lat, az: float, length_m: float, tolerance_m: float):
    """A geodesic ray of `length_m` from (lon, lat) at azimuth `az`, drawn within tolerance.

    Returns the ray's drawn line and its key (lon, lat, azimuth).
    """
    elon, elat, _ = geodesy.destination(lon, lat, az, length_m)
    ray = _densified_geodesics(
        np.array([lon]), np.array([lat]), np.atleast_1d(elon), np.atleast_1d(elat), tolerance_m
    )
    return ray, (float(lon), float(lat), float(az))


def _densified_geodesics(lon0, lat0, lon1, lat1, tolerance_m: float, run_start=None):
    """Vertices of chains of geodesics drawn within `tolerance_m` by straight lon/lat edges.

    Segment i runs from (lon0[i], lat0[i]) to (lon1[i], lat1[i]); a chain is consecutive
    segments, a new one starting wherever `run_start` flags a segment. Returns one chain's
    (n, 2) array, or with `run_start` a list of them.
    """
    az0, _, length = geodesy.inverse(lon0, lat0, lon1, lat1)
    point_like = length == 0

    def point_at(p, u):
        lon, lat, _ = geodesy.destination(lon0[p], lat0[p], az0[p], u * length[p])
        # ends exactly where the vertices are, so chained pieces join in the noding
        lon = np.where(u == 0, lon0[p], np.where(u == 1, lon1[p], lon))
        lat = np.where(u == 0, lat0[p], np.where(u == 1, lat1[p], lat))
        return lon, lat

    def error_at(p, lo, la, u, chord_m):
        err = geodesy.segment_distance(
            lo, la, lon0[p], lat0[p], lon1[p], lat1[p], start_m=u * length[p]
        )
        return np.where(point_like[p], 0.0, err)

    prim, lon, lat, _ = _sample_adaptively(
        point_at, error_at, len(lon0), np.ones(len(lon0), int), tolerance_m
    )
    first_seg = np.flatnonzero(run_start) if run_start is not None else np.array([0])
    last_seg = np.r_[first_seg[1:] - 1, len(lon0) - 1]
    cuts = np.searchsorted(prim, first_seg[1:])  # chords are in order of (segment, u)
    chains = []
    for lo_run, la_run, j in zip(np.split(lon, cuts), np.split(lat, cuts), last_seg, strict=True):
        run_lon = np.r_[lo_run, lon1[j]]
        # whole turns added (not np.unwrap's running sums): a vertex shared with a ray or
        # another chain is shifted by the same float operation, and so nodes with it
        turns = np.round((np.unwrap(run_lon, period=360.0) - run_lon) / 360.0)
        run_lon = run_lon + 360.0 * turns
        chains.append(np.column_stack([run_lon, np.r_[la_run, lat1[j]]]))
    return chains if run_start is not None else chains[0]


def _side_linework(
    parts: list[NDArray], reach_m: float, tolerance_m: float
) -> tuple[list[NDArray], list[NDArray]]:
    """The line itself and its continuations beyond its ends, for one-sided zones.

    Returns the drawn linework and the rays' ends (each ray is the geodesic between them).

    Each geodesic is drawn once: a segment that repeats an earlier one (either way round,
    as where a line doubles back) and a continuation that repeats another are left out,
    for two drawings of one curve would not node into one edge.
    """
    segs = [q for q in parts if len(q) > 1]
    xy = np.concatenate(segs)
    n_seg = np.array([len(q) - 1 for q in segs])
    starts = np.ones(len(xy), bool)
    starts[np.cumsum(n_seg + 1) - 1] = False
    i = np.flatnonzero(starts)
    a, b = xy[i], xy[i + 1]
    forward = (a[:, 0] < b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] < b[:, 1]))
    key = np.where(forward[:, None], np.c_[a, b], np.c_[b, a])
    _, first = np.unique(key, axis=0, return_index=True)
    kept = np.zeros(len(i), bool)
    kept[first] = True
    seg_part = np.repeat(np.arange(len(segs)), n_seg)
    part_start = np.r_[True, seg_part[1:] != seg_part[:-1]]
    run_start = (part_start | np.r_[True, ~kept[:-1]])[kept]
    a, b = a[kept], b[kept]
    linework = _densified_geodesics(a[:, 0], a[:, 1], b[:, 0], b[:, 1], tolerance_m, run_start)
    rays = []
    switch = _overlap_vertices(segs)
    for k, q in enumerate(segs):
        rays += _end_rays(q, reach_m, tolerance_m) + _u_turn_rays(q, reach_m, tolerance_m)
        rays += _normal_rays(q, switch[k], reach_m, tolerance_m)
    seen = set()
    ends = []
    for ray, (lon, lat, az) in rays:  # each continuation or normal once
        key = (lon, lat, round((az + 180.0) % 360.0 - 180.0, 6))
        if key not in seen:
            seen.add(key)
            linework.append(ray)
            ends.append(ray[[0, -1]])
    return linework, ends


def _overlap_vertices(parts: list[NDArray]) -> list[NDArray]:
    """Each part's vertices where the line starts or stops running over itself.

    Where a stretch is drawn twice (a line that goes back over part of its way), points
    beside it tie between the two and go to the earlier; past the stretch's ends they do
    not, and the side can change there, along the line's normal. Such an end is a vertex
    lying on an earlier (or, line reversed, a later) stretch: its nearest point, located
    with ties to the earliest, is not itself.
    """
    lengths = [geodesy.inverse(q[:-1, 0], q[:-1, 1], q[1:, 0], q[1:, 1])[2] for q in parts]
    own = np.concatenate(
        [o + np.r_[0.0, np.cumsum(g)] for o, g in zip(_offsets(lengths), lengths, strict=True)]
    )
    total = float(sum(g.sum() for g in lengths))
    xy = np.concatenate(parts)
    forward = shapely.MultiLineString(list(parts))
    backward = shapely.MultiLineString([q[::-1] for q in parts[::-1]])
    away = np.abs(geodesy.locate_on_line(xy[:, 0], xy[:, 1], forward).along_m - own) > 1e-3
    back = geodesy.locate_on_line(xy[:, 0], xy[:, 1], backward).along_m
    away |= np.abs(back - (total - own)) > 1e-3
    bounds = np.cumsum([len(q) for q in parts])[:-1]
    return [np.flatnonzero(a) for a in np.split(away, bounds)]


def _offsets(lengths: list[NDArray]) -> list[float]:
    """Where each part starts along the line (the lengths of the parts before it)."""
    ends = np.cumsum([float(g.sum()) for g in lengths])
    return [0.0, *ends[:-1].tolist()]


def _normal_rays(xy: NDArray, vertices: NDArray, length_m: float, tolerance_m: float) -> list:
    """Geodesics square to each segment at `vertices` of a part, both ways."""
    rays = []
    az_out = geodesy.inverse(xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1])[0]
    az_in = geodesy.inverse(xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1])[1]
    for k in vertices:
        lon, lat = xy[k]
        directions = ([az_out[k]] if k < len(xy) - 1 else []) + ([az_in[k - 1]] if k else [])
        for az in (d + turn for d in directions for turn in (-90.0, 90.0)):
            rays.append(_ray(lon, lat, float(az), length_m, tolerance_m))
    return rays


# --------------------------------------------------------------------------------------
# Bands
# --------------------------------------------------------------------------------------


def _build_bands(
    line: shapely.Geometry,
    parts: list[NDArray],
    limits_m: NDArray,
    *,
    side: str,
    tolerance_m,
    threads: int = 1,
):
    ref_lon = parts[0][0, 0]
    # one side's faces are classified by side too, which can change where no line is
    # drawn (where a ray passes between a point and its nearest point): those keep every loop
    interior = (
        _Interior.around(parts, limits_m, tolerance_m, threads=threads) if side == "both" else None
    )
    linework: list[NDArray] = []
    for xy in parts:
        xy = xy if len(xy) > 1 else np.vstack([xy, xy])
        for pieces in _rings(xy, limits_m, tolerance_m, interior, threads=threads):
            linework.extend(_shift_near(r, ref_lon) for r in pieces)
    rays: list[NDArray] = []
    if side != "both" and any(len(q) > 1 for q in parts):
        reach_m = limits_m.max() * 1.5 + 10_000.0
        side_lines, rays = _side_linework(parts, reach_m, tolerance_m)
        linework.extend(_shift_near(w, ref_lon) for w in side_lines)
    world = _near_a_pole(line, limits_m / 1000.0)
    if world:
        # drawn on the globe's own frame: every curve cut at ±180° into [-180, 180], and
        # the frame (the antimeridian and the ±90° parallels) drawn too, so faces tile the
        # globe: a zone round a pole runs along the frame, and one larger than a
        # hemisphere is the frame's face less the rest
        lines = [w for c in linework for w in _into_window(c)] + [_FRAME]
    else:
        lines = [_close_over_pole(w) for w in linework]
    lines = _snap_ends(lines)
    _check_noding(lines, side)
    prepared = geodesy.prepare_line(line)
    faces, distance_m, side_of = _classified_faces(
        lines, prepared, limits_m, side, tolerance_m, threads
    )
    if side != "both" and rays:
        # the side also changes off the line, where the nearest point jumps between
        # stretches that face each other: draw those curves too, and classify again
        cuts = _SideCuts(prepared, rays, limits_m, tolerance_m, threads)
        for _ in range(_SWITCH_ROUNDS):
            switch = cuts.trace(faces, distance_m)
            if not switch:
                break
            if world:
                lines += [w for c in switch for w in _into_window(c)]
            else:
                lines += [_shift_near(w, ref_lon) for w in switch]
            faces, distance_m, side_of = _classified_faces(
                lines, prepared, limits_m, side, tolerance_m, threads
            )
    band = np.searchsorted(limits_m, distance_m, side="left")
    wanted = {"both": None, "left": 1, "right": -1}[side]
    keep = band < len(limits_m)
    if wanted is not None:
        keep &= side_of == wanted

    def merge(i: int) -> shapely.Geometry:
        chosen = faces[keep & (band == i)]
        if not len(chosen):
            return shapely.Polygon()
        try:  # faces of one arrangement share their edges exactly: a coverage
            merged = shapely.coverage_union_all(chosen)
        except shapely.errors.GEOSException:  # unless noding left near-coincident edges
            merged = shapely.union_all(chosen)
        return _polygonal(_split_antimeridian(shapely.make_valid(merged)))

    return map_threads(merge, range(len(limits_m)), threads=threads)


def _classified_faces(lines, prepared, limits_m, side, tolerance_m, threads):
    """The faces of the noded `lines`, each with the distance and side of a point inside."""
    noded = shapely.union_all([shapely.LineString(w) for w in lines])
    faces = np.asarray(shapely.get_parts(shapely.polygonize(shapely.get_parts(noded))))
    faces = faces[~shapely.is_empty(faces)]
    probe = shapely.point_on_surface(faces)
    px, py = shapely.get_x(probe), shapely.get_y(probe)
    where = geodesy.locate_on_line(px, py, prepared, nearest_point=False, threads=threads)
    distance_m, side_of = where.distance_m, where.side
    # a probe within a few tolerances of a limit (or of the line, for one side) may be on
    # the other side of it than its face, which is drawn to the tolerance: those faces are
    # probed again at the centre of their largest inscribed circle
    margin_m = 3.0 * tolerance_m + 1e-3
    unsure = np.min(np.abs(distance_m[:, None] - limits_m[None, :]), axis=1) < margin_m
    if side != "both":
        unsure |= distance_m < margin_m
    redo = np.flatnonzero(unsure & (shapely.area(faces) > 0.0))
    if redo.size:
        # to about half a tolerance (in degrees): a face too thin for that to matter lies
        # within the tolerance of the curve, and either way is right
        with np.errstate(divide="ignore", invalid="ignore"):  # (slivers)
            circle = shapely.maximum_inscribed_circle(faces[redo], tolerance_m / 200_000.0)
        centre = shapely.get_point(circle, 0)
        again = geodesy.locate_on_line(
            shapely.get_x(centre),
            shapely.get_y(centre),
            prepared,
            nearest_point=False,
            threads=threads,
        )
        distance_m, side_of = distance_m.copy(), side_of.copy()
        distance_m[redo], side_of[redo] = again.distance_m, again.side
    return faces, distance_m, side_of


# --------------------------------------------------------------------------------------
# Where the side changes off the line
# --------------------------------------------------------------------------------------

#: Rounds of looking for faces that hold both sides and drawing the curves that split them.
_SWITCH_ROUNDS = 4
#: Points along a bracket tested at once when a side change is bisected.
_BRACKET_POINTS = 32
#: A traced step turns by at most this much (degrees), else it is retried shorter.
_MAX_TURN_DEG = 12.0
#: Steps of one traced curve, at most (a guard).
_MAX_STEPS = 4_000


class _SideCuts:
    """The curves off the line where a point's side changes (one-sided zones).

    A point's side is that of its nearest point on the line (:func:`locate_on_line`). It
    changes across the line itself, across the line continued beyond its ends (drawn as
    rays) and, where two stretches of the line face each other (parallel parts, a line
    that winds back near itself), across the curve of points equidistant from both: the
    nearest point jumps there from a stretch that has the point on its left to one that
    has it on its right. That curve is not an offset of anything, so it is traced: faces
    of the arrangement whose boundary holds points of both sides are searched for a side
    change, bisected to a fraction of the tolerance; from there the curve is followed both
    ways, by steps that are re-centred on it by bisection across and shortened where it
    turns, until it leaves the zone or meets the line or a ray; then every chord whose
    middle strays more than half the tolerance from the curve is split. On the curve itself
    (a tie), :func:`locate_on_line` gives the earlier stretch; the drawn curve is within
    the tolerance of it, so points that close may fall on either side.
    """

    def __init__(self, prepared, rays: list[NDArray], limits_m: NDArray, tolerance_m, threads):
        self.prepared = prepared
        self.rays = geodesy.prepare_line(shapely.MultiLineString(rays))
        self.reach_m = float(limits_m[-1])
        self.limits_m = limits_m
        self.tolerance_m = tolerance_m
        self.threads = threads
        self.margin_m = 3.0 * tolerance_m + 1e-3
        self.drawn: shapely.Geometry | None = None  # the curves traced so far
        # the faces' vertices located in the last round: sorted rows, sides, distances
        self.seen: tuple[NDArray, NDArray, NDArray] | None = None

    # -- measuring --------------------------------------------------------------------

    def _locate(self, lon, lat, *, nearest=False):
        return geodesy.locate_on_line(
            lon, lat, self.prepared, nearest_point=nearest, threads=self.threads
        )

    def _near_cut(self, lon, lat, distance_m) -> NDArray:
        """Points within a few tolerances of the line or of a ray: their side is unsure."""
        ray_m = geodesy.distance_to_line(lon, lat, self.rays, threads=self.threads)
        return (distance_m < self.margin_m) | (ray_m < self.margin_m)

    def _bisect(self, a: NDArray, b: NDArray, side_a: NDArray):
        """Where the side changes between points `a` and `b` ((n, 2) lon/lat): a bracket.

        `a` is on `side_a`, `b` not. Returns the brackets' ends, a fraction of the
        tolerance apart (straight lon/lat between them).
        """
        a, b = a.copy(), b.copy()
        b[:, 0] = _lon_near(b[:, 0], a[:, 0])  # straight in lon/lat, not round the globe
        t = np.linspace(0.0, 1.0, _BRACKET_POINTS + 1)
        for _ in range(20):
            gap = geodesy.inverse(a[:, 0], a[:, 1], b[:, 0], b[:, 1])[2]
            todo = np.flatnonzero(gap > self.tolerance_m / 20.0)
            if not todo.size:
                break
            pa, pb = a[todo], b[todo]
            x = pa[:, :1] + t * (pb[:, :1] - pa[:, :1])
            y = pa[:, 1:] + t * (pb[:, 1:] - pa[:, 1:])
            sides = self._locate(x.ravel(), y.ravel()).side.reshape(x.shape)
            sides[:, 0] = side_a[todo]
            other = sides != side_a[todo, None]
            other[:, -1] = True
            j = np.argmax(other, axis=1)  # the first point not on a's side
            rows = np.arange(len(todo))
            a[todo] = np.column_stack([x[rows, j - 1], y[rows, j - 1]])
            b[todo] = np.column_stack([x[rows, j], y[rows, j]])
        return a, b

    def _tangent(self, q: NDArray, a: NDArray, b: NDArray) -> tuple[NDArray, NDArray]:
        """Azimuths along the switch curves at `q`, bracketed by `a` and `b` (NaN if none).

        The curve runs square to the difference of the unit directions to the two nearest
        points (those of `a` and `b`), as a bisector does. Also returns the distances of
        `q` from the line: the mean of `a`'s and `b`'s, a fraction of the tolerance apart.
        """
        loc = self._locate(np.r_[a[:, 0], b[:, 0]], np.r_[a[:, 1], b[:, 1]], nearest=True)
        n = len(q)
        qq = np.r_[q, q]
        az = np.radians(geodesy.inverse(qq[:, 0], qq[:, 1], loc.nearest_lon, loc.nearest_lat)[0])
        dx = np.sin(az[:n]) - np.sin(az[n:])
        dy = np.cos(az[:n]) - np.cos(az[n:])
        out = np.degrees(np.arctan2(dy, -dx))  # (dx, dy) turned a right angle
        out[np.hypot(dx, dy) < 1e-6] = np.nan
        return out, (loc.distance_m[:n] + loc.distance_m[n:]) / 2.0

    # -- tracing ------------------------------------------------------------------------

    def trace(self, faces: NDArray, distance_m: NDArray) -> list[NDArray]:
        """Curves that split the zone's faces holding both sides (none if no face does)."""
        curves: list[NDArray] = []
        for a, b, side_a in self._seeds(faces, distance_m):
            chord = shapely.LineString([a, b])
            if self.drawn is not None and shapely.intersects(self.drawn, chord):
                continue  # a curve already drawn crosses this pair: it is explained
            a1, b1 = self._bisect(a[None], b[None], np.array([side_a]))
            if self._near_drawn(a1)[0]:
                continue
            curve = self._follow(a1[0], b1[0])
            if curve is None:
                continue
            curves.append(curve)
            line = shapely.LineString(curve)
            self.drawn = line if self.drawn is None else shapely.union(self.drawn, line)
        return self._refine(curves)  # all at once (the drawn ones are within a step of them)

    def _near_drawn(self, xy: NDArray) -> NDArray:
        """Points within a few tolerances of a curve already traced (roughly, in degrees)."""
        if self.drawn is None:
            return np.zeros(len(xy), bool)
        deg = shapely.distance(self.drawn, shapely.points(xy))
        scale = M_PER_DEGREE * np.maximum(np.cos(np.radians(xy[:, 1])), 1e-3)
        return deg * scale < 3.0 * self.margin_m

    def _seeds(self, faces: NDArray, distance_m: NDArray):
        """Neighbouring points on the boundaries of the zone's faces with different sides."""
        zone = faces[distance_m <= self.reach_m + self.margin_m]
        if not len(zone):
            return []
        # each face's boundary taken a little inside it: on the boundary itself, where it is
        # the line or a ray, the side is unsure, and a face bounded only by those (the strip
        # between parallel parts) would show no change. (The inset, in degrees, only says
        # where to look: a change found is bisected on the ellipsoid.)
        inset_deg = 8.0 * self.margin_m / M_PER_DEGREE
        inside = shapely.buffer(zone, -inset_deg, quad_segs=2)
        inside = shapely.simplify(inside, inset_deg / 2.0, preserve_topology=False)
        rings = shapely.get_parts(
            shapely.get_parts(shapely.boundary(inside[~shapely.is_empty(inside)]))
        )
        spacing = self.reach_m / 8.0 / M_PER_DEGREE
        rings = shapely.segmentize(rings, spacing)
        xy, ring = shapely.get_coordinates(rings, return_index=True)
        # neighbouring faces share their edges: each vertex is located once, and a vertex
        # located in an earlier round (faces the curves drawn since left alone) is not again
        unique, back = np.unique(xy, axis=0, return_inverse=True)
        u_side, u_distance_m = self._located(unique)
        side, distance_m = u_side[back.ravel()], u_distance_m[back.ravel()]
        pair = (ring[1:] == ring[:-1]) & (side[1:] != side[:-1])
        pair &= (side[1:] != 0) & (side[:-1] != 0)
        # only the ends of such pairs (few: most are where the line or a ray crosses a
        # face's boundary) are tested for being near a cut or a curve already drawn
        k = np.flatnonzero(pair)
        ends = np.unique(np.r_[k, k + 1])
        valid = np.zeros(len(xy), bool)
        valid[ends] = ~self._near_cut(xy[ends, 0], xy[ends, 1], distance_m[ends])
        valid[ends] &= ~self._near_drawn(xy[ends])
        k = k[valid[k] & valid[k + 1]]
        return [(xy[i], xy[i + 1], int(side[i])) for i in k]

    def _located(self, xy: NDArray) -> tuple[NDArray, NDArray]:
        """Side and distance of distinct points `xy` (sorted rows), from earlier rounds or new."""
        side = np.zeros(len(xy), np.int8)
        distance_m = np.empty(len(xy))
        new = np.ones(len(xy), bool)
        if self.seen is not None:
            known, seen_side, seen_m = self.seen
            at = np.searchsorted(_row_keys(known), _row_keys(xy))
            at = np.minimum(at, len(known) - 1)
            hit = (known[at] == xy).all(axis=1)
            side[hit], distance_m[hit] = seen_side[at[hit]], seen_m[at[hit]]
            new = ~hit
        if new.any():
            where = self._locate(xy[new, 0], xy[new, 1])
            side[new], distance_m[new] = where.side, where.distance_m
        self.seen = (xy, side, distance_m)
        return side, distance_m

    def _follow(self, a: NDArray, b: NDArray) -> NDArray | None:
        """The switch curve through the bracket (a, b), followed both ways (not refined)."""
        q = (a + b) / 2.0
        theta = self._tangent(q[None], a[None], b[None])[0][0]
        if not np.isfinite(theta):
            return None
        ways = [self._walk(q, a, b, theta + turn) for turn in (0.0, 180.0)]
        return np.vstack([ways[1][::-1], q[None], ways[0]])

    def _walk(self, q: NDArray, a: NDArray, b: NDArray, theta: float) -> NDArray:
        """Points along the switch curve from `q`, heading `theta` (degrees), to its end."""
        tol = self.tolerance_m
        d0 = float(self._locate(q[:1], q[1:]).distance_m[0])
        h = float(np.clip(d0 / 8.0, 10.0 * tol, self.reach_m / 8.0))
        out = []
        last_h = h  # the last step taken
        for _ in range(_MAX_STEPS):
            plon, plat, _ = geodesy.destination(q[0], q[1], theta, h)
            ends = np.array(
                [geodesy.destination(plon, plat, theta + t, h)[:2] for t in (90.0, -90.0)],
                dtype=float,
            )
            ends[:, 0] = _lon_near(ends[:, 0], q[0])  # the curve stays in q's frame
            loc = self._locate(ends[:, 0], ends[:, 1])
            nt = np.nan
            if loc.side[0] != loc.side[1] and 0 not in loc.side:
                na, nb = self._bisect(ends[:1], ends[1:], loc.side[:1])
                nq = (na[0] + nb[0]) / 2.0
                nts, d = self._tangent(nq[None], na, nb)
                nt = nts[0]
            # no change of side across the step, or one with a single nearest point (a
            # ray's or the line's, not this curve's): the curve ends within the step
            if not np.isfinite(nt):
                if h < tol:
                    break
                h /= 3.0
                continue
            if np.cos(np.radians(nt - theta)) < 0:
                nt += 180.0
            chord_az = float(geodesy.inverse(q[0], q[1], nq[0], nq[1])[0])
            turn = max(_angle(nt, theta), _angle(chord_az, theta))
            if turn > _MAX_TURN_DEG and h > 2.0 * tol:
                h /= 3.0
                continue
            out.append(nq)
            if d[0] > self.reach_m + self.margin_m:
                return np.array(out).reshape(-1, 2)  # out of the zone
            if self._near_cut(nq[:1], nq[1:], d)[0]:
                last_h, theta = 0.0, float(nt)  # at the line or a ray: just past it
                break
            last_h = h
            kappa = np.radians(max(turn, 1e-3)) / h
            h = float(min(3.0 * h, self.reach_m / 4.0, np.sqrt(4.0 * tol / kappa)))
            q, theta = nq, float(nt)
        q = out[-1] if out else q
        out += self._to_the_cut(q, theta, last_h)
        return np.array(out).reshape(-1, 2)

    def _to_the_cut(self, q: NDArray, theta: float, last_h: float) -> list[NDArray]:
        """Where a traced curve ends at the line, a ray or another curve: points across it.

        The walk stops where the curve meets a cut, or where the sliver between them is
        narrower than the tolerance (at a shallow meeting, that can be far along): either
        way the nearest cut is within a step or a few tolerances, and the curve is drawn to
        it and a little past, so it crosses it and splits the face (a piece beyond is a
        dangle, which splits none). Failing that, it goes on along its heading.
        """
        m = 4.0 * self.margin_m
        cands = []
        on_line = self._locate(q[:1], q[1:], nearest=True)
        cands.append((on_line.distance_m[0], on_line.nearest_lon[0], on_line.nearest_lat[0]))
        on_ray = geodesy.locate_on_line(q[:1], q[1:], self.rays, threads=self.threads)
        cands.append((on_ray.distance_m[0], on_ray.nearest_lon[0], on_ray.nearest_lat[0]))
        if self.drawn is not None:
            near = shapely.get_coordinates(shapely.shortest_line(shapely.Point(q), self.drawn))[-1]
            cands.append((float(geodesy.inverse(q[0], q[1], near[0], near[1])[2]), *near))
        d, lon, lat = min(cands, key=lambda c: c[0])
        if d <= max(3.0 * last_h, 5.0 * m) and d > 0.0:
            az = float(geodesy.inverse(q[0], q[1], lon, lat)[0])
            reach = d + m
        else:
            az, reach = theta, 2.0 * last_h + m
        past = np.array(geodesy.destination(q[0], q[1], az, reach)[:2])
        return [np.array([_lon_near(past[0], q[0]), past[1]])]

    def _refine(self, curves: list[NDArray]) -> list[NDArray]:
        """Split the chords of `curves` whose middles stray more than half the tolerance.

        All curves at once; after the first round only the halves of chords just split are
        looked at again.
        """
        tol = self.tolerance_m
        curves = list(curves)
        fresh = [np.ones(len(c) - 1, bool) for c in curves]
        for _ in range(30):
            chords = [np.flatnonzero(f) for f in fresh]
            owner = np.repeat(np.arange(len(curves)), [j.size for j in chords])
            if not owner.size:
                break
            start = np.vstack([c[j] for c, j in zip(curves, chords, strict=True)])
            stop = np.vstack([c[j + 1] for c, j in zip(curves, chords, strict=True)])
            mid = (start + stop) / 2.0
            az, _, length = geodesy.inverse(start[:, 0], start[:, 1], stop[:, 0], stop[:, 1])
            w = length / 4.0 + tol
            ends = [geodesy.destination(mid[:, 0], mid[:, 1], az + t, w)[:2] for t in (90.0, -90.0)]
            pa, pb = (np.column_stack([_lon_near(e[0], mid[:, 0]), e[1]]) for e in ends)
            sides = self._locate(np.r_[pa[:, 0], pb[:, 0]], np.r_[pa[:, 1], pb[:, 1]]).side
            sa, sb = sides[: len(pa)], sides[len(pa) :]
            idx = np.flatnonzero((sa != sb) & (sa != 0) & (sb != 0) & (length > tol))
            if not idx.size:
                break
            na, nb = self._bisect(pa[idx], pb[idx], sa[idx])
            on = (na + nb) / 2.0
            off = geodesy.inverse(mid[idx, 0], mid[idx, 1], on[:, 0], on[:, 1])[2]
            far = off > tol / 2.0
            if not far.any():
                break
            split, on = idx[far], on[far]
            chord_of = np.concatenate(chords)
            for i in range(len(curves)):
                mine = owner[split] == i
                at = chord_of[split[mine]]
                curves[i] = np.insert(curves[i], at + 1, on[mine], axis=0)
                # the chord at (old index) c becomes chords c + k and c + k + 1, k the
                # number of splits before it
                new_at = at + np.arange(at.size)
                fresh[i] = np.zeros(len(curves[i]) - 1, bool)
                fresh[i][new_at] = True
                fresh[i][new_at + 1] = True
        return curves


def _row_keys(xy: NDArray) -> NDArray:
    """Rows of a float (n, 2) array as sortable keys, ordered as ``np.unique(xy, axis=0)``."""
    return np.ascontiguousarray(xy).view([("x", xy.dtype), ("y", xy.dtype)]).ravel()


def _angle(a: float, b: float) -> float:
    """The angle between two azimuths, in degrees (0 to 180)."""
    return abs((a - b + 180.0) % 360.0 - 180.0)


#: Zones whose points lie farther than this from the line's centre are drawn without the
#: planar shortcut of `_Interior` (its error grows with the square of the extent).
_PLANE_MAX_EXTENT_M = 2_000_000.0
#: Lines of more parts test planar distances instead of buffering (slow when they overlap).
_BUFFER_MAX_PARTS = 16
#: Test points along an offset curve at distance D are at most this share of D apart.
_TEST_GAP = 0.05


class _Interior:
    """Which stretches of the offset rings lie certainly inside their zone: no need to draw.

    Most of an offset ring is not on the zone's edge: where the line turns or wiggles, the
    ring at D runs inside the zone of the line's other segments. Sampling, noding and
    classifying those loops was most of the work. A local azimuthal plane (see
    :func:`geodesy.local_plane`) answers cheaply which stretches are deep inside. For each
    D, GEOS buffers the planar line by a distance D' small enough that every point of that
    buffer is, on the ellipsoid, at least a margin closer to the line than D; each ring's
    curves are drawn approximately in the plane, and a chord whose test points (its ends and
    points at most a gap apart) all fall in that buffer is left out.

    The margin covers the plane's distance error, the planar drawing's position error,
    GEOS's own simplification of the line (1 % of the distance), ours (0.5 %), half the gap
    between test points and three tolerances. So the edge of the zone, and every crossing of
    two rings near it, is drawn with room to spare, and the faces (classified exactly
    afterwards) are those of the full arrangement. Zones too large for a plane
    (`_PLANE_MAX_EXTENT_M`) or near a pole are drawn whole.
    """

    def __init__(self, lon0, lat0, limits_m, regions, gaps_m):
        self.lon0, self.lat0 = lon0, lat0
        self.limits_m = limits_m
        self.regions = regions  # per distance: a test of planar points (x, y), or None
        self.gaps_m = gaps_m  # per distance: the largest spacing of test points

    @classmethod
    def around(cls, parts: list[NDArray], limits_m: NDArray, tolerance_m: float, *, threads=1):
        """The test for zones at `limits_m` around a line's parts, or None if out of reach."""
        xy = np.vstack(parts)
        lon0, lat0 = geodesy.local_plane_centre(xy[:, 0], xy[:, 1])
        x, y = geodesy.local_plane(xy[:, 0], xy[:, 1], lon0, lat0)
        extent_m = float(np.hypot(x, y).max() + limits_m.max()) * 1.01 + 10_000.0
        pole_m = (90.0 - abs(lat0)) * 110_000.0
        if extent_m > _PLANE_MAX_EXTENT_M or extent_m > 0.8 * pole_m:
            return None
        eps = geodesy.local_plane_error(extent_m)
        longest_m = 0.0
        planar_list = []
        for q in parts:
            qx, qy = geodesy.local_plane(q[:, 0], q[:, 1], lon0, lat0)
            if len(q) > 1:
                lengths = geodesy.inverse(q[:-1, 0], q[:-1, 1], q[1:, 0], q[1:, 1])[2]
                longest_m = max(longest_m, float(lengths.max()))
                planar_list.append(shapely.linestrings(np.column_stack([qx, qy])))
            else:
                planar_list.append(shapely.points(qx[0], qy[0]))
        planar_parts = np.asarray(planar_list, dtype=object)
        planar: BaseGeometry | NDArray = planar_parts
        if len(parts) <= _BUFFER_MAX_PARTS:
            planar = shapely.geometrycollections(planar_parts)
        r2 = geodesy.MEAN_RADIUS_M**2
        # how far a geodesic (segment or parallel) strays from its planar chord, and how far
        # its planar chord's direction turns from the geodesic's own at the ends
        sag_m = longest_m**2 * (extent_m + limits_m.max()) / (4.0 * r2)
        turn = longest_m * (extent_m + limits_m.max()) / r2
        gaps = _TEST_GAP * limits_m

        def region(k: int):
            d = float(limits_m[k])
            simplify_m = 0.005 * d
            drawn_m = d * (2.0 * eps + turn) + sag_m  # planar drawing vs the true curve
            reach = d / (1.0 + eps) - sag_m - drawn_m - gaps[k] / 2.0 - 3.0 * tolerance_m - 1.0
            reach = (reach - simplify_m) / 1.01  # GEOS simplifies the line by 1 % of it
            if reach <= 0.0:
                return None
            if len(parts) > _BUFFER_MAX_PARTS:  # buffering many parts that overlap is slow
                kinds = shapely.get_type_id(planar_parts)
                tests = [
                    shapely.simplify(
                        shapely.multilinestrings(planar_parts[kinds == 1]),
                        simplify_m,
                        preserve_topology=False,
                    ),
                    shapely.multipoints(planar_parts[kinds == 0]),
                ]
                tests = [t for t in tests if not t.is_empty]
                shapely.prepare(tests)

                def near(x: NDArray, y: NDArray) -> NDArray:
                    points = shapely.points(x, y)
                    return np.any([shapely.dwithin(t, points, reach) for t in tests], axis=0)

                return near
            simple = shapely.simplify(planar, simplify_m, preserve_topology=False)
            inner = shapely.buffer(simple, reach, quad_segs=16)
            shapely.prepare(inner)
            return lambda x, y: shapely.contains_xy(inner, x, y)

        regions = map_threads(region, range(len(limits_m)), threads=threads)
        return cls(lon0, lat0, limits_m, regions, gaps)

    def left_out(self, c: dict[str, NDArray], initial: NDArray) -> NDArray:
        """Flags, chord by chord (`initial[i]` equal chords of curve i), of those inside."""
        level = np.searchsorted(self.limits_m, c["d_m"])
        arc = c["kind"] == 1
        length = np.where(
            arc, np.abs(c["sweep"]) * np.pi / 180.0 * c["d_m"], np.abs(c["s_to"] - c["s_from"])
        )
        # test points on each curve, at most a gap apart
        tests = np.maximum(1, np.ceil(length / self.gaps_m[level])).astype(np.int64)
        prim = np.repeat(np.arange(len(initial)), tests + 1)
        first = np.cumsum(tests + 1) - (tests + 1)
        j = np.arange(prim.size) - first[prim]
        x, y = self._drawn(c, prim, j / tests[prim])
        hit = np.zeros(prim.size, bool)
        for k, region in enumerate(self.regions):
            mine = level[prim] == k
            if region is not None and mine.any():
                hit[mine] = region(x[mine], y[mine])
        # a test interval is inside if both its ends are; count the others cumulatively
        outside = ~(hit & np.r_[hit[1:], False])
        outside[first + tests] = False  # the last point of a curve starts no interval
        before = np.r_[0, np.cumsum(outside)]  # outside intervals before each test point
        # a chord is inside if every test interval it overlaps is
        chord_prim = np.repeat(np.arange(len(initial)), initial)
        i = np.arange(chord_prim.size) - np.repeat(np.cumsum(initial) - initial, initial)
        n, m = tests[chord_prim], initial[chord_prim]
        lo = first[chord_prim] + (i * n) // m
        hi = first[chord_prim] + -((-(i + 1) * n) // m)  # ceil: one past the last interval
        return before[hi] == before[lo]

    def _drawn(self, c, prim, u) -> tuple[NDArray, NDArray]:
        """Where the curves `prim` pass at parameters `u`, approximately, in the plane."""
        ax, ay = geodesy.local_plane(c["lon0"], c["lat0"], self.lon0, self.lat0)
        bx, by = geodesy.local_plane(c["lon1"], c["lat1"], self.lon0, self.lat0)
        north = np.minimum(c["lat0"] + 1e-4, 90.0)  # a step north, for the meridian's bearing
        nx, ny = geodesy.local_plane(c["lon0"], north, self.lon0, self.lat0)
        x, y = np.empty(len(u)), np.empty(len(u))
        d = c["d_m"][prim]
        par = c["kind"][prim] == 0
        if par.any():
            i = prim[par]
            length = np.maximum(c["s_from"][i], c["s_to"][i])
            with np.errstate(invalid="ignore", divide="ignore"):
                t = (c["s_from"][i] + u[par] * (c["s_to"][i] - c["s_from"][i])) / length
                dx, dy = bx[i] - ax[i], by[i] - ay[i]
                norm = np.hypot(dx, dy)
                side = c["sign"][i] * d[par] / norm  # to the right of the way for +1
                x[par] = ax[i] + t * dx + side * dy
                y[par] = ay[i] + t * dy - side * dx
        arc = ~par
        if arc.any():
            i = prim[arc]
            north = np.arctan2(nx[i] - ax[i], ny[i] - ay[i])  # the meridian's planar bearing
            bearing = np.radians(c["a_start"][i] - u[arc] * c["sweep"][i]) + north
            x[arc] = ax[i] + d[arc] * np.sin(bearing)
            y[arc] = ay[i] + d[arc] * np.cos(bearing)
        return x, y


def _turns(lon, ref_lon):
    """Whole turns to add to longitudes `lon` to bring them within 180° of `ref_lon`."""
    return np.round((np.asarray(ref_lon) - lon) / 360.0)


def _lon_near(lon, ref_lon):
    """Longitudes `lon` shifted by a multiple of 360 to within 180° of `ref_lon`."""
    return lon + _turns(lon, ref_lon) * 360.0


def _shift_near(xy: NDArray, ref_lon: float) -> NDArray:
    """Shift longitudes by a multiple of 360 so the first vertex is near `ref_lon`."""
    return xy + np.array([_turns(xy[0, 0], ref_lon) * 360.0, 0.0])


#: The globe's frame in lon/lat: the antimeridian both ways and the poles' parallels.
_FRAME = np.array([[-180.0, -90.0], [180.0, -90.0], [180.0, 90.0], [-180.0, 90.0], [-180.0, -90.0]])


def _into_window(xy: NDArray) -> list[NDArray]:
    """A drawn curve (in unwrapped longitudes) cut at ±180° into pieces within ±180°.

    Where an edge crosses the antimeridian, the crossing is computed once (straight in
    lon/lat, as drawn) and ends one piece at +180° and starts the next at -180° (or the
    reverse) at the same latitude, so the pieces node with each other and the frame.
    """
    k = np.floor((xy[:, 0] + 180.0) / 360.0)
    if (k == k[0]).all():
        return [xy - [360.0 * k[0], 0.0]]
    pieces = []
    start = 0
    current: list[NDArray] = []
    for i in np.flatnonzero(k[1:] != k[:-1]):
        run = xy[start : i + 1] - [360.0 * k[start], 0.0]
        current.append(run)
        (x0, y0), (x1, y1) = xy[i], xy[i + 1]
        step = 1.0 if k[i + 1] > k[i] else -1.0
        for j in np.arange(k[i], k[i + 1], step):  # every boundary between them
            edge = 180.0 + 360.0 * (j if step > 0 else j - 1.0)
            y = y0 + (edge - x0) / (x1 - x0) * (y1 - y0)
            current.append(np.array([[180.0 * step, y]]))
            pieces.append(np.vstack(current))
            current = [np.array([[-180.0 * step, y]])]
        start = i + 1
    current.append(xy[start:] - [360.0 * k[start], 0.0])
    pieces.append(np.vstack(current))
    # a closed curve (round a pole, its ends 360° apart) ends exactly where it starts
    if abs(pieces[-1][-1, 0] - pieces[0][0, 0]) < 1e-9 and pieces[-1][-1, 1] == pieces[0][0, 1]:
        pieces[-1][-1] = pieces[0][0]
    return [p for p in pieces if len(p) > 1]


def _close_over_pole(xy: NDArray) -> NDArray:
    """A ring around a pole ends 360° from where it starts: close it along the pole."""
    turns = np.round((xy[-1, 0] - xy[0, 0]) / 360.0)
    if turns == 0:
        return xy
    pole = 90.0 if xy[:, 1].mean() > 0 else -90.0
    return np.vstack([xy[:-1], [[xy[-2, 0], pole], [xy[0, 0], pole], xy[0]]])


def _end_rays(xy: NDArray, length_m: float, tolerance_m: float) -> list:
    """The line continued beyond both ends along its end directions, as geodesics.

    Returns ``(vertices, (lon, lat, azimuth))`` for each: the ray and where it starts.
    """
    az_first, _, _ = geodesy.inverse(xy[0, 0], xy[0, 1], xy[1, 0], xy[1, 1])
    _, az_last, _ = geodesy.inverse(xy[-2, 0], xy[-2, 1], xy[-1, 0], xy[-1, 1])
    rays = []
    for (lon, lat), az in ((xy[0], float(az_first) + 180.0), (xy[-1], float(az_last))):
        elon, elat, _ = geodesy.destination(lon, lat, az, length_m)
        ray = _densified_geodesics(
            np.array([lon]), np.array([lat]), np.atleast_1d(elon), np.atleast_1d(elat), tolerance_m
        )
        rays.append((ray, (float(lon), float(lat), az)))
    return rays


def _u_turn_rays(xy: NDArray, length_m: float, tolerance_m: float) -> list:
    """Geodesics square to the line at each vertex where it turns right round (a U-turn).

    Where a line doubles back on itself, points near it tie between the way out and the
    way back, and ties go to the way out; beyond the turn the vertex is nearest, and its
    side is that of the turn's outside. The two meet along the line's normal at the
    vertex, which is drawn so that faces do not straddle it.
    """
    if len(xy) < 3:
        return []
    az_in = geodesy.inverse(xy[:-2, 0], xy[:-2, 1], xy[1:-1, 0], xy[1:-1, 1])[1]
    az_out = geodesy.inverse(xy[1:-1, 0], xy[1:-1, 1], xy[2:, 0], xy[2:, 1])[0]
    turn = (az_out - az_in + 180.0) % 360.0 - 180.0
    rays = []
    for k in np.flatnonzero(np.abs(np.abs(turn) - 180.0) < 1e-6):
        lon, lat = xy[k + 1]
        for az in (float(az_in[k]) - 90.0, float(az_in[k]) + 90.0):
            rays.append(_ray(lon, lat, az, length_m, tolerance_m))
    return rays


def _split_antimeridian(geom: BaseGeometry) -> BaseGeometry:
    """Cut a geometry drawn in unwrapped longitudes at ±180° and bring every piece home."""
    if geom.is_empty:
        return geom
    minx, _, maxx, _ = geom.bounds
    if minx >= -180.0 and maxx <= 180.0:
        return geom
    pieces = []
    first, last = (int(np.floor((x + 180.0) / 360.0)) for x in (minx, maxx))
    for k in range(first, last + 1):
        window = shapely.box(-180.0 + 360.0 * k, -90.0, 180.0 + 360.0 * k, 90.0)
        piece = shapely.intersection(geom, window)
        if not piece.is_empty:
            pieces.append(_shift_x(piece, 360.0 * k))
    return shapely.union_all(pieces)


def _shift_x(geom: BaseGeometry, dx: float) -> BaseGeometry:
    """`geom` moved west by `dx` degrees of longitude."""
    return shapely.transform(geom, lambda c: c - [dx, 0.0])


# --------------------------------------------------------------------------------------
# Territories, bundled zone sets and export
# --------------------------------------------------------------------------------------

_TERRITORIES = {
    "syrian_held": "Syria as Natural Earth draws it, minus the UNDOF Area of Separation and "
    "the Israeli-held Golan (both from OpenStreetMap): the Syrian side east of the Bravo "
    "stand-in",
    "area_of_separation": "the UNDOF Area of Separation between the Alpha and Bravo lines "
    "(OpenStreetMap relation 184888)",
    "israeli_held_golan": "the Golan Heights held by Israel, west of the Alpha line "
    "(OpenStreetMap relation 16119376)",
    "syria": "Syria as Natural Earth draws it (de facto view: with the Area of Separation, "
    "without the Israeli-held Golan)",
    "israel": "Israel as Natural Earth draws it (de facto view: with the Golan)",
}


def load_territory(name: str) -> shapely.Geometry:
    """Return a bundled territory polygon (lon/lat) for clipping zones.

    Parameters
    ----------
    name
        ``"syrian_held"`` (Syria minus the Area of Separation and the Israeli-held Golan),
        ``"area_of_separation"``, ``"israeli_held_golan"``, ``"syria"`` or ``"israel"``.

    Examples
    --------
    >>> from shapely import Point
    >>> syrian = load_territory("syrian_held")
    >>> syrian.contains(Point(35.8916, 33.1838)), syrian.contains(Point(35.8246, 33.126))
    (True, False)
    """
    if not isinstance(name, str) or name not in _TERRITORIES:
        msg = f"no territory named {name!r}; the territories are: {', '.join(_TERRITORIES)}"
        raise InputError(msg)
    countries = catalog.load("countries").set_index("NAME").geometry
    aos = catalog.load("area_of_separation").geometry.iloc[0]
    golan = catalog.load("golan_heights").geometry.iloc[0]
    if name == "syrian_held":
        geom = shapely.difference(countries["Syria"], shapely.union(aos, golan))
        # keep the Syrian mainland and its real parts, not slivers the two sources leave
        parts = [p for p in shapely.get_parts(geom) if geodesy.geodesic_area_m2(p) > 1e6]
        geom = shapely.union_all(parts)
    elif name == "area_of_separation":
        geom = aos
    elif name == "israeli_held_golan":
        geom = golan
    else:
        geom = countries[name.capitalize()]
    return shapely.make_valid(geom)


@dataclass(frozen=True)
class ZoneSet:
    """A documented set of zones that ships with geozones (built on demand)."""

    name: str
    title: str
    source: str
    parts: tuple[tuple[str, tuple[float, ...], str], ...]  # (line layer, km, side)


ZONE_SETS: dict[str, ZoneSet] = {
    zs.name: zs
    for zs in (
        ZoneSet(
            "alpha_5_20_60",
            "5, 20 and 60 km bands around the Alpha line, both sides",
            "The 2017 US–Russia–Jordan arrangement kept Iranian forces and allied militias "
            "about 5 km from the regime–rebel lines of contact, roughly 5–20 km from the "
            "Israeli-held Golan; in 2018 Israel demanded at least 60 km from its Golan "
            "border. The Alpha line (OSM A-Line) stands for that border.",
            (("alpha_line", DEFAULT_DISTANCES_KM, "both"),),
        ),
        ZoneSet(
            "bravo_5_20_60",
            "5, 20 and 60 km bands around the Bravo stand-in, both sides",
            "The same thresholds measured from the Syrian-side limit of the UNDOF Area of "
            "Separation (the east edge of OSM relation 184888, standing in for the Bravo "
            "line), as some reporting measured from the Syrian side.",
            (("bravo_line", DEFAULT_DISTANCES_KM, "both"),),
        ),
        ZoneSet(
            "areas_of_limitation_1974",
            "1974 Areas of Limitation: 10, 20 and 25 km from the Alpha line on the Israeli "
            "side and from the Bravo line on the Syrian side",
            "The public record of the 31 May 1974 Israel–Syria Agreement on Disengagement "
            "and its protocol sets Areas of Limitation in armament and forces at 10, 20 and "
            "25 km from the lines of the Area of Separation: west of the Alpha line for "
            "Israel, east of the Bravo line for Syria. Both bundled lines run north to "
            "south, so Israel's side of Alpha is its right and Syria's side of Bravo its left.",
            (
                ("alpha_line", (10.0, 20.0, 25.0), "right"),
                ("bravo_line", (10.0, 20.0, 25.0), "left"),
            ),
        ),
    )
}


def build_zone_set(
    name: str, *, tolerance_m: float = 1.0, threads: int | None = None
) -> gpd.GeoDataFrame:
    """Build one of the documented :data:`ZONE_SETS`, with its source in a column.

    `tolerance_m` and `threads` are as for :func:`build_zones`.

    Examples
    --------
    >>> aol = build_zone_set("areas_of_limitation_1974")
    >>> aol[["line", "side", "band"]].drop_duplicates().shape[0]
    6
    """
    if not isinstance(name, str) or name not in ZONE_SETS:
        msg = f"no zone set named {name!r}; the sets are: {', '.join(ZONE_SETS)}"
        raise InputError(msg)
    zs = ZONE_SETS[name]
    frames = []
    for layer, km, side in zs.parts:
        z = build_zones(layer, km, side=side, tolerance_m=tolerance_m, threads=threads)
        z["zone_set"] = zs.name
        z["zone_source"] = zs.source
        frames.append(z)
    out = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=4326)
    out.attrs["title"] = zs.title
    return out
