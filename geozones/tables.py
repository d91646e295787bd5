"""Loading a source of positions as a table: its original columns, and its geometries.

:func:`load_table` takes what :func:`geozones.read_positions` takes (a path to delimited
text, a workbook or a vector file, or a DataFrame or GeoDataFrame); the dask engine loads
each partition of a dask collection with it.

Examples
--------
>>> import pandas as pd
>>> label, table, geoms = load_table(pd.DataFrame({"a": [1], "b": [2]}).rename(columns={"b": "a"}))
>>> label, list(table.columns), geoms
('the DataFrame', ['a', 'a.1'], None)
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from geozones.delimited import read_delimited
from geozones.errors import InputError, first_line

__all__ = ["DELIMITED_SUFFIXES", "load_table"]

#: The file suffixes read as delimited text (the others by their format).
DELIMITED_SUFFIXES = (".csv", ".tsv", ".txt", ".tab")


def load_table(
    source,
    *,
    layer: str | int | None = None,
    sheet: str | int | None = 0,
    encoding=None,
    delimiter: str | None = None,
) -> tuple[str, pd.DataFrame, np.ndarray | None]:
    """A source as (label, table of its original columns, geometries or None).

    Parameters
    ----------
    source
        A path (delimited text by :data:`DELIMITED_SUFFIXES`, a workbook, (Geo)Parquet or
        a vector file), a DataFrame or a GeoDataFrame (its CRS made EPSG:4326).
    layer, sheet
        The layer of a multi-layer vector file; the sheet of a workbook (None: the first).
    encoding
        The text encoding of delimited text, None to decide it
        (:mod:`geozones.decoding`).
    delimiter
        The delimiter of delimited text, None to decide it (:mod:`geozones.delimited`).

    Raises
    ------
    InputError
        The source is missing or cannot be read, or is not a path or a table.
    """
    if isinstance(source, gpd.GeoDataFrame):
        gdf = source if source.crs is None else source.to_crs(4326)
        table = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
        table = _distinct_columns(table.reset_index(drop=True))
        return "the GeoDataFrame", table, np.asarray(gdf.geometry.array)
    if isinstance(source, pd.DataFrame):
        return "the DataFrame", _distinct_columns(source.reset_index(drop=True)), None
    if not isinstance(source, str | os.PathLike):
        msg = f"read_positions takes a file path or a table, not {type(source).__name__}"
        raise InputError(msg)
    path = Path(source)
    if not path.exists():
        msg = f"{path}: no such file"
        raise InputError(msg)
    suffix = path.suffix.lower()
    if suffix in DELIMITED_SUFFIXES:
        table = read_delimited(path, encoding=encoding, delimiter=delimiter)
        return str(path), table, None
    if suffix in (".xlsx", ".xlsm", ".xls"):
        try:
            # one sheet, never all of them (sheet_name=None would give a dict of every sheet)
            table = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, dtype=object)
        except Exception as exc:
            msg = f"{path}: cannot be read as a workbook ({first_line(exc)})"
            raise InputError(msg) from None
        return str(path), table, None
    if suffix in (".parquet", ".geoparquet"):
        _, table, geometries = load_table(_read_parquet(path))  # as any (Geo)DataFrame
        return str(path), table, geometries
    return str(path), *_read_vector(path, layer=layer)


def _read_parquet(path: Path) -> pd.DataFrame:
    """A Parquet file as a DataFrame, or a GeoDataFrame when it is GeoParquet."""
    import pyarrow.parquet as pq

    try:
        geo = b"geo" in (pq.read_schema(path).metadata or {})
        return gpd.read_parquet(path) if geo else pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid and kin
        msg = f"{path}: cannot be read as Parquet ({first_line(exc)})"
        raise InputError(msg) from None


def _distinct_columns(table: pd.DataFrame) -> pd.DataFrame:
    """A table whose repeated column names get ``.1``, ``.2``... as a CSV header's do."""
    if table.columns.is_unique:
        return table
    used = set(table.columns)
    count: dict = {}
    names = []
    for column in table.columns:
        if column not in count:
            count[column] = 0
            names.append(column)
            continue
        new = column
        while new in used:
            count[column] += 1
            new = f"{column}.{count[column]}"
        used.add(new)
        names.append(new)
    table = table.copy(deep=False)
    renamed = [new for new, old in zip(names, table.columns, strict=True) if new != old]
    table.columns = names
    table.attrs["renamed"] = [*table.attrs.get("renamed", []), *renamed]
    return table


def _read_vector(path: Path, *, layer) -> tuple[pd.DataFrame, np.ndarray]:
    try:
        layers = [name for name, _ in pyogrio.list_layers(path)]
    except Exception as exc:
        msg = f"{path}: cannot be read ({first_line(exc)})"
        raise InputError(msg) from None
    if layer is not None:
        layers = [layer]
    elif len(layers) > 1 and path.suffix.lower() not in (".kml", ".kmz"):
        msg = f"{path}: holds {len(layers)} layers ({', '.join(map(str, layers))}); choose one"
        raise InputError(msg)
    frames = []
    for name in layers:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            try:
                frame = gpd.read_file(path, layer=name, engine="pyogrio")
            except Exception as exc:
                msg = f"{path}: layer {name!r} cannot be read ({first_line(exc)})"
                raise InputError(msg) from None
        if frame.crs is not None and frame.crs.to_epsg() != 4326:
            frame = frame.to_crs(4326)
        if len(layers) > 1:
            frame["source_layer"] = name
        frames.append(frame)
    gdf = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    table = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    return table, np.asarray(gdf.geometry.array, dtype=object)
