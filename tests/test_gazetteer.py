import difflib
import itertools
import pathlib
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely import Point, Polygon

from geozones import datasets, gazetteer, geodesy
from geozones.errors import GeometryError, InputError
from geozones.gazetteer import (
    HERMON_RADIUS_M,
    LOOKUP_COLUMNS,
    PLACE_RADII_M,
    SAME_PLACE_M,
    Gazetteer,
    normalize_place_name,
)
from geozones.positions import read_positions

DARAA = "geonames:170905"
QUNEITRA = "geonames:173334"
JABA_QUNEITRA = "geonames:169334"


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.bundled()


def _place(gaz: Gazetteer, place_id: str) -> pd.Series:
    rows = gaz.places[gaz.places["place_id"] == place_id]
    assert len(rows) == 1
    return rows.iloc[0]


def _custom(names, lonlat, **columns) -> Gazetteer:
    return Gazetteer(
        gpd.GeoDataFrame(
            {"name": names, **columns}, geometry=[Point(xy) for xy in lonlat], crs=4326
        )
    )


# --- normalisation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dar‘ā", "dara"),
        ("Dar'a", "dara"),
        ("Dar`a", "dara"),
        ("Darʿa", "dara"),
        ("Dar´a", "dara"),
        ("DARAA", "daraa"),
        ("Al-Qunayţirah", "al qunaytirah"),
        ("Al Qunayţirah", "al qunaytirah"),
        ("Majdal_Shams", "majdal shams"),
        ("St. George", "st george"),
        ("  Ḩisyā’  ", "hisya"),
        ("Daraa town", "daraa"),
        ("Daraa   Governorate", "daraa"),
        ("Quneitra district", "quneitra"),
        ("Nawa village", "nawa"),
        ("Town", "town"),  # a suffix alone is the name
        ("", ""),
        (None, ""),
        # Arabic: harakat, tatweel, alef forms, taa marbuta, alef maqsura, Persian yeh
        ("أَذْرِعَات", "اذرعات"),
        ("درـــعا", "درعا"),
        ("إربد", "اربد"),
        ("آبل", "ابل"),
        ("القنيطرة", "القنيطره"),
        ("نوى", "نوي"),
        ("قنیطره", "قنيطره"),
        ("مجدل شمس.\u200e", "مجدل شمس"),
    ],
)
def test_normalize_place_name(text, expected):
    assert normalize_place_name(text) == expected


# --- transliterations -------------------------------------------------------------------


def test_spellings_of_daraa_are_one_place(gaz):
    names = ["Daraa", "Dar'a", "Deraa", "Dar`a", "DARAA", "درعا", "Dar‘ā", "Der'a", "  dar'a "]
    got = gaz.lookup(names)
    assert (got["error"] == "").all(), got["error"].tolist()
    assert set(got["place_id"]) == {DARAA}
    daraa = _place(gaz, DARAA)
    assert np.allclose(got["lon"], daraa.geometry.x) and np.allclose(got["lat"], daraa.geometry.y)
    assert daraa.geometry.y == pytest.approx(32.62, abs=0.01)
    assert daraa.geometry.x == pytest.approx(36.10, abs=0.01)
    assert set(got["place"]) == {"Dar‘ā"} and set(got["admin1"]) == {"Daraa"}


def test_spellings_of_quneitra_are_one_place(gaz):
    got = gaz.lookup(["Quneitra", "al-Qunaytirah", "Al Qunayţirah", "القنيطرة", "El Quneitra"])
    assert got["place_id"].tolist() == [QUNEITRA] * 5
    assert got["error"].tolist() == [""] * 5


@pytest.mark.parametrize(
    ("name", "place_id"),
    [
        ("Majdal Shams", "geonames:167444"),
        ("Majdal-Shams", "geonames:167444"),
        ("مجدل شمس", "geonames:167444"),
        ("מגדל שמס", "geonames:167444"),
        ("Katzrin", "geonames:443093"),
        ("Nawa", "geonames:166365"),
        ("Khan Arnabah", "geonames:168355"),
        ("Busra ash Sham", "geonames:171126"),
    ],
)
def test_places_near_the_golan_resolve(gaz, name, place_id):
    got = gaz.lookup([name])
    assert got["error"].iloc[0] == ""
    assert got["place_id"].iloc[0] == place_id


