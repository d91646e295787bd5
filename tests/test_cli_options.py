"""The command line's options: the parser, defaults in --help, column and format options."""

import argparse
import ast
import importlib.metadata
import inspect

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import geozones as gz
import geozones.cli as cli
from geozones.cli import EXIT_REFUSED, build_parser, main


def test_build_parser_is_public_and_knows_every_command():
    parser = build_parser()
    assert isinstance(parser, argparse.ArgumentParser) and parser.prog == "geozones"
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(commands.choices) == {"demo", "zones", "check", "map", "datasets"}
    args = parser.parse_args(["check", "reports.csv"])
    assert args.handler is cli._cmd_check and args.line == ["alpha_line"]


def test_no_function_of_the_cli_is_over_60_lines():
    tree = ast.parse(inspect.getsource(cli))
    lengths = {
        node.name: node.end_lineno - node.lineno + 1
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
    }
    assert {name: n for name, n in lengths.items() if n > 60} == {}
    assert lengths["build_parser"] <= 60


def _help(capsys, *command: str) -> str:
    assert main([*command, "--help"]) == 0
    return " ".join(capsys.readouterr().out.split())  # wrapping depends on the terminal


def test_help_shows_every_default_as_it_is_typed(capsys):
    zones = _help(capsys, "zones")
    assert "--km KM [KM ...] distances (km) (default: 5 20 60)" in zones
    assert "keep one side of the line's direction (default: both)" in zones
    assert "edge tolerance (metres) (default: 1)" in zones
    check = _help(capsys, "check")
    assert "thresholds (km) (default: 5 20 60)" in check
    assert "the nearest counts (default: alpha_line)" in check
    assert "unknown (default: 0)" in check
    assert "--scenario NAME [NAME ...] bundled scenarios" in check  # no default: nothing said
    assert "(default: None)" not in check and "(default: False)" not in check
    assert "(default: [" not in check
    map_ = _help(capsys, "map")
    assert "(default: offline)" in map_ and "side of the zones (default: both)" in map_
    assert "output folder (default: geozones-demo)" in _help(capsys, "demo")


