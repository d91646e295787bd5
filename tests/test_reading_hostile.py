"""Hostile input to the readers: dates, line endings, blank lines, huge cells, encodings.

Each test names the failure it guards against. Files under ``data/hostile/`` whose names
start with ``read_`` or ``csv_`` are small hostile inputs; big ones are made here.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import geozones as gz
from geozones.errors import InputError
from geozones.positions import ACTOR, DATE, ERROR, LAT, LON, NOTE, PLACE, ROW

HOSTILE = Path(__file__).parent / "data" / "hostile"
_PANDAS_READS_ANY_YEAR = int(pd.__version__.split(".")[0]) >= 3

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
        said = ["outside the dates geozones can hold"]
        if not _PANDAS_READS_ANY_YEAR:  # pandas 2 (Python 3.10) reads few dates beyond ns
            said.append("not understood; the row is treated as undated")
        assert any(s in line[NOTE] for s in said), (row, line[NOTE])
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


# --------------------------------------------------------------------------------------
# Delimited text: line endings, headers, blank lines, quotes, huge cells, encodings
# --------------------------------------------------------------------------------------

BLANK = "blank line"
RAGGED = "ragged row: "
NOT_A_NUMBER = "column 'lat': 'abc' is not a number"

# file -> {row: the start of its error ("" = usable)}; every input row comes back once
HOSTILE_TEXT = {
    "csv_cr_only.csv": {2: "", 3: "", 4: ""},
    "csv_mixed_line_endings.csv": {2: "", 3: "", 4: "", 5: ""},
    "csv_long_header.csv": {2: "", 3: NOT_A_NUMBER},
    # blank, whitespace-only and CRLF blank lines keep their rows; a quoted blank line is
    # inside a cell; blank lines at the very end are not rows
    "csv_blank_lines.csv": {2: "", 3: BLANK, 4: "", 5: BLANK, 6: BLANK, 7: "", 8: ""},
    "csv_blank_lines_ragged.csv": {2: "", 3: BLANK, 4: RAGGED, 5: BLANK, 6: ""},
    "csv_quotes_80kb.csv": {**dict.fromkeys(range(2, 16002), RAGGED), 16002: ""},
    "csv_utf16_excel_unicode.txt": {2: "", 3: "", 4: "column 'place': unknown place name"},
    "csv_cp1256_arabic.csv": {2: "", 3: ""},
    "csv_cp1255_hebrew.csv": {2: "", 3: ""},
    "csv_cp1252_latin.csv": {2: "", 3: ""},
}


def _assert_rows(got, expected: dict[int, str]) -> None:
    assert got[ROW].tolist() == list(expected)
    for row, error, found in zip(got[ROW], expected.values(), got[ERROR], strict=True):
        if error:
            assert found.startswith(error), (row, found)
        else:
            assert found == "", (row, found)


@pytest.mark.parametrize("name", list(HOSTILE_TEXT))
def test_hostile_text_files_every_row_once_in_place(name):
    got = gz.read_positions(HOSTILE / name)
    _assert_rows(got, HOSTILE_TEXT[name])


def test_old_mac_and_mixed_line_endings_keep_line_breaks_inside_cells():
    cr = gz.read_positions(HOSTILE / "csv_cr_only.csv")
    assert cr[PLACE].iloc[1] == "Dar‘ā"
    assert cr[ACTOR].tolist() == ["Hezbollah", "IRGC", "two\rlines"]
    mixed = gz.read_positions(HOSTILE / "csv_mixed_line_endings.csv")
    assert mixed[ACTOR].tolist() == ["Hezbollah", "IRGC", "two\r\nlines", "x"]


def test_a_header_over_64_kib_is_read_whole():
    got = gz.read_positions(HOSTILE / "csv_long_header.csv")
    last = "extra_39_" + "x" * 1800
    assert last in got.columns and got[last].tolist() == ["", ""]
    assert got[LAT].iloc[0] == pytest.approx(33.1)


def test_blank_lines_keep_the_row_numbers_of_the_rows_after_them():
    got = gz.read_positions(HOSTILE / "csv_blank_lines.csv").set_index(ROW)
    assert got.loc[4, "actor"] == "b" and got.loc[8, "actor"] == "d"
    assert got.loc[7, "actor"] == "quoted\r\n\r\nblank line"
    assert got.loc[3, NOTE] == "" and got.loc[3, LON] != got.loc[3, LON]  # NaN


def test_80_kb_of_quotes_is_read_in_well_under_a_second_or_two():
    start = time.perf_counter()
    gz.read_positions(HOSTILE / "csv_quotes_80kb.csv")
    assert time.perf_counter() - start < 3  # csv.Sniffer took 21 s


def _big_cell_file(path: Path, size: int, *, ragged: bool, quoted: bool = False) -> Path:
    cell = b"x" * size
    if quoted:
        cell = b'"' + b"y\n" * (size // 2) + b'"'
    rows = [b"lat,lon,notes", b"33.1,35.8,a", b"33.2,35.8," + cell, b"33.3,35.8,b"]
    if ragged:
        rows.insert(3, b"33.25,35.8,c,extra")
    path.write_bytes(b"\n".join(rows) + b"\n")
    return path


@pytest.mark.parametrize(
    "size,ragged,quoted",
    [(50_000_000, False, False), (200_000, True, False), (300_000, False, True)],
)
def test_huge_cells_make_a_row_error_not_a_traceback(tmp_path, size, ragged, quoted):
    path = _big_cell_file(tmp_path / "big.csv", size, ragged=ragged, quoted=quoted)
    got = gz.read_positions(path)
    expected = {2: "", 3: "column 'notes': a cell of ", 4: RAGGED, 5: ""}
    if not ragged:
        expected = {2: "", 3: "column 'notes': a cell of ", 4: ""}
    _assert_rows(got, expected)
    assert f"{size:,} characters" in got[ERROR].iloc[1]
    assert got["notes"].iloc[1] == ""  # the cell is not carried along
    assert got["notes"].iloc[-1] == "b"


def test_a_huge_column_name_is_read_as_it_is(tmp_path):
    path = tmp_path / "header.csv"
    path.write_bytes(b"lat,lon," + b"h" * 300_000 + b"\n33.1,35.8,a\n")
    got = gz.read_positions(path)
    assert got[ERROR].tolist() == [""] and got["h" * 300_000].tolist() == ["a"]


def test_arabic_hebrew_and_latin_code_pages_and_utf16_are_read_as_written():
    utf16 = gz.read_positions(HOSTILE / "csv_utf16_excel_unicode.txt")
    assert utf16[PLACE].tolist()[:2] == ["Dar‘ā", "Katzrin"]
    assert utf16[ACTOR].tolist() == ["حزب الله", "צה״ל", "x"]
    assert utf16[DATE].iloc[0] == pd.Timestamp("2018-06-01")
    arabic = gz.read_positions(HOSTILE / "csv_cp1256_arabic.csv")
    assert arabic[PLACE].tolist() == ["Dar‘ā", "Al Qunayţirah"]
    assert arabic[ACTOR].tolist() == ["حزب الله", "الحرس الثوري"]
    assert arabic.attrs["encoding"] == "cp1256"
    hebrew = gz.read_positions(HOSTILE / "csv_cp1255_hebrew.csv")
    assert hebrew[PLACE].tolist() == ["Katzrin", "Mas‘adah"]
    assert hebrew[ACTOR].tolist() == ["צבא", "חיזבאללה"]
    latin = gz.read_positions(HOSTILE / "csv_cp1252_latin.csv")
    assert latin[PLACE].tolist() == ["Mas‘adah", "Baalbek"]
    assert latin[ACTOR].tolist() == ["Liwa Fatemiyoun é", "Hézbollah"]


def test_encoding_can_be_named_and_an_unknown_one_is_refused():
    path = HOSTILE / "csv_cp1255_hebrew.csv"
    assert gz.read_positions(path, encoding="cp1255")[PLACE].tolist() == ["Katzrin", "Mas‘adah"]
    forced = gz.read_positions(path, encoding="cp1252")  # the caller's word is final
    assert forced[ERROR].str.startswith("column 'place': unknown place name").all()
    with pytest.raises(InputError, match="unknown encoding 'klingon'"):
        gz.read_positions(path, encoding="klingon")


# --------------------------------------------------------------------------------------
# The dask engine reads the same files the same way, cut into blocks
# --------------------------------------------------------------------------------------


def _dask_rows(path, blocksize, **options):
    pytest.importorskip("dask_geopandas")
    lazy = gz.check_positions(path, "alpha_line", engine="dask", blocksize=blocksize, **options)
    return lazy.compute(scheduler="sync")


@pytest.mark.parametrize("name", list(HOSTILE_TEXT))
def test_dask_reads_hostile_text_files_as_in_memory(name):
    blocksize = 4096 if "80kb" in name or "long_header" in name else 24
    got = _dask_rows(HOSTILE / name, blocksize)
    _assert_rows(got, HOSTILE_TEXT[name])
    expected = gz.read_positions(HOSTILE / name)
    for column in (PLACE, ACTOR, LAT, NOTE):
        assert got[column].tolist() == expected[column].tolist() or column == LAT


def test_dask_huge_cells_and_named_encoding(tmp_path):
    path = _big_cell_file(tmp_path / "big.csv", 200_000, ragged=True)
    got = _dask_rows(path, 64)
    _assert_rows(got, {2: "", 3: "column 'notes': a cell of ", 4: RAGGED, 5: ""})
    hebrew = _dask_rows(HOSTILE / "csv_cp1255_hebrew.csv", 16, encoding="cp1255")
    assert hebrew[PLACE].tolist() == ["Katzrin", "Mas‘adah"]


def test_dask_blank_lines_at_the_end_over_several_blocks_are_not_rows(tmp_path):
    path = tmp_path / "tail.csv"
    path.write_bytes(b"lat,lon\r\n33.1,35.8\r\n\r\n33.2,35.8\r\n" + b"\r\n" * 60)
    expected = {2: "", 3: BLANK, 4: ""}
    _assert_rows(gz.read_positions(path), expected)
    _assert_rows(_dask_rows(path, 16), expected)


def test_dask_a_header_in_another_encoding_than_the_ascii_rows_after_it(tmp_path):
    path = tmp_path / "header.csv"
    path.write_bytes("lat,lon,acteur_é\n33.1,35.8,a\n33.2,35.8,b\n".encode("cp1252"))
    assert "acteur_é" in gz.read_positions(path).columns
    assert "acteur_é" in _dask_rows(path, 8).columns


_PEAK = """
import resource, sys
from pathlib import Path
import geozones as gz
gz.read_positions(Path(sys.argv[2]))  # imports and the gazetteer, before measuring
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
got = gz.read_positions(Path(sys.argv[1]))
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
assert len(got) == 3 and got["error"].iloc[1].startswith("column 'notes': a cell of ")
print((after - before) * 1024)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in KiB on Linux")
def test_memory_for_a_50_mb_cell_stays_within_ten_times_the_file(tmp_path):
    path = _big_cell_file(tmp_path / "big.csv", 50_000_000, ragged=False)
    run = subprocess.run(
        [sys.executable, "-c", _PEAK, str(path), str(HOSTILE / "csv_cr_only.csv")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert int(run.stdout) < 10 * path.stat().st_size  # 5.4 times when measured


# --------------------------------------------------------------------------------------
# Any bytes at all: rows, or an InputError, never a traceback; both engines agree
# --------------------------------------------------------------------------------------

_CSV_PIECES = [*",;\t\"'\r\n =-.3a", "33.1", "35.8", "Daraa", "é", "\ufeff"]
_CSV_ALPHABET = st.sampled_from(_CSV_PIECES)
_CSV_TEXT = st.lists(_CSV_ALPHABET, max_size=60).map("".join)


@given(data=st.one_of(st.binary(max_size=200), _CSV_TEXT.map(str.encode)))
def test_any_bytes_after_a_header_give_every_row_or_an_input_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("any") / "x.csv"
    path.write_bytes(b"lat,lon,place\n" + data)
    try:
        got = gz.read_positions(path)
    except InputError:
        return
    assert got[ROW].tolist() == list(range(2, len(got) + 2))
    assert ((got[ERROR] != "") | got.geometry.notna()).all()


@given(text=_CSV_TEXT, blocksize=st.integers(1, 40))
def test_the_dask_engine_reads_any_text_as_in_memory(tmp_path_factory, text, blocksize):
    pytest.importorskip("dask_geopandas")
    path = tmp_path_factory.mktemp("any") / "x.csv"
    path.write_bytes(("lat,lon,place\n" + text).encode())
    try:
        expected = gz.read_positions(path)
    except InputError as exc:
        with pytest.raises(InputError, match=str(exc).split(":")[-1].strip()[:20] or None):
            _dask_rows(path, blocksize)
        return
    got = _dask_rows(path, blocksize)
    assert got[ROW].tolist() == expected[ROW].tolist()
    assert got[ERROR].tolist() == expected[ERROR].tolist()


def test_dask_a_byte_order_mark_inside_the_text_is_a_cell_at_a_block_start_too(tmp_path):
    path = tmp_path / "bom.csv"  # found by the property test above
    path.write_bytes("lat,lon,place\n,\r\ufeff\r".encode())
    expected = {2: RAGGED, 3: RAGGED}
    _assert_rows(gz.read_positions(path), expected)
    _assert_rows(_dask_rows(path, 1), expected)


# --------------------------------------------------------------------------------------
# Every input column is kept, under a free name; a second pass loses none
# --------------------------------------------------------------------------------------

_CLASHING = HOSTILE / "read_cols_clashing_names.csv"


def _cells(series: pd.Series) -> list[str]:
    """Values as text, the way a CSV or a GeoPackage may give them back."""

    def one(value) -> str:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    return [one(v) for v in series.astype(object)]


def _assert_every_column_kept(got: pd.DataFrame, original: pd.DataFrame) -> None:
    names = [str(c).lower() for c in got.columns]
    assert len(names) == len(set(names)), got.columns.tolist()  # unique, whatever the case
    found = {c: _cells(got[c]) for c in got.columns if c != got.geometry.name}
    for column in original.columns:
        values = _cells(original[column])
        assert any(v == values for v in found.values()), (column, values)


def test_every_input_column_is_kept_under_a_free_name():
    # note, error, row, location_method, place named like standard columns; src_lat
    # already there; Date, SOURCE, Url and Note differ from a standard name only in
    # case (GeoPackage fields ignore case); a geometry column of text
    original = pd.read_csv(_CLASHING, dtype=str, keep_default_na=False)
    got = gz.read_positions(_CLASHING)
    _assert_every_column_kept(got, original)
    assert got["src_lat"].tolist() == ["as written", "", ""]  # the input's own, as it was
    assert got["src_2_lat"].tolist() == ["33.1838", "33.1", ""]  # the input's lat
    assert got["src_note"].tolist() == ["keep me", "N/A", "unknown"]
    assert got["src_2_Note"].tolist() == ["second note", "", ""]
    assert got["src_geometry"].tolist() == ["POINT (1 2)", "", ""]
    assert got["src_SOURCE"].tolist() == ["SOHR", "  spaced  ", ""]
    assert got.attrs["original_columns"]["src_2_lat"] == "lat"


@pytest.mark.parametrize(
    "cells",
    [["keep me"], ["N/A"], [" keep me "], ["unknown"]],
)
@pytest.mark.parametrize("name", ["note", "error", "location_method", "actor", "source"])
def test_a_column_named_like_a_standard_one_keeps_its_text(name, cells):
    table = pd.DataFrame({"lat": [33.1], "lon": [35.9], name: cells})
    got = gz.read_positions(table)
    _assert_every_column_kept(got, table)


@pytest.mark.parametrize("suffix", [".csv", ".gpkg"])
def test_a_second_pass_keeps_every_original_column_once(tmp_path, suffix):
    original = pd.read_csv(_CLASHING, dtype=str, keep_default_na=False)
    got = gz.read_positions(_CLASHING)
    for k in range(3):
        path = tmp_path / f"pass{k}{suffix}"
        gz.save_positions(got, path)  # used to fail: AttributeError on the second pass
        got = gz.read_positions(path)
        _assert_every_column_kept(got, original)
    assert _cells(got["src_4_lat"])[:2] == ["33.1838", "33.1"]  # lat, read 4 times


def test_save_refuses_repeated_column_names(tmp_path):
    got = gz.read_positions(pd.DataFrame({"lat": [33.1], "lon": [35.9], "a": [1], "b": [2]}))
    twice = got.rename(columns={"b": "a"})
    for suffix in (".csv", ".gpkg"):
        with pytest.raises(InputError, match=r"column 'a' appears twice"):
            gz.save_positions(twice, tmp_path / f"twice{suffix}")
    cased = got.rename(columns={"b": "A"})
    with pytest.raises(InputError, match=r"'a' and 'A'.*without case"):
        gz.save_positions(cased, tmp_path / "cased.gpkg")
    gz.save_positions(cased, tmp_path / "cased.csv")  # CSV keeps case
    assert not (tmp_path / "twice.csv").exists() and not (tmp_path / "cased.gpkg").exists()


# --------------------------------------------------------------------------------------
# An uncertainty radius that cannot be used is a row error, never passed on or dropped
# --------------------------------------------------------------------------------------

_RADIUS_SUFFIX = "an uncertainty radius is 0 to 20,000 km"


def test_unusable_uncertainty_cells_are_row_errors_naming_column_and_value():
    got = gz.read_positions(HOSTILE / "read_cols_uncertainty_km.csv").set_index("id")
    bad = {
        "2": "inf",
        "3": "-inf",
        "4": "1e300",  # used to pass through as 1e303 m
        "5": "-5",  # used to be read as "unknown"
        "8": "1e400",
        "9": "20001",  # more than half the Earth's circumference
        "10": "about 5",  # used to be read as "unknown"
        "14": "Infinity",
    }
    for row, written in bad.items():
        error = got.loc[row, ERROR]
        assert error.startswith("uncertainty_m is "), (row, error)
        assert f"(column 'uncertainty_km': '{written}')" in error, (row, error)
        assert error.endswith(_RADIUS_SUFFIX), (row, error)
        assert np.isnan(got.loc[row, "uncertainty_m"]) and got.loc[row, "geometry"] is None
    ok = got.drop(index=list(bad))
    assert (ok[ERROR] == "").all()
    radii = ok["uncertainty_m"].to_dict()
    assert radii["1"] == 500.0 and radii["13"] == 20_000_000.0 and radii["15"] == 250.0
    assert radii["6"] == 0.0 and radii["11"] == 0.0  # 0 is a known exact position
    for empty in ("7", "12"):  # empty or N/A: the precision of the digits written, as before
        assert radii[empty] == pytest.approx(5.566)


def test_unusable_radii_in_a_table_of_numbers_are_row_errors():
    table = pd.DataFrame(
        {"lat": [33.1] * 4, "lon": [35.9] * 4, "radius_m": [np.inf, -1.0, np.nan, 10.0]}
    )
    got = gz.read_positions(table)
    assert got[ERROR].tolist()[2:] == ["", ""]
    assert "(column 'radius_m': 'inf')" in got[ERROR].iloc[0]
    assert "(column 'radius_m': '-1')" in got[ERROR].iloc[1]
    assert np.isnan(got["uncertainty_m"].iloc[2]) and got["uncertainty_m"].iloc[3] == 10.0


# --------------------------------------------------------------------------------------
# Exponent notation in latitude / longitude columns is refused, as in coordinate columns
# --------------------------------------------------------------------------------------


def test_exponent_notation_in_lat_lon_columns_is_a_row_error():
    got = gz.read_positions(HOSTILE / "read_cols_lat_lon_exponents.csv", area=None)
    errors = dict(zip(got["id"], got[ERROR], strict=True))
    why = "looks like a number in exponent notation; write decimal degrees"
    # rows 1, 2, 5 used to be read, with a radius from the exponent's digits (row 2: 6 cm)
    assert errors["1"] == f"column 'lat': '35.8e-1' {why}"
    assert errors["2"] == f"column 'lat': '3.31E+01' {why}"
    assert errors["3"] == f"column 'lon': '35.8e0' {why}"
    assert errors["5"] == f"column 'lat': '1e1' {why}"
    assert errors["6"] == f"column 'lat': '33,1e0' {why}"
    assert errors["7"] == "column 'lon': '35.8E' is not a number"
    assert errors["4"] == ""
    assert got.loc[got["id"] == "4", "uncertainty_m"].iloc[0] == pytest.approx(5.566)


def test_numbers_in_a_numeric_column_are_not_exponent_notation():
    # a float column has no written form: 1e-05 is how arrow prints it, not what was typed
    got = gz.read_positions(pd.DataFrame({"lat": [33.00001], "lon": [35.9]}))
    assert got[ERROR].tolist() == [""]


def test_kml_keeps_columns_named_like_the_placemark_name_and_description(tmp_path):
    # the placemark's name (the actor) and description (the error) used to overwrite them
    table = pd.DataFrame(
        {
            "lat": [33.1],
            "lon": [35.9],
            "actor": ["IRGC"],
            "name": ["Alpha post"],
            "Description": ["seen"],
        }
    )
    path = tmp_path / "p.kml"
    gz.save_positions(gz.read_positions(table), path)
    back = gz.read_positions(path)
    _assert_every_column_kept(back, table)


def test_a_table_with_repeated_column_names_is_read_as_a_csv_header_is():
    # a DataFrame may repeat a name; a repeated "lat" used to raise AttributeError
    table = pd.DataFrame([[33.1, 35.9, 33.2, "a", "b"]], columns=["lat", "lon", "lat", "x", "x"])
    got = gz.read_positions(table)
    assert got[ERROR].tolist() == [""] and got[LAT].tolist() == [33.1]
    assert got["lat.1"].tolist() == [33.2] and got["x.1"].tolist() == ["b"]
    assert got.attrs["renamed_columns"] == ["lat.1", "x.1"]


def test_a_feature_with_a_nan_coordinate_is_a_row_error():
    """GEOS warned (an error under pytest) and the point was NaN; now the row says why."""
    got = gz.read_positions(HOSTILE / "line_nan.geojson")
    assert got["error"].str.contains("NaN or infinite").all()
    assert got.geometry.isna().all()


def test_a_line_with_a_vertex_off_the_globe_is_a_row_error(tmp_path):
    """Its uncertainty radius could not be measured: it was silently NaN."""
    path = tmp_path / "shapes.geojson"
    path.write_text(
        '{"type":"FeatureCollection","features":['
        '{"type":"Feature","properties":{},"geometry":{"type":"LineString",'
        '"coordinates":[[35.8,33.1],[35.9,95.0]]}},'
        '{"type":"Feature","properties":{},"geometry":{"type":"LineString",'
        '"coordinates":[[35.8,33.1],[35.9,33.0]]}}]}'
    )
    got = gz.read_positions(path)
    assert got["error"].tolist()[0].startswith("a vertex of the geometry is outside")
    assert got["error"].tolist()[1] == "" and np.isfinite(got["uncertainty_m"].iloc[1])
