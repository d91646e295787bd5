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

Delimited text (encodings, line breaks, blank lines, huge cells) is read by one parser that
the dask engine (:mod:`geozones.scale`) shares, block by block: see the Notes of
:func:`read_positions`.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io as _io
import itertools
import os
import re
import threading
import warnings
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geozones import coordinates, gazetteer
from geozones.errors import InputError, first_line
from geozones.io import prepare_output
from geozones.writing import atomic_output, write_vector

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
    "free_column_name",
    "kept_column_names",
    "read_positions",
    "save_positions",
]

# Standard columns (tests and other modules import these names)
ROW = "row"
LON = "lon"
LAT = "lat"
UNCERTAINTY_M = "uncertainty_m"
LOCATION_METHOD = "location_method"
PLACE = "place"
ACTOR = "actor"
DATE = "date"
DATE_TO = "date_to"
DATE_PRECISION = "date_precision"
SOURCE = "source"
URL = "url"
STATUS = "status"
DENIED_BY = "denied_by"
CLAIM_TEXT = "claim_text"
ERROR = "error"
NOTE = "note"
STANDARD_COLUMNS = (
    ROW,
    LON,
    LAT,
    UNCERTAINTY_M,
    LOCATION_METHOD,
    PLACE,
    ACTOR,
    DATE,
    DATE_TO,
    DATE_PRECISION,
    SOURCE,
    URL,
    STATUS,
    DENIED_BY,
    CLAIM_TEXT,
    ERROR,
    NOTE,
)
#: The values of :data:`DATE_PRECISION`: how much of the date the source gives ("range": a
#: span of days between two dates given, UCDP's 2 to 6 days or an explicit start and end;
#: "" when undated).
DATE_PRECISIONS = ("day", "instant", "week", "month", "year", "range")

#: West, south, east, north (degrees) of the area geozones expects positions in: Syria,
#: Lebanon, Israel, the Palestinian territories and Jordan. Used to flag swapped pairs.
AREA_OF_INTEREST = (33.5, 29.0, 43.0, 37.5)

#: ACLED ``geo_precision`` to an uncertainty radius (metres). ACLED codes 1 when the
#: source names the town, 2 when it names a small area near a town, 3 when it names only
#: a larger region (the capital of which is coded). The radii are geozones' choice; pass
#: ``precision_radii_m=`` to change them.
ACLED_PRECISION_M = {1: 2_000.0, 2: 15_000.0, 3: 50_000.0}
#: UCDP GED ``where_prec`` to an uncertainty radius (metres): 1 exact location, 2 within
#: about 25 km, 3 a second-order administrative unit, 4 a first-order one (a governorate),
#: 5 a linear or fuzzy feature, 6 the country, 7 waters or airspace.
UCDP_PRECISION_M = {
    1: 2_000.0,
    2: 25_000.0,
    3: 30_000.0,
    4: 75_000.0,
    5: 25_000.0,
    6: 300_000.0,
    7: 300_000.0,
}

#: The largest uncertainty radius (metres) a position may have: about half the Earth's
#: circumference, beyond which a position could be anywhere. A radius column holding more
#: (or ``inf``, a negative number, text) makes its row an error.
MAX_UNCERTAINTY_M = 20_000_000.0

_M_PER_DEG = 111_320.0
_MISSING = {"", "na", "n/a", "n.a.", "nan", "null", "none", "-", "--", "?", "unknown", "#n/a"}
_LAT_NAMES = (
    "lat",
    "latitude",
    "y",
    "lat_dd",
    "latitude_dd",
    "lat_deg",
    "lat_wgs84",
    "decimal_latitude",
    "latitude_wgs84",
)
_LON_NAMES = (
    "lon",
    "lng",
    "long",
    "longitude",
    "x",
    "lon_dd",
    "longitude_dd",
    "lon_deg",
    "lon_wgs84",
    "decimal_longitude",
    "longitude_wgs84",
)
_COORD_NAMES = (
    "coordinates",
    "coordinate",
    "coords",
    "coord",
    "latlon",
    "lat_lon",
    "lat/lon",
    "latlng",
    "lat_long",
    "latitude_longitude",
    "position",
    "gps",
    "dms",
)
_MGRS_NAMES = (
    "mgrs",
    "grid",
    "grid_ref",
    "grid_reference",
    "gridref",
    "mgrs_ref",
    "mgrs_grid",
    "mgrs_coordinates",
)
_PLACE_NAMES = (
    "place",
    "place_name",
    "placename",
    "location",
    "location_name",
    "town",
    "village",
    "locality",
    "city",
    "site",
    "where",
    "where_coordinates",
    "settlement",
)
_ADMIN_NAMES = (
    "admin1",
    "adm_1",
    "adm1",
    "governorate",
    "province",
    "muhafazah",
    "state",
    "admin_1",
)
_ACTOR_NAMES = (
    "actor",
    "actors",
    "who",
    "force",
    "forces",
    "unit",
    "group",
    "perpetrator",
    "armed_group",
)
_DATE_NAMES = (
    "date",
    "event_date",
    "date_start",
    "when",
    "datetime",
    "timestamp",
    "time",
    "begin",
    "reported_date",
    "report_date",
    "reported",
    "year",
    "reported_on",
    "period",
)
#: Columns that give a date range, first and last day inclusive: UCDP GED's, then others.
_DATE_PAIRS = (
    ("date_start", "date_end"),
    ("date_from", "date_to"),
    ("start_date", "end_date"),
    ("date", "date_to"),  # geozones' own output, read again
)
#: UCDP GED ``date_prec``: 1 the day, 2 two to six days, 3 the week, 4 eight to thirty days
#: or the month, 5 more than a month or the year (``date_start`` and ``date_end`` give the
#: span itself).
_UCDP_DATE_PREC = {1: "day", 2: "range", 3: "week", 4: "month", 5: "year"}
_STATUS_NAMES = ("status", "claim_status", "verification", "verification_status")
_DENIED_BY_NAMES = ("denied_by", "denial", "denied", "disputed_by")
_CLAIM_TEXT_NAMES = ("claim_text", "quote", "excerpt", "statement")
_SOURCE_NAMES = ("source", "sources", "source_office", "reported_by", "outlet", "publisher")
_URL_NAMES = ("url", "link", "source_url", "href", "source_link", "uri")
_RADIUS_NAMES = {
    "uncertainty_m": 1.0,
    "precision_m": 1.0,
    "radius_m": 1.0,
    "accuracy_m": 1.0,
    "error_m": 1.0,
    "uncertainty_km": 1000.0,
    "radius_km": 1000.0,
    "precision_km": 1000.0,
}


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
) -> gpd.GeoDataFrame:
    """Read reported positions from a file or a table, keeping every row.

    Parameters
    ----------
    source
        A delimited text file (``.csv``, ``.tsv``, ``.txt``, ``.tab``; see Notes), an
        Excel workbook (``.xlsx``), GeoJSON, GeoPackage, KML/KMZ or Shapefile, an ACLED or
        UCDP GED export (any of these formats), or a DataFrame / GeoDataFrame.
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
        a named column that does not exist, or an unknown `encoding`.

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
    label, table, geoms = _load(source, layer=layer, sheet=sheet, encoding=encoding)
    if order not in ("latlon", "lonlat"):
        msg = f"order must be 'latlon' or 'lonlat', not {order!r}"
        raise InputError(msg)
    return _positions_from_table(
        table,
        geoms,
        label=label,
        names={
            "lon": lon_column,
            "lat": lat_column,
            "coords": coordinates_column,
            "mgrs": mgrs_column,
            "place": place_column,
            "admin1": admin1_column,
        },
        order=order,
        precision_radii_m=precision_radii_m,
        area=area,
        gaz=gazetteer_,
    )


# --------------------------------------------------------------------------------------
# Loading a table
# --------------------------------------------------------------------------------------


def _load(
    source, *, layer, sheet, encoding: str | None = None
) -> tuple[str, pd.DataFrame, np.ndarray | None]:
    """(label, table of the original columns, geometries or None)."""
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
    if suffix in (".csv", ".tsv", ".txt", ".tab"):
        return str(path), _read_delimited(path, encoding=encoding), None
    if suffix in (".xlsx", ".xlsm", ".xls"):
        try:
            table = pd.read_excel(path, sheet_name=sheet, dtype=object)
        except Exception as exc:
            msg = f"{path}: cannot be read as a workbook ({first_line(exc)})"
            raise InputError(msg) from None
        return str(path), table, None
    return str(path), *_read_vector(path, layer=layer)


def _read_delimited(path: Path, *, encoding: str | None = None) -> pd.DataFrame:
    """Every record of a delimited text file as text columns, problems noted per row.

    The bytes are read once, decoded (:func:`_decode`) into UTF-8, the header and delimiter
    found (:func:`_layout`) and the records parsed (:func:`_parse_records`, shared with the
    dask engine, which parses blocks of a file with it).
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        msg = f"{path}: cannot be read ({first_line(exc)})"
        raise InputError(msg) from None
    buf, start, found = _decode(raw, encoding, label=path)
    del raw
    layout = _layout(buf, start, complete=True, label=path)
    table = _parse_records(buf, layout.header_end, layout, label=path, first_row=2, final=True)
    table.attrs["renamed"] = [n for n, h in zip(layout.names, layout.header, strict=True) if n != h]
    table.attrs["encoding"] = found
    return table


# --------------------------------------------------------------------------------------
# Delimited text, for both engines: encoding, header and delimiter, records
# --------------------------------------------------------------------------------------

