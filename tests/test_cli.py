import re
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import geozones as gz
from geozones.cli import EXIT_BREACH, EXIT_OK, EXIT_REFUSED, EXIT_USAGE, LEDGER_ROWS, main

UCDP = (
    Path(__file__).resolve().parent.parent
    / "data"
    / "events"
    / ("ucdp_ged_syria_south_2017_2018.csv")
)


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
    assert "GeoNames" in out and "UCDP GED" in out


def test_credits_list_the_layers_then_ucdp_and_acled(capsys):
    assert main(["datasets", "--credits"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines == gz.datasets.credit_lines()
    assert lines[0] == gz.datasets.attribution()
    assert any(gz.datasets.EVENT_DATASET_CREDITS["UCDP GED"] in line for line in lines)
    assert any(gz.datasets.EVENT_DATASET_CREDITS["ACLED"] in line for line in lines)


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
        "actor,lat,lon,date\nHezbollah,33.18,35.89,2018-08-01\nIRGC,not a number,35.9,\n"
        "Russian MP,32.0,36.9,2018-08-01\n"
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
    assert main(["map"]) == EXIT_USAGE  # --out is required there too (not for check)


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


def test_map_basemap_takes_any_xyzservices_provider_and_suggests_names(tmp_path, capsys):
    out = tmp_path / "carto.html"
    assert main(["map", "--basemap", "Esri.WorldTopoMap", "--out", str(out)]) == EXIT_OK
    assert "arcgisonline.com" in out.read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(["map", "--basemap", "Esri.WorldTopoMp", "--out", str(out)]) == EXIT_REFUSED
    err = capsys.readouterr().err
    assert "Esri.WorldTopoMap" in err and "Traceback" not in err


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


# --------------------------------------------------------------------------------------
# the findings ledger in the terminal
# --------------------------------------------------------------------------------------


def _scenario_file(tmp_path, **keys) -> Path:
    """A scenario like Israel's 2018 demand, with no window unless `keys` give one."""
    body = "\n".join(f"{k} = {v}" for k, v in keys.items())
    path = tmp_path / "demand.toml"
    path.write_text(
        '[scenario]\nname = "demand"\ntitle = "test demand"\nsource = "tests"\n'
        'line = "alpha_line"\ndistance_km = 60\nside = "left"\n'
        f'excluded_actors = ["hezbollah"]\n{body}\n',
        encoding="utf-8",
    )
    return path


def _breach_rows(tmp_path, n: int) -> Path:
    rows = [
        f"Hezbollah,{33.0 + k / 1000:.3f},35.95,2018-08-{1 + k % 28:02d},Report {k}"
        for k in range(n)
    ]
    src = tmp_path / "reports.csv"
    src.write_text("actor,lat,lon,date,source\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return src


def test_check_without_out_prints_the_counts_and_the_ledger_and_writes_nothing(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    assert main(["check", str(UCDP), "--scenario", "israel_60km_2018"]) == EXIT_OK
    printed = capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []  # nothing written, not even a ledger
    assert "wrote nothing" in printed
    results = gz.check_positions(
        gz.read_positions(UCDP), "alpha_line", scenarios=["israel_60km_2018"]
    )
    verdicts = results["scenario_israel_60km_2018"].value_counts()
    for verdict, count in verdicts.items():
        if verdict and count:
            assert re.search(rf"^scenario_israel_60km_2018\s+{verdict}\s+{count}$", printed, re.M)
    ledger = gz.checks.findings(results)
    assert f"findings: {len(ledger):,} " in printed
    for rec in ledger.head(LEDGER_ROWS).itertuples():
        assert re.search(rf"^\s+{rec.row}\s+{rec.verdict}\s", printed, re.MULTILINE)
    if len(ledger) > LEDGER_ROWS:
        assert f"… and {len(ledger) - LEDGER_ROWS:,} more (pass --out to write them all)" in printed
    assert max(len(line) for line in printed.splitlines()) <= 100


def test_check_out_writes_the_whole_ledger_beside_it_and_says_how_many_more(tmp_path, capsys):
    src = _breach_rows(tmp_path, LEDGER_ROWS + 5)
    scenario = _scenario_file(tmp_path)
    out = tmp_path / "r.csv"
    assert main(["check", str(src), "--scenario", str(scenario), "--out", str(out)]) == EXIT_OK
    printed = capsys.readouterr().out
    ledger_path = tmp_path / "r.findings.csv"
    assert f"… and 5 more (all {LEDGER_ROWS + 5} in {ledger_path})" in printed
    ledger = pd.read_csv(ledger_path, keep_default_na=False)
    assert len(ledger) == LEDGER_ROWS + 5
    assert set(ledger["verdict"]) == {"breach"} and set(ledger["scenario"]) == {"demand"}
    assert ledger["row"].tolist() == list(range(2, LEDGER_ROWS + 7))
    rows = re.findall(r"^\s+(\d+)\s+breach\s+2018-08-\d\d\s", printed, re.MULTILINE)
    assert rows == [str(r) for r in range(2, LEDGER_ROWS + 2)]  # the first 20 in the terminal
    assert "Report 0" in printed and f"Report {LEDGER_ROWS}" not in printed


def test_the_ledger_file_is_formula_safe_and_the_terminal_gets_no_control_codes(tmp_path, capsys):
    src = tmp_path / "reports.csv"
    src.write_text(
        'actor,lat,lon,date,source\nHezbollah,33.0,35.95,2018-08-01,"=HYPERLINK(""x"")"\n'
        "Hezbollah,33.01,35.95,2018-08-02,Evil \x1b]0;owned\x07 \u202eoS\n",
        encoding="utf-8",
    )
    scenario = _scenario_file(tmp_path)
    out = tmp_path / "r.gpkg"
    assert main(["check", str(src), "--scenario", str(scenario), "--out", str(out)]) == EXIT_OK
    printed = capsys.readouterr().out
    assert "\x1b" not in printed and "\x07" not in printed and "\u202e" not in printed
    assert "Evil" in printed and "owned" in printed
    ledger = pd.read_csv(tmp_path / "r.findings.csv", keep_default_na=False)
    assert ledger["source"].iloc[0] == '\'=HYPERLINK("x")'
    raw = tmp_path / "raw.csv"
    argv = ["check", str(src), "--scenario", str(scenario), "--raw", "--out", str(raw)]
    assert main(argv) == EXIT_OK
    raw_ledger = pd.read_csv(tmp_path / "raw.findings.csv", keep_default_na=False)
    assert raw_ledger["source"].iloc[0] == '=HYPERLINK("x")'


def test_fail_on_breach_prints_the_ledger_and_exits_3(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    src = _breach_rows(tmp_path, 2)
    scenario = _scenario_file(tmp_path, in_force_from='"2018-07-01"')
    assert main(["check", str(src), "--scenario", str(scenario), "--fail-on-breach"]) == 3
    captured = capsys.readouterr()
    assert "findings: 2 (position, scenario) pairs: 2 breach" in captured.out
    assert "2018-08-01" in captured.out and "Report 1" in captured.out
    assert "2 breach(es) found" in captured.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demand.toml", "reports.csv"]
    # the same positions before the demand was made: no breach, exit 0, an empty ledger
    scenario = _scenario_file(tmp_path, in_force_from='"2019-01-01"')
    assert main(["check", str(src), "--scenario", str(scenario), "--fail-on-breach"]) == 0
    assert "findings: none" in capsys.readouterr().out


def test_the_summary_lists_bands_by_distance(tmp_path, capsys):
    out = tmp_path / "r.csv"
    assert main(["check", str(UCDP), "--out", str(out)]) == EXIT_OK
    printed = capsys.readouterr().out
    order = ["0–5 km", "5–20 km", "20–60 km", "beyond 60 km"]
    where = [re.search(rf"^band\s+{re.escape(b)}\s+\d", printed, re.MULTILINE) for b in order]
    assert all(where), printed
    assert [m.start() for m in where] == sorted(m.start() for m in where)
    # checked again from the CSV that was written, where DataFrame.attrs are lost
    assert main(["check", str(out)]) == EXIT_OK
    again = capsys.readouterr().out
    where = [re.search(rf"^band\s+{re.escape(b)}\s+\d", again, re.MULTILINE) for b in order]
    assert all(where) and [m.start() for m in where] == sorted(m.start() for m in where)


def test_ucdp_input_is_credited_in_the_printout_and_plain_input_is_not(tmp_path, capsys):
    assert main(["check", str(UCDP)]) == EXIT_OK
    credit = gz.datasets.EVENT_DATASET_CREDITS["UCDP GED"]
    assert f"Data credit: {credit}" in capsys.readouterr().out
    src = _breach_rows(tmp_path, 1)
    assert main(["check", str(src)]) == EXIT_OK
    assert "Data credit" not in capsys.readouterr().out
    acled = tmp_path / "acled.csv"
    acled.write_text(
        "event_id_cnty,event_date,time_precision,actor1,assoc_actor_1,actor2,latitude,"
        "longitude,geo_precision,source\n"
        "SYR1,2018-06-02,1,Military Forces of Israel (2009-),,Hezbollah,33.1,35.95,1,Source\n",
        encoding="utf-8",
    )
    assert main(["check", str(acled), "--scenario", "israel_60km_2018"]) == EXIT_OK
    printed = capsys.readouterr().out
    assert f"Data credit: {gz.datasets.EVENT_DATASET_CREDITS['ACLED']}" in printed
    assert "UCDP" not in printed


def test_demo_writes_the_ledger_and_the_timeline_and_no_breach_predates_its_scenario(
    tmp_path, capsys
):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out)]) == EXIT_OK
    printed = capsys.readouterr().out
    for name in ("findings.csv", "timeline.png"):
        assert (out / name).exists() and str(out / name) in printed
    assert (out / "timeline.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ledger = pd.read_csv(out / "findings.csv", keep_default_na=False)
    assert len(ledger) and set(ledger["verdict"]) <= {"breach", "uncertain"}
    assert f"findings: {len(ledger):,} " in printed
    scenarios = gz.checks.bundled_scenarios()
    breaches = ledger[ledger["verdict"] == "breach"]
    for rec in breaches.itertuples():
        start = scenarios[rec.scenario].in_force_from
        assert start is not None and pd.Timestamp(rec.date_to) >= pd.Timestamp(start), rec
        assert rec.evidence and rec.source and rec.date_from, rec  # each has its evidence
    # the printed ledger: every breach line's dates end on or after its scenario's start
    heading, seen = None, 0
    for line in printed.splitlines():
        named = re.match(r"(\w+): within ", line)
        if named and named.group(1) in scenarios:
            heading = named.group(1)
        row = re.match(r"\s+\d+\s+breach\s+(\d{4}(?:-\d\d){0,2})(?: to (\S+))?\s", line)
        if row:
            last = pd.Period(row.group(2) or row.group(1)).end_time
            assert last >= pd.Timestamp(scenarios[heading].in_force_from), line
            seen += 1
    assert seen == min(len(breaches), LEDGER_ROWS)  # breaches come first in the ledger
    assert "roles counted as presence: all" in printed
    same = gz.datasets.syrian_side_zones()
    assert gz.cli._areas_text(same) in printed
    html = (out / "map.html").read_text(encoding="utf-8")
    for area in same["area_km2"]:  # the legend quotes the same figures
        assert f"{area:,.0f} km²" in html
    assert f"Data credit: {gz.datasets.EVENT_DATASET_CREDITS['UCDP GED']}" in printed
    zones = gpd.read_file(out / "results.gpkg", layer="zones")
    held = gz.load_territory("syrian_held").buffer(1e-9)
    assert shapely.area(zones.geometry.difference(held).array).max() == pytest.approx(0, abs=1e-12)


def test_the_summary_gets_no_control_codes_or_forged_lines(tmp_path, capsys):
    # a claim's status is counted in the summary: a newline there must not forge a row,
    # and an escape sequence must not reach the terminal (ESC[8m hides what follows)
    src = tmp_path / "reports.csv"
    src.write_text(
        "actor,lat,lon,date,status\n"
        'Hezbollah,33.0,35.95,2018-08-01,"reported\nscenario_x    compliant   1"\n'
        "Hezbollah,33.01,35.95,2018-08-02,reported \x1b[8m \u202edenied\n",
        encoding="utf-8",
    )
    assert main(["check", str(src), "--scenario", "israel_60km_2018"]) == EXIT_OK
    printed = capsys.readouterr().out
    assert "\x1b" not in printed and "\u202e" not in printed
    lines = printed.splitlines()
    assert not any(line.startswith("scenario_x") for line in lines)
    assert any("reported scenario_x compliant 1" in line for line in lines)


def test_a_scenario_file_colours_the_map_of_check_and_of_map(tmp_path, capsys):
    # the map is coloured by the scenario's name (in the file), not by its path
    src = tmp_path / "reports.csv"
    src.write_text("actor,lat,lon,date\nHezbollah,33.0,35.95,2018-08-01\n", encoding="utf-8")
    scenario = _scenario_file(tmp_path)
    html = tmp_path / "m.html"
    argv = ["check", str(src), "--scenario", str(scenario), "--map", str(html)]
    assert main(argv) == EXIT_OK  # was: "no scenario column '…/demand.toml'"
    assert html.exists()
    other = tmp_path / "m2.html"
    argv = ["map", "--positions", str(src), "--scenario", str(scenario), "--out", str(other)]
    assert main(argv) == EXIT_OK
    assert other.exists()
    capsys.readouterr()


def test_map_prints_the_data_credit(tmp_path, capsys):
    from geozones import examples

    out = tmp_path / "m.html"
    argv = ["map", "--positions", str(examples.ucdp_events_path()), "--out", str(out)]
    assert main(argv) == EXIT_OK
    printed = capsys.readouterr().out
    assert "Data credit: UCDP GED (CC BY 4.0), Sundberg & Melander 2013" in printed
