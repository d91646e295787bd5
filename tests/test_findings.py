"""Verdicts an analyst can publish: time in force, roles, evidence, the findings ledger."""

from __future__ import annotations

import datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geozones import checks
from geozones.actors import ROLES, role_columns
from geozones.checks import Scenario, check_positions, findings, is_denied, summarize
from geozones.errors import InputError

# 4.45 km from the Alpha line on its left (Syrian) side
NEAR = (35.89, 33.18)
# about 70 km east of the line, on the left side
FAR = (36.62, 33.3)


def _day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def _scenario(**changes) -> Scenario:
    values = {
        "name": "demand",
        "title": "t",
        "source": "s",
        "line": "alpha_line",
        "distance_km": 60,
        "side": "left",
        "excluded_actors": ["iran", "hezbollah", "iran_backed_militias"],
        "in_force_from": _day("2017-07-01"),
        "in_force_to": _day("2018-06-17"),
    }
    return Scenario(**(values | changes))


def _positions(rows: list[dict]) -> gpd.GeoDataFrame:
    """A read_positions-like table: one dict per row (lon, lat, date, date_to, ...)."""
    table = pd.DataFrame(rows)
    n = len(table)
    defaults = {
        "row": np.arange(2, n + 2),
        "uncertainty_m": 0.0,
        "error": "",
        "place": "",
        "source": "monitor",
        "url": "",
        "date_precision": "day",
    }
    for column, value in defaults.items():
        if column not in table:
            table[column] = value
    for column in ("date", "date_to"):
        if column in table:
            table[column] = pd.to_datetime(table[column])
    for column, value in zip(("lon", "lat"), NEAR, strict=True):
        table[column] = table[column].fillna(value) if column in table else value
    return gpd.GeoDataFrame(
        table, geometry=gpd.points_from_xy(table["lon"], table["lat"]), crs=4326
    )


def _verdicts(rows, scenario=None, **options) -> list[str]:
    scenario = scenario or _scenario()
    result = check_positions(_positions(rows), "alpha_line", scenarios=[scenario], **options)
    return result[scenario.column].astype(str).tolist()


# --------------------------------------------------------------------------------------
# Scenarios in time
# --------------------------------------------------------------------------------------


def test_each_verdict():
    rows = [
        {"actor": "Hezbollah", "date": "2018-01-10"},  # breach
        {"actor": "Hezbollah", "date": "2018-01-10", "uncertainty_m": 80_000},  # uncertain
        {"actor": "Hezbollah", "date": "2018-01-10", "lon": FAR[0], "lat": FAR[1]},
        {"actor": "Hezbollah", "date": "2018-01-10", "lon": 35.70, "lat": 33.0},  # west
        {"actor": "Hezbollah", "date": "2017-03-19"},  # before the window
        {"actor": "Hezbollah", "date": "2018-07-01"},  # after it
        {"actor": "Hezbollah"},  # undated
        {"actor": "Syrian Arab Army", "date": "2018-01-10"},
        {"actor": "Hezbollah", "date": "2018-01-10", "error": "column 'lat' is empty"},
    ]
    assert _verdicts(rows) == [
        "breach",
        "uncertain",
        "compliant",
        "other side",
        "not in force",
        "not in force",
        "undated",
        "not restricted",
        "",
    ]