#: The longest cell (in characters) read from delimited text. A longer cell makes its row
#: an error that says so, and is not carried along (a 50 MB cell is refused, not parsed).
MAX_CELL_CHARS = 131_072
#: Legacy encodings considered for text that is not UTF-8, most likely first: Western, Arabic
#: and Hebrew Windows code pages, then the other Windows code pages.
LEGACY_ENCODINGS = ("cp1252", "cp1256", "cp1255", "cp1254", "cp1250", "cp1251", "cp1253", "cp1257")

_DELIMITERS = ",;\t|"
_SNIFF_BYTES = 65_536  # bytes after the header that the delimiter is chosen on
_SNIFF_RECORDS = 50  # records after the header that the delimiter is chosen on
_SAMPLE_BYTES = 65_536  # bytes beyond ASCII that an encoding is guessed from
_BATCH_ROWS = 65_536  # records the robust reader holds as Python objects at a time
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_UTF8 = ("utf-8", "utf-8-sig")
_TERMINATORS = re.compile(rb"\r\n|\r|\n")


@dataclass(frozen=True)
class _Layout:
    """What is decided once per file: the delimiter and the header."""

    delimiter: str
    header: tuple[str, ...]
    names: tuple[str, ...]
    header_lines: int  # physical lines the header spans (2 if a quoted name holds a break)
    header_end: int  # the offset of the first byte after the header, in the buffer read


def _check_encoding(encoding: str, label) -> str:
    """Python's name for `encoding` (``"windows-1256"`` → ``"cp1256"``)."""
    try:
        return codecs.lookup(str(encoding)).name
    except LookupError:
        msg = f"{label}: unknown encoding {encoding!r}; name one Python knows, such as 'cp1256'"
        raise InputError(msg) from None


def _ascii_compatible(encoding: str) -> bool:
    """Whether line breaks, quotes and delimiters are the ASCII bytes in `encoding`."""
    probe = "\r\n\"',;\t|azAZ09"
    try:
        return probe.encode(encoding) == probe.encode("ascii")
    except (UnicodeError, LookupError):
        return False


def _fixed_encoding(head: bytes, encoding: str | None, label) -> str | None:
    """The encoding a caller named, a byte-order mark shows, or UTF-16's zero bytes betray."""
    if encoding is not None:
        return _check_encoding(encoding, label)
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    sample = head[:4096]
    if len(sample) >= 16:  # UTF-16 without a mark: every other byte of ASCII text is zero
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        half = len(sample) // 2
        if odd > 0.4 * half and even < 0.05 * half:
            return "utf-16-le"
        if even > 0.4 * half and odd < 0.05 * half:
            return "utf-16-be"
    return None


