"""Counts of checked positions over time, and their figure."""

import copy

import numpy as np
import pandas as pd
import pytest

import geozones as gz
from geozones import checks
from geozones.errors import InputError
from geozones.timeline import (
    BAND,
    COUNT,
    GROUP,
    MULTI_PERIOD,
    NOT_COUNTED,
    PERIOD,
    plot_timeline,
    timeline,
)

NEAR, MID, FAR, BEYOND = "0–5 km", "5–20 km", "20–60 km", "beyond 60 km"


def _results():
    """Seven rows: five counted (Jan, Jan, Mar, Mar, Apr 2018), one undated, one error."""
    return pd.DataFrame(
        {
            "date": pd.to_datetime(
                [
                    "2018-01-05",
                    "2018-01-31",
                    "2018-03-02",
                    "2018-03-20",
                    "2018-04-30",
                    None,
                    "2018-02-10",
                ]
            ),
            "date_to": pd.to_datetime(
                [
                    "2018-01-05",
                    "2018-02-02",  # runs into February: counted in January, once
                    "2018-03-02",
                    "2018-03-31",
                    "2018-04-30",
                    None,
                    "2018-02-10",
                ]
            ),
            "band": pd.Categorical(
                [NEAR, NEAR, BEYOND, MID, NEAR, "", ""],
                categories=[NEAR, MID, FAR, BEYOND, ""],
            ),
            "actor_groups": ["hezbollah;iran", "iran", "", "hezbollah", "iran", "iran", "iran"],
            "source": ["a", "b", "a", "a", "b", "a", "a"],
            "error": ["", "", "", "", "", "", "no coordinates"],
        }
    )


def _cell(t, period, band, group):
    row = t[(t[PERIOD] == pd.Timestamp(period)) & (t[BAND] == band) & (t[GROUP] == group)]
    assert len(row) == 1, row
    return int(row[COUNT].iloc[0]), int(row[MULTI_PERIOD].iloc[0])


def test_monthly_counts_by_actor_group_are_exact():
    t = timeline(_results())
    assert list(t.columns[:5]) == [PERIOD, BAND, GROUP, COUNT, MULTI_PERIOD]
    assert t[PERIOD].drop_duplicates().tolist() == list(
        pd.date_range("2018-01-01", "2018-04-01", freq="MS")
    )
    got = {
        (p.strftime("%Y-%m"), b, g): (c, m)
        for p, b, g, c, m in t[t[COUNT] > 0][[PERIOD, BAND, GROUP, COUNT, MULTI_PERIOD]].values
    }
    assert got == {
        ("2018-01", NEAR, "hezbollah"): (1, 0),
        ("2018-01", NEAR, "iran"): (2, 1),  # "hezbollah;iran" counts for both groups
        ("2018-03", MID, "hezbollah"): (1, 0),
        ("2018-03", BEYOND, "(no group)"): (1, 0),
        ("2018-04", NEAR, "iran"): (1, 0),
    }
    # four periods × four bands × three groups seen, zeros included
    assert len(t) == 4 * 4 * 3
    assert t.attrs["positions"] == 5
    assert int(t[COUNT].sum()) == 6  # 5 positions, one of them naming two groups


def test_gaps_are_zero_for_every_band_and_group():
    t = timeline(_results())
    february = t[t[PERIOD] == pd.Timestamp("2018-02-01")]
    assert len(february) == 4 * 3
    assert february[COUNT].tolist() == [0] * 12
    assert set(february[GROUP]) == {"hezbollah", "iran", "(no group)"}


def test_quarterly_and_by_none():
    t = timeline(_results(), freq="QS", by=None)
    assert t[PERIOD].drop_duplicates().tolist() == [
        pd.Timestamp("2018-01-01"),
        pd.Timestamp("2018-04-01"),
    ]
    assert set(t[GROUP]) == {"all"}
    by_cell = t.set_index([PERIOD, BAND])[COUNT]
    assert by_cell[(pd.Timestamp("2018-01-01"), NEAR)] == 2
    assert by_cell[(pd.Timestamp("2018-01-01"), MID)] == 1
    assert by_cell[(pd.Timestamp("2018-01-01"), BEYOND)] == 1
    assert by_cell[(pd.Timestamp("2018-04-01"), NEAR)] == 1
    assert int(t[COUNT].sum()) == 5
    # the January–February range lies inside the first quarter: not multi-period
    assert int(t[MULTI_PERIOD].sum()) == 0


def test_by_any_column():
    t = timeline(_results(), by="source", freq="YS")
    assert t.groupby(GROUP)[COUNT].sum().to_dict() == {"a": 3, "b": 2}