@pytest.mark.parametrize(
    ("start", "end", "precision", "expected"),
    [
        ("2017-07-01", "2017-07-01", "day", "breach"),  # the first day is in force
        ("2018-06-17", "2018-06-17", "day", "breach"),  # so is the last
        ("2017-06-30", "2017-06-30", "day", "not in force"),
        ("2018-06-18", "2018-06-18", "day", "not in force"),
        ("2017-01-01", "2017-12-31", "year", "uncertain"),  # "2017" straddles the start
        ("2018-01-01", "2018-12-31", "year", "uncertain"),  # "2018" straddles the end
        ("2016-01-01", "2016-12-31", "year", "not in force"),
        ("2018-03-01", "2018-03-31", "month", "breach"),
        ("2017-06-01", "2017-06-30", "month", "not in force"),
        ("2018-06-01", "2018-06-30", "month", "uncertain"),
        ("2017-06-28", "2017-07-04", "week", "uncertain"),
        ("2017-06-24", "2017-06-30", "week", "not in force"),
        ("2018-06-17 23:59", "2018-06-17 23:59", "day", "breach"),  # an instant, last day
    ],
)
def test_a_date_range_against_the_window(start, end, precision, expected):
    rows = [{"actor": "Hezbollah", "date": start, "date_to": end, "date_precision": precision}]
    assert _verdicts(rows) == [expected]


def test_a_straddling_range_is_never_a_breach_but_can_be_compliant():
    year = {"actor": "Hezbollah", "date": "2017-01-01", "date_to": "2017-12-31"}
    rows = [year, year | {"lon": FAR[0], "lat": FAR[1]}]
    assert _verdicts(rows) == ["uncertain", "compliant"]


def test_open_windows():
    rows = [{"actor": "Hezbollah", "date": "1990-01-01"}, {"actor": "Hezbollah"}]
    always = _scenario(in_force_from=None, in_force_to=None)
    assert _verdicts(rows, always) == ["breach", "breach"]  # no window: dates do not matter
    until = _scenario(in_force_from=None, in_force_to=_day("2000-01-01"))
    assert _verdicts(rows, until) == ["breach", "undated"]


def test_undated_in_force_by_scenario_key_and_by_option():
    rows = [{"actor": "Hezbollah"}]
    assert _verdicts(rows) == ["undated"]
    assert _verdicts(rows, _scenario(undated_in_force=True)) == ["breach"]
    assert _verdicts(rows, undated_in_force=True) == ["breach"]
    assert _verdicts(rows, _scenario(undated_in_force=True), undated_in_force=False) == ["undated"]
    with pytest.raises(InputError, match="undated_in_force must be"):
        _verdicts(rows, undated_in_force="yes")


def test_a_result_without_date_to_uses_the_date():
    rows = [{"actor": "Hezbollah", "date": "2018-01-10"}]
    table = _positions(rows).drop(columns=["date_to", "date_precision"], errors="ignore")
    result = check_positions(table, "alpha_line", scenarios=[_scenario()])
    assert result["scenario_demand"].tolist() == ["breach"]


