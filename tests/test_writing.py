"""Atomic saves: every writer replaces its file whole, or leaves the old one untouched.

The disk-full and read-only cases use a small tmpfs that the tests mount (root, as in CI
and on the developers' machines); where mounting is not allowed they are skipped, and the
same failures are also simulated in-process so the guarantee is tested everywhere.
"""

from __future__ import annotations

import errno
import os
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest

import geozones as gz
from geozones.errors import GeozonesError, OutputError
from geozones.writing import atomic_output, output_error, write_text_atomic

OLD = "the old file, which a failed save must not touch\n"


def _positions(n: int):
    rng = np.random.default_rng(1)
    table = pd.DataFrame(
        {
            "lon": np.round(rng.uniform(35.6, 36.4, n), 5),
            "lat": np.round(rng.uniform(32.6, 33.4, n), 5),
            "actor": ["Hezbollah fighters reported near the town"] * n,
            "source": ["Syrian Observatory for Human Rights"] * n,
        }
    )
    return gz.read_positions(table)


@pytest.fixture(scope="module")
def small():
    return _positions(3)


@pytest.fixture(scope="module")
def large():
    return _positions(20_000)  # over 1 MB in every format


@pytest.fixture(scope="module")
def zones():
    return gz.build_zones("alpha_line", (5,))


def _leftovers(folder: Path, keep: set[str]) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


