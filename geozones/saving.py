"""Saving positions, check results and zones, every row kept, in the format of the extension.

:func:`save_positions` writes CSV, Excel workbooks, GeoParquet, GeoPackage, GeoJSON and KML;
:func:`save_zones` GeoPackage, GeoJSON, KML and Shapefile. Every save goes through
:mod:`geozones.writing` (a file replaced atomically, or left as it was; a Shapefile's
files each replaced whole). CSV is formatted by arrow in pieces on helper threads while
the caller writes them in order (:func:`geozones.parallel.imap_threads`); the text of CSV
and of workbooks is kept from running as a spreadsheet formula (:mod:`geozones.formulas`).
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import re

import geopandas as gpd
import numpy as np
import pandas as pd

from geozones.columns import ACTOR, ERROR, ROW, free_column_name
from geozones.errors import InputError, OutputError
from geozones.formulas import neutralise_table, neutralise_text
from geozones.io import prepare_output
from geozones.parallel import imap_threads, resolve_threads
from geozones.writing import atomic_output, output_error, write_vector

__all__ = [
    "SHAPEFILE_FIELDS",
    "XLSX_MAX_CELL_CHARS",
    "XLSX_MAX_COLUMNS",
    "XLSX_MAX_ROWS",
    "save_positions",
    "save_zones",
    "shapefile_field_names",
]

_WRITERS = {  # extension -> GDAL driver (CSV, XLSX and Parquet are not written by GDAL)
    ".gpkg": "GPKG",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".kml": "LIBKML",
    ".csv": "CSV",
    ".xlsx": "XLSX",
    ".parquet": "Parquet",
}
#: The most rows and columns an Excel worksheet holds, and characters a cell holds.
XLSX_MAX_ROWS, XLSX_MAX_COLUMNS, XLSX_MAX_CELL_CHARS = 1_048_576, 16_384, 32_767


def save_positions(
    positions: gpd.GeoDataFrame,
    path: str | os.PathLike,
    *,
    layer: str | None = None,
    raw: bool = False,
    threads: int | None = None,
) -> None:
    """Write positions or check results, every row kept, by the file's extension.

    ``.csv`` and ``.xlsx`` (an Excel workbook, one sheet ``positions``) write lon/lat
    columns and no geometry; ``.parquet`` writes GeoParquet (points, every column with
    its type); ``.gpkg`` / ``.geojson`` / ``.kml`` write points. Rows that could not be
    used have no geometry (null; their ``error`` says why). An existing file is replaced
    atomically (a save that fails or is killed leaves the old file); with `layer`
    (GeoPackage only) just that layer is. Column names must not repeat (nor differ only in
    case, except in CSV): such a table is refused with an
    :class:`~geozones.errors.InputError` that names the columns.

    **CSV is safe to open in a spreadsheet.** Following OWASP's guidance on CSV injection,
    a text cell or column name that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
    carriage return (after any number of single quotes) is written with a single quote
    ``'`` before it, so that Excel or LibreOffice shows it as text instead of running it
    as a formula. Number columns, dates and text cells that are plain numbers (``-33.5``,
    ``+1e5``, ``35,8``) are written as they are. :func:`read_positions` takes that one
    quote off again, so reading the file back gives the original text. ``raw=True``
    writes every cell as it is.

    **Workbooks are safe too.** Every text cell (and column name) of ``.xlsx`` is a text
    cell, never a formula; those that a spreadsheet would take as formulas (as above) also
    carry Excel's own quote prefix (what typing ``'=1+1`` gives), so that editing the cell
    keeps it text. The text itself is written as it is, so reading the workbook back
    gives the original text. Dates are Excel dates (days, as in CSV). A workbook holds at
    most :data:`XLSX_MAX_ROWS` rows (with the header), :data:`XLSX_MAX_COLUMNS` columns
    and :data:`XLSX_MAX_CELL_CHARS` characters in a cell: a table beyond these is refused
    (use ``.csv`` or ``.parquet``). Control characters that a workbook cannot hold
    (U+0000 to U+001F but tab, line feed and carriage return) are written as U+FFFD.

    Parameters
    ----------
    positions
        The positions (:func:`read_positions`) or check results.
    path
        ``.csv``, ``.xlsx``, ``.parquet``, ``.gpkg``, ``.geojson``/``.json`` or ``.kml``.
    layer
        The GeoPackage layer to write (the file's other layers are kept).
    raw
        Write CSV cells that a spreadsheet would take as formulas as they are (in a
        workbook: without the quote prefix; they are text cells all the same).
    threads
        Threads that format CSV in pieces while the file is written; by default 2 (1 on a one-
        core machine). The file does not depend on it.

    Raises
    ------
    InputError
        An unknown extension, a `layer` for a format other than GeoPackage, column names
        that repeat (or, except in CSV, differ only in case), a table too large for a
        workbook, or `threads` not a positive whole number. Nothing is written.
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
            if suffix in (".parquet", ".xlsx"):  # dates as dates, by their writers
                continue
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
    if suffix == ".xlsx":
        _write_xlsx(pd.DataFrame(out.drop(columns=out.geometry.name)), os.fspath(path), raw=raw)
        return
    if suffix == ".parquet":
        _write_parquet(out, os.fspath(path))
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


def _write_xlsx(table: pd.DataFrame, path: str, *, raw: bool = False) -> None:
    """Write `table` as one worksheet, atomically; text cells are never formulas.

    openpyxl (write-only, row by row) takes text that starts with ``=`` as a formula: every
    such cell is made a text cell, and what a spreadsheet would run as a formula
    (:func:`geozones.formulas.neutralise_text`) carries Excel's quote prefix unless `raw`.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    _refuse_beyond_xlsx(table, path)
    columns = [_xlsx_column(table[c]) for c in table.columns]
    with atomic_output(path) as tmp:
        book = Workbook(write_only=True)
        sheet = book.create_sheet("positions")

        def cell(value):
            if not isinstance(value, str):
                return value
            if not value:
                return None  # an empty cell: no cell at all
            value = _XLSX_ILLEGAL.sub("\ufffd", value)
            formula = neutralise_text(value) != value
            if not (formula or value.startswith("=")):
                return value
            text = WriteOnlyCell(sheet, value=value)
            text.data_type = "s"  # text, never a formula
            text.quotePrefix = formula and not raw
            return text

        sheet.append([cell(str(c)) for c in table.columns])
        for row in zip(*columns, strict=True):
            sheet.append([cell(v) for v in row])
        buffer = io.BytesIO()  # zipped in memory: a failed write leaves no zip half open
        book.save(buffer)
        with open(tmp, "wb") as f:
            f.write(buffer.getbuffer())


def _refuse_beyond_xlsx(table: pd.DataFrame, path: str) -> None:
    rows, columns = table.shape
    if rows + 1 > XLSX_MAX_ROWS or columns > XLSX_MAX_COLUMNS:
        msg = (
            f"{path}: {rows:,} rows and {columns:,} columns do not fit in a workbook "
            f"(at most {XLSX_MAX_ROWS - 1:,} rows under the header and "
            f"{XLSX_MAX_COLUMNS:,} columns); save as .csv or .parquet"
        )
        raise InputError(msg)
    for k, column in enumerate(table.columns):
        values = table.iloc[:, k]
        if not (values.dtype == object or isinstance(values.dtype, pd.StringDtype)):
            continue
        lengths = values.map(lambda v: len(v) if isinstance(v, str) else 0)
        if len(lengths) and lengths.max() > XLSX_MAX_CELL_CHARS:
            i = int(np.argmax(lengths.to_numpy()))
            row = table[ROW].iloc[i] if ROW in table else i + 2
            msg = (
                f"{path}: row {row}, column {column!r} holds {lengths.iloc[i]:,} characters; "
                f"a workbook cell holds at most {XLSX_MAX_CELL_CHARS:,}; save as .csv or "
                ".parquet"
            )
            raise InputError(msg)


# the control characters XML (and so a workbook) cannot hold: all but tab, LF and CR
_XLSX_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xlsx_column(values: pd.Series) -> list:
    """A column's cells as openpyxl takes them: missing values None, dates as days."""
    if pd.api.types.is_datetime64_any_dtype(values):
        days = values.dt.tz_localize(None) if values.dt.tz is not None else values
        return [None if pd.isna(v) else v.date() for v in days]
    if pd.api.types.is_bool_dtype(values):
        return [None if pd.isna(v) else bool(v) for v in values]
    if pd.api.types.is_numeric_dtype(values):
        return [None if pd.isna(v) or np.isinf(v) else v for v in values.tolist()]
    return [
        None if _missing(v) else v if isinstance(v, str | int | float) else str(v) for v in values
    ]


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA


def _write_parquet(frame: gpd.GeoDataFrame, path: str) -> None:
    """Write GeoParquet with geopandas, atomically; a column of mixed types as text."""
    import pyarrow as pa

    out = frame.copy()
    out.attrs = {}  # the check's settings are not table metadata (nor always JSON)
    for column in out.columns:
        if column == out.geometry.name or out[column].dtype != object:
            continue
        try:
            pa.array(out[column], from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # e.g. numbers and text: text
            out[column] = [None if _missing(v) else str(v) for v in out[column]]
    with atomic_output(path) as tmp:
        out.to_parquet(tmp, index=False)


def _cell_text(value) -> object:
    if isinstance(value, list | tuple | np.ndarray):
        return "; ".join(map(str, value))
    return value


_ZONE_DRIVERS = {
    ".gpkg": "GPKG",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".kml": "LIBKML",
    ".shp": "ESRI Shapefile",
}

#: Shapefile field names (at most 10 characters) of the zone columns whose names are
#: longer; any other long name keeps its first 10 characters (see
#: :func:`shapefile_field_names`).
SHAPEFILE_FIELDS = {"tolerance_m": "toleranc_m", "line_source": "line_src", "attribution": "credit"}
_SHAPEFILE_SIDECARS = (".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".shp.xml")
_DBF_MAX_BYTES = 254  # a text field of a Shapefile holds at most 254 bytes


def shapefile_field_names(columns) -> dict[str, str]:
    """The Shapefile field name of each column whose name is not one already.

    A Shapefile's (dBASE) field names hold at most 10 characters and do not tell case
    apart. Zone columns are named by :data:`SHAPEFILE_FIELDS` (``tolerance_m`` is
    ``toleranc_m``, ``line_source`` ``line_src``, ``attribution`` ``credit``); any other
    longer name keeps its first 10 characters, and a name that would repeat another ends
    in ``_2``, ``_3``... instead (``observation_a`` and ``observation_b`` are
    ``observatio`` and ``observat_2``).

    Parameters
    ----------
    columns
        The column names (the geometry's excluded).

    Returns
    -------
    dict
        ``{column: field name}`` for the columns renamed; the others keep their names.

    Examples
    --------
    >>> shapefile_field_names(["band", "tolerance_m", "observation_a", "observation_b"])
    {'tolerance_m': 'toleranc_m', 'observation_a': 'observatio', 'observation_b': 'observat_2'}
    """
    names = [str(c) for c in columns]
    taken = {n.lower() for n in names if len(n) <= 10}
    renamed = {}
    for name in names:
        if len(name) <= 10:
            continue
        field = SHAPEFILE_FIELDS.get(name, name[:10])
        k = 1
        while field.lower() in taken:
            k += 1
            field = f"{name[: 10 - len(str(k)) - 1]}_{k}"
        taken.add(field.lower())
        renamed[name] = field
    return renamed


def save_zones(
    zones: gpd.GeoDataFrame, path: str | os.PathLike, *, layer: str | None = None
) -> None:
    """Write zones to GeoPackage, GeoJSON, KML or Shapefile, chosen by the file's extension.

    Every attribute is kept (KML as ExtendedData, which Google Earth shows). The file is
    replaced atomically if it exists; with `layer` (GeoPackage only) just that layer is,
    so several results can share one file.

    A Shapefile (``.shp``) is written with its ``.shx``, ``.dbf``, ``.prj`` and ``.cpg``
    (UTF-8) beside it: all are written to a temporary folder beside the target and each
    then renamed over its old file, the ``.shp`` last (an old spatial index, ``.qix``,
    ``.sbn``, goes). Field names longer than 10 characters are renamed as
    :func:`shapefile_field_names` says (``tolerance_m`` is ``toleranc_m``, ``line_source``
    ``line_src``, ``attribution`` ``credit``); text longer than 254 bytes, which a
    Shapefile cannot hold, is refused (use ``.gpkg``).

    Raises
    ------
    InputError
        `zones` is not a GeoDataFrame, an unknown extension, a `layer` for a format other
        than GeoPackage, or text too long for a Shapefile. Nothing is written.
    OutputError
        The file cannot be written; an existing one is left as it was.

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
    if suffix == ".shp":
        fields = shapefile_field_names(c for c in out.columns if c != out.geometry.name)
        _write_shapefile(out.rename(columns=fields), os.fspath(path))
        return
    write_vector(out, path, driver=_ZONE_DRIVERS[suffix], layer=layer)


def _write_shapefile(frame: gpd.GeoDataFrame, path: str) -> None:
    """Write a Shapefile's files in a temporary folder beside `path`, then rename each."""
    import shutil
    import tempfile

    import pyogrio

    _refuse_long_text(frame, path)
    target = os.path.abspath(path)
    folder, name = os.path.split(target)
    stem = name[: -len(".shp")]
    if not os.path.isdir(folder):
        raise output_error(path, FileNotFoundError(errno.ENOENT, f"no folder {folder}"))
    try:
        scratch = tempfile.mkdtemp(prefix=f".{stem[:80]}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise output_error(path, exc) from None
    try:
        written = os.path.join(scratch, stem + ".shp")
        frame.to_file(written, driver="ESRI Shapefile", engine="pyogrio", encoding="UTF-8")
        if pyogrio.read_info(written)["features"] != len(frame):
            msg = f"{path}: cannot be written: not every zone arrived (disk full?)"
            raise OutputError(msg)
        files = sorted(os.listdir(scratch), key=lambda f: f.lower().endswith(".shp"))
        for file in files:
            with open(os.path.join(scratch, file), "rb+") as f:
                os.fsync(f.fileno())
        for old in _SHAPEFILE_SIDECARS:  # an old index or part the new set lacks
            if stem + old not in files:
                with contextlib.suppress(FileNotFoundError):
                    os.remove(os.path.join(folder, stem + old))
        for file in files:  # each sidecar replaced whole, the .shp last
            os.replace(os.path.join(scratch, file), os.path.join(folder, file))
    except OutputError:
        raise
    except Exception as exc:
        raise output_error(path, exc, folder=folder) from exc
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _refuse_long_text(frame: gpd.GeoDataFrame, path: str) -> None:
    for column in frame.columns:
        if column == frame.geometry.name or frame[column].dtype == float:
            continue
        sizes = frame[column].map(lambda v: len(v.encode("utf-8")) if isinstance(v, str) else 0)
        if len(sizes) and sizes.max() > _DBF_MAX_BYTES:
            msg = (
                f"{path}: column {column!r} holds text of {sizes.max():,} bytes; a Shapefile "
                f"field holds at most {_DBF_MAX_BYTES}; save as .gpkg"
            )
            raise InputError(msg)
