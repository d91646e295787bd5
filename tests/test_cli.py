import subprocess
import sys

import geopandas as gpd
import pandas as pd
import pytest

import geozones as gz
from geozones.cli import EXIT_BREACH, EXIT_OK, EXIT_REFUSED, EXIT_USAGE, main


def test_help_teaches_and_exits_zero(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "geodesic" in out and "datasets" in out and "OpenStreetMap" in out


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"geozones {gz.__version__}"


def test_datasets_prints_every_layer_with_source_licence_and_accuracy(capsys):
    assert main(["datasets"]) == 0
    out = capsys.readouterr().out
    header = out.splitlines()[0]
    for column in ("name", "licence", "accuracy (m)", "source"):
        assert column in header
    for name in gz.datasets.layers()["name"]:
        assert f"\n{name} " in out
    alpha = next(line for line in out.splitlines() if line.startswith("alpha_line "))
    assert "ODbL 1.0" in alpha and " 300 " in alpha and "1974-05-31" in alpha
    assert "GeoNames" in out.splitlines()[-2]


def test_credits(capsys):
    assert main(["datasets", "--credits"]) == 0
    assert capsys.readouterr().out.strip() == gz.datasets.attribution()


def test_usage_error_exit_code(capsys):
    assert main(["no-such-command"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_no_command_prints_help(capsys):
    assert main([]) == 0
    assert "usage: geozones" in capsys.readouterr().out


def test_module_entry_point_runs_as_a_subprocess():
    done = subprocess.run(
        [sys.executable, "-m", "geozones", "datasets", "--credits"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "OpenStreetMap" in done.stdout


# --------------------------------------------------------------------------------------
# zones / check
# --------------------------------------------------------------------------------------


def test_zones_writes_the_bands_and_prints_their_areas(tmp_path, capsys):
    out = tmp_path / "syrian_side.gpkg"
    assert (
        main(["zones", "alpha_line", "--km", "5", "20", "--side", "left", "--out", str(out)]) == 0
    )
    printed = capsys.readouterr().out
    assert "0–5 km" in printed and "5–20 km" in printed and str(out) in printed
    zones = gpd.read_file(out)
    assert zones["band"].tolist() == ["0–5 km", "5–20 km"]
    assert (zones["side"] == "left").all()
    expected = gz.build_zones("alpha_line", (5, 20), side="left")
    assert zones["area_km2"].to_numpy() == pytest.approx(expected["area_km2"].to_numpy())


def test_zones_takes_a_bundled_zone_set_and_a_file_of_lines(tmp_path):
    out = tmp_path / "aol.geojson"
    assert main(["zones", "areas_of_limitation_1974", "--out", str(out)]) == EXIT_OK
    assert len(gpd.read_file(out)) == 6  # 3 bands on each side
    line_file = tmp_path / "contact.geojson"
    gz.datasets.load("bravo_line").to_file(line_file)
    out = tmp_path / "contact_zones.kml"
    assert main(["zones", str(line_file), "--km", "5", "--out", str(out)]) == EXIT_OK
    assert out.read_text().count("<Placemark") == 1


def test_check_keeps_every_row_and_fails_on_breach_when_asked(tmp_path, capsys):
    src = tmp_path / "reports.csv"
    src.write_text(
        "actor,lat,lon\nHezbollah,33.18,35.89\nIRGC,not a number,35.9\nRussian MP,32.0,36.9\n"
    )
    out = tmp_path / "results.csv"
    argv = ["check", str(src), "--scenario", "israel_60km_2018", "--out", str(out)]
    assert main(argv) == EXIT_OK
    printed = capsys.readouterr().out
    assert "3 rows: 2 checked, 1 could not be used" in printed
    results = pd.read_csv(out, keep_default_na=False)
    assert results["row"].tolist() == [2, 3, 4]  # spreadsheet rows: the header is row 1
    assert results.loc[1, "error"] != "" and results.loc[0, "error"] == ""
    assert results.loc[0, "scenario_israel_60km_2018"] == "breach"
    assert main([*argv, "--fail-on-breach"]) == EXIT_BREACH


def test_errors_are_one_clear_line_and_debug_shows_the_traceback(tmp_path, capsys):
    missing = tmp_path / "nope.csv"
    assert main(["check", str(missing), "--out", str(tmp_path / "r.csv")]) == EXIT_REFUSED
    err = capsys.readouterr().err
    assert err.startswith("geozones: error: ") and "nope.csv" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    bad = ["zones", "alpha_line", "--km", "-5", "--out", str(tmp_path / "z.gpkg")]
    assert main(bad) == EXIT_REFUSED
    assert "positive" in capsys.readouterr().err
    with pytest.raises(gz.GeozonesError):
        main([*bad, "--debug"])
    with pytest.raises(gz.GeozonesError):
        main(["--debug", *bad])
    assert main(["zones", "nosuch_line", "--out", str(tmp_path / "z.gpkg")]) == EXIT_REFUSED
    assert "not a bundled line" in capsys.readouterr().err
    assert main(["zones", "alpha_line"]) == EXIT_USAGE  # --out is required


def test_every_command_has_help_with_examples(capsys):
    for command in ("demo", "zones", "check", "map", "datasets"):
        assert main([command, "--help"]) == 0
        text = capsys.readouterr().out
        assert f"usage: geozones {command}" in text
        if command != "datasets":
            assert "example" in text


# --------------------------------------------------------------------------------------
# demo / map
# --------------------------------------------------------------------------------------


def test_demo_writes_the_map_the_geopackage_and_the_csv(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out)]) == EXIT_OK
    printed = capsys.readouterr().out
    for name in ("map.html", "results.gpkg", "results.csv"):
        assert (out / name).exists() and str(out / name) in printed
    claims = gz.read_positions(gz.examples.reported_positions_path())
    events = gz.read_positions(gz.examples.ucdp_events_path())
    n_in = len(claims) + len(events)
    results = pd.read_csv(out / "results.csv", keep_default_na=False, low_memory=False)
    assert len(results) == n_in and f"{n_in:,} rows" in printed
    assert set(results["dataset"]) == {"2018 claims", "UCDP GED"}
    import pyogrio

    assert sorted(pyogrio.list_layers(out / "results.gpkg")[:, 0]) == ["positions", "zones"]
    zones = gpd.read_file(out / "results.gpkg", layer="zones")
    assert zones["band"].tolist() == ["0–5 km", "5–20 km", "20–60 km"]
    html = (out / "map.html").read_text(encoding="utf-8")
    assert gz.maps.remote_references(html) == []
    assert "scenario_israel_60km_2018" in printed
    assert "UCDP GED" in html  # the events are credited on the map


def test_map_command_writes_an_offline_map_and_a_figure(tmp_path, capsys):
    src = tmp_path / "reports.csv"
    src.write_text("actor,lat,lon,date\nHezbollah,33.18,35.89,2018-06-01\nIRGC,32.62,36.10,\n")
    html, png = tmp_path / "map.html", tmp_path / "figure.png"
    argv = ["map", "--positions", str(src), "--scenario", "israel_60km_2018"]
    assert main([*argv, "--figure", str(png), "--out", str(html)]) == EXIT_OK
    assert gz.maps.remote_references(html.read_text(encoding="utf-8")) == []
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    assert main(["map", "--zones", "bravo_5_20_60", "--out", str(html)]) == EXIT_OK
    online = ["map", "--basemap", "osm", "--out", str(tmp_path / "online.html")]
    assert main(online) == EXIT_OK
    assert "tile.openstreetmap.org" in (tmp_path / "online.html").read_text(encoding="utf-8")


def test_check_can_draw_its_map(tmp_path):
    src = tmp_path / "reports.csv"
    src.write_text("actor,place\nHezbollah,Quneitra\nIRGC,Nowhere-on-earth\n")
    out, html = tmp_path / "r.gpkg", tmp_path / "m.html"
    assert main(["check", str(src), "--out", str(out), "--map", str(html)]) == EXIT_OK
    assert len(gpd.read_file(out)) == 2 and html.stat().st_size > 10_000


def test_demo_runs_as_a_subprocess(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "geozones", "demo", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "map.html" in done.stdout and done.stderr == ""  # no progress bar off a terminal


HOSTILE = __import__("pathlib").Path(__file__).parent / "data" / "hostile"


def test_check_reads_a_named_encoding_and_writes_formula_safe_csv(tmp_path):
    table = pd.DataFrame(
        {"lat": [33.1, 33.0], "lon": [35.9, 35.95], "actor": ["=HYPERLINK(1)", "حزب الله"]}
    )
    sheet = tmp_path / "arabic.csv"
    sheet.write_bytes(table.to_csv(index=False).encode("cp1256"))
    out, raw = tmp_path / "r.csv", tmp_path / "raw.csv"
    assert main(["check", str(sheet), "--encoding", "cp1256", "--out", str(out)]) == EXIT_OK
    assert pd.read_csv(out)["actor"].tolist() == ["'=HYPERLINK(1)", "حزب الله"]
    assert main(["check", str(sheet), "--encoding", "cp1256", "--raw", "--out", str(raw)]) == 0
    assert pd.read_csv(raw)["actor"].tolist() == ["=HYPERLINK(1)", "حزب الله"]
    assert gz.read_positions(out)["actor"].tolist() == ["=HYPERLINK(1)", "حزب الله"]


def test_an_unknown_encoding_is_refused_in_one_line(tmp_path, capsys):
    sheet = tmp_path / "p.csv"
    sheet.write_text("lat,lon\n33.1,35.9\n")
    code = main(["map", "--positions", str(sheet), "--encoding", "klingon", "--out", "m.html"])
    err = capsys.readouterr().err
    assert code == EXIT_REFUSED and "klingon" in err and "Traceback" not in err
