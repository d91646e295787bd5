"""Hostile input for checks, scenarios and coordinates: refused by name, or kept, never lost.

The files live in ``tests/data/hostile/`` (``scenario_*``, ``check_*``, ``coord_*`` and
``place_*``); each test says what used to happen.
"""

from __future__ import annotations

import pathlib
import re
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely import LineString

import geozones as gz
from geozones import checks
from geozones.actors import DEFAULT_GROUPS
from geozones.checks import BAND, DISTANCE_KM, RADIUS_M, SIDE
from geozones.errors import InputError
from geozones.positions import ERROR, UNCERTAINTY_M, read_positions, save_positions

HOSTILE = pathlib.Path(__file__).parent / "data" / "hostile"


# ----------------------------------------------------------------------- coordinates


def test_exponents_and_loose_letters_in_a_coordinate_column_name_the_cell():
    got = read_positions(HOSTILE / "coord_exponents_and_letters.csv", area=None)
    errors = dict(zip(got["id"].astype(int), got[ERROR], strict=True))
    exponent = "looks like a number in exponent notation"
    loose = "could belong to the number before it or after it"
    # rows 1-3 used to be read: (1.597, 33.1), (5, 1) and (-1.552, 35.8)
    for row, cell, token, why in [
        (1, "33.1e1 35.8", "33.1e1", exponent),
        (2, "1e5", "1e5", exponent),
        (3, "35.8e-1 33.1", "35.8e-1", exponent),
        (4, "33.1 35.8e-1", "35.8e-1", exponent),
        (5, "3.31E+01 3.58E+01", "3.31E+01", exponent),
    ]:
        assert errors[row] == (
            f"column 'coordinates': cannot read '{cell}' as coordinates: '{token}' {why}; "
            "write decimal degrees, with a space before a hemisphere letter"
        )
    # rows 6-8 used to put 33.1 on the E, although the letter touches 35.8 or both
    for row in (6, 7, 8):
        assert errors[row].startswith("column 'coordinates': cannot read '33.1")
        assert loose in errors[row]
    # a letter that touches one number only is its hemisphere
    read = got.set_index(got["id"].astype(int))
    assert errors[9] == "" and (read.loc[9, "lat"], read.loc[9, "lon"]) == (35.8, 33.1)
    assert errors[10] == "" and (read.loc[10, "lat"], read.loc[10, "lon"]) == (33.1, 35.8)
    assert got.loc[got[ERROR] != "", "lat"].isna().all()


# ------------------------------------------------------------------------- scenarios

SCENARIO_REFUSALS = {
    # file: (key, what the message says)
    "actors_string": (
        "excluded_actors",
        "must be a list of actor groups, not one string 'hezbollah' (write [\"hezbollah\"])",
    ),
    "actors_misspelt": (
        "excluded_actors",
        "unknown actor group 'hezbolah'; did you mean 'hezbollah'?",
    ),
    "actors_alias": (
        "excluded_actors",
        "unknown actor group 'Hizballah'; did you mean 'hezbollah'?",
    ),
    "actors_joined": ("excluded_actors", "unknown actor group 'iran;hezbollah'; did you mean"),
    "actors_empty": ("excluded_actors", "is empty: name the actor groups the scenario keeps away"),
    "actors_nested": ("excluded_actors", "must be a list of actor groups, not [['iran']]"),
    "actors_missing": ("excluded_actors", "the scenario needs excluded_actors"),
    "key_misspelt": (
        "excluded_actor",
        "unknown key 'excluded_actor'; did you mean 'excluded_actors'?",
    ),
    "key_unknown": ("in_force_form", "unknown key 'in_force_form'; did you mean 'in_force_from'?"),
    "key_outside_table": ("extra", "unknown key 'extra' outside the [scenario] table"),
    "distance_minus_60": (
        "distance_km",
        "must be a positive number of kilometres up to 20,000, not -60",
    ),
    "distance_0": ("distance_km", "must be a positive number of kilometres up to 20,000, not 0"),
    "distance_0_0": ("distance_km", "a positive number of kilometres up to 20,000, not 0.0"),
    "distance_inf": ("distance_km", "a positive number of kilometres up to 20,000, not inf"),
    "distance_minus_inf": ("distance_km", "up to 20,000, not -inf"),
    "distance_nan": ("distance_km", "up to 20,000, not nan"),
    "distance_1e9": ("distance_km", "up to 20,000, not 1000000000.0"),
    "distance_true": ("distance_km", "must be a number of kilometres, not True"),
    "distance_text": ("distance_km", "must be a number of kilometres, not '60'"),
    "distance_list": ("distance_km", "must be a number of kilometres, not [60]"),
    "side_unknown": ("side", "must be 'both', 'left' or 'right', not 'east'"),
    "side_case": ("side", "must be 'both', 'left' or 'right', not 'Left'"),
    "side_number": ("side", "must be 'both', 'left' or 'right', not 1"),
    "proxy_string": ("proxy", "must be true or false, not 'false'"),
    "title_number": ("title", "must be text, not 5"),
    "name_space": ("name", "must be 1 to 64 letters, digits and underscores, not 'a b'"),
    "name_path": ("name", "must be 1 to 64 letters, digits and underscores, not '../../x'"),
    "name_number": ("name", "must be 1 to 64 letters, digits and underscores, not 60"),
    "name_long": ("name", "must be 1 to 64 letters, digits and underscores, not 'xxxxxxxx"),
    "line_misspelt": (
        "line",
        "'alpha_lin' is neither a bundled layer nor a file; did you mean 'alpha_line'?",
    ),
    "line_number": ("line", "must be a bundled layer name or a file, not 5"),
    "line_missing_file": ("line", "'no_such_line.geojson' is neither a bundled layer nor a file"),
    "table_not_table": ("scenario", "must be a table ([scenario]), not 'israel'"),
    "toml_broken": ("", "not valid TOML"),
    "not_utf8": ("", "not UTF-8 text"),
}


