"""Maps of zones round a pole and across the antimeridian, drawn by Leaflet in headless Chromium.

The zones come from :func:`geozones.build_zones` split at ±180 (RFC 7946) and, round a pole,
as lon/lat polygons along the antimeridian and the ±90° parallel. On the map they must not
turn into stripes across the world: these tests read what Leaflet drew (each band's and
line's bounds, its SVG path, which points its fill holds) in Web Mercator pixels.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from _pages import Page, launch_browser
from shapely.geometry import LineString

import geozones as gz

FIJI = LineString([(178.5, -17.5), (-179.5, -16.5)])
CASES = {
    "north": (LineString([(0, 85), (10, 85)]), (1000,)),
    "south": (LineString([(155, -81.8), (156, -82.2)]), (3000,)),
    "over_pole": (LineString([(-60, -70), (120, -72)]), (20, 500)),
    "fiji_5": (FIJI, (5,)),
    "fiji": (FIJI, (5, 100, 2000)),
}

#: Every band, band outline and line Leaflet drew: class, bounds, the pixel width of its
#: bounds at the map's zoom and at zoom 4, the number of rings of its SVG path.
DRAWN_JS = """() => {
    const el = document.querySelector('.folium-map');
    const m = window[el.id];
    const z = m.getZoom();
    const out = [];
    Object.values(m._layers).forEach(l => {
        const cls = l.options && l.options.className;
        if (!['gz-band', 'gz-band-edge', 'gz-line'].includes(cls) || !l.getBounds) return;
        const b = l.getBounds();
        const wide = zoom => m.project(b.getNorthEast(), zoom).x
            - m.project(b.getSouthWest(), zoom).x;
        const d = l._path ? l._path.getAttribute('d') || '' : '';
        out.push({cls, west: b.getWest(), east: b.getEast(), south: b.getSouth(),
                  north: b.getNorth(), px: wide(z), px4: wide(4), world: 256 * 2 ** z,
                  rings: (d.match(/M/g) || []).length,
                  stroke: l._path ? l._path.getAttribute('stroke') : null});
    });
    return {zoom: z, centre: m.getCenter(), width: m.getSize().x, drawn: out};
}"""

#: Whether the fill of the i-th band (in drawing order) holds each [lat, lon].
IN_FILL_JS = """([i, points]) => {
    const el = document.querySelector('.folium-map');
    const m = window[el.id];
    const bands = Object.values(m._layers).filter(
        l => l.options && l.options.className === 'gz-band' && l._path);
    bands.sort((a, b) => L.stamp(a) - L.stamp(b));
    const path = bands[i]._path;
    return points.map(([lat, lon]) => {
        const p = m.latLngToLayerPoint([lat, lon]);
        return path.isPointInFill(new DOMPoint(p.x, p.y));
    });
}"""

MAX_LAT = 85.0511287798  # Web Mercator's edge: Leaflet draws nothing beyond it


@pytest.fixture(scope="module")
def browser():
    yield from launch_browser()


@pytest.fixture(scope="module")
def maps(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("sphere_maps")
    out = {}
    for name, (line, distances) in CASES.items():
        m = gz.zone_map(gz.build_zones(line, distances), lines=line)
        out[name] = gz.save_map(m, folder / f"{name}.html")
    return out


@pytest.fixture(scope="module")
def drawn(browser, maps):
    """What each map drew, and a function asking a map's band fill about points."""
    pages = {name: Page(browser, path) for name, path in maps.items()}
    views = {name: page.eval(DRAWN_JS) for name, page in pages.items()}
    for page in pages.values():
        assert page.errors == []

    def in_fill(name: str, band: int, points: list[tuple[float, float]]) -> list[bool]:
        return pages[name].eval(IN_FILL_JS, [band, [list(p) for p in points]])

    yield views, in_fill
    for page in pages.values():
        page.close()


def _of(view, cls):
    return [d for d in view["drawn"] if d["cls"] == cls]


@pytest.mark.parametrize("name", list(CASES))
def test_no_stripe_across_the_world(drawn, name):
    # a path wider than 40% of the world is only a pole's: a band that reaches Mercator's top
    # or bottom, or the outline of such a cap (a curve round the world)
    view = drawn[0][name]
    assert _of(view, "gz-band") and _of(view, "gz-line")

    def at_pole(d):
        return d["north"] >= MAX_LAT or d["south"] <= -MAX_LAT

    caps = [d for d in _of(view, "gz-band") if at_pole(d)]
    for d in view["drawn"]:
        if d["px"] > 0.4 * d["world"]:
            assert at_pole(d) or (d["cls"] == "gz-band-edge" and caps), (name, d)


