"""Decoding text files: the encoding named, marked, or guessed, and the text as UTF-8.

Both engines read delimited text as UTF-8 bytes (:mod:`geozones.delimited`): a file in any
other encoding is transcoded once. The encoding is, first that applies: the one a caller
names; the one a byte-order mark shows (UTF-8, UTF-16, UTF-32); UTF-16 without a mark
(every other byte zero); UTF-8 when every byte is valid UTF-8; else the legacy code page of
:data:`LEGACY_ENCODINGS` that charset-normalizer and the scripts of the words choose.

Examples
--------
>>> buf, start, found = decode("Daraa".encode("utf-16"), None, label="example")
>>> buf, found
(b'Daraa', 'utf-16')
"""

from __future__ import annotations

import codecs
import io as _io
import re

import numpy as np

from geozones.errors import InputError

__all__ = [
    "LEGACY_ENCODINGS",
    "UTF8_NAMES",
    "ascii_compatible",
    "check_encoding",
    "decode",
    "fixed_encoding",
    "guess_encoding",
    "is_utf8",
    "non_ascii_sample",
    "to_utf8",
]

#: Legacy encodings considered for text that is not UTF-8, most likely first: Western, Arabic
#: and Hebrew Windows code pages, then the other Windows code pages.
LEGACY_ENCODINGS = ("cp1252", "cp1256", "cp1255", "cp1254", "cp1250", "cp1251", "cp1253", "cp1257")
_SAMPLE_BYTES = 65_536  # bytes beyond ASCII that an encoding is guessed from
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
#: Python's names of UTF-8, with and without a byte-order mark.
UTF8_NAMES = ("utf-8", "utf-8-sig")


def check_encoding(encoding: str, label) -> str:
    """Python's name for `encoding` (``"windows-1256"`` → ``"cp1256"``)."""
    try:
        return codecs.lookup(str(encoding)).name
    except LookupError:
        msg = f"{label}: unknown encoding {encoding!r}; name one Python knows, such as 'cp1256'"
        raise InputError(msg) from None


def ascii_compatible(encoding: str) -> bool:
    """Whether line breaks, quotes and delimiters are the ASCII bytes in `encoding`."""
    probe = "\r\n\"',;\t|azAZ09"
    try:
        return probe.encode(encoding) == probe.encode("ascii")
    except (UnicodeError, LookupError):
        return False


def fixed_encoding(head: bytes, encoding: str | None, label) -> str | None:
    """The encoding a caller named, a byte-order mark shows, or UTF-16's zero bytes betray."""
    if encoding is not None:
        return check_encoding(encoding, label)
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    sample = head[:4096]
    if len(sample) >= 16:  # UTF-16 without a mark: every other byte of ASCII text is zero
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        half = len(sample) // 2
        if odd > 0.4 * half and even < 0.05 * half:
            return "utf-16-le"
        if even > 0.4 * half and odd < 0.05 * half:
            return "utf-16-be"
    return None


