"""One way to run work in parallel: threads, for work that releases the GIL.

geozones spends its time in pyproj (PROJ), shapely (GEOS), numpy and pyarrow, which all
release the GIL, so threads of one process run that work in parallel. Every function that
threads takes ``threads=`` (keyword-only) and passes it here:

- :func:`resolve_threads` validates it (a positive whole number, or ``None`` for one per
  core, up to :data:`DEFAULT_MAX_THREADS`) and says how many threads to use;
- :func:`map_threads` returns ``[func(x) for x in items]``, worked out by the calling thread
  and up to ``threads - 1`` helpers of one process-wide pool (started once, so small jobs
  pay no thread start);
- :func:`imap_threads` yields ``func(x)`` in order while later items are being worked out,
  a bounded number ahead (a pipeline: format pieces while the caller writes them).

Parallelism is one level deep: work that is already running on a helper, or on the caller's
behalf inside :func:`map_threads`, runs its own maps serially, so helpers never wait for
helpers and the thread count stays what `threads` says.

Examples
--------
>>> map_threads(abs, [-1, 2, -3], threads=2)
[1, 2, 3]
>>> resolve_threads(3)
3
"""

from __future__ import annotations

import numbers
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

import numpy as np

from geozones.errors import InputError

__all__ = ["DEFAULT_MAX_THREADS", "MAX_THREADS", "imap_threads", "map_threads", "resolve_threads"]

T = TypeVar("T")
R = TypeVar("R")

#: Threads used by default (``threads=None``): one per core, at most this many.
DEFAULT_MAX_THREADS = 8
#: Threads used at most, whatever `threads` asks for.
MAX_THREADS = 64

_HELPER_NAME = "geozones-helper"
_POOLS: dict[int, ThreadPoolExecutor] = {}
_POOLS_LOCK = threading.Lock()
_state = threading.local()


def resolve_threads(threads: int | None, *, name: str = "threads") -> int:
    """Return how many threads to use for `threads`, validated.

    Parameters
    ----------
    threads
        A positive whole number, or ``None`` for one per core, at most
        :data:`DEFAULT_MAX_THREADS`. More than :data:`MAX_THREADS` is taken as that many.
    name
        The argument's name, for the error message.

    Returns
    -------
    int
        The number of threads, 1 or more.

    Raises
    ------
    InputError
        `threads` is not ``None`` nor a positive whole number (``True``, ``0``, ``2.0``).

    Examples
    --------
    >>> resolve_threads(1), resolve_threads(1000)
    (1, 64)
    >>> 1 <= resolve_threads(None) <= DEFAULT_MAX_THREADS
    True
    """
    if threads is None:
        return max(1, min(os.cpu_count() or 1, DEFAULT_MAX_THREADS))
    if (
        isinstance(threads, bool | np.bool_)
        or not isinstance(threads, numbers.Integral)
        or threads < 1
    ):
        msg = f"{name} must be a positive whole number or None, not {threads!r}"
        raise InputError(msg)
    return min(int(threads), MAX_THREADS)


def map_threads(
    func: Callable[[T], R], items: Iterable[T], *, threads: int | None = None
) -> list[R]:
    """Return ``[func(x) for x in items]``, on up to `threads` threads.

    The calling thread works too, taking items in turn with up to ``threads - 1`` helpers
    of a process-wide pool; the results come back in the order of `items`. Called from
    work that is already running in parallel, or with one thread or item, it runs
    serially. Use it only for work that releases the GIL (pyproj, shapely, numpy, arrow).

    Parameters
    ----------
    func
        Called once per item, from any thread.
    items
        The items, taken in order.
    threads
        As :func:`resolve_threads` reads it.

    Returns
    -------
    list
        ``func(x)`` for each item, in order.

    Raises
    ------
    InputError
        `threads` is not ``None`` nor a positive whole number.
    Exception
        The first error `func` raised, in the order of `items`; no new item is started
        after one failed.

    Examples
    --------
    >>> map_threads(lambda x: x * x, range(5), threads=2)
    [0, 1, 4, 9, 16]
    """
    workers = resolve_threads(threads)
    todo = list(items)
    workers = min(workers, len(todo))
    if workers <= 1 or _inside():
        return [func(x) for x in todo]
    results: list = [None] * len(todo)
    errors: dict[int, BaseException] = {}
    order = iter(range(len(todo)))
    lock = threading.Lock()

    def work() -> None:
        _state.inside = True
        try:
            while True:
                with lock:
                    i = None if errors else next(order, None)
                if i is None:
                    return
                try:
                    results[i] = func(todo[i])
                except BaseException as exc:  # re-raised by the caller, in item order
                    with lock:
                        errors[i] = exc
        finally:
            _state.inside = False

    pool = _pool()
    helpers = [pool.submit(work) for _ in range(workers - 1)]
    work()
    for helper in helpers:
        if not helper.cancel():  # not started: nothing left for it; started: wait for it
            helper.result()
    if errors:
        raise errors[min(errors)]
    return results


def imap_threads(
    func: Callable[[T], R],
    items: Iterable[T],
    *,
    threads: int | None = None,
    ahead: int | None = None,
) -> Iterator[R]:
    """Yield ``func(x)`` for each item in order, while the next ones are worked out.

    Up to `threads` threads (of their own, for this iteration) work out at most `ahead`
    items beyond the one being used, which bounds the memory held. Called from work that
    is already running in parallel, or with one thread, it works each item when asked.

    Parameters
    ----------
    func
        Called once per item, from any thread.
    items
        The items, taken in order.
    threads
        As :func:`resolve_threads` reads it.
    ahead
        Items worked out ahead of the caller, at most; twice the threads by default.

    Yields
    ------
    object
        ``func(x)`` for each item, in order.

    Raises
    ------
    InputError
        `threads` or `ahead` is not ``None`` nor a positive whole number (raised when the
        iteration starts).

    Examples
    --------
    >>> list(imap_threads(str.upper, ["a", "b", "c"], threads=2, ahead=1))
    ['A', 'B', 'C']
    """
    workers = resolve_threads(threads)
    window = 2 * workers if ahead is None else resolve_threads(ahead, name="ahead")
    if workers <= 1 or _inside():
        for x in items:
            yield func(x)
        return
    source = iter(items)
    pending: deque[Future[R]] = deque()

    def run(x: T) -> R:
        _state.inside = True
        try:
            return func(x)
        finally:
            _state.inside = False

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=_HELPER_NAME) as pool:
        try:
            for x in source:
                pending.append(pool.submit(run, x))
                if len(pending) > window:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:  # stopped early: what has not started never will
                future.cancel()


def _inside() -> bool:
    """Whether this thread is already doing work of a parallel map."""
    return bool(getattr(_state, "inside", False))


def _pool() -> ThreadPoolExecutor:
    """The process-wide pool of helpers, started once (a forked child starts its own)."""
    pid = os.getpid()
    pool = _POOLS.get(pid)
    if pool is None:
        with _POOLS_LOCK:
            pool = _POOLS.get(pid)
            if pool is None:
                _POOLS.clear()
                pool = ThreadPoolExecutor(max_workers=MAX_THREADS, thread_name_prefix=_HELPER_NAME)
                _POOLS[pid] = pool
    return pool
