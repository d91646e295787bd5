"""Checking millions of positions on Dask, partition by partition, in bounded memory.

:func:`check_positions_dask` runs :func:`geozones.check_positions` on every partition of a
``dask_geopandas.GeoDataFrame`` (or dask DataFrame), or of CSV/TSV or (Geo)Parquet files
named by a path, a glob or a list, and returns a **lazy** dask GeoDataFrame with the same
columns and meanings as the in-memory result. :func:`write_results` writes it to GeoParquet
one partition at a time, so no process ever holds the whole table, into a temporary folder
that replaces the target only when complete.

Where it runs is Dask's choice: the ``distributed.Client`` made last (see :func:`connect`,
which starts a ``LocalCluster`` on this machine or joins an existing scheduler by its
address), else Dask's local threaded scheduler.

How the partitions are made:

- **CSV / TSV**: each file is cut into blocks of about `blocksize` bytes, each ending
  after a line feed, by :func:`dask.bytes.read_bytes`; so a file may also be compressed
  (``.gz``, ``.bz2``, ``.xz``, ``.zip``: one block, since a compressed stream cannot be cut)
  or named by an fsspec URL (``s3://bucket/events/*.csv``, with the file system's package
  installed). Each block is parsed by the same code as :func:`geozones.read_positions`
  (the same header of any length, delimiter, encoding, blank-line rows, long-cell and
  ragged-row errors). The encoding is decided once per file: named (``encoding=``), shown
  by a byte-order mark, UTF-8 when every block is, else guessed from the blocks' text
  beyond ASCII. A line feed inside a quoted cell would be cut as well: a file with a line
  holding an odd number of double quotes (a quoted line break, perhaps) is read whole, as
  one partition, and so is a UTF-16 or UTF-32 file and one whose lines end in CR alone.
  Blank lines at the very end of a file are not rows, as in memory.
- **(Geo)Parquet**: consecutive row groups of a file, up to `partition_rows` rows. GeoParquet
  rows are read as :func:`geopandas.read_parquet` reads them; plain Parquet as pandas does.
- **dask collections**: their own partitions.

Files are taken in sorted order of their paths. ``row`` is the global input row number, as
the in-memory path numbers it: CSV rows count from 2 (the header is row 1) across the files
as if they were one file with one header; GeoParquet and GeoDataFrame rows count from 1.
The index is the 0-based position in the whole input, so the divisions are known. To number
the rows, the call reads Parquet footers, counts CSV records (one pass on the workers) or
counts the rows of a dask collection (one pass), then returns; the checking itself runs only
when the result is computed or written.

The lines, scenarios, actor groups and options travel as **one** object in the task graph,
so each worker receives them once, not once per partition. Lines given as bundled names are
loaded on each worker from the installed package instead.

Examples
--------
>>> import dask_geopandas, geopandas as gpd
>>> reports = gpd.GeoDataFrame({"actor": ["Hezbollah", "IRGC"]},
...                            geometry=gpd.points_from_xy([35.89, 35.95], [33.18, 33.0]), crs=4326)
>>> lazy = check_positions_dask(dask_geopandas.from_geopandas(reports, npartitions=2),
...                             "alpha_line")
>>> lazy.compute(scheduler="sync")[["row", "within_km", "actor_groups"]].values.tolist()
[[1, 5.0, 'hezbollah'], [2, 20.0, 'iran']]
"""

from __future__ import annotations

import codecs
import errno
import functools
import glob
import itertools
import math
import os
import shutil
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd

from geozones import checks, decoding, delimited, positions
from geozones.actors import ActorNormaliser
from geozones.columns import ACTOR_PARTS
from geozones.errors import GeozonesError, InputError, OutputError, first_line
from geozones.locating import ReadOptions
from geozones.tables import DELIMITED_SUFFIXES, load_table
from geozones.writing import output_error

if TYPE_CHECKING:  # pragma: no cover
    import dask_geopandas
    import distributed

__all__ = [
    "DEFAULT_BLOCKSIZE",
    "DEFAULT_PARTITION_ROWS",
    "check_positions_dask",
    "connect",
    "write_results",
]

#: Bytes of CSV per partition (about 600,000 rows of a typical event table).
DEFAULT_BLOCKSIZE = 64 * 2**20
#: Rows per partition of Parquet input (whole row groups; at least one per partition).
DEFAULT_PARTITION_ROWS = 500_000
#: Beyond this many actor groups, ``actor_groups`` is text rather than a categorical of
#: every combination of groups (2**groups categories).
_MAX_GROUPS_FOR_CATEGORIES = 12

_PARQUET_SUFFIXES = (".parquet", ".geoparquet", ".pq")
#: Compression suffixes that ``dask.bytes`` (fsspec) reads a CSV file through.
_COMPRESSIONS = ("gz", "bz2", "xz", "lzma", "zip", "zst", "lz4", "snappy")
_SAMPLE_ROWS = 500


# --------------------------------------------------------------------------------------
# Dask itself
# --------------------------------------------------------------------------------------


def _require_dask():
    """Import dask, dask.dataframe and dask_geopandas, or say which extra to install."""
    try:
        import dask
        import dask.dataframe as dd
        import dask_geopandas  # noqa: F401  (registers the GeoDataFrame collection)
    except ImportError as exc:
        msg = (
            f"the dask engine needs the 'scale' extra ({exc.name} is not installed): "
            'pip install "geozones[scale]"'
        )
        raise GeozonesError(msg) from None
    return dask, dd


