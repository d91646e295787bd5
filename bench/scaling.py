"""How geozones' cost grows with the line's detail: issue 16's scaling targets in one run.

Run it from the repository root::

    .venv/bin/python bench/scaling.py [--points 1000000] [--globe-points 100000]
                                      [--vertices 50 500 5000 50000] [--zones-km 60]
                                      [--threads 1] [--skip-zones]

The line: the outline of Syria from the bundled ``countries`` layer (Natural Earth), resampled
to n vertices at equal geodesic spacing along it (points on its geodesic edges, first and last
vertex its first vertex). Every case runs in its own child process (the same script with
``--case``), so each peak RSS (``ru_maxrss``) is its own; the baseline after imports and data
is printed too.

Cases, all in one run:

- ``near n``: ``distance_to_line`` of ``--points`` points uniform within 80 km of the line
  (bench/distance.py's sampler), for every n of ``--vertices``;
- ``globe``: ``--globe-points`` points uniform on the globe against the 5,000-vertex line;
- ``zones`` / ``utm``: the largest line's ``--zones-km`` zones, both sides
  (``gz.build_zones(line, (km,))``), and geopandas' buffer of the same line in UTM 37N
  (``to_crs(32637).buffer(km * 1000).to_crs(4326)``), the peer.

It prints the scaling table (n, seconds, peak RSS) and then the targets as PASS/MISS: the
5,000-vertex line within 2x the time of the 50-vertex one; the 50,000-vertex line's zones in
under 5 s and 1 GiB, and within 5x of the UTM buffer; the globe case's peak RSS under 1 GiB.
Point sets are generated once, in a child, and shared through a temporary directory.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import peak_rss_mib

RESULT_TAG = "RESULT "
GLOBE_VERTICES = 5_000


def syria_line(n_vertices: int):
    """The outline of Syria resampled to `n_vertices` at equal geodesic spacing."""
    import pyproj
    import shapely

    import geozones as gz

    geod = pyproj.Geod(ellps="WGS84")
    countries = gz.datasets.load("countries")
    outline = countries[countries["ADMIN"] == "Syria"].geometry.iloc[0]
    ring = np.asarray(shapely.get_coordinates(shapely.get_exterior_ring(outline)))
    az, _, length = geod.inv(ring[:-1, 0], ring[:-1, 1], ring[1:, 0], ring[1:, 1])
    along = np.r_[0.0, np.cumsum(length)]
    s = np.linspace(0.0, along[-1], n_vertices)
    edge = np.clip(np.searchsorted(along, s, side="right") - 1, 0, len(length) - 1)
    lon, lat, _ = geod.fwd(ring[edge, 0], ring[edge, 1], az[edge], s - along[edge])
    lon[-1], lat[-1] = ring[0]
    return shapely.LineString(np.column_stack([lon, lat]))


def child(args: argparse.Namespace) -> dict:
    """Run one case; return its figures."""
    import geopandas as gpd

    import geozones as gz

    kind, n = args.case.split(":")
    line = syria_line(int(n))
    if kind == "points":  # generate the point sets
        from distance import random_points

        lon, lat = random_points(line, args.points, 0)
        rng = np.random.default_rng(1)
        glon = rng.uniform(-180.0, 180.0, args.globe_points)
        glat = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, args.globe_points)))
        np.savez(args.out, lon=lon, lat=lat, glon=glon, glat=glat)
        return {}
    with np.load(args.data) as data:
        lon, lat = (data["glon"], data["glat"]) if kind == "globe" else (data["lon"], data["lat"])
    if kind in ("near", "globe"):
        gz.distance_to_line(lon[:1000], lat[:1000], line, threads=args.threads)  # warm-up
        baseline = peak_rss_mib()
        t0 = time.perf_counter()
        gz.distance_to_line(lon, lat, line, threads=args.threads)
    elif kind == "zones":
        gz.build_zones(gz.datasets.load("alpha_line"), (5,))  # warm-up
        baseline = peak_rss_mib()
        t0 = time.perf_counter()
        gz.build_zones(line, (args.zones_km,), threads=args.threads)
    else:  # utm
        gpd.GeoSeries([line], crs=4326).to_crs(32637).buffer(1.0)  # warm-up
        baseline = peak_rss_mib()
        t0 = time.perf_counter()
        series = gpd.GeoSeries([line], crs=4326).to_crs(32637)
        series.buffer(args.zones_km * 1000.0).to_crs(4326)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "peak": peak_rss_mib(), "baseline": baseline}


def spawn(case: str, args: argparse.Namespace, data: Path, out: Path | None = None) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--case", case, "--data", str(data)]
    cmd += ["--points", str(args.points), "--globe-points", str(args.globe_points)]
    cmd += ["--zones-km", str(args.zones_km), "--threads", str(args.threads)]
    if out is not None:
        cmd += ["--out", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "?"}
    tagged = [x for x in proc.stdout.splitlines() if x.startswith(RESULT_TAG)]
    return json.loads(tagged[-1][len(RESULT_TAG) :])


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000, help="points near the line")
    parser.add_argument("--globe-points", type=int, default=100_000, help="points on the globe")
    parser.add_argument("--vertices", type=int, nargs="+", default=[50, 500, 5_000, 50_000])
    parser.add_argument("--zones-km", type=float, default=60.0)
    parser.add_argument("--threads", type=int, default=1, help="geozones threads (default 1)")
    parser.add_argument("--skip-zones", action="store_true", help="leave out zones and UTM")
    parser.add_argument("--skip-globe", action="store_true", help="leave out the globe case")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.case:
        print(RESULT_TAG + json.dumps(child(args)), flush=True)
        return

    vertices = sorted(args.vertices)
    print(
        f"scaling benchmark: Syria's outline resampled to {vertices} vertices; "
        f"{args.points:,} points within 80 km; {args.globe_points:,} on the globe; "
        f"threads={args.threads}"
    )
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="geozones-scaling-") as tmp:
        data = Path(tmp) / "points.npz"
        # points within 80 km of the most detailed line (the same ground for every n)
        spawn(f"points:{vertices[-1]}", args, data, out=data)
        cases = [f"near:{n}" for n in vertices]
        if not args.skip_globe:
            cases.append(f"globe:{GLOBE_VERTICES}")
        if not args.skip_zones:
            cases += [f"zones:{vertices[-1]}", f"utm:{vertices[-1]}"]
        for case in cases:
            print(f"running {case} ...", flush=True)
            results[case] = spawn(case, args, data)

    def fig(case: str) -> str:
        r = results.get(case, {})
        if "error" in r:
            return f"failed: {r['error'][:60]}"
        return f"{r['seconds']:9.2f} s  {r['peak']:8.0f} MiB (baseline {r['baseline']:.0f})"

    print(f"\n{'case':<14} {'time':>11}  {'peak RSS':>12}")
    for case in results:
        print(f"{case:<14} {fig(case)}")

    def seconds(case: str) -> float:
        return results.get(case, {}).get("seconds", float("nan"))

    print("\ntargets")
    if 50 in vertices and 5_000 in vertices:
        x = seconds("near:5000") / seconds("near:50")
        print(f"  near 5,000 v / near 50 v  = {x:5.2f}x   target <= 2x   {verdict(x <= 2.0)}")
    for n in vertices[1:]:
        x = seconds(f"near:{n}") / seconds(f"near:{vertices[0]}")
        print(f"  near {n:,} v / near {vertices[0]} v = {x:5.2f}x")
    if not args.skip_zones:
        z, u = f"zones:{vertices[-1]}", f"utm:{vertices[-1]}"
        zs, zp = seconds(z), results.get(z, {}).get("peak", float("nan"))
        print(f"  zones {vertices[-1]:,} v time   = {zs:6.2f} s   target < 5 s   {verdict(zs < 5)}")
        print(
            f"  zones {vertices[-1]:,} v peak   = {zp:6.0f} MiB target < 1024  {verdict(zp < 1024)}"
        )
        x = zs / seconds(u)
        print(f"  zones / UTM buffer        = {x:6.1f}x   target <= 5x   {verdict(x <= 5)}")
    if not args.skip_globe:
        gp = results.get(f"globe:{GLOBE_VERTICES}", {}).get("peak", float("nan"))
        print(f"  globe peak RSS            = {gp:6.0f} MiB target < 1024  {verdict(gp < 1024)}")


if __name__ == "__main__":
    main()
