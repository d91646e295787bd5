"""Benchmark ``geozones.build_zones`` against geopandas buffers in UTM 36N.

Run it from the repository root, in one command::

    .venv/bin/python bench/zones.py [--line alpha_line|bravo_line|both] [--repeat 5]
                                    [--tolerance 1.0] [--spacing 20]

What it does
------------
For each line (``--line``, default both: Alpha, 51 vertices; Bravo, 181 vertices), in one
process, with the same shapely line (loaded once, outside the timings):

1. times ``geozones.build_zones(line, (5, 20, 60), tolerance_m=--tolerance)``, the bands
   [0, 5], (5, 20] and (20, 60] km on both sides, best of ``--repeat`` after a warm-up call;
2. times the usual UTM shortcut the same way, in turns with step 1 (geozones, UTM, UTM,
   geozones, ...), so a slow spell of the machine hits both alike; from the lon/lat line to
   lon/lat bands:
   geopandas ``to_crs(32636)``, ``.buffer(d)`` for d = 5, 20, 60 km (default resolution),
   the bands by differencing (buf5, buf20 - buf5, buf60 - buf20), ``.to_crs(4326)``;
3. measures the boundary error of both: every edge of every ring of every band is sampled as
   drawn (straight in lon/lat, as GeoJSON and Leaflet draw it), at both ends and every
   ``--spacing`` metres or closer (closer when needed for at least 20,000 points per band),
   and the exact geodesic distance of each sample to the line comes from
   ``geozones.distance_to_line`` (millimetre-exact). A sample's error is that distance minus
   the nearer of its band's limits (``inner_km``, ``outer_km``; inner 0 is no edge): negative
   where the drawn edge runs inside the true curve, positive outside.

What it prints
--------------
Per line: wall and CPU seconds of each method and geozones' time over UTM's ("gz/utm");
vertices per band; per edge distance (5, 20, 60 km, pooled over the bands that share it) the
samples, max |error| and the signed error range of each method. Then the targets with
PASS/FAIL: geozones at most 3x UTM's time, Alpha in under 0.5 s, boundary error at most 1 m;
and the peak RSS of the process.
"""

from __future__ import annotations

import argparse
import math
import os
import platform

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from _common import best_of_interleaved, peak_rss_mib

import geozones

DISTANCES_KM = (5.0, 20.0, 60.0)
LINES = ("alpha_line", "bravo_line")
MIN_SAMPLES_PER_BAND = 20_000
UTM_EPSG = 32636
GEOD = pyproj.Geod(ellps="WGS84")

TARGET_RATIO = 3.0  # geozones time / UTM time, at most
TARGET_ALPHA_S = 0.5  # geozones time for the Alpha line, under
TARGET_ERROR_M = 1.0  # geozones boundary error, at most


# --------------------------------------------------------------------------- the methods


def run_geozones(line: shapely.Geometry, tolerance_m: float) -> gpd.GeoDataFrame:
    return geozones.build_zones(line, DISTANCES_KM, tolerance_m=tolerance_m)


def run_utm(line: shapely.Geometry) -> gpd.GeoDataFrame:
    """Buffer in UTM 36N, difference the buffers into bands, project back to lon/lat."""
    utm = gpd.GeoDataFrame(geometry=[line], crs=4326).to_crs(UTM_EPSG)
    buffers = [utm.buffer(d * 1000.0).iloc[0] for d in DISTANCES_KM]
    outer = gpd.GeoSeries(buffers, crs=UTM_EPSG)
    inner = gpd.GeoSeries([shapely.Polygon(), *buffers[:-1]], crs=UTM_EPSG)
    bands = outer.difference(inner)
    inner_km = np.r_[0.0, DISTANCES_KM[:-1]]
    out = gpd.GeoDataFrame(
        {"inner_km": inner_km, "outer_km": np.asarray(DISTANCES_KM)}, geometry=bands
    )
    return out.to_crs(4326)


# ---------------------------------------------------------------------- boundary errors


