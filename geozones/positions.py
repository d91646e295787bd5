"""Reading reported positions from what analysts bring, and writing results back out.

:func:`read_positions` returns **one row per input record, in input order**: either a
usable point (``error == ""``) or the reason it could not be used. It never drops a row,
and it never silently "fixes" a suspicious coordinate.

Where the coordinates come from, row by row, first that applies:

1. latitude / longitude columns under their common names (``lat``, ``latitude``, ``y``…);
2. one coordinate column (``coordinates``, ``coords``, ``latlon``…) holding a decimal
   pair or DMS text, read by :mod:`geozones.coordinates`;
3. an MGRS column (``mgrs``, ``grid``, ``grid_ref``…);
4. a place name (``place``, ``location``, ``town``, UCDP's ``where_coordinates``…)
   resolved with the bundled gazetteer (:mod:`geozones.gazetteer`), narrowed by a
   governorate column (``admin1``, ``adm_1``, ``governorate``…) when there is one.

Cells that only say "missing" (empty, ``N/A``, ``NA``, ``null``, ``-``, ``?``) pass on to the
next source; anything else that cannot be read is an error for that row.

Who, when, which source and how precise are read into the standard columns
:data:`ACTOR`, :data:`DATE` to :data:`DATE_TO` (inclusive, with :data:`DATE_PRECISION`),
:data:`SOURCE`, :data:`URL` and :data:`UNCERTAINTY_M`; what the claim is and whether it is
disputed into :data:`STATUS`, :data:`DENIED_BY` and :data:`CLAIM_TEXT`. Every original
column is kept as well (one named like a standard column as ``src_<name>``: see the Notes
of :func:`read_positions`).

Reading is a pipeline, one room per step, shared by both engines (the dask engine,
:mod:`geozones.scale`, runs it partition by partition):

- :mod:`geozones.tables` loads a source as a table of its original columns;
  delimited text is decoded by :mod:`geozones.decoding` and parsed by
  :mod:`geozones.delimited` (encodings, line breaks, blank lines, huge cells: see the
  Notes of :func:`read_positions`);
- :mod:`geozones.columns` holds the standard columns and the one column map;
- :mod:`geozones.locating` finds each row's position, its location sources an ordered
  list of steps; :mod:`geozones.dates` reads when it held;
- :func:`build_positions` assembles the result; :mod:`geozones.saving` writes it out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geozones import gazetteer
from geozones.columns import (
    ACTOR,
    CLAIM_TEXT,
    COLUMN_NAMES,
    DATE,
    DATE_PRECISION,
    DATE_TO,
    DENIED_BY,
    ERROR,
    LAT,
    LOCATION_METHOD,
    LON,
    NOTE,
    PLACE,
    ROW,
    SOURCE,
    STANDARD_COLUMNS,
    STATUS,
    UNCERTAINTY_M,
    URL,
    actor_text,
    first_text,
    free_column_name,
    kept_column_names,
    text_reader,
)
from geozones.dates import DATE_PRECISIONS, read_date_ranges
from geozones.decoding import LEGACY_ENCODINGS
from geozones.delimited import MAX_CELL_CHARS
from geozones.errors import InputError
from geozones.locating import (
    ACLED_PRECISION_M,
    AREA_OF_INTEREST,
    MAX_UNCERTAINTY_M,
    UCDP_PRECISION_M,
    ReadOptions,
    locate,
)
from geozones.parallel import map_threads, resolve_threads
from geozones.saving import save_positions
from geozones.tables import load_table

__all__ = [
    "ACLED_PRECISION_M",
    "ACTOR",
    "AREA_OF_INTEREST",
    "CLAIM_TEXT",
    "DATE",
    "DATE_PRECISION",
    "DATE_PRECISIONS",
    "DATE_TO",
    "DENIED_BY",
    "ERROR",
    "LAT",
    "LEGACY_ENCODINGS",
    "LOCATION_METHOD",
    "LON",
    "MAX_CELL_CHARS",
    "MAX_UNCERTAINTY_M",
    "NOTE",
    "PLACE",
    "ROW",
    "SOURCE",
    "STANDARD_COLUMNS",
    "STATUS",
    "UCDP_PRECISION_M",
    "UNCERTAINTY_M",
    "URL",
    "build_positions",
    "free_column_name",
    "kept_column_names",
    "read_positions",
    "save_positions",
]


def read_positions(
    source,
    *,
    lon_column: str | None = None,
    lat_column: str | None = None,
    coordinates_column: str | None = None,
    mgrs_column: str | None = None,
    place_column: str | None = None,
    admin1_column: str | None = None,
    order: str = "latlon",
    precision_radii_m: Mapping[int, float] | None = None,
    area: tuple[float, float, float, float] | None = AREA_OF_INTEREST,
    layer: str | int | None = None,
    sheet: str | int | None = 0,
    gazetteer_: gazetteer.Gazetteer | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    threads: int | None = None,
) -> gpd.GeoDataFrame:
    """Read reported positions from a file or a table, keeping every row.

    Parameters
    ----------
    source
        A delimited text file (``.csv``, ``.tsv``, ``.txt``, ``.tab``; see Notes), an
        Excel workbook (``.xlsx``), (Geo)Parquet, GeoJSON, GeoPackage, KML/KMZ or
        Shapefile, an ACLED or UCDP GED export (any of these formats), or a DataFrame /
        GeoDataFrame.
    lon_column, lat_column, coordinates_column, mgrs_column, place_column, admin1_column
        Name the columns to use when the common names are not enough. Not found → error.
    order
        ``"latlon"`` (default, as Google Maps shows them) or ``"lonlat"``: how to read a
        single coordinate column holding two plain numbers.
    precision_radii_m
        Radii (metres) for the precision codes of ACLED (``geo_precision``) or UCDP
        (``where_prec``); defaults :data:`ACLED_PRECISION_M` and :data:`UCDP_PRECISION_M`.
    area
        ``(west, south, east, north)`` where positions are expected; a pair that lies
        outside it but inside it once swapped is an error. ``None`` turns that check off.
    layer, sheet
        The layer of a multi-layer vector file; the sheet of a workbook.
    gazetteer_
        A :class:`geozones.gazetteer.Gazetteer` for place names (the bundled one by default).
    encoding
        The text encoding of a delimited text file (``"cp1256"``, ``"utf-16"``...), when
        the guess described in Notes is not good enough. It is used as given.
    delimiter
        The delimiter of a delimited text file (one character: ``";"``, ``"|"``, a tab...),
        when the guess described in Notes is not good enough.
    threads
        Threads to use (points are made while the text is read); by default one per core,
        up to 8 (:func:`geozones.parallel.resolve_threads`). The result does not depend on it.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per input record, in input order, in EPSG:4326, with the standard columns
        :data:`STANDARD_COLUMNS` (``row`` is the record's number as a spreadsheet shows it,
        the header being row 1; for vector files the feature number) followed by every
        original column (see Notes for their names). Unusable rows have a non-empty
        ``error``, NaN ``lon``, ``lat`` and ``uncertainty_m``, and no geometry (``None``:
        ``geometry.isna()`` is true, where an empty point would not be).
        ``date`` and ``date_to`` are ``datetime64[ns]``, the first instant and the last day
        (inclusive) of when the position held, and ``date_precision`` says how much the
        source gave (see Notes): a date they cannot hold (before 1677-09-21 or after
        2262-04-11, such as a typed ``0218-06-01``) is never shifted into range; the row is
        undated (NaT, precision ``""``), its ``note`` says why, and the text as written
        stays in the original column (``src_date``). ``status``, ``denied_by`` and
        ``claim_text`` are text, ``""`` when the source has none.

    Raises
    ------
    InputError
        Only for the file as a whole: missing, unreadable, empty, no way to find positions,
        a named column that does not exist, an unknown `encoding`, or a `delimiter` that is
        not one character; or `threads` not a positive whole number.

    Notes
    -----
    **Every original column is kept**, in its place after the standard columns, under its
    own name unless that name is a standard column's or ``geometry``, or repeats an
    earlier column's, compared without case (GeoPackage fields ignore case). Such a
    column is kept as ``src_<name>``, or ``src_2_<name>``, ``src_3_<name>``... when that
    name is taken (by another column of the input or an earlier new name): ``lat`` becomes
    ``src_lat``, or ``src_2_lat`` when the input already has a ``src_lat``; ``Date``
    becomes ``src_Date``. The one exception: a column named exactly like a standard column
    whose values the standard column holds exactly (``actor``, ``source``, ``url``,
    ``status``... copied as written, missing cells as empty text) is not repeated.
    ``attrs["original_columns"]`` maps each new name to the input's. So reading geozones'
    own output again loses nothing: the earlier ``lat`` is kept as ``src_lat``, then
    ``src_2_lat``...

    **Dates are ranges**, from the first of these that the table has:

    - two columns giving the first and last day, inclusive: UCDP GED's ``date_start`` and
      ``date_end``, then ``date_from``/``date_to``, ``start_date``/``end_date`` and
      ``date``/``date_to`` (as :func:`save_positions` writes them). ``date_precision`` is
      UCDP's ``date_prec`` (1 ``"day"``, 2 ``"range"`` of 2 to 6 days, 3 ``"week"``,
      4 ``"month"``, 5 ``"year"``), or a ``date_precision`` column; without one, ``"day"``
      for one day and ``"range"`` for more. An end that is missing (UCDP) or not
      understood leaves the start alone, with a note; an end before the start is a note,
      and the row is undated: the two are never swapped silently;
    - one date column (``date``, ``event_date``, ``when``... ``reported``, ``year``,
      ``period``): a year (``2018``, text or a number) is the whole year, ``"year"``; a
      month (``2018-06``, ``06/2018``, ``June 2018``, ``Jun 2018``) the whole month,
      ``"month"``; a date that day, and a date and time that instant (``date_to`` is the
      instant then), ``"day"``, or ``"instant"`` when written with a zone (``Z``,
      ``+03:00``): it is stored in UTC, and where it happened the calendar day may be the
      one before or after (scenario windows allow for that). ACLED's ``time_precision``
      widens ``event_date``: 2 (the week) to ± 6 days around it, ``"week"``, a span that
      holds any week containing it; 3 (the month) to its calendar month, ``"month"``.

    Claims: :data:`STATUS` is read from ``status``, ``claim_status``, ``verification`` or
    ``verification_status``; :data:`DENIED_BY` from ``denied_by``, ``denial``, ``denied``
    or ``disputed_by``; :data:`CLAIM_TEXT` from ``claim_text``, ``quote``, ``excerpt`` or
    ``statement``.

    Radius columns (``uncertainty_m``, ``radius_m``, ``uncertainty_km``...) replace the
    radius the digits of the coordinates imply; an empty cell leaves that radius, ``0`` is
    an exact position, and a cell that is not a radius of 0 to :data:`MAX_UNCERTAINTY_M`
    (text, a negative number, ``inf``, ``1e300``) makes its row an error. A latitude or
    longitude written in exponent notation (``35.8e-1``) is an error too: an exponent or an
    E (east) between two numbers? (as :mod:`geozones.coordinates` refuses it).

    Delimited text is read as spreadsheets show it, one record per row:

    - **Encoding.** A byte-order mark decides (UTF-8, UTF-16 as Excel's "Unicode text"
      writes it, UTF-32); then UTF-16 without one (every other byte zero); then UTF-8 if
      every byte is valid UTF-8; otherwise charset-normalizer and the scripts of the words
      choose among :data:`LEGACY_ENCODINGS` (Windows Western, Arabic, Hebrew... code
      pages). The choice is in ``attrs["encoding"]``; `encoding` overrides it.
    - **Delimiter and header.** The header is the first record, of any length; the
      delimiter is the one of ``,`` ``;`` tab ``|`` that splits it into most fields that
      the next 50 records agree with (linear time, whatever the quoting).
    - **Line breaks** may be LF, CRLF or CR (old Mac), mixed, and inside quoted cells.
    - **Rows.** Every record is a row, numbered as a spreadsheet numbers it: a blank line
      (nothing or only spaces) is a row whose error is ``"blank line"``, so the rows after
      it keep their numbers; blank lines at the very end of the file are not rows. A record
      with too many or too few fields, or that repeats the header, is a row whose error
      says so. A cell longer than :data:`MAX_CELL_CHARS` characters makes its row an error
      and is dropped.
    - **Formulas.** A cell or column name that :func:`save_positions` neutralised (a
      ``'`` put before text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
      carriage return, after any number of quotes) loses that one quote, so that the round
      trip gives the text back. Other text is read as it is: ``'abc`` stays ``'abc``.
    - **Memory** stays within about ten times the file's size, whatever its shape (9 times
      for 200,000 clean rows, 10 with a ragged row or in cp1252, 5 for a 50 MB cell or a
      50 MB line): the file's bytes (and their UTF-8 copy if it is in another encoding),
      the table of cells, and, for files with blank lines or ragged records, at most
      65,536 records as Python objects at a time.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"place": ["Daraa", "Atlantis"], "lat": ["", ""], "lon": ["", ""]})
    >>> got = read_positions(table)
    >>> got[["row", "place", "error"]].to_numpy().tolist()
    [[2, 'Dar‘ā', ''], [3, '', "column 'place': unknown place name 'Atlantis'"]]
    """
    threads = resolve_threads(threads)
    label, table, geoms = load_table(
        source, layer=layer, sheet=sheet, encoding=encoding, delimiter=delimiter
    )
    options = ReadOptions(
        lon_column=lon_column,
        lat_column=lat_column,
        coordinates_column=coordinates_column,
        mgrs_column=mgrs_column,
        place_column=place_column,
        admin1_column=admin1_column,
        order=order,
        precision_radii_m=precision_radii_m,
        area=area,
        gazetteer_=gazetteer_,
    )
    return build_positions(table, geoms, label=label, options=options, threads=threads)


def build_positions(
    table: pd.DataFrame,
    geoms: np.ndarray | None,
    *,
    label: str,
    options: ReadOptions,
    threads: int | None = None,
) -> gpd.GeoDataFrame:
    """Positions from a loaded table (:func:`geozones.tables.load_table`), every row kept.

    The steps of :func:`read_positions` after loading, which the dask engine runs on each
    partition: each row located (:func:`geozones.locating.locate`) and dated
    (:func:`geozones.dates.read_date_ranges`), the standard columns filled, and the
    original columns kept after them (:func:`geozones.columns.kept_column_names`).

    Parameters
    ----------
    table
        The original columns; ``attrs["row_errors"]`` (row index → error) marks rows that
        could not be read.
    geoms
        A vector file's geometries (lon/lat), or None.
    label
        Names the source in errors and in ``attrs["source"]``.
    options
        How positions are found (:class:`geozones.locating.ReadOptions`).
    threads
        As for :func:`read_positions`.

    Returns
    -------
    geopandas.GeoDataFrame
        As :func:`read_positions` returns it; ``row`` counts from 1 for a vector file, from
        2 (after the header) otherwise.

    Examples
    --------
    >>> table = pd.DataFrame({"lat": ["33.1"], "lon": ["35.8"]})
    >>> found = build_positions(table, None, label="t", options=ReadOptions())
    >>> found[["row", "lat", "location_method"]].to_numpy().tolist()
    [[2, 33.1, 'lat/lon columns']]
    """
    threads = resolve_threads(threads)
    n = len(table)
    if n == 0 and geoms is None:
        msg = f"{label}: holds no rows"
        raise InputError(msg)
    rownum = np.arange(1, n + 1) if geoms is not None else np.arange(2, n + 2)
    text = text_reader(table)
    found = locate(table, geoms, options, label=label, text=text)
    usable = found.error == ""
    lon, lat = found.lon, found.lat

    def make_points() -> np.ndarray:
        geometry = np.full(n, None, dtype=object)
        geometry[usable] = shapely.points(lon[usable], lat[usable])
        return geometry

    def make_columns() -> pd.DataFrame:
        date, date_to, date_precision = read_date_ranges(table, found.note, text)
        return pd.DataFrame(
            {
                ROW: rownum,
                LON: lon,
                LAT: lat,
                UNCERTAINTY_M: found.uncertainty_m,
                LOCATION_METHOD: found.method,
                PLACE: found.place,
                ACTOR: actor_text(table, text),
                DATE: date,
                DATE_TO: date_to,
                DATE_PRECISION: date_precision,
                SOURCE: first_text(table, COLUMN_NAMES[SOURCE], text),
                URL: first_text(table, COLUMN_NAMES[URL], text),
                STATUS: first_text(table, COLUMN_NAMES[STATUS], text),
                DENIED_BY: first_text(table, COLUMN_NAMES[DENIED_BY], text),
                CLAIM_TEXT: first_text(table, COLUMN_NAMES[CLAIM_TEXT], text),
                ERROR: found.error,  # already text: no numpy round trip
                NOTE: found.note,
            }
        )

    # GEOS releases the GIL: the points are made while the text is read
    steps: list[Callable[[], Any]] = [make_columns, make_points]
    out, points = map_threads(lambda make: make(), steps, threads=threads)
    return _with_originals(out, table, points, label)


def _with_originals(
    out: pd.DataFrame, table: pd.DataFrame, points: np.ndarray, label: str
) -> gpd.GeoDataFrame:
    """The standard columns `out`, then the original columns, and the points as geometry.

    Every original column is kept: under its own name, or a free ``src_`` name when that is
    a standard one (or repeats one), unless the standard column of that very name holds
    exactly its values (actor, source, url copied as written).
    """
    names = kept_column_names(table.columns)
    keep = [
        k
        for k, (column, name) in enumerate(zip(table.columns, names, strict=True))
        if name == column or not (column in out and _copied(table.iloc[:, k], out[column]))
    ]
    originals = table.iloc[:, keep].reset_index(drop=True)
    originals.columns = [names[k] for k in keep]
    result = gpd.GeoDataFrame(
        pd.concat([out, originals], axis=1),
        geometry=gpd.GeoSeries(points, crs=4326),
        crs=4326,
    )
    result.attrs["source"] = label
    if table.attrs.get("encoding"):
        result.attrs["encoding"] = table.attrs["encoding"]
    if table.attrs.get("renamed"):
        result.attrs["renamed_columns"] = table.attrs["renamed"]
    result.attrs["original_columns"] = {
        names[k]: str(table.columns[k]) for k in keep if names[k] != table.columns[k]
    }
    return result


def _copied(original: pd.Series, standard: pd.Series) -> bool:
    """Whether a standard column holds exactly the original's values, as text.

    Missing cells count as empty text. Numbers (lon, lat, uncertainty_m) and dates are
    never taken as copies: the original column is kept.
    """
    if pd.api.types.is_float_dtype(standard) or pd.api.types.is_datetime64_any_dtype(standard):
        return False

    def as_text(series: pd.Series) -> pd.Series:
        if isinstance(series.dtype, pd.StringDtype):
            return series.fillna("")
        values = series.astype(object)
        return values.where(values.notna(), "").astype(str)

    left = as_text(original.reset_index(drop=True))
    return bool((left == as_text(standard)).all())
