"""Saving positions and check results: CSV, GeoPackage, GeoJSON and KML, every row kept.

:func:`save_positions` writes through :mod:`geozones.writing` (a file replaced atomically,
or left as it was). CSV is formatted by arrow in pieces on helper threads while the caller
writes them in order (:func:`geozones.parallel.imap_threads`), and its text is neutralised
against spreadsheet formulas (:mod:`geozones.formulas`).
"""

from __future__ import annotations

import os

import geopandas as gpd
import numpy as np
import pandas as pd

from geozones.columns import ACTOR, ERROR, free_column_name
from geozones.errors import InputError
from geozones.formulas import neutralise_table
from geozones.io import prepare_output
from geozones.parallel import imap_threads, resolve_threads
from geozones.writing import atomic_output, write_vector

__all__ = ["save_positions"]

_WRITERS = {  # extension -> GDAL driver (CSV is written by pyarrow, not GDAL)
    ".gpkg": "GPKG",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".kml": "LIBKML",
    ".csv": "CSV",
}


def save_positions(
    positions: gpd.GeoDataFrame,
    path: str | os.PathLike,
    *,
    layer: str | None = None,
    raw: bool = False,
    threads: int | None = None,
) -> None:
    """Write positions or check results, every row kept, by the file's extension.

    ``.csv`` writes lon/lat columns and no geometry; ``.gpkg`` / ``.geojson`` / ``.kml``
    write points, with no geometry (null) for rows that could not be used (their ``error``
    says why). An existing file is replaced atomically (a save that fails or is killed
    leaves the old file); with `layer` (GeoPackage only) just that layer is. Column names
    must not repeat (nor differ only in case, except in CSV): such a table is refused
    with an :class:`~geozones.errors.InputError` that names the columns.

    **CSV is safe to open in a spreadsheet.** Following OWASP's guidance on CSV injection,
    a text cell or column name that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
    carriage return (after any number of single quotes) is written with a single quote
    ``'`` before it, so that Excel or LibreOffice shows it as text instead of running it
    as a formula. Number columns, dates and text cells that are plain numbers (``-33.5``,
    ``+1e5``, ``35,8``) are written as they are. :func:`read_positions` takes that one
    quote off again, so reading the file back gives the original text. ``raw=True``
    writes every cell as it is.

    Parameters
    ----------
    positions
        The positions (:func:`read_positions`) or check results.
    path
        ``.csv``, ``.gpkg``, ``.geojson``/``.json`` or ``.kml``.
    layer
        The GeoPackage layer to write (the file's other layers are kept).
    raw
        Write CSV cells that a spreadsheet would take as formulas as they are.
    threads
        Threads that format CSV in pieces while the file is written; by default 2 (1 on a one-
        core machine). The file does not depend on it.

    Raises
    ------
    InputError
        An unknown extension, a `layer` for a format other than GeoPackage, column names
        that repeat (or, except in CSV, differ only in case), or `threads` not a positive
        whole number. Nothing is written.
    OutputError
        The file cannot be written; an existing one is left as it was.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> from geozones import read_positions
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "p.csv"
    >>> save_positions(read_positions(pd.DataFrame({"lat": [33.1], "lon": [35.8]})), out)
    >>> pd.read_csv(out).columns[:3].tolist()
    ['row', 'lon', 'lat']
    """
    workers = resolve_threads(threads)
    if threads is None:
        workers = min(workers, _CSV_THREADS)
    path, suffix = prepare_output(path, _WRITERS, layer)
    _refuse_repeated_names(positions.columns, path, by_case=suffix != ".csv")
    out = positions.copy()
    for column in out.columns:
        if column == out.geometry.name:
            continue
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            if suffix == ".csv":  # dates as dates: pyarrow writes them as YYYY-MM-DD
                import pyarrow as pa

                days = pa.array(out[column].to_numpy().astype("datetime64[D]"), type=pa.date32())
                out[column] = pd.Series(days, dtype=pd.ArrowDtype(pa.date32()), index=out.index)
            else:
                out[column] = out[column].dt.strftime("%Y-%m-%d").fillna("")
        elif str(column).endswith(("_km", "_m")) and pd.api.types.is_float_dtype(out[column]):
            # kilometres to the millimetre, metres to the millimetre: what the maths supports
            out[column] = out[column].round(6 if str(column).endswith("_km") else 3)
        elif out[column].dtype == object and pd.api.types.infer_dtype(out[column]) not in (
            "string",
            "empty",
        ):
            out[column] = out[column].map(_cell_text)
    if suffix == ".csv":
        with atomic_output(path) as tmp:
            table = pd.DataFrame(out.drop(columns=out.geometry.name))
            _write_csv(table, tmp, raw=raw, threads=workers)
        return
    if suffix == ".kml":  # the placemark's name and description: the table's own are kept
        out = out.rename(columns=_free_names(out.columns, ("name", "description")))
        out["name"] = out.get(ACTOR, pd.Series([""] * len(out))).astype(str)
        out["description"] = out.get(ERROR, pd.Series([""] * len(out))).astype(str)
    write_vector(out, path, driver=_WRITERS[suffix], layer=layer)