def connect(
    address: str | None = None,
    *,
    n_workers: int | None = None,
    threads_per_worker: int = 1,
    memory_limit: str | float | None = "auto",
    processes: bool = True,
    **cluster_options,
) -> distributed.Client:
    """Connect to a Dask cluster: an existing scheduler, or a new ``LocalCluster``.

    The client becomes Dask's default, so :func:`check_positions_dask` and
    :func:`write_results` run on it until it is closed (``client.close()``, or use it as a
    context manager). Closing a client made here for a ``LocalCluster`` stops the cluster.

    Parameters
    ----------
    address
        The scheduler of a running cluster, such as ``"tcp://10.0.0.5:8786"`` (started
        with ``dask scheduler`` and ``dask worker tcp://10.0.0.5:8786`` on each machine, or
        by dask-jobqueue, dask-kubernetes...). Every worker must have geozones installed
        and be able to read the input paths (a shared file system). ``None`` starts a
        ``distributed.LocalCluster`` on this machine.
    n_workers
        Local workers; one per CPU core by default. Not allowed with `address`.
    threads_per_worker
        Threads per local worker. One (the default) suits geozones: the work holds the
        GIL in places, and Dask runs one partition per thread.
    memory_limit
        Memory per local worker (bytes or text such as ``"4GiB"``); ``"auto"`` shares the
        machine's memory between the workers.
    processes
        Workers in their own processes (the default) or threads of this process.
    **cluster_options
        Passed to ``distributed.LocalCluster`` (``dashboard_address`` defaults to ``":0"``,
        a free port).

    Returns
    -------
    distributed.Client

    Examples
    --------
    >>> client = connect(n_workers=1, processes=False)
    >>> len(client.scheduler_info()["workers"])
    1
    >>> client.close()
    """
    _require_dask()
    try:
        from distributed import Client
    except ImportError:
        msg = "connecting to a cluster needs the 'scale' extra: pip install \"geozones[scale]\""
        raise GeozonesError(msg) from None
    if address is not None:
        if n_workers is not None or cluster_options:
            msg = "n_workers and cluster options only apply to a new LocalCluster, not an address"
            raise InputError(msg)
        return Client(address)
    cluster_options.setdefault("dashboard_address", ":0")
    return Client(
        n_workers=n_workers or os.cpu_count() or 1,
        threads_per_worker=threads_per_worker,
        memory_limit=memory_limit,
        processes=processes,
        **cluster_options,
    )


# --------------------------------------------------------------------------------------
# The job: everything a partition needs, in one object
# --------------------------------------------------------------------------------------


@dataclass
class _Job:
    """Lines, scenarios, options and the output schema, shipped once to the workers."""

    spec: checks.CheckSpec
    read: dict[str, Any]
    actor_categories: list[str] | None = None
    positions_columns: list[str] | None = None
    meta: gpd.GeoDataFrame | None = field(default=None, repr=False)


def _make_job(spec: checks.CheckSpec, read: dict[str, Any]) -> _Job:
    """The job of a request validated once on the client (its lines and scenarios read)."""
    groups = sorted(spec.actors.groups)
    categories = None
    if len(groups) <= _MAX_GROUPS_FOR_CATEGORIES:
        combos = (
            ";".join(c) for k in range(len(groups) + 1) for c in itertools.combinations(groups, k)
        )
        categories = list(combos)
    return _Job(spec=spec, read=read, actor_categories=categories)


def _read_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """`read_options` as :func:`geozones.read_positions` takes them, validated once."""
    known = {f.name for f in fields(ReadOptions)} | {"encoding"}
    unknown = sorted(set(options) - known)
    if unknown:
        msg = (
            f"the dask engine does not take {', '.join(unknown)}; it takes "
            f"{', '.join(sorted(known))}"
        )
        raise InputError(msg)
    found = {k: v for k, v in options.items() if k != "encoding"}
    return {"options": ReadOptions(**found), "encoding": options.get("encoding")}


# --------------------------------------------------------------------------------------
# One partition: standard columns, global rows, classification
# --------------------------------------------------------------------------------------


def _data_dependent(columns) -> set[str]:
    """Original columns whose ``src_`` copy the in-memory path keeps or drops by content."""
    dependent = {positions.ROW, positions.LOCATION_METHOD, positions.PLACE}
    dependent |= {positions.ERROR, positions.NOTE}
    lower = {str(c).strip().lower() for c in columns}
    if lower & {c for part in ACTOR_PARTS for c in part}:
        dependent.add(positions.ACTOR)
    return dependent


def _standard(table: pd.DataFrame, geoms, *, label: str, offset: int, job: _Job):
    """The standard positions of one partition, rows numbered globally."""
    found = positions.build_positions(table, geoms, label=label, options=job.read["options"])
    found[positions.ROW] = found[positions.ROW].to_numpy() + offset
    # the name each original column is kept under, as the in-memory reader names it
    kept = {name: k for k, name in enumerate(positions.kept_column_names(table.columns))}
    if job.positions_columns is None:  # the sample that sets the schema
        keep = {str(c).lower() for c in _data_dependent(table.columns)}
        for name, k in kept.items():
            if name != table.columns[k] and str(table.columns[k]).lower() in keep:
                if name not in found:
                    found[name] = table.iloc[:, k].reset_index(drop=True)
        order = [*positions.STANDARD_COLUMNS, *kept]
        job.positions_columns = [c for c in order if c in found] + [found.geometry.name]
    for name in job.positions_columns:
        if name not in found and name in kept:
            found[name] = table.iloc[:, kept[name]].reset_index(drop=True)
    missing = [c for c in job.positions_columns if c not in found]
    if missing:
        msg = f"{label}: no column {missing[0]!r}, which the first partition has"
        raise InputError(msg)
    return found[job.positions_columns]