def test_every_hostile_scenario_file_is_tried():
    files = {p.stem.removeprefix("scenario_") for p in HOSTILE.glob("scenario_*.toml")}
    assert files == set(SCENARIO_REFUSALS)


@pytest.mark.parametrize("stem", sorted(SCENARIO_REFUSALS))
def test_hostile_scenario_files_are_refused_naming_file_and_key(stem):
    path = HOSTILE / f"scenario_{stem}.toml"
    key, says = SCENARIO_REFUSALS[stem]
    with pytest.raises(InputError) as info:
        checks.load_scenario(path)
    message = str(info.value)
    assert message.startswith(f"{path}: "), message
    assert key in message and says in message
    # and the same through check_positions, which used to give 'not restricted' or
    # 'compliant' for most of them
    with pytest.raises(InputError, match=re.escape(str(path))):
        gz.check_positions(_one_position(), "alpha_line", scenarios=[path])


def _one_position() -> pd.DataFrame:
    return pd.DataFrame({"actor": ["Hezbollah"], "lat": [33.1838], "lon": [35.8916]})


def test_the_bundled_scenarios_are_valid():
    found = checks.bundled_scenarios()
    assert sorted(found) == ["arrangement_2017_5km", "israel_60km_2018"]
    for scenario in found.values():
        assert set(scenario.excluded_actors) <= set(DEFAULT_GROUPS)


def test_overrides_are_checked_like_the_file(tmp_path):
    path = checks.datasets.data_dir() / "scenarios" / "israel_60km_2018.toml"
    with pytest.raises(InputError) as info:
        checks.load_scenario(path, distance_km=-5)
    assert str(info.value) == (
        f"{path}: distance_km (argument) must be a positive number of kilometres up to "
        "20,000, not -5"
    )
    with pytest.raises(InputError, match="unknown argument 'excluded_actor'; did you mean"):
        checks.load_scenario(path, excluded_actor=["iran"])
    with pytest.raises(InputError, match=r"excluded_actors \(argument\) must be a list"):
        checks.load_scenario(path, excluded_actors="iran")
    with pytest.raises(InputError, match="unknown argument 'path'"):
        checks.load_scenario(path, path="elsewhere.toml")
    assert checks.load_scenario(path, excluded_actors=["iran"]).excluded_actors == ("iran",)