def test_undated_and_error_rows_are_reported_not_dropped():
    t = timeline(_results())
    assert t.attrs["not_counted"] == {"error": 1, "undated": 1, "unreadable date": 0, "no band": 0}
    assert tuple(t.attrs["not_counted"]) == NOT_COUNTED
    assert t.attrs["positions"] + sum(t.attrs["not_counted"].values()) == len(_results())


def test_results_read_back_from_csv(tmp_path):
    """Text dates, text bands (alphabetical order is wrong), no date_to, an unreadable date."""
    df = _results().drop(columns="date_to")
    df.loc[2, "date"] = pd.NaT
    path = tmp_path / "results.csv"
    df.to_csv(path, index=False)
    back = pd.read_csv(path, dtype=str, keep_default_na=False)
    back.loc[2, "date"] = "sometime in 2018"
    back.loc[3, "band"] = FAR
    back.loc[0, "band"] = MID
    t = timeline(back, by=None)
    assert list(t[BAND].cat.categories) == [NEAR, MID, FAR]  # alphabetically 20–60 < 5–20
    assert t.attrs["not_counted"] == {"error": 1, "undated": 1, "unreadable date": 1, "no band": 0}
    assert int(t[COUNT].sum()) == 4
    assert int(t[MULTI_PERIOD].sum()) == 0  # no date_to: each position is its day


def test_bands_sort_by_distance_not_alphabetically():
    df = pd.DataFrame(
        {
            "date": pd.to_datetime(["2018-01-01"] * 5),
            "band": ["beyond 100 km", "20–100 km", "5–20 km", "0–5 km", "2.5–5 km"],
            "error": "",
        }
    )
    df.loc[3, "band"] = "0–2.5 km"
    t = timeline(df, by=None)
    assert list(t[BAND]) == ["0–2.5 km", "2.5–5 km", "5–20 km", "20–100 km", "beyond 100 km"]
    assert t[BAND].cat.ordered


def test_a_band_that_no_position_is_in_still_has_its_zero():
    t = timeline(_results(), by=None)
    assert FAR in set(t[BAND])  # a category of the check's band column
    assert int(t.loc[t[BAND] == FAR, COUNT].sum()) == 0


def test_inputs_are_not_changed():
    df = _results()
    df.attrs["scenarios"] = {"demand": {"in_force_from": "2018-02-01", "in_force_to": None}}
    before = df.copy(deep=True)
    attrs = copy.deepcopy(df.attrs)
    timeline(df)
    plot_timeline(df)
    pd.testing.assert_frame_equal(df, before)
    assert df.attrs == attrs


def test_scenario_windows_from_the_results_or_given():
    df = _results()
    df.attrs["scenarios"] = {"demand": {"in_force_from": "2018-02-15", "in_force_to": None}}
    t = timeline(df, by=None)
    assert t.attrs["windows"] == {"demand": (pd.Timestamp("2018-02-15"), None)}
    month = t.drop_duplicates(PERIOD).set_index(PERIOD)["in_force_demand"]
    assert month.tolist() == ["not in force", "partly", "in force", "in force"]
    t = timeline(df, by=None, scenarios={"deal": ("2018-01-01", "2018-03-31")})
    month = t.drop_duplicates(PERIOD).set_index(PERIOD)["in_force_deal"]
    assert month.tolist() == ["in force", "in force", "in force", "not in force"]
    assert "in_force_demand" not in t
    assert not any(c.startswith("in_force_") for c in timeline(df, scenarios=()).columns)


def test_bundled_scenarios_by_name_read_their_dates():
    t = timeline(_results(), scenarios=["israel_60km_2018"])
    s = checks.bundled_scenarios()["israel_60km_2018"]
    expected = tuple(
        None if v is None else pd.Timestamp(v)
        for v in (getattr(s, "in_force_from", None), getattr(s, "in_force_to", None))
    )
    assert t.attrs["windows"] == {"israel_60km_2018": expected}


@pytest.mark.parametrize(
    ("change", "kwargs", "message"),
    [
        (lambda d: d.drop(columns="band"), {}, "results have no 'band' column: pass the result"),
        (lambda d: d.drop(columns="date"), {}, "results have no 'date' column"),
        (lambda d: d.drop(columns="actor_groups"), {}, "no 'actor_groups' column"),
        (lambda d: d, {"by": "nope"}, "no 'nope' column"),
        (lambda d: d, {"freq": "fortnightly"}, "freq must be a pandas frequency"),
        (lambda d: d, {"freq": "ME"}, "labels periods by their last day"),
        (lambda d: d, {"freq": "h"}, "a day or longer"),
        (lambda d: d, {"scenarios": {"x": ("2018-05-01", "2018-01-01")}}, "is after"),
        (lambda d: d, {"scenarios": {"x": ("soon", None)}}, "in_force_from must be a date"),
        (lambda d: d, {"scenarios": ["no_such_scenario"]}, "no scenario 'no_such_scenario'"),
    ],
)
def test_errors_name_what_is_wrong(change, kwargs, message):
    with pytest.raises(InputError, match=message):
        timeline(change(_results()), **kwargs)


