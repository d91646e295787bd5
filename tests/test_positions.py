import contextlib
import os
import re
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely import Point, Polygon

import geozones as gz
from geozones.errors import InputError
from geozones.positions import (
    ACTOR,
    DATE,
    ERROR,
    LAT,
    LOCATION_METHOD,
    LON,
    NOTE,
    PLACE,
    ROW,
    SOURCE,
    STANDARD_COLUMNS,
    UNCERTAINTY_M,
    URL,
)

DATA = Path(__file__).parent / "data"

# Each malformed row of the hostile file and the error it must come back with
HOSTILE_ERRORS = {
    2: "",
    3: "no position: every location column is empty",
    4: "column 'lat': 'abc' is not a number",
    5: "",  # N/A coordinates fall back to the place name, Daraa
    6: "latitude 95 is outside ±90",
    7: "latitude and longitude look swapped",
    8: "column 'coordinates': broken DMS",
    9: "column 'mgrs': invalid MGRS reference",
    10: "column 'place': unknown place name 'Atlantis'",
    11: "column 'place': ambiguous place name 'Jaba'",
    12: "the header row repeated inside the data",
    13: "ragged row: 11 fields where the header has 10",
    14: "0, 0 ('null island')",
    15: "",
    16: "",
    17: "column 'lon' is empty",
    18: "",
    19: "no position: every location column is empty",
}


def test_hostile_file_every_row_back_with_a_specific_error():
    got = gz.read_positions(DATA / "hostile.csv")
    assert got[ROW].tolist() == list(HOSTILE_ERRORS)
    for row, expected in HOSTILE_ERRORS.items():
        error = got.loc[got[ROW] == row, ERROR].iloc[0]
        if expected:
            assert error.startswith(expected), (row, error)
        else:
            assert error == "", (row, error)
    usable = got[ERROR] == ""
    assert got.geometry[usable].notna().all() and got.geometry[~usable].isna().all()
    assert got[LON][~usable].isna().all()
    # the BOM is gone from the first column name, Arabic text is intact
    assert got["id"].iloc[0] == "1"
    assert got.loc[got[ROW] == 18, ACTOR].iloc[0] == "حزب الله"
    assert got.loc[got[ROW] == 18, PLACE].iloc[0] == got.loc[got[ROW] == 5, PLACE].iloc[0]
    assert "date 'not a date' not understood" in got.loc[got[ROW] == 19, NOTE].iloc[0]


def test_hostile_file_methods_and_precision():
    got = gz.read_positions(DATA / "hostile.csv").set_index(ROW)
    assert got.loc[2, LOCATION_METHOD] == "lat/lon columns"
    assert got.loc[5, LOCATION_METHOD] == "place name"
    assert got.loc[15, LOCATION_METHOD] == "coordinates"
    assert got.loc[16, LOCATION_METHOD] == "MGRS"
    # 4 decimals written: half a unit of the last digit is about 5 m
    assert 3 < got.loc[2, UNCERTAINTY_M] < 6
    assert got.loc[15, LAT] == pytest.approx(33 + 7 / 60 + 24 / 3600)
    assert got.loc[15, LON] == pytest.approx(35 + 49 / 60 + 12 / 3600)
    assert got.loc[2, URL] == "https://www.syriahr.com/en/"
    assert got.loc[2, SOURCE] == "SOHR"
    assert got.loc[2, DATE] == pd.Timestamp("2018-06-01")


def test_standard_columns_come_first_and_originals_are_kept():
    table = pd.DataFrame({"lat": [33.1], "lon": [35.9], "source": ["x"], "my_col": [7]})
    got = gz.read_positions(table)
    assert list(got.columns[: len(STANDARD_COLUMNS)]) == list(STANDARD_COLUMNS)
    assert got["my_col"].iloc[0] == 7
    assert got["src_lat"].iloc[0] == 33.1  # originals that share a standard name
    assert got.crs.to_epsg() == 4326


def _same_positions(path, expected_rows):
    got = gz.read_positions(path)
    assert len(got) == expected_rows
    return got


