"""Dates are ranges: UCDP's start and end, ACLED's time precision, years, months, days."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import geozones as gz
from geozones.positions import (
    CLAIM_TEXT,
    DATE,
    DATE_PRECISION,
    DATE_PRECISIONS,
    DATE_TO,
    DENIED_BY,
    ERROR,
    NOTE,
    STANDARD_COLUMNS,
    STATUS,
)

T = pd.Timestamp


def _read(tmp_path, header: str, *rows: str) -> pd.DataFrame:
    """Positions read from a CSV whose every row is at a known point (lat, lon first)."""
    path = tmp_path / "positions.csv"
    lines = [f"lat,lon,{header}", *(f"33.1,35.8,{row}" for row in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    got = gz.read_positions(path)
    assert (got[ERROR] == "").all(), got[ERROR].tolist()
    return got


def _range(got, i: int = 0):
    return got[DATE].iloc[i], got[DATE_TO].iloc[i], got[DATE_PRECISION].iloc[i]


def test_new_standard_columns_sit_next_to_date_and_after_url():
    assert STANDARD_COLUMNS[STANDARD_COLUMNS.index(DATE) :][:3] == (DATE, DATE_TO, DATE_PRECISION)
    assert STANDARD_COLUMNS[STANDARD_COLUMNS.index("url") + 1 :][:3] == (
        STATUS,
        DENIED_BY,
        CLAIM_TEXT,
    )
    assert (DATE_TO, DATE_PRECISION, STATUS, DENIED_BY, CLAIM_TEXT) == (
        "date_to",
        "date_precision",
        "status",
        "denied_by",
        "claim_text",
    )
    assert set(DATE_PRECISIONS) == {"day", "instant", "week", "month", "year", "range"}
    for name in ("DATE_TO", "DATE_PRECISION", "DATE_PRECISIONS", "STATUS", "DENIED_BY"):
        assert name in gz.positions.__all__


# --------------------------------------------------------------------------------------
# UCDP GED: date_start, date_end (inclusive) and date_prec
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code,start,end,precision",
    [
        (1, "2017-03-19", "2017-03-19", "day"),
        (2, "2017-04-20", "2017-04-23", "range"),
        (3, "2017-06-05", "2017-06-11", "week"),
        (4, "2017-07-01", "2017-07-31", "month"),
        (5, "2017-01-01", "2017-12-31", "year"),
    ],
)
def test_ucdp_date_prec_gives_the_precision_and_start_end_the_range(
    tmp_path, code, start, end, precision
):
    got = _read(tmp_path, "date_start,date_end,date_prec", f"{start},{end},{code}")
    assert _range(got) == (T(start), T(end), precision)
    assert got[NOTE].iloc[0] == ""


def test_ucdp_without_date_prec_is_a_day_or_a_range(tmp_path):
    got = _read(tmp_path, "date_start,date_end", "2017-03-19,2017-03-19", "2017-03-19,2017-03-21")
    assert _range(got, 0) == (T("2017-03-19"), T("2017-03-19"), "day")
    assert _range(got, 1) == (T("2017-03-19"), T("2017-03-21"), "range")


def test_ucdp_date_prec_1_over_several_days_is_a_range_not_a_day(tmp_path):
    got = _read(tmp_path, "date_start,date_end,date_prec", "2017-03-19,2017-03-21,1")
    assert _range(got) == (T("2017-03-19"), T("2017-03-21"), "range")


def test_ucdp_missing_or_bad_date_end_uses_date_start_as_a_day_with_a_note(tmp_path):
    got = _read(
        tmp_path,
        "date_start,date_end,date_prec",
        "2017-03-19,,1",
        "2017-03-19,soon,2",
    )
    for i in (0, 1):
        assert _range(got, i) == (T("2017-03-19"), T("2017-03-19"), "day")
    assert "date_end is empty; date_start used alone" in got[NOTE].iloc[0]
    assert "date_end 'soon' not understood; date_start used alone" in got[NOTE].iloc[1]


def test_an_end_before_the_start_is_a_note_and_the_row_undated_never_swapped(tmp_path):
    got = _read(
        tmp_path, "date_start,date_end,date_prec", "2017-06-29,2017-06-02,4", "2017-06-02,,1"
    )
    date, date_to, precision = _range(got, 0)
    assert pd.isna(date) and pd.isna(date_to) and precision == ""
    assert (
        got[NOTE]
        .iloc[0]
        .startswith("date_end before date_start: the dates are swapped? treated as undated")
    )
    assert "'2017-06-02'" in got[NOTE].iloc[0] and "'2017-06-29'" in got[NOTE].iloc[0]
    assert got[ERROR].iloc[0] == ""  # the position itself is fine
    other = _read(tmp_path, "date_from,date_to", "2018-05-02,2018-05-01")
    assert pd.isna(other[DATE].iloc[0]) and other[DATE_PRECISION].iloc[0] == ""
    assert "date_to before date_from: the dates are swapped?" in other[NOTE].iloc[0]


def test_a_start_alone_is_not_a_range_and_an_end_alone_is_undated(tmp_path):
    got = _read(tmp_path, "date_start,date_end", ",2017-03-19", "bad,2017-03-19")
    assert got[DATE].isna().all() and got[DATE_TO].isna().all()
    assert (got[DATE_PRECISION] == "").all()
    assert "date_start is empty and date_end alone does not say when it began" in got[NOTE][0]
    assert "date_start 'bad' not understood; the row is treated as undated" in got[NOTE][1]


def test_the_bundled_ucdp_events_carry_their_own_ranges():
    path = gz.examples.ucdp_events_path()
    got = gz.read_positions(path)
    raw = pd.read_csv(path)
    assert got[DATE].tolist() == pd.to_datetime(raw["date_start"]).tolist()
    assert got[DATE_TO].tolist() == pd.to_datetime(raw["date_end"]).tolist()
    expected = raw["date_prec"].map({1: "day", 2: "range", 3: "week", 4: "month", 5: "year"})
    assert got[DATE_PRECISION].tolist() == expected.tolist()
    assert got[DATE_PRECISION].value_counts().to_dict() == {
        "day": 2032,
        "range": 99,
        "month": 11,
        "week": 2,
        "year": 1,
    }
    assert got[DATE_TO].dtype == got[DATE].dtype == "datetime64[ns]"
    # the originals are kept as they are, beside the standard columns
    assert {"date_start", "date_end", "date_prec", "side_a", "side_b"} <= set(got.columns)


# --------------------------------------------------------------------------------------
# ACLED: event_date and time_precision
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    ["15 June 2018", "2018-06-15"],  # older exports write the month's name
)
@pytest.mark.parametrize(
    "code,first,last,precision",
    [
        (1, "2018-06-15", "2018-06-15", "day"),
        # the week: a span that holds any week (or weekend) that contains the day
        (2, "2018-06-09", "2018-06-21", "week"),
        (3, "2018-06-01", "2018-06-30", "month"),
    ],
)
def test_acled_time_precision_widens_event_date(tmp_path, written, code, first, last, precision):
    got = _read(tmp_path, "event_date,time_precision", f"{written},{code}")
    assert _range(got) == (T(first), T(last), precision)


def test_acled_week_reaches_across_month_and_year_ends(tmp_path):
    got = _read(tmp_path, "event_date,time_precision", "2018-12-29,2", "2018-02-03,3")
    assert _range(got, 0) == (T("2018-12-23"), T("2019-01-04"), "week")
    assert _range(got, 1) == (T("2018-02-01"), T("2018-02-28"), "month")


# --------------------------------------------------------------------------------------
# One date column: years, months, days, instants
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header,written,first,last,precision",
    [
        ("reported", "2018", "2018-01-01", "2018-12-31", "year"),
        ("year", "2016", "2016-01-01", "2016-12-31", "year"),
        ("period", "2018-06", "2018-06-01", "2018-06-30", "month"),
        ("date", "2016-2", "2016-02-01", "2016-02-29", "month"),
        ("date", "June 2018", "2018-06-01", "2018-06-30", "month"),
        ("date", "Jun 2018", "2018-06-01", "2018-06-30", "month"),
        ("date", "06/2018", "2018-06-01", "2018-06-30", "month"),
        ("reported_on", "2018-06-15", "2018-06-15", "2018-06-15", "day"),
        ("date", "15/06/2018", "2018-06-15", "2018-06-15", "day"),
        ("when", "2018-06-15T10:30:00", "2018-06-15 10:30", "2018-06-15 10:30", "day"),
    ],
)
def test_one_date_column_is_a_year_a_month_a_day_or_an_instant(
    tmp_path, header, written, first, last, precision
):
    got = _read(tmp_path, header, written)
    assert _range(got) == (T(first), T(last), precision)
    assert got[NOTE].iloc[0] == ""


def test_a_column_of_mixed_precisions_reads_each_cell_by_its_own(tmp_path):
    got = _read(tmp_path, "date", "2018", "2018-06", "2018-06-15", "2018-06-15 08:00", "")
    assert [_range(got, i)[2] for i in range(5)] == ["year", "month", "day", "day", ""]
    assert pd.isna(got[DATE_TO].iloc[4])
    assert got[DATE_TO].tolist()[:4] == [
        T("2018-12-31"),
        T("2018-06-30"),
        T("2018-06-15"),
        T("2018-06-15 08:00"),
    ]


def test_a_year_as_a_number_is_the_whole_year():
    table = pd.DataFrame({"lat": [33.1, 33.2], "lon": [35.8, 35.8], "year": [2018, 2017]})
    got = gz.read_positions(table)
    assert _range(got, 0) == (T("2018-01-01"), T("2018-12-31"), "year")
    assert _range(got, 1) == (T("2017-01-01"), T("2017-12-31"), "year")
    floats = gz.read_positions(table.astype({"year": float}))  # a workbook's 2018.0
    assert _range(floats, 0) == (T("2018-01-01"), T("2018-12-31"), "year")


def test_years_and_months_that_cannot_be_held_or_read_are_undated_with_a_note(tmp_path):
    got = _read(tmp_path, "reported", "0218", "2262", "2018-13", "Smarch 2018", "2018")
    for i in (0, 1):
        assert pd.isna(got[DATE].iloc[i]) and got[DATE_PRECISION].iloc[i] == ""
        assert "outside the dates geozones can hold" in got[NOTE].iloc[i]
    for i, written in ((2, "2018-13"), (3, "Smarch 2018")):
        assert pd.isna(got[DATE].iloc[i]) and pd.isna(got[DATE_TO].iloc[i])
        expected = f"date {written!r} not understood; the row is treated as undated"
        assert got[NOTE].iloc[i] == expected
    assert _range(got, 4)[2] == "year"


def test_explicit_start_and_end_columns(tmp_path):
    got = _read(
        tmp_path,
        "start_date,end_date",
        "2018-06-01,2018-06-30",
        "2018-06-01,2018-06-01",
        "2018,2018",
    )
    assert _range(got, 0) == (T("2018-06-01"), T("2018-06-30"), "range")
    assert _range(got, 1) == (T("2018-06-01"), T("2018-06-01"), "day")
    assert _range(got, 2) == (T("2018-01-01"), T("2018-12-31"), "year")
    pair = _read(tmp_path, "date_from,date_to", "2018-06-01,2018-06-03", "2018-06-01,")
    assert _range(pair, 0) == (T("2018-06-01"), T("2018-06-03"), "range")
    assert _range(pair, 1) == (T("2018-06-01"), T("2018-06-01"), "day")
    assert pair[NOTE].iloc[1] == ""  # an empty end is one day here, as written


def test_no_date_column_leaves_every_row_undated_without_a_note():
    got = gz.read_positions(pd.DataFrame({"lat": [33.1], "lon": [35.8]}))
    assert pd.isna(got[DATE].iloc[0]) and pd.isna(got[DATE_TO].iloc[0])
    assert got[DATE_TO].dtype == "datetime64[ns]"
    assert got[DATE_PRECISION].iloc[0] == "" and got[NOTE].iloc[0] == ""
    assert (got[STATUS].iloc[0], got[DENIED_BY].iloc[0], got[CLAIM_TEXT].iloc[0]) == ("", "", "")


# --------------------------------------------------------------------------------------
# Claims
# --------------------------------------------------------------------------------------


def test_the_bundled_claims_are_dated_2018_and_keep_their_status_and_denial():
    got = gz.read_positions(gz.examples.reported_positions_path())
    raw = pd.read_csv(gz.examples.reported_positions_path())
    assert len(got) == 4 and (got[ERROR] == "").all()
    assert (got[DATE] == T("2018-01-01")).all()
    assert (got[DATE_TO] == T("2018-12-31")).all()
    assert (got[DATE_PRECISION] == "year").all()
    assert (got[STATUS] == "reported; denied").all()
    assert (got[DENIED_BY] == "a Syria-based official of the Iran-led axis").all()
    assert got[CLAIM_TEXT].tolist() == raw["claim_text"].tolist()
    assert got[CLAIM_TEXT].str.startswith("Iranian advisers and Hezbollah fighters").all()
    # held exactly by the standard columns: not repeated; the year column is kept
    for name in ("src_status", "src_denied_by", "src_claim_text"):
        assert name not in got.columns
    assert "reported" in got.columns


@pytest.mark.parametrize(
    "status,denied,claim",
    [
        ("status", "denied_by", "claim_text"),
        ("claim_status", "denial", "quote"),
        ("verification_status", "disputed_by", "statement"),
    ],
)
def test_claim_columns_are_read_under_their_common_names(status, denied, claim):
    table = pd.DataFrame(
        {
            "lat": [33.1, 33.2],
            "lon": [35.8, 35.8],
            status: ["reported; denied", "N/A"],
            denied: ["an official", None],
            claim: ["fighters withdrew", ""],
        }
    )
    got = gz.read_positions(table)
    assert got[STATUS].tolist() == ["reported; denied", ""]
    assert got[DENIED_BY].tolist() == ["an official", ""]
    assert got[CLAIM_TEXT].tolist() == ["fighters withdrew", ""]


def test_a_status_column_the_standard_one_does_not_hold_exactly_is_kept():
    table = pd.DataFrame({"lat": [33.1, 33.2], "lon": [35.8, 35.8], "status": ["ok", "N/A"]})
    got = gz.read_positions(table)
    assert got[STATUS].tolist() == ["ok", ""]
    assert got["src_status"].tolist() == ["ok", "N/A"]


# --------------------------------------------------------------------------------------
# Round trip
# --------------------------------------------------------------------------------------


def test_csv_round_trip_keeps_date_date_to_and_precision(tmp_path):
    first = _read(
        tmp_path,
        "date_start,date_end,date_prec,status",
        "2017-03-19,2017-03-19,1,reported",
        "2017-04-20,2017-04-23,2,",
        "2017-07-01,2017-07-31,4,reported; denied",
        "2017-06-29,2017-06-02,1,",  # swapped: undated
        ",,,",
    )
    out = tmp_path / "saved.csv"
    gz.save_positions(first, out)
    again = gz.read_positions(out)
    for column in (DATE, DATE_TO, DATE_PRECISION, STATUS):
        assert again[column].tolist() == first[column].tolist(), column
    assert again[DATE_TO].dtype == "datetime64[ns]"
    assert "src_date_precision" not in again.columns  # held exactly: not repeated
    assert np.array_equal(again["date_start"].astype(str), first["date_start"].astype(str))


def test_a_year_range_survives_the_round_trip(tmp_path):
    claims = gz.read_positions(gz.examples.reported_positions_path())
    out = tmp_path / "claims.csv"
    gz.save_positions(claims, out)
    again = gz.read_positions(out)
    assert (again[DATE_PRECISION] == "year").all()
    assert (again[DATE_TO] == T("2018-12-31")).all()
    assert (again[DENIED_BY] == claims[DENIED_BY]).all()


def test_a_table_joining_ucdp_events_and_claims_keeps_each_rows_dates(tmp_path):
    # The demo joins the 2018 claims (a `reported` year) and UCDP events (date_start and
    # date_end, date_prec): written and read again, the claims' rows have empty UCDP date
    # cells, and must take their dates from date/date_to/date_precision, row by row.
    import geopandas as gpd

    from geozones import examples

    claims = gz.read_positions(examples.reported_positions_path())
    events = gz.read_positions(examples.ucdp_events_path()).head(50)
    joined = gpd.GeoDataFrame(pd.concat([claims, events], ignore_index=True), crs=4326)
    path = tmp_path / "joined.csv"
    gz.save_positions(joined, path)
    back = gz.read_positions(path)
    for column in ("date", "date_to", "date_precision"):
        assert back[column].astype(str).tolist() == joined[column].astype(str).tolist()
    assert back["date_precision"].iloc[0] == "year"
    assert not back["note"].str.contains("date").any()


def test_a_time_written_with_a_zone_is_an_instant_in_utc():
    table = pd.DataFrame(
        {
            "lat": [33.0] * 4,
            "lon": [35.9] * 4,
            "date": ["2018-06-01T10:00:00+03:00", "2018-06-01 10:00Z", "2018-06-01 10:00", ""],
        }
    )
    read = gz.read_positions(table)
    assert read["date_precision"].tolist() == ["instant", "instant", "day", ""]
    assert read["date"].iloc[0] == pd.Timestamp("2018-06-01 07:00")
    assert read["date_to"].iloc[0] == read["date"].iloc[0]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        # a column that shows it is month-first (06/30) is read month-first throughout
        (["06/30/2017", "06/07/2017", "07/01/2017"], ["2017-06-30", "2017-06-07", "2017-07-01"]),
        # day-first shown, or nothing shown: day-first (the documented default)
        (["30/06/2017", "06/07/2017"], ["2017-06-30", "2017-07-06"]),
        (["06/07/2017"], ["2017-07-06"]),
        # both shown: a cell that reads either way is not guessed (undated, with a note)
        (
            ["30/06/2017", "06/30/2017", "06/07/2017", "07/07/2017"],
            ["2017-06-30", "2017-06-30", "", "2017-07-07"],
        ),
    ],
)
def test_slashed_dates_follow_the_order_their_column_shows(written, expected):
    table = pd.DataFrame({"lat": [33.0] * len(written), "lon": [35.9] * len(written)})
    read = gz.read_positions(table.assign(date=written))
    assert read["date"].dt.strftime("%Y-%m-%d").fillna("").tolist() == expected
    for note, day in zip(read["note"], expected, strict=True):
        assert ("not understood" in note) == (day == "")
