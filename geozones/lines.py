"""One line model: every accepted form of "a line" resolved into one :class:`LineSet`.

A line can be given as the name of a bundled layer (``"alpha_line"``), a path to a file
:func:`geozones.read_lines` reads, a GeoDataFrame or GeoSeries, a shapely geometry, a list
of any of these, or a :class:`LineSet` already resolved. :func:`as_lines` turns each of
them into a :class:`LineSet`: one row per line, in the order given, in EPSG:4326, with the
columns of :data:`LINE_COLUMNS`.

Every room that takes a line (zones, checks, the Dask engine, maps and plots, the command
line) resolves it here, so a line means the same thing everywhere.

Examples
--------
>>> from geozones.lines import as_lines
>>> lines = as_lines(["alpha_line", "bravo_line"])
>>> lines.names, lines.frame["accuracy_m"].tolist()
(['alpha_line', 'bravo_line'], [300.0, 500.0])
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geozones import catalog, geodesy
from geozones.errors import InputError
from geozones.io import read_lines

__all__ = ["LINE_COLUMNS", "MAX_ACCURACY_M", "LineSet", "as_lines"]

#: The columns of :attr:`LineSet.frame`, in this order (other attributes of the input
#: follow them): the line's ``name``, its ``geometry`` (LineString or MultiLineString,
#: EPSG:4326), the dates between which it is in force (``valid_from``, ``valid_to``;
#: NaT when open or unknown), its positional ``accuracy_m`` (metres, NaN when unknown),
#: the bundled ``layer`` it comes from (None for the user's own lines) and its provenance:
#: ``source``, ``licence`` and ``credit`` (the line a map or publication must show).
LINE_COLUMNS = (
    "name",
    "geometry",
    "valid_from",
    "valid_to",
    "accuracy_m",
    "layer",
    "source",
    "licence",
    "credit",
)

#: The largest positional accuracy, in metres, a line may claim: about half the Earth's
#: circumference (the bound :data:`geozones.checks.MAX_RADIUS_M` puts on positions).
MAX_ACCURACY_M = 20_000_000.0

_DATES = ("valid_from", "valid_to")


@dataclass(frozen=True, eq=False)
class LineSet:
    """Lines resolved once: a GeoDataFrame with one schema, and what is derived from it.

    A thin, frozen wrapper rather than a GeoDataFrame subclass: pandas operations on a
    subclass silently return plain frames and drop its invariants, while a wrapper is
    resolved once and only read afterwards (``isinstance(x, LineSet)`` means "validated").
    It pickles as its frame does, so it travels to Dask workers.

    Build one with :func:`as_lines`, not directly.

    Attributes
    ----------
    frame
        One row per line, in the order given, in EPSG:4326, with the columns of
        :data:`LINE_COLUMNS` first, then the input's other attributes, then ``feature``
        (the feature's own name in its file, for display). Treat it as read-only.

    Examples
    --------
    >>> lines = as_lines("alpha_line")
    >>> len(lines), lines.names, lines.frame["layer"].iloc[0]
    (1, ['alpha_line'], 'alpha_line')
    """

    frame: gpd.GeoDataFrame

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def names(self) -> list[str]:
        """The lines' names, in order."""
        return [str(v) for v in self.frame["name"]]

    @property
    def label(self) -> str:
        """A short title: the bundled layer's name, or the first five names joined by ``+``.

        Examples
        --------
        >>> as_lines(["alpha_line", "bravo_line"]).label
        'alpha_line + bravo_line'
        """
        names = self.names
        if self.frame["layer"].notna().all() and self.frame["layer"].nunique() == 1:
            return str(self.frame["layer"].iloc[0])
        extra = f" and {len(names) - 5} more" if len(names) > 5 else ""
        return " + ".join(names[:5]) + extra

    @property
    def layers(self) -> list[str]:
        """The bundled layers the lines come from, each once, in order."""
        return [str(v) for v in dict.fromkeys(self.frame["layer"].dropna())]

    def joined(self) -> shapely.Geometry:
        """Return one geometry with every part of every line, in order, neither noded nor merged.

        A union would node the lines at every crossing: one self-crossing line of 3,000
        vertices became hundreds of parts, each drawn with round ends of its own.

        Examples
        --------
        >>> as_lines(["alpha_line", "bravo_line"]).joined().geom_type
        'MultiLineString'
        """
        geoms = [g for g in self.frame.geometry.array if g is not None and not g.is_empty]
        if len(geoms) == 1:
            return geoms[0]
        parts = shapely.get_parts(np.asarray(geoms, dtype=object))
        if not len(parts):
            return shapely.MultiLineString()
        joined = shapely.multilinestrings(parts)  # a 1-d array of parts makes one geometry
        assert isinstance(joined, shapely.MultiLineString)
        return joined

    def provenance(self, column: str) -> str:
        """Return the distinct non-empty values of a provenance column, joined by ``"; "``.

        Examples
        --------
        >>> as_lines(["alpha_line", "bravo_line"]).provenance("licence")
        'ODbL 1.0'
        """
        values = self.frame[column].dropna().astype(str)
        return "; ".join(v for v in values.unique() if v)


def as_lines(value: object) -> LineSet:
    """Resolve any accepted form of "a line" into a :class:`LineSet`.

    Parameters
    ----------
    value
        A bundled line layer's name (``"alpha_line"``; see :func:`geozones.datasets.layers`),
        a path to a file :func:`geozones.read_lines` reads, a GeoDataFrame or GeoSeries of
        lines (optional ``name``, ``valid_from`` / ``valid_to`` dates, ``accuracy_m`` in
        metres, ``source``, ``licence`` and ``credit`` or ``attribution`` columns), a shapely
        line, a list or tuple of any of these, or a :class:`LineSet` (returned as it is).

    Returns
    -------
    LineSet
        One row per line. A bundled layer's lines are named after the layer and carry its
        dates, accuracy and provenance; a file's lines carry its path as their ``source``
        unless they have a ``source`` of their own. A shapely geometry is taken as it is,
        in lon/lat: it must be a LineString or MultiLineString with finite coordinates,
        latitudes within ±90 and at least 2 distinct vertices (longitudes beyond ±180 are
        kept, for lines across the antimeridian).

    Raises
    ------
    InputError
        A bundled layer that is not a line layer, an empty list, a value of another type,
        an ``accuracy_m`` that is not 0 to :data:`MAX_ACCURACY_M` metres, or anything
        :func:`geozones.read_lines` refuses (it names the file and the feature).

    Examples
    --------
    >>> from shapely import LineString
    >>> lines = as_lines(LineString([(35.8, 33.1), (35.8, 32.9)]))
    >>> lines.names, lines.frame["source"].iloc[0]
    (['line'], 'a shapely geometry')
    """
    if isinstance(value, LineSet):
        return value
    if isinstance(value, str | os.PathLike) and _bundled(value):
        frame = _bundled_lines(str(value))
    elif isinstance(value, str | os.PathLike):
        frame = _schema(read_lines(value), origin=str(value))
    elif isinstance(value, gpd.GeoDataFrame | gpd.GeoSeries):
        frame = _schema(read_lines(value), origin="a GeoDataFrame")
    elif isinstance(value, shapely.Geometry):
        geodesy.line_parts(value)  # validated as every geodesic use checks it, antimeridian too
        gdf = gpd.GeoDataFrame({"name": ["line"]}, geometry=[value], crs=4326)
        frame = _schema(gdf, origin="a shapely geometry")
    elif isinstance(value, Iterable) and not isinstance(value, str | bytes | pd.DataFrame):
        parts = [as_lines(item).frame for item in value]
        if not parts:
            msg = "the lines are an empty list; at least one line is needed"
            raise InputError(msg)
        frame = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=4326)
    else:
        msg = (
            "a line must be a bundled line name, a file path, a GeoDataFrame, a shapely line "
            f"or a list of them, not {type(value).__name__}"
        )
        raise InputError(msg)
    _check_accuracy(frame)
    return LineSet(frame)