def test_groups_of_ones_own_are_known_when_given(tmp_path):
    path = tmp_path / "radwan.toml"
    path.write_text(
        '[scenario]\nname = "radwan"\nline = "alpha_line"\ndistance_km = 10\n'
        'excluded_actors = ["radwan"]\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="unknown actor group 'radwan'.*pass actors="):
        checks.load_scenario(path)
    actors = {"radwan": ["Radwan Force"]}
    assert checks.load_scenario(path, actors=actors).excluded_actors == ("radwan",)
    table = pd.DataFrame({"actor": ["Radwan Force"], "lat": [33.1838], "lon": [35.8916]})
    got = gz.check_positions(table, "alpha_line", scenarios=[path], actors=actors)
    assert got["scenario_radwan"].tolist() == ["breach"]


def _scenario(**changes) -> checks.Scenario:
    values = dict(
        name="demand",
        title="t",
        source="s",
        line="alpha_line",
        distance_km=60,
        side="left",
        excluded_actors=("iran", "hezbollah"),
    )
    return checks.Scenario(**(values | changes))


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"distance_km": -60}, "scenario 'demand': distance_km must be a positive number"),
        ({"distance_km": 0}, "scenario 'demand': distance_km must be a positive number"),
        ({"distance_km": float("inf")}, "scenario 'demand': distance_km must be a positive"),
        ({"excluded_actors": "hezbollah"}, "scenario 'demand': excluded_actors must be a list"),
        ({"excluded_actors": ()}, "scenario 'demand': excluded_actors is empty"),
        ({"side": "east"}, "scenario 'demand': side must be 'both', 'left' or 'right'"),
        ({"name": "a b"}, "scenario 'a b': name must be 1 to 64 letters"),
        ({"proxy": "no"}, "scenario 'demand': proxy must be true or false"),
        ({"line": 5}, "scenario 'demand': line must be a bundled layer name or a file"),
    ],
)
def test_scenario_objects_are_checked(changes, says):
    with pytest.raises(InputError, match=re.escape(says)):
        _scenario(**changes)


def test_scenario_objects_name_known_groups_when_checking():
    bad = _scenario(excluded_actors=("hezbolah",))  # known groups depend on `actors`
    with pytest.raises(InputError) as info:
        gz.check_positions(_one_position(), "alpha_line", scenarios=[bad])
    assert str(info.value).startswith(
        "scenario 'demand': excluded_actors: unknown actor group 'hezbolah'; "
        "did you mean 'hezbollah'?"
    )
    assert _scenario(excluded_actors=["iran"]).excluded_actors == ("iran",)  # a list is fine


def test_two_scenarios_of_one_name_are_refused():
    with pytest.raises(InputError, match="two scenarios named 'demand'"):
        gz.check_positions(
            _one_position(), "alpha_line", scenarios=[_scenario(), _scenario(distance_km=5)]
        )


@pytest.mark.parametrize("bad", [5, None, 3.5, b"israel_60km_2018"])
def test_scenarios_of_the_wrong_type_are_refused(bad):
    with pytest.raises(InputError, match="scenarios must be"):
        gz.check_positions(_one_position(), "alpha_line", scenarios=[bad])


# ------------------------------------------------------------------------ parameters


@pytest.mark.parametrize(
    ("distances_km", "says"),
    [
        ((5, 5.0000001), "distinct"),  # both would be state_5km
        ((5, float("inf")), "positive"),
        ((5, float("nan")), "positive"),
        ((-5, 20), "positive"),
        ((0, 20), "positive"),
        ((5, 30_000), "at most 20,000"),
        (((5, 20), (20, 60)), "a list of numbers"),
        (("5", "20"), "numbers of kilometres"),
        ((True, 20), "numbers of kilometres"),
        ((), "at least one"),
        ((20, 5), "increasing"),
    ],
)
def test_bad_thresholds_are_refused(distances_km, says):
    with pytest.raises(InputError, match=f"distances_km .*{says}"):
        gz.check_positions(_one_position(), "alpha_line", distances_km)


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("default_uncertainty_m", float("inf"), "default_uncertainty_m must be"),
        ("default_uncertainty_m", float("nan"), "default_uncertainty_m must be"),
        ("default_uncertainty_m", -1, "default_uncertainty_m must be"),
        ("default_uncertainty_m", 3e7, "default_uncertainty_m must be"),
        ("default_uncertainty_m", "500", "default_uncertainty_m must be"),
        ("default_uncertainty_m", True, "default_uncertainty_m must be"),
        ("line_accuracy", "no", "line_accuracy must be True or False"),
        ("line_accuracy", 1, "line_accuracy must be True or False"),
        ("threads", 0, "threads must be"),
        ("threads", -2, "threads must be"),
        ("threads", 1.5, "threads must be"),
        ("threads", True, "threads must be"),
        ("actors", "hezbollah", "actors must be"),
        ("actors", {"radwan": "Radwan Force"}, "actor group 'radwan': aliases must be a list"),
        ("actors", {"bad;name": ["x"]}, "actor group names are"),
        ("actors", {"radwan": [5]}, "actor group 'radwan': aliases must be text"),
    ],
)
def test_bad_options_are_refused(option, value, says):
    with pytest.raises(InputError, match=re.escape(says)):
        gz.check_positions(_one_position(), "alpha_line", **{option: value})


