r"""Delimited text, for both engines: header and delimiter, records, rows.

:func:`read_delimited` reads a whole file for :func:`geozones.read_positions`; the dask
engine (:mod:`geozones.scale`) decides the :class:`Layout` once per file with
:func:`find_layout` and parses blocks of it with :func:`parse_records`. Both read the same
records the same way:

- the header is the first record, of any length; the delimiter is the one of ``,`` ``;``
  tab ``|`` that splits it into most fields that the next 50 records agree with;
- line breaks may be LF, CRLF or CR, mixed, and inside quoted cells;
- every record is a row: a blank line, a ragged record, a record that repeats the header
  or holds a cell longer than :data:`MAX_CELL_CHARS` is a row whose error says so.

Examples
--------
>>> text = b"a;b\r\n1;2\r\n\r\n3;4,5\r\n"
>>> layout = find_layout(text, 0, complete=True, label="x")
>>> layout.delimiter, layout.header
(';', ('a', 'b'))
>>> table = parse_records(text, layout.header_end, layout, label="x", first_row=2, final=True)
>>> table.to_numpy().tolist(), table.attrs["row_errors"]
([['1', '2'], ['', ''], ['3', '4,5']], {1: 'blank line'})
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io as _io
import itertools
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, overload

import numpy as np
import pandas as pd

from geozones.decoding import decode
from geozones.errors import InputError, first_line
from geozones.formulas import unneutralise_table, unneutralise_text

__all__ = [
    "MAX_CELL_CHARS",
    "Layout",
    "check_delimiter",
    "find_layout",
    "first_break",
    "line_end",
    "parse_records",
    "read_delimited",
]

#: The longest cell (in characters) read from delimited text. A longer cell makes its row
#: an error that says so, and is not carried along (a 50 MB cell is refused, not parsed).
MAX_CELL_CHARS = 131_072
_DELIMITERS = ",;\t|"
_SNIFF_BYTES = 65_536  # bytes after the header that the delimiter is chosen on
_SNIFF_RECORDS = 50  # records after the header that the delimiter is chosen on
_BATCH_ROWS = 65_536  # records the robust reader holds as Python objects at a time
_TERMINATORS = re.compile(rb"\r\n|\r|\n")


@dataclass(frozen=True)
class Layout:
    """What is decided once per file: the delimiter and the header."""

    delimiter: str
    header: tuple[str, ...]
    names: tuple[str, ...]
    header_lines: int  # physical lines the header spans (2 if a quoted name holds a break)
    header_end: int  # the offset of the first byte after the header, in the buffer read


def line_end(data: bytes, start: int, lines: int) -> int:
    """The offset just after the `lines`-th line break from `start` (the end if fewer)."""
    end = start
    for k, match in enumerate(_TERMINATORS.finditer(data, start), 1):
        end = match.end()
        if k == lines:
            return end
    return len(data)


@overload
def find_layout(
    buf: bytes, start: int, *, complete: Literal[True], label, delimiter: str | None = None
) -> Layout: ...


@overload
def find_layout(
    buf: bytes, start: int, *, complete: bool, label, delimiter: str | None = None
) -> Layout | None: ...


def find_layout(
    buf: bytes, start: int, *, complete: bool, label, delimiter: str | None = None
) -> Layout | None:
    """The delimiter and the header of the UTF-8 text ``buf[start:]``.

    The header is the first record, of any length; the delimiter is the one of
    ``, ; tab |`` that splits the header into most fields that the next records agree with
    (at most :data:`_SNIFF_RECORDS` records, :data:`_SNIFF_BYTES` bytes: linear time
    whatever the text), unless `delimiter` names it. With `complete` false, `buf` may be
    the start of a longer text, and None means that more of it is needed to see the whole
    header.
    """
    given = check_delimiter(delimiter, label=label)
    size = 1 << 16
    while True:
        first = first_break(buf, start)
        stop = len(buf) if first < 0 else min(len(buf), first + size + _SNIFF_BYTES)
        cut = stop < len(buf) or not complete  # the text goes on beyond the sample
        text = buf[start:stop].decode("utf-8", errors="replace")
        with _csv_field_limit():
            try:
                delimiter = given or _choose_delimiter(text, cut=cut)
                reader = csv.reader(_io.StringIO(text, newline=""), delimiter=delimiter)
                header = next(reader, [])
            except csv.Error as exc:  # Python 3.10's csv: "line contains NUL"
                msg = f"{label}: cannot be read as delimited text ({exc})"
                raise InputError(msg) from None
            lines = reader.line_num
        kept = "".join(itertools.islice(_io.StringIO(text, newline=""), lines))
        if cut and (len(kept) >= len(text) or not kept.endswith(("\r", "\n"))):
            if not complete:
                return None  # the header may go on: ask for more
            size *= 4  # a quoted line break in the header, and a long header after it
            continue
        break
    if not text.strip():
        msg = f"{label}: is empty"
        raise InputError(msg)
    header = [unneutralise_text(h.strip()) for h in header]
    if not any(header):
        msg = f"{label}: the first row should name the columns but is empty"
        raise InputError(msg)
    return Layout(
        delimiter=delimiter,
        header=tuple(header),
        names=tuple(_unique_names(header)),
        header_lines=lines,
        header_end=start + len(kept.encode("utf-8")),
    )


def check_delimiter(delimiter: str | None, *, label) -> str | None:
    """`delimiter` if it is one character that can split fields (not a quote or a line break).

    Raises
    ------
    InputError
        Anything else: text of another length, ``"``, a line break, or not text.
    """
    if delimiter is None:
        return None
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '"\r\n':
        msg = (
            f"{label}: delimiter must be one character (such as ',', ';', '|' or a tab), "
            f"not a quote or a line break; got {delimiter!r}"
        )
        raise InputError(msg)
    return delimiter


def first_break(buf: bytes, start: int) -> int:
    """The offset of the first CR or LF at or after `start`, or -1."""
    found = [k for k in (buf.find(b"\n", start), buf.find(b"\r", start)) if k >= 0]
    return min(found) if found else -1


def _choose_delimiter(text: str, *, cut: bool) -> str:
    best, best_key = ",", (-1, 0)
    for delimiter in _DELIMITERS:
        records = csv.reader(_io.StringIO(text, newline=""), delimiter=delimiter)
        header = next(records, [])
        if len(header) < 2:
            continue
        rows = list(itertools.islice(records, _SNIFF_RECORDS))
        if cut and rows:
            rows.pop()  # it may be cut short
        agree = sum(len(row) == len(header) for row in rows)
        key = (agree, len(header))
        if key > best_key:
            best, best_key = delimiter, key
    return best


_field_limit_lock = threading.Lock()
_field_limit_users = 0
_field_limit_saved = 0


@contextlib.contextmanager
def _csv_field_limit():
    """Lift Python's csv field limit while a reader runs; restore it when the last one ends.

    A huge cell is then read, and refused with a row error, rather than stopping the
    reader half way through a record (which would lose track of the rows after it).
    """
    global _field_limit_users, _field_limit_saved
    with _field_limit_lock:
        if _field_limit_users == 0:
            _field_limit_saved = csv.field_size_limit(2**31 - 1)
        _field_limit_users += 1
    try:
        yield
    finally:
        with _field_limit_lock:
            _field_limit_users -= 1
            if _field_limit_users == 0:
                csv.field_size_limit(_field_limit_saved)


def _has_blank_line(buf: bytes, start: int, *, final: bool) -> bool:
    """Whether ``buf[start:]`` may hold an empty line (inside a quoted cell, perhaps).

    With `final`, the line breaks at the very end do not count: blank lines there are not
    rows. Pairs of line breaks are looked for with numpy, 8 MiB at a time.
    """
    stop = len(buf)
    if final:
        tail_start = max(start, stop - 65_536)
        kept = len(buf[tail_start:].rstrip(b"\r\n"))
        if kept == 0 and tail_start > start:
            return True  # over 64 KiB of line breaks at the end: let the robust reader see
        stop = tail_start + kept
    if buf[start : start + 1] in (b"\r", b"\n"):
        return True
    step = 1 << 23
    for a in range(start, stop, step):
        arr = np.frombuffer(buf, dtype=np.uint8, count=min(stop, a + step + 1) - a, offset=a)
        lf = arr == 10
        cr = arr == 13
        pairs = (lf | cr)[1:] & (lf | cr)[:-1] & ~(cr[:-1] & lf[1:])  # CRLF is one break
        if pairs.any():
            return True
    return False


def _has_empty_row(arrow) -> bool:
    """Whether a row of arrow's table has nothing in any cell (a blank line looks so)."""
    import pyarrow.compute as pc

    empty = None
    for column in arrow.columns:
        here = pc.equal(pc.binary_length(column), 0)
        empty = here if empty is None else pc.and_(empty, here)
        if not pc.any(empty).as_py():
            return False
    return empty is not None