def _bundled(value: str | os.PathLike) -> bool:
    """Whether `value` names a bundled layer (a path to an existing file never does)."""
    text = os.fspath(value)
    if not isinstance(text, str) or text not in catalog.names():
        return False
    return isinstance(value, str) or not os.path.exists(text)


def _bundled_lines(name: str) -> gpd.GeoDataFrame:
    info = catalog.info(name)
    if info.kind != "line":
        msg = f"bundled layer {name!r} is not a line layer"
        raise InputError(msg)
    gdf = read_lines(catalog.load(name))
    gdf["layer"] = name
    gdf["source"] = info.source
    gdf["licence"] = info.licence
    gdf["credit"] = info.attribution
    gdf["feature"] = gdf["name"]
    gdf["name"] = name
    return _order(gdf)


def _schema(gdf: gpd.GeoDataFrame, *, origin: str) -> gpd.GeoDataFrame:
    """The user's lines in the schema: missing columns filled, dates and accuracy parsed."""
    if "feature" not in gdf:
        gdf["feature"] = gdf["name"]
    if "layer" not in gdf:
        gdf["layer"] = None
    if "credit" not in gdf:
        gdf["credit"] = gdf["attribution"] if "attribution" in gdf else ""
    for column, default in (("source", origin), ("licence", ""), ("credit", "")):
        if column not in gdf:
            gdf[column] = default
        gdf[column] = gdf[column].astype(object).where(gdf[column].notna(), default)
    return _order(gdf)


def _order(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    for column in _DATES:
        if column not in gdf:
            gdf[column] = pd.NaT
        gdf[column] = pd.to_datetime(gdf[column], errors="coerce")
    if "accuracy_m" not in gdf:
        gdf["accuracy_m"] = np.nan
    gdf["accuracy_m"] = pd.to_numeric(gdf["accuracy_m"], errors="coerce").astype(float)
    rest = [c for c in gdf.columns if c not in LINE_COLUMNS and c != "feature"]
    out = gdf[[*LINE_COLUMNS, *rest, "feature"]].reset_index(drop=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=4326)


def _check_accuracy(gdf: gpd.GeoDataFrame) -> None:
    accuracy = gdf["accuracy_m"].to_numpy(dtype=float)
    bad = ~np.isnan(accuracy) & ~((accuracy >= 0) & (accuracy <= MAX_ACCURACY_M))
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        msg = (
            f"line {gdf['name'].iloc[k]!r}: accuracy_m must be a number of metres from 0 to "
            f"{MAX_ACCURACY_M:,.0f}, not {accuracy[k]:g}"
        )
        raise InputError(msg)