def test_fiji_zone_is_one_shape_round_the_antimeridian(drawn):
    view = drawn[0]["fiji_5"]
    (band,) = _of(view, "gz-band")
    (line,) = _of(view, "gz-line")
    # one ring, round 180° (drawn from 178.45 to 180.55, not -180..180)
    assert band["rings"] == 1
    assert 178.3 < band["west"] < 178.5 and 180.5 < band["east"] < 180.7
    assert 178.4 < line["west"] <= 178.5 and 180.5 <= line["east"] < 180.6
    # at zoom 4 the 5 km zone round a 230 km line is a few dozen pixels wide, not the world
    assert 15 < band["px4"] < 40
    # the view is fitted to it: centred on the line, zoomed in, the zone within the map
    assert view["zoom"] >= 8
    assert abs((view["centre"]["lng"] - 179.5 + 180) % 360 - 180) < 0.2
    assert 0.3 * view["width"] < band["px"] <= view["width"]


def test_fiji_bands_nest_round_the_line(drawn):
    view = drawn[0]["fiji"]
    bands = _of(view, "gz-band")
    assert len(bands) == 3
    for b in bands:
        assert b["west"] < 179.5 < b["east"]  # round the line's middle, one contiguous shape
        assert b["east"] - b["west"] < 45
    assert 4 <= view["zoom"] <= 6  # framed on the 2,000 km zone, not the whole world
    assert abs((view["centre"]["lng"] - 179.5 + 180) % 360 - 180) < 2


@pytest.mark.parametrize("name", ["north", "south", "over_pole"])
def test_pole_cap_is_filled_without_seam_strokes(drawn, name):
    # the edges along ±180 and ±90 are the frame, not the zone's boundary: no stroke there
    view = drawn[0][name]
    caps = [b for b in _of(view, "gz-band") if b["west"] == -180 and b["east"] == 180]
    assert caps
    for cap in caps:
        assert cap["stroke"] == "none"
        assert cap["px"] == pytest.approx(cap["world"], rel=0.01)  # the whole world's width
    edges = _of(view, "gz-band-edge")
    assert len(edges) == len(caps)


def test_south_cap_fills_the_bottom_of_the_map(drawn):
    views, in_fill = drawn
    bottom = [(-85.0, lon) for lon in (-179.5, -90, 0, 90, 179.5)]
    assert in_fill("south", 0, bottom) == [True] * 5
    assert in_fill("south", 0, [(-40.0, 155.0), (-50.0, -25.0)]) == [False, False]
    # its outline is the 3,000 km curve only: it stays clear of the map's bottom
    (edge,) = _of(views["south"], "gz-band-edge")
    assert edge["south"] > -75  # the curve comes nearest the pole (-70.9°) opposite the line


def test_north_cap_reaches_the_top_where_the_zone_does(drawn):
    _, in_fill = drawn
    # below the line, down to about 76°N, and up to Mercator's edge; 1,000 km away at 180°
    # it only reaches 86°N, beyond what Web Mercator shows
    inside = in_fill("north", 0, [(84.9, 5.0), (80.0, 5.0), (77.0, 5.0), (84.9, 60.0)])
    assert inside == [True] * 4
    assert in_fill("north", 0, [(84.0, 179.0), (74.0, 5.0)]) == [False, False]


def test_line_over_the_pole_runs_to_it(drawn):
    # the geodesic from (-60 -70) to (120 -72) passes the South Pole: drawn as two pieces
    # down to the map's bottom, not as a line along 70°S across half the world
    view = drawn[0]["over_pole"]
    (line,) = _of(view, "gz-line")
    assert line["south"] < -89
    assert line["rings"] == 2
    inner, _ = _of(view, "gz-band")
    assert drawn[1]("over_pole", 0, [(-80.0, -60.0), (-80.0, 120.0), (-80.0, 30.0)]) == [
        True,
        True,
        False,
    ]
    assert inner["stroke"] == "none"


def test_positions_beside_a_fiji_zone_are_drawn_beside_it():
    # no browser needed: the positions travel with the map's window of longitudes
    table = pd.DataFrame({"lon": [-179.9, 179.9], "lat": [-17.0, -17.2]})
    m = gz.zone_map(gz.build_zones(FIJI, (5,)), table, lines=FIJI)
    page = m.get_root().render()
    assert re.findall(r'"x":\s*\[([^\]]*)\]', page)[0] == "180.1,179.9"
    # a map far from 180° keeps every longitude as it is
    golan = gz.zone_map(gz.build_zones("alpha_line", (5,)), table.assign(lon=[35.8, 35.9]))
    assert re.findall(r'"x":\s*\[([^\]]*)\]', golan.get_root().render())[0] == "35.8,35.9"
