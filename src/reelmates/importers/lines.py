"""Read a byte stream as numbered text lines in large blocks, counting bytes for progress bars.

Decoding whole blocks (not line by line) keeps the per-line cost to a ``str.split``, which is
what lets a 25M-line ratings file parse at millions of lines per second.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from typing import IO

from reelmates.errors import InputFileError

BLOCK_BYTES = 1 << 20
# No line of a data file is this long: past it, a file is refused rather than held in memory
# while waiting for a line to end (a zip entry of one endless line, say).
MAX_LINE_BYTES = 1 << 20

Progress = Callable[[int], None]  # called with the number of bytes just consumed

# Byte-order marks, longest first (UTF-32 LE starts with UTF-16 LE's mark).
_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)
# Files people pick by mistake: a spreadsheet, an archive, a document.
_MAGIC = (
    (b"PK\x03\x04", "a zip archive (an Excel .xlsx workbook?), not text"),
    (b"\x1f\x8b", "gzip-compressed, not text"),
    (b"\xd0\xcf\x11\xe0", "an Office document (an old Excel .xls?), not text"),
    (b"%PDF", "a PDF document, not text"),
)
_ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "latin-1": "Latin-1"}


def encoding_name(encoding: str) -> str:
    return _ENCODING_NAMES.get(encoding.casefold(), encoding)


def _save_as_hint(encoding: str, found: str | None = None) -> str:
    if encoding_name(encoding) == "UTF-8":
        iconv = f"iconv -f {found} -t UTF-8 FILE > NEW" if found else "iconv -t UTF-8 FILE > NEW"
        return (
            f"Save it as UTF-8 text (a spreadsheet: Save As → CSV UTF-8; a terminal: {iconv}), "
            "then try again."
        )
    name = encoding_name(encoding)
    target = "ISO-8859-1" if name == "Latin-1" else name
    convert = f", or convert it: iconv -f {found} -t {target} FILE > NEW" if found else ""
    return f"Use the file as the release ships it ({name} text){convert}."


def _not_text(head: bytes) -> tuple[str, str | None] | None:
    """Why bytes starting with ``head`` are not text of an 8-bit encoding (and the encoding
    they are in, if it is one), or None."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return f"is {name} text (it starts with a {name} byte-order mark)", name
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return f"is {what}", None
    if b"\x00" in head:
        sample = head[:4096]
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        if max(even, odd) > 0.3 * (len(sample) // 2) and min(even, odd) < 0.05 * len(sample):
            return "is UTF-16 text (every other byte is zero)", "UTF-16LE" if odd else "UTF-16BE"
    return None


def check_text(data: bytes, where: str, encoding: str, *, first_line: int = 1) -> None:
    """Refuse bytes that cannot be the text file they should be, saying what they are instead.

    ``data`` is a whole file or one block of it (``first_line`` is the number of its first line):
    byte-order marks and file signatures are looked for only at the start of the file. A NUL
    byte is never text; finding one is a single ``memchr``, cheap enough for every block.
    """
    found = _not_text(data[:4096]) if first_line == 1 else None
    line: int | None = None  # the whole file is in the wrong form
    if found is None:
        nul = data.find(b"\x00")
        if nul < 0:
            return
        found = "is binary data, not text (it holds NUL bytes)", None
        line = first_line + data.count(b"\n", 0, nul)
    problem, actual = found
    raise InputFileError(
        where,
        line,
        f"{problem}; reelmates reads {encoding_name(encoding)} text",
        hint=_save_as_hint(encoding, actual),
    )


def _undecodable(
    data: bytes, where: str, encoding: str, first_line: int, exc: UnicodeDecodeError
) -> InputFileError:
    line = first_line + data.count(b"\n", 0, exc.start)
    bad = data[exc.start : exc.end].hex(" ")
    return InputFileError(
        where,
        line,
        f"not valid {encoding_name(encoding)} text (byte {bad}: {exc.reason})",
        hint=_save_as_hint(encoding),
    )


def line_blocks(
    stream: IO[bytes],
    where: str,
    encoding: str,
    *,
    progress: Progress | None = None,
    block_bytes: int = BLOCK_BYTES,
    max_line_bytes: int = MAX_LINE_BYTES,
) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(number of the first line, lines)`` per block; lines carry no line ending.

    A line longer than ``max_line_bytes`` is refused with its number."""
    first_line = 1
    pending = b""
    while True:
        block = stream.read(block_bytes)
        if progress is not None and block:
            progress(len(block))
        if first_line == 1 and not pending:  # the file's first bytes: say early what it is
            check_text(block[:4096], where, encoding)
        data = pending + block
        if not data:
            return
        if block:
            cut = data.rfind(b"\n") + 1
            if cut == 0:  # no newline yet: a very long line, keep reading
                if len(data) > max_line_bytes:
                    raise _too_long(where, first_line, max_line_bytes)
                pending = data
                continue
            data, pending = data[:cut], data[cut:]
        else:
            pending = b""
            if len(data) - (data.rfind(b"\n") + 1) > max_line_bytes:
                raise _too_long(where, first_line + data.count(b"\n"), max_line_bytes)
        check_text(data, where, encoding, first_line=first_line)
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise _undecodable(data, where, encoding, first_line, exc) from exc
        if "\r" in text:
            text = text.replace("\r\n", "\n")
        lines = text.split("\n")
        if lines[-1] == "":
            lines.pop()
        yield first_line, lines
        first_line += len(lines)
        if not block:
            return


def _too_long(where: str, line: int, limit: int) -> InputFileError:
    return InputFileError(
        where, line, f"the line is longer than {limit:,} bytes", hint="Is this the right file?"
    )


def read_at_most(stream: IO[bytes], where: str, limit: int) -> bytes:
    """The whole (small) file, refused when it is larger than ``limit`` bytes."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise InputFileError(
            where, None, f"is larger than {limit / (1024 * 1024):.0f} MB, too large to be this file"
        )
    return data


def decode_all(data: bytes, where: str, encoding: str) -> str:
    """Decode a whole (small) file, naming the line of the first undecodable byte."""
    check_text(data, where, encoding)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise _undecodable(data, where, encoding, 1, exc) from exc


def csv_rows(
    source: IO[bytes] | bytes, where: str, encoding: str
) -> Iterator[tuple[int, list[str]]]:
    """``(line number, fields)`` for a small CSV file (a stream or its bytes) with quoting
    (titles contain commas)."""
    data = source if isinstance(source, bytes) else source.read()
    reader = csv.reader(io.StringIO(decode_all(data, where, encoding), newline=""))
    done = 0  # lines read before this row; a quoted field may span lines
    try:
        for row in reader:
            yield done + 1, row
            done = reader.line_num
    except csv.Error as exc:
        raise InputFileError(where, reader.line_num, f"malformed CSV: {exc}") from exc
