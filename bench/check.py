"""Benchmark: a million-row CSV of reported positions, read, checked and written.

Run from the repository root::

    .venv/bin/python bench/check.py [--n 1000000] [--threads T]

It writes `--n` synthetic positions (``geozones.examples.synthetic_positions``) to a
temporary CSV, then times, in one process:

- geozones end to end: ``read_positions`` → ``check_positions`` against the Alpha line
  with both bundled scenarios → ``save_positions`` to CSV, stage by stage;
- the usual pandas pipeline as a peer: ``pandas.read_csv`` → geopandas UTM 36N distance
  to the line → ``to_csv`` (no validation, no uncertainty, no scenarios, inexact).

It prints rows/s for each, the ratio, where geozones' time goes, and peak RSS. Targets
(issue 5): at least 200,000 rows/s end to end, peak RSS at most 2 GiB.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import peak_rss_mib  # noqa: E402

import geozones as gz  # noqa: E402
from geozones.examples import synthetic_positions  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "positions.csv"
        t = time.perf_counter()
        synthetic_positions(args.n, seed=1).to_csv(source, index=False)
        made = time.perf_counter() - t
        size_mb = source.stat().st_size / 1e6
        print(
            f"check benchmark: {args.n:,} synthetic rows, {size_mb:.0f} MB CSV "
            f"(written in {made:.1f} s)"
        )
        print(
            f"geozones {gz.__version__}, numpy {np.__version__}, pandas {pd.__version__}, "
            f"geopandas {gpd.__version__}"
        )
        rss_before = peak_rss_mib()

        # geozones, stage by stage
        stages = {}
        t0 = time.perf_counter()
        positions = gz.read_positions(source)
        stages["read_positions"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        results = gz.check_positions(
            positions,
            "alpha_line",
            scenarios=["israel_60km_2018", "arrangement_2017_5km"],
            threads=args.threads,
        )
        stages["check_positions"] = time.perf_counter() - t1
        t2 = time.perf_counter()
        gz.save_positions(results, Path(tmp) / "results.csv")
        stages["save_positions"] = time.perf_counter() - t2
        total = time.perf_counter() - t0
        rss_geozones = peak_rss_mib()
        assert len(results) == args.n and (results["error"] == "").all()

        # the usual pandas pipeline
        t0 = time.perf_counter()
        df = pd.read_csv(source)
        pts = gpd.GeoSeries(gpd.points_from_xy(df["lon"], df["lat"]), crs=4326).to_crs(32636)
        line = gz.datasets.load("alpha_line").to_crs(32636).geometry.iloc[0]
        df["distance_km"] = pts.distance(line).to_numpy() / 1000.0
        df.to_csv(Path(tmp) / "peer.csv", index=False)
        peer = time.perf_counter() - t0

    rate, peer_rate = args.n / total, args.n / peer
    print()
    print(f"{'pipeline':<34}{'seconds':>9}{'rows/s':>12}")
    print("-" * 55)
    print(f"{'geozones read+check+write':<34}{total:>9.2f}{rate:>12,.0f}")
    for name, seconds in stages.items():
        print(
            f"{'  ' + name:<34}{seconds:>9.2f}{args.n / seconds:>12,.0f}  ({seconds / total:.0%})"
        )
    print(f"{'pandas + UTM shortcut (peer)':<34}{peer:>9.2f}{peer_rate:>12,.0f}")
    print()
    print(
        f"geozones / peer throughput = {rate / peer_rate:.2f}x "
        "(the peer validates nothing and is off by up to ~60 m)"
    )
    print(
        f"peak RSS: {rss_before:,.0f} MiB before, {rss_geozones:,.0f} MiB after geozones, "
        f"{peak_rss_mib():,.0f} MiB at the end"
    )
    print()
    ok_rate = rate >= 200_000
    ok_rss = rss_geozones <= 2048
    print(f"target rows/s >= 200,000: {rate:,.0f}  {'PASS' if ok_rate else 'FAIL'}")
    print(f"target peak RSS <= 2 GiB: {rss_geozones:,.0f} MiB  {'PASS' if ok_rss else 'FAIL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
