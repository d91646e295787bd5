"""The dask engine: the same results as in memory, partition by partition, on a cluster."""

from __future__ import annotations

import errno
import pickle
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import geozones as gz
from geozones import scale
from geozones.checks import ACTOR_GROUPS, check_positions
from geozones.errors import GeozonesError, InputError
from geozones.examples import synthetic_positions

HOSTILE = __import__("pathlib").Path(__file__).parent / "data" / "hostile"

dask_geopandas = pytest.importorskip("dask_geopandas")
distributed = pytest.importorskip("distributed")

SCENARIOS = ["israel_60km_2018", "arrangement_2017_5km"]


@pytest.fixture(scope="module")
def cluster():
    # Worker processes (not threads): everything a task needs must really travel.
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def client(cluster):
    with distributed.Client(cluster) as client:
        yield client


def _same(expected: pd.DataFrame, got: pd.DataFrame) -> None:
    """Row for row, geometry too.

    Two dtypes are the dask engine's: text columns are dask's pyarrow strings
    (``dataframe.convert-string``), and actor_groups has every combination as categories.
    """
    expected = expected.copy()
    for column in got.columns:
        if isinstance(got[column].dtype, pd.StringDtype):
            assert expected[column].dtype == object or pd.api.types.is_string_dtype(
                expected[column]
            )
            expected[column] = expected[column].astype(got[column].dtype)
    expected[ACTOR_GROUPS] = expected[ACTOR_GROUPS].cat.set_categories(
        got[ACTOR_GROUPS].cat.categories
    )
    assert expected[ACTOR_GROUPS].notna().all()
    pd.testing.assert_frame_equal(got, expected)


def _table(n: int = 3000) -> pd.DataFrame:
    """Synthetic positions with every kind of location and of bad row, scattered."""
    df = synthetic_positions(n, seed=5).astype({"lat": str, "lon": str})
    df["coordinates"] = ""
    df["place"] = ""
    bad = {
        7: ("lat", "abc"),  # not a number
        401: ("lat", "95.2"),  # outside ±90
        1203: ("lon", ""),  # one half missing
        2999: ("lat", "0"),
    }
    for i, (column, value) in bad.items():
        df.loc[i, column] = value
    df.loc[2999, "lon"] = "0"  # null island
    # swapped pair
    df.loc[1777, ["lat", "lon"]] = [df.loc[1777, "lon"], df.loc[1777, "lat"]]
    # DMS text, place names and an unknown place, with the lat/lon cells empty
    for i, column, value in [
        (15, "coordinates", "33°10'30\"N 35°45'10\"E"),
        (900, "coordinates", "33°99'N 35°45'E"),
        (1500, "place", "Daraa"),
        (2500, "place", "Atlantis"),
        (2600, "place", "Quneitra"),
    ]:
        df.loc[i, ["lat", "lon"]] = ""
        df.loc[i, column] = value
    return df


@pytest.fixture(scope="module")
def csv_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("csv") / "positions.csv"
    _table().to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def points() -> gpd.GeoDataFrame:
    df = synthetic_positions(4000, seed=11)
    geometry = gpd.points_from_xy(df["lon"], df["lat"])
    geometry[[3, 2100]] = None  # no geometry: falls back to the lat/lon columns
    df.loc[2100, "lat"] = np.nan
    return gpd.GeoDataFrame(df, geometry=geometry, crs=4326)


# --------------------------------------------------------------------------------------
# Same results as in memory
# --------------------------------------------------------------------------------------


def test_dask_geodataframe_equals_in_memory(client, points):
    lazy = check_positions(
        dask_geopandas.from_geopandas(points, npartitions=4), "alpha_line", scenarios=SCENARIOS
    )
    assert isinstance(lazy, dask_geopandas.GeoDataFrame)
    assert lazy.npartitions == 4 and lazy.known_divisions
    got = lazy.compute()
    expected = check_positions(points, "alpha_line", scenarios=SCENARIOS)
    _same(expected, got)
    assert got["row"].tolist() == list(range(1, len(points) + 1))
    assert got.loc[2100, "error"] != "" and got.loc[3, "error"] == ""