def test_scenario_window_keys_in_toml(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(
        'name = "s"\nline = "alpha_line"\ndistance_km = 5\nexcluded_actors = ["iran"]\n'
        'in_force_from = 2017-11-08\nin_force_to = "2018-06-17"\nundated_in_force = true\n'
        'roles = ["side_a", "actor"]\n',
        encoding="utf-8",
    )
    s = checks.load_scenario(path)
    assert (s.in_force_from, s.in_force_to) == (_day("2017-11-08"), _day("2018-06-17"))
    assert s.undated_in_force is True
    assert s.roles == ("side_a", "actor")
    assert s.window == "in force from 2017-11-08 to 2018-06-17"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("in_force_from = 2018-13-01", "not valid TOML"),
        ('in_force_from = "1 June 2018"', "in_force_from must be a date written YYYY-MM-DD"),
        ("in_force_from = 2018-06-01T12:00:00", "not a time of day"),
        ("in_force_from = 2018-06-01\nin_force_to = 2018-05-01", "in_force_to 2018-05-01 is "),
        ("undated_in_force = 1", "undated_in_force must be true or false"),
        ('roles = ["side_c"]', "unknown role 'side_c'; did you mean 'side_b'"),
        ('roles = "side_a"', "roles must be a list of roles"),
        ("roles = []", "roles is empty"),
        ("in_force = 2018-06-01", "did you mean 'in_force_to'"),
    ],
)
def test_scenario_window_keys_are_checked(tmp_path, line, message):
    path = tmp_path / "s.toml"
    path.write_text(
        'name = "s"\nline = "alpha_line"\ndistance_km = 5\nexcluded_actors = ["iran"]\n'
        + line
        + "\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=message) as info:
        checks.load_scenario(path)
    assert str(path) in str(info.value)


def test_bundled_scenarios_have_windows_quoted_in_their_files():
    bundled = checks.bundled_scenarios()
    demand, arrangement = bundled["israel_60km_2018"], bundled["arrangement_2017_5km"]
    assert (demand.in_force_from, demand.in_force_to) == (_day("2017-07-01"), None)
    assert (arrangement.in_force_from, arrangement.in_force_to) == (
        _day("2017-11-08"),
        _day("2018-06-17"),
    )
    for s in (demand, arrangement):
        text = Path(s.path).read_text(encoding="utf-8")
        assert "reported" in text  # each date is quoted with the reporting behind it
        assert f"in_force_from = {s.in_force_from}" in text


# --------------------------------------------------------------------------------------
# Roles and evidence
# --------------------------------------------------------------------------------------


def test_role_columns_are_found_without_case():
    assert role_columns(["ACTOR1", "Assoc_Actor_1", "actor2", "x"]) == {
        "actor1": "ACTOR1",
        "assoc_actor_1": "Assoc_Actor_1",
        "actor2": "actor2",
    }
    assert set(ROLES) == {
        "actor",
        "side_a",
        "side_b",
        "actor1",
        "assoc_actor_1",
        "actor2",
        "assoc_actor_2",
    }


def _ucdp_row(**changes):
    row = {
        "actor": "Government of Israel; Hezbollah",
        "side_a": "Government of Israel",
        "side_b": "Hezbollah",
        "date": "2018-01-10",
        "where_coordinates": "Quneitra town",
    }
    return row | changes


def _acled_row(**changes):
    row = {
        "actor": "Military Forces of Israel; Hezbollah",
        "actor1": "Military Forces of Israel",
        "assoc_actor_1": "",
        "actor2": "Hezbollah",
        "assoc_actor_2": "Quds Force",
        "date": "2018-01-10",
    }
    return row | changes


def test_ucdp_roles_and_evidence():
    result = check_positions(_positions([_ucdp_row()]), "alpha_line", scenarios=[_scenario()])
    assert result["actor_roles"].tolist() == ["side_a=israel; side_b=hezbollah"]
    assert result["scenario_demand"].tolist() == ["breach"]
    evidence = result["evidence_demand"].iloc[0]
    assert evidence.startswith(
        "hezbollah named as side_b (UCDP: Government of Israel vs Hezbollah); 4.5 km from "
        "alpha_line, within 60 km; dated 2018-01-10, in force from 2017-07-01 to 2018-06-17"
    )
    # the result columns sit side by side
    columns = list(result.columns)
    k = columns.index("scenario_demand")
    assert columns[k : k + 3] == ["scenario_demand", "evidence_demand", "distance_km_demand"]


def test_acled_roles_and_evidence():
    result = check_positions(_positions([_acled_row()]), "alpha_line", scenarios=[_scenario()])
    assert result["actor_roles"].tolist() == ["actor1=israel; actor2=hezbollah; assoc_actor_2=iran"]
    evidence = result["evidence_demand"].iloc[0]
    assert evidence.startswith(
        "hezbollah named as actor2, iran named as assoc_actor_2 (ACLED: Military Forces of "
        "Israel vs Hezbollah with Quds Force); "
    )


def test_roles_a_scenario_counts():
    rows = [_ucdp_row(), _acled_row(), {"actor": "Hezbollah", "date": "2018-01-10"}]
    acting = _scenario(roles=["actor", "side_a", "actor1", "assoc_actor_1"])
    assert _verdicts(rows) == ["breach", "breach", "breach"]
    assert _verdicts(rows, acting) == ["not restricted", "not restricted", "breach"]
    as_target = [_ucdp_row(side_a="Hezbollah", side_b="Syrian insurgents")]
    assert _verdicts(as_target, acting) == ["breach"]


def test_a_mixed_table_gives_each_row_its_own_roles():
    # the demo concatenates plain claims and UCDP events: a claim's empty side_a/side_b
    # cells must not hide its actor
    rows = [_ucdp_row(), {"actor": "Hezbollah fighters", "side_a": "", "side_b": ""}]
    rows[1]["date"] = "2018-01-10"
    result = check_positions(_positions(rows), "alpha_line", scenarios=[_scenario()])
    assert result["actor_roles"].tolist() == [
        "side_a=israel; side_b=hezbollah",
        "actor=hezbollah",
    ]
    assert (
        result["evidence_demand"]
        .iloc[1]
        .startswith('hezbollah named as actor (actor: "Hezbollah fighters"); ')
    )


def test_every_verdict_but_not_restricted_has_evidence():
    rows = [
        {"actor": "Hezbollah", "date": "2018-01-10"},
        {"actor": "Hezbollah", "date": "2018-01-10", "uncertainty_m": 80_000},
        {"actor": "Hezbollah", "date": "2018-01-10", "lon": FAR[0], "lat": FAR[1]},
        {"actor": "Hezbollah", "date": "2018-01-10", "lon": 35.70, "lat": 33.0},
        {"actor": "Hezbollah", "date": "2017-03-19"},
        {"actor": "Hezbollah"},
        {"actor": "Syrian Arab Army", "date": "2018-01-10"},
    ]
    result = check_positions(_positions(rows), "alpha_line", scenarios=[_scenario()])
    evidence = dict(zip(result["scenario_demand"], result["evidence_demand"], strict=True))
    assert evidence["not restricted"] == ""
    assert "within 60 km" in evidence["breach"]
    assert "4.5 ± 80.0 km from alpha_line: may be within 60 km or beyond" in evidence["uncertain"]
    assert "beyond 60 km" in evidence["compliant"]
    assert "on the side demand does not restrict" in evidence["other side"]
    assert "dated 2017-03-19, before in force from 2017-07-01" in evidence["not in force"]
    assert "undated; the scenario is in force from 2017-07-01" in evidence["undated"]


def test_evidence_keeps_hostile_text_as_text():
    hostile = '{{ 7*7 }} <script>alert(1)</script> =HYPERLINK("x") Hezbollah'
    result = check_positions(
        _positions([{"actor": hostile, "date": "2018-01-10"}]),
        "alpha_line",
        scenarios=[_scenario()],
    )
    evidence = result["evidence_demand"].iloc[0]
    assert evidence.startswith("hezbollah named as actor (actor: ")
    assert "{{ 7*7 }} <script>" in evidence  # kept as written: escaping is the writer's job
    assert "\n" not in evidence


# --------------------------------------------------------------------------------------
# The ledger, claims and summaries
# --------------------------------------------------------------------------------------


def _claims_and_events():
    return _positions(
        [
            _ucdp_row(date="2017-03-19"),  # before the window: not in the ledger
            _ucdp_row(),  # breach
            {
                "actor": "Iranian advisers",
                "date": "2018-01-01",
                "date_to": "2018-12-31",
                "date_precision": "year",
                "status": "reported; denied",
                "denied_by": "an official of the Iran-led axis",
                "claim_text": "preparing to withdraw",
                "place": "Daraa",
                "source": "SOHR",
                "url": "https://example.org/a",
            },
            {"actor": "Syrian Arab Army", "date": "2018-01-10"},
        ]
    )


def test_findings_ledger():
    result = check_positions(_claims_and_events(), "alpha_line", scenarios=[_scenario()])
    ledger = findings(result)
    assert list(ledger.columns) == list(checks.FINDINGS_COLUMNS)
    assert ledger["row"].tolist() == [3, 4]  # breaches first
    assert ledger["verdict"].tolist() == ["breach", "uncertain"]
    first, second = ledger.iloc[0], ledger.iloc[1]
    assert (first["actor_group"], first["role"], first["dataset"]) == (
        "hezbollah",
        "side_b",
        "UCDP GED",
    )
    assert first["dates"] == "2018-01-10"
    assert first["place"] == "Quneitra town"  # UCDP's where_coordinates: place was empty
    assert first["scenario_km"] == 60.0
    assert first["margin_km"] == pytest.approx(60.0 - first["distance_km"])
    assert first["distance_km"] == pytest.approx(4.4516, abs=1e-3)
    assert first["claim_status"] == ""
    assert (second["actor_group"], second["role"], second["dates"]) == ("iran", "actor", "2018")
    assert second["claim_status"] == "reported; denied by an official of the Iran-led axis"
    assert (second["place"], second["source"], second["url"]) == (
        "Daraa",
        "SOHR",
        "https://example.org/a",
    )
    assert second["claim_text"] == "preparing to withdraw"
    assert second["date_from"] == pd.Timestamp("2018-01-01")
    assert second["date_to"] == pd.Timestamp("2018-12-31")


def test_findings_choose_a_scenario_and_survive_a_csv_round_trip(tmp_path):
    from geozones.positions import read_positions, save_positions

    other = _scenario(name="other", distance_km=10)
    result = check_positions(_claims_and_events(), "alpha_line", scenarios=[_scenario(), other])
    assert set(findings(result)["scenario"]) == {"demand", "other"}
    assert set(findings(result, "other")["scenario"]) == {"other"}
    assert set(findings(result, scenario=[other])["scenario"]) == {"other"}
    with pytest.raises(InputError, match="no column 'scenario_nope'"):
        findings(result, "nope")
    path = tmp_path / "r.csv"
    save_positions(result, path)
    back = read_positions(path)
    again = findings(back, "demand")
    expected = findings(result, "demand")
    for column in ("row", "verdict", "dates", "actor_group", "role", "scenario_km"):
        assert again[column].tolist() == expected[column].tolist(), column
    assert np.allclose(again["margin_km"], expected["margin_km"])


def test_findings_of_nothing_is_an_empty_ledger():
    result = check_positions(_positions([{"actor": "SAA", "date": "2018-01-10"}]), "alpha_line")
    ledger = findings(result)
    assert ledger.empty
    assert list(ledger.columns) == list(checks.FINDINGS_COLUMNS)


def test_is_denied():
    table = pd.DataFrame(
        {
            "status": [
                "reported; denied",
                "Disputed",
                "confirmed",
                "",
                None,
                "not denied",
                "never been disputed",
                "undisputed",
                "not denied; later denied",
            ],
            "denied_by": ["", "", "", "an official", None, "", "", "", ""],
        }
    )
    assert is_denied(table).tolist() == [True, True, False, True, False, False, False, False, True]
    assert is_denied(pd.DataFrame({"x": [1]})).tolist() == [False]


def test_summarize_counts_denied_claims_apart():
    result = check_positions(_claims_and_events(), "alpha_line", scenarios=[_scenario()])
    summary = summarize(result)
    verdicts = summary[summary["what"] == "scenario_demand"]
    assert dict(zip(verdicts["value"], verdicts["count"], strict=True)) == {
        "breach": 1,
        "uncertain (denied claim)": 1,
        "not in force": 1,
        "not restricted": 1,
    }
    claims = summary[summary["what"] == "claim status"]
    assert claims[["value", "count"]].values.tolist() == [["reported; denied", 1]]


def test_summarize_orders_bands_by_distance_after_a_csv_round_trip(tmp_path):
    from geozones.positions import read_positions, save_positions

    rows = [
        {"actor": "a", "lon": 36.9, "lat": 33.3},  # beyond 60 km
        {"actor": "a", "lon": 36.3, "lat": 33.3},  # 20–60 km
        {"actor": "a", "lon": 36.0, "lat": 33.2},  # 5–20 km
        {"actor": "a"},  # 0–5 km
    ]
    result = check_positions(_positions(rows), "alpha_line", (5, 20, 60))
    path = tmp_path / "r.csv"
    save_positions(result, path)
    back = read_positions(path)
    assert not back.attrs.get("distances_km")
    bands = summarize(back).query("what == 'band'")["value"].tolist()
    assert bands == ["0–5 km", "5–20 km", "20–60 km", "beyond 60 km"]


def test_attrs_record_the_scenarios():
    result = check_positions(_claims_and_events(), "alpha_line", scenarios=[_scenario()])
    assert result.attrs["scenarios"]["demand"] | {} == {
        "title": "t",
        "distance_km": 60.0,
        "side": "left",
        "in_force_from": "2017-07-01",
        "in_force_to": "2018-06-17",
        "line": "alpha_line",
        "roles": list(ROLES),
        "undated_in_force": False,
    }


def test_a_checked_table_joining_ucdp_events_and_claims_checks_again_the_same(tmp_path):
    # Read back, the demo's results.csv has side_a/side_b (empty on the claims' rows) and
    # the claims' actor: each row keeps its own actor, so checking it again gives the same
    # verdicts (the claims were "not restricted": their actor was lost).
    from geozones import examples
    from geozones.positions import read_positions, save_positions

    claims = read_positions(examples.reported_positions_path())
    events = read_positions(examples.ucdp_events_path())
    joined = gpd.GeoDataFrame(pd.concat([claims, events], ignore_index=True), crs=4326)
    scenarios = list(checks.bundled_scenarios())
    first = check_positions(joined, "alpha_line", scenarios=scenarios)
    path = tmp_path / "results.csv"
    save_positions(first, path)
    again = check_positions(read_positions(path), "alpha_line", scenarios=scenarios)
    assert again["actor"].tolist()[:4] == claims["actor"].tolist()
    for name in scenarios:
        column = f"scenario_{name}"
        assert again[column].tolist() == first[column].tolist(), column
        assert again[f"evidence_{name}"].tolist() == first[f"evidence_{name}"].tolist()
    assert (first["scenario_israel_60km_2018"] == "breach").sum() == 2


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        # 30 June where it was written, 1 July in UTC: never a breach of a window opening
        # on 1 July, nor "not in force" for 1 July 01:00 in UTC+3 (30 June 22:00 UTC)
        ("2017-06-30T22:00:00-04:00", "uncertain"),
        ("2017-07-01T01:00:00+03:00", "uncertain"),
        ("2017-07-02T10:00:00Z", "breach"),  # whatever the zone, 1 or 2 July
        ("2017-06-29T10:00:00Z", "not in force"),  # whatever the zone, 29 or 30 June
        ("2017-07-01 02:00", "breach"),  # no zone: the day as written
        ("2017-06-30 23:00", "not in force"),
    ],
)
def test_a_time_with_a_zone_is_judged_on_any_day_it_may_be_locally(written, expected):
    table = pd.DataFrame({"actor": ["Hezbollah"], "lat": [NEAR[1]], "lon": [NEAR[0]]})
    scenario = _scenario(in_force_to=None)
    result = check_positions(table.assign(date=[written]), "alpha_line", scenarios=[scenario])
    assert result["scenario_demand"].tolist() == [expected]
    if expected == "uncertain":
        evidence = result["evidence_demand"].iloc[0]
        assert "UTC (where it happened, that may be the day before or after), which" in evidence


@pytest.mark.parametrize("suffix", [".gpkg", ".csv"])
def test_findings_of_a_result_read_back_name_the_rows_first_checked(tmp_path, suffix):
    from geozones.positions import read_positions, save_positions

    result = check_positions(_claims_and_events(), "alpha_line", scenarios=[_scenario()])
    path = tmp_path / f"r{suffix}"
    save_positions(result, path)
    back = read_positions(path)
    assert findings(back)["row"].tolist() == findings(result)["row"].tolist() == [3, 4]