@pytest.mark.parametrize(
    "name", ["Mount Hermon", "Hermon", "Jabal al-Shaykh", "Jebel esh Sheikh", "Har Hermon"]
)
def test_mount_hermon_is_the_natural_earth_peak(gaz, name):
    peaks = datasets.load("elevation_points")
    peak = peaks[peaks["name"] == "Jabal ash Shaykh"].geometry.iloc[0]
    got = gaz.lookup([name]).iloc[0]
    assert got["place"] == "Jabal ash Shaykh" and got["error"] == ""
    assert (got["lon"], got["lat"]) == pytest.approx((peak.x, peak.y))
    assert got["uncertainty_m"] == HERMON_RADIUS_M


def test_ucdp_suffixes_resolve(gaz):
    got = gaz.lookup(["Daraa town", "Quneitra governorate", "Daraa city"])
    assert got["place_id"].tolist() == [DARAA, QUNEITRA, DARAA]


def test_notes_say_how_a_name_matched(gaz):
    got = gaz.lookup(["Dar‘ā", "Deraa", "عين فيجة"])
    assert got["note"].tolist() == [
        "",
        "matched alternative name 'Deraa'",
        "matched Arabic name 'عين الفيجة' without the article",
    ]
    assert got["place_id"].iloc[2] == "geonames:172232"  # ‘Ayn al Fījah


def test_tiers_article_dropped_on_both_sides():
    gaz = _custom(
        ["Harra", "Al Kiswa"], [(36.0, 33.0), (36.2, 33.3)], alternatenames=[["الحارة"], []]
    )
    got = gaz.lookup(["al-Harra", "Kiswa", "حارة", "الحارة", "Harra"])
    assert got["place"].tolist() == ["Harra", "Al Kiswa", "Harra", "Harra", "Harra"]
    assert got["note"].tolist() == [
        "matched 'Harra' without the article",
        "matched 'Al Kiswa' without the article",
        "matched 'الحارة' without the article",
        "matched alternative name 'الحارة'",
        "",
    ]


def test_an_earlier_tier_wins_over_a_later_one():
    # "Sur" is one place's primary name and, without the article, another's ("As Sur")
    gaz = _custom(["Sur", "As Sur"], [(35.2, 33.27), (36.0, 32.0)])
    assert gaz.lookup(["Sur"])["place"].tolist() == ["Sur"]
    assert gaz.lookup(["as-Sur"])["place"].tolist() == ["As Sur"]


def test_no_fuzzy_matching(gaz):
    got = gaz.lookup(["Quneitr", "Majdal Shamz", "Daraaa"])
    assert got["lon"].isna().all() and (got["place_id"] == "").all()
    assert all(e.startswith("unknown place name") for e in got["error"])
    # the hint names a close spelling but never resolves with it
    assert got["error"].iloc[1] == "unknown place name 'Majdal Shamz'; did you mean 'Majdal Shams'?"


def test_unknown_and_empty_names(gaz):
    got = gaz.lookup(["Atlantis", None, "", "   ", np.nan])
    assert got["error"].tolist() == ["unknown place name 'Atlantis'"] + ["no place name"] * 4
    assert got[["lon", "lat", "uncertainty_m"]].isna().all().all()
    assert (got[["place", "place_id", "admin1", "note"]] == "").all().all()


# --- ambiguity ----------------------------------------------------------------------------


def _ambiguous_primary_names(gaz: Gazetteer) -> dict[str, list[int]]:
    """Normalised primary names shared by places more than SAME_PLACE_M apart."""
    rows: dict[str, list[int]] = {}
    for i, name in enumerate(gaz.places["name"]):
        rows.setdefault(normalize_place_name(name), []).append(i)
    found = {}
    xy = gaz.places.geometry
    for key, idx in rows.items():
        far = any(
            geodesy.geodesic_distance(xy.iloc[a].x, xy.iloc[a].y, xy.iloc[b].x, xy.iloc[b].y)
            > SAME_PLACE_M
            for a, b in itertools.combinations(idx, 2)
        )
        if far:
            found[key] = idx
    return found