def test_csv_bad_rows_keep_their_place_and_errors_across_partitions(client, csv_path):
    lazy = check_positions(csv_path, "alpha_line", engine="dask", blocksize=8_000)
    assert lazy.npartitions >= 10
    got = lazy.compute()
    expected = check_positions(csv_path, "alpha_line")
    _same(expected, got)
    # rows as a spreadsheet numbers them: data row i is row i + 2
    errors = got.set_index("row")["error"]
    assert errors[7 + 2] == "column 'lat': 'abc' is not a number"
    assert errors[401 + 2] == "latitude 95.2 is outside ±90"
    assert errors[1203 + 2] == "column 'lon' is empty"
    assert errors[1777 + 2].startswith("latitude and longitude look swapped")
    assert errors[2500 + 2] == "column 'place': unknown place name 'Atlantis'"
    assert errors[2999 + 2].startswith("0, 0 ('null island')")
    assert errors[900 + 2].startswith("column 'coordinates': ")
    assert errors[15 + 2] == "" and got.loc[15, "location_method"] == "coordinates"
    assert got.loc[1500, "place"] == "Dar‘ā" and got.loc[1500, "within_km"] == 60
    assert (got["error"] != "").sum() == 7
    # the bad rows are spread over several partitions
    parts = {int(np.searchsorted(lazy.divisions[1:-1], i, side="right")) for i in (7, 1777, 2999)}
    assert len(parts) == 3


def test_ragged_rows_blank_lines_and_repeated_headers_read_as_in_memory(client, tmp_path):
    lines = ["lat,lon,actor"] + [f"33.{i:04d},35.8,Hezbollah" for i in range(600)]
    lines[100] = "33.1,35.8,Hezbollah,extra"  # ragged: the whole file takes the robust reader
    lines[350] = ""
    lines[500] = "lat,lon,actor"
    path = tmp_path / "ragged.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    got = check_positions(path, "alpha_line", engine="dask", blocksize=2_000)
    assert got.npartitions > 3
    got = got.compute()
    expected = check_positions(path, "alpha_line")
    _same(expected, got)
    errors = got.set_index("row")["error"]
    assert errors[101].startswith("ragged row: 4 fields")
    assert errors[351] == "blank line"
    assert errors[501].startswith("the header row repeated")


def test_quoted_line_breaks_read_whole(client, tmp_path):
    rows = [f'33.{i:04d},35.8,"Hezbollah"' for i in range(300)]
    rows[150] = '33.1,35.8,"Hezbollah,\nsecond line"'
    path = tmp_path / "quoted.csv"
    path.write_text("lat,lon,actor\n" + "\n".join(rows) + "\n", encoding="utf-8")
    lazy = check_positions(path, "alpha_line", engine="dask", blocksize=1_000)
    assert lazy.npartitions == 1
    _same(check_positions(path, "alpha_line"), lazy.compute())


