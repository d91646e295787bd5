"""Reading positions written as text: decimal pairs, DMS and MGRS."""

from __future__ import annotations

import math
import re
import time

import numpy as np
import pandas as pd
import pyproj
import pytest

from geozones.coordinates import (
    COLUMNS,
    M_PER_DEGREE,
    decimal_uncertainty_m,
    parse_coordinate_text,
    parse_dms_value,
    parse_mgrs,
)
from geozones.errors import GeozonesError, InputError

# 33°07'24.5"N 35°49'12"E, near Quneitra on the Golan
LAT_DMS = 33 + 7 / 60 + 24.5 / 3600
LON_DMS = 35 + 49 / 60 + 12 / 3600
# UTM zone 36N: MGRS column letter Y is the 700 km easting square in zone 36, and row
# letter C the 3,700 km northing square in band S (GEOTRANS letter tables)
UTM36N = pyproj.Transformer.from_crs("EPSG:32636", "EPSG:4326", always_xy=True)
YC_EASTING_M, YC_NORTHING_M = 700_000, 3_700_000


def one(text: str, **kw) -> pd.Series:
    return parse_coordinate_text([text], **kw).iloc[0]


# --------------------------------------------------------------------------- decimal


@pytest.mark.parametrize(
    "text",
    [
        "33.1234, 35.8123",
        "33.1234 35.8123",
        "33.1234;35.8123",
        "33.1234,35.8123",
        "(33.1234, 35.8123)",
        "[33.1234 35.8123]",
        "  33.1234 ,  35.8123  ",
        "33.1234N 35.8123E",
        "N33.1234 E35.8123",
        "33.1234 N, 35.8123 E",
        "N 33.1234, E 35.8123",
        "35.8123E 33.1234N",
        "E35.8123 N33.1234",
        "+33.1234, +35.8123",
        "33.1234°N 35.8123°E",
        "33.1234 north 35.8123 east",
    ],
)
def test_decimal_pairs(text):
    row = one(text)
    assert row["error"] == ""
    assert row["kind"] == "decimal"
    assert row["lat"] == 33.1234
    assert row["lon"] == 35.8123


@pytest.mark.parametrize(
    ("text", "lat", "lon"),
    [
        ("-33.1234, -35.8123", -33.1234, -35.8123),
        ("33.1234S 35.8123W", -33.1234, -35.8123),
        ("S33.1234 W35.8123", -33.1234, -35.8123),
        ("33.1234 s, 35.8123 w", -33.1234, -35.8123),
        ("-0.5, 35.8", -0.5, 35.8),
        ("0.5S, 35.8E", -0.5, 35.8),
    ],
)
def test_south_and_west_are_negative(text, lat, lon):
    row = one(text)
    assert (row["lat"], row["lon"], row["error"]) == (lat, lon, "")


def test_order_lonlat_flips_plain_pairs_but_not_hemisphere_letters():
    t = parse_coordinate_text(
        ["35.8123, 33.1234", "33.1234N 35.8123E", "33.1234, 35.8123E"], order="lonlat"
    )
    assert t["lon"].tolist() == [35.8123, 35.8123, 35.8123]
    assert t["lat"].tolist() == [33.1234, 33.1234, 33.1234]
    default = one("35.8123, 33.1234")
    assert (default["lat"], default["lon"]) == (35.8123, 33.1234)  # no swap detection here


def test_bad_order_is_refused():
    with pytest.raises(InputError, match="order must be 'latlon' or 'lonlat', not 'xy'"):
        parse_coordinate_text(["33.1, 35.8"], order="xy")


def test_a_single_string_is_refused():
    with pytest.raises(InputError, match="not one string"):
        parse_coordinate_text("33.1, 35.8")


# --------------------------------------------------------------------------- DMS