def _classify(standard: gpd.GeoDataFrame, offset: int, job: _Job) -> gpd.GeoDataFrame:
    # Dask runs one partition per worker thread
    result = checks.classify(standard, job.spec, threads=1)
    groups = result[checks.ACTOR_GROUPS]
    if job.actor_categories is None:
        result[checks.ACTOR_GROUPS] = groups.astype(str).astype(object)
    else:
        fixed = groups.cat.set_categories(job.actor_categories)
        if fixed.isna().any():  # cannot happen: groups_of returns sorted known groups
            msg = f"actor groups outside the known combinations: {set(groups[fixed.isna()])}"
            raise GeozonesError(msg)
        result[checks.ACTOR_GROUPS] = fixed
    result.index = pd.RangeIndex(offset, offset + len(result))
    result.attrs = {}
    return result


def _finish(table, geoms, *, label, offset, job, ready=False) -> gpd.GeoDataFrame:
    if len(table) == 0 and job.meta is not None:
        return job.meta.copy()
    if ready:  # already read_positions output
        standard = table.reset_index(drop=True)
        if job.positions_columns is None:
            job.positions_columns = list(standard.columns)
        standard = standard[job.positions_columns]
    else:
        standard = _standard(table, geoms, label=label, offset=offset, job=job)
    result = _classify(standard, offset, job)
    if job.meta is not None and list(result.columns) != list(job.meta.columns):
        msg = f"{label}: the partition's columns differ from the first partition's"
        raise InputError(msg)
    return result


def _run_frame(frame: pd.DataFrame, offset: int, ready: bool, job: _Job) -> gpd.GeoDataFrame:
    if ready:
        return _finish(frame, None, label="the GeoDataFrame", offset=offset, job=job, ready=True)
    if len(frame) == 0 and job.meta is not None:
        return job.meta.copy()
    label, table, geoms = load_table(frame, layer=None, sheet=None)
    return _finish(table, geoms, label=label, offset=offset, job=job)


# --------------------------------------------------------------------------------------
# Dask collections
# --------------------------------------------------------------------------------------


def _is_ready(frame) -> bool:
    columns = frame.columns
    geo = isinstance(getattr(frame, "_meta", frame), gpd.GeoDataFrame)
    return geo and positions.ERROR in columns and positions.LON in columns


def _plan_collection(ddf, job: _Job, dask):
    lengths = ddf.map_partitions(len, meta=(None, "int64")).compute()
    lengths = np.asarray(lengths, dtype=np.int64)
    if lengths.sum() == 0:
        msg = "the dask DataFrame holds no rows"
        raise InputError(msg)
    offsets = np.r_[0, np.cumsum(lengths)[:-1]]
    ready = _is_ready(ddf)
    first = int(np.flatnonzero(lengths)[0])
    sample = ddf.partitions[first].head(_SAMPLE_ROWS, npartitions=1, compute=True)
    _set_schema(job, lambda: _run_frame(sample, 0, ready, job))
    parts = ddf.to_delayed(optimize_graph=True)
    kept = [i for i in range(len(parts)) if lengths[i] > 0]
    tasks = [
        (dask.delayed(_run_frame, pure=True), (parts[i], int(offsets[i]), ready)) for i in kept
    ]
    return tasks, [int(offsets[i]) for i in kept], int(lengths.sum())


def _set_schema(job: _Job, run_sample) -> None:
    """Run the first rows on the client: fix the positions columns and the result's meta."""
    job.positions_columns = None  # set by the sample's run
    job.meta = None
    job.meta = run_sample().iloc[:0]


# --------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------


def _expand(source) -> list[str]:
    """The files `source` names, sorted: paths, globs, folders, or fsspec URLs of them."""
    items = [source] if isinstance(source, str | os.PathLike) else list(source)
    files: list[str] = []
    for item in items:
        text = os.fspath(item)
        if _is_url(text):
            files += _expand_url(text)
        elif os.path.isdir(text):
            files += sorted(os.fspath(p) for p in Path(text).iterdir() if _readable(p.name))
        elif glob.has_magic(text):
            files += sorted(glob.glob(text))
        elif os.path.exists(text):
            files.append(text)
        else:
            msg = f"{text}: no such file"
            raise InputError(msg)
    if not files:
        msg = f"{source}: no files match"
        raise InputError(msg)
    kinds = {_kind(p) for p in files}
    if len(kinds) > 1:
        msg = f"{source}: mixes CSV and Parquet files; check them separately"
        raise InputError(msg)
    return sorted(dict.fromkeys(files))


def _is_url(text: str) -> bool:
    """Whether `text` names a file through an fsspec protocol (``s3://``, ``memory://``)."""
    return "://" in text and not os.path.exists(text)


def _expand_url(url: str) -> list[str]:
    """The files an fsspec URL names: itself, the matches of a glob, or a folder's files."""
    try:
        from fsspec.core import url_to_fs
    except ImportError:  # pragma: no cover - fsspec comes with dask
        msg = f"{url}: reading URLs needs the 'scale' extra: pip install \"geozones[scale]\""
        raise GeozonesError(msg) from None
    try:
        fs, root = url_to_fs(url)
        if glob.has_magic(root):
            found = sorted(fs.glob(root))
        elif fs.isdir(root):
            found = sorted(p for p in fs.ls(root, detail=False) if _readable(p))
        elif fs.exists(root):
            found = [root]
        else:
            msg = f"{url}: no such file"
            raise InputError(msg)
    except (ImportError, ValueError, OSError) as exc:
        msg = f"{url}: cannot be read ({first_line(exc)})"
        raise InputError(msg) from None
    return [fs.unstrip_protocol(p) for p in found]


