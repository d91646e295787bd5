"""Small helpers shared by the benchmarks: peak memory and best-of-k timing."""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Callable
from typing import Any

MIB = 1024.0 * 1024.0


def peak_rss_mib(who: int = resource.RUSAGE_SELF) -> float:
    """Return the peak resident set size of this process (or its children) in MiB.

    ``ru_maxrss`` is in KiB on Linux and in bytes on macOS.
    """
    peak = resource.getrusage(who).ru_maxrss
    return peak / MIB if sys.platform == "darwin" else peak / 1024.0


def best_of(fn: Callable[[], Any], repeat: int = 1) -> tuple[Any, float, float]:
    """Call `fn` `repeat` times; return its last result and the best wall and CPU seconds.

    The wall and CPU times come from the same (fastest by wall time) call.
    """
    best_wall, best_cpu, result = float("inf"), float("inf"), None
    for _ in range(max(1, repeat)):
        wall0, cpu0 = time.perf_counter(), time.process_time()
        result = fn()
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        if wall < best_wall:
            best_wall, best_cpu = wall, cpu
    return result, best_wall, best_cpu


def best_of_interleaved(
    fns: list[Callable[[], Any]], repeat: int = 1
) -> list[tuple[Any, float, float]]:
    """Like :func:`best_of` for several functions, called in turns (the order alternating).

    A slow spell of a noisy machine then hits every method alike, so their ratio holds.
    """
    best = [(None, float("inf"), float("inf")) for _ in fns]
    for k in range(max(1, repeat)):
        order = range(len(fns)) if k % 2 == 0 else reversed(range(len(fns)))
        for i in order:
            wall0, cpu0 = time.perf_counter(), time.process_time()
            result = fns[i]()
            wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
            if wall < best[i][1]:
                best[i] = (result, wall, cpu)
    return best
