"""Hostile input to the readers: dates, line endings, blank lines, huge cells, encodings.

Each test names the failure it guards against. Files under ``data/hostile/`` whose names
start with ``read_`` or ``csv_`` are small hostile inputs; big ones are made here.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import geozones as gz
from geozones.positions import DATE, ERROR, NOTE, ROW

HOSTILE = Path(__file__).parent / "data" / "hostile"

# --------------------------------------------------------------------------------------
# Dates outside what pandas can hold never wrap round
# --------------------------------------------------------------------------------------

# row -> the date it must come back with (None: undated, with a note that says why)
OUT_OF_RANGE = {
    2: None,  # 0218-06-01 once wrapped round to 1972
    3: None,  # 2500-01-01 once wrapped round to 1915
    4: None,  # 01/06/2500 once raised OutOfBoundsDatetime
    5: None,  # 1/6/0218
    6: None,  # 2262-12-31: past the last day
    7: None,  # 2500-01-01T10:00:00+03:00
    8: pd.Timestamp("1677-09-22"),  # the first whole day pandas holds
    9: pd.Timestamp("2262-04-11"),  # the last
    10: pd.Timestamp("2018-06-01"),
}


def _undated_with_a_note(got, rows):
    for row in rows:
        line = got.loc[got[ROW] == row].iloc[0]
        assert pd.isna(line[DATE]), (row, line[DATE])
        assert "outside the dates geozones can hold" in line[NOTE], (row, line[NOTE])
        assert line[ERROR] == "", (row, line[ERROR])  # the position itself is fine


def test_dates_outside_1677_2262_are_undated_with_a_note_never_shifted():
    got = gz.read_positions(HOSTILE / "read_dates_out_of_range.csv")
    assert got[ROW].tolist() == list(OUT_OF_RANGE)
    _undated_with_a_note(got, [r for r, d in OUT_OF_RANGE.items() if d is None])
    for row, date in OUT_OF_RANGE.items():
        if date is not None:
            assert got.loc[got[ROW] == row, DATE].iloc[0] == date
    # the text as written is kept beside the parsed column
    assert got.loc[got[ROW] == 2, "src_date"].iloc[0] == "0218-06-01"
    assert got[DATE].dtype == "datetime64[ns]"


def test_workbook_dates_outside_1677_2262_are_undated_with_a_note():
    got = gz.read_positions(HOSTILE / "read_dates_out_of_range.xlsx")
    assert got[ROW].tolist() == [2, 3, 4]
    _undated_with_a_note(got, [2, 3])
    assert got[DATE].iloc[2] == pd.Timestamp("2018-06-01")


def test_date_objects_and_fine_grained_datetimes_out_of_range_in_a_table():
    import datetime

    table = pd.DataFrame(
        {
            "lat": [33.1, 33.2, 33.3],
            "lon": [35.8, 35.8, 35.8],
            "date": [
                datetime.date(2500, 1, 1),
                datetime.date(1000, 1, 1),
                datetime.date(2018, 6, 1),
            ],
        }
    )
    got = gz.read_positions(table)
    _undated_with_a_note(got, [2, 3])
    assert got[DATE].iloc[2] == pd.Timestamp("2018-06-01")
    seconds = table.assign(
        date=pd.Series(["2500-01-01", "2018-06-01", "1500-01-01"]).astype("datetime64[s]")
    )
    got = gz.read_positions(seconds)
    _undated_with_a_note(got, [2, 4])
    assert got[DATE].iloc[1] == pd.Timestamp("2018-06-01")