def _suffix(path: str) -> str:
    """The suffix that says a file's format, under a compression suffix (``a.csv.gz``)."""
    name = PurePosixPath(path.replace("\\", "/")).name.lower()
    stem, _, suffix = name.rpartition(".")
    if suffix in _COMPRESSIONS and "." in stem:
        suffix = stem.rpartition(".")[2]
    return f".{suffix}" if stem else ""


def _readable(name: str) -> bool:
    """Whether a file in a folder is one the dask engine reads (CSV/TSV or Parquet)."""
    return _suffix(name) in DELIMITED_SUFFIXES + _PARQUET_SUFFIXES


def _kind(path: str) -> str:
    suffix = _suffix(path)
    if suffix in DELIMITED_SUFFIXES:
        return "csv"
    if suffix in _PARQUET_SUFFIXES and not _is_url(path):
        if suffix != PurePosixPath(path).suffix.lower():
            msg = f"{path}: a compressed Parquet file; Parquet compresses its own columns"
            raise InputError(msg)
        return "parquet"
    if suffix in _PARQUET_SUFFIXES:
        msg = (
            f"{path}: the dask engine reads Parquet files from local paths; read others "
            "with dask_geopandas.read_parquet(...) and pass the collection"
        )
        raise InputError(msg)
    msg = (
        f"{path}: the dask engine reads CSV/TSV and (Geo)Parquet files (CSV also compressed: "
        ".gz, .bz2, .xz, .zip); read other formats with read_positions and pass "
        "dask_geopandas.from_geopandas(...)"
    )
    raise InputError(msg)


# Parquet ------------------------------------------------------------------------------


def _read_parquet_part(path: str, row_groups: list[int]) -> pd.DataFrame:
    import pyarrow.parquet as pq

    table = pq.ParquetFile(path).read_row_groups(row_groups)
    metadata = table.schema.metadata or {}
    if b"geo" in metadata:
        return gpd.GeoDataFrame.from_arrow(table)
    return table.to_pandas()


def _run_parquet(part: tuple, job: _Job) -> gpd.GeoDataFrame:
    path, row_groups, offset = part
    frame = _read_parquet_part(path, row_groups)
    ready = _is_ready(frame)
    return _run_frame(frame, offset, ready, job)


def _plan_parquet(files: list[str], job: _Job, dask, partition_rows: int):
    import pyarrow.parquet as pq

    parts = []
    offset = 0
    schema = None
    for path in files:
        try:
            pf = pq.ParquetFile(path)
        except Exception as exc:
            msg = f"{path}: cannot be read as Parquet ({first_line(exc)})"
            raise InputError(msg) from None
        names = pf.schema_arrow.names
        if schema is None:
            schema = names
        elif names != schema:
            msg = f"{path}: its columns differ from those of {files[0]}"
            raise InputError(msg)
        group: list[int] = []
        rows = 0
        for i in range(pf.metadata.num_row_groups):
            n = pf.metadata.row_group(i).num_rows
            if n == 0:
                continue
            if group and rows + n > partition_rows:
                parts.append((os.fspath(path), group, offset))
                offset += rows
                group, rows = [], 0
            group.append(i)
            rows += n
        if group:
            parts.append((os.fspath(path), group, offset))
            offset += rows
    if not parts:
        msg = f"{files[0]}: holds no rows"
        raise InputError(msg)
    first = parts[0]
    sample = _read_parquet_part(first[0], first[1][:1]).iloc[:_SAMPLE_ROWS]
    _set_schema(job, lambda: _run_frame(sample, 0, _is_ready(sample), job))
    tasks = [(dask.delayed(_run_parquet, pure=True), (part,)) for part in parts]
    return tasks, [p[2] for p in parts], offset


# CSV ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _CsvFile:
    """What is decided once per file: encoding, delimiter and header, as in memory."""

    path: str  # a local path or an fsspec URL
    layout: delimited.Layout
    header_end: int  # the first byte after the header: in the file, or its UTF-8 text if whole
    encoding: str | None  # None until the blocks are scanned (then "utf-8" or a guess)
    fixed: bool = False  # named by the caller or shown by a byte-order mark
    whole: bool = False  # read as one part: line breaks are not ASCII bytes (UTF-16, UTF-32)
    header_sample: bytes = b""  # the header's bytes beyond ASCII, when it is not UTF-8

    @property
    def names(self) -> tuple[str, ...]:
        return self.layout.names


