"""Dates as ranges: when each position held, read from the date columns of a table.

A position's date is a range, its first instant and its last day inclusive, with how
much of it the source gave (:data:`DATE_PRECISIONS`): UCDP's start and end and its
``date_prec``, ACLED's ``time_precision``, a year, a month, a day or an instant. Dates that
``datetime64[ns]`` cannot hold are never shifted into it: the row is undated, with a note.
:func:`read_date_ranges` reads them for :func:`geozones.read_positions`, whose Notes
describe the rules.

Examples
--------
>>> import pandas as pd
>>> from geozones.columns import cell_text
>>> table = pd.DataFrame({"date": ["2018", "June 2018", "2018-06-30"]})
>>> note = np.full(3, "", dtype=object)
>>> first, last, precision = read_date_ranges(table, note, lambda c: cell_text(table[c]))
>>> [f"{a:%Y-%m-%d} {b:%Y-%m-%d} {p}" for a, b, p in zip(first, last, precision)]
['2018-01-01 2018-12-31 year', '2018-06-01 2018-06-30 month', '2018-06-30 2018-06-30 day']
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from geozones.columns import COLUMN_NAMES, DATE, DATE_PAIRS, DATE_PRECISION, to_float

if TYPE_CHECKING:
    from pandas.api.typing import NaTType

__all__ = ["DATE_PRECISIONS", "read_date_ranges"]

#: The values of :data:`DATE_PRECISION`: how much of the date the source gives ("range": a
#: span of days between two dates given, UCDP's 2 to 6 days or an explicit start and end;
#: "" when undated).
DATE_PRECISIONS = ("day", "instant", "week", "month", "year", "range")
#: UCDP GED ``date_prec``: 1 the day, 2 two to six days, 3 the week, 4 eight to thirty days
#: or the month, 5 more than a month or the year (``date_start`` and ``date_end`` give the
#: span itself).
_UCDP_DATE_PREC = {1: "day", 2: "range", 3: "week", 4: "month", 5: "year"}

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


def _parse_date(value: str, options) -> pd.Timestamp | NaTType:
    try:
        return pd.to_datetime(value, utc=True, **options)
    except (OverflowError, ValueError):
        return pd.NaT


def read_date_ranges(table, note, text) -> tuple[pd.Series, pd.Series, np.ndarray]:
    """(:data:`DATE`, :data:`DATE_TO`, :data:`DATE_PRECISION`) of every row.

    From the first that applies: a pair of columns giving the first and last day (UCDP's
    ``date_start`` and ``date_end``, with ``date_prec``; ``date_from``/``date_to``,
    ``start_date``/``end_date``, or ``date``/``date_to`` as geozones writes them); else one
    date column (:data:`COLUMN_NAMES[DATE]`), widened by ACLED's ``time_precision`` for
    ``event_date``. The dates are ``datetime64[ns]``: dates it cannot hold (before
    1677-09-22 or after 2262-04-11) are never shifted into it: the row is undated, its note
    says why, and the text as written stays in the original column.
    """
    n = len(table)
    lookup = {str(c).strip().lower(): c for c in table.columns}
    sources: list[tuple] = [
        (lookup[a], lookup[b]) for a, b in DATE_PAIRS if a in lookup and b in lookup
    ]
    column = next((lookup[c] for c in COLUMN_NAMES[DATE] if c in lookup), None)
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
#: Day arithmetic with a unit: NumPy 2.5 deprecates adding a bare integer to a date.
_ONE_DAY = np.timedelta64(1, "D")
_EARLIEST_US = _EARLIEST.to_datetime64()
_LATEST_US = _LATEST.to_datetime64()
# a whole year or month, written without a day (RE2 for arrow, and pandas' extract)
_YEAR = r"^[0-9]{4}$"
_YEAR_MONTH = r"^([0-9]{4})[-/.]([0-9]{1,2})$"  # 2018-06, 2018/6
_MONTH_YEAR = r"^([0-9]{1,2})[-/.]([0-9]{4})$"  # 06/2018
_NAMED_MONTH = r"^([A-Za-z]{3,9})\.?,?\s+([0-9]{4})$"  # June 2018, Jun. 2018
#: Days written as ACLED's exports and European spreadsheets write them, read as "mixed"
#: with `dayfirst` would read them, but many times faster.
_DAY_FORMATS: tuple[tuple[str, tuple[str, ...]], ...] = (
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
    one, two = to_float(parts[0]), to_float(parts[1])
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
        rest = _read_periods(written, filled.copy(), first, last, precision)
        if rest.any():  # dates, and dates and times: pandas (offsets stored as UTC)
            first[rest], kinds = _read_days(written[rest])
            last[rest] = first[rest]  # a day at midnight, or an instant
            precision[rest] = kinds
    dated = ~np.isnat(first)
    outside = dated & ((first < _EARLIEST_US) | (last > _LATEST_US))
    unread = filled & ~dated
    first[outside] = _NAT
    last[outside] = _NAT
    precision[~dated | outside] = ""
    return first, last, precision, unread, outside


def _read_periods(written: pd.Series, rest: np.ndarray, first, last, precision) -> np.ndarray:
    """Read the cells of `rest` that are a whole year or month (in place); the others left.

    `first`, `last` and `precision` are set where a cell is read; the mask of the cells
    still to read is returned.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(written.array, type=pa.string())  # arrow-backed: no copy
    for pattern in (_YEAR, _YEAR_MONTH, _MONTH_YEAR, _NAMED_MONTH):
        hit = rest & pc.match_substring_regex(arr, pattern).to_numpy(zero_copy_only=False)
        if not hit.any():
            continue
        cells = written[hit]
        if pattern == _YEAR:
            years, months = to_float(cells), None
        else:
            parts = cells.str.extract(pattern)
            year_first = pattern == _YEAR_MONTH
            year_part, month_part = parts[0 if year_first else 1], parts[1 if year_first else 0]
            years = to_float(year_part)
            if pattern == _NAMED_MONTH:
                months = month_part.str.lower().map(_MONTH_NAMES).to_numpy(dtype=float)
            else:
                months = to_float(month_part)
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
        last[hit] = ((start + span).astype("datetime64[D]") - _ONE_DAY).astype(_US)
        precision[hit] = kind
        rest &= ~hit
    return rest