@pytest.mark.parametrize(
    "text",
    [
        "33°07'24.5\"N 35°49'12\"E",
        "33°07'24.5\"N, 35°49'12\"E",
        "33° 07' 24.5\" N, 35° 49' 12\" E",
        "33 07 24.5 N 35 49 12 E",
        "N 33 07 24.5 E 35 49 12",
        "33 07 24.5, 35 49 12",
        "33 07 24.5 35 49 12",
        "33d07m24.5sN 35d49m12sE",
        "33d07m24.5s N 35d49m12s E",
        "33D07M24.5SN 35D49M12SE",
        "33 deg 07 min 24.5 sec N, 35 deg 49 min 12 sec E",
        "33°07′24.5″N 35°49′12″E",
        "33°07’24.5”N 35°49’12”E",
        "33º07'24.5''N 35º49'12''E",
        "33:07:24.5N 35:49:12E",
        "33:07:24.5 35:49:12",
        "(33°07'24.5\"N, 35°49'12\"E)",
        "35°49'12\"E 33°07'24.5\"N",
    ],
)
def test_dms_forms(text):
    row = one(text)
    assert row["error"] == ""
    assert row["kind"] == "dms"
    assert row["lat"] == pytest.approx(LAT_DMS, abs=1e-12)
    assert row["lon"] == pytest.approx(LON_DMS, abs=1e-12)


@pytest.mark.parametrize(
    "text",
    [
        "33°07.408'N 35°49.2'E",
        "33 07.408 N 35 49.2 E",
        "33 07.408 35 49.2",
        "33d07.408mN 35d49.2mE",
    ],
)
def test_degrees_and_decimal_minutes(text):
    row = one(text)
    assert row["kind"] == "dms"
    assert row["lat"] == pytest.approx(33 + 7.408 / 60, abs=1e-12)
    assert row["lon"] == pytest.approx(35 + 49.2 / 60, abs=1e-12)


def test_dms_south_west_and_minus_sign():
    row = one("33°07'24.5\"S 35°49'12\"W")
    assert (row["lat"], row["lon"]) == pytest.approx((-LAT_DMS, -LON_DMS), abs=1e-12)
    row = one("-33°07'24.5\", -35°49'12\"")
    assert (row["lat"], row["lon"]) == pytest.approx((-LAT_DMS, -LON_DMS), abs=1e-12)
    # the minus sign applies to the whole angle, even when the degrees are zero
    row = one("-0°30'00\", 35°49'12\"")
    assert row["lat"] == -0.5


def test_colons_without_seconds():
    row = one("33:07N 35:49E")
    assert (row["lat"], row["lon"]) == pytest.approx((33 + 7 / 60, 35 + 49 / 60), abs=1e-12)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("abc", "cannot read 'abc' as coordinates"),
        ("lat 33.1 lon 35.8", "cannot read 'lat 33.1 lon 35.8' as coordinates"),
        ("33.1-35.8", "cannot read '33.1-35.8' as coordinates"),
        ("N E 33", "cannot read 'N E 33' as coordinates"),
        (
            "33,1234 35,8123",
            "cannot read '33,1234 35,8123' as coordinates: "
            "write decimals with a point, not a comma",
        ),
        ("33.1", "only one number in '33.1'"),
        ("33.1N", "only one number in '33.1N'"),
        ("33°07'24\"N", "only one coordinate in '33°07'24\"N'; expected latitude and longitude"),
        ("33.1, 35.8, 120", "three numbers in '33.1, 35.8, 120'; expected latitude and longitude"),
        ("33 07 24.5", "three numbers in '33 07 24.5'; expected latitude and longitude"),
        (
            "33.1 35.8 33.2 35.9",
            "four numbers in '33.1 35.8 33.2 35.9'; expected latitude and longitude",
        ),
        ("33°75'N 35°49'E", "broken DMS '33°75'N': minutes must be below 60"),
        ("33°07'60\"N 35°49'E", "broken DMS '33°07'60\"N': seconds must be below 60"),
        (
            "33°07.5'24\"N 35°49'E",
            "broken DMS '33°07.5'24\"N': only the last number can have decimals",
        ),
        ("33°24\"N 35°49'E", "broken DMS '33°24\"N': seconds without minutes"),
        ("07'N 35°49'E", "broken DMS '07'N': minutes without degrees"),
        (
            "33 07 24 5 N 35 E",
            "broken DMS '33 07 24 5 N': more numbers than degrees, minutes and seconds",
        ),
        ("-33.1S 35.8E", "both a minus sign and hemisphere S in '-33.1S'"),
        ("33.1N 35.8N", "two latitudes (N/S) in '33.1N 35.8N'"),
        ("35.8E 35.8W", "two longitudes (E/W) in '35.8E 35.8W'"),
        ("95, 35", "latitude 95.0 is outside ±90"),
        ("-90.5, 35", "latitude -90.5 is outside ±90"),
        ("91°00'N 35°49'E", "latitude 91.0 is outside ±90"),
        ("33.1, 190", "longitude 190.0 is outside ±180"),
        ("33.1, -180.25", "longitude -180.25 is outside ±180"),
        (
            "36SZZ99",
            "invalid MGRS reference '36SZZ99' "
            "(row letter Z does not exist; rows are A to V without I and O)",
        ),
    ],
)
def test_errors_are_specific(text, error):
    row = one(text)
    assert row["error"] == error
    assert math.isnan(row["lon"]) and math.isnan(row["lat"]) and math.isnan(row["uncertainty_m"])
    assert row["kind"] == ""