def _sniff(path: str, encoding: str | None = None, *, fixed: bool | None = None) -> _CsvFile:
    """The header and delimiter, decided as :func:`geozones.read_positions` decides them.

    Reads the file's start (through fsspec: a compressed file is read decompressed, a URL
    from its file system), as much of it as the header needs (a header of any length).
    Until the encoding is known, the start is read as UTF-8: every encoding the blocks can
    be cut in has the same bytes for line breaks, quotes and delimiters.
    """
    import fsspec

    with fsspec.open(path, "rb", compression="infer") as f:
        head = f.read(1 << 16)
        eof = len(head) < 1 << 16
        if fixed is None:
            encoding = decoding.fixed_encoding(head, encoding, path)
            fixed = encoding is not None
        whole = encoding is not None and not decoding.ascii_compatible(encoding)
        while True:
            if encoding in (None, *decoding.UTF8_NAMES):
                buf, start = head, 3 if head.startswith(codecs.BOM_UTF8) else 0
            else:
                buf, start = decoding.to_utf8(head, encoding), 0
            layout = delimited.find_layout(buf, start, complete=eof, label=path)
            if layout is not None:
                break
            more = f.read(3 * len(head))
            eof = len(more) < 3 * len(head)
            head += more
    if whole:  # UTF-16: one part, whose UTF-8 text is parsed after the header
        return _CsvFile(path, layout, layout.header_end, encoding, fixed, True)
    start = 3 if head.startswith(codecs.BOM_UTF8) else 0
    header_end = delimited.line_end(head, start, layout.header_lines)
    header = head[:header_end]
    sample = b"" if decoding.is_utf8(header) else decoding.non_ascii_sample(header)
    return _CsvFile(path, layout, header_end, encoding, fixed, header_sample=sample)


def _read_blocks(file: _CsvFile, blocksize: int, *, whole: bool = False) -> list:
    """The file's blocks as lazy bytes from ``dask.bytes.read_bytes``, cut after a LF.

    A compressed file, a UTF-16 or UTF-32 file and a file read `whole` are one block.
    """
    from dask.bytes import read_bytes
    from fsspec.utils import infer_compression

    cut = not (whole or file.whole or infer_compression(file.path))
    _, (blocks,) = read_bytes(
        file.path,
        delimiter=b"\n",
        blocksize=blocksize if cut else None,
        sample=False,
        compression="infer",
    )
    return blocks


def _block_text(file: _CsvFile, raw: bytes, skip: int, encoding: str | None) -> tuple[bytes, int]:
    """A block's records as UTF-8 text, and where they start in it.

    `skip` bytes of the block belong to the header (in the UTF-8 text of a whole file).
    """
    if file.whole:
        assert file.encoding is not None  # a whole file's encoding is known from its mark
        return decoding.to_utf8(raw, file.encoding), file.header_end
    if encoding in (None, *decoding.UTF8_NAMES) and decoding.is_utf8(_tail(raw, skip)):
        return raw, skip
    return decoding.to_utf8(_tail(raw, skip), encoding or "utf-8"), 0


def _tail(raw: bytes, skip: int) -> bytes:
    """``raw[skip:]`` without a copy (a memoryview: the decoding helpers take any buffer)."""
    return raw if skip == 0 else cast(bytes, memoryview(raw)[skip:])


def _even_quotes(raw: bytes, skip: int) -> bool:
    """Whether every line of ``raw[skip:]`` holds an even number of double quotes.

    ``dask.bytes`` cuts a file after any LF, also one inside a quoted cell; a file whose
    lines all hold an even number of quotes has no such cell and can be cut anywhere.
    """
    if raw.find(b'"', skip) < 0:
        return True
    arr = np.frombuffer(raw, dtype=np.uint8, offset=skip)
    breaks = np.flatnonzero((arr == 10) | (arr == 13))
    quotes = np.flatnonzero(arr == 34)
    per_line = np.bincount(np.searchsorted(breaks, quotes), minlength=breaks.size + 1)
    return bool((per_line % 2 == 0).all())


def _scan_block(file: _CsvFile, raw: bytes, skip: int, encoding: str | None) -> dict:
    """Size, encoding, quoting and record count of one block (a planning task).

    The records after the first `skip` bytes are counted as :func:`_parse_block` will read
    them, decoding with `encoding` (UTF-8 until the file's encoding is known: the same line
    breaks).
    """
    skip = min(skip, len(raw))
    utf8, even, sample = True, True, b""
    if not file.whole:
        body = _tail(raw, skip)
        utf8 = decoding.is_utf8(body)
        if not utf8:
            sample = bytes(decoding.non_ascii_sample(body, limit=16_384))
        even = _even_quotes(raw, skip)
    buf, at = _block_text(file, raw, skip, encoding)
    table = delimited.parse_records(
        buf, at, file.layout, label=file.path, first_row=2, final=False, count_only=True
    )
    return {
        "size": len(raw),
        "utf8": utf8,
        "sample": sample,
        "even": even,
        "n": len(table),
        "trailing": table.attrs["trailing_blank"],
    }


def _parse_block(file: _CsvFile, raw: bytes, skip: int, *, final: bool, offset: int):
    """One block as text columns with per-row problems, as ``read_positions`` reads files."""
    buf, at = _block_text(file, raw, min(skip, len(raw)), file.encoding)
    return delimited.parse_records(
        buf, at, file.layout, label=file.path, first_row=offset + 2, final=final
    )


def _run_csv(part: tuple, job: _Job) -> gpd.GeoDataFrame:
    file, raw, skip, offset, final = part
    table = _parse_block(file, raw, skip, final=final, offset=offset)
    del raw
    if len(table) == 0 and job.meta is not None:
        return job.meta.copy()
    return _finish(table, None, label=file.path, offset=offset, job=job)


def _header_skips(file: _CsvFile, sizes: list[int]) -> list[int]:
    """How many bytes at the start of each block (of these sizes) belong to the header.

    ``dask.bytes`` blocks are contiguous and the first starts at byte 0, so a header longer
    than the first block runs on into the next ones.
    """
    if file.whole:
        return [0] * len(sizes)  # the header is skipped in the UTF-8 text of the one block
    starts = np.r_[0, np.cumsum(sizes)[:-1]].astype(np.int64)
    return np.clip(file.header_end - starts, 0, sizes).astype(int).tolist()