def test_every_shared_name_far_apart_is_reported_ambiguous(gaz):
    shared = _ambiguous_primary_names(gaz)
    assert "jaba" in shared and len(shared) >= 5
    got = gaz.lookup(list(shared))
    assert got["error"].str.startswith("ambiguous place name").all()
    assert got["lon"].isna().all()


def test_jaba_is_ambiguous_and_a_governorate_settles_it(gaz):
    error = gaz.lookup(["Jaba"])["error"].iloc[0]
    assert error.startswith("ambiguous place name 'Jaba': 3 places match: ")
    assert error.endswith("; give coordinates or a governorate")
    jaba = _place(gaz, JABA_QUNEITRA)
    assert f"Jabā (Quneitra, {jaba.geometry.y:.4f}, {jaba.geometry.x:.4f})" in error
    assert error.count("(West Bank, ") == 2

    admins = ["Quneitra", "Quneitra Governorate", "al-Qunaytirah", "محافظة القنيطرة", "quneitra"]
    got = gaz.lookup(["Jaba"] * len(admins), admin1=admins)
    assert got["place_id"].tolist() == [JABA_QUNEITRA] * len(admins)
    assert (got["error"] == "").all() and (got["note"] == "").all()
    # narrowing to the West Bank still leaves two places 50 km apart
    west_bank = gaz.lookup(["Jaba"], admin1=["West Bank"])["error"].iloc[0]
    assert west_bank.startswith("ambiguous place name 'Jaba': 2 places match: ")


def test_governorate_spellings(gaz):
    names = ["Duma", "Duma", "Duma", "Al Jizah", "Al Jizah", "Ash Shajarah"]
    admins = ["Rif Dimashq", "Rural Damascus", "rif-dimashq", "Dar'a", "Amman", "Deraa Governorate"]
    got = gaz.lookup(names, admin1=admins)
    assert (got["error"] == "").all(), got["error"].tolist()
    assert got["admin1"].tolist() == ["Rif-dimashq"] * 3 + ["Daraa", "Amman", "Daraa"]


def test_governorate_that_matches_nothing_is_ignored_with_a_note(gaz):
    got = gaz.lookup(["Katzrin", "Jaba"], admin1=["Daraa", "Homs"])
    assert got["place_id"].iloc[0] == "geonames:443093"
    assert got["note"].iloc[0] == "no place named 'Katzrin' is in 'Daraa', so it was ignored"
    assert got["error"].iloc[1].startswith("ambiguous place name 'Jaba': 3 places")
    assert got["note"].iloc[1] == "no place named 'Jaba' is in 'Homs', so it was ignored"


def test_a_governorate_can_choose_a_later_tier():
    # the primary-name match is in Irbid; the alternative-name match is in Daraa
    gaz = _custom(
        ["Tall", "Tell Hara"],
        [(35.9, 32.6), (36.0, 33.0)],
        alternatenames=[[], ["Tall"]],
        admin1=["Irbid", "Daraa"],
    )
    assert gaz.lookup(["Tall"])["place"].tolist() == ["Tall"]
    got = gaz.lookup(["Tall"], admin1=["Daraa"])
    assert got["place"].tolist() == ["Tell Hara"]
    assert got["note"].tolist() == ["matched alternative name 'Tall'"]


@pytest.mark.parametrize(("distance_m", "ambiguous"), [(4_900.0, False), (5_100.0, True)])
def test_matches_within_5_km_are_one_place(distance_m, ambiguous):
    lon, lat, _ = geodesy.destination(36.0, 33.0, 45.0, distance_m)
    gaz = _custom(
        ["Kafr Shams", "Kafr Shams"],
        [(36.0, 33.0), (float(lon), float(lat))],
        population=[800, 12_000],
        admin1=["Daraa", "Daraa"],
    )
    got = gaz.lookup(["Kafr Shams"]).iloc[0]
    if ambiguous:
        assert got["error"].startswith("ambiguous place name 'Kafr Shams': 2 places match: ")
    else:  # the more populous entry
        assert got["error"] == "" and got["place_id"] == "place:1"
        assert got["uncertainty_m"] == 2_000.0


