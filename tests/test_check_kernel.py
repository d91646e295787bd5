"""The check kernel on its own: a request validated once (CheckSpec), one classify for both."""

import dataclasses

import geopandas as gpd
import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

from geozones import checks
from geozones.checks import CheckSpec, check_positions, check_spec, classify
from geozones.errors import InputError
from geozones.lines import LineSet
from geozones.positions import read_positions

REPORTS = pd.DataFrame(
    {
        "actor": ["Hezbollah", "Iranian advisers", "Syrian Arab Army", "", "Hezbollah"],
        "lat": [33.1838, 32.62, 33.05, 95.0, 33.5],
        "lon": [35.8916, 36.10, 35.95, 35.9, 36.3],
        "date": ["2018-05-02", "2018", "2017-03-19", "2018-01-01", ""],
        "uncertainty_m": [500, 30_000, None, None, 2_000],
    }
)


def test_check_spec_resolves_lines_and_scenarios_once():
    spec = check_spec("alpha_line", (5, 20, 60), scenarios=["israel_60km_2018"])
    assert isinstance(spec, CheckSpec)
    assert isinstance(spec.lines, LineSet) and spec.lines.names == ["alpha_line"]
    assert spec.distances_km == (5.0, 20.0, 60.0)
    assert [s.name for s in spec.scenarios] == ["israel_60km_2018"]
    assert len(spec.scenario_lines) == 1 and isinstance(spec.scenario_lines[0], LineSet)
    assert spec.line_key == "alpha_line"
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.distances_km = (1.0,)  # type: ignore[misc]


def test_check_spec_applies_undated_in_force_to_every_scenario():
    names = ["israel_60km_2018", "arrangement_2017_5km"]
    spec = check_spec("alpha_line", scenarios=names, undated_in_force=True)
    assert [s.undated_in_force for s in spec.scenarios] == [True, True]
    spec = check_spec("alpha_line", scenarios=names, undated_in_force=False)
    assert [s.undated_in_force for s in spec.scenarios] == [False, False]


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"distances_km": (20, 5)}, "distances_km"),
        ({"undated_in_force": "yes"}, "undated_in_force"),
        ({"default_uncertainty_m": -1}, "default_uncertainty_m"),
        ({"scenarios": ["no_such_scenario"]}, "no_such_scenario"),
    ],
)
def test_check_spec_refuses_a_bad_request_before_any_work(kwargs, named):
    with pytest.raises(InputError, match=named):
        check_spec("alpha_line", **kwargs)


def test_classify_is_what_check_positions_returns():
    scenarios = ["israel_60km_2018", "arrangement_2017_5km"]
    expected = check_positions(REPORTS, "alpha_line", scenarios=scenarios)
    table = read_positions(REPORTS)
    before = table.copy()
    got = classify(table, check_spec("alpha_line", scenarios=scenarios))
    assert isinstance(got, gpd.GeoDataFrame)
    pdt.assert_frame_equal(
        pd.DataFrame(got.drop(columns="geometry")), pd.DataFrame(expected.drop(columns="geometry"))
    )
    assert got.geometry.to_wkt().equals(expected.geometry.to_wkt())  # None where unplaced
    # the kernel does not touch its input
    pdt.assert_frame_equal(pd.DataFrame(table), pd.DataFrame(before))
    # and it really classified: a breach of the 60 km demand, a row with an error
    assert "breach" in set(got["scenario_israel_60km_2018"])
    assert got["error"].iloc[3] != "" and np.isnan(got["distance_km"].iloc[3])


def test_an_engine_receives_the_validated_spec(monkeypatch):
    received = {}

    def probe(positions, spec, **read_options):
        received.update(positions=positions, spec=spec, read_options=read_options)
        return "probe result"

    monkeypatch.setitem(checks._ENGINES, "dask", probe)
    out = check_positions(
        REPORTS, "alpha_line", (5, 60), scenarios=["israel_60km_2018"], engine="dask"
    )
    assert out == "probe result"
    spec = received["spec"]
    assert isinstance(spec, CheckSpec)
    assert spec.distances_km == (5.0, 60.0) and spec.lines.names == ["alpha_line"]
    assert [s.name for s in spec.scenarios] == ["israel_60km_2018"]
    assert received["positions"] is REPORTS


def test_a_request_the_spec_refuses_never_reaches_an_engine(monkeypatch):
    called = []
    monkeypatch.setitem(checks._ENGINES, "dask", lambda *a, **k: called.append(1))
    with pytest.raises(InputError, match="distances_km"):
        check_positions(REPORTS, "alpha_line", (60, 5), engine="dask")
    assert called == []