def _plan_csv(files: list[str], job: _Job, dask, blocksize: int):
    encoding = job.read.get("encoding")
    sniffed = [_sniff(p, encoding) for p in files]
    for path, f in zip(files, sniffed, strict=True):
        if f.names != sniffed[0].names:
            msg = f"{path}: its header differs from that of {files[0]}"
            raise InputError(msg)
    scan = dask.delayed(_scan_block, pure=True)

    # Round 1, on the workers: every block's size, encoding, quoting and count. The first
    # block starts with the header; should the header run on beyond it, the blocks it
    # reaches into are counted again without it.
    blocks = {f.path: _read_blocks(f, blocksize) for f in sniffed}
    first_skips = {f.path: [f.header_end] + [0] * (len(blocks[f.path]) - 1) for f in sniffed}
    skips = first_skips

    def scans(f: _CsvFile, encoding: str | None) -> list:
        return [
            scan(f, block, skip, encoding)
            for block, skip in zip(blocks[f.path], skips[f.path], strict=True)
        ]

    found = dask.compute({f.path: scans(f, f.encoding) for f in sniffed})[0]
    skips = {f.path: _header_skips(f, [s["size"] for s in found[f.path]]) for f in sniffed}
    wrong = [f for f in sniffed if skips[f.path] != first_skips[f.path] and not f.whole]
    if wrong:
        found |= dask.compute({f.path: scans(f, f.encoding) for f in wrong})[0]
    # Per file: one encoding; a file with a line of odd quotes is read whole
    final_files = []
    again = {}
    for f in sniffed:
        stats = found[f.path]
        if f.fixed:
            decided = f.encoding
        elif all(s["utf8"] for s in stats) and not f.header_sample:
            decided = "utf-8"
        else:
            samples = [f.header_sample, *(s["sample"] for s in stats)]
            decided = decoding.guess_encoding(b"\n".join(samples)[:65536])
        file = f if decided == f.encoding else _sniff(f.path, decided, fixed=False)
        recount = not f.fixed and decided != "utf-8"
        if not all(s["even"] for s in stats) and len(blocks[f.path]) > 1:
            blocks[file.path] = _read_blocks(file, blocksize, whole=True)
            skips[file.path] = [file.header_end]
            recount = True
        if recount:
            again[f.path] = scans(file, decided)
        final_files.append(file)
    if again:
        found |= dask.compute(again)[0]
    for file in final_files:
        if file.names != final_files[0].names:
            msg = f"{file.path}: its header differs from that of {files[0]}"
            raise InputError(msg)
    parts = []
    offset = 0
    for file in final_files:
        stats = found[file.path]
        # blank lines at the very end of a file are not rows: find the last block with a
        # record, drop its trailing blank lines (and the blocks after it)
        filled = [k for k, s in enumerate(stats) if s["n"] - s["trailing"] > 0]
        last = filled[-1] if filled else -1
        for k, (block, skip, s) in enumerate(
            zip(blocks[file.path], skips[file.path], stats, strict=True)
        ):
            n = s["n"] - s["trailing"] if k == last else s["n"]
            if k <= last and n > 0:
                parts.append((file, block, skip, offset, k == last))
                offset += n
    if not parts:
        msg = f"{files[0]}: holds no rows"
        raise InputError(msg)

    def sample():
        file, block, skip, _, final = parts[0]
        raw = dask.compute(block, scheduler="sync")[0]
        table = _parse_block(file, raw, skip, final=final, offset=0).iloc[:_SAMPLE_ROWS]
        errors = table.attrs["row_errors"]
        table.attrs["row_errors"] = {i: e for i, e in errors.items() if i < _SAMPLE_ROWS}
        return _finish(table, None, label=file.path, offset=0, job=job)

    _set_schema(job, sample)
    tasks = [(dask.delayed(_run_csv, pure=True), (part,)) for part in parts]
    return tasks, [p[3] for p in parts], offset


# --------------------------------------------------------------------------------------
# The public entry points
# --------------------------------------------------------------------------------------


