"""Spreadsheet formulas: what a spreadsheet would run is written as text, and read back as it was.

:func:`geozones.save_positions` neutralises text cells (and column names) of CSV with
:func:`neutralise_table`; :func:`geozones.read_positions` takes that one quote off again
with :func:`unneutralise_table` and :func:`unneutralise_text`.

Examples
--------
>>> neutralise_text("=1+1"), neutralise_text("-33.5"), unneutralise_text("'=1+1")
("'=1+1", '-33.5', '=1+1')
"""

from __future__ import annotations

import re

import numpy as np

__all__ = ["neutralise_table", "neutralise_text", "unneutralise_table", "unneutralise_text"]

# OWASP's CSV-injection guidance: a cell that starts with = + - @ tab or carriage return is
# a formula to a spreadsheet. The writer puts a single quote before such text, and before
# text that already starts with quotes followed by one of those, so that the reader can
# take exactly one quote off again. Plain numbers ("-33.5", "+1e5", "35,8") are not touched.
_FORMULA = r"^'*[=+\-@\t\r]"
_NEUTRALISED = r"^'+[=+\-@\t\r]"
_NUMBER = r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)(?:[eE][+-]?[0-9]+)?"
_PLAIN_NUMBER = f"^{_NUMBER}$"  # for arrow (RE2), where $ is the end of the text


def neutralise_text(text: str) -> str:
    """`text` as :func:`save_positions` writes it to CSV: a quote before formula text."""
    if re.match(_FORMULA, text) and not re.fullmatch(_NUMBER, text):
        return "'" + text
    return text


def unneutralise_text(text: str) -> str:
    """`text` as :func:`read_positions` reads it: one quote fewer before formula text."""
    return text[1:] if re.match(_NEUTRALISED, text) else text


def neutralise_table(arrow):
    """Every text cell of an arrow table through :func:`neutralise_text`, vectorised.

    Only text whose first byte may start a formula is looked at with the regular
    expressions, and categories are neutralised in their dictionaries: a table of numbers
    and ordinary words costs one look at each cell's first byte.
    """
    import pyarrow as pa

    columns = []
    for column in arrow.columns:
        chunks = [_neutralise_chunk(chunk) for chunk in column.chunks]
        columns.append(pa.chunked_array(chunks, type=chunks[0].type) if chunks else column)
    names = [neutralise_text(str(name)) for name in arrow.column_names]
    return pa.table(columns, names=names)


_FORMULA_BYTES = np.frombuffer(b"=+-@\t\r'", dtype=np.uint8)


def _neutralise_chunk(chunk):
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = chunk.type
    if pa.types.is_dictionary(kind) and pa.types.is_string(kind.value_type):
        values = _neutralise_chunk(chunk.dictionary)  # categories: a few values
        return pa.DictionaryArray.from_arrays(chunk.indices, values, ordered=kind.ordered)
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)) or len(chunk) == 0:
        return chunk  # numbers, dates, booleans: as they are
    _, offsets, data = chunk.buffers()
    if data is None or data.size == 0:
        return chunk  # every cell empty
    width = np.int64 if pa.types.is_large_string(kind) else np.int32
    ends = np.frombuffer(offsets, dtype=width)[chunk.offset : chunk.offset + len(chunk) + 1]
    starts = ends[:-1]
    first = np.frombuffer(data, dtype=np.uint8)[np.minimum(starts, data.size - 1)]
    if not np.isin(first[ends[1:] > starts], _FORMULA_BYTES).any():
        return chunk  # no cell starts with what a formula (or a neutralised one) starts with
    risky = pc.and_(
        pc.match_substring_regex(chunk, _FORMULA),
        pc.invert(pc.match_substring_regex(chunk, _PLAIN_NUMBER)),
    )
    if not pc.any(risky).as_py():
        return chunk
    quote, nothing = pa.scalar("'", kind), pa.scalar("", kind)
    return pc.if_else(risky, pc.binary_join_element_wise(quote, chunk, nothing), chunk)


def unneutralise_table(arrow):
    """Take off the quote that :func:`save_positions` put before formula-like text."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = []
    changed = False
    for column in arrow.columns:
        if len(column) and pc.any(pc.starts_with(column, "'")).as_py():
            marked = pc.match_substring_regex(column, _NEUTRALISED)
            column = pc.if_else(marked, pc.utf8_slice_codeunits(column, 1), column)
            changed = True
        columns.append(column)
    return pa.table(columns, names=arrow.column_names) if changed else arrow
