"""CSV in and out for the batch commands (``topn``, ``together``): ratings only, ids as given."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from reelmates.errors import InputFileError
from reelmates.importers.lines import decode_all
from reelmates.taste.matrix import RatingsMatrix

HEADER = ["user", "item", "rating"]


def read_ratings_csv(path: str | Path) -> RatingsMatrix:
    """Read ``user,item,rating[,timestamp]``; a bad line raises ``InputFileError(path, line)``."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputFileError(p, None, f"cannot read: {exc.strerror or exc}") from exc
    # UTF-16, a spreadsheet or bad bytes are named here, with what to do about them.
    text = decode_all(data, str(p), "utf-8-sig")
    del data
    users: list[str] = []
    items: list[str] = []
    stars: list[str] = []
    with io.StringIO(text, newline="") as f:
        reader = csv.reader(f)
        try:
            head = next(reader, None)
            if head is None:
                raise InputFileError(p, 1, "empty file; expected the header user,item,rating")
            cols = [h.strip().lower() for h in head]
            if cols[:3] != HEADER or cols[3:] not in ([], ["timestamp"]):
                raise InputFileError(
                    p, 1, f"header is {','.join(head)!r}; expected user,item,rating[,timestamp]"
                )
            width = len(cols)
            for row in reader:
                if len(row) != width or not row[0] or not row[1]:
                    if not row:
                        continue  # blank line
                    raise InputFileError(
                        p, reader.line_num, f"expected {width} fields, got {len(row)}: {row}"
                    )
                users.append(row[0])
                items.append(row[1])
                stars.append(row[2])
        except csv.Error as exc:
            raise InputFileError(p, reader.line_num, str(exc)) from exc
    if not users:
        raise InputFileError(p, None, "no ratings after the header")
    values = _parse_stars(p, text, stars)
    return RatingsMatrix.from_triples(np.array(users), np.array(items), values)


def _parse_stars(p: Path, text: str, stars: list[str]) -> np.ndarray:
    try:
        values = np.array(stars, dtype=np.float64)
    except ValueError:
        values = None
    if values is not None and np.isfinite(values).all():
        return values.astype(np.float32)
    lines = _line_numbers(text)
    for n, text in enumerate(stars):
        try:
            ok = math.isfinite(float(text))
        except ValueError:
            ok = False
        if not ok:
            raise InputFileError(p, lines[n], f"rating {text!r} is not a number")
    raise AssertionError("unreachable")


def _line_numbers(text: str) -> list[int]:
    # Only used on the error path: re-read to map data rows back to physical line numbers.
    out: list[int] = []
    with io.StringIO(text, newline="") as f:
        reader = csv.reader(f)
        next(reader, None)
        for row in reader:
            if row:
                out.append(reader.line_num)
    return out


def write_csv(path: str | Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    with Path(path).open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