def test_out_of_range_in_lonlat_order_names_the_axis():
    assert one("190, 33.1", order="lonlat")["error"] == "longitude 190.0 is outside ±180"
    assert one("35.8, 95", order="lonlat")["error"] == "latitude 95.0 is outside ±90"


@pytest.mark.parametrize("value", [None, float("nan"), np.nan, pd.NA, "", "   "])
def test_missing_values_are_empty(value):
    t = parse_coordinate_text(["33.1, 35.8", value])
    assert t.loc[1, "error"] == "empty"
    assert t.loc[1, "kind"] == ""
    assert np.isnan(t.loc[1, ["lon", "lat", "uncertainty_m"]].to_numpy(dtype=float)).all()
    assert t.loc[0, "error"] == ""


# --------------------------------------------------------------------------- uncertainty


def test_decimal_uncertainty_is_half_the_last_digit_on_the_larger_axis():
    coarse, fine, mixed, whole = parse_coordinate_text(
        ["33.1, 35.8", "33.12345, 35.81234", "33.12345, 35.8", "33, 36"]
    )["uncertainty_m"]
    assert coarse == pytest.approx(0.05 * M_PER_DEGREE, rel=1e-12)  # 5.566 km
    assert fine == pytest.approx(0.000005 * M_PER_DEGREE, rel=1e-12)  # 0.56 m
    assert mixed == pytest.approx(0.05 * M_PER_DEGREE * math.cos(math.radians(33.12345)), rel=1e-12)
    assert whole == pytest.approx(0.5 * M_PER_DEGREE, rel=1e-12)
    assert coarse == pytest.approx(5566.0) and fine == pytest.approx(0.5566)


def test_trailing_zeros_count_as_written_digits():
    assert one("33.10, 35.80")["uncertainty_m"] == pytest.approx(0.005 * M_PER_DEGREE)


def test_dms_uncertainty_is_half_the_least_significant_field():
    cos_lat = math.cos(math.radians(LAT_DMS))
    seconds = one("33°07'24.5\"N 35°49'12\"E")["uncertainty_m"]
    assert seconds == pytest.approx(max(0.05 / 3600, 0.5 / 3600 * cos_lat) * M_PER_DEGREE)
    seconds_both_decimal = one("33°07'24.5\"N 35°49'12.0\"E")["uncertainty_m"]
    assert seconds_both_decimal == pytest.approx(0.05 / 3600 * M_PER_DEGREE)  # 1.55 m
    minutes = one("33°07'N 35°49'E")["uncertainty_m"]
    assert minutes == pytest.approx(0.5 / 60 * M_PER_DEGREE)  # 928 m
    decimal_minutes = one("33°07.408'N 35°49.2'E")["uncertainty_m"]
    lat = 33 + 7.408 / 60
    expected = max(0.0005 / 60, 0.05 / 60 * math.cos(math.radians(lat))) * M_PER_DEGREE
    assert decimal_minutes == pytest.approx(expected)