def test_geojson_geopackage_kml_and_excel_keep_every_row(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"actor": ["Hezbollah", "IRGC", "nothing"], "place": ["", "", "Atlantis"]},
        geometry=[Point(35.89, 33.18), Polygon([(35.9, 33.0), (36.0, 33.0), (36.0, 33.1)]), None],
        crs=4326,
    )
    for name, driver in (("p.geojson", "GeoJSON"), ("p.gpkg", "GPKG")):
        gdf.to_file(tmp_path / name, driver=driver)
        got = _same_positions(tmp_path / name, 3)
        assert got[ERROR].tolist()[:2] == ["", ""]
        assert got[ERROR].iloc[2] == "column 'place': unknown place name 'Atlantis'"
        assert got[LOCATION_METHOD].tolist()[:2] == ["geometry", "geometry"]
        assert "representative point" in got[NOTE].iloc[1]
        assert got[UNCERTAINTY_M].iloc[1] > 5000  # the polygon's extent
    kml = tmp_path / "p.kml"
    kml.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2">'
        "<Document><Placemark><name>Hezbollah post</name><Point><coordinates>35.89,33.18,0"
        "</coordinates></Point></Placemark><Placemark><name>no point</name></Placemark>"
        "</Document></kml>",
        encoding="utf-8",
    )
    got = _same_positions(kml, 2)
    assert got[ERROR].iloc[0] == ""
    assert got[ERROR].iloc[1] != ""
    table = pd.DataFrame({"lat": [33.18, "x"], "lon": [35.89, 35.8], "who": ["IRGC", "IRGC"]})
    table.to_excel(tmp_path / "p.xlsx", index=False)
    got = _same_positions(tmp_path / "p.xlsx", 2)
    assert got[ERROR].tolist() == ["", "column 'lat': 'x' is not a number"]
    assert got[ACTOR].tolist() == ["IRGC", "IRGC"]


def test_semicolon_and_tab_delimited_files(tmp_path):
    (tmp_path / "semi.csv").write_text("lat;lon;actor\n33,18;35,89;Hezbollah\n", encoding="utf-8")
    got = gz.read_positions(tmp_path / "semi.csv")
    assert got[LAT].iloc[0] == pytest.approx(33.18)
    (tmp_path / "tab.tsv").write_text("latitude\tlongitude\n33.18\t35.89\n", encoding="utf-8")
    assert gz.read_positions(tmp_path / "tab.tsv")[LON].iloc[0] == pytest.approx(35.89)


ACLED_OLD = (
    "data_id,iso,event_id_cnty,event_id_no_cnty,event_date,year,time_precision,event_type,"
    "actor1,assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,region,country,admin1,"
    "admin2,admin3,location,latitude,longitude,geo_precision,source,source_scale,notes,"
    "fatalities,timestamp,iso3\n"
    "1,760,SYR1,1,15 June 2018,2018,1,Battles,Military Forces of Syria (2000-),,1,"
    "Hezbollah,,2,12,Middle East,Syria,Daraa,Daraa,,Nawa,32.89,36.04,2,SOHR,National,"
    "clashes,3,1529000000,SYR\n"
)
ACLED_NEW = (
    "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,"
    "actor1,assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,"
    "iso,region,country,admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,"
    "source_scale,notes,fatalities,tags,timestamp\n"
    "SYR2,2023-02-01,2023,1,Political violence,Battles,Armed clash,Hezbollah,,State forces,"
    "Rebel group,,Rebel group,12,,760,Middle East,Syria,Quneitra,Quneitra,,Jaba,33.163,35.926,"
    "3,SOHR,National,clashes,0,,1675000000\n"
)


@pytest.mark.parametrize(
    "text,precision_m,date", [(ACLED_OLD, 15_000, "2018-06-15"), (ACLED_NEW, 50_000, "2023-02-01")]
)
def test_acled_exports_both_schemas(tmp_path, text, precision_m, date):
    path = tmp_path / "acled.csv"
    path.write_text(text, encoding="utf-8")
    got = gz.read_positions(path)
    assert got[ERROR].iloc[0] == ""
    assert got[LOCATION_METHOD].iloc[0] == "lat/lon columns"
    assert got[UNCERTAINTY_M].iloc[0] == precision_m
    assert got[DATE].iloc[0] == pd.Timestamp(date)
    assert "Hezbollah" in got[ACTOR].iloc[0]
    assert got[SOURCE].iloc[0] == "SOHR"
    radii = gz.read_positions(path, precision_radii_m={2: 9_000, 3: 40_000})
    assert radii[UNCERTAINTY_M].iloc[0] in (9_000, 40_000)