def _is_utf8(data: bytes) -> bool:
    """Whether `data` is valid UTF-8, checked by arrow without copying it."""
    import pyarrow as pa

    buffer = pa.py_buffer(data)
    offsets = pa.array([0, buffer.size], type=pa.int64()).buffers()[1]
    try:
        pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, buffer]).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _non_ascii_sample(data: bytes, *, limit: int = _SAMPLE_BYTES) -> bytes:
    """Up to `limit` bytes of `data` around its bytes beyond ASCII, for guessing an encoding."""
    pieces: list[bytes] = []
    total = 0
    chunk = 1 << 24
    for offset in range(0, len(data), chunk):
        count = min(chunk, len(data) - offset)
        view = np.frombuffer(data, dtype=np.uint8, count=count, offset=offset)
        high = np.flatnonzero(view >= 0x80)
        taken_to = -1
        for p in high[:: max(1, high.size // 4096)].tolist():  # at most about 4,096 windows
            if p < taken_to:
                continue
            a, b = max(0, offset + p - 32), offset + p + 480
            pieces.append(data[a:b])
            total += b - a
            taken_to = p + 480
            if total >= limit:
                return b"\n".join(pieces)
    return b"\n".join(pieces)


def _guess_encoding(sample: bytes) -> str:
    """The legacy encoding that text (not UTF-8) was most likely written in.

    charset-normalizer keeps the encodings of :data:`LEGACY_ENCODINGS` under which the
    sample reads as text rather than mess; among those, the one whose words are each
    written in one script (Arabic, Hebrew, Latin...) wins, the earlier in
    :data:`LEGACY_ENCODINGS` on a tie. Short samples are ambiguous (four Arabic letters in
    cp1256 are four Cyrillic ones in cp1251): pass ``encoding=`` when you know it.
    """
    from charset_normalizer import from_bytes

    try:
        matches = from_bytes(sample, cp_isolation=list(LEGACY_ENCODINGS))
        names = {codecs.lookup(n).name for m in matches for n in m.could_be_from_charset}
    except Exception:  # a detector's failure must not stop the reading
        names = set()
    candidates = [e for e in LEGACY_ENCODINGS if e in names] or list(LEGACY_ENCODINGS)
    scored = []
    for rank, name in enumerate(candidates):
        try:
            text = sample.decode(name)
        except UnicodeDecodeError:
            continue
        scored.append((_script_score(text), -rank, name))
    return max(scored)[2] if scored else "cp1252"


_WORDS = re.compile(r"[^\x00-\x40\x5b-\x60\x7b-\x7f]+")  # runs of letters (and anything not ASCII)
_TYPOGRAPHIC = set("‘’‚“”„–—…«»°·′″")


def _script_score(text: str) -> int:
    """Characters in words of one script, less twice those in words that mix or hold symbols.

    A word made only of accented Latin capitals and the like (``ÏÑÚÇ``, which is ``درعا`` in
    the wrong code page) counts against: real Latin words have plain letters too.
    """
    import unicodedata

    score = 0
    for word in _WORDS.findall(text):
        if word.isascii():
            continue
        scripts = set()
        odd = False
        for ch in word:
            if ch.isascii():
                scripts.add("LATIN")
                continue
            category = unicodedata.category(ch)
            if category[0] == "L":
                scripts.add(unicodedata.name(ch, "UNKNOWN").split(" ")[0])
            elif category[0] != "M" and ch not in _TYPOGRAPHIC:
                odd = True
        plain = any(ch.isascii() for ch in word)
        if odd or len(scripts) != 1 or (scripts == {"LATIN"} and not plain and len(word) > 2):
            score -= 2 * len(word)
        else:
            score += len(word)
    return score


def _decode(raw: bytes, encoding: str | None, *, label) -> tuple[bytes, int, str]:
    """`raw` as UTF-8 bytes, the offset where its text starts (after a mark), the encoding.

    UTF-8 input is used as it is, without a copy; anything else is transcoded once, in
    pieces, and bytes that do not decode become U+FFFD.
    """
    found = _fixed_encoding(raw[:4096], encoding, label)
    if found is None:
        found = "utf-8" if _is_utf8(raw) else _guess_encoding(_non_ascii_sample(raw))
        if found == "utf-8":
            return raw, 0, found
    if found in _UTF8 and _is_utf8(raw):
        return raw, 3 if raw.startswith(codecs.BOM_UTF8) else 0, found
    return _to_utf8(raw, found), 0, found


def _to_utf8(raw: bytes, encoding: str) -> bytes:
    """`raw` decoded from `encoding` (a mark dropped, bad bytes replaced) as UTF-8 bytes."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    out = _io.BytesIO()
    view = memoryview(raw)
    step = 1 << 24
    for i in range(0, len(raw), step):
        out.write(decoder.decode(view[i : i + step]).encode("utf-8"))
    out.write(decoder.decode(b"", final=True).encode("utf-8"))
    text = out.getvalue()
    return text[3:] if text.startswith(codecs.BOM_UTF8) else text


def _line_end(data: bytes, start: int, lines: int) -> int:
    """The offset just after the `lines`-th line break from `start` (the end if fewer)."""
    end = start
    for k, match in enumerate(_TERMINATORS.finditer(data, start), 1):
        end = match.end()
        if k == lines:
            return end
    return len(data)


def _layout(buf: bytes, start: int, *, complete: bool, label) -> _Layout | None:
    """The delimiter and the header of the UTF-8 text ``buf[start:]``.

    The header is the first record, of any length; the delimiter is the one of
    ``, ; tab |`` that splits the header into most fields that the next records agree with
    (at most :data:`_SNIFF_RECORDS` records, :data:`_SNIFF_BYTES` bytes: linear time
    whatever the text). With `complete` false, `buf` may be the start of a longer text, and
    None means that more of it is needed to see the whole header.
    """
    size = 1 << 16
    while True:
        first = _first_break(buf, start)
        stop = len(buf) if first < 0 else min(len(buf), first + size + _SNIFF_BYTES)
        cut = stop < len(buf) or not complete  # the text goes on beyond the sample
        text = buf[start:stop].decode("utf-8", errors="replace")
        with _csv_field_limit():
            delimiter = _choose_delimiter(text, cut=cut)
            reader = csv.reader(_io.StringIO(text, newline=""), delimiter=delimiter)
            header = next(reader, [])
            lines = reader.line_num
        kept = "".join(itertools.islice(_io.StringIO(text, newline=""), lines))
        if cut and (len(kept) >= len(text) or not kept.endswith(("\r", "\n"))):
            if not complete:
                return None  # the header may go on: ask for more
            size *= 4  # a quoted line break in the header, and a long header after it
            continue
        break
    if not text.strip():
        msg = f"{label}: is empty"
        raise InputError(msg)
    header = [_unneutralise_text(h.strip()) for h in header]
    if not any(header):
        msg = f"{label}: the first row should name the columns but is empty"
        raise InputError(msg)
    return _Layout(
        delimiter=delimiter,
        header=tuple(header),
        names=tuple(_unique_names(header)),
        header_lines=lines,
        header_end=start + len(kept.encode("utf-8")),
    )


def _first_break(buf: bytes, start: int) -> int:
    """The offset of the first CR or LF at or after `start`, or -1."""
    found = [k for k in (buf.find(b"\n", start), buf.find(b"\r", start)) if k >= 0]
    return min(found) if found else -1


def _choose_delimiter(text: str, *, cut: bool) -> str:
    best, best_key = ",", (-1, 0)
    for delimiter in _DELIMITERS:
        records = csv.reader(_io.StringIO(text, newline=""), delimiter=delimiter)
        header = next(records, [])
        if len(header) < 2:
            continue
        rows = list(itertools.islice(records, _SNIFF_RECORDS))
        if cut and rows:
            rows.pop()  # it may be cut short
        agree = sum(len(row) == len(header) for row in rows)
        key = (agree, len(header))
        if key > best_key:
            best, best_key = delimiter, key
    return best


_field_limit_lock = threading.Lock()
_field_limit_users = 0
_field_limit_saved = 0


@contextlib.contextmanager
def _csv_field_limit():
    """Lift Python's csv field limit while a reader runs; restore it when the last one ends.

    A huge cell is then read, and refused with a row error, rather than stopping the
    reader half way through a record (which would lose track of the rows after it).
    """
    global _field_limit_users, _field_limit_saved
    with _field_limit_lock:
        if _field_limit_users == 0:
            _field_limit_saved = csv.field_size_limit(2**31 - 1)
        _field_limit_users += 1
    try:
        yield
    finally:
        with _field_limit_lock:
            _field_limit_users -= 1
            if _field_limit_users == 0:
                csv.field_size_limit(_field_limit_saved)


def _has_blank_line(buf: bytes, start: int, *, final: bool) -> bool:
    """Whether ``buf[start:]`` may hold an empty line (inside a quoted cell, perhaps).

    With `final`, the line breaks at the very end do not count: blank lines there are not
    rows. Pairs of line breaks are looked for with numpy, 8 MiB at a time.
    """
    stop = len(buf)
    if final:
        tail_start = max(start, stop - 65_536)
        kept = len(buf[tail_start:].rstrip(b"\r\n"))
        if kept == 0 and tail_start > start:
            return True  # over 64 KiB of line breaks at the end: let the robust reader see
        stop = tail_start + kept
    if buf[start : start + 1] in (b"\r", b"\n"):
        return True
    step = 1 << 23
    for a in range(start, stop, step):
        arr = np.frombuffer(buf, dtype=np.uint8, count=min(stop, a + step + 1) - a, offset=a)
        lf = arr == 10
        cr = arr == 13
        pairs = (lf | cr)[1:] & (lf | cr)[:-1] & ~(cr[:-1] & lf[1:])  # CRLF is one break
        if pairs.any():
            return True
    return False


def _has_empty_row(arrow) -> bool:
    """Whether a row of arrow's table has nothing in any cell (a blank line looks so)."""
    import pyarrow.compute as pc

    empty = None
    for column in arrow.columns:
        here = pc.equal(pc.binary_length(column), 0)
        empty = here if empty is None else pc.and_(empty, here)
        if not pc.any(empty).as_py():
            return False
    return empty is not None


def _parse_records(
    buf: bytes,
    start: int,
    layout: _Layout,
    *,
    label,
    first_row: int,
    final: bool,
    count_only: bool = False,
) -> pd.DataFrame:
    """The records of the UTF-8 text ``buf[start:]`` as text columns, one row per record.

    Every record comes back once, in order, so that row ``i`` is input row
    ``first_row + i``:

    - a blank line (nothing, or only spaces, between two line breaks) is a row whose
      error is ``"blank line"``; blank lines at the very end of the file (`final`) are not
      rows;
    - a record with more or fewer fields than the header is a row whose error says so;
    - a cell longer than :data:`MAX_CELL_CHARS` makes its row an error, and its cells are
      emptied;
    - a record that repeats the header is a row whose error says so;
    - text that :func:`save_positions` neutralised against spreadsheet formulas loses its
      quote again (:func:`_unneutralise_text`).

    Clean text takes arrow's multi-threaded reader; text with a blank line or a record of
    the wrong width takes Python's csv module, :data:`_BATCH_ROWS` records at a time. Both
    read the same records the same way, and hold the bytes, the table and one batch at
    most. Blank lines are looked for in the bytes only when arrow's table has a row of
    empty cells (which is what a blank line looks like to it), so clean text pays nothing
    for them. With `count_only`, the cells of the first column alone are kept.

    The problems are in ``attrs["row_errors"]`` (row index → error); with `final` false,
    ``attrs["trailing_blank"]`` counts the blank rows at the end (the last block of a file
    drops them).
    """
    import pyarrow as pa

    names = list(layout.names)
    arrow = None
    if buf.startswith(codecs.BOM_UTF8, start):
        pass  # arrow would drop a mark that starts a block: Python's reader keeps it
    elif len(names) > 1 and count_only:
        if not _has_blank_line(buf, start, final=final):
            arrow = _read_arrow(buf, start, layout, count_only=True, skip_empty=True)
    elif len(names) > 1:
        arrow = _read_arrow(buf, start, layout, count_only=False, skip_empty=False)
        if arrow is not None and _has_empty_row(arrow):
            # a blank line, a row of empty cells (",,,") or blank lines at the very end
            if _has_blank_line(buf, start, final=final):
                arrow = None
            elif final:  # no blank line but those at the end, which are not rows
                arrow = _read_arrow(buf, start, layout, count_only=False, skip_empty=True)
    if arrow is None:
        arrow, problems, trailing = _read_python(
            buf, start, layout, label=label, first_row=first_row, final=final
        )
        if count_only:
            arrow = arrow.select([0])
    else:
        problems, trailing = {}, 0
    if not count_only:
        arrow = _refuse_long_cells(arrow, problems)
        arrow = _unneutralise(arrow)
    table = arrow.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get)
    if table.shape[1] == len(names):
        table.columns = names
    for i in _repeated_header(table, layout):
        problems.setdefault(i, "the header row repeated inside the data; the row was not used")
    table.attrs["row_errors"] = problems
    table.attrs["trailing_blank"] = trailing
    table.attrs["text_source"] = True
    return table


def _read_arrow(buf: bytes, start: int, layout: _Layout, *, count_only: bool, skip_empty: bool):
    """Arrow's reader; None when a record has the wrong width or arrow cannot read the text.

    With `skip_empty` false, an empty line is a row of empty cells.
    """
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    names = list(layout.names)
    invalid = []

    def note_invalid(row):
        invalid.append(row.number)
        return "skip"

    body = pa.py_buffer(buf).slice(start)
    if body.size == 0:
        return pa.table({n: pa.array([], pa.string()) for n in names})
    try:
        arrow = pa_csv.read_csv(
            pa.BufferReader(body),
            read_options=pa_csv.ReadOptions(column_names=names),
            parse_options=pa_csv.ParseOptions(
                delimiter=layout.delimiter,
                newlines_in_values=True,
                ignore_empty_lines=skip_empty,
                invalid_row_handler=note_invalid,
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                include_columns=names[:1] if count_only else None,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeDecodeError):
        return None  # a record larger than arrow's blocks, say: the robust reader reads it
    return None if invalid else arrow


def _read_python(buf: bytes, start: int, layout: _Layout, *, label, first_row: int, final: bool):
    """Python's csv reader, in batches: (table, row errors, blank rows at the end)."""
    import pyarrow as pa

    names = list(layout.names)
    n_cols = len(names)
    empty = [""] * n_cols
    problems: dict[int, str] = {}
    batches: list[pa.Table] = []
    rows: list[list[str]] = []
    index = 0
    blank = 0  # blank lines not yet placed: dropped if nothing follows them at the end

    def flush() -> None:
        columns = list(zip(*rows, strict=True)) if rows else [()] * n_cols
        arrays = [pa.array(c, type=pa.string()) for c in columns]
        batches.append(pa.Table.from_arrays(arrays, names=names))
        rows.clear()

    stream = _io.BytesIO(buf)
    stream.seek(start)
    text = _io.TextIOWrapper(stream, encoding="utf-8", errors="replace", newline="")
    with _csv_field_limit():
        reader = csv.reader(text, delimiter=layout.delimiter)
        try:
            for record in reader:
                if not record or (len(record) == 1 and not record[0].strip()):
                    blank += 1
                    continue
                for _ in range(blank):
                    problems[index] = "blank line"
                    rows.append(empty)
                    index += 1
                blank = 0
                if len(record) != n_cols:
                    problems[index] = (
                        f"ragged row: {len(record)} fields where the header has {n_cols} "
                        f"(delimiter {layout.delimiter!r}); the row was not used"
                    )
                    record = empty
                rows.append(record)
                index += 1
                if len(rows) >= _BATCH_ROWS:
                    flush()
        except csv.Error as exc:
            msg = f"{label}: row {first_row + index + blank}: cannot be read ({exc})"
            raise InputError(msg) from None
    trailing = 0
    if not final:
        for _ in range(blank):
            problems[index] = "blank line"
            rows.append(empty)
            index += 1
        trailing = blank
    flush()
    text.detach()
    return pa.concat_tables(batches), problems, trailing


def _refuse_long_cells(arrow, problems: dict[int, str]):
    """Empty the rows that hold a cell longer than :data:`MAX_CELL_CHARS`; note why."""
    import pyarrow as pa
    import pyarrow.compute as pc

    long_rows = None
    for name, column in zip(arrow.column_names, arrow.columns, strict=True):
        if len(column) == 0 or pc.max(pc.binary_length(column)).as_py() <= MAX_CELL_CHARS:
            continue  # bytes bound characters: most columns stop here
        chars = pc.utf8_length(column)
        too_long = pc.greater(chars, MAX_CELL_CHARS)
        lengths = chars.to_numpy()
        for i in np.flatnonzero(too_long.to_numpy(zero_copy_only=False)).tolist():
            problems.setdefault(
                i,
                f"column {name!r}: a cell of {int(lengths[i]):,} characters, more than the "
                f"{MAX_CELL_CHARS:,} geozones reads; the row was not used",
            )
        long_rows = too_long if long_rows is None else pc.or_(long_rows, too_long)
    if long_rows is None:
        return arrow
    empty = pa.scalar("", pa.string())
    return pa.table(
        [pc.if_else(long_rows, empty, c) for c in arrow.columns], names=arrow.column_names
    )


def _repeated_header(table: pd.DataFrame, layout: _Layout) -> list[int]:
    """Rows that repeat the header (files pasted together)."""
    if table.shape[1] != len(layout.header) or len(table) == 0:
        return []
    first = table.iloc[:, 0].str.strip() == layout.header[0]
    candidates = np.flatnonzero(first.to_numpy(dtype=bool, na_value=False))
    return [
        int(i)
        for i in candidates
        if all(str(table.iat[i, k]).strip() == h for k, h in enumerate(layout.header))
    ]


def _unique_names(header: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, name in enumerate(header):
        name = name or f"column_{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        out.append(name)
    return out


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


# --------------------------------------------------------------------------------------
# Finding positions
# --------------------------------------------------------------------------------------


def _find(table: pd.DataFrame, wanted: str | None, candidates, *, what: str, label: str):
    """The column named `wanted`, else the first column whose name is a candidate."""
    lookup = {str(c).strip().lower(): c for c in table.columns}
    if wanted is not None:
        if wanted in table.columns:
            return wanted
        if str(wanted).strip().lower() in lookup:
            return lookup[str(wanted).strip().lower()]
        msg = f"{label}: no column {wanted!r} for the {what}; columns: {list(table.columns)}"
        raise InputError(msg)
    for name in candidates:
        if name in lookup:
            return lookup[name]
    return None


def _text(series: pd.Series) -> pd.Series:
    """Cells as stripped text; missing-value tokens and missing cells become ""."""
    if _is_plain_number(series.dtype):  # numbers from GeoPackage, Parquet, ...: by arrow
        import pyarrow as pa
        import pyarrow.compute as pc

        values = series.to_numpy()
        arr = pa.array(values, from_pandas=True)  # NaN: missing
        text = pc.fill_null(pc.cast(arr, pa.string()), "")  # 12.0 -> "12", like a sheet
        return pd.Series(pd.array(text, dtype=pd.StringDtype("pyarrow")), index=series.index)
    if not isinstance(series.dtype, pd.StringDtype):
        values = series.astype(object)
        floats = values.map(lambda v: isinstance(v, float) and v.is_integer())
        if floats.any():  # 12.0 read from a workbook is the number 12
            values[floats] = values[floats].map(lambda v: str(int(v)))
        series = values.astype(pd.StringDtype("pyarrow"))
    text = series.fillna("").str.strip()
    return text.mask(text.str.lower().isin(_MISSING), "")


def _is_plain_number(dtype) -> bool:
    """A numpy integer or float column (not bool, not nullable, not object)."""
    return isinstance(dtype, np.dtype) and dtype.kind in "iuf"


def _to_float(text: pd.Series) -> np.ndarray:
    """Numbers from text cells (a decimal comma is read as a point); NaN where not one."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if text.str.contains(",", regex=False).any():
        text = text.str.replace(",", ".", regex=False)
    try:  # all numbers or empty: arrow's parser, many times faster than pandas'
        arr = pa.array(text.array, type=pa.string())  # arrow-backed: no copy
        arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)
        return pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)


def _is_text_column(table: pd.DataFrame, column) -> bool:
    """Whether a column holds text as written (CSV, or strings in a DataFrame)."""
    if table.attrs.get("text_source"):
        return True
    return pd.api.types.infer_dtype(table[column], skipna=True) == "string"


def _positions_from_table(table, geoms, *, label, names, order, precision_radii_m, area, gaz):
    n = len(table)
    memo: dict = {}

    def text(column) -> pd.Series:  # each column is cleaned once
        if column not in memo:
            memo[column] = _text(table[column]).reset_index(drop=True)
        return memo[column]

    if n == 0 and geoms is None:
        msg = f"{label}: holds no rows"
        raise InputError(msg)
    row_errors = dict(table.attrs.get("row_errors", {}))
    is_vector = geoms is not None
    rownum = np.arange(1, n + 1) if is_vector else np.arange(2, n + 2)

    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    unc = np.full(n, np.nan)
    method = np.full(n, "", dtype=object)
    place = np.full(n, "", dtype=object)
    error = np.full(n, "", dtype=object)
    note = np.full(n, "", dtype=object)
    todo = np.ones(n, dtype=bool)
    for i, reason in row_errors.items():
        error[i] = reason
        todo[i] = False

    def add_note(mask, text):
        for i in np.flatnonzero(mask):
            note[i] = f"{note[i]}; {text}" if note[i] else text

    cols = {
        "lat": _find(table, names["lat"], _LAT_NAMES, what="latitude", label=label),
        "lon": _find(table, names["lon"], _LON_NAMES, what="longitude", label=label),
        "coords": _find(table, names["coords"], _COORD_NAMES, what="coordinates", label=label),
        "mgrs": _find(table, names["mgrs"], _MGRS_NAMES, what="MGRS", label=label),
        "place": _find(table, names["place"], _PLACE_NAMES, what="place names", label=label),
        "admin1": _find(table, names["admin1"], _ADMIN_NAMES, what="governorate", label=label),
    }
    if (cols["lat"] is None) != (cols["lon"] is None):
        have = cols["lat"] or cols["lon"]
        msg = f"{label}: column {have!r} has no partner: both latitude and longitude are needed"
        raise InputError(msg)
    if not is_vector and not any(cols[k] for k in ("lat", "coords", "mgrs", "place")):
        msg = (
            f"{label}: no column holds positions; name them lat/lon, coordinates, mgrs or "
            f"place, or pass lat_column=, lon_column=, ...; columns: {list(table.columns)}"
        )
        raise InputError(msg)

    # 0. geometry of vector files
    if is_vector:
        g_lon, g_lat, g_unc, g_err, g_note = _from_geometries(geoms)
        has = todo & (g_err != "missing")
        lon[has], lat[has], unc[has] = g_lon[has], g_lat[has], g_unc[has]
        method[has] = "geometry"
        bad = has & (g_err != "")
        error[bad] = g_err[bad]
        add_note(has & (g_note != ""), "a non-point geometry: its representative point is used")
        todo &= ~has

    # 1. latitude / longitude columns
    if cols["lat"] is not None:
        lat_t, lon_t = text(cols["lat"]), text(cols["lon"])
        present = todo & ((lat_t != "").to_numpy() | (lon_t != "").to_numpy())
        la, lo = _to_float(lat_t), _to_float(lon_t)
        la_missing = (lat_t == "").to_numpy()
        lo_missing = (lon_t == "").to_numpy()
        # "35.8e-1": an exponent, or an E (east) typed between two numbers? Refused, as
        # the coordinates module refuses it; only text as written (a float column has none)
        written = _is_text_column(table, cols["lat"]) and _is_text_column(table, cols["lon"])
        exponent = np.zeros(n, dtype=bool)
        for col, t, values in ((cols["lat"], lat_t, la), (cols["lon"], lon_t, lo)):
            if not _is_text_column(table, col):
                continue
            marked = present & ~np.isnan(values) & ~exponent & _has_exponent(t)
            for i in np.flatnonzero(marked & (error == "")):
                error[i] = (
                    f"column {col!r}: {t.iloc[i]!r} looks like a number in exponent "
                    "notation; write decimal degrees"
                )
            exponent |= marked
        for mask, col, values in (
            (present & la_missing, cols["lat"], None),
            (present & lo_missing, cols["lon"], None),
            (present & ~la_missing & np.isnan(la), cols["lat"], lat_t),
            (present & ~lo_missing & np.isnan(lo), cols["lon"], lon_t),
        ):
            for i in np.flatnonzero(mask & (error == "")):
                error[i] = (
                    f"column {col!r} is empty"
                    if values is None
                    else f"column {col!r}: {values.iloc[i]!r} is not a number"
                )
        ok = present & ~np.isnan(la) & ~np.isnan(lo) & ~exponent
        lon[ok], lat[ok] = lo[ok], la[ok]
        method[ok] = "lat/lon columns"
        # precision from the digits written, only where the source wrote text
        if written:
            unc[ok] = _written_precision_m(lat_t, lon_t, la)[ok]
        todo &= ~present

    # 2. one coordinate column, 3. MGRS
    for key, parse, name in (
        ("coords", lambda v: coordinates.parse_coordinate_text(v, order=order), "coordinates"),
        ("mgrs", coordinates.parse_mgrs, "MGRS"),
    ):
        if cols[key] is None:
            continue
        values = text(cols[key])
        present = todo & (values != "").to_numpy()
        if present.any():
            idx = np.flatnonzero(present)
            parsed = parse(values.iloc[idx].tolist())
            lon[idx] = parsed["lon"].to_numpy()
            lat[idx] = parsed["lat"].to_numpy()
            unc[idx] = parsed["uncertainty_m"].to_numpy()
            errs = parsed["error"].to_numpy()
            for i, e in zip(idx, errs, strict=True):
                if e:
                    error[i] = f"column {cols[key]!r}: {e}"
            method[idx] = name
        todo &= ~present

    # 4. place names
    if cols["place"] is not None:
        values = text(cols["place"])
        present = todo & (values != "").to_numpy()
        if present.any():
            idx = np.flatnonzero(present)
            admin = text(cols["admin1"]).iloc[idx].tolist() if cols["admin1"] else None
            found = (gaz or gazetteer.Gazetteer.bundled()).lookup(
                values.iloc[idx].tolist(), admin1=admin
            )
            lon[idx] = found["lon"].to_numpy()
            lat[idx] = found["lat"].to_numpy()
            unc[idx] = found["uncertainty_m"].to_numpy()
            place[idx] = found["place"].fillna("").to_numpy()
            method[idx] = "place name"
            for i, e, nt in zip(idx, found["error"], found["note"], strict=True):
                if e:
                    error[i] = f"column {cols['place']!r}: {e}"
                if nt:
                    note[i] = f"{note[i]}; {nt}" if note[i] else nt
        todo &= ~present

    for i in np.flatnonzero(todo & (error == "")):
        error[i] = "no position: every location column is empty"

    # precision codes and explicit radii replace what the text's digits implied
    unc = _explicit_uncertainty(table, unc, precision_radii_m, text, error)

    # suspicious coordinates: flagged, never fixed
    _flag_coordinates(lon, lat, error, method, area=area)
    add_note((error == "") & _outside(lon, lat, area), "outside the area of interest")

    usable = error == ""
    lon[~usable] = np.nan
    lat[~usable] = np.nan
    unc[~usable] = np.nan

    def make_points() -> np.ndarray:  # GEOS releases the GIL: overlap with the text work
        geometry = np.full(n, None, dtype=object)
        geometry[usable] = shapely.points(lon[usable], lat[usable])
        return geometry

    pool = ThreadPoolExecutor(max_workers=1)
    points = pool.submit(make_points)
    pool.shutdown(wait=False)

    date, date_to, date_precision = _dates(table, note, text)
    out = pd.DataFrame(
        {
            ROW: rownum,
            LON: lon,
            LAT: lat,
            UNCERTAINTY_M: unc,
            LOCATION_METHOD: method,
            PLACE: place,
            ACTOR: _actor(table, text),
            DATE: date,
            DATE_TO: date_to,
            DATE_PRECISION: date_precision,
            SOURCE: _first_text(table, _SOURCE_NAMES, text),
            URL: _first_text(table, _URL_NAMES, text),
            STATUS: _first_text(table, _STATUS_NAMES, text),
            DENIED_BY: _first_text(table, _DENIED_BY_NAMES, text),
            CLAIM_TEXT: _first_text(table, _CLAIM_TEXT_NAMES, text),
            ERROR: error,  # already text: no numpy round trip
            NOTE: note,
        }
    )
    # every original column is kept: under its own name, or a free src_ name when that is
    # a standard one (or repeats one), unless the standard column of that very name holds
    # exactly its values (actor, source, url copied as written)
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
        geometry=gpd.GeoSeries(points.result(), crs=4326),
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


#: The result's geometry column: an original column of that name is kept as ``src_…``.
_GEOMETRY = "geometry"


def kept_column_names(columns) -> list[str]:
    """The name each original column is kept under, from the names alone.

    A name that is a standard column's or ``geometry``, or repeats an earlier one, compared
    without case (GeoPackage fields ignore case), becomes ``src_<name>``, or
    ``src_2_<name>``, ``src_3_<name>``... when that is taken (by another original column
    or an earlier new name). Other names are kept as they are. Both engines name the
    columns of their results with it.

    Examples
    --------
    >>> kept_column_names(["lat", "src_lat", "Date", "who", "WHO"])
    ['src_2_lat', 'src_lat', 'src_Date', 'who', 'src_WHO']
    """
    reserved = {c.lower() for c in (*STANDARD_COLUMNS, _GEOMETRY)}
    taken = {str(c).lower() for c in columns} | reserved
    seen: set[str] = set()
    names = []
    for column in columns:
        key = str(column).lower()
        if key not in reserved and key not in seen:
            seen.add(key)
            names.append(column)
            continue
        new = free_column_name(column, prefix="src_", taken=taken)
        seen.add(new.lower())
        names.append(new)
    return names


def free_column_name(column, *, prefix: str, taken: set[str]) -> str:
    """``<prefix><column>``, or ``<prefix>2_<column>``, ``<prefix>3_<column>``... if taken.

    `taken` holds the lower-case names in use (GeoPackage fields ignore case); the name
    chosen is added to it.

    Examples
    --------
    >>> taken = {"src_lat"}
    >>> free_column_name("lat", prefix="src_", taken=taken), sorted(taken)
    ('src_2_lat', ['src_2_lat', 'src_lat'])
    """
    new, k = f"{prefix}{column}", 1
    while new.lower() in taken:
        k += 1
        new = f"{prefix}{k}_{column}"
    taken.add(new.lower())
    return new


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


def _has_exponent(text: pd.Series) -> np.ndarray:
    """Where a cell holds an ``e`` or ``E`` (in a cell read as a number: an exponent)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(text.array, type=pa.string())  # arrow-backed: no copy
    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    buffers = [chunk.buffers()[2] for chunk in chunks]
    if not any(
        b is not None and np.isin(np.frombuffer(b, np.uint8), _E_BYTES).any() for b in buffers
    ):
        return np.zeros(len(text), dtype=bool)  # no e anywhere: one look at each byte
    found = pc.match_substring(arr, "e", ignore_case=True)
    return found.to_numpy(zero_copy_only=False).astype(bool)


_E_BYTES = np.frombuffer(b"eE", dtype=np.uint8)


def _written_precision_m(lat_t: pd.Series, lon_t: pd.Series, lat: np.ndarray) -> np.ndarray:
    """Half a unit of the last decimal written, in metres (the larger of the two axes)."""

    def decimals(text: pd.Series) -> np.ndarray:
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = pc.replace_substring(pa.array(text.array, type=pa.string()), ",", ".")
        dot = pc.find_substring(arr, ".").to_numpy(zero_copy_only=False).astype(float)
        length = pc.utf8_length(arr).to_numpy(zero_copy_only=False).astype(float)
        return np.where(dot >= 0, length - dot - 1, 0.0)

    half_unit = 0.5 * 10.0 ** -np.arange(17.0)  # by number of decimals written

    def half(text: pd.Series) -> np.ndarray:
        return half_unit[np.clip(decimals(text), 0, 16).astype(np.intp)]

    half_lat = half(lat_t) * _M_PER_DEG
    half_lon = half(lon_t) * _M_PER_DEG * np.cos(np.radians(np.nan_to_num(lat)))
    return np.maximum(half_lat, np.abs(half_lon))


def _from_geometries(geoms: np.ndarray):
    n = len(geoms)
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    unc = np.full(n, np.nan)
    err = np.full(n, "", dtype=object)
    note = np.full(n, "", dtype=object)
    geoms = np.asarray(geoms, dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    err[missing] = "missing"
    ok = ~missing
    if ok.any():  # a NaN or infinite coordinate anywhere in a feature: no position from it
        coords, which = shapely.get_coordinates(geoms[ok], return_index=True)
        broken = np.zeros(n, dtype=bool)
        broken[np.flatnonzero(ok)[np.unique(which[~np.isfinite(coords).all(axis=1)])]] = True
        err[broken] = "a coordinate of the geometry is NaN or infinite"
        ok &= ~broken
        # a line or polygon with a vertex off the globe: its radius could not be measured
        # (a point off the globe is flagged later, with a hint when the pair looks swapped)
        off = (np.abs(coords[:, 0]) > 180) | (np.abs(coords[:, 1]) > 90)
        shapes = np.zeros(n, dtype=bool)
        shapes[np.flatnonzero(ok)] = shapely.get_type_id(geoms[ok]) != 0
        outside = np.zeros(n, dtype=bool)
        outside[np.flatnonzero(~missing)[np.unique(which[off])]] = True
        outside &= shapes
        err[outside] = "a vertex of the geometry is outside longitude ±180 / latitude ±90"
        ok &= ~outside
    if ok.any():
        g = geoms[ok]
        points = shapely.get_type_id(g) == 0
        rep = g.copy()
        if not points.all():  # lines and polygons: a point inside them
            rep[~points] = shapely.point_on_surface(g[~points])
        x, y = shapely.get_x(rep), shapely.get_y(rep)  # x and y only: any z is ignored
        lon[ok], lat[ok] = x, y
        idx = np.flatnonzero(ok)[~points]
        if idx.size:
            from geozones import geodesy

            note[idx] = "non-point"
            for i in idx:  # non-point features are few; the radius covers the whole shape
                xy = shapely.get_coordinates(geoms[i])
                d = geodesy.geodesic_distance(lon[i], lat[i], xy[:, 0], xy[:, 1])
                unc[i] = float(np.max(d))
    return lon, lat, unc, err, note


def _flag_coordinates(lon, lat, error, method, *, area) -> None:
    has = (error == "") & ~np.isnan(lon) & ~np.isnan(lat)
    zero = has & (lon == 0) & (lat == 0)
    for i in np.flatnonzero(zero):
        error[i] = "0, 0 ('null island'): a missing position written as zeros?"
    has &= ~zero
    bad_lat = has & (np.abs(lat) > 90)
    bad_lon = has & (np.abs(lon) > 180)
    swapped_ok = (np.abs(lon) <= 90) & (np.abs(lat) <= 180)
    if area is not None:
        inside_swapped = _inside(lat, lon, area)
        swapped = has & _outside(lon, lat, area) & inside_swapped & swapped_ok
        for i in np.flatnonzero(swapped):
            error[i] = (
                f"latitude and longitude look swapped: as given (lat {lat[i]:g}, lon "
                f"{lon[i]:g}) the point is far outside the area of interest, swapped it "
                "falls inside; fix the source"
            )
        bad_lat &= ~swapped
        bad_lon &= ~swapped
    for i in np.flatnonzero(bad_lat & (error == "")):
        error[i] = f"latitude {lat[i]:g} is outside ±90"
    for i in np.flatnonzero(bad_lon & (error == "")):
        error[i] = f"longitude {lon[i]:g} is outside ±180"


def _inside(lon, lat, area) -> np.ndarray:
    west, south, east, north = area
    with np.errstate(invalid="ignore"):
        return (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)


def _outside(lon, lat, area) -> np.ndarray:
    if area is None:
        return np.zeros(len(lon), dtype=bool)
    return ~np.isnan(lon) & ~_inside(lon, lat, area)


def _explicit_uncertainty(table, unc, precision_radii_m, text, error) -> np.ndarray:
    """Radii from a radius column or a precision code, replacing what the digits implied.

    A radius cell that is empty (or only says "missing") leaves the radius the digits
    implied; ``0`` is an exact position. Anything else that is not a radius of 0 to
    :data:`MAX_UNCERTAINTY_M` (text, a negative number, ``inf``, ``1e300``) makes its row an
    error that names the column and the cell (`error` is updated in place).
    """
    lookup = {str(c).strip().lower(): c for c in table.columns}
    unc = unc.copy()
    for name, scale in _RADIUS_NAMES.items():
        if name in lookup:
            column = lookup[name]
            written = text(column)
            with np.errstate(over="ignore", invalid="ignore"):
                values = _to_float(written) * scale + 0.0  # -0 is 0
                fine = (values >= 0) & (values <= MAX_UNCERTAINTY_M)  # NaN fails too
            unc[fine] = values[fine]  # an empty cell is NaN: not fine, and not given
            suspects = np.flatnonzero(~fine & (error == ""))
            for i in suspects[(written.iloc[suspects] != "").to_numpy(dtype=bool)]:
                value = values[i]
                shown = "not a number" if np.isnan(value) else f"{value:g} m"
                error[i] = (
                    f"{UNCERTAINTY_M} is {shown} (column {column!r}: {written.iloc[i]!r}): "
                    f"an uncertainty radius is 0 to {MAX_UNCERTAINTY_M / 1000:,.0f} km"
                )
            return unc
    for name, default in (("geo_precision", ACLED_PRECISION_M), ("where_prec", UCDP_PRECISION_M)):
        if name in lookup:
            radii = dict(default) | dict(precision_radii_m or {})
            codes = pd.to_numeric(text(lookup[name]), errors="coerce")
            mapped = codes.map(radii).to_numpy(dtype=float)
            given = ~np.isnan(mapped)
            unc[given] = mapped[given]
            return unc
    return unc


def _first_text(table, names, text) -> pd.Series:
    lookup = {str(c).strip().lower(): c for c in table.columns}
    for name in names:
        if name in lookup:
            return text(lookup[name])
    return pd.Series(np.full(len(table), "", dtype=object))


def _actor(table, text) -> pd.Series:
    """Who is named in each row: ACLED's actors or UCDP's sides joined by "; ".

    Row by row: where those cells are empty, the plain actor column (a table joining UCDP
    events and other reports keeps both).
    """
    lookup = {str(c).strip().lower(): c for c in table.columns}
    plain = _first_text(table, _ACTOR_NAMES, text).reset_index(drop=True)
    found = plain
    for group in (("side_a", "side_b"), ("actor1", "assoc_actor_1", "actor2", "assoc_actor_2")):
        present = [lookup[c] for c in group if c in lookup]
        if not present:
            continue
        parts = [text(c).reset_index(drop=True) for c in present]
        joined = parts[0]
        for part in parts[1:]:  # "a; b", without a separator beside an empty cell
            both = (joined != "") & (part != "")
            joined = joined.where(~both, joined + "; ") + part
        found = joined.where(joined != "", found)
    return found


#: The first and last instants a ``datetime64[ns]`` column holds (1677-09-21 to 2262-04-11).
#: Dates outside them are kept as text (in the original column) and the row is undated.
_EARLIEST = pd.Timestamp.min.ceil("us").as_unit("us")
_LATEST = pd.Timestamp.max.floor("us").as_unit("us")


def _iso_dates(written: pd.Series) -> pd.Series | None:
    """Plain ``YYYY-MM-DD`` dates (or empty) parsed by arrow, in microseconds (years 1-9999).

    None when any cell is written some other way.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(written.array, type=pa.string())
    arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)
    try:
        days = pc.cast(arr, pa.date32())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if pc.any(pc.not_equal(pc.cast(days, pa.string()), arr)).as_py():
        return None  # written some other way ("2018-1-2"): let pandas read it
    values = days.to_numpy(zero_copy_only=False).astype("datetime64[us]")  # exact: no wrap
    return pd.Series(values, index=written.index)


def _parse_dates(written: pd.Series, **options) -> pd.Series:
    """Parse with pandas, as naive UTC microseconds; NaT where a cell cannot be read."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            parsed = pd.to_datetime(written, errors="coerce", utc=True, **options)
        except (OverflowError, ValueError):  # out of bounds for any unit: cell by cell
            parsed = pd.Series(
                [_parse_date(v, options) for v in written], index=written.index, dtype=object
            )
            parsed = pd.to_datetime(parsed, errors="coerce", utc=True)
    return parsed.dt.tz_convert(None).dt.as_unit("us")


def _parse_date(value: str, options) -> pd.Timestamp:
    try:
        return pd.to_datetime(value, utc=True, **options)
    except (OverflowError, ValueError):
        return pd.NaT


def _dates(table, note, text) -> tuple[pd.Series, pd.Series, np.ndarray]:
    """(:data:`DATE`, :data:`DATE_TO`, :data:`DATE_PRECISION`) of every row.

    From the first that applies: a pair of columns giving the first and last day (UCDP's
    ``date_start`` and ``date_end``, with ``date_prec``; ``date_from``/``date_to``,
    ``start_date``/``end_date``, or ``date``/``date_to`` as geozones writes them); else one
    date column (:data:`_DATE_NAMES`), widened by ACLED's ``time_precision`` for
    ``event_date``. The dates are ``datetime64[ns]``: dates it cannot hold (before
    1677-09-22 or after 2262-04-11) are never shifted into it: the row is undated, its note
    says why, and the text as written stays in the original column.
    """
    n = len(table)
    lookup = {str(c).strip().lower(): c for c in table.columns}
    sources: list[tuple] = [
        (lookup[a], lookup[b]) for a, b in _DATE_PAIRS if a in lookup and b in lookup
    ]
    column = next((lookup[c] for c in _DATE_NAMES if c in lookup), None)
    if column is not None:
        sources.append((column,))
    first = np.full(n, _NAT)
    last = np.full(n, _NAT)
    precision = np.full(n, "", dtype=object)
    todo = np.ones(n, dtype=bool)
    # row by row, the first source that holds anything: a table that joins UCDP events
    # (date_start, date_end) and other reports (date) dates each row from its own columns
    for source in sources:
        present = todo & np.logical_or.reduce([(text(c) != "").to_numpy() for c in source])
        if not present.any():
            continue
        notes = np.full(n, "", dtype=object)
        if len(source) == 2:
            f, la, pr = _pair_dates(source[0], source[1], lookup, notes, text)
        else:
            written = text(source[0])
            f, la, pr, unread, outside = _read_dates(written)
            _note_dates(notes, written, unread, outside, "date", "the row is treated as undated")
            if str(source[0]).strip().lower() == "event_date" and "time_precision" in lookup:
                _acled_precision(f, la, pr, text(lookup["time_precision"]), notes)
        first[present], last[present], precision[present] = f[present], la[present], pr[present]
        for i in np.flatnonzero(present & (notes != "")):
            note[i] = f"{note[i]}; {notes[i]}" if note[i] else notes[i]
        todo &= ~present
    return (
        pd.Series(first.astype("datetime64[ns]")),
        pd.Series(last.astype("datetime64[ns]")),
        precision,
    )


_US = "datetime64[us]"
#: A time of day followed by a zone (Z, UTC, GMT, +03:00, -0400): an "instant" in UTC.
_ZONED = r"[0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?\s*(z|utc|gmt|[+-][0-9]{2}(:?[0-9]{2})?)$"
_NAT = np.datetime64("NaT", "us")
_EARLIEST_US = _EARLIEST.to_datetime64()
_LATEST_US = _LATEST.to_datetime64()
# a whole year or month, written without a day (RE2 for arrow, and pandas' extract)
_YEAR = r"^[0-9]{4}$"
_YEAR_MONTH = r"^([0-9]{4})[-/.]([0-9]{1,2})$"  # 2018-06, 2018/6
_MONTH_YEAR = r"^([0-9]{1,2})[-/.]([0-9]{4})$"  # 06/2018
_NAMED_MONTH = r"^([A-Za-z]{3,9})\.?,?\s+([0-9]{4})$"  # June 2018, Jun. 2018
#: Days written as ACLED's exports and European spreadsheets write them, read as "mixed"
#: with `dayfirst` would read them, but many times faster.
_DAY_FORMATS = (
    (r"^[0-9]{1,2} [A-Za-z]+ [0-9]{4}$", ("%d %B %Y", "%d %b %Y")),
    (r"^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$", ("%d/%m/%Y",)),
)
_MONTH_NAMES = {
    name: k
    for k, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        1,
    )
    for name in names
}


def _slash_order(cells: pd.Series) -> tuple[tuple[str, ...], np.ndarray]:
    """How a column writes ``dd/dd/yyyy``: the format, and the cells it cannot settle.

    A cell whose first number is above 12 shows the column is day-first (15/06/2018); one
    whose second is, month-first (06/15/2018). Day-first unless only month-first is
    shown (geozones' documented default). When the column shows both, a cell that could be
    read either way (06/07/2018, not 07/07/2018) is not guessed: it is left unread.
    """
    parts = cells.str.extract(r"^([0-9]{1,2})/([0-9]{1,2})/")
    one, two = _to_float(parts[0]), _to_float(parts[1])
    day_first, month_first = bool((one > 12).any()), bool((two > 12).any())
    either = (one <= 12) & (two <= 12) & (one != two)
    if day_first and month_first:
        return ("%d/%m/%Y", "%m/%d/%Y"), either
    if month_first:
        return ("%m/%d/%Y",), np.zeros(len(cells), dtype=bool)
    return ("%d/%m/%Y",), np.zeros(len(cells), dtype=bool)


def _read_dates(written: pd.Series):
    """(first instant, last day, precision, not understood, outside) of each cell.

    A year (``2018``, or the number 2018) is the whole year, ``"year"``; a month
    (``2018-06``, ``06/2018``, ``June 2018``, ``Jun 2018``) the whole month, ``"month"``; a
    date that day, and a date and time that instant (the last day is the instant then),
    ``"day"``. The instants are ``datetime64[us]`` arrays, NaT where a cell is empty, not
    understood, or outside the dates ``datetime64[ns]`` holds (both masks say which).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(written)
    first = np.full(n, _NAT)
    last = np.full(n, _NAT)
    precision = np.full(n, "", dtype=object)
    filled = (written != "").to_numpy(dtype=bool)
    if not filled.any():
        return first, last, precision, np.zeros(n, bool), np.zeros(n, bool)
    days = _iso_dates(written)
    if days is not None:  # the common case, every cell YYYY-MM-DD: no more to look at
        first = days.to_numpy().astype(_US)
        last = first.copy()
        precision[filled] = "day"
    else:
        rest = filled.copy()
        arr = pa.array(written.array, type=pa.string())  # arrow-backed: no copy
        for pattern in (_YEAR, _YEAR_MONTH, _MONTH_YEAR, _NAMED_MONTH):
            hit = rest & pc.match_substring_regex(arr, pattern).to_numpy(zero_copy_only=False)
            if not hit.any():
                continue
            cells = written[hit]
            if pattern == _YEAR:
                years, months = _to_float(cells), None
            else:
                parts = cells.str.extract(pattern)
                year_first = pattern == _YEAR_MONTH
                year_part, month_part = parts[0 if year_first else 1], parts[1 if year_first else 0]
                years = _to_float(year_part)
                if pattern == _NAMED_MONTH:
                    months = month_part.str.lower().map(_MONTH_NAMES).to_numpy(dtype=float)
                else:
                    months = _to_float(month_part)
                known = (months >= 1) & (months <= 12)  # NaN: not a month name
                hit[np.flatnonzero(hit)[~known]] = False  # left to the parser below
                years, months = years[known], months[known]
            if not hit.any():
                continue
            y = years.astype(np.int64) - 1970
            if months is None:
                start, span = y.astype("datetime64[Y]"), np.timedelta64(1, "Y")
                kind = "year"
            else:
                start = (y * 12 + months.astype(np.int64) - 1).astype("datetime64[M]")
                span, kind = np.timedelta64(1, "M"), "month"
            first[hit] = start.astype(_US)
            last[hit] = ((start + span).astype("datetime64[D]") - 1).astype(_US)
            precision[hit] = kind
            rest &= ~hit
        if rest.any():  # dates, and dates and times: pandas (offsets stored as UTC)
            cells = written[rest]
            parsed = pd.Series(np.full(len(cells), _NAT), index=cells.index)
            shapes = pa.array(cells.array, type=pa.string())
            unsettled = np.zeros(len(cells), dtype=bool)
            for shape, formats in _DAY_FORMATS:  # vectorised, where "mixed" goes cell by cell
                matched = pc.match_substring_regex(shapes, shape).to_numpy(zero_copy_only=False)
                if formats == ("%d/%m/%Y",) and matched.any():
                    formats, ambiguous = _slash_order(cells[matched])
                    unsettled[np.flatnonzero(matched)[ambiguous]] = True
                    matched &= ~unsettled  # left unread: neither order is guessed
                for written_as in formats:
                    retry = parsed.isna().to_numpy() & matched
                    if retry.any():
                        parsed[retry] = _parse_dates(cells[retry], format=written_as)
            retry = parsed.isna() & ~unsettled
            if retry.any():
                parsed[retry] = _parse_dates(cells[retry], format="ISO8601")
            retry = parsed.isna() & ~unsettled
            if retry.any():
                parsed[retry] = _parse_dates(cells[retry], format="mixed", dayfirst=True)
            values = parsed.to_numpy().astype(_US)
            first[rest] = values
            last[rest] = values  # a day at midnight, or an instant
            # a time with a zone is kept in UTC: where it happened, the calendar day may be
            # the one before or after, which judging a scenario's dates must allow for
            zoned = pc.match_substring_regex(shapes, _ZONED, ignore_case=True)
            kinds = np.where(zoned.to_numpy(zero_copy_only=False), "instant", "day")
            precision[rest] = kinds.astype(object)
    dated = ~np.isnat(first)
    outside = dated & ((first < _EARLIEST_US) | (last > _LATEST_US))
    unread = filled & ~dated
    first[outside] = _NAT
    last[outside] = _NAT
    precision[~dated | outside] = ""
    return first, last, precision, unread, outside


def _note_dates(note, written: pd.Series, unread, outside, name: str, then: str) -> None:
    """Say in `note` which cells of a date column could not be used, and what follows."""
    for i in np.flatnonzero(outside):
        msg = (
            f"{name} {written.iloc[i]!r} is outside the dates geozones can hold "
            f"({_EARLIEST:%Y-%m-%d} to {_LATEST:%Y-%m-%d}); {then}"
        )
        note[i] = f"{note[i]}; {msg}" if note[i] else msg
    for i in np.flatnonzero(unread):
        msg = f"{name} {written.iloc[i]!r} not understood; {then}"
        note[i] = f"{note[i]}; {msg}" if note[i] else msg


def _add_note(note, mask, msg: str) -> None:
    for i in np.flatnonzero(mask):
        note[i] = f"{note[i]}; {msg}" if note[i] else msg


def _pair_dates(start_column, end_column, lookup, note, text):
    """(first instant, last day, precision) from a start column and an end column.

    The end is inclusive. The precision is UCDP's ``date_prec`` (or a ``date_precision``
    column, as geozones writes it) when there is one, else ``"day"`` for one day, the
    precision both cells share when they say the same (``2018`` and ``2018``), else
    ``"range"``. An end that is missing or not understood leaves the start alone, with a
    note (an empty end is noted only for UCDP's ``date_end``, where it should not be);
    an end before the start is a note and the row is undated: never swapped silently.
    """
    s_name, e_name = str(start_column), str(end_column)
    s_text, e_text = text(start_column), text(end_column)
    s_first, s_last, s_prec, s_unread, s_out = _read_dates(s_text)
    e_first, e_last, e_prec, e_unread, e_out = _read_dates(e_text)
    _note_dates(note, s_text, s_unread, s_out, s_name, "the row is treated as undated")
    s_ok, e_ok = ~np.isnat(s_first), ~np.isnat(e_first)
    alone = s_ok & ~e_ok
    _note_dates(note, e_text, e_unread & alone, e_out & alone, e_name, f"{s_name} used alone")
    e_empty = (e_text == "").to_numpy(dtype=bool)
    if s_name.strip().lower() == "date_start":
        _add_note(note, alone & e_empty, f"{e_name} is empty; {s_name} used alone")
    s_empty = (s_text == "").to_numpy(dtype=bool)
    _add_note(
        note,
        s_empty & e_ok,
        f"{s_name} is empty and {e_name} alone does not say when it began; "
        "the row is treated as undated",
    )
    both = s_ok & e_ok
    first = np.where(s_ok, s_first, _NAT)
    last = np.where(both, e_last, np.where(alone, s_last, _NAT))
    swapped = both & (e_last.astype("datetime64[D]") < s_first.astype("datetime64[D]"))
    for i in np.flatnonzero(swapped):
        msg = (
            f"{e_name} before {s_name}: the dates are swapped? treated as undated "
            f"({e_name} {e_text.iloc[i]!r}, {s_name} {s_text.iloc[i]!r})"
        )
        note[i] = f"{note[i]}; {msg}" if note[i] else msg
    # the same day, the start at a time of day and the end a day: up to the start's instant
    last = np.where(both & ~swapped & (last < first), first, last)
    same = both & (s_first == e_first) & (s_last == e_last)
    precision = np.where(same, s_prec, np.where(both, "range", s_prec)).astype(object)
    day = both & (first.astype("datetime64[D]") == last.astype("datetime64[D]"))
    precision[day & ~same] = "day"
    coded = _precision_codes(lookup, text, len(first))
    if coded is not None:
        given = both & (coded != "")
        precision[given] = coded[given]
        precision[given & (precision == "day") & ~day] = "range"  # a day spans no days
    first[swapped] = _NAT
    last[swapped] = _NAT
    precision[~s_ok | swapped] = ""
    return first, last, precision


def _precision_codes(lookup, text, n: int) -> np.ndarray | None:
    """Precision per row from UCDP's ``date_prec`` codes or a ``date_precision`` column.

    Row by row, the first of the two that says something (a table joining UCDP events and
    other reports has ``date_prec`` only on the events).
    """
    found = None
    for name in ("date_prec", DATE_PRECISION):
        if name not in lookup:
            continue
        written = text(lookup[name])
        codes = pd.Series(_to_float(written)).map(_UCDP_DATE_PREC)
        named = written.str.lower()
        named = named.where(named.isin(DATE_PRECISIONS), "").to_numpy(dtype=object)
        these = np.where(codes.notna().to_numpy(), codes.to_numpy(dtype=object), named)
        found = these if found is None else np.where(found != "", found, these)
    return found


def _acled_precision(first, last, precision, codes_text: pd.Series, note) -> None:
    """Widen ACLED's dates by its ``time_precision`` (in place).

    ACLED's codebook: ``time_precision`` 1, the source gives the day; 2, only the week (or
    weekend) it happened in; 3, only the month. Which day of that week ``event_date`` then
    holds is not stated in the codebook entries geozones was checked against, so 2 is read
    as ``event_date`` ± 6 days, a span that holds every week (or weekend) containing that
    day; 3 is the whole calendar month of ``event_date``. Both are geozones' choices, made
    so that the range surely holds the event.
    """
    codes = _to_float(codes_text)
    day = precision == "day"
    week = day & (codes == 2)
    if week.any():
        d = first[week].astype("datetime64[D]")
        first[week] = (d - 6).astype(_US)
        last[week] = (d + 6).astype(_US)
        precision[week] = "week"
    month = day & (codes == 3)
    if month.any():
        m = first[month].astype("datetime64[M]")
        first[month] = m.astype(_US)
        last[month] = ((m + 1).astype("datetime64[D]") - 1).astype(_US)
        precision[month] = "month"
    outside = (week | month) & ((first < _EARLIEST_US) | (last > _LATEST_US))
    if outside.any():  # within days of 1677-09-21 or 2262-04-11: never shifted
        first[outside] = _NAT
        last[outside] = _NAT
        precision[outside] = ""
        _add_note(
            note,
            outside,
            "the week or month of time_precision reaches outside the dates geozones can "
            "hold; the row is treated as undated",
        )


# --------------------------------------------------------------------------------------
# Formulas: what a spreadsheet would run is written as text, and read back as it was
# --------------------------------------------------------------------------------------

# OWASP's CSV-injection guidance: a cell that starts with = + - @ tab or carriage return is
# a formula to a spreadsheet. The writer puts a single quote before such text, and before
# text that already starts with quotes followed by one of those, so that the reader can
# take exactly one quote off again. Plain numbers ("-33.5", "+1e5", "35,8") are not touched.
_FORMULA = r"^'*[=+\-@\t\r]"
_NEUTRALISED = r"^'+[=+\-@\t\r]"
_NUMBER = r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)(?:[eE][+-]?[0-9]+)?"
_PLAIN_NUMBER = f"^{_NUMBER}$"  # for arrow (RE2), where $ is the end of the text


def _neutralise_text(text: str) -> str:
    """`text` as :func:`save_positions` writes it to CSV: a quote before formula text."""
    if re.match(_FORMULA, text) and not re.fullmatch(_NUMBER, text):
        return "'" + text
    return text


def _unneutralise_text(text: str) -> str:
    """`text` as :func:`read_positions` reads it: one quote fewer before formula text."""
    return text[1:] if re.match(_NEUTRALISED, text) else text


def _neutralise(arrow):
    """Every text cell of an arrow table through :func:`_neutralise_text`, vectorised.

    Only text whose first byte may start a formula is looked at with the regular
    expressions, and categories are neutralised in their dictionaries: a table of numbers
    and ordinary words costs one look at each cell's first byte.
    """
    import pyarrow as pa

    columns = []
    for column in arrow.columns:
        chunks = [_neutralise_chunk(chunk) for chunk in column.chunks]
        columns.append(pa.chunked_array(chunks, type=chunks[0].type) if chunks else column)
    names = [_neutralise_text(str(name)) for name in arrow.column_names]
    return pa.table(columns, names=names)


_FORMULA_BYTES = np.frombuffer(b"=+-@\t\r'", dtype=np.uint8)


def _neutralise_chunk(chunk):
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = chunk.type
    if pa.types.is_dictionary(kind) and pa.types.is_string(kind.value_type):
        values = _neutralise_chunk(chunk.dictionary)  # categories: a few values
        return pa.DictionaryArray.from_arrays(chunk.indices, values, ordered=kind.ordered)
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)) or len(chunk) == 0:
        return chunk  # numbers, dates, booleans: as they are
    _, offsets, data = chunk.buffers()
    if data is None or data.size == 0:
        return chunk  # every cell empty
    width = np.int64 if pa.types.is_large_string(kind) else np.int32
    ends = np.frombuffer(offsets, dtype=width)[chunk.offset : chunk.offset + len(chunk) + 1]
    starts = ends[:-1]
    first = np.frombuffer(data, dtype=np.uint8)[np.minimum(starts, data.size - 1)]
    if not np.isin(first[ends[1:] > starts], _FORMULA_BYTES).any():
        return chunk  # no cell starts with what a formula (or a neutralised one) starts with
    risky = pc.and_(
        pc.match_substring_regex(chunk, _FORMULA),
        pc.invert(pc.match_substring_regex(chunk, _PLAIN_NUMBER)),
    )
    if not pc.any(risky).as_py():
        return chunk
    quote, nothing = pa.scalar("'", kind), pa.scalar("", kind)
    return pc.if_else(risky, pc.binary_join_element_wise(quote, chunk, nothing), chunk)


def _unneutralise(arrow):
    """Take off the quote that :func:`save_positions` put before formula-like text."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = []
    changed = False
    for column in arrow.columns:
        if len(column) and pc.any(pc.starts_with(column, "'")).as_py():
            marked = pc.match_substring_regex(column, _NEUTRALISED)
            column = pc.if_else(marked, pc.utf8_slice_codeunits(column, 1), column)
            changed = True
        columns.append(column)
    return pa.table(columns, names=arrow.column_names) if changed else arrow


def _unneutralise_text(text: str) -> str:
    return text[1:] if re.match(_NEUTRALISED, text) else text


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------

_WRITERS = {
    ".gpkg": "GPKG",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".kml": "LIBKML",
    ".csv": None,
}


def save_positions(
    positions: gpd.GeoDataFrame,
    path: str | os.PathLike,
    *,
    layer: str | None = None,
    raw: bool = False,
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

    Raises
    ------
    InputError
        An unknown extension, a `layer` for a format other than GeoPackage, or column
        names that repeat (or, except in CSV, differ only in case). Nothing is written.
    OutputError
        The file cannot be written; an existing one is left as it was.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "p.csv"
    >>> save_positions(read_positions(pd.DataFrame({"lat": [33.1], "lon": [35.8]})), out)
    >>> pd.read_csv(out).columns[:3].tolist()
    ['row', 'lon', 'lat']
    """
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
            _write_csv(pd.DataFrame(out.drop(columns=out.geometry.name)), tmp, raw=raw)
        return
    if suffix == ".kml":  # the placemark's name and description: the table's own are kept
        out = out.rename(columns=_free_names(out.columns, ("name", "description")))
        out["name"] = out.get(ACTOR, pd.Series([""] * len(out))).astype(str)
        out["description"] = out.get(ERROR, pd.Series([""] * len(out))).astype(str)
    write_vector(out, path, driver=_WRITERS[suffix], layer=layer)


def _free_names(columns, wanted) -> dict:
    """``{column: src_ name}`` for the columns whose name is one of `wanted` (without case)."""
    taken = {str(c).lower() for c in columns} | set(wanted)
    renames = {}
    for column in columns:
        if str(column).lower() in wanted:
            new, k = f"src_{column}", 1
            while new.lower() in taken:
                k += 1
                new = f"src_{k}_{column}"
            taken.add(new.lower())
            renames[column] = new
    return renames


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


def _write_csv(table: pd.DataFrame, path: str, *, raw: bool = False) -> None:
    """Write CSV with pyarrow (several times faster than pandas for large tables).

    Text that a spreadsheet would run as a formula is neutralised unless `raw`
    (:func:`_neutralise`). Large tables are formatted in pieces on two threads (arrow
    releases the GIL) while a third writes the finished pieces in order, the header once.
    """
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    try:
        arrow = pa.Table.from_pandas(table, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed types in a column: write text
        arrow = pa.Table.from_pandas(table.astype(str), preserve_index=False)
    if not raw:
        arrow = _neutralise(arrow)

    def piece(start: int) -> pa.Buffer:
        sink = pa.BufferOutputStream()
        options = pa_csv.WriteOptions(quoting_style="needed", include_header=start == 0)
        pa_csv.write_csv(arrow.slice(start, _CSV_PIECE_ROWS), sink, write_options=options)
        return sink.getvalue()

    starts = list(range(0, max(len(arrow), 1), _CSV_PIECE_ROWS))
    with (
        open(path, "wb") as out,
        ThreadPoolExecutor(max_workers=2) as formatters,
        ThreadPoolExecutor(max_workers=1) as writer,
    ):
        pending = [formatters.submit(piece, start) for start in starts[:_CSV_AHEAD]]
        written = None
        for k in range(len(starts)):  # in order, a bounded number of pieces in memory
            buffer = pending[k].result()
            pending[k] = None
            if k + _CSV_AHEAD < len(starts):
                pending.append(formatters.submit(piece, starts[k + _CSV_AHEAD]))
            if written is not None:
                written.result()
            written = writer.submit(out.write, buffer)
        if written is not None:
            written.result()


def _cell_text(value) -> object:
    if isinstance(value, list | tuple | np.ndarray):
        return "; ".join(map(str, value))
    return value