def test_decimal_uncertainty_m_for_separate_columns():
    lat = np.array(["33.1", "-35.81234", "33", " 33.10 ", "abc", "", "33,1"], dtype=object)
    lon = np.array(["35.8", "35.8", "36", "35.8123", "35.8", "35.8", "35.8"], dtype=object)
    got = decimal_uncertainty_m(lat, lon)
    expected = [
        0.05 * M_PER_DEGREE,
        0.05 * M_PER_DEGREE * math.cos(math.radians(35.81234)),
        0.5 * M_PER_DEGREE,
        0.005 * M_PER_DEGREE,
        np.nan,
        np.nan,
        0.05 * M_PER_DEGREE,
    ]
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert got.dtype == np.float64
    same = parse_coordinate_text(["33.1, 35.8", "33.10, 35.8123"])["uncertainty_m"].to_numpy()
    np.testing.assert_allclose(got[[0, 3]], same, rtol=1e-12)


def test_decimal_uncertainty_m_lengths_must_match():
    with pytest.raises(InputError, match="lat_text has 2 values but lon_text has 1"):
        decimal_uncertainty_m(["33.1", "33.2"], ["35.8"])


# --------------------------------------------------------------------------- MGRS


def _utm_centre(easting_digits: str, northing_digits: str) -> tuple[float, float]:
    """Centre of a square in 36S YC, converted independently with pyproj (lon, lat)."""
    k = len(easting_digits)
    size = 10.0 ** (5 - k)
    e = YC_EASTING_M + int(easting_digits or 0) * size + size / 2
    n = YC_NORTHING_M + int(northing_digits or 0) * size + size / 2
    return UTM36N.transform(e, n)


@pytest.mark.parametrize("k", [0, 1, 2, 3, 4, 5])
def test_mgrs_centre_and_uncertainty_at_every_precision(k):
    east, north = "12345"[:k], "67890"[:k]
    refs = [f"36SYC{east}{north}", f"36S YC {east} {north}".strip(), f"36syc{east}{north}"]
    t = parse_mgrs(refs)
    lon, lat = _utm_centre(east, north)
    size_m = 10.0 ** (5 - k)  # 100 km, 10 km, 1 km, 100 m, 10 m, 1 m
    assert (t["error"] == "").all() and (t["kind"] == "mgrs").all()
    np.testing.assert_allclose(t["lon"], lon, atol=1e-7)
    np.testing.assert_allclose(t["lat"], lat, atol=1e-7)
    np.testing.assert_allclose(t["uncertainty_m"], size_m * math.sqrt(2) / 2, rtol=1e-12)
    via_text = parse_coordinate_text(refs)  # detected and read the same way
    pd.testing.assert_frame_equal(via_text, t)


def test_mgrs_golan_reference():
    # 33.0 N 35.8 E is 36S YB 61607 54770 (UTM 36N 761607 E 3654770 N)
    row = parse_mgrs(["36S YB 61607 54770"]).iloc[0]
    lon, lat = UTM36N.transform(761_607.5, 3_654_770.5)
    assert (row["lon"], row["lat"]) == pytest.approx((lon, lat), abs=1e-7)
    assert (row["lon"], row["lat"]) == pytest.approx((35.8, 33.0), abs=1e-4)
    assert row["uncertainty_m"] == pytest.approx(math.sqrt(2) / 2)


@pytest.mark.parametrize(
    ("ref", "reason"),
    [
        ("36SZZ99", "row letter Z does not exist; rows are A to V without I and O"),
        ("36SYC123", "odd number of digits: 3; easting and northing need the same count"),
        ("36S YC 12 3456", "easting 12 and northing 3456 have different numbers of digits"),
        ("36SYC123456789012", "12 digits; at most 5 for the easting and 5 for the northing"),
        ("36SYC12 34 56", "the digits must be one run, or an easting and a northing"),
        ("61SYC00", "zone 61 is outside 1-60"),
        ("36IYC00", "no latitude band I; bands are C to X without I and O"),
        ("36SAC00", "column letter A is not used in zone 36, only STUVWXYZ"),
        ("36RYC00", "the square lies outside latitude band R"),
        ("36SYV00", ("mgrs: String Error", "the square lies outside latitude band S")),
        ("33.1, 35.8", "expected a zone, a latitude band, two square letters and digits"),
    ],
)  # fmt: skip
def test_invalid_mgrs(ref, reason):
    row = parse_mgrs([ref]).iloc[0]
    reasons = reason if isinstance(reason, tuple) else (reason,)  # mgrs 1.6, or 1.5 (3.10)
    assert row["error"] in [f"invalid MGRS reference '{ref}' ({why})" for why in reasons]
    assert math.isnan(row["lon"]) and row["kind"] == ""


