"""Benchmark ``geozones.distance_to_line`` against the UTM shortcut and plain pyproj.

Run it from the repository root, in one command::

    .venv/bin/python bench/distance.py [--n 1000000] [--line alpha_line|bravo_line]
                                       [--seed 0] [--exact-n 20000] [--repeat 1]

What it does
------------
1. Draws ``--n`` seeded random points spread uniformly (by area) over the ground within
   80 km of the bundled line. Candidates are drawn uniformly in a Lambert azimuthal
   *equal-area* projection (WGS84) centred on the line, in the line's box padded by 80 km,
   and kept when their planar distance to the projected line is at most 80 km (shapely,
   the cheap distance). The projection preserves area exactly, so the kept points are
   uniform on the ellipsoid; its distance distortion this close to the centre is below
   1e-4, so the 80 km edge is right to within about 10 m.
2. Runs every method in its own child process (the same script with ``--only METHOD``) on
   the same points, after a small warm-up, timing the best of ``--repeat`` runs:

   - ``geozones``: ``geozones.distance_to_line(lon, lat, line)`` with its default threads;
   - ``geozones 1 core``: the same with ``threads=1`` and OpenMP/BLAS pools of one thread,
     for a single-core comparison (the peers below run on one core);
   - ``utm 32636`` (the usual shortcut): geopandas ``GeoSeries(points_from_xy(lon, lat),
     crs=4326).to_crs(32636).distance(line.to_crs(32636))``, timed from the lon/lat arrays
     to the distances;
   - ``pyproj exact``: for every segment, a foot-point iteration with
     ``pyproj.Geod(ellps="WGS84")`` ``inv``/``fwd``, vectorised over points, looping over
     segments in Python, minimum over segments. It is slow, so it runs on the first
     ``--exact-n`` points only (they are random already).

What it prints
--------------
One row per method: points, wall seconds, CPU seconds, throughput (points/s), geozones'
throughput over the method's ("gz/x"), the largest absolute difference from geozones in
metres, how many points fall in a different distance band than geozones puts them in
([0, 5], (5, 20], (20, 60], > 60 km), the child's peak RSS (MiB) and how much the timed
runs added to it over its baseline after imports, loading the points and the warm-up.
Then the targets with PASS/MISS: throughput ratio against UTM at least 1.0 (aim 2), at
least 5 against the plain pyproj iteration, geozones' peak RSS at most 1 GiB for 1M
points; and the peak RSS of this (lean) parent, of the point generation and of the
largest child. Children are used because ``ru_maxrss`` is a per-process high-water mark.

``--only utm`` (or ``geozones1``, ``exact``) runs just geozones and that method.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyproj
import shapely
from _common import best_of, peak_rss_mib

RADIUS_M = 80_000.0
BANDS_M = (5_000.0, 20_000.0, 60_000.0)
BAND_LABELS = ("[0,5]", "(5,20]", "(20,60]", ">60")
FOOT_TOL_M = 1e-4
METHODS = ("geozones", "geozones1", "utm", "exact")
LABELS = {
    "geozones": "geozones",
    "geozones1": "geozones 1 core",
    "utm": "utm 32636",
    "exact": "pyproj exact",
}
WARMUP_N = {"geozones": 2_000, "geozones1": 2_000, "utm": 2_000, "exact": 200}
RESULT_TAG = "RESULT "


# ---------------------------------------------------------------------------- the points


def load_line(name: str) -> shapely.Geometry:
    import geozones

    return geozones.datasets.load(name).geometry.iloc[0]


def random_points(line: shapely.Geometry, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Return `n` points uniform by area within `RADIUS_M` of `line` (see module docstring)."""
    lon0, lat0 = shapely.centroid(shapely.envelope(line)).coords[0]
    laea = pyproj.CRS.from_proj4(
        f"+proj=laea +lat_0={lat0} +lon_0={lon0} +ellps=WGS84 +units=m +no_defs"
    )
    to_plane = pyproj.Transformer.from_crs(4326, laea, always_xy=True)
    to_lonlat = pyproj.Transformer.from_crs(laea, 4326, always_xy=True)
    plane_line = shapely.transform(line, lambda xy: np.column_stack(to_plane.transform(*xy.T)))
    xmin, ymin, xmax, ymax = shapely.bounds(plane_line)
    xmin, ymin, xmax, ymax = xmin - RADIUS_M, ymin - RADIUS_M, xmax + RADIUS_M, ymax + RADIUS_M
    shapely.prepare(plane_line)

    rng = np.random.default_rng(seed)
    xs, ys, have = [], [], 0
    while have < n:
        m = max(1_000, int(1.6 * (n - have)))
        x = rng.uniform(xmin, xmax, m)
        y = rng.uniform(ymin, ymax, m)
        keep = shapely.distance(shapely.points(x, y), plane_line) <= RADIUS_M
        xs.append(x[keep])
        ys.append(y[keep])
        have += int(keep.sum())
    x = np.concatenate(xs)[:n]
    y = np.concatenate(ys)[:n]
    lon, lat = to_lonlat.transform(x, y)
    return np.ascontiguousarray(lon, dtype=float), np.ascontiguousarray(lat, dtype=float)