def parse_records(
    buf: bytes,
    start: int,
    layout: Layout,
    *,
    label,
    first_row: int,
    final: bool,
    count_only: bool = False,
) -> pd.DataFrame:
    """The records of the UTF-8 text ``buf[start:]`` as text columns, one row per record.

    Every record comes back once, in order, so that row ``i`` is input row
    ``first_row + i``:

    - a blank line (nothing, or only spaces, between two line breaks) is a row whose
      error is ``"blank line"``; blank lines at the very end of the file (`final`) are not
      rows;
    - a record with more or fewer fields than the header is a row whose error says so;
    - a cell longer than :data:`MAX_CELL_CHARS` makes its row an error, and its cells are
      emptied;
    - a record that repeats the header is a row whose error says so;
    - text that :func:`save_positions` neutralised against spreadsheet formulas loses its
      quote again (:func:`unneutralise_text`).

    Clean text takes arrow's multi-threaded reader; text with a blank line or a record of
    the wrong width takes Python's csv module, :data:`_BATCH_ROWS` records at a time. Both
    read the same records the same way, and hold the bytes, the table and one batch at
    most. Blank lines are looked for in the bytes only when arrow's table has a row of
    empty cells (which is what a blank line looks like to it), so clean text pays nothing
    for them. With `count_only`, the cells of the first column alone are kept.

    The problems are in ``attrs["row_errors"]`` (row index → error); with `final` false,
    ``attrs["trailing_blank"]`` counts the blank rows at the end (the last block of a file
    drops them).
    """
    import pyarrow as pa

    names = list(layout.names)
    arrow = None
    if buf.startswith(codecs.BOM_UTF8, start):
        pass  # arrow would drop a mark that starts a block: Python's reader keeps it
    elif len(names) > 1 and count_only:
        if not _has_blank_line(buf, start, final=final):
            arrow = _read_arrow(buf, start, layout, count_only=True, skip_empty=True)
    elif len(names) > 1:
        arrow = _read_arrow(buf, start, layout, count_only=False, skip_empty=False)
        if arrow is not None and _has_empty_row(arrow):
            # a blank line, a row of empty cells (",,,") or blank lines at the very end
            if _has_blank_line(buf, start, final=final):
                arrow = None
            elif final:  # no blank line but those at the end, which are not rows
                arrow = _read_arrow(buf, start, layout, count_only=False, skip_empty=True)
    if arrow is None:
        arrow, problems, trailing = _read_python(
            buf, start, layout, label=label, first_row=first_row, final=final
        )
        if count_only:
            arrow = arrow.select([0])
    else:
        problems, trailing = {}, 0
    if not count_only:
        arrow = _refuse_long_cells(arrow, problems)
        arrow = unneutralise_table(arrow)
    table = arrow.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get)
    if table.shape[1] == len(names):
        table.columns = names
    for i in _repeated_header(table, layout):
        problems.setdefault(i, "the header row repeated inside the data; the row was not used")
    table.attrs["row_errors"] = problems
    table.attrs["trailing_blank"] = trailing
    table.attrs["text_source"] = True
    return table


