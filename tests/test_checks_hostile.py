"""Hostile input for checks, scenarios and coordinates: refused by name, or kept, never lost.

The files live in ``tests/data/hostile/`` (``scenario_*``, ``check_*``, ``coord_*`` and
``place_*``); each test says what used to happen.
"""

from __future__ import annotations

import pathlib

from geozones.positions import ERROR, read_positions

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
