"""Benchmark: millions of positions checked on a Dask LocalCluster, in bounded memory.

Run from the repository root::

    .venv/bin/python bench/scale.py [--n 1000000 10000000 ...] [--workers 2]
                                    [--partition-rows 500000] [--single-max 10000000]

For each `--n` (10,000,000 by default) it:

1. generates `--n` synthetic positions (``geozones.examples.synthetic_positions``, labelled
   synthetic) as GeoParquet: files of `--rows-per-file` rows, row groups of
   `--partition-rows`, each file made by one task on the cluster (bounded memory);
2. checks them on a new ``LocalCluster`` of `--workers` workers with one thread each:
   ``check_positions(folder, "alpha_line", engine="dask", scenarios=both bundled)`` →
   ``geozones.scale.write_results`` (GeoParquet, partition by partition), end to end, and
   reads each worker's peak RSS (``ru_maxrss``) when done;
3. runs the single-process path on the same data in a child process:
   ``geopandas.read_parquet`` → ``check_positions(..., threads=1)`` → ``to_parquet``, on at
   most `--single-max` rows (the first files; one process holds them all in memory).

It prints rows/s, rows/s per core, the ratio per core to the single process, and peak RSS
per worker, for each N. Targets (issue 8): 10M rows at >= 80 % of the single-process
throughput per core; peak RSS per worker <= 2 GiB whatever N is.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import subprocess
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
from geozones.scale import check_positions_dask, connect, write_results  # noqa: E402

SCENARIOS = ["israel_60km_2018", "arrangement_2017_5km"]
LINE = "alpha_line"


def make_file(path: str, start: int, n: int, row_group: int) -> int:
    """Write rows start..start+n of the synthetic set as one GeoParquet file."""
    df = synthetic_positions(n, seed=1000 + start // max(n, 1))
    df["id"] += start
    gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=4326)
    gdf.to_parquet(path, row_group_size=row_group)
    return n


def worker_peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def generate(client, folder: Path, n: int, rows_per_file: int, row_group: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files, futures = [], []
    for k in range(math.ceil(n / rows_per_file)):
        start = k * rows_per_file
        path = folder / f"positions-{k:05d}.parquet"
        files.append(path)
        futures.append(
            client.submit(make_file, str(path), start, min(rows_per_file, n - start), row_group)
        )
    assert sum(client.gather(futures)) == n
    return files


def run_dask(args, n: int, folder: Path, out: Path) -> dict:
    with connect(
        n_workers=args.workers, threads_per_worker=1, memory_limit=args.memory_limit
    ) as client:
        t = time.perf_counter()
        files = generate(client, folder, n, args.rows_per_file, args.partition_rows)
        made = time.perf_counter() - t
        client.restart()  # fresh workers: the peak RSS below is the check's alone
        t0 = time.perf_counter()
        lazy = check_positions_dask(
            folder, LINE, scenarios=SCENARIOS, partition_rows=args.partition_rows
        )
        planned = time.perf_counter() - t0
        write_results(lazy, out)
        seconds = time.perf_counter() - t0
        peaks = client.run(worker_peak_mib)
    return {
        "files": [str(f) for f in files],
        "generate_s": made,
        "plan_s": planned,
        "seconds": seconds,
        "partitions": lazy.npartitions,
        "peaks_mib": sorted(peaks.values()),
    }


def single(files: list[str], out: str) -> dict:
    """The in-memory path, in this (child) process: read, check with one thread, write."""
    t0 = time.perf_counter()
    frames = [gpd.read_parquet(f) for f in files]
    gdf = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    del frames
    result = gz.check_positions(gdf, LINE, scenarios=SCENARIOS, threads=1)
    result.to_parquet(out)
    seconds = time.perf_counter() - t0
    assert len(result) == len(gdf) and (result["error"] == "").all()
    return {"rows": len(result), "seconds": seconds, "peak_mib": peak_rss_mib()}


def run_single(files: list[str], out: Path) -> dict:
    cmd = [sys.executable, __file__, "--single-files", *files, "--single-out", str(out)]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[10_000_000])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--partition-rows", type=int, default=500_000)
    parser.add_argument("--rows-per-file", type=int, default=2_000_000)
    parser.add_argument("--memory-limit", default="4GiB")
    parser.add_argument("--single-max", type=int, default=10_000_000)
    parser.add_argument("--tmp", default=None, help="folder for the data (a temporary one)")
    parser.add_argument("--single-files", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--single-out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.single_files:
        print(json.dumps(single(args.single_files, args.single_out)))
        return 0

    import dask
    import distributed

    print(
        f"scale benchmark: geozones {gz.__version__}, dask {dask.__version__}, "
        f"distributed {distributed.__version__}, pandas {pd.__version__}, "
        f"{os.cpu_count()} cores; {args.workers} workers x 1 thread, "
        f"{args.partition_rows:,} rows a partition; scenarios: {', '.join(SCENARIOS)}"
    )
    rows = []
    for n in args.n:
        tmp = Path(tempfile.mkdtemp(prefix="geozones-scale-", dir=args.tmp))
        try:
            d = run_dask(args, n, tmp / "positions", tmp / "checked")
            print(
                f"\nN = {n:,}: generated in {d['generate_s']:.1f} s; dask: planned in "
                f"{d['plan_s']:.2f} s, checked + written in {d['seconds']:.1f} s, "
                f"{d['partitions']} partitions"
            )
            take, count = [], 0
            per_file = args.rows_per_file
            for f in d["files"]:
                if count + per_file > args.single_max and take:
                    break
                take.append(f)
                count += min(per_file, n - count)
            s = run_single(take, tmp / "single.parquet")
            print(
                f"  single process: {s['rows']:,} rows in {s['seconds']:.1f} s, "
                f"peak RSS {s['peak_mib']:,.0f} MiB"
            )
            rows.append((n, d, s))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    print()
    head = (
        f"{'N':>12}{'seconds':>9}{'rows/s':>11}{'per core':>10}{'single':>10}"
        f"{'ratio/core':>11}{'peak RSS per worker (MiB)':>28}"
    )
    print(head)
    print("-" * len(head))
    ok_rate, ok_mem = True, True
    for n, d, s in rows:
        rate = n / d["seconds"]
        per_core = rate / args.workers
        single_rate = s["rows"] / s["seconds"]
        ratio = per_core / single_rate
        peaks = ", ".join(f"{p:,.0f}" for p in d["peaks_mib"])
        print(
            f"{n:>12,}{d['seconds']:>9.1f}{rate:>11,.0f}{per_core:>10,.0f}{single_rate:>10,.0f}"
            f"{ratio:>11.2f}{peaks:>28}"
        )
        ok_mem &= max(d["peaks_mib"]) <= 2048
        if n == 10_000_000:
            ok_rate = ratio >= 0.8
    print()
    if any(n == 10_000_000 for n, _, _ in rows):
        print(f"target 10M at >= 80 % of single-process rows/s per core: {_verdict(ok_rate)}")
    print(f"target peak RSS per worker <= 2 GiB at every N: {_verdict(ok_mem)}")
    growth = [max(d["peaks_mib"]) for _, d, _ in rows]
    if len(growth) > 1:
        print(
            "peak RSS per worker by N: "
            + ", ".join(f"{n:,}: {p:,.0f} MiB" for (n, _, _), p in zip(rows, growth, strict=True))
            + f" (largest / smallest = {max(growth) / min(growth):.2f})"
        )
    print(f"this driver's peak RSS: {peak_rss_mib():,.0f} MiB; numpy {np.__version__}")
    return 0


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


if __name__ == "__main__":
    sys.exit(main())