def test_version_is_the_package_metadata(capsys):
    assert main(["--version"]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed == f"geozones {importlib.metadata.version('geozones')}"


# --------------------------------------------------------------------------------------
# Column and format options, as read_positions takes them
# --------------------------------------------------------------------------------------


def _check(tmp_path, src, *options):
    """Run ``check SRC --out results.csv OPTIONS``; the exit code and the rows written."""
    out = tmp_path / "results.csv"
    code = main(["check", str(src), "--out", str(out), *options])
    rows = pd.read_csv(out, keep_default_na=False) if code == 0 else None
    return code, rows


def test_lat_lon_columns_with_unusual_names(tmp_path, capsys):
    src = tmp_path / "reports.csv"
    src.write_text("Latitude (N),Longitude (E)\n33.18,35.89\n32.62,36.10\n")
    code, rows = _check(
        tmp_path, src, "--lat-column", "Latitude (N)", "--lon-column", "Longitude (E)"
    )
    assert code == 0
    assert rows["lat"].tolist() == [33.18, 32.62] and rows["lon"].tolist() == [35.89, 36.10]
    assert (rows["error"] == "").all() and (rows["distance_km"] > 0).all()


def test_columns_not_found_name_the_cli_options_and_the_python_ones(tmp_path, capsys):
    src = tmp_path / "reports.csv"
    src.write_text("Latitude (N),Longitude (E)\n33.18,35.89\n")
    assert _check(tmp_path, src)[0] == EXIT_REFUSED
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(src) in err and "no column holds positions" in err
    assert "--lat-column/--lon-column" in err and "(lat_column=, lon_column=, " in err
    assert "--coordinates-column" in err and "--mgrs-column" in err and "--place-column" in err
    assert "perhaps --lat-column 'Latitude (N)' --lon-column 'Longitude (E)'" in err
    # a column named that is not there: the file, the column and the option
    assert _check(tmp_path, src, "--lat-column", "lat N", "--lon-column", "Longitude (E)")[0] == 1
    err = capsys.readouterr().err
    assert f"{src}: no column 'lat N' for the latitude named by --lat-column" in err
    assert "(lat_column= in Python)" in err and "'Latitude (N)'" in err
    # one of the pair: the other's option
    assert _check(tmp_path, src, "--lat-column", "Latitude (N)")[0] == EXIT_REFUSED
    err = capsys.readouterr().err
    assert "has no partner" in err and "--lon-column (lon_column= in Python)" in err


def test_mgrs_in_a_place_column_is_hinted_and_read_with_mgrs_column(tmp_path, capsys):
    src = tmp_path / "reports.csv"
    src.write_text("actor,where\nIRGC,36SYB6160754770\nHezbollah,Daraa\nX,Atlantis\n")
    code, rows = _check(tmp_path, src)
    assert code == 0
    assert rows.loc[0, "error"].startswith("column 'where': unknown place name '36SYB6160754770'")
    assert "looks like an MGRS grid reference: pass --mgrs-column where" in rows.loc[0, "error"]
    assert "(mgrs_column='where' in Python)" in rows.loc[0, "error"]
    assert rows.loc[1, "error"] == ""  # a place name that is one
    assert rows.loc[2, "error"] == "column 'where': unknown place name 'Atlantis'"  # no hint
    code, rows = _check(tmp_path, src, "--mgrs-column", "where")
    assert code == 0 and rows.loc[0, "error"] == ""
    lat, lon = float(rows.loc[0, "lat"]), float(rows.loc[0, "lon"])
    assert (lat, lon) == (pytest.approx(33.0, abs=1e-4), pytest.approx(35.8, abs=1e-4))
    assert rows.loc[0, "location_method"] == "MGRS"


def test_coordinates_place_and_admin1_columns_and_order(tmp_path):
    src = tmp_path / "reports.csv"
    src.write_text('Fix,Village name,Gov\n"35.8, 33.1",,\n,Nawa,Daraa\n')
    code, rows = _check(
        tmp_path,
        src,
        "--coordinates-column",
        "Fix",
        "--order",
        "lonlat",
        "--place-column",
        "Village name",
        "--admin1-column",
        "Gov",
    )
    assert code == 0 and rows["error"].tolist() == ["", ""]
    assert rows["location_method"].tolist() == ["coordinates", "place name"]
    assert rows.loc[0, "lat"] == 33.1 and rows.loc[0, "lon"] == 35.8
    assert rows.loc[1, "lat"] == pytest.approx(32.89, abs=0.05)


def test_sheet_by_name_or_number(tmp_path):
    src = tmp_path / "reports.xlsx"
    with pd.ExcelWriter(src, engine="openpyxl") as book:
        pd.DataFrame({"note": ["nothing here"]}).to_excel(book, sheet_name="About", index=False)
        pd.DataFrame({"lat": [33.18], "lon": [35.89]}).to_excel(
            book, sheet_name="Reports", index=False
        )
    assert _check(tmp_path, src)[0] == EXIT_REFUSED  # the first sheet holds no positions
    for sheet in ("Reports", "1"):
        code, rows = _check(tmp_path, src, "--sheet", sheet)
        assert code == 0 and rows["lat"].tolist() == [33.18]


def test_layer_of_a_geopackage(tmp_path):
    src = tmp_path / "reports.gpkg"
    points = gpd.GeoDataFrame({"actor": ["A"]}, geometry=[shapely.Point(35.89, 33.18)], crs=4326)
    points.to_file(src, layer="first")
    points.assign(actor="B").to_file(src, layer="second")
    assert _check(tmp_path, src)[0] == EXIT_REFUSED  # two layers: which one?
    code, rows = _check(tmp_path, src, "--layer", "second")
    assert code == 0 and rows["actor"].tolist() == ["B"]


def test_map_takes_the_column_options_too(tmp_path, capsys):
    src = tmp_path / "reports.csv"
    src.write_text("Latitude (N),Longitude (E),actor\n33.18,35.89,IRGC\n")
    out = tmp_path / "map.html"
    argv = ["map", "--positions", str(src), "--out", str(out)]
    assert main(argv) == EXIT_REFUSED
    assert "--lat-column/--lon-column" in capsys.readouterr().err
    argv += ["--lat-column", "Latitude (N)", "--lon-column", "Longitude (E)", "--km", "5"]
    assert main(argv) == 0
    assert "IRGC" in out.read_text(encoding="utf-8")


# --------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------


def test_tables_are_formatted_by_pandas_text_left_numbers_right_cells_cleaned():
    table = pd.DataFrame(
        {
            "what": ["band", "actor group"],
            "value": ["0–5 km", "evil\x1b[2J\u202eline\nforged"],
            "count": [113, 1949],
        }
    )
    assert cli._format_table(table).splitlines() == [
        "what         value                 count",
        "band         0–5 km                  113",
        "actor group  evil [2J line forged   1949",
    ]
    numbers_first = cli._format_table(table[["count", "what"]]).splitlines()
    assert numbers_first == ["count  what", "  113  band", " 1949  actor group"]
    assert cli._format_table(table.iloc[:0]) == "what  value  count"


# --------------------------------------------------------------------------------------
# Output by extension
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".xlsx", ".parquet"])
def test_check_writes_a_workbook_or_geoparquet_and_the_ledger_beside_it(tmp_path, suffix):
    src = tmp_path / "reports.csv"
    src.write_text(
        "actor,lat,lon,date,comment\nHezbollah,33.18,35.89,2018-08-01,=HYPERLINK(x)\n"
        "IRGC,nope,35.9,,\n"
    )
    out = tmp_path / f"results{suffix}"
    assert main(["check", str(src), "--scenario", "israel_60km_2018", "--out", str(out)]) == 0
    back = gz.read_positions(out if suffix == ".xlsx" else gpd.read_parquet(out))
    assert len(back) == 2 and back["comment"].tolist()[0] == "=HYPERLINK(x)"
    assert back.loc[0, "lat"] == 33.18 and back.loc[1, "error"] != ""
    assert back["scenario_israel_60km_2018"].tolist()[0] == "breach"
    assert (tmp_path / "results.findings.csv").exists()