def test_ambiguity_lists_at_most_five_places():
    gaz = _custom(["Tayyibah"] * 7, [(35.0 + 0.2 * i, 32.0) for i in range(7)])
    error = gaz.lookup(["Tayyibah"])["error"].iloc[0]
    assert error.startswith("ambiguous place name 'Tayyibah': 7 places match: ")
    assert error.count("Tayyibah (") == 5 and " and 2 more; give coordinates" in error


# --- uncertainty ---------------------------------------------------------------------------


def test_radius_by_population():
    assert PLACE_RADII_M == {
        10_000: 1_000.0,
        100_000: 2_000.0,
        1_000_000: 5_000.0,
        np.inf: 10_000.0,
    }
    population = [0, 9_999, 10_000, 99_999, 500_000, 2_000_000, None]
    gaz = _custom(
        [f"P{i}" for i in range(7)], [(35.0, 32.0 + i) for i in range(7)], population=population
    )
    assert gaz.places["uncertainty_m"].tolist() == [1e3, 1e3, 2e3, 2e3, 5e3, 1e4, 1e3]


def test_bundled_radii(gaz):
    got = gaz.lookup(["Damascus", "Daraa", "Majdal Shams", "Hermon"])
    population = [_place(gaz, p)["population"] for p in got["place_id"]]
    assert population[0] > 1_000_000 and 10_000 <= population[1] < 100_000
    assert got["uncertainty_m"].tolist() == [10_000.0, 2_000.0, 2_000.0, HERMON_RADIUS_M]


# --- the bundled table ------------------------------------------------------------------


def test_bundled_is_built_once_with_unique_ids(gaz):
    assert Gazetteer.bundled() is gaz
    assert gaz.places["place_id"].is_unique
    assert gaz.places.crs.to_epsg() == 4326
    assert (gaz.places["place_id"].str.startswith("geonames:")).sum() == 1311


def test_natural_earth_towns_merge_into_geonames(gaz):
    ids = set(gaz.places["place_id"])
    # NE's Dar'a and Ad Nabk lie within 5 km of the GeoNames places of the same name
    assert "naturalearth:Dar'a" not in ids and "naturalearth:Ad Nabk" not in ids
    assert gaz.lookup(["Ad Nabk"])["place_id"].tolist() == ["geonames:173193"]
    assert "naturalearth:Jabal ash Shaykh" in ids
    assert len(gaz) < 1311 + 27 + 1


# --- the table returned -----------------------------------------------------------------


def test_one_row_per_input_in_order_with_duplicates(gaz):
    names = pd.Series(
        ["Daraa", None, "Daraa", "Atlantis", "Quneitra", "Daraa"], index=[10, 3, 7, 1, 2, 0]
    )
    got = gaz.lookup(names)
    assert list(got.columns) == list(LOOKUP_COLUMNS)
    assert got.index.equals(pd.RangeIndex(6))
    assert got["place_id"].tolist() == [DARAA, "", DARAA, "", QUNEITRA, DARAA]
    assert got["error"].tolist() == [
        "",
        "no place name",
        "",
        "unknown place name 'Atlantis'",
        "",
        "",
    ]
    assert got["lon"].dtype == float and got["uncertainty_m"].dtype == float


def test_empty_input(gaz):
    got = gaz.lookup([])
    assert list(got.columns) == list(LOOKUP_COLUMNS) and len(got) == 0


def test_bad_arguments(gaz):
    with pytest.raises(InputError, match="not one string"):
        gaz.lookup("Daraa")
    with pytest.raises(InputError, match="admin1 has 1 values for 2 names"):
        gaz.lookup(["Daraa", "Nawa"], admin1=["Daraa"])