def test_mgrs_empty():
    assert parse_mgrs([None, "", " "])["error"].tolist() == ["empty"] * 3


# --------------------------------------------------------------------------- one angle


@pytest.mark.parametrize(
    ("text", "degrees", "precision_deg"),
    [
        ("33°07'24.5\"N", LAT_DMS, 0.05 / 3600),
        ("33°07'24.5\"S", -LAT_DMS, 0.05 / 3600),
        ("35 49 12 E", LON_DMS, 0.5 / 3600),
        ("W 35 49 12", -LON_DMS, 0.5 / 3600),
        ("33°07.408'", 33 + 7.408 / 60, 0.0005 / 60),
        ("-0°30'", -0.5, 0.5 / 60),
        ("-35.81", -35.81, 0.005),
        ("33", 33.0, 0.5),
    ],
)
def test_parse_dms_value(text, degrees, precision_deg):
    value, precision = parse_dms_value(text)
    assert value == pytest.approx(degrees, abs=1e-12)
    assert precision == pytest.approx(precision_deg, rel=1e-12)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("abc", "cannot read 'abc' as an angle"),
        ("33°75'N", "broken DMS '33°75'N': minutes must be below 60"),
        ("33.1, 35.8", "2 angles in '33.1, 35.8'; expected one"),
        ("95°N", "angle 95.0 in '95°N' is outside ±90"),
        ("181°E", "angle 181.0 in '181°E' is outside ±180"),
    ],
)
def test_parse_dms_value_errors(text, message):
    with pytest.raises(InputError) as info:
        parse_dms_value(text)
    assert str(info.value) == message
    assert isinstance(info.value, ValueError) and isinstance(info.value, GeozonesError)


# --------------------------------------------------------------------------- vectorised


def test_many_values_with_duplicates_match_the_unique_results():
    pool = [
        "33.1234, 35.8123",
        "33°07'24.5\"N 35°49'12\"E",
        "36SYC1234567890",
        "36S YB 61607 54770",
        "N33.12 E35.81",
        "abc",
        "95, 35",
        None,
        "",
    ]
    rng = np.random.default_rng(42)
    values = [pool[i] for i in rng.integers(0, len(pool), 10_000)]
    got = parse_coordinate_text(values)
    assert list(got.columns) == list(COLUMNS)
    assert isinstance(got.index, pd.RangeIndex) and len(got) == 10_000
    unique = parse_coordinate_text(pool)
    expected = unique.iloc[[pool.index(v) for v in values]].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected)


def test_input_index_is_not_kept_and_types_are_stable():
    s = pd.Series(["33.1, 35.8", None], index=[10, 20])
    got = parse_coordinate_text(s)
    assert got.index.tolist() == [0, 1]
    assert (got[["lon", "lat", "uncertainty_m"]].dtypes == np.float64).all()
    assert pd.api.types.is_string_dtype(got["error"]) and pd.api.types.is_string_dtype(got["kind"])
    empty = parse_coordinate_text([])
    assert list(empty.columns) == list(COLUMNS) and len(empty) == 0


# --------------------------------------------------------------------------- letters or exponents