def is_utf8(data: bytes) -> bool:
    """Whether `data` is valid UTF-8, checked by arrow without copying it."""
    import pyarrow as pa

    buffer = pa.py_buffer(data)
    offsets = pa.array([0, buffer.size], type=pa.int64()).buffers()[1]
    try:
        pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, buffer]).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def non_ascii_sample(data: bytes, *, limit: int = _SAMPLE_BYTES) -> bytes:
    """Up to `limit` bytes of `data` around its bytes beyond ASCII, for guessing an encoding."""
    pieces: list[bytes] = []
    total = 0
    chunk = 1 << 24
    for offset in range(0, len(data), chunk):
        count = min(chunk, len(data) - offset)
        view = np.frombuffer(data, dtype=np.uint8, count=count, offset=offset)
        high = np.flatnonzero(view >= 0x80)
        taken_to = -1
        for p in high[:: max(1, high.size // 4096)].tolist():  # at most about 4,096 windows
            if p < taken_to:
                continue
            a, b = max(0, offset + p - 32), offset + p + 480
            pieces.append(data[a:b])
            total += b - a
            taken_to = p + 480
            if total >= limit:
                return b"\n".join(pieces)
    return b"\n".join(pieces)


def guess_encoding(sample: bytes) -> str:
    """The legacy encoding that text (not UTF-8) was most likely written in.

    charset-normalizer keeps the encodings of :data:`LEGACY_ENCODINGS` under which the
    sample reads as text rather than mess; among those, the one whose words are each
    written in one script (Arabic, Hebrew, Latin...) wins, the earlier in
    :data:`LEGACY_ENCODINGS` on a tie. Short samples are ambiguous (four Arabic letters in
    cp1256 are four Cyrillic ones in cp1251): pass ``encoding=`` when you know it.
    """
    from charset_normalizer import from_bytes

    try:
        matches = from_bytes(sample, cp_isolation=list(LEGACY_ENCODINGS))
        names = {codecs.lookup(n).name for m in matches for n in m.could_be_from_charset}
    except Exception:  # a detector's failure must not stop the reading
        names = set()
    candidates = [e for e in LEGACY_ENCODINGS if e in names] or list(LEGACY_ENCODINGS)
    scored = []
    for rank, name in enumerate(candidates):
        try:
            text = sample.decode(name)
        except UnicodeDecodeError:
            continue
        scored.append((_script_score(text), -rank, name))
    return max(scored)[2] if scored else "cp1252"


_WORDS = re.compile(r"[^\x00-\x40\x5b-\x60\x7b-\x7f]+")  # runs of letters (and anything not ASCII)
_TYPOGRAPHIC = set("‘’‚“”„–—…«»°·′″")


def _script_score(text: str) -> int:
    """Characters in words of one script, less twice those in words that mix or hold symbols.

    A word made only of accented Latin capitals and the like (``ÏÑÚÇ``, which is ``درعا`` in
    the wrong code page) counts against: real Latin words have plain letters too.
    """
    import unicodedata

    score = 0
    for word in _WORDS.findall(text):
        if word.isascii():
            continue
        scripts = set()
        odd = False
        for ch in word:
            if ch.isascii():
                scripts.add("LATIN")
                continue
            category = unicodedata.category(ch)
            if category[0] == "L":
                scripts.add(unicodedata.name(ch, "UNKNOWN").split(" ")[0])
            elif category[0] != "M" and ch not in _TYPOGRAPHIC:
                odd = True
        plain = any(ch.isascii() for ch in word)
        if odd or len(scripts) != 1 or (scripts == {"LATIN"} and not plain and len(word) > 2):
            score -= 2 * len(word)
        else:
            score += len(word)
    return score


def decode(raw: bytes, encoding: str | None, *, label) -> tuple[bytes, int, str]:
    """`raw` as UTF-8 bytes, the offset where its text starts (after a mark), the encoding.

    UTF-8 input is used as it is, without a copy; anything else is transcoded once, in
    pieces, and bytes that do not decode become U+FFFD.
    """
    found = fixed_encoding(raw[:4096], encoding, label)
    if found is None:
        found = "utf-8" if is_utf8(raw) else guess_encoding(non_ascii_sample(raw))
        if found == "utf-8":
            return raw, 0, found
    if found in UTF8_NAMES and is_utf8(raw):
        return raw, 3 if raw.startswith(codecs.BOM_UTF8) else 0, found
    return to_utf8(raw, found), 0, found


def to_utf8(raw: bytes, encoding: str) -> bytes:
    """`raw` decoded from `encoding` (a mark dropped, bad bytes replaced) as UTF-8 bytes."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    out = _io.BytesIO()
    view = memoryview(raw)
    step = 1 << 24
    for i in range(0, len(raw), step):
        out.write(decoder.decode(view[i : i + step]).encode("utf-8"))
    out.write(decoder.decode(b"", final=True).encode("utf-8"))
    text = out.getvalue()
    return text[3:] if text.startswith(codecs.BOM_UTF8) else text