def test_many_lookups_are_fast(gaz):
    names = ["Daraa", "Quneitra", None, "Jaba", "Atlantis", "Majdal Shams", "درعا", "Nawa"]
    admins = ["Daraa", None, "Quneitra", "Quneitra"]
    start = time.perf_counter()
    got = gaz.lookup(names * 12_500, admin1=admins * 25_000)
    assert time.perf_counter() - start < 3.0
    assert len(got) == 100_000
    assert got["place_id"].iloc[8:16].tolist() == got["place_id"].iloc[:8].tolist()


# --- custom gazetteers and extend -----------------------------------------------------------


def test_extend_with_aliases_leaves_the_bundled_one_alone(gaz):
    before = list(_place(gaz, DARAA)["alternatenames"])
    more = gaz.extend({"Dar'a": ["Hawran capital"], QUNEITRA: ["Old Quneitra"]})
    got = more.lookup(["Hawran capital", "Old Quneitra", "Daraa"])
    assert got["place_id"].tolist() == [DARAA, QUNEITRA, DARAA]
    assert got["note"].iloc[0] == "matched alternative name 'Hawran capital'"
    assert gaz.lookup(["Hawran capital"])["error"].iloc[0].startswith("unknown place name")
    assert list(_place(gaz, DARAA)["alternatenames"]) == before
    assert Gazetteer.bundled() is gaz and len(more) == len(gaz)


def test_extend_with_places(gaz):
    extra = gpd.GeoDataFrame(
        {"name": ["Hadar"], "alternatenames": [["Hader", "حضر"]], "admin1": ["Quneitra"]},
        geometry=[Point(35.7797, 33.2831)],
        crs=4326,
    )
    more = gaz.extend(places=extra)
    got = more.lookup(["Hader", "حضر"]).iloc[0]
    assert got["place_id"] == f"place:{len(gaz)}" and got["admin1"] == "Quneitra"
    assert got["uncertainty_m"] == 1_000.0
    assert gaz.lookup(["Hadar"])["error"].iloc[0].startswith("unknown")


def test_extend_refuses_unknown_or_ambiguous_places(gaz):
    with pytest.raises(InputError, match="cannot add aliases to 'Atlantis': unknown"):
        gaz.extend({"Atlantis": ["Lost city"]})
    with pytest.raises(InputError, match="ambiguous place name 'Jaba'"):
        gaz.extend({"Jaba": ["J"]})


def test_custom_places_are_checked_and_projected():
    with pytest.raises(InputError, match="no 'name' column"):
        Gazetteer(gpd.GeoDataFrame({"x": [1]}, geometry=[Point(36, 33)], crs=4326))
    with pytest.raises(InputError, match="must be a GeoDataFrame"):
        Gazetteer(pd.DataFrame({"name": ["A"]}))
    square = Polygon([(36, 33), (36.1, 33), (36.1, 33.1)])
    with pytest.raises(GeometryError, match="places row 1"):
        Gazetteer(
            gpd.GeoDataFrame({"name": ["A", "B"]}, geometry=[Point(36, 33), square], crs=4326)
        )
    utm = gpd.GeoDataFrame({"name": ["A"]}, geometry=[Point(36.1, 33.2)], crs=4326).to_crs(32636)
    got = Gazetteer(utm).lookup(["A"]).iloc[0]
    assert (got["lon"], got["lat"]) == pytest.approx((36.1, 33.2))
    assert got["admin1"] == "" and got["uncertainty_m"] == 1_000.0


# --- hints for unknown names stay cheap ---------------------------------------------------

HOSTILE = pathlib.Path(__file__).parent / "data" / "hostile"


class _CountingMatcher(difflib.SequenceMatcher):
    """difflib's matcher, counting the candidates it is set to compare."""

    compared = 0

    def set_seq1(self, a):
        type(self).compared += 1
        super().set_seq1(a)