def _read_days(cells: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Days and instants (``datetime64[us]``, NaT where not read), and their precision.

    The shapes of :data:`_DAY_FORMATS` first, vectorised (a column that shows both orders
    of ``dd/dd/yyyy`` leaves a cell that reads either way unread), then ISO 8601, then
    pandas' "mixed" reading, day first. A time with a zone is an ``"instant"``, kept in
    UTC; the rest are ``"day"``.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

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
    # a time with a zone is kept in UTC: where it happened, the calendar day may be
    # the one before or after, which judging a scenario's dates must allow for
    zoned = pc.match_substring_regex(shapes, _ZONED, ignore_case=True)
    kinds = np.where(zoned.to_numpy(zero_copy_only=False), "instant", "day")
    return parsed.to_numpy().astype(_US), kinds.astype(object)


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
        codes = pd.Series(to_float(written)).map(_UCDP_DATE_PREC)
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
    codes = to_float(codes_text)
    day = precision == "day"
    week = day & (codes == 2)
    if week.any():
        d = first[week].astype("datetime64[D]")
        first[week] = (d - 6 * _ONE_DAY).astype(_US)
        last[week] = (d + 6 * _ONE_DAY).astype(_US)
        precision[week] = "week"
    month = day & (codes == 3)
    if month.any():
        m = first[month].astype("datetime64[M]")
        first[month] = m.astype(_US)
        last[month] = ((m + np.timedelta64(1, "M")).astype("datetime64[D]") - _ONE_DAY).astype(_US)
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