# --------------------------------------------------------------------------- the methods


def run_geozones(lon: np.ndarray, lat: np.ndarray, line, threads: int | None) -> np.ndarray:
    import geozones

    return geozones.distance_to_line(lon, lat, line, threads=threads)


def run_utm(lon: np.ndarray, lat: np.ndarray, line) -> np.ndarray:
    """Project points and line to UTM 36N and take planar distances (the usual shortcut)."""
    import geopandas as gpd

    points = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=4326).to_crs(32636)
    line_utm = gpd.GeoSeries([line], crs=4326).to_crs(32636).iloc[0]
    return points.distance(line_utm).to_numpy()


def run_exact(lon: np.ndarray, lat: np.ndarray, line) -> np.ndarray:
    """Plain exact pyproj: a foot-point iteration on every geodesic segment, min over all."""
    geod = pyproj.Geod(ellps="WGS84")
    best = np.full(lon.shape, np.inf)
    for part in shapely.get_parts(line):
        xy = shapely.get_coordinates(part)
        for (alon, alat), (blon, blat) in zip(xy[:-1], xy[1:], strict=True):
            az_ab, _, length = geod.inv(alon, alat, blon, blat)
            if length == 0.0:
                continue
            d = _segment_distance(geod, lon, lat, alon, alat, az_ab, length)
            np.minimum(best, d, out=best)
    return best


def _segment_distance(geod, lon, lat, alon, alat, az_ab, length, max_iter=50) -> np.ndarray:
    """Distance from each point to the geodesic segment of `length` leaving A at `az_ab`.

    Start with the foot X at A; repeatedly step along the line by d·cos(az_XP − az_line_X),
    clamped to [0, length], until no point's step exceeds `FOOT_TOL_M`; then inv(X, P).
    Converged points drop out of the iteration.
    """
    n = lon.size
    s = np.zeros(n)
    xlon, xlat = np.full(n, alon), np.full(n, alat)
    az_line = np.full(n, az_ab)
    active = np.arange(n)
    for _ in range(max_iter):
        az_xp, _, d = geod.inv(xlon[active], xlat[active], lon[active], lat[active])
        s_old = s[active]
        s_new = np.clip(s_old + d * np.cos(np.radians(az_xp - az_line[active])), 0.0, length)
        s[active] = s_new
        k = active.size
        flon, flat, back = geod.fwd(np.full(k, alon), np.full(k, alat), np.full(k, az_ab), s_new)
        xlon[active], xlat[active], az_line[active] = flon, flat, back + 180.0
        active = active[np.abs(s_new - s_old) >= FOOT_TOL_M]
        if active.size == 0:
            break
    return geod.inv(xlon, xlat, lon, lat)[2]


def compute(method: str, lon: np.ndarray, lat: np.ndarray, line, threads: int | None):
    if method == "geozones":
        return run_geozones(lon, lat, line, threads)
    if method == "geozones1":
        return run_geozones(lon, lat, line, 1)
    if method == "utm":
        return run_utm(lon, lat, line)
    return run_exact(lon, lat, line)