def test_nothing_counted_gives_an_empty_table():
    df = _results().iloc[5:]
    t = timeline(df)
    assert len(t) == 0 and list(t.columns[:5]) == [PERIOD, BAND, GROUP, COUNT, MULTI_PERIOD]
    assert t.attrs["not_counted"]["error"] == 1 and t.attrs["not_counted"]["undated"] == 1


def _spans(ax):
    return [p.get_gid() for p in ax.patches if str(p.get_gid()).startswith("scenario:")]


def test_plot_shades_one_span_per_scenario_and_writes_a_png(tmp_path):
    windows = {"deal": ("2018-01-10", "2018-02-20"), "demand": ("2018-03-01", None)}
    out = tmp_path / "timeline.png"
    fig = plot_timeline(_results(), scenarios=windows, path=out)
    panels = fig.axes
    assert [ax.get_title(loc="left") for ax in panels] == [
        "iran: 3 positions",
        "hezbollah: 2 positions",
        "(no group): 1 position",
    ]
    for ax in panels:
        assert _spans(ax) == ["scenario:deal", "scenario:demand"]
    texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert texts[:4] == [NEAR, MID, FAR, BEYOND]
    assert "deal\nin force 2018-01-10 – 2018-02-20" in texts
    labels = {t.get_text() for t in panels[0].texts}
    assert {"deal", "demand"} <= labels
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(tmp_path.glob(".*"))  # no temporary file left
    note = fig._supxlabel.get_text()
    assert "1 error" in note and "1 undated" in note


def test_plot_a_timeline_table_into_given_axes(tmp_path):
    from matplotlib.figure import Figure

    t = timeline(_results(), by=None, scenarios={"demand": ("2019-01-01", None)})
    fig = Figure()
    ax = fig.add_subplot()
    assert plot_timeline(t, ax=ax) is fig
    assert _spans(ax) == []  # the window starts after the dates shown
    assert "(outside the dates shown)" in ax.get_legend().get_texts()[-1].get_text()
    with pytest.raises(InputError, match="ax= draws one panel"):
        plot_timeline(_results(), ax=ax)
    with pytest.raises(InputError, match="use a .png, .svg or .pdf"):
        plot_timeline(t, path=tmp_path / "timeline.txt")


def test_plot_a_timeline_into_axes_of_a_subfigure(tmp_path):
    from matplotlib.figure import Figure

    fig = Figure()
    left, _ = fig.subfigures(1, 2)
    ax = left.add_subplot()
    out = tmp_path / "timeline.png"
    t = timeline(_results(), by=None)  # its notes count the errors: their width is the figure's
    assert plot_timeline(t, ax=ax, path=out) is fig
    assert left._suptitle is not None  # the title stays over the subfigure's panel
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_a_group_with_no_positions_says_so():
    fig = plot_timeline(_results(), groups=["iran", "iran_backed_militias"])
    assert fig.axes[1].get_title(loc="left") == "iran_backed_militias: 0 positions"
    assert any("no positions of iran_backed_militias" in t.get_text() for t in fig.axes[1].texts)


def test_real_ucdp_events_all_counted_once():
    events = gz.read_positions(gz.examples.ucdp_events_path())
    results = gz.check_positions(events, "alpha_line", (5, 20, 60))
    usable = (results["error"] == "").to_numpy() & results["date"].notna().to_numpy()
    t = timeline(results, by=None)
    assert int(t[COUNT].sum()) == int(usable.sum()) == t.attrs["positions"]
    assert t.attrs["positions"] + sum(t.attrs["not_counted"].values()) == len(results)
    assert t[PERIOD].min() == pd.Timestamp("2017-01-01")
    assert t[PERIOD].max() == pd.Timestamp("2018-12-01")
    assert t[PERIOD].nunique() == 24
    assert list(t[BAND].cat.categories) == [NEAR, MID, FAR, BEYOND]
    assert any("UCDP" in c for c in t.attrs["credits"])
    groups = timeline(results)
    named = results.loc[usable, "actor_groups"].astype(str).str.split(";").map(len)
    assert int(groups[COUNT].sum()) == int(named.sum())
    assert np.all(groups[COUNT].to_numpy() >= groups[MULTI_PERIOD].to_numpy())