@pytest.fixture
def small_disk(tmp_path):
    """A 256 KiB tmpfs: big saves fill it."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mnt)],
        capture_output=True,
        check=False,
    )
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def _make_read_only(mnt: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)


# --------------------------------------------------------------------- the mechanism


def test_atomic_output_replaces_only_when_complete(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text(OLD)
    os.chmod(target, 0o640)
    with pytest.raises(OutputError, match="out.txt: cannot be written: the disk is full"):
        with atomic_output(target) as tmp:
            Path(tmp).write_text("half of the new")
            raise OSError(errno.ENOSPC, "No space left on device")
    assert target.read_text() == OLD
    assert _leftovers(tmp_path, {"out.txt"}) == []
    with atomic_output(target) as tmp:
        assert Path(tmp).parent == tmp_path and Path(tmp).name.startswith(".")
        assert Path(tmp).suffix == ".txt"  # drivers choose by the extension
        Path(tmp).write_text("new")
    assert target.read_text() == "new"
    assert target.stat().st_mode & 0o777 == 0o640  # the old file's permissions
    assert _leftovers(tmp_path, {"out.txt"}) == []


def test_atomic_output_lets_our_own_errors_and_bugs_through(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text(OLD)
    with pytest.raises(gz.InputError, match="refused"):
        with atomic_output(target) as tmp:
            Path(tmp).write_text("x")
            raise gz.InputError("refused")
    with pytest.raises(ZeroDivisionError):
        with atomic_output(target) as tmp:
            Path(tmp).write_text("x")
            _ = 1 / 0
    assert target.read_text() == OLD
    assert _leftovers(tmp_path, {"out.txt"}) == []


def test_a_writer_that_writes_nothing_is_an_error(tmp_path):
    with pytest.raises(OutputError, match="produced no file"):
        with atomic_output(tmp_path / "x.csv"):
            pass
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize(
    ("exc", "cause"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), "the disk is full"),
        (OSError(errno.EROFS, "Read-only file system"), "read-only"),
        (PermissionError(errno.EACCES, "Permission denied"), "permission denied"),
        (RuntimeError("sqlite3_exec failed: database or disk is full"), "the disk is full"),
        (RuntimeError("something else"), "the write failed"),
    ],
)
def test_output_error_names_path_and_cause(exc, cause):
    err = output_error("/data/out.gpkg", exc)
    assert isinstance(err, GeozonesError) and isinstance(err, OSError)
    assert str(err).startswith("/data/out.gpkg: cannot be written: ")
    assert cause in str(err)


def test_missing_folder_and_folder_target(tmp_path, small):
    with pytest.raises(OutputError, match="the folder does not exist"):
        gz.save_positions(small, tmp_path / "no" / "such" / "p.csv")
    (tmp_path / "d.csv").mkdir()
    with pytest.raises(OutputError, match="is a folder"):
        gz.save_positions(small, tmp_path / "d.csv")


# ------------------------------------------------- every writer, failing half way


def _fail_half_way(monkeypatch, module, name):
    """Make `module.name` write part of its output and then fail as a full disk does."""
    real = getattr(module, name)

    def broken(*args, **kwargs):
        real(*args, **kwargs)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(module, name, broken)


WRITERS = {
    "csv": lambda d, p: gz.save_positions(d["small"], p),
    "gpkg": lambda d, p: gz.save_positions(d["small"], p),
    "geojson": lambda d, p: gz.save_positions(d["small"], p),
    "kml": lambda d, p: gz.save_positions(d["small"], p),
    "zones.gpkg": lambda d, p: gz.save_zones(d["zones"], p),
    "zones.kml": lambda d, p: gz.save_zones(d["zones"], p),
    "xlsx": lambda d, p: gz.save_positions(d["small"], p),
    "parquet": lambda d, p: gz.save_positions(d["small"], p),
    "zones.shp": lambda d, p: gz.save_zones(d["zones"], p),
    "html": lambda d, p: gz.save_map(gz.zone_map(lines="alpha_line"), p),
    "png": lambda d, p: gz.plot_zones(d["zones"], path=p),
    "pdf": lambda d, p: gz.plot_zones(d["zones"], path=p),
}


@pytest.mark.parametrize("kind", list(WRITERS))
def test_every_writer_keeps_the_old_file_when_the_write_fails(
    kind, tmp_path, monkeypatch, small, zones
):
    import matplotlib.figure
    import pyarrow.csv

    import geozones.writing

    target = tmp_path / f"out.{kind.split('.')[-1]}"
    target.write_text(OLD)
    if kind == "csv":
        _fail_half_way(monkeypatch, pyarrow.csv, "write_csv")
    elif kind == "html":
        monkeypatch.setattr(
            geozones.writing, "_flush_to_disk", lambda tmp: (_ for _ in ()).throw(OSError(5, "x"))
        )
    elif kind in ("png", "pdf"):
        _fail_half_way(monkeypatch, matplotlib.figure.Figure, "savefig")
    elif kind == "xlsx":
        import openpyxl

        _fail_half_way(monkeypatch, openpyxl.Workbook, "save")
    elif kind == "parquet":
        import geopandas

        _fail_half_way(monkeypatch, geopandas.GeoDataFrame, "to_parquet")
    else:
        _fail_half_way(monkeypatch, pyogrio, "write_dataframe")
    with pytest.raises(OutputError, match=f"{target.name}: cannot be written"):
        WRITERS[kind]({"small": small, "zones": zones}, target)
    assert target.read_text() == OLD
    assert _leftovers(tmp_path, {target.name}) == []


def test_a_geopackage_layer_is_replaced_in_a_copy(tmp_path, small, zones, monkeypatch):
    target = tmp_path / "results.gpkg"
    gz.save_zones(zones, target, layer="zones")
    gz.save_positions(small, target, layer="positions")
    gz.save_positions(_positions(5), target, layer="positions")  # replaces that layer only
    layers = dict(pyogrio.list_layers(target))
    assert set(layers) == {"zones", "positions"}
    assert pyogrio.read_info(target, layer="positions")["features"] == 5
    before = target.read_bytes()
    _fail_half_way(monkeypatch, pyogrio, "write_dataframe")
    with pytest.raises(OutputError):
        gz.save_positions(small, target, layer="positions")
    assert target.read_bytes() == before
    assert _leftovers(tmp_path, {"results.gpkg"}) == []


def test_a_kml_with_fewer_features_than_rows_is_refused(tmp_path, small, monkeypatch):
    """LIBKML can return success with a truncated file: the writer counts what arrived."""
    target = tmp_path / "p.kml"
    target.write_text(OLD)
    real = pyogrio.write_dataframe

    def truncating(df, path, **kwargs):
        real(df.iloc[:1], path, **kwargs)

    monkeypatch.setattr(pyogrio, "write_dataframe", truncating)
    with pytest.raises(OutputError, match="1 of 3 features arrived"):
        gz.save_positions(small, target)
    assert target.read_text() == OLD


# ------------------------------------------------------ a real full or read-only disk


@pytest.mark.parametrize(
    "suffix", [".csv", ".gpkg", ".geojson", ".kml", ".xlsx", ".parquet", ".html", ".png"]
)
def test_disk_full_keeps_the_old_file(small_disk, large, suffix):
    target = small_disk / f"out{suffix}"
    target.write_text(OLD)
    with pytest.raises(OutputError, match="cannot be written") as info:
        if suffix == ".html":
            m = gz.zone_map(positions=large)
            gz.save_map(m, target)
        elif suffix == ".png":
            gz.plot_zones(positions=large, path=target, dpi=300)
        else:
            gz.save_positions(large, target)
    message = str(info.value)
    assert str(target) in message
    assert "disk is full" in message or "features arrived" in message or "read back" in message
    assert target.read_text() == OLD
    assert _leftovers(small_disk, {target.name}) == []


def test_read_only_folder(small_disk, small):
    target = small_disk / "out.csv"
    target.write_text(OLD)
    _make_read_only(small_disk)
    with pytest.raises(
        OutputError, match="out.csv: cannot be written: the file system is read-only"
    ):
        gz.save_positions(small, target)
    with pytest.raises(OutputError, match="read-only"):
        write_text_atomic(small_disk / "map.html", "<p>")
    assert target.read_text() == OLD


def test_cli_reports_a_failed_save_in_one_line(tmp_path, capsys):
    from geozones.cli import main

    code = main(["zones", "alpha_line", "--km", "5", "--out", str(tmp_path / "no" / "z.gpkg")])
    err = capsys.readouterr().err
    assert code == 1
    assert "z.gpkg: cannot be written: the folder does not exist" in err
    assert "Traceback" not in err


# ------------------------------------------- workbooks, GeoParquet and Shapefiles, read back

HOSTILE = ["=1+1", "+33 fighters", "-HYPERLINK(x)", "@SUM(A1)", "'=quoted", "plain", "-33.5"]


@pytest.fixture(scope="module")
def hostile():
    """Check results with text a spreadsheet would run, dates, and a row that is unusable."""
    n = len(HOSTILE)
    table = pd.DataFrame(
        {
            "lat": ["33.18", "32.62", "not a number", *["33.0"] * (n - 3)],
            "lon": ["35.89", "36.10", "35.9", *["35.8"] * (n - 3)],
            "actor": HOSTILE,
            "date": ["2018-06-01", "2018-07", "", "2018", "", "2017-11-12", ""],
            "=cmd|' /C calc'!A0": ["bell\x07ring", *[""] * (n - 1)],
        }
    )
    positions = gz.read_positions(table)
    return gz.check_positions(positions, "alpha_line", scenarios=["israel_60km_2018"])


def _same_reading(got, expected):
    """Two readings of saved results: same rows, positions, text, dates and errors."""
    assert got.columns.tolist() == expected.columns.tolist()
    pd.testing.assert_frame_equal(
        pd.DataFrame(got.drop(columns="geometry")),
        pd.DataFrame(expected.drop(columns="geometry")),
        check_dtype=False,
    )
    assert got.geometry.equals(expected.geometry)


def test_positions_round_trip_through_a_workbook(tmp_path, hostile):
    import openpyxl

    gz.save_positions(hostile, tmp_path / "r.xlsx")
    gz.save_positions(hostile, tmp_path / "r.csv")
    back = gz.read_positions(tmp_path / "r.xlsx")
    assert back["actor"].tolist() == HOSTILE  # text as it was, not a quote more
    assert back["row"].tolist() == hostile["row"].tolist()
    ok = hostile["error"] == ""
    assert back.loc[ok, "lat"].tolist() == hostile.loc[ok, "lat"].tolist()
    assert back.loc[ok, "lon"].tolist() == hostile.loc[ok, "lon"].tolist()
    assert back["date"].equals(hostile["date"]) and back["date_to"].equals(hostile["date_to"])
    assert "scenario_israel_60km_2018" in back and "distance_km" in back
    # the standard columns read back as from the CSV (the kept columns keep their types:
    # the workbook's numbers are numbers, where CSV gives text)
    standard = [*gz.positions.STANDARD_COLUMNS, "geometry"]
    _same_reading(back[standard], gz.read_positions(tmp_path / "r.csv")[standard])

    sheet = openpyxl.load_workbook(tmp_path / "r.xlsx").active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]  # no formula anywhere
    prefixed = {c.value for c in cells if c.quotePrefix}
    assert prefixed == {"=1+1", "+33 fighters", "-HYPERLINK(x)", "@SUM(A1)", "'=quoted"} | {
        "=cmd|' /C calc'!A0"  # a column name too
    }
    assert "bell\ufffdring" in {c.value for c in cells}  # XML cannot hold a bell

    gz.save_positions(hostile, tmp_path / "raw.xlsx", raw=True)
    sheet = openpyxl.load_workbook(tmp_path / "raw.xlsx").active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not any(c.quotePrefix for c in cells) and not any(c.data_type == "f" for c in cells)


def test_a_workbook_keeps_zeros_false_and_empty_cells(tmp_path, small):
    table = small.assign(n=[0, 1, 2], ok=[False, True, False], x=[0.0, float("nan"), -1.5])
    gz.save_positions(table, tmp_path / "r.xlsx")
    back = pd.read_excel(tmp_path / "r.xlsx", dtype=object)
    assert back["n"].tolist() == [0, 1, 2] and back["ok"].tolist() == [False, True, False]
    assert back["x"].iloc[0] == 0.0 and pd.isna(back["x"].iloc[1]) and back["x"].iloc[2] == -1.5
    assert back["error"].isna().all()  # empty text: an empty cell


def test_a_workbook_refuses_what_it_cannot_hold_and_writes_nothing(tmp_path, small):
    target = tmp_path / "r.xlsx"
    target.write_text(OLD)
    long = small.assign(actor=["a" * 40_000, "b", "c"])
    with pytest.raises(GeozonesError, match=r"row 2, column 'actor' holds 40,000 characters"):
        gz.save_positions(long, target)
    assert target.read_text() == OLD and _leftovers(tmp_path, {"r.xlsx"}) == []


def test_positions_round_trip_through_geoparquet(tmp_path, hostile):
    import geopandas as gpd

    gz.save_positions(hostile, tmp_path / "r.parquet")
    back = gpd.read_parquet(tmp_path / "r.parquet")
    assert back.crs.to_epsg() == 4326
    assert back.columns.tolist() == hostile.columns.tolist()
    assert back.geometry.equals(hostile.geometry)  # unusable rows: no geometry
    assert back["actor"].tolist() == HOSTILE  # no formula quoting: not a spreadsheet format
    for column in ("row", "error", "scenario_israel_60km_2018", "date", "date_to"):
        assert back[column].equals(hostile[column]), column
    np.testing.assert_allclose(back["distance_km"], hostile["distance_km"].round(6))
    again = gz.read_positions(back)  # and it is positions again
    assert again["actor"].tolist() == HOSTILE
    assert again["lat"].equals(hostile["lat"]) and again["lon"].equals(hostile["lon"])
    direct = gz.read_positions(tmp_path / "r.parquet")  # the file itself is read too
    assert direct["actor"].tolist() == HOSTILE
    assert direct["lat"].equals(again["lat"]) and direct["lon"].equals(again["lon"])


def test_read_positions_reads_plain_parquet_and_names_a_broken_file(tmp_path):
    import pandas as pd

    pd.DataFrame({"actor": ["Hezbollah"], "lat": [33.18], "lon": [35.89]}).to_parquet(
        tmp_path / "plain.parquet"
    )
    got = gz.read_positions(tmp_path / "plain.parquet")
    assert got[["actor", "lat", "lon"]].values.tolist() == [["Hezbollah", 33.18, 35.89]]
    assert got["error"].tolist() == [""]
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 not really parquet")
    with pytest.raises(GeozonesError, match=r"broken\.parquet: cannot be read as Parquet"):
        gz.read_positions(broken)


def test_zones_round_trip_through_a_shapefile(tmp_path, zones):
    import geopandas as gpd
    import shapely

    from geozones.saving import SHAPEFILE_FIELDS

    target = tmp_path / "zones.shp"
    (tmp_path / "zones.qix").write_text("an old spatial index of the old file")
    gz.save_zones(zones, target)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f"zones{ext}" for ext in (".cpg", ".dbf", ".prj", ".shp", ".shx")
    ]  # no stale index, no temporary folder left
    back = gpd.read_file(target)
    assert back.crs.to_epsg() == 4326
    expected = zones.rename(columns=SHAPEFILE_FIELDS)
    assert back.columns.tolist() == expected.columns.tolist()
    assert all(len(c) <= 10 for c in back.columns)
    for column in expected.columns.drop("geometry"):
        if expected[column].dtype.kind == "f":
            np.testing.assert_allclose(back[column], expected[column])
        else:
            assert back[column].tolist() == expected[column].tolist(), column
    assert back["band"].tolist() == ["0–5 km"]  # UTF-8 kept (.cpg)
    for got, want in zip(back.geometry, expected.geometry, strict=True):
        assert shapely.equals_exact(shapely.normalize(got), shapely.normalize(want), 1e-12)
    gz.save_zones(gz.build_zones("alpha_line", (5, 20)), target)  # replaced whole
    assert len(gpd.read_file(target)) == 2


def test_a_shapefile_refuses_text_it_cannot_hold(tmp_path, zones):
    with pytest.raises(GeozonesError, match="column 'licence' holds text of 300 bytes"):
        gz.save_zones(zones.assign(licence="x" * 300), tmp_path / "z.shp")
    assert list(tmp_path.iterdir()) == []


def test_shapefile_field_names_are_short_and_distinct():
    from geozones.saving import shapefile_field_names

    names = ["band", "tolerance_m", "attribution", "observation_a", "Observation_b", "OBSERVATIO"]
    assert shapefile_field_names(names) == {
        "tolerance_m": "toleranc_m",
        "attribution": "credit",
        "observation_a": "observat_2",
        "Observation_b": "Observat_3",
    }