def check_positions_dask(
    positions,
    line,
    distances_km: Sequence[float] = (5, 20, 60),
    *,
    scenarios: Iterable[checks.Scenario | str] | None = None,
    line_accuracy: bool = False,
    default_uncertainty_m: float = 0.0,
    actors: ActorNormaliser | Mapping[str, Iterable[str]] | None = None,
    undated_in_force: bool | None = None,
    blocksize: int | str = DEFAULT_BLOCKSIZE,
    partition_rows: int = DEFAULT_PARTITION_ROWS,
    **read_options,
) -> dask_geopandas.GeoDataFrame:
    """Classify positions partition by partition on Dask; return a lazy dask GeoDataFrame.

    The same check as :func:`geozones.check_positions` (``engine="dask"`` there calls this),
    with the same result columns and meanings, computed when the result is computed or
    written (:func:`write_results`), one partition per task.

    Parameters
    ----------
    positions
        A ``dask_geopandas.GeoDataFrame`` or dask DataFrame (read as
        :func:`geozones.read_positions` reads a GeoDataFrame or DataFrame, or used as is
        when it already is its result), a pandas or geopandas table (split into
        `partition_rows` partitions), or the path, glob, directory or list of paths of
        CSV/TSV or (Geo)Parquet files. CSV files may be compressed (``.csv.gz``, ...) and
        named by fsspec URLs (``s3://...``). Files are read in sorted order of their paths,
        and must be readable from every worker.
    line, distances_km, scenarios, line_accuracy, default_uncertainty_m, actors, undated_in_force
        As for :func:`geozones.check_positions`; `distances_km` in kilometres,
        `default_uncertainty_m` in metres.
    blocksize
        Bytes of CSV per partition (cut after a line feed by :func:`dask.bytes.read_bytes`),
        as a number or text such as ``"64 MiB"``.
    partition_rows
        Rows per partition of Parquet files (whole row groups) and of pandas tables.
    **read_options
        The column and parsing options of :func:`geozones.read_positions`:
        ``lon_column``, ``lat_column``, ``coordinates_column``, ``mgrs_column``,
        ``place_column``, ``admin1_column``, ``order``, ``precision_radii_m``, ``area``,
        ``gazetteer_``, ``encoding`` (of CSV files).

    Returns
    -------
    dask_geopandas.GeoDataFrame
        Lazy, indexed by the 0-based position in the whole input (known divisions), with
        the columns of the in-memory result: ``row`` numbers rows globally. Three
        differences: text columns take Dask's pyarrow string dtype (its
        ``dataframe.convert-string`` setting); ``actor_groups`` has every combination of
        the actor groups as its categories (the same on every partition) rather than the
        combinations seen; and
        an original column named like a standard column whose content decides whether
        the in-memory path keeps it (``row``, ``place``, ``location_method``, ``error``,
        ``note``; ``actor`` in ACLED/UCDP tables) is always kept as ``src_<name>``.

    Raises
    ------
    InputError
        For the input as a whole, as :func:`geozones.read_positions` raises it, or when
        the files' headers or schemas differ.
    GeozonesError
        When dask, distributed or dask-geopandas is not installed.

    Examples
    --------
    >>> import dask_geopandas, geopandas as gpd
    >>> points = gpd.GeoDataFrame(geometry=gpd.points_from_xy([35.89, 36.6], [33.18, 33.5]),
    ...                           crs=4326)
    >>> lazy = check_positions_dask(dask_geopandas.from_geopandas(points, npartitions=2),
    ...                             "alpha_line")
    >>> lazy.npartitions, lazy.compute(scheduler="sync")["band"].tolist()
    (2, ['0–5 km', 'beyond 60 km'])
    """
    _require_dask()
    blocksize, partition_rows = _partitioning(blocksize, partition_rows)
    read = _read_options(read_options)
    spec = checks.check_spec(
        line,
        distances_km,
        scenarios=scenarios,
        line_accuracy=line_accuracy,
        default_uncertainty_m=default_uncertainty_m,
        actors=actors,
        undated_in_force=undated_in_force,
    )
    return _check_lazily(positions, _make_job(spec, read), blocksize, partition_rows)


def _check_spec_dask(
    positions,
    spec: checks.CheckSpec,
    *,
    blocksize: int | str = DEFAULT_BLOCKSIZE,
    partition_rows: int = DEFAULT_PARTITION_ROWS,
    **read_options,
) -> dask_geopandas.GeoDataFrame:
    """The dask engine of ``check_positions(..., engine="dask")``: the spec is validated."""
    _require_dask()
    blocksize, partition_rows = _partitioning(blocksize, partition_rows)
    job = _make_job(spec, _read_options(read_options))
    return _check_lazily(positions, job, blocksize, partition_rows)


checks.register_engine("dask", _check_spec_dask)


def _partitioning(blocksize: int | str, partition_rows: int) -> tuple[int, int]:
    if isinstance(blocksize, str):
        from dask.utils import parse_bytes

        blocksize = parse_bytes(blocksize)
    if int(blocksize) < 1 or int(partition_rows) < 1:
        msg = "blocksize and partition_rows must be positive"
        raise InputError(msg)
    return int(blocksize), int(partition_rows)


def _check_lazily(positions, job: _Job, blocksize: int, partition_rows: int):
    """Plan the partitions of `positions` and return the lazy result."""
    dask, dd = _require_dask()
    import dask_geopandas

    if isinstance(positions, pd.DataFrame):
        n_parts = max(1, math.ceil(len(positions) / int(partition_rows)))
        if isinstance(positions, gpd.GeoDataFrame):
            positions = dask_geopandas.from_geopandas(positions, npartitions=n_parts)
        else:
            positions = dd.from_pandas(positions, npartitions=n_parts, sort=False)
    if hasattr(positions, "__dask_graph__"):
        if not hasattr(positions, "partitions") or not hasattr(positions, "columns"):
            msg = f"the dask engine takes a dask DataFrame, not {type(positions).__name__}"
            raise InputError(msg)
        tasks, offsets, total = _plan_collection(positions, job, dask)
    else:
        files = _expand(positions)
        if _kind(files[0]) == "csv":
            tasks, offsets, total = _plan_csv(files, job, dask, int(blocksize))
        else:
            tasks, offsets, total = _plan_parquet(files, job, dask, int(partition_rows))
    token = uuid.uuid4().hex
    shipped = dask.delayed(job, name=f"geozones-job-{token}", traverse=False)  # one key, sent once
    parts = [
        function(*args, shipped, dask_key_name=f"geozones-check-{token}-{i}")
        for i, (function, args) in enumerate(tasks)
    ]
    divisions = (*offsets, total - 1)
    return dd.from_delayed(parts, meta=job.meta, divisions=divisions, verify_meta=False)


