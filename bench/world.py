"""Issue 16's world cases: how many random points, anywhere on Earth, are in the wrong band.

Run it from the repository root, in one command::

    .venv/bin/python bench/world.py [--cases a b ...] [--scale 1.0] [--seed 0]
                                    [--tolerance M] [--show 3] [--timeout 90]

What it does
------------
For each world case of issue 16 (a line, band limits, a side), in one process:

1. builds the zones with ``geozones.build_zones(line, distances_km, side=side,
   tolerance_m=...)``, in a forked child process stopped after ``--timeout`` seconds (an
   exception or a timeout is counted under "errors" and the case's points are not checked);
2. draws seeded random points whose exact distance and side are known independently of
   geozones: points on a random normal of a random point of the line (``Geod.fwd``), points
   round its ends, points near each band limit and, for zones that reach a pole or cover
   much of the globe, points uniform by area (on the ellipsoid) in a cap or on the whole
   Earth, plus the case's named points (a pole, a point 721 km away). A normal's length is
   the distance to the line only where its foot is the nearest point, so every point's
   distance and side come from the vectorised geographiclib reference of
   ``tests/_reference.py`` (``reference_world_locate``), not from the construction;
3. finds which band polygons contain each point (shapely, straight edges in lon/lat; bands
   that cross the antimeridian are split at ±180°, and the points' longitudes are in
   [-180, 180]), and compares with the band its exact distance (and, for one-sided zones,
   the side of its nearest point) puts it in;
4. leaves out the points within the zones' tolerance of a band edge: ``|d - limit| <=
   tolerance_m`` and, for one-sided zones within the outer limit, points within the
   tolerance of a change of side (the line, an end's continuation, or where the nearest
   pieces on the two sides tie: ``side_margin_m``);
5. also compares ``geozones.locate_on_line`` with the reference on the same points
   (distance to 1 mm; side where the side margin exceeds 1 mm): item 3 of the issue;
6. for cases with a sampled cap, estimates the outer zone's area by Monte Carlo (the share
   of the cap's uniform points within the outer limit, times the cap's area) and shows it
   beside ``area_km2`` (the sum of the bands).

What it prints
--------------
One row per case: points drawn, points checked (not near an edge), points in the wrong
band (of which: in no band though within a limit, in a band though beyond every limit, in
another band, in two bands), errors raised by ``build_zones`` or ``locate_on_line``, points
where ``locate_on_line`` disagrees with the reference, the area check and the build time;
then each case's named points, and up to ``--show`` wrong points per case with their exact
distance and side.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import platform
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from shapely import LineString, MultiLineString

import geozones

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from _reference import (  # noqa: E402  (the tests' independent reference)
    reference_cap_area_m2,
    reference_points_near,
    reference_uniform_points,
    reference_walk,
    reference_world_locate,
)

#: how close the locate_on_line distance must be to the reference, metres
LOCATE_ATOL_M = 1e-3


@dataclass
class Case:
    """One world case: a line, band limits, a side, and where to draw points."""

    key: str
    title: str
    line: shapely.Geometry
    distances_km: tuple[float, ...]
    side: str = "both"
    n: int = 3000
    tolerance_m: float = 1.0
    #: share of the points drawn uniformly by area in a cap (centre lon, lat, radius m), or
    #: on the whole Earth when the radius is None
    cap: tuple[float, float, float | None] | None = None
    cap_share: float = 0.0
    #: points near the line: their distance is drawn up to this many times the outer limit
    reach: float = 1.15
    named: dict[str, tuple[float, float]] = field(default_factory=dict)


def cases() -> list[Case]:
    """The issue's world cases (a)-(g), its controls (h), (i), and the cases (j)-(n).

    (j)-(m) are one-sided lines that turn back near themselves, (n) a one-sided long line
    over the pole; all found by the property tests of tests/test_world.py.
    """
    south_end = (156.0, -82.2)
    p721 = reference_walk(south_end[0], south_end[1], 180.0, 721_000.0)
    return [
        Case(
            "a",
            "near the South Pole: (155 -81.8, 156 -82.2), 3,000 km",
            LineString([(155.0, -81.8), south_end]),
            (3000.0,),
            n=3000,
            cap=(155.5, -82.0, 3_300_000.0),
            cap_share=0.5,
            named={
                "South Pole": (0.0, -90.0 + 1e-7),
                "721 km point": (float(p721[0]), float(p721[1])),
            },
        ),
        Case(
            "b",
            "near the North Pole: (0 85, 10 85), 1,000 km",
            LineString([(0.0, 85.0), (10.0, 85.0)]),
            (1000.0,),
            n=3000,
            cap=(5.0, 85.0, 1_300_000.0),
            cap_share=0.5,
            named={"North Pole": (0.0, 90.0 - 1e-7)},
        ),
        Case(
            "c",
            "over the South Pole: (-60 -70) -> (120 -72), 20/500 km",
            LineString([(-60.0, -70.0), (120.0, -72.0)]),
            (20.0, 500.0),
            n=4000,
            cap=(0.0, -90.0, 2_900_000.0),
            cap_share=0.3,
            named={"South Pole": (0.0, -90.0 + 1e-7)},
        ),
        Case(
            "d",
            "two parallel parts running east, 11 km apart, left, 5/20 km",
            MultiLineString([[(35.0, 33.0), (36.0, 33.0)], [(35.0, 33.1), (36.0, 33.1)]]),
            (5.0, 20.0),
            side="left",
        ),
        Case(
            "e",
            "a line that loops back 11 km from itself, left, 5/20 km",
            LineString(
                [(35.0, 33.0), (36.0, 33.0), (36.0, 33.3), (34.8, 33.3), (34.8, 32.9), (35.8, 32.9)]
            ),
            (5.0, 20.0),
            side="left",
        ),
        Case(
            "f",
            "a 1,500 km segment, 0.1 km, points near the line",
            LineString(
                [
                    (43.649201780525715, 42.920333086233356),
                    (25.946745317564705, 48.29179678240841),
                ]
            ),
            (0.1,),
            n=4000,
            reach=1.5,
        ),
        Case(
            "g",
            "10,000 km zones on a 13,500 km line (2,000/10,000 km)",
            LineString([(-40.0, 10.0), (0.0, -5.0), (40.0, 15.0), (80.0, 0.0)]),
            (2000.0, 10000.0),
            n=3000,
            tolerance_m=10.0,
            cap=(0.0, 0.0, None),
            cap_share=0.5,
            reach=1.3,
        ),
        Case(
            "h",
            "control: across the antimeridian (Fiji), 5/20/60/500/2,000 km",
            LineString([(177.0, -17.5), (179.5, -16.8), (-179.0, -16.2), (-177.5, -17.0)]),
            (5.0, 20.0, 60.0, 500.0, 2000.0),
            n=3000,
        ),
        Case(
            "i",
            "control: along the equator, 3,000 km round a 5,000 km line",
            LineString([(-22.5, 0.0), (0.0, 0.0), (22.5, 0.0)]),
            (3000.0,),
            n=3000,
        ),
        Case(
            "j",
            "a U-turn whose ends face each other 25 km apart, right, 1/33.6 km",
            LineString([(179.011, 0.0), (179.419, 0.958), (179.322, 1.0), (178.99, 0.221)]),
            (1.0, 33.6),
            side="right",
            tolerance_m=5.0,
        ),
        Case(
            "k",
            "a line across ±180° (then west), right, 31.6 km",
            LineString(
                [
                    (-179.93798731684618, -1.0955899291872269),
                    (179.97074172061278, -1.1278733853996323),
                    (179.91295766306237, -1.1052797537359642),
                    (179.33279803803032, -1.0775141961907495),
                ]
            ),
            (31.61,),
            side="right",
            tolerance_m=5.0,
        ),
        Case(
            "l",
            "parts 3.5 km apart, side by side for 14 km, right, 19.2 km",
            MultiLineString(
                [
                    [(-179.0135098817295, 0.0), (-178.739481328521, -0.0144579595840535)],
                    [
                        (-179.11636811184962, 0.0325952004638072),
                        (-178.9369512618482, 0.0231290029078529),
                    ],
                ]
            ),
            (19.17,),
            side="right",
            tolerance_m=5.0,
        ),
        Case(
            "m",
            "parallel parts 5 km apart across ±180°, left, 5/20 km",
            MultiLineString(
                [
                    [(-179.4039340823346, 0.0), (179.79309467569263, -0.5428567258967516)],
                    [
                        (-179.49754892786936, 0.0456453687374007),
                        (179.9294819175814, -0.3417274286017631),
                    ],
                ]
            ),
            (5.0, 20.0),
            side="left",
        ),
        Case(
            "n",
            "a long line over the North Pole, left, 8.85/550 km, tolerance 10 m",
            LineString(
                [
                    (-176.79891640017004, 33.0),
                    (-176.79891640017004, 42.01000386950278),
                    (3.201083599829957, 75.21722762933625),
                    (51.26102163243158, 68.8358494294497),
                ]
            ),
            (8.854212521463097, 549.9399625325894),
            side="left",
            tolerance_m=10.0,
            reach=1.3,
        ),
    ]


# ------------------------------------------------------------------- drawing the points


def _region(cap: tuple[float, float, float | None]):
    return None if cap[2] is None else cap


def draw_points(case: Case, rng) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The case's random points (lon, lat) and, for each, whether it is from the cap."""
    limits_m = np.asarray(case.distances_km) * 1000.0
    n_cap = round(case.n * case.cap_share) if case.cap else 0
    lon, lat = reference_points_near(
        case.line, limits_m, rng, case.n - n_cap, reach=case.reach, tolerance_m=case.tolerance_m
    )
    from_cap = np.zeros(lon.size, bool)
    if case.cap and n_cap:
        lon2, lat2 = reference_uniform_points(rng, n_cap, _region(case.cap))
        lon, lat = np.r_[lon, lon2], np.r_[lat, lat2]
        from_cap = np.r_[from_cap, np.ones(n_cap, bool)]
    return lon, lat, from_cap


