"""Columns: the standard columns of positions, the one column map, and cells as text.

The standard columns are the names every result of :func:`geozones.read_positions` has
(:data:`STANDARD_COLUMNS`). :data:`COLUMN_NAMES` is the one map of the names each is read
from; :func:`find_column` finds one. Cells are read as stripped text (:func:`cell_text`),
where what only says "missing" (:data:`MISSING`) is empty, and as numbers
(:func:`to_float`). :func:`kept_column_names` names the original columns a result keeps.

Examples
--------
>>> import pandas as pd
>>> table = pd.DataFrame({"Latitude": ["33.1"], "Where": [" N/A "]})
>>> find_column(table, None, COLUMN_NAMES[LAT], what="latitude", label="the table")
'Latitude'
>>> cell_text(table["Where"]).tolist()
['']
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from geozones.errors import InputError

__all__ = [
    "as_text",
    "ACTOR",
    "ACTOR_PARTS",
    "CLAIM_TEXT",
    "COLUMN_NAMES",
    "DATE",
    "DATE_PAIRS",
    "DATE_PRECISION",
    "DATE_TO",
    "DENIED_BY",
    "ERROR",
    "LAT",
    "LOCATION_METHOD",
    "LON",
    "MISSING",
    "NOTE",
    "PLACE",
    "RADIUS_COLUMNS",
    "ROW",
    "SOURCE",
    "STANDARD_COLUMNS",
    "STATUS",
    "UNCERTAINTY_M",
    "URL",
    "actor_text",
    "cell_text",
    "find_column",
    "first_text",
    "free_column_name",
    "is_text_column",
    "kept_column_names",
    "option_names",
    "text_reader",
    "to_float",
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

#: The column map: for each standard column, and for the columns that locate a position
#: (``"coordinates"``, ``"mgrs"`` and the governorate, ``"admin1"``), the names it is read
#: from, first found first. Names are compared without case and spaces at either end.
COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    LAT: (
        "lat",
        "latitude",
        "y",
        "lat_dd",
        "latitude_dd",
        "lat_deg",
        "lat_wgs84",
        "decimal_latitude",
        "latitude_wgs84",
    ),
    LON: (
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
    ),
    "coordinates": (
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
    ),
    "mgrs": (
        "mgrs",
        "grid",
        "grid_ref",
        "grid_reference",
        "gridref",
        "mgrs_ref",
        "mgrs_grid",
        "mgrs_coordinates",
    ),
    PLACE: (
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
    ),
    "admin1": (
        "admin1",
        "adm_1",
        "adm1",
        "governorate",
        "province",
        "muhafazah",
        "state",
        "admin_1",
    ),
    ACTOR: (
        "actor",
        "actors",
        "who",
        "force",
        "forces",
        "unit",
        "group",
        "perpetrator",
        "armed_group",
    ),
    DATE: (
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
    ),
    SOURCE: ("source", "sources", "source_office", "reported_by", "outlet", "publisher"),
    URL: ("url", "link", "source_url", "href", "source_link", "uri"),
    STATUS: ("status", "claim_status", "verification", "verification_status"),
    DENIED_BY: ("denied_by", "denial", "denied", "disputed_by"),
    CLAIM_TEXT: ("claim_text", "quote", "excerpt", "statement"),
}

#: Columns that give a date range, first and last day inclusive: UCDP GED's, then others.
DATE_PAIRS = (
    ("date_start", "date_end"),
    ("date_from", "date_to"),
    ("start_date", "end_date"),
    ("date", "date_to"),  # geozones' own output, read again
)
#: Radius columns, and the metres in one unit of each.
RADIUS_COLUMNS = {
    "uncertainty_m": 1.0,
    "precision_m": 1.0,
    "radius_m": 1.0,
    "accuracy_m": 1.0,
    "error_m": 1.0,
    "uncertainty_km": 1000.0,
    "radius_km": 1000.0,
    "precision_km": 1000.0,
}
#: Columns that name who, joined with "; " (UCDP's sides, ACLED's actors): where they
#: name anyone, they are the row's actor; else the plain actor column is.
ACTOR_PARTS = (("side_a", "side_b"), ("actor1", "assoc_actor_1", "actor2", "assoc_actor_2"))

#: What a cell may say to mean "missing", compared without case.
MISSING = {"", "na", "n/a", "n.a.", "nan", "null", "none", "-", "--", "?", "unknown", "#n/a"}


def find_column(
    table: pd.DataFrame,
    wanted: str | None,
    candidates,
    *,
    what: str,
    label: str,
    option: str | None = None,
):
    """The column named `wanted`, else the first column whose name is a candidate.

    `option` names the argument that gave `wanted` (``"lat_column"``): a column that does
    not exist is refused with a message naming it, as the command line and Python spell it.
    """
    lookup = {str(c).strip().lower(): c for c in table.columns}
    if wanted is not None:
        if wanted in table.columns:
            return wanted
        if str(wanted).strip().lower() in lookup:
            return lookup[str(wanted).strip().lower()]
        given = f" named by {option_names(option)}" if option else ""
        msg = f"{label}: no column {wanted!r} for the {what}{given}; columns: {list(table.columns)}"
        raise InputError(msg)
    for name in candidates:
        if name in lookup:
            return lookup[name]
    return None


def option_names(*options: str) -> str:
    """Options of :func:`geozones.read_positions` as the command line and Python spell them.

    Examples
    --------
    >>> option_names("lat_column", "lon_column")
    '--lat-column/--lon-column (lat_column=, lon_column= in Python)'
    """
    cli = "/".join("--" + name.replace("_", "-") for name in options)
    python = ", ".join(f"{name}=" for name in options)
    return f"{cli} ({python} in Python)"


def as_text(values: pd.Series) -> pd.Series:
    """Values as stripped text, "" where missing (no token is read as missing).

    Unlike :func:`cell_text`, which reads a source's cells ("N/A" is missing there), this
    reads what geozones itself holds: results, claims, verdicts.

    Examples
    --------
    >>> as_text(pd.Series([" a ", None, float("nan"), "N/A"])).tolist()
    ['a', '', '', 'N/A']
    """
    values = values.astype(object)
    return values.where(values.notna(), "").astype(str).str.strip()


def cell_text(series: pd.Series) -> pd.Series:
    """Cells as stripped text; missing-value tokens and missing cells become ""."""
    if _is_plain_number(series.dtype):  # numbers from GeoPackage, Parquet, ...: by arrow
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = pa.array(series.to_numpy(), from_pandas=True)  # NaN: missing
        text = pc.fill_null(pc.cast(arr, pa.string()), "")  # 12.0 -> "12", like a sheet
        return pd.Series(pd.array(text, dtype=pd.StringDtype("pyarrow")), index=series.index)
    if not isinstance(series.dtype, pd.StringDtype):
        values = series.astype(object)
        floats = values.map(lambda v: isinstance(v, float) and v.is_integer())
        if floats.any():  # 12.0 read from a workbook is the number 12
            values[floats] = values[floats].map(lambda v: str(int(v)))
        series = values.astype(pd.StringDtype("pyarrow"))
    text = series.fillna("").str.strip()
    return text.mask(text.str.lower().isin(MISSING), "")


def _is_plain_number(dtype) -> bool:
    """A numpy integer or float column (not bool, not nullable, not object)."""
    return isinstance(dtype, np.dtype) and dtype.kind in "iuf"


def to_float(text: pd.Series) -> np.ndarray:
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


def is_text_column(table: pd.DataFrame, column) -> bool:
    """Whether a column holds text as written (CSV, or strings in a DataFrame)."""
    if table.attrs.get("text_source"):
        return True
    return pd.api.types.infer_dtype(table[column], skipna=True) == "string"


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


def text_reader(table: pd.DataFrame) -> Callable[..., pd.Series]:
    """A function from a column of `table` to its cells as text (:func:`cell_text`).

    Each column is read once, however often it is asked for; the cells come back indexed
    0 to n - 1.
    """
    memo: dict = {}

    def text(column) -> pd.Series:
        if column not in memo:
            memo[column] = cell_text(table[column]).reset_index(drop=True)
        return memo[column]

    return text


def first_text(table, names, text) -> pd.Series:
    """The cells (read by `text`) of the first column named one of `names`, else ""."""
    lookup = {str(c).strip().lower(): c for c in table.columns}
    for name in names:
        if name in lookup:
            return text(lookup[name])
    return pd.Series(np.full(len(table), "", dtype=object))


def actor_text(table, text) -> pd.Series:
    """Who is named in each row: ACLED's actors or UCDP's sides joined by "; ".

    Row by row: where those cells are empty, the plain actor column (a table joining UCDP
    events and other reports keeps both).
    """
    lookup = {str(c).strip().lower(): c for c in table.columns}
    plain = first_text(table, COLUMN_NAMES[ACTOR], text).reset_index(drop=True)
    found = plain
    for group in ACTOR_PARTS:
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