def test_hints_are_difflibs_answer(gaz):
    names = ["Majdal Shamz", "Quneitr", "Daraaa", "Atlantis", "Nawaa", "Khan Arnabeh", "zzzz"]
    keys = list(gaz._index[0])
    got = gaz.lookup(names)["error"].tolist()
    for name, error in zip(names, got, strict=True):
        close = difflib.get_close_matches(normalize_place_name(name), keys, n=3, cutoff=0.8)
        expected = [gaz.places["name"].iloc[min(gaz._index[0][c])] for c in close]
        hint = " or ".join(repr(n) for n in dict.fromkeys(expected))
        assert error == f"unknown place name {name!r}" + (f"; did you mean {hint}?" if hint else "")
    assert "did you mean 'Majdal Shams'?" in got[0]


def test_hints_compare_few_candidates_per_unknown_name(gaz, monkeypatch):
    names = pd.read_csv(HOSTILE / "place_9000_unknown_names.csv")["place"].tolist()[:500]
    monkeypatch.setattr(difflib, "SequenceMatcher", _CountingMatcher)
    _CountingMatcher.compared = 0
    # each name twice, under two governorates: one hint per distinct name
    got = gaz.lookup(names * 2, admin1=["Daraa"] * len(names) + ["Quneitra"] * len(names))
    assert got["error"].str.startswith("unknown place name").all()
    # difflib alone compares every unknown name with all ~1,300 primary names
    assert _CountingMatcher.compared < 2 * len(names)


def test_nine_thousand_unknown_names_resolve_quickly():
    # a hostile file: 9,000 distinct made-up names (67 KB); each used to cost a full
    # difflib scan of the gazetteer, over 20 s in all
    path = HOSTILE / "place_9000_unknown_names.csv"
    assert path.stat().st_size < 100_000
    Gazetteer.bundled()  # built once, outside the timing
    start = time.perf_counter()
    got = read_positions(path)
    elapsed = time.perf_counter() - start
    assert len(got) == 9000 and got["error"].str.contains("unknown place name").all()
    assert elapsed < 5.0  # generous: about 1 s here; the point is not 20 s


def test_hints_stop_when_the_budget_of_one_lookup_is_spent(monkeypatch):
    gaz = _custom(["Nawa", "Jasim", "Inkhil"], [(36.05, 32.89), (36.06, 32.99), (36.12, 33.02)])
    # one hint costs a comparison with each of the 3 places: budget for 2 names
    monkeypatch.setattr(gazetteer, "_HINT_BUDGET", 6)
    got = gaz.lookup(["Nawaa", "Jasimm", "Inkhill", "Nawaa"])["error"].tolist()
    assert got == [
        "unknown place name 'Nawaa'; did you mean 'Nawa'?",
        "unknown place name 'Jasimm'; did you mean 'Jasim'?",
        "unknown place name 'Inkhill'",  # budget spent: no hint, same error
        "unknown place name 'Nawaa'; did you mean 'Nawa'?",  # remembered: free
    ]
    # the next lookup has a budget of its own
    assert gaz.lookup(["Inkhill"])["error"].iloc[0].endswith("did you mean 'Inkhil'?")


def test_a_100_kb_name_of_admin_words_is_read_in_linear_time():
    # one cell of "Nawa town town … town x": the suffix regex used to backtrack over
    # every "town" from every start, about 9 s; word by word it is milliseconds
    path = HOSTILE / "place_100kb_of_suffixes.csv"
    start = time.perf_counter()
    got = read_positions(path)
    elapsed = time.perf_counter() - start
    assert got["error"].iloc[0].startswith("column 'place': unknown place name 'Nawa town town")
    assert got["error"].iloc[1] == "" and got["place"].iloc[1] == "Nawá"
    assert elapsed < 3.0  # generous: well under 0.5 s here


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Daraa town", "daraa"),
        ("Daraa Governorate district", "daraa"),
        ("town", "town"),
        ("Town Village", "town"),
        ("Daraa  town  x", "daraa town x"),
        ("Daraa-town", "daraa"),
    ],
)
def test_trailing_admin_words_only_are_removed(text, expected):
    assert normalize_place_name(text) == expected