def test_zones_writes_a_shapefile(tmp_path, capsys):
    out = tmp_path / "zones.shp"
    assert main(["zones", "alpha_line", "--km", "5", "20", "--out", str(out)]) == 0
    back = gpd.read_file(out)
    assert back["band"].tolist() == ["0–5 km", "5–20 km"]
    assert {"toleranc_m", "line_src", "credit"} <= set(back.columns)
    assert f"wrote {out}" in capsys.readouterr().out


def test_delimiter_when_the_guess_is_wrong(tmp_path, capsys):
    src = tmp_path / "fixes.txt"
    src.write_text("coordinates\n33.18, 35.89\n32.62, 36.10\n")  # one column: no delimiter
    code, rows = _check(tmp_path, src)
    assert code == 0 and (rows["error"] != "").all()  # split at the commas: too many fields
    for delimiter in ("tab", "\\t", ";"):
        code, rows = _check(tmp_path, src, "--delimiter", delimiter)
        assert code == 0 and rows["error"].tolist() == ["", ""], delimiter
        assert rows["lat"].tolist() == [33.18, 32.62]
    assert main(["check", str(src), "--delimiter", ";;"]) == EXIT_REFUSED
    assert "delimiter must be one character" in capsys.readouterr().err
    got = gz.read_positions(src, delimiter="\t")  # as in Python
    assert got["error"].tolist() == ["", ""]
