"""Reading a user's lines from files or GeoDataFrames, and validating them.

Everything read here comes back in EPSG:4326 (x = longitude), with one row per usable
feature. Problems are reported as :class:`~geozones.errors.InputError` naming the file and
the feature (features are numbered from 1, in file order, as GIS software shows them).
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from numpy.typing import NDArray

from geozones.errors import GeometryError, GeozonesWarning, InputError, first_line

__all__ = ["LINE_SUFFIXES", "read_lines"]

#: File types :func:`read_lines` reads, by suffix.
LINE_SUFFIXES = (".geojson", ".json", ".gpkg", ".kml", ".kmz", ".shp", ".zip", ".fgb", ".gml")

_LINE_TYPES = ("LineString", "MultiLineString", "LinearRing")
_POLYGON_TYPES = ("Polygon", "MultiPolygon")
_NAME_COLUMNS = ("name", "Name", "NAME", "name_en", "NAME_EN", "title", "label")


def read_lines(
    source: str | os.PathLike | gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    layer: str | int | None = None,
) -> gpd.GeoDataFrame:
    """Read and validate lines from a file or a GeoDataFrame.

    Parameters
    ----------
    source
        A GeoJSON, GeoPackage, KML/KMZ, Shapefile (or zipped Shapefile) path, or a
        GeoDataFrame / GeoSeries.
    layer
        The layer to read from a multi-layer file. By default a file's only layer is read;
        the layers (folders) of a KML file are read together.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per feature, in source order, in EPSG:4326, with 2-D LineString or
        MultiLineString geometry and a ``name`` column (``"line 1"``, ... when the source
        has no names). The other attributes are kept.

    Raises
    ------
    InputError
        The file cannot be read, holds no features, has points, empty or invalid
        geometries or coordinates that are not longitude/latitude. The message names the
        file and the feature.

    Warns
    -----
    GeozonesWarning
        When a polygon is taken as its boundary, or when data with no CRS is assumed to
        be EPSG:4326.

    Notes
    -----
    Features are checked together, not one by one: 100,000 KML placemarks read in about
    2 s. Memory grows with the file only: about 2 kB per feature and 50 bytes per vertex
    (GDAL's reading included). Lines are not noded or merged: a GeometryCollection's lines
    become a MultiLineString as they are, and empty parts are dropped.

    Examples
    --------
    >>> from shapely import LineString
    >>> lines = read_lines(gpd.GeoDataFrame(geometry=[LineString([(35.8, 33.1), (35.8, 32.9)])],
    ...                                     crs=4326))
    >>> lines["name"].tolist(), lines.crs.to_epsg()
    (['line 1'], 4326)
    """
    if isinstance(source, gpd.GeoSeries):
        source = gpd.GeoDataFrame(geometry=source)
    if isinstance(source, gpd.GeoDataFrame):
        label = "the GeoDataFrame"
        gdf = source.copy()
    elif isinstance(source, str | os.PathLike):
        label = str(source)
        gdf = _read_path(Path(source), layer=layer)
    else:
        msg = f"read_lines takes a file path or a GeoDataFrame, not {type(source).__name__}"
        raise InputError(msg)
    return _validate_lines(gdf, label=label)


def _read_path(path: Path, *, layer: str | int | None) -> gpd.GeoDataFrame:
    if not path.exists():
        msg = f"{path}: no such file"
        raise InputError(msg)
    try:
        names = [name for name, _ in pyogrio.list_layers(path)]
    except Exception as exc:  # pyogrio raises DataSourceError and kin
        msg = f"{path}: cannot be read as a vector file ({first_line(exc)})"
        raise InputError(msg) from None
    if not names:
        msg = f"{path}: holds no layers"
        raise InputError(msg)
    if layer is not None:
        chosen = [layer]
    elif len(names) == 1 or path.suffix.lower() in (".kml", ".kmz"):
        chosen = names
    else:
        msg = f"{path}: holds {len(names)} layers ({', '.join(names)}); choose one with layer="
        raise InputError(msg)
    frames = []
    for name in chosen:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # GDAL chatter
                frame = gpd.read_file(path, layer=name, engine="pyogrio")
        except Exception as exc:
            msg = f"{path}: layer {name!r} cannot be read ({first_line(exc)})"
            raise InputError(msg) from None
        if len(chosen) > 1 and len(frame):
            frame["source_layer"] = name
        frames.append(frame)
    frames = [f for f in frames if len(f)] or frames[:1]
    if len(frames) == 1:
        return frames[0]
    crs = frames[0].crs
    frames = [f.to_crs(crs) if f.crs != crs and crs is not None else f for f in frames]
    return gpd.GeoDataFrame(gpd.pd.concat(frames, ignore_index=True), geometry="geometry", crs=crs)


def _validate_lines(gdf: gpd.GeoDataFrame, *, label: str) -> gpd.GeoDataFrame:
    """Check every feature at once (no Python loop over features but odd ones)."""
    if len(gdf) == 0:
        msg = f"{label}: holds no features; at least one line is needed"
        raise InputError(msg)
    gdf = gdf.reset_index(drop=True)
    names = _feature_names(gdf)

    def where(i: int) -> str:
        return f"{label}: feature {i + 1}" + (f" ({names[i]!r})" if names[i] else "")

    geoms = np.asarray(gdf.geometry.array, dtype=object)
    kind = shapely.get_type_id(geoms)  # -1 for a missing geometry
    missing = kind < 0
    missing[~missing] = shapely.is_empty(geoms[~missing])
    if missing.any():
        msg = f"{where(int(np.flatnonzero(missing)[0]))}: has an empty geometry; a line is needed"
        raise GeometryError(msg)
    wrong = ~np.isin(kind, [1, 2, 3, 5, 6, 7])  # lines, rings, polygons, collections
    if wrong.any():
        i = int(np.flatnonzero(wrong)[0])
        needed = "a line (LineString) or a polygon" if kind[i] in (0, 4) else "a line"
        msg = f"{where(i)}: is a {geoms[i].geom_type}; {needed} is needed"
        raise GeometryError(msg)
    polygons = np.flatnonzero(np.isin(kind, [3, 6]))
    out = geoms.copy()
    if polygons.size:
        out[polygons] = shapely.boundary(geoms[polygons])
        shown = ", ".join(str(i + 1) for i in polygons[:10]) + (
            " ..." if polygons.size > 10 else ""
        )
        msg = f"{label}: feature(s) {shown} are polygons; their boundaries are used as lines"
        warnings.warn(msg, GeozonesWarning, stacklevel=3)
    for k in np.flatnonzero(kind == 7):  # collections, one by one
        out[k] = _collection_lines(geoms[k], where=where(int(k)))
    for k in np.flatnonzero(kind == 2):  # linear rings
        out[k] = shapely.LineString(geoms[k].coords)
    out = shapely.force_2d(out)
    multi = np.flatnonzero(shapely.get_type_id(out) == 5)
    if multi.size:  # drop the empty parts of MultiLineStrings
        parts, owner = shapely.get_parts(out[multi], return_index=True)
        full = ~shapely.is_empty(parts)
        if not full.all():
            out[multi] = shapely.multilinestrings(parts[full], indices=owner[full])
    gdf = _to_wgs84(gdf.set_geometry(gpd.GeoSeries(out, index=gdf.index, crs=gdf.crs)), label=label)
    out = np.asarray(gdf.geometry.array, dtype=object)
    _check_coordinates(out, where)
    result = gdf.set_geometry(gpd.GeoSeries(out, index=gdf.index, crs=4326))
    result["name"] = [name or f"line {i + 1}" for i, name in enumerate(names)]
    return result


def _collection_lines(geom, *, where: str):
    """The lines of a GeometryCollection (polygons as their boundaries), not noded."""
    parts = [g.boundary if g.geom_type in _POLYGON_TYPES else g for g in geom.geoms]
    parts = [p for g in parts for p in shapely.get_parts(g) if p.geom_type in _LINE_TYPES]
    parts = [shapely.LineString(p.coords) for p in parts if not p.is_empty]
    if not parts:
        msg = f"{where}: is a GeometryCollection with no line or polygon in it"
        raise GeometryError(msg)
    return parts[0] if len(parts) == 1 else shapely.MultiLineString(parts)


def _check_coordinates(geoms: NDArray, where) -> None:
    """Finite lon/lat coordinates, and at least 2 distinct vertices in some part of each."""
    xy, index = shapely.get_coordinates(geoms, return_index=True)
    bad = ~np.isfinite(xy).all(axis=1)
    if bad.any():
        msg = (
            f"{where(int(index[np.flatnonzero(bad)[0]]))}: has a coordinate that is NaN or infinite"
        )
        raise GeometryError(msg)
    outside = (np.abs(xy[:, 0]) > 180) | (np.abs(xy[:, 1]) > 90)
    if outside.any():
        k = int(np.flatnonzero(outside)[0])
        msg = (
            f"{where(int(index[k]))}: has a vertex at ({xy[k, 0]:g}, {xy[k, 1]:g}), outside "
            "longitude ±180 / latitude ±90"
        )
        raise GeometryError(msg)
    parts, owner = shapely.get_parts(geoms, return_index=True)
    pxy, pidx = shapely.get_coordinates(parts, return_index=True)
    first = np.r_[0, np.flatnonzero(np.diff(pidx)) + 1]  # each part's first vertex
    counts = np.diff(np.r_[first, len(pidx)])
    differs = (pxy != np.repeat(pxy[first], counts, axis=0)).any(axis=1)
    part_ok = np.zeros(len(parts), bool)
    part_ok[pidx[differs]] = True
    feature_ok = np.zeros(len(geoms), bool)
    feature_ok[owner[part_ok]] = True
    if not feature_ok.all():
        i = int(np.flatnonzero(~feature_ok)[0])
        msg = f"{where(i)}: has fewer than 2 distinct vertices; a line needs at least 2"
        raise GeometryError(msg)


def _to_wgs84(gdf: gpd.GeoDataFrame, *, label: str) -> gpd.GeoDataFrame:
    if gdf.crs is None:
        bounds = shapely.bounds(np.asarray(gdf.geometry.array, dtype=object))
        finite = bounds[np.isfinite(bounds).all(axis=1)]
        lonlat = (
            len(finite) > 0
            and (np.abs(finite[:, [0, 2]]) <= 180).all()
            and (np.abs(finite[:, [1, 3]]) <= 90).all()
        )
        if not lonlat:
            msg = (
                f"{label}: has no CRS and its coordinates are not longitude/latitude "
                f"(x within ±180, y within ±90); set the CRS, e.g. gdf.set_crs(32636)"
            )
            raise InputError(msg)
        msg = f"{label}: has no CRS; its coordinates look like lon/lat, assuming EPSG:4326"
        warnings.warn(msg, GeozonesWarning, stacklevel=4)
        return gdf.set_crs(4326)
    if gdf.crs.equals(gpd.GeoSeries(crs=4326).crs) or gdf.crs.to_epsg() == 4326:
        return gdf.set_crs(4326, allow_override=True)
    try:
        return gdf.to_crs(4326)
    except Exception as exc:
        msg = f"{label}: cannot be transformed from {gdf.crs.name} to EPSG:4326 ({exc})"
        raise InputError(msg) from None


def _feature_names(gdf: gpd.GeoDataFrame) -> list[str | None]:
    """Each feature's name from the first name-like column, or None."""
    column = next((c for c in _NAME_COLUMNS if c in gdf.columns), None)
    if column is None:
        return [None] * len(gdf)
    values = gdf[column].astype(object).where(gdf[column].notna(), None)
    return [str(v).strip() or None if v is not None else None for v in values]


def prepare_output(path: str | os.PathLike, drivers: dict[str, str], layer: str | None):
    """Check an output path's extension before anything is written.

    Returns the path as a string and its extension, lower case, one of `drivers`' keys.
    Nothing is removed here: the writers replace the file atomically
    (:mod:`geozones.writing`), so a failed save leaves the old file as it was.

    Raises
    ------
    InputError
        A path that is not a str or path, a `layer` that is not a string, an extension not
        in `drivers`, or a `layer` asked of a format other than GeoPackage.
    """
    if not isinstance(path, str | os.PathLike):
        msg = f"the output path must be a file name or path, not {path!r}"
        raise InputError(msg)
    if layer is not None and not isinstance(layer, str):
        msg = f"layer must be a name (a string) or None, not {layer!r}"
        raise InputError(msg)
    path = os.fspath(path)
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in drivers:
        msg = f"{path}: unknown extension; use one of {', '.join(drivers)}"
        raise InputError(msg)
    if layer is not None and suffix != ".gpkg":
        msg = f"{path}: layers need a GeoPackage (.gpkg), not {suffix}"
        raise InputError(msg)
    return path, suffix