def _read_arrow(buf: bytes, start: int, layout: Layout, *, count_only: bool, skip_empty: bool):
    """Arrow's reader; None when a record has the wrong width or arrow cannot read the text.

    With `skip_empty` false, an empty line is a row of empty cells.
    """
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    names = list(layout.names)
    invalid = []

    def note_invalid(row):
        invalid.append(row.number)
        return "skip"

    body = pa.py_buffer(buf).slice(start)
    if body.size == 0:
        return pa.table({n: pa.array([], pa.string()) for n in names})
    try:
        arrow = pa_csv.read_csv(
            pa.BufferReader(body),
            read_options=pa_csv.ReadOptions(column_names=names),
            parse_options=pa_csv.ParseOptions(
                delimiter=layout.delimiter,
                newlines_in_values=True,
                ignore_empty_lines=skip_empty,
                invalid_row_handler=note_invalid,
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                include_columns=names[:1] if count_only else None,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeDecodeError):
        return None  # a record larger than arrow's blocks, say: the robust reader reads it
    return None if invalid else arrow


def _read_python(buf: bytes, start: int, layout: Layout, *, label, first_row: int, final: bool):
    """Python's csv reader, in batches: (table, row errors, blank rows at the end)."""
    import pyarrow as pa

    names = list(layout.names)
    n_cols = len(names)
    empty = [""] * n_cols
    problems: dict[int, str] = {}
    batches: list[pa.Table] = []
    rows: list[list[str]] = []
    index = 0
    blank = 0  # blank lines not yet placed: dropped if nothing follows them at the end

    def flush() -> None:
        columns = list(zip(*rows, strict=True)) if rows else [()] * n_cols
        arrays = [pa.array(c, type=pa.string()) for c in columns]
        batches.append(pa.Table.from_arrays(arrays, names=names))
        rows.clear()

    stream = _io.BytesIO(buf)
    stream.seek(start)
    text = _io.TextIOWrapper(stream, encoding="utf-8", errors="replace", newline="")
    with _csv_field_limit():
        reader = csv.reader(text, delimiter=layout.delimiter)
        try:
            for record in reader:
                if not record or (len(record) == 1 and not record[0].strip()):
                    blank += 1
                    continue
                for _ in range(blank):
                    problems[index] = "blank line"
                    rows.append(empty)
                    index += 1
                blank = 0
                if len(record) != n_cols:
                    problems[index] = (
                        f"ragged row: {len(record)} fields where the header has {n_cols} "
                        f"(delimiter {layout.delimiter!r}); the row was not used"
                    )
                    record = empty
                rows.append(record)
                index += 1
                if len(rows) >= _BATCH_ROWS:
                    flush()
        except csv.Error as exc:
            msg = f"{label}: row {first_row + index + blank}: cannot be read ({exc})"
            raise InputError(msg) from None
    trailing = 0
    if not final:
        for _ in range(blank):
            problems[index] = "blank line"
            rows.append(empty)
            index += 1
        trailing = blank
    flush()
    text.detach()
    return pa.concat_tables(batches), problems, trailing


def _refuse_long_cells(arrow, problems: dict[int, str]):
    """Empty the rows that hold a cell longer than :data:`MAX_CELL_CHARS`; note why."""
    import pyarrow as pa
    import pyarrow.compute as pc

    long_rows = None
    for name, column in zip(arrow.column_names, arrow.columns, strict=True):
        if len(column) == 0 or pc.max(pc.binary_length(column)).as_py() <= MAX_CELL_CHARS:
            continue  # bytes bound characters: most columns stop here
        chars = pc.utf8_length(column)
        too_long = pc.greater(chars, MAX_CELL_CHARS)
        lengths = chars.to_numpy()
        for i in np.flatnonzero(too_long.to_numpy(zero_copy_only=False)).tolist():
            problems.setdefault(
                i,
                f"column {name!r}: a cell of {int(lengths[i]):,} characters, more than the "
                f"{MAX_CELL_CHARS:,} geozones reads; the row was not used",
            )
        long_rows = too_long if long_rows is None else pc.or_(long_rows, too_long)
    if long_rows is None:
        return arrow
    empty = pa.scalar("", pa.string())
    return pa.table(
        [pc.if_else(long_rows, empty, c) for c in arrow.columns], names=arrow.column_names
    )


def _repeated_header(table: pd.DataFrame, layout: Layout) -> list[int]:
    """Rows that repeat the header (files pasted together)."""
    if table.shape[1] != len(layout.header) or len(table) == 0:
        return []
    first = table.iloc[:, 0].str.strip() == layout.header[0]
    candidates: list[int] = np.flatnonzero(first.to_numpy(dtype=bool, na_value=False)).tolist()
    return [
        i
        for i in candidates
        if all(str(table.iat[i, k]).strip() == h for k, h in enumerate(layout.header))
    ]


def _unique_names(header: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, name in enumerate(header):
        name = name or f"column_{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        out.append(name)
    return out


def read_delimited(
    path: Path, *, encoding: str | None = None, delimiter: str | None = None
) -> pd.DataFrame:
    """Every record of a delimited text file as text columns, problems noted per row.

    The bytes are read once, decoded (:func:`decode`) into UTF-8, the header and delimiter
    found (:func:`find_layout`; `delimiter` names the delimiter, else it is chosen) and the
    records parsed (:func:`parse_records`, shared with the dask engine, which parses blocks
    of a file with it).
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        msg = f"{path}: cannot be read ({first_line(exc)})"
        raise InputError(msg) from None
    buf, start, found = decode(raw, encoding, label=path)
    del raw
    layout = find_layout(buf, start, complete=True, label=path, delimiter=delimiter)
    table = parse_records(buf, layout.header_end, layout, label=path, first_row=2, final=True)
    table.attrs["renamed"] = [n for n, h in zip(layout.names, layout.header, strict=True) if n != h]
    table.attrs["encoding"] = found
    return table