def sample_edges(geom: shapely.Geometry, spacing_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Points along every ring edge of `geom`, straight in lon/lat, about `spacing_m` apart.

    Each edge gets both ends and at least its midpoint; the spacing shrinks so that the
    polygon gets at least `MIN_SAMPLES_PER_BAND` points.
    """
    rings = shapely.get_rings(shapely.get_parts(geom))
    starts, ends, lengths = [], [], []
    for ring in rings:
        xy = shapely.get_coordinates(ring)
        a, b = xy[:-1], xy[1:]
        starts.append(a)
        ends.append(b)
        lengths.append(GEOD.inv(a[:, 0], a[:, 1], b[:, 0], b[:, 1])[2])
    a, b, length = np.concatenate(starts), np.concatenate(ends), np.concatenate(lengths)
    spacing = min(spacing_m, float(length.sum()) / MIN_SAMPLES_PER_BAND)
    k = np.maximum(2, np.ceil(length / spacing)).astype(np.int64)  # pieces per edge
    edge = np.repeat(np.arange(k.size), k + 1)
    first = np.repeat(np.cumsum(k + 1) - (k + 1), k + 1)
    t = (np.arange(edge.size) - first) / k[edge]
    lonlat = a[edge] + t[:, None] * (b[edge] - a[edge])
    return lonlat[:, 0], lonlat[:, 1]


def edge_errors(bands: gpd.GeoDataFrame, line, spacing_m: float) -> dict[float, np.ndarray]:
    """Signed boundary errors in metres, keyed by the nominal distance (km) of the edge."""
    found: dict[float, list[np.ndarray]] = {d: [] for d in DISTANCES_KM}
    for geom, inner_km, outer_km in zip(
        bands.geometry, bands["inner_km"], bands["outer_km"], strict=True
    ):
        lon, lat = sample_edges(geom, spacing_m)
        dist = geozones.distance_to_line(lon, lat, line)
        limits = np.array([x for x in (inner_km, outer_km) if x > 0.0], dtype=float)
        nearest = np.argmin(np.abs(dist[:, None] - limits[None, :] * 1000.0), axis=1)
        for i, km in enumerate(limits):
            on = nearest == i
            found[float(km)].append(dist[on] - km * 1000.0)
    return {km: np.concatenate(errs) for km, errs in found.items()}


# -------------------------------------------------------------------------------- report


def describe(err: np.ndarray) -> tuple[str, str]:
    worst = f"{np.max(np.abs(err)):.3f}"
    signed = f"[{np.min(err):+.3f}, {np.max(err):+.3f}]"
    return worst, signed


def bench_line(name: str, args: argparse.Namespace) -> dict:
    line = geozones.datasets.load(name).geometry.iloc[0]
    run_geozones(line, args.tolerance)  # warm-up
    run_utm(line)
    (gz, gz_wall, gz_cpu), (utm, utm_wall, utm_cpu) = best_of_interleaved(
        [lambda: run_geozones(line, args.tolerance), lambda: run_utm(line)], args.repeat
    )
    gz_err = edge_errors(gz, line, args.spacing)
    utm_err = edge_errors(utm, line, args.spacing)

    vertices = len(shapely.get_coordinates(line))
    length_km = GEOD.geometry_length(line) / 1000.0
    ratio = gz_wall / utm_wall
    print(f"\n{name}: {vertices} vertices, {length_km:.1f} km geodesic")
    head = f"  {'method':<10} {'wall s':>8} {'cpu s':>8} {'gz/utm':>7}   vertices per band"
    labels = f"  {'':<10} {'':>8} {'':>8} {'':>7}   " + " ".join(f"{b:>9}" for b in gz["band"])
    print(head)
    print(labels)
    print("  " + "-" * (max(len(head), len(labels)) - 2))
    gz_v = [int(v) for v in gz["n_vertices"]]
    utm_v = [int(v) for v in shapely.get_num_coordinates(utm.geometry.to_numpy())]
    print(
        f"  {'geozones':<10} {gz_wall:>8.4f} {gz_cpu:>8.4f} {ratio:>6.2f}x   "
        + " ".join(f"{v:>9,}" for v in gz_v)
    )
    print(
        f"  {'utm 32636':<10} {utm_wall:>8.4f} {utm_cpu:>8.4f} {'-':>7}   "
        + " ".join(f"{v:>9,}" for v in utm_v)
    )

    head = (
        f"  {'edge':>6} {'gz samples':>11} {'gz max|err| m':>14} {'gz signed m':>20}  "
        f"{'utm samples':>11} {'utm max|err| m':>15} {'utm signed m':>22}"
    )
    print()
    print(head)
    print("  " + "-" * (len(head) - 2))
    for km in DISTANCES_KM:
        g, u = gz_err[km], utm_err[km]
        gw, gs = describe(g)
        uw, us = describe(u)
        print(
            f"  {f'{km:g} km':>6} {g.size:>11,} {gw:>14} {gs:>20}  {u.size:>11,} {uw:>15} {us:>22}"
        )
    return {
        "wall": gz_wall,
        "ratio": ratio,
        "error": max(float(np.max(np.abs(e))) for e in gz_err.values()),
    }


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--line", default="both", choices=[*LINES, "both"])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per method; best kept")
    parser.add_argument(
        "--tolerance", type=float, default=1.0, help="geozones tolerance_m (default 1.0)"
    )
    parser.add_argument(
        "--spacing",
        type=float,
        default=20.0,
        help="largest spacing of the boundary samples in metres (default 20)",
    )
    args = parser.parse_args(argv)
    names = LINES if args.line == "both" else (args.line,)

    print(
        f"zones benchmark: bands {'/'.join(f'{d:g}' for d in DISTANCES_KM)} km, both sides, "
        f"geozones tolerance {args.tolerance:g} m, UTM EPSG:{UTM_EPSG}; best of {args.repeat} "
        f"after a warm-up; edges sampled every <= {args.spacing:g} m "
        f"(>= {MIN_SAMPLES_PER_BAND:,} per band)"
    )
    print(
        f"geozones {geozones.__version__}, python {platform.python_version()}, numpy "
        f"{np.__version__}, pyproj {pyproj.__version__} (PROJ {pyproj.proj_version_str}), "
        f"shapely {shapely.__version__} (GEOS {shapely.geos_version_string}), geopandas "
        f"{gpd.__version__}; {os.cpu_count()} CPUs"
    )
    results = {name: bench_line(name, args) for name in names}

    print("\ntargets")
    for name, r in results.items():
        print(
            f"  {name} geozones / utm time  = {r['ratio']:5.2f}x    target <= "
            f"{TARGET_RATIO:g}x   {verdict(r['ratio'] <= TARGET_RATIO)}"
        )
    if "alpha_line" in results:
        wall = results["alpha_line"]["wall"]
        print(
            f"  alpha_line geozones time        = {wall:.4f} s  target < {TARGET_ALPHA_S:g} s  "
            f"{verdict(wall < TARGET_ALPHA_S)}"
        )
    for name, r in results.items():
        err = r["error"]
        ok = math.isfinite(err) and err <= TARGET_ERROR_M
        print(
            f"  {name} geozones max |error| = {err:.3f} m  target <= {TARGET_ERROR_M:g} m  "
            f"{verdict(ok)}"
        )
    print(f"\npeak RSS: {peak_rss_mib():.1f} MiB")


if __name__ == "__main__":
    main()