def test_a_quoted_line_break_cut_by_a_block_still_gives_the_right_rows(client, tmp_path):
    # blocks of dask.bytes end after any LF: one falls inside the quoted cell of row 40
    rows = [f"33.{i:04d},35.8,actor {i}" for i in range(80)]
    rows[40] = '33.1,35.8,"Hezbollah,\nsecond ""quoted"" line"'
    path = tmp_path / "quoted.csv"
    path.write_text("lat,lon,actor\n" + "\n".join(rows) + "\n", encoding="utf-8")
    from dask.bytes import read_bytes

    def cuts_the_cell(blocksize: int) -> bool:
        _, (blocks,) = read_bytes(str(path), delimiter=b"\n", blocksize=blocksize, sample=False)
        return any(b.compute().endswith(b'"Hezbollah,\n') for b in blocks)

    inside = path.read_bytes().index(b"\nsecond")
    blocksize = next(b for b in range(inside // 4, inside + 1) if cuts_the_cell(b))
    lazy = check_positions(path, "alpha_line", engine="dask", blocksize=blocksize)
    got = lazy.compute()
    _same(check_positions(path, "alpha_line"), got)
    assert got["row"].tolist() == list(range(2, 82))
    assert got.loc[40, "actor"] == 'Hezbollah,\nsecond "quoted" line'


@pytest.mark.parametrize("suffix", [".csv.gz", ".csv.bz2", ".csv.xz"])
def test_compressed_csv_equals_in_memory(client, tmp_path, suffix):
    table = _table()
    plain = tmp_path / "positions.csv"
    table.to_csv(plain, index=False)
    packed = tmp_path / f"positions{suffix}"
    table.to_csv(packed, index=False)  # pandas compresses by the suffix
    assert packed.read_bytes()[:3] != plain.read_bytes()[:3]
    lazy = check_positions(packed, "alpha_line", engine="dask", blocksize=4_000)
    assert lazy.npartitions == 1  # a compressed file cannot be cut: one block
    got = lazy.compute()
    _same(check_positions(plain, "alpha_line"), got)
    assert got["row"].tolist() == list(range(2, 3002))


def test_compressed_and_plain_files_number_rows_globally(client, tmp_path):
    table = _table()
    whole = tmp_path / "whole.csv"
    table.to_csv(whole, index=False)
    folder = tmp_path / "parts"
    folder.mkdir()
    table.iloc[:1400].to_csv(folder / "a.csv.gz", index=False)
    table.iloc[1400:].to_csv(folder / "b.csv", index=False)
    (folder / "notes.md").write_text("not positions")
    lazy = check_positions(folder, "alpha_line", engine="dask", blocksize=20_000)
    assert lazy.npartitions > 2
    got = lazy.compute()
    _same(check_positions(whole, "alpha_line"), got)
    assert got["row"].iloc[[0, 1399, 1400, -1]].tolist() == [2, 1401, 1402, 3001]


def test_csv_from_an_fsspec_url(tmp_path):
    import dask
    import fsspec

    table = _table()
    local = tmp_path / "positions.csv"
    table.to_csv(local, index=False)
    fs = fsspec.filesystem("memory")
    for name, chunk in [("a.csv", table.iloc[:1250]), ("b.csv", table.iloc[1250:])]:
        with fs.open(f"/geozones-test/{name}", "wb") as f:
            f.write(chunk.to_csv(index=False).encode())
    expected = check_positions(local, "alpha_line")
    try:
        # the memory file system lives in this process: compute here, not on the cluster
        with dask.config.set(scheduler="sync"):
            for source in ["memory://geozones-test/*.csv", "memory://geozones-test"]:
                lazy = check_positions(source, "alpha_line", engine="dask", blocksize=30_000)
                assert lazy.npartitions > 2
                _same(expected, lazy.compute())
            with pytest.raises(InputError, match="no such file"):
                check_positions("memory://geozones-test/c.csv", "alpha_line", engine="dask")
    finally:
        fs.rm("/geozones-test", recursive=True)


def test_glob_of_csv_files_numbers_rows_globally(client, tmp_path):
    table = _table()
    whole = tmp_path / "whole.csv"
    table.to_csv(whole, index=False)
    folder = tmp_path / "parts"
    folder.mkdir()
    # written out of order: the files are taken in sorted order of their names
    for name, chunk in [("b.csv", table.iloc[500:1100]), ("a.csv", table.iloc[:500])]:
        chunk.to_csv(folder / name, index=False)
    table.iloc[1100:].to_csv(folder / "c.csv", index=False)
    lazy = check_positions(str(folder / "*.csv"), "alpha_line", engine="dask", blocksize=10_000)
    got = lazy.compute()
    _same(check_positions(whole, "alpha_line"), got)
    assert got["row"].iloc[[0, 500, 1100, -1]].tolist() == [2, 502, 1102, 3001]


def test_geoparquet_files_equal_in_memory(client, tmp_path, points):
    folder = tmp_path / "geoparquet"
    folder.mkdir()
    points.iloc[:2500].to_parquet(folder / "part-0.parquet", row_group_size=700)
    points.iloc[2500:].to_parquet(folder / "part-1.parquet", row_group_size=700)
    lazy = check_positions(folder, "alpha_line", engine="dask", partition_rows=1000)
    lengths = lazy.map_partitions(len).compute().tolist()
    assert len(lengths) >= 4 and max(lengths) <= 1000  # whole row groups of 700 or less
    got = lazy.compute()
    frames = [gpd.read_parquet(folder / f"part-{i}.parquet") for i in (0, 1)]
    expected = check_positions(pd.concat(frames, ignore_index=True), "alpha_line")
    _same(expected, got)
    assert got["row"].tolist() == list(range(1, len(points) + 1))


def test_already_read_positions_are_used_as_they_are(client, points):
    positions = gz.read_positions(points)
    lazy = check_positions(dask_geopandas.from_geopandas(positions, npartitions=3), "bravo_line")
    _same(check_positions(positions, "bravo_line"), lazy.compute())


# --------------------------------------------------------------------------------------
# Lazy, lines once, written partition by partition
# --------------------------------------------------------------------------------------


def test_result_is_lazy_until_computed(client, cluster, tmp_path, points):
    path = tmp_path / "points.parquet"
    points.to_parquet(path, row_group_size=1000)
    before = cluster.scheduler.transition_counter
    lazy = check_positions(path, "alpha_line", engine="dask")
    assert cluster.scheduler.transition_counter == before  # nothing ran on the cluster
    assert lazy["distance_km"].max().compute() > 60
    assert cluster.scheduler.transition_counter > before


def test_lines_travel_once_not_once_per_partition(client, points, tmp_path):
    # a long line: a copy in every task would show in the graph's size
    t = np.linspace(0, 1, 20_000)
    long_line = shapely.LineString(np.c_[35.8 + 0.01 * np.sin(40 * t), 32.7 + 0.6 * t])
    lines = gpd.GeoDataFrame({"name": ["long"]}, geometry=[long_line], crs=4326)
    path = tmp_path / "points.parquet"  # files: the graph holds paths, not data
    points.to_parquet(path, row_group_size=500)
    lazy = scale.check_positions_dask(path, lines, partition_rows=500)
    graph = dict(lazy.__dask_graph__())
    jobs = [k for k in graph if str(k).startswith("geozones-job-")]
    assert len(jobs) == 1
    job_size = len(pickle.dumps(graph[jobs[0]]))
    assert job_size > 300_000  # the line is in the job...
    rest = {k: v for k, v in graph.items() if k != jobs[0]}
    assert len(pickle.dumps(rest)) < job_size  # ...and in no other task
    checks_ = [k for k in graph if str(k).startswith("geozones-check-")]
    assert len(checks_) == 8
    assert all(jobs[0] in graph[k].dependencies for k in checks_)
    got = lazy.compute()
    _same(check_positions(gpd.read_parquet(path), lines), got)


def test_write_results_partition_by_partition(client, tmp_path, csv_path):
    lazy = check_positions(
        csv_path, "alpha_line", engine="dask", blocksize=20_000, scenarios=SCENARIOS
    )
    out = tmp_path / "checked"
    scale.write_results(lazy, out)
    files = sorted(out.glob("*.parquet"))
    assert len(files) == lazy.npartitions > 3
    back = gpd.read_parquet(out)
    expected = check_positions(csv_path, "alpha_line", scenarios=SCENARIOS)
    assert len(back) == len(expected)
    assert back["row"].tolist() == expected["row"].tolist()
    assert back["error"].tolist() == expected["error"].tolist()
    assert back.geometry.equals(expected.geometry)
    np.testing.assert_array_equal(back["distance_km"], expected["distance_km"])
    for column in ("band", "state_5km", "scenario_israel_60km_2018", ACTOR_GROUPS):
        assert back[column].astype(str).tolist() == expected[column].astype(str).tolist()
    # and the lazy write can be handed back
    assert scale.write_results(lazy, tmp_path / "later", compute=False) is not None


# --------------------------------------------------------------------------------------
# Connecting, options and errors
# --------------------------------------------------------------------------------------


def test_connect_to_an_existing_scheduler_by_address(cluster):
    with scale.connect(cluster.scheduler_address) as other:
        assert len(other.scheduler_info()["workers"]) == 2
    with pytest.raises(InputError, match="LocalCluster"):
        scale.connect(cluster.scheduler_address, n_workers=3)


def test_engine_must_be_known_and_dask_input_needs_dask(points):
    with pytest.raises(InputError, match="engine must be"):
        check_positions(points, "alpha_line", engine="spark")
    with pytest.raises(InputError, match="engine='dask'"):
        check_positions(
            dask_geopandas.from_geopandas(points, npartitions=2), "alpha_line", engine="pandas"
        )


def test_input_errors(client, tmp_path):
    with pytest.raises(InputError, match="no files match"):
        check_positions(str(tmp_path / "*.csv"), "alpha_line", engine="dask")
    xlsx = tmp_path / "a.xlsx"
    xlsx.write_bytes(b"")
    with pytest.raises(InputError, match="CSV/TSV and \\(Geo\\)Parquet"):
        check_positions(xlsx, "alpha_line", engine="dask")
    empty = tmp_path / "empty.csv"
    empty.write_text("lat,lon\n")
    with pytest.raises(InputError, match="holds no rows"):
        check_positions(empty, "alpha_line", engine="dask")
    (tmp_path / "x.csv").write_text("lat,lon\n33,35.8\n")
    (tmp_path / "y.csv").write_text("latitude,longitude\n33,35.8\n")
    with pytest.raises(InputError, match="header differs"):
        check_positions(str(tmp_path / "[xy].csv"), "alpha_line", engine="dask")
    with pytest.raises(InputError, match="does not take sheet"):
        check_positions(tmp_path / "x.csv", "alpha_line", engine="dask", sheet=1)


def test_missing_extra_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "dask_geopandas", None)
    with pytest.raises(GeozonesError, match=r'pip install "geozones\[scale\]"'):
        scale.check_positions_dask(pd.DataFrame({"lat": [33.0], "lon": [35.8]}), "alpha_line")


# --------------------------------------------------------------------------------------
# Writing results: a folder is replaced whole, or left as it was
# --------------------------------------------------------------------------------------


def _lazy_points(n_parts: int, *, fail_at: int | None = None):
    """A dask GeoDataFrame of `n_parts` partitions; partition `fail_at` hits a full disk."""
    import dask
    import dask.dataframe as dd

    def part(i: int) -> gpd.GeoDataFrame:
        if i == fail_at:
            raise OSError(errno.ENOSPC, "No space left on device")
        return gpd.GeoDataFrame(
            {"row": [i]}, geometry=[shapely.Point(35.8, 33.0 + i / 100)], crs=4326
        )

    meta = part(-1).iloc[:0]
    return dd.from_delayed([dask.delayed(part)(i) for i in range(n_parts)], meta=meta)


def _snapshot(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_write_results_replaces_the_folder_whole_with_no_stale_parts(tmp_path):
    import dask

    out = tmp_path / "results"
    with dask.config.set(scheduler="sync"):
        scale.write_results(_lazy_points(5), out)
        assert len(list(out.glob("*.parquet"))) == 5
        scale.write_results(_lazy_points(2), out, overwrite=True)
    assert sorted(p.name for p in out.iterdir()) == ["part.00000.parquet", "part.00001.parquet"]
    assert gpd.read_parquet(out)["row"].tolist() == [0, 1]
    assert [p.name for p in tmp_path.iterdir()] == ["results"]  # no temporary folder left


def test_write_results_that_fails_leaves_the_old_folder_as_it_was(tmp_path):
    import dask

    from geozones.errors import OutputError

    out = tmp_path / "results"
    with dask.config.set(scheduler="sync"):
        scale.write_results(_lazy_points(3), out)
        before = _snapshot(out)
        with pytest.raises(OutputError, match=r"results: cannot be written: the disk is full"):
            scale.write_results(_lazy_points(6, fail_at=4), out, overwrite=True)
    assert _snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["results"]


def test_write_results_does_not_mix_with_an_existing_folder(tmp_path):
    import dask

    from geozones.errors import OutputError

    out = tmp_path / "results"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with dask.config.set(scheduler="sync"):
        with pytest.raises(OutputError, match="exists; pass overwrite=True"):
            scale.write_results(_lazy_points(2), out)
        assert _snapshot(out) == {"notes.txt": b"mine"}
        with pytest.raises(OutputError, match="the folder does not exist"):
            scale.write_results(_lazy_points(2), tmp_path / "missing" / "results")
        (tmp_path / "file").write_text("x")
        with pytest.raises(OutputError, match="is a file"):
            scale.write_results(_lazy_points(2), tmp_path / "file", overwrite=True)


def test_a_lazy_write_puts_the_folder_in_place_only_when_computed(tmp_path):
    import dask

    out = tmp_path / "results"
    with dask.config.set(scheduler="sync"):
        lazy = scale.write_results(_lazy_points(3), out, compute=False)
        assert not out.exists()
        dask.compute(lazy)
    assert gpd.read_parquet(out)["row"].tolist() == [0, 1, 2]
    assert [p.name for p in tmp_path.iterdir()] == ["results"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"default_uncertainty_m": float("inf")}, "default_uncertainty_m must be"),
        ({"line_accuracy": "yes"}, "line_accuracy must be"),
        ({"scenarios": ["israel_60km_2018"], "actors": {"radwan": "Radwan Force"}}, "radwan"),
    ],
)
def test_check_positions_dask_refuses_bad_options_before_any_work(csv_path, kwargs, match):
    """Called directly, the dask engine checks options as check_positions does."""
    with pytest.raises(InputError, match=match):
        scale.check_positions_dask(csv_path, "alpha_line", **kwargs)


