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

__all__ = ["LINE_COLUMNS", "MAX_ACCURACY_M", "LineSet", "as_lines", "resolve_line"]

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
        table = pd.DataFrame({"name": ["line"], "geometry": [value]})
        frame = _schema(table, origin=_SHAPELY_ORIGIN)
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


def resolve_line(value: object) -> tuple[shapely.Geometry, str, dict[str, str]]:
    """The line `value` (any form :func:`as_lines` takes) as one geometry, a label, provenance.

    Returns :meth:`LineSet.joined`, :attr:`LineSet.label` and the ``line_source``,
    ``licence`` and ``attribution`` that zones carry. A bare shapely line, the commonest
    input in a loop, is validated as :func:`as_lines` does but no frame is built for it.

    Examples
    --------
    >>> from shapely import LineString
    >>> geom, label, provenance = resolve_line(LineString([(35.8, 33.1), (35.8, 32.9)]))
    >>> label, provenance["line_source"]
    ('line', 'a shapely geometry')
    """
    if isinstance(value, shapely.Geometry):
        geodesy.line_parts(value)  # as as_lines validates it
        provenance = {"line_source": _SHAPELY_ORIGIN, "licence": "", "attribution": ""}
        return value, "line", provenance
    lines = as_lines(value)
    provenance = {
        "line_source": lines.provenance("source"),
        "licence": lines.provenance("licence"),
        "attribution": lines.provenance("credit"),
    }
    return lines.joined(), lines.label, provenance


#: The source a bare shapely line is given.
_SHAPELY_ORIGIN = "a shapely geometry"


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
    fixed = {"layer": name, "source": info.source, "licence": info.licence}
    return _order(gdf, {**fixed, "credit": info.attribution, "name": name}, feature=gdf["name"])


def _schema(gdf: pd.DataFrame, *, origin: str) -> gpd.GeoDataFrame:
    """The user's lines in the schema: missing columns filled, dates and accuracy parsed."""
    n = len(gdf)
    columns: dict[str, object] = {}
    if "layer" not in gdf:
        columns["layer"] = None
    credit = gdf["attribution"] if "credit" not in gdf and "attribution" in gdf else None
    for column, default in (("source", origin), ("licence", ""), ("credit", "")):
        values = gdf[column] if column in gdf else credit if column == "credit" else None
        if values is None:
            columns[column] = default
        elif values.notna().all():
            columns[column] = values.astype(object).to_numpy()
        else:
            columns[column] = np.where(values.notna().to_numpy(), values.to_numpy(object), default)
    feature = gdf["feature"] if "feature" in gdf else gdf["name"]
    return _order(gdf, columns, feature=feature, n=n)


def _order(
    gdf: pd.DataFrame, columns: dict[str, object], *, feature: pd.Series, n: int | None = None
) -> gpd.GeoDataFrame:
    """One frame in the schema's order, built at once from `gdf` with `columns` set over it.

    Building the frame once, rather than column by column, keeps resolving a line cheap:
    :func:`geozones.build_zones` resolves its line on every call.
    """
    n = len(gdf) if n is None else n
    data: dict[str, object] = {c: gdf[c].to_numpy() for c in gdf.columns if c != "feature"}
    data.update(columns)
    for column in _DATES:
        data[column] = (
            pd.to_datetime(gdf[column], errors="coerce").to_numpy()
            if column in gdf
            else np.full(n, np.datetime64("NaT", "ns"))
        )
    accuracy = gdf["accuracy_m"] if "accuracy_m" in gdf else None
    data["accuracy_m"] = (
        np.full(n, np.nan)
        if accuracy is None
        else pd.to_numeric(accuracy, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    )
    data["feature"] = feature.to_numpy()
    rest = [c for c in data if c not in LINE_COLUMNS and c != "feature"]
    ordered = {c: data[c] for c in (*LINE_COLUMNS, *rest, "feature")}
    frame = pd.DataFrame(
        {c: v if c != "geometry" else np.asarray(v) for c, v in ordered.items()},
        index=pd.RangeIndex(n),
    )
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=4326)


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