def write_results(
    result: dask_geopandas.GeoDataFrame,
    path: str | os.PathLike,
    *,
    compute: bool = True,
    overwrite: bool = False,
    **options,
):
    """Write a lazy result to a GeoParquet dataset, one file per partition, atomically.

    Each worker checks a partition and writes it, so memory stays bounded whatever the
    number of rows. Read it back with ``geopandas.read_parquet(path)`` or
    ``dask_geopandas.read_parquet(path)``: a directory of ``part.00000.parquet``,
    ``part.00001.parquet``... files, whose names sort in row order.

    The parts are written to a hidden folder beside `path` (``.<name>.tmp-<random>``),
    which takes the place of `path` only once every part is written: a write that fails
    leaves an existing folder as it was, and never leaves a half-written result under
    `path`. (The old folder is renamed aside, the new one renamed in, then the old one
    removed: a process killed between the two renames leaves the complete old result in
    ``.<name>.old-<random>`` and the complete new one in the temporary folder.)

    Parameters
    ----------
    result
        The output of :func:`check_positions_dask` (or any dask GeoDataFrame).
    path
        The folder to write. Its parent folder must exist.
    compute
        Write now (the default) or return the lazy write, for ``dask.compute``: the
        folder is put in place when it is computed. A lazy write that fails, or is never
        computed, leaves its hidden temporary folder behind.
    overwrite
        Replace a folder that exists and is not empty (else that is an error).
    **options
        Passed to ``dask_geopandas.GeoDataFrame.to_parquet`` (``compression``, ...). The
        index is not written unless ``write_index=True``. ``append`` is not supported.

    Raises
    ------
    OutputError
        `path` exists (without `overwrite`) or is a file, its parent folder does not
        exist, or writing failed (disk full, permission denied...): the message names
        `path` and the cause, and any old folder is left as it was.

    Examples
    --------
    >>> import tempfile, dask_geopandas, geopandas as gpd
    >>> points = gpd.GeoDataFrame(geometry=gpd.points_from_xy([35.89], [33.18]), crs=4326)
    >>> lazy = check_positions_dask(dask_geopandas.from_geopandas(points, npartitions=1),
    ...                             "alpha_line")
    >>> out = tempfile.mkdtemp() + "/checked"
    >>> write_results(lazy, out)
    >>> gpd.read_parquet(out)["within_km"].tolist()
    [5.0]
    """
    dask, _ = _require_dask()
    if not hasattr(result, "to_parquet") or not hasattr(result, "__dask_graph__"):
        msg = f"write_results takes a dask GeoDataFrame, not {type(result).__name__}"
        raise InputError(msg)
    if options.get("append"):
        msg = "write_results replaces a folder whole; append=True is not supported"
        raise InputError(msg)
    options.pop("append", None)
    target = Path(os.fspath(path)).absolute()
    _check_target(target, overwrite=overwrite)
    options.setdefault("write_index", False)
    width = max(5, len(str(result.npartitions - 1)))
    options.setdefault("name_function", functools.partial(_part_name, width=width))
    temporary = target.parent / f".{target.name[:80]}.tmp-{uuid.uuid4().hex[:12]}"
    try:
        written = result.to_parquet(os.fspath(temporary), compute=False, **options)
    except BaseException as exc:
        raise _write_failed(target, temporary, exc) from exc
    if not compute:
        finish = dask.delayed(_put_in_place, pure=False)
        return finish(written, os.fspath(temporary), os.fspath(target))
    try:
        dask.compute(written)
    except BaseException as exc:
        raise _write_failed(target, temporary, exc) from exc
    _put_in_place(None, os.fspath(temporary), os.fspath(target))
    return None


def _check_target(target: Path, *, overwrite: bool) -> None:
    """Refuse, before anything is written, a target that cannot or must not be replaced."""
    if not target.parent.is_dir():
        exc = FileNotFoundError(errno.ENOENT, f"no folder {target.parent}")
        raise output_error(target, exc)
    if not target.exists():
        return
    if not target.is_dir():
        msg = f"{target}: cannot be written: it is a file; write_results writes a folder"
        raise OutputError(msg)
    cwd = Path.cwd().resolve()
    if target.resolve() in (cwd, *cwd.parents):
        msg = f"{target}: cannot be written: it holds the working folder"
        raise OutputError(msg)
    if not overwrite and any(target.iterdir()):
        msg = f"{target}: cannot be written: the folder exists; pass overwrite=True to replace it"
        raise OutputError(msg)


def _write_failed(target: Path, temporary: Path, exc: BaseException) -> BaseException:
    """Remove the temporary folder; the error to raise (OutputError for I/O failures)."""
    shutil.rmtree(temporary, ignore_errors=True)
    if isinstance(exc, OSError) and not isinstance(exc, GeozonesError):
        return output_error(target, exc)
    return exc


def _put_in_place(_written, temporary: str, target: str) -> None:
    """Rename the complete temporary folder to `target`, the old folder aside, then drop it."""
    old = None
    try:
        if os.path.lexists(target):
            old = os.path.join(
                os.path.dirname(target),
                f".{os.path.basename(target)[:80]}.old-{uuid.uuid4().hex[:12]}",
            )
            os.rename(target, old)
        try:
            os.rename(temporary, target)
        except OSError:
            if old is not None:
                os.rename(old, target)  # put the old folder back
                old = None
            raise
    except OSError as exc:
        shutil.rmtree(temporary, ignore_errors=True)
        raise output_error(target, exc) from exc
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _part_name(i: int, *, width: int) -> str:
    """``part.00012.parquet``: names that sort in row order."""
    return f"part.{i:0{width}d}.parquet"