def test_columns_named_like_standard_ones_are_kept_as_in_memory(client, tmp_path):
    """src_2_lat, src_Date and the like: the dask engine names and keeps them too."""
    source = HOSTILE / "read_cols_clashing_names.csv"
    table = pd.read_csv(source, dtype=str, keep_default_na=False)
    table = table.drop(columns=[c for c in table.columns if c.lower() == "geometry"])
    path = tmp_path / "clashing.csv"
    table.to_csv(path, index=False)
    expected = check_positions(path, "alpha_line")
    got = check_positions(path, "alpha_line", engine="dask", blocksize=200).compute()
    renamed = [c for c in expected.columns if c.startswith("src_")]
    assert renamed and set(renamed) <= set(got.columns)
    for column in renamed:
        assert got[column].astype(str).tolist() == expected[column].astype(str).tolist()


# --------------------------------------------------------------------------------------
# Date ranges and claims: the same columns, values and dtypes as in memory
# --------------------------------------------------------------------------------------


def test_date_ranges_and_claims_equal_in_memory_across_partitions(client, tmp_path):
    """UCDP-style start and end, swapped and missing ends, claims, spread over partitions."""
    rows = []
    for i in range(900):
        day = pd.Timestamp("2017-01-01") + pd.Timedelta(days=i % 500)
        end, prec, status, denied, claim = day, 1, "", "", ""
        if i % 7 == 0:
            end, prec = day + pd.Timedelta(days=3), 2
        if i % 11 == 0:
            end, prec = day + pd.Timedelta(days=20), 4
        if i % 97 == 0:  # swapped: undated, with a note
            end = day - pd.Timedelta(days=5)
        if i % 13 == 0:
            status, denied, claim = "reported; denied", "an official", "fighters withdrew"
        end_text = "" if i % 89 == 0 else f"{end:%Y-%m-%d}"  # missing: the start alone
        rows.append(
            f"33.{i:04d},35.8,Hezbollah,{day:%Y-%m-%d},{end_text},{prec},{status},{denied},{claim}"
        )
    path = tmp_path / "ranges.csv"
    header = "lat,lon,actor,date_start,date_end,date_prec,status,denied_by,claim_text"
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    lazy = check_positions(path, "alpha_line", scenarios=SCENARIOS, engine="dask", blocksize=6_000)
    assert lazy.npartitions >= 5
    got = lazy.compute()
    expected = check_positions(path, "alpha_line", scenarios=SCENARIOS)
    _same(expected, got)
    for column in ("date", "date_to"):
        assert got[column].dtype == expected[column].dtype == "datetime64[ns]"
    assert pd.api.types.is_string_dtype(got["date_precision"])
    assert set(got["date_precision"]) == {"day", "range", "month", ""}
    assert (got["status"] == "reported; denied").sum() == len(range(0, 900, 13))
    swapped = [i for i in range(0, 900, 97) if i % 89]  # row 0's end is missing
    assert got["note"].str.contains("the dates are swapped?", regex=False).sum() == len(swapped)