def _free_names(columns, wanted) -> dict:
    """``{column: src_ name}`` for the columns whose name is one of `wanted` (without case)."""
    taken = {str(c).lower() for c in columns} | set(wanted)
    return {
        column: free_column_name(column, prefix="src_", taken=taken)
        for column in columns
        if str(column).lower() in wanted
    }


def _refuse_repeated_names(columns, path, *, by_case: bool) -> None:
    """Refuse a table whose column names repeat (without case when `by_case`)."""
    first: dict[str, str] = {}
    for column in map(str, columns):
        key = column.lower() if by_case else column
        if key not in first:
            first[key] = column
            continue
        if first[key] == column:
            msg = f"{path}: column {column!r} appears twice; rename one before saving"
        else:
            msg = (
                f"{path}: columns {first[key]!r} and {column!r} have the same name without "
                "case, which this format cannot tell apart; rename one before saving"
            )
        raise InputError(msg)


_CSV_PIECE_ROWS = 10_000  # rows formatted per task (small pieces stay in the CPU caches)
_CSV_AHEAD = 4  # pieces formatted ahead of the writer (bounds the memory held)
_CSV_THREADS = 2  # formatting threads by default: the writing is the slower half


def _write_csv(table: pd.DataFrame, path: str, *, raw: bool = False, threads: int = 1) -> None:
    """Write CSV with pyarrow (several times faster than pandas for large tables).

    Text that a spreadsheet would run as a formula is neutralised unless `raw`
    (:func:`neutralise_table`). Large tables are formatted in pieces on `threads` threads
    (arrow releases the GIL) while this one writes the finished pieces in order, the
    header once.
    """
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    try:
        arrow = pa.Table.from_pandas(table, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed types in a column: write text
        arrow = pa.Table.from_pandas(table.astype(str), preserve_index=False)
    if not raw:
        arrow = neutralise_table(arrow)

    def piece(start: int) -> pa.Buffer:
        sink = pa.BufferOutputStream()
        options = pa_csv.WriteOptions(quoting_style="needed", include_header=start == 0)
        pa_csv.write_csv(arrow.slice(start, _CSV_PIECE_ROWS), sink, write_options=options)
        return sink.getvalue()

    starts = range(0, max(len(arrow), 1), _CSV_PIECE_ROWS)
    with open(path, "wb") as out:  # in order, a bounded number of pieces in memory
        for buffer in imap_threads(piece, starts, threads=threads, ahead=_CSV_AHEAD):
            out.write(buffer)


def _cell_text(value) -> object:
    if isinstance(value, list | tuple | np.ndarray):
        return "; ".join(map(str, value))
    return value


_ZONE_DRIVERS = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".json": "GeoJSON", ".kml": "LIBKML"}


def save_zones(
    zones: gpd.GeoDataFrame, path: str | os.PathLike, *, layer: str | None = None
) -> None:
    """Write zones to GeoPackage, GeoJSON or KML, chosen by the file's extension.

    Every attribute is kept (KML as ExtendedData, which Google Earth shows). The file is
    replaced if it exists; with `layer` (GeoPackage only) just that layer is, so several
    results can share one file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "zones.geojson"
    >>> from geozones import build_zones
    >>> save_zones(build_zones("alpha_line", (5,)), out)
    >>> import geopandas; list(geopandas.read_file(out)["band"])
    ['0–5 km']
    """
    if not isinstance(zones, gpd.GeoDataFrame):
        msg = f"zones must be a GeoDataFrame (what build_zones returns), not {type(zones).__name__}"
        raise InputError(msg)
    path, suffix = prepare_output(path, _ZONE_DRIVERS, layer)
    out = zones.copy()
    for column in out.columns:
        if column != out.geometry.name and pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
    if suffix == ".kml":
        out["name"] = out.get("band", pd.Series(range(len(out)))).astype(str)
        if "line" in out:
            out["name"] = out["line"].astype(str) + " " + out["name"]
        # Google Earth colours: darker for inner bands (KML colours are aabbggrr)
        rank = out["inner_km"].rank(method="dense").astype(int) - 1 if "inner_km" in out else 0
        palette = ["#d7301f", "#fc8d59", "#fdcc8a", "#fef0d9"]
        out["OGR_STYLE"] = [
            f"BRUSH(fc:{palette[min(r, 3)]}80);PEN(c:#7f0000,w:1.5px)"
            for r in np.broadcast_to(rank, len(out))
        ]
    write_vector(out, path, driver=_ZONE_DRIVERS[suffix], layer=layer)