def test_the_dask_engine_is_refused_the_same_options_before_it_starts():
    with pytest.raises(InputError, match="default_uncertainty_m must be"):
        gz.check_positions(
            _one_position(), "alpha_line", engine="dask", default_uncertainty_m=float("inf")
        )


def test_unusable_uncertainty_radii_are_row_errors():
    # uncertainty_km = inf used to reach the map as an infinite circle (a traceback there)
    got = gz.check_positions(
        HOSTILE / "check_uncertainty.csv", "alpha_line", scenarios=["israel_60km_2018"]
    )
    errors = dict(zip(got["id"].astype(int), got[ERROR], strict=True))
    for row in (2, 3, 4, 5):
        assert errors[row].startswith("uncertainty_m is "), errors[row]
        assert errors[row].endswith("an uncertainty radius is 0 to 20,000 km")
    assert [errors[row] for row in (1, 6, 7)] == ["", "", ""]
    bad = got[ERROR] != ""
    assert got.loc[bad, DISTANCE_KM].isna().all() and got.loc[bad, RADIUS_M].isna().all()
    assert (got.loc[bad, "scenario_israel_60km_2018"] == "").all()
    assert np.isfinite(got.loc[~bad, RADIUS_M]).all()
    assert got.loc[got["id"].astype(int) == 7, "state_60km"].tolist() == ["uncertain"]


@pytest.mark.parametrize("value", [-5.0, float("inf"), "abc"])
def test_unusable_radii_in_a_table_already_read_are_row_errors(value):
    table = read_positions(_one_position())
    table[UNCERTAINTY_M] = pd.Series([value], dtype=object if isinstance(value, str) else float)
    got = gz.check_positions(table, "alpha_line")
    assert got[ERROR].iloc[0].startswith("uncertainty_m is ")
    assert np.isnan(got[DISTANCE_KM].iloc[0])


@pytest.mark.parametrize("accuracy_m", [float("inf"), -1.0])
def test_lines_with_unusable_accuracy_are_refused(accuracy_m):
    line = gpd.GeoDataFrame(
        {"name": ["mine"], "accuracy_m": [accuracy_m]},
        geometry=[LineString([(35.8, 33.4), (35.8, 32.6)])],
        crs=4326,
    )
    with pytest.raises(InputError, match="line 'mine': accuracy_m must be"):
        gz.check_positions(_one_position(), line, line_accuracy=True)


# --------------------------------------------------------------------- input columns


def test_input_columns_named_like_results_are_kept_under_input_():
    got = gz.check_positions(
        HOSTILE / "check_own_columns.csv", "alpha_line", scenarios=["israel_60km_2018"]
    )
    assert got.columns.is_unique
    raw = pd.read_csv(HOSTILE / "check_own_columns.csv", dtype=str, keep_default_na=False)
    kept = {
        "side": "input_2_side",  # input_side is taken by the file's own column
        "Band": "input_Band",  # GeoPackage field names ignore case
        "distance_km": "input_distance_km",
        "within_km": "input_within_km",
        "nearest_line": "input_nearest_line",
        "along_km": "input_along_km",
        "radius_m": "input_radius_m",
        "state_5km": "input_state_5km",
        "state_99km": "input_state_99km",  # not produced by this run, but a result's name
        "actor_groups": "input_actor_groups",
        "scenario_israel_60km_2018": "input_scenario_israel_60km_2018",
        "scenario_other": "input_scenario_other",
    }
    for name, new in kept.items():
        assert got[new].astype(str).tolist() == raw[name].tolist(), name
    assert got["input_side"].tolist() == ["kept", "kept too", "?"]
    assert got.attrs["input_columns"] == {new: old for old, new in kept.items()}
    assert got[SIDE].tolist() == ["left", "left", ""]
    assert got[DISTANCE_KM].round(1).tolist()[:2] == [4.7, 19.8]
    # this run's result columns only, so summaries count this run's scenarios only
    scenarios = sorted(c for c in got.columns if c.startswith("scenario_"))
    assert scenarios == ["scenario_israel_60km_2018"]
    assert "input_scenario_other" not in set(gz.summarize(got)["what"])


