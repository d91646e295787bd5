import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
from shapely import LineString

import geozones as gz
from geozones import checks
from geozones.checks import (
    ACTOR_GROUPS,
    BAND,
    DISTANCE_KM,
    NEAREST_LINE,
    RADIUS_M,
    SIDE,
    WITHIN_KM,
    state_column,
)
from geozones.errors import InputError
from geozones.positions import ERROR

GEOD = pyproj.Geod(ellps="WGS84")
ALPHA = gz.datasets.load("alpha_line").geometry.iloc[0]
# a long straight north-south segment: points built perpendicular to it are exact
STRAIGHT = LineString([(35.80, 33.40), (35.80, 32.60)])


def _offset(distance_m, *, lat=33.0, east=True):
    """A point exactly `distance_m` east (or west) of STRAIGHT, at `lat`."""
    # the line is a meridian: the geodesic leaving it due east or west meets it at 90°
    lon, lat2, _ = GEOD.fwd(35.80, lat, 90.0 if east else 270.0, distance_m)
    return lon, lat2


def _table(distances_m, *, uncertainty_m=0.0, actor="Hezbollah", east=True):
    pts = [_offset(d, east=east) for d in distances_m]
    return pd.DataFrame(
        {
            "actor": actor,
            "lon": [p[0] for p in pts],
            "lat": [p[1] for p in pts],
            "uncertainty_m": uncertainty_m,
        }
    )


def test_exact_thresholds_just_inside_and_just_outside():
    d = [4_999.99, 5_000.0, 5_000.01, 19_999.99, 20_000.01, 59_999.99, 60_000.01, 80_000]
    r = gz.check_positions(_table(d), STRAIGHT)
    np.testing.assert_allclose(r[DISTANCE_KM], np.array(d) / 1000.0, atol=1e-6)
    np.testing.assert_array_equal(r[WITHIN_KM], [5, 5, 20, 20, 60, 60, np.nan, np.nan])
    assert r[BAND].tolist() == [
        "0–5 km",
        "0–5 km",
        "5–20 km",
        "5–20 km",
        "20–60 km",
        "20–60 km",
        "beyond 60 km",
        "beyond 60 km",
    ]
    assert (r[ERROR] == "").all()
    assert (r[SIDE] == "left").all()  # the line runs south; east is its left


def test_uncertainty_makes_a_threshold_uncertain():
    r = gz.check_positions(
        _table([4_900, 4_900, 5_100, 5_100], uncertainty_m=[50, 200, 50, 200]), STRAIGHT
    )
    assert r[state_column(5)].tolist() == ["inside", "uncertain", "outside", "uncertain"]
    assert r[state_column(20)].tolist() == ["inside"] * 4
    assert r[RADIUS_M].tolist() == [50, 200, 50, 200]


def test_line_accuracy_is_added_to_the_radius_when_asked():
    lon, lat = 35.8916, 33.1838  # Khan Arnabah, 4.69 km from the Alpha line
    table = pd.DataFrame({"lon": [lon], "lat": [lat], "uncertainty_m": [100.0]})
    plain = gz.check_positions(table, "alpha_line")
    careful = gz.check_positions(table, "alpha_line", line_accuracy=True)
    assert plain[state_column(5)].iloc[0] == "inside"
    assert careful[RADIUS_M].iloc[0] == pytest.approx(400.0)  # 100 + the line's 300 m
    assert careful[state_column(5)].iloc[0] == "uncertain"


def test_default_uncertainty_for_unknown_radii():
    table = pd.DataFrame({"lon": [_offset(4_950)[0]], "lat": [_offset(4_950)[1]]})
    assert gz.check_positions(table, STRAIGHT)[state_column(5)].iloc[0] == "inside"
    r = gz.check_positions(table, STRAIGHT, default_uncertainty_m=100)
    assert r[state_column(5)].iloc[0] == "uncertain"


def test_side_and_nearest_line_among_several():
    lines = gpd.GeoDataFrame(
        {"name": ["west", "east"]},
        geometry=[
            LineString([(35.7, 33.4), (35.7, 32.6)]),
            LineString([(36.0, 33.4), (36.0, 32.6)]),
        ],
        crs=4326,
    )
    table = pd.DataFrame({"lon": [35.72, 35.98, 35.6], "lat": [33.0, 33.0, 33.0]})
    r = gz.check_positions(table, lines)
    assert r[NEAREST_LINE].tolist() == ["west", "east", "west"]
    assert r[SIDE].tolist() == ["left", "right", "right"]


def test_dated_positions_use_the_lines_in_force():
    lines = gpd.GeoDataFrame(
        {
            "name": ["old line", "new line"],
            "valid_from": pd.to_datetime(["2017-01-01", "2018-01-01"]),
            "valid_to": pd.to_datetime(["2017-12-31", pd.NaT]),
        },
        geometry=[
            LineString([(35.7, 33.4), (35.7, 32.6)]),
            LineString([(36.0, 33.4), (36.0, 32.6)]),
        ],
        crs=4326,
    )
    table = pd.DataFrame(
        {
            "lon": [35.98, 35.98, 35.98, 35.98],
            "lat": [33.0] * 4,
            "date": ["2017-06-01", "2018-06-01", "", "2016-06-01"],
        }
    )
    r = gz.check_positions(table, lines)
    assert r[NEAREST_LINE].tolist()[:3] == ["old line", "new line", "new line"]
    assert r[DISTANCE_KM].iloc[0] > 20 and r[DISTANCE_KM].iloc[1] < 2
    assert r[ERROR].iloc[3].startswith("no line in force on 2016-06-01")
    assert np.isnan(r[DISTANCE_KM].iloc[3])