# ------------------------------------------------------------------------ child processes
#
# On Linux a child process starts with the parent's ru_maxrss (it survives fork and exec), so
# the parent stays lean: it only spawns children and compares their saved results. Every
# child imports geopandas and geozones before its baseline, whichever method it runs.

SINGLE_CORE_ENV = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}


def child_points(args: argparse.Namespace) -> dict:
    """Generate the points into ``--out`` (npz); return what the report's header needs."""
    import geopandas

    t0 = time.perf_counter()
    line = load_line(args.line)
    lon, lat = random_points(line, args.n, args.seed)
    seconds = time.perf_counter() - t0
    np.savez(args.out, lon=lon, lat=lat)
    return {
        "vertices": len(shapely.get_coordinates(line)),
        "length_km": pyproj.Geod(ellps="WGS84").geometry_length(line) / 1000.0,
        "seconds": seconds,
        "peak": peak_rss_mib(),
        "versions": (
            f"python {platform.python_version()}, numpy {np.__version__}, pyproj "
            f"{pyproj.__version__} (PROJ {pyproj.proj_version_str}), shapely "
            f"{shapely.__version__}, geopandas {geopandas.__version__}"
        ),
    }


def child_method(args: argparse.Namespace) -> dict:
    """Time one method on the points in ``--points``; save the distances to ``--out``."""
    import geopandas  # noqa: F401

    import geozones  # noqa: F401

    line = load_line(args.line)
    with np.load(args.points) as data:
        lon, lat = data["lon"], data["lat"]
    if args.only == "exact":
        lon, lat = lon[: args.exact_n].copy(), lat[: args.exact_n].copy()
    w = WARMUP_N[args.only]
    compute(args.only, lon[:w].copy(), lat[:w].copy(), line, args.threads)

    baseline = peak_rss_mib()
    dist, wall, cpu = best_of(lambda: compute(args.only, lon, lat, line, args.threads), args.repeat)
    peak = peak_rss_mib()
    np.save(args.out, np.asarray(dist, dtype=float))
    return {"n": int(lon.size), "wall": wall, "cpu": cpu, "peak": peak, "added": peak - baseline}


