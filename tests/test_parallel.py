import os
import threading

import numpy as np
import pandas as pd
import pytest
from shapely import LineString

import geozones as gz
from geozones import parallel
from geozones.errors import InputError
from geozones.parallel import imap_threads, map_threads, resolve_threads
from geozones.positions import read_positions, save_positions

BAD_THREADS = [0, -1, 1.5, "2", True, np.bool_(True), np.float64(2.0)]


@pytest.mark.parametrize("threads", BAD_THREADS)
def test_resolve_threads_refuses_what_is_not_a_positive_whole_number(threads):
    with pytest.raises(InputError, match="threads must be a positive whole number or None"):
        resolve_threads(threads)


def test_resolve_threads_names_the_argument():
    with pytest.raises(InputError, match="^ahead must be"):
        resolve_threads(0, name="ahead")


def test_resolve_threads_default_and_caps():
    assert resolve_threads(None) == max(1, min(os.cpu_count() or 1, parallel.DEFAULT_MAX_THREADS))
    assert resolve_threads(np.int64(3)) == 3
    assert resolve_threads(10**6) == parallel.MAX_THREADS


@pytest.mark.parametrize("threads", [None, 1, 2, 5])
def test_map_threads_keeps_order(threads):
    assert map_threads(lambda x: x * 10, range(50), threads=threads) == list(range(0, 500, 10))


def test_map_threads_of_nothing():
    assert map_threads(lambda x: x, [], threads=4) == []


def test_map_threads_uses_at_most_threads_threads():
    seen = set()
    barrier = threading.Barrier(3, timeout=10)

    def work(x):
        seen.add(threading.get_ident())
        if x < 3:
            barrier.wait()  # three items really run at once
        return x

    assert map_threads(work, range(12), threads=3) == list(range(12))
    assert threading.get_ident() in seen  # the caller works too
    assert len(seen) == 3


def test_map_threads_nested_runs_serially():
    def inner(_):
        return threading.get_ident()

    def work(_):
        return set(map_threads(inner, range(8), threads=4))

    for threads_used in map_threads(work, range(4), threads=2):
        assert len(threads_used) == 1  # one level of parallelism: no helpers of helpers


def test_map_threads_raises_the_first_error_in_item_order():
    def work(x):
        if x in (3, 7):
            raise ValueError(f"bad {x}")
        return x

    with pytest.raises(ValueError, match="bad 3"):
        map_threads(work, range(10), threads=1)
    with pytest.raises(ValueError, match="bad 3"):
        map_threads(work, range(10), threads=2)


def test_map_threads_validates_threads():
    with pytest.raises(InputError, match="threads must be"):
        map_threads(abs, [1], threads=0)


@pytest.mark.parametrize("threads", [1, 2, 4])
def test_imap_threads_keeps_order_and_bounds_the_work_ahead(threads):
    started = []
    lock = threading.Lock()

    def work(x):
        with lock:
            started.append(x)
        return x

    got = []
    for x in imap_threads(work, range(40), threads=threads, ahead=3):
        with lock:
            assert max(started) <= x + 4  # the item in use and at most 3 (+1 submitting)
        got.append(x)
    assert got == list(range(40))


def test_imap_threads_validates_threads_and_ahead():
    with pytest.raises(InputError, match="threads must be"):
        list(imap_threads(abs, [1], threads=-1))
    with pytest.raises(InputError, match="ahead must be"):
        list(imap_threads(abs, [1], threads=2, ahead=0))


def test_imap_threads_stopped_early_starts_nothing_more():
    calls = []
    it = imap_threads(calls.append, range(1000), threads=2, ahead=2)
    next(it)
    it.close()
    assert len(calls) < 10


# every function that threads takes threads= and names it in its error

MERIDIAN = LineString([(35.8, 33.0), (35.8, 33.2)])


@pytest.mark.parametrize("threads", [0, True, 2.5])
@pytest.mark.parametrize(
    "call",
    [
        lambda t: gz.distance_to_line([35.9], [33.1], MERIDIAN, threads=t),
        lambda t: gz.locate_on_line([35.9], [33.1], MERIDIAN, threads=t),
        lambda t: gz.side_of_line([35.9], [33.1], MERIDIAN, threads=t),
        lambda t: read_positions(pd.DataFrame({"lat": [33.1], "lon": [35.8]}), threads=t),
    ],
)
def test_public_functions_validate_threads(call, threads):
    with pytest.raises(InputError, match="threads must be a positive whole number"):
        call(threads)


def test_save_positions_validates_threads_and_writes_nothing(tmp_path):
    found = read_positions(pd.DataFrame({"lat": [33.1], "lon": [35.8]}))
    out = tmp_path / "p.csv"
    with pytest.raises(InputError, match="threads must be a positive whole number"):
        save_positions(found, out, threads=0)
    assert not out.exists()


def test_results_do_not_depend_on_threads(tmp_path):
    rng = np.random.default_rng(0)
    lon, lat = rng.uniform(35.5, 36.2, 30_000), rng.uniform(32.6, 33.4, 30_000)
    one = gz.distance_to_line(lon, lat, MERIDIAN, threads=1)
    np.testing.assert_array_equal(one, gz.distance_to_line(lon, lat, MERIDIAN, threads=3))

    table = pd.DataFrame({"lat": lat[:25_000].astype(str), "lon": lon[:25_000].astype(str)})
    serial = read_positions(table, threads=1)
    threaded = read_positions(table, threads=2)
    pd.testing.assert_frame_equal(serial, threaded)

    texts = []
    for threads in (1, 2, 3):
        path = tmp_path / f"p{threads}.csv"
        save_positions(threaded, path, threads=threads)
        texts.append(path.read_bytes())
    assert texts[0] == texts[1] == texts[2]
    assert texts[0].count(b"\n") == 25_001


def test_build_zones_takes_threads_and_its_zones_do_not_depend_on_it():
    import shapely

    one = gz.build_zones("alpha_line", (5, 20), threads=1)
    two = gz.build_zones("alpha_line", (5, 20), threads=2)
    for a, b in zip(one.geometry, two.geometry, strict=True):
        assert shapely.equals_exact(shapely.normalize(a), shapely.normalize(b), 0.0)
    with pytest.raises(gz.InputError, match="threads must be a positive whole number"):
        gz.build_zones("alpha_line", (5,), threads=0)
    with pytest.raises(gz.InputError, match="threads must be"):
        gz.build_zone_set("alpha_5_20_60", threads="2")