def test_bundled_lines_carry_their_1974_start_date():
    table = pd.DataFrame({"lon": [35.9], "lat": [33.1], "date": ["1970-01-01"]})
    r = gz.check_positions(table, "alpha_line")
    assert "no line in force on 1970-01-01" in r[ERROR].iloc[0]


def test_actor_groups_and_scenarios():
    table = pd.concat(
        [
            _table([30_000], actor="Hizballah fighters"),
            _table([70_000], actor="IRGC advisers"),
            _table([30_000], actor="Syrian Arab Army"),
            _table([30_000], actor="Hezbollah", east=False),
            _table([59_900], actor="Quds Force", uncertainty_m=500),
        ],
        ignore_index=True,
    )
    scenario = checks.Scenario(
        name="demand",
        title="t",
        source="s",
        line=STRAIGHT,
        distance_km=60,
        side="left",
        excluded_actors=("iran", "hezbollah", "iran_backed_militias"),
    )
    r = gz.check_positions(table, STRAIGHT, scenarios=[scenario])
    assert r[ACTOR_GROUPS].tolist() == [
        "hezbollah",
        "iran",
        "syrian_government",
        "hezbollah",
        "iran",
    ]
    assert r["scenario_demand"].tolist() == [
        "breach",
        "compliant",
        "not restricted",
        "other side",
        "uncertain",
    ]


def test_bundled_scenarios_quote_their_sources():
    found = checks.bundled_scenarios()
    israel = found["israel_60km_2018"]
    assert israel.distance_km == 60 and israel.line == "alpha_line" and israel.side == "left"
    assert "60 km" in israel.source and "Golan" in israel.source
    arrangement = found["arrangement_2017_5km"]
    assert arrangement.proxy and "contact" in arrangement.note
    assert "5–20 km" in arrangement.source
    r = gz.check_positions(
        pd.DataFrame(
            {"actor": ["Hezbollah"] * 2, "place": ["Daraa"] * 2, "date": ["2018-03-01", ""]}
        ),
        "alpha_line",
        scenarios=["israel_60km_2018", "arrangement_2017_5km"],
    )
    # Daraa is ~40 km from Alpha; both scenarios are in force on 2018-03-01
    assert r["scenario_israel_60km_2018"].tolist() == ["breach", "undated"]
    assert r["scenario_arrangement_2017_5km"].tolist() == ["compliant", "undated"]


def test_scenario_from_toml_with_overrides(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(
        '[scenario]\nname = "contact_5km"\nline = "line.geojson"\ndistance_km = 5\n'
        'excluded_actors = ["hezbollah"]\n',
        encoding="utf-8",
    )
    gpd.GeoDataFrame(geometry=[STRAIGHT], crs=4326).to_file(tmp_path / "line.geojson")
    s = checks.load_scenario(path)
    assert s.line == str(tmp_path / "line.geojson")
    r = gz.check_positions(_table([3_000, 7_000]), STRAIGHT, scenarios=[path])
    assert r["scenario_contact_5km"].tolist() == ["breach", "compliant"]
    wider = checks.load_scenario(path, distance_km=10)
    assert wider.distance_km == 10
    bad = tmp_path / "bad.toml"
    bad.write_text("[scenario]\nname = 'x'\n", encoding="utf-8")
    with pytest.raises(InputError, match="needs line, distance_km"):
        checks.load_scenario(bad)
    with pytest.raises(InputError, match="no scenario 'nope'"):
        gz.check_positions(_table([1]), STRAIGHT, scenarios=["nope"])


def test_every_input_row_comes_out_once_in_order():
    table = pd.DataFrame(
        {
            "id": [1, 2, 3, 4],
            "lat": ["33.1", "95", "", "32.9"],
            "lon": ["35.9", "35.8", "", "35.95"],
        }
    )
    r = gz.check_positions(table, "alpha_line")
    assert r["id"].tolist() == [1, 2, 3, 4]
    assert r["row"].tolist() == [2, 3, 4, 5]
    assert (r[ERROR] != "").tolist() == [False, True, True, False]
    assert r[DISTANCE_KM].isna().tolist() == [False, True, True, False]
    assert r[BAND].tolist()[1:3] == ["", ""]


def test_summary_counts_bands_groups_and_errors():
    table = pd.DataFrame(
        {
            "actor": ["Hezbollah", "IRGC", "Hezbollah", "Syrian Arab Army"],
            "lat": ["33.18", "95", "abc", "33.0"],
            "lon": ["35.89", "35.8", "35.8", "37.0"],
        }
    )
    r = gz.check_positions(table, "alpha_line")
    s = gz.summarize(r)
    as_dict = {(w, v): c for w, v, c in s.itertuples(index=False)}
    assert as_dict[("band", "0–5 km")] == 1
    assert as_dict[("band", "beyond 60 km")] == 1
    assert as_dict[("band", "(not used)")] == 2
    assert as_dict[("actor group", "hezbollah")] == 2
    assert as_dict[("error", "latitude # is outside ±#")] == 1
    assert as_dict[("error", "column '…': '…' is not a number")] == 1


def test_bad_thresholds():
    with pytest.raises(InputError, match="increasing"):
        gz.check_positions(_table([1]), STRAIGHT, (20, 5))
    with pytest.raises(InputError, match="positive"):
        gz.check_positions(_table([1]), STRAIGHT, (0, 5))