_EXPONENT = (
    "looks like a number in exponent notation; "
    "write decimal degrees, with a space before a hemisphere letter"
)


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("33.1e1 35.8", "33.1e1"),  # was read as 33.1 E and a DMS "1 35.8"
        ("33.1E1 35.8", "33.1E1"),
        ("1e5", "1e5"),  # was read as 1 E, 5 (lat 5, lon 1)
        ("1e5 1e5", "1e5"),
        ("35.8e-1 33.1", "35.8e-1"),  # was read as 35.8 E and -1 33.1
        ("33.1 35.8e-1", "35.8e-1"),
        ("33.1E+1 35.8", "33.1E+1"),
        ("3.31e1, 3.58e1", "3.31e1"),
        ("N33.1e1 E35.8", "33.1e1"),
        ("33.1e1N 35.8E", "33.1e1"),
        ("33E35N", "33E35"),  # integer degrees written without a space: too close to call
    ],
)
def test_exponent_notation_is_refused(text, token):
    row = one(text)
    assert row["error"] == f"cannot read '{text}' as coordinates: '{token}' {_EXPONENT}"
    assert math.isnan(row["lat"]) and math.isnan(row["lon"]) and row["kind"] == ""


@pytest.mark.parametrize(
    ("text", "letter"),
    [
        ("33.1 E35.8", "E"),  # was 33.1 E, though the E touches 35.8
        ("33.1 N35.8", "N"),
        ("33.1 E 35.8", "E"),
        ("33.1E35.8", "E"),
        ("33 07 24.5 N 35 49 12", "N"),
    ],
)
def test_a_letter_that_could_belong_to_either_number_is_refused(text, letter):
    row = one(text)
    assert row["error"] == (
        f"cannot read '{text}' as coordinates: the hemisphere letter {letter} could belong "
        "to the number before it or after it; write one letter after each number"
    )


@pytest.mark.parametrize(
    ("text", "lat", "lon"),
    [
        ("33.1E 35.8", 35.8, 33.1),  # E touches 33.1 only: its hemisphere, not an exponent
        ("33.1e 35.8", 35.8, 33.1),
        ("33.1E, 35.8", 35.8, 33.1),
        ("33.1 E, 35.8", 35.8, 33.1),  # the comma says which number the E belongs to
        ("35.8E33.1N", 33.1, 35.8),  # compact: each number has its letter
        ("33.1 N 35.8 E", 33.1, 35.8),
        ("33.1N 35.8", 33.1, 35.8),
    ],
)
def test_letters_that_belong_to_one_number_are_hemispheres(text, lat, lon):
    row = one(text)
    assert (row["lat"], row["lon"], row["error"]) == (lat, lon, "")


@pytest.mark.parametrize("text", ["33.1e1", "1e5", "35.8e-1", "3.31E+01"])
def test_parse_dms_value_refuses_exponent_notation(text):
    with pytest.raises(InputError, match=f"'{re.escape(text)}' {_EXPONENT}"):
        parse_dms_value(text)


def test_parse_dms_value_reads_a_trailing_e_as_east():
    assert parse_dms_value("33.1E") == (33.1, 0.05)
    assert parse_dms_value("33.1 e")[0] == 33.1


# --------------------------------------------------------------------------- long cells


@pytest.mark.parametrize(
    "text",
    [
        "(" + " " * 100_000 + "x",  # the bracket regex took cubic time: 2 s for 1,000 spaces
        "(" + " " * 50_000 + ") x",
        "[" + "\n" * 50_000 + "33.1, 35.8" + " " * 50_000,
        "1" * 100_000,
        "33.1 " * 20_000,
        "1e" * 50_000,
        "33:" * 30_000 + "1",
        "N" * 100_000,
        "-" * 100_000,
        "36S YC " + "1 " * 40_000,
    ],
)
def test_a_100_kb_cell_is_refused_quickly(text):
    start = time.perf_counter()
    row = one(text)
    assert row["error"] and math.isnan(row["lat"])
    assert time.perf_counter() - start < 2.0  # generous: milliseconds here


def test_brackets_around_a_pair_are_still_read():
    for text in ("(33.1, 35.8)", " [ 33.1 35.8 ] ", "(\n33.1,35.8\n)", "(33.1, 35.8]"):
        row = one(text)
        assert (row["lat"], row["lon"], row["error"]) == (33.1, 35.8, "")
    assert one("(33.1, 35.8")["error"] != ""