# ------------------------------------------------------------------------- the checking


@dataclass
class Result:
    """One case's figures."""

    key: str
    title: str
    drawn: int = 0
    checked: int = 0
    wrong: int = 0
    missing: int = 0  # within a limit, in no band
    extra: int = 0  # beyond every limit (or on the other side), yet in a band
    misplaced: int = 0  # in another band
    doubled: int = 0  # in two bands or more
    errors: list[str] = field(default_factory=list)
    locate_off: int = 0
    area_km2: float = math.nan
    area_mc_km2: float = math.nan
    area_sigma_km2: float = math.nan
    build_s: float = math.nan
    named: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)


def expected_band(case: Case, distance_m: np.ndarray, side: np.ndarray) -> np.ndarray:
    """The band each point belongs in: 0, 1, ... or len(limits) for none."""
    limits_m = np.asarray(case.distances_km) * 1000.0
    band = np.searchsorted(limits_m, distance_m, side="left")
    if case.side != "both":
        band[side != {"left": 1, "right": -1}[case.side]] = len(limits_m)
    return band


def near_an_edge(case: Case, tolerance_m: float, ref) -> np.ndarray:
    """Points within the tolerance of a band limit or, one-sided, of a change of side."""
    limits_m = np.asarray(case.distances_km) * 1000.0
    slack = tolerance_m + 1e-6
    near = np.min(np.abs(ref.distance_m[:, None] - limits_m[None, :]), axis=1) <= slack
    if case.side != "both":
        near |= (ref.side_margin_m <= slack) & (ref.distance_m <= limits_m[-1] + slack)
    return near