def test_years_months_and_days_in_different_partitions_equal_in_memory(client, tmp_path):
    """One partition all ISO days (arrow's fast path), others years, months and instants."""
    cells = ["2018-06-15"] * 400 + ["2018", "June 2018", "2018-06", "2018-06-15T10:30:00"] * 100
    cells[-1] = ""
    path = tmp_path / "mixed.csv"
    lines = [f"33.{i:04d},35.8,Hezbollah,{c}" for i, c in enumerate(cells)]
    path.write_text("lat,lon,actor,reported\n" + "\n".join(lines) + "\n", encoding="utf-8")
    lazy = check_positions(path, "alpha_line", engine="dask", blocksize=4_000)
    assert lazy.npartitions >= 4
    got = lazy.compute()
    _same(check_positions(path, "alpha_line"), got)
    assert got["date_precision"].value_counts().to_dict() == {
        "day": 499,  # the last instant is an empty cell
        "year": 100,
        "month": 200,
        "": 1,
    }
    assert got["date_to"].iloc[400] == pd.Timestamp("2018-12-31")


def test_dask_engine_takes_undated_in_force_as_in_memory(client, tmp_path):
    path = tmp_path / "undated.csv"
    lines = [f"33.{i:04d},35.8,Hezbollah,{'' if i % 3 else '2018-08-01'}" for i in range(300)]
    path.write_text("lat,lon,actor,date\n" + "\n".join(lines) + "\n", encoding="utf-8")
    for flag in (True, False):
        lazy = check_positions(
            path,
            "alpha_line",
            scenarios=SCENARIOS,
            engine="dask",
            blocksize=3_000,
            undated_in_force=flag,
        )
        _same(
            check_positions(path, "alpha_line", scenarios=SCENARIOS, undated_in_force=flag),
            lazy.compute(),
        )
    with pytest.raises(InputError, match="undated_in_force"):
        scale.check_positions_dask(path, "alpha_line", undated_in_force="yes")