def test_ucdp_events_read_with_precision_and_sides():
    path = gz.examples.ucdp_events_path()
    got = gz.read_positions(path)
    raw = pd.read_csv(path)
    assert len(got) == len(raw) == 2145
    assert (got[ERROR] == "").all()
    np.testing.assert_allclose(got[LAT], raw["latitude"])
    expected = raw["where_prec"].map(gz.positions.UCDP_PRECISION_M).to_numpy()
    np.testing.assert_array_equal(got[UNCERTAINTY_M], expected)
    assert got[ACTOR].iloc[0] == "Government of Syria; Syrian insurgents"
    assert got[DATE].iloc[0] == pd.Timestamp("2017-01-01")


def test_reported_claims_read_and_check():
    got = gz.read_positions(gz.examples.reported_positions_path())
    assert len(got) == 4 and (got[ERROR] == "").all()
    assert got[UNCERTAINTY_M].tolist() == pytest.approx([84_100, 84_100, 32_300, 32_300])
    checked = gz.check_positions(got, "alpha_line", scenarios=["israel_60km_2018"])
    # governorate-wide claims cannot be placed inside or outside 60 km with certainty
    assert set(checked["scenario_israel_60km_2018"]) <= {"uncertain", "breach"}


def test_errors_for_the_whole_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        gz.read_positions(tmp_path / "missing.csv")
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="is empty"):
        gz.read_positions(tmp_path / "empty.csv")
    (tmp_path / "nopos.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="no column holds positions"):
        gz.read_positions(tmp_path / "nopos.csv")
    with pytest.raises(InputError, match="no column 'Y'"):
        gz.read_positions(pd.DataFrame({"lat": [1.0], "lon": [2.0]}), lat_column="Y")
    with pytest.raises(InputError, match="has no partner"):
        gz.read_positions(pd.DataFrame({"lat": [1.0]}))


def test_swapped_check_can_be_turned_off():
    table = pd.DataFrame({"lat": [35.85], "lon": [33.1]})
    assert "swapped" in gz.read_positions(table)[ERROR].iloc[0]
    got = gz.read_positions(table, area=None)
    assert got[ERROR].iloc[0] == ""


@pytest.mark.parametrize("suffix", [".csv", ".gpkg", ".geojson", ".kml"])
def test_writers_keep_every_row_with_its_error(tmp_path, suffix):
    checked = gz.check_positions(DATA / "hostile.csv", "alpha_line")
    path = tmp_path / f"out{suffix}"
    gz.save_positions(checked, path)
    back = pd.read_csv(path) if suffix == ".csv" else gpd.read_file(path)
    assert len(back) == len(checked) == len(HOSTILE_ERRORS)
    if suffix != ".kml":
        assert back["row"].tolist() == checked["row"].tolist()
        errors = back["error"].fillna("").tolist()
        assert errors == checked["error"].tolist()


def test_large_csv_is_written_in_pieces_in_order_with_one_header(tmp_path, monkeypatch):
    import geozones.saving as positions_module

    monkeypatch.setattr(positions_module, "_CSV_PIECE_ROWS", 7)
    table = pd.DataFrame({"lat": 33 + np.arange(50) / 100, "lon": 35.8, "actor": "a,b"})
    out = tmp_path / "pieces.csv"
    gz.save_positions(gz.read_positions(table), out)
    back = pd.read_csv(out, keep_default_na=False)
    assert back["row"].tolist() == list(range(2, 52))  # spreadsheet rows, header first
    assert back["lat"].tolist() == pytest.approx(table["lat"].tolist())
    assert (back["actor"] == "a,b").all()
    assert out.read_text().count("actor") == 1


def test_iso_dates_are_parsed_and_impossible_ones_noted_not_rolled_over():
    table = pd.DataFrame(
        {
            "lat": ["33.1"] * 4,
            "lon": ["35.8"] * 4,
            "date": ["2018-02-30", "2018-01-05", "", "5/1/2018"],
        }
    )
    got = gz.read_positions(table)
    assert got["date"].iloc[1] == pd.Timestamp("2018-01-05")
    assert pd.isna(got["date"].iloc[0]) and "2018-02-30" in got["note"].iloc[0]
    assert pd.isna(got["date"].iloc[2]) and got["note"].iloc[2] == ""
    assert got["date"].iloc[3] == pd.Timestamp("2018-01-05")  # day first, as most reports


def test_encoding_is_found_beyond_the_first_64_kib(tmp_path):
    rows = ["lat,lon,actor"] + ["33.1,35.8,Hezbollah"] * 5000 + ["33.2,35.9,Liwa Fatemiyoun é"]
    cp1252 = tmp_path / "windows.csv"
    cp1252.write_bytes("\r\n".join(rows).encode("cp1252"))
    assert cp1252.stat().st_size > 65536
    got = gz.read_positions(cp1252)
    assert len(got) == 5001 and got["actor"].iloc[-1] == "Liwa Fatemiyoun é"
    utf8 = tmp_path / "arabic.csv"
    utf8.write_bytes(("\ufeff" + "\n".join(rows[:-1] + ["33.2,35.9,حزب الله"])).encode("utf-8"))
    assert gz.read_positions(utf8)["actor"].iloc[-1] == "حزب الله"


def test_dates_with_different_utc_offsets_are_stored_in_utc():
    table = pd.DataFrame(
        {
            "lat": ["33.1"] * 3,
            "lon": ["35.8"] * 3,
            "date": ["2020-01-05T10:00:00+03:00", "2020-01-05T10:00:00+05:00", "2020-01-06"],
        }
    )
    got = gz.read_positions(table)["date"].tolist()
    assert got == [
        pd.Timestamp("2020-01-05 07:00"),
        pd.Timestamp("2020-01-05 05:00"),
        pd.Timestamp("2020-01-06"),
    ]


# Cells that a spreadsheet would run as formulas (OWASP: = + - @ tab CR), and what is safe
FORMULAS = ["=1+2", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=x", "\r=x", "'=x", "''-y"]
SAFE = ["-33.5", "+1e5", "35,8", "Hezbollah", "'quoted", "", "a=b", "'"]


def _formula_table():
    n = len(FORMULAS) + len(SAFE)
    table = pd.DataFrame(
        {
            "lat": ["33.1"] * n,
            "lon": ["35.8"] * n,
            "actor": FORMULAS + SAFE,
            "remark": FORMULAS + SAFE,
            '=HYPERLINK("http://x")': ["-1"] * n,
            "number": [-33.5] * n,
        }
    )
    return gz.read_positions(table)


def test_csv_cells_that_start_a_formula_are_neutralised(tmp_path):
    import csv

    out = tmp_path / "safe.csv"
    gz.save_positions(_formula_table(), out)
    with open(out, newline="", encoding="utf-8") as f:
        header, *rows = list(csv.reader(f))
    remark = [row[header.index("remark")] for row in rows]
    assert remark == ["'" + text for text in FORMULAS] + SAFE
    actor = [row[header.index("actor")] for row in rows]  # stripped: "\t=x" is "=x"
    assert actor == ["'" + text.strip() for text in FORMULAS] + SAFE
    assert '\'=HYPERLINK("http://x")' in header
    assert {row[header.index("number")] for row in rows} == {"-33.5"}  # numbers stay numbers
    assert {row[header.index("lat")] for row in rows} == {"33.1"}
    assert {row[header.index('\'=HYPERLINK("http://x")')] for row in rows} == {"-1"}


def test_raw_csv_writes_cells_as_they_are(tmp_path):
    import csv

    out = tmp_path / "raw.csv"
    gz.save_positions(_formula_table(), out, raw=True)
    with open(out, newline="", encoding="utf-8") as f:
        header, *rows = list(csv.reader(f))
    assert [row[header.index("remark")] for row in rows] == FORMULAS + SAFE
    assert '=HYPERLINK("http://x")' in header


def test_neutralised_csv_reads_back_as_the_original_text(tmp_path):
    original = _formula_table()
    out = tmp_path / "safe.csv"
    gz.save_positions(original, out)
    back = gz.read_positions(out)
    assert back["remark"].tolist() == FORMULAS + SAFE
    assert back[ACTOR].tolist() == original[ACTOR].tolist()
    assert back['=HYPERLINK("http://x")'].tolist() == ["-1"] * len(back)


def test_reader_takes_off_one_quote_before_formula_text_only():
    got = gz.read_positions(DATA / "hostile" / "read_formulas.csv")
    assert got["note_text"].tolist() == ["=x", "'=x", "'abc", "-33.5", "=raw", "'", "@a"]
    assert got[LAT].tolist() == pytest.approx([33.1] * 7)


@given(st.text(max_size=20))
def test_neutralising_then_reading_back_is_the_identity(text):
    from geozones.formulas import neutralise_text as _neutralise_text
    from geozones.formulas import unneutralise_text as _unneutralise_text

    safe = _neutralise_text(text)
    assert _unneutralise_text(safe) == text
    number = re.fullmatch(r"[+-]?([0-9]+([.,][0-9]*)?|[.,][0-9]+)([eE][+-]?[0-9]+)?", text)
    assert safe == text or safe == "'" + text
    if not number:
        assert not safe.startswith(("=", "+", "-", "@", "\t", "\r"))


@given(st.lists(st.text(max_size=12), min_size=1, max_size=5))
def test_any_text_survives_a_csv_round_trip(tmp_path_factory, texts):
    # column names are read stripped, and standard names are renamed: avoid both here
    name = texts[0].strip()
    if not name or name.lower() in {*STANDARD_COLUMNS, "remark", "geometry"}:
        name = "x"
    table = pd.DataFrame({"lat": "33.1", "lon": "35.8", "remark": texts, name: "1"})
    out = tmp_path_factory.mktemp("round") / "p.csv"
    gz.save_positions(gz.read_positions(table), out)
    back = gz.read_positions(out)
    assert back["remark"].tolist() == texts
    assert back[name].tolist() == ["1"] * len(texts)


def test_only_ascii_numbers_to_the_end_of_the_cell_pass_as_numbers(tmp_path):
    import csv

    texts = ["-5\n", "-٣", "-5", "+.5e-3"]
    table = gz.read_positions(pd.DataFrame({"lat": "33.1", "lon": "35.8", "remark": texts}))
    out = tmp_path / "n.csv"
    gz.save_positions(table, out)
    with open(out, newline="", encoding="utf-8") as f:
        header, *rows = list(csv.reader(f))
    assert [row[header.index("remark")] for row in rows] == ["'-5\n", "'-٣", "-5", "+.5e-3"]


# A process that builds 1.5 million positions once, then saves them in a forked child on
# each "go" (so every save starts from the same state and the data is built only once).
_SAVE_SERVER = """
import os, sys
import numpy as np, pandas as pd, geopandas as gpd, shapely
import geozones as gz
n = int(sys.argv[2])
rng = np.random.default_rng(7)
lon, lat = 35.5 + rng.random(n), 32.5 + rng.random(n)
actor = pd.Categorical.from_codes(rng.integers(0, 2, n), ["Hezbollah", "IRGC"])
frame = gpd.GeoDataFrame(
    {"row": np.arange(2, n + 2), "lon": lon, "lat": lat, "actor": actor},
    geometry=shapely.points(lon, lat), crs=4326,
)
print("ready", flush=True)
for line in sys.stdin:
    pid = os.fork()
    if pid == 0:
        gz.save_positions(frame, sys.argv[1])
        os._exit(0)
    print(pid, flush=True)
    print(os.waitpid(pid, 0)[1], flush=True)
"""


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_save_killed_at_any_moment_leaves_the_old_file_or_the_new_one(tmp_path):
    import hashlib
    import random
    import signal
    import subprocess
    import sys

    def digest(path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    target = tmp_path / "results.csv"
    server = subprocess.Popen(
        [sys.executable, "-c", _SAVE_SERVER, str(target), "1500000"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout.readline().strip() == "ready"

        def save(kill_after: float | None) -> int:
            server.stdin.write("go\n")
            server.stdin.flush()
            pid = int(server.stdout.readline())
            if kill_after is not None:
                time.sleep(kill_after)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            return int(server.stdout.readline())  # the wait status

        seconds = []
        for _ in range(2):  # whole saves: the new file, and how long one takes at best
            start = time.perf_counter()
            assert save(None) == 0
            seconds.append(time.perf_counter() - start)
        whole = min(seconds)
        new = digest(target)
        assert target.stat().st_size > 50e6
        old = b"row,lon,lat,actor\n2,35.8,33.1,an older result\n"
        rng = random.Random(13)
        outcomes = []
        for low in (0.0, 0.2, 0.4, 0.6, 0.8, 0.95, 1.1):  # of a whole save
            target.write_bytes(old)
            status = save(whole * rng.uniform(low, low + 0.15))
            now = target.read_bytes() if target.stat().st_size == len(old) else digest(target)
            assert now in (old, new), f"killed after {low:.2f} of a save: a partial file"
            outcomes.append((status != 0, now == old))
            for left in tmp_path.iterdir():  # a killed save leaves its hidden temporary file
                if left != target:
                    assert left.name.startswith(".results.")
                    left.unlink()
        assert any(killed and kept for killed, kept in outcomes)  # a kill landed mid-save
    finally:
        server.stdin.close()
        server.wait(timeout=30)
        server.stdout.close()