def observed_bands(zones, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """A (points, bands) boolean matrix: which band polygons contain each point."""
    inside = np.zeros((lon.size, len(zones)), dtype=bool)
    for j, geom in enumerate(zones.geometry.to_numpy()):
        shapely.prepare(geom)
        inside[:, j] = shapely.contains_xy(geom, lon, lat)
    return inside


def classify(case: Case, zones, lon, lat, ref) -> dict[str, np.ndarray]:
    """Per point: expected band, observed bands, and the kinds of wrong."""
    nb = len(case.distances_km)
    want = expected_band(case, ref.distance_m, ref.side)
    inside = observed_bands(zones, lon, lat)
    count = inside.sum(axis=1)
    got = np.where(count == 0, nb, np.argmax(inside, axis=1))
    return {
        "want": want,
        "got": got,
        "count": count,
        "wrong": (got != want) | (count > 1),
        "missing": (count == 0) & (want < nb),
        "extra": (count > 0) & (want == nb),
        "misplaced": (count == 1) & (want < nb) & (got != want),
        "doubled": count > 1,
    }


def _band_name(case: Case, band: int) -> str:
    limits = (0.0, *case.distances_km)
    return "none" if band >= len(case.distances_km) else f"{limits[band]:g}-{limits[band + 1]:g} km"


def _build(line, distances_km, side: str, tolerance_m: float):
    t0 = time.perf_counter()
    zones = geozones.build_zones(line, distances_km, side=side, tolerance_m=tolerance_m)
    return zones, time.perf_counter() - t0


def build(case: Case, tolerance_m: float, timeout_s: float):
    """``build_zones`` for the case, and its seconds; in a child process when `timeout_s`.

    A child that takes longer than `timeout_s` is ended (it is this process's own child),
    and the case counts a TimeoutError.
    """
    args = (case.line, case.distances_km, case.side, tolerance_m)
    if not timeout_s:
        return _build(*args)
    with multiprocessing.get_context("fork").Pool(1) as pool:  # ends the child on exit
        job = pool.apply_async(_build, args)
        try:
            return job.get(timeout_s)
        except multiprocessing.TimeoutError:
            msg = f"build_zones took more than {timeout_s:g} s (stopped)"
            raise TimeoutError(msg) from None


def run_case(
    case: Case, seed: int, tolerance_m: float | None, show: int, timeout_s: float = 0.0
) -> Result:
    rng = np.random.default_rng([seed, ord(case.key)])
    tol = case.tolerance_m if tolerance_m is None else tolerance_m
    res = Result(case.key, case.title)
    lon, lat, from_cap = draw_points(case, rng)
    names = list(case.named)
    if names:
        lon = np.r_[lon, [case.named[k][0] for k in names]]
        lat = np.r_[lat, [case.named[k][1] for k in names]]
        from_cap = np.r_[from_cap, np.zeros(len(names), bool)]
    res.drawn = lon.size
    limits_m = np.asarray(case.distances_km) * 1000.0
    ray_m = min(1.05 * limits_m[-1] + 1000.0, 15_000_000.0)
    ref = reference_world_locate(lon, lat, case.line, ray_m=ray_m if case.side != "both" else 0.0)

    # locate_on_line against the reference (item 3 of the issue)
    try:
        loc = geozones.locate_on_line(lon, lat, case.line, nearest_point=False)
        off = ~(np.abs(loc.distance_m - ref.distance_m) <= LOCATE_ATOL_M)
        off |= (loc.side != ref.side) & (ref.side_margin_m > LOCATE_ATOL_M)
        res.locate_off = int(off.sum())
    except Exception as exc:  # noqa: BLE001  (counted and shown, not hidden)
        res.errors.append(f"locate_on_line: {type(exc).__name__}: {exc}")

    t0 = time.perf_counter()
    try:
        zones, res.build_s = build(case, tol, timeout_s)
    except Exception as exc:  # noqa: BLE001
        res.build_s = time.perf_counter() - t0
        res.errors.append(f"build_zones: {type(exc).__name__}: {exc}")
        return res
    res.area_km2 = float(np.sum(zones["area_km2"]))

    skip = near_an_edge(case, tol, ref)
    c = classify(case, zones, lon, lat, ref)
    ok = ~skip
    res.checked = int(ok.sum())
    for kind in ("wrong", "missing", "extra", "misplaced", "doubled"):
        setattr(res, kind, int((c[kind] & ok).sum()))

    if case.cap and case.side == "both":  # Monte Carlo area of the outer zone
        mine = from_cap
        p = float(np.mean(ref.distance_m[mine] <= limits_m[-1]))
        area = reference_cap_area_m2(_region(case.cap)) / 1e6
        res.area_mc_km2 = p * area
        res.area_sigma_km2 = math.sqrt(max(p * (1.0 - p), 1e-12) / mine.sum()) * area

    for i, name in enumerate(names):
        k = lon.size - len(names) + i
        res.named.append(
            f"{name} ({lon[k]:.4f} {lat[k]:.7f}): {ref.distance_m[k] / 1000:,.1f} km, side "
            f"{ref.side[k]:+d}; belongs in {_band_name(case, c['want'][k])}, is in "
            f"{_band_name(case, c['got'][k]) if c['count'][k] <= 1 else 'two bands'}"
        )
    for k in np.flatnonzero(c["wrong"] & ok)[:show]:
        res.examples.append(
            f"({lon[k]:.6f} {lat[k]:.6f}): {ref.distance_m[k]:,.1f} m, side {ref.side[k]:+d}; "
            f"belongs in {_band_name(case, c['want'][k])}, is in "
            f"{_band_name(case, c['got'][k]) if c['count'][k] <= 1 else 'two bands'}"
        )
    return res


def _fmt_area(r: Result) -> str:
    if math.isnan(r.area_mc_km2):
        return "" if math.isnan(r.area_km2) else f"{r.area_km2:,.0f}"
    return f"{r.area_km2:,.0f} / {r.area_mc_km2:,.0f} ± {r.area_sigma_km2:,.0f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--cases", nargs="*", default=None, help="case letters (default: all)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every case's points")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tolerance", type=float, default=None, help="tolerance_m for all")
    parser.add_argument("--show", type=int, default=3, help="wrong points shown per case")
    parser.add_argument(
        "--timeout",
        type=float,
        default=90.0,
        help="seconds a case's build_zones may take, in a child process (0: in this one)",
    )
    args = parser.parse_args(argv)
    chosen = [c for c in cases() if args.cases is None or c.key in args.cases]
    for c in chosen:
        c.n = max(10, round(c.n * args.scale))
    print(
        f"geozones {geozones.__version__} from {Path(geozones.__file__).parent}; "
        f"python {platform.python_version()}, {platform.machine()}; seed {args.seed}"
    )
    t0 = time.perf_counter()
    results = [run_case(c, args.seed, args.tolerance, args.show, args.timeout) for c in chosen]
    head = (
        f"{'case':<4} {'drawn':>6} {'checked':>8} {'wrong':>6} {'(none/extra/other/two)':>22} "
        f"{'errors':>6} {'locate≠ref':>10} {'build s':>8}  area km², gz / Monte Carlo"
    )
    print()
    print(head)
    print("-" * len(head))
    for r in results:
        split = f"{r.missing}/{r.extra}/{r.misplaced}/{r.doubled}" if r.checked else "-"
        print(
            f"{r.key:<4} {r.drawn:>6} {r.checked:>8} {r.wrong if r.checked else '-':>6} "
            f"{split:>22} {len(r.errors):>6} {r.locate_off:>10} {r.build_s:>8.2f}  {_fmt_area(r)}"
        )
    print()
    for r in results:
        print(f"({r.key}) {r.title}")
        for e in r.errors:
            print(f"    error: {e[:300]}")
        for s in r.named:
            print(f"    {s}")
        for s in r.examples:
            print(f"    wrong: {s}")
    total_checked = sum(r.checked for r in results)
    total_wrong = sum(r.wrong for r in results)
    print(
        f"\nall cases: {total_checked} points checked, {total_wrong} in the wrong band, "
        f"{sum(len(r.errors) for r in results)} errors; {time.perf_counter() - t0:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