def spawn(what: str, args: argparse.Namespace, out: Path, points: Path | None = None) -> dict:
    """Run this script as a child doing `what`; return the JSON line it prints."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--only", what, "--out", str(out)]
    cmd += ["--line", args.line, "--n", str(args.n), "--seed", str(args.seed)]
    cmd += ["--exact-n", str(args.exact_n), "--repeat", str(args.repeat)]
    if points is not None:
        cmd += ["--points", str(points)]
    if args.threads is not None:
        cmd += ["--threads", str(args.threads)]
    env = {**os.environ, **SINGLE_CORE_ENV} if what == "geozones1" else None
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"bench child {what!r} failed (exit {proc.returncode})")
    tagged = [x for x in proc.stdout.splitlines() if x.startswith(RESULT_TAG)]
    return json.loads(tagged[-1][len(RESULT_TAG) :])


# -------------------------------------------------------------------------------- report


def bands(d: np.ndarray) -> np.ndarray:
    return np.searchsorted(BANDS_M, d, side="left")  # 5000 -> band 0, 5000.1 -> band 1


def fmt_int(x: float) -> str:
    return f"{int(round(x)):,}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="points (default 1,000,000)")
    parser.add_argument("--line", default="alpha_line", choices=["alpha_line", "bravo_line"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--exact-n", type=int, default=20_000, help="subsample for pyproj exact (default 20,000)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="timed runs per method; best kept")
    parser.add_argument(
        "--threads", type=int, default=None, help="geozones threads (default: its own default)"
    )
    parser.add_argument(
        "--only",
        choices=[*METHODS, "points"],
        help="run geozones and this method only (with --out: be the child doing it)",
    )
    parser.add_argument("--points", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.exact_n = min(args.exact_n, args.n)

    if args.only and args.out:  # a child
        info = child_points(args) if args.only == "points" else child_method(args)
        print(RESULT_TAG + json.dumps(info), flush=True)
        return
    if args.only == "points":
        parser.error("--only points is for the child that generates the points")

    methods = ["geozones"] + ([args.only] if args.only not in (None, "geozones") else [])
    methods = list(METHODS) if args.only is None else methods
    results = {}
    with tempfile.TemporaryDirectory(prefix="geozones-bench-") as tmp_name:
        tmp = Path(tmp_name)
        points = tmp / "points.npz"
        meta = spawn("points", args, points)
        print(
            f"distance benchmark: {args.line} ({meta['vertices']} vertices, "
            f"{meta['length_km']:.1f} km geodesic), {args.n:,} points uniform within "
            f"{RADIUS_M / 1000:.0f} km, seed {args.seed} (generated in {meta['seconds']:.1f} s)"
        )
        print(
            f"{meta['versions']}; {os.cpu_count()} CPUs; geozones threads: "
            f"{args.threads if args.threads is not None else 'default'}; best of {args.repeat}"
        )
        for method in methods:
            print(f"running {LABELS[method]} ...", flush=True)
            out = tmp / f"{method}.npy"
            results[method] = spawn(method, args, out, points)
            results[method]["dist"] = np.load(out)

    ref = results["geozones"]
    ref_rate = ref["n"] / ref["wall"]
    print()
    head = (
        f"{'method':<18} {'points':>10} {'wall s':>8} {'cpu s':>8} {'points/s':>11} "
        f"{'gz/x':>7} {'max|err| m':>11} {'band diffs':>16} {'peak RSS MiB':>13} {'(+run)':>9}"
    )
    print(head)
    print("-" * len(head))
    for method, r in results.items():
        rate = r["n"] / r["wall"]
        gz = ref["dist"][: r["n"]]
        if method == "geozones":
            ratio = err = diffs = "-"
        else:
            ratio = f"{ref_rate / rate:.1f}x"
            err = f"{np.max(np.abs(r['dist'] - gz)):.3g}"
            k = int(np.count_nonzero(bands(r["dist"]) != bands(gz)))
            diffs = f"{k:,} ({100 * k / r['n']:.2f}%)"
        print(
            f"{LABELS[method]:<18} {r['n']:>10,} {r['wall']:>8.3f} {r['cpu']:>8.3f} "
            f"{fmt_int(rate):>11} {ratio:>7} {err:>11} {diffs:>16} {r['peak']:>13.1f} "
            f"{'+' + format(r['added'], '.1f'):>9}"
        )

    counts = np.bincount(bands(ref["dist"]), minlength=len(BAND_LABELS))
    shares = ", ".join(f"{b} km {c:,}" for b, c in zip(BAND_LABELS, counts, strict=True))
    print(f"\ngeozones bands: {shares}; max distance {np.max(ref['dist']) / 1000:.3f} km")

    print("\ntargets")
    if "utm" in results:
        x = ref_rate / (results["utm"]["n"] / results["utm"]["wall"])
        verdict = "PASS" if x >= 1.0 else "MISS"
        print(f"  geozones / utm          = {x:5.1f}x   target >= 1.0x (aim 2x)   {verdict}")
    if "exact" in results:
        x = ref_rate / (results["exact"]["n"] / results["exact"]["wall"])
        verdict = "PASS" if x >= 5.0 else "MISS"
        print(f"  geozones / pyproj exact = {x:5.1f}x   target >= 5x              {verdict}")
    verdict = "PASS" if ref["peak"] <= 1024.0 else "MISS"
    print(
        f"  geozones peak RSS       = {ref['peak']:.0f} MiB   target <= 1024 MiB "
        f"(for 1M points)   {verdict}"
    )
    print(
        f"\npeak RSS: this process {peak_rss_mib():.1f} MiB, point generation "
        f"{meta['peak']:.1f} MiB, largest child {peak_rss_mib(resource.RUSAGE_CHILDREN):.1f} MiB"
    )


if __name__ == "__main__":
    main()