def test_the_input_is_not_changed():
    table = read_positions(_one_position().assign(side=["Syria"]))
    before = table.copy()
    gz.check_positions(table, "alpha_line")
    pd.testing.assert_frame_equal(table, before)


@pytest.mark.parametrize("suffix", [".csv", ".gpkg"])
def test_checking_geozones_own_output_again(tmp_path, suffix):
    # the second pass used to give duplicate columns (src_lat twice) that save_positions
    # could not write; every input column now survives every pass
    first = gz.check_positions(
        HOSTILE / "check_own_columns.csv", "alpha_line", scenarios=["israel_60km_2018"]
    )
    results = [first]
    for k in range(3):
        path = tmp_path / f"pass{k}{suffix}"
        save_positions(results[-1], path)
        again = gz.check_positions(
            read_positions(path), "alpha_line", scenarios=["israel_60km_2018"]
        )
        assert again.columns.is_unique
        assert len(again) == len(first)
        for column in (DISTANCE_KM, RADIUS_M):
            np.testing.assert_allclose(again[column], first[column], atol=1e-6)
        for column in (SIDE, BAND, "state_5km", "scenario_israel_60km_2018"):
            assert again[column].astype(str).tolist() == first[column].astype(str).tolist()
        # the unusable row has no lat/lon in the file, so its error is new: the first
        # pass's error is kept in src_error
        assert again[ERROR].tolist()[:2] == ["", ""] and again[ERROR].iloc[2]
        assert "latitude 95 is outside ±90" in again.iloc[2].astype(str).tolist()
        # the previous pass's results, kept
        previous = "input_3_side" if k == 0 else f"input_{k + 3}_side"
        assert again[previous].astype(str).tolist() == ["left", "left", ""]
        assert again["input_side"].astype(str).tolist() == ["kept", "kept too", "?"]
        results.append(again)
    assert gz.check_positions(tmp_path / f"pass2{suffix}", "alpha_line").columns.is_unique


def test_a_table_already_read_with_missing_errors_or_positions_loses_no_row():
    table = read_positions(
        pd.DataFrame({"actor": ["Hezbollah"] * 3, "lat": [33.18, 33.0, 33.1], "lon": [35.89] * 3})
    )
    table[ERROR] = pd.Series([None, "", ""], dtype=object)  # as a GeoPackage may give back
    table.loc[2, "lat"] = np.nan  # a row with no position and no error
    got = gz.check_positions(table, "alpha_line")
    assert got[ERROR].tolist() == ["", "", "no position: lon or lat is empty or not a number"]
    assert got[DISTANCE_KM].notna().tolist() == [True, True, False]


def test_the_summary_groups_unusable_radii_as_one_kind_of_error():
    got = gz.check_positions(HOSTILE / "check_uncertainty.csv", "alpha_line")
    errors = gz.summarize(got).query("what == 'error'")
    assert errors[["value", "count"]].values.tolist() == [
        ["uncertainty_m is # m (column '…': '…'): an uncertainty radius is # to # km", 4]
    ]


def test_long_cells_in_a_coordinate_column_are_refused_quickly():
    # a 30 KB cell of spaces after "(": the bracket regex took cubic time (hours)
    start = time.perf_counter()
    got = read_positions(HOSTILE / "coord_long_cells.csv", area=None)
    assert time.perf_counter() - start < 5.0  # generous: well under a second here
    assert got[ERROR].str.startswith("column 'coordinates': ").tolist() == [True, True, False]
    assert (got["lat"].iloc[2], got["lon"].iloc[2]) == (33.1, 35.8)
